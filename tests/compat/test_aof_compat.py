"""AOF interoperability with a real redis-server 7.0: an appendonlydir
written by radish passes redis-check-aof and loads in Redis, one written by
Redis loads in radish, with equal DEBUG DIGEST both ways."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

import pytest
from tests.support.resp import cmd
from tests.support.servers import (
    free_port,
    radish_argv,
    start_radish,
    start_redis,
    subprocess_env,
    wait_until,
)


def _rewrite(c) -> None:
    """BGREWRITEAOF and wait for it (the base then holds the first writes)."""
    n = c.info("persistence")["aof_rewrites"]
    assert cmd(c, "BGREWRITEAOF") == b"Background append only file rewriting started"
    wait_until(lambda: c.info("persistence")["aof_rewrites"] == n + 1 and c.info("persistence")["aof_rewrite_in_progress"] == 0)


def _write(c, tag: str) -> None:
    """Every type both servers have, several databases, TTLs, a
    transaction, deletes and overwrites."""
    p = c.pipeline(transaction=False)
    p.set("s-%s" % tag, "v" * 50)
    p.set("n-%s" % tag, 12345)
    p.incrby("counter", 7)
    p.rpush("list-%s" % tag, *range(200))
    p.lpop("list-%s" % tag)
    p.sadd("iset-%s" % tag, *range(30))
    p.sadd("sset-%s" % tag, "a", "b", "c")
    p.hset("hash-%s" % tag, mapping={"f%d" % i: "v%d" % i for i in range(20)})
    p.hdel("hash-%s" % tag, "f3")
    p.zadd("zset-%s" % tag, {"m%d" % i: i / 3 for i in range(150)})
    p.zadd("zsmall-%s" % tag, {"a": 1, "b": float("-inf"), "c": -0.0})
    p.zpopmin("zset-%s" % tag, 2)
    p.set("ttl-%s" % tag, "x", ex=5000)
    p.pexpire("list-%s" % tag, 9000000)
    p.set("gone-%s" % tag, "x")
    p.delete("gone-%s" % tag)
    p.execute()
    t = c.pipeline(transaction=True)
    t.set("tx-%s" % tag, "1")
    t.append("tx-%s" % tag, "23")
    t.execute()
    c.execute_command("SELECT", "7")
    c.set("db7-%s" % tag, tag)
    c.hset("db7-hash", tag, tag)
    c.execute_command("SELECT", "0")


def _check_aof(workdir: str) -> None:
    exe = shutil.which("redis-check-aof")
    if exe is None:
        pytest.skip("redis-check-aof is not installed")
    manifest = os.path.join(workdir, "appendonlydir", "appendonly.aof.manifest")
    res = subprocess.run([exe, manifest], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "All AOF files and manifest are valid" in res.stdout


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_radish_aof_loads_in_redis_and_back(preamble):
    s = start_radish("--appendonly", "yes", "--aof-use-rdb-preamble", preamble, "--enable-debug-command", "yes")
    try:
        c = s.client()
        _write(c, "a")
        _rewrite(c)
        _write(c, "b")
        digest = c.execute_command("DEBUG", "DIGEST")
        assert digest != b"0" * 40
    finally:
        s.stop()
    _check_aof(s.dir)
    ref = start_redis("--appendonly", "yes", workdir=s.dir)
    try:
        rc = ref.client()
        assert rc.execute_command("DEBUG", "DIGEST") == digest
        assert "DB loaded from append only file" in ref.log()
        _write(rc, "c")  # Redis appends to radish's incr file
        digest = rc.execute_command("DEBUG", "DIGEST")
    finally:
        ref.stop()
    s = start_radish("--appendonly", "yes", "--enable-debug-command", "yes", workdir=s.dir)
    try:
        assert s.client().execute_command("DEBUG", "DIGEST") == digest
    finally:
        s.stop()


def test_redis_aof_loads_in_radish():
    ref = start_redis("--appendonly", "yes")
    try:
        rc = ref.client()
        _write(rc, "a")
        _rewrite(rc)
        _write(rc, "b")
        digest = rc.execute_command("DEBUG", "DIGEST")
    finally:
        ref.stop()
    s = start_radish("--appendonly", "yes", "--enable-debug-command", "yes", workdir=ref.dir)
    try:
        c = s.client()
        assert c.execute_command("DEBUG", "DIGEST") == digest
        assert c.get("tx-b") == b"123" and c.ttl("ttl-a") > 4900
        log = s.log()
        assert "RDB is base AOF" in log and "DB loaded from append only file" in log
        _rewrite(c)  # and radish's rewrite of Redis's files is still valid
    finally:
        s.stop()
    _check_aof(ref.dir)


def test_info_persistence_aof_fields_match_redis():
    def fields(server) -> list[str]:
        c = server.client()
        c.set("k", "v")
        return [name for name in c.info("persistence") if name.startswith("aof_")]

    for extra in ((), ("--appendonly", "yes")):
        ref = start_redis(*extra)
        try:
            want = fields(ref)
        finally:
            ref.stop()
        s = start_radish(*extra)
        try:
            assert fields(s) == want
        finally:
            s.stop()


_GOOD = b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nset\r\n$4\r\ngood\r\n$1\r\n1\r\n"


@pytest.mark.parametrize(
    "tail",
    [
        b"*3\r\n$3\r\nset\r\n$3\r\nbad\r\n$5\r\nval",  # a command cut short
        b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nset\r\n$2\r\ntx\r\n$1\r\n1\r\n",  # MULTI without EXEC
    ],
)
def test_truncated_aof_is_cut_like_redis(tail):
    def load(start) -> tuple[dict, int]:
        workdir = tempfile.mkdtemp(prefix="aof-trunc-")
        os.mkdir(os.path.join(workdir, "appendonlydir"))
        with open(os.path.join(workdir, "appendonlydir", "appendonly.aof.manifest"), "wb") as f:
            f.write(b"file appendonly.aof.1.incr.aof seq 1 type i\n")
        incr = os.path.join(workdir, "appendonlydir", "appendonly.aof.1.incr.aof")
        with open(incr, "wb") as f:
            f.write(_GOOD + tail)
        server = start("--appendonly", "yes", workdir=workdir)
        try:
            c = server.client()
            data = {k: c.get(k) for k in c.keys("*")}
        finally:
            server.stop()
        return data, os.path.getsize(incr)

    ours = load(start_radish)
    assert ours == load(start_redis)
    assert ours == ({b"good": b"1"}, len(_GOOD))


_SET_K = b"*3\r\n$3\r\nset\r\n$1\r\nk\r\n$1\r\nv\r\n"


@pytest.mark.parametrize(
    "manifest, incr, extra, message",
    [
        (b"file appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n", _SET_K, (),
         "Unable to obtain the AOF file appendonly.aof.2.incr.aof length. stat: No such file or directory"),
        (b"file appendonly.aof.1.incr.aof seq 1 type i\n\n", _SET_K, (), "Invalid AOF manifest file format"),
        (b"file appendonly.aof.3.incr.aof seq 3 type i\nfile appendonly.aof.1.incr.aof seq 1 type i\n", _SET_K, (),
         "Found a non-monotonic sequence number"),
        (b"file appendonly.aof.1.incr.aof seq 1 type x\n", _SET_K, (), "Unknown AOF file type"),
        (b"file dir/appendonly.aof.1.incr.aof seq 1 type i\n", _SET_K, (), "File can't be a path, just a filename"),
        (b"file appendonly.aof.1.incr.aof seq 1 type i\n", _SET_K + b"$3\r\n", (),
         "Bad file format reading the append only file appendonly.aof.1.incr.aof"),
        (b"file appendonly.aof.1.incr.aof seq 1 type i\n", b"*1\r\n$6\r\nNOSUCH\r\n", (),
         "Unknown command 'NOSUCH' reading the append only file appendonly.aof.1.incr.aof"),
        (b"file appendonly.aof.1.incr.aof seq 1 type i\n", _SET_K + b"*3\r\n$3\r\nset", ("--aof-load-truncated", "no"),
         "Unexpected end of file reading the append only file appendonly.aof.1.incr.aof"),
    ],
)
def test_broken_aof_stops_both_servers_with_the_same_message(manifest, incr, extra, message):
    redis_exe = shutil.which("redis-server")
    if redis_exe is None:
        pytest.skip("redis-server is not installed")

    def run(argv_for) -> str:
        workdir = tempfile.mkdtemp(prefix="aof-broken-")
        os.mkdir(os.path.join(workdir, "appendonlydir"))
        with open(os.path.join(workdir, "appendonlydir", "appendonly.aof.manifest"), "wb") as f:
            f.write(manifest)
        with open(os.path.join(workdir, "appendonlydir", "appendonly.aof.1.incr.aof"), "wb") as f:
            f.write(incr)
        argv, env = argv_for(workdir)
        res = subprocess.run(argv, cwd=workdir, env=env, capture_output=True, text=True, timeout=60)
        assert res.returncode == 1, res.stdout + res.stderr
        return res.stdout + res.stderr

    args = ("--appendonly", "yes", *extra)
    ours = run(lambda d: (radish_argv(free_port(), d, *args), subprocess_env()))
    theirs = run(lambda d: ([redis_exe, "--port", str(free_port()), "--dir", d, "--save", "", *args], None))
    assert message in theirs
    assert message in ours


def _resp(*args: bytes) -> bytes:
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


@pytest.mark.parametrize("kind", ["radish", "redis"])
def test_eval_in_the_aof_applies_its_writes_on_a_read_only_replica(kind):
    """An AOF holding EVAL verbatim (as older Redis versions wrote it),
    loaded by a server started as a read-only replica: the AOF is obeyed,
    so the scripts' writes are applied (Redis's mustObeyClient)."""
    import glob

    from tests.support.servers import start_radish, start_redis

    start = start_radish if kind == "radish" else start_redis
    s = start("--appendonly", "yes")
    try:
        s.client().set("x", "1")
        s.shutdown()
        incr = sorted(glob.glob(os.path.join(s.dir, "appendonlydir", "*.incr.aof")))[0]
        with open(incr, "ab") as f:
            f.write(_resp(b"EVAL", b"redis.call('set','a','1') return redis.call('incr','n')", b"0"))
            f.write(_resp(b"EVAL", b"#!lua\nredis.call('set','b','1')", b"0"))
        replica = _restarted_with(s, "--replicaof", "127.0.0.1", "1")
        try:
            assert replica.client().mget("x", "a", "n", "b") == [b"1", b"1", b"1", b"1"]
        finally:
            replica.stop()
    finally:
        s.stop()


def _restarted_with(s, *extra: str):
    """``s`` started again (same port and directory) with more arguments."""
    from tests.support.servers import ServerProcess

    return ServerProcess([*s.argv, *extra], s.port, s.dir, env=s.env)
