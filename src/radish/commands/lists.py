"""List commands (Redis 7.0's list group), blocking pops included.

A list is a ``ListValue``: Redis 7.0's quicklist of listpack nodes
(db/quicklist.py), changed by the same quicklist.c steps Redis's t_list.c
takes, so its nodes are Redis's: O(1) pushes and pops at both ends, index
access O(nodes) plus O(node). A new list takes list-max-listpack-size as
its fill. A list popped to empty is deleted, as in Redis. Blocking
commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) return a ``Block``
when nothing can be served; the dispatcher parks the client and re-runs
the same handler when one of the keys is written. What is propagated is
always the deterministic non-blocking form (BLPOP -> LPOP, BLMPOP -> LPOP
key count, BLMOVE -> LMOVE, BRPOPLPUSH -> RPOPLPUSH).

Imports: db types, errors, protocol reply values, command helpers.
"""

from __future__ import annotations

from .. import errors as E
from ..client import Client
from ..db.notify import NOTIFY_GENERIC, NOTIFY_LIST
from ..db.types import ListValue
from ..errors import CommandError
from ..protocol.resp import NULL_ARRAY, OK, Raw
from .args import (
    numkeys_getkeys,
    numkeys_key_refs,
    parse_int,
    parse_mpop_args,
    parse_timeout,
    to_int,
)
from .registry import KeySpec, command
from .results import Block
from .types import lookup_typed


def get_list(db, key: bytes, write: bool = False):
    """The list at ``key`` or None; WRONGTYPE for another type."""
    return lookup_typed(db, key, ListValue, write)


def _where(arg: bytes) -> bool:
    """LEFT -> True (head), RIGHT -> False (tail)."""
    a = arg.lower()
    if a == b"left":
        return True
    if a == b"right":
        return False
    raise CommandError(E.SYNTAX)


def _range(n: int, start: int, stop: int) -> tuple[int, int]:
    """Redis's index normalisation for LRANGE/LTRIM: (start, stop) clamped,
    empty when start > stop."""
    if start < 0:
        start += n
    if stop < 0:
        stop += n
    if start < 0:
        start = 0
    if stop >= n:
        stop = n - 1
    return start, stop


def new_list(c: Client, items=()) -> ListValue:
    """A new list, filled per list-max-listpack-size (createQuicklistObject
    + quicklistSetOptions)."""
    return ListValue(items, fill=c.server.config.list_max_listpack_size)


# -- pushes ---------------------------------------------------------------------


_UNSET: object = object()  # no lookup made yet (the lean paths pass what they found)


def _push(c: Client, args, head: bool, only_existing: bool, lst=_UNSET):
    key = args[1]
    db = c.db
    if lst is _UNSET:
        lst = db.lookup_write(key)
    if lst is None:
        if only_existing:
            return 0
        lst = new_list(c)
        db.add(key, lst)
    elif type(lst) is not ListValue:
        raise CommandError(E.WRONGTYPE)
    if len(args) == 3:
        if head:
            lst.appendleft(args[2])
        else:
            lst.append(args[2])
        c.server.dirty += 1
    else:
        if head:
            lst.extendleft(args[2:])
        else:
            lst.extend(args[2:])
        c.server.dirty += len(args) - 2
    db.signal_modified(key)
    if db.ks.notify_flags:
        db.notify(NOTIFY_LIST, b"lpush" if head else b"rpush", key)
    return len(lst)


@command("lpush", -3, "write denyoom fast", acl="list", keys=(1, 1, 1), key_specs=(KeySpec("RW INSERT", index=1),), group="list", since="1.0.0", summary="Prepend one or multiple elements to a list", complexity="O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", direct=True)
def lpush(c: Client, args: list[bytes]):
    """Format: LPUSH key element [element ...]"""
    lst = _UNSET
    if len(args) == 3:  # _push's common case, inline
        db = c.db
        key = args[1]
        lst = db.lookup_write(key)
        if type(lst) is ListValue:
            lst.appendleft(args[2])
            c.server.dirty += 1
            ks = db.ks
            if ks.on_key_changed is not None:
                db.signal_modified(key)
            if ks.notify_flags:
                db.notify(NOTIFY_LIST, b"lpush", key)
            return len(lst)
    return _push(c, args, True, False, lst)


@command("rpush", -3, "write denyoom fast", acl="list", keys=(1, 1, 1), key_specs=(KeySpec("RW INSERT", index=1),), group="list", since="1.0.0", summary="Append one or multiple elements to a list", complexity="O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", direct=True)
def rpush(c: Client, args: list[bytes]):
    """Format: RPUSH key element [element ...]"""
    lst = _UNSET
    if len(args) == 3:  # _push's common case, inline
        db = c.db
        key = args[1]
        lst = db.lookup_write(key)
        if type(lst) is ListValue:
            lst.append(args[2])
            c.server.dirty += 1
            ks = db.ks
            if ks.on_key_changed is not None:
                db.signal_modified(key)
            if ks.notify_flags:
                db.notify(NOTIFY_LIST, b"rpush", key)
            return len(lst)
    return _push(c, args, False, False, lst)


@command("lpushx", -3, "write denyoom fast", acl="list", keys=(1, 1, 1), key_specs=(KeySpec("RW INSERT", index=1),), group="list", since="2.2.0", summary="Prepend an element to a list, only if the list exists", complexity="O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", direct=True)
def lpushx(c: Client, args: list[bytes]):
    """Format: LPUSHX key element [element ...]"""
    return _push(c, args, True, True)


@command("rpushx", -3, "write denyoom fast", acl="list", keys=(1, 1, 1), key_specs=(KeySpec("RW INSERT", index=1),), group="list", since="2.2.0", summary="Append an element to a list, only if the list exists", complexity="O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", direct=True)
def rpushx(c: Client, args: list[bytes]):
    """Format: RPUSHX key element [element ...]"""
    return _push(c, args, False, True)


# -- pops -----------------------------------------------------------------------


def _pop_n(c: Client, key: bytes, lst, head: bool, count: int) -> list:
    """Pop up to ``count`` elements (listPopRangeAndReplyWithKey: the range,
    then quicklistDelRange); deletes the emptied list, signals and counts
    dirty."""
    db = c.db
    out = lst.popn(count, head)
    if db.ks.notify_flags:
        db.notify(NOTIFY_LIST, b"lpop" if head else b"rpop", key)
    if not lst:
        db.delete(key)
        if db.ks.notify_flags:
            db.notify(NOTIFY_GENERIC, b"del", key)
    db.signal_modified(key)
    c.server.dirty += len(out)
    return out


def _pop(c: Client, args, head: bool, lst=_UNSET):
    n = len(args)
    if n > 3:
        raise CommandError(E.WRONG_ARITY % ("lpop" if head else "rpop"))
    key = args[1]
    db = c.db
    if n == 3:
        count = to_int(args[2])
        if count is None or count < 0:
            raise CommandError(E.NOT_POSITIVE)
        lst = get_list(db, key, True)
        if lst is None:
            return NULL_ARRAY
        if count == 0:
            return []
        return _pop_n(c, key, lst, head, count)
    if lst is _UNSET:
        lst = db.lookup_write(key)
    if lst is None:
        return None
    if type(lst) is not ListValue:
        raise CommandError(E.WRONGTYPE)
    v = lst.popleft() if head else lst.pop()
    if db.ks.notify_flags:
        _popped(db, key, lst, head)
    if not lst:
        db.delete(key)
    db.signal_modified(key)
    c.server.dirty += 1
    return v


def _popped(db, key: bytes, lst, head: bool) -> None:
    """Events of a pop (listElementsRemoved): lpop/rpop, then del if the
    list is now empty (the caller deletes it)."""
    db.notify(NOTIFY_LIST, b"lpop" if head else b"rpop", key)
    if not lst:
        db.notify(NOTIFY_GENERIC, b"del", key)


@command("lpop", -2, "write fast", acl="list", keys=(1, 1, 1), key_specs=(KeySpec("RW ACCESS DELETE", index=1),), group="list", since="1.0.0", summary="Remove and get the first elements in a list", complexity="O(N) where N is the number of elements returned", direct=True)
def lpop(c: Client, args: list[bytes]):
    """Format: LPOP key [count]"""
    lst = _UNSET
    if len(args) == 2:  # _pop's common case, inline
        db = c.db
        key = args[1]
        lst = db.lookup_write(key)
        ks = db.ks
        if type(lst) is ListValue and not ks.notify_flags:
            v = lst.popleft()
            if not lst:
                db.delete(key)
            if ks.on_key_changed is not None:
                db.signal_modified(key)
            c.server.dirty += 1
            return v
        if lst is None:
            return None
    return _pop(c, args, True, lst)


@command("rpop", -2, "write fast", acl="list", keys=(1, 1, 1), key_specs=(KeySpec("RW ACCESS DELETE", index=1),), group="list", since="1.0.0", summary="Remove and get the last elements in a list", complexity="O(N) where N is the number of elements returned", direct=True)
def rpop(c: Client, args: list[bytes]):
    """Format: RPOP key [count]"""
    lst = _UNSET
    if len(args) == 2:  # _pop's common case, inline
        db = c.db
        key = args[1]
        lst = db.lookup_write(key)
        ks = db.ks
        if type(lst) is ListValue and not ks.notify_flags:
            v = lst.pop()
            if not lst:
                db.delete(key)
            if ks.on_key_changed is not None:
                db.signal_modified(key)
            c.server.dirty += 1
            return v
        if lst is None:
            return None
    return _pop(c, args, False, lst)


def _blocked_rerun(c) -> bool:
    """True while the dispatcher re-runs a parked command. Redis 7.0 leaves
    a client blocked when a key it waits on turns into another type, so
    re-runs skip wrong-type keys instead of failing."""
    return c.blocked is not None


def _bpop(c: Client, keys: list[bytes], head: bool, timeout: float, count: int | None):
    """BLPOP/BRPOP (count None) and BLMPOP: serve from the first non-empty
    list among ``keys`` or block."""
    db = c.db
    rerun = _blocked_rerun(c)
    order = keys
    if rerun:
        # Redis serves a woken client from the key whose write woke it.
        first = c.server.blocking.serving_key
        if first is not None and first in keys:
            order = [first] + [k for k in keys if k != first]
    for key in order:
        lst = db.lookup_write(key)
        if lst is None:
            continue
        if type(lst) is not ListValue:
            if rerun:
                continue
            raise CommandError(E.WRONGTYPE)
        if not lst:
            continue
        name = b"LPOP" if head else b"RPOP"
        if count is None:
            v = lst.popleft() if head else lst.pop()
            if db.ks.notify_flags:
                _popped(db, key, lst, head)
            if not lst:
                db.delete(key)
            db.signal_modified(key)
            c.server.dirty += 1
            c.propagate_as = [[name, key]]
            return [key, v]
        n = min(count, len(lst))
        out = _pop_n(c, key, lst, head, n)
        c.propagate_as = [[name, key, str(n).encode()]]
        return [key, out]
    return Block(keys, timeout, NULL_ARRAY)


@command("blpop", -3, "write noscript blocking", acl="list", keys=(1, -2, 1), key_specs=(KeySpec("RW ACCESS DELETE", index=1, lastkey=-2),), group="list", since="2.0.0", summary="Remove and get the first element in a list, or block until one is available", complexity="O(N) where N is the number of provided keys.", direct=True)
def blpop(c: Client, args: list[bytes]):
    """Format: BLPOP key [key ...] timeout"""
    timeout = parse_timeout(args[-1])
    return _bpop(c, args[1:-1], True, timeout, None)


@command("brpop", -3, "write noscript blocking", acl="list", keys=(1, -2, 1), key_specs=(KeySpec("RW ACCESS DELETE", index=1, lastkey=-2),), group="list", since="2.0.0", summary="Remove and get the last element in a list, or block until one is available", complexity="O(N) where N is the number of provided keys.", direct=True)
def brpop(c: Client, args: list[bytes]):
    """Format: BRPOP key [key ...] timeout"""
    timeout = parse_timeout(args[-1])
    return _bpop(c, args[1:-1], False, timeout, None)


@command("lmpop", -4, "write", acl="list", key_specs=(KeySpec("RW ACCESS DELETE", index=1, keynum=(0, 1, 1)),), group="list", since="7.0.0", summary="Pop elements from a list", complexity="O(N+M) where N is the number of provided keys and M is the number of elements returned.", getkeys=numkeys_getkeys(1), getkeys_proc=numkeys_key_refs(1, 2), direct=True)
def lmpop(c: Client, args: list[bytes]):
    """Format: LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]"""
    keys, head, count = parse_mpop_args(args, 1, b"left", b"right")
    db = c.db
    for key in keys:
        lst = get_list(db, key, True)
        if not lst:
            continue
        n = min(count, len(lst))
        out = _pop_n(c, key, lst, head, n)
        c.propagate_as = [[b"LPOP" if head else b"RPOP", key, str(n).encode()]]
        return [key, out]
    return NULL_ARRAY


@command("blmpop", -5, "write blocking", acl="list", key_specs=(KeySpec("RW ACCESS DELETE", index=2, keynum=(0, 1, 1)),), group="list", since="7.0.0", summary="Pop elements from a list, or block until one is available", complexity="O(N+M) where N is the number of provided keys and M is the number of elements returned.", getkeys=numkeys_getkeys(2), getkeys_proc=numkeys_key_refs(2, 3), direct=True)
def blmpop(c: Client, args: list[bytes]):
    """Format: BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]"""
    keys, head, count = parse_mpop_args(args, 2, b"left", b"right")
    timeout = parse_timeout(args[1])
    return _bpop(c, keys, head, timeout, count)


# -- moves ----------------------------------------------------------------------


def _move(c: Client, src: bytes, dst: bytes, from_head: bool, to_head: bool):
    """LMOVE core: None when the source is missing (caller decides whether
    to block), else the moved element. Checks the destination's type before
    popping."""
    db = c.db
    rerun = _blocked_rerun(c)
    slst = db.lookup_write(src)
    if slst is None:
        return None
    if type(slst) is not ListValue:
        if rerun:
            return None
        raise CommandError(E.WRONGTYPE)
    if not slst:
        return None
    dlst = db.lookup_write(dst)
    if dlst is not None and type(dlst) is not ListValue:
        raise CommandError(E.WRONGTYPE)
    v = slst.popleft() if from_head else slst.pop()
    if dlst is None:
        dlst = new_list(c)
        db.add(dst, dlst)
    if to_head:
        dlst.appendleft(v)
    else:
        dlst.append(v)
    db.signal_modified(dst)
    if db.ks.notify_flags:
        db.notify(NOTIFY_LIST, b"lpush" if to_head else b"rpush", dst)
        _popped(db, src, slst, from_head)
    if not slst:
        db.delete(src)
    db.signal_modified(src)
    c.server.dirty += 1
    return v


@command("lmove", 5, "write denyoom", acl="list", keys=(1, 2, 1), key_specs=(KeySpec("RW ACCESS DELETE", index=1), KeySpec("RW INSERT", index=2)), group="list", since="6.2.0", summary="Pop an element from a list, push it to another list and return it", complexity="O(1)", direct=True)
def lmove(c: Client, args: list[bytes]):
    """Format: LMOVE source destination LEFT|RIGHT LEFT|RIGHT"""
    from_head = _where(args[3])
    to_head = _where(args[4])
    return _move(c, args[1], args[2], from_head, to_head)


@command("rpoplpush", 3, "write denyoom", acl="list", keys=(1, 2, 1), key_specs=(KeySpec("RW ACCESS DELETE", index=1), KeySpec("RW INSERT", index=2)), group="list", since="1.2.0", summary="Remove the last element in a list, prepend it to another list and return it", complexity="O(1)", doc_flags="deprecated", deprecated_since="6.2.0", replaced_by="`LMOVE` with the `RIGHT` and `LEFT` arguments", direct=True)
def rpoplpush(c: Client, args: list[bytes]):
    """Format: RPOPLPUSH source destination"""
    return _move(c, args[1], args[2], False, True)


def _bmove(c: Client, args, from_head: bool, to_head: bool, timeout: float, prop: list[bytes]):
    v = _move(c, args[1], args[2], from_head, to_head)
    if v is not None:
        c.propagate_as = [prop]
        return v
    if c.no_block:
        return None  # Redis answers a null bulk when it may not block
    return Block([args[1]], timeout, NULL_ARRAY)


@command("blmove", 6, "write denyoom noscript blocking", acl="list", keys=(1, 2, 1), key_specs=(KeySpec("RW ACCESS DELETE", index=1), KeySpec("RW INSERT", index=2)), group="list", since="6.2.0", summary="Pop an element from a list, push it to another list and return it; or block until one is available", complexity="O(1)", direct=True)
def blmove(c: Client, args: list[bytes]):
    """Format: BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout"""
    from_head = _where(args[3])
    to_head = _where(args[4])
    timeout = parse_timeout(args[5])
    return _bmove(c, args, from_head, to_head, timeout, [b"LMOVE", args[1], args[2], args[3], args[4]])


@command("brpoplpush", 4, "write denyoom noscript blocking", acl="list", keys=(1, 2, 1), key_specs=(KeySpec("RW ACCESS DELETE", index=1), KeySpec("RW INSERT", index=2)), group="list", since="2.2.0", summary="Pop an element from a list, push it to another list and return it; or block until one is available", complexity="O(1)", doc_flags="deprecated", deprecated_since="6.2.0", replaced_by="`BLMOVE` with the `RIGHT` and `LEFT` arguments", direct=True)
def brpoplpush(c: Client, args: list[bytes]):
    """Format: BRPOPLPUSH source destination timeout"""
    timeout = parse_timeout(args[3])
    return _bmove(c, args, False, True, timeout, [b"RPOPLPUSH", args[1], args[2]])


# -- reads ----------------------------------------------------------------------


@command("llen", 2, "readonly fast", acl="list", keys=(1, 1, 1), key_specs=(KeySpec("RO", index=1),), group="list", since="1.0.0", summary="Get the length of a list", complexity="O(1)", direct=True)
def llen(c: Client, args: list[bytes]):
    """Format: LLEN key"""
    lst = get_list(c.db, args[1])
    return 0 if lst is None else len(lst)


@command("lindex", 3, "readonly", acl="list", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="list", since="1.0.0", summary="Get an element from a list by its index", complexity="O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).", direct=True)
def lindex(c: Client, args: list[bytes]):
    """Format: LINDEX key index"""
    lst = get_list(c.db, args[1])
    if lst is None:
        return None
    i = parse_int(args[2])
    n = len(lst)
    if i < 0:
        i += n
    if i < 0 or i >= n:
        return None
    return lst[i]


@command("lrange", 4, "readonly", acl="list", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="list", since="1.0.0", summary="Get a range of elements from a list", complexity="O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.", direct=True)
def lrange(c: Client, args: list[bytes]):
    """Format: LRANGE key start stop"""
    start = parse_int(args[2])
    stop = parse_int(args[3])
    lst = get_list(c.db, args[1])
    if lst is None:
        return []
    return Raw(lst.lrange_raw(start, stop))


@command("lpos", -3, "readonly", acl="list", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="list", since="6.0.6", summary="Return the index of matching elements on a list", complexity="O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.", direct=True)
def lpos(c: Client, args: list[bytes]):
    """Format: LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]"""
    ele = args[2]
    rank, count, maxlen = 1, -1, 0
    j = 3
    n = len(args)
    while j < n:
        opt = args[j].lower()
        more = j + 1 < n
        if opt == b"rank" and more:
            rank = parse_int(args[j + 1])
            if rank == 0:
                raise CommandError(E.RANK_ZERO)
        elif opt == b"count" and more:
            given = to_int(args[j + 1])
            if given is None or given < 0:
                raise CommandError(E.COUNT_NEGATIVE)
            count = given
        elif opt == b"maxlen" and more:
            given = to_int(args[j + 1])
            if given is None or given < 0:
                raise CommandError(E.MAXLEN_NEGATIVE)
            maxlen = given
        else:
            raise CommandError(E.SYNTAX)
        j += 2
    forward = True
    if rank < 0:
        # -LLONG_MIN overflows in Redis and stays negative: every match
        # qualifies, i.e. the first match from the tail.
        rank = 1 if rank == -(2**63) else -rank
        forward = False
    lst = get_list(c.db, args[1])
    if lst is None:
        return [] if count != -1 else None
    out = lst.lpos(ele, rank, 1 if count == -1 else count, maxlen, not forward)
    if count == -1:
        return out[0] if out else None
    return out


# -- in-place writes ---------------------------------------------------------------


@command("linsert", 5, "write denyoom", acl="list", keys=(1, 1, 1), key_specs=(KeySpec("RW INSERT", index=1),), group="list", since="2.2.0", summary="Insert an element before or after another element in a list", complexity="O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).", direct=True)
def linsert(c: Client, args: list[bytes]):
    """Format: LINSERT key BEFORE|AFTER pivot element"""
    where = args[2].lower()
    if where == b"after":
        after = True
    elif where == b"before":
        after = False
    else:
        raise CommandError(E.SYNTAX)
    key = args[1]
    lst = get_list(c.db, key, True)
    if lst is None:
        return 0
    if not lst.linsert(args[3], args[4], after):
        return -1
    c.db.signal_modified(key)
    c.db.notify(NOTIFY_LIST, b"linsert", key)
    c.server.dirty += 1
    return len(lst)


@command("lset", 4, "write denyoom", acl="list", keys=(1, 1, 1), key_specs=(KeySpec("RW UPDATE", index=1),), group="list", since="1.0.0", summary="Set the value of an element in a list by its index", complexity="O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).", direct=True)
def lset(c: Client, args: list[bytes]):
    """Format: LSET key index element"""
    key = args[1]
    lst = get_list(c.db, key, True)
    if lst is None:
        raise CommandError(E.NO_SUCH_KEY)
    i = parse_int(args[2])
    n = len(lst)
    if i < 0:
        i += n
    if i < 0 or i >= n:
        raise CommandError(E.INDEX_OUT_OF_RANGE)
    lst[i] = args[3]
    c.db.signal_modified(key)
    c.db.notify(NOTIFY_LIST, b"lset", key)
    c.server.dirty += 1
    return OK


@command("lrem", 4, "write", acl="list", keys=(1, 1, 1), key_specs=(KeySpec("RW DELETE", index=1),), group="list", since="1.0.0", summary="Remove elements from a list", complexity="O(N+M) where N is the length of the list and M is the number of elements removed.", direct=True)
def lrem(c: Client, args: list[bytes]):
    """Format: LREM key count element"""
    count = parse_int(args[2])
    key = args[1]
    db = c.db
    lst = get_list(db, key, True)
    if lst is None:
        return 0
    removed = lst.lrem(args[3], count)
    if not removed:
        return 0
    db.notify(NOTIFY_LIST, b"lrem", key)
    if not lst:
        db.delete(key)
        db.notify(NOTIFY_GENERIC, b"del", key)
    db.signal_modified(key)
    c.server.dirty += removed
    return removed


@command("ltrim", 4, "write", acl="list", keys=(1, 1, 1), key_specs=(KeySpec("RW DELETE", index=1),), group="list", since="1.0.0", summary="Trim a list to the specified range", complexity="O(N) where N is the number of elements to be removed by the operation.", direct=True)
def ltrim(c: Client, args: list[bytes]):
    """Format: LTRIM key start stop"""
    start = parse_int(args[2])
    stop = parse_int(args[3])
    key = args[1]
    db = c.db
    lst = get_list(db, key, True)
    if lst is None:
        return OK
    n = len(lst)
    start, stop = _range(n, start, stop)
    if start > stop or start >= n:
        ltrim, rtrim = n, 0
    else:
        ltrim, rtrim = start, n - stop - 1
    lst.delrange(0, ltrim)
    lst.delrange(-rtrim, rtrim)
    removed = ltrim + rtrim
    db.notify(NOTIFY_LIST, b"ltrim", key)
    if not lst:
        db.delete(key)
        db.notify(NOTIFY_GENERIC, b"del", key)
    db.signal_modified(key)
    c.server.dirty += removed
    return OK
