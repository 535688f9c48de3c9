"""CLUSTER commands and the redirect step of the dispatcher, in process:
a node whose nodes.conf names a second node (B) owning slots 8192-16383,
so that MOVED, ASK, TRYAGAIN, CROSSSLOT and CLUSTERDOWN can be seen
without a bus."""

from __future__ import annotations

import os
import tempfile

import pytest
from tests.support.inprocess import Types

from radish.db.slots import key_hash_slot

ME = "a" * 40
B = "b" * 40
NODES_CONF = (
    "%s 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-8191\n"
    "%s 127.0.0.1:7001@17001 master - 0 0 2 connected 8192-16383\n"
    "vars currentEpoch 2 lastVoteEpoch 0\n" % (ME, B)
)


def _key_in(lo: int, hi: int, prefix: str = "k") -> bytes:
    i = 0
    while True:
        k = ("%s%d" % (prefix, i)).encode()
        if lo <= key_hash_slot(k) <= hi:
            return k
        i += 1


@pytest.fixture
def node():
    d = tempfile.mkdtemp(prefix="radish-cluster-")
    with open(os.path.join(d, "nodes.conf"), "w") as f:
        f.write(NODES_CONF)
    t = Types("--cluster-enabled", "yes", "--dir", d, "--port", "7000")
    t.server.cluster.state = 0  # as the cron would find it: every slot covered
    yield t
    t.server.cluster.release()


def test_cluster_disabled_texts():
    t = Types()
    for args in (("CLUSTER", "INFO"), ("CLUSTER", "KEYSLOT", "x"), ("CLUSTER", "HELP"), ("ASKING",), ("READONLY",),
                 ("READWRITE",)):
        assert t.raw(*args) == b"-ERR This instance has cluster support disabled\r\n"
    assert t.raw("SELECT", "1") == b"+OK\r\n"
    assert t("INFO", "cluster").endswith(b"cluster_enabled:0\r\n")


def test_nodes_conf_loaded_and_reported(node):
    assert node("CLUSTER", "MYID") == ME.encode()
    nodes = node("CLUSTER", "NODES").decode().splitlines()
    assert nodes[0] == "%s 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-8191" % ME
    assert nodes[1] == "%s 127.0.0.1:7001@17001 master - 0 0 2 disconnected 8192-16383" % B
    info = node("CLUSTER", "INFO").decode()
    assert "cluster_slots_assigned:16384\r\n" in info and "cluster_known_nodes:2\r\n" in info
    assert "cluster_current_epoch:2\r\ncluster_my_epoch:1\r\n" in info
    assert node("CLUSTER", "SLOTS") == [
        [0, 8191, [b"127.0.0.1", 7000, ME.encode(), []]],
        [8192, 16383, [b"127.0.0.1", 7001, B.encode(), []]],
    ]
    shards = node("CLUSTER", "SHARDS")
    assert shards[0][:2] == [b"slots", [0, 8191]]
    assert node("CLUSTER", "KEYSLOT", "{user1000}.following") == key_hash_slot(b"user1000")
    assert b"cluster_enabled:1" in node("INFO", "cluster")
    assert node.raw("SELECT", "1") == b"-ERR SELECT is not allowed in cluster mode\r\n"
    assert node.raw("SELECT", "0") == b"+OK\r\n"
    mine = _key_in(0, 8191)
    node("SET", mine, "v")
    assert node.raw("MOVE", mine, "1") == b"-ERR MOVE is not allowed in cluster mode\r\n"
    assert node.raw("COPY", mine, b"{%s}2" % mine, "DB", "1") == (
        b"-ERR Copying to another database is not allowed in cluster mode\r\n")
    assert node.raw("SWAPDB", "0", "1") == b"-ERR SWAPDB is not allowed in cluster mode\r\n"
    assert node.raw("REPLICAOF", "127.0.0.1", "1") == b"-ERR REPLICAOF not allowed in cluster mode.\r\n"


def test_saveconfig_writes_nodes_conf_in_redis_format(node):
    assert node("CLUSTER", "SAVECONFIG") == "OK"
    with open(os.path.join(node.server.config.dir, "nodes.conf")) as f:
        lines = f.read().splitlines()
    assert lines[-1] == "vars currentEpoch 2 lastVoteEpoch 0"
    assert lines[0].startswith("%s 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-8191" % ME)


def test_moved_crossslot_and_local_keys(node):
    mine, theirs = _key_in(0, 8191), _key_in(8192, 16383)
    assert node("SET", mine, "v") == "OK"
    slot = key_hash_slot(theirs)
    assert node.raw("GET", theirs) == b"-MOVED %d 127.0.0.1:7001\r\n" % slot
    assert node.raw("MSET", mine, "1", theirs, "2") == b"-CROSSSLOT Keys in request don't hash to the same slot\r\n"
    tag = mine.decode()
    assert node("MSET", "{%s}1" % tag, "1", "{%s}2" % tag, "2") == "OK"
    assert node("CLUSTER", "COUNTKEYSINSLOT", key_hash_slot(mine)) == 3
    assert node("CLUSTER", "GETKEYSINSLOT", key_hash_slot(mine), 10) == [mine, b"{%s}1" % mine, b"{%s}2" % mine]
    assert node("CLUSTER", "GETKEYSINSLOT", key_hash_slot(mine), 1) == [mine]
    assert node.raw("CLUSTER", "COUNTKEYSINSLOT", 16384) == b"-ERR Invalid slot\r\n"
    assert node.raw("CLUSTER", "GETKEYSINSLOT", 1, -1) == b"-ERR Invalid slot or number of keys\r\n"
    # Commands without keys are served anywhere; EVAL's keys are routed.
    assert node("PING") == "PONG"
    assert node.raw("EVAL", "return 1", 1, theirs) == b"-MOVED %d 127.0.0.1:7001\r\n" % slot


def test_transactions_are_routed_on_exec(node):
    theirs = _key_in(8192, 16383)
    assert node("MULTI") == "OK"
    assert node.raw("SET", theirs, "x") == b"-MOVED %d 127.0.0.1:7001\r\n" % key_hash_slot(theirs)
    assert node.raw("EXEC") == b"-EXECABORT Transaction discarded because of previous errors.\r\n"


def test_migrating_slot_gives_ask_and_tryagain(node):
    k1 = _key_in(0, 8191)
    slot = key_hash_slot(k1)
    tag = k1.decode()
    present, absent = ("{%s}x" % tag).encode(), ("{%s}y" % tag).encode()
    node("SET", present, "v")
    assert node("CLUSTER", "SETSLOT", slot, "MIGRATING", B) == "OK"
    assert node("GET", present) == b"v"
    assert node.raw("GET", absent) == b"-ASK %d 127.0.0.1:7001\r\n" % slot
    assert node.raw("MGET", present, absent) == b"-TRYAGAIN Multiple keys request during rehashing of slot\r\n"
    assert f"[{slot}->-{B}]" in node("CLUSTER", "NODES").decode().splitlines()[0]
    assert node.raw("CLUSTER", "SETSLOT", slot, "NODE", B) == (
        b"-ERR Can't assign hashslot %d to a different node while I still hold keys for this hash slot.\r\n" % slot)
    assert node("CLUSTER", "SETSLOT", slot, "STABLE") == "OK"


def test_importing_slot_needs_asking(node):
    k = _key_in(8192, 16383)
    slot = key_hash_slot(k)
    assert node("CLUSTER", "SETSLOT", slot, "IMPORTING", B) == "OK"
    assert node.raw("SET", k, "v") == b"-MOVED %d 127.0.0.1:7001\r\n" % slot
    assert node("ASKING") == "OK"
    assert node("SET", k, "v") == "OK"
    assert node.raw("GET", k) == b"-MOVED %d 127.0.0.1:7001\r\n" % slot  # ASKING lasts one command
    # RESTORE-ASKING (what MIGRATE sends in cluster mode) needs no ASKING.
    node("ASKING")
    payload = node("DUMP", k)
    assert node("RESTORE-ASKING", b"{%s}2" % k, 0, payload) == "OK"
    # Closing the import: the slot becomes ours with a new config epoch.
    assert node("CLUSTER", "SETSLOT", slot, "NODE", ME) == "OK"
    assert node("GET", k) == b"v"
    assert "cluster_my_epoch:3" in node("CLUSTER", "INFO").decode()


def test_clusterdown_when_slot_unassigned_or_state_fail(node):
    mine = _key_in(0, 8191)
    assert node("CLUSTER", "DELSLOTS", key_hash_slot(mine)) == "OK"
    assert node.raw("GET", mine) == b"-CLUSTERDOWN Hash slot not served\r\n"
    node.server.cluster.state = 1
    other = _key_in(0, 8191, "z")
    if key_hash_slot(other) != key_hash_slot(mine):
        assert node.raw("GET", other) == b"-CLUSTERDOWN The cluster is down\r\n"


def test_slot_assignment_errors(node):
    assert node.raw("CLUSTER", "ADDSLOTS", 0) == b"-ERR Slot 0 is already busy\r\n"
    assert node.raw("CLUSTER", "ADDSLOTS", 16384) == b"-ERR Invalid or out of range slot\r\n"
    assert node("CLUSTER", "DELSLOTSRANGE", 0, 9) == "OK"
    assert node.raw("CLUSTER", "DELSLOTS", 5) == b"-ERR Slot 5 is already unassigned\r\n"
    assert node.raw("CLUSTER", "ADDSLOTS", 1, 1) == b"-ERR Slot 1 specified multiple times\r\n"
    assert node.raw("CLUSTER", "ADDSLOTSRANGE", 5, 1) == b"-ERR start slot number 5 is greater than end slot number 1\r\n"
    assert node.raw("CLUSTER", "ADDSLOTSRANGE", 1, 2, 3) == (
        b"-ERR wrong number of arguments for 'cluster|addslotsrange' command\r\n")
    assert node("CLUSTER", "ADDSLOTSRANGE", 0, 4, 6, 9) == "OK"
    assert node.raw("CLUSTER", "SETSLOT", 5, "BOGUS") == (
        b"-ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP\r\n")
    assert node.raw("CLUSTER", "SETSLOT", 9000, "MIGRATING", B) == b"-ERR I'm not the owner of hash slot 9000\r\n"
    assert node.raw("CLUSTER", "SETSLOT", 1, "IMPORTING", B) == b"-ERR I'm already the owner of hash slot 1\r\n"
    assert node.raw("CLUSTER", "SETSLOT", 1, "MIGRATING", "c" * 40) == b"-ERR I don't know about node %s\r\n" % (b"c" * 40)
    assert node.raw("CLUSTER", "FORGET", ME) == b"-ERR I tried hard but I can't forget myself...\r\n"
    assert node.raw("CLUSTER", "REPLICATE", ME) == b"-ERR Can't replicate myself\r\n"
    assert node.raw("CLUSTER", "SET-CONFIG-EPOCH", 5) == (
        b"-ERR The user can assign a config epoch only when the node does not know any other node.\r\n")
    assert node("CLUSTER", "BUMPEPOCH") == "BUMPED 3"
    assert node("CLUSTER", "BUMPEPOCH") == "STILL 3"
    assert node.raw("CLUSTER", "MEET", "nohost", 1) == b"-ERR Invalid node address specified: nohost:1\r\n"
    assert node.raw("CLUSTER", "MEET", "127.0.0.1", "x") == b"-ERR Invalid TCP base port specified: x\r\n"
    assert node("CLUSTER", "FORGET", B) == "OK"
    assert node("CLUSTER", "INFO").decode().count("cluster_known_nodes:1") == 1


def test_flushslots_and_reset(node):
    node("SET", _key_in(0, 8191), "v")
    assert node.raw("CLUSTER", "FLUSHSLOTS") == b"-ERR DB must be empty to perform CLUSTER FLUSHSLOTS.\r\n"
    assert node.raw("CLUSTER", "RESET") == b"-ERR CLUSTER RESET can't be called with master nodes containing keys\r\n"
    node("FLUSHALL")
    assert node("CLUSTER", "RESET", "HARD") == "OK"
    assert node("CLUSTER", "MYID") != ME.encode()
    assert "cluster_slots_assigned:0" in node("CLUSTER", "INFO").decode()
    assert node("CLUSTER", "SET-CONFIG-EPOCH", 7) == "OK"
    assert node.raw("CLUSTER", "SET-CONFIG-EPOCH", 8) == b"-ERR Node config epoch is already non-zero\r\n"
