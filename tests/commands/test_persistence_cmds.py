"""SAVE, BGSAVE, LASTSAVE, DUMP, RESTORE, DEBUG RELOAD / DIGEST /
DIGEST-VALUE and INFO persistence, through the dispatcher in-process."""

from __future__ import annotations

import os
import time

import pytest
from tests.support.inprocess import InProcess
from tests.support.resp import decode

from radish.persistence.rdb import dump_payload
from radish.protocol.resp import OK, Raw


def run(srv, *args):
    """The reply value; errors come back as their text (str)."""
    from radish.dispatch import call, lookup_command
    from radish.errors import CommandError

    argv = [a if isinstance(a, bytes) else str(a).encode() for a in args]
    spec = lookup_command(argv)
    if isinstance(spec, str):
        return spec
    res = call(srv.client, spec, argv)
    if isinstance(res, CommandError):
        return res.message
    if srv.server.propagation.pending:
        srv.server.propagation.flush()
    if type(res) is Raw:  # a reply the value built itself (ZRANGE on a listpack …)
        return decode(res)
    return res


@pytest.fixture
def srv(tmp_path):
    s = InProcess("--dir", str(tmp_path), "--save", "", "--enable-debug-command", "yes")
    s.dir = str(tmp_path)
    return s


def fill(srv):
    run(srv, "SET", "s", "v")
    run(srv, "SET", "n", "12345")
    run(srv, "SET", "t", "x", "EX", "1000")
    run(srv, "RPUSH", "l", "a", "b", "1")
    run(srv, "SADD", "ints", "1", "2", "3")
    run(srv, "SADD", "strs", "a", "b")
    run(srv, "HSET", "h", "f", "v", "g", "2")
    run(srv, "ZADD", "z", "1", "a", "2.5", "b", "-inf", "c")
    run(srv, "ZADD", "zbig", *[x for i in range(200) for x in (str(i / 3), "m%d" % i)])
    run(srv, "SELECT", "4")
    run(srv, "SET", "db4", "yes")
    run(srv, "SELECT", "0")


def test_save_writes_file_and_lastsave(srv):
    fill(srv)
    changes = srv.server.dirty
    assert changes >= 8
    assert b"rdb_changes_since_last_save:%d\r\n" % changes in run(srv, "INFO", "persistence")
    before = run(srv, "LASTSAVE")
    assert run(srv, "SAVE") is OK
    assert os.path.exists(os.path.join(srv.dir, "dump.rdb"))
    assert not [f for f in os.listdir(srv.dir) if f.startswith("temp-")]
    assert run(srv, "LASTSAVE") >= before
    info = run(srv, "INFO", "persistence").decode()
    assert "rdb_changes_since_last_save:0" in info and "rdb_saves:1" in info
    assert run(srv, "SAVE", "x") == "ERR wrong number of arguments for 'save' command"


def test_info_persistence_fields_match_redis_7(srv):
    lines = run(srv, "INFO", "persistence").decode().split("\r\n")
    names = [ln.split(":")[0] for ln in lines if ln and not ln.startswith("#")]
    assert names == [
        "loading", "async_loading", "current_cow_peak", "current_cow_size", "current_cow_size_age",
        "current_fork_perc", "current_save_keys_processed", "current_save_keys_total",
        "rdb_changes_since_last_save", "rdb_bgsave_in_progress", "rdb_last_save_time",
        "rdb_last_bgsave_status", "rdb_last_bgsave_time_sec", "rdb_current_bgsave_time_sec",
        "rdb_saves", "rdb_last_cow_size", "rdb_last_load_keys_expired", "rdb_last_load_keys_loaded",
        "aof_enabled", "aof_rewrite_in_progress", "aof_rewrite_scheduled", "aof_last_rewrite_time_sec",
        "aof_current_rewrite_time_sec", "aof_last_bgrewrite_status", "aof_rewrites",
        "aof_rewrites_consecutive_failures", "aof_last_write_status", "aof_last_cow_size",
        "module_fork_in_progress", "module_fork_last_cow_size",
    ]  # fmt: skip


def _wait_bgsave(srv, timeout=20.0):
    p = srv.server.persistence
    deadline = time.time() + timeout
    while p.child_active() and time.time() < deadline:
        p.cron()
        time.sleep(0.02)
    assert not p.child_active()


def test_bgsave_forks_and_reaps(srv):
    fill(srv)
    assert run(srv, "BGSAVE") == b"Background saving started"
    assert run(srv, "BGSAVE") == "ERR Background save already in progress"
    assert run(srv, "SAVE") == "ERR Background save already in progress"
    assert b"rdb_bgsave_in_progress:1" in run(srv, "INFO", "persistence")
    _wait_bgsave(srv)
    info = run(srv, "INFO", "persistence").decode()
    assert "rdb_last_bgsave_status:ok" in info and "rdb_changes_since_last_save:0" in info
    assert "rdb_bgsave_in_progress:0" in info and "rdb_last_bgsave_time_sec:-1" not in info
    assert run(srv, "BGSAVE", "NOW") == "ERR syntax error"
    assert run(srv, "BGSAVE", "SCHEDULE", "x") == "ERR syntax error"
    # Reload what the child wrote.
    digest = run(srv, "DEBUG", "DIGEST")
    assert run(srv, "DEBUG", "RELOAD", "NOSAVE") is OK
    assert run(srv, "DEBUG", "DIGEST") == digest


def test_bgsave_schedule_when_another_child_runs(srv):
    class FakeJob:
        pass

    srv.server.replication.primary.job = FakeJob()
    try:
        assert run(srv, "BGSAVE").startswith("ERR Another child process is active (AOF?)")
        assert run(srv, "BGSAVE", "SCHEDULE") == b"Background saving scheduled"
    finally:
        srv.server.replication.primary.job = None
    srv.server.persistence.cron()  # the scheduled BGSAVE starts
    assert srv.server.persistence.child_active()
    _wait_bgsave(srv)


def test_debug_reload_and_digest(srv):
    fill(srv)
    digest = run(srv, "DEBUG", "DIGEST")
    assert len(digest) == 40 and digest != b"0" * 40
    assert run(srv, "DEBUG", "RELOAD") is OK
    assert run(srv, "DEBUG", "DIGEST") == digest
    assert run(srv, "GET", "s") == b"v" and run(srv, "TTL", "t") > 0
    assert run(srv, "ZRANGE", "z", "0", "-1") == [b"c", b"a", b"b"] and run(srv, "ZCARD", "zbig") == 200
    assert run(srv, "OBJECT", "ENCODING", "zbig") == b"skiplist"
    run(srv, "SET", "extra", "1")
    assert run(srv, "DEBUG", "RELOAD", "NOSAVE") is OK  # back to the file
    assert run(srv, "EXISTS", "extra") == 0
    run(srv, "SET", "extra", "1")
    assert run(srv, "DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE") is OK
    assert run(srv, "EXISTS", "extra") == 1 and run(srv, "GET", "s") == b"v"
    assert run(srv, "DEBUG", "RELOAD", "NOSAVE", "NOFLUSH").startswith("ERR Error trying to load")
    assert run(srv, "DEBUG", "RELOAD", "BOGUS") == "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options."
    run(srv, "FLUSHALL")
    assert run(srv, "DEBUG", "DIGEST") == b"0" * 40
    assert run(srv, "DEBUG", "DIGEST", "x").startswith("ERR unknown subcommand or wrong number of arguments for 'DIGEST'")


def test_debug_digest_value(srv):
    fill(srv)
    d = run(srv, "DEBUG", "DIGEST-VALUE", "s", "missing", "h")
    assert d[1] == b"0" * 40 and d[0] != d[2]
    assert run(srv, "DEBUG", "DIGEST-VALUE") == []
    run(srv, "SET", "s2", "v")
    assert run(srv, "DEBUG", "DIGEST-VALUE", "s2")[0] == d[0]
    run(srv, "EXPIRE", "s2", "100")
    assert run(srv, "DEBUG", "DIGEST-VALUE", "s2")[0] != d[0]


def test_dump_and_restore(srv):
    fill(srv)
    assert run(srv, "DUMP", "missing") is None
    payloads = {k: run(srv, "DUMP", k) for k in ("s", "n", "l", "ints", "strs", "h")}
    assert payloads["s"] == dump_payload(b"v")
    values = {k: run(srv, "DEBUG", "DIGEST-VALUE", k)[0] for k in payloads}
    for k, p in payloads.items():
        assert run(srv, "RESTORE", k, "0", p) == "BUSYKEY Target key name already exists."
        assert run(srv, "RESTORE", k + "2", "0", p) is OK
        assert run(srv, "DEBUG", "DIGEST-VALUE", k + "2")[0] == values[k]
        assert run(srv, "TTL", k + "2") == -1
    assert run(srv, "RESTORE", "s", "0", payloads["h"], "REPLACE") is OK
    assert run(srv, "TYPE", "s") == b"hash"
    assert run(srv, "RESTORE", "ttl", "5000", payloads["s"]) is OK
    assert 4000 < run(srv, "PTTL", "ttl") <= 5000
    future = int(time.time() * 1000) + 100000
    assert run(srv, "RESTORE", "abs", str(future), payloads["s"], "ABSTTL") is OK
    assert run(srv, "PEXPIRETIME", "abs") == future
    assert run(srv, "RESTORE", "idle", "0", payloads["s"], "IDLETIME", "10") is OK
    assert run(srv, "RESTORE", "freq", "0", payloads["s"], "FREQ", "10") is OK


def test_restore_errors_in_redis_order(srv):
    p = dump_payload(b"v")
    run(srv, "SET", "k", "x")
    assert run(srv, "RESTORE", "k", "0", p, "BOGUS") == "ERR syntax error"
    assert run(srv, "RESTORE", "k", "0", p, "IDLETIME", "1", "FREQ", "1") == "ERR syntax error"
    assert run(srv, "RESTORE", "k", "0", p, "IDLETIME", "-1") == "ERR Invalid IDLETIME value, must be >= 0"
    assert run(srv, "RESTORE", "k", "0", p, "IDLETIME", "x") == "ERR value is not an integer or out of range"
    assert run(srv, "RESTORE", "k", "0", p, "FREQ", "256") == "ERR Invalid FREQ value, must be >= 0 and <= 255"
    assert run(srv, "RESTORE", "k", "0", p) == "BUSYKEY Target key name already exists."
    assert run(srv, "RESTORE", "k", "abc", p) == "BUSYKEY Target key name already exists."
    assert run(srv, "RESTORE", "n", "abc", p) == "ERR value is not an integer or out of range"
    assert run(srv, "RESTORE", "n", "-1", p) == "ERR Invalid TTL value, must be >= 0"
    assert run(srv, "RESTORE", "n", "0", b"junk") == "ERR DUMP payload version or checksum are wrong"
    assert run(srv, "RESTORE", "n", "0", p[:-1] + b"\x00") == "ERR DUMP payload version or checksum are wrong"
    assert run(srv, "RESTORE", "n", "0", p[:-10] + b"\x0b\x00" + p[-8:]) == "ERR DUMP payload version or checksum are wrong"
    from radish.persistence.crc64 import crc64

    body = b"\x12\x05\x02\x03abc\x0a\x00"
    assert run(srv, "RESTORE", "n", "0", body + crc64(body).to_bytes(8, "little")) == "ERR Bad data format"
    assert run(srv, "EXISTS", "n") == 0
    # DEBUG SET-SKIP-CHECKSUM-VALIDATION lets a payload with a wrong CRC in.
    assert run(srv, "DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "1") is OK
    assert run(srv, "RESTORE", "n", "0", p[:-8] + b"\x00" * 8) is OK
    assert run(srv, "DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "0") is OK


def test_restore_propagates_absolute_ttl_and_expired_deletes(srv):
    seen: list[bytes] = []
    srv.server.propagation.subscribe(seen.append)
    p = dump_payload(b"v")
    assert run(srv, "RESTORE", "k", "10000", p, "REPLACE") is OK
    stream = b"".join(seen)
    assert b"RESTORE" in stream and b"ABSTTL" in stream and b"REPLACE" in stream
    when = run(srv, "PEXPIRETIME", "k")
    assert b"$%d\r\n%d\r\n" % (len(str(when)), when) in stream
    seen.clear()
    # Already expired with REPLACE: the old key is deleted, and a DEL propagates.
    assert run(srv, "RESTORE", "k", "1", p, "ABSTTL", "REPLACE") is OK
    assert run(srv, "EXISTS", "k") == 0
    assert b"DEL" in b"".join(seen) and b"RESTORE" not in b"".join(seen)
    seen.clear()
    assert run(srv, "RESTORE", "k2", "1", p, "ABSTTL") is OK
    assert run(srv, "EXISTS", "k2") == 0 and seen == []


def test_misconf_after_failed_bgsave(srv):
    run(srv, "CONFIG", "SET", "save", "3600 1")
    p = srv.server.persistence
    p.last_bgsave_ok = False
    # The generic write check (process_command) refuses the write.
    assert srv.run("SET", "a", "1").startswith(b"-MISCONF Redis is configured to save RDB snapshots")
    assert srv.run("GET", "a") == b"$-1\r\n"
    assert b"rdb_last_bgsave_status:err" in run(srv, "INFO", "persistence")
    run(srv, "CONFIG", "SET", "stop-writes-on-bgsave-error", "no")
    assert srv.run("SET", "a", "1") == b"+OK\r\n"
    run(srv, "CONFIG", "SET", "stop-writes-on-bgsave-error", "yes")
    assert srv.run("SET", "a", "1").startswith(b"-MISCONF")
    assert run(srv, "BGSAVE") == b"Background saving started"
    _wait_bgsave(srv)
    assert srv.run("SET", "a", "2") == b"+OK\r\n"


def test_save_points_start_a_bgsave(srv):
    p = srv.server.persistence
    run(srv, "CONFIG", "SET", "save", "1 2")
    run(srv, "SET", "a", "1")
    p.lastsave -= 5
    p.cron()
    assert not p.child_active()  # 1 change < 2
    run(srv, "SET", "b", "1")
    p.cron()
    assert p.child_active()
    _wait_bgsave(srv)
    assert p.changes_since_last_save == 0
    assert os.path.exists(os.path.join(srv.dir, "dump.rdb"))


def test_save_failure_reports_err(srv, tmp_path):
    run(srv, "SET", "a", "1")
    gone = tmp_path / "gone"
    gone.mkdir()
    srv.server.config.dir = str(gone)  # (CONFIG SET dir is protected, and would chdir)
    os.rmdir(gone)
    try:
        assert run(srv, "SAVE") == "ERR"
        assert run(srv, "DEBUG", "RELOAD") == "ERR"
        assert run(srv, "BGSAVE") == b"Background saving started"
        _wait_bgsave(srv)
        assert b"rdb_last_bgsave_status:err" in run(srv, "INFO", "persistence")
        assert srv.server.persistence.on_shutdown(True, False) == "ERR Errors trying to SHUTDOWN. Check logs."
        assert srv.server.persistence.on_shutdown(True, True) is None
        assert srv.server.persistence.on_shutdown(False, False) is None
    finally:
        srv.server.config.dir = str(tmp_path)


def test_shutdown_saves_only_with_save_points_or_save(tmp_path):
    s = InProcess("--dir", str(tmp_path), "--save", "")
    p = s.server.persistence
    path = tmp_path / "dump.rdb"
    assert p.on_shutdown(None, False) is None and not path.exists()
    assert p.on_shutdown(True, False) is None and path.exists()
    path.unlink()
    s.server.config.save = [(3600, 1)]
    assert p.on_shutdown(False, False) is None and not path.exists()
    assert p.on_shutdown(None, False) is None and path.exists()


def test_startup_load_refuses_bad_files(tmp_path):
    (tmp_path / "dump.rdb").write_bytes(b"REDIS0010\xfa\x01")
    s = InProcess("--dir", str(tmp_path), "--save", "")
    with pytest.raises(SystemExit) as e:
        s.server.persistence.load_at_startup()
    assert e.value.code == 1
    assert s.server.keyspace.total_keys() == 0
    os.unlink(tmp_path / "dump.rdb")
    s.server.persistence.load_at_startup()  # no file: nothing to do


def test_bgsave_inside_exec_is_scheduled(srv):
    assert srv.run("MULTI") == b"+OK\r\n"
    assert srv.run("BGSAVE") == b"+QUEUED\r\n"
    assert srv.run("EXEC") == b"*1\r\n+Background saving scheduled\r\n"
    p = srv.server.persistence
    assert p.bgsave_scheduled and not p.child_active()
    p.cron()
    assert p.child_active() and not p.bgsave_scheduled
    _wait_bgsave(srv)
    assert srv.run("SAVE", "now").startswith(b"-ERR wrong number of arguments")
    assert srv.run("MULTI") == b"+OK\r\n"
    assert srv.run("SAVE") == b"-ERR Command not allowed inside a transaction\r\n"


def test_restore_idletime_and_freq_set_access_stamps(srv):
    p = dump_payload(b"v")
    assert run(srv, "RESTORE", "idle", "0", p, "IDLETIME", "1000") is OK
    assert run(srv, "OBJECT", "IDLETIME", "idle") >= 1000
    run(srv, "CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
    assert run(srv, "RESTORE", "hot", "0", p, "FREQ", "200") is OK
    assert run(srv, "OBJECT", "FREQ", "hot") == 200


@pytest.mark.parametrize("policy,opcode", [("allkeys-lru", b"\xf8"), ("volatile-lfu", b"\xf9")])
def test_snapshot_keeps_idle_time_or_frequency(srv, policy, opcode):
    run(srv, "CONFIG", "SET", "maxmemory-policy", policy)
    p = dump_payload(b"v")
    assert run(srv, "RESTORE", "k", "0", p, "IDLETIME", "5000", "REPLACE") is OK
    assert run(srv, "RESTORE", "f", "0", p, "FREQ", "77", "REPLACE") is OK
    assert run(srv, "SAVE") is OK
    with open(os.path.join(srv.dir, "dump.rdb"), "rb") as f:
        assert opcode in f.read()
    assert run(srv, "DEBUG", "RELOAD", "NOSAVE") is OK
    if policy == "allkeys-lru":
        assert run(srv, "OBJECT", "IDLETIME", "k") >= 5000
    else:
        assert run(srv, "OBJECT", "FREQ", "f") == 77
