"""bit for scripts: LuaBitOp 1.0.2 as Redis 7.0 bundles it (tobit, bnot,
band, bor, bxor, lshift, rshift, arshift, rol, ror, bswap, tohex), with its
rounding of numbers to 32 bits and its argument errors.

Imports nothing of radish above scripting.values.
"""

from __future__ import annotations

import struct

from .values import LibError, lua_tonumber, lua_type_name

_PACK_D = struct.Struct("<d")
_UNPACK_Q = struct.Struct("<Q")


def _barg(args: tuple, i: int) -> int:
    """LuaBitOp's barg: argument ``i`` (0-based) as an unsigned 32-bit
    value, rounded as ``n + 2^52 + 2^51`` rounds in a double."""
    v = args[i] if i < len(args) else None
    n = lua_tonumber(v)
    if n is None:
        raise LibError(b"number expected, got %s" % (b"no value" if i >= len(args) else lua_type_name(v)), i + 1)
    return _UNPACK_Q.unpack(_PACK_D.pack(float(n) + 6755399441055744.0))[0] & 0xFFFFFFFF


def _signed(b: int) -> int:
    return b - (1 << 32) if b & 0x80000000 else b


def _fold(op):
    def f(*args):
        b = _barg(args, 0)
        for i in range(len(args) - 1, 0, -1):
            b = op(b, _barg(args, i))
        return _signed(b)

    return f


def _tohex(*args):
    b = _barg(args, 0)
    n = 8 if len(args) < 2 else _signed(_barg(args, 1))
    digits = "0123456789abcdef"
    if n < 0:
        n = -n
        digits = digits.upper()
    n = min(n, 8)
    out = []
    for _ in range(n):
        out.append(digits[b & 15])
        b >>= 4
    return "".join(reversed(out)).encode()


def _rol(*args):
    b, n = _barg(args, 0), _barg(args, 1) & 31
    return _signed(((b << n) | (b >> (32 - n))) & 0xFFFFFFFF)


def _ror(*args):
    b, n = _barg(args, 0), _barg(args, 1) & 31
    return _signed(((b >> n) | (b << (32 - n))) & 0xFFFFFFFF)


def functions() -> dict:
    """LuaBitOp's functions by name."""
    return {
        b"tobit": lambda *a: _signed(_barg(a, 0)),
        b"bnot": lambda *a: _signed(~_barg(a, 0) & 0xFFFFFFFF),
        b"band": _fold(lambda a, b: a & b),
        b"bor": _fold(lambda a, b: a | b),
        b"bxor": _fold(lambda a, b: a ^ b),
        b"lshift": lambda *a: _signed((_barg(a, 0) << (_barg(a, 1) & 31)) & 0xFFFFFFFF),
        b"rshift": lambda *a: _signed(_barg(a, 0) >> (_barg(a, 1) & 31)),
        b"arshift": lambda *a: _signed(_barg(a, 0)) >> (_barg(a, 1) & 31),
        b"rol": _rol,
        b"ror": _ror,
        b"bswap": lambda *a: _signed(int.from_bytes(_barg(a, 0).to_bytes(4, "little"), "big")),
        b"tohex": _tohex,
    }
