"""Cluster state: the node table, slot ownership, epochs, nodes.conf, and
what the bus messages do to them (Redis 7.0's cluster.c).

``ClusterState`` is ``server.cluster`` when ``cluster-enabled yes``. The
command handlers (commands/cluster_cmds.py) and the dispatcher's redirect
step reach it through the server object; the links that carry bus
messages live in bus.py and call ``process_packet`` with each message.
Times are unix milliseconds.
"""

from __future__ import annotations

import fcntl
import os
import random
import secrets
import time
from itertools import groupby
from typing import Any

from ..db.slots import CLUSTER_SLOTS
from . import messages as M

# Node flags (CLUSTER_NODE_*).
MASTER = 1
SLAVE = 2
PFAIL = 4
FAIL = 8
MYSELF = 16
HANDSHAKE = 32
NOADDR = 64
MEET = 128
MIGRATE_TO = 256
NOFAILOVER = 512

_FLAG_NAMES = ((MYSELF, "myself"), (MASTER, "master"), (SLAVE, "slave"), (PFAIL, "fail?"), (FAIL, "fail"),
               (HANDSHAKE, "handshake"), (NOADDR, "noaddr"), (NOFAILOVER, "nofailover"))
_FLAG_BY_NAME = {name: bit for bit, name in _FLAG_NAMES}

CLUSTER_OK = 0
CLUSTER_FAIL = 1
PORT_INCR = 10000
FAIL_REPORT_VALIDITY_MULT = 2
FAIL_UNDO_TIME_MULT = 2
WRITABLE_DELAY = 2000
MIN_REJOIN_DELAY = 500
MAX_REJOIN_DELAY = 5000
BLACKLIST_TTL = 60

# todo_before_sleep bits.
TODO_UPDATE_STATE = 1
TODO_SAVE_CONFIG = 2
TODO_FSYNC_CONFIG = 4
TODO_HANDLE_FAILOVER = 8
TODO_HANDLE_MANUALFAILOVER = 16

# Failover (cluster.h).
MF_TIMEOUT = 5000  # CLUSTER_MF_TIMEOUT: ms to do a manual failover
MF_PAUSE_MULT = 2  # the primary pauses its writers for MF_TIMEOUT * this
SLAVE_MIGRATION_DELAY = 5000
CANT_FAILOVER_NONE, CANT_FAILOVER_DATA_AGE, CANT_FAILOVER_WAITING_DELAY, CANT_FAILOVER_EXPIRED, \
    CANT_FAILOVER_WAITING_VOTES = range(5)
CANT_FAILOVER_RELOG_PERIOD = 60 * 5  # seconds
_CANT_FAILOVER_MSG = {
    CANT_FAILOVER_DATA_AGE: "Disconnected from master for longer than allowed. Please check the "
                            "'cluster-replica-validity-factor' configuration option.",
    CANT_FAILOVER_WAITING_DELAY: "Waiting the delay before I can start a new failover.",
    CANT_FAILOVER_EXPIRED: "Failover attempt expired.",
    CANT_FAILOVER_WAITING_VOTES: "Waiting for votes, but majority still not reached.",
}


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def random_name() -> str:
    return secrets.token_hex(20)


def valid_name(name: str) -> bool:
    return len(name) == M.NAMELEN and all("a" <= ch <= "z" or "0" <= ch <= "9" for ch in name)


def flags_repr(flags: int) -> str:
    names = [name for bit, name in _FLAG_NAMES if flags & bit]
    return ",".join(names) if names else "noflags"


class Node:
    """One node of the cluster (clusterNode)."""

    def __init__(self, name: str | None, flags: int) -> None:
        self.name = name if name is not None else random_name()
        self.flags = flags
        self.ctime = now_ms()
        self.config_epoch = 0
        self.slots = bytearray(M.SLOT_BYTES)
        self.numslots = 0
        self.slaves: list[Node] = []
        self.slaveof: Node | None = None
        self.last_in_ping_gossip = 0
        self.ping_sent = 0
        self.pong_received = 0
        self.data_received = 0
        self.fail_time = 0
        self.voted_time = 0
        self.repl_offset_time = 0
        self.repl_offset = 0
        self.ip = ""
        self.hostname = ""
        self.port = 0
        self.pport = 0
        self.cport = 0
        self.link: Any = None  # outbound bus link (bus.Link)
        self.inbound_link: Any = None
        self.fail_reports: dict[Node, int] = {}
        self.orphaned_time = 0

    def is_master(self) -> bool:
        return bool(self.flags & MASTER)

    def is_slave(self) -> bool:
        return bool(self.flags & SLAVE)

    def has_slot(self, slot: int) -> bool:
        return bool(self.slots[slot >> 3] & (1 << (slot & 7)))

    def slot_ranges(self) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        start = -1
        slots = self.slots
        for j in range(CLUSTER_SLOTS + 1):
            bit = j < CLUSTER_SLOTS and slots[j >> 3] & (1 << (j & 7))
            if bit:
                if start < 0:
                    start = j
            elif start >= 0:
                out.append((start, j - 1))
                start = -1
        return out


def add_slave(master: Node, slave: Node) -> None:
    """clusterNodeAddSlave: a primary that had replicas is a target of
    replica migration (MIGRATE_TO)."""
    if slave not in master.slaves:
        master.slaves.append(slave)
    master.flags |= MIGRATE_TO


def _test_bit(bitmap: bytes, slot: int) -> bool:
    return bool(bitmap[slot >> 3] & (1 << (slot & 7)))


class ClusterState:
    """server.cluster: Redis's clusterState plus myself."""

    def __init__(self, server) -> None:
        self.server = server
        self.log = server.log
        cfg = server.config
        self.config = cfg
        self.current_epoch = 0
        self.last_vote_epoch = 0
        self.state = CLUSTER_FAIL
        self.size = 1
        self.nodes: dict[str, Node] = {}
        self.blacklist: dict[str, float] = {}
        self.slots: list[Node | None] = [None] * CLUSTER_SLOTS
        self.migrating: dict[int, Node] = {}
        self.importing: dict[int, Node] = {}
        self.owner_not_claiming = bytearray(M.SLOT_BYTES)
        self.stats_sent = [0] * M.TYPE_COUNT
        self.stats_received = [0] * M.TYPE_COUNT
        self.stats_pfail_nodes = 0
        self.stats_links_buffer_limit_exceeded = 0  # links freed by cluster-link-sendbuf-limit
        self.links_memory = 0  # what the links' buffers held at the last cron (INFO mem_cluster_links)
        self.todo = 0
        self.todo_scheduled = False
        self.first_update_ms = 0
        self.among_minority_ms = 0
        self.iteration = 0
        self.pings_sent = 0
        self.lock_fd = -1
        self.bus: Any = None  # bus.Bus, once listening
        self.myself: Node = Node(None, MYSELF | MASTER)  # replaced by init()
        # Elections (clusterState's failover_auth_*), as a replica.
        self.failover_auth_time = 0
        self.failover_auth_count = 0
        self.failover_auth_sent = False
        self.failover_auth_rank = 0
        self.failover_auth_epoch = 0
        self.cant_failover_reason = CANT_FAILOVER_NONE
        self.cant_failover_lastlog = 0.0
        # Manual failover (mf_*): on a replica, mf_end is when the attempt
        # is given up and mf_master_offset the offset its paused primary
        # announced; on a primary, mf_slave is the replica it paused for.
        self.mf_end = 0
        self.mf_can_start = False
        self.mf_slave: Node | None = None
        self.mf_master_offset = -1
        self.mf_recheck_pending = False

    # -- start-up, nodes.conf --------------------------------------------------

    @property
    def config_path(self) -> str:
        f = self.config.cluster_config_file
        return f if os.path.isabs(f) else os.path.join(self.config.dir, f)

    def init(self) -> None:
        """clusterInit (before listening): lock and load nodes.conf, or
        create myself and write it. Raises SystemExit as Redis exits."""
        self.lock_config()
        if not self.load_config():
            self.myself = Node(None, MYSELF | MASTER)
            self.nodes = {self.myself.name: self.myself}
            self.log.notice("No cluster configuration found, I'm %s" % self.myself.name)
            self.save_config_or_die()
        port = self.config.port
        if not self.config.cluster_port and port > 65535 - PORT_INCR:
            self.log.warning(
                "Redis port number too high. Cluster communication port is 10,000 port numbers higher "
                "than your Redis port. Your Redis port number must be 55535 or less.")
            raise SystemExit(1)
        self.update_myself_announced()

    def update_myself_announced(self) -> None:
        """deriveAnnouncedPorts, clusterUpdateMyselfIp/Hostname/Flags."""
        cfg = self.config
        me = self.myself
        port = cfg.port
        me.port = cfg.cluster_announce_port or port
        me.pport = 0
        me.cport = cfg.cluster_announce_bus_port or cfg.cluster_port or port + PORT_INCR
        if cfg.cluster_announce_ip:
            me.ip = cfg.cluster_announce_ip
        me.hostname = cfg.cluster_announce_hostname or ""
        nofailover = NOFAILOVER if cfg.cluster_replica_no_failover else 0
        me.flags = (me.flags & ~NOFAILOVER) | nofailover

    def bus_port(self) -> int:
        return self.config.cluster_port or self.config.port + PORT_INCR

    def lock_config(self) -> None:
        path = self.config_path
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
        except OSError as e:
            self.log.warning("Can't open %s in order to acquire a lock: %s" % (path, e.strerror))
            raise SystemExit(1) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            os.close(fd)
            if e.errno in (11, 35):  # EWOULDBLOCK
                self.log.warning(
                    "Sorry, the cluster configuration file %s is already used by a different Redis Cluster "
                    "node. Please make sure that different nodes use different cluster configuration files."
                    % self.config.cluster_config_file)
            else:
                self.log.warning("Impossible to lock %s: %s" % (path, e.strerror))
            raise SystemExit(1) from None
        self.lock_fd = fd

    def release(self) -> None:
        if self.lock_fd >= 0:
            os.close(self.lock_fd)
            self.lock_fd = -1

    def load_config(self) -> bool:
        """clusterLoadConfig: False when there is no file (or it is empty)."""
        path = self.config_path
        try:
            with open(path, "rb") as f:
                content = f.read()
        except FileNotFoundError:
            return False
        except OSError as e:
            self.log.warning("Loading the cluster node config from %s: %s" % (path, e.strerror))
            raise SystemExit(1) from None
        if not content:
            return False
        myself = None
        try:
            for raw in content.decode("latin-1").split("\n"):
                argv = raw.split()
                if not argv:
                    continue
                if argv[0].lower() == "vars":
                    if len(argv) % 2 == 0:
                        raise ValueError
                    for j in range(1, len(argv), 2):
                        if argv[j].lower() == "currentepoch":
                            self.current_epoch = int(argv[j + 1])
                        elif argv[j].lower() == "lastvoteepoch":
                            self.last_vote_epoch = int(argv[j + 1])
                        else:
                            self.log.warning("Skipping unknown cluster config variable '%s'" % argv[j])
                    continue
                if len(argv) < 8 or not valid_name(argv[0]):
                    raise ValueError
                n = self.nodes.get(argv[0])
                if n is None:
                    n = Node(argv[0], 0)
                    self.nodes[n.name] = n
                addr = argv[1]
                if "," in addr:
                    addr, n.hostname = addr.split(",", 1)
                else:
                    n.hostname = ""
                if ":" not in addr:
                    raise ValueError
                ip, port = addr.rsplit(":", 1)
                n.ip = ip
                if "@" in port:
                    port, bus = port.split("@", 1)
                    n.port = int(port)
                    n.cport = int(bus)
                else:
                    n.port = int(port)
                    n.cport = n.port + PORT_INCR
                for flag in argv[2].split(","):
                    fl = flag.lower()
                    if fl == "myself":
                        myself = n
                        n.flags |= MYSELF
                    elif fl == "noflags":
                        pass
                    elif fl in _FLAG_BY_NAME:
                        n.flags |= _FLAG_BY_NAME[fl]
                        if fl == "fail":
                            n.fail_time = now_ms()
                    else:
                        raise ValueError
                if argv[3][0] != "-":
                    if not valid_name(argv[3]):
                        raise ValueError
                    master = self.nodes.get(argv[3])
                    if master is None:
                        master = Node(argv[3], 0)
                        self.nodes[master.name] = master
                    n.slaveof = master
                    add_slave(master, n)
                if int(argv[4]):
                    n.ping_sent = now_ms()
                if int(argv[5]):
                    n.pong_received = now_ms()
                n.config_epoch = 0 if (n.is_slave() and n.slaveof) else int(argv[6])
                for spec in argv[8:]:
                    if spec.startswith("["):
                        slot_s, rest = spec[1:].split("-", 1)
                        direction = rest[0]
                        slot = int(slot_s)
                        other = rest[2:].rstrip("]")
                        if not 0 <= slot < CLUSTER_SLOTS or not valid_name(other):
                            raise ValueError
                        cn = self.nodes.get(other)
                        if cn is None:
                            cn = Node(other, 0)
                            self.nodes[cn.name] = cn
                        (self.migrating if direction == ">" else self.importing)[slot] = cn
                        continue
                    if "-" in spec:
                        a, b = spec.split("-", 1)
                        start, stop = int(a), int(b)
                    else:
                        start = stop = int(spec)
                    if not (0 <= start < CLUSTER_SLOTS and 0 <= stop < CLUSTER_SLOTS):
                        raise ValueError
                    for s in range(start, stop + 1):
                        self.add_slot(n, s)
            if myself is None:
                raise ValueError
        except (ValueError, IndexError):
            self.log.warning("Unrecoverable error: corrupted cluster config file.")
            raise SystemExit(1) from None
        self.myself = myself
        self.log.notice("Node configuration loaded, I'm %s" % myself.name)
        max_epoch = self.max_epoch()
        if max_epoch > self.current_epoch:
            self.current_epoch = max_epoch
        return True

    def save_config(self, do_fsync: bool = True) -> str | None:
        """clusterSaveConfig: nodes.conf rewritten in place; None, or the
        error's strerror text."""
        self.todo &= ~TODO_SAVE_CONFIG
        if do_fsync:
            self.todo &= ~TODO_FSYNC_CONFIG
        content = (self.nodes_description(HANDSHAKE) + "vars currentEpoch %d lastVoteEpoch %d\n" % (
            self.current_epoch, self.last_vote_epoch)).encode("latin-1")
        fd = -1
        try:
            fd = os.open(self.config_path, os.O_WRONLY | os.O_CREAT, 0o644)
            size = os.fstat(fd).st_size
            data = content + b"\n" * (size - len(content)) if size > len(content) else content
            os.write(fd, data)
            if do_fsync:
                os.fsync(fd)
            if len(data) != len(content):
                try:
                    os.ftruncate(fd, len(content))
                except OSError:
                    pass
        except OSError as e:
            return e.strerror or str(e)
        finally:
            if fd >= 0:
                os.close(fd)
        return None

    def save_config_or_die(self, do_fsync: bool = True) -> None:
        if self.save_config(do_fsync) is not None:
            self.log.warning("Fatal: can't update cluster config file.")
            self.server.exit_now(1)

    # -- deferred work (clusterDoBeforeSleep / clusterBeforeSleep) ------------

    def do_before_sleep(self, flags: int) -> None:
        self.todo |= flags
        if self.todo_scheduled:
            return
        loop = self.server.loop
        if loop is None:
            self.before_sleep()
            return
        self.todo_scheduled = True
        loop.call_soon(self.before_sleep)

    def before_sleep(self) -> None:
        """clusterBeforeSleep: what the handlers above asked for (new
        requests made while it runs are served by the next call)."""
        self.todo_scheduled = False
        todo = self.todo
        self.todo = 0
        if todo & TODO_HANDLE_MANUALFAILOVER:
            if self.myself.is_slave():
                self.handle_manual_failover()
                self.handle_slave_failover()
        elif todo & TODO_HANDLE_FAILOVER:
            self.handle_slave_failover()
        if todo & TODO_UPDATE_STATE:
            self.update_state()
        if todo & TODO_SAVE_CONFIG:
            self.save_config_or_die(bool(todo & TODO_FSYNC_CONFIG))

    # -- nodes ----------------------------------------------------------------

    def lookup(self, name: str | bytes) -> Node | None:
        if isinstance(name, bytes):
            name = name.decode("latin-1")
        if not valid_name(name):
            return None
        return self.nodes.get(name)

    def add_node(self, node: Node) -> None:
        self.nodes[node.name] = node

    def del_node(self, node: Node) -> None:
        """clusterDelNode + freeClusterNode."""
        for j, n in list(self.importing.items()):
            if n is node:
                del self.importing[j]
        for j, n in list(self.migrating.items()):
            if n is node:
                del self.migrating[j]
        if node.numslots:
            for j in range(CLUSTER_SLOTS):
                if self.slots[j] is node:
                    self.del_slot(j)
        for other in self.nodes.values():
            if other is not node:
                other.fail_reports.pop(node, None)
        for s in node.slaves:
            s.slaveof = None
        if node.is_slave() and node.slaveof is not None and node in node.slaveof.slaves:
            node.slaveof.slaves.remove(node)
        self.nodes.pop(node.name, None)
        if node.link is not None:
            node.link.free()
        if node.inbound_link is not None:
            node.inbound_link.free()

    def rename_node(self, node: Node, name: str) -> None:
        self.nodes.pop(node.name, None)
        node.name = name
        self.nodes[name] = node

    def max_epoch(self) -> int:
        m = max((n.config_epoch for n in self.nodes.values()), default=0)
        return max(m, self.current_epoch)

    def bump_epoch_without_consensus(self) -> bool:
        me = self.myself
        if me.config_epoch == 0 or me.config_epoch != self.max_epoch():
            self.current_epoch += 1
            me.config_epoch = self.current_epoch
            self.do_before_sleep(TODO_SAVE_CONFIG | TODO_FSYNC_CONFIG)
            self.log.warning("New configEpoch set to %d" % me.config_epoch)
            return True
        return False

    def handle_epoch_collision(self, sender: Node) -> None:
        me = self.myself
        if sender.config_epoch != me.config_epoch or not sender.is_master() or not me.is_master():
            return
        if sender.name <= me.name:
            return
        self.current_epoch += 1
        me.config_epoch = self.current_epoch
        self.save_config_or_die()
        self.log.verbose("WARNING: configEpoch collision with node %s. configEpoch set to %d"
                         % (sender.name, me.config_epoch))

    def blacklist_add(self, node: Node) -> None:
        self.blacklist_cleanup()
        self.blacklist[node.name] = time.time() + BLACKLIST_TTL

    def blacklist_cleanup(self) -> None:
        t = time.time()
        for name, until in list(self.blacklist.items()):
            if until < t:
                del self.blacklist[name]

    def blacklisted(self, name: str) -> bool:
        self.blacklist_cleanup()
        return name in self.blacklist

    # -- slots ----------------------------------------------------------------

    def masters_have_slaves(self) -> bool:
        return any(n.slaves for n in self.nodes.values() if not n.is_slave())

    def add_slot(self, n: Node, slot: int) -> bool:
        if self.slots[slot] is not None:
            return False
        i, bit = slot >> 3, 1 << (slot & 7)
        if not n.slots[i] & bit:
            n.slots[i] |= bit
            n.numslots += 1
            if n.numslots == 1 and self.masters_have_slaves():
                n.flags |= MIGRATE_TO
        self.slots[slot] = n
        return True

    def del_slot(self, slot: int) -> bool:
        n = self.slots[slot]
        if n is None:
            return False
        i, bit = slot >> 3, 1 << (slot & 7)
        if n.slots[i] & bit:
            n.slots[i] &= ~bit
            n.numslots -= 1
        self.slots[slot] = None
        return True

    def del_node_slots(self, node: Node) -> int:
        deleted = 0
        for j in range(CLUSTER_SLOTS):
            if node.has_slot(j):
                self.del_slot(j)
                deleted += 1
        return deleted

    def close_all_slots(self) -> None:
        self.migrating.clear()
        self.importing.clear()

    def count_keys_in_slot(self, slot: int) -> int:
        data = self.server.keyspace.dbs[0].data
        return data.count_in_slot(slot)

    def del_keys_in_slot(self, slot: int) -> int:
        db = self.server.keyspace.dbs[0]
        keys = db.data.keys_in_slot(slot, 1 << 62)
        for k in keys:
            db.delete(k)
            self.server.propagation.propagate(0, [b"DEL", k])
            db.signal_modified(k)
        if keys and self.server.propagation.pending:
            self.server.propagation.flush()
        return len(keys)

    def set_node_as_master(self, n: Node) -> None:
        if n.is_master():
            return
        if n.slaveof is not None:
            if n in n.slaveof.slaves:
                n.slaveof.slaves.remove(n)
            if n is not self.myself:
                n.flags |= MIGRATE_TO
        n.flags &= ~SLAVE
        n.flags |= MASTER
        n.slaveof = None
        self.do_before_sleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE)

    def set_master(self, n: Node) -> None:
        """clusterSetMaster: myself becomes a replica of ``n``."""
        me = self.myself
        if me.is_master():
            me.flags &= ~(MASTER | MIGRATE_TO)
            me.flags |= SLAVE
            self.close_all_slots()
        elif me.slaveof is not None and me in me.slaveof.slaves:
            me.slaveof.slaves.remove(me)
        me.slaveof = n
        add_slave(n, me)
        self.server.replication.set_master(n.ip, n.port)
        self.reset_manual_failover()

    def update_slots_config_with(self, sender: Node, sender_epoch: int, slots: bytes) -> None:
        """clusterUpdateSlotsConfigWith."""
        me = self.myself
        curmaster = me if me.is_master() else me.slaveof
        if sender is me:
            self.log.warning("Discarding UPDATE message about myself.")
            return
        newmaster = None
        dirty: list[int] = []
        sender_slots = migrated_our_slots = 0
        for j in range(CLUSTER_SLOTS):
            if slots[j >> 3] & (1 << (j & 7)):
                sender_slots += 1
                owner = self.slots[j]
                if owner is sender:
                    self.owner_not_claiming[j >> 3] &= ~(1 << (j & 7))
                    continue
                if j in self.importing:
                    continue
                if owner is None or self._unclaimed(j) or owner.config_epoch < sender_epoch:
                    if owner is me and self.count_keys_in_slot(j) and sender is not me:
                        dirty.append(j)
                    if owner is curmaster:
                        newmaster = sender
                        migrated_our_slots += 1
                    self.del_slot(j)
                    self.add_slot(sender, j)
                    self.owner_not_claiming[j >> 3] &= ~(1 << (j & 7))
                    self.do_before_sleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE | TODO_FSYNC_CONFIG)
            elif self.slots[j] is sender:
                self.owner_not_claiming[j >> 3] |= 1 << (j & 7)
        if newmaster is not None and curmaster is not None and curmaster.numslots == 0 and (
            self.config.cluster_allow_replica_migration or sender_slots == migrated_our_slots
        ):
            self.log.warning("Configuration change detected. Reconfiguring myself as a replica of %s" % sender.name)
            self.set_master(sender)
            self.do_before_sleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE | TODO_FSYNC_CONFIG)
        elif me.slaveof is not None and me.slaveof.slaveof is not None and me.slaveof.slaveof is not me:
            self.log.warning("I'm a sub-replica! Reconfiguring myself as a replica of grandmaster %s"
                             % me.slaveof.slaveof.name)
            self.set_master(me.slaveof.slaveof)
            self.do_before_sleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE | TODO_FSYNC_CONFIG)
        elif dirty:
            for j in dirty:
                self.del_keys_in_slot(j)

    def _unclaimed(self, slot: int) -> bool:
        return bool(self.owner_not_claiming[slot >> 3] & (1 << (slot & 7)))

    # -- failure detection ----------------------------------------------------

    def add_failure_report(self, failing: Node, sender: Node) -> bool:
        new = sender not in failing.fail_reports
        failing.fail_reports[sender] = now_ms()
        return new

    def cleanup_failure_reports(self, node: Node) -> None:
        maxtime = self.config.cluster_node_timeout * FAIL_REPORT_VALIDITY_MULT
        t = now_ms()
        for s, when in list(node.fail_reports.items()):
            if t - when > maxtime:
                del node.fail_reports[s]

    def del_failure_report(self, node: Node, sender: Node) -> bool:
        if sender not in node.fail_reports:
            return False
        del node.fail_reports[sender]
        self.cleanup_failure_reports(node)
        return True

    def failure_reports_count(self, node: Node) -> int:
        self.cleanup_failure_reports(node)
        return len(node.fail_reports)

    def mark_failing_if_needed(self, node: Node) -> None:
        quorum = self.size // 2 + 1
        if not node.flags & PFAIL or node.flags & FAIL:
            return
        failures = self.failure_reports_count(node)
        if self.myself.is_master():
            failures += 1
        if failures < quorum:
            return
        self.log.notice("Marking node %s as failing (quorum reached)." % node.name)
        node.flags &= ~PFAIL
        node.flags |= FAIL
        node.fail_time = now_ms()
        if self.bus is not None:
            self.bus.send_fail(node.name)
        self.do_before_sleep(TODO_UPDATE_STATE | TODO_SAVE_CONFIG)

    def clear_failure_if_needed(self, node: Node) -> None:
        t = now_ms()
        if node.is_slave() or node.numslots == 0:
            self.log.notice("Clear FAIL state for node %s: %s is reachable again." % (
                node.name, "replica" if node.is_slave() else "master without slots"))
            node.flags &= ~FAIL
            self.do_before_sleep(TODO_UPDATE_STATE | TODO_SAVE_CONFIG)
        if node.is_master() and node.numslots > 0 and (
            t - node.fail_time > self.config.cluster_node_timeout * FAIL_UNDO_TIME_MULT
        ):
            self.log.notice("Clear FAIL state for node %s: is reachable again and nobody is serving its slots "
                            "after some time." % node.name)
            node.flags &= ~FAIL
            self.do_before_sleep(TODO_UPDATE_STATE | TODO_SAVE_CONFIG)

    def update_state(self) -> None:
        """clusterUpdateState."""
        self.todo &= ~TODO_UPDATE_STATE
        t = now_ms()
        if self.first_update_ms == 0:
            self.first_update_ms = t
        me = self.myself
        if me.is_master() and self.state == CLUSTER_FAIL and t - self.first_update_ms < WRITABLE_DELAY:
            loop = self.server.loop
            if loop is not None:  # try again once the delay is over
                loop.call_later((WRITABLE_DELAY - (t - self.first_update_ms)) / 1000 + 0.01,
                                self.do_before_sleep, TODO_UPDATE_STATE)
            return
        new_state = CLUSTER_OK
        if self.config.cluster_require_full_coverage:
            for n in self.slots:
                if n is None or n.flags & FAIL:
                    new_state = CLUSTER_FAIL
                    break
        size = reachable = 0
        for n in self.nodes.values():
            if n.is_master() and n.numslots:
                size += 1
                if not n.flags & (FAIL | PFAIL):
                    reachable += 1
        self.size = size
        if reachable < size // 2 + 1:
            new_state = CLUSTER_FAIL
            self.among_minority_ms = t
        if new_state != self.state:
            delay = min(max(self.config.cluster_node_timeout, MIN_REJOIN_DELAY), MAX_REJOIN_DELAY)
            if new_state == CLUSTER_OK and me.is_master() and t - self.among_minority_ms < delay:
                return
            self.log.warning("Cluster state changed: %s" % ("ok" if new_state == CLUSTER_OK else "fail"))
            self.state = new_state

    # -- failover (cluster.c's "SLAVE node specific functions") --------------

    def send_failover_auth_if_needed(self, node: Node, m: M.Message) -> None:
        """clusterSendFailoverAuthIfNeeded: vote for ``node`` (a replica
        asking in ``m``, a FAILOVER_AUTH_REQUEST) if we may."""
        me = self.myself
        master = node.slaveof
        force_ack = m.mflags[0] & M.FLAG0_FORCEACK
        if me.is_slave() or me.numslots == 0:
            return
        if m.current_epoch < self.current_epoch:
            self.log.warning("Failover auth denied to %s: reqEpoch (%d) < curEpoch(%d)"
                             % (node.name, m.current_epoch, self.current_epoch))
            return
        if self.last_vote_epoch == self.current_epoch:
            self.log.warning("Failover auth denied to %s: already voted for epoch %d"
                             % (node.name, self.current_epoch))
            return
        if node.is_master() or master is None or (not master.flags & FAIL and not force_ack):
            if node.is_master():
                self.log.warning("Failover auth denied to %s: it is a master node" % node.name)
            elif master is None:
                self.log.warning("Failover auth denied to %s: I don't know its master" % node.name)
            else:
                self.log.warning("Failover auth denied to %s: its master is up" % node.name)
            return
        t = now_ms()
        timeout = self.config.cluster_node_timeout
        if t - master.voted_time < timeout * 2:
            self.log.warning("Failover auth denied to %s: can't vote about this master before %d milliseconds"
                             % (node.name, timeout * 2 - (t - master.voted_time)))
            return
        claimed = m.myslots
        for j in range(CLUSTER_SLOTS):
            if not claimed[j >> 3] & (1 << (j & 7)):
                continue
            owner = self.slots[j]
            if owner is None or self._unclaimed(j) or owner.config_epoch <= m.config_epoch:
                continue
            self.log.warning("Failover auth denied to %s: slot %d epoch (%d) > reqEpoch (%d)"
                             % (node.name, j, owner.config_epoch, m.config_epoch))
            return
        self.last_vote_epoch = self.current_epoch
        master.voted_time = t
        self.do_before_sleep(TODO_SAVE_CONFIG | TODO_FSYNC_CONFIG)
        if self.bus is not None:
            self.bus.send_failover_auth(node)
        self.log.warning("Failover auth granted to %s for epoch %d" % (node.name, self.current_epoch))

    def slave_rank(self) -> int:
        """clusterGetSlaveRank: how many other replicas of our primary
        (that may fail over) have a greater replication offset."""
        master = self.myself.slaveof
        if master is None:
            return 0
        myoffset = self.my_offset()
        return sum(1 for s in master.slaves
                   if s is not self.myself and not s.flags & NOFAILOVER and s.repl_offset > myoffset)

    def log_cant_failover(self, reason: int) -> None:
        """clusterLogCantFailover."""
        if reason == self.cant_failover_reason and time.time() - self.cant_failover_lastlog < \
                CANT_FAILOVER_RELOG_PERIOD:
            return
        self.cant_failover_reason = reason
        master = self.myself.slaveof
        if master is not None and master.flags & FAIL and \
                now_ms() - master.fail_time < self.config.cluster_node_timeout + 5000:
            return
        self.cant_failover_lastlog = time.time()
        self.log.warning("Currently unable to failover: %s" % _CANT_FAILOVER_MSG.get(reason, "Unknown reason code."))

    def failover_replace_your_master(self) -> None:
        """clusterFailoverReplaceYourMaster: myself, a replica, becomes a
        primary with its primary's slots, and tells everybody."""
        me = self.myself
        old = me.slaveof
        if me.is_master() or old is None:
            return
        self.set_node_as_master(me)
        self.server.replication.set_no_master()
        for j in range(CLUSTER_SLOTS):
            if old.has_slot(j):
                self.del_slot(j)
                self.add_slot(me, j)
        self.update_state()
        self.save_config_or_die(True)
        if self.bus is not None:
            self.bus.broadcast_pong()
        self.reset_manual_failover()

    def replica_data_age(self) -> int:
        """Milliseconds since the replication link last carried data
        (or since it went down), in whole seconds as Redis counts."""
        repl = self.server.replication
        t = int(time.time())
        if repl.link_state == "connected":
            return (t - int(repl.last_io)) * 1000
        return (t - int(repl.down_since)) * 1000

    def handle_slave_failover(self) -> None:
        """clusterHandleSlaveFailover: as a replica of a failed primary (or
        in a manual failover), wait the election delay, ask the primaries
        for their votes, and with a majority take over."""
        self.todo &= ~TODO_HANDLE_FAILOVER
        me = self.myself
        cfg = self.config
        t = now_ms()
        auth_age = t - self.failover_auth_time
        needed_quorum = self.size // 2 + 1
        manual = self.mf_end != 0 and self.mf_can_start
        auth_timeout = max(cfg.cluster_node_timeout * 2, 2000)
        auth_retry_time = auth_timeout * 2
        master = me.slaveof
        if me.is_master() or master is None or (not master.flags & FAIL and not manual) or (
                cfg.cluster_replica_no_failover and not manual) or master.numslots == 0:
            self.cant_failover_reason = CANT_FAILOVER_NONE
            return
        data_age = self.replica_data_age()
        if data_age > cfg.cluster_node_timeout:
            data_age -= cfg.cluster_node_timeout
        factor = cfg.cluster_replica_validity_factor
        if factor and data_age > cfg.repl_ping_replica_period * 1000 + cfg.cluster_node_timeout * factor:
            if not manual:
                self.log_cant_failover(CANT_FAILOVER_DATA_AGE)
                return
        if auth_age > auth_retry_time:
            self.failover_auth_time = t + 500 + random.randrange(500)
            self.failover_auth_count = 0
            self.failover_auth_sent = False
            self.failover_auth_rank = self.slave_rank()
            self.failover_auth_time += self.failover_auth_rank * 1000
            if self.mf_end:
                self.failover_auth_time = t
                self.failover_auth_rank = 0
                self.do_before_sleep(TODO_HANDLE_FAILOVER)
            self.log.warning("Start of election delayed for %d milliseconds (rank #%d, offset %d)."
                             % (self.failover_auth_time - t, self.failover_auth_rank, self.my_offset()))
            if self.bus is not None:
                self.bus.broadcast_pong(local_slaves_only=True)
            return
        if not self.failover_auth_sent and self.mf_end == 0:
            newrank = self.slave_rank()
            if newrank > self.failover_auth_rank:
                added = (newrank - self.failover_auth_rank) * 1000
                self.failover_auth_time += added
                self.failover_auth_rank = newrank
                self.log.warning("Replica rank updated to #%d, added %d milliseconds of delay." % (newrank, added))
        if now_ms() < self.failover_auth_time:
            self.log_cant_failover(CANT_FAILOVER_WAITING_DELAY)
            return
        if auth_age > auth_timeout:
            self.log_cant_failover(CANT_FAILOVER_EXPIRED)
            return
        if not self.failover_auth_sent:
            self.current_epoch += 1
            self.failover_auth_epoch = self.current_epoch
            self.log.warning("Starting a failover election for epoch %d." % self.current_epoch)
            if self.bus is not None:
                self.bus.request_failover_auth()
            self.failover_auth_sent = True
            self.do_before_sleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE | TODO_FSYNC_CONFIG)
            return
        if self.failover_auth_count >= needed_quorum:
            self.log.warning("Failover election won: I'm the new master.")
            if me.config_epoch < self.failover_auth_epoch:
                me.config_epoch = self.failover_auth_epoch
                self.log.warning("configEpoch set to %d after successful failover" % me.config_epoch)
            self.failover_replace_your_master()
        else:
            self.log_cant_failover(CANT_FAILOVER_WAITING_VOTES)

    # -- manual failover ------------------------------------------------------

    def reset_manual_failover(self) -> None:
        """resetManualFailover (a primary that paused its writers for a
        replica lets them go)."""
        if self.mf_slave is not None:
            self.server.unpause_clients("failover")
        self.mf_end = 0
        self.mf_can_start = False
        self.mf_slave = None
        self.mf_master_offset = -1

    def manual_failover_check_timeout(self) -> None:
        if self.mf_end and self.mf_end < now_ms():
            self.log.warning("Manual failover timed out.")
            self.reset_manual_failover()

    def handle_manual_failover(self) -> None:
        """clusterHandleManualFailover: a replica whose paused primary
        announced its offset starts the election once it has processed
        the stream up to there."""
        if self.mf_end == 0 or self.mf_can_start or self.mf_master_offset == -1:
            return
        if self.mf_master_offset == self.my_offset():
            self.mf_can_start = True
            self.log.warning("All master replication stream processed, manual failover can start.")
            self.do_before_sleep(TODO_HANDLE_FAILOVER)
            return
        # Redis looks again before its next sleep; here, in a few ms (no
        # busy loop while the stream catches up), one look at a time.
        loop = self.server.loop
        if loop is not None and not self.mf_recheck_pending:
            self.mf_recheck_pending = True
            loop.call_later(0.005, self._mf_recheck)

    def _mf_recheck(self) -> None:
        self.mf_recheck_pending = False
        self.do_before_sleep(TODO_HANDLE_MANUALFAILOVER)

    def start_manual_failover(self, force: bool, takeover: bool) -> None:
        """CLUSTER FAILOVER's work once its checks passed."""
        self.reset_manual_failover()
        self.mf_end = now_ms() + MF_TIMEOUT
        me = self.myself
        if takeover:
            self.log.warning("Taking over the master (user request).")
            self.bump_epoch_without_consensus()
            self.failover_replace_your_master()
        elif force:
            self.log.warning("Forced failover user request accepted.")
            self.mf_can_start = True
        else:
            self.log.warning("Manual failover user request accepted.")
            if self.bus is not None and me.slaveof is not None:
                self.bus.send_mfstart(me.slaveof)

    def master_mf_start(self, sender: Node, t: int) -> None:
        """An MFSTART from one of our replicas: pause writers, note who."""
        self.reset_manual_failover()
        self.mf_end = t + MF_TIMEOUT
        self.mf_slave = sender
        self.server.pause_clients("write", MF_TIMEOUT * MF_PAUSE_MULT, "failover")
        self.log.warning("Manual failover requested by replica %s." % sender.name)

    # -- replica migration ----------------------------------------------------

    @staticmethod
    def count_non_failing_slaves(n: Node) -> int:
        return sum(1 for s in n.slaves if not s.flags & FAIL)

    def handle_slave_migration(self, max_slaves: int) -> None:
        """clusterHandleSlaveMigration: move to an orphaned primary when
        ours keeps more than cluster-migration-barrier working replicas
        and we are the candidate (smallest id among the replicas of the
        primaries with the most working replicas)."""
        if self.state != CLUSTER_OK:
            return
        me = self.myself
        mymaster = me.slaveof
        if mymaster is None:
            return
        okslaves = sum(1 for s in mymaster.slaves if not s.flags & (FAIL | PFAIL))
        if okslaves <= self.config.cluster_migration_barrier:
            return
        candidate = me
        target = None
        t = now_ms()
        for node in list(self.nodes.values()):
            ok = 0
            orphaned = not (node.is_slave() or node.flags & FAIL) and bool(node.flags & MIGRATE_TO)
            if node.is_master():
                ok = self.count_non_failing_slaves(node)
            if ok > 0:
                orphaned = False
            if orphaned:
                if target is None and node.numslots > 0:
                    target = node
                if not node.orphaned_time:
                    node.orphaned_time = t
            else:
                node.orphaned_time = 0
            if ok == max_slaves:
                for s in node.slaves:
                    if s.name < candidate.name:
                        candidate = s
        if target is not None and candidate is me and t - target.orphaned_time > SLAVE_MIGRATION_DELAY:
            self.log.warning("Migrating to orphaned master %s" % target.name)
            self.set_master(target)
            self.do_before_sleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE)

    # -- descriptions ---------------------------------------------------------

    def node_description(self, node: Node, ranges: list[tuple[int, int]] | None = None) -> str:
        """clusterGenNodeDescription: a line of CLUSTER NODES / nodes.conf."""
        if node.hostname:
            addr = "%s:%d@%d,%s" % (node.ip, node.port, node.cport, node.hostname)
        else:
            addr = "%s:%d@%d" % (node.ip, node.port, node.cport)
        epoch = node.config_epoch
        if node.is_slave() and node.slaveof is not None:
            epoch = node.slaveof.config_epoch
        parts = [node.name, addr, flags_repr(node.flags), node.slaveof.name if node.slaveof else "-",
                 str(node.ping_sent), str(node.pong_received), str(epoch),
                 "connected" if (node.link is not None or node.flags & MYSELF) else "disconnected"]
        line = " ".join(parts)
        if node.numslots:
            if ranges is None:
                ranges = node.slot_ranges()
            line += "".join(" %d" % a if a == b else " %d-%d" % (a, b) for a, b in ranges)
        if node.flags & MYSELF:
            for j in sorted(set(self.migrating) | set(self.importing)):
                if j in self.migrating:
                    line += " [%d->-%s]" % (j, self.migrating[j].name)
                else:
                    line += " [%d-<-%s]" % (j, self.importing[j].name)
        return line

    def nodes_description(self, filter_flags: int = 0) -> str:
        """clusterGenNodesDescription (the slot ranges of every node from
        one pass over the slot table, as clusterGenNodesSlotsInfo)."""
        ranges: dict[Node, list[tuple[int, int]]] = {}
        for start, end, n in self.slot_runs():
            ranges.setdefault(n, []).append((start, end))
        return "".join(self.node_description(n, ranges.get(n, [])) + "\n"
                       for n in self.nodes.values() if not n.flags & filter_flags)

    def slot_runs(self) -> list[tuple[int, int, Node]]:
        """Consecutive slots with the same owner: (start, end, node)."""
        out: list[tuple[int, int, Node]] = []
        start = 0
        for _key, group in groupby(self.slots, key=id):
            run = list(group)
            if run[0] is not None:
                out.append((start, start + len(run) - 1, run[0]))
            start += len(run)
        return out

    def my_master(self) -> Node:
        me = self.myself
        return me.slaveof if me.is_slave() and me.slaveof is not None else me

    def my_offset(self) -> int:
        repl = self.server.replication
        if self.myself.is_slave():
            return repl.processed_offset if repl.is_replica() else 0
        return self.server.propagation.master_repl_offset

    # -- commands' helpers ----------------------------------------------------

    def start_handshake(self, ip: str, port: int, cport: int) -> str | None:
        """clusterStartHandshake: None when started (or already under
        way), "EINVAL" for a bad address."""
        import ipaddress

        try:
            norm = str(ipaddress.ip_address(ip))
        except ValueError:
            return "EINVAL"
        if not (0 < port <= 65535 and 0 < cport <= 65535):
            return "EINVAL"
        for n in self.nodes.values():
            if n.flags & HANDSHAKE and n.ip.lower() == norm.lower() and n.port == port and n.cport == cport:
                return "EAGAIN"
        n = Node(None, HANDSHAKE | MEET)
        n.ip = norm
        n.port = port
        n.cport = cport
        self.add_node(n)
        return None

    def reset(self, hard: bool) -> None:
        """clusterReset."""
        me = self.myself
        if me.is_slave():
            self.set_node_as_master(me)
            self.server.replication.set_no_master()
            self.server.keyspace.flushall()
        self.close_all_slots()
        self.reset_manual_failover()
        for j in range(CLUSTER_SLOTS):
            self.del_slot(j)
        for n in list(self.nodes.values()):
            if n is not me:
                self.del_node(n)
        if hard:
            self.current_epoch = 0
            self.last_vote_epoch = 0
            me.config_epoch = 0
            self.log.warning("configEpoch set to 0 via CLUSTER RESET HARD")
            self.nodes.pop(me.name, None)
            me.name = random_name()
            self.nodes[me.name] = me
            self.log.notice("Node hard reset, now I'm %s" % me.name)
        self.do_before_sleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE | TODO_FSYNC_CONFIG)

    def random_node(self) -> Node:
        return random.choice(list(self.nodes.values()))
