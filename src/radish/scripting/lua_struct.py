"""struct for scripts: Roberto Ierusalimschy's lua_struct as Redis 7.0
bundles it (pack, unpack, size; same options, alignment and error texts).

Imports nothing of radish above scripting.values.
"""

from __future__ import annotations

import struct
from typing import Any

from .values import LibError, lua_tostring, lua_type_name

_STRUCT_SIZES = {"b": 1, "B": 1, "h": 2, "H": 2, "l": 8, "L": 8, "T": 8, "f": 4, "d": 8, "x": 1}


def _struct_tokens(fmt: bytes):
    """(option, size) for each option of ``fmt``; control options change
    the header (endianness, alignment) as they come."""
    f = fmt.decode("latin-1")
    i = 0
    while i < len(f):
        opt = f[i]
        i += 1
        j = i
        while j < len(f) and f[j].isdigit():
            j += 1
        num = int(f[i:j]) if j > i else None
        if opt in "ciI!":
            i = j
        if opt == "c":
            size = 1 if num is None else num
        elif opt in "iI":
            size = 4 if num is None else num
            if size > 32:
                raise LibError(b"integral size %d is larger than limit of 32" % size)
        else:
            size = _STRUCT_SIZES.get(opt, 0)
        yield opt, size, num


def _struct_align(pos: int, opt: str, size: int, align: int) -> int:
    if size == 0 or opt == "c":
        return 0
    if size > align:
        size = align
    return (size - (pos & (size - 1))) & (size - 1)


def _struct_control(opt: str, num, h: dict) -> None:
    if opt == " ":
        return
    if opt in "<=":
        h["big"] = False
    elif opt == ">":
        h["big"] = True
    elif opt == "!":
        a = 8 if num is None else num
        if a & (a - 1):
            raise LibError(b"alignment %d is not a power of 2" % a)
        h["align"] = a
    else:
        raise LibError(b"invalid format option '%s'" % opt.encode("latin-1"), 1)


def _struct_fmt(args, fname: str) -> bytes:
    if not args or type(args[0]) not in (bytes, int, float):
        raise LibError(b"string expected, got %s" % (b"no value" if not args else lua_type_name(args[0])), 1)
    f = args[0]
    return f if type(f) is bytes else lua_tostring(f)


def pack(args) -> bytes:
    fmt = _struct_fmt(args, "pack")
    h = {"big": False, "align": 1}
    out = bytearray()
    arg = 1
    for opt, size, num in _struct_tokens(fmt):
        pad = _struct_align(len(out), opt, size, h["align"])
        out += b"\0" * pad
        if opt in "bBhHlLTiI":
            v: Any = args[arg] if arg < len(args) else None
            if type(v) not in (int, float) or type(v) is bool:
                raise LibError(b"number expected, got %s" % (b"no value" if arg >= len(args) else lua_type_name(v)), arg + 1)
            n = int(v) & ((1 << (8 * size)) - 1) if size else 0
            out += n.to_bytes(size, "big" if h["big"] else "little") if size else b""
            arg += 1
        elif opt == "x":
            out += b"\0"
        elif opt in "fd":
            v = args[arg] if arg < len(args) else None
            if not isinstance(v, (int, float)):
                raise LibError(b"number expected, got %s" % (b"no value" if arg >= len(args) else lua_type_name(v)), arg + 1)
            out += struct.pack((">" if h["big"] else "<") + opt, float(v))
            arg += 1
        elif opt in "cs":
            v = args[arg] if arg < len(args) else None
            if type(v) in (int, float):
                v = lua_tostring(v)
            if type(v) is not bytes:
                raise LibError(b"string expected, got %s" % (b"no value" if arg >= len(args) else lua_type_name(v)), arg + 1)
            if size == 0:
                size = len(v)
            if len(v) < size:
                raise LibError(b"string too short", arg + 1)
            out += v[:size]
            if opt == "s":
                out += b"\0"
            arg += 1
        else:
            _struct_control(opt, num, h)
    return bytes(out)


def unpack(args) -> tuple:
    fmt = _struct_fmt(args, "unpack")
    data = args[1] if len(args) > 1 else None
    if type(data) is not bytes:
        raise LibError(b"string expected, got %s" % (b"no value" if len(args) < 2 else lua_type_name(data)), 2)
    pos = int(args[2]) - 1 if len(args) > 2 and args[2] is not None else 0
    if not 0 <= pos <= len(data):
        raise LibError(b"offset out of range", 3)
    h = {"big": False, "align": 1}
    values: list = []
    ld = len(data)
    for opt, size, num in _struct_tokens(fmt):
        pos += _struct_align(pos, opt, size, h["align"])
        if size > ld or pos > ld - size:
            raise LibError(b"data string too short", 2)
        if opt in "bBhHlLTiI":
            n = int.from_bytes(data[pos : pos + size], "big" if h["big"] else "little")
            if opt.islower() and size and n >> (8 * size - 1):
                n -= 1 << (8 * size)
            values.append(n)
        elif opt in "fd":
            values.append(struct.unpack((">" if h["big"] else "<") + opt, data[pos : pos + size])[0])
        elif opt == "c":
            if size == 0:
                if not values or type(values[-1]) not in (int, float):
                    raise LibError(b"format `c0' needs a previous size")
                size = int(values.pop())
                if size > ld or pos > ld - size:
                    raise LibError(b"data string too short", 2)
            values.append(data[pos : pos + size])
        elif opt == "s":
            e = data.find(b"\0", pos)
            if e < 0:
                raise LibError(b"unfinished string in data")
            size = e - pos + 1
            values.append(data[pos:e])
        elif opt != "x":
            _struct_control(opt, num, h)
        pos += size
    values.append(pos + 1)
    return tuple(values)


def size(args) -> int:
    fmt = _struct_fmt(args, "size")
    h = {"big": False, "align": 1}
    pos = 0
    for opt, size, num in _struct_tokens(fmt):
        pos += _struct_align(pos, opt, size, h["align"])
        if opt == "s":
            raise LibError(b"option 's' has no fixed size", 1)
        if opt == "c" and size == 0:
            raise LibError(b"option 'c0' has no fixed size", 1)
        if opt not in "bBhHlLTiIfdcx":
            _struct_control(opt, num, h)
        pos += size
    return pos
