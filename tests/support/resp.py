"""RESP for the tests: the one reply parser and the one raw client.

``reply_end`` finds where a reply ends, ``parse`` turns one reply into a
``(type, value)`` tree that keeps every type byte (for comparing replies
unordered or by shape), ``decode`` into plain Python values (``Err`` for
an error), ``commands_of`` splits a stream of multibulk commands (what a
replica or an AOF receives). ``Raw`` is a socket speaking RESP that hands
back each reply's exact bytes."""

from __future__ import annotations

import socket

__all__ = ["Err", "Raw", "cmd", "commands_of", "decode", "encode_command", "parse", "raw_exchange", "reply_end"]

_BULK = (b"$", b"=", b"!")
_AGGREGATE = (b"*", b"~", b">", b"%", b"|")
_LINE = (b"+", b"-", b":", b"_", b",", b"#", b"(")


def encode_command(args) -> bytes:
    """One command as a multibulk; arguments that are not bytes go as str()."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%b\r\n" % (len(a), a))
    return b"".join(out)


def reply_end(d: bytes, i: int = 0):
    """Index just past the complete reply starting at ``i``, or None."""
    j = d.find(b"\r\n", i)
    if j < 0:
        return None
    t = d[i : i + 1]
    line = d[i + 1 : j]
    i = j + 2
    if t in _LINE:
        return i
    if t in _BULK:
        n = int(line)
        if n < 0:
            return i
        return i + n + 2 if len(d) >= i + n + 2 else None
    if t in _AGGREGATE:
        n = int(line)
        if t in (b"%", b"|"):
            n *= 2
        for _ in range(max(n, 0)):
            i = reply_end(d, i)
            if i is None:
                return None
        return i
    raise AssertionError("bad reply %r" % d[i - len(line) - 3 :])


def parse(d: bytes):
    """The first reply in ``d`` as a ``(type byte, value)`` tree: bulk
    value bytes (None for a null), aggregate a list of trees (maps
    flattened key, value, …; None for a null), other types their line."""
    value, _ = _parse(d, 0)
    return value


def _parse(d: bytes, i: int):
    j = d.index(b"\r\n", i)
    t = d[i : i + 1]
    line = d[i + 1 : j]
    i = j + 2
    if t in _BULK:
        n = int(line)
        if n < 0:
            return (t, None), i
        return (t, d[i : i + n]), i + n + 2
    if t in _AGGREGATE:
        n = int(line)
        if t in (b"%", b"|"):
            n *= 2
        items = []
        for _ in range(max(n, 0)):
            v, i = _parse(d, i)
            items.append(v)
        return (t, items if n >= 0 else None), i
    return (t, line), i


class Err:
    """An error reply, compared by its text."""

    def __init__(self, msg: str) -> None:
        self.msg = msg

    def __eq__(self, other) -> bool:
        return isinstance(other, Err) and other.msg == self.msg

    def __repr__(self) -> str:
        return "Err(%r)" % self.msg


def decode(data: bytes):
    """Exactly one RESP2/RESP3 reply as Python values: bulk -> bytes,
    simple -> str, error -> Err, null -> None, map -> list of pairs,
    double -> float, boolean -> bool."""
    tree, end = _parse(data, 0)
    assert end == len(data), data
    return _value(tree, data)


def _value(tree, data: bytes):
    t, v = tree
    if t == b"+":
        return v.decode()
    if t == b"-":
        return Err(v.decode())
    if t == b":":
        return int(v)
    if t == b"_":
        return None
    if t == b",":
        return float(v)
    if t == b"#":
        return v == b"t"
    if t == b"$":
        return v
    if t in (b"*", b"~", b">"):
        return None if v is None else [_value(x, data) for x in v]
    if t == b"%":
        items = [_value(x, data) for x in v or ()]
        return list(zip(items[::2], items[1::2], strict=True))
    raise AssertionError("bad reply %r" % data)


def commands_of(data: bytes) -> list[list[bytes]]:
    """Split a RESP stream of multibulk commands into their arguments."""
    out = []
    i = 0
    while i < len(data):
        assert data[i : i + 1] == b"*"
        (_, items), i = _parse(data, i)
        out.append([v for _, v in items or ()])
    return out


class Raw:
    """A raw RESP connection returning each reply's exact bytes.

    ``c(args)`` sends one command and reads its reply; ``send`` and
    ``read`` do each half (a blocked command is sent now, its reply read
    later). ``write`` sends bytes as they are (inline commands, pipelines),
    ``read_chunk`` and ``read_until_quiet`` return bytes as they come.
    ``source`` binds the client to another loopback address (127.x.y.z)."""

    def __init__(self, port: int, *, resp3: bool = False, timeout: float = 10.0, source: str | None = None) -> None:
        if source is None:
            self.sock = socket.create_connection(("127.0.0.1", port))
        else:
            self.sock = socket.socket()
            self.sock.bind((source, 0))
            self.sock.connect(("127.0.0.1", port))
        self.timeout = timeout
        self.sock.settimeout(timeout)
        self.buf = b""
        if resp3:
            self([b"HELLO", b"3"])

    def close(self) -> None:
        self.sock.close()

    def __call__(self, args) -> bytes:
        self.send(args)
        return self.read()

    def send(self, args) -> None:
        self.sock.sendall(encode_command(args))

    def write(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read(self, timeout: float | None = None) -> bytes:
        """The next whole reply (TimeoutError if none comes in ``timeout``)."""
        if timeout is not None:
            self.sock.settimeout(timeout)
        try:
            while True:
                end = reply_end(self.buf, 0)
                if end is not None:
                    reply, self.buf = self.buf[:end], self.buf[end:]
                    return reply
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionError("closed")
                self.buf += chunk
        finally:
            self.sock.settimeout(self.timeout)

    def pending(self, wait: float = 0.05) -> bool:
        """Whether anything has arrived within ``wait`` (kept for reading)."""
        if self.buf:
            return True
        self.sock.settimeout(wait)
        try:
            self.buf += self.sock.recv(65536)
        except TimeoutError:
            pass
        finally:
            self.sock.settimeout(self.timeout)
        return bool(self.buf)

    def read_chunk(self, timeout: float = 5.0) -> bytes:
        """What has arrived, or what one read brings within ``timeout``
        (b"" when nothing comes or the server closed)."""
        if self.buf:
            data, self.buf = self.buf, b""
            return data
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(65536)
        except TimeoutError:
            return b""
        finally:
            self.sock.settimeout(self.timeout)

    def read_until_quiet(self, wait: float = 0.3) -> bytes:
        """Everything received until the server closes or stays quiet for
        ``wait`` seconds."""
        out, self.buf = self.buf, b""
        self.sock.settimeout(wait)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                out += chunk
        except TimeoutError:
            pass
        finally:
            self.sock.settimeout(self.timeout)
        return out


def raw_exchange(port: int, data: bytes, expect_close: bool = False, wait: float = 0.3) -> bytes:
    """Send raw bytes on a fresh connection; return everything the server
    sends back until it closes or stays quiet for ``wait`` seconds."""
    c = Raw(port)
    try:
        c.write(data)
        return c.read_until_quiet(5 if expect_close else wait)
    finally:
        c.close()


def cmd(client, *args):
    """Send a command through a redis-py client and return the reply as
    parsed, without redis-py's per-command callbacks."""
    conn = client.connection_pool.get_connection()
    try:
        conn.send_command(*args)
        return conn.read_response()
    finally:
        client.connection_pool.release(conn)
