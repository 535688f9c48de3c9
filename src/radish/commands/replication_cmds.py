"""Replication commands: REPLCONF, PSYNC, SYNC, WAIT, REPLICAOF/SLAVEOF,
ROLE. The work is done by ``c.server.replication`` (replication/)."""

from __future__ import annotations

from .. import errors as E
from ..client import Client, ReplicaState
from ..errors import CommandError
from ..protocol.resp import OK, SimpleString
from .args import parse_int, to_int
from .client_info import client_info_line
from .registry import command
from .results import NO_REPLY, Block


@command("replconf", -1, "admin noscript loading stale allow_busy", group="server", since="3.0.0", summary="An internal command for configuring the replication stream", complexity="O(1)", doc_flags="syscmd")
def replconf(c: Client, args: list[bytes]):
    """Format: REPLCONF option value [option value ...]"""
    if len(args) % 2 == 0:
        raise CommandError(E.SYNTAX)
    repl = c.server.replication
    st = c.repl
    if st is None:
        st = c.repl = ReplicaState(c)
    for i in range(1, len(args), 2):
        opt = args[i].lower()
        val = args[i + 1]
        if opt == b"listening-port":
            port = to_int(val)
            if port is None:
                raise CommandError(E.NOT_INTEGER)
            st.listening_port = port
        elif opt == b"ip-address":
            st.ip_address = val.decode("utf-8", "replace")
        elif opt == b"capa":
            st.capa.add(val.lower().decode("utf-8", "replace"))
        elif opt == b"ack":
            off = to_int(val)
            if off is not None:
                repl.primary.on_ack(c, off)
            return NO_REPLY
        elif opt == b"getack":
            return NO_REPLY  # only meaningful on a replica's master link
        elif opt == b"rdb-only" or opt == b"rdb-filter-only":
            pass
        else:
            raise CommandError(E.REPLCONF_OPTION % args[i].decode("utf-8", "replace"))
    return OK


def _sync(c: Client, replid: str, offset: int, psync: bool, failover: bool = False):
    repl = c.server.replication
    if c.multi_queue is not None:
        raise CommandError(E.NOT_IN_MULTI)
    if failover:
        # The old primary of a FAILOVER asks its target to take over.
        c.server.log.warning("Failover request received for replid %s." % replid)
        if not repl.is_replica():
            raise CommandError(E.PSYNC_FAILOVER_MASTER)
        if replid != repl.replid:
            raise CommandError(E.PSYNC_FAILOVER_REPLID)
        repl.set_no_master()
        c.server.log.notice("MASTER MODE enabled (failover request from '%s')" % _client_text(c))
    if repl.failover.running():
        raise CommandError(E.NOMASTERLINK_FAILING_OVER)
    if repl.is_replica() and repl.link_state != "connected":
        raise CommandError(E.NOMASTERLINK_SYNC)
    if c.connection is None:
        raise CommandError(E.REPL_NEEDS_NETWORK)
    repl.primary.attach(c, replid, offset, psync)
    return NO_REPLY


@command("psync", -3, "admin noscript no_async_loading no_multi", group="server", since="2.8.0", summary="Internal command used for replication")
def psync(c: Client, args: list[bytes]):
    """Format: PSYNC replicationid offset"""
    offset = to_int(args[2])
    if offset is None:
        raise CommandError(E.NOT_INTEGER)
    failover = len(args) > 3 and args[3].lower() == b"failover"
    return _sync(c, args[1].decode("utf-8", "replace"), offset, True, failover)


@command("sync", 1, "admin noscript no_async_loading no_multi", group="server", since="1.0.0", summary="Internal command used for replication")
def sync(c: Client, args: list[bytes]):
    """Format: SYNC"""
    return _sync(c, "?", -1, False)


@command("wait", 3, "noscript", acl="connection", group="generic", since="3.0.0", summary="Wait for the synchronous replication of all the write commands sent in the context of the current connection", complexity="O(1)", tips="request_policy:all_shards response_policy:agg_min", direct=True)
def wait(c: Client, args: list[bytes]):
    """Format: WAIT numreplicas timeout"""
    repl = c.server.replication
    if repl.is_replica():
        raise CommandError(E.WAIT_ON_REPLICA)
    numreplicas = to_int(args[1])
    if numreplicas is None:
        raise CommandError(E.NOT_INTEGER)
    timeout = to_int(args[2])
    if timeout is None:
        raise CommandError(E.TIMEOUT_NOT_INTEGER)
    if timeout < 0:
        raise CommandError(E.TIMEOUT_NEGATIVE)
    primary = repl.primary
    target = c.woff
    acked = primary.count_acked(target)
    if acked >= numreplicas or c.no_block:
        return acked
    primary.request_ack()

    def ready():
        n = primary.count_acked(target)
        return n if n >= numreplicas else None

    return Block([], timeout / 1000.0, timeout_fn=lambda: primary.count_acked(target), ready_fn=ready)


def _client_text(c: Client) -> str:
    """catClientInfoString, as replicaofCommand logs who asked."""
    return client_info_line(c).decode("utf-8", "replace")


def _replicaof(c: Client, args: list[bytes]):
    if c.server.cluster is not None:
        raise CommandError(E.REPLICAOF_CLUSTER)
    repl = c.server.replication
    if repl.failover.running():
        raise CommandError(E.REPLICAOF_FAILING_OVER)
    host, port = args[1], args[2]
    if host.lower() == b"no" and port.lower() == b"one":
        if repl.is_replica():
            repl.set_no_master()
            c.server.log.notice("MASTER MODE enabled (user request from '%s')" % _client_text(c))
        return OK
    p = to_int(port)
    if p is None or p < 0 or p > 65535:
        raise CommandError(E.INVALID_MASTER_PORT)
    hs = host.decode("utf-8", "replace")
    if repl.is_replica() and repl.master_host == hs and repl.master_port == p:
        return SimpleString(b"OK Already connected to specified master")
    repl.set_master(hs, p)
    c.server.log.notice("REPLICAOF %s:%d enabled (user request from '%s')" % (hs, p, _client_text(c)))
    return OK


@command("replicaof", 3, "admin noscript stale no_async_loading", group="server", since="5.0.0", summary="Make the server a replica of another instance, or promote it as master.", complexity="O(1)")
def replicaof(c: Client, args: list[bytes]):
    """Format: REPLICAOF host port | REPLICAOF NO ONE"""
    return _replicaof(c, args)


@command("slaveof", 3, "admin noscript stale no_async_loading", group="server", since="1.0.0", summary="Make the server a replica of another instance, or promote it as master.", complexity="O(1)", doc_flags="deprecated", deprecated_since="5.0.0", replaced_by="`REPLICAOF`")
def slaveof(c: Client, args: list[bytes]):
    """Format: SLAVEOF host port | SLAVEOF NO ONE"""
    return _replicaof(c, args)


@command("failover", -1, "admin noscript stale", group="server", since="6.2.0", summary="Start a coordinated failover between this server and one of its replicas.", complexity="O(1)", arguments=(
    {"name": "target", "type": "block", "token": "TO", "flags": "optional", "arguments": [
        {"name": "host", "type": "string"}, {"name": "port", "type": "integer"},
        {"name": "force", "type": "pure-token", "token": "FORCE", "flags": "optional"}]},
    {"name": "abort", "type": "pure-token", "token": "ABORT", "flags": "optional"},
    {"name": "milliseconds", "type": "integer", "token": "TIMEOUT", "flags": "optional"},
))
def failover(c: Client, args: list[bytes]):
    """Format: FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT milliseconds]"""
    server = c.server
    fo = server.replication.failover
    if server.config.cluster_enabled:
        raise CommandError(E.FAILOVER_CLUSTER)
    if len(args) == 2 and args[1].lower() == b"abort":
        if not fo.running():
            raise CommandError(E.FAILOVER_NOT_IN_PROGRESS)
        fo.abort("Failover manually aborted")
        return OK
    timeout = port = 0
    force = False
    host: str | None = None
    j = 1
    while j < len(args):
        opt = args[j].lower()
        if opt == b"timeout" and j + 1 < len(args) and timeout == 0:
            timeout = parse_int(args[j + 1])
            if timeout <= 0:
                raise CommandError(E.FAILOVER_TIMEOUT)
            j += 2
        elif opt == b"to" and j + 2 < len(args) and host is None:
            port = parse_int(args[j + 2])
            host = args[j + 1].decode("utf-8", "replace")
            j += 3
        elif opt == b"force" and not force:
            force = True
            j += 1
        else:
            raise CommandError(E.SYNTAX)
    repl = server.replication
    if fo.running():
        raise CommandError(E.FAILOVER_IN_PROGRESS)
    if repl.is_replica():
        raise CommandError(E.FAILOVER_ON_REPLICA)
    if not repl.primary.replicas:
        raise CommandError(E.FAILOVER_NO_REPLICAS)
    if force and (not timeout or host is None):
        raise CommandError(E.FAILOVER_FORCE)
    if host is not None:
        st = fo.find_replica(host, port)
        if st is None:
            raise CommandError(E.FAILOVER_NOT_REPLICA)
        if st.state != "online":
            raise CommandError(E.FAILOVER_NOT_ONLINE)
    fo.start(host, port, timeout, force)
    return OK


@command("role", 1, "noscript loading stale fast", acl="admin dangerous", group="server", since="2.8.12", summary="Return the role of the instance in the context of replication", complexity="O(1)")
def role(c: Client, args: list[bytes]):
    """Format: ROLE"""
    return c.server.replication.role_reply()
