"""Server commands: COMMAND, CONFIG, INFO, DBSIZE, FLUSHDB, FLUSHALL,
SWAPDB, TIME, SHUTDOWN, DEBUG."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from .. import errors as E
from ..client import Client, is_local_client
from ..config import ConfigError, ConfigLoadingError
from ..errors import CommandError
from ..protocol.resp import OK, MapReply, SetReply, SimpleString, Verbatim, status_lines
from ..strconv import strtod
from .args import c_atoi, to_int
from .info import render_info
from .registry import COMMANDS, CommandSpec, KeySpec, command, key_flag_names
from .results import NO_REPLY

# -- COMMAND --------------------------------------------------------------------


def _key_flags(flags: int) -> SetReply:
    return SetReply(SimpleString(f.encode()) for f in key_flag_names(flags))


def _key_spec_reply(ks: KeySpec) -> MapReply:
    """One key spec as Redis's addReplyCommandKeySpecs prints it."""
    items: list[tuple[bytes, object]] = []
    if ks.notes:
        items.append((b"notes", ks.notes.encode()))
    items.append((b"flags", _key_flags(ks.flags)))
    if ks.begin == "index":
        begin = MapReply([(b"index", ks.index)])
    elif ks.begin == "keyword":
        begin = MapReply([(b"keyword", ks.keyword), (b"startfrom", ks.startfrom)])
    else:
        begin = MapReply()
    items.append((b"begin_search", MapReply([(b"type", ks.begin.encode()), (b"spec", begin)])))
    if ks.find == "range":
        find = MapReply([(b"lastkey", ks.lastkey), (b"keystep", ks.keystep), (b"limit", ks.limit)])
    elif ks.find == "keynum":
        find = MapReply([(b"keynumidx", ks.keynumidx), (b"firstkey", ks.firstkey), (b"keystep", ks.keystep)])
    else:
        find = MapReply()
    items.append((b"find_keys", MapReply([(b"type", ks.find.encode()), (b"spec", find)])))
    return MapReply(items)


def _key_specs(spec: CommandSpec) -> SetReply:
    specs = spec.key_specs
    if specs is None:
        # Not declared yet: one range spec from the legacy triple.
        if spec.first_key <= 0:
            return SetReply()
        last = spec.last_key
        lastkey = last - spec.first_key if last >= 0 else last
        flags = "RW ACCESS UPDATE" if spec.is_write else "RO ACCESS"
        specs = (KeySpec(flags, index=spec.first_key, lastkey=lastkey, keystep=spec.key_step),)
    return SetReply(_key_spec_reply(ks) for ks in specs)


def command_info(spec: CommandSpec) -> list:
    return [
        spec.name.encode(),
        spec.arity,
        SetReply(SimpleString(f.encode()) for f in spec.printed_flags()),
        spec.first_key,
        spec.last_key,
        spec.key_step,
        SetReply(SimpleString(b"@" + c.encode()) for c in spec.acl_categories()),
        SetReply(t.encode() for t in spec.tips),
        _key_specs(spec),
        # Redis answers an empty set, or an array of the subcommands.
        [command_info(s) for s in spec.subcommands.values()] if spec.subcommands else SetReply(),
    ]


def command_docs(spec: CommandSpec) -> MapReply:
    items: list[tuple[bytes, object]] = [
        (b"summary", spec.summary.encode()),
        (b"since", spec.since.encode()),
        (b"group", spec.group.encode()),
    ]
    if spec.complexity:
        items.append((b"complexity", spec.complexity.encode()))
    if spec.doc_flags:
        items.append((b"doc_flags", SetReply(SimpleString(f.encode()) for f in spec.doc_flags)))
    if spec.deprecated_since:
        items.append((b"deprecated_since", spec.deprecated_since.encode()))
    if spec.replaced_by:
        items.append((b"replaced_by", spec.replaced_by.encode()))
    if spec.arguments:
        items.append((b"arguments", _doc_arguments(spec.arguments)))
    if spec.subcommands:
        items.append(
            (b"subcommands", MapReply([(s.name.encode(), command_docs(s)) for s in spec.subcommands.values()]))
        )
    return MapReply(items)


def _doc_arguments(arguments: tuple[dict, ...]) -> list:
    """Redis's addReplyCommandArgList: one map per argument."""
    out = []
    for a in arguments:
        items: list = [(b"name", a["name"].encode()), (b"type", a["type"].encode())]
        if "key_spec_index" in a:
            items.append((b"key_spec_index", a["key_spec_index"]))
        for field_ in ("token", "summary", "since", "deprecated_since"):
            if field_ in a:
                items.append((field_.encode(), a[field_].encode()))
        if a.get("flags"):
            items.append((b"flags", SetReply(SimpleString(f.encode()) for f in a["flags"].split())))
        if a["type"] in ("oneof", "block"):
            items.append((b"arguments", _doc_arguments(a.get("arguments", ()))))
        out.append(MapReply(items))
    return out


def _find_spec(name: bytes) -> CommandSpec | None:
    name = name.lower()
    if b"|" in name:
        base, sub = name.split(b"|", 1)
        parent = COMMANDS.get(base)
        return parent.subcommands.get(sub) if parent is not None else None
    return COMMANDS.get(name)


@command("command", -1, "loading stale", acl="connection", group="server", since="2.8.13", summary="Get array of Redis command details", complexity="O(N) where N is the total number of Redis commands", tips="nondeterministic_output_order")
def command_(c: Client, args: list[bytes]):
    """Format: COMMAND"""
    return [command_info(s) for s in COMMANDS.values()]


@command("command|count", 2, "loading stale", acl="connection", group="server", since="2.8.13", summary="Get total number of Redis commands", complexity="O(1)")
def command_count(c: Client, args: list[bytes]):
    return len(COMMANDS)


@command("command|info", -2, "loading stale", acl="connection", group="server", since="2.8.13", summary="Get array of specific Redis command details, or all when no argument is given.", complexity="O(N) where N is the number of commands to look up", tips="nondeterministic_output_order")
def command_info_cmd(c: Client, args: list[bytes]):
    """Format: COMMAND INFO [command-name ...]"""
    if len(args) == 2:
        return [command_info(s) for s in COMMANDS.values()]
    out = []
    for name in args[2:]:
        spec = _find_spec(name)
        out.append(command_info(spec) if spec is not None else None)
    return out


@command("command|docs", -2, "loading stale", acl="connection", group="server", since="7.0.0", summary="Get array of specific Redis command documentation", complexity="O(N) where N is the number of commands to look up", tips="nondeterministic_output_order")
def command_docs_cmd(c: Client, args: list[bytes]):
    """Format: COMMAND DOCS [command-name ...]"""
    if len(args) == 2:
        specs = list(COMMANDS.values())
    else:
        specs = [s for s in (_find_spec(n) for n in args[2:]) if s is not None]
    return MapReply([(s.name.encode(), command_docs(s)) for s in specs])


@command("command|list", -2, "loading stale", acl="connection", group="server", since="7.0.0", summary="Get an array of Redis command names", complexity="O(N) where N is the total number of Redis commands", tips="nondeterministic_output_order")
def command_list(c: Client, args: list[bytes]):
    """Format: COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]"""
    specs: list[CommandSpec] = []
    for s in COMMANDS.values():
        specs.append(s)
        specs.extend(s.subcommands.values())
    if len(args) == 2:
        return [s.name.encode() for s in specs]
    if len(args) != 5 or args[2].lower() != b"filterby":
        raise CommandError(E.SYNTAX)
    kind, val = args[3].lower(), args[4]
    if kind == b"module":
        return []
    if kind == b"aclcat":
        cat = val.lower().decode("utf-8", "replace")
        return [s.name.encode() for s in specs if cat in s.acl_categories()]
    if kind == b"pattern":
        from ..globmatch import glob_match

        return [s.name.encode() for s in specs if glob_match(val, s.name.encode(), nocase=True)]
    raise CommandError(E.SYNTAX)


@command("command|getkeys", -4, "loading stale", acl="connection", group="server", since="2.8.13", summary="Extract keys given a full Redis command", complexity="O(N) where N is the number of arguments to the command")
def command_getkeys(c: Client, args: list[bytes]):
    """Format: COMMAND GETKEYS command [arg ...]"""
    return [args[2 + i] for i in _getkeys(args[2:])]


@command("command|getkeysandflags", -4, "loading stale", acl="connection", group="server", since="7.0.0", summary="Extract keys and access flags given a full Redis command", complexity="O(N) where N is the number of arguments to the command")
def command_getkeysandflags(c: Client, args: list[bytes]):
    """Format: COMMAND GETKEYSANDFLAGS command [arg ...]"""
    cmd = args[2:]
    spec = _lookup(cmd)
    if not spec.has_keys:
        raise CommandError(E.NO_KEY_ARGUMENTS)
    _check_arity(spec, cmd)
    refs = spec.key_refs(cmd)
    if not refs and "no_mandatory_keys" not in spec.flags:
        raise CommandError(E.INVALID_GETKEYS_ARGS)
    return [[cmd[i], _key_flags(flags)] for i, flags in refs]


def _lookup(cmd: list[bytes]) -> CommandSpec:
    spec = COMMANDS.get(cmd[0].lower())
    if spec is None:
        raise CommandError(E.INVALID_COMMAND)
    if spec.subcommands and len(cmd) >= 2:
        sub = spec.subcommands.get(cmd[1].lower())
        if sub is None:
            raise CommandError(E.INVALID_COMMAND)
        spec = sub
    return spec


def _check_arity(spec: CommandSpec, cmd: list[bytes]) -> None:
    if (spec.arity > 0 and spec.arity != len(cmd)) or len(cmd) < -spec.arity:
        raise CommandError(E.GETKEYS_ARITY)


def _resolve(cmd: list[bytes]) -> CommandSpec:
    spec = _lookup(cmd)
    _check_arity(spec, cmd)
    return spec


def _getkeys(cmd: list[bytes]) -> list[int]:
    """getKeysSubcommandImpl: a command without keys, a wrong argument
    count, then keys not found (an empty array for EVAL with numkeys 0)."""
    spec = _lookup(cmd)
    if not spec.has_keys:
        raise CommandError(E.NO_KEY_ARGUMENTS)
    _check_arity(spec, cmd)
    keys = spec.key_positions(cmd)
    if not keys and "no_mandatory_keys" not in spec.flags:
        raise CommandError(E.INVALID_GETKEYS_ARGS)
    return keys


COMMAND_HELP = [
    b"COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"(no subcommand)",
    b"    Return details about all Redis commands.",
    b"COUNT",
    b"    Return the total number of commands in this Redis server.",
    b"LIST",
    b"    Return a list of all commands in this Redis server.",
    b"INFO [<command-name> ...]",
    b"    Return details about multiple Redis commands.",
    b"    If no command names are given, documentation details for all",
    b"    commands are returned.",
    b"DOCS [<command-name> ...]",
    b"    Return documentation details about multiple Redis commands.",
    b"    If no command names are given, documentation details for all",
    b"    commands are returned.",
    b"GETKEYS <full-command>",
    b"    Return the keys from a full Redis command.",
    b"GETKEYSANDFLAGS <full-command>",
    b"    Return the keys and the access flags from a full Redis command.",
    b"HELP",
    b"    Prints this help.",
]


@command("command|help", 2, "loading stale", acl="connection", group="server", since="5.0.0", summary="Show helpful text about the different subcommands", complexity="O(1)")
def command_help(c: Client, args: list[bytes]):
    return status_lines(COMMAND_HELP)


# -- CONFIG ----------------------------------------------------------------------

command("config", -2, "", group="server", since="2.0.0", summary="A container for server configuration commands", complexity="Depends on subcommand.")(None)

CONFIG_HELP = [
    b"CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"GET <pattern>",
    b"    Return parameters matching the glob-like <pattern> and their values.",
    b"SET <directive> <value>",
    b"    Set the configuration <directive> to <value>.",
    b"RESETSTAT",
    b"    Reset statistics reported by the INFO command.",
    b"REWRITE",
    b"    Rewrite the configuration file.",
    b"HELP",
    b"    Prints this help.",
]


@command("config|help", 2, "loading stale", group="server", since="5.0.0", summary="Show helpful text about the different subcommands", complexity="O(1)")
def config_help(c: Client, args: list[bytes]):
    return status_lines(CONFIG_HELP)


@command("config|get", -3, "admin noscript loading stale", group="server", since="2.0.0", summary="Get the values of configuration parameters", complexity="O(N) when N is the number of configuration parameters provided")
def config_get(c: Client, args: list[bytes]):
    """Format: CONFIG GET parameter [parameter ...]"""
    return MapReply(c.server.config.get_matching(args[2:]))


@command("config|set", -4, "admin noscript loading stale", group="server", since="2.0.0", summary="Set configuration parameters to the given values", complexity="O(N) when N is the number of configuration parameters provided", tips="request_policy:all_nodes response_policy:all_succeeded")
def config_set(c: Client, args: list[bytes]):
    """Format: CONFIG SET parameter value [parameter value ...]"""
    if len(args) % 2:
        raise CommandError(E.SYNTAX)
    pairs = [(args[i], args[i + 1]) for i in range(2, len(args), 2)]
    cfg = c.server.config
    try:
        cfg.set_many(pairs, local_client=_is_local(c), loading=c.server.loading)
    except ConfigLoadingError:
        raise CommandError(E.LOADING) from None
    except ConfigError as e:
        raise CommandError("ERR " + str(e)) from None
    # A parameter radish accepts but does not act on is logged when set to
    # anything but its default.
    for name, _ in pairs:
        warning = cfg.unenforced_warning(name.decode("ascii", "replace"))
        if warning is not None:
            c.server.log.warning(warning)
    return OK


@command("config|resetstat", 2, "admin noscript loading stale", group="server", since="2.0.0", summary="Reset the stats returned by INFO", complexity="O(1)")
def config_resetstat(c: Client, args: list[bytes]):
    server = c.server
    server.stats.reset()
    ks = server.keyspace
    ks.expired_keys = ks.keyspace_hits = ks.keyspace_misses = 0
    ks.expired_stale_perc = 0.0
    ks.expired_time_cap_reached_count = 0
    ks.lazyfree.reset_stats()
    for spec in COMMANDS.values():
        for s in [spec, *spec.subcommands.values()]:
            s.calls = s.usec = s.rejected_calls = s.failed_calls = 0
            s.latency_hist = None
    return OK


@command("config|rewrite", 2, "admin noscript loading stale", group="server", since="2.8.0", summary="Overwrite the configuration file with the in-memory configuration", complexity="O(1)")
def config_rewrite(c: Client, args: list[bytes]):
    server = c.server
    # Users: written back as ACL LIST shows them, unless an ACL file keeps
    # them (then the file's user lines go), as rewriteConfigUserOption.
    users = [] if server.config.aclfile else server.acl.describe_lines()
    try:
        server.config.rewrite({"user": users})
    except ConfigError as e:
        raise CommandError("ERR " + str(e)) from None
    except OSError as e:
        raise CommandError(E.CONFIG_REWRITE_FAILED % (e.strerror or e)) from None
    c.server.log.notice("CONFIG REWRITE executed with success.")
    return OK


# -- INFO and keyspace-wide commands ----------------------------------------------------


@command("info", -1, "loading stale", acl="dangerous", group="server", since="1.0.0", summary="Get information and statistics about the server", complexity="O(1)", tips="nondeterministic_output request_policy:all_shards response_policy:special")
def info(c: Client, args: list[bytes]):
    """Format: INFO [section [section ...]]"""
    return Verbatim(render_info(c.server, [a.decode("utf-8", "replace") for a in args[1:]]))


@command("dbsize", 1, "readonly fast", acl="keyspace", group="server", since="1.0.0", summary="Return the number of keys in the selected database", complexity="O(1)", tips="request_policy:all_shards response_policy:agg_sum")
def dbsize(c: Client, args: list[bytes]):
    return len(c.db.data)


def _flush_mode(c: Client, args: list[bytes]) -> bool:
    """getFlushCommandFlags: whether to free asynchronously (ASYNC, or no
    argument under lazyfree-lazy-user-flush)."""
    if len(args) > 2:
        raise CommandError(E.SYNTAX)
    if len(args) == 2:
        mode = args[1].lower()
        if mode not in (b"sync", b"async"):
            raise CommandError(E.SYNTAX)
        return mode == b"async"
    return bool(c.server.config.lazyfree_lazy_user_flush)


@command("flushdb", -1, "write", acl="keyspace dangerous", group="server", since="1.0.0", summary="Remove all keys from the current database", complexity="O(N) where N is the number of keys in the selected database", tips="request_policy:all_shards response_policy:all_succeeded")
def flushdb(c: Client, args: list[bytes]):
    """Format: FLUSHDB [ASYNC | SYNC]"""
    c.db.flush(_flush_mode(c, args))
    c.server.dirty += 1
    c.server.on_flush(c.db.id)
    return OK


@command("flushall", -1, "write", acl="keyspace dangerous", group="server", since="1.0.0", summary="Remove all keys from all databases", complexity="O(N) where N is the total number of keys in all databases", tips="request_policy:all_shards response_policy:all_succeeded")
def flushall(c: Client, args: list[bytes]):
    """Format: FLUSHALL [ASYNC | SYNC]"""
    c.server.keyspace.flushall(_flush_mode(c, args))
    c.server.dirty += 1
    c.server.persistence.on_flushall()
    c.server.on_flush(-1)
    return OK


@command("swapdb", 3, "write fast", acl="keyspace dangerous", group="server", since="4.0.0", summary="Swaps two Redis databases", complexity="O(N) where N is the count of clients watching or blocking on keys from both databases.")
def swapdb(c: Client, args: list[bytes]):
    """Format: SWAPDB index1 index2"""
    if c.server.cluster is not None:
        raise CommandError(E.SWAPDB_CLUSTER)
    a = to_int(args[1])
    if a is None:
        raise CommandError(E.INVALID_FIRST_DB)
    b = to_int(args[2])
    if b is None:
        raise CommandError(E.INVALID_SECOND_DB)
    n = len(c.server.keyspace.dbs)
    if a < 0 or a >= n or b < 0 or b >= n:
        raise CommandError(E.INVALID_DB)
    c.server.keyspace.swap(a, b)
    c.server.dirty += 1
    c.server.on_swapdb(a, b)
    return OK


@command("time", 1, "loading stale fast", group="server", since="2.6.0", summary="Return the current server time", complexity="O(1)", tips="nondeterministic_output")
def time_(c: Client, args: list[bytes]):
    now = time.time()
    sec = int(now)
    return [str(sec).encode(), str(int((now - sec) * 1_000_000)).encode()]


# -- SHUTDOWN ---------------------------------------------------------------------


@command("shutdown", -1, "admin noscript loading stale no_multi allow_busy", group="server", since="1.0.0", summary="Synchronously save the dataset to disk and then shut down the server", complexity="O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)")
def shutdown(c: Client, args: list[bytes]):
    """Format: SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]"""
    save = None
    now = force = abort = False
    for a in args[1:]:
        a = a.lower()
        if a == b"nosave":
            save = False
        elif a == b"save":
            save = True
        elif a == b"now":
            now = True
        elif a == b"force":
            force = True
        elif a == b"abort":
            abort = True
        else:
            raise CommandError(E.SYNTAX)
    if abort:
        if len(args) != 2:
            raise CommandError(E.SYNTAX)
        raise CommandError(E.NO_SHUTDOWN)
    if save is False and len([a for a in args[1:] if a.lower() in (b"nosave", b"save")]) > 1:
        raise CommandError(E.SYNTAX)
    if save is not False and c.server.busy_script:  # only SHUTDOWN NOSAVE stops a busy script
        raise CommandError(c.server.busy_reply)
    err = c.server.prepare_shutdown(save=save, now=now, force=force)
    if err:
        raise CommandError(err)
    c.server.request_shutdown(0)
    c.close_after_reply = True
    return NO_REPLY


# -- DEBUG ------------------------------------------------------------------------

DEBUG_SUBCOMMANDS: dict[bytes, Callable[[Client, list[bytes]], object]] = {}


def debug_subcommand(name: str):
    """Register a DEBUG subcommand handler (later layers add their own)."""

    def reg(fn):
        DEBUG_SUBCOMMANDS[name.encode()] = fn
        return fn

    return reg


@command("debug", -2, "admin noscript loading stale protected", group="server", since="1.0.0", summary="A container for debugging commands", complexity="Depends on subcommand.", doc_flags="syscmd")
def debug(c: Client, args: list[bytes]):
    """Format: DEBUG subcommand [arg ...]

    enable-debug-command is checked by the dispatcher (the spec is
    protected), before authentication and MULTI queueing, as in Redis."""
    sub = args[1].lower()
    fn = DEBUG_SUBCOMMANDS.get(sub)
    if fn is None:
        raise CommandError(
            E.DEBUG_SUBCOMMAND
            % args[1].decode("utf-8", "replace")
        )
    return fn(c, args)


_is_local = is_local_client


@debug_subcommand("help")
def debug_help(c: Client, args: list[bytes]):
    return status_lines([
        b'DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
        b'AOF-FLUSH-SLEEP <microsec>',
        b'    Server will sleep before flushing the AOF, this is used for testing.',
        b'ASSERT',
        b'    Crash by assertion failed.',
        b'CHANGE-REPL-ID',
        b'    Change the replication IDs of the instance.',
        b'    Dangerous: should be used only for testing the replication subsystem.',
        b'CONFIG-REWRITE-FORCE-ALL',
        b'    Like CONFIG REWRITE but writes all configuration options, including',
        b'    keywords not listed in original configuration file or default values.',
        b'CRASH-AND-RECOVER [<milliseconds>]',
        b'    Hard crash and restart after a <milliseconds> delay (default 0).',
        b'DIGEST',
        b'    Output a hex signature representing the current DB content.',
        b'DIGEST-VALUE <key> [<key> ...]',
        b'    Output a hex signature of the values of all the specified keys.',
        b'ERROR <string>',
        b'    Return a Redis protocol error with <string> as message. Useful for clients',
        b'    unit tests to simulate Redis errors.',
        b'LEAK <string>',
        b'    Create a memory leak of the input string.',
        b'LOG <message>',
        b'    Write <message> to the server log.',
        b'HTSTATS <dbid>',
        b'    Return hash table statistics of the specified Redis database.',
        b'HTSTATS-KEY <key>',
        b"    Like HTSTATS but for the hash table stored at <key>'s value.",
        b'LOADAOF',
        b'    Flush the AOF buffers on disk and reload the AOF in memory.',
        b'REPLICATE <string>',
        b'    Replicates the provided string to replicas, allowing data divergence.',
        b'MALLCTL <key> [<val>]',
        b'    Get or set a malloc tuning integer.',
        b'MALLCTL-STR <key> [<val>]',
        b'    Get or set a malloc tuning string.',
        b'OBJECT <key>',
        b'    Show low level info about `key` and associated value.',
        b'DROP-CLUSTER-PACKET-FILTER <packet-type>',
        b'    Drop all packets that match the filtered type. Set to -1 allow all packets.',
        b'OOM',
        b'    Crash the server simulating an out-of-memory error.',
        b'PANIC',
        b'    Crash the server simulating a panic.',
        b'POPULATE <count> [<prefix>] [<size>]',
        b'    Create <count> string keys named key:<num>. If <prefix> is specified then',
        b"    it is used instead of the 'key' prefix. These are not propagated to",
        b'    replicas. Cluster slots are not respected so keys not belonging to the',
        b'    current node can be created in cluster mode.',
        b'PROTOCOL <type>',
        b'    Reply with a test value of the specified type. <type> can be: string,',
        b'    integer, double, bignum, null, array, set, map, attrib, push, verbatim,',
        b'    true, false.',
        b'RELOAD [option ...]',
        b'    Save the RDB on disk and reload it back to memory. Valid <option> values:',
        b'    * MERGE: conflicting keys will be loaded from RDB.',
        b'    * NOFLUSH: the existing database will not be removed before load, but',
        b'      conflicting keys will generate an exception and kill the server.',
        b'    * NOSAVE: the database will be loaded from an existing RDB file.',
        b'    Examples:',
        b'    * DEBUG RELOAD: verify that the server is able to persist, flush and reload',
        b'      the database.',
        b'    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an',
        b'      existing RDB file.',
        b'    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB',
        b'      file to the database.',
        b'RESTART [<milliseconds>]',
        b'    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).',
        b'SDSLEN <key>',
        b'    Show low level SDS string info representing `key` and value.',
        b'SEGFAULT',
        b'    Crash the server with sigsegv.',
        b'SET-ACTIVE-EXPIRE <0|1>',
        b'    Setting it to 0 disables expiring keys in background when they are not',
        b'    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the',
        b'    default.',
        b'QUICKLIST-PACKED-THRESHOLD <size>',
        b'    Sets the threshold for elements to be inserted as plain vs packed nodes',
        b'    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.',
        b'SET-SKIP-CHECKSUM-VALIDATION <0|1>',
        b"    Enables or disables checksum checks for RDB files and RESTORE's payload.",
        b'SLEEP <seconds>',
        b'    Stop the server for <seconds>. Decimals allowed.',
        b'STRINGMATCH-TEST',
        b'    Run a fuzz tester against the stringmatchlen() function.',
        b'STRUCTSIZE',
        b'    Return the size of different Redis core C structures.',
        b'LISTPACK <key>',
        b'    Show low level info about the listpack encoding of <key>.',
        b'QUICKLIST <key> [<0|1>]',
        b'    Show low level info about the quicklist encoding of <key>.',
        b'    The optional argument (0 by default) sets the level of detail',
        b'CLIENT-EVICTION',
        b'    Show low level client eviction pools info (maxmemory-clients).',
        b'PAUSE-CRON <0|1>',
        b'    Stop periodic cron job processing.',
        b'REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>',
        b'    Sets the time (in milliseconds) to wait between client reply buffer peak resets.',
        b'    In case NEVER is provided the last observed peak will never be reset',
        b'    In case RESET is provided the peak reset time will be restored to the default value',
        b'REPLYBUFFER RESIZING <0|1>',
        b'    Enable or disable the reply buffer resize cron job',
        b'CLUSTERLINK KILL <to|from|all> <node-id>',
        b'    Kills the link based on the direction to/from (both) with the provided node.',
        b'HELP',
        b'    Prints this help.',
    ])


@debug_subcommand("sleep")
def debug_sleep(c: Client, args: list[bytes]):
    if len(args) != 3:
        raise CommandError(E.DEBUG_SUBCOMMAND % args[1].decode("utf-8", "replace"))
    # strtod's prefix, then (long long)(dtime * 1000000) microseconds;
    # nanosleep refuses a negative time (inf and nan convert to LLONG_MIN).
    dtime = strtod(args[2])[0] * 1000000
    usecs = int(dtime) if math.isfinite(dtime) and abs(dtime) < 2.0**63 else -1
    if usecs > 0:
        time.sleep(usecs / 1000000)
    return OK


@debug_subcommand("log")
def debug_log(c: Client, args: list[bytes]):
    if len(args) != 3:
        raise CommandError(E.DEBUG_SUBCOMMAND % args[1].decode("utf-8", "replace"))
    c.server.log.warning("DEBUG LOG: %s" % args[2].decode("utf-8", "replace"))
    return OK


@debug_subcommand("set-active-expire")
def debug_set_active_expire(c: Client, args: list[bytes]):
    if len(args) != 3:
        raise CommandError(E.DEBUG_SUBCOMMAND % args[1].decode("utf-8", "replace"))
    c.server.keyspace.active_expire_enabled = c_atoi(args[2]) != 0
    return OK


@debug_subcommand("object")
def debug_object(c: Client, args: list[bytes]):
    """DEBUG OBJECT key: the value's address (its id), encoding, the length
    of its RDB serialization (rdbSavedObjectLen), the access stamp as Redis
    prints robj->lru (the LRU clock's seconds, or the LFU word), idle
    seconds, and a list's quicklist figures (its nodes, the fill it was
    made with, the nodes' bytes)."""
    if len(args) != 3:
        raise CommandError(E.DEBUG_SUBCOMMAND % args[1].decode("utf-8", "replace"))
    from ..persistence.rdb import dump_payload
    from .types import describe_encoding

    key = args[2]
    db = c.db
    v = db.data.get(key)  # the table itself: a logically expired key is still shown, as Redis's dictFind
    if v is None:
        raise CommandError(E.NO_SUCH_KEY)
    server = c.server
    cfg = server.config
    enc = describe_encoding(server, v)
    serialized = len(dump_payload(v, cfg)) - 11  # less the type byte, RDB version and CRC
    stamp = db.lru.get(key, 0)
    lru = stamp if db.ks.lfu_mode else stamp & 0xFFFFFF
    extra = ""
    if enc == "quicklist":
        nodes = v.node_count()
        extra = " ql_nodes:%d ql_avg_node:%.2f ql_listpack_max:%d ql_compressed:%d ql_uncompressed_size:%d" % (
            nodes, len(v) / nodes if nodes else 0.0, v.fill,
            0, v.nbytes(),  # ql_compressed: radish never compresses list nodes
        )
    return SimpleString(
        ("Value at:%#x refcount:1 encoding:%s serializedlength:%d lru:%d lru_seconds_idle:%d%s"
         % (id(v), enc, serialized, lru, db.idle_seconds(key), extra)).encode()
    )


@debug_subcommand("error")
def debug_error(c: Client, args: list[bytes]):
    if len(args) != 3:
        raise CommandError(E.DEBUG_SUBCOMMAND % args[1].decode("utf-8", "replace"))
    raise CommandError(args[2].decode("utf-8", "replace"))
