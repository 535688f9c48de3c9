"""Lists node for node as Redis 7.0 keeps them: random sequences of list
commands (pushes, pops with and without counts, LINSERT, LSET, LREM, LTRIM,
LMOVE) go to radish and to a real redis-server with the same
list-max-listpack-size and packed threshold; every reply must match, and
then every list's DUMP payload must be byte-for-byte Redis's (the same
nodes, split and merged the same way, the same listpack bytes) and DEBUG
OBJECT's quicklist figures the same. Payloads cross both ways and survive
DEBUG RELOAD on the other server."""

from __future__ import annotations

import random
import re

import pytest
from tests.support.servers import start_radish, start_redis

KEYS = [b"l1", b"l2", b"l3"]


@pytest.fixture(scope="module")
def servers():
    ref = start_redis()
    s = start_radish("--enable-debug-command", "yes")
    try:
        yield s.client(), ref.client()
    finally:
        for srv in (s, ref):
            try:
                srv.client().execute_command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0")
            except Exception:  # noqa: BLE001 - stopping anyway
                pass
        s.stop()
        ref.stop()


def _element(rnd: random.Random, big: int) -> bytes:
    r = rnd.random()
    if r < 0.35:
        return rnd.choice([b"a", b"b", b"c", b"1", b"-7", b"300", b"70000", b""])
    if r < 0.55:
        return b"%d" % rnd.randint(-(2**40), 2**40)
    if r < 0.8:
        return b"s" * rnd.randint(10, 80)
    if r < 0.97:
        return b"m" * rnd.randint(200, 3000)
    return b"B" * rnd.randint(big, big + 100)  # a plain node when the threshold is low


def _command(rnd: random.Random, c, big: int) -> list:
    key = rnd.choice(KEYS)
    n = c.llen(key)
    r = rnd.random()
    if r < 0.35 or n == 0:
        return [rnd.choice([b"RPUSH", b"LPUSH"]), key, *[_element(rnd, big) for _ in range(rnd.choice([1, 1, 3, 20, 60]))]]
    if r < 0.45:
        return [rnd.choice([b"LPOP", b"RPOP"]), key] + ([] if rnd.random() < 0.5 else [rnd.randint(0, 30)])
    if r < 0.6:
        pivot = c.lindex(key, rnd.randrange(n)) if rnd.random() < 0.9 else b"nothere"
        return [b"LINSERT", key, rnd.choice([b"BEFORE", b"AFTER"]), pivot, _element(rnd, big)]
    if r < 0.72:
        return [b"LSET", key, rnd.randrange(-n, n), _element(rnd, big)]
    if r < 0.8:
        return [b"LREM", key, rnd.randint(-3, 3), c.lindex(key, rnd.randrange(n))]
    if r < 0.86:
        a = rnd.randint(-n, n)
        return [b"LTRIM", key, a, a + rnd.randint(n // 2, n + 2)]
    if r < 0.94:
        return [b"LMOVE", key, rnd.choice(KEYS), rnd.choice([b"LEFT", b"RIGHT"]), rnd.choice([b"LEFT", b"RIGHT"])]
    return [b"LRANGE", key, rnd.randint(-n, n), rnd.randint(-n, n)]


def _ql_figures(c, key: bytes) -> dict:
    line = c.execute_command("DEBUG", "OBJECT", key).decode()
    return {k: v for k, v in re.findall(r"(ql_\w+|serializedlength|encoding):(\S+)", line)}


@pytest.mark.parametrize(
    "fill,threshold,seed",
    [(-2, 0, 1), (-1, 0, 2), (-2, 1500, 3), (5, 0, 4), (1, 0, 5), (3, 1000, 6), (128, 0, 7), (-5, 0, 8), (0, 0, 9),
     (2, 0, 10), (-3, 2000, 11), (-2, 0, 12)],
)  # fmt: skip
def test_random_list_commands_give_redis_nodes(servers, fill, threshold, seed):
    ours, ref = servers
    rnd = random.Random(seed)
    for c in (ours, ref):
        c.flushall()
        c.config_set("list-max-listpack-size", fill)
        c.execute_command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", threshold)
    big = threshold or 5000
    for _ in range(300):
        cmd = _command(rnd, ref, big)
        replies = []
        for c in (ours, ref):
            try:
                replies.append(("ok", c.execute_command(*cmd)))
            except Exception as e:  # noqa: BLE001 - compared below
                replies.append(("err", str(e)))
        assert replies[0] == replies[1], cmd
    for key in KEYS:
        assert ours.exists(key) == ref.exists(key)
        if not ref.exists(key):
            continue
        assert ours.lrange(key, 0, -1) == ref.lrange(key, 0, -1)
        assert ours.dump(key) == ref.dump(key), key
        assert _ql_figures(ours, key) == _ql_figures(ref, key)


def test_payloads_cross_and_reload(servers):
    """radish's DUMP restored in Redis and Redis's in radish: the same
    list, and the same nodes after DEBUG RELOAD on each side."""
    ours, ref = servers
    rnd = random.Random(99)
    for c in (ours, ref):
        c.flushall()
        c.config_set("list-max-listpack-size", -2)
        c.execute_command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", 600)
    items = [_element(rnd, 600) for _ in range(2000)]
    ours.rpush(b"ours", *items[:1000])
    ours.lpush(b"ours", *items[1000:])
    ref.rpush(b"theirs", *items[:1000])
    ref.lpush(b"theirs", *items[1000:])
    ref.restore(b"ours", 0, ours.dump(b"ours"))
    ours.restore(b"theirs", 0, ref.dump(b"theirs"))
    for c in (ours, ref):
        assert c.execute_command("DEBUG", "RELOAD") == b"OK"
    for key in (b"ours", b"theirs"):
        assert ours.lrange(key, 0, -1) == ref.lrange(key, 0, -1) == items[1000:][::-1] + items[:1000]
        assert ours.dump(key) == ref.dump(key)
        assert _ql_figures(ours, key) == _ql_figures(ref, key)
    assert ours.execute_command("DEBUG", "DIGEST") == ref.execute_command("DEBUG", "DIGEST")


def test_created_fill_is_kept(servers):
    """A list keeps the list-max-listpack-size it was created with, as
    Redis's quicklist keeps its fill; a reload takes the current one."""
    ours, ref = servers
    for c in (ours, ref):
        c.flushall()
        c.execute_command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", 0)
        c.config_set("list-max-listpack-size", 4)
        c.rpush(b"k", *range(10))
        c.config_set("list-max-listpack-size", -2)
        c.rpush(b"k", *range(10))
    assert _ql_figures(ours, b"k") == _ql_figures(ref, b"k")
    assert ours.dump(b"k") == ref.dump(b"k")
    for c in (ours, ref):
        c.execute_command("DEBUG", "RELOAD")
        c.rpush(b"k", *range(10))
    assert _ql_figures(ours, b"k") == _ql_figures(ref, b"k")
    assert ours.dump(b"k") == ref.dump(b"k")


def test_sort_store_takes_the_default_fill(servers):
    """SORT ... STORE makes its list with quicklistCreate's fill (-2),
    not list-max-listpack-size."""
    ours, ref = servers
    for c in (ours, ref):
        c.flushall()
        c.execute_command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", 0)
        c.config_set("list-max-listpack-size", 2)
        c.rpush(b"src", *range(50))
        c.sort(b"src", store=b"dst")
        c.config_set("list-max-listpack-size", -2)
    for key in (b"src", b"dst"):
        assert _ql_figures(ours, key) == _ql_figures(ref, key)
        assert ours.dump(key) == ref.dump(key)
