"""The command registry: one CommandSpec per command and subcommand.

Each command is declared once, next to its handler, with the metadata Redis
keeps in its command JSON files::

    @command("get", 2, "readonly fast", acl="string", keys=(1, 1, 1),
             key_specs=(KeySpec("RO ACCESS", index=1),),
             group="string", since="1.0.0", summary="Get the value of a key",
             complexity="O(1)")
    def get(c, args): ...

Key specs are Redis 7.0's (src/commands/*.json): how each key argument is
found and used. COMMAND INFO prints them, CommandSpec.key_refs evaluates
them (ACL key permissions, COMMAND GETKEYSANDFLAGS), and the legacy
``keys=(first, last, step)`` must be what Redis derives from them. A
command declared without key specs (yet) gets flags implied by its
write/readonly flag.

``COMMAND``, ``COMMAND INFO/DOCS/COUNT/LIST/GETKEYS`` and the dispatcher's
generic checks all read these specs; there is no second table.

ACL categories implied by flags are added as Redis's
``setImplicitACLCategories`` does (write -> @write, readonly -> @read, admin
-> @admin @dangerous, fast -> @fast else @slow, …), so a spec only lists the
others.

Imports nothing from radish above ``commands``.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Optional, TypeVar

from ..strconv import string2ll

# Order in which Redis 7.0 prints command flags (server.c, addReplyCommandFlags).
FLAG_ORDER = (
    "write", "readonly", "denyoom", "module", "admin", "pubsub", "noscript",
    "blocking", "loading", "stale", "skip_monitor", "skip_slowlog", "asking",
    "fast", "no_auth", "no_mandatory_keys", "no_async_loading", "no_multi",
    "movablekeys", "allow_busy",
)
# Flags Redis keeps but never prints.
HIDDEN_FLAGS = frozenset({"may_replicate", "sentinel", "only_sentinel", "protected"})
KNOWN_FLAGS = frozenset(FLAG_ORDER) | HIDDEN_FLAGS

# Order of ACL categories (acl.c, ACLCommandCategories).
ACL_ORDER = (
    "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string",
    "bitmap", "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow",
    "blocking", "dangerous", "connection", "transaction", "scripting",
)


# Key-spec flags, Redis's CMD_KEY_* (server.h): how a command uses one key.
# ACL key permissions read them: ACCESS needs %R, INSERT/DELETE/UPDATE need %W.
KEY_RO = 1 << 0
KEY_RW = 1 << 1
KEY_OW = 1 << 2
KEY_RM = 1 << 3
KEY_ACCESS = 1 << 4
KEY_UPDATE = 1 << 5
KEY_INSERT = 1 << 6
KEY_DELETE = 1 << 7
KEY_NOT_KEY = 1 << 8
KEY_INCOMPLETE = 1 << 9
KEY_VARIABLE_FLAGS = 1 << 10
# Until a command declares its key specs: what its flags imply, erring on
# the side of more access (a write command reads and updates its keys).
_DEFAULT_WRITE_KEY = KEY_RW | KEY_ACCESS | KEY_UPDATE
_DEFAULT_READ_KEY = KEY_RO | KEY_ACCESS

# Names as declared (Redis's command JSON) and as printed by COMMAND INFO and
# GETKEYSANDFLAGS (addReplyFlagsForKeyArgs), in Redis's printing order.
_KEY_FLAGS = (
    ("RO", "RO", KEY_RO), ("RW", "RW", KEY_RW), ("OW", "OW", KEY_OW), ("RM", "RM", KEY_RM),
    ("ACCESS", "access", KEY_ACCESS), ("UPDATE", "update", KEY_UPDATE),
    ("INSERT", "insert", KEY_INSERT), ("DELETE", "delete", KEY_DELETE),
    ("NOT_KEY", "not_key", KEY_NOT_KEY), ("INCOMPLETE", "incomplete", KEY_INCOMPLETE),
    ("VARIABLE_FLAGS", "variable_flags", KEY_VARIABLE_FLAGS),
)
_KEY_FLAG_BITS = {declared: bit for declared, _, bit in _KEY_FLAGS}


def key_flag_names(flags: int) -> list[str]:
    """``flags`` (KEY_*) as Redis prints them: "RW", "access", "update" …"""
    return [printed for _, printed, bit in _KEY_FLAGS if flags & bit]


class KeySpec:
    """One key spec of a command, as Redis 7.0's command JSON declares it:
    flags, where the search begins (begin_search) and how keys are found
    from there (find_keys)::

        KeySpec("RW ACCESS DELETE", index=1)             # argv[1]
        KeySpec("RO ACCESS", index=1, lastkey=-1)        # argv[1] .. the last
        KeySpec("OW UPDATE", index=1, lastkey=-2, keystep=2)
        KeySpec("OW UPDATE", keyword="STORE", startfrom=6)   # after STORE
        KeySpec("RO ACCESS", index=2, keynum=(0, 1, 1))  # numkeys at 2+0, keys from 2+1
        KeySpec("RO ACCESS", notes="…")                  # unknown (no index nor keyword)

    begin_search: ``index=N`` (argv[N]), ``keyword=K`` (the argument after
    K, searched from ``startfrom``; a negative startfrom searches backwards
    from the end), or neither: unknown, and then find_keys is unknown too.
    find_keys: ``keynum=(keynumidx, firstkey, keystep)``, else the range
    ``lastkey`` (relative to the first key; negative: from the end of
    argv), ``keystep`` and ``limit``.
    """

    __slots__ = (
        "flags", "begin", "index", "keyword", "startfrom", "find", "lastkey", "keystep",
        "limit", "keynumidx", "firstkey", "notes",
    )

    def __init__(
        self,
        flags: str,
        *,
        index: int = 0,
        keyword: str = "",
        startfrom: int = 0,
        lastkey: int = 0,
        keystep: int = 1,
        limit: int = 0,
        keynum: tuple[int, int, int] | None = None,
        notes: str = "",
    ) -> None:
        bits = 0
        for name in flags.split():
            if name not in _KEY_FLAG_BITS:
                raise ValueError("unknown key-spec flag %s" % name)
            bits |= _KEY_FLAG_BITS[name]
        if index and keyword:
            raise ValueError("a key spec begins at an index or at a keyword, not both")
        self.flags = bits
        self.index = index
        self.keyword = keyword.encode()
        self.startfrom = startfrom
        self.begin = "index" if index else "keyword" if keyword else "unknown"
        self.lastkey = lastkey
        self.keystep = keystep
        self.limit = limit
        self.keynumidx, self.firstkey = (keynum[0], keynum[1]) if keynum else (0, 0)
        if keynum:
            self.keystep = keynum[2]
        self.find = "unknown" if self.begin == "unknown" else "keynum" if keynum else "range"
        self.notes = notes

    def __repr__(self) -> str:
        return "KeySpec(%r, begin=%s, find=%s)" % (key_flag_names(self.flags), self.begin, self.find)


def _legacy_key_range(specs: tuple[KeySpec, ...]) -> tuple[int, int, int, bool]:
    """``(first, last, step, movablekeys)`` as Redis derives the legacy
    range and the movablekeys flag from key specs
    (populateCommandLegacyRangeSpec): ``last`` absolute, negative counting
    from the end."""
    if not specs:
        return 0, 0, 0, False
    one = specs[0]
    if len(specs) == 1 and one.begin == "index" and one.find == "range":
        last = one.lastkey + one.index if one.lastkey >= 0 else one.lastkey
        return one.index, last, one.keystep, bool(one.flags & KEY_INCOMPLETE)
    movable = False
    first, last, prev_last = None, 0, 0
    for s in specs:
        if s.begin != "index" or s.find != "range":
            movable = True
            continue
        if s.keystep != 1 or (prev_last and prev_last != s.index - 1):
            movable = True
            continue
        if s.flags & KEY_INCOMPLETE:
            movable = True
        first = s.index if first is None else min(first, s.index)
        abs_last = s.lastkey + s.index if s.lastkey >= 0 else s.lastkey
        # Redis compares them unsigned: a negative (from the end) wins.
        last = max(last, abs_last, key=lambda v: v % (1 << 32))
        prev_last = last
    if first is None:
        return 0, 0, 0, True
    return first, last, 1, movable


def _keys_from_specs(specs: tuple[KeySpec, ...], args: list[bytes]) -> list[tuple[int, int]] | None:
    """Redis's getKeysUsingKeySpecs (no partial results, NOT_KEY specs
    skipped): the keys in spec order, or None where Redis finds a spec
    invalid (unknown, a bad numkeys, out of range, INCOMPLETE)."""
    argc = len(args)
    refs: list[tuple[int, int]] = []
    for s in specs:
        if s.flags & KEY_NOT_KEY:
            continue
        if s.begin == "index":
            first = s.index
        elif s.begin == "keyword":
            first = 0
            start = s.startfrom if s.startfrom > 0 else argc + s.startfrom
            end = argc - 1 if s.startfrom > 0 else 1
            i = start
            while i != end:
                if i >= argc or i < 1:
                    break
                if args[i].lower() == s.keyword.lower():
                    first = i + 1
                    break
                i = i + 1 if start <= end else i - 1
            if not first:
                continue
        else:
            return None
        if s.find == "range":
            if s.lastkey >= 0:
                last = first + s.lastkey
            elif not s.limit:
                last = argc + s.lastkey
            else:
                last = first + (int((argc - first) / s.limit) + s.lastkey)
        elif s.find == "keynum":
            if s.keynumidx >= argc or first + s.keynumidx >= argc:
                return None
            numkeys = string2ll(args[first + s.keynumidx])
            if numkeys is None or numkeys < 0:
                return None
            first += s.firstkey
            last = first + numkeys - 1
        else:
            return None
        if last >= argc or last < first or first >= argc:
            return None
        refs.extend((i, s.flags) for i in range(first, last + 1, s.keystep))
        if s.flags & KEY_INCOMPLETE:
            return None
    return refs


def implied_categories(flags, explicit) -> set[str]:
    """ACL categories Redis adds from a command's flags
    (setImplicitACLCategories): write, read (unless @scripting), admin +
    dangerous, pubsub, fast, blocking, and slow for whatever is not fast."""
    cats: set[str] = set()
    if "write" in flags:
        cats.add("write")
    if "readonly" in flags and "scripting" not in explicit:
        cats.add("read")
    if "admin" in flags:
        cats.update(("admin", "dangerous"))
    if "pubsub" in flags:
        cats.add("pubsub")
    if "blocking" in flags:
        cats.add("blocking")
    cats.add("fast" if "fast" in flags or "fast" in explicit else "slow")
    return cats


@dataclass(eq=False)
class CommandSpec:
    """Everything Redis knows about one command (or subcommand)."""

    name: str  # full name, lower case: "get", "config|get"
    arity: int
    flags: frozenset[str]
    acl: tuple[str, ...]
    first_key: int = 0
    last_key: int = 0
    key_step: int = 0
    group: str = "generic"
    since: str = "1.0.0"
    summary: str = ""
    complexity: str = ""
    tips: tuple[str, ...] = ()
    doc_flags: tuple[str, ...] = ()
    deprecated_since: str = ""
    replaced_by: str = ""
    # Arguments as COMMAND DOCS reports them: dicts with "name", "type" and
    # optionally "token", "flags" (space-separated) and "arguments" (nested).
    arguments: tuple[dict, ...] = ()
    handler: Callable | None = None
    getkeys: Callable[[list[bytes]], list[int]] | None = None
    # Redis's key specs for the command (None: not declared yet, key_refs
    # then derives flags from the command's flags) and its getkeys_proc:
    # ``(index, KEY_* flags)`` pairs, which key_refs asks when the specs
    # cannot answer (VARIABLE_FLAGS, INCOMPLETE, unknown, a bad numkeys).
    key_specs: tuple[KeySpec, ...] | None = None
    getkeys_proc: Callable[[list[bytes]], list[tuple[int, int]]] | None = None
    subcommands: dict[bytes, CommandSpec] = field(default_factory=dict)
    parent: CommandSpec | None = None
    # Hot-path booleans derived from flags.
    is_write: bool = False
    is_readonly: bool = False
    denyoom: bool = False
    no_auth: bool = False
    noscript: bool = False
    loading: bool = False
    stale: bool = False
    blocking: bool = False
    admin: bool = False
    pubsub: bool = False
    no_multi: bool = False
    may_replicate: bool = False
    protected: bool = False  # refused unless enable-debug/module-command allows it
    unmonitored: bool = False  # admin or skip_monitor: MONITOR never shows it
    skip_slowlog: bool = False
    fast: bool = False
    write_checked: bool = False
    # Scripts' own flags change the command's (Redis's getCommandFlags for
    # FCALL): (client, args) -> whether it writes, or None for the spec's flags.
    script_writes: Callable | None = None
    # EVAL/FCALL: whether the script's declared flags make it deny-oom.
    script_denyoom: Callable | None = None
    # EVAL/FCALL: whether the script's declared flags keep ``stale``
    # (allow-stale), or None for the spec's flags.
    script_stale: Callable | None = None
    # Declared ``direct=True``: the batch loops (dispatch.run_batch and
    # _fastpath.c) may run it without process_command, because it never
    # changes a client's mode (MULTI, AUTH, pub/sub, CLIENT REPLY) nor the
    # server's (loading, pause, persistence, replication, scripts): the
    # state process_command checks is the same after it as before.
    direct: bool = False
    # From key_specs: whether key_refs tries them first (some spec names a
    # real key, none has variable flags), and whether the command has keys
    # at all (Redis's doesCommandHaveKeys).
    specs_first: bool = False
    has_keys: bool = False
    # Live statistics (INFO commandstats; latency-tracking's histogram, the
    # HDR counts array made at the first recorded call: radish.latency.new_hist).
    latency_hist: array | None = None
    calls: int = 0
    usec: int = 0
    rejected_calls: int = 0
    failed_calls: int = 0

    def __post_init__(self) -> None:
        f = self.flags
        self.is_write = "write" in f
        self.is_readonly = "readonly" in f
        self.denyoom = "denyoom" in f
        self.no_auth = "no_auth" in f
        self.noscript = "noscript" in f
        self.loading = "loading" in f
        self.stale = "stale" in f
        self.blocking = "blocking" in f
        self.admin = "admin" in f
        self.pubsub = "pubsub" in f
        self.no_multi = "no_multi" in f
        self.may_replicate = "may_replicate" in f
        self.protected = "protected" in f
        self.unmonitored = "admin" in f or "skip_monitor" in f
        self.skip_slowlog = "skip_slowlog" in f
        self.fast = "fast" in f
        # Commands the dispatcher runs through Server.precheck_write.
        self.write_checked = self.is_write or self.denyoom or self.name == "ping"
        specs = self.key_specs
        if specs is None:
            self.has_keys = self.first_key > 0 or self.getkeys is not None
        else:
            real = any(not s.flags & KEY_NOT_KEY for s in specs)
            self.specs_first = real and not any(s.flags & KEY_VARIABLE_FLAGS for s in specs)
            self.has_keys = real or self.getkeys_proc is not None
        if self.direct and (self.handler is None or self.subcommands):
            raise ValueError("%s: only a command with a handler and no subcommands can be direct" % self.name)

    @property
    def movablekeys(self) -> bool:
        return self.getkeys is not None

    def printed_flags(self) -> list[str]:
        f = set(self.flags)
        if self.getkeys is not None:
            f.add("movablekeys")
        return [x for x in FLAG_ORDER if x in f]

    def acl_categories(self) -> list[str]:
        cats = set(self.acl) | implied_categories(self.flags, self.acl)
        return [c for c in ACL_ORDER if c in cats]

    def key_positions(self, args: list[bytes]) -> list[int]:
        """Indexes into ``args`` (args[0] is the command name) holding keys."""
        if self.getkeys is not None:
            return self.getkeys(args)
        if self.first_key <= 0:
            return []
        last = self.last_key
        if last < 0:
            last = len(args) + last
        step = self.key_step or 1
        return list(range(self.first_key, min(last, len(args) - 1) + 1, step))

    def key_refs(self, args: list[bytes]) -> list[tuple[int, int]]:
        """``(index into args, KEY_* flags)`` for each key ``args`` names,
        as Redis's getKeysFromCommandWithSpecs: what ACL key permissions
        and COMMAND GETKEYSANDFLAGS read.  The key specs when they are
        reliable and valid for ``args``, else the getkeys proc, else none.
        A command without declared key specs: its key positions, with the
        flags its write/readonly flag implies."""
        if self.key_specs is None:
            flags = _DEFAULT_WRITE_KEY if self.is_write else _DEFAULT_READ_KEY
            return [(i, flags) for i in self.key_positions(args)]
        if self.specs_first:
            refs = _keys_from_specs(self.key_specs, args)
            if refs is not None:
                return refs
        if self.getkeys_proc is not None:
            return self.getkeys_proc(args)
        return []

    def legacy_key_range(self) -> tuple[int, int, int, bool]:
        """``(first, last, step, movablekeys)`` Redis derives from the key
        specs (the legacy range COMMAND INFO prints); the declared range
        when there are none."""
        if self.key_specs is None:
            return self.first_key, self.last_key, self.key_step, self.getkeys is not None
        return _legacy_key_range(self.key_specs)


# The live command table, as Redis's server.commands: lower-case name ->
# spec.  rename-command changes it (a command under another name, or gone);
# ORIGINAL_COMMANDS keeps every command under its own name, as Redis's
# server.orig_commands.  A renamed spec keeps its name: COMMAND, COMMAND
# LIST/INFO/DOCS and INFO commandstats report it as Redis reports a
# command's fullname.
_Handler = TypeVar("_Handler", bound=Optional[Callable])

COMMANDS: dict[bytes, CommandSpec] = {}
ORIGINAL_COMMANDS: dict[bytes, CommandSpec] = {}
# Called after the live table changes (caches of spellings -> spec).
_TABLE_LISTENERS: list[Callable[[], None]] = []

NO_SUCH_COMMAND = "No such command in rename-command"
TARGET_EXISTS = "Target command name already exists"


class RenameError(ValueError):
    """A rename-command that Redis refuses; str() is Redis's message."""


def on_table_change(listener: Callable[[], None]) -> None:
    """Register ``listener()``, run whenever the live table changes."""
    _TABLE_LISTENERS.append(listener)


def _table_changed() -> None:
    for listener in _TABLE_LISTENERS:
        listener()


def reset_command_table() -> None:
    """Every command under its own name again (no renames)."""
    if COMMANDS.keys() == ORIGINAL_COMMANDS.keys() and all(
        COMMANDS[k] is v for k, v in ORIGINAL_COMMANDS.items()
    ):
        return
    COMMANDS.clear()
    COMMANDS.update(ORIGINAL_COMMANDS)
    _table_changed()


def rename_command(old: bytes, new: bytes) -> None:
    """``rename-command old new`` as Redis's config loader does: the command
    ``old`` (case-insensitive, in the live table) leaves it, and comes back
    under ``new`` unless ``new`` is empty.  Raises RenameError with Redis's
    message for an unknown command or a name already taken (the command is
    then gone, as in Redis, which stops start-up anyway)."""
    key = old.lower()
    spec = COMMANDS.get(key)
    if spec is None:
        raise RenameError(NO_SUCH_COMMAND)
    del COMMANDS[key]
    try:
        if new:
            target = new.lower()
            if target in COMMANDS:
                raise RenameError(TARGET_EXISTS)
            COMMANDS[target] = spec
    finally:
        _table_changed()


def apply_renames(renames: list[tuple[bytes, bytes]]) -> None:
    """The table a server with these rename-command lines has: all commands
    under their own names, then each rename in order."""
    reset_command_table()
    for old, new in renames:
        rename_command(old, new)


def command(
    name: str,
    arity: int,
    flags: str = "",
    *,
    acl: str = "",
    keys: tuple[int, int, int] | None = None,
    key_specs: tuple[KeySpec, ...] | None = None,
    getkeys_proc: Callable[[list[bytes]], list[tuple[int, int]]] | None = None,
    group: str = "generic",
    since: str = "1.0.0",
    summary: str = "",
    complexity: str = "",
    tips: str = "",
    doc_flags: str = "",
    deprecated_since: str = "",
    replaced_by: str = "",
    getkeys: Callable[[list[bytes]], list[int]] | None = None,
    arguments: tuple[dict, ...] = (),
    direct: bool = False,
) -> Callable[[_Handler], _Handler]:
    """Declare a command (``name``) or subcommand (``parent|sub``).
    ``key_specs``: Redis's key specs for it; ``keys`` (the legacy
    first/last/step) must then be what Redis derives from them, and is
    derived when omitted. ``getkeys``: the key positions of a command with
    movable keys (COMMAND GETKEYS); ``getkeys_proc``: Redis's getkeys proc
    with key flags, for key_refs (see CommandSpec.key_refs).
    ``direct``: the batch loops may run it without process_command (see
    CommandSpec.direct); only for commands that change no client or
    server state."""
    flagset = frozenset(flags.split())
    unknown = flagset - KNOWN_FLAGS
    if unknown:
        raise ValueError("unknown command flags for %s: %s" % (name, sorted(unknown)))

    legacy = keys
    if key_specs is not None:
        derived = _legacy_key_range(key_specs)[:3]
        if legacy is not None and tuple(legacy) != derived:
            raise ValueError("%s: keys=%r but its key specs give %r" % (name, legacy, derived))
        legacy = derived
    elif legacy is None:
        legacy = (0, 0, 0)

    def register(handler: _Handler) -> _Handler:
        spec = CommandSpec(
            name=name.lower(),
            arity=arity,
            flags=flagset,
            acl=tuple(acl.split()),
            first_key=legacy[0],
            last_key=legacy[1],
            key_step=legacy[2],
            group=group,
            since=since,
            summary=summary,
            complexity=complexity,
            tips=tuple(tips.split()),
            doc_flags=tuple(doc_flags.split()),
            deprecated_since=deprecated_since,
            replaced_by=replaced_by,
            handler=handler,
            getkeys=getkeys,
            key_specs=key_specs,
            getkeys_proc=getkeys_proc,
            arguments=arguments,
            direct=direct,
        )
        if "|" in spec.name:
            parent_name, sub = spec.name.split("|", 1)
            parent = ORIGINAL_COMMANDS.get(parent_name.encode())
            if parent is None:
                raise ValueError("subcommand %s declared before its container" % name)
            spec.parent = parent
            if parent.direct:
                raise ValueError("%s: a direct command cannot have subcommands" % parent.name)
            parent.subcommands[sub.encode()] = spec
        else:
            if spec.name.encode() in ORIGINAL_COMMANDS:
                raise ValueError("command %s declared twice" % name)
            COMMANDS[spec.name.encode()] = spec
            ORIGINAL_COMMANDS[spec.name.encode()] = spec
        if handler is not None:
            handler.spec = spec  # type: ignore[attr-defined]
        return handler

    return register
