"""Split a text line into arguments exactly as Redis's ``sdssplitargs()`` does,
and quote arguments the way ``sdscatrepr()`` does (its inverse).

Used for inline commands and for redis.conf lines.  Pure functions over bytes;
imports nothing from radish (nor anything else beyond the standard library).

Rules of ``sdssplitargs`` (Redis 7.0), reproduced here:

* arguments are separated by whitespace; blank runs (C ``isspace``: space,
  ``\\t \\n \\v \\f \\r``) between arguments are skipped, but an unquoted argument
  only ends at a space, ``\\t``, ``\\n``, ``\\r`` or the end of the line;
* a double quote opens a quoted part (also in the middle of an argument, as in
  ``foo"bar"``) where ``\\xHH`` (hex, any case) and ``\\n \\r \\t \\b \\a`` are
  escapes and any other escaped character stands for itself (``\\\\``, ``\\"``);
* a single quote opens a quoted part where only ``\\'`` is an escape;
* a closing quote must be followed by whitespace or the end of the line, and a
  quote must be closed: otherwise the line is invalid and ``None`` is returned;
* the line is a C string: it ends at the first NUL byte.
"""

from __future__ import annotations

__all__ = ["split_args", "quote_arg"]

_BLANKS = b" \t\n\v\f\r"  # C isspace() in the "C" locale
_UNQUOTED_END = b" \n\r\t"  # what ends an unquoted argument
_HEX = b"0123456789abcdefABCDEF"
_ESCAPES = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("a"): 7}
_DQUOTE = 0x22
_SQUOTE = 0x27
_BACKSLASH = 0x5C


def split_args(line: bytes) -> list[bytes] | None:
    """Arguments of one inline-command or config line, or None for unbalanced
    quotes (an unterminated quote, or a closing quote glued to more text)."""
    if (
        b'"' not in line
        and b"'" not in line
        and b"\v" not in line
        and b"\f" not in line
        and b"\0" not in line
    ):
        # Common case: without quotes, \v, \f or NUL, bytes.split() (which
        # splits on exactly the six C whitespace bytes) gives the same answer.
        return line.split()
    return _split_slow(line)


def _split_slow(line: bytes) -> list[bytes] | None:
    nul = line.find(b"\0")
    if nul >= 0:
        line = line[:nul]
    n = len(line)
    blanks = _BLANKS
    out: list[bytes] = []
    i = 0
    while True:
        while i < n and line[i] in blanks:
            i += 1
        if i >= n:
            return out
        cur = bytearray()
        while True:
            if i >= n:  # end of line ends an unquoted argument
                break
            c = line[i]
            if c == _DQUOTE:
                i += 1
                while True:
                    if i >= n:
                        return None  # unterminated quotes
                    c = line[i]
                    if (
                        c == _BACKSLASH
                        and i + 3 < n  # room for xHH
                        and line[i + 1] == 0x78  # 'x'
                        and line[i + 2] in _HEX
                        and line[i + 3] in _HEX
                    ):
                        cur.append(int(line[i + 2 : i + 4], 16))
                        i += 4
                    elif c == _BACKSLASH and i + 1 < n:
                        e = line[i + 1]
                        cur.append(_ESCAPES.get(e, e))
                        i += 2
                    elif c == _DQUOTE:
                        if i + 1 < n and line[i + 1] not in blanks:
                            return None  # closing quote must be followed by a blank
                        i += 1
                        break
                    else:
                        cur.append(c)
                        i += 1
                break  # the argument ends with its closing quote
            if c == _SQUOTE:
                i += 1
                while True:
                    if i >= n:
                        return None
                    c = line[i]
                    if c == _BACKSLASH and i + 1 < n and line[i + 1] == _SQUOTE:
                        cur.append(_SQUOTE)
                        i += 2
                    elif c == _SQUOTE:
                        if i + 1 < n and line[i + 1] not in blanks:
                            return None
                        i += 1
                        break
                    else:
                        cur.append(c)
                        i += 1
                break
            if c in _UNQUOTED_END:
                i += 1
                break
            cur.append(c)
            i += 1
        out.append(bytes(cur))


def _build_repr_table() -> list[bytes]:
    table = []
    for b in range(256):
        if b == _BACKSLASH:
            table.append(b"\\\\")
        elif b == _DQUOTE:
            table.append(b'\\"')
        elif b == 10:
            table.append(b"\\n")
        elif b == 13:
            table.append(b"\\r")
        elif b == 9:
            table.append(b"\\t")
        elif b == 7:
            table.append(b"\\a")
        elif b == 8:
            table.append(b"\\b")
        elif 0x20 <= b <= 0x7E:
            table.append(bytes([b]))
        else:
            table.append(b"\\x%02x" % b)
    return table


_REPR = _build_repr_table()


def quote_arg(arg: bytes) -> bytes:
    """``arg`` in double quotes with escapes, as Redis's ``sdscatrepr()`` (and
    redis-cli) writes it; ``split_args`` reads it back unchanged."""
    table = _REPR
    return b'"' + b"".join([table[b] for b in arg]) + b'"'
