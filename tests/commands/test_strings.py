"""String commands through the dispatcher in-process (replies, what is
propagated to replicas and the AOF, access times with an injected clock)
and over TCP. Exact parity with redis-server is checked in
tests/compat/test_strings_keys_compat.py."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
import redis
from tests.support.inprocess import T0, Clocked
from tests.support.resp import commands_of

from radish.commands.strings import incr_long_double
from radish.errors import CommandError
from radish.strconv import format_long_double, string2ld


@pytest.fixture
def h():
    return Clocked()


def ms(t: int) -> bytes:
    return b"%d" % t


# -- replies ----------------------------------------------------------------------


def test_set_get_and_options(h):
    assert h.run("SET", "k", "v") == b"+OK\r\n"
    assert h.run("GET", "k") == b"$1\r\nv\r\n"
    assert h.run("SET", "k", "w", "NX") == b"$-1\r\n"
    assert h.run("SET", "k", "w", "XX", "GET") == b"$1\r\nv\r\n"
    assert h.run("SET", "k", "x", "NX", "GET") == b"$1\r\nw\r\n"  # NX fails, old value
    assert h.run("SET", "new", "x", "XX", "GET") == b"$-1\r\n"
    assert h.run("EXISTS", "new") == b":0\r\n"
    assert h.run("SET", "k", "v", "EX", "10", "EX", "20") == b"+OK\r\n"  # repeats allowed
    assert h.run("TTL", "k") == b":20\r\n"
    assert h.run("SET", "k", "v", "EX", "10", "PX", "10") == b"-ERR syntax error\r\n"
    assert h.run("SET", "k", "v", "KEEPTTL", "EX", "10") == b"-ERR syntax error\r\n"
    assert h.run("SET", "k", "v", "NX", "XX") == b"-ERR syntax error\r\n"
    assert h.run("SET", "k", "v", "EX", "0") == b"-ERR invalid expire time in 'set' command\r\n"
    assert h.run("SET", "k", "v", "EX", "x") == b"-ERR value is not an integer or out of range\r\n"
    assert h.run("SET", "k", "v", "EX", "9223372036854774") == b"-ERR invalid expire time in 'set' command\r\n"


def test_set_keepttl_and_plain_set_clears_ttl(h):
    h.run("SET", "k", "v", "EX", "100")
    h.run("SET", "k", "w", "KEEPTTL")
    assert h.run("PTTL", "k") == b":100000\r\n"
    h.run("SET", "k", "x")
    assert h.run("TTL", "k") == b":-1\r\n"


def test_set_get_on_wrong_type_is_an_error_and_changes_nothing(h):
    h.server.keyspace.dbs[0].add(b"l", _list_value())
    assert h.run("SET", "l", "x", "GET").startswith(b"-WRONGTYPE")
    assert h.run("TYPE", "l") == b"+list\r\n"
    assert h.run("SET", "l", "x") == b"+OK\r\n"  # without GET it overwrites
    assert h.run("GET", "l") == b"$1\r\nx\r\n"


def _list_value():
    from radish.db.types import ListValue

    return ListValue([b"a"])


def test_getex_validates_expire_only_for_existing_string(h):
    assert h.run("GETEX", "nokey", "EX", "abc") == b"$-1\r\n"
    assert h.run("GETEX", "nokey", "EX", "0") == b"$-1\r\n"
    h.run("SET", "k", "v")
    assert h.run("GETEX", "k", "EX", "0") == b"-ERR invalid expire time in 'getex' command\r\n"
    assert h.run("GETEX", "k", "PERSIST", "EX", "1") == b"-ERR syntax error\r\n"
    assert h.run("GETEX", "k", "PERSIST", "PERSIST") == b"$1\r\nv\r\n"
    assert h.run("GETEX", "k", "PX", "1500") == b"$1\r\nv\r\n"
    assert h.run("PTTL", "k") == b":1500\r\n"
    assert h.run("GETEX", "k", "PXAT", "1") == b"$1\r\nv\r\n"  # past: deleted after the reply
    assert h.run("EXISTS", "k") == b":0\r\n"


def test_integer_counters_and_overflow(h):
    assert h.run("INCR", "n") == b":1\r\n"
    assert h.run("INCRBY", "n", "-11") == b":-10\r\n"
    assert h.run("DECRBY", "n", "5") == b":-15\r\n"
    h.run("SET", "n", "9223372036854775807")
    assert h.run("INCR", "n") == b"-ERR increment or decrement would overflow\r\n"
    assert h.run("DECRBY", "n", "-9223372036854775808") == b"-ERR decrement would overflow\r\n"
    h.run("SET", "n", " 1")
    assert h.run("INCR", "n") == b"-ERR value is not an integer or out of range\r\n"
    h.run("SET", "t", "5", "EX", "100")
    h.run("INCR", "t")
    assert h.run("TTL", "t") == b":100\r\n"  # counters keep the TTL


def test_incrbyfloat_formats_like_long_double(h):
    cases = [("10.5", "0.1", b"10.6"), ("1e10", "0.1", b"10000000000.09999999962747097"), ("5.0e3", "2.0e2", b"5200"),
             ("0x10", "1", b"17"), ("3", "-3", b"0"), ("1", "1e-17", b"1.00000000000000001")]
    for start, incr, want in cases:
        h.run("SET", "f", start)
        assert h.run("INCRBYFLOAT", "f", incr) == b"$%d\r\n%s\r\n" % (len(want), want), (start, incr)
    h.run("SET", "f", "1")
    for bad in ("inf", "-inf", "1e5000"):
        assert h.run("INCRBYFLOAT", "f", bad).startswith(b"-ERR ")
    assert h.run("INCRBYFLOAT", "f", "inf") == b"-ERR increment would produce NaN or Infinity\r\n"
    assert h.run("INCRBYFLOAT", "f", "nan") == b"-ERR value is not a valid float\r\n"
    assert h.run("INCRBYFLOAT", "f", "1e5000") == b"-ERR value is not a valid float\r\n"
    h.run("SET", "f", "1e308")
    assert h.run("INCRBYFLOAT", "f", "1e308").startswith(b"$309\r\n19999999999999999999")  # long double: no overflow


def test_long_double_arithmetic():
    # 0.1 rounds to the nearest 64-bit-significand value, not the double.
    assert string2ld(b"0.1") != Fraction(0.1)
    assert format_long_double(Fraction(-1, 10**20)) == b"0"
    assert incr_long_double(None, b"0.1") == b"0.1"
    with pytest.raises(CommandError):
        incr_long_double(b"abc", b"1")


def test_getrange_setrange_append(h):
    h.run("SET", "s", "Hello World")
    assert h.run("GETRANGE", "s", "-5", "-1") == b"$5\r\nWorld\r\n"
    assert h.run("GETRANGE", "s", "-1", "-5") == b"$0\r\n\r\n"
    assert h.run("GETRANGE", "s", "5", "3") == b"$0\r\n\r\n"
    assert h.run("SUBSTR", "s", "0", "4") == b"$5\r\nHello\r\n"
    assert h.run("SETRANGE", "s", "13", "!") == b":14\r\n"
    assert h.run("GET", "s") == b"$14\r\nHello World\x00\x00!\r\n"
    assert h.run("SETRANGE", "s", "-1", "x") == b"-ERR offset is out of range\r\n"
    assert h.run("SETRANGE", "none", "3", "") == b":0\r\n"
    assert h.run("EXISTS", "none") == b":0\r\n"
    assert h.run("SETRANGE", "s", "536870912", "x") == b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
    assert h.run("APPEND", "a", "12") == b":2\r\n"
    assert h.run("OBJECT", "ENCODING", "a") == b"$3\r\nint\r\n"
    assert h.run("APPEND", "a", "3") == b":3\r\n"
    assert h.run("OBJECT", "ENCODING", "a") == b"$3\r\nraw\r\n"
    assert h.run("INCR", "a") == b":124\r\n"
    assert h.run("OBJECT", "ENCODING", "a") == b"$3\r\nint\r\n"


def test_mset_msetnx_mget(h):
    assert h.run("MSET", "a", "1", "b") == b"-ERR wrong number of arguments for 'mset' command\r\n"
    assert h.run("MSETNX", "a", "1", "b", "2") == b":1\r\n"
    assert h.run("MSETNX", "b", "3", "c", "4") == b":0\r\n"
    assert h.run("MGET", "a", "b", "c") == b"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n"


# -- LCS ---------------------------------------------------------------------------


def _reference_lcs(a: bytes, b: bytes, minmatchlen: int = 0):
    """Redis's lcsCommand, ported line by line (O(N*M) table)."""
    alen, blen = len(a), len(b)
    t = [[0] * (blen + 1) for _ in range(alen + 1)]
    for i in range(1, alen + 1):
        for j in range(1, blen + 1):
            if a[i - 1] == b[j - 1]:
                t[i][j] = t[i - 1][j - 1] + 1
            else:
                t[i][j] = max(t[i - 1][j], t[i][j - 1])
    idx = t[alen][blen]
    result = bytearray(idx)
    matches = []
    a_s, a_e, b_s, b_e = alen, 0, 0, 0
    i, j, k = alen, blen, idx
    while i > 0 and j > 0:
        emit = False
        if a[i - 1] == b[j - 1]:
            result[k - 1] = a[i - 1]
            if a_s == alen:
                a_s = a_e = i - 1
                b_s = b_e = j - 1
            elif a_s == i and b_s == j:
                a_s -= 1
                b_s -= 1
            else:
                emit = True
            if a_s == 0 or b_s == 0:
                emit = True
            k, i, j = k - 1, i - 1, j - 1
        else:
            if t[i - 1][j] > t[i][j - 1]:
                i -= 1
            else:
                j -= 1
            if a_s != alen:
                emit = True
        if emit:
            if minmatchlen == 0 or a_e - a_s + 1 >= minmatchlen:
                matches.append([[a_s, a_e], [b_s, b_e], a_e - a_s + 1])
            a_s = alen
    return bytes(result), idx, matches


def _resp_matches(matches) -> bytes:
    out = b"*%d\r\n" % len(matches)
    for (a0, a1), (b0, b1), n in matches:
        out += b"*3\r\n*2\r\n:%d\r\n:%d\r\n*2\r\n:%d\r\n:%d\r\n:%d\r\n" % (a0, a1, b0, b1, n)
    return out


def test_lcs_equals_redis_dynamic_programming_on_random_strings(h):
    rnd = random.Random(11)
    for _ in range(200):
        alphabet = b"ab" if rnd.random() < 0.5 else b"abcdef"
        a = bytes(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30)))
        b = bytes(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30)))
        mml = rnd.randint(0, 3)
        h.run("MSET", "a", a, "b", b)
        s, n, matches = _reference_lcs(a, b, mml)
        assert h.run("LCS", "a", "b") == b"$%d\r\n%s\r\n" % (len(s), s)
        assert h.run("LCS", "a", "b", "LEN") == b":%d\r\n" % n
        want = b"*4\r\n$7\r\nmatches\r\n" + _resp_matches(matches) + b"$3\r\nlen\r\n:%d\r\n" % n
        assert h.run("LCS", "a", "b", "IDX", "MINMATCHLEN", mml, "WITHMATCHLEN") == want


def test_lcs_of_long_strings(h):
    a = b"ab" * 1500
    b = b"ba" * 1500
    h.run("MSET", "a", a, "b", b)
    assert h.run("LCS", "a", "b", "LEN") == b":2999\r\n"
    reply = h.run("LCS", "a", "b")
    assert reply.startswith(b"$2999\r\n")
    common = reply[7:-2]
    assert _is_subsequence(common, a) and _is_subsequence(common, b)


def _is_subsequence(s: bytes, of: bytes) -> bool:
    it = iter(of)
    return all(ch in it for ch in s)


def test_lcs_idx_is_a_map_in_resp3(h):
    h.run("MSET", "a", "ohmytext", "b", "mynewtext")
    h.run("HELLO", "3")
    reply = h.run("LCS", "a", "b", "IDX")
    assert reply.startswith(b"%2\r\n$7\r\nmatches\r\n")
    assert reply.endswith(b"$3\r\nlen\r\n:6\r\n")


# -- propagation -------------------------------------------------------------------


def test_set_with_relative_or_absolute_expire_propagates_set_pxat(h):
    h.run("SET", "k", "v", "EX", "100")
    h.run("set", "k", "v", "px", "1500")
    h.run("SET", "k", "v", "EXAT", "2000000000")
    h.run("set", "k", "v", "pxat", "2000000000123")
    h.run("SET", "k", "v", "XX", "EX", "7", "GET")
    assert h.propagated() == [
        [b"SET", b"k", b"v", b"PXAT", ms(T0 + 100_000)],
        [b"SET", b"k", b"v", b"PXAT", ms(T0 + 1500)],
        [b"SET", b"k", b"v", b"PXAT", b"2000000000000"],
        [b"SET", b"k", b"v", b"PXAT", b"2000000000123"],
        [b"SET", b"k", b"v", b"PXAT", ms(T0 + 7000)],
    ]


def test_set_without_expire_propagates_as_sent_minus_get(h):
    h.run("set", "k", "v")
    h.run("SET", "k", "w", "get", "KEEPTTL", "GET")
    h.run("SET", "k", "get", "GET")
    h.run("SET", "k", "x", "NX")  # not written: nothing propagated
    assert h.propagated() == [
        [b"set", b"k", b"v"],
        [b"SET", b"k", b"w", b"KEEPTTL"],
        [b"SET", b"k", b"get"],
    ]


def test_setex_psetex_propagate_set_pxat(h):
    h.run("SETEX", "k", "10", "v")
    h.run("PSETEX", "k", "500", "w")
    assert h.propagated() == [
        [b"SET", b"k", b"v", b"PXAT", ms(T0 + 10_000)],
        [b"SET", b"k", b"w", b"PXAT", ms(T0 + 500)],
    ]


def test_getex_propagates_pexpireat_persist_or_del(h):
    h.run("SET", "k", "v")
    h.propagated()
    h.run("GETEX", "k")
    h.run("GETEX", "k", "PERSIST")  # no TTL: nothing to propagate
    assert h.propagated() == []
    h.run("GETEX", "k", "EX", "5")
    h.run("GETEX", "k", "PXAT", "2000000000123")
    h.run("GETEX", "k", "EXAT", "2000000000")
    h.run("GETEX", "k", "PERSIST")
    h.run("GETEX", "k", "EXAT", "1")
    assert h.propagated() == [
        [b"PEXPIREAT", b"k", ms(T0 + 5000)],
        [b"PEXPIREAT", b"k", b"2000000000123"],
        [b"PEXPIREAT", b"k", b"2000000000000"],
        [b"PERSIST", b"k"],
        [b"DEL", b"k"],
    ]


def test_getset_getdel_incrbyfloat_propagate_their_effects(h):
    h.run("getset", "k", "1.5")
    h.run("INCRBYFLOAT", "k", "1")
    h.run("GETDEL", "k")
    h.run("GETDEL", "k")  # missing: nothing
    assert h.propagated() == [
        [b"SET", b"k", b"1.5"],
        [b"SET", b"k", b"2.5", b"KEEPTTL"],
        [b"DEL", b"k"],
    ]


def test_lazyfree_settings_turn_del_into_unlink(h):
    h.run("CONFIG", "SET", "lazyfree-lazy-user-del", "yes", "lazyfree-lazy-expire", "yes")
    h.run("SET", "k", "v")
    h.run("GETDEL", "k")
    h.run("SET", "k", "v")
    h.run("GETEX", "k", "PXAT", "1")
    assert h.propagated()[-3:] == [[b"UNLINK", b"k"], [b"SET", b"k", b"v"], [b"UNLINK", b"k"]]


def test_lazily_expired_key_propagates_a_del(h):
    h.run("SET", "k", "v", "PX", "100")
    h.propagated()
    h.advance(100)
    assert h.run("GET", "k") == b"$-1\r\n"
    assert h.propagated() == [[b"DEL", b"k"]]
    assert h.server.keyspace.expired_keys == 1


def test_write_on_logically_expired_key_reclaims_it_first(h):
    """Redis sends MULTI, DEL k, SET k v2, EXEC for this."""
    h.run("SET", "k", "v", "PX", "100")
    h.captured.clear()
    h.advance(200)
    h.run("set", "k", "v2")
    assert [c for c in commands_of(b"".join(h.captured)) if c[0] != b"SELECT"] == [
        [b"MULTI"], [b"DEL", b"k"], [b"set", b"k", b"v2"], [b"EXEC"],
    ]


def test_read_commands_propagate_nothing(h):
    h.run("SET", "k", "v")
    h.propagated()
    for args in (("GET", "k"), ("MGET", "k"), ("STRLEN", "k"), ("GETRANGE", "k", "0", "-1"), ("LCS", "k", "k")):
        h.run(*args)
    assert h.propagated() == []
    h.run("SETRANGE", "k", "0", "")
    h.run("APPEND", "nokey2", "")
    assert h.propagated() == [[b"APPEND", b"nokey2", b""]]


# -- access time ---------------------------------------------------------------------


def test_idletime_counts_from_the_last_access(h):
    h.run("SET", "k", "v")
    h.advance(10_500)
    assert h.run("OBJECT", "IDLETIME", "k") == b":10\r\n"
    h.run("GET", "k")
    assert h.run("OBJECT", "IDLETIME", "k") == b":0\r\n"
    h.advance(5000)
    for args in (("TYPE", "k"), ("TTL", "k"), ("EXISTS", "k"), ("OBJECT", "ENCODING", "k"), ("SCAN", "0")):
        h.run(*args)
    assert h.run("OBJECT", "IDLETIME", "k") == b":5\r\n"
    h.run("TOUCH", "k")
    assert h.run("OBJECT", "IDLETIME", "k") == b":0\r\n"
    h.advance(3000)
    h.run("APPEND", "k", "x")  # writes are accesses too
    assert h.run("OBJECT", "IDLETIME", "k") == b":0\r\n"


# -- over TCP ------------------------------------------------------------------------


def test_binary_keys_and_values_round_trip(r):
    key = b"\x00\xff\r\nkey"
    value = bytes(range(256))
    assert r.set(key, value) is True
    assert r.get(key) == value
    assert r.strlen(key) == 256
    assert r.getrange(key, -3, -1) == b"\xfd\xfe\xff"
    assert r.append(key, b"\x00") == 257


def test_errors_reach_the_client_verbatim(r):
    r.set("s", "abc")
    with pytest.raises(redis.ResponseError, match="^value is not an integer or out of range$"):
        r.incr("s")
    with pytest.raises(redis.ResponseError, match="^value is not a valid float$"):
        r.incrbyfloat("s", 1)
    with pytest.raises(redis.ResponseError, match="^invalid expire time in 'setex' command$"):
        r.execute_command("SETEX", "s", 0, "v")
