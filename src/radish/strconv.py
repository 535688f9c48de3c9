"""Redis's string-to-number rules shared by every layer (protocol, db,
commands): ``string2ll`` accepts an optional '-' and decimal digits, no
spaces, no '+', no leading zeros, within 64 bits.

Imports nothing from radish.
"""

from __future__ import annotations

import math

LLONG_MAX = 2**63 - 1
LLONG_MIN = -(2**63)


def string2ll(s: bytes) -> int | None:
    """The integer ``s`` spells exactly as Redis would print it, or None."""
    n = len(s)
    if n == 0 or n > 20:
        return None
    if s.isdigit():
        if s[0] == 48 and n > 1:
            return None
        v = int(s)
        return v if v <= LLONG_MAX else None
    if n > 1 and s[0] == 45 and s[1] != 48 and s[1:].isdigit():
        v = int(s)
        return v if v >= LLONG_MIN else None
    return None


_C_SPACE = b" \t\n\v\f\r"
_DIGITS = b"0123456789"
_HEXDIGITS = b"0123456789abcdefABCDEF"


def strtod(s: bytes) -> tuple[float, int]:
    """C's strtod (glibc): the value of the longest prefix of ``s`` that
    reads as a number, and that prefix's length (0 when none does: value
    0.0). Leading C whitespace, a sign, decimal and hexadecimal forms,
    ``inf``/``infinity``/``nan``/``nan(chars)``, case-insensitive."""
    n = len(s)
    i = 0
    while i < n and s[i] in _C_SPACE:
        i += 1
    start = i
    neg = False
    if i < n and s[i] in b"+-":
        neg = s[i] == 45
        i += 1
    low = s[i : i + 8].lower()
    if low.startswith(b"inf"):
        end = i + (8 if low == b"infinity" else 3)
        return (-math.inf if neg else math.inf), end
    if low.startswith(b"nan"):
        end = i + 3
        if end < n and s[end] == 40:  # nan(n-char-sequence)
            j = end + 1
            while j < n and (chr(s[j]).isalnum() or s[j] == 95):
                j += 1
            if j < n and s[j] == 41:
                end = j + 1
        return math.nan, end
    if low[:2] == b"0x":
        j = i + 2
        k = j
        while k < n and s[k] in _HEXDIGITS:
            k += 1
        if k < n and s[k] == 46:
            k += 1
            while k < n and s[k] in _HEXDIGITS:
                k += 1
        if k - j > (1 if b"." in s[j:k] else 0):
            if k < n and s[k] in b"pP":
                e = k + 1
                if e < n and s[e] in b"+-":
                    e += 1
                if e < n and s[e] in _DIGITS:
                    while e < n and s[e] in _DIGITS:
                        e += 1
                    k = e
            v = float.fromhex(s[start:k].decode())
            return v, k
        return (-0.0 if neg else 0.0), i + 1  # "0x" without digits reads as 0
    j = i
    while j < n and s[j] in _DIGITS:
        j += 1
    digits = j - i
    if j < n and s[j] == 46:
        j += 1
        k = j
        while j < n and s[j] in _DIGITS:
            j += 1
        digits += j - k
    if digits == 0:
        return 0.0, 0
    if j < n and s[j] in b"eE":
        e = j + 1
        if e < n and s[e] in b"+-":
            e += 1
        if e < n and s[e] in _DIGITS:
            while e < n and s[e] in _DIGITS:
                e += 1
            j = e
    return float(s[start:j]), j
