"""Shared fixtures: a real radish process on a free port, a reference
redis-server (compat tests), and in-process clients for command tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen | None = None, timeout: float = 15.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("server exited early with %s" % proc.returncode)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server on port %d did not start" % port)


class ServerProcess:
    """A server subprocess (radish or redis-server) on its own port and dir."""

    def __init__(self, argv: list[str], port: int, workdir: str, env=None) -> None:
        self.port = port
        self.dir = workdir
        self.argv = argv
        self.logpath = os.path.join(workdir, "server.log")
        self._log = open(self.logpath, "ab")
        self.proc = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT, cwd=workdir, env=env)
        wait_port(port, self.proc)

    def client(self, **kw):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, **kw)

    def log(self) -> str:
        with open(self.logpath, errors="replace") as f:
            return f.read()

    def stop(self) -> int | None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode


def radish_argv(port: int, workdir: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "radish", "--port", str(port), "--dir", workdir, "--save", "", *extra]


def start_radish(*extra: str, workdir: str | None = None) -> ServerProcess:
    port = free_port()
    workdir = workdir or tempfile.mkdtemp(prefix="radish-test-")
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    return ServerProcess(radish_argv(port, workdir, *extra), port, workdir, env=env)


def start_redis(*extra: str, workdir: str | None = None) -> ServerProcess:
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    workdir = workdir or tempfile.mkdtemp(prefix="redis-ref-")
    return ServerProcess([exe, "--port", str(port), "--dir", workdir, "--save", "", "--enable-debug-command", "yes", *extra], port, workdir)


@pytest.fixture(scope="session")
def radish_server():
    s = start_radish("--enable-debug-command", "yes")
    yield s
    s.stop()


@pytest.fixture(scope="session")
def redis_server():
    s = start_redis()
    yield s
    s.stop()


@pytest.fixture
def r(radish_server):
    """redis-py client (RESP2) on the shared radish process, db flushed."""
    c = radish_server.client()
    c.flushall()
    yield c
    c.close()


@pytest.fixture
def ref(redis_server):
    c = redis_server.client()
    c.flushall()
    yield c
    c.close()


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

        argv = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        return process_command(self.client, argv)


@pytest.fixture
def srv():
    return InProcess()


def cmd(client, *args):
    """Send a command and return the raw reply (no redis-py callbacks)."""
    conn = client.connection_pool.get_connection()
    try:
        conn.send_command(*args)
        return conn.read_response()
    finally:
        client.connection_pool.release(conn)


def raw_exchange(port: int, data: bytes, expect_close: bool = False, wait: float = 0.3) -> bytes:
    """Send raw bytes on a fresh connection; return everything the server
    sends back until it closes or stays quiet for ``wait`` seconds."""
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(data)
    out = read_until_quiet(s, 5 if expect_close else wait)
    s.close()
    return out


def read_until_quiet(s: socket.socket, wait: float = 0.3) -> bytes:
    """Everything ``s`` receives until the peer closes or stays quiet for
    ``wait`` seconds."""
    s.settimeout(wait)
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except TimeoutError:
        pass
    return out


def commands_of(data: bytes) -> list[list[bytes]]:
    """Split a RESP stream of multibulk commands into their arguments."""
    out = []
    i = 0
    while i < len(data):
        assert data[i : i + 1] == b"*"
        j = data.index(b"\r\n", i)
        n = int(data[i + 1 : j])
        i = j + 2
        cmd = []
        for _ in range(n):
            j = data.index(b"\r\n", i)
            ln = int(data[i + 1 : j])
            i = j + 2
            cmd.append(data[i : i + ln])
            i += ln + 2
        out.append(cmd)
    return out
