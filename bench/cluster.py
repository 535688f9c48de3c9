"""What a local cluster of 1, 2, … nodes delivers: radish nodes beside the
same number of redis-server nodes, in the same run, driven by
``redis-benchmark --cluster``.

For each size N it starts N primaries (no replicas) with cluster mode on,
joins them with CLUSTER MEET, gives each an equal range of the 16384 slots
(CLUSTER ADDSLOTSRANGE; ``redis-cli --cluster create`` needs at least three
primaries), waits for ``cluster_state:ok``, and runs redis-benchmark's
cluster mode (keys spread over the slots with ``-r``; a single node gets
the plain mode, which redis-benchmark requires) for each test. Node i
is pinned to core i mod cores; the client is not pinned (with as many nodes
as cores it shares them). Prints requests/s of both and the ratio, and the
servers' CPU seconds per million requests (all nodes together).

    python bench/cluster.py                         # N = 1 2, SET and GET, -P 16
    python bench/cluster.py --nodes 1 2 3 -t set,get,incr -n 200000 -P 1 16 -r 3

Nothing here is asserted; the figures go into issue notes.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_core import cpu_seconds, free_port, start  # noqa: E402

SLOTS = 16384


def cluster_port() -> int:
    """A free port whose bus port (+10000) is free too."""
    while True:
        p = free_port()
        if p + 10000 <= 65535:
            try:
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", p + 10000))
            except OSError:
                continue
            return p


def cli(port: int, *args: str) -> str:
    return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, text=True, timeout=30).stdout


def start_cluster(kind: str, n: int) -> list[tuple[subprocess.Popen, int]]:
    cores = os.cpu_count() or 1
    nodes = []
    for i in range(n):
        nodes.append(start(kind, str(i % cores), ["--cluster-enabled", "yes", "--cluster-node-timeout", "5000"],
                           cluster_port()))  # fmt: skip
    first = nodes[0][1]
    for _p, port in nodes[1:]:
        cli(first, "CLUSTER", "MEET", "127.0.0.1", str(port))
    per = SLOTS // n
    for i, (_p, port) in enumerate(nodes):
        lo, hi = i * per, (SLOTS - 1 if i == n - 1 else (i + 1) * per - 1)
        cli(port, "CLUSTER", "ADDSLOTSRANGE", str(lo), str(hi))
    deadline = time.time() + 60
    while time.time() < deadline:
        if all("cluster_state:ok" in cli(port, "CLUSTER", "INFO") for _p, port in nodes):
            known = [cli(port, "CLUSTER", "NODES").count("\n") for _p, port in nodes]
            if all(k == n for k in known):
                return nodes
        time.sleep(0.2)
    stop(nodes)
    raise RuntimeError("%s cluster of %d did not reach cluster_state:ok" % (kind, n))


def stop(nodes) -> None:
    for p, _port in nodes:
        p.terminate()
    for p, _port in nodes:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()


def bench(port: int, nodes: int, test: str, n: int, clients: int, pipeline: int, random_keys: int) -> float:
    # redis-benchmark's cluster mode refuses a cluster of one node; that
    # node serves every slot, so the plain mode is the same workload.
    argv = ["redis-benchmark"] + (["--cluster"] if nodes > 1 else [])
    argv += ["-p", str(port), "-n", str(n), "-c", str(clients), "-P", str(pipeline), "-r", str(random_keys),
             "-t", test, "--csv", "-q"]  # fmt: skip
    out = subprocess.run(argv, capture_output=True, text=True, timeout=1800).stdout
    for line in out.splitlines():
        row = [f.strip('"') for f in line.split(",")]
        if len(row) >= 2 and row[0] != "test":
            try:
                return float(row[1])
            except ValueError:
                pass
    raise RuntimeError("no result from redis-benchmark: %r" % out[-500:])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, nargs="+", default=[1, 2])
    ap.add_argument("-t", default="set,get")
    ap.add_argument("-n", type=int, default=200000)
    ap.add_argument("-c", type=int, default=50)
    ap.add_argument("-P", type=int, nargs="+", default=[16])
    ap.add_argument("-r", type=int, default=1, help="rounds (alternating servers; the median is printed)")
    ap.add_argument("--random-keys", type=int, default=100000)
    a = ap.parse_args()
    print("load average at start: %.2f %.2f %.2f" % os.getloadavg())
    print("%-6s %-5s %-4s %12s %12s %7s %12s %12s" % ("nodes", "test", "P", "radish rps", "redis rps", "ratio",
                                                      "radish cpu/M", "redis cpu/M"))  # fmt: skip
    for n in a.nodes:
        clusters = {kind: start_cluster(kind, n) for kind in ("radish", "redis")}
        try:
            for pipeline in a.P:
                for test in a.t.split(","):
                    rps: dict[str, list[float]] = {"radish": [], "redis": []}
                    cpu: dict[str, list[float]] = {"radish": [], "redis": []}
                    for _ in range(a.r):
                        for kind, nodes in clusters.items():
                            before = sum(cpu_seconds(p.pid) for p, _port in nodes)
                            rps[kind].append(bench(nodes[0][1], n, test, a.n, a.c, pipeline, a.random_keys))
                            used = sum(cpu_seconds(p.pid) for p, _port in nodes) - before
                            cpu[kind].append(used / a.n * 1e6)
                    med = {k: sorted(v)[len(v) // 2] for k, v in rps.items()}
                    cmed = {k: sorted(v)[len(v) // 2] for k, v in cpu.items()}
                    print("%-6d %-5s %-4d %12.0f %12.0f %7.2f %12.2f %12.2f" % (
                        n, test.upper(), pipeline, med["radish"], med["redis"], med["radish"] / med["redis"],
                        cmed["radish"], cmed["redis"]))  # fmt: skip
        finally:
            for nodes in clusters.values():
                stop(nodes)
    print("load average at end: %.2f %.2f %.2f" % os.getloadavg())


if __name__ == "__main__":
    main()
