"""Small hashes and sorted sets kept in Redis's own listpack bytes.

Redis keeps a hash of at most ``hash-max-listpack-entries`` fields (values
at most ``hash-max-listpack-value`` bytes) and a sorted set of at most
``zset-max-listpack-entries`` members as one listpack (listpack.c): a
6-byte header (total bytes, element count), the elements, an 0xFF end
byte; each element is its encoding (a 7/13/16/24/32/64-bit integer when
its text reads as one, as ``lpStringToInt64`` decides, else a string with
a 6/12/32-bit length), its data and a back length. radish keeps the same
bytes, so a small aggregate costs what it costs Redis, and RDB, DUMP and
RESTORE copy it.

Three types, each a C class (``_listpack.c``, used unless
``RADISH_NO_EXTENSIONS`` is set or it is not built) with a pure-Python
twin here that gives the same bytes and answers
(tests/unit/test_listpack_twin.py):

``Hash`` (field, value, field, value …, insertion order): the subset of
    ``dict`` the hash commands use: ``len``, ``in``, ``h[f]``, ``h[f] = v``
    (hashTypeSet: a new field is appended, a known one's value replaced in
    place), ``del h[f]``, ``get``, ``pop``, ``update(pairs)``, ``keys``,
    ``values``, ``items`` (lists), iteration over the fields.

``ZSet`` (member, score, … ordered by score then member bytes): ``len``,
    ``in``, ``z[m]`` / ``get`` (the score), ``insert(m, score)`` (zsetAdd:
    a member whose score changes is deleted and inserted again before the
    first pair with a greater score, or an equal score and a greater
    member), ``add(m, score, config)`` (ZADD's one pair:
    0 unchanged, 1 added, 2 moved, None when it must become a skiplist
    first), ``remove``, ``rank``, ``pop_at(i)``, ``pop_reply(top, resp3)``
    (ZPOPMIN/ZPOPMAX's reply without a count), ``remove_range(lo, hi)``
    (ranks [lo, hi)), ``items``,
    ``members_by_rank``, iteration over the members in rank order, and
    ``sl``: a view of the ``(score, member)`` pairs by rank with the part
    of SortedList's API the sorted-set commands use (``len``, ``v[i]``,
    ``v[a:b]``, ``del v[a:b]``, iteration, ``reversed``, ``bisect_left``,
    ``bisect_right``). A score is stored as zzlInsertAt stores it: an
    integer element when ``double2ll`` takes it (so -0 is 0), else
    ``d2string``'s ``%.17g`` text, read back with strtod.

``Set`` (members, insertion order): a small set of any members (Redis
    7.0 keeps it as an intset while every member is an integer, else as a
    hashtable; radish keeps both small kinds as a listpack, which costs
    less than either): ``len``, ``in``, iteration, ``add`` / ``discard``
    (whether it changed), ``remove``, ``update``, ``difference_update``,
    ``pop_random`` (SPOP), ``encoding(config)`` (``intset`` while every
    member is an integer and there are at most set-max-intset-entries,
    unless ``big``: the one-way conversion to a hashtable happened),
    ``ordered(config)`` (the reply order: ascending numbers for an intset).

Replies built in one call (returned as RESP bytes): ``Hash.resp(resp3,
what)`` (HGETALL, HKEYS, HVALS), ``ZSet.resp_range(lo, hi, rev,
withscores, resp3)`` (ZRANGE and its forms), ``Set.resp(config, resp3)``
(SMEMBERS); the twins build them with the generic encoder.

All: ``Hash(blob)`` / ``ZSet(blob)`` / ``Set(blob)`` adopt a listpack from outside after
checking every element (ValueError otherwise; pairs need an even count),
``blob()`` the bytes, ``nbytes()``, ``elements()``, ``extend(elements)``
(appends without lookups: loaders that have checked uniqueness and
order), ``copy()``, ``key_at(i)`` (the i-th pair's field or member), and what the
dict-based types answer: ``TYPE_NAME``, ``encoding(config)`` (always
``listpack``), ``big`` (False), ``pool`` (None), random picks
(``random_member``, ``random_distinct(k)``, ``random_repeats(k)``, drawn
with the ``random`` module, so a seeded generator picks the same in both
twins).

``string2d(text)``: Redis's util.c string2d (ZADD's scores), glibc's
strtod in C; its twin is strconv.string2d.

The codec (``lp_entry``, ``lp_encode``, ``lp_decode``) is shared with the
RDB reader and writer. Imports nothing from radish but the package's
``NO_EXTENSIONS``, strconv and the RESP encoder (the twins' replies).
"""

from __future__ import annotations

import random
import struct
from typing import TYPE_CHECKING

from .. import NO_EXTENSIONS
from ..protocol.resp import MapReply, SetReply, encode, format_double
from ..strconv import string2d as py_string2d
from ..strconv import string2ll, strtod

# lpSafeToAdd's limit: a listpack that would grow past it is converted.
LISTPACK_SAFETY_SIZE = 1 << 30


class ListpackError(ValueError):
    """A malformed listpack."""


# -- listpack ---------------------------------------------------------------------

LP_HDR = _LP_HDR = 6
_LP_EOF = 0xFF


def lp_backlen(n: int) -> bytes:
    if n <= 127:
        return bytes((n,))
    if n < 16383:
        return bytes((n >> 7, (n & 127) | 128))
    if n < 2097151:
        return bytes((n >> 14, ((n >> 7) & 127) | 128, (n & 127) | 128))
    if n < 268435455:
        return bytes((n >> 21, ((n >> 14) & 127) | 128, ((n >> 7) & 127) | 128, (n & 127) | 128))
    return bytes(
        (n >> 28, ((n >> 21) & 127) | 128, ((n >> 14) & 127) | 128, ((n >> 7) & 127) | 128, (n & 127) | 128)
    )


_SMALL_LP_ENTRIES = [bytes((v, 1)) for v in range(128)]


def lp_entry(s: bytes) -> bytes:
    """One listpack entry (encoding, data, back length) for element ``s``."""
    n = len(s)
    if n <= 20:
        v = string2ll(s)
        if v is not None:
            if 0 <= v <= 127:
                return _SMALL_LP_ENTRIES[v]
            if -4096 <= v <= 4095:
                v &= 0x1FFF
                return bytes((0xC0 | (v >> 8), v & 0xFF, 2))
            if -32768 <= v <= 32767:
                return b"\xf1" + struct.pack("<h", v) + b"\x03"
            if -8388608 <= v <= 8388607:
                return b"\xf2" + (v & 0xFFFFFF).to_bytes(3, "little") + b"\x04"
            if -2147483648 <= v <= 2147483647:
                return b"\xf3" + struct.pack("<i", v) + b"\x05"
            return b"\xf4" + struct.pack("<q", v) + b"\x09"
    if n < 64:
        return bytes((0x80 | n,)) + s + bytes((n + 1,))
    if n < 4096:
        head = bytes((0xE0 | (n >> 8), n & 0xFF))
        return head + s + lp_backlen(n + 2)
    return b"\xf0" + struct.pack("<I", n) + s + lp_backlen(n + 5)


def lp_build(entries: list[bytes]) -> bytes:
    """A listpack blob from already encoded entries (see ``lp_entry``)."""
    body = b"".join(entries)
    total = _LP_HDR + len(body) + 1
    count = len(entries)
    return struct.pack("<IH", total, count if count < 65535 else 65535) + body + b"\xff"


def lp_encode(items) -> bytes:
    """A listpack holding ``items`` (bytes) in order."""
    return lp_build([lp_entry(s) for s in items])


def lp_decode(blob: bytes) -> list[bytes]:
    """The elements of a listpack blob (integers as their decimal strings)."""
    n = len(blob)
    if n < _LP_HDR + 1:
        raise ListpackError("listpack too short")
    total, count = struct.unpack_from("<IH", blob, 0)
    if total != n:
        raise ListpackError("listpack header length %d, blob is %d bytes" % (total, n))
    if blob[-1] != _LP_EOF:
        raise ListpackError("listpack without terminator")
    out: list[bytes] = []
    append = out.append
    p = _LP_HDR
    end = n - 1
    try:
        while p < end:
            b = blob[p]
            start = p
            if b < 0x80:
                append(b"%d" % b)
                p += 1
            elif b < 0xC0:
                ln = b & 0x3F
                p += 1
                append(blob[p : p + ln])
                p += ln
            elif b < 0xE0:
                v = ((b & 0x1F) << 8) | blob[p + 1]
                if v >= 4096:
                    v -= 8192
                append(b"%d" % v)
                p += 2
            elif b < 0xF0:
                ln = ((b & 0x0F) << 8) | blob[p + 1]
                p += 2
                append(blob[p : p + ln])
                p += ln
            elif b == 0xF0:
                ln = struct.unpack_from("<I", blob, p + 1)[0]
                p += 5
                append(blob[p : p + ln])
                p += ln
            elif b == 0xF1:
                append(b"%d" % struct.unpack_from("<h", blob, p + 1)[0])
                p += 3
            elif b == 0xF2:
                v = int.from_bytes(blob[p + 1 : p + 4], "little")
                if len(blob[p + 1 : p + 4]) != 3:
                    raise ListpackError("truncated listpack entry")
                if v >= 1 << 23:
                    v -= 1 << 24
                append(b"%d" % v)
                p += 4
            elif b == 0xF3:
                append(b"%d" % struct.unpack_from("<i", blob, p + 1)[0])
                p += 5
            elif b == 0xF4:
                append(b"%d" % struct.unpack_from("<q", blob, p + 1)[0])
                p += 9
            else:
                raise ListpackError("invalid listpack entry encoding 0x%02x" % b)
            if p > end:
                raise ListpackError("listpack entry runs past the end")
            # Skip (and check) the back length.
            ln = p - start
            back = lp_backlen(ln)
            if blob[p : p + len(back)] != back:
                raise ListpackError("listpack entry with a wrong back length")
            p += len(back)
    except (IndexError, struct.error) as e:
        raise ListpackError("truncated listpack entry") from e
    if p != end:
        raise ListpackError("listpack entries run past the end")
    if count != 65535 and count != len(out):
        raise ListpackError("listpack header count %d, found %d entries" % (count, len(out)))
    return out


def lp_score(score: float) -> bytes:
    """A score's element text as zzlInsertAt stores it: an integer when
    double2ll takes it, else d2string's text."""
    if -4611686018427387903.0 <= score <= 4611686018427387903.0 and score == int(score):
        return b"%d" % int(score)
    if score != score:
        return b"nan"
    if score in (float("inf"), float("-inf")):
        return b"inf" if score > 0 else b"-inf"
    return b"%.17g" % score


def lp_read_score(s: bytes) -> float:
    """zzlGetScore: strtod of at most 127 characters (an integer element's
    text reads as itself)."""
    return strtod(bytes(s[:127]).split(b"\0", 1)[0])[0]


# -- the pure-Python twins ------------------------------------------------------------


class _PyListpack:
    """A listpack as its decoded elements (``_el``) and, until the first
    change, the bytes it was adopted from (``_lp``; None: ``blob()``
    encodes ``_el``, which is what the C type's splices produce, the
    encoding being canonical)."""

    __slots__ = ("_el", "_lp")
    _PAIRS = False
    big = False  # the encoding flag the dict types carry

    @property
    def pool(self) -> None:
        """Always None: the dict types' random-pick list (a listpack reads
        itself); setting it does nothing, as there is nothing to drop."""
        return None

    @pool.setter
    def pool(self, value) -> None:
        pass

    def encoding(self, config) -> str:
        return "listpack"

    def _below(self, n: int) -> int:
        return min(int(random.random() * n), n - 1)

    def random_member(self) -> bytes:
        n = len(self._el) // 2
        if not n:
            raise IndexError("random pick from an empty value")
        return self._el[2 * self._below(n)]

    def random_distinct(self, k: int) -> list[bytes]:
        keys = self._el[0::2]
        return [keys[i] for i in random.sample(range(len(keys)), k)]

    def random_repeats(self, k: int) -> list[bytes]:
        keys = self._el[0::2]
        if not keys and k > 0:
            raise IndexError("random pick from an empty value")
        return [keys[self._below(len(keys))] for _ in range(k)]

    def __init__(self, blob=None) -> None:
        if blob is None:
            self._el: list[bytes] = []
            self._lp: bytes | None = None
            return
        blob = bytes(blob)
        try:
            el = lp_decode(blob)
        except ListpackError as e:
            raise ValueError(str(e)) from None
        if self._PAIRS and len(el) % 2:
            raise ValueError("listpack of pairs with an odd number of elements")
        self._el = el
        self._lp = blob

    def _changed(self) -> None:
        self._lp = None

    def blob(self) -> bytes:
        if self._lp is None:
            self._lp = lp_encode(self._el)
        return self._lp

    def nbytes(self) -> int:
        return len(self.blob())

    def elements(self) -> list[bytes]:
        return list(self._el)

    def extend(self, elements) -> None:
        for x in elements:
            if type(x) is not bytes:
                raise TypeError("listpack elements must be bytes")
            self._el.append(x)
        self._changed()

    def copy(self):
        c = type(self)()
        c._el = list(self._el)
        c._lp = self._lp
        return c

    def key_at(self, i: int) -> bytes:
        n = len(self._el) // 2
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("pair index out of range")
        return self._el[2 * i]

    def __sizeof__(self) -> int:
        return object.__sizeof__(self) + self.nbytes()

    def __repr__(self) -> str:
        return "%s(%r)" % (type(self).__name__[2:], self.items())  # type: ignore[attr-defined]


def _check(x) -> bytes:
    if type(x) is not bytes:
        raise TypeError("listpack elements must be bytes, not %s" % type(x).__name__)
    return x


class PyHash(_PyListpack):
    """The twin of ``_listpack.Hash``."""

    __slots__ = ()
    TYPE_NAME = b"hash"
    _PAIRS = True

    def _find(self, f: bytes) -> int:
        el = self._el
        for i in range(0, len(el), 2):
            if el[i] == f:
                return i
        return -1

    def __len__(self) -> int:
        return len(self._el) // 2

    def __contains__(self, f) -> bool:
        return self._find(_check(f)) >= 0

    def __getitem__(self, f):
        i = self._find(_check(f))
        if i < 0:
            raise KeyError(f)
        return self._el[i + 1]

    def get(self, f, default=None):
        i = self._find(_check(f))
        return default if i < 0 else self._el[i + 1]

    def __setitem__(self, f, v) -> None:
        i = self._find(_check(f))
        _check(v)
        if i < 0:
            self._el.append(f)
            self._el.append(v)
        else:
            self._el[i + 1] = v
        self._changed()

    def __delitem__(self, f) -> None:
        i = self._find(_check(f))
        if i < 0:
            raise KeyError(f)
        del self._el[i : i + 2]
        self._changed()

    _MISSING = object()

    def pop(self, f, default=_MISSING):
        i = self._find(_check(f))
        if i < 0:
            if default is PyHash._MISSING:
                raise KeyError(f)
            return default
        v = self._el[i + 1]
        del self._el[i : i + 2]
        self._changed()
        return v

    def update(self, pairs) -> None:
        for pair in pairs:
            if type(pair) is not tuple or len(pair) != 2:
                raise TypeError("update: (field, value) pairs")
            self[pair[0]] = pair[1]

    def keys(self) -> list[bytes]:
        return self._el[0::2]

    def values(self) -> list[bytes]:
        return self._el[1::2]

    def resp(self, resp3: bool, what: int) -> bytes:
        """HGETALL's (what 0), HKEYS's (1) or HVALS's (2) reply."""
        if what == 0:
            return encode(MapReply(self.items()), resp3)
        return encode(self.keys() if what == 1 else self.values(), resp3)

    def items(self) -> list[tuple[bytes, bytes]]:
        el = self._el
        return list(zip(el[0::2], el[1::2], strict=True))

    def __iter__(self):
        return iter(self._el[0::2])


class PyZSet(_PyListpack):
    """The twin of ``_listpack.ZSet``: ``_el`` holds member, score text, …"""

    __slots__ = ()
    TYPE_NAME = b"zset"
    _PAIRS = True

    def _find(self, m: bytes) -> int:
        el = self._el
        for i in range(0, len(el), 2):
            if el[i] == m:
                return i
        return -1

    def __len__(self) -> int:
        return len(self._el) // 2

    def __contains__(self, m) -> bool:
        return self._find(_check(m)) >= 0

    def __getitem__(self, m) -> float:
        i = self._find(_check(m))
        if i < 0:
            raise KeyError(m)
        return lp_read_score(self._el[i + 1])

    def get(self, m, default=None):
        i = self._find(_check(m))
        return default if i < 0 else lp_read_score(self._el[i + 1])

    def insert(self, m, score: float) -> None:
        _check(m)
        score = float(score)
        el = self._el
        i = self._find(m)
        if i >= 0:
            if lp_read_score(el[i + 1]) == score:
                return
            del el[i : i + 2]
        j = 0
        while j < len(el):
            s = lp_read_score(el[j + 1])
            if s > score or (s == score and el[j] > m):
                break
            j += 2
        el[j:j] = [m, lp_score(score)]
        self._changed()

    def add(self, m, score: float, config) -> int | None:
        """ZADD's one pair without options (zsetAdd): 0 when ``m`` is there
        with an equal score, 2 when it is moved to another, 1 when added;
        None (nothing changed) when adding it would pass
        ``config.zset_max_listpack_entries`` pairs, ``-value`` bytes or
        LISTPACK_SAFETY_SIZE (zsetAdd converts to a skiplist first: the
        caller's part). The config is read only for an absent member."""
        _check(m)
        score = float(score)
        i = self._find(m)
        if i >= 0:
            if lp_read_score(self._el[i + 1]) == score:
                return 0
            self.insert(m, score)
            return 2
        if (
            len(self._el) // 2 + 1 > config.zset_max_listpack_entries
            or len(m) > config.zset_max_listpack_value
            or self.nbytes() + len(m) > LISTPACK_SAFETY_SIZE
        ):
            return None
        self.insert(m, score)
        return 1

    def remove(self, m) -> bool:
        i = self._find(_check(m))
        if i < 0:
            return False
        del self._el[i : i + 2]
        self._changed()
        return True

    def rank(self, m):
        i = self._find(_check(m))
        return None if i < 0 else i // 2

    def pop_at(self, i: int) -> tuple[float, bytes]:
        n = len(self._el) // 2
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("pair index out of range")
        m, s = self._el[2 * i : 2 * i + 2]
        del self._el[2 * i : 2 * i + 2]
        self._changed()
        return lp_read_score(s), m

    def pop_reply(self, top: bool, resp3: bool) -> list:
        """ZPOPMIN's reply without a count (ZPOPMAX's: ``top``), the pair
        removed: [member, score], the score a float for RESP3, else the
        text of RESP2's bulk string."""
        s, m = self.pop_at(-1 if top else 0)
        return [m, s if resp3 else format_double(s)]

    def remove_range(self, lo: int, hi: int) -> None:
        if lo < 0 or hi > len(self._el) // 2 or lo > hi:
            raise IndexError("rank range out of range")
        if lo < hi:
            del self._el[2 * lo : 2 * hi]
            self._changed()

    def items(self) -> list[tuple[bytes, float]]:
        el = self._el
        return [(el[i], lp_read_score(el[i + 1])) for i in range(0, len(el), 2)]

    def members_by_rank(self) -> list[bytes]:
        return self._el[0::2]

    def resp_range(self, lo: int, hi: int, rev: bool, withscores: bool, resp3: bool) -> bytes:
        """ZRANGE's reply for the pairs of ranks [lo, hi) (reversed: rev)."""
        if lo < 0 or hi > len(self._el) // 2 or lo > hi:
            raise IndexError("rank range out of range")
        items = self.items()[lo:hi]
        if rev:
            items.reverse()
        if not withscores:
            return encode([m for m, _ in items], resp3)
        if resp3:
            return encode([[m, s] for m, s in items], resp3)
        return encode([x for m, s in items for x in (m, s)], resp3)

    def __iter__(self):
        return iter(self._el[0::2])

    @property
    def sl(self) -> PyZSetView:
        return PyZSetView(self)


class PyZSetView:
    """The twin of ``_listpack.ZSetView``."""

    __slots__ = ("z",)

    def __init__(self, z: PyZSet) -> None:
        self.z = z

    def _pairs(self) -> list[tuple[float, bytes]]:
        el = self.z._el
        return [(lp_read_score(el[i + 1]), el[i]) for i in range(0, len(el), 2)]

    def __len__(self) -> int:
        return len(self.z._el) // 2

    def __getitem__(self, i):
        return self._pairs()[i]

    def __delitem__(self, i) -> None:
        if not isinstance(i, slice):
            raise TypeError("a sorted set view supports only del view[a:b]")
        start, stop, step = i.indices(len(self))
        if start >= stop:
            return
        if step != 1:
            raise ValueError("del view[a:b] needs a step of 1")
        del self.z._el[2 * start : 2 * stop]
        self.z._changed()

    def __iter__(self):
        return iter(self._pairs())

    def __reversed__(self):
        return reversed(self._pairs())

    def _bisect(self, key, right: bool) -> int:
        if type(key) is not tuple or len(key) != 2:
            raise TypeError("bisect: a (score, member) key")
        ks, km = float(key[0]), _check(key[1])
        for i, (s, m) in enumerate(self._pairs()):
            c = -1 if s < ks else 1 if s > ks else (m > km) - (m < km)
            if (c > 0) if right else (c >= 0):
                return i
        return len(self)

    def bisect_left(self, key) -> int:
        return self._bisect(key, False)

    def bisect_right(self, key) -> int:
        return self._bisect(key, True)


class PySet(_PyListpack):
    """The twin of ``_listpack.Set``: ``_el`` holds the members; ``_big``
    the sticky intset -> hashtable flag; ``_width`` the widest intset
    encoding (2, 4 or 8 bytes) the set has needed (an intset never
    narrows)."""

    __slots__ = ("_big", "_width")
    TYPE_NAME = b"set"

    def __init__(self, blob=None) -> None:
        super().__init__(blob)
        self._big = False
        self._width = 2

    @property
    def big(self) -> bool:
        return self._big

    @big.setter
    def big(self, value) -> None:
        self._big = bool(value)

    @property
    def width(self) -> int:
        return self._width

    @width.setter
    def width(self, value: int) -> None:
        if value not in (2, 4, 8):
            raise ValueError("width must be 2, 4 or 8")
        self._width = value

    def copy(self):
        c = super().copy()
        c._big = self._big
        c._width = self._width
        return c

    def __len__(self) -> int:
        return len(self._el)

    def __contains__(self, m) -> bool:
        return _check(m) in self._el

    def __iter__(self):
        return iter(list(self._el))

    def add(self, m) -> bool:
        if _check(m) in self._el:
            return False
        self._el.append(m)
        self._changed()
        return True

    def discard(self, m) -> bool:
        if _check(m) not in self._el:
            return False
        self._el.remove(m)
        self._changed()
        return True

    def remove(self, m) -> None:
        if not self.discard(m):
            raise KeyError(m)

    def update(self, members) -> None:
        for m in members:
            self.add(m)

    def difference_update(self, members) -> None:
        for m in members:
            self.discard(m)

    def pop_random(self) -> bytes:
        if not self._el:
            raise KeyError("pop from an empty set")
        m = self._el.pop(self._below(len(self._el)))
        self._changed()
        return m

    def random_member(self) -> bytes:
        if not self._el:
            raise IndexError("random pick from an empty value")
        return self._el[self._below(len(self._el))]

    def random_distinct(self, k: int) -> list[bytes]:
        keys = list(self._el)
        return [keys[i] for i in random.sample(range(len(keys)), k)]

    def random_repeats(self, k: int) -> list[bytes]:
        keys = self._el
        if not keys and k > 0:
            raise IndexError("random pick from an empty value")
        return [keys[self._below(len(keys))] for _ in range(k)]

    def key_at(self, i: int) -> bytes:
        return self._el[i]

    def _is_intset(self, config) -> bool:
        if self._big:
            return False
        limit = 512 if config is None else config.set_max_intset_entries
        if len(self._el) > min(limit, 1 << 30) or any(string2ll(m) is None for m in self._el):
            self._big = True
            return False
        return True

    def encoding(self, config) -> str:
        return "intset" if self._is_intset(config) else "hashtable"

    def ordered(self, config) -> list[bytes]:
        if self._is_intset(config):
            return [b"%d" % v for v in sorted(int(m) for m in self._el)]
        return list(self._el)

    def resp(self, config, resp3: bool) -> bytes:
        """SMEMBERS's reply."""
        return encode(SetReply(self.ordered(config)), resp3)

    def __repr__(self) -> str:
        return "Set(%r)" % self._el


try:
    from . import _listpack as _c
except ImportError:  # pragma: no cover - not built: the pure-Python twins above
    _c = None  # type: ignore[assignment]

C_BUILT = _c is not None
if TYPE_CHECKING:  # the C types have the twins' API
    Hash = PyHash
    ZSet = PyZSet
    Set = PySet
    string2d = py_string2d
elif _c is not None and not NO_EXTENSIONS:
    Hash = _c.Hash
    ZSet = _c.ZSet
    Set = _c.Set
    string2d = _c.string2d
else:
    Hash = PyHash
    ZSet = PyZSet
    Set = PySet
    string2d = py_string2d
