"""radish.protocol.splitargs: Redis's sdssplitargs() and sdscatrepr()."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from radish.protocol.splitargs import quote_arg, split_args

CASES = [
    # blank input
    (b"", []),
    (b"   ", []),
    (b" \t\r\n\v\f", []),
    # plain words
    (b"set a b", [b"set", b"a", b"b"]),
    (b"  set   a\tb  ", [b"set", b"a", b"b"]),
    (b"a\r\nb", [b"a", b"b"]),
    # \v and \f are skipped between arguments but do not end an unquoted one
    (b"a\vb c", [b"a\vb", b"c"]),
    (b"\va\fb\f", [b"a\fb\f"]),
    # double quotes and their escapes
    (b'a "b c" d', [b"a", b"b c", b"d"]),
    (b'""', [b""]),
    (b'"" ""', [b"", b""]),
    (b'"\\n\\r\\t\\b\\a\\\\\\""', [b'\n\r\t\b\a\\"']),
    (b'"\\x41\\x4a\\x4A\\xff"', [b"AJJ\xff"]),
    (b'"\\x4g"', [b"x4g"]),  # not hex: \x stands for x
    (b'"\\X41"', [b"X41"]),
    (b'"\\q"', [b"q"]),
    (b'"a\\"b"', [b'a"b']),
    (b'"it\'s"', [b"it's"]),
    # single quotes: only \' is an escape
    (b"'a b'", [b"a b"]),
    (b"'a\\'b'", [b"a'b"]),
    (b"'a\\nb'", [b"a\\nb"]),
    (b"'\"'", [b'"']),
    (b"''", [b""]),
    # a quote may start in the middle of an argument
    (b'foo"bar"', [b"foobar"]),
    (b"x'y z'", [b"xy z"]),
    (b'a"b c" d', [b"ab c", b"d"]),
    # a closing quote followed by a blank is fine, even \v or \f
    (b'"a"\vb', [b"a", b"b"]),
    (b'"a"\t', [b"a"]),
    # unbalanced: unterminated, or closing quote glued to more text
    (b'"a', None),
    (b"'a", None),
    (b'"a\\"', None),
    (b'"a\\', None),
    (b'"a"b', None),
    (b"'a'b", None),
    (b'x"y"z', None),
    (b'"a""b"', None),
    # the line is a C string: it ends at NUL
    (b"a\x00b c", [b"a"]),
    (b'"a\x00b"', None),
    (b"\x00abc", []),
]


@pytest.mark.parametrize("line,expected", CASES)
def test_split_args_table(line: bytes, expected: list[bytes] | None) -> None:
    assert split_args(line) == expected


def test_fast_path_matches_slow_path() -> None:
    from radish.protocol.splitargs import _split_slow

    for line in (b"set key value", b"  a  b  ", b"", b"x\ty\r\nz", b"GET k"):
        assert split_args(line) == _split_slow(line) == line.split()


def test_quote_arg() -> None:
    assert quote_arg(b"") == b'""'
    assert quote_arg(b"abc") == b'"abc"'
    assert quote_arg(b'a"b\\c') == b'"a\\"b\\\\c"'
    assert quote_arg(b"\n\r\t\a\b") == b'"\\n\\r\\t\\a\\b"'
    assert quote_arg(b"\x00\x7f\x80\xff ~") == b'"\\x00\\x7f\\x80\\xff ~"'


@given(st.lists(st.binary(max_size=20), max_size=8))
def test_quoted_args_round_trip(args: list[bytes]) -> None:
    line = b" ".join(quote_arg(a) for a in args)
    assert split_args(line) == args


@given(
    st.lists(
        st.binary(min_size=1, max_size=12).filter(
            lambda b: not any(c in b for c in b"\"' \t\r\n\v\f\x00")
        ),
        max_size=8,
    )
)
def test_plain_words_round_trip(words: list[bytes]) -> None:
    assert split_args(b" ".join(words)) == words


@given(st.binary(max_size=40))
def test_never_raises(line: bytes) -> None:
    result = split_args(line)
    assert result is None or all(isinstance(a, bytes) for a in result)
