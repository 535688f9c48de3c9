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

from ..notifyflags import (  # noqa: F401 - the classes, for the keyspace and the commands
    NOTIFY_ALL,
    NOTIFY_EVICTED,
    NOTIFY_EXPIRED,
    NOTIFY_GENERIC,
    NOTIFY_HASH,
    NOTIFY_KEY_MISS,
    NOTIFY_KEYEVENT,
    NOTIFY_KEYSPACE,
    NOTIFY_LIST,
    NOTIFY_LOADED,
    NOTIFY_MODULE,
    NOTIFY_NEW,
    NOTIFY_SET,
    NOTIFY_STREAM,
    NOTIFY_STRING,
    NOTIFY_ZSET,
)
