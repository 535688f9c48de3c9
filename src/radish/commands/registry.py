"""The command registry: one CommandSpec per command and subcommand.

Each command is declared once, next to its handler, with the metadata Redis
keeps in its command JSON files::

    @command("get", 2, "readonly fast", acl="string", keys=(1, 1, 1),
             group="string", since="1.0.0", summary="Get the value of a key",
             complexity="O(1)")
    def get(c, args): ...

``COMMAND``, ``COMMAND INFO/DOCS/COUNT/LIST/GETKEYS`` and the dispatcher's
generic checks all read these specs; there is no second table.

ACL categories implied by flags are added as Redis's
``setImplicitACLCategories`` does (write -> @write, readonly -> @read, admin
-> @admin @dangerous, fast -> @fast else @slow, …), so a spec only lists the
others.

Imports nothing from radish above ``commands``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Optional, TypeVar

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
    write_checked: bool = False
    # Scripts' own flags change the command's (Redis's getCommandFlags for
    # FCALL): (client, args) -> whether it writes, or None for the spec's flags.
    script_writes: Callable | None = None
    # Declared ``direct=True``: the batch loops (dispatch.run_batch and
    # _fastpath.c) may run it without process_command, because it never
    # changes a client's mode (MULTI, AUTH, pub/sub, CLIENT REPLY) nor the
    # server's (loading, pause, persistence, replication, scripts): the
    # state process_command checks is the same after it as before.
    direct: bool = False
    # Live statistics (INFO commandstats).
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
        # Commands the dispatcher runs through Server.precheck_write.
        self.write_checked = self.is_write or self.denyoom or self.name == "ping"
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
        and COMMAND GETKEYSANDFLAGS read."""
        flags = _DEFAULT_WRITE_KEY if self.is_write else _DEFAULT_READ_KEY
        return [(i, flags) for i in self.key_positions(args)]


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
    keys: tuple[int, int, int] = (0, 0, 0),
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
    ``direct``: the batch loops may run it without process_command (see
    CommandSpec.direct); only for commands that change no client or
    server state."""
    flagset = frozenset(flags.split())
    unknown = flagset - KNOWN_FLAGS
    if unknown:
        raise ValueError("unknown command flags for %s: %s" % (name, sorted(unknown)))

    def register(handler: _Handler) -> _Handler:
        spec = CommandSpec(
            name=name.lower(),
            arity=arity,
            flags=flagset,
            acl=tuple(acl.split()),
            first_key=keys[0],
            last_key=keys[1],
            key_step=keys[2],
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
