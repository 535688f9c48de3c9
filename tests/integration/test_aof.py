"""AOF persistence with real radish processes: the multi-part directory
Redis 7.0 writes, restart from it, BGREWRITEAOF and the automatic rewrite,
CONFIG SET appendonly, truncated and corrupt files at start-up, the
Redis 6 single-file upgrade, and durability across kill -9."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time

import pytest
import redis
from tests.support.resp import cmd, raw_exchange
from tests.support.servers import free_port, radish_argv, start_radish, subprocess_env, wait_until

AOF = ("--appendonly", "yes")
MANIFEST_1 = b"file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
def _aofdir(workdir: str) -> str:
    return os.path.join(workdir, "appendonlydir")


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def _manifest(workdir: str) -> bytes:
    return _read(os.path.join(_aofdir(workdir), "appendonly.aof.manifest"))


def _digest(c) -> bytes:
    return c.execute_command("DEBUG", "DIGEST")


def _fill(c) -> None:
    p = c.pipeline(transaction=False)
    for i in range(20):
        p.set("str:%d" % i, "value-%d" % i)
    p.rpush("list", *[b"item-%d" % i for i in range(100)])
    p.sadd("set", *range(10))
    p.hset("hash", mapping={"f%d" % i: "v%d" % i for i in range(10)})
    p.zadd("zs", {"a": 1, "b": 2.5})
    p.zadd("zbig", {"m%d" % i: i * 0.1 for i in range(200)})
    p.set("ttl", "x", ex=1000)
    p.incr("counter")
    p.execute()
    t = c.pipeline(transaction=True)  # MULTI/EXEC goes to the file as is
    t.lpush("tx", "a")
    t.incrby("counter", 5)
    t.execute()
    c.execute_command("SELECT", "5")
    c.set("in-db-5", "yes")
    c.execute_command("SELECT", "0")


def _start_expect_failure(workdir: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        radish_argv(free_port(), workdir, "--appendonly", "yes", *extra),
        cwd=workdir, env=subprocess_env(), capture_output=True, text=True, timeout=60,
    )


def _rewrite_done(c) -> bool:
    info = c.info("persistence")
    return info["aof_rewrite_in_progress"] == 0 and info["aof_rewrite_scheduled"] == 0


def test_appendonly_writes_redis_directory_and_restart_replays_it():
    s = start_radish(*AOF, "--enable-debug-command", "yes")
    try:
        c = s.client()
        _fill(c)
        before = _digest(c)
        assert c.info("persistence")["aof_enabled"] == 1
        assert sorted(os.listdir(_aofdir(s.dir))) == [
            "appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof", "appendonly.aof.manifest",
        ]
        assert _manifest(s.dir) == MANIFEST_1
        incr = _read(os.path.join(_aofdir(s.dir), "appendonly.aof.1.incr.aof"))
        assert incr.startswith(b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n")
        assert b"*1\r\n$5\r\nMULTI\r\n" in incr and b"PXAT" in incr  # EX became an absolute time
        base = _read(os.path.join(_aofdir(s.dir), "appendonly.aof.1.base.rdb"))
        assert base.startswith(b"REDIS0010") and b"aof-base\xc0\x01" in base
        assert c.info("persistence")["aof_current_size"] == len(incr)
        assert "Creating AOF base file appendonly.aof.1.base.rdb on server start" in s.log()
    finally:
        s.stop()
    s = start_radish(*AOF, "--enable-debug-command", "yes", workdir=s.dir)
    try:
        c = s.client()
        assert _digest(c) == before
        assert c.get("counter") == b"6" and c.lrange("tx", 0, -1) == [b"a"]
        assert 990 < c.ttl("ttl") <= 1000
        log = s.log()
        assert "DB loaded from incr file appendonly.aof.1.incr.aof" in log
        assert "Opening AOF incr file appendonly.aof.1.incr.aof on server start" in log
        # Replayed commands are not appended again.
        size = os.path.getsize(os.path.join(_aofdir(s.dir), "appendonly.aof.1.incr.aof"))
        assert c.info("persistence")["aof_current_size"] == size + os.path.getsize(
            os.path.join(_aofdir(s.dir), "appendonly.aof.1.base.rdb")
        )
    finally:
        s.stop()


def test_bgrewriteaof_swaps_base_and_incr_files():
    s = start_radish(*AOF, "--enable-debug-command", "yes")
    try:
        c = s.client()
        _fill(c)
        c.config_set("rdb-key-save-delay", "20000")  # the child takes ~0.5 s
        assert cmd(c, "BGREWRITEAOF") == b"Background append only file rewriting started"
        with pytest.raises(redis.ResponseError, match="^Background append only file rewriting already in progress$"):
            cmd(c, "BGREWRITEAOF")
        with pytest.raises(redis.ResponseError, match="Another child process is active"):
            cmd(c, "BGSAVE")
        assert c.info("persistence")["aof_rewrite_in_progress"] == 1
        c.set("during-rewrite", "kept")  # goes to the new incr file
        # Meanwhile the manifest already names both incr files.
        assert _manifest(s.dir) == MANIFEST_1 + b"file appendonly.aof.2.incr.aof seq 2 type i\n"
        wait_until(lambda: _rewrite_done(c))
        c.config_set("rdb-key-save-delay", "0")
        c.set("after-rewrite", "kept")
        info = c.info("persistence")
        assert info["aof_rewrites"] == 1 and info["aof_last_bgrewrite_status"] == "ok"
        assert info["aof_base_size"] == os.path.getsize(os.path.join(_aofdir(s.dir), "appendonly.aof.2.base.rdb"))
        assert _manifest(s.dir) == (
            b"file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
        )
        assert sorted(os.listdir(_aofdir(s.dir))) == [
            "appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest",
        ]
        assert not [f for f in os.listdir(s.dir) if f.startswith("temp-")]
        log = s.log()
        assert "Successfully renamed the temporary AOF base file" in log
        assert "Removing the history file appendonly.aof.1.incr.aof in the background" in log
        assert "Background AOF rewrite finished successfully" in log
        before = _digest(c)
    finally:
        s.stop()
    s = start_radish(*AOF, "--enable-debug-command", "yes", workdir=s.dir)
    try:
        c = s.client()
        assert _digest(c) == before
        assert c.get("during-rewrite") == b"kept" and c.get("after-rewrite") == b"kept"
    finally:
        s.stop()


def test_bgrewriteaof_waits_for_a_running_bgsave():
    s = start_radish(*AOF)
    try:
        c = s.client()
        c.mset({"k%d" % i: i for i in range(10)})
        c.config_set("rdb-key-save-delay", "30000")
        assert c.bgsave()
        assert cmd(c, "BGREWRITEAOF") == b"Background append only file rewriting scheduled"
        assert c.info("persistence")["aof_rewrite_scheduled"] == 1
        c.config_set("rdb-key-save-delay", "0")
        wait_until(lambda: c.info("persistence")["aof_rewrites"] == 1 and _rewrite_done(c))
        assert b"appendonly.aof.2.base.rdb" in _manifest(s.dir)
    finally:
        s.stop()


def test_auto_rewrite_on_growth():
    s = start_radish(*AOF, "--auto-aof-rewrite-min-size", "4kb", "--auto-aof-rewrite-percentage", "100")
    try:
        c = s.client()
        for i in range(10):
            c.set("key", "x" * 1000)  # the dataset stays small: the rewrite shrinks the AOF
            c.set("other-%d" % i, i)
        wait_until(lambda: c.info("persistence")["aof_rewrites"] >= 1 and _rewrite_done(c))
        assert "Starting automatic rewriting of AOF on" in s.log()
        assert c.info("persistence")["aof_current_size"] < 4096
    finally:
        s.stop()


def test_config_set_appendonly_at_runtime():
    s = start_radish("--enable-debug-command", "yes")
    try:
        c = s.client()
        _fill(c)
        assert not os.path.exists(_aofdir(s.dir))
        assert c.config_set("appendonly", "yes")
        wait_until(lambda: _rewrite_done(c) and c.info("persistence")["aof_rewrites"] == 1)
        assert c.info("persistence")["aof_enabled"] == 1
        assert _manifest(s.dir) == MANIFEST_1
        assert "Successfully renamed the temporary AOF incr file temp-appendonly.aof.incr into appendonly.aof.1.incr.aof" in s.log()
        c.set("after", "on")
        before = _digest(c)
        assert c.config_set("appendonly", "no")
        assert c.info("persistence")["aof_enabled"] == 0
        c.set("not-logged", "x")
    finally:
        s.stop()
    s = start_radish(*AOF, "--enable-debug-command", "yes", workdir=s.dir)
    try:
        c = s.client()
        assert _digest(c) == before
        assert c.get("not-logged") is None
    finally:
        s.stop()


def test_rewrite_without_rdb_preamble_writes_commands():
    s = start_radish(*AOF, "--aof-use-rdb-preamble", "no", "--enable-debug-command", "yes")
    try:
        c = s.client()
        _fill(c)
        cmd(c, "BGREWRITEAOF")
        wait_until(lambda: _rewrite_done(c) and c.info("persistence")["aof_rewrites"] == 1)
        base = _read(os.path.join(_aofdir(s.dir), "appendonly.aof.2.base.aof"))
        assert base.startswith(b"*2\r\n$6\r\nSELECT\r\n") and b"PEXPIREAT" in base and b"HMSET" in base
        assert b"*6\r\n$4\r\nZADD\r\n$2\r\nzs\r\n$1\r\n1\r\n$1\r\na\r\n$3\r\n2.5\r\n$1\r\nb\r\n" in base
        before = _digest(c)
    finally:
        s.stop()
    s = start_radish(*AOF, "--enable-debug-command", "yes", workdir=s.dir)
    try:
        assert _digest(s.client()) == before
    finally:
        s.stop()


def _workdir_with_incr(tail: bytes) -> str:
    """An AOF directory with a good base, one good command and ``tail``."""
    workdir = tempfile.mkdtemp(prefix="radish-aof-")
    os.mkdir(_aofdir(workdir))
    with open(os.path.join(_aofdir(workdir), "appendonly.aof.manifest"), "wb") as f:
        f.write(b"file appendonly.aof.1.incr.aof seq 1 type i\n")
    with open(os.path.join(_aofdir(workdir), "appendonly.aof.1.incr.aof"), "wb") as f:
        f.write(b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nset\r\n$4\r\ngood\r\n$1\r\n1\r\n" + tail)
    return workdir


GOOD_LEN = 53  # bytes of SELECT + SET good 1


def test_truncated_last_command_is_cut_when_allowed():
    workdir = _workdir_with_incr(b"*3\r\n$3\r\nset\r\n$3\r\nbad\r\n$5\r\nval")
    s = start_radish(*AOF, workdir=workdir)
    try:
        c = s.client()
        assert c.get("good") == b"1" and c.get("bad") is None
        log = s.log()
        assert "!!! Warning: short read while loading the AOF file appendonly.aof.1.incr.aof!!!" in log
        assert "!!! Truncating the AOF appendonly.aof.1.incr.aof at offset %d !!!" % GOOD_LEN in log
        assert "AOF appendonly.aof.1.incr.aof loaded anyway because aof-load-truncated is enabled" in log
        c.set("next", "ok")  # appended after the cut: the file is valid again
    finally:
        s.stop()
    s = start_radish(*AOF, workdir=workdir)
    try:
        assert s.client().get("next") == b"ok"
        assert "short read" not in s.log().split("Radish is starting")[-1]
    finally:
        s.stop()


def test_truncated_file_refused_when_not_allowed():
    workdir = _workdir_with_incr(b"*3\r\n$3\r\nset\r\n$3\r\nbad")
    res = _start_expect_failure(workdir, "--aof-load-truncated", "no")
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert "Unexpected end of file reading the append only file appendonly.aof.1.incr.aof" in out
    assert "Ready to accept connections" not in out
    assert os.path.getsize(os.path.join(_aofdir(workdir), "appendonly.aof.1.incr.aof")) > GOOD_LEN


def test_incomplete_multi_is_reverted():
    workdir = _workdir_with_incr(b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nset\r\n$2\r\ntx\r\n$1\r\n1\r\n")
    s = start_radish(*AOF, workdir=workdir)
    try:
        c = s.client()
        assert c.get("good") == b"1" and c.get("tx") is None
        assert "Revert incomplete MULTI/EXEC transaction in AOF file appendonly.aof.1.incr.aof" in s.log()
        assert os.path.getsize(os.path.join(_aofdir(workdir), "appendonly.aof.1.incr.aof")) == GOOD_LEN
    finally:
        s.stop()


@pytest.mark.parametrize(
    "tail, reason",
    [
        (b"garbage\r\n", "Bad file format reading the append only file appendonly.aof.1.incr.aof"),
        (b"*1\r\n$7\r\nNOSUCHX\r\n", "Unknown command 'NOSUCHX' reading the append only file appendonly.aof.1.incr.aof"),
    ],
)
def test_corrupt_file_stops_startup(tail, reason):
    workdir = _workdir_with_incr(tail)
    res = _start_expect_failure(workdir)
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert reason in out
    assert "Ready to accept connections" not in out


def test_missing_file_and_bad_manifest_stop_startup():
    workdir = _workdir_with_incr(b"")
    with open(os.path.join(_aofdir(workdir), "appendonly.aof.manifest"), "ab") as f:
        f.write(b"file appendonly.aof.2.incr.aof seq 2 type i\n")
    res = _start_expect_failure(workdir)
    out = res.stdout + res.stderr
    assert res.returncode == 1 and "Unable to obtain the AOF file appendonly.aof.2.incr.aof length. stat: No such file or directory" in out
    with open(os.path.join(_aofdir(workdir), "appendonly.aof.manifest"), "wb") as f:
        f.write(b"file appendonly.aof.1.incr.aof seq x type i\n")
    res = _start_expect_failure(workdir)
    out = res.stdout + res.stderr
    assert res.returncode == 1 and "*** FATAL AOF MANIFEST FILE ERROR ***" in out
    assert "Reading the manifest file, at line 1" in out and "Invalid AOF manifest file format" in out
    # A bad manifest stops the server even with appendonly no, as Redis.
    res = subprocess.run(
        radish_argv(free_port(), workdir), cwd=workdir, env=subprocess_env(), capture_output=True, text=True, timeout=60
    )
    assert res.returncode == 1 and "Invalid AOF manifest file format" in res.stdout


def test_old_style_single_file_is_upgraded():
    workdir = tempfile.mkdtemp(prefix="radish-aof-")
    with open(os.path.join(workdir, "appendonly.aof"), "wb") as f:
        f.write(b"*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*3\r\n$3\r\nset\r\n$3\r\nold\r\n$5\r\nstyle\r\n")
    s = start_radish(*AOF, workdir=workdir)
    try:
        c = s.client(db=2)
        assert c.get("old") == b"style"
        assert not os.path.exists(os.path.join(workdir, "appendonly.aof"))
        assert _manifest(workdir) == b"file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
        assert "Successfully migrated an old-style AOF file (appendonly.aof) into the AOF directory (appendonlydir)." in s.log()
        c.set("new", "1")
    finally:
        s.stop()
    s = start_radish(*AOF, workdir=workdir)
    try:
        c = s.client(db=2)
        assert c.get("old") == b"style" and c.get("new") == b"1"
    finally:
        s.stop()


def test_appendfsync_always_survives_kill_9():
    s = start_radish(*AOF, "--appendfsync", "always")
    try:
        c = s.client()
        for i in range(50):
            c.set("k%d" % i, i)
        c.rpush("list", *range(100))
        s.proc.kill()  # no shutdown, no final fsync
        s.proc.wait()
    finally:
        s.stop()
    s = start_radish(*AOF, workdir=s.dir)
    try:
        c = s.client()
        assert c.dbsize() == 51 and c.get("k49") == b"49" and c.llen("list") == 100
    finally:
        s.stop()


def test_appendonly_yes_ignores_dump_rdb():
    s = start_radish()
    try:
        c = s.client()
        c.set("only-in-rdb", "1")
        c.save()
    finally:
        s.stop()
    s = start_radish(*AOF, workdir=s.dir)
    try:
        assert s.client().get("only-in-rdb") is None  # as Redis: the AOF is the source
    finally:
        s.stop()


def test_replica_keeps_its_own_aof_of_the_primary_stream():
    primary = start_radish("--enable-debug-command", "yes")
    try:
        pc = primary.client()
        pc.set("before-sync", "1")
        pc.execute_command("SELECT", "3")
        pc.set("in-db-3", "x")
        replica = start_radish(*AOF, "--replicaof", "127.0.0.1 %d" % primary.port, "--enable-debug-command", "yes")
        try:
            rc = replica.client()
            wait_until(lambda: rc.info("replication")["master_link_status"] == "up")
            wait_until(lambda: _rewrite_done(rc) and rc.info("persistence")["aof_rewrites"] == 1)
            pc.set("after-sync", "2")  # db 3: the stream's SELECT was before the rewrite
            pc.execute_command("SELECT", "0")
            pc.rpush("list", "a", "b")
            wait_until(lambda: rc.llen("list") == 2)
            expected = _digest(pc)
            assert _digest(rc) == expected
            # The full sync restarted the AOF from the loaded dataset.
            assert _manifest(replica.dir) == (
                b"file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
            )
            incr = _read(os.path.join(_aofdir(replica.dir), "appendonly.aof.2.incr.aof"))
            assert b"PING" not in incr and b"REPLCONF" not in incr
        finally:
            replica.stop()
    finally:
        primary.stop()
    s = start_radish(*AOF, "--enable-debug-command", "yes", workdir=replica.dir)
    try:
        c = s.client()
        assert _digest(c) == expected
        assert c.get("before-sync") == b"1" and s.client(db=3).get("after-sync") == b"2"
    finally:
        s.stop()


def test_debug_loadaof_and_timestamp_annotations():
    s = start_radish(*AOF, "--aof-timestamp-enabled", "yes", "--enable-debug-command", "yes")
    try:
        c = s.client()
        _fill(c)
        before = _digest(c)
        assert c.execute_command("DEBUG", "LOADAOF")
        assert _digest(c) == before
        incr = _read(os.path.join(_aofdir(s.dir), "appendonly.aof.1.incr.aof"))
        assert incr.startswith(b"#TS:") and int(incr[4:incr.index(b"\r\n")]) >= int(time.time()) - 60
        assert "Append Only File loaded by DEBUG LOADAOF" in s.log()
    finally:
        s.stop()


def test_old_style_file_with_rdb_preamble_and_tail():
    s = start_radish(*AOF, "--enable-debug-command", "yes")
    try:
        c = s.client()
        _fill(c)
        cmd(c, "BGREWRITEAOF")
        wait_until(lambda: _rewrite_done(c) and c.info("persistence")["aof_rewrites"] == 1)
        c.set("tail", "t")
        expected = _digest(c)
    finally:
        s.stop()
    # A Redis 6 appendonly.aof: the RDB preamble, then the commands.
    old = _read(os.path.join(_aofdir(s.dir), "appendonly.aof.2.base.rdb")) + _read(
        os.path.join(_aofdir(s.dir), "appendonly.aof.2.incr.aof")
    )
    workdir = tempfile.mkdtemp(prefix="radish-aof-")
    with open(os.path.join(workdir, "appendonly.aof"), "wb") as f:
        f.write(old)
    s = start_radish(*AOF, "--enable-debug-command", "yes", workdir=workdir)
    try:
        assert _digest(s.client()) == expected
        assert "Reading the remaining AOF tail..." in s.log()
    finally:
        s.stop()


def test_write_error_refuses_writes_until_the_aof_can_be_written():
    prlimit = shutil.which("prlimit")
    if prlimit is None:
        pytest.skip("prlimit (util-linux) is not installed")
    s = start_radish(*AOF)
    try:
        c = s.client()
        c.set("before", "1")
        # The incr file may not grow past 8 KB: the next write fails.
        subprocess.run([prlimit, "--pid", str(s.proc.pid), "--fsize=8192:unlimited"], check=True)
        c.set("big", "x" * 10000)  # acknowledged: it waits in the buffer
        with pytest.raises(redis.ResponseError, match="^MISCONF Errors writing to the AOF file: No space left on device$"):
            c.set("refused", "1")
        with pytest.raises(redis.ResponseError, match="^MISCONF Errors writing to the AOF file"):
            c.ping()
        assert c.get("before") == b"1"  # reads still work
        assert c.info("persistence")["aof_last_write_status"] == "err"
        subprocess.run([prlimit, "--pid", str(s.proc.pid), "--fsize=unlimited:unlimited"], check=True)
        wait_until(lambda: c.info("persistence")["aof_last_write_status"] == "ok")
        c.set("after", "1")
        assert "AOF write error looks solved, Redis can write again." in s.log()
    finally:
        s.stop()
    s = start_radish(*AOF, workdir=s.dir)
    try:
        c = s.client()
        assert c.get("before") == b"1" and c.get("big") == b"x" * 10000 and c.get("after") == b"1"
        assert c.get("refused") is None
    finally:
        s.stop()


def test_inside_exec_rewrite_and_appendonly_are_scheduled():
    s = start_radish()
    try:
        c = s.client()
        c.set("k", "v")
        out = raw_exchange(s.port, b"MULTI\r\nBGREWRITEAOF\r\nCONFIG SET appendonly yes\r\nEXEC\r\n")
        assert out == b"+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+Background append only file rewriting scheduled\r\n+OK\r\n"
        assert "AOF was enabled during a transaction. An AOF background was scheduled to start when possible." in s.log()
        wait_until(lambda: _rewrite_done(c) and c.info("persistence")["aof_enabled"] == 1 and c.info("persistence")["aof_rewrites"] >= 1)
        wait_until(lambda: b"incr.aof" in _manifest(s.dir))
    finally:
        s.stop()


def test_script_effects_are_appended_and_replayed():
    """EVAL goes to the AOF as the writes it performed (never as EVAL, so
    replay needs no script cache): a restart gives the same data."""
    s = start_radish(*AOF)
    try:
        c = s.client()
        c.sadd("pool", "a", "b", "c")
        body = ("local v = redis.call('spop', KEYS[1]); redis.call('set', 'picked', v, 'EX', 1000);"
                " redis.call('select', 3); redis.call('incr', 'n'); return v")
        picked = c.eval(body, 1, "pool")
        incr = _read(os.path.join(_aofdir(s.dir), "appendonly.aof.1.incr.aof"))
        assert b"EVAL" not in incr.upper() and b"SREM" in incr.upper() and b"PXAT" in incr.upper()
        c.script_flush()
    finally:
        s.stop()
    s = start_radish(*AOF, workdir=s.dir)
    try:
        c = s.client()
        assert c.get("picked") == picked and picked not in c.smembers("pool")
        assert len(c.smembers("pool")) == 2 and 990 < c.ttl("picked") <= 1000
        c.execute_command("SELECT", "3")
        assert c.get("n") == b"1"
    finally:
        s.stop()
