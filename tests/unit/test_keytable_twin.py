"""A database's table of keys in C (``radish.db._keytable.KeyTable``) and its
pure-Python twin (``radish.db.keytable.PyKeyTable``) give the same answers,
the same contents and the same key order, with the same expiry times and
access stamps (``t.expires``, ``t.lru``), for any sequence of operations;
removing a key drops its fields; ``random_keys`` and a full
``expires.scan`` walk keep their promises. A long run of inserts and
deletes against a plain dict exercises the C table's index rebuilds, hole
squeezing and arena compaction."""

from __future__ import annotations

import gc
import random
import weakref

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from radish.db import keytable
from radish.db.keytable import PyKeyTable

C = keytable._keytable
needs_c = pytest.mark.skipif(C is None, reason="radish.db._keytable is not built (no C compiler)")

STAMP_LIMIT = 1 << 32
EXPIRE_MIN, EXPIRE_LIMIT = -(1 << 63), 1 << 63
VIEWS = ("expires", "lru")

# A small pool, so keys come back after being deleted: the empty key, keys
# that differ in one byte, NUL and high bytes, and longer keys (the arena).
POOL = [b"", b"a", b"b", b"ab", b"ba", b"\x00", b"a\x00b", b"\xff\xfe\xfd", b"k" * 40, b"long-key:" * 25]
keys = st.sampled_from(POOL)
values = st.one_of(
    st.integers(0, 9),
    st.sampled_from([b"", b"v", b"x" * 50]),
    # integers as INCR finds them, and what string2ll refuses
    st.sampled_from([b"0", b"12", b"-5", b"-0", b"007", b"+3", b"9223372036854775807", b"-9223372036854775808"]),
)
# Field values: in range, at the edges, and just past them (OverflowError on both).
expire_values = st.one_of(
    st.integers(-5, 5),
    st.integers(EXPIRE_MIN, EXPIRE_LIMIT - 1),
    st.sampled_from([EXPIRE_MIN, EXPIRE_LIMIT - 1, EXPIRE_MIN - 1, EXPIRE_LIMIT, 1_700_000_000_000]),
)
stamp_values = st.one_of(st.integers(0, 5), st.integers(0, STAMP_LIMIT - 1),
                         st.sampled_from([0, STAMP_LIMIT - 1, -1, STAMP_LIMIT]))  # fmt: skip
field_values = {"expires": expire_values, "lru": stamp_values}


def _view_ops(view: str) -> st.SearchStrategy:
    v = st.just(view)
    x = field_values[view]
    return st.one_of(
        st.tuples(st.just("vset"), v, keys, x),
        st.tuples(st.just("vdel"), v, keys),
        st.tuples(st.just("vpop"), v, keys),
        st.tuples(st.just("vpop_default"), v, keys),
        st.tuples(st.just("vget"), v, keys),
        st.tuples(st.just("vget_default"), v, keys),
        st.tuples(st.just("vgetitem"), v, keys),
        st.tuples(st.just("vcontains"), v, keys),
        st.tuples(st.just("vupdate"), v, st.dictionaries(keys, x, max_size=3)),
    )


ops = st.one_of(
    st.tuples(st.just("set"), keys, values),
    st.tuples(st.just("set"), keys, values),  # twice as likely: the table has something to work on
    st.tuples(st.just("del"), keys),
    st.tuples(st.just("pop"), keys),
    st.tuples(st.just("pop_default"), keys),
    st.tuples(st.just("get"), keys),
    st.tuples(st.just("get_default"), keys),
    st.tuples(st.just("getitem"), keys),
    st.tuples(st.just("contains"), keys),
    st.tuples(st.just("len")),
    st.tuples(st.just("popitem")),
    st.tuples(st.just("clear")),
    st.tuples(st.just("update"), st.dictionaries(keys, values, max_size=5)),
    _view_ops("expires"),
    _view_ops("lru"),
    st.tuples(st.just("fill"), stamp_values),
    st.tuples(st.just("random_keys"), st.sampled_from(["table", "expires", "lru"]), st.integers(-1, 6)),
    st.tuples(st.just("scan_walk")),
    st.tuples(st.just("scan_step"), st.integers(1, 4), st.integers(1, 6)),
    st.tuples(st.just("get_touch"), keys, stamp_values),
    st.tuples(st.just("set_touch"), keys, values, stamp_values),
    st.tuples(st.just("incr_touch"), keys, st.one_of(st.integers(-3, 3), st.sampled_from([-(1 << 63), (1 << 63) - 1])), stamp_values),
    st.tuples(st.just("set_pairs_touch"), st.lists(st.tuples(keys, values), max_size=4), st.sampled_from([1, 3]), stamp_values),
)


def check_fields_dropped(t, key: bytes) -> None:
    """A key just removed from the table has no field left."""
    assert key not in t
    assert key not in t.expires and key not in t.lru
    assert t.expires.get(key, "none") == "none" and t.lru.get(key, "none") == "none"


def check_random_keys(source, n: int) -> None:
    got = source.random_keys(n)
    assert isinstance(got, list)
    assert len(got) <= max(n, 0)
    assert all(k in source for k in got)
    if n > 0 and len(source) > 0:
        assert got, "random_keys gave nothing from a non-empty source"


def scan_walk(t) -> set:
    """A full expires.scan walk from cursor 0 until the cursor is 0 again."""
    seen: list = []
    cursor, calls = 0, 0
    while True:
        cursor, batch = t.expires.scan(cursor, 3, 5)
        assert len(batch) <= 3
        seen.extend(batch)
        calls += 1
        assert calls <= len(POOL) + 2, "scan walk does not end"
        if cursor == 0:
            break
    assert len(seen) == len(set(seen)), "a full walk with no change gave a key twice"
    return set(seen)


def apply(t, op, cursors: dict) -> object:
    """Run op on table t; what it answered (exceptions as their type, with
    the key for KeyErrors of a key)."""
    name = op[0]
    try:
        if name == "set":
            t[op[1]] = op[2]
        elif name == "del":
            del t[op[1]]
            check_fields_dropped(t, op[1])
        elif name == "pop":
            r = t.pop(op[1])
            check_fields_dropped(t, op[1])
            return r
        elif name == "pop_default":
            r = t.pop(op[1], "none")
            check_fields_dropped(t, op[1])
            return r
        elif name == "get":
            return t.get(op[1])
        elif name == "get_default":
            return t.get(op[1], "none")
        elif name == "getitem":
            return t[op[1]]
        elif name == "contains":
            return op[1] in t
        elif name == "len":
            return len(t)
        elif name == "popitem":
            try:
                r = t.popitem()
            except KeyError:
                return "KeyError (empty)"  # the messages differ
            check_fields_dropped(t, r[0])
            return r
        elif name == "clear":
            t.clear()
            assert len(t) == len(t.expires) == len(t.lru) == 0
        elif name == "update":
            t.update(op[1])
        elif name == "fill":
            t.lru.fill(op[1])
            assert len(t.lru) == len(t)
            assert all(v == op[1] for _, v in t.lru.items())
        elif name == "random_keys":
            source = t if op[1] == "table" else getattr(t, op[1])
            check_random_keys(source, op[2])
        elif name == "scan_walk":
            walked = scan_walk(t)
            assert walked == set(t.expires.items())
            return sorted(walked)
        elif name == "get_touch":
            # GET's lookup: the value of a key without a TTL, stamped.
            return t.get_touch(op[1], op[2]), t.get_touch(op[1], op[2], "ttl"), t.lru.get(op[1])
        elif name == "set_touch":
            # SET's store: refused (nothing changed) for a key with a TTL.
            return t.set_touch(op[1], op[2], op[3]), t.get(op[1]), t.lru.get(op[1])
        elif name == "incr_touch":
            # INCRBY's common case; "other" for the general path.
            r = t.incr_touch(op[1], op[2], op[3], "other")
            return r, t.get(op[1]), t.lru.get(op[1])
        elif name == "set_pairs_touch":
            # MSET's store: pairs up to the first key with a TTL.
            args = [b"MSET"] + [x for pair in op[1] for x in pair]
            return t.set_pairs_touch(args, op[2], op[3])
        elif name == "scan_step":
            # One call of a walk that the operations around it may disturb:
            # every pair it gives is the key's current expiry (the two tables
            # walk differently, so only that is compared).
            cursor, batch = t.expires.scan(cursors.get("scan", 0), op[1], op[2])
            assert cursor >= 0 and len(batch) <= op[1]
            for k, when in batch:
                assert t.expires[k] == when
            cursors["scan"] = cursor
        else:
            view = getattr(t, op[1])
            k = op[2]
            if name == "vset":
                view[k] = op[3]
            elif name == "vdel":
                del view[k]
            elif name == "vpop":
                return view.pop(k)
            elif name == "vpop_default":
                return view.pop(k, "none")
            elif name == "vget":
                return view.get(k)
            elif name == "vget_default":
                return view.get(k, "none")
            elif name == "vgetitem":
                return view[k]
            elif name == "vcontains":
                return k in view
            elif name == "vupdate":
                view.update(op[2])
            else:
                raise AssertionError(op)
    except KeyError as e:
        return ("KeyError", e.args)
    except OverflowError:
        return "OverflowError"  # the messages differ
    return None


def state(t) -> tuple:
    """Everything the table shows; the keys of a view are always keys of the
    table. The table keeps insertion order on both (popitem too), so keys
    and items are compared in order; a view's order is the table's in C and
    the order its fields were set in Python, so views are compared sorted."""
    items = list(t.items())
    assert list(t) == list(t.keys()) == [k for k, _ in items]
    assert len(t) == len(items) == len(set(t))
    assert sorted(t.values(), key=repr) == sorted((v for _, v in items), key=repr)
    views = []
    for name in VIEWS:
        v = getattr(t, name)
        vitems = sorted(v.items())
        assert len(v) == len(vitems)
        assert sorted(v.keys()) == [k for k, _ in vitems]
        assert set(iter(v)) == {k for k, _ in vitems} and len(list(iter(v))) == len(vitems)
        assert all(k in t and k in v and v[k] == x for k, x in vitems)
        lo, hi = (EXPIRE_MIN, EXPIRE_LIMIT) if name == "expires" else (0, STAMP_LIMIT)
        assert all(type(x) is int and lo <= x < hi for _, x in vitems)
        views.append(vitems)
    return items, sorted(t.keys()), sorted(items, key=repr), views


@needs_c
@settings(max_examples=300, deadline=None)
@given(st.dictionaries(keys, values, max_size=6), st.lists(ops, max_size=60))
def test_c_keytable_matches_the_python_twin(initial, seq):
    c, py = C.KeyTable(initial), PyKeyTable(initial)
    c_cursors: dict = {}
    py_cursors: dict = {}
    assert state(c) == state(py)
    for op in seq:
        assert apply(c, op, c_cursors) == apply(py, op, py_cursors), op
        assert state(c) == state(py), op
    gc.collect()


class _Value:
    pass


def test_a_dropped_table_frees_its_values_at_once():
    """FLUSHALL drops the table: its values go then, not at the cyclic
    collector's next run (the fields must not hold the table in a cycle)."""
    classes = [PyKeyTable, keytable.SlotKeyTable] + ([C.KeyTable] if C is not None else [])
    for cls in classes:
        gc.disable()
        try:
            t = cls()
            v = _Value()
            t[b"k"] = v
            t.expires[b"k"] = 1000
            t.lru[b"k"] = 7
            gone = weakref.ref(v)
            del t, v
            assert gone() is None, cls
        finally:
            gc.enable()


@needs_c
def test_a_removed_key_comes_back_without_its_fields():
    for cls in (C.KeyTable, PyKeyTable):
        t = cls({b"k": 1, b"other": 2})
        t.expires[b"k"] = 1000
        t.lru[b"k"] = 7
        t.expires.update({b"other": 5})
        for how in ("pop", "del", "popitem"):
            t[b"k"] = 1
            t[b"other"] = 2
            t.expires[b"k"] = 1000
            t.lru[b"k"] = 7
            if how == "pop":
                assert t.pop(b"k") == 1
            elif how == "del":
                del t[b"k"]
            else:
                while t.popitem()[0] != b"k":
                    pass
            check_fields_dropped(t, b"k")
            t[b"k"] = 3
            assert b"k" not in t.expires and b"k" not in t.lru
        t.lru[b"k"] = 9
        t.clear()
        t[b"k"] = 4
        assert len(t.expires) == len(t.lru) == 0
        # Setting a field of a missing key is a KeyError and stores nothing.
        with pytest.raises(KeyError):
            t.expires[b"missing"] = 1
        with pytest.raises(KeyError):
            t.lru.update({b"missing": 1})
        # Overwriting a key's value keeps its fields (SET's KEEPTTL is the caller's business).
        t.expires[b"k"] = 55
        t[b"k"] = 5
        assert t.expires[b"k"] == 55


@needs_c
def test_many_inserts_and_deletes_against_a_dict():
    """~200k random operations on the C table and on a model (a dict of
    key -> value, and dicts of the fields), phases of growth, churn and
    shrinking so the index is rebuilt, holes are squeezed out of the
    entries and dead key bytes are compacted out of the arena."""
    rnd = random.Random(20240611)
    t = C.KeyTable()
    model: dict = {}
    expires: dict = {}
    lru: dict = {}
    names = [b"key:%d:" % i + b"x" * rnd.randrange(0, 60) for i in range(6000)] + [b""]

    def check() -> None:
        assert len(t) == len(model)
        assert list(t.keys()) == list(model)  # insertion order, as a dict
        assert dict(t.items()) == model
        assert dict(t.expires.items()) == expires and len(t.expires) == len(expires)
        assert dict(t.lru.items()) == lru and len(t.lru) == len(lru)
        assert scan_walk_big(t) == set(expires.items())
        for k in rnd.sample(names, 50):
            assert t.get(k, None) == model.get(k, None)
            assert t.expires.get(k) == expires.get(k)

    def remove(k: bytes) -> None:
        del model[k]
        expires.pop(k, None)
        lru.pop(k, None)

    # (operations, chance that one is an insert): grow, churn, shrink to a
    # few keys, churn with the long keys (arena compaction), grow again.
    phases = [(40_000, 0.9), (50_000, 0.5), (40_000, 0.1), (40_000, 0.5), (30_000, 0.8)]
    ops_done = new_keys = new_key_bytes = 0
    # The entries, index and arena are sized by the live keys (at most 6001,
    # of 38 bytes on average), not by everything ever inserted: a 40-byte
    # entry, a quarter of them holes and a quarter room to grow; 2 to 4
    # index slots of 4 bytes; the arena up to half garbage, plus room.
    bound = 6001 * (40 * 2 + 4 * 4 + 38 * 3)
    for n, p_insert in phases:
        for _ in range(n):
            k = names[rnd.randrange(len(names))]
            r = rnd.random()
            if r < p_insert:
                v = rnd.randrange(1000)
                if k not in model:
                    new_keys += 1
                    new_key_bytes += len(k)
                t[k] = v
                model[k] = v
                if r < p_insert / 4:
                    e = rnd.randrange(EXPIRE_MIN, EXPIRE_LIMIT)
                    t.expires[k] = e
                    expires[k] = e
                elif r < p_insert / 2:
                    s = rnd.randrange(STAMP_LIMIT)
                    t.lru[k] = s
                    lru[k] = s
            elif k in model:
                how = rnd.randrange(4)
                if how == 0:
                    del t[k]
                elif how == 1:
                    assert t.pop(k) == model[k]
                elif how == 2:
                    assert t.pop(k, None) == model[k]
                else:
                    pk, pv = t.popitem()
                    k = next(reversed(model))
                    assert (pk, pv) == (k, model[k])
                remove(k)
            else:
                with pytest.raises(KeyError):
                    del t[k]
                assert t.pop(k, "none") == "none"
            ops_done += 1
        check()
        assert t.__sizeof__() < bound, t.__sizeof__()
    assert ops_done == 200_000
    # Without hole squeezing the entries alone, and without arena
    # compaction the arena alone, would have outgrown the bound.
    assert 40 * new_keys > bound and new_key_bytes > bound, (new_keys, new_key_bytes)
    # Drain it (no popitem: that scans the trailing holes every call).
    for k in list(model)[::2]:
        del t[k]
        remove(k)
    check()
    for k in list(model):
        assert t.pop(k) == model[k]
        remove(k)
    check()
    assert len(t) == 0 and t.random_keys(3) == [] and t.expires.random_keys(3) == []
    t[b"again"] = 1
    assert list(t.items()) == [(b"again", 1)]


def scan_walk_big(t) -> set:
    out: list = []
    cursor = 0
    while True:
        cursor, batch = t.expires.scan(cursor, 100, 500)
        out.extend(batch)
        if cursor == 0:
            return set(out)


@needs_c
def test_random_keys_and_a_full_scan_on_a_big_table():
    t = C.KeyTable({b"k%d" % i: i for i in range(5000)})
    for i in range(0, 5000, 7):
        t.expires[b"k%d" % i] = i * 1000
    for i in range(0, 5000, 3):
        del t[b"k%d" % i]
    for n in (1, 5, 20):
        check_random_keys(t, n)
        check_random_keys(t.expires, n)
    many = t.random_keys(2000)
    assert len(set(many)) > 500  # spread over the table, not one key
    assert scan_walk_big(t) == set(t.expires.items())
    walked: list = []
    cursor = 0
    while True:  # small steps: the same walk
        cursor, batch = t.expires.scan(cursor, 3, 5)
        walked.extend(batch)
        if cursor == 0:
            break
    assert sorted(walked) == sorted(t.expires.items())
    assert t.expires.scan(10**9, 3, 5)[0] in (0, 5)  # a cursor past the end starts over


@needs_c
def test_iterating_while_the_table_changes():
    """What the C table's iterators do when the table changes under them.

    Iterating the table (``iter(t)``) raises RuntimeError at the next step
    once the number of keys changed (an insert, a delete, pop, popitem,
    clear) or the entries moved (holes squeezed out, the table emptied),
    as a dict does; replacing a value, setting fields, or a delete followed
    by an insert that squeezes nothing (the size is back) go on, the new
    key coming at its place at the end, as with a dict.

    Iterating a view (``iter(t.expires)``, ``iter(t.lru)``) raises only
    when the entries moved: a field set or dropped, or a key added or
    removed without moving the entries, goes on, the iterator showing the
    keys that have the field when it gets to them. (PyKeyTable's views are
    dicts and raise when their own size changes; the server never
    iterates a view while changing the table.)"""
    def fresh():
        t = C.KeyTable({b"a": 1, b"b": 2, b"c": 3})
        for k in (b"a", b"b", b"c"):
            t.expires[k] = 1
            t.lru[k] = 1
        return t

    changes = [
        lambda t: t.__setitem__(b"d", 4),
        lambda t: t.__delitem__(b"c"),
        lambda t: t.pop(b"c"),
        lambda t: t.popitem(),
        lambda t: t.clear(),
        lambda t: (t.clear(), t.update({b"x": 1, b"y": 2, b"z": 3})),  # same size, but emptied
        lambda t: t.update({b"d": 4}),
    ]
    for change in changes:
        t = fresh()
        it = iter(t)
        assert next(it) == b"a"
        change(t)
        with pytest.raises(RuntimeError):
            next(it)
        with pytest.raises(RuntimeError):  # and stays raising
            next(it)

    t = fresh()
    it = iter(t)
    assert next(it) == b"a"
    t[b"b"] = 20  # a value replaced
    t.expires[b"c"] = 5
    del t.lru[b"a"]
    assert list(it) == [b"b", b"c"]
    t = fresh()
    it = iter(t)
    next(it)
    del t[b"c"]
    t[b"d"] = 4  # the size is back and nothing moved
    assert list(it) == [b"b", b"d"]

    # Views: no error for field or size changes; keys with the field as met.
    t = fresh()
    it = iter(t.expires)
    assert next(it) == b"a"
    del t.expires[b"b"]
    t[b"d"] = 4
    t.expires[b"d"] = 9
    assert list(it) == [b"c", b"d"]
    t = fresh()
    it = iter(t.lru)
    next(it)
    t.clear()  # the entries are gone: that raises
    with pytest.raises(RuntimeError):
        next(it)

    # Many changes under an iterator that raises at the end: no crash, and
    # an iterator keeps the table alive on its own.
    t = fresh()
    it = iter(t.expires)
    next(it)
    for i in range(2000):
        t[b"n%d" % i] = i
        if i % 2:
            del t[b"n%d" % (i - 1)]
    with pytest.raises(RuntimeError):
        list(it)
    it = iter(C.KeyTable({b"only": 1}))
    gc.collect()
    assert list(it) == [b"only"]


@needs_c
def test_keys_must_be_bytes_in_c():
    t = C.KeyTable({b"a": 1})
    t.expires[b"a"] = 1
    for bad in ("a", 1, None, bytearray(b"a"), memoryview(b"a"), (b"a",), 1.5):
        with pytest.raises(TypeError):
            t[bad] = 1
        with pytest.raises(TypeError):
            t[bad]
        with pytest.raises(TypeError):
            del t[bad]
        with pytest.raises(TypeError):
            bad in t  # noqa: B015
        with pytest.raises(TypeError):
            t.get(bad)
        with pytest.raises(TypeError):
            t.get(bad, 0)
        with pytest.raises(TypeError):
            t.pop(bad)
        with pytest.raises(TypeError):
            t.pop(bad, 0)
        with pytest.raises(TypeError):
            t.update({bad: 1})
        with pytest.raises(TypeError):
            C.KeyTable({bad: 1})
        for view in (t.expires, t.lru):
            with pytest.raises(TypeError):
                view[bad] = 1
            with pytest.raises(TypeError):
                view[bad]
            with pytest.raises(TypeError):
                del view[bad]
            with pytest.raises(TypeError):
                bad in view  # noqa: B015
            with pytest.raises(TypeError):
                view.get(bad)
            with pytest.raises(TypeError):
                view.pop(bad, 0)
    assert list(t.items()) == [(b"a", 1)] and t.expires.items() == [(b"a", 1)] and len(t.lru) == 0
    # A bytes subclass is bytes (compared by its bytes).
    class B(bytes):
        pass

    t[B(b"a")] = 2
    assert t[b"a"] == 2 and len(t) == 1 and type(next(iter(t))) is bytes
