"""Replication between real processes: radish -> radish, chained, promotion,
partial resync, WAIT, GETACK offsets, and interop with real redis-server in
both directions."""

from __future__ import annotations

import socket
import time

import pytest
import redis
from tests.support.fake_primary import StallingPrimary
from tests.support.resp import cmd, reply_end
from tests.support.servers import (
    ServerProcess,
    radish_argv,
    start_radish,
    start_redis,
    subprocess_env,
)


def wait_for(pred, timeout: float = 20.0, interval: float = 0.05):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = pred()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError("condition not met in %.1fs (last=%r)" % (timeout, last))


def info(client, section: str = "replication") -> dict[str, str]:
    text = cmd(client, "INFO", section)
    text = text.decode() if isinstance(text, bytes) else text
    out = {}
    for line in text.splitlines():
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            out[k] = v
    return out


def link_up(client) -> bool:
    return info(client).get("master_link_status") == "up"


def dataset(client) -> dict:
    """Every key of every db with its type, value and whether it has a TTL."""
    out = {}
    for db in range(16):
        cmd(client, "SELECT", db)
        for key in client.keys("*"):
            t = cmd(client, "TYPE", key)
            t = t.decode() if isinstance(t, bytes) else t
            if t == "string":
                v = client.get(key)
            elif t == "list":
                v = client.lrange(key, 0, -1)
            elif t == "hash":
                v = client.hgetall(key)
            elif t == "set":
                v = sorted(client.smembers(key))
            elif t == "zset":
                v = cmd(client, "ZRANGE", key, 0, -1, "WITHSCORES")
            elif t == "stream":
                # Entries, groups and pending summaries (seen-times are the
                # replica's own, as in Redis).
                groups = cmd(client, "XINFO", "GROUPS", key)
                v = [cmd(client, "XRANGE", key, "-", "+"), groups]
                v += [cmd(client, "XPENDING", key, g[b"name"] if isinstance(g, dict) else g[1]) for g in groups]
            else:
                v = t
            out[(db, key)] = (t, v, client.pttl(key) > 0)
    cmd(client, "SELECT", 0)
    return out


def fill(client, n: int = 200) -> None:
    p = client.pipeline(transaction=False)
    for i in range(n):
        p.set(b"s%d" % i, b"v%d" % i)
    p.set("counter", 10)
    p.set("ttl", "x", ex=1000)
    p.rpush("list", "a", "b", "c")
    p.hset("hash", mapping={"f1": "1", "f2": "2"})
    p.sadd("set", "1", "2", "x")
    p.zadd("zset", {"a": 1, "b": 2.5, "c": float("-inf")})
    p.zadd("zset-big", {"m%d" % i: i / 7 for i in range(300)})
    p.execute()
    cmd(client, "SELECT", 3)
    client.set("in-db3", "yes")
    cmd(client, "SELECT", 0)


@pytest.fixture
def pair():
    master = start_radish()
    replica = start_radish("--replicaof", "127.0.0.1 %d" % master.port)
    yield master, replica
    replica.stop()
    master.stop()


def test_full_sync_and_propagation(pair):
    master, replica = pair
    m = master.client()
    r = replica.client()
    wait_for(lambda: link_up(r))
    fill(m)
    m.incr("counter")
    m.expire("s1", 1000)
    m.delete("s2")
    m.execute_command("MULTI")
    m.execute_command("SET", "tx1", "1")
    m.execute_command("SET", "tx2", "2")
    m.execute_command("EXEC")
    m.set("px", "1", px=100000)
    m.lpush("list", "z")
    m.hincrby("hash", "f1", 5)
    m.srem("set", "x")
    m.spop("set")
    wait_for(lambda: dataset(r) == dataset(m))
    assert r.get("counter") == b"11"
    with pytest.raises(redis.ReadOnlyError):
        r.set("nope", "1")
    inf = info(r)
    assert inf["role"] == "slave" and inf["master_port"] == str(master.port)
    assert cmd(r, "ROLE")[0] == b"slave"
    mi = info(m)
    assert mi["connected_slaves"] == "1"
    assert mi["slave0"].startswith("ip=127.0.0.1,port=%d,state=online" % replica.port)
    wait_for(lambda: info(r)["master_repl_offset"] == info(m)["master_repl_offset"])


def test_full_sync_of_existing_dataset_and_expiring_keys():
    master = start_radish()
    try:
        m = master.client()
        fill(m, 2000)
        m.set("short", "1", px=300)
        replica = start_radish("--replicaof", "127.0.0.1 %d" % master.port)
        try:
            r = replica.client()
            wait_for(lambda: link_up(r))
            assert r.get("s1999") == b"v1999"
            assert r.pttl("ttl") > 0
            # The replica does not expire keys itself; it hides them and
            # waits for the master's DEL.
            time.sleep(0.5)
            assert r.get("short") is None
            wait_for(lambda: dataset(r) == dataset(m))
        finally:
            replica.stop()
    finally:
        master.stop()


class FakeMaster:
    """A minimal hand-written primary: accepts the handshake, answers
    +FULLRESYNC with an RDB taken from a real server, then lets the test
    write raw stream bytes and read the replica's replies."""

    def __init__(self, rdb: bytes) -> None:
        self.rdb = rdb
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(1)
        self.port = self.lsock.getsockname()[1]
        self.conn = None
        self.handshake: list[bytes] = []
        self.rbuf = b""  # what the replica sent that is not read yet

    def accept(self) -> None:
        self.lsock.settimeout(20)
        self.conn, _ = self.lsock.accept()
        self.conn.settimeout(10)
        buf = b""
        replies = [b"+PONG\r\n", b"+OK\r\n", b"+OK\r\n"]
        while True:
            frame, buf = self._next_frame(buf)
            self.handshake.append(frame)
            if frame.upper().startswith(b"*3\r\n$5\r\nPSYNC"):
                self.conn.sendall(b"+FULLRESYNC " + b"a" * 40 + b" 0\r\n")
                self.conn.sendall(b"$%d\r\n" % len(self.rdb) + self.rdb)
                return
            self.conn.sendall(replies.pop(0))

    def _next_frame(self, buf: bytes) -> tuple[bytes, bytes]:
        """The first whole command in ``buf`` (read more until there is
        one) and what follows it."""
        while (end := reply_end(buf)) is None:
            buf += self.conn.recv(4096)
        assert buf[:1] == b"*"
        return buf[:end], buf[end:]

    def send(self, data: bytes) -> None:
        self.conn.sendall(data)

    def read_ack(self) -> int:
        """Next REPLCONF ACK <offset> from the replica (what follows it in
        the same read is kept for the next call: two ACKs can arrive in one
        segment)."""
        frame, self.rbuf = self._next_frame(self.rbuf)
        parts = frame.split(b"\r\n")
        assert parts[2].upper() == b"REPLCONF" and parts[4].upper() == b"ACK"
        return int(parts[6])

    def close(self) -> None:
        if self.conn:
            self.conn.close()
        self.lsock.close()


def _empty_rdb_from(server) -> bytes:
    c = server.client()
    c.flushall()
    c.save()
    with open(server.dir + "/dump.rdb", "rb") as f:
        return f.read()


def test_replica_handshake_and_getack_offsets():
    ref = start_radish()
    try:
        rdb = _empty_rdb_from(ref)
    finally:
        ref.stop()
    fake = FakeMaster(rdb)
    replica = start_radish("--replicaof", "127.0.0.1 %d" % fake.port, "--repl-timeout", "60")
    try:
        fake.accept()
        port = str(replica.port).encode()
        assert fake.handshake[0] == b"*1\r\n$4\r\nPING\r\n"
        assert fake.handshake[1] == b"*3\r\n$8\r\nREPLCONF\r\n$14\r\nlistening-port\r\n$%d\r\n%s\r\n" % (len(port), port)
        assert fake.handshake[2] == b"*5\r\n$8\r\nREPLCONF\r\n$4\r\ncapa\r\n$3\r\neof\r\n$4\r\ncapa\r\n$6\r\npsync2\r\n"
        assert fake.handshake[3] == b"*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n"
        getack = b"*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n"
        assert len(getack) == 37
        fake.conn.settimeout(10)
        # The replica may send an ACK of its own right after loading.
        fake.send(getack)
        acks = [fake.read_ack()]
        while acks[-1] != 0:
            acks.append(fake.read_ack())
        fake.send(b"*1\r\n$4\r\nPING\r\n")  # 14 bytes
        fake.send(getack)
        assert _next_ack_not(fake, 0) == 51
        setfoo = b"*3\r\n$3\r\nSET\r\n$3\r\nfoo\r\n$1\r\n1\r\n"
        assert len(setfoo) == 29
        fake.send(setfoo + setfoo + getack)
        assert _next_ack_not(fake, 51) == 146
        r = replica.client()
        assert r.get("foo") == b"1"
    finally:
        replica.stop()
        fake.close()


def _next_ack_not(fake: FakeMaster, previous: int) -> int:
    while True:
        v = fake.read_ack()
        if v != previous:
            return v


def test_wait(pair):
    master, replica = pair
    m = master.client()
    r = replica.client()
    wait_for(lambda: link_up(r))
    assert m.execute_command("WAIT", 0, 0) == 1  # no writes pending: every replica
    m.set("w", "1")
    assert m.execute_command("WAIT", 1, 5000) == 1
    assert m.execute_command("WAIT", 2, 200) == 1  # partial count at the timeout
    with pytest.raises(redis.ResponseError, match="timeout is negative"):
        m.execute_command("WAIT", 1, -1)
    with pytest.raises(redis.ResponseError, match="WAIT cannot be used with replica instances"):
        r.execute_command("WAIT", 1, 0)


def test_wait_without_replicas_returns_zero_at_once():
    s = start_radish()
    try:
        c = s.client()
        c.set("a", "1")
        t0 = time.time()
        assert c.execute_command("WAIT", 1, 2000) == 0
        assert time.time() - t0 > 1.5  # blocks until the timeout: no replica can ack
        assert c.execute_command("WAIT", 0, 0) == 0
    finally:
        s.stop()


def test_partial_resync_after_link_cut(pair):
    master, replica = pair
    m = master.client()
    r = replica.client()
    wait_for(lambda: link_up(r))
    m.set("before", "1")
    wait_for(lambda: r.get("before") == b"1")
    full_before = int(info(m, "stats")["sync_full"])
    # Cut the link from the master side (kill the replica's connection).
    m.execute_command("CLIENT", "KILL", "TYPE", "replica")
    for i in range(100):
        m.set("during%d" % i, i)
    wait_for(lambda: link_up(r) and r.get("during99") == b"99")
    assert int(info(m, "stats")["sync_partial_ok"]) >= 1
    assert int(info(m, "stats")["sync_full"]) == full_before
    wait_for(lambda: dataset(r) == dataset(m))


def test_master_restart_means_full_resync():
    master = start_radish()
    port = master.port
    replica = start_radish("--replicaof", "127.0.0.1 %d" % port)
    try:
        r = replica.client()
        wait_for(lambda: link_up(r))
        master.client().set("gone", "1")
        wait_for(lambda: r.get("gone") == b"1")
        master.stop()
        wait_for(lambda: info(r)["master_link_status"] == "down")
        assert "master_link_down_since_seconds" in info(r)
        master2 = ServerProcess(radish_argv(port, master.dir), port, master.dir, env=subprocess_env())
        try:
            master2.client().set("new", "1")
            wait_for(lambda: link_up(r) and r.get("new") == b"1")
            assert r.get("gone") is None  # new master's dataset replaced the old one
        finally:
            master2.stop()
    finally:
        replica.stop()


def test_promotion_and_sibling_partial_resync():
    master = start_radish()
    a = start_radish("--replicaof", "127.0.0.1 %d" % master.port)
    b = start_radish("--replicaof", "127.0.0.1 %d" % master.port)
    try:
        m, ca, cb = master.client(), a.client(), b.client()
        wait_for(lambda: link_up(ca) and link_up(cb))
        m.set("k", "1")
        wait_for(lambda: ca.get("k") == b"1" and cb.get("k") == b"1")
        old_id = info(ca)["master_replid"]
        master.stop()
        assert ca.execute_command("REPLICAOF", "NO", "ONE")
        ia = info(ca)
        assert ia["role"] == "master" and ia["master_replid2"] == old_id
        cb.execute_command("REPLICAOF", "127.0.0.1", a.port)
        wait_for(lambda: link_up(cb))
        assert int(info(ca, "stats")["sync_partial_ok"]) >= 1
        ca.set("after", "2")
        wait_for(lambda: cb.get("after") == b"2")
    finally:
        for s in (a, b):
            s.stop()


def test_chained_replica(pair):
    master, replica = pair
    sub = start_radish("--replicaof", "127.0.0.1 %d" % replica.port)
    try:
        m, r, s = master.client(), replica.client(), sub.client()
        wait_for(lambda: link_up(r))
        wait_for(lambda: link_up(s))
        fill(m, 50)
        wait_for(lambda: dataset(s) == dataset(m))
        wait_for(lambda: info(s)["master_repl_offset"] == info(m)["master_repl_offset"])
    finally:
        sub.stop()


def test_replica_that_never_reads_is_dropped():
    master = start_radish("--client-output-buffer-limit", "replica 1mb 512kb 10")
    try:
        m = master.client()
        sock = socket.create_connection(("127.0.0.1", master.port))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(b"*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n")
        time.sleep(0.5)
        wait_for(lambda: info(m)["connected_slaves"] == "1")
        wait_for(lambda: "state=online" in info(m).get("slave0", ""))
        big = b"x" * 100_000
        for i in range(100):
            m.set("big%d" % i, big)
        wait_for(lambda: info(m)["connected_slaves"] == "0", timeout=10)
        assert m.ping()
        sock.close()
    finally:
        master.stop()


# -- interop with real Redis --------------------------------------------------------


def test_radish_replica_of_redis_master():
    master = start_redis("--repl-diskless-sync", "no")
    try:
        m = master.client()
        fill(m, 300)
        m.pfadd("hll-dense", *["d%d" % i for i in range(3000)])  # HLLs carried by the RDB
        m.pfadd("hll-sparse", "a", "b", "c")
        replica = start_radish("--replicaof", "127.0.0.1 %d" % master.port)
        try:
            r = replica.client()
            wait_for(lambda: link_up(r))
            m.set("after-sync", "1")
            m.incr("counter")
            m.zadd("zset", {"d": 4})
            m.bzpopmin("zset", 1)
            m.zunionstore("zu", ["zset", "zset-big"])
            m.pfadd("hll-sparse", *["s%d" % i for i in range(200)])
            m.pfcount("hll-sparse")  # the cache written, propagated
            m.pfmerge("hll-merged", "hll-sparse", "hll-dense")
            wait_for(lambda: dataset(r) == dataset(m))
            assert r.pfcount("hll-merged", "hll-sparse") == m.pfcount("hll-merged", "hll-sparse")
            assert master.client().execute_command("WAIT", 1, 5000) == 1
        finally:
            replica.stop()
    finally:
        master.stop()


def test_radish_replica_of_redis_master_diskless():
    master = start_redis("--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0")
    try:
        m = master.client()
        fill(m, 100)
        replica = start_radish("--replicaof", "127.0.0.1 %d" % master.port)
        try:
            r = replica.client()
            wait_for(lambda: link_up(r))
            m.set("after", "1")
            wait_for(lambda: dataset(r) == dataset(m))
        finally:
            replica.stop()
    finally:
        master.stop()


def test_redis_replica_of_radish_master():
    master = start_radish("--enable-debug-command", "yes")
    try:
        m = master.client()
        fill(m, 300)
        replica = start_redis("--replicaof", "127.0.0.1", str(master.port))
        try:
            r = replica.client()
            wait_for(lambda: link_up(r))
            m.set("after-sync", "1")
            m.incr("counter")
            m.lpush("list", "q")
            m.zadd("zset", {"d": 4})
            m.bzpopmin("zset", 1)
            m.zmpop(1, ["zset-big"], max=True, count=3)
            m.zunionstore("zu", ["zset", "zset-big"])
            m.pfadd("hll", *["h%d" % i for i in range(1000)])
            m.pfcount("hll")
            m.pfmerge("hll-merged", "hll", "nokey")
            wait_for(lambda: dataset(r) == dataset(m))
            assert r.get("hll") == m.get("hll") and r.pfcount("hll-merged") == m.pfcount("hll-merged")
            assert m.execute_command("WAIT", 1, 5000) == 1
            assert cmd(r, "DEBUG", "DIGEST") == cmd(m, "DEBUG", "DIGEST")
        finally:
            replica.stop()
    finally:
        master.stop()


def test_expiry_on_master_reaches_replica_as_del(pair):
    master, replica = pair
    m, r = master.client(), replica.client()
    wait_for(lambda: link_up(r))
    m.set("soon", "1", px=200)
    wait_for(lambda: r.exists("soon") == 1 or r.dbsize() == 1)
    # The master's active cycle deletes it and propagates a DEL; the replica
    # never deletes on its own, so its DBSIZE drops only through that DEL.
    wait_for(lambda: m.dbsize() == 0)
    wait_for(lambda: r.dbsize() == 0)


def test_pings_count_in_master_offset():
    master = start_radish("--repl-ping-replica-period", "1")
    replica = start_radish("--replicaof", "127.0.0.1 %d" % master.port)
    try:
        m, r = master.client(), replica.client()
        wait_for(lambda: link_up(r))
        before = int(info(m)["master_repl_offset"])
        time.sleep(2.5)
        after = int(info(m)["master_repl_offset"])
        assert after - before >= 14 and (after - before) % 14 == 0  # PINGs only: *1\r\n$4\r\nPING\r\n
        wait_for(lambda: info(r)["master_repl_offset"] == info(m)["master_repl_offset"])
    finally:
        replica.stop()
        master.stop()


def test_wait_counts_only_replicas_that_ack(pair):
    master, replica = pair
    m, r = master.client(), replica.client()
    wait_for(lambda: link_up(r))
    # A second "replica" that completes the sync but never sends an ACK.
    mute = socket.create_connection(("127.0.0.1", master.port))
    mute.sendall(b"*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n")
    wait_for(lambda: info(m)["connected_slaves"] == "2")
    wait_for(lambda: info(m).get("slave1", "").find("state=online") >= 0 or info(m).get("slave0", "").find("state=online") >= 0)
    m.set("x", "1")
    t0 = time.time()
    assert m.execute_command("WAIT", 2, 500) == 1
    assert time.time() - t0 >= 0.4
    assert m.execute_command("WAIT", 1, 0) == 1
    mute.close()


def test_several_waiters_share_one_getack(pair):
    import threading

    master, replica = pair
    m = master.client()
    r = replica.client()
    wait_for(lambda: link_up(r))
    m.set("y", "1")
    results = []

    def waiter():
        c = master.client()
        results.append(c.execute_command("WAIT", 1, 5000))

    threads = [threading.Thread(target=waiter) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == [1] * 5


# Every write command radish implements, as run against the master. The test
# fails when a write command exists that this list does not exercise, so new
# commands get their propagation checked.
WRITES = [
    ("SET", "s", "v"), ("SET", "sx", "v", "EX", "1000"), ("SET", "sg", "v", "GET"), ("SETNX", "snx", "1"),
    ("SETEX", "sex", "1000", "v"), ("PSETEX", "psex", "1000000", "v"), ("GETSET", "s", "w"),
    ("SET", "gd", "1"), ("GETDEL", "gd"), ("GETEX", "s", "PX", "500000"), ("MSET", "m1", "1", "m2", "2"),
    ("MSETNX", "m3", "3"), ("INCR", "n"), ("DECR", "n"), ("INCRBY", "n", "10"), ("DECRBY", "n", "3"),
    ("INCRBYFLOAT", "f", "1.5"), ("APPEND", "s", "xyz"), ("SETRANGE", "sr", "5", "abc"),
    ("SET", "d1", "1"), ("DEL", "d1"), ("SET", "u1", "1"), ("UNLINK", "u1"),
    ("SET", "r1", "1"), ("RENAME", "r1", "r2"), ("RENAMENX", "r2", "r3"), ("SET", "mv", "1"), ("MOVE", "mv", "5"),
    ("COPY", "s", "scopy"), ("EXPIRE", "m1", "1000"), ("PEXPIRE", "m2", "1000000"), ("EXPIREAT", "m3", "4000000000"),
    ("PEXPIREAT", "n", "4000000000000"), ("PERSIST", "n"),
    ("LPUSH", "l", "a", "b", "c", "d", "e", "f"), ("RPUSH", "l", "x", "y"), ("LPUSHX", "l", "p"), ("RPUSHX", "l", "q"),
    ("LPOP", "l"), ("RPOP", "l", "1"), ("LINSERT", "l", "BEFORE", "c", "z"), ("LSET", "l", "0", "zz"),
    ("LREM", "l", "1", "z"), ("LTRIM", "l", "0", "20"), ("LMOVE", "l", "l2", "LEFT", "RIGHT"), ("RPOPLPUSH", "l", "l2"),
    ("LMPOP", "1", "l", "LEFT"), ("BLPOP", "l", "0.1"), ("BRPOP", "l", "0.1"), ("BLMOVE", "l", "l2", "RIGHT", "LEFT", "0.1"),
    ("BRPOPLPUSH", "l2", "l", "0.1"), ("BLMPOP", "0.1", "1", "l2", "RIGHT", "COUNT", "1"),
    ("HSET", "h", "a", "1", "b", "2"), ("HSETNX", "h", "c", "3"), ("HMSET", "h", "d", "4"), ("HDEL", "h", "d"),
    ("HINCRBY", "h", "a", "5"), ("HINCRBYFLOAT", "h", "b", "0.25"),
    ("SADD", "st", "1", "2", "3", "4", "5", "a"), ("SREM", "st", "a"), ("SPOP", "st"), ("SPOP", "st", "2"), ("SMOVE", "st", "st2", "1"),
    ("SADD", "st3", "1", "9"), ("SDIFFSTORE", "sd", "st", "st3"), ("SINTERSTORE", "si", "st", "st3"), ("SUNIONSTORE", "su", "st", "st3"),
    ("RPUSH", "sortme", "3", "1", "2"), ("SORT", "sortme", "STORE", "sorted"),
    ("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f", "7", "g", "8", "h", "9", "i"),
    ("ZADD", "z", "GT", "CH", "10", "a"), ("ZINCRBY", "z", "0.5", "b"), ("ZREM", "z", "c"),
    ("ZPOPMIN", "z"), ("ZPOPMAX", "z", "1"), ("BZPOPMIN", "z", "0.1"), ("BZPOPMAX", "z", "0.1"),
    ("ZMPOP", "1", "z", "MIN", "COUNT", "1"), ("BZMPOP", "0.1", "1", "z", "MAX", "COUNT", "20"),
    ("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "0", "la", "0", "lb", "0", "lc"),
    ("ZREMRANGEBYRANK", "z", "-1", "-1"), ("ZREMRANGEBYSCORE", "z", "4", "4"), ("ZREMRANGEBYLEX", "z", "[la", "[lb"),
    ("ZADD", "z2", "7", "a", "8", "x"), ("ZUNIONSTORE", "zu", "2", "z", "z2", "WEIGHTS", "2", "3"),
    ("ZINTERSTORE", "zi", "2", "z", "z2"), ("ZDIFFSTORE", "zd", "2", "z", "z2"), ("ZRANGESTORE", "zr", "z", "0", "1"),
    ("SETBIT", "bm", "100", "1"), ("SETBIT", "bm", "3", "1"), ("BITOP", "NOT", "bmnot", "bm"),
    ("BITOP", "XOR", "bmx", "bm", "bmnot", "s"), ("SET", "bmdel", "x"), ("BITOP", "AND", "bmdel", "nokey"),
    ("BITFIELD", "bf", "SET", "u8", "#2", "200", "INCRBY", "i5", "3", "-7", "GET", "u4", "0"),
    ("BITFIELD", "bf", "OVERFLOW", "SAT", "INCRBY", "u8", "#2", "100"),
    ("GEOADD", "geo", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"),
    ("GEOADD", "geo", "XX", "CH", "13.5", "38", "Palermo"),
    ("GEORADIUS", "geo", "15", "37", "200", "km", "STORE", "geor"),
    ("GEORADIUSBYMEMBER", "geo", "Palermo", "300", "km", "STOREDIST", "georbm"),
    ("GEOSEARCHSTORE", "geos", "geo", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km", "STOREDIST"),
    ("PFADD", "hll", "a", "b", "c"), ("PFCOUNT", "hll"), ("PFADD", "hll2", *["e%d" % i for i in range(300)]),
    ("PFMERGE", "hllm", "hll", "hll2"), ("PFDEBUG", "TODENSE", "hllm"), ("PFCOUNT", "hllm"),
    ("SWAPDB", "0", "6"), ("SWAPDB", "0", "6"), ("SELECT", "7"), ("SET", "in7", "1"), ("FLUSHDB",), ("SELECT", "0"),
    ("EVAL", "redis.call('set', KEYS[1], ARGV[1]); redis.call('select', 4); redis.call('incr', 'lua4')", "1", "luak", "v"),
    ("SCRIPT", "LOAD", "return redis.call('rpush', KEYS[1], ARGV[1])"),
    ("EVALSHA", "de13cb79068e6feeef62810ed6047d9c2f29b864", "1", "lual", "x"),
    ("XADD", "xs", "*", "f", "1"), ("XADD", "xs", "MAXLEN", "~", "10", "*", "f", "2"), ("XADD", "xs", "*", "f", "3"),
    ("XGROUP", "CREATE", "xs", "g", "0"), ("XGROUP", "CREATECONSUMER", "xs", "g", "idle"),
    ("XREADGROUP", "GROUP", "g", "c1", "COUNT", "2", "STREAMS", "xs", ">"),
    ("XREADGROUP", "GROUP", "g", "c2", "NOACK", "STREAMS", "xs", ">"),
    ("XACK", "xs", "g", "0-1"), ("XCLAIM", "xs", "g", "c3", "0", "0-1", "FORCE", "JUSTID"),
    ("XAUTOCLAIM", "xs", "g", "c4", "0", "0", "JUSTID"), ("XGROUP", "DELCONSUMER", "xs", "g", "idle"),
    ("XGROUP", "SETID", "xs", "g", "$"), ("XDEL", "xs", "0-1"), ("XTRIM", "xs", "MAXLEN", "~", "0"),
    ("XSETID", "xs", "99999999999999-0"), ("XGROUP", "CREATE", "xs", "g2", "$"), ("XGROUP", "DESTROY", "xs", "g2"),
    ("FUNCTION", "LOAD", "#!lua name=gone\nredis.register_function('gone', function() return 1 end)"),
    ("FUNCTION", "FLUSH"),
    ("FUNCTION", "LOAD", "#!lua name=fl\nredis.register_function('fset', function(k, a) return redis.call('set', k[1], a[1]) end)"),
    ("FCALL", "fset", "1", "fk", "fv"),
    ("FUNCTION", "LOAD", "#!lua name=fl2\nredis.register_function('f2', function() return 2 end)"),
    ("FUNCTION", "DELETE", "fl2"),
]
RESTORE_SOURCE = "s"


def test_every_write_command_propagates(pair):
    master, replica = pair
    m, r = master.client(), replica.client()
    wait_for(lambda: link_up(r))
    conn = m.connection_pool.get_connection()
    for argv in WRITES:
        conn.send_command(*argv)
        try:
            conn.read_response()
        except redis.ResponseError as e:
            raise AssertionError("%r failed: %s" % (argv, e)) from None
    payload = m.dump(RESTORE_SOURCE)
    conn.send_command("RESTORE", "restored", "0", payload)
    conn.read_response()
    # MIGRATE reaches the replica as DEL of the keys the target took.
    target = start_radish()
    try:
        for argv in (
            ("SET", "mig1", "1"), ("SET", "mig2", "2"), ("SET", "mig3", "3"),
            ("MIGRATE", "127.0.0.1", target.port, "mig1", "0", "5000"),
            ("MIGRATE", "127.0.0.1", target.port, "", "0", "5000", "KEYS", "mig2", "nokey"),
            ("MIGRATE", "127.0.0.1", target.port, "mig3", "0", "5000", "COPY"),
        ):  # fmt: skip
            conn.send_command(*argv)
            assert conn.read_response() in (b"OK", True), argv
    finally:
        target.stop()
    conn.send_command("FUNCTION", "DUMP")
    functions = conn.read_response()
    conn.send_command("FUNCTION", "RESTORE", functions, "FLUSH")
    conn.read_response()
    conn.send_command("MULTI")
    conn.read_response()
    conn.send_command("SET", "tx", "1")
    conn.read_response()
    conn.send_command("EXEC")
    conn.read_response()
    m.connection_pool.release(conn)
    wait_for(lambda: dataset(r) == dataset(m))
    wait_for(lambda: info(r)["master_repl_offset"] == info(m)["master_repl_offset"])
    assert cmd(r, "FUNCTION", "LIST", "WITHCODE") == cmd(m, "FUNCTION", "LIST", "WITHCODE")
    exercised = {a[0].lower() for a in WRITES} | {"restore", "exec", "function|restore", "migrate"}
    # Container commands: their subcommands count by full name (xgroup|create).
    exercised |= {("%s|%s" % a[:2]).lower() for a in WRITES if a[0] in ("FUNCTION", "XGROUP")}
    all_writes = set()
    for name in cmd(m, "COMMAND", "LIST"):
        name = name.decode()
        spec = cmd(m, "COMMAND", "INFO", name)[0]
        flags = {f.decode() if isinstance(f, bytes) else f for f in spec[2]}
        if "write" in flags:
            all_writes.add(name)
    # FLUSHALL is exercised by other tests (it would wipe this dataset);
    # RESTORE-ASKING is a cluster command.
    missing = all_writes - exercised - {"flushall", "restore-asking"}
    assert not missing, "write commands whose propagation is untested: %s" % sorted(missing)


def test_bitmaps_on_a_replica(pair):
    """Bitmap writes reach the replica; there BITFIELD_RO reads, while
    BITFIELD (even with only GETs, it is a write command) is refused."""
    master, replica = pair
    m, r = master.client(), replica.client()
    wait_for(lambda: link_up(r))
    m.setbit("bm", 10, 1)
    cmd(m, "BITFIELD", "bm", "SET", "u8", "#2", "77", "INCRBY", "i4", "0", "3")
    cmd(m, "BITOP", "NOT", "bmn", "bm")
    wait_for(lambda: info(r)["master_repl_offset"] == info(m)["master_repl_offset"])
    assert r.get("bm") == m.get("bm") == b"\x30\x20\x4d"
    assert r.get("bmn") == b"\xcf\xdf\xb2"
    assert cmd(r, "BITFIELD_RO", "bm", "GET", "u8", "#2", "GET", "i4", "0") == [77, 3]
    assert r.bitcount("bm") == 7
    with pytest.raises(redis.ReadOnlyError, match="You can't write against a read only replica."):
        cmd(r, "BITFIELD", "bm", "GET", "u8", "0")
    with pytest.raises(redis.ReadOnlyError):
        r.setbit("bm", 0, 1)


SCRIPT_WRITES = (
    "redis.call('set', 'plain', '1')\n"
    "redis.call('set', 'ttl', 'v', 'EX', '1000')\n"
    "redis.call('sadd', 'set', 'a', 'b', 'c')\n"
    "redis.call('spop', 'set')\n"
    "local n = redis.call('incrby', 'n', 7)\n"
    "redis.call('select', 5)\n"
    "redis.call('rpush', 'in5', 'x')\n"
    "return n"
)


@pytest.mark.parametrize("replica_kind", ["radish", "redis"])
def test_script_writes_reach_replica(replica_kind):
    """A script's effects (relative TTLs made absolute, random picks made
    explicit, SELECT inside the script) reach a radish replica and a real
    redis-server replica; reads run on the replica, writes are refused."""
    master = start_radish()
    if replica_kind == "radish":
        replica = start_radish("--replicaof", "127.0.0.1 %d" % master.port)
    else:
        replica = start_redis("--replicaof", "127.0.0.1", str(master.port))
    try:
        m, r = master.client(), replica.client()
        wait_for(lambda: link_up(r))
        assert m.eval(SCRIPT_WRITES, 0) == 7
        sha = m.script_load("return redis.call('incr', KEYS[1])")
        assert m.evalsha(sha, 1, "n") == 8
        wait_for(lambda: dataset(r) == dataset(m))
        assert r.smembers("set") == m.smembers("set") and len(r.smembers("set")) == 2
        assert 0 < r.pttl("ttl") <= 1000_000
        assert r.eval("return redis.call('get', KEYS[1])", 1, "n") == b"8"
        with pytest.raises(redis.ResponseError, match="^You can't write against a read only replica"):
            r.eval("return redis.call('set', 'x', '1')", 0)
    finally:
        replica.stop()
        master.stop()


def test_pfcount_on_a_replica_keeps_the_primary_offset(pair):
    """PFCOUNT stores its cached cardinality (a write Redis propagates from
    a primary); run on a replica it is not propagated, so the replica's
    offset stays its primary's and the value's cache comes back to it
    from the primary's own PFCOUNT."""
    master, replica = pair
    m, r = master.client(), replica.client()
    wait_for(lambda: link_up(r))
    m.pfadd("hll", *["e%d" % i for i in range(100)])
    wait_for(lambda: r.exists("hll") == 1)
    assert r.pfcount("hll") == m.pfcount("hll", "nokey")
    assert r.pfcount("hll") == r.pfcount("hll")
    m.set("after", "1")
    wait_for(lambda: r.get("after") == b"1")
    assert info(r)["master_repl_offset"] == info(m)["master_repl_offset"]
    assert m.execute_command("WAIT", 1, 5000) == 1
    m.pfcount("hll")
    wait_for(lambda: r.get("hll") == m.get("hll"))


# -- restarts: the replication history kept in the RDB file ------------------------


def sync_counts(primary) -> tuple[int, int]:
    """(sync_full, sync_partial_ok) from the primary's INFO stats."""
    st = info(primary.client(), "stats")
    return int(st["sync_full"]), int(st["sync_partial_ok"])


def start_replica(kind: str, primary, *extra: str):
    if kind == "radish":
        return start_radish("--replicaof", "127.0.0.1 %d" % primary.port, *extra)
    return start_redis("--replicaof", "127.0.0.1", str(primary.port), *extra)


def start_primary(kind: str, *extra: str):
    if kind == "radish":
        return start_radish(*extra)
    # A diskless sync would wait 5 s for more replicas first.
    return start_redis("--repl-diskless-sync-delay", "0", *extra)


@pytest.mark.parametrize("primary_kind", ["radish", "redis"])
def test_replica_restarted_from_its_rdb_resyncs_partially(primary_kind):
    """A replica shut down with SHUTDOWN SAVE and started again on the same
    directory takes its primary's replication id, offset and selected
    database from the RDB and continues with PSYNC +CONTINUE: the writes
    it missed (in the database the stream had selected, so with no new
    SELECT) arrive, and the primary counts a partial resync, no full one."""
    primary = start_primary(primary_kind)
    replica = start_radish("--replicaof", "127.0.0.1 %d" % primary.port)
    try:
        m, m3 = primary.client(), primary.client(db=3)
        fill(m, 50)
        wait_for(lambda: link_up(replica.client()))
        m3.set("in3", "before")
        wait_for(lambda: replica.client(db=3).get("in3") == b"before")
        wait_for(lambda: info(replica.client())["master_repl_offset"] == info(m)["master_repl_offset"])
        replid = info(replica.client())["master_replid"]
        full, partial = sync_counts(primary)
        assert replica.shutdown("SAVE") == 0
        m3.set("missed", "1")  # the stream stays in db 3: no SELECT before it
        m3.incr("in3-counter")
        log_before = len(replica.log())
        replica = replica.restarted()
        r = replica.client()
        wait_for(lambda: link_up(r))
        wait_for(lambda: dataset(r) == dataset(m))
        assert replica.client(db=3).get("missed") == b"1"
        assert sync_counts(primary) == (full, partial + 1)
        offset = info(m)["master_repl_offset"]
        wait_for(lambda: info(r)["master_repl_offset"] == offset)
        assert info(r)["master_replid"] == replid == info(m)["master_replid"]
        log = replica.log()[log_before:]
        assert "Before turning into a replica, using my own master parameters to synthesize a cached master" in log
        assert "Trying a partial resynchronization (request %s:" % replid in log
        assert "Successful partial resynchronization with master." in log
        m3.set("after", "2")
        wait_for(lambda: replica.client(db=3).get("after") == b"2")
    finally:
        replica.stop()
        primary.stop()


@pytest.mark.parametrize("replica_kind", ["radish", "redis"])
def test_primary_restarted_after_shutdown_lets_replicas_resync_partially(replica_kind):
    """A primary shut down with SHUTDOWN SAVE keeps its replication id and
    offset in the RDB; started again it has a new id, the old one as
    master_replid2 up to that offset, and a backlog from there, so its
    replica continues with +CONTINUE. A key that expired while the primary
    was down is deleted on the replica too (its DEL heads the backlog)."""
    primary = start_radish()
    replica = start_replica(replica_kind, primary)
    try:
        m, r = primary.client(), replica.client()
        wait_for(lambda: link_up(r))
        fill(m, 50)
        primary.client(db=3).set("in3", "x")
        m.set("short-lived", "1", px=1500)
        wait_for(lambda: dataset(r) == dataset(m))
        wait_for(lambda: info(r)["master_repl_offset"] == info(m)["master_repl_offset"])
        old_id, offset = info(m)["master_replid"], int(info(m)["master_repl_offset"])
        assert primary.shutdown("SAVE") == 0
        wait_for(lambda: info(r)["master_link_status"] == "down")
        time.sleep(1.6)  # short-lived expires while the primary is down
        primary = primary.restarted()
        m = primary.client()
        mi = info(m)
        assert mi["master_replid"] != old_id
        assert mi["master_replid2"] == old_id
        assert mi["second_repl_offset"] == str(offset + 1)
        assert mi["repl_backlog_active"] == "1"
        assert mi["repl_backlog_first_byte_offset"] == str(offset + 1)
        wait_for(lambda: link_up(r), timeout=30)
        assert sync_counts(primary) == (0, 1)
        primary.client(db=3).set("after-restart", "1")
        wait_for(lambda: replica.client(db=3).get("after-restart") == b"1")
        wait_for(lambda: info(r)["master_repl_offset"] == info(m)["master_repl_offset"])
        assert info(r)["master_replid"] == info(m)["master_replid"]
        assert r.dbsize() == m.dbsize()  # the DEL of short-lived arrived
        assert dataset(r) == dataset(m)
    finally:
        replica.stop()
        primary.stop()


def test_rdb_without_replication_history_means_full_resync():
    """A primary that never had a replica saves no replication fields; a
    replica whose RDB was saved before it ever synchronized asks for a full
    resync after a restart, as Redis."""
    primary = start_radish()
    try:
        m = primary.client()
        m.set("k", "1")
        replica = start_radish("--replicaof", "127.0.0.1 1")  # never reaches a primary
        assert replica.shutdown("SAVE") == 0
        replica.argv[replica.argv.index("--replicaof") + 1] = "127.0.0.1 %d" % primary.port
        log_before = len(replica.log())
        replica = replica.restarted()
        try:
            wait_for(lambda: link_up(replica.client()))
            assert sync_counts(primary) == (1, 0)
            assert "Partial resynchronization not possible (no cached master)" in replica.log()[log_before:]
        finally:
            replica.stop()
    finally:
        primary.stop()


# -- repl-timeout while connecting and during the transfer -----------------------


@pytest.mark.parametrize(
    "stall,message",
    [
        ("after-ping", "Timeout connecting to the MASTER..."),
        ("psync", "Timeout connecting to the MASTER..."),
        (
            "transfer",
            "Timeout receiving bulk data from MASTER... If the problem persists try to set the "
            "'repl-timeout' parameter in redis.conf to a larger value.",
        ),
    ],
)
def test_replica_gives_up_a_silent_primary_after_repl_timeout(stall, message):
    """A primary that goes silent during the handshake or the RDB transfer
    is given up after repl-timeout seconds (logged as Redis logs it), and
    the replica connects again at once; the second attempt completes."""
    ref = start_radish()
    try:
        ref.client().set("from-rdb", "1")
        rdb = _rdb_of(ref)
    finally:
        ref.stop()
    fake = StallingPrimary(rdb, stall)
    replica = start_radish("--replicaof", "127.0.0.1 %d" % fake.port, "--repl-timeout", "2")
    try:
        r = replica.client()
        wait_for(lambda: link_up(r), timeout=30)
        assert r.get("from-rdb") == b"1"
        log = replica.log()
        assert message in log
        assert "Reconnecting to MASTER 127.0.0.1:%d after failure" % fake.port in log
        assert len(fake.conns) == 2
    finally:
        replica.stop()
        fake.close()


def _rdb_of(server) -> bytes:
    server.client().save()
    with open(server.dir + "/dump.rdb", "rb") as f:
        return f.read()


@pytest.mark.parametrize("kind", ["radish", "redis"])
def test_writable_replica_write_deletes_an_expired_key_a_read_only_hides_it(kind):
    """Redis 7.0's lookupKey: on a writable replica a write command deletes
    the expired key it finds (INCR re-creates it without the TTL); a read
    only hides it, and the key stays counted until the primary's DEL."""
    start = start_radish if kind == "radish" else start_redis
    master = start("--enable-debug-command", "yes")
    replica = start("--replicaof", "127.0.0.1", str(master.port))
    try:
        m, r = master.client(), replica.client()
        wait_for(lambda: link_up(r))
        m.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
        m.set("key1", "5", px=10)
        m.set("key2", "5", px=10)
        wait_for(lambda: r.dbsize() == 2 and r.exists("key1", "key2") == 0)
        with pytest.raises(redis.ReadOnlyError):
            r.incr("key1")
        r.config_set("replica-read-only", "no")
        assert r.dbsize() == 2
        assert r.incr("key1") == 1
        assert r.ttl("key1") == -1
        assert r.get("key2") is None
        assert r.dbsize() == 2
        r.config_set("replica-read-only", "yes")
    finally:
        replica.stop()
        master.stop()
