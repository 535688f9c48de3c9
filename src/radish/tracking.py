"""Client-side caching: CLIENT TRACKING's server side, as Redis 7.0's
tracking.c.

Default mode: after a read-only command of a tracking client, the keys it
read are remembered (key -> client ids); when such a key is modified, each
client that read it gets one ``invalidate`` message and the key is
forgotten. BCAST mode: nothing is remembered; every modified key under one
of the client's prefixes is collected and sent, batched per prefix, before
the round's replies go out. FLUSHDB/FLUSHALL send the null invalidation to
every tracking client. OPTIN/OPTOUT (CLIENT CACHING), NOLOOP, REDIRECT (to
a RESP3 connection, or a RESP2 one subscribed to ``__redis__:invalidate``),
``tracking-table-max-keys``.

Messages for the client whose command is running are queued on it
(``after_reply``) so they follow that command's reply, as Redis's
tracking_pending_keys do.

Sits beside the blocking registry: reached through ``server.tracking``;
dispatch calls ``remember`` after read-only commands of tracking clients.
"""

from __future__ import annotations

import random

from .client import (
    TRACKING_BCAST,
    TRACKING_BROKEN_REDIR,
    TRACKING_CACHING,
    TRACKING_NOLOOP,
    TRACKING_ON,
    TRACKING_OPTIN,
    TRACKING_OPTOUT,
)

_CHANNEL = b"__redis__:invalidate"
_ALL_FLAGS = (
    TRACKING_ON | TRACKING_BROKEN_REDIR | TRACKING_BCAST | TRACKING_OPTIN | TRACKING_OPTOUT | TRACKING_CACHING
    | TRACKING_NOLOOP
)  # fmt: skip


def _bulk(b: bytes) -> bytes:
    return b"$%d\r\n%b\r\n" % (len(b), b)


def _keys_array(keys: list[bytes]) -> bytes:
    return b"*%d\r\n" % len(keys) + b"".join(_bulk(k) for k in keys)


class Tracking:
    def __init__(self, server) -> None:
        self.server = server
        self.table: dict[bytes, set[int]] = {}  # key -> ids of clients that read it
        self.items = 0  # TrackingTableTotalItems
        # prefix -> (clients in BCAST mode for it, keys modified since the last broadcast -> who modified them)
        self.prefixes: dict[bytes, tuple[dict, dict[bytes, object]]] = {}
        self._over_limit_rounds = 0
        server.key_change_hooks.append((self.key_changed, lambda: bool(self.table) or bool(self.prefixes)))
        server.flush_hooks.append(self.flushed)
        server.client_closed_hooks.append(self.disable)
        server.before_reply_hooks.append(self.broadcast)

    # -- enabling ----------------------------------------------------------------------

    def enable(self, c, redirect: int, options: int, prefixes: list[bytes]) -> None:
        """enableTracking."""
        server = self.server
        if not c.tracking & TRACKING_ON:
            server.tracking_clients += 1
        c.tracking = (c.tracking | TRACKING_ON) & ~(
            TRACKING_BROKEN_REDIR | TRACKING_BCAST | TRACKING_OPTIN | TRACKING_OPTOUT | TRACKING_NOLOOP
        )
        c.tracking_redirect = redirect
        if options & TRACKING_BCAST:
            c.tracking |= TRACKING_BCAST
            for p in prefixes or [b""]:
                clients, _keys = self.prefixes.setdefault(p, ({}, {}))
                if c not in clients:
                    clients[c] = None
                    c.tracking_prefixes[p] = None
        c.tracking |= options & (TRACKING_OPTIN | TRACKING_OPTOUT | TRACKING_NOLOOP)
        server.refresh_key_hook()

    def disable(self, c) -> None:
        """disableTracking (also when the client goes away)."""
        if c.tracking & TRACKING_BCAST:
            for p in c.tracking_prefixes:
                clients, _keys = self.prefixes[p]
                clients.pop(c, None)
                if not clients:
                    del self.prefixes[p]
            c.tracking_prefixes = {}
        if c.tracking & TRACKING_ON:
            self.server.tracking_clients -= 1
            c.tracking = 0
            self.server.refresh_key_hook()

    def prefix_collision(self, c, prefixes: list[bytes]) -> str | None:
        """checkPrefixCollisionsOrReply: the error text, or None."""
        for i, p in enumerate(prefixes):
            for existing in c.tracking_prefixes:
                if _overlap(existing, p):
                    return (
                        "ERR Prefix '%s' overlaps with an existing prefix '%s'. Prefixes for a single client must "
                        "not overlap." % (_text(p), _text(existing))
                    )
            for other in prefixes[i + 1:]:
                if _overlap(p, other):
                    return (
                        "ERR Prefix '%s' overlaps with another provided prefix '%s'. Prefixes for a single client "
                        "must not overlap." % (_text(p), _text(other))
                    )
        return None

    # -- reads ---------------------------------------------------------------------------

    def remember(self, c, spec, args: list[bytes]) -> None:
        """trackingRememberKeys after a read-only command (``c`` is the
        caller of a script's read)."""
        flags = c.tracking
        if not flags & TRACKING_ON or flags & TRACKING_BCAST:
            return
        caching = flags & TRACKING_CACHING
        if (flags & TRACKING_OPTIN and not caching) or (flags & TRACKING_OPTOUT and caching):
            return
        if spec.pubsub:
            return
        try:
            refs = spec.key_refs(args)
        except Exception:  # unparsable movable keys: no keys
            return
        self.remember_keys(c, [args[pos] for pos, _flags in refs], checked=True)

    def remember_keys(self, c, keys: list[bytes], checked: bool = False) -> None:
        """Remember that ``c`` read ``keys`` (a script's declared keys when
        the script read something)."""
        if not checked:
            flags = c.tracking
            if not flags & TRACKING_ON or flags & TRACKING_BCAST:
                return
            caching = flags & TRACKING_CACHING
            if (flags & TRACKING_OPTIN and not caching) or (flags & TRACKING_OPTOUT and caching):
                return
        table = self.table
        was_empty = not table
        cid = c.id
        for key in keys:
            ids = table.get(key)
            if ids is None:
                ids = table[key] = set()
            if cid not in ids:
                ids.add(cid)
                self.items += 1
        if was_empty and table:
            self.server.refresh_key_hook()

    # -- writes --------------------------------------------------------------------------

    def key_changed(self, db, key: bytes) -> None:
        """trackingInvalidateKey (from signalModifiedKey). The change is
        the running client's (NOLOOP skips it) unless the key expired;
        messages for the running client follow its reply either way."""
        running = self._current()
        # Outside a command's execution (eviction before it runs) the
        # change is nobody's and its messages go out at once, as Redis's
        # trackingInvalidateKey checks CLIENT_EXECUTING_COMMAND.
        executing = self.server.executing
        if not executing:
            running = None
        modifier = None if self.server.keyspace.expiring else running
        if self.prefixes:
            for p, (_clients, keys) in self.prefixes.items():
                if key.startswith(p):
                    keys[key] = modifier
        ids = self.table.pop(key, None)
        if ids is None:
            return
        self.items -= len(ids)
        clients = self.server.clients
        for cid in ids:
            target = clients.get(cid)
            if target is None or not target.tracking & TRACKING_ON or target.tracking & TRACKING_BCAST:
                continue
            if target.tracking & TRACKING_NOLOOP and target is modifier:
                continue
            self.send(target, _keys_array([key]), target is running)
        if not self.table and not self.prefixes:
            self.server.refresh_key_hook()

    def flushed(self, dbid: int) -> None:
        """trackingInvalidateKeysOnFlush: every tracking client gets the
        null invalidation; the table is emptied."""
        if self.server.tracking_clients:
            current = self._current()
            for c in list(self.server.clients.values()):
                if c.tracking & TRACKING_ON:
                    self.send(c, None, c is current)
        if self.table:
            self.table = {}
            self.items = 0
            self.server.refresh_key_hook()

    def limit(self) -> None:
        """trackingLimitUsedSlots: over tracking-table-max-keys, forget keys
        (their readers are told, as if the keys had changed)."""
        max_keys = self.server.config.tracking_table_max_keys
        if not max_keys or len(self.table) <= max_keys:
            self._over_limit_rounds = 0
            return
        effort = 100 * (self._over_limit_rounds + 1)
        keys = list(self.table)
        while effort > 0 and keys:
            effort -= 1
            key = keys.pop(random.randrange(len(keys)))
            self._invalidate_only(key)
            if len(self.table) <= max_keys:
                self._over_limit_rounds = 0
                return
        self._over_limit_rounds += 1

    def _invalidate_only(self, key: bytes) -> None:
        ids = self.table.pop(key, None) or set()
        self.items -= len(ids)
        for cid in ids:
            target = self.server.clients.get(cid)
            if target is not None and target.tracking & TRACKING_ON and not target.tracking & TRACKING_BCAST:
                self.send(target, _keys_array([key]), False)

    def broadcast(self) -> None:
        """trackingBroadcastInvalidationMessages: each prefix's collected
        keys to its clients (NOLOOP ones without the keys they changed)."""
        if not self.prefixes or not self.server.tracking_clients:
            return
        for _p, (clients, keys) in self.prefixes.items():
            if not keys:
                continue
            everything = _keys_array(sorted(keys))
            for c in list(clients):
                if c.tracking & TRACKING_NOLOOP:
                    mine = [k for k in sorted(keys) if keys[k] is not c]
                    if mine:
                        self.send(c, _keys_array(mine), False)
                else:
                    self.send(c, everything, False)
            keys.clear()

    # -- messages ------------------------------------------------------------------------

    def send(self, c, keys_proto: bytes | None, deferred: bool) -> None:
        """sendTrackingMessage: ``keys_proto`` is the RESP array of keys,
        None for the null invalidation (all keys)."""
        target = c
        redirected = False
        if c.tracking_redirect:
            redir = self.server.clients.get(c.tracking_redirect)
            if redir is not None and (redir.close_after_reply or redir.connection is not None and redir.connection.closing):
                redir = None  # going away (QUIT, killed): Redis has already freed it
            if redir is None:
                c.tracking |= TRACKING_BROKEN_REDIR
                if c.resp3:
                    self._write(c, b">2\r\n$21\r\ntracking-redir-broken\r\n:%d\r\n" % c.tracking_redirect, deferred)
                return
            target = redir
            redirected = True
            deferred = deferred and redir is c
        if target.resp3:
            payload = keys_proto if keys_proto is not None else b"_\r\n"
            self._write(target, b">2\r\n$10\r\ninvalidate\r\n" + payload, deferred)
        elif redirected and target.subscribed():
            payload = keys_proto if keys_proto is not None else b"$-1\r\n"
            self._write(target, b"*3\r\n$7\r\nmessage\r\n" + _bulk(_CHANNEL) + payload, deferred)

    @staticmethod
    def _write(c, data: bytes, deferred: bool) -> None:
        if deferred:
            c.after_reply.append(data)
            return
        conn = c.connection
        if conn is not None and not c.closed:
            conn.write(data)

    def _current(self):
        """The client whose command is running (Redis's current_client)."""
        return self.server.current_client

    # -- INFO ----------------------------------------------------------------------------

    def total_keys(self) -> int:
        return len(self.table)

    def total_prefixes(self) -> int:
        return len(self.prefixes)


def _overlap(a: bytes, b: bytes) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def _text(b: bytes) -> str:
    return b.decode("utf-8", "replace")
