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

Client eviction (``maxmemory-clients``, 7.0's evictClients) is here too:
before each command, and after each read, when the normal and pub/sub
clients together hold more than the limit (bytes, or a percentage of
maxmemory; never under 128 KB), the clients holding the most are
disconnected (``Evicting client: ...`` in the log, INFO's
``evicted_clients``) until the total is under it; clients with CLIENT
NO-EVICT are neither counted nor evicted. Each client's memory is CLIENT LIST's tot-mem
(``client_info.client_memory``); the sum is taken over every client, so it
costs O(clients) per command while maxmemory-clients is set (it is off by
default).

Sits beside the dispatcher (it needs the server's propagation, clients and
loop); the keyspace knows nothing of it.
"""

from __future__ import annotations

import asyncio
import time

from . import memory
from .client import FLAG_MASTER, FLAG_MONITOR, FLAG_NO_EVICT, FLAG_REPLICA
from .commands.client_info import args_memory, client_info_line, client_memory
from .db.evict import EvictionPicker

EVICT_OK = 0
EVICT_RUNNING = 1
EVICT_FAIL = 2
# The picker's key snapshots are dropped after this long without eviction.
SNAPSHOT_IDLE_S = 2.0


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
        self.last_evicted = 0.0  # time.monotonic() of the last eviction cycle
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
        s = self.server
        maxmemory = s.config.maxmemory
        if not maxmemory:
            return False, s.used_memory(), 0
        # The pure-Python twin's cached reading may be stale: read it anew.
        reported = s.used_memory(fresh=True)
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
        used = self.server.used_memory() - self.not_counted()
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
            if self.picker.holding and time.monotonic() - self.last_evicted > SNAPSHOT_IDLE_S:
                self.picker.forget()  # no pressure for a while: let go of the sampled keys
        elif self.server.config.maxmemory_policy == "noeviction":
            result = EVICT_FAIL
        else:
            result = self._evict(tofree)
            self.last_evicted = time.monotonic()
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
        fresh = not memory.counting()  # the twin measures around each deletion
        lazyfree = s.keyspace.lazyfree
        lazy = bool(cfg.lazyfree_lazy_eviction)
        while freed < tofree:
            if lazy and lazyfree.jobs:
                # Values still being freed: finish them before evicting more.
                before = s.used_memory(fresh)
                left = limit_us - (time.perf_counter() - began) * 1e6
                lazyfree.run(min(max(left, 0.0), 1000.0) / 1e6)
                after = s.used_memory(fresh)
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
            before = s.used_memory(fresh)
            if threshold:
                t0 = time.perf_counter()
                db.evict_key(key)
                latency.add_sample("eviction-del", int((time.perf_counter() - t0) * 1000), threshold)
            else:
                db.evict_key(key)
            after = s.used_memory(fresh)
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
            used = s.used_memory() - self.not_counted()
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


# -- client eviction (maxmemory-clients) ---------------------------------------

CLIENT_EVICTION_FLOOR = 128 * 1024


def client_eviction_limit(cfg) -> int:
    """getClientEvictionLimit: 0 when client eviction is off."""
    mc = cfg.maxmemory_clients
    if mc < 0 and cfg.maxmemory > 0:
        limit = int(cfg.maxmemory * -mc / 100)
    elif mc > 0:
        limit = mc
    else:
        return 0
    return max(limit, CLIENT_EVICTION_FLOOR)


def evict_clients(server, reading=None, args_read=None) -> None:
    """evictClients: disconnect the biggest evictable clients while the
    normal and pub/sub clients hold more than the limit. ``reading`` and
    ``args_read``: a client and the commands just parsed from its input
    (Redis counts them as its argv memory)."""
    limit = client_eviction_limit(server.config)
    if not limit:
        return
    sized = []
    total = 0
    for c in server.clients.values():
        if c.flags & (FLAG_REPLICA | FLAG_MASTER | FLAG_MONITOR) or c.connection is None or c.closed:
            continue
        if c.flags & FLAG_NO_EVICT:
            continue  # not counted either (Redis stops updating its figure)
        m = client_memory(c)
        if c is reading and args_read:
            m += args_memory(args_read)
        total += m
        if not c.close_after_reply:
            sized.append((m, c.id, c))
    if total < limit:
        return
    sized.sort(key=lambda t: (-t[0], t[1]))
    for m, _id, c in sized:
        server.log.notice("Evicting client: %s" % client_info_line(c).decode("utf-8", "replace"))
        server.stats.evicted_clients += 1
        server.kill_client(c)
        total -= m
        if total < limit:
            return
    server.log.warning("Over client maxmemory after evicting all evictable clients")
