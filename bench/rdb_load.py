"""RDB load speed: radish vs redis-server loading the same file.

A redis-server fills ``--keys`` small string keys (DEBUG POPULATE: key:N ->
value:N) and SAVEs; then each server is started on its own copy of that
file and its "DB loaded from disk: X seconds" log line is read (both print
it, timed around the load alone). Also prints the time from process start
until the server answers DBSIZE, which includes interpreter start-up for
radish.

    python bench/rdb_load.py                # 1,000,000 keys
    python bench/rdb_load.py --keys 200000 --runs 3

Nothing here is asserted; the figures go into issue notes.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_core import free_port

ROOT = Path(__file__).resolve().parent.parent


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited with %s" % proc.returncode)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.01)
    raise RuntimeError("port %d did not open" % port)


def redis_cli(port: int, *args: str) -> str:
    return subprocess.run(
        ["redis-cli", "-p", str(port), *args], capture_output=True, text=True, check=True, timeout=600
    ).stdout.strip()


def make_file(keys: int) -> str:
    workdir = tempfile.mkdtemp(prefix="rdb-bench-src-")
    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--dir", workdir, "--save", "", "--enable-debug-command", "yes"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_port(port, proc)
        redis_cli(port, "DEBUG", "POPULATE", str(keys))
        redis_cli(port, "SAVE")
    finally:
        proc.terminate()
        proc.wait()
    return os.path.join(workdir, "dump.rdb")


def timed_load(argv_for, rdb: str, keys: int) -> tuple[float, float]:
    """(seconds the server reports for the load, seconds until the port
    answers) for one server started on a copy of ``rdb``."""
    workdir = tempfile.mkdtemp(prefix="rdb-bench-")
    shutil.copy(rdb, os.path.join(workdir, "dump.rdb"))
    port = free_port()
    log = os.path.join(workdir, "server.log")
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    start = time.perf_counter()
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv_for(port, workdir), stdout=out, stderr=subprocess.STDOUT, cwd=workdir, env=env)
        try:
            wait_port(port, proc)
            while True:  # redis-server answers LOADING while it loads
                reply = redis_cli(port, "DBSIZE")
                if not reply.startswith("LOADING"):
                    break
                time.sleep(0.01)
            ready = time.perf_counter() - start
            got = int(reply)
            if got != keys:
                raise RuntimeError("loaded %d keys, expected %d" % (got, keys))
        finally:
            proc.terminate()
            proc.wait()
    with open(log, errors="replace") as f:
        m = re.search(r"DB loaded from disk: ([0-9.]+) seconds", f.read())
    shutil.rmtree(workdir, ignore_errors=True)
    if not m:
        raise RuntimeError("no 'DB loaded from disk' line in %s" % log)
    return float(m.group(1)), ready


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=1, help="best of N loads per server")
    args = ap.parse_args()
    if shutil.which("redis-server") is None:
        print("redis-server is not installed", file=sys.stderr)
        return 1
    rdb = make_file(args.keys)
    size = os.path.getsize(rdb)
    print("file: %d keys, %.1f MB" % (args.keys, size / 1e6))

    def redis_argv(port: int, workdir: str) -> list[str]:
        return ["redis-server", "--port", str(port), "--dir", workdir, "--save", ""]

    def radish_argv(port: int, workdir: str) -> list[str]:
        return [sys.executable, "-m", "radish", "--port", str(port), "--dir", workdir, "--save", ""]

    results = {}
    for name, argv_for in (("redis-server", redis_argv), ("radish", radish_argv)):
        runs = [timed_load(argv_for, rdb, args.keys) for _ in range(args.runs)]
        load = min(r[0] for r in runs)
        ready = min(r[1] for r in runs)
        results[name] = load
        rate = args.keys / load if load > 0 else float("inf")
        print("%-13s load %7.3f s  %12s keys/s  (start to ready %.2f s)" % (name, load, "{:,.0f}".format(rate), ready))
    ratio = results["redis-server"] / results["radish"] if results["radish"] else 0.0
    print("radish/redis load speed: %.3f (redis is %.1fx faster)" % (ratio, 1 / ratio if ratio else float("inf")))
    shutil.rmtree(os.path.dirname(rdb), ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
