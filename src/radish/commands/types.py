"""Type names and encodings of stored values (TYPE, OBJECT ENCODING)."""

from __future__ import annotations

from .. import errors as E
from ..errors import CommandError
from .args import to_int


def type_name(v) -> bytes:
    t = type(v)
    if t is bytes or t is bytearray:
        return b"string"
    name = getattr(v, "TYPE_NAME", None)
    if name is not None:
        return name
    return b"none"


def string_encoding(v) -> str:
    """int / embstr / raw as Redis 7.0 would report for this value."""
    if type(v) is bytearray:
        return "raw"
    if len(v) <= 20 and to_int(v) is not None:
        return "int"
    return "embstr" if len(v) <= 44 else "raw"


def describe_encoding(server, v) -> str:
    t = type(v)
    if t is bytes or t is bytearray:
        return string_encoding(v)
    enc = getattr(v, "encoding", None)
    if enc is not None:
        return enc(server.config) if callable(enc) else enc
    return "raw"


def lookup_typed(db, key: bytes, cls, write: bool = False, alt=None):
    """The value of type ``cls`` (or ``alt``: the type's other encoding) at
    ``key`` or None; WRONGTYPE for any other type. A read lookup counts a
    keyspace hit or miss."""
    v = db.lookup_write(key) if write else db.lookup_read(key)
    if v is None or type(v) is cls or type(v) is alt:
        return v
    raise CommandError(E.WRONGTYPE)
