"""Value types stored in the keyspace besides strings.

Strings are plain ``bytes`` / ``bytearray``. The aggregate types subclass
the Python container that gives Redis's complexity for their common
operations, and carry ``TYPE_NAME`` (what TYPE answers) and ``encoding()``
(what OBJECT ENCODING answers under Redis 7.0's rules and the current
thresholds). Like Redis, an aggregate that once outgrew its compact
encoding keeps the big one (``big`` is sticky) until it is rebuilt (RDB
load, RESTORE, COPY of a small value …).

* ``ListValue`` (deque): O(1) push/pop at both ends. Redis 7.0 always
  reports ``quicklist``.
* ``HashLP`` (db/listpack.py: Redis's listpack bytes, in C) while entries
  <= hash-max-listpack-entries and every field and value <= hash-max-
  listpack-value bytes, converted to ``HashValue`` (dict, ``hashtable``)
  as Redis's hashTypeConvert does, by the commands that add to it (the
  value in the keyspace is replaced: ``Database.convert``).
* ``SetValue`` (set): ``intset`` while every member is a canonical 64-bit
  integer and size <= set-max-intset-entries, else ``hashtable``. While an
  intset, members are iterated in ascending numeric order (``ordered``),
  as Redis's sorted intset returns them.
* ``ZSetValue`` (dict member -> score, plus a SortedList of (score,
  member)): O(log n) add, remove, rank and range, Redis's order (score,
  then member bytes). ``listpack`` while entries <= zset-max-listpack-
  entries and every member <= zset-max-listpack-value bytes, else
  ``skiplist``. Like Redis's listpack, which stores an integral score as
  an integer, a listpack zset keeps -0 as 0.

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

import math
import random
from collections import deque
from typing import Any

from sortedcontainers import SortedList

from ..strconv import string2ll
from .listpack import Hash


def is_int_member(m: bytes) -> bool:
    """Would Redis store this set member in an intset (string2ll)?"""
    return string2ll(m) is not None


class _RandomPicks:
    """Random access for sets and hashes through ``pool`` (a list of the
    members or fields, see the module notes). Every pick is checked against
    the container, and a stale pool is rebuilt."""

    __slots__ = ()
    pool: list | None  # set by each container's __init__

    def random_pool(self: Any) -> list:
        p = self.pool
        if p is None or len(p) != len(self):
            p = self.pool = list(self)
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


class ListValue(deque):
    TYPE_NAME = b"list"
    __slots__ = ()

    def encoding(self, config) -> str:
        return "quicklist"

    def copy(self) -> ListValue:
        return ListValue(self)


class HashValue(_RandomPicks, dict):
    """A hash in Redis's ``hashtable`` encoding (small ones are ``HashLP``)."""

    TYPE_NAME = b"hash"
    __slots__ = ("pool",)
    big = True  # as the other dict types flag their big encoding

    def __init__(self, *a, **kw) -> None:
        super().__init__(*a, **kw)
        self.pool: list | None = None

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


def convert_hash(h: HashLP) -> HashValue:
    """hashTypeConvertListpack: the same fields and values in a hashtable."""
    return HashValue(h.items())


HASH_TYPES = (HashLP, HashValue)


class SetValue(_RandomPicks, set):
    TYPE_NAME = b"set"
    __slots__ = ("big", "pool")

    def __init__(self, *a) -> None:
        super().__init__(*a)
        self.big = False
        self.pool: list | None = None

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
        return s


class ZSetValue(_RandomPicks, dict):
    """A sorted set: ``dict`` member -> score, and ``sl``, a SortedList of
    (score, member) giving rank order."""

    TYPE_NAME = b"zset"
    __slots__ = ("big", "pool", "sl")

    def __init__(self, pairs=()) -> None:
        super().__init__()
        self.big = False
        self.pool: list | None = None
        self.sl = SortedList()
        for m, score in pairs:
            self.insert(m, score)

    def insert(self, member: bytes, score: float) -> None:
        """Set ``member``'s score (adding it when new)."""
        if score == 0.0 and not self.big:
            score = 0.0  # a listpack stores -0 as the integer 0
        old = self.get(member)
        if old is not None:
            if old == score and (old != 0.0 or math.copysign(1.0, old) == math.copysign(1.0, score)):
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

    def rank(self, member: bytes) -> int | None:
        score = self.get(member)
        if score is None:
            return None
        return self.sl.bisect_left((score, member))

    def members_by_rank(self):
        return [m for _, m in self.sl]

    def before_add(self, config, member: bytes) -> None:
        """Apply Redis's listpack -> skiplist conversion before adding the
        new ``member`` (zsetAdd converts first, then inserts)."""
        if not self.big and (
            len(self) + 1 > config.zset_max_listpack_entries or len(member) > config.zset_max_listpack_value
        ):
            self.big = True

    def fits_listpack(self, config) -> bool:
        """Would a zset built with these contents be a listpack?"""
        if len(self) > config.zset_max_listpack_entries:
            return False
        lim = config.zset_max_listpack_value
        return all(len(m) <= lim for m in self)

    def to_listpack(self) -> None:
        """Take the listpack encoding (which holds -0 as 0)."""
        self.big = False
        for score, m in list(self.sl.irange((0.0, b""), (0.0, b"\xff" * 8))):
            if score == 0.0 and math.copysign(1.0, score) < 0:
                dict.__setitem__(self, m, 0.0)
                self.sl.remove((score, m))
                self.sl.add((0.0, m))

    def encoding(self, config) -> str:
        return "skiplist" if self.big else "listpack"

    def copy(self) -> ZSetValue:
        z = ZSetValue()
        z.big = self.big
        for m, score in self.items():
            dict.__setitem__(z, m, score)
        z.sl = SortedList(self.sl)
        return z
