"""Argument parsing shared by command handlers, with Redis's exact rules.

``parse_int`` is Redis's string2ll (no spaces, no '+', no leading zeros, 64
bit range); ``parse_timeout`` reads seconds as getTimeoutFromObjectOrReply.
The number parsers themselves live in ``radish.strconv``. Errors carry
Redis's texts.
"""

from __future__ import annotations

import math

from .. import errors as E
from ..errors import CommandError
from ..strconv import LLONG_MAX, LLONG_MIN, c_atoi, ld_round, string2ld, string2ll  # noqa: F401 - re-exported

# Redis's string2ll; one implementation for every layer.
to_int = string2ll


def parse_int(s: bytes, err: str = E.NOT_INTEGER) -> int:
    v = to_int(s)
    if v is None:
        raise CommandError(err)
    return v


def parse_nonneg(s: bytes, err: str = E.NOT_INTEGER) -> int:
    v = parse_int(s, err)
    if v < 0:
        raise CommandError(err)
    return v


def parse_timeout(s: bytes) -> float:
    """Blocking-command timeout in seconds (float); 0 = forever.

    As Redis 7.0's getTimeoutFromObjectOrReply: strtold syntax (hex too),
    milliseconds rounded up (so -0.0001 means 0, forever), and a value
    whose milliseconds do not fit a 64-bit integer (inf, 1e30) wraps
    negative and is refused as negative."""
    v = string2ld(s)
    if v is None:
        raise CommandError(E.TIMEOUT_NOT_FLOAT)
    try:
        if isinstance(v, float):  # +-inf
            raise OverflowError
        ms = math.ceil(ld_round(v * 1000))
    except OverflowError:  # (long long) ceill(inf) is LLONG_MIN on x86-64
        raise CommandError(E.TIMEOUT_NEGATIVE) from None
    if not (LLONG_MIN <= ms <= LLONG_MAX) or ms < 0:
        raise CommandError(E.TIMEOUT_NEGATIVE)
    return ms / 1000.0


def numkeys_getkeys(numkeys_idx: int, dst: bool = False):
    """COMMAND GETKEYS for ``… numkeys key [key …]`` commands (LMPOP,
    ZUNION …); ``dst``: argument 1 is a destination key too."""

    def getkeys(args: list[bytes]) -> list[int]:
        numkeys = to_int(args[numkeys_idx]) if len(args) > numkeys_idx else None
        if numkeys is None or numkeys < 1 or numkeys_idx + numkeys >= len(args):
            raise CommandError(E.INVALID_GETKEYS_ARGS)
        keys = list(range(numkeys_idx + 1, numkeys_idx + 1 + numkeys))
        return [1] + keys if dst else keys

    return getkeys


def numkeys_key_refs(count_idx: int, first_idx: int, store_idx: int = 0):
    """Redis's genericGetKeys as a getkeys proc (the one of EVAL, LMPOP,
    ZUNIONSTORE …, which key_refs reaches when the key specs reject a bad
    numkeys): ``numkeys`` keys from ``first_idx``, then the destination at
    ``store_idx`` if any, all without flags; none unless ``numkeys`` (read
    with atoi) is between 1 and the arguments left."""

    def getkeys_proc(args: list[bytes]) -> list[tuple[int, int]]:
        num = c_atoi(args[count_idx])
        if num < 1 or num > (len(args) - first_idx):
            return []
        refs = [(first_idx + i, 0) for i in range(num)]
        if store_idx:
            refs.append((store_idx, 0))
        return refs

    return getkeys_proc


def parse_mpop_args(args: list[bytes], numkeys_idx: int, first: bytes, second: bytes) -> tuple[list[bytes], bool, int]:
    """``numkeys key [key …] FIRST|SECOND [COUNT count]`` of LMPOP/ZMPOP and
    their blocking forms (LEFT|RIGHT, MIN|MAX) -> (keys, FIRST was given,
    count)."""
    numkeys = to_int(args[numkeys_idx])
    if numkeys is None or numkeys < 1:
        raise CommandError(E.NUMKEYS_NOT_POSITIVE)
    where_idx = numkeys_idx + numkeys + 1
    if where_idx >= len(args):
        raise CommandError(E.SYNTAX)
    where = args[where_idx].lower()
    if where != first and where != second:
        raise CommandError(E.SYNTAX)
    count = -1
    j = where_idx + 1
    n = len(args)
    while j < n:
        if count == -1 and args[j].lower() == b"count" and j + 1 < n:
            given = to_int(args[j + 1])
            if given is None or given < 1:
                raise CommandError(E.COUNT_NOT_POSITIVE)
            count = given
            j += 2
        else:
            raise CommandError(E.SYNTAX)
    if count == -1:
        count = 1
    return args[numkeys_idx + 1 : where_idx], where == first, count
