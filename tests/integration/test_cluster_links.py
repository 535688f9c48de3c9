"""The cluster bus's links under a peer that stops reading: with
``cluster-link-sendbuf-limit`` set, a link whose send buffer grows past it
is freed (and counted in CLUSTER INFO), as Redis's clusterCron does; the
link is made again once the peer reads, and the cluster is whole."""

from __future__ import annotations

import os
import signal
import time

from tests.integration.test_cluster import _info, _myid, make_cluster  # noqa: F401 - fixture
from tests.support.servers import wait_until


def _links_to(node, peer_id: str) -> list[dict]:
    out = []
    for link in node.client().execute_command("CLUSTER", "LINKS"):
        d = dict(zip(link[::2], link[1::2], strict=True)) if isinstance(link, list) else link
        d = {(k.decode() if isinstance(k, bytes) else k): v for k, v in d.items()}
        node_id = d["node"].decode() if isinstance(d["node"], bytes) else d["node"]
        if node_id == peer_id:
            out.append(d)
    return out


def test_a_link_over_its_send_buffer_limit_is_freed(make_cluster):  # noqa: F811 - the fixture
    a, b, c = make_cluster("radish", "radish", "redis")
    a.client().config_set("cluster-link-sendbuf-limit", "1mb")
    b_id = _myid(b)
    os.kill(b.proc.pid, signal.SIGSTOP)
    try:
        payload = "x" * 100_000
        deadline = time.time() + 30
        # PUBLISH goes to every node over the bus; b reads none of it.
        while int(_info(a)["total_cluster_links_buffer_limit_exceeded"]) == 0 and time.time() < deadline:
            for _ in range(20):
                a.client().publish("flood", payload)
            time.sleep(0.1)
        assert int(_info(a)["total_cluster_links_buffer_limit_exceeded"]) >= 1
        assert a.client().info("memory")["mem_cluster_links"] < 64 * 1024 * 1024
    finally:
        os.kill(b.proc.pid, signal.SIGCONT)
    # b reads again: the links come back and the cluster is whole.
    wait_until(lambda: any(link["direction"] in (b"to", "to") for link in _links_to(a, b_id)), timeout=30)
    for n in (a, b, c):
        wait_until(lambda n=n: _info(n)["cluster_state"] == "ok", timeout=30)
    assert a.client().info("clients")["cluster_connections"] == 4
