"""Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.

The dispatcher queues commands while a client is in MULTI (flagging the
transaction when a command is rejected at queue time); EXEC runs the queue
through the same ``call()`` as any command, so every write is propagated and
the funnel wraps two or more of them in MULTI/EXEC. WATCH is optimistic
locking: any write to a watched key (``Database.signal_modified``), a flush
or SWAPDB touching it, or its expiry since WATCH, makes EXEC answer a null
array.
"""

from __future__ import annotations

from .. import errors as E
from ..client import FLAG_DIRTY_CAS, FLAG_MULTI, Client
from ..errors import CommandError
from ..protocol.resp import NULL_ARRAY, OK, ErrorReply
from .acl import check_command as check_acl
from .acl_users import CTX_MULTI
from .registry import KeySpec, command


class WatchRegistry:
    """(dbid, key) -> the clients watching it, in the order they did (a
    dict used as an ordered set). Each client's ``watched`` maps (dbid,
    key) to Redis's ``expired`` flag: the key was already logically
    expired when watched (or became so by SWAPDB), so that its deletion is
    no change, and its expiry since is not one either."""

    def __init__(self, server) -> None:
        self.server = server
        self.by_key: dict[tuple[int, bytes], dict] = {}
        server.key_change_hooks.append((self.key_changed, lambda: bool(self.by_key)))
        server.client_closed_hooks.append(self.unwatch_all)

    def watch(self, c, key: bytes) -> None:
        if c.watched is None:
            c.watched = {}
        k = (c.db.id, key)
        if k in c.watched:
            return
        c.watched[k] = c.db.is_expired(key)
        was_empty = not self.by_key
        self.by_key.setdefault(k, {})[c] = None
        if was_empty:
            self.server.refresh_key_hook()

    def unwatch_all(self, c) -> None:
        if not c.watched:
            c.watched = None
            return
        for k in c.watched:
            s = self.by_key.get(k)
            if s is not None:
                s.pop(c, None)
                if not s:
                    del self.by_key[k]
        if not self.by_key:
            self.server.refresh_key_hook()
        c.watched = None
        c.flags &= ~FLAG_DIRTY_CAS

    def key_changed(self, db, key: bytes) -> None:
        """touchWatchedKey."""
        if not self.by_key:
            return
        k = (db.id, key)
        s = self.by_key.get(k)
        if not s:
            return
        for c in list(s):
            if c.watched.get(k):
                # Watched while already expired: its deletion is no change
                # (the flag goes); anything else ends the walk, as in
                # Redis 7.0 (the clients after it are not flagged).
                if key not in db.data:
                    c.watched[k] = False
                    continue
                break
            c.flags |= FLAG_DIRTY_CAS

    def touch_all_in_db(self, emptied, replaced_with) -> None:
        """touchAllWatchedKeysInDb, before ``emptied`` is flushed (then
        ``replaced_with`` is None) or swapped with ``replaced_with``: the
        watchers of a key that exists in either are flagged, except where
        the change is only between a deleted and an expired key."""
        if not self.by_key:
            return
        other = None if replaced_with is None else replaced_with.data
        for (kdb, key), clients in list(self.by_key.items()):
            if kdb != emptied.id:
                continue
            exists = key in emptied.data
            if not exists and (other is None or key not in other):
                continue
            k = (kdb, key)
            for c in list(clients):
                if c.watched.get(k):
                    if other is None or key not in other:
                        c.watched[k] = False  # an expired key now deleted: no change
                        continue
                    if replaced_with.is_expired(key):
                        continue  # an expired key stays expired
                elif not exists and replaced_with.is_expired(key):
                    c.watched[k] = True  # nothing replaced by an expired key
                    continue
                c.flags |= FLAG_DIRTY_CAS

    def expired_since_watch(self, c) -> bool:
        for (dbid, key), was_expired in (c.watched or {}).items():
            if not was_expired and self.server.keyspace.dbs[dbid].is_expired(key):
                return True
        return False


def discard_transaction(c) -> None:
    """Leave MULTI: the queue, its error flag and the WATCHes go."""
    c.multi_queue = None
    c.multi_error = False
    c.flags &= ~FLAG_MULTI
    c.server.watch_registry.unwatch_all(c)


@command("multi", 1, "noscript loading stale fast allow_busy", acl="transaction", group="transactions", since="1.2.0", summary="Mark the start of a transaction block", complexity="O(1)")
def multi(c: Client, args: list[bytes]):
    """Format: MULTI"""
    if c.multi_queue is not None:
        raise CommandError(E.MULTI_NESTED)
    c.multi_queue = []
    c.multi_error = False
    c.flags |= FLAG_MULTI
    return OK


@command("exec", 1, "noscript loading stale skip_slowlog", acl="transaction", group="transactions", since="1.2.0", summary="Execute all commands issued after MULTI", complexity="Depends on commands in the transaction")
def exec_(c: Client, args: list[bytes]):
    """Format: EXEC"""
    if c.multi_queue is None:
        raise CommandError(E.EXEC_WITHOUT_MULTI)
    queue = c.multi_queue
    reg = c.server.watch_registry
    if c.multi_error:
        discard_transaction(c)
        c.propagate_as = []
        raise CommandError(E.EXECABORT)
    if c.flags & FLAG_DIRTY_CAS or reg.expired_since_watch(c):
        discard_transaction(c)
        c.propagate_as = []
        return NULL_ARRAY
    c.multi_queue = None
    c.flags &= ~FLAG_MULTI
    reg.unwatch_all(c)
    results = []
    user = c.user
    c.no_block = True
    c.server.in_exec = True  # server.in_exec: config hooks can tell (CONFIG SET appendonly)
    try:
        for spec, qargs in queue:
            # ACL rules may have changed since the command was queued.
            if user is not None and not user.unrestricted:
                denied = check_acl(c, spec, qargs, CTX_MULTI)
                if denied:
                    msg = E.NOPERM_EXEC % E.NOPERM_EXEC_REASONS.get(denied, "no permission")
                    c.server.stats.count_error(msg)
                    results.append(ErrorReply(msg))
                    continue
            # No write checks here: process_command refused the whole EXEC
            # (EXECABORT) if its writes could not run, and a state change
            # made by the transaction itself (REPLICAOF …) does not stop the
            # rest of it, as in Redis 7.0.
            r = c.server.call(c, spec, qargs)
            if isinstance(r, CommandError):
                r = ErrorReply(r.message)
            results.append(r)
    finally:
        c.no_block = False
        c.server.in_exec = False
    c.propagate_as = []  # EXEC itself is not propagated; its writes were.
    return results


@command("discard", 1, "noscript loading stale fast allow_busy", acl="transaction", group="transactions", since="2.0.0", summary="Discard all commands issued after MULTI", complexity="O(N), when N is the number of queued commands")
def discard(c: Client, args: list[bytes]):
    """Format: DISCARD"""
    if c.multi_queue is None:
        raise CommandError(E.DISCARD_WITHOUT_MULTI)
    discard_transaction(c)
    return OK


@command("watch", -2, "noscript loading stale fast allow_busy", acl="transaction", keys=(1, -1, 1), key_specs=(KeySpec("RO", index=1, lastkey=-1),), group="transactions", since="2.2.0", summary="Watch the given keys to determine execution of the MULTI/EXEC block", complexity="O(1) for every key.")
def watch(c: Client, args: list[bytes]):
    """Format: WATCH key [key ...]"""
    if c.multi_queue is not None:
        raise CommandError(E.WATCH_IN_MULTI)
    reg = c.server.watch_registry
    for key in args[1:]:
        reg.watch(c, key)
    return OK


@command("unwatch", 1, "noscript loading stale fast allow_busy", acl="transaction", group="transactions", since="2.2.0", summary="Forget about all watched keys", complexity="O(1)")
def unwatch(c: Client, args: list[bytes]):
    """Format: UNWATCH"""
    c.server.watch_registry.unwatch_all(c)
    return OK
