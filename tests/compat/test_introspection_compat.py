"""SLOWLOG, LATENCY and MONITOR against a real redis-server: the same
commands give the same monitor lines, slow log entries, latency replies and
errors (times, durations and client addresses aside)."""

from __future__ import annotations

import re
import time

import pytest
from tests.support.resp import Raw
from tests.support.servers import start_pair

_TS = re.compile(rb"\+\d+\.\d{6} ")
_ADDR = re.compile(rb"127\.0\.0\.1:\d+")


@pytest.fixture(scope="module")
def pair():
    ours, theirs = start_pair()
    yield ours, theirs
    ours.stop()
    theirs.stop()


def _monitor_session(port: int, commands: list[bytes], resp3: bool = False) -> bytes:
    m = Raw(port, resp3=resp3)
    assert m([b"MONITOR"]) == b"+OK\r\n"
    c, blocked = Raw(port), Raw(port)
    blocked.write(b"BLPOP lst 0\r\n")
    time.sleep(0.1)
    for cmd in commands:
        c.write(cmd)
        c.read_until_quiet(0.05)
    blocked.read_until_quiet(0.05)
    out = m.read_until_quiet(0.3)
    for x in (m, c, blocked):
        x.close()
    return _ADDR.sub(b"ADDR", _TS.sub(b"+T ", out))


MONITORED = [
    b"SET k v\r\n", b"MULTI\r\n", b"INCR n\r\n", b"GET k\r\n", b"EXEC\r\n",
    b"EVAL \"redis.call('set','a','b') return redis.call('get','a')\" 0\r\n",
    b"EVALSHA 0000000000000000000000000000000000000000 0\r\n",
    b"AUTH nopass\r\n", b"AUTH user pass\r\n", b"HELLO 2 AUTH default x\r\n", b"HELLO 2 SETNAME n AUTH u p\r\n",
    b"CONFIG GET port\r\n", b"RPUSH lst x\r\n", b"SET \"a b\" \"\\x00\\xff\\n\\\"\"\r\n", b"PING\r\n", b"SELECT 2\r\n",
    b"GET x\r\n", b"NOSUCH\r\n", b"GET\r\n", b"CLIENT SETNAME foo\r\n", b"SLOWLOG LEN\r\n", b"MULTI\r\nGET x\r\nNOSUCH\r\nEXEC\r\n",
    b"MONITOR\r\n", b"SELECT 0\r\n",
]  # fmt: skip


@pytest.mark.parametrize("resp3", [False, True], ids=["resp2", "resp3"])
def test_monitor_lines_match_redis(pair, resp3):
    ours, theirs = (_monitor_session(s.port, MONITORED, resp3) for s in pair)
    assert ours == theirs
    assert b'"AUTH" "(redacted)" "(redacted)"' in ours  # the comparison saw something


def test_monitor_client_rules_match_redis(pair):
    out = []
    for s in pair:
        c = Raw(s.port)
        c.write(b"MONITOR\r\nGET x\r\nSET a b\r\nPING\r\nMONITOR\r\nRESET\r\nGET x\r\n")
        r = _ADDR.sub(b"ADDR", _TS.sub(b"+T ", c.read_until_quiet(0.3)))
        c.close()
        m = Raw(s.port)
        m.write(b"MULTI\r\nMONITOR\r\nEXEC\r\n")
        r += m.read_until_quiet(0.3)
        m.close()
        out.append(r)
    assert out[0] == out[1]


def _slowlog_entries(port: int) -> list:
    """SLOWLOG GET -1 as (args, client name) pairs."""
    from tests.support.resp import decode

    reply = decode(Raw(port)([b"SLOWLOG", b"GET", b"-1"]))
    return [(e[3], e[5]) for e in reply]


def test_slowlog_entries_match_redis(pair):
    cases = [
        [b"CONFIG", b"SET", b"slowlog-log-slower-than", b"0"],
        [b"SLOWLOG", b"RESET"],
        [b"CLIENT", b"SETNAME", b"nm"],
        [b"EVAL", b"redis.call('set','x','y') return 1", b"0"],
        [b"AUTH", b"a", b"b"],
        [b"SET", b"k" * 200, b"v"],
        [b"RPUSH", b"l", *[b"%d" % i for i in range(40)]],
        [b"MSET", *[b"x" for _ in range(31)], b"y"],
        [b"MULTI"], [b"SET", b"m", b"1"], [b"EXEC"],
        [b"GET", b"k"],
        [b"SLOWLOG", b"LEN"],
    ]  # fmt: skip
    out = []
    for s in pair:
        c = Raw(s.port)
        for cmd in cases:
            c(cmd)
        c([b"CONFIG", b"SET", b"slowlog-log-slower-than", b"10000"])
        out.append(_slowlog_entries(s.port))
        c.close()
    assert out[0] == out[1]
    assert len(out[0]) > 5


def test_slowlog_replies_and_errors_match_redis(pair):
    cmds = [
        [b"SLOWLOG", b"HELP"], [b"SLOWLOG", b"GET", b"x"], [b"SLOWLOG", b"GET", b"-2"], [b"SLOWLOG", b"GET", b"1", b"2"],
        [b"SLOWLOG", b"LEN", b"x"], [b"SLOWLOG", b"FOO"], [b"SLOWLOG"], [b"CONFIG", b"SET", b"slowlog-max-len", b"2"],
        [b"CONFIG", b"SET", b"slowlog-log-slower-than", b"0"], [b"PING"], [b"PING"], [b"PING"], [b"SLOWLOG", b"LEN"],
        [b"CONFIG", b"SET", b"slowlog-log-slower-than", b"-1"], [b"PING"], [b"SLOWLOG", b"LEN"], [b"SLOWLOG", b"RESET"],
        [b"SLOWLOG", b"LEN"], [b"SLOWLOG", b"GET"], [b"CONFIG", b"SET", b"slowlog-log-slower-than", b"10000"],
        [b"CONFIG", b"SET", b"slowlog-max-len", b"128"],
    ]  # fmt: skip
    for resp3 in (False, True):
        replies = []
        for s in pair:
            c = Raw(s.port, resp3=resp3)
            replies.append([c(cmd) for cmd in cmds])
            c.close()
        assert replies[0] == replies[1]


def test_pipelined_fast_commands_reach_the_slowlog(pair):
    """Plain GET/SET run in the batch loop (C, or Python without
    extensions); with a threshold of 0 each still gets its entry."""
    out = []
    for s in pair:
        c = Raw(s.port)
        c([b"CONFIG", b"SET", b"slowlog-log-slower-than", b"0"])
        c([b"SLOWLOG", b"RESET"])
        c.write(b"SET a 1\r\nGET a\r\nINCR n\r\nGET a\r\n")
        c.read_until_quiet(0.2)
        c([b"CONFIG", b"SET", b"slowlog-log-slower-than", b"10000"])
        out.append(_slowlog_entries(s.port))
        c.close()
    assert out[0] == out[1]
    assert [b"SET", b"a", b"1"] in [e[0] for e in out[0]]


def test_latency_replies_match_redis(pair):
    cmds = [
        [b"LATENCY", b"HELP"], [b"LATENCY", b"RESET"], [b"LATENCY", b"DOCTOR"], [b"LATENCY", b"LATEST"],
        [b"LATENCY", b"HISTORY", b"command"], [b"LATENCY", b"GRAPH", b"command"], [b"LATENCY", b"FOO"],
        [b"LATENCY", b"GRAPH"], [b"LATENCY"], [b"CONFIG", b"SET", b"latency-monitor-threshold", b"1000000"],
        [b"LATENCY", b"DOCTOR"], [b"LATENCY", b"RESET", b"command", b"nosuch"],
        [b"CONFIG", b"SET", b"latency-monitor-threshold", b"0"],
    ]  # fmt: skip
    for resp3 in (False, True):
        replies = []
        for s in pair:
            c = Raw(s.port, resp3=resp3)
            replies.append([c(cmd) for cmd in cmds])
            c.close()
        assert replies[0] == replies[1]


def test_latency_events_after_a_slow_script(pair):
    """A script over the threshold: one "command" event in LATEST and
    HISTORY, DOCTOR's report and GRAPH's frame as Redis's (the durations
    differ)."""
    from tests.support.resp import decode

    shapes = []
    for s in pair:
        c = Raw(s.port)
        c([b"LATENCY", b"RESET"])
        c([b"CONFIG", b"SET", b"latency-monitor-threshold", b"5"])
        c([b"EVAL", b"local i=0 while i<5000000 do i=i+1 end", b"0"])
        latest = decode(c([b"LATENCY", b"LATEST"]))
        history = decode(c([b"LATENCY", b"HISTORY", b"command"]))
        doctor = decode(c([b"LATENCY", b"DOCTOR"]))
        graph = decode(c([b"LATENCY", b"GRAPH", b"command"]))
        c([b"CONFIG", b"SET", b"latency-monitor-threshold", b"0"])
        c([b"LATENCY", b"RESET"])
        c.close()
        digits = re.compile(rb"\d+")
        shapes.append((
            [e[0] for e in latest], len(history),
            digits.sub(b"N", doctor if isinstance(doctor, bytes) else doctor.encode()),
            digits.sub(b"N", (graph if isinstance(graph, bytes) else graph.encode()).split(b"\n", 1)[0]),
        ))  # fmt: skip
    assert shapes[0] == shapes[1]
    assert shapes[0][0] == [b"command"]


def _shape(reply: bytes) -> bytes:
    """Numbers masked: what is left is the reply's structure and texts (an
    INFO section's lines sorted: Redis lists commands in hash order)."""
    masked = re.sub(rb"\d+(\.\d+)?", b"N", reply)
    if b"# Latencystats" in masked:
        head, body = masked.split(b"# Latencystats\r\n", 1)
        masked = head + b"# Latencystats\r\n" + b"\r\n".join(sorted(body.split(b"\r\n")))
    return masked


def test_latency_tracking_matches_redis_in_shape(pair):
    cmds = [
        [b"CONFIG", b"RESETSTAT"], [b"SET", b"a", b"b"], [b"GET", b"a"],  # one call each: one bucket each
        [b"INFO", b"latencystats"], [b"LATENCY", b"HISTOGRAM", b"get", b"set", b"nosuch"],
        [b"LATENCY", b"HISTOGRAM", b"config"],
        [b"CONFIG", b"SET", b"latency-tracking-info-percentiles", b"0 50 99.99 100"], [b"INFO", b"latencystats"],
        [b"CONFIG", b"SET", b"latency-tracking", b"no"], [b"INFO", b"latencystats"], [b"CONFIG", b"RESETSTAT"],
        [b"LATENCY", b"HISTOGRAM"], [b"CONFIG", b"SET", b"latency-tracking", b"yes"],
        [b"CONFIG", b"SET", b"latency-tracking-info-percentiles", b"50 99 99.9"],
    ]  # fmt: skip
    for resp3 in (False, True):
        replies = []
        for s in pair:
            c = Raw(s.port, resp3=resp3)
            replies.append([_shape(c(cmd)) for cmd in cmds])
            c.close()
        assert replies[0] == replies[1]
        assert b"latency_percentiles_usec_get:pN=N,pN=N,pN=N" in replies[0][3]
