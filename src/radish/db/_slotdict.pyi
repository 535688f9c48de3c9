# Types of the C extension radish.db._slotdict (src/radish/db/_slotdict.c),
# the C twin of radish.db.slots.PySlotDict (callers are type-checked
# against the twin).
from typing import Any

SlotDict: Any
