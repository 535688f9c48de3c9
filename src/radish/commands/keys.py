"""Generic keyspace commands: DEL, UNLINK, EXISTS, TYPE, KEYS, SCAN,
RANDOMKEY, RENAME, RENAMENX, MOVE, COPY, TOUCH, the EXPIRE family, TTL
family, PERSIST and OBJECT."""

from __future__ import annotations

from .. import errors as E
from ..client import Client
from ..db.notify import NOTIFY_GENERIC
from ..errors import CommandError
from ..globmatch import compile_glob
from ..protocol.resp import SimpleString, status_lines
from ..strconv import string2ll, strtoul
from .args import LLONG_MAX, LLONG_MIN, parse_int, to_int
from .registry import KeySpec, command
from .types import describe_encoding, type_name


def _copy_value(v):
    if type(v) is bytes:
        return v
    if type(v) is bytearray:
        return bytearray(v)
    return v.copy()


@command("del", -2, "write", acl="keyspace", keys=(1, -1, 1), key_specs=(KeySpec("RM DELETE", index=1, lastkey=-1),), group="generic", since="1.0.0", summary="Delete a key", complexity="O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).", tips="request_policy:multi_shard response_policy:agg_sum", direct=True)
def del_(c: Client, args: list[bytes]):
    """Format: DEL key [key ...]"""
    return _delete(c, args, c.db.ks.lazy_user_del)


@command("unlink", -2, "write fast", acl="keyspace", keys=(1, -1, 1), key_specs=(KeySpec("RM DELETE", index=1, lastkey=-1),), group="generic", since="4.0.0", summary="Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.", complexity="O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.", tips="request_policy:multi_shard response_policy:agg_sum", direct=True)
def unlink(c: Client, args: list[bytes]):
    """Format: UNLINK key [key ...]"""
    return _delete(c, args, True)


def _delete(c: Client, args: list[bytes], lazy: bool) -> int:
    """delGenericCommand: big values go to the lazy freer when ``lazy``."""
    db = c.db
    n = 0
    for key in args[1:]:
        if db.lookup_write(key) is not None:
            db.delete(key, lazy)
            n += 1
            db.signal_modified(key)
            if db.ks.notify_flags:
                db.notify(NOTIFY_GENERIC, b"del", key)
    c.server.dirty += n
    return n


@command("exists", -2, "readonly fast", acl="keyspace", keys=(1, -1, 1), key_specs=(KeySpec("RO", index=1, lastkey=-1),), group="generic", since="1.0.0", summary="Determine if a key exists", complexity="O(N) where N is the number of keys to check.", tips="request_policy:multi_shard response_policy:agg_sum", direct=True)
def exists(c: Client, args: list[bytes]):
    """Format: EXISTS key [key ...]"""
    lookup = c.db.lookup_read_notouch
    return sum(1 for key in args[1:] if lookup(key) is not None)


@command("touch", -2, "readonly fast", acl="keyspace", keys=(1, -1, 1), key_specs=(KeySpec("RO", index=1, lastkey=-1),), group="generic", since="3.2.1", summary="Alters the last access time of a key(s). Returns the number of existing keys specified.", complexity="O(N) where N is the number of keys that will be touched.", tips="request_policy:multi_shard response_policy:agg_sum", direct=True)
def touch(c: Client, args: list[bytes]):
    """Format: TOUCH key [key ...]"""
    lookup = c.db.lookup_read
    return sum(1 for key in args[1:] if lookup(key) is not None)


@command("type", 2, "readonly fast", acl="keyspace", keys=(1, 1, 1), key_specs=(KeySpec("RO", index=1),), group="generic", since="1.0.0", summary="Determine the type stored at key", complexity="O(1)", direct=True)
def type_(c: Client, args: list[bytes]):
    """Format: TYPE key"""
    v = c.db.lookup_read_notouch(args[1])
    return SimpleString(b"none" if v is None else type_name(v))


@command("keys", 2, "readonly", acl="keyspace dangerous", group="generic", since="1.0.0", summary="Find all keys matching the given pattern", complexity="O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.", tips="request_policy:all_shards nondeterministic_output_order", direct=True)
def keys(c: Client, args: list[bytes]):
    """Format: KEYS pattern"""
    db = c.db
    pattern = args[1]
    live = db.keys_live()
    if pattern == b"*":
        return live
    match = compile_glob(pattern)
    return [k for k in live if match(k)]


def parse_cursor(arg: bytes) -> int:
    """SCAN cursors are unsigned 64-bit, parsed as Redis does with strtoul:
    optional sign (negative numbers wrap), leading zeros, the empty string
    is 0, a NUL byte ends the text; a leading space, junk and values past
    2**64-1 are refused."""
    v, n, erange = strtoul(arg)
    if (arg and arg[0] in b" \t\n\v\f\r") or erange or (n < len(arg) and arg[n] != 0):
        raise CommandError(E.INVALID_CURSOR)
    return v


def parse_scan_options(args: list[bytes], start: int, allow_type: bool):
    """[MATCH pattern] [COUNT count] [TYPE type] -> (matcher, count, type)."""
    count = 10
    matcher = None
    typ = None
    i = start
    while i < len(args):
        opt = args[i].lower()
        if i + 1 >= len(args):
            raise CommandError(E.SYNTAX)
        if opt == b"count":
            count = parse_int(args[i + 1])
            if count < 1:
                raise CommandError(E.SYNTAX)
        elif opt == b"match":
            pat = args[i + 1]
            matcher = None if pat == b"*" else compile_glob(pat)
        elif opt == b"type" and allow_type:
            typ = args[i + 1].lower()  # compared case-insensitively
        else:
            raise CommandError(E.SYNTAX)
        i += 2
    return matcher, count, typ


@command("scan", -2, "readonly", acl="keyspace", group="generic", since="2.8.0", summary="Incrementally iterate the keys space", complexity="O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.", tips="nondeterministic_output request_policy:special", direct=True)
def scan(c: Client, args: list[bytes]):
    """Format: SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]"""
    cursor = parse_cursor(args[1])
    matcher, count, typ = parse_scan_options(args, 2, True)
    db = c.db
    data = db.data
    nxt, found = c.server.keyspace.scan_cursors.scan(data, cursor, count, data.__contains__)
    out = []
    # Redis's order: pattern, then type (a NOTOUCH read lookup), then expiry.
    for k in found:
        if matcher is not None and not matcher(k):
            continue
        if typ is not None:
            v = db.lookup_read_notouch(k)
            if (b"none" if v is None else type_name(v)) != typ:
                continue
        if db.expires and k in db.expires and not db.exists(k):
            continue
        out.append(k)
    return [b"%d" % nxt, out]


@command("randomkey", 1, "readonly", acl="keyspace", group="generic", since="1.0.0", summary="Return a random key from the keyspace", complexity="O(1)", tips="request_policy:all_shards nondeterministic_output", direct=True)
def randomkey(c: Client, args: list[bytes]):
    """Format: RANDOMKEY"""
    return c.db.random_key()


def _rename(c: Client, args, nx: bool):
    src, dst = args[1], args[2]
    db = c.db
    v = db.lookup_write(src)
    if v is None:
        raise CommandError(E.NO_SUCH_KEY)
    if src == dst:
        return 0 if nx else SimpleString(b"OK")
    if db.lookup_write(dst) is not None:
        if nx:
            return 0
        db.delete(dst)
    db.rename_key(src, dst)
    c.server.dirty += 1
    db.signal_modified(src)
    db.signal_modified(dst)
    db.notify(NOTIFY_GENERIC, b"rename_from", src)
    db.notify(NOTIFY_GENERIC, b"rename_to", dst)
    return 1 if nx else SimpleString(b"OK")


@command("rename", 3, "write", acl="keyspace", keys=(1, 2, 1), key_specs=(KeySpec("RW ACCESS DELETE", index=1), KeySpec("OW UPDATE", index=2)), group="generic", since="1.0.0", summary="Rename a key", complexity="O(1)", direct=True)
def rename(c: Client, args: list[bytes]):
    """Format: RENAME key newkey"""
    return _rename(c, args, False)


@command("renamenx", 3, "write fast", acl="keyspace", keys=(1, 2, 1), key_specs=(KeySpec("RW ACCESS DELETE", index=1), KeySpec("OW INSERT", index=2)), group="generic", since="1.0.0", summary="Rename a key, only if the new key does not exist", complexity="O(1)", direct=True)
def renamenx(c: Client, args: list[bytes]):
    """Format: RENAMENX key newkey"""
    return _rename(c, args, True)


def _db_index(c: Client, arg: bytes) -> int:
    """Redis's getIntFromObjectOrReply + selectDb checks."""
    idx = to_int(arg)
    if idx is None:
        raise CommandError(E.NOT_INTEGER)
    if idx < -(2**31) or idx >= 2**31:
        raise CommandError(E.INT_RANGE)
    if idx < 0 or idx >= len(c.server.keyspace.dbs):
        raise CommandError(E.INVALID_DB)
    return idx


@command("move", 3, "write fast", acl="keyspace", keys=(1, 1, 1), key_specs=(KeySpec("RW ACCESS UPDATE", index=1),), group="generic", since="1.0.0", summary="Move a key to another database", complexity="O(1)", direct=True)
def move(c: Client, args: list[bytes]):
    """Format: MOVE key db"""
    if c.server.cluster is not None:
        raise CommandError(E.MOVE_CLUSTER)
    key = args[1]
    idx = _db_index(c, args[2])
    src = c.db
    if idx == src.id:
        raise CommandError(E.SAME_OBJECT)
    v = src.lookup_write(key)
    if v is None:
        return 0
    dst = c.server.keyspace.dbs[idx]
    if dst.lookup_write(key) is not None:
        return 0
    src.move_key(key, dst)
    c.server.dirty += 1
    src.signal_modified(key)
    dst.signal_modified(key)
    src.notify(NOTIFY_GENERIC, b"move_from", key)
    dst.notify(NOTIFY_GENERIC, b"move_to", key)
    return 1


@command("copy", -3, "write denyoom", acl="keyspace", keys=(1, 2, 1), key_specs=(KeySpec("RO ACCESS", index=1), KeySpec("OW UPDATE", index=2)), group="generic", since="6.2.0", summary="Copy a key", complexity="O(N) worst case for collections, where N is the number of nested items. O(1) for string values.", direct=True)
def copy(c: Client, args: list[bytes]):
    """Format: COPY source destination [DB destination-db] [REPLACE]"""
    src_key, dst_key = args[1], args[2]
    dst = c.db
    replace = False
    i = 3
    while i < len(args):
        opt = args[i].lower()
        if opt == b"replace":
            replace = True
            i += 1
        elif opt == b"db" and i + 1 < len(args):
            dst = c.server.keyspace.dbs[_db_index(c, args[i + 1])]
            i += 2
        else:
            raise CommandError(E.SYNTAX)
    src = c.db
    if c.server.cluster is not None and (src.id != 0 or dst.id != 0):
        raise CommandError(E.COPY_DB_CLUSTER)
    if src is dst and src_key == dst_key:
        raise CommandError(E.SAME_OBJECT)
    v = src.lookup_read(src_key)
    if v is None:
        return 0
    when = src.get_expire(src_key)
    if dst.lookup_write(dst_key) is not None:
        if not replace:
            return 0
        dst.delete(dst_key)
    dst.add(dst_key, _copy_value(v))
    if when is not None:
        dst.set_expire(dst_key, when)
    c.server.dirty += 1
    dst.signal_modified(dst_key)
    dst.notify(NOTIFY_GENERIC, b"copy_to", dst_key)
    return 1


# -- expiry -------------------------------------------------------------------------


def _unsupported_option(opt: bytes) -> str:
    # addReplyErrorFormat: %s stops at a NUL; newlines become spaces.
    text = opt.split(b"\x00", 1)[0].decode("utf-8", "replace")
    return "ERR Unsupported option " + text.replace("\r", " ").replace("\n", " ")


def _expire_generic(c: Client, args, unit_ms: bool, absolute: bool, name: str) -> int:
    """Redis's expireGenericCommand. Propagated as PEXPIREAT with the
    absolute time (PEXPIREAT itself as given), or DEL when the time is
    already past."""
    key = args[1]
    nx = xx = gt = lt = False
    for opt in args[3:]:
        o = opt.lower()
        if o == b"nx":
            nx = True
        elif o == b"xx":
            xx = True
        elif o == b"gt":
            gt = True
        elif o == b"lt":
            lt = True
        else:
            raise CommandError(_unsupported_option(opt))
    if nx and (xx or gt or lt):
        raise CommandError(E.NX_WITH_XX_GT_LT)
    if gt and lt:
        raise CommandError(E.GT_LT_TOGETHER)
    when = to_int(args[2])
    if when is None:
        raise CommandError(E.NOT_INTEGER)
    if not unit_ms:
        if when > LLONG_MAX // 1000 or when < -(-LLONG_MIN // 1000):
            raise CommandError(E.INVALID_EXPIRE % name)
        when *= 1000
    db = c.db
    ks = db.ks
    base = 0 if absolute else ks.now_ms
    if when > LLONG_MAX - base:
        raise CommandError(E.INVALID_EXPIRE % name)
    when += base
    if db.lookup_write(key) is None:
        return 0
    if nx or xx or gt or lt:
        cur = db.get_expire(key)
        if nx and cur is not None:
            return 0
        if xx and cur is None:
            return 0
        if gt and (cur is None or when <= cur):
            return 0
        if lt and cur is not None and when >= cur:
            return 0
    if when <= ks.now_ms and not ks.is_replica and not c.server.loading:
        lazy = c.server.config.lazyfree_lazy_expire
        db.delete(key, bool(lazy))
        c.server.dirty += 1
        c.propagate_as = [[b"UNLINK" if lazy else b"DEL", key]]
        db.signal_modified(key)
        db.notify(NOTIFY_GENERIC, b"del", key)
        return 1
    db.set_expire(key, when)
    if not (unit_ms and absolute):
        c.propagate_as = [[b"PEXPIREAT", key, b"%d" % when, *args[3:]]]
    c.server.dirty += 1
    db.signal_modified(key)
    if ks.notify_flags:
        db.notify(NOTIFY_GENERIC, b"expire", key)
    return 1


@command("expire", -3, "write fast", acl="keyspace", keys=(1, 1, 1), key_specs=(KeySpec("RW UPDATE", index=1),), group="generic", since="1.0.0", summary="Set a key's time to live in seconds", complexity="O(1)", direct=True)
def expire(c: Client, args: list[bytes]):
    """Format: EXPIRE key seconds [NX | XX | GT | LT]"""
    return _expire_generic(c, args, False, False, "expire")


@command("pexpire", -3, "write fast", acl="keyspace", keys=(1, 1, 1), key_specs=(KeySpec("RW UPDATE", index=1),), group="generic", since="2.6.0", summary="Set a key's time to live in milliseconds", complexity="O(1)", direct=True)
def pexpire(c: Client, args: list[bytes]):
    """Format: PEXPIRE key milliseconds [NX | XX | GT | LT]"""
    return _expire_generic(c, args, True, False, "pexpire")


@command("expireat", -3, "write fast", acl="keyspace", keys=(1, 1, 1), key_specs=(KeySpec("RW UPDATE", index=1),), group="generic", since="1.2.0", summary="Set the expiration for a key as a UNIX timestamp", complexity="O(1)", direct=True)
def expireat(c: Client, args: list[bytes]):
    """Format: EXPIREAT key unix-time-seconds [NX | XX | GT | LT]"""
    return _expire_generic(c, args, False, True, "expireat")


@command("pexpireat", -3, "write fast", acl="keyspace", keys=(1, 1, 1), key_specs=(KeySpec("RW UPDATE", index=1),), group="generic", since="2.6.0", summary="Set the expiration for a key as a UNIX timestamp specified in milliseconds", complexity="O(1)", direct=True)
def pexpireat(c: Client, args: list[bytes]):
    """Format: PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]"""
    return _expire_generic(c, args, True, True, "pexpireat")


def _ttl(c: Client, key: bytes, ms: bool, absolute: bool) -> int:
    """Redis's ttlGenericCommand: -2 missing, -1 no expiry; seconds are
    rounded to nearest (also for EXPIRETIME)."""
    db = c.db
    if db.lookup_read_notouch(key) is None:
        return -2
    when = db.get_expire(key)
    if when is None:
        return -1
    ttl = when if absolute else when - db.ks.now_ms
    if ttl < 0:
        ttl = 0
    return ttl if ms else (ttl + 500) // 1000


@command("ttl", 2, "readonly fast", acl="keyspace", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="generic", since="1.0.0", summary="Get the time to live for a key in seconds", complexity="O(1)", tips="nondeterministic_output", direct=True)
def ttl(c: Client, args: list[bytes]):
    """Format: TTL key"""
    return _ttl(c, args[1], False, False)


@command("pttl", 2, "readonly fast", acl="keyspace", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="generic", since="2.6.0", summary="Get the time to live for a key in milliseconds", complexity="O(1)", tips="nondeterministic_output", direct=True)
def pttl(c: Client, args: list[bytes]):
    """Format: PTTL key"""
    return _ttl(c, args[1], True, False)


@command("expiretime", 2, "readonly fast", acl="keyspace", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="generic", since="7.0.0", summary="Get the expiration Unix timestamp for a key", complexity="O(1)", direct=True)
def expiretime(c: Client, args: list[bytes]):
    """Format: EXPIRETIME key"""
    return _ttl(c, args[1], False, True)


@command("pexpiretime", 2, "readonly fast", acl="keyspace", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="generic", since="7.0.0", summary="Get the expiration Unix timestamp for a key in milliseconds", complexity="O(1)", direct=True)
def pexpiretime(c: Client, args: list[bytes]):
    """Format: PEXPIRETIME key"""
    return _ttl(c, args[1], True, True)


@command("persist", 2, "write fast", acl="keyspace", keys=(1, 1, 1), key_specs=(KeySpec("RW UPDATE", index=1),), group="generic", since="2.2.0", summary="Remove the expiration from a key", complexity="O(1)", direct=True)
def persist(c: Client, args: list[bytes]):
    """Format: PERSIST key"""
    db = c.db
    if db.lookup_write(args[1]) is None:
        return 0
    if db.persist(args[1]):
        c.server.dirty += 1
        db.signal_modified(args[1])
        db.notify(NOTIFY_GENERIC, b"persist", args[1])
        return 1
    return 0


# -- OBJECT --------------------------------------------------------------------------

command("object", -2, "", group="generic", since="2.2.3", summary="A container for object introspection commands", complexity="Depends on subcommand.")(None)

OBJECT_HELP = [
    b"OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"ENCODING <key>",
    b"    Return the kind of internal representation used in order to store the value",
    b"    associated with a <key>.",
    b"FREQ <key>",
    b"    Return the access frequency index of the <key>. The returned integer is",
    b"    proportional to the logarithm of the recent access frequency of the key.",
    b"IDLETIME <key>",
    b"    Return the idle time of the <key>, that is the approximated number of",
    b"    seconds elapsed since the last access to the key.",
    b"REFCOUNT <key>",
    b"    Return the number of references of the value associated with the specified",
    b"    <key>.",
    b"HELP",
    b"    Prints this help.",
]


@command("object|help", 2, "loading stale", acl="keyspace", group="generic", since="6.2.0", summary="Show helpful text about the different subcommands", complexity="O(1)")
def object_help(c: Client, args: list[bytes]):
    return status_lines(OBJECT_HELP)


@command("object|encoding", 3, "readonly", acl="keyspace", keys=(2, 2, 1), key_specs=(KeySpec("RO", index=2),), group="generic", since="2.2.3", summary="Inspect the internal encoding of a Redis object", complexity="O(1)", tips="nondeterministic_output")
def object_encoding(c: Client, args: list[bytes]):
    """Format: OBJECT ENCODING key"""
    v = c.db.lookup_object(args[2])
    if v is None:
        return None
    return describe_encoding(c.server, v).encode()


_NO_SHARED_INTEGER_POLICIES = frozenset(("volatile-lru", "volatile-lfu", "allkeys-lru", "allkeys-lfu"))


@command("object|refcount", 3, "readonly", acl="keyspace", keys=(2, 2, 1), key_specs=(KeySpec("RO", index=2),), group="generic", since="2.2.3", summary="Get the number of references to the value of the key", complexity="O(1)", tips="nondeterministic_output")
def object_refcount(c: Client, args: list[bytes]):
    """Format: OBJECT REFCOUNT key"""
    v = c.db.lookup_object(args[2])
    if v is None:
        return None
    # Redis shares the integers 0..9999 (OBJ_SHARED_INTEGERS) unless a
    # maxmemory limit with an LRU/LFU policy needs per-key access data.
    cfg = c.server.config
    n = string2ll(v) if type(v) is bytes and len(v) <= 4 else None
    if (
        n is not None
        and 0 <= n < 10000
        and not (cfg.maxmemory and str(cfg.maxmemory_policy) in _NO_SHARED_INTEGER_POLICIES)
    ):
        return 2147483647
    return 1


def _lfu_policy(c) -> bool:
    """Is an LFU maxmemory-policy selected? Also keeps the keyspace's access
    tracking in step with the configuration."""
    cfg = c.server.config
    lfu = "lfu" in str(cfg.maxmemory_policy)
    ks = c.db.ks
    if ks.lfu_mode != lfu:
        ks.configure_eviction(str(cfg.maxmemory_policy), cfg.lfu_log_factor, cfg.lfu_decay_time)
    return lfu


@command("object|freq", 3, "readonly", acl="keyspace", keys=(2, 2, 1), key_specs=(KeySpec("RO", index=2),), group="generic", since="4.0.0", summary="Get the logarithmic access frequency counter of a Redis object", complexity="O(1)", tips="nondeterministic_output")
def object_freq(c: Client, args: list[bytes]):
    """Format: OBJECT FREQ key"""
    v = c.db.lookup_object(args[2])
    if v is None:
        return None
    if not _lfu_policy(c):
        raise CommandError(E.LFU_NOT_SELECTED)
    return c.db.access_freq(args[2])


@command("object|idletime", 3, "readonly", acl="keyspace", keys=(2, 2, 1), key_specs=(KeySpec("RO", index=2),), group="generic", since="2.2.3", summary="Get the time since a Redis object was last accessed", complexity="O(1)", tips="nondeterministic_output")
def object_idletime(c: Client, args: list[bytes]):
    """Format: OBJECT IDLETIME key"""
    v = c.db.lookup_object(args[2])
    if v is None:
        return None
    if _lfu_policy(c):
        raise CommandError(E.LFU_SELECTED)
    return c.db.idle_seconds(args[2])
