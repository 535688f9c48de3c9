# Types of the C extension radish.db._listpack (src/radish/db/_listpack.c),
# the C twin of radish.db.listpack's PyHash / PyZSet / PySet (same API,
# ZSet.add and ZSet.pop_reply included; the callers are type-checked
# against the twins) and of strconv.string2d.
from typing import Any

Listpack: Any
Hash: Any
ZSet: Any
ZSetView: Any
Set: Any

def string2d(text: bytes, /) -> float | None: ...
