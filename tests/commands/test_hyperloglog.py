"""HyperLogLog commands through the dispatcher in-process: replies, the
stored bytes (Redis's representation), what is propagated, errors.
Byte-for-byte parity with redis-server is checked in
tests/compat/test_hyperloglog_compat.py; the figures asserted here were
read from redis-server 7.0.15 for the same commands."""

from __future__ import annotations

import pytest
from tests.support.inprocess import WRONGTYPE, Types

from radish.commands import hyperloglog as hllcmd
from radish.db import hyperloglog as hll

HLL_WRONGTYPE = "WRONGTYPE Key is not a valid HyperLogLog string value."
INVALID = "INVALIDOBJ Corrupted HLL object detected"


@pytest.fixture
def t():
    return Types()


def err(t, *args) -> str:
    r = t.raw(*args)
    assert r.startswith(b"-"), r
    return r[1:-2].decode()


def test_pfadd_pfcount_and_the_stored_bytes(t):
    assert t("PFADD", "h", "a", "b", "c") == 1
    v = t("GET", "h")
    assert v[:16] == b"HYLL\x01\x00\x00\x00" + bytes(7) + b"\x80"  # sparse, cache invalid
    assert v[16:] == bytes.fromhex("60f38050b1844bfb80425a")
    assert t("PFADD", "h", "a", "b") == 0
    assert t("PFCOUNT", "h") == 3
    assert t("GET", "h")[8:16] == b"\x03" + bytes(7)  # the cached cardinality
    assert t("PFCOUNT", "missing") == 0
    assert t("PFADD", "empty") == 1
    assert t("GET", "empty") == b"HYLL\x01\x00\x00\x00" + bytes(7) + b"\x80\x7f\xff"
    assert t("PFADD", "empty") == 0
    assert t("OBJECT", "ENCODING", "h") == b"raw"


def test_counts_and_dense_promotion_match_redis(t):
    assert t("PFADD", "big", *[b"%d" % i for i in range(10000)]) == 1
    v = t("GET", "big")
    assert len(v) == hll.DENSE_SIZE and v[4] == 0
    assert t("PFCOUNT", "big") == 9987
    assert t("GET", "big")[:16] == b"HYLL" + bytes(4) + b"\x03\x27" + bytes(6)
    t("PFADD", "s1", *[b"a%d" % i for i in range(100)])
    t("PFADD", "s2", *[b"b%d" % i for i in range(100)])
    assert (t("PFCOUNT", "s1"), t("PFCOUNT", "s2")) == (99, 100)
    assert len(t("GET", "s1")) == 286
    assert t("PFCOUNT", "s1", "s2", "big") == 10168
    assert t("PFMERGE", "m", "s1", "s2") == "OK"
    assert (t("PFCOUNT", "m"), len(t("GET", "m")), t("PFDEBUG", "ENCODING", "m")) == (199, 508, "sparse")
    assert t("PFMERGE", "m2", "s1", "big") == "OK"
    assert (t("PFCOUNT", "m2"), t("PFDEBUG", "ENCODING", "m2")) == (10081, "dense")


def test_hll_sparse_max_bytes_is_enforced(t):
    t("CONFIG", "SET", "hll-sparse-max-bytes", "100")
    t("PFADD", "p", *[b"a%d" % i for i in range(30)])
    assert len(t("GET", "p")) == hll.DENSE_SIZE
    assert t("PFDEBUG", "ENCODING", "p") == "dense"
    t("CONFIG", "SET", "hll-sparse-max-bytes", "3000")
    t("PFADD", "q", *[b"a%d" % i for i in range(30)])
    assert t("PFDEBUG", "ENCODING", "q") == "sparse"
    assert t("PFCOUNT", "p") == t("PFCOUNT", "q")


def test_propagation_and_dirty(t):
    t.propagated()
    t("PFADD", "h", "a")
    t("PFADD", "h", "a")  # nothing changed: not propagated
    assert t("PFCOUNT", "h") == 1  # cache written: propagated
    assert t("PFCOUNT", "h") == 1  # served from the cache
    t("PFADD", "g", "z")
    assert t("PFCOUNT", "h", "g") == 2  # union: nothing written
    t("PFMERGE", "m", "h", "g")
    assert t.propagated() == [
        [b"PFADD", b"h", b"a"],
        [b"PFCOUNT", b"h"],
        [b"PFADD", b"g", b"z"],
        [b"PFMERGE", b"m", b"h", b"g"],
    ]
    assert t("PFDEBUG", "TODENSE", "h") == 1
    assert t("PFDEBUG", "TODENSE", "h") == 0
    assert t("PFDEBUG", "GETREG", "g")[:3] == [0, 0, 0]
    assert t.propagated() == [[b"PFDEBUG", b"TODENSE", b"h"], [b"PFDEBUG", b"GETREG", b"g"]]


def test_watch_sees_the_cache_write(t):
    t("PFADD", "h", "a")
    t("WATCH", "h")
    t("PFCOUNT", "h")
    t("MULTI")
    t("PING")
    assert t("EXEC") is None


def test_errors(t):
    t("LPUSH", "l", "x")
    t("SET", "s", "not an hll")
    for cmd in (("PFADD", "l", "a"), ("PFCOUNT", "l"), ("PFCOUNT", "l", "s"), ("PFMERGE", "l"), ("PFDEBUG", "GETREG", "l")):
        assert err(t, *cmd) == WRONGTYPE
    for cmd in (("PFADD", "s", "a"), ("PFCOUNT", "s"), ("PFCOUNT", "s", "l"), ("PFMERGE", "d", "s"), ("PFDEBUG", "ENCODING", "s")):
        assert err(t, *cmd) == HLL_WRONGTYPE
    t("SET", "dense", b"HYLL" + bytes(20))  # dense of the wrong size
    assert err(t, "PFCOUNT", "dense") == HLL_WRONGTYPE
    t("SET", "enc", b"HYLL\x02" + bytes(11))
    assert err(t, "PFADD", "enc") == HLL_WRONGTYPE
    # A sparse value covering too few registers.
    t("SET", "bad", b"HYLL\x01" + bytes(10) + b"\x80" + b"\x7f\x00")
    assert err(t, "PFCOUNT", "bad") == INVALID
    assert err(t, "PFCOUNT", "bad", "s") == INVALID  # the first bad key decides
    assert t("PFADD", "bad", "a", "b") == 1  # both registers lie in the covered part, as in Redis
    assert t("PFADD", "bad", "zzz0") == 1
    assert err(t, "PFADD", "bad", *[b"x%d" % i for i in range(50)]) == INVALID
    assert t("GET", "bad")[16:] == bytes.fromhex("2f884e13844295b460c98442058849f480415b")  # as Redis leaves it
    assert err(t, "PFMERGE", "d", "bad") == INVALID
    assert t("EXISTS", "d") == 0
    assert err(t, "PFDEBUG", "TODENSE", "bad") == INVALID
    assert err(t, "PFDEBUG", "GETREG", "missing") == "ERR The specified key does not exist"
    assert err(t, "PFDEBUG", "nope", "missing") == "ERR The specified key does not exist"
    t("PFADD", "h", "a")
    assert err(t, "PFDEBUG", "nope", "h") == "ERR Unknown PFDEBUG subcommand 'nope'"
    t("PFDEBUG", "TODENSE", "h")
    assert err(t, "PFDEBUG", "DECODE", "h") == "ERR HLL encoding is not sparse"
    assert err(t, "PFADD") == "ERR wrong number of arguments for 'pfadd' command"
    assert err(t, "PFDEBUG", "GETREG") == "ERR wrong number of arguments for 'pfdebug' command"
    assert err(t, "PFSELFTEST", "x") == "ERR wrong number of arguments for 'pfselftest' command"


def test_corrupt_value_after_setrange(t):
    t("PFADD", "h", "a", "b", "c")
    t("SETRANGE", "h", "16", b"\x3f")  # the first XZERO becomes a ZERO of 64
    assert err(t, "PFCOUNT", "h") == INVALID


def test_pfdebug_decode_getreg(t):
    t("PFADD", "h", "a", "b", "c")
    assert t("PFDEBUG", "DECODE", "h") == b"Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603"
    assert t("PFDEBUG", "encoding", "h") == "sparse"
    regs = t("PFDEBUG", "GETREG", "h")
    assert len(regs) == 16384 and sorted(regs)[-3:] == [1, 1, 2]
    assert regs[8436] == 1 and regs[8436 + 1 + 4274] == 2
    assert t("PFDEBUG", "ENCODING", "h") == "dense"
    assert t("PFCOUNT", "h") == 3


def test_resp3(t):
    t("PFADD", "h", "a")
    assert t.resp3("PFDEBUG", "ENCODING", "h") == b"+sparse\r\n"
    assert t.resp3("PFCOUNT", "h") == b":1\r\n"


def test_restored_value_counts(t):
    t("PFADD", "h", *[b"e%d" % i for i in range(500)])
    dump = t("DUMP", "h")
    t("RESTORE", "copy", "0", dump)
    assert t("PFCOUNT", "copy") == t("PFCOUNT", "h")
    assert t("GET", "copy") == t("GET", "h")


def test_pfselftest(t, monkeypatch):
    monkeypatch.setattr(hllcmd, "SELFTEST_CYCLES", 2)
    monkeypatch.setattr(hllcmd, "SELFTEST_ELEMENTS", 20_000)
    assert t("PFSELFTEST") == "OK"


def test_commands_are_declared_as_in_redis(t):
    info = {row[0]: row[1:7] for row in t("COMMAND", "INFO", "pfadd", "pfcount", "pfmerge", "pfdebug", "pfselftest")}
    assert info[b"pfadd"] == [-2, ["write", "denyoom", "fast"], 1, 1, 1, ["@write", "@hyperloglog", "@fast"]]
    assert info[b"pfcount"] == [-2, ["readonly"], 1, -1, 1, ["@read", "@hyperloglog", "@slow"]]
    assert info[b"pfmerge"] == [-2, ["write", "denyoom"], 1, -1, 1, ["@write", "@hyperloglog", "@slow"]]
    assert info[b"pfdebug"][:2] == [3, ["write", "denyoom", "admin"]]
    assert info[b"pfselftest"][:2] == [1, ["admin"]]
