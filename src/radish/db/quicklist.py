"""Lists kept as Redis 7.0 keeps them: a quicklist of listpack nodes.

Redis 7.0 keeps every list as a quicklist (quicklist.c): a chain of
nodes, each a listpack (the format of db/listpack.py) filled up to
``list-max-listpack-size`` (``fill``: negative, a size level of 4, 8, 16,
32 or 64 KB; positive, an entry count, with nodes kept within 8 KB), or,
for an element of at least the packed threshold (1 GB; DEBUG
QUICKLIST-PACKED-THRESHOLD), a PLAIN node holding just that element.
radish keeps the same nodes, built by the same steps, so a list costs
what it costs Redis, RDB and DUMP copy each node's bytes, and OBJECT
ENCODING answers ``quicklist``. Nodes are never LZF-compressed
(list-compress-depth is marked not built in the config table).

``QuickList`` is a C class (``_quicklist.c``, used unless
``RADISH_NO_EXTENSIONS`` is set or it is not built) with a pure-Python
twin here, ``PyQuickList``, that gives the same answers and the same node
bytes (tests/unit/test_quicklist_twin.py). The API, deque-like where a
deque has the operation, Redis's command steps where it has not:

``QuickList(items=(), fill=-2)``
    pushes ``items`` at the tail; ``fill`` is clamped to -5..32767 as
    quicklistSetFill does and kept for the list's life (``fill``), as
    Redis keeps the value the list was created with.
``append``, ``appendleft``, ``extend``, ``extendleft``
    quicklistPushTail / quicklistPushHead (elements: bytes or bytearray).
``pop``, ``popleft``
    quicklistPopCustom; IndexError on an empty list.
``popn(count, left)``
    LPOP/RPOP/LMPOP with a count: up to ``count`` elements in reply order,
    removed with quicklistDelRange.
``len``, ``in``, ``lst[i]`` (LINDEX, negative from the tail), ``lst[i] =
x`` (LSET: quicklistReplaceEntry), iteration, ``reversed``, ``==``.
``lrange(start, end, reverse=False)``, ``lrange_raw(start, end)``
    LRANGE's elements after Redis's index normalisation, as a list or as
    the whole RESP reply (an array of bulk strings).
``lpos(element, rank, count, maxlen, reverse)``
    LPOS's scan: the positions of the matches from the ``rank``-th on
    (``count`` 0: all, ``maxlen`` 0: the whole list).
``linsert(pivot, element, after)``
    LINSERT: _quicklistInsert at the first match (False: no pivot).
``lrem(element, count)``
    LREM: quicklistDelEntry of each match, from the tail when count < 0.
``delrange(start, count)``
    quicklistDelRange (LTRIM).
``clear()``, ``copy()`` (quicklistDup), ``nodes()`` (``[(container,
blob)]``, 2 a listpack, 1 a plain element: what RDB saves),
``append_node(container, blob)`` (RDB load: quicklistAppendListpack after
checking every element, or quicklistAppendPlainNode; False when an empty
listpack was skipped), ``node_count()``, ``nbytes()`` (the nodes' bytes),
``free_nodes(k)`` (drops up to ``k`` nodes from the tail, for lazy
freeing; returns the nodes left).

``set_packed_threshold(sz)`` sets the process-wide threshold for both
classes (quicklistisSetPackedThreshold: 0 restores 1 GB; False above 4 GB
less 1 MB).

Imports nothing from radish but the package's ``NO_EXTENSIONS`` and the
listpack codec.
"""

from __future__ import annotations

import struct
from types import ModuleType
from typing import TYPE_CHECKING

from .. import NO_EXTENSIONS
from .listpack import ListpackError, lp_decode, lp_entry

PLAIN = 1
PACKED = 2
_LEVELS = (4096, 8192, 16384, 32768, 65536)
_SIZE_SAFETY_LIMIT = 8192
_SIZE_ESTIMATE_OVERHEAD = 8
_FILL_MAX = 32767
_FILL_MIN = -5
_LP_EMPTY = 7  # header and end byte

_threshold = [1 << 30]


def _as_bytes(x) -> bytes:
    t = type(x)
    if t is bytes:
        return x
    if t is bytearray:
        return bytes(x)
    raise TypeError("list elements must be bytes, not %s" % t.__name__)


def _backlen_size(n: int) -> int:
    return 1 if n <= 127 else 2 if n < 16383 else 3 if n < 2097151 else 4 if n < 268435455 else 5


def _entry_len(blob: bytes, p: int) -> int:
    """The size of the (checked) entry at ``p``: encoding, data, back length."""
    b = blob[p]
    if b < 0x80:
        n = 1
    elif b < 0xC0:
        n = 1 + (b & 0x3F)
    elif b < 0xE0:
        n = 2
    elif b < 0xF0:
        n = 2 + (((b & 0x0F) << 8) | blob[p + 1])
    elif b == 0xF0:
        n = 5 + struct.unpack_from("<I", blob, p + 1)[0]
    else:
        n = {0xF1: 3, 0xF2: 4, 0xF3: 5, 0xF4: 9}[b]
    return n + _backlen_size(n)


class _Node:
    """A packed node: ``el`` the elements, ``ent`` their entries as the
    listpack holds them, ``sz`` the listpack's bytes. A plain node: ``el``
    the one element, ``ent`` None, ``sz`` its length."""

    __slots__ = ("el", "ent", "sz", "plain")

    def __init__(self, el: list, ent: list | None, sz: int) -> None:
        self.el = el
        self.ent = ent
        self.sz = sz
        self.plain = ent is None

    @classmethod
    def packed(cls, x: bytes) -> _Node:
        e = lp_entry(x)
        return cls([x], [e], _LP_EMPTY + len(e))

    @classmethod
    def of_plain(cls, x: bytes) -> _Node:
        return cls([x], None, len(x))

    def insert(self, k: int, x: bytes) -> None:
        e = lp_entry(x)
        self.el.insert(k, x)
        self.ent.insert(k, e)  # type: ignore[union-attr]
        self.sz += len(e)

    def delete(self, a: int, b: int) -> None:
        ent = self.ent
        assert ent is not None
        self.sz -= sum(len(e) for e in ent[a:b])
        del self.el[a:b]
        del ent[a:b]

    def blob(self) -> bytes:
        if self.plain:
            return self.el[0]
        n = len(self.el)
        return struct.pack("<IH", self.sz, n if n < 65535 else 65535) + b"".join(self.ent) + b"\xff"  # type: ignore[arg-type]


def _allow_insert(nd: _Node, fill: int, sz: int) -> bool:
    """_quicklistNodeAllowInsert"""
    if nd.plain or sz >= _threshold[0]:
        return False
    new_sz = nd.sz + sz + _SIZE_ESTIMATE_OVERHEAD
    if fill < 0:
        return new_sz <= _LEVELS[-fill - 1]
    if new_sz > _SIZE_SAFETY_LIMIT:
        return False
    return len(nd.el) < fill


def _allow_merge(a: _Node, b: _Node, fill: int) -> bool:
    """_quicklistNodeAllowMerge"""
    if a.plain or b.plain:
        return False
    merge_sz = a.sz + b.sz - 11
    if fill < 0:
        return merge_sz <= _LEVELS[-fill - 1]
    if merge_sz > _SIZE_SAFETY_LIMIT:
        return False
    return len(a.el) + len(b.el) <= fill


def _clamp_fill(fill: int) -> int:
    fill = int(fill)
    return _FILL_MAX if fill > _FILL_MAX else _FILL_MIN if fill < _FILL_MIN else fill


class _Iter:
    """Iteration that fails once the list changes, as the C iterator does."""

    __slots__ = ("q", "it", "mod")

    def __init__(self, q: PyQuickList, it) -> None:
        self.q = q
        self.it = it
        self.mod = q._mod

    def __iter__(self):
        return self

    def __next__(self) -> bytes:
        if self.it is None:
            raise StopIteration
        if self.q._mod != self.mod:
            self.it = None
            raise RuntimeError("list mutated during iteration")
        try:
            return next(self.it)
        except StopIteration:
            self.it = None
            raise


class PyQuickList:
    """The twin of ``_quicklist.QuickList`` (see the module docstring)."""

    __slots__ = ("_nodes", "_len", "_fill", "_mod")

    def __init__(self, items=(), fill: int = -2) -> None:
        self._nodes: list[_Node] = []
        self._len = 0
        self._fill = _clamp_fill(fill)
        self._mod = 0
        for x in items:
            self._push(x, False)

    @property
    def fill(self) -> int:
        return self._fill

    # -- quicklist.c --------------------------------------------------------------

    def _push(self, x, head: bool) -> None:
        """quicklistPushHead / quicklistPushTail"""
        x = _as_bytes(x)
        nodes = self._nodes
        n = len(x)
        if n >= _threshold[0]:
            nodes.insert(0 if head else len(nodes), _Node.of_plain(x))
        elif nodes and _allow_insert(nodes[0 if head else -1], self._fill, n):
            nd = nodes[0 if head else -1]
            nd.insert(0 if head else len(nd.el), x)
        else:
            nodes.insert(0 if head else len(nodes), _Node.packed(x))
        self._len += 1
        self._mod += 1

    def _del_index(self, i: int, k: int) -> bool:
        """quicklistDelIndex: True when the node went."""
        nd = self._nodes[i]
        self._mod += 1
        if nd.plain or len(nd.el) == 1:
            self._del_node(i)
            return True
        nd.delete(k, k + 1)
        self._len -= 1
        return False

    def _del_node(self, i: int) -> None:
        """__quicklistDelNode"""
        self._len -= len(self._nodes[i].el)
        del self._nodes[i]

    def _locate(self, idx: int) -> tuple[int, int]:
        """(node, place in it) of element idx (0 <= idx < len)."""
        nodes = self._nodes
        acc = 0
        if idx <= (self._len - 1) // 2:
            for i, nd in enumerate(nodes):
                c = len(nd.el)
                if acc + c > idx:
                    return i, idx - acc
                acc += c
        s = self._len - 1 - idx
        for i in range(len(nodes) - 1, -1, -1):
            c = len(nodes[i].el)
            if acc + c > s:
                return i, c - 1 - (s - acc)
            acc += c
        raise AssertionError("index out of range")  # pragma: no cover

    def _split(self, i: int, offset: int, after: bool, x: bytes | None) -> _Node:
        """_quicklistSplitNode (with ``x``: also added to the new node, at
        its head when after, at its tail otherwise)."""
        nd = self._nodes[i]
        k = offset + 1 if after else offset
        if after:
            el, ent = nd.el[k:], nd.ent[k:]  # type: ignore[index]
            nd.delete(k, len(nd.el))
        else:
            el, ent = nd.el[:k], nd.ent[:k]  # type: ignore[index]
            nd.delete(0, k)
        out = _Node(el, ent, _LP_EMPTY + sum(len(e) for e in ent))
        if x is not None:
            out.insert(0 if after else len(out.el), x)
        return out

    def _merge_pair(self, i: int) -> None:
        """_quicklistListpackMerge of nodes i and i + 1."""
        a, b = self._nodes[i], self._nodes[i + 1]
        a.el += b.el
        a.ent += b.ent  # type: ignore[operator]
        a.sz += b.sz - _LP_EMPTY
        del self._nodes[i + 1]

    def _merge_nodes(self, c: int) -> None:
        """_quicklistMergeNodes around node c."""
        nodes, fill = self._nodes, self._fill
        if c >= 2 and _allow_merge(nodes[c - 1], nodes[c - 2], fill):
            self._merge_pair(c - 2)
            c -= 1
        if c + 2 < len(nodes) and _allow_merge(nodes[c + 1], nodes[c + 2], fill):
            self._merge_pair(c + 1)
        target = c
        if c >= 1 and _allow_merge(nodes[c], nodes[c - 1], fill):
            self._merge_pair(c - 1)
            target = c - 1
        if target + 1 < len(nodes) and _allow_merge(nodes[target], nodes[target + 1], fill):
            self._merge_pair(target)

    def _insert(self, i: int, offset: int, x: bytes, after: bool) -> None:
        """_quicklistInsert: x before (or after) element offset of node i."""
        nodes, fill = self._nodes, self._fill
        node = nodes[i]
        sz = len(x)
        count = len(node.el)
        full = not _allow_insert(node, fill, sz)
        at_tail = at_head = avail_next = avail_prev = False
        if after and offset == count - 1:
            at_tail = True
            avail_next = i + 1 < len(nodes) and _allow_insert(nodes[i + 1], fill, sz)
        if not after and offset == 0:
            at_head = True
            avail_prev = i >= 1 and _allow_insert(nodes[i - 1], fill, sz)
        self._len += 1
        self._mod += 1
        if sz >= _threshold[0]:
            big = _Node.of_plain(x)
            if node.plain or (at_tail and after) or (at_head and not after):
                nodes.insert(i + 1 if after else i, big)
            else:
                rest = self._split(i, offset, after, None)
                nodes.insert(i + 1 if after else i, big)
                nodes.insert(i + 2 if after else i, rest)
            return
        if not full:
            node.insert(offset + 1 if after else offset, x)
        elif at_tail and avail_next and after:
            nodes[i + 1].insert(0, x)
        elif at_head and avail_prev and not after:
            prev = nodes[i - 1]
            prev.insert(len(prev.el), x)
        elif (at_tail and not avail_next and after) or (at_head and not avail_prev and not after):
            nodes.insert(i + 1 if after else i, _Node.packed(x))
        else:
            nd = self._split(i, offset, after, x)
            nodes.insert(i + 1 if after else i, nd)
            self._merge_nodes(i if after else i + 1)

    def _replace(self, i: int, offset: int, x: bytes) -> None:
        """quicklistReplaceEntry"""
        nodes = self._nodes
        node = nodes[i]
        large = len(x) >= _threshold[0]
        self._mod += 1
        if not node.plain and not large:
            node.delete(offset, offset + 1)
            node.insert(offset, x)
        elif node.plain:
            if large:
                nodes[i] = _Node.of_plain(x)
            else:
                self._insert(i, 0, x, True)
                self._del_node(i)
        else:
            self._insert(i, offset, x, True)
            node = nodes[i]
            if len(node.el) == 1:
                self._del_node(i)
            else:
                self._del_index(i, len(node.el) - 1)

    def _del_range(self, start: int, count: int) -> int:
        """quicklistDelRange"""
        if count <= 0:
            return 0
        n = self._len
        extent = count
        if start >= 0 and extent > n - start:
            extent = n - start
        elif start < 0 and extent > -start:
            extent = -start
        idx = n + start if start < 0 else start
        if idx < 0 or idx >= n:
            return 0
        deleted = extent
        i, offset = self._locate(idx)
        nodes = self._nodes
        while extent:
            nd = nodes[i]
            c = len(nd.el)
            if offset == 0 and extent >= c:
                d = c
            elif extent + offset >= c:
                d = c - offset
            else:
                d = extent
            if nd.plain or d == c:
                self._del_node(i)
            else:
                nd.delete(offset, offset + d)
                self._len -= d
                i += 1
            extent -= d
            offset = 0
        self._mod += 1
        return deleted

    # -- the API --------------------------------------------------------------------

    def append(self, x) -> None:
        self._push(x, False)

    def appendleft(self, x) -> None:
        self._push(x, True)

    def extend(self, xs) -> None:
        for x in list(xs):
            self._push(x, False)

    def extendleft(self, xs) -> None:
        for x in list(xs):
            self._push(x, True)

    def _pop(self, head: bool) -> bytes:
        if not self._len:
            raise IndexError("pop from an empty list")
        i = 0 if head else len(self._nodes) - 1
        nd = self._nodes[i]
        k = 0 if head else len(nd.el) - 1
        v = nd.el[k]
        self._del_index(i, k)
        return v

    def pop(self) -> bytes:
        return self._pop(False)

    def popleft(self) -> bytes:
        return self._pop(True)

    def _range(self, start: int, k: int, reverse: bool) -> list[bytes]:
        """k elements from start on (or back from start)."""
        out: list[bytes] = []
        if k <= 0:
            return out
        nodes = self._nodes
        i, off = self._locate(start)
        if not reverse:
            while len(out) < k:
                el = nodes[i].el
                out += el[off : off + k - len(out)]
                i += 1
                off = 0
        else:
            while len(out) < k:
                el = nodes[i].el
                lo = max(0, off + 1 - (k - len(out)))
                out += el[lo : off + 1][::-1]
                i -= 1
                if i >= 0:
                    off = len(nodes[i].el) - 1
        return out

    def popn(self, count: int, left: bool) -> list[bytes]:
        if count < 0:
            raise ValueError("popn: a negative count")
        k = min(count, self._len)
        out = self._range(0 if left else self._len - 1, k, not left)
        self._del_range(0 if left else -k, k)
        return out

    def _norm(self, start: int, end: int) -> tuple[int, int] | None:
        n = self._len
        if start < 0:
            start += n
        if end < 0:
            end += n
        if start < 0:
            start = 0
        if start > end or start >= n:
            return None
        if end >= n:
            end = n - 1
        return start, end - start + 1

    def lrange(self, start: int, end: int, reverse: bool = False) -> list[bytes]:
        r = self._norm(start, end)
        if r is None:
            return []
        s, k = r
        return self._range(s + k - 1 if reverse else s, k, reverse)

    def lrange_raw(self, start: int, end: int) -> bytes:
        r = self._norm(start, end)
        if r is None:
            return b"*0\r\n"
        s, k = r
        items = self._range(s, k, False)
        return b"*%d\r\n" % k + b"".join(b"$%d\r\n%b\r\n" % (len(v), v) for v in items)

    def _index(self, i: int) -> int:
        i = int(i)
        if i < 0:
            i += self._len
        if not 0 <= i < self._len:
            raise IndexError("list index out of range")
        return i

    def __getitem__(self, i) -> bytes:
        ni, off = self._locate(self._index(i))
        return self._nodes[ni].el[off]

    def __setitem__(self, i, x) -> None:
        idx = self._index(i)
        x = _as_bytes(x)
        ni, off = self._locate(idx)
        self._replace(ni, off, x)

    def __len__(self) -> int:
        return self._len

    def __contains__(self, x) -> bool:
        x = _as_bytes(x)
        return any(x in nd.el for nd in self._nodes)

    def __iter__(self):
        return _Iter(self, (v for nd in self._nodes for v in nd.el))

    def __reversed__(self):
        return _Iter(self, (v for nd in reversed(self._nodes) for v in reversed(nd.el)))

    def __eq__(self, other) -> bool:
        if not isinstance(other, PyQuickList):
            return NotImplemented
        return self._len == other._len and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        name = type(self).__name__
        return "%s(%r)" % ("QuickList" if name == "PyQuickList" else name, list(self))

    def lpos(self, element: bytes, rank: int, count: int, maxlen: int, reverse: bool) -> list[int]:
        out: list[int] = []
        n = self._len
        matches = 0
        it = reversed(self) if reverse else iter(self)
        for index, v in enumerate(it):
            if maxlen and index >= maxlen:
                break
            if v == element:
                matches += 1
                if matches >= rank:
                    out.append(n - index - 1 if reverse else index)
                    if count and matches - rank + 1 >= count:
                        break
        return out

    def linsert(self, pivot: bytes, element, after: bool) -> bool:
        element = _as_bytes(element)
        for i, nd in enumerate(self._nodes):
            for off, v in enumerate(nd.el):
                if v == pivot:
                    self._insert(i, off, element, bool(after))
                    return True
        return False

    def lrem(self, element: bytes, count: int) -> int:
        rev = count < 0
        limit = -count if rev else count
        removed = 0
        nodes = self._nodes
        if not rev:
            i = 0
            while i < len(nodes):
                nd = nodes[i]
                k = 0
                gone = False
                while k < len(nd.el):
                    if nd.el[k] == element:
                        gone = self._del_index(i, k)
                        removed += 1
                        if removed == limit or gone:
                            break
                    else:
                        k += 1
                if limit and removed == limit:
                    break
                if not gone:
                    i += 1
        else:
            for i in range(len(nodes) - 1, -1, -1):
                nd = nodes[i]
                for k in range(len(nd.el) - 1, -1, -1):
                    if nd.el[k] == element:
                        gone = self._del_index(i, k)
                        removed += 1
                        if removed == limit or gone:
                            break
                if limit and removed == limit:
                    break
        return removed

    def delrange(self, start: int, count: int) -> int:
        return self._del_range(start, count)

    def clear(self) -> None:
        self._nodes = []
        self._len = 0
        self._mod += 1

    def copy(self):
        c = type(self)(fill=self._fill)
        for nd in self._nodes:
            c._nodes.append(_Node(list(nd.el), None if nd.ent is None else list(nd.ent), nd.sz))
        c._len = self._len
        return c

    def nodes(self) -> list[tuple[int, bytes]]:
        return [(PLAIN if nd.plain else PACKED, nd.blob()) for nd in self._nodes]

    def append_node(self, container: int, blob) -> bool:
        blob = bytes(blob)
        if container == PLAIN:
            if not blob:
                raise ValueError("an empty plain node")
            nd = _Node.of_plain(blob)
        elif container == PACKED:
            try:
                el = lp_decode(blob)
            except ListpackError as e:
                raise ValueError(str(e)) from None
            if not el:
                return False
            ent = []
            p = 6
            for _ in el:
                q = p + _entry_len(blob, p)
                ent.append(blob[p:q])
                p = q
            nd = _Node(el, ent, len(blob))
        else:
            raise ValueError("unknown quicklist node container %d" % container)
        self._nodes.append(nd)
        self._len += len(nd.el)
        self._mod += 1
        return True

    def node_count(self) -> int:
        return len(self._nodes)

    def nbytes(self) -> int:
        return sum(nd.sz for nd in self._nodes)

    def free_nodes(self, k: int) -> int:
        while k > 0 and self._nodes:
            self._del_node(len(self._nodes) - 1)
            k -= 1
        self._mod += 1
        return len(self._nodes)

    def __sizeof__(self) -> int:
        return object.__sizeof__(self) + sum(nd.sz for nd in self._nodes)


_c: ModuleType | None
try:
    from . import _quicklist as _c
except ImportError:  # pragma: no cover - not built: the pure-Python twin above
    _c = None

C_BUILT = _c is not None


def set_packed_threshold(sz: int) -> bool:
    """quicklistisSetPackedThreshold for both classes: 0 restores 1 GB;
    False (nothing changed) above 4 GB less 1 MB."""
    if sz > (1 << 32) - (1 << 20):
        return False
    _threshold[0] = sz or 1 << 30
    if _c is not None:
        _c.set_packed_threshold(sz)
    return True


def packed_threshold() -> int:
    return _threshold[0]


if TYPE_CHECKING:
    QuickList = PyQuickList
elif _c is not None and not NO_EXTENSIONS:
    QuickList = _c.QuickList
else:
    QuickList = PyQuickList
