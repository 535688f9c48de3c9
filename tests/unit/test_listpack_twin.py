"""Small hashes and sorted sets in listpacks: the C types (radish.db._listpack)
against their pure-Python twins (radish.db.listpack.PyHash / PyZSet) on
random operation sequences (same answers, same bytes after every step),
the bytes against the codec that reads Redis's RDB files, and the checks
on listpacks adopted from outside. Also ZADD's score parser: the module's
string2d (glibc strtod) against strconv.string2d."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from radish.db.listpack import PyHash, PySet, PyZSet, lp_decode, lp_encode, lp_read_score, lp_score
from radish.protocol.resp import format_double
from radish.strconv import string2d as py_string2d

try:  # the C twin must be built for this test to mean anything (test.sh builds it)
    from radish.db import _listpack as C
except ImportError:  # pragma: no cover
    C = None
assert C is not None, "radish.db._listpack is not built (python3 setup.py build_ext --inplace)"

_texts = st.one_of(
    st.sampled_from([b"f", b"v", b"0", b"-1", b"127", b"128", b"-4096", b"4095", b"-32768", b"99999999", b"-2147483649",
                     b"9223372036854775807", b"-9223372036854775808", b"9223372036854775808", b"01", b"-0", b"", b" 1"]),
    st.binary(max_size=6),
    st.binary(min_size=60, max_size=70),
    st.integers(min_value=-(1 << 63), max_value=(1 << 63) - 1).map(lambda v: b"%d" % v),
    st.integers(min_value=4090, max_value=4100).map(lambda n: b"x" * n),
)
_keys = st.one_of(st.sampled_from([b"a", b"b", b"c", b"1", b"-5", b"10", b""]), st.binary(max_size=3))

_hash_ops = st.lists(
    st.one_of(
        st.tuples(st.just("set"), _keys, _texts),
        st.tuples(st.just("del"), _keys),
        st.tuples(st.just("pop"), _keys),
        st.tuples(st.just("update"), st.lists(st.tuples(_keys, _texts), max_size=4)),
    ),
    max_size=40,
)


def _outcome(obj, what):
    """``what(obj)``'s result, or the type of what it raised."""
    try:
        return ("ok", what(obj))
    except Exception as e:  # noqa: BLE001 - compared by the callers
        return ("err", type(e))


def _same(c, p, what):
    """Runs ``what`` on both; the same result or the same exception type."""
    rc = _outcome(c, what)
    assert rc == _outcome(p, what)
    return rc


def _check_hash(c, p) -> None:
    assert c.blob() == p.blob()
    assert lp_decode(c.blob()) == c.elements()
    assert len(c) == len(p)
    assert c.items() == p.items() and c.keys() == p.keys() and c.values() == p.values()
    assert list(c) == list(p)
    assert c.nbytes() == len(c.blob())


@settings(max_examples=300, deadline=None)
@given(_hash_ops, _keys)
def test_hash_twins_agree(ops, probe):
    c, p = C.Hash(), PyHash()
    model: dict[bytes, bytes] = {}
    for op in ops:
        if op[0] == "set":
            c[op[1]] = op[2]
            p[op[1]] = op[2]
            model[op[1]] = op[2]
        elif op[0] == "del":
            _same(c, p, lambda h, k=op[1]: h.__delitem__(k))
            model.pop(op[1], None)
        elif op[0] == "pop":
            _same(c, p, lambda h, k=op[1]: h.pop(k, None))
            model.pop(op[1], None)
        else:
            c.update(op[1])
            p.update(op[1])
            model.update(op[1])
        _check_hash(c, p)
        # A dict in insertion order is what a listpack hash holds.
        assert c.items() == list(model.items())
    assert c.get(probe) == p.get(probe) == model.get(probe)
    assert (probe in c) == (probe in p) == (probe in model)
    _same(c, p, lambda h: h[probe])
    # The bytes are the listpack Redis would build appending the same pairs.
    assert c.blob() == lp_encode([x for kv in model.items() for x in kv])
    # Adopted and copied values are equal, and independent.
    for other in (C.Hash(c.blob()), PyHash(p.blob()), c.copy(), p.copy()):
        assert other.items() == c.items()
    d = c.copy()
    d[b"new-field"] = b"x"
    assert b"new-field" not in c or model.get(b"new-field") is not None


_scores = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 1.5, math.inf, -math.inf, 4611686018427387904.0, 4611686018427387905e3,
                     -4611686018427387904.0, 1e-300, 0.1, 2.0 ** 62]),
    st.integers(min_value=-1000, max_value=1000).map(float),
    st.floats(allow_nan=False),
)
class _ZCfg:
    """The two config values ZSet.add reads."""

    def __init__(self, entries: int, value: int) -> None:
        self.zset_max_listpack_entries = entries
        self.zset_max_listpack_value = value


_zset_ops = st.lists(
    st.one_of(
        st.tuples(st.just("insert"), _keys, _scores),
        st.tuples(st.just("add"), _keys, _scores, st.integers(0, 8), st.integers(0, 4)),
        st.tuples(st.just("pop_reply"), st.booleans(), st.booleans()),
        st.tuples(st.just("remove"), _keys),
        st.tuples(st.just("pop"), st.integers(min_value=-6, max_value=6)),
        st.tuples(st.just("delrange"), st.integers(min_value=-6, max_value=6), st.integers(min_value=-6, max_value=6)),
    ),
    max_size=40,
)


def _sorted_model(model: dict[bytes, float]) -> list[tuple[float, bytes]]:
    return sorted((s, m) for m, s in model.items())


@settings(max_examples=300, deadline=None)
@given(_zset_ops, _keys, _scores)
def test_zset_twins_agree(ops, probe, probe_score):
    c, p = C.ZSet(), PyZSet()
    model: dict[bytes, float] = {}
    for op in ops:
        if op[0] == "insert":
            c.insert(op[1], op[2])
            p.insert(op[1], op[2])
            model[op[1]] = lp_read_score(lp_score(op[2]))
        elif op[0] == "add":
            m, score, entries, value = op[1:]
            cfg = _ZCfg(entries, value)
            if m in model:
                want = 0 if model[m] == score else 2
            else:
                want = None if len(model) + 1 > entries or len(m) > value else 1
            assert c.add(m, score, cfg) == p.add(m, score, cfg) == want
            if want is not None:
                model[m] = lp_read_score(lp_score(score))
        elif op[0] == "pop_reply":
            top, resp3 = op[1], op[2]
            ranked = _sorted_model(model)
            r = _same(c, p, lambda z, top=top, resp3=resp3: z.pop_reply(top, resp3))
            if not ranked:
                assert r == ("err", IndexError)
            else:
                s, m = ranked[-1] if top else ranked[0]
                assert r == ("ok", [m, s if resp3 else format_double(s)])
                assert type(r[1][1]) is (float if resp3 else bytes)
                del model[m]
        elif op[0] == "remove":
            assert c.remove(op[1]) == p.remove(op[1]) == (model.pop(op[1], None) is not None)
        elif op[0] == "pop":
            r = _same(c, p, lambda z, i=op[1]: z.pop_at(i))
            if r[0] == "ok":
                del model[r[1][1]]
        else:
            lo, hi = op[1], op[2]
            gone = _sorted_model(model)[lo:hi]
            del c.sl[lo:hi]
            del p.sl[lo:hi]
            for _s, m in gone:
                del model[m]
        assert c.blob() == p.blob()
        assert lp_decode(c.blob()) == c.elements()
        # Rank order is (score, member bytes), as Redis's zzlInsert keeps it.
        assert list(c.sl) == list(p.sl) == _sorted_model(model)
        assert list(reversed(c.sl)) == list(reversed(p.sl))
        assert c.items() == p.items() and list(c) == list(p) == c.members_by_rank()
    key = (probe_score, probe)
    assert c.sl.bisect_left(key) == p.sl.bisect_left(key)
    assert c.sl.bisect_right(key) == p.sl.bisect_right(key)
    assert c.get(probe) == p.get(probe)
    assert c.rank(probe) == p.rank(probe)
    n = len(c)
    assert len(c.sl) == len(p.sl) == n
    for i in range(-n, n):
        assert c.sl[i] == p.sl[i]
        assert c.key_at(i) == p.key_at(i)
    assert c.sl[1:-1] == p.sl[1:-1]
    for other in (C.ZSet(c.blob()), PyZSet(p.blob()), c.copy(), p.copy()):
        assert other.items() == c.items()


def test_view_sees_changes_made_after_it():
    z = C.ZSet()
    for i in range(5):
        z.insert(b"m%d" % i, float(i))
    v = z.sl
    assert v[4] == (4.0, b"m4")
    z.insert(b"a", 2.5)
    assert v[3] == (2.5, b"a") and len(v) == 6
    del v[0:3]
    assert z.members_by_rank() == [b"a", b"m3", b"m4"]


def test_scores_are_stored_as_redis_stores_them():
    z = C.ZSet()
    z.insert(b"int", 7.0)
    z.insert(b"neg0", -0.0)
    z.insert(b"frac", 0.5)
    z.insert(b"big", 1e20)
    z.insert(b"inf", math.inf)
    # Integral scores become integer elements, -0 is 0, others %.17g text.
    assert z.elements() == [b"neg0", b"0", b"frac", b"0.5", b"int", b"7", b"big", b"1e+20", b"inf", b"inf"]
    assert math.copysign(1.0, z[b"neg0"]) == 1.0


@pytest.mark.parametrize("cls", [C.Hash, PyHash, C.ZSet, PyZSet])
def test_malformed_listpacks_are_refused(cls):
    good = lp_encode([b"a", b"1", b"bb", b"-7"])
    assert cls(good).elements() == [b"a", b"1", b"bb", b"-7"]
    bad = [
        good[:-1],  # no end byte
        good[:-1] + b"\x00",
        b"\x00" + good[1:],  # wrong total
        good[:6] + b"\xfe" + good[7:],  # bad encoding
        lp_encode([b"a", b"1", b"bb"]),  # odd count for pairs
        good[:4] + b"\x03\x00" + good[6:],  # wrong count
    ]
    mangled = bytearray(good)
    mangled[8] ^= 0x01  # the first element's back length
    bad.append(bytes(mangled))
    for blob in bad:
        with pytest.raises(ValueError):
            cls(blob)


def test_sizes():
    """A ten-field hash costs its listpack plus one small object."""
    h = C.Hash()
    for j in range(10):
        h[b"field%d" % j] = b"value%d" % j
    assert h.nbytes() == 167  # what Redis's listpack holds for these pairs
    assert h.__sizeof__() == h.nbytes() + 32


class _Cfg:
    def __init__(self, limit: int) -> None:
        self.set_max_intset_entries = limit


_set_ops = st.lists(
    st.one_of(
        st.tuples(st.just("add"), _keys),
        st.tuples(st.just("add"), st.integers(-(1 << 63), (1 << 63) - 1).map(lambda v: b"%d" % v)),
        st.tuples(st.just("discard"), _keys),
        st.tuples(st.just("update"), st.lists(_keys, max_size=4)),
        st.tuples(st.just("difference_update"), st.lists(_keys, max_size=4)),
        st.tuples(st.just("pop"), st.integers(0, 1000)),
        st.tuples(st.just("encoding"), st.integers(0, 6)),
        st.tuples(st.just("width"), st.sampled_from([2, 4, 8])),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(_set_ops, _keys)
def test_set_twins_agree(ops, probe):
    import random

    c, p = C.Set(), PySet()
    model: list[bytes] = []
    for op in ops:
        if op[0] == "add":
            assert c.add(op[1]) == p.add(op[1]) == (op[1] not in model)
            if op[1] not in model:
                model.append(op[1])
        elif op[0] == "discard":
            assert c.discard(op[1]) == p.discard(op[1]) == (op[1] in model)
            if op[1] in model:
                model.remove(op[1])
        elif op[0] == "update":
            c.update(op[1])
            p.update(op[1])
            for m in op[1]:
                if m not in model:
                    model.append(m)
        elif op[0] == "difference_update":
            c.difference_update(op[1])
            p.difference_update(op[1])
            model = [m for m in model if m not in op[1]]
        elif op[0] == "pop":
            random.seed(op[1])
            rc = _outcome(c, lambda s: s.pop_random())
            random.seed(op[1])
            assert _outcome(p, lambda s: s.pop_random()) == rc
            if rc[0] == "ok":
                model.remove(rc[1])
        elif op[0] == "width":
            c.width = p.width = op[1]
        else:
            cfg = _Cfg(op[1])
            assert c.encoding(cfg) == p.encoding(cfg)
            assert c.big == p.big
            assert c.ordered(cfg) == p.ordered(cfg)
        assert c.width == p.width
        assert c.blob() == p.blob() == lp_encode(model)
        assert list(c) == list(p) == model and len(c) == len(p) == len(model)
    assert (probe in c) == (probe in p) == (probe in model)
    for other in (C.Set(c.blob()), PySet(p.blob()), c.copy(), p.copy()):
        assert list(other) == model
    assert c.copy().big == c.big and c.copy().width == c.width
    for bad in (0, 3, 16):
        for s in (c, p):
            with pytest.raises(ValueError):
                s.width = bad


def test_set_encoding_is_sticky_and_ordered_for_intsets():
    s = C.Set()
    s.update([b"10", b"-3", b"7"])
    cfg = _Cfg(512)
    assert s.encoding(cfg) == "intset" and s.ordered(cfg) == [b"-3", b"7", b"10"]
    s.add(b"x")
    assert s.encoding(cfg) == "hashtable" and s.big
    s.discard(b"x")
    assert s.encoding(cfg) == "hashtable"  # Redis never converts back
    assert s.ordered(cfg) == [b"10", b"-3", b"7"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_keys, _texts), max_size=12), st.lists(st.tuples(_keys, _scores), max_size=12),
       st.lists(_keys, max_size=12), st.integers(0, 12), st.integers(0, 12), st.booleans(), st.booleans(), st.booleans())
def test_replies_built_in_c_are_the_encoders(hpairs, zpairs, members, a, b, rev, withscores, resp3):
    """The C types' RESP replies equal what the generic encoder makes of
    the same values (the twins' replies)."""
    ch, ph = C.Hash(), PyHash()
    ch.update(hpairs)
    ph.update(hpairs)
    for what in (0, 1, 2):
        assert ch.resp(resp3, what) == ph.resp(resp3, what)
    cz, pz = C.ZSet(), PyZSet()
    for m, s in zpairs:
        cz.insert(m, s)
        pz.insert(m, s)
    n = len(cz)
    lo, hi = min(a, b, n), min(max(a, b), n)
    assert cz.resp_range(lo, hi, rev, withscores, resp3) == pz.resp_range(lo, hi, rev, withscores, resp3)
    cs, ps = C.Set(), PySet()
    cs.update(members)
    ps.update(members)
    cfg = _Cfg(a)
    assert cs.resp(cfg, resp3) == ps.resp(cfg, resp3)


def test_add_reads_the_config_only_for_an_absent_member():
    """An update never converts (zsetAdd checks the limits only before
    adding), so ZSet.add reads no limit for a member that is there."""

    class NoConfig:
        def __getattr__(self, name):
            raise AssertionError("read " + name)

    for z in (C.ZSet(), PyZSet()):
        assert z.add(b"a", 1.0, _ZCfg(1, 1)) == 1
        assert z.add(b"a", 1.0, NoConfig()) == 0
        assert z.add(b"a", 2.0, NoConfig()) == 2
        assert z.add(b"b", 2.0, _ZCfg(1, 1)) is None  # a 2nd pair passes 1 entry
        assert z.add(b"bb", 2.0, _ZCfg(2, 1)) is None  # 2 bytes pass 1
        assert z.add(b"b", 0.5, _ZCfg(2, 1)) == 1
        assert z.items() == [(b"b", 0.5), (b"a", 2.0)]
        with pytest.raises(TypeError):
            z.add("str", 1.0, _ZCfg(9, 9))


_SCORE_TEXTS = {
    b"1": 1.0, b"-0": -0.0, b"0": 0.0, b"-1": -1.0, b"1.5e3": 1500.0, b"0x10": 16.0, b"inf": math.inf,
    b"-inf": -math.inf, b"+inf": math.inf, b"Infinity": math.inf, b"1e-310": 1e-310, b".5": 0.5, b"5.": 5.0,
    b"+7": 7.0, b"007": 7.0, b"123456789012345": 123456789012345.0, b"-123456789012345": -123456789012345.0,
    b"1234567890123456": 1234567890123456.0, b"9007199254740993": 9007199254740992.0, b"0.1": 0.1,
    b"1e308": 1e308, b"0x1p-1074": 5e-324, b"1.7976931348623157e308": 1.7976931348623157e308,
    # refused: empty, spaces, trailing text, NaN, overflow, underflow to 0, NUL inside
    b"": None, b" 1": None, b"1 ": None, b"\t1": None, b"\n1": None, b"\x0b1": None, b"\x0c1": None,
    b"\r1": None, b"nan": None, b"-nan": None, b"NaN": None, b"nan(1)": None, b"1e400": None, b"-1e400": None,
    b"1e-400": None, b"-1e-400": None, b"abc": None, b"1\x002": None, b"\x001": None, b"1_0": None, b"-": None,
    b"+": None, b".": None, b"e5": None, b"1e": None, b"0x": None, b"--1": None, b"\xa01": None, b"1,5": None,
}


@pytest.mark.parametrize("text", sorted(_SCORE_TEXTS))
def test_string2d_texts(text):
    """Redis's string2d on chosen texts: glibc strtod over the whole text,
    NaN, overflow, underflow to 0 and leading space refused."""
    want = _SCORE_TEXTS[text]
    for f in (C.string2d, py_string2d):
        got = f(text)
        if want is None:
            assert got is None, (f, text)
        else:
            assert got == want and math.copysign(1.0, got) == math.copysign(1.0, want), (f, text, got)


_number_texts = st.one_of(
    st.text(alphabet="0123456789.-+eExXpPabcdfinINFtyY \t\x00", max_size=12).map(str.encode),
    st.floats().map(lambda f: repr(f).encode()),
    st.floats().map(lambda f: b"%.17g" % f),
    st.integers(min_value=-(10**20), max_value=10**20).map(lambda v: b"%d" % v),
    st.binary(max_size=6),
)


@settings(max_examples=3000, deadline=None)
@given(_number_texts)
def test_string2d_twins_agree(text):
    c, p = C.string2d(text), py_string2d(text)
    if c is None or p is None:
        assert c is p, (text, c, p)
    else:
        assert c == p and math.copysign(1.0, c) == math.copysign(1.0, p), (text, c, p)
