"""Lua scripting against a real redis-server: the same EVAL / EVALSHA /
SCRIPT sequences go to both servers, in RESP2 and in RESP3, and every reply
must be byte for byte equal — values, conversions both ways, and the exact
error texts (with their ``script: <sha>, on @user_script:<line>.``
suffix)."""

from __future__ import annotations

import pytest
from tests.support.resp import Raw


def _e(body: str, *rest: str) -> list[str]:
    """EVAL body with numkeys 0 (or the given numkeys, keys, args)."""
    return ["EVAL", body, *(rest or ("0",))]


CASES: dict[str, list[list[str]]] = {}

CASES["lua_to_reply"] = [
    _e("return 1"),
    _e("return 'x'"),
    _e("return 3.99"),
    _e("return -3.7"),
    _e("return 1e20"),
    _e("return true"),
    _e("return false"),
    _e("return nil"),
    _e("return {1,2,3,nil,4}"),
    _e("return {1,'a',{2,false},true}"),
    _e("return {ok='fine'}"),
    _e("return {err='bad'}"),
    _e("return {err='-bad'}"),
    _e("return {err=''}"),
    _e("return {ok=1}"),
    _e("return {err=1}"),
    _e("return {ok='a\\r\\nb'}"),
    _e("return {'a', 1.5, {ok='x'}, {err='E y'}}"),
    _e("return {{{{{1}}}}}"),
    _e("return {}"),
    _e("return 1, 2"),
    _e("return {double=3.5}"),
    _e("return {map={a=1}}"),
    _e("return {set={a=true}}"),
    _e("return {big_number='12345'}"),
    _e("return redis.status_reply('FINE')"),
    _e("return redis.error_reply('My err')"),
    _e("return redis.error_reply('oneword')"),
    _e("return redis.error_reply('-CODE the text')"),
    _e("return redis.error_reply('x\\r\\ny')"),
    _e("return redis.status_reply()"),
    _e("return redis.status_reply(1)"),
    _e("return redis.error_reply({})"),
    _e("return tostring(1e15)"),
    _e("return tostring(0.1)"),
]

CASES["reply_to_lua"] = [
    ["SET", "s", "str"],
    ["RPUSH", "l", "a", "b", "c"],
    ["HSET", "h", "f", "v"],
    _e("return type(redis.call('get','nokey'))"),
    _e("return redis.call('get','nokey')"),
    _e("return redis.call('ping')"),
    _e("local r = redis.call('ping'); return {type(r), r.ok}"),
    _e("return redis.call('type','l')"),
    _e("return redis.call('lrange','l',0,-1)"),
    _e("return #redis.call('lrange','l',0,-1)"),
    _e("return redis.call('hgetall','h')"),
    _e("return redis.call('incr','n')"),
    _e("return type(redis.call('incr','n'))"),
    _e("return redis.call('exists','s','l','nokey')"),
    _e("return redis.pcall('incr','s')"),
    _e("local t = redis.pcall('incr','s'); return {type(t), t.err}"),
    _e("local t = redis.pcall('nosuch'); return t.err"),
    _e("return redis.pcall('lpush','s','x')"),
    _e("redis.call('set','f',0.1); return redis.call('get','f')"),
    _e("redis.call('set','f',1e20); return redis.call('get','f')"),
    _e("redis.call('set','f',42); return redis.call('incrby','f',8)"),
    _e("return redis.pcall('incrby','f',1.5)"),
    _e("return redis.call('incrbyfloat','f','1.5')"),
    _e("return redis.call('lpop','nolist')"),
    _e("return type(redis.call('lpop','nolist'))"),
    _e("return redis.call('lpop','nolist', 2)"),
]

CASES["resp3_in_script"] = [
    ["HSET", "h", "f", "v"],
    ["SADD", "st", "m"],
    _e("redis.setresp(3); return redis.call('hgetall','h')"),
    _e("redis.setresp(3); local r = redis.call('hgetall','h'); return r.map.f"),
    _e("redis.setresp(3); return redis.call('smembers','st')"),
    _e("redis.setresp(3); local r = redis.call('smembers','st'); return tostring(r.set.m)"),
    _e("redis.setresp(3); return redis.call('get','nokey') == nil"),
    _e("redis.setresp(3); return true"),
    _e("redis.setresp(3); return false"),
    _e("redis.setresp(3); return redis.call('hgetall','nokey')"),
    _e("redis.setresp(2); return redis.call('hgetall','h')"),
    _e("return {verbatim_string={format='txt', string='a\\nb'}}"),
    _e("return {verbatim_string={format='mkd', string='# t'}}"),
    _e("redis.setresp(3); return redis.call('client', 'info') ~= nil"),
    _e("return redis.setresp(4)"),
    _e("return redis.setresp()"),
]

CASES["script_errors"] = [
    ["SET", "s", "str"],
    _e("return redis.call('nosuch')"),
    _e("return redis.call('get')"),
    _e("return redis.call('get',1,2,3)"),
    _e("return redis.call('incr','s')"),
    _e("return redis.call('lpush','s','x')"),
    _e("return redis.call('multi')"),
    _e("return redis.call('blpop','l',0)"),
    _e("return redis.call('eval','return 1','0')"),
    _e("return redis.call('subscribe','c')"),
    _e("return redis.call('config','nosuch')"),
    _e("return redis.call('config','get')"),
    _e("return redis.call('client','list')"),
    _e("return redis.call()"),
    _e("return redis.call({})"),
    _e("return redis.call('get', {})"),
    _e("return redis.call('get', nil)"),
    _e("return redis.pcall()"),
    _e("return redis.pcall({})"),
    _e("error('boom')"),
    _e("error({err='X boom'})"),
    _e("error(nil)"),
    _e("error(12)"),
    _e("error('a\\nb')"),
    _e("return nil + 1"),
    _e("local x = nil; return x.y"),
    _e("local a = 1\nlocal b = 2\nreturn redis.call('nosuch')"),
    _e("local function f()\n  return redis.call('nosuch')\nend\nreturn f()"),
    _e("local function f()\n  local x = redis.call('nosuch')\n  return x\nend\nlocal y = f()\nreturn y"),
    _e("local ok, e = pcall(redis.call, 'nosuch'); return {tostring(ok), e.err}"),
    _e("local ok, e = pcall(error, 'x'); return {tostring(ok), e}"),
    _e("return 1+"),
    _e("return redis.sha1hex()"),
    _e("return redis.log(9, 'hello')"),
    _e("return redis.log('a', 'hello')"),
    _e("return redis.log(1)"),
    _e("return redis.set_repl(9)"),
    _e("return redis.set_repl()"),
    ["EVAL", "return 1", "2", "a"],
    ["EVAL", "return 1", "-1"],
    ["EVAL", "return 1", "x"],
    ["EVAL", "return 1"],
    ["EVAL"],
    ["EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"],
    ["EVALSHA", "fff", "0"],
    ["EVALSHA", "fff", "x"],
    ["EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "x"],
    _e("local ok, e = pcall(error, {err='X y'}); return {tostring(ok), e}"),
    _e("local ok, e = pcall(error, {code=1}); return {tostring(ok), type(e)}"),
    _e("local ok, e = pcall(redis.call, 'incr', 's'); return {tostring(ok), e}"),
    _e("local ok, e = pcall(redis.call, 'set', 'x', 'y'); return {tostring(ok), e}"),
    ["EVAL_RO", "return redis.call('set','a','b')", "0"],
    ["EVAL_RO", "return redis.call('get','a')", "0"],
    ["EVAL_RO", "return redis.pcall('del','a')", "0"],
]

CASES["sandbox"] = [
    _e("a=1"),
    _e("return a"),
    _e("return loadstring"),
    _e("return os"),
    _e("return os.time()"),
    _e("return io"),
    _e("return print"),
    _e("return require"),
    _e("string.foo = 1"),
    _e("redis.call = nil"),
    _e("rawset(_G,'x',1)"),
    _e("_G.x = 1"),
    _e("local out = {} for _,n in ipairs({'print','dofile','loadfile','require','module','setfenv','getfenv',"
       "'debug','collectgarbage','newproxy','gcinfo','unpack','select','coroutine','io','os','package','load',"
       "'rawset','bit','cjson','math','string','table','_G','KEYS','ARGV','redis'}) do "
       "out[#out+1] = n .. '=' .. type(rawget(_G, n)) end return out"),
    _e("return type(loadstring)"),
    _e("return loadstring('return 7')()"),
    _e("local f = loadstring('x = 1'); return pcall(f)"),
    _e("return {string.format('%5.2f', 3.14159), string.rep('ab', 3), ('x'):upper(), table.concat({1,2,3}, ',')}"),
    _e("return {select('#', 1, 2, nil), unpack({4,5,6})}"),
    _e("local t = {3,1,2}; table.sort(t); return t"),
    _e("return {math.floor(3.7), math.max(1, 9, 4), math.huge > 0 and 1 or 0}"),
    _e("math.randomseed(7); return {math.random(100), math.random(1,6), tostring(math.random())}"),
    _e("math.randomseed(0); return {math.random(100), math.random(100)}"),
    _e("return {redis.REDIS_VERSION, redis.REDIS_VERSION_NUM}"),
    _e("return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}"),
    _e("return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL}"),
    _e("return redis.log(redis.LOG_WARNING, 'hello from a script', 1)"),
    _e("return redis.replicate_commands()"),
    _e("return redis.set_repl(redis.REPL_ALL)"),
    _e("return redis.sha1hex('')"),
    _e("return redis.sha1hex(12)"),
    _e("return redis.acl_check_cmd('get', 'k')"),
    _e("return redis.acl_check_cmd('nosuch')"),
]

CASES["libraries"] = [
    _e("return cjson.encode({1,2,{a=1}})"),
    _e("return cjson.encode({})"),
    _e("return cjson.encode('a/b\"c')"),
    _e("return cjson.encode({true, false, 1.5, -3})"),
    _e("return cjson.decode('[1,2,{\"a\":1}]')[3].a"),
    _e("return cjson.decode('{\"a\":[1,2,\"x\"]}').a"),
    _e("return cjson.decode('\"s\"')"),
    _e("return cjson.encode(cjson.decode('[-.5]'))"),
    _e("return cjson.encode(cjson.decode('[1e5-3]'))"),
    _e("return cjson.encode(cjson.decode('[0x10]'))"),
    _e("return cjson.encode(cjson.decode('[-0x1]'))"),
    _e("return cjson.encode(cjson.decode('[-inf]'))"),
    _e("return cjson.encode(cjson.decode('[1.5e]'))"),
    _e("return cjson.encode(cjson.decode('[01]'))"),
    _e("return cjson.encode(cjson.decode('[1E400]'))"),
    _e("return cjson.encode(cjson.decode('[2.5E+2]'))"),
    _e("return cjson.encode(cjson.decode('[1.]'))"),
    _e("return cjson.encode(cjson.decode('[-]'))"),
    _e("return cjson.encode(cjson.decode('[-nan]'))"),
    _e("return cjson.encode(cjson.decode('[1x]'))"),
    _e("return cjson.encode(cjson.decode('[1e5e]'))"),
    _e("return cjson.encode(cjson.decode('[9007199254740993]'))"),
    _e("return tostring(cjson.decode('[-.5]')[1])"),
    _e("return cjson.encode(cjson.decode('[+5, 0x1p3, 01]'))"),
    _e("return tostring(cjson.decode('[inf]')[1])"),
    _e("return tostring(cjson.decode('[-Infinity]')[1])"),
    _e("return tostring(cjson.decode('[+inf]')[1])"),
    _e("return tostring(cjson.decode('[nan(abc)]')[1] ~= cjson.decode('[nan(abc)]')[1])"),
    _e("return cjson.encode(cjson.decode('[inx]'))"),
    _e("return cjson.encode(cjson.decode('[+]'))"),
    _e("return cjson.encode({1, nil, 3})"),
    _e("return cjson.encode({[1]=1, [20]=2})"),
    _e("return cjson.encode({a={b={c='d'}}})"),
    _e("return cjson.encode(0.1)"),
    _e("return cjson.encode(1e20)"),
    _e("return cjson.encode(12345678901234)"),
    _e("return cjson.encode(-0.5)"),
    _e("return cjson.encode('\\1\\n\\t\\127é')"),
    _e("return cjson.encode(cjson.null)"),
    _e("return cjson.encode({x=cjson.null})"),
    _e("return cjson.encode(redis.call)"),
    _e("return cjson.encode(0/0)"),
    _e("return cjson.encode()"),
    _e("return cjson.decode('{')"),
    _e("return cjson.decode('[1,2')"),
    _e("return cjson.decode('')"),
    _e("return cjson.decode('nul')"),
    _e("return cjson.decode()"),
    _e("return cjson.decode('[1.5, -2, 1e3, true, false]')"),
    _e("return {cjson.decode('[null]')[1] == cjson.null}"),
    _e("return cjson.decode('\"\\\\u00e9\\\\n\"')"),
    _e("return cjson.decode('{\"a\":1}').a"),
    _e("return type(cjson.decode('{}'))"),
    _e("return {bit.band(7,3), bit.bor(1,2,4), bit.bxor(5,1), bit.bnot(0)}"),
    _e("return {bit.lshift(1,31), bit.rshift(-1,28), bit.arshift(-256,4), bit.tobit(4294967297)}"),
    _e("return {bit.tohex(255), bit.tohex(-1, 4), bit.rol(1, 33), bit.ror(1, 1)}"),
    _e("return {bit.tobit(1.5), bit.tobit(2.5), bit.tobit(-1.5), bit.tobit(2^40 + 3), bit.tobit(' 12 ')}"),
    _e("return {bit.band(' 0x10 ', 0x1f), bit.bswap(0x12345678), bit.tohex(1, -3), bit.tohex(65535, 2)}"),
    _e("return bit.band('x')"),
    _e("return bit.bor()"),
    _e("return bit.band(1, nil)"),
    _e("return bit.tohex(1, 'x')"),
    _e("return bit.lshift(1)"),
    _e("return {pcall(bit.bxor, {}, 1)}"),
    _e("return math.random(0)"),
    _e("return math.random(1, 2, 3)"),
    _e("return math.random('x')"),
    _e("return math.randomseed()"),
    _e("return string.dump(1)"),
    _e("return string.dump(redis.call)"),
    _e("return setmetatable(1)"),
    _e("return setmetatable({}, 1)"),
    _e("return pairs()"),
    _e("return tostring()"),
    _e("local k = next({}, 'nokey') return k"),
    _e("local v = rawget(1, 'x') return v"),
    _e("local m = getmetatable() return m"),
]

CASES["cmsgpack"] = [
    _e("return cmsgpack.pack(1, -1, 200, -200, 70000, -70000, 5000000000, -5000000000)"),
    _e("return cmsgpack.pack(1.5, 0.1, -2.25, 1e300)"),
    _e("return cmsgpack.pack('abc', string.rep('x', 40), string.rep('y', 300), true, false)"),
    _e("return cmsgpack.pack({1, 2, 3}, {a = 1}, {}, {1, nil, 3})"),
    _e("return cmsgpack.pack({{{{{{{{{{{{{{{{{{1}}}}}}}}}}}}}}}}}})"),
    _e("return {cmsgpack.unpack(cmsgpack.pack(1, 'two', {3, 4}))}"),
    _e("local t = cmsgpack.unpack(cmsgpack.pack({a = 'b'})); return t.a"),
    _e("return {cmsgpack.unpack_one(cmsgpack.pack(7, 8, 9))}"),
    _e("return {cmsgpack.unpack_one(cmsgpack.pack(7, 8, 9), 1)}"),
    _e("return {cmsgpack.unpack_limit(cmsgpack.pack(7, 8, 9), 2)}"),
    _e("return {cmsgpack.unpack_one(cmsgpack.pack(7), 0)}"),
    _e("return cmsgpack.unpack(cmsgpack.pack(-0.5))"),
    _e("return tostring(cmsgpack.unpack(cmsgpack.pack(0.1)))"),
]

CASES["struct"] = [
    _e("return struct.pack('>I2', 258)"),
    _e("return struct.pack('<i', -2)"),
    _e("return struct.pack('bBhHlL', -1, 255, -2, 65535, -3, 4)"),
    _e("return struct.pack('!4 b i', 1, 2)"),
    _e("return struct.pack('c0 s x c3', 'ab', 'cd', 'efg')"),
    _e("return struct.pack('>d f', 1.5, -0.25)"),
    _e("return {struct.unpack('>I2 b', struct.pack('>I2 b', 513, -5))}"),
    _e("return {struct.unpack('s c2', 'hello\\0xyz')}"),
    _e("return {struct.unpack('b c0', struct.pack('b c0', 3, 'abc'))}"),
    _e("return {struct.unpack('h', 'abcd', 3)}"),
    _e("return {struct.unpack('<d', struct.pack('<d', 0.1))}"),
    _e("return {struct.size('i'), struct.size('!8 b d'), struct.size('c5 h')}"),
    _e("return struct.pack('i', 'x')"),
    _e("return struct.pack('y', 1)"),
    _e("return struct.pack('i40', 1)"),
    _e("return struct.unpack('i', 'ab')"),
    _e("return struct.size('s')"),
    _e("return struct.pack('!3 i', 1)"),
    _e("return {pcall(struct.unpack, 'i', 'ab')}"),
]

CASES["keys_args_select"] = [
    _e("return {KEYS[1],KEYS[2],ARGV[1],ARGV[2]}", "2", "k1", "k2", "a1", "a2"),
    _e("return {#KEYS, #ARGV}", "1", "k", "a", "b"),
    _e("return {#KEYS, #ARGV}"),
    _e("redis.call('select', 1); redis.call('set','k','in1'); return redis.call('get','k')"),
    ["GET", "k"],
    _e("return redis.call('get','k')"),
    ["SELECT", "1"],
    ["GET", "k"],
    _e("return redis.call('get','k')"),
    ["SELECT", "0"],
    _e("return redis.call('set', KEYS[1], ARGV[1])", "1", "key", "val"),
    ["GET", "key"],
    ["MULTI"],
    _e("return redis.call('incr','ctr')"),
    _e("return redis.call('incr','ctr')"),
    ["EXEC"],
]

CASES["cache"] = [
    ["SCRIPT", "LOAD", "return 'loaded'"],
    ["EVALSHA", "c8ac8a8bc6e2f1bb51c1f1eb1a6dbbf8dbe7b1a6", "0"],
    ["SCRIPT", "EXISTS", "c8ac8a8bc6e2f1bb51c1f1eb1a6dbbf8dbe7b1a6"],
    _e("return 'viaeval'"),
    ["SCRIPT", "LOAD", "return 'viaeval'"],
    ["SCRIPT", "LOAD", "return 1+"],
    ["SCRIPT", "LOAD", "return KEYS[1]"],
    ["EVALSHA", "4e6d8fc8bb01276962cce5371fa795a7763657ae", "1", "kk"],
    ["EVALSHA", "4E6D8FC8BB01276962CCE5371FA795A7763657AE", "1", "kk"],
    ["EVALSHA_RO", "4e6d8fc8bb01276962cce5371fa795a7763657ae", "1", "kk"],
    ["SCRIPT", "EXISTS", "4e6d8fc8bb01276962cce5371fa795a7763657ae", "4E6D8FC8BB01276962CCE5371FA795A7763657AE", "nope"],
    ["SCRIPT", "FLUSH"],
    ["SCRIPT", "EXISTS", "4e6d8fc8bb01276962cce5371fa795a7763657ae"],
    ["EVALSHA", "4e6d8fc8bb01276962cce5371fa795a7763657ae", "1", "kk"],
    ["SCRIPT", "FLUSH", "ASYNC"],
    ["SCRIPT", "FLUSH", "sync"],
    ["SCRIPT", "FLUSH", "foo"],
    ["SCRIPT", "FLUSH", "sync", "async"],
    ["SCRIPT", "KILL"],
    ["SCRIPT", "HELP"],
    ["SCRIPT"],
    ["SCRIPT", "FOO"],
    ["SCRIPT", "EXISTS"],
    ["SCRIPT", "LOAD"],
    ["SCRIPT", "KILL", "x"],
    ["COMMAND", "GETKEYS", "EVAL", "return 1", "2", "a", "b", "c"],
    ["COMMAND", "GETKEYS", "EVALSHA_RO", "abc", "1", "a"],
    ["COMMAND", "GETKEYS", "EVAL", "return 1", "0"],
    ["COMMAND", "GETKEYS", "EVAL", "return 1", "3", "a"],
]

CASES["numbers_and_binary"] = [
    _e("return redis.call('incrby', 'big', '9007199254740993')"),
    _e("redis.call('set', 'p', 2^53); return redis.call('get', 'p')"),
    _e("redis.call('set', 'p', -0.5); return redis.call('get', 'p')"),
    _e("redis.call('set', 'p', 1/3); return redis.call('get', 'p')"),
    _e("return 2^63"),
    _e("return -2^63"),
    _e("return 0/0"),
    _e("return -0.0"),
    _e("return {ARGV[1], #ARGV[1]}", "0", "a\x00b"),
    _e("return string.char(0, 255, 10)"),
    _e("return redis.call('set', 'bin', string.char(0, 1, 2))"),
    _e("return redis.call('strlen', 'bin')"),
    _e("return tonumber('0x10')"),
    _e("return tonumber(ARGV[1]) + 1", "0", "41"),
]

CASES["sort_in_script"] = [
    ["SADD", "s", "c", "a", "b", "d", "10", "9"],
    # SORT BY nosort of a set is sorted (ALPHA) inside a script, as Redis
    # does for determinism (CLIENT_SCRIPT)
    _e("return redis.call('sort', KEYS[1], 'BY', 'nosort')", "1", "s"),
    _e("return redis.call('sort_ro', KEYS[1], 'BY', 'nosort', 'LIMIT', '0', '3')", "1", "s"),
]

CASES["shebang"] = [
    _e("#!lua flags=no-writes\nreturn redis.call('set','a','b')"),
    _e("#!lua flags=no-writes\nreturn redis.call('get','a')"),
    _e("#!lua\nreturn redis.call('set','a','b')"),
    _e("#!lua\nerror('x')"),
    _e("#!lua flags=foo\nreturn 1"),
    _e("#!py\nreturn 1"),
    _e("#!lua name=x\nreturn 1"),
    _e("#!lua flags=no-writes,allow-stale\nreturn 2"),
]


def _run(port: int, case: list[list[str]], resp3: bool) -> list[bytes]:
    conn = Raw(port)
    try:
        conn([b"FLUSHALL"])
        conn([b"SCRIPT", b"FLUSH"])
        if resp3:
            conn([b"HELLO", b"3"])
        return [conn([a.encode() for a in cmd]) for cmd in case]
    finally:
        conn.close()


@pytest.mark.parametrize("resp3", [False, True], ids=["resp2", "resp3"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_scripts_match_redis(radish_server, redis_server, name, resp3):
    case = CASES[name]
    ours = _run(radish_server.port, case, resp3)
    ref = _run(redis_server.port, case, resp3)
    mismatches = [(cmd, a, b) for cmd, a, b in zip(case, ours, ref, strict=True) if a != b]
    assert not mismatches, mismatches[:5]


ERROR_SCRIPTS = [
    "return redis.call('incr','s')",
    "return redis.pcall('incr','s')",
    "local x = redis.pcall('incr','s') return 1",
    "error('x')",
    "return {err='MY x'}",
    "return {1, {err='NESTED y'}}",
    "return redis.call('nosuch')",
    "return redis.call('multi')",
    "return redis.call()",
    "local ok = pcall(redis.call, 'nosuch') return 1",
    "return redis.error_reply('CODE z')",
]


def _stats(port: int) -> tuple[bytes, list[tuple[str, str, str]]]:
    conn = Raw(port)
    try:
        conn([b"FLUSHALL"])
        conn([b"SET", b"s", b"str"])
        conn([b"CONFIG", b"RESETSTAT"])
        for body in ERROR_SCRIPTS:
            conn([b"EVAL", body.encode(), b"0"])
        errorstats = conn([b"INFO", b"errorstats"])
        commandstats = conn([b"INFO", b"commandstats"]).decode()
    finally:
        conn.close()
    counts = []
    for line in commandstats.split("\r\n"):
        if line.startswith(("cmdstat_eval:", "cmdstat_incr:", "cmdstat_multi:")):
            fields = dict(f.split("=") for f in line.split(":", 1)[1].split(","))
            counts.append((line.split(":")[0], fields["calls"], fields["rejected_calls"] + "/" + fields["failed_calls"]))
    return errorstats, sorted(counts)


def test_script_errors_are_counted_once_like_redis(radish_server, redis_server):
    """INFO errorstats and the failed/rejected call counters after scripts
    that fail in every way: an error a command returned is counted once
    (when the command failed), not again when it ends the script."""
    assert _stats(radish_server.port) == _stats(redis_server.port)
