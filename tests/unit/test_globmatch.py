"""Unit tests for radish.globmatch (Redis 7.0 stringmatchlen semantics)."""

from __future__ import annotations

import sys
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from radish.globmatch import _stringmatch_reference, compile_glob, glob_match

ALL_BYTES = [bytes([b]) for b in range(256)]


def both(pattern: bytes, subject: bytes, nocase: bool = False) -> bool:
    """Compiled and reference results, asserted equal."""
    fast = glob_match(pattern, subject, nocase)
    slow = _stringmatch_reference(pattern, subject, nocase)
    assert fast == slow, (pattern, subject, nocase, fast, slow)
    return fast


def matching_bytes(pattern: bytes, nocase: bool = False) -> set[bytes]:
    return {b for b in ALL_BYTES if both(pattern, b, nocase)}


# ---------------------------------------------------------------------------
# Table tests
# ---------------------------------------------------------------------------

CASES = [
    # (pattern, subject, expected)
    # literals
    (b"", b"", True),
    (b"", b"a", False),
    (b"abc", b"abc", True),
    (b"abc", b"abd", False),
    (b"abc", b"ab", False),
    (b"abc", b"abcd", False),
    (b"abc", b"ABC", False),
    # star
    (b"*", b"", False),  # stringmatchlen quirk: only "" matches ""
    (b"**", b"", False),
    (b"*", b"anything", True),
    (b"*", b"\x00", True),
    (b"a*", b"a", True),
    (b"a*", b"abc", True),
    (b"a*", b"ba", False),
    (b"*a", b"a", True),
    (b"*a", b"bca", True),
    (b"*a", b"ab", False),
    (b"a*b", b"ab", True),
    (b"a*b", b"axxb", True),
    (b"a*b", b"axxbc", False),
    (b"a**b", b"ab", True),
    (b"*a*", b"xxaxx", True),
    (b"*a*", b"xxx", False),
    (b"*a*b*c*", b"aXbXc", True),
    (b"*a*b*c*", b"cba", False),
    (b"a*a*a", b"aaa", True),
    (b"a*a*a", b"aa", False),
    (b"user:*:name", b"user:42:name", True),
    (b"user:*:name", b"user::name", True),
    (b"user:*:name", b"user:name", False),
    (b"*:name", b"user:42:name", True),
    # question mark
    (b"?", b"", False),
    (b"?", b"a", True),
    (b"?", b"ab", False),
    (b"??", b"ab", True),
    (b"a?c", b"abc", True),
    (b"a?c", b"ac", False),
    (b"?*", b"a", True),
    (b"*?", b"a", True),
    (b"*??", b"a", False),
    # brackets
    (b"[abc]", b"a", True),
    (b"[abc]", b"c", True),
    (b"[abc]", b"d", False),
    (b"[abc]", b"", False),
    (b"[abc]", b"ab", False),
    (b"h[ae]llo", b"hello", True),
    (b"h[ae]llo", b"hallo", True),
    (b"h[ae]llo", b"hillo", False),
    (b"h[^e]llo", b"hallo", True),
    (b"h[^e]llo", b"hello", False),
    (b"h[a-b]llo", b"hbllo", True),
    (b"h[a-b]llo", b"hcllo", False),
    (b"[a-z]", b"m", True),
    (b"[a-z]", b"M", False),
    (b"[z-a]", b"m", True),  # reversed range is swapped
    (b"[z-a]", b"M", False),
    (b"[^a-z]", b"M", True),
    (b"[^a-z]", b"m", False),
    (b"[a-cx-z]", b"y", True),
    (b"[a-cx-z]", b"m", False),
    (b"[-a]", b"-", True),
    (b"[a-]", b"]", True),  # ']' becomes the range end: ']'..'a'
    (b"[a-]", b"^", True),
    (b"[a-]", b"a", True),
    (b"[a-]", b"-", False),
    (b"[a-]", b"b", False),
    (b"[]", b"]", False),  # empty class never matches
    (b"[]a]", b"a", False),
    (b"[]a]", b"]", False),
    (b"[^]", b"x", True),  # negated empty class matches any byte
    (b"[^]", b"", False),
    (b"[*]", b"*", True),
    (b"[*]", b"a", False),
    (b"[?]", b"?", True),
    (b"[?]", b"a", False),
    (b"[[]", b"[", True),
    (b"[\\]]", b"]", True),
    (b"[\\]]", b"\\", False),
    (b"[\\-]", b"-", True),
    (b"[\\^a]", b"^", True),
    (b"[^^]", b"^", False),
    (b"[^^]", b"a", True),
    (b"[\\a-c]", b"b", False),  # escaped 'a' then literal '-' and 'c'
    (b"[\\a-c]", b"-", True),
    (b"[\\a-c]", b"c", True),
    # unterminated brackets
    (b"[", b"[", False),
    (b"[", b"a", False),
    (b"a[", b"a", False),
    (b"a[", b"ab", False),
    (b"[^", b"a", True),
    (b"[^", b"", False),
    (b"[^", b"ab", False),
    (b"a[^", b"ab", True),
    (b"*[^", b"aab", True),
    (b"*[", b"a", False),
    (b"[abc", b"a", True),
    (b"[abc", b"c", True),
    (b"[abc", b"d", False),
    (b"[a-c", b"b", True),
    (b"[\\", b"\\", True),
    (b"[\\]", b"]", True),  # escaped ']' and the bracket stays open
    (b"[\\]", b"\\", False),
    (b"[^\\", b"\\", False),
    (b"[^\\", b"a", True),
    # escapes
    (b"\\*", b"*", True),
    (b"\\*", b"a", False),
    (b"\\?", b"?", True),
    (b"\\?", b"a", False),
    (b"\\[a]", b"[a]", True),
    (b"\\[a]", b"a", False),
    (b"\\\\", b"\\", True),
    (b"\\a", b"a", True),
    (b"\\", b"\\", True),  # trailing backslash is a literal backslash
    (b"a\\", b"a\\", True),
    (b"a\\", b"a", False),
    (b"*\\", b"xx\\", True),
    (b"a\\*", b"a", False),
    (b"a\\*", b"a*", True),
    (b"a\\*", b"ab", False),
    (b"foo\\*bar", b"foo*bar", True),
    # binary subjects and patterns
    (b"\x00", b"\x00", True),
    (b"a\x00b", b"a\x00b", True),
    (b"a?b", b"a\x00b", True),
    (b"*\x00*", b"x\x00y", True),
    (b"*\x00*", b"xy", False),
    (b"a\r\n*", b"a\r\nb", True),
    (b"?", b"\n", True),
    (b"a*b", b"a\nb", True),
    (b"\xff*", b"\xff\x80", True),
    (b"[\x80-\x90]", b"\x85", True),
    (b"[\x80-\x90]", b"\x95", False),
    (b"[\x00\xff]", b"\xff", True),
    (b"[\x00\xff]", b"\x00", True),
    (b"[\x00\xff]", b"\x01", False),
    (b"\xe4\xb8\xad*", "中文".encode(), True),
]


@pytest.mark.parametrize("pattern,subject,expected", CASES)
def test_table(pattern: bytes, subject: bytes, expected: bool) -> None:
    assert both(pattern, subject) is expected


NOCASE_CASES = [
    (b"abc", b"ABC", True),
    (b"ABC", b"abc", True),
    (b"a*C", b"AxxC", True),
    (b"a*C", b"Axxc", True),
    (b"HELLO", b"hello", True),
    (b"h?llo", b"HELLO", True),
    (b"\\A", b"a", True),  # top-level escapes still fold
    (b"[abc]", b"B", True),
    (b"[ABC]", b"b", True),
    (b"[^abc]", b"B", False),
    (b"[a-z]", b"Q", True),
    (b"[A-Z]", b"q", True),
    (b"[\\A]", b"A", True),  # escapes inside brackets compare exactly
    (b"[\\A]", b"a", False),
    (b"[A-z]", b"_", False),  # both ends fold to 'a'..'z'
    (b"[A-z]", b"a", True),
    (b"@", b"`", False),  # only A-Z fold
    (b"[", b"[", False),
    (b"\xc4", b"\xe4", False),  # no folding outside ASCII
    (b"maxmemory*", b"MAXMEMORY-policy", True),
]


@pytest.mark.parametrize("pattern,subject,expected", NOCASE_CASES)
def test_table_nocase(pattern: bytes, subject: bytes, expected: bool) -> None:
    assert both(pattern, subject, nocase=True) is expected


def test_nocase_false_is_case_sensitive() -> None:
    assert not both(b"[A-Z]", b"q")
    assert not both(b"abc", b"ABC")
    assert both(b"[A-z]", b"_")


def test_signed_char_ranges() -> None:
    # Range ends are signed chars: '\xff' is -1, so [a-\xff] is [-1, 'a'].
    expected = {bytes([b]) for b in range(0, ord("a") + 1)} | {b"\xff"}
    assert matching_bytes(b"[a-\xff]") == expected
    assert matching_bytes(b"[\xff-a]") == expected
    assert matching_bytes(b"[\x00-\xff]") == {b"\x00", b"\xff"}
    assert matching_bytes(b"[\x80-\xff]") == {bytes([b]) for b in range(0x80, 0x100)}
    # 0x7f is 127 and 0x80 is -128: the swapped range [-128, 127] is everything.
    assert matching_bytes(b"[\x7f-\x80]") == set(ALL_BYTES)
    assert matching_bytes(b"[^\x00-\xff]") == set(ALL_BYTES) - {b"\x00", b"\xff"}


def test_signed_char_ranges_nocase() -> None:
    # tolower() maps signed -128..-2 to 128..254 but -1 (0xff, EOF) to itself.
    assert matching_bytes(b"[\x80-\xff]", nocase=True) == set()
    assert matching_bytes(b"[\x80-\xfe]", nocase=True) == {
        bytes([b]) for b in range(0x80, 0xFF)
    }
    # Swapped to [-1, 'a'] first; tolower(-1) stays -1 and 'A' folds into it.
    uppercase_b_to_z = {bytes([b]) for b in range(ord("B"), ord("Z") + 1)}
    assert matching_bytes(b"[a-\xff]", nocase=True) == (
        {bytes([b]) for b in range(0, ord("a") + 1)} - uppercase_b_to_z
    ) | {b"\xff"}
    assert matching_bytes(b"[\x00-\xff]", nocase=True) == {b"\x00", b"\xff"}
    assert matching_bytes(b"\xff", nocase=True) == {b"\xff"}
    assert matching_bytes(b"[\xff]", nocase=True) == {b"\xff"}


def test_question_and_negation_cover_all_bytes() -> None:
    assert matching_bytes(b"?") == set(ALL_BYTES)
    assert matching_bytes(b"[^a]") == set(ALL_BYTES) - {b"a"}
    assert matching_bytes(b"[^a]", nocase=True) == set(ALL_BYTES) - {b"a", b"A"}
    assert matching_bytes(b"[^]") == set(ALL_BYTES)
    assert matching_bytes(b"[]") == set()


@contextmanager
def recursion_limit(limit: int):
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def test_nesting_guard() -> None:
    # Redis gives up beyond 1000 nested '*' groups that are followed by more pattern.
    subject = b"a" * 1100
    assert glob_match(b"*a" * 1000, subject)
    assert not glob_match(b"*a" * 1001, subject)
    assert glob_match(b"*a" * 1000 + b"*", subject)  # a trailing '*' does not nest
    assert not glob_match(b"*a" * 1001 + b"*", subject)
    assert glob_match(b"a*" * 1001, subject)
    assert not glob_match(b"a*" * 1002, subject)
    assert glob_match(b"**a" * 1000, subject)
    assert not glob_match(b"*?" * 1001, subject)
    with recursion_limit(10_000):
        assert _stringmatch_reference(b"*a" * 1000, subject)
        assert not _stringmatch_reference(b"*a" * 1001, subject)
        assert _stringmatch_reference(b"a*" * 1001, subject)
        assert not _stringmatch_reference(b"a*" * 1002, subject)


def test_many_stars_do_not_backtrack_exponentially() -> None:
    pattern = b"*a" * 40 + b"b"
    subject = b"a" * 5000
    assert not both(pattern, subject)
    assert glob_match(pattern, subject + b"b")
    pattern = b"a*" * 50 + b"[b]"
    assert not glob_match(pattern, subject)
    assert glob_match(pattern, subject + b"b")


def test_compile_glob_returns_callable_and_caches() -> None:
    m = compile_glob(b"user:*")
    assert m(b"user:1") and not m(b"usr:1")
    assert compile_glob(b"user:*") is m
    assert compile_glob(b"user:*", nocase=True) is not m
    assert compile_glob(bytearray(b"user:*"))(b"user:2")
    with pytest.raises(TypeError):
        compile_glob("user:*")  # type: ignore[arg-type]


def test_long_patterns_are_not_cached_but_work() -> None:
    pattern = b"x" * 5000 + b"*"
    assert compile_glob(pattern)(b"x" * 5001)
    assert not compile_glob(pattern)(b"x" * 4999)


# ---------------------------------------------------------------------------
# Property tests
# ---------------------------------------------------------------------------

PATTERN_ALPHABET = b"*?[]^-\\abAZz\x00\x80\xff\r\n"
SUBJECT_ALPHABET = b"abAZz*?[]^-\\\x00\x80\xfe\xff\r\n`{"

patterns = st.lists(st.sampled_from(list(PATTERN_ALPHABET)), max_size=12).map(bytes)
subjects = st.lists(st.sampled_from(list(SUBJECT_ALPHABET)), max_size=10).map(bytes)
pattern_tokens = st.lists(
    st.sampled_from([b"*", b"?", b"a", b"b", b"A", b"[ab]", b"[^a]", b"[a-c]", b"\\*", b"\x00"]),
    max_size=12,
).map(b"".join)

PROPERTY_SETTINGS = settings(
    max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(patterns, subjects, st.booleans())
def test_compiled_equals_reference(pattern: bytes, subject: bytes, nocase: bool) -> None:
    assert compile_glob(pattern, nocase)(subject) == _stringmatch_reference(
        pattern, subject, nocase
    )


@PROPERTY_SETTINGS
@given(pattern_tokens, st.lists(st.sampled_from(list(b"abAB*\x00")), max_size=16).map(bytes),
       st.booleans())
def test_compiled_equals_reference_token_patterns(
    pattern: bytes, subject: bytes, nocase: bool
) -> None:
    assert compile_glob(pattern, nocase)(subject) == _stringmatch_reference(
        pattern, subject, nocase
    )


@PROPERTY_SETTINGS
@given(st.binary(max_size=6), st.binary(max_size=6), st.booleans())
def test_compiled_equals_reference_arbitrary_bytes(
    pattern: bytes, subject: bytes, nocase: bool
) -> None:
    assert compile_glob(pattern, nocase)(subject) == _stringmatch_reference(
        pattern, subject, nocase
    )


@PROPERTY_SETTINGS
@given(st.integers(0, 255), st.integers(0, 255), st.booleans(), st.booleans(), st.integers(0, 255))
def test_compiled_equals_reference_ranges(
    lo: int, hi: int, negate: bool, nocase: bool, c: int
) -> None:
    pattern = b"[" + (b"^" if negate else b"") + bytes([lo]) + b"-" + bytes([hi]) + b"]"
    subject = bytes([c])
    assert compile_glob(pattern, nocase)(subject) == _stringmatch_reference(
        pattern, subject, nocase
    )


def escape(s: bytes) -> bytes:
    return b"".join(b"\\" + bytes([c]) for c in s)


@PROPERTY_SETTINGS
@given(st.binary(max_size=12), st.binary(max_size=12))
def test_escaped_string_matches_exactly_itself(s: bytes, other: bytes) -> None:
    pattern = escape(s)
    assert glob_match(pattern, s)
    assert _stringmatch_reference(pattern, s)
    assert glob_match(pattern, other) == (other == s)
    assert _stringmatch_reference(pattern, other) == (other == s)


@PROPERTY_SETTINGS
@given(st.binary(max_size=8), st.binary(max_size=8), st.binary(max_size=8))
def test_escaped_prefix_star(prefix: bytes, rest: bytes, other: bytes) -> None:
    pattern = escape(prefix) + b"*"
    subject = prefix + rest
    expected = len(subject) > 0 and subject.startswith(prefix)
    assert glob_match(pattern, subject) == expected
    assert glob_match(pattern, other) == (len(other) > 0 and other.startswith(prefix))
