"""The rest of ``redis-cli --cluster``'s management on a cluster of radish
and redis-server nodes: add-node (as a primary and as a replica),
rebalance onto the empty primary and off it again (weight 0), del-node,
and fix of a slot left open by an interrupted migration; the keys written
first are all there at the end and ``--cluster check`` is clean."""

from __future__ import annotations

from tests.integration.test_cluster import _check, _cli, _cluster_client, _info, _myid, make_cluster  # noqa: F401
from tests.support.cluster import start_cluster_node
from tests.support.servers import wait_until

KEYS = ["key:%d" % i for i in range(300)]


def _read_all(node) -> list:
    rc = _cluster_client(node)
    try:
        return [rc.get(k) for k in KEYS]
    finally:
        rc.close()


def _known_everywhere(nodes, count: int) -> bool:
    return all(int(_info(n)["cluster_known_nodes"]) == count and _info(n)["cluster_state"] == "ok" for n in nodes)


def test_add_rebalance_fix_and_del_nodes(make_cluster):  # noqa: F811 - the fixture
    nodes = make_cluster("radish", "redis", "radish")
    rc = _cluster_client(nodes[0])
    try:
        for k in KEYS:
            rc.set(k, "v" + k)
    finally:
        rc.close()
    want = [("v" + k).encode() for k in KEYS]
    new = start_cluster_node("radish")
    replica = start_cluster_node("redis")
    try:
        # add-node: an empty primary, then a replica of it.
        r = _cli("--cluster", "add-node", "127.0.0.1:%d" % new.port, "127.0.0.1:%d" % nodes[1].port)
        assert r.returncode == 0, r.stdout + r.stderr
        wait_until(lambda: _known_everywhere([*nodes, new], 4), timeout=30)
        r = _cli("--cluster", "add-node", "127.0.0.1:%d" % replica.port, "127.0.0.1:%d" % nodes[0].port,
                 "--cluster-slave", "--cluster-master-id", _myid(new))
        assert r.returncode == 0, r.stdout + r.stderr
        wait_until(lambda: _info(replica)["cluster_known_nodes"] == "5", timeout=30)
        wait_until(lambda: replica.client().info("replication").get("master_port") == new.port, timeout=30)
        # rebalance onto the empty primary (a small weight: a few hundred
        # slots move, not a quarter of them).
        r = _cli("--cluster", "rebalance", "127.0.0.1:%d" % nodes[0].port, "--cluster-use-empty-masters",
                 "--cluster-weight", "%s=0.05" % _myid(new), "--cluster-threshold", "1", timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
        assert new.client().dbsize() > 0
        _check(nodes[0])
        assert _read_all(replica) == want
        # fix: a migration left half done (MIGRATING on the owner only).
        slot = _first_slot_of(nodes[2])
        nodes[2].client().execute_command("CLUSTER", "SETSLOT", slot, "MIGRATING", _myid(nodes[1]))
        r = _cli("--cluster", "check", "127.0.0.1:%d" % nodes[0].port)
        assert "open slot" in r.stdout.lower()
        r = _cli("--cluster", "fix", "127.0.0.1:%d" % nodes[0].port, "--cluster-yes", timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
        _check(nodes[0])
        # Off again (weight 0), then del-node of both new nodes.
        r = _cli("--cluster", "rebalance", "127.0.0.1:%d" % nodes[0].port, "--cluster-weight",
                 "%s=0" % _myid(new), timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
        assert new.client().dbsize() == 0
        for gone in (replica, new):
            r = _cli("--cluster", "del-node", "127.0.0.1:%d" % nodes[0].port, _myid(gone))
            assert r.returncode == 0, r.stdout + r.stderr
        wait_until(lambda: _known_everywhere(nodes, 3), timeout=30)
        _check(nodes[0])
        assert _read_all(nodes[1]) == want
    finally:
        new.stop()
        replica.stop()


def _first_slot_of(node) -> int:
    """The first slot ``node`` serves, as CLUSTER SLOTS says."""
    return min(lo for lo, _hi, primary, *_r in node.client().execute_command("CLUSTER", "SLOTS")
               if int(primary[1]) == node.port)  # fmt: skip
