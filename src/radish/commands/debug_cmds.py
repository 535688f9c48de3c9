"""DEBUG subcommands Redis's own test suite uses (debug.c, 7.0.15), beyond
those of server_cmds.py: PROTOCOL, POPULATE, CHANGE-REPL-ID, LISTPACK,
QUICKLIST, QUICKLIST-PACKED-THRESHOLD, PAUSE-CRON, REPLYBUFFER,
SET-DISABLE-DENY-SCRIPTS, AOF-FLUSH-SLEEP, STRINGMATCH-TEST.

A subcommand given the wrong number of arguments is unknown to Redis
(``ERR unknown subcommand or wrong number of arguments``), as is any
subcommand Redis 7.0 does not have (JMAP, STRINGMATCH-LEN …).
"""

from __future__ import annotations

from .. import errors as E
from ..client import Client
from ..db.quicklist import set_packed_threshold
from ..errors import CommandError
from ..protocol.resp import OK, BigNumber, MapReply, Raw, SetReply, SimpleString, Verbatim
from ..strconv import memtoull
from .args import c_atoi, parse_int
from .server_cmds import debug_subcommand
from .types import describe_encoding


def _argc(args: list[bytes], *ok: int) -> None:
    if len(args) not in ok:
        raise CommandError(E.DEBUG_SUBCOMMAND % args[1].decode("utf-8", "replace"))


def _bulk(s: bytes) -> bytes:
    return b"$%d\r\n%b\r\n" % (len(s), s)


@debug_subcommand("protocol")
def debug_protocol(c: Client, args: list[bytes]):
    _argc(args, 3)
    name = args[2].lower()
    if name == b"string":
        return b"Hello World"
    if name == b"integer":
        return 12345
    if name == b"double":
        return 3.141
    if name == b"bignum":
        return BigNumber(b"1234567999999999999999999999999999999")
    if name == b"null":
        return None
    if name == b"array":
        return [0, 1, 2]
    if name == b"set":
        return SetReply([0, 1, 2])
    if name == b"map":
        return MapReply([(0, False), (1, True), (2, False)])
    if name == b"attrib":
        follow = _bulk(b"Some real reply following the attribute")
        if c.resp3:
            return Raw(b"|1\r\n" + _bulk(b"key-popularity") + b"*2\r\n" + _bulk(b"key:123") + b":90\r\n" + follow)
        return Raw(follow)
    if name == b"push":
        if not c.resp3:
            raise CommandError(E.DEBUG_PROTOCOL_RESP2)
        return Raw(b">2\r\n" + _bulk(b"server-cpu-usage") + b":42\r\n" + _bulk(b"Some real reply following the push reply"))
    if name == b"true":
        return True
    if name == b"false":
        return False
    if name == b"verbatim":
        return Verbatim(b"This is a verbatim\nstring")
    raise CommandError(E.DEBUG_PROTOCOL_TYPE)


@debug_subcommand("populate")
def debug_populate(c: Client, args: list[bytes]):
    _argc(args, 3, 4, 5)
    # getPositiveLongFromObjectOrReply: one error for both failures
    count = parse_int(args[2], E.NOT_POSITIVE)
    if count < 0:
        raise CommandError(E.NOT_POSITIVE)
    size = 0
    if len(args) == 5:
        size = parse_int(args[4], E.NOT_POSITIVE)
        if size < 0:
            raise CommandError(E.NOT_POSITIVE)
    prefix = args[3] if len(args) >= 4 else b"key"
    db = c.db
    for j in range(count):
        key = b"%b:%d" % (prefix, j)
        if db.lookup_write(key) is not None:
            continue
        val = b"value:%d" % j
        if size:
            val = val[:size].ljust(size, b"\0")
        db.set(key, val)
        db.signal_modified(key)
    return OK


@debug_subcommand("change-repl-id")
def debug_change_repl_id(c: Client, args: list[bytes]):
    _argc(args, 2)
    c.server.log.warning("Changing replication IDs after receiving DEBUG change-repl-id")
    c.server.replication.change_replid()
    return OK


def _encoded_as(c: Client, key: bytes, encoding: str, err: str, done: str):
    v = c.db.peek(key)
    if v is None:
        raise CommandError(E.NO_SUCH_KEY)
    if describe_encoding(c.server, v) != encoding:
        raise CommandError(err)
    return SimpleString(done.encode())


@debug_subcommand("listpack")
def debug_listpack(c: Client, args: list[bytes]):
    _argc(args, 3)
    return _encoded_as(c, args[2], "listpack", E.DEBUG_NOT_LISTPACK, "Listpack structure printed on stdout")


@debug_subcommand("quicklist")
def debug_quicklist(c: Client, args: list[bytes]):
    _argc(args, 3, 4)
    return _encoded_as(c, args[2], "quicklist", E.DEBUG_NOT_QUICKLIST, "Quicklist structure printed on stdout")


@debug_subcommand("quicklist-packed-threshold")
def debug_quicklist_packed_threshold(c: Client, args: list[bytes]):
    _argc(args, 3)
    sz = memtoull(args[2])
    # quicklistisSetPackedThreshold: below 4GB less 1MB; 0 restores 1GB.
    if sz is None or sz > (1 << 32) - (1 << 20):
        raise CommandError(E.DEBUG_PACKED_THRESHOLD)
    c.server.debug_settings["quicklist-packed-threshold"] = sz or 1 << 30
    set_packed_threshold(sz)  # process-wide, as Redis's static packed_threshold
    return OK


@debug_subcommand("pause-cron")
def debug_pause_cron(c: Client, args: list[bytes]):
    _argc(args, 3)
    c.server.pause_cron = c_atoi(args[2]) != 0
    return OK


@debug_subcommand("set-disable-deny-scripts")
def debug_set_disable_deny_scripts(c: Client, args: list[bytes]):
    _argc(args, 3)
    c.server.script_disable_deny_script = c_atoi(args[2]) != 0
    return OK


@debug_subcommand("aof-flush-sleep")
def debug_aof_flush_sleep(c: Client, args: list[bytes]):
    _argc(args, 3)
    c.server.debug_settings["aof-flush-sleep"] = c_atoi(args[2])
    return OK


@debug_subcommand("replybuffer")
def debug_replybuffer(c: Client, args: list[bytes]):
    _argc(args, 4)
    what, value = args[2].lower(), args[3]
    settings = c.server.debug_settings
    if what == b"peak-reset-time":
        if value.lower() == b"never":
            settings["reply-buffer-peak-reset-time"] = -1
        elif value.lower() == b"reset":
            settings["reply-buffer-peak-reset-time"] = 5000
        else:
            settings["reply-buffer-peak-reset-time"] = parse_int(value)
    elif what == b"resizing":
        settings["reply-buffer-resizing"] = c_atoi(value)
    else:
        raise CommandError(E.DEBUG_SUBCOMMAND % args[1].decode("utf-8", "replace"))
    return OK


@debug_subcommand("stringmatch-test")
def debug_stringmatch_test(c: Client, args: list[bytes]):
    _argc(args, 2)
    return SimpleString(b"Apparently Redis did not crash: test passed")
