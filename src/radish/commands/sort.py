"""SORT and SORT_RO (Redis 7.0's sort.c).

Sorts a list, set or sorted set numerically (scores parsed like C's strtod)
or with ALPHA by bytes, optionally BY an external key pattern (``*`` is
replaced by the element; ``key->field`` reads a hash field; a pattern
without ``*`` such as ``nosort`` skips sorting), with LIMIT, GET patterns
(``#`` is the element itself) and STORE into a list. Ties in numeric sorts
are broken by comparing the elements, so results are deterministic.

ALPHA compares bytes, which is what Redis's strcoll does in the C/POSIX
locale it normally runs in.

Imports: db types, errors, command helpers.
"""

from __future__ import annotations

from functools import cmp_to_key

from .. import errors as E
from ..client import Client
from ..db.notify import NOTIFY_GENERIC, NOTIFY_LIST
from ..db.types import ListValue, SetLP, SetValue, ZSetLP, convert_zset
from ..errors import CommandError
from ..strconv import strtod
from .args import to_int
from .registry import COMMANDS, KEY_ACCESS, KEY_OW, KEY_RO, KEY_UPDATE, KeySpec, command

_SORTABLE = (b"list", b"set", b"zset")

def strtod_score(s: bytes) -> float | None:
    """The score SORT reads from an element: C strtod over the C string
    (up to the first NUL), which must be consumed entirely. None when it is
    not (or strtod reports ERANGE, or reads NaN). An empty string reads as
    0 without error, as in Redis."""
    v, n, erange = strtod(s)
    if (n != len(s) and s[n] != 0) or erange or v != v:
        return None
    return v


def lookup_by_pattern(db, pattern: bytes, subst: bytes):
    """Redis's lookupKeyByPattern: ``#`` is the element itself; otherwise
    the first ``*`` is replaced by ``subst`` and the string at that key (or
    the field after ``->`` of the hash there) is returned, or None."""
    cpat = pattern.split(b"\0", 1)[0]
    if cpat == b"#":
        return subst
    p = cpat.find(b"*")
    if p < 0:
        return None
    f = cpat.find(b"->", p + 1)
    if f >= 0 and f + 2 < len(cpat):
        field = pattern[f + 2 :]
        key = pattern[:p] + subst + pattern[p + 1 : f]
    else:
        field = None
        key = pattern[:p] + subst + pattern[p + 1 :]
    v = db.lookup_read(key)
    if v is None:
        return None
    t = type(v)
    if field is not None:
        if getattr(v, "TYPE_NAME", None) != b"hash":
            return None
        return v.get(field)
    if t is bytes:
        return v
    if t is bytearray:
        return bytes(v)
    return None


def _sort_getkeys(args: list[bytes]) -> list[int]:
    """Redis's sortGetKeys: the sorted key, plus the last STORE's key."""
    keys = [1]
    store = None
    skip = {b"limit": 2, b"get": 1, b"by": 1}
    i = 2
    n = len(args)
    while i < n:
        opt = args[i].lower()
        if opt in skip:
            i += skip[opt]
        elif opt == b"store" and i + 1 < n:
            store = i + 1
        i += 1
    if store is not None:
        keys.append(store)
    return keys


def _sort_ro_getkeys(args: list[bytes]) -> list[int]:
    """SORT_RO reads only its first key by position; Redis still reports
    movablekeys (its BY/GET key spec is "unknown")."""
    return [1]


def _zset_members(v, desc: bool) -> list:
    """Members of a sorted set in rank order (reverse when ``desc``). The
    zset type offers ``members_by_rank()``."""
    members = list(v.members_by_rank())
    if desc:
        members.reverse()
    return members


def _spec(args: list[bytes]):
    return COMMANDS[args[0].lower()]


def _sort(c: Client, args, readonly: bool):
    desc = alpha = False
    limit_start, limit_count = 0, -1
    dontsort = False
    sortby = None
    storekey = None
    gets: list[bytes] = []
    j = 2
    n = len(args)
    user = c.user
    full_key_access = user is None or user.unrestricted_key_access(_spec(args), args, KEY_ACCESS)
    while j < n:
        opt = args[j].lower()
        left = n - j - 1
        if opt == b"asc":
            desc = False
        elif opt == b"desc":
            desc = True
        elif opt == b"alpha":
            alpha = True
        elif opt == b"limit" and left >= 2:
            start = to_int(args[j + 1])
            count = to_int(args[j + 2]) if start is not None else None
            if start is None or count is None:
                raise CommandError(E.NOT_INTEGER)
            limit_start, limit_count = start, count
            j += 2
        elif not readonly and opt == b"store" and left >= 1:
            storekey = args[j + 1]
            j += 1
        elif opt == b"by" and left >= 1:
            sortby = args[j + 1]
            if b"*" not in sortby.split(b"\0", 1)[0]:
                dontsort = True
            elif c.server.config.cluster_enabled:
                raise CommandError(E.SORT_BY_CLUSTER)
            elif not full_key_access:  # a real pattern reads keys ACL may not allow
                raise CommandError(E.SORT_BY_ACL)
            j += 1
        elif opt == b"get" and left >= 1:
            if c.server.config.cluster_enabled:
                raise CommandError(E.SORT_GET_CLUSTER)
            if not full_key_access:
                raise CommandError(E.SORT_GET_ACL)
            gets.append(args[j + 1])
            j += 1
        else:
            raise CommandError(E.SYNTAX)
        j += 1

    db = c.db
    key = args[1]
    v = db.lookup_read(key)
    tname = getattr(v, "TYPE_NAME", None) if v is not None else b"list"
    if v is not None and (type(v) in (bytes, bytearray) or tname not in _SORTABLE):
        raise CommandError(E.WRONGTYPE)
    if v is None:
        v = ListValue()
    elif type(v) is ZSetLP:
        v = db.convert(key, convert_zset(v))  # Redis 7.0 converts a sorted set to a skiplist to sort it

    if dontsort and tname == b"set" and (storekey is not None or c.in_script):
        # Sets have no order: force one so replicas and the AOF agree.
        dontsort = False
        alpha = True
        sortby = None

    vectorlen = len(v)
    start = min(max(limit_start, 0), vectorlen)
    limit_count = min(max(limit_count, -1), vectorlen)
    end = vectorlen - 1 if limit_count < 0 else start + limit_count - 1
    if start >= vectorlen:
        start = vectorlen - 1
        end = vectorlen - 2
    if end >= vectorlen:
        end = vectorlen - 1

    if dontsort and tname in (b"list", b"zset"):
        if end >= start:
            if tname == b"list":
                n = len(v)
                vector = v.lrange(n - 1 - end, n - 1 - start, True) if desc else v.lrange(start, end)
            else:
                vector = _zset_members(v, desc)[start : end + 1]
        else:
            vector = []
        end -= start
        start = 0
    elif tname == b"list":
        vector = list(v)
    elif tname == b"set":
        vector = list(v.ordered(c.server.config)) if type(v) is SetValue or type(v) is SetLP else list(v)
    else:
        vector = list(v.members_by_rank())

    if not dontsort:
        vector = _sorted(db, vector, sortby, alpha, desc)

    out_elems = vector[start : end + 1] if end >= start else []
    if storekey is None:
        if not gets:
            return out_elems
        out = []
        for e in out_elems:
            for pat in gets:
                out.append(lookup_by_pattern(db, pat, e))
        return out

    # Redis 7.0 stores into createQuicklistObject() without setting the
    # list's options: quicklistCreate's fill (-2), whatever the config says.
    if not gets:
        result = ListValue(out_elems)
    else:
        result = ListValue()
        for e in out_elems:
            for pat in gets:
                val = lookup_by_pattern(db, pat, e)
                result.append(b"" if val is None else val)
    outputlen = len(result)
    if outputlen:
        db.lookup_write(storekey)
        db.set(storekey, result)
        db.signal_modified(storekey)
        db.notify(NOTIFY_LIST, b"sortstore", storekey)
        c.server.dirty += outputlen
    elif db.lookup_write(storekey) is not None:
        db.delete(storekey)
        db.signal_modified(storekey)
        db.notify(NOTIFY_GENERIC, b"del", storekey)
        c.server.dirty += 1
    return outputlen


def _sorted(db, vector: list, sortby, alpha: bool, desc: bool) -> list:
    """Redis's sortCompare order: numeric scores (ties broken by the
    elements' bytes), or ALPHA by bytes; BY values missing sort first."""
    if not alpha:
        scored = []
        bad = False
        for e in vector:
            if sortby is not None:
                byval = lookup_by_pattern(db, sortby, e)
                if byval is None:
                    scored.append((0.0, e))
                    continue
            else:
                byval = e
            score = strtod_score(byval)
            if score is None:
                bad = True
                score = 0.0
            scored.append((score, e))
        if bad:
            raise CommandError(E.SORT_NOT_DOUBLE)
        scored.sort(reverse=desc)
        return [e for _, e in scored]
    if sortby is None:
        return sorted(vector, reverse=desc)
    keyed = [(lookup_by_pattern(db, sortby, e), e) for e in vector]

    def cmp(a, b) -> int:
        x, y = a[0], b[0]
        if x is None or y is None:
            r = 0 if x is y else (-1 if x is None else 1)
        else:
            r = (x > y) - (x < y)
        return -r if desc else r

    keyed.sort(key=cmp_to_key(cmp))
    return [e for _, e in keyed]


def _sort_key_refs(args: list[bytes]) -> list[tuple[int, int]]:
    """Redis's sortGetKeys with its flags: the sorted key read, the last
    STORE's key overwritten (the BY/GET keys stay unknown)."""
    keys = _sort_getkeys(args)
    refs = [(1, KEY_RO | KEY_ACCESS)]
    if len(keys) > 1:
        refs.append((keys[1], KEY_OW | KEY_UPDATE))
    return refs


@command("sort", -2, "write denyoom", acl="set sortedset list dangerous", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1), KeySpec("RO ACCESS", notes="For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort"), KeySpec("OW UPDATE", notes="For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array")), group="generic", since="1.0.0", summary="Sort the elements in a list, set or sorted set", complexity="O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).", getkeys=_sort_getkeys, getkeys_proc=_sort_key_refs, direct=True)
def sort(c: Client, args: list[bytes]):
    """Format: SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC | DESC] [ALPHA] [STORE destination]"""
    return _sort(c, args, False)


def _sort_ro_key_refs(args: list[bytes]) -> list[tuple[int, int]]:
    """Redis's sortROGetKeys: the sorted key, read."""
    return [(1, KEY_RO | KEY_ACCESS)]


@command("sort_ro", -2, "readonly", acl="set sortedset list dangerous", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1), KeySpec("RO ACCESS", notes="For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort")), group="generic", since="7.0.0", summary="Sort the elements in a list, set or sorted set. Read-only variant of SORT.", complexity="O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).", getkeys=_sort_ro_getkeys, getkeys_proc=_sort_ro_key_refs, direct=True)
def sort_ro(c: Client, args: list[bytes]):
    """Format: SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC | DESC] [ALPHA]"""
    return _sort(c, args, True)
