"""Redis glob-style pattern matching (the one implementation used by radish).

This module owns the single glob matcher used everywhere Redis matches a
pattern against a name: KEYS, SCAN/HSCAN/SSCAN/ZSCAN ``MATCH``, CONFIG GET,
PSUBSCRIBE/PUBSUB CHANNELS/NUMPAT, CLIENT/ACL filters, and so on.  It imports
nothing from radish.

Semantics are exactly those of Redis 7.0's ``stringmatchlen()`` (util.c), as
built for this platform (signed ``char``, glibc ``tolower()`` in the C locale),
including its quirks:

* ``*`` matches any run of bytes, ``?`` any single byte, ``\\x`` the byte ``x``
  (a trailing lone ``\\`` matches a literal backslash).
* ``[abc]``, ``[^abc]``, ``[a-z]``.  Ranges whose ends are reversed (``[z-a]``)
  are swapped.  Range ends are compared as *signed* chars, so ``[a-\\xff]`` is
  the interval ``[-1, 97]`` (``\\xff``, ``\\x00``..``a``).  ``\\x`` inside a
  bracket is compared exactly, even in nocase mode.  ``-`` right before the
  closing ``]`` makes ``]`` the end of a range (``[a-]`` is ``]``..``a`` and the
  bracket stays open).  An unterminated bracket runs to the end of the pattern;
  ``[`` at the very end never matches, ``[^`` at the very end matches any byte.
* nocase folds like C ``tolower()`` on signed chars (only ``A``-``Z`` fold; in
  ranges, bytes 0x80..0xfe become 128..254 while 0xff stays -1 — EOF).
* An empty subject is matched only by the empty pattern: ``glob_match(b"*",
  b"")`` is False, as in Redis.  (Redis's KEYS and SCAN special-case the exact
  pattern ``b"*"`` *before* calling stringmatchlen, so they do return the empty
  key; callers implementing those commands must keep that shortcut.)
* The anti-abuse nesting guard: a pattern with more than 1000 ``*`` groups that
  are followed by something else never matches anything.

``compile_glob(pattern, nocase)`` returns a fast ``Callable[[bytes], bool]``
(plain bytes operations for literal patterns, otherwise ``re`` regexes built
from the exact byte sets each pattern token accepts, evaluated with a
leftmost-segment search so many ``*`` never backtrack exponentially), cached
in a small LRU.  ``glob_match()`` is the one-shot convenience wrapper.
``_stringmatch_reference()`` is a literal port of the C code, kept as the
oracle for the tests.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable, Optional

__all__ = ["glob_match", "compile_glob"]

Matcher = Callable[[bytes], bool]

#: Redis' ``stringmatchlen_impl`` gives up (no match) past this nesting depth.
MAX_NESTING = 1000

#: Patterns longer than this are compiled every time instead of being cached.
_CACHE_MAX_PATTERN_LEN = 4096

_STAR = ord("*")
_QMARK = ord("?")
_LBRACKET = ord("[")
_RBRACKET = ord("]")
_BACKSLASH = ord("\\")
_CARET = ord("^")
_DASH = ord("-")


# ---------------------------------------------------------------------------
# C char helpers
# ---------------------------------------------------------------------------

def _signed(b: int) -> int:
    """A byte as a (signed) C ``char`` value."""
    return b - 256 if b >= 128 else b


def _c_tolower(c: int) -> int:
    """glibc ``tolower()`` in the C locale, for ints in [-128, 255].

    Only ``A``-``Z`` fold.  Negative (signed char) arguments are looked up in
    the table's extension and come back as their unsigned value, except -1,
    which is EOF and maps to itself.
    """
    if 65 <= c <= 90:
        return c + 32
    if -128 <= c <= -2:
        return c + 256
    return c


#: tolower((int)(char)b) for every byte b.
_LOWER_SIGNED = tuple(_c_tolower(_signed(b)) for b in range(256))


# ---------------------------------------------------------------------------
# Reference port of stringmatchlen() -- the oracle for the tests.
# ---------------------------------------------------------------------------

def _stringmatch_reference(pattern: bytes, subject: bytes, nocase: bool = False) -> bool:
    """Straight port of Redis 7.0 ``stringmatchlen()`` (recursive, slow).

    C pointers become indices; reading one past the end yields the NUL
    terminator every Redis string (sds) has.  Nesting of ``*`` is bounded by
    :data:`MAX_NESTING` like in Redis, but each level costs a Python frame,
    so patterns with hundreds of ``*`` need a raised recursion limit.
    """
    plen_total = len(pattern)

    def pat(i: int) -> int:
        return pattern[i] if i < plen_total else 0

    def chars_equal(a: int, b: int) -> bool:
        if nocase:
            return _c_tolower(_signed(a)) == _c_tolower(_signed(b))
        return a == b

    skip_longer_matches = False

    def impl(p: int, plen: int, s: int, slen: int, nesting: int) -> bool:
        nonlocal skip_longer_matches
        if nesting > MAX_NESTING:
            return False
        while plen and slen:
            ch = pattern[p]
            if ch == _STAR:
                while plen and pat(p + 1) == _STAR:
                    p += 1
                    plen -= 1
                if plen == 1:
                    return True
                while slen:
                    if impl(p + 1, plen - 1, s, slen, nesting + 1):
                        return True
                    if skip_longer_matches:
                        return False
                    s += 1
                    slen -= 1
                skip_longer_matches = True
                return False
            elif ch == _QMARK:
                s += 1
                slen -= 1
            elif ch == _LBRACKET:
                p += 1
                plen -= 1
                negate = pat(p) == _CARET
                if negate:
                    p += 1
                    plen -= 1
                match = False
                c = subject[s]
                while True:
                    if pat(p) == _BACKSLASH and plen >= 2:
                        p += 1
                        plen -= 1
                        if pattern[p] == c:
                            match = True
                    elif pat(p) == _RBRACKET:
                        break
                    elif plen == 0:
                        p -= 1
                        plen += 1
                        break
                    elif plen >= 3 and pattern[p + 1] == _DASH:
                        start = _signed(pattern[p])
                        end = _signed(pattern[p + 2])
                        cc = _signed(c)
                        if start > end:
                            start, end = end, start
                        if nocase:
                            start = _c_tolower(start)
                            end = _c_tolower(end)
                            cc = _c_tolower(cc)
                        p += 2
                        plen -= 2
                        if start <= cc <= end:
                            match = True
                    else:
                        if chars_equal(pattern[p], c):
                            match = True
                    p += 1
                    plen -= 1
                if negate:
                    match = not match
                if not match:
                    return False
                s += 1
                slen -= 1
            else:
                if ch == _BACKSLASH and plen >= 2:
                    p += 1
                    plen -= 1
                if not chars_equal(pattern[p], subject[s]):
                    return False
                s += 1
                slen -= 1
            p += 1
            plen -= 1
            if slen == 0:
                while pat(p) == _STAR:
                    p += 1
                    plen -= 1
                break
        return plen == 0 and slen == 0

    return impl(0, plen_total, 0, len(subject), 0)


# ---------------------------------------------------------------------------
# Parsing a pattern into tokens: STAR, or the set of bytes one position accepts
# ---------------------------------------------------------------------------

_STAR_TOKEN = None  # token marker for a (collapsed) run of '*'
_ALL_BYTES = frozenset(range(256))


#: The set of bytes a literal byte accepts, indexed [nocase][byte].
_LITERAL_SETS = (
    tuple(frozenset((b,)) for b in range(256)),
    tuple(
        frozenset(c for c in range(256) if _LOWER_SIGNED[c] == _LOWER_SIGNED[b])
        for b in range(256)
    ),
)


def _literal_set(b: int, nocase: bool) -> frozenset:
    return _LITERAL_SETS[nocase][b]


def _parse_bracket(pattern: bytes, i: int, nocase: bool) -> tuple[frozenset, int]:
    """Parse a bracket whose '[' is at ``i - 1``; mirror the C loop exactly.

    Returns the set of accepted bytes and the index just past the bracket.
    """
    n = len(pattern)
    negate = i < n and pattern[i] == _CARET
    if negate:
        i += 1
    escaped: set[int] = set()
    literals: set[int] = set()
    ranges: set[tuple[int, int]] = set()
    while True:
        if i < n and pattern[i] == _BACKSLASH and n - i >= 2:
            i += 1
            escaped.add(pattern[i])
        elif i < n and pattern[i] == _RBRACKET:
            break
        elif i >= n:
            i -= 1  # unterminated: the C code steps back onto the last byte
            break
        elif n - i >= 3 and pattern[i + 1] == _DASH:
            ranges.add((pattern[i], pattern[i + 2]))
            i += 2
        else:
            literals.add(pattern[i])
        i += 1

    accepted = set(escaped)  # escapes compare exactly, even with nocase
    if nocase:
        lowered = {_LOWER_SIGNED[b] for b in literals}
        accepted.update(c for c in range(256) if _LOWER_SIGNED[c] in lowered)
    else:
        accepted.update(literals)
    for a, b in ranges:
        start, end = _signed(a), _signed(b)
        if start > end:
            start, end = end, start
        if nocase:
            start, end = _c_tolower(start), _c_tolower(end)
            accepted.update(c for c in range(256) if start <= _LOWER_SIGNED[c] <= end)
        else:
            accepted.update(v & 0xFF for v in range(start, end + 1))
    result = frozenset(accepted)
    if negate:
        result = _ALL_BYTES - result
    return result, i + 1


def _tokenize(pattern: bytes, nocase: bool) -> list[Optional[frozenset]]:
    tokens: list[Optional[frozenset]] = []
    n = len(pattern)
    i = 0
    while i < n:
        ch = pattern[i]
        if ch == _STAR:
            if not tokens or tokens[-1] is not _STAR_TOKEN:
                tokens.append(_STAR_TOKEN)
            i += 1
        elif ch == _QMARK:
            tokens.append(_ALL_BYTES)
            i += 1
        elif ch == _LBRACKET:
            accepted, i = _parse_bracket(pattern, i + 1, nocase)
            tokens.append(accepted)
        elif ch == _BACKSLASH and i + 1 < n:
            tokens.append(_literal_set(pattern[i + 1], nocase))
            i += 2
        else:
            tokens.append(_literal_set(ch, nocase))
            i += 1
    return tokens


# ---------------------------------------------------------------------------
# Compiling tokens into matchers
# ---------------------------------------------------------------------------

def _as_literal(accepted: frozenset, nocase: bool) -> Optional[int]:
    """The byte a token stands for if it is a plain literal, else None.

    With nocase a literal is a whole fold class ({A, a}) and is represented by
    its lowercase form, to be compared against ``subject.lower()`` (which,
    like C tolower(), folds only A-Z).
    """
    if not accepted:
        return None
    b = min(accepted)
    if accepted != _LITERAL_SETS[nocase][b]:
        return None
    return b | 0x20 if nocase and 65 <= b <= 90 else b


def _class_regex(accepted: frozenset) -> bytes:
    if len(accepted) == 256:
        return b"[\\x00-\\xff]"
    if not accepted:
        return b"(?!)"
    if len(accepted) == 1:
        return re.escape(bytes(accepted))
    parts = []
    values = sorted(accepted)
    start = prev = values[0]
    for v in values[1:] + [None]:
        if v is not None and v == prev + 1:
            prev = v
            continue
        if start == prev:
            parts.append(b"\\x%02x" % start)
        else:
            parts.append(b"\\x%02x-\\x%02x" % (start, prev))
        if v is not None:
            start = prev = v
    return b"[" + b"".join(parts) + b"]"


def _segment_regex(segment: list) -> bytes:
    return b"".join(_class_regex(t) for t in segment)


def _never(subject: bytes) -> bool:
    return False


def _literal_matcher(segments: list[bytes], nocase: bool) -> Matcher:
    """Matcher for ``seg0*seg1*...*segN`` where every segment is literal."""
    if len(segments) == 1:
        (lit,) = segments
        if nocase:
            return lambda s: len(s) == len(lit) and s.lower() == lit
        return lambda s: s == lit

    prefix, middles, suffix = segments[0], segments[1:-1], segments[-1]
    fold = bytes.lower if nocase else None

    if not middles:
        if not prefix and not suffix:  # just '*': any non-empty subject
            return lambda s: len(s) > 0
        if not suffix:
            if fold:
                return lambda s: s[: len(prefix)].lower() == prefix
            return lambda s: s.startswith(prefix)
        if not prefix:
            if fold:
                return lambda s: s[-len(suffix):].lower() == suffix
            return lambda s: s.endswith(suffix)
        minlen = len(prefix) + len(suffix)
        if fold:
            return lambda s: (
                len(s) >= minlen and s[: len(prefix)].lower() == prefix
                and s[len(s) - len(suffix):].lower() == suffix
            )
        return lambda s: len(s) >= minlen and s.startswith(prefix) and s.endswith(suffix)

    if not prefix and not suffix and len(middles) == 1:
        (mid,) = middles
        if fold:
            return lambda s: mid in s.lower()
        return lambda s: mid in s

    lp, ls = len(prefix), len(suffix)
    minlen = lp + ls + sum(len(m) for m in middles)

    def match(s: bytes) -> bool:
        n = len(s)
        if n < minlen or n == 0:
            return False
        if fold:
            s = s.lower()
        if not s.startswith(prefix) or not s.endswith(suffix):
            return False
        pos, end = lp, n - ls
        for mid in middles:
            found = s.find(mid, pos, end)
            if found < 0:
                return False
            pos = found + len(mid)
        return True

    return match


def _regex_matcher(segments: list[list[frozenset]]) -> Matcher:
    """Matcher for segments (lists of byte-set tokens) separated by '*'."""
    if len(segments) == 1:
        full = re.compile(_segment_regex(segments[0]), re.DOTALL).fullmatch
        return lambda s: full(s) is not None

    if len(segments) == 2:
        # A single '*': one regex, backtracking is bounded (linear * suffix).
        rx = re.compile(
            _segment_regex(segments[0]) + b".*" + _segment_regex(segments[1]), re.DOTALL
        )
        full = rx.fullmatch
        return lambda s: len(s) > 0 and full(s) is not None

    # Several '*': each star-free segment has a fixed width, so matching the
    # prefix at the start, the suffix at the end and every middle segment at
    # its leftmost occurrence (in order) is exact and never backtracks -- the
    # same guarantee Redis gets from its skipLongerMatches flag.
    prefix, middles, suffix = segments[0], segments[1:-1], segments[-1]
    lp, ls = len(prefix), len(suffix)
    minlen = lp + ls + sum(len(m) for m in middles)
    prefix_match = re.compile(_segment_regex(prefix), re.DOTALL).match if lp else None
    suffix_match = re.compile(_segment_regex(suffix), re.DOTALL).match if ls else None
    searches = [re.compile(_segment_regex(m), re.DOTALL).search for m in middles]

    def match(s: bytes) -> bool:
        n = len(s)
        if n < minlen or n == 0:
            return False
        if prefix_match is not None and prefix_match(s) is None:
            return False
        if suffix_match is not None and suffix_match(s, n - ls) is None:
            return False
        pos, end = lp, n - ls
        for search in searches:
            m = search(s, pos, end)
            if m is None:
                return False
            pos = m.end()
        return True

    return match


def _compile(pattern: bytes, nocase: bool) -> Matcher:
    tokens = _tokenize(pattern, nocase)
    segments: list[list[frozenset]] = [[]]
    for tok in tokens:
        if tok is _STAR_TOKEN:
            segments.append([])
        else:
            segments[-1].append(tok)

    # Nesting guard: every '*' group followed by more pattern recurses one
    # level deeper in Redis; past MAX_NESTING levels nothing can match.
    if len(segments) - 1 - (1 if not segments[-1] else 0) > MAX_NESTING:
        return _never

    literal_segments = []
    for seg in segments:
        lits = [_as_literal(t, nocase) for t in seg]
        if any(b is None for b in lits):
            break
        literal_segments.append(bytes(b for b in lits if b is not None))
    else:
        return _literal_matcher(literal_segments, nocase)
    return _regex_matcher(segments)


_compile_cached = lru_cache(maxsize=512)(_compile)


def compile_glob(pattern: bytes, nocase: bool = False) -> Matcher:
    """Return a function ``subject -> bool`` equivalent to Redis's
    ``stringmatchlen(pattern, subject, nocase)``.  Results are cached."""
    if not isinstance(pattern, bytes):
        if isinstance(pattern, (bytearray, memoryview)):
            pattern = bytes(pattern)
        else:
            raise TypeError(f"glob pattern must be bytes, not {type(pattern).__name__}")
    nocase = bool(nocase)
    if len(pattern) > _CACHE_MAX_PATTERN_LEN:
        return _compile(pattern, nocase)
    return _compile_cached(pattern, nocase)


def glob_match(pattern: bytes, subject: bytes, nocase: bool = False) -> bool:
    """True if ``subject`` matches the Redis glob ``pattern``."""
    return compile_glob(pattern, nocase)(subject)
