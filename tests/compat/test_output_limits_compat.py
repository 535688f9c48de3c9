"""client-output-buffer-limit for every class, radish against a real
redis-server: a client that does not read its replies is closed when its
output buffer passes the hard limit (or the soft one for longer than its
seconds), runs nothing more, and the server logs Redis's line."""

from __future__ import annotations

import socket
import time

import pytest
from tests.support.scripts import read_full_sync
from tests.support.servers import start_radish, start_redis

MB = 1 << 20


def rss_mb(server) -> float:
    with open("/proc/%d/status" % server.proc.pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def closed_by_server(sock: socket.socket, timeout: float = 10.0) -> tuple[bool, int]:
    """Drain ``sock`` until the server closes it (True) or ``timeout``
    passes (False); also how many bytes came."""
    sock.settimeout(timeout)
    got = 0
    try:
        while True:
            chunk = sock.recv(1 << 20)
            if not chunk:
                return True, got
            got += len(chunk)
    except ConnectionResetError:
        return True, got
    except TimeoutError:
        return False, got


def slow_reader(port: int) -> socket.socket:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    return s


def wait_for(predicate, timeout: float = 10.0) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("start", [start_radish, start_redis], ids=["radish", "redis"])
def test_default_normal_limit_is_unlimited(start):
    s = start()
    try:
        assert s.client().config_get("client-output-buffer-limit")["client-output-buffer-limit"] == (
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"
        )
    finally:
        s.stop()


@pytest.mark.parametrize("start", [start_radish, start_redis], ids=["radish", "redis"])
def test_normal_client_over_the_hard_limit_is_closed_at_once(start):
    s = start("--client-output-buffer-limit", "normal 10mb 5mb 10")
    try:
        r = s.client()
        r.set("big", b"x" * MB)
        r.set("after", 0)
        before = rss_mb(s)
        slow = slow_reader(s.port)
        # 300 MB of replies asked for in one 2.7 KB write, never read.
        slow.sendall(b"GET big\r\n" * 300 + b"INCR after\r\n")
        closed, got = closed_by_server(slow)
        slow.close()
        assert closed
        assert got < 10 * MB  # the replies over the limit are dropped, not sent
        assert r.get("after") == b"0"  # what followed the overflow never ran
        assert r.info("clients")["connected_clients"] == 1
        assert rss_mb(s) - before < 100  # not 300 MB of buffered replies
        log = s.log()
        line = next(x for x in log.splitlines() if "overcoming of output buffer limits" in x)
        assert " # Client id=" in line and " addr=127.0.0.1:" in line and " cmd=get " in line
        assert line.endswith("scheduled to be closed ASAP for overcoming of output buffer limits.")
        assert r.ping()
    finally:
        s.stop()


@pytest.mark.parametrize("start", [start_radish, start_redis], ids=["radish", "redis"])
def test_normal_client_over_the_soft_limit_for_too_long_is_closed(start):
    s = start("--client-output-buffer-limit", "normal 0 1mb 1")
    try:
        r = s.client()
        r.set("big", b"x" * MB)
        slow = slow_reader(s.port)
        slow.sendall(b"PING\r\n")
        assert slow.recv(7) == b"+PONG\r\n"
        slow.sendall(b"GET big\r\n" * 30)  # far more than the socket buffers take
        assert wait_for(lambda: r.info("clients")["connected_clients"] == 1, 15)
        assert "closed for overcoming of output buffer limits." in s.log()
        assert r.info("clients")["connected_clients"] == 1
        slow.close()
    finally:
        s.stop()


@pytest.mark.parametrize("start", [start_radish, start_redis], ids=["radish", "redis"])
def test_normal_client_within_the_limits_gets_every_reply(start):
    s = start("--client-output-buffer-limit", "normal 10mb 5mb 10")
    try:
        r = s.client()
        r.set("v", b"x" * 1000)
        c = socket.create_connection(("127.0.0.1", s.port))
        c.sendall(b"GET v\r\n" * 3000)  # 3 MB, read as it comes
        want = len(b"$1000\r\n" + b"x" * 1000 + b"\r\n") * 3000
        got = 0
        while got < want:
            chunk = c.recv(1 << 20)
            assert chunk
            got += len(chunk)
        c.close()
        assert got == want
        assert "overcoming" not in s.log()
    finally:
        s.stop()


@pytest.mark.parametrize("start", [start_radish, start_redis], ids=["radish", "redis"])
def test_replica_that_stops_reading_is_dropped(start):
    # A replica's hard limit is at least repl-backlog-size (1 MB here).
    s = start("--client-output-buffer-limit", "replica 1mb 0 0", "--repl-diskless-sync", "no")
    try:
        r = s.client()
        fake = slow_reader(s.port)
        fake.sendall(b"PSYNC ? -1\r\n")
        fake.settimeout(15)
        read_full_sync(fake)
        fake.sendall(b"REPLCONF ACK 0\r\n")
        assert wait_for(lambda: r.info("replication").get("slave0", {}).get("state") == "online")
        for _ in range(40):
            r.set("k", b"x" * 100_000)  # 4 MB of stream the replica never takes
        assert wait_for(lambda: r.info("replication")["connected_slaves"] == 0)
        assert "scheduled to be closed ASAP for overcoming of output buffer limits." in s.log()
        closed, _got = closed_by_server(fake)
        fake.close()
        assert closed
    finally:
        s.stop()


@pytest.mark.parametrize("start", [start_radish, start_redis], ids=["radish", "redis"])
def test_output_buffer_is_reported_and_a_new_limit_applies(start):
    s = start()
    try:
        r = s.client()
        r.set("big", b"x" * MB)
        slow = slow_reader(s.port)
        slow.sendall(b"CLIENT SETNAME slow\r\n")
        assert slow.recv(5) == b"+OK\r\n"
        slow.sendall(b"GET big\r\n" * 20)  # unlimited by default: all kept

        def omem() -> int:
            return next((c["omem"] for c in r.client_list() if c["name"] == "slow"), 0)

        assert wait_for(lambda: int(omem()) > 4 * MB)
        assert wait_for(lambda: r.info("clients")["client_recent_max_output_buffer"] >= int(omem()))
        r.config_set("client-output-buffer-limit", "normal 2mb 0 0")
        slow.sendall(b"PING\r\n")
        # Closed by its next reply or by the once-a-second check of every client.
        assert wait_for(lambda: r.info("clients")["connected_clients"] == 1)
        assert "for overcoming of output buffer limits." in s.log()
        slow.close()
    finally:
        s.stop()
