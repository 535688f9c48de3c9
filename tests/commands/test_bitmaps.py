"""Bitmap commands through the dispatcher in-process: replies, what is
propagated to replicas and the AOF (only real changes), WATCH, the string
value kept raw, the primary's stream exempt from the offset limit, and large
bitmaps. Exact parity with redis-server (every error text, RESP2/RESP3, a
random command stream) is checked in tests/compat/test_bitmaps_compat.py."""

from __future__ import annotations

import random

import pytest
from tests.support.inprocess import InProcess

from radish.client import FLAG_MASTER


@pytest.fixture
def h():
    s = InProcess()
    s.capture()
    return s


def test_setbit_getbit_grow_with_zeros(h):
    assert h.run("SETBIT", "k", "7", "1") == b":0\r\n"
    assert h.run("GET", "k") == b"$1\r\n\x01\r\n"
    assert h.run("SETBIT", "k", "7", "0") == b":1\r\n"
    assert h.run("SETBIT", "k", "17", "1") == b":0\r\n"
    assert h.run("GET", "k") == b"$3\r\n\x00\x00\x40\r\n"
    assert h.run("GETBIT", "k", "17") == b":1\r\n"
    assert h.run("GETBIT", "k", "18") == b":0\r\n"
    assert h.run("GETBIT", "k", "1000000") == b":0\r\n"
    assert h.run("GETBIT", "nokey", "3") == b":0\r\n"
    assert h.run("OBJECT", "ENCODING", "k") == b"$3\r\nraw\r\n"


def test_setbit_errors(h):
    assert h.run("SETBIT", "k", "-1", "1") == b"-ERR bit offset is not an integer or out of range\r\n"
    assert h.run("SETBIT", "k", "4294967296", "1") == b"-ERR bit offset is not an integer or out of range\r\n"
    assert h.run("SETBIT", "k", "0", "2") == b"-ERR bit is not an integer or out of range\r\n"
    assert h.run("SETBIT", "k", "x", "2") == b"-ERR bit offset is not an integer or out of range\r\n"
    h.run("RPUSH", "l", "a")
    assert h.run("SETBIT", "l", "0", "1").startswith(b"-WRONGTYPE")
    assert h.run("SETBIT", "l", "0", "3") == b"-ERR bit is not an integer or out of range\r\n"
    assert h.run("EXISTS", "k") == b":0\r\n"


def test_setbit_on_a_short_string_keeps_ttl_and_turns_raw(h):
    h.run("SET", "k", "a", "EX", "100")
    assert h.run("OBJECT", "ENCODING", "k") == b"$6\r\nembstr\r\n"
    assert h.run("SETBIT", "k", "1", "1") == b":1\r\n"  # 'a' = 0b01100001
    assert h.run("OBJECT", "ENCODING", "k") == b"$3\r\nraw\r\n"
    assert h.run("TTL", "k") == b":100\r\n"


def test_bitcount_ranges(h):
    h.run("SET", "k", "foobar")
    assert h.run("BITCOUNT", "k") == b":26\r\n"
    assert h.run("BITCOUNT", "k", "1", "1") == b":6\r\n"
    assert h.run("BITCOUNT", "k", "5", "30", "BIT") == b":17\r\n"
    assert h.run("BITCOUNT", "k", "-2", "-1") == b":7\r\n"
    assert h.run("BITCOUNT", "k", "-1", "-2") == b":0\r\n"
    assert h.run("BITCOUNT", "k", "0") == b"-ERR syntax error\r\n"
    assert h.run("BITCOUNT", "nokey", "0") == b":0\r\n"  # Redis 7.0 looks the key up first


def test_bitpos_clear_bit_past_the_end_only_without_end(h):
    h.run("SET", "k", b"\xff\xff")
    assert h.run("BITPOS", "k", "0") == b":16\r\n"
    assert h.run("BITPOS", "k", "0", "1") == b":16\r\n"
    assert h.run("BITPOS", "k", "0", "1", "-1") == b":-1\r\n"
    # The fourth argument is the end: BIT there is not a number.
    assert h.run("BITPOS", "k", "1", "3", "BIT") == b"-ERR value is not an integer or out of range\r\n"
    assert h.run("BITPOS", "k", "1", "3", "5", "BIT") == b":3\r\n"
    assert h.run("BITPOS", "nokey", "0") == b":0\r\n"
    assert h.run("BITPOS", "nokey", "1") == b":-1\r\n"
    assert h.run("BITPOS", "k", "2") == b"-ERR The bit argument must be 1 or 0.\r\n"


def test_bitop(h):
    h.run("SET", "a", b"\xff\x0f")
    h.run("SET", "b", b"\x0f")
    assert h.run("BITOP", "AND", "d", "a", "b") == b":2\r\n"
    assert h.run("GET", "d") == b"$2\r\n\x0f\x00\r\n"
    assert h.run("BITOP", "OR", "d", "b", "a", "nokey") == b":2\r\n"
    assert h.run("GET", "d") == b"$2\r\n\xff\x0f\r\n"
    assert h.run("BITOP", "XOR", "d", "a", "b") == b":2\r\n"
    assert h.run("GET", "d") == b"$2\r\n\xf0\x0f\r\n"
    assert h.run("BITOP", "NOT", "d", "a") == b":2\r\n"
    assert h.run("GET", "d") == b"$2\r\n\x00\xf0\r\n"
    assert h.run("BITOP", "NOT", "d", "a", "b") == b"-ERR BITOP NOT must be called with a single source key.\r\n"
    assert h.run("BITOP", "NAND", "d", "a") == b"-ERR syntax error\r\n"
    assert h.run("BITOP", "AND", "d", "nokey") == b":0\r\n"
    assert h.run("EXISTS", "d") == b":0\r\n"


def test_bitfield_operations_and_overflow(h):
    assert h.run("BITFIELD", "k", "SET", "u8", "0", "255", "GET", "i8", "0", "INCRBY", "u4", "#1", "20") == (
        b"*3\r\n:0\r\n:-1\r\n:3\r\n"
    )
    assert h.run("BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "100") == b"*1\r\n:255\r\n"
    assert h.run("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "1", "GET", "u8", "0") == (
        b"*2\r\n$-1\r\n:255\r\n"
    )
    # SET replies with the old value: 0xff then zeros, as an i64.
    assert h.run("BITFIELD", "k", "SET", "i64", "0", "-1", "GET", "u63", "1") == (
        b"*2\r\n:-72057594037927936\r\n:9223372036854775807\r\n"
    )
    assert h.run("BITFIELD", "k", "GET", "u64", "0") == (
        b"-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"
    )
    assert h.run("BITFIELD", "k", "OVERFLOW", "x") == b"-ERR Invalid OVERFLOW type specified\r\n"
    assert h.run("BITFIELD_RO", "k", "GET", "u8", "0", "SET", "u8", "0", "1") == (
        b"-ERR BITFIELD_RO only supports the GET subcommand\r\n"
    )
    assert h.run("BITFIELD_RO", "k", "GET", "u4", "0") == b"*1\r\n:15\r\n"
    # RESP3: the FAIL reply is the RESP3 null.
    h.run("HELLO", "3")
    assert h.run("BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "u2", "0", "4") == b"*1\r\n_\r\n"


def test_only_real_changes_are_propagated(h):
    h.run("SETBIT", "k", "3", "1")
    h.run("SETBIT", "k", "3", "1")  # unchanged
    h.run("SETBIT", "k", "3", "0")
    h.run("SETBIT", "k", "9", "0")  # grows the string: a change
    h.run("BITFIELD", "k", "GET", "u8", "0")
    h.run("BITFIELD", "k", "SET", "u8", "0", "0")  # same value
    h.run("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "-1")
    h.run("BITFIELD", "k", "INCRBY", "u8", "0", "5")
    h.run("BITOP", "AND", "d", "nokey")  # nothing to delete
    h.run("BITOP", "OR", "d", "k")
    h.run("BITOP", "AND", "d", "nokey")  # deletes d
    h.run("BITCOUNT", "k")
    h.run("BITPOS", "k", "1")
    h.run("BITFIELD_RO", "k", "GET", "u8", "0")
    assert h.propagated() == [
        [b"SETBIT", b"k", b"3", b"1"],
        [b"SETBIT", b"k", b"3", b"0"],
        [b"SETBIT", b"k", b"9", b"0"],
        [b"BITFIELD", b"k", b"INCRBY", b"u8", b"0", b"5"],
        [b"BITOP", b"OR", b"d", b"k"],
        [b"BITOP", b"AND", b"d", b"nokey"],
    ]


def test_writes_touch_watched_keys(h):
    other = h.server.new_client("127.0.0.1:2", "127.0.0.1:6379")
    me = h.client
    for write in (("SETBIT", "k", "5", "1"), ("BITFIELD", "k", "INCRBY", "u8", "0", "1"), ("BITOP", "NOT", "k", "k")):
        h.client = me
        assert h.run("WATCH", "k") == b"+OK\r\n"
        h.run("MULTI")
        h.run("GET", "k")
        h.client = other
        h.run(*write)
        h.client = me
        assert h.run("EXEC") == b"*-1\r\n", write
    # A no-op write leaves the transaction alone (Redis signals only changes).
    h.run("WATCH", "k")
    h.run("MULTI")
    h.run("GETBIT", "k", "5")
    h.client = other
    bit = h.run("GETBIT", "k", "5")[1:2]
    h.run("SETBIT", "k", "5", bit)
    h.client = me
    assert h.run("EXEC") == b"*1\r\n:%s\r\n" % bit


def test_primary_stream_ignores_the_offset_limit(h):
    h.run("CONFIG", "SET", "proto-max-bulk-len", "1mb")
    assert h.run("SETBIT", "k", str(8 << 20), "1") == b"-ERR bit offset is not an integer or out of range\r\n"
    h.client.flags |= FLAG_MASTER
    h.run("SETBIT", "k", str(8 << 20), "1")
    h.client.flags &= ~FLAG_MASTER
    assert h.run("STRLEN", "k") == b":%d\r\n" % ((1 << 20) + 1)


def test_large_bitmaps(h):
    """16 MB strings: whole-range operations (a bit loop would take minutes)."""
    rng = random.Random(7)
    size = 16 << 20
    a = rng.randbytes(size)
    db = h.server.keyspace.dbs[0]
    db.add(b"a", a)
    expected = int.from_bytes(a, "big").bit_count()
    assert h.run("BITCOUNT", "a") == b":%d\r\n" % expected
    h.run("SETBIT", "z", str(size * 8 - 1), "1")
    assert h.run("BITPOS", "z", "1") == b":%d\r\n" % (size * 8 - 1)
    assert h.run("BITPOS", "z", "1", "9", "-2", "BIT") == b":-1\r\n"
    assert h.run("BITOP", "XOR", "x", "a", "z") == b":%d\r\n" % size
    assert h.run("BITCOUNT", "x") == b":%d\r\n" % (expected + (1 if a[-1] & 1 == 0 else -1))
    assert h.run("BITOP", "NOT", "n", "a") == b":%d\r\n" % size
    assert h.run("BITCOUNT", "n") == b":%d\r\n" % (size * 8 - expected)
