"""Cursors for SCAN, HSCAN, SSCAN and ZSCAN.

Redis's guarantee: an element present for the whole iteration is returned
at least once, even while others are added or removed. CPython dicts and
sets expose no stable bucket positions, so a cursor here names a *snapshot*
of the collection's members taken when the iteration started (cursor 0)
plus a position in it: ``cursor = snapshot_id << 32 | position``. Members
deleted since the snapshot are skipped; members added after it may or may
not be returned (also Redis's rule). Snapshots are kept in a small LRU; a
cursor whose snapshot was evicted restarts from a fresh snapshot at the same
position (the only case where the guarantee weakens: after 64 newer
iterations have started on the same server, or when abandoned iterations
hold more than MAX_HELD_ENTRIES references in all — about 32 MB — the
oldest snapshots are dropped first, never the newest).

A snapshot is a list of references, taken in C speed (``list(d)``): about
5 ms per million keys, paid once per iteration instead of per call.

The keyspace's C table (keytable.py) is not snapshotted (its keys are not
objects; listing them would make one per key): its entries stay in order,
so the cursor is a position in them (``scan_keys``). Entries move only when
the table squeezes out deleted entries; the cursor keeps the table's
``scan_state`` (serial, version, deletes, holes, entries) of its last
step, and when the version moved it steps back by the holes there were plus
the keys deleted since (more than the entries before it could have moved
by), so it may return keys twice but never skips one. The walk ends at the
number of entries there were when it started (keys added later are
appended, and a steady stream of them would otherwise keep a slow
iteration from ending). A cursor for another table (the database was
flushed or swapped) starts over.

Imports nothing from radish outside ``db``.
"""

from __future__ import annotations

from collections import OrderedDict

MAX_SNAPSHOTS = 64
MAX_HELD_ENTRIES = 4_000_000
_POS_BITS = 32
_POS_MASK = (1 << _POS_BITS) - 1


class ScanCursors:
    """Snapshot registry shared by every SCAN-family command."""

    def __init__(self, max_snapshots: int = MAX_SNAPSHOTS, max_entries: int = MAX_HELD_ENTRIES) -> None:
        self._snaps: OrderedDict[int, list | tuple] = OrderedDict()  # a snapshot, or a table cursor's place
        self._next_id = 1
        self._held = 0
        self.max_snapshots = max_snapshots
        self.max_entries = max_entries

    def held_entries(self) -> int:
        """References held by unfinished iterations' snapshots."""
        return self._held

    def _new(self, members) -> tuple[int, list]:
        sid = self._next_id
        self._next_id = (self._next_id % ((1 << 30) - 1)) + 1
        snap = list(members)
        self._snaps[sid] = snap
        self._held += len(snap)
        snaps = self._snaps
        while len(snaps) > 1 and (len(snaps) > self.max_snapshots or self._held > self.max_entries):
            _, old = snaps.popitem(last=False)
            if type(old) is list:  # (a table cursor's place is a tuple, holding nothing)
                self._held -= len(old)
        return sid, snap

    def scan(self, container, cursor: int, count: int, alive) -> tuple[int, list]:
        """Walk ``count`` snapshot entries from ``cursor``; return the next
        cursor (0 when done) and the entries for which ``alive(member)``
        is true."""
        if hasattr(container, "scan_keys"):
            return self._scan_table(container, cursor, count)
        if cursor == 0:
            sid, snap = self._new(container)
            pos = 0
        else:
            sid = cursor >> _POS_BITS
            pos = cursor & _POS_MASK
            found = self._snaps.get(sid)
            if type(found) is not list:  # gone (or a table cursor's place)
                sid, snap = self._new(container)
            else:
                snap = found
                self._snaps.move_to_end(sid)
        end = min(len(snap), pos + count)
        out = [m for m in snap[pos:end] if alive(m)]
        if end >= len(snap):
            if self._snaps.pop(sid, None) is not None:
                self._held -= len(snap)
            return 0, out
        return (sid << _POS_BITS) | end, out

    def _scan_table(self, table, cursor: int, count: int) -> tuple[int, list]:
        state = table.scan_state()
        pos = cursor & _POS_MASK
        sid = cursor >> _POS_BITS
        was = self._snaps.pop(sid, None) if cursor else None
        # The walk ends at the entries the table had when it started: keys
        # added later are appended after them and need not be returned, and
        # a steady stream of them must not keep the iteration going.
        end = state[4]
        if type(was) is not tuple:
            # A new iteration, or one whose place was dropped: go on from
            # the position (the snapshots' weakened guarantee).
            sid = self._next_id
            self._next_id = (self._next_id % ((1 << 30) - 1)) + 1
        elif was[0] != state[0]:
            pos = 0  # another table: the database was flushed or swapped
        else:
            end = was[5]
            if was[1] != state[1]:  # entries moved back; the end too, but by less
                pos = max(0, pos - was[3] - (state[2] - was[2]))
        nxt, keys = table.scan_keys(pos, count, end)
        if nxt == 0:
            return 0, keys
        snaps = self._snaps
        snaps[sid] = (*state, end)
        while len(snaps) > self.max_snapshots:
            _, old = snaps.popitem(last=False)
            if type(old) is list:
                self._held -= len(old)
        return (sid << _POS_BITS) | nxt, keys
