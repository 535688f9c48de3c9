"""min-replicas-to-write / min-replicas-max-lag against a real redis-server:
without enough good replicas, writes (also inside MULTI and scripts) are
refused with NOREPLICAS and reads still run; INFO replication counts the
good replicas; once a replica is attached and acknowledging, writes run."""

from __future__ import annotations

import pytest
from tests.support.resp import Raw, parse
from tests.support.servers import start_pair, start_radish, start_redis, wait_until

CASES = [
    [b"SET", b"k", b"v"], [b"GET", b"k"], [b"INCR", b"n"], [b"PING"],
    [b"MULTI"], [b"SET", b"k", b"v"], [b"GET", b"k"], [b"EXEC"],
    [b"EVAL", b"return redis.call('set', KEYS[1], 'x')", b"1", b"k"],
    [b"EVAL", b"return redis.pcall('get', KEYS[1])", b"1", b"k"],
    [b"CONFIG", b"GET", b"min-replicas-to-write"], [b"CONFIG", b"SET", b"min-slaves-max-lag", b"0"], [b"SET", b"k", b"v2"],
    [b"CONFIG", b"SET", b"min-replicas-max-lag", b"10"], [b"SET", b"k", b"v3"],
    [b"CONFIG", b"SET", b"min-replicas-to-write", b"0"], [b"SET", b"k", b"v4"],
]  # fmt: skip


def _info_line(port: int) -> bytes:
    info = Raw(port)([b"INFO", b"replication"])
    return [line for line in info.split(b"\r\n") if line.startswith(b"min_slaves_good_slaves")][0]


@pytest.mark.parametrize("resp3", [False, True], ids=["resp2", "resp3"])
def test_writes_are_refused_without_enough_replicas(resp3):
    ours, theirs = start_pair("--min-replicas-to-write", "1")
    try:
        replies = []
        for s in (ours, theirs):
            r = [_info_line(s.port)]
            c = Raw(s.port, resp3=resp3)
            r += [c(cmd) for cmd in CASES]
            replies.append(r)
        assert replies[0] == replies[1]
        assert replies[0][1].startswith(b"-NOREPLICAS")
    finally:
        ours.stop()
        theirs.stop()


@pytest.mark.parametrize("start", [start_radish, start_redis], ids=["radish", "redis"])
def test_an_acknowledging_replica_lets_writes_through(start):
    primary = start("--min-replicas-to-write", "1", "--min-replicas-max-lag", "5")
    try:
        c = Raw(primary.port)
        assert c([b"SET", b"k", b"v"]).startswith(b"-NOREPLICAS")
        replica = start("--replicaof", "127.0.0.1", str(primary.port))
        try:
            wait_until(lambda: _info_line(primary.port) == b"min_slaves_good_slaves:1")
            assert c([b"SET", b"k", b"v"]) == b"+OK\r\n"
        finally:
            replica.stop()
        wait_until(lambda: _info_line(primary.port) == b"min_slaves_good_slaves:0")
        assert c([b"SET", b"k", b"v"]).startswith(b"-NOREPLICAS")
    finally:
        primary.stop()


STATE_CHANGE_CASES = [
    # (command from another client between MULTI and EXEC, what it undoes)
    ([b"CONFIG", b"SET", b"min-replicas-to-write", b"2"], [b"CONFIG", b"SET", b"min-replicas-to-write", b"0"]),
    ([b"CONFIG", b"SET", b"maxmemory", b"1"], [b"CONFIG", b"SET", b"maxmemory", b"0"]),
]


@pytest.mark.parametrize("resp3", [False, True], ids=["resp2", "resp3"])
def test_exec_refused_whole_when_the_state_changed_since_queueing(resp3):
    """A transaction holding a write, queued while writes were fine, is
    refused whole at EXEC (EXECABORT) once they are not; one holding only
    reads runs; REPLICAOF inside the transaction does not stop the writes
    queued after it."""
    ours, theirs = start_pair()
    try:
        replies = []
        for s in (ours, theirs):
            c = Raw(s.port, resp3=resp3)
            other = Raw(s.port)
            r = [c([b"SET", b"xx", b"1"])]
            for change, undo in STATE_CHANGE_CASES:
                for queued in ([b"INCR", b"xx"], [b"GET", b"xx"]):
                    r += [c([b"MULTI"]), c(queued)]
                    other(change)
                    r += [c([b"EXEC"]), c([b"GET", b"xx"])]
                    other(undo)
            r += [c([b"MULTI"]), c([b"SET", b"a", b"1"]), c([b"REPLICAOF", b"127.0.0.1", b"1"]), c([b"SET", b"b", b"2"]),
                  c([b"EXEC"]), c([b"MGET", b"a", b"b"]), c([b"REPLICAOF", b"NO", b"ONE"])]
            replies.append(r)
        assert replies[0] == replies[1]
        assert replies[0][3].startswith(b"-EXECABORT Transaction discarded because of: NOREPLICAS")
    finally:
        ours.stop()
        theirs.stop()


STALE_CASES = [
    [b"GET", b"k"], [b"SET", b"k", b"v"], [b"PING"], [b"ECHO", b"x"], [b"DBSIZE"], [b"EXISTS", b"k"],
    [b"CONFIG", b"GET", b"replica-serve-stale-data"], [b"ROLE"],
    [b"MULTI"], [b"PING"], [b"EXEC"],
    [b"MULTI"], [b"GET", b"k"], [b"EXEC"],
    [b"MULTI"], [b"INFO", b"keyspace"], [b"EXEC"],
    [b"EVAL", b"return 1", b"0"], [b"EVAL", b"#!lua flags=no-writes\nreturn 1", b"0"],
    [b"EVAL", b"#!lua flags=no-writes,allow-stale\nreturn 1", b"0"],
    [b"FUNCTION", b"LOAD", b"#!lua name=lib\nredis.register_function{function_name='f', callback=function() return 1 end, "
                           b"flags={'no-writes'}}\nredis.register_function{function_name='g', callback=function() "
                           b"return 2 end, flags={'no-writes', 'allow-stale'}}\nredis.register_function{function_name='h', "
                           b"callback=function() return redis.pcall('get', 'k') end, flags={'no-writes', 'allow-stale'}}"],
    [b"FCALL", b"f", b"0"], [b"FCALL", b"g", b"0"], [b"FCALL_RO", b"g", b"0"], [b"FCALL", b"h", b"0"],
    [b"EVAL", b"#!lua flags=no-writes,allow-stale\nreturn redis.call('ping')", b"0"],
    [b"CLIENT", b"GETNAME"], [b"CONFIG", b"GET", b"maxmemory"],
    [b"CONFIG", b"SET", b"replica-serve-stale-data", b"yes"], [b"GET", b"k"], [b"DBSIZE"],
    [b"CONFIG", b"SET", b"replica-serve-stale-data", b"no"], [b"GET", b"k"],
    [b"REPLICAOF", b"NO", b"ONE"], [b"GET", b"k"], [b"SET", b"k", b"v"],
]  # fmt: skip


@pytest.mark.parametrize("resp3", [False, True], ids=["resp2", "resp3"])
def test_a_stale_replica_refuses_commands_without_the_stale_flag(resp3):
    """replica-serve-stale-data no on a replica whose primary cannot be
    reached: MASTERDOWN for everything but the ``stale`` commands (EXEC
    only when all it queued is), until the setting or the role changes."""
    ours, theirs = start_pair("--replica-serve-stale-data", "no", "--replicaof", "127.0.0.1", "1")
    try:
        replies = []
        for s in (ours, theirs):
            c = Raw(s.port, resp3=resp3)
            hello = [v for _t, v in parse(c([b"HELLO", b"3" if resp3 else b"2"]))[1]]  # stale; client ids differ
            r = [hello[hello.index(b"role") + 1]]
            r += [c(cmd) for cmd in STALE_CASES if cmd[0] != b"ROLE"]
            replies.append(r)
        assert replies[0][0] == b"replica"
        assert replies[0] == replies[1]
        assert replies[0][1].startswith(b"-MASTERDOWN")
    finally:
        ours.stop()
        theirs.stop()
