"""The dispatcher: generic command checks, ``call()``, and propagation.

``process_command`` is Redis's processCommand: it finds the spec, checks
arity, authentication, transaction queueing, read-only replica, pub/sub
context and loading state — every check driven by the spec's flags, so
handlers never count arguments or write error bytes. ``call`` is Redis's
call(): it runs the handler, keeps the dirty counter and command
statistics, and hands writes to the propagation funnel. Replies are
encoded here for the client's protocol version.

Imports: protocol, errors, the command registry. Nothing from net/,
replication/ or server.py — those are reached through ``c.server``.
"""

from __future__ import annotations

import time
from types import ModuleType

from . import NO_EXTENSIONS, errors
from .client import FLAG_MONITOR, FLAG_REPLICA, TRACKING_CACHING, is_local_client
from .commands.acl import check_command as acl_check
from .commands.acl import noperm_message
from .commands.acl_users import CTX_MULTI, CTX_TOPLEVEL
from .commands.cluster_cmds import cluster_redirect, fast_route, needs_redirect_check, served_here
from .commands.introspection import feed_monitors, note_slow
from .commands.registry import COMMANDS, ORIGINAL_COMMANDS, CommandSpec, on_table_change
from .commands.results import NO_REPLY, Block
from .commands.transactions import discard_transaction
from .db.keyspace import wall_clock_ms
from .db.keytable import HAS_TTL
from .db.types import HashLP, HashValue, ListValue, SetLP
from .errors import CommandError
from .eviction import EVICT_FAIL, evict_clients
from .latency import hdr_index, new_hist
from .memory import total as memory_total
from .memory import used_memory_capsule
from .protocol.resp import (
    HEADER_CACHE,
    NULL_ARRAY,
    OK,
    PONG,
    SMALL_INTS,
    Raw,
    SimpleString,
    encode_error,
    encode_into,
)

_OK = b"+OK\r\n"
_QUEUED = b"+QUEUED\r\n"
_time_ns = time.time_ns


class _Blocked(bytes):
    """process_command's answer when the client was parked (blocking
    command, WAIT): the reply will be written later. Told apart by
    identity (``r is BLOCKED``); as bytes it is empty."""

    __slots__ = ()


BLOCKED = _Blocked()

# Commands allowed in RESP2 subscribed context, and commands MULTI runs at
# once rather than queueing.  By the spec's own name, as Redis compares the
# command's proc: under rename-command the renamed spelling counts.
_PUBSUB_ALLOWED = frozenset(
    ("subscribe", "ssubscribe", "psubscribe", "unsubscribe", "sunsubscribe",
     "punsubscribe", "ping", "quit", "reset")
)
_UNWRAPPED_EXPIRES = frozenset(("scan", "randomkey"))
_MULTI_IMMEDIATE = frozenset(("exec", "discard", "multi", "watch", "quit", "reset"))
# Read-only commands whose keys tracking does not remember (a script's reads
# are remembered one by one).
_NOT_TRACKED_READS = frozenset(("eval_ro", "evalsha_ro", "fcall_ro"))


# Command names as clients spell them -> spec (filled lazily, bounded).
_BY_NAME: dict[bytes, CommandSpec] = {}
_WRITE_PROBE = CommandSpec("set", -3, frozenset(("write",)), ())  # any write, for precheck_write
_READ_PROBE = CommandSpec("get", 2, frozenset(("readonly",)), ())  # a script that does not write


def _arg_repr(a: bytes) -> str:
    return a.decode("utf-8", "replace").replace("\x00", "")


def lookup_command(args: list[bytes]) -> CommandSpec | str:
    """The spec for ``args`` (subcommand resolved), or the error text."""
    name = args[0]
    spec = COMMANDS.get(name)
    if spec is None:
        spec = COMMANDS.get(name.lower())
    if spec is None:
        parts = ""
        for a in args[1:]:
            if len(parts) >= 128:
                break
            parts += "'%s' " % _arg_repr(a)[: 128 - len(parts)]
        return errors.UNKNOWN_COMMAND % (_arg_repr(name)[:128], parts)
    if spec.subcommands and len(args) >= 2:
        sub = spec.subcommands.get(args[1].lower())
        if sub is None:
            # Named as the client spelled the container (a renamed one too).
            return errors.UNKNOWN_SUBCOMMAND % (_arg_repr(args[1])[:128], _arg_repr(name.upper()))
        spec = sub
    arity = spec.arity
    n = len(args)
    if (arity > 0 and arity != n) or n < -arity:
        return errors.WRONG_ARITY % spec.name
    if spec.handler is None:
        return errors.WRONG_ARITY % spec.name
    return spec


def find_command(args: list[bytes]) -> CommandSpec | None:
    """Redis's lookupCommand: the spec ``args`` names (the subcommand for
    a container given one), arity not checked; None if unknown."""
    spec = COMMANDS.get(args[0].lower())
    if spec is None or len(args) == 1 or not spec.subcommands:
        return spec
    return spec.subcommands.get(args[1].lower())


def _stale_ok(c, spec: CommandSpec, args: list[bytes]) -> bool:
    """The command's ``stale`` flag, as getCommandFlags gives it (a
    script's or function's declared allow-stale for EVAL and FCALL)."""
    if spec.script_stale is not None and len(args) > 1:
        declared = spec.script_stale(c, args)
        if declared is not None:
            return declared
    return spec.stale


def process_command(c, args: list[bytes]) -> bytes | None:
    """Run one command from client ``c``; return the encoded reply (None
    when nothing is to be sent now)."""
    server = c.server
    name = args[0]
    spec = _BY_NAME.get(name)
    if spec is None:
        spec = COMMANDS.get(name.lower())
        if spec is not None and len(_BY_NAME) < 4096:
            _BY_NAME[name] = spec  # remember this spelling (GET, get, Get …)
    if spec is None or spec.subcommands or spec.arity != len(args) and (
        spec.arity > 0 or len(args) < -spec.arity
    ):
        found = lookup_command(args)
        if isinstance(found, str):
            if c.multi_queue is not None:
                c.multi_error = True
            base = COMMANDS.get(args[0].lower())
            if base is not None and found.startswith("ERR wrong number"):
                target = base
                if base.subcommands and len(args) >= 2:
                    target = base.subcommands.get(args[1].lower(), base)
                target.rejected_calls += 1
            return _reject(c, found)
        spec = found
    if spec.protected and not _protected_allowed(c, spec):
        spec.rejected_calls += 1
        if c.multi_queue is not None:
            c.multi_error = True
        return _reject(c, errors.MODULE_DISABLED if spec.name.startswith("module") else errors.DEBUG_DISABLED)
    if not c.authenticated and not spec.no_auth:
        spec.rejected_calls += 1
        return _reject_command(c, spec, errors.NOAUTH)
    c.last_cmd = spec.name
    if spec.no_multi and c.multi_queue is not None:
        c.multi_error = True
        return _reject(c, errors.NOT_IN_MULTI)
    user = c.user
    if user is not None and not user.unrestricted:
        denied = acl_check(c, spec, args, CTX_TOPLEVEL if c.multi_queue is None else CTX_MULTI)
        if denied:
            spec.rejected_calls += 1
            return _reject_command(c, spec, noperm_message(denied, spec))
    checked = spec
    if spec.script_writes is not None:
        writes = spec.script_writes(c, args)
        if writes is not None:
            checked = _WRITE_PROBE if writes else _READ_PROBE
    # Cluster mode: the command goes to the node serving its keys' slot
    # (MOVED / ASK / CROSSSLOT / TRYAGAIN / CLUSTERDOWN), unless it comes
    # from our primary (processCommand's getNodeByQuery step).
    if server.cluster is not None and not c.must_obey() and needs_redirect_check(spec):
        err = cluster_redirect(
            c, spec, args, checked.is_write or spec.name == "exec" and bool(c.multi_queue) and _exec_writes(c)
        )
        if err is not None:
            spec.rejected_calls += 1
            if spec.name == "exec":
                discard_transaction(c)
            elif c.multi_queue is not None:
                c.multi_error = True
            return _reject(c, err)
    # maxmemory-clients: the biggest clients go first (maybe this one).
    if server.config.maxmemory_clients:
        was_closing = c.close_after_reply
        evict_clients(server)
        if c.close_after_reply and not was_closing:
            return None
    # maxmemory: evict first; refuse deny-oom commands if that cannot help.
    if server.config.maxmemory and not server.busy_script:
        oom = server.eviction.perform() == EVICT_FAIL
        if oom and not c.must_obey() and _denies_oom(c, spec, args):
            spec.rejected_calls += 1
            return _reject_command(c, spec, errors.OOM)
        server.eviction.pre_command_oom = oom
    if server.tracking_clients:
        server.tracking.limit()  # tracking-table-max-keys, before the command (even one MULTI queues)
    # The checks below refuse a command inside MULTI as well, before it is
    # queued (the error flags the transaction), as Redis's processCommand.
    if checked.write_checked:
        err = server.precheck_write(c, checked)
        if err:
            spec.rejected_calls += 1
            return _reject_command(c, spec, err)
    elif spec.name == "exec" and c.multi_queue and _exec_writes(c):
        # EXEC counts as a write when its queue holds one (the
        # transaction's flags): refused whole, with EXECABORT.
        err = server.precheck_write(c, _WRITE_PROBE)
        if err:
            spec.rejected_calls += 1
            return _reject_command(c, spec, err)
    if not c.resp3 and c.subscribed() and spec.name not in _PUBSUB_ALLOWED:
        spec.rejected_calls += 1
        return _reject_command(c, spec, errors.SUBSCRIBED_CONTEXT % spec.name)
    if server.stale_denied() and (
        not _stale_ok(c, spec, args)
        or spec.name == "exec" and c.multi_queue and not all(_stale_ok(c, qs, qa) for qs, qa in c.multi_queue)
    ):
        # A replica whose link is down, with replica-serve-stale-data no:
        # only commands flagged ``stale`` run (EXEC only when every queued
        # command is).
        spec.rejected_calls += 1
        return _reject_command(c, spec, errors.MASTERDOWN)
    if server.loading and (
        not spec.loading or spec.name == "exec" and c.multi_queue and not all(qs.loading for qs, _qa in c.multi_queue)
    ):
        # Loading the dataset: only commands flagged ``loading`` run (EXEC
        # only when every queued command is).
        spec.rejected_calls += 1
        return _reject_command(c, spec, errors.LOADING)
    if server.busy_script and "allow_busy" not in spec.flags:
        spec.rejected_calls += 1
        return _reject_command(c, spec, server.busy_reply)  # EXEC: EXECABORT
    if c.flags & (FLAG_REPLICA | FLAG_MONITOR) and (spec.is_write or spec.is_readonly or spec.may_replicate):
        spec.rejected_calls += 1
        return _reject_command(c, spec, errors.REPLICA_KEYSPACE)
    # Transactions: queue everything but the commands that act on them.
    if c.multi_queue is not None and spec.name not in _MULTI_IMMEDIATE:
        c.multi_queue.append((spec, args))
        return _QUEUED if c.reply_mode == 0 else _suppressed(c)
    result = call(c, spec, args)
    # CLIENT CACHING applies to the next command (or transaction) only.
    if c.tracking & TRACKING_CACHING and c.multi_queue is None and (spec.parent is None or spec.parent.name != "client"):
        c.tracking &= ~TRACKING_CACHING
    if server.propagation.pending:
        # SCAN and RANDOMKEY propagate the keys they expire lazily as
        # plain DELs (Redis 7.0 does not wrap them in MULTI/EXEC).
        server.propagation.flush(wrap=spec.name not in _UNWRAPPED_EXPIRES)
        c.woff = server.propagation.master_repl_offset
    blocking = server.blocking
    if type(result) is Block:
        blocking.park(c, spec, args, result)
        if blocking.ready:
            blocking.serve_ready()
        return BLOCKED
    if blocking.ready:
        blocking.serve_ready()
    if c.reply_mode:
        return _suppressed(c)
    return encode_result(c, result)


_MULTI_OOM_EXEMPT = frozenset(("exec", "discard", "quit", "reset"))


def _exec_writes(c) -> bool:
    """Does the queued transaction hold a write (its own flags, or a
    script's declared ones)?"""
    for qs, qa in c.multi_queue:
        if qs.script_writes is not None:
            declared = qs.script_writes(c, qa)
            if declared is not None:
                if declared:
                    return True
                continue
        if qs.is_write:
            return True
    return False


def _deny_oom(c, spec: CommandSpec, args: list[bytes]) -> bool:
    """Is this command deny-oom (its flags, or its script's)?"""
    if spec.script_denyoom is not None:
        declared = spec.script_denyoom(c, args)
        if declared is not None:
            return declared
    return spec.denyoom


def _denies_oom(c, spec: CommandSpec, args: list[bytes]) -> bool:
    """processCommand's reject_cmd_on_oom: deny-oom commands, EXEC of a
    transaction holding one, and anything but EXEC/DISCARD/QUIT/RESET
    while queueing (the queue itself takes memory)."""
    if c.multi_queue is not None:
        if spec.name == "exec":
            return any(_deny_oom(c, qs, qa) for qs, qa in c.multi_queue)
        return spec.name not in _MULTI_OOM_EXEMPT
    return _deny_oom(c, spec, args)


def _protected_allowed(c, spec: CommandSpec) -> bool:
    """Redis's allowProtectedAction(): enable-debug-command (DEBUG) or
    enable-module-command (MODULE LOAD/LOADEX/UNLOAD) is yes, or local and
    the client is local."""
    cfg = c.server.config
    mode = cfg.enable_module_command if spec.name.startswith("module") else cfg.enable_debug_command
    return mode == "yes" or (mode == "local" and is_local_client(c))


def _suppressed(c) -> bytes | None:
    """CLIENT REPLY OFF/SKIP: 1 = off, 3 = SKIP was just given (the next
    command is skipped), 2 = this command's reply is skipped."""
    mode = c.reply_mode
    if mode == 3:
        c.reply_mode = 2
    elif mode == 2:
        c.reply_mode = 0
    return None


def encode_result(c, result) -> bytes | None:
    t = type(result)
    if t is bytes:
        return b"$%d\r\n%b\r\n" % (len(result), result)
    if result is OK:
        return _OK
    if t is int:
        return b":%d\r\n" % result
    if result is NO_REPLY:
        return None
    if result is None:
        return b"_\r\n" if c.resp3 else b"$-1\r\n"
    if t is SimpleString:
        return b"+%b\r\n" % result
    if t is CommandError:
        return encode_error(result.message)
    if result is NULL_ARRAY:
        return b"_\r\n" if c.resp3 else b"*-1\r\n"
    out: list[bytes] = []
    encode_into(out, result, c.resp3)
    return b"".join(out)


def _reject_command(c, spec: CommandSpec, message: str) -> bytes | None:
    """rejectCommand: in a transaction the error flags it; EXEC itself
    refused aborts any transaction and drops the WATCHes (execCommandAbort)."""
    if c.multi_queue is not None:
        c.multi_error = True
    if spec.name == "exec":
        discard_transaction(c)
        message = errors.EXECABORT_BECAUSE % message
    return _reject(c, message)


def _reject(c, message: str) -> bytes | None:
    c.server.stats.count_error(message)
    if c.reply_mode:
        return _suppressed(c)
    return encode_error(message)


def call(c, spec: CommandSpec, args: list[bytes], served: bool = False):
    """Run a handler: Redis's call(). Returns the reply value, or the
    CommandError raised (as a value, so EXEC can collect it). ``served``:
    the command of a blocked client, run again because its key is ready;
    Redis serves it outside call() and counts its time and a failure but
    not another call (the call was counted when it blocked)."""
    server = c.server
    start = _time_ns()
    server.keyspace.tick(start // 1_000_000)
    dirty = server.dirty
    c.propagate_as = None
    executing = server.executing
    server.executing = True  # CLIENT_EXECUTING_COMMAND (tracking defers the caller's own invalidations)
    try:
        result = spec.handler(c, args)  # type: ignore[misc]  # specs without a handler never get here
    except CommandError as e:
        result = _failed(c, spec, e)
    finally:
        server.executing = executing
    if type(result) is Block and c.no_block:
        result = result.timeout_fn() if result.timeout_fn is not None else result.timeout_reply
    end = _time_ns()
    usec = end // 1000 - start // 1000 if end > start else 0
    spec.usec += usec
    if not served:
        spec.calls += 1
        server.stats.numcommands += 1
    # The slow log and latency monitor (a client that blocks is reported
    # when served), then MONITOR (once per command: not when a blocked
    # client is served).
    if type(result) is not Block:
        if usec >= server.slow_usec:
            note_slow(c, spec, args, usec)
        if server.latency_tracking:
            h = spec.latency_hist
            if h is None:
                h = spec.latency_hist = new_hist()
            h[hdr_index(usec)] += 1
    if server.monitors and not spec.unmonitored and c.blocked is None:
        feed_monitors(c, spec, args)
    if server.tracking_clients and spec.is_readonly and spec.name not in _NOT_TRACKED_READS:
        # The keys a tracking client read; a script's read makes its
        # caller remember the script's declared keys, as Redis does.
        if not c.in_script:
            if c.tracking:
                server.tracking.remember(c, spec, args)
        else:
            engine = server.scripting
            if engine.caller is not None and engine.caller.tracking:
                server.tracking.remember_keys(engine.caller, engine.keys)
    if server.dirty != dirty or c.propagate_as is not None:
        _propagate(c, args, server.dirty != dirty)
    return result


def _replica_local(c) -> bool:
    """A replica's own client ran a command that is not a write but moved
    the dirty counter (PFCOUNT storing its cached cardinality): Redis feeds
    a replica's backlog and sub-replicas only with its primary's stream
    (shouldPropagate), so it is not propagated and the replica's offset
    stays its primary's."""
    ks = c.server.keyspace
    if not ks.is_replica or ks.applying_primary:
        return False
    spec = ORIGINAL_COMMANDS.get(c.last_cmd.encode() if isinstance(c.last_cmd, str) else c.last_cmd)
    return spec is not None and not spec.is_write


def _propagate(c, args: list[bytes], dirtied: bool) -> None:
    """Hand the command just run to the funnel: as received, or as the
    deterministic rewrite the handler chose (``c.propagate_as``, which may
    be given even without dirtying)."""
    prop = c.server.propagation
    rewrite = c.propagate_as
    c.propagate_as = None
    if _replica_local(c):
        return
    if rewrite is None:
        prop.propagate(c.db.id, args)
    else:
        for cmd in rewrite:
            prop.propagate(c.db.id, cmd)


def direct_ok(c, server) -> bool:
    """The one gate of the batch loops: whether ``c``'s ``direct`` commands
    may skip process_command (every check of it would pass) and run with
    the batch loops' own short call(). A feature that adds a check to
    process_command, or a step to call() the loops do not take, must make
    this false while it is active. Today: no MULTI,
    authenticated as a user ACL does not restrict, no MONITOR client
    attached, not tracking keys (CLIENT TRACKING), no CLIENT REPLY mode,
    no RESP2 pub/sub context, the server not loading, no stale-replica
    refusal (MASTERDOWN), writes not refused (MISCONF, READONLY), and the
    keyspace on the real clock (not applying a primary's stream, no test
    clock). In cluster mode run_batch also needs ``fast_route`` (and
    each keyed command ``served_here``)."""
    ks = server.keyspace
    return (
        ks.clock is wall_clock_ms
        and not ks.applying_primary
        and c.multi_queue is None
        and c.authenticated
        and (c.user is None or c.user.unrestricted)
        and not server.monitors
        and not c.tracking
        and not c.reply_mode
        and not (c.subscriptions or c.psubscriptions or c.ssubscriptions)  # c.subscribed(), inline
        and not server.loading
        and not server.busy_script
        and (server.config.replica_serve_stale_data or not server.stale_denied())  # its common case first
        and server.precheck_write(c, _WRITE_PROBE) is None
    )


def _fast_entry(name: bytes) -> tuple | None:
    """The entry ``(spec, handler, arity, name, keypos)`` of a command
    run_batch may run directly (spelling as the client sent it), remembered
    in ``_FAST``; None for anything else."""
    spec = COMMANDS.get(name.lower())
    if spec is None or not spec.direct:
        return None
    # Cluster mode: where the loops find the keys whose slot decides
    # whether the command may run here (cluster_cmds.served_here).
    keypos: tuple | bool | None = None
    if needs_redirect_check(spec):
        keypos = (spec.first_key, spec.last_key, spec.key_step or 1) if spec.getkeys is None and spec.first_key > 0 else False
    entry = (spec, spec.handler, spec.arity, spec.name, keypos)
    if len(_FAST) < 4096:
        _FAST[name] = entry
    op = _SHORT_OPS.get(spec.name)
    if op is not None:
        _SHORT[spec.handler] = op
    return entry


# Spellings of commands run_batch runs directly -> (spec, handler, arity, name, keypos).
_FAST: dict[bytes, tuple] = {}

# Commands whose common case the C loop does itself (_fastpath.c's short
# handlers, OP_ codes), their Python handlers being the twins; _SHORT maps
# a handler met by _fast_entry to its code (handlers change only with the
# command table, when _FAST is cleared too).
_SHORT_OPS = {
    "get": 1, "incr": 2, "decr": 3, "lpush": 4, "rpush": 5, "lpop": 6, "rpop": 7, "sadd": 8, "hset": 9, "spop": 10,
    "zpopmin": 11, "zpopmax": 11, "set": 12, "ping": 13,
}
_SHORT: dict = {}


def _forget_spellings() -> None:
    """The command table changed (rename-command): spellings seen so far may
    name another command, or none."""
    _BY_NAME.clear()
    _FAST.clear()
    _SHORT.clear()


on_table_change(_forget_spellings)


def _failed(c, spec: CommandSpec, e: CommandError) -> CommandError:
    """A handler raised ``e``: counted as a failed call and an error reply
    (unless already counted, as a script's error is); the error is the
    command's result."""
    spec.failed_calls += 1
    if not e.counted:
        c.server.stats.count_error(e.message)
    return e


def _finish(c, spec: CommandSpec, args: list[bytes], result) -> bytes | None:
    """The end of a fast command whose result is not a plain reply: a Block
    parks the client (None: the batch ends here) unless the client may not
    block; a Raw reply (XRANGE's) is already encoded; anything else is
    encoded."""
    t = type(result)
    if t is Raw:
        return result
    if t is Block:
        if not c.no_block:
            blocking = c.server.blocking
            blocking.park(c, spec, args, result)
            if blocking.ready:
                blocking.serve_ready()
            return None
        result = result.timeout_fn() if result.timeout_fn is not None else result.timeout_reply
    r = encode_result(c, result)
    return b"" if r is None else r


def _propagated(c, args: list[bytes], dirtied: bool) -> None:
    """After a fast command while someone listens: the command (or its
    rewrite) to the funnel, and the funnel flushed."""
    server = c.server
    prop = server.propagation
    if (
        dirtied
        and c.propagate_as is None
        and not prop.pending
        and not (server.keyspace.is_replica and _replica_local(c))
    ):
        prop.propagate_now(c.db.id, args)  # the common case: one plain write
        c.woff = prop.master_repl_offset
        return
    if dirtied or c.propagate_as is not None:
        _propagate(c, args, dirtied)
    if prop.pending:
        prop.flush(wrap=c.last_cmd not in _UNWRAPPED_EXPIRES)
        c.woff = prop.master_repl_offset


_fastpath: ModuleType | None
try:  # built by setup.py when a C compiler is available
    from . import _fastpath
except ImportError:  # pragma: no cover - installs without a compiler
    _fastpath = None
if _fastpath is not None:
    _fastpath.configure(CommandError, OK, SimpleString, _failed, _finish, _fast_entry, _propagated, note_slow, new_hist)
    _fastpath.configure_ops(_SHORT, ListValue, SetLP, HashLP, HashValue, HAS_TTL, PONG)


def attach_memory_counter() -> None:
    """Let the C loop read radish._alloc's counter against maxmemory (once
    radish.memory.install() has started it)."""
    if _fastpath is not None:
        _fastpath.set_used_memory(used_memory_capsule())


# The C loop when built (run_batch(use_c=True) runs it, as tests do), and
# whether run_batch uses it by default (not under RADISH_NO_EXTENSIONS).
C_RUN_FAST = _fastpath.run_fast if _fastpath is not None else None
_run_fast = None if NO_EXTENSIONS else C_RUN_FAST


def run_batch(c, cmds: list[list[bytes]], out: list[bytes], use_c: bool | None = None, budget: int = -1) -> int:
    """Run the commands of one read in order, appending encoded replies to
    ``out``; returns how many were consumed. Stops early when the client
    blocked (``c.blocked`` is set), must close, or the server paused; the
    caller queues the rest. With ``budget`` >= 0 it also stops once the
    replies appended reach ``budget`` bytes, so that the caller can apply
    client-output-buffer-limit before running more (as Redis checks it on
    every reply).

    This is ``process_command`` + ``call`` with the checks hoisted: the
    client and server state they test (``direct_ok``) can only change
    through commands not declared ``direct`` (connection, server and
    transaction commands), which always take ``process_command``, after
    which the state is looked at again. Data commands of the right arity run
    directly: in C (``_fastpath.c``, the same loop) when it is built, else
    in the loop below. One clock reading per command
    serves both the keyspace (expiry) and INFO commandstats: a command's
    time runs to the next one's start, so it includes encoding its reply;
    it is counted in whole microseconds between readings, as Redis does."""
    server = c.server
    ks = server.keyspace
    stats = server.stats
    prop = server.propagation
    blocking = server.blocking
    fast = _FAST
    run_fast = _run_fast if use_c is None else C_RUN_FAST if use_c else None
    plain = direct_ok(c, server)
    # Cluster mode: keyed commands run here directly only when their slot
    # is served here (fast_route / served_here), else process_command
    # routes them.
    route = None
    if server.cluster is not None:
        route = fast_route(c)
        plain = plain and route is not None
    # Over maxmemory, a command goes to process_command (eviction, OOM).
    maxmemory = server.config.maxmemory
    # Replicas, the backlog or the AOF listening (they only start or stop
    # through non-data commands or between reads).
    listening = prop.subscribers or prop.backlog.active
    tracking = server.latency_tracking
    dirty = 0
    ran = 0  # fast commands not yet added to stats.numcommands
    n = len(cmds)
    i = 0
    # Output budget: bytes of ``out`` already counted, and where counting resumes.
    produced = 0
    counted = len(out)
    t0 = _time_ns()
    while i < n:
        if run_fast is not None and plain:
            before = len(out)
            i = run_fast(c, cmds, i, out, fast, ks, stats, blocking, server if listening else None,
                         budget - produced if budget >= 0 else -1, server.slow_usec, server.latency_tracking,
                         maxmemory + server.memory_origin if maxmemory else 0, route)
            if i < 0:  # parked by a blocking command
                return ~i
            if i == n:
                break
            if budget >= 0:
                produced += sum(map(len, out[before:]))
                counted = len(out)
                if produced >= budget:
                    return i
            t0 = _time_ns()
        args = cmds[i]
        i += 1
        entry = fast.get(args[0])
        if entry is None:
            entry = _fast_entry(args[0])
        if (
            entry is None
            or not plain
            or entry[2] != len(args) and (entry[2] > 0 or len(args) < -entry[2])
            or maxmemory and memory_total() - server.memory_origin > maxmemory
            or route is not None and not served_here(entry[4], args, route)
        ):
            stats.numcommands += ran
            ran = 0
            r = process_command(c, args)
            t0 = _time_ns()
            if r is not None:
                if r is BLOCKED:
                    return i
                out.append(r)
            if c.after_reply:
                out += c.after_reply
                c.after_reply.clear()
            if c.close_after_reply or server.pause_mode is not None or not c.authenticated:
                return i  # (RESET made the client authenticate again: the caller checks the rest)
            if budget >= 0:
                produced += sum(map(len, out[counted:]))
                counted = len(out)
                if produced >= budget:
                    return i
            plain = direct_ok(c, server)
            if server.cluster is not None:
                route = fast_route(c)
                plain = plain and route is not None
            maxmemory = server.config.maxmemory
            listening = prop.subscribers or prop.backlog.active
            tracking = server.latency_tracking
            continue
        spec = entry[0]
        # call(), inlined. Data commands neither close the client nor
        # pause the server, so only blocking ends the batch early.
        ks.now_ms = ks.expire_now = now_ms = t0 // 1_000_000
        if now_ms // 1000 != ks.lru_now:
            ks.lru_now = now_ms // 1000
        if listening:
            dirty = server.dirty
        c.last_cmd = spec.name
        try:
            result = entry[1](c, args)
        except CommandError as e:
            result = _failed(c, spec, e)
        spec.calls += 1
        ran += 1
        if listening:
            if server.dirty != dirty or c.propagate_as is not None:
                _propagate(c, args, server.dirty != dirty)
            if prop.pending:
                prop.flush(wrap=spec.name not in _UNWRAPPED_EXPIRES)
                c.woff = prop.master_repl_offset
        elif c.propagate_as is not None:
            c.propagate_as = None  # nobody to tell (as Propagator.propagate)
        t = type(result)
        if t is Block:
            if c.no_block:
                result = result.timeout_fn() if result.timeout_fn is not None else result.timeout_reply
                t = type(result)
            else:
                stats.numcommands += ran
                blocking.park(c, spec, args, result)
                if blocking.ready:
                    blocking.serve_ready()
                t1 = _time_ns()
                spec.usec += t1 // 1000 - t0 // 1000 if t1 > t0 else 0
                return i
        if blocking.ready:
            stats.numcommands += ran
            ran = 0
            blocking.serve_ready()
        if t is bytes:
            n_ = len(result)
            if n_ < 1024:
                out += (HEADER_CACHE[n_], result, b"\r\n")  # joined once per read
            else:
                out.append(b"$%d\r\n%b\r\n" % (n_, result))
        elif result is OK:
            out.append(_OK)
        elif t is int:
            if -1 <= result < 1023:
                out.append(SMALL_INTS[result + 1])
            else:
                out.append(b":%d\r\n" % result)
        else:
            r = encode_result(c, result)
            if r is not None:
                out.append(r)
        t1 = _time_ns()
        usec = t1 // 1000 - t0 // 1000 if t1 > t0 else 0
        spec.usec += usec
        if usec >= server.slow_usec:
            note_slow(c, spec, args, usec)
        if tracking:
            h = spec.latency_hist
            if h is None:
                h = spec.latency_hist = new_hist()
            h[hdr_index(usec)] += 1
        t0 = t1
        if budget >= 0:
            produced += sum(map(len, out[counted:]))
            counted = len(out)
            if produced >= budget:
                stats.numcommands += ran
                return i
    stats.numcommands += ran
    return n
