"""DEBUG DIGEST / DIGEST-VALUE: Redis's dataset fingerprint.

The same algorithm as Redis's debug.c, so two servers holding the same
data — two radish servers, or radish and Redis — report the same digest:

* ``mix(d, data)``: d = SHA1(d xor SHA1(data)) — order-sensitive;
* ``xor(d, data)``: d ^= SHA1(data) — order-insensitive;
* per key: mix(key), mix(type as a 4-byte big-endian int), then the value
  (strings mixed; list elements mixed in order; set members xored; hash
  fields and values mixed pairwise into an element digest that is xored;
  sorted-set members and their %.17g scores likewise; stream entries
  mixed in order: "ms.seq", then each field and value);
  ``"!!expire!!"`` xored in when the key has a TTL (the time itself is not);
* per database with keys: mix(db id), then xor in SHA1 of every key's
  digest.

Imports nothing from radish outside ``persistence`` and ``db``.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from hashlib import sha1

OBJ_STRING, OBJ_LIST, OBJ_SET, OBJ_ZSET, OBJ_HASH = 0, 1, 2, 3, 4
_OBJ_TYPES = {b"string": OBJ_STRING, b"list": OBJ_LIST, b"set": OBJ_SET, b"zset": OBJ_ZSET, b"hash": OBJ_HASH, b"stream": 6}
_ZERO = bytes(20)
_EXPIRE_MARK = sha1(b"!!expire!!").digest()


def _xor(a: bytes, b: bytes) -> bytes:
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(20, "big")


def mix_digest(digest: bytes, data: bytes) -> bytes:
    return sha1(_xor(digest, sha1(data).digest())).digest()


def xor_digest(digest: bytes, data: bytes) -> bytes:
    return _xor(digest, sha1(data).digest())


# TYPE_NAME -> fn(digest, value) -> digest, for types added later (zset …).
VALUE_DIGESTS: dict[bytes, Callable[[bytes, object], bytes]] = {}


def _score_text(score: float) -> bytes:
    """A sorted-set score as debug.c prints it for the digest (%.17g)."""
    if score != score:
        return b"nan"
    if score in (float("inf"), float("-inf")):
        return b"inf" if score > 0 else b"-inf"
    return b"%.17g" % score


def object_digest(digest: bytes, value, has_expire: bool) -> bytes:
    """xorObjectDigest: fold one value (and whether it expires) into digest."""
    t = type(value)
    if t is bytes or t is bytearray:
        name = b"string"
    else:
        name = getattr(value, "TYPE_NAME", b"")
    digest = mix_digest(digest, struct.pack(">I", _OBJ_TYPES.get(name, 0)))
    if name == b"string":
        digest = mix_digest(digest, bytes(value))
    elif name == b"list":
        for item in value:
            digest = mix_digest(digest, item)
    elif name == b"set":
        acc = int.from_bytes(digest, "big")
        for member in value:
            acc ^= int.from_bytes(sha1(member).digest(), "big")
        digest = acc.to_bytes(20, "big")
    elif name == b"hash":
        acc = int.from_bytes(digest, "big")
        for f, v in value.items():
            ele = mix_digest(mix_digest(_ZERO, f), v)
            acc ^= int.from_bytes(sha1(ele).digest(), "big")
        digest = acc.to_bytes(20, "big")
    elif name == b"zset":
        acc = int.from_bytes(digest, "big")
        for m, score in value.items():
            ele = mix_digest(mix_digest(_ZERO, m), _score_text(score))
            acc ^= int.from_bytes(sha1(ele).digest(), "big")
        digest = acc.to_bytes(20, "big")
    elif name == b"stream":
        for i, fv in value.entries():
            digest = mix_digest(digest, b"%d.%d" % (i >> 64, i & 0xFFFFFFFFFFFFFFFF))
            for x in fv:
                digest = mix_digest(digest, x)
    else:
        fn = VALUE_DIGESTS.get(name)
        if fn is not None:
            digest = fn(digest, value)
    if has_expire:
        digest = _xor(digest, _EXPIRE_MARK)
    return digest


def dataset_digest(dbs) -> str:
    """computeDatasetDigest over databases (``id``, ``data``, ``expires``),
    as 40 hex digits."""
    final = _ZERO
    for db in dbs:
        data = db.data
        if not data:
            continue
        final = mix_digest(final, struct.pack(">I", db.id))
        expires = db.expires
        acc = int.from_bytes(final, "big")
        for key, value in data.items():
            d = object_digest(mix_digest(_ZERO, key), value, key in expires)
            acc ^= int.from_bytes(sha1(d).digest(), "big")
        final = acc.to_bytes(20, "big")
    return final.hex()


def value_digest(value, has_expire: bool) -> str:
    """DEBUG DIGEST-VALUE for one key (all zeros for a missing key)."""
    if value is None:
        return _ZERO.hex()
    return object_digest(_ZERO, value, has_expire).hex()


__all__ = ["VALUE_DIGESTS", "dataset_digest", "mix_digest", "object_digest", "value_digest", "xor_digest"]
