"""Lists, hashes and sets: radish vs redis-server throughput, side by side.

Starts radish (``python -m radish --port P --save ''``) and redis-server,
each pinned to the same core when ``taskset`` exists (the benchmark client
on another), then runs, against each in turn,

    redis-benchmark -t lpush,rpush,lpop,rpop,sadd,hset,spop,lrange_100 \\
                    -n 100000 -c 50 -q        (and again with -P 16)

and prints requests/s for both and the radish/redis ratio per test. The
tests run in one redis-benchmark invocation per server, in redis-benchmark's
own order, so SPOP finds the set SADD filled and LRANGE its list.

    python bench/bench_types.py
    python bench/bench_types.py -n 200000 -P 1 16 64

Nothing here is asserted; the figures go into issue notes.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys

from bench_core import run_benchmark, start

TESTS = "lpush,rpush,lpop,rpop,sadd,hset,spop,lrange_100"


def flushall(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"*1\r\n$8\r\nFLUSHALL\r\n")
        s.recv(100)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-t", default=TESTS)
    ap.add_argument("-n", type=int, default=100000)
    ap.add_argument("-c", type=int, default=50)
    ap.add_argument("-P", type=int, nargs="+", default=[1, 16])
    a = ap.parse_args()
    if not shutil.which("redis-benchmark") or not shutil.which("redis-server"):
        sys.exit("redis-server and redis-benchmark are needed (apt-get install redis-server redis-tools)")
    server_core, client_core = "1", "0"
    procs: dict[str, tuple[subprocess.Popen, int]] = {}
    try:
        for kind in ("radish", "redis"):
            procs[kind] = start(kind, server_core)
        print("%-40s %4s %12s %12s %7s" % ("test", "P", "radish rps", "redis rps", "ratio"))
        for pipeline in a.P:
            results: dict[str, dict[str, float]] = {}
            for kind in ("radish", "redis"):
                port = procs[kind][1]
                flushall(port)
                for name, rps in run_benchmark(port, a.t, a.n, a.c, pipeline, client_core).items():
                    results.setdefault(name, {})[kind] = rps
            for name, v in results.items():
                ours, theirs = v.get("radish", 0.0), v.get("redis", 0.0)
                ratio = ours / theirs if theirs else 0.0
                print("%-40s %4d %12.0f %12.0f %7.2f" % (name, pipeline, ours, theirs, ratio))
    finally:
        for p, _ in procs.values():
            p.terminate()
            p.wait(10)


if __name__ == "__main__":
    main()
