"""Values and errors shared by the Lua engine and its libraries: the two
ways a library function fails (LibError, as luaL_error/luaL_argerror;
LuaRaise, an error value raised as Redis's C code raises it) and Lua's
own renderings of values (tostring, type names, numbers as arguments).

Imports nothing of radish but strconv.
"""

from __future__ import annotations

from typing import Any, Protocol

from lupa.lua51 import lua_type

from ..strconv import strtod

LLONG_MIN = -(1 << 63)


class LibError(Exception):
    """A library function's error: luaL_error(msg), or luaL_argerror(arg,
    msg) when ``arg`` is given (the sandbox adds the caller's position and
    the function's name, as those C functions do)."""

    def __init__(self, msg: bytes, arg: int | None = None) -> None:
        super().__init__(msg)
        self.msg = msg
        self.arg = arg


class LuaRaise(Exception):
    """Raised by a library function to raise ``value`` (an error table, as
    Redis's luaError, or a message string) in the script, unchanged."""

    def __init__(self, value) -> None:
        super().__init__("script error")
        self.value = value


def lua_tostring(v) -> bytes:
    """Lua's tostring() of a number (``%.14g``) or other plain value."""
    if type(v) is bool:
        return b"true" if v else b"false"
    if type(v) in (int, float):
        return b"%.14g" % float(v)
    if v is None:
        return b"nil"
    return str(v).encode()


def lua_tonumber(v) -> float | int | None:
    """Lua 5.1's lua_tonumber: a number, or a string that reads as one
    (luaO_str2d: strtod, hexadecimal, trailing spaces), else None."""
    t = type(v)
    if t is int or t is float:
        return v
    if t is not bytes:
        return None
    x, n, _ = strtod(v)
    if n == 0:
        return None
    if v[n:n + 1] in (b"x", b"X"):  # strtoul(s, 16) as Lua does for "0x…"
        return None
    if v[n:].strip(b" \t\n\v\f\r"):
        return None
    return x


def lua_number_bytes(v) -> bytes:
    """A Lua number as Redis passes it to a command (``%.17g``)."""
    return b"%.17g" % float(v)


def lua_type_name(v) -> bytes:
    """lua_typename of a value Lua passed to Python."""
    if v is None:
        return b"nil"
    t = type(v)
    if t is bool:
        return b"boolean"
    if t is bytes:
        return b"string"
    if t is int or t is float:
        return b"number"
    lt = lua_type(v)
    if lt is not None:
        return lt.encode()
    # One of the sandbox's own functions handed back (lupa unwraps them).
    return b"function" if callable(v) else b"userdata"


class LuaValues(Protocol):
    """What a library needs of the interpreter to make and inspect values."""

    null: object  # cjson.null

    def table(self) -> Any:
        """A new, empty Lua table."""

    def type(self, v) -> str | None:
        """lupa's lua_type: 'table', 'function', 'userdata', 'thread' or None."""

    def is_null(self, v) -> bool:
        """``v`` is cjson.null."""


def text(b) -> str:
    """bytes from Lua as str for messages (undecodable bytes replaced)."""
    if isinstance(b, str):
        return b
    return b.decode("utf-8", "replace")
