"""Reliability (issue 20), radish against redis-server between real
processes: a busy script never makes the server deaf."""

from __future__ import annotations

import signal
import time

import pytest
from tests.support.resp import Raw
from tests.support.servers import start_pair, wait_until

pytestmark = pytest.mark.timeout(120)

BUSY_ARGS = ("--busy-reply-threshold", "200")


def _start_busy(srv) -> Raw:
    runner = Raw(srv.port)
    runner.send([b"EVAL", b"while true do end", b"0"])
    time.sleep(0.5)  # past busy-reply-threshold
    return runner


def _new_connection_session(port: int) -> list[bytes]:
    """What a client that connects during the busy script gets."""
    c = Raw(port, timeout=5)
    try:
        out = [
            c([b"PING"]),
            c([b"GET", b"k"]),
            c([b"MULTI"]),
            c([b"SET", b"k", b"v"]),
            c([b"EXEC"]),
            c([b"EVAL", b"return 1", b"0"]),
            c([b"SHUTDOWN"]),
            c([b"SCRIPT", b"KILL"]),
        ]
    finally:
        c.close()
    return out


def test_new_connections_are_served_during_a_busy_script():
    pair = start_pair(*BUSY_ARGS)
    try:
        results = []
        for srv in pair:
            runner = _start_busy(srv)
            results.append(_new_connection_session(srv.port))
            # The script was killed: its caller gets the error, then the
            # server serves normally, the late connection included.
            assert runner.read().startswith(b"-ERR Script killed by user")
            runner.close()
            late = Raw(srv.port)
            assert late([b"PING"]) == b"+PONG\r\n"
            late.close()
        assert results[0] == results[1], results
        assert results[0][0].startswith(b"-BUSY")
    finally:
        for srv in pair:
            srv.stop()


def test_connection_accepted_while_busy_is_kept_after_the_script():
    pair = start_pair(*BUSY_ARGS)
    try:
        for srv in pair:
            runner = _start_busy(srv)
            held = Raw(srv.port, timeout=5)
            assert held([b"PING"]).startswith(b"-BUSY")
            killer = Raw(srv.port, timeout=5)
            assert killer([b"SCRIPT", b"KILL"]) == b"+OK\r\n"
            runner.read()
            # The connection accepted during the busy period goes on.
            assert held([b"SET", b"a", b"1"]) == b"+OK\r\n"
            assert held([b"GET", b"a"]) == b"$1\r\n1\r\n"
            for c in (runner, held, killer):
                c.close()
    finally:
        for srv in pair:
            srv.stop()


def test_shutdown_nosave_from_a_new_connection_during_a_busy_script():
    pair = start_pair(*BUSY_ARGS)
    try:
        for srv in pair:
            runner = _start_busy(srv)
            c = Raw(srv.port, timeout=5)
            c.send([b"SHUTDOWN", b"NOSAVE"])
            assert c.read_until_quiet(2) == b""
            srv.proc.wait(10)
            assert srv.proc.returncode == 0
            runner.close()
            c.close()
    finally:
        for srv in pair:
            srv.stop()


def test_sigterm_during_a_busy_script():
    """Redis 7.0 logs SIGTERM at once and shuts down once the script is
    killed; a SIGINT after it exits at once (status 1)."""
    pair = start_pair(*BUSY_ARGS)
    try:
        for srv in pair:
            runner = _start_busy(srv)
            srv.proc.send_signal(signal.SIGTERM)
            wait_until(lambda srv=srv: "Received SIGTERM scheduling shutdown" in srv.log(), timeout=10)
            c = Raw(srv.port, timeout=5)
            assert c([b"PING"]).startswith(b"-BUSY")
            assert srv.proc.poll() is None
            assert c([b"SCRIPT", b"KILL"]) == b"+OK\r\n"
            srv.proc.wait(10)
            assert srv.proc.returncode == 0
            runner.close()
            c.close()
        for srv in pair:
            srv.proc.wait()
        pair2 = start_pair(*BUSY_ARGS)
        for srv in pair2:
            runner = _start_busy(srv)
            srv.proc.send_signal(signal.SIGTERM)
            wait_until(lambda srv=srv: "Received SIGTERM scheduling shutdown" in srv.log(), timeout=10)
            srv.proc.send_signal(signal.SIGINT)
            srv.proc.wait(10)
            assert srv.proc.returncode == 1
            assert "You insist... exiting now." in srv.log()
            runner.close()
    finally:
        for srv in pair:
            srv.stop()


@pytest.mark.parametrize("resp3", [False, True], ids=["resp2", "resp3"])
def test_subscriber_with_client_reply_off_gets_pushes_not_replies(resp3):
    """Subscription confirmations and messages are pushes (Redis's
    CLIENT_PUSHING), sent under CLIENT REPLY OFF/SKIP in RESP2 as in RESP3."""
    from tests.support.resp import encode_command

    script = [
        [b"CLIENT", b"REPLY", b"OFF"], [b"SUBSCRIBE", b"ch"], [b"PING"], [b"SSUBSCRIBE", b"x"],
        [b"PUBLISH", b"ch", b"m"], [b"SPUBLISH", b"x", b"m"], [b"GET", b"k"],
        [b"UNSUBSCRIBE"], [b"PSUBSCRIBE", b"a*"], [b"PUNSUBSCRIBE", b"zz"], [b"SUBSCRIBE", b"ch"],
        [b"CLIENT", b"REPLY", b"ON"], [b"PING"],
        [b"CLIENT", b"REPLY", b"SKIP"], [b"SUBSCRIBE", b"y"], [b"PING"],
        [b"CLIENT", b"REPLY", b"SKIP"], [b"PING"], [b"PUBLISH", b"ch", b"m2"], [b"PING"],
    ]
    pair = start_pair()
    try:
        seen = []
        for srv in pair:
            c = Raw(srv.port, resp3=resp3, timeout=5)
            c.write(b"".join(encode_command(a) for a in script))
            got = c.read_until_quiet(0.5)
            other = Raw(srv.port)
            assert other([b"PUBLISH", b"ch", b"late"]) == b":1\r\n"
            got += c.read_until_quiet(0.5)
            c.close()
            other.close()
            seen.append(got)
        assert seen[0] == seen[1]
        assert seen[0].endswith(b"$4\r\nlate\r\n")
    finally:
        for srv in pair:
            srv.stop()


@pytest.mark.parametrize("kind", ["radish", "redis"])
def test_writable_replica_keeps_its_own_writes_and_expires_its_own_keys(kind):
    """A writable replica (replica-read-only no) between a primary and a
    sub-replica: its clients' writes stay on it (the sub-replica gets
    exactly the primary's stream, offsets included), and the keys it wrote
    with a TTL are expired by it (INFO keyspace stops counting them)."""
    import time

    import redis
    from tests.support.servers import start_radish, start_redis, wait_until

    start = start_radish if kind == "radish" else start_redis
    p = start()
    r = start("--replicaof", "127.0.0.1", str(p.port), "--replica-read-only", "no")
    s = start("--replicaof", "127.0.0.1", str(r.port))
    try:
        P, R, S = (redis.Redis(port=x.port) for x in (p, r, s))
        wait_until(lambda: R.info("replication")["master_link_status"] == "up")
        wait_until(lambda: S.info("replication")["master_link_status"] == "up")
        P.set("fromp", "1")
        R.set("local", "1")
        R.set("ttl", "1", px=200)
        R.expire("local2", 1)  # no such key: nothing
        P.set("fromp2", "2")
        wait_until(lambda: S.exists("fromp2") == 1)
        assert sorted(S.keys()) == [b"fromp", b"fromp2"]
        wait_until(lambda: R.info("keyspace")["db0"]["keys"] == 3, timeout=5)
        assert sorted(R.keys()) == [b"fromp", b"fromp2", b"local"]
        assert R.info("keyspace")["db0"].get("expires", 0) == 0
        time.sleep(0.2)
        assert S.info("replication")["master_repl_offset"] == P.info("replication")["master_repl_offset"]
    finally:
        for x in (s, r, p):
            x.stop()


def _blocked_clients_around_a_role_change(start) -> list:
    """Issue 20: B is the primary of A. A client blocked on B is served
    (its LPOP reaches A), another is blocked on B when the two swap roles
    (A: REPLICAOF NO ONE, B: REPLICAOF A). Then A pushes to the key the
    second client waited on. What both clients saw, and the state of the
    pair (which must hold the same data)."""
    import redis

    b = start("--enable-debug-command", "yes")
    a = start("--enable-debug-command", "yes", "--replicaof", "127.0.0.1", str(b.port))
    try:
        A, B = redis.Redis(port=a.port), redis.Redis(port=b.port)
        wait_until(lambda: A.info("replication")["master_link_status"] == "up")
        served = Raw(b.port)
        served.send([b"BLPOP", b"q", b"0"])
        wait_until(lambda: B.info("clients")["blocked_clients"] == 1)
        B.rpush("q", "x", "y")
        out: list = [served.read()]
        wait_until(lambda: A.lrange("q", 0, -1) == [b"y"])
        waiting = Raw(b.port)
        waiting.send([b"BLPOP", b"foo", b"0"])
        waiting_move = Raw(b.port)
        waiting_move.send([b"BLMOVE", b"src", b"dst", b"LEFT", b"RIGHT", b"0"])
        wait_until(lambda: B.info("clients")["blocked_clients"] == 2)
        A.execute_command("REPLICAOF", "NO", "ONE")
        B.execute_command("REPLICAOF", "127.0.0.1", str(a.port))
        for c in (waiting, waiting_move):
            out.append(c.read())
            try:
                out.append(c.read(timeout=5))
            except ConnectionError as e:
                out.append(str(e))  # closed after the reply
        wait_until(lambda: B.info("replication")["master_link_status"] == "up")
        A.rpush("foo", "a", "b", "c")
        A.rpush("src", "s")
        wait_until(lambda: B.lrange("src", 0, -1) == [b"s"])
        digests = (A.execute_command("DEBUG", "DIGEST"), B.execute_command("DEBUG", "DIGEST"))
        assert digests[0] == digests[1], digests
        out += [
            B.lrange("foo", 0, -1),
            B.lrange("q", 0, -1),
            B.exists("dst"),
            B.info("clients")["blocked_clients"],
            B.info("errorstats").get("errorstat_UNBLOCKED"),
        ]
        for c in (served, waiting, waiting_move):
            c.close()
        return out
    finally:
        for x in (a, b):
            x.stop()


def test_blocked_clients_are_unblocked_when_the_primary_becomes_a_replica():
    """A primary that turns into a replica answers its blocked clients
    with -UNBLOCKED and disconnects them (disconnectAllBlockedClients), so
    the stream of its new primary serves none of them and the two keep
    the same data (same DEBUG DIGEST); a client served before the change
    propagated its pop."""
    from tests.support.servers import start_radish, start_redis

    ours = _blocked_clients_around_a_role_change(start_radish)
    theirs = _blocked_clients_around_a_role_change(start_redis)
    assert ours == theirs
    assert ours[1] == b"-UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)\r\n"
    assert ours[2] == "closed"
