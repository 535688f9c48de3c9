"""A radish ``Server`` driven without sockets: commands go through the
dispatcher and come back as the bytes a client would read."""

from __future__ import annotations

import tempfile

from tests.support.resp import commands_of, decode

__all__ = ["T0", "WRONGTYPE", "Clocked", "InProcess", "Types"]

T0 = 1_700_000_000_000  # the clock of ``Clocked``, in ms
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


class InProcess:
    """A radish Server object driven without sockets (its own temporary
    dir, no save points): ``run(*args)`` returns the encoded reply bytes."""

    def __init__(self, *argv: str) -> None:
        from radish.config import load_server_config
        from radish.server import Server

        self.dir = tempfile.mkdtemp(prefix="radish-inproc-")
        self.config = load_server_config(["--dir", self.dir, "--save", "", *argv])
        self.server = Server(self.config)
        self.client = self.server.new_client("127.0.0.1:1", "127.0.0.1:6379")
        self.now = None

    def set_time(self, ms: int) -> None:
        ks = self.server.keyspace
        self.now = ms
        ks.clock = lambda: self.now

    def advance(self, ms: int) -> None:
        self.set_time(self.now + ms)

    def capture(self) -> None:
        """Start recording what the server propagates (replicas/AOF)."""
        self.captured: list[bytes] = []
        self.server.propagation.subscribe(self.captured.append)

    def propagated(self) -> list[list[bytes]]:
        """Commands propagated since the last call (SELECTs dropped)."""
        data = b"".join(self.captured)
        self.captured.clear()
        return [c for c in commands_of(data) if c[0] != b"SELECT"]

    def run(self, *args):
        from radish.dispatch import process_command

        return process_command(self.client, _argv(args))

    def info(self, section: str) -> dict[str, str]:
        """INFO ``section`` as field -> value."""
        reply = self.run("INFO", section)
        body = reply.split(b"\r\n", 1)[1].decode()
        out = {}
        for line in body.split("\r\n"):
            if ":" in line:
                k, v = line.split(":", 1)
                out[k] = v
        return out


class Clocked(InProcess):
    """InProcess with a fixed clock (``T0``, moved by ``advance``) and a
    capture of the propagated stream."""

    def __init__(self, *argv: str) -> None:
        super().__init__(*argv)
        self.set_time(T0)
        self.capture()


class Types(InProcess):
    """In-process server: ``t(*args)`` gives the decoded reply, ``t.raw``
    the bytes, ``t.resp3(*args)`` the bytes a RESP3 client gets;
    ``t.propagated()`` the writes sent to replicas/AOF since the last call."""

    def __init__(self, *argv: str) -> None:
        super().__init__(*argv)
        self.capture()

    def __call__(self, *args, client=None):
        return decode(self.raw(*args, client=client))

    def raw(self, *args, client=None) -> bytes:
        from radish.dispatch import BLOCKED, process_command

        r = process_command(client or self.client, _argv(args))
        assert r is not BLOCKED, "command blocked"
        return r

    def resp3(self, *args) -> bytes:
        self.client.resp3 = True
        try:
            return self.raw(*args)
        finally:
            self.client.resp3 = False

    def new_client(self):
        return self.server.new_client("127.0.0.1:2", "127.0.0.1:6379")

    def send(self, client, *args):
        """Run a command for another client: its decoded reply, or BLOCKED."""
        from radish.dispatch import BLOCKED, process_command

        r = process_command(client, _argv(args))
        if r is BLOCKED:
            return BLOCKED
        return decode(r)


def _argv(args) -> list[bytes]:
    return [a if isinstance(a, bytes) else str(a).encode() for a in args]
