"""cmsgpack for scripts: lua_cmsgpack 0.4 as Redis 7.0 bundles it (pack,
unpack, unpack_one, unpack_limit; same encoding choices and error texts).

Imports nothing of radish above scripting.values.
"""

from __future__ import annotations

import math
import struct

from .values import LibError, LuaValues, lua_type_name


def pack(lua: LuaValues, args) -> bytes:
    """cmsgpack.pack(v1, ...): the values encoded one after the other."""
    if not args:
        raise LibError(b"MessagePack pack needs input.")
    out = bytearray()
    for v in args:
        _mp_encode(lua, out, v, 0)
    return bytes(out)


def unpack(lua: LuaValues, args, limit_arg: int, offset_arg: int, with_offset: bool) -> tuple:
    """The objects of ``args[0]``: all of them (unpack), or at most a
    limit from an offset, preceded by the next offset, -1 at the end
    (unpack_one: limit 1, unpack_limit: limit given)."""
    s = args[0] if args else None
    if type(s) is not bytes:
        raise LibError(b"string expected, got %s" % (b"no value" if not args else lua_type_name(s)), 1)
    if with_offset and offset_arg == 2:  # unpack_limit(s, limit, offset)
        limit = int(args[1]) if len(args) > 1 and args[1] is not None else 0
    else:
        limit = 1 if with_offset else 0
    off = args[offset_arg] if len(args) > offset_arg and with_offset else None
    pos = int(off) if off is not None else 0
    values: list = []
    try:
        while pos < len(s) and (limit <= 0 or len(values) < limit):
            v, pos = _mp_decode(lua, s, pos)
            values.append(v)
    except (IndexError, ValueError):
        raise LibError(b"Missing bytes in input.") from None
    if with_offset:
        values.insert(0, pos if pos < len(s) else -1)
    return tuple(values)


def _mp_encode(lua: LuaValues, out: bytearray, v, depth: int) -> None:
    t = type(v)
    if v is None:
        out.append(0xC0)
    elif t is bool:
        out.append(0xC3 if v else 0xC2)
    elif t is int or t is float and v == v and not math.isinf(v) and float(v).is_integer() and abs(v) < 2**63:
        _mp_int(out, int(v))
    elif t is float:
        f32 = struct.unpack("<f", struct.pack("<f", v))[0] if abs(v) < 3.5e38 or math.isinf(v) else None
        if f32 is not None and (f32 == v or v != v):
            out += b"\xca" + struct.pack(">f", v)
        else:
            out += b"\xcb" + struct.pack(">d", v)
    elif t is bytes:
        n = len(v)
        if n < 32:
            out.append(0xA0 | n)
        elif n <= 0xFF:
            out += b"\xd9" + bytes((n,))
        elif n <= 0xFFFF:
            out += b"\xda" + struct.pack(">H", n)
        else:
            out += b"\xdb" + struct.pack(">I", n)
        out += v
    elif lua.type(v) == "table" and depth < 16:
        items = list(v.items())
        keys = [k for k, _x in items]
        n = len(items)
        if all(type(k) is int and k >= 1 for k in keys) and (not keys or max(keys) == n):
            _mp_len(out, n, 0x90, 0xDC)
            for i in range(1, n + 1):
                _mp_encode(lua, out, v[i], depth + 1)
        else:
            _mp_len(out, n, 0x80, 0xDE)
            for k, x in items:
                _mp_encode(lua, out, k, depth + 1)
                _mp_encode(lua, out, x, depth + 1)
    else:
        out.append(0xC0)


def _mp_len(out: bytearray, n: int, fix: int, code16: int) -> None:
    if n < 16:
        out.append(fix | n)
    elif n <= 0xFFFF:
        out += bytes((code16,)) + struct.pack(">H", n)
    else:
        out += bytes((code16 + 1,)) + struct.pack(">I", n)


def _mp_int(out: bytearray, n: int) -> None:
    if n >= 0:
        if n <= 127:
            out.append(n)
        elif n <= 0xFF:
            out += b"\xcc" + bytes((n,))
        elif n <= 0xFFFF:
            out += b"\xcd" + struct.pack(">H", n)
        elif n <= 0xFFFFFFFF:
            out += b"\xce" + struct.pack(">I", n)
        else:
            out += b"\xcf" + struct.pack(">Q", n)
    elif n >= -32:
        out += struct.pack(">b", n)
    elif n >= -128:
        out += b"\xd0" + struct.pack(">b", n)
    elif n >= -32768:
        out += b"\xd1" + struct.pack(">h", n)
    elif n >= -(2**31):
        out += b"\xd2" + struct.pack(">i", n)
    else:
        out += b"\xd3" + struct.pack(">q", n)


_MP_FIXED = {
    0xCC: ">B", 0xCD: ">H", 0xCE: ">I", 0xCF: ">Q", 0xD0: ">b", 0xD1: ">h", 0xD2: ">i", 0xD3: ">q",
    0xCA: ">f", 0xCB: ">d",
}


def _mp_decode(lua: LuaValues, s: bytes, i: int):
    c = s[i]
    i += 1
    if c <= 0x7F:
        return c, i
    if c >= 0xE0:
        return c - 256, i
    if 0xA0 <= c <= 0xBF:
        return _mp_take(s, i, c & 0x1F)
    if 0x90 <= c <= 0x9F:
        return _mp_array(lua, s, i, c & 0x0F)
    if 0x80 <= c <= 0x8F:
        return _mp_map(lua, s, i, c & 0x0F)
    if c == 0xC0:
        return None, i
    if c in (0xC2, 0xC3):
        return c == 0xC3, i
    fmt = _MP_FIXED.get(c)
    if fmt is not None:
        size = struct.calcsize(fmt)
        if i + size > len(s):
            raise ValueError("short")
        return struct.unpack(fmt, s[i : i + size])[0], i + size
    if c in (0xD9, 0xC4):
        return _mp_take(s, i + 1, s[i])
    if c in (0xDA, 0xC5):
        return _mp_take(s, i + 2, struct.unpack(">H", s[i : i + 2])[0])
    if c in (0xDB, 0xC6):
        return _mp_take(s, i + 4, struct.unpack(">I", s[i : i + 4])[0])
    if c == 0xDC:
        return _mp_array(lua, s, i + 2, struct.unpack(">H", s[i : i + 2])[0])
    if c == 0xDD:
        return _mp_array(lua, s, i + 4, struct.unpack(">I", s[i : i + 4])[0])
    if c == 0xDE:
        return _mp_map(lua, s, i + 2, struct.unpack(">H", s[i : i + 2])[0])
    if c == 0xDF:
        return _mp_map(lua, s, i + 4, struct.unpack(">I", s[i : i + 4])[0])
    raise ValueError("bad type")


def _mp_take(s: bytes, i: int, n: int):
    if i + n > len(s):
        raise ValueError("short")
    return s[i : i + n], i + n


def _mp_array(lua: LuaValues, s: bytes, i: int, n: int):
    t = lua.table()
    for j in range(1, n + 1):
        t[j], i = _mp_decode(lua, s, i)
    return t, i


def _mp_map(lua: LuaValues, s: bytes, i: int, n: int):
    t = lua.table()
    for _ in range(n):
        k, i = _mp_decode(lua, s, i)
        v, i = _mp_decode(lua, s, i)
        if k is not None:
            t[k] = v
    return t, i
