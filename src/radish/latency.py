"""The slow log and the latency monitor, as Redis 7.0's slowlog.c and
latency.c keep them: pure data, fed by the dispatcher (commands slower than
``slowlog-log-slower-than``; events over ``latency-monitor-threshold``) and
by the services that time themselves (fork, expire cycle, AOF writes), read
by SLOWLOG and LATENCY. Also the sparkline renderer LATENCY GRAPH draws
with (sparkline.c).

Imports nothing of radish.
"""

from __future__ import annotations

import time
from array import array
from collections import deque
from collections.abc import Sequence

SLOWLOG_ENTRY_MAX_ARGC = 32
SLOWLOG_ENTRY_MAX_STRING = 128
LATENCY_TS_LEN = 160


class SlowLogEntry:
    __slots__ = ("id", "time", "duration", "argv", "peer", "name")

    def __init__(self, eid: int, when: int, duration: int, argv: list[bytes], peer: bytes, name: bytes) -> None:
        self.id = eid
        self.time = when
        self.duration = duration
        self.argv = argv
        self.peer = peer
        self.name = name

    def reply(self) -> list:
        return [self.id, self.time, self.duration, list(self.argv), self.peer, self.name]


def slowlog_argv(argv: list[bytes]) -> list[bytes]:
    """slowlogCreateEntry's copy of a command: at most 32 arguments (the last
    says how many more there were), each at most 128 bytes (plus how many
    more bytes there were)."""
    argc = len(argv)
    n = min(argc, SLOWLOG_ENTRY_MAX_ARGC)
    out = []
    for j in range(n):
        if n != argc and j == n - 1:
            out.append(b"... (%d more arguments)" % (argc - n + 1))
            break
        a = argv[j]
        if len(a) > SLOWLOG_ENTRY_MAX_STRING:
            a = a[:SLOWLOG_ENTRY_MAX_STRING] + b"... (%d more bytes)" % (len(a) - SLOWLOG_ENTRY_MAX_STRING)
        out.append(a)
    return out


class SlowLog:
    """Newest first, at most ``max_len`` entries, ids counting from 0."""

    def __init__(self) -> None:
        self.entries: deque[SlowLogEntry] = deque()
        self.next_id = 0

    def push(self, argv: list[bytes], duration: int, peer: bytes, name: bytes, max_len: int) -> None:
        """slowlogPushEntryIfNeeded, once the caller knows it is slow."""
        self.entries.appendleft(SlowLogEntry(self.next_id, int(time.time()), duration, slowlog_argv(argv), peer, name))
        self.next_id += 1
        self.trim(max_len)

    def trim(self, max_len: int) -> None:
        while len(self.entries) > max_len:
            self.entries.pop()

    def reset(self) -> None:
        self.entries.clear()


class LatencySeries:
    """One event's last 160 one-second samples (latencyTimeSeries)."""

    __slots__ = ("idx", "max", "times", "latencies")

    def __init__(self) -> None:
        self.idx = 0
        self.max = 0
        self.times = [0] * LATENCY_TS_LEN
        self.latencies = [0] * LATENCY_TS_LEN

    def add(self, latency_ms: int, now: int) -> None:
        """latencyAddSample: a second keeps its highest sample."""
        if latency_ms > self.max:
            self.max = latency_ms
        prev = (self.idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN
        if self.times[prev] == now:
            if latency_ms > self.latencies[prev]:
                self.latencies[prev] = latency_ms
            return
        self.times[self.idx] = now
        self.latencies[self.idx] = latency_ms
        self.idx = (self.idx + 1) % LATENCY_TS_LEN

    def samples(self) -> list[tuple[int, int]]:
        """Oldest first, the slots in use."""
        out = []
        for j in range(LATENCY_TS_LEN):
            i = (self.idx + j) % LATENCY_TS_LEN
            if self.times[i]:
                out.append((self.times[i], self.latencies[i]))
        return out

    def latest(self) -> tuple[int, int]:
        last = (self.idx + LATENCY_TS_LEN - 1) % LATENCY_TS_LEN
        return self.times[last], self.latencies[last]


class LatencyMonitor:
    """Events by name, in the order they were first seen."""

    def __init__(self) -> None:
        self.events: dict[str, LatencySeries] = {}

    def add_sample(self, event: str, latency_ms: int, threshold_ms: int) -> None:
        """latencyAddSampleIfNeeded."""
        if threshold_ms and latency_ms >= threshold_ms:
            series = self.events.get(event)
            if series is None:
                series = self.events[event] = LatencySeries()
            series.add(int(latency_ms), int(time.time()))

    def reset(self, names: list[str] | None = None) -> int:
        """latencyResetEvent for each name (case-insensitive), or all."""
        if names is None:
            n = len(self.events)
            self.events.clear()
            return n
        resets = 0
        for name in names:
            for event in [e for e in self.events if e.lower() == name.lower()]:
                del self.events[event]
                resets += 1
        return resets

    def stats(self, event: str) -> dict[str, int]:
        """analyzeLatencyForEvent."""
        series = self.events.get(event)
        out = {"all_time_high": series.max if series else 0, "avg": 0, "min": 0, "max": 0, "mad": 0, "samples": 0, "period": 0}
        if series is None:
            return out
        samples = [(t, lat) for t, lat in zip(series.times, series.latencies, strict=True) if t]
        if not samples:
            return out
        lats = [lat for _t, lat in samples]
        out["samples"] = len(samples)
        out["min"] = min(lats)
        out["max"] = max(lats)
        avg = sum(lats) // len(lats)
        out["avg"] = avg
        period = int(time.time()) - min(t for t, _lat in samples)
        out["period"] = period or 1
        out["mad"] = sum(abs(avg - lat) for lat in lats) // len(lats)
        return out


# -- LATENCY GRAPH's sparkline (sparkline.c) ----------------------------------------------

_CHARSET = b"_-`"
_CHARSET_FILL = b"_o#"


def _render_range(out: list[bytes], values: list[float], labels: list[bytes | None], vmin: float, vmax: float,
                  rows: int, offset: int, length: int, fill: bool) -> None:  # fmt: skip
    relmax = vmax - vmin
    if relmax == 0:
        relmax = 1
    steps = len(_CHARSET) * rows
    has_labels = any(labels)
    row = 0
    while True:
        loop = False
        chars = bytearray(b" " * length)
        for j in range(length):
            relval = values[j + offset] - vmin
            step = int(int(relval * steps) / relmax)
            step = max(0, min(step, steps - 1))
            if row < rows:
                charidx = step - (rows - row - 1) * len(_CHARSET)
                loop = True
                if 0 <= charidx < len(_CHARSET):
                    chars[j] = (_CHARSET_FILL if fill else _CHARSET)[charidx]
                elif fill and charidx >= len(_CHARSET):
                    chars[j] = ord("|")
            else:
                if has_labels and row - rows < 1:
                    loop = True
                    break
                label = labels[j + offset]
                if label:
                    label_char = row - rows - 1
                    if len(label) > label_char:
                        loop = True
                        chars[j] = label[label_char]
        if not loop:
            return
        row += 1
        out.append(bytes(chars) + b"\n")


def sparkline(samples: Sequence[tuple[float, bytes | None]], columns: int, rows: int, fill: bool = True) -> bytes:
    """sparklineRender: rows of ``_-``` (``_o#`` and ``|`` filled) with the
    labels written vertically under them, ``columns`` samples per block."""
    values = [v for v, _ in samples]
    labels = [label or None for _, label in samples]
    if not values:
        return b""
    vmin = vmax = values[0]
    for v in values[1:]:  # as sparklineSequenceAddSample: a new minimum is not a new maximum
        if v < vmin:
            vmin = v
        elif v > vmax:
            vmax = v
    out: list[bytes] = []
    for j in range(0, len(values), columns):
        if j:
            out.append(b"\n")
        _render_range(out, values, labels, vmin, vmax, rows, j, min(columns, len(values) - j), fill)
    return b"".join(out)


# -- LATENCY DOCTOR (createLatencyReport) -------------------------------------------------

_ADVICE = {
    "better_vm": "- If you are using a virtual machine, consider upgrading it with a faster one using a hypervisior that provides less latency during fork() calls. Xen is known to have poor fork() performance. Even in the context of the same VM provider, certain kinds of instances can execute fork faster than others.\n",
    "slowlog_inspect": "- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n",
    "scheduler": "- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n"
    "  1) Lower the system load.\n"
    "  2) Use a computer / VM just for Redis if you are running other software in the same system.\n"
    "  3) Check if you have a \"noisy neighbour\" problem.\n"
    "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n"
    "  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n",
    "local_disk": "- It is strongly advised to use local disks for persistence, especially if you are using AOF. Remote disks provided by platform-as-a-service providers are known to be slow.\n",
    "ssd": "- SSD disks are able to reduce fsync latency, and total time needed for snapshotting and AOF log rewriting (resulting in smaller memory usage). With extremely high write load SSD disks can be a good option. However Redis should perform reasonably with high load using normal disks. Use this advice as a last resort.\n",
    "data_writeback": "- Mounting ext3/4 filesystems with data=writeback can provide a performance boost compared to data=ordered, however this mode of operation provides less guarantees, and sometimes it can happen that after a hard crash the AOF file will have a half-written command at the end and will require to be repaired before Redis restarts.\n",
    "disk_contention": "- Try to lower the disk contention. This is often caused by other disk intensive processes running in the same computer (including other Redis instances).\n",
    "no_appendfsync": "- Assuming from the point of view of data safety this is viable in your environment, you could try to enable the 'no-appendfsync-on-rewrite' option, so that fsync will not be performed while there is a child rewriting the AOF file or producing an RDB file (the moment where there is high disk contention).\n",
    "relax_fsync_policy": "- Your fsync policy is set to 'always'. It is very hard to get good performances with such a setup, if possible try to relax the fsync policy to 'onesec'.\n",
    "write_load_info": "- Latency during the AOF atomic rename operation or when the final difference is flushed to the AOF file at the end of the rewrite, sometimes is caused by very high write load, causing the AOF buffer to get very large. If possible try to send less commands to accomplish the same work, or use Lua scripts to group multiple operations into a single EVALSHA call.\n",
    "hz": "- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n",
    "large_objects": "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n",
    "mass_eviction": "- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of large objects via sets or sorted sets intersections, STORE option of SORT, Redis Cluster large keys migrations (RESTORE command), may create sudden memory pressure forcing the server to block trying to evict keys. \n",
    "disable_thp": "- I detected a non zero amount of anonymous huge pages used by your process. This creates very serious latency events in different conditions, especially when Redis is persisting on disk. To disable THP support use the command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled', make sure to also add it into /etc/rc.local so that the command will be executed again after a reboot. Note that even if you have already disabled THP, you still need to restart the Redis process to get rid of the huge pages already created.\n",
}  # fmt: skip

# Event -> the advice it brings (and how many advices it counts for).
_EVENT_ADVICE = {
    "fast-command": ("scheduler",),
    "aof-write-pending-fsync": ("local_disk", "disk_contention", "ssd", "data_writeback"),
    "aof-write-active-child": ("no_appendfsync", "data_writeback", "ssd"),
    "aof-write-alone": ("local_disk", "data_writeback", "ssd"),
    "aof-fsync-always": ("relax_fsync_policy",),
    "aof-fstat": ("disk_contention", "local_disk"),
    "rdb-unlink-temp-file": ("disk_contention", "local_disk"),
    "aof-rewrite-diff-write": ("write_load_info", "data_writeback", "ssd", "local_disk"),
    "aof-rename": ("write_load_info", "data_writeback", "ssd", "local_disk"),
    "expire-cycle": ("hz", "large_objects"),
    "eviction-del": ("large_objects",),
    "eviction-cycle": ("mass_eviction",),
}
_ORDER = ("better_vm", "slowlog_enabled", "slowlog_tuning", "slowlog_inspect", "scheduler", "local_disk", "ssd",
          "data_writeback", "disk_contention", "no_appendfsync", "relax_fsync_policy", "write_load_info", "hz",
          "large_objects", "mass_eviction", "disable_thp")  # fmt: skip


def doctor_report(monitor: LatencyMonitor, *, latency_threshold: int, slowlog_threshold: int, fork_rate: float,
                  fsync_always: bool, hz: int, thp_bytes: int) -> bytes:  # fmt: skip
    """LATENCY DOCTOR's text (createLatencyReport), Dave and all."""
    if not monitor.events and latency_threshold == 0:
        return (
            b"I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use "
            b"\"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep "
            b"space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n"
        )
    report = ""
    advise: set[str] = set()
    advices = 0
    for n, (event, series) in enumerate(monitor.events.items(), 1):
        if n == 1:
            report += "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n"
        s = monitor.stats(event)
        report += "%d. %s: %d latency spikes (average %dms, mean deviation %dms, period %.2f sec). Worst all time event %dms." % (
            n, event, s["samples"], s["avg"], s["mad"], s["period"] / s["samples"] if s["samples"] else float("nan"), series.max)
        low = event.lower()
        if low == "fork":
            if fork_rate < 10:
                quality = "terrible"
            elif fork_rate < 25:
                quality = "poor"
            elif fork_rate < 100:
                quality = "good"
            else:
                quality = "excellent"
            if fork_rate < 25:
                advise.add("better_vm")
                advices += 1
            report += " Fork rate is %.2f GB/sec (%s)." % (fork_rate, quality)
        if low == "command":
            if slowlog_threshold < 0:
                advise.add("slowlog_enabled")
                advices += 1
            elif slowlog_threshold // 1000 > latency_threshold:
                advise.add("slowlog_tuning")
                advices += 1
            advise.update(("slowlog_inspect", "large_objects"))
            advices += 2
        for a in _EVENT_ADVICE.get(low, ()):
            advise.add(a)
            advices += 1
        report += "\n"
    if thp_bytes > 0:
        advise.add("disable_thp")
        advices += 1
    events = len(monitor.events)
    if events == 0 and advices == 0:
        report += "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n"
    elif events > 0 and advices == 0:
        report += "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n"
    else:
        report += "\nI have a few advices for you:\n\n"
        for a in _ORDER:
            if a not in advise:
                continue
            if a == "slowlog_enabled":
                report += "- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than %d'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n" % (latency_threshold * 1000)
            elif a == "slowlog_tuning":
                report += "- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than %d'.\n" % (latency_threshold * 1000)
            elif a == "relax_fsync_policy" and not fsync_always:
                continue
            elif a == "hz" and hz >= 100:
                continue
            else:
                report += _ADVICE[a]
    return report.encode()


# -- per-command latency histograms (latency-tracking) -------------------------------------
#
# Redis keeps an HDR histogram per command (1 ns .. 1 s, 2 significant
# figures) fed with each call's duration in microseconds * 1000. Here a
# command's histogram is that counts array, an ``array('q')`` made at the
# command's first recorded call (``new_hist``; 24 KB, as Redis allocates its
# hdr_histogram lazily): recording is one index computation and one
# increment, which the C batch loop does through the buffer protocol. Readers
# take ``hist_counts(h)``, the non-zero indexes; percentiles and LATENCY HISTOGRAM's buckets walk the indexes exactly as
# hdr_histogram.c walks its counts array, so the values printed are the ones
# Redis's histogram would print for the same durations.

_HDR_MAX = 1_000_000_000
_HALF_MAG = 7  # sub_bucket_half_count_magnitude (256 sub-buckets for 2 figures)
_HALF = 1 << _HALF_MAG
_COUNTS_LEN = (23 + 1) * _HALF  # buckets needed to reach 1 s, as hdr_init computes


def new_hist() -> array:
    """An empty counts array (hdr_init(1, 1e9, 2)'s counts_len cells)."""
    return array("q", bytes(8 * _COUNTS_LEN))


def hist_counts(h: array | None) -> dict[int, int]:
    """HDR counts index -> count, for the indexes that have any."""
    if h is None:
        return {}
    return {i: n for i, n in enumerate(h) if n}


def hdr_index(usec: int) -> int:
    """counts_index_for(usec * 1000), clamped to [1 ns, 1 s]."""
    v = usec * 1000
    if v < 1:
        v = 1
    elif v > _HDR_MAX:
        v = _HDR_MAX
    b = (v | 255).bit_length() - 8
    return ((b + 1) << _HALF_MAG) + (v >> b) - _HALF


def _value_at_index(idx: int) -> int:
    b = (idx >> _HALF_MAG) - 1
    sub = (idx & (_HALF - 1)) + _HALF
    if b < 0:
        sub -= _HALF
        b = 0
    return sub << b


def _bucket_of(value: int) -> tuple[int, int]:
    b = (value | 255).bit_length() - 8
    return b, value >> b


def _lowest_equivalent(value: int) -> int:
    b, sub = _bucket_of(value)
    return sub << b


def _highest_equivalent(value: int) -> int:
    b, sub = _bucket_of(value)
    size = 1 << (b + 1 if sub >= 256 else b)
    return (sub << b) + size - 1


def hdr_percentile(counts: dict[int, int], percentile: float) -> int:
    """hdr_value_at_percentile, in ns."""
    total = sum(counts.values())
    requested = min(percentile, 100.0)
    target = max(int((requested / 100) * total + 0.5), 1)
    running = 0
    value = 0
    for idx in sorted(counts):
        running += counts[idx]
        if running >= target:
            value = _value_at_index(idx)
            break
    return _lowest_equivalent(value) if percentile == 0.0 else _highest_equivalent(value)


def hdr_log_buckets(counts: dict[int, int]) -> list[tuple[int, int]]:
    """LATENCY HISTOGRAM's (µs, cumulative count) pairs: hdr_iter_log_init
    (first bucket 1024 ns, base 2) as fillCommandCDF walks it, empty steps
    left out."""
    total = sum(counts.values())
    out: list[tuple[int, int]] = []
    idx = -1
    cumulative = 0
    value = 0
    highest = 0
    level = 1024
    level_low = _lowest_equivalent(level)
    previous = 0
    while True:
        if not (cumulative < total or (idx < _COUNTS_LEN and _value_at_index(idx + 1) > level_low)):
            break
        while True:
            if value >= level_low:
                level *= 2
                level_low = _lowest_equivalent(level)
                break
            idx += 1
            if idx >= _COUNTS_LEN:
                break
            cumulative += counts.get(idx, 0)
            value = _value_at_index(idx)
            highest = _highest_equivalent(value)
        if cumulative > previous:
            out.append((highest // 1000, cumulative))
        previous = cumulative
        if idx >= _COUNTS_LEN:
            break
    return out
