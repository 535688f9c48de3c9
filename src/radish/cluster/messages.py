"""The cluster bus wire format of Redis 7.0 (cluster.h's clusterMsg).

Every message starts with the same 2256-byte header (signature ``RCmb``,
total length, protocol version 1, the sender's ports, type, gossip count,
epochs, replication offset, name, the 16384-bit slot bitmap, its primary's
name, announced IP, extension count, flags, cluster state, message flags);
all integers in network byte order. Then, by type: gossip entries (104
bytes each) and ping extensions (PING, PONG, MEET), a node name (FAIL),
channel and message (PUBLISH), a config epoch, name and slot bitmap
(UPDATE), nothing (failover auth request/ack, MFSTART).

Pure functions over bytes; imports nothing from radish.
"""

from __future__ import annotations

import struct

SIG = b"RCmb"
PROTO_VER = 1
NAMELEN = 40
IPLEN = 46
SLOT_BYTES = 2048

# Message types (CLUSTERMSG_TYPE_*).
PING, PONG, MEET, FAIL, PUBLISH, AUTH_REQUEST, AUTH_ACK, UPDATE, MFSTART, MODULE, PUBLISHSHARD = range(11)
TYPE_COUNT = 11
TYPE_NAMES = ("ping", "pong", "meet", "fail", "publish", "auth-req", "auth-ack", "update", "mfstart",
              "module", "publishshard")

# mflags[0] bits.
FLAG0_PAUSED = 1 << 0
FLAG0_FORCEACK = 1 << 1
FLAG0_EXT_DATA = 1 << 2

EXT_HOSTNAME = 0

_HDR = struct.Struct(">4sIHHHHQQQ40s2048s40s46sH30sHHHB3s")
HEADER_LEN = _HDR.size  # 2256 (CLUSTERMSG_MIN_LEN)
_GOSSIP = struct.Struct(">40sII46sHHHHH")
GOSSIP_LEN = _GOSSIP.size  # 104
_EXT = struct.Struct(">IHH")
FAIL_LEN = HEADER_LEN + NAMELEN
UPDATE_LEN = HEADER_LEN + 8 + NAMELEN + SLOT_BYTES
NULL_NAME = b"\x00" * NAMELEN

assert HEADER_LEN == 2256 and GOSSIP_LEN == 104


class Gossip:
    __slots__ = ("name", "ping_sent", "pong_received", "ip", "port", "cport", "flags", "pport")

    def __init__(self, name: str, ping_sent: int, pong_received: int, ip: str, port: int, cport: int,
                 flags: int, pport: int) -> None:
        self.name = name
        self.ping_sent = ping_sent
        self.pong_received = pong_received
        self.ip = ip
        self.port = port
        self.cport = cport
        self.flags = flags
        self.pport = pport


class Message:
    """A decoded bus message (header fields, plus the type's body)."""

    __slots__ = (
        "totlen", "ver", "port", "type", "count", "current_epoch", "config_epoch", "offset", "sender",
        "myslots", "slaveof", "myip", "extensions", "pport", "cport", "flags", "state", "mflags",
        "gossip", "hostname", "about", "channel", "message", "update_epoch", "update_name", "update_slots",
    )

    totlen: int
    ver: int
    port: int
    type: int
    count: int
    current_epoch: int
    config_epoch: int
    offset: int
    sender: str
    myslots: bytes
    slaveof: str | None
    myip: str
    extensions: int
    pport: int
    cport: int
    flags: int
    state: int
    mflags: bytes

    def __init__(self) -> None:
        self.gossip: list[Gossip] = []
        self.hostname: str | None = None
        self.about = ""
        self.channel = b""
        self.message = b""
        self.update_epoch = 0
        self.update_name = ""
        self.update_slots = b""


def _cstr(b: bytes) -> str:
    i = b.find(b"\x00")
    return (b if i < 0 else b[:i]).decode("latin-1")


def _name(b: bytes) -> str:
    return b.decode("latin-1")


def _pad(s: str, n: int) -> bytes:
    b = s.encode("latin-1")[: n - 1]
    return b + b"\x00" * (n - len(b))


def header(
    type_: int, *, port: int, pport: int, cport: int, current_epoch: int, config_epoch: int, offset: int,
    sender: str, myslots: bytes, slaveof: str | None, myip: str, flags: int, state: int, mflags0: int = 0,
    count: int = 0, extensions: int = 0, totlen: int = 0,
) -> bytes:
    """clusterBuildMessageHdr: the 2256-byte header."""
    return _HDR.pack(
        SIG, totlen, PROTO_VER, port, type_, count, current_epoch, config_epoch, offset,
        sender.encode("latin-1"), myslots, slaveof.encode("latin-1") if slaveof else NULL_NAME,
        _pad(myip, IPLEN), extensions, b"\x00" * 30, pport, cport, flags, state,
        bytes((mflags0, 0, 0)),
    )


def set_totlen(msg: bytearray) -> bytearray:
    struct.pack_into(">I", msg, 4, len(msg))
    return msg


def gossip_entry(name: str, ping_sent_ms: int, pong_received_ms: int, ip: str, port: int, cport: int,
                 flags: int, pport: int) -> bytes:
    """clusterSetGossipEntry (times in seconds, as Redis sends them)."""
    return _GOSSIP.pack(
        name.encode("latin-1"), (ping_sent_ms // 1000) & 0xFFFFFFFF, (pong_received_ms // 1000) & 0xFFFFFFFF,
        _pad(ip, IPLEN), port, cport, flags, pport, 0,
    )


def hostname_ext(hostname: str) -> bytes:
    """The hostname ping extension: 8-byte header, the name NUL-terminated
    and padded to a multiple of 8 bytes."""
    raw = hostname.encode("latin-1") + b"\x00"
    raw += b"\x00" * ((8 - len(raw) % 8) % 8)
    return _EXT.pack(_EXT.size + len(raw), EXT_HOSTNAME, 0) + raw


def expected_length(buf: bytes) -> int | None:
    """clusterProcessPacket's length check: the length a message of this
    type must have (None: malformed extensions)."""
    type_ = struct.unpack_from(">H", buf, 12)[0]
    totlen = struct.unpack_from(">I", buf, 4)[0]
    if type_ in (PING, PONG, MEET):
        count = struct.unpack_from(">H", buf, 14)[0]
        explen = HEADER_LEN + GOSSIP_LEN * count
        if buf[2253] & FLAG0_EXT_DATA:
            extensions = struct.unpack_from(">H", buf, 2214)[0]
            pos = explen
            while extensions:
                extensions -= 1
                if pos + 8 > len(buf):
                    return None
                extlen = struct.unpack_from(">I", buf, pos)[0]
                if extlen % 8 != 0 or totlen - explen < extlen or extlen < 8:
                    return None
                explen += extlen
                pos += extlen
        return explen
    if type_ == FAIL:
        return FAIL_LEN
    if type_ in (PUBLISH, PUBLISHSHARD):
        if len(buf) < HEADER_LEN + 8:
            return None
        clen, mlen = struct.unpack_from(">II", buf, HEADER_LEN)
        return HEADER_LEN + 8 + clen + mlen
    if type_ in (AUTH_REQUEST, AUTH_ACK, MFSTART):
        return HEADER_LEN
    if type_ == UPDATE:
        return UPDATE_LEN
    if type_ == MODULE:
        if len(buf) < HEADER_LEN + 13:
            return None
        return HEADER_LEN + 13 + struct.unpack_from(">I", buf, HEADER_LEN + 8)[0]
    return totlen


def decode(buf: bytes) -> Message:
    """A whole message (its length already checked) as a Message."""
    (sig, totlen, ver, port, type_, count, cur, cfg, offset, sender, myslots, slaveof, myip, extensions,
     _unused, pport, cport, flags, state, mflags) = _HDR.unpack_from(buf, 0)
    m = Message()
    m.totlen, m.ver, m.port, m.type, m.count = totlen, ver, port, type_, count
    m.current_epoch, m.config_epoch, m.offset = cur, cfg, offset
    m.sender = _name(sender)
    m.myslots = myslots
    m.slaveof = None if slaveof == NULL_NAME else _name(slaveof)
    m.myip = _cstr(myip)
    m.extensions, m.pport, m.cport, m.flags, m.state, m.mflags = extensions, pport, cport, flags, state, mflags
    pos = HEADER_LEN
    if type_ in (PING, PONG, MEET):
        for _ in range(count):
            g = _GOSSIP.unpack_from(buf, pos)
            m.gossip.append(Gossip(_name(g[0]), g[1], g[2], _cstr(g[3]), g[4], g[5], g[6], g[7]))
            pos += GOSSIP_LEN
        if mflags[0] & FLAG0_EXT_DATA:
            for _ in range(extensions):
                extlen, ext_type, _pad_ = _EXT.unpack_from(buf, pos)
                if ext_type == EXT_HOSTNAME:
                    m.hostname = _cstr(buf[pos + 8 : pos + extlen])
                pos += extlen
    elif type_ == FAIL:
        m.about = _name(buf[pos : pos + NAMELEN])
    elif type_ in (PUBLISH, PUBLISHSHARD):
        clen, mlen = struct.unpack_from(">II", buf, pos)
        m.channel = bytes(buf[pos + 8 : pos + 8 + clen])
        m.message = bytes(buf[pos + 8 + clen : pos + 8 + clen + mlen])
    elif type_ == UPDATE:
        m.update_epoch = struct.unpack_from(">Q", buf, pos)[0]
        m.update_name = _name(buf[pos + 8 : pos + 8 + NAMELEN])
        m.update_slots = bytes(buf[pos + 8 + NAMELEN : pos + 8 + NAMELEN + SLOT_BYTES])
    return m


def publish_body(channel: bytes, message: bytes) -> bytes:
    return struct.pack(">II", len(channel), len(message)) + channel + message


def update_body(config_epoch: int, name: str, slots: bytes) -> bytes:
    return struct.pack(">Q", config_epoch) + name.encode("latin-1") + slots
