"""ACL and its subcommands (SETUSER, GETUSER, DELUSER, USERS, LIST, WHOAMI,
CAT, GENPASS, DRYRUN, LOG, SAVE, LOAD, HELP), the ACL log entries every
denial writes, and the start-up loading of users (config ``user`` lines or
the ``aclfile``), as Redis 7.0's acl.c.

The users live in ``c.server.acl`` (an ``AclUsers``); the permission check
itself runs in the dispatcher (process_command, EXEC, scripts).
"""

from __future__ import annotations

import time

from .. import errors as E
from ..client import Client
from ..errors import CommandError
from ..protocol.resp import OK, DoubleText, MapReply, SetReply, format_double, status_lines
from ..strconv import string2ll
from . import acl_users as A
from .client_info import client_info_line
from .registry import ACL_ORDER, command

ACL_HELP = [
    b"ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"CAT [<category>]",
    b"    List all commands that belong to <category>, or all command categories",
    b"    when no category is specified.",
    b"DELUSER <username> [<username> ...]",
    b"    Delete a list of users.",
    b"DRYRUN <username> <command> [<arg> ...]",
    b"    Returns whether the user can execute the given command without executing the command.",
    b"GETUSER <username>",
    b"    Get the user's details.",
    b"GENPASS [<bits>]",
    b"    Generate a secure 256-bit user password. The optional `bits` argument can",
    b"    be used to specify a different size.",
    b"LIST",
    b"    Show users details in config file format.",
    b"LOAD",
    b"    Reload users from the ACL file.",
    b"LOG [<count> | RESET]",
    b"    Show the ACL log entries.",
    b"SAVE",
    b"    Save the current config to the ACL file.",
    b"SETUSER <username> <attribute> [<attribute> ...]",
    b"    Create or modify a user with the specified attributes.",
    b"USERS",
    b"    List all the registered usernames.",
    b"WHOAMI",
    b"    Return the current connection username.",
    b"HELP",
    b"    Prints this help.",
]

_ADMIN = "admin noscript loading stale"


def _text(b: bytes) -> str:
    return b.decode("utf-8", "replace")


# -- the log ---------------------------------------------------------------------------


def log_denial(c: Client, reason: int, context: int, obj: bytes, username: bytes | None = None) -> None:
    """addACLLogEntry: a denied command, key, channel or AUTH, reported
    with the client's info (a script's caller for a script's call)."""
    server = c.server
    reporter = c
    if c.in_script:
        caller = server.scripting.caller
        if caller is not None:
            reporter = caller
    user = c.user
    name = username if username is not None else (user.name if user is not None else b"default")
    entry = A.LogEntry(reason, context, obj, name, int(time.time() * 1000), client_info_line(reporter))
    server.acl.log.add(entry, server.config.acllog_max_len)


def check_command(c: Client, spec, args: list[bytes], context: int) -> int:
    """ACLCheckAllPerm for ``c`` running ``args``; a denial is logged and
    its result returned (A.ACL_OK when allowed)."""
    user = c.user
    if user is None or user.unrestricted:
        return A.ACL_OK
    result, idx = user.check(spec, args)
    if result != A.ACL_OK:
        obj = spec.name.encode() if result == A.DENIED_CMD else args[idx]
        log_denial(c, result, context, obj)
    return result


def noperm_message(result: int, spec) -> str:
    """processCommand's NOPERM reply for an ACL result."""
    if result == A.DENIED_CMD:
        return E.NOPERM_COMMAND % spec.name
    if result == A.DENIED_KEY:
        return E.NOPERM_KEY
    if result == A.DENIED_CHANNEL:
        return E.NOPERM_CHANNEL
    return "no permission"


# -- users and their clients -------------------------------------------------------------


def _kill_clients_of(server, users: list) -> None:
    """ACLFreeUserAndKillClients: every client authenticated as one of
    ``users`` goes back to the default user, unauthenticated, and is
    disconnected (the caller after this reply)."""
    default = server.acl.default
    gone = {id(u) for u in users}
    for x in list(server.clients.values()):
        if x.user is not None and id(x.user) in gone:
            x.user = default
            x.authenticated = False
            server.kill_client(x)


def _kill_pubsub_clients_if_needed(server, user, before) -> None:
    """ACLKillPubsubClientsIfNeeded: clients of ``user`` subscribed to
    channels or patterns its new rules no longer allow (``before``: its
    rules until now) are disconnected."""
    upcoming = user.all_channels_patterns()
    if upcoming is None:
        return
    old = before.all_channels_patterns()
    if old is not None and all(ch in upcoming for ch in old):
        return
    for x in list(server.clients.values()):
        if x.user is not user or not x.subscribed():
            continue
        bad = any(not A.channel_allowed(upcoming, p, True) for p in x.psubscriptions) or any(
            not A.channel_allowed(upcoming, ch, False) for ch in list(x.subscriptions) + list(x.ssubscriptions)
        )
        if bad:
            server.kill_client(x)


def refresh_default_auth(server) -> None:
    """After the default user changed: clients that need no AUTH now (the
    default user is on and nopass) count as authenticated."""
    if server.acl.default_open():
        for x in server.clients.values():
            if not x.authenticated and x.user is server.acl.default:
                x.authenticated = True
                conn = x.connection
                if conn is not None:
                    conn.parser.auth_required = False


# -- start-up --------------------------------------------------------------------------


def check_user_line(argv: list[bytes], declared: list[list[bytes]]) -> None:
    """ACLAppendUserForLoading for one config ``user`` line (``argv[0]`` is
    "user"); ValueError with Redis's "Error in user declaration" text."""

    def fail(idx: int, message: str) -> None:
        raise ValueError("Error in user declaration '%s': %s" % (_text(argv[idx]), message))

    if any(u[0] == argv[1] for u in declared):
        fail(1, A.EALREADY)
    try:
        merged = A.merge_selector_args(argv[2:])
    except A.RuleError:
        return fail(0, A.EINVAL)
    fake = A.User(b"__fakeuser__")
    for j, op in enumerate(merged):
        try:
            fake.apply(op, False)
        except A.RuleError as e:
            if e.message != A.ENOENT:
                fail(j, e.message)


def load_users_at_startup(server) -> str | None:
    """ACLLoadUsersAtStartup: the config's ``user`` lines, then the ACL
    file; the log line that stops start-up, or None."""
    cfg = server.config
    acl = server.acl
    if cfg.aclfile and cfg.users:
        return (
            "Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is "
            "invalid. This setup is very likely to lead to configuration errors and security holes, please "
            "define either an ACL file or declare users directly in your redis.conf, but not both."
        )
    pad = cfg.acl_pubsub_default == "allchannels"
    for line in cfg.users:
        name = line[0]
        if A.has_spaces(name):
            server.log.warning("Spaces not allowed in ACL usernames")
            return "Critical error while loading ACLs. Exiting."
        u = acl.get(name)
        if u is None:
            u = acl.users[name] = acl.new_user(name)
        else:
            u.apply(b"reset", pad)
        for op in A.merge_selector_args(line[1:]):
            try:
                u.apply(op, pad)
            except A.RuleError as e:
                server.log.warning(
                    "Error loading ACL rule '%s' for the user named '%s': %s" % (_text(op), _text(name), e.message)
                )
                return "Critical error while loading ACLs. Exiting."
        if not u.enabled:
            server.log.notice(
                "The user '%s' is disabled (there is no 'on' modifier in the user description). Make sure this "
                "is not a configuration error." % _text(name)
            )
    if cfg.aclfile:
        err = install_acl_file(server)
        if err is not None:
            return "Aborting Redis startup because of ACL errors: %s" % err
    return None


def install_acl_file(server) -> str | None:
    """ACLLoadFromFile: every user of the file replaces the current ones,
    or nothing changes; the errors as Redis reports them, or None. Clients
    of users that are gone or replaced are disconnected."""
    path = server.config.aclfile
    try:
        lines = A.read_acl_file(path)
    except OSError as e:
        return "Error loading ACLs, opening file '%s': %s" % (path, e.strerror)
    try:
        users = server.acl.parse_users(lines, path)
    except A.RuleError as e:
        return e.message
    _kill_clients_of(server, server.acl.install(users))
    refresh_default_auth(server)
    return None


# -- the command -------------------------------------------------------------------------

command("acl", -2, "", group="server", since="6.0.0", summary="A container for Access List Control commands ", complexity="Depends on subcommand.")(None)


@command("acl|setuser", -3, _ADMIN, group="server", since="6.0.0", summary="Modify or create the rules for a specific ACL user", complexity="O(N). Where N is the number of rules provided.", arguments=(
    {"name": "username", "type": "string"},
    {"name": "rule", "type": "string", "flags": "optional multiple"},
))  # fmt: skip
def acl_setuser(c: Client, args: list[bytes]):
    """Format: ACL SETUSER username [rule [rule ...]]"""
    name = args[2]
    if A.has_spaces(name):
        raise CommandError(E.ACL_USERNAME_SPACES)
    acl = c.server.acl
    try:
        before, after = acl.set_user(name, args[3:])
    except A.RuleError as e:
        raise CommandError("ERR " + e.message) from None
    if before is not None:
        _kill_pubsub_clients_if_needed(c.server, after, before)
    if after is acl.default:
        refresh_default_auth(c.server)
    return OK


@command("acl|getuser", 3, _ADMIN, group="server", since="6.0.0", summary="Get the rules for a specific ACL user", complexity="O(N). Where N is the number of password, command and pattern rules that the user has.", arguments=({"name": "username", "type": "string"},))
def acl_getuser(c: Client, args: list[bytes]):
    """Format: ACL GETUSER username"""
    u = c.server.acl.get(args[2])
    if u is None:
        return None
    fields: list[tuple[bytes, object]] = [
        (b"flags", SetReply([f.encode() for f in A._USER_FLAG_ORDER if f in u.flags])),
        (b"passwords", list(u.passwords)),
    ]
    fields.extend(_selector_fields(u.root))
    fields.append((b"selectors", [MapReply(_selector_fields(s)) for s in u.selectors[1:]]))
    return MapReply(fields)


def _selector_fields(s: A.Selector) -> list[tuple[bytes, object]]:
    return [
        (b"commands", s.describe_commands()),
        (b"keys", s.key_patterns_text()),
        (b"channels", s.channels_text()),
    ]


@command("acl|deluser", -3, _ADMIN, group="server", since="6.0.0", summary="Remove the specified ACL users and the associated rules", complexity="O(1) amortized time considering the typical user.", arguments=({"name": "username", "type": "string", "flags": "multiple"},))
def acl_deluser(c: Client, args: list[bytes]):
    """Format: ACL DELUSER username [username ...]"""
    if any(name == b"default" for name in args[2:]):
        raise CommandError(E.ACL_DEFAULT_UNDELETABLE)
    acl = c.server.acl
    deleted = []
    for name in args[2:]:
        u = acl.users.pop(name, None)
        if u is not None:
            deleted.append(u)
    _kill_clients_of(c.server, deleted)
    return len(deleted)


@command("acl|users", 2, _ADMIN, group="server", since="6.0.0", summary="List the username of all the configured ACL rules", complexity="O(N). Where N is the number of configured users.")
def acl_users(c: Client, args: list[bytes]):
    """Format: ACL USERS"""
    return [u.name for u in c.server.acl.sorted_users()]


@command("acl|list", 2, _ADMIN, group="server", since="6.0.0", summary="List the current ACL rules in ACL config file format", complexity="O(N). Where N is the number of configured users.")
def acl_list(c: Client, args: list[bytes]):
    """Format: ACL LIST"""
    return c.server.acl.describe_lines()


@command("acl|whoami", 2, "noscript loading stale", group="server", since="6.0.0", summary="Return the name of the user associated to the current connection", complexity="O(1)")
def acl_whoami(c: Client, args: list[bytes]):
    """Format: ACL WHOAMI"""
    return c.user.name if c.user is not None else None


@command("acl|load", 2, _ADMIN, group="server", since="6.0.0", summary="Reload the ACLs from the configured ACL file", complexity="O(N). Where N is the number of configured users.")
def acl_load(c: Client, args: list[bytes]):
    """Format: ACL LOAD"""
    if not c.server.config.aclfile:
        raise CommandError(E.ACL_NO_FILE)
    err = install_acl_file(c.server)
    if err is not None:
        raise CommandError("ERR " + err)
    return OK


@command("acl|save", 2, _ADMIN, group="server", since="6.0.0", summary="Save the current ACL rules in the configured ACL file", complexity="O(N). Where N is the number of configured users.")
def acl_save(c: Client, args: list[bytes]):
    """Format: ACL SAVE"""
    server = c.server
    if not server.config.aclfile:
        raise CommandError(E.ACL_NO_FILE)
    try:
        A.write_acl_file(server.config.aclfile, server.acl.describe_lines())
    except OSError as e:
        server.log.warning("Writing ACL file for ACL SAVE: %s" % e.strerror)
        raise CommandError(E.ACL_SAVE_FAILED) from None
    return OK


@command("acl|cat", -2, "noscript loading stale", group="server", since="6.0.0", summary="List the ACL categories or the commands inside a category", complexity="O(1) since the categories and commands are a fixed set.", arguments=({"name": "categoryname", "type": "string", "flags": "optional"},))
def acl_cat(c: Client, args: list[bytes]):
    """Format: ACL CAT [categoryname]"""
    if len(args) == 2:
        return [cat.encode() for cat in ACL_ORDER]
    if len(args) != 3:
        raise CommandError(E.SUBCOMMAND_SYNTAX % (_text(args[1]), "ACL"))
    specs = A.category_specs(args[2].decode("latin-1"))
    if specs is None:
        raise CommandError(E.ACL_UNKNOWN_CATEGORY % _text(args[2][:128]))
    return [s.name.encode() for s in specs]


@command("acl|genpass", -2, "noscript loading stale", group="server", since="6.0.0", summary="Generate a pseudorandom secure password to use for ACL users", complexity="O(1)", arguments=({"name": "bits", "type": "integer", "flags": "optional"},))
def acl_genpass(c: Client, args: list[bytes]):
    """Format: ACL GENPASS [bits]"""
    if len(args) > 3:
        raise CommandError(E.SUBCOMMAND_SYNTAX % (_text(args[1]), "ACL"))
    bits = 256
    if len(args) == 3:
        v = string2ll(args[2])
        if v is None:
            raise CommandError(E.NOT_INTEGER)
        bits = v
    if bits <= 0 or bits > 4096:
        raise CommandError(E.ACL_GENPASS_BITS)
    return A.genpass(bits)


@command("acl|log", -2, _ADMIN, group="server", since="6.0.0", summary="List latest events denied because of ACLs in place", complexity="O(N) with N being the number of entries shown.", arguments=(
    {"name": "operation", "type": "oneof", "flags": "optional", "arguments": (
        {"name": "count", "type": "integer"},
        {"name": "reset", "type": "pure-token", "token": "RESET"},
    )},
))  # fmt: skip
def acl_log(c: Client, args: list[bytes]):
    """Format: ACL LOG [count | RESET]"""
    if len(args) > 3:
        raise CommandError(E.SUBCOMMAND_SYNTAX % (_text(args[1]), "ACL"))
    log = c.server.acl.log
    count = 10
    if len(args) == 3:
        if args[2].lower() == b"reset":
            log.reset()
            return OK
        v = string2ll(args[2])
        if v is None:
            raise CommandError(E.NOT_INTEGER)
        count = max(v, 0)
    now = int(time.time() * 1000)
    out = []
    for entry in log.entries[:count]:
        fields = entry.reply(now)
        fields[5] = (b"age-seconds", DoubleText(format_double(fields[5][1])))
        out.append(MapReply(fields))
    return out


@command("acl|dryrun", -4, _ADMIN, group="server", since="7.0.0", summary="Returns whether the user can execute the given command without executing the command.", complexity="O(1).", arguments=(
    {"name": "username", "type": "string"},
    {"name": "command", "type": "string"},
    {"name": "arg", "type": "string", "flags": "optional multiple"},
))  # fmt: skip
def acl_dryrun(c: Client, args: list[bytes]):
    """Format: ACL DRYRUN username command [arg [arg ...]]"""
    from .registry import COMMANDS

    u = c.server.acl.get(args[2])
    if u is None:
        raise CommandError(E.ACL_DRYRUN_NO_USER % _text(args[2]))
    cmd = args[3:]
    spec = COMMANDS.get(cmd[0].lower())
    if spec is not None and spec.subcommands:
        spec = spec.subcommands.get(cmd[1].lower()) if len(cmd) >= 2 else None
    if spec is None:
        raise CommandError(E.ACL_DRYRUN_NO_COMMAND % _text(cmd[0]))
    if (spec.arity > 0 and spec.arity != len(cmd)) or len(cmd) < -spec.arity:
        raise CommandError(E.ACL_DRYRUN_ARITY % spec.name)
    result, idx = u.check(spec, cmd)
    if result == A.DENIED_CMD:
        return b"This user has no permissions to run the '%s' command" % spec.name.encode()
    if result == A.DENIED_KEY:
        return b"This user has no permissions to access the '%s' key" % cmd[idx]
    if result == A.DENIED_CHANNEL:
        return b"This user has no permissions to access the '%s' channel" % cmd[idx]
    return OK


@command("acl|help", 2, "loading stale", group="server", since="6.0.0", summary="Show helpful text about the different subcommands", complexity="O(1)")
def acl_help(c: Client, args: list[bytes]):
    return status_lines(ACL_HELP)
