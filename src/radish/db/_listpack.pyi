# Types of the C extension radish.db._listpack (src/radish/db/_listpack.c),
# the C twin of radish.db.listpack's PyHash / PyZSet / PySet (same API; the
# callers are type-checked against the twins).
from typing import Any

Listpack: Any
Hash: Any
ZSet: Any
ZSetView: Any
Set: Any
