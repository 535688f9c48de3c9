"""Stream commands (Redis 7.0's stream group), consumer groups and the
blocking reads.

The data structure is ``db.stream.StreamValue`` (nodes shaped like Redis's
listpacks, see there). Handlers follow t_stream.c step by step, so errors
come in Redis's order and replies have its shapes.

Propagation is Redis's: XADD goes out with the ID it generated and an
approximate trim (``~``) rewritten as ``= <what is left>`` (MAXLEN: the
length; MINID: the first ID), so replicas end with the same entries;
XREADGROUP, XCLAIM and XAUTOCLAIM are never propagated as such but as one
``XCLAIM key group consumer 0 id TIME t RETRYCOUNT n FORCE JUSTID LASTID
last`` per delivered or claimed entry, plus ``XGROUP SETID … ENTRIESREAD``
when a NOACK read (or XCLAIM's LASTID) moved the group, and ``XGROUP
CREATECONSUMER`` for a consumer a NOACK read created.

Blocking: XREAD and XREADGROUP with BLOCK return a ``Block``; ``$`` is
resolved to the stream's last ID at that moment (the argument is rewritten
in place so the re-run waits for entries after it). A re-run caused by a
write to one of the keys serves that key only, as Redis 7.0 does (with at
most 1000 entries when no COUNT was given); a blocked XREADGROUP whose key
was deleted (or turned into another type) or whose group was destroyed is
answered with Redis's -UNBLOCKED / -NOGROUP errors.

Imports: db.stream, errors, protocol reply values, command helpers.
"""

from __future__ import annotations

from .. import errors as E
from ..client import Client
from ..db.notify import NOTIFY_STREAM
from ..db.stream import (
    INVALID_ENTRIES_READ,
    LISTPACK_MAX_SIZE,
    MASK64,
    MAX_ID,
    Consumer,
    Group,
    Nack,
    StreamValue,
    add_star,
    id_bytes,
    make_id,
)
from ..errors import CommandError
from ..protocol.resp import NULL_ARRAY, OK, MapReply, Raw, status_lines
from ..strconv import LLONG_MAX, string2ll
from .args import to_int
from .registry import KeySpec, command
from .results import Block

ULLONG_MAX = (1 << 64) - 1
XREAD_BLOCKED_DEFAULT_COUNT = 1000


def _text(b: bytes) -> str:
    return b.split(b"\0", 1)[0].decode("utf-8", "replace")


# -- argument parsing --------------------------------------------------------------------


def _string2ull(s: bytes) -> int | None:
    """util.c string2ull: string2ll, else C strtoull over the whole text."""
    v = string2ll(s)
    if v is not None:
        return v if v >= 0 else None
    n = len(s)
    i = 0
    while i < n and s[i] in b" \t\n\v\f\r":
        i += 1
    neg = False
    if i < n and s[i] in b"+-":
        neg = s[i] == 45
        i += 1
    j = i
    while j < n and 48 <= s[j] <= 57:
        j += 1
    if j == i or j != n:
        return None
    v = int(s[i:j])
    if v > ULLONG_MAX:
        return None
    return (-v) & MASK64 if neg else v


def parse_id(a: bytes, missing_seq: int = 0, strict: bool = False, allow_star_seq: bool = False) -> tuple[int, bool]:
    """streamGenericParseIDOrReply: (id, seq_given)."""
    if len(a) > 127:
        raise CommandError(E.STREAM_ID_INVALID)
    nul = a.find(b"\0")
    if nul >= 0:
        a = a[:nul]
    if a == b"-":
        if strict:
            raise CommandError(E.STREAM_ID_INVALID)
        return 0, True
    if a == b"+":
        if strict:
            raise CommandError(E.STREAM_ID_INVALID)
        return MAX_ID, True
    dash = a.find(b"-")
    ms_s = a if dash < 0 else a[:dash]
    ms = _string2ull(ms_s)
    if ms is None:
        raise CommandError(E.STREAM_ID_INVALID)
    if dash < 0:
        return make_id(ms, missing_seq), True
    seq_s = a[dash + 1 :]
    if allow_star_seq and seq_s == b"*":
        return make_id(ms, 0), False
    seq = _string2ull(seq_s)
    if seq is None:
        raise CommandError(E.STREAM_ID_INVALID)
    return make_id(ms, seq), True


def strict_id(a: bytes) -> int:
    return parse_id(a, 0, True)[0]


def parse_interval(a: bytes, missing_seq: int) -> tuple[int, bool]:
    """streamParseIntervalIDOrReply: (id, exclusive)."""
    if len(a) > 1 and a[0] == 40:  # '('
        return parse_id(a[1:], missing_seq, True)[0], True
    return parse_id(a, missing_seq)[0], False


def _ll(a: bytes, err: str = E.NOT_INTEGER) -> int:
    v = to_int(a)
    if v is None:
        raise CommandError(err)
    return v


def _range_start(a: bytes) -> int:
    i, ex = parse_interval(a, 0)
    if ex:
        if i == MAX_ID:
            raise CommandError(E.XSTREAM_INVALID_START)
        i += 1
    return i


def _range_end(a: bytes) -> int:
    i, ex = parse_interval(a, ULLONG_MAX)
    if ex:
        if i == 0:
            raise CommandError(E.XSTREAM_INVALID_END)
        i -= 1
    return i


def get_stream(db, key: bytes, write: bool = False) -> StreamValue | None:
    v = db.lookup_write(key) if write else db.lookup_read(key)
    if v is None or type(v) is StreamValue:
        return v
    raise CommandError(E.WRONGTYPE)


def _now(c: Client) -> int:
    return c.server.keyspace.now_ms


# -- XADD / XTRIM --------------------------------------------------------------------------


class _TrimArgs:
    __slots__ = ("id", "id_given", "seq_given", "no_mkstream", "strategy", "arg_idx", "approx", "limit", "maxlen", "minid", "idpos")

    def __init__(self) -> None:
        self.id = 0
        self.id_given = False
        self.seq_given = True
        self.no_mkstream = False
        self.strategy = 0  # 0 none, 1 maxlen, 2 minid
        self.arg_idx = 0
        self.approx = False
        self.limit = 0
        self.maxlen = 0
        self.minid = 0
        self.idpos = 0


def _parse_add_trim(c: Client, args: list[bytes], xadd: bool) -> _TrimArgs:
    """streamParseAddOrTrimArgsOrReply."""
    t = _TrimArgs()
    n = len(args)
    i = 2
    limit_given = False
    while i < n:
        more = n - 1 - i
        opt = args[i]
        lo = opt.lower()
        if xadd and opt == b"*":
            break
        if lo in (b"maxlen", b"minid") and more:
            if t.strategy:
                raise CommandError(E.XSTREAM_MAXLEN_MINID)
            t.approx = False
            nxt = args[i + 1]
            if more >= 2 and nxt == b"~":
                t.approx = True
                i += 1
            elif more >= 2 and nxt == b"=":
                i += 1
            if lo == b"maxlen":
                t.maxlen = _ll(args[i + 1])
                if t.maxlen < 0:
                    raise CommandError(E.XSTREAM_MAXLEN_NEGATIVE)
                t.strategy = 1
            else:
                t.minid = strict_id(args[i + 1])
                t.strategy = 2
            i += 1
            t.arg_idx = i
        elif lo == b"limit" and more:
            t.limit = _ll(args[i + 1])
            if t.limit < 0:
                raise CommandError(E.XSTREAM_LIMIT_NEGATIVE)
            limit_given = True
            i += 1
        elif xadd and lo == b"nomkstream":
            t.no_mkstream = True
        elif xadd:
            t.id, t.seq_given = parse_id(opt, 0, True, True)
            t.id_given = True
            break
        else:
            raise CommandError(E.SYNTAX)
        i += 1
    t.idpos = i
    if t.limit and not t.strategy:
        raise CommandError(E.XSTREAM_LIMIT_NO_STRATEGY)
    if not xadd and not t.strategy:
        raise CommandError(E.XTRIM_NO_STRATEGY)
    if c.must_obey():
        t.limit = 0
    elif limit_given:
        if not t.approx:
            raise CommandError(E.XSTREAM_LIMIT_NO_APPROX)
    elif t.approx:
        lim = 100 * c.server.config.stream_node_max_entries
        if lim <= 0:
            lim = 10000
        if lim > 1000000:
            lim = 1000000
        t.limit = lim
    else:
        t.limit = 0
    return t


def _trim(s: StreamValue, t: _TrimArgs) -> int:
    if t.strategy == 1:
        return s.trim(t.maxlen, None, t.approx, t.limit)
    if t.strategy == 2:
        return s.trim(None, t.minid, t.approx, t.limit)
    return 0


def _rewrite_trim(s: StreamValue, t: _TrimArgs, out: list[bytes]) -> None:
    """streamRewriteApproxSpecifier + streamRewriteTrimArgument."""
    out[t.arg_idx - 1] = b"="
    if t.strategy == 1:
        out[t.arg_idx] = b"%d" % s.length
    else:
        out[t.arg_idx] = id_bytes(s.edge_id(True, True))


@command("xadd", -5, "write denyoom fast", acl="stream", key_specs=(KeySpec('RW UPDATE', index=1, notes='UPDATE instead of INSERT because of the optional trimming feature'),), keys=(1, 1, 1), group="stream", since="5.0.0", summary="Appends a new entry to a stream", complexity="O(1) when adding a new entry, O(N) when trimming where N being the number of entries evicted.", tips="nondeterministic_output", direct=True)
def xadd(c: Client, args: list[bytes]):
    """Format: XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...]"""
    n = len(args)
    if args[2] == b"*" and n & 1:
        # The common form, XADD key * field value ...: no options to parse.
        key = args[1]
        db = c.db
        ks = db.ks
        s = db.data.get(key)
        if s is not None and not (db.expires and key in db.expires):
            if ks.lfu_mode:  # lookup_write's access stamp, inlined
                db.touch(key)
            else:
                db.lru[key] = ks.lru_now
        else:
            s = db.lookup_write(key)
            if s is None:
                s = StreamValue()
                db.add(key, s)
        if type(s) is not StreamValue:
            raise CommandError(E.WRONGTYPE)
        server = c.server
        cfg = server.config
        reply = add_star(s, args, ks.now_ms, cfg.stream_node_max_bytes, cfg.stream_node_max_entries)
        if reply is None:  # a new node, limits, errors: the general path
            return _xadd(c, args)
        if ks.on_key_changed is not None:  # signal_modified, inlined
            ks.on_key_changed(db, key)
        if ks.notify_flags:
            db.notify(NOTIFY_STREAM, b"xadd", key)
        server.dirty += 1
        prop = server.propagation
        if prop.subscribers or prop.backlog.active:  # else nothing is propagated: no rewrite to build
            rewrite = list(args)
            rewrite[2] = reply
            c.propagate_as = [rewrite]
        return reply
    return _xadd(c, args)


def _xadd(c: Client, args: list[bytes]):
    t = _parse_add_trim(c, args, True)
    field_pos = t.idpos + 1
    nf = len(args) - field_pos
    if nf < 2 or nf % 2:
        raise CommandError(E.WRONG_ARITY % "xadd")
    if t.id_given and t.seq_given and t.id == 0:
        raise CommandError(E.XADD_ID_ZERO)
    key = args[1]
    db = c.db
    s = db.lookup_write(key)
    if s is None:
        if t.no_mkstream:
            return None
        s = StreamValue()
        db.add(key, s)
    elif type(s) is not StreamValue:
        raise CommandError(E.WRONGTYPE)
    last = s.last_id
    if last == MAX_ID:
        raise CommandError(E.XADD_EXHAUSTED)
    if t.id_given:
        if t.seq_given:
            new_id = t.id
        elif (last >> 64) == (t.id >> 64):
            if last & MASK64 == MASK64:
                raise CommandError(E.XADD_TOO_LARGE)  # errno is not EDOM here (Redis 7.0)
            new_id = last + 1
        else:
            new_id = t.id
    else:
        now = _now(c)
        new_id = make_id(now, 0) if now > (last >> 64) else last + 1
    if new_id <= last:
        raise CommandError(E.XADD_ID_SMALL)
    fv = tuple(args[field_pos:])
    total = 0
    for x in fv:
        total += len(x)
    if total > LISTPACK_MAX_SIZE:
        raise CommandError(E.XADD_TOO_LARGE)
    cfg = c.server.config
    reply = s.append(new_id, fv, cfg.stream_node_max_bytes, cfg.stream_node_max_entries)
    db.signal_modified(key)
    db.notify(NOTIFY_STREAM, b"xadd", key)
    c.server.dirty += 1
    rewrite = None
    if t.strategy:
        if _trim(s, t):
            db.notify(NOTIFY_STREAM, b"xtrim", key)
        if t.approx:
            rewrite = list(args)
            _rewrite_trim(s, t, rewrite)
    if not t.id_given or not t.seq_given:
        if rewrite is None:
            rewrite = list(args)
        rewrite[t.idpos] = reply
    if rewrite is not None:
        c.propagate_as = [rewrite]
    return reply


@command("xtrim", -4, "write", acl="stream", key_specs=(KeySpec('RW DELETE', index=1),), keys=(1, 1, 1), group="stream", since="5.0.0", summary="Trims the stream to (approximately if '~' is passed) a certain size", complexity="O(N), with N being the number of evicted entries. Constant times are very small however, since entries are organized in macro nodes containing multiple entries that can be released with a single deallocation.", tips="nondeterministic_output", direct=True)
def xtrim(c: Client, args: list[bytes]):
    """Format: XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]"""
    t = _parse_add_trim(c, args, False)
    key = args[1]
    s = get_stream(c.db, key, True)
    if s is None:
        return 0
    deleted = _trim(s, t)
    if deleted:
        c.db.notify(NOTIFY_STREAM, b"xtrim", key)
        if t.approx:
            rewrite = list(args)
            _rewrite_trim(s, t, rewrite)
            c.propagate_as = [rewrite]
        c.db.signal_modified(key)
        c.server.dirty += deleted
    return deleted


# -- reads ----------------------------------------------------------------------------------


_EDGES = {b"-": 0, b"+": MAX_ID}  # what "-" and "+" read as, for start and end alike


def _xrange(c: Client, args: list[bytes], rev: bool):
    a = args[3] if rev else args[2]
    start = _EDGES.get(a)
    if start is None:
        start = _range_start(a)
    a = args[2] if rev else args[3]
    end = _EDGES.get(a)
    if end is None:
        end = _range_end(a)
    count = -1
    n = len(args)
    j = 4
    while j < n:
        if args[j].lower() == b"count" and n - j - 1 >= 1:
            count = _ll(args[j + 1])
            if count < 0:
                count = 0
            j += 1
        else:
            raise CommandError(E.SYNTAX)
        j += 1
    s = c.db.lookup_read(args[1])
    if s is None:
        return []
    if type(s) is not StreamValue:
        raise CommandError(E.WRONGTYPE)
    if count == 0:
        return NULL_ARRAY
    if count == -1:
        count = 0
    return Raw(s.range_raw(start, end, count, rev))


@command("xrange", -4, "readonly", acl="stream", key_specs=(KeySpec('RO ACCESS', index=1),), keys=(1, 1, 1), group="stream", since="5.0.0", summary="Return a range of elements in a stream, with IDs matching the specified IDs interval", complexity="O(N) with N being the number of elements being returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).", direct=True)
def xrange(c: Client, args: list[bytes]):
    """Format: XRANGE key start end [COUNT count]"""
    return _xrange(c, args, False)


@command("xrevrange", -4, "readonly", acl="stream", key_specs=(KeySpec('RO ACCESS', index=1),), keys=(1, 1, 1), group="stream", since="5.0.0", summary="Return a range of elements in a stream, with IDs matching the specified IDs interval, in reverse order (from greater to smaller IDs) compared to XRANGE", complexity="O(N) with N being the number of elements returned. If N is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1).", direct=True)
def xrevrange(c: Client, args: list[bytes]):
    """Format: XREVRANGE key end start [COUNT count]"""
    return _xrange(c, args, True)


@command("xlen", 2, "readonly fast", acl="stream", key_specs=(KeySpec('RO', index=1),), keys=(1, 1, 1), group="stream", since="5.0.0", summary="Return the number of entries in a stream", complexity="O(1)", direct=True)
def xlen(c: Client, args: list[bytes]):
    """Format: XLEN key"""
    s = get_stream(c.db, args[1])
    return 0 if s is None else s.length


@command("xdel", -3, "write fast", acl="stream", key_specs=(KeySpec('RW DELETE', index=1),), keys=(1, 1, 1), group="stream", since="5.0.0", summary="Removes the specified entries from the stream. Returns the number of items actually deleted, that may be different from the number of IDs passed in case certain IDs do not exist.", complexity="O(1) for each single item to delete in the stream, regardless of the stream size.", direct=True)
def xdel(c: Client, args: list[bytes]):
    """Format: XDEL key id [id ...]"""
    key = args[1]
    s = get_stream(c.db, key, True)
    if s is None:
        return 0
    ids = [strict_id(a) for a in args[2:]]
    deleted = 0
    first_entry = False
    for i in ids:
        if s.delete(i):
            if i == s.first_id:
                first_entry = True
            if i > s.max_deleted:
                s.max_deleted = i
            deleted += 1
    if deleted:
        if s.length == 0:
            s.first_id = 0
        elif first_entry:
            s.first_id = s.edge_id(True)
        c.db.signal_modified(key)
        c.db.notify(NOTIFY_STREAM, b"xdel", key)
        c.server.dirty += deleted
    return deleted


# -- XREAD / XREADGROUP -------------------------------------------------------------------------


def _xclaim_prop(key: bytes, gname: bytes, g: Group, i: int | bytes, nack: Nack) -> list[bytes]:
    """streamPropagateXCLAIM (``i``: the ID, or the argument that named it)."""
    return [
        b"XCLAIM", key, gname, nack.consumer.name if nack.consumer is not None else b"", b"0", i if isinstance(i, bytes) else id_bytes(i),
        b"TIME", b"%d" % nack.delivery_time, b"RETRYCOUNT", b"%d" % nack.delivery_count,
        b"FORCE", b"JUSTID", b"LASTID", id_bytes(g.last_id),
    ]


def _setid_prop(key: bytes, gname: bytes, g: Group) -> list[bytes]:
    """streamPropagateGroupID."""
    return [b"XGROUP", b"SETID", key, gname, id_bytes(g.last_id), b"ENTRIESREAD", b"%d" % g.entries_read]


def _lookup_consumer(g: Group, name: bytes, now: int, refresh: bool = True) -> Consumer | None:
    cons = g.consumers.get(name)
    if cons is not None and refresh:
        cons.seen_time = now
    return cons


def _create_consumer(c: Client, g: Group, name: bytes, now: int, key: bytes) -> Consumer:
    """streamCreateConsumer (with its xgroup-createconsumer event)."""
    cons = g.consumers[name] = Consumer(name, now)
    c.server.dirty += 1
    c.db.notify(NOTIFY_STREAM, b"xgroup-createconsumer", key)
    return cons


def _serve_group(c: Client, s: StreamValue, key: bytes, start: int, count: int, g: Group, gname: bytes, cons: Consumer, noack: bool, props: list) -> list:
    """streamReplyWithRange for a consumer group (new entries)."""
    out = []
    now = _now(c)
    propagate_last_id = False
    for _node, (i, fv, _pos, _fl) in s.iter_range(start, MAX_ID):
        if i > g.last_id:
            if g.entries_read != INVALID_ENTRIES_READ and not s.range_has_tombstones(i):
                g.entries_read += 1
            elif s.entries_added:
                g.entries_read = s.estimate_distance(i)
            g.last_id = i
            if noack:
                propagate_last_id = True
        out.append([id_bytes(i), fv])
        if not noack:
            nack = g.pel.get(i)
            if nack is None:
                nack = Nack(cons, now)
                g.pel[i] = nack
            else:
                if nack.consumer is not None:
                    nack.consumer.pel.pop(i, None)
                nack.consumer = cons
                nack.delivery_time = now
                nack.delivery_count = 1
            cons.pel[i] = nack
            props.append(_xclaim_prop(key, gname, g, i, nack))
        if count and len(out) == count:
            break
    if propagate_last_id:
        props.append(_setid_prop(key, gname, g))
    return out


def _serve_history(c: Client, s: StreamValue, start: int, count: int, cons: Consumer) -> list:
    """streamReplyWithRangeFromConsumerPEL."""
    out: list = []
    now = _now(c)
    for i in cons.pel.irange(minimum=start):
        if count and len(out) >= count:
            break
        fv = s.get(i)
        if fv is None:
            out.append([id_bytes(i), NULL_ARRAY])
        else:
            nack = cons.pel[i]
            nack.delivery_time = now
            nack.delivery_count += 1
            out.append([id_bytes(i), fv])
    return out


def _xread_reply(c: Client, items: list):
    if c.resp3:
        return MapReply(items)
    return [[k, v] for k, v in items]


def _parse_ms_timeout(c: Client, a: bytes) -> int:
    v = to_int(a)
    if v is None:
        raise CommandError(E.TIMEOUT_NOT_INTEGER)
    if v < 0:
        raise CommandError(E.TIMEOUT_NEGATIVE)
    if v > 0 and v > LLONG_MAX - _now(c):
        raise CommandError(E.TIMEOUT_OUT_OF_RANGE)
    return v


def _xread(c: Client, args: list[bytes], group_mode: bool):
    timeout = -1
    count = 0
    streams_arg = 0
    nstreams = 0
    noack = False
    gname: bytes | None = None
    cname = b""
    n = len(args)
    i = 1
    while i < n:
        more = n - i - 1
        o = args[i].lower()
        if o == b"block" and more:
            if c.in_script:
                raise CommandError(E.XREAD_BLOCK_SCRIPT % _text(args[0]))
            i += 1
            timeout = _parse_ms_timeout(c, args[i])
        elif o == b"count" and more:
            i += 1
            count = _ll(args[i])
            if count < 0:
                count = 0
        elif o == b"streams" and more:
            streams_arg = i + 1
            nstreams = n - streams_arg
            if nstreams % 2:
                raise CommandError(E.XREAD_UNBALANCED)
            nstreams //= 2
            break
        elif o == b"group" and more >= 2:
            if not group_mode:
                raise CommandError(E.XREAD_GROUP_ONLY)
            gname = args[i + 1]
            cname = args[i + 2]
            i += 2
        elif o == b"noack":
            if not group_mode:
                raise CommandError(E.XREAD_NOACK_ONLY)
            noack = True
        else:
            raise CommandError(E.SYNTAX)
        i += 1
    if streams_arg == 0:
        raise CommandError(E.SYNTAX)
    if group_mode and gname is None:
        raise CommandError(E.XREADGROUP_MISSING_GROUP)
    db = c.db
    keys = args[streams_arg : streams_arg + nstreams]
    if group_mode:
        c.propagate_as = []  # never propagated as such (preventCommandPropagation)

    blocked = c.blocked is not None
    serving = c.server.blocking.serving_key if blocked else None
    if blocked and serving is not None and serving in keys:
        return _serve_woken(c, args, keys, streams_arg, nstreams, serving, count, gname, cname, noack)

    ids: list[int] = []
    groups: list[Group | None] = []
    for k in range(nstreams):
        key = keys[k]
        a = args[streams_arg + nstreams + k]
        s = get_stream(db, key)
        g = None
        if gname is not None:
            if s is None or (g := s.group(gname)) is None:
                raise CommandError(E.XREADGROUP_NOGROUP % (_text(key), _text(gname)))
        groups.append(g)
        if a == b"$":
            if group_mode:
                raise CommandError(E.XREADGROUP_DOLLAR)
            ids.append(s.last_id if s is not None else 0)
            continue
        if a == b">":
            if not group_mode:
                raise CommandError(E.XREAD_GT_ONLY)
            ids.append(MAX_ID)
            continue
        ids.append(strict_id(a))

    items = []
    props: list = []
    now = _now(c)
    for k in range(nstreams):
        key = keys[k]
        s = db.lookup_read(key)
        if s is None:
            continue
        gt = ids[k]
        g = groups[k]
        serve = history = False
        if g is not None:
            if gt != MAX_ID:
                serve = history = True
            elif s.length:
                if s.last_valid_id() > g.last_id:
                    serve = True
                    gt = g.last_id
        elif s.length:
            if s.last_valid_id() > gt:
                serve = True
        if not serve:
            continue
        start = gt + 1 if gt != MAX_ID else 0
        if g is not None:
            assert gname is not None
            cons = _lookup_consumer(g, cname, now)
            if cons is None:
                cons = _create_consumer(c, g, cname, now, key)
                if noack:
                    props.append([b"XGROUP", b"CREATECONSUMER", key, gname, cname])
            if history:
                entries = _serve_history(c, s, start, count, cons)
            else:
                entries = _serve_group(c, s, key, start, count, g, gname, cons, noack, props)
            c.server.dirty += 1
        else:
            entries = s.range(start, MAX_ID, count)
        items.append((key, entries))
    if group_mode:
        c.propagate_as = props
    if items:
        return _xread_reply(c, items)
    if timeout != -1:
        if c.no_block:
            return NULL_ARRAY
        # Wait for entries after the IDs resolved now ($ becomes the last ID).
        for k in range(nstreams):
            if args[streams_arg + nstreams + k] == b"$":
                args[streams_arg + nstreams + k] = id_bytes(ids[k])
        return Block(list(dict.fromkeys(keys)), timeout / 1000.0, NULL_ARRAY)
    return NULL_ARRAY


def _serve_woken(c: Client, args, keys, streams_arg, nstreams, key, count, gname, cname, noack):
    """A blocked XREAD/XREADGROUP re-run after a write to ``key``
    (serveClientsBlockedOnStreamKey / unblockDeletedStreamReadgroupClients)."""
    db = c.db
    k = keys.index(key)
    s = db.lookup_read(key)
    block = Block(list(dict.fromkeys(keys)), 0, NULL_ARRAY)
    if s is None or type(s) is not StreamValue:
        if gname is not None:
            raise CommandError(E.XREADGROUP_KEY_GONE)
        return block
    g = None
    if gname is not None:
        g = s.group(gname)
        if g is None:
            raise CommandError(E.XREADGROUP_GROUP_GONE)
        gt = g.last_id
    else:
        gt = strict_id(args[streams_arg + nstreams + k])
    if s.last_id <= gt:
        return block
    start = gt + 1
    if not count:
        count = XREAD_BLOCKED_DEFAULT_COUNT
    if g is None:
        entries = s.range(start, MAX_ID, count)
    else:
        now = _now(c)
        props: list = []
        cons = _lookup_consumer(g, cname, now)
        if cons is None:
            cons = _create_consumer(c, g, cname, now, key)
            if noack:
                props.append([b"XGROUP", b"CREATECONSUMER", key, gname, cname])
        entries = _serve_group(c, s, key, start, count, g, gname, cons, noack, props)
        c.propagate_as = props
    return _xread_reply(c, [(key, entries)])


def _streams_keys(start: int):
    """The keys of XREAD / XREADGROUP as Redis 7.0 finds them with its key
    spec: the first STREAMS at or after ``start``, then half of what
    follows it."""

    def getkeys(args: list[bytes]) -> list[int]:
        n = len(args)
        for i in range(start, n):
            if args[i].lower() == b"streams":
                first = i + 1
                return list(range(first, first + (n - first) // 2))
        return []

    return getkeys


@command("xread", -4, "readonly blocking", acl="stream", key_specs=(KeySpec('RO ACCESS', keyword='STREAMS', startfrom=1, lastkey=-1, limit=2),), group="stream", since="5.0.0", summary="Return never seen elements in multiple streams, with IDs greater than the ones reported by the caller for each stream. Can block.", complexity="For each stream mentioned: O(N) with N being the number of elements being returned, it means that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is used, XADD will pay O(M) time in order to serve the M clients blocked on the stream getting new data.", getkeys=_streams_keys(1), direct=True)
def xread(c: Client, args: list[bytes]):
    """Format: XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]"""
    return _xread(c, args, False)


@command("xreadgroup", -7, "write blocking", acl="stream", key_specs=(KeySpec('RO ACCESS', keyword='STREAMS', startfrom=4, lastkey=-1, limit=2),), group="stream", since="5.0.0", summary="Return new entries from a stream using a consumer group, or access the history of the pending entries for a given consumer. Can block.", complexity="For each stream mentioned: O(M) with M being the number of elements returned. If M is constant (e.g. always asking for the first 10 elements with COUNT), you can consider it O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to serve the N clients blocked on the stream getting new data.", getkeys=_streams_keys(4), direct=True)
def xreadgroup(c: Client, args: list[bytes]):
    """Format: XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key [key ...] id [id ...]"""
    return _xread(c, args, True)


# -- XGROUP ---------------------------------------------------------------------------------------

command("xgroup", -2, "", group="stream", since="5.0.0", summary="A container for consumer groups commands", complexity="Depends on subcommand.")(None)

XGROUP_HELP = [
    b"XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"CREATE <key> <groupname> <id|$> [option]",
    b"    Create a new consumer group. Options are:",
    b"    * MKSTREAM",
    b"      Create the empty stream if it does not exist.",
    b"    * ENTRIESREAD entries_read",
    b"      Set the group's entries_read counter (internal use).",
    b"CREATECONSUMER <key> <groupname> <consumer>",
    b"    Create a new consumer in the specified group.",
    b"DELCONSUMER <key> <groupname> <consumer>",
    b"    Remove the specified consumer.",
    b"DESTROY <key> <groupname>",
    b"    Remove the specified group.",
    b"SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    b"    Set the current group ID and entries_read counter.",
    b"HELP",
    b"    Prints this help.",
]


def _subcommand_syntax(args: list[bytes]) -> CommandError:
    return CommandError(E.SUBCOMMAND_SYNTAX % (_text(args[1])[:128], _text(args[0]).upper()))


def _xgroup_prelude(c: Client, args: list[bytes]):
    """The common part of xgroupCommand: options, key, group checks.
    Returns (stream or None, group or None, mkstream, entries_read)."""
    sub = args[1].lower()
    mkstream = False
    entries_read = INVALID_ENTRIES_READ
    n = len(args)
    s = None
    cg = None
    i = 5
    while i < n:
        a = args[i].lower()
        if sub == b"create" and a == b"mkstream":
            mkstream = True
            i += 1
        elif sub in (b"create", b"setid") and a == b"entriesread" and i + 1 < n:
            entries_read = _ll(args[i + 1])
            if entries_read < 0 and entries_read != INVALID_ENTRIES_READ:
                raise CommandError(E.XGROUP_ENTRIESREAD)
            i += 2
        else:
            raise _subcommand_syntax(args)
    s = get_stream(c.db, args[2], True)
    gname = args[3]
    if not mkstream:
        if s is None:
            raise CommandError(E.XGROUP_NEEDS_KEY)
        cg = s.group(gname)
        if cg is None and sub in (b"setid", b"createconsumer", b"delconsumer"):
            raise CommandError(E.NOGROUP_FOR_KEY % (_text(gname), _text(args[2])))
    return s, cg, mkstream, entries_read


@command("xgroup|create", -5, "write denyoom", acl="stream", key_specs=(KeySpec('RW INSERT', index=2),), keys=(2, 2, 1), group="stream", since="5.0.0", summary="Create a consumer group.", complexity="O(1)")
def xgroup_create(c: Client, args: list[bytes]):
    """Format: XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD entries-read]"""
    s, _cg, mkstream, entries_read = _xgroup_prelude(c, args)
    if not 5 <= len(args) <= 8:
        raise _subcommand_syntax(args)
    if args[4] == b"$":
        gid = s.last_id if s is not None else 0
    else:
        gid = strict_id(args[4])
    key = args[2]
    if s is None:
        s = StreamValue()
        c.db.add(key, s)
        c.db.signal_modified(key)
    if s.create_group(args[3], gid, entries_read) is None:
        raise CommandError(E.BUSYGROUP)
    c.server.dirty += 1
    c.db.notify(NOTIFY_STREAM, b"xgroup-create", key)
    return OK


@command("xgroup|setid", -5, "write", acl="stream", key_specs=(KeySpec('RW UPDATE', index=2),), keys=(2, 2, 1), group="stream", since="5.0.0", summary="Set a consumer group to an arbitrary last delivered ID value.", complexity="O(1)")
def xgroup_setid(c: Client, args: list[bytes]):
    """Format: XGROUP SETID key group id|$ [ENTRIESREAD entries-read]"""
    s, cg, _mk, entries_read = _xgroup_prelude(c, args)
    if len(args) not in (5, 7):
        raise _subcommand_syntax(args)
    assert s is not None and cg is not None
    if args[4] == b"$":
        gid = s.last_id
    else:
        gid = parse_id(args[4])[0]
    cg.last_id = gid
    cg.entries_read = entries_read
    c.server.dirty += 1
    c.db.notify(NOTIFY_STREAM, b"xgroup-setid", args[2])
    return OK


@command("xgroup|destroy", 4, "write", acl="stream", key_specs=(KeySpec('RW DELETE', index=2),), keys=(2, 2, 1), group="stream", since="5.0.0", summary="Destroy a consumer group.", complexity="O(N) where N is the number of entries in the group's pending entries list (PEL).")
def xgroup_destroy(c: Client, args: list[bytes]):
    """Format: XGROUP DESTROY key group"""
    s, cg, _mk, _er = _xgroup_prelude(c, args)
    if cg is None:
        return 0
    assert s is not None and s.cgroups is not None
    del s.cgroups[args[3]]
    c.server.dirty += 1
    c.db.notify(NOTIFY_STREAM, b"xgroup-destroy", args[2])
    c.server.blocking.signal_ready(c.db, args[2])  # blocked XREADGROUPs get -NOGROUP
    return 1


@command("xgroup|createconsumer", 5, "write denyoom", acl="stream", key_specs=(KeySpec('RW INSERT', index=2),), keys=(2, 2, 1), group="stream", since="6.2.0", summary="Create a consumer in a consumer group.", complexity="O(1)")
def xgroup_createconsumer(c: Client, args: list[bytes]):
    """Format: XGROUP CREATECONSUMER key group consumer"""
    _s, cg, _mk, _er = _xgroup_prelude(c, args)
    assert cg is not None
    name = args[4]
    if name in cg.consumers:
        return 0
    _create_consumer(c, cg, name, _now(c), args[2])
    return 1


@command("xgroup|delconsumer", 5, "write", acl="stream", key_specs=(KeySpec('RW DELETE', index=2),), keys=(2, 2, 1), group="stream", since="5.0.0", summary="Delete a consumer from a consumer group.", complexity="O(1)")
def xgroup_delconsumer(c: Client, args: list[bytes]):
    """Format: XGROUP DELCONSUMER key group consumer"""
    _s, cg, _mk, _er = _xgroup_prelude(c, args)
    assert cg is not None
    cons = cg.consumers.get(args[4])
    if cons is None:
        return 0
    pending = len(cons.pel)
    cg.delete_consumer(cons)
    c.server.dirty += 1
    c.db.notify(NOTIFY_STREAM, b"xgroup-delconsumer", args[2])
    return pending


@command("xgroup|help", 2, "loading stale", acl="stream", group="stream", since="5.0.0", summary="Show helpful text about the different subcommands", complexity="O(1)")
def xgroup_help(c: Client, args: list[bytes]):
    return status_lines(XGROUP_HELP)


# -- XSETID, XACK, XPENDING ---------------------------------------------------------------------------


@command("xsetid", -3, "write denyoom fast", acl="stream", key_specs=(KeySpec('RW UPDATE', index=1),), keys=(1, 1, 1), group="stream", since="5.0.0", summary="An internal command for replicating stream values", complexity="O(1)", direct=True)
def xsetid(c: Client, args: list[bytes]):
    """Format: XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]"""
    new_id = strict_id(args[2])
    entries_added = -1
    max_xdel = 0
    n = len(args)
    i = 3
    while i < n:
        more = n - 1 - i
        o = args[i].lower()
        if o == b"entriesadded" and more:
            entries_added = _ll(args[i + 1])
            if entries_added < 0:
                raise CommandError(E.XSETID_ENTRIES_ADDED_NEGATIVE)
            i += 2
        elif o == b"maxdeletedid" and more:
            max_xdel = strict_id(args[i + 1])
            if new_id < max_xdel:
                raise CommandError(E.XSETID_MAXDELETED)
            i += 2
        else:
            raise CommandError(E.SYNTAX)
    s = get_stream(c.db, args[1], True)
    if s is None:
        raise CommandError(E.NO_SUCH_KEY)
    if s.length > 0:
        if new_id < s.last_valid_id():
            raise CommandError(E.XSETID_SMALL)
        if entries_added != -1 and s.length > entries_added:
            raise CommandError(E.XSETID_ENTRIES_ADDED_SMALL)
    s.last_id = new_id
    if entries_added != -1:
        s.entries_added = entries_added
    if max_xdel:
        s.max_deleted = max_xdel
    c.server.dirty += 1
    c.db.notify(NOTIFY_STREAM, b"xsetid", args[1])
    return OK


@command("xack", -4, "write fast", acl="stream", key_specs=(KeySpec('RW UPDATE', index=1),), keys=(1, 1, 1), group="stream", since="5.0.0", summary="Marks a pending message as correctly processed, effectively removing it from the pending entries list of the consumer group. Return value of the command is the number of messages successfully acknowledged, that is, the IDs we were actually able to resolve in the PEL.", complexity="O(1) for each message ID processed.", direct=True)
def xack(c: Client, args: list[bytes]):
    """Format: XACK key group id [id ...]"""
    s = get_stream(c.db, args[1])
    g = s.group(args[2]) if s is not None else None
    if g is None:
        return 0
    ids = [strict_id(a) for a in args[3:]]
    acked = 0
    pel = g.pel
    for i in ids:
        nack = pel.pop(i, None)
        if nack is not None:
            if nack.consumer is not None:
                nack.consumer.pel.pop(i, None)
            acked += 1
    c.server.dirty += acked
    return acked


@command("xpending", -3, "readonly", acl="stream", key_specs=(KeySpec('RO ACCESS', index=1),), keys=(1, 1, 1), group="stream", since="5.0.0", summary="Return information and entries from a stream consumer group pending entries list, that are messages fetched but never acknowledged.", complexity="O(N) with N being the number of elements returned, so asking for a small fixed number of entries per call is O(1). O(M), where M is the total number of entries scanned when used with the IDLE filter. When the command returns just the summary and the list of consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for iterating every consumer.", tips="nondeterministic_output", direct=True)
def xpending(c: Client, args: list[bytes]):
    """Format: XPENDING key group [[IDLE min-idle-time] start end count [consumer]]"""
    n = len(args)
    justinfo = n == 3
    if n != 3 and (n < 6 or n > 9):
        raise CommandError(E.SYNTAX)
    minidle = 0
    count = 0
    start = end = 0
    cname = None
    if n >= 6:
        si = 3
        if args[3].lower() == b"idle":
            minidle = _ll(args[4])
            if n < 8:
                raise CommandError(E.SYNTAX)
            si += 2
        count = _ll(args[si + 2])
        if count < 0:
            count = 0
        start = _range_start(args[si])
        end = _range_end(args[si + 1])
        if si + 3 < n:
            cname = args[si + 3]
    s = get_stream(c.db, args[1])
    g = s.group(args[2]) if s is not None else None
    if g is None:
        raise CommandError(E.NOGROUP_KEY_GROUP % (_text(args[1]), _text(args[2])))
    if justinfo:
        pel = g.pel
        if not pel:
            return [0, None, None, NULL_ARRAY]
        consumers = [[cons.name, b"%d" % len(cons.pel)] for cons in g.sorted_consumers() if cons.pel]
        return [len(pel), id_bytes(pel.peekitem(0)[0]), id_bytes(pel.peekitem(-1)[0]), consumers]
    if cname is not None:
        cons = g.consumers.get(cname)
        if cons is None:
            return []
        pel = cons.pel
    else:
        pel = g.pel
    now = _now(c)
    out = []
    if count:
        for i in pel.irange(start, end):
            nack = pel[i]
            if minidle and now - nack.delivery_time < minidle:
                continue
            elapsed = now - nack.delivery_time
            out.append([id_bytes(i), nack.consumer.name if nack.consumer is not None else b"", elapsed if elapsed > 0 else 0, nack.delivery_count])
            if len(out) >= count:
                break
    return out


# -- XCLAIM / XAUTOCLAIM ------------------------------------------------------------------------------


def _claim_nack(g: Group, cons: Consumer, i: int, nack: Nack) -> None:
    if nack.consumer is not cons:
        if nack.consumer is not None:
            nack.consumer.pel.pop(i, None)
        cons.pel[i] = nack
        nack.consumer = cons


@command("xclaim", -6, "write fast", acl="stream", key_specs=(KeySpec('RW UPDATE', index=1),), keys=(1, 1, 1), group="stream", since="5.0.0", summary="Changes (or acquires) ownership of a message in a consumer group, as if the message was delivered to the specified consumer.", complexity="O(log N) with N being the number of messages in the PEL of the consumer group.", tips="nondeterministic_output", direct=True)
def xclaim(c: Client, args: list[bytes]):
    """Format: XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]"""
    key = args[1]
    gname = args[2]
    s = get_stream(c.db, key)
    g = s.group(gname) if s is not None else None
    if s is None or g is None:
        raise CommandError(E.NOGROUP_KEY_GROUP % (_text(key), _text(gname)))
    minidle = _ll(args[4], E.XCLAIM_MIN_IDLE)
    if minidle < 0:
        minidle = 0
    n = len(args)
    ids = []
    j = 5
    while j < n:
        try:
            ids.append(strict_id(args[j]))
        except CommandError:
            break
        j += 1
    now = _now(c)
    retrycount = -1
    deliverytime = -1
    force = justid = False
    last_id = 0
    while j < n:
        more = n - 1 - j
        o = args[j].lower()
        if o == b"force":
            force = True
        elif o == b"justid":
            justid = True
        elif o == b"idle" and more:
            j += 1
            deliverytime = now - _ll(args[j], E.XCLAIM_IDLE)
        elif o == b"time" and more:
            j += 1
            deliverytime = _ll(args[j], E.XCLAIM_TIME)
        elif o == b"retrycount" and more:
            j += 1
            retrycount = _ll(args[j], E.XCLAIM_RETRYCOUNT)
        elif o == b"lastid" and more:
            j += 1
            last_id = strict_id(args[j])
        else:
            raise CommandError(E.XCLAIM_OPTION % _text(args[j]))
        j += 1
    propagate_last_id = False
    if last_id > g.last_id:
        g.last_id = last_id
        propagate_last_id = True
    if deliverytime != -1:
        if deliverytime < 0 or deliverytime > now:
            deliverytime = now
    else:
        deliverytime = now
    cname = args[3]
    cons: Consumer | None = None
    out = []
    props: list = []
    for k, i in enumerate(ids):
        arg = args[5 + k]
        nack = g.pel.get(i)
        fv = s.get(i)
        if fv is None:
            if nack is not None:
                props.append(_xclaim_prop(key, gname, g, arg, nack))
                propagate_last_id = False
                c.server.dirty += 1
                del g.pel[i]
                if nack.consumer is not None:
                    nack.consumer.pel.pop(i, None)
            continue
        if force and nack is None:
            nack = Nack(None, now)
            g.pel[i] = nack
        if nack is None:
            continue
        if nack.consumer is not None and minidle and now - nack.delivery_time < minidle:
            continue
        if cons is None:
            cons = _lookup_consumer(g, cname, now)
            if cons is None:
                cons = _create_consumer(c, g, cname, now, key)
        if nack.consumer is not cons and nack.consumer is not None:
            nack.consumer.pel.pop(i, None)
        nack.delivery_time = deliverytime
        if retrycount >= 0:
            nack.delivery_count = retrycount
        elif not justid:
            nack.delivery_count += 1
        if nack.consumer is not cons:
            cons.pel[i] = nack
            nack.consumer = cons
        out.append(id_bytes(i) if justid else [id_bytes(i), fv])
        props.append(_xclaim_prop(key, gname, g, arg, nack))
        propagate_last_id = False
        c.server.dirty += 1
    if propagate_last_id:
        props.append(_setid_prop(key, gname, g))
        c.server.dirty += 1
    c.propagate_as = props
    return out


@command("xautoclaim", -6, "write fast", acl="stream", key_specs=(KeySpec('RW DELETE', index=1),), keys=(1, 1, 1), group="stream", since="6.2.0", summary="Changes (or acquires) ownership of messages in a consumer group, as if the messages were delivered to the specified consumer.", complexity="O(1) if COUNT is small.", tips="nondeterministic_output", direct=True)
def xautoclaim(c: Client, args: list[bytes]):
    """Format: XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]"""
    key = args[1]
    gname = args[2]
    minidle = _ll(args[4], E.XAUTOCLAIM_MIN_IDLE)
    if minidle < 0:
        minidle = 0
    start = _range_start(args[5])
    count = 100
    justid = False
    n = len(args)
    j = 6
    max_count = LLONG_MAX // 16
    while j < n:
        more = n - 1 - j
        o = args[j].lower()
        if o == b"count" and more:
            v = to_int(args[j + 1])
            if v is None or v < 1 or v > max_count:
                raise CommandError(E.XAUTOCLAIM_COUNT)
            count = v
            j += 1
        elif o == b"justid":
            justid = True
        else:
            raise CommandError(E.SYNTAX)
        j += 1
    s = get_stream(c.db, key)
    g = s.group(gname) if s is not None else None
    if s is None or g is None:
        raise CommandError(E.NOGROUP_KEY_GROUP % (_text(key), _text(gname)))
    attempts = count * 10
    now = _now(c)
    cname = args[3]
    cons: Consumer | None = None
    pel = g.pel
    idx = pel.bisect_left(start)
    out = []
    deleted = []
    props: list = []
    while attempts and count and idx < len(pel):
        attempts -= 1
        i, nack = pel.peekitem(idx)
        fv = s.get(i)
        if fv is None:
            props.append(_xclaim_prop(key, gname, g, i, nack))
            c.server.dirty += 1
            del pel[i]
            if nack.consumer is not None:
                nack.consumer.pel.pop(i, None)
            deleted.append(id_bytes(i))
            count -= 1
            continue
        idx += 1
        if minidle and now - nack.delivery_time < minidle:
            continue
        if cons is None:
            cons = _lookup_consumer(g, cname, now)
            if cons is None:
                cons = _create_consumer(c, g, cname, now, key)
        if nack.consumer is not cons and nack.consumer is not None:
            nack.consumer.pel.pop(i, None)
        nack.delivery_time = now
        if not justid:
            nack.delivery_count += 1
        if nack.consumer is not cons:
            cons.pel[i] = nack
            nack.consumer = cons
        out.append(id_bytes(i) if justid else [id_bytes(i), fv])
        count -= 1
        props.append(_xclaim_prop(key, gname, g, i, nack))
        c.server.dirty += 1
    end = id_bytes(pel.peekitem(idx)[0]) if idx < len(pel) else b"0-0"
    c.propagate_as = props
    return [end, out, deleted]


# -- XINFO -------------------------------------------------------------------------------------------

command("xinfo", -2, "", group="stream", since="5.0.0", summary="A container for stream introspection commands", complexity="Depends on subcommand.")(None)

XINFO_HELP = [
    b"XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"CONSUMERS <key> <groupname>",
    b"    Show consumers of <groupname>.",
    b"GROUPS <key>",
    b"    Show the stream consumer groups.",
    b"STREAM <key> [FULL [COUNT <count>]",
    b"    Show information about the stream.",
    b"HELP",
    b"    Prints this help.",
]


@command("xinfo|help", 2, "loading stale", acl="stream", group="stream", since="5.0.0", summary="Show helpful text about the different subcommands", complexity="O(1)")
def xinfo_help(c: Client, args: list[bytes]):
    return status_lines(XINFO_HELP)


def _xinfo_stream_of(c: Client, args: list[bytes]) -> StreamValue:
    s = get_stream(c.db, args[2])
    if s is None:
        raise CommandError(E.NO_SUCH_KEY)
    return s


@command("xinfo|consumers", 4, "readonly", acl="stream", key_specs=(KeySpec('RO ACCESS', index=2),), keys=(2, 2, 1), group="stream", since="5.0.0", summary="List the consumers in a consumer group", complexity="O(1)", tips="nondeterministic_output")
def xinfo_consumers(c: Client, args: list[bytes]):
    """Format: XINFO CONSUMERS key group"""
    s = _xinfo_stream_of(c, args)
    g = s.group(args[3])
    if g is None:
        raise CommandError(E.NOGROUP_FOR_KEY % (_text(args[3]), _text(args[2])))
    now = _now(c)
    out = []
    for cons in g.sorted_consumers():
        idle = now - cons.seen_time
        out.append(MapReply([(b"name", cons.name), (b"pending", len(cons.pel)), (b"idle", idle if idle > 0 else 0)]))
    return out


@command("xinfo|groups", 3, "readonly", acl="stream", key_specs=(KeySpec('RO ACCESS', index=2),), keys=(2, 2, 1), group="stream", since="5.0.0", summary="List the consumer groups of a stream", complexity="O(1)")
def xinfo_groups(c: Client, args: list[bytes]):
    """Format: XINFO GROUPS key"""
    s = _xinfo_stream_of(c, args)
    out = []
    for name, g in s.sorted_groups():
        out.append(MapReply([
            (b"name", name),
            (b"consumers", len(g.consumers)),
            (b"pending", len(g.pel)),
            (b"last-delivered-id", id_bytes(g.last_id)),
            (b"entries-read", g.entries_read if g.entries_read != INVALID_ENTRIES_READ else None),
            (b"lag", s.group_lag(g)),
        ]))
    return out


@command("xinfo|stream", -3, "readonly", acl="stream", key_specs=(KeySpec('RO ACCESS', index=2),), keys=(2, 2, 1), group="stream", since="5.0.0", summary="Get information about a stream", complexity="O(1)")
def xinfo_stream(c: Client, args: list[bytes]):
    """Format: XINFO STREAM key [FULL [COUNT count]]"""
    s = _xinfo_stream_of(c, args)
    opts = args[3:]
    full = False
    count = 10
    if opts:
        if len(opts) not in (1, 3) or opts[0].lower() != b"full":
            raise _subcommand_syntax(args)
        full = True
        if len(opts) == 3:
            if opts[1].lower() != b"count":
                raise _subcommand_syntax(args)
            count = _ll(opts[2])
            if count < 0:
                count = 10
    pairs: list = [
        (b"length", s.length),
        (b"radix-tree-keys", len(s.nodes)),
        (b"radix-tree-nodes", s.rax_nodes()),
        (b"last-generated-id", id_bytes(s.last_id)),
        (b"max-deleted-entry-id", id_bytes(s.max_deleted)),
        (b"entries-added", s.entries_added),
        (b"recorded-first-entry-id", id_bytes(s.first_id)),
    ]
    if not full:
        pairs.append((b"groups", len(s.cgroups) if s.cgroups else 0))
        first = s.range(0, MAX_ID, 1)
        last = s.range(0, MAX_ID, 1, True)
        pairs.append((b"first-entry", first[0] if first else None))
        pairs.append((b"last-entry", last[0] if last else None))
        return MapReply(pairs)
    pairs.append((b"entries", s.range(0, MAX_ID, count)))
    groups = []
    for name, g in s.sorted_groups():
        pending: list = []
        for i, nack in g.pel.items():
            if count and len(pending) >= count:
                break
            pending.append([id_bytes(i), nack.consumer.name if nack.consumer is not None else b"", nack.delivery_time, nack.delivery_count])
        consumers = []
        for cons in g.sorted_consumers():
            cp: list = []
            for i, nack in cons.pel.items():
                if count and len(cp) >= count:
                    break
                cp.append([id_bytes(i), nack.delivery_time, nack.delivery_count])
            consumers.append(MapReply([(b"name", cons.name), (b"seen-time", cons.seen_time), (b"pel-count", len(cons.pel)), (b"pending", cp)]))
        groups.append(MapReply([
            (b"name", name),
            (b"last-delivered-id", id_bytes(g.last_id)),
            (b"entries-read", g.entries_read if g.entries_read != INVALID_ENTRIES_READ else None),
            (b"lag", s.group_lag(g)),
            (b"pel-count", len(g.pel)),
            (b"pending", pending),
            (b"consumers", consumers),
        ]))
    pairs.append((b"groups", groups))
    return MapReply(pairs)
