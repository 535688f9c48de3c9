"""SLOWLOG, LATENCY and MONITOR, and the steps of ``call()`` that feed them:
``note_slow`` (a command at or over the slow threshold: the slow log and
the command / fast-command latency events) and ``feed_monitors`` (the line
every MONITOR client receives), as Redis 7.0's slowlog.c, latency.c and
replicationFeedMonitors.

The data lives in ``radish.latency`` (server.slowlog, server.latency); the
set of monitors in ``server.monitors``.
"""

from __future__ import annotations

import itertools
import os
import time
from array import array

from .. import errors as E
from ..client import FLAG_MONITOR, FLAG_UNIX, Client
from ..config import SENSITIVE
from ..config.table import lookup as config_lookup
from ..errors import CommandError
from ..latency import doctor_report, hdr_log_buckets, hist_counts, sparkline
from ..protocol.resp import OK, MapReply, Verbatim, status_lines
from ..protocol.splitargs import quote_arg
from ..strconv import string2ll
from .migrate import redacted_positions as migrate_redacted_positions
from .registry import COMMANDS, command
from .results import NO_REPLY

REDACTED = b"(redacted)"


def redacted(spec, args: list[bytes]) -> list[bytes]:
    """The arguments as MONITOR and the slow log show them: passwords
    replaced by "(redacted)" (AUTH, HELLO … AUTH, MIGRATE … AUTH/AUTH2), as
    Redis's redactClientCommandArgument."""
    name = spec.name
    if name == "auth":
        return [args[0]] + [REDACTED] * (len(args) - 1)
    if name == "acl|setuser":
        return args[:2] + [REDACTED] * (len(args) - 2)
    if name == "config|set":
        out = list(args)
        for i in range(2, len(out) - 1, 2):
            found = config_lookup(out[i])
            if found is not None and found[0].flags & SENSITIVE:
                out[i + 1] = REDACTED
        return out
    if name == "hello":
        out = list(args)
        i = 2
        while i < len(out):
            opt = out[i].lower()
            if opt == b"auth" and i + 2 < len(out):
                out[i + 1] = out[i + 2] = REDACTED
                i += 3
            elif opt == b"setname" and i + 1 < len(out):
                i += 2
            else:
                break
        return out
    if name == "migrate":
        out = list(args)
        for i in migrate_redacted_positions(args):
            out[i] = REDACTED
        return out
    return args


def _peer(c: Client) -> bytes:
    """getClientPeerId: the address, "?:0" for a client without one (a
    script's)."""
    return (c.addr or "?:0").encode()


# -- steps of call() ---------------------------------------------------------------------


def note_slow(c: Client, spec, args: list[bytes], usec: int) -> None:
    """A command took ``usec`` at or over server.slow_usec: a latency
    sample (command or fast-command) and a slow log entry, each if over
    its own threshold."""
    server = c.server
    cfg = server.config
    if cfg.latency_monitor_threshold:
        server.latency.add_sample("fast-command" if spec.fast else "command", usec // 1000, cfg.latency_monitor_threshold)
    slower_than = cfg.slowlog_log_slower_than
    if slower_than >= 0 and usec >= slower_than and not spec.skip_slowlog:
        name = b"" if c.in_script else (c.name or b"")
        server.slowlog.push(redacted(spec, args), usec, _peer(c) if not c.in_script else b"?:0", name, cfg.slowlog_max_len)


def feed_monitors(c: Client, spec, args: list[bytes]) -> None:
    """replicationFeedMonitors: ``+<sec>.<usec> [<db> <addr>|lua] "arg" …``
    to every MONITOR client (not while loading). ``spec`` None: the
    arguments need no redaction (EVAL feeds itself before its script's
    commands)."""
    server = c.server
    if server.loading:
        return
    now = time.time()
    sec = int(now)
    usec = int((now - sec) * 1_000_000)
    if c.in_script:
        where = b"lua"
    elif c.flags & FLAG_UNIX:
        where = b"unix:" + server.config.unixsocket.encode("utf-8", "surrogateescape")
    else:
        where = _peer(c)
    line = b"+%d.%06d [%d %b] %b\r\n" % (sec, usec, c.db.id, where, b" ".join(quote_arg(a) for a in (args if spec is None else redacted(spec, args))))
    for m in list(server.monitors):
        conn = m.connection
        if conn is None:
            continue
        if m is c:
            c.after_reply.append(line)  # after its own reply (run_batch), as Redis orders them
        else:
            conn.write(line)


def slow_threshold(cfg) -> int:
    """The smallest duration (µs) call() must report to note_slow; a huge
    number when neither the slow log nor the latency monitor listens."""
    limits = []
    if cfg.slowlog_log_slower_than >= 0:
        limits.append(cfg.slowlog_log_slower_than)
    if cfg.latency_monitor_threshold > 0:
        limits.append(cfg.latency_monitor_threshold * 1000)
    return min(limits) if limits else 1 << 62


# -- SLOWLOG -----------------------------------------------------------------------------

SLOWLOG_HELP = [
    b"SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"GET [<count>]",
    b"    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
    b"    Entries are made of:",
    b"    id, timestamp, time in microseconds, arguments array, client IP and port,",
    b"    client name",
    b"LEN",
    b"    Return the length of the slowlog.",
    b"RESET",
    b"    Reset the slowlog.",
    b"HELP",
    b"    Prints this help.",
]

command("slowlog", -2, "", group="server", since="2.2.12", summary="A container for slow log commands", complexity="Depends on subcommand.")(None)


@command("slowlog|get", -2, "admin loading stale", group="server", since="2.2.12", summary="Get the slow log's entries", complexity="O(N) where N is the number of entries returned", tips="request_policy:all_nodes nondeterministic_output", arguments=({"name": "count", "type": "integer", "flags": "optional"},))
def slowlog_get(c: Client, args: list[bytes]):
    """Format: SLOWLOG GET [count]"""
    if len(args) > 3:
        raise CommandError(E.SUBCOMMAND_SYNTAX % (args[1].decode("utf-8", "replace"), "SLOWLOG"))
    entries = c.server.slowlog.entries
    count = 10
    if len(args) == 3:
        v = string2ll(args[2])
        if v is None or v < -1:
            raise CommandError(E.SLOWLOG_COUNT)
        count = len(entries) if v == -1 else v
    return [e.reply() for e in itertools.islice(entries, count)]


@command("slowlog|len", 2, "admin loading stale", group="server", since="2.2.12", summary="Get the slow log's length", complexity="O(1)", tips="request_policy:all_nodes response_policy:agg_sum nondeterministic_output")
def slowlog_len(c: Client, args: list[bytes]):
    """Format: SLOWLOG LEN"""
    return len(c.server.slowlog.entries)


@command("slowlog|reset", 2, "admin loading stale", group="server", since="2.2.12", summary="Clear all entries from the slow log", complexity="O(N) where N is the number of entries in the slowlog", tips="request_policy:all_nodes response_policy:all_succeeded")
def slowlog_reset(c: Client, args: list[bytes]):
    """Format: SLOWLOG RESET"""
    c.server.slowlog.reset()
    return OK


@command("slowlog|help", 2, "loading stale", group="server", since="6.2.0", summary="Show helpful text about the different subcommands", complexity="O(1)")
def slowlog_help(c: Client, args: list[bytes]):
    return status_lines(SLOWLOG_HELP)


# -- LATENCY -----------------------------------------------------------------------------

LATENCY_HELP = [
    b"LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"DOCTOR",
    b"    Return a human readable latency analysis report.",
    b"GRAPH <event>",
    b"    Return an ASCII latency graph for the <event> class.",
    b"HISTORY <event>",
    b"    Return time-latency samples for the <event> class.",
    b"LATEST",
    b"    Return the latest latency samples for all events.",
    b"RESET [<event> ...]",
    b"    Reset latency data of one or more <event> classes.",
    b"    (default: reset all data for all event classes)",
    b"HISTOGRAM [COMMAND ...]",
    b"    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
    b"    If no commands are specified then all histograms are replied.",
    b"HELP",
    b"    Prints this help.",
]

_ADMIN = "admin noscript loading stale"
_SPECIAL = "nondeterministic_output request_policy:all_nodes response_policy:special"

command("latency", -2, "", group="server", since="2.8.13", summary="A container for latency diagnostics commands", complexity="Depends on subcommand.")(None)


@command("latency|latest", 2, _ADMIN, group="server", since="2.8.13", summary="Return the latest latency samples for all events.", complexity="O(1)", tips=_SPECIAL)
def latency_latest(c: Client, args: list[bytes]):
    """Format: LATENCY LATEST"""
    out = []
    for event, series in c.server.latency.events.items():
        when, lat = series.latest()
        out.append([event.encode(), when, lat, series.max])
    return out


@command("latency|history", 3, _ADMIN, group="server", since="2.8.13", summary="Return timestamp-latency samples for the event.", complexity="O(1)", tips=_SPECIAL, arguments=({"name": "event", "type": "string"},))
def latency_history(c: Client, args: list[bytes]):
    """Format: LATENCY HISTORY event"""
    series = c.server.latency.events.get(args[2].decode("utf-8", "replace"))
    return [] if series is None else [[t, lat] for t, lat in series.samples()]


@command("latency|graph", 3, _ADMIN, group="server", since="2.8.13", summary="Return a latency graph for the event.", complexity="O(1)", tips=_SPECIAL, arguments=({"name": "event", "type": "string"},))
def latency_graph(c: Client, args: list[bytes]):
    """Format: LATENCY GRAPH event"""
    event = args[2].decode("utf-8", "replace")
    series = c.server.latency.events.get(event)
    if series is None:
        raise CommandError(E.LATENCY_NO_SAMPLES % event)
    samples = series.samples()
    now = int(time.time())
    points = []
    for t, lat in samples:
        elapsed = now - t
        if elapsed < 60:
            label = b"%ds" % elapsed
        elif elapsed < 3600:
            label = b"%dm" % (elapsed // 60)
        elif elapsed < 86400:
            label = b"%dh" % (elapsed // 3600)
        else:
            label = b"%dd" % (elapsed // 86400)
        points.append((float(lat), label))
    lats = [lat for _t, lat in samples]
    head = b"%s - high %d ms, low %d ms (all time high %d ms)\n" % (
        event.encode(), max(lats, default=0), min(lats, default=0), series.max)
    return Verbatim(head + b"-" * 80 + b"\n" + sparkline(points, 80, 4))


@command("latency|doctor", 2, _ADMIN, group="server", since="2.8.13", summary="Return a human readable latency analysis report.", complexity="O(1)", tips=_SPECIAL)
def latency_doctor(c: Client, args: list[bytes]):
    """Format: LATENCY DOCTOR"""
    server = c.server
    cfg = server.config
    fork_usec = server.stats.latest_fork_usec
    fork_rate = server.used_memory() / (1024 * 1024 * 1024) / (fork_usec / 1e6) if fork_usec else 0.0
    return Verbatim(doctor_report(
        server.latency,
        latency_threshold=cfg.latency_monitor_threshold,
        slowlog_threshold=cfg.slowlog_log_slower_than,
        fork_rate=fork_rate,
        fsync_always=cfg.appendfsync == "always",
        hz=server.hz,
        thp_bytes=_anon_huge_pages(),
    ))  # fmt: skip


def _anon_huge_pages() -> int:
    """THPGetAnonHugePagesSize: AnonHugePages of this process, in bytes."""
    try:
        with open("/proc/%d/smaps" % os.getpid(), "rb") as f:
            return sum(int(line.split()[1]) for line in f if line.startswith(b"AnonHugePages:")) * 1024
    except (OSError, ValueError, IndexError):
        return 0


@command("latency|reset", -2, _ADMIN, group="server", since="2.8.13", summary="Reset latency data for one or more events.", complexity="O(1)", tips="request_policy:all_nodes response_policy:all_succeeded", arguments=({"name": "event", "type": "string", "flags": "optional multiple"},))
def latency_reset(c: Client, args: list[bytes]):
    """Format: LATENCY RESET [event [event ...]]"""
    names = None if len(args) == 2 else [a.decode("utf-8", "replace") for a in args[2:]]
    return c.server.latency.reset(names)


@command("latency|histogram", -2, _ADMIN, group="server", since="7.0.0", summary="Return the cumulative distribution of latencies of a subset of commands or all.", complexity="O(N) where N is the number of commands with latency information being retrieved.", tips=_SPECIAL, arguments=({"name": "command", "type": "string", "flags": "optional multiple"},))
def latency_histogram(c: Client, args: list[bytes]):
    """Format: LATENCY HISTOGRAM [command [command ...]]"""
    if len(args) == 2:
        specs = [sp for spec in COMMANDS.values() for sp in (spec, *spec.subcommands.values())]
    else:
        specs = []
        for name in args[2:]:
            spec = lookup_by_fullname(name)
            if spec is not None:
                specs.extend((spec, *spec.subcommands.values()))
    return MapReply([(sp.name.encode(), _cdf(sp.latency_hist)) for sp in specs if sp.latency_hist])


def _cdf(h: array) -> MapReply:
    """fillCommandCDF: calls, and the cumulative counts by power-of-two µs."""
    hist = hist_counts(h)
    return MapReply([
        (b"calls", sum(hist.values())),
        (b"histogram_usec", MapReply(list(hdr_log_buckets(hist)))),
    ])  # fmt: skip


def lookup_by_fullname(name: bytes):
    """lookupCommandBySds: ``cmd`` or ``cmd|sub`` in the live table."""
    parts = name.lower().split(b"|")
    if len(parts) > 2:
        return None
    spec = COMMANDS.get(parts[0])
    if spec is None or len(parts) == 1:
        return spec
    return spec.subcommands.get(parts[1])


@command("latency|help", 2, "loading stale", group="server", since="2.8.13", summary="Show helpful text about the different subcommands.", complexity="O(1)")
def latency_help(c: Client, args: list[bytes]):
    return status_lines(LATENCY_HELP)


# -- MONITOR -----------------------------------------------------------------------------


@command("monitor", 1, "admin noscript loading stale", group="server", since="1.0.0", summary="Listen for all requests received by the server in real time")
def monitor(c: Client, args: list[bytes]):
    """Format: MONITOR"""
    if c.no_block:
        raise CommandError(E.MONITOR_DENY_BLOCKING)
    if c.flags & FLAG_MONITOR or c.repl is not None:
        return NO_REPLY  # already a monitor or a replica: ignored
    c.flags |= FLAG_MONITOR
    c.server.monitors[c] = None
    return OK


def drop_monitor(c: Client) -> None:
    """A client closed or RESET: no longer a monitor."""
    if c.server.monitors.pop(c, None) is not None or c.flags & FLAG_MONITOR:
        c.flags &= ~FLAG_MONITOR
