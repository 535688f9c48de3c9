"""HyperLogLog commands (Redis 7.0's hyperloglog group): PFADD, PFCOUNT,
PFMERGE, PFDEBUG, PFSELFTEST.

HLLs are strings holding Redis's own bytes (db/hyperloglog.py), so GET,
SET, DUMP/RESTORE, RDB and replication carry them unchanged. A command that
changes one first turns a ``bytes`` value into a ``bytearray`` changed in
place, as Redis's dbUnshareStringValue makes the string raw (OBJECT
ENCODING then says ``raw``). PFCOUNT of one key stores the cardinality it
computed in the header: that is a write (dirty counter, propagation,
modified key), as in Redis.

Imports: the command registry, errors, RESP reply types and the HLL byte
logic of ``db``; nothing above ``commands``.
"""

from __future__ import annotations

from typing import Any

from .. import errors as E
from ..client import Client
from ..db import hyperloglog as hll
from ..db.notify import NOTIFY_STRING
from ..errors import CommandError
from ..protocol.resp import OK, SimpleString
from .registry import KeySpec, command

_IMPL = hll.IMPL
_is_hll = _IMPL.is_hll
_add = _IMPL.add
_cached_card = _IMPL.cached_card
_recount = _IMPL.recount
_merge_max = _IMPL.merge_max
_REGISTERS = hll.REGISTERS
_DENSE = hll.DENSE

# PFSELFTEST's work, as Redis's (HLL_TEST_CYCLES register rounds, then up
# to ten million elements). On the pure-Python twin (no compiler, or
# RADISH_NO_EXTENSIONS) that would hold the server for minutes: it checks
# the same things on a hundredth of the work (up to 100000 elements).
if hll.IMPL is hll.C_IMPL:
    SELFTEST_CYCLES = 1000
    SELFTEST_ELEMENTS = 10_000_000
else:
    SELFTEST_CYCLES = 10
    SELFTEST_ELEMENTS = 100_000


def _hll_value(v) -> None:
    """isHLLObjectOrReply for a value that exists."""
    t = type(v)
    if t is not bytes and t is not bytearray:
        raise CommandError(E.WRONGTYPE)
    if not _is_hll(v):
        raise CommandError(E.HLL_WRONGTYPE)


def _unshared(db, key: bytes, v) -> bytearray:
    """The value as a bytearray stored at ``key`` (dbUnshareStringValue)."""
    if type(v) is not bytearray:
        v = bytearray(v)
        db.data[key] = v
    return v


@command("pfadd", -2, "write denyoom fast", acl="hyperloglog", keys=(1, 1, 1), key_specs=(KeySpec('RW INSERT', index=1),), group="hyperloglog", since="2.8.9", summary="Adds the specified elements to the specified HyperLogLog.", complexity="O(1) to add every element.", arguments=({"name": "key", "type": "key", "key_spec_index": 0}, {"name": "element", "type": "string", "flags": "optional multiple"}), direct=True)
def pfadd(c: Client, args: list[bytes]):
    """Format: PFADD key [element ...]"""
    key = args[1]
    db = c.db
    v: Any = db.data.get(key)
    if v is None or (db.expires and key in db.expires):
        v = db.lookup_write(key)
    else:
        ks = db.ks
        if ks.lfu_mode:
            db.touch(key)
        else:
            db.lru[key] = ks.lru_now
    if v is None:
        v = bytearray(hll.EMPTY)
        db.add(key, v)
        updated = 1
    else:
        if type(v) is not bytearray:
            _hll_value(v)
            v = bytearray(v)
            db.data[key] = v
        updated = 0
    n = _add(v, args, 2, c.server.config.hll_sparse_max_bytes)
    if n < 0:
        raise CommandError(E.HLL_WRONGTYPE if n == -2 else E.HLL_INVALID)
    updated += n
    if updated:
        db.signal_modified(key)
        db.notify(NOTIFY_STRING, b"pfadd", key)
        c.server.dirty += updated
        v[15] |= 0x80  # cached cardinality invalid
        return 1
    return 0


@command("pfcount", -2, "readonly may_replicate", acl="hyperloglog", keys=(1, -1, 1), key_specs=(KeySpec('RW ACCESS', index=1, lastkey=-1, notes='RW because it may change the internal representation of the key, and propagate to replicas'),), group="hyperloglog", since="2.8.9", summary="Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).", complexity="O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.", arguments=({"name": "key", "type": "key", "key_spec_index": 0, "flags": "multiple"},), direct=True)
def pfcount(c: Client, args: list[bytes]):
    """Format: PFCOUNT key [key ...]"""
    db = c.db
    if len(args) > 2:
        raw = bytearray(_REGISTERS)
        for key in args[1:]:
            v = db.lookup_read(key)
            if v is None:
                continue
            _hll_value(v)
            if not _merge_max(raw, v):
                raise CommandError(E.HLL_INVALID)
        return _IMPL.count_raw(raw)
    key = args[1]
    v = db.data.get(key)
    if v is None or (db.expires and key in db.expires):
        v = db.lookup_read(key)
        if v is None:
            return 0
    else:
        ks = db.ks
        ks.keyspace_hits += 1
        if ks.lfu_mode:
            db.touch(key)
        else:
            db.lru[key] = ks.lru_now
    if type(v) is not bytearray:
        _hll_value(v)
        v = bytearray(v)
        db.data[key] = v
    card = _cached_card(v)
    if card < 0:
        if card == -2:
            raise CommandError(E.HLL_WRONGTYPE)
        card = _recount(v)
        if card < 0:
            raise CommandError(E.HLL_INVALID)
        db.signal_modified(key)
        c.server.dirty += 1
    return card


@command("pfmerge", -2, "write denyoom", acl="hyperloglog", keys=(1, -1, 1), key_specs=(KeySpec('RW ACCESS INSERT', index=1), KeySpec('RO ACCESS', index=2, lastkey=-1),), group="hyperloglog", since="2.8.9", summary="Merge N different HyperLogLogs into a single one.", complexity="O(N) to merge N HyperLogLogs, but with high constant times.", arguments=({"name": "destkey", "type": "key", "key_spec_index": 0}, {"name": "sourcekey", "type": "key", "key_spec_index": 1, "flags": "multiple"}), direct=True)
def pfmerge(c: Client, args: list[bytes]):
    """Format: PFMERGE destkey sourcekey [sourcekey ...]"""
    db = c.db
    raw = bytearray(_REGISTERS)
    use_dense = False
    for key in args[1:]:
        v = db.lookup_read(key)
        if v is None:
            continue
        _hll_value(v)
        if v[4] == _DENSE:
            use_dense = True
        if not _merge_max(raw, v):
            raise CommandError(E.HLL_INVALID)
    dest = args[1]
    v = db.lookup_write(dest)
    if v is None:
        v = bytearray(hll.EMPTY)
        db.add(dest, v)
    else:
        v = _unshared(db, dest, v)
    if not _IMPL.store_merged(v, raw, use_dense, c.server.config.hll_sparse_max_bytes):
        raise CommandError(E.HLL_INVALID)
    db.signal_modified(dest)
    db.notify(NOTIFY_STRING, b"pfadd", dest)
    c.server.dirty += 1
    return OK


@command("pfdebug", 3, "write denyoom admin", acl="hyperloglog", keys=(2, 2, 1), key_specs=(KeySpec('RW ACCESS', index=2),), group="hyperloglog", since="2.8.9", summary="Internal commands for debugging HyperLogLog values", complexity="N/A", doc_flags="syscmd", arguments=({"name": "subcommand", "type": "string"}, {"name": "key", "type": "key", "key_spec_index": 0}))
def pfdebug(c: Client, args: list[bytes]):
    """Format: PFDEBUG subcommand key (GETREG, DECODE, ENCODING, TODENSE)"""
    sub = args[1]
    key = args[2]
    db = c.db
    v = db.lookup_write(key)
    if v is None:
        raise CommandError(E.HLL_NO_KEY)
    _hll_value(v)
    v = _unshared(db, key, v)
    name = sub.lower()
    if name == b"getreg":
        if v[4] != _DENSE:
            if _IMPL.to_dense(v) < 0:
                raise CommandError(E.HLL_INVALID)
            c.server.dirty += 1
        return _IMPL.registers(v)
    if name == b"decode":
        if v[4] == _DENSE:
            raise CommandError(E.HLL_NOT_SPARSE)
        return _IMPL.decode(v)
    if name == b"encoding":
        return SimpleString(b"dense" if v[4] == _DENSE else b"sparse")
    if name == b"todense":
        r = _IMPL.to_dense(v)
        if r < 0:
            raise CommandError(E.HLL_INVALID)
        if r:
            c.server.dirty += 1
        return r
    text = sub.decode("utf-8", "replace").replace("\r", " ").replace("\n", " ")
    raise CommandError(E.HLL_UNKNOWN_DEBUG % text)


@command("pfselftest", 1, "admin", acl="hyperloglog", group="hyperloglog", since="2.8.9", summary="An internal command for testing HyperLogLog values", complexity="N/A", doc_flags="syscmd")
def pfselftest(c: Client, args: list[bytes]):
    """Format: PFSELFTEST"""
    failed = _IMPL.selftest(c.server.config.hll_sparse_max_bytes, SELFTEST_CYCLES, SELFTEST_ELEMENTS)
    if failed is not None:
        raise CommandError("ERR " + failed)
    return OK
