"""The Lua sandbox from the inside: everything a script can reach is a Lua
value (no Python object anywhere in the globals, the libraries, their
metatables or the values they return), and the second layer (lupa's
attribute handlers) refuses every attribute of a Python object even if
one were handed to Lua by mistake."""

from __future__ import annotations

import pytest
from tests.support.inprocess import InProcess

WALK = r"""
local seen, bad, n = {}, {}, 0
local function walk(v, path)
  local t = type(v)
  if t == 'userdata' and not rawequal(v, cjson.null) then bad[#bad + 1] = path end
  if t ~= 'table' or seen[v] then return end
  seen[v] = true
  for k, x in pairs(v) do
    n = n + 1
    if type(k) == 'userdata' then bad[#bad + 1] = path .. '[key]' end
    walk(x, path .. '.' .. tostring(k))
  end
  local m = getmetatable(v)
  if m ~= nil then walk(m, path .. '<meta>') end
end
walk(_G, '_G')
walk(getmetatable(''), 'string<meta>')
walk(redis.call('ping'), 'ping')
walk(redis.pcall('nosuch'), 'pcall')
walk({pcall(redis.call, 'nosuch')}, 'pcall_call')
walk({pcall(cjson.decode, '[')}, 'pcall_decode')
walk({coroutine.resume(coroutine.create(function() redis.call('nosuch') end))}, 'resume')
walk(cjson.decode('[1, {"a": null}]'), 'decode')
walk({cmsgpack.unpack(cmsgpack.pack({1, {2}}))}, 'unpack')
walk({struct.unpack('bb', 'ab')}, 'struct')
return {n, bad}
"""


def _eval(srv, body: str) -> bytes:
    return srv.run("EVAL", body, "0")


def test_no_python_object_is_reachable(srv):
    reply = _eval(srv, WALK)
    # [count, []]: many values walked, none of them a Python object
    assert reply.startswith(b"*2\r\n:") and reply.endswith(b"*0\r\n"), reply
    assert int(reply.split(b"\r\n")[1][1:]) > 100


@pytest.mark.parametrize("name", ["redis.call", "redis.pcall", "cjson.encode", "cmsgpack.pack",
                                  "struct.pack", "bit.band", "math.random", "pairs", "setmetatable",
                                  "string.dump", "redis.sha1hex", "redis.log"])
def test_every_callable_is_a_lua_function(srv, name):
    body = "return {type(%s), tostring(%s)}" % (name, name)
    reply = _eval(srv, body)
    assert reply.startswith(b"*2\r\n$8\r\nfunction\r\n$"), reply
    assert b"function: 0x" in reply or b"function: builtin" in reply, reply
    assert b"python" not in reply.lower()


def test_attribute_handlers_refuse_python_objects():
    """Layer two: a Python object given to the interpreter has no
    attributes and no items, whatever it is."""
    sb = InProcess().server.scripting.sandbox
    probe = sb.lua.eval("function(x, k) local ok, e = pcall(function() return x[k] end) return ok end")
    for obj in (object(), sb, print, {"a": 1}, [1, 2], "text"):
        for attr in ("__class__", "__dict__", "__globals__", "a", 1):
            assert probe(obj, attr) is False


def test_interpreter_globals_hold_nothing_dangerous():
    """The interpreter's own global table (which no script sees) has lost
    lupa's python module and Lua's io/os/debug/package libraries."""
    sb = InProcess().server.scripting.sandbox
    g = sb.lua.globals()
    for name in (b"python", b"io", b"os", b"debug", b"package", b"require", b"loadfile",
                 b"dofile", b"print", b"getfenv", b"setfenv", b"newproxy"):
        assert g[name] is None, name


def test_flushed_interpreters_are_freed_without_the_cycle_collector():
    """Scripts whose library calls fail inside pcall, then SCRIPT FLUSH,
    many times over, with the cycle collector run each time: radish once
    crashed here (an interpreter tied into a reference cycle by a stored
    Python exception, freed by the collector). Each flushed interpreter
    must go by reference counting."""
    import gc
    import weakref

    srv = InProcess()
    bodies = [
        "return {pcall(redis.call, 'nosuch')}",
        "return {pcall(cjson.decode, '[')}",
        "return {pcall(function() return redis.call.__class__ end)}",
        "return {coroutine.resume(coroutine.create(function() struct.pack('q') end))}",
    ]
    gone = []
    for _ in range(60):
        for body in bodies:
            assert srv.run("EVAL", body, "0").startswith(b"*2\r\n")
        old = weakref.ref(srv.server.scripting.sandbox)
        assert srv.run("SCRIPT", "FLUSH") == b"+OK\r\n"
        gone.append(old() is None)  # freed at once, before any collection
        gc.collect()
    assert all(gone)
