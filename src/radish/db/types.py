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
* ``HashValue`` (dict): ``listpack`` while entries <= hash-max-listpack-
  entries and every field and value <= hash-max-listpack-value bytes, else
  ``hashtable``.
* ``SetValue`` (set): ``intset`` while every member is a canonical 64-bit
  integer and size <= set-max-intset-entries, else ``hashtable``.

Imports nothing from radish outside ``db``.
"""

from __future__ import annotations

from collections import deque


def is_int_member(m: bytes) -> bool:
    """Would Redis store this set member in an intset (string2ll)?"""
    n = len(m)
    if n == 0 or n > 20:
        return False
    if m.isdigit():
        if m[0] == 48 and n > 1:
            return False
        return int(m) <= 2**63 - 1
    if n > 1 and m[0] == 45 and m[1] != 48 and m[1:].isdigit():
        return int(m) >= -(2**63)
    return False


class ListValue(deque):
    TYPE_NAME = b"list"
    __slots__ = ()

    def encoding(self, config) -> str:
        return "quicklist"

    def copy(self) -> ListValue:
        return ListValue(self)


class HashValue(dict):
    TYPE_NAME = b"hash"
    __slots__ = ("big",)

    def __init__(self, *a, **kw) -> None:
        super().__init__(*a, **kw)
        self.big = False

    def update_encoding(self, config, field: bytes | None = None, value: bytes | None = None) -> None:
        """Call after adding entries; flips to hashtable when a limit is passed."""
        if self.big:
            return
        if len(self) > config.hash_max_listpack_entries:
            self.big = True
            return
        lim = config.hash_max_listpack_value
        if field is not None:
            if len(field) > lim or (value is not None and len(value) > lim):
                self.big = True
            return
        for k, v in self.items():
            if len(k) > lim or len(v) > lim:
                self.big = True
                return

    def encoding(self, config) -> str:
        if not self.big:
            self.update_encoding(config)
        return "hashtable" if self.big else "listpack"

    def copy(self) -> HashValue:
        h = HashValue(self)
        h.big = self.big
        return h


class SetValue(set):
    TYPE_NAME = b"set"
    __slots__ = ("big",)

    def __init__(self, *a) -> None:
        super().__init__(*a)
        self.big = False

    def update_encoding(self, config, member: bytes | None = None) -> None:
        if self.big:
            return
        if len(self) > config.set_max_intset_entries:
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
