"""Argument parsing shared by command handlers, with Redis's exact rules.

``parse_int`` is Redis's string2ll (no spaces, no '+', no leading zeros, 64
bit range); ``parse_float`` is strtold-like as used by INCRBYFLOAT and
sorted sets. Errors carry Redis's texts.
"""

from __future__ import annotations

import math
from fractions import Fraction

from .. import errors as E
from ..errors import CommandError

LLONG_MAX = 2**63 - 1
LLONG_MIN = -(2**63)


def to_int(s: bytes) -> int | None:
    """Redis's string2ll, or None."""
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


def parse_int(s: bytes, err: str = E.NOT_INTEGER) -> int:
    v = to_int(s)
    if v is None:
        raise CommandError(err)
    return v


def parse_nonneg(s: bytes, err: str = E.NOT_INTEGER) -> int:
    v = parse_int(s, err)
    if v < 0:
        raise CommandError(err)
    return v


def to_float(s: bytes) -> float | None:
    """Redis's string2d / strtold acceptance: no spaces, 'inf' allowed,
    NaN refused."""
    if not s or s[0] in b" \t\n\r\v\f" or s[-1] in b" \t\n\r\v\f":
        return None
    try:
        v = float(s)
    except ValueError:
        return None
    if math.isnan(v):
        return None
    if b"_" in s:
        return None
    return v


def parse_float(s: bytes, err: str = E.NOT_FLOAT) -> float:
    v = to_float(s)
    if v is None:
        raise CommandError(err)
    return v


def parse_timeout(s: bytes) -> float:
    """Blocking-command timeout in seconds (float); 0 = forever.

    As Redis 7.0's getTimeoutFromObjectOrReply: strtold syntax (hex too),
    milliseconds rounded up (so -0.0001 means 0, forever), and a value
    whose milliseconds do not fit a 64-bit integer (inf, 1e30) wraps
    negative and is refused as negative."""
    v = to_float(s)
    if v is None:
        try:
            text = s.decode("ascii")
            v = float.fromhex(text) if "0x" in text.lower() and text.strip() == text else None
        except (UnicodeDecodeError, ValueError, OverflowError):
            v = None
        if v is None:
            raise CommandError(E.TIMEOUT_NOT_FLOAT)
    ms = v * 1000.0
    if math.isinf(ms) or not (-(2.0**63) <= ms < 2.0**63):
        raise CommandError(E.TIMEOUT_NEGATIVE)
    ms = math.ceil(ms)
    if ms < 0:
        raise CommandError(E.TIMEOUT_NEGATIVE)
    return ms / 1000.0


def lower(s: bytes) -> bytes:
    return s.lower()


# -- long double arithmetic (INCRBYFLOAT, HINCRBYFLOAT) ----------------------------
#
# Redis computes INCRBYFLOAT in C `long double` (x87 80-bit: 64-bit
# significand) and prints it with "%.17Lf", trailing zeros removed. Doubles
# give different digits (e.g. 10000000000 + 0.1), so we emulate the 80-bit
# format exactly with Fractions: parse, round to 64 significant bits, add,
# round again, print the exact expansion rounded to 17 decimals.

_LD_MANT = 64
_LD_MAX_EXP = 16384  # values >= 2**16384 overflow to infinity


def _ld_round(fr: Fraction) -> Fraction:
    if fr == 0:
        return fr
    neg = fr < 0
    a = -fr if neg else fr
    n, d = a.numerator, a.denominator
    e = n.bit_length() - d.bit_length() - _LD_MANT
    while True:
        if e >= 0:
            num, den = n, d << e
        else:
            num, den = n << -e, d
        if num >= den << _LD_MANT:
            e += 1
        elif num < den << (_LD_MANT - 1):
            e -= 1
        else:
            break
    q, r = divmod(num, den)
    if 2 * r > den or (2 * r == den and q & 1):
        q += 1
    res = Fraction(q << e) if e >= 0 else Fraction(q, 1 << -e)
    if res >= Fraction(1 << _LD_MAX_EXP):
        raise OverflowError
    return -res if neg else res


def _ld_parse(s: bytes) -> Fraction | None:
    v = to_float(s)
    if v is None:
        # strtold accepts values beyond double range ("1e400").
        if s and s[0] not in b" \t\r\n" and s[-1] not in b" \t\r\n" and b"_" not in s:
            try:
                f = Fraction(s.decode("ascii"))
            except (ValueError, UnicodeDecodeError, ZeroDivisionError):
                return None
            try:
                return _ld_round(f)
            except OverflowError:
                return None
        return None
    if math.isinf(v):
        return None  # caller treats as "would produce infinity"
    try:
        text = s.decode("ascii")
        f = Fraction(text)
    except (ValueError, UnicodeDecodeError):
        f = Fraction(v)
    try:
        return _ld_round(f)
    except OverflowError:
        return None


def _ld_format(v: Fraction) -> bytes:
    neg = v < 0
    a = -v if neg else v
    scaled = a * 10**17
    q, r = divmod(scaled.numerator, scaled.denominator)
    if 2 * r > scaled.denominator or (2 * r == scaled.denominator and q & 1):
        q += 1
    ip, fp = divmod(q, 10**17)
    s = "%d.%017d" % (ip, fp)
    s = s.rstrip("0").rstrip(".")
    if neg and s != "0":
        s = "-" + s
    return s.encode()


def incr_by_float(current: bytes | None, incr: bytes, current_err: str = E.NOT_FLOAT) -> bytes:
    """INCRBYFLOAT arithmetic: returns the new value's string, or raises
    Redis's errors."""
    if current is None:
        cur = Fraction(0)
    else:
        cur = _ld_parse(bytes(current))
        if cur is None:
            if to_float(bytes(current)) is not None:  # +-inf stored
                raise CommandError("ERR increment would produce NaN or Infinity")
            raise CommandError(current_err)
    inc = _ld_parse(incr)
    if inc is None:
        fv = to_float(incr)
        if fv is not None and math.isinf(fv):
            raise CommandError("ERR increment would produce NaN or Infinity")
        raise CommandError(E.NOT_FLOAT)
    try:
        total = _ld_round(cur + inc)
    except OverflowError:
        raise CommandError("ERR increment would produce NaN or Infinity") from None
    return _ld_format(total)
