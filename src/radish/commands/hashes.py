"""Hash commands (Redis 7.0's hash group).

A hash is a ``HashLP`` (Redis's listpack bytes, db/listpack.py) while it
is small and a ``HashValue`` (a dict) once Redis 7.0's conversion rules
turn it into a hashtable: any field or value argument longer than
hash-max-listpack-value, or more than hash-max-listpack-entries fields.
The converted value replaces the listpack in the keyspace. An emptied hash is
deleted. HINCRBYFLOAT is propagated as HSET of the final value.

Imports: db types, errors, protocol reply values, command helpers.
"""

from __future__ import annotations

from fractions import Fraction

from .. import errors as E
from ..client import Client
from ..db.listpack import LISTPACK_SAFETY_SIZE
from ..db.notify import NOTIFY_GENERIC, NOTIFY_HASH
from ..db.types import HashLP, HashValue, convert_hash
from ..errors import CommandError
from ..protocol.resp import OK, MapReply, Raw
from ..strconv import format_long_double, ld_round, string2ld
from .args import LLONG_MAX, LLONG_MIN, parse_int, to_int
from .keys import parse_cursor, parse_scan_options
from .registry import KeySpec, command
from .types import lookup_typed


def get_hash(db, key: bytes, write: bool = False):
    """The hash at ``key`` or None; WRONGTYPE for another type."""
    return lookup_typed(db, key, HashLP, write, HashValue)


_UNSET: object = object()  # no lookup made yet (HSET's lean path passes what it found)


def _hash_for_write(c: Client, key: bytes, h=_UNSET):
    """Redis's hashTypeLookupWriteOrCreate: the hash at ``key``, created
    (and stored) when missing."""
    db = c.db
    if h is _UNSET:
        h = db.lookup_write(key)
    if h is None:
        h = HashLP()
        db.add(key, h)
        return h
    if type(h) is not HashLP and type(h) is not HashValue:
        raise CommandError(E.WRONGTYPE)
    return h


def _convert(c: Client, key: bytes, h: HashLP) -> HashValue:
    return c.db.convert(key, convert_hash(h))


def _try_conversion(c: Client, key: bytes, h, items):
    """hashTypeTryConversion: a field or value argument longer than
    hash-max-listpack-value converts the hash, even if nothing changes, as
    does a listpack that would pass lpSafeToAdd's 1 GB."""
    if type(h) is not HashLP:
        return h
    lim = c.server.config.hash_max_listpack_value
    total = 0
    for a in items:
        n = len(a)
        if n > lim:
            return _convert(c, key, h)
        total += n
    if h.nbytes() + total > LISTPACK_SAFETY_SIZE:
        return _convert(c, key, h)
    return h


def _check_entries(c: Client, key: bytes, h):
    """hashTypeSet's last step: more fields than hash-max-listpack-entries
    converts the listpack."""
    if type(h) is HashLP and len(h) > c.server.config.hash_max_listpack_entries:
        return _convert(c, key, h)
    return h


def _hset_pairs(c: Client, args: list[bytes], found=_UNSET) -> int:
    key = args[1]
    h = _hash_for_write(c, key, found)
    n = len(h)
    if len(args) == 4:
        field, value = args[2], args[3]
        if type(h) is HashLP:
            lim = c.server.config.hash_max_listpack_value
            if len(field) > lim or len(value) > lim or lim > 1 << 20:
                h = _try_conversion(c, key, h, (field, value))
        h[field] = value
        c.server.dirty += 1
    else:
        h = _try_conversion(c, key, h, args[2:])
        npairs = (len(args) - 2) >> 1
        start = 2
        if type(h) is HashLP and len(h) + npairs > c.server.config.hash_max_listpack_entries:
            # hashTypeSet converts as soon as the listpack passes the limit:
            # pair by pair until then, so no listpack grows past it.
            limit = c.server.config.hash_max_listpack_entries
            while start < len(args):
                h[args[start]] = args[start + 1]
                start += 2
                if len(h) > limit:
                    h = _convert(c, key, h)
                    break
        it = iter(args[start:])
        h.update(zip(it, it, strict=False))
        c.server.dirty += npairs
    added = len(h) - n
    if added:
        h.pool = None
        h = _check_entries(c, key, h)
    db = c.db
    db.signal_modified(key)
    if db.ks.notify_flags:
        db.notify(NOTIFY_HASH, b"hset", key)
    return added


@command("hset", -4, "write denyoom fast", acl="hash", keys=(1, 1, 1), key_specs=(KeySpec("RW UPDATE", index=1),), group="hash", since="2.0.0", summary="Set the string value of a hash field", complexity="O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.", direct=True)
def hset(c: Client, args: list[bytes]):
    """Format: HSET key field value [field value ...]"""
    h = _UNSET
    if len(args) == 4:  # _hset_pairs's common case: one pair into an existing hash
        db = c.db
        key = args[1]
        h = db.lookup_write(key)
        t = type(h)
        if t is HashValue or t is HashLP:
            field, value = args[2], args[3]
            if t is HashLP:
                config = c.server.config
                lim = config.hash_max_listpack_value
                if len(field) > lim or len(value) > lim or lim > 1 << 20:
                    return _hset_pairs(c, args, h)
            n = len(h)
            h[field] = value
            c.server.dirty += 1
            added = len(h) - n
            if added:
                if t is HashValue:
                    h.pool = None
                elif n >= config.hash_max_listpack_entries:
                    _check_entries(c, key, h)
            ks = db.ks
            if ks.on_key_changed is not None:
                db.signal_modified(key)
            if ks.notify_flags:
                db.notify(NOTIFY_HASH, b"hset", key)
            return added
    if len(args) & 1:
        raise CommandError(E.WRONG_ARITY % "hset")
    return _hset_pairs(c, args, h)


@command("hmset", -4, "write denyoom fast", acl="hash", keys=(1, 1, 1), key_specs=(KeySpec("RW UPDATE", index=1),), group="hash", since="2.0.0", summary="Set multiple hash fields to multiple values", complexity="O(N) where N is the number of fields being set.", doc_flags="deprecated", deprecated_since="4.0.0", replaced_by="`HSET` with multiple field-value pairs", direct=True)
def hmset(c: Client, args: list[bytes]):
    """Format: HMSET key field value [field value ...]"""
    if len(args) & 1:
        raise CommandError(E.WRONG_ARITY % "hmset")
    _hset_pairs(c, args)
    return OK


@command("hsetnx", 4, "write denyoom fast", acl="hash", keys=(1, 1, 1), key_specs=(KeySpec("RW INSERT", index=1),), group="hash", since="2.0.0", summary="Set the value of a hash field, only if the field does not exist", complexity="O(1)", direct=True)
def hsetnx(c: Client, args: list[bytes]):
    """Format: HSETNX key field value"""
    key, field = args[1], args[2]
    h = _hash_for_write(c, key)
    if field in h:
        return 0
    h = _try_conversion(c, key, h, args[2:])
    h[field] = args[3]
    h.pool = None
    _check_entries(c, key, h)
    c.db.signal_modified(key)
    c.db.notify(NOTIFY_HASH, b"hset", key)
    c.server.dirty += 1
    return 1


@command("hget", 3, "readonly fast", acl="hash", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="hash", since="2.0.0", summary="Get the value of a hash field", complexity="O(1)", direct=True)
def hget(c: Client, args: list[bytes]):
    """Format: HGET key field"""
    h = get_hash(c.db, args[1])
    if h is None:
        return None
    return h.get(args[2])


@command("hmget", -3, "readonly fast", acl="hash", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="hash", since="2.0.0", summary="Get the values of all the given hash fields", complexity="O(N) where N is the number of fields being requested.", direct=True)
def hmget(c: Client, args: list[bytes]):
    """Format: HMGET key field [field ...]"""
    h = get_hash(c.db, args[1])
    if h is None:
        return [None] * (len(args) - 2)
    get = h.get
    return [get(f) for f in args[2:]]


@command("hexists", 3, "readonly fast", acl="hash", keys=(1, 1, 1), key_specs=(KeySpec("RO", index=1),), group="hash", since="2.0.0", summary="Determine if a hash field exists", complexity="O(1)", direct=True)
def hexists(c: Client, args: list[bytes]):
    """Format: HEXISTS key field"""
    h = get_hash(c.db, args[1])
    return 1 if h is not None and args[2] in h else 0


@command("hstrlen", 3, "readonly fast", acl="hash", keys=(1, 1, 1), key_specs=(KeySpec("RO", index=1),), group="hash", since="3.2.0", summary="Get the length of the value of a hash field", complexity="O(1)", direct=True)
def hstrlen(c: Client, args: list[bytes]):
    """Format: HSTRLEN key field"""
    h = get_hash(c.db, args[1])
    if h is None:
        return 0
    v = h.get(args[2])
    return 0 if v is None else len(v)


@command("hlen", 2, "readonly fast", acl="hash", keys=(1, 1, 1), key_specs=(KeySpec("RO", index=1),), group="hash", since="2.0.0", summary="Get the number of fields in a hash", complexity="O(1)", direct=True)
def hlen(c: Client, args: list[bytes]):
    """Format: HLEN key"""
    h = get_hash(c.db, args[1])
    return 0 if h is None else len(h)


@command("hkeys", 2, "readonly", acl="hash", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="hash", since="2.0.0", summary="Get all the fields in a hash", complexity="O(N) where N is the size of the hash.", tips="nondeterministic_output_order", direct=True)
def hkeys(c: Client, args: list[bytes]):
    """Format: HKEYS key"""
    h = get_hash(c.db, args[1])
    if type(h) is HashLP:
        return Raw(h.resp(c.resp3, 1))  # the reply built in one call
    return [] if h is None else list(h)


@command("hvals", 2, "readonly", acl="hash", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="hash", since="2.0.0", summary="Get all the values in a hash", complexity="O(N) where N is the size of the hash.", tips="nondeterministic_output_order", direct=True)
def hvals(c: Client, args: list[bytes]):
    """Format: HVALS key"""
    h = get_hash(c.db, args[1])
    if type(h) is HashLP:
        return Raw(h.resp(c.resp3, 2))
    return [] if h is None else list(h.values())


@command("hgetall", 2, "readonly", acl="hash", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="hash", since="2.0.0", summary="Get all the fields and values in a hash", complexity="O(N) where N is the size of the hash.", tips="nondeterministic_output_order", direct=True)
def hgetall(c: Client, args: list[bytes]):
    """Format: HGETALL key (a map in RESP3)"""
    h = get_hash(c.db, args[1])
    if type(h) is HashLP:
        return Raw(h.resp(c.resp3, 0))
    return MapReply() if h is None else MapReply(h.items())


@command("hdel", -3, "write fast", acl="hash", keys=(1, 1, 1), key_specs=(KeySpec("RW DELETE", index=1),), group="hash", since="2.0.0", summary="Delete one or more hash fields", complexity="O(N) where N is the number of fields to be removed.", direct=True)
def hdel(c: Client, args: list[bytes]):
    """Format: HDEL key field [field ...]"""
    key = args[1]
    db = c.db
    h = get_hash(db, key, True)
    if h is None:
        return 0
    deleted = 0
    pop = h.pop
    for f in args[2:]:
        if pop(f, None) is not None:
            deleted += 1
            if not h:
                break
    if deleted:
        h.pool = None
        if not h:
            db.delete(key)
        db.signal_modified(key)
        if db.ks.notify_flags:
            db.notify(NOTIFY_HASH, b"hdel", key)
            if not h:
                db.notify(NOTIFY_GENERIC, b"del", key)
        c.server.dirty += deleted
    return deleted


@command("hincrby", 4, "write denyoom fast", acl="hash", keys=(1, 1, 1), key_specs=(KeySpec("RW ACCESS UPDATE", index=1),), group="hash", since="2.0.0", summary="Increment the integer value of a hash field by the given number", complexity="O(1)", direct=True)
def hincrby(c: Client, args: list[bytes]):
    """Format: HINCRBY key field increment"""
    incr = parse_int(args[3])
    key, field = args[1], args[2]
    h = _hash_for_write(c, key)
    cur = h.get(field)
    if cur is None:
        value = 0
    else:
        parsed = to_int(cur)
        if parsed is None:
            raise CommandError(E.HASH_NOT_INTEGER)
        value = parsed
    if (incr < 0 and value < 0 and incr < LLONG_MIN - value) or (
        incr > 0 and value > 0 and incr > LLONG_MAX - value
    ):
        raise CommandError(E.OVERFLOW)
    value += incr
    new = b"%d" % value
    _set_one(c, key, h, field, new, cur is None)
    c.db.signal_modified(key)
    c.db.notify(NOTIFY_HASH, b"hincrby", key)
    c.server.dirty += 1
    return value


def _set_one(c: Client, key: bytes, h, field: bytes, value: bytes, new: bool) -> None:
    """hashTypeSet for one field: a field or value too long for the
    listpack converts it first, too many fields after."""
    if type(h) is HashLP:
        lim = c.server.config.hash_max_listpack_value
        if len(field) > lim or len(value) > lim:
            h = _convert(c, key, h)
    h[field] = value
    if new:
        h.pool = None
        _check_entries(c, key, h)


@command("hincrbyfloat", 4, "write denyoom fast", acl="hash", keys=(1, 1, 1), key_specs=(KeySpec("RW ACCESS UPDATE", index=1),), group="hash", since="2.6.0", summary="Increment the float value of a hash field by the given amount", complexity="O(1)", direct=True)
def hincrbyfloat(c: Client, args: list[bytes]):
    """Format: HINCRBYFLOAT key field increment (propagated as HSET)

    Long double arithmetic and formatting, as INCRBYFLOAT."""
    key, field = args[1], args[2]
    inc = string2ld(args[3])
    if inc is None:
        raise CommandError(E.NOT_FLOAT)
    if isinstance(inc, float):
        raise CommandError(E.VALUE_NAN_OR_INFINITY)
    h = _hash_for_write(c, key)
    cur = h.get(field)
    value = Fraction(0) if cur is None else string2ld(cur)
    if value is None:
        raise CommandError(E.HASH_NOT_FLOAT)
    if isinstance(value, float):
        raise CommandError(E.NAN_OR_INFINITY)
    try:
        new = format_long_double(ld_round(value + inc))
    except OverflowError:
        raise CommandError(E.NAN_OR_INFINITY) from None
    _set_one(c, key, h, field, new, cur is None)
    c.db.signal_modified(key)
    c.db.notify(NOTIFY_HASH, b"hincrbyfloat", key)
    c.server.dirty += 1
    c.propagate_as = [[b"HSET", key, field, new]]
    return new


# -- random fields and scanning ----------------------------------------------------------


@command("hrandfield", -2, "readonly", acl="hash", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="hash", since="6.2.0", summary="Get one or multiple random fields from a hash", complexity="O(N) where N is the number of fields returned", tips="nondeterministic_output", direct=True)
def hrandfield(c: Client, args: list[bytes]):
    """Format: HRANDFIELD key [count [WITHVALUES]]"""
    n = len(args)
    if n == 2:
        h = get_hash(c.db, args[1])
        if h is None:
            return None
        return h.random_member()
    count = to_int(args[2])
    if count is None:
        raise CommandError(E.NOT_INTEGER)
    if count == LLONG_MIN:
        raise CommandError(E.LLONG_RANGE)
    withvalues = False
    if n > 4 or (n == 4 and args[3].lower() != b"withvalues"):
        raise CommandError(E.SYNTAX)
    if n == 4:
        withvalues = True
        if count < -(LLONG_MAX // 2) or count > LLONG_MAX // 2:
            raise CommandError(E.VALUE_OUT_OF_RANGE)
    h = get_hash(c.db, args[1])
    if h is None or count == 0:
        return []
    resp3 = c.resp3
    if count < 0:
        fields = h.random_repeats(-count)
    elif count >= len(h):
        fields = list(h)
    elif count == 1:
        fields = [h.random_member()]
    else:
        fields = h.random_distinct(count)
    if not withvalues:
        return fields
    if resp3:
        return [[f, h[f]] for f in fields]
    out = []
    for f in fields:
        out.append(f)
        out.append(h[f])
    return out


@command("hscan", -3, "readonly", acl="hash", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="hash", since="2.8.0", summary="Incrementally iterate hash fields and associated values", complexity="O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..", tips="nondeterministic_output", direct=True)
def hscan(c: Client, args: list[bytes]):
    """Format: HSCAN key cursor [MATCH pattern] [COUNT count]"""
    cursor = parse_cursor(args[2])
    h = get_hash(c.db, args[1])
    if h is None:
        return [b"0", []]
    matcher, count, _ = parse_scan_options(args, 3, False)
    if type(h) is HashLP:
        nxt, fields = 0, list(h)
    else:
        nxt, fields = c.server.keyspace.scan_cursors.scan(h, cursor, count, h.__contains__)
    out = []
    for f in fields:
        if matcher is None or matcher(f):
            out.append(f)
            out.append(h[f])
    return [str(nxt).encode(), out]
