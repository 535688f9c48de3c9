"""Clusters of real processes managed by ``redis-cli --cluster``: three
radish nodes, and radish mixed with redis-server 7.0 nodes on the same
bus. Each test creates a cluster, waits for ``cluster_state:ok`` on every
node, runs ``redis-cli --cluster check``, reads and writes keys with
``redis-cli -c`` and redis-py's RedisCluster, and reshards slots holding
keys between radish and redis-server in both directions."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from tests.support.cluster import start_cluster_node
from tests.support.servers import ServerProcess, wait_until

REDIS_CLI = shutil.which("redis-cli")
REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS_CLI is None or REDIS_SERVER is None, reason="redis-server/redis-cli not installed")

def _cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([REDIS_CLI, *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def make_cluster():
    started: list[ServerProcess] = []

    def make(*kinds: str) -> list[ServerProcess]:
        nodes = [start_cluster_node(k) for k in kinds]
        started.extend(nodes)
        r = _cli("--cluster", "create", *["127.0.0.1:%d" % n.port for n in nodes], "--cluster-yes")
        assert r.returncode == 0, r.stdout + r.stderr
        assert "[OK] All 16384 slots covered." in r.stdout
        for n in nodes:
            wait_until(lambda n=n: _info(n)["cluster_state"] == "ok", timeout=30)
        return nodes

    yield make
    for n in started:
        n.stop()


def _info(node: ServerProcess) -> dict[str, str]:
    raw = node.client().execute_command("CLUSTER", "INFO")
    text = raw.decode() if isinstance(raw, bytes) else raw
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def _myid(node: ServerProcess) -> str:
    return node.client().execute_command("CLUSTER", "MYID").decode()


def _check(node: ServerProcess) -> str:
    r = _cli("--cluster", "check", "127.0.0.1:%d" % node.port, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "[OK] All nodes agree about slots configuration." in r.stdout
    assert "[OK] All 16384 slots covered." in r.stdout
    assert "[WARNING]" not in r.stdout and "[ERR]" not in r.stdout
    return r.stdout


def _reshard(via: ServerProcess, src: ServerProcess, dst: ServerProcess, slots: int) -> None:
    r = _cli("--cluster", "reshard", "127.0.0.1:%d" % via.port, "--cluster-from", _myid(src),
             "--cluster-to", _myid(dst), "--cluster-slots", str(slots), "--cluster-yes",
             timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr


def _cluster_client(node: ServerProcess):
    from redis.cluster import RedisCluster

    return RedisCluster(host="127.0.0.1", port=node.port)


def test_three_radish_nodes(make_cluster):
    nodes = make_cluster("radish", "radish", "radish")
    _check(nodes[0])
    rc = _cluster_client(nodes[1])
    try:
        for i in range(300):
            rc.set("key:%d" % i, i)
        assert [rc.get("key:%d" % i) for i in range(300)] == [b"%d" % i for i in range(300)]
        # Every node holds some of them, each only keys of its own slots.
        sizes = [n.client().dbsize() for n in nodes]
        assert sum(sizes) == 300 and all(sizes)
        assert rc.mget_nonatomic(["key:1", "key:2"]) == [b"1", b"2"]
    finally:
        rc.close()
    r = _cli("-c", "-p", str(nodes[2].port), "GET", "key:7")
    assert r.stdout.strip() == "7"
    # Every node sees the same three masters, epochs and slots.
    lines = {n.port: sorted(_nodes_lines(n)) for n in nodes}
    assert len({tuple(v) for v in lines.values()}) == 1


def _nodes_lines(node: ServerProcess) -> list[str]:
    raw = node.client().execute_command("CLUSTER", "NODES")
    text = raw.decode() if isinstance(raw, bytes) else raw
    # id, address, epoch and slots (the flags say myself on one node only).
    return [" ".join([f[0], f[1], f[6], *f[8:]]) for f in (line.split() for line in text.splitlines())]


def test_two_radish_one_redis_reshard_both_ways(make_cluster):
    from radish.db.slots import key_hash_slot

    radish_a, radish_b, redis_c = make_cluster("radish", "radish", "redis")
    _check(radish_a)
    # redis-cli moves a source's lowest slots first: 200 keys live in the
    # slots 0-99 (radish_a's first), 200 more anywhere.
    moved = [k for k in ("m%d" % i for i in range(100000)) if key_hash_slot(k.encode()) < 100][:200]
    keys = moved + ["k%d" % i for i in range(200)]
    rc = _cluster_client(redis_c)
    try:
        for k in keys:
            rc.set(k, "v" + k)
        low = sum(key_hash_slot(k.encode()) < 100 for k in keys)  # 200 and a few of the others
        sizes = [n.client().dbsize() for n in (radish_a, radish_b, redis_c)]
        assert sum(sizes) == 400 and sizes[0] >= low >= 200
        _reshard(redis_c, radish_a, redis_c, 100)  # radish -> redis: slots 0-99 and their keys
        assert radish_a.client().dbsize() == sizes[0] - low
        assert redis_c.client().dbsize() == sizes[2] + low
        _reshard(radish_b, redis_c, radish_b, 150)  # redis -> radish: 0-99 again, and 50 more
        assert radish_b.client().dbsize() >= sizes[1] + low
        assert sum(n.client().dbsize() for n in (radish_a, radish_b, redis_c)) == 400
    finally:
        rc.close()
    out = _check(radish_b)
    assert "[OK] 400 keys in 3 masters." in out
    rc = _cluster_client(radish_a)
    try:
        assert [rc.get(k) for k in keys] == [("v" + k).encode() for k in keys]
    finally:
        rc.close()


def test_one_radish_two_redis(make_cluster):
    redis_a, redis_b, radish_c = make_cluster("redis", "redis", "radish")
    _check(radish_c)
    _check(redis_a)
    for i in range(30):
        r = _cli("-c", "-p", str(radish_c.port), "SET", "x%d" % i, str(i))
        assert r.stdout.strip() == "OK"
    r = _cli("-c", "-p", str(redis_a.port), "GET", "x17")
    assert r.stdout.strip() == "17"
    assert sum(n.client().dbsize() for n in (redis_a, redis_b, radish_c)) == 30
