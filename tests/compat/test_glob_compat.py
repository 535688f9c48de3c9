"""Compare radish.globmatch with a real redis-server's KEYS.

Skipped when redis-server is not installed.
"""

from __future__ import annotations

import random

import pytest
from tests.support.servers import start_redis

from radish.globmatch import glob_match

redis = pytest.importorskip("redis")

KEYS = sorted(
    {
        b"",
        b"a", b"b", b"c", b"z", b"A", b"B", b"Z", b"_", b"`", b"@",
        b"aa", b"ab", b"ba", b"abc", b"abd", b"aXbXc", b"cba", b"hello", b"hallo", b"hillo",
        b"user:1:name", b"user:42:name", b"user::name", b"user:name", b"USER:1:NAME",
        b"*", b"?", b"[", b"]", b"^", b"-", b"\\", b"a*", b"a?", b"[a]", b"a\\", b"foo*bar",
        b"\x00", b"a\x00b", b"\x00\x00", b"\r\n", b"a\r\nb", b"\n",
        b"\x7f", b"\x80", b"\x81", b"\xfe", b"\xff", b"\xff\x80", b"a\xff", b"\xe4\xb8\xad",
        b"aaaaaaaaaaaaaaaaaaaa", b"abababababab", b"aaaaaaaaaaaaaaaaaaab",
    }
)

FIXED_PATTERNS = [
    b"*", b"**", b"?", b"??", b"???", b"", b"a", b"a*", b"*a", b"*a*", b"a*b", b"a**b",
    b"*a*b*c*", b"a*a*a", b"user:*:name", b"user:*", b"*:name", b"?*", b"*?", b"*??",
    b"[abc]", b"[^abc]", b"[a-z]", b"[z-a]", b"[^a-z]", b"[a-cx-z]", b"[-a]", b"[a-]",
    b"[]", b"[]a]", b"[^]", b"[*]", b"[?]", b"[[]", b"[\\]]", b"[\\-]", b"[\\^a]", b"[^^]",
    b"[\\a-c]", b"[", b"a[", b"[^", b"a[^", b"*[^", b"*[", b"[abc", b"[a-c", b"[\\",
    b"[\\]", b"[^\\", b"\\*", b"\\?", b"\\[a]", b"\\\\", b"\\a", b"\\", b"a\\", b"*\\",
    b"a\\*", b"foo\\*bar", b"h[ae]llo", b"h[^e]llo", b"h?llo",
    b"\x00", b"a\x00b", b"a?b", b"*\x00*", b"\r\n", b"a\r\n*", b"*\n*", b"\xff*", b"*\xff",
    b"[\x80-\x90]", b"[\x00\xff]", b"[a-\xff]", b"[\xff-a]", b"[\x00-\xff]", b"[\x80-\xff]",
    b"[\x7f-\x80]", b"[^\x00-\xff]", b"[^\x80-\xfe]", b"\xe4*", b"[\xe4]\xb8?",
    b"*a*a*a*a*a*a*a*a*b", b"a*" * 12, b"*ab" * 5 + b"*", b"[ab]*[ab]*[ab]",
]

RANDOM_ALPHABET = b"*?[]^-\\abcAZz:_\x00\x80\xff\r\n"


def _random_patterns(count: int, seed: int = 7802) -> list[bytes]:
    rnd = random.Random(seed)
    out = []
    for _ in range(count):
        if rnd.random() < 0.3:
            # splice a piece of a key into the pattern so that matches are common
            key = rnd.choice(KEYS)
            i = rnd.randint(0, len(key))
            core = key[:i] + bytes([rnd.choice(b"*?")]) + key[i + 1:]
        else:
            core = bytes(rnd.choice(RANDOM_ALPHABET) for _ in range(rnd.randint(1, 8)))
        out.append(core)
    return out


PATTERNS = list(dict.fromkeys(FIXED_PATTERNS + _random_patterns(220)))


@pytest.fixture(scope="module")
def server():
    proc = start_redis("--appendonly", "no", "--bind", "127.0.0.1")
    client = proc.client()
    try:
        client.flushall()
        for key in KEYS:
            client.set(key, b"1")
        yield client
    finally:
        client.close()
        proc.stop()


def expected_keys(pattern: bytes) -> list[bytes]:
    # KEYS special-cases the exact pattern "*" before calling stringmatchlen
    # (which would not match the empty key).
    if pattern == b"*":
        return list(KEYS)
    return [k for k in KEYS if glob_match(pattern, k)]


def test_key_set_loaded(server) -> None:
    assert sorted(server.keys(b"*")) == KEYS


@pytest.mark.parametrize("pattern", PATTERNS, ids=repr)
def test_keys_pattern(server, pattern: bytes) -> None:
    assert sorted(server.keys(pattern)) == expected_keys(pattern)


def test_nesting_guard_matches_server(server) -> None:
    long_key = b"a" * 1100
    server.set(long_key, b"1")
    try:
        for pattern in (
            b"*a" * 1000,
            b"*a" * 1001,
            b"*a" * 1000 + b"*",
            b"*a" * 1001 + b"*",
            b"a*" * 1001,
            b"a*" * 1002,
        ):
            assert (long_key in server.keys(pattern)) == glob_match(pattern, long_key)
    finally:
        server.delete(long_key)
