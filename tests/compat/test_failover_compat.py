"""FAILOVER (Redis 7.0's coordinated failover) beside a real redis-server
7.0: the replies and errors byte for byte, the state INFO shows, writes held
while the primary waits for its replica, the switch of roles with no write
lost, ABORT and TIMEOUT, and failovers between a radish and a redis-server
in both directions. Also the Redis Sentinel that ships with redis-server
failing a radish primary over to a radish replica."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time

import pytest
from tests.support.resp import Raw
from tests.support.servers import ServerProcess, free_port, start_radish, start_redis, wait_until

KINDS = ["radish", "redis"]


def _start(kind: str, *extra: str) -> ServerProcess:
    if kind == "radish":
        return start_radish(*extra)
    # Redis's diskless sync would wait 5 s for more replicas.
    return start_redis("--repl-diskless-sync-delay", "0", *extra)


def _info(server: ServerProcess) -> dict:
    return {k: str(v) for k, v in server.client().info("replication").items()}


def _replica_of(kind: str, primary: ServerProcess) -> ServerProcess:
    r = _start(kind, "--replicaof", "127.0.0.1", str(primary.port))
    wait_until(lambda: _info(r).get("master_link_status") == "up")
    return r


def _role(server: ServerProcess) -> str:
    return server.client().execute_command("ROLE")[0].decode()


# -- errors -----------------------------------------------------------------------------------


def _error_replies(kind: str) -> list[bytes]:
    p = _start(kind)
    try:
        raw = Raw(p.port)
        out = [
            raw([b"FAILOVER"]),
            raw([b"FAILOVER", b"ABORT"]),
            raw([b"FAILOVER", b"TIMEOUT", b"0"]),
            raw([b"FAILOVER", b"TIMEOUT", b"-5"]),
            raw([b"FAILOVER", b"TIMEOUT", b"x"]),
            raw([b"FAILOVER", b"TIMEOUT", b"10", b"TIMEOUT", b"10"]),
            raw([b"FAILOVER", b"TO", b"127.0.0.1"]),
            raw([b"FAILOVER", b"TO", b"127.0.0.1", b"port"]),
            raw([b"FAILOVER", b"FORCE", b"FORCE"]),
            raw([b"FAILOVER", b"ABORT", b"TIMEOUT", b"10"]),
            raw([b"FAILOVER", b"bogus"]),
            raw([b"FAILOVER", b"FORCE"]),
            raw([b"MULTI"]),
            raw([b"FAILOVER"]),
            raw([b"EXEC"]),
        ]
        r = _replica_of(kind, p)
        try:
            out += [
                raw([b"FAILOVER", b"FORCE", b"TIMEOUT", b"100"]),
                raw([b"FAILOVER", b"TO", b"127.0.0.1", b"FORCE"]),
                raw([b"FAILOVER", b"TO", b"127.0.0.1", str(free_port()).encode()]),
                raw([b"FAILOVER", b"TO", b"10.1.2.3", str(r.port).encode()]),
                raw([b"FAILOVER", b"TO", b"127.0.0.1", str(r.port).encode(), b"FORCE"]),
                Raw(r.port)([b"FAILOVER"]),
                raw([b"FAILOVER", b"ABORT"]),
            ]
        finally:
            r.stop()
        raw.close()
        return out
    finally:
        p.stop()


def test_failover_errors_match_redis():
    radish, redis = _error_replies("radish"), _error_replies("redis")
    assert radish == redis
    assert radish[0] == b"-ERR FAILOVER requires connected replicas.\r\n"
    assert b"-ERR FAILOVER with force option requires both a timeout and target HOST and IP.\r\n" in radish


# -- a failover, each server in each role ------------------------------------------------------


def _failover(primary_kind: str, target_kind: str, other_kind: str) -> dict:
    """A primary with two replicas; FAILOVER TO the first. What each side
    reports, and the data, once it is done."""
    p = _start(primary_kind, "--repl-ping-replica-period", "3600")
    r1 = r2 = None
    try:
        c = p.client()
        for i in range(50):
            c.set("k%d" % i, i)
        r1 = _replica_of(target_kind, p)
        r2 = _replica_of(other_kind, p)
        wait_until(lambda: _info(r1)["slave_repl_offset"] == _info(p)["master_repl_offset"])
        wait_until(lambda: _info(r2)["slave_repl_offset"] == _info(p)["master_repl_offset"])
        reply = Raw(p.port)([b"FAILOVER", b"TO", b"127.0.0.1", str(r1.port).encode()])
        wait_until(lambda: _role(r1) == "master" and _info(p)["master_failover_state"] == "no-failover")
        wait_until(lambda: _info(p).get("master_link_status") == "up")
        # The new primary takes writes; the old one receives them.
        r1.client().set("after", "failover")
        wait_until(lambda: p.client().get("after") == b"failover")
        old = p.client()
        return {
            "reply": reply,
            "old_role": _role(p),
            "old_master_port": _info(p)["master_port"] == str(r1.port),
            "old_readonly": Raw(p.port)([b"SET", b"x", b"1"]),
            "new_role": _role(r1),
            "data_old": sorted(old.keys("*")),
            "data_new": sorted(r1.client().keys("*")),
            "new_failover_state": _info(r1)["master_failover_state"],
        }
    finally:
        for s in (r2, r1, p):
            if s is not None:
                s.stop()


@pytest.mark.parametrize(
    "primary_kind,target_kind",
    [("radish", "radish"), ("radish", "redis"), ("redis", "radish")],
    ids=["radish-to-radish", "radish-to-redis", "redis-to-radish"],
)
def test_failover_switches_roles_without_losing_writes(primary_kind, target_kind):
    got = _failover(primary_kind, target_kind, primary_kind)
    want = _failover("redis", "redis", "redis")
    assert got == want
    assert got["reply"] == b"+OK\r\n"
    assert got["old_role"] == "slave" and got["new_role"] == "master"
    assert len(got["data_new"]) == 51


def _held_then_aborted(kind: str) -> dict:
    """FAILOVER TO a replica that cannot acknowledge (its process is
    stopped): writes are held, reads are not, INFO says waiting-for-sync;
    ABORT releases the held write; then TIMEOUT gives up by itself."""
    p = _start(kind, "--repl-ping-replica-period", "3600")
    r = _replica_of(kind, p)
    try:
        p.client().set("a", "1")
        wait_until(lambda: _info(r)["slave_repl_offset"] == _info(p)["master_repl_offset"])
        os.kill(r.proc.pid, 19)  # SIGSTOP: no more ACKs
        try:
            p.client().set("b", "2")  # the replica is behind now
            out = {"start": Raw(p.port)([b"FAILOVER", b"TO", b"127.0.0.1", str(r.port).encode()])}
            out["state"] = _info(p)["master_failover_state"]
            out["again"] = Raw(p.port)([b"FAILOVER"])
            out["replicaof"] = Raw(p.port)([b"REPLICAOF", b"NO", b"ONE"])
            out["read"] = Raw(p.port)([b"GET", b"a"])
            held = Raw(p.port)
            held.send([b"SET", b"c", b"3"])
            out["held"] = held.pending(wait=0.5)
            out["unpause"] = Raw(p.port)([b"CLIENT", b"UNPAUSE"])
            out["still_held"] = held.pending(wait=0.3)
            out["abort"] = Raw(p.port)([b"FAILOVER", b"ABORT"])
            out["released"] = held.read(timeout=5)
            out["after_abort"] = _info(p)["master_failover_state"]
            out["timeout_start"] = Raw(p.port)([b"FAILOVER", b"TIMEOUT", b"300"])
            wait_until(lambda: _info(p)["master_failover_state"] == "no-failover", timeout=10)
            out["after_timeout_write"] = Raw(p.port)([b"SET", b"d", b"4"])
            out["role"] = _role(p)
            return out
        finally:
            os.kill(r.proc.pid, 18)  # SIGCONT
    finally:
        r.stop()
        p.stop()


def test_failover_holds_writes_until_abort_or_timeout():
    radish, redis = _held_then_aborted("radish"), _held_then_aborted("redis")
    assert radish == redis
    assert radish["state"] == "waiting-for-sync"
    assert radish["held"] is False and radish["released"] == b"+OK\r\n"
    assert radish["after_timeout_write"] == b"+OK\r\n" and radish["role"] == "master"


# -- Sentinel -----------------------------------------------------------------------------------


def test_redis_sentinel_fails_a_radish_primary_over():
    """Redis's own Sentinel, two of them with a quorum of two, monitors a
    radish primary with two radish replicas: the sentinels discover the
    replicas (INFO) and each other (the primary's __sentinel__:hello
    channel); when the primary dies they agree, one promotes a replica and
    points the other at it; the data written before is there, and redis-py's
    Sentinel client follows."""
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server is not installed")
    p = start_radish()
    r1 = _replica_of("radish", p)
    r2 = _replica_of("radish", p)
    workdir = tempfile.mkdtemp()
    sentinels, ports = [], []
    try:
        for i in range(2):
            sport = free_port()
            conf = os.path.join(workdir, "sentinel-%d.conf" % i)
            with open(conf, "w") as f:
                f.write(
                    "port %d\nsentinel monitor mymaster 127.0.0.1 %d 2\n"
                    "sentinel down-after-milliseconds mymaster 1000\nsentinel failover-timeout mymaster 10000\n"
                    % (sport, p.port)
                )
            sentinels.append(subprocess.Popen([exe, conf, "--sentinel"], cwd=workdir, stdout=subprocess.DEVNULL,
                                              stderr=subprocess.DEVNULL))  # fmt: skip
            ports.append(sport)
        import redis

        s = redis.Redis(port=ports[0])
        wait_until(lambda: _pingable(s))
        wait_until(lambda: s.sentinel_master("mymaster")["num-slaves"] == 2)
        wait_until(lambda: s.sentinel_master("mymaster")["num-other-sentinels"] == 1, timeout=30)
        p.client().set("before", "failover")
        wait_until(lambda: r1.client().get("before") == b"failover" and r2.client().get("before") == b"failover")
        p.stop()
        # +switch-master: the monitored primary is the promoted replica.
        wait_until(lambda: s.sentinel_master("mymaster")["port"] != p.port, timeout=30)
        new_port = int(s.sentinel_master("mymaster")["port"])
        new, other = (r1, r2) if new_port == r1.port else (r2, r1)
        assert new_port in (r1.port, r2.port)
        wait_until(lambda: _role(new) == "master")
        wait_until(lambda: _info(other).get("master_port") == str(new_port) and _info(other).get("master_link_status") == "up", timeout=30)
        new.client().set("after", "failover")
        wait_until(lambda: other.client().get("after") == b"failover")
        assert new.client().get("before") == b"failover"
        # redis-py's Sentinel client finds the new primary.
        from redis.sentinel import Sentinel

        wait_until(lambda: not s.sentinel_master("mymaster")["is_sdown"])
        master = Sentinel([("127.0.0.1", port) for port in ports], socket_timeout=5).master_for("mymaster")
        assert master.get("after") == b"failover"
    finally:
        for sentinel in sentinels:
            sentinel.terminate()
            sentinel.wait(10)
        for srv in (r2, r1, p):
            srv.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def _pingable(client) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        time.sleep(0.1)
        return False

