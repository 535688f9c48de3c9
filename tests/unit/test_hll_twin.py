"""The C HyperLogLog (radish._hll) against its pure-Python twin
(radish.db.hyperloglog): the same results and the same bytes, on random
sparse and dense values, promotions, merges, counts and corrupt values."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from radish.db import hyperloglog as py

C = py.C_IMPL
assert C is not None, "radish._hll is not built (python3 setup.py build_ext --inplace)"

elements = st.lists(st.binary(max_size=24), max_size=60)
sparse_max = st.sampled_from([0, 20, 40, 300, 3000])
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def both(fn: str, *args):
    """Call ``fn`` on copies of the arguments in both; results and the
    (possibly changed) arguments must agree."""
    a = [bytearray(x) if isinstance(x, bytearray) else x for x in args]
    b = [bytearray(x) if isinstance(x, bytearray) else x for x in args]
    ra = getattr(C, fn)(*a)
    rb = getattr(py, fn)(*b)
    assert ra == rb, (fn, ra, rb)
    assert a == b
    return ra, a


def grown(els: list[bytes], limit: int) -> bytearray:
    v = bytearray(py.EMPTY)
    py.add(v, els, 0, limit)
    return v


def test_known_hashes():
    for data in (b"", b"a", b"abcdefgh", b"abcdefghi", bytes(range(200))):
        assert C.murmurhash64a(data, 0xADC83B19) == py.murmurhash64a(data, 0xADC83B19)
        assert C.pat_len(data) == py.pat_len(data)


@SETTINGS
@given(els=elements, limit=sparse_max, more=elements)
def test_add_sparse_and_promotion(els, limit, more):
    v = grown(els, limit)
    _, (v2, *_) = both("add", v, more, 0, limit)
    both("count", bytes(v2))
    both("cached_card", bytes(v2))
    both("recount", v2)
    if v2[4] == py.SPARSE:
        both("decode", bytes(v2))
    both("to_dense", v2)


@SETTINGS
@given(els=elements, n=st.integers(0, 5000), limit=sparse_max)
def test_add_dense_and_count(els, n, limit):
    v = grown([b"%d" % i for i in range(n)], limit)
    py.to_dense(v)
    both("add", v, els, 0, limit)
    both("count", v)
    both("registers", bytes(v))


@SETTINGS
@given(sets=st.lists(st.tuples(st.lists(st.binary(max_size=8), max_size=40), st.booleans()), min_size=1, max_size=4), limit=sparse_max, dest_dense=st.booleans())
def test_merge_and_store(sets, limit, dest_dense):
    raw = bytearray(py.REGISTERS)
    use_dense = False
    for els, dense in sets:
        v = grown(els, 3000)
        if dense:
            py.to_dense(v)
            use_dense = True
        _, (raw, _) = both("merge_max", raw, bytes(v))
    both("count_raw", bytes(raw))
    dest = grown([b"x", b"y"], limit)
    if dest_dense:
        py.to_dense(dest)
    both("store_merged", dest, bytes(raw), use_dense, limit)


# 64 registers set, values 1..63 and up: promotes a sparse destination.
SOME_REGISTERS = bytes((i // 256) if i % 256 == 5 else 0 for i in range(py.REGISTERS))


def _corrupt_values():
    tail = st.binary(max_size=40)
    header = st.builds(
        lambda enc, card: b"HYLL" + bytes((enc, 0, 0, 0)) + card,
        st.sampled_from([0, 1]),
        st.binary(min_size=8, max_size=8),
    )
    return st.builds(lambda h, t: h + t, header, tail)


@settings(max_examples=150, deadline=None)
@given(v=_corrupt_values(), els=elements, limit=sparse_max)
def test_corrupt_values(v, els, limit):
    ok = C.is_hll(v)
    assert ok == py.is_hll(v)
    if not ok:
        assert C.cached_card(v) == py.cached_card(v) == -2
        assert C.add(bytearray(v), els, 0, limit) == py.add(bytearray(v), els, 0, limit) == -2
        for fn in ("count", "decode"):
            with pytest.raises(ValueError):
                getattr(C, fn)(v)
            with pytest.raises(ValueError):
                getattr(py, fn)(v)
        return
    both("count", v)
    both("cached_card", v)
    both("decode", v)
    both("add", bytearray(v), els, 0, limit)
    both("to_dense", bytearray(v))
    both("merge_max", bytearray(py.REGISTERS), v)
    both("store_merged", bytearray(v), SOME_REGISTERS, False, limit)
    both("store_merged", bytearray(v), SOME_REGISTERS, True, limit)


@settings(max_examples=200, deadline=None)
@given(ops=st.lists(st.sampled_from([0x00, 0x3F, 0x40, 0x7F, 0x80, 0x83, 0xFC, 0xFF, 0x41, 0x05]), max_size=30), els=elements)
def test_corrupt_opcode_streams(ops, els):
    """Sparse streams built from edge opcodes (runs past 16384 registers,
    a truncated XZERO at the end)."""
    v = py.EMPTY[:16] + bytes(ops)
    both("count", v)
    both("decode", v)
    both("add", bytearray(v), els, 0, 3000)
    both("merge_max", bytearray(py.REGISTERS), v)


def test_wrong_arguments_are_refused_alike():
    for impl in (C, py):
        with pytest.raises(TypeError):
            impl.add(bytes(py.EMPTY), [b"a"], 0, 3000)
        with pytest.raises(ValueError):
            impl.count_raw(bytes(10))
        with pytest.raises(ValueError):
            impl.registers(py.EMPTY)


def test_selftest_small():
    assert C.selftest(3000, 2, 100_000) is None
    assert py.selftest(3000, 1, 2_000) is None
