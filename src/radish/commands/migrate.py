"""MIGRATE: move (or copy) keys to another Redis-compatible server, as Redis
7.0's migrateCommand (cluster.c).

The transfer is Redis's: a blocking socket to the target with the
command's timeout (Redis blocks its event loop for the whole MIGRATE, and
so does this handler), ``AUTH``/``AUTH2``, ``SELECT`` when the socket's
last database differs, one ``RESTORE key ttl payload [REPLACE]`` per key
(pipelined; the payload is DUMP's), then one reply line read per command.
Keys the target acknowledged are deleted here unless COPY, and the
command is propagated as ``DEL`` of those keys. Connections are cached
per ``host:port`` (``MigrateSockets``, Redis's migrate_cached_sockets):
closed on any socket error, after 10 idle seconds by the server's cron,
and a failed attempt that got no reply for any key is retried once on a
fresh connection unless it timed out.

The cache is the server's (``c.server.migrate_sockets``); this module
owns its class. Imports: errors, protocol, db, persistence (the DUMP
serializer) and the command registry; nothing above the commands.
"""

from __future__ import annotations

import random
import select
import socket
import time

from .. import errors as E
from ..client import Client
from ..db.notify import NOTIFY_GENERIC
from ..errors import CommandError
from ..persistence.rdb import dump_payload
from ..protocol.resp import OK, SimpleString, encode_command
from .args import c_atoi, parse_int
from .registry import KEY_ACCESS, KEY_DELETE, KEY_RW, KeySpec, command

# cluster.c: MIGRATE_SOCKET_CACHE_ITEMS and MIGRATE_SOCKET_CACHE_TTL.
CACHE_ITEMS = 64
CACHE_TTL = 10
# syncio.c: SYNCIO__RESOLUTION, the shortest wait (ms).
_RESOLUTION_MS = 10
# MIGRATE writes its pipeline in chunks of this size, each with the full timeout.
_CHUNK = 64 * 1024
# connSyncReadLine's buffer in migrateCommand: at most 1023 bytes a line.
_LINE_MAX = 1023
# Longest wait a poll() takes (its argument is a C int of milliseconds).
_POLL_MAX_MS = 2**31 - 1


class _SocketFailure(Exception):
    """A blocking socket operation failed; ``timed_out``: it ran out of
    time (Redis's errno == ETIMEDOUT, which is never retried)."""

    def __init__(self, timed_out: bool = False) -> None:
        super().__init__()
        self.timed_out = timed_out


def _wait(sock: socket.socket, events: int, ms: int) -> None:
    """aeWait: until ``sock`` is ready for ``events`` or ``ms`` pass."""
    p = select.poll()
    p.register(sock, events)
    p.poll(min(ms, _POLL_MAX_MS))


def _now_ms() -> int:
    return time.monotonic_ns() // 1_000_000


class CachedSocket:
    """One cached connection to a target (Redis's migrateCachedSocket): a
    non-blocking socket read and written as syncio.c does, the database
    last selected on it (-1: none known) and when it was last used."""

    __slots__ = ("sock", "last_dbid", "last_use_time", "rbuf")

    def __init__(self, sock: socket.socket, now: int) -> None:
        self.sock = sock
        self.last_dbid = -1
        self.last_use_time = now
        self.rbuf = bytearray()  # read and not yet consumed (Redis leaves it in the kernel)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def write(self, data: bytes, timeout_ms: int) -> None:
        """syncWrite: all of ``data`` within ``timeout_ms``, else
        _SocketFailure."""
        sock = self.sock
        start = _now_ms()
        remaining = timeout_ms
        view = memoryview(data)
        while True:
            try:
                n = sock.send(view)
                view = view[n:]
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                raise _SocketFailure() from None
            if not view:
                return
            _wait(sock, select.POLLOUT, max(remaining, _RESOLUTION_MS))
            elapsed = _now_ms() - start
            if elapsed >= timeout_ms:
                raise _SocketFailure(timed_out=True)
            remaining = timeout_ms - elapsed

    def _read_byte(self, timeout_ms: int) -> int:
        """syncRead of one byte: each byte may take ``timeout_ms``; the
        peer closing is a failure."""
        buf = self.rbuf
        if not buf:
            sock = self.sock
            start = _now_ms()
            remaining = timeout_ms
            while True:
                try:
                    chunk = sock.recv(65536)
                    if not chunk:
                        raise _SocketFailure()
                    buf += chunk
                    break
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    raise _SocketFailure() from None
                _wait(sock, select.POLLIN, max(remaining, _RESOLUTION_MS))
                elapsed = _now_ms() - start
                if elapsed >= timeout_ms:
                    raise _SocketFailure(timed_out=True)
                remaining = timeout_ms - elapsed
        b = buf[0]
        del buf[0]
        return b

    def read_line(self, timeout_ms: int) -> bytes:
        """syncReadLine into MIGRATE's 1024-byte buffer: the line without
        its ``\\r\\n``, at most 1023 bytes (a longer line is left for the
        next read, as Redis leaves it). An empty line (a bare ``\\n``) is
        a failure, as Redis's ``<= 0`` test makes it."""
        out = bytearray()
        while len(out) < _LINE_MAX:
            ch = self._read_byte(timeout_ms)
            if ch == 10:
                if not out:
                    raise _SocketFailure()
                if out[-1] == 13:
                    del out[-1]  # Redis counts it (the line is not empty) but cuts it
                return bytes(out)
            out.append(ch)
        return bytes(out)


def _blocking_connect(host: bytes, port: bytes, timeout_ms: int) -> socket.socket | None:
    """connBlockingConnect as Redis 7.0 does it: a non-blocking connect
    to the first address that takes one, then a wait for it to become
    writable. As in Redis, only a name that does not resolve or a connect
    refused at once fails here; a connection refused or still pending
    after the wait is found out by the first write."""
    name = host.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
    # anetTcpGenericConnect prints the port into a char[6]: "110536" is
    # looked up as "11053" (and getaddrinfo keeps 16 bits of a number).
    service = str(c_atoi(port))[:5]
    try:
        infos = socket.getaddrinfo(name, service, socket.AF_UNSPEC, socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        return None
    for family, type_, proto, _canon, addr in infos:
        try:
            sock = socket.socket(family, type_, proto)
        except OSError:
            continue
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setblocking(False)
            rc = sock.connect_ex(addr)
        except OSError:
            sock.close()
            continue
        if rc not in (0, 115):  # 115: EINPROGRESS
            sock.close()
            continue
        _wait(sock, select.POLLOUT, timeout_ms)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        return sock
    return None


class MigrateSockets:
    """Redis's migrate_cached_sockets: one connection per ``host:port`` as
    spelt in the command, at most 64 (a random one is closed to make
    room)."""

    def __init__(self) -> None:
        self.cached: dict[bytes, CachedSocket] = {}

    def __len__(self) -> int:
        return len(self.cached)

    def get(self, host: bytes, port: bytes, timeout_ms: int) -> CachedSocket | None:
        """migrateGetSocket: the cached connection, or a new one (None when
        connecting fails)."""
        name = host + b":" + port
        now = int(time.time())
        cs = self.cached.get(name)
        if cs is not None:
            cs.last_use_time = now
            return cs
        if len(self.cached) >= CACHE_ITEMS:
            victim = random.choice(list(self.cached))
            self.cached.pop(victim).close()
        sock = _blocking_connect(host, port, timeout_ms)
        if sock is None:
            return None
        cs = self.cached[name] = CachedSocket(sock, now)
        return cs

    def close(self, host: bytes, port: bytes) -> None:
        """migrateCloseSocket (nothing to do when none is cached)."""
        cs = self.cached.pop(host + b":" + port, None)
        if cs is not None:
            cs.close()

    def close_idle(self, now: float | None = None) -> None:
        """migrateCloseTimedoutSockets: close connections unused for more
        than 10 seconds (the server's cron calls it once a second)."""
        if not self.cached:
            return
        now = int(time.time()) if now is None else int(now)
        for name, cs in list(self.cached.items()):
            if now - cs.last_use_time > CACHE_TTL:
                cs.close()
                del self.cached[name]

    def close_all(self) -> None:
        for cs in self.cached.values():
            cs.close()
        self.cached.clear()


# -- arguments ----------------------------------------------------------------------


class _Options:
    __slots__ = (
        "copy",
        "replace",
        "username",
        "password",
        "first_key",
        "num_keys",
        "redact",
        "error",
    )

    def __init__(self) -> None:
        self.copy = self.replace = False
        self.username: bytes | None = None
        self.password: bytes | None = None
        self.first_key = 3
        self.num_keys = 1
        self.redact: list[int] = []  # argument indexes Redis redacts (AUTH/AUTH2 secrets)
        self.error: str | None = None


def _parse_options(args: list[bytes]) -> _Options:
    """The option loop of migrateCommand, in its order: it stops at the
    first error (``error``), having redacted the secrets it passed."""
    o = _Options()
    n = len(args)
    j = 6
    while j < n:
        more = n - 1 - j
        opt = args[j].lower()
        if opt == b"copy":
            o.copy = True
        elif opt == b"replace":
            o.replace = True
        elif opt == b"auth":
            if not more:
                o.error = E.SYNTAX
                return o
            j += 1
            o.password = args[j]
            o.redact.append(j)
        elif opt == b"auth2":
            if more < 2:
                o.error = E.SYNTAX
                return o
            o.username = args[j + 1]
            o.password = args[j + 2]
            o.redact += [j + 1, j + 2]
            j += 2
        elif opt == b"keys":
            if args[3]:
                o.error = E.MIGRATE_KEYS_NEEDS_EMPTY_KEY
                return o
            o.first_key = j + 1
            o.num_keys = n - j - 1
            break
        else:
            o.error = E.SYNTAX
            return o
        j += 1
    return o


def redacted_positions(args: list[bytes]) -> list[int]:
    """Which arguments MONITOR and the slow log show as "(redacted)": the
    AUTH password and the AUTH2 username and password that MIGRATE's
    option loop reached (redactClientCommandArgument)."""
    return _parse_options(args).redact


def _getkeys(args: list[bytes]) -> list[int]:
    """migrateGetKeys: argv[3], or the keys after KEYS (none when the key
    argument is not empty then: the command's syntax error)."""
    first, num = 3, 1
    skip = {b"copy": 0, b"replace": 0, b"auth": 1, b"auth2": 2}
    n = len(args)
    i = 6
    while i < n:
        opt = args[i].lower()
        if opt == b"keys":
            if args[3]:
                num = 0
            else:
                first = i + 1
                num = n - first
            break
        i += skip.get(opt, 0) + 1
    return list(range(first, first + num))


def _key_refs(args: list[bytes]) -> list[tuple[int, int]]:
    return [(i, KEY_RW | KEY_ACCESS | KEY_DELETE) for i in _getkeys(args)]


def _key_positions(args: list[bytes]) -> list[int]:
    """COMMAND GETKEYS: as Redis's getKeysFromCommandWithSpecs, the key
    specs while they hold (argv[3], even "", when no KEYS is found from
    argc-2 backwards), else migrateGetKeys."""
    return [i for i, _ in migrate.spec.key_refs(args)]  # type: ignore[attr-defined]


_ARGUMENTS = (
    {"name": "host", "type": "string"},
    {"name": "port", "type": "integer"},
    {"name": "key_or_empty_string", "type": "oneof", "arguments": (
        {"name": "key", "type": "key", "key_spec_index": 0},
        {"name": "empty_string", "type": "pure-token", "token": ""},  # Redis answers it empty
    )},
    {"name": "destination-db", "type": "integer"},
    {"name": "timeout", "type": "integer"},
    {"name": "copy", "type": "pure-token", "token": "COPY", "since": "3.0.0", "flags": "optional"},
    {"name": "replace", "type": "pure-token", "token": "REPLACE", "since": "3.0.0", "flags": "optional"},
    {"name": "authentication", "type": "oneof", "flags": "optional", "arguments": (
        {"name": "password", "type": "string", "token": "AUTH", "since": "4.0.7", "flags": "optional"},
        {"name": "username_password", "type": "block", "token": "AUTH2", "since": "6.0.0", "flags": "optional",
         "arguments": ({"name": "username", "type": "string"}, {"name": "password", "type": "string"})},
    )},
    {"name": "key", "type": "key", "key_spec_index": 1, "token": "KEYS", "since": "3.0.6", "flags": "optional multiple"},
)  # fmt: skip


# -- the command --------------------------------------------------------------------


@command(
    "migrate", -6, "write", acl="keyspace dangerous",
    key_specs=(
        KeySpec("RW ACCESS DELETE", index=3),
        KeySpec("RW ACCESS DELETE INCOMPLETE", keyword="KEYS", startfrom=-2, lastkey=-1),
    ),
    getkeys=_key_positions, getkeys_proc=_key_refs,
    group="generic", since="2.6.0",
    summary="Atomically transfer a key from a Redis instance to another one.",
    complexity="This command actually executes a DUMP+DEL in the source instance, and a RESTORE in the target "
    "instance. See the pages of these commands for time complexity. Also an O(N) data transfer between the two "
    "instances is performed.",
    tips="nondeterministic_output", arguments=_ARGUMENTS,
)  # fmt: skip
def migrate(c: Client, args: list[bytes]):
    """Format: MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password | AUTH2 username password] [KEYS key [key ...]]"""
    o = _parse_options(args)
    if o.error is not None:
        raise CommandError(o.error)
    timeout = parse_int(args[5])
    dbid = parse_int(args[4])
    if timeout <= 0:
        timeout = 1000

    # The keys that are here; none at all is not an error (they may just
    # have expired meanwhile), it is NOKEY.
    db = c.db
    keys: list[bytes] = []
    values: list = []
    for key in args[o.first_key : o.first_key + o.num_keys]:
        value = db.lookup_read(key)
        if value is not None:
            keys.append(key)
            values.append(value)
    if not keys:
        return SimpleString(b"NOKEY")

    server = c.server
    cache = server.migrate_sockets
    host, port = args[1], args[2]
    password, username = o.password, o.username
    copy, replace = o.copy, o.replace
    restore = b"RESTORE-ASKING" if server.cluster is not None else b"RESTORE"
    may_retry = True
    rewritten = False
    while True:  # try_again
        write_error = False
        timed_out = False
        cs = cache.get(host, port, timeout)
        if cs is None:
            raise CommandError(E.MIGRATE_CONNECT)

        out = []
        if password is not None:
            out.append(
                encode_command(
                    [b"AUTH", password] if username is None else [b"AUTH", username, password]
                )
            )
        select_db = cs.last_dbid != dbid
        if select_db:
            out.append(encode_command([b"SELECT", b"%d" % dbid]))
        # Keys that expired since the lookup are left out (for good: a
        # retry starts from the ones kept).
        now = server.keyspace.clock()
        kept_keys: list[bytes] = []
        kept_values: list = []
        for key, value in zip(keys, values, strict=True):
            ttl = 0
            when = db.get_expire(key)
            if when is not None:
                ttl = when - now
                if ttl < 0:
                    continue
                if ttl < 1:
                    ttl = 1
            kept_keys.append(key)
            kept_values.append(value)
            cmd = [restore, key, b"%d" % ttl, dump_payload(value, server.config)]
            if replace:
                cmd.append(b"REPLACE")
            out.append(encode_command(cmd))
        keys, values = kept_keys, kept_values
        data = b"".join(out)

        try:
            try:
                for pos in range(0, len(data), _CHUNK):
                    cs.write(data[pos : pos + _CHUNK], timeout)
            except _SocketFailure:
                write_error = True
                raise
            auth_reply = cs.read_line(timeout) if password is not None else b""
            select_reply = cs.read_line(timeout) if select_db else b""
        except _SocketFailure as e:
            timed_out = e.timed_out
        else:
            error = None
            socket_error = False
            moved: list[bytes] = []
            j = 0
            while j < len(keys):
                try:
                    reply = cs.read_line(timeout)
                except _SocketFailure as e:
                    socket_error = True
                    timed_out = e.timed_out
                    break
                if password is not None and auth_reply[:1] == b"-":
                    failed = auth_reply
                elif select_db and select_reply[:1] == b"-":
                    failed = select_reply
                elif reply[:1] == b"-":
                    failed = reply
                else:
                    failed = None
                if failed is not None:
                    if error is None:
                        cs.last_dbid = -1  # not known any more
                        text = failed[1:].split(b"\0", 1)[0].decode("utf-8", "replace")
                        error = E.MIGRATE_TARGET_ERROR % text
                elif not copy:
                    key = keys[j]
                    db.delete(key)
                    db.signal_modified(key)
                    db.notify(NOTIFY_GENERIC, b"del", key)
                    server.dirty += 1
                    moved.append(key)
                j += 1

            # Nothing was acknowledged: worth one more try on a new
            # connection (a cached one the target closed meanwhile).
            retry_now = error is None and socket_error and j == 0 and may_retry and not timed_out
            if not retry_now:
                if socket_error:
                    cache.close(host, port)
                if moved:
                    # Replicas and the AOF delete what the target took.
                    c.propagate_as = [[b"DEL", *moved]]
                    rewritten = True
                if error is not None:
                    raise CommandError(error)
                if not socket_error:
                    cs.last_dbid = dbid
                    return OK
                may_retry = False

        # socket_err: close the connection, retry once unless timed out.
        if not rewritten:
            cache.close(host, port)
        if not timed_out and may_retry:
            may_retry = False
            continue
        raise CommandError(E.MIGRATE_IO % ("writing" if write_error else "reading"))
