"""The RDB format: Redis's snapshot files and DUMP payloads.

Writing (``RdbWriter``, ``write_snapshot``, ``dump_payload``) produces RDB
version 10, what Redis 7.0 writes: the same aux fields, SELECTDB + RESIZEDB,
EXPIRETIME_MS, strings int-encoded or LZF-compressed by the same rules, lists
as quicklists of listpacks, small hashes as listpacks, small integer sets as
intsets, and a CRC-64 trailer. The writer appends to an in-memory buffer and
hands it to any binary stream (file, pipe, socket wrapper) in chunks, so the
same code serves SAVE, BGSAVE and a full resync.

Reading (``RdbReader``, ``load_snapshot``, ``restore_payload``) accepts RDB
versions 1 to 12 (Redis 2.x to 7.4): every opcode, every string encoding,
every list, set, hash and sorted-set encoding. A file is data from outside: every
length is checked, nothing in it is executed, and any problem raises
``RdbError`` with a message naming what was wrong (and the key, where there
is one) — the caller decides to refuse the whole file.

Value types are found by their ``TYPE_NAME``; streams are read far enough
to name them in the error until radish has that type (later issues register
a reader and a writer with ``register_type``). Sorted sets are saved as
Redis 7.0 saves them: a listpack-encoded one as ZSET_LISTPACK (member,
score entries; integral scores as integers, others as %.17g text), a
skiplist one as ZSET_2 (members from the highest rank down, binary
doubles). Loaded ones take the encoding Redis would give them, for which
the reader consults ``RdbReader.config`` (Redis's defaults when None).

Imports nothing from radish outside ``persistence`` and ``db.types``.
"""

from __future__ import annotations

import random
import re
import struct
import time
from collections.abc import Callable

from ..db.stream import (
    FLAG_DELETED,
    FLAG_SAMEFIELDS,
    MASK64,
    Consumer,
    Nack,
    StreamNode,
    StreamValue,
    to_int64,
)
from ..db.streamlp import elements as lp_elements
from ..db.streamlp import read as lp_read
from ..db.types import (
    HashLP,
    HashValue,
    ListValue,
    SetLP,
    SetValue,
    ZSetLP,
    ZSetValue,
    set_fits_listpack,
    zset_listpack,
)
from . import lzf
from .compact import (
    CompactError,
    intset_decode,
    intset_encode,
    lp_decode,
    lp_encode,
    lp_entry,
    str_to_int64,
    zipmap_decode,
    zl_decode,
)
from .crc64 import crc64

RDB_VERSION = 10
MAX_READ_VERSION = 12
REDIS_VER = b"7.0.15"

# Value types.
TYPE_STRING = 0
TYPE_LIST = 1
TYPE_SET = 2
TYPE_ZSET = 3
TYPE_HASH = 4
TYPE_ZSET_2 = 5
TYPE_MODULE_PRE_GA = 6
TYPE_MODULE_2 = 7
TYPE_HASH_ZIPMAP = 9
TYPE_LIST_ZIPLIST = 10
TYPE_SET_INTSET = 11
TYPE_ZSET_ZIPLIST = 12
TYPE_HASH_ZIPLIST = 13
TYPE_LIST_QUICKLIST = 14
TYPE_STREAM_LISTPACKS = 15
TYPE_HASH_LISTPACK = 16
TYPE_ZSET_LISTPACK = 17
TYPE_LIST_QUICKLIST_2 = 18
TYPE_STREAM_LISTPACKS_2 = 19
TYPE_SET_LISTPACK = 20
TYPE_STREAM_LISTPACKS_3 = 21
TYPE_HASH_METADATA_PRE_GA = 22
TYPE_HASH_LISTPACK_EX_PRE_GA = 23
TYPE_HASH_METADATA = 24
TYPE_HASH_LISTPACK_EX = 25

# Opcodes.
OP_SLOT_INFO = 244
OP_FUNCTION2 = 245
OP_FUNCTION_PRE_GA = 246
OP_MODULE_AUX = 247
OP_IDLE = 248
OP_FREQ = 249
OP_AUX = 250
OP_RESIZEDB = 251
OP_EXPIRETIME_MS = 252
OP_EXPIRETIME = 253
OP_SELECTDB = 254
OP_EOF = 255

QUICKLIST_PLAIN = 1
QUICKLIST_PACKED = 2

_TYPE_NAMES = {
    TYPE_STRING: "string", TYPE_LIST: "list", TYPE_SET: "set", TYPE_ZSET: "zset",
    TYPE_HASH: "hash", TYPE_ZSET_2: "zset", TYPE_MODULE_PRE_GA: "module",
    TYPE_MODULE_2: "module", TYPE_HASH_ZIPMAP: "hash", TYPE_LIST_ZIPLIST: "list",
    TYPE_SET_INTSET: "set", TYPE_ZSET_ZIPLIST: "zset", TYPE_HASH_ZIPLIST: "hash",
    TYPE_LIST_QUICKLIST: "list", TYPE_STREAM_LISTPACKS: "stream", TYPE_HASH_LISTPACK: "hash",
    TYPE_ZSET_LISTPACK: "zset", TYPE_LIST_QUICKLIST_2: "list", TYPE_STREAM_LISTPACKS_2: "stream",
    TYPE_SET_LISTPACK: "set", TYPE_STREAM_LISTPACKS_3: "stream",
    TYPE_HASH_METADATA_PRE_GA: "hash", TYPE_HASH_LISTPACK_EX_PRE_GA: "hash",
    TYPE_HASH_METADATA: "hash", TYPE_HASH_LISTPACK_EX: "hash",
}  # fmt: skip


class RdbError(Exception):
    """A snapshot or payload radish cannot load: corrupt, truncated, or
    holding something unsupported. ``str(e)`` says what."""


class RdbSignatureError(RdbError):
    """The file does not start with an RDB signature."""


class RdbVersionError(RdbError):
    """An RDB format version radish cannot read."""

    def __init__(self, version: int) -> None:
        super().__init__("can't handle RDB format version %d" % version)
        self.version = version


class RdbTruncatedError(RdbError):
    """The file ends before the snapshot does."""


class RdbChecksumError(RdbError):
    """The CRC-64 at the end does not match the contents."""

    def __init__(self, expected: int, stored: int) -> None:
        super().__init__("wrong RDB checksum expected: (%x) got (%x)" % (expected, stored))
        self.expected = expected
        self.stored = stored


class EmptyKeyError(RdbError):
    """A collection with no elements (Redis skips such keys when loading)."""


def type_name_of(rdb_type: int) -> str:
    return _TYPE_NAMES.get(rdb_type, "unknown")


def _key_repr(key: bytes) -> str:
    text = key[:128].decode("utf-8", "backslashreplace")
    return text + ("..." if len(key) > 128 else "")


# =============================================================================
# Writing
# =============================================================================

_LEN1 = [bytes((n,)) for n in range(64)]


def encode_len(n: int) -> bytes:
    """RDB length encoding (6, 14, 32 or 64 bits)."""
    if n < 64:
        return _LEN1[n]
    if n < 16384:
        return bytes((0x40 | (n >> 8), n & 0xFF))
    if n <= 0xFFFFFFFF:
        return b"\x80" + n.to_bytes(4, "big")
    return b"\x81" + n.to_bytes(8, "big")


def _int_encoding(s) -> bytes | None:
    """rdbTryIntegerEncoding: the 8/16/32-bit form of a short canonical
    integer string."""
    v = str_to_int64(bytes(s))
    if v is None:
        return None
    if -128 <= v <= 127:
        return bytes((0xC0, v & 0xFF))
    if -32768 <= v <= 32767:
        return b"\xc1" + struct.pack("<h", v)
    if -2147483648 <= v <= 2147483647:
        return b"\xc2" + struct.pack("<i", v)
    return None


def save_string(out: bytearray, s, compress: bool) -> None:
    """Append ``s`` as Redis's rdbSaveRawString would: int-encoded when it
    is a short canonical integer, LZF-compressed when longer than 20 bytes
    and compression pays, else length + bytes."""
    n = len(s)
    if n <= 11:
        if n and (s[0] == 45 or 48 <= s[0] <= 57):
            enc = _int_encoding(s)
            if enc is not None:
                out += enc
                return
    elif compress and n > 20:
        comp = lzf.compress(s, n - 4)
        if comp is not None:
            out.append(0xC3)
            out += encode_len(len(comp))
            out += encode_len(n)
            out += comp
            return
    if n < 64:
        out.append(n)
    else:
        out += encode_len(n)
    out += s


def _save_list(out: bytearray, value, config, compress: bool) -> int:
    """The list's own nodes, as rdbSaveObject writes a quicklist."""
    nodes = value.nodes()
    out += encode_len(len(nodes))
    for container, blob in nodes:
        out += encode_len(container)
        save_string(out, blob, compress)
    return TYPE_LIST_QUICKLIST_2


def _save_set(out: bytearray, value, config, compress: bool) -> int:
    if config is not None and value.encoding(config) == "intset":
        save_string(out, intset_encode([int(m) for m in value], value.width), compress)
        return TYPE_SET_INTSET
    out += encode_len(len(value))
    for m in value:
        save_string(out, m, compress)
    return TYPE_SET


def _save_hash(out: bytearray, value, config, compress: bool) -> int:
    if type(value) is HashLP:
        save_string(out, value.blob(), compress)
        return TYPE_HASH_LISTPACK
    out += encode_len(len(value))
    for f, v in value.items():
        save_string(out, f, compress)
        save_string(out, v, compress)
    return TYPE_HASH


def _save_zset(out: bytearray, value, config, compress: bool) -> int:
    if type(value) is ZSetLP:
        save_string(out, value.blob(), compress)
        return TYPE_ZSET_LISTPACK
    out += encode_len(len(value))
    pack = struct.pack
    for score, m in reversed(value.sl):
        save_string(out, m, compress)
        out += pack("<d", score)
    return TYPE_ZSET_2


def _save_str(out: bytearray, value, config, compress: bool) -> int:
    save_string(out, value, compress)
    return TYPE_STRING


def stream_node_listpack(node: StreamNode) -> bytes:
    """The listpack Redis keeps for this node (t_stream.c's layout: the
    counters, the master entry, then each entry with its flags, ID deltas,
    fields unless they are the master's, values and lp-count). The node
    holds all of it but the header, the counters and the end byte."""
    head = lp_entry(b"%d" % node.count) + lp_entry(b"%d" % node.deleted)
    total = _LP_HDR_SIZE + len(head) + len(node.lp) + 1
    nele = lp_elements(node.lp) + 2
    return struct.pack("<IH", total, nele if nele < 65535 else 65535) + head + bytes(node.lp) + b"\xff"


def _save_stream(out: bytearray, value: StreamValue, config, compress: bool) -> int:
    """rdbSaveObject for a stream, as Redis 7.0 writes it (type 19)."""
    out += encode_len(len(value.nodes))
    for node in value.nodes:
        save_string(out, node.master.to_bytes(16, "big"), compress)
        save_string(out, stream_node_listpack(node), compress)
    for n in (
        value.length, value.last_id >> 64, value.last_id & MASK64, value.first_id >> 64, value.first_id & MASK64,
        value.max_deleted >> 64, value.max_deleted & MASK64, value.entries_added,
    ):
        out += encode_len(n)
    groups = value.sorted_groups()
    out += encode_len(len(groups))
    pack = struct.pack
    for name, g in groups:
        save_string(out, name, compress)
        out += encode_len(g.last_id >> 64)
        out += encode_len(g.last_id & MASK64)
        out += encode_len(g.entries_read & MASK64)
        out += encode_len(len(g.pel))
        for i, nack in g.pel.items():
            out += i.to_bytes(16, "big")
            out += pack("<q", nack.delivery_time)
            out += encode_len(nack.delivery_count)
        cons = g.sorted_consumers()
        out += encode_len(len(cons))
        for cn in cons:
            save_string(out, cn.name, compress)
            out += pack("<q", cn.seen_time)
            out += encode_len(len(cn.pel))
            for i in cn.pel:
                out += i.to_bytes(16, "big")
    return TYPE_STREAM_LISTPACKS_2


def _bad_stream(key: bytes, what: str) -> RdbError:
    return RdbError("key '%s': corrupt stream: %s" % (_key_repr(key), what))


def _stream_node_from(key: bytes, master: int, blob: bytes) -> StreamNode:
    """Rebuild a node from its listpack, checking its structure as
    streamValidateListpackIntegrity does."""
    items = lp_decode(blob)

    def num(k: int) -> int:
        if k >= len(items):
            raise _bad_stream(key, "listpack entry cut short")
        v = str_to_int64(items[k])
        if v is None:
            raise _bad_stream(key, "integer expected in a stream listpack")
        return v

    if not items:
        raise _bad_stream(key, "empty listpack inside stream")
    count, deleted, nmf = num(0), num(1), num(2)
    if count < 0 or deleted < 0 or nmf < 0 or 3 + nmf >= len(items):
        raise _bad_stream(key, "bad master entry")
    mfields = tuple(items[3 : 3 + nmf])
    if num(3 + nmf) != 0:
        raise _bad_stream(key, "master entry without its terminator")
    p = 4 + nmf
    mms, mseq = master >> 64, master & MASK64
    live = dead = 0
    n = len(items)
    last = -1
    while p < n:
        start = p
        flags = num(p)
        ms = (mms + num(p + 1)) & MASK64
        seq = (mseq + num(p + 2)) & MASK64
        p += 3
        if flags & FLAG_SAMEFIELDS:
            if p + nmf > n:
                raise _bad_stream(key, "entry cut short")
            p += nmf
        else:
            nf = num(p)
            if nf < 0:
                raise _bad_stream(key, "negative field count")
            if p + 1 + 2 * nf > n:
                raise _bad_stream(key, "entry cut short")
            p += 1 + 2 * nf
        if num(p) != p - start:
            raise _bad_stream(key, "entry with a wrong lp-count")
        p += 1
        i = (ms << 64) | seq
        if i <= last:
            raise _bad_stream(key, "entry IDs out of order")
        if i < master:
            raise _bad_stream(key, "entry before its node's master ID")
        last = i
        if flags & FLAG_DELETED:
            dead += 1
        else:
            live += 1
    if live != count or dead != deleted:
        raise _bad_stream(key, "listpack counters disagree with its entries")
    if last < 0:
        raise _bad_stream(key, "listpack without entries")
    node = StreamNode(master, mfields)
    # The node keeps the listpack but its header, counters and end byte.
    body = lp_skip(blob, lp_skip(blob, _LP_HDR_SIZE))
    node.lp = bytearray(blob[body:-1])
    node.count = count
    node.deleted = deleted
    node.last = last
    return node


_LP_HDR_SIZE = 6


def lp_skip(blob: bytes, p: int) -> int:
    """The offset of the listpack element after the one at ``p``."""
    return lp_read(blob, p)[1]


def _read_stream(rdb_type: int):
    def read(r: RdbReader, key: bytes):
        try:
            return _read_stream_value(r, key, rdb_type)
        except RdbError as e:
            if str(e).startswith("key '"):
                raise
            raise RdbError("key '%s': corrupt stream: %s" % (_key_repr(key), e)) from None

    return read


def _read_stream_value(r: RdbReader, key: bytes, rdb_type: int) -> StreamValue:
    s = StreamValue()
    for _ in range(r.read_len()):
        nodekey = r.read_string()
        if len(nodekey) != 16:
            raise _bad_stream(key, "node key entry is not the size of a stream ID")
        master = int.from_bytes(nodekey, "big")
        node = _stream_node_from(key, master, r.read_string())
        if s.nkeys and master <= s.nkeys[-1]:
            raise _bad_stream(key, "listpack re-added with existing or smaller key")
        s.nkeys.append(master)
        s.nodes.append(node)
    s.length = r.read_len()
    s.last_id = (r.read_len() << 64) | r.read_len()
    if rdb_type != TYPE_STREAM_LISTPACKS:
        s.first_id = (r.read_len() << 64) | r.read_len()
        s.max_deleted = (r.read_len() << 64) | r.read_len()
        s.entries_added = r.read_len()
    else:
        s.entries_added = s.length
        s.first_id = s.edge_id(True)
    if s.length != sum(n.count for n in s.nodes):
        raise _bad_stream(key, "length inconsistent with its entries")
    ngroups = r.read_len()
    unpack = struct.unpack
    for _ in range(ngroups):
        name = r.read_string()
        gid = (r.read_len() << 64) | r.read_len()
        if rdb_type != TYPE_STREAM_LISTPACKS:
            er = to_int64(r.read_len())
        else:
            er = s.estimate_distance(gid)
        g = s.create_group(name, gid, er)
        if g is None:
            raise _bad_stream(key, "duplicated consumer group name")
        for _ in range(r.read_len()):
            i = int.from_bytes(r.read(16), "big")
            nack = Nack(None, unpack("<q", r.read(8))[0])
            nack.delivery_count = r.read_len()
            if i in g.pel:
                raise _bad_stream(key, "duplicated global PEL entry")
            g.pel[i] = nack
        for _ in range(r.read_len()):
            cname = r.read_string()
            if cname in g.consumers:
                raise _bad_stream(key, "duplicate consumer")
            cons = Consumer(cname, unpack("<q", r.read(8))[0])
            if rdb_type == TYPE_STREAM_LISTPACKS_3:
                r.read(8)  # active-time (Redis 7.2), not kept
            g.consumers[cname] = cons
            for _ in range(r.read_len()):
                i = int.from_bytes(r.read(16), "big")
                nack = g.pel.get(i)
                if nack is None:
                    raise _bad_stream(key, "consumer entry not found in group global PEL")
                if i in cons.pel:
                    raise _bad_stream(key, "duplicated consumer PEL entry")
                nack.consumer = cons
                cons.pel[i] = nack
        if any(nack.consumer is None for nack in g.pel.values()):
            raise _bad_stream(key, "group PEL entry without consumer")
    return s


# TYPE_NAME -> fn(out, value, config, compress) -> rdb type (payload appended).
VALUE_WRITERS: dict[bytes, Callable] = {
    b"string": _save_str,
    b"list": _save_list,
    b"set": _save_set,
    b"hash": _save_hash,
    b"zset": _save_zset,
    b"stream": _save_stream,
}

# rdb type -> fn(reader, key) -> value.
VALUE_READERS: dict[int, Callable] = {}


def register_type(type_name: bytes, writer: Callable | None, readers: dict[int, Callable] | None = None) -> None:
    """Let a value type (sorted sets, streams …) plug its RDB encoding in:
    ``writer(out, value, config, compress) -> rdb_type`` and readers
    ``{rdb_type: fn(reader, key) -> value}``."""
    if writer is not None:
        VALUE_WRITERS[type_name] = writer
    if readers:
        VALUE_READERS.update(readers)


def save_value(value, config, compress: bool) -> tuple[int, bytearray]:
    """(rdb type, serialized value) of a keyspace value."""
    t = type(value)
    name = b"string" if t is bytes or t is bytearray else getattr(value, "TYPE_NAME", None)
    fn = VALUE_WRITERS.get(name) if name is not None else None
    if fn is None:
        raise RdbError("cannot serialize a value of type %r" % (name or t.__name__,))
    out = bytearray()
    rdb_type = fn(out, value, config, compress)
    return rdb_type, out


class RdbWriter:
    """Writes an RDB stream piece by piece to ``stream`` (anything with a
    ``write(bytes)`` method), computing the CRC-64 as it goes."""

    FLUSH_AT = 1 << 18

    def __init__(self, stream, *, compress: bool = True, checksum: bool = True, config=None) -> None:
        self.stream = stream
        self.compress = compress
        self.checksum = checksum
        self.config = config
        self.buf = bytearray()
        self.crc = 0
        self.bytes_written = 0
        # Told the running key count at the 1st key, then every 1024
        # (a forked child's progress report, as rdbSaveDb's key_counter).
        self.on_keys: Callable[[int], None] | None = None
        self.keys_done = 0

    def flush(self) -> None:
        buf = self.buf
        if buf:
            if self.checksum:
                self.crc = crc64(buf, self.crc)
            self.stream.write(buf)
            self.bytes_written += len(buf)
            self.buf = bytearray()

    def header(self, aux: list[tuple[bytes, bytes]]) -> None:
        buf = self.buf
        buf += b"REDIS%04d" % RDB_VERSION
        for k, v in aux:
            buf.append(OP_AUX)
            save_string(buf, k, self.compress)
            save_string(buf, v, self.compress)

    def function(self, code: bytes) -> None:
        self.buf.append(OP_FUNCTION2)
        save_string(self.buf, code, self.compress)

    def select_db(self, dbid: int, size: int, expires_size: int) -> None:
        buf = self.buf
        buf.append(OP_SELECTDB)
        buf += encode_len(dbid)
        buf.append(OP_RESIZEDB)
        buf += encode_len(size)
        buf += encode_len(expires_size)

    def keys(self, data: dict, expires: dict, key_delay_us: int = 0, db=None, access: str | None = None) -> int:
        """Write every key of one database; returns how many. ``access``
        "lru" / "lfu" adds each key's idle time / LFU counter (from ``db``'s
        ``idle_seconds`` / ``access_freq``), as Redis does under an LRU or
        LFU maxmemory-policy."""
        buf = self.buf
        compress = self.compress
        config = self.config
        flush_at = self.FLUSH_AT
        pack_q = struct.Struct("<q").pack
        on_keys = self.on_keys
        n = 0
        for key, value in data.items():
            if expires:
                when = expires.get(key)
                if when is not None:
                    buf.append(OP_EXPIRETIME_MS)
                    buf += pack_q(when)
            if access is not None:
                if access == "lru":
                    buf.append(OP_IDLE)
                    buf += encode_len(max(0, int(db.idle_seconds(key))))
                else:
                    buf.append(OP_FREQ)
                    buf.append(min(255, max(0, int(db.access_freq(key)))))
            t = type(value)
            if t is bytes or t is bytearray:
                buf.append(TYPE_STRING)
                klen = len(key)
                if klen < 64 and (klen > 11 or not klen or key[0] not in _DIGIT_START_SET) and (klen <= 20 or not compress):
                    buf.append(klen)
                    buf += key
                else:
                    save_string(buf, key, compress)
                vlen = len(value)
                if vlen < 64 and (vlen > 11 or not vlen or value[0] not in _DIGIT_START_SET) and (vlen <= 20 or not compress):
                    buf.append(vlen)
                    buf += value
                else:
                    save_string(buf, value, compress)
            else:
                rdb_type, payload = save_value(value, config, compress)
                buf.append(rdb_type)
                save_string(buf, key, compress)
                buf += payload
            n += 1
            if len(buf) >= flush_at:
                self.flush()
                buf = self.buf
            if key_delay_us > 0:
                time.sleep(key_delay_us / 1e6)
            if on_keys is not None and not (self.keys_done + n - 1) & 1023:
                on_keys(self.keys_done + n)
        self.keys_done += n
        return n

    def finish(self) -> None:
        """EOF opcode and the checksum (zero when checksums are off)."""
        self.buf.append(OP_EOF)
        if self.checksum:
            self.crc = crc64(self.buf, self.crc)
            crc = self.crc
        else:
            crc = 0
        self.stream.write(bytes(self.buf) + crc.to_bytes(8, "little"))
        self.bytes_written += len(self.buf) + 8
        self.buf = bytearray()


_DIGIT_START_SET = frozenset(b"-0123456789")


def default_aux(used_mem: int = 0) -> list[tuple[bytes, bytes]]:
    """The aux fields Redis 7.0 writes at the top of a snapshot."""
    return [
        (b"redis-ver", REDIS_VER),
        (b"redis-bits", b"64"),
        (b"ctime", b"%d" % int(time.time())),
        (b"used-mem", b"%d" % used_mem),
    ]


def replication_aux(stream_db: int, replid: str, offset: int) -> list[tuple[bytes, bytes]]:
    """The aux fields that let a restarted server continue its replication
    history (rdbSaveInfoAuxFields with an rdbSaveInfo): the database the
    stream has selected, the replication id and the offset, in Redis's
    order (they go between ``used-mem`` and ``aof-base``)."""
    return [
        (b"repl-stream-db", b"%d" % stream_db),
        (b"repl-id", replid.encode()),
        (b"repl-offset", b"%d" % offset),
    ]


_C_INT_PREFIX = re.compile(rb"[ \t\n\v\f\r]*([+-]?[0-9]*)")


def _c_atoll(text: bytes) -> int:
    """C's atoi/strtoll: the leading integer, 0 when there is none."""
    m = _C_INT_PREFIX.match(text)
    digits = m.group(1) if m else b""
    return int(digits) if digits.lstrip(b"+-") else 0


def replication_info(aux: dict[bytes, bytes]) -> tuple[str, int, int] | None:
    """(replication id, offset, stream db) from a snapshot's aux fields,
    when they describe a replication history a restarted server may
    continue (loadDataFromDisk's check: a 40-character ``repl-id``, and
    ``repl-offset`` and ``repl-stream-db`` present and not -1); else None.
    Numbers are read as Redis reads them (strtoll / atoi)."""
    fields = {k.lower(): v for k, v in aux.items()}
    replid = fields.get(b"repl-id")
    offset = fields.get(b"repl-offset")
    stream_db = fields.get(b"repl-stream-db")
    if replid is None or len(replid) != 40 or offset is None or stream_db is None:
        return None
    off = _c_atoll(offset)
    db = _c_atoll(stream_db)
    if off == -1 or db == -1:
        return None
    return replid.decode("latin-1"), off, db


def write_snapshot(
    stream,
    dbs,
    config=None,
    *,
    aux: list[tuple[bytes, bytes]] | None = None,
    functions: list[bytes] | None = None,
    compress: bool | None = None,
    checksum: bool | None = None,
    key_delay_us: int = 0,
    on_keys: Callable[[int], None] | None = None,
) -> int:
    """Write a whole RDB file for ``dbs`` (objects with ``id``, ``data``
    and ``expires``) to ``stream``; returns the bytes written.
    ``on_keys(count)`` hears the number of keys written so far at the
    first key and every 1024 after it."""
    if compress is None:
        compress = bool(getattr(config, "rdbcompression", True))
    if checksum is None:
        checksum = bool(getattr(config, "rdbchecksum", True))
    w = RdbWriter(stream, compress=compress, checksum=checksum, config=config)
    w.on_keys = on_keys
    fields = list(aux) if aux is not None else default_aux()
    if not any(k == b"aof-base" for k, _ in fields):
        fields.append((b"aof-base", b"0"))
    w.header(fields)
    for code in functions or ():
        w.function(code)
    policy = str(getattr(config, "maxmemory_policy", "") or "")
    access = "lru" if "lru" in policy else "lfu" if "lfu" in policy else None
    for db in dbs:
        data = db.data
        if not data:
            continue
        w.select_db(db.id, len(data), len(db.expires))
        has_stamps = access is not None and hasattr(db, "idle_seconds") and hasattr(db, "access_freq")
        w.keys(data, db.expires, key_delay_us, db, access if has_stamps else None)
    w.finish()
    return w.bytes_written


# -- DUMP payloads --------------------------------------------------------------------


def dump_payload(value, config=None, *, compress: bool | None = None) -> bytes:
    """DUMP's reply: type byte, serialized value, RDB version (2 bytes LE)
    and CRC-64 (8 bytes LE) of everything before it."""
    if compress is None:
        compress = bool(getattr(config, "rdbcompression", True))
    rdb_type, payload = save_value(value, config, compress)
    body = bytes((rdb_type,)) + payload + RDB_VERSION.to_bytes(2, "little")
    return body + crc64(body).to_bytes(8, "little")


class PayloadVersionError(RdbError):
    """DUMP payload whose version or checksum is wrong."""


def restore_payload(payload: bytes, *, verify_checksum: bool = True, key: bytes = b"", config=None):
    """The value held by a DUMP payload. Raises PayloadVersionError for a
    bad footer (version or checksum), RdbError for bad data."""
    if len(payload) < 10:
        raise PayloadVersionError("payload too short")
    footer = payload[-10:]
    version = footer[0] | (footer[1] << 8)
    if version > MAX_READ_VERSION:
        raise PayloadVersionError("payload version %d" % version)
    if verify_checksum and crc64(payload[:-8]) != int.from_bytes(footer[2:], "little"):
        raise PayloadVersionError("payload checksum mismatch")
    reader = RdbReader(data=payload[:-10])
    reader.version = version
    reader.config = config
    rdb_type = reader.byte()
    return reader.read_object(rdb_type, key)


# =============================================================================
# Reading
# =============================================================================


class RdbReader:
    """Reads RDB primitives from a binary stream (``read(n)``) or from bytes
    already in memory, keeping a running CRC-64 of what it consumed."""

    CHUNK = 1 << 20

    def __init__(self, stream=None, data: bytes = b"", *, checksum: bool = False) -> None:
        self.stream = stream
        self.buf = bytes(data)
        self.pos = 0
        self.eof = stream is None
        self.checksum = checksum
        self.crc = 0
        self.crc_from = 0  # buf[crc_from:pos] is consumed but not yet checksummed
        self.consumed_before = 0  # bytes dropped from the front of buf
        self.version = RDB_VERSION
        self.config = None  # encoding thresholds for loaded values (None: Redis's defaults)

    # -- buffer -----------------------------------------------------------------

    def offset(self) -> int:
        return self.consumed_before + self.pos

    def fill(self, n: int) -> bool:
        """Make at least ``n`` bytes available from ``pos`` if the stream has
        them; False at end of stream with fewer left."""
        if len(self.buf) - self.pos >= n:
            return True
        if self.eof:
            return False
        buf, pos = self.buf, self.pos
        if self.checksum and pos > self.crc_from:
            self.crc = crc64(memoryview(buf)[self.crc_from : pos], self.crc)
        parts = [buf[pos:]]
        have = len(buf) - pos
        while have < n:
            # Bounded reads: a corrupt length must not make us allocate it.
            chunk = self.stream.read(self.CHUNK if n - have <= self.CHUNK else min(n - have, 1 << 26))
            if not chunk:
                self.eof = True
                break
            parts.append(chunk)
            have += len(chunk)
        self.consumed_before += pos
        self.buf = b"".join(parts)
        self.pos = 0
        self.crc_from = 0
        return have >= n

    def checksum_so_far(self) -> int:
        """CRC-64 of everything consumed up to ``pos``."""
        if self.pos > self.crc_from:
            self.crc = crc64(memoryview(self.buf)[self.crc_from : self.pos], self.crc)
            self.crc_from = self.pos
        return self.crc

    def truncated(self) -> RdbError:
        return RdbTruncatedError("unexpected end of file at offset %d (the file is truncated)" % self.offset())

    def read(self, n: int) -> bytes:
        if len(self.buf) - self.pos < n and not self.fill(n):
            raise self.truncated()
        p = self.pos
        self.pos = p + n
        return self.buf[p : p + n]

    def byte(self) -> int:
        if self.pos >= len(self.buf) and not self.fill(1):
            raise self.truncated()
        b = self.buf[self.pos]
        self.pos += 1
        return b

    # -- primitives ---------------------------------------------------------------

    def read_len_enc(self) -> tuple[int, bool]:
        """(length, is_encoded): is_encoded means a special string encoding
        (the value is then 0..3: int8, int16, int32, LZF)."""
        b = self.byte()
        kind = b >> 6
        if kind == 0:
            return b & 0x3F, False
        if kind == 1:
            return ((b & 0x3F) << 8) | self.byte(), False
        if kind == 3:
            return b & 0x3F, True
        if b == 0x80:
            return int.from_bytes(self.read(4), "big"), False
        if b == 0x81:
            return int.from_bytes(self.read(8), "big"), False
        raise RdbError("unknown length encoding 0x%02x at offset %d" % (b, self.offset() - 1))

    def read_len(self) -> int:
        n, encoded = self.read_len_enc()
        if encoded:
            raise RdbError("unexpected string encoding where a length was expected at offset %d" % self.offset())
        return n

    def read_string(self) -> bytes:
        n, encoded = self.read_len_enc()
        if not encoded:
            return self.read(n)
        if n == 0:
            v = self.byte()
            return b"%d" % (v - 256 if v >= 128 else v)
        if n == 1:
            return b"%d" % struct.unpack("<h", self.read(2))[0]
        if n == 2:
            return b"%d" % struct.unpack("<i", self.read(4))[0]
        if n == 3:
            clen = self.read_len()
            size = self.read_len()
            data = self.read(clen)
            try:
                return lzf.decompress(data, size)
            except lzf.LZFError as e:
                raise RdbError("invalid LZF compressed string: %s" % e) from None
        raise RdbError("unknown string encoding %d at offset %d" % (n, self.offset()))

    def read_double_string(self) -> float:
        """The old text double (ZSET type 3): length byte, 253 nan, 254 inf,
        255 -inf."""
        n = self.byte()
        if n == 253:
            return float("nan")
        if n == 254:
            return float("inf")
        if n == 255:
            return float("-inf")
        text = self.read(n)
        try:
            return float(text)
        except ValueError:
            raise RdbError("invalid double value %r" % text) from None

    def read_double_binary(self) -> float:
        return struct.unpack("<d", self.read(8))[0]

    # -- values -------------------------------------------------------------------

    def read_object(self, rdb_type: int, key: bytes = b""):
        """One value of ``rdb_type``. Errors name the key."""
        fn = VALUE_READERS.get(rdb_type)
        if fn is None:
            name = type_name_of(rdb_type)
            if name == "unknown":
                raise RdbError("unknown value type %d (key '%s')" % (rdb_type, _key_repr(key)))
            if name == "module":
                raise RdbError("key '%s' holds module data, which radish cannot load" % _key_repr(key))
            raise RdbError(
                "key '%s' holds a %s (RDB type %d), which radish does not support yet"
                % (_key_repr(key), name, rdb_type)
            )
        try:
            return fn(self, key)
        except CompactError as e:
            raise RdbError("key '%s' (%s): %s" % (_key_repr(key), type_name_of(rdb_type), e)) from None


# -- value readers ---------------------------------------------------------------------


def _read_string_value(r: RdbReader, key: bytes):
    return r.read_string()


def _list_fill(r: RdbReader) -> int:
    """list-max-listpack-size for a loaded list (Redis's default without a
    config)."""
    return getattr(r.config, "list_max_listpack_size", -2) if r.config is not None else -2


def _read_list(r: RdbReader, key: bytes):
    """RDB_TYPE_LIST: each element pushed at the tail."""
    n = r.read_len()
    if n == 0:
        raise EmptyKeyError("empty list")
    out = ListValue(fill=_list_fill(r))
    for _ in range(n):
        out.append(r.read_string())
    return out


def _read_list_ziplist(r: RdbReader, key: bytes):
    """RDB_TYPE_LIST_ZIPLIST: each element pushed at the tail."""
    items = zl_decode(r.read_string())
    if not items:
        raise EmptyKeyError("empty list")
    return ListValue(items, fill=_list_fill(r))


def _read_quicklist(r: RdbReader, key: bytes, v2: bool):
    """RDB_TYPE_LIST_QUICKLIST(_2): the nodes as they are (a Redis 6
    ziplist node becomes one listpack node), each checked; empty ones are
    skipped, as Redis's loader does."""
    nodes = r.read_len()
    out = ListValue(fill=_list_fill(r))
    for _ in range(nodes):
        container = r.read_len() if v2 else QUICKLIST_PACKED
        blob = r.read_string()
        if not blob:
            raise RdbError("key '%s': an empty quicklist node" % _key_repr(key))
        if container != QUICKLIST_PLAIN and container != QUICKLIST_PACKED:
            raise RdbError("key '%s': unknown quicklist node container %d" % (_key_repr(key), container))
        if container == QUICKLIST_PACKED and not v2:
            blob = lp_encode(zl_decode(blob))
        try:
            out.append_node(container, blob)
        except ValueError as e:
            raise CompactError(str(e)) from None
    if not out:
        raise EmptyKeyError("empty list")
    return out


def _set_from(items: list[bytes], key: bytes, config=None, width: int = 2):
    s = set(items)
    if len(s) != len(items):
        raise RdbError("key '%s': duplicate set members" % _key_repr(key))
    if not s:
        raise EmptyKeyError("empty set")
    v: SetLP | SetValue
    if set_fits_listpack(items):
        v = SetLP()
        v.extend(items)
    else:
        v = SetValue(items)
    v.width = width
    return v


def _read_intset(r: RdbReader, key: bytes):
    blob = r.read_string()
    members = intset_decode(blob)
    return _set_from(members, key, r.config, blob[0])


def _read_set(r: RdbReader, key: bytes):
    n = r.read_len()
    return _set_from([r.read_string() for _ in range(n)], key, r.config)


def _hash_from(flat: list[bytes], key: bytes, config=None, lengths: bool = True):
    """The hash of these fields and values in the encoding Redis's loader
    gives it: a listpack unless it has more than hash-max-listpack-entries
    fields or (``lengths``: a hashtable or zipmap in the file) a field or
    value longer than hash-max-listpack-value."""
    if len(flat) % 2:
        raise RdbError("key '%s': hash with an odd number of entries" % _key_repr(key))
    h = HashValue(zip(flat[::2], flat[1::2], strict=True))
    if len(h) * 2 != len(flat):
        raise RdbError("key '%s': duplicate hash fields" % _key_repr(key))
    if not h:
        raise EmptyKeyError("empty hash")
    entries, limit = (128, 64) if config is None else (config.hash_max_listpack_entries, config.hash_max_listpack_value)
    if len(h) > entries or (lengths and any(len(x) > limit for x in flat)):
        return h
    lp = HashLP()
    lp.extend(flat)
    return lp


def _read_hash(r: RdbReader, key: bytes):
    n = r.read_len()
    flat = []
    for _ in range(n):
        flat.append(r.read_string())
        flat.append(r.read_string())
    return _hash_from(flat, key, r.config)


def _read_zset_pairs(r: RdbReader, key: bytes, rdb_type: int) -> list[tuple[bytes, float]]:
    if rdb_type in (TYPE_ZSET, TYPE_ZSET_2):
        n = r.read_len()
        pairs = []
        for _ in range(n):
            member = r.read_string()
            score = r.read_double_binary() if rdb_type == TYPE_ZSET_2 else r.read_double_string()
            pairs.append((member, score))
        return pairs
    flat = zl_decode(r.read_string()) if rdb_type == TYPE_ZSET_ZIPLIST else lp_decode(r.read_string())
    if len(flat) % 2:
        raise RdbError("key '%s': sorted set with an odd number of entries" % _key_repr(key))
    try:
        return [(flat[i], float(flat[i + 1])) for i in range(0, len(flat), 2)]
    except ValueError:
        raise RdbError("key '%s': invalid sorted set score" % _key_repr(key)) from None


def _zset_limits(config) -> tuple[int, int]:
    if config is None:
        return 128, 64
    return config.zset_max_listpack_entries, config.zset_max_listpack_value


def _read_zset(rdb_type: int):
    def read(r: RdbReader, key: bytes):
        pairs = _read_zset_pairs(r, key, rdb_type)
        if not pairs:
            raise EmptyKeyError("empty sorted set")
        seen = set()
        for m, score in pairs:
            if score != score:
                raise RdbError("key '%s': sorted set with a NaN score" % _key_repr(key))
            if m in seen:
                raise RdbError("key '%s': duplicate sorted set members" % _key_repr(key))
            seen.add(m)
        entries, value = _zset_limits(r.config)
        if rdb_type in (TYPE_ZSET_ZIPLIST, TYPE_ZSET_LISTPACK):
            listpack = len(pairs) <= entries  # Redis 7.0 checks only the length here
        else:
            listpack = len(pairs) <= entries and all(len(m) <= value for m, _ in pairs)
        return zset_listpack(pairs) if listpack else ZSetValue(pairs)

    return read


VALUE_READERS.update(
    {
        TYPE_STRING: _read_string_value,
        TYPE_LIST: _read_list,
        TYPE_LIST_ZIPLIST: _read_list_ziplist,
        TYPE_LIST_QUICKLIST: lambda r, k: _read_quicklist(r, k, False),
        TYPE_LIST_QUICKLIST_2: lambda r, k: _read_quicklist(r, k, True),
        TYPE_SET: _read_set,
        TYPE_SET_INTSET: _read_intset,
        TYPE_SET_LISTPACK: lambda r, k: _set_from(lp_decode(r.read_string()), k, r.config),
        TYPE_HASH: _read_hash,
        TYPE_HASH_ZIPMAP: lambda r, k: _hash_from(zipmap_decode(r.read_string()), k, r.config),
        TYPE_HASH_ZIPLIST: lambda r, k: _hash_from(zl_decode(r.read_string()), k, r.config, False),
        TYPE_HASH_LISTPACK: lambda r, k: _hash_from(lp_decode(r.read_string()), k, r.config, False),
        TYPE_ZSET: _read_zset(TYPE_ZSET),
        TYPE_ZSET_2: _read_zset(TYPE_ZSET_2),
        TYPE_ZSET_ZIPLIST: _read_zset(TYPE_ZSET_ZIPLIST),
        TYPE_ZSET_LISTPACK: _read_zset(TYPE_ZSET_LISTPACK),
        TYPE_STREAM_LISTPACKS: _read_stream(TYPE_STREAM_LISTPACKS),
        TYPE_STREAM_LISTPACKS_2: _read_stream(TYPE_STREAM_LISTPACKS_2),
        TYPE_STREAM_LISTPACKS_3: _read_stream(TYPE_STREAM_LISTPACKS_3),
    }
)


# -- whole snapshots ----------------------------------------------------------------


def read_function_record(r: RdbReader, rdb_type: int) -> bytes:
    """The library code of one function record (rdbFunctionLoad): the
    7.0 format (FUNCTION2: the code), or the 7.0 release candidates'
    (name, engine, optional description, body), turned into code."""
    if rdb_type == OP_FUNCTION2:
        return r.read_string()
    name = r.read_string()
    engine = r.read_string()
    if r.read_len():
        r.read_string()  # the description, dropped as Redis drops it
    body = r.read_string()
    return b"#!%s name=%s\n%s" % (engine, name, body)


class LoadResult:
    """What a snapshot held besides keys."""

    def __init__(self) -> None:
        self.version = 0
        self.aux: dict[bytes, bytes] = {}
        self.functions: list[bytes] = []
        self.keys_loaded = 0
        self.keys_expired = 0
        self.empty_keys_skipped = 0
        self.checksum_checked = False
        self.bytes_read = 0
        # IDLE / FREQ opcodes met: {db id: {key: (idle seconds, lfu freq)}}, -1 = absent.
        self.access: dict[int, dict[bytes, tuple[int, int]]] = {}


def read_snapshot(
    reader: RdbReader,
    dbs: list[tuple[dict, dict]],
    *,
    now_ms: int | None,
    verify_checksum: bool = True,
    allow_dup: bool = False,
    progress: Callable[[int, LoadResult], None] | None = None,
    progress_every: int = 2 * 1024 * 1024,
    key_delay_us: int = 0,
    expired_keys: list[tuple[int, bytes]] | None = None,
) -> LoadResult:
    """Load a whole RDB stream into ``dbs`` — one ``(data, expires)`` pair
    of dicts per database. Keys whose expiry is before ``now_ms`` are
    skipped (pass None to keep them, as a replica does) and, when
    ``expired_keys`` is a list, noted there as ``(db id, key)`` (a primary
    restarting with its replication history propagates their DELs).

    The loader's hooks, as Redis's rdbLoadRio: ``progress(offset, res)``
    is called each time the bytes read pass another multiple of
    ``progress_every`` (loading-process-events-interval-bytes; ``res``
    holds the counts and aux fields so far), where the server serves its
    clients; each key read waits ``key_delay_us`` microseconds
    (key-load-delay, debugDelay's semantics). Raises RdbError."""
    res = LoadResult()
    next_progress = progress_every if progress is not None and progress_every > 0 else -1
    reader.checksum = verify_checksum
    magic = reader.read(9) if reader.fill(9) else b""
    if len(magic) < 9 or magic[:5] != b"REDIS" or not magic[5:].isdigit():
        raise RdbSignatureError("wrong signature: not an RDB file")
    version = int(magic[5:])
    if version < 1 or version > MAX_READ_VERSION:
        raise RdbVersionError(version)
    reader.version = res.version = version
    ndbs = len(dbs)
    data, expires = dbs[0]
    dbid = 0
    expire_at = -1
    idle = freq = -1
    loaded = 0
    expired = 0
    read_string = reader.read_string
    read_object = reader.read_object
    buf = reader.buf
    pos = reader.pos
    blen = len(buf)
    while True:
        if blen - pos < 256 and not reader.eof:
            reader.pos = pos
            reader.fill(256)
            buf = reader.buf
            pos = reader.pos
            blen = len(buf)
        if pos >= blen:
            reader.pos = pos
            raise reader.truncated()
        t = buf[pos]
        pos += 1
        # Fast path: a string key and value, both short, all in the buffer.
        if t == TYPE_STRING and pos < blen and buf[pos] < 64:
            kl = buf[pos]
            key = buf[pos + 1 : pos + 1 + kl]
            pos += 1 + kl
            if pos < blen and buf[pos] < 64:
                vl = buf[pos]
                value = buf[pos + 1 : pos + 1 + vl]
                pos += 1 + vl
                if pos > blen:
                    reader.pos = blen
                    raise reader.truncated()
            else:
                reader.pos = pos
                value = read_string()
                buf = reader.buf
                pos = reader.pos
                blen = len(buf)
        elif t < 32:
            reader.pos = pos
            key = read_string()
            try:
                value = read_object(t, key)
            except EmptyKeyError:
                res.empty_keys_skipped += 1
                expire_at = idle = freq = -1
                buf = reader.buf
                pos = reader.pos
                blen = len(buf)
                continue
            buf = reader.buf
            pos = reader.pos
            blen = len(buf)
        else:
            reader.pos = pos
            if t == OP_EXPIRETIME_MS:
                expire_at = struct.unpack("<q", reader.read(8))[0]
            elif t == OP_EXPIRETIME:
                expire_at = struct.unpack("<i", reader.read(4))[0] * 1000
            elif t == OP_SELECTDB:
                dbid = reader.read_len()
                if dbid >= ndbs:
                    raise RdbError(
                        "the file was created with a server configured to handle more than %d databases (it selects DB %d)"
                        % (ndbs, dbid)
                    )
                data, expires = dbs[dbid]
            elif t == OP_RESIZEDB:
                reader.read_len()
                reader.read_len()
            elif t == OP_AUX:
                k = read_string()
                res.aux[k] = read_string()
            elif t == OP_IDLE:
                idle = reader.read_len()
            elif t == OP_FREQ:
                freq = reader.byte()
            elif t == OP_FUNCTION2 or t == OP_FUNCTION_PRE_GA:
                res.functions.append(read_function_record(reader, t))
            elif t == OP_MODULE_AUX:
                raise RdbError("the file contains module aux data, which radish cannot load")
            elif t == OP_SLOT_INFO:
                reader.read_len()
                reader.read_len()
                reader.read_len()
            elif t == OP_EOF:
                break
            else:
                raise RdbError("unknown opcode or value type %d at offset %d" % (t, reader.offset() - 1))
            buf = reader.buf
            pos = reader.pos
            blen = len(buf)
            continue
        # setdefault finds duplicates in one dict operation (two equal
        # cached objects, b"" or one byte, would pass unnoticed: harmless).
        if expire_at != -1:
            if now_ms is not None and expire_at < now_ms:
                expire_at = idle = freq = -1
                expired += 1
                if expired_keys is not None:
                    expired_keys.append((dbid, bytes(key)))
                if key_delay_us:
                    debug_delay(key_delay_us)
                continue
            if data.setdefault(key, value) is not value:
                if not allow_dup:
                    reader.pos = pos
                    raise RdbError("duplicated key '%s' in DB %d" % (_key_repr(key), dbid))
                data[key] = value
            expires[key] = expire_at
            expire_at = -1
        elif data.setdefault(key, value) is not value:
            if not allow_dup:
                reader.pos = pos
                raise RdbError("duplicated key '%s' in DB %d" % (_key_repr(key), dbid))
            data[key] = value
            expires.pop(key, None)
        if idle != -1 or freq != -1:
            res.access.setdefault(dbid, {})[key] = (idle, freq)
            idle = freq = -1
        loaded += 1
        if key_delay_us:
            debug_delay(key_delay_us)
        if next_progress >= 0 and reader.consumed_before + pos >= next_progress:
            offset = reader.consumed_before + pos
            res.keys_loaded = loaded
            res.keys_expired = expired
            progress(offset, res)  # type: ignore[misc]  # next_progress >= 0 only with a callback
            next_progress = offset - offset % progress_every + progress_every
    res.keys_loaded = loaded
    res.keys_expired = expired
    if version >= 5:
        expected = reader.checksum_so_far() if verify_checksum else 0
        stored = int.from_bytes(reader.read(8), "little")
        if verify_checksum and stored != 0:
            if stored != expected:
                raise RdbChecksumError(expected, stored)
            res.checksum_checked = True
    res.bytes_read = reader.offset()
    return res


def load_snapshot(stream, dbs, *, now_ms: int | None, verify_checksum: bool = True, allow_dup: bool = False) -> LoadResult:
    """``read_snapshot`` over a binary stream."""
    return read_snapshot(RdbReader(stream), dbs, now_ms=now_ms, verify_checksum=verify_checksum, allow_dup=allow_dup)


def debug_delay(usec: int) -> None:
    """Redis's debugDelay (key-load-delay, rdb-key-save-delay): sleep
    ``usec`` microseconds; a negative value sleeps 1 microsecond once in
    ``-usec`` times on average (short sleeps made rarer rather than
    shorter)."""
    if usec < 0:
        usec = 1 if random.randrange(-usec) == 0 else 0
    if usec:
        time.sleep(usec / 1e6)


__all__ = [
    "EmptyKeyError",
    "LoadResult",
    "PayloadVersionError",
    "RDB_VERSION",
    "RdbError",
    "RdbReader",
    "RdbWriter",
    "default_aux",
    "debug_delay",
    "dump_payload",
    "encode_len",
    "load_snapshot",
    "read_function_record",
    "read_snapshot",
    "register_type",
    "replication_aux",
    "replication_info",
    "restore_payload",
    "save_string",
    "save_value",
    "write_snapshot",
]
