"""String commands (Redis 7.0's string group).

Values are ``bytes``; a value changed in place (APPEND, SETRANGE) is kept as
``bytearray`` so OBJECT ENCODING reports ``raw`` as Redis would. Relative
expirations are propagated as absolute ones (SET … PXAT, PEXPIREAT).
"""

from __future__ import annotations

from .. import errors as E
from ..errors import CommandError
from ..protocol.resp import OK, MapReply
from .args import LLONG_MAX, LLONG_MIN, incr_by_float, parse_int, to_int
from .registry import command

_STRING_TYPES = (bytes, bytearray)


def get_string(db, key: bytes, write: bool = False):
    """The string at key, None if missing; WRONGTYPE for other types."""
    v = db.lookup_write(key) if write else db.lookup_read(key)
    if v is None:
        return None
    t = type(v)
    if t is not bytes and t is not bytearray:
        raise CommandError(E.WRONGTYPE)
    return v


def _check_len(c, n: int) -> None:
    if n > c.server.config.proto_max_bulk_len:
        raise CommandError(E.STRING_TOO_LONG)


# -- GET / SET family ------------------------------------------------------------


@command("get", 2, "readonly fast", acl="string", keys=(1, 1, 1), group="string", since="1.0.0", summary="Get the value of a key", complexity="O(1)")
def get(c, args):
    """Format: GET key"""
    db = c.db
    key = args[1]
    v = db.data.get(key)
    if v is None or (db.expires and key in db.expires):
        v = db.lookup_read(key)
        if v is None:
            return None
    else:
        db.ks.keyspace_hits += 1
    t = type(v)
    if t is bytes:
        return v
    if t is bytearray:
        return bytes(v)
    raise CommandError(E.WRONGTYPE)


_SET_FLAGS = {b"nx": 1, b"xx": 2, b"get": 4, b"keepttl": 8}
_SET_EXP = {b"ex": 16, b"px": 32, b"exat": 64, b"pxat": 128}


def parse_expire_option(c, unit: bytes, value: bytes, cmdname: str) -> int:
    """Absolute expiry in unix ms for EX/PX/EXAT/PXAT ``value``."""
    n = to_int(value)
    if n is None:
        raise CommandError(E.NOT_INTEGER)
    if n <= 0:
        raise CommandError(E.INVALID_EXPIRE % cmdname)
    if unit in (b"ex", b"exat"):
        if n > LLONG_MAX // 1000:
            raise CommandError(E.INVALID_EXPIRE % cmdname)
        n *= 1000
    if unit in (b"ex", b"px"):
        now = c.server.keyspace.now_ms
        if n > LLONG_MAX - now:
            raise CommandError(E.INVALID_EXPIRE % cmdname)
        n += now
    return n


@command("set", -3, "write denyoom", acl="string", keys=(1, 1, 1), group="string", since="1.0.0", summary="Set the string value of a key", complexity="O(1)")
def set_(c, args):
    """Format: SET key value [NX | XX] [GET] [EX s | PX ms | EXAT ts | PXAT ms-ts | KEEPTTL]"""
    key = args[1]
    value = args[2]
    db = c.db
    if len(args) == 3:
        db.data[key] = value
        if db.expires:
            db.expires.pop(key, None)
        c.server.dirty += 1
        c.db.signal_modified(key)
        return OK
    flags = 0
    when = None
    i = 3
    n = len(args)
    while i < n:
        opt = args[i].lower()
        f = _SET_FLAGS.get(opt)
        if f is not None:
            if (f == 1 and flags & 2) or (f == 2 and flags & 1) or (f == 8 and flags & 0xF0):
                raise CommandError(E.SYNTAX)
            flags |= f
            i += 1
            continue
        f = _SET_EXP.get(opt)
        if f is not None and i + 1 < n:
            if flags & (0xF0 | 8):
                raise CommandError(E.SYNTAX)
            flags |= f
            when = (opt, args[i + 1])
            i += 2
            continue
        raise CommandError(E.SYNTAX)
    expire_at = None
    if when is not None:
        expire_at = parse_expire_option(c, when[0], when[1], "set")
    old = db.lookup_write(key)
    if flags & 4 and old is not None and type(old) not in _STRING_TYPES:
        raise CommandError(E.WRONGTYPE)
    if (flags & 1 and old is not None) or (flags & 2 and old is None):
        return bytes(old) if flags & 4 and old is not None else None
    db.data[key] = value
    if expire_at is not None:
        db.expires[key] = expire_at
        if when[0] != b"pxat" or flags & 7:
            c.propagate_as = [[b"SET", key, value, b"PXAT", str(expire_at).encode()]]
            if flags & 8:
                c.propagate_as[0].append(b"KEEPTTL")
    elif not flags & 8 and db.expires:
        db.expires.pop(key, None)
    c.server.dirty += 1
    c.db.signal_modified(key)
    if flags & 4:
        return bytes(old) if old is not None else None
    return OK


@command("setnx", 3, "write denyoom fast", acl="string", keys=(1, 1, 1), group="string", since="1.0.0", summary="Set the value of a key, only if the key does not exist", complexity="O(1)")
def setnx(c, args):
    """Format: SETNX key value"""
    db = c.db
    if db.lookup_write(args[1]) is not None:
        return 0
    db.set(args[1], args[2])
    c.server.dirty += 1
    c.db.signal_modified(args[1])
    return 1


def _setex(c, args, unit: bytes, name: str):
    key, value = args[1], args[3]
    expire_at = parse_expire_option(c, unit, args[2], name)
    db = c.db
    db.lookup_write(key)
    db.data[key] = value
    db.expires[key] = expire_at
    c.server.dirty += 1
    c.propagate_as = [[b"SET", key, value, b"PXAT", str(expire_at).encode()]]
    c.db.signal_modified(key)
    return OK


@command("setex", 4, "write denyoom", acl="string", keys=(1, 1, 1), group="string", since="2.0.0", summary="Set the value and expiration of a key", complexity="O(1)")
def setex(c, args):
    """Format: SETEX key seconds value"""
    return _setex(c, args, b"ex", "setex")


@command("psetex", 4, "write denyoom", acl="string", keys=(1, 1, 1), group="string", since="2.6.0", summary="Set the value and expiration in milliseconds of a key", complexity="O(1)")
def psetex(c, args):
    """Format: PSETEX key milliseconds value"""
    return _setex(c, args, b"px", "psetex")


@command("getset", 3, "write denyoom fast", acl="string", keys=(1, 1, 1), group="string", since="1.0.0", summary="Set the string value of a key and return its old value", complexity="O(1)", doc_flags="deprecated", deprecated_since="6.2.0", replaced_by="`SET` with the `!GET` argument")
def getset(c, args):
    """Format: GETSET key value"""
    old = get_string(c.db, args[1], write=True)
    c.db.set(args[1], args[2])
    c.server.dirty += 1
    c.db.signal_modified(args[1])
    return bytes(old) if old is not None else None


@command("getdel", 2, "write fast", acl="string", keys=(1, 1, 1), group="string", since="6.2.0", summary="Get the value of a key and delete the key", complexity="O(1)")
def getdel(c, args):
    """Format: GETDEL key"""
    old = get_string(c.db, args[1], write=True)
    if old is None:
        return None
    c.db.delete(args[1])
    c.server.dirty += 1
    c.db.signal_modified(args[1])
    return bytes(old)


@command("getex", -2, "write fast", acl="string", keys=(1, 1, 1), group="string", since="6.2.0", summary="Get the value of a key and optionally set its expiration", complexity="O(1)")
def getex(c, args):
    """Format: GETEX key [EX s | PX ms | EXAT ts | PXAT ms-ts | PERSIST]"""
    key = args[1]
    unit = None
    persist = False
    i = 2
    while i < len(args):
        opt = args[i].lower()
        if opt in _SET_EXP and i + 1 < len(args) and unit is None and not persist:
            unit = (opt, args[i + 1])
            i += 2
        elif opt == b"persist" and unit is None and not persist:
            persist = True
            i += 1
        else:
            raise CommandError(E.SYNTAX)
    expire_at = parse_expire_option(c, unit[0], unit[1], "getex") if unit else None
    db = c.db
    v = get_string(db, key)
    if v is None:
        return None
    if expire_at is not None:
        if expire_at <= c.server.keyspace.now_ms and not c.server.keyspace.is_replica:
            db.delete(key)
            c.propagate_as = [[b"DEL", key]]
        else:
            db.expires[key] = expire_at
            c.propagate_as = [[b"PEXPIREAT", key, str(expire_at).encode()]]
        c.server.dirty += 1
        c.db.signal_modified(key)
    elif persist and db.persist(key):
        c.propagate_as = [[b"PERSIST", key]]
        c.server.dirty += 1
        c.db.signal_modified(key)
    return bytes(v)


@command("mget", -2, "readonly fast", acl="string", keys=(1, -1, 1), group="string", since="1.0.0", summary="Get the values of all the given keys", complexity="O(N) where N is the number of keys to retrieve.", tips="request_policy:multi_shard")
def mget(c, args):
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


@command("mset", -3, "write denyoom", acl="string", keys=(1, -1, 2), group="string", since="1.0.1", summary="Set multiple keys to multiple values", complexity="O(N) where N is the number of keys to set.", tips="request_policy:multi_shard response_policy:all_succeeded")
def mset(c, args):
    """Format: MSET key value [key value ...]"""
    if len(args) % 2 == 0:
        raise CommandError(E.WRONG_ARITY % "mset")
    db = c.db
    data = db.data
    exp = db.expires
    for i in range(1, len(args), 2):
        key = args[i]
        data[key] = args[i + 1]
        if exp:
            exp.pop(key, None)
        c.db.signal_modified(key)
    c.server.dirty += (len(args) - 1) // 2
    return OK


@command("msetnx", -3, "write denyoom", acl="string", keys=(1, -1, 2), group="string", since="1.0.1", summary="Set multiple keys to multiple values, only if none of the keys exist", complexity="O(N) where N is the number of keys to set.", tips="request_policy:multi_shard response_policy:agg_min")
def msetnx(c, args):
    """Format: MSETNX key value [key value ...]"""
    if len(args) % 2 == 0:
        raise CommandError(E.WRONG_ARITY % "msetnx")
    db = c.db
    for i in range(1, len(args), 2):
        if db.lookup_write(args[i]) is not None:
            return 0
    for i in range(1, len(args), 2):
        db.set(args[i], args[i + 1])
        c.db.signal_modified(args[i])
    c.server.dirty += (len(args) - 1) // 2
    return 1


# -- counters --------------------------------------------------------------------


def _incr(c, key: bytes, delta: int):
    db = c.db
    v = db.lookup_write(key)
    if v is None:
        cur = 0
    else:
        t = type(v)
        if t is not bytes and t is not bytearray:
            raise CommandError(E.WRONGTYPE)
        cur = to_int(bytes(v))
        if cur is None:
            raise CommandError(E.NOT_INTEGER)
    new = cur + delta
    if new > LLONG_MAX or new < LLONG_MIN:
        raise CommandError(E.OVERFLOW)
    db.data[key] = b"%d" % new
    c.server.dirty += 1
    c.db.signal_modified(key)
    return new


@command("incr", 2, "write denyoom fast", acl="string", keys=(1, 1, 1), group="string", since="1.0.0", summary="Increment the integer value of a key by one", complexity="O(1)")
def incr(c, args):
    """Format: INCR key"""
    return _incr(c, args[1], 1)


@command("decr", 2, "write denyoom fast", acl="string", keys=(1, 1, 1), group="string", since="1.0.0", summary="Decrement the integer value of a key by one", complexity="O(1)")
def decr(c, args):
    """Format: DECR key"""
    return _incr(c, args[1], -1)


@command("incrby", 3, "write denyoom fast", acl="string", keys=(1, 1, 1), group="string", since="1.0.0", summary="Increment the integer value of a key by the given amount", complexity="O(1)")
def incrby(c, args):
    """Format: INCRBY key increment"""
    return _incr(c, args[1], parse_int(args[2]))


@command("decrby", 3, "write denyoom fast", acl="string", keys=(1, 1, 1), group="string", since="1.0.0", summary="Decrement the integer value of a key by the given number", complexity="O(1)")
def decrby(c, args):
    """Format: DECRBY key decrement"""
    d = parse_int(args[2])
    if d == LLONG_MIN:
        raise CommandError("ERR decrement would overflow")
    return _incr(c, args[1], -d)


@command("incrbyfloat", 3, "write denyoom fast", acl="string", keys=(1, 1, 1), group="string", since="2.6.0", summary="Increment the float value of a key by the given amount", complexity="O(1)")
def incrbyfloat(c, args):
    """Format: INCRBYFLOAT key increment"""
    key = args[1]
    cur = get_string(c.db, key, write=True)
    new = incr_by_float(cur, args[2])
    c.db.set(key, new, keep_ttl=True)
    c.server.dirty += 1
    c.propagate_as = [[b"SET", key, new, b"KEEPTTL"]]
    c.db.signal_modified(key)
    return new


# -- ranges and length -------------------------------------------------------------


@command("append", 3, "write denyoom fast", acl="string", keys=(1, 1, 1), group="string", since="2.0.0", summary="Append a value to a key", complexity="O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.")
def append(c, args):
    """Format: APPEND key value"""
    key, extra = args[1], args[2]
    db = c.db
    v = get_string(db, key, write=True)
    if v is None:
        db.data[key] = extra
        n = len(extra)
    else:
        _check_len(c, len(v) + len(extra))
        if type(v) is not bytearray:
            v = bytearray(v)
            db.data[key] = v
        v += extra
        n = len(v)
    c.server.dirty += 1
    c.db.signal_modified(key)
    return n


@command("strlen", 2, "readonly fast", acl="string", keys=(1, 1, 1), group="string", since="2.2.0", summary="Get the length of the value stored in a key", complexity="O(1)")
def strlen(c, args):
    """Format: STRLEN key"""
    v = get_string(c.db, args[1])
    return 0 if v is None else len(v)


def _getrange(c, args):
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


@command("getrange", 4, "readonly", acl="string", keys=(1, 1, 1), group="string", since="2.4.0", summary="Get a substring of the string stored at a key", complexity="O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.")
def getrange(c, args):
    """Format: GETRANGE key start end"""
    return _getrange(c, args)


@command("substr", 4, "readonly", acl="string", keys=(1, 1, 1), group="string", since="1.0.0", summary="Get a substring of the string stored at a key", complexity="O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.", doc_flags="deprecated", deprecated_since="2.0.0", replaced_by="`GETRANGE`")
def substr(c, args):
    """Format: SUBSTR key start end"""
    return _getrange(c, args)


@command("setrange", 4, "write denyoom", acl="string", keys=(1, 1, 1), group="string", since="2.2.0", summary="Overwrite part of a string at key starting at the specified offset", complexity="O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.")
def setrange(c, args):
    """Format: SETRANGE key offset value"""
    key, value = args[1], args[3]
    offset = parse_int(args[2])
    if offset < 0:
        raise CommandError("ERR offset is out of range")
    db = c.db
    v = get_string(db, key, write=True)
    if v is None:
        if not value:
            return 0
        _check_len(c, offset + len(value))
        nv = bytearray(offset) + value
        db.data[key] = nv
        db.expires.pop(key, None)
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
    c.db.signal_modified(key)
    return len(nv)


# -- LCS ---------------------------------------------------------------------------


@command("lcs", -3, "readonly", acl="string", keys=(1, 2, 1), group="string", since="7.0.0", summary="Find longest common substring", complexity="O(N*M) where N and M are the lengths of s1 and s2, respectively")
def lcs(c, args):
    """Format: LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]"""
    db = c.db
    a = db.lookup_read(args[1])
    b = db.lookup_read(args[2])
    if (a is not None and type(a) not in _STRING_TYPES) or (b is not None and type(b) not in _STRING_TYPES):
        raise CommandError("ERR The specified keys must contain string values")
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
        raise CommandError("ERR If you want both the length and indexes, please just use IDX.")
    a = bytes(a or b"")
    b = bytes(b or b"")
    alen, blen = len(a), len(b)
    # DP table of LCS lengths, row per prefix of a (as Redis, O(N*M)).
    prev = [0] * (blen + 1)
    table = [prev]
    for i in range(1, alen + 1):
        row = [0] * (blen + 1)
        ai = a[i - 1]
        for j in range(1, blen + 1):
            if ai == b[j - 1]:
                row[j] = prev[j - 1] + 1
            else:
                row[j] = row[j - 1] if row[j - 1] > prev[j] else prev[j]
        table.append(row)
        prev = row
    idx = table[alen][blen]
    if getlen:
        return idx
    # Backtrack to build the LCS string and the match ranges.
    result = bytearray(idx)
    matches = []
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
                arange_start = i - 1
                arange_end = i - 1
                brange_start = j - 1
                brange_end = j - 1
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
            lcs1 = table[i - 1][j]
            lcs2 = table[i][j - 1]
            if lcs1 > lcs2:
                i -= 1
            else:
                j -= 1
            if arange_start != alen:
                emit_range = True
        if emit_range:
            match_len = arange_end - arange_start + 1
            if minmatchlen == 0 or match_len >= minmatchlen:
                m = [[arange_start, arange_end], [brange_start, brange_end]]
                if withmatchlen:
                    m.append(match_len)
                matches.append(m)
            arange_start = alen
            # A match that just ended at a mismatch: the current chars may
            # start a new one, handled by the next iteration.
    if getidx:
        return MapReply([(b"matches", matches), (b"len", idx)])
    return bytes(result)
