"""Persistence commands: SAVE, BGSAVE, BGREWRITEAOF, LASTSAVE, DUMP, RESTORE
(RESTORE-ASKING), and the DEBUG subcommands RELOAD, LOADAOF, DIGEST, DIGEST-VALUE
and SET-SKIP-CHECKSUM-VALIDATION.

Snapshot state lives on ``c.server.persistence`` (persistence/saver.py);
the RDB value format and the dataset digest are pure functions of
persistence/rdb.py and persistence/digest.py.
"""

from __future__ import annotations

from .. import errors as E
from ..client import Client
from ..db.notify import NOTIFY_GENERIC
from ..errors import CommandError
from ..persistence.digest import dataset_digest, value_digest
from ..persistence.rdb import PayloadVersionError, RdbError, dump_payload, restore_payload
from ..protocol.resp import OK, SimpleString
from .args import parse_int, to_int
from .registry import KeySpec, command
from .server_cmds import debug_subcommand


def _other_child_active(server) -> bool:
    """A fork that is not ours (a replication snapshot) is running."""
    return server.replication.primary.job is not None or server.aof.child_active()


# -- SAVE / BGSAVE / LASTSAVE ------------------------------------------------------


@command("save", 1, "admin noscript no_async_loading no_multi", group="server", since="1.0.0", summary="Synchronously save the dataset to disk", complexity="O(N) where N is the total number of keys in all databases")
def save(c: Client, args: list[bytes]):
    """Format: SAVE"""
    p = c.server.persistence
    if p.child_active():
        raise CommandError(E.BGSAVE_IN_PROGRESS)
    if p.save():
        return OK
    raise CommandError("ERR")


@command("bgsave", -1, "admin noscript no_async_loading", group="server", since="1.0.0", summary="Asynchronously save the dataset to disk", complexity="O(1)")
def bgsave(c: Client, args: list[bytes]):
    """Format: BGSAVE [SCHEDULE]"""
    schedule = False
    if len(args) > 1:
        if len(args) == 2 and args[1].lower() == b"schedule":
            schedule = True
        else:
            raise CommandError(E.SYNTAX)
    server = c.server
    p = server.persistence
    # Inside EXEC (c.no_block is set while EXEC runs its queue) BGSAVE is
    # only scheduled, as in Redis.
    in_exec = server.propagation.in_exec or c.no_block
    if p.child_active():
        raise CommandError(E.BGSAVE_IN_PROGRESS)
    if _other_child_active(server) or in_exec:
        if schedule or in_exec:
            p.bgsave_scheduled = True
            return SimpleString(b"Background saving scheduled")
        raise CommandError(E.BGSAVE_OTHER_CHILD)
    if p.bgsave():
        return SimpleString(b"Background saving started")
    raise CommandError("ERR")


@command("bgrewriteaof", 1, "admin noscript no_async_loading", group="server", since="1.0.0", summary="Asynchronously rewrite the append-only file", complexity="O(1)")
def bgrewriteaof(c: Client, args: list[bytes]):
    """Format: BGREWRITEAOF

    Scheduled (not started) while another child runs or inside EXEC, as
    Redis; the rewrite itself is persistence/aof.py's."""
    server = c.server
    aof = server.aof
    if aof.child_active():
        raise CommandError(E.AOF_REWRITE_IN_PROGRESS)
    in_exec = server.propagation.in_exec or c.no_block
    if in_exec or aof.other_child_active():
        aof.rewrite_scheduled = True
        aof.consecutive_failures = 0  # a manual request is not held back by the failure limit
        return SimpleString(b"Background append only file rewriting scheduled")
    if aof.rewrite_background():
        return SimpleString(b"Background append only file rewriting started")
    raise CommandError(E.AOF_REWRITE_FAILED)


@command("lastsave", 1, "loading stale fast", acl="admin dangerous", group="server", since="1.0.0", summary="Get the UNIX time stamp of the last successful save to disk", complexity="O(1)", tips="nondeterministic_output")
def lastsave(c: Client, args: list[bytes]):
    """Format: LASTSAVE"""
    return c.server.persistence.lastsave


# -- DUMP / RESTORE --------------------------------------------------------------------


@command("dump", 2, "readonly", acl="keyspace", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="generic", since="2.6.0", summary="Return a serialized version of the value stored at the specified key.", complexity="O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).", tips="nondeterministic_output", direct=True)
def dump(c: Client, args: list[bytes]):
    """Format: DUMP key"""
    value = c.db.lookup_read(args[1])
    if value is None:
        return None
    return dump_payload(value, c.server.config)


_RESTORE_COMPLEXITY = (
    "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is "
    "the number of Redis objects composing the value and M their average size. For small string values "
    "the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set "
    "values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N))."
)


@command("restore", -4, "write denyoom", acl="keyspace dangerous", keys=(1, 1, 1), key_specs=(KeySpec("OW UPDATE", index=1),), group="generic", since="2.6.0", summary="Create a key using the provided serialized value, previously obtained using DUMP.", complexity=_RESTORE_COMPLEXITY, direct=True)
def restore(c: Client, args: list[bytes]):
    """Format: RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]"""
    replace = absttl = False
    idle = freq = -1
    j = 4
    n = len(args)
    while j < n:
        opt = args[j].lower()
        more = n - j - 1
        if opt == b"replace":
            replace = True
        elif opt == b"absttl":
            absttl = True
        elif opt == b"idletime" and more >= 1 and freq == -1:
            idle = parse_int(args[j + 1])
            if idle < 0:
                raise CommandError(E.RESTORE_IDLETIME)
            j += 1
        elif opt == b"freq" and more >= 1 and idle == -1:
            freq = parse_int(args[j + 1])
            if freq < 0 or freq > 255:
                raise CommandError(E.RESTORE_FREQ)
            j += 1
        else:
            raise CommandError(E.SYNTAX)
        j += 1
    server = c.server
    db = c.db
    key = args[1]
    if not replace and db.lookup_write(key) is not None:
        raise CommandError(E.BUSYKEY)
    ttl = to_int(args[2])
    if ttl is None:
        raise CommandError(E.NOT_INTEGER)
    if ttl < 0:
        raise CommandError(E.RESTORE_TTL)
    p = server.persistence
    try:
        value = restore_payload(args[3], verify_checksum=not p.skip_checksum_validation, key=key, config=server.config)
    except PayloadVersionError:
        raise CommandError(E.BAD_PAYLOAD) from None
    except RdbError:
        raise CommandError(E.BAD_DATA) from None
    deleted = db.delete(key) if replace else False
    ks = server.keyspace
    if ttl and not absttl:
        ttl += ks.now_ms
    repl = server.replication
    is_replica = repl is not None and repl.is_replica()
    if ttl and ttl <= ks.now_ms and not server.loading and not is_replica:
        # Already expired: the key is gone (and its deletion replicated).
        if deleted:
            cmd = b"UNLINK" if server.config.lazyfree_lazy_server_del else b"DEL"
            c.propagate_as = [[cmd, key]]
            db.signal_modified(key)
            db.notify(NOTIFY_GENERIC, b"del", key)
            server.dirty += 1
        return OK
    db.set(key, value)
    if ttl:
        db.set_expire(key, ttl)
        if not absttl:
            c.propagate_as = [[b"RESTORE", key, b"%d" % ttl, *args[3:], b"ABSTTL"]]
    p.apply_access(db, key, idle, freq)
    db.signal_modified(key)
    db.notify(NOTIFY_GENERIC, b"restore", key)
    server.dirty += 1
    return OK


@command("restore-asking", -4, "write denyoom asking", acl="keyspace dangerous", keys=(1, 1, 1), key_specs=(KeySpec("OW UPDATE", index=1),), group="server", since="3.0.0", summary="An internal command for migrating keys in a cluster", complexity=_RESTORE_COMPLEXITY, doc_flags="syscmd")
def restore_asking(c: Client, args: list[bytes]):
    """Format: RESTORE-ASKING key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]"""
    return restore(c, args)


# -- DEBUG RELOAD / DIGEST / DIGEST-VALUE --------------------------------------------


@debug_subcommand("reload")
def debug_reload(c: Client, args: list[bytes]):
    """Format: DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]"""
    flush = save_first = True
    merge = False
    for opt in args[2:]:
        o = opt.lower()
        if o == b"merge":
            merge = True
        elif o == b"noflush":
            flush = False
        elif o == b"nosave":
            save_first = False
        else:
            raise CommandError(E.DEBUG_RELOAD_OPTIONS)
    err = c.server.persistence.debug_reload(save=save_first, flush=flush, merge=merge)
    if err:
        raise CommandError(err)
    return OK


@debug_subcommand("loadaof")
def debug_loadaof(c: Client, args: list[bytes]):
    """Format: DEBUG LOADAOF"""
    c.server.aof.debug_loadaof()
    return OK


@debug_subcommand("digest")
def debug_digest(c: Client, args: list[bytes]):
    """Format: DEBUG DIGEST"""
    if len(args) != 2:
        raise CommandError(E.DEBUG_SUBCOMMAND % args[1].decode("utf-8", "replace"))
    return SimpleString(dataset_digest(c.server.keyspace.dbs).encode())


@debug_subcommand("digest-value")
def debug_digest_value(c: Client, args: list[bytes]):
    """Format: DEBUG DIGEST-VALUE key [key ...]

    Logically expired keys are still digested, as in Redis."""
    db = c.db
    return [
        SimpleString(value_digest(db.data.get(key), key in db.expires).encode())
        for key in args[2:]
    ]


@debug_subcommand("set-skip-checksum-validation")
def debug_skip_checksum(c: Client, args: list[bytes]):
    """Format: DEBUG SET-SKIP-CHECKSUM-VALIDATION <0|1>"""
    if len(args) != 3:
        raise CommandError(E.DEBUG_SUBCOMMAND % args[1].decode("utf-8", "replace"))
    c.server.persistence.skip_checksum_validation = parse_int(args[2]) != 0
    return OK
