"""The stream type: entries ordered by ID, consumer groups, pending lists.

Layout mirrors Redis's (t_stream.c): the entries live in *nodes*, each one
listpack of Redis's radix tree. A node starts with a "master entry" (the
fields of its first entry); it holds up to ``stream-node-max-entries``
entries (live and deleted) and is closed when its listpack would reach
``stream-node-max-bytes``.

Storage: each node keeps its entries as the very bytes of Redis's listpack
(``StreamNode.lp``, see ``streamlp``), not as Python objects. Why: a Python
tuple of two bytes plus an int ID cost ~150 bytes per entry (RSS ~12x
redis-server's for ``XADD s * f v``), while the listpack holds such an entry
in ~10 bytes (delta-encoded IDs, fields left out when they are the master
entry's), so memory is Redis's plus a small per-node overhead. The exact
layout also means nodes split where Redis's do (the size is ``lp_bytes()``,
the real one), approximate trimming (``~``, whole nodes only) removes the
same entries, and saving a node (RDB, DUMP) is a copy. Appending encodes
one entry at the end; reading decodes the node from its start, as Redis's
iterator does (a node is at most 4 KB / 100 entries by default). The codec
has a C twin (``_streamlp.c``) for the hot paths: ``range_raw`` has it
encode XRANGE's reply straight from the bytes, and ``add_star`` makes
``XADD key * …``'s whole change in one call when the entry goes to the last
node (``py_add_star`` is its Python twin). Measured with
bench/bench_memory.py (1M x ``XADD s * f v``): RSS growth 0.87x
redis-server's.

* An ID is one int: ``ms << 64 | seq`` (so +1 / -1 are Redis's
  streamIncrID / streamDecrID and comparisons are integer comparisons).
* ``StreamValue.nkeys`` holds each node's master ID (the rax key), sorted,
  parallel to ``nodes``: an ID range is found with a bisection, O(log n),
  then decoded from the node(s) it touches.
* XDEL marks an entry deleted as Redis does (its flags byte, in place); a
  node whose last live entry is deleted is dropped.
* Consumer groups (``Group``) keep ``pel`` (a SortedDict ID -> ``Nack``),
  ``consumers`` (name -> ``Consumer``, each with its own SortedDict PEL
  sharing the Nack objects), ``last_id`` and ``entries_read`` (-1 when
  unknown).

Imports nothing from radish outside ``db`` but strconv and the package's
``NO_EXTENSIONS`` (through streamlp).
"""

from __future__ import annotations

from bisect import bisect_right

from sortedcontainers import SortedDict

from .streamlp import (
    NO_EXTENSIONS,
    RAW,
    REV,
    TOMBSTONES,
    append,
    int_element,
    master_entry,
    read,
    scan,
)
from .streamlp import _c as _streamlp_c

MASK64 = (1 << 64) - 1
MAX_ID = (1 << 128) - 1
FLAG_DELETED = 1
FLAG_SAMEFIELDS = 2
LISTPACK_MAX_SIZE = 1 << 30  # STREAM_LISTPACK_MAX_SIZE
INVALID_ENTRIES_READ = -1


def id_bytes(i: int) -> bytes:
    return b"%d-%d" % (i >> 64, i & MASK64)


def make_id(ms: int, seq: int) -> int:
    return (ms << 64) | seq


def to_int64(v: int) -> int:
    """A uint64 difference as the int64 lpAppendInteger stores."""
    v &= MASK64
    return v - (1 << 64) if v >= (1 << 63) else v


# -- listpack sizes ------------------------------------------------------------------


def lp_int_size(v: int) -> int:
    """Bytes of an integer element (encoding + backlen) in a listpack."""
    if 0 <= v <= 127:
        return 2
    if -4096 <= v <= 4095:
        return 3
    if -32768 <= v <= 32767:
        return 4
    if -8388608 <= v <= 8388607:
        return 5
    if -2147483648 <= v <= 2147483647:
        return 6
    return 10


# -- nodes ---------------------------------------------------------------------------


class StreamNode:
    """One listpack of Redis's radix tree, as its bytes (see streamlp):
    ``lp`` holds the master entry and the entries; the live and deleted
    counters and the last entry's ID are kept beside it."""

    __slots__ = ("master", "mfields", "lp", "count", "deleted", "last")

    def __init__(self, master: int, mfields: tuple) -> None:
        self.master = master
        self.mfields = mfields
        self.lp = master_entry(mfields)
        self.count = 0  # live entries
        self.deleted = 0  # entries flagged deleted
        self.last = master  # ID of the last entry, deleted or not

    def lp_bytes(self) -> int:
        """lpBytes of Redis's listpack for this node."""
        return 6 + lp_int_size(self.count) + lp_int_size(self.deleted) + len(self.lp) + 1

    def add(self, new_id: int, fv: tuple) -> bytes:
        """Append an entry; returns its ID as text."""
        text = append(self.lp, self.master, self.mfields, new_id, fv)
        self.last = new_id
        self.count += 1
        return text

    def scan(self, start: int, end: int, count: int = 0, flags: int = 0):
        return scan(self.lp, self.master, self.mfields, start, end, count, flags)

    def set_flags(self, pos: int, flags: int) -> None:
        """Rewrite the flags element at ``pos`` (lpReplaceInteger)."""
        lp = self.lp
        if lp[pos] < 0x80 and flags < 0x80:  # 7-bit uint and its backlen: one byte
            lp[pos] = flags
        else:  # another encoding (a file not written by Redis): re-encoded
            lp[pos : read(lp, pos)[1]] = int_element(flags)

    def last_id_any(self) -> int:
        """The ID of the node's last entry, deleted or not (lpGetEdgeStreamID)."""
        return self.last

    @property
    def ids(self) -> list[int]:
        """The IDs of every entry, deleted or not (for tests and tools)."""
        return [e[0] for e in self.scan(0, MAX_ID, 0, TOMBSTONES)]

    def compact(self) -> None:
        """Drop the room the bytearray kept for growth (the node is closed)."""
        self.lp = bytearray(self.lp)

    def copy(self) -> StreamNode:
        n = StreamNode.__new__(StreamNode)
        n.master = self.master
        n.mfields = self.mfields
        n.lp = bytearray(self.lp)
        n.count = self.count
        n.deleted = self.deleted
        n.last = self.last
        return n


def py_add_star(s: StreamValue, args: list[bytes], now_ms: int, max_bytes: int, max_entries: int) -> bytes | None:
    """``XADD key * field value …``'s (``args``) whole change when the entry
    goes to the stream's last node (``StreamValue.append``'s common case):
    the ID ``*`` generates,
    the entry, the counters. Returns the ID as text, or None (nothing
    changed) when another case applies (no node, the node full, the ID
    space exhausted, odd limits): the caller then takes the general path.
    ``add_star`` is this or its C twin (``_streamlp.add_star``)."""
    fv = tuple(args[3:])
    if not 0 < max_bytes <= LISTPACK_MAX_SIZE or len(fv) < 2 or len(fv) & 1:
        return None
    nodes = s.nodes
    if not nodes:
        return None
    node = nodes[-1]
    if node.count + node.deleted >= (max_entries if 0 < max_entries < 128 else 128):
        return None
    total = 0
    for x in fv:
        total += len(x)
    # lp_bytes() with both counters under 128 (2 bytes each)
    if len(node.lp) + 11 + total >= max_bytes:
        return None
    last = s.last_id
    if now_ms > last >> 64:
        new_id = now_ms << 64
    elif last == MAX_ID:
        return None
    else:
        new_id = last + 1
    text = append(node.lp, node.master, node.mfields, new_id, fv)
    node.last = new_id
    node.count += 1
    s.length += 1
    s.entries_added += 1
    s.last_id = new_id
    if s.length == 1:
        s.first_id = new_id
    return text


# -- consumer groups -------------------------------------------------------------------


class Nack:
    __slots__ = ("delivery_time", "delivery_count", "consumer")

    def __init__(self, consumer: Consumer | None, now_ms: int) -> None:
        self.delivery_time = now_ms
        self.delivery_count = 1
        self.consumer = consumer


class Consumer:
    __slots__ = ("name", "seen_time", "pel")

    def __init__(self, name: bytes, seen_time: int) -> None:
        self.name = name
        self.seen_time = seen_time
        self.pel: SortedDict = SortedDict()


class Group:
    __slots__ = ("last_id", "entries_read", "pel", "consumers")

    def __init__(self, last_id: int, entries_read: int) -> None:
        self.last_id = last_id
        self.entries_read = entries_read
        self.pel: SortedDict = SortedDict()
        self.consumers: dict[bytes, Consumer] = {}

    def sorted_consumers(self) -> list[Consumer]:
        """Consumers in Redis's order (its rax sorts names bytewise)."""
        return [self.consumers[k] for k in sorted(self.consumers)]

    def delete_consumer(self, consumer: Consumer) -> None:
        pel = self.pel
        for i in consumer.pel:
            pel.pop(i, None)
        del self.consumers[consumer.name]


# -- the stream --------------------------------------------------------------------------


class StreamValue:
    TYPE_NAME = b"stream"
    __slots__ = ("nkeys", "nodes", "length", "last_id", "first_id", "max_deleted", "entries_added", "cgroups")

    def __init__(self) -> None:
        self.nkeys: list[int] = []
        self.nodes: list[StreamNode] = []
        self.length = 0
        self.last_id = 0
        self.first_id = 0
        self.max_deleted = 0
        self.entries_added = 0
        self.cgroups: dict[bytes, Group] | None = None

    def encoding(self, config) -> str:
        return "stream"

    def __len__(self) -> int:
        return self.length

    def __bool__(self) -> bool:
        return True  # an empty stream is still a key

    # -- adding ----------------------------------------------------------------

    def append(self, new_id: int, fv: tuple, max_bytes: int, max_entries: int) -> bytes:
        """streamAppendItem after the ID checks: add entry ``fv`` (a flat
        field/value tuple) as ``new_id``, opening a node where Redis would;
        returns the ID as text."""
        nodes = self.nodes
        node = nodes[-1] if nodes else None
        if node is not None:
            nmb = max_bytes
            if nmb == 0 or nmb > LISTPACK_MAX_SIZE:
                nmb = LISTPACK_MAX_SIZE
            total = 0
            for x in fv:
                total += len(x)
            c = node.count
            d = node.deleted
            # lp_bytes(), inlined: the counters are small integers (2 bytes) until 128.
            size = (2 if c < 128 else lp_int_size(c)) + (2 if d < 128 else lp_int_size(d)) + len(node.lp) + 7
            if size + total >= nmb or (max_entries and c + d >= max_entries):
                node.compact()
                node = None
        if node is None:
            node = StreamNode(new_id, fv[0::2])
            nodes.append(node)
            self.nkeys.append(new_id)
        text = append(node.lp, node.master, node.mfields, new_id, fv)
        node.last = new_id
        node.count += 1
        self.length += 1
        self.entries_added += 1
        self.last_id = new_id
        if self.length == 1:
            self.first_id = new_id
        return text

    # -- reading -----------------------------------------------------------------

    def iter_range(self, start: int, end: int, rev: bool = False, tombstones: bool = False):
        """(node, (id, fv, pos, flags)) of the entries with start <= ID <=
        end, in order (reverse order with ``rev``); deleted entries only
        with ``tombstones``."""
        keys = self.nkeys
        nodes = self.nodes
        flags = (REV if rev else 0) | (TOMBSTONES if tombstones else 0)
        if not rev:
            ni = bisect_right(keys, start) - 1
            if ni < 0:
                ni = 0
            n = len(nodes)
            while ni < n:
                node = nodes[ni]
                if node.master > end:
                    return
                for e in node.scan(start, end, 0, flags):
                    yield node, e
                ni += 1
        else:
            ni = bisect_right(keys, end) - 1
            while ni >= 0:
                node = nodes[ni]
                if node.last < start:
                    return
                for e in node.scan(start, end, 0, flags):
                    yield node, e
                ni -= 1

    def range(self, start: int, end: int, count: int = 0, rev: bool = False) -> list:
        """[[id, [field, value, ...]], ...] as XRANGE replies (count 0: all)."""
        out = []
        for _node, e in self.iter_range(start, end, rev):
            out.append([id_bytes(e[0]), e[1]])
            if count and len(out) >= count:
                break
        return out

    def range_raw(self, start: int, end: int, count: int = 0, rev: bool = False) -> bytes:
        """``range``'s reply, RESP-encoded (the same in RESP2 and RESP3)."""
        keys = self.nkeys
        nodes = self.nodes
        n = 0
        parts = []
        if not rev:
            ni = bisect_right(keys, start) - 1
            if ni < 0:
                ni = 0
            last = len(nodes)
            while ni < last:
                node = nodes[ni]
                if node.master > end:
                    break
                k, data = scan(node.lp, node.master, node.mfields, start, end, count - n if count else 0, RAW)
                if k:
                    n += k
                    parts.append(data)
                    if count and n >= count:
                        break
                ni += 1
        else:
            ni = bisect_right(keys, end) - 1
            while ni >= 0:
                node = nodes[ni]
                if node.last < start:
                    break
                k, data = scan(node.lp, node.master, node.mfields, start, end, count - n if count else 0, RAW | REV)
                if k:
                    n += k
                    parts.append(data)
                    if count and n >= count:
                        break
                ni -= 1
        if len(parts) == 1:
            return b"*%d\r\n%b" % (n, parts[0])
        return b"*%d\r\n" % n + b"".join(parts)

    def _find(self, i: int):
        """(node index, entry) of entry ``i`` (deleted or not), or None."""
        ni = bisect_right(self.nkeys, i) - 1
        if ni < 0:
            return None
        node = self.nodes[ni]
        if i > node.last:
            return None
        found = node.scan(i, i, 1, TOMBSTONES)
        return (ni, found[0]) if found else None

    def get(self, i: int) -> tuple | None:
        """The fields of live entry ``i`` or None."""
        f = self._find(i)
        if f is None or f[1][3] & FLAG_DELETED:
            return None
        return f[1][1]

    def exists(self, i: int) -> bool:
        return self.get(i) is not None

    def edge_id(self, first: bool, tombstones: bool = False) -> int:
        """streamGetEdgeID: the first (or last) entry's ID, or MAX (0) when
        there is none."""
        flags = (0 if first else REV) | (TOMBSTONES if tombstones else 0)
        for node in self.nodes if first else reversed(self.nodes):
            e = node.scan(0, MAX_ID, 1, flags)
            if e:
                return e[0][0]
        return MAX_ID if first else 0

    def last_valid_id(self) -> int:
        return self.edge_id(False)

    def entries(self):
        """(id, fields) of every live entry, in order."""
        for node in self.nodes:
            for e in node.scan(0, MAX_ID):
                yield e[0], e[1]

    # -- deleting ------------------------------------------------------------------

    def delete(self, i: int) -> bool:
        """streamDeleteItem: flag live entry ``i`` deleted (dropping its node
        when it was the node's last live entry)."""
        f = self._find(i)
        if f is None:
            return False
        ni, (_i, _fv, pos, fl) = f
        if fl & FLAG_DELETED:
            return False
        node = self.nodes[ni]
        if node.count == 1:
            del self.nodes[ni]
            del self.nkeys[ni]
        else:
            node.set_flags(pos, fl | FLAG_DELETED)
            node.count -= 1
            node.deleted += 1
        self.length -= 1
        return True

    def trim(self, maxlen: int | None, minid: int | None, approx: bool, limit: int) -> int:
        """streamTrim: MAXLEN (``maxlen``) or MINID (``minid``) trimming;
        returns the number of entries removed."""
        deleted = 0
        nodes = self.nodes
        keys = self.nkeys
        while nodes:
            if maxlen is not None and self.length <= maxlen:
                break
            node = nodes[0]
            entries = node.count
            if limit and deleted + entries > limit:
                break
            if maxlen is not None:
                remove_node = self.length - entries >= maxlen
            else:
                assert minid is not None
                remove_node = node.last_id_any() < minid
            if remove_node:
                del nodes[0]
                del keys[0]
                self.length -= entries
                deleted += entries
                continue
            if approx:
                break
            from_lp = 0
            for i, _fv, pos, fl in node.scan(0, MAX_ID, 0, TOMBSTONES):
                if maxlen is not None:
                    if self.length <= maxlen:
                        break
                elif i >= minid:
                    break
                if not fl & FLAG_DELETED:
                    node.set_flags(pos, fl | FLAG_DELETED)
                    from_lp += 1
                    self.length -= 1
            deleted += from_lp
            node.count -= from_lp
            node.deleted += from_lp
            break
        if self.length == 0:
            self.first_id = 0
        elif deleted:
            self.first_id = self.edge_id(True)
        return deleted

    # -- groups ----------------------------------------------------------------------

    def group(self, name: bytes) -> Group | None:
        cg = self.cgroups
        return cg.get(name) if cg is not None else None

    def create_group(self, name: bytes, last_id: int, entries_read: int) -> Group | None:
        if self.cgroups is None:
            self.cgroups = {}
        if name in self.cgroups:
            return None
        g = self.cgroups[name] = Group(last_id, entries_read)
        return g

    def sorted_groups(self) -> list[tuple[bytes, Group]]:
        cg = self.cgroups
        if not cg:
            return []
        return [(k, cg[k]) for k in sorted(cg)]

    # -- consumer-group counters (lag) -------------------------------------------------

    def range_has_tombstones(self, start: int, end: int = MAX_ID) -> bool:
        md = self.max_deleted
        if not self.length or md == 0:
            return False
        if self.first_id > md:
            return False
        return start <= md <= end

    def estimate_distance(self, i: int) -> int:
        """streamEstimateDistanceFromFirstEverEntry (-1: unknown)."""
        if not self.entries_added:
            return 0
        if not self.length and i <= self.last_id:
            return self.entries_added
        if i == self.last_id:
            return self.entries_added
        if i > self.last_id:
            return INVALID_ENTRIES_READ
        md = self.max_deleted
        if md == 0 or md < self.first_id:
            if i < self.first_id:
                return self.entries_added - self.length
            if i == self.first_id:
                return self.entries_added - self.length + 1
        return INVALID_ENTRIES_READ

    def group_lag(self, g: Group) -> int | None:
        if not self.entries_added:
            return 0
        if g.entries_read != INVALID_ENTRIES_READ and not self.range_has_tombstones(g.last_id):
            return self.entries_added - g.entries_read
        er = self.estimate_distance(g.last_id)
        if er != INVALID_ENTRIES_READ:
            return self.entries_added - er
        return None

    # -- introspection -------------------------------------------------------------------

    def rax_nodes(self) -> int:
        """The node count of Redis's radix tree holding these master IDs
        (XINFO STREAM radix-tree-nodes), as a compressed trie of the
        16-byte big-endian keys."""
        keys = [k.to_bytes(16, "big") for k in self.nkeys]
        if not keys:
            return 1

        def count(lo: int, hi: int, d: int) -> int:
            if d == 16:
                return 1
            a, b = keys[lo], keys[hi - 1]
            p = d
            while p < 16 and a[p] == b[p]:
                p += 1
            if p > d:
                return 1 + count(lo, hi, p)
            total = 1
            i = lo
            while i < hi:
                c = keys[i][d]
                j = i + 1
                while j < hi and keys[j][d] == c:
                    j += 1
                total += count(i, j, d + 1)
                i = j
            return total

        return count(0, len(keys), 0)

    def copy(self) -> StreamValue:
        s = StreamValue()
        s.nkeys = list(self.nkeys)
        s.nodes = [n.copy() for n in self.nodes]
        s.length = self.length
        s.last_id = self.last_id
        s.first_id = self.first_id
        s.max_deleted = self.max_deleted
        s.entries_added = self.entries_added
        if self.cgroups is not None:
            s.cgroups = {}
            for name, g in self.cgroups.items():
                ng = Group(g.last_id, g.entries_read)
                s.cgroups[name] = ng
                for cname, cons in g.consumers.items():
                    nc = Consumer(cname, cons.seen_time)
                    ng.consumers[cname] = nc
                    for i, nack in cons.pel.items():
                        nn = Nack(nc, nack.delivery_time)
                        nn.delivery_count = nack.delivery_count
                        nc.pel[i] = nn
                        ng.pel[i] = nn
                for i, nack in g.pel.items():
                    if i not in ng.pel:  # a NACK without consumer (never in Redis)
                        nn = Nack(None, nack.delivery_time)
                        nn.delivery_count = nack.delivery_count
                        ng.pel[i] = nn
        return s


add_star = _streamlp_c.add_star if _streamlp_c is not None and not NO_EXTENSIONS else py_add_star
