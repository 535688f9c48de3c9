"""Cluster failover with real processes: three primaries and three
replicas made by ``redis-cli --cluster create --cluster-replicas 1``,
radish alone or mixed with redis-server 7.0 either way round. A primary
killed with SIGKILL is replaced by its replica (elected by the other
primaries, whichever server each is), the cluster is ``ok`` again with
every key readable through redis-py's RedisCluster and ``redis-cli -c``,
and the killed node started again follows its replacement.
``CLUSTER FAILOVER`` (default, FORCE, TAKEOVER) swaps a replica and its
primary. Node timeout: 2000 ms."""

from __future__ import annotations

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
from tests.support.cluster import start_cluster_node
from tests.support.resp import Raw
from tests.support.servers import ServerProcess, wait_until

REDIS_CLI = shutil.which("redis-cli")
REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS_CLI is None or REDIS_SERVER is None, reason="redis-server/redis-cli not installed")

NODE_TIMEOUT = 2000
KEYS = ["key:%d" % i for i in range(200)]
# Redis's reply when the primary is failed (cluster.c, CLUSTER FAILOVER).
MASTER_DOWN = "ERR Master is down or failed, please use CLUSTER FAILOVER FORCE"


def _cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([REDIS_CLI, *args], capture_output=True, text=True, timeout=timeout)


class Cluster:
    def __init__(self, nodes: list[ServerProcess]) -> None:
        self.nodes = nodes
        self.dead: set[int] = set()

    def live(self) -> list[ServerProcess]:
        return [n for n in self.nodes if n.port not in self.dead]

    def by_port(self, port: int) -> ServerProcess:
        return next(n for n in self.nodes if n.port == port)

    def topology(self, via: ServerProcess) -> dict[int, tuple[set[str], int | None]]:
        """port -> (flags, port of its primary) as ``via`` sees them."""
        text = _text(via.client().execute_command("CLUSTER", "NODES"))
        rows = [line.split() for line in text.splitlines()]
        port_of = {r[0]: int(r[1].split("@")[0].rsplit(":", 1)[1]) for r in rows}
        return {port_of[r[0]]: (set(r[2].split(",")), port_of.get(r[3])) for r in rows}

    def replica_of(self, primary: ServerProcess) -> ServerProcess:
        via = next(n for n in self.live() if n is not primary)
        for port, (flags, master) in self.topology(via).items():
            if "slave" in flags and master == primary.port:
                return self.by_port(port)
        raise AssertionError("no replica of %d" % primary.port)

    def primaries(self) -> list[ServerProcess]:
        topo = self.topology(self.live()[0])
        return [self.by_port(p) for p, (flags, _m) in topo.items() if "master" in flags and p not in self.dead]

    def kill(self, node: ServerProcess) -> None:
        node.proc.kill()
        node.proc.wait()
        self.dead.add(node.port)

    def restart(self, node: ServerProcess) -> ServerProcess:
        new = node.restarted()
        self.nodes[self.nodes.index(node)] = new
        self.dead.discard(node.port)
        return new

    def wait_ok(self, timeout: float = 30) -> None:
        for n in self.live():
            wait_until(lambda n=n: _info(n)["cluster_state"] == "ok", timeout=timeout, step=0.1)

    def wait_role(self, node: ServerProcess, role: str, timeout: float = 30) -> None:
        wait_until(lambda: _role(node) == role, timeout=timeout, step=0.1)

    def wait_agree(self, timeout: float = 30) -> None:
        """Every live node sees the same primaries and replicas."""
        def agree() -> bool:
            views = []
            for n in self.live():
                topo = self.topology(n)
                views.append({p: ("master" in f, "slave" in f, m) for p, (f, m) in topo.items() if p not in self.dead})
            return all(v == views[0] for v in views)
        wait_until(agree, timeout=timeout, step=0.2)

    def check(self) -> None:
        r = _cli("--cluster", "check", "127.0.0.1:%d" % self.live()[0].port, timeout=30)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "[OK] All nodes agree about slots configuration." in r.stdout
        assert "[OK] All 16384 slots covered." in r.stdout
        assert "[ERR]" not in r.stdout

    def write_keys(self) -> None:
        rc = _cluster_client(self.live()[0])
        try:
            for k in KEYS:
                rc.set(k, "v" + k)
        finally:
            rc.close()
        # Every replica has them before a primary dies.
        for p in self.primaries():
            assert p.client().execute_command("WAIT", 1, 15000) >= 1

    def assert_keys(self) -> None:
        rc = _cluster_client(self.live()[-1])
        try:
            assert [rc.get(k) for k in KEYS] == [("v" + k).encode() for k in KEYS]
        finally:
            rc.close()
        for n in self.live()[:2]:
            r = _cli("-c", "-p", str(n.port), "GET", KEYS[7])
            assert r.stdout.strip() == "v" + KEYS[7]


def _text(raw) -> str:
    return raw.decode() if isinstance(raw, bytes) else raw


def _info(node: ServerProcess) -> dict[str, str]:
    text = _text(node.client().execute_command("CLUSTER", "INFO"))
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def _role(node: ServerProcess) -> str:
    return _text(node.client().execute_command("ROLE")[0])


def _cluster_client(node: ServerProcess):
    from redis.cluster import RedisCluster

    return RedisCluster(host="127.0.0.1", port=node.port)


def _raw(node: ServerProcess, commands: list[list[str]]) -> list[bytes]:
    conn = Raw(node.port)
    try:
        return [conn([a.encode() for a in cmd]) for cmd in commands]
    finally:
        conn.close()


def _failover(node: ServerProcess, *opt: str) -> str:
    r = _cli("-p", str(node.port), "CLUSTER", "FAILOVER", *opt)
    return r.stdout.strip()


@pytest.fixture
def make_cluster():
    made: list[Cluster] = []

    def make(*kinds: str) -> Cluster:
        """Three primaries then three replicas, of these kinds."""
        extra = ("--repl-diskless-sync-delay", "0")
        with ThreadPoolExecutor(len(kinds)) as ex:
            nodes = list(ex.map(lambda k: start_cluster_node(k, *extra, node_timeout=NODE_TIMEOUT), kinds))
        cluster = Cluster(nodes)
        made.append(cluster)
        r = _cli("--cluster", "create", *["127.0.0.1:%d" % n.port for n in nodes], "--cluster-replicas", "1",
                 "--cluster-yes", timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
        cluster.wait_ok()
        cluster.wait_agree()
        return cluster

    yield make
    for c in made:
        for n in c.nodes:
            n.stop()


def test_radish_cluster_failover(make_cluster):
    c = make_cluster(*["radish"] * 6)
    c.write_keys()
    p1, p2, p3 = c.primaries()
    r1, r2, r3 = c.replica_of(p1), c.replica_of(p2), c.replica_of(p3)
    epoch = int(_info(p1)["cluster_current_epoch"])

    # A replica that may not fail over waits for a FORCE.
    r1.client().config_set("cluster-replica-no-failover", "yes")
    c.kill(p1)
    wait_until(lambda: "fail" in c.topology(r1)[p1.port][0], timeout=20, step=0.1)
    assert _failover(r1) == MASTER_DOWN
    assert _role(r1) == "slave"
    assert _failover(r1, "FORCE") == "OK"
    c.wait_role(r1, "master")
    c.wait_ok()
    c.assert_keys()

    # Automatic failover.
    c.kill(p2)
    c.wait_role(r2, "master")
    c.wait_ok()
    c.assert_keys()
    assert int(_info(r2)["cluster_current_epoch"]) >= epoch + 2

    # The killed primaries come back as replicas of their replacements.
    p1, p2 = c.restart(p1), c.restart(p2)
    c.wait_role(p1, "slave")
    c.wait_role(p2, "slave")
    c.wait_agree()
    assert c.topology(p1)[p1.port][1] == r1.port and c.topology(p2)[p2.port][1] == r2.port
    wait_until(lambda: p1.client().info("replication")["master_link_status"] == "up", timeout=20, step=0.1)

    # CLUSTER FAILOVER: p1 takes its role back (MFSTART, paused primary,
    # election); TAKEOVER: r3 without an election.
    assert _failover(p1) == "OK"
    c.wait_role(p1, "master")
    c.wait_role(r1, "slave")
    assert _failover(r3, "TAKEOVER") == "OK"
    c.wait_role(r3, "master")
    c.wait_role(p3, "slave")
    c.wait_agree()
    c.wait_ok()
    c.check()
    c.assert_keys()
    info = _info(p1)
    assert int(info["cluster_stats_messages_mfstart_sent"]) == 1
    assert int(info["cluster_stats_messages_auth-req_sent"]) >= 1
    assert int(info["cluster_stats_messages_auth-ack_received"]) >= 2
    assert int(_info(r3)["cluster_my_epoch"]) == int(_info(r3)["cluster_current_epoch"])
    # A primary refuses it.
    assert _failover(r3) == "ERR You should send CLUSTER FAILOVER to a replica"


def test_redis_replicas_of_radish_primaries(make_cluster):
    # (A replica elected less than two node timeouts ago counts that
    # election's votes again in a manual failover, and one elected less
    # than four node timeouts ago waits until then, in Redis as here: each
    # manual failover below is asked of a replica never elected before, or
    # is a TAKEOVER.)
    c = make_cluster("radish", "radish", "radish", "redis", "redis", "redis")
    c.write_keys()
    p1, p2, p3 = c.primaries()
    r1, r2, r3 = c.replica_of(p1), c.replica_of(p2), c.replica_of(p3)
    # redis-server replica elected by radish primaries.
    c.kill(p1)
    c.wait_role(r1, "master")
    c.wait_ok()
    c.assert_keys()
    # The radish node comes back as a replica of redis-server ...
    p1 = c.restart(p1)
    c.wait_role(p1, "slave")
    wait_until(lambda: p1.client().info("replication")["master_link_status"] == "up", timeout=20, step=0.1)
    c.wait_agree()
    # ... and takes its place back, the redis-server primary pausing for it.
    assert _failover(p1) == "OK"
    c.wait_role(p1, "master")
    c.wait_role(r1, "slave")
    # FORCE on a redis-server replica: radish primaries vote (FORCEACK).
    assert _failover(r2, "FORCE") == "OK"
    c.wait_role(r2, "master")
    c.wait_role(p2, "slave")
    # The default on a redis-server replica: the radish primary pauses.
    assert _failover(r3) == "OK"
    c.wait_role(r3, "master")
    c.wait_role(p3, "slave")
    c.wait_agree()
    # The same refusals, byte for byte, from replicas (p2 radish, r1
    # redis-server) and from primaries (p1 radish, r2 redis-server).
    refused = [["CLUSTER", "FAILOVER", "bogus"], ["CLUSTER", "FAILOVER", "FORCE", "x"], ["CLUSTER", "FAILOVER"]]
    assert _raw(p2, refused[:2]) == _raw(r1, refused[:2])
    assert _raw(p1, refused) == _raw(r2, refused)
    # TAKEOVER on a redis-server replica of a radish primary.
    assert _failover(r1, "TAKEOVER") == "OK"
    c.wait_role(r1, "master")
    c.wait_role(p1, "slave")
    c.wait_agree()
    c.wait_ok()
    c.check()
    c.assert_keys()


def test_radish_replicas_of_redis_primaries(make_cluster):
    c = make_cluster("redis", "redis", "redis", "radish", "radish", "radish")
    c.write_keys()
    p1 = c.primaries()[0]
    r1 = c.replica_of(p1)
    # A radish replica elected by redis-server primaries.
    c.kill(p1)
    c.wait_role(r1, "master")
    c.wait_ok()
    # The redis-server node comes back as a replica of the radish one.
    p1 = c.restart(p1)
    wait_until(lambda: p1.client().info("replication").get("master_port") == r1.port, timeout=20, step=0.1)
    c.wait_agree()
    c.check()
    c.assert_keys()


def test_two_replicas_then_replica_migration(make_cluster):
    """A primary with two replicas fails: one is elected, the other follows
    it, and so does the old primary when it comes back. Then a primary
    left without a working replica gets one of those two (the one with
    the smallest id: cluster-migration-barrier 1 is kept)."""
    c = make_cluster(*["radish"] * 6)
    p1, p2, _p3 = c.primaries()
    extra = start_cluster_node("radish", node_timeout=NODE_TIMEOUT)
    c.nodes.append(extra)
    extra.client().execute_command("CLUSTER", "MEET", "127.0.0.1", str(p1.port))
    wait_until(lambda: p1.port in c.topology(extra) and "handshake" not in c.topology(extra)[p1.port][0],
               timeout=20, step=0.1)
    extra.client().execute_command("CLUSTER", "REPLICATE", _myid(p1))
    c.wait_agree()
    c.write_keys()
    assert p1.client().execute_command("WAIT", 2, 15000) == 2

    c.kill(p1)
    replicas = _replicas(c, p1)
    assert len(replicas) == 2
    wait_until(lambda: any(_role(r) == "master" for r in replicas), timeout=30, step=0.1)
    winner = next(r for r in replicas if _role(r) == "master")
    other = next(r for r in replicas if r is not winner)
    wait_until(lambda: other.client().info("replication")["master_port"] == winner.port, timeout=20, step=0.1)
    p1 = c.restart(p1)
    wait_until(lambda: p1.client().info("replication").get("master_port") == winner.port, timeout=20, step=0.1)
    c.wait_agree()
    c.wait_ok()
    c.assert_keys()

    movers = _replicas(c, winner)
    assert sorted(n.port for n in movers) == sorted((other.port, p1.port))
    mover = min(movers, key=_myid)
    c.kill(c.replica_of(p2))
    wait_until(lambda: c.topology(mover)[mover.port][1] == p2.port, timeout=30, step=0.2)
    c.wait_agree()
    wait_until(lambda: mover.client().info("replication")["master_port"] == p2.port, timeout=10, step=0.1)


def _myid(node: ServerProcess) -> str:
    return _text(node.client().execute_command("CLUSTER", "MYID"))


def _replicas(c: Cluster, primary: ServerProcess) -> list[ServerProcess]:
    via = next(n for n in c.live() if n is not primary)
    return [c.by_port(port) for port, (f, m) in c.topology(via).items()
            if "slave" in f and m == primary.port and port not in c.dead]
