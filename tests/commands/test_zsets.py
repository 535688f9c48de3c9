"""Sorted-set commands in-process: ordering, score parsing and formatting,
ZADD's options, ranges by rank, score and lex, pops (blocking ones parked
and woken), random members, ZSCAN, set operations, listpack/skiplist
encodings at the thresholds, generic commands on zsets and the propagated
deterministic forms. Byte-for-byte parity with redis-server:
tests/compat/test_zsets_compat.py."""

from __future__ import annotations

import math
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.support.inprocess import WRONGTYPE, Types
from tests.support.resp import Err

from radish.dispatch import BLOCKED


@pytest.fixture
def t():
    return Types()


def test_order_is_score_then_member_bytes(t):
    assert t("ZADD", "z", 2, "b", 1, "z", 1, "a", 1, b"\xff", 1, "A", -1, "neg") == 6
    assert t("ZRANGE", "z", 0, -1) == [b"neg", b"A", b"a", b"z", b"\xff", b"b"]
    assert t("ZRANK", "z", "a") == 2
    assert t("ZREVRANK", "z", "a") == 3
    assert t("ZRANK", "z", "nosuch") is None
    assert t("ZCARD", "z") == 6
    assert t("TYPE", "z") == "zset"


def test_scores_parse_and_format_as_redis(t):
    t("ZADD", "z", "1.1", "a", "inf", "b", "-inf", "c", "+inf", "d", "0x10", "e", "1e-310", "f", "-0", "g")
    assert t("ZSCORE", "z", "a") == b"1.1000000000000001"  # %.17g
    assert t("ZSCORE", "z", "b") == b"inf"
    assert t("ZSCORE", "z", "c") == b"-inf"
    assert t("ZSCORE", "z", "e") == b"16"
    assert t("ZSCORE", "z", "g") == b"0"  # a listpack keeps -0 as 0
    assert t.resp3("ZSCORE", "z", "a") == b",1.1000000000000001\r\n"
    assert t.resp3("ZSCORE", "z", "b") == b",inf\r\n"
    for bad in ("nan", "abc", " 1", "1 ", "", "1e400", "-1e400", "1e-400", "1_0"):
        assert t("ZADD", "z", bad, "x") == Err("ERR value is not a valid float"), bad
    assert t("ZINCRBY", "z", "-inf", "b") == Err("ERR resulting score is not a number (NaN)")
    assert t("ZSCORE", "z", "b") == b"inf"


def test_zadd_options(t):
    assert t("ZADD", "z", 1, "a", 2, "b") == 2
    assert t("ZADD", "z", "CH", 1, "a", 3, "b", 4, "c") == 2
    assert t("ZADD", "z", "NX", 10, "a", 5, "d") == 1
    assert t("ZSCORE", "z", "a") == b"1"
    assert t("ZADD", "z", "XX", "CH", 10, "a", 5, "e") == 1
    assert t("EXISTS", "z") == 1 and t("ZSCORE", "z", "e") is None
    assert t("ZADD", "z", "GT", "CH", 5, "a", 20, "b") == 1
    assert t("ZADD", "z", "LT", "CH", 50, "a", 1, "b") == 1
    assert t("ZRANGE", "z", 0, -1, "WITHSCORES") == [b"b", b"1", b"c", b"4", b"d", b"5", b"a", b"10"]
    assert t("ZADD", "z", "INCR", 2.5, "a") == b"12.5"
    assert t("ZADD", "z", "INCR", "NX", 1, "a") is None
    assert t("ZADD", "z", "INCR", "GT", -1, "a") is None
    assert t("ZADD", "nokey", "XX", 1, "a") == 0
    assert t("ZADD", "nokey", "XX", "INCR", 1, "a") is None
    assert t("EXISTS", "nokey") == 0
    assert t("ZADD", "z", "NX", "XX", 1, "a") == Err("ERR XX and NX options at the same time are not compatible")
    assert t("ZADD", "z", "GT", "LT", 1, "a") == Err("ERR GT, LT, and/or NX options at the same time are not compatible")
    assert t("ZADD", "z", "INCR", 1, "a", 2, "b") == Err("ERR INCR option supports a single increment-element pair")
    assert t("ZADD", "z", 1, "a", 2) == Err("ERR syntax error")
    assert t("ZADD", "z", 1) == Err("ERR wrong number of arguments for 'zadd' command")
    t("SET", "s", "x")
    assert t("ZADD", "s", 1, "a") == Err(WRONGTYPE)
    assert t("ZADD", "s", "x", "a") == Err("ERR value is not a valid float")  # scores are checked first


def test_ranges_by_rank_score_and_lex(t):
    t("ZADD", "z", 1, "a", 2, "b", 3, "c", 4, "d", 5, "e")
    assert t("ZRANGE", "z", -2, 100) == [b"d", b"e"]
    assert t("ZRANGE", "z", 3, 1) == []
    assert t("ZRANGE", "z", 0, 1, "REV", "WITHSCORES") == [b"e", b"5", b"d", b"4"]
    assert t.resp3("ZRANGE", "z", 0, 0, "WITHSCORES") == b"*1\r\n*2\r\n$1\r\na\r\n,1\r\n"
    assert t("ZRANGE", "z", "(1", "3", "BYSCORE") == [b"b", b"c"]
    assert t("ZRANGE", "z", "+inf", "(1", "BYSCORE", "REV", "LIMIT", 1, 2) == [b"d", b"c"]
    assert t("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", -1, 2) == []
    assert t("ZREVRANGEBYSCORE", "z", 4, 2, "WITHSCORES") == [b"d", b"4", b"c", b"3", b"b", b"2"]
    assert t("ZCOUNT", "z", "(1", "(5") == 3
    assert t("ZCOUNT", "z", "(", 2) == 2  # "(" alone is an exclusive 0, as strtod reads it
    assert t("ZCOUNT", "z", "x", 2) == Err("ERR min or max is not a float")
    assert t("ZRANGE", "z", 0, 1, "LIMIT", 0, 1) == Err(
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
    )
    assert t("ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES") == Err(
        "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
    )
    assert t("ZRANGEBYSCORE", "z", 1, 2, "REV") == Err("ERR syntax error")
    t("ZADD", "l", 0, "a", 0, "b", 0, "c", 0, "d")
    assert t("ZRANGEBYLEX", "l", "[b", "+") == [b"b", b"c", b"d"]
    assert t("ZREVRANGEBYLEX", "l", "(d", "-", "LIMIT", 1, 5) == [b"b", b"a"]
    assert t("ZLEXCOUNT", "l", "(a", "[c") == 2
    assert t("ZLEXCOUNT", "l", "a", "c") == Err("ERR min or max not valid string range item")
    assert t("ZRANGE", "nokey", 0, -1) == []


def test_removals_delete_emptied_sets(t):
    t("ZADD", "z", 1, "a", 2, "b", 3, "c", 4, "d", 0, "la", 0, "lb")
    assert t("ZREM", "z", "a", "nosuch") == 1
    assert t("ZREMRANGEBYRANK", "z", -1, -1) == 1
    assert t("ZREMRANGEBYSCORE", "z", "(2", 3) == 1
    assert t("ZREMRANGEBYLEX", "z", "-", "(lb") == 1
    assert t("ZRANGE", "z", 0, -1) == [b"lb", b"b"]
    assert t("ZREMRANGEBYRANK", "z", 0, -1) == 2
    assert t("EXISTS", "z") == 0


def test_pops_and_their_reply_shapes(t):
    t("ZADD", "z", 1, "a", 2, "b", 3, "c", 4, "d", 5, "e")
    assert t("ZPOPMIN", "z") == [b"a", b"1"]
    assert t.resp3("ZPOPMAX", "z") == b"*2\r\n$1\r\ne\r\n,5\r\n"  # flat without a count
    assert t.resp3("ZPOPMAX", "z", 1) == b"*1\r\n*2\r\n$1\r\nd\r\n,4\r\n"  # pairs with one
    assert t("ZPOPMIN", "z", 0) == []
    assert t("ZPOPMIN", "z", -1) == Err("ERR value is out of range, must be positive")
    assert t("ZMPOP", 2, "nokey", "z", "MAX", "COUNT", 10) == [b"z", [[b"c", b"3"], [b"b", b"2"]]]
    assert t("EXISTS", "z") == 0
    assert t.raw("ZMPOP", 1, "z", "MIN") == b"*-1\r\n"
    assert t("ZMPOP", 0, "z", "MIN") == Err("ERR numkeys should be greater than 0")
    assert t("ZMPOP", 1, "z", "MIN", "COUNT", 0) == Err("ERR count should be greater than 0")
    t("ZADD", "z", 1, "a")
    assert t("BZPOPMIN", "nokey", "z", 0) == [b"z", b"a", b"1"]


def test_propagated_forms(t):
    t("ZADD", "z", 1, "a", 2, "b", 3, "c", 4, "d", 5, "e", 6, "f")
    t.propagated()
    t("ZPOPMIN", "z")
    t("ZPOPMAX", "z", 2)
    t("BZPOPMIN", "z", 0)
    t("ZMPOP", 1, "z", "MAX", "COUNT", 1)
    t("BZMPOP", 0, 1, "z", "MIN", "COUNT", 9)
    t("ZPOPMIN", "z")  # nothing left: nothing written, nothing propagated
    t("ZRANDMEMBER", "z", 3)
    assert t.propagated() == [
        [b"ZPOPMIN", b"z"], [b"ZPOPMAX", b"z", b"2"], [b"ZPOPMIN", b"z"],
        [b"ZPOPMAX", b"z", b"1"], [b"ZPOPMIN", b"z", b"1"],
    ]  # fmt: skip
    t("ZADD", "z", 1, "a")
    t("ZADD", "z", "NX", 5, "a")  # no change: not propagated
    t("ZREMRANGEBYSCORE", "z", 10, 20)
    assert t.propagated() == [[b"ZADD", b"z", b"1", b"a"]]


def test_blocked_pops_woken_in_order_and_propagated_as_zpop(t):
    c1, c2, c3 = t.new_client(), t.new_client(), t.new_client()
    assert t.send(c1, "BZPOPMIN", "k", 0) is BLOCKED
    assert t.send(c2, "BZPOPMAX", "other", "k", 0) is BLOCKED
    assert t.send(c3, "BZMPOP", 0, 1, "k", "MIN", "COUNT", 5) is BLOCKED
    t.propagated()
    assert t("ZADD", "k", 1, "a", 2, "b", 3, "c") == 3
    # (the reply values as handed to the encoder: scores are doubles)
    assert c1.pending_reply == [b"k", b"a", 1.0]
    assert c2.pending_reply == [b"k", b"c", 3.0]
    assert c3.pending_reply == [b"k", [[b"b", 2.0]]]
    assert t.propagated() == [
        [b"ZADD", b"k", b"1", b"a", b"2", b"b", b"3", b"c"], [b"ZPOPMIN", b"k"], [b"ZPOPMAX", b"k"], [b"ZPOPMIN", b"k", b"1"],
    ]  # fmt: skip
    assert t("EXISTS", "k") == 0
    t("MULTI")
    t("BZPOPMIN", "k", 0)
    t("BZMPOP", 0, 1, "k", "MAX")
    assert t.raw("EXEC") == b"*2\r\n*-1\r\n*-1\r\n"


def test_random_members(t):
    t("ZADD", "z", 1, "a", 2, "b", 3, "c")
    assert t("ZRANDMEMBER", "z") in (b"a", b"b", b"c")
    assert t("ZRANDMEMBER", "nokey") is None
    assert t("ZRANDMEMBER", "z", 5, "WITHSCORES") == [b"c", b"3", b"b", b"2", b"a", b"1"]
    picked = t("ZRANDMEMBER", "z", 2)
    assert len(set(picked)) == 2 and set(picked) <= {b"a", b"b", b"c"}
    many = Counter(t("ZRANDMEMBER", "z", -300))
    assert sum(many.values()) == 300 and set(many) == {b"a", b"b", b"c"}
    pairs = t.resp3("ZRANDMEMBER", "z", -2, "WITHSCORES")
    assert pairs.startswith(b"*2\r\n*2\r\n")
    assert t("ZRANDMEMBER", "z", 0) == []
    assert t("ZRANDMEMBER", "z", 1, "foo") == Err("ERR syntax error")


def test_zscan(t):
    t("ZADD", "z", 1, "a", 2.5, "b", 1e17, "c")
    assert t("ZSCAN", "z", 0) == [b"0", [b"a", b"1", b"b", b"2.5", b"c", b"100000000000000000"]]
    assert t("ZSCAN", "z", 0, "MATCH", "b") == [b"0", [b"b", b"2.5"]]
    t("ZADD", "big", *[x for i in range(300) for x in (i, "m%d" % i)])
    seen = {}
    cursor = b"0"
    while True:
        cursor, items = t("ZSCAN", "big", cursor, "COUNT", 20)
        seen.update(zip(items[::2], items[1::2], strict=True))
        if cursor == b"0":
            break
    assert len(seen) == 300 and seen[b"m299"] == b"299"


def test_set_operations_with_weights_aggregates_and_plain_sets(t):
    t("ZADD", "a", 1, "x", 2, "y", 3, "z")
    t("ZADD", "b", 10, "y", 20, "z", 30, "w")
    t("SADD", "s", "x", "w")
    assert t("ZUNION", 3, "a", "b", "s", "WITHSCORES") == [b"x", b"2", b"y", b"12", b"z", b"23", b"w", b"31"]
    assert t("ZINTER", 2, "a", "b", "WEIGHTS", 2, 0.5, "AGGREGATE", "MAX", "WITHSCORES") == [b"y", b"5", b"z", b"10"]
    assert t("ZDIFF", 2, "a", "b", "WITHSCORES") == [b"x", b"1"]
    assert t("ZINTERCARD", 2, "a", "b", "LIMIT", 1) == 1
    assert t("ZUNIONSTORE", "d", 2, "a", "b", "AGGREGATE", "MIN") == 4
    assert t("ZRANGE", "d", 0, -1, "WITHSCORES") == [b"x", b"1", b"y", b"2", b"z", b"3", b"w", b"30"]
    assert t("ZINTERSTORE", "d", 2, "a", "nokey") == 0
    assert t("EXISTS", "d") == 0
    t("ZADD", "i", "inf", "m")
    t("ZADD", "n", "-inf", "m")
    assert t("ZUNION", 2, "i", "n", "WITHSCORES") == [b"m", b"0"]  # inf + -inf counts as 0
    assert t("ZUNION", 0, "a") == Err("ERR at least 1 input key is needed for 'zunion' command")
    assert t("ZUNION", 3, "a", "b") == Err("ERR syntax error")
    assert t("ZUNION", 2, "a", "b", "WEIGHTS", 1, "x") == Err("ERR weight value is not a float")
    assert t("ZDIFF", 2, "a", "b", "WEIGHTS", 1, 1) == Err("ERR syntax error")
    t("SET", "str", "x")
    assert t("ZUNION", 2, "a", "str") == Err(WRONGTYPE)
    assert t("ZRANGESTORE", "r", "a", 1, -1) == 2
    assert t("ZRANGE", "r", 0, -1, "WITHSCORES") == [b"y", b"2", b"z", b"3"]


def test_encodings_follow_the_thresholds():
    t = Types("--zset-max-listpack-entries", "3", "--zset-max-listpack-value", "4")
    t("ZADD", "z", 1, "a", 2, "b", 3, "c")
    assert t("OBJECT", "ENCODING", "z") == b"listpack"
    t("ZADD", "z", 4, "d")
    assert t("OBJECT", "ENCODING", "z") == b"skiplist"
    t("ZREM", "z", "a", "b", "c")
    assert t("OBJECT", "ENCODING", "z") == b"skiplist"  # sticky, as in Redis
    t("ZADD", "long", 1, "abcde")
    assert t("OBJECT", "ENCODING", "long") == b"skiplist"
    t("ZADD", "neg", "-0", "a")
    t("ZADD", "negbig", 1, "a", 2, "b", 3, "c", 4, "d", "-0", "e")
    assert t("ZSCORE", "neg", "a") == b"0" and t("ZSCORE", "negbig", "e") == b"-0"
    assert t("ZUNIONSTORE", "u", 1, "z") == 1
    assert t("OBJECT", "ENCODING", "u") == b"listpack"  # results get the encoding they fit
    t("COPY", "z", "z2")
    assert t("OBJECT", "ENCODING", "z2") == b"skiplist"
    t("RESTORE", "z3", 0, t("DUMP", "z"))
    assert t("OBJECT", "ENCODING", "z3") == b"listpack"  # reloaded values are rebuilt


def test_generic_commands_know_the_type():
    t = Types("--enable-debug-command", "yes")
    t("ZADD", "z", 3, "c", 1, "a", 2, "b")
    assert t("TYPE", "z") == "zset"
    assert t("SCAN", 0, "TYPE", "zset") == [b"0", [b"z"]]
    assert t("SORT", "z") == Err("ERR One or more scores can't be converted into double")
    assert t("SORT", "z", "ALPHA", "DESC") == [b"c", b"b", b"a"]
    assert t("SORT", "z", "BY", "nosort") == [b"a", b"b", b"c"]
    assert t("SORT", "z", "BY", "nosort", "DESC", "LIMIT", 0, 2) == [b"c", b"b"]
    assert t("COPY", "z", "z2") == 1
    t("ZADD", "z2", 9, "x")
    assert t("ZCARD", "z") == 3  # a deep copy
    assert t("RENAME", "z2", "z3") == "OK"
    assert t("MOVE", "z3", 1) == 1
    t("SELECT", 1)
    assert t("ZRANGE", "z3", 0, -1) == [b"a", b"b", b"c", b"x"]
    t("SELECT", 0)
    before = t("DEBUG", "DIGEST-VALUE", "z")
    assert len(before) == 1 and len(before[0]) == 40 and before[0] != "0" * 40
    t("ZADD", "z", 1, "a")
    assert t("DEBUG", "DIGEST-VALUE", "z") == before
    t("ZINCRBY", "z", 0.5, "a")
    assert t("DEBUG", "DIGEST-VALUE", "z") != before
    for cmd in (("ZCARD", "s"), ("ZSCORE", "s", "a"), ("ZRANGE", "s", 0, 1), ("ZPOPMIN", "s"), ("ZSCAN", "s", 0)):
        t("SET", "s", "x")
        assert t(*cmd) == Err(WRONGTYPE), cmd


def _model_range(pairs: dict, lo: float, hi: float, loex: bool, hiex: bool) -> list:
    items = sorted((s, m) for m, s in pairs.items())
    return [
        m for s, m in items
        if (s > lo if loex else s >= lo) and (s < hi if hiex else s <= hi)
    ]  # fmt: skip


_scores = st.sampled_from([-math.inf, -2.5, -1.0, 0.0, 0.5, 1.0, 1.0, 3.0, 1e17, math.inf])


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(st.binary(min_size=1, max_size=3), _scores, min_size=0, max_size=40),
    _scores, _scores, st.booleans(), st.booleans(),
)  # fmt: skip
def test_score_ranges_match_a_model(pairs, lo, hi, loex, hiex):
    t = Types("--zset-max-listpack-entries", "8")
    args = [x for m, s in pairs.items() for x in (repr(s).encode(), m)]
    if args:
        t("ZADD", "z", *args)
    fmt = lambda v, ex: ("(" if ex else "") + repr(v)  # noqa: E731
    want = _model_range(pairs, lo, hi, loex, hiex)
    assert t("ZRANGEBYSCORE", "z", fmt(lo, loex), fmt(hi, hiex)) == want
    assert t("ZCOUNT", "z", fmt(lo, loex), fmt(hi, hiex)) == len(want)
    assert t("ZREVRANGEBYSCORE", "z", fmt(hi, hiex), fmt(lo, loex)) == want[::-1]
    ranked = [m for _, m in sorted((s, m) for m, s in pairs.items())]
    assert t("ZRANGE", "z", 0, -1) == ranked
    for m in pairs:
        assert t("ZRANK", "z", m) == ranked.index(m)


_lex_bound = st.one_of(
    st.sampled_from([b"-", b"+"]),
    st.tuples(st.sampled_from([b"[", b"("]), st.binary(max_size=2)).map(lambda t: t[0] + t[1]),
)


def _lex_ok(m: bytes, lo: bytes, hi: bytes) -> bool:
    if lo == b"+" or hi == b"-":
        return False
    above = lo == b"-" or (m > lo[1:] if lo[:1] == b"(" else m >= lo[1:])
    below = hi == b"+" or (m < hi[1:] if hi[:1] == b"(" else m <= hi[1:])
    return above and below


@settings(max_examples=60, deadline=None)
@given(st.sets(st.binary(min_size=1, max_size=2), max_size=30), _lex_bound, _lex_bound, st.booleans())
def test_lex_ranges_match_a_model(members, lo, hi, big):
    """Equal scores (what lex ranges are defined for), in a listpack and in
    a skiplist: ranges, counts, reverse ranges with LIMIT and removals."""
    t = Types("--zset-max-listpack-entries", "0" if big else "128")
    if members:
        t("ZADD", "z", *[x for m in members for x in (0, m)])
    want = sorted(m for m in members if _lex_ok(m, lo, hi))
    assert t("ZRANGEBYLEX", "z", lo, hi) == want
    assert t("ZLEXCOUNT", "z", lo, hi) == len(want)
    assert t("ZREVRANGEBYLEX", "z", hi, lo, "LIMIT", 1, 3) == want[::-1][1:4]
    assert t("ZRANGE", "z", lo, hi, "BYLEX", "LIMIT", 2, 2) == want[2:4]
    assert t("ZREMRANGEBYLEX", "z", lo, hi) == len(want)
    assert t("ZRANGE", "z", 0, -1) == sorted(set(members) - set(want))


# -- ZADD key score member and ZPOPMIN/ZPOPMAX key: the lean paths --------------------------


def _events(t, flags: str = "KEA") -> list:
    """Starts recording keyspace events (as the server publishes them):
    the list the (event, key) pairs go to."""
    assert t("CONFIG", "SET", "notify-keyspace-events", flags) == "OK"
    seen: list = []
    ks = t.server.keyspace
    publish = ks.on_event

    def record(type_, event, key, dbid):
        seen.append((event, key))
        publish(type_, event, key, dbid)

    ks.on_event = record
    return seen


@pytest.mark.parametrize("big", [False, True])
def test_zadd_one_pair_replies_and_changes(big):
    """New member 1; a member already there 0, with its score moved (and
    the write counted, propagated and announced) or not (nothing happens):
    in a listpack and in a skiplist."""
    t = Types("--zset-max-listpack-entries", "0" if big else "128")
    seen = _events(t)
    watcher = t.new_client()
    assert t("ZADD", "z", 2, "b") == 1
    assert t("OBJECT", "ENCODING", "z") == (b"skiplist" if big else b"listpack")
    assert t("ZADD", "z", 1, "a") == 1
    assert t("ZADD", "z", "3.5", "c") == 1
    assert t.propagated() == [[b"ZADD", b"z", b"2", b"b"], [b"ZADD", b"z", b"1", b"a"], [b"ZADD", b"z", b"3.5", b"c"]]
    assert seen == [(b"zadd", b"z")] * 3
    del seen[:]
    dirty = t.server.dirty
    t.send(watcher, "WATCH", "z")
    for same in ("1", "1.0", "1e0", "0x1", "+1"):  # the same score in other words: nothing changes
        assert t("ZADD", "z", same, "a") == 0
    assert t("ZADD", "z", "-0", "zero") == 1
    assert t("ZADD", "z", "0", "zero") == 0  # -0 == 0
    assert t.server.dirty == dirty + 1
    assert t.propagated() == [[b"ZADD", b"z", b"-0", b"zero"]]
    assert seen == [(b"zadd", b"z")]
    del seen[:]
    assert t("ZADD", "z", 5, "a") == 0  # moved: still 0 (no CH)
    zero = b"-0" if big else b"0"  # a skiplist keeps -0, a listpack stores 0
    assert t("ZRANGE", "z", 0, -1, "WITHSCORES") == [b"zero", zero, b"b", b"2", b"c", b"3.5", b"a", b"5"]
    assert t("ZADD", "z", "-inf", "c") == 0
    assert t("ZRANGE", "z", 0, -1) == [b"c", b"zero", b"b", b"a"]
    assert t.server.dirty == dirty + 3
    assert t.propagated() == [[b"ZADD", b"z", b"5", b"a"], [b"ZADD", b"z", b"-inf", b"c"]]
    assert seen == [(b"zadd", b"z")] * 2
    t.send(watcher, "MULTI")
    t.send(watcher, "PING")
    assert t.send(watcher, "EXEC") is None  # the moves touched the watched key


def test_zadd_one_pair_converts_at_the_limits():
    t = Types()
    assert t("CONFIG", "SET", "zset-max-listpack-entries", 2) == "OK"
    assert t("ZADD", "z", 1, "a") == 1
    assert t("ZADD", "z", 2, "b") == 1
    assert t("ZADD", "z", 3, "b") == 0  # a move never converts
    assert t("OBJECT", "ENCODING", "z") == b"listpack"
    assert t("ZADD", "z", 0, "c") == 1  # the 3rd member
    assert t("OBJECT", "ENCODING", "z") == b"skiplist"
    assert t("ZRANGE", "z", 0, -1, "WITHSCORES") == [b"c", b"0", b"a", b"1", b"b", b"3"]
    assert t("ZADD", "z", 0, "c") == 0 and t("ZADD", "z", 9, "d") == 1
    assert t("CONFIG", "SET", "zset-max-listpack-value", 3) == "OK"
    assert t("ZADD", "v", 1, "abc") == 1
    assert t("OBJECT", "ENCODING", "v") == b"listpack"
    assert t("ZADD", "v", 2, "abcd") == 1  # a member longer than the value limit
    assert t("OBJECT", "ENCODING", "v") == b"skiplist"
    assert t("ZADD", "w", 1, "abcd") == 1  # a new key with a long member
    assert t("OBJECT", "ENCODING", "w") == b"skiplist"
    assert t("CONFIG", "SET", "zset-max-listpack-entries", 0) == "OK"
    assert t("ZADD", "x", 1, "a") == 1
    assert t("OBJECT", "ENCODING", "x") == b"skiplist"
    assert t("ZRANGE", "x", 0, -1, "WITHSCORES") == [b"a", b"1"]


def test_zadd_one_pair_errors():
    t = Types()
    t("SET", "s", "x")
    assert t("ZADD", "s", 1, "a") == Err(WRONGTYPE)
    assert t("ZADD", "s", "nan", "a") == Err("ERR value is not a valid float")  # the score first
    t("ZADD", "z", 1, "a")
    for bad in ("abc", "nan", "1e400", "-1e400", "1e-400", " 1", "1 ", "", b"1\x002", "1_0", "0x", "inf1"):
        assert t("ZADD", "z", bad, "a") == Err("ERR value is not a valid float"), bad
        assert t("ZADD", "nokey", bad, "a") == Err("ERR value is not a valid float"), bad
    for option in ("nx", "XX", "ch", "Incr", "gt", "LT"):  # an option word and one argument: no pair
        assert t("ZADD", "z", option, "a") == Err("ERR syntax error"), option
    assert t("ZADD", "z", "nx", 1, "a") == 0  # an option, then a pair
    assert t("EXISTS", "nokey") == 0
    assert t("ZRANGE", "z", 0, -1, "WITHSCORES") == [b"a", b"1"]
    assert t.propagated() == [[b"SET", b"s", b"x"], [b"ZADD", b"z", b"1", b"a"]]


def test_zadd_bad_score_looks_nothing_up():
    """Redis parses the scores before its lookup: a ZADD whose score does
    not parse neither expires the key (no ``expired`` event, no DEL
    propagated) nor stamps its access time."""
    t = Types()
    t.set_time(1_700_000_000_000)
    seen = _events(t)
    t("DEBUG", "SET-ACTIVE-EXPIRE", 0)
    t("ZADD", "z", 1, "a")
    t("ZADD", "old", 1, "a")
    t("PEXPIRE", "z", 100)
    t.propagated()
    del seen[:]
    t.advance(10_000)
    assert t("ZADD", "z", "abc", "a") == Err("ERR value is not a valid float")
    assert t("ZADD", "old", "abc", "a") == Err("ERR value is not a valid float")
    assert seen == [] and t.propagated() == []
    assert t("OBJECT", "IDLETIME", "old") == 10
    assert t("ZADD", "old", 1, "a") == 0
    assert t("OBJECT", "IDLETIME", "old") == 0  # a lookup stamps it
    assert t("ZADD", "z", 2, "a") == 1  # the expired key is gone, a new one made
    assert seen == [(b"expired", b"z"), (b"zadd", b"z")]
    assert t.propagated() == [[b"MULTI"], [b"DEL", b"z"], [b"ZADD", b"z", b"2", b"a"], [b"EXEC"]]


def test_zadd_one_pair_under_lfu():
    """With an LFU policy the lookup counts an access (OBJECT FREQ): a ZADD
    that fails on its score does not."""
    t = Types()
    assert t("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu") == "OK"
    t("ZADD", "z", 1, "a")
    freq = t("OBJECT", "FREQ", "z")
    for _ in range(3):
        assert t("ZADD", "z", "x", "a") == Err("ERR value is not a valid float")
    assert t("OBJECT", "FREQ", "z") == freq
    assert t("ZADD", "z", 1, "a") == 0
    assert t("ZADD", "z", 2, "b") == 1
    assert t("ZRANGE", "z", 0, -1) == [b"a", b"b"]
    assert t("OBJECT", "FREQ", "z") > freq


@pytest.mark.parametrize("big", [False, True])
def test_zpop_one_replies_events_and_propagation(big):
    t = Types("--zset-max-listpack-entries", "0" if big else "128")
    seen = _events(t)
    t("ZADD", "z", 1, "a", "2.5", "b", "inf", "c", "-inf", "d", "1e17", "e")
    t.propagated()
    del seen[:]
    assert t.raw("ZPOPMIN", "z") == b"*2\r\n$1\r\nd\r\n$4\r\n-inf\r\n"
    assert t.raw("ZPOPMAX", "z") == b"*2\r\n$1\r\nc\r\n$3\r\ninf\r\n"
    assert t.resp3("ZPOPMAX", "z") == b"*2\r\n$1\r\ne\r\n,1e+17\r\n"
    assert t.resp3("ZPOPMIN", "z") == b"*2\r\n$1\r\na\r\n,1\r\n"
    assert t("OBJECT", "ENCODING", "z") == (b"skiplist" if big else b"listpack")
    assert t("ZPOPMIN", "z") == [b"b", b"2.5"]
    assert t("EXISTS", "z") == 0  # emptied: deleted
    assert t.raw("ZPOPMIN", "z") == b"*0\r\n" and t.resp3("ZPOPMAX", "z") == b"*0\r\n"
    assert seen == [(b"zpopmin", b"z"), (b"zpopmax", b"z"), (b"zpopmax", b"z"), (b"zpopmin", b"z"),
                    (b"zpopmin", b"z"), (b"del", b"z")]  # fmt: skip
    assert t.propagated() == [[b"ZPOPMIN", b"z"], [b"ZPOPMAX", b"z"], [b"ZPOPMAX", b"z"], [b"ZPOPMIN", b"z"],
                              [b"ZPOPMIN", b"z"]]  # fmt: skip
    t("SET", "s", "x")
    assert t("ZPOPMIN", "s") == Err(WRONGTYPE) and t("ZPOPMAX", "s") == Err(WRONGTYPE)
    # Inside MULTI and scripts the reply is the same.
    t("ZADD", "z", "0.5", "a", 3, "b")
    t("MULTI")
    t("ZPOPMIN", "z")
    t("ZPOPMAX", "z")
    assert t.raw("EXEC") == b"*2\r\n*2\r\n$1\r\na\r\n$3\r\n0.5\r\n*2\r\n$1\r\nb\r\n$1\r\n3\r\n"
    t("ZADD", "z", "0.5", "a", 3, "b")
    assert t("EVAL", "return redis.call('zpopmin', KEYS[1])", 1, "z") == [b"a", b"0.5"]
    assert t("EVAL", "redis.setresp(3); return redis.call('zpopmax', KEYS[1])", 1, "z") == [b"b", b"3"]


def test_zpop_one_on_an_expired_key():
    t = Types()
    t.set_time(1_700_000_000_000)
    t("DEBUG", "SET-ACTIVE-EXPIRE", 0)
    t("ZADD", "z", 1, "a", 2, "b")
    t("PEXPIRE", "z", 100)
    assert t("ZPOPMIN", "z") == [b"a", b"1"]  # a TTL that has not passed
    t.advance(1_000)
    t.propagated()
    assert t("ZPOPMAX", "z") == []
    assert t.propagated() == [[b"DEL", b"z"]]
