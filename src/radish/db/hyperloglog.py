"""HyperLogLog values in Redis 7.0's own byte representation.

An HLL is a plain string: the 16-byte header (``HYLL``, the encoding byte:
0 dense / 1 sparse, three unused bytes, the cached cardinality as 8 bytes
little endian whose top bit marks the cache invalid) followed by 16384
six-bit registers, either packed (dense, 12288 bytes) or run-length coded
with the ZERO / XZERO / VAL opcodes (sparse). Elements are hashed with
MurmurHash64A (seed 0xadc83b19): the low 14 bits pick the register, the
run of zeros above them (plus one) is the candidate value. Cardinality is
Ertl's estimator as in Redis 7.0 (hllSigma / hllTau over the register
histogram).

Every function here works on the stored value itself, a ``bytearray``
changed in place (as Redis changes its sds string), so what radish stores,
dumps and replicates is byte for byte what Redis would. Values come from
users (SET, SETRANGE, RESTORE), so every reader tolerates corrupt input and
reads a missing byte past the end as 0 (Redis reads the sds terminator).

This module is the pure-Python twin of the C extension ``radish._hll``
(src/radish/_hll.c), which has the same functions; ``IMPL`` is the one in
use (the C one unless it is not built or ``RADISH_NO_EXTENSIONS`` is set).
tests/unit/test_hll_twin.py holds the two to the same results.

Imports nothing from radish but the package's NO_EXTENSIONS switch.
"""

from __future__ import annotations

import math
import random
from typing import Any

from .. import NO_EXTENSIONS

P = 14
REGISTERS = 1 << P
HDR_SIZE = 16
DENSE_SIZE = HDR_SIZE + REGISTERS * 6 // 8
DENSE = 0
SPARSE = 1
REGISTER_MAX = 63
SPARSE_VAL_MAX_VALUE = 32
SPARSE_VAL_MAX_LEN = 4
SPARSE_ZERO_MAX_LEN = 64
_Q = 64 - P
_ALPHA_INF = 0.721347520444481703680
_M64 = (1 << 64) - 1
_SEED = 0xADC83B19

# A new HLL: sparse, one XZERO opcode covering every register.
EMPTY = b"HYLL\x01\x00\x00\x00" + bytes(8) + b"\x7f\xff"


def murmurhash64a(data: bytes, seed: int) -> int:
    """Redis's MurmurHash64A (endian neutral: 8-byte blocks little endian)."""
    m = 0xC6A4A7935BD1E995
    n = len(data)
    h = (seed ^ (n * m)) & _M64
    tail = n - (n & 7)
    for i in range(0, tail, 8):
        k = int.from_bytes(data[i : i + 8], "little")
        k = (k * m) & _M64
        k ^= k >> 47
        k = (k * m) & _M64
        h ^= k
        h = (h * m) & _M64
    rest = n & 7
    if rest:
        h ^= int.from_bytes(data[tail:], "little")
        h = (h * m) & _M64
    h ^= h >> 47
    h = (h * m) & _M64
    h ^= h >> 47
    return h


def pat_len(element: bytes) -> tuple[int, int]:
    """(register index, count) for an element: hllPatLen."""
    h = murmurhash64a(element, _SEED)
    index = h & (REGISTERS - 1)
    h >>= P
    h |= 1 << _Q
    count = 1
    while not h & 1:
        count += 1
        h >>= 1
    return index, count


def is_hll(v: Any) -> bool:
    """Redis's isHLLObjectOrReply for a string value: long enough for the
    header, ``HYLL``, a known encoding, and a dense value of the exact size."""
    n = len(v)
    if n < HDR_SIZE or v[:4] != b"HYLL" or v[4] > SPARSE:
        return False
    return v[4] != DENSE or n == DENSE_SIZE


def _check(v: Any) -> None:
    if not is_hll(v):
        raise ValueError("not a valid HyperLogLog value")


def _check_mutable(v: Any) -> None:
    if type(v) is not bytearray:
        raise TypeError("a bytearray is required")
    _check(v)


def _check_raw(raw: Any) -> None:
    if len(raw) != REGISTERS:
        raise ValueError("16384 registers are required")


# -- dense registers -----------------------------------------------------------


def _dense_get(v: Any, i: int) -> int:
    b = HDR_SIZE + i * 6 // 8
    fb = i * 6 & 7
    b1 = v[b + 1] if b + 1 < len(v) else 0
    return ((v[b] >> fb) | (b1 << (8 - fb))) & REGISTER_MAX


def _dense_set(v: bytearray, i: int, val: int) -> None:
    b = HDR_SIZE + i * 6 // 8
    fb = i * 6 & 7
    fb8 = 8 - fb
    v[b] = (v[b] & ~(REGISTER_MAX << fb) & 0xFF) | ((val << fb) & 0xFF)
    if b + 1 < len(v):
        v[b + 1] = (v[b + 1] & ~(REGISTER_MAX >> fb8) & 0xFF) | (val >> fb8)


def _dense_update(v: bytearray, i: int, count: int) -> int:
    """hllDenseSet: raise register ``i`` to ``count``; 1 if it changed."""
    if count > _dense_get(v, i):
        _dense_set(v, i, count)
        return 1
    return 0


# -- sparse opcodes ------------------------------------------------------------


def _xzero_len(v: Any, p: int, end: int) -> int:
    return (((v[p] & 0x3F) << 8) | (v[p + 1] if p + 1 < end else 0)) + 1


def to_dense(v: bytearray) -> int:
    """hllSparseToDense in place: 1 converted, 0 already dense, -1 corrupt
    (the value is then left as it was)."""
    _check_mutable(v)
    if v[4] == DENSE:
        return 0
    regs = bytearray(REGISTERS)
    end = len(v)
    p = HDR_SIZE
    idx = 0
    while p < end:
        b = v[p]
        if b & 0xC0 == 0:
            idx += (b & 0x3F) + 1
            p += 1
        elif b & 0xC0 == 0x40:
            idx += _xzero_len(v, p, end)
            p += 2
        else:
            runlen = (b & 3) + 1
            if runlen + idx > REGISTERS:
                break
            regs[idx : idx + runlen] = bytes([((b >> 2) & 0x1F) + 1]) * runlen
            idx += runlen
            p += 1
    if idx != REGISTERS:
        return -1
    out = bytearray(v[:HDR_SIZE])
    out[4] = DENSE
    out += bytes(DENSE_SIZE - HDR_SIZE)
    for i, r in enumerate(regs):
        if r:
            _dense_set(out, i, r)
    v[:] = out
    return 1


def _val(value: int, runlen: int) -> int:
    return ((value - 1) << 2 | (runlen - 1)) | 0x80


def _zeros(n: int) -> bytes:
    if n > SPARSE_ZERO_MAX_LEN:
        n -= 1
        return bytes(((n >> 8) | 0x40, n & 0xFF))
    return bytes((n - 1,))


def _sparse_set(v: bytearray, index: int, count: int, sparse_max: int) -> int:
    """hllSparseSet: 1 the register was raised, 0 it was not, -1 corrupt.
    May promote the value to dense (a count a VAL opcode cannot hold, or a
    sparse value that would grow past ``sparse_max`` bytes)."""
    if count <= SPARSE_VAL_MAX_VALUE:
        r = _sparse_set_in_place(v, index, count, sparse_max)
        if r is not None:
            return r
    if to_dense(v) < 0:
        return -1
    return _dense_update(v, index, count)


def _sparse_set_in_place(v: bytearray, index: int, count: int, sparse_max: int) -> int | None:
    """The sparse update; None when the value must be promoted instead."""
    end = len(v)
    p = HDR_SIZE
    first = 0
    prev = -1
    span = 0
    while p < end:
        b = v[p]
        oplen = 1
        if b & 0xC0 == 0:
            span = (b & 0x3F) + 1
        elif b & 0x80:
            span = (b & 3) + 1
        else:
            span = _xzero_len(v, p, end)
            oplen = 2
        if index <= first + span - 1:
            break
        prev = p
        p += oplen
        first += span
    if span == 0 or p >= end:
        return -1
    b = v[p]
    is_xzero = b & 0xC0 == 0x40
    is_zero = b & 0xC0 == 0
    nxt: int | None = p + 2 if is_xzero else p + 1
    if nxt is not None and nxt >= end:
        nxt = None
    runlen = _xzero_len(v, p, end) if is_xzero else ((b & 0x3F) + 1 if is_zero else (b & 3) + 1)
    done = False
    if not is_zero and not is_xzero:
        if ((b >> 2) & 0x1F) + 1 >= count:
            return 0
        if runlen == 1:
            v[p] = _val(count, 1)
            done = True
    if is_zero and runlen == 1:
        v[p] = _val(count, 1)
        done = True
    if not done:
        last = first + span - 1
        if is_zero or is_xzero:
            seq = (_zeros(index - first) if index != first else b"") + bytes((_val(count, 1),)) + (_zeros(last - index) if index != last else b"")
        else:
            cur = ((b >> 2) & 0x1F) + 1
            seq = bytes(
                ([_val(cur, index - first)] if index != first else [])
                + [_val(count, 1)]
                + ([_val(cur, last - index)] if index != last else [])
            )
        oldlen = 2 if is_xzero else 1
        delta = len(seq) - oldlen
        if delta > 0 and len(v) + delta > sparse_max:
            return None
        if nxt is not None:
            v[p:nxt] = seq
        else:
            newlen = len(v) + delta
            v[p:] = seq
            del v[newlen:]
        end = len(v)
    # Merge adjacent VAL opcodes of the same value (up to 5 opcodes from prev).
    p = prev if prev >= 0 else HDR_SIZE
    scan = 5
    while p < end and scan:
        scan -= 1
        b = v[p]
        if b & 0xC0 == 0x40:
            p += 2
            continue
        if b & 0xC0 == 0:
            p += 1
            continue
        if p + 1 < end and v[p + 1] & 0x80:
            b2 = v[p + 1]
            v1 = ((b >> 2) & 0x1F) + 1
            if v1 == ((b2 >> 2) & 0x1F) + 1:
                n = (b & 3) + (b2 & 3) + 2
                if n <= SPARSE_VAL_MAX_LEN:
                    v[p + 1] = _val(v1, n)
                    del v[p]
                    end -= 1
                    continue
        p += 1
    v[15] |= 0x80
    return 1


def add(v: bytearray, elements: list[bytes], start: int, sparse_max: int) -> int:
    """Add ``elements[start:]`` (PFADD's hllAdd per element): how many
    raised a register, or -1 if the value is corrupt (the elements before
    the failing one stay added, as in Redis); -2 if ``v`` is not an HLL
    at all (is_hll), which is then left alone."""
    if type(v) is not bytearray:
        raise TypeError("a bytearray is required")
    if not is_hll(v):
        return -2
    updated = 0
    for i in range(start, len(elements)):
        index, count = pat_len(elements[i])
        if v[4] == DENSE:
            updated += _dense_update(v, index, count)
        else:
            r = _sparse_set(v, index, count, sparse_max)
            if r < 0:
                return -1
            updated += r
    return updated


# -- counting ------------------------------------------------------------------


def _sigma(x: float) -> float:
    if x == 1.0:
        return math.inf
    y = 1.0
    z = x
    while True:
        x *= x
        zp = z
        z += x * y
        y += y
        if zp == z:
            return z


def _tau(x: float) -> float:
    if x == 0.0 or x == 1.0:
        return 0.0
    y = 1.0
    z = 1 - x
    while True:
        x = math.sqrt(x)
        zp = z
        y *= 0.5
        z -= math.pow(1 - x, 2) * y
        if zp == z:
            return z / 3


def _estimate(histo: list[int]) -> int:
    """Ertl's estimator over the register histogram (hllCount)."""
    m = float(REGISTERS)
    z = m * _tau((m - histo[_Q + 1]) / m)
    for j in range(_Q, 0, -1):
        z += histo[j]
        z *= 0.5
    z += m * _sigma(histo[0] / m)
    e = _ALPHA_INF * m * m / z
    r = math.floor(e)
    return int(r) + 1 if e - r >= 0.5 else int(r)


def _histogram(v: Any) -> list[int] | None:
    """Register histogram of a dense or sparse value; None for a sparse
    value that does not cover exactly 16384 registers."""
    histo = [0] * 64
    if v[4] == DENSE:
        for i in range(REGISTERS):
            histo[_dense_get(v, i)] += 1
        return histo
    end = len(v)
    p = HDR_SIZE
    idx = 0
    while p < end:
        b = v[p]
        if b & 0xC0 == 0:
            n = (b & 0x3F) + 1
            histo[0] += n
            p += 1
        elif b & 0xC0 == 0x40:
            n = _xzero_len(v, p, end)
            histo[0] += n
            p += 2
        else:
            n = (b & 3) + 1
            histo[((b >> 2) & 0x1F) + 1] += n
            p += 1
        idx += n
    return histo if idx == REGISTERS else None


def count(v: Any) -> int:
    """The estimated cardinality of a valid HLL (cache ignored), -1 when
    a sparse value is corrupt."""
    _check(v)
    histo = _histogram(v)
    return -1 if histo is None else _estimate(histo)


def cached_card(v: Any) -> int:
    """The cached cardinality; -1 when the cache is marked invalid, -2
    when ``v`` is not an HLL at all (is_hll)."""
    if not is_hll(v):
        return -2
    if v[15] & 0x80:
        return -1
    return int.from_bytes(bytes(v[8:16]), "little")


def recount(v: bytearray) -> int:
    """PFCOUNT's recount: estimate and store it in the header cache; -1
    (nothing stored) when the value is corrupt."""
    _check_mutable(v)
    card = count(v)
    if card >= 0:
        v[8:16] = card.to_bytes(8, "little")
    return card


def merge_max(raw: bytearray, v: Any) -> bool:
    """hllMerge: raise each byte of ``raw`` (16384 registers, one byte
    each) to the HLL's register; False for a corrupt sparse value."""
    _check_raw(raw)
    _check(v)
    if v[4] == DENSE:
        for i in range(REGISTERS):
            r = _dense_get(v, i)
            if r > raw[i]:
                raw[i] = r
        return True
    end = len(v)
    p = HDR_SIZE
    i = 0
    while p < end:
        b = v[p]
        if b & 0xC0 == 0:
            i += (b & 0x3F) + 1
            p += 1
        elif b & 0xC0 == 0x40:
            i += _xzero_len(v, p, end)
            p += 2
        else:
            runlen = (b & 3) + 1
            val = ((b >> 2) & 0x1F) + 1
            if runlen + i > REGISTERS:
                break
            for j in range(i, i + runlen):
                if val > raw[j]:
                    raw[j] = val
            i += runlen
            p += 1
    return i == REGISTERS


def count_raw(raw: Any) -> int:
    """Cardinality of 16384 one-byte registers (PFCOUNT of several keys)."""
    _check_raw(raw)
    histo = [0] * 64
    for r in raw:
        histo[r & 63] += 1
    return _estimate(histo)


def store_merged(v: bytearray, raw: Any, use_dense: bool, sparse_max: int) -> bool:
    """PFMERGE's write: the destination (made dense first when
    ``use_dense``) raised to every register of ``raw``, cache invalidated.
    False when the destination is corrupt."""
    _check_mutable(v)
    _check_raw(raw)
    raw = bytes(raw)
    if use_dense and to_dense(v) < 0:
        return False
    for j in range(REGISTERS):
        r = raw[j] & REGISTER_MAX
        if r:
            if v[4] == DENSE:
                _dense_update(v, j, r)
            else:
                _sparse_set(v, j, r, sparse_max)
    v[15] |= 0x80
    return True


def registers(v: Any) -> list[int]:
    """The 16384 registers of a dense value (PFDEBUG GETREG)."""
    _check(v)
    if v[4] != DENSE:
        raise ValueError("a dense HyperLogLog is required")
    return [_dense_get(v, i) for i in range(REGISTERS)]


def decode(v: Any) -> bytes:
    """PFDEBUG DECODE of a sparse value: ``z:len``, ``Z:len``, ``v:val,len``."""
    _check(v)
    parts = []
    end = len(v)
    p = HDR_SIZE
    while p < end:
        b = v[p]
        if b & 0xC0 == 0:
            parts.append(b"z:%d" % ((b & 0x3F) + 1))
            p += 1
        elif b & 0xC0 == 0x40:
            parts.append(b"Z:%d" % _xzero_len(v, p, end))
            p += 2
        else:
            parts.append(b"v:%d,%d" % (((b >> 2) & 0x1F) + 1, (b & 3) + 1))
            p += 1
    return b" ".join(parts)


def selftest(sparse_max: int, cycles: int = 1000, elements: int = 10_000_000) -> str | None:
    """PFSELFTEST: register access over random values, then dense and
    sparse HLLs fed the same elements must agree and stay within six
    standard errors at 1, 10, 100 … elements. The error text or None."""
    rnd = random.Random()
    dense = bytearray(DENSE_SIZE)
    for _ in range(cycles):
        values = [rnd.getrandbits(6) for _ in range(REGISTERS)]
        for i, r in enumerate(values):
            _dense_set(dense, i, r)
        for i, r in enumerate(values):
            got = _dense_get(dense, i)
            if got != r:
                return "TESTFAILED Register %d should be %d but is %d" % (i, r, got)
    dense = bytearray(b"HYLL") + bytes(DENSE_SIZE - 4)
    sparse = bytearray(EMPTY)
    relerr = 1.04 / math.sqrt(REGISTERS)
    checkpoint = 1
    seed = rnd.getrandbits(64)
    for j in range(1, elements + 1):
        ele = ((j ^ seed) & _M64).to_bytes(8, "little")
        index, cnt = pat_len(ele)
        _dense_update(dense, index, cnt)
        add(sparse, [ele], 0, sparse_max)
        if j == checkpoint:
            if j < sparse_max // 2 and sparse[4] != SPARSE:
                return "TESTFAILED sparse encoding not used"
            if count(dense) != count(sparse):
                return "TESTFAILED dense/sparse disagree"
            abserr = abs(checkpoint - count(dense))
            maxerr = 1 if j == 10 else math.ceil(relerr * 6 * checkpoint)
            if abserr > maxerr:
                return "TESTFAILED Too big error. card:%d abserr:%d" % (checkpoint, abserr)
            checkpoint *= 10
    return None


# The implementation in use: the C extension unless it is missing or
# RADISH_NO_EXTENSIONS is set; this module otherwise.
C_IMPL: Any
try:
    from .. import _hll as C_IMPL
except ImportError:  # pragma: no cover - no compiler at install time
    C_IMPL = None

IMPL: Any = None
if not NO_EXTENSIONS and C_IMPL is not None:
    IMPL = C_IMPL
if IMPL is None:
    import sys as _sys

    IMPL = _sys.modules[__name__]
