# Types of the C extension radish._fastpath (src/radish/_fastpath.c).
from typing import Any, Callable

def configure(
    command_error: type,
    ok: object,
    simple_string: type,
    failed: Callable[..., Any],
    finish: Callable[..., Any],
    fast_entry: Callable[..., Any],
    propagated: Callable[..., Any],
    slow: Callable[..., Any],
    new_hist: Callable[[], Any],
    /,
) -> None: ...
def run_fast(
    c: Any, cmds: list[list[bytes]], start: int, out: list[bytes], fast: dict[bytes, tuple],
    ks: Any, stats: Any, blocking: Any, server: Any, budget: int, slow_us: int, tracking: bool,
    maxmemory: int, route: tuple | None, /,
) -> int: ...
def set_used_memory(capsule: Any, /) -> None: ...
