"""CLIENT PAUSE WRITE against a real redis-server: which commands wait
(writes, may-replicate commands, EXEC of a transaction with a write, scripts
unless their shebang says no-writes), which run (reads, read-only
transactions and scripts, EVAL_RO refusing PUBLISH), held clients counted in
blocked_clients, and keys that expire during the pause hidden but not
deleted until it ends."""

from __future__ import annotations

import socket
import time

from tests.support.servers import start_pair


def _read(s: socket.socket, wait: float = 0.15) -> bytes:
    time.sleep(wait)
    s.setblocking(False)
    try:
        data = s.recv(65536)
    except BlockingIOError:
        data = b"<held>"
    s.setblocking(True)
    return data


def _session(port: int) -> list:
    def conn() -> socket.socket:
        return socket.create_connection(("127.0.0.1", port))

    out: list = []
    a, b, c, d, e, h, i = (conn() for _ in range(7))
    body = b"#!lua flags=no-writes\nreturn 5"
    a.sendall(b"FLUSHALL\r\nSET e v PX 200\r\n*3\r\n$6\r\nSCRIPT\r\n$4\r\nLOAD\r\n$%d\r\n%b\r\n" % (len(body), body))
    out.append(_read(a))
    a.sendall(b"CLIENT PAUSE 2500 WRITE\r\n")
    out.append(_read(a))
    b.sendall(b"SET x 1\r\n")
    out.append(_read(b))
    c.sendall(b"MULTI\r\nGET x\r\nEXEC\r\nMULTI\r\nGET x\r\n")
    out.append(_read(c))
    c.sendall(b"SET y 1\r\n")
    out.append(_read(c))
    d.sendall(b"EVAL_RO \"return redis.call('publish','ch','m')\" 0\r\n")
    out.append(_read(d))
    d.sendall(b'EVAL "return 1" 0\r\n')
    out.append(_read(d))
    e.sendall(b"PUBLISH ch m\r\n")
    out.append(_read(e))
    h.sendall(b"*3\r\n$4\r\nEVAL\r\n$%d\r\n%b\r\n$1\r\n0\r\n" % (len(body), body))
    out.append(_read(h))
    i.sendall(b"EVALSHA 6e1db16bed3d6a7ae4a24e5e7c8d1ff4a2c5d4e3 0\r\n")
    out.append(_read(i))
    f = conn()
    f.sendall(b"INFO clients\r\n")
    info = _read(f).decode()
    out.append([line for line in info.split("\r\n") if line.startswith("blocked_clients")])
    time.sleep(0.3)
    g = conn()
    g.sendall(b"EXISTS e\r\nDBSIZE\r\n")  # e's TTL has passed: hidden, not deleted
    out.append(_read(g))
    time.sleep(2.0)
    g.sendall(b"DBSIZE\r\n")
    out.append(_read(g, 0.3))
    for s in (b, c, d, e):
        out.append(_read(s, 0.05))
    return out


def test_write_pause_matches_redis():
    ours, theirs = start_pair()
    try:
        mine, ref = _session(ours.port), _session(theirs.port)
    finally:
        ours.stop()
        theirs.stop()
    assert mine == ref
    assert [b"blocked_clients:5"] == [x.encode() for x in mine[10]] and mine[2] == b"<held>"
