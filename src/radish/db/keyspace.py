"""The keyspace: numbered databases of keys, their expiry times, access
tracking (LRU/LFU), lazy and active expiry.

A ``Database`` maps key (bytes) -> value, key -> absolute expiry time in
unix milliseconds, and key -> access stamp (see below). Every read and write
goes through its lookup functions, which apply lazy expiry with the
keyspace's current clock reading (``Keyspace.now_ms``, taken once per
command by the dispatcher; tests set a fake ``clock``).

Rules for callers (command modules of every type):

* read commands use ``lookup_read`` (counts a keyspace hit or miss and
  records an access, like Redis's lookupKeyRead); introspection that must
  not count as an access (TYPE, EXISTS, TTL, OBJECT) uses
  ``lookup_read_notouch``; write commands use ``lookup_write``;
* keys are created or replaced with ``set`` / ``add`` and removed with
  ``delete`` (or ``rename_key`` / ``move_key``), never by writing
  ``data`` directly, so expiry times and access stamps stay in step.
  (Hot paths in commands/strings.py inline these with the same effect.)

Expired keys are deleted through one function, ``Database.expire_key``,
which reports the deletion through ``Keyspace.on_expired`` (installed by the
server to propagate a DEL to replicas and the AOF) and signals the key as
modified (WATCH, blocked clients). When ``Keyspace.is_replica`` is set,
expired keys are hidden from readers but not deleted: the primary's DEL will
come.

Access stamps (OBJECT IDLETIME / OBJECT FREQ, and later eviction) are kept
as Redis keeps ``robj->lru``: one integer per key in ``Database.lru``.
Without an LFU maxmemory-policy it is the unix time in ms of the last access,
rounded down to the second (``Keyspace.lru_now``: one int object shared by
the keys stamped in that second; a dict store per access, nothing else); with one it is Redis's LFU word,
``(minutes & 0xFFFF) << 8 | counter``, with the logarithmic increment and
the time decay of Redis's evict.c (``lfu-log-factor``, ``lfu-decay-time``).
As in Redis, switching policy at runtime reinterprets old stamps until keys
are accessed again.

Deleted values are freed at once, or handed to the lazy freer
(``Keyspace.lazyfree``, see lazyfree.py) when the deletion is lazy: UNLINK
and FLUSHALL/FLUSHDB ASYNC always, the others as the ``lazyfree-lazy-*``
switches say (``lazy_user_del`` for DEL, ``lazy_expire``, ``lazy_eviction``,
and ``lazy_server_del`` for every implicit deletion: ``delete`` without an
explicit choice, and the old value an overwrite replaces).

Values: strings are ``bytes`` (or ``bytearray`` once modified in place,
which Redis would report as a ``raw`` encoding); other types are objects
from their own modules.

Imports nothing from radish outside ``db``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from .keytable import HAS_TTL, KeyTable, new_table
from .lazyfree import LazyFree
from .notify import NOTIFY_EVICTED, NOTIFY_EXPIRED, NOTIFY_KEY_MISS, NOTIFY_NEW
from .scan import ScanCursors

LFU_INIT_VAL = 5  # counter of a freshly created key (Redis's LFU_INIT_VAL)


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class Keyspace:
    """All databases plus what they share: the clock, the expiry hook,
    hit/miss/expiry statistics, the access-tracking mode and the replica
    switch."""

    def __init__(self, count: int = 16, clock: Callable[[], int] = wall_clock_ms) -> None:
        self.clock = clock
        self.now_ms = clock()
        # Cluster mode: databases keep their keys in SlotDicts, which index
        # the keys of each hash slot (enable_slot_index); off, plain dicts.
        self.slot_index = False
        # The access stamp of the current second: the LRU clock (unix
        # seconds; Redis's has a resolution of a second, too).
        self.lru_now = self.now_ms // 1000
        self.applying_primary = False
        self.expire_now = self.now_ms
        self.is_replica = False
        # replica-read-only: a writable replica's write commands delete the
        # expired keys they find (Redis's LOOKUP_WRITE forcing the delete).
        self.replica_read_only = True
        # CLIENT PAUSE: expired keys are hidden but not deleted until it ends.
        self.expiry_paused = False
        self.expiring = False  # inside expire_key's hooks
        self.on_expired: Callable[[Database, bytes], None] | None = None
        self.on_evicted: Callable[[Database, bytes], None] | None = None
        # A writable replica's own keys with a TTL ((dbid, key)): expired by
        # the replica itself (Redis's slaveKeysWithExpire), unlike the
        # primary's keys, whose DEL comes from the primary.
        self.replica_ttl_keys: dict[tuple[int, bytes], None] = {}
        self.on_key_changed: Callable[[Database, bytes], None] | None = None
        # (emptied, replaced_with): a database's contents are about to go,
        # by a flush (replaced_with None) or SWAPDB (the other database, not
        # yet swapped); Redis's signalFlushedDb / dbSwapDatabases look at
        # both before the change (WATCH, blocked XREADGROUPs).
        self.on_emptying: Callable[[Database, Database | None], None] | None = None
        # Keyspace notifications: the enabled classes (notify-keyspace-events)
        # and the server's publisher, on_event(type, event, key, dbid).
        self.notify_flags = 0
        self.on_event: Callable[[int, bytes, bytes, int], None] | None = None
        self.expired_keys = 0
        self.expired_stale_perc = 0.0
        self.expired_time_cap_reached_count = 0
        self.keyspace_hits = 0
        self.keyspace_misses = 0
        self.active_expire_enabled = True
        # Access tracking: LRU stamps unless an LFU maxmemory-policy is set.
        self.lfu_mode = False
        self.lfu_log_factor = 10
        self.lfu_decay_time = 1
        self.dbs = [Database(i, self) for i in range(count)]
        self.scan_cursors = ScanCursors()  # SCAN/HSCAN/SSCAN/ZSCAN over hash tables
        # Lazy freeing (lazyfree-lazy-user-del, -expire, -eviction, -server-del).
        self.lazyfree = LazyFree()
        self.lazy_user_del = False
        self.lazy_expire = False
        self.lazy_eviction = False
        self.lazy_server_del = False

    def enable_slot_index(self) -> None:
        """Cluster mode: from now on every database indexes its keys by
        hash slot (CLUSTER COUNTKEYSINSLOT / GETKEYSINSLOT)."""
        if self.slot_index:
            return
        self.slot_index = True
        for d in self.dbs:
            d._take(new_table(True, d.data))

    def tick(self, wall_ms: int | None = None) -> int:
        """Take the one clock reading for the command about to run
        (``wall_ms``: the caller's reading of the real clock, used unless a
        test installed its own clock)."""
        if wall_ms is None or self.clock is not wall_clock_ms:
            wall_ms = self.clock()
        self.now_ms = wall_ms
        if wall_ms // 1000 != self.lru_now:
            self.lru_now = wall_ms // 1000
        # Expiry decisions use expire_now: the clock, except while a replica
        # applies its primary's stream, for which no key is expired (Redis's
        # expireIfNeeded returns "alive" to the master client): the
        # primary's own DEL is what removes a key.
        self.expire_now = -1 if self.applying_primary else wall_ms
        return wall_ms

    def configure_eviction(
        self, policy: str, lfu_log_factor: int | None = None, lfu_decay_time: int | None = None
    ) -> None:
        """Follow the maxmemory-policy (LFU policies switch the access
        stamps to LFU counters), lfu-log-factor and lfu-decay-time."""
        self.lfu_mode = "lfu" in str(policy)
        if lfu_log_factor is not None:
            self.lfu_log_factor = int(lfu_log_factor)
        if lfu_decay_time is not None:
            self.lfu_decay_time = int(lfu_decay_time)

    def lfu_minutes(self) -> int:
        """Redis's LFUGetTimeInMinutes: 16 bits of unix minutes."""
        return (self.now_ms // 60000) & 0xFFFF

    def expire_replica_keys(self) -> int:
        """expireSlaveKeys: delete the replica's own keys whose TTL passed
        (their DEL goes to this replica's AOF only); forget the keys that
        are gone or lost their TTL. Returns how many expired."""
        tracked = self.replica_ttl_keys
        if not tracked or not self.is_replica:
            return 0
        now = self.now_ms
        expired = 0
        for dbid, key in list(tracked):
            if dbid >= len(self.dbs):
                del tracked[(dbid, key)]
                continue
            db = self.dbs[dbid]
            when = db.expires.get(key)
            if when is None:
                del tracked[(dbid, key)]
            elif when <= now:
                db.expire_key(key)
                del tracked[(dbid, key)]
                expired += 1
        return expired

    def resize(self, count: int) -> None:
        while len(self.dbs) < count:
            self.dbs.append(Database(len(self.dbs), self))

    def swap(self, a: int, b: int) -> None:
        """SWAPDB: exchange contents; Database objects keep their ids."""
        da, db = self.dbs[a], self.dbs[b]
        if self.on_emptying is not None:
            self.on_emptying(da, db)
            self.on_emptying(db, da)
        da.data, db.data = db.data, da.data
        da.expires, db.expires = db.expires, da.expires
        da.lru, db.lru = db.lru, da.lru
        da.avg_ttl, db.avg_ttl = db.avg_ttl, da.avg_ttl
        for d in (da, db):
            d.version += 1
            d._forget_snapshots()

    def flushall(self, lazy: bool = False) -> int:
        """Empty every database (``lazy``: EMPTYDB_ASYNC, each one's dicts
        queued for the lazy freer); the number of keys removed."""
        removed = 0
        for d in self.dbs:
            removed += d.flush(lazy)
        return removed

    def total_keys(self) -> int:
        return sum(len(d.data) for d in self.dbs)


class Database:
    __slots__ = (
        "id", "ks", "data", "expires", "lru", "version", "avg_ttl",
        "_expire_cursor",
    )

    def __init__(self, dbid: int, ks: Keyspace) -> None:
        self.id = dbid
        self.ks = ks
        self._take(new_table(ks.slot_index))
        self.version = 0  # bumped on flush/swap (WATCH and SCAN use it)
        self.avg_ttl = 0
        self._expire_cursor = 0

    def __len__(self) -> int:
        return len(self.data)

    def _take(self, table) -> None:
        """Keep the keys in ``table`` (a KeyTable, see keytable.py):
        ``data`` is key -> value, ``expires`` and ``lru`` are its views of
        the keys' expiry times and access stamps."""
        self.data = table
        self.expires = table.expires
        self.lru = table.lru

    def _forget_snapshots(self) -> None:
        self._expire_cursor = 0

    # -- expiry ------------------------------------------------------------

    def is_expired(self, key: bytes) -> bool:
        when = self.expires.get(key)
        return when is not None and when <= self.ks.expire_now

    def expire_key(self, key: bytes) -> None:
        """Delete ``key`` because its time has come; the one place expiry
        deletes, so replicas and the AOF hear of every one."""
        v = self.data.pop(key)  # its expiry time and access stamp go with it
        ks = self.ks
        ks.expired_keys += 1
        ks.expiring = True  # the change is expiry's, not the running client's (tracking's NOLOOP)
        if ks.notify_flags & NOTIFY_EXPIRED:
            self.notify(NOTIFY_EXPIRED, b"expired", key)
        if ks.on_expired is not None:
            ks.on_expired(self, key)
        if ks.on_key_changed is not None:
            ks.on_key_changed(self, key)
        ks.expiring = False
        if ks.lazy_expire:
            ks.lazyfree.free_object(v)

    def convert(self, key: bytes, value):
        """Store ``value`` (the same data in another encoding) at ``key``:
        Redis converts the object in place, so the expiry, the access
        stamp and WATCH are untouched; returns ``value``."""
        self.data[key] = value
        return value

    def evict_key(self, key: bytes) -> None:
        """Delete ``key`` to free memory (maxmemory): the one place
        eviction deletes. Like expire_key, it reports the deletion through
        ``Keyspace.on_evicted`` (propagation, INFO's evicted_keys) and
        signals the key as modified; the event is ``evicted``."""
        v = self.data.pop(key)
        ks = self.ks
        if ks.on_key_changed is not None:
            ks.on_key_changed(self, key)
        if ks.notify_flags & NOTIFY_EVICTED:
            self.notify(NOTIFY_EVICTED, b"evicted", key)
        if ks.on_evicted is not None:
            ks.on_evicted(self, key)
        if ks.lazy_eviction:
            ks.lazyfree.free_object(v)

    def _expire_if_needed(self, key: bytes) -> bool:
        """True when ``key`` is logically gone (deleted here unless we are a
        replica, which only hides it)."""
        when = self.expires.get(key)
        if when is None or when > self.ks.expire_now:
            return False
        if not self.ks.is_replica and not self.ks.expiry_paused:
            self.expire_key(key)
        return True

    # -- access tracking -----------------------------------------------------

    def touch(self, key: bytes) -> None:
        """Record an access to an existing key (Redis's lookupKey without
        LOOKUP_NOTOUCH): LRU time, or LFU counter increment."""
        ks = self.ks
        if ks.lfu_mode:
            self._lfu_touch(key)
        else:
            self.lru[key] = ks.lru_now

    def _lfu_touch(self, key: bytes) -> None:
        ks = self.ks
        stamp = self.lru.get(key)
        counter = LFU_INIT_VAL if stamp is None else lfu_decr_and_return(stamp, ks)
        if counter < 255:
            baseval = counter - LFU_INIT_VAL
            if baseval < 0:
                baseval = 0
            if random.random() < 1.0 / (baseval * ks.lfu_log_factor + 1):
                counter += 1
        self.lru[key] = (ks.lfu_minutes() << 8) | counter

    def stamp_new(self, key: bytes) -> None:
        """A new value object was stored at ``key`` (Redis's createObject
        sets its lru field). Under LFU an overwritten key keeps its counter
        (dbSetValue copies it)."""
        ks = self.ks
        if not ks.lfu_mode:
            self.lru[key] = ks.lru_now
        elif key not in self.lru:
            self.lru[key] = (ks.lfu_minutes() << 8) | LFU_INIT_VAL

    def idle_seconds(self, key: bytes) -> int:
        """OBJECT IDLETIME: whole seconds since the last access (the LRU
        clock has one-second resolution, as in Redis)."""
        stamp = self.lru.get(key)
        if stamp is None:
            return 0
        idle = self.ks.now_ms // 1000 - stamp
        return idle if idle > 0 else 0

    def access_freq(self, key: bytes) -> int:
        """OBJECT FREQ: the LFU counter after time decay (not stored)."""
        stamp = self.lru.get(key)
        if stamp is None:
            return LFU_INIT_VAL
        return lfu_decr_and_return(stamp, self.ks)

    # -- lookups -----------------------------------------------------------

    def lookup_read(self, key: bytes):
        """Value of ``key`` for a read command: counts a hit or miss and
        records the access."""
        ks = self.ks
        if not ks.lfu_mode:
            # A key without a TTL: found and stamped in one table lookup.
            v = self.data.get_touch(key, ks.lru_now, HAS_TTL)
            if v is not HAS_TTL:
                if v is None:
                    return self.missed(key)
                ks.keyspace_hits += 1
                return v
        v = self.data.get(key)
        if v is None:
            return self.missed(key)
        if self.expires and key in self.expires and self._expire_if_needed(key):
            return self.missed(key)
        ks.keyspace_hits += 1
        if ks.lfu_mode:
            self._lfu_touch(key)
        else:
            self.lru[key] = ks.lru_now
        return v

    def missed(self, key: bytes) -> None:
        """A read lookup found nothing: counts the miss and publishes
        ``keymiss``; returns None (the lookup's answer)."""
        ks = self.ks
        ks.keyspace_misses += 1
        if ks.notify_flags & NOTIFY_KEY_MISS:
            self.notify(NOTIFY_KEY_MISS, b"keymiss", key)
        return None

    def lookup_read_notouch(self, key: bytes):
        """Like ``lookup_read`` but not an access (LOOKUP_NOTOUCH: TYPE,
        EXISTS, TTL, OBJECT …); still counts the hit or miss and expires."""
        v = self.data.get(key)
        if v is not None and self.expires and key in self.expires and self._expire_if_needed(key):
            v = None
        if v is None:
            self.ks.keyspace_misses += 1
            if self.ks.notify_flags & NOTIFY_KEY_MISS:
                self.notify(NOTIFY_KEY_MISS, b"keymiss", key)
        else:
            self.ks.keyspace_hits += 1
        return v

    def lookup_object(self, key: bytes):
        """OBJECT's lookup (LOOKUP_NOTOUCH|LOOKUP_NONOTIFY): like
        ``lookup_read_notouch`` but a miss publishes no ``keymiss``."""
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
        first; a replica applying its primary's stream only hides them).
        Records the access; no hit/miss statistics."""
        ks = self.ks
        if not ks.lfu_mode:
            # A key without a TTL: found and stamped in one table lookup.
            v = self.data.get_touch(key, ks.lru_now, HAS_TTL)
            if v is not HAS_TTL:
                return v
        v = self.data.get(key)
        if v is None:
            return None
        if self.expires and key in self.expires:
            when = self.expires[key]
            if when <= ks.expire_now:
                if ks.expiry_paused or ks.is_replica and ks.replica_read_only:
                    # The key is logically gone but only the primary's DEL
                    # (or the end of a pause) removes it. A writable
                    # replica's write deletes it, as Redis 7.0's lookupKey.
                    return None
                self.expire_key(key)
                return None
        if ks.lfu_mode:
            self._lfu_touch(key)
        else:
            self.lru[key] = ks.lru_now
        return v

    def peek(self, key: bytes):
        """Value without touching statistics, access time or expiring
        (still hides expired keys)."""
        v = self.data.get(key)
        if v is not None and self.expires and key in self.expires and self.is_expired(key):
            return None
        return v

    def exists(self, key: bytes) -> bool:
        """Whether ``key`` is live (expires it lazily); no statistics."""
        if key not in self.data:
            return False
        if self.expires and key in self.expires and self._expire_if_needed(key):
            return False
        return True

    # -- writes ------------------------------------------------------------

    def notify(self, type_: int, event: bytes, key: bytes) -> None:
        """notifyKeyspaceEvent: publish ``event`` on ``key`` if its class is
        enabled (the server's hook publishes it)."""
        ks = self.ks
        if ks.notify_flags & type_ and ks.on_event is not None:
            ks.on_event(type_, event, key, self.id)

    def signal_modified(self, key: bytes) -> None:
        """A write command changed ``key``: wakes clients blocked on it,
        invalidates WATCH, and later feeds keyspace notifications (through
        the hook the server installs)."""
        hook = self.ks.on_key_changed
        if hook is not None:
            hook(self, key)

    def set(self, key: bytes, value, keep_ttl: bool = False) -> None:
        """Store ``value`` (a new object); clears any TTL unless keep_ttl.
        The value it replaces goes as lazyfree-lazy-server-del says
        (dbSetValue)."""
        ks = self.ks
        old = self.data.get(key) if ks.lazy_server_del else None
        if ks.notify_flags & NOTIFY_NEW and key not in self.data:
            self.data[key] = value
            self.notify(NOTIFY_NEW, b"new", key)
        self.data[key] = value
        if not keep_ttl and self.expires:
            self.expires.pop(key, None)
        self.stamp_new(key)
        if old is not None and old is not value:
            ks.lazyfree.free_object(old)

    def add(self, key: bytes, value) -> None:
        """Store ``value`` at a key known not to exist."""
        self.data[key] = value
        if self.ks.notify_flags & NOTIFY_NEW:
            self.notify(NOTIFY_NEW, b"new", key)
        self.stamp_new(key)

    def delete(self, key: bytes, lazy: bool | None = None) -> bool:
        """Remove a key that may or may not exist; True if it was there
        (and not expired). Its value is handed to the lazy freer when
        ``lazy`` (UNLINK; DEL under lazyfree-lazy-user-del …), by default
        when lazyfree-lazy-server-del is on (Redis's dbDelete)."""
        v = self.data.get(key)
        if v is None:
            return False
        expired = self.is_expired(key)
        del self.data[key]
        if self.ks.lazy_server_del if lazy is None else lazy:
            self.ks.lazyfree.free_object(v)
        return not expired

    def rename_key(self, src: bytes, dst: bytes) -> None:
        """Move the value of live ``src`` to ``dst`` (replacing it), keeping
        its expiry time and access stamp (it is the same object)."""
        when = self.expires.get(src) if self.expires else None
        stamp = self.lru.get(src)
        v = self.data.pop(src)
        self.data[dst] = v
        if when is not None:
            self.set_expire(dst, when)
        elif self.expires:
            self.expires.pop(dst, None)
        if stamp is not None:
            self.lru[dst] = stamp
        else:
            self.lru.pop(dst, None)
        if self.ks.notify_flags & NOTIFY_NEW:  # Redis deletes dst, then dbAdd
            self.notify(NOTIFY_NEW, b"new", dst)

    def move_key(self, key: bytes, dst: Database) -> None:
        """Move live ``key`` to database ``dst`` (where it must not exist),
        with its expiry time and access stamp."""
        when = self.expires.get(key) if self.expires else None
        stamp = self.lru.get(key)
        dst.data[key] = self.data.pop(key)
        if when is not None:
            dst.set_expire(key, when)
        if stamp is not None:
            dst.lru[key] = stamp
        if dst.ks.notify_flags & NOTIFY_NEW:
            dst.notify(NOTIFY_NEW, b"new", key)

    def set_expire(self, key: bytes, when_ms: int) -> None:
        self.expires[key] = when_ms
        ks = self.ks
        if ks.is_replica and not ks.applying_primary:
            ks.replica_ttl_keys[(self.id, key)] = None  # rememberSlaveKeyWithExpire

    def get_expire(self, key: bytes) -> int | None:
        return self.expires.get(key)

    def persist(self, key: bytes) -> bool:
        return self.expires.pop(key, None) is not None

    def replace_contents(self, data, expires: dict | None = None) -> None:
        """Take over freshly loaded contents (RDB load, full sync): a
        KeyTable with its expiry times (``expires`` None), or a dict of
        values and one of expiry times. Every key counts as created now, as
        Redis's loader does when the file holds no LRU/LFU data."""
        ks = self.ks
        if expires is None and not ks.slot_index and type(data) is KeyTable:
            table = data
        else:
            table = new_table(ks.slot_index, data)
            if expires:
                table.expires.update(expires)
        table.lru.fill((ks.lfu_minutes() << 8) | LFU_INIT_VAL if ks.lfu_mode else ks.lru_now)
        self._take(table)
        self.avg_ttl = 0
        self.version += 1
        self._forget_snapshots()

    def flush(self, lazy: bool = False) -> int:
        """Empty the database; the number of keys removed. ``lazy``
        (emptyDbAsync): the old dicts go to the lazy freer instead of being
        dropped here."""
        n = len(self.data)
        if self.ks.on_emptying is not None:
            self.ks.on_emptying(self, None)
        if lazy:
            self.ks.lazyfree.free_database(self.data)
        self._take(new_table(self.ks.slot_index))
        self.avg_ttl = 0
        self.version += 1
        self._forget_snapshots()
        return n

    # -- iteration -----------------------------------------------------------

    def keys_live(self):
        """Keys that are not expired (snapshot list; nothing is deleted, as
        Redis's KEYS only skips expired keys)."""
        if not self.expires:
            return list(self.data)
        now = self.ks.expire_now
        exp = self.expires
        return [k for k in self.data if (k not in exp or exp[k] > now)]

    def random_key(self) -> bytes | None:
        """A random live key, or None when the database is empty. Expired
        keys met on the way are deleted (only hidden on a replica, which
        after 100 expired picks returns one anyway, as Redis's dbRandomKey).
        The table picks the key (``random_keys``) without listing them."""
        data = self.data
        ks = self.ks
        replica_tries = 0
        while data:
            picked = data.random_keys(1)
            if not picked:
                return None
            key = picked[0]
            if self.expires and key in self.expires and self.is_expired(key):
                if ks.is_replica:
                    replica_tries += 1
                    if replica_tries > 100:
                        return key
                    continue
                self.expire_key(key)
                continue
            return key
        return None

    # -- active expiry ------------------------------------------------------

    def active_expire_step(self, sample: int = 20) -> tuple[int, int]:
        """Check up to ``sample`` keys with a TTL; delete expired ones and
        fold the TTLs of the others into ``avg_ttl`` (Redis's running
        average, INFO keyspace). Returns (sampled, expired). A replica
        never expires keys itself: it waits for its primary's DELs."""
        exp = self.expires
        if self.ks.is_replica:
            return 0, 0
        if not exp:
            self.avg_ttl = 0
            return 0, 0
        now = self.ks.now_ms
        # The next keys with a TTL of a rolling walk over the table, as
        # Redis's expire cursor walks the expires dict.
        self._expire_cursor, found = exp.scan(self._expire_cursor, sample, sample * 1000)
        sampled = expired = 0
        ttl_sum = ttl_samples = 0
        for k, _ in found:
            when = exp.get(k)
            if when is None:
                continue  # deleted or persisted by an earlier one's hooks
            sampled += 1
            if when <= now:
                self.expire_key(k)
                expired += 1
            else:
                ttl_sum += when - now
                ttl_samples += 1
        if ttl_samples:
            avg = ttl_sum // ttl_samples
            if self.avg_ttl == 0:
                self.avg_ttl = avg
            self.avg_ttl = (self.avg_ttl // 50) * 49 + avg // 50
        return sampled, expired


def lfu_decr_and_return(stamp: int, ks: Keyspace) -> int:
    """Redis's LFUDecrAndReturn: the counter of an LFU stamp, decayed by
    one per ``lfu-decay-time`` minutes elapsed since it was stored."""
    counter = stamp & 0xFF
    if ks.lfu_decay_time:
        ldt = (stamp >> 8) & 0xFFFF
        now = ks.lfu_minutes()
        elapsed = now - ldt if now >= ldt else 65535 - ldt + now
        periods = elapsed // ks.lfu_decay_time
        if periods:
            counter = 0 if periods > counter else counter - periods
    return counter
