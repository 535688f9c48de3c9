"""The Lua sandbox: one Lua 5.1 interpreter (lupa) set up as Redis 7.0's
scripting environment, and the only door between Lua and Python.

What a script sees is what Redis 7.0 shows it: the globals of Redis's
allow lists (``pairs(_G)`` lists them), read-only library tables, the
string metatable whose ``__index`` is ``string``, ``loadstring`` refusing
bytecode with Lua's own message, no ``debug``, ``io``, ``os``, ``print``,
``getfenv``/``setfenv`` or ``newproxy``.

No Python object may ever reach a script. Two layers hold that line:

1. Every Python function the sandbox offers (``redis.call``, ``cjson.*``,
   ``struct.*`` …) reaches Lua as a C function made by lupa's
   ``as_function``: ``type()`` says 'function', indexing it is Lua's own
   error, and (being C) it keeps its caller's frame for error positions as
   Redis's C functions do. Its Python side (``expose``) hands back only Lua
   values, and fails only with LuaRaise; the value a LuaRaise carries is
   what ``pcall``, ``xpcall``, ``coroutine.resume`` and the script's error
   handler see, never the exception object.
2. The runtime is created with attribute handlers that refuse every
   attribute of every Python object (``x.__class__`` …), without lupa's
   ``eval`` or builtins; lupa's ``python`` table and the standard libraries
   a script must not have (io, os, package, debug …) are removed from the
   interpreter's own globals after start-up.

Two interpreters are built from this one boot code, as Redis 7.0 keeps
two Lua states: mode "eval" for EVAL scripts (KEYS/ARGV globals, chunks
named ``@user_script``) and mode "function" for FUNCTION libraries (chunks
named ``@user_function``, run while loading with a globals table showing
only the library API; the functions they register stay in Lua by id and
get KEYS and ARGV as arguments). Both hold the same line: every function
reachable from a library or a function goes through ``expose`` /
``as_function`` too.

Imports nothing of radish above the scripting package.
"""

from __future__ import annotations

import inspect
import math
import traceback
import weakref
from typing import Callable

from lupa import lua51

from .values import LibError, LuaRaise, lua_tonumber, lua_type_name

# A Python exception raised into Lua stays stored in the runtime (lupa
# keeps it to re-raise on the Python side) until a Lua call from Python
# fails with it; when the script caught it, nothing does. The stored
# traceback would tie the runtime into a reference cycle, which the cycle
# collector must never be left to break (lupa's objects do not survive
# that). So every raise is noted here, and Sandbox.run clears it.
_RAISED = [False]


def _refuse_get(obj, name):
    _RAISED[0] = True
    raise AttributeError("attribute access is not allowed")


def _refuse_set(obj, name, value):
    _RAISED[0] = True
    raise AttributeError("attribute access is not allowed")


_BOOT = r"""
local api, libs, py, version, version_num, py_unwrap, mode = ...
-- 'eval' (EVAL scripts, eval.c) or 'function' (FUNCTION libraries, function_lua.c)
local fmode = mode == 'function'
local chunk_source = fmode and '@user_function' or '@user_script'
local real_loadstring, real_setfenv, real_rawset, real_rawget = loadstring, setfenv, rawset, rawget
local real_pcall, real_xpcall, real_next, real_pairs = pcall, xpcall, next, pairs
local real_getmetatable, real_setmetatable, real_unpack = getmetatable, setmetatable, unpack
local real_type, real_error, real_tostring, real_select = type, error, tostring, select
local getinfo, sethook = debug.getinfo, debug.sethook
local string_metatable = getmetatable('')

-- A Python function reaches a script only as a C function made by lupa's
-- as_function (type 'function', no attributes; being C it keeps its
-- caller's frame for error positions, as Redis's C functions do).
local guard = python.as_function

local function guard_all(t)
  local out = {}
  for k, f in real_pairs(t) do out[k] = guard(f) end
  return out
end

-- A Python function's error arrives as the Python exception object: the
-- value it carries (LuaRaise) is what the script sees, never the object.
local null
local function clean(e)
  if real_type(e) == 'userdata' and not rawequal(e, null) then
    return py_unwrap(e)
  end
  return e
end

-- Redis's pcall: an error table with an err string is caught as that string.
local function fix(ok, ...)
  if ok then return ok, ... end
  local e = clean((...))
  if real_type(e) == 'table' then
    local m = real_rawget(e, 'err')
    if real_type(m) == 'string' then e = m end
  end
  return false, e
end

-- Read-only tables: an empty proxy whose __index is the real table.
local backing = setmetatable({}, {__mode = 'k'})
local proxy_meta = setmetatable({}, {__mode = 'k'})  -- what getmetatable(proxy) returns
local function readonly_error() real_error("Attempt to modify a readonly table", 2) end
-- Redis's luaProtectedTableError, the __index of the globals.
local function missing_global(...)
  if real_select('#', ...) ~= 2 then
    real_error("Wrong number of arguments to luaProtectedTableError", 2)
  end
  local _, k = ...
  local tk = real_type(k)
  if tk ~= 'string' and tk ~= 'number' then
    real_error("Second argument to luaProtectedTableError must be a string or number", 2)
  end
  real_error("Script attempted to access nonexistent global variable '" .. real_tostring(k) .. "'", 2)
end
local function ro(t, meta)
  local p = real_setmetatable({}, {
    __index = t,
    __newindex = readonly_error,
    __metatable = false,
  })
  backing[p] = t
  proxy_meta[p] = meta
  return p
end

local G = {}
for _, n in ipairs({'assert', 'collectgarbage', 'error', 'gcinfo', 'ipairs',
                    'rawequal', 'select', 'tonumber', 'tostring', 'type', 'unpack', '_VERSION'}) do
  G[n] = _G[n]
end

G.pcall = function(f, ...) return fix(real_pcall(f, ...)) end
G.xpcall = function(f, h) return real_xpcall(f, function(e) return h(clean(e)) end) end
-- luaL_checktype(1, table) of the base functions below (level 3: the
-- caller of the function that checks).
local function check_table(fname, ...)
  local t = ...
  if real_type(t) ~= 'table' then
    real_error("bad argument #1 to '" .. fname .. "' (table expected, got " ..
               (real_select('#', ...) == 0 and 'no value' or real_type(t)) .. ")", 3)
  end
  return t
end
G.rawset = function(...)
  local t = check_table('rawset', ...)
  if backing[t] then real_error("Attempt to modify a readonly table", 0) end
  local _, k, v = ...
  return real_rawset(t, k, v)
end
G.rawget = function(...)
  local t = check_table('rawget', ...)
  local _, k = ...
  return real_rawget(backing[t] or t, k)
end
G.next = function(...)
  local t = check_table('next', ...)
  local _, k = ...
  return real_next(backing[t] or t, k)
end
G.getmetatable = function(...)
  if real_select('#', ...) == 0 then real_error("bad argument #1 to 'getmetatable' (value expected)", 2) end
  local t = ...
  if backing[t] then return proxy_meta[t] end
  if rawequal(t, null) then return nil end  -- a NULL lightuserdata has none
  return real_getmetatable(t)
end
-- rawget, rawset, next and getmetatable above stay Lua, because the values
-- they hand back must not pass through Python (it would turn the sandbox's
-- own functions into Python objects); their argument errors lose the
-- caller's position only when they are tail-called. pairs, setmetatable,
-- string.dump and math.random hand back no such value: they are
-- Python-backed C functions (py.*), whose errors carry the caller's
-- position even from a tail call, as Redis's C functions do.
G.pairs, G.setmetatable = guard(py.pairs), guard(py.setmetatable)

local env

-- Lua's parser message for a chunk it cannot read as text, as Redis's Lua
-- (which never loads bytecode) gives for one starting with ESC.
local function binary_chunk_error(name)
  local _, e = real_loadstring('\1', name)
  return (e:gsub("char%(1%)'$", "char(27)'"))
end

local function compile(body, name)
  if real_type(body) == 'string' and body:byte(1) == 27 then
    return nil, binary_chunk_error(name)
  end
  local f, err = real_loadstring(body, name)
  if not f then return nil, err end
  real_setfenv(f, env)
  return f, nil
end
G.loadstring = function(s, name)
  return compile(s, name or s)
end
G.load = function(fn, name)
  local parts = {}
  while true do
    local piece = fn()
    if piece == nil or piece == '' then break end
    parts[#parts + 1] = piece
  end
  return compile(table.concat(parts), name or '=(load)')
end

local m = {}
for k, v in real_pairs(math) do m[k] = v end
m.random, m.randomseed = guard(py.random), guard(py.randomseed)

local redis = {}
redis.call = guard(api.call)
redis.pcall = guard(api.pcall)
redis.sha1hex = guard(api.sha1hex)
redis.error_reply = function(...)
  local e = ...
  if real_select('#', ...) ~= 1 or real_type(e) ~= 'string' then
    return {err = 'ERR wrong number or type of arguments'}
  end
  if e:sub(1, 1) ~= '-' then e = '-' .. e end
  local sp = e:find(' ', 1, true)
  local code, msg
  if sp then code, msg = e:sub(2, sp - 1), e:sub(sp + 1) else code, msg = 'ERR', e:sub(2) end
  msg = msg:gsub('^[\r\n]+', ''):gsub('[\r\n]+$', '')
  return {err = code .. ' ' .. msg}
end
redis.status_reply = function(...)
  local s = ...
  if real_select('#', ...) ~= 1 or real_type(s) ~= 'string' then
    return {err = 'ERR wrong number or type of arguments'}
  end
  return {ok = s}
end
redis.log = guard(api.log)
redis.setresp = guard(api.setresp)
redis.set_repl = guard(api.set_repl)
if not fmode then  -- the debugger's and the pre-7.0 calls are eval.c's only
  redis.replicate_commands = function() return true end
  redis.breakpoint = function() return false end
  redis.debug = function() end
end
redis.acl_check_cmd = guard(api.acl_check)
redis.REDIS_VERSION, redis.REDIS_VERSION_NUM = version, version_num
redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING = 0, 1, 2, 3
redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL = 0, 1, 2, 2, 3

local cjson = guard_all(libs.cjson)
-- lua-cjson's NULL is a NULL lightuserdata: a unique userdata printed as such.
null = newproxy(true)
getmetatable(null).__tostring = function() return 'userdata: (nil)' end
cjson.null = null
cjson._NAME, cjson._VERSION = 'cjson', '2.1.0'

local str = {}
for k, v in real_pairs(string) do str[k] = v end
str.dump = guard(py.dump)
local string_proxy = ro(str)
G.string = string_proxy
G.table = ro(table)
G.math = ro(m)
local co = {}
for k, v in real_pairs(coroutine) do co[k] = v end
local real_resume = coroutine.resume
local function resumed(ok, ...)
  if ok then return ok, ... end
  return false, clean((...))
end
co.resume = function(...) return resumed(real_resume(...)) end
G.coroutine = ro(co)
G.redis = ro(redis)
G.cjson = ro(cjson)
G.bit = ro(guard_all(libs.bit))
local cmsgpack = guard_all(libs.cmsgpack)
cmsgpack._NAME, cmsgpack._VERSION = 'cmsgpack', 'lua-cmsgpack 0.4.0'
cmsgpack._COPYRIGHT = 'Copyright (C) 2012, Salvatore Sanfilippo'
cmsgpack._DESCRIPTION = 'MessagePack C implementation for Lua'
G.cmsgpack = ro(cmsgpack)
G.struct = ro(guard_all(libs.struct))

-- Strings index the read-only string table, and their metatable is
-- read-only too: getmetatable('').__index == string, as on Redis.
string_metatable.__index = string_proxy
string_metatable.__metatable = ro({__index = string_proxy})

setmetatable(G, {__index = missing_global})
env = ro(G, ro({__index = missing_global}))  -- what getmetatable(_G) shows, as Redis's error metatable
G._G = env

local function handler(err)
  err = clean(err)
  local info
  for level = 2, 30 do
    local i = getinfo(level, 'Sl')
    if not i then break end
    if i.source == chunk_source then info = i break end
  end
  if real_type(err) ~= 'table' then err = {err = 'ERR ' .. real_tostring(err)} end
  if info then err.source = info.source err.line = info.currentline end
  return err
end
if not fmode then G.__redis__err__handler = handler end

-- Every HOOK_COUNT instructions: Python checks the busy-reply-threshold,
-- serves other clients (BUSY, SCRIPT KILL) and may ask to stop the script.
local py_tick = guard(api.tick)
-- Once killed, the error is raised again on every line the script runs
-- (as Redis re-arms its hook on every line), so that a pcall in the script
-- cannot swallow it; the sandbox's own runners (below) are left to finish.
local runners = {}
local stop_error
local function kill_hook()
  local i = getinfo(2, 'f')
  if i and not runners[i.func] then real_error({err = stop_error}) end
end
local function busy_hook()
  local stop = py_tick()
  if stop then
    stop_error = stop
    sethook(kill_hook, 'l')
    real_error({err = stop})
  end
end

local function run(f, keys, argv)
  G.KEYS = keys
  G.ARGV = argv
  sethook(busy_hook, '', 100000)
  local ok, r = real_xpcall(f, handler)
  sethook()
  G.KEYS = nil
  G.ARGV = nil
  return ok, r
end
runners[run] = true

-- Function libraries (function_lua.c). A library's chunk runs with its own
-- globals table: empty and read-only, whose __index is the library API
-- (redis.register_function, redis.log, the version and log levels) while
-- FUNCTION LOAD runs it, and the globals every script sees afterwards. The
-- functions it registers stay here, by id; Python holds only the ids.
local lower, find = string.lower, string.find
local fenv_meta = {__index = env, __newindex = readonly_error, __metatable = false}
local fenv = real_setmetatable({}, fenv_meta)
local registered = {}  -- id -> callback
local next_id = 0
local loading  -- while a library loads: {names = {}, list = {}}

local function is_string(v)
  local t = real_type(v)
  return t == 'string' or t == 'number'
end
local function rf_error(msg) real_error({err = 'ERR ' .. msg}) end
local FLAG_NAMES = {'no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'}

-- luaRegisterFunctionReadFlags: t[1], t[2] … up to the first nil.
local function read_flags(t)
  local flags = {}
  local j = 1
  while true do
    local v = t[j]
    j = j + 1
    if v == nil then break end
    if not is_string(v) then return nil end
    local s = lower(real_tostring(v))
    local found = false
    for _, name in ipairs(FLAG_NAMES) do
      if s == name then flags[#flags + 1] = name found = true break end
    end
    if not found then return nil end
  end
  return flags
end

local function register_function(...)
  if not loading then rf_error('redis.register_function can only be called on FUNCTION LOAD command') end
  local argc = real_select('#', ...)
  if argc < 1 or argc > 2 then rf_error('wrong number of arguments to redis.register_function') end
  local name, desc, fn, flags
  if argc == 1 then
    local t = ...
    if real_type(t) ~= 'table' then
      rf_error('calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).')
    end
    local k, v = real_next(t)
    while k ~= nil do
      if not is_string(k) then rf_error('named argument key given to redis.register_function is not a string') end
      local key = lower(real_tostring(k))
      if key == 'function_name' then
        if not is_string(v) then rf_error('function_name argument given to redis.register_function must be a string') end
        name = real_tostring(v)
      elseif key == 'description' then
        if not is_string(v) then rf_error('description argument given to redis.register_function must be a string') end
        desc = real_tostring(v)
      elseif key == 'callback' then
        if real_type(v) ~= 'function' then rf_error('callback argument given to redis.register_function must be a function') end
        fn = v
      elseif key == 'flags' then
        if real_type(v) ~= 'table' then
          rf_error('flags argument to redis.register_function must be a table representing function flags')
        end
        flags = read_flags(v)
        if not flags then rf_error('unknown flag given') end
      else
        rf_error('unknown argument given to redis.register_function')
      end
      k, v = real_next(t, k)
    end
    if not name then rf_error('redis.register_function must get a function name argument') end
    if not fn then rf_error('redis.register_function must get a callback argument') end
  else
    local n, f = ...
    if not is_string(n) then rf_error('first argument to redis.register_function must be a string') end
    if real_type(f) ~= 'function' then rf_error('second argument to redis.register_function must be a function') end
    name, fn = real_tostring(n), f
  end
  if not find(name, '^[%w_]+$') then
    rf_error('Library names can only contain letters, numbers, or underscores(_) and must be at least one character long')
  end
  if loading.names[name] then rf_error('Function already exists in the library') end
  loading.names[name] = true
  loading.list[#loading.list + 1] = {name, desc or false, flags or {}, fn}
end

local load_redis = real_setmetatable({}, {__index = missing_global})
load_redis.register_function = register_function
load_redis.log = redis.log
load_redis.REDIS_VERSION, load_redis.REDIS_VERSION_NUM = version, version_num
load_redis.LOG_DEBUG, load_redis.LOG_VERBOSE, load_redis.LOG_NOTICE, load_redis.LOG_WARNING = 0, 1, 2, 3
local load_env = ro(real_setmetatable({redis = ro(load_redis)}, {__index = missing_global}))

-- luaExtractErrorInformation's message of an error value.
local function error_message(e)
  local t = real_type(e)
  if t == 'string' or t == 'number' then return 'ERR ' .. e end
  if t == 'table' then
    local m = real_rawget(e, 'err')
    if is_string(m) then return real_tostring(m) end
  end
  return '(null)'
end

local compile_library = function(body)
  local f, err = real_loadstring(body, '@user_function')
  if not f then return nil, err end
  real_setfenv(f, fenv)
  return f, nil
end

-- FUNCTION LOAD: run the library's chunk with the library API; the
-- functions it registered as {name, description or false, flags, id}, or
-- false and the error message.
local py_load_tick = fmode and guard(api.load_tick) or nil
local function load_hook()
  if py_load_tick() then
    sethook()  -- (nothing at load time can catch the error: no pcall there)
    real_error({err = 'ERR FUNCTION LOAD timeout'})
  end
end
local function load_library(f)
  loading = {names = {}, list = {}}
  fenv_meta.__index = load_env
  sethook(load_hook, '', 100000)
  local ok, err = real_pcall(f)
  sethook()
  fenv_meta.__index = env
  local list = loading.list
  loading = nil
  if not ok then return false, error_message(clean(err)) end
  local out = {}
  for i, r in ipairs(list) do
    next_id = next_id + 1
    registered[next_id] = r[4]
    out[i] = {r[1], r[2], r[3], next_id}
  end
  return true, out
end

local function release(id) registered[id] = nil end

-- FCALL: the function gets KEYS and ARGV as its two arguments.
local call_f, call_keys, call_argv
local function invoke() return call_f(call_keys, call_argv) end
local function call_function(id, keys, argv)
  call_f, call_keys, call_argv = registered[id], keys, argv
  sethook(busy_hook, '', 100000)
  local ok, r = real_xpcall(invoke, handler)
  sethook()
  call_f, call_keys, call_argv = nil, nil, nil
  return ok, r
end
runners[call_function] = true
runners[invoke] = true

local function err_info(e)
  if real_type(e) ~= 'table' then return real_tostring(e), nil, nil, false end
  local line = e.line
  return e.err, e.source, line and real_tostring(line) or nil, e.ignore_error_stats_update == true
end

local function make_table(kind, t)
  return {[kind] = t}
end

local function is_null(v) return rawequal(v, null) end

-- Called from a Python function that Lua called: luaL_where(L, 1) of that
-- function (its caller's "chunk:line: ", empty for a C caller) and the name
-- it was called by (luaL_argerror's, "?" when unknown).
local function where()
  local called = getinfo(2, 'n')
  local caller = getinfo(3, 'Sl')
  local prefix = ''
  if caller and caller.what ~= 'C' and caller.currentline > 0 then
    prefix = caller.short_src .. ':' .. caller.currentline .. ': '
  end
  return prefix, called and called.name or '?'
end

-- Nothing a script must not have stays in the interpreter's own globals.
for _, n in ipairs({'python', 'io', 'os', 'package', 'debug', 'require', 'module', 'dofile',
                    'loadfile', 'print', 'newproxy', 'getfenv', 'setfenv'}) do
  _G[n] = nil
end

-- The functions of the sandbox itself: string.dump refuses them, as
-- it refuses Redis's C functions.
local internal = setmetatable({}, {__mode = 'k'})
local function mark(t, seen)
  if seen[t] then return end
  seen[t] = true
  for _, v in real_pairs(backing[t] or t) do
    if real_type(v) == 'function' then internal[v] = true
    elseif real_type(v) == 'table' then mark(v, seen) end
  end
end
mark(G, {})
internal[handler] = true
internal[register_function] = true

local helpers = {
  backing = function(t) return backing[t] end,
  is_internal = function(f) return internal[f] == true end,
  next = real_next,
  setmetatable = real_setmetatable,
  dump = string.dump,
  rawget = real_rawget,
}

local function rethrow(e) real_error(e, 0) end
local collect = collectgarbage
local function full_collect() collect('collect') end

local functions = {compile = compile_library, load = load_library, release = release, call = call_function,
                   gc_count = function() return collect('count') end}

return compile, run, err_info, make_table, null, is_null, where, helpers, rethrow, full_collect, functions
"""


def _lua_error_text(e: Exception) -> bytes:
    """The message of an error a nested Lua call raised."""
    msg = e.args[0] if e.args else b""
    return msg if isinstance(msg, bytes) else str(msg).encode()


def _is_python_function(v) -> bool:
    """``v`` is one of the sandbox's Python-backed C functions, handed back
    to Python (lupa unwraps them)."""
    return lua51.lua_type(v) is None and callable(v)


def _checkint(args: tuple, i: int) -> int:
    """luaL_checkint: argument ``i`` (0-based) as an integer (truncated)."""
    v = args[i] if i < len(args) else None
    n = lua_tonumber(v)
    if n is None:
        raise LibError(b"number expected, got %s" % (b"no value" if i >= len(args) else lua_type_name(v)), i + 1)
    return int(n) if n == n and abs(n) != math.inf else 0


_PLAIN = (bytes, int, float, bool, type(None))
_NOT_LUA = b"ERR internal error: a script library returned a non-Lua value"


def _is_lua_value(v) -> bool:
    """``v`` reaches Lua as a Lua value (never as a wrapped Python object)."""
    return type(v) in _PLAIN or lua51.lua_type(v) is not None


def _unwrap(e):
    """The value a Python function's error raises in the script."""
    if isinstance(e, LuaRaise) and _is_lua_value(e.value):
        return e.value
    return b"ERR internal error in script library"


def _weak(fn: Callable) -> Callable:
    """``fn`` without a strong reference to the object of a bound method."""
    if not inspect.ismethod(fn):
        return fn
    ref = weakref.WeakMethod(fn)

    def call(*args):
        method = ref()
        if method is None:  # pragma: no cover - the engine is gone
            raise LuaRaise(b"ERR the script engine was reset")
        return method(*args)

    return call


def expose(fn: Callable, where: Callable) -> Callable:
    """``fn`` as Lua may call it: its LibError becomes the error luaL_error /
    luaL_argerror would raise (``where``: the caller's position and the
    name it called by), any other failure a LuaRaise, and a value that is
    not a Lua value an error, never a wrapped Python object."""

    def exposed(*args):
        try:
            r = fn(*args)
        except LuaRaise as e:
            failure = e.value
        except LibError as e:
            prefix, name = where()
            msg = e.msg
            if e.arg is not None:
                msg = b"bad argument #%d to '%s' (%s)" % (e.arg, name, msg)
            failure = prefix + msg
        except RecursionError:
            failure = b"ERR reached lua stack limit"
        except Exception as e:  # a bug in radish: the script gets a Lua error, never the object
            failure = b"ERR internal error in script library: %s" % type(e).__name__.encode()
        else:
            if type(r) in _PLAIN:
                return r
            if type(r) is tuple:
                if all(_is_lua_value(v) for v in r):
                    return r
            elif lua51.lua_type(r) is not None:
                return r
            failure = _NOT_LUA
        # Raised here, outside the handlers, with nothing else in this frame:
        # the exception carries the error value, no chained exception and
        # no frame holding the script's values or the engine.
        _RAISED[0] = True
        args = r = None  # noqa: F841
        raise LuaRaise(failure)

    return exposed


class Sandbox:
    """One interpreter as Redis's scripting environment: compile chunks
    into it, run them, build and inspect its values.

    ``api`` holds the Python side of the redis library and the engine's
    hooks: call, pcall, sha1hex, log, setresp, set_repl, acl_check, rand,
    srand, tick."""

    def __init__(self, api: dict[str, Callable], version: str, mode: str = "eval") -> None:
        from . import lua_bit, lua_cjson, lua_cmsgpack, lua_struct

        lua = lua51.LuaRuntime(
            encoding=None,
            unpack_returned_tuples=True,
            register_eval=False,
            register_builtins=False,
            attribute_handlers=(_refuse_get, _refuse_set),
        )
        self.lua = lua
        self.type = lua51.lua_type
        # What Lua holds of Python never holds the sandbox or the engine
        # strongly: no reference cycle runs through the interpreter, so an
        # interpreter is freed (SCRIPT FLUSH) by reference counting, in
        # order, and never by the cycle collector (which lupa's objects
        # do not survive).
        me = weakref.proxy(self)

        def ex(fn: Callable) -> Callable:
            return expose(_weak(fn), lambda: me._where())

        def unpacker(limit_arg: int, offset_arg: int, with_offset: bool) -> Callable:
            return ex(lambda *a: lua_cmsgpack.unpack(me, a, limit_arg, offset_arg, with_offset))

        libs = {
            "cjson": {
                b"encode": ex(lambda *a: lua_cjson.encode(me, a)),
                b"decode": ex(lambda *a: lua_cjson.decode(me, a)),
            },
            "cmsgpack": {
                b"pack": ex(lambda *a: lua_cmsgpack.pack(me, a)),
                b"unpack": unpacker(0, 0, False),
                b"unpack_one": unpacker(1, 1, True),
                b"unpack_limit": unpacker(1, 2, True),
            },
            "struct": {
                b"pack": ex(lambda *a: lua_struct.pack(a)),
                b"unpack": ex(lambda *a: lua_struct.unpack(a)),
                b"size": ex(lambda *a: lua_struct.size(a)),
            },
            "bit": {name: ex(fn) for name, fn in lua_bit.functions().items()},
        }
        self._rand, self._srand = _weak(api.pop("rand")), _weak(api.pop("srand"))
        builtins = {
            "pairs": self._pairs,
            "setmetatable": self._setmetatable, "dump": self._dump, "random": self._random,
            "randomseed": self._randomseed,
        }
        api_table = lua.table_from({k.encode(): ex(f) for k, f in api.items()})
        libs_table = lua.table_from({k.encode(): lua.table_from(v) for k, v in libs.items()})
        py_table = lua.table_from({k.encode(): ex(f) for k, f in builtins.items()})
        boot = lua.execute("return function(...)\n" + _BOOT + "\nend")
        major, minor, patch = (int(x) for x in version.split("."))
        (self._compile, self._run, self.err_info, self._make_table, self.null, self._is_null,
         self._where, helpers, self._rethrow, self._collect, functions) = boot(
            api_table, libs_table, py_table, version.encode(), (major << 16) | (minor << 8) | patch, _unwrap, mode.encode()
        )
        self._compile_library = functions[b"compile"]
        self._load_library = functions[b"load"]
        self._release = functions[b"release"]
        self._call_function = functions[b"call"]
        self._gc_count = functions[b"gc_count"]
        self._backing = helpers[b"backing"]
        self._is_internal = helpers[b"is_internal"]
        self._real_next = helpers[b"next"]  # luaB_next, a Lua C function (never unwrapped)
        self._real_setmetatable = helpers[b"setmetatable"]
        self._real_dump = helpers[b"dump"]
        self.rawget = helpers[b"rawget"]  # lua_rawget: a reply table's fields, never its metamethods

    # -- Lua's base functions that see through read-only tables ------------------

    def _table_arg(self, args: tuple):
        t = args[0] if args else None
        if self.type(t) != "table":
            raise LibError(b"table expected, got %s" % (b"no value" if not args else lua_type_name(t)), 1)
        return t

    def _pairs(self, *args):
        """pairs(t): read-only proxies iterate their real table."""
        t = self._table_arg(args)
        return (self._real_next, self._backing(t) or t, None)

    def _setmetatable(self, *args):
        t = args[0] if args else None
        if self.type(t) == "table" and self._backing(t) is not None:
            raise LuaRaise(b"Attempt to modify a readonly table")
        if self.type(t) != "table":
            raise LibError(b"table expected, got %s" % (b"no value" if not args else lua_type_name(t)), 1)
        m = args[1] if len(args) > 1 else None
        if m is not None and self.type(m) != "table":
            raise LibError(b"nil or table expected", 2)
        try:
            return self._real_setmetatable(t, m)
        except lua51.LuaError as e:
            raise LibError(_lua_error_text(e)) from None

    def _dump(self, *args):
        """string.dump: the sandbox's own functions cannot be dumped, as
        Redis's C functions cannot."""
        f = args[0] if args else None
        if _is_python_function(f) or (self.type(f) == "function" and self._is_internal(f)):
            raise LibError(b"unable to dump given function")
        if self.type(f) != "function":
            raise LibError(b"function expected, got %s" % (b"no value" if not args else lua_type_name(f)), 1)
        try:
            return self._real_dump(f)
        except lua51.LuaError as e:
            raise LibError(_lua_error_text(e)) from None

    def _random(self, *args):
        """math.random as Redis's redis_math_random (redisLrand48)."""
        r = self._rand()
        n = len(args)
        if n == 0:
            return r
        if n == 1:
            u = _checkint(args, 0)
            if u < 1:
                raise LibError(b"interval is empty", 1)
            return math.floor(r * u) + 1
        if n == 2:
            lo, u = _checkint(args, 0), _checkint(args, 1)
            if lo > u:
                raise LibError(b"interval is empty", 2)
            return math.floor(r * (u - lo + 1)) + lo
        raise LibError(b"wrong number of arguments")

    def _randomseed(self, *args):
        self._srand(_checkint(args, 0))

    # -- values (LuaValues) ------------------------------------------------------

    def table(self, *items):
        """A new Lua table holding ``items`` at 1..n."""
        return self.lua.table(*items)

    def table_from(self, d):
        return self.lua.table_from(d)

    def is_null(self, v) -> bool:
        return self._is_null(v)

    def make_table(self, kind: bytes, value):
        """``{[kind] = value}``: Redis's error/status/double … tables."""
        return self._make_table(kind, value)

    # -- chunks ------------------------------------------------------------------

    def compile(self, source: bytes, name: bytes):
        """(function, None) or (None, Lua's error message)."""
        return self._compile(source, name)

    def run(self, f, keys: list[bytes], argv: list[bytes]):
        """Run ``f`` with KEYS and ARGV set: (True, value) or (False, error)."""
        lua = self.lua
        try:
            return self._run(f, lua.table(*keys), lua.table(*argv))
        finally:
            if _RAISED[0]:
                self.clear_raised()

    # -- function libraries (mode "function") ----------------------------------

    def load_library(self, source: bytes):
        """Compile a library's code and run it with the library API: (True,
        [(name, description or False, flags table, id) …]) or (False, the
        error reply text)."""
        f, err = self._compile_library(source)
        if f is None:
            return False, b"ERR Error compiling function: " + err
        try:
            ok, r = self._load_library(f)
        finally:
            if _RAISED[0]:
                self.clear_raised()
        if not ok:
            return False, b"ERR Error registering functions: " + r
        out = []
        for i in range(1, len(r) + 1):
            name, desc, flags, fid = r[i][1], r[i][2], r[i][3], r[i][4]
            out.append((name, desc if desc is not False else None, [flags[j] for j in range(1, len(flags) + 1)], fid))
        return True, out

    def release_function(self, fid: int) -> None:
        """Forget a registered function (its library was deleted or replaced)."""
        self._release(fid)

    def call_function(self, fid: int, keys: list[bytes], argv: list[bytes]):
        """Run registered function ``fid`` with KEYS and ARGV as its
        arguments: (True, value) or (False, error)."""
        lua = self.lua
        try:
            return self._call_function(fid, lua.table(*keys), lua.table(*argv))
        finally:
            if _RAISED[0]:
                self.clear_raised()

    def memory(self) -> int:
        """Bytes the interpreter uses (Lua's own count, as luaMemory)."""
        return int(self._gc_count()) * 1024

    def close(self) -> None:
        """Before the interpreter is dropped (SCRIPT FLUSH): release what
        Lua still holds of Python (error values not yet collected), so the
        interpreter is freed at once by reference counting."""
        self.clear_raised()
        self._collect()

    def clear_raised(self) -> None:
        """Drop the Python exception lupa keeps stored after one was raised
        into Lua (see _RAISED): a failing call re-raises, and so clears, it."""
        _RAISED[0] = False
        try:
            self._rethrow(LuaRaise(b""))
        except BaseException as e:  # noqa: BLE001 - the stored exception, or the probe's LuaError
            # Its frames hold Lua values (the runtime) and the engine: let
            # them go now, not when Lua collects the error value.
            exc: BaseException | None = e
            while exc is not None:
                traceback.clear_frames(exc.__traceback__)
                exc.__traceback__ = None
                exc = exc.__context__
