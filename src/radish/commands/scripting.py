"""Lua scripting: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT.

The engine (interpreter, cache, sandbox, conversions) lives in
``radish.scripting``; these handlers parse arguments and hand over. A
script's writes propagate as themselves (effects replication, Redis 7.0's
only mode); EVAL itself never reaches replicas or the AOF, nor do SCRIPT
LOAD and SCRIPT FLUSH (as redis-server 7.0 sends them).
"""

from __future__ import annotations

from .. import errors as E
from ..client import Client
from ..errors import CommandError
from ..protocol.resp import OK, status_lines
from .args import numkeys_key_refs, to_int
from .introspection import feed_monitors
from .registry import COMMANDS, KeySpec, command


def _eval_getkeys(args: list[bytes]) -> list[int]:
    """Keys of EVAL-like commands: ``numkeys`` at index 2 (none when it is
    not a valid count, as COMMAND GETKEYS answers on Redis)."""
    n = to_int(args[2]) if len(args) > 2 else None
    if n is None or n < 0 or n > len(args) - 3:
        return []
    return list(range(3, 3 + n))


def _keys_and_args(args: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    n = to_int(args[2])
    if n is None:
        raise CommandError(E.NOT_INTEGER)
    if n > len(args) - 3:
        raise CommandError(E.NUMKEYS_TOO_MANY)
    if n < 0:
        raise CommandError(E.NUMKEYS_NEGATIVE)
    return args[3 : 3 + n], args[3 + n :]


def script_write_refusal(c: Client) -> str | None:
    """scriptPrepareForRun's refusals of a script that may write (a
    function without no-writes, an EVAL script whose shebang lacks it):
    on a read-only replica, or while writes fail to persist."""
    if c.must_obey():
        return None
    server = c.server
    if server.replication.master_host is not None and server.config.replica_read_only:
        return E.SCRIPT_READONLY_REPLICA
    if server.persistence.write_error(c):
        return E.MISCONF_SCRIPT_RDB
    return None


def script_oom_refusal(c: Client) -> str | None:
    """scriptPrepareForRun's OOM refusal of a script with flags that may
    write without allow-oom, when memory was over maxmemory as the command
    began."""
    server = c.server
    if server.config.maxmemory and server.eviction.pre_command_oom and not c.must_obey():
        return E.SCRIPT_OOM
    return None


def _eval_flags(c: Client, args: list[bytes]) -> frozenset | None:
    """The shebang flags of the script EVAL/EVALSHA names (None without a
    shebang, or for an unknown sha)."""
    e = c.server.scripting
    if args[0].lower().startswith(b"evalsha"):
        if len(args[1]) != 40:
            return None
        return e.shebang_flags(sha=args[1].lower())
    return e.shebang_flags(args[1])


def eval_writes(c: Client, args: list[bytes]) -> bool | None:
    """evalGetCommandFlags: a script with a shebang counts as a write for
    the generic checks unless flagged no-writes; None without a shebang
    (the command's own flags)."""
    flags = _eval_flags(c, args)
    if flags is None:
        return None
    return "no-writes" not in flags


def eval_denyoom(c: Client, args: list[bytes]) -> bool | None:
    """scriptFlagsToCmdFlags' deny-oom: a script with a shebang is
    refused under OOM unless flagged allow-oom or no-writes; None without a
    shebang (the command's own flags)."""
    flags = _eval_flags(c, args)
    if flags is None:
        return None
    return "no-writes" not in flags and "allow-oom" not in flags


def eval_stale(c: Client, args: list[bytes]) -> bool | None:
    """scriptFlagsToCmdFlags' stale: a script with a shebang runs on a
    stale replica only when flagged allow-stale; None without a shebang
    (the command's own flags)."""
    flags = _eval_flags(c, args)
    return None if flags is None else "allow-stale" in flags


def _run(c: Client, sha: bytes, args: list[bytes], readonly: bool):
    e = c.server.scripting
    flags = e.shebang_flags(sha=sha)
    if c.server.stale_denied():  # scriptPrepareForRun on a stale replica
        if flags is None:
            raise CommandError(E.MASTERDOWN)
        if "allow-stale" not in flags:
            raise CommandError(E.MASTERDOWN_SCRIPT)
    if flags is not None and "no-writes" not in flags:
        err = script_write_refusal(c)
        if err:
            raise CommandError(err)
        if "allow-oom" not in flags:
            err = script_oom_refusal(c)
            if err:
                raise CommandError(err)
    try:
        reply = e.run(c, sha, *_keys_and_args(args), readonly)
    finally:
        c.propagate_as = []  # the script's writes were propagated, not EVAL
    if e.nested_error:  # an error inside the reply: a failed call, as Redis counts it
        COMMANDS[args[0].lower()].failed_calls += 1
    return reply


def _eval(c: Client, args, readonly: bool):
    if c.server.monitors:  # before the script's own commands, as Redis
        feed_monitors(c, None, args)
    keys_args = _keys_and_args(args)  # argument errors come before compile errors
    del keys_args
    sha = c.server.scripting.load(args[1])
    return _run(c, sha, args, readonly)


def _evalsha(c: Client, args, readonly: bool):
    if c.server.monitors:
        feed_monitors(c, None, args)
    sha = args[1].lower()
    e = c.server.scripting
    if len(sha) == 40:
        _keys_and_args(args)
    if len(sha) != 40 or sha not in e.functions:
        raise CommandError(E.NOSCRIPT)
    return _run(c, sha, args, readonly)


_EVAL_FLAGS = "noscript stale skip_monitor may_replicate no_mandatory_keys"
_EVAL_RO_FLAGS = "noscript stale skip_monitor no_mandatory_keys"  # read-only scripts never replicate


@command("eval", -3, _EVAL_FLAGS, acl="scripting", key_specs=(KeySpec("RW ACCESS UPDATE", index=2, keynum=(0, 1, 1), notes="We cannot tell how the keys will be used so we assume the worst, RW and UPDATE"),), group="scripting", since="2.6.0", summary="Execute a Lua script server side", complexity="Depends on the script that is executed.", getkeys=_eval_getkeys, getkeys_proc=numkeys_key_refs(2, 3))
def eval_(c: Client, args: list[bytes]):
    """Format: EVAL script numkeys [key [key ...]] [arg [arg ...]]"""
    return _eval(c, args, False)


@command("evalsha", -3, _EVAL_FLAGS, acl="scripting", key_specs=(KeySpec("RW ACCESS UPDATE", index=2, keynum=(0, 1, 1)),), group="scripting", since="2.6.0", summary="Execute a Lua script server side", complexity="Depends on the script that is executed.", getkeys=_eval_getkeys, getkeys_proc=numkeys_key_refs(2, 3))
def evalsha(c: Client, args: list[bytes]):
    """Format: EVALSHA sha1 numkeys [key [key ...]] [arg [arg ...]]"""
    return _evalsha(c, args, False)


@command("eval_ro", -3, "readonly " + _EVAL_RO_FLAGS, acl="scripting", key_specs=(KeySpec("RO ACCESS", index=2, keynum=(0, 1, 1), notes="We cannot tell how the keys will be used so we assume the worst, RO and ACCESS"),), group="scripting", since="7.0.0", summary="Execute a read-only Lua script server side", complexity="Depends on the script that is executed.", getkeys=_eval_getkeys, getkeys_proc=numkeys_key_refs(2, 3))
def eval_ro(c: Client, args: list[bytes]):
    """Format: EVAL_RO script numkeys [key [key ...]] [arg [arg ...]]"""
    return _eval(c, args, True)


@command("evalsha_ro", -3, "readonly " + _EVAL_RO_FLAGS, acl="scripting", key_specs=(KeySpec("RO ACCESS", index=2, keynum=(0, 1, 1)),), group="scripting", since="7.0.0", summary="Execute a read-only Lua script server side", complexity="Depends on the script that is executed.", getkeys=_eval_getkeys, getkeys_proc=numkeys_key_refs(2, 3))
def evalsha_ro(c: Client, args: list[bytes]):
    """Format: EVALSHA_RO sha1 numkeys [key [key ...]] [arg [arg ...]]"""
    return _evalsha(c, args, True)


command("script", -2, "", group="scripting", since="2.6.0", summary="A container for Lua scripts management commands", complexity="Depends on subcommand.")(None)

SCRIPT_HELP = [
    b"SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"DEBUG (YES|SYNC|NO)",
    b"    Set the debug mode for subsequent scripts executed.",
    b"EXISTS <sha1> [<sha1> ...]",
    b"    Return information about the existence of the scripts in the script cache.",
    b"FLUSH [ASYNC|SYNC]",
    b"    Flush the Lua scripts cache. Very dangerous on replicas.",
    b"    When called without the optional mode argument, the behavior is determined by the",
    b"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    b"    * ASYNC: Asynchronously flush the scripts cache.",
    b"    * SYNC: Synchronously flush the scripts cache.",
    b"KILL",
    b"    Kill the currently executing Lua script.",
    b"LOAD <script>",
    b"    Load a script into the scripts cache without executing it.",
    b"HELP",
    b"    Prints this help.",
]


@command("script|help", 2, "loading stale", acl="scripting", group="scripting", since="5.0.0", summary="Show helpful text about the different subcommands", complexity="O(1)")
def script_help(c: Client, args: list[bytes]):
    """Format: SCRIPT HELP"""
    return status_lines(SCRIPT_HELP)


@command("script|load", 3, "noscript stale", acl="scripting", group="scripting", since="2.6.0", summary="Load the specified Lua script into the script cache.", complexity="O(N) with N being the length in bytes of the script body.", tips="request_policy:all_nodes response_policy:all_succeeded")
def script_load(c: Client, args: list[bytes]):
    """Format: SCRIPT LOAD script"""
    return c.server.scripting.load(args[2])


@command("script|exists", -3, "noscript", acl="scripting", group="scripting", since="2.6.0", summary="Check existence of scripts in the script cache.", complexity="O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).", tips="request_policy:all_shards response_policy:agg_logical_and")
def script_exists(c: Client, args: list[bytes]):
    """Format: SCRIPT EXISTS sha1 [sha1 ...]"""
    functions = c.server.scripting.functions
    return [1 if sha.lower() in functions else 0 for sha in args[2:]]


@command("script|flush", -2, "noscript", acl="scripting", group="scripting", since="2.6.0", summary="Remove all the scripts from the script cache.", complexity="O(N) with N being the number of scripts in cache", tips="request_policy:all_nodes response_policy:all_succeeded")
def script_flush(c: Client, args: list[bytes]):
    """Format: SCRIPT FLUSH [ASYNC | SYNC]"""
    if len(args) > 3 or len(args) == 3 and args[2].lower() not in (b"sync", b"async"):
        raise CommandError(E.SCRIPT_FLUSH_OPTION)
    lazy = args[2].lower() == b"async" if len(args) == 3 else bool(c.server.config.lazyfree_lazy_user_flush)
    scripting = c.server.scripting
    n = len(scripting.functions)
    scripting.flush()
    if lazy:
        # freeLuaScriptsAsync: Redis frees more than 64 scripts in the
        # background and counts them; closing the interpreter frees ours.
        c.server.keyspace.lazyfree.account_if_big(n)
    return OK


@command("script|kill", 2, "noscript allow_busy", acl="scripting", group="scripting", since="2.6.0", summary="Kill the script currently in execution.", complexity="O(1)", tips="request_policy:all_shards response_policy:one_succeeded")
def script_kill(c: Client, args: list[bytes]):
    """Format: SCRIPT KILL"""
    c.server.scripting.kill()
    return OK


for _name in (b"eval", b"evalsha", b"eval_ro", b"evalsha_ro"):
    COMMANDS[_name].script_writes = eval_writes
    COMMANDS[_name].script_denyoom = eval_denyoom
    COMMANDS[_name].script_stale = eval_stale
