"""Side-by-side throughput of radish and redis-server.

Starts both servers (each pinned to the same core when ``taskset`` exists,
the benchmark client on the other), runs ``redis-benchmark`` against each in
the same run, and prints requests/s, the radish/redis ratio per test, and
each server's CPU seconds per million requests (from /proc/PID/stat).

    python bench/bench_core.py                      # defaults of the core issue
    python bench/bench_core.py -t lpush,rpop -n 100000 -P 1 16 -r 5
    python bench/bench_core.py -t "" --command "PFADD hll __rand_int__" \
        --command "PFCOUNT hll" --random-keys 100000   # any command line
    python bench/bench_core.py -t "" --command "XADD s * f v" --command "XRANGE s - + COUNT 10"

``--command`` (repeatable) runs any command through redis-benchmark, after
the ``-t`` tests and in the order given, so a read finds what the writes
before it stored.

    python bench/bench_core.py --default-set        # redis-benchmark's default tests
    python bench/bench_core.py --quick              # the same, ~2 minutes: -n 20000, one round
    python bench/bench_core.py -t set,incr --replica  # each primary with a replica of its kind attached

Pipelined runs (P > 1) send ``--pipelined-n`` requests (default 4 x -n), so
they last long enough for the CPU figure (read in 10 ms ticks) to be
steady. An LRANGE_N test is measured alone: the list is filled first (an
unmeasured LPUSH run), then ``LRANGE mylist 0 N-1`` is timed, the command
redis-benchmark's own lrange_N test sends, without its LPUSH phase in the
CPU figure.

Nothing here is asserted; the figures go into issue notes.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 20) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("port %d did not open" % port)


def wait_online(port: int, timeout: float = 30) -> None:
    """Until the server on ``port`` reports one replica online."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        out = subprocess.run(["redis-cli", "-p", str(port), "INFO", "replication"], capture_output=True, text=True).stdout
        if "connected_slaves:1" in out and "state=online" in out:
            return
        time.sleep(0.2)
    raise RuntimeError("no replica came online on port %d" % port)


def cpu_seconds(pid: int) -> float:
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def pin(core: str) -> list[str]:
    return ["taskset", "-c", core] if shutil.which("taskset") and os.cpu_count() and os.cpu_count() > 1 else []


def start(kind: str, core: str, extra: list[str] | None = None, port: int | None = None) -> tuple[subprocess.Popen, int]:
    port = port or free_port()
    d = tempfile.mkdtemp(prefix="bench-%s-" % kind)
    if kind == "radish":
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        argv = [sys.executable, "-m", "radish"]
    else:
        env = None
        argv = [shutil.which("redis-server") or "redis-server"]
    argv += ["--port", str(port), "--save", "", "--appendonly", "no", "--dir", d] + (extra or [])
    p = subprocess.Popen(pin(core) + argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=d)
    wait_port(port)
    return p, port


def run_benchmark(port: int, test: str, n: int, clients: int, pipeline: int, core: str, random_keys: int = 0,
                  auth: list[str] | None = None) -> dict[str, float]:  # fmt: skip
    """One redis-benchmark run: ``test`` is a -t test name, or a whole
    command line (it has a space) that redis-benchmark sends as given
    (``__rand_int__`` replaced when ``random_keys`` is set: its -r);
    ``auth``: redis-benchmark's --user/-a arguments."""
    argv = pin(core) + ["redis-benchmark", "-p", str(port), "-n", str(n), "-c", str(clients), "-P", str(pipeline), "--csv", "-q"]
    argv += auth or []
    if random_keys:
        argv += ["-r", str(random_keys)]
    argv += test.split() if " " in test else ["-t", test]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=1800).stdout
    res: dict[str, float] = {}
    for row in csv.reader(io.StringIO(out)):
        if len(row) >= 2 and row[0] != "test":
            try:
                res[row[0]] = float(row[1])
            except ValueError:
                pass
    return res


# redis-benchmark's default tests (what it runs without -t), in its order.
DEFAULT_SET = (
    "ping_inline,ping_mbulk,set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,"
    "lrange_100,lrange_300,lrange_500,lrange_600,mset"
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-t", default="ping,set,get,incr,mset")
    ap.add_argument("--default-set", action="store_true", help="-t with redis-benchmark's default tests")
    ap.add_argument("--quick", action="store_true", help="the default set, -n 20000, one round (about two minutes)")
    ap.add_argument("-n", type=int, default=200000)
    ap.add_argument("--pipelined-n", type=int, default=0, help="requests per run at P > 1 (default 4 x -n)")
    ap.add_argument("-c", type=int, default=50)
    ap.add_argument("-P", type=int, nargs="+", default=[1, 16])
    ap.add_argument("-r", "--rounds", type=int, default=3, help="runs per test and server, alternating; the median is reported")
    ap.add_argument("--command", action="append", default=[], help="a command line to benchmark as given, e.g. 'PFADD hll __rand_int__' (repeatable)")
    ap.add_argument("--random-keys", type=int, default=0, help="redis-benchmark -r: range of __rand_int__")
    ap.add_argument("--server-args", default="", help="extra arguments for both servers, e.g. '--appendonly yes'")
    ap.add_argument("--replica", action="store_true",
                    help="attach a replica (of the same kind, on the client's core) to each server before the runs")
    ap.add_argument("--acl-user", default="", help="run as an ACL user with these rules, e.g. '~key:* +@all' (redis-benchmark's keys are key:…)")
    a = ap.parse_args()
    if a.quick:
        a.default_set = True
        a.n, a.rounds = 20000, 1
    if a.default_set:
        a.t = DEFAULT_SET
    if not shutil.which("redis-benchmark") or not shutil.which("redis-server"):
        sys.exit("redis-server and redis-benchmark are needed (apt-get install redis-server redis-tools)")
    server_core, client_core = "1", "0"
    procs = {}
    replicas: dict[str, tuple[subprocess.Popen, int]] = {}
    try:
        for kind in ("radish", "redis"):
            procs[kind] = start(kind, server_core, a.server_args.split())
        if a.replica:
            for kind in ("radish", "redis"):
                replicas[kind] = start(kind, client_core, ["--replicaof", "127.0.0.1", str(procs[kind][1])])
                wait_online(procs[kind][1])
            print("replicas attached: %s" % ", ".join("%s on port %d" % (k, v[1]) for k, v in replicas.items()))
        auth: list[str] = []
        if a.acl_user:
            for _p, port in procs.values():
                rules = ["on", ">bench", *a.acl_user.split()]
                subprocess.run(["redis-cli", "-p", str(port), "ACL", "SETUSER", "bench", *rules], check=True, capture_output=True)
            auth = ["--user", "bench", "-a", "bench"]
        print("load average at start: %.2f %.2f %.2f" % os.getloadavg())
        # Machines share their cores with neighbours: alternate the two
        # servers and report each one's median run.
        runs: dict[tuple[int, str], dict[str, list[tuple[float, float]]]] = {}
        for pipeline in a.P:
            n = a.n if pipeline == 1 else a.pipelined_n or 4 * a.n
            for test in [t for t in a.t.split(",") if t] + a.command:
                label = None
                if test.lower().startswith("lrange_"):
                    count = int(test.split("_", 1)[1])
                    label, test = "LRANGE_%d" % count, "LRANGE mylist 0 %d" % (count - 1)
                for _ in range(a.rounds):
                    for kind in ("radish", "redis"):
                        p, port = procs[kind]
                        if label is not None:  # the list to read, not measured
                            run_benchmark(port, "lpush", max(1000, a.n // 10), a.c, 16, client_core, 0, auth)
                        before = cpu_seconds(p.pid)
                        r = run_benchmark(port, test, n, a.c, pipeline, client_core, a.random_keys, auth)
                        used = cpu_seconds(p.pid) - before
                        for name, rps in r.items():
                            runs.setdefault((pipeline, label or name), {}).setdefault(kind, []).append((rps, used / n * 1e6))
        results = {key: {kind: sorted(v)[len(v) // 2] for kind, v in per.items()} for key, per in runs.items()}
        print("%-28s %4s %12s %12s %7s %14s %14s %9s" % ("test", "P", "radish rps", "redis rps", "ratio", "radish cpu-s/M", "redis cpu-s/M", "cpu ratio"))
        for (pipeline, name), v in results.items():
            if "radish" in v and "redis" in v:
                (ra, rc), (re_, ec) = v["radish"], v["redis"]
                print("%-28s %4d %12.0f %12.0f %7.2f %14.2f %14.2f %9.2f" % (name, pipeline, ra, re_, ra / re_ if re_ else 0, rc, ec, rc / ec if ec else 0))
        print("load average at end: %.2f %.2f %.2f" % os.getloadavg())
    finally:
        for p, _ in list(procs.values()) + list(replicas.values()):
            p.terminate()
            p.wait(10)


if __name__ == "__main__":
    main()
