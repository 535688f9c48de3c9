"""radish against a real redis-server: what is listened on (bind,
tcp-backlog, CONFIG SET bind), who may connect (protected mode) and what
an unauthenticated client may send must match Redis 7.0 exactly."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile

import pytest
import redis
from tests.support.servers import start_pair, start_radish, start_redis


@pytest.fixture
def servers(request):
    args = getattr(request, "param", ())
    ours, theirs = start_pair(*args)
    yield ours, theirs
    ours.stop()
    theirs.stop()


def listening(port: int) -> list[tuple[str, int]]:
    """(local address, backlog) of each socket listening on ``port``, as
    ``ss`` shows them (its Send-Q column is the listen backlog)."""
    if shutil.which("ss") is None:
        pytest.skip("ss (iproute2) is not installed")
    out = subprocess.run(["ss", "-ltnH", "sport = :%d" % port], capture_output=True, text=True, check=True).stdout
    found = []
    for line in out.splitlines():
        fields = line.split()
        found.append((fields[3].rsplit(":", 1)[0], int(fields[2])))
    return sorted(found)


def exchange_from(source: str, port: int, data: bytes, wait: float = 1.0) -> tuple[bytes, bool]:
    """Connect to 127.0.0.1:port from address ``source``, send ``data``;
    return what came back and whether the server closed the connection
    (an orderly close or a reset: which one depends on timing, in Redis too)."""
    s = socket.socket()
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    out = b""
    closed = False
    try:
        s.sendall(data)
        s.settimeout(wait)
        while True:
            chunk = s.recv(65536)
            if not chunk:
                closed = True
                break
            out += chunk
    except TimeoutError:
        pass
    except (ConnectionResetError, BrokenPipeError):
        closed = True
    finally:
        s.close()
    return out, closed


def config(server, name: str) -> bytes:
    return server.client().config_get(name)[name].encode()


# -- bind and tcp-backlog -------------------------------------------------------


def test_default_bind_is_all_addresses_with_the_backlog(servers):
    ours, theirs = servers
    for name in ("bind", "protected-mode", "tcp-backlog"):
        assert config(ours, name) == config(theirs, name)
    assert config(ours, "bind") == b"* -::*"
    assert listening(ours.port) == listening(theirs.port)
    assert ("0.0.0.0", 511) in listening(ours.port)


@pytest.mark.parametrize("servers", [("--bind", "127.0.0.1", "--tcp-backlog", "128")], indirect=True)
def test_configured_bind_and_backlog(servers):
    ours, theirs = servers
    assert config(ours, "bind") == config(theirs, "bind") == b"127.0.0.1"
    assert listening(ours.port) == listening(theirs.port) == [("127.0.0.1", 128)]


def test_config_set_bind_rebinds(servers):
    ours, theirs = servers
    results = []
    for s in (ours, theirs):
        c = s.client()
        c.config_set("bind", "127.0.0.1")
        on_loopback = listening(s.port)
        # An address this host does not have fails; the old bind stays.
        with pytest.raises(redis.ResponseError) as e:
            c.config_set("bind", "192.0.2.1")
        after_failure = (str(e.value), listening(s.port), config(s, "bind"))
        assert c.ping()
        # "-" makes an address that is not there optional.
        c.config_set("bind", "127.0.0.1 -192.0.2.1")
        optional = listening(s.port)
        c.config_set("bind", "* -::*")
        results.append((on_loopback, after_failure, optional, listening(s.port), config(s, "bind")))
    assert results[0] == results[1]
    assert results[0][0] == [("127.0.0.1", 511)]
    assert results[0][1][0] == (
        "CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses."
    )


def _startup_failure(start, *args: str) -> list[str]:
    """The log lines (without pid and time) of a server that must not start."""
    workdir = tempfile.mkdtemp(prefix="radish-bind-")
    with pytest.raises(RuntimeError, match="exited early with 1"):
        start(*args, workdir=workdir)
    with open(os.path.join(workdir, "server.log")) as f:
        lines = [line.split(" ", 5)[-1].rstrip("\n") for line in f if "listening" in line]
    return [re.sub(r":\d+:", ":<port>:", re.sub(r"port \d+", "port <port>", line)) for line in lines]


def test_bind_to_a_missing_address_fails_at_startup():
    mine = _startup_failure(start_radish, "--bind", "192.0.2.1")
    assert mine == _startup_failure(start_redis, "--bind", "192.0.2.1")
    assert mine == [
        "# Warning: Could not create server TCP listening socket 192.0.2.1:<port>: bind: Cannot assign requested address",
        "# Failed listening on port <port> (TCP), aborting.",
    ]


def test_port_in_use_fails_at_startup():
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen(1)
        port = str(busy.getsockname()[1])
        # The second --port wins over the one the helpers pass first.
        mine = _startup_failure(start_radish, "--port", port)
        assert mine == _startup_failure(start_redis, "--port", port)
    assert mine[0] == "# Warning: Could not create server TCP listening socket *:<port>: bind: Address already in use"


# -- protected mode ---------------------------------------------------------------


def test_protected_mode_denies_other_addresses(servers):
    ours, theirs = servers
    mine = exchange_from("127.0.0.2", ours.port, b"PING\r\n")
    ref = exchange_from("127.0.0.2", theirs.port, b"PING\r\n")
    assert mine == ref
    assert mine[0].startswith(b"-DENIED Redis is running in protected mode") and mine[1]
    # Loopback clients are served; the refusal is counted.
    for s in (ours, theirs):
        assert exchange_from("127.0.0.1", s.port, b"PING\r\n") == (b"+PONG\r\n", False)
    assert ours.client().info("stats")["rejected_connections"] == 1
    assert theirs.client().info("stats")["rejected_connections"] == 1
    # Turned off at run time, the next connection is served.
    for s in (ours, theirs):
        s.client().config_set("protected-mode", "no")
        assert exchange_from("127.0.0.2", s.port, b"PING\r\n") == (b"+PONG\r\n", False)


@pytest.mark.parametrize("servers", [("--requirepass", "pw")], indirect=True)
def test_protected_mode_lets_in_when_a_password_is_set(servers):
    ours, theirs = servers
    data = b"PING\r\nAUTH pw\r\nPING\r\n"
    mine = exchange_from("127.0.0.2", ours.port, data)
    assert mine == exchange_from("127.0.0.2", theirs.port, data)
    assert mine == (b"-NOAUTH Authentication required.\r\n+OK\r\n+PONG\r\n", False)


@pytest.mark.parametrize("servers", [("--protected-mode", "no")], indirect=True)
def test_protected_mode_off(servers):
    for s in servers:
        assert exchange_from("127.0.0.2", s.port, b"PING\r\n") == (b"+PONG\r\n", False)


# -- limits before AUTH -----------------------------------------------------------


def enc(*args: bytes) -> bytes:
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


UNAUTH_CASES = [
    enc(b"PING"),
    enc(*[b"x"] * 10),
    enc(*[b"x"] * 11),
    enc(b"SET", b"k", b"v" * 16384),
    enc(b"SET", b"k", b"v" * 16385),
    b"PING\r\n" + enc(*[b"x"] * 11),
    enc(b"AUTH", b"bad") + enc(b"MSET", *[b"x"] * 20),
    # AUTH lifts the limits for what follows it in the same read.
    enc(b"AUTH", b"pw") + enc(b"MSET", *[b"x"] * 20) + enc(b"SET", b"k", b"v" * 20000) + enc(b"STRLEN", b"k"),
    b"AUTH pw\r\n" + enc(b"MSET", *[b"a"] * 12),
    enc(b"HELLO", b"2", b"AUTH", b"default", b"pw") + enc(b"MSET", *[b"a"] * 12),
    # RESET makes the client unauthenticated again.
    enc(b"AUTH", b"pw") + enc(b"RESET") + enc(b"MSET", *[b"a"] * 12),
]


@pytest.mark.parametrize("servers", [("--requirepass", "pw")], indirect=True)
def test_unauthenticated_limits(servers):
    ours, theirs = servers

    def run(s, data):
        out, closed = exchange_from("127.0.0.1", s.port, data, wait=0.5)
        return re.sub(rb"\$2\r\nid\r\n:\d+", b"$2\r\nid\r\n:<id>", out), closed  # HELLO's client id

    for data in UNAUTH_CASES:
        assert run(ours, data) == run(theirs, data), data[:60]


@pytest.mark.parametrize("servers", [("--requirepass", "pw")], indirect=True)
def test_unauthenticated_huge_bulk_is_not_read(servers):
    # The 200 MB announced are refused at their header: the server answers
    # and hangs up long before they could be sent.
    for s in servers:
        sock = socket.create_connection(("127.0.0.1", s.port))
        sock.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$209715200\r\n")
        chunk = b"x" * (1 << 20)
        sent = 0
        with pytest.raises((BrokenPipeError, ConnectionResetError)):
            for _ in range(200):
                sock.sendall(chunk)
                sent += len(chunk)
        assert sent < 100 << 20
        sock.close()
    for s in servers:
        assert s.client(password="pw").ping()
