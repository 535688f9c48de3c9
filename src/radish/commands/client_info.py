"""The one-line description of a client that CLIENT LIST, CLIENT INFO, the
ACL log and the log of a killed client print, fields as Redis 7.0 prints
them (catClientInfoString)."""

from __future__ import annotations

import time

from ..client import Client

CLIENT_STRUCT = 20000  # what a client costs before its buffers (tot-mem's base)


def client_memory(c: Client) -> int:
    """tot-mem: the client's own cost plus its query and output buffers."""
    conn = c.connection
    if conn is None:
        return CLIENT_STRUCT
    qbuf = conn.parser.buffered()
    omem = 0
    if conn.transport is not None:
        try:
            omem = conn.output_buffer_usage()
        except Exception:
            omem = 0
    return CLIENT_STRUCT + qbuf + omem


def client_info_line(c: Client, now: float | None = None) -> bytes:
    """One CLIENT LIST line, fields as Redis 7.0 prints them."""
    now = time.time() if now is None else now
    multi = len(c.multi_queue) if c.multi_queue is not None else -1
    conn = c.connection
    qbuf = conn.parser.buffered() if conn is not None else 0
    obl = omem = 0
    if conn is not None and conn.transport is not None:
        try:
            obl = conn.output_size()
            omem = conn.output_buffer_usage()
        except Exception:
            obl = omem = 0
    cmd = c.last_cmd if isinstance(c.last_cmd, str) else c.last_cmd.decode()
    s = (
        "id=%d addr=%s laddr=%s fd=%d name=%s age=%d idle=%d flags=%s db=%d sub=%d psub=%d "
        "ssub=%d multi=%d qbuf=%d qbuf-free=%d argv-mem=0 multi-mem=0 rbs=16384 rbp=16384 "
        "obl=%d oll=0 omem=%d tot-mem=%d events=r cmd=%s user=%s redir=%d resp=%d"
        % (
            c.id, c.addr, c.laddr, c.fd,
            (c.name or b"").decode("utf-8", "replace"),
            int(now - c.created), int(now - c.last_interaction),
            c.flag_string(), c.db.id, len(c.subscriptions), len(c.psubscriptions), len(c.ssubscriptions),
            multi, qbuf, max(0, 20474 - qbuf), obl, omem, CLIENT_STRUCT + qbuf + omem,
            cmd, c.user.name.decode("utf-8", "replace") if c.user is not None else "",
            c.tracking_redirect if c.tracking else -1, 3 if c.resp3 else 2,
        )
    )
    if c.lib_name or c.lib_ver:
        s += " lib-name=%s lib-ver=%s" % (c.lib_name.decode(), c.lib_ver.decode())
    return s.encode()
