"""Forked children, as Redis's redisFork (server.c): BGSAVE, BGREWRITEAOF and
the full-resync snapshot all fork here, so every fork is set up the same
way in the child and counted the same way in the parent (INFO's
``total_forks`` and ``latest_fork_usec``).

Imports nothing of radish above persistence.
"""

from __future__ import annotations

import gc
import os
import signal
import time
from collections.abc import Callable


def fork_child(server, work: Callable[[], int]) -> int:
    """Fork. In the child: set it up (child_setup), run ``work`` and exit
    with the code it returns (1 if it raises). In the parent: count the
    fork and return the child's pid. Raises OSError when fork fails."""
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            child_setup(server)
            code = work()
        except BaseException:  # noqa: BLE001 - the child must always exit
            code = 1
        finally:
            os._exit(code)
    stats = server.stats
    stats.total_forks += 1
    stats.latest_fork_usec = int((time.monotonic() - start) * 1_000_000)
    server.latency.add_sample("fork", stats.latest_fork_usec // 1000, server.config.latency_monitor_threshold)
    return pid


def child_setup(server) -> None:  # pragma: no cover - runs in the child
    """In a forked child: default signal dispositions (the parent's
    handlers must not run here), no GC (it would touch, and copy, every
    page of the snapshot), log lines tagged C."""
    try:
        signal.set_wakeup_fd(-1)
    except (ValueError, OSError):
        pass
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1, signal.SIGHUP):
        try:
            signal.signal(sig, signal.SIG_DFL)
        except (ValueError, OSError):
            pass
    gc.disable()
    server.log.role = "C"


def stop_child(pid: int) -> None:
    """End a child as Redis does (SIGUSR1: it exits without counting as a
    failure) and reap it."""
    try:
        os.kill(pid, signal.SIGUSR1)
    except OSError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
