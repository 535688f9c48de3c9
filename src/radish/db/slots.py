"""Cluster hash slots of keys, and the per-slot key index of a database.

``key_hash_slot`` is Redis's keyHashSlot: CRC16 (XMODEM, as Redis's
crc16.c; ``binascii.crc_hqx`` computes the same) of the key, or of its hash
tag (the part between the first ``{`` and the next ``}``, when not empty),
modulo 16384.

``SlotDict`` is the dict a database keeps its keys in while cluster mode is
on (``Keyspace.enable_slot_index``): every insertion and removal of a key
also updates the key's slot in ``slot_keys`` (slot -> keys, insertion
ordered), which answers CLUSTER COUNTKEYSINSLOT / GETKEYSINSLOT as Redis's
slots_to_keys does. Without cluster mode databases use plain dicts and pay
nothing. ``SlotDict`` is the C type of ``db/_slotdict.c`` when it is built
(a Python ``__setitem__`` costs every write a method call), else
``PySlotDict`` below, its twin (``RADISH_NO_EXTENSIONS=1`` selects it).

Imports nothing from radish but the NO_EXTENSIONS switch.
"""

from __future__ import annotations

from binascii import crc_hqx
from types import ModuleType
from typing import TYPE_CHECKING

from .. import NO_EXTENSIONS

CLUSTER_SLOTS = 16384


def key_hash_slot(key: bytes) -> int:
    """The hash slot of ``key`` (Redis's keyHashSlot)."""
    s = key.find(b"{")
    if s >= 0:
        e = key.find(b"}", s + 1)
        if e > s + 1:
            return crc_hqx(key[s + 1 : e], 0) & 0x3FFF
    return crc_hqx(key, 0) & 0x3FFF


class PySlotDict(dict):
    """A dict of keys that keeps, beside it, the keys of each hash slot."""

    __slots__ = ("slot_keys",)

    def __init__(self, *args, **kw) -> None:
        super().__init__(*args, **kw)
        self.slot_keys: dict[int, dict[bytes, None]] = {}
        for k in dict.keys(self):
            self._index(k)

    def _index(self, key) -> None:
        slot = key_hash_slot(key)
        keys = self.slot_keys.get(slot)
        if keys is None:
            keys = self.slot_keys[slot] = {}
        keys[key] = None

    def _unindex(self, key) -> None:
        slot = key_hash_slot(key)
        keys = self.slot_keys.get(slot)
        if keys is not None:
            keys.pop(key, None)
            if not keys:
                del self.slot_keys[slot]

    def __setitem__(self, key, value) -> None:
        if key not in self:
            self._index(key)
        dict.__setitem__(self, key, value)

    def __delitem__(self, key) -> None:
        dict.__delitem__(self, key)
        self._unindex(key)

    _MISSING = object()

    def pop(self, key, default=_MISSING):
        if key in self:
            v = dict.pop(self, key)
            self._unindex(key)
            return v
        if default is PySlotDict._MISSING:
            raise KeyError(key)
        return default

    def popitem(self):
        k, v = dict.popitem(self)
        self._unindex(k)
        return k, v

    def setdefault(self, key, default=None):
        if key not in self:
            self._index(key)
        return dict.setdefault(self, key, default)

    def update(self, *args, **kw) -> None:
        for k, v in dict(*args, **kw).items():
            self[k] = v

    def clear(self) -> None:
        dict.clear(self)
        self.slot_keys.clear()

    def count_in_slot(self, slot: int) -> int:
        keys = self.slot_keys.get(slot)
        return len(keys) if keys else 0

    def keys_in_slot(self, slot: int, count: int) -> list[bytes]:
        keys = self.slot_keys.get(slot)
        if not keys:
            return []
        out: list[bytes] = []
        for k in keys:
            if len(out) >= count:
                break
            out.append(k)
        return out


_slotdict: ModuleType | None
try:  # built by setup.py when a C compiler is available
    from . import _slotdict
except ImportError:  # pragma: no cover - installs without a compiler
    _slotdict = None

if TYPE_CHECKING or _slotdict is None or NO_EXTENSIONS:
    SlotDict = PySlotDict
else:
    SlotDict = _slotdict.SlotDict
