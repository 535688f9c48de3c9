"""radish.strconv against the C library Redis calls: strtod and strtold of
this machine's libc (through ctypes) are the reference for what each text
reads as, and util.c's acceptance rules (string2ll, string2d, string2ld) are
checked on the edge cases clients send: spaces, '+', leading zeros, inf,
nan, hex, huge exponents, 17-digit doubles, -0."""

from __future__ import annotations

import ctypes
import math
import sys
from fractions import Fraction

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from radish.strconv import (
    format_long_double,
    memtoull,
    string2d,
    string2ld,
    string2ll,
    strtod,
    strtoll,
    strtoul,
)

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the reference is glibc's strtod/strtold"
)

_ERANGE = 34
_libc = ctypes.CDLL(None, use_errno=True)
_libc.strtod.restype = ctypes.c_double
_libc.strtod.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p)]


class _LongDouble(ctypes.c_longdouble):
    """A subclass, so ctypes hands back the raw 80-bit value, not a float."""


_libc.strtold.restype = _LongDouble
_libc.strtold.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p)]


def _call(fn, s: bytes):
    buf = ctypes.create_string_buffer(s)
    end = ctypes.c_char_p()
    ctypes.set_errno(0)
    v = fn(buf, ctypes.byref(end))
    errno = ctypes.get_errno()
    consumed = ctypes.cast(end, ctypes.c_void_p).value - ctypes.addressof(buf)
    return v, consumed, errno == _ERANGE


def c_strtod(s: bytes) -> tuple[float, int, bool]:
    return _call(_libc.strtod, s)


def c_strtold(s: bytes):
    """(value as Fraction, or +-inf / nan as float; consumed; ERANGE)."""
    raw, consumed, erange = _call(_libc.strtold, s)
    b = bytes(raw)
    mant = int.from_bytes(b[:8], "little")
    se = int.from_bytes(b[8:10], "little")
    sign, exp = se >> 15, se & 0x7FFF
    if exp == 0x7FFF:
        v = math.nan if mant << 1 & (2**64 - 1) else math.inf
        return (-v if sign else v), consumed, erange
    e = (exp or 1) - 16383 - 63
    v = Fraction(mant << e) if e >= 0 else Fraction(mant, 1 << -e)
    return (-v if sign else v), consumed, erange


def _same_double(a: float, b: float) -> bool:
    if a != a:
        return b != b
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


# Text that looks like numbers: signs, digits, points, exponents, hex, inf,
# nan, C whitespace, a NUL, and a little junk.
_PIECES = [
    "", "+", "-", "0", "00", "1", "7", "9", "12345678901234567", ".", "e", "E", "e+", "e-",
    "p", "P", "0x", "0X", "a", "f", "inf", "INF", "inity", "nan", "NaN", "(", ")", "(x_1)",
    " ", "\t", "\n", "\v", "\f", "\r", "\x00", "_", "x", "308", "309", "324", "4932", "4951",
    "99999", "1e-320", "2.2250738585072011e-308",
]  # fmt: skip
number_texts = st.lists(st.sampled_from(_PIECES), max_size=8).map(lambda p: "".join(p).encode())
doubles_as_text = st.floats(allow_nan=False).map(lambda f: (b"%.17g" % f))
decimals = st.builds(
    lambda sign, digits, point, exp: (b"%s%d%s%se%d" % (sign, digits, b"." if point else b"", b"5" * point, exp)),
    st.sampled_from([b"", b"+", b"-"]),
    st.integers(0, 10**25),
    st.integers(0, 3),
    st.integers(-5000, 5000),
)
hex_texts = st.builds(
    lambda sign, mant, exp: b"%s0x%xp%d" % (sign, mant, exp),
    st.sampled_from([b"", b"-"]),
    st.integers(1, 2**53),  # glibc misrounds some wider subnormals (bug 30220)
    st.integers(-1200, 1100),
)
any_text = number_texts | doubles_as_text | decimals | hex_texts


# -- strtod ------------------------------------------------------------------------


@settings(max_examples=3000, deadline=None)
@given(any_text)
@example(b"0x1p-1074")  # an exact subnormal: no ERANGE
@example(b"4.9406564584124654e-324")  # an inexact one: ERANGE
@example(b"2.2250738585072013e-308")  # rounds up to DBL_MIN: not tiny on x86
@example(b"1.7976931348623159e308")  # rounds past DBL_MAX: inf, ERANGE
@example(b"0e99999999999")
@example(b"-0")
@example(b"0x")
@example(b"1e")
@example(b"nan(abc)")
@example(b"infinit")
@example(b"\v+.5e-3x")
def test_strtod_reads_what_libc_reads(s):
    v, n, erange = strtod(s)
    cv, cn, cerange = c_strtod(s)
    assert (n, erange) == (cn, cerange)
    assert _same_double(v, cv)


# -- string2d (getDoubleFromObject) ----------------------------------------------------


def _c_string2d(s: bytes) -> float | None:
    """util.c string2d over libc's strtod."""
    v, n, erange = c_strtod(s)
    if (
        not s
        or s[:1] in b" \t\n\v\f\r"
        or n != len(s)
        or (erange and (math.isinf(v) or v == 0.0))
        or v != v
    ):
        return None
    return v


@settings(max_examples=2000, deadline=None)
@given(any_text)
@example(b"1e-400")
@example(b"1e400")
def test_string2d_accepts_what_redis_accepts(s):
    want = _c_string2d(s)
    got = string2d(s)
    assert (got is None) == (want is None)
    if want is not None:
        assert _same_double(got, want)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (b"1.5", 1.5),
        (b"+1.5", 1.5),
        (b"007", 7.0),
        (b"-0", -0.0),
        (b"inf", math.inf),
        (b"-Infinity", -math.inf),
        (b"0x10", 16.0),
        (b"0x1.8p1", 3.0),
        (b"1e308", 1e308),
        (b"5e-324", 5e-324),  # subnormal, kept
        (b"0.10000000000000001", 0.1),
        (b"3.1415926535897931", math.pi),
        (b" 1", None),
        (b"1 ", None),
        (b"", None),
        (b"nan", None),
        (b"1e400", None),
        (b"1e-400", None),
        (b"1\x00", None),
        (b"1_0", None),
        (b"0x", None),
        (b".", None),
    ],
)
def test_string2d_cases(text, value):
    got = string2d(text)
    if value is None:
        assert got is None
    else:
        assert _same_double(got, value)


# -- string2ld (getLongDoubleFromObject) -------------------------------------------------


def _c_string2ld(s: bytes):
    """util.c string2ld over libc's strtold."""
    if not s or len(s) >= 5 * 1024:
        return None
    v, n, erange = c_strtold(s)
    if (
        s[:1] in b" \t\n\v\f\r"
        or n != len(s)
        or (erange and (isinstance(v, float) or v == 0))
        or v != v
    ):
        return None
    return v


long_double_texts = (
    number_texts
    | doubles_as_text
    | decimals
    | st.builds(lambda m, e: b"%de%d" % (m, e), st.integers(1, 10**20), st.integers(-4970, 4935))
    | st.builds(lambda m, e: b"0x%xp%d" % (m, e), st.integers(1, 2**64), st.integers(-16500, 16400))
)


@settings(max_examples=1500, deadline=None)
@given(long_double_texts)
@example(b"1e-4940")  # a subnormal long double
@example(b"1e-5000")  # underflows to zero: refused
@example(b"1e4933")  # overflows: refused
@example(b"0e999999999999")
@example(b"0.1")
@example(b"1\x00junk")
def test_string2ld_accepts_what_redis_accepts(s):
    want = _c_string2ld(s)
    got = string2ld(s)
    if want is None or isinstance(want, float):
        assert got == want
    else:
        assert type(got) is Fraction and got == want


def test_string2ld_refuses_texts_of_5kb_or_more():
    assert string2ld(b"1." + b"0" * (5 * 1024 - 3)) == 1
    assert string2ld(b"1." + b"0" * (5 * 1024 - 2)) is None


def test_format_long_double_is_ld2string_human():
    assert format_long_double(string2ld(b"0.1")) == b"0.1"
    assert format_long_double(string2ld(b"3.0")) == b"3"
    assert format_long_double(Fraction(-1, 10**20)) == b"0"
    assert format_long_double(string2ld(b"1e20")) == b"100000000000000000000"


# -- integers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (b"0", 0),
        (b"-1", -1),
        (b"9223372036854775807", 2**63 - 1),
        (b"-9223372036854775808", -(2**63)),
        (b"9223372036854775808", None),
        (b"-9223372036854775809", None),
        (b"+1", None),
        (b"01", None),
        (b"-0", None),
        (b" 1", None),
        (b"1 ", None),
        (b"", None),
        (b"-", None),
        (b"1.0", None),
        (b"0x10", None),
        (b"\xd9\xa1", None),  # an Arabic-Indic digit is not a digit to C
    ],
)
def test_string2ll(text, value):
    assert string2ll(text) == value


@given(st.integers(-(2**64), 2**64))
def test_string2ll_reads_exactly_what_redis_prints(n):
    text = b"%d" % n
    assert string2ll(text) == (n if -(2**63) <= n < 2**63 else None)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (b"", 0),
        (b" +12", 12),
        (b"\t-7", -7),
        (b"007", 7),
        (b"99999999999999999999", 2**63 - 1),  # saturates, as strtoll
        (b"-99999999999999999999", -(2**63)),
        (b"12 ", None),
        (b"1x", None),
        (b"+", None),
    ],
)
def test_strtoll_over_a_whole_argument(text, value):
    assert strtoll(text) == value


def test_strtoll_octal():
    assert strtoll(b"777", 8) == 511
    assert strtoll(b" -0700", 8) == -448
    assert strtoll(b"8", 8) is None
    assert strtoll(b"7" * 22, 8) == 2**63 - 1
    assert strtoll(b"7" * 22, 8, saturate=False) is None
    assert strtoll(b"7" * 21, 8, saturate=False) == 2**63 - 1


_libc.strtoul.restype = ctypes.c_ulong
_libc.strtoul.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int]


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(st.sampled_from(["", " ", "\t", "+", "-", "0", "7", "18446744073709551615", "9", "x", "\x00"]), max_size=6).map(
        lambda p: "".join(p).encode()
    )
)
@example(b"18446744073709551616")
@example(b"-18446744073709551616")
@example(b"-1")
def test_strtoul_reads_what_libc_reads(s):
    buf = ctypes.create_string_buffer(s)
    end = ctypes.c_char_p()
    ctypes.set_errno(0)
    v = _libc.strtoul(buf, ctypes.byref(end), 10)
    want = (v, ctypes.cast(end, ctypes.c_void_p).value - ctypes.addressof(buf), ctypes.get_errno() == _ERANGE)
    got = strtoul(s)
    assert got == want


@pytest.mark.parametrize(
    ("text", "value"),
    [(b"1k", 1000), (b"1KB", 1024), (b"3gb", 3 * 2**30), (b"", 0), (b"-1", None), (b"1kk", None)],
)
def test_memtoull(text, value):
    assert memtoull(text) == value
