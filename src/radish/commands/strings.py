"""String commands (Redis 7.0's string group).

Values are ``bytes``; a value changed in place (APPEND, SETRANGE) is kept as
``bytearray`` so OBJECT ENCODING reports ``raw`` as Redis would. Relative
expirations are propagated as absolute ones (SET … PXAT, PEXPIREAT), and
GETSET / GETDEL / INCRBYFLOAT as the SET or DEL that Redis sends.

INCRBYFLOAT computes in C ``long double`` exactly as Redis on x86-64 (80-bit
extended precision), with ``strtold``'s input syntax and ``%.17Lf`` output:
``strconv.string2ld`` / ``ld_round`` / ``format_long_double``.

Imports: the command registry, argument helpers, errors and RESP reply
types; nothing above ``commands``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .. import errors as E
from ..client import Client
from ..db.keytable import HAS_TTL
from ..db.notify import NOTIFY_GENERIC, NOTIFY_NEW, NOTIFY_STRING
from ..errors import CommandError
from ..protocol.resp import OK, MapReply
from ..strconv import format_long_double, ld_round, string2ld
from .args import LLONG_MAX, LLONG_MIN, parse_int, to_int
from .registry import KEY_ACCESS, KEY_OW, KEY_RW, KEY_UPDATE, KeySpec, command

_STRING_TYPES = (bytes, bytearray)


def get_string(db, key: bytes, write: bool = False):
    """The string at key, None if missing; WRONGTYPE for other types.
    A read lookup counts a keyspace hit/miss (Redis's lookupKeyRead)."""
    v = db.lookup_write(key) if write else db.lookup_read(key)
    if v is None:
        return None
    t = type(v)
    if t is not bytes and t is not bytearray:
        raise CommandError(E.WRONGTYPE)
    return v


def _check_len(c: Client, n: int) -> None:
    """Redis's checkStringLength: the primary's stream and the AOF being
    loaded are never refused."""
    if n > c.server.config.proto_max_bulk_len and not c.must_obey():
        raise CommandError(E.STRING_TOO_LONG)


def store_string(db, key: bytes, value, keep_ttl: bool = False, looked_up: bool = False) -> None:
    """Redis's setKey for a new string object: a stale (expired) key is
    reclaimed first, as setKey's lookupKeyWrite does (so its DEL is
    propagated and counted); the TTL is cleared unless ``keep_ttl``; the
    access stamp is that of a new object (under LFU an overwritten key
    keeps its counter)."""
    if not looked_up:
        db.lookup_write(key)
    ks = db.ks
    old = db.data.get(key) if ks.lazy_server_del else None  # dbSetValue's lazy free
    if ks.notify_flags & NOTIFY_NEW and key not in db.data:
        db.data[key] = value  # setKey's dbAdd
        db.notify(NOTIFY_NEW, b"new", key)
    db.data[key] = value
    if not keep_ttl and db.expires:
        db.expires.pop(key, None)
    db.stamp_new(key)
    if old is not None and type(old) is not bytes:
        ks.lazyfree.free_object(old)


def _del_command(c: Client, lazy: bool) -> bytes:
    return b"UNLINK" if lazy else b"DEL"


# -- GET / SET family ------------------------------------------------------------


@command("get", 2, "readonly fast", acl="string", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="string", since="1.0.0", summary="Get the value of a key", complexity="O(1)", direct=True)
def get(c: Client, args: list[bytes]):
    """Format: GET key"""
    db = c.db
    key = args[1]
    ks = db.ks
    # One table lookup (a key without a TTL is stamped as it is found);
    # the general lookup for a key with a TTL and for LFU counters.
    v: Any = HAS_TTL if ks.lfu_mode else db.data.get_touch(key, ks.lru_now, HAS_TTL)
    if v is None:
        return db.missed(key)
    if v is HAS_TTL:
        v = db.lookup_read(key)
        if v is None:
            return None
    else:
        ks.keyspace_hits += 1
    t = type(v)
    if t is bytes:
        return v
    if t is bytearray:
        return bytes(v)
    raise CommandError(E.WRONGTYPE)


# Option flags of SET and GETEX (Redis's OBJ_SET_* / OBJ_EX …).
NX, XX, GET, KEEPTTL, PERSIST, EX, PX, EXAT, PXAT = 1, 2, 4, 8, 16, 32, 64, 128, 256
_EXPIRE_FLAGS = EX | PX | EXAT | PXAT
_EXPIRE_OPTS = {b"ex": EX, b"px": PX, b"exat": EXAT, b"pxat": PXAT}


def parse_string_options(args: list[bytes], start: int, is_set: bool) -> tuple[int, bytes | None]:
    """Redis's parseExtendedStringArgumentsOrReply for SET (``is_set``) and
    GETEX: the option flags and the expire argument. An option may repeat
    (the last expire value wins); conflicting ones are a syntax error."""
    flags = 0
    expire = None
    i = start
    n = len(args)
    while i < n:
        opt = args[i].lower()
        if opt == b"nx" and is_set and not flags & XX:
            flags |= NX
        elif opt == b"xx" and is_set and not flags & NX:
            flags |= XX
        elif opt == b"get" and is_set:
            flags |= GET
        elif opt == b"keepttl" and is_set and not flags & (PERSIST | _EXPIRE_FLAGS):
            flags |= KEEPTTL
        elif opt == b"persist" and not is_set and not flags & (_EXPIRE_FLAGS | KEEPTTL):
            flags |= PERSIST
        else:
            f = _EXPIRE_OPTS.get(opt)
            if f is None or i + 1 >= n or flags & (KEEPTTL | PERSIST) or flags & (_EXPIRE_FLAGS & ~f):
                raise CommandError(E.SYNTAX)
            flags |= f
            expire = args[i + 1]
            i += 1
        i += 1
    return flags, expire


def expire_ms(c: Client, flags: int, value: bytes, cmdname: str) -> int:
    """Redis's getExpireMillisecondsOrReply: the absolute unix-ms time of an
    EX / PX / EXAT / PXAT argument."""
    n = to_int(value)
    if n is None:
        raise CommandError(E.NOT_INTEGER)
    seconds = flags & (EX | EXAT)
    if n <= 0 or (seconds and n > LLONG_MAX // 1000):
        raise CommandError(E.INVALID_EXPIRE % cmdname)
    if seconds:
        n *= 1000
    if flags & (EX | PX):
        n += c.db.ks.now_ms
        if n > LLONG_MAX:  # C's signed overflow, caught by Redis as <= 0
            raise CommandError(E.INVALID_EXPIRE % cmdname)
    return n


def _set_key_refs(args: list[bytes]) -> list[tuple[int, int]]:
    """Redis's setGetKeys: with a GET argument SET reads the old value."""
    for a in args[3:]:
        if len(a) == 3 and a.lower() == b"get":
            return [(1, KEY_RW | KEY_ACCESS | KEY_UPDATE)]
    return [(1, KEY_OW | KEY_UPDATE)]


@command("set", -3, "write denyoom", acl="string", keys=(1, 1, 1), key_specs=(KeySpec("RW ACCESS UPDATE VARIABLE_FLAGS", index=1, notes="RW and ACCESS due to the optional `GET` argument"),), group="string", since="1.0.0", summary="Set the string value of a key", complexity="O(1)", getkeys_proc=_set_key_refs, direct=True)
def set_(c: Client, args: list[bytes]):
    """Format: SET key value [NX | XX] [GET] [EX s | PX ms | EXAT ts | PXAT ms-ts | KEEPTTL]"""
    key = args[1]
    value = args[2]
    db = c.db
    if len(args) == 3:
        ks = db.ks
        # set_touch stores at a key without a TTL, with its access stamp,
        # in one table lookup; a key with a TTL takes the general path.
        if ks.lfu_mode or ks.notify_flags or ks.lazy_server_del or not db.data.set_touch(key, value, ks.lru_now):
            store_string(db, key, value)
            c.server.dirty += 1
            db.signal_modified(key)
            db.notify(NOTIFY_STRING, b"set", key)
            return OK
        c.server.dirty += 1
        if ks.on_key_changed is not None:
            db.signal_modified(key)
        return OK
    flags, expire = parse_string_options(args, 3, True)
    when = expire_ms(c, flags, expire, "set") if expire is not None else None
    reply = None
    if flags & GET:
        old = db.lookup_read(key)
        if old is not None:
            if type(old) not in _STRING_TYPES:
                raise CommandError(E.WRONGTYPE)
            reply = bytes(old)
    found = db.lookup_write(key) is not None
    if (flags & NX and found) or (flags & XX and not found):
        return reply
    store_string(db, key, value, keep_ttl=bool(flags & KEEPTTL), looked_up=True)
    c.server.dirty += 1
    db.signal_modified(key)
    db.notify(NOTIFY_STRING, b"set", key)
    if when is not None:
        db.set_expire(key, when)
        c.propagate_as = [[b"SET", key, value, b"PXAT", b"%d" % when]]
        db.notify(NOTIFY_GENERIC, b"expire", key)
    elif flags & GET:
        # Replicas need no GET (it may be repeated).
        c.propagate_as = [args[:3] + [a for a in args[3:] if a.lower() != b"get"]]
    return reply if flags & GET else OK


@command("setnx", 3, "write denyoom fast", acl="string", keys=(1, 1, 1), key_specs=(KeySpec("OW INSERT", index=1),), group="string", since="1.0.0", summary="Set the value of a key, only if the key does not exist", complexity="O(1)", direct=True)
def setnx(c: Client, args: list[bytes]):
    """Format: SETNX key value"""
    db = c.db
    if db.lookup_write(args[1]) is not None:
        return 0
    store_string(db, args[1], args[2], looked_up=True)
    c.server.dirty += 1
    db.signal_modified(args[1])
    db.notify(NOTIFY_STRING, b"set", args[1])
    return 1


def _setex(c: Client, args, flags: int, name: str):
    key, value = args[1], args[3]
    when = expire_ms(c, flags, args[2], name)
    db = c.db
    store_string(db, key, value)
    db.notify(NOTIFY_STRING, b"set", key)
    db.set_expire(key, when)
    c.server.dirty += 1
    c.propagate_as = [[b"SET", key, value, b"PXAT", b"%d" % when]]
    db.signal_modified(key)
    db.notify(NOTIFY_GENERIC, b"expire", key)
    return OK


@command("setex", 4, "write denyoom", acl="string", keys=(1, 1, 1), key_specs=(KeySpec("OW UPDATE", index=1),), group="string", since="2.0.0", summary="Set the value and expiration of a key", complexity="O(1)", direct=True)
def setex(c: Client, args: list[bytes]):
    """Format: SETEX key seconds value"""
    return _setex(c, args, EX, "setex")


@command("psetex", 4, "write denyoom", acl="string", keys=(1, 1, 1), key_specs=(KeySpec("OW UPDATE", index=1),), group="string", since="2.6.0", summary="Set the value and expiration in milliseconds of a key", complexity="O(1)", direct=True)
def psetex(c: Client, args: list[bytes]):
    """Format: PSETEX key milliseconds value"""
    return _setex(c, args, PX, "psetex")


@command("getset", 3, "write denyoom fast", acl="string", keys=(1, 1, 1), key_specs=(KeySpec("RW ACCESS UPDATE", index=1),), group="string", since="1.0.0", summary="Set the string value of a key and return its old value", complexity="O(1)", doc_flags="deprecated", deprecated_since="6.2.0", replaced_by="`SET` with the `!GET` argument", direct=True)
def getset(c: Client, args: list[bytes]):
    """Format: GETSET key value"""
    db = c.db
    old = get_string(db, args[1])
    store_string(db, args[1], args[2])
    db.notify(NOTIFY_STRING, b"set", args[1])
    c.server.dirty += 1
    c.propagate_as = [[b"SET", args[1], args[2]]]
    db.signal_modified(args[1])
    return bytes(old) if old is not None else None


@command("getdel", 2, "write fast", acl="string", keys=(1, 1, 1), key_specs=(KeySpec("RW ACCESS DELETE", index=1),), group="string", since="6.2.0", summary="Get the value of a key and delete the key", complexity="O(1)", direct=True)
def getdel(c: Client, args: list[bytes]):
    """Format: GETDEL key"""
    db = c.db
    old = get_string(db, args[1])
    if old is None:
        return None
    db.delete(args[1], db.ks.lazy_user_del)
    c.server.dirty += 1
    c.propagate_as = [[_del_command(c, c.server.config.lazyfree_lazy_user_del), args[1]]]
    db.signal_modified(args[1])
    db.notify(NOTIFY_GENERIC, b"del", args[1])
    return bytes(old)


@command("getex", -2, "write fast", acl="string", keys=(1, 1, 1), key_specs=(KeySpec("RW ACCESS UPDATE", index=1, notes="RW and UPDATE because it changes the TTL"),), group="string", since="6.2.0", summary="Get the value of a key and optionally set its expiration", complexity="O(1)", direct=True)
def getex(c: Client, args: list[bytes]):
    """Format: GETEX key [EX s | PX ms | EXAT ts | PXAT ms-ts | PERSIST]"""
    key = args[1]
    flags, expire = parse_string_options(args, 2, False)
    db = c.db
    v = get_string(db, key)
    if v is None:
        return None
    when = expire_ms(c, flags, expire, "getex") if expire is not None else None
    reply = bytes(v)
    ks = db.ks
    if flags & (EXAT | PXAT) and when is not None and when <= ks.now_ms and not c.server.loading and not ks.is_replica:
        db.delete(key, ks.lazy_expire)
        c.propagate_as = [[_del_command(c, c.server.config.lazyfree_lazy_expire), key]]
        event = b"del"
    elif when is not None:
        db.set_expire(key, when)
        c.propagate_as = [[b"PEXPIREAT", key, b"%d" % when]]
        event = b"expire"
    elif flags & PERSIST and db.persist(key):
        c.propagate_as = [[b"PERSIST", key]]
        event = b"persist"
    else:
        return reply
    c.server.dirty += 1
    db.signal_modified(key)
    db.notify(NOTIFY_GENERIC, event, key)
    return reply


@command("mget", -2, "readonly fast", acl="string", keys=(1, -1, 1), key_specs=(KeySpec("RO ACCESS", index=1, lastkey=-1),), group="string", since="1.0.0", summary="Get the values of all the given keys", complexity="O(N) where N is the number of keys to retrieve.", tips="request_policy:multi_shard", direct=True)
def mget(c: Client, args: list[bytes]):
    """Format: MGET key [key ...]"""
    db = c.db
    out = []
    for key in args[1:]:
        v = db.lookup_read(key)
        t = type(v)
        if t is bytes:
            out.append(v)
        elif t is bytearray:
            out.append(bytes(v))
        else:
            out.append(None)
    return out


@command("mset", -3, "write denyoom", acl="string", keys=(1, -1, 2), key_specs=(KeySpec("OW UPDATE", index=1, lastkey=-1, keystep=2),), group="string", since="1.0.1", summary="Set multiple keys to multiple values", complexity="O(N) where N is the number of keys to set.", tips="request_policy:multi_shard response_policy:all_succeeded", direct=True)
def mset(c: Client, args: list[bytes]):
    """Format: MSET key value [key value ...]"""
    if len(args) % 2 == 0:
        raise CommandError(E.WRONG_ARITY % "mset")
    db = c.db
    keys = args[1::2]
    ks = db.ks
    notify = ks.notify_flags
    done = 1
    if not ks.lfu_mode and not notify and not ks.lazy_server_del:
        # Keys without a TTL (nothing stale to reclaim, stamps "now") are
        # stored in one call; from the first with a TTL on, one by one.
        done = db.data.set_pairs_touch(args, 1, ks.lru_now)
    for i in range(done, len(args), 2):
        store_string(db, args[i], args[i + 1])
        if notify:
            db.notify(NOTIFY_STRING, b"set", args[i])
    if db.ks.on_key_changed is not None:
        for key in keys:
            db.signal_modified(key)
    c.server.dirty += len(keys)
    return OK


@command("msetnx", -3, "write denyoom", acl="string", keys=(1, -1, 2), key_specs=(KeySpec("OW INSERT", index=1, lastkey=-1, keystep=2),), group="string", since="1.0.1", summary="Set multiple keys to multiple values, only if none of the keys exist", complexity="O(N) where N is the number of keys to set.", tips="request_policy:multi_shard response_policy:agg_min", direct=True)
def msetnx(c: Client, args: list[bytes]):
    """Format: MSETNX key value [key value ...]"""
    if len(args) % 2 == 0:
        raise CommandError(E.WRONG_ARITY % "msetnx")
    db = c.db
    for i in range(1, len(args), 2):
        if db.lookup_write(args[i]) is not None:
            return 0
    for i in range(1, len(args), 2):
        store_string(db, args[i], args[i + 1])
        db.signal_modified(args[i])
        db.notify(NOTIFY_STRING, b"set", args[i])
    c.server.dirty += (len(args) - 1) // 2
    return 1


# -- counters --------------------------------------------------------------------


def _incr(c: Client, key: bytes, delta: int):
    db = c.db
    ks = db.ks
    if not ks.lfu_mode and not ks.notify_flags:
        # The common case (a missing key, or an integer without a TTL) in
        # one table call; anything else, and every error, below.
        new = db.data.incr_touch(key, delta, ks.lru_now, HAS_TTL)
        if new is not HAS_TTL:
            c.server.dirty += 1
            if ks.on_key_changed is not None:
                db.signal_modified(key)
            return new
    # lookup_write's access stamp with the lookup, for a key without a TTL.
    v: Any = HAS_TTL if ks.lfu_mode else db.data.get_touch(key, ks.lru_now, HAS_TTL)
    if v is HAS_TTL:
        v = db.lookup_write(key)
    if v is None:
        cur = 0
    elif type(v) is bytes and len(v) < 19 and v.isdigit() and (v[0] != 48 or len(v) == 1):
        cur = int(v)  # string2ll's commonest case, without the call (INCR's hot path)
    else:
        t = type(v)
        if t is not bytes and t is not bytearray:
            raise CommandError(E.WRONGTYPE)
        parsed = to_int(v if t is bytes else bytes(v))
        if parsed is None:
            raise CommandError(E.NOT_INTEGER)
        cur = parsed
    new = cur + delta
    if new > LLONG_MAX or new < LLONG_MIN:
        raise CommandError(E.OVERFLOW)
    db.data[key] = b"%d" % new  # the TTL stays (dbOverwrite)
    if v is None:
        db.stamp_new(key)
        if ks.notify_flags:
            db.notify(NOTIFY_NEW, b"new", key)
    c.server.dirty += 1
    if ks.on_key_changed is not None:
        db.signal_modified(key)
    if ks.notify_flags:
        db.notify(NOTIFY_STRING, b"incrby", key)
    return new


@command("incr", 2, "write denyoom fast", acl="string", keys=(1, 1, 1), key_specs=(KeySpec("RW ACCESS UPDATE", index=1),), group="string", since="1.0.0", summary="Increment the integer value of a key by one", complexity="O(1)", direct=True)
def incr(c: Client, args: list[bytes]):
    """Format: INCR key"""
    return _incr(c, args[1], 1)


@command("decr", 2, "write denyoom fast", acl="string", keys=(1, 1, 1), key_specs=(KeySpec("RW ACCESS UPDATE", index=1),), group="string", since="1.0.0", summary="Decrement the integer value of a key by one", complexity="O(1)", direct=True)
def decr(c: Client, args: list[bytes]):
    """Format: DECR key"""
    return _incr(c, args[1], -1)


@command("incrby", 3, "write denyoom fast", acl="string", keys=(1, 1, 1), key_specs=(KeySpec("RW ACCESS UPDATE", index=1),), group="string", since="1.0.0", summary="Increment the integer value of a key by the given amount", complexity="O(1)", direct=True)
def incrby(c: Client, args: list[bytes]):
    """Format: INCRBY key increment"""
    return _incr(c, args[1], parse_int(args[2]))


@command("decrby", 3, "write denyoom fast", acl="string", keys=(1, 1, 1), key_specs=(KeySpec("RW ACCESS UPDATE", index=1),), group="string", since="1.0.0", summary="Decrement the integer value of a key by the given number", complexity="O(1)", direct=True)
def decrby(c: Client, args: list[bytes]):
    """Format: DECRBY key decrement"""
    d = parse_int(args[2])
    if d == LLONG_MIN:
        raise CommandError(E.DECR_OVERFLOW)
    return _incr(c, args[1], -d)


# -- INCRBYFLOAT --------------------------------------------------------------------


def incr_long_double(current, incr: bytes) -> bytes:
    """INCRBYFLOAT's arithmetic: the new value's text, or Redis's errors."""
    cur = Fraction(0) if current is None else string2ld(bytes(current))
    if cur is None:
        raise CommandError(E.NOT_FLOAT)
    inc = string2ld(incr)
    if inc is None:
        raise CommandError(E.NOT_FLOAT)
    if isinstance(cur, float) or isinstance(inc, float):
        raise CommandError(E.NAN_OR_INFINITY)
    try:
        total = ld_round(cur + inc)
    except OverflowError:
        raise CommandError(E.NAN_OR_INFINITY) from None
    return format_long_double(total)


@command("incrbyfloat", 3, "write denyoom fast", acl="string", keys=(1, 1, 1), key_specs=(KeySpec("RW ACCESS UPDATE", index=1),), group="string", since="2.6.0", summary="Increment the float value of a key by the given amount", complexity="O(1)", direct=True)
def incrbyfloat(c: Client, args: list[bytes]):
    """Format: INCRBYFLOAT key increment"""
    key = args[1]
    db = c.db
    cur = get_string(db, key, write=True)
    new = incr_long_double(cur, args[2])
    db.data[key] = new  # the TTL stays (dbOverwrite)
    if cur is None:
        db.stamp_new(key)
        db.notify(NOTIFY_NEW, b"new", key)
    c.server.dirty += 1
    c.propagate_as = [[b"SET", key, new, b"KEEPTTL"]]
    db.signal_modified(key)
    db.notify(NOTIFY_STRING, b"incrbyfloat", key)
    return new


# -- ranges and length -------------------------------------------------------------


@command("append", 3, "write denyoom fast", acl="string", keys=(1, 1, 1), key_specs=(KeySpec("RW INSERT", index=1),), group="string", since="2.0.0", summary="Append a value to a key", complexity="O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.", direct=True)
def append(c: Client, args: list[bytes]):
    """Format: APPEND key value"""
    key, extra = args[1], args[2]
    db = c.db
    v = get_string(db, key, write=True)
    if v is None:
        db.add(key, extra)
        n = len(extra)
    else:
        _check_len(c, len(v) + len(extra))
        if type(v) is not bytearray:
            v = bytearray(v)
            db.data[key] = v
        v += extra
        n = len(v)
    c.server.dirty += 1
    db.signal_modified(key)
    db.notify(NOTIFY_STRING, b"append", key)
    return n


@command("strlen", 2, "readonly fast", acl="string", keys=(1, 1, 1), key_specs=(KeySpec("RO", index=1),), group="string", since="2.2.0", summary="Get the length of the value stored in a key", complexity="O(1)", direct=True)
def strlen(c: Client, args: list[bytes]):
    """Format: STRLEN key"""
    v = get_string(c.db, args[1])
    return 0 if v is None else len(v)


def _getrange(c: Client, args: list[bytes]):
    start = parse_int(args[2])
    end = parse_int(args[3])
    v = get_string(c.db, args[1])
    if v is None:
        return b""
    n = len(v)
    if start < 0 and end < 0 and start > end:
        return b""
    if start < 0:
        start = max(0, n + start)
    if end < 0:
        end = max(0, n + end)
    if end >= n:
        end = n - 1
    if n == 0 or start > end:
        return b""
    return bytes(v[start : end + 1])


@command("getrange", 4, "readonly", acl="string", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="string", since="2.4.0", summary="Get a substring of the string stored at a key", complexity="O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.", direct=True)
def getrange(c: Client, args: list[bytes]):
    """Format: GETRANGE key start end"""
    return _getrange(c, args)


@command("substr", 4, "readonly", acl="string", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="string", since="1.0.0", summary="Get a substring of the string stored at a key", complexity="O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.", doc_flags="deprecated", deprecated_since="2.0.0", replaced_by="`GETRANGE`", direct=True)
def substr(c: Client, args: list[bytes]):
    """Format: SUBSTR key start end"""
    return _getrange(c, args)


@command("setrange", 4, "write denyoom", acl="string", keys=(1, 1, 1), key_specs=(KeySpec("RW UPDATE", index=1),), group="string", since="2.2.0", summary="Overwrite part of a string at key starting at the specified offset", complexity="O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.", direct=True)
def setrange(c: Client, args: list[bytes]):
    """Format: SETRANGE key offset value"""
    key, value = args[1], args[3]
    offset = parse_int(args[2])
    if offset < 0:
        raise CommandError(E.OFFSET_OUT_OF_RANGE)
    db = c.db
    v = get_string(db, key, write=True)
    if v is None:
        if not value:
            return 0
        _check_len(c, offset + len(value))
        nv = bytearray(offset)
        nv += value
        db.add(key, nv)
    else:
        if not value:
            return len(v)
        _check_len(c, offset + len(value))
        if type(v) is not bytearray:
            v = bytearray(v)
            db.data[key] = v
        if len(v) < offset:
            v.extend(bytes(offset - len(v)))
        v[offset : offset + len(value)] = value
        nv = v
    c.server.dirty += 1
    db.signal_modified(key)
    db.notify(NOTIFY_STRING, b"setrange", key)
    return len(nv)


# -- LCS ---------------------------------------------------------------------------


def _lcs_rows(a: bytes, b: bytes, keep: bool) -> list[int]:
    """Bit-parallel LCS (Allison-Dix / Hyyrö): row i is a len(b)-bit
    integer whose zero bits below j count LCS(a[:i], b[:j]). Same table
    as Redis's O(N*M) dynamic programming, in O(N*M/word) time. Only the
    last row is kept unless ``keep``."""
    m = len(b)
    mask = (1 << m) - 1
    match: dict[int, int] = {}
    for j, ch in enumerate(b):
        match[ch] = match.get(ch, 0) | (1 << j)
    v = mask
    rows = [v]
    for ch in a:
        u = v & match.get(ch, 0)
        v = ((v + u) | (v - u)) & mask
        if keep:
            rows.append(v)
    if not keep:
        rows = [v]
    return rows


@command("lcs", -3, "readonly", acl="string", keys=(1, 2, 1), key_specs=(KeySpec("RO ACCESS", index=1, lastkey=1),), group="string", since="7.0.0", summary="Find longest common substring", complexity="O(N*M) where N and M are the lengths of s1 and s2, respectively", direct=True)
def lcs(c: Client, args: list[bytes]):
    """Format: LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]"""
    db = c.db
    a = db.lookup_read(args[1])
    b = db.lookup_read(args[2])
    if (a is not None and type(a) not in _STRING_TYPES) or (b is not None and type(b) not in _STRING_TYPES):
        raise CommandError(E.LCS_NOT_STRINGS)
    getlen = getidx = withmatchlen = False
    minmatchlen = 0
    i = 3
    while i < len(args):
        opt = args[i].lower()
        if opt == b"idx":
            getidx = True
        elif opt == b"len":
            getlen = True
        elif opt == b"withmatchlen":
            withmatchlen = True
        elif opt == b"minmatchlen" and i + 1 < len(args):
            minmatchlen = parse_int(args[i + 1])
            if minmatchlen < 0:
                minmatchlen = 0
            i += 1
        else:
            raise CommandError(E.SYNTAX)
        i += 1
    if getidx and getlen:
        raise CommandError(E.LCS_LEN_AND_IDX)
    a = bytes(a or b"")
    b = bytes(b or b"")
    alen, blen = len(a), len(b)
    if (alen + 1) * (blen + 1) > c.server.config.proto_max_bulk_len // 4:
        raise CommandError(E.LCS_MEMORY)
    rows = _lcs_rows(a, b, not getlen)

    def table(i: int, j: int) -> int:
        return j - (rows[i] & ((1 << j) - 1)).bit_count()

    idx = blen - rows[-1].bit_count()
    if getlen:
        return idx
    # Walk back from the bottom-right corner exactly as Redis does, so the
    # same LCS string and the same match ranges come out.
    result = bytearray(idx)
    matches: list[list] = []
    arange_start = alen
    arange_end = brange_start = brange_end = 0
    i, j = alen, blen
    k = idx
    while i > 0 and j > 0:
        emit_range = False
        if a[i - 1] == b[j - 1]:
            result[k - 1] = a[i - 1]
            k -= 1
            if arange_start == alen:
                arange_start = arange_end = i - 1
                brange_start = brange_end = j - 1
            elif arange_start == i and brange_start == j:
                arange_start -= 1
                brange_start -= 1
            else:
                emit_range = True
            if arange_start == 0 or brange_start == 0:
                emit_range = True
            i -= 1
            j -= 1
        else:
            if table(i - 1, j) > table(i, j - 1):
                i -= 1
            else:
                j -= 1
            if arange_start != alen:
                emit_range = True
        if emit_range:
            match_len = arange_end - arange_start + 1
            if minmatchlen == 0 or match_len >= minmatchlen:
                m: list = [[arange_start, arange_end], [brange_start, brange_end]]
                if withmatchlen:
                    m.append(match_len)
                matches.append(m)
            arange_start = alen
    if getidx:
        return MapReply([(b"matches", matches), (b"len", idx)])
    return bytes(result)
