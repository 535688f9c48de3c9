"""MIGRATE against a real redis-server: the same scenarios run from a radish
source and from a redis-server source, into a radish target and into a
redis-server target (radish→radish, radish→redis, redis→radish, and
redis→redis as the reference); the source's replies must be the same
bytes, and the target must end up holding the same keys (DUMP payloads,
whether a TTL was kept).

Also: a target that accepts connections and never answers (the timeout),
a refused connection and a host that does not resolve, the replication
stream of a MIGRATE (DEL of the keys the target took), and the AUTH/AUTH2
secrets as SLOWLOG and MONITOR show them.

Connections are cached per ``host:port`` as spelt, so each scenario run
names the target by an address of its own (127.0.0.x): every scenario
starts without a cached connection, as on a fresh server.
"""

from __future__ import annotations

import itertools
import random
import socket
import time

import pytest
from tests.support.resp import Raw, commands_of, decode
from tests.support.scripts import read_full_sync
from tests.support.servers import start_radish, start_redis

_host_numbers = itertools.count(2)


def _next_host() -> bytes:
    """A loopback address no earlier scenario used (see the module doc)."""
    n = next(_host_numbers)
    return b"127.0.%d.%d" % (n // 250, n % 250 + 1)


BIG = bytes(random.Random(7).getrandbits(8) for _ in range(300_000))  # > 64 KB, incompressible

SCENARIOS: dict[str, list] = {
    "move_one_key": ["SET k v", "MIGRATE H P k 0 5000", "EXISTS k", "MIGRATE H P k 0 5000", "GET k",
                     "migrate H P k 0 5000"],
    "types": ["RPUSH l a b c", "HSET h f v g w", "SADD s 3 1 2", "ZADD z 1 a 2 b", "XADD x 1-1 f v", "PFADD p a b c",
              "MIGRATE H P l 0 5000", "MIGRATE H P h 0 5000", "MIGRATE H P s 0 5000", "MIGRATE H P z 0 5000",
              "MIGRATE H P x 0 5000", "MIGRATE H P p 0 5000", "DBSIZE"],
    "large_value": [("SET", "big", BIG), "MIGRATE H P big 0 5000", "EXISTS big",
                    ("RPUSH", "biglist", *[b"%d" % i for i in range(20000)]), "MIGRATE H P biglist 0 5000"],
    "copy_and_replace": ["SET k v", "MIGRATE H P k 0 5000 COPY", "EXISTS k", "MIGRATE H P k 0 5000 COPY",
                         "SET k w", "MIGRATE H P k 0 5000 COPY REPLACE", "MIGRATE H P k 0 5000 replace copy",
                         "MIGRATE H P k 0 5000 REPLACE", "EXISTS k"],
    "target_error_passthrough": [("T", "SET k old"), "SET k v", "MIGRATE H P k 0 5000", "EXISTS k",
                                 ("T", "GET k"), "MIGRATE H P k 0 5000 REPLACE", ("T", "GET k")],
    "keys_option": ["SET a 1", "RPUSH l x y", "HSET h f v", "MIGRATE H P '' 0 5000 KEYS a l h missing",
                    "EXISTS a l h", "MIGRATE H P '' 0 5000 KEYS missing other", "MIGRATE H P '' 0 5000 KEYS",
                    "SET a 1", "MIGRATE H P a 0 5000 KEYS a", "MIGRATE H P '' 0 5000", "MIGRATE H P '' 0 5000 keys a",
                    "MIGRATE H P '' 0 5000 COPY REPLACE KEYS a"],
    "keys_partly_refused": [("T", "SET b old"), "SET a 1", "SET b 2", "SET c 3", "MIGRATE H P '' 0 5000 KEYS a b c",
                            "EXISTS a", "EXISTS b", "EXISTS c", ("T", "GET b")],
    "keys_repeated": ["SET a 1", "MIGRATE H P '' 0 5000 KEYS a a", "EXISTS a", "SET b 1",
                      "MIGRATE H P '' 0 5000 REPLACE KEYS b b", "EXISTS b"],
    "databases": ["SET k1 v", "SET k2 v", "SET k3 v", "SET k4 v", "SET k5 v", "MIGRATE H P k1 5 5000",
                  "MIGRATE H P k2 5 5000", "MIGRATE H P k3 0 5000", "MIGRATE H P k4 99 5000", "MIGRATE H P k5 5 5000",
                  "SELECT 3", "SET k6 v", "MIGRATE H P k6 3 5000", "SELECT 0"],
    "negative_db_on_a_new_connection": ["SET k v", "MIGRATE H P k -1 5000", "SET k v", "MIGRATE H P k -1 5000",
                                        "MIGRATE H P k -2 5000", "EXISTS k"],
    "ttl": ["SET k v PX 100000", "MIGRATE H P k 0 5000", "SET p v", "MIGRATE H P p 0 5000", "SET e v PX 1",
            ("SLEEP", 0.05), "MIGRATE H P e 0 5000", "SET f v PX 1", "SET g v", ("SLEEP", 0.05),
            "MIGRATE H P '' 0 5000 KEYS f g"],
    "argument_errors": ["SET k v", "MIGRATE H P k 0 5000 AUTH", "MIGRATE H P k 0 5000 AUTH2 u",
                        "MIGRATE H P k 0 5000 AUTH2", "MIGRATE H P k 0 5000 FOO", "MIGRATE H P k 0 abc",
                        "MIGRATE H P k x 5000", "MIGRATE H P k x y", "MIGRATE H P k 0 5000 COPY COPY REPLACE FOO",
                        "MIGRATE H P k 0 99999999999999999999", "MIGRATE H P k 0 5000 KEYS k",
                        "MIGRATE H P k 0 5000 AUTH pw KEYS k", "MIGRATE H P k 0", "MIGRATE H P k 0 5000 FOO KEYS k",
                        "MIGRATE H P nokey x 5000", "MIGRATE H P k 01 5000", ("MIGRATE", "H", "P", "k", " 0", "5000"),
                        "MIGRATE H P k 0 -5", "EXISTS k"],
    "nokey": ["MIGRATE H P nokey 0 5000", "MIGRATE H P '' 0 5000", "MIGRATE H P '' 0 5000 KEYS x y",
              "MIGRATE H P '' 0 5000 COPY KEYS x"],
    "retry_after_the_target_closed_the_connection": [
        "SET a 1", "MIGRATE H P a 0 5000", ("TQ", "CLIENT KILL TYPE normal SKIPME yes"), ("SLEEP", 0.1),
        "SET b 1", "MIGRATE H P b 0 5000", "EXISTS b"],
    "watch_and_multi": ["SET k v", "WATCH k", "MIGRATE H P k 0 5000", "MULTI", "PING", "EXEC", "SET j v", "MULTI",
                        "MIGRATE H P j 0 5000", "EXISTS j", "EXEC"],
    "auth": [("T", "CONFIG SET requirepass pw"), "SET k v", "MIGRATE H P k 0 5000", "MIGRATE H P k 0 5000 AUTH bad",
             "EXISTS k", "MIGRATE H P k 0 5000 AUTH pw", "EXISTS k", "SET k v", "MIGRATE H P k 0 5000 AUTH pw REPLACE",
             ("T", "ACL SETUSER mig on >secret ~* +@all"), "SET j v", "MIGRATE H P j 0 5000 AUTH2 mig nope",
             "MIGRATE H P j 0 5000 AUTH2 mig secret", "EXISTS j", "SET i v",
             ("T", "ACL SETUSER mig resetkeys ~other"), "MIGRATE H P i 0 5000 AUTH2 mig secret", "EXISTS i",
             "MIGRATE H P i 0 5000 AUTH pw", "EXISTS i"],
    "auth_to_a_target_without_password": ["SET k v", "MIGRATE H P k 0 5000 AUTH pw", "EXISTS k",
                                          "MIGRATE H P k 0 5000 AUTH2 default pw", ("T", "EXISTS k")],
    "target_refuses_the_command": [("T", "ACL SETUSER default -restore"), "SET k v", "MIGRATE H P k 0 5000",
                                   "EXISTS k", ("T", "ACL SETUSER default +restore"), "MIGRATE H P k 0 5000",
                                   "EXISTS k"],
}  # fmt: skip


def _args(step, host: bytes, port: int) -> list[bytes]:
    parts = step.split(" ") if isinstance(step, str) else list(step)
    out = []
    for i, p in enumerate(parts):
        if isinstance(p, str):
            p = b"" if p == "''" else p.encode()
        if i in (1, 2) and out and out[0].upper() == b"MIGRATE":
            p = host if p == b"H" else b"%d" % port if p == b"P" else p
        out.append(p)
    return out


def _target_state(t: Raw) -> list:
    """Every key of every database of the target: (db, key, DUMP, has a TTL).
    (DUMP of a hash-table set follows a seeded hash order: the scenarios
    keep their sets intsets.)"""
    state = []
    for db in range(16):
        t([b"SELECT", b"%d" % db])
        for key in sorted(decode(t([b"KEYS", b"*"]))):
            state.append((db, key, decode(t([b"DUMP", key])), decode(t([b"PTTL", key])) > 0))
    t([b"SELECT", b"0"])
    return state


def _reset_target(t: Raw) -> None:
    for cmd in (
        "CONFIG SET requirepass ''",
        "ACL DELUSER mig",
        "ACL SETUSER default on nopass +@all ~* &*",
        "FLUSHALL",
    ):
        t(_args(cmd, b"", 0))


def _run(source, target, steps: list) -> tuple[list, list]:
    """Run ``steps`` on ``source`` (MIGRATE to ``target`` by a new
    address); (the replies, the target's keys afterwards)."""
    host = _next_host()
    s, t = Raw(source.port), Raw(target.port)
    try:
        s([b"FLUSHALL"])
        _reset_target(t)
        replies = []
        for step in steps:
            if isinstance(step, tuple) and step[0] == "SLEEP":
                time.sleep(step[1])
            elif isinstance(step, tuple) and step[0] == "T":
                replies.append(("T", t(_args(step[1], host, target.port))))
            elif isinstance(step, tuple) and step[0] == "TQ":  # on the target, reply not compared
                t(_args(step[1], host, target.port))
            else:
                replies.append(s(_args(step, host, target.port)))
        return replies, _target_state(t)
    finally:
        _reset_target(t)
        s.close()
        t.close()


@pytest.fixture(scope="module")
def targets():
    ours, theirs = start_radish(), start_redis()
    yield {"radish": ours, "redis": theirs}
    ours.stop()
    theirs.stop()


@pytest.mark.parametrize("target_kind", ["radish", "redis"])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_matches_redis(radish_server, redis_server, targets, name, target_kind):
    target = targets[target_kind]
    ours = _run(radish_server, target, SCENARIOS[name])
    theirs = _run(redis_server, target, SCENARIOS[name])
    assert ours[0] == theirs[0]
    assert ours[1] == theirs[1]


def test_ttl_is_kept(radish_server, targets):
    """The target's TTL is what was left of the source's."""
    for target in targets.values():
        s, t = Raw(radish_server.port), Raw(target.port)
        s([b"SET", b"k", b"v", b"PX", b"100000"])
        assert s([b"MIGRATE", b"127.0.0.1", b"%d" % target.port, b"k", b"0", b"5000"]) == b"+OK\r\n"
        assert 90000 < decode(t([b"PTTL", b"k"])) <= 100000
        t([b"FLUSHALL"])
        s.close()
        t.close()


def test_a_target_that_never_answers_times_out(radish_server, redis_server):
    """A listener that accepts (in the kernel) and never replies: reading
    times out, the key stays; no retry after a timeout."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    port = b"%d" % silent.getsockname()[1]
    try:
        replies = []
        for server in (radish_server, redis_server):
            c = Raw(server.port)
            c([b"SET", b"k", b"v"])
            start = time.monotonic()
            r = [c([b"MIGRATE", b"127.0.0.1", port, b"k", b"0", b"200"]), c([b"EXISTS", b"k"]),
                 c([b"MIGRATE", b"127.0.0.1", port, b"", b"0", b"300", b"COPY", b"KEYS", b"k"])]  # fmt: skip
            assert time.monotonic() - start >= 0.4
            c([b"DEL", b"k"])
            c.close()
            replies.append(r)
        assert replies[0] == replies[1]
        assert replies[0][0] == b"-IOERR error or timeout reading to target instance\r\n"
    finally:
        silent.close()


def test_unreachable_targets(radish_server, redis_server):
    """A refused connection is found by the first write (Redis connects
    without waiting for the outcome); a name that does not resolve fails
    the connect; ports are read as atoi() reads them."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    refused_port = b"%d" % closed.getsockname()[1]
    closed.close()
    cases = [
        [b"127.0.0.1", refused_port], [b"127.0.0.1", b"0"], [b"127.0.0.1", b"abc"], [b"127.0.0.1", b"-1"],
        [b"nosuchhost.invalid", b"6379"], [b"", b"6379"],
    ]  # fmt: skip
    replies = []
    for server in (radish_server, redis_server):
        c = Raw(server.port)
        c([b"SET", b"k", b"v"])
        replies.append(
            [c([b"MIGRATE", h, p, b"k", b"0", b"1000"]) for h, p in cases] + [c([b"EXISTS", b"k"])]
        )
        c([b"DEL", b"k"])
        c.close()
    assert replies[0] == replies[1]
    assert b"-IOERR error or timeout writing to target instance\r\n" in replies[0]
    assert b"-IOERR error or timeout connecting to the client\r\n" in replies[0]


def test_port_spellings_as_atoi(radish_server, redis_server, targets):
    target = targets["redis"]
    p = b"%d" % target.port
    # Redis prints the port in 5 characters, and getaddrinfo keeps 16 bits.
    wrapped = b"%d" % (target.port + 65536)
    ports = [b" " + p, p + b"abc", b"+" + p, wrapped, wrapped + b"9", b"-" + p]
    replies = []
    for server in (radish_server, redis_server):
        c = Raw(server.port)
        out = []
        for port in ports:
            c([b"SET", b"k", b"v"])
            out.append(c([b"MIGRATE", _next_host(), port, b"k", b"0", b"1000", b"REPLACE"]))
        c.close()
        replies.append(out)
    assert replies[0] == replies[1]
    assert replies[0][:3] == [b"+OK\r\n"] * 3


def _replication_stream(port: int, target_port: int, host: bytes) -> list[list[bytes]]:
    setup = Raw(port)
    setup([b"FLUSHALL"])
    t = Raw(target_port)
    t([b"FLUSHALL"])
    t([b"SET", b"b", b"old"])
    sock = socket.create_connection(("127.0.0.1", port))
    sock.settimeout(10)
    sock.sendall(b"*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n")
    buf = read_full_sync(sock)
    tp = b"%d" % target_port
    for cmd in (
        [b"SET", b"a", b"1"], [b"SET", b"b", b"2"], [b"SET", b"c", b"3", b"EX", b"100"],
        [b"MIGRATE", host, tp, b"", b"0", b"5000", b"KEYS", b"a", b"b", b"c", b"d"],
        [b"SET", b"e", b"1"], [b"MIGRATE", host, tp, b"e", b"0", b"5000", b"COPY"],
        [b"MIGRATE", host, tp, b"e", b"0", b"5000", b"REPLACE"],
        [b"MIGRATE", host, tp, b"b", b"0", b"5000"], [b"MIGRATE", host, tp, b"nokey", b"0", b"5000"],
        [b"SELECT", b"2"], [b"SET", b"f", b"1"], [b"MIGRATE", host, tp, b"f", b"3", b"5000"],
        [b"SET", b"end-marker", b"1"],
    ):  # fmt: skip
        setup(cmd)
    sock.settimeout(0.2)
    deadline = time.time() + 10
    while b"end-marker" not in buf and time.time() < deadline:
        try:
            buf += sock.recv(65536)
        except TimeoutError:
            pass
    for c in (setup, t):
        c.close()
    sock.close()
    return [c for c in commands_of(buf) if c[0].upper() != b"PING"]


def test_replication_stream_is_redis(radish_server, redis_server, targets):
    """Replicas and the AOF get DEL of the keys the target took (in the
    source's database), nothing for COPY, for NOKEY or a refused key."""
    target = targets["redis"]
    ours = _replication_stream(radish_server.port, target.port, _next_host())
    theirs = _replication_stream(redis_server.port, target.port, _next_host())
    # SET ... EX is propagated with an absolute time: left out.
    ours = [c[: c.index(b"PXAT")] if b"PXAT" in c else c for c in ours]
    theirs = [c[: c.index(b"PXAT")] if b"PXAT" in c else c for c in theirs]
    assert ours == theirs
    assert [b"DEL", b"a", b"c"] in ours and [b"DEL", b"e"] in ours and [b"DEL", b"f"] in ours


REDACTION_CASES = [
    "MIGRATE H P k 9 5000",
    "MIGRATE H P k 9 5000 AUTH user",
    "MIGRATE H P k 9 5000 AUTH2 user password",
    "MIGRATE H P k 9 5000 COPY AUTH pw REPLACE",
    "MIGRATE H P k 9 5000 AUTH2 u p AUTH q",
    "MIGRATE H P k 9 5000 AUTH AUTH2",
    "MIGRATE H P k 9 5000 FOO AUTH pw",
    "MIGRATE H P k 9 5000 AUTH2 u",
    "MIGRATE H P k 9 5000 AUTH pw KEYS a",
    "MIGRATE H P '' 9 5000 AUTH2 u p KEYS AUTH x",
    "MIGRATE H P k x 5000 AUTH pw",
]


def test_slowlog_and_monitor_redact_the_secrets(radish_server, redis_server, targets):
    """AUTH's password and AUTH2's username and password, as far as the
    option parser got, show as (redacted)."""
    results = []
    for server in (radish_server, redis_server):
        c, mon = Raw(server.port), Raw(server.port)
        mon.send([b"MONITOR"])
        assert mon.read() == b"+OK\r\n"
        c([b"SLOWLOG", b"RESET"])
        c([b"CONFIG", b"SET", b"slowlog-log-slower-than", b"0"])
        try:
            for case in REDACTION_CASES:
                c(_args(case, b"127.0.0.1", 1))
        finally:
            c([b"CONFIG", b"SET", b"slowlog-log-slower-than", b"10000"])
        logged = [entry[3] for entry in decode(c([b"SLOWLOG", b"GET", b"-1"]))]
        lines = []
        while len(lines) < len(REDACTION_CASES):
            line = mon.read()
            if b"MIGRATE" in line:
                lines.append(line.split(b"] ", 1)[1])
        results.append((logged, lines))
        c([b"SLOWLOG", b"RESET"])
        c.close()
        mon.close()
    assert results[0] == results[1]
    logged = results[0][0]
    assert [
        b"MIGRATE",
        b"127.0.0.1",
        b"1",
        b"k",
        b"9",
        b"5000",
        b"AUTH2",
        b"(redacted)",
        b"(redacted)",
    ] in logged


def test_command_docs_are_redis(radish_server, redis_server):
    """COMMAND DOCS MIGRATE (radish keeps no history entries)."""

    def docs(server) -> list:
        c = Raw(server.port)
        (name, fields) = decode(c([b"COMMAND", b"DOCS", b"MIGRATE"]))
        c.close()
        pairs = [(fields[i], fields[i + 1]) for i in range(0, len(fields), 2)]
        return [name, [p for p in pairs if p[0] != b"history"]]

    assert docs(radish_server) == docs(redis_server)
