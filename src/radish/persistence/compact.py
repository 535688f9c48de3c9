"""Redis's compact blob encodings, as they appear inside RDB files and DUMP
payloads: listpack (Redis 7), ziplist (Redis 3.2 to 6.2), intset and zipmap
(Redis 2.x).

Writers produce exactly the bytes Redis would for the same sequence of
entries; readers accept whatever a Redis version may have written and raise
``CompactError`` on anything malformed (a blob is data from outside: every
length and offset is checked before use, nothing is trusted).

Imports nothing from radish but ``radish.strconv``.
"""

from __future__ import annotations

import struct

from ..db.listpack import LP_HDR as _LP_HDR
from ..db.listpack import ListpackError, lp_build, lp_decode, lp_encode, lp_entry
from ..strconv import string2ll

# A malformed listpack / ziplist / intset / zipmap blob (the listpack codec,
# which the keyspace's listpack values share, raises it from db.listpack).
CompactError = ListpackError


# Redis's string2ll, which lpStringToInt64 and intset checks use.
str_to_int64 = string2ll


# -- quicklist node packing (Redis 7.0's quicklistPushTail) ------------------------

_OPTIMIZATION_LEVEL = (4096, 8192, 16384, 32768, 65536)
_SIZE_SAFETY_LIMIT = 8192
_SIZE_ESTIMATE_OVERHEAD = 8
PACKED_THRESHOLD = 1 << 30  # elements this big get a node of their own (PLAIN)


def _node_allows(node_bytes: int, node_count: int, fill: int, sz: int) -> bool:
    """_quicklistNodeAllowInsert of Redis 7.0.15 (an 8-byte overestimate of
    the new entry, then the size or count limit of ``fill``)."""
    new_sz = node_bytes + sz + _SIZE_ESTIMATE_OVERHEAD
    if fill < 0:
        level = min(-fill - 1, len(_OPTIMIZATION_LEVEL) - 1)
        return new_sz <= _OPTIMIZATION_LEVEL[level]
    if new_sz > _SIZE_SAFETY_LIMIT:
        return False
    return node_count + 1 <= (fill or 1)


def quicklist_nodes(items, fill: int) -> list[tuple[int, bytes]]:
    """Split list elements into quicklist nodes as a list built by RPUSH
    would be, with ``fill`` = list-max-listpack-size: ``[(container,
    blob)]`` where container 2 is a listpack and 1 a single plain element."""
    nodes: list[tuple[int, bytes]] = []
    entries: list[bytes] = []
    node_bytes = 0
    for s in items:
        sz = len(s)
        if sz >= PACKED_THRESHOLD:
            if entries:
                nodes.append((2, lp_build(entries)))
                entries = []
            nodes.append((1, bytes(s)))
            continue
        e = lp_entry(s)
        if entries and _node_allows(node_bytes, len(entries), fill, sz):
            entries.append(e)
            node_bytes += len(e)
        else:
            if entries:
                nodes.append((2, lp_build(entries)))
            entries = [e]
            node_bytes = _LP_HDR + 1 + len(e)
    if entries:
        nodes.append((2, lp_build(entries)))
    return nodes


# -- ziplist (read only: Redis 7 never writes one) --------------------------------


def zl_decode(blob: bytes) -> list[bytes]:
    """The elements of a ziplist blob."""
    n = len(blob)
    if n < 11:
        raise CompactError("ziplist too short")
    zlbytes, zltail, zllen = struct.unpack_from("<IIH", blob, 0)
    if zlbytes != n:
        raise CompactError("ziplist header length %d, blob is %d bytes" % (zlbytes, n))
    if blob[-1] != 0xFF:
        raise CompactError("ziplist without terminator")
    if zltail >= n:
        raise CompactError("ziplist tail offset out of range")
    out: list[bytes] = []
    append = out.append
    p = 10
    end = n - 1
    try:
        while p < end:
            p += 5 if blob[p] == 254 else 1  # previous entry length
            b = blob[p]
            top = b >> 6
            if top == 0:
                ln = b & 0x3F
                p += 1
                append(blob[p : p + ln])
                p += ln
            elif top == 1:
                ln = ((b & 0x3F) << 8) | blob[p + 1]
                p += 2
                append(blob[p : p + ln])
                p += ln
            elif top == 2:
                if b != 0x80:
                    raise CompactError("invalid ziplist string encoding")
                ln = struct.unpack_from(">I", blob, p + 1)[0]
                p += 5
                append(blob[p : p + ln])
                p += ln
            elif b == 0xC0:
                append(b"%d" % struct.unpack_from("<h", blob, p + 1)[0])
                p += 3
            elif b == 0xD0:
                append(b"%d" % struct.unpack_from("<i", blob, p + 1)[0])
                p += 5
            elif b == 0xE0:
                append(b"%d" % struct.unpack_from("<q", blob, p + 1)[0])
                p += 9
            elif b == 0xF0:
                raw = blob[p + 1 : p + 4]
                if len(raw) != 3:
                    raise CompactError("truncated ziplist entry")
                v = int.from_bytes(raw, "little")
                if v >= 1 << 23:
                    v -= 1 << 24
                append(b"%d" % v)
                p += 4
            elif b == 0xFE:
                v = blob[p + 1]
                append(b"%d" % (v - 256 if v >= 128 else v))
                p += 2
            elif 0xF1 <= b <= 0xFD:
                append(b"%d" % ((b & 0x0F) - 1))
                p += 1
            else:
                raise CompactError("invalid ziplist entry encoding 0x%02x" % b)
            if p > end:
                raise CompactError("ziplist entry runs past the end")
    except (IndexError, struct.error) as e:
        raise CompactError("truncated ziplist entry") from e
    if p != end:
        raise CompactError("ziplist entries run past the end")
    if zllen != 65535 and zllen != len(out):
        raise CompactError("ziplist header count %d, found %d entries" % (zllen, len(out)))
    return out


# -- intset -------------------------------------------------------------------------

_INTSET_FMT = {2: "h", 4: "i", 8: "q"}


def intset_encode(values: list[int], width: int = 2) -> bytes:
    """An intset of distinct integers (sorted here), at least ``width``
    bytes per member (a set's recorded width: Redis's intsets never
    narrow), wider when a member needs it."""
    values = sorted(values)
    if values and width < 8:
        lo, hi = values[0], values[-1]
        if lo < -2147483648 or hi > 2147483647:
            width = 8
        elif width < 4 and (lo < -32768 or hi > 32767):
            width = 4
    return struct.pack("<II", width, len(values)) + struct.pack("<%d%s" % (len(values), _INTSET_FMT[width]), *values)


def intset_decode(blob: bytes) -> list[bytes]:
    """The members of an intset blob, as decimal strings (``blob[0]`` is
    its width)."""
    if len(blob) < 8:
        raise CompactError("intset too short")
    width, count = struct.unpack_from("<II", blob, 0)
    fmt = _INTSET_FMT.get(width)
    if fmt is None:
        raise CompactError("invalid intset encoding %d" % width)
    if len(blob) != 8 + width * count:
        raise CompactError("intset length does not match its header")
    if count == 0:
        return []
    values = struct.unpack_from("<%d%s" % (count, fmt), blob, 8)
    for a, b in zip(values, values[1:], strict=False):
        if a >= b:
            raise CompactError("intset members are not sorted and unique")
    return [b"%d" % v for v in values]


# -- zipmap (Redis 2.x hashes) ------------------------------------------------------


def zipmap_decode(blob: bytes) -> list[bytes]:
    """Field, value, field, value … of a zipmap blob."""
    out: list[bytes] = []
    n = len(blob)
    if n < 2:
        raise CompactError("zipmap too short")
    p = 1  # zmlen
    try:
        while True:
            b = blob[p]
            if b == 0xFF:
                p += 1
                break
            if b == 254:
                ln = struct.unpack_from("<I", blob, p + 1)[0]
                p += 5
            else:
                ln = b
                p += 1
            key = blob[p : p + ln]
            if len(key) != ln:
                raise CompactError("truncated zipmap field")
            p += ln
            b = blob[p]
            if b == 254:
                ln = struct.unpack_from("<I", blob, p + 1)[0]
                p += 5
            elif b == 0xFF:
                raise CompactError("zipmap field without a value")
            else:
                ln = b
                p += 1
            free = blob[p]
            p += 1
            val = blob[p : p + ln]
            if len(val) != ln:
                raise CompactError("truncated zipmap value")
            p += ln + free
            out.append(key)
            out.append(val)
    except (IndexError, struct.error) as e:
        raise CompactError("truncated zipmap") from e
    if p != n:
        raise CompactError("zipmap has trailing bytes")
    return out


__all__ = [
    "CompactError",
    "PACKED_THRESHOLD",
    "intset_decode",
    "intset_encode",
    "lp_build",
    "lp_decode",
    "lp_encode",
    "lp_entry",
    "quicklist_nodes",
    "str_to_int64",
    "zipmap_decode",
    "zl_decode",
]
