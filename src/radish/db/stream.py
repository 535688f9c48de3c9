"""The stream type: entries ordered by ID, consumer groups, pending lists.

Layout mirrors Redis's (t_stream.c): the entries live in *nodes*, each the
Python twin of one listpack of Redis's radix tree. A node starts with a
"master entry" (the fields of its first entry); it holds up to
``stream-node-max-entries`` entries (live and deleted) and is closed when
its listpack would reach ``stream-node-max-bytes``. The node keeps the exact
size its listpack would have (``body`` plus the count/deleted header
integers), so nodes split where Redis's do, approximate trimming (``~``,
whole nodes only) removes the same entries, and the RDB writer can encode
each node as the very listpack Redis would write.

* An ID is one int: ``ms << 64 | seq`` (so +1 / -1 are Redis's
  streamIncrID / streamDecrID and comparisons are integer comparisons).
* ``StreamValue.nkeys`` holds each node's master ID (the rax key), sorted,
  parallel to ``nodes``: an ID range is found with two bisections, O(log n).
* A node keeps its entries in parallel lists: ``ids`` (absolute IDs),
  ``vals`` (field/value tuples, flat) and ``flags`` (a bytearray of Redis's
  entry flags: 1 deleted, 2 same fields as the master entry). XDEL marks an
  entry deleted as Redis does; a node whose last live entry is deleted is
  dropped.
* Consumer groups (``Group``) keep ``pel`` (a SortedDict ID -> ``Nack``),
  ``consumers`` (name -> ``Consumer``, each with its own SortedDict PEL
  sharing the Nack objects), ``last_id`` and ``entries_read`` (-1 when
  unknown).

Imports nothing from radish outside ``db`` but strconv.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from sortedcontainers import SortedDict

from ..strconv import string2ll

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


def _backlen_size(n: int) -> int:
    if n <= 127:
        return 1
    if n < 16383:
        return 2
    if n < 2097151:
        return 3
    if n < 268435455:
        return 4
    return 5


def lp_str_size(s: bytes) -> int:
    """Bytes of element ``s`` in a listpack (stored as an integer when it
    reads as one, as lpAppend does)."""
    n = len(s)
    if n and n < 21 and (48 <= s[0] <= 57 or s[0] == 45):
        v = string2ll(s)
        if v is not None:
            return lp_int_size(v)
    if n < 64:
        e = 1 + n
    elif n < 4096:
        e = 2 + n
    else:
        e = 5 + n
    return e + _backlen_size(e)


# -- nodes ---------------------------------------------------------------------------


class StreamNode:
    """One listpack of Redis's radix tree."""

    __slots__ = ("master", "mfields", "ids", "vals", "flags", "count", "deleted", "body")

    def __init__(self, master: int, mfields: tuple) -> None:
        self.master = master
        self.mfields = mfields
        self.ids: list[int] = []
        self.vals: list[tuple] = []
        self.flags = bytearray()
        self.count = 0  # live entries
        self.deleted = 0  # entries flagged deleted
        # listpack bytes but the header, the end byte and the count/deleted
        # integers: master num-fields, master fields, the master terminator,
        # then every entry.
        self.body = lp_int_size(len(mfields)) + sum(lp_str_size(f) for f in mfields) + 2

    def lp_bytes(self) -> int:
        return 6 + lp_int_size(self.count) + lp_int_size(self.deleted) + self.body + 1

    def add(self, new_id: int, fv: tuple, flags: int) -> None:
        nf = len(fv) >> 1
        ms_d = to_int64((new_id >> 64) - (self.master >> 64))
        seq_d = to_int64((new_id & MASK64) - (self.master & MASK64))
        size = 2 + lp_int_size(ms_d) + lp_int_size(seq_d)
        if flags & FLAG_SAMEFIELDS:
            for k in range(1, len(fv), 2):
                size += lp_str_size(fv[k])
            lp_count = nf + 3
        else:
            size += lp_int_size(nf)
            for x in fv:
                size += lp_str_size(x)
            lp_count = nf + 3 + nf + 1
        size += lp_int_size(lp_count)
        self.body += size
        self.ids.append(new_id)
        self.vals.append(fv)
        self.flags.append(flags)
        self.count += 1

    def last_id_any(self) -> int:
        """The ID of the node's last entry, deleted or not (lpGetEdgeStreamID)."""
        return self.ids[-1]

    def copy(self) -> StreamNode:
        n = StreamNode.__new__(StreamNode)
        n.master = self.master
        n.mfields = self.mfields
        n.ids = list(self.ids)
        n.vals = list(self.vals)
        n.flags = bytearray(self.flags)
        n.count = self.count
        n.deleted = self.deleted
        n.body = self.body
        return n


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

    def append(self, new_id: int, fv: tuple, max_bytes: int, max_entries: int) -> None:
        """streamAppendItem after the ID checks: add entry ``fv`` (a flat
        field/value tuple) as ``new_id``, opening a node where Redis would."""
        nodes = self.nodes
        node = nodes[-1] if nodes else None
        if node is not None:
            nmb = max_bytes
            if nmb == 0 or nmb > LISTPACK_MAX_SIZE:
                nmb = LISTPACK_MAX_SIZE
            total = 0
            for x in fv:
                total += len(x)
            if node.lp_bytes() + total >= nmb or (max_entries and node.count + node.deleted >= max_entries):
                node = None
        if node is None:
            node = StreamNode(new_id, fv[0::2])
            nodes.append(node)
            self.nkeys.append(new_id)
            flags = FLAG_SAMEFIELDS
        else:
            mf = node.mfields
            flags = FLAG_SAMEFIELDS if len(mf) * 2 == len(fv) and mf == fv[0::2] else 0
        node.add(new_id, fv, flags)
        self.length += 1
        self.entries_added += 1
        self.last_id = new_id
        if self.length == 1:
            self.first_id = new_id

    # -- reading -----------------------------------------------------------------

    def iter_range(self, start: int, end: int, rev: bool = False, tombstones: bool = False):
        """(node, index) of the entries with start <= ID <= end, in order
        (reverse order with ``rev``); deleted entries only with
        ``tombstones``."""
        keys = self.nkeys
        nodes = self.nodes
        if not rev:
            ni = bisect_right(keys, start) - 1
            if ni < 0:
                ni = 0
            n = len(nodes)
            while ni < n:
                node = nodes[ni]
                ids = node.ids
                fl = node.flags
                j = bisect_left(ids, start)
                m = len(ids)
                while j < m:
                    x = ids[j]
                    if x > end:
                        return
                    if tombstones or not fl[j] & FLAG_DELETED:
                        yield node, j
                    j += 1
                ni += 1
        else:
            ni = bisect_right(keys, end) - 1
            while ni >= 0:
                node = nodes[ni]
                ids = node.ids
                fl = node.flags
                j = bisect_right(ids, end) - 1
                while j >= 0:
                    x = ids[j]
                    if x < start:
                        return
                    if tombstones or not fl[j] & FLAG_DELETED:
                        yield node, j
                    j -= 1
                ni -= 1

    def range(self, start: int, end: int, count: int = 0, rev: bool = False) -> list:
        """[[id, [field, value, ...]], ...] as XRANGE replies (count 0: all)."""
        out = []
        for node, j in self.iter_range(start, end, rev):
            out.append([id_bytes(node.ids[j]), node.vals[j]])
            if count and len(out) >= count:
                break
        return out

    def get(self, i: int) -> tuple | None:
        """The fields of live entry ``i`` or None."""
        ni = bisect_right(self.nkeys, i) - 1
        if ni < 0:
            return None
        node = self.nodes[ni]
        j = bisect_left(node.ids, i)
        if j < len(node.ids) and node.ids[j] == i and not node.flags[j] & FLAG_DELETED:
            return node.vals[j]
        return None

    def exists(self, i: int) -> bool:
        return self.get(i) is not None

    def edge_id(self, first: bool, tombstones: bool = False) -> int:
        """streamGetEdgeID: the first (or last) entry's ID, or MAX (0) when
        there is none."""
        for node, j in self.iter_range(0, MAX_ID, not first, tombstones):
            return node.ids[j]
        return MAX_ID if first else 0

    def last_valid_id(self) -> int:
        return self.edge_id(False)

    def entries(self):
        """(id, fields) of every live entry, in order."""
        for node in self.nodes:
            fl = node.flags
            vals = node.vals
            for j, i in enumerate(node.ids):
                if not fl[j] & FLAG_DELETED:
                    yield i, vals[j]

    # -- deleting ------------------------------------------------------------------

    def delete(self, i: int) -> bool:
        """streamDeleteItem: flag live entry ``i`` deleted (dropping its node
        when it was the node's last live entry)."""
        keys = self.nkeys
        ni = bisect_right(keys, i) - 1
        if ni < 0:
            return False
        node = self.nodes[ni]
        ids = node.ids
        j = bisect_left(ids, i)
        if j >= len(ids) or ids[j] != i or node.flags[j] & FLAG_DELETED:
            return False
        if node.count == 1:
            del self.nodes[ni]
            del keys[ni]
        else:
            node.flags[j] |= FLAG_DELETED
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
            fl = node.flags
            ids = node.ids
            for j in range(len(ids)):
                if maxlen is not None:
                    if self.length <= maxlen:
                        break
                elif ids[j] >= minid:  # type: ignore[operator]
                    break
                if not fl[j] & FLAG_DELETED:
                    fl[j] |= FLAG_DELETED
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
