"""Issue 15's remaining items against a real redis-server: LOLWUT, the
DEBUG subcommands Redis's tests use, and INFO's field names."""

from __future__ import annotations

import re
import time

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


DEBUG_SESSION = [
    [b"DEBUG", b"PROTOCOL", t] for t in (
        b"string", b"integer", b"double", b"bignum", b"null", b"array", b"set", b"map", b"attrib",
        b"verbatim", b"true", b"false", b"foo", b"STRING")
] + [
    [b"DEBUG", b"HELP"], [b"DEBUG", b"PROTOCOL"], [b"DEBUG", b"SLEEP"], [b"DEBUG", b"SLEEP", b"0"], [b"DEBUG", b"SLEEP", b"0.01", b"x"],
    [b"DEBUG", b"JMAP"], [b"DEBUG", b"STRINGMATCH-LEN"], [b"DEBUG", b"NOSUCH", b"a"],
    [b"DEBUG", b"SET-ACTIVE-EXPIRE"], [b"DEBUG", b"SET-ACTIVE-EXPIRE", b"x"], [b"DEBUG", b"SET-ACTIVE-EXPIRE", b"1"],
    [b"DEBUG", b"CHANGE-REPL-ID"], [b"DEBUG", b"CHANGE-REPL-ID", b"x"],
    [b"DEBUG", b"QUICKLIST-PACKED-THRESHOLD", b"1"], [b"DEBUG", b"QUICKLIST-PACKED-THRESHOLD", b"0"],
    [b"DEBUG", b"QUICKLIST-PACKED-THRESHOLD", b"1k"], [b"DEBUG", b"QUICKLIST-PACKED-THRESHOLD", b"5gb"],
    [b"DEBUG", b"QUICKLIST-PACKED-THRESHOLD", b"4gb"], [b"DEBUG", b"QUICKLIST-PACKED-THRESHOLD", b"x"],
    [b"DEBUG", b"QUICKLIST-PACKED-THRESHOLD", b"0"],
    [b"DEL", b"l", b"h", b"s"], [b"RPUSH", b"l", b"a"], [b"HSET", b"h", b"f", b"v"], [b"SET", b"s", b"1"],
    [b"DEBUG", b"LISTPACK", b"l"], [b"DEBUG", b"LISTPACK", b"h"], [b"DEBUG", b"LISTPACK", b"s"],
    [b"DEBUG", b"LISTPACK", b"nokey"], [b"DEBUG", b"QUICKLIST", b"l"], [b"DEBUG", b"QUICKLIST", b"l", b"1"],
    [b"DEBUG", b"QUICKLIST", b"h"], [b"DEBUG", b"QUICKLIST", b"nokey"],
    [b"DEBUG", b"PAUSE-CRON", b"0"], [b"DEBUG", b"PAUSE-CRON"],
    [b"DEBUG", b"REPLYBUFFER", b"peak-reset-time", b"never"], [b"DEBUG", b"REPLYBUFFER", b"peak-reset-time", b"x"],
    [b"DEBUG", b"REPLYBUFFER", b"peak-reset-time", b"100"], [b"DEBUG", b"REPLYBUFFER", b"peak-reset-time", b"reset"],
    [b"DEBUG", b"REPLYBUFFER", b"resizing", b"1"], [b"DEBUG", b"REPLYBUFFER", b"foo", b"1"], [b"DEBUG", b"REPLYBUFFER", b"resizing"],
    [b"DEBUG", b"SET-DISABLE-DENY-SCRIPTS", b"1"],
    [b"EVAL", b"return redis.pcall('debug', 'set-disable-deny-scripts', '0')", b"0"],
    [b"EVAL", b"return redis.pcall('client', 'list', 'id', '1')", b"0"],
    [b"DEBUG", b"SET-DISABLE-DENY-SCRIPTS", b"0"], [b"EVAL", b"return redis.pcall('client', 'list', 'id', '1')", b"0"],
    [b"DEBUG", b"AOF-FLUSH-SLEEP", b"0"], [b"DEBUG", b"STRINGMATCH-TEST"],
    [b"FLUSHALL"], [b"SET", b"key:1", b"x"], [b"DEBUG", b"POPULATE", b"3"], [b"MGET", b"key:0", b"key:1", b"key:2", b"key:3"],
    [b"DEBUG", b"POPULATE", b"2", b"p", b"12"], [b"DEBUG", b"POPULATE", b"2", b"q", b"3"], [b"MGET", b"p:0", b"p:1", b"q:1"],
    [b"DEBUG", b"POPULATE", b"-1"], [b"DEBUG", b"POPULATE", b"1", b"p", b"-1"], [b"DEBUG", b"POPULATE", b"x"],
    [b"DEBUG", b"POPULATE"], [b"DBSIZE"],
    [b"DEBUG", b"DIGEST-VALUE"], [b"DEBUG", b"DIGEST-VALUE", b"nokey", b"p:0"],
]  # fmt: skip


@pytest.mark.parametrize("resp3", [False, True])
def test_debug_subcommands(pair, resp3):
    ours, theirs = _both(pair, DEBUG_SESSION, resp3)
    assert ours == theirs


def test_debug_protocol_push(pair):
    cmds = [[b"DEBUG", b"PROTOCOL", b"push"]]
    assert _both(pair, cmds) == [[b"-ERR RESP2 is not supported by this command\r\n"]] * 2
    ours, theirs = [], []
    for srv, out in zip(pair, (ours, theirs), strict=True):
        c = Raw(srv.port, resp3=True)
        c.send(cmds[0])
        out += [c.read(), c.read()]
        c.close()
    assert ours == theirs


def test_debug_change_repl_id(pair):
    for srv in pair:
        c = Raw(srv.port)
        before = c([b"INFO", b"replication"])
        assert c([b"DEBUG", b"CHANGE-REPL-ID"]) == b"+OK\r\n"
        after = c([b"INFO", b"replication"])
        ids = [re.search(rb"master_replid:(\w+)", x).group(1) for x in (before, after)]  # type: ignore[union-attr]
        assert ids[0] != ids[1] and len(ids[1]) == 40
        assert b"master_replid2:0000000000000000000000000000000000000000" in after
        assert b"second_repl_offset:-1" in after
        c.close()


_PER_USE = ("cmdstat_", "latency_percentiles_usec_", "errorstat_", "db")


def _info_fields(port: int) -> list[str]:
    c = Raw(port)
    text = c([b"INFO", b"everything"]).split(b"\r\n", 1)[1].decode()
    c.close()
    names = []
    for line in text.split("\r\n"):
        if line and not line.startswith(_PER_USE):
            names.append(line.split(":", 1)[0])
    return names


def test_info_everything_prints_redis_fields_in_redis_order(pair):
    ours, theirs = (_info_fields(srv.port) for srv in pair)
    assert [n for n in ours if n != "radish_version"] == theirs


@pytest.mark.parametrize("args", [[b"all"], [b"everything"], [b"default", b"latencystats", b"commandstats"], [b"keyspace", b"latencystats", b"cpu"]])
def test_info_section_order(pair, args):
    heads = []
    for srv in pair:
        c = Raw(srv.port)
        heads.append(re.findall(rb"# \w+", c([b"INFO", *args])))
        c.close()
    assert heads[0] == heads[1]


DEBUG_OBJECT_SETUP = [
    [b"SET", b"dobj:s", b"hello"], [b"SET", b"dobj:n", b"12345"], [b"SET", b"dobj:big", b"x" * 100],
    [b"SET", b"dobj:rand", bytes(range(256)) * 3], [b"RPUSH", b"dobj:l", b"a", b"b", b"c"],
    [b"RPUSH", b"dobj:bl", *[b"item%d" % i for i in range(2000)]], [b"HSET", b"dobj:h", b"f", b"v"],
    [b"SADD", b"dobj:is", b"1", b"2", b"3"], [b"ZADD", b"dobj:z", b"1", b"a", b"2.5", b"b"],
]  # fmt: skip


def test_debug_object_fields_as_redis(pair):
    """DEBUG OBJECT: the encoding, serializedlength (the RDB serialization's
    length) and a list's quicklist figures equal Redis's; the address and
    the access stamp are the process's own."""
    outs = []
    for srv in pair:
        c = Raw(srv.port)
        for cmd in DEBUG_OBJECT_SETUP:
            c(cmd)
        lines = []
        for cmd in DEBUG_OBJECT_SETUP:
            line = c([b"DEBUG", b"OBJECT", cmd[1]])
            assert re.match(rb"\+Value at:0x[0-9a-f]+ refcount:1 ", line), line
            lines.append(re.sub(rb"Value at:0x[0-9a-f]+ | lru:\d+ lru_seconds_idle:\d+", b"", line))
        lines.append(c([b"DEBUG", b"OBJECT", b"dobj:none"]))
        c([b"DEL", *[cmd[1] for cmd in DEBUG_OBJECT_SETUP]])
        c.close()
        outs.append(lines)
    assert outs[0] == outs[1]


def test_debug_object_shows_a_logically_expired_key_until_it_is_deleted(pair):
    """DEBUG OBJECT reads the table as it is (Redis's dictFind): a key past
    its TTL that nothing has deleted yet is still shown; once EXISTS has
    expired it, it is gone."""
    seen = []
    for srv in pair:
        c = Raw(srv.port)
        c([b"SELECT", b"9"])
        c([b"DEBUG", b"SET-ACTIVE-EXPIRE", b"0"])
        c([b"SET", b"dbg-exp", b"hello", b"PX", b"30"])
        time.sleep(0.1)
        obj = c([b"DEBUG", b"OBJECT", b"dbg-exp"])
        replies = [c([b"DBSIZE"]), c([b"EXISTS", b"dbg-exp"]), c([b"DEBUG", b"OBJECT", b"dbg-exp"])]
        c([b"DEBUG", b"SET-ACTIVE-EXPIRE", b"1"])
        c([b"FLUSHDB"])
        c.close()
        assert re.search(rb"encoding:embstr serializedlength:6 ", obj), obj
        seen.append(replies)
    assert seen[0] == seen[1] == [b":1\r\n", b":0\r\n", b"-ERR no such key\r\n"]
