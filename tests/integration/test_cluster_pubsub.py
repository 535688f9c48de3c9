"""Pub/Sub across a cluster of radish primaries and redis-server replicas:
PUBLISH on any node reaches the subscribers of every node (the cluster
bus's PUBLISH message, both ways between radish and redis-server), and
SPUBLISH reaches the subscribers of the shard that owns the channel's slot
(PUBLISHSHARD to the primary's replicas)."""

from __future__ import annotations

import time

from tests.integration.test_cluster_failover import make_cluster  # noqa: F401 - fixture
from tests.support.servers import wait_until

from radish.db.slots import key_hash_slot


def _listen(node, *, shard: str | None = None, channel: str | None = None):
    p = node.client().pubsub()
    if shard is not None:
        p.ssubscribe(shard)
    else:
        p.subscribe(channel)
    wait_until(lambda: p.get_message(timeout=0.1) is not None)  # the confirmation
    return p


def _messages(p, want: int, timeout: float = 10) -> list[bytes]:
    got: list[bytes] = []
    deadline = time.time() + timeout
    while len(got) < want and time.time() < deadline:
        m = p.get_message(timeout=0.2)
        if m is not None and m["type"] in ("message", "smessage"):
            got.append(m["data"])
    return got


def test_publish_and_spublish_cross_radish_and_redis_nodes(make_cluster):  # noqa: F811 - the fixture
    c = make_cluster("radish", "radish", "radish", "redis", "redis", "redis")
    subs = [_listen(n, channel="news") for n in c.nodes]
    try:
        radish_primary = c.primaries()[0]
        redis_replica = c.replica_of(radish_primary)
        assert radish_primary.client().publish("news", "from radish") == 1  # its own subscriber
        assert redis_replica.client().publish("news", "from redis") == 1
        for p in subs:
            assert sorted(_messages(p, 2)) == [b"from radish", b"from redis"]
    finally:
        for p in subs:
            p.close()
    # A shard channel owned by a radish primary: its redis-server replica's
    # subscriber hears SPUBLISH too.
    owner = radish_primary
    owned = _owned_slots(owner)
    channel = next(ch for ch in ("{s%d}c" % i for i in range(10000)) if key_hash_slot(ch.encode()) in owned)
    replica = c.replica_of(owner)
    subs = [_listen(owner, shard=channel), _listen(replica, shard=channel)]
    try:
        assert owner.client().execute_command("SPUBLISH", channel, "sharded") == 1
        for p in subs:
            assert _messages(p, 1) == [b"sharded"]
    finally:
        for p in subs:
            p.close()


def _owned_slots(node) -> set[int]:
    myid = node.client().execute_command("CLUSTER", "MYID")
    myid = myid.decode() if isinstance(myid, bytes) else myid
    out: set[int] = set()
    for lo, hi, *nodes in node.client().execute_command("CLUSTER", "SLOTS"):
        nid = nodes[0][2]
        if (nid.decode() if isinstance(nid, bytes) else nid) == myid:
            out.update(range(lo, hi + 1))
    return out
