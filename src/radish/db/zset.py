"""Positions in a sorted set's ordered list (``sl``: a ZSetValue's
SortedList, or a ZSetLP's view of its listpack by rank): score and
lex ranges (Redis's zrangespec / zlexrangespec) and the [first, last)
indexes they, or a rank range, select, found as Redis's t_zset.c finds
them in a listpack or a skiplist. Argument parsing stays with the
commands; this is the structure's own logic, shared by the sorted-set and
geo commands.

Imports nothing of radish above db.
"""

from __future__ import annotations

import math

from .types import AnyZSet

_INF = float("inf")


class ScoreRange:
    """zrangespec: min/max with exclusive flags."""

    __slots__ = ("min", "max", "minex", "maxex")

    def __init__(self, lo: float, hi: float, minex: bool, maxex: bool) -> None:
        self.min, self.max, self.minex, self.maxex = lo, hi, minex, maxex

    def empty(self) -> bool:
        return self.min > self.max or (self.min == self.max and (self.minex or self.maxex))

    def gte_min(self, v: float) -> bool:
        return v > self.min if self.minex else v >= self.min

    def lte_max(self, v: float) -> bool:
        return v < self.max if self.maxex else v <= self.max


class LexRange:
    """zlexrangespec: each bound is (member, exclusive, inf) where inf is
    -1 for ``-``, 1 for ``+`` and 0 for a ``[`` / ``(`` member."""

    __slots__ = ("min", "max", "minex", "maxex", "min_inf", "max_inf")

    def __init__(self, lo, hi) -> None:
        (self.min, self.minex, self.min_inf) = lo
        (self.max, self.maxex, self.max_inf) = hi

    def gte_min(self, m: bytes) -> bool:
        if self.min_inf == 1:
            return False  # min is "+"
        if self.min_inf == -1:
            return True
        return m > self.min if self.minex else m >= self.min

    def lte_max(self, m: bytes) -> bool:
        if self.max_inf == -1:
            return False  # max is "-"
        if self.max_inf == 1:
            return True
        return m < self.max if self.maxex else m <= self.max

    def is_empty(self) -> bool:
        """zslIsInLexRange's quick refusal (min > max, or equal and one
        side exclusive)."""
        if self.min_inf == 1 or self.max_inf == -1:
            return True
        if self.min_inf == -1 or self.max_inf == 1:
            return False
        if self.min > self.max:
            return True
        return self.min == self.max and (self.minex or self.maxex)


def score_bounds(z: AnyZSet, r: ScoreRange) -> tuple[int, int]:
    """[first, last) indexes of the elements inside score range ``r``."""
    sl = z.sl
    if r.empty():
        return 0, 0
    if r.minex:
        if r.min == _INF:
            return 0, 0
        lo = sl.bisect_left((math.nextafter(r.min, _INF), b""))
    else:
        lo = sl.bisect_left((r.min, b""))
    if r.maxex:
        hi = sl.bisect_left((r.max, b""))
    elif r.max == _INF:
        hi = len(sl)
    else:
        hi = sl.bisect_left((math.nextafter(r.max, _INF), b""))
    return lo, max(lo, hi)


def lex_bounds(z: AnyZSet, r: LexRange, rev: bool = False) -> tuple[int, int]:
    """[first, last) indexes of the members inside lex range ``r``, found
    as Redis finds them (it assumes every score is equal): the range must
    overlap [first member, last member]; then the first member >= min (the
    last <= max for a reverse walk) is looked for, by a scan from the head
    (tail) in a listpack or a search in a skiplist, and the walk goes on
    while members stay inside the other bound (a search again in a
    skiplist)."""
    sl = z.sl
    n = len(sl)
    if not n or r.is_empty() or not r.gte_min(sl[-1][1]) or not r.lte_max(sl[0][1]):
        return 0, 0
    if not rev:
        if z.big:
            first = _bisect_gte_min(sl, r, 0, n)
        else:
            first = next((i for i in range(n) if r.gte_min(sl[i][1])), n)
        if first >= n or not r.lte_max(sl[first][1]):
            return 0, 0
        if z.big:
            return first, _bisect_lte_max(sl, r, first + 1, n)
        last = first + 1
        while last < n and r.lte_max(sl[last][1]):
            last += 1
        return first, last
    if z.big:
        last = _bisect_lte_max(sl, r, 0, n) - 1
    else:
        last = next((i for i in range(n - 1, -1, -1) if r.lte_max(sl[i][1])), -1)
    if last < 0 or not r.gte_min(sl[last][1]):
        return 0, 0
    if z.big:
        return _bisect_gte_min(sl, r, 0, last), last + 1
    first = last - 1
    while first >= 0 and r.gte_min(sl[first][1]):
        first -= 1
    return first + 1, last + 1


def _bisect_gte_min(sl, r: LexRange, lo: int, hi: int) -> int:
    """First index in [lo, hi) whose member is at or past ``r``'s min (a
    skiplist search: members are taken to rise with rank)."""
    while lo < hi:
        mid = (lo + hi) // 2
        if r.gte_min(sl[mid][1]):
            hi = mid
        else:
            lo = mid + 1
    return lo


def _bisect_lte_max(sl, r: LexRange, lo: int, hi: int) -> int:
    """First index in [lo, hi) whose member is past ``r``'s max (a skiplist
    search: members are taken to rise with rank)."""
    while lo < hi:
        mid = (lo + hi) // 2
        if r.lte_max(sl[mid][1]):
            lo = mid + 1
        else:
            hi = mid
    return lo


def rank_bounds(n: int, start: int, end: int) -> tuple[int, int]:
    """Redis's rank normalisation -> [first, last) (empty when out of range)."""
    if start < 0:
        start += n
    if end < 0:
        end += n
    if start < 0:
        start = 0
    if start > end or start >= n:
        return 0, 0
    if end >= n:
        end = n - 1
    return start, end + 1
