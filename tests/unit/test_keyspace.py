"""The keyspace with an injected clock: lazy expiry, the expiry hook,
replica hiding, hit/miss statistics, LRU/LFU access tracking, RANDOMKEY
sampling, the active expiry step, and SCAN cursors."""

from __future__ import annotations

import random

import pytest

from radish.db.keyspace import LFU_INIT_VAL, Keyspace
from radish.db.scan import ScanCursors

T0 = 1_700_000_000_000


class Clock:
    def __init__(self, ms: int = T0) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms

    def advance(self, ms: int, ks: Keyspace) -> None:
        self.ms += ms
        ks.tick()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def ks(clock):
    k = Keyspace(4, clock=clock)
    k.expired = []
    k.on_expired = lambda db, key: k.expired.append((db.id, key))
    return k


def test_key_is_live_until_its_expiry_time_then_gone_on_touch(ks, clock):
    db = ks.dbs[0]
    db.set(b"k", b"v")
    db.set_expire(b"k", T0 + 100)
    clock.advance(99, ks)
    assert db.lookup_read(b"k") == b"v"
    clock.advance(1, ks)  # expiry time reached: expired (Redis: when <= now)
    assert db.peek(b"k") is None
    assert b"k" in db.data  # peek hides but does not delete
    assert db.lookup_read(b"k") is None
    assert b"k" not in db.data and b"k" not in db.expires and b"k" not in db.lru
    assert ks.expired_keys == 1
    assert ks.expired == [(0, b"k")]


def test_every_lookup_kind_expires_lazily(ks, clock):
    db = ks.dbs[1]
    for k in (b"a", b"b", b"c", b"d"):
        db.set(k, b"v")
        db.set_expire(k, T0 + 10)
    clock.advance(10, ks)
    assert db.lookup_write(b"a") is None
    assert db.lookup_read_notouch(b"b") is None
    assert db.exists(b"c") is False
    assert db.keys_live() == []
    assert len(db) == 1  # KEYS does not delete, like Redis
    assert ks.expired == [(1, b"a"), (1, b"b"), (1, b"c")]


def test_signal_on_expiry_reaches_the_key_changed_hook(ks, clock):
    changed = []
    ks.on_key_changed = lambda db, key: changed.append(key)
    db = ks.dbs[0]
    db.set(b"w", b"v")
    db.set_expire(b"w", T0 + 1)
    clock.advance(5, ks)
    db.lookup_read(b"w")
    assert changed == [b"w"]


def test_replica_hides_expired_keys_but_never_deletes_them(ks, clock):
    ks.is_replica = True
    db = ks.dbs[0]
    db.set(b"k", b"v")
    db.set_expire(b"k", T0 + 10)
    clock.advance(20, ks)
    assert db.lookup_read(b"k") is None
    assert db.lookup_write(b"k") is None
    assert db.exists(b"k") is False
    assert db.random_key() == b"k"  # only expired keys: returned after 100 tries
    assert b"k" in db.data and ks.expired_keys == 0 and ks.expired == []
    assert db.active_expire_step() == (0, 0)
    assert b"k" in db.data and ks.expired_keys == 0


def test_hits_and_misses_count_reads_only(ks):
    db = ks.dbs[0]
    db.set(b"k", b"v")
    db.lookup_read(b"k")
    db.lookup_read(b"nope")
    db.lookup_read_notouch(b"k")
    db.lookup_read_notouch(b"nope")
    db.lookup_write(b"k")
    db.lookup_write(b"nope")
    db.exists(b"k")
    db.peek(b"k")
    assert (ks.keyspace_hits, ks.keyspace_misses) == (2, 2)


def test_expired_key_read_counts_a_miss(ks, clock):
    db = ks.dbs[0]
    db.set(b"k", b"v")
    db.set_expire(b"k", T0 + 1)
    clock.advance(1, ks)
    assert db.lookup_read(b"k") is None
    assert (ks.keyspace_hits, ks.keyspace_misses) == (0, 1)


def test_idle_time_follows_accesses_in_whole_seconds(ks, clock):
    db = ks.dbs[0]
    db.set(b"k", b"v")
    clock.advance(2999, ks)
    assert db.idle_seconds(b"k") == 2
    db.lookup_read_notouch(b"k")  # TYPE/TTL/OBJECT are no access
    db.peek(b"k")
    assert db.idle_seconds(b"k") == 2
    db.lookup_read(b"k")
    assert db.idle_seconds(b"k") == 0
    clock.advance(61_000, ks)
    assert db.idle_seconds(b"k") == 61
    db.lookup_write(b"k")
    assert db.idle_seconds(b"k") == 0


def test_rename_and_move_keep_the_access_stamp(ks, clock):
    a, b = ks.dbs[0], ks.dbs[2]
    a.set(b"k", b"v")
    a.set_expire(b"k", T0 + 10**6)
    clock.advance(5000, ks)
    a.rename_key(b"k", b"k2")
    assert a.idle_seconds(b"k2") == 5 and a.get_expire(b"k2") == T0 + 10**6
    a.move_key(b"k2", b)
    assert b.idle_seconds(b"k2") == 5 and b.get_expire(b"k2") == T0 + 10**6
    assert b"k2" not in a.data and b"k2" not in a.lru and b"k2" not in a.expires


def test_delete_and_flush_drop_stamps(ks):
    db = ks.dbs[0]
    db.set(b"a", b"1")
    db.set(b"b", b"1")
    assert db.delete(b"a") is True
    assert db.delete(b"a") is False
    assert set(db.lru) == {b"b"}
    db.flush()
    assert len(db.lru) == 0 and len(db.data) == 0


def test_swap_exchanges_everything(ks):
    ks.dbs[0].set(b"a", b"1")
    ks.dbs[0].set_expire(b"a", T0 + 5000)
    ks.swap(0, 1)
    assert ks.dbs[1].get_expire(b"a") == T0 + 5000 and b"a" in ks.dbs[1].lru
    assert not ks.dbs[0].data and not ks.dbs[0].lru


def test_lfu_new_key_starts_at_init_value_and_grows_logarithmically(ks):
    random.seed(1)
    ks.configure_eviction("allkeys-lfu", 10, 1)
    db = ks.dbs[0]
    db.set(b"k", b"v")
    assert db.access_freq(b"k") == LFU_INIT_VAL
    for _ in range(100):
        db.lookup_read(b"k")
    after_100 = db.access_freq(b"k")
    for _ in range(900):
        db.lookup_read(b"k")
    after_1000 = db.access_freq(b"k")
    # redis.conf's table for lfu-log-factor 10: 10 after 100 hits, 18 after 1000.
    assert 7 <= after_100 <= 14
    assert 14 <= after_1000 <= 24


def test_lfu_counter_saturates_at_255(ks):
    ks.configure_eviction("volatile-lfu", 0, 1)
    db = ks.dbs[0]
    db.set(b"k", b"v")
    for _ in range(300):
        db.lookup_read(b"k")
    assert db.access_freq(b"k") == 255


def test_lfu_decays_one_per_decay_period(ks, clock):
    ks.configure_eviction("allkeys-lfu", 0, 2)
    db = ks.dbs[0]
    db.set(b"k", b"v")
    for _ in range(10):
        db.lookup_read(b"k")
    assert db.access_freq(b"k") == 15
    clock.advance(4 * 60_000, ks)
    assert db.access_freq(b"k") == 13  # two 2-minute periods
    clock.advance(60 * 60_000, ks)
    assert db.access_freq(b"k") == 0
    ks.configure_eviction("allkeys-lfu", 0, 0)  # lfu-decay-time 0: no decay
    assert db.access_freq(b"k") == 15


def test_lfu_overwrite_keeps_counter_new_key_resets(ks):
    ks.configure_eviction("allkeys-lfu", 0, 1)
    db = ks.dbs[0]
    db.set(b"k", b"v")
    db.lookup_write(b"k")
    db.set(b"k", b"w")  # overwrite: counter kept (dbSetValue)
    assert db.access_freq(b"k") == 6
    db.delete(b"k")
    db.add(b"k", b"x")
    assert db.access_freq(b"k") == LFU_INIT_VAL


def test_random_key_empty_and_single(ks):
    db = ks.dbs[0]
    assert db.random_key() is None
    db.set(b"", b"v")
    assert db.random_key() == b""


def test_random_key_never_returns_expired_keys_and_reclaims_them(ks, clock):
    db = ks.dbs[0]
    for i in range(1000):
        db.set(b"k%d" % i, b"v")
        if i % 10:
            db.set_expire(b"k%d" % i, T0 + 5)
    clock.advance(5, ks)
    seen = {db.random_key() for _ in range(300)}
    assert all(int(k[1:]) % 10 == 0 for k in seen)
    assert len(seen) > 30
    assert ks.expired_keys > 0
    for i in range(0, 1000, 10):
        db.delete(b"k%d" % i)
    # Only expired keys remain: each pick reclaims one; the db empties.
    assert db.random_key() is None
    assert len(db) == 0


def test_random_key_sees_deletes_at_once(ks, clock):
    db = ks.dbs[0]
    for i in range(10_000):
        db.set(b"k%d" % i, b"v")
    db.random_key()
    for i in range(5000, 10_000):
        db.delete(b"k%d" % i)
    picks = {db.random_key() for _ in range(500)}
    assert all(int(k[1:]) < 5000 for k in picks)
    assert len(picks) > 400  # spread over the survivors


def test_random_key_sees_new_keys_after_the_snapshot_ages(ks, clock):
    db = ks.dbs[0]
    for i in range(10_000):
        db.set(b"old%d" % i, b"v")
    db.random_key()
    for i in range(2000):
        db.set(b"new%d" % i, b"v")  # +20%: below the twin's rebuild threshold
    sampler = getattr(db.data, "_sampler", None)
    if sampler is not None:  # the pure-Python table: its snapshot is old now
        sampler.built -= 2.5
    picks = [db.random_key() for _ in range(600)]
    assert any(k.startswith(b"new") for k in picks)


def test_random_key_is_cheap_on_a_big_db(ks):
    import time

    db = ks.dbs[0]
    for i in range(200_000):
        db.data[b"k%d" % i] = b"v"
    db.random_key()  # builds the snapshot once
    start = time.perf_counter()
    for _ in range(2000):
        db.random_key()
    per_call = (time.perf_counter() - start) / 2000
    # An O(n) pick would cost milliseconds here; O(1) costs microseconds.
    assert per_call < 0.0005


def test_active_expire_step_reclaims_and_reports(ks, clock):
    db = ks.dbs[0]
    for i in range(100):
        db.set(b"k%d" % i, b"v")
        db.set_expire(b"k%d" % i, T0 + (10 if i < 50 else 100_000))
    clock.advance(10, ks)
    total_sampled = total_expired = 0
    for _ in range(5):
        sampled, expired = db.active_expire_step(20)
        total_sampled += sampled
        total_expired += expired
    assert (total_sampled, total_expired) == (100, 50)
    assert len(db) == 50 and ks.expired_keys == 50
    assert len(ks.expired) == 50
    assert 0 < db.avg_ttl <= 100_000
    db.flush()
    assert db.active_expire_step(20) == (0, 0) and db.avg_ttl == 0


def test_active_expire_step_skips_keys_gone_since_the_snapshot(ks, clock):
    db = ks.dbs[0]
    for i in range(40):
        db.set(b"k%d" % i, b"v")
        db.set_expire(b"k%d" % i, T0 + 10)
    db.active_expire_step(1)  # snapshot taken
    for i in range(40):
        db.persist(b"k%d" % i)
    clock.advance(100, ks)
    assert db.active_expire_step(100) == (0, 0)
    assert len(db) == 40


# -- SCAN cursors -------------------------------------------------------------------


def _full_scan(cursors: ScanCursors, d: dict, count: int, between=None) -> list:
    out = []
    cursor = 0
    calls = 0
    while True:
        cursor, found = cursors.scan(d, cursor, count, d.__contains__)
        out.extend(found)
        calls += 1
        if between is not None:
            between(calls)
        if cursor == 0:
            return out


def _tables():
    """The containers SCAN walks: a dict (the snapshot path), and the
    keyspace's tables (the C one walks its entries in place)."""
    from radish.db import keytable

    out = [dict, keytable.PyKeyTable]
    if keytable._keytable is not None:
        out.append(keytable._keytable.KeyTable)
    return out


@pytest.mark.parametrize("make", _tables())
def test_scan_returns_every_key_present_throughout_despite_changes(make):
    rnd = random.Random(3)
    d = make({b"stable%d" % i: 1 for i in range(2000)})
    d.update({b"churn%d" % i: 1 for i in range(2000)})
    stable = {k for k in d if k.startswith(b"stable")}
    counter = [0]

    def mutate(calls: int) -> None:
        for _ in range(20):
            counter[0] += 1
            d[b"added%d" % counter[0]] = 1
            victims = [k for k in list(d)[:200] if k.startswith(b"churn") or k.startswith(b"added")]
            if victims:
                del d[rnd.choice(victims)]

    found = _full_scan(ScanCursors(), d, 25, mutate)
    assert stable <= set(found)
    # Nothing is returned that was never there.
    assert all(k.startswith((b"stable", b"churn", b"added")) for k in found)


@pytest.mark.parametrize("make", _tables())
def test_scan_finds_every_survivor_while_the_table_squeezes_out_deletes(make):
    """Mass deletes between calls make the C table move its entries
    (squeezing out the deleted ones) under the cursor."""
    rnd = random.Random(5)
    d = make({b"k%d" % i: 1 for i in range(20000)})
    survivors = {b"k%d" % i for i in range(0, 20000, 97)}
    doomed = [k for k in d if k not in survivors]
    rnd.shuffle(doomed)

    def mutate(calls: int) -> None:
        for _ in range(min(len(doomed), 900)):
            del d[doomed.pop()]
        for i in range(50):
            d[b"new%d-%d" % (calls, i)] = 1

    found = _full_scan(ScanCursors(), d, 50, mutate)
    assert survivors <= set(found)
    if hasattr(d, "scan_state"):
        assert d.scan_state()[1] > 0  # the entries did move meanwhile


@pytest.mark.parametrize("make", _tables())
def test_scan_ends_while_keys_keep_being_added(make):
    """Each call adds as many keys as it returns: the iteration still ends,
    having returned every key there was at the start."""
    d = make({b"k%d" % i: 1 for i in range(1000)})
    start = set(d)
    added = [0]

    def mutate(calls: int) -> None:
        assert calls < 1000, "the iteration does not end"
        for _ in range(10):
            added[0] += 1
            d[b"new%d" % added[0]] = 1

    found = _full_scan(ScanCursors(), d, 10, mutate)
    assert start <= set(found)


@pytest.mark.parametrize("make", _tables())
def test_scan_never_returns_a_key_deleted_before_its_turn(make):
    d = make({b"k%d" % i: 1 for i in range(100)})
    cursors = ScanCursors()
    cursor, first = cursors.scan(d, 0, 10, d.__contains__)
    for i in range(50, 100):
        del d[b"k%d" % i]
    rest = _continue(cursors, d, cursor, 10)
    assert set(first + rest) == {b"k%d" % i for i in range(50)}


def _continue(cursors, d, cursor, count):
    out = []
    while cursor:
        cursor, found = cursors.scan(d, cursor, count, d.__contains__)
        out.extend(found)
    return out


def test_many_concurrent_iterations_each_complete():
    d = {b"k%d" % i: 1 for i in range(500)}
    cursors = ScanCursors()
    states = [cursors.scan(d, 0, 7, d.__contains__) for _ in range(20)]
    results = []
    for cursor, found in states:
        results.append(set(found + _continue(cursors, d, cursor, 7)))
    assert all(r == set(d) for r in results)


def test_unknown_cursor_restarts_from_its_position():
    d = {b"k%d" % i: 1 for i in range(30)}
    cursors = ScanCursors()
    cursor, found = cursors.scan(d, 123456789, 100, d.__contains__)
    assert cursor == 0 and len(found) <= 30


def test_abandoned_iterations_do_not_hold_unbounded_memory():
    cursors = ScanCursors()
    big = {b"k%d" % i: 1 for i in range(100_000)}
    for _ in range(200):
        cursors.scan(big, 0, 10, big.__contains__)
    assert cursors.held_entries() <= cursors.max_entries + len(big)


def test_replace_contents_counts_loaded_keys_as_new(ks, clock):
    db = ks.dbs[0]
    db.set(b"old", b"v")
    db.random_key()
    clock.advance(7000, ks)
    db.replace_contents({b"a": b"1", b"b": b"2"}, {b"b": T0 + 10**6})
    assert db.idle_seconds(b"a") == 0 and b"old" not in db.lru
    assert db.get_expire(b"b") == T0 + 10**6
    assert db.random_key() in (b"a", b"b")
    clock.advance(3000, ks)
    assert db.idle_seconds(b"b") == 3


def test_big_values_stay_out_of_the_garbage_collectors_walks():
    """Big sets, hashes and sorted sets (and their random-pick pools) hold
    only atomic values: untracked, no collection walks their members."""
    import gc

    from radish.db.types import HashValue, SetValue, ZSetValue

    s = SetValue(b"m%d" % i for i in range(1000))
    h = HashValue((b"f%d" % i, b"v") for i in range(1000))
    z = ZSetValue((b"m%d" % i, float(i)) for i in range(1000))
    for v in (s, h, z, s.copy(), h.copy(), z.copy()):
        assert not gc.is_tracked(v)
        assert not gc.is_tracked(v.random_pool())
    s.add(b"x")
    h[b"x"] = b"y"
    z.insert(b"x", 1.5)
    assert not any(gc.is_tracked(v) for v in (s, h, z))
    # A container stored in a hash would track it again (CPython's rule):
    # the collector still sees any cycle through it.
    h[b"cycle"] = [h]
    assert gc.is_tracked(h)
