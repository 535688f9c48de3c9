"""FUNCTION / FCALL through the dispatcher in-process: libraries and their
life cycle, what FCALL and the FUNCTION commands propagate (the library
commands as themselves, a function's writes as its effects), the dirty
counter, snapshots and AOF rewrites holding the libraries, INFO, and the
function interpreter kept apart from EVAL's."""

from __future__ import annotations

import io
import time

import pytest
from tests.support.inprocess import InProcess

from radish.persistence.aof import rewrite_commands
from radish.persistence.rdb import RdbReader, read_snapshot


@pytest.fixture
def srv():
    s = InProcess("--enable-debug-command", "yes")
    s.capture()
    return s


LIB = (
    "#!lua name=mylib\n"
    "redis.register_function('setget', function(keys, args)\n"
    "  redis.call('set', keys[1], args[1])\n"
    "  return redis.call('get', keys[1])\n"
    "end)\n"
    "redis.register_function{function_name='reader', callback=function(keys) return redis.call('get', keys[1]) end,\n"
    "  flags={'no-writes'}, description='reads a key'}\n"
)


def test_load_call_replace_delete(srv):
    assert srv.run("FUNCTION", "LOAD", LIB) == b"$5\r\nmylib\r\n"
    assert srv.run("FCALL", "setget", "1", "k", "v") == b"$1\r\nv\r\n"
    assert srv.run("FCALL", "READER", "1", "k") == b"$1\r\nv\r\n"  # function names ignore case
    assert srv.run("FCALL_RO", "reader", "1", "k") == b"$1\r\nv\r\n"
    assert srv.run("FCALL_RO", "setget", "1", "k", "v") == b"-ERR Can not execute a script with write flag using *_ro command.\r\n"
    assert srv.run("FUNCTION", "LOAD", LIB) == b"-ERR Library 'mylib' already exists\r\n"
    other = "#!lua name=mylib\nredis.register_function('other', function() return 'o' end)"
    assert srv.run("FUNCTION", "LOAD", "REPLACE", other) == b"$5\r\nmylib\r\n"
    assert srv.run("FCALL", "setget", "1", "k", "v") == b"-ERR Function not found\r\n"
    assert srv.run("FCALL", "other", "0") == b"$1\r\no\r\n"
    assert srv.run("FUNCTION", "DELETE", "mylib") == b"+OK\r\n"
    assert srv.run("FCALL", "other", "0") == b"-ERR Function not found\r\n"
    assert srv.run("FUNCTION", "DELETE", "mylib") == b"-ERR Library not found\r\n"


def test_failed_replace_keeps_the_old_library(srv):
    srv.run("FUNCTION", "LOAD", LIB)
    assert srv.run("FUNCTION", "LOAD", "REPLACE", "#!lua name=mylib\nreturn +").startswith(b"-ERR Error compiling function: ")
    assert srv.run("FUNCTION", "LOAD", "REPLACE", "#!lua name=mylib\n") == b"-ERR No functions registered\r\n"
    assert srv.run("FCALL", "reader", "1", "k") == b"$-1\r\n"


def test_library_code_sees_only_the_library_api(srv):
    body = "#!lua name=api\nredis.register_function('f', function() return 1 end)\nreturn redis.call('ping')"
    assert srv.run("FUNCTION", "LOAD", body) == (
        b"-ERR Error registering functions: ERR user_function:3: Script attempted to access nonexistent global variable 'call'\r\n"
    )
    # Registered functions run with the whole API, not KEYS / ARGV globals.
    body = "#!lua name=api\nredis.register_function('f', function(keys, args) return {#keys, args[1], type(KEYS)} end)"
    srv.run("FUNCTION", "LOAD", body)
    assert srv.run("FCALL", "f", "2", "a", "b", "x") == (
        b"-ERR user_function:2: Script attempted to access nonexistent global variable 'KEYS' script: f, on @user_function:2.\r\n"
    )


def test_propagation_and_dirty(srv):
    dirty = srv.server.dirty
    srv.run("FUNCTION", "LOAD", LIB)
    assert srv.server.dirty == dirty + 1
    assert srv.propagated() == [[b"FUNCTION", b"LOAD", LIB.encode()]]
    srv.run("FCALL", "setget", "1", "k", "v")
    assert srv.propagated() == [[b"set", b"k", b"v"]]  # one write: no MULTI around it
    srv.run("FCALL_RO", "reader", "1", "k")
    srv.run("FUNCTION", "LOAD", LIB)  # fails: nothing propagated
    srv.run("FUNCTION", "DELETE", "nosuch")
    assert srv.propagated() == []
    srv.run("FUNCTION", "FLUSH", "ASYNC")
    assert srv.propagated() == [[b"FUNCTION", b"FLUSH", b"ASYNC"]]


def test_restore_policies(srv):
    srv.run("FUNCTION", "LOAD", LIB)
    reply = srv.run("FUNCTION", "DUMP")
    payload = reply[reply.index(b"\r\n") + 2 : -2]
    assert payload[0] == 245 and payload[-10:-8] == (10).to_bytes(2, "little")
    assert srv.run("FUNCTION", "RESTORE", payload) == b"-ERR Library mylib already exists\r\n"
    assert srv.run("FUNCTION", "RESTORE", payload, "REPLACE") == b"+OK\r\n"
    srv.run("FUNCTION", "LOAD", "#!lua name=second\nredis.register_function('s', function() return 2 end)")
    assert srv.run("FUNCTION", "RESTORE", payload, "FLUSH") == b"+OK\r\n"
    assert srv.run("FCALL", "s", "0") == b"-ERR Function not found\r\n"
    assert srv.propagated()[-1] == [b"FUNCTION", b"RESTORE", payload, b"FLUSH"]
    # A 7.0 release candidate's record (name, engine, description, body).
    old = bytearray(b"\xf6\x03old\x03LUA\x00")
    body = b"redis.register_function('oldf', function() return 'rc' end)"
    old += bytes([len(body)]) + body + (10).to_bytes(2, "little")
    from radish.persistence.crc64 import crc64

    old += crc64(bytes(old)).to_bytes(8, "little")
    assert srv.run("FUNCTION", "RESTORE", bytes(old)) == b"+OK\r\n"
    assert srv.run("FCALL", "oldf", "0") == b"$2\r\nrc\r\n"
    listed = srv.run("FUNCTION", "LIST", "LIBRARYNAME", "old", "WITHCODE")
    assert b"#!LUA name=old\n" + body in listed


def test_snapshot_and_aof_rewrite_hold_the_libraries(srv):
    srv.run("FUNCTION", "LOAD", LIB)
    srv.run("SET", "k", "v")
    out = io.BytesIO()
    srv.server.persistence.write_snapshot(out)
    res = read_snapshot(RdbReader(data=out.getvalue()), [({}, {}) for _ in range(16)], now_ms=None)
    assert res.functions == [LIB.encode()]
    cmds = io.BytesIO()
    rewrite_commands(srv.server.keyspace.dbs, cmds, srv.server.function_codes())
    assert cmds.getvalue().startswith(b"*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n$%d\r\n%s\r\n*2\r\n$6\r\nSELECT" % (len(LIB), LIB.encode()))
    # DEBUG RELOAD: saved, emptied (libraries too), loaded back.
    assert srv.run("DEBUG", "RELOAD") == b"+OK\r\n"
    assert srv.run("FCALL_RO", "reader", "1", "k") == b"$1\r\nv\r\n"
    # FLUSHALL leaves the libraries.
    srv.run("FLUSHALL")
    assert srv.run("FCALL_RO", "reader", "1", "k") == b"$-1\r\n"


def test_interpreters_are_separate(srv):
    srv.run("FUNCTION", "LOAD", LIB)
    srv.run("SCRIPT", "LOAD", "return 1")
    assert srv.run("SCRIPT", "FLUSH") == b"+OK\r\n"
    assert srv.run("FCALL_RO", "reader", "1", "k") == b"$-1\r\n"
    srv.run("EVAL", "return 1", "0")
    srv.run("FUNCTION", "FLUSH")
    assert srv.run("SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db") == b"*1\r\n:1\r\n"


def test_info_memory_counts_functions(srv):
    info = srv.info("memory")
    assert (info["number_of_functions"], info["number_of_libraries"], info["used_memory_vm_functions"]) == ("0", "0", "0")
    srv.run("FUNCTION", "LOAD", LIB)
    info = srv.info("memory")
    assert (info["number_of_functions"], info["number_of_libraries"]) == ("2", "1")
    assert int(info["used_memory_vm_functions"]) > 0
    assert int(info["used_memory_functions"]) >= len(LIB)
    assert int(info["used_memory_scripts"]) == int(info["used_memory_scripts_eval"]) + int(info["used_memory_functions"])


def test_function_load_times_out(srv):
    start = time.monotonic()
    reply = srv.run("FUNCTION", "LOAD", "#!lua name=slow\nlocal a = 0 while true do a = a + 1 end")
    assert reply == b"-ERR Error registering functions: ERR FUNCTION LOAD timeout\r\n"
    assert time.monotonic() - start < 5
    # The interpreter is usable after it.
    assert srv.run("FUNCTION", "LOAD", LIB) == b"$5\r\nmylib\r\n"


def test_fcall_counts_as_a_write_on_a_read_only_replica(srv):
    srv.run("FUNCTION", "LOAD", LIB)
    srv.server.replication.master_host = "127.0.0.1"  # a replica (read-only by default), link never made
    try:
        assert srv.run("FCALL", "setget", "1", "k", "v") == b"-READONLY You can't write against a read only replica.\r\n"
        assert srv.run("FCALL", "reader", "1", "k") == b"$-1\r\n"
        assert srv.run("FCALL", "nosuch", "0") == b"-ERR Function not found\r\n"
    finally:
        srv.server.replication.master_host = None
