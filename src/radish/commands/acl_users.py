"""ACL users, their rules and the permission check, as Redis 7.0's acl.c.

A user has flags (on/off, nopass, sanitize-payload), SHA-256 password
hashes and selectors: the root selector (rules given outside parentheses)
and any number of ``(…)`` selectors. A selector allows commands (a set of
specs, Redis's command bitmap, plus the reserved "future commands" bit that
only ``+@all`` sets), first arguments of otherwise denied commands
(``+select|0``), key patterns with read/write permissions, and channel
patterns. A command is allowed when one selector allows it with all its
keys and channels (ACLCheckAllUserCommandPerm).

Rules are applied as ACLSetUser/ACLSetSelector apply them, with the same
error codes; users are described back (ACL LIST, GETUSER, the ACL file,
CONFIG REWRITE) by the same greedy category fit as
ACLDescribeSelectorCommandRules. Commands are looked up in the original
table (ORIGINAL_COMMANDS), so rules survive rename-command as in Redis.

Written here rather than taken from a library: ACL semantics are Redis's
own and nothing outside Redis implements them.

Imports: the command registry, glob matching, errors. Nothing above.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from collections.abc import Callable, Iterable, Iterator

from ..globmatch import compile_glob
from ..globmatch import glob_match as stringmatch
from ..protocol.splitargs import split_args
from .registry import (
    ACL_ORDER,
    KEY_ACCESS,
    KEY_DELETE,
    KEY_INSERT,
    KEY_NOT_KEY,
    KEY_UPDATE,
    ORIGINAL_COMMANDS,
    CommandSpec,
)

# Check results (server.h ACL_*), ordered as Redis compares them.
ACL_OK = 0
DENIED_CMD = 1
DENIED_KEY = 2
DENIED_AUTH = 3
DENIED_CHANNEL = 4

# ACL LOG contexts.
CTX_TOPLEVEL = 0
CTX_LUA = 1
CTX_MULTI = 2

READ = 1
WRITE = 2
ALL = READ | WRITE

# Channel arguments of the pub/sub commands (db.c commandChannelsTable):
# name -> (first, last (-1: to the end), is_pattern, checked).  Only
# publish/subscribe positions are checked by ACL; unsubscribes are not.
_CHANNEL_ARGS = {
    "subscribe": (1, -1, False),
    "ssubscribe": (1, -1, False),
    "psubscribe": (1, -1, True),
    "publish": (1, 1, False),
    "spublish": (1, 1, False),
}

# ACLSetUser error codes -> ACLSetUserStringError texts.
ENOENT = "Unknown command or category name in ACL"
EINVAL = "Syntax error"
EEXIST = (
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any "
    "effect. Try 'resetkeys' to start with an empty list of patterns"
)
EISDIR = (
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any "
    "effect. Try 'resetchannels' to start with an empty list of channels"
)
ENODEV = "The password you are trying to remove from the user does not exist"
EBADMSG = "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
EALREADY = "Duplicate user found. A user can only be defined once in config files"
ECHILD = "Allowing first-arg of a subcommand is not supported"


class RuleError(ValueError):
    """A rule ACLSetUser refuses; str() is Redis's message for it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def hash_password(password: bytes) -> bytes:
    """ACLHashPassword: the SHA-256 of the clear text, lower-case hex."""
    return hashlib.sha256(password).hexdigest().encode()


def _valid_hash(h: bytes) -> bool:
    return len(h) == 64 and all(48 <= b <= 57 or 97 <= b <= 102 for b in h)


def has_spaces(s: bytes) -> bool:
    """ACLStringHasSpaces: whitespace (isspace) or NUL anywhere."""
    return any(b in b" \t\n\v\f\r\x00" for b in s)


# -- the command table as ACL sees it ------------------------------------------------


def _walk(specs: Iterable[CommandSpec]) -> Iterator[CommandSpec]:
    """Every command and subcommand, containers before their subcommands."""
    for spec in specs:
        yield spec
        if spec.subcommands:
            yield from _walk(spec.subcommands.values())


_TABLE: dict[str, object] = {"size": -1}


def _all_specs() -> list[CommandSpec]:
    if _TABLE["size"] != len(ORIGINAL_COMMANDS):
        specs = list(_walk(ORIGINAL_COMMANDS.values()))
        by_cat: dict[str, list[CommandSpec]] = {c: [] for c in ACL_ORDER}
        for s in specs:
            for cat in s.acl_categories():
                by_cat[cat].append(s)
        _TABLE.update(size=len(ORIGINAL_COMMANDS), specs=specs, by_cat=by_cat)
    return _TABLE["specs"]  # type: ignore[return-value]


def category_specs(category: str) -> list[CommandSpec] | None:
    """The commands (and subcommands) in ``category``, or None if unknown."""
    _all_specs()
    return _TABLE["by_cat"].get(category.lower())  # type: ignore[attr-defined]


def lookup_acl_command(name: bytes) -> CommandSpec | None:
    """ACLLookupCommand: ``cmd`` or ``cmd|sub`` in the original table."""
    parts = name.lower().split(b"|")
    if len(parts) > 2:
        return None
    spec = ORIGINAL_COMMANDS.get(parts[0])
    if spec is None or len(parts) == 1:
        return spec
    if not spec.subcommands:
        return None
    return spec.subcommands.get(parts[1])


# -- selectors -----------------------------------------------------------------------


class Selector:
    """One set of permissions (Redis's aclSelector)."""

    __slots__ = ("root", "allkeys", "allchannels", "allcommands", "future", "allowed", "firstargs", "patterns", "channels")

    def __init__(self, root: bool = False, allchannels: bool = False) -> None:
        self.root = root
        self.allkeys = False
        self.allchannels = allchannels
        self.allcommands = False
        self.future = False  # the reserved bit only +@all sets
        self.allowed: set[CommandSpec] = set()
        self.firstargs: dict[CommandSpec, list[bytes]] = {}
        self.patterns: list[list] = []  # [pattern, READ|WRITE, its compiled matcher]
        self.channels: list[bytes] = []

    def copy(self) -> Selector:
        s = Selector(self.root, self.allchannels)
        s.allkeys = self.allkeys
        s.allcommands = self.allcommands
        s.future = self.future
        s.allowed = set(self.allowed)
        s.firstargs = {k: list(v) for k, v in self.firstargs.items()}
        s.patterns = [list(p) for p in self.patterns]
        s.channels = list(self.channels)
        return s

    # ACLChangeSelectorPerm
    def _change(self, spec: CommandSpec, allow: bool) -> None:
        self._set_bit(spec, allow)
        self.firstargs.pop(spec, None)
        for sub in spec.subcommands.values():
            self._set_bit(sub, allow)

    def _set_bit(self, spec: CommandSpec, allow: bool) -> None:
        if allow:
            self.allowed.add(spec)
        else:
            self.allowed.discard(spec)
            self.allcommands = False

    def _set_category(self, category: str, allow: bool) -> bool:
        specs = category_specs(category)
        if specs is None:
            return False
        for spec in specs:
            self._change(spec, allow)
        return True

    def apply(self, op: bytes) -> None:
        """ACLSetSelector: apply one rule; RuleError with Redis's text."""
        low = op.lower()
        if low in (b"allkeys", b"~*"):
            self.allkeys = True
            self.patterns = []
        elif low == b"resetkeys":
            self.allkeys = False
            self.patterns = []
        elif low in (b"allchannels", b"&*"):
            self.allchannels = True
            self.channels = []
        elif low == b"resetchannels":
            self.allchannels = False
            self.channels = []
        elif low in (b"allcommands", b"+@all"):
            self.allowed = set(_all_specs())
            self.allcommands = True
            self.future = True
            self.firstargs = {}
        elif low in (b"nocommands", b"-@all"):
            self.allowed = set()
            self.allcommands = False
            self.future = False
            self.firstargs = {}
        elif op[:1] in (b"~", b"%"):
            self._add_key_pattern(op)
        elif op[:1] == b"&":
            if self.allchannels:
                raise RuleError(EISDIR)
            pat = op[1:]
            if has_spaces(pat):
                raise RuleError(EINVAL)
            if pat not in self.channels:
                self.channels.append(pat)
            self.allchannels = False
        elif op[:1] == b"+" and op[1:2] != b"@":
            self._allow_command(op[1:])
        elif op[:1] == b"-" and op[1:2] != b"@":
            spec = lookup_acl_command(op[1:])
            if spec is None:
                raise RuleError(ENOENT)
            self._change(spec, False)
        elif op[:1] in (b"+", b"-") and op[1:2] == b"@":
            if not self._set_category(op[2:].decode("latin-1"), op[:1] == b"+"):
                raise RuleError(ENOENT)
        else:
            raise RuleError(EINVAL)

    def _add_key_pattern(self, op: bytes) -> None:
        if self.allkeys:
            raise RuleError(EEXIST)
        flags = 0
        offset = 1
        if op[:1] == b"%":
            while offset < len(op):
                ch = op[offset : offset + 1]
                if ch.upper() == b"R" and not flags & READ:
                    flags |= READ
                elif ch.upper() == b"W" and not flags & WRITE:
                    flags |= WRITE
                elif ch == b"~":
                    offset += 1
                    break
                else:
                    raise RuleError(EINVAL)
                offset += 1
            if not flags:
                raise RuleError(EINVAL)
        else:
            flags = ALL
        pat = op[offset:]
        if has_spaces(pat):
            raise RuleError(EINVAL)
        for p in self.patterns:
            if p[0] == pat:
                p[1] |= flags
                break
        else:
            self.patterns.append([pat, flags, compile_glob(pat)])
        self.allkeys = False

    def _allow_command(self, name: bytes) -> None:
        if b"|" not in name:
            spec = lookup_acl_command(name)
            if spec is None:
                raise RuleError(ENOENT)
            self._change(spec, True)
            return
        base, sub = name.rsplit(b"|", 1)
        spec = lookup_acl_command(base)
        if spec is None:
            raise RuleError(ENOENT)
        if spec.parent is not None:
            raise RuleError(ECHILD)
        if not sub:
            raise RuleError(EINVAL)
        if spec.subcommands:
            full = lookup_acl_command(name)
            if full is None:
                raise RuleError(ENOENT)
            self._change(full, True)
        else:
            args = self.firstargs.setdefault(spec, [])
            if sub.lower() not in (a.lower() for a in args):
                args.append(sub)

    # -- checks ------------------------------------------------------------------------

    def check_key(self, key: bytes, keyflags: int) -> bool:
        """ACLSelectorCheckKey."""
        if self.allkeys:
            return True
        need = 0
        if keyflags & KEY_ACCESS:
            need |= READ
        if keyflags & (KEY_INSERT | KEY_DELETE | KEY_UPDATE):
            need |= WRITE
        for _pat, flags, match in self.patterns:
            if flags & need == need and match(key):
                return True
        return False

    def unrestricted_keys(self, keyflags: int) -> bool:
        """ACLSelectorHasUnrestrictedKeyAccess."""
        if self.allkeys:
            return True
        need = 0
        if keyflags & KEY_ACCESS:
            need |= READ
        if keyflags & (KEY_INSERT | KEY_DELETE | KEY_UPDATE):
            need |= WRITE
        return any(flags & need == need and pat == b"*" for pat, flags, _match in self.patterns)

    def check_channel(self, channel: bytes, is_pattern: bool) -> bool:
        """ACLCheckChannelAgainstList (or all channels)."""
        if self.allchannels:
            return True
        return channel_allowed(self.channels, channel, is_pattern)

    def check_command(self, spec: CommandSpec, args: list[bytes], keys: list | None) -> tuple[int, int, list | None]:
        """ACLSelectorCheckCmd: (result, failing argument index, key refs
        computed, cached across selectors)."""
        if not self.allcommands and not spec.no_auth and spec not in self.allowed:
            allowed = self.firstargs.get(spec)
            if len(args) < 2 or not allowed:
                return DENIED_CMD, 0, keys
            arg = args[2 if spec.parent is not None else 1].lower()
            if not any(a.lower() == arg for a in allowed):
                return DENIED_CMD, 0, keys
        if not self.allkeys and spec.has_keys:
            if keys is None:
                keys = command_key_refs(spec, args)
            for pos, flags in keys:
                if not self.check_key(args[pos], flags):
                    return DENIED_KEY, pos, keys
        if not self.allchannels:
            for pos, is_pattern in command_channels(spec, args):
                if not channel_allowed(self.channels, args[pos], is_pattern):
                    return DENIED_CHANNEL, pos, keys
        return ACL_OK, 0, keys

    # -- description -------------------------------------------------------------------

    def describe(self) -> bytes:
        """ACLDescribeSelector: keys, channels, then command rules."""
        out: list[bytes] = []
        if self.allkeys:
            out.append(b"~*")
        else:
            out.extend(pattern_text(p) for p in self.patterns)
        if self.allchannels:
            out.append(b"&*")
        else:
            out.append(b"resetchannels")
            out.extend(b"&" + ch for ch in self.channels)
        out.append(self.describe_commands())
        return b" ".join(out)

    def key_patterns_text(self) -> bytes:
        return b"~*" if self.allkeys else b" ".join(pattern_text(p) for p in self.patterns)

    def channels_text(self) -> bytes:
        return b"&*" if self.allchannels else b" ".join(b"&" + ch for ch in self.channels)

    def describe_commands(self) -> bytes:
        """ACLDescribeSelectorCommandRules: +@all or -@all, the categories
        that best fit the commands allowed (greedily, as Redis), then the
        single commands and first arguments that still differ."""
        rules: list[bytes] = []
        fake = Selector()
        additive = not self.future
        if additive:
            rules.append(b"-@all")
            fake.apply(b"-@all")
        else:
            rules.append(b"+@all")
            fake.apply(b"+@all")
        temp = Selector()
        temp.allowed = set(self.allowed)
        applied: set[str] = set()
        while True:
            best = None
            mindiff = 1 << 62
            maxsame = 0
            for cat in ACL_ORDER:
                if cat in applied:
                    continue
                on = off = 0
                for spec in category_specs(cat) or ():
                    if spec in temp.allowed:
                        on += 1
                    else:
                        off += 1
                diff, same = (off, on) if additive else (on, off)
                if same > diff and (diff < mindiff or (diff == mindiff and same > maxsame)):
                    best, mindiff, maxsame = cat, diff, same
            if best is None:
                break
            fake._set_category(best, additive)
            temp._set_category(best, not additive)
            rules.append((b"+@" if additive else b"-@") + best.encode())
            applied.add(best)
        self._describe_single(fake, rules, ORIGINAL_COMMANDS.values())
        if fake.allowed != self.allowed:  # pragma: no cover - as Redis's panic: never emit wrong rules
            raise AssertionError("ACL rules description does not reproduce the selector")
        return b" ".join(rules)

    def _describe_single(self, fake: Selector, rules: list[bytes], specs: Iterable[CommandSpec]) -> None:
        for spec in specs:
            userbit = spec in self.allowed
            if userbit != (spec in fake.allowed):
                rules.append((b"+" if userbit else b"-") + spec.name.encode())
                fake._change(spec, userbit)
            if spec.subcommands:
                self._describe_single(fake, rules, spec.subcommands.values())
            if not userbit and spec in self.firstargs:
                for a in self.firstargs[spec]:
                    rules.append(b"+" + spec.name.encode() + b"|" + a)


def pattern_text(p: list) -> bytes:
    """sdsCatPatternString."""
    pat, flags = p[0], p[1]
    prefix = b"~" if flags == ALL else b"%R~" if flags == READ else b"%W~"
    return prefix + pat


def channel_allowed(channels: list[bytes], channel: bytes, is_pattern: bool) -> bool:
    """ACLCheckChannelAgainstList: a PSUBSCRIBE pattern must equal an
    allowed pattern literally; a channel name is glob-matched."""
    for pat in channels:
        if (is_pattern and pat == channel) or (not is_pattern and stringmatch(pat, channel)):
            return True
    return False


def command_channels(spec: CommandSpec, args: list[bytes]) -> list[tuple[int, bool]]:
    """(position, is_pattern) of the channels a publish/subscribe command
    names, as getChannelsFromCommand (only the ACL-checked ones)."""
    entry = _CHANNEL_ARGS.get(spec.name)
    if entry is None:
        return []
    first, last, is_pattern = entry
    end = len(args) - 1 if last < 0 else min(last, len(args) - 1)
    return [(i, is_pattern) for i in range(first, end + 1)]


def command_key_refs(spec: CommandSpec, args: list[bytes]) -> list[tuple[int, int]]:
    """The keys ACL checks: key specs but those flagged NOT_KEY (a shard
    channel), as getKeysFromCommandWithSpecs(GET_KEYSPEC_DEFAULT)."""
    try:
        refs = spec.key_refs(args)
    except Exception:  # a movable-keys command with unparsable arguments names no keys
        return []
    return [r for r in refs if not r[1] & KEY_NOT_KEY]


# -- users ---------------------------------------------------------------------------

_USER_FLAG_ORDER = ("on", "off", "nopass", "skip-sanitize-payload", "sanitize-payload")


class User:
    """An ACL user (Redis's user struct)."""

    __slots__ = ("name", "flags", "passwords", "selectors", "_described", "unrestricted", "__weakref__")

    def __init__(self, name: bytes, allchannels: bool = False) -> None:
        self.name = name
        self.flags: set[str] = {"off"}
        self.passwords: list[bytes] = []  # SHA-256 hex digests
        self.selectors: list[Selector] = [Selector(root=True, allchannels=allchannels)]
        self._described: bytes | None = None
        self.unrestricted = False

    @property
    def enabled(self) -> bool:
        return "on" in self.flags

    @property
    def nopass(self) -> bool:
        return "nopass" in self.flags

    @property
    def root(self) -> Selector:
        return self.selectors[0]

    def copy_from(self, other: User) -> None:
        """ACLCopyUser: take ``other``'s rules, keep the name."""
        self.flags = set(other.flags)
        self.passwords = list(other.passwords)
        self.selectors = [s.copy() for s in other.selectors]
        self.changed()

    def clone(self) -> User:
        u = User(self.name)
        u.copy_from(self)
        return u

    def changed(self) -> None:
        self._described = None
        self.unrestricted = any(s.allcommands and s.allkeys and s.allchannels for s in self.selectors)

    def apply(self, op: bytes, pubsub_default_all: bool) -> None:
        """ACLSetUser: apply one rule (user flags, passwords, selectors or a
        root-selector rule); RuleError with Redis's text."""
        try:
            self._apply(op, pubsub_default_all)
        finally:
            self.changed()

    def _apply(self, op: bytes, pubsub_default_all: bool) -> None:
        if not op:
            return
        low = op.lower()
        if low == b"on":
            self.flags.discard("off")
            self.flags.add("on")
        elif low == b"off":
            self.flags.discard("on")
            self.flags.add("off")
        elif low == b"skip-sanitize-payload":
            self.flags.discard("sanitize-payload")
            self.flags.add("skip-sanitize-payload")
        elif low == b"sanitize-payload":
            self.flags.discard("skip-sanitize-payload")
            self.flags.add("sanitize-payload")
        elif low == b"nopass":
            self.flags.add("nopass")
            self.passwords = []
        elif low == b"resetpass":
            self.flags.discard("nopass")
            self.passwords = []
        elif op[:1] in (b">", b"#"):
            if op[:1] == b">":
                h = hash_password(op[1:])
            else:
                h = op[1:]
                if not _valid_hash(h):
                    raise RuleError(EBADMSG)
            if h not in self.passwords:
                self.passwords.append(h)
            self.flags.discard("nopass")
        elif op[:1] in (b"<", b"!"):
            if op[:1] == b"<":
                h = hash_password(op[1:])
            else:
                h = op[1:]
                if not _valid_hash(h):
                    raise RuleError(EBADMSG)
            if h not in self.passwords:
                raise RuleError(ENODEV)
            self.passwords.remove(h)
        elif op[:1] == b"(" and op[-1:] == b")":
            sel = Selector(allchannels=pubsub_default_all)
            for rule in split_args(op[1:-1]) or []:  # unbalanced quotes: no rules, as sdssplitargs
                sel.apply(rule)
            self.selectors.append(sel)
        elif low == b"clearselectors":
            del self.selectors[1:]
        elif low == b"reset":
            for rule in (b"resetpass", b"resetkeys", b"resetchannels"):
                self._apply(rule, pubsub_default_all)
            if pubsub_default_all:
                self._apply(b"allchannels", pubsub_default_all)
            for rule in (b"off", b"sanitize-payload", b"clearselectors", b"-@all"):
                self._apply(rule, pubsub_default_all)
        else:
            self.root.apply(op)

    def describe(self) -> bytes:
        """ACLDescribeUser: flags, #hashes, root selector, (selectors)."""
        if self._described is None:
            parts = [f.encode() for f in _USER_FLAG_ORDER if f in self.flags]
            parts.extend(b"#" + h for h in self.passwords)
            text = b" ".join(parts)
            for sel in self.selectors:
                d = sel.describe()
                if sel.root:
                    text = text + b" " + d if text else d
                else:
                    text += b" (" + d + b")"
            self._described = text
        return self._described

    def password_ok(self, password: bytes) -> bool:
        if self.nopass:
            return True
        h = hash_password(password)
        ok = False
        for p in self.passwords:
            ok |= hmac.compare_digest(h, p)
        return ok

    def check(self, spec: CommandSpec, args: list[bytes]) -> tuple[int, int]:
        """ACLCheckAllUserCommandPerm: (result, index of the key or channel
        argument to report)."""
        if self.unrestricted:
            return ACL_OK, 0
        relevant = DENIED_CMD
        last_idx = 0
        keys = None
        for sel in self.selectors:
            r, idx, keys = sel.check_command(spec, args, keys)
            if r == ACL_OK:
                return ACL_OK, 0
            if r > relevant or (r == relevant and idx > last_idx):
                relevant, last_idx = r, idx
        return relevant, last_idx

    def unrestricted_key_access(self, spec: CommandSpec, args: list[bytes], keyflags: int) -> bool:
        """ACLUserCheckCmdWithUnrestrictedKeyAccess: a selector allows the
        command and every key with ``keyflags`` (SORT's BY and GET)."""
        if self.unrestricted:
            return True
        keys = None
        for sel in self.selectors:
            r, _idx, keys = sel.check_command(spec, args, keys)
            if r == ACL_OK and sel.unrestricted_keys(keyflags):
                return True
        return False

    def check_channel(self, channel: bytes, is_pattern: bool) -> bool:
        """ACLUserCheckChannelPerm."""
        return any(s.check_channel(channel, is_pattern) for s in self.selectors)

    def check_key(self, key: bytes, keyflags: int) -> bool:
        """ACLUserCheckKeyPerm."""
        return any(s.check_key(key, keyflags) for s in self.selectors)

    def all_channels_patterns(self) -> list[bytes] | None:
        """Every channel pattern of every selector; None when one selector
        allows all channels."""
        if any(s.allchannels for s in self.selectors):
            return None
        return [ch for s in self.selectors for ch in s.channels]


def merge_selector_args(args: list[bytes]) -> list[bytes]:
    """ACLMergeSelectorArguments: a ``(…)`` selector spread over several
    arguments becomes one; RuleError naming the unmatched opening."""
    merged: list[bytes] = []
    current: bytes | None = None
    start = b""
    for op in args:
        if current is None and op[:1] == b"(" and op[-1:] != b")":
            current = op
            start = op
            continue
        if current is not None:
            current += b" " + op
            if op[-1:] == b")":
                merged.append(current)
                current = None
            continue
        merged.append(op)
    if current is not None:
        raise RuleError("Unmatched parenthesis in acl selector starting at '%s'." % start.decode("utf-8", "replace"))
    return merged


# -- the log -------------------------------------------------------------------------

_REASONS = {DENIED_CMD: b"command", DENIED_KEY: b"key", DENIED_CHANNEL: b"channel", DENIED_AUTH: b"auth"}
_CONTEXTS = {CTX_TOPLEVEL: b"toplevel", CTX_MULTI: b"multi", CTX_LUA: b"lua"}
_GROUPING_MS = 60000


class LogEntry:
    __slots__ = ("count", "reason", "context", "object", "username", "ctime", "cinfo")

    def __init__(self, reason: int, context: int, obj: bytes, username: bytes, ctime: int, cinfo: bytes) -> None:
        self.count = 1
        self.reason = reason
        self.context = context
        self.object = obj
        self.username = username
        self.ctime = ctime
        self.cinfo = cinfo

    def reply(self, now_ms: int) -> list:
        return [
            (b"count", self.count),
            (b"reason", _REASONS.get(self.reason, b"unknown")),
            (b"context", _CONTEXTS.get(self.context, b"unknown")),
            (b"object", self.object),
            (b"username", self.username),
            (b"age-seconds", (now_ms - self.ctime) / 1000),
            (b"client-info", self.cinfo),
        ]


class AclLog:
    """The ACL LOG: newest first, similar entries grouped (addACLLogEntry)."""

    def __init__(self) -> None:
        self.entries: list[LogEntry] = []

    def add(self, entry: LogEntry, max_len: int) -> None:
        for i, cur in enumerate(self.entries[:10]):
            if (
                cur.reason == entry.reason
                and cur.context == entry.context
                and abs(cur.ctime - entry.ctime) <= _GROUPING_MS
                and cur.object == entry.object
                and cur.username == entry.username
            ):
                del self.entries[i]
                cur.cinfo = entry.cinfo
                cur.ctime = entry.ctime
                cur.count += 1
                self.entries.insert(0, cur)
                return
        self.entries.insert(0, entry)
        del self.entries[max_len:]

    def reset(self) -> None:
        self.entries = []


# -- the users of a server -------------------------------------------------------------


class AclUsers:
    """All users (Redis's Users rax, kept sorted by name when listed), the
    default user and the log."""

    def __init__(self, pubsub_default_all: Callable[[], bool]) -> None:
        self.pubsub_default_all = pubsub_default_all
        self.users: dict[bytes, User] = {}
        self.default = self._create_default()
        self.users[b"default"] = self.default
        self.log = AclLog()

    def _create_default(self) -> User:
        u = User(b"default", self.pubsub_default_all())
        for rule in (b"+@all", b"~*", b"&*", b"on", b"nopass"):
            u.apply(rule, False)
        return u

    def get(self, name: bytes) -> User | None:
        return self.users.get(name)

    def sorted_users(self) -> list[User]:
        return [self.users[k] for k in sorted(self.users)]

    def new_user(self, name: bytes) -> User:
        return User(name, self.pubsub_default_all())

    def set_user(self, name: bytes, rules: list[bytes]) -> tuple[User | None, User]:
        """ACLStringSetUser: apply every rule to a copy of the user (or a new
        one) and only then install it; (the user as it was or None, the user
        now). RuleError: nothing changed."""
        merged = merge_selector_args(rules)
        old = self.users.get(name)
        temp = old.clone() if old is not None else self.new_user(name)
        pad = self.pubsub_default_all()
        for op in merged:
            try:
                temp.apply(op, pad)
            except RuleError as e:
                raise RuleError("Error in ACL SETUSER modifier '%s': %s" % (op.decode("utf-8", "replace"), e.message)) from None
        before = old.clone() if old is not None else None
        if old is None:
            self.users[name] = temp
            return None, temp
        old.copy_from(temp)
        return before, old

    def set_default_password(self, password: bytes | None) -> None:
        """requirepass: ACLUpdateDefaultUserPassword."""
        self.default.apply(b"resetpass", False)
        self.default.apply(b">" + password if password else b"nopass", False)

    def authenticate(self, name: bytes, password: bytes) -> User | None:
        """ACLCheckUserCredentials: the user, or None (no such user,
        disabled, or wrong password)."""
        u = self.users.get(name)
        if u is None or not u.enabled:
            return None
        return u if u.password_ok(password) else None

    def default_open(self) -> bool:
        """Whether new connections need no AUTH (authRequired is false)."""
        d = self.default
        return d.nopass and d.enabled

    # -- files -----------------------------------------------------------------------

    def describe_lines(self) -> list[bytes]:
        return [b"user " + u.name + b" " + u.describe() for u in self.sorted_users()]

    def parse_users(self, lines: list[tuple[int, list[bytes]]], filename: str) -> dict[bytes, User]:
        """ACLLoadFromFile's checks over (line number, words) pairs: a fresh
        set of users, or RuleError with every problem found, as Redis
        reports them (nothing is applied)."""
        users: dict[bytes, User] = {}
        errors = ""
        pad = self.pubsub_default_all()
        for linenum, argv in lines:
            if not argv:
                continue
            if argv[0] != b"user" or len(argv) < 2:
                errors += "%s:%d should start with user keyword followed by the username. " % (filename, linenum)
                continue
            name = argv[1]
            if has_spaces(name):
                errors += "'%s:%d: username '%s' contains invalid characters. " % (filename, linenum, name.decode("utf-8", "replace"))
                continue
            if name in users:
                errors += "WARNING: Duplicate user '%s' found on line %d. " % (name.decode("utf-8", "replace"), linenum)
                continue
            u = self.new_user(name)
            users[name] = u
            try:
                merged = merge_selector_args(argv[2:])
            except RuleError:
                errors += "%s:%d: Unmatched parenthesis in selector definition." % (filename, linenum)
                merged = []
            syntax_error = False
            for op in merged:
                op = op.strip(b"\t\r\n")
                try:
                    u.apply(op, pad)
                except RuleError as e:
                    if e.message == ENOENT:
                        errors += "%s:%d: Error in applying operation '%s': %s. " % (
                            filename, linenum, op.decode("utf-8", "replace"), e.message)
                    elif not syntax_error:
                        errors += "%s:%d: %s. " % (filename, linenum, e.message)
                        syntax_error = True
        if errors:
            raise RuleError(errors + "WARNING: ACL errors detected, no change to the previously active ACL rules was performed")
        return users

    def install(self, users: dict[bytes, User]) -> list[User]:
        """Replace every user by ``users`` (the default user object is kept,
        with the new default's rules, or Redis's default ones); returns the
        users that are gone or replaced (their clients must be killed)."""
        new_default = users.pop(b"default", None)
        if new_default is None:
            new_default = self._create_default()
        gone = [u for name, u in self.users.items() if name != b"default"]
        self.default.copy_from(new_default)
        self.users = {b"default": self.default}
        self.users.update(users)
        return gone


def read_acl_file(path: str) -> list[tuple[int, list[bytes]]]:
    """The ACL file's lines as (line number, words): split on single
    spaces after trimming, as Redis's sdssplitlen; OSError if unreadable."""
    with open(path, "rb") as f:
        data = f.read()
    out: list[tuple[int, list[bytes]]] = []
    for i, line in enumerate(data.split(b"\n")):
        line = line.strip(b" \t\r\n")
        if not line:
            continue
        out.append((i + 1, [w for w in line.split(b" ") if w != b""] if b" " in line else [line]))
    return out


def write_acl_file(path: str, lines: list[bytes]) -> None:
    """ACLSaveToFile: to a temporary file, then renamed over the file."""
    tmp = "%s.tmp-%d-%d" % (path, os.getpid(), int(time.time() * 1000))
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            os.write(fd, b"".join(line + b"\n" for line in lines))
        finally:
            os.close(fd)
        os.rename(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def genpass(bits: int) -> bytes:
    """ACL GENPASS: (bits+3)//4 random hex characters."""
    chars = (bits + 3) // 4
    return os.urandom((chars + 1) // 2).hex()[:chars].encode()
