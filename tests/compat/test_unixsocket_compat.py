"""radish against a real redis-server over a unix socket (``unixsocket``,
``unixsocketperm``): what is listened on, how unix clients are shown
(CLIENT LIST, MONITOR, CLIENT KILL ADDR) and what is left behind."""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time

import pytest
import redis
from tests.support.servers import subprocess_env, wait_until


class UnixServer:
    """A server process listening on ``<dir>/s.sock`` only (``--port 0``)."""

    def __init__(self, kind: str, *extra: str) -> None:
        self.dir = tempfile.mkdtemp(prefix="%s-unix-" % kind)
        self.path = os.path.join(self.dir, "s.sock")
        if kind == "radish":
            argv = [sys.executable, "-m", "radish"]
            env = subprocess_env()
        else:
            exe = shutil.which("redis-server")
            assert exe is not None, "redis-server is not installed"
            argv = [exe]
            env = None
        argv += ["--port", "0", "--dir", self.dir, "--save", "", "--unixsocket", "s.sock", *extra]
        self.log_path = os.path.join(self.dir, "server.log")
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(argv, cwd=self.dir, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def wait(self) -> UnixServer:
        deadline = time.time() + 15
        while time.time() < deadline:
            assert self.proc.poll() is None, self.log()
            try:
                with socket.socket(socket.AF_UNIX) as s:
                    s.connect(self.path)
                return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError("no unix socket at %s" % self.path)

    def client(self, **kw) -> redis.Redis:
        return redis.Redis(unix_socket_path=self.path, **kw)

    def log(self) -> str:
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def stop(self) -> int | None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self._log.close()
        return self.proc.returncode


@pytest.fixture
def pair():
    servers = [UnixServer("radish", "--unixsocketperm", "700"), UnixServer("redis", "--unixsocketperm", "700")]
    try:
        yield [s.wait() for s in servers]
    finally:
        for s in servers:
            s.stop()


def both(pair, fn):
    """fn(server) on radish and on redis-server, each server's own socket
    path written as PATH."""
    return [_normalized(fn(s), s.path) for s in pair]


def _normalized(value, path):
    if isinstance(value, bytes):
        return value.replace(path.encode(), b"PATH")
    if isinstance(value, str):
        return value.replace(path, "PATH")
    if isinstance(value, dict):
        return {k: _normalized(v, path) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_normalized(v, path) for v in value)
    return value


def test_config_and_socket_file(pair):
    ours, theirs = both(pair, lambda s: s.client(decode_responses=True).config_get("unixsocket*"))
    assert ours == theirs == {"unixsocket": "s.sock", "unixsocketperm": "700"}
    modes = [stat.S_IMODE(os.stat(s.path).st_mode) for s in pair]
    assert modes == [0o700, 0o700]
    assert all(stat.S_ISSOCK(os.stat(s.path).st_mode) for s in pair)


def test_client_list_shows_the_socket_path_and_flag_u(pair):
    def fields(s):
        info = s.client(decode_responses=True).client_info()
        return {k: info[k] for k in ("addr", "laddr", "flags")}

    ours, theirs = both(pair, fields)
    assert ours == theirs == {"addr": "s.sock:0", "laddr": "s.sock:0", "flags": "U"}


def test_client_kill_by_addr(pair):
    def kill(s):
        victim = s.client()
        victim.ping()
        killer = s.client(decode_responses=True)
        n = killer.client_kill_filter(_type=None, addr="s.sock:0", skipme=True)
        return n, killer.ping()

    ours, theirs = both(pair, kill)
    assert ours == theirs == (1, True)


def test_monitor_names_unix_clients_by_the_socket(pair):
    def monitor_line(s):
        m = socket.socket(socket.AF_UNIX)
        m.connect(s.path)
        m.sendall(b"MONITOR\r\n")
        assert m.recv(100) == b"+OK\r\n"
        with socket.socket(socket.AF_UNIX) as w:
            w.connect(s.path)
            w.sendall(b"SET k v\r\n")
            assert w.recv(100) == b"+OK\r\n"
        data = b""
        while b"\r\n" not in data:
            data += m.recv(1000)
        m.close()
        return data.split(b" ", 1)[1]

    ours, theirs = both(pair, monitor_line)
    assert ours == theirs == b'[0 unix:s.sock] "SET" "k" "v"\r\n'


def test_the_socket_file_is_removed_at_shutdown(pair):
    for s in pair:
        s.client().shutdown(nosave=True)
    for s in pair:
        wait_until(lambda s=s: s.proc.poll() is not None)
    assert [os.path.exists(s.path) for s in pair] == [False, False]
    assert [s.proc.returncode for s in pair] == [0, 0]


def test_a_stale_socket_file_is_replaced():
    started = []
    try:
        for kind in ("radish", "redis"):
            d = tempfile.mkdtemp(prefix="%s-stale-" % kind)
            with open(os.path.join(d, "s.sock"), "w") as f:
                f.write("left by a crashed server")
            s = _in_dir(kind, d)
            started.append(s)
            assert s.wait().client().ping() is True
    finally:
        for s in started:
            s.stop()


def _in_dir(kind: str, d: str) -> UnixServer:
    """A UnixServer whose directory already exists (with what it holds)."""
    s = UnixServer.__new__(UnixServer)
    s.dir = d
    s.path = os.path.join(d, "s.sock")
    exe = [sys.executable, "-m", "radish"] if kind == "radish" else [shutil.which("redis-server") or "redis-server"]
    s.log_path = os.path.join(d, "server.log")
    s._log = open(s.log_path, "ab")
    s.proc = subprocess.Popen(
        [*exe, "--port", "0", "--dir", d, "--save", "", "--unixsocket", "s.sock"],
        cwd=d, env=subprocess_env() if kind == "radish" else None, stdout=s._log, stderr=subprocess.STDOUT,
    )
    return s


def test_an_unusable_path_stops_start_up():
    codes, lines = [], []
    for kind in ("radish", "redis"):
        d = tempfile.mkdtemp(prefix="%s-badsock-" % kind)
        exe = [sys.executable, "-m", "radish"] if kind == "radish" else [shutil.which("redis-server") or "redis-server"]
        out = subprocess.run(
            [*exe, "--port", "0", "--dir", d, "--save", "", "--unixsocket", os.path.join(d, "no", "such", "s.sock")],
            cwd=d, env=subprocess_env() if kind == "radish" else None, capture_output=True, text=True, timeout=30,
        )
        codes.append(out.returncode)
        lines.append([line.split(" # ", 1)[-1] for line in out.stdout.splitlines() if "Unix socket" in line])
    assert codes == [1, 1]
    assert lines[0] == lines[1] == ["Failed opening Unix socket: bind: No such file or directory"]


def test_tcp_and_unix_clients_side_by_side():
    """A server on a TCP port and a unix socket: TCP clients keep their
    ip:port address and flag N."""
    from tests.support.servers import start_pair

    ours, theirs = start_pair("--unixsocket", "s.sock")
    try:
        got = []
        for s in (ours, theirs):
            path = os.path.join(s.dir, "s.sock")
            tcp = s.client(decode_responses=True).client_info()
            unix = redis.Redis(unix_socket_path=path, decode_responses=True).client_info()
            got.append((tcp["flags"], tcp["addr"].startswith("127.0.0.1:"), unix["flags"], unix["addr"]))
        assert got[0] == got[1] == ("N", True, "U", "s.sock:0")
    finally:
        ours.stop()
        theirs.stop()
