"""The keyspace: numbered databases of keys, their expiry times, lazy and
active expiry.

A ``Database`` maps key (bytes) -> value and key -> absolute expiry time in
unix milliseconds. Every read and write goes through its lookup functions,
which apply lazy expiry with the keyspace's current clock reading
(``Keyspace.now_ms``, taken once per command by the dispatcher; tests set a
fake ``clock``).

Expired keys are deleted through one function, ``Database.expire_key``,
which reports the deletion through ``Keyspace.on_expired`` (installed by the
server to propagate a DEL to replicas and the AOF). When
``Keyspace.is_replica`` is set, expired keys are hidden from readers but not
deleted: the primary's DEL will come.

Values: strings are ``bytes`` (or ``bytearray`` once modified in place,
which Redis would report as a ``raw`` encoding); other types are objects
from their own modules.

Imports nothing from radish outside ``db``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable


def wall_clock_ms() -> int:
    return int(time.time() * 1000)


class Keyspace:
    """All databases plus what they share: the clock, the expiry hook,
    hit/miss/expiry statistics and the replica switch."""

    def __init__(self, count: int = 16, clock: Callable[[], int] = wall_clock_ms) -> None:
        self.clock = clock
        self.now_ms = clock()
        self.is_replica = False
        self.on_expired: Callable[[Database, bytes], None] | None = None
        self.on_key_changed: Callable[[Database, bytes], None] | None = None
        self.expired_keys = 0
        self.expired_stale_perc = 0.0
        self.expired_time_cap_reached_count = 0
        self.keyspace_hits = 0
        self.keyspace_misses = 0
        self.active_expire_enabled = True
        self.dbs = [Database(i, self) for i in range(count)]

    def tick(self) -> int:
        """Take the one clock reading for the command about to run."""
        self.now_ms = now = self.clock()
        return now

    def resize(self, count: int) -> None:
        while len(self.dbs) < count:
            self.dbs.append(Database(len(self.dbs), self))

    def swap(self, a: int, b: int) -> None:
        """SWAPDB: exchange contents; Database objects keep their ids."""
        da, db = self.dbs[a], self.dbs[b]
        da.data, db.data = db.data, da.data
        da.expires, db.expires = db.expires, da.expires
        da.version += 1
        db.version += 1

    def flushall(self) -> int:
        removed = 0
        for d in self.dbs:
            removed += d.flush()
        return removed

    def total_keys(self) -> int:
        return sum(len(d.data) for d in self.dbs)


class Database:
    __slots__ = (
        "id", "ks", "data", "expires", "version", "avg_ttl", "_expire_cursor", "_expire_snapshot",
    )

    def __init__(self, dbid: int, ks: Keyspace) -> None:
        self.id = dbid
        self.ks = ks
        self.data: dict[bytes, object] = {}
        self.expires: dict[bytes, int] = {}
        self.version = 0  # bumped on flush/swap (WATCH and SCAN use it)
        self.avg_ttl = 0
        self._expire_cursor = 0
        self._expire_snapshot: list[bytes] | None = None

    def __len__(self) -> int:
        return len(self.data)

    # -- expiry ------------------------------------------------------------

    def is_expired(self, key: bytes) -> bool:
        when = self.expires.get(key)
        return when is not None and when <= self.ks.now_ms

    def expire_key(self, key: bytes) -> None:
        """Delete ``key`` because its time has come; the one place expiry
        deletes, so replicas and the AOF hear of every one."""
        del self.data[key]
        del self.expires[key]
        ks = self.ks
        ks.expired_keys += 1
        if ks.on_expired is not None:
            ks.on_expired(self, key)

    def _expire_if_needed(self, key: bytes) -> bool:
        """True when ``key`` is logically gone (deleted here unless we are a
        replica, which only hides it)."""
        when = self.expires.get(key)
        if when is None or when > self.ks.now_ms:
            return False
        if not self.ks.is_replica:
            self.expire_key(key)
        return True

    # -- lookups -----------------------------------------------------------

    def lookup_read(self, key: bytes):
        """Value of ``key`` for a read command (counts a hit or miss)."""
        v = self.data.get(key)
        if v is not None and self.expires and key in self.expires and self._expire_if_needed(key):
            v = None
        if v is None:
            self.ks.keyspace_misses += 1
        else:
            self.ks.keyspace_hits += 1
        return v

    def lookup_write(self, key: bytes):
        """Value of ``key`` for a write command (expired keys are deleted
        first, even on a replica, as the write comes from the primary)."""
        v = self.data.get(key)
        if v is not None and self.expires and key in self.expires:
            when = self.expires[key]
            if when <= self.ks.now_ms:
                if self.ks.is_replica:
                    # A replica applying its primary's stream: the key is
                    # logically gone but only the primary's DEL removes it.
                    return None
                self.expire_key(key)
                return None
        return v

    def peek(self, key: bytes):
        """Value without touching statistics or expiring (still hides
        expired keys)."""
        v = self.data.get(key)
        if v is not None and self.expires and key in self.expires and self.is_expired(key):
            return None
        return v

    def exists(self, key: bytes) -> bool:
        if key not in self.data:
            return False
        if self.expires and key in self.expires and self._expire_if_needed(key):
            return False
        return True

    # -- writes ------------------------------------------------------------

    def signal_modified(self, key: bytes) -> None:
        """A write command changed ``key``: wakes clients blocked on it,
        invalidates WATCH, and later feeds keyspace notifications (through
        the hook the server installs)."""
        hook = self.ks.on_key_changed
        if hook is not None:
            hook(self, key)

    def set(self, key: bytes, value, keep_ttl: bool = False) -> None:
        """Store ``value``; clears any TTL unless keep_ttl."""
        self.data[key] = value
        if not keep_ttl and self.expires:
            self.expires.pop(key, None)

    def add(self, key: bytes, value) -> None:
        self.data[key] = value

    def delete(self, key: bytes) -> bool:
        """Remove a key that may or may not exist; True if it was there
        (and not expired)."""
        if key not in self.data:
            return False
        expired = self.is_expired(key)
        del self.data[key]
        if self.expires:
            self.expires.pop(key, None)
        return not expired

    def set_expire(self, key: bytes, when_ms: int) -> None:
        self.expires[key] = when_ms

    def get_expire(self, key: bytes) -> int | None:
        return self.expires.get(key)

    def persist(self, key: bytes) -> bool:
        return self.expires.pop(key, None) is not None

    def flush(self) -> int:
        n = len(self.data)
        self.data = {}
        self.expires = {}
        self.version += 1
        return n

    def idle_seconds(self, key: bytes) -> int:
        """OBJECT IDLETIME. Access times are not tracked yet (see the
        keyspace issue notes); every key reports 0."""
        return 0

    def access_freq(self, key: bytes) -> int:
        """OBJECT FREQ under an LFU policy. Not tracked yet; reports 0."""
        return 0

    # -- iteration -----------------------------------------------------------

    def keys_live(self):
        """Keys that are not expired (snapshot list)."""
        if not self.expires:
            return list(self.data)
        now = self.ks.now_ms
        exp = self.expires
        return [k for k in self.data if (k not in exp or exp[k] > now)]

    def random_key(self) -> bytes | None:
        """A random live key (expired ones met on the way are expired, and
        on a replica, skipped, as Redis's dbRandomKey)."""
        tries = 0
        while self.data:
            if len(self.data) < 64:
                key = random.choice(list(self.data))
            else:
                key = _random_dict_key(self.data)
            if self.expires and key in self.expires and self.is_expired(key):
                if self.ks.is_replica:
                    tries += 1
                    if tries > 100:
                        return key
                    continue
                self.expire_key(key)
                continue
            return key
        return None

    # -- active expiry ------------------------------------------------------

    def active_expire_step(self, sample: int = 20) -> tuple[int, int]:
        """Check up to ``sample`` keys with a TTL; delete expired ones.
        Returns (sampled, expired)."""
        exp = self.expires
        if not exp:
            return 0, 0
        now = self.ks.now_ms
        keys = _sample_keys(exp, sample, self)
        sample = len(keys)
        expired = 0
        for k in keys:
            when = exp.get(k)
            if when is not None and when <= now:
                self.expire_key(k)
                expired += 1
        return sample, expired


def _random_dict_key(d: dict):
    # Sampling a dict at random in O(1) is impossible in CPython; pick a
    # random position in an iterator bounded to a small window.
    n = len(d)
    i = random.randrange(n)
    if i < 64:
        it = iter(d)
        for _ in range(i):
            next(it)
        return next(it)
    return random.choice(list(d))


def _sample_keys(exp: dict, sample: int, db: Database) -> list:
    """The next ``sample`` keys of a rolling walk over the expires dict,
    like Redis's expire cursor: a snapshot list of the keys is walked and
    rebuilt when exhausted, so each sampled key costs O(1) amortised. Keys
    deleted since the snapshot are skipped by the caller; keys added since
    are seen after the next rebuild."""
    snap = db._expire_snapshot
    cur = db._expire_cursor
    if snap is None or cur >= len(snap):
        snap = db._expire_snapshot = list(exp)
        cur = 0
    out = snap[cur : cur + sample]
    db._expire_cursor = cur + len(out)
    return out
