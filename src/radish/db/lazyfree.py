"""Lazy freeing: Redis 7.0's lazyfree.c, on the one event loop.

Redis hands a deleted value whose *free effort* exceeds
``LAZYFREE_THRESHOLD`` (64: the elements of a hash-table set, hash or
skiplist sorted set, the nodes of a list's quicklist, a stream's radix-tree
nodes and consumer-group entries) to a background thread, so that UNLINK,
FLUSHALL ASYNC and the ``lazyfree-lazy-*`` deletions answer at once however
big the value. Smaller values are freed on the spot: handing them over
would cost more than freeing them.

CPython has no free threads, so here the background is the event loop
itself between events. The key leaves the keyspace at once (the command's
effect, reply and propagation are immediate); the value is queued as a
*job*, a generator that destroys it a chunk at a time (``CHUNK`` elements
popped from a set, dict or deque, ``NODE_CHUNK`` nodes of a list, one node
list of a sorted set's SortedList, ...), so its memory is given back progressively. ``run()``
advances the jobs for at most ``SLICE_SECONDS`` (about 1 ms) and the server
schedules it again with ``loop.call_soon`` while work remains: other
clients wait at most a slice between two of their events.

A value something else still holds (Redis frees asynchronously only when
``refcount == 1``) is not emptied: when its job starts and finds another
reference, it just drops its own, and the value lives on with its other
holder. FLUSHALL / FLUSHDB ASYNC swap empty dicts into the databases and
queue the old ones (``free_database``), emptied the same way, with any big
value inside them destroyed incrementally too.

Counters are Redis's: ``pending`` (INFO ``lazyfree_pending_objects``) is
raised by 1 per queued value and by the number of keys per queued
database, and moves to ``freed`` (``lazyfreed_objects``, reset by CONFIG
RESETSTAT) when the job completes.

The service knows nothing of the loop: ``attach`` gives it a scheduler
(the server's ``loop.call_soon``, once its loop runs). Until then (a
server object driven without a loop, as tests do, or a server before it
starts) a job runs to its end as it is queued: nothing else would ever run
it, and the value would outlive its server.

Imports nothing from radish outside ``db``.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from itertools import repeat, starmap

from .stream import StreamValue
from .types import HashValue, ListValue, SetLP, SetValue, ZSetValue

LAZYFREE_THRESHOLD = 64
SLICE_SECONDS = 0.001  # the longest run() between two events
CHUNK = 1024  # elements destroyed between two clock readings
NODE_CHUNK = 64  # list nodes (listpack blocks of a few KB) destroyed between two readings

Job = Generator[None, None, None]

_getrefcount = getattr(sys, "getrefcount", None)
_sink: deque[object] = deque(maxlen=0)
_consume: Callable[[Iterable[object]], None] = _sink.extend  # runs an iterator to its end at C speed


def _probe(obj: object) -> Iterator[int]:
    yield _getrefcount(obj) if _getrefcount is not None else 0


# What sys.getrefcount reports for a value held by nothing but a job's
# frame (measured, not assumed: interpreters differ in what they count).
_OWN_REFS = next(_probe([object()].pop()))


class LazyFree:
    """The queue of values and databases waiting to be destroyed, and
    Redis's two counters."""

    def __init__(self) -> None:
        self.pending = 0  # lazyfree_pending_objects
        self.freed = 0  # lazyfreed_objects
        self.jobs: deque[tuple[Job, int]] = deque()
        # loop.call_soon, installed by the server once its loop runs.
        self.schedule: Callable[[Callable[[], object]], object] | None = None
        self._scheduled = False
        # The config (list-max-listpack-size, the set and hash limits) for
        # free_effort; any object with those attributes, or None (defaults).
        self.config: object | None = None

    # -- effort --------------------------------------------------------------

    def free_effort(self, v) -> int:
        """lazyfreeGetFreeEffort: about how many allocations freeing ``v``
        takes in Redis."""
        t = type(v)
        if t is bytes or t is bytearray:
            return 1
        if t is SetLP:
            # A hashtable in Redis 7.0 (an intset is one allocation).
            return len(v) if v.encoding(self.config) == "hashtable" else 1
        if t is SetValue:
            if not v.big and len(v) > LAZYFREE_THRESHOLD and self.config is not None:
                v.encoding(self.config)  # an intset up to set-max-intset-entries
            return len(v) if v.big else 1
        if t is HashValue:
            return len(v)
        if t is ZSetValue:
            return len(v)
        if t is ListValue:
            return v.node_count()  # the quicklist's nodes
        if t is StreamValue:
            return stream_effort(v)
        if isinstance(v, (set, dict, list, deque)):
            return len(v)  # a command's temporary aggregate (free_object's caller vouches)
        return 1

    # -- queueing --------------------------------------------------------------

    def free_object(self, v) -> bool:
        """freeObjAsync: queue ``v`` (just removed from the keyspace, or a
        command's temporary) when its effort passes the threshold; True if
        queued. Otherwise the caller's reference is the last and ``v`` goes
        when the caller lets go of it."""
        if self.free_effort(v) <= LAZYFREE_THRESHOLD:
            return False
        self._queue(_destroy(v), 1)
        return True

    def free_database(self, data: dict, *others: dict) -> None:
        """emptyDbAsync: ``data`` (key -> value) and the dicts kept beside
        it (expires, access stamps) were swapped out of a database; count
        its keys and destroy them in the background."""
        self._queue(_destroy_database(data, others), len(data))

    def account(self, count: int) -> None:
        """A job with nothing of radish's to free but Redis's counting
        (a temporary Redis makes and radish does not, a structure radish
        frees with another)."""
        self._queue(_nothing(), count)

    def account_if_big(self, count: int) -> None:
        """``account(count)`` past the threshold (freeLuaScriptsAsync,
        freeFunctionsAsync: smaller ones are freed, and not counted, at once)."""
        if count > LAZYFREE_THRESHOLD:
            self.account(count)

    def attach(self, schedule: Callable[[Callable[[], object]], object]) -> None:
        """Run the slices through ``schedule`` (the server's
        ``loop.call_soon``) from now on, starting with what is queued."""
        self.schedule = schedule
        self._wake()

    def _queue(self, job: Job, count: int) -> None:
        self.pending += count
        self.jobs.append((job, count))
        if self.schedule is None:
            self.drain()
        else:
            self._wake()

    def _wake(self) -> None:
        if not self._scheduled and self.schedule is not None and self.jobs:
            self._scheduled = True
            self.schedule(self._tick)

    def _tick(self) -> None:
        self._scheduled = False
        self.run()
        self._wake()

    # -- destroying --------------------------------------------------------------

    def run(self, budget: float = SLICE_SECONDS) -> bool:
        """Advance the jobs for about ``budget`` seconds (one chunk at
        least); True while work remains."""
        jobs = self.jobs
        deadline = time.perf_counter() + budget
        while jobs:
            job, count = jobs[0]
            try:
                for _ in job:
                    if time.perf_counter() >= deadline:
                        return True
            except Exception:  # pragma: no cover - a bug must not stall the queue
                pass
            jobs.popleft()
            self.pending -= count
            self.freed += count
            if time.perf_counter() >= deadline:
                break
        return bool(jobs)

    def drain(self) -> None:
        """Finish every job now (shutdown, tests, a server without a loop)."""
        while self.run(1.0):
            pass

    def reset_stats(self) -> None:
        """CONFIG RESETSTAT (lazyfreeResetStats)."""
        self.freed = 0


# -- effort of streams ---------------------------------------------------------------


def stream_effort(s: StreamValue) -> int:
    """lazyfreeGetFreeEffort of a stream: its radix tree's nodes, plus per
    consumer group one allocation and the first group's PEL size."""
    if len(s.nodes) > LAZYFREE_THRESHOLD:
        effort = len(s.nodes)  # at least one rax node per key: past the threshold already
    else:
        effort = s.rax_nodes()
    groups = s.cgroups
    if groups:
        first = groups[min(groups)]
        effort += len(groups) * (1 + len(first.pel))
    return effort


# -- jobs ----------------------------------------------------------------------------


def _shared(v) -> bool:
    """Whether something besides the job holds ``v`` (called from the
    job's own frame, where ``v`` is the only local reference)."""
    return _getrefcount is not None and _getrefcount(v) > _OWN_REFS + 1


def _destroy(v) -> Job:
    """Empty ``v`` a chunk at a time, then let it go. (A generator runs
    nothing before its first step: a job starts in a later slice, once
    the command that queued it has let go of the value.)"""
    if _shared(v):
        return
    if isinstance(v, ZSetValue):
        yield from _drain_zset(v)
    elif isinstance(v, (SetValue, HashValue)):
        pool = v.pool
        v.pool = None
        if pool is not None:
            yield from _drain_list(pool)
            del pool
        yield from (_drain_set(v) if isinstance(v, set) else _drain_dict(v))
    elif isinstance(v, StreamValue):
        yield from _drain_stream(v)
    elif isinstance(v, ListValue):
        yield from _drain_quicklist(v)
    elif isinstance(v, (set, frozenset)):
        yield from _drain_set(v)  # type: ignore[arg-type]
    elif isinstance(v, dict):
        yield from _drain_dict(v)
    elif isinstance(v, deque):
        yield from _drain_deque(v)
    elif isinstance(v, list):
        yield from _drain_list(v)


def _nothing() -> Job:
    return
    yield


def _drain_set(s: set) -> Job:
    pop = s.pop
    while s:
        _consume(starmap(pop, repeat((), min(CHUNK, len(s)))))
        yield


def _drain_dict(d: dict) -> Job:
    popitem = d.popitem
    while d:
        _consume(starmap(popitem, repeat((), min(CHUNK, len(d)))))
        yield


def _drain_deque(d: deque) -> Job:
    pop = d.pop
    while d:
        _consume(starmap(pop, repeat((), min(CHUNK, len(d)))))
        yield


def _drain_quicklist(q: ListValue) -> Job:
    """A list's nodes (listpacks of up to 4-64 KB each), NODE_CHUNK at a time."""
    while q.free_nodes(NODE_CHUNK):
        yield


def _drain_list(lst: list) -> Job:
    while lst:
        del lst[-CHUNK:]
        yield


def _drain_zset(z: ZSetValue) -> Job:
    pool = z.pool
    z.pool = None
    if pool is not None:
        yield from _drain_list(pool)
        del pool
    yield from _drain_dict(z)  # the members stay referenced by the ordered list
    sl = z.sl
    lists = getattr(sl, "_lists", None)
    if isinstance(lists, list):
        # SortedList keeps (score, member) pairs in sublists of about a
        # thousand: dropping one frees them together (the job owns the
        # structure, nothing reads it any more).
        while lists:
            lists.pop()
            yield
    else:  # the C skip list (db/_skiplist.c): CHUNK nodes per slice, from the end
        while sl:
            del sl[max(0, len(sl) - CHUNK) :]
            yield
    sl.clear()


def _drain_stream(s: StreamValue) -> Job:
    while s.nodes:
        del s.nodes[-CHUNK:]
        yield
    s.nkeys = []
    groups = s.cgroups
    s.cgroups = None
    if groups:
        for g in groups.values():
            for cons in g.consumers.values():
                yield from _drain_sorted_dict(cons.pel)
            g.consumers.clear()
            yield from _drain_sorted_dict(g.pel)
        groups.clear()


def _drain_sorted_dict(sd) -> Job:
    while sd:
        for _ in range(min(CHUNK, len(sd))):
            sd.popitem()
        yield


def _destroy_database(data: dict, others: tuple) -> Job:
    """lazyfreeFreeDatabase: the dicts of a flushed database, the values
    inside destroyed as they come (big ones incrementally)."""
    for d in others:
        yield from _drain_dict(d)
    popitem = data.popitem
    while data:
        chunk = list(starmap(popitem, repeat((), min(CHUNK, len(data)))))
        big = [v for _, v in chunk if type(v) is not bytes and _big_to_python(v)]
        del chunk  # the keys and the small values go here
        yield
        while big:
            yield from _destroy(big.pop())


def _big_to_python(v) -> bool:
    """Whether dropping ``v`` at once would cost more than a chunk."""
    t = type(v)
    if t is bytes or t is bytearray:
        return False
    if t is StreamValue:
        return len(v.nodes) > CHUNK or bool(v.cgroups)
    try:
        return len(v) > CHUNK
    except TypeError:
        return False
