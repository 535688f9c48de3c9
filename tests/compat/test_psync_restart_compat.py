"""Restarts and partial resynchronization, radish beside a real
redis-server 7.0: the replication fields of the RDB aux section
(repl-stream-db, repl-id, repl-offset) written as Redis writes them and
read back by either server; a restarted replica or primary continuing with
+CONTINUE; a replica giving up a silent primary after repl-timeout. Each
scenario runs the same steps with radish and with redis-server in the
role under test and compares what a user sees."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest
from tests.support.fake_primary import StallingPrimary
from tests.support.servers import ServerProcess, start_radish, start_redis, wait_until

REPL_AUX = ["repl-stream-db", "repl-id", "repl-offset"]


def _info(server, section: str = "replication") -> dict:
    return {k: str(v) for k, v in server.client().info(section).items()}


def _link_up(server) -> bool:
    return _info(server).get("master_link_status") == "up"


def _start(kind: str, *extra: str, workdir: str | None = None) -> ServerProcess:
    if kind == "radish":
        return start_radish(*extra, workdir=workdir)
    return start_redis(*extra, workdir=workdir)


def _start_primary(kind: str) -> ServerProcess:
    # No PINGs in the stream during the test (offsets stay put between
    # steps); Redis's diskless sync would wait 5 s for more replicas.
    extra = ("--repl-ping-replica-period", "3600")
    return _start(kind, *extra) if kind == "radish" else _start(kind, "--repl-diskless-sync-delay", "0", *extra)


def _start_replica(kind: str, primary: ServerProcess, *extra: str) -> ServerProcess:
    return _start(kind, "--replicaof", "127.0.0.1", str(primary.port), *extra)


def _sync_counts(primary: ServerProcess) -> tuple[int, int]:
    st = _info(primary, "stats")
    return int(st["sync_full"]), int(st["sync_partial_ok"])


def _aux_fields(path: str) -> list[tuple[str, str]]:
    """The aux fields of an RDB file as redis-check-rdb reads them."""
    exe = shutil.which("redis-check-rdb")
    if exe is None:
        pytest.skip("redis-check-rdb is not installed")
    out = subprocess.run([exe, path], capture_output=True, text=True, timeout=60)
    assert "RDB looks OK" in out.stdout, out.stdout
    return re.findall(r"AUX FIELD (\S+) = '([^']*)'", out.stdout)


def _keys_everywhere(server: ServerProcess) -> dict:
    out = {}
    for db in range(16):
        c = server.client(db=db)
        for k in c.keys("*"):
            out[(db, k)] = c.dump(k)
    return out


# -- the aux fields -------------------------------------------------------------------------


def _aux_scenario(kind: str) -> dict:
    """A primary and its replica of ``kind`` after writes in db 0 and db 3;
    what each one's SAVE puts in the aux section, and a lone server's."""
    lone = _start(kind)
    primary = _start_primary(kind)
    replica = _start_replica(kind, primary)
    try:
        lone.client().set("k", "1")
        lone.client().save()
        wait_until(lambda: _link_up(replica))
        primary.client().set("a", "1")
        primary.client(db=3).set("b", "2")
        wait_until(lambda: _info(replica)["master_repl_offset"] == _info(primary)["master_repl_offset"])
        out: dict = {"lone": [k for k, _ in _aux_fields(os.path.join(lone.dir, "dump.rdb"))]}
        for role, s in (("primary", primary), ("replica", replica)):
            s.client().save()
            fields = _aux_fields(os.path.join(s.dir, "dump.rdb"))
            inf = _info(s)
            values = dict(fields)
            out[role] = [k for k, _ in fields]
            out[role + "-values"] = (
                values["repl-stream-db"],
                values["repl-id"] == inf["master_replid"],
                values["repl-offset"] == inf["master_repl_offset"],
            )
        return out
    finally:
        for s in (replica, primary, lone):
            s.stop()


def test_rdb_replication_aux_fields_as_redis_writes_them():
    ours, theirs = _aux_scenario("radish"), _aux_scenario("redis")
    assert ours == theirs
    assert theirs["lone"] == ["redis-ver", "redis-bits", "ctime", "used-mem", "aof-base"]
    assert theirs["primary"] == ["redis-ver", "redis-bits", "ctime", "used-mem", *REPL_AUX, "aof-base"]
    assert theirs["replica"] == theirs["primary"]
    assert theirs["replica-values"] == ("3", True, True)


# -- a restarted replica --------------------------------------------------------------------


def _replica_restart(primary_kind: str, first: str, second: str) -> dict:
    """A replica of kind ``first`` synchronizes, is shut down with SHUTDOWN
    SAVE, the primary takes more writes (in the database its stream had
    selected), then a replica of kind ``second`` starts from the first
    one's RDB. What the primary and the new replica report."""
    primary = _start_primary(primary_kind)
    replica = _start_replica(first, primary)
    new = None
    try:
        m3 = primary.client(db=3)
        primary.client().set("a", "1")
        m3.set("b", "2")
        wait_until(lambda: _link_up(replica))
        wait_until(lambda: _info(replica)["master_repl_offset"] == _info(primary)["master_repl_offset"])
        before = _sync_counts(primary)
        assert replica.shutdown("SAVE") == 0
        m3.set("missed", "3")
        m3.rpush("missed-list", "x", "y")
        if first == second:
            new = replica.restarted()
        else:
            workdir = tempfile.mkdtemp(prefix="psync-restart-")
            shutil.copy(os.path.join(replica.dir, "dump.rdb"), workdir)
            new = _start(second, "--replicaof", "127.0.0.1", str(primary.port), workdir=workdir)
        wait_until(lambda: _link_up(new))
        wait_until(lambda: _info(new)["master_repl_offset"] == _info(primary)["master_repl_offset"])
        after = _sync_counts(primary)
        return {
            "full": after[0] - before[0],
            "partial": after[1] - before[1],
            "same-data": _keys_everywhere(new) == _keys_everywhere(primary),
            "replid": _info(new)["master_replid"] == _info(primary)["master_replid"],
        }
    finally:
        if new is not None:
            new.stop()
        replica.stop()
        primary.stop()


@pytest.mark.parametrize("primary_kind", ["radish", "redis"])
def test_restarted_replica_continues_as_redis_does(primary_kind):
    ours = _replica_restart(primary_kind, "radish", "radish")
    theirs = _replica_restart(primary_kind, "redis", "redis")
    assert ours == theirs == {"full": 0, "partial": 1, "same-data": True, "replid": True}


@pytest.mark.parametrize("first,second", [("redis", "radish"), ("radish", "redis")], ids=["redis-rdb-in-radish", "radish-rdb-in-redis"])
@pytest.mark.parametrize("primary_kind", ["radish", "redis"])
def test_replica_rdb_of_one_server_continues_in_the_other(primary_kind, first, second):
    assert _replica_restart(primary_kind, first, second) == {"full": 0, "partial": 1, "same-data": True, "replid": True}


# -- a restarted primary --------------------------------------------------------------------


def _primary_restart(primary_kind: str, replica_kind: str) -> dict:
    """A primary of ``primary_kind`` with one replica, shut down with
    SHUTDOWN SAVE while a key of its is about to expire, started again on
    the same directory. What the restarted primary and its replica report."""
    primary = _start_primary(primary_kind)
    replica = _start_replica(replica_kind, primary)
    try:
        m = primary.client()
        m.set("a", "1")
        primary.client(db=3).set("b", "2")
        m.set("short-lived", "1", px=1500)
        wait_until(lambda: _link_up(replica))
        wait_until(lambda: _info(replica)["master_repl_offset"] == _info(primary)["master_repl_offset"])
        old_id = _info(primary)["master_replid"]
        assert primary.shutdown("SAVE") == 0
        wait_until(lambda: _info(replica)["master_link_status"] == "down")
        offset = int(_info(replica)["master_repl_offset"])  # what the replica has
        time.sleep(1.6)  # short-lived expires while the primary is down
        primary = primary.restarted()
        mi = _info(primary)
        out = {
            "new-id": mi["master_replid"] != old_id,
            "replid2": mi["master_replid2"] == old_id,
            "second-offset": int(mi["second_repl_offset"]) - offset,
            "backlog": (mi["repl_backlog_active"], int(mi["repl_backlog_first_byte_offset"]) - offset),
            "backlog-histlen": int(mi["repl_backlog_histlen"]),  # the DEL of short-lived
        }
        wait_until(lambda: _link_up(replica), timeout=30)
        primary.client(db=3).set("after", "1")
        wait_until(lambda: _info(replica)["master_repl_offset"] == _info(primary)["master_repl_offset"])
        ri = _info(replica)
        out["sync"] = _sync_counts(primary)
        out["replica-ids"] = (ri["master_replid"] == mi["master_replid"], ri["master_replid2"] == old_id)
        out["replica-second-offset"] = int(ri["second_repl_offset"]) - offset
        out["same-dbsize"] = [replica.client(db=d).dbsize() == primary.client(db=d).dbsize() for d in (0, 3)]
        out["same-data"] = _keys_everywhere(replica) == _keys_everywhere(primary)
        return out
    finally:
        replica.stop()
        primary.stop()


@pytest.mark.parametrize("replica_kind", ["radish", "redis"])
def test_restarted_primary_lets_replicas_continue_as_redis_does(replica_kind):
    ours = _primary_restart("radish", replica_kind)
    theirs = _primary_restart("redis", replica_kind)
    assert ours == theirs
    assert theirs["sync"] == (0, 1) and theirs["second-offset"] == 1 and theirs["same-data"]


# -- repl-timeout during the handshake ----------------------------------------------------------


TIMEOUT_LINES = {
    "after-ping": "Timeout connecting to the MASTER...",
    "psync": "Timeout connecting to the MASTER...",
    "transfer": "Timeout receiving bulk data from MASTER... If the problem persists try to set "
    "the 'repl-timeout' parameter in redis.conf to a larger value.",
}


def _rdb_bytes() -> bytes:
    s = start_radish()
    try:
        s.client().set("from-rdb", "1")
        s.client().save()
        with open(os.path.join(s.dir, "dump.rdb"), "rb") as f:
            return f.read()
    finally:
        s.stop()


def _silent_primary(kind: str, stall: str, rdb: bytes) -> dict:
    fake = StallingPrimary(rdb, stall)
    replica = _start(kind, "--replicaof", "127.0.0.1", str(fake.port), "--repl-timeout", "2")
    try:
        wait_until(lambda: _link_up(replica), timeout=30)
        log = replica.log()
        return {
            "data": replica.client().get("from-rdb"),
            "connections": len(fake.conns),
            "lines": [
                line in log
                for line in (TIMEOUT_LINES[stall], "Reconnecting to MASTER 127.0.0.1:%d after failure" % fake.port)
            ],
        }
    finally:
        replica.stop()
        fake.close()


@pytest.mark.parametrize("stall", ["after-ping", "psync", "transfer"])
def test_silent_primary_is_given_up_after_repl_timeout_as_redis_does(stall):
    rdb = _rdb_bytes()
    ours = _silent_primary("radish", stall, rdb)
    theirs = _silent_primary("redis", stall, rdb)
    assert ours == theirs == {"data": b"1", "connections": 2, "lines": [True, True]}

