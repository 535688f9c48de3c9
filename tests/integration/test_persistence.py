"""RDB persistence with real radish processes: restart, SHUTDOWN and
SIGTERM saves, save points, BGSAVE while serving, a killed BGSAVE child, a
crash in the middle of SAVE, and files refused at start-up."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
import threading
import time

import pytest
import redis
from tests.support.servers import free_port, radish_argv, start_radish, subprocess_env, wait_until


def _fill(c, n: int = 50) -> None:
    p = c.pipeline(transaction=False)
    for i in range(n):
        p.set("str:%d" % i, "value-%d" % i)
    p.rpush("list", *[b"item-%d" % i for i in range(300)])
    p.sadd("ints", *range(20))
    p.sadd("words", "a", "b", "c")
    p.hset("hash", mapping={"f%d" % i: "v%d" % i for i in range(10)})
    p.set("ttl", "x", ex=1000)
    p.execute()
    c.execute_command("SELECT", "9")
    c.set("in-db-9", "yes")
    c.execute_command("SELECT", "0")


def _digest(c) -> bytes:
    return c.execute_command("DEBUG", "DIGEST")


def _info(c) -> dict:
    return c.info("persistence")


def _start_expect_failure(workdir: str, *extra: str) -> subprocess.CompletedProcess:
    port = free_port()
    return subprocess.run(
        radish_argv(port, workdir, *extra), cwd=workdir, env=subprocess_env(), capture_output=True, text=True, timeout=60
    )


def test_restart_keeps_the_dataset():
    s = start_radish("--enable-debug-command", "yes")
    c = s.client()
    _fill(c)
    digest = _digest(c)
    with pytest.raises(redis.ConnectionError):
        c.execute_command("SHUTDOWN", "SAVE")
    assert s.proc.wait(20) == 0
    s.stop()
    assert os.path.exists(os.path.join(s.dir, "dump.rdb"))
    s2 = start_radish("--enable-debug-command", "yes", workdir=s.dir)
    try:
        c = s2.client()
        assert _digest(c) == digest
        assert c.dbsize() == 55 and c.ttl("ttl") > 900
        info = _info(c)
        assert info["rdb_last_load_keys_loaded"] == 56 and info["rdb_changes_since_last_save"] == 0
        assert "Done loading RDB, keys loaded: 56, keys expired: 0." in s2.log()
        assert "DB loaded from disk" in s2.log()
    finally:
        s2.stop()


def test_sigterm_saves_when_save_points_exist():
    s = start_radish("--save", "3600 1", "--enable-debug-command", "yes")
    c = s.client()
    _fill(c, 10)
    digest = _digest(c)
    s.proc.send_signal(signal.SIGTERM)
    assert s.proc.wait(20) == 0
    s.stop()
    assert "Saving the final RDB snapshot before exiting." in s.log()
    s2 = start_radish("--enable-debug-command", "yes", workdir=s.dir)
    try:
        assert _digest(s2.client()) == digest
    finally:
        s2.stop()


def test_shutdown_nosave_and_no_save_points():
    s = start_radish()
    c = s.client()
    c.set("a", "1")
    with pytest.raises(redis.ConnectionError):
        c.execute_command("SHUTDOWN", "NOSAVE")
    s.stop()
    assert not os.path.exists(os.path.join(s.dir, "dump.rdb"))
    s = start_radish(workdir=s.dir)  # no file: an empty dataset
    try:
        assert s.client().dbsize() == 0
    finally:
        s.stop()


def test_save_points_trigger_bgsave():
    s = start_radish("--save", "1 3")
    try:
        c = s.client()
        for i in range(3):
            c.set("k%d" % i, i)
        wait_until(lambda: _info(c)["rdb_changes_since_last_save"] == 0 and _info(c)["rdb_saves"] >= 1, timeout=15)
        assert "3 changes in 1 seconds. Saving..." in s.log()
        assert "Background saving terminated with success" in s.log()
        assert os.path.exists(os.path.join(s.dir, "dump.rdb"))
    finally:
        s.stop()


def test_bgsave_child_does_not_block_the_server():
    s = start_radish("--enable-debug-command", "yes")
    try:
        c = s.client()
        _fill(c)
        c.config_set("rdb-key-save-delay", 20000)  # 20 ms per key: ~1.2 s for the snapshot
        assert c.bgsave() is True
        start = time.time()
        for _ in range(20):
            assert c.ping() is True
        assert time.time() - start < 1.0
        assert _info(c)["rdb_bgsave_in_progress"] == 1
        with pytest.raises(redis.ResponseError, match="Background save already in progress"):
            c.bgsave()
        c.set("after-fork", "1")  # not in the snapshot
        wait_until(lambda: _info(c)["rdb_bgsave_in_progress"] == 0)
        info = _info(c)
        assert info["rdb_last_bgsave_status"] == "ok" and info["rdb_changes_since_last_save"] == 1
        c.config_set("rdb-key-save-delay", 0)
        c.execute_command("DEBUG", "RELOAD", "NOSAVE")
        assert c.get("after-fork") is None and c.dbsize() == 55
    finally:
        s.stop()


def _child_pid(s) -> int:
    m = re.findall(r"Background saving started by pid (\d+)", s.log())
    assert m, s.log()
    return int(m[-1])


def test_killed_bgsave_child_leaves_old_file_intact():
    s = start_radish("--enable-debug-command", "yes")
    try:
        c = s.client()
        _fill(c)
        assert c.save() is True
        path = os.path.join(s.dir, "dump.rdb")
        with open(path, "rb") as f:
            before = f.read()
        digest = _digest(c)
        c.set("newer", "data")
        c.config_set("rdb-key-save-delay", 100000)
        c.bgsave()
        wait_until(lambda: "Background saving started by pid" in s.log())
        pid = _child_pid(s)
        wait_until(lambda: os.path.exists(os.path.join(s.dir, "temp-%d.rdb" % pid)))
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: _info(c)["rdb_bgsave_in_progress"] == 0)
        assert _info(c)["rdb_last_bgsave_status"] == "err"
        assert "Background saving terminated by signal 9" in s.log()
        with open(path, "rb") as f:
            assert f.read() == before
        assert not os.path.exists(os.path.join(s.dir, "temp-%d.rdb" % pid))
        # With save points, a failed BGSAVE stops writes (MISCONF) …
        c.config_set("save", "3600 1")
        with pytest.raises(redis.ResponseError, match="MISCONF"):
            c.set("x", "1")
        assert c.get("newer") == b"data"
        # … until a background save succeeds again.
        c.config_set("rdb-key-save-delay", 0)
        c.config_set("save", "")
        c.bgsave()
        wait_until(lambda: _info(c)["rdb_bgsave_in_progress"] == 0)
        assert _info(c)["rdb_last_bgsave_status"] == "ok"
        c.config_set("save", "3600 1")
        assert c.set("x", "1") is True
        c.config_set("save", "")
    finally:
        s.stop()
    # The file written before the kill is the one a restart loads.
    with open(path, "wb") as f:
        f.write(before)
    s2 = start_radish("--enable-debug-command", "yes", workdir=s.dir)
    try:
        assert _digest(s2.client()) == digest
    finally:
        s2.stop()


def test_crash_during_save_leaves_old_file_intact():
    s = start_radish("--enable-debug-command", "yes")
    c = s.client()
    _fill(c)
    assert c.save() is True
    path = os.path.join(s.dir, "dump.rdb")
    with open(path, "rb") as f:
        before = f.read()
    digest = _digest(c)
    c.flushall()
    c.set("only", "key")
    c.config_set("rdb-key-save-delay", 5000000)  # 5 s per key: SAVE blocks
    t = threading.Thread(target=lambda: _swallow(c.save), daemon=True)
    t.start()
    wait_until(lambda: os.path.exists(os.path.join(s.dir, "temp-%d.rdb" % s.proc.pid)))
    s.proc.kill()  # a crash in the middle of the save
    s.proc.wait(10)
    s.stop()
    with open(path, "rb") as f:
        assert f.read() == before
    s2 = start_radish("--enable-debug-command", "yes", workdir=s.dir)
    try:
        assert _digest(s2.client()) == digest
    finally:
        s2.stop()


def _swallow(fn) -> None:
    try:
        fn()
    except redis.RedisError:
        pass


def _saved_file() -> bytes:
    s = start_radish()
    try:
        c = s.client()
        _fill(c)
        c.save()
        with open(os.path.join(s.dir, "dump.rdb"), "rb") as f:
            return f.read()
    finally:
        s.stop()


_SHORT_READ = ("Short read or OOM loading DB. Unrecoverable error, aborting now.",
               "Internal error in RDB reading offset 0, function at rdb.c:3249 -> Unexpected EOF reading RDB file")


@pytest.mark.parametrize(
    "mangle,lines",
    [
        (lambda b: b[: len(b) // 2], _SHORT_READ),
        (lambda b: b[:-3], _SHORT_READ),
        (lambda b: b[:-8] + bytes(8 - 1) + b"\x01", ("Wrong RDB checksum expected: (", ") but got (100000000000000). Aborting now.",
                                                     "Internal error in RDB reading offset 0, function at rdb.c:3225 -> RDB CRC error")),
        (lambda b: b"XEDIS" + b[5:], ("Wrong signature trying to load DB from file", "Fatal error loading the DB: Invalid argument. Exiting.")),
        (lambda b: b"REDIS0099" + b[9:], ("Can't handle RDB format version 99", "Fatal error loading the DB: Invalid argument. Exiting.")),
        (lambda b: b[:200] + bytes((b[200] ^ 0xFF,)) + b[201:], ("RDB CRC error",)),  # caught by the CRC
    ],
    ids=["truncated-half", "truncated-tail", "bad-checksum", "bad-magic", "bad-version", "flipped-byte"],
)
def test_bad_file_is_refused_at_startup(mangle, lines):
    """The server exits (status 1) with Redis 7.0's log lines for the
    failures tools look for (a short read, a CRC mismatch, a bad signature
    or version), radish's own naming the file otherwise."""
    good = _saved_file()
    workdir = tempfile.mkdtemp(prefix="radish-bad-rdb-")
    path = os.path.join(workdir, "dump.rdb")
    with open(path, "wb") as f:
        f.write(mangle(good))
    res = _start_expect_failure(workdir)
    out = res.stdout + res.stderr
    assert res.returncode != 0, out
    for line in lines:
        assert line.format(path=path) in out, out
    assert "Ready to accept connections" not in out


def test_unreadable_file_and_corrupt_stream_file_are_refused():
    workdir = tempfile.mkdtemp(prefix="radish-bad-rdb-")
    os.mkdir(os.path.join(workdir, "dump.rdb"))  # a directory where the file should be
    res = _start_expect_failure(workdir)
    assert res.returncode != 0 and "Fatal error loading the DB" in res.stdout + res.stderr
    workdir = tempfile.mkdtemp(prefix="radish-bad-rdb-")
    from radish.persistence.crc64 import crc64

    body = b"REDIS0010\xfe\x00\x15\x08mystream\xff"
    with open(os.path.join(workdir, "dump.rdb"), "wb") as f:
        f.write(body + crc64(body).to_bytes(8, "little"))
    res = _start_expect_failure(workdir)
    out = res.stdout + res.stderr
    assert res.returncode != 0 and "key 'mystream': corrupt stream:" in out


def _wait_no_child(r) -> None:
    deadline = time.time() + 20
    while time.time() < deadline:
        info = r.info("persistence")
        if not info["rdb_bgsave_in_progress"] and not info["aof_rewrite_in_progress"]:
            return
        time.sleep(0.05)
    raise AssertionError("child still running")


def test_every_fork_is_counted_in_info():
    """BGSAVE, BGREWRITEAOF and a replica's full sync each fork once, and
    INFO stats counts each (total_forks), as Redis's redisFork does."""
    primary = start_radish()
    replica = None
    try:
        r = primary.client()
        r.set("k", "v")
        assert r.info("stats")["total_forks"] == 0
        r.bgsave()
        _wait_no_child(r)
        assert r.info("stats")["total_forks"] == 1
        r.bgrewriteaof()
        _wait_no_child(r)
        assert r.info("stats")["total_forks"] == 2
        assert r.info("stats")["latest_fork_usec"] > 0
        replica = start_radish("--replicaof", "127.0.0.1", str(primary.port))
        rr = replica.client()
        deadline = time.time() + 20
        while rr.get("k") != b"v" and time.time() < deadline:
            time.sleep(0.05)
        assert rr.get("k") == b"v"
        assert r.info("stats")["total_forks"] == 3
        r.config_resetstat()
        assert r.info("stats")["total_forks"] == 0
    finally:
        if replica is not None:
            replica.stop()
        primary.stop()
