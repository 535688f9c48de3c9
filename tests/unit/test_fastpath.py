"""The dispatcher's batch loop in C (``radish._fastpath``) and in Python
(``run_batch(..., use_c=False)``) give the same replies, statistics and
state for the same commands."""

from __future__ import annotations

import shutil
import sysconfig
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.support.inprocess import InProcess, commands_of

from radish import NO_EXTENSIONS, dispatch

HAVE_C = dispatch.C_RUN_FAST is not None


def test_fastpath_is_built_where_a_compiler_is():
    headers = Path(sysconfig.get_paths()["include"], "Python.h").exists()
    if shutil.which("cc") and headers:
        assert HAVE_C


def test_no_extensions_selects_the_python_loop():
    """RADISH_NO_EXTENSIONS=1 keeps the built C loop out of the way."""
    assert (dispatch._run_fast is None) == (NO_EXTENSIONS or not HAVE_C)


def run(srv: InProcess, cmds: list[list[bytes]], use_c: bool | str) -> tuple[bytes, int]:
    """Run ``cmds`` as one read: through run_batch's C or Python loop, or
    (``use_c="core"``) one by one through process_command and call(), the
    one execution core the batch loops stand in for."""
    out: list[bytes] = []
    if use_c == "core":
        consumed = 0
        for cmd in cmds:
            consumed += 1
            r = dispatch.process_command(srv.client, list(cmd))
            if r is dispatch.BLOCKED:
                break
            if r is not None:
                out.append(r)
        return b"".join(out), consumed
    consumed = dispatch.run_batch(srv.client, [list(c) for c in cmds], out, use_c=use_c)
    return b"".join(out), consumed


def state(srv: InProcess) -> dict:
    """What INFO and CLIENT LIST would show of the run."""
    server = srv.server
    ks = server.keyspace
    calls = {}
    from radish.commands.registry import COMMANDS

    for spec in COMMANDS.values():
        for s in [spec, *spec.subcommands.values()]:
            if s.calls or s.failed_calls or s.rejected_calls:
                # The latency histogram's total (its buckets depend on timing).
                recorded = sum(s.latency_hist) if s.latency_hist is not None else 0
                calls[s.name] = (s.calls, s.failed_calls, s.rejected_calls, recorded)
    data = {db.id: dict(db.data) for db in ks.dbs if db.data}
    return {
        "calls": calls,
        "numcommands": server.stats.numcommands,
        "errors": dict(server.stats.errors),
        "total_error_replies": server.stats.total_error_replies,
        "hits": ks.keyspace_hits,
        "misses": ks.keyspace_misses,
        "dirty": server.dirty,
        "last_cmd": srv.client.last_cmd,
        "resp3": srv.client.resp3,
        # The funnel's offset and the client's (WAIT counts replicas at it).
        "offsets": (server.propagation.master_repl_offset, srv.client.woff, server.propagation.stream_db),
        "data": {k: {kk: repr(vv) for kk, vv in v.items()} for k, v in data.items()},
    }


def both(cmds: list[list[bytes]], listen: bool = False, ways: tuple = (True, False)):
    """Run ``cmds`` as one batch on fresh servers, one per way (C loop,
    Python loop, or the core); with ``listen``, something subscribes to the
    propagation funnel (as a replica or the AOF would) and what it receives
    is compared too."""
    from radish.commands.registry import COMMANDS

    results = []
    for use_c in ways:
        for spec in COMMANDS.values():  # command statistics are per process
            for s in [spec, *spec.subcommands.values()]:
                s.calls = s.failed_calls = s.rejected_calls = s.usec = 0
                s.latency_hist = None
        srv = InProcess()
        prop = srv.server.propagation
        if listen:
            srv.capture()
            prop.backlog.active = True  # as when a replica has attached
        reply = run(srv, cmds, use_c)
        st = state(srv)
        if listen:
            # Absolute expiry times (PXAT, PEXPIREAT) differ by the runs' clocks.
            def norm(commands):
                return [[b"<unix ms>" if a.isdigit() and len(a) == 13 else a for a in cmd] for cmd in commands]

            backlog = prop.backlog
            st["propagated"] = norm(srv.propagated())
            # The backlog holds the same stream (SELECTs too), ending at the offset.
            st["backlog"] = norm(commands_of(bytes(backlog.buf)))
            assert backlog.first_offset + len(backlog.buf) - 1 == prop.master_repl_offset
            assert not prop.stream  # nothing left undelivered
        results.append((reply, st))
    return results


needs_c = pytest.mark.skipif(not HAVE_C, reason="radish._fastpath is not built (no C compiler)")


@needs_c
def test_simple_replies_and_counters():
    cmds = [
        [b"SET", b"k", b"v"], [b"GET", b"k"], [b"get", b"missing"], [b"INCR", b"n"],
        [b"INCRBY", b"n", b"9223372036854775806"], [b"INCR", b"n"], [b"PING"], [b"ping", b"hi"],
        [b"ECHO", b"x" * 5000], [b"GET", b"k", b"extra"], [b"NOSUCH", b"a"], [b"LPUSH", b"l", b"a", b"b"],
        [b"GET", b"l"], [b"LRANGE", b"l", b"0", b"-1"], [b"HSET", b"h", b"f", b"1"], [b"HGETALL", b"h"],
    ]
    (c_reply, c_state), (py_reply, py_state) = both(cmds)
    assert c_reply == py_reply
    assert c_state == py_state
    assert c_reply[0].startswith(
        b"+OK\r\n$1\r\nv\r\n$-1\r\n:1\r\n:9223372036854775807\r\n"
        b"-ERR increment or decrement would overflow\r\n+PONG\r\n$2\r\nhi\r\n$5000\r\n" + b"x" * 5000
    )
    assert b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n" in c_reply[0]
    assert b"-ERR wrong number of arguments for 'get' command\r\n" in c_reply[0]
    assert c_reply[1] == len(cmds)
    assert c_state["numcommands"] == py_state["numcommands"] == len(cmds) - 2  # arity, unknown
    # Each call is one entry in its command's latency histogram (latency-tracking is on).
    assert c_state["calls"]["get"] == (3, 1, 1, 3)  # rejected: the arity error is not a call


@needs_c
def test_mode_changes_inside_a_batch():
    # HELLO 3, MULTI and CLIENT REPLY change how later commands of the same
    # read are handled; both loops must notice.
    cmds = [
        [b"GET", b"x"], [b"HELLO", b"3"], [b"GET", b"x"], [b"MULTI"], [b"SET", b"x", b"1"],
        [b"INCR", b"x"], [b"EXEC"], [b"CLIENT", b"REPLY", b"OFF"], [b"SET", b"y", b"2"],
        [b"CLIENT", b"REPLY", b"ON"], [b"GET", b"y"],
    ]
    (c_reply, c_state), (py_reply, py_state) = both(cmds)
    assert c_reply == py_reply and c_state == py_state
    assert c_reply[0].startswith(b"$-1\r\n%7\r\n")
    assert c_reply[0].endswith(b"+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n:2\r\n+OK\r\n$1\r\n2\r\n")


@needs_c
def test_blocking_command_ends_the_batch():
    cmds = [[b"RPUSH", b"q", b"a"], [b"BLPOP", b"q", b"0"], [b"BLPOP", b"q", b"0"], [b"PING"]]
    (c_reply, c_state), (py_reply, py_state) = both(cmds)
    assert c_reply == py_reply and c_state == py_state
    assert c_reply == (b":1\r\n*2\r\n$1\r\nq\r\n$1\r\na\r\n", 3)  # parked on the second BLPOP


class _Recorder:
    """The network side of a parked client: records what it is sent."""

    def __init__(self) -> None:
        self.replies: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.replies.append(data)

    def resume_processing(self) -> None:
        pass


@needs_c
def test_writes_wake_clients_blocked_on_other_connections():
    for use_c in (True, False):
        srv = InProcess()
        waiter = srv.server.new_client("127.0.0.1:2", "127.0.0.1:6379")
        waiter.connection = conn = _Recorder()
        out: list[bytes] = []
        assert dispatch.run_batch(waiter, [[b"BLPOP", b"q", b"0"]], out, use_c=use_c) == 1
        out = []
        dispatch.run_batch(srv.client, [[b"LPUSH", b"q", b"x"], [b"LLEN", b"q"]], out, use_c=use_c)
        assert b"".join(out) == b":1\r\n:0\r\n"
        assert conn.replies == [b"*2\r\n$1\r\nq\r\n$1\r\nx\r\n"]


command_pool = st.sampled_from([
    [b"SET", b"a", b"1"], [b"SET", b"b", b"x"], [b"GET", b"a"], [b"GET", b"b"], [b"GET", b"c"],
    [b"INCR", b"a"], [b"INCR", b"b"], [b"DECRBY", b"a", b"5"], [b"APPEND", b"b", b"yz"],
    [b"STRLEN", b"b"], [b"DEL", b"a"], [b"EXISTS", b"a", b"b"], [b"LPUSH", b"l", b"1", b"2"],
    [b"LPOP", b"l"], [b"LRANGE", b"l", b"0", b"-1"], [b"SADD", b"s", b"m"], [b"SMEMBERS", b"s"],
    [b"HSET", b"h", b"f", b"v"], [b"HGET", b"h", b"f"], [b"TYPE", b"h"], [b"PING"],
    [b"ECHO", b"e"], [b"GET"], [b"SET", b"a"], [b"UNKNOWNCMD"], [b"SELECT", b"1"], [b"SELECT", b"0"],
    [b"HELLO", b"3"], [b"HELLO", b"2"], [b"MULTI"], [b"EXEC"], [b"DISCARD"], [b"MSET", b"a", b"1", b"b", b"2"],
    [b"GETDEL", b"b"], [b"EXPIRE", b"a", b"1000"], [b"TTL", b"a"], [b"OBJECT", b"ENCODING", b"a"],
    [b"BLPOP", b"l", b"0"], [b"CLIENT", b"REPLY", b"SKIP"], [b"FLUSHDB"], [b"DBSIZE"],
    [b"MGET", b"a", b"b", b"nokey"], [b"ZADD", b"z", b"1", b"m"], [b"ZPOPMIN", b"z"], [b"ZPOPMIN", b"z", b"2"],
    [b"HMGET", b"h", b"f", b"g"], [b"SETRANGE", b"ba", b"3", b"x"], [b"MGET", b"ba"], [b"LPOS", b"l", b"1", b"COUNT", b"0"],
    # The C loop's short handlers (GET, INCR/DECR, one-element LPUSH/RPUSH/LPOP/RPOP) and where they give way.
    [b"LPUSH", b"l", b"3"], [b"RPUSH", b"l", b"4"], [b"RPOP", b"l"], [b"LPOP", b"l"], [b"DECR", b"a"], [b"INCR", b"n"],
    [b"GET", b"l"], [b"INCR", b"l"], [b"LPUSH", b"a", b"x"], [b"RPOP", b"a"], [b"EXPIRE", b"l", b"1000"],
    [b"SET", b"n", b"9223372036854775807"], [b"GET", b"ba"], [b"WATCH", b"l"], [b"UNWATCH"],
    [b"CONFIG", b"SET", b"notify-keyspace-events", b"KEA"], [b"CONFIG", b"SET", b"notify-keyspace-events", b""],
    [b"SADD", b"s", b"n"], [b"HSET", b"h", b"f", b"w"], [b"HSET", b"h", b"f", b"x" * 70], [b"HSET", b"h", b"g", b"1"],
    [b"SPOP", b"s"], [b"SPOP", b"nokey"], [b"ZPOPMIN", b"nokey"], [b"ZPOPMAX", b"z"], [b"SADD", b"h", b"m"],
    [b"SET", b"l", b"v"], [b"CONFIG", b"SET", b"lazyfree-lazy-server-del", b"yes"],
    [b"PING", b"m"], [b"PING", b"a", b"b"], [b"SUBSCRIBE", b"ch"], [b"UNSUBSCRIBE"],
])


@needs_c
@settings(max_examples=150, deadline=None)
@given(st.lists(command_pool, min_size=1, max_size=25), st.booleans())
def test_any_batch_runs_the_same_in_c_and_python(cmds, listen):
    (c_reply, c_state), (py_reply, py_state) = both(cmds, listen)
    assert c_reply == py_reply
    assert c_state == py_state


@settings(max_examples=150, deadline=None)
@given(st.lists(command_pool, min_size=1, max_size=25), st.booleans())
def test_batch_loop_runs_as_the_core(cmds, listen):
    """run_batch's Python loop (and its C twin, when built) give what
    process_command + call() give command by command: same replies,
    statistics, data and propagated writes."""
    ways = ("core", False, True) if HAVE_C else ("core", False)
    results = both(cmds, listen, ways)
    for reply, st_ in results[1:]:
        assert reply == results[0][0]
        assert st_ == results[0][1]


@needs_c
def test_writes_reach_the_funnel_in_order():
    cmds = [
        [b"SET", b"a", b"1"], [b"GET", b"a"], [b"INCR", b"a"], [b"SET", b"t", b"v", b"EX", b"100"],
        [b"LPUSH", b"l", b"x"], [b"LPOP", b"l"], [b"LPOP", b"l"], [b"SELECT", b"2"], [b"SET", b"b", b"2"],
        [b"GETDEL", b"b"],
    ]
    (c_reply, c_state), (py_reply, py_state) = both(cmds, listen=True)
    assert c_reply == py_reply and c_state == py_state
    sent = c_state["propagated"]
    assert [cmd[0] for cmd in sent] == [b"SET", b"INCR", b"SET", b"LPUSH", b"LPOP", b"SET", b"DEL"]
    assert sent[2][3] == b"PXAT"  # relative expiry made absolute


@needs_c
@pytest.mark.parametrize("budget", [0, 1, 10, 5000, 20_000, 10**9])
def test_output_budget_stops_both_loops_at_the_same_command(budget):
    # run_batch returns once the replies reach the budget, so that the
    # network layer can apply client-output-buffer-limit before running more.
    cmds = [[b"SET", b"k", b"x" * 3000], [b"GET", b"k"], [b"GET", b"k"], [b"INCR", b"n"], [b"PING"],
            [b"CLIENT", b"GETNAME"], [b"GET", b"k"], [b"LPUSH", b"l", b"a"], [b"LRANGE", b"l", b"0", b"-1"],
            [b"GET", b"k"], [b"INCR", b"n"]]  # fmt: skip
    results = []
    for use_c in (True, False):
        srv = InProcess()
        out: list[bytes] = []
        consumed = dispatch.run_batch(srv.client, [list(c) for c in cmds], out, use_c=use_c, budget=budget)
        results.append((consumed, b"".join(out)))
    assert results[0] == results[1]
    # It stops right after the first command whose replies reach the budget.
    sizes = [len(run(InProcess(), cmds[:k], True)[0]) for k in range(1, len(cmds) + 1)]
    expected = next((k + 1 for k, size in enumerate(sizes) if size >= budget), len(cmds))
    assert results[0][0] == expected
    assert len(results[0][1]) == sizes[expected - 1]


# -- cluster mode -----------------------------------------------------------------------------

_ME, _B = "a" * 40, "b" * 40
_NODES_CONF = (
    "%s 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-8191\n"
    "%s 127.0.0.1:7001@17001 master - 0 0 2 connected 8192-16383\n"
    "vars currentEpoch 2 lastVoteEpoch 0\n" % (_ME, _B)
)


def _key_in(lo: int, hi: int, prefix: str) -> bytes:
    from radish.db.slots import key_hash_slot

    i = 0
    while True:
        k = b"%s%d" % (prefix.encode(), i)
        if lo <= key_hash_slot(k) <= hi:
            return k
        i += 1


def _cluster_node() -> InProcess:
    import os
    import tempfile

    d = tempfile.mkdtemp(prefix="radish-fastpath-cluster-")
    with open(os.path.join(d, "nodes.conf"), "w") as f:
        f.write(_NODES_CONF)
    srv = InProcess("--cluster-enabled", "yes", "--dir", d, "--port", "7000")
    srv.server.cluster.state = 0  # every slot covered, as the cron finds it
    return srv


def _slot(key: bytes) -> int:
    from radish.db.slots import key_hash_slot

    return key_hash_slot(key)


_MINE, _MINE2, _THEIRS = _key_in(0, 8191, "m"), _key_in(0, 8191, "n"), _key_in(8192, 16383, "t")
_CLUSTER_BATCH = [
    [b"SET", _MINE, b"1"], [b"GET", _MINE], [b"INCR", _MINE], [b"GET", _THEIRS], [b"SET", _THEIRS, b"x"],
    [b"PING"], [b"MSET", b"{" + _MINE + b"}a", b"1", b"{" + _MINE + b"}b", b"2"], [b"MSET", _MINE, b"1", _THEIRS, b"2"],
    [b"MGET", _MINE, _MINE2], [b"LPUSH", _MINE2, b"a"], [b"ASKING"], [b"GET", _MINE], [b"GET", _MINE],
    [b"CLUSTER", b"SETSLOT", b"%d" % _slot(_MINE), b"MIGRATING", _B.encode()], [b"GET", b"{" + _MINE + b"}a"],
    [b"DBSIZE"],
]  # fmt: skip


@pytest.mark.parametrize("use_c", [True, False] if HAVE_C else [False])
def test_cluster_mode_runs_served_slots_directly_and_routes_the_rest(use_c, monkeypatch):
    """In cluster mode the batch loops run a command themselves only when
    its keys hash to one slot this node serves; everything else goes
    through process_command, which redirects it. Both loops give what the
    core gives command by command."""
    core_srv = _cluster_node()
    want, _ = run(core_srv, _CLUSTER_BATCH, "core")
    core_srv.server.cluster.release()
    routed: list[bytes] = []
    real = dispatch.process_command

    def counting(c, args):
        routed.append(args[0])
        return real(c, args)

    monkeypatch.setattr(dispatch, "process_command", counting)
    srv = _cluster_node()
    try:
        got, consumed = run(srv, _CLUSTER_BATCH, use_c)
    finally:
        srv.server.cluster.release()
    assert got == want and consumed == len(_CLUSTER_BATCH)
    assert b"-MOVED " in got and b"-CROSSSLOT Keys in request don't hash to the same slot\r\n" in got
    # Served here without process_command: the first three, PING, the
    # hash-tagged MSET, the MGET when both keys share a slot, LPUSH; routed:
    # the other node's keys, the cross-slot MSET, ASKING and the command
    # after it, CLUSTER, a key of the migrating slot, DBSIZE (not a data
    # command).
    mget_local = _slot(_MINE) == _slot(_MINE2)
    expected = [b"GET", b"SET", b"MSET"] + ([] if mget_local else [b"MGET"]) + [
        b"ASKING", b"GET", b"CLUSTER", b"GET", b"DBSIZE"]
    assert routed == expected


@needs_c
@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(min_size=0, max_size=12).map(lambda k: k.replace(b"\x00", b"{").replace(b"\x01", b"}")), min_size=1, max_size=20))
def test_cluster_slot_of_any_key_is_the_same_in_c(keys):
    """The C loop's CRC16 and hash-tag rule agree with key_hash_slot: a key
    it wrongly took for this node's would be answered here instead of
    with MOVED."""
    cmds = [[b"GET", k] for k in keys] + [[b"SET", b"{" + k + b"}", b"v"] for k in keys]
    replies = []
    for use_c in (True, False):
        srv = _cluster_node()
        try:
            replies.append(run(srv, cmds, use_c))
        finally:
            srv.server.cluster.release()
    assert replies[0] == replies[1]
