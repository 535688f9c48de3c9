"""The primary's side of replication: replicas attached to this server.

A client becomes a replica with PSYNC (or SYNC). A partial resync answers
``+CONTINUE <replid>`` and the missing bytes from the backlog. A full resync
answers ``+FULLRESYNC <replid> <offset>`` and attaches the replica to a
``SnapshotJob``: a forked child writes the dataset as an RDB file (the
parent keeps serving), the stream written meanwhile is kept, and when the
child is done every replica of the job receives ``$<len>\\r\\n<rdb>`` (no
trailing CRLF) followed by that stream, then goes online. Replicas arriving
while a job runs share it.

Online replicas receive every byte the propagation funnel emits, in order;
the funnel knows them only as the subscriber function installed here.
"""

from __future__ import annotations

import os
import time

from ..client import FLAG_REPLICA, ONLINE, WAIT_BGSAVE, ReplicaState
from ..persistence.child import fork_child
from ..protocol.resp import encode_command


class SnapshotJob:
    """One forked RDB snapshot shared by the replicas waiting for it."""

    def __init__(self, primary, start_offset: int) -> None:
        self.primary = primary
        self.start_offset = start_offset
        self.replicas: list[ReplicaState] = []
        self.buffer = bytearray()  # stream written since the fork
        self.pid = 0
        self.path = ""
        self.started = time.time()

    def start(self) -> bool:
        server = self.primary.server
        self.path = os.path.abspath("temp-repl-%d-%d.rdb" % (os.getpid(), id(self) & 0xFFFF))
        dump = self.primary.dump_snapshot
        path = self.path

        def snapshot() -> int:  # pragma: no cover - runs in the child
            with open(path, "wb") as f:
                dump(f)
                f.flush()
                os.fsync(f.fileno())
            return 0

        try:
            pid = fork_child(server, snapshot, info=server.persistence.child_info)
        except OSError as e:
            server.log.warning("Can't fork for replication snapshot: %s" % e)
            return False
        self.pid = pid
        server.log.notice(
            "Starting BGSAVE for SYNC with target: disk (child %d)" % pid
        )
        return True


class Primary:
    """Replicas attached to this server and the snapshots they wait for."""

    def __init__(self, repl) -> None:
        self.repl = repl
        self.server = repl.server
        self.replicas: list[ReplicaState] = []
        self.job: SnapshotJob | None = None
        self._ack_requested = False
        self._subscribed = False

    def _subscribe(self) -> None:
        """Listen to the funnel only while replicas exist, so a server
        without replicas does not encode its writes for nobody."""
        if not self._subscribed:
            self.server.propagation.subscribe(self._on_stream)
            self._subscribed = True

    def _maybe_unsubscribe(self) -> None:
        if self._subscribed and not self.replicas and self.job is None:
            self.server.propagation.unsubscribe(self._on_stream)
            self._subscribed = False

    # -- snapshot I/O (through the persistence layer on the server) ----------

    def dump_snapshot(self, f) -> None:
        self.server.persistence.write_snapshot(f)

    # -- PSYNC / SYNC ---------------------------------------------------------

    def attach(self, c, replid: str, offset: int, psync: bool) -> None:
        """Handle PSYNC replid offset (psync=True) or SYNC."""
        server = self.server
        prop = server.propagation
        conn = c.connection
        st = c.repl or ReplicaState(c)
        c.repl = st
        self._subscribe()
        c.flags |= FLAG_REPLICA
        c.reply_mode = 1  # a replica gets only the stream
        if psync and self._can_continue(replid, offset):
            st.state = ONLINE
            st.ack_offset = offset - 1
            missing = prop.backlog.read_from(offset, prop.master_repl_offset) or b""
            conn.write(b"+CONTINUE %s\r\n" % self.repl.replid.encode())
            if missing:
                conn.write(missing)
            server.stats.sync_partial_ok += 1
            self.replicas.append(st)
            server.log.notice(
                "Partial resynchronization request from %s accepted. Sending %d bytes of backlog starting from offset %d."
                % (c.addr, len(missing), offset)
            )
            return
        if psync and replid != "?":
            server.stats.sync_partial_err += 1
        server.stats.sync_full += 1
        self.repl.ensure_backlog()
        job = self.job
        if job is None:
            job = SnapshotJob(self, prop.master_repl_offset)
            if not job.start():
                conn.write(b"-ERR Unable to perform background save\r\n")
                server.kill_client(c)
                return
            self.job = job
            server.loop.call_later(0.02, self._poll_job)
        st.job = job
        st.state = WAIT_BGSAVE
        st.start_offset = job.start_offset
        job.replicas.append(st)
        self.replicas.append(st)
        if psync:
            conn.write(b"+FULLRESYNC %s %d\r\n" % (self.repl.replid.encode(), job.start_offset))
        prop.force_select()
        server.log.notice("Replica %s asks for synchronization; full resync scheduled" % c.addr)

    def _can_continue(self, replid: str, offset: int) -> bool:
        repl = self.repl
        prop = self.server.propagation
        if replid == repl.replid:
            pass
        elif replid == repl.replid2 and offset <= repl.second_repl_offset:
            pass
        else:
            return False
        b = prop.backlog
        if not b.active:
            return False
        first = prop.master_repl_offset - b.histlen + 1
        return first <= offset <= prop.master_repl_offset + 1

    def _poll_job(self) -> None:
        job = self.job
        if job is None:
            return
        server = self.server
        try:
            pid, status = os.waitpid(job.pid, os.WNOHANG)
        except ChildProcessError:
            pid, status = job.pid, 1 << 8
        if pid == 0:
            server.loop.call_later(0.02, self._poll_job)
            return
        self.job = None
        self._maybe_unsubscribe()
        ok = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        server.persistence.child_info.child_done(job.pid, ok)
        if not ok:
            server.log.warning("Background RDB for replication failed")
            for st in job.replicas:
                server.kill_client(st.client)
            _unlink(job.path)
            return
        try:
            with open(job.path, "rb") as f:
                data = f.read()
        except OSError as e:
            server.log.warning("Can't read replication snapshot: %s" % e)
            for st in job.replicas:
                server.kill_client(st.client)
            return
        finally:
            _unlink(job.path)
        server.log.notice("Background RDB transfer terminated with success")
        tail = bytes(job.buffer)
        for st in job.replicas:
            c = st.client
            if c.closed:
                continue
            conn = c.connection
            # The snapshot is not output buffer for the limits; the stream after it is.
            conn.write_snapshot(b"$%d\r\n" % len(data))
            conn.write_snapshot(data)
            if tail:
                conn.write(tail)
            st.state = ONLINE
            st.job = None
            st.ack_time = time.time()
            server.log.notice("Synchronization with replica %s succeeded" % c.addr)

    # -- the stream -------------------------------------------------------------

    def _on_stream(self, data: bytes) -> None:
        job = self.job
        if job is not None:
            job.buffer += data
        for st in self.replicas:
            if st.state == ONLINE:
                # client-output-buffer-limit replica is applied by the connection.
                st.client.connection.write(data)

    def detach(self, c) -> None:
        st = c.repl
        if st is None:
            return
        if st in self.replicas:
            self.replicas.remove(st)
            self.server.log.notice("Connection with replica %s lost." % c.addr)
        if st.job is not None and st in st.job.replicas:
            st.job.replicas.remove(st)
        self._maybe_unsubscribe()

    def disconnect_all(self) -> None:
        for st in list(self.replicas):
            self.server.kill_client(st.client)
        self.replicas = []
        self._maybe_unsubscribe()

    # -- acks and WAIT -------------------------------------------------------------

    def on_ack(self, c, offset: int) -> None:
        st = c.repl
        if st is None:
            return
        if offset > st.ack_offset:
            st.ack_offset = offset
        st.ack_time = time.time()
        self.server.blocking.check_keyless()

    def count_acked(self, offset: int) -> int:
        return sum(1 for st in self.replicas if st.state == ONLINE and st.ack_offset >= offset)

    def request_ack(self) -> None:
        """Send one REPLCONF GETACK * to the replicas at the end of this
        event-loop turn, however many clients asked."""
        if self._ack_requested:
            return
        self._ack_requested = True
        self.server.loop.call_soon(self._send_getack)

    def _send_getack(self) -> None:
        self._ack_requested = False
        if self.replicas:
            self.server.propagation.feed(encode_command([b"REPLCONF", b"GETACK", b"*"]), control=True)

    # -- periodic -----------------------------------------------------------------

    def cron(self, tick: int, hz: int) -> None:
        server = self.server
        period = max(1, int(server.config.repl_ping_replica_period))
        # No PING while a FAILOVER with a timeout (or a cluster manual
        # failover) holds writes: it would move the offset the replicas
        # must reach (replicationCron).
        mf = server.cluster is not None and server.cluster.mf_end
        failover_pause = (self.repl.failover.end_ms or mf) and server.pause_mode is not None
        if tick % (period * hz) == 0 and any(st.state == ONLINE for st in self.replicas) and not failover_pause:
            server.propagation.feed(encode_command([b"PING"]), control=True)
        if tick % hz == 0:
            for st in self.replicas:
                if st.state != ONLINE:
                    st.client.connection.write(b"\n")  # keep the link alive while the snapshot is made

    def good_replicas(self, max_lag: int) -> int:
        """refreshGoodSlavesCount: online replicas whose last ACK is at most
        ``max_lag`` seconds old (whole seconds, as server.unixtime)."""
        now = int(time.time())
        return sum(1 for st in self.replicas if st.state == ONLINE and now - int(st.ack_time) <= max_lag)

    def info_lines(self) -> list[str]:
        out = ["connected_slaves:%d" % len(self.replicas)]
        cfg = self.server.config
        if cfg.min_replicas_to_write and cfg.min_replicas_max_lag:
            out.append("min_slaves_good_slaves:%d" % self.good_replicas(cfg.min_replicas_max_lag))
        now = time.time()
        for i, st in enumerate(self.replicas):
            out.append(
                "slave%d:ip=%s,port=%d,state=%s,offset=%d,lag=%d"
                % (i, st.ip(), st.listening_port, st.state, st.ack_offset, int(now - st.ack_time))
            )
        return out


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
