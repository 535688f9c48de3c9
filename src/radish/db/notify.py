"""Keyspace notification classes (Redis's NOTIFY_* flags, server.h): which
events a write emits, and which ones ``notify-keyspace-events`` lets through.

A command announces what it did with ``db.notify(NOTIFY_<class>, b"event",
key)``; the keyspace itself announces ``new`` (a key created), ``expired``
and ``keymiss``. Whether anything is published is decided in one place
(``Database.notify``: the class must be enabled), and publishing is the
server's hook (``Keyspace.on_event``), since the keyspace knows nothing of
pub/sub.

Imports nothing of radish.
"""

from __future__ import annotations

NOTIFY_KEYSPACE = 1 << 0  # K
NOTIFY_KEYEVENT = 1 << 1  # E
NOTIFY_GENERIC = 1 << 2  # g
NOTIFY_STRING = 1 << 3  # $
NOTIFY_LIST = 1 << 4  # l
NOTIFY_SET = 1 << 5  # s
NOTIFY_HASH = 1 << 6  # h
NOTIFY_ZSET = 1 << 7  # z
NOTIFY_EXPIRED = 1 << 8  # x
NOTIFY_EVICTED = 1 << 9  # e
NOTIFY_STREAM = 1 << 10  # t
NOTIFY_KEY_MISS = 1 << 11  # m (not part of A)
NOTIFY_LOADED = 1 << 12  # modules only
NOTIFY_MODULE = 1 << 13  # d
NOTIFY_NEW = 1 << 14  # n (not part of A)
NOTIFY_ALL = (
    NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | NOTIFY_HASH | NOTIFY_ZSET | NOTIFY_EXPIRED
    | NOTIFY_EVICTED | NOTIFY_STREAM | NOTIFY_MODULE
)  # fmt: skip
