"""SORT and SORT_RO in-process: numeric and ALPHA ordering, BY patterns
(keys, hash fields, nosort), LIMIT edge cases, GET patterns, STORE, the
score-conversion error and key extraction. Parity with redis-server:
tests/compat/."""

from __future__ import annotations

import pytest
from tests.support.inprocess import WRONGTYPE, Types
from tests.support.resp import Err

from radish.commands.sort import lookup_by_pattern, strtod_score

CONVERT = Err("ERR One or more scores can't be converted into double")


@pytest.fixture
def t():
    t = Types()
    t("RPUSH", "l", 3, 1, 2, 10, -5, 2.5)
    return t


def test_numeric_and_alpha(t):
    assert t("SORT", "l") == [b"-5", b"1", b"2", b"2.5", b"3", b"10"]
    assert t("SORT", "l", "DESC") == [b"10", b"3", b"2.5", b"2", b"1", b"-5"]
    assert t("SORT", "l", "ALPHA") == [b"-5", b"1", b"10", b"2", b"2.5", b"3"]
    assert t("SORT", "l", "alpha", "desc") == [b"3", b"2.5", b"2", b"10", b"1", b"-5"]
    assert t("SORT", "l", "DESC", "ASC") == t("SORT", "l")
    assert t("SORT_RO", "l") == t("SORT", "l")
    assert t("SORT", "nokey") == []


def test_equal_scores_are_ordered_by_the_elements(t):
    t("RPUSH", "e", "1.0", "01", "1", "1e0")
    assert t("SORT", "e") == [b"01", b"1", b"1.0", b"1e0"]
    assert t("SORT", "e", "DESC") == [b"1e0", b"1.0", b"1", b"01"]


def test_limit(t):
    assert t("SORT", "l", "LIMIT", 1, 2) == [b"1", b"2"]
    assert t("SORT", "l", "LIMIT", -1, 2) == [b"-5", b"1"]
    assert t("SORT", "l", "LIMIT", 2, -1) == [b"2", b"2.5", b"3", b"10"]
    assert t("SORT", "l", "LIMIT", 10, 2) == []
    assert t("SORT", "l", "LIMIT", 0, 0) == []
    assert t("SORT", "l", "LIMIT", 5, 100) == [b"10"]
    assert t("SORT", "l", "LIMIT", "x", 1) == Err("ERR value is not an integer or out of range")
    assert t("SORT", "l", "LIMIT", 1, "x") == Err("ERR value is not an integer or out of range")
    assert t("SORT", "l", "LIMIT", 1) == Err("ERR syntax error")


def test_syntax_errors_and_wrongtype(t):
    assert t("SORT", "l", "FOO") == Err("ERR syntax error")
    assert t("SORT", "l", "STORE") == Err("ERR syntax error")
    assert t("SORT", "l", "BY") == Err("ERR syntax error")
    assert t("SORT", "l", "GET") == Err("ERR syntax error")
    assert t("SORT_RO", "l", "STORE", "d") == Err("ERR syntax error")
    t("SET", "str", "x")
    t("HSET", "h", "a", "b")
    assert t("SORT", "str") == Err(WRONGTYPE)
    assert t("SORT_RO", "h") == Err(WRONGTYPE)
    assert t("SORT", "str", "FOO") == Err("ERR syntax error")  # options first


def test_by_external_keys_and_hash_fields(t):
    t("MSET", "w_3", 30, "w_1", 10, "w_2", 20, "w_10", 5, "w_-5", 0)
    assert t("SORT", "l", "BY", "w_*") == [b"-5", b"2.5", b"10", b"1", b"2", b"3"]
    assert t("SORT", "l", "BY", "w_*", "DESC") == [b"3", b"2", b"1", b"10", b"2.5", b"-5"]
    t("HSET", "h_3", "f", "c")
    t("HSET", "h_1", "f", "a")
    t("HSET", "h_2", "f", "b")
    assert t("SORT", "l", "BY", "h_*->f", "ALPHA") == [b"10", b"-5", b"2.5", b"1", b"2", b"3"]
    assert t("SORT", "l", "BY", "h_*->f") == CONVERT
    # A hash pattern on string keys (and a string pattern on hashes) reads nothing.
    assert t("SORT", "l", "BY", "w_*->f") == [b"-5", b"1", b"10", b"2", b"2.5", b"3"]


def test_by_nosort_keeps_native_order(t):
    assert t("SORT", "l", "BY", "nosort") == [b"3", b"1", b"2", b"10", b"-5", b"2.5"]
    assert t("SORT", "l", "BY", "nosort", "DESC") == [b"2.5", b"-5", b"10", b"2", b"1", b"3"]
    assert t("SORT", "l", "BY", "nosort", "LIMIT", 1, 2) == [b"1", b"2"]
    assert t("SORT", "l", "BY", "nosort", "DESC", "LIMIT", 1, 2) == [b"-5", b"10"]
    t("RPUSH", "bad", "a", "1")
    assert t("SORT", "bad", "BY", "nosort") == [b"a", b"1"]  # no scores read


def test_get_patterns(t):
    t("MSET", "w_3", 30, "w_1", 10)
    t("HSET", "h_2", "f", "b")
    assert t("SORT", "l", "LIMIT", 0, 4, "GET", "#", "GET", "w_*", "GET", "h_*->f") == [
        b"-5", None, None, b"1", b"10", None, b"2", None, b"b", b"2.5", None, None,
    ]
    assert t("SORT", "l", "GET", "nostar", "LIMIT", 0, 1) == [None]
    assert t("SORT", "l", "GET", "h_*->", "LIMIT", 0, 1) == [None]


def test_store(t):
    t("HSET", "h_2", "f", "b")
    t("SET", "dst", "x")
    t("EXPIRE", "dst", 100)
    assert t("SORT", "l", "STORE", "dst") == 6
    assert t("TYPE", "dst") == "list"
    assert t("TTL", "dst") == -1
    assert t("LRANGE", "dst", 0, -1) == [b"-5", b"1", b"2", b"2.5", b"3", b"10"]
    assert t("SORT", "l", "GET", "h_*->f", "STORE", "dst", "LIMIT", 1, 2) == 2
    assert t("LRANGE", "dst", 0, -1) == [b"", b"b"]  # missing GET values stored as ""
    t.propagated()
    assert t("SORT", "nokey", "STORE", "dst") == 0
    assert t("EXISTS", "dst") == 0
    assert t("SORT", "nokey", "STORE", "dst") == 0
    assert t.propagated() == [[b"SORT", b"nokey", b"STORE", b"dst"]]
    t("RPUSH", "bad", "a")
    assert t("SORT", "bad", "STORE", "dst2") == CONVERT
    assert t("EXISTS", "dst2") == 0


def test_sets_without_sort_are_forced_into_alpha_order_when_stored(t):
    t("SADD", "s", "b", "c", "a")
    assert t("SORT", "s", "BY", "nosort", "STORE", "d") == 3
    assert t("LRANGE", "d", 0, -1) == [b"a", b"b", b"c"]
    assert t("SORT", "s", "ALPHA") == [b"a", b"b", b"c"]
    t("SADD", "n", 10, 9, 100)
    assert t("SORT", "n") == [b"9", b"10", b"100"]
    assert t("SORT", "n", "BY", "nosort", "STORE", "d") == 3
    assert t("LRANGE", "d", 0, -1) == [b"10", b"100", b"9"]


def test_score_conversion(t):
    for bad in ("a", " 1 ", "1 ", "nan", "1e400", "1e-400", "0x", "1x"):
        t("DEL", "b")
        t("RPUSH", "b", bad)
        assert t("SORT", "b") == CONVERT, bad
    t("DEL", "b")
    t("RPUSH", "b", "", " 1", "0x10", "1e3", "inf", "-inf", "\t-2")
    assert t("SORT", "b") == [b"-inf", b"\t-2", b"", b" 1", b"0x10", b"1e3", b"inf"]


def test_strtod_score():
    assert strtod_score(b"") == 0.0
    assert strtod_score(b" 1.5") == 1.5
    assert strtod_score(b"0x1p4") == 16.0
    assert strtod_score(b"-0X.8") == -0.5
    assert strtod_score(b"INFINITY") == float("inf")
    assert strtod_score(b"1\x00junk") == 1.0  # the C string ends at NUL
    assert strtod_score(b"1e308") == 1e308
    for bad in (b"1e309", b"nan", b"NaN(1)", b"1 ", b"--1", b".", b"e5", b"2.2e-310"):
        assert strtod_score(bad) is None, bad


def test_lookup_by_pattern():
    t = Types()
    t("SET", "k_a", "1")
    t("HSET", "h_a", "f->g", "2", "f", "3")
    db = t.client.db
    assert lookup_by_pattern(db, b"#", b"a") == b"a"
    assert lookup_by_pattern(db, b"k_*", b"a") == b"1"
    assert lookup_by_pattern(db, b"h_*->f->g", b"a") == b"2"
    assert lookup_by_pattern(db, b"h_*->f", b"a") == b"3"
    assert lookup_by_pattern(db, b"h_*", b"a") is None
    assert lookup_by_pattern(db, b"k_*->f", b"a") is None
    assert lookup_by_pattern(db, b"nostar", b"a") is None


def test_getkeys_include_store(t):
    assert t("COMMAND", "GETKEYS", "SORT", "l") == [b"l"]
    assert t("COMMAND", "GETKEYS", "SORT", "l", "STORE", "a", "BY", "x", "GET", "store", "STORE", "b") == [b"l", b"b"]
    assert t("COMMAND", "GETKEYS", "SORT", "l", "LIMIT", "store", "x", "STORE", "d") == [b"l", b"d"]
    assert t("COMMAND", "GETKEYS", "SORT_RO", "l", "STORE", "d") == [b"l"]
    info = t("COMMAND", "INFO", "sort", "sort_ro")
    assert info[0][2] == ["write", "denyoom", "movablekeys"]
    assert info[1][2] == ["readonly", "movablekeys"]
