"""HyperLogLog against a real redis-server: the same commands go to both
servers; replies (values and exact errors, RESP2 and RESP3) and the
stored bytes (GET, DUMP) must be equal, in sparse and dense, across
promotions, merges and corrupt values. Values made by one server and
carried to the other (SET, RESTORE) count the same and keep evolving
byte for byte."""

from __future__ import annotations

import random

import pytest
import redis
from tests.support.resp import decode
from tests.support.scripts import run_script

SCRIPT = r"""
pfadd h a b c
pfadd h a
pfadd h
get h
pfcount h
get h
object encoding h
pfdebug encoding h
pfdebug decode h
pfdebug DECODE h
pfcount missing
pfadd e
get e
pfcount e
pfadd h2 x y z a
pfcount h h2
pfcount h missing h2
pfmerge m h h2
get m
pfcount m
pfmerge m2
get m2
pfmerge h h2
get h
set s foo
lpush l x
pfadd s a
pfadd l a
pfcount s
pfcount l
pfcount h s
pfcount h l
pfcount s l
pfmerge d l
pfmerge d s
pfmerge s h
exists d
pfdebug getreg l
pfdebug getreg s
pfdebug nope h
pfdebug nope missing
pfdebug getreg missing
pfdebug todense h
pfdebug todense h
pfdebug encoding h
pfdebug decode h
get h
pfcount h
pfadd
pfcount
pfmerge
pfdebug getreg
pfdebug getreg h extra
pfselftest extra
set short HYLL
pfcount short
set wrongenc HYLL2xxxxxxxxxxxxxxxxxxxxx
pfcount wrongenc
set dense HYLL0xxxxxxxxxxxxxxxxxxxxx
pfcount dense
"""


def test_script_matches_redis(raw_pair):
    ours, theirs = raw_pair
    assert run_script(ours, theirs, SCRIPT) == []


def _reply(client: redis.Redis, *args):
    try:
        return client.execute_command(*args)
    except redis.ResponseError as e:
        return "error: %s" % e


def _same(r: redis.Redis, ref: redis.Redis, *args):
    a, b = _reply(r, *args), _reply(ref, *args)
    assert a == b, (args, a, b)
    return a


@pytest.fixture
def sparse_max(r, ref):
    """Sets hll-sparse-max-bytes on both servers; back to 3000 afterwards."""

    def set_both(n: int) -> None:
        for c in (r, ref):
            c.config_set("hll-sparse-max-bytes", n)

    yield set_both
    set_both(3000)


@pytest.mark.parametrize("limit", [3000, 200, 0])
def test_random_pfadd_sequences_store_the_same_bytes(r, ref, sparse_max, limit):
    sparse_max(limit)
    rnd = random.Random(limit)
    for step in range(400):
        key = "h%d" % rnd.randrange(3)
        n = rnd.choice([1, 1, 2, 5, 40])
        els = [b"%d" % rnd.randrange(1 << rnd.choice([4, 12, 30])) for _ in range(n)]
        _same(r, ref, "PFADD", key, *els)
        if step % 7 == 0:
            _same(r, ref, "PFCOUNT", key)
        if step % 13 == 0:
            _same(r, ref, "PFCOUNT", "h0", "h1", "h2")
        if step % 29 == 0:
            _same(r, ref, "PFMERGE", "m%d" % (step % 2), key, "h%d" % rnd.randrange(3))
            _same(r, ref, "GET", "m%d" % (step % 2))
        assert r.get(key) == ref.get(key), step
    for key in ("h0", "h1", "h2", "m0", "m1"):
        _same(r, ref, "PFCOUNT", key)
        _same(r, ref, "PFDEBUG", "ENCODING", key)
        _same(r, ref, "GET", key)
        _same(r, ref, "OBJECT", "ENCODING", key)


def test_promotion_at_the_configured_size(r, ref, sparse_max):
    for limit in (16, 30, 100, 1000):
        sparse_max(limit)
        for c in (r, ref):
            c.delete("p")
        for i in range(300):
            _same(r, ref, "PFADD", "p", "e%d" % i)
            if i % 10 == 0:
                assert r.get("p") == ref.get("p"), (limit, i)
        _same(r, ref, "PFDEBUG", "ENCODING", "p")


def test_values_carried_between_servers_count_the_same(r, ref):
    rnd = random.Random(7)
    for n in (3, 50, 300, 3000, 20000):
        els = [b"x%d" % rnd.randrange(1 << 40) for _ in range(n)]
        ref.pfadd("theirs", *els)
        r.pfadd("ours", *els)
        assert r.get("ours") == ref.get("theirs")
        # Redis's value into radish by SET and by RESTORE, and back.
        r.set("copy", ref.get("theirs"))
        r.restore("restored", 0, ref.dump("theirs"), replace=True)
        ref.restore("back", 0, r.dump("ours"), replace=True)
        assert r.pfcount("copy") == r.pfcount("restored") == ref.pfcount("theirs") == ref.pfcount("back")
        more = [b"y%d" % i for i in range(n // 3 + 1)]
        r.pfadd("copy", *more)
        ref.pfadd("theirs", *more)
        assert r.get("copy") == ref.get("theirs")
        assert r.pfcount("copy") == ref.pfcount("theirs")
        for c in (r, ref):
            c.delete("ours", "theirs", "copy", "restored", "back")


def test_corrupt_values_give_the_same_replies_and_bytes(r, ref):
    rnd = random.Random(11)
    for c in (r, ref):
        c.pfadd("base", *[b"b%d" % i for i in range(40)])
    base = ref.get("base")
    assert r.get("base") == base
    for trial in range(150):
        v = bytearray(base)
        for _ in range(rnd.randrange(1, 4)):
            v[rnd.randrange(16, len(v))] = rnd.choice([0x00, 0x3F, 0x40, 0x7F, 0xFF, 0x80, 0x83, rnd.randrange(256)])
        if rnd.random() < 0.3:
            v = v[: rnd.randrange(16, len(v) + 1)]
        for c in (r, ref):
            c.set("c", bytes(v))
        _same(r, ref, "PFCOUNT", "c")
        _same(r, ref, "PFCOUNT", "c", "base")
        _same(r, ref, "PFDEBUG", "DECODE", "c")
        _same(r, ref, "PFADD", "c", *[b"n%d" % rnd.randrange(1000) for _ in range(rnd.randrange(1, 30))])
        assert r.get("c") == ref.get("c"), trial
        _same(r, ref, "PFMERGE", "dst", "base", "c")
        _same(r, ref, "GET", "dst")
        _same(r, ref, "PFDEBUG", "TODENSE", "c")
        assert r.get("c") == ref.get("c"), trial


def test_dense_values_and_registers_match(r, ref):
    for c in (r, ref):
        c.pfadd("d", *[b"d%d" % i for i in range(5000)])
    assert r.get("d") == ref.get("d")
    _same(r, ref, "PFDEBUG", "GETREG", "d")
    # Registers 52..63 (beyond what a hash can produce), set by hand.
    v = bytearray(ref.get("d"))
    v[16:28] = bytes([0xFF]) * 12
    for c in (r, ref):
        c.set("d", bytes(v))
    _same(r, ref, "PFCOUNT", "d")
    _same(r, ref, "PFCOUNT", "d", "d")
    _same(r, ref, "PFMERGE", "m", "d")
    _same(r, ref, "GET", "m")


def test_pfselftest_passes(r, ref):
    _same(r, ref, "PFSELFTEST")


def test_command_docs_and_info_match(raw_pair):
    ours, theirs = raw_pair
    for name in (b"pfadd", b"pfmerge", b"pfdebug", b"pfselftest", b"pfcount"):
        assert ours([b"COMMAND", b"DOCS", name]) == theirs([b"COMMAND", b"DOCS", name]), name
    # COMMAND INFO: radish's key specifications are still generic (RW for
    # write commands, RO otherwise); name, arity, flags, keys and ACL
    # categories must match.
    for name in (b"pfadd", b"pfmerge", b"pfdebug", b"pfselftest", b"pfcount"):
        a, b = decode(ours([b"COMMAND", b"INFO", name])), decode(theirs([b"COMMAND", b"INFO", name]))
        assert a[0][:7] == b[0][:7], name
