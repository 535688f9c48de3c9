"""Stream commands through the dispatcher in-process, on a fixed clock:
generated IDs, idle and delivery times, node layout (splits and
approximate trimming), blocking reads parked and woken without sockets,
what is propagated, COPY independence, and the RDB encoding of nodes.
Parity with a real redis-server: tests/compat/test_streams_compat.py."""

from __future__ import annotations

import random

import pytest
from tests.support.inprocess import T0, WRONGTYPE, Types
from tests.support.resp import Err

from radish.db.stream import StreamValue
from radish.dispatch import BLOCKED
from radish.persistence.rdb import dump_payload, restore_payload, stream_node_listpack


@pytest.fixture
def t():
    t = Types("--enable-debug-command", "yes")
    t.set_time(T0)
    return t


def sid(ms: int, seq: int = 0) -> bytes:
    return b"%d-%d" % (ms, seq)


# -- adding and reading ---------------------------------------------------------------------------


def test_generated_ids_follow_the_clock_and_grow(t):
    assert t("XADD", "s", "*", "f", "v") == sid(T0)
    assert t("XADD", "s", "*", "f", "v") == sid(T0, 1)
    assert t("XADD", "s", "%d-*" % T0, "f", "v") == sid(T0, 2)
    t.advance(5)
    assert t("XADD", "s", "*", "f", "v") == sid(T0 + 5)
    t.set_time(T0 - 1000)  # the clock went back: IDs still grow
    assert t("XADD", "s", "*", "f", "v") == sid(T0 + 5, 1)
    assert t("XADD", "s", "1-1", "f", "v") == Err("ERR The ID specified in XADD is equal or smaller than the target stream top item")
    assert t("XLEN", "s") == 5
    assert t("TYPE", "s") == "stream"
    assert t("OBJECT", "ENCODING", "s") == b"stream"


def test_xadd_star_propagates_the_id_it_got_and_approximate_trims_their_result(t):
    t.propagated()
    t("XADD", "s", "*", "a", "1")
    t("CONFIG", "SET", "stream-node-max-entries", "2")
    for _ in range(4):
        t("XADD", "s", "MAXLEN", "~", "1", "*", "b", "2")
    out = t.propagated()
    assert out[0] == [b"XADD", b"s", sid(T0), b"a", b"1"]
    # ~ trims whole nodes only: the length left is propagated with "=".
    assert [c[:5] for c in out[-4:]] == [[b"XADD", b"s", b"MAXLEN", b"=", n] for n in (b"2", b"1", b"2", b"1")]
    assert [c[5] for c in out[-4:]] == [sid(T0, i) for i in (1, 2, 3, 4)]
    assert t("XLEN", "s") == 1


def test_ranges_counts_and_exclusive_bounds(t):
    for i in range(1, 6):
        t("XADD", "s", "%d-1" % i, "n", str(i))
    assert [e[0] for e in t("XRANGE", "s", "(2-1", "4")] == [sid(3, 1), sid(4, 1)]
    assert [e[0] for e in t("XREVRANGE", "s", "+", "-", "COUNT", 2)] == [sid(5, 1), sid(4, 1)]
    assert t("XRANGE", "s", "-", "+", "COUNT", 1) == [[sid(1, 1), [b"n", b"1"]]]
    assert t.raw("XRANGE", "s", "-", "+", "COUNT", 0) == b"*-1\r\n"
    assert t("XRANGE", "s", "(-", "+") == Err("ERR Invalid stream ID specified as stream command argument")
    assert t("XRANGE", "s", "(18446744073709551615-18446744073709551615", "+") == Err("ERR invalid start ID for the interval")
    t("SET", "str", "x")
    for cmd in (("XADD", "str", "*", "a", "1"), ("XRANGE", "str", "-", "+"), ("XLEN", "str"), ("XGROUP", "CREATE", "str", "g", "0")):
        assert t(*cmd) == Err(WRONGTYPE)


# -- node layout -------------------------------------------------------------------------------------


def test_nodes_split_on_entries_and_bytes_and_approximate_trim_removes_whole_nodes(t):
    t("CONFIG", "SET", "stream-node-max-entries", "3")
    for i in range(1, 11):
        t("XADD", "s", str(i), "f", "v")
    info = dict(zip(*[iter(t("XINFO", "STREAM", "s"))] * 2, strict=True))
    assert info[b"radix-tree-keys"] == 4
    assert t("XTRIM", "s", "MAXLEN", "~", "5") == 3  # one node of 3; the next would leave 4 < 5
    assert t("XTRIM", "s", "MAXLEN", "5") == 2
    assert t("XRANGE", "s", "-", "-")[0:1] == []
    assert t("XRANGE", "s", "-", "+", "COUNT", 1)[0][0] == sid(6)
    t("CONFIG", "SET", "stream-node-max-entries", "100")
    t("CONFIG", "SET", "stream-node-max-bytes", "60")
    for i in range(1, 6):
        t("XADD", "b", str(i), "field", "x" * 20)
    info = dict(zip(*[iter(t("XINFO", "STREAM", "b"))] * 2, strict=True))
    assert info[b"radix-tree-keys"] == 5  # every entry pushes a node past 60 bytes


def test_node_sizes_are_the_sizes_of_the_listpacks_redis_writes():
    rnd = random.Random(5)
    s = StreamValue()
    nxt = 0
    for _ in range(2000):
        nxt += rnd.choice((1, 1 << 64, 7 << 64, (1 << 40) << 64))
        nf = rnd.randrange(1, 4)
        fields = [rnd.choice((b"f", b"g", b"12", b"-5", b"x" * rnd.randrange(0, 80))) for _ in range(nf)]
        vals = [rnd.choice((b"1", b"-4097", b"99999999999", b"9223372036854775808", b"v" * rnd.randrange(0, 5000))) for _ in range(nf)]
        s.append(nxt, tuple(x for fv in zip(fields, vals, strict=True) for x in fv), 4096, rnd.choice((0, 5, 100)))
        if rnd.random() < 0.2:
            s.delete(rnd.choice(s.nodes[-1].ids))
    for node in s.nodes:
        assert node.lp_bytes() == len(stream_node_listpack(node))


# -- consumer groups on the clock ------------------------------------------------------------------------


def test_pending_idle_times_and_claims_follow_the_clock(t):
    for i in range(1, 5):
        t("XADD", "s", str(i), "f", str(i))
    t("XGROUP", "CREATE", "s", "g", "0")
    assert len(t("XREADGROUP", "GROUP", "g", "alice", "COUNT", 2, "STREAMS", "s", ">")[0][1]) == 2
    t.advance(100)
    assert t("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">")[0][1][0][0] == sid(3)
    t.advance(50)
    assert t("XPENDING", "s", "g", "-", "+", 10) == [
        [sid(1), b"alice", 150, 1], [sid(2), b"alice", 150, 1], [sid(3), b"bob", 50, 1], [sid(4), b"bob", 50, 1],
    ]  # fmt: skip
    assert t("XPENDING", "s", "g", "IDLE", 100, "-", "+", 10, "alice") == [[sid(1), b"alice", 150, 1], [sid(2), b"alice", 150, 1]]
    assert t("XCLAIM", "s", "g", "carol", 120, 1, 3, "JUSTID") == [sid(1)]  # 3 is idle for 50 ms only
    t.advance(10)
    assert t("XREADGROUP", "GROUP", "g", "carol", "STREAMS", "s", "0") == [[b"s", [[sid(1), [b"f", b"1"]]]]]
    assert t("XPENDING", "s", "g", "-", "+", 1) == [[sid(1), b"carol", 0, 2]]
    consumers = t("XINFO", "CONSUMERS", "s", "g")
    assert [(c[1], c[3], c[5]) for c in consumers] == [(b"alice", 1, 160), (b"bob", 2, 60), (b"carol", 1, 0)]
    t("XDEL", "s", 2)
    assert t("XAUTOCLAIM", "s", "g", "dave", 0, 0, "COUNT", 10, "JUSTID") == [b"0-0", [sid(1), sid(3), sid(4)], [sid(2)]]


def test_readgroup_and_claims_propagate_as_xclaim_with_times(t):
    t("XADD", "s", "1", "f", "v")
    t("XADD", "s", "2", "f", "v")
    t("XGROUP", "CREATE", "s", "g", "0")
    t.propagated()
    t("XREADGROUP", "GROUP", "g", "c", "COUNT", 1, "STREAMS", "s", ">")
    t("XREADGROUP", "GROUP", "g", "n", "NOACK", "STREAMS", "s", ">")
    assert t.propagated() == [
        [b"XCLAIM", b"s", b"g", b"c", b"0", sid(1), b"TIME", b"%d" % T0, b"RETRYCOUNT", b"1", b"FORCE", b"JUSTID", b"LASTID", sid(1)],
        [b"MULTI"],
        [b"XGROUP", b"CREATECONSUMER", b"s", b"g", b"n"],
        [b"XGROUP", b"SETID", b"s", b"g", sid(2), b"ENTRIESREAD", b"2"],
        [b"EXEC"],
    ]
    t("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0")  # history: not propagated
    t("XACK", "s", "g", 1)
    assert t.propagated() == [[b"XACK", b"s", b"g", b"1"]]


def test_copy_is_independent_of_its_source(t):
    t("XADD", "s", "1", "f", "v")
    t("XGROUP", "CREATE", "s", "g", "0")
    t("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
    assert t("COPY", "s", "d") == 1
    t("XACK", "d", "g", 1)
    t("XADD", "d", "2", "f", "v")
    assert t("XPENDING", "s", "g")[0] == 1
    assert t("XLEN", "s") == 1
    assert t("XPENDING", "d", "g")[0] == 0
    assert t("DEBUG", "DIGEST-VALUE", "s") != t("DEBUG", "DIGEST-VALUE", "d")
    t("XDEL", "d", 2)
    assert t("DEBUG", "DIGEST-VALUE", "s") == t("DEBUG", "DIGEST-VALUE", "d")


# -- blocking ---------------------------------------------------------------------------------------------


def test_xread_block_waits_for_entries_after_dollar(t):
    t("XADD", "s", "1", "a", "1")
    c1, c2 = t.new_client(), t.new_client()
    assert t.send(c1, "XREAD", "BLOCK", 0, "STREAMS", "s", "$") is BLOCKED
    assert t.send(c2, "XREAD", "BLOCK", 0, "COUNT", 1, "STREAMS", "other", "s", "0", "1") is BLOCKED
    t("XADD", "other", "5", "o", "1")
    assert c1.blocked is not None
    assert c2.pending_reply == [[b"other", [[sid(5), (b"o", b"1")]]]]  # the value before encoding
    t("XADD", "s", "2", "b", "2")
    assert c1.pending_reply == [[b"s", [[sid(2), (b"b", b"2")]]]]
    assert b"blocked_clients:0" in t("INFO", "clients")


def test_blocked_xreadgroup_errors_when_its_group_or_key_goes(t):
    t("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    c1, c2, c3 = t.new_client(), t.new_client(), t.new_client()
    assert t.send(c1, "XREADGROUP", "GROUP", "g", "a", "BLOCK", 0, "STREAMS", "s", ">") is BLOCKED
    t.propagated()
    t("XGROUP", "DESTROY", "s", "g")
    assert str(c1.pending_reply) == "NOGROUP the consumer group this client was blocked on no longer exists"
    t("XGROUP", "CREATE", "s", "g", "$")
    assert t.send(c2, "XREADGROUP", "GROUP", "g", "a", "BLOCK", 0, "STREAMS", "s", ">") is BLOCKED
    assert t.send(c3, "XREAD", "BLOCK", 0, "STREAMS", "s", "$") is BLOCKED
    t("DEL", "s")
    assert str(c2.pending_reply) == "UNBLOCKED the stream key no longer exists"
    assert c3.blocked is not None  # XREAD keeps waiting
    t("CLIENT", "UNBLOCK", c3.id)
    assert c3.blocked is None
    assert b"blocked_clients:0" in t("INFO", "clients")


def test_blocking_reads_inside_multi_answer_null(t):
    t("MULTI")
    t("XREAD", "BLOCK", 0, "STREAMS", "s", "$")
    assert t.raw("EXEC") == b"*1\r\n*-1\r\n"


def test_xread_is_a_map_in_resp3(t):
    t("XADD", "s", "1", "a", "1")
    assert t.resp3("XREAD", "STREAMS", "s", "0") == b"%1\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"


# -- RDB encoding -------------------------------------------------------------------------------------------


def test_dump_payload_round_trips_groups_and_counters(t):
    for i in range(1, 300):
        t("XADD", "s", str(i), "f%d" % (i % 3), "v" * (i % 50))
    t("XDEL", "s", 7, 150)
    t("XGROUP", "CREATE", "s", "g", "0")
    t("XREADGROUP", "GROUP", "g", "c", "COUNT", 20, "STREAMS", "s", ">")
    t("XGROUP", "CREATECONSUMER", "s", "g", "idle")
    v = t.server.keyspace.dbs[0].data[b"s"]
    payload = dump_payload(v, t.config)
    back = restore_payload(payload, config=t.config)
    assert dump_payload(back, t.config) == payload
    t("RESTORE", "s2", 0, payload)
    assert t("XINFO", "STREAM", "s2", "FULL") == t("XINFO", "STREAM", "s", "FULL")
    assert t("DEBUG", "DIGEST-VALUE", "s2") == t("DEBUG", "DIGEST-VALUE", "s")
