"""maxmemory: Redis's performEvictions and getMaxmemoryState (evict.c),
server side.

Before every command (``dispatch.process_command``) while ``maxmemory`` is
set, ``Eviction.perform()`` compares used memory (``radish.memory``) less
what Redis does not count (the AOF buffer and the replicas' output buffers:
counting the DELs eviction sends would feed back into more eviction) with
``maxmemory``. Over the limit, it evicts keys chosen by
``db.evict.EvictionPicker`` under ``maxmemory-policy`` until the excess is
freed, measuring each deletion's effect on used memory as Redis does.
``maxmemory-eviction-tenacity`` bounds the time of one call (50 us per
step up to 10, then a 15% geometric progression, unlimited at 100); when
the time runs out a loop callback goes on evicting between events
(evictionTimeProc) and the call answers RUNNING. FAIL (nothing left that
the policy may evict, or noeviction) makes the dispatcher refuse denyoom
commands with ``-OOM``.

Evicted keys are deleted through ``Database.evict_key`` (event
``evicted``, WATCH and tracking invalidation) and propagated as DEL (UNLINK
with lazyfree-lazy-eviction) to replicas and the AOF, one by one, outside
any MULTI. With lazyfree-lazy-eviction a big evicted value goes to the lazy
freer (db/lazyfree.py), whose work runs on this same thread: while it has
values queued, eviction gives its time to them (and counts the memory they
give back) before it picks another key, where Redis's loop checks the
memory its free thread released meanwhile. Nothing is evicted while loading, during a busy script, while
clients are paused, or on a replica with ``replica-ignore-maxmemory``.

Sits beside the dispatcher (it needs the server's propagation, clients and
loop); the keyspace knows nothing of it.
"""

from __future__ import annotations

import asyncio
import time

from . import memory
from .client import FLAG_REPLICA
from .db.evict import EvictionPicker

EVICT_OK = 0
EVICT_RUNNING = 1
EVICT_FAIL = 2


def time_limit_us(tenacity: int) -> float:
    """evictionTimeLimitUs."""
    if tenacity <= 10:
        return 50.0 * tenacity
    if tenacity < 100:
        return 500.0 * pow(1.15, tenacity - 10.0)
    return float("inf")


class Eviction:
    def __init__(self, server) -> None:
        self.server = server
        self.picker = EvictionPicker(server.keyspace)
        self.proc_running = False
        # stat_last_eviction_exceeded_time / stat_total_eviction_exceeded_time
        self.exceeded_since: float = 0.0
        self.total_exceeded_us = 0
        self.pre_command_oom = False  # server.pre_command_oom_state
        server.keyspace.on_evicted = self._evicted

    # -- accounting ----------------------------------------------------------

    def not_counted(self) -> int:
        """freeMemoryGetNotCountedMemory: the AOF buffer and what replicas
        hold beyond the backlog (their output buffers)."""
        s = self.server
        total = len(s.aof.buf) if s.config.appendonly else 0
        for c in s.clients.values():
            if c.flags & FLAG_REPLICA and c.connection is not None:
                total += c.connection.output_buffer_usage()
        return total

    def state(self) -> tuple[bool, int, int]:
        """getMaxmemoryState: (over the limit, used memory reported, bytes
        to free)."""
        maxmemory = self.server.config.maxmemory
        if not maxmemory:
            return False, memory.used(), 0
        # The pure-Python twin's cached reading may be stale: read it anew.
        reported = memory.used() if memory.counting() else memory.refresh()
        if reported <= maxmemory:
            return False, reported, 0
        used = reported - self.not_counted()
        if used <= maxmemory:
            return False, reported, 0
        return True, reported, used - maxmemory

    def level(self) -> float:
        """The used fraction of maxmemory (MEMORY DOCTOR, INFO)."""
        maxmemory = self.server.config.maxmemory
        if not maxmemory:
            return 0.0
        used = memory.used() - self.not_counted()
        return max(used, 0) / maxmemory

    # -- evicting --------------------------------------------------------------

    def safe(self) -> bool:
        """isSafeToPerformEvictions."""
        s = self.server
        if s.busy_script or s.loading:
            return False
        if s.replication.master_host is not None and s.config.replica_ignore_maxmemory:
            return False
        if s.pause_mode is not None:
            return False
        return True

    def perform(self) -> int:
        """performEvictions: EVICT_OK, EVICT_RUNNING or EVICT_FAIL."""
        if not self.safe():
            return EVICT_OK
        over, _reported, tofree = self.state()
        if not over:
            result = EVICT_OK
            if self.picker.holding:
                self.picker.forget()  # no pressure: let go of the sampled keys
        elif self.server.config.maxmemory_policy == "noeviction":
            result = EVICT_FAIL
        else:
            result = self._evict(tofree)
            if result == EVICT_FAIL:
                self.picker.forget()  # nothing evictable: the snapshots only hold memory
        self._update_metrics(result)
        return result

    def _evict(self, tofree: int) -> int:
        s = self.server
        cfg = s.config
        policy = str(cfg.maxmemory_policy)
        samples = cfg.maxmemory_samples
        limit_us = time_limit_us(cfg.maxmemory_eviction_tenacity)
        began = time.perf_counter()
        freed = 0
        evicted = 0
        result = EVICT_FAIL
        latency = s.latency
        threshold = cfg.latency_monitor_threshold
        twin = not memory.counting()
        lazyfree = s.keyspace.lazyfree
        lazy = bool(cfg.lazyfree_lazy_eviction)
        while freed < tofree:
            if lazy and lazyfree.jobs:
                # Values still being freed: finish them before evicting more.
                before = memory.refresh() if twin else memory.used()
                left = limit_us - (time.perf_counter() - began) * 1e6
                lazyfree.run(min(max(left, 0.0), 1000.0) / 1e6)
                after = memory.refresh() if twin else memory.used()
                freed += before - after
                if freed < tofree and (time.perf_counter() - began) * 1e6 > limit_us:
                    self._start_proc()
                    result = EVICT_RUNNING if self.proc_running else EVICT_OK
                    break
                continue
            picked = self.picker.pick(policy, samples)
            if picked is None:
                break  # nothing the policy may evict (cant_free)
            db, key = picked
            before = memory.refresh() if twin else memory.used()
            t0 = time.perf_counter()
            db.evict_key(key)
            if threshold:
                latency.add_sample("eviction-del", int((time.perf_counter() - t0) * 1000), threshold)
            after = memory.refresh() if twin else memory.used()
            freed += before - after
            evicted += 1
            if evicted % 16 == 0 and (time.perf_counter() - began) * 1e6 > limit_us:
                # Out of time: go on from the event loop.
                self._start_proc()
                result = EVICT_RUNNING if self.proc_running else EVICT_OK
                break
        else:
            result = EVICT_RUNNING if self.proc_running else EVICT_OK
        # The DELs go out now, each on its own (propagate_no_multi).
        s.propagation.flush(wrap=False)
        if threshold:
            latency.add_sample("eviction-cycle", int((time.perf_counter() - began) * 1000), threshold)
        return result

    def _evicted(self, db, key: bytes) -> None:
        s = self.server
        s.stats.evicted_keys += 1
        s.propagation.propagate(db.id, [b"UNLINK" if s.config.lazyfree_lazy_eviction else b"DEL", key])

    def _start_proc(self) -> None:
        """startEvictionTimeProc: keep evicting from the event loop."""
        if self.proc_running:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop (in-process tests): the next command goes on
        self.proc_running = True
        loop.call_soon(self._proc)

    def _proc(self) -> None:
        self.proc_running = False
        if not self.server.config.maxmemory:
            return
        self.perform()  # schedules the next round itself while RUNNING

    def config_changed(self) -> None:
        """CONFIG SET maxmemory (updateMaxmemory) or maxmemory-policy."""
        s = self.server
        self.picker.forget()
        if s.config.maxmemory:
            used = memory.used() - self.not_counted()
            if s.config.maxmemory < used:
                s.log.warning(
                    "WARNING: the new maxmemory value set via CONFIG SET (%d) is smaller than the current memory usage (%d). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy."
                    % (s.config.maxmemory, used)
                )
            self._start_proc()

    def _update_metrics(self, result: int) -> None:
        if result != EVICT_OK:
            if not self.exceeded_since:
                self.exceeded_since = time.monotonic()
        elif self.exceeded_since:
            self.total_exceeded_us += int((time.monotonic() - self.exceeded_since) * 1e6)
            self.exceeded_since = 0.0

    def current_exceeded_ms(self) -> int:
        return int((time.monotonic() - self.exceeded_since) * 1000) if self.exceeded_since else 0

    def total_exceeded_ms(self) -> int:
        return (self.total_exceeded_us + (int((time.monotonic() - self.exceeded_since) * 1e6) if self.exceeded_since else 0)) // 1000
