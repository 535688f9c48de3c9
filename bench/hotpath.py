"""In-process cost of the request path: parse -> dispatch -> encode.

Feeds a pipelined buffer (as redis-benchmark -P N sends it) straight into
``ClientConnection.data_received`` with a fake transport, and prints the
Python time per command (``__rand_int__`` replaced as redis-benchmark's
``-r 100000`` does). No sockets, so it shows only radish's own cost;
``--profile`` runs it under cProfile.

    PYTHONPATH=src python bench/hotpath.py [-P 16] [-n 200000] [--profile] [--server-args "..."]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from radish.config import load_server_config  # noqa: E402
from radish.net.connection import ClientConnection  # noqa: E402
from radish.protocol.resp import encode_command  # noqa: E402
from radish.server import Server  # noqa: E402


class FakeTransport:
    def __init__(self):
        self.n = 0

    def write(self, data):
        self.n += len(data)

    def get_extra_info(self, name, default=None):
        return default

    def is_closing(self):
        return False

    def pause_reading(self):
        pass

    def resume_reading(self):
        pass

    def close(self):
        pass

    def abort(self):
        pass


TESTS = {
    "PING_INLINE": lambda i: b"PING\r\n",
    "PING_MBULK": lambda i: encode_command([b"PING"]),
    "SET": lambda i: encode_command([b"SET", b"key:__rand_int__", b"xxx"]),
    "GET": lambda i: encode_command([b"GET", b"key:__rand_int__"]),
    "INCR": lambda i: encode_command([b"INCR", b"counter:__rand_int__"]),
    "MSET": lambda i: encode_command([b"MSET"] + [b"key:__rand_int__", b"xxx"] * 10),
    # redis-benchmark's list tests (one list, filled by the pushes before the pops)
    "LPUSH": lambda i: encode_command([b"LPUSH", b"mylist", b"xxx"]),
    "RPUSH": lambda i: encode_command([b"RPUSH", b"mylist", b"xxx"]),
    "LPOP": lambda i: encode_command([b"LPOP", b"mylist"]),
    "RPOP": lambda i: encode_command([b"RPOP", b"mylist"]),
    "LRANGE_100": lambda i: encode_command([b"LRANGE", b"mylist", b"0", b"99"]),
    "SPOP": lambda i: encode_command([b"SPOP", b"myset"]),
    "SADD": lambda i: encode_command([b"SADD", b"myset", b"element:__rand_int__"]),
    "HSET": lambda i: encode_command([b"HSET", b"myhash", b"element:__rand_int__", b"xxx"]),
    # redis-benchmark's score is __rand_int__ with -r, else 0
    "ZADD": lambda i: encode_command([b"ZADD", b"myzset", b"__score__", b"element:__rand_int__"]),
    "ZPOPMIN": lambda i: encode_command([b"ZPOPMIN", b"myzset"]),
    "PFADD": lambda i: encode_command([b"PFADD", b"hll", b"__rand_int__"]),
    "PFCOUNT": lambda i: encode_command([b"PFCOUNT", b"hll"]),
    "XADD": lambda i: encode_command([b"XADD", b"mystream", b"*", b"field", b"__rand_int__"]),
    "XRANGE": lambda i: encode_command([b"XRANGE", b"mystream", b"-", b"+", b"COUNT", b"10"]),
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-P", type=int, default=16)
    ap.add_argument("-n", type=int, default=200000)
    ap.add_argument("-t", default="PING_INLINE,PING_MBULK,SET,GET,INCR,MSET")
    ap.add_argument("-r", type=int, default=5, help="repetitions (the best is printed)")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--server-args", default="", help='more server arguments, e.g. "--latency-tracking no"')
    ap.add_argument("--fixed", action="store_true",
                    help="leave __rand_int__ as it is, as redis-benchmark without -r sends it (bench_core's runs)")
    a = ap.parse_args()
    d = tempfile.mkdtemp()
    server = Server(load_server_config(["--dir", d, "--save", ""] + a.server_args.split()))
    conn = ClientConnection(server)
    conn.connection_made(FakeTransport())
    rng = random.Random(1)
    for name in a.t.split(","):
        # As redis-benchmark -r 100000: each __rand_int__ a 12-digit number
        # below 100000 (1024 different buffers, cycled).
        bufs = [
            b"".join(
                TESTS[name](i).replace(b"$9\r\n__score__", b"$1\r\n0")
                if a.fixed
                else TESTS[name](i).replace(b"$9\r\n__score__", b"$12\r\n__rand_int__").replace(b"__rand_int__", b"%012d" % rng.randrange(100000))
                for i in range(a.P)
            )
            for _ in range(1024)
        ]
        rounds = a.n // a.P

        def run(bufs=bufs, rounds=rounds):
            dr = conn.data_received
            for k in range(rounds):
                dr(bufs[k & 1023])

        if a.profile:
            import cProfile
            import pstats

            cProfile.runctx("run()", globals(), locals(), "/tmp/hotpath.prof")
            pstats.Stats("/tmp/hotpath.prof").sort_stats("tottime").print_stats(15)
            continue
        el = float("inf")
        for _ in range(a.r):
            t = time.perf_counter()
            run()
            el = min(el, time.perf_counter() - t)
        print("%-12s P%-3d %6.2f us/cmd  %8.0f cmd/s" % (name, a.P, el / (rounds * a.P) * 1e6, rounds * a.P / el))


if __name__ == "__main__":
    main()
