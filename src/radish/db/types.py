"""Value types stored in the keyspace besides strings.

Strings are plain ``bytes`` / ``bytearray``. Small hashes and sorted sets
are Redis's own listpack bytes (``HashLP``, ``ZSetLP``: db/listpack.py);
the big encodings subclass the Python container that gives Redis's
complexity for their common operations. Each carries ``TYPE_NAME`` (what
TYPE answers) and ``encoding()`` (what OBJECT ENCODING answers under
Redis 7.0's rules and the current thresholds). Like Redis, an aggregate
that once outgrew its compact encoding keeps the big one until it is
rebuilt (RDB load, RESTORE, a STORE result …); sets flag it with ``big``
(sticky), hashes and sorted sets change type.

* ``ListValue`` (db/quicklist.py's QuickList: listpack nodes, filled per
  list-max-listpack-size, as Redis 7.0 keeps a list): O(1) push/pop at
  both ends. Redis 7.0 always reports ``quicklist``.
* ``HashLP`` (db/listpack.py: Redis's listpack bytes, in C) while entries
  <= hash-max-listpack-entries and every field and value <= hash-max-
  listpack-value bytes, converted to ``HashValue`` (dict, ``hashtable``)
  as Redis's hashTypeConvert does, by the commands that add to it (the
  value in the keyspace is replaced: ``Database.convert``).
* ``SetLP`` (db/listpack.py, in C) while at most 128 members of at most 64
  bytes, then ``SetValue`` (set); either is ``intset`` while every member
  is a canonical 64-bit integer and size <= set-max-intset-entries, else
  ``hashtable``. While an
  intset, members are iterated in ascending numeric order (``ordered``),
  as Redis's sorted intset returns them.
* ``ZSetLP`` (db/listpack.py, in C) while entries <= zset-max-listpack-
  entries and every member <= zset-max-listpack-value bytes (a listpack
  stores an integral score as an integer, so it keeps -0 as 0), then
  ``ZSetValue`` (``skiplist``: dict member -> score, plus ``sl``, Redis's
  skip list of (score, member) in C, or its twin sortedcontainers'
  SortedList): O(log n) add, remove, rank and range, Redis's order
  (score, then member bytes). The sorted-set commands convert as Redis's
  zsetAdd and friends do.

Random picks (SPOP, SRANDMEMBER, HRANDFIELD) need O(1) access by position,
which CPython sets and dicts do not offer: ``random_pool()`` keeps a list of
the members, built on first use (O(n) once) and kept in step by the
commands that add (append) and pop (swap-remove); any other change drops it
(``pool = None``) and it is rebuilt on the next random pick. Code that
changes a set or hash elsewhere (RDB load, RESTORE …) builds a new value or
sets ``pool = None``; even if it forgets, a pool whose length disagrees is
rebuilt and every pick is checked against the container, so a stale pool
never returns a missing member.

Imports nothing from radish outside ``db`` but strconv.
"""

from __future__ import annotations

import ctypes
import math
import random
from types import ModuleType
from typing import TYPE_CHECKING, Any

from sortedcontainers import SortedList

from .. import NO_EXTENSIONS
from ..strconv import string2ll
from .listpack import Hash, Set, ZSet, lp_score
from .quicklist import QuickList

# Big values hold only bytes, floats and ints (and lists of them): they can
# be in no reference cycle, yet while tracked every collection of their
# generation walks them, in time proportional to their size (a 3M-member
# set cost each such collection 190 ms, a stall for every client; 2 ms
# untracked). So they leave the collector's lists when made; CPython's
# dicts track themselves again if a container is ever stored in them.
_gc_untrack = ctypes.pythonapi.PyObject_GC_UnTrack
_gc_untrack.argtypes = [ctypes.py_object]
_gc_untrack.restype = None


def untracked(obj):
    """``obj`` (a container of atomic values), out of the cyclic garbage
    collector's walks."""
    _gc_untrack(obj)
    return obj


def is_int_member(m: bytes) -> bool:
    """Would Redis store this set member in an intset (string2ll)?"""
    return string2ll(m) is not None


def intset_width(v: int) -> int:
    """The intset encoding (bytes per member) an integer needs. A set's
    ``width`` keeps the widest its members have needed while it was an
    intset, as Redis's intset never narrows after removals (its RDB and
    DUMP bytes show it)."""
    if -32768 <= v <= 32767:
        return 2
    return 4 if -2147483648 <= v <= 2147483647 else 8


class _RandomPicks:
    """Random access for sets and hashes through ``pool`` (a list of the
    members or fields, see the module notes). Every pick is checked against
    the container, and a stale pool is rebuilt."""

    __slots__ = ()
    pool: list | None  # set by each container's __init__

    def random_pool(self: Any) -> list:
        p = self.pool
        if p is None or len(p) != len(self):
            p = self.pool = untracked(list(self))
        return p

    def random_member(self: Any):
        m = random.choice(self.random_pool())
        if m not in self:
            self.pool = None
            m = random.choice(self.random_pool())
        return m

    def random_distinct(self: Any, k: int) -> list:
        """``k`` distinct members (k < len), in random order."""
        out = random.sample(self.random_pool(), k)
        if not all(m in self for m in out):
            self.pool = None
            out = random.sample(self.random_pool(), k)
        return out

    def random_repeats(self: Any, k: int) -> list:
        """``k`` members drawn with replacement (negative counts)."""
        out = random.choices(self.random_pool(), k=k)
        if not all(m in self for m in out):
            self.pool = None
            out = random.choices(self.random_pool(), k=k)
        return out


class ListValue(QuickList):
    """A list: Redis 7.0's quicklist of listpack nodes (db/quicklist.py).
    Make it with the list's ``fill`` (list-max-listpack-size), as Redis
    does: ``ListValue(items, fill=config.list_max_listpack_size)``."""

    TYPE_NAME = b"list"
    __slots__ = ()

    def encoding(self, config) -> str:
        return "quicklist"


class HashValue(_RandomPicks, dict):
    """A hash in Redis's ``hashtable`` encoding (small ones are ``HashLP``)."""

    TYPE_NAME = b"hash"
    __slots__ = ("pool",)
    big = True  # as the other dict types flag their big encoding

    def __init__(self, *a, **kw) -> None:
        super().__init__(*a, **kw)
        self.pool: list | None = None
        untracked(self)

    def encoding(self, config) -> str:
        return "hashtable"

    def copy(self) -> HashValue:
        return HashValue(self)


# A hash in Redis's ``listpack`` encoding (db/listpack.py): while it has at
# most hash-max-listpack-entries fields and no field or value longer than
# hash-max-listpack-value bytes (``convert_hash`` gives the ``HashValue``
# that replaces it). The C type is used as it is (a subclass would add a
# garbage collector header to every small hash).
HashLP = Hash


def set_fits_listpack(members) -> bool:
    return len(members) <= SET_LISTPACK_ENTRIES and all(len(m) <= SET_LISTPACK_VALUE for m in members)


def convert_set(s: SetLP) -> SetValue:
    """A listpack set that outgrew it, as a SetValue (intset -> hashtable
    stickiness kept)."""
    v = SetValue(s)
    v.big = s.big
    v.width = s.width
    return v


def new_set_value(members, config):
    """A set of these members (an iterable of unique bytes) in radish's
    representation: a listpack when small; intset or hashtable as Redis's
    setTypeCreate and adds would make it."""
    members = members if isinstance(members, (list, set, tuple)) else list(members)
    if set_fits_listpack(members):
        s = SetLP()
        s.update(members)
    else:
        s = SetValue(members)
    s.encoding(config)  # decides intset or hashtable now (sticky)
    return s


def convert_hash(h: HashLP) -> HashValue:
    """hashTypeConvertListpack: the same fields and values in a hashtable."""
    return HashValue(h.items())




# A small set (any members) kept as a listpack (db/listpack.py): at most
# SET_LISTPACK_ENTRIES members of at most SET_LISTPACK_VALUE bytes. Redis
# 7.0 has no listpack sets (7.2 added them with these defaults): OBJECT
# ENCODING still answers intset or hashtable as 7.0 would, and a set that
# outgrows the listpack becomes a ``SetValue``.
SetLP = Set
SET_LISTPACK_ENTRIES = 128
SET_LISTPACK_VALUE = 64


class SetValue(_RandomPicks, set):
    TYPE_NAME = b"set"
    __slots__ = ("big", "pool", "width")

    def __init__(self, *a) -> None:
        super().__init__(*a)
        self.big = False
        self.pool: list | None = None
        self.width = 2  # the widest intset encoding needed so far (see intset_width)
        untracked(self)

    def ordered(self, config):
        """The members in the order Redis would iterate them: ascending
        numeric order for an intset, the container's own order otherwise."""
        if not self.big:
            self.update_encoding(config)
            if not self.big:
                return sorted(self, key=int)
        return self

    def update_encoding(self, config, member: bytes | None = None) -> None:
        if self.big:
            return
        if len(self) > min(config.set_max_intset_entries, 1 << 30):
            self.big = True
            return
        if member is not None:
            if not is_int_member(member):
                self.big = True
            return
        if not all(is_int_member(m) for m in self):
            self.big = True

    def encoding(self, config) -> str:
        if not self.big:
            self.update_encoding(config)
        return "hashtable" if self.big else "intset"

    def copy(self) -> SetValue:
        s = SetValue(self)
        s.big = self.big
        s.width = self.width
        return s


_skiplist: ModuleType | None
try:
    from . import _skiplist
except ImportError:  # pragma: no cover - not built: SortedList, its pure-Python twin
    _skiplist = None

# A big sorted set's ordered pairs: Redis's zskiplist in C (db/_skiplist.c),
# or its pure-Python twin, sortedcontainers' SortedList of (score, member).
if TYPE_CHECKING or _skiplist is None or NO_EXTENSIONS:
    SkipList = SortedList
else:
    SkipList = _skiplist.SkipList


class ZSetValue(_RandomPicks, dict):
    """A sorted set in Redis's ``skiplist`` encoding (small ones are
    ``ZSetLP``): ``dict`` member -> score, and ``sl``, a ``SkipList`` of
    (score, member) giving rank order."""

    TYPE_NAME = b"zset"
    __slots__ = ("pool", "sl")
    big = True  # as the other dict types flag their big encoding

    def __init__(self, pairs=()) -> None:
        super().__init__()
        self.pool: list | None = None
        self.sl = SkipList()
        untracked(self)
        for m, score in pairs:
            self.insert(m, score)

    def insert(self, member: bytes, score: float) -> None:
        """Set ``member``'s score (adding it when new)."""
        old = self.get(member)
        if old is not None:
            if old == score and math.copysign(1.0, old) == math.copysign(1.0, score):
                return
            self.sl.remove((old, member))
        elif self.pool is not None:
            self.pool.append(member)
        dict.__setitem__(self, member, score)
        self.sl.add((score, member))

    def remove(self, member: bytes) -> bool:
        score = self.pop(member, None)
        if score is None:
            return False
        self.sl.remove((score, member))
        self.pool = None
        return True

    def pop_at(self, index: int) -> tuple[float, bytes]:
        score, member = self.sl.pop(index)
        dict.__delitem__(self, member)
        self.pool = None
        return score, member

    def remove_range(self, lo: int, hi: int) -> None:
        """Remove the members of ranks [lo, hi)."""
        for _score, m in self.sl[lo:hi]:
            dict.__delitem__(self, m)
        del self.sl[lo:hi]
        self.pool = None

    def rank(self, member: bytes) -> int | None:
        score = self.get(member)
        if score is None:
            return None
        return self.sl.bisect_left((score, member))

    def members_by_rank(self):
        return [m for _, m in self.sl]

    def encoding(self, config) -> str:
        return "skiplist"

    def copy(self) -> ZSetValue:
        z = ZSetValue()
        for m, score in self.items():
            dict.__setitem__(z, m, score)
        z.sl = self.sl.copy()
        return z


# A sorted set in Redis's ``listpack`` encoding (db/listpack.py): while it
# has at most zset-max-listpack-entries members, none longer than
# zset-max-listpack-value bytes.
ZSetLP = ZSet
AnyZSet = ZSetLP | ZSetValue


def convert_zset(z: ZSetLP) -> ZSetValue:
    """zsetConvert to a skiplist: the same members and scores."""
    return ZSetValue(z.items())


def zset_fits_listpack(config, n: int, maxlen: int) -> bool:
    """zsetTypeCreate / zsetConvertToListpackIfNeeded: would a sorted set
    of ``n`` members, the longest ``maxlen`` bytes, be a listpack?"""
    return n <= config.zset_max_listpack_entries and maxlen <= config.zset_max_listpack_value


def new_zset_value(config, pairs):
    """A sorted set of these (member, score) pairs (members unique) in the
    encoding Redis gives a computed result: a listpack when it fits (the
    pairs sorted and appended), else a skiplist."""
    if pairs and zset_fits_listpack(config, len(pairs), max(len(m) for m, _ in pairs)):
        return zset_listpack(pairs)
    return ZSetValue(pairs)


def zset_listpack(pairs) -> ZSetLP:
    """A listpack sorted set of these (member, score) pairs (members
    unique): sorted, then appended."""
    z = ZSetLP()
    flat: list[bytes] = []
    for s, m in sorted((s, m) for m, s in pairs):
        flat.append(m)
        flat.append(lp_score(s))
    z.extend(flat)
    return z
