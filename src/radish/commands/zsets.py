"""Sorted-set commands (Redis 7.0's sorted-set group), blocking pops included.

A sorted set is a ``ZSetLP`` (Redis's listpack bytes, db/listpack.py)
while small, and a ``ZSetValue`` (db/types.py: a dict member -> score and
a SortedList of (score, member), so ranks, score ranges and lex ranges are
O(log n) lookups) once it passes zset-max-listpack-entries / -value; both
offer the same API (``sl`` is a view of the listpack's pairs by rank). Scores are doubles parsed as Redis's strtod-based
getDoubleFromObject (no spaces, overflow refused, NaN refused) and replied
with ``%.17g`` (RESP2 bulk strings, RESP3 doubles); WITHSCORES replies are
[member, score] pairs in RESP3. Encodings follow Redis 7.0 (``listpack``
until zset-max-listpack-entries / -value is passed, then ``skiplist`` for
good, the value replaced in the keyspace; STORE results get the encoding
their size and members call for).

``ZADD key score member`` and ``ZPOPMIN/ZPOPMAX key`` (redis-benchmark's
forms, the commonest) have lean paths beside the general ones (the score
parsed in C before any lookup, one listpack call, the same replies,
events and propagation); every other form and every error goes the
general way.

Propagation is deterministic as in Redis: BZPOPMIN/BZPOPMAX go out as
ZPOPMIN/ZPOPMAX key, ZMPOP/BZMPOP as ZPOPMIN/ZPOPMAX key n, n being the
number of elements popped (what redis-server 7.0 sends its replicas). A sorted
set emptied by a removal is deleted.

Imports: db types, errors, protocol reply values, command helpers.
"""

from __future__ import annotations

import math
from typing import Any

from .. import errors as E
from ..client import Client
from ..db.keytable import HAS_TTL
from ..db.listpack import LISTPACK_SAFETY_SIZE, string2d
from ..db.notify import NOTIFY_GENERIC, NOTIFY_ZSET
from ..db.types import AnyZSet, SetLP, SetValue, ZSetLP, ZSetValue, convert_zset, new_zset_value
from ..db.zset import LexRange, ScoreRange, lex_bounds, rank_bounds, score_bounds
from ..errors import CommandError
from ..protocol.resp import NULL_ARRAY, Raw, format_double
from ..strconv import LLONG_MAX, strtod
from .args import (
    numkeys_getkeys,
    numkeys_key_refs,
    parse_int,
    parse_mpop_args,
    parse_timeout,
    to_int,
)
from .keys import parse_cursor, parse_scan_options
from .registry import KeySpec, command
from .results import Block
from .types import lookup_typed

# -- parsing ---------------------------------------------------------------------------


def parse_score(s: bytes, err: str = E.NOT_FLOAT) -> float:
    """Redis's getDoubleFromObject (string2d: glibc's strtod in C, see
    db/listpack.py): the whole text as a double, no leading space,
    overflow and NaN refused."""
    v = string2d(s)
    if v is None:
        raise CommandError(err)
    return v


def _range_item(s: bytes) -> tuple[float, bool]:
    """One bound of zslParseRange: strtod over the whole text (after an
    optional '('), NaN refused, overflow to +-inf accepted."""
    ex = s[:1] == b"("
    text = s[1:] if ex else s
    v, n, _ = strtod(text)
    if (n != len(text) and text[n] != 0) or v != v:  # the C string ends at NUL
        raise CommandError(E.MINMAX_NOT_FLOAT)
    return v, ex


def parse_score_range(lo: bytes, hi: bytes) -> ScoreRange:
    """zslParseRange: ``(`` marks an exclusive bound."""
    a, aex = _range_item(lo)
    b, bex = _range_item(hi)
    return ScoreRange(a, b, aex, bex)


def _lex_item(s: bytes):
    if s == b"+":
        return (b"", False, 1)
    if s == b"-":
        return (b"", False, -1)
    c = s[:1]
    if c == b"(":
        return (s[1:], True, 0)
    if c == b"[":
        return (s[1:], False, 0)
    raise CommandError(E.MINMAX_NOT_LEX)


def parse_lex_range(lo: bytes, hi: bytes) -> LexRange:
    return LexRange(_lex_item(lo), _lex_item(hi))


# -- lookups and writes ------------------------------------------------------------------


def get_zset(db, key: bytes, write: bool = False):
    """The sorted set at ``key`` or None; WRONGTYPE for another type."""
    return lookup_typed(db, key, ZSetLP, write, ZSetValue)


def new_zset(config, pairs):
    """A sorted set built from (member, score) pairs with the encoding Redis
    gives a computed result (zsetConvertToListpackIfNeeded)."""
    return new_zset_value(config, pairs)


def _scored(c: Client, items, withscores: bool) -> list:
    """(score, member) pairs -> reply: members only, or member + score
    (flat in RESP2, pairs in RESP3)."""
    if not withscores:
        return [m for _, m in items]
    if c.resp3:
        return [[m, s] for s, m in items]
    out = []
    for s, m in items:
        out.append(m)
        out.append(s)
    return out


def _delete_if_empty(db, key: bytes, z: AnyZSet) -> None:
    """Delete an emptied sorted set, with its ``del`` event."""
    if not z:
        db.delete(key)
        db.notify(NOTIFY_GENERIC, b"del", key)


# -- ZADD / ZINCRBY -------------------------------------------------------------------


_ZADD_NX, _ZADD_XX, _ZADD_CH, _ZADD_INCR, _ZADD_GT, _ZADD_LT = 1, 2, 4, 8, 16, 32
_ZADD_OPTIONS = {b"nx": _ZADD_NX, b"xx": _ZADD_XX, b"ch": _ZADD_CH, b"incr": _ZADD_INCR, b"gt": _ZADD_GT, b"lt": _ZADD_LT}


def zadd_generic(c: Client, args, incr: bool):
    """ZADD, ZINCRBY (``incr``) and GEOADD: Redis's zaddGenericCommand."""
    key = args[1]
    j = 2
    n = len(args)
    # ZINCRBY too: Redis parses ZADD's options for it (so `ZINCRBY k xx m`
    # is a syntax error, not a bad float).
    flags = 0
    options = _ZADD_OPTIONS
    while j < n:
        a = args[j]
        f = options.get(a) if len(a) <= 4 else None
        if f is None:
            f = options.get(a.lower()) if len(a) <= 4 else None
            if f is None:
                break
        flags |= f
        j += 1
    if flags:
        nx, xx, ch = bool(flags & _ZADD_NX), bool(flags & _ZADD_XX), bool(flags & _ZADD_CH)
        gt, lt = bool(flags & _ZADD_GT), bool(flags & _ZADD_LT)
        incr = incr or bool(flags & _ZADD_INCR)
    else:
        nx = xx = gt = lt = ch = False
    elements = n - j
    if elements % 2 or not elements:
        raise CommandError(E.SYNTAX)
    elements //= 2
    if nx and xx:
        raise CommandError(E.XX_AND_NX)
    if (gt and nx) or (lt and nx) or (gt and lt):
        raise CommandError(E.ZADD_GT_LT_NX)
    if incr and elements > 1:
        raise CommandError(E.ZADD_INCR_PAIR)
    scores = [parse_score(args[j])] if elements == 1 else [parse_score(args[j + 2 * i]) for i in range(elements)]
    db = c.db
    z = db.lookup_write(key)
    if z is not None and type(z) is not ZSetLP and type(z) is not ZSetValue:
        raise CommandError(E.WRONGTYPE)
    config = c.server.config
    if z is None:
        if xx:
            return None if incr else 0
        if config.zset_max_listpack_entries == 0 or config.zset_max_listpack_value < len(args[j + 1]):
            z = ZSetValue()
        else:
            z = ZSetLP()
        db.add(key, z)
    added = updated = processed = 0
    score = 0.0
    for i in range(elements):
        score = scores[i]
        m = args[j + 2 * i + 1]
        cur = z.get(m)
        if cur is not None:
            if nx:
                continue
            if incr:
                score += cur
                if score != score:
                    if added or updated:
                        db.signal_modified(key)
                        db.notify(NOTIFY_ZSET, b"zincr", key)
                    raise CommandError(E.NAN_SCORE)
            if (lt and score >= cur) or (gt and score <= cur):
                continue
            if score != cur:
                z.insert(m, score)
                updated += 1
            processed += 1
        elif not xx:
            if type(z) is ZSetLP and (
                len(z) + 1 > config.zset_max_listpack_entries
                or len(m) > config.zset_max_listpack_value
                or z.nbytes() + len(m) > LISTPACK_SAFETY_SIZE
            ):
                z = db.convert(key, convert_zset(z))  # zsetAdd converts before inserting
            z.insert(m, score)
            added += 1
            processed += 1
    if added or updated:
        db.signal_modified(key)
        if db.ks.notify_flags:
            db.notify(NOTIFY_ZSET, b"zincr" if incr else b"zadd", key)
        c.server.dirty += added + updated
    if incr:
        return score if processed else None
    return added + updated if ch else added


def _zadd_new(c: Client, key: bytes, m: bytes, score: float) -> None:
    """ZADD key score member on a missing key: the sorted set made as
    zadd_generic makes it, then the pair added."""
    db = c.db
    config = c.server.config
    if config.zset_max_listpack_entries == 0 or config.zset_max_listpack_value < len(m):
        z = ZSetValue()
        db.add(key, z)
        z.insert(m, score)
        return
    lp = ZSetLP()
    db.add(key, lp)
    if lp.add(m, score, config) is None:  # past LISTPACK_SAFETY_SIZE: zsetAdd converts first
        db.convert(key, convert_zset(lp)).insert(m, score)


@command("zadd", -4, "write denyoom fast", acl="sortedset", keys=(1, 1, 1), key_specs=(KeySpec("RW UPDATE", index=1),), group="sorted-set", since="1.2.0", summary="Add one or more members to a sorted set, or update its score if it already exists", complexity="O(log(N)) for each item added, where N is the number of elements in the sorted set.", direct=True)
def zadd(c: Client, args: list[bytes]):
    """Format: ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]

    ``ZADD key score member`` (no option: an option word never reads as a
    double) is zadd_generic's one-pair case in few steps: the score parsed
    first (before any lookup, as Redis does), then one listpack call
    (ZSet.add) or a dict lookup; any other form, and a score that does not
    parse (the general path raises the error), goes to zadd_generic."""
    if len(args) != 4:
        return zadd_generic(c, args, False)
    score = string2d(args[2])
    if score is None:
        return zadd_generic(c, args, False)
    key = args[1]
    m = args[3]
    db = c.db
    ks = db.ks
    # lookup_write's access stamp with the lookup, for a key without a TTL
    # (as GET and INCR do); the general lookup for the rest.
    z: Any = HAS_TTL if ks.lfu_mode else db.data.get_touch(key, ks.lru_now, HAS_TTL)
    if z is HAS_TTL:
        z = db.lookup_write(key)
    t = type(z)
    if t is ZSetLP:
        r = z.add(m, score, c.server.config)
        if not r:
            if r is not None:
                return 0
            db.convert(key, convert_zset(z)).insert(m, score)  # zsetAdd converts before inserting
            r = 1
    elif t is ZSetValue:
        cur = z.get(m)
        if cur == score:
            return 0
        z.insert(m, score)
        r = 1 if cur is None else 2
    elif z is None:
        _zadd_new(c, key, m, score)
        r = 1
    else:
        raise CommandError(E.WRONGTYPE)
    if ks.on_key_changed is not None:
        db.signal_modified(key)
    if ks.notify_flags:
        db.notify(NOTIFY_ZSET, b"zadd", key)
    c.server.dirty += 1
    return 1 if r == 1 else 0


@command("zincrby", 4, "write denyoom fast", acl="sortedset", keys=(1, 1, 1), key_specs=(KeySpec("RW ACCESS UPDATE", index=1),), group="sorted-set", since="1.2.0", summary="Increment the score of a member in a sorted set", complexity="O(log(N)) where N is the number of elements in the sorted set.", direct=True)
def zincrby(c: Client, args: list[bytes]):
    """Format: ZINCRBY key increment member"""
    return zadd_generic(c, args, True)


# -- simple reads -----------------------------------------------------------------------


@command("zcard", 2, "readonly fast", acl="sortedset", keys=(1, 1, 1), key_specs=(KeySpec("RO", index=1),), group="sorted-set", since="1.2.0", summary="Get the number of members in a sorted set", complexity="O(1)", direct=True)
def zcard(c: Client, args: list[bytes]):
    """Format: ZCARD key"""
    z = get_zset(c.db, args[1])
    return 0 if z is None else len(z)


@command("zscore", 3, "readonly fast", acl="sortedset", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="sorted-set", since="1.2.0", summary="Get the score associated with the given member in a sorted set", complexity="O(1)", direct=True)
def zscore(c: Client, args: list[bytes]):
    """Format: ZSCORE key member"""
    z = get_zset(c.db, args[1])
    return None if z is None else z.get(args[2])


@command("zmscore", -3, "readonly fast", acl="sortedset", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="sorted-set", since="6.2.0", summary="Get the score associated with the given members in a sorted set", complexity="O(N) where N is the number of members being requested.", direct=True)
def zmscore(c: Client, args: list[bytes]):
    """Format: ZMSCORE key member [member ...]"""
    z = get_zset(c.db, args[1])
    if z is None:
        return [None] * (len(args) - 2)
    return [z.get(m) for m in args[2:]]


def _rank(c: Client, args, rev: bool):
    z = get_zset(c.db, args[1])
    if z is None:
        return None
    r = z.rank(args[2])
    if r is None:
        return None
    return len(z) - 1 - r if rev else r


@command("zrank", 3, "readonly fast", acl="sortedset", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="sorted-set", since="2.0.0", summary="Determine the index of a member in a sorted set", complexity="O(log(N))", direct=True)
def zrank(c: Client, args: list[bytes]):
    """Format: ZRANK key member"""
    return _rank(c, args, False)


@command("zrevrank", 3, "readonly fast", acl="sortedset", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="sorted-set", since="2.0.0", summary="Determine the index of a member in a sorted set, with scores ordered from high to low", complexity="O(log(N))", direct=True)
def zrevrank(c: Client, args: list[bytes]):
    """Format: ZREVRANK key member"""
    return _rank(c, args, True)


@command("zcount", 4, "readonly fast", acl="sortedset", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="sorted-set", since="2.0.0", summary="Count the members in a sorted set with scores within the given values", complexity="O(log(N)) with N being the number of elements in the sorted set.", direct=True)
def zcount(c: Client, args: list[bytes]):
    """Format: ZCOUNT key min max"""
    r = parse_score_range(args[2], args[3])
    z = get_zset(c.db, args[1])
    if z is None:
        return 0
    lo, hi = score_bounds(z, r)
    return hi - lo


@command("zlexcount", 4, "readonly fast", acl="sortedset", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="sorted-set", since="2.8.9", summary="Count the number of members in a sorted set between a given lexicographical range", complexity="O(log(N)) with N being the number of elements in the sorted set.", direct=True)
def zlexcount(c: Client, args: list[bytes]):
    """Format: ZLEXCOUNT key min max"""
    r = parse_lex_range(args[2], args[3])
    z = get_zset(c.db, args[1])
    if z is None:
        return 0
    lo, hi = lex_bounds(z, r)
    return hi - lo


# -- removals -----------------------------------------------------------------------------


@command("zrem", -3, "write fast", acl="sortedset", keys=(1, 1, 1), key_specs=(KeySpec("RW DELETE", index=1),), group="sorted-set", since="1.2.0", summary="Remove one or more members from a sorted set", complexity="O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.", direct=True)
def zrem(c: Client, args: list[bytes]):
    """Format: ZREM key member [member ...]"""
    key = args[1]
    db = c.db
    z = get_zset(db, key, True)
    if z is None:
        return 0
    deleted = 0
    for m in args[2:]:
        if z.remove(m):
            deleted += 1
            if not z:
                break
    if deleted:
        if db.ks.notify_flags:
            db.notify(NOTIFY_ZSET, b"zrem", key)
        _delete_if_empty(db, key, z)
        db.signal_modified(key)
        c.server.dirty += deleted
    return deleted


def _zremrange(c: Client, args, kind: str):
    key = args[1]
    if kind == "rank":
        start = parse_int(args[2])
        end = parse_int(args[3])
    elif kind == "score":
        srange = parse_score_range(args[2], args[3])
    else:
        lrange = parse_lex_range(args[2], args[3])
    db = c.db
    z = get_zset(db, key, True)
    if z is None:
        return 0
    if kind == "rank":
        lo, hi = rank_bounds(len(z), start, end)
    elif kind == "score":
        lo, hi = score_bounds(z, srange)
    else:
        lo, hi = lex_bounds(z, lrange)
    deleted = hi - lo
    if deleted <= 0:
        return 0
    z.remove_range(lo, hi)
    db.signal_modified(key)
    db.notify(NOTIFY_ZSET, b"zremrangeby" + kind.encode(), key)
    _delete_if_empty(db, key, z)
    c.server.dirty += deleted
    return deleted


@command("zremrangebyrank", 4, "write", acl="sortedset", keys=(1, 1, 1), key_specs=(KeySpec("RW DELETE", index=1),), group="sorted-set", since="2.0.0", summary="Remove all members in a sorted set within the given indexes", complexity="O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.", direct=True)
def zremrangebyrank(c: Client, args: list[bytes]):
    """Format: ZREMRANGEBYRANK key start stop"""
    return _zremrange(c, args, "rank")


@command("zremrangebyscore", 4, "write", acl="sortedset", keys=(1, 1, 1), key_specs=(KeySpec("RW DELETE", index=1),), group="sorted-set", since="1.2.0", summary="Remove all members in a sorted set within the given scores", complexity="O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.", direct=True)
def zremrangebyscore(c: Client, args: list[bytes]):
    """Format: ZREMRANGEBYSCORE key min max"""
    return _zremrange(c, args, "score")


@command("zremrangebylex", 4, "write", acl="sortedset", keys=(1, 1, 1), key_specs=(KeySpec("RW DELETE", index=1),), group="sorted-set", since="2.8.9", summary="Remove all members in a sorted set between the given lexicographical range", complexity="O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.", direct=True)
def zremrangebylex(c: Client, args: list[bytes]):
    """Format: ZREMRANGEBYLEX key min max"""
    return _zremrange(c, args, "lex")


# -- ranges ------------------------------------------------------------------------------


def _zrange_generic(c: Client, args, start_idx: int, store: bytes | None, kind: str | None, rev: bool | None):
    """zrangeGenericCommand: ZRANGE and its older forms, ZRANGESTORE."""
    key = args[start_idx]
    minidx, maxidx = start_idx + 1, start_idx + 2
    withscores = False
    offset, limit = 0, -1
    n = len(args)
    j = start_idx + 3
    while j < n:
        left = n - j - 1
        opt = args[j].lower()
        if store is None and opt == b"withscores":
            withscores = True
        elif opt == b"limit" and left >= 2:
            offset = parse_int(args[j + 1])
            limit = parse_int(args[j + 2])
            j += 2
        elif rev is None and opt == b"rev":
            rev = True
        elif kind is None and opt == b"bylex":
            kind = "lex"
        elif kind is None and opt == b"byscore":
            kind = "score"
        else:
            raise CommandError(E.SYNTAX)
        j += 1
    if rev is None:
        rev = False
    if kind is None:
        kind = "rank"
    if limit != -1 and kind == "rank":
        raise CommandError(E.ZRANGE_LIMIT)
    if withscores and kind == "lex":
        raise CommandError(E.ZRANGE_WITHSCORES_BYLEX)
    if rev and kind != "rank":
        minidx, maxidx = maxidx, minidx
    rng: ScoreRange | LexRange
    if kind == "rank":
        start = parse_int(args[minidx])
        end = parse_int(args[maxidx])
    elif kind == "score":
        rng = parse_score_range(args[minidx], args[maxidx])
    else:
        rng = parse_lex_range(args[minidx], args[maxidx])
    db = c.db
    z = db.lookup_read(key)
    if z is None:
        if store is not None:
            return _store_result(c, store, [], b"zrangestore")
        return []
    if type(z) is not ZSetLP and type(z) is not ZSetValue:
        raise CommandError(E.WRONGTYPE)
    # The ranks [a, b) to reply, from b - 1 down when rev.
    if kind == "rank":
        n = len(z)
        a, b = rank_bounds(n, start, end)
        if rev:
            a, b = n - b, n - a
    else:
        lo, hi = score_bounds(z, rng) if isinstance(rng, ScoreRange) else lex_bounds(z, rng, rev)
        a = b = 0
        if not (offset < 0 or (offset > 0 and offset >= len(z))):
            count = hi - lo - offset
            if limit >= 0:
                count = min(count, limit)
            if count > 0:
                a, b = (hi - offset - count, hi - offset) if rev else (lo + offset, lo + offset + count)
    if store is None and type(z) is ZSetLP:
        return Raw(z.resp_range(a, b, rev, withscores, c.resp3))  # the reply built in one call
    items = z.sl[a:b]
    if rev:
        items.reverse()
    if store is not None:
        return _store_result(c, store, [(m, s) for s, m in items], b"zrangestore")
    return _scored(c, items, withscores)


def _store_result(c: Client, dst: bytes, pairs, event: bytes) -> int:
    """Write a computed sorted set to ``dst`` (deleting it when empty);
    the reply is its size."""
    db = c.db
    if pairs:
        z = new_zset(c.server.config, pairs)
        db.lookup_write(dst)
        db.set(dst, z)
        db.signal_modified(dst)
        db.notify(NOTIFY_ZSET, event, dst)
        c.server.dirty += 1
        return len(z)
    if db.lookup_write(dst) is not None:
        db.delete(dst)
        db.signal_modified(dst)
        db.notify(NOTIFY_GENERIC, b"del", dst)
        c.server.dirty += 1
    return 0


@command("zrange", -4, "readonly", acl="sortedset", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="sorted-set", since="1.2.0", summary="Return a range of members in a sorted set", complexity="O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.", direct=True)
def zrange(c: Client, args: list[bytes]):
    """Format: ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]"""
    return _zrange_generic(c, args, 1, None, None, None)


@command("zrangestore", -5, "write denyoom", acl="sortedset", keys=(1, 2, 1), key_specs=(KeySpec("OW UPDATE", index=1), KeySpec("RO ACCESS", index=2)), group="sorted-set", since="6.2.0", summary="Store a range of members from sorted set into another key", complexity="O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.", direct=True)
def zrangestore(c: Client, args: list[bytes]):
    """Format: ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]"""
    return _zrange_generic(c, args, 2, args[1], None, None)


@command("zrevrange", -4, "readonly", acl="sortedset", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="sorted-set", since="1.2.0", summary="Return a range of members in a sorted set, by index, with scores ordered from high to low", complexity="O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.", doc_flags="deprecated", deprecated_since="6.2.0", replaced_by="`ZRANGE` with the `REV` argument", direct=True)
def zrevrange(c: Client, args: list[bytes]):
    """Format: ZREVRANGE key start stop [WITHSCORES]"""
    return _zrange_generic(c, args, 1, None, "rank", True)


@command("zrangebyscore", -4, "readonly", acl="sortedset", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="sorted-set", since="1.0.5", summary="Return a range of members in a sorted set, by score", complexity="O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", doc_flags="deprecated", deprecated_since="6.2.0", replaced_by="`ZRANGE` with the `BYSCORE` argument", direct=True)
def zrangebyscore(c: Client, args: list[bytes]):
    """Format: ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]"""
    return _zrange_generic(c, args, 1, None, "score", False)


@command("zrevrangebyscore", -4, "readonly", acl="sortedset", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="sorted-set", since="2.2.0", summary="Return a range of members in a sorted set, by score, with scores ordered from high to low", complexity="O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", doc_flags="deprecated", deprecated_since="6.2.0", replaced_by="`ZRANGE` with the `REV` and `BYSCORE` arguments", direct=True)
def zrevrangebyscore(c: Client, args: list[bytes]):
    """Format: ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]"""
    return _zrange_generic(c, args, 1, None, "score", True)


@command("zrangebylex", -4, "readonly", acl="sortedset", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="sorted-set", since="2.8.9", summary="Return a range of members in a sorted set, by lexicographical range", complexity="O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", doc_flags="deprecated", deprecated_since="6.2.0", replaced_by="`ZRANGE` with the `BYLEX` argument", direct=True)
def zrangebylex(c: Client, args: list[bytes]):
    """Format: ZRANGEBYLEX key min max [LIMIT offset count]"""
    return _zrange_generic(c, args, 1, None, "lex", False)


@command("zrevrangebylex", -4, "readonly", acl="sortedset", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="sorted-set", since="2.8.9", summary="Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.", complexity="O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", doc_flags="deprecated", deprecated_since="6.2.0", replaced_by="`ZRANGE` with the `REV` and `BYLEX` arguments", direct=True)
def zrevrangebylex(c: Client, args: list[bytes]):
    """Format: ZREVRANGEBYLEX key max min [LIMIT offset count]"""
    return _zrange_generic(c, args, 1, None, "lex", True)


# -- pops -------------------------------------------------------------------------------


def _pop_reply(c: Client, key: bytes, z: AnyZSet, top: bool, count: int, shape: str) -> list:
    """Pop ``count`` (clamped) elements from ``z`` and build the reply:
    ``flat`` [m, s, ...], ``nested`` [[m, s], ...], ``withkey`` [key, m, s]
    (BZPOP*), ``mpop`` [key, [[m, s], ...]]. Deletes an emptied set."""
    db = c.db
    n = min(count, len(z))
    popped = [z.pop_at(-1 if top else 0) for _ in range(n)]
    if n:
        db.notify(NOTIFY_ZSET, b"zpopmax" if top else b"zpopmin", key)
    _delete_if_empty(db, key, z)
    db.signal_modified(key)
    c.server.dirty += n
    if shape == "nested":
        return [[m, s] for s, m in popped]
    if shape == "mpop":
        return [key, [[m, s] for s, m in popped]]
    out: list = [key] if shape == "withkey" else []
    for s, m in popped:
        out.append(m)
        out.append(s)
    return out


def _zpop(c: Client, args, top: bool):
    n = len(args)
    if n > 3:
        raise CommandError(E.SYNTAX)
    count = 1
    if n == 3:
        given = to_int(args[2])
        if given is None or given < 0:
            raise CommandError(E.NOT_POSITIVE)
        count = given
    z = get_zset(c.db, args[1], True)
    if z is None or count == 0:
        return []
    return _pop_reply(c, args[1], z, top, count, "nested" if n == 3 and c.resp3 else "flat")


def _zpop_one(c: Client, args: list[bytes], top: bool) -> list:
    """ZPOPMIN/ZPOPMAX key (no count): _pop_reply's one-element flat case
    in few steps. The reply is [member, score]; for a RESP2 client the
    score is already its bulk string's text (format_double), so the reply
    is a flat array of bytes."""
    key = args[1]
    db = c.db
    ks = db.ks
    # lookup_write's access stamp with the lookup, for a key without a TTL
    # (a missing key, the commonest pop, costs one table call).
    z: Any = HAS_TTL if ks.lfu_mode else db.data.get_touch(key, ks.lru_now, HAS_TTL)
    if z is None:
        return []
    if z is HAS_TTL:
        z = db.lookup_write(key)
    t = type(z)
    if t is ZSetLP:
        out = z.pop_reply(top, c.resp3)
    elif t is ZSetValue:
        s, m = z.pop_at(-1 if top else 0)
        out = [m, s if c.resp3 else format_double(s)]
    elif z is None:
        return []
    else:
        raise CommandError(E.WRONGTYPE)
    db.notify(NOTIFY_ZSET, b"zpopmax" if top else b"zpopmin", key)
    if not z:
        db.delete(key)
        db.notify(NOTIFY_GENERIC, b"del", key)
    db.signal_modified(key)
    c.server.dirty += 1
    return out


@command("zpopmin", -2, "write fast", acl="sortedset", keys=(1, 1, 1), key_specs=(KeySpec("RW ACCESS DELETE", index=1),), group="sorted-set", since="5.0.0", summary="Remove and return members with the lowest scores in a sorted set", complexity="O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.", direct=True)
def zpopmin(c: Client, args: list[bytes]):
    """Format: ZPOPMIN key [count]"""
    if len(args) == 2:
        return _zpop_one(c, args, False)
    return _zpop(c, args, False)


@command("zpopmax", -2, "write fast", acl="sortedset", keys=(1, 1, 1), key_specs=(KeySpec("RW ACCESS DELETE", index=1),), group="sorted-set", since="5.0.0", summary="Remove and return members with the highest scores in a sorted set", complexity="O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.", direct=True)
def zpopmax(c: Client, args: list[bytes]):
    """Format: ZPOPMAX key [count]"""
    if len(args) == 2:
        return _zpop_one(c, args, True)
    return _zpop(c, args, True)


def _bzpop(c: Client, keys: list[bytes], top: bool, timeout: float | None, count: int | None):
    """BZPOPMIN/BZPOPMAX (count None), ZMPOP (timeout None) and BZMPOP:
    pop from the first non-empty sorted set among ``keys`` or block."""
    db = c.db
    rerun = c.blocked is not None
    order = keys
    if rerun:
        first = c.server.blocking.serving_key
        if first is not None and first in keys:
            order = [first] + [k for k in keys if k != first]
    name = b"ZPOPMAX" if top else b"ZPOPMIN"
    for key in order:
        z = db.lookup_write(key)
        if z is None:
            continue
        if type(z) is not ZSetLP and type(z) is not ZSetValue:
            if rerun:
                continue
            raise CommandError(E.WRONGTYPE)
        if not z:
            continue
        if count is None:
            c.propagate_as = [[name, key]]
            return _pop_reply(c, key, z, top, 1, "withkey")
        n = min(count, len(z))  # Redis propagates the count it popped
        c.propagate_as = [[name, key, str(n).encode()]]
        return _pop_reply(c, key, z, top, n, "mpop")
    if timeout is None:
        return NULL_ARRAY
    return Block(keys, timeout, NULL_ARRAY)


@command("bzpopmin", -3, "write noscript blocking fast", acl="sortedset", keys=(1, -2, 1), key_specs=(KeySpec("RW ACCESS DELETE", index=1, lastkey=-2),), group="sorted-set", since="5.0.0", summary="Remove and return the member with the lowest score from one or more sorted sets, or block until one is available", complexity="O(log(N)) with N being the number of elements in the sorted set.", direct=True)
def bzpopmin(c: Client, args: list[bytes]):
    """Format: BZPOPMIN key [key ...] timeout"""
    timeout = parse_timeout(args[-1])
    return _bzpop(c, args[1:-1], False, timeout, None)


@command("bzpopmax", -3, "write noscript blocking fast", acl="sortedset", keys=(1, -2, 1), key_specs=(KeySpec("RW ACCESS DELETE", index=1, lastkey=-2),), group="sorted-set", since="5.0.0", summary="Remove and return the member with the highest score from one or more sorted sets, or block until one is available", complexity="O(log(N)) with N being the number of elements in the sorted set.", direct=True)
def bzpopmax(c: Client, args: list[bytes]):
    """Format: BZPOPMAX key [key ...] timeout"""
    timeout = parse_timeout(args[-1])
    return _bzpop(c, args[1:-1], True, timeout, None)


@command("zmpop", -4, "write", acl="sortedset", key_specs=(KeySpec("RW ACCESS DELETE", index=1, keynum=(0, 1, 1)),), group="sorted-set", since="7.0.0", summary="Remove and return members with scores in a sorted set", complexity="O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.", getkeys=numkeys_getkeys(1), getkeys_proc=numkeys_key_refs(1, 2), direct=True)
def zmpop(c: Client, args: list[bytes]):
    """Format: ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]"""
    keys, top, count = parse_mpop_args(args, 1, b"max", b"min")
    return _bzpop(c, keys, top, None, count)


@command("bzmpop", -5, "write blocking", acl="sortedset", key_specs=(KeySpec("RW ACCESS DELETE", index=2, keynum=(0, 1, 1)),), group="sorted-set", since="7.0.0", summary="Remove and return members with scores in a sorted set or block until one is available", complexity="O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.", getkeys=numkeys_getkeys(2), getkeys_proc=numkeys_key_refs(2, 3), direct=True)
def bzmpop(c: Client, args: list[bytes]):
    """Format: BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]"""
    timeout = parse_timeout(args[1])
    keys, top, count = parse_mpop_args(args, 2, b"max", b"min")
    return _bzpop(c, keys, top, timeout, count)


# -- random members and scans -------------------------------------------------------------


@command("zrandmember", -2, "readonly", acl="sortedset", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="sorted-set", since="6.2.0", summary="Get one or multiple random elements from a sorted set", complexity="O(N) where N is the number of elements returned", tips="nondeterministic_output", direct=True)
def zrandmember(c: Client, args: list[bytes]):
    """Format: ZRANDMEMBER key [count [WITHSCORES]]"""
    n = len(args)
    if n == 2:
        z = get_zset(c.db, args[1])
        if z is None:
            return None
        return z.random_member()
    count = to_int(args[2])
    if count is None:
        raise CommandError(E.NOT_INTEGER)
    if count < -LLONG_MAX:
        raise CommandError(E.LLONG_RANGE)
    if n > 4 or (n == 4 and args[3].lower() != b"withscores"):
        raise CommandError(E.SYNTAX)
    withscores = n == 4
    if withscores and (count < -(LLONG_MAX // 2) or count > LLONG_MAX // 2):
        raise CommandError(E.VALUE_OUT_OF_RANGE)
    z = get_zset(c.db, args[1])
    if z is None or count == 0:
        return []
    if count < 0:
        members = z.random_repeats(-count)
    elif count >= len(z):
        members = z.members_by_rank()
        members.reverse()  # Redis 7.0 walks the whole set from the tail
    elif count == 1:
        members = [z.random_member()]
    else:
        members = z.random_distinct(count)
    if not withscores:
        return members
    return _scored(c, [(z[m], m) for m in members], True)


def _scan_score(z: AnyZSet, s: float) -> bytes:
    """A score as ZSCAN prints it: listpacks hold integral scores as
    integers, skiplists print %.17g."""
    if not z.big and -(2.0**62) <= s <= 2.0**62 and s == int(s):
        return b"%d" % int(s)
    if math.isinf(s):
        return b"inf" if s > 0 else b"-inf"
    return b"%.17g" % s


@command("zscan", -3, "readonly", acl="sortedset", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="sorted-set", since="2.8.0", summary="Incrementally iterate sorted sets elements and associated scores", complexity="O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..", tips="nondeterministic_output", direct=True)
def zscan(c: Client, args: list[bytes]):
    """Format: ZSCAN key cursor [MATCH pattern] [COUNT count]"""
    cursor = parse_cursor(args[2])
    z = get_zset(c.db, args[1])
    if z is None:
        return [b"0", []]
    matcher, count, _ = parse_scan_options(args, 3, False)
    if not z.big:
        nxt, members = 0, z.members_by_rank()
    else:
        nxt, members = c.server.keyspace.scan_cursors.scan(z, cursor, count, z.__contains__)
    out = []
    for m in members:
        if matcher is None or matcher(m):
            out.append(m)
            out.append(_scan_score(z, z[m]))
    return [str(nxt).encode(), out]


# -- ZUNION / ZINTER / ZDIFF ----------------------------------------------------------------


def _agg(op: int, a: float, b: float) -> float:
    if op == 0:
        r = a + b
        return 0.0 if r != r else r
    if op == 1:
        return a if a < b else b
    return a if a > b else b


def _setop(c: Client, args, numkeys_idx: int, op: str, dst: bytes | None, card_only: bool = False):
    """zunionInterDiffGenericCommand."""
    setnum = parse_int(args[numkeys_idx])
    name = args[0].lower().decode("latin-1")
    if setnum < 1:
        raise CommandError(E.NO_INPUT_KEY % name)
    if setnum > len(args) - (numkeys_idx + 1):
        raise CommandError(E.SYNTAX)
    db = c.db
    srcs = []
    j = numkeys_idx + 1
    for _ in range(setnum):
        v = db.lookup_read(args[j])
        if v is not None and type(v) not in (ZSetLP, ZSetValue, SetLP, SetValue):
            raise CommandError(E.WRONGTYPE)
        srcs.append(v)
        j += 1
    weights = [1.0] * setnum
    aggregate = 0
    withscores = False
    limit = 0
    n = len(args)
    while j < n:
        remaining = n - j
        opt = args[j].lower()
        if op != "diff" and not card_only and remaining >= setnum + 1 and opt == b"weights":
            j += 1
            for i in range(setnum):
                weights[i] = parse_score(args[j], "ERR weight value is not a float")
                j += 1
        elif op != "diff" and not card_only and remaining >= 2 and opt == b"aggregate":
            a = args[j + 1].lower()
            if a == b"sum":
                aggregate = 0
            elif a == b"min":
                aggregate = 1
            elif a == b"max":
                aggregate = 2
            else:
                raise CommandError(E.SYNTAX)
            j += 2
        elif remaining >= 1 and dst is None and not card_only and opt == b"withscores":
            withscores = True
            j += 1
        elif card_only and remaining >= 2 and opt == b"limit":
            given = to_int(args[j + 1])
            if given is None or given < 0:
                raise CommandError(E.LIMIT_NEGATIVE)
            limit = given
            j += 2
        else:
            raise CommandError(E.SYNTAX)

    def items(v):
        if v is None:
            return ()
        if type(v) is SetValue or type(v) is SetLP:
            return ((m, 1.0) for m in v)
        return v.items()

    def score_in(v, m):
        if type(v) is SetValue or type(v) is SetLP:
            return 1.0 if m in v else None
        return v.get(m)

    result: dict[bytes, float] = {}
    if op == "inter":
        order = sorted(range(setnum), key=lambda i: len(srcs[i] or ()))
        if all(srcs[i] for i in order):
            first = order[0]
            rest = order[1:]
            for m, s in items(srcs[first]):
                score = weights[first] * s
                if score != score:
                    score = 0.0
                for i in rest:
                    other = score_in(srcs[i], m)
                    if other is None:
                        break
                    v = weights[i] * other
                    if v != v:
                        v = 0.0
                    score = _agg(aggregate, score, v)
                else:
                    result[m] = score
                    if card_only and limit and len(result) >= limit:
                        break
    elif op == "union":
        order = sorted(range(setnum), key=lambda i: len(srcs[i] or ()))
        for i in order:
            w = weights[i]
            for m, s in items(srcs[i]):
                v = w * s
                if v != v:
                    v = 0.0
                cur = result.get(m)
                result[m] = v if cur is None else _agg(aggregate, cur, v)
    else:
        base = srcs[0]
        if base:
            others = [src for src in srcs[1:] if src]
            for m, s in items(base):
                if not any(score_in(src, m) is not None for src in others):
                    result[m] = s
    if card_only:
        return len(result)
    if dst is not None:
        return _store_result(c, dst, list(result.items()), b"z%sstore" % op.encode())
    ordered = sorted((s, m) for m, s in result.items())
    return _scored(c, ordered, withscores)


@command("zunion", -3, "readonly", acl="sortedset", key_specs=(KeySpec("RO ACCESS", index=1, keynum=(0, 1, 1)),), group="sorted-set", since="6.2.0", summary="Add multiple sorted sets", complexity="O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.", getkeys=numkeys_getkeys(1), getkeys_proc=numkeys_key_refs(1, 2), direct=True)
def zunion(c: Client, args: list[bytes]):
    """Format: ZUNION numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]"""
    return _setop(c, args, 1, "union", None)


@command("zinter", -3, "readonly", acl="sortedset", key_specs=(KeySpec("RO ACCESS", index=1, keynum=(0, 1, 1)),), group="sorted-set", since="6.2.0", summary="Intersect multiple sorted sets", complexity="O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.", getkeys=numkeys_getkeys(1), getkeys_proc=numkeys_key_refs(1, 2), direct=True)
def zinter(c: Client, args: list[bytes]):
    """Format: ZINTER numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]"""
    return _setop(c, args, 1, "inter", None)


@command("zdiff", -3, "readonly", acl="sortedset", key_specs=(KeySpec("RO ACCESS", index=1, keynum=(0, 1, 1)),), group="sorted-set", since="6.2.0", summary="Subtract multiple sorted sets", complexity="O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.", getkeys=numkeys_getkeys(1), getkeys_proc=numkeys_key_refs(1, 2), direct=True)
def zdiff(c: Client, args: list[bytes]):
    """Format: ZDIFF numkeys key [key ...] [WITHSCORES]"""
    return _setop(c, args, 1, "diff", None)


@command("zunionstore", -4, "write denyoom", acl="sortedset", keys=(1, 1, 1), key_specs=(KeySpec("OW UPDATE", index=1), KeySpec("RO ACCESS", index=2, keynum=(0, 1, 1))), group="sorted-set", since="2.0.0", summary="Add multiple sorted sets and store the resulting sorted set in a new key", complexity="O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.", getkeys=numkeys_getkeys(2, True), getkeys_proc=numkeys_key_refs(2, 3, 1), direct=True)
def zunionstore(c: Client, args: list[bytes]):
    """Format: ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX]"""
    return _setop(c, args, 2, "union", args[1])


@command("zinterstore", -4, "write denyoom", acl="sortedset", keys=(1, 1, 1), key_specs=(KeySpec("OW UPDATE", index=1), KeySpec("RO ACCESS", index=2, keynum=(0, 1, 1))), group="sorted-set", since="2.0.0", summary="Intersect multiple sorted sets and store the resulting sorted set in a new key", complexity="O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.", getkeys=numkeys_getkeys(2, True), getkeys_proc=numkeys_key_refs(2, 3, 1), direct=True)
def zinterstore(c: Client, args: list[bytes]):
    """Format: ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX]"""
    return _setop(c, args, 2, "inter", args[1])


@command("zdiffstore", -4, "write denyoom", acl="sortedset", keys=(1, 1, 1), key_specs=(KeySpec("OW UPDATE", index=1), KeySpec("RO ACCESS", index=2, keynum=(0, 1, 1))), group="sorted-set", since="6.2.0", summary="Subtract multiple sorted sets and store the resulting sorted set in a new key", complexity="O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.", getkeys=numkeys_getkeys(2, True), getkeys_proc=numkeys_key_refs(2, 3, 1), direct=True)
def zdiffstore(c: Client, args: list[bytes]):
    """Format: ZDIFFSTORE destination numkeys key [key ...]"""
    return _setop(c, args, 2, "diff", args[1])


@command("zintercard", -3, "readonly", acl="sortedset", key_specs=(KeySpec("RO ACCESS", index=1, keynum=(0, 1, 1)),), group="sorted-set", since="7.0.0", summary="Intersect multiple sorted sets and return the cardinality of the result", complexity="O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.", getkeys=numkeys_getkeys(1), getkeys_proc=numkeys_key_refs(1, 2), direct=True)
def zintercard(c: Client, args: list[bytes]):
    """Format: ZINTERCARD numkeys key [key ...] [LIMIT limit]"""
    return _setop(c, args, 1, "inter", None, True)
