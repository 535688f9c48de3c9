"""Cluster commands: CLUSTER and its subcommands, ASKING, READONLY,
READWRITE (cluster.c's clusterCommand and friends), and the dispatcher's
redirect step (getNodeByQuery + clusterRedirectClient).

The cluster state is ``c.server.cluster`` (cluster/state.py), None when
cluster-enabled is no: every command here then answers Redis's
``ERR This instance has cluster support disabled``.
"""

from __future__ import annotations

from typing import Any

from .. import errors as E
from ..client import FLAG_READONLY, Client
from ..db.slots import CLUSTER_SLOTS, key_hash_slot
from ..errors import CommandError
from ..protocol.resp import OK, MapReply, SimpleString, Verbatim, status_lines
from .args import to_int
from .registry import CommandSpec, command

FLAG_ASKING = 1 << 20  # Client.flags: CLIENT_ASKING (not shown by CLIENT LIST, as in Redis)

# Node flag bits (cluster/state.py's; the commands layer cannot import it).
_MASTER, _SLAVE, _PFAIL, _FAIL, _MYSELF = 1, 2, 4, 8, 16
_MSG_TYPES = ("ping", "pong", "meet", "fail", "publish", "auth-req", "auth-ack", "update", "mfstart",
              "module", "publishshard")

CLUSTER_HELP = [
    b"CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"ADDSLOTS <slot> [<slot> ...]",
    b"    Assign slots to current node.",
    b"ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
    b"    Assign slots which are between <start-slot> and <end-slot> to current node.",
    b"BUMPEPOCH",
    b"    Advance the cluster config epoch.",
    b"COUNT-FAILURE-REPORTS <node-id>",
    b"    Return number of failure reports for <node-id>.",
    b"COUNTKEYSINSLOT <slot>",
    b"    Return the number of keys in <slot>.",
    b"DELSLOTS <slot> [<slot> ...]",
    b"    Delete slots information from current node.",
    b"DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
    b"    Delete slots information which are between <start-slot> and <end-slot> from current node.",
    b"FAILOVER [FORCE|TAKEOVER]",
    b"    Promote current replica node to being a master.",
    b"FORGET <node-id>",
    b"    Remove a node from the cluster.",
    b"GETKEYSINSLOT <slot> <count>",
    b"    Return key names stored by current node in a slot.",
    b"FLUSHSLOTS",
    b"    Delete current node own slots information.",
    b"INFO",
    b"    Return information about the cluster.",
    b"KEYSLOT <key>",
    b"    Return the hash slot for <key>.",
    b"MEET <ip> <port> [<bus-port>]",
    b"    Connect nodes into a working cluster.",
    b"MYID",
    b"    Return the node id.",
    b"NODES",
    b"    Return cluster configuration seen by node. Output format:",
    b"    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
    b"REPLICATE <node-id>",
    b"    Configure current node as replica to <node-id>.",
    b"RESET [HARD|SOFT]",
    b"    Reset current node (default: soft).",
    b"SET-CONFIG-EPOCH <epoch>",
    b"    Set config epoch of current node.",
    b"SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
    b"    Set slot state.",
    b"REPLICAS <node-id>",
    b"    Return <node-id> replicas.",
    b"SAVECONFIG",
    b"    Force saving cluster configuration on disk.",
    b"SLOTS",
    b"    Return information about slots range mappings. Each range is made of:",
    b"    start, end, master and replicas IP addresses, ports and ids",
    b"SHARDS",
    b"    Return information about slot range mappings and the nodes associated with them.",
    b"LINKS",
    b"    Return information about all network links between this node and its peers.",
    b"    Output format is an array where each array element is a map containing attributes of a link",
    b"HELP",
    b"    Prints this help.",
]


def _map(flat: list) -> MapReply:
    return MapReply(list(zip(flat[::2], flat[1::2], strict=True)))


def _cluster(c: Client):
    cl = c.server.cluster
    if cl is None:
        raise CommandError(E.CLUSTER_DISABLED)
    return cl


def _s(b: bytes) -> str:
    return b.decode("utf-8", "replace")


def _syntax(args: list[bytes]) -> CommandError:
    return CommandError(E.SUBCOMMAND_SYNTAX % (_s(args[1])[:128], _s(args[0]).upper()))


def _slot_arg(arg: bytes) -> int:
    """getSlotOrReply."""
    v = to_int(arg)
    if v is None or v < 0 or v >= CLUSTER_SLOTS:
        raise CommandError(E.CLUSTER_INVALID_SLOT_RANGE)
    return v


def _node_arg(cl, arg: bytes, message: str = E.CLUSTER_UNKNOWN_NODE):
    n = cl.lookup(arg)
    if n is None:
        raise CommandError(message % _s(arg))
    return n


@command("cluster", -2, "", group="cluster", since="3.0.0", summary="A container for cluster commands", complexity="Depends on subcommand.")
def cluster(c: Client, args: list[bytes]):
    raise CommandError(E.SUBCOMMAND_SYNTAX % (_s(args[1]), "CLUSTER"))


@command("cluster|help", 2, "loading stale", group="cluster", since="5.0.0", summary="Show helpful text about the different subcommands", complexity="O(1)")
def cluster_help(c: Client, args: list[bytes]):
    _cluster(c)
    return status_lines(CLUSTER_HELP)


@command("cluster|keyslot", 3, "stale", group="cluster", since="3.0.0", summary="Returns the hash slot of the specified key", complexity="O(N) where N is the number of bytes in the key")
def cluster_keyslot(c: Client, args: list[bytes]):
    _cluster(c)
    return key_hash_slot(args[2])


@command("cluster|myid", 2, "stale", group="cluster", since="3.0.0", summary="Return the node id", complexity="O(1)")
def cluster_myid(c: Client, args: list[bytes]):
    return _cluster(c).myself.name.encode()


@command("cluster|info", 2, "stale", group="cluster", since="3.0.0", summary="Provides info about Redis Cluster node state", complexity="O(1)", tips="nondeterministic_output")
def cluster_info(c: Client, args: list[bytes]):
    cl = _cluster(c)
    assigned = ok = pfail = fail = 0
    for n in cl.slots:
        if n is None:
            continue
        assigned += 1
        if n.flags & _FAIL:
            fail += 1
        elif n.flags & _PFAIL:
            pfail += 1
        else:
            ok += 1
    me = cl.myself
    myepoch = me.slaveof.config_epoch if me.flags & _SLAVE and me.slaveof is not None else me.config_epoch
    lines = [
        "cluster_state:%s" % ("ok" if cl.state == 0 else "fail"),
        "cluster_slots_assigned:%d" % assigned,
        "cluster_slots_ok:%d" % ok,
        "cluster_slots_pfail:%d" % pfail,
        "cluster_slots_fail:%d" % fail,
        "cluster_known_nodes:%d" % len(cl.nodes),
        "cluster_size:%d" % cl.size,
        "cluster_current_epoch:%d" % cl.current_epoch,
        "cluster_my_epoch:%d" % myepoch,
    ]
    for name, counts in (("sent", cl.stats_sent), ("received", cl.stats_received)):
        for i, n in enumerate(counts):
            if n:
                lines.append("cluster_stats_messages_%s_%s:%d" % (_MSG_TYPES[i], name, n))
        lines.append("cluster_stats_messages_%s:%d" % (name, sum(counts)))
    lines.append("total_cluster_links_buffer_limit_exceeded:%d" % cl.stats_links_buffer_limit_exceeded)
    return Verbatim(("\r\n".join(lines) + "\r\n").encode())


@command("cluster|nodes", 2, "stale", group="cluster", since="3.0.0", summary="Get Cluster config for the node", complexity="O(N) where N is the total number of Cluster nodes", tips="nondeterministic_output")
def cluster_nodes(c: Client, args: list[bytes]):
    return Verbatim(_cluster(c).nodes_description().encode("latin-1"))


def _endpoint(cl, n) -> bytes | None:
    """getPreferredEndpoint / addNodeToNodeReply's first field."""
    kind = cl.config.cluster_preferred_endpoint_type
    if kind == "ip":
        return n.ip.encode()
    if kind == "hostname":
        return n.hostname.encode() if n.hostname else b"?"
    return None


def _node_reply(cl, n) -> list:
    kind = cl.config.cluster_preferred_endpoint_type
    extra: list = []
    if kind != "ip":
        extra += [b"ip", n.ip.encode()]
    if kind != "hostname" and n.hostname:
        extra += [b"hostname", n.hostname.encode()]
    return [_endpoint(cl, n), n.port, n.name.encode(), _map(extra)]


def _replica_available(cl, n) -> bool:
    if n.flags & _FAIL:
        return False
    offset = cl.my_offset() if n.flags & _MYSELF else n.repl_offset
    return offset != 0


@command("cluster|slots", 2, "stale", group="cluster", since="3.0.0", summary="Get array of Cluster slot to node mappings", complexity="O(N) where N is the total number of Cluster nodes", tips="nondeterministic_output", doc_flags="deprecated", deprecated_since="7.0.0", replaced_by="`CLUSTER SHARDS`")
def cluster_slots(c: Client, args: list[bytes]):
    cl = _cluster(c)
    out = []
    for start, end, n in cl.slot_runs():
        entry = [start, end, _node_reply(cl, n)]
        entry += [_node_reply(cl, s) for s in n.slaves if _replica_available(cl, s)]
        out.append(entry)
    return out


def _shard_node(cl, n) -> MapReply:
    me = n.flags & _MYSELF
    if me:
        offset = cl.my_offset()
    else:
        offset = n.repl_offset
    fields: list = [b"id", n.name.encode()]
    if n.port:
        fields += [b"port", n.port]
    fields += [b"ip", n.ip.encode(), b"endpoint", _endpoint(cl, n) or b"?"]
    if n.hostname:
        fields += [b"hostname", n.hostname.encode()]
    fields += [b"role", b"replica" if n.flags & _SLAVE else b"master", b"replication-offset", offset]
    health = b"fail" if n.flags & _FAIL else b"loading" if n.flags & _SLAVE and offset == 0 else b"online"
    fields += [b"health", health]
    return _map(fields)


@command("cluster|shards", 2, "stale", group="cluster", since="7.0.0", summary="Get array of cluster slots to node mappings", complexity="O(N) where N is the total number of cluster nodes", tips="nondeterministic_output")
def cluster_shards(c: Client, args: list[bytes]):
    cl = _cluster(c)
    ranges: dict = {}
    for start, end, n in cl.slot_runs():
        ranges.setdefault(n, []).extend((start, end))
    out = []
    for n in cl.nodes.values():
        if not n.flags & _MASTER:
            continue
        nodes = [n] + list(n.slaves)
        out.append(_map([b"slots", ranges.get(n, []), b"nodes", [_shard_node(cl, x) for x in nodes]]))
    return out


@command("cluster|countkeysinslot", 3, "stale", group="cluster", since="3.0.0", summary="Return the number of local keys in the specified hash slot", complexity="O(1)")
def cluster_countkeysinslot(c: Client, args: list[bytes]):
    cl = _cluster(c)
    slot = to_int(args[2])
    if slot is None:
        raise CommandError(E.NOT_INTEGER)
    if slot < 0 or slot >= CLUSTER_SLOTS:
        raise CommandError(E.CLUSTER_INVALID_SLOT)
    return cl.count_keys_in_slot(slot)


@command("cluster|getkeysinslot", 4, "stale", group="cluster", since="3.0.0", summary="Return local key names in the specified hash slot", complexity="O(log(N)) where N is the number of requested keys", tips="nondeterministic_output")
def cluster_getkeysinslot(c: Client, args: list[bytes]):
    _cluster(c)
    slot = to_int(args[2])
    if slot is None:
        raise CommandError(E.NOT_INTEGER)
    maxkeys = to_int(args[3])
    if maxkeys is None:
        raise CommandError(E.NOT_INTEGER)
    if slot < 0 or slot >= CLUSTER_SLOTS or maxkeys < 0:
        raise CommandError(E.CLUSTER_INVALID_SLOT_OR_COUNT)
    data: Any = c.server.keyspace.dbs[0].data  # a SlotDict in cluster mode
    return data.keys_in_slot(slot, maxkeys)


@command("cluster|meet", -4, "admin stale no_async_loading", group="cluster", since="3.0.0", summary="Force a node cluster to handshake with another node", complexity="O(1)")
def cluster_meet(c: Client, args: list[bytes]):
    cl = _cluster(c)
    if len(args) > 5:
        raise _syntax(args)
    port = to_int(args[3])
    if port is None:
        raise CommandError(E.CLUSTER_INVALID_PORT % _s(args[3]))
    if len(args) == 5:
        cport = to_int(args[4])
        if cport is None:
            raise CommandError(E.CLUSTER_INVALID_BUS_PORT % _s(args[4]))
    else:
        cport = port + 10000
    if cl.start_handshake(_s(args[2]), port, cport) == "EINVAL":
        raise CommandError(E.CLUSTER_INVALID_ADDRESS % (_s(args[2]), _s(args[3])))
    return OK


@command("cluster|flushslots", 2, "admin stale no_async_loading", group="cluster", since="3.0.0", summary="Delete a node's own slots information", complexity="O(1)")
def cluster_flushslots(c: Client, args: list[bytes]):
    cl = _cluster(c)
    if len(c.server.keyspace.dbs[0].data):
        raise CommandError(E.CLUSTER_FLUSHSLOTS_NOT_EMPTY)
    cl.del_node_slots(cl.myself)
    cl.do_before_sleep(3)
    return OK


def _update_slots(c: Client, cl, ranges: list[tuple[int, int]], delete: bool) -> None:
    """checkSlotAssignmentsOrReply for every range, then clusterUpdateSlots."""
    seen = bytearray(CLUSTER_SLOTS)
    for start, end in ranges:
        for slot in range(start, end + 1):
            if delete and cl.slots[slot] is None:
                raise CommandError(E.CLUSTER_SLOT_UNASSIGNED % slot)
            if not delete and cl.slots[slot] is not None:
                raise CommandError(E.CLUSTER_SLOT_BUSY % slot)
            if seen[slot]:
                raise CommandError(E.CLUSTER_SLOT_TWICE % slot)
            seen[slot] = 1
    for slot in range(CLUSTER_SLOTS):
        if seen[slot]:
            cl.importing.pop(slot, None)
            if delete:
                cl.del_slot(slot)
            else:
                cl.add_slot(cl.myself, slot)
    cl.do_before_sleep(3)


def _slots_list(c: Client, args: list[bytes], delete: bool):
    cl = _cluster(c)
    slots = [_slot_arg(a) for a in args[2:]]
    _update_slots(c, cl, [(s, s) for s in slots], delete)
    return OK


def _slots_ranges(c: Client, args: list[bytes], delete: bool):
    cl = _cluster(c)
    if len(args) % 2 == 1:
        raise CommandError(E.WRONG_ARITY % ("cluster|" + _s(args[1]).lower()))
    ranges = []
    for j in range(2, len(args), 2):
        start = _slot_arg(args[j])
        end = _slot_arg(args[j + 1])
        if start > end:
            raise CommandError(E.CLUSTER_START_GT_END % (start, end))
        ranges.append((start, end))
    # Redis checks each range as it parses it; a later bad argument is
    # reported after an earlier range's assignment error.
    _update_slots(c, cl, ranges, delete)
    return OK


@command("cluster|addslots", -3, "admin stale no_async_loading", group="cluster", since="3.0.0", summary="Assign new hash slots to receiving node", complexity="O(N) where N is the total number of hash slot arguments")
def cluster_addslots(c: Client, args: list[bytes]):
    return _slots_list(c, args, False)


@command("cluster|delslots", -3, "admin stale no_async_loading", group="cluster", since="3.0.0", summary="Set hash slots as unbound in receiving node", complexity="O(N) where N is the total number of hash slot arguments")
def cluster_delslots(c: Client, args: list[bytes]):
    return _slots_list(c, args, True)


@command("cluster|addslotsrange", -4, "admin stale no_async_loading", group="cluster", since="7.0.0", summary="Assign new hash slots to receiving node", complexity="O(N) where N is the total number of the slots between the start slot and end slot arguments.")
def cluster_addslotsrange(c: Client, args: list[bytes]):
    return _slots_ranges(c, args, False)


@command("cluster|delslotsrange", -4, "admin stale no_async_loading", group="cluster", since="7.0.0", summary="Set hash slots as unbound in receiving node", complexity="O(N) where N is the total number of the slots between the start slot and end slot arguments.")
def cluster_delslotsrange(c: Client, args: list[bytes]):
    return _slots_ranges(c, args, True)


@command("cluster|setslot", -4, "admin stale no_async_loading", group="cluster", since="3.0.0", summary="Bind a hash slot to a specific node", complexity="O(1)")
def cluster_setslot(c: Client, args: list[bytes]):
    cl = _cluster(c)
    me = cl.myself
    if me.flags & _SLAVE:
        raise CommandError(E.CLUSTER_SETSLOT_REPLICA)
    slot = _slot_arg(args[2])
    action = args[3].lower()
    n_args = len(args)
    if action == b"migrating" and n_args == 5:
        if cl.slots[slot] is not me:
            raise CommandError(E.CLUSTER_NOT_OWNER % slot)
        n = _node_arg(cl, args[4], E.CLUSTER_DONT_KNOW_NODE)
        if n.flags & _SLAVE:
            raise CommandError(E.CLUSTER_TARGET_NOT_MASTER)
        cl.migrating[slot] = n
    elif action == b"importing" and n_args == 5:
        if cl.slots[slot] is me:
            raise CommandError(E.CLUSTER_ALREADY_OWNER % slot)
        n = _node_arg(cl, args[4], E.CLUSTER_DONT_KNOW_NODE)
        if n.flags & _SLAVE:
            raise CommandError(E.CLUSTER_TARGET_NOT_MASTER)
        cl.importing[slot] = n
    elif action == b"stable" and n_args == 4:
        cl.importing.pop(slot, None)
        cl.migrating.pop(slot, None)
    elif action == b"node" and n_args == 5:
        n = _node_arg(cl, args[4])
        if n.flags & _SLAVE:
            raise CommandError(E.CLUSTER_TARGET_NOT_MASTER)
        if cl.slots[slot] is me and n is not me and cl.count_keys_in_slot(slot):
            raise CommandError(E.CLUSTER_SLOT_HAS_KEYS % slot)
        if cl.count_keys_in_slot(slot) == 0:
            cl.migrating.pop(slot, None)
        was_mine = cl.slots[slot] is me
        cl.del_slot(slot)
        cl.add_slot(n, slot)
        if was_mine and n is not me and me.numslots == 0 and cl.config.cluster_allow_replica_migration:
            c.server.log.warning("Configuration change detected. Reconfiguring myself as a replica of %s" % n.name)
            cl.set_master(n)
            cl.do_before_sleep(7)
        if n is me and slot in cl.importing:
            if cl.bump_epoch_without_consensus():
                c.server.log.warning("configEpoch updated after importing slot %d" % slot)
            del cl.importing[slot]
            if cl.bus is not None:
                cl.bus.broadcast_pong()
    else:
        raise CommandError(E.CLUSTER_SETSLOT_SYNTAX)
    cl.do_before_sleep(3)
    return OK


@command("cluster|bumpepoch", 2, "admin stale no_async_loading", group="cluster", since="3.0.0", summary="Advance the cluster config epoch", complexity="O(1)", tips="nondeterministic_output")
def cluster_bumpepoch(c: Client, args: list[bytes]):
    cl = _cluster(c)
    bumped = cl.bump_epoch_without_consensus()
    return SimpleString(b"%s %d" % (b"BUMPED" if bumped else b"STILL", cl.myself.config_epoch))


@command("cluster|saveconfig", 2, "admin stale no_async_loading", group="cluster", since="3.0.0", summary="Forces the node to save cluster state on disk", complexity="O(1)")
def cluster_saveconfig(c: Client, args: list[bytes]):
    err = _cluster(c).save_config()
    if err is not None:
        raise CommandError(E.CLUSTER_SAVECONFIG % err)
    return OK


@command("cluster|forget", 3, "admin stale no_async_loading", group="cluster", since="3.0.0", summary="Remove a node from the nodes table", complexity="O(1)")
def cluster_forget(c: Client, args: list[bytes]):
    cl = _cluster(c)
    n = _node_arg(cl, args[2])
    if n is cl.myself:
        raise CommandError(E.CLUSTER_FORGET_MYSELF)
    if cl.myself.flags & _SLAVE and cl.myself.slaveof is n:
        raise CommandError(E.CLUSTER_FORGET_MASTER)
    cl.blacklist_add(n)
    cl.del_node(n)
    cl.do_before_sleep(3)
    return OK


@command("cluster|replicate", 3, "admin stale no_async_loading", group="cluster", since="3.0.0", summary="Reconfigure a node as a replica of the specified master node", complexity="O(1)")
def cluster_replicate(c: Client, args: list[bytes]):
    cl = _cluster(c)
    n = _node_arg(cl, args[2])
    me = cl.myself
    if n is me:
        raise CommandError(E.CLUSTER_REPLICATE_MYSELF)
    if n.flags & _SLAVE:
        raise CommandError(E.CLUSTER_REPLICATE_REPLICA)
    if me.flags & _MASTER and (me.numslots or len(c.server.keyspace.dbs[0].data)):
        raise CommandError(E.CLUSTER_REPLICATE_NOT_EMPTY)
    cl.set_master(n)
    cl.do_before_sleep(3)
    return OK


def _replicas(c: Client, args: list[bytes]):
    cl = _cluster(c)
    n = _node_arg(cl, args[2])
    if n.flags & _SLAVE:
        raise CommandError(E.CLUSTER_NOT_A_MASTER)
    return [cl.node_description(s).encode("latin-1") for s in n.slaves]


@command("cluster|replicas", 3, "admin stale", group="cluster", since="5.0.0", summary="List replica nodes of the specified master node", complexity="O(1)", tips="nondeterministic_output")
def cluster_replicas(c: Client, args: list[bytes]):
    return _replicas(c, args)


@command("cluster|slaves", 3, "admin stale", group="cluster", since="3.0.0", summary="List replica nodes of the specified master node", complexity="O(1)", tips="nondeterministic_output", doc_flags="deprecated", deprecated_since="5.0.0", replaced_by="`CLUSTER REPLICAS`")
def cluster_slaves(c: Client, args: list[bytes]):
    return _replicas(c, args)


@command("cluster|count-failure-reports", 3, "admin stale", group="cluster", since="3.0.0", summary="Return the number of failure reports active for a given node", complexity="O(N) where N is the number of failure reports", tips="nondeterministic_output")
def cluster_count_failure_reports(c: Client, args: list[bytes]):
    cl = _cluster(c)
    return cl.failure_reports_count(_node_arg(cl, args[2]))


@command("cluster|failover", -2, "admin stale no_async_loading", group="cluster", since="3.0.0", summary="Forces a replica to perform a manual failover of its master.", complexity="O(1)")
def cluster_failover(c: Client, args: list[bytes]):
    cl = _cluster(c)
    if len(args) > 3:
        raise _syntax(args)
    force = takeover = False
    if len(args) == 3:
        opt = args[2].lower()
        if opt == b"force":
            force = True
        elif opt == b"takeover":
            force = takeover = True
        else:
            raise CommandError(E.SYNTAX)
    me = cl.myself
    if me.flags & _MASTER:
        raise CommandError(E.CLUSTER_FAILOVER_MASTER)
    master = me.slaveof
    if master is None:
        raise CommandError(E.CLUSTER_FAILOVER_NO_MASTER)
    if not force and (master.flags & _FAIL or master.link is None):
        raise CommandError(E.CLUSTER_FAILOVER_MASTER_DOWN)
    cl.start_manual_failover(force, takeover)
    return OK


@command("cluster|set-config-epoch", 3, "admin stale no_async_loading", group="cluster", since="3.0.0", summary="Set the configuration epoch in a new node", complexity="O(1)")
def cluster_set_config_epoch(c: Client, args: list[bytes]):
    cl = _cluster(c)
    epoch = to_int(args[2])
    if epoch is None:
        raise CommandError(E.NOT_INTEGER)
    if epoch < 0:
        raise CommandError(E.CLUSTER_INVALID_EPOCH % epoch)
    if len(cl.nodes) > 1:
        raise CommandError(E.CLUSTER_EPOCH_KNOWS_OTHERS)
    if cl.myself.config_epoch != 0:
        raise CommandError(E.CLUSTER_EPOCH_NONZERO)
    cl.myself.config_epoch = epoch
    c.server.log.warning("configEpoch set to %d via CLUSTER SET-CONFIG-EPOCH" % epoch)
    if cl.current_epoch < epoch:
        cl.current_epoch = epoch
    cl.do_before_sleep(3)
    return OK


@command("cluster|reset", -2, "admin noscript stale", group="cluster", since="3.0.0", summary="Reset a Redis Cluster node", complexity="O(N) where N is the number of known nodes. The command may execute a FLUSHALL as a side effect.")
def cluster_reset(c: Client, args: list[bytes]):
    cl = _cluster(c)
    if len(args) > 3:
        raise _syntax(args)
    hard = False
    if len(args) == 3:
        opt = args[2].lower()
        if opt == b"hard":
            hard = True
        elif opt != b"soft":
            raise CommandError(E.SYNTAX)
    if cl.myself.flags & _MASTER and len(c.db.data):
        raise CommandError(E.CLUSTER_RESET_NOT_EMPTY)
    cl.reset(hard)
    return OK


@command("cluster|links", 2, "stale", group="cluster", since="7.0.0", summary="Returns a list of all TCP links to and from peer nodes in cluster", complexity="O(N) where N is the total number of Cluster nodes", tips="nondeterministic_output")
def cluster_links(c: Client, args: list[bytes]):
    cl = _cluster(c)
    out = []
    for n in cl.nodes.values():
        for link, direction in ((n.link, b"to"), (n.inbound_link, b"from")):
            if link is None:
                continue
            out.append(_map([
                b"direction", direction, b"node", n.name.encode(), b"create-time", link.ctime,
                b"events", b"rw" if link.send_buffer() else b"r", b"send-buffer-allocated", link.send_buffer(),
                b"send-buffer-used", link.send_buffer(),
            ]))
    return out


@command("asking", 1, "fast", acl="connection", group="cluster", since="3.0.0", summary="Sent by cluster clients after an -ASK redirect", complexity="O(1)")
def asking(c: Client, args: list[bytes]):
    _cluster(c)
    c.flags |= FLAG_ASKING
    return OK


@command("readonly", 1, "loading stale fast", acl="connection", group="cluster", since="3.0.0", summary="Enables read queries for a connection to a cluster replica node", complexity="O(1)")
def readonly(c: Client, args: list[bytes]):
    _cluster(c)
    c.flags |= FLAG_READONLY
    return OK


@command("readwrite", 1, "loading stale fast", acl="connection", group="cluster", since="3.0.0", summary="Disables read queries for a connection to a cluster replica node", complexity="O(1)")
def readwrite(c: Client, args: list[bytes]):
    _cluster(c)
    c.flags &= ~FLAG_READONLY
    return OK


# -- the dispatcher's redirect step ------------------------------------------------

_PUBSUB_SHARD = frozenset(("ssubscribe", "sunsubscribe", "spublish"))


def needs_redirect_check(spec: CommandSpec) -> bool:
    """processCommand skips commands with no key specs and no movable keys
    (but never EXEC)."""
    return spec.has_keys or spec.getkeys is not None or spec.name == "exec"


def fast_route(c: Client) -> tuple | None:
    """What the batch loops need to run a keyed command without
    process_command in cluster mode: ``(slots, myself, migrating,
    importing)``, with which a command whose keys all hash to one slot that
    this node serves, neither migrating nor importing, gets None from
    cluster_redirect (the state is ok and the client is not ASKING, or None
    is returned here and every command takes process_command)."""
    cl = c.server.cluster
    if cl is None or cl.state != 0 or c.flags & FLAG_ASKING:
        return None
    return (cl.slots, cl.myself, cl.migrating, cl.importing)


def served_here(keypos, args: list[bytes], route: tuple) -> bool:
    """The batch loops' cluster check for one command (the C loop has the
    same): True when cluster_redirect would let it run here. ``keypos`` is
    the command's legacy key range (first, last, step), None for a command
    without keys, False for keys only its getkeys procedure finds."""
    if keypos is None:
        return True
    if keypos is False:
        return False
    first, last, step = keypos
    n = len(args)
    if last < 0:
        last += n
    slot = -1
    for i in range(first, min(last, n - 1) + 1, step):
        s = key_hash_slot(args[i])
        if slot < 0:
            slot = s
        elif s != slot:
            return False
    if slot < 0:
        return False
    slots, me, migrating, importing = route
    return slots[slot] is me and slot not in migrating and slot not in importing


def cluster_redirect(c: Client, spec: CommandSpec, args: list[bytes], writes: bool) -> str | None:
    """getNodeByQuery + clusterRedirectClient: None when this node serves
    the command, else the error text (MOVED, ASK, CROSSSLOT, TRYAGAIN,
    CLUSTERDOWN). ``writes``: the command (a script's declared flags, a
    transaction's queue) writes. The client's ASKING flag is used up."""
    cl = c.server.cluster
    asking_flag = bool(c.flags & FLAG_ASKING)
    if spec.name != "asking" and c.multi_queue is None:
        c.flags &= ~FLAG_ASKING
    if spec.name == "exec":
        if c.multi_queue is None:
            return None
        cmds = c.multi_queue
    else:
        cmds = [(spec, args)]
    me = cl.myself
    slots = cl.slots
    db = c.server.keyspace.dbs[0]
    firstkey = None
    slot = 0
    n = None
    multiple_keys = migrating = importing = False
    missing = existing = 0
    is_shard = spec.name in _PUBSUB_SHARD
    for qspec, qargs in cmds:
        for idx, _flags in qspec.key_refs(qargs):
            key = qargs[idx]
            thisslot = key_hash_slot(key)
            if firstkey is None:
                firstkey = key
                slot = thisslot
                n = slots[slot]
                if n is None:
                    return E.CLUSTERDOWN_UNBOUND
                if n is me and slot in cl.migrating:
                    migrating = True
                elif slot in cl.importing:
                    importing = True
            elif key != firstkey:
                if slot != thisslot:
                    return E.CROSSSLOT
                multiple_keys = True
            if (migrating or importing) and not is_shard:
                if db.peek(key) is None:
                    missing += 1
                else:
                    existing += 1
    if n is None:
        return None
    if cl.state != 0:
        cfg = cl.config
        if is_shard:
            if not cfg.cluster_allow_pubsubshard_when_down:
                return E.CLUSTERDOWN
        elif not cfg.cluster_allow_reads_when_down:
            return E.CLUSTERDOWN
        elif writes:
            return E.CLUSTERDOWN_RO
    if (migrating or importing) and spec.name == "migrate":
        return None
    if migrating and missing:
        if existing:
            return E.TRYAGAIN
        target = cl.migrating[slot]
        return E.ASK % (slot, _redirect_endpoint(cl, target), target.port)
    if importing and (asking_flag or "asking" in spec.flags):
        if multiple_keys and missing:
            return E.TRYAGAIN
        return None
    if (c.flags & FLAG_READONLY or is_shard) and not writes and me.flags & _SLAVE and me.slaveof is n:
        return None
    if n is not me:
        return E.MOVED % (slot, _redirect_endpoint(cl, n), n.port)
    return None


def _redirect_endpoint(cl, n) -> str:
    ep = _endpoint(cl, n)
    return "?" if ep is None else ep.decode()
