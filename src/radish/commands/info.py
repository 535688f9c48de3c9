"""INFO: the sections and fields Redis 7.0 reports, rendered from the live
server object (read only; reached through ``c.server``)."""

from __future__ import annotations

import os
import platform
import resource
import time

from .. import REDIS_VERSION, __version__
from ..latency import hdr_percentile, hist_counts
from .memory_cmds import overhead, ratio
from .registry import COMMANDS

DEFAULT_SECTIONS = (
    "server", "clients", "memory", "persistence", "stats", "replication", "cpu",
    "modules", "errorstats", "cluster", "keyspace",
)
# Redis 7.0's order (genRedisInfoString); ALL and EVERYTHING differ only by
# the sections modules add, and radish loads no modules.
ALL_SECTIONS = (
    "server", "clients", "memory", "persistence", "stats", "replication", "cpu",
    "modules", "commandstats", "errorstats", "latencystats", "cluster", "keyspace",
)


def _human(n: int) -> str:
    if n < 1024:
        return "%dB" % n
    for unit, div in (("K", 1024), ("M", 1024**2), ("G", 1024**3), ("T", 1024**4)):
        if n < div * 1024 or unit == "T":
            return "%.2f%s" % (n / div, unit)
    return "%dB" % n


def _total_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return 0


def section_server(s) -> list[str]:
    now = time.time()
    up = int(now - s.start_time)
    cfg = s.config
    return [
        "redis_version:%s" % REDIS_VERSION,
        "radish_version:%s" % __version__,
        "redis_git_sha1:00000000",
        "redis_git_dirty:0",
        "redis_build_id:0",
        "redis_mode:%s" % ("cluster" if s.cluster is not None else "standalone"),
        "os:%s %s %s" % (platform.system(), platform.release(), platform.machine()),
        "arch_bits:64",
        "monotonic_clock:POSIX clock_gettime",
        "multiplexing_api:epoll",
        "atomicvar_api:c11-builtin",
        "gcc_version:0.0.0",
        "process_id:%d" % os.getpid(),
        "process_supervised:no",
        "run_id:%s" % s.run_id,
        "tcp_port:%d" % cfg.port,
        "server_time_usec:%d" % int(now * 1_000_000),
        "uptime_in_seconds:%d" % up,
        "uptime_in_days:%d" % (up // 86400),
        "hz:%d" % s.hz,
        "configured_hz:%d" % cfg.hz,
        "lru_clock:%d" % (int(now) & ((1 << 24) - 1)),
        "executable:%s" % s.executable,
        "config_file:%s" % (cfg.config_file or ""),
        "io_threads_active:0",
    ]


def section_clients(s) -> list[str]:
    return [
        "connected_clients:%d" % s.connected_clients(),
        # getClusterConnectionsCount: two links per other node.
        "cluster_connections:%d" % ((len(s.cluster.nodes) - 1) * 2 if s.cluster is not None else 0),
        "maxclients:%d" % s.config.maxclients,
        "client_recent_max_input_buffer:0",
        "client_recent_max_output_buffer:%d" % s.recent_max_output_buffer(),
        "blocked_clients:%d" % (s.blocked_clients + len(s.paused_clients)),
        "tracking_clients:%d" % s.tracking_clients,
        "clients_in_timeout_table:%d" % s.blocked_clients,
    ]


def section_memory(s) -> list[str]:
    m = overhead(s)
    used = m["used"]
    rss = m["rss"]
    peak = m["peak"]
    total = _total_memory()
    maxmem = s.config.maxmemory
    n_scripts, scripts_memory = s.scripts_cached
    vm_eval = 32768
    n_functions, n_libraries, vm_functions, functions_memory = s.functions_info()
    allocated, active, resident = m["allocated"], m["active"], m["resident"]
    return [
        "used_memory:%d" % used,
        "used_memory_human:%s" % _human(used),
        "used_memory_rss:%d" % rss,
        "used_memory_rss_human:%s" % _human(rss),
        "used_memory_peak:%d" % peak,
        "used_memory_peak_human:%s" % _human(peak),
        "used_memory_peak_perc:%.2f%%" % m["peak_perc"],
        "used_memory_overhead:%d" % m["overhead"],
        "used_memory_startup:%d" % m["startup"],
        "used_memory_dataset:%d" % m["dataset"],
        "used_memory_dataset_perc:%.2f%%" % m["dataset_perc"],
        "allocator_allocated:%d" % allocated,
        "allocator_active:%d" % active,
        "allocator_resident:%d" % resident,
        "total_system_memory:%d" % total,
        "total_system_memory_human:%s" % _human(total),
        "used_memory_lua:%d" % vm_eval,
        "used_memory_vm_eval:%d" % vm_eval,
        "used_memory_lua_human:%s" % _human(vm_eval),
        "used_memory_scripts_eval:%d" % scripts_memory,
        "number_of_cached_scripts:%d" % n_scripts,
        "number_of_functions:%d" % n_functions,
        "number_of_libraries:%d" % n_libraries,
        "used_memory_vm_functions:%d" % vm_functions,
        "used_memory_vm_total:%d" % (vm_eval + vm_functions),
        "used_memory_vm_total_human:%s" % _human(vm_eval + vm_functions),
        "used_memory_functions:%d" % functions_memory,
        "used_memory_scripts:%d" % (scripts_memory + functions_memory),
        "used_memory_scripts_human:%s" % _human(scripts_memory + functions_memory),
        "maxmemory:%d" % maxmem,
        "maxmemory_human:%s" % _human(maxmem),
        "maxmemory_policy:%s" % s.config.maxmemory_policy,
        "allocator_frag_ratio:%.2f" % ratio(active, allocated),
        "allocator_frag_bytes:%d" % (active - allocated),
        "allocator_rss_ratio:%.2f" % ratio(resident, active),
        "allocator_rss_bytes:%d" % (resident - active),
        "rss_overhead_ratio:%.2f" % ratio(rss, resident),
        "rss_overhead_bytes:%d" % (rss - resident),
        "mem_fragmentation_ratio:%.2f" % ratio(rss, used),
        "mem_fragmentation_bytes:%d" % (rss - used),
        "mem_not_counted_for_evict:%d" % m["not_counted"],
        "mem_replication_backlog:%d" % m["backlog"],
        "mem_total_replication_buffers:%d" % (m["backlog"] + m["slaves"]),
        "mem_clients_slaves:%d" % m["slaves"],
        "mem_clients_normal:%d" % m["normal"],
        "mem_cluster_links:%d" % (s.cluster.links_memory if s.cluster is not None else 0),
        "mem_aof_buffer:%d" % m["aof"],
        "mem_allocator:libc",
        "active_defrag_running:0",  # no active defragmentation
        "lazyfree_pending_objects:%d" % s.keyspace.lazyfree.pending,
        "lazyfreed_objects:%d" % s.keyspace.lazyfree.freed,
    ]


def section_persistence(s) -> list[str]:
    return s.persistence.info_lines()


def section_stats(s) -> list[str]:
    st = s.stats
    ks = s.keyspace
    return [
        "total_connections_received:%d" % st.numconnections,
        "total_commands_processed:%d" % st.numcommands,
        "instantaneous_ops_per_sec:%d" % int(st.instantaneous("ops")),
        "total_net_input_bytes:%d" % st.net_input_bytes,
        "total_net_output_bytes:%d" % st.net_output_bytes,
        "total_net_repl_input_bytes:0",
        "total_net_repl_output_bytes:0",
        "instantaneous_input_kbps:%.2f" % (st.instantaneous("in") / 1024),
        "instantaneous_output_kbps:%.2f" % (st.instantaneous("out") / 1024),
        "instantaneous_input_repl_kbps:0.00",
        "instantaneous_output_repl_kbps:0.00",
        "rejected_connections:%d" % st.rejected_conn,
        "sync_full:%d" % st.sync_full,
        "sync_partial_ok:%d" % st.sync_partial_ok,
        "sync_partial_err:%d" % st.sync_partial_err,
        "expired_keys:%d" % ks.expired_keys,
        "expired_stale_perc:%.2f" % (ks.expired_stale_perc * 100),
        "expired_time_cap_reached_count:%d" % ks.expired_time_cap_reached_count,
        "expire_cycle_cpu_milliseconds:0",
        "evicted_keys:%d" % st.evicted_keys,
        "evicted_clients:%d" % st.evicted_clients,
        "total_eviction_exceeded_time:%d" % s.eviction.total_exceeded_ms(),
        "current_eviction_exceeded_time:%d" % s.eviction.current_exceeded_ms(),
        "keyspace_hits:%d" % ks.keyspace_hits,
        "keyspace_misses:%d" % ks.keyspace_misses,
        "pubsub_channels:%d" % len(s.pubsub.channels),
        "pubsub_patterns:%d" % len(s.pubsub.patterns),
        "pubsubshard_channels:%d" % len(s.pubsub.shard_channels),
        "latest_fork_usec:%d" % s.stats.latest_fork_usec,
        "total_forks:%d" % s.stats.total_forks,
        "migrate_cached_sockets:%d" % len(s.migrate_sockets),
        "slave_expires_tracked_keys:0",
        "active_defrag_hits:0",
        "active_defrag_misses:0",
        "active_defrag_key_hits:0",
        "active_defrag_key_misses:0",
        "total_active_defrag_time:0",
        "current_active_defrag_time:0",
        "tracking_total_keys:%d" % s.tracking.total_keys(),
        "tracking_total_items:%d" % s.tracking.items,
        "tracking_total_prefixes:%d" % s.tracking.total_prefixes(),
        "unexpected_error_replies:%d" % st.unexpected_error_replies,
        "total_error_replies:%d" % st.total_error_replies,
        "dump_payload_sanitizations:0",
        "total_reads_processed:%d" % st.total_reads,
        "total_writes_processed:%d" % st.total_writes,
        "io_threaded_reads_processed:0",
        "io_threaded_writes_processed:0",
        "reply_buffer_shrinks:0",
        "reply_buffer_expands:0",
    ]


def section_replication(s) -> list[str]:
    return s.replication.info_lines()


def section_cpu(s) -> list[str]:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return [
        "used_cpu_sys:%.6f" % ru.ru_stime,
        "used_cpu_user:%.6f" % ru.ru_utime,
        "used_cpu_sys_children:%.6f" % ch.ru_stime,
        "used_cpu_user_children:%.6f" % ch.ru_utime,
        "used_cpu_sys_main_thread:%.6f" % ru.ru_stime,
        "used_cpu_user_main_thread:%.6f" % ru.ru_utime,
    ]


def section_modules(s) -> list[str]:
    return []


def section_commandstats(s) -> list[str]:


    out = []
    for spec in COMMANDS.values():
        for sp in [spec, *spec.subcommands.values()]:
            if sp.calls or sp.rejected_calls or sp.failed_calls:
                per = sp.usec / sp.calls if sp.calls else 0.0
                out.append(
                    "cmdstat_%s:calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d"
                    % (sp.name, sp.calls, sp.usec, per, sp.rejected_calls, sp.failed_calls)
                )
    return out


def section_errorstats(s) -> list[str]:
    # Redis keeps them in a radix tree: sorted by error code (bytewise).
    errors = sorted(s.stats.errors.items(), key=lambda kv: kv[0].encode())
    return ["errorstat_%s:count=%d" % (k, v) for k, v in errors]


def section_cluster(s) -> list[str]:
    return ["cluster_enabled:%d" % (s.cluster is not None)]


def section_keyspace(s) -> list[str]:
    return [
        "db%d:keys=%d,expires=%d,avg_ttl=%d" % (db.id, len(db.data), len(db.expires), db.avg_ttl if db.expires else 0)
        for db in s.keyspace.dbs
        if db.data
    ]


def _percentile_name(p: float) -> str:
    """sprintf("%f") trimmed as trimDoubleString: 50 -> "50", 99.9 -> "99.9"."""
    text = "%f" % p
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def section_latencystats(s) -> list[str]:
    """latency_percentiles_usec_<command>:p50=…,p99=…,p99.9=… for every
    command with recorded calls (while latency-tracking is on)."""
    if not s.latency_tracking:
        return []
    percentiles = s.config.latency_tracking_info_percentiles
    out = []
    for spec in COMMANDS.values():
        for sp in [spec, *spec.subcommands.values()]:
            if sp.latency_hist:
                counts = hist_counts(sp.latency_hist)
                values = ",".join(
                    "p%s=%.3f" % (_percentile_name(p), hdr_percentile(counts, p) / 1000.0) for p in percentiles
                )
                out.append("latency_percentiles_usec_%s:%s" % (sp.name, values))
    return out


SECTIONS = {
    "server": section_server,
    "clients": section_clients,
    "memory": section_memory,
    "persistence": section_persistence,
    "stats": section_stats,
    "replication": section_replication,
    "cpu": section_cpu,
    "modules": section_modules,
    "commandstats": section_commandstats,
    "errorstats": section_errorstats,
    "cluster": section_cluster,
    "keyspace": section_keyspace,
    "latencystats": section_latencystats,
}


def render_info(server, names: list[str]) -> bytes:
    """INFO [section ...]: default sections when none are given; ``all``
    and ``everything`` (the same without modules), ``default``."""
    wanted: list[str] = []
    if not names:
        names = ["default"]
    for n in names:
        n = n.lower()
        group: tuple[str, ...]
        if n == "default":
            group = DEFAULT_SECTIONS
        elif n in ("all", "everything"):
            group = ALL_SECTIONS
        else:
            group = (n,)
        for g in group:
            if g in SECTIONS and g not in wanted:
                wanted.append(g)
    order = [g for g in ALL_SECTIONS if g in wanted]
    parts = []
    for g in order:
        title = "CPU" if g == "cpu" else g.capitalize()
        lines = SECTIONS[g](server)
        parts.append("# %s\r\n%s" % (title, "".join(line + "\r\n" for line in lines)))
    return "\r\n".join(parts).encode()
