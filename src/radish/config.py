"""Every configuration parameter of the server, declared once.

This module owns the parameter table (name, alias, type, default, flags) and
everything that reads it: the redis-server command line and redis.conf files
(``load_server_config``), ``CONFIG GET`` (``Config.get_matching``), ``CONFIG
SET`` (``Config.set_many``, atomic, with change hooks) and ``CONFIG REWRITE``
(``Config.rewrite``).  Values are parsed, validated and rendered by one small
class per value type, with Redis 7.0.15's exact texts (``CONFIG GET`` output,
error messages, rewritten lines).

The table is also the audit of what radish enforces: a parameter accepted
without being acted on is marked ``not_built=`` or ``not_applicable=`` with a
one-line reason; ``Config.unenforced_warnings`` gives the start-up / CONFIG
SET warnings for them and ``python -m radish.config --unenforced README.md``
writes README's list.  ``user`` directives (beyond Redis's default user) and
a non-empty ``aclfile`` are refused until ACL users exist; rename-command
lines are applied through a callback the caller passes (the command table
lives above this module).

It imports nothing from radish except ``radish.protocol.splitargs``,
``radish.globmatch`` and ``radish.strconv``: no server, network, keyspace or command code.  It never
acts on the process (no chdir, no listening, no log file writes): the server
registers hooks with ``Config.on_change`` for that.  (The one exception is
Redis's own: at startup a configured log file must open for appending.)

Values are plain attributes of a ``Config`` (``-`` becomes ``_``), in Python
types: bool for yes/no parameters; int for numbers and memory sizes (bytes;
``maxmemory_clients`` is negative for a percentage, as in Redis: ``-50`` is
``50%``); str for strings (``''`` when unset) and for enums (the canonical
name Redis shows, e.g. ``'notice'``, ``'nosave now'``); and for the special
ones: ``save`` list[tuple[int, int]], ``bind`` list[str], ``replicaof``
tuple[str, int] | None, ``client_output_buffer_limit`` dict
``{'normal'|'replica'|'pubsub': (hard, soft, seconds)}``,
``oom_score_adj_values`` tuple[int, int, int], ``notify_keyspace_events`` int
(``NOTIFY_*`` bit flags), ``latency_tracking_info_percentiles`` list[float],
``dir`` str (absolute).  The server may assign attributes directly for state
it owns (``replicaof`` after REPLICAOF, ``pidfile`` when daemonizing).
"""

from __future__ import annotations

import glob as _glob
import os
import re
import sys
import tempfile
from typing import TYPE_CHECKING, Any, BinaryIO, Callable, Iterable, Optional

from radish.globmatch import glob_match
from radish.protocol.splitargs import quote_arg, split_args
from radish.strconv import memtoull, string2d, string2ll, strtoll

__all__ = [
    "Config",
    "ConfigError",
    "ConfigLoadingError",
    "CommandLineRequest",
    "VersionRequested",
    "HelpRequested",
    "Param",
    "PARAMS",
    "load_server_config",
    "keyspace_events_from_string",
    "keyspace_events_to_string",
]

# The Redis version named in startup errors.  (radish/__init__.py holds the
# same constant; this module may not import it.)
_REDIS_VERSION = "7.0.15"


class ConfigError(Exception):
    """str(e) is the message WITHOUT the 'ERR ' prefix for CONFIG SET errors, or
    the full startup message for file/argv errors (Redis prints a blank line
    before and a newline after a '*** FATAL CONFIG FILE ERROR' block)."""


class ConfigLoadingError(ConfigError):
    """CONFIG SET of a parameter that cannot change while the dataset is
    loading (appendonly, dir, repl-diskless-load): reply with the LOADING
    error, not with str(self)."""


class CommandLineRequest(Exception):
    """The command line asks for something other than running a server."""


class VersionRequested(CommandLineRequest):
    """``-v`` / ``--version`` as first argument: print the version, exit 0."""


class HelpRequested(CommandLineRequest):
    """``-h`` / ``--help`` as first argument: print the usage, exit 1."""


# -- parameter flags (as Redis's config flags) ----------------------------------

IMMUTABLE = 1  # CONFIG SET refuses it: "can't set immutable config"
PROTECTED = 2  # only with enable-protected-configs yes|local
HIDDEN = 4  # CONFIG GET returns it for its exact name only
DENY_LOADING = 8  # CONFIG SET refused while loading
SENSITIVE = 16  # its CONFIG SET value must be redacted in logs/slowlog/monitor

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_UINT_MAX = 2**32 - 1
_LLONG_MIN, _LLONG_MAX = -(2**63), 2**63 - 1
_LONG_MAX = _SSIZE_MAX = _LLONG_MAX
_ULLONG_MAX = 2**64 - 1

# -- C-like number parsing (the parsers themselves are radish.strconv's) -----------

_STRTOLL8 = re.compile(rb"[ \t\n\v\f\r]*([+-]?)([0-7]+)")


def _to_int32(v: int) -> int:
    """What assigning a long long to a C int leaves."""
    v &= 0xFFFFFFFF
    return v - 2**32 if v >= 2**31 else v


def _to_signed64(v: int) -> int:
    v &= _ULLONG_MAX
    return v - 2**64 if v > _LLONG_MAX else v


def _format_percentile(v: float) -> bytes:
    """``%f`` then Redis's trimDoubleString() (drop trailing zeros and dot)."""
    text = b"%f" % v
    if b"." in text:
        text = text.rstrip(b"0").rstrip(b".")
    return text


def _format_memory(v: int) -> bytes:
    """rewriteConfigFormatMemory(): the largest of gb/mb/kb dividing v."""
    for unit, size in ((b"gb", 1 << 30), (b"mb", 1 << 20), (b"kb", 1 << 10)):
        if v and v % size == 0:
            return b"%d%s" % (v // size, unit)
    return b"%d" % v


def _to_str(b: bytes) -> str:
    return b.decode("utf-8", "surrogateescape")


def _to_bytes(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


def _shown(b: bytes) -> str:
    """A user-given name inside an error message (never raises)."""
    return b.decode("utf-8", "backslashreplace")


# -- value types ---------------------------------------------------------------------
#
# parse(args, current) -> value     args are the arguments after the name; for
#                                   single-argument types exactly one.  Raises
#                                   ConfigError(bare Redis message).
# render(value) -> bytes            the CONFIG GET text.
# rewrite_lines(name, value, default) -> list[(line, force)] | None
#                                   lines CONFIG REWRITE writes; None = remove
#                                   the parameter's lines from the file.

RewriteLines = Optional[list[tuple[bytes, bool]]]


class ParamType:
    multi_arg = False  # several arguments (CONFIG SET splits its value on spaces)

    def parse(self, args: list[bytes], current: object) -> object:
        raise NotImplementedError

    def render(self, value: object) -> bytes:
        raise NotImplementedError

    def rewrite_lines(self, name: bytes, value: object, default: object) -> RewriteLines:
        return [(name + b" " + self.render(value), value != default)]


class BoolType(ParamType):
    def parse(self, args: list[bytes], current: object) -> bool:
        v = args[0].lower()
        if v == b"yes":
            return True
        if v == b"no":
            return False
        raise ConfigError("argument must be 'yes' or 'no'")

    def render(self, value: object) -> bytes:
        return b"yes" if value else b"no"


class StringType(ParamType):
    """A string; with ``empty_is_null`` an empty value means "unset" (the line
    is then removed by CONFIG REWRITE)."""

    def __init__(self, empty_is_null: bool) -> None:
        self.empty_is_null = empty_is_null

    def parse(self, args: list[bytes], current: object) -> str:
        return _to_str(args[0])

    def render(self, value: object) -> bytes:
        return _to_bytes(value)  # type: ignore[arg-type]

    def rewrite_lines(self, name: bytes, value: object, default: object) -> RewriteLines:
        if self.empty_is_null and value == "":
            return None
        return [(name + b" " + quote_arg(_to_bytes(value)), value != default)]  # type: ignore[arg-type]


class EnumType(ParamType):
    """One name out of a fixed list, case-insensitive; with ``bitflags`` several
    names whose values are OR-ed (shutdown-on-sigint)."""

    def __init__(self, names: Iterable[tuple[str, int]], bitflags: bool = False) -> None:
        self.names = list(names)
        self.bitflags = bitflags
        self.multi_arg = bitflags
        self.error = "argument(s) must be one of the following: " + ", ".join(
            n for n, _ in self.names
        )

    def value_of(self, name: str) -> int:
        """The numeric value behind a canonical name (or names)."""
        total = 0
        for word in name.split():
            total |= dict(self.names)[word]
        return total

    def name_of(self, value: int) -> str:
        unmatched = value
        words = []
        for n, v in self.names:
            if v == value:
                return n
            if self.bitflags and v and (unmatched & v) == v:
                words.append(n)
                unmatched &= ~v
        return " ".join(words) if words and not unmatched else "unknown"

    def parse(self, args: list[bytes], current: object) -> str:
        if not args or (not self.bitflags and len(args) != 1):
            raise ConfigError(self.error)
        total = 0
        for arg in args:
            a = arg.lower()
            matched = False
            for n, v in self.names:
                if a == n.encode():
                    total |= v
                    matched = True
            if not matched:
                raise ConfigError(self.error)
        return self.name_of(total)

    def render(self, value: object) -> bytes:
        return _to_bytes(value)  # type: ignore[arg-type]


class NumberType(ParamType):
    """An integer within [lo, hi]; ``unsigned`` checks bounds as the C unsigned
    types do; ``memory`` accepts memtoull() sizes; ``percent`` accepts ``N%``
    (stored as -N); ``octal`` parses and shows base 8."""

    def __init__(
        self,
        lo: int,
        hi: int,
        unsigned: bool = False,
        memory: bool = False,
        percent: bool = False,
        octal: bool = False,
    ) -> None:
        self.lo, self.hi = lo, hi
        self.unsigned, self.memory, self.percent, self.octal = unsigned, memory, percent, octal
        if memory and percent:
            self.parse_error = "argument must be a memory or percent value"
        elif memory:
            self.parse_error = "argument must be a memory value"
        elif octal:
            self.parse_error = "argument couldn't be parsed as an octal number"
        else:
            self.parse_error = "argument couldn't be parsed into an integer"

    def _parse_number(self, s: bytes) -> int:
        if self.memory:
            v = memtoull(s)
            if v is not None:
                return _to_signed64(v)
        if self.percent and len(s) > 1 and s.endswith(b"%"):
            v = string2ll(s[:-1])
            if v is not None and v >= 0:
                return -v
        if self.octal:
            if s == b"":
                return 0
            m = _STRTOLL8.fullmatch(s)
            if m:
                v = int(m.group(2), 8) * (-1 if m.group(1) == b"-" else 1)
                if _LLONG_MIN <= v <= _LLONG_MAX:
                    return v
        if not (self.memory or self.percent or self.octal):
            v = string2ll(s)
            if v is not None:
                return v
        raise ConfigError(self.parse_error)

    def parse(self, args: list[bytes], current: object) -> int:
        v = self._parse_number(args[0])
        if self.unsigned:
            u = v & _ULLONG_MAX
            if u > self.hi or u < self.lo:
                fmt = (
                    "argument must be between %o and %o inclusive"
                    if self.octal
                    else ("argument must be between %d and %d inclusive")
                )
                raise ConfigError(fmt % (self.lo, self.hi))
            return u
        if self.percent and v < 0:
            if v < self.lo:
                raise ConfigError("percentage argument must be less or equal to %d" % -self.lo)
        elif v > self.hi or v < self.lo:
            raise ConfigError("argument must be between %d and %d inclusive" % (self.lo, self.hi))
        return v

    def render(self, value: object) -> bytes:
        v: int = value  # type: ignore[assignment]
        if self.percent and v < 0:
            return b"%d%%" % -v
        if self.memory:
            return b"%d" % (v & _ULLONG_MAX)
        if self.octal:
            return b"%o" % v
        return b"%d" % v

    def rewrite_lines(self, name: bytes, value: object, default: object) -> RewriteLines:
        v: int = value  # type: ignore[assignment]
        if self.percent and v < 0:
            text = b"%d%%" % -v
        elif self.memory:
            text = _format_memory(v)
        elif self.octal:
            text = b"%o" % v
        else:
            text = b"%d" % v
        return [(name + b" " + text, v != default)]


class SaveType(ParamType):
    """``save <seconds> <changes> [...]``; ``save ""`` disables snapshots."""

    multi_arg = True

    def parse(self, args: list[bytes], current: object) -> list[tuple[int, int]]:
        if len(args) == 1 and args[0] == b"":
            args = []
        if len(args) % 2:
            raise ConfigError("Invalid save parameters")
        values = []
        for j, a in enumerate(args):
            v = strtoll(a)
            if v is None or (j % 2 == 0 and v < 1) or (j % 2 == 1 and v < 0):
                raise ConfigError("Invalid save parameters")
            values.append(v)
        return [(values[j], _to_int32(values[j + 1])) for j in range(0, len(values), 2)]

    def render(self, value: object) -> bytes:
        return b" ".join(b"%d %d" % p for p in value)  # type: ignore[attr-defined]

    def rewrite_lines(self, name: bytes, value: object, default: object) -> RewriteLines:
        if not value:
            return [(b'save ""', True)]
        return [(b"save %d %d" % p, True) for p in value]  # type: ignore[attr-defined]


class BindType(ParamType):
    multi_arg = True

    def parse(self, args: list[bytes], current: object) -> list[str]:
        if len(args) > 16:
            raise ConfigError("Too many bind addresses specified.")
        if len(args) == 1 and args[0] == b"":
            return []
        return [_to_str(a) for a in args]

    def render(self, value: object) -> bytes:
        return b" ".join(_to_bytes(a) for a in value)  # type: ignore[attr-defined]

    def rewrite_lines(self, name: bytes, value: object, default: object) -> RewriteLines:
        if value == default:
            return None
        return [(name + b" " + (self.render(value) if value else b'""'), True)]


_OBUF_CLASSES = ("normal", "replica", "pubsub")
_OBUF_CLASS_BY_NAME = {
    b"normal": "normal",
    b"slave": "replica",
    b"replica": "replica",
    b"pubsub": "pubsub",
}


class ClientOutputBufferLimitType(ParamType):
    """``<class> <hard> <soft> <soft-seconds>`` groups; classes not named keep
    their limits."""

    multi_arg = True

    def parse(self, args: list[bytes], current: object) -> dict[str, tuple[int, int, int]]:
        if len(args) % 4:
            raise ConfigError("Wrong number of arguments in buffer limit configuration.")
        new = dict(current)  # type: ignore[call-overload]
        for j in range(0, len(args), 4):
            cls = _OBUF_CLASS_BY_NAME.get(args[j].lower())
            if cls is None:
                raise ConfigError("Invalid client class specified in buffer limit configuration.")
            hard, soft = memtoull(args[j + 1]), memtoull(args[j + 2])
            secs = strtoll(args[j + 3])
            if secs is not None:
                secs = _to_int32(secs)
            if hard is None or soft is None or secs is None or secs < 0:
                raise ConfigError(
                    "Error in hard, soft or soft_seconds setting in buffer limit configuration."
                )
            new[cls] = (hard, soft, secs)
        return new

    def render(self, value: object) -> bytes:
        return b" ".join(
            b"%s %d %d %d" % (((b"slave" if c == "replica" else c.encode()),) + value[c])  # type: ignore[index]
            for c in _OBUF_CLASSES
        )

    def rewrite_lines(self, name: bytes, value: object, default: object) -> RewriteLines:
        lines = []
        for c in _OBUF_CLASSES:
            hard, soft, secs = value[c]  # type: ignore[index]
            line = b"%s %s %s %s %d" % (
                name,
                c.encode(),
                _format_memory(hard),
                _format_memory(soft),
                secs,
            )
            lines.append((line, value[c] != default[c]))  # type: ignore[index]
        return lines


class OomScoreAdjValuesType(ParamType):
    multi_arg = True

    def parse(self, args: list[bytes], current: object) -> tuple[int, int, int]:
        if len(args) != 3:
            raise ConfigError("wrong number of arguments")
        values = []
        for a in args:
            v = strtoll(a)
            if v is None or v < -2000 or v > 2000:
                raise ConfigError(
                    "Invalid oom-score-adj-values, elements must be between -2000 and 2000."
                )
            values.append(v)
        return (values[0], values[1], values[2])

    def render(self, value: object) -> bytes:
        return b"%d %d %d" % value  # type: ignore[str-format]


# Keyspace notification classes (server.h NOTIFY_*).
NOTIFY_KEYSPACE = 1 << 0  # K
NOTIFY_KEYEVENT = 1 << 1  # E
NOTIFY_GENERIC = 1 << 2  # g
NOTIFY_STRING = 1 << 3  # $
NOTIFY_LIST = 1 << 4  # l
NOTIFY_SET = 1 << 5  # s
NOTIFY_HASH = 1 << 6  # h
NOTIFY_ZSET = 1 << 7  # z
NOTIFY_EXPIRED = 1 << 8  # x
NOTIFY_EVICTED = 1 << 9  # e
NOTIFY_STREAM = 1 << 10  # t
NOTIFY_KEY_MISS = 1 << 11  # m (not part of A)
NOTIFY_LOADED = 1 << 12  # module only
NOTIFY_MODULE = 1 << 13  # d
NOTIFY_NEW = 1 << 14  # n (not part of A)
NOTIFY_ALL = (
    NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | NOTIFY_HASH | NOTIFY_ZSET
    | NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM | NOTIFY_MODULE
)  # fmt: skip
_NOTIFY_CHARS = {
    ord("A"): NOTIFY_ALL, ord("g"): NOTIFY_GENERIC, ord("$"): NOTIFY_STRING,
    ord("l"): NOTIFY_LIST, ord("s"): NOTIFY_SET, ord("h"): NOTIFY_HASH,
    ord("z"): NOTIFY_ZSET, ord("x"): NOTIFY_EXPIRED, ord("e"): NOTIFY_EVICTED,
    ord("K"): NOTIFY_KEYSPACE, ord("E"): NOTIFY_KEYEVENT, ord("t"): NOTIFY_STREAM,
    ord("m"): NOTIFY_KEY_MISS, ord("d"): NOTIFY_MODULE, ord("n"): NOTIFY_NEW,
}  # fmt: skip
_NOTIFY_ORDER = (
    (NOTIFY_GENERIC, b"g"), (NOTIFY_STRING, b"$"), (NOTIFY_LIST, b"l"), (NOTIFY_SET, b"s"),
    (NOTIFY_HASH, b"h"), (NOTIFY_ZSET, b"z"), (NOTIFY_EXPIRED, b"x"), (NOTIFY_EVICTED, b"e"),
    (NOTIFY_STREAM, b"t"), (NOTIFY_MODULE, b"d"), (NOTIFY_NEW, b"n"),
)  # fmt: skip


def keyspace_events_from_string(classes: bytes) -> int | None:
    """Flags for a notify-keyspace-events string, None for an unknown character."""
    flags = 0
    for c in classes:
        f = _NOTIFY_CHARS.get(c)
        if f is None:
            return None
        flags |= f
    return flags


def keyspace_events_to_string(flags: int) -> bytes:
    """The canonical text Redis shows for keyspace event flags (e.g. b'AKE')."""
    out = []
    if flags & NOTIFY_ALL == NOTIFY_ALL:
        out.append(b"A")
    else:
        out.extend(ch for f, ch in _NOTIFY_ORDER if flags & f)
    if flags & NOTIFY_KEYSPACE:
        out.append(b"K")
    if flags & NOTIFY_KEYEVENT:
        out.append(b"E")
    if flags & NOTIFY_KEY_MISS:
        out.append(b"m")
    return b"".join(out)


class NotifyKeyspaceEventsType(ParamType):
    def parse(self, args: list[bytes], current: object) -> int:
        flags = keyspace_events_from_string(args[0])
        if flags is None:
            raise ConfigError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
        return flags

    def render(self, value: object) -> bytes:
        return keyspace_events_to_string(value)  # type: ignore[arg-type]

    def rewrite_lines(self, name: bytes, value: object, default: object) -> RewriteLines:
        return [(name + b" " + quote_arg(self.render(value)), value != 0)]


class DirType(ParamType):
    """The working directory.  Parsing checks it can be entered and resolves it
    against the current one, but never chdirs (the server's hook does)."""

    def parse(self, args: list[bytes], current: object) -> str:
        path = os.path.join(_to_bytes(current), args[0]) if args[0] else b""  # type: ignore[arg-type]
        try:
            os.stat(path)
        except OSError as e:
            raise ConfigError(os.strerror(e.errno or 2)) from None
        if not os.path.isdir(path):
            raise ConfigError(os.strerror(20))  # ENOTDIR
        if not os.access(path, os.X_OK):
            raise ConfigError(os.strerror(13))  # EACCES
        return _to_str(os.path.realpath(path))

    def render(self, value: object) -> bytes:
        return _to_bytes(value)  # type: ignore[arg-type]

    def rewrite_lines(self, name: bytes, value: object, default: object) -> RewriteLines:
        return [(name + b" " + quote_arg(_to_bytes(value)), True)]  # type: ignore[arg-type]


class ReplicaOfType(ParamType):
    """``<host> <port>`` or ``no one``; the value is (host, port) or None."""

    multi_arg = True

    def parse(self, args: list[bytes], current: object) -> tuple[str, int] | None:
        if len(args) != 2:
            raise ConfigError("wrong number of arguments")
        if args[0].lower() == b"no" and args[1].lower() == b"one":
            return None
        port = strtoll(args[1])
        if port is None or port < 0 or port > 65535:
            raise ConfigError("Invalid master port")
        return (_to_str(args[0]), port)

    def render(self, value: object) -> bytes:
        if value is None:
            return b""
        return b"%s %d" % (_to_bytes(value[0]), value[1])  # type: ignore[index]

    def rewrite_lines(self, name: bytes, value: object, default: object) -> RewriteLines:
        if value is None:
            return None
        return [(name + b" " + self.render(value), True)]


class PercentilesType(ParamType):
    multi_arg = True

    def parse(self, args: list[bytes], current: object) -> list[float]:
        if len(args) == 1 and args[0] == b"":
            return []
        values = []
        for a in args:
            v = string2d(a)
            if v is None:
                raise ConfigError("Invalid latency-tracking-info-percentiles parameters")
            if v > 100.0 or v < 0.0:
                raise ConfigError(
                    "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
                )
            values.append(v)
        return values

    def render(self, value: object) -> bytes:
        return b" ".join(_format_percentile(v) for v in value)  # type: ignore[attr-defined]

    def rewrite_lines(self, name: bytes, value: object, default: object) -> RewriteLines:
        return [(name + b" " + (self.render(value) if value else b'""'), True)]


# -- validity checks (Redis's is_valid_fn) ------------------------------------------


def _check_active_defrag(value: object) -> None:
    if value:
        raise ConfigError(
            "Active defragmentation cannot be enabled: it requires a Redis server compiled "
            "with a modified Jemalloc like the one shipped by default with the Redis source "
            "distribution"
        )


# ACL users are not built yet: only the default user, exactly as Redis
# creates it, may be declared.
ACL_UNSUPPORTED = "ACL users are not supported yet"
_DEFAULT_USER_RULES = [b"on", b"nopass", b"~*", b"&*", b"+@all"]
DEFAULT_USER_LINE = b"user default " + b" ".join(_DEFAULT_USER_RULES)


def _check_user(args: list[bytes]) -> None:
    """A ``user`` directive: only one that keeps the default user as Redis
    creates it is accepted (anything else would be silently ignored)."""
    if args[0] == b"default" and [a.lower() for a in args[1:]] == _DEFAULT_USER_RULES:
        return
    raise ConfigError(
        "%s: the 'user' directive may only keep the default user as it is ('%s')"
        % (ACL_UNSUPPORTED, DEFAULT_USER_LINE.decode())
    )


def _check_aclfile(value: object) -> None:
    if value:
        raise ConfigError("%s: 'aclfile' must be empty" % ACL_UNSUPPORTED)


def _is_basename(value: str) -> bool:
    return "/" not in value and "\\" not in value


def _check_dbfilename(value: object) -> None:
    if not _is_basename(value):  # type: ignore[arg-type]
        raise ConfigError("dbfilename can't be a path, just a filename")


def _check_appendfilename(value: object) -> None:
    if value == "":
        raise ConfigError("appendfilename can't be empty")
    if not _is_basename(value):  # type: ignore[arg-type]
        raise ConfigError("appendfilename can't be a path, just a filename")


def _check_appenddirname(value: object) -> None:
    if value == "":
        raise ConfigError("appenddirname can't be empty")
    if not _is_basename(value):  # type: ignore[arg-type]
        raise ConfigError("appenddirname can't be a path, just a dirname")


_HOSTNAME_CHARS = re.compile(r"[A-Za-z0-9.\-]*")


def _check_hostname(value: object) -> None:
    if len(_to_bytes(value)) >= 256:  # type: ignore[arg-type]
        raise ConfigError("Hostnames must be less than 256 characters")
    if not _HOSTNAME_CHARS.fullmatch(value):  # type: ignore[arg-type]
        raise ConfigError("Hostnames may only contain alphanumeric characters, hyphens or dots")


# Variables of proc-title-template, and whether each expands to something
# non-empty when Redis validates a template (title is "" then; server-mode is
# empty for a standalone server; unixsocket is empty unless configured).
_PROC_TITLE_VARS = {
    "title": False, "listen-addr": True, "server-mode": False, "port": True,
    "tls-port": True, "unixsocket": False, "config-file": True,
}  # fmt: skip


def _check_proc_title_template(value: object) -> None:
    """Redis's validateProcTitleTemplate(): sdstemplate() syntax with known
    variables, and a non-blank expansion."""
    text: str = value  # type: ignore[assignment]
    out = []
    i = 0
    bad = ConfigError("template format is invalid or contains unknown variables")
    while i < len(text):
        j = text.find("{", i)
        if j < 0:
            out.append(text[i:])
            break
        out.append(text[i:j])
        if j + 1 >= len(text):
            raise bad
        if text[j + 1] == "{":
            out.append("{")
            i = j + 2
            continue
        k = text.find("}", j + 1)
        if k < 0:
            raise bad
        var = text[j + 1 : k]
        if var not in _PROC_TITLE_VARS:
            raise bad
        out.append("x" if _PROC_TITLE_VARS[var] else "")
        i = k + 1
    if not "".join(out).strip(" "):
        raise bad


def _check_shutdown_flags(value: object) -> None:
    words = str(value).split()
    if "save" in words and "nosave" in words:
        raise ConfigError("shutdown options SAVE and NOSAVE can't be used simultaneously")


def _clamp_hz(value: object) -> int:
    """Redis accepts any hz but caps it to 1..500 (CONFIG_MIN_HZ/CONFIG_MAX_HZ)."""
    return max(1, min(500, value))  # type: ignore[call-overload]


# -- the table --------------------------------------------------------------------------


# Kinds of parameters radish accepts without acting on them (the audit of
# the table below): a feature not built yet, or one that has no meaning in
# radish.  A non-default value of either logs a warning at start-up and on
# CONFIG SET; README.md lists them (``python -m radish.config --unenforced``).
NOT_BUILT = "not built yet"
NOT_APPLICABLE = "not applicable"

_CLUSTER = "cluster mode is not built yet"
_TLS = "TLS is not built yet"
_EVICTION = "maxmemory eviction is not built yet"
_DEFRAG = "no active defragmentation (it needs Redis's jemalloc: activedefrag cannot be enabled)"
_STREAMS = "streams are not built yet"
_SYSLOG = "logging to syslog is not built yet"
_AFFINITY = "radish does not set CPU affinity"
_UNIX = "unix sockets are not built yet (radish listens on TCP only)"
_THREADS = "radish does all network I/O on its one event-loop thread"
_DISK_SYNC = "a primary always sends replicas an RDB file written to disk"
_ACL = "ACL users are not built yet"
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
INT = NumberType(_INT_MIN, _INT_MAX)
NNINT = NumberType(0, _INT_MAX)  # non-negative int
PORT = NumberType(0, 65535)
SIZE = NumberType(0, _LONG_MAX, unsigned=True)  # size_t counts
MEM_SIZE = NumberType(0, _LONG_MAX, unsigned=True, memory=True)  # size_t byte sizes
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
    Param("lazyfree-lazy-eviction", BOOL, False, not_built=_EVICTION),
    Param("lazyfree-lazy-expire", BOOL, False),
    Param("lazyfree-lazy-server-del", BOOL, False),
    Param("lazyfree-lazy-user-del", BOOL, False),
    Param("lazyfree-lazy-user-flush", BOOL, False, not_applicable="FLUSHALL and FLUSHDB free memory at once either way"),
    Param("repl-disable-tcp-nodelay", BOOL, False, not_built="replica links always use TCP_NODELAY"),
    Param("repl-diskless-sync", BOOL, True, not_built=_DISK_SYNC),
    Param("aof-rewrite-incremental-fsync", BOOL, True),
    Param("no-appendfsync-on-rewrite", BOOL, False),
    Param("cluster-require-full-coverage", BOOL, True, not_built=_CLUSTER),
    Param("rdb-save-incremental-fsync", BOOL, True),
    Param("aof-load-truncated", BOOL, True),
    Param("aof-use-rdb-preamble", BOOL, True),
    Param("aof-timestamp-enabled", BOOL, False),
    Param("cluster-replica-no-failover", BOOL, False, alias="cluster-slave-no-failover", not_built=_CLUSTER),
    Param("replica-lazy-flush", BOOL, False, alias="slave-lazy-flush", not_applicable="a replica frees its old dataset at once either way"),
    Param("replica-serve-stale-data", BOOL, True, alias="slave-serve-stale-data", not_built="a replica whose link is down always serves its data (no MASTERDOWN)"),
    Param("replica-read-only", BOOL, True, alias="slave-read-only"),
    Param("replica-ignore-maxmemory", BOOL, True, alias="slave-ignore-maxmemory", not_built=_EVICTION),
    Param("jemalloc-bg-thread", BOOL, True, not_applicable="radish does not use jemalloc"),
    Param("activedefrag", BOOL, False, check=_check_active_defrag),
    Param("syslog-enabled", BOOL, False, _IMM, not_built=_SYSLOG),
    Param("cluster-enabled", BOOL, False, _IMM, not_built=_CLUSTER),
    Param("appendonly", BOOL, False, DENY_LOADING),
    Param("cluster-allow-reads-when-down", BOOL, False, not_built=_CLUSTER),
    Param("cluster-allow-pubsubshard-when-down", BOOL, True, not_built=_CLUSTER),
    Param("crash-log-enabled", BOOL, True, not_applicable="radish writes no crash report (an uncaught error logs a Python traceback)"),
    Param("crash-memcheck-enabled", BOOL, True, not_applicable="radish runs no memory test after a crash"),
    Param("use-exit-on-panic", BOOL, False, HIDDEN, not_applicable="radish has no panic path that aborts"),
    Param("disable-thp", BOOL, True, _IMM, not_applicable="radish does not change transparent huge pages"),
    Param("cluster-allow-replica-migration", BOOL, True, not_built=_CLUSTER),
    Param("replica-announced", BOOL, True),
    Param("latency-tracking", BOOL, True, not_built="per-command latency tracking (INFO latencystats) is not built yet"),
    Param("aof-disable-auto-gc", BOOL, False),
    Param("replica-ignore-disk-write-errors", BOOL, False, not_built="a replica never refuses its primary's writes for disk errors"),
    # strings
    Param("aclfile", STR, "", _IMM, check=_check_aclfile),
    Param("unixsocket", NSTR, "", _IMM, not_built=_UNIX),
    Param("pidfile", NSTR, "", _IMM),
    Param("replica-announce-ip", NSTR, "", alias="slave-announce-ip", not_built="a replica does not send REPLCONF ip-address"),
    Param("masteruser", NSTR, "", SENSITIVE),
    Param("cluster-announce-ip", NSTR, "", not_built=_CLUSTER),
    Param("cluster-config-file", STR, "nodes.conf", _IMM, not_built=_CLUSTER),
    Param("cluster-announce-hostname", NSTR, "", check=_check_hostname, not_built=_CLUSTER),
    Param("syslog-ident", STR, "redis", _IMM, not_built=_SYSLOG),
    Param("dbfilename", STR, "dump.rdb", PROTECTED, check=_check_dbfilename),
    Param("appendfilename", STR, "appendonly.aof", _IMM, check=_check_appendfilename),
    Param("appenddirname", STR, "appendonlydir", _IMM, check=_check_appenddirname),
    Param("server_cpulist", NSTR, "", _IMM, not_built=_AFFINITY),
    Param("bio_cpulist", NSTR, "", _IMM, not_built=_AFFINITY),
    Param("aof_rewrite_cpulist", NSTR, "", _IMM, not_built=_AFFINITY),
    Param("bgsave_cpulist", NSTR, "", _IMM, not_built=_AFFINITY),
    Param("ignore-warnings", STR, "", not_applicable="radish makes none of the system checks these warnings silence"),
    Param("proc-title-template", STR, "{title} {listen-addr} {server-mode}", check=_check_proc_title_template, not_applicable=_TITLE),
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
    Param("acl-pubsub-default", EnumType([("allchannels", 1), ("resetchannels", 0)]), "resetchannels", not_built=_ACL),
    Param("sanitize-dump-payload", _enum("no", "yes", "clients"), "no", not_applicable="RESTORE and RDB payloads are always decoded in full"),
    Param("enable-protected-configs", _PROTECTED_ACTION, "no", _IMM),
    Param("enable-debug-command", _PROTECTED_ACTION, "no", _IMM),
    Param("enable-module-command", _PROTECTED_ACTION, "no", _IMM),
    Param("cluster-preferred-endpoint-type", _enum("ip", "hostname", "unknown-endpoint"), "ip", not_built=_CLUSTER),
    Param("propagation-error-behavior", _enum("ignore", "panic", "panic-on-replicas"), "ignore", not_built="errors in commands from a primary or the AOF are always ignored"),
    Param("shutdown-on-sigint", _SHUTDOWN_ENUM, "default", check=_check_shutdown_flags, not_built="SIGINT always shuts down as 'default' (saving if save points exist)"),
    Param("shutdown-on-sigterm", _SHUTDOWN_ENUM, "default", check=_check_shutdown_flags, not_built="SIGTERM always shuts down as 'default' (saving if save points exist)"),
    # int
    Param("databases", NumberType(1, _INT_MAX), 16, _IMM),
    Param("port", PORT, 6379),
    Param("io-threads", NumberType(1, 128), 1, _IMM, not_applicable=_THREADS),
    Param("auto-aof-rewrite-percentage", NNINT, 100),
    Param("cluster-replica-validity-factor", NNINT, 10, alias="cluster-slave-validity-factor", not_built=_CLUSTER),
    Param("list-max-listpack-size", INT, -2, alias="list-max-ziplist-size"),
    Param("tcp-keepalive", NNINT, 300),
    Param("cluster-migration-barrier", NNINT, 1, not_built=_CLUSTER),
    Param("active-defrag-cycle-min", NumberType(1, 99), 1, not_applicable=_DEFRAG),
    Param("active-defrag-cycle-max", NumberType(1, 99), 25, not_applicable=_DEFRAG),
    Param("active-defrag-threshold-lower", NumberType(0, 1000), 10, not_applicable=_DEFRAG),
    Param("active-defrag-threshold-upper", NumberType(0, 1000), 100, not_applicable=_DEFRAG),
    Param("lfu-log-factor", NNINT, 10),
    Param("lfu-decay-time", NNINT, 1),
    Param("replica-priority", NNINT, 100, alias="slave-priority"),
    Param("repl-diskless-sync-delay", NNINT, 5, not_built=_DISK_SYNC),
    Param("maxmemory-samples", NumberType(1, _INT_MAX), 5, not_built=_EVICTION),
    Param("maxmemory-eviction-tenacity", NumberType(0, 100), 10, not_built=_EVICTION),
    Param("timeout", NNINT, 0),
    Param("replica-announce-port", PORT, 0, alias="slave-announce-port", not_built="a replica sends its own port in REPLCONF listening-port"),
    Param("tcp-backlog", NNINT, 511, _IMM),
    Param("cluster-port", PORT, 0, _IMM, not_built=_CLUSTER),
    Param("cluster-announce-bus-port", PORT, 0, not_built=_CLUSTER),
    Param("cluster-announce-port", PORT, 0, not_built=_CLUSTER),
    Param("cluster-announce-tls-port", PORT, 0, not_built=_CLUSTER),
    Param("repl-timeout", NumberType(1, _INT_MAX), 60),
    Param("repl-ping-replica-period", NumberType(1, _INT_MAX), 10, alias="repl-ping-slave-period"),
    Param("list-compress-depth", NNINT, 0, not_built="list nodes are never LZF-compressed in memory"),
    Param("rdb-key-save-delay", INT, 0, HIDDEN),
    Param("key-load-delay", INT, 0, HIDDEN, not_built="loading is never slowed down (a test-only setting)"),
    Param("active-expire-effort", NumberType(1, 10), 1, not_built="the active expiry cycle does not use it"),
    Param("hz", NNINT, 10, normalize=_clamp_hz),
    Param("min-replicas-to-write", NNINT, 0, alias="min-slaves-to-write", not_built="writes are never refused for lack of replicas (no NOREPLICAS)"),
    Param("min-replicas-max-lag", NNINT, 10, alias="min-slaves-max-lag", not_built="writes are never refused for lack of replicas (no NOREPLICAS)"),
    Param("watchdog-period", NNINT, 0, HIDDEN, not_built="there is no software watchdog"),
    Param("shutdown-timeout", NNINT, 10, not_built="shutting down does not wait for replicas to catch up"),
    Param("repl-diskless-sync-max-replicas", NNINT, 0, not_built=_DISK_SYNC),
    # unsigned int
    Param("maxclients", NumberType(1, _UINT_MAX, unsigned=True), 10000),
    Param("unixsocketperm", NumberType(0, 0o777, unsigned=True, octal=True), 0, _IMM, not_built=_UNIX),
    Param("socket-mark-id", NumberType(0, _UINT_MAX, unsigned=True), 0, _IMM, not_built="listening sockets get no SO_MARK"),
    # unsigned long
    Param("active-defrag-max-scan-fields", NumberType(1, _LONG_MAX), 1000, not_applicable=_DEFRAG),
    Param("slowlog-max-len", NumberType(0, _LONG_MAX), 128, not_built="SLOWLOG is not built yet"),
    Param("acllog-max-len", NumberType(0, _LONG_MAX), 128, not_built="ACL LOG is not built yet"),
    # long long
    Param("busy-reply-threshold", NumberType(0, _LONG_MAX), 5000, alias="lua-time-limit"),
    Param("cluster-node-timeout", NumberType(0, _LLONG_MAX), 15000, not_built=_CLUSTER),
    Param("slowlog-log-slower-than", NumberType(-1, _LLONG_MAX), 10000, not_built="SLOWLOG is not built yet"),
    Param("latency-monitor-threshold", NumberType(0, _LLONG_MAX), 0, not_built="LATENCY monitoring is not built yet"),
    Param("proto-max-bulk-len", NumberType(1024 * 1024, _LONG_MAX, memory=True), 512 * 1024 * 1024),
    Param("stream-node-max-entries", NumberType(0, _LLONG_MAX), 100, not_built=_STREAMS),
    Param("repl-backlog-size", NumberType(1, _LLONG_MAX, memory=True), 1024 * 1024),
    # unsigned long long
    Param("maxmemory", NumberType(0, _ULLONG_MAX, unsigned=True, memory=True), 0, not_built=_EVICTION + " (no OOM errors either)"),
    Param("cluster-link-sendbuf-limit", NumberType(0, _ULLONG_MAX, unsigned=True, memory=True), 0, not_built=_CLUSTER),
    # size_t
    Param("hash-max-listpack-entries", SIZE, 512, alias="hash-max-ziplist-entries"),
    Param("set-max-intset-entries", SIZE, 512),
    Param("zset-max-listpack-entries", SIZE, 128, alias="zset-max-ziplist-entries"),
    Param("active-defrag-ignore-bytes", NumberType(1, _LLONG_MAX, unsigned=True, memory=True), 100 << 20, not_applicable=_DEFRAG),
    Param("hash-max-listpack-value", MEM_SIZE, 64, alias="hash-max-ziplist-value"),
    Param("stream-node-max-bytes", MEM_SIZE, 4096, not_built=_STREAMS),
    Param("zset-max-listpack-value", MEM_SIZE, 64, alias="zset-max-ziplist-value"),
    Param("hll-sparse-max-bytes", MEM_SIZE, 3000, not_built="HyperLogLog is not built yet"),
    Param("tracking-table-max-keys", SIZE, 1000000, not_built="client-side caching (CLIENT TRACKING) is not built yet"),
    Param("client-query-buffer-limit", NumberType(1024 * 1024, _LONG_MAX, unsigned=True, memory=True), 1024 * 1024 * 1024),
    Param("maxmemory-clients", NumberType(-100, _SSIZE_MAX, memory=True, percent=True), 0, not_built="client eviction is not built yet"),
    # time_t / off_t
    Param("repl-backlog-ttl", NumberType(0, _LONG_MAX), 3600, not_built="the replication backlog is kept while no replica is attached"),
    Param("auto-aof-rewrite-min-size", NumberType(0, _LLONG_MAX, memory=True), 64 * 1024 * 1024),
    Param("loading-process-events-interval-bytes", NumberType(1024, _INT_MAX), 2 * 1024 * 1024, HIDDEN, not_built="radish serves no clients while it loads a dataset"),
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
    Param("notify-keyspace-events", NotifyKeyspaceEventsType(), 0, not_built="keyspace notifications are not built yet"),
    Param("bind", BindType(), ["*", "-::*"]),
    Param("replicaof", ReplicaOfType(), None, _IMM, alias="slaveof"),
    Param("latency-tracking-info-percentiles", PercentilesType(), [50.0, 99.0, 99.9], not_built="per-command latency tracking (INFO latencystats) is not built yet"),
)  # fmt: skip

# lower-case name or alias -> (param, the registered name as Redis spells it)
_LOOKUP: dict[str, tuple[Param, str]] = {}
# every registered name in table order: (name, name as bytes, param)
_ENTRIES: list[tuple[str, bytes, Param]] = []
for _p in PARAMS:
    for _n in (_p.name, _p.alias):
        if _n is not None:
            _LOOKUP[_n] = (_p, _n)
            _ENTRIES.append((_n, _n.encode(), _p))
del _p, _n

# Directives of old versions that Redis 7.0 still accepts (and ignores) in a
# config file: name -> (min argc, max argc), argc counting the name.
_DEPRECATED_DIRECTIVES = {
    "list-max-ziplist-entries": (2, 2),
    "list-max-ziplist-value": (2, 2),
    "lua-replicate-commands": (2, 2),
}
_REWRITE_SIGNATURE = b"# Generated by CONFIG REWRITE"


def _copy_default(value: object) -> object:
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def _lookup(name: bytes) -> tuple[Param, str] | None:
    try:
        return _LOOKUP.get(name.decode("ascii").lower())
    except UnicodeDecodeError:
        return None


class Config:
    """The server's configuration: one attribute per parameter (see the module
    docstring for the value types), plus what a config file declared that is
    not a parameter (``rename_commands``, ``users``, ``load_modules``,
    ``module_configs``) for the server to act on."""

    if TYPE_CHECKING:  # one attribute per parameter, set from PARAMS

        def __getattr__(self, name: str) -> Any: ...
        def __setattr__(self, name: str, value: Any) -> None: ...

    def __init__(self) -> None:
        for p in PARAMS:
            setattr(self, p.attr, _copy_default(p.default))
        self.dir = os.getcwd()
        self._default_dir = self.dir
        self.config_file: str | None = None
        self.rename_commands: list[tuple[bytes, bytes]] = []
        self.users: list[list[bytes]] = []
        self.load_modules: list[list[bytes]] = []
        self.module_configs: dict[bytes, bytes] = {}
        self._hooks: dict[str, list[Callable[[object], None]]] = {}

    # -- introspection ------------------------------------------------------------------

    @staticmethod
    def param(name: str) -> Param:
        """The parameter for a name or alias (case-insensitive); KeyError if none."""
        entry = _LOOKUP.get(name.lower())
        if entry is None:
            raise KeyError(name)
        return entry[0]

    def default_of(self, name: str) -> object:
        p = self.param(name)
        return self._default_dir if p.name == "dir" else p.default

    def is_changed(self, name: str) -> bool:
        """True when the parameter's value differs from its default."""
        p = self.param(name)
        return getattr(self, p.attr) != self.default_of(p.name)

    def render(self, name: str) -> bytes:
        """The CONFIG GET text of one parameter."""
        p = self.param(name)
        return p.type.render(getattr(self, p.attr))

    def is_sensitive(self, name: bytes) -> bool:
        """Whether a CONFIG SET value for this name must be redacted."""
        entry = _lookup(name)
        return entry is not None and bool(entry[0].flags & SENSITIVE)

    def unenforced_warning(self, name: str) -> str | None:
        """The start-up / CONFIG SET warning for a parameter radish accepts
        without acting on it, when it holds a value other than its default
        (None otherwise).  Sensitive values are not shown."""
        p = self.param(name)
        if p.unenforced is None or not self.is_changed(p.name):
            return None
        kind, reason = p.unenforced
        shown = "" if p.flags & SENSITIVE else " ('%s')" % _shown(self.render(p.name))
        if kind == NOT_BUILT:
            return "WARNING: the %s setting%s is accepted but not enforced: %s." % (p.name, shown, reason)
        return "WARNING: the %s setting%s has no effect in radish: %s." % (p.name, shown, reason)

    def unenforced_warnings(self) -> list[str]:
        """unenforced_warning() of every parameter, in table order."""
        out = []
        for p in PARAMS:
            w = self.unenforced_warning(p.name)
            if w is not None:
                out.append(w)
        return out

    # -- CONFIG GET ------------------------------------------------------------------------

    def get_matching(self, patterns: list[bytes]) -> list[tuple[bytes, bytes]]:
        """CONFIG GET: name/value pairs for every parameter (and alias, as Redis
        7.0 does) matching any glob pattern, no duplicates.  A pattern without
        glob characters is an exact, case-insensitive name (hidden parameters
        only answer to those) and is echoed as given."""
        out: list[tuple[bytes, bytes]] = []
        seen: set[str] = set()
        for pattern in patterns:
            if b"*" not in pattern and b"?" not in pattern and b"[" not in pattern:
                entry = _lookup(pattern)
                if entry is not None and entry[1] not in seen:
                    seen.add(entry[1])
                    p = entry[0]
                    out.append((pattern, p.type.render(getattr(self, p.attr))))
                continue
            for name, bname, p in _ENTRIES:
                if p.flags & HIDDEN or name in seen:
                    continue
                if glob_match(pattern, bname, True):
                    seen.add(name)
                    out.append((bname, p.type.render(getattr(self, p.attr))))
        return out

    # -- CONFIG SET ------------------------------------------------------------------------

    def on_change(self, name: str, hook: Callable[[object], None]) -> None:
        """Register a hook run after ``name`` changes via set_many:
        ``hook(new_value)``.  A hook raising ConfigError makes set_many roll
        back everything and fail with that message."""
        self._hooks.setdefault(self.param(name).name, []).append(hook)

    def set_many(
        self,
        pairs: list[tuple[bytes, bytes]],
        *,
        local_client: bool = False,
        loading: bool = False,
    ) -> None:
        """CONFIG SET with several pairs, atomically: validate and set all, then
        run the change hooks of the parameters whose value changed; if anything
        fails, every value is restored (and hooks already run are run again
        with the old value) and ConfigError carries Redis's message.

        ``local_client``: the client is local (for enable-protected-configs
        local).  ``loading``: the dataset is loading (DENY_LOADING parameters
        then fail with ConfigLoadingError)."""
        invalid_name: bytes | None = None
        err_name: bytes | None = None
        errstr = ""
        invalid = deny_loading = False
        chosen: list[tuple[Param, str, bytes]] = []
        seen: set[str] = set()
        for raw_name, raw_value in pairs:
            entry = _lookup(raw_name)
            if entry is None:
                if not invalid:
                    invalid_name = raw_name
                    invalid = True
                continue
            if invalid:
                continue
            p, key = entry
            if p.flags & IMMUTABLE or (
                p.flags & PROTECTED and not self._protected_allowed(local_client)
            ):
                errstr = (
                    "can't set immutable config"
                    if p.flags & IMMUTABLE
                    else "can't set protected config"
                )
                err_name = raw_name
                invalid = True
                continue
            if loading and p.flags & DENY_LOADING:
                deny_loading = invalid = True
                continue
            if key in seen:
                errstr = "duplicate parameter"
                err_name = raw_name
                invalid = True
            seen.add(key)
            chosen.append((p, key, raw_value))
        if deny_loading:
            raise ConfigLoadingError("LOADING Redis is loading the dataset in memory")
        if invalid_name is not None:
            raise ConfigError(
                "Unknown option or number of arguments for CONFIG SET - '%s'" % _shown(invalid_name)
            )
        if invalid:
            raise ConfigError(
                "CONFIG SET failed (possibly related to argument '%s') - %s"
                % (_shown(err_name or b""), errstr)
            )

        old_values = [getattr(self, p.attr) for p, _, _ in chosen]
        changed: list[tuple[Param, str]] = []
        try:
            for p, key, raw_value in chosen:
                if p.type.multi_arg:
                    args = raw_value.split(b" ") if raw_value else []
                else:
                    args = [raw_value]
                try:
                    value = p.parse(args, getattr(self, p.attr))
                except ConfigError as e:
                    raise ConfigError(
                        "CONFIG SET failed (possibly related to argument '%s') - %s" % (key, e)
                    ) from None
                if value != getattr(self, p.attr) and (p, key) not in changed:
                    changed.append((p, key))
                setattr(self, p.attr, value)
        except BaseException:
            self._restore(chosen, old_values)
            raise

        ran: list[Param] = []
        for p, key in changed:
            for hook in self._hooks.get(p.name, ()):
                try:
                    hook(getattr(self, p.attr))
                except BaseException as e:
                    self._restore(chosen, old_values)
                    self._rerun_hooks(ran + [p])
                    if isinstance(e, ConfigError):
                        raise ConfigError(
                            "CONFIG SET failed (possibly related to argument '%s') - %s" % (key, e)
                        ) from None
                    raise
            ran.append(p)

    def _protected_allowed(self, local_client: bool) -> bool:
        mode = self.enable_protected_configs  # type: ignore[attr-defined]
        return mode == "yes" or (mode == "local" and local_client)

    def _restore(self, chosen: list[tuple[Param, str, bytes]], old_values: list[object]) -> None:
        for (p, _, _), old in reversed(list(zip(chosen, old_values, strict=True))):
            setattr(self, p.attr, old)

    def _rerun_hooks(self, params: list[Param]) -> None:
        """Put restored values back into effect; failures are ignored (as Redis
        only logs them)."""
        for p in params:
            for hook in self._hooks.get(p.name, ()):
                try:
                    hook(getattr(self, p.attr))
                except Exception:  # noqa: BLE001 - best effort, like restoreBackupConfig
                    pass

    # -- CONFIG REWRITE ---------------------------------------------------------------------

    def rewrite(self, extra: dict[str, list[bytes]] | None = None) -> None:
        """CONFIG REWRITE as Redis does: rewrite config_file in place keeping
        comments and lines it does not own, replacing lines of parameters,
        appending new ones after '# Generated by CONFIG REWRITE', blanking
        lines of parameters Redis removes (at default, unset, duplicates).

        ``extra`` maps directives this module does not own to the complete
        lines to write for them (e.g. ``{'user': [b'user default on nopass
        ~* &* +@all']}``); directives not given (user, loadmodule, include,
        rename-command …) keep their lines untouched."""
        if not self.config_file:
            raise ConfigError("The server is running without a config file")
        path = self.config_file
        try:
            with open(path, "rb") as f:
                content = f.read()
        except FileNotFoundError:
            content = b""
        except OSError as e:
            raise ConfigError("Rewriting config file: %s" % os.strerror(e.errno or 5)) from None
        state = _RewriteState(content)
        for p in PARAMS:
            value = getattr(self, p.attr)
            lines = p.type.rewrite_lines(p.name.encode(), value, self.default_of(p.name))
            state.processed.add(p.name)
            if lines is not None:
                for line, force in lines:
                    state.rewrite_line(p.name, line, force)
        for option, lines in (extra or {}).items():
            state.processed.add(option)
            for line in lines:
                state.rewrite_line(option, line, True)
        state.remove_orphaned()
        try:
            _overwrite_file(path, state.content())
        except OSError as e:
            raise ConfigError("Rewriting config file: %s" % os.strerror(e.errno or 5)) from None


class _RewriteState:
    """Redis's rewriteConfigState: the old file's lines and, per option, the
    line numbers still available for reuse."""

    def __init__(self, content: bytes) -> None:
        self.lines: list[bytes] = []
        self.option_lines: dict[str, list[int]] = {}
        self.processed: set[str] = set()
        self.needs_signature = True
        if not content:
            return
        for raw in content.split(b"\n"):
            line = raw.strip(b"\r\n\t ")
            if line[:1] == b"#" or line == b"":
                if line == _REWRITE_SIGNATURE:
                    self.needs_signature = False
                self.lines.append(line)
                continue
            argv = split_args(line)
            known = (
                argv is not None
                and argv
                and (
                    _lookup(argv[0]) is not None
                    or argv[0].lower()
                    in (b"include", b"rename-command", b"user", b"loadmodule", b"sentinel")
                )
            )
            if not known:
                self.lines.append(b"# ??? " + line)
                continue
            # Lines naming an alias count as the parameter's own lines (and
            # Redis translates any remaining "slave" into "replica").
            entry = _lookup(argv[0])  # type: ignore[index]
            name = entry[0].name.encode() if entry is not None else argv[0].lower()  # type: ignore[index]
            option = name.replace(b"slave", b"replica", 1).decode("ascii", "replace")
            self.option_lines.setdefault(option, []).append(len(self.lines))
            self.lines.append(line)

    def rewrite_line(self, option: str, line: bytes, force: bool) -> None:
        self.processed.add(option)
        reusable = self.option_lines.get(option)
        if not reusable and not force:
            return
        if reusable:
            self.lines[reusable.pop(0)] = line
            if not reusable:
                del self.option_lines[option]
        else:
            if self.needs_signature:
                self.lines.append(_REWRITE_SIGNATURE)
                self.needs_signature = False
            self.lines.append(line)

    def remove_orphaned(self) -> None:
        for option, numbers in self.option_lines.items():
            if option in self.processed:
                for n in numbers:
                    self.lines[n] = b""
        self.option_lines = {o: n for o, n in self.option_lines.items() if o not in self.processed}

    def content(self) -> bytes:
        out = []
        was_empty = False
        for line in self.lines:
            if not line:
                if was_empty:
                    continue
                was_empty = True
            else:
                was_empty = False
            out.append(line + b"\n")
        return b"".join(out)


def _overwrite_file(path: str, content: bytes) -> None:
    """Replace ``path`` atomically: temp file, fsync, chmod 0644 & ~umask, rename."""
    directory, base = os.path.split(path)
    fd, tmp = tempfile.mkstemp(prefix=base + ".", dir=directory or ".")
    try:
        view = memoryview(content)
        while view:
            n = os.write(fd, view)
            view = view[n:]
        os.fsync(fd)
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o644 & ~umask)
        os.rename(tmp, path)
    except BaseException:
        os.close(fd)
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    os.close(fd)


# -- startup: command line and config files ---------------------------------------------------


class _StartupError(ConfigError):
    """A complete startup message, passed through nested includes unchanged."""


def _fatal(linenum: int | None, line: bytes | None, message: str) -> ConfigError:
    text = "*** FATAL CONFIG FILE ERROR (Redis %s) ***\n" % _REDIS_VERSION
    if linenum is not None and line is not None:
        text += "Reading the configuration file, at line %d\n>>> '%s'\n" % (linenum, _shown(line))
    return _StartupError(text + message)


class _Loader:
    """loadServerConfigFromString() and loadServerConfig(), with the state they
    keep in statics (the reading_config_file flag and save_loaded)."""

    def __init__(
        self, cfg: Config, rename_command: Callable[[bytes, bytes], None] | None = None
    ) -> None:
        self.cfg = cfg
        self.reading_config_file = False
        self.save_loaded = False
        # Applies one rename-command to the command table (which this module
        # cannot see); raises ValueError with Redis's message.
        self.rename_command = rename_command

    def read_file(self, filename: bytes) -> bytes:
        """The content of a config file, or of every file a wildcard matches."""
        base = _to_bytes(self.cfg.dir)
        path = os.path.join(base, filename)
        if any(c in filename for c in b"*?["):
            data = []
            for name in sorted(_glob.glob(path)):
                data.append(self._read_one(name, name))
            return b"".join(data)
        return self._read_one(path, filename)

    @staticmethod
    def _read_one(path: bytes, shown: bytes) -> bytes:
        if os.path.isdir(path):
            return b""  # fopen() succeeds on a directory; reading it gives nothing
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError as e:
            raise _StartupError(
                "Fatal error, can't open config file '%s': %s"
                % (_shown(shown), os.strerror(e.errno or 2))
            ) from None

    def load_string(self, config: bytes) -> None:
        cfg = self.cfg
        self.reading_config_file = True
        lines = config.split(b"\n")
        for i, raw in enumerate(lines):
            linenum = i + 1
            line = raw.strip(b" \t\r\n")
            if line[:1] == b"#" or line == b"":
                continue
            argv = split_args(line)
            if argv is None:
                raise _fatal(linenum, line, "Unbalanced quotes in configuration line")
            if not argv:
                continue
            argv[0] = argv[0].lower()
            try:
                self._directive(argv)
            except _StartupError:
                raise
            except ConfigError as e:
                raise _fatal(linenum, line, str(e)) from None

        if cfg.logfile:  # type: ignore[attr-defined]
            try:
                with open(os.path.join(cfg.dir, cfg.logfile), "a"):  # type: ignore[attr-defined]
                    pass
            except OSError as e:
                raise _fatal(
                    None, None, "Can't open the log file: %s" % os.strerror(e.errno or 2)
                ) from None
        if cfg.cluster_enabled and cfg.replicaof is not None:  # type: ignore[attr-defined]
            raise _fatal(None, None, "replicaof directive not allowed in cluster mode")
        # Redis clears this flag at the end of every load, included files too
        # (so `save` lines after an `include` each replace the previous ones).
        self.reading_config_file = False

    def _directive(self, argv: list[bytes]) -> None:
        cfg = self.cfg
        name = argv[0]
        argc = len(argv)
        entry = _lookup(name)
        if entry is not None:
            p = entry[0]
            if not p.type.multi_arg and argc != 2:
                raise ConfigError("wrong number of arguments")
            if p.type.multi_arg and argc == 2 and argv[1]:
                # "--save '900 1'" and `replicaof "host port"`: split one argument.
                args = split_args(argv[1]) or []
            else:
                args = argv[1:]
            if p.name == "save":
                self._load_save(p, args)
            else:
                setattr(cfg, p.attr, p.parse(args, getattr(cfg, p.attr)))
            return
        text = name.decode("utf-8", "replace")
        if text in _DEPRECATED_DIRECTIVES:
            lo, hi = _DEPRECATED_DIRECTIVES[text]
            if lo <= argc <= hi:
                return
        if name == b"include" and argc == 2:
            self.load_string(self.read_file(argv[1]))
        elif name == b"rename-command" and argc == 3:
            if self.rename_command is not None:
                try:
                    self.rename_command(argv[1], argv[2])
                except ValueError as e:
                    raise ConfigError(str(e)) from None
            cfg.rename_commands.append((argv[1], argv[2]))
        elif name == b"user" and argc >= 2:
            _check_user(argv[1:])
            cfg.users.append(argv[1:])
        elif name == b"loadmodule" and argc >= 2:
            cfg.load_modules.append(argv[1:])
        elif b"." in name:
            if argc < 2:
                raise ConfigError("Module config specified without value")
            cfg.module_configs[name] = b" ".join(argv[1:])
        elif name == b"sentinel":
            if argc != 1:
                raise ConfigError("sentinel directive while not in sentinel mode")
        else:
            raise ConfigError("Bad directive or wrong number of arguments")

    def _load_save(self, p: Param, args: list[bytes]) -> None:
        """``save`` in a file: the first line replaces the defaults, later ones
        add save points, ``save ""`` clears them (Redis 7.0.15)."""
        cfg = self.cfg
        points = p.parse(args, cfg.save)  # type: ignore[attr-defined]
        if len(args) == 1 and args[0] == b"":
            cfg.save = []  # type: ignore[attr-defined]
        if not self.reading_config_file:
            cfg.save = []  # type: ignore[attr-defined]
        elif not self.save_loaded:
            self.save_loaded = True
            cfg.save = []  # type: ignore[attr-defined]
        cfg.save = cfg.save + points  # type: ignore[attr-defined, operator]


def _command_line_options(args: list[bytes], after_file: bool) -> tuple[bytes, bool]:
    """The options after the config file turned into config-file text, exactly
    as redis-server's main() does (``--port 6380`` -> ``port "6380"``), and
    whether '-' (the very first or the last argument) asked to read stdin."""
    options = b""
    from_stdin = False
    handled_last = True
    n = len(args)
    for j, a in enumerate(args):
        first = j == 0 and not after_file
        last = j == n - 1
        if a == b"-" and (first or last):
            from_stdin = True
        elif handled_last and a.startswith(b"--"):
            if options:
                options += b"\n"
            options += a[2:] + b" "
            if len(split_args(a) or []) == 1:
                # Only a name: its values follow.  `--save` alone (followed by
                # another option or at the end) means `save ""`.
                handled_last = False
                is_save = a.lower() == b"--save"
                is_sentinel = a.lower() == b"--sentinel"
                if not last and args[j + 1].startswith(b"--") and (is_save or is_sentinel):
                    if is_save:
                        options += b'""'
                    handled_last = True
                elif last and is_save:
                    options += b'""'
            else:
                handled_last = True
        else:
            options += quote_arg(a) + b" "
            handled_last = True
    return options, from_stdin


def load_server_config(
    argv: list[str],
    *,
    stdin: BinaryIO | None = None,
    rename_command: Callable[[bytes, bytes], None] | None = None,
) -> Config:
    """redis-server's command line (without the program name): ``argv[0]``, if
    present and not starting with '-', is a config file path; then ``--name
    value [value ...]`` options (so ``--save 900 1 300 10``, ``--save ""``,
    ``--replicaof "host port"`` and ``--replicaof host port`` all work); a
    lone '-' first or last reads more config from ``stdin`` (default
    sys.stdin).  Config files use redis.conf syntax: lines split with
    split_args, '#' comments, ``include path`` (globs allowed), directives
    case-insensitive, later ones override earlier; command-line options are
    applied after the file.

    Errors raise ConfigError whose str() is Redis's startup message, e.g.::

        *** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***
        Reading the configuration file, at line 2
        >>> 'port "abc"'
        argument couldn't be parsed into an integer

    or ``Fatal error, can't open config file 'x': No such file or directory``
    (which Redis writes as a log line).  Either way the server exits with 1.

    ``rename_command(old, new)``, when given, applies each rename-command
    line to the command table as it is read (it raises ValueError with
    Redis's message, e.g. ``No such command in rename-command``, reported
    with the line like any bad directive); the lines are also kept in
    ``Config.rename_commands``.

    A first argument ``-v``/``--version`` raises VersionRequested and
    ``-h``/``--help`` raises HelpRequested (both CommandLineRequest): the
    caller prints the version or the usage and exits, as redis-server does.
    """
    cfg = Config()
    if not argv:
        return cfg
    if argv[0] in ("-v", "--version"):
        raise VersionRequested()
    if argv[0] in ("-h", "--help"):
        raise HelpRequested()
    bargs = [os.fsencode(a) for a in argv]
    config_path: bytes | None = None
    if not bargs[0].startswith(b"-"):
        config_path = os.path.abspath(bargs[0])
        cfg.config_file = os.fsdecode(config_path)
        bargs = bargs[1:]
    options, from_stdin = _command_line_options(bargs, config_path is not None)
    loader = _Loader(cfg, rename_command)
    text = b""
    if config_path is not None:
        text = loader._read_one(config_path, config_path)
    if from_stdin:
        text += (stdin if stdin is not None else sys.stdin.buffer).read()
    loader.load_string(text + b"\n" + options)
    return cfg


# -- the list of parameters radish does not enforce (README.md) -------------------------

README_BEGIN = (
    "<!-- unenforced parameters: generated from src/radish/config.py by "
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


def _main(argv: list[str]) -> int:
    """``python -m radish.config --unenforced [README.md]``: print the list of
    parameters radish does not enforce, or rewrite it inside README.md."""
    if not argv or argv[0] != "--unenforced" or len(argv) > 2:
        print("usage: python -m radish.config --unenforced [README.md]", file=sys.stderr)
        return 2
    if len(argv) == 1:
        print(unenforced_markdown(), end="")
        return 0
    with open(argv[1], encoding="utf-8") as f:
        text = f.read()
    updated = readme_with_unenforced_list(text)
    if updated != text:
        with open(argv[1], "w", encoding="utf-8") as f:
            f.write(updated)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
