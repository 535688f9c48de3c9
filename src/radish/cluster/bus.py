"""The cluster bus: links to and from the other nodes on the event loop,
what each message does (clusterProcessPacket), the messages we send
(PING/PONG/MEET with gossip, FAIL, UPDATE, PUBLISH) and the cluster cron
(clusterCron, every 100 ms as in Redis), all binary-compatible with Redis
7.0 nodes.
"""

from __future__ import annotations

import asyncio
import random
import socket
import struct

from . import messages as M
from .state import (
    CLUSTER_FAIL,
    FAIL,
    HANDSHAKE,
    MASTER,
    MEET,
    MIGRATE_TO,
    MYSELF,
    NOADDR,
    NOFAILOVER,
    PFAIL,
    SLAVE,
    TODO_FSYNC_CONFIG,
    TODO_HANDLE_FAILOVER,
    TODO_HANDLE_MANUALFAILOVER,
    TODO_SAVE_CONFIG,
    TODO_UPDATE_STATE,
    ClusterState,
    Node,
    add_slave,
    now_ms,
)

CRON_PERIOD = 0.1


class Link(asyncio.Protocol):
    """clusterLink: one TCP connection of the bus (outbound: to ``node``;
    inbound: accepted, its node known once a message names it)."""

    def __init__(self, bus: Bus, node: Node | None, inbound: bool) -> None:
        self.bus = bus
        self.node = node
        self.inbound = inbound
        self.ctime = now_ms()
        self.transport: asyncio.Transport | None = None
        self.pending: list[bytes] = []  # queued before the connection is up
        self.rbuf = bytearray()
        self.freed = False
        self.sent_bytes = 0
        self.recv_bytes = 0

    # asyncio.Protocol
    def connection_made(self, transport) -> None:
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
        if self.freed:
            transport.close()
            return
        if not self.inbound:
            self.bus.link_connected(self)
        if self.pending:
            transport.write(b"".join(self.pending))
            self.pending.clear()

    def data_received(self, data: bytes) -> None:
        self.recv_bytes += len(data)
        buf = self.rbuf
        buf += data
        while len(buf) >= 8 and not self.freed:
            if buf[:4] != M.SIG:
                self.bus.state.log.warning("Bad message length or signature received from Cluster bus.")
                self.free()
                return
            totlen = struct.unpack_from(">I", buf, 4)[0]
            if totlen < M.HEADER_LEN:
                self.bus.state.log.warning("Bad message length or signature received from Cluster bus.")
                self.free()
                return
            if len(buf) < totlen:
                return
            packet = bytes(buf[:totlen])
            del buf[:totlen]
            if not self.bus.process_packet(self, packet):
                return

    def connection_lost(self, exc) -> None:
        self.transport = None
        self.free()

    # ---
    def send(self, msg: bytes) -> None:
        if self.freed:
            return
        self.sent_bytes += len(msg)
        t = struct.unpack_from(">H", msg, 12)[0]
        if t < M.TYPE_COUNT:
            self.bus.state.stats_sent[t] += 1
        if self.transport is not None:
            self.transport.write(msg)
        else:
            self.pending.append(msg)

    def send_buffer(self) -> int:
        """Bytes queued to this node and not yet sent (the link's sndbuf)."""
        queued = sum(map(len, self.pending))
        t = self.transport
        return queued + (t.get_write_buffer_size() if t is not None else 0)

    def memory(self) -> int:
        """getClusterLinkMemUsage: what the link's buffers hold."""
        return self.send_buffer() + len(self.rbuf)

    def free(self) -> None:
        """freeClusterLink."""
        if self.freed:
            return
        self.freed = True
        if self.transport is not None:
            self.transport.close()
        n = self.node
        if n is not None:
            if n.link is self:
                n.link = None
            elif n.inbound_link is self:
                n.inbound_link = None
        self.bus.inbound.discard(self)

    def sock_ip(self) -> str | None:
        if self.transport is None:
            return None
        name = self.transport.get_extra_info("sockname")
        return _ip_of(name)

    def peer_ip(self) -> str | None:
        if self.transport is None:
            return None
        return _ip_of(self.transport.get_extra_info("peername"))


def _ip_of(addr) -> str | None:
    if not addr:
        return None
    ip = addr[0]
    if ip.startswith("::ffff:") and "." in ip:
        ip = ip[7:]
    return ip


class Bus:
    """The listener, the links and the cron of one node."""

    def __init__(self, state: ClusterState) -> None:
        self.state = state
        state.bus = self
        self.listeners: list[asyncio.AbstractServer] = []
        self.inbound: set[Link] = set()
        self.cron_handle: asyncio.TimerHandle | None = None

    async def start(self, binds: list[str]) -> None:
        loop = asyncio.get_running_loop()
        port = self.state.bus_port()
        for addr in binds:
            optional = addr.startswith("-")
            host = addr.lstrip("-")
            if host == "*":
                host = "0.0.0.0"
            try:
                srv = await loop.create_server(self._accept, host=host, port=port, reuse_address=True)
            except OSError:
                if optional:
                    continue
                self.state.log.warning("Failed listening on port %d (cluster), aborting." % port)
                raise SystemExit(1) from None
            self.listeners.append(srv)
        self.cron_handle = loop.call_later(CRON_PERIOD, self._cron_tick)

    def _accept(self) -> Link:
        link = Link(self, None, True)
        self.inbound.add(link)
        return link

    def close(self) -> None:
        if self.cron_handle is not None:
            self.cron_handle.cancel()
        for srv in self.listeners:
            srv.close()
        self.listeners = []
        for n in list(self.state.nodes.values()):
            if n.link is not None:
                n.link.free()
            if n.inbound_link is not None:
                n.inbound_link.free()
        for link in list(self.inbound):
            link.free()

    # -- sending --------------------------------------------------------------

    def _header(self, type_: int, totlen: int = 0, count: int = 0, extensions: int = 0, mflags0: int = 0) -> bytes:
        st = self.state
        me = st.myself
        master = st.my_master()
        cfg = st.config
        if me.is_master() and st.mf_end:  # paused for a replica's manual failover
            mflags0 |= M.FLAG0_PAUSED
        return M.header(
            type_, port=me.port, pport=me.pport, cport=me.cport, current_epoch=st.current_epoch,
            config_epoch=master.config_epoch, offset=st.my_offset(), sender=me.name, myslots=bytes(master.slots),
            slaveof=me.slaveof.name if me.slaveof is not None else None,
            myip=cfg.cluster_announce_ip or "", flags=me.flags & 0xFFFF, state=st.state, mflags0=mflags0,
            count=count, extensions=extensions, totlen=totlen,
        )

    def send_ping(self, link: Link, type_: int) -> None:
        """clusterSendPing."""
        st = self.state
        st.pings_sent += 1
        nodes = list(st.nodes.values())
        freshnodes = len(nodes) - 2
        wanted = max(3, len(nodes) // 10)
        wanted = min(wanted, freshnodes)
        if not link.inbound and type_ == M.PING and link.node is not None:
            link.node.ping_sent = now_ms()
        entries: list[bytes] = []
        maxiter = wanted * 3
        while freshnodes > 0 and len(entries) < wanted and maxiter > 0:
            maxiter -= 1
            n = random.choice(nodes)
            if n is st.myself or n.flags & PFAIL:
                continue
            if n.flags & (HANDSHAKE | NOADDR) or (n.link is None and n.numslots == 0):
                freshnodes -= 1
                continue
            if n.last_in_ping_gossip == st.pings_sent:
                continue
            entries.append(M.gossip_entry(n.name, n.ping_sent, n.pong_received, n.ip, n.port, n.cport,
                                          n.flags & 0xFFFF, n.pport))
            n.last_in_ping_gossip = st.pings_sent
            freshnodes -= 1
        if st.stats_pfail_nodes:
            for n in nodes:
                if n.flags & (HANDSHAKE | NOADDR) or not n.flags & PFAIL:
                    continue
                entries.append(M.gossip_entry(n.name, n.ping_sent, n.pong_received, n.ip, n.port, n.cport,
                                              n.flags & 0xFFFF, n.pport))
        ext = b""
        extensions = 0
        mflags0 = 0
        if st.myself.hostname:
            ext = M.hostname_ext(st.myself.hostname)
            extensions = 1
            mflags0 |= M.FLAG0_EXT_DATA
        body = b"".join(entries) + ext
        hdr = self._header(type_, totlen=M.HEADER_LEN + len(body), count=len(entries), extensions=extensions,
                           mflags0=mflags0)
        link.send(hdr + body)

    def broadcast(self, msg: bytes) -> None:
        for n in self.state.nodes.values():
            if n.flags & (MYSELF | HANDSHAKE) or n.link is None:
                continue
            n.link.send(msg)

    def broadcast_pong(self, local_slaves_only: bool = False) -> None:
        st = self.state
        me = st.myself
        for n in list(st.nodes.values()):
            if n.link is None or n is me or n.flags & HANDSHAKE:
                continue
            if local_slaves_only and not (n.is_slave() and n.slaveof is not None and (
                    n.slaveof is me or n.slaveof is me.slaveof)):
                continue
            self.send_ping(n.link, M.PONG)

    def send_fail(self, name: str) -> None:
        self.broadcast(self._header(M.FAIL, totlen=M.FAIL_LEN) + name.encode("latin-1"))

    def send_update(self, link: Link | None, node: Node) -> None:
        if link is None:
            return
        link.send(self._header(M.UPDATE, totlen=M.UPDATE_LEN) + M.update_body(node.config_epoch, node.name,
                                                                               bytes(node.slots)))

    def request_failover_auth(self) -> None:
        """clusterRequestFailoverAuth: to every node (only primaries
        answer); FORCEACK in a manual failover."""
        st = self.state
        self.broadcast(self._header(M.AUTH_REQUEST, totlen=M.HEADER_LEN,
                                    mflags0=M.FLAG0_FORCEACK if st.mf_end else 0))

    def send_failover_auth(self, node: Node) -> None:
        if node.link is not None:
            node.link.send(self._header(M.AUTH_ACK, totlen=M.HEADER_LEN))

    def send_mfstart(self, node: Node) -> None:
        if node.link is not None:
            node.link.send(self._header(M.MFSTART, totlen=M.HEADER_LEN))

    def send_publish(self, channel: bytes, message: bytes, shard: bool = False) -> None:
        """clusterPropagatePublish: PUBLISH to every node; SPUBLISH to the
        nodes of this node's shard (its primary and that primary's
        replicas, clusterGetNodesServingMySlots)."""
        body = M.publish_body(channel, message)
        msg = self._header(M.PUBLISHSHARD if shard else M.PUBLISH, totlen=M.HEADER_LEN + len(body)) + body
        if not shard:
            self.broadcast(msg)
            return
        me = self.state.myself
        primary = me if me.is_master() else me.slaveof
        if primary is None:
            return
        for n in [primary, *primary.slaves]:
            if n.flags & (MYSELF | HANDSHAKE) or n.link is None:
                continue
            n.link.send(msg)

    # -- receiving --------------------------------------------------------------

    def _sender_of(self, link: Link, m: M.Message) -> Node | None:
        if link.node is not None and not link.node.flags & HANDSHAKE:
            return link.node
        sender = self.state.lookup(m.sender)
        if sender is not None and link.node is None:
            # An inbound link now known to be this node's.
            if sender.inbound_link is not None and sender.inbound_link is not link:
                sender.inbound_link.free()
            sender.inbound_link = link
            link.node = sender
        return sender

    def _update_address(self, node: Node, link: Link, m: M.Message) -> bool:
        """nodeUpdateAddressIfNeeded."""
        if link is node.link:
            return False
        ip = m.myip or link.peer_ip()
        if ip is None:
            return False
        if node.port == m.port and node.cport == m.cport and node.pport == m.pport and node.ip == ip:
            return False
        node.ip = ip
        node.port, node.pport, node.cport = m.port, m.pport, m.cport
        if node.link is not None:
            node.link.free()
        node.flags &= ~NOADDR
        st = self.state
        st.log.warning("Address updated for node %s, now %s:%d" % (node.name, node.ip, node.port))
        if st.myself.is_slave() and st.myself.slaveof is node:
            st.server.replication.set_master(node.ip, node.port)
        return True

    def process_packet(self, link: Link, buf: bytes) -> bool:
        """clusterProcessPacket: False when the link was freed."""
        st = self.state
        totlen = len(buf)
        type_ = struct.unpack_from(">H", buf, 12)[0]
        if type_ < M.TYPE_COUNT:
            st.stats_received[type_] += 1
        if struct.unpack_from(">H", buf, 8)[0] != M.PROTO_VER:
            return True
        explen = M.expected_length(buf)
        if explen is None or explen != totlen:
            st.log.warning("Received invalid %s packet of length %d but expected length %s" % (
                M.TYPE_NAMES[type_] if type_ < M.TYPE_COUNT else "unknown", totlen, explen))
            return True
        m = M.decode(buf)
        t = now_ms()
        me = st.myself
        sender = self._sender_of(link, m)
        if sender is not None:
            sender.data_received = t
        sender_cur = sender_cfg = 0
        if sender is not None and not sender.flags & HANDSHAKE:
            sender_cur, sender_cfg = m.current_epoch, m.config_epoch
            if sender_cur > st.current_epoch:
                st.current_epoch = sender_cur
            if sender_cfg > sender.config_epoch:
                sender.config_epoch = sender_cfg
                st.do_before_sleep(TODO_SAVE_CONFIG | TODO_FSYNC_CONFIG)
            sender.repl_offset = m.offset
            sender.repl_offset_time = t
            # A replica in a manual failover: its primary, paused, says
            # which offset to reach.
            if st.mf_end and me.is_slave() and me.slaveof is sender and m.mflags[0] & M.FLAG0_PAUSED and \
                    st.mf_master_offset == -1:
                st.mf_master_offset = sender.repl_offset
                st.do_before_sleep(TODO_HANDLE_MANUALFAILOVER)
                st.log.warning("Received replication offset for paused master manual failover: %d"
                               % st.mf_master_offset)

        if type_ in (M.PING, M.MEET):
            if (type_ == M.MEET or not me.ip) and not st.config.cluster_announce_ip:
                ip = link.sock_ip()
                if ip is not None and ip != me.ip:
                    me.ip = ip
                    st.log.warning("IP address for this node updated to %s" % me.ip)
                    st.do_before_sleep(TODO_SAVE_CONFIG)
            if sender is None and type_ == M.MEET:
                n = Node(None, HANDSHAKE)
                n.ip = m.myip or link.peer_ip() or ""
                n.port, n.pport, n.cport = m.port, m.pport, m.cport
                st.add_node(n)
                st.do_before_sleep(TODO_SAVE_CONFIG)
                self._process_gossip(m, link)
            self.send_ping(link, M.PONG)

        if type_ in (M.PING, M.PONG, M.MEET):
            if not link.inbound:
                node = link.node
                assert node is not None
                if node.flags & HANDSHAKE:
                    if sender is not None:
                        if self._update_address(sender, link, m):
                            st.do_before_sleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE)
                        st.del_node(node)
                        return False
                    st.rename_node(node, m.sender)
                    node.flags &= ~HANDSHAKE
                    node.flags |= m.flags & (MASTER | SLAVE)
                    st.do_before_sleep(TODO_SAVE_CONFIG)
                elif node.name != m.sender:
                    node.flags |= NOADDR
                    node.ip = ""
                    node.port = node.pport = node.cport = 0
                    link.free()
                    st.do_before_sleep(TODO_SAVE_CONFIG)
                    return False
            if sender is not None:
                sender.flags = (sender.flags & ~NOFAILOVER) | (m.flags & NOFAILOVER)
            if sender is not None and type_ == M.PING and not sender.flags & HANDSHAKE and \
                    self._update_address(sender, link, m):
                st.do_before_sleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE)
            if not link.inbound and type_ == M.PONG:
                node = link.node
                assert node is not None
                node.pong_received = t
                node.ping_sent = 0
                if node.flags & PFAIL:
                    node.flags &= ~PFAIL
                    st.do_before_sleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE)
                elif node.flags & FAIL:
                    st.clear_failure_if_needed(node)
            if sender is not None:
                if m.slaveof is None:
                    st.set_node_as_master(sender)
                else:
                    master = st.lookup(m.slaveof)
                    if sender.is_master():
                        st.del_node_slots(sender)
                        sender.flags &= ~(MASTER | 256)
                        sender.flags |= SLAVE
                        st.do_before_sleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE)
                    if master is not None and sender.slaveof is not master:
                        if sender.slaveof is not None and sender in sender.slaveof.slaves:
                            sender.slaveof.slaves.remove(sender)
                        add_slave(master, sender)
                        sender.slaveof = master
                        st.do_before_sleep(TODO_SAVE_CONFIG)
            sender_master = None
            dirty_slots = False
            if sender is not None:
                sender_master = sender if sender.is_master() else sender.slaveof
                if sender_master is not None:
                    dirty_slots = bytes(sender_master.slots) != m.myslots
            if sender is not None and sender.is_master() and dirty_slots:
                st.update_slots_config_with(sender, sender_cfg, m.myslots)
            if sender is not None and dirty_slots:
                for j in range(16384):
                    if m.myslots[j >> 3] & (1 << (j & 7)):
                        owner = st.slots[j]
                        if owner is sender or owner is None or st._unclaimed(j):
                            continue
                        if owner.config_epoch > sender_cfg:
                            st.log.verbose("Node %s has old slots configuration, sending an UPDATE message "
                                           "about %s" % (sender.name, owner.name))
                            self.send_update(sender.link, owner)
                            break
            if sender is not None and me.is_master() and sender.is_master() and sender_cfg == me.config_epoch:
                st.handle_epoch_collision(sender)
            if sender is not None:
                self._process_gossip(m, link)
                if m.hostname != sender.hostname:
                    sender.hostname = m.hostname or ""
        elif type_ == M.FAIL:
            if sender is not None:
                failing = st.lookup(m.about)
                if failing is not None and not failing.flags & (FAIL | MYSELF):
                    st.log.notice("FAIL message received from %s about %s" % (m.sender, m.about))
                    failing.flags |= FAIL
                    failing.fail_time = t
                    failing.flags &= ~PFAIL
                    st.do_before_sleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE)
            else:
                st.log.notice("Ignoring FAIL message from unknown node %s about %s" % (m.sender, m.about))
        elif type_ in (M.PUBLISH, M.PUBLISHSHARD):
            if sender is None:
                return True
            pubsub = st.server.pubsub
            if type_ == M.PUBLISH:
                pubsub.publish(m.channel, m.message)
            else:
                pubsub.spublish(m.channel, m.message)
        elif type_ == M.AUTH_REQUEST:
            if sender is None:
                return True
            st.send_failover_auth_if_needed(sender, m)
        elif type_ == M.AUTH_ACK:
            if sender is None:
                return True
            # A vote counts from a primary serving slots, in our election's
            # epoch or later.
            if sender.is_master() and sender.numslots > 0 and sender_cur >= st.failover_auth_epoch:
                st.failover_auth_count += 1
                st.do_before_sleep(TODO_HANDLE_FAILOVER)
        elif type_ == M.MFSTART:
            if sender is None or sender.slaveof is not me:
                return True
            st.master_mf_start(sender, t)
            # Our offset, flagged PAUSED, at once.
            self.send_ping(link, M.PING)
        elif type_ == M.UPDATE:
            if sender is None:
                return True
            about = st.lookup(m.update_name)
            if about is None or about.config_epoch >= m.update_epoch:
                return True
            if about.is_slave():
                st.set_node_as_master(about)
            about.config_epoch = m.update_epoch
            st.do_before_sleep(TODO_SAVE_CONFIG | TODO_FSYNC_CONFIG)
            st.update_slots_config_with(about, m.update_epoch, m.update_slots)
        return True

    def _process_gossip(self, m: M.Message, link: Link) -> None:
        """clusterProcessGossipSection."""
        st = self.state
        sender = link.node if link.node is not None else st.lookup(m.sender)
        for g in m.gossip:
            node = st.lookup(g.name)
            if node is not None:
                if sender is not None and sender.is_master() and node is not st.myself:
                    if g.flags & (FAIL | PFAIL):
                        if st.add_failure_report(node, sender):
                            st.log.verbose("Node %s reported node %s as not reachable." % (sender.name, node.name))
                        st.mark_failing_if_needed(node)
                    elif st.del_failure_report(node, sender):
                        st.log.verbose("Node %s reported node %s is back online." % (sender.name, node.name))
                if not g.flags & (FAIL | PFAIL) and node.ping_sent == 0 and st.failure_reports_count(node) == 0:
                    pongtime = g.pong_received * 1000
                    if pongtime <= now_ms() + 500 and pongtime > node.pong_received:
                        node.pong_received = pongtime
                if node.flags & (FAIL | PFAIL) and not g.flags & NOADDR and not g.flags & (FAIL | PFAIL) and (
                        node.ip.lower() != g.ip.lower() or node.port != g.port or node.cport != g.cport):
                    if node.link is not None:
                        node.link.free()
                    node.ip, node.port, node.pport, node.cport = g.ip, g.port, g.pport, g.cport
                    node.flags &= ~NOADDR
            elif sender is not None and not g.flags & NOADDR and not st.blacklisted(g.name):
                from .state import valid_name

                if not valid_name(g.name):
                    continue
                n = Node(g.name, g.flags)
                n.ip, n.port, n.pport, n.cport = g.ip, g.port, g.pport, g.cport
                st.add_node(n)

    # -- cron -------------------------------------------------------------------

    def _cron_tick(self) -> None:
        try:
            self.cron()
        except Exception as e:  # never let the cron die
            self.state.log.warning("cluster cron error: %r" % (e,))
        loop = asyncio.get_event_loop()
        self.cron_handle = loop.call_later(CRON_PERIOD, self._cron_tick)

    def _connect(self, node: Node) -> None:
        link = Link(self, node, False)
        node.link = link
        loop = asyncio.get_event_loop()

        async def go() -> None:
            try:
                await loop.create_connection(lambda: link, node.ip, node.cport)
            except OSError as e:
                if node.ping_sent == 0:
                    node.ping_sent = now_ms()
                self.state.log.verbose("Connection with Node %s at %s:%d failed: %s" % (
                    node.name, node.ip, node.cport, e.strerror or e))
                link.free()

        loop.create_task(go())

    def link_connected(self, link: Link) -> None:
        """clusterLinkConnectHandler: a PING (a MEET to a node met with
        CLUSTER MEET) goes first."""
        node = link.node
        if node is None or node.link is not link:
            return
        old_ping_sent = node.ping_sent
        self.send_ping(link, M.MEET if node.flags & MEET else M.PING)
        if old_ping_sent:
            node.ping_sent = old_ping_sent
        node.flags &= ~MEET

    def cron(self) -> None:
        """clusterCron."""
        st = self.state
        cfg = st.config
        st.iteration += 1
        st.update_myself_announced()
        timeout = cfg.cluster_node_timeout
        handshake_timeout = max(timeout, 1000)
        t = now_ms()
        st.stats_pfail_nodes = 0
        st.links_memory = 0
        limit = cfg.cluster_link_sendbuf_limit
        for node in list(st.nodes.values()):
            for link in (node.link, node.inbound_link):
                if link is None:
                    continue
                if limit and link.send_buffer() > limit:  # freeClusterLinkOnBufferLimitReached
                    st.log.warning(
                        "Freeing cluster link(%s node %s, used memory: %d) due to exceeding send buffer memory limit."
                        % ("from" if link.inbound else "to", node.name, link.send_buffer())
                    )
                    link.free()
                    st.stats_links_buffer_limit_exceeded += 1
                else:
                    st.links_memory += link.memory()
            if node.flags & (MYSELF | NOADDR):
                continue
            if node.flags & PFAIL:
                st.stats_pfail_nodes += 1
            if node.flags & HANDSHAKE and t - node.ctime > handshake_timeout:
                st.del_node(node)
                continue
            if node.link is None:
                self._connect(node)
        if st.iteration % 10 == 0:
            min_pong_node = None
            min_pong = 0
            nodes = list(st.nodes.values())
            for _ in range(5):
                n = random.choice(nodes)
                if n.link is None or n.ping_sent != 0 or n.flags & (MYSELF | HANDSHAKE):
                    continue
                if min_pong_node is None or min_pong > n.pong_received:
                    min_pong_node, min_pong = n, n.pong_received
            if min_pong_node is not None and min_pong_node.link is not None:
                self.send_ping(min_pong_node.link, M.PING)
        update_state = False
        me = st.myself
        orphaned_masters = max_slaves = this_slaves = 0
        for node in list(st.nodes.values()):
            t = now_ms()
            if node.flags & (MYSELF | NOADDR | HANDSHAKE):
                continue
            if me.is_slave() and node.is_master() and not node.flags & FAIL:
                okslaves = st.count_non_failing_slaves(node)
                if okslaves == 0 and node.numslots > 0 and node.flags & MIGRATE_TO:
                    orphaned_masters += 1
                max_slaves = max(max_slaves, okslaves)
                if me.slaveof is node:
                    this_slaves = okslaves
            ping_delay = t - node.ping_sent
            data_delay = t - node.data_received
            if (node.link is not None and t - node.link.ctime > timeout and node.ping_sent
                    and ping_delay > timeout // 2 and data_delay > timeout // 2):
                node.link.free()
            if node.link is not None and node.ping_sent == 0 and t - node.pong_received > timeout // 2:
                self.send_ping(node.link, M.PING)
                continue
            if st.mf_end and me.is_master() and st.mf_slave is node and node.link is not None:
                self.send_ping(node.link, M.PING)  # the replica in a manual failover: continuously
                continue
            if node.ping_sent == 0:
                continue
            node_delay = min(ping_delay, data_delay)
            if node_delay > timeout and not node.flags & (PFAIL | FAIL):
                st.log.debug("*** NODE %s possibly failing" % node.name)
                node.flags |= PFAIL
                update_state = True
        repl = st.server.replication
        if me.is_slave() and not repl.is_replica() and me.slaveof is not None and not me.slaveof.flags & NOADDR:
            repl.set_master(me.slaveof.ip, me.slaveof.port)
        st.manual_failover_check_timeout()
        if me.is_slave():
            st.handle_manual_failover()
            st.handle_slave_failover()
            if orphaned_masters and max_slaves >= 2 and this_slaves == max_slaves and \
                    cfg.cluster_allow_replica_migration:
                st.handle_slave_migration(max_slaves)
        if update_state or st.state == CLUSTER_FAIL:
            st.update_state()
