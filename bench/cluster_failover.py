"""How long a cluster takes to fail over: three primaries and three
replicas (``redis-cli --cluster create --cluster-replicas 1``), all radish
or all redis-server, the same ``cluster-node-timeout``; a primary is
killed (SIGKILL) and the time until its replica reports ``role:master``
and until every live node says ``cluster_state:ok`` is printed, for each
kind, over a few rounds.

    python bench/cluster_failover.py [--node-timeout 2000] [-r 3]

Nothing here is asserted; the figures go into issue notes.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_core import start  # noqa: E402
from cluster import cluster_port  # noqa: E402


def cli(*args: str, timeout: float = 60) -> str:
    return subprocess.run(["redis-cli", *args], capture_output=True, text=True, timeout=timeout).stdout


def start_node(kind: str, node_timeout: int) -> tuple[subprocess.Popen, int]:
    p, port = start(kind, "0-%d" % ((os.cpu_count() or 1) - 1), ["--cluster-enabled", "yes", "--cluster-node-timeout",
                    str(node_timeout), "--repl-diskless-sync-delay", "0"], cluster_port())  # fmt: skip
    return p, port


def one_round(kind: str, node_timeout: int) -> tuple[float, float]:
    nodes = [start_node(kind, node_timeout) for _ in range(6)]
    try:
        cli("--cluster", "create", *["127.0.0.1:%d" % port for _p, port in nodes], "--cluster-replicas", "1",
            "--cluster-yes", timeout=120)  # fmt: skip
        deadline = time.time() + 60
        while time.time() < deadline:
            if all("cluster_state:ok" in cli("-p", str(port), "cluster", "info") for _p, port in nodes):
                break
            time.sleep(0.1)
        time.sleep(2 * node_timeout / 1000)  # replicas synced, gossip settled
        victim_proc, victim_port = next((p, port) for p, port in nodes
                                        if "role:master" in cli("-p", str(port), "info", "replication"))  # fmt: skip
        myid = cli("-p", str(victim_port), "cluster", "myid").strip()
        replica_port = next(port for _p, port in nodes
                            if port != victim_port and ("master_port:%d" % victim_port) in cli("-p", str(port), "info", "replication"))  # fmt: skip
        assert myid
        t0 = time.time()
        victim_proc.kill()
        promoted = ok = 0.0
        while time.time() - t0 < 60:
            if not promoted and "role:master" in cli("-p", str(replica_port), "info", "replication"):
                promoted = time.time() - t0
            if promoted and all("cluster_state:ok" in cli("-p", str(port), "cluster", "info")
                                for _p, port in nodes if port != victim_port):  # fmt: skip
                ok = time.time() - t0
                break
            time.sleep(0.05)
        return promoted, ok
    finally:
        for p, _port in nodes:
            p.kill()
            p.wait()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--node-timeout", type=int, default=2000)
    ap.add_argument("-r", type=int, default=3, help="rounds per kind")
    a = ap.parse_args()
    print("load average at start: %.2f %.2f %.2f" % os.getloadavg())
    print("node timeout %d ms; seconds from SIGKILL of a primary" % a.node_timeout)
    print("%-7s %-6s %14s %18s" % ("kind", "round", "replica primary", "cluster_state ok"))
    for r in range(a.r):
        for kind in ("radish", "redis"):
            promoted, ok = one_round(kind, a.node_timeout)
            print("%-7s %-6d %14.2f %18.2f" % (kind, r + 1, promoted, ok))
    print("load average at end: %.2f %.2f %.2f" % os.getloadavg())


if __name__ == "__main__":
    main()
