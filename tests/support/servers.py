"""Server processes: radish (``python -m radish`` from this checkout) and
the reference redis-server, each on a free port in its own directory."""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import pytest

from tests.support import SRC

__all__ = [
    "SRC",
    "ServerProcess",
    "free_port",
    "radish_argv",
    "start_pair",
    "start_radish",
    "start_redis",
    "subprocess_env",
    "wait_port",
    "wait_until",
]


def subprocess_env() -> dict[str, str]:
    """The environment for a ``python -m radish`` child: this checkout's
    ``src/`` first on PYTHONPATH."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    return env


# Ports for test servers lie below the kernel's ephemeral range
# (/proc/sys/net/ipv4/ip_local_port_range, 32768-60999 here): a port the
# kernel hands out for binding to 0 is also one it may give an outgoing
# connection's local end between our check and the server's bind, which
# then fails with "Address already in use". Cluster nodes take 20000-22767
# (tests/support/cluster.py), whose bus ports (+10000) stay below it too.
PORT_RANGE = (10000, 19999)
_ports = random.Random()  # not the tests' (some seed the module's generator)


def free_port() -> int:
    """A port nothing is bound to, outside the ephemeral range."""
    while True:
        port = _ports.randint(*PORT_RANGE)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


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


def wait_until(cond, timeout: float = 20.0, step: float = 0.05) -> None:
    """Poll ``cond()`` until it is true; fail after ``timeout`` seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(step)
    raise AssertionError("condition not reached in %.1fs" % timeout)


READY_LINE = b"Ready to accept connections"


class ServerProcess:
    """A server subprocess (radish or redis-server) on its own port and dir.

    Both servers listen before they load their dataset (and answer
    -LOADING meanwhile), so the start waits, as Redis's own test suite
    does, for the "Ready to accept connections" log line that follows the
    load; ``ready=False`` returns once the port answers (a test watching
    the load itself)."""

    def __init__(self, argv: list[str], port: int, workdir: str, env=None, *, ready: bool = True) -> None:
        self.port = port
        self.dir = workdir
        self.argv = argv
        self.env = env
        self.logpath = os.path.join(workdir, "server.log")
        self._log = open(self.logpath, "ab")
        log_start = self._log.tell()
        self.proc = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT, cwd=workdir, env=env)
        wait_port(port, self.proc)
        if ready:
            self._wait_ready(log_start)

    def _wait_ready(self, log_start: int, timeout: float = 60.0) -> None:
        """Until this process has logged that it is ready (its dataset
        loaded); gives up quietly after ``timeout`` (a log level that
        hides the line) or if the process exits."""
        deadline = time.time() + timeout
        while time.time() < deadline and self.proc.poll() is None:
            with open(self.logpath, "rb") as f:
                f.seek(log_start)
                if READY_LINE in f.read():
                    return
            time.sleep(0.02)

    def client(self, **kw):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, **kw)

    def log(self) -> str:
        with open(self.logpath, errors="replace") as f:
            return f.read()

    def shutdown(self, *args: str) -> int:
        """SHUTDOWN [args] (SAVE, NOSAVE …) as a client sends it; waits
        for the process to exit and returns its exit status."""
        import redis

        try:
            self.client().execute_command("SHUTDOWN", *args)
        except redis.ConnectionError:
            pass
        code = self.proc.wait(30)
        self._log.close()
        return code

    def restarted(self, *, ready: bool = True) -> ServerProcess:
        """A new process with the same command line, port and directory
        (after ``shutdown`` or ``stop``); its log goes on in the same file."""
        return ServerProcess(self.argv, self.port, self.dir, env=self.env, ready=ready)

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


def start_radish(*extra: str, workdir: str | None = None, ready: bool = True) -> ServerProcess:
    port = free_port()
    workdir = workdir or tempfile.mkdtemp(prefix="radish-test-")
    return ServerProcess(radish_argv(port, workdir, *extra), port, workdir, env=subprocess_env(), ready=ready)


def start_redis(*extra: str, workdir: str | None = None, ready: bool = True) -> ServerProcess:
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    workdir = workdir or tempfile.mkdtemp(prefix="redis-ref-")
    return ServerProcess(
        [exe, "--port", str(port), "--dir", workdir, "--save", "", "--enable-debug-command", "yes", *extra], port, workdir, ready=ready
    )


def start_pair(*extra: str) -> tuple[ServerProcess, ServerProcess]:
    """A radish and a redis-server started with the same arguments."""
    ours = start_radish(*extra)
    try:
        theirs = start_redis(*extra)
    except BaseException:
        ours.stop()
        raise
    return ours, theirs
