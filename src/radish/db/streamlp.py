"""A stream node's listpack: appending entries and reading them back.

A node (``db.stream.StreamNode``) keeps its entries as the bytes of
Redis's own listpack for that node (t_stream.c's layout, listpack.c's
element encodings), minus the parts that change in place: the 6-byte
header, the live/deleted counters at its head and the end byte. What is
kept, ``lp`` (a bytearray), is the master entry (the number of master
fields, the fields, the ``0`` terminator) followed by every entry::

    flags ms-diff seq-diff [nfields field value ...] | [value ...] lp-count

(``flags`` 2 = same fields as the master entry: only the values follow;
the ID as differences to the node's master ID; ``lp-count`` the number of
elements of the entry before it). ``stream_node_listpack`` in the RDB
writer wraps it with the header, the counters and the end byte: saving is
a copy. An element is stored as an integer when its text reads as one
(``lpStringToInt64``), as ``lpAppend`` does, so the bytes are Redis's.

Three functions, with the same behaviour in C (``_streamlp.c``, used unless
``RADISH_NO_EXTENSIONS`` is set or it is not built) and here:

``append(lp, master, mfields, new_id, fv) -> bytes``
    Appends entry ``fv`` (a flat field/value tuple) with ID ``new_id``
    (IDs are ints ``ms << 64 | seq``); flags it "same fields" when its
    fields are ``mfields``. Returns the ID as text, ``b"ms-seq"`` (XADD's
    reply: formatting it here saves the caller a 128-bit split and a
    format).

``scan(lp, master, mfields, start, end, count, flags)``
    The entries with ``start <= ID <= end``, in order (reverse order with
    ``REV``), at most ``count`` (0: no limit), deleted ones only with
    ``TOMBSTONES``. Without ``RAW``: a list of ``(id, fv, pos, flags)``
    (``pos``: offset of the entry's flags element in ``lp``, a single byte
    as flags are always small integers). With ``RAW``: ``(n, bytes)``, the
    RESP encoding of the n entries as XRANGE replies them (``*2 $id *2k
    $f $v …`` each: the same bytes in RESP2 and RESP3).

``elements(lp) -> int``
    The number of listpack elements in ``lp`` (the RDB writer's header).

Imports nothing from radish but the package's ``NO_EXTENSIONS`` and strconv.
"""

from __future__ import annotations

from .. import NO_EXTENSIONS
from ..strconv import string2ll
from .listpack import lp_backlen, lp_entry

MASK64 = (1 << 64) - 1
FLAG_DELETED = 1
FLAG_SAMEFIELDS = 2
REV = 1
TOMBSTONES = 2
RAW = 4


_SMALL = [bytes((v, 1)) for v in range(128)]


def int_element(v: int) -> bytes:
    """lpEncodeIntegerGetType + backlen: integer element ``v`` (int64)."""
    if 0 <= v <= 127:
        return _SMALL[v]
    if -4096 <= v <= 4095:
        v &= 0x1FFF
        return bytes((0xC0 | (v >> 8), v & 0xFF, 2))
    if -32768 <= v <= 32767:
        return b"\xf1" + (v & 0xFFFF).to_bytes(2, "little") + b"\x03"
    if -8388608 <= v <= 8388607:
        return b"\xf2" + (v & 0xFFFFFF).to_bytes(3, "little") + b"\x04"
    if -2147483648 <= v <= 2147483647:
        return b"\xf3" + (v & 0xFFFFFFFF).to_bytes(4, "little") + b"\x05"
    return b"\xf4" + (v & MASK64).to_bytes(8, "little") + b"\x09"


def _int64(v: int) -> int:
    v &= MASK64
    return v - (1 << 64) if v >= (1 << 63) else v


def master_entry(mfields: tuple) -> bytearray:
    """A new node's ``lp``: its master entry."""
    lp = bytearray(int_element(len(mfields)))
    for f in mfields:
        lp += lp_entry(f)
    lp += _SMALL[0]
    return lp


def py_append(lp: bytearray, master: int, mfields: tuple, new_id: int, fv: tuple) -> bytes:
    nf = len(fv) >> 1
    same = len(mfields) == nf and mfields == fv[0::2]
    lp += _SMALL[FLAG_SAMEFIELDS if same else 0]
    lp += int_element(_int64((new_id >> 64) - (master >> 64)))
    lp += int_element(_int64((new_id & MASK64) - (master & MASK64)))
    if same:
        for k in range(1, len(fv), 2):
            lp += lp_entry(fv[k])
        lp_count = nf + 3
    else:
        lp += int_element(nf)
        for x in fv:
            lp += lp_entry(x)
        lp_count = nf + 3 + nf + 1
    lp += int_element(lp_count)
    return b"%d-%d" % (new_id >> 64, new_id & MASK64)


def py_elements(lp) -> int:
    p = 0
    n = 0
    end = len(lp)
    while p < end:
        p = read(lp, p)[1]
        n += 1
    return n


def read(lp, p: int) -> tuple[int | bytes, int]:
    """The element at ``p`` (an int or bytes) and the offset after it."""
    b = lp[p]
    if b < 0x80:
        return b, p + 2
    if b < 0xC0:
        n = b & 0x3F
        e = p + 1 + n
        return bytes(lp[p + 1 : e]), e + 1
    if b < 0xE0:
        v = ((b & 0x1F) << 8) | lp[p + 1]
        return (v - 8192 if v >= 4096 else v), p + 3
    if b < 0xF0:
        n = ((b & 0x0F) << 8) | lp[p + 1]
        e = p + 2 + n
        return bytes(lp[p + 2 : e]), e + len(lp_backlen(n + 2))
    if b == 0xF0:
        n = int.from_bytes(lp[p + 1 : p + 5], "little")
        e = p + 5 + n
        return bytes(lp[p + 5 : e]), e + len(lp_backlen(n + 5))
    width = {0xF1: 2, 0xF2: 3, 0xF3: 4, 0xF4: 8}.get(b)
    if width is None:
        raise ValueError("bad listpack element encoding 0x%02x" % b)
    return int.from_bytes(lp[p + 1 : p + 1 + width], "little", signed=True), p + 2 + width


def _text(x: int | bytes) -> bytes:
    return x if isinstance(x, bytes) else b"%d" % x


def _num(x: int | bytes) -> int:
    if type(x) is int:
        return x
    v = string2ll(x)  # type: ignore[arg-type]
    if v is None:
        raise ValueError("integer expected in a stream listpack")
    return v


def _bulk(s: bytes) -> bytes:
    return b"$%d\r\n%b\r\n" % (len(s), s)


def py_scan(lp, master: int, mfields: tuple, start: int, end: int, count: int, flags: int):
    mms, mseq = master >> 64, master & MASK64
    rev = flags & REV
    tomb = flags & TOMBSTONES
    raw = flags & RAW
    nmf = len(mfields)
    n = len(lp)
    x, p = read(lp, 0)
    for _ in range(_num(x) + 1):
        p = read(lp, p)[1]
    out: list = []
    while p < n:
        pos = p
        x, p = read(lp, p)
        ef = _num(x)
        x, p = read(lp, p)
        ms = (mms + _num(x)) & MASK64
        x, p = read(lp, p)
        i = (ms << 64) | ((mseq + _num(x)) & MASK64)
        if i > end:
            break
        take = i >= start and (tomb or not ef & FLAG_DELETED)
        fv: list = []
        if ef & FLAG_SAMEFIELDS:
            for k in range(nmf):
                x, p = read(lp, p)
                if take:
                    fv.append(mfields[k])
                    fv.append(_text(x))
        else:
            x, p = read(lp, p)
            for _ in range(2 * _num(x)):
                x, p = read(lp, p)
                if take:
                    fv.append(_text(x))
        p = read(lp, p)[1]  # lp-count
        if take:
            out.append((i, tuple(fv), pos, ef))
            if count and not rev and len(out) >= count:
                break
    if rev:
        out.reverse()
        if count:
            del out[count:]
    if not raw:
        return out
    parts = []
    for i, fv, _pos, _ef in out:
        parts.append(b"*2\r\n" + _bulk(b"%d-%d" % (i >> 64, i & MASK64)) + b"*%d\r\n" % len(fv))
        parts.extend(_bulk(v) for v in fv)
    return len(out), b"".join(parts)


try:
    from . import _streamlp as _c
except ImportError:  # pragma: no cover - not built: the pure-Python twins above
    _c = None  # type: ignore[assignment]

C_BUILT = _c is not None
append = _c.append if _c is not None and not NO_EXTENSIONS else py_append
scan = _c.scan if _c is not None and not NO_EXTENSIONS else py_scan
elements = _c.elements if _c is not None and not NO_EXTENSIONS else py_elements
