"""The script engine behind EVAL and FCALL: the script cache, the function
libraries (loading, replacing, restoring), running a script or a function
for a client, the redis library's Python side (``redis.call`` …),
conversions between Redis replies and Lua values, busy scripts (one run at
a time, SCRIPT KILL / FUNCTION KILL); modelled on Redis 7.0's eval.c,
functions.c, script.c and script_lua.c. EVAL scripts and function
libraries live in two interpreters, as in Redis. The interpreter and everything a script can
see are the sandbox's (sandbox.py).

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
import time

from .. import REDIS_VERSION
from .. import errors as E
from ..commands.acl import check_command as check_acl
from ..commands.acl_users import ACL_OK, CTX_LUA
from ..dispatch import call, encode_result, find_command, lookup_command
from ..errors import CommandError
from ..protocol.resp import BigNumber, ErrorReply, MapReply, SetReply, SimpleString, Verbatim
from .functions import (
    ENGINE,
    LOAD_TIMEOUT_MS,
    NAME_RULE,
    FunctionInfo,
    Library,
    LibraryCtx,
    dump_payload,
    parse_metadata,
    payload_codes,
    verify_name,
)
from .sandbox import Sandbox
from .values import LLONG_MIN, LuaRaise, lua_number_bytes, lua_tostring, text

MAX_REPLY_DEPTH = 200  # Lua tables nested deeper answer "reached lua stack limit"


def _rand48_next(state: int) -> int:
    return (state * 0x5DEECE66D + 0xB) & 0xFFFFFFFFFFFF


def _srand48(seed: int) -> int:
    seed &= 0xFFFFFFFF
    return 0x330E | ((seed & 0xFFFF) << 16) | ((seed >> 16) << 32)




def _to_llong(v) -> int:
    """Lua number -> reply integer: truncated, as C's (long long) cast (out
    of range and NaN give LLONG_MIN on x86-64, as redis-server answers)."""
    if type(v) is int:
        return v if -(1 << 63) <= v < (1 << 63) else LLONG_MIN
    if v != v or math.isinf(v):
        return LLONG_MIN
    i = int(v)
    return i if -(1 << 63) <= i < (1 << 63) else LLONG_MIN



def _counted(e: CommandError, counted: bool) -> CommandError:
    e.counted = counted
    return e


def _one_line(b: bytes) -> bytes:
    return b.replace(b"\r", b" ").replace(b"\n", b" ")




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
        self.allow_oom = False  # the running script declared allow-oom
        self.kill_requested = False
        self.sha = b""
        self.is_eval = True  # the running script is an EVAL (else a function)
        self.funcname = b""  # the running function (FUNCTION STATS)
        self.caller_args: list[bytes] = []
        self.load_start = 0.0
        self.load_timeout = 0.0
        self.nested_error = False  # the last reply held an error (the call counts as failed)
        # redisLrand48's static initial state (X0, X1, X2): a fresh
        # redis-server's first math.random(100) is 40, as here.
        self.rand_state = 0x1234ABCD330E
        self.client = server.internal_client()
        self.client.no_block = True
        self.client.in_script = True  # Redis's CLIENT_SCRIPT
        self.caller = None
        self.keys: list[bytes] = []
        self.libs = LibraryCtx()  # FUNCTION libraries
        self._fsandbox: Sandbox | None = None  # their interpreter, started by the first FUNCTION LOAD
        self._new()

    # -- interpreter ------------------------------------------------------------

    def _api(self) -> dict:
        return {
            "call": self._redis_call,
            "pcall": self._redis_pcall,
            "sha1hex": self._sha1hex,
            "log": self._log,
            "setresp": self._setresp,
            "set_repl": self._set_repl,
            "acl_check": self._acl_check,
            "rand": self._rand,
            "srand": self._srand,
            "tick": self._tick,
        }

    def _new(self) -> None:
        sb = Sandbox(self._api(), REDIS_VERSION)
        self.sandbox = sb
        self.active = sb  # the interpreter of the running script (replies become its values)
        self.lua_type = sb.type

    @property
    def fsandbox(self) -> Sandbox:
        """The interpreter of function libraries: separate from EVAL's, as
        in Redis 7.0, and never reset by SCRIPT FLUSH."""
        if self._fsandbox is None:
            api = self._api()
            api["load_tick"] = self._load_tick
            self._fsandbox = Sandbox(api, REDIS_VERSION, "function")
        return self._fsandbox

    def _make_table(self, kind: bytes, value):
        return self.active.make_table(kind, value)

    def flush(self) -> None:
        """SCRIPT FLUSH: forget every script and start a fresh interpreter."""
        self.sandbox.close()
        self.scripts.clear()
        self.functions.clear()
        self.scripts_memory = 0
        self._new()

    def eval_memory(self) -> int:
        return self.sandbox.memory()

    def functions_vm_memory(self) -> int:
        """used_memory_vm_functions: the function interpreter's bytes (none
        before the first FUNCTION LOAD starts it)."""
        return self._fsandbox.memory() if self._fsandbox is not None else 0

    # -- cache ---------------------------------------------------------------------

    def load(self, body: bytes) -> bytes:
        """Compile ``body`` into the cache (SCRIPT LOAD, EVAL); its sha.
        Raises CommandError on a compile error or a bad shebang."""
        sha = hashlib.sha1(body).hexdigest().encode()
        if sha in self.functions:
            return sha
        source, _flags = _parse_shebang(body)
        f, err = self.sandbox.compile(source, b"@user_script")
        if f is None:
            raise CommandError(E.SCRIPT_COMPILE % text(err))
        self.scripts[sha] = body
        self.functions[sha] = f
        self.scripts_memory += len(body)
        return sha

    # -- running --------------------------------------------------------------------

    def run(self, c, sha: bytes, keys: list[bytes], argv: list[bytes], readonly: bool):
        """Run cached script ``sha`` for client ``c``; the reply value.
        Raises CommandError with Redis's text when the script fails."""
        _source, flags = _parse_shebang(self.scripts[sha])
        # SCRIPT_ALLOW_OOM: only a script with a shebang can declare allow-oom.
        self.allow_oom = flags is not None and "allow-oom" in flags
        if flags is not None:  # scriptPrepareForRun's rule for scripts with a shebang
            if "no-writes" in flags:
                readonly = True
            elif readonly:
                raise CommandError(E.SCRIPT_WRITE_FLAG_RO)
        sb = self.sandbox
        f = self.functions[sha]
        self.keys = keys  # what CLIENT TRACKING remembers when the script reads
        return self._execute(c, sb, lambda: sb.run(f, keys, argv), sha, readonly, True)

    def run_function(self, c, fi: FunctionInfo, keys: list[bytes], argv: list[bytes], readonly: bool, args: list[bytes]):
        """FCALL / FCALL_RO of function ``fi`` for client ``c`` (its
        command ``args``, for FUNCTION STATS); the reply value. Raises
        CommandError (scriptPrepareForRun's refusals, the function's error)."""
        self.allow_oom = b"allow-oom" in fi.flags
        if b"no-writes" not in fi.flags:
            if readonly:
                raise CommandError(E.SCRIPT_WRITE_FLAG_RO)
        else:
            readonly = True
        sb = self.fsandbox
        self.caller_args = args
        self.keys = keys
        try:
            return self._execute(c, sb, lambda: sb.call_function(fi.fid, keys, argv), fi.name, readonly, False)
        finally:
            self.caller_args = []

    def _execute(self, c, sb: Sandbox, go, name: bytes, readonly: bool, is_eval: bool):
        """The run of a script or function (scriptPrepareForRun, the call,
        scriptResetRun); ``name`` names it in errors."""
        sc = self.client
        sc.db = c.db
        sc.user = c.user  # the script runs with its caller's permissions
        sc.resp3 = False
        sc.multi_queue = None
        self.caller = c
        self.readonly = readonly
        self.repl = 3
        self.nested_error = False  # the reply holds an error (the call counts as failed)
        self.start = time.monotonic()
        self.dirty_at_start = self.server.dirty
        self.kill_requested = False
        self.sha = name
        self.funcname = name
        self.is_eval = is_eval
        self.active = sb
        self.running = True
        try:
            ok, result = go()
            if not ok:
                msg, source, line, counted = sb.err_info(result)
                if msg is None:
                    msg = b""
                elif not isinstance(msg, bytes):
                    msg = str(msg).encode()
                if source is not None and line is not None:
                    msg += b" script: %s, on %s:%s." % (name, source, line)
                raise _counted(CommandError(text(msg)), counted)
            reply = self._to_reply(result, 0)
        finally:
            self.running = False
            self.caller = None
            self.active = self.sandbox
            self.server.busy_script = False
        if type(reply) is ErrorReply:
            counted = self.lua_type(result) == "table" and sb.rawget(result, b"ignore_error_stats_update") is True
            raise _counted(CommandError(text(reply.message)), counted)
        return reply

    def shebang_flags(self, body: bytes | None = None, sha: bytes | None = None) -> frozenset | None:
        """The ``#!lua flags=`` of a script (its body, or a cached script's
        sha); None without a shebang, for a bad one, or an unknown sha."""
        if body is None:
            body = self.scripts.get(sha or b"")
            if body is None:
                return None
        try:
            return _parse_shebang(body)[1]
        except CommandError:
            return None

    # -- function libraries --------------------------------------------------------------

    def _create_library(self, code: bytes, replace: bool, ctx: LibraryCtx, timeout_ms: int) -> bytes:
        """functionsCreateWithLibraryCtx: compile ``code`` and link its
        library into ``ctx``; its name. Raises CommandError."""
        engine, name, source = parse_metadata(code)
        if not verify_name(name):
            raise CommandError("ERR " + NAME_RULE)
        if engine.upper() != ENGINE:
            raise CommandError("ERR Engine '%s' not found" % text(engine))
        old = ctx.libraries.get(name)
        if old is not None and not replace:
            raise CommandError("ERR Library '%s' already exists" % text(name))
        sb = self.fsandbox
        self.load_start = time.monotonic()
        self.load_timeout = timeout_ms / 1000.0
        prev, self.active = self.active, sb  # errors of redis.log are the function sandbox's tables
        try:
            ok, result = sb.load_library(source)
        finally:
            self.active = prev
        if not ok:
            raise CommandError(text(result))
        lib = Library(name, code)
        for fname, desc, flags, fid in result:
            lib.functions[fname] = FunctionInfo(fname, desc, frozenset(flags), fid, lib)
        try:
            if not lib.functions:
                raise CommandError("ERR No functions registered")
            for fname in lib.functions:
                other = ctx.functions.get(fname.lower())
                if other is not None and other.library is not old:
                    raise CommandError("ERR Function %s already exists" % text(fname))
        except CommandError:
            self._release(lib)
            raise
        if old is not None:
            ctx.unlink(old)
            self._release(old)
        ctx.link(lib)
        return name

    def _release(self, lib: Library) -> None:
        sb = self._fsandbox
        if sb is not None:
            for fi in lib.functions.values():
                sb.release_function(fi.fid)

    def _release_all(self, ctx: LibraryCtx) -> None:
        for lib in ctx.libraries.values():
            self._release(lib)

    def function_load(self, code: bytes, replace: bool, timeout: bool = True) -> bytes:
        """FUNCTION LOAD; the library's name (``timeout``: the 500 ms limit
        on running the library code, off for the primary's stream)."""
        return self._create_library(code, replace, self.libs, LOAD_TIMEOUT_MS if timeout else 0)

    def function_delete(self, name: bytes) -> None:
        lib = self.libs.libraries.get(name)
        if lib is None:
            raise CommandError("ERR Library not found")
        self.libs.unlink(lib)
        self._release(lib)

    def function_flush(self) -> None:
        self._release_all(self.libs)
        self.libs = LibraryCtx()

    def function_dump(self) -> bytes:
        return dump_payload(self.libs.libraries.values(), bool(self.server.config.rdbcompression))

    def function_payload_codes(self, payload: bytes) -> list[bytes]:
        """The library codes of a FUNCTION RESTORE payload (CommandError
        with Redis's text when it is not one)."""
        return payload_codes(payload)

    def function_codes(self) -> list[bytes]:
        """Every library's code (RDB, AOF rewrite)."""
        return [lib.code for lib in self.libs.libraries.values()]

    def function_restore(self, codes: list[bytes], policy: str) -> None:
        """FUNCTION RESTORE (and loading a snapshot): the libraries of
        ``codes`` loaded into a new set, then put in place of the current
        one (``flush``), or joined to it (``append``: a name collision fails
        it, ``replace``: a library of the same name is replaced). All or
        nothing; raises CommandError."""
        new = LibraryCtx()
        try:
            for code in codes:
                self._create_library(code, False, new, 0)
            if policy == "flush":
                self._release_all(self.libs)
                self.libs = new
                return
            self._join(new, policy == "replace")
        except CommandError:
            self._release_all(new)
            raise

    def _join(self, src: LibraryCtx, replace: bool) -> None:
        """libraryJoin: link every library of ``src`` into the current set."""
        dst = self.libs
        replaced: list[Library] = []
        for name in src.libraries:
            old = dst.libraries.get(name)
            if old is not None:
                if not replace:
                    self._relink(replaced)
                    raise CommandError("ERR Library %s already exists" % text(name))
                dst.unlink(old)
                replaced.append(old)
        for key, fi in src.functions.items():
            if key in dst.functions:
                self._relink(replaced)
                raise CommandError("ERR Function %s already exists" % text(fi.name))
        for lib in src.libraries.values():
            dst.link(lib)
        for old in replaced:
            self._release(old)

    def _relink(self, libs: list[Library]) -> None:
        for lib in libs:
            self.libs.link(lib)

    def _load_tick(self) -> bool:
        """The FUNCTION LOAD hook: True once the library code ran too long."""
        return bool(self.load_timeout) and time.monotonic() - self.load_start > self.load_timeout

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
        raw = self.active.rawget  # luaReplyToRedisReply reads fields raw: no metamethod runs
        e = raw(v, b"err")
        if type(e) is bytes:
            if depth:
                self.nested_error = True
                if raw(v, b"ignore_error_stats_update") is not True:
                    self.server.stats.count_error(text(e))
            return ErrorReply(_one_line(e))
        ok = raw(v, b"ok")
        if type(ok) is bytes:
            return SimpleString(_one_line(ok))
        d = raw(v, b"double")
        if type(d) in (int, float) and type(d) is not bool:
            return float(d)
        big = raw(v, b"big_number")
        if type(big) is bytes:
            return BigNumber(_one_line(big))
        vs = raw(v, b"verbatim_string")
        if vs is not None and self.lua_type(vs) == "table":
            fmt, s = raw(vs, b"format"), raw(vs, b"string")
            if type(fmt) is bytes and type(s) is bytes:
                v = Verbatim(s)
                if fmt[:3] != b"txt":
                    v.fmt = fmt[:3].ljust(3)
                return v
        mp = raw(v, b"map")
        if mp is not None and self.lua_type(mp) == "table":
            return MapReply([(self._to_reply(k, depth + 1), self._to_reply(x, depth + 1)) for k, x in mp.items()])
        st = raw(v, b"set")
        if st is not None and self.lua_type(st) == "table":
            return SetReply([self._to_reply(k, depth + 1) for k in st.keys()])
        out = []
        j = 1
        while True:
            x = raw(v, j)
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
        lua = self.active
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
                argv.append(lua_number_bytes(a))
            else:
                return False, self._error(b"ERR Lua redis lib command arguments must be strings or integers")
        spec = lookup_command(argv)
        err = self._check(spec, argv)
        if err is not None:
            # Counted now, as Redis's scriptCall does (a rejected call).
            self.server.stats.count_error(text(err))
            if not isinstance(spec, str):
                spec.rejected_calls += 1
            return False, self._error(err, True)
        assert not isinstance(spec, str)  # _check refuses every lookup error
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

    def _check(self, spec, argv: list[bytes]) -> bytes | None:
        """Why a script may not run this command (scriptCall's checks), or None."""
        if type(spec) is str:
            if spec.startswith("ERR wrong number"):
                return E.SCRIPT_CALL_ARITY.encode()
            return E.SCRIPT_CALL_UNKNOWN.encode()
        if spec.noscript and not self.client.server.script_disable_deny_script:
            return E.SCRIPT_CALL_DENIED.encode()
        if not spec.stale and self.client.server.stale_denied():  # scriptVerifyAllowStale
            return E.SCRIPT_CALL_STALE.encode()
        user = self.client.user
        if user is not None and not user.unrestricted:
            denied = check_acl(self.client, spec, argv, CTX_LUA)
            if denied:
                return (E.SCRIPT_NOPERM % E.ACL_ERROR_MESSAGES.get(denied, "lacking the permissions for the command")).encode()
        if spec.is_write or spec.may_replicate:
            # May-replicate commands (PUBLISH …) count as writes for a
            # read-only script (scriptVerifyWriteCommandAllow).
            if self.readonly:
                return E.SCRIPT_READONLY.encode()
        if spec.is_write:
            err = self.server.precheck_write(self.caller if self.caller is not None else self.client, spec)
            if err:
                return err.encode()
        if spec.denyoom and not self.allow_oom:
            # scriptVerifyOOM: OOM when the command began is binding until
            # the script's first write (it cannot stop half-way after).
            server = self.server
            if (
                server.config.maxmemory
                and server.eviction.pre_command_oom
                and server.dirty == self.dirty_at_start
                and not (self.caller is not None and self.caller.must_obey())
            ):
                return E.OOM.encode()
        return None

    def _sha1hex(self, *args):
        if len(args) != 1:
            self._raise(b"ERR wrong number of arguments")
        v = args[0]
        if type(v) is not bytes:
            v = lua_tostring(v)
        return hashlib.sha1(v).hexdigest().encode()

    def _acl_check(self, *args):
        if not args:
            self._raise(b"ERR Please specify at least one argument for this redis lib call")
        argv = [a if type(a) is bytes else lua_number_bytes(a) for a in args]
        spec = find_command(argv)
        if spec is None:
            self._raise(b"ERR Invalid command passed to redis.acl_check_cmd()")
        user = self.caller.user if self.caller is not None else None
        return user is None or user.check(spec, argv)[0] == ACL_OK

    def _log(self, *args) -> None:
        if len(args) < 2:
            self._raise(b"ERR redis.log() requires two arguments or more.")
        level = args[0]
        if type(level) not in (int, float):
            self._raise(b"ERR First argument must be a number (log level).")
        if not 0 <= level <= 3:
            self._raise(b"ERR Invalid debug level.")
        msg = b" ".join(a if type(a) is bytes else lua_tostring(a) for a in args[1:])
        self.server.log.log(int(level), text(msg))

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
            server.busy_reply = E.BUSY if self.is_eval else E.BUSY_FUNCTION
            server.log.warning(
                "Slow script detected: still in execution after %d milliseconds. You can try killing "
                "the script using the %s command. Script name is: %s."
                % ((time.monotonic() - self.start) * 1000, "SCRIPT KILL" if self.is_eval else "FUNCTION KILL", self.funcname.decode("utf-8", "replace"))
            )
        server.process_events_while_blocked(self.caller)
        if self.kill_requested or server.shutdown_requested:
            return E.SCRIPT_KILLED.encode()
        return None

    def kill(self, is_eval: bool = True) -> None:
        """SCRIPT KILL (``is_eval``) or FUNCTION KILL: stop the running
        script unless it has written (scriptKill)."""
        if not (self.running and self.server.busy_script):
            raise CommandError(E.NOTBUSY)
        if self.caller is not None and self.caller.must_obey():
            raise CommandError(E.UNKILLABLE_MASTER)
        if self.server.dirty != self.dirty_at_start:
            raise CommandError(E.UNKILLABLE)
        if is_eval and not self.is_eval:
            raise CommandError(E.BUSY_FUNCTION)
        if not is_eval and self.is_eval:
            raise CommandError(E.BUSY)
        self.kill_requested = True


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
        raise CommandError(E.SHEBANG_ENGINE % text(parts[0]))
    flags: set[str] = set()
    for p in parts[1:]:
        if not p.startswith(b"flags="):
            raise CommandError(E.SHEBANG_OPTION % text(p))
        for f in p[6:].split(b","):
            if not f:
                continue
            name = text(f)
            if name not in SHEBANG_FLAGS:
                raise CommandError(E.SHEBANG_FLAG % name)
            flags.add(name)
    return rest, frozenset(flags)
