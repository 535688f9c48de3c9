"""The C skip list of big sorted sets (radish.db._skiplist.SkipList) against
its pure-Python twin, sortedcontainers.SortedList of (score, member) pairs:
the same operations give the same answers, pairs and order."""

from __future__ import annotations

import math
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sortedcontainers import SortedList

C = pytest.importorskip("radish.db._skiplist")

# Few distinct members and scores, so that ties on the score (ordered by
# member bytes, a prefix first) and -0.0 / 0.0 come up often.
_members = st.one_of(st.sampled_from([b"", b"a", b"ab", b"b", b"\x00", b"\xff", b"a\x00"]), st.binary(max_size=4))
_scores = st.one_of(st.sampled_from([0.0, -0.0, 1.0, -1.0, 1.5, math.inf, -math.inf]), st.integers(-3, 3).map(float),
                    st.floats(allow_nan=False))
_pairs = st.tuples(_scores, _members)
_index = st.integers(-12, 12)
_slices = st.tuples(st.one_of(st.none(), _index), st.one_of(st.none(), _index),
                    st.one_of(st.none(), st.sampled_from([1, 1, 1, -1, 2, -3])))

_ops = st.lists(
    st.one_of(
        st.tuples(st.just("add"), _pairs),
        st.tuples(st.just("remove"), _pairs),
        st.tuples(st.just("remove_present"), st.integers(0, 100)),
        st.tuples(st.just("pop"), st.one_of(st.none(), _index)),
        st.tuples(st.just("get"), _index),
        st.tuples(st.just("slice"), _slices),
        st.tuples(st.just("del"), _index),
        st.tuples(st.just("delslice"), _slices),
        st.tuples(st.just("bisect"), _pairs),
        st.tuples(st.just("contains"), _pairs),
        st.tuples(st.just("clear"), st.just(None)),
    ),
    max_size=60,
)


def _outcome(fn, *args):
    try:
        return ("ok", fn(*args))
    except (IndexError, ValueError) as e:
        return (type(e).__name__,)


def _same(a, b) -> bool:
    """Equal pairs, -0.0 told apart from 0.0."""
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, tuple) and len(a) == 2 and isinstance(a[0], float):
        return a == b and math.copysign(1.0, a[0]) == math.copysign(1.0, b[0])
    return a == b


@settings(max_examples=400, deadline=None)
@given(st.lists(_pairs, max_size=20), _ops)
def test_skiplist_and_sortedlist_agree(initial, ops):
    c, p = C.SkipList(initial), SortedList(initial)
    for op, arg in ops:
        if op == "add":
            c.add(arg)
            p.add(arg)
        elif op == "remove":
            assert _outcome(c.remove, arg) == _outcome(p.remove, arg)
        elif op == "remove_present":
            if len(p):
                pair = p[arg % len(p)]
                c.remove(pair)
                p.remove(pair)
        elif op == "pop":
            args = () if arg is None else (arg,)
            assert _same(_outcome(c.pop, *args), _outcome(p.pop, *args))
        elif op == "get":
            assert _same(_outcome(c.__getitem__, arg), _outcome(p.__getitem__, arg))
        elif op == "slice":
            s = slice(*arg)
            assert _same(c[s], p[s])
        elif op == "del":
            assert _outcome(c.__delitem__, arg) == _outcome(p.__delitem__, arg)
        elif op == "delslice":
            s = slice(*arg)
            del c[s]
            del p[s]
        elif op == "bisect":
            assert c.bisect_left(arg) == p.bisect_left(arg)
            assert c.bisect_right(arg) == p.bisect_right(arg)
        elif op == "contains":
            assert (arg in c) == (arg in p)
        else:
            c.clear()
            p.clear()
        assert len(c) == len(p)
        assert _same(list(c), list(p))
    assert _same(list(reversed(c)), list(reversed(p)))
    assert _same(list(c.copy()), list(p))
    assert bool(c) == bool(p)


def test_iterating_while_it_changes_is_refused():
    sl = C.SkipList([(float(i), b"m%d" % i) for i in range(10)])
    it = iter(sl)
    assert next(it) == (0.0, b"m0")
    sl.add((0.5, b"x"))
    with pytest.raises(RuntimeError):
        next(it)
    it = reversed(sl)
    next(it)
    del sl[0:3]
    with pytest.raises(RuntimeError):
        next(it)


def test_bad_keys_are_refused():
    sl = C.SkipList()
    for bad in ((1.0, "str"), (1.0,), "x", ("x", b"m")):
        with pytest.raises(TypeError):
            sl.add(bad)
    assert (1.0, "str") not in sl
    sl.add((1.0, b"m"))
    with pytest.raises(TypeError):
        sl[0] = (2.0, b"n")
    assert list(sl) == [(1.0, b"m")]


def test_big_list_ranks_and_size():
    n = 20000
    sl = C.SkipList((float(i % 97), b"%06d" % i) for i in range(n))
    ref = sorted((float(i % 97), b"%06d" % i) for i in range(n))
    assert list(sl) == ref
    for r in (0, 1, 77, n // 2, n - 1):
        assert sl[r] == ref[r]
        assert sl.bisect_left(ref[r]) == r
    del sl[100:n - 100]
    assert list(sl) == ref[:100] + ref[n - 100:]
    # The nodes are counted: between 40 and 200 bytes per pair.
    assert 40 * len(sl) < sys.getsizeof(sl) - sys.getsizeof(C.SkipList()) < 200 * len(sl)
