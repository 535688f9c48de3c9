"""Pub/sub through redis-py (sync and asyncio, RESP2 and RESP3) against a
real radish process, and the pubsub output-buffer limit."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest
import redis.asyncio
from tests.support.servers import start_radish, start_redis


def _next_message(p, timeout: float = 5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        m = p.get_message(timeout=0.2)
        if m is not None and m["type"] in ("message", "pmessage", "smessage"):
            return m
    raise AssertionError("no message arrived")


@pytest.mark.parametrize("protocol", [2, 3])
def test_redis_py_pubsub(radish_server, protocol):
    sub = radish_server.client(protocol=protocol)
    pub = radish_server.client()
    p = sub.pubsub()
    p.subscribe("chat")
    p.psubscribe("log.*")
    assert pub.publish("chat", "hello") == 1
    m = _next_message(p)
    assert (m["type"], m["channel"], m["data"]) == ("message", b"chat", b"hello")
    assert pub.publish("log.error", "disk") == 1
    m = _next_message(p)
    assert (m["type"], m["pattern"], m["channel"], m["data"]) == ("pmessage", b"log.*", b"log.error", b"disk")
    assert pub.pubsub_channels() == [b"chat"]
    assert pub.pubsub_numpat() == 1
    p.unsubscribe("chat")
    p.punsubscribe()
    deadline = time.time() + 5
    while time.time() < deadline and pub.pubsub_numsub("chat") != [(b"chat", 0)]:
        p.get_message(timeout=0.1)
    assert pub.publish("chat", "nobody") == 0
    p.close()


def test_shard_channels(radish_server):
    sub = radish_server.client()
    p = sub.pubsub()
    p.ssubscribe("s1")
    pub = radish_server.client()
    assert pub.spublish("s1", "m") == 1
    m = _next_message(p)
    assert (m["type"], m["channel"], m["data"]) == ("smessage", b"s1", b"m")
    assert pub.pubsub_shardchannels() == [b"s1"]
    assert pub.pubsub_shardnumsub("s1") == [(b"s1", 1)]
    p.close()


def test_asyncio_subscriber(radish_server):
    async def main():
        r = redis.asyncio.Redis(port=radish_server.port)
        p = r.pubsub()
        await p.subscribe("events")
        pub = redis.asyncio.Redis(port=radish_server.port)
        got = []
        for i in range(3):
            await pub.publish("events", "e%d" % i)
        deadline = time.time() + 5
        while len(got) < 3 and time.time() < deadline:
            m = await p.get_message(ignore_subscribe_messages=True, timeout=0.2)
            if m is not None:
                got.append(m["data"])
        await p.aclose()
        await r.aclose()
        await pub.aclose()
        return got

    assert asyncio.run(main()) == [b"e0", b"e1", b"e2"]


def test_subscriber_that_does_not_read_is_closed_at_the_hard_limit():
    srv = start_radish("--client-output-buffer-limit", "pubsub 1mb 0 0")
    try:
        slow = socket.create_connection(("127.0.0.1", srv.port))
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        slow.sendall(b"SUBSCRIBE firehose\r\n")
        time.sleep(0.3)
        pub = srv.client()
        payload = b"x" * 65536
        receivers = []
        for _ in range(200):  # 12.5 MiB, far past 1 MiB and the socket buffers
            receivers.append(pub.publish("firehose", payload))
        assert receivers[0] == 1
        assert receivers[-1] == 0  # dropped from the channel when closed
        assert pub.pubsub_numsub("firehose") == [(b"firehose", 0)]
        assert "overcoming of output buffer limits" in srv.log()
        assert pub.ping()  # the server and other clients carry on
        slow.close()
    finally:
        srv.stop()


def _link_up(client) -> bool:
    return client.info("replication").get("master_link_status") == "up"


def _subscriber_gets(sub_server, pub_client, channel: str = "news") -> None:
    p = sub_server.client().pubsub()
    p.subscribe(channel)
    deadline = time.time() + 10
    while time.time() < deadline and sub_server.client().pubsub_numsub(channel) != [(channel.encode(), 1)]:
        time.sleep(0.05)
    pub_client.publish(channel, "from the primary")
    m = _next_message(p, timeout=10)
    assert (m["channel"], m["data"]) == (channel.encode(), b"from the primary")
    p.close()


def _wait_link(client) -> None:
    deadline = time.time() + 20
    while time.time() < deadline and not _link_up(client):
        time.sleep(0.05)
    assert _link_up(client)


def test_publish_reaches_subscribers_of_a_replica_but_not_the_aof():
    primary = start_radish("--appendonly", "yes")
    replica = start_radish("--replicaof", "127.0.0.1 %d" % primary.port, "--appendonly", "yes")
    try:
        _wait_link(replica.client())
        m = primary.client()
        m.set("k", "v")
        _subscriber_gets(replica, m)
        m.set("k2", "v2")
        assert m.wait(1, 5000) == 1
        import glob

        for server in (primary, replica):
            deadline = time.time() + 10
            incr = b""
            while time.time() < deadline and b"k2" not in incr:  # the writes get there …
                time.sleep(0.1)
                incr = b"".join(open(f, "rb").read() for f in glob.glob(server.dir + "/appendonlydir/*.incr.aof"))
            assert b"k2" in incr, server.argv
            assert b"PUBLISH" not in incr.upper()  # … the message does not
    finally:
        replica.stop()
        primary.stop()


@pytest.mark.parametrize("primary_kind", ["radish", "redis"])
def test_publish_crosses_replication_with_redis(primary_kind):
    if primary_kind == "radish":
        primary = start_radish()
        replica = start_redis("--replicaof", "127.0.0.1", str(primary.port))
    else:
        primary = start_redis()
        replica = start_radish("--replicaof", "127.0.0.1 %d" % primary.port)
    try:
        _wait_link(replica.client())
        _subscriber_gets(replica, primary.client())
    finally:
        replica.stop()
        primary.stop()
