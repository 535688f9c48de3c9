"""The replica's side: the link to its primary.

Handshake, one step at a time, each waiting for the primary's reply:
``PING``; ``AUTH`` when ``masterauth`` is set; ``REPLCONF listening-port``;
``REPLCONF capa eof capa psync2``; ``PSYNC <replid> <offset+1>`` (or
``PSYNC ? -1`` without history). ``+FULLRESYNC`` is followed by the RDB as
``$<len>\\r\\n<bytes>`` or the diskless ``$EOF:<mark>…<mark>`` form, loaded in
place of the dataset; ``+CONTINUE [replid]`` keeps the dataset. Then the
command stream is applied through the normal dispatcher as the master
client, silently, except ``REPLCONF GETACK`` which is answered with the
offset processed before it. Every applied byte is fed to this server's own
funnel, so chained replicas and the backlog receive the primary's stream
byte for byte and offsets stay equal to the primary's.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

from ..client import FLAG_MASTER
from ..dispatch import process_command
from ..protocol.parser import make_request_parser
from ..protocol.resp import encode_command
from .failover import IN_PROGRESS

# Link states (INFO master_link_status / ROLE).
CONNECT = "connect"
CONNECTING = "connecting"
HANDSHAKE = "handshake"
SYNC = "sync"
CONNECTED = "connected"


class MasterLink(asyncio.Protocol):
    """One connection attempt to the primary."""

    def __init__(self, repl) -> None:
        self.repl = repl
        self.server = repl.server
        self.transport: Any = None  # asyncio's transport, from connection_made
        self.buf = bytearray()
        self.phase = "pong"
        self.steps: list[tuple[bytes, str]] = []
        self.rdb_len = -1
        self.rdb_eof_mark = b""
        self.rdb = bytearray()
        self.parser = make_request_parser(max_bulk_len=1 << 62)
        self.closed = False
        self.fullresync: tuple[str, int] | None = None

    # -- connection -------------------------------------------------------

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.repl.link_connected(self)
        cfg = self.server.config
        steps: list[tuple[bytes, str]] = [(encode_command([b"PING"]), "ping")]
        if cfg.masterauth:
            auth = [b"AUTH"]
            if cfg.masteruser:
                auth.append(cfg.masteruser.encode())
            auth.append(cfg.masterauth.encode() if isinstance(cfg.masterauth, str) else cfg.masterauth)
            steps.append((encode_command(auth), "auth"))
        steps.append((encode_command([b"REPLCONF", b"listening-port", str(cfg.port).encode()]), "port"))
        steps.append((encode_command([b"REPLCONF", b"capa", b"eof", b"capa", b"psync2"]), "capa"))
        self.steps = steps
        self._next_step()

    def _next_step(self) -> None:
        if not self.steps:
            # Every reply before PSYNC is in: ask to continue our history
            # (replid and offset read now, as Redis does when it writes
            # PSYNC).
            replid, offset = self.repl.psync_request()
            log = self.server.log
            if replid == "?":
                log.notice("Partial resynchronization not possible (no cached master)")
            else:
                log.notice("Trying a partial resynchronization (request %s:%d)." % (replid, offset))
            psync = [b"PSYNC", replid.encode(), str(offset).encode()]
            if self.repl.failover.state == IN_PROGRESS:
                psync.append(b"FAILOVER")  # the target promotes itself (FAILOVER)
            self.steps.append((encode_command(psync), "psync"))
        data, phase = self.steps.pop(0)
        self.phase = phase
        self.transport.write(data)

    def connection_lost(self, exc) -> None:
        self.closed = True
        self.repl.link_lost(self)

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    # -- incoming -----------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self.closed:
            return
        self.repl.last_io = time.time()
        if self.phase == "stream":
            self._stream(data)
            return
        self.buf += data
        try:
            self._handshake()
        except _LinkError as e:
            self.server.log.warning(str(e))
            self.close()

    def _read_line(self) -> bytes | None:
        i = self.buf.find(b"\n")
        if i < 0:
            return None
        line = bytes(self.buf[:i]).rstrip(b"\r")
        del self.buf[: i + 1]
        return line

    def _handshake(self) -> None:
        log = self.server.log
        while self.phase in ("ping", "auth", "port", "capa", "psync"):
            line = self._read_line()
            if line is None:
                return
            if not line:
                continue  # keepalive newline
            phase = self.phase
            if phase == "ping":
                if line[:1] == b"-" and not line.startswith((b"-NOAUTH", b"-NOPERM", b"-ERR operation not permitted")):
                    raise _LinkError("Error reply to PING from master: '%s'" % line.decode(errors="replace"))
                log.notice("Master replied to PING, replication can continue...")
            elif phase == "auth":
                if line[:1] == b"-":
                    raise _LinkError("Unable to AUTH to MASTER: %s" % line.decode(errors="replace"))
            elif phase in ("port", "capa"):
                if line[:1] == b"-":
                    log.notice("(Non critical) Master does not understand REPLCONF: %s" % line.decode(errors="replace"))
            elif phase == "psync":
                self._psync_reply(line)
                break
            self._next_step()
        if self.phase in ("bulk_header", "bulk"):
            self._bulk()

    def _psync_reply(self, line: bytes) -> None:
        repl = self.repl
        log = self.server.log
        accepted = line.startswith((b"+FULLRESYNC", b"+CONTINUE"))
        if not repl.failover.psync_answered(accepted):
            return  # a refused FAILOVER: a primary again, this link dropped
        if line.startswith(b"+FULLRESYNC"):
            parts = line.split()
            if len(parts) < 3:
                raise _LinkError("Bad FULLRESYNC reply from master")
            self.fullresync = (parts[1].decode(), int(parts[2]))
            log.notice("Full resync from master: %s:%s" % (parts[1].decode(), parts[2].decode()))
            repl.discard_history()
            repl.link_state = SYNC
            self.phase = "bulk_header"
        elif line.startswith(b"+CONTINUE"):
            parts = line.split()
            new_id = parts[1].decode() if len(parts) > 1 else None
            log.notice("Successful partial resynchronization with master.")
            repl.partial_resync_accepted(new_id)
            log.notice("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.")
            self.phase = "stream"
            if self.buf:
                rest = bytes(self.buf)
                self.buf = bytearray()
                self._stream(rest)
        elif line.startswith(b"-NOMASTERLINK") or line.startswith(b"-LOADING"):
            raise _LinkError("Master is currently unable to PSYNC but should be in the future: %s" % line.decode(errors="replace"))
        else:
            raise _LinkError("Unexpected reply to PSYNC from master: %s" % line.decode(errors="replace"))

    def _bulk(self) -> None:
        if self.phase == "bulk_header":
            while True:
                line = self._read_line()
                if line is None:
                    return
                if not line:
                    continue  # the primary's keepalive newlines
                if line[:1] == b"-":
                    raise _LinkError("MASTER aborted replication with an error: %s" % line.decode(errors="replace"))
                if line[:1] != b"$":
                    raise _LinkError("Bad protocol from MASTER, the first byte is not '$' (we received '%s')" % line[:20].decode(errors="replace"))
                if line.startswith(b"$EOF:"):
                    self.rdb_eof_mark = line[5:]
                    if len(self.rdb_eof_mark) != 40:
                        raise _LinkError("Bad EOF mark from master")
                    self.rdb_len = -1
                else:
                    self.rdb_len = int(line[1:])
                self.server.log.notice(
                    "MASTER <-> REPLICA sync: receiving %s bytes from master to disk"
                    % (self.rdb_len if self.rdb_len >= 0 else "streamed")
                )
                self.phase = "bulk"
                break
        if self.phase == "bulk":
            if self.rdb_len >= 0:
                need = self.rdb_len - len(self.rdb)
                take = self.buf[:need]
                self.rdb += take
                del self.buf[: len(take)]
                if len(self.rdb) < self.rdb_len:
                    return
            else:
                self.rdb += self.buf
                self.buf = bytearray()
                mark = self.rdb_eof_mark
                if len(self.rdb) < 40 or self.rdb[-40:] != mark:
                    return
                del self.rdb[-40:]
            rdb = bytes(self.rdb)
            self.rdb = bytearray()
            self.repl.full_resync_loaded(self, rdb, self.fullresync)
            if self.closed:
                return
            self.phase = "stream"
            if self.buf:
                rest = bytes(self.buf)
                self.buf = bytearray()
                self._stream(rest)

    # -- the command stream ---------------------------------------------------------

    def _stream(self, data: bytes) -> None:
        repl = self.repl
        repl.read_offset += len(data)
        cmds, err = self.parser.feed_and_parse(data)
        master = repl.master_client
        server = self.server
        prop = server.propagation
        ks = server.keyspace
        # What was applied goes on to the backlog, sub-replicas and the AOF
        # in runs of the same kind (writes; link control and PUBLISH, which
        # are not for this replica's AOF), fed before each ACK and at the end.
        run: list[bytes] = []
        run_control = False
        for args in cmds:
            name = args[0].lower()
            if name == b"select" and len(args) == 2 and args[1].isdigit():
                prop.primary_db = int(args[1])  # where the forwarded stream writes
            control = name in (b"ping", b"replconf", b"publish", b"spublish")
            if run and control != run_control:
                prop.feed(b"".join(run), control=run_control)
                run = []
            run_control = control
            if len(args) >= 2 and name == b"replconf" and args[1].lower() == b"getack":
                if run:
                    prop.feed(b"".join(run), control=run_control)
                    run = []
                repl.processed_offset = prop.master_repl_offset
                self.send_ack()
            else:
                prop.enabled = False
                ks.applying_primary = True
                try:
                    process_command(master, args)
                finally:
                    ks.applying_primary = False
                    ks.expire_now = ks.now_ms
                    prop.enabled = True
                    prop.pending = []
            run.append(encode_command(args))
        if run:
            prop.feed(b"".join(run), control=run_control)
        repl.processed_offset = prop.master_repl_offset
        if err is not None:
            server.log.warning("Protocol error from master: %s" % err)
            self.close()

    def send_ack(self) -> None:
        if self.transport is not None and not self.closed:
            self.transport.write(
                encode_command([b"REPLCONF", b"ACK", str(self.server.propagation.master_repl_offset).encode()])
            )


class _LinkError(Exception):
    pass


def make_master_client(server):
    """The client whose commands are the primary's stream."""
    c = server.internal_client()
    c.flags |= FLAG_MASTER
    c.no_block = True
    c.reply_mode = 1
    c.addr = "master"
    return c


async def connect(repl, host: str, port: int) -> None:
    """Open the connection to the primary; a connect that hangs is given
    up by the replication cron after repl-timeout seconds, as in Redis."""
    loop = asyncio.get_running_loop()
    try:
        await loop.create_connection(lambda: MasterLink(repl), host, port)
    except OSError as e:
        repl.server.log.warning("Error condition on socket for SYNC: %s" % (getattr(e, "strerror", None) or e))
        repl.link_failed()


__all__ = ["MasterLink", "connect", "make_master_client", "os"]
