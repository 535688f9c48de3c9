"""MEMORY USAGE / STATS / DOCTOR / MALLOC-STATS / PURGE / HELP, and the
memory overhead figures INFO memory shares with them (Redis's
getMemoryOverheadData, object.c).

The figures are radish's own: used memory from ``radish.memory`` (the
allocator counters), the keyspace's hash tables from ``sys.getsizeof`` of
its dicts, and a value's size (MEMORY USAGE) as CPython lays it out: the
container plus its elements, the elements sampled as Redis samples them
(``SAMPLES``, default 5, 0 for all) and the average scaled to the whole.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import itertools
import os
import sys

from sortedcontainers import SortedList

from .. import errors as E
from .. import memory
from ..client import FLAG_REPLICA, Client
from ..db.keytable import KeyTable, PyKeyTable
from ..db.stream import StreamValue
from ..db.types import HashLP, HashValue, ListValue, SetLP, SetValue, ZSetLP, ZSetValue
from ..errors import CommandError
from ..protocol.resp import OK, MapReply, Verbatim, status_lines
from ..strconv import string2ll
from .client_info import client_memory
from .registry import KeySpec, command

DEFAULT_SAMPLES = 5  # OBJ_COMPUTE_SIZE_DEF_SAMPLES
_FLOAT = sys.getsizeof(0.0)
_PAIR = sys.getsizeof((0.0, b""))
_PTR = 8


def _avg(sizes, n: int, sampled: int) -> int:
    return int(sizes / sampled * n) if sampled else 0


def value_size(v, samples: int) -> int:
    """objectComputeSize for radish's values: bytes the value takes."""
    t = type(v)
    if t is bytes or t is bytearray:
        return sys.getsizeof(v)
    getsize = sys.getsizeof
    if t is HashLP or t is ZSetLP or t is SetLP:
        return getsize(v)  # the object and its listpack: all of it
    if isinstance(v, ZSetValue):
        n = len(v)
        head = list(itertools.islice(v, samples))
        per = sum(getsize(m) for m in head) + len(head) * _FLOAT
        if type(v.sl) is SortedList:  # the twin: a pair and a slot per member (the C list counts its nodes)
            per += len(head) * (_PAIR + _PTR)
        return getsize(v) + getsize(v.sl) + _avg(per, n, len(head))
    if isinstance(v, HashValue):
        head = list(itertools.islice(v.items(), samples))
        per = sum(getsize(f) + getsize(x) for f, x in head)
        return getsize(v) + _avg(per, len(v), len(head))
    if isinstance(v, ListValue):
        return getsize(v)  # the object, its node slots and every node's bytes
    if isinstance(v, SetValue):
        head = list(itertools.islice(v, samples))
        return getsize(v) + _avg(sum(getsize(m) for m in head), len(v), len(head))
    if isinstance(v, StreamValue):
        nodes = v.nodes
        head = list(itertools.islice(nodes.values() if isinstance(nodes, dict) else nodes, samples))
        per = sum(getsize(node.lp) + getsize(node) for node in head)
        size = getsize(v) + getsize(nodes) + _avg(per, len(nodes), len(head))
        for g in (v.cgroups or {}).values():
            size += getsize(g) + getsize(g.pel) + len(g.pel) * (getsize(0) + 64)
        return size
    return getsize(v)


def key_overhead(key: bytes) -> int:
    """The key's own bytes and its place in the keyspace's table: in the
    C table (db/_keytable.c) a 40-byte entry, the key's bytes in the arena
    and about 6 bytes of index; in the pure-Python one the key object and
    its slots in two dicts (data and access stamp)."""
    if KeyTable is not PyKeyTable:
        return 40 + len(key) + 6
    return sys.getsizeof(key) + 2 * 3 * _PTR


# -- the overhead figures (getMemoryOverheadData) ---------------------------------


def _rss() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _rss_anon() -> int:
    """Resident anonymous memory (the heaps, pymalloc's arenas, mmaps):
    what the allocators hold resident."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return _rss()


def overhead(s) -> dict:
    """The fields of MEMORY STATS (and INFO memory), in Redis's terms."""
    used = s.used_memory()
    startup = s.startup_memory
    peak = max(s.peak_memory, used)
    slaves = normal = 0
    for c in s.clients.values():
        if c.connection is None:
            continue
        if c.flags & FLAG_REPLICA:
            slaves += c.connection.output_buffer_usage()
        else:
            normal += client_memory(c)
    backlog = len(s.propagation.backlog.buf)
    aof = len(s.aof.buf) if s.config.appendonly else 0
    _n_scripts, lua_caches = s.scripts_cached
    functions_caches = s.functions_info()[3]
    total = startup + backlog + slaves + normal + aof + lua_caches + functions_caches
    dbs = []
    keys = 0
    for db in s.keyspace.dbs:
        if not db.data:
            continue
        keys += len(db.data)
        if isinstance(db.expires, dict):  # the pure-Python table: three dicts
            main = sys.getsizeof(db.data) + sys.getsizeof(db.lru)
            expires = sys.getsizeof(db.expires) if db.expires else 0
        else:  # the C table: the expiry times are 8 bytes of each entry
            expires = 8 * len(db.expires)
            main = sys.getsizeof(db.data) - expires
        dbs.append((db.id, main, expires))
        total += main + expires
    net = used - startup if used > startup else 1
    alloc = memory.allocator_stats()
    rss = _rss()
    resident = max(_rss_anon(), alloc["active"])
    return {
        "peak": peak,
        "used": used,
        "startup": startup,
        "backlog": backlog,
        "slaves": slaves,
        "normal": normal,
        "aof": aof,
        "lua_caches": lua_caches,
        "functions_caches": functions_caches,
        "dbs": dbs,
        "overhead": total,
        "keys": keys,
        "bytes_per_key": net // keys if keys else 0,
        "dataset": used - total,
        "dataset_perc": (used - total) * 100 / net,
        "peak_perc": used * 100 / peak if peak else 0.0,
        "allocated": alloc["allocated"],
        "active": alloc["active"],
        "resident": resident,
        "rss": rss,
        "not_counted": s.eviction.not_counted(),
    }


def ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


# -- MEMORY -----------------------------------------------------------------------

MEMORY_HELP = [
    b"MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"DOCTOR",
    b"    Return memory problems reports.",
    b"MALLOC-STATS",
    b"    Return internal statistics report from the memory allocator.",
    b"PURGE",
    b"    Attempt to purge dirty pages for reclamation by the allocator.",
    b"STATS",
    b"    Return information about the memory usage of the server.",
    b"USAGE <key> [SAMPLES <count>]",
    b"    Return memory in bytes used by <key> and its value. Nested values are",
    b"    sampled up to <count> times (default: 5, 0 means sample all).",
    b"HELP",
    b"    Prints this help.",
]

_TIPS = "nondeterministic_output request_policy:all_shards response_policy:special"

command("memory", -2, "", group="server", since="4.0.0", summary="A container for memory diagnostics commands", complexity="Depends on subcommand.")(None)


@command("memory|help", 2, "loading stale", group="server", since="4.0.0", summary="Show helpful text about the different subcommands", complexity="O(1)")
def memory_help(c: Client, args: list[bytes]):
    return status_lines(MEMORY_HELP)


@command(
    "memory|usage", -3, "readonly", keys=(2, 2, 1), key_specs=(KeySpec("RO", index=2),),
    group="server", since="4.0.0", summary="Estimate the memory usage of a key",
    complexity="O(N) where N is the number of samples.",
    arguments=({"name": "key", "type": "key", "key_spec_index": 0}, {"name": "count", "type": "integer", "token": "SAMPLES", "flags": "optional"}),
)
def memory_usage(c: Client, args: list[bytes]):
    """Format: MEMORY USAGE key [SAMPLES count]"""
    samples = DEFAULT_SAMPLES
    j = 3
    while j < len(args):
        if args[j].lower() == b"samples" and j + 1 < len(args):
            n = string2ll(args[j + 1])
            if n is None:
                raise CommandError(E.NOT_INTEGER)
            if n < 0:
                raise CommandError(E.SYNTAX)
            samples = sys.maxsize if n == 0 else n
            j += 2
        else:
            raise CommandError(E.SYNTAX)
    key = args[2]
    v = c.db.data.get(key)  # dictFind: no expiry check, no access recorded
    if v is None:
        return None
    return value_size(v, samples) + key_overhead(key)


@command("memory|stats", 2, "", group="server", since="4.0.0", summary="Show memory usage details", complexity="O(1)", tips=_TIPS)
def memory_stats(c: Client, args: list[bytes]):
    """Format: MEMORY STATS"""
    m = overhead(c.server)
    fields: list = [
        (b"peak.allocated", m["peak"]),
        (b"total.allocated", m["used"]),
        (b"startup.allocated", m["startup"]),
        (b"replication.backlog", m["backlog"]),
        (b"clients.slaves", m["slaves"]),
        (b"clients.normal", m["normal"]),
        (b"cluster.links", 0),
        (b"aof.buffer", m["aof"]),
        (b"lua.caches", m["lua_caches"]),
        (b"functions.caches", m["functions_caches"]),
    ]
    for dbid, main, expires in m["dbs"]:
        fields.append((b"db.%d" % dbid, MapReply([
            (b"overhead.hashtable.main", main),
            (b"overhead.hashtable.expires", expires),
            (b"overhead.hashtable.slot-to-keys", 0),
        ])))
    fields += [
        (b"overhead.total", m["overhead"]),
        (b"keys.count", m["keys"]),
        (b"keys.bytes-per-key", m["bytes_per_key"]),
        (b"dataset.bytes", m["dataset"]),
        (b"dataset.percentage", float(m["dataset_perc"])),
        (b"peak.percentage", float(m["peak_perc"])),
        (b"allocator.allocated", m["allocated"]),
        (b"allocator.active", m["active"]),
        (b"allocator.resident", m["resident"]),
        (b"allocator-fragmentation.ratio", ratio(m["active"], m["allocated"])),
        (b"allocator-fragmentation.bytes", m["active"] - m["allocated"]),
        (b"allocator-rss.ratio", ratio(m["resident"], m["active"])),
        (b"allocator-rss.bytes", m["resident"] - m["active"]),
        (b"rss-overhead.ratio", ratio(m["rss"], m["resident"])),
        (b"rss-overhead.bytes", m["rss"] - m["resident"]),
        (b"fragmentation", ratio(m["rss"], m["used"])),
        (b"fragmentation.bytes", m["rss"] - m["used"]),
    ]
    return MapReply(fields)


_DOCTOR_EMPTY = (
    "Hi Sam, this instance is empty or is using very little memory, "
    "my issues detector can't be used in these conditions. "
    "Please, leave for your mission on Earth and fill it with some data. "
    "The new Sam and I will be back to our programming as soon as I "
    "finished rebooting.\n"
)
_DOCTOR_FINE = "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n"
_DOCTOR_ISSUES = {
    "big_peak": " * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n",
    "high_frag": " * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is \"libc\".\n\n",
    "high_alloc_frag": " * High allocator fragmentation: This instance has an allocator external fragmentation greater than 1.1. This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. You can try enabling 'activedefrag' config option.\n\n",
    "high_alloc_rss": " * High allocator RSS overhead: This instance has an RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the allocator is much larger than the sum what the allocator actually holds). This problem is usually due to a large peak memory (check if there is a peak memory entry above in the report), you can try the MEMORY PURGE command to reclaim it.\n\n",
    "high_proc_rss": " * High process RSS overhead: This instance has non-allocator RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the Redis process is much larger than the RSS the allocator holds). This problem may be due to Lua scripts or Modules.\n\n",
    "big_slave_buf": " * Big replica buffers: The replica output buffers in this instance are greater than 10MB for each replica (on average). This likely means that there is some replica instance that is struggling receiving data, either because it is too slow or because of networking issues. As a result, data piles on the master output buffers. Please try to identify what replica is not receiving data correctly and why. You can use the INFO output in order to check the replicas delays and the CLIENT LIST command to check the output buffers of each replica.\n\n",
    "big_client_buf": " * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to understand better why certain clients are using a big amount of memory.\n\n",
    "many_scripts": " * Many scripts: There seem to be many cached scripts in this instance (more than 1000). This may be because scripts are generated and `EVAL`ed, instead of being parameterized (with KEYS and ARGV), `SCRIPT LOAD`ed and `EVALSHA`ed. Unless `SCRIPT FLUSH` is called periodically, the scripts' caches may end up consuming most of your memory.\n\n",
}


def doctor_report(s) -> str:
    """getMemoryDoctorReport. "Very little memory" is measured above
    radish's start-up memory (the interpreter alone is more than Redis's
    5 MB threshold)."""
    m = overhead(s)
    if m["used"] - m["startup"] < 5 * 1024 * 1024:
        return _DOCTOR_EMPTY
    found = []
    if ratio(m["peak"], m["used"]) > 1.5:
        found.append("big_peak")
    if ratio(m["rss"], m["used"]) > 1.4 and m["rss"] - m["used"] > 10 << 20:
        found.append("high_frag")
    if ratio(m["active"], m["allocated"]) > 1.1 and m["active"] - m["allocated"] > 10 << 20:
        found.append("high_alloc_frag")
    if ratio(m["resident"], m["active"]) > 1.1 and m["resident"] - m["active"] > 10 << 20:
        found.append("high_alloc_rss")
    if ratio(m["rss"], m["resident"]) > 1.1 and m["rss"] - m["resident"] > 10 << 20:
        found.append("high_proc_rss")
    replicas = sum(1 for c in s.clients.values() if c.flags & FLAG_REPLICA)
    normal = max(1, len(s.clients) - replicas)
    if m["normal"] / normal > 1024 * 200:
        found.append("big_client_buf")
    if replicas and m["slaves"] > 1024 * 1024 * 10:
        found.append("big_slave_buf")
    if s.scripts_cached[0] > 1000:
        found.append("many_scripts")
    if not found:
        return _DOCTOR_FINE
    order = ("big_peak", "high_frag", "high_alloc_frag", "high_alloc_rss", "high_proc_rss", "big_slave_buf", "big_client_buf", "many_scripts")
    return (
        "Sam, I detected a few issues in this Redis instance memory implants:\n\n"
        + "".join(_DOCTOR_ISSUES[k] for k in order if k in found)
        + "I'm here to keep you safe, Sam. I want to help you.\n"
    )


@command("memory|doctor", 2, "", group="server", since="4.0.0", summary="Outputs memory problems report", complexity="O(1)", tips=_TIPS)
def memory_doctor(c: Client, args: list[bytes]):
    """Format: MEMORY DOCTOR"""
    return Verbatim(doctor_report(c.server).encode())


_LIBC = None


def _libc():
    global _LIBC
    if _LIBC is None:
        _LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    return _LIBC


@command("memory|malloc-stats", 2, "", group="server", since="4.0.0", summary="Show allocator internal stats", complexity="Depends on how much memory is allocated, could be slow", tips=_TIPS)
def memory_malloc_stats(c: Client, args: list[bytes]):
    """Format: MEMORY MALLOC-STATS. Redis built without jemalloc answers
    this line; radish runs on glibc malloc and pymalloc."""
    return b"Stats not supported for the current allocator"


@command("memory|purge", 2, "", group="server", since="4.0.0", summary="Ask the allocator to release memory", complexity="Depends on how much memory is allocated, could be slow", tips="request_policy:all_shards response_policy:all_succeeded")
def memory_purge(c: Client, args: list[bytes]):
    """Format: MEMORY PURGE: glibc's malloc_trim(0) returns free pages of
    the heaps to the system (as jemalloc's purge does for its arenas)."""
    try:
        _libc().malloc_trim(0)
    except (OSError, AttributeError):
        raise CommandError("ERR Error purging dirty pages") from None
    return OK
