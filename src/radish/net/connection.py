"""One asyncio Protocol per client connection.

Reads bytes, parses every complete command of the read (hiredis when
installed) and runs them through the dispatcher. Replies are not written at
once: like Redis's beforeSleep, the server writes every client's output
after the event loop has handled all the reads that were ready, so a peer
with many connections (a pipelining benchmark, a pool) is woken once per
round instead of once per reply, and each client gets one write per round. A malformed request gets Redis's
protocol-error reply and closes only that connection; a query buffer over
``client-query-buffer-limit`` closes that client.

Flow control: when the transport's write buffer passes its high-water mark
(``pause_writing``) we stop reading from that client until it drains, so a
client that pipelines but never reads cannot exhaust memory or stall
others. Commands that must wait (CLIENT PAUSE, blocking commands) park the
rest of the client's pipeline here until they can run.
"""

from __future__ import annotations

import asyncio
import os
import select
import socket
from collections import deque
from time import time as _time
from typing import TYPE_CHECKING, Any

from .. import errors as E
from ..client import FLAG_MASTER, FLAG_REPLICA, FLAG_UNIX
from ..dispatch import BLOCKED, process_command, run_batch
from ..eviction import evict_clients
from ..protocol.parser import ProtocolError, make_request_parser, unauthenticated_violation
from ..protocol.resp import encode_error

if TYPE_CHECKING:
    from ..client import Client

_PROTECTED_MODE_DENIED = ("-%s\r\n" % E.PROTECTED_MODE_DENIED).encode()


def _is_local(peer) -> bool:
    """Redis's islocalClient: a unix socket, or TCP from 127.0.0.1 or ::1
    (exactly those addresses)."""
    if not isinstance(peer, tuple):
        return True
    return peer[0] in ("127.0.0.1", "::1")


def _fmt_addr(info) -> str:
    if not info:
        return ""
    if isinstance(info, tuple):
        host, port = info[0], info[1]
        if ":" in host:
            return "%s:%d" % (host, port)
        return "%s:%d" % (host, port)
    return str(info)


class ClientConnection(asyncio.Protocol):
    __slots__ = (
        "server", "transport", "client", "parser", "pending", "write_paused",
        "processing", "closing", "_close_scheduled", "parked_bytes",
        "wbuf", "wbuf_bytes", "close_when_flushed", "batch_out",
        "written", "snapshot_mark",
    )

    def __init__(self, server) -> None:
        self.server = server
        self.transport: Any = None  # asyncio's transport, from connection_made
        self.client: Client = None  # type: ignore[assignment]  # made by connection_made, before any use
        self.parser = make_request_parser(server.config.proto_max_bulk_len)
        self.pending: deque[list[bytes] | ProtocolError] = deque()  # commands, or the error that ends them
        self.write_paused = False
        self.processing = False
        self.closing = False
        self._close_scheduled = False
        self.parked_bytes = 0  # bytes queued behind a parked command
        self.wbuf: list[bytes] = []  # output waiting for the server's flush
        self.wbuf_bytes = 0
        self.close_when_flushed = False
        # Replies of the commands being run; output for this client made
        # meanwhile (a message it published to itself) joins them in order.
        self.batch_out: list[bytes] | None = None
        # Output limits: bytes passed to write() so far, and that count
        # after the last snapshot sent to a replica (not output buffer).
        self.written = 0
        self.snapshot_mark = -1

    # -- asyncio callbacks -------------------------------------------------

    def connection_made(self, transport) -> None:
        server = self.server
        if self.client is not None:
            # Accepted while the loop was held (HeldTransport): the loop
            # now serves the same client; what the peer had not taken
            # goes first.
            held = self.transport
            self.transport = transport
            self.client.transport = transport
            left = held.take_unsent() if held is not None else b""
            if left:
                transport.write(left)
            if held is not None and not held.reading:
                transport.pause_reading()
            if self.closing:
                transport.close()
            return
        self.transport = transport
        sock = transport.get_extra_info("socket")
        fd = -1
        unix = sock is not None and sock.family == socket.AF_UNIX
        if unix:
            fd = sock.fileno()
        elif sock is not None:
            try:
                fd = sock.fileno()
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                ka = server.config.tcp_keepalive
                if ka:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
                    if hasattr(socket, "TCP_KEEPIDLE"):
                        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, ka)
                        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, max(1, ka // 3))
                        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 3)
            except (OSError, ValueError):
                pass
        if len(server.clients) >= server.config.maxclients:
            server.stats.rejected_conn += 1
            transport.write(b"-ERR max number of clients reached\r\n")
            transport.close()
            self.closing = True
            return
        peer = transport.get_extra_info("peername")
        cfg = server.config
        if cfg.protected_mode and not cfg.requirepass and not _is_local(peer):
            # Redis's clientAcceptHandler: the client was created (its id
            # is used up), gets the explanation and is closed.
            server.remove_client(server.new_client(_fmt_addr(peer)))
            server.stats.rejected_conn += 1
            transport.pause_reading()  # what it sent stays unread, as in Redis
            transport.write(_PROTECTED_MODE_DENIED)
            transport.close()
            self.closing = True
            return
        if unix:
            # Redis names a unix socket client by the socket's path.
            addr = "%s:0" % cfg.unixsocket
            c = server.new_client(addr, addr, fd)
            c.flags |= FLAG_UNIX
        else:
            c = server.new_client(
                _fmt_addr(peer),
                _fmt_addr(transport.get_extra_info("sockname")),
                fd,
            )
        c.transport = transport
        c.connection = self
        self.client = c
        server.stats.numconnections += 1

    def connection_lost(self, exc) -> None:
        c = self.client
        if c is not None and c.closed:
            return  # freed already (a hang-up seen while the loop was held)
        self.closing = True
        self.wbuf = []
        self.wbuf_bytes = 0
        # The buffers go now, not when a garbage collection frees the
        # client (used_memory and maxmemory see them go, as in Redis).
        self.pending.clear()
        self.parser = make_request_parser(self.server.config.proto_max_bulk_len)
        if c is None:
            return
        c.closed = True
        self.server.remove_client(c)
        self.server.on_client_closed(c)

    def pause_writing(self) -> None:
        self.write_paused = True
        if self.transport is not None and not self.closing:
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        self.write_paused = False
        if self.transport is not None and not self.closing and not self.pending:
            self.transport.resume_reading()

    def data_received(self, data: bytes) -> None:
        if self.closing:
            return
        server = self.server
        c = self.client
        stats = server.stats
        stats.net_input_bytes += len(data)
        stats.total_reads += 1
        c.last_interaction = _time()
        if not c.authenticated:
            self._parse_stepwise(data)
            return
        cmds, err = self.parser.feed_and_parse(data)
        if server.config.maxmemory_clients:
            evict_clients(server, c, cmds)  # the input read may take the clients past maxmemory-clients
            if c.close_after_reply:
                return
        if self.pending or server.pause_mode is not None or c.blocked is not None:
            self.parked_bytes += len(data)
            self.pending.extend(cmds)
            if err is not None:
                self.pending.append(err)
            self._check_query_buffer()
            if not self.processing and c.blocked is None:
                self.run_pending()
            return
        if err is None and cmds:
            # The common case: run the read's commands straight through;
            # anything that parks the client, pauses the server or closes
            # the connection hands the rest to the general queue.
            out: list[bytes] = []
            self.processing = True
            server.current_client = c
            self.batch_out = out
            if server.normal_output_unlimited and not c.flags & FLAG_REPLICA and not (
                c.subscriptions or c.psubscriptions or c.ssubscriptions
            ):
                budget = -1  # output_budget's common case, without the call
            else:
                budget = self.output_budget()
            try:
                i = run_batch(c, cmds, out) if budget < 0 else self._run_batch_limited(cmds, out, budget)
            finally:
                self.processing = False
                server.current_client = None
                self.batch_out = None
            if self.closing:  # over its output buffer limit
                return
            if out:
                data = out[0] if len(out) == 1 else b"".join(out)
                if not self.wbuf:
                    server.schedule_flush(self)
                self.wbuf.append(data)
                self.wbuf_bytes += len(data)
                stats.net_output_bytes += len(data)
                if budget >= 0 and self.check_output_limits():
                    return
            if c.close_after_reply:
                self._close_after_write()
                return
            if i < len(cmds):
                self.pending.extend(cmds[i:])
                if c.blocked is None:
                    self.run_pending()
            elif not self.pending and not self.parser.buffered():
                self.parked_bytes = 0  # _check_query_buffer's common case: nothing held
                return
            if not self.closing:
                self._check_query_buffer()
            return
        self.pending.extend(cmds)
        if err is not None:
            self.pending.append(err)
        self.run_pending()
        if not self.closing:
            self._check_query_buffer()

    def _parse_stepwise(self, data: bytes) -> None:
        """A client that must authenticate first: the parser applies Redis's
        pre-AUTH limits (a multibulk over 10 arguments, a bulk over 16384
        bytes) and frames one command at a time, which runs before the
        next is framed, so a successful AUTH lifts the limits for the rest
        of the read (as Redis's processInputBuffer). Also used to frame
        what is left in the parser once a parked command has run."""
        c = self.client
        parser = self.parser
        parser.auth_required = not c.authenticated
        cmds, err = parser.feed_and_parse(data)
        while cmds or err is not None:
            self.pending.extend(cmds)
            if err is not None:
                self.pending.append(err)
            if not self.processing and c.blocked is None:
                self.run_pending()
            if self.closing or err is not None or self.pending or not parser.buffered():
                break
            parser.auth_required = not c.authenticated
            cmds, err = parser.feed_and_parse(b"")
        parser.auth_required = not c.authenticated
        if not self.closing:
            self._check_query_buffer()

    # -- processing --------------------------------------------------------

    def run_pending(self) -> None:
        """Run queued commands until done, blocked, paused or closing; one
        write for all replies."""
        c = self.client
        server = self.server
        pending = self.pending
        out: list[bytes] = []
        self.processing = True
        server.current_client = c
        self.batch_out = out
        budget = self.output_budget()
        size = counted = base = 0  # reply bytes made, items of out counted, size at the last check
        try:
            while pending:
                if c.close_after_reply or self.closing:
                    pending.clear()
                    break
                if c.blocked is not None:
                    break
                args = pending[0]
                if not c.authenticated and not isinstance(args, Exception):
                    violation = unauthenticated_violation(args)
                    if violation is not None:
                        pending[0] = args = violation
                if isinstance(args, Exception):
                    pending.clear()
                    out.append(encode_error(str(args)))
                    server.log.verbose("Protocol error (%s) from client: id=%d addr=%s" % (args, c.id, c.addr))
                    c.close_after_reply = True
                    break
                if server.pause_mode is not None and self._paused_for(args):
                    break
                pending.popleft()
                r = process_command(c, args)
                if r is not None:
                    if r is BLOCKED:
                        self._block()
                        break
                    out.append(r)
                if c.after_reply:
                    out += c.after_reply
                    c.after_reply.clear()
                if budget >= 0:
                    size += sum(map(len, out[counted:]))
                    counted = len(out)
                    if size - base >= budget:
                        if self.check_output_limits(size):
                            return  # closed, its output dropped
                        budget = self.output_budget(size)
                        base = size
        finally:
            self.processing = False
            server.current_client = None
            self.batch_out = None
        if out:
            self.write(out[0] if len(out) == 1 else b"".join(out))
        if c.close_after_reply:
            self._close_after_write()
        elif not self.write_paused and self.transport is not None:
            self.transport.resume_reading()

    def _paused_for(self, args) -> bool:
        from ..dispatch import lookup_command

        spec = lookup_command(args)
        if isinstance(spec, str):
            return False
        if self.server.is_paused_for(self.client, spec, args):
            if self not in self.server.paused_clients:
                self.server.paused_clients.append(self)
            self.transport.pause_reading()
            return True
        return False

    def resume_processing(self) -> None:
        """Called when a pause ends or a blocked command was served."""
        if self.closing:
            return
        if self.pending:
            self.run_pending()
            if not self.pending and not self.closing and self.parser.buffered():
                # Commands framed one at a time (before AUTH) left the rest
                # of their read in the parser.
                self._parse_stepwise(b"")
        elif not self.write_paused:
            self.transport.resume_reading()

    def _block(self) -> None:
        """The client is parked. Reading goes on (commands queue behind the
        blocked one, bounded by the query buffer limit) so a client that
        hangs up is noticed and leaves the wait lists at once."""

    def write(self, data: bytes) -> None:
        """Queue output for this round's flush (replies, unblocked replies,
        pushes, the replication stream), in order."""
        if self.batch_out is not None:
            self.batch_out.append(data)
            return
        # _queue, inline (a replica's share of every write comes here).
        t = self.transport
        if self.closing or t is None:
            return
        server = self.server
        wbuf = self.wbuf
        if not wbuf:
            server.schedule_flush(self)
        wbuf.append(data)
        n = len(data)
        self.wbuf_bytes += n
        self.written += n
        server.stats.net_output_bytes += n
        # check_output_limits has nothing to do while the output is below
        # every class's smallest limit and no soft limit's time runs.
        c = self.client
        if c is not None and (
            self.wbuf_bytes + t.get_write_buffer_size() >= server.output_check_from or c.obuf_soft_since is not None
        ):
            self.check_output_limits()

    def write_snapshot(self, data: bytes) -> None:
        """A replica's full-sync payload: sent in order with the rest but,
        as in Redis, not part of its output buffer for the limits."""
        if self._queue(data):
            self.snapshot_mark = self.written

    def _queue(self, data: bytes) -> bool:
        """Queue ``data`` for the next flush; False when the connection is
        closing (nothing is queued)."""
        if self.closing or self.transport is None:
            return False
        if not self.wbuf:
            self.server.schedule_flush(self)
        self.wbuf.append(data)
        self.wbuf_bytes += len(data)
        self.written += len(data)
        self.server.stats.net_output_bytes += len(data)
        return True

    def flush(self) -> None:
        """Hand the queued output to the transport (one write)."""
        wbuf = self.wbuf
        if not wbuf:
            return
        self.wbuf = []
        self.wbuf_bytes = 0
        t = self.transport
        if t is None or t.is_closing():
            return
        t.write(wbuf[0] if len(wbuf) == 1 else b"".join(wbuf))
        if self.close_when_flushed:
            t.close()

    def output_size(self) -> int:
        """Bytes of output not yet sent (queued here and in the transport)."""
        t = self.transport
        return self.wbuf_bytes + (t.get_write_buffer_size() if t is not None else 0)

    # -- client-output-buffer-limit -----------------------------------------

    def output_limits(self) -> tuple[int, int, int]:
        """(hard, soft, soft seconds) of this client's class: the primary's
        link counts as normal; a replica's hard limit is at least
        repl-backlog-size (Redis's checkClientOutputBufferLimits)."""
        c = self.client
        cfg = self.server.config
        if c.flags & FLAG_REPLICA:
            hard, soft, secs = cfg.client_output_buffer_limit["replica"]
            if hard and hard < cfg.repl_backlog_size:
                hard = cfg.repl_backlog_size
            return hard, soft, secs
        if not c.flags & FLAG_MASTER and c.subscribed():
            return cfg.client_output_buffer_limit["pubsub"]
        return cfg.client_output_buffer_limit["normal"]

    def output_buffer_usage(self) -> int:
        """Reply bytes the client has not taken (Redis's
        getClientOutputBufferMemoryUsage): queued for this round's write
        and left in the transport by a peer that does not read; for a
        replica, not the snapshot of its full sync, which went first."""
        size = self.output_size()
        if self.snapshot_mark >= 0:
            size = min(size, self.written - self.snapshot_mark)
        return size

    def output_budget(self, pending: int = 0) -> int:
        """How many more reply bytes may be made (on top of ``pending``
        not yet queued) before the limits must be checked; -1 when this
        client's class has none."""
        hard, soft, _secs = self.output_limits()
        if soft and self.client.obuf_soft_since is None:
            limit = min(soft, hard) if hard else soft
        else:
            limit = hard  # past the soft limit already: its time is checked after the batch
        if not limit:
            return -1
        return max(0, limit - self.output_buffer_usage() - pending)

    def check_output_limits(self, pending: int = 0, from_cron: bool = False) -> bool:
        """Redis's closeClientOnOutputBufferLimitReached: past the hard
        limit, or past the soft one for longer than its seconds, the client
        is closed without its pending output; True when it was. ``pending``:
        replies made but not yet queued."""
        if self.closing or self.client is None:
            return self.closing
        hard, soft, secs = self.output_limits()
        if not hard and not soft:
            return False
        c = self.client
        size = self.output_buffer_usage() + pending
        if size == 0 and not c.flags & FLAG_REPLICA:
            return False
        over = bool(hard and size >= hard)
        if soft and size >= soft:
            now = int(_time())
            if c.obuf_soft_since is None:
                c.obuf_soft_since = now
            elif now - c.obuf_soft_since > secs:
                over = True
        else:
            c.obuf_soft_since = None
        if not over:
            return False
        from ..commands.client_info import client_info_line

        info = client_info_line(c).decode("utf-8", "replace")
        if from_cron:
            self.server.log.warning("Client %s closed for overcoming of output buffer limits." % info)
        else:
            self.server.log.warning("Client %s scheduled to be closed ASAP for overcoming of output buffer limits." % info)
        self.close_now()
        return True

    def _run_batch_limited(self, cmds: list[list[bytes]], out: list[bytes], budget: int) -> int:
        """run_batch with the output limits checked whenever the replies of
        this read reach ``budget``, as Redis checks them on each reply: a
        client over its limit is closed and runs nothing more."""
        c = self.client
        server = self.server
        done = base = 0
        while True:
            done += run_batch(c, cmds[done:] if done else cmds, out, budget=budget)
            size = sum(map(len, out))
            if size - base < budget:
                return done
            if self.check_output_limits(size):
                return done
            if done >= len(cmds) or c.blocked is not None or c.close_after_reply or server.pause_mode is not None:
                return done
            if not c.authenticated:
                return done
            budget = self.output_budget(size)
            base = size
            if budget < 0:
                return done + run_batch(c, cmds[done:], out)

    # -- limits and closing ------------------------------------------------

    def _check_query_buffer(self) -> None:
        if not self.pending:
            self.parked_bytes = 0
        if self.parser.buffered() + self.parked_bytes > self.server.config.client_query_buffer_limit:
            self._query_buffer_overflow()

    def _query_buffer_overflow(self) -> None:
        c = self.client
        self.server.log.warning(
            "Closing client that reached max query buffer length: id=%d addr=%s (qbuf initial bytes: ...)"
            % (c.id, c.addr)
        )
        self.close_now()

    def close_after_output(self) -> None:
        """Close once the output queued so far is written (Redis's
        CLIENT_CLOSE_AFTER_REPLY set outside the client's own command)."""
        self._close_after_write()

    def _close_after_write(self) -> None:
        self.closing = True
        self.pending.clear()
        if self.wbuf:
            self.close_when_flushed = True  # the flush writes, then closes
        elif self.transport is not None:
            self.transport.close()

    def schedule_close(self) -> None:
        """CLIENT KILL and friends: the caller gets its reply first; any
        other client is closed at once."""
        if self.processing:
            self.client.close_after_reply = True
        else:
            self.close_now()

    def close_now(self) -> None:
        self.closing = True
        self.pending.clear()
        self.wbuf = []
        self.wbuf_bytes = 0
        if self.transport is not None:
            self.transport.abort()


class HeldTransport:
    """The transport of a connection accepted while a long command holds
    the loop (a busy script): no event loop runs, so it writes straight to
    the non-blocking socket and keeps what the peer did not take yet;
    process_events_while_blocked reads for it. Once the loop runs again
    the server hands the socket to the loop (``adopt``), which makes a real
    transport for the same ClientConnection."""

    def __init__(self, sock: socket.socket, protocol: ClientConnection) -> None:
        self.sock = sock
        self.protocol = protocol
        self.buf = bytearray()
        self.closing = False
        self.closed = False
        self.reading = True

    def get_extra_info(self, name: str, default=None):
        if name == "socket":
            return self.sock
        try:
            if name == "peername":
                return self.sock.getpeername()
            if name == "sockname":
                return self.sock.getsockname()
        except OSError:
            return default
        return default

    def write(self, data: bytes) -> None:
        if self.closed or self.closing:
            return
        self.buf += data
        self.send()

    def send(self) -> None:
        """Write what the socket takes now."""
        buf = self.buf
        while buf and not self.closed:
            try:
                n = self.sock.send(buf)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                self.abort()
                return
            del buf[:n]
        if self.closing and not buf:
            self._lost()

    def take_unsent(self) -> bytes:
        data = bytes(self.buf)
        self.buf.clear()
        return data

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True

    def is_closing(self) -> bool:
        return self.closing or self.closed

    def get_write_buffer_size(self) -> int:
        return len(self.buf)

    def close(self) -> None:
        if self.closed:
            return
        self.closing = True
        self.send()

    def abort(self) -> None:
        self.buf.clear()
        self._lost()

    def _lost(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass
        self.protocol.connection_lost(None)


def accept_while_blocked(server, lsock: socket.socket) -> list[ClientConnection]:
    """Accept what waits on a listening socket while the loop is held:
    each connection is served through a HeldTransport until the loop
    adopts it."""
    made = []
    while True:
        try:
            sock, _addr = lsock.accept()
        except (BlockingIOError, InterruptedError):
            break
        except OSError:
            break
        sock.setblocking(False)
        conn = ClientConnection(server)
        t = HeldTransport(sock, conn)
        conn.connection_made(t)
        if conn.client is not None and not conn.closing:
            made.append(conn)
    return made


def process_events_while_blocked(clients, current, listening=()) -> bool:
    """Read what connected clients sent and run it while a long command
    (a busy script) holds the loop, as Redis's processEventsWhileBlocked:
    their commands meet the BUSY check. ``current``: the client running
    the long command, skipped. ``listening``: (socket, on_accept) pairs of
    the listening sockets, so new connections are accepted and served as
    well. True when something happened (a connection accepted, a client
    served, whose replies are queued: the caller flushes them, the loop
    not running, or a client that hung up freed)."""
    conns = {}
    for c in list(clients):
        conn = c.connection
        t = conn.transport if conn is not None else None
        if c is current or t is None or conn.closing:
            continue
        if isinstance(t, HeldTransport):
            t.send()
            if t.closed or not t.reading:
                continue
        sock = t.get_extra_info("socket")
        if sock is None:
            continue
        try:
            fd = sock.fileno()
        except (OSError, ValueError):
            continue
        if fd >= 0:
            conns[fd] = conn
    lfds = {}
    for lsock, on_accept in listening:
        try:
            fd = lsock.fileno()
        except (OSError, ValueError):
            continue
        if fd >= 0:
            lfds[fd] = (lsock, on_accept)
    if not conns and not lfds:
        return False
    try:
        readable, _w, _x = select.select(list(conns) + list(lfds), [], [], 0)
    except (OSError, ValueError):
        return False
    served = False
    for fd in readable:
        if fd in lfds:
            lsock, on_accept = lfds[fd]
            on_accept(lsock)
            served = True
            continue
        conn = conns[fd]
        try:
            data = os.read(fd, 65536)
        except OSError:
            continue
        served = True
        if data:
            conn.data_received(data)
        elif isinstance(conn.transport, HeldTransport):
            conn.transport.abort()  # the peer hung up
        else:
            # The peer of a connection the loop serves hung up: freed now,
            # as Redis frees it while blocked (the loop's own notice,
            # later, finds it gone).
            conn.close_now()
            conn.connection_lost(None)
    return served
