"""Hash slots (CRC16 and hash tags), the per-slot key index of a database
in cluster mode, and the cluster bus wire format."""

from __future__ import annotations

import struct

from radish.cluster import messages as M
from radish.db.keyspace import Keyspace
from radish.db.slots import SlotDict, key_hash_slot


def test_key_hash_slot_matches_redis():
    # Values as redis-server's CLUSTER KEYSLOT gives them.
    assert key_hash_slot(b"foo") == 12182
    assert key_hash_slot(b"bar") == 5061
    assert key_hash_slot(b"") == 0
    assert key_hash_slot(b"123456789") == 0x31C3 & 0x3FFF  # the CRC16/XMODEM check value


def test_hash_tags():
    assert key_hash_slot(b"{user1000}.following") == key_hash_slot(b"{user1000}.followers") == key_hash_slot(b"user1000")
    assert key_hash_slot(b"foo{}{bar}") == key_hash_slot(b"foo{}{bar}")  # empty tag: the whole key
    assert key_hash_slot(b"foo{}{bar}") != key_hash_slot(b"bar")
    assert key_hash_slot(b"foo{{bar}}zap") == key_hash_slot(b"{bar")
    assert key_hash_slot(b"foo{bar}{zap}") == key_hash_slot(b"bar")
    assert key_hash_slot(b"foo{bar") == key_hash_slot(b"foo{bar")  # no closing brace: whole key
    assert key_hash_slot(b"foo{bar") != key_hash_slot(b"bar")


def test_slot_dict_counts_keys_per_slot():
    d = SlotDict()
    d[b"{a}1"] = 1
    d[b"{a}2"] = 2
    d[b"{a}1"] = 3  # overwrite: still one key
    slot = key_hash_slot(b"a")
    assert d.count_in_slot(slot) == 2
    assert d.keys_in_slot(slot, 10) == [b"{a}1", b"{a}2"]
    assert d.keys_in_slot(slot, 1) == [b"{a}1"]
    del d[b"{a}1"]
    assert d.pop(b"{a}2") == 2
    assert d.pop(b"missing", None) is None
    assert d.count_in_slot(slot) == 0
    d.update({b"x": 1, b"y": 2})
    d.setdefault(b"z", 3)
    assert sum(d.count_in_slot(key_hash_slot(k)) for k in (b"x", b"y", b"z")) == 3
    d.popitem()
    assert sum(d.count_in_slot(s) for s in range(16384)) == len(d) == 2
    d.clear()
    assert not d and not any(d.count_in_slot(s) for s in range(16384))


def test_keyspace_slot_index_follows_every_database_change():
    ks = Keyspace(2)
    db = ks.dbs[0]
    db.set(b"before", b"v")
    db.set_expire(b"before", 10**13)
    assert not hasattr(db.data, "count_in_slot")  # no index without cluster mode
    ks.enable_slot_index()
    assert db.get_expire(b"before") == 10**13  # the TTL came along
    assert db.data.count_in_slot(key_hash_slot(b"before")) == 1
    db.set(b"k", b"v")
    db.rename_key(b"k", b"k2")
    assert db.data.count_in_slot(key_hash_slot(b"k")) == 0
    assert db.data.count_in_slot(key_hash_slot(b"k2")) == 1
    db.delete(b"k2")
    assert db.data.count_in_slot(key_hash_slot(b"k2")) == 0
    db.flush()
    assert isinstance(db.data, SlotDict) and len(db.data) == 0
    db.replace_contents({b"loaded": b"v"}, {})
    assert db.data.count_in_slot(key_hash_slot(b"loaded")) == 1


def _ping(**kw) -> bytes:
    base = dict(port=7000, pport=0, cport=17000, current_epoch=5, config_epoch=3, offset=99, sender="a" * 40,
                myslots=bytes(2048), slaveof=None, myip="", flags=1, state=0)
    base.update(kw)
    return M.header(M.PING, **base)


def test_header_layout_is_cluster_h():
    slots = bytearray(2048)
    slots[0] = 0b101  # slots 0 and 2
    h = bytearray(_ping(myslots=bytes(slots), myip="10.0.0.1", slaveof="b" * 40))
    assert len(h) == M.HEADER_LEN == 2256
    M.set_totlen(h)
    assert h[:4] == b"RCmb"
    assert struct.unpack_from(">I", h, 4)[0] == 2256
    assert struct.unpack_from(">HHHH", h, 8) == (1, 7000, M.PING, 0)
    assert struct.unpack_from(">QQQ", h, 16) == (5, 3, 99)
    assert h[40:80] == b"a" * 40
    assert h[80] == 0b101
    assert h[2128:2168] == b"b" * 40
    assert h[2168:2176] == b"10.0.0.1"
    assert struct.unpack_from(">HHH", h, 2246) == (0, 17000, 1)


def test_ping_with_gossip_and_hostname_round_trip():
    g = M.gossip_entry("c" * 40, 5000, 7000, "127.0.0.1", 7001, 17001, 1, 0)
    ext = M.hostname_ext("host-a")
    assert len(g) == 104 and len(ext) == 16 and len(ext) % 8 == 0
    body = g + ext
    msg = bytearray(_ping(count=1, extensions=1, mflags0=M.FLAG0_EXT_DATA) + body)
    M.set_totlen(msg)
    assert M.expected_length(bytes(msg)) == len(msg)
    m = M.decode(bytes(msg))
    assert (m.type, m.count, m.sender, m.current_epoch, m.config_epoch) == (M.PING, 1, "a" * 40, 5, 3)
    assert m.slaveof is None
    (gs,) = m.gossip
    assert (gs.name, gs.ping_sent, gs.pong_received, gs.ip, gs.port, gs.cport) == ("c" * 40, 5, 7, "127.0.0.1", 7001, 17001)
    assert m.hostname == "host-a"


def test_lengths_of_fixed_size_messages():
    fail = bytearray(_ping() + b"d" * 40)
    struct.pack_into(">H", fail, 12, M.FAIL)
    M.set_totlen(fail)
    assert M.expected_length(bytes(fail)) == len(fail) == 2296
    assert M.decode(bytes(fail)).about == "d" * 40
    upd = bytearray(_ping() + M.update_body(9, "e" * 40, b"\xff" * 2048))
    struct.pack_into(">H", upd, 12, M.UPDATE)
    M.set_totlen(upd)
    assert M.expected_length(bytes(upd)) == len(upd)
    m = M.decode(bytes(upd))
    assert (m.update_epoch, m.update_name, m.update_slots) == (9, "e" * 40, b"\xff" * 2048)
    # A PING whose count claims more gossip than it carries is refused.
    short = bytearray(_ping(count=2))
    M.set_totlen(short)
    assert M.expected_length(bytes(short)) != len(short)
