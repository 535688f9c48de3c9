"""Blocked clients: BLPOP and friends, WAIT, and anything else that parks.

A handler never waits. It returns ``Block(keys, timeout, timeout_reply)``
and the dispatcher parks the client here (the rest of that client's
pipeline waits in its connection; every other client is served). When a
write signals one of the keys (``Database.signal_modified``), the key is
queued as ready; after the current command, ``serve_ready`` re-runs the
parked commands of clients blocked on it, oldest first, through the normal
``call()`` — so one pushed element goes to exactly one client, the
re-executed command propagates its non-blocking form, and a client whose
command would block again keeps its place. Timeouts fire from the event
loop with millisecond precision.

Inside MULTI/EXEC, scripts and the replication stream a Block is answered at
once with its timeout reply (the dispatcher does that).

Sits at server level: reached through ``c.server.blocking``.
"""

from __future__ import annotations

from collections import OrderedDict

from . import errors as E
from .client import FLAG_BLOCKED
from .commands.results import Block
from .dispatch import call, encode_result
from .errors import CommandError


class BlockState:
    __slots__ = ("spec", "args", "block", "db", "timer")

    def __init__(self, spec, args, block: Block, db, timer) -> None:
        self.spec = spec
        self.args = args
        self.block = block
        self.db = db
        self.timer = timer


class BlockingRegistry:
    def __init__(self, server) -> None:
        self.server = server
        # (dbid, key) -> ordered set of clients (insertion order = FIFO)
        self.by_key: dict[tuple[int, bytes], OrderedDict] = {}
        self.ready: list[tuple[int, bytes]] = []
        self._ready_set: set[tuple[int, bytes]] = set()
        self.keyless: OrderedDict = OrderedDict()  # WAIT and friends
        self.count = 0
        self._serving = False
        self.serving_key: bytes | None = None  # key whose write woke the command being re-run

    # -- parking -----------------------------------------------------------

    def park(self, c, spec, args, block: Block) -> None:
        server = self.server
        timer = None
        if block.timeout > 0 and server.loop is not None:
            timer = server.loop.call_later(block.timeout, self._on_timeout, c)
        c.blocked = BlockState(spec, args, block, c.db, timer)
        c.flags |= FLAG_BLOCKED
        self.count += 1
        server.blocked_clients = self.count
        if block.keys:
            dbid = c.db.id
            by_key = self.by_key
            was_empty = not by_key
            for k in block.keys:
                by_key.setdefault((dbid, k), OrderedDict())[c] = None
            if was_empty:
                server.refresh_key_hook()
        else:
            self.keyless[c] = None

    def _unpark(self, c) -> BlockState | None:
        st = c.blocked
        if st is None:
            return None
        c.blocked = None
        c.flags &= ~FLAG_BLOCKED
        self.count -= 1
        self.server.blocked_clients = self.count
        if st.timer is not None:
            st.timer.cancel()
        if st.block.keys:
            dbid = st.db.id
            for k in st.block.keys:
                waiters = self.by_key.get((dbid, k))
                if waiters is not None:
                    waiters.pop(c, None)
                    if not waiters:
                        del self.by_key[(dbid, k)]
            if not self.by_key:
                self.server.refresh_key_hook()
        else:
            self.keyless.pop(c, None)
        return st

    # -- waking ------------------------------------------------------------

    def key_changed(self, db, key: bytes) -> None:
        """Keyspace hook: a write touched ``key``."""
        k = (db.id, key)
        if k in self.by_key and k not in self._ready_set:
            self._ready_set.add(k)
            self.ready.append(k)

    def signal_ready(self, db, key: bytes) -> None:
        """Redis's signalKeyAsReady alone: wake clients blocked on ``key``
        without a modification (WATCH is not touched), as XGROUP DESTROY
        does for blocked XREADGROUPs."""
        if self.by_key:
            self.key_changed(db, key)

    def serve_ready(self) -> None:
        """Re-run the commands of clients blocked on keys that became ready
        (called after each top-level command)."""
        if self._serving:
            return
        self._serving = True
        try:

            server = self.server
            while self.ready:
                k = self.ready.pop(0)
                self._ready_set.discard(k)
                waiters = self.by_key.get(k)
                if not waiters:
                    continue
                for c in list(waiters):
                    st = c.blocked
                    if st is None:
                        continue
                    # As Redis 7.0, a client blocked on several keys is served
                    # from the key that became ready (handlers try it first).
                    self.serving_key = k[1]
                    # The served client is the running one meanwhile: its own
                    # pushes (tracking) follow its reply.
                    running, server.current_client = server.current_client, c
                    try:
                        result = call(c, st.spec, st.args, served=True)
                    finally:
                        self.serving_key = None
                        server.current_client = running
                    if server.propagation.pending:
                        server.propagation.flush()
                    if isinstance(result, Block):
                        continue  # still nothing for it: keeps its place
                    self._unpark(c)
                    self._reply(c, result, counted=True)  # call() counted an error
        finally:
            self._serving = False

    def swapped(self, a: int, b: int) -> None:
        """SWAPDB: keys waited for in either database may now hold data."""
        dbs = self.server.keyspace.dbs
        for dbid, key in list(self.by_key):
            if dbid in (a, b) and key in dbs[dbid].data:
                self.key_changed(dbs[dbid], key)

    def deleted_streams(self, emptied, replaced_with) -> None:
        """scanDatabaseForDeletedStreams, before a flush or SWAPDB: a key
        waited for that holds a stream and will not (its database emptied,
        or swapped with one where it is not a stream) is signalled, so a
        blocked XREADGROUP is told its stream is gone (a blocked XREAD
        keeps waiting)."""
        for kdb, key in list(self.by_key):
            if kdb != emptied.id:
                continue
            was = getattr(emptied.data.get(key), "TYPE_NAME", None) == b"stream"
            if was and (replaced_with is None or getattr(replaced_with.data.get(key), "TYPE_NAME", None) != b"stream"):
                self.key_changed(emptied, key)

    def check_keyless(self) -> None:
        """Give keyless blocks (WAIT) a chance to complete."""
        for c in list(self.keyless):
            st = c.blocked
            if st is None or st.block.ready_fn is None:
                continue
            r = st.block.ready_fn()
            if r is not None:
                self._unpark(c)
                self._reply(c, r)

    def _on_timeout(self, c) -> None:
        st = c.blocked
        if st is None:
            return
        st.timer = None
        self._unpark(c)
        b = st.block
        self._reply(c, b.timeout_fn() if b.timeout_fn is not None else b.timeout_reply)

    def _reply(self, c, result, counted: bool = False) -> None:
        """Answer an unblocked client; an error reply is counted (errorstats,
        total_error_replies) unless ``counted`` (call() did)."""
        if isinstance(result, CommandError) and not counted:
            self.server.stats.count_error(result.message)
        data = encode_result(c, result) if not c.reply_mode else None
        conn = c.connection
        if conn is None:
            c.pending_reply = result  # in-process tests
            return
        if data is not None:
            conn.write(data)
        if c.after_reply:
            conn.write(b"".join(c.after_reply))
            c.after_reply.clear()
        if self.server.loop is not None:
            self.server.loop.call_soon(conn.resume_processing)

    # -- external release ----------------------------------------------------

    def unblock(self, c, error: bool) -> bool:
        """CLIENT UNBLOCK: True if the client was blocked."""
        st = c.blocked
        if st is None:
            return False
        self._unpark(c)
        # updateStatsOnUnblock(target, 0, 0, 1): Redis 7.0 counts a failed
        # call for either form of CLIENT UNBLOCK.
        st.spec.failed_calls += 1
        if error:
            self._reply(c, CommandError(E.UNBLOCKED))
        else:
            b = st.block
            self._reply(c, b.timeout_fn() if b.timeout_fn is not None else b.timeout_reply)
        return True

    def disconnect_all(self, message: str) -> None:
        """Redis's disconnectAllBlockedClients (a primary turning into a
        replica): every blocked client gets ``message`` as its error
        reply and is disconnected once it is written, so no command
        blocked on the primary is served by the stream of its new
        primary."""
        for c in list(self.server.clients.values()):
            if c.blocked is None:
                continue
            self._unpark(c)
            self._reply(c, CommandError(message))
            c.close_after_reply = True
            conn = c.connection
            if conn is not None:
                conn.close_after_output()

    def client_gone(self, c) -> None:
        self._unpark(c)
