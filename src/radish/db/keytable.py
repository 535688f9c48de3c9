"""A database's table of keys: key -> value, with each key's expiry time
and access stamp beside it.

``KeyTable`` is what ``Database.data`` holds. It is a mapping of bytes keys
to values (get, [], in, pop, del, len, iteration, keys, values, items,
update, clear, popitem) with two views of per-key fields:

* ``table.expires``: key -> absolute expiry time (unix ms), only the keys
  that have one;
* ``table.lru``: key -> access stamp (the LRU clock's second, or the LFU
  word; 0 .. 2**32-1).

Setting a field for a key that is not in the table is a KeyError, and
removing a key from the table removes its fields, so the three can never
disagree. ``random_keys(n)`` (on the table and on ``expires``) picks keys
for eviction and RANDOMKEY, and ``expires.scan(cursor, count, max_visit)``
walks the keys with a TTL for active expiry, neither making a list of
every key.

``KeyTable`` is the C table of ``db/_keytable.c`` when it is built (one
40-byte entry a key and the key's bytes in an arena: see that file for
why), else ``PyKeyTable`` below: a dict beside two dicts, its pure-Python
twin (``RADISH_NO_EXTENSIONS=1`` selects it; tests/unit/test_keytable_twin.py
holds the two to the same answers). In cluster mode the table must also
index keys by hash slot, so databases use ``SlotKeyTable``, the twin's
behaviour on top of ``SlotDict``.

Imports nothing from radish but ``db`` and the NO_EXTENSIONS switch.
"""

from __future__ import annotations

import operator
import random
import re
import time
import weakref
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .. import NO_EXTENSIONS
from .slots import SlotDict

_MISSING: Any = object()
SMALL = 64  # a table this small is sampled from a fresh list of its keys
SNAPSHOT_MAX_AGE = 2.0  # seconds a sampling snapshot of a big table lives
STAMP_LIMIT = 1 << 32
LLONG_MIN, LLONG_MAX = -(1 << 63), (1 << 63) - 1
_STRING2LL = re.compile(rb"0|-?[1-9][0-9]{0,19}")  # Redis's string2ll, less the range
HAS_TTL: Any = object()  # get_touch's answer for a key with a TTL (callers pass it)
EXPIRE_MIN, EXPIRE_LIMIT = -(1 << 63), 1 << 63


class _Sampler:
    """Random keys of a big dict from a snapshot list of its keys,
    rebuilt when it is old, when the dict's size drifted by a quarter, or
    when picks keep landing on deleted keys (O(1) amortised a pick)."""

    __slots__ = ("keys", "built")

    def __init__(self) -> None:
        self.keys: list[bytes] | None = None
        self.built = 0.0

    def pick(self, source: dict, n: int) -> list[bytes]:
        size = len(source)
        if size == 0 or n <= 0:
            return []
        if size <= SMALL:
            few = list(source)
            return [few[int(random.random() * size)] for _ in range(n)]
        now = time.monotonic()
        snap = self.keys
        if snap is None or now - self.built > SNAPSHOT_MAX_AGE or abs(len(snap) - size) * 4 > len(snap):
            snap = self.keys = list(source)
            self.built = now
        keys: list[bytes] = snap
        rnd = random.random
        out: list[bytes] = []
        for attempt in range(2):
            m = len(keys)
            for _ in range(n * 4):
                k = keys[int(rnd() * m)]
                if k in source:
                    out.append(k)
                    if len(out) == n:
                        return out
            if attempt == 0:  # mostly deleted keys: a new snapshot
                keys = self.keys = list(source)
                self.built = now
        return out


class _Field(dict):
    """``expires`` or ``lru`` of a PyKeyTable: a dict of the keys that
    have the field. It holds its table by a weak proxy: a strong reference
    would make a cycle, and a table dropped by FLUSHALL (with all its
    values) would stay allocated until the cyclic collector next ran."""

    __slots__ = ("table", "limit_lo", "limit_hi", "_sampler", "_scan")

    def __init__(self, table: dict, limit_lo: int, limit_hi: int) -> None:
        dict.__init__(self)
        self.table = weakref.proxy(table)
        self.limit_lo = limit_lo
        self.limit_hi = limit_hi
        self._sampler = _Sampler()
        self._scan: list[bytes] | None = None

    def __setitem__(self, key: bytes, value: int) -> None:
        value = operator.index(value)
        if not self.limit_lo <= value < self.limit_hi:
            raise OverflowError("field value out of range")
        if key not in self.table:
            raise KeyError(key)
        dict.__setitem__(self, key, value)

    def setdefault(self, key: bytes, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return dict.__getitem__(self, key)

    def update(self, other: Any = (), **kw: Any) -> None:  # type: ignore[override]
        for k, v in dict(other).items():
            self[k] = v

    def fill(self, stamp: int) -> None:
        """Stamp every key of the table (a freshly loaded database);
        access stamps only."""
        if self.limit_lo != 0:
            raise TypeError("fill is for access stamps")
        stamp = operator.index(stamp)
        if not self.limit_lo <= stamp < self.limit_hi:
            raise OverflowError("field value out of range")
        dict.update(self, dict.fromkeys(self.table, stamp))

    def keys(self) -> list[bytes]:  # type: ignore[override]
        return list(dict.keys(self))

    def items(self) -> list[tuple[bytes, int]]:  # type: ignore[override]
        return list(dict.items(self))

    def random_keys(self, n: int) -> list[bytes]:
        return self._sampler.pick(self, n)

    def scan(self, cursor: int, count: int, max_visit: int) -> tuple[int, list[tuple[bytes, int]]]:
        """The next keys with the field from ``cursor`` on (a snapshot of
        the keys taken at cursor 0); the cursor is 0 again after the last."""
        snap = self._scan
        if cursor <= 0 or snap is None:
            snap = self._scan = list(self)
            cursor = 0
        out: list[tuple[bytes, int]] = []
        seen = 0
        m = len(snap)
        while cursor < m and len(out) < count and seen < max_visit:
            k = snap[cursor]
            cursor += 1
            seen += 1
            v = dict.get(self, k)
            if v is not None:
                out.append((k, v))
        if cursor >= m:
            cursor = 0
            self._scan = None
        return cursor, out


class _TableMixin:
    """The table's behaviour over a dict (or SlotDict): removing a key
    removes its fields."""

    __slots__ = ()
    expires: _Field
    lru: _Field
    _sampler: _Sampler

    def _fields(self) -> None:
        table: Any = self
        table.expires = _Field(table, EXPIRE_MIN, EXPIRE_LIMIT)
        table.lru = _Field(table, 0, STAMP_LIMIT)
        table._sampler = _Sampler()

    def pop(self, key: bytes, default: Any = _MISSING) -> Any:
        if default is _MISSING:
            v = super().pop(key)  # type: ignore[misc]
        else:
            v = super().pop(key, _MISSING)  # type: ignore[misc]
            if v is _MISSING:
                return default
        dict.pop(self.expires, key, None)
        dict.pop(self.lru, key, None)
        return v

    def __delitem__(self, key: bytes) -> None:
        super().__delitem__(key)  # type: ignore[misc]
        dict.pop(self.expires, key, None)
        dict.pop(self.lru, key, None)

    def popitem(self) -> tuple[bytes, Any]:
        k, v = super().popitem()  # type: ignore[misc]
        dict.pop(self.expires, k, None)
        dict.pop(self.lru, k, None)
        return k, v

    def clear(self) -> None:
        super().clear()  # type: ignore[misc]
        dict.clear(self.expires)
        dict.clear(self.lru)

    def random_keys(self, n: int) -> list[bytes]:
        return self._sampler.pick(self, n)  # type: ignore[arg-type]

    def get_touch(self, key: bytes, stamp: int, has_ttl: Any = None) -> Any:
        """The value of a key without a TTL, its access stamp set; None
        when the key is missing, ``has_ttl`` when it has a TTL."""
        if not 0 <= stamp < STAMP_LIMIT:
            raise OverflowError("field value out of range")
        v = dict.get(self, key)  # type: ignore[call-overload]
        if v is None:
            return None
        if key in self.expires:
            return has_ttl
        dict.__setitem__(self.lru, key, stamp)
        return v

    def set_touch(self, key: bytes, value: Any, stamp: int) -> bool:
        """Store ``value`` at a key that is missing or has no TTL, with the
        access stamp: True; False (nothing changed) when it has a TTL."""
        if not 0 <= stamp < STAMP_LIMIT:
            raise OverflowError("field value out of range")
        if key in self.expires:
            return False
        self[key] = value  # type: ignore[index]
        dict.__setitem__(self.lru, key, stamp)
        return True

    def incr_touch(self, key: bytes, delta: int, stamp: int, other: Any) -> Any:
        """INCRBY's common case: a missing key, or one without a TTL
        holding an integer (Redis's string2ll) as bytes, gets the sum
        stored as bytes with the access stamp; the sum. Anything else (a
        TTL, another type, not an integer, an overflow): ``other``, nothing
        changed."""
        if not LLONG_MIN <= delta <= LLONG_MAX:
            raise OverflowError("delta out of range")
        if not 0 <= stamp < STAMP_LIMIT:
            raise OverflowError("field value out of range")
        v = dict.get(self, key)  # type: ignore[call-overload]
        cur = 0
        if v is not None:
            if key in self.expires or type(v) is not bytes or not _STRING2LL.fullmatch(v):
                return other
            cur = int(v)
            if not LLONG_MIN <= cur <= LLONG_MAX:
                return other
        new = cur + delta
        if not LLONG_MIN <= new <= LLONG_MAX:
            return other
        self[key] = b"%d" % new  # type: ignore[index]
        dict.__setitem__(self.lru, key, stamp)
        return new

    def set_pairs_touch(self, args: list, start: int, stamp: int) -> int:
        """``set_touch`` for each (key, value) of ``args`` from ``start``
        on (MSET), stopping at the first key with a TTL; the position
        reached (``len(args)`` when all were stored)."""
        if not 0 <= stamp < STAMP_LIMIT:
            raise OverflowError("field value out of range")
        i = max(start, 0)
        n = len(args)
        expires = self.expires
        while i + 1 < n:
            key = args[i]
            if key in expires:
                break
            self[key] = args[i + 1]  # type: ignore[index]
            dict.__setitem__(self.lru, key, stamp)
            i += 2
        return i


class PyKeyTable(_TableMixin, dict):
    """The pure-Python KeyTable: a dict with its two field dicts."""

    __slots__ = ("expires", "lru", "_sampler", "__weakref__")

    def __init__(self, *args: Any) -> None:
        dict.__init__(self, *args)
        self._fields()


class SlotKeyTable(_TableMixin, SlotDict):
    """The KeyTable of cluster mode: a SlotDict with the two field dicts."""

    __slots__ = ("expires", "lru", "_sampler", "__weakref__")

    def __init__(self, *args: Any) -> None:
        SlotDict.__init__(self, *args)
        self._fields()


_keytable: ModuleType | None
try:  # built by setup.py when a C compiler is available
    from . import _keytable
except ImportError:  # pragma: no cover - installs without a compiler
    _keytable = None

if TYPE_CHECKING or _keytable is None or NO_EXTENSIONS:
    KeyTable: Any = PyKeyTable
else:
    KeyTable = _keytable.KeyTable


def new_table(slot_index: bool, contents: Any = None) -> Any:
    """An empty table (or one holding ``contents``, a mapping or a table
    whose fields come along): a SlotKeyTable in cluster mode."""
    cls = SlotKeyTable if slot_index else KeyTable
    if contents is None:
        return cls()
    t = cls(contents if isinstance(contents, dict) else contents.items())
    expires = getattr(contents, "expires", None)
    if expires is not None:
        t.expires.update(dict(expires.items()))
        t.lru.update(dict(contents.lru.items()))
    return t
