"""Lazy freeing against a real redis-server: the same steps on both
servers, and after each one (once the lazy freer's queue has drained)
the same INFO ``lazyfreed_objects``: which deletions go to the lazy freer
(UNLINK, FLUSHALL/FLUSHDB ASYNC, the lazyfree-lazy-* settings,
replica-lazy-flush) and which values are big enough for it (Redis's free
effort against its threshold of 64)."""

from __future__ import annotations

import pytest
from tests.support.resp import Raw
from tests.support.servers import start_pair, start_radish, start_redis, wait_until


@pytest.fixture(scope="module")
def pair():
    ours, theirs = start_pair()
    yield ours, theirs
    ours.stop()
    theirs.stop()


def _info(c: Raw) -> dict[str, str]:
    body = c([b"INFO", b"memory"]).split(b"\r\n", 1)[1].decode()
    return dict(line.split(":", 1) for line in body.split("\r\n") if ":" in line)


def _freed(c: Raw) -> int:
    wait_until(lambda: _info(c)["lazyfree_pending_objects"] == "0")
    return int(_info(c)["lazyfreed_objects"])


def _expired(c: Raw) -> int:
    body = c([b"INFO", b"stats"]).decode()
    return int(body.split("expired_keys:", 1)[1].split("\r\n", 1)[0])


def _members(prefix: bytes, n: int) -> list[bytes]:
    return [prefix + b"%d" % i for i in range(n)]


def _pipe(c: Raw, cmds: list[list[bytes]]) -> None:
    for cmd in cmds:
        c(cmd)


def _sadd(key: bytes, members: list[bytes]) -> list[list[bytes]]:
    return [[b"SADD", key, *members[i : i + 5000]] for i in range(0, len(members), 5000)]


def _rpush(key: bytes, items: list[bytes]) -> list[list[bytes]]:
    return [[b"RPUSH", key, *items[i : i + 5000]] for i in range(0, len(items), 5000)]


def _xadd(key: bytes, n: int) -> list[list[bytes]]:
    return [[b"XADD", key, b"%d-1" % (i + 1), b"f", b"v"] for i in range(n)]


# (name, setup commands, the deletion)
STEPS: list[tuple[str, list[list[bytes]], list[bytes]]] = [
    ("unlink big set", _sadd(b"s", _members(b"m", 1000)), [b"UNLINK", b"s"]),
    ("del big set", _sadd(b"s", _members(b"m", 1000)), [b"DEL", b"s"]),
    ("unlink 64-member set", _sadd(b"s", _members(b"m", 64)), [b"UNLINK", b"s"]),
    ("unlink 65-member set", _sadd(b"s", _members(b"m", 65)), [b"UNLINK", b"s"]),
    ("unlink intset", _sadd(b"s", _members(b"", 500)), [b"UNLINK", b"s"]),
    ("unlink 600-int set", _sadd(b"s", _members(b"", 600)), [b"UNLINK", b"s"]),
    ("unlink string", [[b"SET", b"k", b"x" * 100000]], [b"UNLINK", b"k"]),
    ("unlink list of 64 nodes", _rpush(b"l", [b"x" * 10] * 43584), [b"UNLINK", b"l"]),
    ("unlink list of 65 nodes", _rpush(b"l", [b"x" * 10] * 43585), [b"UNLINK", b"l"]),
    ("unlink list of counters", _rpush(b"l", _members(b"", 200000)), [b"UNLINK", b"l"]),
    ("unlink listpack hash", [[b"HSET", b"h", *[x for m in _members(b"f", 100) for x in (m, b"v")]]], [b"UNLINK", b"h"]),
    ("unlink hashtable hash", [[b"HSET", b"h", *[x for m in _members(b"f", 600) for x in (m, b"v")]]], [b"UNLINK", b"h"]),
    ("unlink listpack zset", [[b"ZADD", b"z", *[x for i, m in enumerate(_members(b"m", 128)) for x in (b"%d" % i, m)]]], [b"UNLINK", b"z"]),
    ("unlink skiplist zset", [[b"ZADD", b"z", *[x for i, m in enumerate(_members(b"m", 129)) for x in (b"%d" % i, m)]]], [b"UNLINK", b"z"]),
    ("unlink small stream", _xadd(b"x", 300), [b"UNLINK", b"x"]),
    ("unlink long stream", _xadd(b"x", 10000), [b"UNLINK", b"x"]),
    ("unlink stream with a PEL", [*_xadd(b"x", 100), [b"XGROUP", b"CREATE", b"x", b"g", b"0"],
                                  [b"XREADGROUP", b"GROUP", b"g", b"c", b"COUNT", b"100", b"STREAMS", b"x", b">"]], [b"UNLINK", b"x"]),
    ("flushall async", [[b"SET", b"a", b"1"], [b"SET", b"b", b"2"], [b"SELECT", b"3"], *_sadd(b"s", _members(b"m", 1000)),
                        [b"SELECT", b"0"]], [b"FLUSHALL", b"ASYNC"]),
    ("flushdb async", [[b"SET", b"a", b"1"], [b"SET", b"b", b"2"], [b"SELECT", b"3"], [b"SET", b"c", b"3"], [b"SELECT", b"0"]],
     [b"FLUSHDB", b"ASYNC"]),
    ("flushall sync", [[b"SET", b"a", b"1"]], [b"FLUSHALL", b"SYNC"]),
    ("flushall", [[b"SET", b"a", b"1"]], [b"FLUSHALL"]),
    ("lazy user del", [[b"CONFIG", b"SET", b"lazyfree-lazy-user-del", b"yes"], *_sadd(b"s", _members(b"m", 1000))], [b"DEL", b"s"]),
    ("lazy user flush", [[b"CONFIG", b"SET", b"lazyfree-lazy-user-flush", b"yes"], [b"SET", b"a", b"1"], [b"SET", b"b", b"1"]],
     [b"FLUSHALL"]),
    ("set overwrite, server del off", _sadd(b"s", _members(b"m", 1000)), [b"SET", b"s", b"x"]),
    ("set overwrite", [[b"DEL", b"s"], [b"CONFIG", b"SET", b"lazyfree-lazy-server-del", b"yes"], *_sadd(b"s", _members(b"m", 1000))],
     [b"SET", b"s", b"x"]),
    ("rename", [*_sadd(b"a", _members(b"m", 1000)), *_sadd(b"b", _members(b"m", 1000))], [b"RENAME", b"a", b"b"]),
    ("sunionstore", [*_sadd(b"a", _members(b"n", 300)), *_sadd(b"c", _members(b"m", 100))], [b"SUNIONSTORE", b"b", b"a", b"c"]),
    ("sunion", [], [b"SUNION", b"a", b"c"]),
    ("sdiff", [], [b"SDIFF", b"a", b"c"]),
    ("sinter", [], [b"SINTER", b"a", b"b"]),
    ("spop everything", _sadd(b"p", _members(b"m", 1000)), [b"SPOP", b"p", b"5000"]),
    ("sort store", [*_rpush(b"l", _members(b"", 100)), *_sadd(b"dst", _members(b"m", 1000))],
     [b"SORT", b"l", b"STORE", b"dst"]),
    ("expire, lazy expire off", _sadd(b"e", _members(b"m", 1000)), [b"EXPIRE", b"e", b"0"]),
    ("expire", [[b"CONFIG", b"SET", b"lazyfree-lazy-expire", b"yes"], *_sadd(b"e", _members(b"m", 1000))], [b"EXPIRE", b"e", b"0"]),
    ("active expiry", [*_sadd(b"e", _members(b"m", 1000)), [b"PEXPIRE", b"e", b"1"]], [b"PING"]),
    ("script flush async", [[b"SCRIPT", b"LOAD", b"return %d" % i] for i in range(65)], [b"SCRIPT", b"FLUSH", b"ASYNC"]),
    ("script flush of 64", [[b"SCRIPT", b"LOAD", b"return %d" % i] for i in range(64)], [b"SCRIPT", b"FLUSH", b"ASYNC"]),
    ("function flush async", [[b"FUNCTION", b"LOAD", b"#!lua name=lib\n"
                               + b"".join(b"redis.register_function('f%d', function() return 1 end)\n" % i for i in range(65))]],
     [b"FUNCTION", b"FLUSH", b"ASYNC"]),
    ("resetstat", [], [b"CONFIG", b"RESETSTAT"]),
]  # fmt: skip


def test_lazyfreed_objects_follow_redis(pair):
    conns = [Raw(s.port) for s in pair]
    for c in conns:
        c([b"FLUSHALL"])
        c([b"CONFIG", b"RESETSTAT"])
        c([b"CONFIG", b"SET", b"hz", b"100"])  # the active expiry step comes soon
    seen = []
    for name, setup, deletion in STEPS:
        row = []
        for c in conns:
            expired = _expired(c)
            _pipe(c, setup)
            reply = c(deletion)
            if name == "active expiry":  # the cron's cycle deletes it (nothing looks it up)
                wait_until(lambda c=c, n=expired: _expired(c) > n)
            row.append((reply if deletion[0] not in (b"SUNION", b"SDIFF", b"SINTER", b"SPOP") else b"", _freed(c)))
        seen.append((name, row[0], row[1]))
    mismatched = [s for s in seen if s[1] != s[2]]
    assert not mismatched, mismatched
    assert seen[0][1][1] == 1
    for c in conns:
        c.close()


@pytest.mark.parametrize("lazy", [True, False], ids=["lazy", "sync"])
@pytest.mark.parametrize("start", [start_radish, start_redis], ids=["radish", "redis"])
def test_replica_lazy_flush(start, lazy):
    """A replica empties its dataset before loading its primary's RDB;
    with replica-lazy-flush the old keys go to the lazy freer and count."""
    primary = start()
    replica = start("--replica-lazy-flush", "yes" if lazy else "no")
    try:
        p, r = Raw(primary.port), Raw(replica.port)
        p([b"SET", b"from-primary", b"1"])
        for i in range(10):
            r([b"SET", b"k%d" % i, b"v"])
        r([b"SELECT", b"2"])
        r([b"SET", b"other", b"v"])
        r([b"REPLICAOF", b"127.0.0.1", b"%d" % primary.port])
        wait_until(lambda: b"master_link_status:up" in r([b"INFO", b"replication"]))
        wait_until(lambda: r([b"DBSIZE"]) == b":0\r\n")
        assert _freed(r) == (11 if lazy else 0)
        r([b"SELECT", b"0"])
        assert r([b"GET", b"from-primary"]) == b"$1\r\n1\r\n"
        p.close()
        r.close()
    finally:
        replica.stop()
        primary.stop()
