"""The Lua sandbox against a real redis-server: every escape attempt below
(attribute walks on every name a script sees and on every kind of value a
script gets back, metatable tricks, bytecode, the globals Redis does not
expose) goes to both servers and must get the same reply byte for byte:
Redis's own Lua error, never a Python object.

A hypothesis test then builds random attribute chains on those names and
values and sends each to both servers."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support.resp import Raw

# The shell-out the sandbox once allowed: on Redis it fails indexing a function.
POPEN_ESCAPE = """
local object = cjson.encode.__class__.__mro__[1]
local subs = object.__subclasses__()
local popen, i = nil, 0
while true do
  local ok, c = pcall(function() return subs[i] end)
  if not ok or c == nil then break end
  if tostring(c) == "<class 'subprocess.Popen'>" then popen = c break end
  i = i + 1
end
local p = popen('id', -1, nil, nil, -1)
local out = p.stdout.read(); p.wait(); return out
"""

# Every function a script can reach, by the expression that reaches it.
FUNCTIONS = [
    "redis.call", "redis.pcall", "redis.log", "redis.sha1hex", "redis.setresp", "redis.set_repl",
    "redis.acl_check_cmd", "redis.error_reply", "redis.status_reply", "redis.breakpoint",
    "redis.debug", "redis.replicate_commands",
    "cjson.encode", "cjson.decode",
    "cmsgpack.pack", "cmsgpack.unpack", "cmsgpack.unpack_one", "cmsgpack.unpack_limit",
    "struct.pack", "struct.unpack", "struct.size",
    "bit.tobit", "bit.band", "bit.bor", "bit.tohex", "bit.bswap",
    "math.random", "math.randomseed", "math.floor", "string.format", "string.rep", "string.dump",
    "table.concat", "coroutine.create", "coroutine.resume", "coroutine.wrap",
    "pcall", "xpcall", "error", "tostring", "tonumber", "type", "pairs", "ipairs", "next",
    "rawget", "rawset", "rawequal", "getmetatable", "setmetatable", "loadstring", "load",
    "select", "unpack", "assert", "collectgarbage", "gcinfo", "__redis__err__handler",
]

# Values a script gets back from the libraries, by the expression that makes them.
VALUES = [
    "redis.call('ping')",
    "redis.call('get', 'k')",
    "redis.call('lrange', 'l', 0, -1)",
    "redis.call('hgetall', 'h')",
    "redis.pcall('nosuch')",
    "redis.pcall('incr', 'l')",
    "select(2, pcall(redis.call, 'nosuch'))",
    "select(2, pcall(redis.call, 'incr', 'l'))",
    "select(2, pcall(error, 'x'))",
    "select(2, pcall(cjson.encode, function() end))",
    "select(2, pcall(cjson.decode, '{'))",
    "select(2, pcall(struct.pack, 'q'))",
    "select(2, pcall(bit.band, 'x'))",
    "select(2, coroutine.resume(coroutine.create(function() redis.call('nosuch') end)))",
    "select(2, coroutine.resume(coroutine.create(function() cjson.decode('[') end)))",
    "cjson.decode('{\"a\":[1,2,{\"b\":null}]}')",
    "cjson.null",
    "cmsgpack.unpack(cmsgpack.pack({1, 2, {a = 3}}))",
    "struct.unpack('>i2', 'ab')",
    "redis.error_reply('E x')",
    "redis.status_reply('S')",
    "_G",
    "KEYS",
    "ARGV",
    "string",
    "getmetatable('')",
    "getmetatable(_G)",
    "coroutine.create(function() end)",
]

ATTRIBUTES = [
    "__class__", "__globals__", "__self__", "__dict__", "__call__", "__init__", "__subclasses__",
    "__mro__", "__bases__", "__code__", "__closure__", "__module__", "__builtins__", "__func__",
    "__getattribute__", "__reduce__", "func_globals", "gi_frame", "f_globals", "server", "stdout",
    "__index", "__newindex", "__metatable", "err", "ok", "python",
]

CASES: list[str] = [POPEN_ESCAPE]
CASES += ["return %s.%s" % (f, a) for f in FUNCTIONS for a in ("__class__", "__self__", "__globals__")]
CASES += ["return type(%s)" % f for f in FUNCTIONS]
CASES += ["return tostring(getmetatable(%s))" % f for f in FUNCTIONS]
CASES += ["return string.dump(%s)" % f for f in FUNCTIONS[:30]]
CASES += ["local v = %s return type(v), type(v.__class__)" % v for v in VALUES]
CASES += ["local v = %s return v.__class__.__mro__" % v for v in VALUES]
CASES += ["local v = %s return type(getmetatable(v))" % v for v in VALUES]
CASES += [
    # globals Redis does not expose
    *("return type(%s)" % g for g in (
        "getfenv", "setfenv", "newproxy", "debug", "module", "print", "require", "io", "os",
        "package", "dofile", "loadfile", "python", "_ENV", "jit", "bit32", "utf8")),
    "return rawget(_G, 'python')",
    "return rawget(_G, 'debug')",
    "return rawget(_G, 'getfenv')",
    # the read-only globals and libraries
    "x = 1",
    "_G.x = 1",
    "rawset(_G, 'x', 1)",
    "redis = nil",
    "redis.call = nil",
    "string.rep = nil",
    "rawset(string, 'rep', nil)",
    "rawset(redis, 'call', print)",
    "cjson.null = 1",
    "setmetatable(_G, nil)",
    "setmetatable(string, {})",
    "getmetatable(_G).__index = nil",
    "getmetatable('').__index = {}",
    "getmetatable('').__index.rep = nil",
    "getmetatable('').x = 1",
    "return tostring(getmetatable('').__index == string)",
    "return tostring(getmetatable(string))",
    "return tostring(getmetatable(redis))",
    "return type(getmetatable(_G))",
    "local t = {} for k, v in pairs(getmetatable(_G)) do t[#t + 1] = k .. '=' .. type(v) end return t",
    "local v = getmetatable(_G).__index() return v",
    "local v = getmetatable(_G).__index(1, {}) return v",
    "local v = getmetatable(_G).__index(1, 5) return v",
    "return tostring(rawequal(_G, _G._G))",
    "local t = {} for k in pairs(_G) do t[#t + 1] = k end table.sort(t) return t",
    "local t = {} for k in pairs(redis) do t[#t + 1] = k end table.sort(t) return t",
    "local t = {} for k in pairs(string) do t[#t + 1] = k end table.sort(t) return t",
    "local t = {} for k in pairs(struct) do t[#t + 1] = k end table.sort(t) return t",
    "local t = {} for k in pairs(cmsgpack) do t[#t + 1] = k end table.sort(t) return t",
    "local t = {} for k in pairs(bit) do t[#t + 1] = k end table.sort(t) return t",
    "local t = {} for k in pairs(math) do t[#t + 1] = k end table.sort(t) return t",
    "local t = {} for k in pairs(coroutine) do t[#t + 1] = k end table.sort(t) return t",
    "local n = 0 for k in next, _G do n = n + 1 end return n",
    # bytecode and chunks
    "return loadstring(string.dump(function() return 1 end))",
    "return select(2, loadstring(string.dump(function() return 1 end)))",
    "return select(2, loadstring(string.dump(function() return 1 end), '=x'))",
    "return select(2, loadstring('\\27Lua'))",
    "\x1bLuaQ\x00",
    "return loadstring('return 1 + 1')()",
    "return select(2, loadstring('return +'))",
    "local f = loadstring('return type(redis)') return f()",
    "local f = loadstring('x = 1') return pcall(f)",
    "return load(function() return nil end)",
    # metatable tricks
    "local t = setmetatable({}, {__index = function(t, k) return k end}) return t.abc",
    "local t = setmetatable({}, {__index = redis}) return type(t.call)",
    "local t = setmetatable({}, {__call = redis.call}) return t('ping')",
    "local t = setmetatable({}, {__index = function() return redis.call end}) return t.x.__class__",
    "return getmetatable('').__index.__class__",
    "return ('x').__class__",
    "return ('x'):rep(3)",
    # error objects and pcall/xpcall/coroutines
    "return {pcall(redis.call, 'nosuch')}",
    "return {xpcall(function() redis.call('nosuch') end, function(e) return type(e) end)}",
    "return {xpcall(function() cjson.encode(print) end, function(e) return e end)}",
    "return {xpcall(function() bit.band({}) end, function(e) return e end)}",
    "return {coroutine.resume(coroutine.create(function() redis.call('nosuch') end))}",
    "local co = coroutine.wrap(function() return redis.call('ping') end) return co()",
    "local co = coroutine.wrap(function() redis.call('nosuch') end) return co()",
    "return {pcall(coroutine.wrap(function() error('x') end))}",
    "return {pcall(error, cjson.null)}",
    "return {pcall(error)}",
    "return {pcall(error, {err = 'E custom'})}",
    "error(cjson.null)",
    # the rest of Lua's standard library Redis leaves out or limits
    "return type(collectgarbage('count'))",
    "return type(gcinfo())",
    "return string.format('%q', 'a\\0b')",
    "return {string.find('abc', 'b', 1, true)}",
    "return _VERSION",
    "return math.huge",
    "return tostring(math.pi)",
]


def _run(port: int, bodies: list[str]) -> list[bytes]:
    conn = Raw(port)
    try:
        conn([b"FLUSHALL"])
        conn([b"SCRIPT", b"FLUSH"])
        conn([b"SET", b"k", b"v"])
        conn([b"RPUSH", b"l", b"a", b"b"])
        conn([b"HSET", b"h", b"f", b"x"])
        return [conn([b"EVAL", body.encode(), b"0"]) for body in bodies]
    finally:
        conn.close()


def test_escape_attempts_fail_as_on_redis(radish_server, redis_server):
    ours = _run(radish_server.port, CASES)
    ref = _run(redis_server.port, CASES)
    mismatches = [(body, a, b) for body, a, b in zip(CASES, ours, ref, strict=True) if a != b]
    assert not mismatches, mismatches[:5]
    # and the shell-out in particular is refused with Redis's error
    assert ours[0].startswith(b"-ERR user_script:2: attempt to index field 'encode' (a function value)")


def test_popen_escape_is_refused(radish_server):
    reply = _run(radish_server.port, [POPEN_ESCAPE])[0]
    assert reply.startswith(b"-ERR user_script:2: attempt to index field 'encode' (a function value)")
    assert b"uid=" not in reply


_bases = st.sampled_from(FUNCTIONS + ["(%s)" % v for v in VALUES])
_chain = st.lists(st.sampled_from(ATTRIBUTES) | st.from_regex(r"\A[a-z_][a-z0-9_]{0,8}\Z"), min_size=1, max_size=4)
_step = st.sampled_from(["%s.%s", "%s['%s']", "getmetatable(%s).%s", "%s.%s()", "rawget(%s, '%s')"])


@st.composite
def _scripts(draw) -> str:
    expr = draw(_bases)
    for attr in draw(_chain):
        expr = draw(_step) % (expr, attr)
    return "return type(%s)" % expr


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bodies=st.lists(_scripts(), min_size=1, max_size=5))
def test_random_attribute_chains_match_redis(radish_server, redis_server, bodies):
    """Random attribute chains (x.__class__, x.__globals__, x.__self__ …)
    on every exposed name and returned value: the same Lua value or Lua
    error as on Redis, never anything of Python."""
    ours = _run(radish_server.port, bodies)
    ref = _run(redis_server.port, bodies)
    assert ours == ref
    for reply in ours:  # (equal to Redis's already; and nothing of Python's own texts)
        assert b"<class" not in reply and b"lupa" not in reply.lower() and b"Traceback" not in reply
