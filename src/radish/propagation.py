"""The propagation funnel: the one path by which writes reach replicas and
the AOF.

During a command, ``propagate(dbid, args)`` queues the deterministic form of
each write (the dispatcher queues the command itself, or the rewrite the
handler asked for; the keyspace's expiry hook queues DELs). At the end of
the top-level command ``flush()`` turns the queue into RESP bytes — a
``SELECT`` whenever the stream's database changes, several writes wrapped
in ``MULTI``/``EXEC`` — appends them to the replication backlog, advances
the master replication offset and hands them to every subscriber.

Subscribers (replica links, the AOF writer) register a callable taking
``data: bytes``; the funnel does not import them. A subscriber registered
with ``control=False`` (the AOF) receives only the write stream, not the
PINGs and REPLCONFs meant for replicas (``feed(..., control=True)``) nor
the commands queued for replicas only (PUBLISH, as Redis's
PROPAGATE_REPL).

Imports only the protocol package.
"""

from __future__ import annotations

from collections.abc import Callable

from .protocol.resp import encode_command

_MULTI = encode_command([b"MULTI"])
_EXEC = encode_command([b"EXEC"])


class Backlog:
    """Ring buffer of the last ``size`` bytes of the replication stream.

    ``first_offset`` is the master offset of the first byte held (Redis's
    repl_backlog_first_byte_offset, which starts at 1)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.buf = bytearray()
        self.first_offset = 1  # offset of buf[0] is first_offset
        self.active = False

    def append(self, data: bytes, end_offset: int) -> None:
        """Append ``data`` whose last byte is stream offset ``end_offset``."""
        if not self.active:
            return
        self.buf += data
        excess = len(self.buf) - self.size
        if excess > 0:
            # Trim in big steps to keep amortised cost low.
            if excess > self.size // 8 or len(self.buf) > 2 * self.size:
                del self.buf[:excess]
        self.first_offset = end_offset - len(self.buf) + 1

    @property
    def histlen(self) -> int:
        return min(len(self.buf), self.size)

    def resize(self, size: int) -> None:
        self.size = size
        if len(self.buf) > size:
            end = self.first_offset + len(self.buf) - 1
            del self.buf[: len(self.buf) - size]
            self.first_offset = end - len(self.buf) + 1

    def read_from(self, offset: int, end_offset: int) -> bytes | None:
        """Bytes from stream offset ``offset`` (inclusive) to the end, or
        None if they are no longer (or not yet) held."""
        if not self.active:
            return None
        held = min(len(self.buf), self.size)
        start = end_offset - held + 1
        if offset < start or offset > end_offset + 1:
            return None
        return bytes(self.buf[len(self.buf) - (end_offset - offset + 1):]) if offset <= end_offset else b""

    def clear(self, next_offset: int) -> None:
        self.buf = bytearray()
        self.first_offset = next_offset


class Propagator:
    """Queue of writes for the current command and their delivery."""

    def __init__(self, backlog_size: int = 1024 * 1024) -> None:
        # (dbid, args); dbid None: for replicas only, in no database.
        self.pending: list[tuple[int, list[bytes], bool]] = []  # (db, command, for replicas only)
        self.subscribers: list[Callable[[bytes], None]] = []
        self.writes_only: list[Callable[[bytes], None]] = []
        self.master_repl_offset = 0
        self.stream_db = -1  # database the stream last SELECTed
        self.backlog = Backlog(backlog_size)
        # Stream bytes already counted in master_repl_offset that the
        # backlog and the subscribers have not had yet: the C fast path
        # (_fastpath.propagate_plain) appends a pipeline's plain writes
        # here and run_fast ends with drain(); every other way into the
        # stream drains first, so order is kept.
        self.stream = bytearray()
        self.enabled = True  # False while a replica applies its master's stream
        # A replica: its own writes (a writable replica's clients, expiry
        # and eviction of its own) go to the AOF only, never into the
        # stream it forwards from its primary (Redis's shouldPropagate), so
        # sub-replicas and offsets stay the primary's. ``primary_db`` is the
        # database the forwarded stream last SELECTed (-1: unknown).
        self.replica = False
        self.primary_db = -1
        self.in_exec = False

    def drain(self) -> None:
        """Hand ``stream`` to the backlog and the subscribers."""
        stream = self.stream
        if stream:
            data = bytes(stream)
            stream.clear()
            self.backlog.append(data, self.master_repl_offset)
            for fn in self.subscribers:
                fn(data)

    def propagate(self, dbid: int, args: list[bytes]) -> None:
        """Queue one write of the running command (nothing to do while no
        replica, backlog or AOF listens)."""
        if self.enabled and (self.subscribers or self.backlog.active):
            self.pending.append((dbid, args, False))

    def propagate_now(self, dbid: int, args: list[bytes]) -> None:
        """``propagate`` + ``flush`` for a command whose only write is
        itself (the dispatcher's fast path): encoded and delivered at once.
        Call only with nothing else queued."""
        if not (self.enabled and (self.subscribers or self.backlog.active)):
            return
        if self.stream:
            self.drain()
        if self.replica:
            self._local_writes([(dbid, args, False)])
            return
        data = encode_command(args)
        if dbid != self.stream_db:
            data = encode_command([b"SELECT", b"%d" % dbid]) + data
            self.stream_db = dbid
        self.master_repl_offset += len(data)
        backlog = self.backlog
        if backlog.active:
            backlog.append(data, self.master_repl_offset)
        for fn in self.subscribers:
            fn(data)

    def propagate_to_replicas(self, dbid: int, args: list[bytes]) -> None:
        """Queue a command for replicas and the backlog but not the AOF
        (PUBLISH reaches a replica's subscribers, never the AOF). It goes
        in the client's database, as Redis's replicationFeedSlaves selects
        it (the AOF gets that SELECT too: one selected database for both)."""
        if self.enabled and (self.subscribers or self.backlog.active):
            self.pending.append((dbid, args, True))

    def subscribe(self, fn: Callable[[bytes], None], *, control: bool = True) -> None:
        """Receive the stream; ``control=False``: writes only."""
        self.drain()
        self.subscribers.append(fn)
        if not control:
            self.writes_only.append(fn)

    def unsubscribe(self, fn: Callable[[bytes], None]) -> None:
        self.drain()
        if fn in self.subscribers:
            self.subscribers.remove(fn)
        if fn in self.writes_only:
            self.writes_only.remove(fn)

    def has_audience(self) -> bool:
        return bool(self.subscribers) or self.backlog.active

    def flush(self, wrap: bool = True) -> None:
        """Deliver the queued writes of the finished top-level command
        (wrapped in MULTI/EXEC when there are several, unless ``wrap`` is
        False: the active expire cycle's DELs go out one by one)."""
        pending = self.pending
        if not pending:
            return
        self.drain()
        self.pending = []
        if not self.has_audience():
            return
        if self.replica:
            self._local_writes(pending)
            return
        parts: list[bytes] = []
        wrap = wrap and len(pending) > 1 and not self.in_exec
        if wrap:
            # MULTI goes into the first command's database.
            self._select(parts, pending[0][0])
            parts.append(_MULTI)
        repl_only = any(r for _d, _a, r in pending)
        if not repl_only or not self.writes_only:
            for dbid, args, _r in pending:
                self._select(parts, dbid)
                parts.append(encode_command(args))
            if wrap:
                parts.append(_EXEC)
            self.feed(b"".join(parts))
            return
        # Some commands are for replicas only: the writes-only subscribers
        # get the stream without them (SELECTs included: the stream's
        # selected database is theirs too).
        writes = list(parts)
        wrote = False
        for dbid, args, r in pending:
            enc = encode_command(args)
            sel: list[bytes] = []
            self._select(sel, dbid)
            parts += sel
            writes += sel
            parts.append(enc)
            if not r:
                writes.append(enc)
                wrote = True
        if wrap:
            parts.append(_EXEC)
            writes.append(_EXEC)
        if not wrote:
            writes = [w for w in writes if w is not _MULTI and w is not _EXEC]
        self._deliver(b"".join(parts), b"".join(writes))

    def _local_writes(self, pending: list[tuple[int, list[bytes], bool]]) -> None:
        """A replica's own writes: to the writes-only subscribers (the AOF),
        each in its database, then back to the forwarded stream's database;
        no offset, backlog or sub-replica sees them."""
        self.drain()
        writes = [(dbid, args) for dbid, args, repl_only in pending if not repl_only]
        if not writes or not self.writes_only:
            return
        parts: list[bytes] = []
        db = -1
        for dbid, args in writes:
            if dbid != db:
                parts.append(encode_command([b"SELECT", str(dbid).encode()]))
                db = dbid
            parts.append(encode_command(args))
        if self.primary_db >= 0 and db != self.primary_db:
            parts.append(encode_command([b"SELECT", str(self.primary_db).encode()]))
        data = b"".join(parts)
        for fn in self.writes_only:
            fn(data)

    def _select(self, parts: list[bytes], dbid: int) -> None:
        if dbid != self.stream_db:
            parts.append(encode_command([b"SELECT", str(dbid).encode()]))
            self.stream_db = dbid

    def feed(self, data: bytes, *, control: bool = False) -> None:
        """Append raw stream bytes (also used for PINGs and GETACKs to
        replicas, ``control=True``, and by a replica forwarding its
        master's stream)."""
        self.drain()
        if control and self.writes_only:
            self._deliver(data, b"")
            return
        self.master_repl_offset += len(data)
        self.backlog.append(data, self.master_repl_offset)
        for fn in self.subscribers:
            fn(data)

    def _deliver(self, data: bytes, writes: bytes) -> None:
        """``data`` to the replication stream; ``writes`` (its part that
        is not for replicas only) to the writes-only subscribers."""
        self.drain()
        self.master_repl_offset += len(data)
        self.backlog.append(data, self.master_repl_offset)
        writes_only = self.writes_only
        for fn in self.subscribers:
            if fn not in writes_only:
                fn(data)
            elif writes:
                fn(writes)

    def force_select(self) -> None:
        """Make the next write start with SELECT (after a new replica joins
        or the AOF is rewritten)."""
        self.stream_db = -1
