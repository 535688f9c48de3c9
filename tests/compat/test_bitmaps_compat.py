"""Bitmap commands against a real redis-server: the same scripts (and a
seeded random stream) go to both servers over RESP2 and RESP3 and every raw
reply, error texts included, must be equal byte for byte. The dirty counter
(rdb_changes_since_last_save) must move exactly as Redis's does."""

from __future__ import annotations

import random

import pytest
import redis
from tests.support.resp import Raw
from tests.support.scripts import run_script
from tests.support.servers import start_radish, start_redis

SCRIPTS: dict[str, str] = {}

SCRIPTS["setbit_getbit"] = r"""
setbit k 7 1
get k
setbit k 7 1
setbit k 7 0
get k
setbit k 100 1
strlen k
getbit k 100
getbit k 101
getbit k 100000
getbit nokey 5
setbit k -1 1
setbit k abc 1
setbit k 1.5 1
setbit k 01 1
setbit k 0 2
setbit k 0 -1
setbit k 0 x
setbit k 0 ""
setbit k x x
setbit k 4294967295 x
setbit k 4294967296 1
getbit k 4294967296
getbit k 4294967295
getbit k -1
getbit k x
object encoding k
set s hello
setbit s 0 0
object encoding s
get s
set n 12345
setbit n 2 1
get n
rpush l a
setbit l 0 1
getbit l 0
setbit l x 1
setbit l 0 5
setbit "" 3 1
get ""
"""

SCRIPTS["bitcount"] = r"""
set k foobar
bitcount k
bitcount k 0 0
bitcount k 1 1
bitcount k 1 1 byte
bitcount k 5 30 bit
bitcount k 5 30 BIT
bitcount k 0 -1 bit
bitcount k -5 -1 bit
bitcount k -1 -5 bit
bitcount k 7 7 bit
bitcount k 8 8 bit
bitcount k 9 14 bit
bitcount k 0 47 bit
bitcount k 0 1000 bit
bitcount k 40 -1 bit
bitcount k -100 -1
bitcount k -100 100
bitcount k 2 1
bitcount k -1 -2
bitcount k -2 -1
bitcount k 3 -100
bitcount k 100 200
bitcount k 0
bitcount k 0 1 2
bitcount k 0 1 bits
bitcount k 0 1 byte extra
bitcount k a 1
bitcount k 0 a
bitcount k a b c
bitcount nokey
bitcount nokey 0 1
bitcount nokey 0
bitcount nokey a b nonsense
set e ""
bitcount e
bitcount e 0 -1
bitcount e 0 -1 bit
bitcount e -1 -1 bit
rpush l a
bitcount l
bitcount l 0
set n 255
bitcount n
bitcount n 0 0 bit
"""

SCRIPTS["bitpos"] = r"""
set k "\xff\xf0\x00"
bitpos k 0
bitpos k 1
bitpos k 0 1
bitpos k 0 2
bitpos k 0 3
bitpos k 1 2
bitpos k 1 1 -1
bitpos k 0 0 0
bitpos k 0 0 1
bitpos k 0 0 -1
bitpos k 1 -1
bitpos k 1 -1 -1
bitpos k 0 -100 100
bitpos k 0 5 bit
bitpos k 0 5 20 bit
bitpos k 0 12 20 bit
bitpos k 0 0 11 bit
bitpos k 1 12 23 bit
bitpos k 1 7 7 bit
bitpos k 1 20 2 bit
bitpos k 0 -3 -1 bit
bitpos k 1 -13 -1 bit
bitpos k 0 1 1 BYTE
bitpos k 0 1 1 bits
bitpos k 0 1 x bits
bitpos k 0 1 x bit
bitpos k 0 x
bitpos k 0 0 1 bit extra
bitpos k 2
bitpos k -1
bitpos k x
bitpos k 1 x
set ones "\xff\xff"
bitpos ones 0
bitpos ones 0 0
bitpos ones 0 0 -1
bitpos ones 0 1
bitpos ones 0 1 -1
bitpos ones 0 3 bit
bitpos ones 0 3 15 bit
bitpos ones 0 3 5 bit
bitpos ones 1 3 5 bit
bitpos ones 0 20
bitpos ones 0 20 30
set zeros "\x00\x00\x00"
bitpos zeros 1
bitpos zeros 0
bitpos zeros 1 1
bitpos zeros 1 0 -1 bit
bitpos zeros 0 9 bit
bitpos nokey 1
bitpos nokey 0
bitpos nokey 0 5 6 bogus
bitpos nokey 2
set e ""
bitpos e 0
bitpos e 1
bitpos e 0 0
bitpos e 0 0 -1 bit
rpush l a
bitpos l 1
bitpos l 2
"""

SCRIPTS["bitop"] = r"""
set a "\xff\x0f"
set b "\x0f"
set c "\xf0\xf0\xf0"
bitop and d a b
get d
bitop or d a b c
get d
bitop xor d a b c
get d
bitop xor d a a
get d
bitop not d a
get d
bitop not d nokey
exists d
set d x
bitop and d nokey nokey2
exists d
bitop and d a nokey
get d
bitop or d nokey a
get d
bitop not d a b
bitop nand d a b
bitop AnD d a
get d
object encoding d
set d x ex 100
bitop or d a
ttl d
bitop or a a b
get a
rpush l x
bitop and d a l
bitop and l a
type l
bitop or d l
bitop not d l
set e ""
bitop or d e
exists d
bitop or d e a
get d
set n 12
bitop not d n
get d
"""

SCRIPTS["bitfield"] = r"""
bitfield k
bitfield k get u8 0
exists k
bitfield k set u8 0 255 get u8 0 get i8 0 get u4 4 get i4 4
get k
bitfield k incrby u8 0 10
bitfield k overflow sat incrby u8 0 300
bitfield k overflow sat incrby u8 0 -300
bitfield k overflow fail incrby u8 0 -1
bitfield k overflow fail incrby u8 0 256 get u8 0
bitfield k overflow wrap incrby u8 0 257
bitfield k set i8 0 127 incrby i8 0 1
bitfield k overflow sat incrby i8 0 -1000
bitfield k overflow sat incrby i8 0 1000
bitfield k overflow fail set i8 0 128
bitfield k overflow fail set i8 0 -128
bitfield k overflow wrap set i8 0 128
bitfield k overflow sat set i8 0 -9223372036854775808
bitfield k overflow sat set i8 0 9223372036854775807
bitfield k overflow wrap set i8 0 -9223372036854775808
bitfield k overflow sat set u8 0 -1
bitfield k overflow wrap set u8 0 -1
bitfield k overflow fail set u8 0 -1
bitfield k set i64 0 -1 get i64 0 get u63 0 get u63 1
bitfield k incrby i64 0 1
bitfield k set i64 0 9223372036854775807 incrby i64 0 1
bitfield k overflow sat set i64 0 9223372036854775807 incrby i64 0 1
bitfield k overflow sat set i64 0 -9223372036854775808 incrby i64 0 -1
bitfield k overflow fail incrby i64 0 -1
bitfield k overflow sat set u63 0 9223372036854775807
bitfield k overflow sat incrby u63 0 9223372036854775807
bitfield k overflow wrap incrby u63 0 -9223372036854775808
bitfield k set u1 0 1 set u1 1 1 get u2 0 set i1 2 -1 get i1 2 get u3 0
bitfield k set u5 #3 17 get u5 #3 get u5 15
bitfield k set i16 #-1 0
bitfield k get u8 #x
bitfield k get u8 ##1
bitfield k get u8 -1
bitfield k get u8 x
bitfield k get u8 4294967296
bitfield k get u8 4294967295
bitfield k get u8 #536870912
bitfield k get u8 #536870911
bitfield k get i64 #2305843009213693953
bitfield k get u64 0
bitfield k get i65 0
bitfield k get i0 0
bitfield k get U8 0
bitfield k get I8 0
bitfield k get 8 0
bitfield k get "" 0
bitfield k get u 0
bitfield k get u08 0
bitfield k get u-8 0
bitfield k set u8 0
bitfield k set u8 0 x
bitfield k incrby u8 0 1.5
bitfield k get u8
bitfield k get
bitfield k foo
bitfield k overflow
bitfield k overflow bogus get u8 0
bitfield k overflow SAT incrby u8 0 1000 OVERFLOW Wrap incrby u8 0 1000
bitfield k GET u8 0 Set u8 0 1 INCRBY u8 0 1
bitfield k get u8 0 set u8 0 1 get x 0
bitfield k set u8 100 1
strlen k
bitfield k set u8 4294967288 1
bitfield nokey set u8 0 x
exists nokey
bitfield_ro k get u8 0 get i16 8
bitfield_ro k
bitfield_ro k set u8 0 1
bitfield_ro k get u8 0 incrby u8 0 1
bitfield_ro k overflow sat get u8 0
bitfield_ro k get u9 x
bitfield_ro nokey get u8 0
rpush l a
bitfield l get u8 0
bitfield l set u8 0 1
bitfield l get x 0
bitfield_ro l get u8 0
bitfield_ro l set u8 0 1
set s abc
bitfield s incrby u8 0 1
object encoding s
get s
set s2 abc
bitfield s2 get u8 0
object encoding s2
"""

SCRIPTS["bitfield_fail_creates_key"] = r"""
bitfield k overflow fail set u8 0 300
exists k
strlen k
bitfield k2 overflow fail set u8 16 300 set u8 0 0
get k2
"""

SCRIPTS["getkeys"] = r"""
command getkeys bitop and d a b
command getkeys bitop not d a
command getkeys bitfield k get u8 0
command getkeys bitfield_ro k get u8 0
command getkeys setbit k 0 1
command getkeys bitpos k 1
"""

SCRIPTS["watch_and_multi"] = r"""
set a x
multi
setbit a 0 1
bitfield a incrby u8 0 1
bitop not b a
bitcount b
exec
get b
"""


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_script_matches_redis(name, raw_pair):
    ours, theirs = raw_pair
    diffs = run_script(ours, theirs, SCRIPTS[name])
    assert diffs == [], "\n".join("%s\n  radish: %r\n  redis:  %r" % d for d in diffs)


STATS_SCRIPT = r"""
config resetstat
set a x
getbit a 0
getbit nokey 0
bitcount a
bitcount nokey
bitpos a 1
bitpos nokey 0
bitop or d a nokey
bitfield a get u8 0
bitfield nokey get u8 0
bitfield a set u8 0 1
bitfield nokey2 incrby u8 0 1
bitfield_ro a get u8 0
bitfield_ro nokey get u8 0
setbit a 3 1
setbit nokey3 3 1
"""


def _stat_lines(conn: Raw) -> list[bytes]:
    info = conn([b"INFO", b"stats"])
    return [line for line in info.split(b"\r\n") if line.startswith((b"keyspace_hits:", b"keyspace_misses:"))]


def test_keyspace_hits_and_misses_match(raw_pair):
    ours, theirs = raw_pair
    assert run_script(ours, theirs, STATS_SCRIPT) == []
    assert _stat_lines(ours) == _stat_lines(theirs)
    assert len(_stat_lines(ours)) == 2


def _dirty(conn: Raw) -> int:
    info = conn([b"INFO", b"persistence"])
    for line in info.split(b"\r\n"):
        if line.startswith(b"rdb_changes_since_last_save:"):
            return int(line.split(b":")[1])
    raise AssertionError("no rdb_changes_since_last_save")


DIRTY_STEPS = [
    "setbit k 0 1",
    "setbit k 0 1",
    "setbit k 0 0",
    "setbit k 20 0",
    "setbit k 20 0",
    "bitfield k set u8 0 0",
    "bitfield k set u8 0 1 set u8 8 0 incrby u8 0 0",
    "bitfield k get u8 0",
    "bitfield k overflow fail incrby u8 0 1000",
    "bitfield k set u8 64 0",
    "bitfield newkey overflow fail set u8 0 1000",
    "bitop and d nokey",
    "set d x",
    "bitop and d nokey",
    "bitop or d k",
    "bitop or d k",
    "bitcount k",
    "bitpos k 1",
    "bitfield_ro k get u8 0",
]


def test_dirty_counter_moves_as_redis(raw_pair):
    ours, theirs = raw_pair
    base_a, base_b = _dirty(ours), _dirty(theirs)
    for step in DIRTY_STEPS:
        args = [a.encode() for a in step.split()]
        ours(args)
        theirs(args)
        a, b = _dirty(ours), _dirty(theirs)
        assert a - base_a == b - base_b, step
        base_a, base_b = a, b


# -- a seeded random stream --------------------------------------------------------


def _random_command(rng: random.Random) -> list[bytes]:
    key = rng.choice([b"a", b"b", b"c", b"nokey"])
    small = lambda: str(rng.randint(-40, 40)).encode()  # noqa: E731
    kind = rng.random()
    if kind < 0.15:
        return [b"SETBIT", key, str(rng.randint(0, 200)).encode(), rng.choice([b"0", b"1"])]
    if kind < 0.22:
        return [b"GETBIT", key, str(rng.randint(0, 220)).encode()]
    if kind < 0.25:
        return [b"SET", key, bytes(rng.choice([0, 255, rng.randint(0, 255)]) for _ in range(rng.randint(0, 12)))]
    if kind < 0.40:
        args = [b"BITCOUNT", key]
        if rng.random() < 0.8:
            args += [small(), small()]
            if rng.random() < 0.6:
                args.append(rng.choice([b"BIT", b"BYTE", b"bit"]))
        return args
    if kind < 0.60:
        args = [b"BITPOS", key, rng.choice([b"0", b"1"])]
        r = rng.random()
        if r < 0.8:
            args.append(small())
        if r < 0.6:
            args.append(small())
        if r < 0.4:
            args.append(rng.choice([b"BIT", b"BYTE"]))
        return args
    if kind < 0.70:
        op = rng.choice([b"AND", b"OR", b"XOR", b"NOT"])
        dest = rng.choice([b"a", b"b", b"c", b"d"])
        n = 1 if op == b"NOT" else rng.randint(1, 3)
        return [b"BITOP", op, dest] + [rng.choice([b"a", b"b", b"c", b"nokey"]) for _ in range(n)]
    args = [rng.choice([b"BITFIELD", b"BITFIELD", b"BITFIELD_RO"]), key]
    for _ in range(rng.randint(1, 4)):
        signed = rng.random() < 0.5
        bits = rng.randint(1, 64 if signed else 63)
        typ = (b"i" if signed else b"u") + str(bits).encode()
        off = str(rng.randint(0, 100)).encode()
        if rng.random() < 0.2:
            off = b"#" + str(rng.randint(0, 5)).encode()
        r = rng.random()
        if r < 0.15:
            args += [b"OVERFLOW", rng.choice([b"WRAP", b"SAT", b"FAIL"])]
        if r < 0.45:
            args += [b"GET", typ, off]
        else:
            val = rng.choice([rng.randint(-300, 300), rng.randint(-(2**63), 2**63 - 1), rng.choice([2**63 - 1, -(2**63), 0, -1])])
            args += [rng.choice([b"SET", b"INCRBY"]), typ, off, str(val).encode()]
    return args


@pytest.mark.parametrize("seed", range(4))
def test_random_bitmap_stream_matches_redis(seed, raw_pair):
    ours, theirs = raw_pair
    rng = random.Random(seed)
    diffs = []
    for _ in range(600):
        args = _random_command(rng)
        ra = ours(args)
        rb = theirs(args)
        if ra != rb:
            diffs.append((args, ra, rb))
    for key in (b"a", b"b", b"c", b"d"):
        ra = ours([b"GET", key])
        rb = theirs([b"GET", key])
        if ra != rb:
            diffs.append(([b"GET", key], ra, rb))
    assert diffs == [], diffs[:5]


def test_offset_limit_follows_proto_max_bulk_len(raw_pair):
    ours, theirs = raw_pair
    script = r"""
config set proto-max-bulk-len 1048576
setbit k 8388607 1
strlen k
setbit k 8388608 1
getbit k 8388608
bitfield k get u8 #1048575
bitfield k get u8 #1048576
bitfield k set u16 8388607 1
strlen k
bitfield k set u8 8388608 1
"""
    try:
        diffs = run_script(ours, theirs, script)
    finally:
        for c in (ours, theirs):
            c([b"CONFIG", b"SET", b"proto-max-bulk-len", b"536870912"])
    assert diffs == [], diffs


def _aof_reload_lengths(start) -> list:
    """Write past 1 MB, restart on the same AOF with proto-max-bulk-len at
    1 MB: the AOF client is obeyed (Redis's mustObeyClient)."""
    s = start("--appendonly", "yes", "--appendfsync", "always")
    c = s.client()
    c.setbit("bm", 2_000_000 * 8, 1)
    c.execute_command("BITFIELD", "bf", "SET", "u8", "#2000000", "1")
    c.setrange("sr", 2_000_000, "x")
    c.append("sr", "y")
    c.close()
    s.stop()
    s2 = start("--appendonly", "yes", "--proto-max-bulk-len", "1mb", workdir=s.dir)
    try:
        c = s2.client()
        out = [c.strlen(k) for k in ("bm", "bf", "sr")]
        try:
            c.setbit("bm", 2_000_000 * 8, 0)
        except redis.ResponseError as e:
            out.append(str(e))
        c.close()
        return out
    finally:
        s2.stop()


def test_aof_loading_ignores_the_offset_limit():
    ours = _aof_reload_lengths(start_radish)
    theirs = _aof_reload_lengths(start_redis)
    assert ours == theirs == [2_000_001, 2_000_001, 2_000_002, "bit offset is not an integer or out of range"]
