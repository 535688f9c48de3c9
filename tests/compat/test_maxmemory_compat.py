"""maxmemory, eviction and MEMORY against a real redis-server: the same
steps on both servers, the same replies where they are deterministic (OOM
texts, MULTI/EXEC and script refusals, MEMORY's shapes and errors), the
same behaviour where the figures differ (each policy evicts what it
should, used memory stays at the limit, evicted keys reach a replica and
the AOF as DELs, the keyspace event)."""

from __future__ import annotations

import os
import time

import pytest
import redis
from tests.support.resp import Raw
from tests.support.servers import start_pair, start_radish, start_redis, wait_until

BOTH = pytest.mark.parametrize("start", [start_radish, start_redis], ids=["radish", "redis"])


def _used(r: redis.Redis) -> int:
    return int(r.info("memory")["used_memory"])


def _not_counted(r: redis.Redis) -> int:
    return int(r.info("memory")["mem_not_counted_for_evict"])


OOM_CASES = [
    [b"SET", b"k", b"v"], [b"GET", b"a"], [b"DEL", b"a"], [b"INCR", b"n"], [b"LPUSH", b"l", b"x"],
    [b"EXPIRE", b"b", b"100"], [b"TTL", b"b"],
    [b"MULTI"], [b"GET", b"b"], [b"EXEC"],
    [b"MULTI"], [b"SET", b"k", b"v"], [b"EXEC"],
    [b"EVAL", b"return redis.call('set', KEYS[1], 'x')", b"1", b"k"],
    [b"EVAL", b"return redis.pcall('set', KEYS[1], 'x')", b"1", b"k"],
    [b"EVAL", b"return redis.call('get', KEYS[1])", b"1", b"b"],
    [b"EVAL", b"#!lua\nreturn redis.call('set', KEYS[1], 'x')", b"1", b"k"],
    [b"EVAL", b"#!lua flags=allow-oom\nreturn redis.call('set', KEYS[1], 'x')", b"1", b"k2"],
    [b"EVAL", b"#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", b"1", b"b"],
    [b"CONFIG", b"SET", b"maxmemory", b"0"], [b"SET", b"k", b"v"],
]  # fmt: skip


@pytest.mark.parametrize("resp3", [False, True], ids=["resp2", "resp3"])
def test_noeviction_refuses_denyoom_commands_as_redis(resp3):
    ours, theirs = start_pair()
    try:
        replies = []
        for s in (ours, theirs):
            c = Raw(s.port, resp3=resp3)
            c([b"SET", b"a", b"1"])
            c([b"SET", b"b", b"2"])
            assert c([b"CONFIG", b"SET", b"maxmemory", b"1"]) == b"+OK\r\n"
            replies.append([c(cmd) for cmd in OOM_CASES])
        assert replies[0] == replies[1]
        assert replies[0][0] == b"-OOM command not allowed when used memory > 'maxmemory'.\r\n"
    finally:
        ours.stop()
        theirs.stop()


def test_multi_queueing_under_oom_aborts_the_transaction():
    """Anything but EXEC/DISCARD/QUIT/RESET queued while over the limit is
    refused, and EXEC then answers EXECABORT (the queue takes memory)."""
    ours, theirs = start_pair()
    try:
        replies = []
        for s in (ours, theirs):
            c = Raw(s.port)
            c([b"MULTI"])
            c([b"CONFIG", b"SET", b"maxmemory", b"1"])  # queued
            c([b"EXEC"])
            replies.append([c([b"MULTI"]), c([b"GET", b"x"]), c([b"EXEC"]), c([b"MULTI"]), c([b"DISCARD"])])
            c([b"CONFIG", b"SET", b"maxmemory", b"0"])
        assert replies[0] == replies[1]
        assert replies[0][2].startswith(b"-EXECABORT")
    finally:
        ours.stop()
        theirs.stop()


def _fill(r: redis.Redis, prefix: str, n: int, size: int, ex: int | None = None) -> None:
    value = os.urandom(size)
    p = r.pipeline(transaction=False)
    for i in range(n):
        p.set("%s%d" % (prefix, i), value, ex=ex)
        if i % 50 == 49:
            p.execute()
    p.execute()


@BOTH
@pytest.mark.parametrize(
    "policy", ["allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"]
)
def test_each_policy_holds_the_limit_and_evicts_what_it_may(start, policy):
    s = start()
    try:
        r = redis.Redis(port=s.port)
        _fill(r, "keep:", 50, 1000)  # no TTL
        limit = _used(r) + 2 * 1024 * 1024
        r.config_set("maxmemory", limit)
        r.config_set("maxmemory-policy", policy)
        volatile = policy.startswith("volatile")
        _fill(r, "v:", 600, 10 * 1024, ex=None if not volatile else 10000)
        # A cycle over its time budget (tenacity) goes on from the event loop.
        wait_until(lambda: r.info("stats")["current_eviction_exceeded_time"] == 0)
        info = r.info()
        assert info["evicted_keys"] > 0
        assert info["used_memory"] - info["mem_not_counted_for_evict"] <= limit + 64 * 1024
        assert r.dbsize() < 650
        if volatile:
            # Keys without a TTL are never candidates.
            assert all(r.exists("keep:%d" % i) for i in range(50))
    finally:
        s.stop()


@BOTH
def test_volatile_policy_with_nothing_volatile_refuses_writes(start):
    s = start()
    try:
        r = redis.Redis(port=s.port)
        _fill(r, "keep:", 20, 1000)
        r.config_set("maxmemory", _used(r) + 256 * 1024)
        r.config_set("maxmemory-policy", "volatile-lru")
        with pytest.raises(redis.exceptions.OutOfMemoryError, match="command not allowed when used memory"):
            _fill(r, "x:", 200, 10 * 1024)
        assert r.dbsize() >= 20 and all(r.exists("keep:%d" % i) for i in range(20))
        assert r.get("keep:0") is not None  # reads still run
    finally:
        s.stop()


@BOTH
def test_lru_keeps_the_recently_used_keys(start):
    """An approximated LRU: keys read just before the pressure mostly
    survive it, untouched ones mostly go."""
    s = start("--maxmemory-samples", "10")
    try:
        r = redis.Redis(port=s.port)
        _fill(r, "k:", 200, 10 * 1024)
        time.sleep(1.1)  # the LRU clock's resolution is a second
        hot = ["k:%d" % i for i in range(0, 200, 4)]
        for k in hot:
            r.get(k)
        r.config_set("maxmemory-policy", "allkeys-lru")
        r.config_set("maxmemory", _used(r) - 1024 * 1024)  # ~100 keys must go
        r.set("trigger", "x")
        hot_left = sum(r.exists(k) for k in hot)
        cold_left = sum(r.exists("k:%d" % i) for i in range(200) if i % 4)
        assert hot_left >= 0.8 * len(hot)
        assert cold_left < 0.6 * 150
    finally:
        s.stop()


@pytest.mark.parametrize("lazy", ["no", "yes"])
def test_evicted_keys_reach_replica_and_aof_as_deletes(tmp_path, lazy):
    primary = start_radish("--appendonly", "yes", "--lazyfree-lazy-eviction", lazy, workdir=str(tmp_path))
    try:
        replica = start_redis("--replicaof", "127.0.0.1", str(primary.port))
        try:
            r = redis.Redis(port=primary.port)
            rr = redis.Redis(port=replica.port)
            wait_until(lambda: rr.info("replication")["master_link_status"] == "up")
            p = r.pubsub()
            r.config_set("notify-keyspace-events", "Ee")
            p.psubscribe("__keyevent@0__:evicted")
            _fill(r, "k:", 50, 10 * 1024)
            r.config_set("maxmemory", _used(r) - _not_counted(r) - 200 * 1024)
            r.config_set("maxmemory-policy", "allkeys-random")
            r.set("trigger", "x")
            # Eviction may go on from the event loop for a while (tenacity).
            wait_until(lambda: r.info("stats")["current_eviction_exceeded_time"] == 0)
            r.config_set("maxmemory", 0)  # no more evictions while we look
            gone = [i for i in range(50) if not r.exists("k:%d" % i)]
            assert gone
            wait_until(lambda: rr.dbsize() == r.dbsize())
            assert all(not rr.exists("k:%d" % i) for i in gone)
            events = []
            deadline = time.time() + 5
            while len(events) < len(gone) and time.time() < deadline:
                m = p.get_message(timeout=0.5)
                if m and m["type"] == "pmessage":
                    events.append(m["data"])
            expected = [b"k:%d" % i for i in gone] + ([b"trigger"] if not r.exists("trigger") else [])
            while len(events) < len(expected) and time.time() < deadline:
                m = p.get_message(timeout=0.5)
                if m and m["type"] == "pmessage":
                    events.append(m["data"])
            assert sorted(events) == sorted(expected)
            verb = b"UNLINK" if lazy == "yes" else b"DEL"
            aof = b"".join(open(os.path.join(tmp_path, "appendonlydir", f), "rb").read()
                           for f in sorted(os.listdir(os.path.join(tmp_path, "appendonlydir"))) if f.endswith(".aof"))
            for i in gone:
                key = b"k:%d" % i
                assert b"$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(verb), verb, len(key), key) in aof
        finally:
            replica.stop()
    finally:
        primary.stop()


def test_replica_ignores_maxmemory_by_default():
    primary = start_radish()
    replica = start_radish("--replicaof", "127.0.0.1", str(primary.port), "--maxmemory", "1")
    try:
        rr = redis.Redis(port=replica.port)
        wait_until(lambda: rr.info("replication")["master_link_status"] == "up")
        _fill(redis.Redis(port=primary.port), "k:", 30, 10 * 1024)
        wait_until(lambda: rr.dbsize() == 30)
        assert rr.info("stats")["evicted_keys"] == 0
    finally:
        replica.stop()
        primary.stop()


MEMORY_CASES = [
    [b"MEMORY", b"USAGE", b"nokey"], [b"MEMORY", b"USAGE", b"s", b"SAMPLES"], [b"MEMORY", b"USAGE", b"s", b"SAMPLES", b"-1"],
    [b"MEMORY", b"USAGE", b"s", b"SAMPLES", b"x"], [b"MEMORY", b"USAGE", b"s", b"FOO"], [b"MEMORY", b"USAGE"],
    [b"MEMORY", b"FOO"], [b"MEMORY"], [b"MEMORY", b"HELP"], [b"MEMORY", b"HELP", b"x"], [b"MEMORY", b"STATS", b"x"],
    [b"MEMORY", b"PURGE"], [b"MEMORY", b"DOCTOR", b"x"], [b"MEMORY", b"MALLOC-STATS", b"x"],
    [b"MEMORY", b"DOCTOR"],  # an almost empty instance: the same text, verbatim in RESP3, bulk in RESP2
]  # fmt: skip


@pytest.mark.parametrize("resp3", [False, True], ids=["resp2", "resp3"])
def test_memory_command_replies_as_redis(resp3):
    ours, theirs = start_pair()
    try:
        replies = []
        for s in (ours, theirs):
            c = Raw(s.port, resp3=resp3)
            c([b"SET", b"s", b"v"])
            replies.append([c(cmd) for cmd in MEMORY_CASES])
        assert replies[0] == replies[1]
    finally:
        ours.stop()
        theirs.stop()


def test_memory_usage_stats_doctor_shapes():
    ours, theirs = start_pair()
    try:
        shapes = []
        for s in (ours, theirs):
            r = redis.Redis(port=s.port)
            r.set("s", "v")
            r.hset("h", mapping={"f%d" % i: "v" * 100 for i in range(100)})
            usage = r.memory_usage("s")
            big = r.memory_usage("h", samples=0)
            assert isinstance(usage, int) and usage > 0
            assert big > 100 * 100  # the fields' values alone
            stats = r.memory_stats()
            doctor = r.execute_command("MEMORY", "DOCTOR")
            assert r.execute_command("MEMORY", "PURGE") in (b"OK", True)
            shapes.append((list(stats), type(doctor)))
        assert shapes[0] == shapes[1]
    finally:
        ours.stop()
        theirs.stop()


def test_info_memory_fields_as_redis():
    ours, theirs = start_pair()
    try:
        names = []
        for s in (ours, theirs):
            text = Raw(s.port)([b"INFO", b"memory"]).decode()
            names.append([line.split(":")[0] for line in text.split("\r\n")[1:] if ":" in line])
        assert names[0] == names[1]
        r = redis.Redis(port=ours.port)
        _fill(r, "warm:", 100, 10 * 1024)  # the connection's buffers grow to the pipeline's size
        r.flushall()
        time.sleep(0.01)
        before = _used(r)
        _fill(r, "k:", 300, 10 * 1024)
        grown = _used(r) - before
        assert 3000 * 1024 <= grown <= 4500 * 1024  # 3 MB of values and their keys
        r.flushall()
        time.sleep(0.01)  # the pure-Python twin's reading may be TWIN_MAX_AGE (1 ms) old
        # Back to where it was, but for the connection's buffers (their
        # size depends on how the pipelined writes were cut into reads).
        assert _used(r) - before < 600 * 1024
    finally:
        ours.stop()
        theirs.stop()


def _client_names(r: redis.Redis) -> set[str]:
    return {c["name"] for c in r.client_list()}


@BOTH
def test_maxmemory_clients_evicts_the_biggest_client_unless_no_evict(start):
    s = start("--maxmemory-clients", "1mb")
    try:
        admin = redis.Redis(port=s.port)
        admin.client_setname("admin")
        admin.client_no_evict("on")
        small = redis.Redis(port=s.port)
        small.client_setname("small")
        small.ping()
        # A transaction queueing more than the limit: its client goes.
        big = Raw(s.port)
        big([b"CLIENT", b"SETNAME", b"big"])
        big([b"MULTI"])
        queued = []
        try:
            for _ in range(8):
                queued.append(big([b"SET", b"k", b"v" * 200_000]))
        except (OSError, EOFError, ConnectionError):
            pass
        assert len(queued) < 8
        wait_until(lambda: "big" not in _client_names(admin))
        assert {"admin", "small"} <= _client_names(admin)
        assert admin.info("stats")["evicted_clients"] == 1
        # CLIENT NO-EVICT on: the same client stays.
        keep = redis.Redis(port=s.port)
        keep.client_setname("keep")
        keep.client_no_evict("on")
        keep.execute_command("MULTI")
        for _ in range(8):
            keep.execute_command("SET", "k", "v" * 200_000)
        assert keep.execute_command("DISCARD") in (b"OK", True)
        assert "keep" in _client_names(admin)
        assert admin.info("stats")["evicted_clients"] == 1
    finally:
        s.stop()


@BOTH
def test_maxmemory_clients_counts_a_half_read_query_buffer(start):
    s = start("--maxmemory-clients", "1mb")
    try:
        admin = redis.Redis(port=s.port)
        import socket

        sock = socket.create_connection(("127.0.0.1", s.port))
        sock.sendall(b"CLIENT SETNAME dead\r\n")
        sock.recv(100)
        try:
            sock.sendall(b"*2\r\n$3\r\nGET\r\n$2000000\r\n" + b"x" * 1_500_000)
        except OSError:
            pass
        wait_until(lambda: "dead" not in _client_names(admin))
        assert admin.info("stats")["evicted_clients"] == 1
        sock.close()
    finally:
        s.stop()


def _rss(pid: int) -> int:
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def test_rss_stays_bounded_under_a_write_load_past_maxmemory():
    """The issue's scenario: 30 MB of maxmemory with allkeys-lru, then
    100 MB of 10 KB values written. The server evicts, used memory stays
    at the limit, and the process's RSS stays within the limit plus its
    start-up size plus 25 MB (allocator slack, buffers)."""
    s = start_radish("--maxmemory", "30mb", "--maxmemory-policy", "allkeys-lru")
    try:
        r = redis.Redis(port=s.port)
        start_rss = _rss(s.proc.pid)
        _fill(r, "k:", 10_000, 10 * 1024)
        wait_until(lambda: r.info("stats")["current_eviction_exceeded_time"] == 0)  # a cycle past its time budget
        info = r.info()
        assert info["evicted_keys"] > 5000
        assert info["used_memory"] - info["mem_not_counted_for_evict"] <= 30 * 1024 * 1024 + 64 * 1024
        assert _rss(s.proc.pid) < start_rss + (30 + 25) * 1024 * 1024
    finally:
        s.stop()
