"""Blocking list commands on a real radish process with several client
connections: the blocked client is parked (everyone else is served), FIFO
wake order, float timeouts, wake by MULTI/EXEC, no element delivered twice
under many concurrent poppers and pushers, BLMOVE / BRPOPLPUSH / BLMPOP,
CLIENT UNBLOCK / CLIENT KILL, INFO blocked_clients, pipelined commands
queued behind a blocked one, and what a replica receives."""

from __future__ import annotations

import threading
import time

import pytest
import redis
from tests.support.resp import Raw
from tests.support.servers import start_radish


@pytest.fixture(scope="module")
def server():
    s = start_radish()
    yield s
    s.stop()


@pytest.fixture
def r(server):
    c = server.client()
    c.flushall()
    yield c
    c.close()


def blocked_count(r) -> int:
    return r.info("clients")["blocked_clients"]


def wait_blocked(r, n: int, timeout: float = 5.0) -> None:
    deadline = time.time() + timeout
    while blocked_count(r) != n:
        assert time.time() < deadline, "expected %d blocked clients, have %d" % (n, blocked_count(r))
        time.sleep(0.01)


def test_blocked_client_does_not_stall_the_server(server, r):
    c = Raw(server.port)
    c.send(["BLPOP", "k", 0])
    wait_blocked(r, 1)
    for i in range(50):
        assert r.set("x%d" % i, i)
    assert r.ping()
    assert not c.pending(0.1)
    r.rpush("k", "v")
    assert c.read_chunk() == b"*2\r\n$1\r\nk\r\n$1\r\nv\r\n"
    wait_blocked(r, 0)
    c.close()


def test_fifo_wake_order_across_connections(server, r):
    conns = [Raw(server.port) for _ in range(4)]
    for c in conns:
        c.send(["BRPOP", "q", 0])
        wait_blocked(r, conns.index(c) + 1)
    r.rpush("q", "a", "b", "c")  # BRPOP pops from the tail: c, b, a
    assert conns[0].read_chunk() == b"*2\r\n$1\r\nq\r\n$1\r\nc\r\n"
    assert conns[1].read_chunk() == b"*2\r\n$1\r\nq\r\n$1\r\nb\r\n"
    assert conns[2].read_chunk() == b"*2\r\n$1\r\nq\r\n$1\r\na\r\n"
    assert not conns[3].pending(0.1)
    assert blocked_count(r) == 1
    r.lpush("q", "d")
    assert conns[3].read_chunk() == b"*2\r\n$1\r\nq\r\n$1\r\nd\r\n"
    assert r.exists("q") == 0
    for c in conns:
        c.close()


def test_float_timeouts(server, r):
    c = Raw(server.port)
    for cmd in (("BLPOP", "k", "0.1"), ("BRPOP", "a", "b", ".1"), ("BLMPOP", "0.1", 1, "k", "LEFT"),
                ("BLMOVE", "k", "d", "LEFT", "LEFT", "0.1"), ("BRPOPLPUSH", "k", "d", "0.1")):
        start = time.time()
        c.send(cmd)
        assert c.read_chunk() == b"*-1\r\n", cmd
        elapsed = time.time() - start
        assert 0.09 <= elapsed < 1.0, (cmd, elapsed)
    # a later command on the same connection is served normally
    c.send(["PING"])
    assert c.read_chunk() == b"+PONG\r\n"
    assert blocked_count(r) == 0
    c.close()


def test_zero_timeout_blocks_until_served(server, r):
    c = Raw(server.port)
    c.send(["BLPOP", "k", "0"])
    time.sleep(0.3)
    assert not c.pending(0.1)
    r.rpush("k", "late")
    assert c.read_chunk() == b"*2\r\n$1\r\nk\r\n$4\r\nlate\r\n"
    c.close()


def test_timeout_errors(r):
    for t, err in (("-1", "timeout is negative"), ("x", "timeout is not a float or out of range"),
                   ("", "timeout is not a float or out of range")):
        with pytest.raises(redis.ResponseError, match=err):
            r.execute_command("BLPOP", "k", t)


def test_multi_exec_wakes_blocked_clients_with_the_final_state(server, r):
    c1, c2, c3 = Raw(server.port), Raw(server.port), Raw(server.port)
    c1.send(["BLPOP", "k", 0])
    c2.send(["BLPOP", "k", 0])
    c3.send(["BLPOP", "k", 0])
    wait_blocked(r, 3)
    p = r.pipeline(transaction=True)
    p.rpush("k", "a")
    p.rpush("k", "b", "c")
    p.lpop("k")
    assert p.execute() == [1, 3, b"a"]
    assert c1.read_chunk() == b"*2\r\n$1\r\nk\r\n$1\r\nb\r\n"
    assert c2.read_chunk() == b"*2\r\n$1\r\nk\r\n$1\r\nc\r\n"
    assert not c3.pending(0.1)
    # A transaction that leaves the key empty wakes nobody.
    p = r.pipeline(transaction=True)
    p.rpush("k", "x")
    p.delete("k")
    p.execute()
    assert not c3.pending(0.2)
    r.rpush("k", "y")
    assert c3.read_chunk() == b"*2\r\n$1\r\nk\r\n$1\r\ny\r\n"
    for c in (c1, c2, c3):
        c.close()


def test_multi_push_wakes_several_clients(server, r):
    conns = [Raw(server.port) for _ in range(3)]
    for i, c in enumerate(conns):
        c.send(["BLPOP", "k%d" % i, "k", 0])
        wait_blocked(r, i + 1)
    r.rpush("k", "1", "2", "3")
    got = [c.read_chunk() for c in conns]
    assert got == [b"*2\r\n$1\r\nk\r\n$1\r\n%d\r\n" % i for i in (1, 2, 3)]
    for c in conns:
        c.close()


def test_no_double_delivery_under_concurrency(server, r):
    n_poppers, n_items = 8, 400
    results: list[bytes] = []
    lock = threading.Lock()

    def popper():
        c = server.client(socket_timeout=30)
        while True:
            item = c.blpop(["work", "other"], timeout=0)
            if item[1] == b"stop":
                break
            with lock:
                results.append(item[1])
        c.close()

    threads = [threading.Thread(target=popper) for _ in range(n_poppers)]
    for t in threads:
        t.start()

    def pusher(start: int):
        c = server.client()
        for i in range(start, n_items, 4):
            if i % 2:
                c.rpush("work", "item%d" % i)
            else:
                c.lpush("other", "item%d" % i)
        c.close()

    pushers = [threading.Thread(target=pusher, args=(k,)) for k in range(4)]
    for t in pushers:
        t.start()
    for t in pushers:
        t.join()
    deadline = time.time() + 20
    while len(results) < n_items and time.time() < deadline:
        time.sleep(0.02)
    r.rpush("work", *["stop"] * n_poppers)
    for t in threads:
        t.join(10)
    assert sorted(results) == sorted(b"item%d" % i for i in range(n_items))
    assert r.exists("work", "other") == 0


def test_blmove_and_brpoplpush_when_woken(server, r):
    c1, c2 = Raw(server.port), Raw(server.port)
    c1.send(["BLMOVE", "src", "mid", "RIGHT", "LEFT", 0])
    c2.send(["BRPOPLPUSH", "mid", "dst", 0])
    wait_blocked(r, 2)
    r.rpush("src", "a", "b")
    assert c1.read_chunk() == b"$1\r\nb\r\n"
    assert c2.read_chunk() == b"$1\r\nb\r\n"
    assert r.lrange("src", 0, -1) == [b"a"]
    assert r.exists("mid") == 0
    assert r.lrange("dst", 0, -1) == [b"b"]
    c1.close()
    c2.close()


def test_blmpop_woken_with_count(server, r):
    c = Raw(server.port)
    c.send(["BLMPOP", 0, 2, "x", "y", "RIGHT", "COUNT", 2])
    wait_blocked(r, 1)
    r.rpush("y", 1, 2, 3)
    assert c.read_chunk() == b"*2\r\n$1\r\ny\r\n*2\r\n$1\r\n3\r\n$1\r\n2\r\n"
    assert r.lrange("y", 0, -1) == [b"1"]
    c.close()


def test_client_unblock_and_kill(server, r):
    c = Raw(server.port)
    c.send(["CLIENT", "ID"])
    cid = int(c.read_chunk()[1:-2])
    c.send(["BLPOP", "k", 0])
    wait_blocked(r, 1)
    assert r.client_unblock(cid) is True
    assert c.read_chunk() == b"*-1\r\n"
    c.send(["BRPOP", "k", 0])
    wait_blocked(r, 1)
    assert r.client_unblock(cid, error=True) is True
    assert c.read_chunk() == b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"
    assert r.client_unblock(cid) is False
    c.send(["BLMOVE", "k", "d", "LEFT", "LEFT", 0])
    wait_blocked(r, 1)
    r.client_kill_filter(_id=cid)
    wait_blocked(r, 0)
    assert c.read_chunk() == b""
    r.rpush("k", "v")  # nobody left to serve: stays in the list
    assert r.lrange("k", 0, -1) == [b"v"]
    c.close()


def test_disconnected_blocked_client_is_forgotten():
    """A blocked client that hangs up must leave the wait lists at once, or
    the next push would hand its element to a dead connection."""
    server = start_radish()  # own process: a failure here must not leak
    try:
        r = server.client()
        c = Raw(server.port)
        c.send(["BLPOP", "k", 0])
        wait_blocked(r, 1)
        c.close()
        wait_blocked(r, 0)
        r.rpush("k", "v")
        assert r.lrange("k", 0, -1) == [b"v"]
    finally:
        server.stop()


def test_pipeline_behind_a_blocked_command_waits(server, r):
    c = Raw(server.port)
    c.write(
        b"*3\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$1\r\n0\r\n"
        b"*2\r\n$4\r\nECHO\r\n$5\r\nafter\r\n"
    )
    wait_blocked(r, 1)
    assert not c.pending(0.2)
    r.rpush("k", "v")
    data = b""
    deadline = time.time() + 5
    while data.count(b"\r\n") < 7 and time.time() < deadline:
        data += c.read_chunk(1.0)
    assert data == b"*2\r\n$1\r\nk\r\n$1\r\nv\r\n$5\r\nafter\r\n"
    c.close()


def test_replica_receives_the_non_blocking_forms():
    primary = start_radish()
    replica = start_radish("--replicaof", "127.0.0.1", str(primary.port))
    try:
        p, rep = primary.client(), replica.client()
        deadline = time.time() + 15
        while rep.info("replication").get("master_link_status") != "up":
            assert time.time() < deadline, "replica did not connect"
            time.sleep(0.05)
        c1, c2 = Raw(primary.port), Raw(primary.port)
        c1.send(["BLPOP", "k", 0])
        c2.send(["BLMOVE", "src", "dst", "LEFT", "RIGHT", 0])
        wait_blocked(p, 2)
        p.rpush("k", "a", "b")
        p.rpush("src", "x", "y")
        assert c1.read_chunk() == b"*2\r\n$1\r\nk\r\n$1\r\na\r\n"
        assert c2.read_chunk() == b"$1\r\nx\r\n"
        p.sadd("s", *range(20))
        popped = p.spop("s", 5)
        p.hincrbyfloat("h", "f", 0.1)
        p.set("marker", "done")
        deadline = time.time() + 10
        while rep.get("marker") != b"done":
            assert time.time() < deadline, "replica did not catch up"
            time.sleep(0.05)
        assert rep.lrange("k", 0, -1) == [b"b"]
        assert rep.lrange("src", 0, -1) == [b"y"]
        assert rep.lrange("dst", 0, -1) == [b"x"]
        assert rep.smembers("s") == p.smembers("s")
        assert not rep.smembers("s") & set(popped)
        assert rep.hget("h", "f") == b"0.1"
        c1.close()
        c2.close()
    finally:
        replica.stop()
        primary.stop()


def test_write_from_the_replication_stream_wakes_a_replica_client():
    primary = start_radish()
    replica = start_radish("--replicaof", "127.0.0.1", str(primary.port), "--replica-read-only", "no")
    try:
        p, rep = primary.client(), replica.client()
        deadline = time.time() + 15
        while rep.info("replication").get("master_link_status") != "up":
            assert time.time() < deadline, "replica did not connect"
            time.sleep(0.05)
        c = Raw(replica.port)
        c.send(["BLPOP", "jobs", 0])
        wait_blocked(rep, 1)
        p.rpush("jobs", "j1")
        assert c.read_chunk() == b"*2\r\n$4\r\njobs\r\n$2\r\nj1\r\n"
        assert rep.exists("jobs") == 0  # popped on the replica only, as in Redis
        assert p.lrange("jobs", 0, -1) == [b"j1"]
        c.close()
    finally:
        replica.stop()
        primary.stop()
