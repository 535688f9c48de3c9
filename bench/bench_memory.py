"""Memory of one big value: radish vs redis-server, side by side.

Starts both servers (as bench_core does), loads N copies of one command
(default ``XADD s * f v``) into each over one connection, pipelined in
batches, and prints each server's RSS growth (VmRSS from /proc, before and
after the load, after a short settle), bytes per command, and the
radish/redis ratio, with the load average at start and end. The ratio of
the RSS after the load (baselines included: radish's interpreter and
modules are ~35 MB before any data, redis-server's ~12 MB) is printed too.
A small N understates radish's growth: the Python heap reuses pages that
start-up already made resident.

    python bench/bench_memory.py                          # 1M x XADD s * f v
    python bench/bench_memory.py -n 200000
    python bench/bench_memory.py --command "HSET h __rand__ v"   # __rand__: a counter

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


def rss_kb(pid: int) -> int:
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS for %d" % pid)


def encode(args: list[bytes]) -> bytes:
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%b\r\n" % (len(a), a) for a in args)


def load(port: int, argv: list[bytes], n: int, batch: int, fmt: bytes = b"%d") -> None:
    """Send ``argv`` n times (``__rand__`` replaced by the command's number,
    formatted with ``fmt``), ``batch`` commands per write, reading every
    reply before the next batch."""
    sock = socket.create_connection(("127.0.0.1", port))
    try:
        counted = any(b"__rand__" in a for a in argv)
        fixed = encode(argv)
        sent = 0
        while sent < n:
            k = min(batch, n - sent)
            if counted:
                data = b"".join(encode([a.replace(b"__rand__", fmt % (sent + j)) for a in argv]) for j in range(k))
            else:
                data = fixed * k
            sock.sendall(data)
            sent += k
            lines = 0
            buf = b""
            while lines < k:  # every reply of these commands is one line or one bulk
                chunk = sock.recv(1 << 20)
                if not chunk:
                    raise RuntimeError("connection closed")
                buf += chunk
                lines = _replies(buf)
            if b"-" in buf[:1] or b"\r\n-" in buf:
                raise RuntimeError("error reply: %r" % buf[:200])
    finally:
        sock.close()


def _replies(buf: bytes) -> int:
    """How many complete simple replies (+, -, :, $) ``buf`` holds."""
    n = 0
    p = 0
    end = len(buf)
    while p < end:
        nl = buf.find(b"\r\n", p)
        if nl < 0:
            break
        if buf[p] == 36:  # $len
            ln = int(buf[p + 1 : nl])
            if ln < 0:
                p = nl + 2
            else:
                if nl + 2 + ln + 2 > end:
                    break
                p = nl + 2 + ln + 2
        else:
            p = nl + 2
        n += 1
    return n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=1000000)
    ap.add_argument("--command", default="XADD s * f v")
    ap.add_argument("--batch", type=int, default=1000, help="commands per pipelined write")
    ap.add_argument("--server-args", default="", help="extra arguments for both servers")
    a = ap.parse_args()
    if not shutil.which("redis-server"):
        sys.exit("redis-server is needed")
    argv = [x.encode() for x in a.command.split()]
    procs = {}
    try:
        for kind in ("radish", "redis"):
            procs[kind] = start(kind, "1", a.server_args.split())
        print("command: %s  x %d, %d per pipelined write" % (a.command, a.n, a.batch))
        print("load average at start: %.2f %.2f %.2f" % os.getloadavg())
        growth = {}
        total = {}
        for kind in ("radish", "redis"):
            p, port = procs[kind]
            time.sleep(0.5)
            before = rss_kb(p.pid)
            t0 = time.time()
            load(port, argv, a.n, a.batch)
            took = time.time() - t0
            time.sleep(0.5)
            after = rss_kb(p.pid)
            growth[kind] = after - before
            total[kind] = after
            print("%-7s RSS before %8d kB  after %8d kB  growth %8d kB  %6.1f bytes/command  (load took %.1f s)" % (kind, before, after, after - before, (after - before) * 1024 / a.n, took))
        if growth["redis"] > 0:
            print("RSS growth ratio radish/redis: %.2f" % (growth["radish"] / growth["redis"]))
        print("RSS after ratio radish/redis: %.2f (each server's empty baseline included)" % (total["radish"] / total["redis"]))
        print("load average at end: %.2f %.2f %.2f" % os.getloadavg())
    finally:
        for p, _ in procs.values():
            p.terminate()
            p.wait(10)


if __name__ == "__main__":
    main()
