"""Hash commands in-process: replies, every error text, encodings at the
listpack thresholds, HRANDFIELD counts, HSCAN, RESP3 shapes and what is
propagated. Parity with redis-server: tests/compat/."""

from __future__ import annotations

import pytest
from tests.support.inprocess import WRONGTYPE, Types
from tests.support.resp import Err


@pytest.fixture
def t():
    return Types()


def test_hset_hget_family(t):
    assert t("HSET", "h", "a", "1", "b", "2") == 2
    assert t("HSET", "h", "a", "9", "c", "3") == 1
    assert t("HGET", "h", "a") == b"9"
    assert t("HGET", "h", "zz") is None
    assert t("HGET", "nokey", "a") is None
    assert t("HMGET", "h", "a", "zz", "c") == [b"9", None, b"3"]
    assert t("HMGET", "nokey", "a", "b") == [None, None]
    assert t("HGETALL", "h") == [b"a", b"9", b"b", b"2", b"c", b"3"]
    assert t("HKEYS", "h") == [b"a", b"b", b"c"]
    assert t("HVALS", "h") == [b"9", b"2", b"3"]
    assert t("HLEN", "h") == 3
    assert t("HLEN", "nokey") == 0
    assert t("HEXISTS", "h", "a") == 1
    assert t("HEXISTS", "h", "zz") == 0
    assert t("HSTRLEN", "h", "a") == 1
    assert t("HSTRLEN", "h", "zz") == 0
    assert t("HGETALL", "nokey") == []
    assert t("HKEYS", "nokey") == []
    assert t("TYPE", "h") == "hash"


def test_hset_arity_and_hmset(t):
    assert t("HSET", "h", "a", "1", "b") == Err("ERR wrong number of arguments for 'hset' command")
    assert t("HMSET", "h", "a", "1", "b") == Err("ERR wrong number of arguments for 'hmset' command")
    assert t("HSET", "h", "a") == Err("ERR wrong number of arguments for 'hset' command")
    assert t("HMSET", "h", "a", "1", "b", "2") == "OK"
    assert t("HGETALL", "h") == [b"a", b"1", b"b", b"2"]


def test_hsetnx(t):
    assert t("HSETNX", "h", "f", "v") == 1
    assert t("HSETNX", "h", "f", "w") == 0
    assert t("HGET", "h", "f") == b"v"


def test_hdel_deletes_empty_hash(t):
    t("HSET", "h", "a", 1, "b", 2)
    assert t("HDEL", "h", "a", "zz") == 1
    assert t("HDEL", "h", "zz") == 0
    assert t("HDEL", "nokey", "a") == 0
    assert t("HDEL", "h", "b", "b") == 1
    assert t("EXISTS", "h") == 0


def test_wrongtype(t):
    t("SET", "s", "x")
    for args in (
        ("HSET", "s", "a", "b"), ("HMSET", "s", "a", "b"), ("HSETNX", "s", "a", "b"), ("HGET", "s", "a"),
        ("HMGET", "s", "a"), ("HGETALL", "s"), ("HKEYS", "s"), ("HVALS", "s"), ("HLEN", "s"),
        ("HEXISTS", "s", "a"), ("HSTRLEN", "s", "a"), ("HDEL", "s", "a"), ("HINCRBY", "s", "a", 1),
        ("HINCRBYFLOAT", "s", "a", 1), ("HRANDFIELD", "s"), ("HRANDFIELD", "s", 2), ("HSCAN", "s", 0),
    ):
        assert t(*args) == Err(WRONGTYPE), args


def test_hincrby(t):
    assert t("HINCRBY", "h", "n", 5) == 5
    assert t("HINCRBY", "h", "n", -10) == -5
    t("HSET", "h", "s", "abc", "max", "9223372036854775807", "min", "-9223372036854775808")
    assert t("HINCRBY", "h", "s", 1) == Err("ERR hash value is not an integer")
    assert t("HINCRBY", "h", "n", "x") == Err("ERR value is not an integer or out of range")
    assert t("HINCRBY", "h", "max", 1) == Err("ERR increment or decrement would overflow")
    assert t("HINCRBY", "h", "min", -1) == Err("ERR increment or decrement would overflow")
    assert t("HINCRBY", "h", "max", -1) == 9223372036854775806


def test_hincrbyfloat(t):
    assert t("HINCRBYFLOAT", "h", "f", "1.5") == b"1.5"
    assert t("HINCRBYFLOAT", "h", "f", "1e2") == b"101.5"
    assert t("HINCRBYFLOAT", "h", "f", "0x10") == b"117.5"
    t("HSET", "h", "i", "10")
    assert t("HINCRBYFLOAT", "h", "i", "0.1") == b"10.1"
    assert t("HINCRBYFLOAT", "h", "f", "inf") == Err("ERR value is NaN or Infinity")
    assert t("HINCRBYFLOAT", "h", "f", "-Infinity") == Err("ERR value is NaN or Infinity")
    assert t("HINCRBYFLOAT", "h", "f", "nan") == Err("ERR value is not a valid float")
    assert t("HINCRBYFLOAT", "h", "f", "abc") == Err("ERR value is not a valid float")
    assert t("HINCRBYFLOAT", "h", "f", " 1") == Err("ERR value is not a valid float")
    t("HSET", "h", "s", "abc", "inf", "inf")
    assert t("HINCRBYFLOAT", "h", "s", 1) == Err("ERR hash value is not a float")
    assert t("HINCRBYFLOAT", "h", "inf", 1) == Err("ERR increment would produce NaN or Infinity")
    # An invalid increment does not create the key.
    assert t("HINCRBYFLOAT", "new", "f", "x") == Err("ERR value is not a valid float")
    assert t("EXISTS", "new") == 0


def test_hincrbyfloat_is_propagated_as_hset(t):
    t("HINCRBYFLOAT", "h", "f", "2.5")
    t("HINCRBY", "h", "n", 3)
    assert t.propagated() == [[b"HSET", b"h", b"f", b"2.5"], [b"HINCRBY", b"h", b"n", b"3"]]


def test_listpack_thresholds():
    t = Types("--hash-max-listpack-entries", "4", "--hash-max-listpack-value", "8")
    t("HSET", "h", "a", 1, "b", 2, "c", 3, "d", 4)
    assert t("OBJECT", "ENCODING", "h") == b"listpack"
    t("HSET", "h", "e", 5)
    assert t("OBJECT", "ENCODING", "h") == b"hashtable"
    t("HDEL", "h", "a", "b", "c")
    assert t("OBJECT", "ENCODING", "h") == b"hashtable"  # never converts back
    t("HSET", "v", "f", "x" * 8)
    assert t("OBJECT", "ENCODING", "v") == b"listpack"
    t("HSET", "v", "f", "x" * 9)
    assert t("OBJECT", "ENCODING", "v") == b"hashtable"
    t("HSET", "w", "f" * 9, "x")
    assert t("OBJECT", "ENCODING", "w") == b"hashtable"
    # HSETNX converts only when it stores.
    t("HSET", "n", "f", "x")
    assert t("HSETNX", "n", "f", "y" * 9) == 0
    assert t("OBJECT", "ENCODING", "n") == b"listpack"
    assert t("HSETNX", "n", "g", "y" * 9) == 1
    assert t("OBJECT", "ENCODING", "n") == b"hashtable"
    # HINCRBY with a long field name converts what it stores.
    assert t("HINCRBY", "i", "f" * 9, 1) == 1
    assert t("OBJECT", "ENCODING", "i") == b"hashtable"
    t("CONFIG", "SET", "hash-max-listpack-entries", "0")
    t("HSET", "z", "a", 1)
    assert t("OBJECT", "ENCODING", "z") == b"hashtable"


def test_hrandfield(t):
    t("HSET", "h", "a", 1, "b", 2, "c", 3)
    assert t("HRANDFIELD", "h") in (b"a", b"b", b"c")
    assert t("HRANDFIELD", "nokey") is None
    assert t("HRANDFIELD", "nokey", 3) == []
    assert t("HRANDFIELD", "h", 0) == []
    assert t("HRANDFIELD", "h", 0, "WITHVALUES") == []
    assert t("HRANDFIELD", "h", 5) == [b"a", b"b", b"c"]  # all, in hash order
    assert t("HRANDFIELD", "h", 3, "withvalues") == [b"a", b"1", b"b", b"2", b"c", b"3"]
    two = t("HRANDFIELD", "h", 2)
    assert len(set(two)) == 2 and set(two) <= {b"a", b"b", b"c"}
    many = t("HRANDFIELD", "h", -20)
    assert len(many) == 20 and set(many) <= {b"a", b"b", b"c"}
    pairs = t("HRANDFIELD", "h", -6, "WITHVALUES")
    assert len(pairs) == 12
    for f, v in zip(pairs[::2], pairs[1::2], strict=True):
        assert {b"a": b"1", b"b": b"2", b"c": b"3"}[f] == v
    assert t("HRANDFIELD", "h", "x") == Err("ERR value is not an integer or out of range")
    assert t("HRANDFIELD", "h", 1, "foo") == Err("ERR syntax error")
    assert t("HRANDFIELD", "h", 1, "WITHVALUES", "x") == Err("ERR syntax error")
    assert t("HRANDFIELD", "h", -9223372036854775808) == Err(
        "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
    )
    assert t("HRANDFIELD", "h", -4611686018427387904, "WITHVALUES") == Err("ERR value is out of range")


def test_hrandfield_is_random_on_big_hashes(t):
    t("HSET", "h", *[x for i in range(300) for x in (i, i)])
    seen = set()
    for _ in range(200):
        seen.add(t("HRANDFIELD", "h"))
    assert len(seen) > 100
    sample = t("HRANDFIELD", "h", 50)
    assert len(set(sample)) == 50
    t("HDEL", "h", *sample)
    for _ in range(200):
        assert t("HRANDFIELD", "h") not in sample


def test_hrandfield_resp3_pairs(t):
    t("HSET", "h", "a", 1)
    assert t.resp3("HRANDFIELD", "h", 1, "WITHVALUES") == b"*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"
    assert t.resp3("HRANDFIELD", "h", -2, "WITHVALUES") == b"*2\r\n" + b"*2\r\n$1\r\na\r\n$1\r\n1\r\n" * 2
    assert t.resp3("HRANDFIELD", "nokey") == b"_\r\n"


def test_resp3_hgetall_is_a_map(t):
    t("HSET", "h", "a", 1, "b", 2)
    assert t.resp3("HGETALL", "h") == b"%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"
    assert t.resp3("HGETALL", "nokey") == b"%0\r\n"
    assert t.resp3("HKEYS", "h") == b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    assert t.resp3("HMGET", "h", "x") == b"*1\r\n_\r\n"


def test_hscan_small_hash_returns_everything_at_once(t):
    t("HSET", "h", "a", 1, "b", 2, "c", 3)
    assert t("HSCAN", "h", 0) == [b"0", [b"a", b"1", b"b", b"2", b"c", b"3"]]
    assert t("HSCAN", "h", 0, "COUNT", 1) == [b"0", [b"a", b"1", b"b", b"2", b"c", b"3"]]
    assert t("HSCAN", "h", 12345, "MATCH", "b*") == [b"0", [b"b", b"2"]]
    assert t("HSCAN", "nokey", 0) == [b"0", []]
    assert t("HSCAN", "nokey", 0, "COUNT", 0) == [b"0", []]  # options unchecked
    assert t("HSCAN", "h", 0, "COUNT", 0) == Err("ERR syntax error")
    assert t("HSCAN", "h", 0, "COUNT", -1) == Err("ERR syntax error")
    assert t("HSCAN", "h", 0, "COUNT", "x") == Err("ERR value is not an integer or out of range")
    assert t("HSCAN", "h", 0, "TYPE", "string") == Err("ERR syntax error")
    assert t("HSCAN", "h", 0, "MATCH") == Err("ERR syntax error")
    assert t("HSCAN", "h", "x") == Err("ERR invalid cursor")
    assert t("HSCAN", "nokey", "x") == Err("ERR invalid cursor")


def test_hscan_big_hash_iterates_with_a_cursor(t):
    t("HSET", "h", *[x for i in range(1000) for x in ("f%d" % i, "v%d" % i)])
    cursor, fields, calls = b"0", {}, 0
    while True:
        cursor, items = t("HSCAN", "h", cursor, "COUNT", 100)
        calls += 1
        for f, v in zip(items[::2], items[1::2], strict=True):
            fields[f] = v
        if cursor == b"0":
            break
        if calls == 3:
            t("HDEL", "h", "f999")  # deleted during the scan
    assert calls > 5
    assert len(fields) in (999, 1000)
    assert all(fields[f] == b"v" + f[1:] for f in fields)
    cursor, items = t("HSCAN", "h", 0, "MATCH", "f99*", "COUNT", 5000)
    assert cursor == b"0"
    assert sorted(items[::2]) == [b"f99"] + [b"f99%d" % i for i in range(9)]
