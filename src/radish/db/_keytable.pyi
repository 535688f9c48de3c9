# Types of the C extension radish.db._keytable (src/radish/db/_keytable.c),
# the C twin of radish.db.keytable.PyKeyTable (callers are type-checked
# against the twin).
from typing import Any

KeyTable: Any
