"""Issue 15's remaining items against a real redis-server: LOLWUT, the
DEBUG subcommands Redis's tests use, and INFO's field names."""

from __future__ import annotations

import re

import pytest
from tests.support.resp import Raw
from tests.support.servers import start_pair


@pytest.fixture(scope="module")
def pair():
    ours, theirs = start_pair("--enable-debug-command", "yes")
    yield ours, theirs
    ours.stop()
    theirs.stop()


def _both(pair, commands, resp3=False):
    out = []
    for srv in pair:
        c = Raw(srv.port, resp3=resp3)
        out.append([c(cmd) for cmd in commands])
        c.close()
    return out


# Drawings with no random part (LOLWUT 5 with at most two rows of squares)
# are byte-for-byte Redis's; the rest only agree in shape.
LOLWUT_EXACT = [
    [b"LOLWUT"], [b"LOLWUT", b"VERSION"], [b"LOLWUT", b"foo"], [b"LOLWUT", b"VERSION", b"7"],
    [b"LOLWUT", b"VERSION", b"-1"], [b"LOLWUT", b"VERSION", b"4294967301", b"1", b"1", b"1"],
    [b"LOLWUT", b"version", b"x"], [b"LOLWUT", b"VERSION", b"5", b"x"], [b"LOLWUT", b"VERSION", b"6", b"1", b"y"],
    [b"LOLWUT", b"VERSION", b"5", b"1", b"1", b"1"], [b"LOLWUT", b"VERSION", b"5", b"10", b"2", b"2"],
    [b"LOLWUT", b"VERSION", b"5", b"7", b"2", b"1", b"extra"], [b"LOLWUT", b"VERSION", b"5", b"3", b"-5", b"0"],
    [b"LOLWUT", b"VERSION", b"5", b"5000", b"500", b"2"], [b"LOLWUT", b"VERSION", b"5", b"0", b"0", b"-1"],
    [b"LOLWUT", b"VERSION", b"4", b"2"], [b"LOLWUT", b"VERSION", b"5", b"2", b"1", b"1", b"VERSION", b"6"],
]  # fmt: skip


@pytest.mark.parametrize("resp3", [False, True])
def test_lolwut_exact(pair, resp3):
    ours, theirs = _both(pair, LOLWUT_EXACT, resp3)
    assert ours == theirs


def _shape(reply: bytes):
    lines = reply.split(b"\r\n", 1)[1].split(b"\n")
    # characters (LOLWUT 5) or cells of one gray each (LOLWUT 6) per line
    return [(line.count(b"\x1b[0m") or len(line.decode())) if b"Redis ver." not in line else line for line in lines]


@pytest.mark.parametrize("args", [
    [b"VERSION", b"5"], [b"VERSION", b"6"], [b"VERSION", b"5", b"30", b"4", b"6"],
    [b"VERSION", b"6", b"33", b"9"], [b"VERSION", b"6", b"2000", b"0"],
])  # fmt: skip
def test_lolwut_random_drawings_have_redis_shape(pair, args):
    ours, theirs = _both(pair, [[b"LOLWUT", *args]], resp3=True)
    assert _shape(ours[0]) == _shape(theirs[0])
    if args[1] == b"6":  # the same four grays, nothing else
        cells = set(re.findall(rb"\x1b\[[0-9;]+m \x1b\[0m", theirs[0]))
        assert set(re.findall(rb"\x1b\[[0-9;]+m \x1b\[0m", ours[0])) <= cells | {
            b"\x1b[0;30;40m \x1b[0m", b"\x1b[0;90;100m \x1b[0m", b"\x1b[0;37;47m \x1b[0m", b"\x1b[0;97;107m \x1b[0m"}


def test_lolwut_command_docs(pair):
    ours, theirs = _both(pair, [[b"COMMAND", b"INFO", b"LOLWUT"], [b"COMMAND", b"DOCS", b"LOLWUT"]])
    assert ours == theirs
