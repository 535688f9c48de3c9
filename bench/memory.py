"""Memory per key: radish vs redis-server, the six workloads of the memory
issue and one big list, hash, set and sorted set (per element), side by
side in one run.

For each workload both servers start empty (as bench_core starts them),
the keys are loaded over one pipelined connection, and the RSS growth
(VmRSS before and after, after a short settle) divided by the number of
keys is printed for each server with the radish/redis ratio. INFO's
used_memory growth per key is printed too (radish counts it at the
allocator, Redis at jemalloc), and the load average at start and end.

    python bench/memory.py                 # the ten workloads
    python bench/memory.py --scale 0.1     # a tenth of the keys (quicker, less exact)
    python bench/memory.py --only hash,zset

Nothing here is asserted; the figures go into issue notes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import sys
import time

from bench_core import start
from bench_memory import encode, load, rss_kb

# name, keys, command per key (__rand__: the key's number, zero-padded to 12)
WORKLOADS = [
    ("string", 1_000_000, "SET key:__rand__ 0123456789abcdef"),
    ("string+ex", 100_000, "SET key:__rand__ 0123456789abcdef EX 3600"),
    ("hash", 100_000, "HSET key:__rand__ " + " ".join("field%d value%d" % (i, i) for i in range(10))),
    ("set", 100_000, "SADD key:__rand__ " + " ".join("member%d" % i for i in range(10))),
    ("zset", 100_000, "ZADD key:__rand__ " + " ".join("%d member%d" % (i, i) for i in range(10))),
    ("list", 100_000, "RPUSH key:__rand__ " + " ".join("item%d" % i for i in range(10))),
    # One big list: "keys" are its elements (12-byte strings), bytes per element.
    ("biglist", 1_000_000, "RPUSH biglist __rand__"),
    # One big hash, set and sorted set: bytes per field / member.
    ("bighash", 1_000_000, "HSET bighash field:__rand__ value:__rand__"),
    ("bigset", 1_000_000, "SADD bigset member:__rand__"),
    ("bigzset", 1_000_000, "ZADD bigzset __rand__ member:__rand__"),
]


def used_memory(port: int) -> int:
    """INFO's used_memory."""
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(encode([b"INFO", b"memory"]))
        buf = s.recv(1 << 16)
        n = int(buf[1 : buf.index(b"\r\n")])
        while len(buf) < buf.index(b"\r\n") + 2 + n:
            buf += s.recv(1 << 16)
    for line in buf.split(b"\r\n"):
        if line.startswith(b"used_memory:"):
            return int(line.split(b":")[1])
    return 0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0, help="fraction of each workload's keys")
    ap.add_argument("--only", default="", help="comma-separated workload names")
    ap.add_argument("--batch", type=int, default=1000)
    a = ap.parse_args()
    if not shutil.which("redis-server"):
        sys.exit("redis-server is needed")
    only = set(filter(None, a.only.split(",")))
    print("load average at start: %.2f %.2f %.2f" % os.getloadavg())
    print("%-10s %9s %12s %12s %7s %14s %14s" % ("workload", "keys", "redis B/key", "radish B/key", "ratio", "redis used/key", "radish used/key"))
    for name, keys, command in WORKLOADS:
        if only and name not in only:
            continue
        n = max(1000, int(keys * a.scale))
        argv = [x.encode() for x in command.split()]
        per = {}
        used = {}
        for kind in ("redis", "radish"):
            p, port = start(kind, "1", [])
            try:
                time.sleep(0.5)
                before = rss_kb(p.pid)
                u0 = used_memory(port)
                load(port, argv, n, a.batch, b"%012d")
                time.sleep(0.5)
                per[kind] = (rss_kb(p.pid) - before) * 1024 / n
                used[kind] = (used_memory(port) - u0) / n
            finally:
                p.terminate()
                p.wait(10)
        print("%-10s %9d %12.0f %12.0f %7.2f %14.0f %14.0f" % (
            name, n, per["redis"], per["radish"], per["radish"] / per["redis"] if per["redis"] > 0 else float("nan"),
            used["redis"], used["radish"]))
    print("load average at end: %.2f %.2f %.2f" % os.getloadavg())


if __name__ == "__main__":
    main()
