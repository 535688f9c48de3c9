"""Generic keyspace commands in-process (with an injected clock and a
capture of what is propagated) and over TCP: DEL/UNLINK/EXISTS/TOUCH/TYPE,
KEYS/SCAN/RANDOMKEY, RENAME/MOVE/COPY, the EXPIRE and TTL families,
PERSIST, OBJECT, and the INFO fields they feed. Exact parity with
redis-server is checked in tests/compat/test_strings_keys_compat.py."""

from __future__ import annotations

import random

import pytest
from tests.support.inprocess import T0, Clocked
from tests.support.resp import commands_of

from radish.db.types import HashValue, ListValue


@pytest.fixture
def h():
    return Clocked()


def bulk(v: bytes) -> bytes:
    return b"$%d\r\n%s\r\n" % (len(v), v)


def array(*items: bytes) -> bytes:
    return b"*%d\r\n" % len(items) + b"".join(bulk(i) for i in items)


# -- DEL, EXISTS, TOUCH, TYPE ------------------------------------------------------


def test_del_unlink_exists_touch_count_keys(h):
    h.run("MSET", "a", "1", "b", "2", "c", "3")
    assert h.run("EXISTS", "a", "a", "nokey", "b") == b":3\r\n"  # repeats count
    assert h.run("TOUCH", "a", "a", "nokey") == b":2\r\n"
    assert h.run("DEL", "a", "a", "nokey") == b":1\r\n"
    assert h.run("UNLINK", "b", "c") == b":2\r\n"
    assert h.run("EXISTS", "a", "b", "c") == b":0\r\n"


def test_del_of_an_expired_key_counts_zero_and_propagates_the_expiry(h):
    h.run("SET", "k", "v", "PX", "10")
    h.propagated()
    h.advance(10)
    assert h.run("DEL", "k") == b":0\r\n"
    assert h.propagated() == [[b"DEL", b"k"]]  # the expiry's DEL; DEL itself changed nothing


def test_type_of_every_kind(h):
    db = h.server.keyspace.dbs[0]
    h.run("SET", "s", "v")
    db.add(b"l", ListValue([b"x"]))
    db.add(b"h", HashValue({b"f": b"v"}))
    assert [h.run("TYPE", k) for k in ("s", "l", "h", "nokey")] == [
        b"+string\r\n", b"+list\r\n", b"+hash\r\n", b"+none\r\n"]


# -- KEYS, SCAN, RANDOMKEY --------------------------------------------------------


def test_keys_patterns_and_the_empty_key(h):
    h.run("MSET", "", "e", "one", "1", "two", "2", "three", "3")
    assert sorted(commands_of(h.run("KEYS", "*"))[0]) == [b"", b"one", b"three", b"two"]
    assert sorted(commands_of(h.run("KEYS", "t*"))[0]) == [b"three", b"two"]
    assert h.run("KEYS", "?n?") == array(b"one")
    assert h.run("KEYS", "[^t]*") == array(b"one")
    assert h.run("KEYS", "") == array(b"")  # the empty pattern matches only the empty key


def _scan_all(h, *opts) -> list[bytes]:
    out = []
    cursor = b"0"
    while True:
        reply = h.run("SCAN", cursor, *opts)
        head, rest = reply.split(b"\r\n", 1)
        assert head == b"*2"
        cursor_len, rest = rest.split(b"\r\n", 1)
        n = int(cursor_len[1:])
        cursor, rest = rest[:n], rest[n + 2 :]
        out.extend(commands_of(rest)[0])
        if cursor == b"0":
            return out


def test_scan_match_count_type_and_empty_key(h):
    db = h.server.keyspace.dbs[0]
    h.run("MSET", *[x for i in range(100) for x in ("k%d" % i, "v")])
    h.run("SET", "", "empty")
    db.add(b"alist", ListValue([b"x"]))
    assert sorted(_scan_all(h)) == sorted([b"k%d" % i for i in range(100)] + [b"", b"alist"])
    assert b"" in _scan_all(h, "MATCH", "*")
    assert sorted(_scan_all(h, "MATCH", "k1?", "COUNT", "3")) == sorted(b"k1%d" % i for i in range(10))
    assert _scan_all(h, "TYPE", "LIST") == [b"alist"]
    assert _scan_all(h, "TYPE", "zset") == []
    first = h.run("SCAN", "0", "COUNT", "5")
    assert len(commands_of(first.split(b"\r\n", 3)[3])[0]) == 5
    assert h.run("SCAN", "0", "COUNT", "0") == b"-ERR syntax error\r\n"
    assert h.run("SCAN", "x") == b"-ERR invalid cursor\r\n"


def test_scan_hides_expired_keys_and_reclaims_them(h):
    h.run("SET", "live", "1")
    h.run("SET", "dead", "1", "PX", "5")
    h.advance(5)
    assert _scan_all(h) == [b"live"]
    assert h.run("DBSIZE") == b":1\r\n"


def test_scan_guarantee_with_keys_added_and_removed_between_calls(r):
    """Every key present for the whole iteration comes back at least once."""
    rnd = random.Random(5)
    r.mset({"stable:%d" % i: "v" for i in range(1500)})
    r.mset({"churn:%d" % i: "v" for i in range(1500)})
    seen = set()
    cursor = 0
    added = 0
    while True:
        cursor, keys = r.scan(cursor, count=37)
        seen.update(keys)
        for _ in range(10):
            added += 1
            r.set("added:%d" % added, "v")
            r.delete("churn:%d" % rnd.randrange(1500))
        if cursor == 0:
            break
    assert {b"stable:%d" % i for i in range(1500)} <= seen
    assert all(k.startswith((b"stable:", b"churn:", b"added:")) for k in seen)


def test_randomkey_empty_single_and_never_expired(h):
    assert h.run("RANDOMKEY") == b"$-1\r\n"
    h.run("SET", "only", "1")
    assert h.run("RANDOMKEY") == bulk(b"only")
    for i in range(200):
        h.run("SET", "tmp%d" % i, "1", "PX", "50")
    h.advance(50)
    assert {h.run("RANDOMKEY") for _ in range(20)} == {bulk(b"only")}
    h.run("DEL", "only")
    assert h.run("RANDOMKEY") == b"$-1\r\n"
    assert h.run("DBSIZE") == b":0\r\n"


def test_randomkey_spreads_over_a_big_db(h):
    h.run("MSET", *[x for i in range(5000) for x in ("k%d" % i, "v")])
    picks = {h.run("RANDOMKEY") for _ in range(500)}
    assert len(picks) > 400


# -- RENAME, MOVE, COPY -----------------------------------------------------------


def test_rename_keeps_value_and_ttl(h):
    h.run("SET", "a", "1", "EX", "100")
    h.run("SET", "b", "2")
    assert h.run("RENAME", "a", "b") == b"+OK\r\n"
    assert h.run("GET", "b") == bulk(b"1")
    assert h.run("TTL", "b") == b":100\r\n"
    assert h.run("RENAME", "a", "b") == b"-ERR no such key\r\n"
    assert h.run("RENAMENX", "b", "b") == b":0\r\n"
    h.run("SET", "c", "3")
    assert h.run("RENAMENX", "b", "c") == b":0\r\n"
    assert h.run("RENAMENX", "b", "d") == b":1\r\n"
    assert h.run("TTL", "d") == b":100\r\n"


def test_move_and_copy_across_databases(h):
    h.run("SET", "k", "v", "EX", "100")
    assert h.run("MOVE", "k", "0") == b"-ERR source and destination objects are the same\r\n"
    assert h.run("MOVE", "k", "16") == b"-ERR DB index is out of range\r\n"
    assert h.run("MOVE", "k", "2147483648") == (
        b"-ERR value is out of range, value must between -2147483648 and 2147483647\r\n")
    assert h.run("MOVE", "k", "3") == b":1\r\n"
    assert h.run("EXISTS", "k") == b":0\r\n"
    h.run("SELECT", "3")
    assert h.run("TTL", "k") == b":100\r\n"
    assert h.run("COPY", "k", "k") == b"-ERR source and destination objects are the same\r\n"
    assert h.run("COPY", "k", "k", "DB", "0") == b":1\r\n"
    assert h.run("COPY", "k", "k", "DB", "0") == b":0\r\n"
    h.run("SET", "k", "w")
    assert h.run("COPY", "k", "k", "DB", "0", "REPLACE") == b":1\r\n"
    h.run("SELECT", "0")
    assert h.run("GET", "k") == bulk(b"w")
    assert h.run("TTL", "k") == b":-1\r\n"


def test_copy_of_an_aggregate_is_independent(h):
    db = h.server.keyspace.dbs[0]
    db.add(b"l", ListValue([b"a"]))
    assert h.run("COPY", "l", "l2") == b":1\r\n"
    db.data[b"l"].append(b"b")
    assert list(db.data[b"l2"]) == [b"a"]


# -- EXPIRE / TTL family ----------------------------------------------------------


def test_expire_options_nx_xx_gt_lt(h):
    h.run("SET", "k", "v")
    assert h.run("EXPIRE", "k", "100", "XX") == b":0\r\n"
    assert h.run("EXPIRE", "k", "100", "GT") == b":0\r\n"  # no TTL counts as infinite
    assert h.run("EXPIRE", "k", "100", "NX") == b":1\r\n"
    assert h.run("EXPIRE", "k", "200", "NX") == b":0\r\n"
    assert h.run("EXPIRE", "k", "50", "GT") == b":0\r\n"
    assert h.run("EXPIRE", "k", "150", "GT") == b":1\r\n"
    assert h.run("EXPIRE", "k", "200", "LT") == b":0\r\n"
    assert h.run("EXPIRE", "k", "120", "LT", "XX") == b":1\r\n"
    assert h.run("TTL", "k") == b":120\r\n"
    assert h.run("EXPIRE", "k", "1", "NX", "GT") == (
        b"-ERR NX and XX, GT or LT options at the same time are not compatible\r\n")
    assert h.run("EXPIRE", "k", "1", "GT", "LT") == b"-ERR GT and LT options at the same time are not compatible\r\n"
    assert h.run("EXPIRE", "k", "1", "later") == b"-ERR Unsupported option later\r\n"
    assert h.run("PERSIST", "k") == b":1\r\n"
    assert h.run("EXPIRE", "k", "5", "LT") == b":1\r\n"  # no TTL: LT sets one


def test_expire_units_and_limits(h):
    h.run("SET", "k", "v")
    assert h.run("PEXPIRE", "k", "1500") == b":1\r\n"
    assert h.run("PTTL", "k") == b":1500\r\n"
    assert h.run("TTL", "k") == b":2\r\n"  # rounded to nearest second
    assert h.run("EXPIREAT", "k", "2000000000") == b":1\r\n"
    assert h.run("EXPIRETIME", "k") == b":2000000000\r\n"
    assert h.run("PEXPIREAT", "k", "2000000000499") == b":1\r\n"
    assert h.run("EXPIRETIME", "k") == b":2000000000\r\n"
    assert h.run("PEXPIRETIME", "k") == b":2000000000499\r\n"
    assert h.run("EXPIRE", "k", "9223372036854775") == b"-ERR invalid expire time in 'expire' command\r\n"
    assert h.run("PEXPIRE", "k", "9223372036854775807") == b"-ERR invalid expire time in 'pexpire' command\r\n"
    assert h.run("EXPIRE", "k", "1.5") == b"-ERR value is not an integer or out of range\r\n"
    assert h.run("EXPIRE", "nokey", "100") == b":0\r\n"
    assert [h.run(c, "nokey") for c in ("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME")] == [b":-2\r\n"] * 4
    h.run("SET", "p", "v")
    assert [h.run(c, "p") for c in ("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME")] == [b":-1\r\n"] * 4


def test_past_or_zero_expiry_deletes_the_key(h):
    for args in (("EXPIRE", "k", "0"), ("EXPIRE", "k", "-10"), ("PEXPIREAT", "k", "1"), ("EXPIREAT", "k", "0")):
        h.run("SET", "k", "v")
        assert h.run(*args) == b":1\r\n"
        assert h.run("EXISTS", "k") == b":0\r\n"
    assert h.server.keyspace.expired_keys == 0  # deleted by the command, not expired


def test_expire_family_propagates_pexpireat_or_del(h):
    h.run("SET", "k", "v")
    h.propagated()
    h.run("EXPIRE", "k", "100")
    h.run("expire", "k", "200", "gt")
    h.run("PEXPIRE", "k", "5000", "LT")
    h.run("EXPIREAT", "k", "2000000000")
    h.run("pexpireat", "k", "2000000000123")
    h.run("EXPIRE", "k", "1", "NX")  # refused: nothing
    h.run("PERSIST", "k")
    h.run("PERSIST", "k")  # no TTL: nothing
    h.run("EXPIRE", "k", "-1")
    assert h.propagated() == [
        [b"PEXPIREAT", b"k", b"%d" % (T0 + 100_000)],
        [b"PEXPIREAT", b"k", b"%d" % (T0 + 200_000), b"gt"],
        [b"PEXPIREAT", b"k", b"%d" % (T0 + 5000), b"LT"],
        [b"PEXPIREAT", b"k", b"2000000000000"],
        [b"pexpireat", b"k", b"2000000000123"],
        [b"PERSIST", b"k"],
        [b"DEL", b"k"],
    ]


def test_expiry_happens_at_the_millisecond(h):
    h.run("SET", "k", "v", "PX", "100")
    h.advance(99)
    assert h.run("PTTL", "k") == b":1\r\n"
    h.advance(1)
    assert h.run("GET", "k") == b"$-1\r\n"
    assert h.run("TTL", "k") == b":-2\r\n"


# -- OBJECT -------------------------------------------------------------------------


def test_object_refcount_shares_small_integers_unless_lru_lfu_maxmemory(h):
    h.run("MSET", "a", "9999", "b", "10000", "c", "abc")
    assert [h.run("OBJECT", "REFCOUNT", k) for k in "abc"] == [b":2147483647\r\n", b":1\r\n", b":1\r\n"]
    h.run("CONFIG", "SET", "maxmemory", "1gb", "maxmemory-policy", "allkeys-lru")
    assert h.run("OBJECT", "REFCOUNT", "a") == b":1\r\n"
    h.run("CONFIG", "SET", "maxmemory-policy", "volatile-ttl")
    assert h.run("OBJECT", "REFCOUNT", "a") == b":2147483647\r\n"
    assert h.run("OBJECT", "REFCOUNT", "nokey") == b"$-1\r\n"


def test_each_write_counts_one_access_under_lfu(h):
    # As redis-server 7.0: one LFU increment per command, also when a
    # command's short path hands the key to its general one (keyspace
    # events on, an oversized hash value, the wrong type).
    h.run("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu", "lfu-log-factor", "0", "notify-keyspace-events", "KEA")
    h.run("RPUSH", "l", "a", "b", "c", "d")
    h.run("HSET", "h", "f", "v")
    h.run("SET", "s", "v")

    def freq(key):
        return int(h.run("OBJECT", "FREQ", key)[1:-2])

    for key, cmd in (
        ("l", ("LPOP", "l")), ("l", ("RPOP", "l")), ("l", ("LPUSH", "l", "x")), ("l", ("RPUSH", "l", "y")),
        ("h", ("HSET", "h", "f2", "x" * 90)), ("h", ("HSET", "h", "f", "w")),
        ("s", ("LPUSH", "s", "x")), ("s", ("RPOP", "s")), ("s", ("HSET", "s", "f", "v")),
    ):
        before = freq(key)
        h.run(*cmd)
        assert freq(key) == before + 1, cmd


def test_object_freq_follows_lfu_policy_and_config(h):
    h.run("SET", "k", "v")
    assert h.run("OBJECT", "FREQ", "k").startswith(b"-ERR An LFU maxmemory policy is not selected")
    h.run("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu", "lfu-log-factor", "0")
    h.run("SET", "n", "v")
    assert h.run("OBJECT", "FREQ", "n") == b":5\r\n"
    for _ in range(10):
        h.run("GET", "n")
    assert h.run("OBJECT", "FREQ", "n") == b":15\r\n"
    h.run("TYPE", "n")
    h.run("EXISTS", "n")
    assert h.run("OBJECT", "FREQ", "n") == b":15\r\n"  # no access
    h.run("TOUCH", "n")
    assert h.run("OBJECT", "FREQ", "n") == b":16\r\n"
    h.advance(3 * 60_000)  # lfu-decay-time 1: one per minute
    assert h.run("OBJECT", "FREQ", "n") == b":13\r\n"
    assert h.run("OBJECT", "IDLETIME", "n").startswith(b"-ERR An LFU maxmemory policy is selected")


def test_object_help_and_unknown_subcommand(h):
    assert h.run("OBJECT", "HELP").startswith(b"*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n")
    assert h.run("OBJECT", "NOPE", "k") == b"-ERR unknown subcommand 'NOPE'. Try OBJECT HELP.\r\n"


# -- INFO ----------------------------------------------------------------------------


def test_info_keyspace_and_stats_are_live(h):
    assert h.info("keyspace") == {}
    h.run("MSET", "a", "1", "b", "2")
    h.run("SET", "t", "v", "EX", "100")
    h.run("SET", "u", "v", "PX", "10")
    h.server.cron()  # one active-expire tick samples the TTLs
    line = h.info("keyspace")["db0"]
    fields = dict(item.split("=") for item in line.split(","))
    assert fields["keys"] == "4" and fields["expires"] == "2"
    assert 0 < int(fields["avg_ttl"]) <= 100_000
    h.run("GET", "a")
    h.run("GET", "nokey")
    h.run("MGET", "a", "b", "c")
    h.advance(10)
    h.run("GET", "u")  # expired: a miss, and one expired key
    stats = h.info("stats")
    assert (stats["keyspace_hits"], stats["keyspace_misses"], stats["expired_keys"]) == ("3", "3", "1")
    fields = dict(item.split("=") for item in h.info("keyspace")["db0"].split(","))
    assert (fields["keys"], fields["expires"]) == ("3", "1")
    h.run("FLUSHALL")
    assert h.info("keyspace") == {}
