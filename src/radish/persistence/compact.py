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

from ..strconv import string2ll


class CompactError(ValueError):
    """A malformed listpack / ziplist / intset / zipmap blob."""


# Redis's string2ll, which lpStringToInt64 and intset checks use.
str_to_int64 = string2ll


# -- listpack ---------------------------------------------------------------------

_LP_HDR = 6
_LP_EOF = 0xFF


def _lp_backlen(n: int) -> bytes:
    if n <= 127:
        return bytes((n,))
    if n < 16383:
        return bytes((n >> 7, (n & 127) | 128))
    if n < 2097151:
        return bytes((n >> 14, ((n >> 7) & 127) | 128, (n & 127) | 128))
    if n < 268435455:
        return bytes((n >> 21, ((n >> 14) & 127) | 128, ((n >> 7) & 127) | 128, (n & 127) | 128))
    return bytes(
        (n >> 28, ((n >> 21) & 127) | 128, ((n >> 14) & 127) | 128, ((n >> 7) & 127) | 128, (n & 127) | 128)
    )


_SMALL_LP_ENTRIES = [bytes((v, 1)) for v in range(128)]


def lp_entry(s: bytes) -> bytes:
    """One listpack entry (encoding, data, back length) for element ``s``."""
    n = len(s)
    if n <= 20:
        v = str_to_int64(s)
        if v is not None:
            if 0 <= v <= 127:
                return _SMALL_LP_ENTRIES[v]
            if -4096 <= v <= 4095:
                v &= 0x1FFF
                return bytes((0xC0 | (v >> 8), v & 0xFF, 2))
            if -32768 <= v <= 32767:
                return b"\xf1" + struct.pack("<h", v) + b"\x03"
            if -8388608 <= v <= 8388607:
                return b"\xf2" + (v & 0xFFFFFF).to_bytes(3, "little") + b"\x04"
            if -2147483648 <= v <= 2147483647:
                return b"\xf3" + struct.pack("<i", v) + b"\x05"
            return b"\xf4" + struct.pack("<q", v) + b"\x09"
    if n < 64:
        return bytes((0x80 | n,)) + s + bytes((n + 1,))
    if n < 4096:
        head = bytes((0xE0 | (n >> 8), n & 0xFF))
        return head + s + _lp_backlen(n + 2)
    return b"\xf0" + struct.pack("<I", n) + s + _lp_backlen(n + 5)


def lp_build(entries: list[bytes]) -> bytes:
    """A listpack blob from already encoded entries (see ``lp_entry``)."""
    body = b"".join(entries)
    total = _LP_HDR + len(body) + 1
    count = len(entries)
    return struct.pack("<IH", total, count if count < 65535 else 65535) + body + b"\xff"


def lp_encode(items) -> bytes:
    """A listpack holding ``items`` (bytes) in order."""
    return lp_build([lp_entry(s) for s in items])


def lp_decode(blob: bytes) -> list[bytes]:
    """The elements of a listpack blob (integers as their decimal strings)."""
    n = len(blob)
    if n < _LP_HDR + 1:
        raise CompactError("listpack too short")
    total, count = struct.unpack_from("<IH", blob, 0)
    if total != n:
        raise CompactError("listpack header length %d, blob is %d bytes" % (total, n))
    if blob[-1] != _LP_EOF:
        raise CompactError("listpack without terminator")
    out: list[bytes] = []
    append = out.append
    p = _LP_HDR
    end = n - 1
    try:
        while p < end:
            b = blob[p]
            start = p
            if b < 0x80:
                append(b"%d" % b)
                p += 1
            elif b < 0xC0:
                ln = b & 0x3F
                p += 1
                append(blob[p : p + ln])
                p += ln
            elif b < 0xE0:
                v = ((b & 0x1F) << 8) | blob[p + 1]
                if v >= 4096:
                    v -= 8192
                append(b"%d" % v)
                p += 2
            elif b < 0xF0:
                ln = ((b & 0x0F) << 8) | blob[p + 1]
                p += 2
                append(blob[p : p + ln])
                p += ln
            elif b == 0xF0:
                ln = struct.unpack_from("<I", blob, p + 1)[0]
                p += 5
                append(blob[p : p + ln])
                p += ln
            elif b == 0xF1:
                append(b"%d" % struct.unpack_from("<h", blob, p + 1)[0])
                p += 3
            elif b == 0xF2:
                v = int.from_bytes(blob[p + 1 : p + 4], "little")
                if len(blob[p + 1 : p + 4]) != 3:
                    raise CompactError("truncated listpack entry")
                if v >= 1 << 23:
                    v -= 1 << 24
                append(b"%d" % v)
                p += 4
            elif b == 0xF3:
                append(b"%d" % struct.unpack_from("<i", blob, p + 1)[0])
                p += 5
            elif b == 0xF4:
                append(b"%d" % struct.unpack_from("<q", blob, p + 1)[0])
                p += 9
            else:
                raise CompactError("invalid listpack entry encoding 0x%02x" % b)
            if p > end:
                raise CompactError("listpack entry runs past the end")
            # Skip (and check) the back length.
            ln = p - start
            back = _lp_backlen(ln)
            if blob[p : p + len(back)] != back:
                raise CompactError("listpack entry with a wrong back length")
            p += len(back)
    except (IndexError, struct.error) as e:
        raise CompactError("truncated listpack entry") from e
    if p != end:
        raise CompactError("listpack entries run past the end")
    if count != 65535 and count != len(out):
        raise CompactError("listpack header count %d, found %d entries" % (count, len(out)))
    return out


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


def intset_encode(values: list[int]) -> bytes:
    """An intset of distinct integers (sorted here), in the narrowest width."""
    values = sorted(values)
    width = 2
    if values:
        lo, hi = values[0], values[-1]
        if lo < -2147483648 or hi > 2147483647:
            width = 8
        elif lo < -32768 or hi > 32767:
            width = 4
    return struct.pack("<II", width, len(values)) + struct.pack("<%d%s" % (len(values), _INTSET_FMT[width]), *values)


def intset_decode(blob: bytes) -> list[bytes]:
    """The members of an intset blob, as decimal strings."""
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
