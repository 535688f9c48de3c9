"""The parameter table: every configuration parameter once (name, alias,
value type, default, flags, validity check) in Redis 7.0.15's order, the
name lookup, and the audit of what radish does not enforce (``not_built=``
/ ``not_applicable=`` marks and README.md's list generated from them).

Imports ``radish.config.values`` only (and the standard library).
"""

from __future__ import annotations

from typing import Callable

from .values import (
    DENY_LOADING,
    HIDDEN,
    IMMUTABLE,
    INT_MAX,
    INT_MIN,
    LLONG_MAX,
    LONG_MAX,
    PROTECTED,
    SENSITIVE,
    SSIZE_MAX,
    UINT_MAX,
    ULLONG_MAX,
    BindType,
    BoolType,
    ClientOutputBufferLimitType,
    DirType,
    EnumType,
    NotifyKeyspaceEventsType,
    NumberType,
    OomScoreAdjValuesType,
    ParamType,
    PercentilesType,
    ReplicaOfType,
    SaveType,
    StringType,
    check_active_defrag,
    check_appenddirname,
    check_appendfilename,
    check_dbfilename,
    check_hostname,
    check_proc_title_template,
    check_shutdown_flags,
    clamp_hz,
)

NOT_BUILT = "not built yet"
NOT_APPLICABLE = "not applicable"

_TLS = "TLS is not built yet"
_DEFRAG = "no active defragmentation (it needs Redis's jemalloc: activedefrag cannot be enabled)"
_SYSLOG = "logging to syslog is not built yet"
_AFFINITY = "radish does not set CPU affinity"
_THREADS = "radish does all network I/O on its one event-loop thread"
_DISK_SYNC = "a primary always sends replicas an RDB file written to disk"
_TITLE = "radish never changes its process title"
_OOM_ADJ = "radish does not write oom_score_adj"


class Param:
    """One configuration parameter."""

    __slots__ = (
        "name", "type", "default", "flags", "alias", "check", "normalize", "attr", "unenforced",
    )  # fmt: skip

    def __init__(
        self,
        name: str,
        type: ParamType,
        default: object,
        flags: int = 0,
        alias: str | None = None,
        check: Callable[[object], None] | None = None,
        normalize: Callable[[object], object] | None = None,
        not_built: str | None = None,
        not_applicable: str | None = None,
    ) -> None:
        self.name = name
        self.type = type
        self.default = default
        self.flags = flags
        self.alias = alias
        self.check = check  # raises ConfigError for a parsed but invalid value
        self.normalize = normalize  # adjusts an accepted value (hz clamping)
        self.attr = name.replace("-", "_")
        # Accepted, validated and reported (CONFIG GET/REWRITE) but not acted
        # on: (NOT_BUILT | NOT_APPLICABLE, one-line reason), or None when
        # radish enforces the parameter as Redis does.
        self.unenforced: tuple[str, str] | None = None
        if not_built is not None:
            self.unenforced = (NOT_BUILT, not_built)
        elif not_applicable is not None:
            self.unenforced = (NOT_APPLICABLE, not_applicable)

    def parse(self, args: list[bytes], current: object) -> object:
        value = self.type.parse(args, current)
        if self.check is not None:
            self.check(value)
        if self.normalize is not None:
            value = self.normalize(value)
        return value

    def __repr__(self) -> str:
        return "Param(%r)" % self.name


BOOL = BoolType()
STR = StringType(empty_is_null=False)  # "" is a value of its own
NSTR = StringType(empty_is_null=True)  # "" means unset
INT = NumberType(INT_MIN, INT_MAX)
NNINT = NumberType(0, INT_MAX)  # non-negative int
PORT = NumberType(0, 65535)
SIZE = NumberType(0, LONG_MAX, unsigned=True)  # size_t counts
MEM_SIZE = NumberType(0, LONG_MAX, unsigned=True, memory=True)  # size_t byte sizes
_IMM = IMMUTABLE


def _enum(*names: str) -> EnumType:
    return EnumType((n, i) for i, n in enumerate(names))


_SHUTDOWN_ENUM = EnumType(
    [("default", 0), ("save", 1), ("nosave", 2), ("now", 4), ("force", 8)], bitflags=True
)
_PROTECTED_ACTION = _enum("no", "yes", "local")

# In Redis 7.0.15's order (bool, string, enum, numeric, TLS, special configs).
PARAMS: tuple[Param, ...] = (
    # yes/no
    Param("rdbchecksum", BOOL, True, _IMM),
    Param("daemonize", BOOL, False, _IMM),
    Param("io-threads-do-reads", BOOL, False, _IMM, not_applicable=_THREADS),
    Param("always-show-logo", BOOL, False, _IMM, not_applicable="radish prints no ASCII-art logo"),
    Param("protected-mode", BOOL, True),
    Param("rdbcompression", BOOL, True),
    Param("rdb-del-sync-files", BOOL, False, not_applicable="replication RDB files are temporary and always deleted"),
    Param("activerehashing", BOOL, True, not_applicable="Python dicts resize themselves (no incremental rehashing)"),
    Param("stop-writes-on-bgsave-error", BOOL, True),
    Param("set-proc-title", BOOL, True, _IMM, not_applicable=_TITLE),
    Param("dynamic-hz", BOOL, True, not_built="hz stays as configured whatever the number of clients"),
    Param("lazyfree-lazy-eviction", BOOL, False),
    Param("lazyfree-lazy-expire", BOOL, False),
    Param("lazyfree-lazy-server-del", BOOL, False),
    Param("lazyfree-lazy-user-del", BOOL, False),
    Param("lazyfree-lazy-user-flush", BOOL, False),
    Param("repl-disable-tcp-nodelay", BOOL, False, not_built="replica links always use TCP_NODELAY"),
    Param("repl-diskless-sync", BOOL, True, not_built=_DISK_SYNC),
    Param("aof-rewrite-incremental-fsync", BOOL, True),
    Param("no-appendfsync-on-rewrite", BOOL, False),
    Param("cluster-require-full-coverage", BOOL, True),
    Param("rdb-save-incremental-fsync", BOOL, True),
    Param("aof-load-truncated", BOOL, True),
    Param("aof-use-rdb-preamble", BOOL, True),
    Param("aof-timestamp-enabled", BOOL, False),
    Param("cluster-replica-no-failover", BOOL, False, alias="cluster-slave-no-failover"),
    Param("replica-lazy-flush", BOOL, False, alias="slave-lazy-flush"),
    Param("replica-serve-stale-data", BOOL, True, alias="slave-serve-stale-data"),
    Param("replica-read-only", BOOL, True, alias="slave-read-only"),
    Param("replica-ignore-maxmemory", BOOL, True, alias="slave-ignore-maxmemory"),
    Param("jemalloc-bg-thread", BOOL, True, not_applicable="radish does not use jemalloc"),
    Param("activedefrag", BOOL, False, check=check_active_defrag),
    Param("syslog-enabled", BOOL, False, _IMM, not_built=_SYSLOG),
    Param("cluster-enabled", BOOL, False, _IMM),
    Param("appendonly", BOOL, False, DENY_LOADING),
    Param("cluster-allow-reads-when-down", BOOL, False),
    Param("cluster-allow-pubsubshard-when-down", BOOL, True),
    Param("crash-log-enabled", BOOL, True, not_applicable="radish writes no crash report (an uncaught error logs a Python traceback)"),
    Param("crash-memcheck-enabled", BOOL, True, not_applicable="radish runs no memory test after a crash"),
    Param("use-exit-on-panic", BOOL, False, HIDDEN, not_applicable="radish has no panic path that aborts"),
    Param("disable-thp", BOOL, True, _IMM, not_applicable="radish does not change transparent huge pages"),
    Param("cluster-allow-replica-migration", BOOL, True),
    Param("replica-announced", BOOL, True),
    Param("latency-tracking", BOOL, True),
    Param("aof-disable-auto-gc", BOOL, False),
    Param("replica-ignore-disk-write-errors", BOOL, False, not_built="a replica never refuses its primary's writes for disk errors"),
    # strings
    Param("aclfile", STR, "", _IMM),
    Param("unixsocket", NSTR, "", _IMM),
    Param("pidfile", NSTR, "", _IMM),
    Param("replica-announce-ip", NSTR, "", alias="slave-announce-ip", not_built="a replica does not send REPLCONF ip-address"),
    Param("masteruser", NSTR, "", SENSITIVE),
    Param("cluster-announce-ip", NSTR, ""),
    Param("cluster-config-file", STR, "nodes.conf", _IMM),
    Param("cluster-announce-hostname", NSTR, "", check=check_hostname),
    Param("syslog-ident", STR, "redis", _IMM, not_built=_SYSLOG),
    Param("dbfilename", STR, "dump.rdb", PROTECTED, check=check_dbfilename),
    Param("appendfilename", STR, "appendonly.aof", _IMM, check=check_appendfilename),
    Param("appenddirname", STR, "appendonlydir", _IMM, check=check_appenddirname),
    Param("server_cpulist", NSTR, "", _IMM, not_built=_AFFINITY),
    Param("bio_cpulist", NSTR, "", _IMM, not_built=_AFFINITY),
    Param("aof_rewrite_cpulist", NSTR, "", _IMM, not_built=_AFFINITY),
    Param("bgsave_cpulist", NSTR, "", _IMM, not_built=_AFFINITY),
    Param("ignore-warnings", STR, "", not_applicable="radish makes none of the system checks these warnings silence"),
    Param("proc-title-template", STR, "{title} {listen-addr} {server-mode}", check=check_proc_title_template, not_applicable=_TITLE),
    Param("bind-source-addr", NSTR, "", not_built="replica links connect from the default source address"),
    Param("logfile", STR, "", _IMM),
    Param("masterauth", NSTR, "", SENSITIVE),
    Param("requirepass", NSTR, "", SENSITIVE),
    # enums
    Param("supervised", _enum("upstart", "systemd", "auto", "no"), "no", _IMM, not_built="no upstart or systemd notification"),
    Param("syslog-facility", _enum("user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"), "local0", _IMM, not_built=_SYSLOG),
    Param("repl-diskless-load", _enum("disabled", "on-empty-db", "swapdb"), "disabled", DENY_LOADING, not_applicable="a replica always loads its primary's RDB from memory"),
    Param("loglevel", _enum("debug", "verbose", "notice", "warning"), "notice"),
    Param("maxmemory-policy", _enum("volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"), "noeviction"),
    Param("appendfsync", _enum("everysec", "always", "no"), "everysec"),
    Param("oom-score-adj", EnumType([("no", 0), ("yes", 1), ("relative", 1), ("absolute", 2)]), "no", not_built=_OOM_ADJ),
    Param("acl-pubsub-default", EnumType([("allchannels", 1), ("resetchannels", 0)]), "resetchannels"),
    Param("sanitize-dump-payload", _enum("no", "yes", "clients"), "no", not_applicable="RESTORE and RDB payloads are always decoded in full"),
    Param("enable-protected-configs", _PROTECTED_ACTION, "no", _IMM),
    Param("enable-debug-command", _PROTECTED_ACTION, "no", _IMM),
    Param("enable-module-command", _PROTECTED_ACTION, "no", _IMM),
    Param("cluster-preferred-endpoint-type", _enum("ip", "hostname", "unknown-endpoint"), "ip"),
    Param("propagation-error-behavior", _enum("ignore", "panic", "panic-on-replicas"), "ignore", not_built="errors in commands from a primary or the AOF are always ignored"),
    Param("shutdown-on-sigint", _SHUTDOWN_ENUM, "default", check=check_shutdown_flags, not_built="SIGINT always shuts down as 'default' (saving if save points exist)"),
    Param("shutdown-on-sigterm", _SHUTDOWN_ENUM, "default", check=check_shutdown_flags, not_built="SIGTERM always shuts down as 'default' (saving if save points exist)"),
    # int
    Param("databases", NumberType(1, INT_MAX), 16, _IMM),
    Param("port", PORT, 6379),
    Param("io-threads", NumberType(1, 128), 1, _IMM, not_applicable=_THREADS),
    Param("auto-aof-rewrite-percentage", NNINT, 100),
    Param("cluster-replica-validity-factor", NNINT, 10, alias="cluster-slave-validity-factor"),
    Param("list-max-listpack-size", INT, -2, alias="list-max-ziplist-size"),
    Param("tcp-keepalive", NNINT, 300),
    Param("cluster-migration-barrier", NNINT, 1),
    Param("active-defrag-cycle-min", NumberType(1, 99), 1, not_applicable=_DEFRAG),
    Param("active-defrag-cycle-max", NumberType(1, 99), 25, not_applicable=_DEFRAG),
    Param("active-defrag-threshold-lower", NumberType(0, 1000), 10, not_applicable=_DEFRAG),
    Param("active-defrag-threshold-upper", NumberType(0, 1000), 100, not_applicable=_DEFRAG),
    Param("lfu-log-factor", NNINT, 10),
    Param("lfu-decay-time", NNINT, 1),
    Param("replica-priority", NNINT, 100, alias="slave-priority"),
    Param("repl-diskless-sync-delay", NNINT, 5, not_built=_DISK_SYNC),
    Param("maxmemory-samples", NumberType(1, INT_MAX), 5),
    Param("maxmemory-eviction-tenacity", NumberType(0, 100), 10),
    Param("timeout", NNINT, 0),
    Param("replica-announce-port", PORT, 0, alias="slave-announce-port", not_built="a replica sends its own port in REPLCONF listening-port"),
    Param("tcp-backlog", NNINT, 511, _IMM),
    Param("cluster-port", PORT, 0, _IMM),
    Param("cluster-announce-bus-port", PORT, 0),
    Param("cluster-announce-port", PORT, 0),
    Param("cluster-announce-tls-port", PORT, 0, not_built=_TLS),
    Param("repl-timeout", NumberType(1, INT_MAX), 60),
    Param("repl-ping-replica-period", NumberType(1, INT_MAX), 10, alias="repl-ping-slave-period"),
    Param("list-compress-depth", NNINT, 0, not_built="list nodes are never LZF-compressed in memory"),
    Param("rdb-key-save-delay", INT, 0, HIDDEN),
    Param("key-load-delay", INT, 0, HIDDEN),
    Param("active-expire-effort", NumberType(1, 10), 1, not_built="the active expiry cycle does not use it"),
    Param("hz", NNINT, 10, normalize=clamp_hz),
    Param("min-replicas-to-write", NNINT, 0, alias="min-slaves-to-write"),
    Param("min-replicas-max-lag", NNINT, 10, alias="min-slaves-max-lag"),
    Param("watchdog-period", NNINT, 0, HIDDEN, not_built="there is no software watchdog"),
    Param("shutdown-timeout", NNINT, 10, not_built="shutting down does not wait for replicas to catch up"),
    Param("repl-diskless-sync-max-replicas", NNINT, 0, not_built=_DISK_SYNC),
    # unsigned int
    Param("maxclients", NumberType(1, UINT_MAX, unsigned=True), 10000),
    Param("unixsocketperm", NumberType(0, 0o777, unsigned=True, octal=True), 0, _IMM),
    Param("socket-mark-id", NumberType(0, UINT_MAX, unsigned=True), 0, _IMM, not_built="listening sockets get no SO_MARK"),
    # unsigned long
    Param("active-defrag-max-scan-fields", NumberType(1, LONG_MAX), 1000, not_applicable=_DEFRAG),
    Param("slowlog-max-len", NumberType(0, LONG_MAX), 128),
    Param("acllog-max-len", NumberType(0, LONG_MAX), 128),
    # long long
    Param("busy-reply-threshold", NumberType(0, LONG_MAX), 5000, alias="lua-time-limit"),
    Param("cluster-node-timeout", NumberType(0, LLONG_MAX), 15000),
    Param("slowlog-log-slower-than", NumberType(-1, LLONG_MAX), 10000),
    Param("latency-monitor-threshold", NumberType(0, LLONG_MAX), 0),
    Param("proto-max-bulk-len", NumberType(1024 * 1024, LONG_MAX, memory=True), 512 * 1024 * 1024),
    Param("stream-node-max-entries", NumberType(0, LLONG_MAX), 100),
    Param("repl-backlog-size", NumberType(1, LLONG_MAX, memory=True), 1024 * 1024),
    # unsigned long long
    Param("maxmemory", NumberType(0, ULLONG_MAX, unsigned=True, memory=True), 0),
    Param("cluster-link-sendbuf-limit", NumberType(0, ULLONG_MAX, unsigned=True, memory=True), 0),
    # size_t
    Param("hash-max-listpack-entries", SIZE, 512, alias="hash-max-ziplist-entries"),
    Param("set-max-intset-entries", SIZE, 512),
    Param("zset-max-listpack-entries", SIZE, 128, alias="zset-max-ziplist-entries"),
    Param("active-defrag-ignore-bytes", NumberType(1, LLONG_MAX, unsigned=True, memory=True), 100 << 20, not_applicable=_DEFRAG),
    Param("hash-max-listpack-value", MEM_SIZE, 64, alias="hash-max-ziplist-value"),
    Param("stream-node-max-bytes", MEM_SIZE, 4096),
    Param("zset-max-listpack-value", MEM_SIZE, 64, alias="zset-max-ziplist-value"),
    Param("hll-sparse-max-bytes", MEM_SIZE, 3000),
    Param("tracking-table-max-keys", SIZE, 1000000),
    Param("client-query-buffer-limit", NumberType(1024 * 1024, LONG_MAX, unsigned=True, memory=True), 1024 * 1024 * 1024),
    Param("maxmemory-clients", NumberType(-100, SSIZE_MAX, memory=True, percent=True), 0),
    # time_t / off_t
    Param("repl-backlog-ttl", NumberType(0, LONG_MAX), 3600, not_built="the replication backlog is kept while no replica is attached"),
    Param("auto-aof-rewrite-min-size", NumberType(0, LLONG_MAX, memory=True), 64 * 1024 * 1024),
    Param("loading-process-events-interval-bytes", NumberType(1024, INT_MAX), 2 * 1024 * 1024, HIDDEN),
    # TLS (Redis built with TLS support reports these)
    Param("tls-port", PORT, 0, not_built=_TLS),
    Param("tls-session-cache-size", NNINT, 20 * 1024, not_built=_TLS),
    Param("tls-session-cache-timeout", NNINT, 300, not_built=_TLS),
    Param("tls-cluster", BOOL, False, not_built=_TLS),
    Param("tls-replication", BOOL, False, not_built=_TLS),
    Param("tls-auth-clients", _enum("no", "yes", "optional"), "yes", not_built=_TLS),
    Param("tls-prefer-server-ciphers", BOOL, False, not_built=_TLS),
    Param("tls-session-caching", BOOL, True, not_built=_TLS),
    Param("tls-cert-file", NSTR, "", not_built=_TLS),
    Param("tls-key-file", NSTR, "", not_built=_TLS),
    Param("tls-key-file-pass", NSTR, "", SENSITIVE, not_built=_TLS),
    Param("tls-client-cert-file", NSTR, "", not_built=_TLS),
    Param("tls-client-key-file", NSTR, "", not_built=_TLS),
    Param("tls-client-key-file-pass", NSTR, "", SENSITIVE, not_built=_TLS),
    Param("tls-dh-params-file", NSTR, "", not_built=_TLS),
    Param("tls-ca-cert-file", NSTR, "", not_built=_TLS),
    Param("tls-ca-cert-dir", NSTR, "", not_built=_TLS),
    Param("tls-protocols", NSTR, "", not_built=_TLS),
    Param("tls-ciphers", NSTR, "", not_built=_TLS),
    Param("tls-ciphersuites", NSTR, "", not_built=_TLS),
    # special
    Param("dir", DirType(), "", PROTECTED | DENY_LOADING),  # default: the cwd at startup
    Param("save", SaveType(), [(3600, 1), (300, 100), (60, 10000)]),
    Param("client-output-buffer-limit", ClientOutputBufferLimitType(), {
        "normal": (0, 0, 0), "replica": (256 << 20, 64 << 20, 60), "pubsub": (32 << 20, 8 << 20, 60)}),
    Param("oom-score-adj-values", OomScoreAdjValuesType(), (0, 200, 800), not_built=_OOM_ADJ),
    Param("notify-keyspace-events", NotifyKeyspaceEventsType(), 0),
    Param("bind", BindType(), ["*", "-::*"]),
    Param("replicaof", ReplicaOfType(), None, _IMM, alias="slaveof"),
    Param("latency-tracking-info-percentiles", PercentilesType(), [50.0, 99.0, 99.9]),
)  # fmt: skip

# lower-case name or alias -> (param, the registered name as Redis spells it)
LOOKUP: dict[str, tuple[Param, str]] = {}
# every registered name in table order: (name, name as bytes, param)
ENTRIES: list[tuple[str, bytes, Param]] = []
for _p in PARAMS:
    for _n in (_p.name, _p.alias):
        if _n is not None:
            LOOKUP[_n] = (_p, _n)
            ENTRIES.append((_n, _n.encode(), _p))
del _p, _n

# Directives of old versions that Redis 7.0 still accepts (and ignores) in a
# config file: name -> (min argc, max argc), argc counting the name.
DEPRECATED_DIRECTIVES = {
    "list-max-ziplist-entries": (2, 2),
    "list-max-ziplist-value": (2, 2),
    "lua-replicate-commands": (2, 2),
}


def lookup(name: bytes) -> tuple[Param, str] | None:
    try:
        return LOOKUP.get(name.decode("ascii").lower())
    except UnicodeDecodeError:
        return None


# -- the list of parameters radish does not enforce (README.md) -------------------------

README_BEGIN = (
    "<!-- unenforced parameters: generated from src/radish/config/table.py by "
    "`python -m radish.config --unenforced README.md`; do not edit by hand -->"
)
README_END = "<!-- end of unenforced parameters -->"


def unenforced_markdown() -> str:
    """README.md's list of the parameters radish accepts but does not act on,
    grouped by reason, from the table's marks."""
    out = []
    for kind, title in (
        (NOT_BUILT, "Accepted but not enforced yet (the feature is not built):"),
        (NOT_APPLICABLE, "Accepted with no effect (nothing in radish they could apply to):"),
    ):
        by_reason: dict[str, list[str]] = {}
        for p in PARAMS:
            if p.unenforced is not None and p.unenforced[0] == kind:
                by_reason.setdefault(p.unenforced[1], []).append(p.name)
        out.append(title)
        out.append("")
        for reason, names in by_reason.items():
            out.append("- %s: %s." % (", ".join("`%s`" % n for n in names), reason))
        out.append("")
    return "\n".join(out)


def readme_with_unenforced_list(readme: str) -> str:
    """``readme`` with the text between README_BEGIN and README_END replaced
    by unenforced_markdown(); ValueError when the markers are missing."""
    start = readme.find(README_BEGIN)
    end = readme.find(README_END)
    if start < 0 or end < start:
        raise ValueError("README markers for the unenforced parameters are missing")
    head = readme[: start + len(README_BEGIN)]
    return head + "\n\n" + unenforced_markdown() + "\n" + readme[end:]
