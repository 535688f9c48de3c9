"""Bitmap commands (Redis 7.0's bitmap group, bitops.c).

Bitmaps are plain string values. A command that writes bits keeps the value
as ``bytearray`` (Redis unshares it: OBJECT ENCODING says ``raw``), grows it
with zero bytes as far as the highest bit written, and counts a change only
when the string grew or a bit really flipped (so a no-op SETBIT or BITFIELD
SET is neither dirty nor propagated, as in Redis 7.0).

Whole ranges are handled with big-int and bytes operations
(``int.from_bytes(...).bit_count()``, ``lstrip``, ``translate``, ``& | ^``),
never bit by bit in Python. BITFIELD's overflow checks copy Redis's C
arithmetic (64-bit wrap-around included), so its quirks (``OVERFLOW SAT SET
i8 0 -9223372036854775808`` saturates to 127) are Redis's.

Imports: the registry, argument helpers, errors and the string helpers.
"""

from __future__ import annotations

from .. import errors as E
from ..client import Client
from ..db.notify import NOTIFY_GENERIC, NOTIFY_STRING
from ..errors import CommandError
from .args import parse_int, to_int
from .registry import KEY_ACCESS, KEY_RO, KEY_RW, KEY_UPDATE, KeySpec, command
from .strings import get_string, store_string

_M64 = (1 << 64) - 1


def _s64(x: int) -> int:
    """x as a C int64_t (two's complement wrap-around)."""
    x &= _M64
    return x - (1 << 64) if x >> 63 else x


def _bit_offset(c: Client, arg: bytes, bits: int = 0) -> int:
    """Redis's getBitOffsetFromArgument: ``#N`` means N * bits when
    ``bits`` (BITFIELD); the byte must be under proto-max-bulk-len (except
    for the primary's stream and the AOF being loaded)."""
    usehash = bits > 0 and arg[:1] == b"#"
    n = to_int(arg[1:] if usehash else arg)
    if n is None:
        raise CommandError(E.BIT_OFFSET)
    if usehash:
        n = _s64(n * bits)
    if n < 0 or (not c.must_obey() and (n >> 3) >= c.server.config.proto_max_bulk_len):
        raise CommandError(E.BIT_OFFSET)
    return n


def _string_for_bit_write(c: Client, key: bytes, maxbit: int):
    """Redis's lookupStringForBitCommand: the string at key as a bytearray
    holding at least bit ``maxbit`` (created or zero-grown); and whether it
    was created or grown."""
    db = c.db
    v = get_string(db, key, write=True)
    need = (maxbit >> 3) + 1
    if v is None:
        v = bytearray(need)
        db.add(key, v)
        return v, True
    if type(v) is not bytearray:
        v = bytearray(v)
        db.data[key] = v
    if len(v) < need:
        v += bytes(need - len(v))
        return v, True
    return v, False


# -- SETBIT / GETBIT ------------------------------------------------------------


@command("setbit", 4, "write denyoom", acl="bitmap", keys=(1, 1, 1), key_specs=(KeySpec("RW ACCESS UPDATE", index=1),), group="bitmap", since="2.2.0", summary="Sets or clears the bit at offset in the string value stored at key", complexity="O(1)", direct=True)
def setbit(c: Client, args: list[bytes]):
    """Format: SETBIT key offset value"""
    offset = _bit_offset(c, args[2])
    on = to_int(args[3])
    if on is None or on & ~1:
        raise CommandError(E.BIT_VALUE)
    key = args[1]
    v, grown = _string_for_bit_write(c, key, offset)
    byte = offset >> 3
    shift = 7 - (offset & 7)
    old = (v[byte] >> shift) & 1
    if grown or old != on:
        v[byte] = (v[byte] & ~(1 << shift)) | (on << shift)
        c.db.signal_modified(key)
        c.db.notify(NOTIFY_STRING, b"setbit", key)
        c.server.dirty += 1
    return old


@command("getbit", 3, "readonly fast", acl="bitmap", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="bitmap", since="2.2.0", summary="Returns the bit value at offset in the string value stored at key", complexity="O(1)", direct=True)
def getbit(c: Client, args: list[bytes]):
    """Format: GETBIT key offset"""
    offset = _bit_offset(c, args[2])
    v = get_string(c.db, args[1])
    if v is None:
        return 0
    byte = offset >> 3
    if byte >= len(v):
        return 0
    return (v[byte] >> (7 - (offset & 7))) & 1


# -- BITCOUNT / BITPOS -------------------------------------------------------------


def _unit_is_bit(arg: bytes) -> bool:
    u = arg.lower()
    if u == b"bit":
        return True
    if u == b"byte":
        return False
    raise CommandError(E.SYNTAX)


def _clamp(start: int, end: int, total: int) -> tuple[int, int]:
    if start < 0:
        start += total
    if end < 0:
        end += total
    if start < 0:
        start = 0
    if end < 0:
        end = 0
    if end >= total:
        end = total - 1
    return start, end


@command("bitcount", -2, "readonly", acl="bitmap", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="bitmap", since="2.6.0", summary="Count set bits in a string", complexity="O(N)", direct=True)
def bitcount(c: Client, args: list[bytes]):
    """Format: BITCOUNT key [start end [BYTE | BIT]]"""
    # Redis 7.0 looks the key up before it parses the range: a missing key
    # is 0 whatever follows.
    v = get_string(c.db, args[1])
    if v is None:
        return 0
    n = len(v)
    argc = len(args)
    isbit = False
    if argc == 4 or argc == 5:
        start = parse_int(args[2])
        end = parse_int(args[3])
        if argc == 5:
            isbit = _unit_is_bit(args[4])
        total = n << 3 if isbit else n
        if start < 0 and end < 0 and start > end:
            return 0
        start, end = _clamp(start, end, total)
    elif argc == 2:
        start, end = 0, n - 1
    else:
        raise CommandError(E.SYNTAX)
    if start > end:
        return 0
    if isbit:
        first_skip, last_skip = start & 7, 7 - (end & 7)
        start >>= 3
        end >>= 3
    with memoryview(v) as mv:
        count = int.from_bytes(mv[start : end + 1], "big").bit_count()
    if isbit:
        # Bits of the edge bytes outside the range.
        count -= (v[start] >> (8 - first_skip)).bit_count() if first_skip else 0
        count -= (v[end] & ((1 << last_skip) - 1)).bit_count()
    return count


def _first_in_byte(byte: int, lo: int, hi: int, bit: int):
    """Index (0 = most significant) of the first ``bit`` in byte's bits
    lo..hi, or None."""
    for i in range(lo, hi + 1):
        if (byte >> (7 - i)) & 1 == bit:
            return i
    return None


def _find_bit(v, lo: int, hi: int, bit: int):
    """Position of the first ``bit`` among bits lo..hi of v, or None."""
    sb, eb = lo >> 3, hi >> 3
    if sb == eb:
        r = _first_in_byte(v[sb], lo & 7, hi & 7, bit)
        return None if r is None else (sb << 3) + r
    if lo & 7:
        r = _first_in_byte(v[sb], lo & 7, 7, bit)
        if r is not None:
            return (sb << 3) + r
        sb += 1
    last_partial = (hi & 7) != 7
    mid_end = eb if last_partial else eb + 1
    if sb < mid_end:
        seg = v[sb:mid_end]
        rest = seg.lstrip(b"\xff" if bit == 0 else b"\x00")
        if rest:
            i = sb + len(seg) - len(rest)
            return (i << 3) + _first_in_byte(v[i], 0, 7, bit)
    if last_partial:
        r = _first_in_byte(v[eb], 0, hi & 7, bit)
        if r is not None:
            return (eb << 3) + r
    return None


@command("bitpos", -3, "readonly", acl="bitmap", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="bitmap", since="2.8.7", summary="Find first bit set or clear in a string", complexity="O(N)", direct=True)
def bitpos(c: Client, args: list[bytes]):
    """Format: BITPOS key bit [start [end [BYTE | BIT]]]"""
    bit = parse_int(args[2])
    if bit != 0 and bit != 1:
        raise CommandError(E.BITPOS_BIT)
    # A missing key is an endless run of zeros.
    v = get_string(c.db, args[1])
    if v is None:
        return -1 if bit else 0
    n = len(v)
    argc = len(args)
    isbit = end_given = False
    if 4 <= argc <= 6:
        start = parse_int(args[3])
        if argc == 6:
            isbit = _unit_is_bit(args[5])
        if argc >= 5:
            end = parse_int(args[4])
            end_given = True
        else:
            end = (n << 3) + 7 if isbit else n - 1
        start, end = _clamp(start, end, n << 3 if isbit else n)
    elif argc == 3:
        start, end = 0, n - 1
    else:
        raise CommandError(E.SYNTAX)
    if start > end:
        return -1
    lo, hi = (start, end) if isbit else (start << 3, (end << 3) + 7)
    pos = _find_bit(v, lo, hi, bit)
    if pos is not None:
        return pos
    if bit or end_given:
        return -1
    # Looking for a clear bit with no end: the string is zero-padded.
    return ((hi >> 3) + 1) << 3


# -- BITOP -----------------------------------------------------------------------

_NOT_TABLE = bytes(255 - i for i in range(256))


@command("bitop", -4, "write denyoom", acl="bitmap", keys=(2, -1, 1), key_specs=(KeySpec("OW UPDATE", index=2), KeySpec("RO ACCESS", index=3, lastkey=-1)), group="bitmap", since="2.6.0", summary="Perform bitwise operations between strings", complexity="O(N)", direct=True)
def bitop(c: Client, args: list[bytes]):
    """Format: BITOP AND | OR | XOR | NOT destkey key [key ...]"""
    op = args[1].lower()
    if op not in (b"and", b"or", b"xor", b"not"):
        raise CommandError(E.SYNTAX)
    if op == b"not" and len(args) != 4:
        raise CommandError(E.BITOP_NOT_ONE_KEY)
    db = c.db
    srcs: list[bytes | bytearray] = []
    for key in args[3:]:
        v = db.lookup_read(key)
        if v is None:
            srcs.append(b"")
            continue
        if type(v) is not bytes and type(v) is not bytearray:
            raise CommandError(E.WRONGTYPE)
        srcs.append(v)
    maxlen = max(len(s) for s in srcs)
    dest = args[2]
    if maxlen:
        if op == b"not":
            res = bytearray(srcs[0].translate(_NOT_TABLE))
        elif len(srcs) == 1:
            res = bytearray(srcs[0])
        else:
            # Shorter strings are zero-padded on the right.
            ints = [int.from_bytes(s, "big") << ((maxlen - len(s)) << 3) for s in srcs]
            acc = ints[0]
            if op == b"and":
                for x in ints[1:]:
                    acc &= x
            elif op == b"or":
                for x in ints[1:]:
                    acc |= x
            else:
                for x in ints[1:]:
                    acc ^= x
            res = bytearray(acc.to_bytes(maxlen, "big"))
        store_string(db, dest, res)
        db.signal_modified(dest)
        db.notify(NOTIFY_STRING, b"set", dest)
        c.server.dirty += 1
    elif db.delete(dest):
        db.signal_modified(dest)
        db.notify(NOTIFY_GENERIC, b"del", dest)
        c.server.dirty += 1
    return maxlen


# -- BITFIELD ----------------------------------------------------------------------

WRAP, SAT, FAIL = 0, 1, 2
_OVERFLOW_TYPES = {b"wrap": WRAP, b"sat": SAT, b"fail": FAIL}
GET, SET, INCRBY = 0, 1, 2


def _bitfield_type(arg: bytes) -> tuple[bool, int]:
    """Redis's getBitfieldTypeFromArgument: (signed, bits) of i1..i64 or
    u1..u63 (lower-case prefix only)."""
    sign = arg[:1]
    if sign != b"i" and sign != b"u":
        raise CommandError(E.BITFIELD_TYPE)
    bits = to_int(arg[1:].split(b"\0", 1)[0])  # C reads up to a NUL
    signed = sign == b"i"
    if bits is None or bits < 1 or bits > (64 if signed else 63):
        raise CommandError(E.BITFIELD_TYPE)
    return signed, bits


def _get_unsigned(v, offset: int, bits: int) -> int:
    """The unsigned big-endian field of ``bits`` at bit ``offset``; bytes
    past the end of v read as zeros."""
    sb = offset >> 3
    nbytes = ((offset + bits - 1) >> 3) - sb + 1
    chunk = v[sb : sb + nbytes]
    x = int.from_bytes(chunk, "big") << ((nbytes - len(chunk)) << 3)
    return (x >> ((nbytes << 3) - (offset & 7) - bits)) & ((1 << bits) - 1)


def _get_signed(v, offset: int, bits: int) -> int:
    x = _get_unsigned(v, offset, bits)
    return x - (1 << bits) if x >> (bits - 1) else x


def _set_field(v: bytearray, offset: int, bits: int, value: int) -> None:
    sb = offset >> 3
    nbytes = ((offset + bits - 1) >> 3) - sb + 1
    shift = (nbytes << 3) - (offset & 7) - bits
    mask = ((1 << bits) - 1) << shift
    x = int.from_bytes(v[sb : sb + nbytes], "big")
    x = (x & ~mask) | ((value << shift) & mask)
    v[sb : sb + nbytes] = x.to_bytes(nbytes, "big")


def _check_signed(value: int, incr: int, bits: int, owtype: int):
    """Redis's checkSignedBitfieldOverflow with its int64 arithmetic:
    (overflow, limit) where limit is the wrapped or saturated value."""
    mx = (1 << 63) - 1 if bits == 64 else (1 << (bits - 1)) - 1
    mn = -mx - 1
    maxincr = _s64(mx - value)
    minincr = _s64(mn - value)
    if value > mx or (bits != 64 and incr > maxincr) or (value >= 0 and incr > 0 and incr > maxincr):
        limit = mx
    elif value < mn or (bits != 64 and incr < minincr) or (value < 0 and incr < 0 and incr < minincr):
        limit = mn
    else:
        return False, None
    if owtype == WRAP:
        r = (value + incr) & _M64
        if bits < 64:
            r = r | (_M64 << bits) if r >> (bits - 1) & 1 else r & ((1 << bits) - 1)
        limit = _s64(r)
    return True, limit


def _check_unsigned(value: int, incr: int, bits: int, owtype: int):
    """Redis's checkUnsignedBitfieldOverflow (value is a uint64_t)."""
    mx = (1 << bits) - 1
    maxincr = _s64(mx - value)
    minincr = _s64(-value)
    if value > mx or (incr > 0 and incr > maxincr):
        limit = mx
    elif incr < 0 and incr < minincr:
        limit = 0
    else:
        return False, None
    if owtype == WRAP:
        limit = (value + incr) & mx
    return True, limit


def _bitfield(c: Client, args, readonly_cmd: bool):
    ops = []
    owtype = WRAP
    readonly = True
    highest = 0
    j = 2
    argc = len(args)
    while j < argc:
        remargs = argc - j - 1
        sub = args[j].lower()
        if sub == b"get" and remargs >= 2:
            opcode = GET
        elif sub == b"set" and remargs >= 3:
            opcode = SET
        elif sub == b"incrby" and remargs >= 3:
            opcode = INCRBY
        elif sub == b"overflow" and remargs >= 1:
            given = _OVERFLOW_TYPES.get(args[j + 1].lower())
            if given is None:
                raise CommandError(E.BITFIELD_OVERFLOW_TYPE)
            owtype = given
            j += 2
            continue
        else:
            raise CommandError(E.SYNTAX)
        signed, bits = _bitfield_type(args[j + 1])
        offset = _bit_offset(c, args[j + 2], bits)
        value = 0
        if opcode != GET:
            readonly = False
            highest = max(highest, offset + bits - 1)
            value = parse_int(args[j + 3])
        ops.append((opcode, signed, bits, offset, value, owtype))
        j += 3 if opcode == GET else 4
    db = c.db
    key = args[1]
    if readonly:
        v = get_string(db, key)
        grown = False
    else:
        if readonly_cmd:
            raise CommandError(E.BITFIELD_RO_GET_ONLY)
        v, grown = _string_for_bit_write(c, key, highest)
    out: list[int | None] = []
    changes = 0
    for opcode, signed, bits, offset, value, ow in ops:
        if opcode == GET:
            if v is None:
                out.append(0)
            else:
                out.append(_get_signed(v, offset, bits) if signed else _get_unsigned(v, offset, bits))
            continue
        if signed:
            old = _get_signed(v, offset, bits)
            if opcode == INCRBY:
                overflow, limit = _check_signed(old, value, bits, ow)
                new = limit if overflow else old + value
                ret = new
            else:
                new = value
                overflow, limit = _check_signed(new, 0, bits, ow)
                if overflow:
                    new = limit
                ret = old
        else:
            old = _get_unsigned(v, offset, bits)
            if opcode == INCRBY:
                overflow, limit = _check_unsigned(old, value, bits, ow)
                new = limit if overflow else old + value
                ret = new
            else:
                new = value & _M64
                overflow, limit = _check_unsigned(new, 0, bits, ow)
                if overflow:
                    new = limit
                ret = old
        if overflow and ow == FAIL:
            out.append(None)
            continue
        out.append(ret)
        _set_field(v, offset, bits, new)
        if grown or old != new:
            changes += 1
    if changes:
        db.signal_modified(key)
        db.notify(NOTIFY_STRING, b"setbit", key)
        c.server.dirty += changes
    return out


def _bitfield_key_refs(args: list[bytes]) -> list[tuple[int, int]]:
    """Redis's bitfieldGetKeys: read-only when every operation is a GET
    (OVERFLOW allowed); a SET, an INCRBY or anything malformed writes."""
    readonly = True
    i, n = 2, len(args)
    while i < n:
        left = n - i - 1
        op = args[i].lower()
        if op == b"get" and left >= 2:
            i += 2
        elif op in (b"set", b"incrby") and left >= 3:
            readonly = False
            break
        elif op == b"overflow" and left >= 1:
            i += 1
        else:
            readonly = False
            break
        i += 1
    return [(1, KEY_RO | KEY_ACCESS if readonly else KEY_RW | KEY_ACCESS | KEY_UPDATE)]


@command("bitfield", -2, "write denyoom", acl="bitmap", keys=(1, 1, 1), key_specs=(KeySpec("RW UPDATE ACCESS VARIABLE_FLAGS", index=1, notes="This command allows both access and modification of the key"),), group="bitmap", since="3.2.0", summary="Perform arbitrary bitfield integer operations on strings", complexity="O(1) for each subcommand specified", getkeys_proc=_bitfield_key_refs, direct=True)
def bitfield(c: Client, args: list[bytes]):
    """Format: BITFIELD key [GET encoding offset | [OVERFLOW WRAP | SAT | FAIL]
    SET encoding offset value | INCRBY encoding offset increment ...]"""
    return _bitfield(c, args, False)


@command("bitfield_ro", -2, "readonly fast", acl="bitmap", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="bitmap", since="6.0.0", summary="Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD", complexity="O(1) for each subcommand specified", direct=True)
def bitfield_ro(c: Client, args: list[bytes]):
    """Format: BITFIELD_RO key [GET encoding offset ...]"""
    return _bitfield(c, args, True)
