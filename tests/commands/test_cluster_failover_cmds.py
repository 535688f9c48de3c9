"""CLUSTER FAILOVER's checks and the voting rules of a primary
(clusterSendFailoverAuthIfNeeded), in process, from a nodes.conf: myself
(A) and B primaries of half the slots each, C a replica of B, D a
replica of A. Without a bus: the requests are decoded bus messages handed
to the state as the bus would."""

from __future__ import annotations

import os
import tempfile

import pytest
from tests.support.inprocess import Types

from radish.cluster import messages as M

A, B, C, D = "a" * 40, "b" * 40, "c" * 40, "d" * 40


def _conf(me: str, b_flags: str = "master") -> str:
    rows = [
        (A, 7000, "master", "-", 1, "0-8191"),
        (B, 7001, b_flags, "-", 2, "8192-16383"),
        (C, 7002, "slave", B, 2, ""),
        (D, 7003, "slave", A, 1, ""),
    ]
    lines = []
    for name, port, flags, master, epoch, slots in rows:
        flags = "myself," + flags if name == me else flags
        lines.append(("%s 127.0.0.1:%d@%d %s %s 0 0 %d connected %s" % (
            name, port, port + 10000, flags, master, epoch, slots)).rstrip())
    return "\n".join(lines) + "\nvars currentEpoch 5 lastVoteEpoch 0\n"


def _node(me: str, b_flags: str = "master") -> Types:
    d = tempfile.mkdtemp(prefix="radish-cluster-")
    with open(os.path.join(d, "nodes.conf"), "w") as f:
        f.write(_conf(me, b_flags))
    port = {A: 7000, B: 7001, C: 7002, D: 7003}[me]
    return Types("--cluster-enabled", "yes", "--dir", d, "--port", str(port), "--cluster-node-timeout", "1000")


@pytest.fixture
def nodes():
    made: list[Types] = []

    def make(me: str, b_flags: str = "master") -> Types:
        t = _node(me, b_flags)
        made.append(t)
        return t

    yield make
    for t in made:
        t.server.cluster.release()


def _request(sender: str, current_epoch: int, config_epoch: int, slots: range, forceack: bool = False,
             slaveof: str | None = B) -> M.Message:
    bitmap = bytearray(M.SLOT_BYTES)
    for j in slots:
        bitmap[j >> 3] |= 1 << (j & 7)
    hdr = M.header(M.AUTH_REQUEST, port=7002, pport=0, cport=17002, current_epoch=current_epoch,
                   config_epoch=config_epoch, offset=0, sender=sender, myslots=bytes(bitmap), slaveof=slaveof,
                   myip="", flags=2, state=0, mflags0=M.FLAG0_FORCEACK if forceack else 0, totlen=M.HEADER_LEN)
    return M.decode(hdr)


def test_failover_errors_on_primary_and_replicas(nodes):
    a = nodes(A)
    assert a.raw("CLUSTER", "FAILOVER") == b"-ERR You should send CLUSTER FAILOVER to a replica\r\n"
    assert a.raw("CLUSTER", "FAILOVER", "TAKEOVER") == b"-ERR You should send CLUSTER FAILOVER to a replica\r\n"
    assert a.raw("CLUSTER", "FAILOVER", "soon") == b"-ERR syntax error\r\n"
    c = nodes(C, "master,fail")
    # Its primary failed: only FORCE or TAKEOVER.
    assert c.raw("CLUSTER", "FAILOVER") == b"-ERR Master is down or failed, please use CLUSTER FAILOVER FORCE\r\n"
    assert c.raw("CLUSTER", "FAILOVER", "FORCE") == b"+OK\r\n"
    cl = c.server.cluster
    assert cl.mf_end and cl.mf_can_start
    # Without a link to the primary (no bus here) the default is refused too.
    d = nodes(D)
    assert d.raw("CLUSTER", "FAILOVER") == b"-ERR Master is down or failed, please use CLUSTER FAILOVER FORCE\r\n"


def test_takeover_claims_the_slots_with_a_new_epoch(nodes):
    c = nodes(C)
    assert c.raw("CLUSTER", "FAILOVER", "TAKEOVER") == b"+OK\r\n"
    lines = {line.split()[0]: line.split() for line in c("CLUSTER", "NODES").decode().splitlines()}
    me = lines[C]
    assert me[2] == "myself,master" and me[3] == "-" and me[6] == "6" and me[8:] == ["8192-16383"]
    assert lines[B][8:] == []
    info = c("CLUSTER", "INFO").decode()
    assert "cluster_current_epoch:6" in info and "cluster_my_epoch:6" in info
    assert c("ROLE")[0] == b"master"


def test_a_primary_votes_once_per_epoch(nodes):
    a = nodes(A, "master,fail")
    cl = a.server.cluster
    sender = cl.lookup(C)
    # Older epoch than ours: no vote.
    cl.send_failover_auth_if_needed(sender, _request(C, 4, 2, range(8192, 16384)))
    assert cl.last_vote_epoch == 0
    # A request claiming slots served with a greater configEpoch.
    cl.current_epoch = 6
    cl.send_failover_auth_if_needed(sender, _request(C, 6, 0, range(0, 10)))
    assert cl.last_vote_epoch == 0
    # Granted.
    cl.send_failover_auth_if_needed(sender, _request(C, 6, 2, range(8192, 16384)))
    assert cl.last_vote_epoch == 6 and cl.lookup(B).voted_time
    # Same epoch again, or a new epoch within node-timeout * 2: refused.
    cl.last_vote_epoch = 6
    cl.send_failover_auth_if_needed(sender, _request(C, 6, 2, range(8192, 16384)))
    cl.current_epoch = 7
    cl.send_failover_auth_if_needed(sender, _request(C, 7, 2, range(8192, 16384)))
    assert cl.last_vote_epoch == 6


def test_no_vote_while_the_primary_is_up_unless_forced(nodes):
    a = nodes(A)
    cl = a.server.cluster
    sender = cl.lookup(C)
    cl.send_failover_auth_if_needed(sender, _request(C, 5, 2, range(8192, 16384)))
    assert cl.last_vote_epoch == 0
    cl.send_failover_auth_if_needed(sender, _request(C, 5, 2, range(8192, 16384), forceack=True))
    assert cl.last_vote_epoch == 5
    # A replica never votes.
    d = nodes(D, "master,fail")
    dl = d.server.cluster
    dl.send_failover_auth_if_needed(dl.lookup(C), _request(C, 5, 2, range(8192, 16384)))
    assert dl.last_vote_epoch == 0


def test_validity_factor_and_no_failover_keep_a_replica_from_starting_an_election(nodes):
    c = nodes(C, "master,fail")
    cl = c.server.cluster
    repl = c.server.replication
    # Disconnected for much longer than node-timeout * factor + ping period.
    repl.down_since -= 3600
    cl.handle_slave_failover()
    assert cl.failover_auth_time == 0
    # Factor 0: data age never matters; the election gets scheduled.
    c("CONFIG", "SET", "cluster-replica-validity-factor", "0")
    c("CONFIG", "SET", "cluster-replica-no-failover", "yes")
    cl.handle_slave_failover()
    assert cl.failover_auth_time == 0
    c("CONFIG", "SET", "cluster-replica-no-failover", "no")
    cl.handle_slave_failover()
    assert cl.failover_auth_time > 0 and not cl.failover_auth_sent


MIGRATION_CONF = (
    "%s 127.0.0.1:7000@17000 master - 0 0 1 connected 0-8191\n"
    "%s 127.0.0.1:7001@17001 master - 0 0 2 connected 8192-16383\n"
    "%s 127.0.0.1:7002@17002 slave,fail %s 0 0 2 connected\n"
    "%s 127.0.0.1:7003@17003 myself,slave %s 0 0 1 connected\n"
    "%s 127.0.0.1:7004@17004 slave %s 0 0 1 connected\n"
    "vars currentEpoch 2 lastVoteEpoch 0\n" % (A, B, C, B, D, A, "e" * 40, A)
)


@pytest.mark.parametrize("barrier,migrates", [(1, True), (2, False)])
def test_replica_migration_to_an_orphaned_primary(barrier, migrates):
    """D, one of A's two replicas (the one with the smallest id), moves to
    B, whose only replica failed, once B has been orphaned for 5 s, if A
    keeps more than cluster-migration-barrier working replicas."""
    d = tempfile.mkdtemp(prefix="radish-cluster-")
    with open(os.path.join(d, "nodes.conf"), "w") as f:
        f.write(MIGRATION_CONF)
    t = Types("--cluster-enabled", "yes", "--dir", d, "--port", "7003", "--cluster-migration-barrier", str(barrier))
    cl = t.server.cluster
    try:
        cl.state = 0
        b = cl.lookup(B)
        cl.handle_slave_migration(2)
        assert cl.myself.slaveof is cl.lookup(A)  # not before the delay
        if b.orphaned_time:
            b.orphaned_time -= 6000
        cl.handle_slave_migration(2)
        me = [line.split() for line in t("CLUSTER", "NODES").decode().splitlines() if "myself" in line][0]
        assert me[3] == (B if migrates else A)
    finally:
        cl.release()


def test_a_primary_asked_for_a_manual_failover_holds_writes_until_it_ends(nodes):
    """MFSTART from its replica D: writes paused, messages flagged PAUSED;
    the attempt times out after 5 s (CLUSTER_MF_TIMEOUT) and writes run."""
    from radish.cluster.bus import Bus
    from radish.cluster.state import now_ms

    a = nodes(A)
    cl = a.server.cluster
    bus = Bus(cl)
    assert not M.decode(bus._header(M.PING, totlen=M.HEADER_LEN)).mflags[0] & M.FLAG0_PAUSED
    cl.master_mf_start(cl.lookup(D), now_ms())
    cl.manual_failover_check_timeout()  # not yet
    assert cl.mf_slave is cl.lookup(D)
    assert M.decode(bus._header(M.PING, totlen=M.HEADER_LEN)).mflags[0] & M.FLAG0_PAUSED
    # Writers are held by their connections (net/) while this is set.
    assert a.server.pause_mode == "write"
    cl.mf_end = 1  # long past
    cl.manual_failover_check_timeout()
    assert cl.mf_end == 0 and cl.mf_slave is None
    assert a.server.pause_mode is None
    assert not M.decode(bus._header(M.PING, totlen=M.HEADER_LEN)).mflags[0] & M.FLAG0_PAUSED


def test_a_replica_in_a_manual_failover_asks_with_forceack(nodes):
    from radish.cluster.bus import Bus

    c = nodes(C)
    cl = c.server.cluster
    Bus(cl)
    sent: list[bytes] = []

    class Link:
        def send(self, msg: bytes) -> None:
            sent.append(msg)

    for n in cl.nodes.values():
        if n is not cl.myself:
            n.link = Link()
    cl.bus.request_failover_auth()
    assert sent and not M.decode(sent[0]).mflags[0] & M.FLAG0_FORCEACK
    sent.clear()
    assert c.raw("CLUSTER", "FAILOVER") == b"+OK\r\n"  # the primary has a link now
    assert [M.decode(m).type for m in sent] == [M.MFSTART]
    sent.clear()
    cl.mf_can_start = True  # the primary's offset was reached
    cl.handle_slave_failover()  # schedules the election at once (no delay in a manual failover)
    cl.handle_slave_failover()
    requests = [M.decode(m) for m in sent]
    assert len(requests) == 3 and all(m.type == M.AUTH_REQUEST and m.mflags[0] & M.FLAG0_FORCEACK for m in requests)
    assert requests[0].current_epoch == 6 and cl.failover_auth_epoch == 6
    for n in cl.nodes.values():
        n.link = None
