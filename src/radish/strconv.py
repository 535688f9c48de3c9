"""Redis's string-to-number rules shared by every layer (protocol, db,
commands): ``string2ll`` accepts an optional '-' and decimal digits, no
spaces, no '+', no leading zeros, within 64 bits.

Imports nothing from radish.
"""

from __future__ import annotations

LLONG_MAX = 2**63 - 1
LLONG_MIN = -(2**63)


def string2ll(s: bytes) -> int | None:
    """The integer ``s`` spells exactly as Redis would print it, or None."""
    n = len(s)
    if n == 0 or n > 20:
        return None
    if s.isdigit():
        if s[0] == 48 and n > 1:
            return None
        v = int(s)
        return v if v <= LLONG_MAX else None
    if n > 1 and s[0] == 45 and s[1] != 48 and s[1:].isdigit():
        v = int(s)
        return v if v >= LLONG_MIN else None
    return None
