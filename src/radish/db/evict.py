"""Choosing keys to evict under maxmemory: Redis's evict.c, keyspace side.

``EvictionPicker.pick(policy)`` returns the next (database, key) to evict
under one of the seven evicting policies, or None when no key qualifies:

* LRU, LFU and volatile-ttl policies sample ``maxmemory-samples`` keys from
  every database (all keys, or those with a TTL) into a pool of the 16 best
  candidates seen so far (``evictionPoolPopulate``: kept in ascending
  order of "idle" score, where idle is seconds since the last access
  for LRU, 255 minus the decayed LFU counter for LFU, and the inverted
  expiry time for volatile-ttl), then take the best candidate that still
  exists; keys deleted since they entered the pool are ghosts and skipped.
* allkeys-random and volatile-random take a random key of the next
  non-empty database in turn.

Random keys come from the database's table (``random_keys``, see
keytable.py): the C table picks entries at random; its pure-Python twin
samples a snapshot list of its keys, which keeps deleted keys' bytes alive
until it is rebuilt, so the eviction loop drops it (``forget``) once memory
is under the limit or nothing is left to evict.

Imports nothing from radish outside ``db``.
"""

from __future__ import annotations

from bisect import bisect_left
from operator import itemgetter

from .keyspace import Database, Keyspace, lfu_decr_and_return

EVPOOL_SIZE = 16
_IDLE = itemgetter(0)

POLICIES = (
    "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
    "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction",
)


class EvictionPicker:
    def __init__(self, ks: Keyspace) -> None:
        self.ks = ks
        self.pool: list[tuple[int, int, bytes]] = []  # (idle, dbid, key), ascending idle
        self.next_db = 0

    @property
    def holding(self) -> bool:
        """Whether candidates or twin snapshots are kept (they keep their
        keys' bytes alive, deleted or not)."""
        return bool(self.pool) or any(
            getattr(getattr(source, "_sampler", None), "keys", None) is not None
            for db in self.ks.dbs
            for source in (db.data, db.expires)
        )

    def forget(self) -> None:
        """Drop the pool and the twin tables' sampling snapshots (a policy
        change, no memory pressure any more, nothing left to evict)."""
        self.pool.clear()
        for db in self.ks.dbs:
            for source in (db.data, db.expires):
                sampler = getattr(source, "_sampler", None)
                if sampler is not None:
                    sampler.keys = None

    def _sample(self, db: Database, source, volatile: bool, count: int) -> list[bytes]:
        """Up to ``count`` random keys of ``source`` (dictGetSomeKeys):
        all of them when there are no more."""
        if len(source) <= count:
            return list(source)
        return list(dict.fromkeys(source.random_keys(count)))

    def _populate(self, db: Database, volatile: bool, policy: str, samples: int) -> None:
        """evictionPoolPopulate."""
        ks = self.ks
        source = db.expires if volatile else db.data
        pool = self.pool
        now = ks.now_ms // 1000  # the LRU clock's second (access stamps)
        lru = db.lru
        dbid = db.id
        ttl = policy == "volatile-ttl"
        lfu = policy.endswith("lfu")
        for key in self._sample(db, source, volatile, samples):
            if ttl:
                idle = -db.expires[key]  # the sooner the expiry the better
            elif lfu:
                stamp = lru.get(key)
                idle = 255 - (lfu_decr_and_return(stamp, ks) if stamp is not None else 0)
            else:
                stamp = lru.get(key)
                idle = now - stamp if stamp is not None else now
            # The first candidate at least as idle (Redis's linear scan).
            k = bisect_left(pool, idle, key=_IDLE)
            if len(pool) < EVPOOL_SIZE:
                pool.insert(k, (idle, dbid, key))
            elif k:
                # Full: drop the worst (leftmost) and insert before k.
                del pool[0]
                pool.insert(k - 1, (idle, dbid, key))
            # (k == 0 with a full pool: worse than every candidate.)

    def pick(self, policy: str, samples: int) -> tuple[Database, bytes] | None:
        dbs = self.ks.dbs
        volatile = policy.startswith("volatile")
        if policy.endswith("random"):
            count = len(dbs)
            for _ in range(count):
                self.next_db = (self.next_db + 1) % count
                db = dbs[self.next_db]
                source = db.expires if volatile else db.data
                if source:
                    picked = self._sample(db, source, volatile, 1)
                    if picked:
                        return db, picked[0]
            return None
        pool = self.pool
        while True:
            total = 0
            for db in dbs:
                source = db.expires if volatile else db.data
                if source:
                    self._populate(db, volatile, policy, samples)
                    total += len(source)
            if not total:
                return None
            while pool:
                _idle, dbid, key = pool.pop()
                if dbid < len(dbs) and key in (dbs[dbid].expires if volatile else dbs[dbid].data):
                    return dbs[dbid], key
                # A ghost (deleted since it entered the pool): next one.
