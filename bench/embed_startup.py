"""Start-up time of an embedded radish server: ``radish.serve()`` to the
first PONG over TCP, in this process.

    PYTHONPATH=src python bench/embed_startup.py [-n 20]

Prints the first start in a fresh process (it imports the server's modules
and builds the command table: once per process) and the median / max of the
next ``n`` starts, plus the time of ``stop()``. Figures are reported in the
notes, never asserted in tests.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import time

T_IMPORT0 = time.perf_counter()
import radish  # noqa: E402

T_IMPORT = time.perf_counter() - T_IMPORT0


def first_pong(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"PING\r\n")
        assert s.recv(16) == b"+PONG\r\n"


def one() -> tuple[float, float]:
    t0 = time.perf_counter()
    server = radish.serve()
    first_pong(server.port)
    t1 = time.perf_counter()
    server.stop()
    return t1 - t0, time.perf_counter() - t1


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=20)
    n = ap.parse_args().n
    first, first_stop = one()
    runs = [one() for _ in range(n)]
    starts = [r[0] * 1000 for r in runs]
    stops = [r[1] * 1000 for r in runs]
    print("import radish: %.1f ms" % (T_IMPORT * 1000))
    print("first serve() -> PONG (imports the server, builds the command table): %.1f ms (stop %.1f ms)"
          % (first * 1000, first_stop * 1000))
    print("next %d: serve() -> PONG median %.1f ms, max %.1f ms; stop() median %.1f ms"
          % (n, statistics.median(starts), max(starts), statistics.median(stops)))


if __name__ == "__main__":
    main()
