"""used_memory: how many bytes radish's allocations take, as Redis counts
them (the sizes the allocator handed out, not the process's RSS).
``total()`` is everything the process has allocated; a server counts its
used memory from its own origin, ``total()`` when it was built, so the
interpreter and radish's modules, like Redis's executable, are not used
memory, nor (``excluded``) the Lua engine's start.

The C module ``radish._alloc`` counts incrementally at the allocator (see
its header: the raw malloc domain by usable size, pymalloc's small blocks
by size class, in arenas it allocates itself). ``install()`` starts it,
once per process, as early as possible: blocks pymalloc keeps in arenas
made before are not counted, so ``baseline`` (what is allocated at that
moment) is measured once by the pure-Python twin.

The twin, ``measure()``, reads the same two quantities at a point in time:
malloc's bytes in use from glibc's ``mallinfo2`` and pymalloc's bytes in
allocated blocks from CPython's own statistics
(``_PyObject_DebugMallocStats``, written to an in-memory stream), both
through ctypes. It costs a walk of every pool (about a millisecond per
hundred MB: 0.2 ms for 1M small keys), so under ``RADISH_NO_EXTENSIONS`` (or where the C counters
cannot be installed) ``total()`` returns a reading at most ``TWIN_MAX_AGE``
seconds old and ``refresh()`` forces a new one (the eviction loop calls it
around each deletion). Tests compare the two.

Imports nothing from radish but the package's NO_EXTENSIONS switch.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import sys
import time
from typing import Any

from . import NO_EXTENSIONS

TWIN_MAX_AGE = 0.001

_c: Any  # radish._alloc, or None
try:
    if NO_EXTENSIONS:
        raise ImportError
    from . import _alloc as _c
except ImportError:  # pragma: no cover - exercised under RADISH_NO_EXTENSIONS
    _c = None

_counting = False


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]


def _libc():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:  # pragma: no cover - not glibc
        return None


_LIBC = _libc()
_ALLOCATED_RE = re.compile(rb"# bytes in allocated blocks\s*=\s*([\d,]+)")
_ARENAS_RE = re.compile(rb"(\d+) arenas \* (\d+) bytes/arena")


def malloc_in_use() -> int:
    """glibc's bytes handed out by malloc (small chunks and mmapped ones)."""
    if _LIBC is None or not hasattr(_LIBC, "mallinfo2"):
        return 0
    _LIBC.mallinfo2.restype = _Mallinfo2
    mi = _LIBC.mallinfo2()
    return int(mi.uordblks + mi.hblkhd)


def pymalloc_stats() -> tuple[int, int]:
    """(bytes in allocated blocks, bytes of arenas) from pymalloc's own
    statistics; (0, 0) when they cannot be read, or when pymalloc is not
    the object allocator (PYTHONMALLOC=malloc: every block is malloc's, as
    under AddressSanitizer, whose allocator the stats' stream cannot use)."""
    if _LIBC is None or os.environ.get("PYTHONMALLOC", "") not in ("", "pymalloc", "pymalloc_debug"):
        return 0, 0
    try:
        stats = ctypes.pythonapi._PyObject_DebugMallocStats
    except AttributeError:  # pragma: no cover
        return 0, 0
    buf = ctypes.c_char_p()
    size = ctypes.c_size_t()
    _LIBC.open_memstream.restype = ctypes.c_void_p
    _LIBC.open_memstream.argtypes = [ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_size_t)]
    _LIBC.fclose.argtypes = [ctypes.c_void_p]
    _LIBC.free.argtypes = [ctypes.c_void_p]
    stats.argtypes = [ctypes.c_void_p]
    fp = _LIBC.open_memstream(ctypes.byref(buf), ctypes.byref(size))
    if not fp:
        return 0, 0
    stats(fp)
    _LIBC.fclose(fp)
    text = ctypes.string_at(buf, size.value)
    _LIBC.free(ctypes.cast(buf, ctypes.c_void_p))
    m = _ALLOCATED_RE.search(text)
    a = _ARENAS_RE.search(text)
    allocated = int(m.group(1).replace(b",", b"")) if m else 0
    arenas = int(a.group(1)) * int(a.group(2)) if a else 0
    return allocated, arenas


def measure() -> int:
    """The twin: malloc's and pymalloc's bytes in use, read now."""
    return malloc_in_use() + pymalloc_stats()[0]


_twin_value = 0
_twin_at = -1.0


def total() -> int:
    """Everything allocated now (for the twin: a reading at most
    TWIN_MAX_AGE seconds old)."""
    if _counting:
        return _c.used()
    if time.monotonic() - _twin_at > TWIN_MAX_AGE:
        return refresh()
    return _twin_value


def refresh() -> int:
    """Everything allocated now, read anew (the counters are always fresh;
    the twin measures)."""
    global _twin_value, _twin_at
    if _counting:
        return _c.used()
    _twin_value = measure()
    _twin_at = time.monotonic()
    return _twin_value


def install() -> bool:
    """Start the C counters (idempotent); False if they cannot run here
    (RADISH_NO_EXTENSIONS, another PYTHONMALLOC, an unexpected layout), in
    which case ``total()`` is the twin."""
    global _counting
    if _counting:
        return True
    if _c is None or not _plain_allocators():
        return False
    _counting = bool(_c.install(measure()))
    return _counting


def _plain_allocators() -> bool:
    """pymalloc over glibc malloc, without the debug hooks (whose blocks
    are offset into malloc's, so malloc_usable_size cannot read them)."""
    env = os.environ.get("PYTHONMALLOC", "")
    if env not in ("", "pymalloc"):
        return False
    return not sys.flags.dev_mode and not hasattr(sys, "gettotalrefcount")


def counting() -> bool:
    return _counting


class excluded:
    """``with memory.excluded() as ex: ...``: ``ex.delta`` is what the block
    allocated (a lazy import, the Lua engine's start), for a server to add
    to its origin so that it is not counted as used memory."""

    delta = 0

    def __enter__(self) -> excluded:
        self._before = refresh()
        return self

    def __exit__(self, *exc) -> None:
        self.delta = max(0, refresh() - self._before)


def allocator_stats() -> dict:
    """What INFO memory's allocator_* fields are made of: bytes allocated,
    bytes of the pages holding them (pymalloc arenas plus malloc's blocks)."""
    allocated = total()
    if _counting:
        st = _c.stats()
        active = st["baseline"] + st["raw_bytes"] + st["arena_bytes"]
    else:
        pm_alloc, pm_arenas = pymalloc_stats()
        active = allocated - pm_alloc + pm_arenas
    return {"allocated": allocated, "active": max(active, allocated)}


def used_memory_capsule():
    """For the C batch loop: a capsule of ``long long used(void)`` (the
    total: the loop compares it with maxmemory plus the server's origin),
    or None."""
    return _c.used_memory_capsule if _counting else None
