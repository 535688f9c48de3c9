"""Forked children, as Redis's redisFork (server.c): BGSAVE, BGREWRITEAOF and
the full-resync snapshot all fork here, so every fork is set up the same
way in the child and counted the same way in the parent (INFO's
``total_forks`` and ``latest_fork_usec``).

A child reports its progress to the parent through a pipe, as Redis's
childinfo.c: the keys it has written so far and its copy-on-write size
(the Private_Dirty memory of the child, which grows as either process
writes to pages they shared), at most once a second, then its final
copy-on-write size when it succeeds. ``ChildInfo`` is the parent's side
(INFO persistence's ``current_*`` fields, ``rdb_last_cow_size``,
``aof_last_cow_size``); ``report_keys`` is what the child's writer calls.

Imports nothing of radish above persistence.
"""

from __future__ import annotations

import gc
import os
import signal
import struct
import time
from collections.abc import Callable

# childInfoType
INFO_CURRENT = 0
INFO_AOF_COW_SIZE = 1
INFO_RDB_COW_SIZE = 2

# One message: type, keys, cow bytes, cow reading time (monotonic µs),
# progress (-1: none). Smaller than PIPE_BUF, so each write is atomic.
_MESSAGE = struct.Struct("<iQQqd")
CHILD_COW_DUTY_CYCLE = 100  # a CoW reading costs at most 1% of the child's time


class ChildInfo:
    """The parent's view of the running child (Redis's child_info_pipe and
    stat_current_* fields), and the copy-on-write of the last RDB and AOF
    children."""

    def __init__(self) -> None:
        self.pid = 0
        self.rfd = -1
        self.wfd = -1
        self.partial = b""
        self.cow_peak = 0
        self.cow_bytes = 0
        self.cow_updated = 0  # monotonic µs of the child's last reading; 0: none yet
        self.keys_processed = 0
        self.keys_total = 0
        self.last_receive = 0.0
        self.rdb_cow_bytes = 0
        self.aof_cow_bytes = 0

    def open_pipe(self) -> bool:
        """openChildInfoPipe, before a fork; False when a child already
        reports (only one child at a time does) or no pipe can be made."""
        if self.rfd != -1:
            return False
        try:
            self.rfd, self.wfd = os.pipe()
        except OSError:
            return False
        os.set_blocking(self.rfd, False)
        os.set_blocking(self.wfd, False)
        self.partial = b""
        return True

    def close_pipe(self) -> None:
        for fd in (self.rfd, self.wfd):
            if fd != -1:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.rfd = self.wfd = -1
        self.partial = b""

    def forked(self, pid: int, keys_total: int) -> None:
        """In the parent after the fork: the new child's counters start
        from zero (redisFork), its total is the dataset's key count."""
        self.pid = pid
        self.cow_peak = self.cow_bytes = self.cow_updated = 0
        self.keys_processed = 0
        self.keys_total = keys_total
        self.last_receive = time.monotonic()

    def receive(self) -> None:
        """receiveChildInfo: apply every whole message in the pipe."""
        if self.rfd == -1:
            return
        while True:
            try:
                chunk = os.read(self.rfd, 4096)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                break
            if not chunk:
                break
            self.partial += chunk
        size = _MESSAGE.size
        while len(self.partial) >= size:
            kind, keys, cow, cow_updated, _progress = _MESSAGE.unpack_from(self.partial)
            self.partial = self.partial[size:]
            self._update(kind, keys, cow, cow_updated)

    def _update(self, kind: int, keys: int, cow: int, cow_updated: int) -> None:
        """updateChildInfo."""
        if cow > self.cow_peak:
            self.cow_peak = cow
        if kind == INFO_CURRENT:
            self.cow_bytes = cow
            self.cow_updated = cow_updated
            self.keys_processed = keys
        elif kind == INFO_AOF_COW_SIZE:
            self.aof_cow_bytes = self.cow_peak
        elif kind == INFO_RDB_COW_SIZE:
            self.rdb_cow_bytes = self.cow_peak

    def cron(self) -> None:
        """Once a second while a child runs, what it reported is read."""
        if self.rfd == -1:
            return
        now = time.monotonic()
        if now - self.last_receive >= 1.0:
            self.last_receive = now
            self.receive()

    def child_done(self, pid: int, success: bool) -> None:
        """The child ``pid`` was reaped: its last messages are read when it
        succeeded, then the current counters go back to zero and the pipe
        is closed (checkChildrenDone + resetChildState)."""
        if pid != self.pid or not pid:
            return
        if success:
            self.receive()
        self.pid = 0
        self.cow_peak = self.cow_bytes = self.cow_updated = 0
        self.keys_processed = self.keys_total = 0
        self.close_pipe()

    def info_lines(self) -> list[str]:
        """INFO persistence's current_* fields, as Redis 7.0 prints them."""
        perc = self.keys_processed * 100.0 / self.keys_total if self.keys_total else 0.0
        age = (int(time.monotonic() * 1_000_000) - self.cow_updated) // 1_000_000 if self.cow_updated else 0
        return [
            "current_cow_peak:%d" % self.cow_peak,
            "current_cow_size:%d" % self.cow_bytes,
            "current_cow_size_age:%d" % max(0, age),
            "current_fork_perc:%.2f" % perc,
            "current_save_keys_processed:%d" % self.keys_processed,
            "current_save_keys_total:%d" % self.keys_total,
        ]


class _ChildReporter:  # pragma: no cover - lives in the child
    """The child's end of the pipe (sendChildInfoGeneric): throttled
    copy-on-write readings, and the log line Redis prints with them."""

    def __init__(self, fd: int, name: str, log) -> None:
        self.fd = fd
        self.name = name
        self.log = log
        self.cow = 0
        self.peak = 0
        self.cow_updated = 0
        self.update_cost = 0
        self.sum = 0
        self.readings = 0
        self.keys_sent_at = 0.0

    def send(self, kind: int, keys: int) -> None:
        now = _monotonic_us()
        if kind != INFO_CURRENT or not self.cow_updated or now - self.cow_updated > self.update_cost * CHILD_COW_DUTY_CYCLE:
            self.cow = private_dirty()
            self.cow_updated = _monotonic_us()
            self.update_cost = self.cow_updated - now
            self.peak = max(self.peak, self.cow)
            self.sum += self.cow
            self.readings += 1
            final = kind != INFO_CURRENT
            if self.cow or final:
                line = "Fork CoW for %s: current %d MB, peak %d MB, average %d MB" % (
                    self.name, self.cow >> 20, self.peak >> 20, (self.sum // self.readings) >> 20
                )
                if final:
                    self.log.notice(line)
                else:
                    self.log.verbose(line)
        data = _MESSAGE.pack(kind, keys, self.cow, self.cow_updated, -1.0)
        try:
            os.write(self.fd, data)
        except BlockingIOError:
            pass  # the parent is behind: this reading is dropped
        except OSError as e:
            self.log.warning("Child failed reporting info to parent, exiting. %s" % (e.strerror or e))
            os._exit(1)


_reporter: _ChildReporter | None = None


def report_keys(keys: int) -> None:  # pragma: no cover - runs in the child
    """The child's writer has written ``keys`` keys (called every 1024):
    told to the parent at most once a second (rdbSaveDb's sendChildInfo)."""
    r = _reporter
    if r is None:
        return
    now = time.monotonic()
    if now - r.keys_sent_at >= 1.0:
        r.keys_sent_at = now
        r.send(INFO_CURRENT, keys)


def private_dirty() -> int:
    """Bytes of this process's Private_Dirty memory (zmalloc_get_private_dirty):
    smaps_rollup's total, or the sum over smaps; 0 where neither exists."""
    for path in ("/proc/self/smaps_rollup", "/proc/self/smaps"):
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            continue
        total = 0
        for line in data.split(b"\n"):
            if line.startswith(b"Private_Dirty:"):
                total += int(line.split()[1]) * 1024
        return total
    return 0


def _monotonic_us() -> int:
    return int(time.monotonic() * 1_000_000)


def fork_child(server, work: Callable[[], int], *, info: ChildInfo | None = None, name: str = "RDB", final: int = INFO_RDB_COW_SIZE) -> int:
    """Fork. In the child: set it up (child_setup), run ``work`` and exit
    with the code it returns (1 if it raises); with ``info``, the child
    reports its progress through its pipe (``report_keys``) and, when
    ``work`` succeeds, its final copy-on-write size as a ``final``
    message, logged under ``name`` ("RDB", "AOF rewrite"). In the parent:
    count the fork, start ``info``'s counters, return the child's pid.
    Raises OSError when fork fails."""
    pipe = info if info is not None and info.open_pipe() else None
    start = time.monotonic()
    try:
        pid = os.fork()
    except OSError:
        if pipe is not None:
            pipe.close_pipe()
        raise
    if pid == 0:  # pragma: no cover - runs in the child
        global _reporter
        code = 1
        try:
            child_setup(server)
            _reporter = None
            if pipe is not None:
                os.close(pipe.rfd)
                _reporter = _ChildReporter(pipe.wfd, name, server.log)
            code = work()
            if code == 0 and _reporter is not None:
                _reporter.send(final, 0)
        except BaseException:  # noqa: BLE001 - the child must always exit
            code = 1
        finally:
            os._exit(code)
    stats = server.stats
    stats.total_forks += 1
    stats.latest_fork_usec = int((time.monotonic() - start) * 1_000_000)
    server.latency.add_sample("fork", stats.latest_fork_usec // 1000, server.config.latency_monitor_threshold)
    if pipe is not None:
        pipe.forked(pid, server.keyspace.total_keys())
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
