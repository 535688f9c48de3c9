"""The cluster-mode keyspace dict in C (``radish.db._slotdict.SlotDict``)
and its pure-Python twin (``radish.db.slots.PySlotDict``) give the same
contents, per-slot counts and per-slot key order for any sequence of dict
operations."""

from __future__ import annotations

import gc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from radish.db import slots
from radish.db.slots import PySlotDict, key_hash_slot

C = slots._slotdict
needs_c = pytest.mark.skipif(C is None, reason="radish.db._slotdict is not built (no C compiler)")

# Few distinct keys, many sharing a hash tag (so slots hold several keys).
keys = st.sampled_from([b"a", b"b", b"{t}1", b"{t}2", b"{t}3", b"x{t}", b"{}", b"{", b"}{", b"k" * 30, b""])
ops = st.one_of(
    st.tuples(st.just("set"), keys, st.integers(0, 9)),
    st.tuples(st.just("del"), keys),
    st.tuples(st.just("pop"), keys),
    st.tuples(st.just("pop_default"), keys),
    st.tuples(st.just("popitem")),
    st.tuples(st.just("setdefault"), keys, st.integers(0, 9)),
    st.tuples(st.just("update"), st.dictionaries(keys, st.integers(0, 9), max_size=4)),
    st.tuples(st.just("clear")),
)


def apply(d, op) -> object:
    try:
        if op[0] == "set":
            d[op[1]] = op[2]
        elif op[0] == "del":
            del d[op[1]]
        elif op[0] == "pop":
            return d.pop(op[1])
        elif op[0] == "pop_default":
            return d.pop(op[1], "none")
        elif op[0] == "popitem":
            return d.popitem()
        elif op[0] == "setdefault":
            return d.setdefault(op[1], op[2])
        elif op[0] == "update":
            d.update(op[1])
        elif op[0] == "clear":
            d.clear()
    except KeyError as e:
        return ("KeyError", e.args)
    return None


def view(d) -> tuple:
    per_slot = {s: (d.count_in_slot(s), d.keys_in_slot(s, 100), d.keys_in_slot(s, 1)) for s in range(16384)
                if d.count_in_slot(s)}  # fmt: skip
    return list(d.items()), per_slot


@needs_c
@settings(max_examples=200, deadline=None)
@given(st.dictionaries(keys, st.integers(0, 9), max_size=5), st.lists(ops, max_size=40))
def test_c_slotdict_matches_the_python_twin(initial, seq):
    c, py = C.SlotDict(initial), PySlotDict(initial)
    assert view(c) == view(py)
    for op in seq:
        assert apply(c, op) == apply(py, op)
        assert view(c) == view(py)
    gc.collect()


def test_slot_index_counts_what_the_dict_holds():
    d = slots.SlotDict()
    for i in range(1000):
        d[b"{tag}%d" % i] = i
        d[b"k%d" % i] = i
    for i in range(0, 1000, 2):
        del d[b"{tag}%d" % i]
    assert d.count_in_slot(key_hash_slot(b"tag")) == 500
    assert d.keys_in_slot(key_hash_slot(b"tag"), 3) == [b"{tag}1", b"{tag}3", b"{tag}5"]
    assert sum(d.count_in_slot(s) for s in range(16384)) == len(d) == 1500
