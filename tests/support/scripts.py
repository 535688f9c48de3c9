"""Command scripts sent to radish and to a real redis-server over ``Raw``
connections, compared reply by reply (the compat tests).

A script is one command per line (shell quoting, ``\\xNN`` escapes).
Prefixes: ``~`` compares an unordered reply (sets, hashtable-encoded
hashes, KEYS, SCAN returning everything) after sorting its elements, ``#``
compares only the reply's shape (type and length: random commands), ``?``
runs without comparing.

Blocking scenarios (``run_scenario``) drive several connections per
server: ``c2> CMD`` sends without reading, ``c2<`` reads one reply (what a
parked client finally receives), ``c1 CMD`` sends and reads; ``$c1`` is
replaced by that connection's CLIENT ID."""

from __future__ import annotations

import shlex
import socket
import time

from tests.support.resp import Raw, commands_of, parse

__all__ = [
    "args_of",
    "connect",
    "dirty_count_diffs",
    "replication_stream",
    "run_scenario",
    "run_script",
    "shape",
    "unordered",
]


def args_of(line: str) -> list[bytes]:
    """One script line as command arguments."""
    return [a.encode("latin-1").decode("unicode_escape").encode("latin-1") for a in shlex.split(line)]


def unordered(tree):
    """A ``parse`` tree with every aggregate's elements sorted."""
    t, v = tree
    if isinstance(v, list):
        return (t, sorted((unordered(x) for x in v), key=repr))
    return tree


def shape(tree):
    """A ``parse`` tree's types and lengths, without the values."""
    t, v = tree
    if isinstance(v, list):
        return (t, len(v), [shape(x)[0] for x in v])
    return (t,)


def connect(port: int, resp3: bool) -> Raw:
    """A connection on a flushed server (after HELLO 3 if ``resp3``)."""
    c = Raw(port)
    assert c([b"FLUSHALL"]) == b"+OK\r\n"
    if resp3:
        assert c([b"HELLO", b"3"]).startswith(b"%")
    return c


def run_script(ours: Raw, theirs: Raw, script: str) -> list:
    """Run ``script`` on both connections; the (line, ours, theirs) that differ."""
    diffs = []
    for line in script.strip().splitlines():
        mode = ""
        if line[:1] in "~#?":
            mode, line = line[0], line[1:]
        args = args_of(line)
        a, b = ours(args), theirs(args)
        if mode == "?":
            continue
        if mode == "~":
            a, b = unordered(parse(a)), unordered(parse(b))
        elif mode == "#":
            a, b = shape(parse(a)), shape(parse(b))
        if a != b:
            diffs.append((line, a, b))
    return diffs


def run_scenario(port: int, text: str) -> list[bytes]:
    """Run a blocking scenario on one server; the replies read, in order."""
    clients: dict[str, Raw] = {}
    ids: dict[str, bytes] = {}
    out: list[bytes] = []
    try:
        for line in text.strip().splitlines():
            name, rest = line.split(None, 1) if " " in line else (line, "")
            mode = ""
            if name.endswith(">") or name.endswith("<"):
                mode, name = name[-1], name[:-1]
            c = clients.get(name)
            if c is None:
                c = clients[name] = Raw(port)
                if not ids:
                    c([b"FLUSHALL"])
                ids[name] = c([b"CLIENT", b"ID"])[1:-2]
            if mode == "<":
                try:
                    out.append(c.read(timeout=3))
                except TimeoutError:
                    out.append(b"<no reply: still blocked>")
                continue
            args = args_of(rest)
            args = [ids[a[1:].decode()] if a.startswith(b"$c") else a for a in args]
            if mode == ">":
                c.send(args)
                time.sleep(0.05)  # let the server park it before the next line
                assert not c.pending(), "%s answered at once" % line
                continue
            reply = c(args)
            if args[0].lower() == b"info":
                reply = b"".join(x for x in reply.split(b"\r\n") if x.startswith(b"blocked_clients"))
            out.append(reply)
    finally:
        for c in clients.values():
            c.close()
    return out


def dirty_count_diffs(ours, theirs, script: str, same_reply=lambda args: True) -> list:
    """Run each line of ``script`` on both servers (replies must match
    where ``same_reply(args)``); the lines after which INFO persistence
    rdb_changes_since_last_save moved differently, with both moves."""

    def changes(c) -> int:
        info = c([b"INFO", b"persistence"])
        line = [x for x in info.split(b"\r\n") if x.startswith(b"rdb_changes_since_last_save:")][0]
        return int(line.split(b":")[1])

    diffs = []
    before = [changes(ours), changes(theirs)]
    for line in script.strip().splitlines():
        args = args_of(line)
        a, b = ours(args), theirs(args)
        if same_reply(args):
            assert a == b, (line, a, b)
        after = [changes(ours), changes(theirs)]
        if after[0] - before[0] != after[1] - before[1]:
            diffs.append((line, after[0] - before[0], after[1] - before[1]))
        before = after
    return diffs


def read_full_sync(sock: socket.socket) -> bytes:
    """Read a disk-based full sync from the primary, as a replica does:
    +FULLRESYNC, the newlines it sends as keepalives while it forks, then
    $<len> and the RDB. Returns whatever followed the RDB in the reads."""
    buf = b""
    while True:
        line_end = buf.find(b"\r\n")
        if buf.startswith(b"+FULLRESYNC") and line_end >= 0:
            start = line_end + 2
            while buf[start : start + 1] == b"\n":
                start += 1
            end = buf.find(b"\r\n", start)
            if buf[start : start + 1] == b"$" and end > 0:
                size = int(buf[start + 1 : end])
                if len(buf) >= end + 2 + size:
                    return buf[end + 2 + size :]
        chunk = sock.recv(65536)
        assert chunk, "the primary closed the link during the full sync"
        buf += chunk


def replication_stream(port: int, script: str, blocked: list[list[bytes]]) -> list[list[bytes]]:
    """Attach as a replica (PSYNC ? -1), run ``script`` on another
    connection (and ``blocked`` commands on a third, each woken by the
    script), and return the commands the replica received after the RDB
    (SELECT and PING left out)."""
    setup = Raw(port)
    setup([b"FLUSHALL"])
    sock = socket.create_connection(("127.0.0.1", port))
    sock.settimeout(10)
    sock.sendall(b"*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n")
    buf = read_full_sync(sock)
    waiter = Raw(port)
    for cmd in blocked:
        waiter.send(cmd)
        time.sleep(0.05)
        for line in script.strip().splitlines():
            setup(args_of(line))
        waiter.read()
        script = ""
    for line in script.strip().splitlines():
        setup(args_of(line))
    setup([b"SET", b"end-marker", b"1"])
    sock.settimeout(0.2)
    while b"end-marker" not in buf:
        try:
            buf += sock.recv(65536)
        except TimeoutError:
            pass
    time.sleep(0.2)
    try:
        buf += sock.recv(65536)
    except TimeoutError:
        pass
    for c in (setup, waiter):
        c.close()
    sock.close()
    return [c for c in commands_of(buf) if c[0].upper() not in (b"SELECT", b"PING")]
