"""Expiry end to end on a real ``python -m radish`` process: keys vanish on
time without anyone touching them (the active expire cycle), a million
short-lived keys are reclaimed while the server keeps answering, and DEBUG
SET-ACTIVE-EXPIRE 0 turns the cycle off."""

from __future__ import annotations

import threading
import time

import pytest
import redis
from tests.support.servers import start_radish


@pytest.fixture(scope="module")
def server():
    s = start_radish("--enable-debug-command", "yes")
    yield s
    s.stop()


@pytest.fixture
def client(server):
    c = server.client()
    c.flushall()
    c.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")
    c.execute_command("CONFIG", "RESETSTAT")
    yield c
    c.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")
    c.flushall()
    c.close()


def wait_for(predicate, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def test_key_with_px_100_is_gone_200ms_later(client):
    client.set("k", "v", px=100)
    client.set("keep", "v")
    assert client.get("k") == b"v"
    time.sleep(0.2)
    assert client.get("k") is None
    assert client.exists("k") == 0
    assert client.ttl("k") == -2


def test_untouched_keys_are_reclaimed_by_the_active_cycle(client):
    client.mset({"plain:%d" % i: "v" for i in range(10)})
    pipe = client.pipeline(transaction=False)
    for i in range(1000):
        pipe.set("short:%d" % i, "v", px=100)
    pipe.execute()
    assert client.dbsize() == 1010
    # DBSIZE counts keys not yet reclaimed; only the cycle can lower it here.
    assert wait_for(lambda: client.dbsize() == 10, timeout=5)
    info = client.info("stats")
    assert info["expired_keys"] >= 1000
    assert info["keyspace_misses"] == 0  # nobody looked the keys up


def test_debug_set_active_expire_0_stops_the_cycle(client):
    client.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    pipe = client.pipeline(transaction=False)
    for i in range(500):
        pipe.set("k:%d" % i, "v", px=50)
    pipe.execute()
    time.sleep(0.6)
    assert client.dbsize() == 500  # expired, but not reclaimed
    db0 = client.info("keyspace")["db0"]
    assert (db0["keys"], db0["expires"]) == (500, 500)
    assert client.get("k:1") is None  # still invisible to reads (lazy expiry)
    assert client.dbsize() == 499
    client.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")
    assert wait_for(lambda: client.dbsize() == 0, timeout=5)


def test_a_million_short_lived_keys_are_reclaimed_while_the_server_answers(server, client):
    total = 1_000_000
    batch = 10_000
    value = "x" * 8
    for start in range(0, total, batch):
        pipe = client.pipeline(transaction=False)
        for i in range(start, start + batch):
            pipe.set("bulk:%d" % i, value, px=1000 + i % 2000)
        pipe.execute()
    client.set("survivor", "v")

    latencies: list[float] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def pinger() -> None:
        c = redis.Redis(host="127.0.0.1", port=server.port, socket_timeout=0.5)
        try:
            while not stop.is_set():
                t = time.monotonic()
                assert c.ping() is True
                latencies.append(time.monotonic() - t)
                time.sleep(0.02)
        except BaseException as e:  # a timeout fails the test below
            failures.append(e)
        finally:
            c.close()

    thread = threading.Thread(target=pinger, daemon=True)
    thread.start()
    try:
        reclaimed = wait_for(lambda: client.dbsize() == 1, timeout=30, interval=0.25)
    finally:
        stop.set()
        thread.join(5)
    assert reclaimed, "still %d keys after 30 s" % client.dbsize()
    assert not failures, failures[:1]
    assert latencies and max(latencies) < 0.5
    assert client.get("survivor") == b"v"
    info = client.info("stats")
    assert info["expired_keys"] >= total
    assert client.info("keyspace") == {"db0": {"keys": 1, "expires": 0, "avg_ttl": 0}}
