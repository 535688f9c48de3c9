"""cjson for scripts: lua-cjson 2.1 as Redis 7.0 bundles it (its default
number precision, escapes, sparse-array refusal, cjson.null, the decoder
and its error texts).

Imports nothing of radish above scripting.values (and radish.strconv below it).
"""

from __future__ import annotations

import math
import re

from ..strconv import strtod
from .values import LibError, LuaValues, lua_tostring, lua_type_name


def encode(lua: LuaValues, args) -> bytes:
    """cjson.encode(value)."""
    if len(args) != 1:
        raise LibError(b"expected 1 argument", 1)
    out: list[bytes] = []
    _json_encode(lua, out, args[0], 1)
    return b"".join(out)


def decode(lua: LuaValues, args):
    """cjson.decode(text)."""
    if len(args) != 1:
        raise LibError(b"expected 1 argument", 1)
    s = args[0]
    if type(s) in (int, float):
        s = lua_tostring(s)
    if type(s) is not bytes:
        raise LibError(b"string expected, got %s" % lua_type_name(s), 1)
    return _JsonDecoder(lua, s).decode()


def _fmt_number(v) -> bytes:
    """lua-cjson's number rendering (encode_number_precision 14)."""
    if v != v or (type(v) is float and math.isinf(v)):
        raise LibError(b"Cannot serialise number: must not be NaN or Inf")
    return b"%.14g" % float(v) if type(v) is float or abs(v) >= 10**14 else b"%d" % v


# A run holding every character C strtod may read of a number.
_NUMBER_CHARS = re.compile(rb"[0-9A-Za-z_+.\-()]*").match
_JSON_ESCAPES = {0x22: b'\\"', 0x5C: b"\\\\", 0x2F: b"\\/", 0x08: b"\\b", 0x0C: b"\\f", 0x0A: b"\\n",
                 0x0D: b"\\r", 0x09: b"\\t", 0x7F: b"\\u007f"}


def _json_string(s: bytes) -> bytes:
    out = bytearray(b'"')
    for ch in s:
        e = _JSON_ESCAPES.get(ch)
        if e is not None:
            out += e
        elif ch < 0x20:
            out += b"\\u%04x" % ch
        else:
            out.append(ch)
    out += b'"'
    return bytes(out)


def _json_encode(lua: LuaValues, out: list, v, depth: int) -> None:
    t = type(v)
    if v is None:
        out.append(b"null")
    elif t is bool:
        out.append(b"true" if v else b"false")
    elif t is int or t is float:
        out.append(_fmt_number(v))
    elif t is bytes:
        out.append(_json_string(v))
    elif lua.type(v) == "table":
        if depth > 1000:
            raise LibError(b"Cannot serialise, excessive nesting (%d)" % depth)
        items = list(v.items())
        n = _json_array_length(items)
        if n > 0:
            out.append(b"[")
            for i in range(1, n + 1):
                if i > 1:
                    out.append(b",")
                _json_encode(lua, out, v[i], depth + 1)
            out.append(b"]")
            return
        out.append(b"{")
        for j, (k, x) in enumerate(items):
            if j:
                out.append(b",")
            tk = type(k)
            if tk is bytes:
                out.append(_json_string(k))
            elif tk is int or tk is float:
                out.append(b'"' + _fmt_number(k) + b'"')
            else:
                raise LibError(b"Cannot serialise %s: table key must be a number or string" % lua_type_name(k))
            out.append(b":")
            _json_encode(lua, out, x, depth + 1)
        out.append(b"}")
    elif lua.is_null(v):
        out.append(b"null")
    else:
        raise LibError(b"Cannot serialise %s: type not supported" % lua_type_name(v))


def _json_array_length(items) -> int:
    """lua_array_length: the array size, or -1/0 for an object (Redis's
    encode_sparse_ratio 2, safe 10, convert off: sparse arrays are errors)."""
    mx = 0
    for k, _x in items:
        if type(k) in (int, float) and k >= 1 and float(k).is_integer():
            mx = max(mx, int(k))
        else:
            return -1
    if mx > len(items) * 2 and mx > 10:
        raise LibError(b"Cannot serialise table: excessively sparse array")
    return mx


class _JsonDecoder:
    """lua-cjson's decoder: same results, same error texts."""

    def __init__(self, lua: LuaValues, s: bytes) -> None:
        self.lua = lua
        self.s = s
        self.i = 0
        self.depth = 0

    def decode(self):
        tok = self.next()
        v = self.value(tok)
        tok = self.next()
        if tok[0] != "T_END":
            self.fail("the end", tok)
        return v

    def fail(self, expected: str, tok) -> None:
        found = tok[2] if tok[0] == "T_ERROR" else tok[0]
        raise LibError(b"Expected %s but found %s at character %d" % (expected.encode(), found.encode(), tok[1] + 1))

    def next(self):
        """(type, index, value) of the next token."""
        s, i = self.s, self.i
        n = len(s)
        while i < n and s[i] in b" \t\n\r":
            i += 1
        self.i = i
        if i >= n:
            return ("T_END", i, None)
        c = s[i]
        single = {0x7B: "T_OBJ_BEGIN", 0x7D: "T_OBJ_END", 0x5B: "T_ARR_BEGIN", 0x5D: "T_ARR_END",
                  0x3A: "T_COLON", 0x2C: "T_COMMA"}.get(c)
        if single:
            self.i = i + 1
            return (single, i, None)
        if c == 0x22:
            return self.string(i)
        if c == 0x2D or 0x30 <= c <= 0x39:
            return self.number(i)
        for word, val in ((b"true", True), (b"false", False), (b"null", None)):
            if s.startswith(word, i):
                self.i = i + len(word)
                return ("T_NULL" if val is None else "T_BOOLEAN", i, val)
        if c == 0x2B or s[i : i + 3].lower() in (b"inf", b"nan"):  # json_is_invalid_number
            return self.number(i)
        return ("T_ERROR", i, "invalid token")

    def string(self, start: int):
        s, i = self.s, start + 1
        out = bytearray()
        while True:
            if i >= len(s):
                return ("T_ERROR", start, "unexpected end of string")
            c = s[i]
            if c == 0x22:
                break
            if c == 0x5C:
                if i + 1 >= len(s):
                    return ("T_ERROR", start, "unexpected end of string")
                e = s[i + 1]
                simple = {0x22: b'"', 0x5C: b"\\", 0x2F: b"/", 0x62: b"\b", 0x66: b"\f", 0x6E: b"\n",
                          0x72: b"\r", 0x74: b"\t"}.get(e)
                if simple is not None:
                    out += simple
                    i += 2
                    continue
                if e == 0x75:
                    cp, i2 = self.unicode(i)
                    if cp is None:
                        return ("T_ERROR", start, "invalid unicode escape code")
                    out += chr(cp).encode("utf-8", "surrogatepass")
                    i = i2
                    continue
                return ("T_ERROR", start, "invalid escape code")
            out.append(c)
            i += 1
        self.i = i + 1
        return ("T_STRING", start, bytes(out))

    def unicode(self, i: int):
        s = self.s
        h = s[i + 2 : i + 6]
        if len(h) < 4 or any(ch not in b"0123456789abcdefABCDEF" for ch in h):
            return None, i
        cp = int(h, 16)
        i += 6
        if 0xD800 <= cp <= 0xDBFF:
            if s[i : i + 2] != b"\\u":
                return None, i
            h2 = s[i + 2 : i + 6]
            if len(h2) < 4 or any(ch not in b"0123456789abcdefABCDEF" for ch in h2):
                return None, i
            lo = int(h2, 16)
            if not 0xDC00 <= lo <= 0xDFFF:
                return None, i
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
            i += 6
        elif 0xDC00 <= cp <= 0xDFFF:
            return None, i
        return cp, i

    def number(self, start: int):
        """fpconv_strtod: C strtod from here (lua-cjson as Redis builds it
        decodes "invalid numbers" too: hex, leading zeros, '+', inf, nan)."""
        run = _NUMBER_CHARS(self.s, start)
        v, n, _ = strtod(run.group() if run else b"")
        if n == 0:
            return ("T_ERROR", start, "invalid number")
        self.i = start + n
        return ("T_NUMBER", start, int(v) if v.is_integer() and abs(v) < 2**63 else v)

    def value(self, tok):
        kind = tok[0]
        if kind in ("T_STRING", "T_NUMBER", "T_BOOLEAN"):
            return tok[2]
        if kind == "T_NULL":
            return self.lua.null
        if kind in ("T_OBJ_BEGIN", "T_ARR_BEGIN"):
            self.depth += 1
            if self.depth > 1000:
                raise LibError(b"Found too many nested data structures (%d) at character %d" % (self.depth, tok[1] + 1))
            try:
                return self.obj() if kind == "T_OBJ_BEGIN" else self.arr()
            finally:
                self.depth -= 1
        self.fail("value", tok)

    def obj(self):
        t = self.lua.table()
        tok = self.next()
        if tok[0] == "T_OBJ_END":
            return t
        while True:
            if tok[0] != "T_STRING":
                self.fail("object key string", tok)
            key = tok[2]
            tok = self.next()
            if tok[0] != "T_COLON":
                self.fail("colon", tok)
            t[key] = self.value(self.next())
            tok = self.next()
            if tok[0] == "T_OBJ_END":
                return t
            if tok[0] != "T_COMMA":
                self.fail("comma or object end", tok)
            tok = self.next()

    def arr(self):
        t = self.lua.table()
        tok = self.next()
        if tok[0] == "T_ARR_END":
            return t
        i = 1
        while True:
            t[i] = self.value(tok)
            i += 1
            tok = self.next()
            if tok[0] == "T_ARR_END":
                return t
            if tok[0] != "T_COMMA":
                self.fail("comma or array end", tok)
            tok = self.next()
