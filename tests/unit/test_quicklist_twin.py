"""Lists as quicklists of listpacks: the C type (radish.db._quicklist)
against its pure-Python twin (radish.db.quicklist.PyQuickList) on random
operation sequences (same answers, same node bytes after every step, for
size and count fills and with plain nodes), both against a plain Python
list as the model of what the commands mean, the nodes of RPUSH-built
lists against the RDB writer's packing, and listpacks adopted from
outside."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from radish.db import quicklist as Q
from radish.db.listpack import lp_decode, lp_encode
from radish.db.quicklist import PyQuickList
from radish.persistence.compact import quicklist_nodes

try:  # the C twin must be built for this test to mean anything (test.sh builds it)
    from radish.db import _quicklist as C
except ImportError:  # pragma: no cover
    C = None
assert C is not None, "radish.db._quicklist is not built (python3 setup.py build_ext --inplace)"


@pytest.fixture(autouse=True)
def _threshold():
    yield
    Q.set_packed_threshold(0)


# Few distinct small elements (so pivots, LREM and LPOS find them), some at
# the edges of the listpack encodings, and big ones that fill size-limited
# nodes quickly.
_small = st.sampled_from([b"a", b"b", b"1", b"-5", b"", b"x" * 65])
_elems = st.one_of(
    _small,
    _small,
    st.sampled_from([b"0", b"127", b"128", b"-4096", b"70000", b"01", b"9223372036854775807",
                     b"-9223372036854775808", b"9223372036854775808"]),
    st.binary(max_size=4),
    st.integers(min_value=-(1 << 40), max_value=1 << 40).map(lambda v: b"%d" % v),
    st.integers(min_value=60, max_value=70).map(lambda n: b"x" * n),
    st.integers(min_value=200, max_value=3000).map(lambda n: b"y" * n),
    st.integers(min_value=4090, max_value=4100).map(lambda n: b"z" * n),
)
# An index: (position, from the tail, out of range) resolved against the
# list's length at the time, so most land inside it.
_index = st.tuples(st.integers(min_value=0, max_value=1 << 16), st.booleans(), st.integers(min_value=0, max_value=9))


def _at(ix, n: int) -> int:
    pos, tail, out = ix
    if out == 0 or n == 0:
        return n + pos % 3 if not tail else -n - 1 - pos % 3  # just outside
    i = pos % n
    return i - n if tail else i


_ops = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["append", "appendleft"]), _elems),
        st.tuples(st.sampled_from(["extend", "extendleft"]), st.lists(_elems, max_size=40)),
        st.tuples(st.just("many"), _small, st.integers(min_value=1, max_value=400), st.booleans()),
        st.tuples(st.sampled_from(["pop", "popleft"])),
        st.tuples(st.just("popn"), st.integers(min_value=0, max_value=40), st.booleans()),
        st.tuples(st.just("set"), _index, _elems),
        st.tuples(st.just("get"), _index),
        st.tuples(st.just("linsert"), _elems, _elems, st.booleans()),
        st.tuples(st.just("linsert_at"), _index, _elems, st.booleans()),
        st.tuples(st.just("lrem"), _elems, st.integers(min_value=-3, max_value=3)),
        st.tuples(st.just("delrange"), _index, st.integers(min_value=-1, max_value=300)),
        st.tuples(st.just("lrange"), _index, _index, st.booleans()),
        st.tuples(st.just("lpos"), _elems, st.integers(min_value=1, max_value=3),
                  st.integers(min_value=0, max_value=3), st.integers(min_value=0, max_value=20), st.booleans()),
        st.tuples(st.just("contains"), _elems),
        st.tuples(st.just("copy")),
        st.tuples(st.just("reload")),
        st.tuples(st.just("clear")),
    ),
    max_size=60,
)

_fills = st.sampled_from([-2, -1, -5, -3, 0, 1, 2, 3, 5, 16, 32767, -100, 100000])
_thresholds = st.sampled_from([0, 0, 0, 1, 5, 64, 300])


def _same(c, p, what):
    """Runs ``what`` on both: the same result or the same exception type."""
    try:
        rc = ("ok", what(c))
    except Exception as e:  # noqa: BLE001 - compared below
        rc = ("err", type(e))
    try:
        rp = ("ok", what(p))
    except Exception as e:  # noqa: BLE001
        rp = ("err", type(e))
    assert rc == rp
    return rc


def _check(c, p, model: list[bytes]) -> None:
    assert list(c) == list(p) == model
    assert list(reversed(c)) == list(reversed(p)) == model[::-1]
    assert len(c) == len(p) == len(model)
    assert c.nodes() == p.nodes()
    assert c.node_count() == p.node_count() == len(c.nodes())
    assert c.nbytes() == p.nbytes() == sum(len(b) for _k, b in c.nodes())
    for kind, blob in c.nodes():
        if kind == Q.PACKED:
            assert 0 < len(lp_decode(blob)) and struct.unpack_from("<I", blob)[0] == len(blob)
        else:
            assert kind == Q.PLAIN and len(blob) >= Q.packed_threshold()
    assert c.lrange_raw(0, -1) == p.lrange_raw(0, -1)


def _lrange_model(model: list[bytes], start: int, end: int) -> list[bytes]:
    n = len(model)
    if start < 0:
        start += n
    if end < 0:
        end += n
    start = max(start, 0)
    if start > end or start >= n:
        return []
    return model[start : min(end, n - 1) + 1]


# Splits and merges: small count fills, nodes thinned by deletes, inserts
# in the middle of full nodes.
_split_ops = st.lists(
    st.one_of(
        st.tuples(st.just("many"), _small, st.integers(min_value=1, max_value=30), st.booleans()),
        st.tuples(st.just("linsert_at"), _index, st.one_of(_small, st.just(b"y" * 2500)), st.booleans()),
        st.tuples(st.just("lrem"), _small, st.integers(min_value=-2, max_value=2)),
        st.tuples(st.just("delrange"), _index, st.integers(min_value=1, max_value=4)),
        st.tuples(st.just("set"), _index, st.one_of(_small, st.just(b"y" * 2500))),
    ),
    max_size=40,
)


@settings(max_examples=1000, deadline=None)
@given(_ops, _fills, _thresholds)
def test_quicklist_twins_agree(ops, fill, threshold):
    _run(ops, fill, threshold)


@settings(max_examples=1000, deadline=None)
@given(_split_ops, st.sampled_from([1, 2, 3, 4, -1]), st.sampled_from([0, 0, 2000]))
def test_quicklist_twins_agree_on_splits_and_merges(ops, fill, threshold):
    _run(ops, fill, threshold)


def _run(ops, fill, threshold) -> None:
    Q.set_packed_threshold(threshold)
    c, p = C.QuickList(fill=fill), PyQuickList(fill=fill)
    assert c.fill == p.fill == max(-5, min(fill, 32767))
    model: list[bytes] = []
    for op in ops:
        name = op[0]
        if name in ("append", "appendleft"):
            getattr(c, name)(op[1])
            getattr(p, name)(op[1])
            model[len(model) if name == "append" else 0 : 0] = [op[1]]
        elif name in ("extend", "extendleft"):
            getattr(c, name)(op[1])
            getattr(p, name)(op[1])
            model = model + op[1] if name == "extend" else op[1][::-1] + model
        elif name == "many":
            items = [op[1]] * op[2]
            (c.extend if op[3] else c.extendleft)(items)
            (p.extend if op[3] else p.extendleft)(items)
            model = model + items if op[3] else items + model
        elif name in ("pop", "popleft"):
            r = _same(c, p, lambda q, n=name: getattr(q, n)())
            if model:
                assert r == ("ok", model.pop(-1 if name == "pop" else 0))
            else:
                assert r[0] == "err"
        elif name == "popn":
            r = _same(c, p, lambda q, o=op: q.popn(o[1], o[2]))
            k = min(op[1], len(model))
            if op[2]:
                assert r == ("ok", model[:k])
                del model[:k]
            else:
                assert r == ("ok", model[::-1][:k])
                del model[len(model) - k :]
        elif name == "set":
            i = _at(op[1], len(model))
            r = _same(c, p, lambda q, i=i, o=op: q.__setitem__(i, o[2]))
            if -len(model) <= i < len(model):
                assert r[0] == "ok"
                model[i] = op[2]
            else:
                assert r[0] == "err"
        elif name == "get":
            i = _at(op[1], len(model))
            r = _same(c, p, lambda q, i=i: q[i])
            assert r == (("ok", model[i]) if -len(model) <= i < len(model) else ("err", IndexError))
        elif name == "linsert_at":
            # LINSERT with the pivot at a chosen place: a fresh element
            # there, found first (every other split and merge case).
            if not model:
                _check(c, p, model)
                continue
            i = _at(op[1], len(model)) % len(model)
            pivot = b"pivot\x00"
            for q in (c, p):
                q[i] = pivot
            model[i] = pivot
            _check(c, p, model)
            assert _same(c, p, lambda q, o=op, pv=pivot: q.linsert(pv, o[2], o[3])) == ("ok", True)
            model.insert(i + 1 if op[3] else i, op[2])
            for q in (c, p):
                assert q.lrem(pivot, 1) == 1
            model.remove(pivot)
        elif name == "linsert":
            r = _same(c, p, lambda q, o=op: q.linsert(o[1], o[2], o[3]))
            if op[1] in model:
                assert r == ("ok", True)
                i = model.index(op[1])
                model.insert(i + 1 if op[3] else i, op[2])
            else:
                assert r == ("ok", False)
        elif name == "lrem":
            r = _same(c, p, lambda q, o=op: q.lrem(o[1], o[2]))
            limit = abs(op[2]) or len(model)
            order = range(len(model) - 1, -1, -1) if op[2] < 0 else range(len(model))
            hits = [i for i in order if model[i] == op[1]][:limit]
            assert r == ("ok", len(hits))
            for i in sorted(hits, reverse=True):
                del model[i]
        elif name == "delrange":
            start, count = _at(op[1], len(model)), op[2]
            r = _same(c, p, lambda q, a=start, k=count: q.delrange(a, k))
            n = len(model)
            idx = start + n if start < 0 else start
            if count <= 0 or not 0 <= idx < n:
                assert r == ("ok", 0)
            else:
                k = min(count, n - idx)
                assert r == ("ok", k)
                del model[idx : idx + k]
        elif name == "lrange":
            a, b = _at(op[1], len(model)), _at(op[2], len(model))
            r = _same(c, p, lambda q, o=op, a=a, b=b: q.lrange(a, b, o[3]))
            want = _lrange_model(model, a, b)
            assert r == ("ok", want[::-1] if op[3] else want)
            raw = _same(c, p, lambda q, a=a, b=b: q.lrange_raw(a, b))
            assert raw == ("ok", b"*%d\r\n" % len(want) + b"".join(b"$%d\r\n%b\r\n" % (len(v), v) for v in want))
        elif name == "lpos":
            _, ele, rank, count, maxlen, rev = op
            r = _same(c, p, lambda q, o=op: q.lpos(*o[1:]))
            scan = list(range(len(model)))[::-1] if rev else list(range(len(model)))
            if maxlen:
                scan = scan[:maxlen]
            found = [i for i in scan if model[i] == ele][rank - 1 :]
            assert r == ("ok", found[:count] if count else found)
        elif name == "contains":
            assert _same(c, p, lambda q, o=op: o[1] in q) == ("ok", op[1] in model)
        elif name == "copy":
            c2, p2 = c.copy(), p.copy()
            assert type(c2) is type(c) and c2.fill == c.fill
            _check(c2, p2, model)
            c, p = c2, p2
        elif name == "reload":
            # What RDB load does with the saved nodes.
            c2, p2 = C.QuickList(fill=fill), PyQuickList(fill=fill)
            for kind, blob in c.nodes():
                assert c2.append_node(kind, blob) and p2.append_node(kind, blob)
            _check(c2, p2, model)
            c, p = c2, p2
        elif name == "clear":
            c.clear()
            p.clear()
            model = []
        _check(c, p, model)


@pytest.mark.parametrize("fill", [-1, -2, -3, -4, -5, 1, 7, 128, 0])
@pytest.mark.parametrize("size", [1, 12, 63, 64, 200, 2000, 5000, 9000])
def test_rpush_builds_the_nodes_rdb_packing_builds(fill, size):
    """A list built by RPUSH holds the nodes quicklistPushTail makes, which
    is what persistence.compact.quicklist_nodes computes independently."""
    items = [b"%0*d" % (size, i) if size > 1 else b"k" for i in range(3000 if size < 1000 else 60)]
    for cls in (C.QuickList, PyQuickList):
        q = cls(items, fill=fill)
        assert q.nodes() == quicklist_nodes(items, fill)


def test_lpush_builds_nodes_from_the_head():
    items = [b"e%05d" % i for i in range(2000)]
    for cls in (C.QuickList, PyQuickList):
        q = cls(fill=-1)
        q.extendleft(items)
        nodes = q.nodes()
        # The head node is the one being filled: every other one is full.
        assert [len(lp_decode(b)) for _k, b in nodes[1:]] == [len(lp_decode(nodes[1][1]))] * (len(nodes) - 1)
        assert [x for _k, b in nodes for x in lp_decode(b)] == items[::-1]


def test_plain_nodes_for_elements_at_the_threshold():
    Q.set_packed_threshold(10)
    for cls in (C.QuickList, PyQuickList):
        q = cls([b"a", b"b" * 10, b"c", b"d" * 9, b"e" * 30])
        assert q.nodes() == [(2, lp_encode([b"a"])), (1, b"b" * 10), (2, lp_encode([b"c", b"d" * 9])), (1, b"e" * 30)]
        q[1] = b"x"  # a plain node's element replaced by a small one
        assert list(q) == [b"a", b"x", b"c", b"d" * 9, b"e" * 30]
        assert q.nodes()[1] == (2, lp_encode([b"x", b"c", b"d" * 9]))
        q[0] = b"y" * 11  # a packed element replaced by a big one
        assert q.nodes()[0] == (1, b"y" * 11)
    assert not Q.set_packed_threshold((1 << 32) - (1 << 20) + 1)
    assert Q.packed_threshold() == 10
    assert Q.set_packed_threshold(0) and Q.packed_threshold() == 1 << 30


def test_fill_is_clamped_and_kept():
    for cls in (C.QuickList, PyQuickList):
        assert cls(fill=-9).fill == -5
        assert cls(fill=1 << 20).fill == 32767
        q = cls([b"a"] * 10, fill=3)
        assert q.node_count() == 4 and q.copy().fill == 3


@pytest.mark.parametrize("blob", [
    b"", b"\x07\x00\x00\x00\x00\x00", b"\x07\x00\x00\x00\x01\x00\xff",  # short; a count for no element
    b"\x0a\x00\x00\x00\x01\x00\x81a\x01\xff",  # a back length that is wrong
    b"\x0a\x00\x00\x00\x01\x00\x82a\x02\xff",  # an element running past the end
    b"\x0b\x00\x00\x00\x01\x00\x81a\x02\xff",  # header total wrong
    b"\x0a\x00\x00\x00\x01\x00\xf9a\x02\xff",  # no such encoding
    b"\x0a\x00\x00\x00\x02\x00\x81a\x02\xff",  # header count wrong
], ids=["empty", "no-end", "count", "backlen", "overrun", "total", "encoding", "count2"])  # fmt: skip
def test_bad_listpacks_are_refused(blob):
    assert C.QuickList().append_node(2, b"\x0a\x00\x00\x00\x01\x00\x81a\x02\xff")  # the good one they spoil
    for cls in (C.QuickList, PyQuickList):
        q = cls()
        with pytest.raises(ValueError):
            q.append_node(2, blob)
        assert len(q) == 0 and q.node_count() == 0


def test_adopted_listpacks_keep_their_bytes():
    """A listpack from outside is kept as it is (even an integer stored as
    a string, or in a wider encoding than needed); its header's count is
    set as lpLength sets it; an empty one is skipped."""
    body = b"\x815\x02" + b"\xf1\x07\x00\x03"  # "5" as a string, 7 as a 16-bit integer
    blob = struct.pack("<IH", 6 + len(body) + 1, 65535) + body + b"\xff"
    for cls in (C.QuickList, PyQuickList):
        q = cls()
        assert not q.append_node(2, lp_encode([]))
        assert q.append_node(2, blob) and q.append_node(1, b"plain")
        assert list(q) == [b"5", b"7", b"plain"]
        assert q.nodes() == [(2, blob[:4] + b"\x02\x00" + blob[6:]), (1, b"plain")]
        q.append(b"x")
        assert q.nodes()[-1] == (2, lp_encode([b"x"]))
        with pytest.raises(ValueError):
            q.append_node(1, b"")
        with pytest.raises(ValueError):
            q.append_node(3, b"x")


def test_iteration_stops_when_the_list_changes():
    for cls in (C.QuickList, PyQuickList):
        q = cls([b"a", b"b", b"c"])
        it = iter(q)
        assert next(it) == b"a"
        q.append(b"d")
        with pytest.raises(RuntimeError):
            next(it)
        with pytest.raises(StopIteration):
            next(it)


def test_free_nodes_and_sizes():
    for cls in (C.QuickList, PyQuickList):
        q = cls([b"v%d" % i for i in range(5000)], fill=16)
        n = q.node_count()
        assert n == 313
        assert q.free_nodes(100) == n - 100
        assert len(q) == 5000 - 8 - 99 * 16  # the tail node had 8
        assert q.free_nodes(1000) == 0 and len(q) == 0 and list(q) == []
    q = C.QuickList([b"item%d" % i for i in range(10)])
    import sys

    assert sys.getsizeof(q) == 64 + 77  # the object (one node slot inside it) and the listpack
