"""Set commands (Redis 7.0's set group).

A small set (at most 128 members of at most 64 bytes) is a ``SetLP``
(its members in one listpack, db/listpack.py: a tenth of a Python set's
memory); a bigger one a ``SetValue`` (a Python set): O(1) SADD/SREM/
SISMEMBER, C-speed intersections, unions and differences. Either's
encoding flag follows Redis 7.0: ``intset`` while every member is a canonical 64-bit integer and there
are at most set-max-intset-entries of them, then ``hashtable`` for good.
While a set is an intset, replies list members in ascending numeric order,
as Redis's sorted intset does. Random picks use the set's ``random_pool``
(see db/types.py). SPOP is propagated as SREM of the popped members (DEL
when it took them all); an emptied set is deleted.

Imports: db types, errors, protocol reply values, command helpers.
"""

from __future__ import annotations

import random

from .. import errors as E
from ..client import Client
from ..db.lazyfree import LAZYFREE_THRESHOLD
from ..db.notify import NOTIFY_GENERIC, NOTIFY_SET
from ..db.types import (
    SET_LISTPACK_ENTRIES,
    SET_LISTPACK_VALUE,
    SetLP,
    SetValue,
    convert_set,
    intset_width,
    is_int_member,
    new_set_value,
)
from ..errors import CommandError
from ..protocol.resp import Raw, SetReply
from ..strconv import string2ll
from .args import LLONG_MIN, numkeys_key_refs, to_int
from .keys import parse_cursor, parse_scan_options
from .registry import KeySpec, command
from .types import lookup_typed


def get_set(db, key: bytes, write: bool = False):
    """The set at ``key`` or None; WRONGTYPE for another type."""
    return lookup_typed(db, key, SetLP, write, SetValue)


def _is_set(v) -> bool:
    return type(v) is SetLP or type(v) is SetValue


def _intset_limit(config) -> int:
    return min(config.set_max_intset_entries, 1 << 30)


def _after_add(c: Client, key: bytes, s, members):
    """Apply Redis's intset -> hashtable conversion for ``members`` just
    added to ``s``, and radish's listpack -> SetValue one (returns the set
    now at ``key``)."""
    if type(s) is SetLP and (len(s) > SET_LISTPACK_ENTRIES or any(len(m) > SET_LISTPACK_VALUE for m in members)):
        s = c.db.convert(key, convert_set(s))
    if s.big:
        return s
    if len(s) > _intset_limit(c.server.config):
        s.big = True
        return s
    for m in members:
        v = string2ll(m)
        if v is None:
            s.big = True
            return s
        if not -32768 <= v <= 32767:
            w = intset_width(v)
            if w > s.width:
                s.width = w
    return s


def new_set(c: Client, members):
    """A set built from ``members`` with the encoding Redis would give it
    (an intset filled by adds)."""
    return new_set_value(members, c.server.config)


def _as_set(s) -> set:
    """A set's members as a Python set, for the set algebra."""
    return s if type(s) is SetValue else set(s)


def _ordered(c: Client, s: SetValue):
    return s.ordered(c.server.config)


def _pop_random(s) -> bytes:
    """Remove and return a random member in O(1), keeping the pool in step."""
    if type(s) is SetLP:
        return s.pop_random()
    while True:
        pool = s.random_pool()
        i = random.randrange(len(pool))
        m = pool[i]
        last = pool.pop()
        if i < len(pool):
            pool[i] = last
        if m in s:
            s.remove(m)
            return m
        s.pool = None  # the pool was stale: rebuild


# -- single-set writes ---------------------------------------------------------------


@command("sadd", -3, "write denyoom fast", acl="set", keys=(1, 1, 1), key_specs=(KeySpec("RW INSERT", index=1),), group="set", since="1.0.0", summary="Add one or more members to a set", complexity="O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", direct=True)
def sadd(c: Client, args: list[bytes]):
    """Format: SADD key member [member ...]"""
    key = args[1]
    db = c.db
    s = db.lookup_write(key)
    if s is None:
        s = SetLP()
        db.add(key, s)
    elif type(s) is not SetLP and type(s) is not SetValue:
        raise CommandError(E.WRONGTYPE)
    n = len(s)
    if len(args) == 3 and type(s) is SetLP:  # one member into a listpack
        m = args[2]
        if not s.add(m):
            return 0  # already a member
        added = 1
        _after_add(c, key, s, (m,))
    elif len(args) == 3:
        m = args[2]
        s.add(m)
        added = len(s) - n
        if added:
            if s.pool is not None:
                s.pool.append(m)
            if not s.big or type(s) is SetLP:
                _after_add(c, key, s, (m,))
    else:
        members = args[2:]
        if type(s) is SetLP and n + len(members) > SET_LISTPACK_ENTRIES:
            # Member by member until the listpack is full, then a SetValue
            # takes the rest (a listpack never grows past its limit).
            for i, m in enumerate(members):
                s.add(m)
                if len(s) > SET_LISTPACK_ENTRIES:
                    s = db.convert(key, convert_set(s))
                    s.update(members[i + 1 :])
                    break
        else:
            s.update(members)
        added = len(s) - n
        if added:
            s.pool = None
            if not s.big or type(s) is SetLP:
                _after_add(c, key, s, args[2:])
    if added:
        db.signal_modified(key)
        if db.ks.notify_flags:
            db.notify(NOTIFY_SET, b"sadd", key)
        c.server.dirty += added
    return added


@command("srem", -3, "write fast", acl="set", keys=(1, 1, 1), key_specs=(KeySpec("RW DELETE", index=1),), group="set", since="1.0.0", summary="Remove one or more members from a set", complexity="O(N) where N is the number of members to be removed.", direct=True)
def srem(c: Client, args: list[bytes]):
    """Format: SREM key member [member ...]"""
    key = args[1]
    db = c.db
    s = get_set(db, key, True)
    if s is None:
        return 0
    n = len(s)
    if len(args) == 3:
        s.discard(args[2])
    else:
        s.difference_update(args[2:])
    removed = n - len(s)
    if removed:
        s.pool = None
        if not s:
            db.delete(key)
        db.signal_modified(key)
        if db.ks.notify_flags:
            db.notify(NOTIFY_SET, b"srem", key)
            if not s:
                db.notify(NOTIFY_GENERIC, b"del", key)
        c.server.dirty += removed
    return removed


@command("smove", 4, "write fast", acl="set", keys=(1, 2, 1), key_specs=(KeySpec("RW ACCESS DELETE", index=1), KeySpec("RW INSERT", index=2)), group="set", since="1.0.0", summary="Move a member from one set to another", complexity="O(1)", direct=True)
def smove(c: Client, args: list[bytes]):
    """Format: SMOVE source destination member"""
    src, dst, m = args[1], args[2], args[3]
    db = c.db
    sset = db.lookup_write(src)
    dset = db.lookup_write(dst)
    if sset is None:
        return 0
    if not _is_set(sset) or (dset is not None and not _is_set(dset)):
        raise CommandError(E.WRONGTYPE)
    if sset is dset:
        return 1 if m in sset else 0
    if m not in sset:
        return 0
    sset.remove(m)
    sset.pool = None
    db.notify(NOTIFY_SET, b"srem", src)
    if not sset:
        db.delete(src)
        db.notify(NOTIFY_GENERIC, b"del", src)
    if dset is None:
        dset = SetLP()
        db.add(dst, dset)
    db.signal_modified(src)
    c.server.dirty += 1
    if m not in dset:
        dset.add(m)
        if dset.pool is not None:
            dset.pool.append(m)
        _after_add(c, dst, dset, (m,))
        c.server.dirty += 1
        db.signal_modified(dst)
        db.notify(NOTIFY_SET, b"sadd", dst)
    return 1


@command("spop", -2, "write fast", acl="set", keys=(1, 1, 1), key_specs=(KeySpec("RW ACCESS DELETE", index=1),), group="set", since="1.0.0", summary="Remove and return one or multiple random members from a set", complexity="Without the count argument O(1), otherwise O(N) where N is the value of the passed count.", tips="nondeterministic_output", direct=True)
def spop(c: Client, args: list[bytes]):
    """Format: SPOP key [count] (propagated as SREM of what was popped)"""
    n = len(args)
    key = args[1]
    db = c.db
    if n == 2:
        s = get_set(db, key, True)
        if s is None:
            return None
        m = _pop_random(s)
        db.notify(NOTIFY_SET, b"spop", key)
        if not s:
            db.delete(key)
            db.notify(NOTIFY_GENERIC, b"del", key)
        db.signal_modified(key)
        c.server.dirty += 1
        c.propagate_as = [[b"SREM", key, m]]
        return m
    if n > 3:
        raise CommandError(E.SYNTAX)
    count = to_int(args[2])
    if count is None or count < 0:
        raise CommandError(E.NOT_POSITIVE)
    s = get_set(db, key, True)
    if s is None or count == 0:
        return SetReply()
    if count >= len(s):
        out = SetReply(_ordered(c, s))
        ks = db.ks
        if ks.lazy_server_del and len(s) > LAZYFREE_THRESHOLD and not _would_be_intset(c, s):
            # Redis replies through SUNION, whose temporary copy of the set
            # it frees lazily (and counts) before deleting the key.
            ks.lazyfree.account(1)
        db.notify(NOTIFY_SET, b"spop", key)
        db.delete(key)
        db.notify(NOTIFY_GENERIC, b"del", key)
        db.signal_modified(key)
        c.server.dirty += len(out)
        c.propagate_as = [[b"DEL", key]]
        return out
    db.notify(NOTIFY_SET, b"spop", key)
    remaining = len(s) - count
    if remaining * 5 > count:  # SPOP_MOVE_STRATEGY_MUL
        out = SetReply(_pop_random(s) for _ in range(count))
    else:
        # Redis's CASE 3: the members that stay, picked at random, make a
        # new set (setTypeCreate and adds: an intset again when they are
        # all integers, at the width they need); the old set, in its own
        # order, is the reply, and is freed as dbOverwrite frees it.
        keep = s.random_distinct(remaining)
        s.difference_update(keep)
        s.pool = None
        out = SetReply(_ordered(c, s))
        db.convert(key, new_set(c, keep))
        if db.ks.lazy_server_del:
            db.ks.lazyfree.free_object(s)
    db.signal_modified(key)
    c.server.dirty += count
    c.propagate_as = [[b"SREM", key, m] for m in out]
    return out


# -- reads ----------------------------------------------------------------------------


@command("scard", 2, "readonly fast", acl="set", keys=(1, 1, 1), key_specs=(KeySpec("RO", index=1),), group="set", since="1.0.0", summary="Get the number of members in a set", complexity="O(1)", direct=True)
def scard(c: Client, args: list[bytes]):
    """Format: SCARD key"""
    s = get_set(c.db, args[1])
    return 0 if s is None else len(s)


@command("sismember", 3, "readonly fast", acl="set", keys=(1, 1, 1), key_specs=(KeySpec("RO", index=1),), group="set", since="1.0.0", summary="Determine if a given value is a member of a set", complexity="O(1)", direct=True)
def sismember(c: Client, args: list[bytes]):
    """Format: SISMEMBER key member"""
    s = get_set(c.db, args[1])
    return 1 if s is not None and args[2] in s else 0


@command("smismember", -3, "readonly fast", acl="set", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="set", since="6.2.0", summary="Returns the membership associated with the given elements for a set", complexity="O(N) where N is the number of elements being checked for membership", direct=True)
def smismember(c: Client, args: list[bytes]):
    """Format: SMISMEMBER key member [member ...]"""
    s = get_set(c.db, args[1])
    if s is None:
        return [0] * (len(args) - 2)
    return [1 if m in s else 0 for m in args[2:]]


@command("smembers", 2, "readonly", acl="set", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="set", since="1.0.0", summary="Get all the members in a set", complexity="O(N) where N is the set cardinality.", tips="nondeterministic_output_order", direct=True)
def smembers(c: Client, args: list[bytes]):
    """Format: SMEMBERS key (a set in RESP3)"""
    s = get_set(c.db, args[1])
    if s is None:
        return SetReply()
    if type(s) is SetLP:
        return Raw(s.resp(c.server.config, c.resp3))  # the reply built in one call
    return SetReply(_ordered(c, s))


@command("srandmember", -2, "readonly", acl="set", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="set", since="1.0.0", summary="Get one or multiple random members from a set", complexity="Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.", tips="nondeterministic_output", direct=True)
def srandmember(c: Client, args: list[bytes]):
    """Format: SRANDMEMBER key [count]"""
    n = len(args)
    if n == 2:
        s = get_set(c.db, args[1])
        if s is None:
            return None
        return s.random_member()
    if n > 3:
        raise CommandError(E.SYNTAX)
    count = to_int(args[2])
    if count is None:
        raise CommandError(E.NOT_INTEGER)
    if count == LLONG_MIN:
        raise CommandError(E.LLONG_RANGE)
    s = get_set(c.db, args[1])
    if s is None or count == 0:
        return []
    if count < 0:
        return s.random_repeats(-count)
    if count == 1:
        return [s.random_member()]
    if count >= len(s):
        return list(_ordered(c, s))
    return s.random_distinct(count)


def _sources(c: Client, keys: list[bytes]) -> list:
    """The sets at ``keys`` (None for missing ones); WRONGTYPE if any key
    holds another type."""
    db = c.db
    out = []
    for k in keys:
        v = db.lookup_read(k)
        if v is not None and not _is_set(v):
            raise CommandError(E.WRONGTYPE)
        out.append(v)
    return out


def _result_order(c: Client, result: set, intset_source: bool):
    """Order a computed result as Redis would reply it: ascending numbers
    when it comes from (or would be) an intset."""
    if intset_source and result:
        return sorted(result, key=int)
    return result


def _would_be_intset(c: Client, result: set) -> bool:
    if len(result) > _intset_limit(c.server.config):
        return False
    return all(is_int_member(m) for m in result)


def _inter(c: Client, sets: list) -> tuple[set, bool]:
    """Intersection of ``sets`` (no None among them); also whether the
    smallest set, whose order Redis replies in, is an intset."""
    sets = sorted(sets, key=len)
    first = sets[0]
    result = _as_set(first).intersection(*sets[1:]) if len(sets) > 1 else set(first)
    return result, first.encoding(c.server.config) == "intset"


def _union_diff(c: Client, sets: list, diff: bool) -> set:
    if diff:
        first = sets[0]
        if first is None:
            return set()
        rest = [s for s in sets[1:] if s is not None]
        return _as_set(first).difference(*rest) if rest else set(first)
    present = [s for s in sets if s is not None]
    if not present:
        return set()
    return _as_set(present[0]).union(*present[1:])


def _store(c: Client, dst: bytes, result: set, event: bytes) -> int:
    db = c.db
    if result:
        db.lookup_write(dst)
        db.set(dst, new_set(c, result))
        db.signal_modified(dst)
        db.notify(NOTIFY_SET, event, dst)
        c.server.dirty += 1
        return len(result)
    if db.lookup_write(dst) is not None:
        db.delete(dst)
        db.signal_modified(dst)
        db.notify(NOTIFY_GENERIC, b"del", dst)
        c.server.dirty += 1
    return 0


@command("sinter", -2, "readonly", acl="set", keys=(1, -1, 1), key_specs=(KeySpec("RO ACCESS", index=1, lastkey=-1),), group="set", since="1.0.0", summary="Intersect multiple sets", complexity="O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", tips="nondeterministic_output_order", direct=True)
def sinter(c: Client, args: list[bytes]):
    """Format: SINTER key [key ...] (a set in RESP3)"""
    sets = _sources(c, args[1:])
    if any(s is None for s in sets):
        return SetReply()
    result, intset = _inter(c, sets)
    return SetReply(_result_order(c, result, intset))


@command("sinterstore", -3, "write denyoom", acl="set", keys=(1, -1, 1), key_specs=(KeySpec("RW UPDATE", index=1), KeySpec("RO ACCESS", index=2, lastkey=-1)), group="set", since="1.0.0", summary="Intersect multiple sets and store the resulting set in a key", complexity="O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", direct=True)
def sinterstore(c: Client, args: list[bytes]):
    """Format: SINTERSTORE destination key [key ...]"""
    sets = _sources(c, args[2:])
    if any(s is None for s in sets):
        return _store(c, args[1], set(), b"sinterstore")
    result, _ = _inter(c, sets)
    return _store(c, args[1], result, b"sinterstore")


def _sintercard_getkeys(args: list[bytes]) -> list[int]:
    numkeys = to_int(args[1]) if len(args) > 1 else None
    if numkeys is None or numkeys < 1 or 1 + numkeys >= len(args):
        raise CommandError(E.INVALID_GETKEYS_ARGS)
    return list(range(2, 2 + numkeys))


@command("sintercard", -3, "readonly", acl="set", key_specs=(KeySpec("RO ACCESS", index=1, keynum=(0, 1, 1)),), group="set", since="7.0.0", summary="Intersect multiple sets and return the cardinality of the result", complexity="O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", getkeys=_sintercard_getkeys, getkeys_proc=numkeys_key_refs(1, 2), direct=True)
def sintercard(c: Client, args: list[bytes]):
    """Format: SINTERCARD numkeys key [key ...] [LIMIT limit]"""
    numkeys = to_int(args[1])
    if numkeys is None or numkeys < 1:
        raise CommandError(E.NUMKEYS_NOT_POSITIVE)
    if numkeys > len(args) - 2:
        raise CommandError(E.NUMKEYS_TOO_MANY)
    limit = 0
    j = 2 + numkeys
    while j < len(args):
        if args[j].lower() == b"limit" and j + 1 < len(args):
            given = to_int(args[j + 1])
            if given is None or given < 0:
                raise CommandError(E.LIMIT_NEGATIVE)
            limit = given
            j += 2
        else:
            raise CommandError(E.SYNTAX)
    sets = _sources(c, args[2 : 2 + numkeys])
    if any(s is None for s in sets):
        return 0
    sets.sort(key=len)
    if not limit or len(sets) == 1:
        n = len(_as_set(sets[0]).intersection(*sets[1:])) if len(sets) > 1 else len(sets[0])
        return min(n, limit) if limit else n
    others = sets[1:]
    n = 0
    for m in sets[0]:
        for s in others:
            if m not in s:
                break
        else:
            n += 1
            if n >= limit:
                break
    return n


@command("sunion", -2, "readonly", acl="set", keys=(1, -1, 1), key_specs=(KeySpec("RO ACCESS", index=1, lastkey=-1),), group="set", since="1.0.0", summary="Add multiple sets", complexity="O(N) where N is the total number of elements in all given sets.", tips="nondeterministic_output_order", direct=True)
def sunion(c: Client, args: list[bytes]):
    """Format: SUNION key [key ...] (a set in RESP3)"""
    result = _union_diff(c, _sources(c, args[1:]), False)
    return _reply_and_free(c, result)


def _reply_and_free(c: Client, result: set) -> SetReply:
    """SUNION and SDIFF's reply; then, as Redis frees its temporary result
    set with freeObjAsync under lazyfree-lazy-server-del, a big result goes
    to the lazy freer (the reply holds its own list of the members)."""
    intset = _would_be_intset(c, result)
    reply = SetReply(_result_order(c, result, intset))
    ks = c.db.ks
    if ks.lazy_server_del and not intset:
        ks.lazyfree.free_object(result)
    return reply


@command("sunionstore", -3, "write denyoom", acl="set", keys=(1, -1, 1), key_specs=(KeySpec("OW UPDATE", index=1), KeySpec("RO ACCESS", index=2, lastkey=-1)), group="set", since="1.0.0", summary="Add multiple sets and store the resulting set in a key", complexity="O(N) where N is the total number of elements in all given sets.", direct=True)
def sunionstore(c: Client, args: list[bytes]):
    """Format: SUNIONSTORE destination key [key ...]"""
    return _store(c, args[1], _union_diff(c, _sources(c, args[2:]), False), b"sunionstore")


@command("sdiff", -2, "readonly", acl="set", keys=(1, -1, 1), key_specs=(KeySpec("RO ACCESS", index=1, lastkey=-1),), group="set", since="1.0.0", summary="Subtract multiple sets", complexity="O(N) where N is the total number of elements in all given sets.", tips="nondeterministic_output_order", direct=True)
def sdiff(c: Client, args: list[bytes]):
    """Format: SDIFF key [key ...] (a set in RESP3)"""
    return _reply_and_free(c, _union_diff(c, _sources(c, args[1:]), True))


@command("sdiffstore", -3, "write denyoom", acl="set", keys=(1, -1, 1), key_specs=(KeySpec("OW UPDATE", index=1), KeySpec("RO ACCESS", index=2, lastkey=-1)), group="set", since="1.0.0", summary="Subtract multiple sets and store the resulting set in a key", complexity="O(N) where N is the total number of elements in all given sets.", direct=True)
def sdiffstore(c: Client, args: list[bytes]):
    """Format: SDIFFSTORE destination key [key ...]"""
    return _store(c, args[1], _union_diff(c, _sources(c, args[2:]), True), b"sdiffstore")


@command("sscan", -3, "readonly", acl="set", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="set", since="2.8.0", summary="Incrementally iterate Set elements", complexity="O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..", tips="nondeterministic_output", direct=True)
def sscan(c: Client, args: list[bytes]):
    """Format: SSCAN key cursor [MATCH pattern] [COUNT count]"""
    cursor = parse_cursor(args[2])
    s = get_set(c.db, args[1])
    if s is None:
        return [b"0", []]
    matcher, count, _ = parse_scan_options(args, 3, False)
    if s.encoding(c.server.config) == "intset":
        nxt, members = 0, sorted(s, key=int)
    else:
        nxt, members = c.server.keyspace.scan_cursors.scan(s, cursor, count, s.__contains__)
    if matcher is not None:
        members = [m for m in members if matcher(m)]
    return [str(nxt).encode(), members]
