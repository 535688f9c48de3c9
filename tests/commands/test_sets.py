"""Set commands in-process: replies, every error text, intset/hashtable
encodings at the thresholds, random commands with zero and negative counts,
SSCAN, RESP3 set replies and the propagated SPOP rewrite. Parity with
redis-server: tests/compat/."""

from __future__ import annotations

from collections import Counter

import pytest
from tests.support.inprocess import WRONGTYPE, Types
from tests.support.resp import Err


@pytest.fixture
def t():
    return Types()


def test_sadd_srem_membership(t):
    assert t("SADD", "s", "a", "b", "a") == 2
    assert t("SADD", "s", "b") == 0
    assert t("SCARD", "s") == 2
    assert t("SCARD", "nokey") == 0
    assert t("SISMEMBER", "s", "a") == 1
    assert t("SISMEMBER", "s", "z") == 0
    assert t("SISMEMBER", "nokey", "z") == 0
    assert t("SMISMEMBER", "s", "a", "z", "b") == [1, 0, 1]
    assert t("SMISMEMBER", "nokey", "a", "b") == [0, 0]
    assert t("SREM", "s", "a", "z") == 1
    assert t("SREM", "s", "zz") == 0
    assert t("SREM", "nokey", "a") == 0
    assert t("SREM", "s", "b") == 1
    assert t("EXISTS", "s") == 0
    assert t("TYPE", "s") == "none"


def test_intset_members_come_back_in_numeric_order(t):
    t("SADD", "n", 5, -1, 10, 0, 3)
    assert t("OBJECT", "ENCODING", "n") == b"intset"
    assert t("SMEMBERS", "n") == [b"-1", b"0", b"3", b"5", b"10"]
    assert t("SSCAN", "n", 0) == [b"0", [b"-1", b"0", b"3", b"5", b"10"]]
    assert t("SORT", "n", "BY", "nosort") == [b"-1", b"0", b"3", b"5", b"10"]


def test_intset_thresholds_and_non_canonical_integers():
    t = Types("--set-max-intset-entries", "3")
    t("SADD", "s", 1, 2, 3)
    assert t("OBJECT", "ENCODING", "s") == b"intset"
    t("SADD", "s", 3)
    assert t("OBJECT", "ENCODING", "s") == b"intset"
    t("SADD", "s", 4)
    assert t("OBJECT", "ENCODING", "s") == b"hashtable"
    t("SREM", "s", 1, 2, 3)
    assert t("OBJECT", "ENCODING", "s") == b"hashtable"  # sticky
    for member in ("007", "+1", " 1", "1.0", "9223372036854775808", "-0", "a"):
        t("DEL", "x")
        t("SADD", "x", member)
        assert t("OBJECT", "ENCODING", "x") == b"hashtable", member
    for member in ("9223372036854775807", "-9223372036854775808", "0", "-5"):
        t("DEL", "x")
        t("SADD", "x", member)
        assert t("OBJECT", "ENCODING", "x") == b"intset", member
    t("SADD", "y", 1, 2)
    t("SADD", "z", 3, 4)
    t("SUNIONSTORE", "u", "y", "z")
    assert t("OBJECT", "ENCODING", "u") == b"hashtable"
    t("SINTERSTORE", "u", "y", "y")
    assert t("OBJECT", "ENCODING", "u") == b"intset"


def test_wrongtype(t):
    t("SET", "str", "x")
    t("SADD", "s", "a")
    for args in (
        ("SADD", "str", "a"), ("SREM", "str", "a"), ("SCARD", "str"), ("SISMEMBER", "str", "a"),
        ("SMISMEMBER", "str", "a"), ("SMEMBERS", "str"), ("SRANDMEMBER", "str"), ("SRANDMEMBER", "str", 2),
        ("SPOP", "str"), ("SPOP", "str", 2), ("SSCAN", "str", 0), ("SINTER", "s", "str"),
        ("SINTER", "nokey", "str"), ("SUNION", "str"), ("SDIFF", "nokey", "str"), ("SINTERSTORE", "d", "str"),
        ("SUNIONSTORE", "d", "s", "str"), ("SDIFFSTORE", "d", "str"), ("SINTERCARD", 1, "str"),
        ("SMOVE", "str", "s", "a"), ("SMOVE", "s", "str", "a"),
    ):
        assert t(*args) == Err(WRONGTYPE), args
    assert t("SMOVE", "nokey", "str", "a") == 0  # missing source answers first


def test_set_algebra(t):
    t("SADD", "a", 1, 2, 3)
    t("SADD", "b", 2, 3, 4)
    t("SADD", "c", "x", 3)
    assert t("SINTER", "a", "b") == [b"2", b"3"]
    assert t("SINTER", "a", "b", "c") == [b"3"]
    assert t("SINTER", "a", "nokey") == []
    assert t("SUNION", "a", "b") == [b"1", b"2", b"3", b"4"]
    assert t("SUNION", "nokey") == []
    assert sorted(t("SUNION", "a", "c")) == [b"1", b"2", b"3", b"x"]
    assert t("SDIFF", "a", "b") == [b"1"]
    assert t("SDIFF", "a", "nokey") == [b"1", b"2", b"3"]
    assert t("SDIFF", "nokey", "a") == []
    assert t("SDIFF", "a", "a") == []


def test_store_variants(t):
    t("SADD", "a", 1, 2, 3)
    t("SADD", "b", 2, 3, 4)
    t("SET", "d", "string")
    t("EXPIRE", "d", 100)
    assert t("SINTERSTORE", "d", "a", "b") == 2
    assert t("TTL", "d") == -1
    assert t("SMEMBERS", "d") == [b"2", b"3"]
    assert t("SUNIONSTORE", "d", "a", "b") == 4
    assert t("SDIFFSTORE", "d", "a", "b") == 1
    assert t("SMEMBERS", "d") == [b"1"]
    assert t("SDIFFSTORE", "a", "a", "d") == 2  # destination among the sources
    assert t("SMEMBERS", "a") == [b"2", b"3"]
    t.propagated()
    assert t("SINTERSTORE", "d", "a", "nokey") == 0
    assert t("EXISTS", "d") == 0
    assert t("SUNIONSTORE", "d", "nokey") == 0  # nothing to delete: not propagated
    assert t.propagated() == [[b"SINTERSTORE", b"d", b"a", b"nokey"]]


def test_sintercard(t):
    t("SADD", "a", 1, 2, 3, 4)
    t("SADD", "b", 2, 3, 4, 5)
    assert t("SINTERCARD", 2, "a", "b") == 3
    assert t("SINTERCARD", 2, "a", "b", "LIMIT", 2) == 2
    assert t("SINTERCARD", 2, "a", "b", "LIMIT", 0) == 3
    assert t("SINTERCARD", 1, "a", "LIMIT", 2) == 2
    assert t("SINTERCARD", 2, "a", "nokey") == 0
    assert t("SINTERCARD", 0, "a") == Err("ERR numkeys should be greater than 0")
    assert t("SINTERCARD", "x", "a") == Err("ERR numkeys should be greater than 0")
    assert t("SINTERCARD", 2, "a") == Err("ERR Number of keys can't be greater than number of args")
    assert t("SINTERCARD", 1, "a", "LIMIT", -1) == Err("ERR LIMIT can't be negative")
    assert t("SINTERCARD", 1, "a", "LIMIT", "x") == Err("ERR LIMIT can't be negative")
    assert t("SINTERCARD", 1, "a", "LIMIT") == Err("ERR syntax error")
    assert t("SINTERCARD", 1, "a", "FOO", 1) == Err("ERR syntax error")
    assert t("COMMAND", "GETKEYS", "SINTERCARD", 2, "a", "b", "LIMIT", 1) == [b"a", b"b"]


def test_smove(t):
    t("SADD", "a", 1, 2)
    t("SADD", "b", 2)
    assert t("SMOVE", "a", "b", 1) == 1
    assert t("SMOVE", "a", "b", 1) == 0
    assert t("SMOVE", "a", "b", 2) == 1  # already in b: only removed from a
    assert t("EXISTS", "a") == 0
    assert t("SMEMBERS", "b") == [b"1", b"2"]
    assert t("SMOVE", "b", "b", 2) == 1
    assert t("SMOVE", "b", "b", 9) == 0
    assert t("SMOVE", "nokey", "b", 1) == 0
    assert t("SMOVE", "b", "new", "x") == 0
    assert t("SMOVE", "b", "new", 1) == 1
    assert t("SMEMBERS", "new") == [b"1"]


def test_spop(t):
    t("SADD", "s", *range(10))
    popped = t("SPOP", "s")
    assert popped in [str(i).encode() for i in range(10)]
    assert t("SISMEMBER", "s", popped) == 0
    three = t("SPOP", "s", 3)
    assert len(set(three)) == 3
    assert t("SCARD", "s") == 6
    assert t("SPOP", "s", 0) == []
    assert t("SPOP", "nokey") is None
    assert t("SPOP", "nokey", 2) == []
    assert t("SPOP", "s", -1) == Err("ERR value is out of range, must be positive")
    assert t("SPOP", "s", "x") == Err("ERR value is out of range, must be positive")
    assert t("SPOP", "s", 1, 2) == Err("ERR syntax error")
    rest = t("SPOP", "s", 100)
    assert len(rest) == 6
    assert t("EXISTS", "s") == 0
    assert sorted({popped, *three, *rest}) == sorted(str(i).encode() for i in range(10))


def test_spop_propagates_srem_or_del(t):
    t("SADD", "s", "a", "b", "c")
    t.propagated()
    m = t("SPOP", "s")
    assert t.propagated() == [[b"SREM", b"s", m]]
    two = t("SPOP", "s", 1)
    assert t.propagated() == [[b"SREM", b"s", two[0]]]
    t("SADD", "s", "x", "y", "z")
    t.propagated()
    got = t("SPOP", "s", 2)
    stream = t.propagated()
    assert stream[0] == [b"MULTI"] and stream[-1] == [b"EXEC"]
    assert stream[1:-1] == [[b"SREM", b"s", got[0]], [b"SREM", b"s", got[1]]]
    t("SPOP", "s", 5)
    assert t.propagated() == [[b"DEL", b"s"]]
    t("SPOP", "s")
    t("SPOP", "s", 0)
    assert t.propagated() == []


def test_spop_and_srandmember_are_random(t):
    t("SADD", "s", *range(50))
    firsts = Counter()
    for _ in range(300):
        firsts[t("SRANDMEMBER", "s")] += 1
    assert len(firsts) > 30
    pops = set()
    for _ in range(20):
        t("DEL", "x")
        t("SADD", "x", *range(50))
        pops.add(t("SPOP", "x"))
    assert len(pops) > 3


def test_srandmember_counts(t):
    t("SADD", "s", "a", "b", "c")
    assert t("SRANDMEMBER", "s") in (b"a", b"b", b"c")
    assert t("SRANDMEMBER", "nokey") is None
    assert t("SRANDMEMBER", "nokey", 5) == []
    assert t("SRANDMEMBER", "s", 0) == []
    assert sorted(t("SRANDMEMBER", "s", 3)) == [b"a", b"b", b"c"]
    assert sorted(t("SRANDMEMBER", "s", 10)) == [b"a", b"b", b"c"]
    two = t("SRANDMEMBER", "s", 2)
    assert len(set(two)) == 2
    many = t("SRANDMEMBER", "s", -10)
    assert len(many) == 10 and set(many) <= {b"a", b"b", b"c"}
    assert t("SCARD", "s") == 3
    assert t("SRANDMEMBER", "s", "x") == Err("ERR value is not an integer or out of range")
    assert t("SRANDMEMBER", "s", 1, 2) == Err("ERR syntax error")
    assert t("SRANDMEMBER", "s", -9223372036854775808) == Err(
        "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
    )


def test_random_pool_follows_changes(t):
    t("SADD", "s", *range(100))
    t("SRANDMEMBER", "s")
    t("SREM", "s", *range(50))
    for _ in range(200):
        assert int(t("SRANDMEMBER", "s")) >= 50
    t("SADD", "s", "new")
    seen = {t("SRANDMEMBER", "s") for _ in range(2000)}
    assert b"new" in seen
    popped = [t("SPOP", "s") for _ in range(51)]
    assert sorted(popped) == sorted([b"new"] + [b"%d" % i for i in range(50, 100)])
    assert t("EXISTS", "s") == 0


def test_resp3_set_replies(t):
    t("SADD", "s", 1, 2)
    assert t.resp3("SMEMBERS", "s") == b"~2\r\n$1\r\n1\r\n$1\r\n2\r\n"
    assert t.resp3("SINTER", "s", "s") == b"~2\r\n$1\r\n1\r\n$1\r\n2\r\n"
    assert t.resp3("SUNION", "nokey") == b"~0\r\n"
    assert t.resp3("SDIFF", "s", "s") == b"~0\r\n"
    assert t.resp3("SPOP", "s", 0) == b"~0\r\n"
    assert t.resp3("SPOP", "nokey", 2) == b"~0\r\n"
    assert t.resp3("SRANDMEMBER", "s", 5) == b"*2\r\n$1\r\n1\r\n$1\r\n2\r\n"  # an array
    assert t.resp3("SPOP", "nokey") == b"_\r\n"
    assert t.resp3("SPOP", "s", 5) == b"~2\r\n$1\r\n1\r\n$1\r\n2\r\n"


def test_sscan(t):
    t("SADD", "s", *("m%d" % i for i in range(1000)))
    assert t("OBJECT", "ENCODING", "s") == b"hashtable"
    cursor, seen, calls = b"0", set(), 0
    while True:
        cursor, items = t("SSCAN", "s", cursor, "COUNT", 100)
        seen.update(items)
        calls += 1
        if cursor == b"0":
            break
    assert calls > 5 and len(seen) == 1000
    cursor, items = t("SSCAN", "s", 0, "MATCH", "m99?", "COUNT", 10000)
    assert cursor == b"0" and sorted(items) == [b"m99%d" % i for i in range(10)]
    assert t("SSCAN", "nokey", 0, "COUNT", 0) == [b"0", []]
    assert t("SSCAN", "s", 0, "COUNT", 0) == Err("ERR syntax error")
    assert t("SSCAN", "s", "abc") == Err("ERR invalid cursor")


def test_stale_random_pool_never_returns_a_missing_member(t):
    """Code outside the set commands (RDB load, RESTORE …) may change a set
    without dropping its pool; picks are checked against the set."""
    t("SADD", "s", "a", "b", "c")
    t("SRANDMEMBER", "s")  # builds the pool
    s = t.client.db.data[b"s"]
    s.discard(b"a")
    s.add(b"z")  # same size: the pool still lists "a"
    for _ in range(100):
        assert t("SRANDMEMBER", "s") != b"a"
        assert b"a" not in t("SRANDMEMBER", "s", 2)
        assert b"a" not in t("SRANDMEMBER", "s", -5)
    assert sorted(t("SPOP", "s", 3)) == [b"b", b"c", b"z"]
