"""Connection commands: PING, ECHO, QUIT, RESET, SELECT, HELLO, AUTH and
CLIENT with its subcommands."""

from __future__ import annotations

import time
from collections.abc import Callable

from .. import REDIS_VERSION
from .. import errors as E
from ..client import (
    FLAG_MASTER,
    FLAG_NO_EVICT,
    FLAG_REPLICA,
    TRACKING_BCAST,
    TRACKING_BROKEN_REDIR,
    TRACKING_CACHING,
    TRACKING_NOLOOP,
    TRACKING_ON,
    TRACKING_OPTIN,
    TRACKING_OPTOUT,
    Client,
)
from ..errors import CommandError
from ..protocol.resp import OK, PONG, MapReply, SetReply, SimpleString, Verbatim, status_lines
from .acl import log_denial
from .acl_users import CTX_MULTI, CTX_TOPLEVEL, DENIED_AUTH
from .args import parse_int, to_int
from .client_info import client_info_line
from .registry import ORIGINAL_COMMANDS, command
from .results import NO_REPLY

CLIENT_HELP = [
    b"CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"CACHING (YES|NO)",
    b"    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    b"GETREDIR",
    b"    Return the client ID we are redirecting to when tracking is enabled.",
    b"GETNAME",
    b"    Return the name of the current connection.",
    b"ID",
    b"    Return the ID of the current connection.",
    b"INFO",
    b"    Return information about the current client connection.",
    b"KILL <ip:port>",
    b"    Kill connection made from <ip:port>.",
    b"KILL <option> <value> [<option> <value> [...]]",
    b"    Kill connections. Options are:",
    b"    * ADDR (<ip:port>|<unixsocket>:0)",
    b"      Kill connections made from the specified address",
    b"    * LADDR (<ip:port>|<unixsocket>:0)",
    b"      Kill connections made to specified local address",
    b"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    b"      Kill connections by type.",
    b"    * USER <username>",
    b"      Kill connections authenticated by <username>.",
    b"    * SKIPME (YES|NO)",
    b"      Skip killing current connection (default: yes).",
    b"LIST [options ...]",
    b"    Return information about client connections. Options:",
    b"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    b"      Return clients of specified type.",
    b"UNPAUSE",
    b"    Stop the current client pause, resuming traffic.",
    b"PAUSE <timeout> [WRITE|ALL]",
    b"    Suspend all, or just write, clients for <timeout> milliseconds.",
    b"REPLY (ON|OFF|SKIP)",
    b"    Control the replies sent to the current connection.",
    b"SETNAME <name>",
    b"    Assign the name <name> to the current connection.",
    b"UNBLOCK <clientid> [TIMEOUT|ERROR]",
    b"    Unblock the specified blocked client.",
    b"TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    b"         [OPTIN] [OPTOUT] [NOLOOP]",
    b"    Control server assisted client side caching.",
    b"TRACKINGINFO",
    b"    Report tracking status for the current connection.",
    b"NO-EVICT (ON|OFF)",
    b"    Protect current client connection from eviction.",
    b"HELP",
    b"    Prints this help.",
]


@command("ping", -1, "fast", acl="connection", group="connection", since="1.0.0", summary="Ping the server", complexity="O(1)", tips="request_policy:all_shards response_policy:all_succeeded", direct=True)
def ping(c: Client, args: list[bytes]):
    """Format: PING [message]"""
    if len(args) > 2:
        raise CommandError(E.WRONG_ARITY % "ping")
    if not c.resp3 and (c.subscriptions or c.psubscriptions or c.ssubscriptions):  # c.subscribed(), inline
        return [b"pong", args[1] if len(args) == 2 else b""]
    if len(args) == 2:
        return args[1]
    return PONG


@command("echo", 2, "loading stale fast", acl="connection", group="connection", since="1.0.0", summary="Echo the given string", complexity="O(1)", direct=True)
def echo(c: Client, args: list[bytes]):
    """Format: ECHO message"""
    return args[1]


@command("quit", -1, "noscript loading stale fast no_auth allow_busy", acl="connection", group="connection", since="1.0.0", summary="Close the connection", complexity="O(1)")
def quit_(c: Client, args: list[bytes]):
    """Format: QUIT — reply +OK, then close."""
    c.close_after_reply = True
    c.reply_mode = 0
    return OK


def reset_client(c) -> None:
    """RESET: back to a fresh connection's state."""
    server = c.server
    server.on_client_reset(c)
    c.multi_queue = None
    c.multi_error = False
    c.watched = None
    c.select(0)
    c.resp3 = False
    c.name = None
    c.reply_mode = 0
    c.flags &= ~FLAG_NO_EVICT
    c.user = server.acl.default
    c.authenticated = server.acl.default_open()


@command("reset", 1, "noscript loading stale fast no_auth allow_busy", acl="connection", group="connection", since="6.2.0", summary="Reset the connection", complexity="O(1)")
def reset(c: Client, args: list[bytes]):
    """Format: RESET"""
    reset_client(c)
    return SimpleString(b"RESET")


@command("select", 2, "loading stale fast", acl="connection", group="connection", since="1.0.0", summary="Change the selected database for the current connection", complexity="O(1)")
def select(c: Client, args: list[bytes]):
    """Format: SELECT index"""
    idx = parse_int(args[1])
    if c.server.cluster is not None and idx != 0:
        raise CommandError(E.SELECT_CLUSTER)
    if idx < 0 or idx >= len(c.server.keyspace.dbs):
        raise CommandError(E.INVALID_DB)
    c.select(idx)
    return OK


def _authenticate(c: Client, argv0: bytes, name: bytes, password: bytes) -> None:
    """ACLAuthenticateUser: ``c`` is now ``name``, or WRONGPASS (logged
    with the command as the client spelled it, ``argv0``)."""
    user = c.server.acl.authenticate(name, password)
    if user is None:
        log_denial(c, DENIED_AUTH, CTX_MULTI if c.multi_queue is not None else CTX_TOPLEVEL, argv0, name)
        raise CommandError(E.WRONGPASS)
    c.authenticated = True
    c.user = user


@command("auth", -2, "noscript loading stale fast no_auth allow_busy", acl="connection", group="connection", since="1.0.0", summary="Authenticate to the server", complexity="O(N) where N is the number of passwords defined for the user")
def auth(c: Client, args: list[bytes]):
    """Format: AUTH [username] password"""
    if len(args) > 3:
        raise CommandError(E.SYNTAX)
    if len(args) == 2:
        if c.server.acl.default.nopass:
            raise CommandError(E.AUTH_NO_PASSWORD)
        user, password = b"default", args[1]
    else:
        user, password = args[1], args[2]
    _authenticate(c, args[0], user, password)
    return OK


@command("hello", -1, "noscript loading stale fast no_auth allow_busy", acl="connection", group="connection", since="6.0.0", summary="Handshake with Redis", complexity="O(1)")
def hello(c: Client, args: list[bytes]):
    """Format: HELLO [protover [AUTH username password] [SETNAME clientname]]"""
    ver = None
    if len(args) >= 2:
        ver = to_int(args[1])
        if ver is None:
            raise CommandError(E.PROTOCOL_VERSION)
        if ver < 2 or ver > 3:
            raise CommandError(E.NOPROTO)
    i = 2
    user = password = name = None
    while i < len(args):
        opt = args[i].lower()
        left = len(args) - i - 1
        if opt == b"auth" and left >= 2:
            user, password = args[i + 1], args[i + 2]
            i += 3
        elif opt == b"setname" and left >= 1:
            name = args[i + 1]
            _validate_name(name)
            i += 2
        else:
            raise CommandError(E.HELLO_SYNTAX % args[i].decode("utf-8", "replace"))
    if user is not None:
        assert password is not None  # AUTH takes both
        _authenticate(c, args[0], user, password)
    if not c.authenticated:
        raise CommandError(E.HELLO_NOAUTH)
    if name is not None:
        c.name = name or None
    if ver is not None:
        c.resp3 = ver == 3
    return MapReply(
        [
            (b"server", b"redis"),
            (b"version", REDIS_VERSION.encode()),
            (b"proto", 3 if c.resp3 else 2),
            (b"id", c.id),
            (b"mode", b"cluster" if c.server.cluster is not None else b"standalone"),
            (b"role", c.server.role().encode()),
            (b"modules", []),
        ]
    )


# -- CLIENT -------------------------------------------------------------------

command("client", -2, "", group="connection", since="2.4.0", summary="A container for client connection commands", complexity="Depends on subcommand.")(None)


def _validate_name(name: bytes) -> None:
    for ch in name:
        if ch < 33 or ch > 126:
            raise CommandError(E.CLIENT_NAME_CHARS)


@command("client|help", 2, "loading stale", acl="connection", group="connection", since="5.0.0", summary="Show helpful text about the different subcommands", complexity="O(1)")
def client_help(c: Client, args: list[bytes]):
    return status_lines(CLIENT_HELP)


@command("client|id", 2, "noscript loading stale", acl="connection", group="connection", since="5.0.0", summary="Returns the client ID for the current connection", complexity="O(1)")
def client_id(c: Client, args: list[bytes]):
    return c.id


@command("client|setname", 3, "noscript loading stale", acl="connection", group="connection", since="2.6.9", summary="Set the current connection name", complexity="O(1)")
def client_setname(c: Client, args: list[bytes]):
    """Format: CLIENT SETNAME connection-name"""
    _validate_name(args[2])
    c.name = args[2] or None
    return OK


@command("client|getname", 2, "noscript loading stale", acl="connection", group="connection", since="2.6.9", summary="Get the current connection name", complexity="O(1)")
def client_getname(c: Client, args: list[bytes]):
    return c.name


@command("client|setinfo", 4, "noscript loading stale", acl="connection", group="connection", since="7.2.0", summary="Set client or connection specific info", complexity="O(1)")
def client_setinfo(c: Client, args: list[bytes]):
    """Format: CLIENT SETINFO <LIB-NAME libname | LIB-VER libver>"""
    attr = args[2].lower()
    val = args[3]
    if attr not in (b"lib-name", b"lib-ver"):
        raise CommandError(E.UNRECOGNIZED_OPTION % args[2].decode("utf-8", "replace"))
    for ch in val:
        if ch < 33 or ch > 126:
            raise CommandError(E.NAME_CHARS % attr.decode())
    if attr == b"lib-name":
        c.lib_name = val
    else:
        c.lib_ver = val
    return OK


def _client_type(c) -> str:
    if c.flags & FLAG_MASTER:
        return "master"
    if c.flags & FLAG_REPLICA:
        return "replica"
    if c.subscribed():
        return "pubsub"
    return "normal"


_TYPES = {b"normal": "normal", b"master": "master", b"replica": "replica", b"slave": "replica", b"pubsub": "pubsub"}


@command("client|list", -2, "admin noscript loading stale", acl="connection", group="connection", since="2.4.0", summary="Get the list of client connections", complexity="O(N) where N is the number of client connections", tips="nondeterministic_output")
def client_list(c: Client, args: list[bytes]):
    """Format: CLIENT LIST [TYPE type] [ID id [id ...]]"""
    clients = list(c.server.clients.values())
    if len(args) == 4 and args[2].lower() == b"type":
        t = _TYPES.get(args[3].lower())
        if t is None:
            raise CommandError(E.UNKNOWN_CLIENT_TYPE % args[3].decode("utf-8", "replace"))
        clients = [x for x in clients if _client_type(x) == t]
    elif len(args) >= 4 and args[2].lower() == b"id":
        ids = []
        for a in args[3:]:
            v = to_int(a)
            if v is None or v <= 0:
                raise CommandError(E.INVALID_CLIENT_ID)
            ids.append(v)
        clients = [c.server.clients[i] for i in ids if i in c.server.clients]
    elif len(args) != 2:
        raise CommandError(E.SYNTAX)
    now = time.time()
    return Verbatim(b"".join(client_info_line(x, now) + b"\n" for x in clients))


@command("client|info", 2, "noscript loading stale", acl="connection", group="connection", since="6.2.0", summary="Returns information about the current client connection.", complexity="O(1)", tips="nondeterministic_output")
def client_info(c: Client, args: list[bytes]):
    return Verbatim(client_info_line(c) + b"\n")


@command("client|kill", -3, "admin noscript loading stale", acl="connection", group="connection", since="2.4.0", summary="Kill the connection of a client", complexity="O(N) where N is the number of client connections")
def client_kill(c: Client, args: list[bytes]):
    """Format: CLIENT KILL ip:port | CLIENT KILL [ID id] [TYPE t] [USER u] [ADDR a] [LADDR a] [SKIPME yes/no]"""
    server = c.server
    if len(args) == 3:
        addr = args[2].decode("utf-8", "replace")
        for x in list(server.clients.values()):
            if x.addr == addr:
                server.kill_client(x)
                return OK
        raise CommandError(E.NO_SUCH_CLIENT)
    filters: list[Callable[..., bool]] = []  # each called with the client
    skipme = True
    i = 2
    while i < len(args):
        if i + 1 >= len(args):
            raise CommandError(E.SYNTAX)
        opt, val = args[i].lower(), args[i + 1]
        if opt == b"id":
            v = to_int(val)
            if v is None or v <= 0:
                raise CommandError(E.CLIENT_ID_POSITIVE)
            filters.append(lambda x, v=v: x.id == v)
        elif opt == b"type":
            t = _TYPES.get(val.lower())
            if t is None:
                raise CommandError(E.UNKNOWN_CLIENT_TYPE % val.decode("utf-8", "replace"))
            filters.append(lambda x, t=t: _client_type(x) == t)
        elif opt == b"addr":
            a = val.decode("utf-8", "replace")
            filters.append(lambda x, a=a: x.addr == a)
        elif opt == b"laddr":
            a = val.decode("utf-8", "replace")
            filters.append(lambda x, a=a: x.laddr == a)
        elif opt == b"user":
            user = c.server.acl.get(val)
            if user is None:
                raise CommandError(E.NO_SUCH_USER % val.decode("utf-8", "replace"))
            filters.append(lambda x, u=user: x.user is u)
        elif opt == b"skipme":
            lv = val.lower()
            if lv == b"yes":
                skipme = True
            elif lv == b"no":
                skipme = False
            else:
                raise CommandError(E.SYNTAX)
        elif opt == b"maxage":
            v = to_int(val)
            if v is None:
                raise CommandError(E.SYNTAX)
            filters.append(_older_than(v, time.time()))
        else:
            raise CommandError(E.SYNTAX)
        i += 2
    killed = 0
    for x in list(server.clients.values()):
        if skipme and x is c:
            continue
        if all(f(x) for f in filters):
            server.kill_client(x)
            killed += 1
    return killed


@command("client|reply", 3, "noscript loading stale", acl="connection", group="connection", since="3.2.0", summary="Instruct the server whether to reply to commands", complexity="O(1)")
def client_reply(c: Client, args: list[bytes]):
    """Format: CLIENT REPLY ON|OFF|SKIP"""
    mode = args[2].lower()
    if mode == b"on":
        c.reply_mode = 0
        return OK
    if mode == b"off":
        c.reply_mode = 1
        return NO_REPLY
    if mode == b"skip":
        if c.reply_mode != 1:
            c.reply_mode = 3  # the next command's reply is skipped
        return NO_REPLY
    raise CommandError(E.SYNTAX)


_TRACKING_OPTIONS = {b"bcast": TRACKING_BCAST, b"optin": TRACKING_OPTIN, b"optout": TRACKING_OPTOUT, b"noloop": TRACKING_NOLOOP}


@command("client|tracking", -3, "noscript loading stale", acl="connection", group="connection", since="6.0.0", summary="Enable or disable server assisted client side caching support", complexity="O(1). Some options may introduce additional complexity.", arguments=(
    {"name": "status", "type": "oneof", "arguments": (
        {"name": "on", "type": "pure-token", "token": "ON"},
        {"name": "off", "type": "pure-token", "token": "OFF"},
    )},
    {"name": "client-id", "type": "integer", "token": "REDIRECT", "flags": "optional"},
    {"name": "prefix", "type": "string", "token": "PREFIX", "flags": "optional multiple multiple_token"},
    {"name": "bcast", "type": "pure-token", "token": "BCAST", "flags": "optional"},
    {"name": "optin", "type": "pure-token", "token": "OPTIN", "flags": "optional"},
    {"name": "optout", "type": "pure-token", "token": "OPTOUT", "flags": "optional"},
    {"name": "noloop", "type": "pure-token", "token": "NOLOOP", "flags": "optional"},
))  # fmt: skip
def client_tracking(c: Client, args: list[bytes]):
    """Format: CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p [PREFIX p ...]] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]"""
    server = c.server
    redirect = 0
    options = 0
    prefixes: list[bytes] = []
    j = 3
    while j < len(args):
        opt = args[j].lower()
        more = len(args) - 1 - j
        if opt == b"redirect" and more:
            j += 1
            if redirect:
                raise CommandError(E.TRACKING_ONE_REDIRECT)
            redirect = parse_int(args[j])
            if redirect not in server.clients:
                raise CommandError(E.TRACKING_NO_REDIRECT_CLIENT)
        elif opt in _TRACKING_OPTIONS:
            options |= _TRACKING_OPTIONS[opt]
        elif opt == b"prefix" and more:
            j += 1
            prefixes.append(args[j])
        else:
            raise CommandError(E.SYNTAX)
        j += 1
    mode = args[2].lower()
    if mode == b"on":
        if not options & TRACKING_BCAST and prefixes:
            raise CommandError(E.TRACKING_PREFIX_NEEDS_BCAST)
        if c.tracking & TRACKING_ON and bool(c.tracking & TRACKING_BCAST) != bool(options & TRACKING_BCAST):
            raise CommandError(E.TRACKING_BCAST_SWITCH)
        if options & TRACKING_BCAST and options & (TRACKING_OPTIN | TRACKING_OPTOUT):
            raise CommandError(E.TRACKING_OPT_BCAST)
        if options & TRACKING_OPTIN and options & TRACKING_OPTOUT:
            raise CommandError(E.TRACKING_OPTIN_OPTOUT)
        if (options & TRACKING_OPTIN and c.tracking & TRACKING_OPTOUT) or (
            options & TRACKING_OPTOUT and c.tracking & TRACKING_OPTIN
        ):
            raise CommandError(E.TRACKING_OPT_SWITCH)
        if options & TRACKING_BCAST:
            err = server.tracking.prefix_collision(c, prefixes)
            if err is not None:
                raise CommandError(err)
        server.tracking.enable(c, redirect, options, prefixes)
    elif mode == b"off":
        server.tracking.disable(c)
    else:
        raise CommandError(E.SYNTAX)
    return OK


@command("client|caching", 3, "noscript loading stale", acl="connection", group="connection", since="6.0.0", summary="Instruct the server about tracking or not keys in the next request", complexity="O(1)", arguments=(
    {"name": "mode", "type": "oneof", "arguments": (
        {"name": "yes", "type": "pure-token", "token": "YES"},
        {"name": "no", "type": "pure-token", "token": "NO"},
    )},
))  # fmt: skip
def client_caching(c: Client, args: list[bytes]):
    """Format: CLIENT CACHING YES|NO"""
    if not c.tracking & TRACKING_ON:
        raise CommandError(E.CACHING_NOT_TRACKING)
    opt = args[2].lower()
    if opt == b"yes":
        if not c.tracking & TRACKING_OPTIN:
            raise CommandError(E.CACHING_YES_OPTIN)
    elif opt == b"no":
        if not c.tracking & TRACKING_OPTOUT:
            raise CommandError(E.CACHING_NO_OPTOUT)
    else:
        raise CommandError(E.SYNTAX)
    c.tracking |= TRACKING_CACHING
    return OK


@command("client|getredir", 2, "noscript loading stale", acl="connection", group="connection", since="6.0.0", summary="Get tracking notifications redirection client ID if any", complexity="O(1)")
def client_getredir(c: Client, args: list[bytes]):
    """Format: CLIENT GETREDIR"""
    return c.tracking_redirect if c.tracking & TRACKING_ON else -1


@command("client|trackinginfo", 2, "noscript loading stale", acl="connection", group="connection", since="6.2.0", summary="Return information about server assisted client side caching for the current connection", complexity="O(1)")
def client_trackinginfo(c: Client, args: list[bytes]):
    """Format: CLIENT TRACKINGINFO"""
    t = c.tracking
    flags = [b"on" if t & TRACKING_ON else b"off"]
    if t & TRACKING_BCAST:
        flags.append(b"bcast")
    if t & TRACKING_OPTIN:
        flags.append(b"optin")
        if t & TRACKING_CACHING:
            flags.append(b"caching-yes")
    if t & TRACKING_OPTOUT:
        flags.append(b"optout")
        if t & TRACKING_CACHING:
            flags.append(b"caching-no")
    if t & TRACKING_NOLOOP:
        flags.append(b"noloop")
    if t & TRACKING_BROKEN_REDIR:
        flags.append(b"broken_redirect")
    return MapReply([
        (b"flags", SetReply(flags)),
        (b"redirect", c.tracking_redirect if t & TRACKING_ON else -1),
        (b"prefixes", sorted(c.tracking_prefixes)),
    ])  # fmt: skip


@command("client|no-evict", 3, "admin noscript loading stale", acl="connection", group="connection", since="7.0.0", summary="Set client eviction mode for the current connection", complexity="O(1)")
def client_no_evict(c: Client, args: list[bytes]):
    """Format: CLIENT NO-EVICT ON|OFF"""
    v = args[2].lower()
    if v == b"on":
        c.flags |= FLAG_NO_EVICT
    elif v == b"off":
        c.flags &= ~FLAG_NO_EVICT
    else:
        raise CommandError(E.SYNTAX)
    return OK


@command("client|pause", -3, "admin noscript loading stale", acl="connection", group="connection", since="3.0.0", summary="Stop processing commands from clients for some time", complexity="O(1)")
def client_pause(c: Client, args: list[bytes]):
    """Format: CLIENT PAUSE timeout [WRITE | ALL]"""
    timeout = to_int(args[2])
    if timeout is None:
        raise CommandError(E.TIMEOUT_NOT_INTEGER)
    if timeout < 0:
        raise CommandError(E.TIMEOUT_NEGATIVE)
    mode = "all"
    if len(args) == 4:
        m = args[3].lower()
        if m == b"write":
            mode = "write"
        elif m != b"all":
            raise CommandError(E.CLIENT_PAUSE_MODE)
    elif len(args) > 4:
        raise CommandError(E.SYNTAX)
    c.server.pause_clients(mode, timeout)
    return OK


@command("client|unpause", 2, "admin noscript loading stale", acl="connection", group="connection", since="6.2.0", summary="Resume processing of clients that were paused", complexity="O(N) Where N is the number of paused clients")
def client_unpause(c: Client, args: list[bytes]):
    c.server.unpause_clients()
    return OK


@command("client|unblock", -3, "admin noscript loading stale", acl="connection", group="connection", since="5.0.0", summary="Unblock a client blocked in a blocking command from a different connection", complexity="O(log N) where N is the number of client connections")
def client_unblock(c: Client, args: list[bytes]):
    """Format: CLIENT UNBLOCK client-id [TIMEOUT | ERROR]"""
    cid = to_int(args[2])
    if cid is None:
        raise CommandError(E.NOT_INTEGER)
    error = False
    if len(args) == 4:
        mode = args[3].lower()
        if mode == b"error":
            error = True
        elif mode != b"timeout":
            raise CommandError(E.CLIENT_UNBLOCK_REASON)
    elif len(args) > 4:
        raise CommandError(E.SYNTAX)
    target = c.server.clients.get(cid)
    if target is None or target.blocked is None:
        return 0
    if not c.server.blocking.unblock(target, error):
        return 0
    if error:
        # The target's error reply is counted while this command runs, and
        # Redis 7.0's call() takes any error reply during a command for
        # its failure: CLIENT UNBLOCK … ERROR counts a failed call.
        ORIGINAL_COMMANDS[b"client"].subcommands[b"unblock"].failed_calls += 1
    return 1


def _older_than(age: int, now: float) -> Callable[[Client], bool]:
    """CLIENT KILL MAXAGE: clients connected ``age`` seconds or more ago."""
    return lambda x: now - x.created >= age
