"""The one-line description of a client that CLIENT LIST, CLIENT INFO, the
ACL log and the log of a killed client print, fields as Redis 7.0 prints
them (catClientInfoString)."""

from __future__ import annotations

import time

from ..client import Client

CLIENT_STRUCT = 20000  # what a client costs before its buffers (tot-mem's base)
_PER_ARG = 16  # an argument's own overhead, beside its bytes
_PER_NAME = 64  # a watched key's, a channel's or a prefix's entry


def args_memory(cmds) -> int:
    """The bytes of parsed commands (lists of arguments) not yet run."""
    return sum(sum(map(len, a)) + _PER_ARG * len(a) for a in cmds if isinstance(a, list))


def client_memory_parts(c: Client) -> tuple[int, int, int, int, int]:
    """(qbuf, argv-mem, multi-mem, omem, tot-mem): what a client holds,
    as CLIENT LIST reports it and client eviction counts it: its query
    buffer, the commands read but not yet run, a transaction's queue, its
    replies not yet taken, and its watched keys, subscriptions and tracking
    prefixes (in tot-mem)."""
    conn = c.connection
    qbuf = argv = omem = 0
    if conn is not None:
        qbuf = conn.parser.buffered()
        if conn.pending:
            argv = args_memory(conn.pending)
        if conn.transport is not None:
            try:
                omem = conn.output_buffer_usage()
            except Exception:
                omem = 0
    multi = args_memory(a for _spec, a in c.multi_queue) if c.multi_queue else 0
    names = 0
    for group in (c.watched, c.subscriptions, c.psubscriptions, c.ssubscriptions, c.tracking_prefixes):
        if group:
            names += sum(len(k) if isinstance(k, bytes) else len(k[-1]) for k in group) + _PER_NAME * len(group)
    return qbuf, argv, multi, omem, CLIENT_STRUCT + qbuf + argv + multi + omem + names


def client_memory(c: Client) -> int:
    """tot-mem: everything the client holds (client_memory_parts)."""
    return client_memory_parts(c)[4]


def client_info_line(c: Client, now: float | None = None) -> bytes:
    """One CLIENT LIST line, fields as Redis 7.0 prints them."""
    now = time.time() if now is None else now
    multi = len(c.multi_queue) if c.multi_queue is not None else -1
    conn = c.connection
    obl = 0
    if conn is not None and conn.transport is not None:
        try:
            obl = conn.output_size()
        except Exception:
            obl = 0
    qbuf, argv_mem, multi_mem, omem, tot_mem = client_memory_parts(c)
    cmd = c.last_cmd if isinstance(c.last_cmd, str) else c.last_cmd.decode()
    s = (
        "id=%d addr=%s laddr=%s fd=%d name=%s age=%d idle=%d flags=%s db=%d sub=%d psub=%d "
        "ssub=%d multi=%d qbuf=%d qbuf-free=%d argv-mem=%d multi-mem=%d rbs=16384 rbp=16384 "
        "obl=%d oll=0 omem=%d tot-mem=%d events=r cmd=%s user=%s redir=%d resp=%d"
        % (
            c.id, c.addr, c.laddr, c.fd,
            (c.name or b"").decode("utf-8", "replace"),
            int(now - c.created), int(now - c.last_interaction),
            c.flag_string(), c.db.id, len(c.subscriptions), len(c.psubscriptions), len(c.ssubscriptions),
            multi, qbuf, max(0, 20474 - qbuf), argv_mem, multi_mem, obl, omem, tot_mem,
            cmd, c.user.name.decode("utf-8", "replace") if c.user is not None else "",
            c.tracking_redirect if c.tracking else -1, 3 if c.resp3 else 2,
        )
    )
    if c.lib_name or c.lib_ver:
        s += " lib-name=%s lib-ver=%s" % (c.lib_name.decode(), c.lib_ver.decode())
    return s.encode()
