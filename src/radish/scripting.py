"""The Lua engine behind EVAL: one Lua 5.1 interpreter (lupa) per server,
the script cache, the sandbox and the conversions between Redis replies
and Lua values, modelled on Redis 7.0's eval.c / script_lua.c.

Scripts call the dispatcher through ``redis.call`` / ``redis.pcall`` as an
internal script client (``call()``, so every write a script performs is
propagated as itself: effects replication, wrapped in MULTI/EXEC by the
funnel when there are several). Replies reach Lua by encoding them for the
script client's protocol (RESP2, or RESP3 after ``redis.setresp(3)``) and
reading that encoding back, so a script sees exactly what a client would.

Imports: the dispatcher, the protocol layer, errors. Nothing above.
"""

from __future__ import annotations

import hashlib
import math
import os
import select
import struct
import time

from lupa import lua51

from . import REDIS_VERSION
from .dispatch import call, encode_result, lookup_command
from .errors import CommandError
from .protocol.resp import BigNumber, ErrorReply, MapReply, SetReply, SimpleString, Verbatim

LLONG_MIN = -(1 << 63)
MAX_REPLY_DEPTH = 200  # Lua tables nested deeper answer "reached lua stack limit"

_BOOT = r"""
local py_call, py_pcall, py_unwrap, py_sha1hex, py_log, py_setresp, py_set_repl, py_rand, py_srand,
      py_acl_check, py_cjson_encode, py_cjson_decode, bitlib, version, version_num,
      py_mp_pack, py_mp_unpack, py_struct_pack, py_struct_unpack, py_struct_size, py_tick = ...
local real_loadstring, real_setfenv, real_rawset, real_rawget = loadstring, setfenv, rawset, rawget
local real_pcall, real_xpcall = pcall, xpcall

-- Errors raised by the Python side (redis.call ...) arrive as Python
-- exception objects: turn them into the error tables Redis raises.
local function unwrap(e)
  if type(e) == 'userdata' then
    local t = py_unwrap(e)
    if t ~= nil then return t end
  end
  return e
end
-- Redis's pcall: an error table with an err string is caught as that string.
local function fix(ok, ...)
  if ok then return ok, ... end
  local e = unwrap((...))
  if type(e) == 'table' then
    local m = real_rawget(e, 'err')
    if type(m) == 'string' then e = m end
  end
  return false, e
end
local getinfo = debug.getinfo
local backing = setmetatable({}, {__mode = 'k'})

local function ro(t)
  local p = setmetatable({}, {
    __index = t,
    __newindex = function() error("Attempt to modify a readonly table", 2) end,
    __metatable = false,
  })
  backing[p] = t
  return p
end

local G = {}
for _, n in ipairs({'assert', 'collectgarbage', 'error', 'gcinfo', 'getmetatable', 'ipairs',
                    'next', 'pairs', 'rawequal', 'select', 'setmetatable',
                    'tonumber', 'tostring', 'type', 'unpack', '_VERSION'}) do
  G[n] = _G[n]
end

G.pcall = function(f, ...) return fix(real_pcall(f, ...)) end
G.xpcall = function(f, h) return real_xpcall(f, function(e) return h(unwrap(e)) end) end
G.rawset = function(t, k, v)
  if backing[t] then error("Attempt to modify a readonly table", 0) end
  return real_rawset(t, k, v)
end
G.rawget = function(t, k)
  local b = backing[t]
  if b then return b[k] end
  return real_rawget(t, k)
end

local env

local function compile(body, name)
  if type(body) == 'string' and body:byte(1) == 27 then
    return nil, "attempt to load a binary chunk"
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

local function checkint(n, v, fname)
  local x = tonumber(v)
  if x == nil then
    error("bad argument #" .. n .. " to '" .. fname .. "' (number expected, got " ..
          (v == nil and 'no value' or type(v)) .. ")", 3)
  end
  return x >= 0 and math.floor(x) or math.ceil(x)
end

local m = {}
for k, v in pairs(math) do m[k] = v end
m.random = function(...)
  local r = py_rand()
  local n = select('#', ...)
  if n == 0 then return r end
  local a, b = ...
  if n == 1 then
    local u = checkint(1, a, 'random')
    if u < 1 then error("bad argument #1 to 'random' (interval is empty)", 2) end
    return math.floor(r * u) + 1
  elseif n == 2 then
    local l = checkint(1, a, 'random')
    local u = checkint(2, b, 'random')
    if l > u then error("bad argument #2 to 'random' (interval is empty)", 2) end
    return math.floor(r * (u - l + 1)) + l
  end
  error("wrong number of arguments", 2)
end
m.randomseed = function(s) py_srand(checkint(1, s, 'randomseed')) end

local redis = {}
redis.call = py_call
redis.pcall = py_pcall
redis.sha1hex = py_sha1hex
redis.error_reply = function(...)
  local e = ...
  if select('#', ...) ~= 1 or type(e) ~= 'string' then
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
  if select('#', ...) ~= 1 or type(s) ~= 'string' then
    return {err = 'ERR wrong number or type of arguments'}
  end
  return {ok = s}
end
redis.log = py_log
redis.setresp = py_setresp
redis.set_repl = py_set_repl
redis.replicate_commands = function() return true end
redis.breakpoint = function() return false end
redis.debug = function() end
redis.acl_check_cmd = py_acl_check
redis.REDIS_VERSION, redis.REDIS_VERSION_NUM = version, version_num
redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING = 0, 1, 2, 3
redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL = 0, 1, 2, 2, 3

local cjson = {encode = py_cjson_encode, decode = py_cjson_decode}
cjson.null = newproxy()  -- a unique userdata, as lua-cjson's NULL lightuserdata

G.string = ro(string)
G.table = ro(table)
G.math = ro(m)
G.coroutine = ro(coroutine)
G.redis = ro(redis)
G.cjson = ro(cjson)
G.bit = ro(bitlib)

local cmsgpack = {pack = py_mp_pack, unpack = py_mp_unpack[1], unpack_one = py_mp_unpack[2],
                  unpack_limit = py_mp_unpack[3]}
G.cmsgpack = ro(cmsgpack)

G.struct = ro({pack = py_struct_pack, unpack = py_struct_unpack, size = py_struct_size})

env = setmetatable({}, {
  __index = function(_, k)
    local v = G[k]
    if v == nil then
      error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
    end
    return v
  end,
  __newindex = function() error("Attempt to modify a readonly table", 2) end,
  __metatable = false,
})
backing[env] = G
G._G = env

local function handler(err)
  err = unwrap(err)
  local info
  for level = 2, 30 do
    local i = getinfo(level, 'Sl')
    if not i then break end
    if i.source == '@user_script' then info = i break end
  end
  if type(err) ~= 'table' then err = {err = 'ERR ' .. tostring(err)} end
  if info then err.source = info.source err.line = info.currentline end
  return err
end

-- Every HOOK_COUNT instructions: Python checks the busy-reply-threshold,
-- serves other clients (BUSY, SCRIPT KILL) and may ask to stop the script.
local sethook = debug.sethook
local function busy_hook()
  local stop = py_tick()
  if stop then
    sethook()
    error({err = stop})
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


local function err_info(e)
  if type(e) ~= 'table' then return tostring(e), nil, nil, false end
  local line = e.line
  return e.err, e.source, line and tostring(line) or nil, e.ignore_error_stats_update == true
end

local function make_table(kind, t)
  return {[kind] = t}
end

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

local null = cjson.null
local function is_null(v) return rawequal(v, null) end

return compile, run, err_info, make_table, cjson.null, where, is_null
"""


def _rand48_next(state: int) -> int:
    return (state * 0x5DEECE66D + 0xB) & 0xFFFFFFFFFFFF


def _srand48(seed: int) -> int:
    seed &= 0xFFFFFFFF
    return 0x330E | ((seed & 0xFFFF) << 16) | ((seed >> 16) << 32)


def _bit_lib(lua):
    """LuaBitOp's functions (32-bit two's complement), as Redis bundles."""

    def tobit(x):
        x = int(x) & 0xFFFFFFFF
        return x - (1 << 32) if x & 0x80000000 else x

    def fold(op, start):
        def f(*xs):
            acc = start
            for x in xs:
                acc = op(acc, int(x) & 0xFFFFFFFF)
            return tobit(acc)

        return f

    def tohex(x, n=8):
        n = int(n)
        upper = n < 0
        n = min(abs(n), 8)
        s = "%0*x" % (8, int(x) & 0xFFFFFFFF)
        s = s[-n:] if n else ""
        return (s.upper() if upper else s).encode()

    def rol(x, n):
        x, n = int(x) & 0xFFFFFFFF, int(n) & 31
        return tobit((x << n) | (x >> (32 - n)))

    def ror(x, n):
        x, n = int(x) & 0xFFFFFFFF, int(n) & 31
        return tobit((x >> n) | (x << (32 - n)))

    fns = {
        b"tobit": tobit,
        b"bnot": lambda x: tobit(~int(x)),
        b"band": fold(lambda a, b: a & b, 0xFFFFFFFF),
        b"bor": fold(lambda a, b: a | b, 0),
        b"bxor": fold(lambda a, b: a ^ b, 0),
        b"lshift": lambda x, n: tobit((int(x) & 0xFFFFFFFF) << (int(n) & 31)),
        b"rshift": lambda x, n: tobit((int(x) & 0xFFFFFFFF) >> (int(n) & 31)),
        b"arshift": lambda x, n: tobit(tobit(x) >> (int(n) & 31)),
        b"rol": rol,
        b"ror": ror,
        b"bswap": lambda x: tobit(int.from_bytes((int(x) & 0xFFFFFFFF).to_bytes(4, "little"), "big")),
        b"tohex": tohex,
    }
    return lua.table_from(fns)


def _lua_number_bytes(v) -> bytes:
    """A Lua number as Redis passes it to a command (``%.17g``)."""
    return b"%.17g" % float(v)


def _to_llong(v) -> int:
    """Lua number -> reply integer: truncated, as C's (long long) cast (out
    of range and NaN give LLONG_MIN on x86-64, as redis-server answers)."""
    if type(v) is int:
        return v if -(1 << 63) <= v < (1 << 63) else LLONG_MIN
    if v != v or math.isinf(v):
        return LLONG_MIN
    i = int(v)
    return i if -(1 << 63) <= i < (1 << 63) else LLONG_MIN


def _version_num(v: str) -> int:
    major, minor, patch = (int(x) for x in v.split("."))
    return (major << 16) | (minor << 8) | patch


def _counted(e: CommandError, counted: bool) -> CommandError:
    e.counted = counted
    return e


def _lua_tostring(v) -> bytes:
    """Lua's tostring() of a number (``%.14g``) or other value."""
    if type(v) is bool:
        return b"true" if v else b"false"
    if type(v) in (int, float):
        return b"%.14g" % float(v)
    if v is None:
        return b"nil"
    return str(v).encode()


def _one_line(b: bytes) -> bytes:
    return b.replace(b"\r", b" ").replace(b"\n", b" ")


class LibError(Exception):
    """A library function's error: luaL_error(msg), or luaL_argerror(arg,
    msg) when ``arg`` is given."""

    def __init__(self, msg: bytes, arg: int | None = None) -> None:
        super().__init__(msg)
        self.msg = msg
        self.arg = arg


class LuaRaise(Exception):
    """Raised by a Python function called from Lua to raise ``table`` (an
    error table, as Redis's luaError, or a message string as luaL_error)
    in the script."""

    def __init__(self, table) -> None:
        super().__init__("script error")
        self.table = table


class ScriptEngine:
    """The server's Lua interpreter, its script cache and the script client."""

    def __init__(self, server) -> None:
        self.server = server
        self.scripts: dict[bytes, bytes] = {}  # sha (lower-case hex) -> body
        self.functions: dict[bytes, object] = {}  # sha -> compiled Lua function
        self.scripts_memory = 0
        self.running = False
        self.readonly = False
        self.repl = 3  # redis.set_repl flags of the running script
        self.start = 0.0
        self.dirty_at_start = 0
        self.kill_requested = False
        self.sha = b""
        # redisLrand48's static initial state (X0, X1, X2): a fresh
        # redis-server's first math.random(100) is 40, as here.
        self.rand_state = 0x1234ABCD330E
        self.client = server.internal_client()
        self.client.no_block = True
        self.caller = None
        self._new()

    # -- interpreter ------------------------------------------------------------

    def _new(self) -> None:
        lua = lua51.LuaRuntime(encoding=None, unpack_returned_tuples=True, register_eval=False, register_builtins=False)
        self.lua = lua
        self.lua_type = lua51.lua_type
        boot = lua.execute("return function(...)\n" + _BOOT + "\nend")
        (self._compile, self._run, self._err_info, self._make_table, self._cjson_null, self._where,
         self._is_null) = boot(
            self._redis_call,
            self._redis_pcall,
            lambda e: e.table if isinstance(e, LuaRaise) else None,
            self._sha1hex,
            self._log,
            self._setresp,
            self._set_repl,
            self._rand,
            self._srand,
            self._acl_check,
            lambda *a: self._lib_call(self._cjson_encode, a),
            lambda *a: self._lib_call(self._cjson_decode, a),
            _bit_lib(lua),
            REDIS_VERSION.encode(),
            _version_num(REDIS_VERSION),
            lambda *a: self._lib_call(self._mp_pack, a),
            lua.table(
                lambda *a: self._lib_call(lambda x: self._mp_unpack(x, 0, 0, False), a),
                lambda *a: self._lib_call(lambda x: self._mp_unpack(x, 1, 1, True), a),
                lambda *a: self._lib_call(lambda x: self._mp_unpack(x, 1, 2, True), a),
            ),
            lambda *a: self._lib_call(_struct_pack, a),
            lambda *a: self._lib_call(_struct_unpack, a),
            lambda *a: self._lib_call(_struct_size, a),
            self._tick,
        )

    def flush(self) -> None:
        """SCRIPT FLUSH: forget every script and start a fresh interpreter."""
        self.scripts.clear()
        self.functions.clear()
        self.scripts_memory = 0
        self._new()

    # -- cache ---------------------------------------------------------------------

    def load(self, body: bytes) -> bytes:
        """Compile ``body`` into the cache (SCRIPT LOAD, EVAL); its sha.
        Raises CommandError on a compile error or a bad shebang."""
        sha = hashlib.sha1(body).hexdigest().encode()
        if sha in self.functions:
            return sha
        source, _flags = _parse_shebang(body)
        f, err = self._compile(source, b"@user_script")
        if f is None:
            raise CommandError("ERR Error compiling script (new function): %s" % _text(err))
        self.scripts[sha] = body
        self.functions[sha] = f
        self.scripts_memory += len(body)
        return sha

    # -- running --------------------------------------------------------------------

    def run(self, c, sha: bytes, keys: list[bytes], argv: list[bytes], readonly: bool):
        """Run cached script ``sha`` for client ``c``; the reply value.
        Raises CommandError with Redis's text when the script fails."""
        _source, flags = _parse_shebang(self.scripts[sha])
        if flags is not None and "no-writes" in flags:
            readonly = True
        sc = self.client
        sc.db = c.db
        sc.resp3 = False
        sc.multi_queue = None
        self.caller = c
        self.readonly = readonly
        self.repl = 3
        self.nested_error = False  # the reply holds an error (the call counts as failed)
        self.start = time.monotonic()
        self.dirty_at_start = self.server.dirty
        self.kill_requested = False
        self.sha = sha
        self.running = True
        lua = self.lua
        try:
            ok, result = self._run(self.functions[sha], lua.table(*keys), lua.table(*argv))
            if not ok:
                msg, source, line, counted = self._err_info(result)
                if msg is None:
                    msg = b""
                elif not isinstance(msg, bytes):
                    msg = str(msg).encode()
                text = msg
                if source is not None and line is not None:
                    text += b" script: %s, on %s:%s." % (sha, source, line)
                raise _counted(CommandError(_text(text)), counted)
            reply = self._to_reply(result, 0)
        finally:
            self.running = False
            self.caller = None
            self.server.busy_script = False
        if type(reply) is ErrorReply:
            counted = self.lua_type(result) == "table" and result[b"ignore_error_stats_update"] is True
            raise _counted(CommandError(_text(reply.message)), counted)
        return reply

    # -- Lua -> reply ------------------------------------------------------------------

    def _to_reply(self, v, depth: int):
        """A Lua value as the reply Redis sends for it (luaReplyToRedisReply)."""
        t = type(v)
        if t is bytes:
            return v
        if t is bool:
            if self.client.resp3:
                return v
            return 1 if v else None
        if t is int or t is float:
            return _to_llong(v)
        if v is None:
            return None
        if self.lua_type(v) != "table":
            return None
        if depth >= MAX_REPLY_DEPTH:
            return ErrorReply(b"ERR reached lua stack limit")
        e = v[b"err"]
        if type(e) is bytes:
            if depth:
                self.nested_error = True
                if v[b"ignore_error_stats_update"] is not True:
                    self.server.stats.count_error(_text(e))
            return ErrorReply(_one_line(e))
        ok = v[b"ok"]
        if type(ok) is bytes:
            return SimpleString(_one_line(ok))
        d = v[b"double"]
        if type(d) in (int, float) and type(d) is not bool:
            return float(d)
        big = v[b"big_number"]
        if type(big) is bytes:
            return BigNumber(_one_line(big))
        vs = v[b"verbatim_string"]
        if vs is not None and self.lua_type(vs) == "table":
            fmt, s = vs[b"format"], vs[b"string"]
            if type(fmt) is bytes and type(s) is bytes:
                return Verbatim(fmt[:3].ljust(3) + b":" + s)
        mp = v[b"map"]
        if mp is not None and self.lua_type(mp) == "table":
            return MapReply([(self._to_reply(k, depth + 1), self._to_reply(x, depth + 1)) for k, x in mp.items()])
        st = v[b"set"]
        if st is not None and self.lua_type(st) == "table":
            return SetReply([self._to_reply(k, depth + 1) for k in st.keys()])
        out = []
        j = 1
        while True:
            x = v[j]
            if x is None:
                break
            out.append(self._to_reply(x, depth + 1))
            j += 1
        return out

    # -- reply -> Lua ------------------------------------------------------------------

    def _from_resp(self, data: bytes, i: int):
        """Parse one RESP value at ``data[i:]`` into a Lua value; (value, next i)."""
        kind = data[i : i + 1]
        j = data.index(b"\r\n", i)
        line = data[i + 1 : j]
        i = j + 2
        lua = self.lua
        if kind == b":":
            return int(line), i
        if kind == b"$":
            n = int(line)
            if n < 0:
                return False, i
            return data[i : i + n], i + n + 2
        if kind == b"+":
            return self._make_table(b"ok", line), i
        if kind == b"-":
            return self._error(line, True), i
        if kind in (b"*", b"~", b"%", b">"):
            n = int(line)
            if n < 0:
                return False, i
            if kind == b"%":
                d = lua.table()
                for _ in range(n):
                    k, i = self._from_resp(data, i)
                    val, i = self._from_resp(data, i)
                    d[k] = val
                return self._make_table(b"map", d), i
            items = []
            for _ in range(n):
                x, i = self._from_resp(data, i)
                items.append(x)
            if kind == b"~":
                s = lua.table()
                for x in items:
                    s[x] = True
                return self._make_table(b"set", s), i
            return lua.table(*items), i
        if kind == b"_":
            return None, i
        if kind == b"#":
            return line == b"t", i
        if kind == b",":
            return self._make_table(b"double", float(line)), i
        if kind == b"(":
            return self._make_table(b"big_number", line), i
        if kind == b"=":
            n = int(line)
            body = data[i : i + n]
            vt = lua.table_from({b"format": body[:3], b"string": body[4:]})
            return self._make_table(b"verbatim_string", vt), i + n + 2
        raise ValueError("unexpected reply type %r" % kind)

    def _error(self, message: bytes, counted: bool = False):
        """An error table; ``counted``: already in the error statistics
        (Redis's ignore_error_stats_update field)."""
        t = self._make_table(b"err", message)
        if counted:
            t[b"ignore_error_stats_update"] = True
        return t

    # -- the redis library -------------------------------------------------------------

    def _raise(self, message: bytes):
        raise LuaRaise(self._error(message))

    def _redis_call(self, *args):
        """redis.call: the reply as a Lua value; an error reply raises."""
        ok, value = self._call(args)
        if not ok:
            raise LuaRaise(value)
        return value

    def _redis_pcall(self, *args):
        """redis.pcall: the reply as a Lua value; errors as {err=...}."""
        return self._call(args)[1]

    def _call(self, args) -> tuple[bool, object]:
        if not args:
            return False, self._error(b"ERR Please specify at least one argument for this redis lib call")
        argv = []
        for a in args:
            t = type(a)
            if t is bytes:
                argv.append(a)
            elif t is int or t is float:
                argv.append(_lua_number_bytes(a))
            else:
                return False, self._error(b"ERR Lua redis lib command arguments must be strings or integers")
        spec = lookup_command(argv)
        err = self._check(spec)
        if err is not None:
            # Counted now, as Redis's scriptCall does (a rejected call).
            self.server.stats.count_error(_text(err))
            if type(spec) is not str:
                spec.rejected_calls += 1
            return False, self._error(err, True)
        sc = self.client
        prop = self.server.propagation
        queued = len(prop.pending)
        result = call(sc, spec, argv)
        if self.repl == 0 and len(prop.pending) > queued:
            del prop.pending[queued:]  # redis.set_repl(redis.REPL_NONE)
        if type(result) is CommandError:
            return False, self._error(result.message.encode(), True)
        encoded = encode_result(sc, result)
        if encoded is None:
            return True, None
        value, _ = self._from_resp(encoded, 0)
        return True, value

    def _check(self, spec) -> bytes | None:
        """Why a script may not run this command (scriptCall's checks), or None."""
        if type(spec) is str:
            if spec.startswith("ERR wrong number"):
                return b"ERR Wrong number of args calling Redis command from script"
            return b"ERR Unknown Redis command called from script"
        if spec.noscript:
            return b"ERR This Redis command is not allowed from script"
        if spec.is_write:
            if self.readonly:
                return b"ERR Write commands are not allowed from read-only scripts."
            err = self.server.precheck_write(self.caller if self.caller is not None else self.client, spec)
            if err:
                return err.encode()
        return None

    def _sha1hex(self, *args):
        if len(args) != 1:
            self._raise(b"ERR wrong number of arguments")
        v = args[0]
        if type(v) is not bytes:
            v = _lua_tostring(v)
        return hashlib.sha1(v).hexdigest().encode()

    def _acl_check(self, *args):
        if not args:
            self._raise(b"ERR Please specify at least one argument for this redis lib call")
        argv = [a if type(a) is bytes else _lua_number_bytes(a) for a in args]
        spec = lookup_command(argv)
        if type(spec) is str and not spec.startswith("ERR wrong number"):
            self._raise(b"ERR Invalid command passed to redis.acl_check_cmd()")
        return True

    def _log(self, *args) -> None:
        if len(args) < 2:
            self._raise(b"ERR redis.log() requires two arguments or more.")
        level = args[0]
        if type(level) not in (int, float):
            self._raise(b"ERR First argument must be a number (log level).")
        if not 0 <= level <= 3:
            self._raise(b"ERR Invalid debug level.")
        msg = b" ".join(a if type(a) is bytes else _lua_tostring(a) for a in args[1:])
        self.server.log.log(int(level), _text(msg))

    def _setresp(self, *args) -> None:
        if len(args) != 1:
            self._raise(b"ERR redis.setresp() requires one argument.")
        v = args[0]
        if v != 2 and v != 3 or type(v) not in (int, float):
            self._raise(b"ERR RESP version must be 2 or 3.")
        self.client.resp3 = v == 3

    def _set_repl(self, *args) -> None:
        if len(args) != 1:
            self._raise(b"ERR redis.set_repl() requires two arguments.")
        v = args[0]
        if type(v) not in (int, float) or v not in (0, 1, 2, 3):
            self._raise(b"ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.")
        # REPL_NONE keeps the following writes from replicas and the AOF;
        # AOF-only or replica-only are taken as REPL_ALL (see README).
        self.repl = 0 if v == 0 else 3

    def _rand(self) -> float:
        self.rand_state = _rand48_next(self.rand_state)
        r = self.rand_state >> 17
        return (r % 2147483647) / 2147483647.0

    def _srand(self, seed) -> None:
        self.rand_state = _srand48(int(seed))

    # -- busy scripts ------------------------------------------------------------------

    def _tick(self):
        """The count hook: past busy-reply-threshold the server answers
        other clients (BUSY to all but allow_busy commands) while the
        script runs; returns the error that stops the script (SCRIPT KILL,
        SHUTDOWN NOSAVE), or None."""
        server = self.server
        limit = server.config.busy_reply_threshold
        if not limit or (time.monotonic() - self.start) * 1000 < limit:
            return None
        if not server.busy_script:
            server.busy_script = True
            server.log.warning(
                "Slow script detected: still in execution after %d milliseconds. You can try killing "
                "the script using the SCRIPT KILL command. Script name is: %s."
                % ((time.monotonic() - self.start) * 1000, self.sha.decode())
            )
        self._serve_others()
        if self.kill_requested or server.shutdown_requested:
            return b"ERR Script killed by user with SCRIPT KILL..."
        return None

    def _serve_others(self) -> None:
        """Read what other clients sent and run it (as Redis's
        processEventsWhileBlocked): their commands meet the BUSY check."""
        conns = {}
        for c in list(self.server.clients.values()):
            conn = getattr(c, "connection", None)
            t = getattr(conn, "transport", None) if conn is not None else None
            if c is self.caller or t is None or conn.closing:
                continue
            sock = t.get_extra_info("socket")
            if sock is None:
                continue
            try:
                conns[sock.fileno()] = conn
            except (OSError, ValueError):
                continue
        if not conns:
            return
        try:
            readable, _w, _x = select.select(list(conns), [], [], 0)
        except (OSError, ValueError):
            return
        for fd in readable:
            try:
                data = os.read(fd, 65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                continue
            if data:
                conns[fd].data_received(data)
        if self.server.pending_writes:
            self.server.flush_writes()  # the loop is not running: reply now

    def kill(self) -> None:
        """SCRIPT KILL: stop the running script unless it has written."""
        if not (self.running and self.server.busy_script):
            raise CommandError("NOTBUSY No scripts in execution right now.")
        if self.server.dirty != self.dirty_at_start:
            raise CommandError(
                "UNKILLABLE Sorry the script already executed write commands against the dataset. "
                "You can either wait the script termination or kill the server in a hard way using "
                "the SHUTDOWN NOSAVE command."
            )
        self.kill_requested = True

    def _lib_call(self, fn, args):
        """Run a C-library stand-in; its LibError becomes the Lua error
        luaL_error / luaL_argerror would raise (position of the caller)."""
        try:
            return fn(args)
        except LibError as e:
            prefix, name = self._where()
            msg = e.msg
            if e.arg is not None:
                msg = b"bad argument #%d to '%s' (%s)" % (e.arg, name, msg)
            raise LuaRaise(prefix + msg) from None

    # -- cmsgpack (lua_cmsgpack 0.4's encoding) -------------------------------------------

    def _mp_pack(self, args) -> bytes:
        if not args:
            raise LibError(b"MessagePack pack needs input.")
        out = bytearray()
        for v in args:
            _mp_encode(self, out, v, 0)
        return bytes(out)

    def _mp_unpack(self, args, limit_arg: int, offset_arg: int, with_offset: bool) -> tuple:
        """The objects of ``args[0]``: all of them (unpack), or at most a
        limit from an offset, preceded by the next offset, -1 at the end
        (unpack_one: limit 1, unpack_limit: limit given)."""
        s = args[0] if args else None
        if type(s) is not bytes:
            raise LibError(b"string expected, got %s" % (b"no value" if not args else _lua_type_name(s)), 1)
        if with_offset and offset_arg == 2:  # unpack_limit(s, limit, offset)
            limit = int(args[1]) if len(args) > 1 and args[1] is not None else 0
        else:
            limit = 1 if with_offset else 0
        off = args[offset_arg] if len(args) > offset_arg and with_offset else None
        pos = int(off) if off is not None else 0
        values = []
        try:
            while pos < len(s) and (limit <= 0 or len(values) < limit):
                v, pos = _mp_decode(self, s, pos)
                values.append(v)
        except (IndexError, ValueError):
            raise LibError(b"Missing bytes in input.") from None
        if with_offset:
            values.insert(0, pos if pos < len(s) else -1)
        return tuple(values)

    # -- cjson (lua-cjson 2.1 with Redis's defaults) -----------------------------------------

    def _cjson_encode(self, args) -> bytes:
        if len(args) != 1:
            raise LibError(b"expected 1 argument", 1)
        out: list[bytes] = []
        _json_encode(self, out, args[0], 1)
        return b"".join(out)

    def _cjson_decode(self, args):
        if len(args) != 1:
            raise LibError(b"expected 1 argument", 1)
        s = args[0]
        if type(s) in (int, float):
            s = _lua_tostring(s)
        if type(s) is not bytes:
            raise LibError(b"string expected, got %s" % self._type_name(s), 1)
        return _JsonDecoder(self, s).decode()

    def _type_name(self, v) -> bytes:
        """lua_typename of a value Lua passed to Python (Python callables
        are radish's stand-ins for Redis's C functions)."""
        if v is None:
            return b"nil"
        t = type(v)
        if t is bool:
            return b"boolean"
        if t is bytes:
            return b"string"
        if t is int or t is float:
            return b"number"
        lt = self.lua_type(v)
        if lt is not None:
            return lt.encode()
        return b"function" if callable(v) else b"userdata"


def _fmt_number(v) -> bytes:
    """lua-cjson's number rendering (encode_number_precision 14)."""
    if v != v or (type(v) is float and math.isinf(v)):
        raise LibError(b"Cannot serialise number: must not be NaN or Inf")
    return b"%.14g" % float(v) if type(v) is float or abs(v) >= 10**14 else b"%d" % v


_JSON_ESCAPES = {0x22: b'\\"', 0x5C: b"\\\\", 0x2F: b"\\/", 0x08: b"\\b", 0x0C: b"\\f", 0x0A: b"\\n",
                 0x0D: b"\\r", 0x09: b"\\t", 0x7F: b"\\u007f"}


def _json_string(s: bytes) -> bytes:
    out = bytearray(b'"')
    for ch in s:
        e = _JSON_ESCAPES.get(ch)
        if e is not None:
            out += e
        elif ch < 0x20:
            out += b"\\u%04x" % ch
        else:
            out.append(ch)
    out += b'"'
    return bytes(out)


def _json_encode(engine: ScriptEngine, out: list, v, depth: int) -> None:
    t = type(v)
    if v is None:
        out.append(b"null")
    elif t is bool:
        out.append(b"true" if v else b"false")
    elif t is int or t is float:
        out.append(_fmt_number(v))
    elif t is bytes:
        out.append(_json_string(v))
    elif engine.lua_type(v) == "table":
        if depth > 1000:
            raise LibError(b"Cannot serialise, excessive nesting (%d)" % depth)
        items = list(v.items())
        n = _json_array_length(items)
        if n > 0:
            out.append(b"[")
            for i in range(1, n + 1):
                if i > 1:
                    out.append(b",")
                _json_encode(engine, out, v[i], depth + 1)
            out.append(b"]")
            return
        out.append(b"{")
        for j, (k, x) in enumerate(items):
            if j:
                out.append(b",")
            tk = type(k)
            if tk is bytes:
                out.append(_json_string(k))
            elif tk is int or tk is float:
                out.append(b'"' + _fmt_number(k) + b'"')
            else:
                raise LibError(b"Cannot serialise %s: table key must be a number or string" % engine._type_name(k))
            out.append(b":")
            _json_encode(engine, out, x, depth + 1)
        out.append(b"}")
    elif engine._is_null(v):
        out.append(b"null")
    else:
        raise LibError(b"Cannot serialise %s: type not supported" % engine._type_name(v))


def _json_array_length(items) -> int:
    """lua_array_length: the array size, or -1/0 for an object (Redis's
    encode_sparse_ratio 2, safe 10, convert off: sparse arrays are errors)."""
    mx = 0
    for k, _x in items:
        if type(k) in (int, float) and k >= 1 and float(k).is_integer():
            mx = max(mx, int(k))
        else:
            return -1
    if mx > len(items) * 2 and mx > 10:
        raise LibError(b"Cannot serialise table: excessively sparse array")
    return mx


class _JsonDecoder:
    """lua-cjson's decoder: same results, same error texts."""

    def __init__(self, engine: ScriptEngine, s: bytes) -> None:
        self.engine = engine
        self.s = s
        self.i = 0
        self.depth = 0

    def decode(self):
        tok = self.next()
        v = self.value(tok)
        tok = self.next()
        if tok[0] != "T_END":
            self.fail("the end", tok)
        return v

    def fail(self, expected: str, tok) -> None:
        found = tok[2] if tok[0] == "T_ERROR" else tok[0]
        raise LibError(b"Expected %s but found %s at character %d" % (expected.encode(), found.encode(), tok[1] + 1))

    def next(self):
        """(type, index, value) of the next token."""
        s, i = self.s, self.i
        n = len(s)
        while i < n and s[i] in b" \t\n\r":
            i += 1
        self.i = i
        if i >= n:
            return ("T_END", i, None)
        c = s[i]
        single = {0x7B: "T_OBJ_BEGIN", 0x7D: "T_OBJ_END", 0x5B: "T_ARR_BEGIN", 0x5D: "T_ARR_END",
                  0x3A: "T_COLON", 0x2C: "T_COMMA"}.get(c)
        if single:
            self.i = i + 1
            return (single, i, None)
        if c == 0x22:
            return self.string(i)
        if c == 0x2D or 0x30 <= c <= 0x39:
            return self.number(i)
        for word, val in ((b"true", True), (b"false", False), (b"null", None)):
            if s.startswith(word, i):
                self.i = i + len(word)
                return ("T_NULL" if val is None else "T_BOOLEAN", i, val)
        return ("T_ERROR", i, "invalid token")

    def string(self, start: int):
        s, i = self.s, start + 1
        out = bytearray()
        while True:
            if i >= len(s):
                return ("T_ERROR", start, "unexpected end of string")
            c = s[i]
            if c == 0x22:
                break
            if c == 0x5C:
                if i + 1 >= len(s):
                    return ("T_ERROR", start, "unexpected end of string")
                e = s[i + 1]
                simple = {0x22: b'"', 0x5C: b"\\", 0x2F: b"/", 0x62: b"\b", 0x66: b"\f", 0x6E: b"\n",
                          0x72: b"\r", 0x74: b"\t"}.get(e)
                if simple is not None:
                    out += simple
                    i += 2
                    continue
                if e == 0x75:
                    cp, i2 = self.unicode(i)
                    if cp is None:
                        return ("T_ERROR", start, "invalid unicode escape code")
                    out += chr(cp).encode("utf-8", "surrogatepass")
                    i = i2
                    continue
                return ("T_ERROR", start, "invalid escape code")
            out.append(c)
            i += 1
        self.i = i + 1
        return ("T_STRING", start, bytes(out))

    def unicode(self, i: int):
        s = self.s
        h = s[i + 2 : i + 6]
        if len(h) < 4 or any(ch not in b"0123456789abcdefABCDEF" for ch in h):
            return None, i
        cp = int(h, 16)
        i += 6
        if 0xD800 <= cp <= 0xDBFF:
            if s[i : i + 2] != b"\\u":
                return None, i
            h2 = s[i + 2 : i + 6]
            if len(h2) < 4 or any(ch not in b"0123456789abcdefABCDEF" for ch in h2):
                return None, i
            lo = int(h2, 16)
            if not 0xDC00 <= lo <= 0xDFFF:
                return None, i
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
            i += 6
        elif 0xDC00 <= cp <= 0xDFFF:
            return None, i
        return cp, i

    def number(self, start: int):
        s = self.s
        j = start
        while j < len(s) and s[j] in b"+-0123456789.eE":
            j += 1
        text = s[start:j]
        digits = text[1:] if text.startswith(b"-") else text
        if digits[:1] == b"0" and len(digits) > 1 and digits[1:2] not in (b".", b"e", b"E") or not digits[:1].isdigit():
            return ("T_ERROR", start, "invalid number")
        try:
            v = float(text)
        except ValueError:
            return ("T_ERROR", start, "invalid number")
        self.i = j
        return ("T_NUMBER", start, int(v) if v.is_integer() and abs(v) < 2**63 else v)

    def value(self, tok):
        kind = tok[0]
        if kind in ("T_STRING", "T_NUMBER", "T_BOOLEAN"):
            return tok[2]
        if kind == "T_NULL":
            return self.engine._cjson_null
        if kind in ("T_OBJ_BEGIN", "T_ARR_BEGIN"):
            self.depth += 1
            if self.depth > 1000:
                raise LibError(b"Found too many nested data structures (%d) at character %d" % (self.depth, tok[1] + 1))
            try:
                return self.obj() if kind == "T_OBJ_BEGIN" else self.arr()
            finally:
                self.depth -= 1
        self.fail("value", tok)

    def obj(self):
        t = self.engine.lua.table()
        tok = self.next()
        if tok[0] == "T_OBJ_END":
            return t
        while True:
            if tok[0] != "T_STRING":
                self.fail("object key string", tok)
            key = tok[2]
            tok = self.next()
            if tok[0] != "T_COLON":
                self.fail("colon", tok)
            t[key] = self.value(self.next())
            tok = self.next()
            if tok[0] == "T_OBJ_END":
                return t
            if tok[0] != "T_COMMA":
                self.fail("comma or object end", tok)
            tok = self.next()

    def arr(self):
        t = self.engine.lua.table()
        tok = self.next()
        if tok[0] == "T_ARR_END":
            return t
        i = 1
        while True:
            t[i] = self.value(tok)
            i += 1
            tok = self.next()
            if tok[0] == "T_ARR_END":
                return t
            if tok[0] != "T_COMMA":
                self.fail("comma or array end", tok)
            tok = self.next()


def _mp_encode(engine: ScriptEngine, out: bytearray, v, depth: int) -> None:
    t = type(v)
    if v is None:
        out.append(0xC0)
    elif t is bool:
        out.append(0xC3 if v else 0xC2)
    elif t is int or t is float and v == v and not math.isinf(v) and float(v).is_integer() and abs(v) < 2**63:
        _mp_int(out, int(v))
    elif t is float:
        f32 = struct.unpack("<f", struct.pack("<f", v))[0] if abs(v) < 3.5e38 or math.isinf(v) else None
        if f32 is not None and (f32 == v or v != v):
            out += b"\xca" + struct.pack(">f", v)
        else:
            out += b"\xcb" + struct.pack(">d", v)
    elif t is bytes:
        n = len(v)
        if n < 32:
            out.append(0xA0 | n)
        elif n <= 0xFF:
            out += b"\xd9" + bytes((n,))
        elif n <= 0xFFFF:
            out += b"\xda" + struct.pack(">H", n)
        else:
            out += b"\xdb" + struct.pack(">I", n)
        out += v
    elif engine.lua_type(v) == "table" and depth < 16:
        items = list(v.items())
        keys = [k for k, _x in items]
        n = len(items)
        if all(type(k) is int and k >= 1 for k in keys) and (not keys or max(keys) == n):
            _mp_len(out, n, 0x90, 0xDC)
            for i in range(1, n + 1):
                _mp_encode(engine, out, v[i], depth + 1)
        else:
            _mp_len(out, n, 0x80, 0xDE)
            for k, x in items:
                _mp_encode(engine, out, k, depth + 1)
                _mp_encode(engine, out, x, depth + 1)
    else:
        out.append(0xC0)


def _mp_len(out: bytearray, n: int, fix: int, code16: int) -> None:
    if n < 16:
        out.append(fix | n)
    elif n <= 0xFFFF:
        out += bytes((code16,)) + struct.pack(">H", n)
    else:
        out += bytes((code16 + 1,)) + struct.pack(">I", n)


def _mp_int(out: bytearray, n: int) -> None:
    if n >= 0:
        if n <= 127:
            out.append(n)
        elif n <= 0xFF:
            out += b"\xcc" + bytes((n,))
        elif n <= 0xFFFF:
            out += b"\xcd" + struct.pack(">H", n)
        elif n <= 0xFFFFFFFF:
            out += b"\xce" + struct.pack(">I", n)
        else:
            out += b"\xcf" + struct.pack(">Q", n)
    elif n >= -32:
        out += struct.pack(">b", n)
    elif n >= -128:
        out += b"\xd0" + struct.pack(">b", n)
    elif n >= -32768:
        out += b"\xd1" + struct.pack(">h", n)
    elif n >= -(2**31):
        out += b"\xd2" + struct.pack(">i", n)
    else:
        out += b"\xd3" + struct.pack(">q", n)


_MP_FIXED = {
    0xCC: ">B", 0xCD: ">H", 0xCE: ">I", 0xCF: ">Q", 0xD0: ">b", 0xD1: ">h", 0xD2: ">i", 0xD3: ">q",
    0xCA: ">f", 0xCB: ">d",
}


def _mp_decode(engine: ScriptEngine, s: bytes, i: int):
    c = s[i]
    i += 1
    if c <= 0x7F:
        return c, i
    if c >= 0xE0:
        return c - 256, i
    if 0xA0 <= c <= 0xBF:
        return _mp_take(s, i, c & 0x1F)
    if 0x90 <= c <= 0x9F:
        return _mp_array(engine, s, i, c & 0x0F)
    if 0x80 <= c <= 0x8F:
        return _mp_map(engine, s, i, c & 0x0F)
    if c == 0xC0:
        return None, i
    if c in (0xC2, 0xC3):
        return c == 0xC3, i
    fmt = _MP_FIXED.get(c)
    if fmt is not None:
        size = struct.calcsize(fmt)
        if i + size > len(s):
            raise ValueError("short")
        return struct.unpack(fmt, s[i : i + size])[0], i + size
    if c in (0xD9, 0xC4):
        return _mp_take(s, i + 1, s[i])
    if c in (0xDA, 0xC5):
        return _mp_take(s, i + 2, struct.unpack(">H", s[i : i + 2])[0])
    if c in (0xDB, 0xC6):
        return _mp_take(s, i + 4, struct.unpack(">I", s[i : i + 4])[0])
    if c == 0xDC:
        return _mp_array(engine, s, i + 2, struct.unpack(">H", s[i : i + 2])[0])
    if c == 0xDD:
        return _mp_array(engine, s, i + 4, struct.unpack(">I", s[i : i + 4])[0])
    if c == 0xDE:
        return _mp_map(engine, s, i + 2, struct.unpack(">H", s[i : i + 2])[0])
    if c == 0xDF:
        return _mp_map(engine, s, i + 4, struct.unpack(">I", s[i : i + 4])[0])
    raise ValueError("bad type")


def _mp_take(s: bytes, i: int, n: int):
    if i + n > len(s):
        raise ValueError("short")
    return s[i : i + n], i + n


def _mp_array(engine: ScriptEngine, s: bytes, i: int, n: int):
    t = engine.lua.table()
    for j in range(1, n + 1):
        t[j], i = _mp_decode(engine, s, i)
    return t, i


def _mp_map(engine: ScriptEngine, s: bytes, i: int, n: int):
    t = engine.lua.table()
    for _ in range(n):
        k, i = _mp_decode(engine, s, i)
        v, i = _mp_decode(engine, s, i)
        if k is not None:
            t[k] = v
    return t, i


# -- struct (Roberto Ierusalimschy's lua_struct, as Redis bundles it) -------------------

_STRUCT_SIZES = {"b": 1, "B": 1, "h": 2, "H": 2, "l": 8, "L": 8, "T": 8, "f": 4, "d": 8, "x": 1}


def _struct_tokens(fmt: bytes):
    """(option, size) for each option of ``fmt``; control options change
    the header (endianness, alignment) as they come."""
    f = fmt.decode("latin-1")
    i = 0
    while i < len(f):
        opt = f[i]
        i += 1
        j = i
        while j < len(f) and f[j].isdigit():
            j += 1
        num = int(f[i:j]) if j > i else None
        if opt in "ciI!":
            i = j
        if opt == "c":
            size = 1 if num is None else num
        elif opt in "iI":
            size = 4 if num is None else num
            if size > 32:
                raise LibError(b"integral size %d is larger than limit of 32" % size)
        else:
            size = _STRUCT_SIZES.get(opt, 0)
        yield opt, size, num


def _struct_align(pos: int, opt: str, size: int, align: int) -> int:
    if size == 0 or opt == "c":
        return 0
    if size > align:
        size = align
    return (size - (pos & (size - 1))) & (size - 1)


def _struct_control(opt: str, num, h: dict) -> None:
    if opt == " ":
        return
    if opt in "<=":
        h["big"] = False
    elif opt == ">":
        h["big"] = True
    elif opt == "!":
        a = 8 if num is None else num
        if a & (a - 1):
            raise LibError(b"alignment %d is not a power of 2" % a)
        h["align"] = a
    else:
        raise LibError(b"invalid format option '%s'" % opt.encode("latin-1"), 1)


def _struct_fmt(args, fname: str) -> bytes:
    if not args or type(args[0]) not in (bytes, int, float):
        raise LibError(b"string expected, got %s" % (b"no value" if not args else _lua_type_name(args[0])), 1)
    f = args[0]
    return f if type(f) is bytes else _lua_tostring(f)


def _struct_pack(args) -> bytes:
    fmt = _struct_fmt(args, "pack")
    h = {"big": False, "align": 1}
    out = bytearray()
    arg = 1
    for opt, size, num in _struct_tokens(fmt):
        pad = _struct_align(len(out), opt, size, h["align"])
        out += b"\0" * pad
        if opt in "bBhHlLTiI":
            v = args[arg] if arg < len(args) else None
            if type(v) not in (int, float) or type(v) is bool:
                raise LibError(b"number expected, got %s" % (b"no value" if arg >= len(args) else _lua_type_name(v)), arg + 1)
            n = int(v) & ((1 << (8 * size)) - 1) if size else 0
            out += n.to_bytes(size, "big" if h["big"] else "little") if size else b""
            arg += 1
        elif opt == "x":
            out += b"\0"
        elif opt in "fd":
            v = args[arg] if arg < len(args) else None
            if type(v) not in (int, float):
                raise LibError(b"number expected, got %s" % (b"no value" if arg >= len(args) else _lua_type_name(v)), arg + 1)
            out += struct.pack((">" if h["big"] else "<") + opt, float(v))
            arg += 1
        elif opt in "cs":
            v = args[arg] if arg < len(args) else None
            if type(v) in (int, float):
                v = _lua_tostring(v)
            if type(v) is not bytes:
                raise LibError(b"string expected, got %s" % (b"no value" if arg >= len(args) else _lua_type_name(v)), arg + 1)
            if size == 0:
                size = len(v)
            if len(v) < size:
                raise LibError(b"string too short", arg + 1)
            out += v[:size]
            if opt == "s":
                out += b"\0"
            arg += 1
        else:
            _struct_control(opt, num, h)
    return bytes(out)


def _struct_unpack(args) -> tuple:
    fmt = _struct_fmt(args, "unpack")
    data = args[1] if len(args) > 1 else None
    if type(data) is not bytes:
        raise LibError(b"string expected, got %s" % (b"no value" if len(args) < 2 else _lua_type_name(data)), 2)
    pos = int(args[2]) - 1 if len(args) > 2 and args[2] is not None else 0
    if not 0 <= pos <= len(data):
        raise LibError(b"offset out of range", 3)
    h = {"big": False, "align": 1}
    values: list = []
    ld = len(data)
    for opt, size, num in _struct_tokens(fmt):
        pos += _struct_align(pos, opt, size, h["align"])
        if size > ld or pos > ld - size:
            raise LibError(b"data string too short", 2)
        if opt in "bBhHlLTiI":
            n = int.from_bytes(data[pos : pos + size], "big" if h["big"] else "little")
            if opt.islower() and size and n >> (8 * size - 1):
                n -= 1 << (8 * size)
            values.append(n)
        elif opt in "fd":
            values.append(struct.unpack((">" if h["big"] else "<") + opt, data[pos : pos + size])[0])
        elif opt == "c":
            if size == 0:
                if not values or type(values[-1]) not in (int, float):
                    raise LibError(b"format `c0' needs a previous size")
                size = int(values.pop())
                if size > ld or pos > ld - size:
                    raise LibError(b"data string too short", 2)
            values.append(data[pos : pos + size])
        elif opt == "s":
            e = data.find(b"\0", pos)
            if e < 0:
                raise LibError(b"unfinished string in data")
            size = e - pos + 1
            values.append(data[pos:e])
        elif opt != "x":
            _struct_control(opt, num, h)
        pos += size
    values.append(pos + 1)
    return tuple(values)


def _struct_size(args) -> int:
    fmt = _struct_fmt(args, "size")
    h = {"big": False, "align": 1}
    pos = 0
    for opt, size, num in _struct_tokens(fmt):
        pos += _struct_align(pos, opt, size, h["align"])
        if opt == "s":
            raise LibError(b"option 's' has no fixed size", 1)
        if opt == "c" and size == 0:
            raise LibError(b"option 'c0' has no fixed size", 1)
        if opt not in "bBhHlLTiIfdcx":
            _struct_control(opt, num, h)
        pos += size
    return pos


def _lua_type_name(v) -> bytes:
    if v is None:
        return b"nil"
    if type(v) is bool:
        return b"boolean"
    if type(v) is bytes:
        return b"string"
    if type(v) in (int, float):
        return b"number"
    return b"table"


SHEBANG_FLAGS = ("no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys")


def _parse_shebang(body: bytes) -> tuple[bytes, frozenset | None]:
    """Split an EVAL body's ``#!lua flags=...`` line off (kept as an empty
    first line, so line numbers stay); (source, flags or None without a
    shebang). Raises CommandError for a bad shebang."""
    if not body.startswith(b"#!"):
        return body, None
    nl = body.find(b"\n")
    line = body if nl < 0 else body[:nl]
    rest = b"" if nl < 0 else body[nl:]
    parts = line.split()
    if parts[0] != b"#!lua":
        raise CommandError("ERR Unexpected engine in script shebang: %s" % _text(parts[0]))
    flags: set[str] = set()
    for p in parts[1:]:
        if not p.startswith(b"flags="):
            raise CommandError("ERR Unknown lua shebang option: %s" % _text(p))
        for f in p[6:].split(b","):
            if not f:
                continue
            name = _text(f)
            if name not in SHEBANG_FLAGS:
                raise CommandError("ERR Unexpected flag in script shebang: %s" % name)
            flags.add(name)
    return rest, frozenset(flags)


def _text(b) -> str:
    if isinstance(b, str):
        return b
    return b.decode("utf-8", "replace")


def engine(server) -> ScriptEngine:
    """The server's script engine (created on first use)."""
    e = getattr(server, "scripting", None)
    if e is None:
        e = server.scripting = ScriptEngine(server)
    return e
