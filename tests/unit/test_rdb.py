"""RDB format pieces: CRC-64, LZF, the compact blob encodings, value and
snapshot round trips, legacy encodings, corrupt input, DUMP payloads and
the dataset digest (all in-process, no server)."""

from __future__ import annotations

import io
import os
import random
import struct
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from radish.config import Config
from radish.db.types import HashLP, HashValue, ListValue, SetLP, SetValue
from radish.persistence import compact, crc64, lzf, rdb
from radish.persistence.digest import dataset_digest, value_digest
from radish.persistence.rdb import (
    PayloadVersionError,
    RdbError,
    RdbReader,
    default_aux,
    dump_payload,
    encode_len,
    load_snapshot,
    read_snapshot,
    replication_aux,
    replication_info,
    restore_payload,
    save_string,
    write_snapshot,
)

# -- helpers ---------------------------------------------------------------------------


class DB:
    def __init__(self, dbid: int, data=None, expires=None) -> None:
        self.id = dbid
        self.data = data if data is not None else {}
        self.expires = expires if expires is not None else {}


def snapshot(dbs, config=None, **kw) -> bytes:
    out = io.BytesIO()
    write_snapshot(out, dbs, config or Config(), **kw)
    return out.getvalue()


def load(blob: bytes, ndbs: int = 16, now_ms: int | None = 0, **kw):
    dbs = [({}, {}) for _ in range(ndbs)]
    res = load_snapshot(io.BytesIO(blob), dbs, now_ms=now_ms, **kw)
    return dbs, res


def rdb_file(version: int, body: bytes, checksum: bool = True) -> bytes:
    """A complete RDB file around ``body`` (opcodes and keys)."""
    data = b"REDIS%04d" % version + body + b"\xff"
    if version >= 5:
        data += (crc64.crc64(data) if checksum else 0).to_bytes(8, "little")
    return data


def rstr(s: bytes) -> bytes:
    return encode_len(len(s)) + s


def zl_entry(prevlen: int, item) -> bytes:
    head = bytes((prevlen,)) if prevlen < 254 else b"\xfe" + struct.pack("<I", prevlen)
    if isinstance(item, int):
        if 0 <= item <= 12:
            enc = bytes((0xF1 + item,))
        elif -128 <= item <= 127:
            enc = b"\xfe" + struct.pack("<b", item)
        elif -32768 <= item <= 32767:
            enc = b"\xc0" + struct.pack("<h", item)
        elif -(1 << 23) <= item < (1 << 23):
            enc = b"\xf0" + (item & 0xFFFFFF).to_bytes(3, "little")
        elif -(1 << 31) <= item < (1 << 31):
            enc = b"\xd0" + struct.pack("<i", item)
        else:
            enc = b"\xe0" + struct.pack("<q", item)
        return head + enc
    n = len(item)
    if n < 64:
        enc = bytes((n,))
    elif n < 16384:
        enc = bytes((0x40 | (n >> 8), n & 0xFF))
    else:
        enc = b"\x80" + struct.pack(">I", n)
    return head + enc + item


def ziplist(items) -> bytes:
    body = b""
    prev = 0
    tail = 10
    for it in items:
        tail = 10 + len(body)
        e = zl_entry(prev, it)
        body += e
        prev = len(e)
    return struct.pack("<IIH", 10 + len(body) + 1, tail, len(items)) + body + b"\xff"


def zipmap(pairs) -> bytes:
    out = bytes((len(pairs),))
    for k, v in pairs:
        for s, free in ((k, None), (v, 2)):
            out += bytes((len(s),)) if len(s) < 254 else b"\xfe" + struct.pack("<I", len(s))
            if free is not None:
                out += bytes((free,))
            out += s + (b"\x00" * free if free is not None else b"")
    return out + b"\xff"


def as_plain(v):
    if isinstance(v, (bytes, bytearray)):
        return bytes(v)
    if isinstance(v, ListValue):
        return ("list", list(v))
    if isinstance(v, (SetValue, SetLP)):
        return ("set", set(v))
    if isinstance(v, (HashValue, HashLP)):
        return ("hash", dict(v.items()))
    raise AssertionError(type(v))


def set_lp(members: list) -> SetLP:
    """A small set as the commands keep it (a listpack)."""
    s = SetLP()
    s.update(members)
    return s


def hash_lp(d: dict) -> HashLP:
    """A small hash as the commands keep it (Redis's listpack encoding)."""
    h = HashLP()
    h.update(d.items())
    return h


# -- CRC-64 ------------------------------------------------------------------------------


def test_crc64_check_value_and_incremental():
    assert crc64.crc64(b"123456789") == 0xE9C6D914C4B8D9CA
    assert crc64.crc64_pure(b"123456789") == 0xE9C6D914C4B8D9CA
    data = os.urandom(5000)
    assert crc64.crc64(data) == crc64.crc64_pure(data)
    assert crc64.crc64(data[1234:], crc64.crc64(data[:1234])) == crc64.crc64(data)
    assert crc64.crc64(memoryview(data)) == crc64.crc64(data)
    assert crc64.crc64(b"") == 0


# -- LZF -----------------------------------------------------------------------------------


def _samples():
    rnd = random.Random(7)
    out = [b"a" * 100, b"abc" * 30, bytes(range(256)) * 3, b"hello world " * 50]
    for i in range(300):
        n = rnd.randint(1, 2000)
        kind = i % 3
        if kind == 0:
            out.append(bytes(rnd.getrandbits(8) for _ in range(n)))
        elif kind == 1:
            out.append(bytes(rnd.choice(b"ab ") for _ in range(n)))
        else:
            out.append((b"word%d " % rnd.randint(0, 50)) * rnd.randint(1, 60))
    return out


def test_lzf_round_trip_and_limits():
    for data in _samples():
        for limit in (len(data) - 4, len(data) - 1, len(data) + 64):
            if limit <= 0:
                continue
            c = lzf.compress(data, limit)
            if c is not None:
                assert len(c) <= limit
                assert lzf.decompress(c, len(data)) == data
                assert lzf.decompress_pure(c, len(data)) == data
    # Redis's known output for 100 x 'a' (taken from a DUMP).
    assert lzf.compress(b"a" * 100, 96) == b"\x01aa\xe0W\x00\x01aa"
    assert lzf.compress(b"abcd", 0) is None
    assert lzf.compress_pure(os.urandom(64), 60) is None


@pytest.mark.skipif(not lzf.ACCELERATED, reason="python-lzf is not installed")
def test_lzf_pure_port_matches_liblzf_byte_for_byte():
    for data in _samples():
        limit = len(data) - 4
        if limit > 0:
            assert lzf.compress_pure(data, limit) == lzf.compress(data, limit)


def test_lzf_decompress_rejects_bad_streams():
    good = lzf.compress(b"hello hello hello hello hello", 25)
    for bad, size in ((good, 10), (good, 100), (b"\x05abc", 6), (b"\x20\x00", 5), (b"\xe0", 10), (b"", 3)):
        with pytest.raises(lzf.LZFError):
            lzf.decompress(bad, size)
        with pytest.raises(lzf.LZFError):
            lzf.decompress_pure(bad, size)


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=600))
def test_lzf_property_round_trip(data):
    c = lzf.compress_pure(data, len(data) + 40)
    assert c is not None
    assert lzf.decompress_pure(c, len(data)) == data


# -- compact encodings ---------------------------------------------------------------------


_LP_ITEMS = [
    b"0", b"127", b"128", b"-1", b"4095", b"-4096", b"4096", b"-4097", b"32767", b"-32768",
    b"32768", b"8388607", b"-8388608", b"8388608", b"2147483647", b"-2147483648", b"2147483648",
    b"9223372036854775807", b"-9223372036854775808", b"9223372036854775808", b"01", b"-0", b"+1",
    b"", b"x" * 63, b"y" * 64, b"z" * 4095, b"w" * 4096, b"v" * 20000, b"1.5", b" 1",
]  # fmt: skip


def test_listpack_round_trip_all_widths():
    blob = compact.lp_encode(_LP_ITEMS)
    assert compact.lp_decode(blob) == _LP_ITEMS
    assert struct.unpack_from("<IH", blob) == (len(blob), len(_LP_ITEMS))
    # Integer-looking strings are stored as integers (Redis's rule).
    assert compact.lp_entry(b"5") == b"\x05\x01"
    assert compact.lp_entry(b"-1") == b"\xdf\xff\x02"
    assert compact.lp_entry(b"01")[0] == 0x82


def test_listpack_rejects_corruption():
    blob = compact.lp_encode([b"a", b"bb", b"1000"])
    for bad in (blob[:-1], blob[:6], b"\x00" * 7, blob[:-1] + b"\x00", blob[:4] + b"\x09\x00" + blob[6:]):
        with pytest.raises(compact.CompactError):
            compact.lp_decode(bad)
    mangled = bytearray(blob)
    mangled[8] = 0x7F  # the back length of the first entry
    with pytest.raises(compact.CompactError):
        compact.lp_decode(bytes(mangled))


def test_ziplist_decode_every_encoding():
    items = [0, 12, 13, -1, 127, -128, 1000, -30000, 100000, -(1 << 23), 1 << 30, -(1 << 31), 1 << 40,
             b"", b"abc", b"x" * 63, b"y" * 300, b"z" * 16384]  # fmt: skip
    expect = [b"%d" % i if isinstance(i, int) else i for i in items]
    assert compact.zl_decode(ziplist(items)) == expect
    with pytest.raises(compact.CompactError):
        compact.zl_decode(ziplist(items)[:-3] + b"\xff")
    with pytest.raises(compact.CompactError):
        compact.zl_decode(b"\x01" * 11)


def test_intset_and_zipmap():
    for values in ([1, 2, 3], [-40000, 5], [1 << 40, -(1 << 40), 0], []):
        blob = compact.intset_encode(values)
        assert compact.intset_decode(blob) == [b"%d" % v for v in sorted(values)]
    assert compact.intset_encode([1, 2])[:4] == b"\x02\x00\x00\x00"
    assert compact.intset_encode([1, 1 << 20])[:4] == b"\x04\x00\x00\x00"
    with pytest.raises(compact.CompactError):
        compact.intset_decode(struct.pack("<II", 2, 2) + struct.pack("<hh", 5, 3))  # not sorted
    with pytest.raises(compact.CompactError):
        compact.intset_decode(struct.pack("<II", 3, 1) + b"abc")
    pairs = [(b"f", b"v"), (b"long" * 100, b"x"), (b"", b"")]
    blob = zipmap(pairs)
    assert compact.zipmap_decode(blob) == [s for p in pairs for s in p]
    with pytest.raises(compact.CompactError):
        compact.zipmap_decode(blob[:-2])


def test_quicklist_nodes_split_like_redis():
    items = [b"x" * 100] * 200
    nodes = compact.quicklist_nodes(items, -2)
    assert all(c == 2 for c, _ in nodes)
    assert all(len(b) <= 8192 for _, b in nodes)
    assert sum(len(compact.lp_decode(b)) for _, b in nodes) == 200
    assert [len(compact.lp_decode(b)) for _, b in compact.quicklist_nodes([b"a"] * 10, 3)] == [3, 3, 3, 1]


# -- strings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [
        (b"0", b"\xc0\x00"),
        (b"-128", b"\xc0\x80"),
        (b"300", b"\xc1\x2c\x01"),
        (b"-70000", b"\xc2" + struct.pack("<i", -70000)),
        (b"12345678901", b"\x0b12345678901"),  # beyond 32 bits: raw
        (b"007", b"\x03007"),
        (b"", b"\x00"),
        (b"hello", b"\x05hello"),
    ],
)
def test_save_string_encodings(value, expected):
    out = bytearray()
    save_string(out, value, True)
    assert bytes(out) == expected
    assert RdbReader(data=bytes(out)).read_string() == value


def test_save_string_lzf_and_long_lengths():
    out = bytearray()
    save_string(out, b"a" * 100, True)
    assert out[0] == 0xC3
    assert RdbReader(data=bytes(out)).read_string() == b"a" * 100
    out = bytearray()
    save_string(out, b"a" * 100, False)
    assert bytes(out[:2]) == b"\x40\x64"
    big = os.urandom(70000)
    out = bytearray()
    save_string(out, big, True)
    assert out[0] == 0x80 and RdbReader(data=bytes(out)).read_string() == big
    assert encode_len(1 << 33) == b"\x81" + (1 << 33).to_bytes(8, "big")
    assert RdbReader(data=encode_len(1 << 33)).read_len() == 1 << 33


# -- values and DUMP payloads -------------------------------------------------------------------

_VALUES = {
    "string": b"hello",
    "int-string": b"-12345",
    "long-string": b"xyz" * 1000,
    "list-small": ListValue([b"a", b"1", b"-5", b"b" * 70]),
    "list-big": ListValue([b"e%d" % i for i in range(5000)]),
    "set-intset": set_lp([b"1", b"2", b"-300", b"70000"]),
    "set-hashtable": set_lp([b"a", b"b", b"1"]),
    "set-hashtable-big": SetValue([b"m%d" % i for i in range(200)]),
    "set-big-ints": SetValue([b"%d" % i for i in range(1000)]),
    "hash-listpack": hash_lp({b"f": b"v", b"n": b"12", b"": b""}),
    "hash-hashtable": HashValue({b"f%d" % i: b"v%d" % i for i in range(600)}),
    "hash-long-value": HashValue({b"f": b"v" * 100}),
}


@pytest.mark.parametrize("name", list(_VALUES))
@pytest.mark.parametrize("compress", [True, False])
def test_dump_restore_round_trip(name, compress):
    cfg = Config()
    cfg.rdbcompression = compress
    value = _VALUES[name]
    payload = dump_payload(value, cfg)
    assert payload[-10:-8] == b"\x0a\x00"
    assert int.from_bytes(payload[-8:], "little") == crc64.crc64(payload[:-8])
    back = restore_payload(payload)
    assert as_plain(back) == as_plain(value)
    assert type(back) is (bytes if isinstance(value, bytes) else type(value))


def test_dump_payload_rdb_types():
    cfg = Config()
    assert dump_payload(_VALUES["set-intset"], cfg)[0] == rdb.TYPE_SET_INTSET
    assert dump_payload(_VALUES["set-hashtable"], cfg)[0] == rdb.TYPE_SET
    assert dump_payload(_VALUES["hash-listpack"], cfg)[0] == rdb.TYPE_HASH_LISTPACK
    assert dump_payload(_VALUES["hash-hashtable"], cfg)[0] == rdb.TYPE_HASH
    assert dump_payload(_VALUES["hash-long-value"], cfg)[0] == rdb.TYPE_HASH
    assert dump_payload(_VALUES["list-small"], cfg)[0] == rdb.TYPE_LIST_QUICKLIST_2
    # Redis 7.0's DUMP of "hello" and of 100 x 'a'.
    assert dump_payload(b"hello", cfg)[:-8] == b"\x00\x05hello\x0a\x00"
    assert dump_payload(b"a" * 100, cfg) == b"\x00\xc3\t@d\x01aa\xe0W\x00\x01aa\n\x00\xe8\xa3\xb5\x07\xb0m\xf2q"


def test_restore_payload_errors():
    good = dump_payload(b"hello", Config())
    with pytest.raises(PayloadVersionError):
        restore_payload(good[:-1] + bytes((good[-1] ^ 1,)))
    with pytest.raises(PayloadVersionError):
        restore_payload(b"short")
    newer = bytearray(good)
    newer[-10] = 99
    with pytest.raises(PayloadVersionError):
        restore_payload(bytes(newer), verify_checksum=False)
    # A bad body with a correct footer is bad data, not a bad footer.
    body = b"\x00\x40" + rdb.RDB_VERSION.to_bytes(2, "little")
    with pytest.raises(RdbError) as e:
        restore_payload(body + crc64.crc64(body).to_bytes(8, "little"))
    assert not isinstance(e.value, PayloadVersionError)
    body = b"\x63\x00" + rdb.RDB_VERSION.to_bytes(2, "little")
    with pytest.raises(RdbError):
        restore_payload(body + crc64.crc64(body).to_bytes(8, "little"))
    # Skipping the checksum accepts a payload with a wrong one.
    assert restore_payload(good[:-8] + b"\x00" * 8, verify_checksum=False) == b"hello"


# -- whole snapshots -----------------------------------------------------------------------------


def _dataset():
    now = int(time.time() * 1000)
    d0 = DB(0, {b"s": b"v", b"n": b"42", b"ttl": b"x", **{k.encode(): v for k, v in _VALUES.items()}}, {b"ttl": now + 100000})
    d3 = DB(3, {b"other": b"db3", b"gone": b"old", b"l": ListValue([b"x"])}, {b"gone": now - 1000})
    return [d0, DB(1), DB(2), d3], now


@pytest.mark.parametrize("compress,checksum", [(True, True), (False, True), (True, False)])
def test_snapshot_round_trip(compress, checksum):
    dbs, now = _dataset()
    cfg = Config()
    cfg.rdbcompression = compress
    blob = snapshot(dbs, cfg, checksum=checksum)
    assert blob.startswith(b"REDIS0010\xfa\x09redis-ver\x067.0.15")
    if not checksum:
        assert blob.endswith(b"\xff" + b"\x00" * 8)
    loaded, res = load(blob, now_ms=now)
    assert res.version == 10 and res.keys_loaded == len(dbs[0].data) + 2 and res.keys_expired == 1
    assert res.checksum_checked is checksum
    assert {k: as_plain(v) for k, v in loaded[0][0].items()} == {k: as_plain(v) for k, v in dbs[0].data.items()}
    assert loaded[0][1] == dbs[0].expires
    assert b"gone" not in loaded[3][0] and loaded[3][0][b"other"] == b"db3"
    assert res.aux[b"redis-ver"] == b"7.0.15" and res.aux[b"aof-base"] == b"0"
    # A replica keeps keys that are already expired.
    loaded, res = load(blob, now_ms=None)
    assert loaded[3][0][b"gone"] == b"old" and res.keys_expired == 0


def test_snapshot_over_tiny_chunks_and_streams():
    dbs, now = _dataset()
    blob = snapshot(dbs)

    class Trickle(io.BytesIO):
        def read(self, n=-1):
            return super().read(min(n, 7) if n and n > 0 else 7)

    reader = RdbReader(Trickle(blob))
    reader.CHUNK = 3
    out = [({}, {}) for _ in range(16)]
    res = read_snapshot(reader, out, now_ms=now)
    assert res.keys_loaded == len(dbs[0].data) + 2 and res.checksum_checked


def test_snapshot_refused_when_truncated_anywhere():
    dbs, _ = _dataset()
    blob = snapshot(dbs)
    for cut in list(range(0, 200)) + list(range(200, len(blob), 97)) + [len(blob) - 1]:
        with pytest.raises(RdbError):
            load(blob[:cut])


def test_snapshot_refused_when_corrupt():
    dbs, _ = _dataset()
    blob = bytearray(snapshot(dbs))
    blob[len(blob) // 2] ^= 0x40
    with pytest.raises(RdbError):
        load(bytes(blob))
    with pytest.raises(RdbError, match="wrong signature"):
        load(b"RADISH0010" + bytes(blob[10:]))
    with pytest.raises(RdbError, match="version 13"):
        load(b"REDIS0013" + bytes(blob[9:]))
    with pytest.raises(RdbError, match="checksum"):
        load(snapshot(dbs)[:-8] + b"\x01" * 8)
    # A zero checksum means "not computed".
    loaded, res = load(snapshot(dbs)[:-8] + b"\x00" * 8)
    assert not res.checksum_checked and loaded[3][0][b"other"] == b"db3"
    # Checksums off: a wrong one is not checked either.
    load(snapshot(dbs)[:-8] + b"\x01" * 8, verify_checksum=False)


def test_snapshot_refuses_unknown_types_modules_corrupt_streams_dups_and_extra_dbs():
    with pytest.raises(RdbError, match="unknown value type 30 \\(key 'k'\\)"):
        load(rdb_file(10, b"\x1e" + rstr(b"k")))
    with pytest.raises(RdbError, match="unknown opcode or value type 99"):
        load(rdb_file(10, b"\x63" + rstr(b"k")))
    with pytest.raises(RdbError, match="key 'm' holds module data"):
        load(rdb_file(10, b"\x07" + rstr(b"m")))
    with pytest.raises(RdbError, match="key 'st': corrupt stream: node key entry is not the size of a stream ID"):
        load(rdb_file(10, b"\x15" + rstr(b"st") + b"\x01" + rstr(b"short")))
    with pytest.raises(RdbError, match="module aux"):
        load(rdb_file(10, b"\xf7"))
    with pytest.raises(RdbError, match="duplicated key 'a' in DB 0"):
        load(rdb_file(10, b"\x00" + rstr(b"a") + rstr(b"1") + b"\x00" + rstr(b"a") + rstr(b"2")))
    dbs, _ = load(rdb_file(10, b"\x00" + rstr(b"a") + rstr(b"1") + b"\x00" + rstr(b"a") + rstr(b"2")), allow_dup=True)
    assert dbs[0][0] == {b"a": b"2"}
    with pytest.raises(RdbError, match="more than 16 databases"):
        load(rdb_file(10, b"\xfe\x10"))
    with pytest.raises(RdbError, match="unknown opcode"):
        load(rdb_file(10, b"\xf0"))


def _zset_of(dbs, key):
    z = dbs[0][0][key]
    return [(m, z[m]) for m in z.members_by_rank()], z.encoding(ZSET_LIMITS)


class ZSET_LIMITS:
    zset_max_listpack_entries = 128
    zset_max_listpack_value = 64


def test_sorted_sets_load_from_every_encoding():
    """ZSET (text doubles, Redis 1.2 .. 2.8), ZSET_2 (binary doubles),
    ZSET_ZIPLIST and ZSET_LISTPACK, each with Redis's encoding afterwards."""
    zset2 = b"\x05" + rstr(b"myz") + b"\x02" + rstr(b"m") + struct.pack("<d", 1.5) + rstr(b"n") + struct.pack("<d", -0.0)
    dbs, _ = load(rdb_file(10, zset2))
    assert _zset_of(dbs, b"myz") == ([(b"n", 0.0), (b"m", 1.5)], "listpack")
    zset1 = b"\x03" + rstr(b"old") + b"\x03" + rstr(b"a") + b"\x031.5" + rstr(b"b") + b"\xfe" + rstr(b"c") + b"\xff"
    dbs, _ = load(rdb_file(6, zset1))
    assert _zset_of(dbs, b"old") == ([(b"c", float("-inf")), (b"a", 1.5), (b"b", float("inf"))], "listpack")
    zl = b"\x0c" + rstr(b"zz") + rstr(ziplist([b"a", 1, b"b", b"2.5", b"c", b"inf"]))
    dbs, _ = load(rdb_file(8, zl))
    assert _zset_of(dbs, b"zz") == ([(b"a", 1.0), (b"b", 2.5), (b"c", float("inf"))], "listpack")
    zlp = b"\x11" + rstr(b"zl") + rstr(compact.lp_encode([b"x" * 100, b"1", b"y", b"-7"]))
    dbs, _ = load(rdb_file(10, zlp))
    assert _zset_of(dbs, b"zl") == ([(b"y", -7.0), (b"x" * 100, 1.0)], "listpack")  # 7.0 checks only the length
    big = b"\x05" + rstr(b"big") + b"\x01" + rstr(b"x" * 65) + struct.pack("<d", 2.0)
    dbs, _ = load(rdb_file(10, big))
    assert _zset_of(dbs, b"big") == ([(b"x" * 65, 2.0)], "skiplist")
    with pytest.raises(RdbError, match="key 'd': duplicate sorted set members"):
        load(rdb_file(10, b"\x11" + rstr(b"d") + rstr(compact.lp_encode([b"a", b"1", b"a", b"2"]))))
    with pytest.raises(RdbError, match="key 'n': sorted set with a NaN score"):
        load(rdb_file(10, b"\x05" + rstr(b"n") + b"\x01" + rstr(b"m") + struct.pack("<d", float("nan"))))
    with pytest.raises(RdbError, match="odd number"):
        load(rdb_file(10, b"\x11" + rstr(b"o") + rstr(compact.lp_encode([b"a"]))))


def test_sorted_sets_round_trip_in_both_encodings():
    from radish.db.types import ZSetValue, zset_listpack
    from radish.persistence.rdb import dump_payload, restore_payload

    small = zset_listpack([(b"a", 1.0), (b"b", 0.1), (b"c", float("-inf")), (b"12", 1e17)])
    big = ZSetValue([(b"m%d" % i, i / 3) for i in range(300)])
    for z, rdb_type in ((small, 17), (big, 5)):
        payload = dump_payload(z, ZSET_LIMITS)
        assert payload[0] == rdb_type
        back = restore_payload(payload)
        assert list(back.sl) == list(z.sl) and back.encoding(ZSET_LIMITS) == z.encoding(ZSET_LIMITS)


def test_legacy_encodings_load():
    """Files as Redis 2.x … 7.4 wrote them: every list/set/hash encoding,
    second-precision expiry, IDLE/FREQ, functions, slot info, old versions."""
    zl = ziplist([b"a", 7, 300, b"b" * 70])
    body = (
        b"\xfa" + rstr(b"redis-ver") + rstr(b"2.8.0")
        + b"\xfa" + rstr(b"unknown-field") + b"\xc0\x05"
        + b"\xfe\x00\xfb\x08\x01"
        + b"\x01" + rstr(b"list-linked") + b"\x02" + rstr(b"x") + b"\xc1\x2c\x01"
        + b"\x0a" + rstr(b"list-ziplist") + rstr(zl)
        + b"\x0e" + rstr(b"list-quicklist") + b"\x02" + rstr(zl) + rstr(ziplist([b"tail"]))
        + b"\x12" + rstr(b"list-quicklist2") + b"\x03" + b"\x02" + rstr(compact.lp_encode([b"p", b"5"]))
        + b"\x01" + rstr(b"plain-element") + b"\x02" + rstr(compact.lp_encode([]))
        + b"\x02" + rstr(b"set-plain") + b"\x02" + rstr(b"m1") + rstr(b"m2")
        + b"\x0b" + rstr(b"set-intset") + rstr(compact.intset_encode([3, -2, 1 << 40]))
        + b"\x14" + rstr(b"set-listpack") + rstr(compact.lp_encode([b"a", b"10"]))
        + b"\x04" + rstr(b"hash-plain") + b"\x01" + rstr(b"f") + rstr(b"v")
        + b"\x09" + rstr(b"hash-zipmap") + rstr(zipmap([(b"a", b"1"), (b"b", b"two")]))
        + b"\x0d" + rstr(b"hash-ziplist") + rstr(ziplist([b"f", 1, b"g", b"x"]))
        + b"\x10" + rstr(b"hash-listpack") + rstr(compact.lp_encode([b"k", b"v"]))
        + b"\xfd" + struct.pack("<i", 2000000000) + b"\x00" + rstr(b"sec-expire") + rstr(b"v")
        + b"\xf8\x05\xf9\x07\x00" + rstr(b"idle-freq") + rstr(b"v")
        + b"\xf5" + rstr(b"#!lua name=lib\nredis.register_function('f', function() return 1 end)")
        + b"\xf4\x01\x02\x03"
        + b"\x0a" + rstr(b"empty-ziplist") + rstr(ziplist([]))
    )  # fmt: skip
    for version in (9, 10, 11, 12):
        dbs, res = load(rdb_file(version, body))
        d = dbs[0][0]
        assert list(d[b"list-linked"]) == [b"x", b"300"]
        assert list(d[b"list-ziplist"]) == [b"a", b"7", b"300", b"b" * 70]
        assert list(d[b"list-quicklist"]) == [b"a", b"7", b"300", b"b" * 70, b"tail"]
        assert list(d[b"list-quicklist2"]) == [b"p", b"5", b"plain-element"]
        assert set(d[b"set-plain"]) == {b"m1", b"m2"} and set(d[b"set-intset"]) == {b"3", b"-2", b"%d" % (1 << 40)}
        assert set(d[b"set-listpack"]) == {b"a", b"10"}
        assert dict(d[b"hash-plain"].items()) == {b"f": b"v"} and dict(d[b"hash-zipmap"].items()) == {b"a": b"1", b"b": b"two"}
        assert dict(d[b"hash-ziplist"].items()) == {b"f": b"1", b"g": b"x"} and dict(d[b"hash-listpack"].items()) == {b"k": b"v"}
        assert dbs[0][1] == {b"sec-expire": 2000000000 * 1000}
        assert d[b"idle-freq"] == b"v"
        assert b"empty-ziplist" not in d and res.empty_keys_skipped == 1
        assert res.functions and res.functions[0].startswith(b"#!lua")
        assert res.aux[b"unknown-field"] == b"5"
        assert isinstance(d[b"list-ziplist"], ListValue) and isinstance(d[b"set-intset"], SetLP)
    # Version 3 (Redis 2.4): no checksum trailer at all.
    dbs, _ = load(b"REDIS0003\xfe\x00\x00" + rstr(b"k") + rstr(b"v") + b"\xff")
    assert dbs[0][0] == {b"k": b"v"}


def test_legacy_duplicates_and_odd_hashes_are_corrupt():
    with pytest.raises(RdbError, match="duplicate set members"):
        load(rdb_file(10, b"\x02" + rstr(b"s") + b"\x02" + rstr(b"a") + rstr(b"a")))
    with pytest.raises(RdbError, match="duplicate hash fields"):
        load(rdb_file(10, b"\x10" + rstr(b"h") + rstr(compact.lp_encode([b"a", b"1", b"a", b"2"]))))
    with pytest.raises(RdbError, match="odd number"):
        load(rdb_file(10, b"\x10" + rstr(b"h") + rstr(compact.lp_encode([b"a"]))))
    with pytest.raises(RdbError, match="key 'l'"):
        load(rdb_file(10, b"\x12" + rstr(b"l") + b"\x01\x02" + rstr(b"not a listpack")))


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.binary(max_size=30),
        st.one_of(
            st.binary(max_size=100),
            st.from_regex(rb"-?[1-9][0-9]{0,18}", fullmatch=True),
            st.lists(st.binary(max_size=80), min_size=1, max_size=40).map(ListValue),
            st.sets(st.one_of(st.binary(max_size=20), st.integers(-(2**63), 2**63 - 1).map(lambda i: b"%d" % i)), min_size=1, max_size=40).map(SetValue),
            st.dictionaries(st.binary(max_size=20), st.binary(max_size=90), min_size=1, max_size=30).map(HashValue),
        ),
        max_size=25,
    ),
    st.booleans(),
)
def test_property_snapshot_and_dump_round_trip(data, compress):
    cfg = Config()
    cfg.rdbcompression = compress
    blob = snapshot([DB(0, dict(data)), DB(5, dict(data))], cfg)
    loaded, res = load(blob)
    assert res.keys_loaded == 2 * len(data)
    expect = {k: as_plain(v) for k, v in data.items()}
    assert {k: as_plain(v) for k, v in loaded[0][0].items()} == expect
    assert {k: as_plain(v) for k, v in loaded[5][0].items()} == expect
    for v in data.values():
        assert as_plain(restore_payload(dump_payload(v, cfg))) == as_plain(v)


# -- digest --------------------------------------------------------------------------------------


def test_digest_matches_redis_algorithm():
    """Values computed by Redis 7.0.15 for the same dataset."""
    d0 = DB(0, {
        b"foo": b"bar", b"l": ListValue([b"a", b"b", b"1"]), b"s": SetValue([b"x", b"y", b"3"]),
        b"h": HashValue({b"f": b"v", b"g": b"2"}), b"e": b"v",
    }, {b"e": 1})  # fmt: skip
    d2 = DB(2, {b"k": b"v"})
    assert dataset_digest([d0, DB(1), d2]) == "c6ac6d56449f0234d3e6b21b53fca5686f9ec98a"
    assert value_digest(d0.data[b"foo"], False) == "68467c70ae30376e7ce005bcc8827f5ba7fd67dc"
    assert value_digest(d0.data[b"l"], False) == "981fd62c1655c074205cff40b800bd5a5bfdcd41"
    assert value_digest(d0.data[b"s"], False) == "415a07507e2348d139f9fd645a024f6be569dd65"
    assert value_digest(d0.data[b"h"], False) == "9dc7e1ed596e8ccab4b91d04b8317fc85b68294a"
    assert value_digest(b"v", True) == "311b17018163335616e089f6b951c82c477335ac"
    assert value_digest(None, False) == "0" * 40
    assert dataset_digest([DB(0)]) == "0" * 40
    # Order of set members / hash fields does not matter; list order does.
    assert value_digest(SetValue([b"3", b"y", b"x"]), False) == value_digest(d0.data[b"s"], False)
    assert value_digest(ListValue([b"b", b"a", b"1"]), False) != value_digest(d0.data[b"l"], False)


def test_corrupt_input_only_ever_raises_rdb_error():
    """Random damage to a snapshot or a DUMP payload gives RdbError (or a
    clean load), never another exception, a hang or a huge allocation."""
    dbs, _ = _dataset()
    cfg = Config()
    blob = snapshot(dbs, cfg)
    payloads = [dump_payload(v, cfg) for v in _VALUES.values()]
    rnd = random.Random(1234)
    for i in range(1500):
        target = bytearray(blob if i % 2 else rnd.choice(payloads))
        for _ in range(rnd.randint(1, 4)):
            pos = rnd.randrange(len(target))
            if rnd.random() < 0.3:
                target[pos : pos + 1] = b"\x81\xff\xff\xff\xff\xff\xff\xff\xff"  # a huge length
            else:
                target[pos] = rnd.getrandbits(8)
        try:
            if i % 2:
                load(bytes(target), verify_checksum=False)
            else:
                restore_payload(bytes(target), verify_checksum=False)
        except RdbError:
            pass


def test_lzf_refuses_impossible_sizes_before_allocating():
    with pytest.raises(lzf.LZFError):
        lzf.decompress(b"\x00a", 1 << 40)
    with pytest.raises(RdbError):
        RdbReader(data=b"\xc3\x02\x81" + (1 << 40).to_bytes(8, "big") + b"\x00a").read_string()


def test_replication_aux_fields_round_trip_and_validity():
    """repl-stream-db / repl-id / repl-offset are written in Redis's order
    and read back as loadDataFromDisk accepts them: a 40-character id and
    an offset and database present and not -1, numbers parsed as C's
    strtoll/atoi do."""
    rid = "a" * 40
    out = io.BytesIO()
    write_snapshot(out, [], aux=default_aux() + replication_aux(3, rid, 1234))
    res = load_snapshot(io.BytesIO(out.getvalue()), [({}, {})], now_ms=None)
    assert list(res.aux) == [b"redis-ver", b"redis-bits", b"ctime", b"used-mem", b"repl-stream-db", b"repl-id", b"repl-offset", b"aof-base"]
    assert replication_info(res.aux) == (rid, 1234, 3)
    ok = {b"repl-id": rid.encode(), b"repl-offset": b"7", b"repl-stream-db": b"0"}
    assert replication_info(ok) == (rid, 7, 0)
    assert replication_info({**ok, b"repl-id": b"short"}) is None
    assert replication_info({**ok, b"repl-offset": b"-1"}) is None
    assert replication_info({**ok, b"repl-stream-db": b"-1"}) is None
    assert replication_info({k: v for k, v in ok.items() if k != b"repl-offset"}) is None
    assert replication_info({**ok, b"repl-offset": b" 12abc", b"repl-stream-db": b"x"}) == (rid, 12, 0)
