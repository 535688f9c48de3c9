"""Reading numbers from client text, with Redis's rules: the one home of
the parsers of Redis's ``util.c`` and of the C library calls Redis makes.

- ``string2ll``: util.c string2ll (strict 64-bit integers).
- ``strtod``: glibc strtod (longest numeric prefix, value and ERANGE), for
  callers that use strtod directly (zslParseRange, SORT, Lua's tonumber).
- ``string2d``: util.c string2d, the whole text as a double
  (getDoubleFromObject).
- ``string2ld``: util.c string2ld, the whole text as an x87 ``long double``
  (getLongDoubleFromObject), with ``ld_round`` and ``format_long_double``
  (ld2string's LD_STR_HUMAN) for INCRBYFLOAT's arithmetic.
- ``strtoll``: C strtoll over a whole config argument (config.c).
- ``strtoul``: C strtoul (parseScanCursorOrReply).
- ``memtoull``: util.c memtoull (memory sizes with units).

Imports nothing from radish.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

LLONG_MAX = 2**63 - 1
LLONG_MIN = -(2**63)
ULLONG_MAX = 2**64 - 1


# -- integers --------------------------------------------------------------------


def string2ll(s: bytes) -> int | None:
    """Redis's util.c ``string2ll``: the integer ``s`` spells exactly as
    Redis would print it (optional '-', decimal digits, no spaces, no '+',
    no leading zeros, within 64 bits), or None."""
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


_STRTOL10 = re.compile(rb"[ \t\n\v\f\r]*([+-]?)([0-9]+)")
_STRTOL8 = re.compile(rb"[ \t\n\v\f\r]*([+-]?)([0-7]+)")


def strtoll(s: bytes, base: int = 10, *, saturate: bool = True) -> int | None:
    """C ``strtoll(s, &end, base)`` (base 10 or 8) requiring ``*end ==
    '\\0'``, as config.c reads whole arguments: leading C whitespace and a
    sign allowed; "" reads as 0 (no digits, and end is the NUL).  A value
    past 64 bits saturates as strtoll does, or gives None with
    ``saturate=False`` (for callers that refuse errno == ERANGE)."""
    if s == b"":
        return 0
    m = (_STRTOL10 if base == 10 else _STRTOL8).fullmatch(s)
    if m is None:
        return None
    v = int(m.group(2), base)
    if m.group(1) == b"-":
        v = -v
    if LLONG_MIN <= v <= LLONG_MAX:
        return v
    return (LLONG_MAX if v > 0 else LLONG_MIN) if saturate else None


def c_atoi(s: bytes) -> int:
    """C's ``atoi`` as glibc computes it, ``(int) strtol(s, NULL, 10)``: the
    string ends at a NUL byte; leading C whitespace, a sign, then the digits
    that follow (0 when none); a value past 64 bits saturates (strtol), and
    the result wraps to a 32-bit int."""
    s = s.split(b"\0", 1)[0].lstrip(b" \t\n\v\f\r")
    neg = s[:1] == b"-"
    if s[:1] in (b"+", b"-"):
        s = s[1:]
    n = 0
    for ch in s:
        if not 48 <= ch <= 57:
            break
        n = n * 10 + ch - 48
        if n > LLONG_MAX + 1:
            break
    n = -n if neg else n
    n = max(LLONG_MIN, min(LLONG_MAX, n))
    return ((n + 2**31) % 2**32) - 2**31


def strtoul(s: bytes) -> tuple[int, int, bool]:
    """C ``strtoul(s, &end, 10)`` with a 64-bit unsigned long: the value
    (after '-' negated modulo 2**64), the length read (0 when no digits),
    and whether errno is ERANGE (magnitude past 2**64-1: value 2**64-1)."""
    m = _STRTOL10.match(s)
    if m is None:
        return 0, 0, False
    v = int(m.group(2))
    if v > ULLONG_MAX:
        return ULLONG_MAX, m.end(), True
    return ((-v) & ULLONG_MAX if m.group(1) == b"-" else v), m.end(), False


_MEM_DIGITS = re.compile(rb"[0-9]*")
_MEM_UNITS = {
    b"": 1, b"b": 1,
    b"k": 1000, b"kb": 1024,
    b"m": 1000 * 1000, b"mb": 1024 * 1024,
    b"g": 1000 * 1000 * 1000, b"gb": 1024 * 1024 * 1024,
}  # fmt: skip


def memtoull(s: bytes) -> int | None:
    """Redis's util.c ``memtoull``: ``<digits>[b|k|kb|m|mb|g|gb]`` (unit
    case-insensitive; k = 1000, kb = 1024 …), or None.  Like the C code it
    saturates the digits at 2**64-1 and wraps the product modulo 2**64."""
    if s.startswith(b"-"):
        return None
    digits = _MEM_DIGITS.match(s).group()  # type: ignore[union-attr]
    mul = _MEM_UNITS.get(s[len(digits) :].lower())
    if mul is None or len(digits) >= 128:
        return None
    val = min(int(digits), ULLONG_MAX) if digits else 0
    return (val * mul) & ULLONG_MAX


# -- doubles ----------------------------------------------------------------------

_C_SPACE = b" \t\n\v\f\r"
_DBL_MIN = 2.2250738585072014e-308

# glibc strtod's longest accepted prefix: C whitespace, a sign, then a hex
# float, a decimal float, inf/infinity or nan/nan(chars), case-insensitive.
_STRTOD = re.compile(
    rb"[ \t\n\v\f\r]*([+-]?)(?:"
    rb"0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP]([+-]?[0-9]+))?"
    rb"|(([0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE]([+-]?[0-9]+))?)"
    rb"|([iI][nN][fF](?:[iI][nN][iI][tT][yY])?)"
    rb"|[nN][aA][nN](?:\([0-9A-Za-z_]*\))?"
    rb")"
)
_STRTOD_MATCH = _STRTOD.match


def strtod(s: bytes) -> tuple[float, int, bool]:
    """glibc ``strtod``: the value of the longest prefix of ``s`` that reads
    as a number, that prefix's length (0 when none does: value 0.0), and
    whether strtod sets ``errno = ERANGE`` (overflow to +-inf, or a result
    below DBL_MIN that is not exact, including underflow to 0).  The C
    string ends at a NUL byte, which no number contains.

    Values are correctly rounded; glibc before 2.38 misrounds some
    hexadecimal subnormals with more than 53 significant bits (glibc bug
    30220), which this does not copy."""
    m = _STRTOD_MATCH(s)
    if m is None:
        return 0.0, 0, False
    sign, hexmant, hexexp, dec, decmant, decexp, inf = m.groups()
    neg = sign == b"-"
    end = m.end()
    if dec is not None:
        v = float(dec)
        erange = False
        if v == math.inf:
            erange = True  # overflow
        elif v == 0.0:
            erange = decmant.strip(b"0.") != b""  # underflow of a non-zero value
        elif v <= _DBL_MIN:
            mant, scale = _decimal_parts(decmant, decexp)
            erange = _tiny_inexact(_exact(mant, 10, scale), v)
        return (-v if neg else v), end, erange
    if hexmant is not None:
        mant, scale = _hex_parts(hexmant, hexexp)
        if mant == 0:
            return (-0.0 if neg else 0.0), end, False
        top = scale + mant.bit_length()  # 2**(top-1) <= value < 2**top
        if top > 1025:
            return (-math.inf if neg else math.inf), end, True
        if top < -1080:
            return (-0.0 if neg else 0.0), end, True
        exact = _exact(mant, 2, scale)
        try:
            v = float(exact)
        except OverflowError:
            return (-math.inf if neg else math.inf), end, True
        erange = v == 0.0 or (v <= _DBL_MIN and _tiny_inexact(exact, v))
        return (-v if neg else v), end, erange
    if inf is not None:
        return (-math.inf if neg else math.inf), end, False
    return math.nan, end, False


def _decimal_parts(mant: bytes, exp: bytes | None) -> tuple[int, int]:
    """A decimal float's digits as an integer and its power of ten."""
    ip, _, fp = mant.partition(b".")
    return _digits_to_int((ip + fp).lstrip(b"0")), _exponent(exp) - len(fp)


def _hex_parts(mant: bytes, exp: bytes | None) -> tuple[int, int]:
    """A hexadecimal float's digits as an integer and its power of two."""
    ip, _, fp = mant.partition(b".")
    return int(ip + fp, 16), _exponent(exp) - 4 * len(fp)


def _exact(mant: int, base: int, scale: int) -> Fraction:
    """mant * base**scale, exactly."""
    return Fraction(mant * base**scale) if scale >= 0 else Fraction(mant, base**-scale)


# x86 detects tininess after rounding: a value is tiny when, rounded to 53
# bits with an unbounded exponent, it is below DBL_MIN; that is, when it lies
# below DBL_MIN - 2**-1076 (the midpoint, which rounds to even: DBL_MIN).
_TINY = Fraction(1, 2**1022) - Fraction(1, 2**1076)


def _tiny_inexact(exact: Fraction, v: float) -> bool:
    """glibc's underflow rule: ERANGE when the exact value is tiny and the
    double differs from it."""
    return abs(exact) < _TINY and exact != Fraction(v)


def string2d(s: bytes) -> float | None:
    """Redis's util.c ``string2d`` (getDoubleFromObject): strtod over the
    whole of ``s``; no leading space, no NaN, no overflow, no underflow to
    zero (inf/infinity and hexadecimal are accepted).  None when refused."""
    if len(s) <= 15:
        # The common case at C speed: up to 15 digits, an optional '-' and
        # one '.'; nothing here can overflow, underflow or need rounding
        # that strtod and float() could do differently.
        t = s[1:] if s[:1] == b"-" else s
        if t.isdigit() or (t.count(b".") == 1 and t.replace(b".", b"").isdigit()):
            return float(s)
    if not s or s[0] in _C_SPACE:
        return None
    v, n, erange = strtod(s)
    if n != len(s) or v != v or (erange and (v == 0.0 or math.isinf(v))):
        return None
    return v


# -- long doubles (x87 80-bit extended precision, as Redis on x86-64) --------------

_LD_MANT = 64  # significand bits of x87 extended precision
_LD_MIN_EXP = -16445  # exponent of the smallest subnormal, 2**-16445
_LD_OVERFLOW = Fraction(1 << 16384)  # values rounding to this are infinite
_LD_MAX_CHARS = 5 * 1024  # Redis's MAX_LONG_DOUBLE_CHARS (string2ld buffer)
_POS_INF = float("inf")
_NEG_INF = float("-inf")



_CHUNK = 4000  # decimal digits per int<->str step (Python's 4300 limit)


def _digits_to_int(digits: bytes) -> int:
    """int() of a decimal digit string of any length."""
    if len(digits) <= _CHUNK:
        return int(digits) if digits else 0
    v = 0
    for i in range(0, len(digits), _CHUNK):
        part = digits[i : i + _CHUNK]
        v = v * 10 ** len(part) + int(part)
    return v


def _int_to_digits(v: int) -> bytes:
    """Decimal text of a non-negative int of any size."""
    if v < 10**_CHUNK:
        return b"%d" % v
    hi, lo = divmod(v, 10**_CHUNK)
    return _int_to_digits(hi) + (b"%d" % lo).rjust(_CHUNK, b"0")


def ld_round(v: Fraction) -> Fraction:
    """``v`` rounded to the nearest long double (ties to even, subnormals
    included); OverflowError beyond the largest finite one."""
    if v == 0:
        return v
    neg = v < 0
    a = -v if neg else v
    n, d = a.numerator, a.denominator
    e = n.bit_length() - d.bit_length() - _LD_MANT
    while True:
        num, den = (n, d << e) if e >= 0 else (n << -e, d)
        if num >= den << _LD_MANT:
            e += 1
        elif num < den << (_LD_MANT - 1):
            e -= 1
        else:
            break
    if e < _LD_MIN_EXP:
        e = _LD_MIN_EXP
        num, den = n << -e, d
    q, r = divmod(num, den)
    if 2 * r > den or (2 * r == den and q & 1):
        q += 1
    res = Fraction(q << e) if e >= 0 else Fraction(q, 1 << -e)
    if res >= _LD_OVERFLOW:
        raise OverflowError
    return -res if neg else res


def string2ld(s: bytes) -> Fraction | float | None:
    """Redis's util.c ``string2ld`` (getLongDoubleFromObject): strtold over
    the whole of ``s`` as an x87 long double, exact, as a Fraction; +-inf as
    a float; None when Redis refuses the text (spaces, trailing junk, a NUL
    byte, NaN, overflow, underflow to zero, 5 KB or longer).  strtold reads
    the same syntax as strtod."""
    if not s or len(s) >= _LD_MAX_CHARS or s[0] in _C_SPACE:
        return None
    m = _STRTOD_MATCH(s)
    if m is None or m.end() != len(s):
        return None
    sign, hexmant, hexexp, dec, decmant, decexp, inf = m.groups()
    if inf is not None:
        return _NEG_INF if sign == b"-" else _POS_INF
    if dec is not None:
        mant, scale = _decimal_parts(decmant, decexp)
        # The value lies within 10**(scale) .. 10**(scale + 5120): beyond
        # these bounds it overflows or underflows to zero for sure.
        if mant == 0:
            return Fraction(0)
        if not -25000 < scale < 20000:
            return None
        v = _exact(mant, 10, scale)
    elif hexmant is not None:
        mant, scale = _hex_parts(hexmant, hexexp)
        if mant == 0:
            return Fraction(0)
        if not -16600 < scale + mant.bit_length() < 16400:
            return None
        v = _exact(mant, 2, scale)
    else:
        return None  # NaN
    try:
        v = ld_round(v)
    except OverflowError:
        return None
    if v == 0:
        return None  # ERANGE underflow to zero
    return -v if sign == b"-" else v


def _exponent(ex: bytes | None) -> int:
    """An exponent's value, clamped to +-10**9 (enough to classify)."""
    if not ex:
        return 0
    neg = ex[:1] == b"-"
    digits = ex.lstrip(b"+-").lstrip(b"0")
    v = int(digits) if 0 < len(digits) <= 9 else (10**9 if digits else 0)
    return -v if neg else v


def format_long_double(v: Fraction) -> bytes:
    """``%.17Lf`` with trailing zeros (and a bare point) removed, "-0" as
    "0": Redis's ld2string in LD_STR_HUMAN mode."""
    neg = v < 0
    a = -v if neg else v
    scaled = a * 10**17
    q, r = divmod(scaled.numerator, scaled.denominator)
    if 2 * r > scaled.denominator or (2 * r == scaled.denominator and q & 1):
        q += 1
    ip, fp = divmod(q, 10**17)
    text = _int_to_digits(ip) + b".%017d" % fp
    text = text.rstrip(b"0").rstrip(b".")
    if neg and text != b"0":
        text = b"-" + text
    return text


