"""FAILOVER: Redis 7.0's coordinated failover of a primary to one of its
replicas (replication.c's failoverCommand, updateFailoverStatus,
abortFailover, clearFailoverState).

The primary pauses writes (a pause of its own purpose, so CLIENT UNPAUSE
does not end it), waits until a replica, or the one named with TO, has
acknowledged the whole stream, then becomes a replica of it. Its link then
sends ``PSYNC <replid> <offset> FAILOVER``, which makes the target promote
itself (syncCommand) and continue the old primary's history; the failover
ends when that PSYNC is answered with +CONTINUE or +FULLRESYNC, and is
undone (the server is a primary again) when it is refused. With a TIMEOUT
the wait gives up (or, with FORCE, fails over to the target anyway).

Imports nothing above the replication layer; the server is reached through
``repl.server``.
"""

from __future__ import annotations

import time

NO_FAILOVER = "no-failover"
WAIT_FOR_SYNC = "waiting-for-sync"
IN_PROGRESS = "failover-in-progress"

# A pause that only the failover's end lifts (Redis's LLONG_MAX end time).
_FOREVER_MS = float(2**62)


class Failover:
    def __init__(self, repl) -> None:
        self.repl = repl
        self.state = NO_FAILOVER
        self.end_ms = 0.0  # 0: no timeout
        self.force = False
        self.target_host: str | None = None
        self.target_port = 0

    def running(self) -> bool:
        """A failover is under way (FAILOVER's own checks, REPLICAOF, SYNC)."""
        return self.state != NO_FAILOVER

    def find_replica(self, host: str, port: int):
        """findReplica: the attached replica announcing ``host``:``port``."""
        for st in self.repl.primary.replicas:
            if st.ip().lower() == host.lower() and st.listening_port == port:
                return st
        return None

    def start(self, host: str | None, port: int, timeout_ms: int, force: bool) -> None:
        """The checks are the command's; this is the state change."""
        log = self.repl.server.log
        if host is not None:
            self.target_host, self.target_port = host, port
            log.notice("FAILOVER requested to %s:%d." % (host, port))
        else:
            log.notice("FAILOVER requested to any replica.")
        if timeout_ms:
            self.end_ms = time.time() * 1000 + timeout_ms
        self.force = force
        self.state = WAIT_FOR_SYNC
        self.repl.server.pause_clients("write", _FOREVER_MS, purpose="failover")

    def clear(self) -> None:
        """clearFailoverState: over (either way); writes run again."""
        self.end_ms = 0.0
        self.force = False
        self.target_host = None
        self.target_port = 0
        self.state = NO_FAILOVER
        self.repl.server.unpause_clients(purpose="failover")

    def abort(self, err: str) -> None:
        """abortFailover: a failover under way stops; one that already made
        this server a replica makes it a primary again."""
        if self.state == NO_FAILOVER:
            return
        log = self.repl.server.log
        if self.target_host is not None:
            log.notice("FAILOVER to %s:%d aborted: %s" % (self.target_host, self.target_port, err))
        else:
            log.notice("FAILOVER to any replica aborted: %s" % err)
        if self.state == IN_PROGRESS:
            self.repl.set_no_master()
        self.clear()

    def update(self) -> None:
        """updateFailoverStatus (the replication cron, every 100 ms while a
        failover waits): time out, or fail over to a replica that has
        acknowledged everything."""
        if self.state != WAIT_FOR_SYNC:
            return
        repl = self.repl
        now = time.time() * 1000
        if self.end_ms and self.end_ms <= now:
            if self.force:
                repl.server.log.notice(
                    "FAILOVER to %s:%d time out exceeded, failing over." % (self.target_host, self.target_port)
                )
                self.state = IN_PROGRESS
                assert self.target_host is not None  # FORCE requires TO
                repl.set_master(self.target_host, self.target_port)
            else:
                self.abort("Replica never caught up before timeout")
            return
        offset = repl.server.propagation.master_repl_offset
        replica = None
        if self.target_host is not None:
            replica = self.find_replica(self.target_host, self.target_port)
        else:
            for st in repl.primary.replicas:
                if st.ack_offset == offset:
                    replica = st
                    self.target_host, self.target_port = st.ip(), st.listening_port
                    break
        if replica is not None and replica.ack_offset == offset:
            self.state = IN_PROGRESS
            repl.server.log.notice(
                "Failover target %s:%d is synced, failing over." % (self.target_host, self.target_port)
            )
            assert self.target_host is not None
            repl.set_master(self.target_host, self.target_port)

    def psync_answered(self, accepted: bool) -> bool:
        """The old primary's PSYNC FAILOVER was answered: with +CONTINUE or
        +FULLRESYNC the failover is done; otherwise it is undone (False:
        the link must stop)."""
        if self.state != IN_PROGRESS:
            return True
        if accepted:
            self.clear()
            return True
        self.abort("Failover target rejected psync request")
        return False
