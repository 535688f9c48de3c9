"""Cluster commands against a real redis-server, byte for byte: without
cluster mode (every CLUSTER subcommand, ASKING, READONLY, READWRITE) and
on a fresh cluster-enabled node (CLUSTER HELP/INFO/KEYSLOT, slot
assignment and its errors, key counts per slot, routing errors) — replies
that name no node id, which differ between the two servers by design."""

from __future__ import annotations

import pytest
from tests.support.cluster import start_cluster_node
from tests.support.resp import Raw
from tests.support.servers import start_radish, start_redis

DISABLED = [
    ["CLUSTER", "INFO"], ["CLUSTER", "HELP"], ["CLUSTER", "KEYSLOT", "foo"], ["CLUSTER", "NODES"],
    ["CLUSTER", "MYID"], ["CLUSTER", "SLOTS"], ["CLUSTER", "SHARDS"], ["CLUSTER", "ADDSLOTS", "1"],
    ["CLUSTER", "COUNTKEYSINSLOT", "1"], ["CLUSTER", "GETKEYSINSLOT", "1", "1"], ["CLUSTER", "MEET", "x", "1"],
    ["CLUSTER", "NOSUCH"], ["CLUSTER"], ["CLUSTER", "INFO", "extra"], ["ASKING"], ["READONLY"], ["READWRITE"],
    ["INFO", "cluster"],
]

# On a fresh cluster node (no other node known, no slot yet). Keys are
# chosen in the slots assigned below (foo: 12182, bar: 5061).
ENABLED = [
    ["CLUSTER", "HELP"], ["CLUSTER", "INFO"], ["CLUSTER", "KEYSLOT", "foo"], ["CLUSTER", "KEYSLOT", "{user1}.a"],
    ["CLUSTER", "KEYSLOT", "a{}b"], ["CLUSTER", "SLOTS"], ["GET", "foo"], ["SET", "foo", "x"],
    ["CLUSTER", "COUNTKEYSINSLOT", "16384"], ["CLUSTER", "COUNTKEYSINSLOT", "x"], ["CLUSTER", "GETKEYSINSLOT", "1", "-1"],
    ["CLUSTER", "ADDSLOTS", "16384"], ["CLUSTER", "ADDSLOTS", "x"], ["CLUSTER", "ADDSLOTS", "1", "1"],
    ["CLUSTER", "ADDSLOTSRANGE", "5", "1"], ["CLUSTER", "ADDSLOTSRANGE", "1", "2", "3"],
    ["CLUSTER", "ADDSLOTSRANGE", "5000", "5100", "12000", "12300"], ["CLUSTER", "ADDSLOTS", "5000"],
    ["CLUSTER", "DELSLOTS", "1"], ["CLUSTER", "DELSLOTSRANGE", "12300", "12300"], ["CLUSTER", "SETSLOT", "5000", "BOGUS"],
    ["CLUSTER", "SETSLOT", "1", "MIGRATING", "a" * 40], ["CLUSTER", "SETSLOT", "5000", "MIGRATING", "a" * 40],
    ["CLUSTER", "SETSLOT", "5000", "IMPORTING", "a" * 40], ["CLUSTER", "SETSLOT", "5000", "NODE", "a" * 40],
    ["CLUSTER", "SETSLOT", "5000", "STABLE"], ["CLUSTER", "SETSLOT", "99999", "STABLE"],
    ["CLUSTER", "MEET", "nohost", "1"], ["CLUSTER", "MEET", "127.0.0.1", "x"], ["CLUSTER", "MEET", "127.0.0.1", "1", "y"],
    ["CLUSTER", "MEET", "1", "2", "3", "4"], ["CLUSTER", "FORGET", "a" * 40], ["CLUSTER", "REPLICATE", "a" * 40],
    ["CLUSTER", "COUNT-FAILURE-REPORTS", "a" * 40], ["CLUSTER", "REPLICAS", "a" * 40], ["CLUSTER", "RESET", "MAYBE"],
    ["CLUSTER", "SET-CONFIG-EPOCH", "-1"], ["CLUSTER", "SET-CONFIG-EPOCH", "x"], ["CLUSTER", "FAILOVER"],
    ["CLUSTER", "FAILOVER", "nope"], ["CLUSTER", "FAILOVER", "FORCE"], ["CLUSTER", "FAILOVER", "takeover"],
    ["CLUSTER", "FAILOVER", "FORCE", "x"],
    ["SET", "foo", "1"], ["SET", "bar", "2"], ["MSET", "foo", "1", "bar", "2"], ["MSET", "{bar}1", "1", "{bar}2", "2"],
    ["CLUSTER", "COUNTKEYSINSLOT", "5061"], ["CLUSTER", "GETKEYSINSLOT", "5061", "10"],
    ["CLUSTER", "GETKEYSINSLOT", "5061", "1"], ["CLUSTER", "FLUSHSLOTS"], ["CLUSTER", "RESET"],
    ["SELECT", "1"], ["SELECT", "0"], ["REPLICAOF", "127.0.0.1", "1"], ["MOVE", "bar", "1"], ["SWAPDB", "0", "1"],
    ["COPY", "bar", "baz", "DB", "1"], ["COPY", "bar", "baz", "DB", "x"], ["ASKING"], ["READONLY"], ["READWRITE"],
    ["MULTI"], ["SET", "foo", "1"], ["GET", "nokeyslot"], ["EXEC"], ["CLUSTER", "INFO"], ["INFO", "cluster"],
]


def _replies(port: int, commands: list[list[str]], resp3: bool = False) -> list[bytes]:
    conn = Raw(port, resp3=resp3)
    try:
        return [conn([a.encode() for a in cmd]) for cmd in commands]
    finally:
        conn.close()


def _compare(ours_port: int, theirs_port: int, commands: list[list[str]], resp3: bool = False) -> None:
    a, b = _replies(ours_port, commands, resp3), _replies(theirs_port, commands, resp3)
    diffs = [(cmd, x, y) for cmd, x, y in zip(commands, a, b, strict=True) if x != y]
    assert not diffs, "\n".join(repr(d) for d in diffs)


def test_cluster_commands_without_cluster_mode():
    ours, theirs = start_radish(), start_redis()
    try:
        _compare(ours.port, theirs.port, DISABLED)
    finally:
        ours.stop()
        theirs.stop()


def _cluster_pair():
    return start_cluster_node("radish"), start_cluster_node("redis")


@pytest.mark.parametrize("resp3", [False, True], ids=["resp2", "resp3"])
def test_cluster_commands_on_a_fresh_cluster_node(resp3):
    ours, theirs = _cluster_pair()
    try:
        _compare(ours.port, theirs.port, ENABLED, resp3)
    finally:
        ours.stop()
        theirs.stop()
