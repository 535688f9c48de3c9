"""The lazy freer (db/lazyfree.py): which values go to it (Redis's free
effort against LAZYFREE_THRESHOLD), that its slices destroy them completely
and a chunk at a time, that memory comes back progressively, its counters,
and the keyspace's deletion paths handing values to it (in-process)."""

from __future__ import annotations

import gc
import time

import pytest
from tests.support.inprocess import InProcess

from radish import memory
from radish.db.lazyfree import LazyFree, stream_effort
from radish.db.listpack import lp_encode
from radish.db.stream import StreamValue
from radish.db.types import HashLP, HashValue, ListValue, SetValue, ZSetLP, ZSetValue
from radish.persistence.compact import quicklist_nodes


def _manual(lf: LazyFree | None = None) -> LazyFree:
    """A freer whose slices run only when a test calls run() (a scheduler
    that never calls back), as a server's between events."""
    lf = lf or LazyFree()
    lf.attach(lambda callback: None)
    return lf


def _set(n: int, prefix: bytes = b"m") -> SetValue:
    s = SetValue(prefix + b"%d" % i for i in range(n))
    s.big = True
    return s


def _hash(n: int) -> HashValue:
    h = HashValue((b"f%d" % i, b"v%d" % i) for i in range(n))
    return h


def _zset(n: int) -> ZSetValue:
    z = ZSetValue((b"m%d" % i, float(i)) for i in range(n))
    return z


def _stream(entries: int, groups: int = 0, pending: int = 0) -> StreamValue:
    s = StreamValue()
    for i in range(1, entries + 1):
        s.append(i << 64, (b"f", b"v%d" % i), 4096, 100)
    for g in range(groups):
        grp = s.create_group(b"g%d" % g, 0, 0)
        assert grp is not None
        for i in range(1, pending + 1):
            from radish.db.stream import Nack

            grp.pel[i << 64] = Nack(None, 0)
    return s


# -- effort ------------------------------------------------------------------------------


def test_effort_follows_redis_encodings():
    lf = _manual()
    assert lf.free_effort(b"x" * 100000) == 1
    assert lf.free_effort(bytearray(10)) == 1
    small = SetValue(b"%d" % i for i in range(500))  # an intset: one allocation
    assert lf.free_effort(small) == 1
    assert lf.free_effort(_set(65)) == 65
    assert lf.free_effort(_hash(100)) == 100
    assert lf.free_effort(HashLP(lp_encode([b"a", b"b"]))) == 1  # listpack
    assert lf.free_effort(_zset(70)) == 70
    assert lf.free_effort(ZSetLP(lp_encode([b"a", b"1"]))) == 1  # listpack
    # Lists count quicklist nodes, not elements.
    assert lf.free_effort(ListValue([b"x"] * 1000)) == 1
    assert lf.free_effort(ListValue([b"x" * 10] * 43585)) == 65


def test_set_encoding_is_checked_against_the_config():
    class Cfg:
        set_max_intset_entries = 512
        hash_max_listpack_entries = 128
        hash_max_listpack_value = 64
        list_max_listpack_size = -2

    lf = _manual()
    lf.config = Cfg()
    ints = SetValue(b"%d" % i for i in range(600))  # over set-max-intset-entries: a hash table
    assert lf.free_effort(ints) == 600
    ints = SetValue(b"%d" % i for i in range(500))
    assert lf.free_effort(ints) == 1


@pytest.mark.parametrize("element", [b"1", b"x" * 10, b"123456", b"y" * 100, b"z" * 5000, b"-5000", b"w" * 63, b"w" * 64, b""])
@pytest.mark.parametrize("fill", [-2, -1, -5, 5, 128])
def test_list_effort_is_its_node_count(element, fill):
    """A list's effort is its quicklist's node count, which for a list
    built by RPUSH is the packing of quicklistPushTail."""
    lf = LazyFree()
    for n in (65, 1000, 40000):
        items = ListValue([element] * n, fill=fill)
        assert lf.free_effort(items) == items.node_count() == len(quicklist_nodes(list(items), fill))


def test_stream_effort_counts_rax_nodes_and_groups():
    s = _stream(300)  # 3 nodes of 100 entries
    assert stream_effort(s) == s.rax_nodes()
    s = _stream(300, groups=2, pending=40)
    assert stream_effort(s) == s.rax_nodes() + 2 * 41
    assert stream_effort(_stream(10000)) == 100  # past the threshold: not walked


# -- queueing and slicing ----------------------------------------------------------------


def test_small_values_are_not_queued():
    lf = _manual()
    for v in (b"x", _set(64), _hash(10), ListValue([b"a"] * 64), SetValue([b"1", b"2"])):
        assert not lf.free_object(v)
    assert lf.pending == 0 and not lf.jobs


@pytest.mark.parametrize("make", [
    lambda: _set(20000), lambda: _hash(20000), lambda: _zset(20000),
    lambda: ListValue(b"%d" % i for i in range(300000)),
    lambda: _stream(20000, groups=3, pending=3000),
    lambda: set(b"t%d" % i for i in range(5000)),
], ids=["set", "hash", "zset", "list", "stream", "temporary-set"])  # fmt: skip
def test_values_are_destroyed_completely_in_slices(make):
    lf = _manual()
    v = make()
    assert lf.free_object(v)
    assert lf.pending == 1 and lf.freed == 0
    # The job holds the value; a look at it from here would make it shared,
    # so watch it through what it contains.
    if isinstance(v, StreamValue):
        probe = v.nodes
        size = len(probe)
    elif isinstance(v, ZSetValue):
        probe = v.sl
        size = len(probe)
    else:
        probe = None
        size = len(v)
    del v
    slices = 0
    sizes = []
    while lf.run(0):  # one chunk per call
        slices += 1
        if probe is not None:
            sizes.append(len(probe))
    assert slices >= 2  # it took several slices
    assert lf.pending == 0 and lf.freed == 1 and not lf.jobs
    if probe is not None:
        assert len(probe) == 0
        assert sizes[0] <= size


def test_a_value_held_elsewhere_is_left_intact():
    """Redis frees lazily only when refcount == 1; here, a job that finds
    another holder drops its reference and leaves the value alone."""
    lf = _manual()
    s = _set(5000)
    assert lf.free_object(s)
    lf.drain()
    assert len(s) == 5000
    assert lf.pending == 0 and lf.freed == 1  # counted as Redis counts the queued object


def test_slices_are_bounded_in_time():
    lf = _manual()
    for _ in range(3):
        lf.free_object(_set(200000))
    worst = 0.0
    while True:
        t = time.perf_counter()
        more = lf.run(0.001)
        worst = max(worst, time.perf_counter() - t)
        if not more:
            break
    assert lf.freed == 3
    assert worst < 0.05  # about a millisecond, whatever the values' sizes


def test_database_job_counts_keys_and_destroys_big_values():
    lf = _manual()
    data = {b"k%d" % i: b"v" for i in range(5000)}
    data[b"bigset"] = _set(50000)
    data[b"bighash"] = _hash(50000)
    expires = {b"k1": 1}
    lru = dict.fromkeys(data, 0)
    probe = data[b"bighash"]
    lf.free_database(data, expires, lru)
    assert lf.pending == 5002
    steps = 0
    while lf.run(0):
        steps += 1
    assert steps > 50  # the big values went a chunk at a time too
    assert not data and not expires and not lru
    assert len(probe) == 50000  # held here: left alone
    assert lf.pending == 0 and lf.freed == 5002


def test_account_and_reset_stats():
    lf = _manual()
    lf.account_if_big(64)
    assert lf.pending == 0
    lf.account_if_big(65)
    assert lf.pending == 65
    lf.drain()
    assert (lf.pending, lf.freed) == (0, 65)
    lf.reset_stats()
    assert lf.freed == 0


def test_memory_is_released_progressively():
    lf = _manual()
    gc.collect()
    base = memory.refresh()
    lf.free_object(_set(300000, b"member-with-some-length:"))
    full = memory.refresh()
    assert full - base > 10_000_000
    for _ in range(100):
        lf.run(0)
    partway = memory.refresh()
    assert base + (full - base) * 0.1 < partway < full - (full - base) * 0.05
    lf.drain()
    done = memory.refresh()
    assert done - base < (full - base) * 0.1


def test_without_a_scheduler_jobs_run_at_once():
    """A server driven without a loop (tests, start-up) frees at once, and
    counts as the lazy path would."""
    lf = LazyFree()
    s = _set(5000)
    assert lf.free_object(s)
    assert len(s) == 5000  # still held here: left alone
    assert not lf.jobs and (lf.pending, lf.freed) == (0, 1)
    data = {b"a": _set(5000), b"b": b"x"}
    lf.free_database(data)
    assert not data and (lf.pending, lf.freed) == (0, 3)


def test_scheduling_runs_between_events():
    """With a scheduler (the loop's call_soon), queueing arms one callback
    that runs a slice and re-arms itself while work remains."""
    calls: list = []
    lf = LazyFree()
    lf.attach(calls.append)
    lf.free_object(_set(5000))
    lf.free_object(_set(5000))
    assert len(calls) == 1
    n = 0
    while calls:
        calls.pop()()
        n += 1
    assert n >= 1 and lf.freed == 2 and not lf.jobs


# -- the keyspace's deletion paths (in-process) ----------------------------------------


def _lazy(t: InProcess) -> tuple[int, int]:
    info = t.info("memory")
    return int(info["lazyfree_pending_objects"]), int(info["lazyfreed_objects"])


def _fill_set(t: InProcess, key: str, n: int = 200) -> None:
    t.run("SADD", key, *[b"m%d" % i for i in range(n)])


def test_unlink_queues_del_does_not_unless_configured():
    t = InProcess()
    lf = _manual(t.server.keyspace.lazyfree)
    _fill_set(t, "a")
    _fill_set(t, "b")
    assert t.run("DEL", "a") == b":1\r\n"
    assert _lazy(t) == (0, 0)
    assert t.run("UNLINK", "b") == b":1\r\n"
    assert t.run("EXISTS", "b") == b":0\r\n"  # gone at once
    assert _lazy(t) == (1, 0)
    lf.drain()
    assert _lazy(t) == (0, 1)
    t.run("CONFIG", "SET", "lazyfree-lazy-user-del", "yes")
    _fill_set(t, "c")
    t.run("DEL", "c")
    lf.drain()
    assert _lazy(t) == (0, 2)
    t.run("CONFIG", "RESETSTAT")
    assert _lazy(t) == (0, 0)


def test_server_del_expire_and_flush_settings():
    t = InProcess()
    lf = _manual(t.server.keyspace.lazyfree)
    _fill_set(t, "s")
    t.run("SET", "s", "x")  # overwrite, lazyfree-lazy-server-del off
    _fill_set(t, "s2")
    t.run("EXPIRE", "s2", "0")  # lazyfree-lazy-expire off
    assert _lazy(t) == (0, 0)
    t.run("CONFIG", "SET", "lazyfree-lazy-server-del", "yes")
    t.run("CONFIG", "SET", "lazyfree-lazy-expire", "yes")
    _fill_set(t, "s3")
    t.run("SET", "s3", "x")
    _fill_set(t, "s4")
    _fill_set(t, "d")
    t.run("RENAME", "s4", "d")  # the old destination
    _fill_set(t, "u1")
    _fill_set(t, "u2", 300)
    t.run("SUNIONSTORE", "u1", "u1", "u2")  # the old destination
    t.run("SUNION", "u1", "u2")  # the temporary result (freeObjAsync in Redis)
    _fill_set(t, "e")
    t.run("EXPIRE", "e", "0")
    _fill_set(t, "p")
    t.run("SPOP", "p", "1000")  # SUNION's temporary copy, then the key
    assert _lazy(t)[0] == 7  # as redis-server counts the same steps
    lf.drain()
    assert _lazy(t) == (0, 7)
    t.run("FLUSHALL", "SYNC")
    for i in range(10):
        t.run("SET", "k%d" % i, "v")
    t.run("FLUSHDB", "ASYNC")
    assert _lazy(t) == (10, 7)  # every key of the database
    assert t.run("DBSIZE") == b":0\r\n"
    lf.drain()
    assert _lazy(t) == (0, 17)
    t.run("SET", "k", "v")
    t.run("FLUSHALL")  # lazyfree-lazy-user-flush off
    assert _lazy(t) == (0, 17)
    t.run("CONFIG", "SET", "lazyfree-lazy-user-flush", "yes")
    t.run("SET", "k", "v")
    t.run("FLUSHALL")
    assert _lazy(t) == (1, 17)
    lf.drain()
    t.run("SET", "k", "v")
    t.run("FLUSHALL", "SYNC")
    assert _lazy(t) == (0, 18)


def test_script_flush_async_counts_more_than_64_scripts():
    t = InProcess()
    for i in range(65):
        t.run("SCRIPT", "LOAD", "return %d" % i)
    t.run("SCRIPT", "FLUSH", "ASYNC")
    t.server.keyspace.lazyfree.drain()
    assert _lazy(t) == (0, 65)
    for i in range(64):
        t.run("SCRIPT", "LOAD", "return %d" % i)
    t.run("SCRIPT", "FLUSH", "ASYNC")
    t.server.keyspace.lazyfree.drain()
    assert _lazy(t) == (0, 65)


def test_unlinked_value_is_emptied_after_the_command():
    """The value leaves the keyspace with the command, and is destroyed by
    later slices (the reply of a command that read it is already built)."""
    t = InProcess()
    _fill_set(t, "s", 5000)
    s = t.server.keyspace.dbs[0].data[b"s"]
    members = list(s)
    del s
    lf = _manual(t.server.keyspace.lazyfree)
    reply = t.run("SMEMBERS", "s")
    t.run("UNLINK", "s")
    assert lf.jobs
    lf.drain()
    assert all(m in reply for m in members[:10])
    assert _lazy(t) == (0, 1)


def test_lazy_eviction_frees_the_value_from_the_eviction_loop():
    """lazyfree-lazy-eviction: the evicted big value is queued, and the
    eviction loop gives its time to the freer (measuring what it gives
    back) rather than evicting more or failing while the memory has not
    come back. Here nothing runs the freer but eviction (no loop)."""
    t = InProcess("--maxmemory-policy", "volatile-ttl", "--lazyfree-lazy-eviction", "yes")
    for i in range(200):
        t.run("SET", "small%d" % i, "v")
    _fill_set(t, "big", 300000)
    t.run("EXPIRE", "big", "10000")  # the only key the policy may evict
    used = int(t.info("memory")["used_memory"])
    lf = _manual(t.server.keyspace.lazyfree)
    t.run("CONFIG", "SET", "maxmemory", str(used - 5_000_000))
    # Each command gives the freer the eviction's time budget: as many
    # commands as it takes (a slow machine takes more), never an OOM.
    replies = []
    for _ in range(2000):
        replies.append(t.run("SET", "x", "y"))
        if int(t.info("memory")["used_memory"]) <= used - 5_000_000:
            break
    assert set(replies) == {b"+OK\r\n"}
    assert t.run("EXISTS", "big") == b":0\r\n"
    assert t.info("stats")["evicted_keys"] == "1"  # nothing else was evicted
    # The memory came back (at least down to the limit) though only the
    # eviction loop ran the freer here.
    assert int(t.info("memory")["used_memory"]) <= used - 5_000_000
    lf.drain()
    assert lf.freed == 1
    t.run("CONFIG", "SET", "maxmemory", "0")
