"""Configuration value types and validators: how one parameter's arguments
are parsed and checked, shown by CONFIG GET and written by CONFIG REWRITE
(one ``ParamType`` per kind of value, with Redis 7.0.15's exact texts), the
errors config code raises, the parameter flags, the keyspace-event classes,
and the validity checks (Redis's is_valid_fn).

Imports nothing from radish except ``radish.strconv`` and
``radish.protocol.splitargs``; nothing of the rest of ``radish.config``.
"""

from __future__ import annotations

import os
import re
from typing import Iterable, Optional

from radish.notifyflags import (
    NOTIFY_ALL,
    NOTIFY_EVICTED,
    NOTIFY_EXPIRED,
    NOTIFY_GENERIC,
    NOTIFY_HASH,
    NOTIFY_KEY_MISS,
    NOTIFY_KEYEVENT,
    NOTIFY_KEYSPACE,
    NOTIFY_LIST,
    NOTIFY_MODULE,
    NOTIFY_NEW,
    NOTIFY_SET,
    NOTIFY_STREAM,
    NOTIFY_STRING,
    NOTIFY_ZSET,
)
from radish.protocol.splitargs import quote_arg
from radish.strconv import memtoull, string2d, string2ll, strtoll

# The Redis version named in startup errors.  (radish/__init__.py holds the
# same constant; this module may not import it.)
REDIS_VERSION = "7.0.15"


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

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
UINT_MAX = 2**32 - 1
LLONG_MIN, LLONG_MAX = -(2**63), 2**63 - 1
LONG_MAX = SSIZE_MAX = LLONG_MAX
ULLONG_MAX = 2**64 - 1

# -- C integer conversions (the parsers themselves are radish.strconv's) ----------


def _to_int32(v: int) -> int:
    """What assigning a long long to a C int leaves."""
    v &= 0xFFFFFFFF
    return v - 2**32 if v >= 2**31 else v


def _to_signed64(v: int) -> int:
    v &= ULLONG_MAX
    return v - 2**64 if v > LLONG_MAX else v


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


def to_bytes(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


def shown_text(b: bytes) -> str:
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
        return to_bytes(value)  # type: ignore[arg-type]

    def rewrite_lines(self, name: bytes, value: object, default: object) -> RewriteLines:
        if self.empty_is_null and value == "":
            return None
        return [(name + b" " + quote_arg(to_bytes(value)), value != default)]  # type: ignore[arg-type]


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
        return to_bytes(value)  # type: ignore[arg-type]


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
            v = strtoll(s, 8, saturate=False)
            if v is not None:
                return v
        if not (self.memory or self.percent or self.octal):
            v = string2ll(s)
            if v is not None:
                return v
        raise ConfigError(self.parse_error)

    def parse(self, args: list[bytes], current: object) -> int:
        v = self._parse_number(args[0])
        if self.unsigned:
            u = v & ULLONG_MAX
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
            return b"%d" % (v & ULLONG_MAX)
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
        return b" ".join(to_bytes(a) for a in value)  # type: ignore[attr-defined]

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
        path = os.path.join(to_bytes(current), args[0]) if args[0] else b""  # type: ignore[arg-type]
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
        return to_bytes(value)  # type: ignore[arg-type]

    def rewrite_lines(self, name: bytes, value: object, default: object) -> RewriteLines:
        return [(name + b" " + quote_arg(to_bytes(value)), True)]  # type: ignore[arg-type]


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
        return b"%s %d" % (to_bytes(value[0]), value[1])  # type: ignore[index]

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


def check_active_defrag(value: object) -> None:
    if value:
        raise ConfigError(
            "Active defragmentation cannot be enabled: it requires a Redis server compiled "
            "with a modified Jemalloc like the one shipped by default with the Redis source "
            "distribution"
        )


def _is_basename(value: str) -> bool:
    return "/" not in value and "\\" not in value


def check_dbfilename(value: object) -> None:
    if not _is_basename(value):  # type: ignore[arg-type]
        raise ConfigError("dbfilename can't be a path, just a filename")


def check_appendfilename(value: object) -> None:
    if value == "":
        raise ConfigError("appendfilename can't be empty")
    if not _is_basename(value):  # type: ignore[arg-type]
        raise ConfigError("appendfilename can't be a path, just a filename")


def check_appenddirname(value: object) -> None:
    if value == "":
        raise ConfigError("appenddirname can't be empty")
    if not _is_basename(value):  # type: ignore[arg-type]
        raise ConfigError("appenddirname can't be a path, just a dirname")


_HOSTNAME_CHARS = re.compile(r"[A-Za-z0-9.\-]*")


def check_hostname(value: object) -> None:
    if len(to_bytes(value)) >= 256:  # type: ignore[arg-type]
        raise ConfigError("Hostnames must be less than 256 characters")
    if not _HOSTNAME_CHARS.fullmatch(str(value)):
        raise ConfigError("Hostnames may only contain alphanumeric characters, hyphens or dots")


# Variables of proc-title-template, and whether each expands to something
# non-empty when Redis validates a template (title is "" then; server-mode is
# empty for a standalone server; unixsocket is empty unless configured).
_PROC_TITLE_VARS = {
    "title": False, "listen-addr": True, "server-mode": False, "port": True,
    "tls-port": True, "unixsocket": False, "config-file": True,
}  # fmt: skip


def check_proc_title_template(value: object) -> None:
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


def check_shutdown_flags(value: object) -> None:
    words = str(value).split()
    if "save" in words and "nosave" in words:
        raise ConfigError("shutdown options SAVE and NOSAVE can't be used simultaneously")


def clamp_hz(value: object) -> int:
    """Redis accepts any hz but caps it to 1..500 (CONFIG_MIN_HZ/CONFIG_MAX_HZ)."""
    return max(1, min(500, value))  # type: ignore[call-overload]


# -- the table --------------------------------------------------------------------------


# Kinds of parameters radish accepts without acting on them (the audit of
# the table below): a feature not built yet, or one that has no meaning in
# radish.  A non-default value of either logs a warning at start-up and on
# CONFIG SET; README.md lists them (``python -m radish.config --unenforced``).
