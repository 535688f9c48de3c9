"""The stream node codec: the C twin (radish.db._streamlp) against the
pure-Python one (radish.db.streamlp.py_append / py_scan) on random nodes,
and both against listpack bytes Redis 7.0 wrote (a DUMP payload of a
stream, taken from redis-server 7.0.15)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from radish.db import streamlp
from radish.db.stream import MAX_ID, StreamValue
from radish.db.streamlp import TOMBSTONES, master_entry, py_append, py_elements, py_scan
from radish.persistence.rdb import dump_payload, restore_payload

try:  # the C twin must be built for this test to mean anything (test.sh builds it)
    from radish.db import _streamlp as C
except ImportError:  # pragma: no cover
    C = None
assert C is not None, "radish.db._streamlp is not built (python3 setup.py build_ext --inplace)"

MASK64 = (1 << 64) - 1

_texts = st.one_of(
    st.sampled_from([b"f", b"v", b"0", b"-1", b"127", b"128", b"-4096", b"4095", b"-32768", b"99999999", b"-2147483649",
                     b"9223372036854775807", b"-9223372036854775808", b"9223372036854775808", b"01", b"-0", b"", b" 1"]),
    st.binary(max_size=8),
    st.binary(min_size=60, max_size=70),
    st.integers(min_value=-(1 << 63), max_value=(1 << 63) - 1).map(lambda v: b"%d" % v),
    st.integers(min_value=4090, max_value=4100).map(lambda n: b"x" * n),
)
_fields = st.lists(st.tuples(st.sampled_from([b"f", b"g", b"1", b"-5"]), _texts), min_size=1, max_size=3)
_steps = st.lists(
    st.tuples(st.sampled_from([(0, 1), (0, 200), (1, 0), (5000, 0), (1 << 40, 0), (0, 1 << 63)]), _fields, st.booleans()),
    min_size=1, max_size=25,
)


def _build(steps, app):
    first_fields = tuple(f for f, _ in steps[0][1])
    master = (1000 << 64) | 7
    lp = master_entry(first_fields)
    i = master
    dels = []
    for (dms, dseq), fv_pairs, dele in steps:
        fv = tuple(x for pair in fv_pairs for x in pair)
        assert app(lp, master, first_fields, i, fv) == py_append(bytearray(master_entry(first_fields)), master, first_fields, i, fv)
        dels.append(dele)
        i = (((i >> 64) + dms) << 64) | (((i & MASK64) + dseq) & MASK64)
    return lp, master, first_fields, dels


@settings(max_examples=300, deadline=None)
@given(_steps, st.integers(min_value=0, max_value=30), st.integers(min_value=0, max_value=30), st.integers(min_value=0, max_value=5), st.integers(0, 7))
def test_c_and_python_twins_agree(steps, a, b, count, flags):
    lp_c, master, mf, dels = _build(steps, C.append)
    lp_py = _build(steps, py_append)[0]
    assert bytes(lp_c) == bytes(lp_py)
    assert C.elements(lp_c) == py_elements(lp_py)
    full = py_scan(lp_py, master, mf, 0, MAX_ID, 0, TOMBSTONES)
    assert full == C.scan(lp_c, master, mf, 0, MAX_ID, 0, TOMBSTONES)
    for e, d in zip(full, dels, strict=True):  # flag some deleted, in place
        if d:
            lp_c[e[2]] |= 1
            lp_py[e[2]] |= 1
    ids = [e[0] for e in full] + [0, MAX_ID]
    lo, hi = sorted((ids[a % len(ids)], ids[b % len(ids)]))
    assert py_scan(lp_py, master, mf, lo, hi, count, flags) == C.scan(lp_c, master, mf, lo, hi, count, flags)


def test_malformed_nodes_raise_value_error_in_both():
    lp = master_entry((b"f",))
    py_append(lp, 1 << 64, (b"f",), 1 << 64, (b"f", b"v" * 100))
    for cut in range(1, len(lp)):
        bad = bytearray(lp[:cut])
        for fn in (py_scan, C.scan):
            try:
                fn(bad, 1 << 64, (b"f",), 0, MAX_ID, 0, TOMBSTONES)
            except (ValueError, IndexError):
                pass
    with pytest.raises(ValueError):
        C.scan(bytearray(lp[:-3]), 1 << 64, (b"f",), 0, MAX_ID, 0, 0)


# DUMP s from redis-server 7.0.15 after: XADD s 1-1 f v; XADD s 1-2 f 12;
# XADD s 2-0 a 1 b -300; XDEL s 1-2 (radish must produce and read the same).
REDIS_DUMP = bytes.fromhex(
    "130110000000000000000100000000000000013d3d0000001800020101010101816602000102010001000181760204010301000101010c01"
    "040100010101dfff0202018161020101816202ded4020801ff0202000101010203000a00cd20de6255bb4999"
)


def test_nodes_are_redis_listpacks():
    s = StreamValue()
    s.append((1 << 64) | 1, (b"f", b"v"), 4096, 100)
    s.append((1 << 64) | 2, (b"f", b"12"), 4096, 100)
    s.append(2 << 64, (b"a", b"1", b"b", b"-300"), 4096, 100)
    assert s.delete((1 << 64) | 2)
    s.max_deleted = (1 << 64) | 2
    assert s.range(0, MAX_ID) == [[b"1-1", (b"f", b"v")], [b"2-0", (b"a", b"1", b"b", b"-300")]]
    assert s.range_raw(0, MAX_ID, 1, True) == b"*1\r\n*2\r\n$3\r\n2-0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$4\r\n-300\r\n"
    payload = dump_payload(s)
    assert payload == REDIS_DUMP
    back = restore_payload(REDIS_DUMP)
    assert back.range(0, MAX_ID) == s.range(0, MAX_ID)
    assert bytes(back.nodes[0].lp) == bytes(s.nodes[0].lp)
    assert streamlp.scan is (C.scan if not streamlp.NO_EXTENSIONS else py_scan)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 3), _fields), min_size=1, max_size=60),
    st.sampled_from([0, 1, 60, 200, 4096, 1 << 31]),
    st.sampled_from([0, 1, 3, 100, 500]),
    st.sampled_from([0, 5, (1 << 64) - 2]),
)
def test_add_star_c_and_python_agree(steps, max_bytes, max_entries, t0):
    """XADD key *'s fast path: the C add_star and py_add_star change a
    stream alike, and leave it as the general path (StreamValue.append)
    would."""
    from radish.db.stream import py_add_star

    streams = [StreamValue(), StreamValue(), StreamValue()]
    now = t0
    for dt, pairs in steps:
        now = min(now + dt, (1 << 64) - 1)
        fv = tuple(x for pair in pairs for x in pair)
        texts = []
        for k, s in enumerate(streams):
            fn = (C.add_star, py_add_star, None)[k]
            text = fn(s, [b"XADD", b"s", b"*", *fv], now, max_bytes, max_entries) if fn is not None else None
            if text is None:
                last = s.last_id
                if last == MAX_ID:
                    texts.append(None)
                    continue
                new_id = now << 64 if now > last >> 64 else last + 1
                text = s.append(new_id, fv, max_bytes, max_entries)
            texts.append(text)
        assert texts[0] == texts[1] == texts[2]
    a, b, c = streams
    for s in (b, c):
        assert (s.length, s.last_id, s.first_id, s.entries_added, s.nkeys) == (a.length, a.last_id, a.first_id, a.entries_added, a.nkeys)
        assert [(bytes(n.lp), n.count, n.deleted, n.last, n.master, n.mfields) for n in s.nodes] == [
            (bytes(n.lp), n.count, n.deleted, n.last, n.master, n.mfields) for n in a.nodes]


def test_deleting_an_entry_whose_flags_are_not_a_one_byte_integer():
    """A listpack from elsewhere may spell an entry's flags another way (a
    string "2" here); XDEL re-encodes the element, as lpReplaceInteger."""
    from radish.db.stream import StreamNode

    master = 5 << 64
    node = StreamNode(master, (b"f",))
    node.add(master, (b"f", b"v"))
    node.add(master + 1, (b"f", b"w"))
    lp = bytes(node.lp)
    second = node.scan(master + 1, master + 1)[0][2]
    assert lp[second : second + 2] == b"\x02\x01"
    node.lp = bytearray(lp[:second] + b"\x81" + b"2" + b"\x02" + lp[second + 2 :])
    s = StreamValue()
    s.nodes.append(node)
    s.nkeys.append(master)
    s.length = 2
    s.last_id = master + 1
    assert s.range(0, MAX_ID) == [[b"5-0", (b"f", b"v")], [b"5-1", (b"f", b"w")]]
    assert s.delete(master + 1)
    assert bytes(node.lp) == lp[:second] + b"\x03\x01" + lp[second + 2 :]
    assert s.range(0, MAX_ID) == [[b"5-0", (b"f", b"v")]]
