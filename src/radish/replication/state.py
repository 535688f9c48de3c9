"""Replication state of this server (``server.replication``): its role,
replication ids and offsets, the link to a primary when it is a replica,
the replicas attached to it, INFO replication and ROLE.

Offsets are the funnel's ``master_repl_offset``: on a primary the bytes it
has sent, on a replica the bytes of its primary's stream it has applied (it
feeds them to its own funnel, so both numbers are the same stream position).
"""

from __future__ import annotations

import asyncio
import io
import secrets
import time
from typing import Any

from .. import errors as E
from ..client import Client
from .failover import NO_FAILOVER, Failover
from .link import CONNECT, CONNECTED, CONNECTING, HANDSHAKE, SYNC, connect, make_master_client
from .primary import Primary


class ReplicationState:
    def __init__(self, server) -> None:
        self.server = server
        server.replication = self
        self.replid = server.replid
        self.replid2 = "0" * 40
        self.second_repl_offset = -1
        self.primary = Primary(self)
        self.failover = Failover(self)
        self.master_host: str | None = None
        self.master_port = 0
        self.link: Any = None  # the ReplicaLink while connected
        self.link_state = CONNECT
        self.master_client: Client | None = None
        self.last_io = 0.0
        self.down_since = 0.0
        self.read_offset = 0
        self.processed_offset = 0
        # Whether our replid/offset can seed a PSYNC: not for a fresh server
        # started as a replica; yes after a sync, or for a former primary.
        self.has_history = False
        self._connect_task: asyncio.Future | None = None
        self._retry_at = 0.0
        self._attempts = 0
        self._cron_ticks = 0
        self._newline_sent = 0
        server.client_closed_hooks.append(self.primary.detach)
        cfg = server.config
        if cfg.replicaof:
            host, port = cfg.replicaof
            self.set_master(host, int(port), startup=True)

    # -- role -------------------------------------------------------------

    def is_replica(self) -> bool:
        return self.master_host is not None

    def ensure_backlog(self) -> None:
        b = self.server.propagation.backlog
        if not b.active:
            b.active = True
            b.clear(self.server.propagation.master_repl_offset + 1)

    def shift_replid(self) -> None:
        """New history (promotion): keep the old id as replid2 so former
        siblings can continue from it."""
        prop = self.server.propagation
        self.replid2 = self.replid
        self.second_repl_offset = prop.master_repl_offset + 1
        self.replid = secrets.token_hex(20)
        self._sync_server_ids()

    def change_replid(self) -> None:
        """DEBUG CHANGE-REPL-ID: a new replication id and no second one
        (changeReplicationId + clearReplicationId2)."""
        self.replid = secrets.token_hex(20)
        self.replid2 = "0" * 40
        self.second_repl_offset = -1
        self._sync_server_ids()

    def _sync_server_ids(self) -> None:
        s = self.server
        s.replid, s.replid2, s.second_repl_offset = self.replid, self.replid2, self.second_repl_offset

    def set_master(self, host: str, port: int, startup: bool = False) -> None:
        """REPLICAOF host port. Clients blocked here are answered with
        -UNBLOCKED and disconnected first (replicationSetMaster's
        disconnectAllBlockedClients): once a replica, the stream of its
        primary would otherwise serve them, and a replica never
        propagates what they did."""
        server = self.server
        was_master = self.master_host is None
        if not startup:
            server.blocking.disconnect_all(E.UNBLOCKED_ROLE_CHANGE)
        self.master_host, self.master_port = host, port
        server.keyspace.is_replica = True
        server.propagation.replica = True  # own writes: to the AOF only
        server.propagation.primary_db = -1
        server.log.role = "S"  # the log lines' role mark, as Redis's
        if was_master and not startup:
            self.has_history = True  # continue from our own history (psync2)
        self._drop_link()
        if was_master:
            # Sub-replicas must resync with our new history.
            self.primary.disconnect_all()
        if self.master_client is None:
            self.master_client = make_master_client(server)
        self.link_state = CONNECT
        self.down_since = time.time()
        self._attempts = 0
        self._retry_at = 0.0
        server.log.notice("Connecting to MASTER %s:%d" % (host, port))
        if not startup and server.loop is not None:
            self._start_connect()

    def set_no_master(self) -> None:
        """REPLICAOF NO ONE: promote."""
        if self.master_host is None:
            return
        server = self.server
        self._drop_link()
        self.master_host = None
        self.master_port = 0
        server.keyspace.is_replica = False
        server.keyspace.replica_ttl_keys.clear()  # a primary expires every key itself
        server.propagation.replica = False
        server.log.role = "M"
        self.link_state = CONNECT
        self.shift_replid()
        self.ensure_backlog()
        # The primary's stream was forwarded as is: our own next write
        # states its database (sub-replicas, the AOF).
        server.propagation.force_select()

    def _drop_link(self) -> None:
        link = self.link
        self.link = None
        if link is not None:
            link.close()

    # -- connecting -------------------------------------------------------------

    def _start_connect(self) -> None:
        if self.master_host is None or self.link is not None:
            return
        if self._connect_task is not None and not self._connect_task.done():
            return
        self.link_state = CONNECTING
        self.last_io = time.time()  # the handshake's timeout counts from here
        self._attempts += 1
        self._connect_task = asyncio.ensure_future(connect(self, self.master_host, self.master_port))

    def _cancel_handshake(self) -> None:
        """cancelReplicationHandshake(reconnect=1): drop the connection
        attempt or the transfer under way and connect again at once."""
        self._drop_link()
        task = self._connect_task
        self._connect_task = None
        if task is not None and not task.done():
            task.cancel()
        self.link_state = CONNECT
        self.server.log.notice("Reconnecting to MASTER %s:%d after failure" % (self.master_host, self.master_port))
        self._start_connect()

    def link_connected(self, link) -> None:
        self.link = link
        self.link_state = HANDSHAKE
        self.server.log.notice("MASTER <-> REPLICA sync started")

    def link_failed(self) -> None:
        self.link_state = CONNECT
        self._retry_at = time.time() + min(5.0, 0.2 * self._attempts)

    def link_lost(self, link) -> None:
        if link is not self.link:
            return
        self.link = None
        if self.link_state == CONNECTED:
            self.down_since = time.time()
            self.server.log.notice("Connection with master lost.")
        self.link_state = CONNECT
        self._retry_at = time.time() + min(5.0, 0.1 * self._attempts)

    def psync_request(self) -> tuple[str, int]:
        """(replid, offset) for the PSYNC we send."""
        if not self.has_history:
            return "?", -1
        return self.replid, self.server.propagation.master_repl_offset + 1

    def discard_history(self) -> None:
        """+FULLRESYNC: our own history no longer seeds a PSYNC (Redis's
        replicationDiscardCachedMaster); a failed transfer retries with
        ``PSYNC ? -1``."""
        if self.has_history:
            self.has_history = False
            self.server.log.notice("Discarding previously cached master state.")

    # -- replication history in snapshots -------------------------------------

    def save_info(self) -> int | None:
        """rdbPopulateSaveInfo: the database the replication stream has
        selected when a snapshot made now should carry this server's
        replication id and offset, else None. A primary has a history once
        it has a backlog; a replica once it has synchronized (connected,
        or disconnected with its primary's state kept)."""
        if self.master_host is None:
            if not self.server.propagation.backlog.active:
                return None
            stream_db = self.server.propagation.stream_db
            # -1 (no write since a SELECT was forced): the next write
            # selects its database anyway.
            return 0 if stream_db == -1 else stream_db
        if self.has_history and self.master_client is not None:
            return self.master_client.db.id
        return None

    def restore_history(self, replid: str, offset: int, stream_db: int, *, expired_keys: list[tuple[int, bytes]]) -> None:
        """The replication history of the snapshot loaded at start-up
        (loadDataFromDisk). A replica takes it as its primary's cached
        state, so its first PSYNC asks to continue at ``offset + 1``
        (replicationCacheMasterUsingMyself), applying the stream in
        ``stream_db``. A primary keeps its new id, takes the old one as
        its second id valid up to ``offset + 1`` and starts a backlog
        there, so its replicas continue; the DELs of the expired keys it
        dropped while loading go first into that backlog."""
        server = self.server
        prop = server.propagation
        if self.master_host is not None:
            self.replid = replid
            self._sync_server_ids()
            prop.master_repl_offset = offset
            self.read_offset = self.processed_offset = offset
            self.has_history = True
            server.log.notice(
                "Before turning into a replica, using my own master parameters to synthesize a cached master: "
                "I may be able to synchronize with the new master with just a partial transfer."
            )
            if self.master_client is None:
                self.master_client = make_master_client(server)
            if 0 <= stream_db < len(server.keyspace.dbs):
                self.master_client.select(stream_db)
            return
        self.replid2 = replid
        self.second_repl_offset = offset + 1
        self._sync_server_ids()
        prop.master_repl_offset = offset
        prop.backlog.active = True
        prop.backlog.clear(offset + 1)
        if expired_keys:
            verb = b"UNLINK" if server.config.lazyfree_lazy_expire else b"DEL"
            for dbid, key in expired_keys:
                prop.propagate(dbid, [verb, key])
            prop.flush(wrap=False)

    def partial_resync_accepted(self, new_replid: str | None) -> None:
        if new_replid and new_replid != self.replid:
            self.server.log.warning("Master replication ID changed to %s" % new_replid)
            self.replid2 = self.replid
            self.second_repl_offset = self.server.propagation.master_repl_offset + 1
            self.replid = new_replid
            self._sync_server_ids()
            self.primary.disconnect_all()
        self.ensure_backlog()
        self._online()

    def loading_keepalive(self) -> None:
        """While a replica loads its primary's snapshot: a newline to the
        primary at most once a second (replicationSendNewlineToMaster),
        so the primary does not time this replica out meanwhile."""
        link = self.link
        if link is None or self.link_state != SYNC or link.transport is None or link.closed:
            return
        now = int(time.time())
        if now != self._newline_sent:
            self._newline_sent = now
            link.transport.write(b"\n")

    def full_resync_loaded(self, link, rdb: bytes, info) -> None:
        server = self.server
        replid, offset = info
        aof = server.aof
        if aof.enabled():
            # The AOF restarts from the new dataset (Redis's stopAppendOnly
            # before the load, restartAOFAfterSYNC after it).
            aof.stop()
        server.log.notice("MASTER <-> REPLICA sync: Flushing old data")
        server.keyspace.flushall(bool(server.config.replica_lazy_flush))  # replica-lazy-flush: EMPTYDB_ASYNC
        server.on_flush(-1)
        server.log.notice("MASTER <-> REPLICA sync: Loading DB in memory")
        try:
            server.persistence.load_snapshot(io.BytesIO(rdb), len(rdb))
        except Exception as e:  # a bad snapshot: drop the link and retry
            server.log.warning("Failed trying to load the MASTER synchronization DB from socket: %s" % e)
            link.close()
            if server.config.appendonly:
                aof.start()
            return
        prop = server.propagation
        prop.master_repl_offset = offset
        prop.backlog.active = True
        prop.backlog.clear(offset + 1)
        prop.force_select()
        self.replid = replid
        self.replid2 = "0" * 40
        self.second_repl_offset = -1
        self._sync_server_ids()
        self.has_history = True
        self.read_offset = offset
        self.processed_offset = offset
        assert self.master_client is not None  # made when the link started
        self.master_client.select(0)
        self.primary.disconnect_all()
        server.log.notice("MASTER <-> REPLICA sync: Finished with success")
        if server.config.appendonly:
            aof.start()
        self._online()

    def _online(self) -> None:
        self.link_state = CONNECTED
        self.last_io = time.time()
        self._attempts = 0
        assert self.master_client is not None
        self.master_client.db = self.server.keyspace.dbs[self.master_client.db.id]
        if self.link is not None:
            self.link.send_ack()

    # -- periodic ----------------------------------------------------------------------

    def cron(self) -> None:
        server = self.server
        self._cron_ticks += 1
        if self.failover.state != NO_FAILOVER:
            self.failover.update()
        hz = max(1, server.hz)
        now = time.time()
        if self.master_host is not None:
            if self.link is None and self.link_state == CONNECT and now >= self._retry_at:
                self._start_connect()
            timeout = server.config.repl_timeout
            # Whole seconds, as Redis compares server.unixtime stamps.
            idle = int(now) - int(self.last_io)
            if self.link_state in (CONNECTING, HANDSHAKE) and timeout and idle > timeout:
                # The primary accepted (or not yet) but stopped answering
                # the handshake.
                server.log.warning("Timeout connecting to the MASTER...")
                self._cancel_handshake()
            elif self.link_state == SYNC and timeout and idle > timeout:
                server.log.warning(
                    "Timeout receiving bulk data from MASTER... If the problem persists try to set the "
                    "'repl-timeout' parameter in redis.conf to a larger value."
                )
                self._cancel_handshake()
            elif self.link is not None and self.link_state == CONNECTED:
                if self._cron_ticks % hz == 0:
                    self.link.send_ack()
                if timeout and idle > timeout:
                    server.log.warning("MASTER timeout: no data nor PING received...")
                    self.link.close()
        self.primary.cron(self._cron_ticks, hz)

    def start(self) -> None:
        """Called once the event loop runs."""
        if self.master_host is not None:
            self._start_connect()

    # -- INFO / ROLE ---------------------------------------------------------------------

    def info_lines(self) -> list[str]:
        server = self.server
        prop = server.propagation
        b = prop.backlog
        out: list[str] = []
        if self.master_host is not None:
            up = self.link_state == CONNECTED
            out += [
                "role:slave",
                "master_host:%s" % self.master_host,
                "master_port:%d" % self.master_port,
                "master_link_status:%s" % ("up" if up else "down"),
                "master_last_io_seconds_ago:%d" % (int(time.time() - self.last_io) if self.last_io and up else -1),
                "master_sync_in_progress:%d" % int(self.link_state == SYNC),
                "slave_read_repl_offset:%d" % max(self.read_offset, prop.master_repl_offset),
                "slave_repl_offset:%d" % prop.master_repl_offset,
            ]
            if not up:
                out.append(
                    "master_link_down_since_seconds:%d"
                    % (int(time.time() - self.down_since) if self.down_since else -1)
                )
            out += [
                "slave_priority:%d" % server.config.replica_priority,
                "slave_read_only:%d" % int(bool(server.config.replica_read_only)),
                "replica_announced:1",
            ]
        else:
            out.append("role:master")
        out += self.primary.info_lines()
        out += [
            "master_failover_state:%s" % self.failover.state,
            "master_replid:%s" % self.replid,
            "master_replid2:%s" % self.replid2,
            "master_repl_offset:%d" % prop.master_repl_offset,
            "second_repl_offset:%d" % self.second_repl_offset,
            "repl_backlog_active:%d" % int(b.active),
            "repl_backlog_size:%d" % b.size,
            "repl_backlog_first_byte_offset:%d" % ((prop.master_repl_offset - b.histlen + 1) if b.active else 0),
            "repl_backlog_histlen:%d" % (b.histlen if b.active else 0),
        ]
        return out

    def role_reply(self) -> list:
        prop = self.server.propagation
        if self.master_host is None:
            return [
                b"master",
                prop.master_repl_offset,
                [
                    [st.ip().encode(), str(st.listening_port).encode(), str(st.ack_offset).encode()]
                    for st in self.primary.replicas
                    if st.state == "online"
                ],
            ]
        state = {CONNECT: b"connect", CONNECTING: b"connecting", HANDSHAKE: b"handshake", SYNC: b"sync", CONNECTED: b"connected"}[self.link_state]
        return [b"slave", self.master_host.encode(), self.master_port, state, prop.master_repl_offset if self.link_state == CONNECTED else -1]
