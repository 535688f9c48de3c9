"""radish against a real redis-server: COMMAND INFO of every command and
subcommand radish has (key specs included) byte for byte in RESP2 and
RESP3, and COMMAND GETKEYS / GETKEYSANDFLAGS for invocations whose keys
Redis finds through key specs, getkeys procs or both."""

from __future__ import annotations

import pytest
from tests.support.resp import Raw, cmd, parse

# CLIENT SETINFO arrived in Redis 7.2; redis-py sends it on connect.
NEWER_THAN_70 = {b"client|setinfo"}


def _names(server) -> list[bytes]:
    c = server.client()
    try:
        return sorted(n for n in cmd(c, "COMMAND", "LIST") if n not in NEWER_THAN_70)
    finally:
        c.close()


def _info_tree(conn: Raw, name: bytes, names: set[bytes]):
    """COMMAND INFO ``name`` parsed, its subcommands in a fixed order (Redis
    lists them in its dict's order) and only those in ``names`` (the ones
    radish has)."""
    tree = parse(conn([b"COMMAND", b"INFO", name]))
    _, (entry,) = tree
    t, fields = entry
    if fields and len(fields) == 10:
        st, subs = fields[9]
        subs = [s for s in subs if s[1][0][1] in names]
        fields = fields[:9] + [(st, sorted(subs, key=repr))]
    return t, fields


def _first_difference(a, b, path=()):
    """Where two parse trees first differ, for a readable failure."""
    if type(a) is not type(b) or not isinstance(a, (list, tuple)) or len(a) != len(b):
        return path, a, b
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if x != y:
            return _first_difference(x, y, path + (i,))
    return path, a, b


@pytest.mark.parametrize("resp3", [False, True], ids=["resp2", "resp3"])
def test_command_info_of_every_command_is_redis(radish_server, redis_server, resp3):
    names = _names(radish_server)
    ref_names = set(_names(redis_server))
    assert set(names) <= ref_names, sorted(set(names) - ref_names)
    ours, theirs = Raw(radish_server.port, resp3=resp3), Raw(redis_server.port, resp3=resp3)
    try:
        diffs = []
        known = set(names)
        for name in names:
            a, b = _info_tree(ours, name, known), _info_tree(theirs, name, known)
            if a != b:
                diffs.append((name, _first_difference(a, b)))
        assert not diffs, "\n".join(repr(d) for d in diffs)
        assert len(names) > 200
    finally:
        ours.close()
        theirs.close()


GETKEYS_CASES = [
    # SET: variable flags from its getkeys proc.
    "SET k v",
    "SET k v GET",
    "SET k v get EX 10",
    "SET k v EX 10 NX",
    "SET k v XX GETX",
    "GET k",
    "GETDEL k",
    "GETEX k PERSIST",
    "MGET a b c",
    "MSET a 1 b 2",
    "MSETNX a 1 b 2",
    "DEL a b c",
    "EXISTS a b",
    "TOUCH a",
    "RENAME a b",
    "RENAMENX a b",
    "COPY a b DB 1",
    "LCS a b",
    "APPEND k v",
    "STRLEN k",
    # Lists: two specs, keynum specs.
    "LMOVE a b LEFT RIGHT",
    "BLMOVE a b LEFT RIGHT 0",
    "RPOPLPUSH a b",
    "BRPOPLPUSH a b 0",
    "BLPOP a b 0",
    "BRPOP a 0",
    "LMPOP 2 a b LEFT",
    "LMPOP 2 a b LEFT COUNT 2",
    "LMPOP 1 a b LEFT",
    "LMPOP 3 a b LEFT",
    "LMPOP 0 a LEFT",
    "LMPOP -1 a LEFT",
    "LMPOP x a LEFT",
    "LMPOP 2abc a b LEFT",
    "BLMPOP 0 2 a b LEFT",
    "LPUSH k a",
    "LINSERT k BEFORE a b",
    "LREM k 0 a",
    # Sorted sets.
    "ZUNIONSTORE d 2 a b",
    "ZUNIONSTORE d 2 a b WEIGHTS 1 2",
    "ZINTERSTORE d 1 a",
    "ZDIFFSTORE d 2 a b",
    "ZUNIONSTORE d 0 a",
    "ZUNIONSTORE d 5 a b",
    "ZUNIONSTORE d 2x a b",
    "ZUNIONSTORE d -1 a",
    "ZUNION 2 a b",
    "ZINTER 1 a WITHSCORES",
    "ZDIFF 2 a b",
    "ZINTERCARD 2 a b LIMIT 1",
    "ZINTERCARD 3 a b",
    "ZMPOP 2 a b MIN",
    "BZMPOP 0 1 a MAX",
    "BZPOPMIN a b 0",
    "ZRANGESTORE d s 0 -1",
    "ZADD k 1 a",
    "ZREM k a",
    # Sets.
    "SINTERSTORE d a b",
    "SUNIONSTORE d a",
    "SDIFFSTORE d a b c",
    "SINTERCARD 2 a b",
    "SINTERCARD 2 a",
    "SINTERCARD 0 a",
    "SMOVE a b m",
    "SINTER a b",
    # Scripting: keynum specs, then evalGetKeys.
    "EVAL s 0",
    "EVAL s 1 k",
    "EVAL s 2 k1 k2 a1",
    "EVAL s 3 k1",
    "EVAL s -1",
    "EVAL s 1x k",
    "EVAL s abc k",
    "EVALSHA sha 1 k",
    "EVAL_RO s 2 a b",
    "EVALSHA_RO sha 1 k a",
    # SORT: unknown specs, then sortGetKeys.
    "SORT k",
    "SORT k STORE d",
    "SORT k BY w* GET o* STORE d",
    "SORT k STORE d1 STORE d2",
    "SORT k LIMIT 0 1 STORE d",
    "SORT k GET STORE",
    "SORT_RO k BY w*",
    # Geo: keyword specs.
    "GEORADIUS k 1 2 3 km STORE d",
    "GEORADIUS k 1 2 3 km STOREDIST d",
    "GEORADIUS k 1 2 3 km STORE d STOREDIST e",
    "GEORADIUS k 1 2 3 km WITHDIST",
    "GEORADIUS k 1 2 3 km STORE",
    "GEORADIUSBYMEMBER k m 3 km STORE d",
    "GEORADIUSBYMEMBER k m 3 km store d",
    "GEORADIUS_RO k 1 2 3 km",
    "GEOSEARCHSTORE d s FROMMEMBER m BYRADIUS 1 km",
    "GEOADD k 1 2 m",
    # BITFIELD: variable flags.
    "BITFIELD k GET u8 0",
    "BITFIELD k GET u8 0 OVERFLOW SAT GET i4 2",
    "BITFIELD k SET u8 0 1",
    "BITFIELD k INCRBY u8 0 1",
    "BITFIELD k OVERFLOW WRAP",
    "BITFIELD k",
    "BITFIELD k GET u8",
    "BITFIELD k NOSUCH",
    "BITFIELD_RO k GET u8 0",
    "BITOP AND d a b",
    "SETBIT k 1 1",
    # Keys and the rest.
    "OBJECT ENCODING k",
    "OBJECT FREQ k",
    "OBJECT IDLETIME k",
    "OBJECT REFCOUNT k",
    "EXPIRE k 10",
    "PERSIST k",
    "TTL k",
    "TYPE k",
    "MOVE k 1",
    "DUMP k",
    "RESTORE k 0 v",
    "HSET k f v",
    "HGET k f",
    "HDEL k f",
    "HSETNX k f v",
    "HINCRBY k f 1",
    "WATCH a b",
    # MIGRATE: argv[3], or (INCOMPLETE key spec) migrateGetKeys after KEYS;
    # '' is an empty argument.
    "MIGRATE h 1 k 0 5",
    "MIGRATE h 1 '' 0 5",
    "MIGRATE h 1 '' 0 5 KEYS a b",
    "MIGRATE h 1 k 0 5 KEYS a b",
    "MIGRATE h 1 '' 0 5 COPY REPLACE AUTH pw AUTH2 u p KEYS a",
    "MIGRATE h 1 '' 0 5 AUTH KEYS KEYS a",
    "MIGRATE h 1 '' 0 5 KEYS",
    "MIGRATE h 1 k 0",
    # No keys, arity and unknown commands: the errors.
    "SPUBLISH ch m",
    "SSUBSCRIBE a b",
    "PING",
    "OBJECT HELP",
    "OBJECT",
    "CONFIG GET x",
    "GET",
    "GET a b",
    "NOSUCH a",
    "OBJECT NOSUCH k",
    "SET k",
]


# COMMAND GETKEYS answers from CommandSpec.key_positions, which is left as
# it was; Redis answers these from its getkeys procs (a numkeys read with
# atoi) or not at all (shard channels are NOT_KEY key specs).
GETKEYS_DIFFERENCES = {
    "LMPOP 2abc a b LEFT",
    "ZUNIONSTORE d 2x a b",
    "EVAL s 1x k",
    "SPUBLISH ch m",
    "SSUBSCRIBE a b",
}


@pytest.mark.parametrize("resp3", [False, True], ids=["resp2", "resp3"])
def test_getkeysandflags_is_redis(radish_server, redis_server, resp3):
    ours, theirs = Raw(radish_server.port, resp3=resp3), Raw(redis_server.port, resp3=resp3)
    try:
        diffs = []
        for line in GETKEYS_CASES:
            args = [b"" if a == "''" else a.encode() for a in line.split()]
            for sub in (b"GETKEYSANDFLAGS", b"GETKEYS"):
                if sub == b"GETKEYS" and line in GETKEYS_DIFFERENCES:
                    continue
                q = [b"COMMAND", sub, *args]
                a, b = ours(q), theirs(q)
                if a != b:
                    diffs.append((sub, line, a, b))
        assert not diffs, "\n".join(repr(d) for d in diffs)
    finally:
        ours.close()
        theirs.close()
