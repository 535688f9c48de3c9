"""Every command argument radish parses as a number, against redis-server
with generated inputs: C's semantics on embedded NUL bytes, spaces, signs,
`inf`/`nan`, hex, exponents and overflow. The same command with the same
argument must give the same reply (value or error text) on both servers."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support.resp import Raw
from tests.support.servers import start_pair

PIECES = [
    "0", "1", "7", "9", "12", "-", "+", ".", "e", "E", "e-", "e+", " ", "\t", "\x00", "x", "0x", "p",
    "inf", "-inf", "+inf", "nan", "infinity", "9223372036854775807", "9223372036854775808",
    "18446744073709551616", "1e308", "1e309", "00", "_", "\r", "\n", "\xa0",
]  # fmt: skip

numberish = st.lists(st.sampled_from(PIECES), min_size=0, max_size=5).map(lambda parts: "".join(parts).encode("latin-1"))

# (setup commands, the command with {} for the number) -- each run starts from
# the setup, so replies depend only on the argument.
TEMPLATES = [
    ([], [b"INCRBYFLOAT", b"n:f", None]),
    ([[b"SET", b"n:f2", b"1.5"]], [b"INCRBYFLOAT", b"n:f2", None]),
    ([], [b"INCRBY", b"n:i", None]),
    ([], [b"DECRBY", b"n:i", None]),
    ([[b"SET", b"n:s", None]], [b"INCR", b"n:s"]),
    ([[b"SET", b"n:s", None]], [b"INCRBYFLOAT", b"n:s", b"1"]),
    ([], [b"HINCRBYFLOAT", b"n:h", b"f", None]),
    ([], [b"HINCRBY", b"n:h", b"f", None]),
    ([], [b"ZADD", b"n:z", None, b"m"]),
    ([], [b"ZINCRBY", b"n:z", None, b"m"]),
    ([[b"ZADD", b"n:z2", b"1", b"a", b"2", b"b"]], [b"ZRANGEBYSCORE", b"n:z2", None, b"+inf"]),
    ([[b"ZADD", b"n:z2", b"1", b"a", b"2", b"b"]], [b"ZRANGE", b"n:z2", b"0", None]),
    ([[b"SET", b"n:e", b"v"]], [b"EXPIRE", b"n:e", None]),
    ([[b"SET", b"n:e", b"v"]], [b"PEXPIREAT", b"n:e", None]),
    ([], [b"SET", b"n:x", b"v", b"EX", None]),
    ([], [b"SETRANGE", b"n:r", None, b"x"]),
    ([[b"SET", b"n:r2", b"hello"]], [b"GETRANGE", b"n:r2", None, b"-1"]),
    ([[b"RPUSH", b"n:l", b"a", b"b"]], [b"LINDEX", b"n:l", None]),
    ([[b"RPUSH", b"n:l", b"a", b"b"]], [b"LPOS", b"n:l", b"a", b"RANK", None]),
    ([], [b"GEOADD", b"n:g", None, b"10", b"m"]),
    ([[b"SET", b"n:b", b"\xff"]], [b"BITCOUNT", b"n:b", None, b"-1"]),
    ([], [b"SETBIT", b"n:b2", None, b"1"]),
    ([], [b"PFADD", b"n:hll", None]),
    ([], [b"OBJECT", b"FREQ", None]),
    ([], [b"XADD", b"n:st", b"MAXLEN", None, b"1-1", b"f", b"v"]),
    ([[b"SADD", b"n:set", b"a"]], [b"SRANDMEMBER", b"n:set", None]),
    ([], [b"SCAN", b"0", b"COUNT", None]),
]  # fmt: skip


@pytest.fixture(scope="module")
def clients():
    ours, theirs = start_pair()
    cs = (Raw(ours.port), Raw(theirs.port))
    yield cs
    for c in cs:
        c.close()
    ours.stop()
    theirs.stop()


def _fill(cmd: list, arg: bytes) -> list[bytes]:
    return [arg if a is None else a for a in cmd]


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(arg=numberish, which=st.integers(0, len(TEMPLATES) - 1))
def test_number_arguments_parse_as_redis(clients, arg, which):
    setup, cmd = TEMPLATES[which]
    replies = []
    for c in clients:
        c([b"FLUSHALL"])
        for s in setup:
            c(_fill(s, arg))
        r = c(_fill(cmd, arg))
        if cmd[0] in (b"SET", b"EXPIRE", b"PEXPIREAT") and r == b"+OK\r\n" or r == b":1\r\n":
            # Compare what was stored too (an expiry time, not the clock).
            r += c([b"TYPE", b"n:x" if cmd[0] == b"SET" else b"n:e"])
        replies.append(r)
    assert replies[0] == replies[1], (cmd, arg)
