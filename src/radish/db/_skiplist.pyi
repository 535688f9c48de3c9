# Types of the C extension radish.db._skiplist (src/radish/db/_skiplist.c),
# the C twin of sortedcontainers.SortedList of (score, member) pairs (the
# callers are type-checked against SortedList).
from typing import Any

SkipList: Any
