"""Redis Functions: FUNCTION LOAD / DELETE / FLUSH / LIST / DUMP / RESTORE /
STATS / KILL / HELP, FCALL and FCALL_RO (Redis 7.0's functions.c).

The libraries and their interpreter live in the script engine
(``c.server.scripting``); these handlers parse arguments and hand over.
FUNCTION LOAD, DELETE, FLUSH and RESTORE dirty the server, so they reach
replicas and the AOF as themselves; FCALL propagates the writes its
function performs (effects), never itself, as EVAL.
"""

from __future__ import annotations

import time

from .. import errors as E
from ..client import Client
from ..errors import CommandError
from ..globmatch import glob_match
from ..protocol.resp import OK, MapReply, SetReply, SimpleString, status_lines
from .args import numkeys_key_refs, to_int
from .introspection import feed_monitors
from .registry import COMMANDS, KeySpec, command
from .scripting import script_oom_refusal, script_write_refusal

command("function", -2, "", group="scripting", since="7.0.0", summary="A container for function commands", complexity="Depends on subcommand.")(None)

_WRITE_TIPS = "request_policy:all_shards response_policy:all_succeeded"


@command("function|load", -3, "noscript write denyoom", acl="scripting", group="scripting", since="7.0.0", summary="Create a function with the given arguments (name, code, description)", complexity="O(1) (considering compilation time is redundant)", tips=_WRITE_TIPS)
def function_load(c: Client, args: list[bytes]):
    """Format: FUNCTION LOAD [REPLACE] function-code"""
    replace = False
    i = 2
    while i < len(args) - 1:
        if args[i].lower() != b"replace":
            raise CommandError("ERR Unknown option given: %s" % args[i].decode("utf-8", "replace"))
        replace = True
        i += 1
    name = c.server.scripting.function_load(args[-1], replace, timeout=not c.must_obey())
    c.server.dirty += 1
    return name


@command("function|delete", 3, "noscript write", acl="scripting", group="scripting", since="7.0.0", summary="Delete a function by name", complexity="O(1)", tips=_WRITE_TIPS)
def function_delete(c: Client, args: list[bytes]):
    """Format: FUNCTION DELETE library-name"""
    c.server.scripting.function_delete(args[2])
    c.server.dirty += 1
    return OK


@command("function|flush", -2, "noscript write", acl="scripting", group="scripting", since="7.0.0", summary="Deleting all functions", complexity="O(N) where N is the number of functions deleted", tips=_WRITE_TIPS)
def function_flush(c: Client, args: list[bytes]):
    """Format: FUNCTION FLUSH [ASYNC | SYNC]"""
    if len(args) > 3:
        raise CommandError(E.SUBCOMMAND_SYNTAX % (args[1].decode("utf-8", "replace")[:128], args[0].decode("utf-8", "replace").upper()))
    if len(args) == 3 and args[2].lower() not in (b"sync", b"async"):
        raise CommandError("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
    lazy = args[2].lower() == b"async" if len(args) == 3 else bool(c.server.config.lazyfree_lazy_user_flush)
    n = len(c.server.scripting.libs.functions)
    c.server.scripting.function_flush()
    if lazy:
        c.server.keyspace.lazyfree.account_if_big(n)  # freeFunctionsAsync's counting
    c.server.dirty += 1
    return OK


@command("function|list", -2, "noscript", acl="scripting", group="scripting", since="7.0.0", summary="List information about all the functions", complexity="O(N) where N is the number of functions", tips="nondeterministic_output_order")
def function_list(c: Client, args: list[bytes]):
    """Format: FUNCTION LIST [LIBRARYNAME library-name-pattern] [WITHCODE]"""
    with_code = False
    pattern = None
    i = 2
    while i < len(args):
        a = args[i].lower()
        if not with_code and a == b"withcode":
            with_code = True
        elif pattern is None and a == b"libraryname":
            if i >= len(args) - 1:
                raise CommandError("ERR library name argument was not given")
            i += 1
            pattern = args[i]
        else:
            raise CommandError("ERR Unknown argument %s" % args[i].decode("utf-8", "replace"))
        i += 1
    out = []
    for lib in c.server.scripting.libs.libraries.values():
        if pattern is not None and not glob_match(pattern, lib.name, nocase=True):
            continue
        functions = [
            MapReply([
                (b"name", fi.name),
                (b"description", fi.description),
                (b"flags", SetReply([SimpleString(f) for f in fi.ordered_flags()])),
            ])
            for fi in lib.functions.values()
        ]
        entry = [(b"library_name", lib.name), (b"engine", b"LUA"), (b"functions", functions)]
        if with_code:
            entry.append((b"library_code", lib.code))
        out.append(MapReply(entry))
    return out


@command("function|dump", 2, "noscript", acl="scripting", group="scripting", since="7.0.0", summary="Dump all functions into a serialized binary payload", complexity="O(N) where N is the number of functions")
def function_dump(c: Client, args: list[bytes]):
    """Format: FUNCTION DUMP"""
    return c.server.scripting.function_dump()


_POLICIES = {b"append": "append", b"replace": "replace", b"flush": "flush"}


@command("function|restore", -3, "noscript write denyoom", acl="scripting", group="scripting", since="7.0.0", summary="Restore all the functions on the given payload", complexity="O(N) where N is the number of functions on the payload", tips=_WRITE_TIPS)
def function_restore(c: Client, args: list[bytes]):
    """Format: FUNCTION RESTORE serialized-value [FLUSH | APPEND | REPLACE]"""
    if len(args) > 4:
        raise CommandError(E.SUBCOMMAND_SYNTAX % (args[1].decode("utf-8", "replace")[:128], args[0].decode("utf-8", "replace").upper()))
    policy = "append"
    if len(args) == 4:
        p = _POLICIES.get(args[3].lower())
        if p is None:
            raise CommandError("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")
        policy = p
    e = c.server.scripting
    e.function_restore(e.function_payload_codes(args[2]), policy)
    c.server.dirty += 1
    return OK


@command("function|stats", 2, "noscript allow_busy", acl="scripting", group="scripting", since="7.0.0", summary="Return information about the function currently running (name, description, duration)", complexity="O(1)", tips="nondeterministic_output request_policy:all_shards response_policy:special")
def function_stats(c: Client, args: list[bytes]):
    """Format: FUNCTION STATS"""
    e = c.server.scripting
    if e.running and e.is_eval:
        raise CommandError(E.BUSY)
    running = None
    if e.running:
        running = MapReply([
            (b"name", e.funcname),
            (b"command", list(e.caller_args)),
            (b"duration_ms", int((time.monotonic() - e.start) * 1000)),
        ])
    libs = e.libs
    engines = MapReply([
        (b"LUA", MapReply([(b"libraries_count", len(libs.libraries)), (b"functions_count", libs.function_count())])),
    ])
    return MapReply([(b"running_script", running), (b"engines", engines)])


@command("function|kill", 2, "noscript allow_busy", acl="scripting", group="scripting", since="7.0.0", summary="Kill the function currently in execution.", complexity="O(1)", tips="request_policy:all_shards response_policy:one_succeeded")
def function_kill(c: Client, args: list[bytes]):
    """Format: FUNCTION KILL"""
    c.server.scripting.kill(is_eval=False)
    return OK


FUNCTION_HELP = [
    b"FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"LOAD [REPLACE] <FUNCTION CODE>",
    b"    Create a new library with the given library name and code.",
    b"DELETE <LIBRARY NAME>",
    b"    Delete the given library.",
    b"LIST [LIBRARYNAME PATTERN] [WITHCODE]",
    b"    Return general information on all the libraries:",
    b"    * Library name",
    b"    * The engine used to run the Library",
    b"    * Library description",
    b"    * Functions list",
    b"    * Library code (if WITHCODE is given)",
    b"    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
    b"STATS",
    b"    Return information about the current function running:",
    b"    * Function name",
    b"    * Command used to run the function",
    b"    * Duration in MS that the function is running",
    b"    If no function is running, return nil",
    b"    In addition, returns a list of available engines.",
    b"KILL",
    b"    Kill the current running function.",
    b"FLUSH [ASYNC|SYNC]",
    b"    Delete all the libraries.",
    b"    When called without the optional mode argument, the behavior is determined by the",
    b"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    b"    * ASYNC: Asynchronously flush the libraries.",
    b"    * SYNC: Synchronously flush the libraries.",
    b"DUMP",
    b"    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
    b"RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
    b"    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
    b"    control how to handle existing libraries (default APPEND):",
    b"    * FLUSH: delete all existing libraries.",
    b"    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
    b"    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
    b"      libraries with the new libraries (notice that even on this option there is a chance of failure",
    b"      in case of functions name collision with another library).",
    b"HELP",
    b"    Prints this help.",
]


@command("function|help", 2, "loading stale", acl="scripting", group="scripting", since="7.0.0", summary="Show helpful text about the different subcommands", complexity="O(1)")
def function_help(c: Client, args: list[bytes]):
    """Format: FUNCTION HELP"""
    return status_lines(FUNCTION_HELP)


# -- FCALL ---------------------------------------------------------------------------


def _fcall_getkeys(args: list[bytes]) -> list[int]:
    """Keys of FCALL: ``numkeys`` at index 2 (none when it is not a valid
    count, as COMMAND GETKEYS answers on Redis)."""
    n = to_int(args[2]) if len(args) > 2 else None
    if n is None or n < 0 or n > len(args) - 3:
        return []
    return list(range(3, 3 + n))


def _fcall_flags(c: Client, args: list[bytes]):
    """The flags of the function FCALL names; None for an unknown one (or
    before the first script)."""
    e = c.server.scripting_if_started()
    if e is None:
        return None
    fi = e.libs.functions.get(args[1].lower())
    return None if fi is None else fi.flags


def fcall_writes(c: Client, args: list[bytes]) -> bool | None:
    """fcallGetCommandFlags: whether FCALL of this function counts as a
    write for the generic checks (read-only replica, MISCONF): it does
    unless the function is flagged no-writes; None for an unknown function
    (the command's own flags)."""
    flags = _fcall_flags(c, args)
    return None if flags is None else b"no-writes" not in flags


def fcall_denyoom(c: Client, args: list[bytes]) -> bool | None:
    """Whether FCALL of this function is refused under OOM (deny-oom):
    unless flagged allow-oom or no-writes; None for an unknown function."""
    flags = _fcall_flags(c, args)
    return None if flags is None else b"no-writes" not in flags and b"allow-oom" not in flags


def fcall_stale(c: Client, args: list[bytes]) -> bool | None:
    """scriptFlagsToCmdFlags' stale: FCALL runs on a stale replica only
    for a function flagged allow-stale; None for an unknown function."""
    flags = _fcall_flags(c, args)
    return None if flags is None else b"allow-stale" in flags


def _fcall(c: Client, args: list[bytes], readonly: bool):
    if c.server.monitors:  # before the function's own commands, as Redis
        feed_monitors(c, None, args)
    e = c.server.scripting
    fi = e.libs.functions.get(args[1].lower())
    if fi is None:
        raise CommandError("ERR Function not found")
    n = to_int(args[2])
    if n is None:
        raise CommandError("ERR Bad number of keys provided")
    if n > len(args) - 3:
        raise CommandError(E.NUMKEYS_TOO_MANY)
    if n < 0:
        raise CommandError(E.NUMKEYS_NEGATIVE)
    if c.server.stale_denied() and b"allow-stale" not in fi.flags:  # scriptPrepareForRun
        raise CommandError(E.MASTERDOWN_SCRIPT)
    if b"no-writes" not in fi.flags:
        err = script_write_refusal(c)
        if err:
            raise CommandError(err)
        if b"allow-oom" not in fi.flags:
            err = script_oom_refusal(c)
            if err:
                raise CommandError(err)
    try:
        reply = e.run_function(c, fi, args[3 : 3 + n], args[3 + n :], readonly, args)
    finally:
        c.propagate_as = []  # the function's writes were propagated, not FCALL
    if e.nested_error:  # an error inside the reply: a failed call, as Redis counts it
        COMMANDS[args[0].lower()].failed_calls += 1
    return reply


@command("fcall", -3, "noscript skip_monitor may_replicate no_mandatory_keys stale", acl="scripting", key_specs=(KeySpec("RW ACCESS UPDATE", index=2, keynum=(0, 1, 1), notes="We cannot tell how the keys will be used so we assume the worst, RW and UPDATE"),), getkeys_proc=numkeys_key_refs(2, 3), group="scripting", since="7.0.0", summary="Invoke a function", complexity="Depends on the function that is executed.", getkeys=_fcall_getkeys)
def fcall(c: Client, args: list[bytes]):
    """Format: FCALL function numkeys [key [key ...]] [arg [arg ...]]"""
    return _fcall(c, args, False)


@command("fcall_ro", -3, "readonly noscript skip_monitor no_mandatory_keys stale", acl="scripting", key_specs=(KeySpec("RO ACCESS", index=2, keynum=(0, 1, 1), notes="We cannot tell how the keys will be used so we assume the worst, RO and ACCESS"),), getkeys_proc=numkeys_key_refs(2, 3), group="scripting", since="7.0.0", summary="Invoke a read-only function", complexity="Depends on the function that is executed.", getkeys=_fcall_getkeys)
def fcall_ro(c: Client, args: list[bytes]):
    """Format: FCALL_RO function numkeys [key [key ...]] [arg [arg ...]]"""
    return _fcall(c, args, True)


COMMANDS[b"fcall"].script_writes = fcall_writes
COMMANDS[b"fcall_ro"].script_writes = fcall_writes
COMMANDS[b"fcall"].script_denyoom = fcall_denyoom
COMMANDS[b"fcall_ro"].script_denyoom = fcall_denyoom
COMMANDS[b"fcall"].script_stale = fcall_stale
COMMANDS[b"fcall_ro"].script_stale = fcall_stale
