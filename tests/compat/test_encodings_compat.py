"""Small hashes, sorted sets and sets against a real redis-server: generated
command sequences (writes that grow, shrink and convert them, with small
listpack limits so conversions happen often) go to both servers, and
after every command the replies, OBJECT ENCODING and, while the value is
a listpack or an intset, its DUMP payload must be byte-for-byte equal: radish keeps
Redis's own listpack bytes (insertion order for hashes, score then member
order and integer scores as integers for sorted sets), so DUMP, RDB files
and RESTORE carry the same bytes both ways."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support.resp import Raw, parse
from tests.support.servers import start_pair

LIMITS = (
    "--hash-max-listpack-entries", "6", "--hash-max-listpack-value", "12",
    "--zset-max-listpack-entries", "6", "--zset-max-listpack-value", "12",
    "--set-max-intset-entries", "6",
)  # fmt: skip


@pytest.fixture(scope="module")
def clients():
    ours, theirs = start_pair(*LIMITS)
    cs = (Raw(ours.port), Raw(theirs.port))
    yield cs
    for c in cs:
        c.close()
    ours.stop()
    theirs.stop()


_fields = st.one_of(st.sampled_from([b"a", b"b", b"c", b"d", b"12", b"-7", b"007", b"x" * 13]), st.binary(min_size=1, max_size=3))
_values = st.one_of(
    st.sampled_from([b"v", b"", b"0", b"127", b"-4096", b"65536", b"9223372036854775807", b"1.5", b"y" * 13, b"y" * 12]),
    st.integers(-(1 << 40), 1 << 40).map(lambda i: b"%d" % i),
)
_scores = st.one_of(
    st.sampled_from([b"0", b"-0", b"1", b"-1", b"1.5", b"0.1", b"1e20", b"inf", b"-inf", b"4611686018427387904", b"3e-5"]),
    st.integers(-100000, 100000).map(lambda i: b"%d" % i),
)

_hash_cmds = st.one_of(
    st.lists(st.tuples(_fields, _values), min_size=1, max_size=4).map(lambda kv: [b"HSET", b"h"] + [x for p in kv for x in p]),
    st.tuples(_fields, _values).map(lambda p: [b"HSETNX", b"h", *p]),
    st.lists(_fields, min_size=1, max_size=3).map(lambda fs: [b"HDEL", b"h", *fs]),
    st.tuples(_fields, st.integers(-1000, 1000)).map(lambda p: [b"HINCRBY", b"h", p[0], b"%d" % p[1]]),
    st.tuples(_fields, st.sampled_from([b"0.5", b"-1.25", b"100"])).map(lambda p: [b"HINCRBYFLOAT", b"h", *p]),
    _fields.map(lambda f: [b"HGET", b"h", f]),
    st.just([b"HGETALL", b"h"]),
    st.just([b"HLEN", b"h"]),
)
_zset_cmds = st.one_of(
    st.lists(st.tuples(_scores, _fields), min_size=1, max_size=4).map(lambda sm: [b"ZADD", b"z"] + [x for p in sm for x in p]),
    st.tuples(st.sampled_from([b"NX", b"XX", b"GT", b"LT", b"CH"]), _scores, _fields).map(lambda p: [b"ZADD", b"z", *p]),
    st.tuples(_scores, _fields).map(lambda p: [b"ZINCRBY", b"z", *p]),
    st.lists(_fields, min_size=1, max_size=3).map(lambda fs: [b"ZREM", b"z", *fs]),
    st.tuples(st.integers(-3, 3), st.integers(-3, 3)).map(lambda r: [b"ZREMRANGEBYRANK", b"z", b"%d" % r[0], b"%d" % r[1]]),
    st.sampled_from([[b"ZREMRANGEBYSCORE", b"z", b"(0", b"10"], [b"ZREMRANGEBYLEX", b"z", b"[a", b"(c"], [b"ZPOPMIN", b"z"],
                     [b"ZPOPMAX", b"z", b"2"], [b"ZRANGE", b"z", b"0", b"-1", b"WITHSCORES"],
                     [b"ZRANGE", b"z", b"-inf", b"+inf", b"BYSCORE", b"LIMIT", b"1", b"2"], [b"ZRANGE", b"z", b"-", b"+", b"BYLEX"],
                     [b"ZRANGESTORE", b"z2", b"z", b"0", b"2"], [b"ZUNIONSTORE", b"z3", b"2", b"z", b"z2"]]),
    _fields.map(lambda m: [b"ZRANK", b"z", m]),
    _fields.map(lambda m: [b"ZSCORE", b"z", m]),
)


# Members of every intset width: an intset keeps the widest encoding it
# ever needed after its wide members are removed (DUMP shows it).
_members = st.one_of(st.sampled_from([b"1", b"2", b"-3", b"30000", b"70000", b"-2147483649",
                                      b"9223372036854775807", b"01", b"a", b"m" * 70]),
                     st.integers(-50, 50).map(lambda i: b"%d" % i))
_set_cmds = st.one_of(
    st.lists(_members, min_size=1, max_size=4).map(lambda ms: [b"SADD", b"s", *ms]),
    st.lists(_members, min_size=1, max_size=3).map(lambda ms: [b"SREM", b"s", *ms]),
    _members.map(lambda m: [b"SMOVE", b"s", b"s2", m]),
    _members.map(lambda m: [b"SISMEMBER", b"s", m]),
    st.sampled_from([[b"SCARD", b"s"], [b"SMEMBERS", b"s"], [b"SINTERSTORE", b"s3", b"s", b"s2"],
                     [b"SUNIONSTORE", b"s3", b"s", b"s2"], [b"SDIFFSTORE", b"s3", b"s", b"s2"], [b"SPOP", b"s", b"100"]]),
)
# Replies whose order is each server's own while the set is a hashtable.
_SET_READS = {b"SMEMBERS", b"SPOP"}


def _pairs(flat: list) -> set:
    return set(zip(flat[0::2], flat[1::2], strict=True))


def _same_state(clients, keys) -> None:
    ours, theirs = clients
    for key in keys:
        enc = [c([b"OBJECT", b"ENCODING", key]) for c in clients]
        assert enc[0] == enc[1], key
        if enc[0] in (b"$8\r\nlistpack\r\n", b"$6\r\nintset\r\n"):
            dump = [c([b"DUMP", key]) for c in clients]
            assert dump[0] == dump[1], key


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(_hash_cmds, _zset_cmds, _set_cmds), min_size=1, max_size=25))
def test_small_aggregates_match_redis_bytes(clients, cmds):
    for c in clients:
        c([b"FLUSHALL"])
    for cmd in cmds:
        replies = [c(cmd) for c in clients]
        if cmd[0] in _SET_READS and clients[1]([b"OBJECT", b"ENCODING", b"s"]) != b"$6\r\nintset\r\n":
            assert sorted(parse(replies[0])[1]) == sorted(parse(replies[1])[1])
            continue
        if cmd[0] == b"HGETALL" and clients[1]([b"OBJECT", b"ENCODING", b"h"]) == b"$9\r\nhashtable\r\n":
            # A hashtable's order is each server's own (a listpack's is insertion order: compared exactly).
            assert _pairs(parse(replies[0])[1]) == _pairs(parse(replies[1])[1])
            continue
        assert replies[0] == replies[1], cmd
        _same_state(clients, [b"h", b"z", b"z2", b"z3", b"s", b"s2", b"s3"])


def test_redis_listpacks_restore_into_radish_and_back(clients):
    """DUMP payloads made by redis-server RESTORE into radish (and radish's
    into redis-server) as the same value in the same encoding."""
    ours, theirs = clients
    for c in clients:
        c([b"FLUSHALL"])
    theirs([b"HSET", b"h", b"f1", b"v", b"f2", b"123", b"f3", b"-5"])
    theirs([b"ZADD", b"z", b"1.5", b"a", b"-2", b"b", b"1e20", b"c", b"0", b"d"])
    for key in (b"h", b"z"):
        payload = theirs([b"DUMP", key])
        body = payload[payload.index(b"\r\n") + 2 : -2]
        assert ours([b"RESTORE", key, b"0", body]) == b"+OK\r\n"
        assert ours([b"OBJECT", b"ENCODING", key]) == b"$8\r\nlistpack\r\n"
        assert ours([b"DUMP", key]) == payload
        assert theirs([b"RESTORE", key + b"2", b"0", body]) == b"+OK\r\n"
    assert ours([b"HGETALL", b"h"]) == theirs([b"HGETALL", b"h"])
    assert ours([b"ZRANGE", b"z", b"0", b"-1", b"WITHSCORES"]) == theirs([b"ZRANGE", b"z", b"0", b"-1", b"WITHSCORES"])


def test_intset_keeps_its_widest_encoding(clients):
    """Removing the wide members leaves the intset at its width, through
    SREM, SMOVE, COPY and a DUMP/RESTORE round trip."""
    for c in clients:
        c([b"FLUSHALL"])
    script = [
        [b"SADD", b"a", b"1", b"70000"], [b"SREM", b"a", b"70000"],
        [b"SADD", b"b", b"1", b"2", b"9223372036854775807"], [b"SMOVE", b"b", b"a", b"9223372036854775807"],
        [b"SREM", b"a", b"9223372036854775807"], [b"COPY", b"a", b"c"],
    ]
    for cmd in script:
        assert clients[0](cmd) == clients[1](cmd), cmd
    dumps = [c([b"DUMP", b"a"]) for c in clients]
    assert dumps[0] == dumps[1]
    body = dumps[1][dumps[1].index(b"\r\n") + 2 : -2]
    assert clients[0]([b"RESTORE", b"r", b"0", body]) == b"+OK\r\n"
    _same_state(clients, [b"a", b"b", b"c"])
    assert clients[0]([b"DUMP", b"r"]) == dumps[1]


def test_spop_of_most_members_makes_a_new_set(clients):
    """SPOP with a count that leaves at most a fifth of the set: Redis
    builds a new set of the members that stay, which is an intset again
    when they are all integers, even after the old one became a hashtable."""
    for c in clients:
        c([b"FLUSHALL"])
    for c in clients:
        c([b"SADD", b"s", *[b"%d" % i for i in range(1, 9)]])  # past set-max-intset-entries 6
        assert c([b"OBJECT", b"ENCODING", b"s"]) == b"$9\r\nhashtable\r\n"
        assert parse(c([b"SPOP", b"s", b"7"]))[1] and c([b"SCARD", b"s"]) == b":1\r\n"
        assert c([b"OBJECT", b"ENCODING", b"s"]) == b"$6\r\nintset\r\n"
