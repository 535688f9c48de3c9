"""Redis Functions against a real redis-server: the same FUNCTION / FCALL
sequences go to both servers, in RESP2 and in RESP3, and every reply must
be byte for byte equal (libraries, registration errors, FCALL errors with
their ``script: <function>, on @user_function:<line>.`` suffix, FUNCTION
LIST / STATS shapes); FUNCTION DUMP payloads are equal and each server
RESTOREs the other's; RDB files and AOFs holding libraries load in both;
FUNCTION LOAD reaches replicas of both kinds; sandbox escapes fail in a
function as on Redis."""

from __future__ import annotations

import os
import shutil
import socket
import time

import pytest
from tests.compat.test_lua_sandbox_compat import POPEN_ESCAPE
from tests.support.resp import Raw, commands_of
from tests.support.scripts import read_full_sync
from tests.support.servers import start_radish, start_redis, wait_until


def lib(name: str, body: str) -> str:
    return "#!lua name=%s\n%s" % (name, body)


def reg(fname: str, body: str, flags: str = "") -> str:
    """A library registering one function ``fname`` running ``body``."""
    if flags:
        return "redis.register_function{function_name='%s', callback=function(keys, args)\n%s\nend, flags={%s}}" % (fname, body, flags)
    return "redis.register_function('%s', function(keys, args)\n%s\nend)" % (fname, body)


def load(code: str, *opts: str) -> list[str]:
    return ["FUNCTION", "LOAD", *opts, code]


CASES: dict[str, list[list[str]]] = {}

CASES["load_errors"] = [
    load("return 1"),
    load("#!lua"),
    load("#!lua name=x"),
    load("#!lua name=x foo=bar\n"),
    load("#!lua name=a name=b\n"),
    load("#!lua NAME=x\n"),
    load('#!lua name="q r"\n'),
    load("#!lua name=\"unbalanced\n"),
    load("#!lu name=x\n"),
    load("#!LUA name=up\nredis.register_function('up', function() return 1 end)"),
    load("#!lua name=a-b\n"),
    load("#!lua name=\n"),
    load(lib("x", "return 'a' +")),
    load(lib("x", "")),
    load(lib("x", "local a = 1")),
    load(lib("x", "redis.call('ping')")),
    load(lib("x", "redis.setresp(3)")),
    load(lib("x", "return string.len('a')")),
    load(lib("x", "x = 1")),
    load(lib("x", "error('boom')")),
    load(lib("x", "redis.log()")),
    load(lib("x", "redis.log(redis.LOG_NOTICE, 'loading ' .. redis.REDIS_VERSION)\n" + reg("logged", "return 1"))),
    ["FCALL", "logged", "0"],
    load(lib("x", "redis.register_function()")),
    load(lib("x", "redis.register_function('a', function() end, 3)")),
    load(lib("x", "redis.register_function('a b', function() end)")),
    load(lib("x", "redis.register_function('', function() end)")),
    load(lib("x", "redis.register_function({}, function() end)")),
    load(lib("x", "redis.register_function('a', 1)")),
    load(lib("x", "redis.register_function(1)")),
    load(lib("x", "redis.register_function{function_name='a'}")),
    load(lib("x", "redis.register_function{callback=function() end}")),
    load(lib("x", "redis.register_function{function_name='a', callback=function() end, flags={'bad'}}")),
    load(lib("x", "redis.register_function{function_name='a', callback=function() end, flags='no-writes'}")),
    load(lib("x", "redis.register_function{function_name='a', callback=function() end, flags={1}}")),
    load(lib("x", "redis.register_function{function_name='a', callback=function() end, zz=1}")),
    load(lib("x", "redis.register_function{function_name={}, callback=function() end}")),
    load(lib("x", "redis.register_function{function_name='a', callback=1}")),
    load(lib("x", "redis.register_function{function_name='a', description={}, callback=function() end}")),
    load(lib("x", "redis.register_function{[1]='a', callback=function() end}")),
    load(lib("x", "redis.register_function('a', function() end) redis.register_function('a', function() end)")),
    load(lib("num", "redis.register_function(12, function() return 12 end)")),
    ["FCALL", "12", "0"],
    ["FUNCTION", "LOAD"],
    ["FUNCTION", "LOAD", "replace"],
    ["FUNCTION", "LOAD", "foo", lib("x", "")],
    ["FUNCTION", "LOAD", "replace", "replace", lib("rr", reg("rr", "return 'rr'"))],
]

CASES["load_replace_collisions"] = [
    load(lib("l1", reg("f1", "return 1"))),
    load(lib("l1", reg("f1", "return 1"))),
    load(lib("l2", reg("f1", "return 2"))),
    load(lib("l2", reg("F1", "return 2"))),
    load(lib("l1", reg("f2", "return 'two'")), "REPLACE"),
    ["FCALL", "f1", "0"],
    ["FCALL", "f2", "0"],
    load(lib("l1", "return +"), "REPLACE"),
    ["FCALL", "f2", "0"],
    load(lib("l1", ""), "REPLACE"),
    ["FCALL", "F2", "0"],
    ["FUNCTION", "DELETE", "L1"],
    ["FUNCTION", "DELETE", "l1"],
    ["FUNCTION", "DELETE", "l1"],
    ["FCALL", "f2", "0"],
    ["FUNCTION", "DELETE"],
    ["FUNCTION", "DELETE", "a", "b"],
]

CASES["fcall"] = [
    load(lib("calls", "\n".join([
        reg("echo", "return {keys, args}"),
        reg("count", "return {#keys, #args}"),
        reg("setter", "return redis.call('set', keys[1], args[1])"),
        reg("getter", "return redis.call('get', keys[1])", "'no-writes'"),
        reg("bad_ro", "return redis.call('set', keys[1], 'x')", "'no-writes'"),
        reg("fails", "return redis.call('incr', keys[1])"),
        reg("pfails", "return redis.pcall('incr', keys[1])"),
        reg("raises", "error('boom')"),
        reg("raises_table", "error({err='MYCODE my message'})"),
        reg("nosuch", "return redis.call('nosuch')"),
        reg("global_read", "return x"),
        reg("global_write", "y = 1"),
        reg("keys_global", "return KEYS"),
        reg("register_late", "return redis.register_function('z', function() end)"),
        reg("setresp", "redis.setresp(3) return redis.call('hgetall', keys[1])"),
        reg("status", "return redis.status_reply('FINE')"),
        reg("errreply", "return redis.error_reply('E custom')"),
        reg("nested", "return {1, {err='inner'}}"),
        reg("acl", "return redis.acl_check_cmd('set', 'a', 'b')"),
        reg("acl_bad", "return redis.acl_check_cmd('nosuchcmd')"),
        reg("sha", "return redis.sha1hex('x')"),
        reg("rnd", "return math.random(100)"),
        reg("evalcall", "return redis.call('eval', 'return 1', 0)"),
        reg("fcallcall", "return redis.call('fcall', 'echo', 0)"),
        reg("redis_keys", "local t = {} for k in pairs(redis) do t[#t + 1] = k end table.sort(t) return t"),
        reg("globals", "local t = {} for k in pairs(_G) do t[#t + 1] = k end table.sort(t) return t"),
        reg("version", "return {redis.REDIS_VERSION, redis.REDIS_VERSION_NUM}"),
    ]))),
    ["FCALL", "echo", "2", "k1", "k2", "a1", "a2"],
    ["FCALL", "ECHO", "0"],
    ["FCALL", "count", "1", "k"],
    ["FCALL", "echo", "x"],
    ["FCALL", "echo", "3", "a"],
    ["FCALL", "echo", "-1"],
    ["FCALL", "echo"],
    ["FCALL", "missing", "0"],
    ["FCALL", "missing", "x"],
    ["FCALL", "setter", "1", "k", "v"],
    ["FCALL", "getter", "1", "k"],
    ["FCALL_RO", "getter", "1", "k"],
    ["FCALL_RO", "setter", "1", "k", "v"],
    ["FCALL", "bad_ro", "1", "k"],
    ["SET", "s", "str"],
    ["FCALL", "fails", "1", "s"],
    ["FCALL", "pfails", "1", "s"],
    ["FCALL", "raises", "0"],
    ["FCALL", "raises_table", "0"],
    ["FCALL", "nosuch", "0"],
    ["FCALL", "global_read", "0"],
    ["FCALL", "global_write", "0"],
    ["FCALL", "keys_global", "0"],
    ["FCALL", "register_late", "0"],
    ["HSET", "h", "f", "v"],
    ["FCALL", "setresp", "1", "h"],
    ["FCALL", "status", "0"],
    ["FCALL", "errreply", "0"],
    ["FCALL", "nested", "0"],
    ["FCALL", "acl", "0"],
    ["FCALL", "acl_bad", "0"],
    ["FCALL", "sha", "0"],
    ["FCALL", "evalcall", "0"],
    ["FCALL", "fcallcall", "0"],
    ["FCALL", "redis_keys", "0"],
    ["FCALL", "globals", "0"],
    ["FCALL", "version", "0"],
    ["EVAL", "return redis.call('fcall', 'echo', 0)", "0"],
    # the same shebang rules for EVAL scripts
    ["EVAL_RO", "#!lua\nreturn 1", "0"],
    ["EVAL_RO", "#!lua flags=no-writes\nreturn redis.call('get', 'k')", "0"],
    ["EVAL", "#!lua flags=no-writes\nreturn redis.call('set', 'k', 'x')", "0"],
    ["EVALSHA_RO", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"],
    ["MULTI"],
    ["FCALL", "setter", "1", "m", "1"],
    ["FCALL_RO", "getter", "1", "m"],
    ["EXEC"],
]

CASES["list"] = [
    ["FUNCTION", "LIST"],
    load(lib("alpha", "redis.register_function{function_name='a1', callback=function() return 1 end, "
             "description='the first', flags={'allow-cross-slot-keys', 'no-writes', 'ALLOW-OOM', 'allow-stale', 'no-cluster'}}")),
    load(lib("beta", reg("b1", "return 2"))),
    ["FUNCTION", "LIST", "LIBRARYNAME", "alpha"],
    ["FUNCTION", "LIST", "libraryname", "ALP*", "WITHCODE"],
    ["FUNCTION", "LIST", "withcode", "libraryname", "b?ta"],
    ["FUNCTION", "LIST", "libraryname", "nomatch*"],
    ["FUNCTION", "LIST", "libraryname"],
    ["FUNCTION", "LIST", "withcode", "withcode"],
    ["FUNCTION", "LIST", "libraryname", "a", "libraryname", "b"],
    ["FUNCTION", "LIST", "bogus"],
    ["FUNCTION", "STATS"],
    ["FUNCTION", "FLUSH", "ASYNC"],
    ["FUNCTION", "STATS"],
    ["FUNCTION", "FLUSH", "sync"],
    ["FUNCTION", "FLUSH", "bad"],
    ["FUNCTION", "FLUSH", "a", "b"],
    ["FUNCTION", "KILL"],
    ["FUNCTION", "KILL", "x"],
    ["SCRIPT", "KILL"],
    ["FUNCTION", "HELP"],
    ["FUNCTION", "help", "x"],
    ["FUNCTION", "nosuch"],
    ["FUNCTION"],
    ["FCALL"],
    ["COMMAND", "GETKEYS", "FCALL", "f", "2", "a", "b", "c"],
    ["COMMAND", "GETKEYS", "FCALL_RO", "f", "0", "a"],
]

CASES["dump_restore"] = [
    load(lib("one", reg("one", "return 'one' -- a comment long enough for the compression to be used"))),
    ["FUNCTION", "RESTORE", "bad"],
    ["FUNCTION", "RESTORE", "\xf5\x00\x0a\x00" + "\x00" * 8],
    ["FUNCTION", "RESTORE", "x", "BADPOLICY"],
    ["FUNCTION", "RESTORE", "x", "FLUSH", "more"],
]

CASES["sandbox"] = [
    load(lib("sb", "\n".join([
        reg("popen", POPEN_ESCAPE),
        reg("cls", "return redis.call.__class__"),
        reg("mro", "local v = redis.call('ping') return v.__class__.__mro__"),
        reg("cj", "return cjson.encode.__class__"),
        reg("g", "return rawget(_G, 'python')"),
        reg("dbg", "return type(debug)"),
        reg("gf", "return type(getfenv)"),
        reg("dump", "return string.dump(redis.call)"),
        reg("bytecode", "return loadstring(string.dump(function() return 1 end))"),
        reg("loadstr", "local f = loadstring('return type(redis)') return f()"),
        reg("loadstr_global", "local f = loadstring('zz = 1') return {pcall(f)}"),
        reg("setmeta", "setmetatable(_G, nil)"),
        reg("strmeta", "getmetatable('').__index = {}"),
        reg("rawset_redis", "rawset(redis, 'call', nil)"),
        reg("redis_nil", "redis.call = nil"),
        reg("pcall_obj", "return {pcall(redis.call, 'nosuch')}"),
        reg("xpcall_obj", "return {xpcall(function() redis.call('nosuch') end, function(e) return type(e) end)}"),
        reg("co", "return {coroutine.resume(coroutine.create(function() redis.call('nosuch') end))}"),
        reg("err_null", "error(cjson.null)"),
    ]))),
    *(["FCALL", f, "0"] for f in ("popen", "cls", "mro", "cj", "g", "dbg", "gf", "dump", "bytecode", "loadstr",
                                   "loadstr_global", "setmeta", "strmeta", "rawset_redis", "redis_nil", "pcall_obj",
                                   "xpcall_obj", "co", "err_null")),
    load(lib("sbl", "local c = redis.call.__class__")),
    load(lib("sbl", "return rawget")),
    load(lib("sbl", "redis.register_function('x', redis.log.__class__)")),
]


def _run(conn: Raw, cmds: list[list[str]]) -> list[bytes]:
    conn([b"FUNCTION", b"FLUSH"])
    out = [conn([a.encode("latin-1") for a in cmd]) for cmd in cmds]
    conn([b"FUNCTION", b"FLUSH"])
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_functions_match_redis(raw_pair, name):
    ours, theirs = raw_pair
    cmds = CASES[name]
    a, b = _run(ours, cmds), _run(theirs, cmds)
    diffs = [(cmd, x, y) for cmd, x, y in zip(cmds, a, b, strict=True) if x != y]
    assert not diffs, diffs[:3]


def test_command_info_matches_redis(radish_server, redis_server):
    """The subcommands' flags, ACL categories and tips (RESP2: radish's
    COMMAND replies have no RESP3 sets yet; FCALL's key specs wait for
    key specs in COMMAND INFO)."""
    cmd = [b"COMMAND", b"INFO"] + [b"function|" + s for s in (b"load", b"delete", b"flush", b"list", b"dump", b"restore", b"stats", b"kill", b"help")]
    ours, theirs = Raw(radish_server.port), Raw(redis_server.port)
    try:
        assert ours(cmd) == theirs(cmd)
    finally:
        ours.close()
        theirs.close()


def test_popen_escape_fails_in_a_function(radish_server):
    c = Raw(radish_server.port)
    try:
        reply = _run(c, CASES["sandbox"][:2])[1]
    finally:
        c.close()
    assert reply.startswith(b"-ERR user_function:4: attempt to index field 'encode' (a function value) script: popen")
    assert b"uid=" not in reply


# -- DUMP / RESTORE --------------------------------------------------------------------

LIB_A = lib("liba", reg("fa", "return redis.call('get', keys[1])", "'no-writes'") + "\n-- padding that LZF can compress: " + "abc" * 20)
LIB_B = lib("libb", reg("fb", "return 'b'"))


def _payload(conn: Raw) -> bytes:
    reply = conn([b"FUNCTION", b"DUMP"])
    assert reply.startswith(b"$")
    return reply[reply.index(b"\r\n") + 2 : -2]


@pytest.fixture
def flushed(radish_server, redis_server):
    ours, theirs = Raw(radish_server.port), Raw(redis_server.port)
    for c in (ours, theirs):
        c([b"FUNCTION", b"FLUSH"])
    yield ours, theirs
    for c in (ours, theirs):
        c([b"FUNCTION", b"FLUSH"])
        c.close()


def test_dump_payloads_are_equal_and_restore_across(flushed):
    ours, theirs = flushed
    assert _payload(ours) == _payload(theirs)  # no libraries
    for c in (ours, theirs):
        assert c([b"FUNCTION", b"LOAD", LIB_A.encode()]) == b"$4\r\nliba\r\n"
    from_ours, from_theirs = _payload(ours), _payload(theirs)
    assert from_ours == from_theirs
    # Each server restores the other's payload, with every policy.
    for c, payload in ((ours, from_theirs), (theirs, from_ours)):
        assert c([b"FUNCTION", b"RESTORE", payload]) == b"-ERR Library liba already exists\r\n"
        assert c([b"FUNCTION", b"RESTORE", payload, b"REPLACE"]) == b"+OK\r\n"
        assert c([b"FUNCTION", b"LOAD", LIB_B.encode()]) == b"$4\r\nlibb\r\n"
        assert c([b"FUNCTION", b"RESTORE", payload, b"FLUSH"]) == b"+OK\r\n"
        assert c([b"FCALL", b"fb", b"0"]) == b"-ERR Function not found\r\n"
        assert c([b"SET", b"k", b"v"]) == b"+OK\r\n"
        assert c([b"FCALL_RO", b"fa", b"1", b"k"]) == b"$1\r\nv\r\n"
        c([b"FUNCTION", b"FLUSH"])
        assert c([b"FUNCTION", b"RESTORE", payload, b"append"]) == b"+OK\r\n"
        assert c([b"FCALL_RO", b"fa", b"1", b"k"]) == b"$1\r\nv\r\n"
    # A function name taken by another library fails the restore.
    for c, payload in ((ours, from_theirs), (theirs, from_ours)):
        c([b"FUNCTION", b"FLUSH"])
        c([b"FUNCTION", b"LOAD", lib("other", reg("fa", "return 0")).encode()])
        assert c([b"FUNCTION", b"RESTORE", payload, b"REPLACE"]) == b"-ERR Function fa already exists\r\n"
        assert c([b"FCALL", b"fa", b"0"]) == b":0\r\n"
    # A corrupted payload, and a key's DUMP payload.
    bad = bytearray(from_ours)
    bad[5] ^= 1
    c([b"SET", b"k", b"v"])
    for c in (ours, theirs):
        assert c([b"FUNCTION", b"RESTORE", bytes(bad)]) == b"-ERR DUMP payload version or checksum are wrong\r\n"
    key_payload = theirs([b"DUMP", b"k"])
    key_payload = key_payload[key_payload.index(b"\r\n") + 2 : -2]
    assert ours([b"FUNCTION", b"RESTORE", key_payload]) == theirs([b"FUNCTION", b"RESTORE", key_payload])


def test_dump_of_two_libraries_restores_in_redis(flushed):
    ours, theirs = flushed
    for code in (LIB_A, LIB_B):
        ours([b"FUNCTION", b"LOAD", code.encode()])
    assert theirs([b"FUNCTION", b"RESTORE", _payload(ours)]) == b"+OK\r\n"
    assert theirs([b"FCALL", b"fb", b"0"]) == b"$1\r\nb\r\n"
    assert theirs([b"FUNCTION", b"STATS"]) == ours([b"FUNCTION", b"STATS"])


# -- RDB and AOF --------------------------------------------------------------------


def _wait_loaded(conn_port: int) -> Raw:
    c = Raw(conn_port)
    wait_until(lambda: c([b"PING"]) == b"+PONG\r\n")
    return c


def _save_and_move(src, dst_dir: str) -> None:
    c = Raw(src.port)
    assert c([b"SAVE"]) == b"+OK\r\n"
    c.close()
    shutil.copy(os.path.join(src.dir, "dump.rdb"), os.path.join(dst_dir, "dump.rdb"))


@pytest.mark.parametrize("direction", ["radish_to_redis", "redis_to_radish"])
def test_rdb_with_libraries_loads_in_the_other(tmp_path, direction):
    writer = start_radish() if direction == "radish_to_redis" else start_redis()
    try:
        c = Raw(writer.port)
        for code in (LIB_A, LIB_B):
            assert c([b"FUNCTION", b"LOAD", code.encode()]).startswith(b"$4")
        c([b"SET", b"k", b"v"])
        c.close()
        target = tmp_path / "target"
        target.mkdir()
        _save_and_move(writer, str(target))
    finally:
        writer.stop()
    reader = start_redis(workdir=str(target)) if direction == "radish_to_redis" else start_radish("--enable-debug-command", "yes", workdir=str(target))
    try:
        c = _wait_loaded(reader.port)
        assert c([b"FCALL_RO", b"fa", b"1", b"k"]) == b"$1\r\nv\r\n"
        assert c([b"FCALL", b"fb", b"0"]) == b"$1\r\nb\r\n"
        assert c([b"FUNCTION", b"STATS"]).endswith(b"libraries_count\r\n:2\r\n$15\r\nfunctions_count\r\n:2\r\n")
        # DEBUG RELOAD keeps them (saved, flushed with the data, loaded back).
        assert c([b"DEBUG", b"RELOAD"]) == b"+OK\r\n"
        assert c([b"FCALL", b"fb", b"0"]) == b"$1\r\nb\r\n"
        c.close()
    finally:
        reader.stop()


@pytest.mark.parametrize("direction", ["radish_to_redis", "redis_to_radish"])
@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_aof_with_libraries_loads_in_the_other(tmp_path, direction, preamble):
    opts = ("--appendonly", "yes", "--aof-use-rdb-preamble", preamble)
    writer = start_radish(*opts) if direction == "radish_to_redis" else start_redis(*opts)
    try:
        c = Raw(writer.port)
        assert c([b"FUNCTION", b"LOAD", LIB_A.encode()]).startswith(b"$4")
        c([b"SET", b"k", b"v"])
        assert c([b"BGREWRITEAOF"]).startswith(b"+")
        wait_until(lambda: b"aof_rewrite_in_progress:0" in c([b"INFO", b"persistence"]) and b"aof_rewrite_scheduled:0" in c([b"INFO", b"persistence"]))
        # After the rewrite: a library loaded into the incremental file.
        assert c([b"FUNCTION", b"LOAD", LIB_B.encode()]).startswith(b"$4")
        assert c([b"FUNCTION", b"DELETE", b"liba"]) == b"+OK\r\n"
        assert c([b"FUNCTION", b"LOAD", LIB_A.encode()]).startswith(b"$4")
        c.close()
        time.sleep(1.2)  # appendfsync everysec
        src = os.path.join(writer.dir, "appendonlydir")
        if preamble == "no":
            base_name = next(f for f in os.listdir(src) if ".base." in f)
            with open(os.path.join(src, base_name), "rb") as f:
                base = f.read()
            assert commands_of(base)[0] == [b"FUNCTION", b"LOAD", LIB_A.encode()]
        target = tmp_path / "target"
        shutil.copytree(src, target / "appendonlydir")
    finally:
        writer.stop()
    reader = start_redis(*opts, workdir=str(target)) if direction == "radish_to_redis" else start_radish(*opts, workdir=str(target))
    try:
        c = _wait_loaded(reader.port)
        assert c([b"FCALL_RO", b"fa", b"1", b"k"]) == b"$1\r\nv\r\n"
        assert c([b"FCALL", b"fb", b"0"]) == b"$1\r\nb\r\n"
        c.close()
    finally:
        reader.stop()


# -- replication ------------------------------------------------------------------------


def _stream(port: int, cmds: list[list[bytes]]) -> tuple[bytes, list[list[bytes]]]:
    """Attach as a replica, run ``cmds``; (the full sync's RDB tail, the
    commands received after it, SELECT and PING left out)."""
    setup = Raw(port)
    sock = socket.create_connection(("127.0.0.1", port))
    sock.settimeout(10)
    sock.sendall(b"*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n")
    buf = read_full_sync(sock)
    for cmd in cmds:
        setup(cmd)
    setup([b"SET", b"end-marker", b"1"])
    sock.settimeout(0.2)
    deadline = time.time() + 10
    while b"end-marker" not in buf and time.time() < deadline:
        try:
            buf += sock.recv(65536)
        except TimeoutError:
            pass
    setup.close()
    sock.close()
    return buf, [c for c in commands_of(buf) if c[0].upper() not in (b"SELECT", b"PING")]


def test_propagation_matches_redis(radish_server, redis_server):
    """FUNCTION LOAD / DELETE / FLUSH / RESTORE go to replicas as
    themselves, FCALL as the writes its function performs."""
    cmds = [
        [b"FUNCTION", b"FLUSH"],
        [b"FUNCTION", b"LOAD", lib("p", reg("pset", "redis.call('set', keys[1], args[1]) redis.call('incr', 'n') return 1")).encode()],
        [b"FCALL", b"pset", b"1", b"k", b"v"],
        [b"FCALL", b"pset", b"1", b"k"],
        [b"FUNCTION", b"LOAD", b"REPLACE", lib("p", reg("pget", "return redis.call('get', keys[1])", "'no-writes'")).encode()],
        [b"FCALL_RO", b"pget", b"1", b"k"],
        [b"FUNCTION", b"LOAD", lib("p", reg("x", "return 1")).encode()],
        [b"FUNCTION", b"DELETE", b"nosuch"],
        [b"FUNCTION", b"DELETE", b"p"],
        [b"FUNCTION", b"FLUSH", b"SYNC"],
    ]
    ours = _stream(radish_server.port, cmds)[1]
    theirs = _stream(redis_server.port, cmds)[1]
    assert ours == theirs
    assert [b"FUNCTION", b"DELETE", b"p"] in ours and [b"set", b"k", b"v"] in ours


@pytest.mark.parametrize("kind", ["radish", "redis"])
def test_replicas_get_libraries_by_full_sync_and_stream(kind):
    primary = start_radish() if kind == "redis" else start_redis()
    replica = start_radish() if kind == "radish" else start_redis()
    try:
        p, r = Raw(primary.port), Raw(replica.port)
        assert p([b"FUNCTION", b"LOAD", LIB_A.encode()]).startswith(b"$4")
        p([b"SET", b"k", b"v"])
        assert r([b"REPLICAOF", b"127.0.0.1", b"%d" % primary.port]) == b"+OK\r\n"
        wait_until(lambda: b"master_link_status:up" in r([b"INFO", b"replication"]))
        wait_until(lambda: r([b"FCALL_RO", b"fa", b"1", b"k"]) == b"$1\r\nv\r\n")
        assert p([b"FUNCTION", b"LOAD", LIB_B.encode()]).startswith(b"$4")
        wait_until(lambda: b"libb" in r([b"FUNCTION", b"LIST", b"LIBRARYNAME", b"libb"]))
        # A read-only replica refuses a function that may write, not a no-writes one.
        assert r([b"FCALL", b"fb", b"0"]) == b"-READONLY You can't write against a read only replica.\r\n"
        assert r([b"FCALL_RO", b"fa", b"1", b"k"]) == b"$1\r\nv\r\n"
        assert r([b"FUNCTION", b"LOAD", LIB_B.encode()]) == b"-READONLY You can't write against a read only replica.\r\n"
        assert p([b"FUNCTION", b"FLUSH"]) == b"+OK\r\n"
        wait_until(lambda: r([b"FCALL_RO", b"fa", b"0"]) == b"-ERR Function not found\r\n")
        p.close()
        r.close()
    finally:
        replica.stop()
        primary.stop()


# -- busy functions ---------------------------------------------------------------------

BUSY_LIB = lib("busy", "\n".join([
    reg("spin", "local a = 0 while true do a = a + 1 end", "'no-writes'"),
    reg("spin_written", "redis.call('set', 'w', 1) local a = 0 while true do a = a + 1 end"),
]))


def _busy_session(port: int, start: list[bytes], probes: list[list[bytes]]) -> list[bytes]:
    """Start a script that never ends on one connection; the replies to
    ``probes`` from another once it is busy, then the script's own reply
    (after SHUTDOWN-free stopping: the last probe kills it, or the test
    kills it with FUNCTION/SCRIPT KILL)."""
    admin = Raw(port)
    admin([b"FUNCTION", b"FLUSH"])
    admin([b"FLUSHALL"])
    admin([b"CONFIG", b"SET", b"busy-reply-threshold", b"100"])
    admin([b"FUNCTION", b"LOAD", BUSY_LIB.encode()])
    runner = Raw(port)
    runner.send(start)
    time.sleep(0.4)
    out = []
    for p in probes:
        r = admin(p)
        if p[:2] == [b"FUNCTION", b"STATS"] and r.startswith(b"*4"):
            r = r.split(b"duration_ms")[0]  # the duration varies
        out.append(r)
    out.append(runner.read(timeout=10))
    admin([b"FUNCTION", b"FLUSH"])
    admin([b"CONFIG", b"SET", b"busy-reply-threshold", b"5000"])
    for c in (admin, runner):
        c.close()
    return out


BUSY_CASES = {
    "function_killed": ([b"FCALL", b"spin", b"0"], [
        [b"PING"], [b"SCRIPT", b"KILL"], [b"FUNCTION", b"STATS"], [b"SHUTDOWN"], [b"FUNCTION", b"KILL"],
    ]),
    "eval_killed": ([b"EVAL", b"local a = 0 while true do a = a + 1 end", b"0"], [
        [b"PING"], [b"FUNCTION", b"KILL"], [b"FUNCTION", b"STATS"], [b"SCRIPT", b"KILL"],
    ]),
    "function_written": ([b"FCALL", b"spin_written", b"0"], [
        [b"FUNCTION", b"KILL"], [b"SCRIPT", b"KILL"], [b"SHUTDOWN", b"NOSAVE"],
    ]),
}


@pytest.mark.parametrize("case", sorted(BUSY_CASES))
def test_busy_functions_match_redis(case):
    start, probes = BUSY_CASES[case]
    ours, theirs = start_radish(), start_redis()
    try:
        a = _busy_session(ours.port, start, probes) if case != "function_written" else _busy_written(ours.port, start, probes)
        b = _busy_session(theirs.port, start, probes) if case != "function_written" else _busy_written(theirs.port, start, probes)
        assert a == b
    finally:
        ours.stop()
        theirs.stop()


def _busy_written(port: int, start: list[bytes], probes: list[list[bytes]]) -> list[bytes]:
    """As _busy_session for a function that wrote before spinning: it
    cannot be killed; SHUTDOWN NOSAVE ends the server (its caller's link
    closes without a reply; what the runner gets is not compared: radish
    ends the script with an error first)."""
    admin = Raw(port)
    admin([b"CONFIG", b"SET", b"busy-reply-threshold", b"100"])
    admin([b"FUNCTION", b"LOAD", BUSY_LIB.encode()])
    runner = Raw(port)
    runner.send(start)
    time.sleep(0.4)
    out = [admin(p) for p in probes[:-1]]
    admin.send(probes[-1])
    try:
        out.append(admin.read(timeout=10))
    except ConnectionError:
        out.append(b"<closed>")
    for c in (admin, runner):
        c.close()
    return out


def test_acl_applies_to_redis_call_in_functions(radish_server, redis_server):
    """A function's redis.call runs with its caller's permissions, and
    redis.acl_check_cmd answers for the caller, as EVAL's."""
    code = lib("acl", "\n".join([
        reg("aset", "return redis.call('set', keys[1], 'v')"),
        reg("apset", "return redis.pcall('set', keys[1], 'v')"),
        reg("aget", "return redis.call('get', keys[1])"),
        reg("check", "return {redis.acl_check_cmd('set', 'k', 'v'), redis.acl_check_cmd('get', 'k')}"),
    ]))
    replies = []
    for port in (radish_server.port, redis_server.port):
        admin, c = Raw(port), Raw(port)
        try:
            admin([b"FUNCTION", b"FLUSH"])
            admin([b"FUNCTION", b"LOAD", code.encode()])
            admin([b"ACL", b"SETUSER", b"fuser", b"on", b"nopass", b"+fcall", b"+get", b"~k*"])
            admin([b"ACL", b"LOG", b"RESET"])
            out = [c([b"AUTH", b"fuser", b"x"])]
            for cmd in ([b"FCALL", b"aset", b"1", b"k1"], [b"FCALL", b"apset", b"1", b"k1"], [b"FCALL", b"aget", b"1", b"k1"],
                        [b"FCALL", b"aget", b"1", b"other"], [b"FCALL", b"check", b"0"], [b"FCALL_RO", b"aget", b"1", b"k1"]):
                out.append(c(cmd))
            log = admin([b"ACL", b"LOG"])
            out.append(log.count(b"lua"))
            replies.append(out)
        finally:
            admin([b"ACL", b"DELUSER", b"fuser"])
            admin([b"FUNCTION", b"FLUSH"])
            admin.close()
            c.close()
    assert replies[0] == replies[1]
    denied = b"-ERR The user executing the script can't run this command or subcommand"
    assert replies[0][1] == denied + b" script: aset, on @user_function:3.\r\n"
    assert replies[0][5] == b"*2\r\n$-1\r\n:1\r\n"  # acl_check_cmd: set no, get yes
