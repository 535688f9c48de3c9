"""RDB interoperability with a real redis-server 7.0: files Redis writes
load in radish with identical contents, files radish writes load in Redis
and pass redis-check-rdb, DUMP payloads cross in both directions, and the
dataset digests agree."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import tempfile
import time

import pytest
import redis
from tests.support.servers import start_radish, start_redis

EXPIRED = (b"gone-string", b"gone-list", b"gone-hash")


def populate(c) -> None:
    """Every type and encoding both servers have, in three databases, with
    keys that expire later and keys already expired (but still stored)."""
    rnd = random.Random(42)
    c.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    p = c.pipeline(transaction=False)
    p.set("plain", "hello")
    p.set("int", "12345")
    p.set("neg", "-42")
    p.set("big-int", "9223372036854775807")
    p.set("not-canonical", "0123")
    p.set("compressible", "ab" * 200)
    p.set("random", bytes(rnd.getrandbits(8) for _ in range(300)))
    p.set("empty", "")
    p.set("binary", bytes(range(256)))
    p.set("appended", "x")
    p.append("appended", "yz" * 30)
    p.rpush("list-small", "a", "b", "1", "2", "-3", "x" * 70)
    p.rpush("list-big", *[b"element-%d" % i for i in range(3000)])
    p.rpush("list-long-items", *[bytes([65 + i]) * 5000 for i in range(8)])
    p.rpush("list-ints", *[rnd.randint(-(2**63), 2**63 - 1) for _ in range(200)])
    p.sadd("set-intset", *range(1, 101))
    p.sadd("set-negative", -1, -70000, 2**40)
    p.sadd("set-strings", *[chr(97 + i) for i in range(26)])
    p.sadd("set-big-ints", *range(1000))
    p.hset("hash-small", mapping={"f%d" % i: "v%d" % i for i in range(10)})
    p.hset("hash-ints", mapping={"a": 1, "b": -2, "c": 2**62})
    p.hset("hash-big", mapping={"field:%d" % i: "value:%d" % i for i in range(1000)})
    p.hset("hash-long-value", "f", "v" * 200)
    p.zadd("zset-small", {"a": 1, "b": 2.5, "c": -3, "d": 0.1, "5": 1e17, "e": float("inf"), "f": float("-inf")})
    p.zadd("zset-same-score", {"m%d" % i: 0 for i in range(20)})
    p.zadd("zset-big", {"member:%d" % i: rnd.random() * 1000 for i in range(500)})
    p.zadd("zset-long-member", {"x" * 100: 1, "y": 2})
    p.zadd("zset-negzero", {"z": -0.0, "w": 1})
    p.zadd("ttl-zset", {"a": 1})
    p.expire("ttl-zset", 100000)
    p.set("ttl-string", "x", ex=10000)
    p.rpush("ttl-list", "a")
    p.pexpire("ttl-list", 5000000)
    p.hset("ttl-hash", "f", "v")
    p.expire("ttl-hash", 100000)
    p.set("gone-string", "x", px=30)
    p.rpush("gone-list", "a", "b")
    p.pexpire("gone-list", 30)
    p.hset("gone-hash", "f", "v")
    p.pexpire("gone-hash", 30)
    p.execute()
    c.execute_command("SELECT", "1")
    c.set("db1-key", "one")
    c.sadd("db1-set", "x", "y")
    c.execute_command("SELECT", "15")
    c.set("db15-key", "fifteen", ex=100000)
    c.rpush("db15-list", *range(50))
    c.execute_command("SELECT", "0")
    time.sleep(0.1)  # the gone-* keys are now expired, still stored


def populate_redis_only(c) -> None:
    """Encodings only a real Redis can produce: compressed quicklist nodes
    and plain (single large element) nodes."""
    c.config_set("list-compress-depth", 1)
    c.rpush("list-compressed", *[b"compress-me-%d" % (i % 10) for i in range(5000)])
    c.config_set("list-compress-depth", 0)
    c.execute_command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "100")
    c.rpush("list-plain-nodes", "small", "y" * 300, "tiny", "z" * 500)
    c.execute_command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0")


def contents(c) -> dict:
    """Everything a client can see, per database: type, value, expiry."""
    out = {}
    for db in range(16):
        c.execute_command("SELECT", db)
        for key in sorted(c.keys("*")):
            t = c.type(key)
            if t == b"string":
                v = c.get(key)
            elif t == b"list":
                v = c.lrange(key, 0, -1)
            elif t == b"set":
                v = sorted(c.smembers(key))
            elif t == b"hash":
                v = sorted(c.hgetall(key).items())
            elif t == b"zset":
                v = c.execute_command("ZRANGE", key, 0, -1, "WITHSCORES")
            else:
                raise AssertionError(t)
            out[(db, key)] = (t, v, c.execute_command("PEXPIRETIME", key))
    c.execute_command("SELECT", 0)
    return out


def digest(c) -> bytes:
    return c.execute_command("DEBUG", "DIGEST")


def check_rdb(path: str) -> str:
    exe = shutil.which("redis-check-rdb")
    if exe is None:
        pytest.skip("redis-check-rdb is not installed")
    res = subprocess.run([exe, path], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "RDB looks OK" in res.stdout
    return res.stdout


@pytest.mark.parametrize("compression", ["yes", "no"])
def test_file_written_by_redis_loads_in_radish(compression):
    ref = start_redis("--rdbcompression", compression)
    try:
        rc = ref.client()
        populate(rc)
        populate_redis_only(rc)
        assert rc.save() is True
        expected = contents(rc)
        assert rc.exists(*EXPIRED) == 0  # deletes them, so the digests compare
        expected_digest = digest(rc)
    finally:
        ref.stop()
    assert not any(k in EXPIRED for _, k in expected)
    s = start_radish("--enable-debug-command", "yes", workdir=ref.dir)
    try:
        c = s.client()
        assert contents(c) == expected
        assert digest(c) == expected_digest
        info = c.info("persistence")
        assert info["rdb_last_load_keys_expired"] == 3
        assert info["rdb_last_load_keys_loaded"] == len(expected)
        assert "Loading RDB produced by version 7.0" in s.log()
    finally:
        s.stop()


@pytest.mark.parametrize("options", [(), ("--rdbcompression", "no"), ("--rdbchecksum", "no")], ids=["default", "nocompression", "nochecksum"])
def test_file_written_by_radish_loads_in_redis(options):
    s = start_radish("--enable-debug-command", "yes", *options)
    try:
        c = s.client()
        populate(c)
        assert c.save() is True
        expected = contents(c)
        assert c.exists(*EXPIRED) == 0
        expected_digest = digest(c)
    finally:
        s.stop()
    path = os.path.join(s.dir, "dump.rdb")
    report = check_rdb(path)
    assert "Checksum OK" in report or "--rdbchecksum" in options
    ref = start_redis(workdir=s.dir)
    try:
        rc = ref.client()
        assert contents(rc) == expected
        assert digest(rc) == expected_digest
        assert "Done loading RDB" in ref.log()
        # Redis picks the same encodings radish wrote.
        enc = {k: rc.object("encoding", k) for k in ("set-intset", "set-big-ints", "hash-small", "hash-big", "hash-long-value", "list-big", "zset-small", "zset-big", "zset-long-member")}
        assert enc == {
            "set-intset": b"intset", "set-big-ints": b"hashtable", "hash-small": b"listpack",
            "hash-big": b"hashtable", "hash-long-value": b"hashtable", "list-big": b"quicklist",
            "zset-small": b"listpack", "zset-big": b"skiplist", "zset-long-member": b"skiplist",
        }  # fmt: skip
    finally:
        ref.stop()


def test_radish_file_round_trips_through_redis_and_back():
    s = start_radish("--enable-debug-command", "yes")
    try:
        c = s.client()
        populate(c)
        c.save()
        assert c.exists(*EXPIRED) == 0
        first = digest(c)
        before = contents(c)
    finally:
        s.stop()
    ref = start_redis(workdir=s.dir)
    try:
        assert ref.client().save() is True
    finally:
        ref.stop()
    s2 = start_radish("--enable-debug-command", "yes", workdir=s.dir)
    try:
        c = s2.client()
        assert digest(c) == first
        assert contents(c) == before
    finally:
        s2.stop()


def test_dump_payloads_cross_in_both_directions():
    ref = start_redis()
    s = start_radish("--enable-debug-command", "yes")
    try:
        rc, c = ref.client(), s.client()
        populate(rc)
        populate(c)
        keys = sorted(k for k in c.keys("*"))
        assert keys == sorted(rc.keys("*"))
        for key in keys:
            ours, theirs = c.dump(key), rc.dump(key)
            want = c.execute_command("DEBUG", "DIGEST-VALUE", key)
            assert rc.execute_command("DEBUG", "DIGEST-VALUE", key) == want
            # radish -> Redis and Redis -> radish (keeping the TTL, part of the digest)
            ttl = max(c.pttl(key), 0)
            assert rc.restore(b"copy:" + key, ttl, ours) == b"OK"
            assert c.restore(b"copy:" + key, ttl, theirs) == b"OK"
            assert rc.execute_command("DEBUG", "DIGEST-VALUE", b"copy:" + key) == want
            assert c.execute_command("DEBUG", "DIGEST-VALUE", b"copy:" + key) == want
        # Deterministic encodings give byte-identical payloads.
        for key in (b"plain", b"int", b"neg", b"big-int", b"empty", b"binary", b"list-small", b"list-big",
                    b"list-ints", b"set-intset", b"set-negative", b"hash-small", b"hash-ints",
                    b"zset-small", b"zset-same-score", b"zset-big", b"zset-long-member", b"zset-negzero"):  # fmt: skip
            assert c.dump(key) == rc.dump(key), key
        # Redis's errors for bad payloads are ours too.
        for args in ((b"k", 0, b"garbage"), (b"plain", 0, c.dump(b"plain")), (b"k", -1, c.dump(b"plain"))):
            with pytest.raises(redis.ResponseError) as ours_err:
                c.restore(*args)
            with pytest.raises(redis.ResponseError) as theirs_err:
                rc.restore(*args)
            assert str(ours_err.value) == str(theirs_err.value)
        assert digest(c) == digest(rc)
    finally:
        s.stop()
        ref.stop()


def test_functions_survive_a_trip_through_radish():
    ref = start_redis()
    lib = "#!lua name=radishlib\nredis.register_function('ping1', function() return 1 end)"
    try:
        rc = ref.client()
        rc.execute_command("FUNCTION", "LOAD", lib)
        rc.set("k", "v")
        rc.save()
    finally:
        ref.stop()
    s = start_radish(workdir=ref.dir)
    try:
        assert s.client().get("k") == b"v"
        s.client().save()
    finally:
        s.stop()
    ref2 = start_redis(workdir=ref.dir)
    try:
        rc = ref2.client()
        assert rc.fcall("ping1", 0) == 1
    finally:
        ref2.stop()


def test_empty_dataset_and_redis_check_rdb():
    s = start_radish()
    try:
        assert s.client().save() is True
    finally:
        s.stop()
    report = check_rdb(os.path.join(s.dir, "dump.rdb"))
    assert "0 keys read" in report
    workdir = tempfile.mkdtemp(prefix="radish-empty-")
    shutil.copy(os.path.join(s.dir, "dump.rdb"), workdir)
    ref = start_redis(workdir=workdir)
    try:
        assert ref.client().dbsize() == 0
    finally:
        ref.stop()


def test_idle_time_and_lfu_counters_cross_in_files():
    """Under an LRU / LFU policy both servers write IDLE / FREQ opcodes and
    restore the access stamps from them."""
    ref = start_redis("--maxmemory-policy", "allkeys-lru")
    try:
        rc = ref.client()
        rc.set("tmp", "v")
        payload = rc.dump("tmp")
        rc.restore("idle", 0, payload, idletime=3000)
        rc.save()
    finally:
        ref.stop()
    s = start_radish("--maxmemory-policy", "allkeys-lru", workdir=ref.dir)
    try:
        c = s.client()
        assert c.object("idletime", "idle") >= 3000
        c.config_set("maxmemory-policy", "allkeys-lfu")
        c.restore("hot", 0, payload, frequency=123)
        c.save()
    finally:
        s.stop()
    ref2 = start_redis("--maxmemory-policy", "allkeys-lfu", workdir=s.dir)
    try:
        assert ref2.client().object("freq", "hot") == 123
    finally:
        ref2.stop()
