"""MIGRATE in-process against a scripted target (a listener in a thread
that records each connection's commands and answers as told): what goes
over the wire (AUTH, SELECT only when the connection's database differs,
RESTORE with the TTL left and DUMP's payload, REPLACE), the connection
cache (reuse, closing after 10 idle seconds, at most 64), the retry on a
fresh connection, Redis's reading of the reply lines, and what is
propagated. tests/compat/test_migrate_compat.py compares the rest with
redis-server."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from tests.support.inprocess import T0, Types
from tests.support.resp import Err, commands_of, reply_end

from radish.persistence.rdb import dump_payload


class FakeTarget:
    """A target on all interfaces of a free port. ``received`` holds
    (connection number, command) pairs; ``answer(command)`` gives the
    bytes sent back (None: nothing), ``close_after`` closes a connection
    once it has taken that many commands."""

    def __init__(self, answer=None) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.received: list[tuple[int, list[bytes]]] = []
        self.answer = answer or (lambda cmd: b"+OK\r\n")
        self.close_after: int | None = None
        self.conns: list[socket.socket] = []
        self.closed: list[int] = []
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            threading.Thread(
                target=self._serve, args=(conn, len(self.conns) - 1), daemon=True
            ).start()

    def _serve(self, conn: socket.socket, n: int) -> None:
        buf = b""
        taken = 0
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                buf += data
                while (end := reply_end(buf)) is not None:
                    (cmd,), buf = commands_of(buf[:end]), buf[end:]
                    self.received.append((n, cmd))
                    taken += 1
                    out = self.answer(cmd)
                    if out:
                        conn.sendall(out)
                    if self.close_after is not None and taken >= self.close_after:
                        raise ConnectionError
        except OSError:
            pass
        finally:
            conn.close()
            self.closed.append(n)

    def commands(self, conn: int | None = None) -> list[list[bytes]]:
        return [cmd for n, cmd in self.received if conn is None or n == conn]

    def kill_connections(self) -> None:
        for conn in self.conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self) -> None:
        self._stop = True
        self.sock.close()
        self.kill_connections()


@pytest.fixture
def t():
    return Types()


@pytest.fixture
def target():
    tg = FakeTarget()
    yield tg
    tg.stop()


def _wait(cond, timeout: float = 5.0) -> None:
    deadline = time.time() + timeout
    while not cond():
        assert time.time() < deadline, "condition not reached"
        time.sleep(0.01)


def test_restore_select_and_the_cached_connection(t, target):
    p = target.port
    t("SET", "a", "1")
    t("RPUSH", "b", "x", "y")
    t("SET", "c", "3")
    payload_a = dump_payload(t.server.keyspace.dbs[0].data[b"a"], t.server.config)
    assert t("MIGRATE", "127.0.0.1", p, "a", 0, 5000) == "OK"
    assert t("MIGRATE", "127.0.0.1", p, "b", 0, 5000, "REPLACE") == "OK"
    assert t("MIGRATE", "127.0.0.1", p, "c", 3, 5000, "COPY") == "OK"
    cmds = target.commands()
    assert [c[:2] for c in cmds] == [[b"SELECT", b"0"], [b"RESTORE", b"a"], [b"RESTORE", b"b"],
                                     [b"SELECT", b"3"], [b"RESTORE", b"c"]]  # fmt: skip
    assert cmds[1] == [b"RESTORE", b"a", b"0", payload_a]
    assert cmds[2][-1] == b"REPLACE" and len(cmds[2]) == 5
    assert {n for n, _ in target.received} == {0}  # one connection
    assert len(t.server.migrate_sockets) == 1
    assert t("EXISTS", "a", "b", "c") == 1


def test_auth_and_auth2_go_first(t, target):
    p = target.port
    t("SET", "a", "1")
    t("SET", "b", "1")
    assert t("MIGRATE", "127.0.0.1", p, "a", 0, 5000, "AUTH", "pw") == "OK"
    assert t("MIGRATE", "127.0.0.1", p, "", 0, 5000, "AUTH2", "u", "p", "KEYS", "b") == "OK"
    assert [c[:3] for c in target.commands()] == [
        [b"AUTH", b"pw"], [b"SELECT", b"0"], [b"RESTORE", b"a", b"0"],
        [b"AUTH", b"u", b"p"], [b"RESTORE", b"b", b"0"],
    ]  # fmt: skip


def test_the_ttl_sent_is_what_is_left(t, target):
    t.set_time(T0)
    t("SET", "k", "v", "PX", 5000)
    t.advance(1200)
    assert t("MIGRATE", "127.0.0.1", target.port, "k", 0, 5000) == "OK"
    assert target.commands()[1][:3] == [b"RESTORE", b"k", b"3800"]


def test_idle_connections_are_closed_after_ten_seconds(t, target):
    t("SET", "k", "v")
    assert t("MIGRATE", "127.0.0.1", target.port, "k", 0, 5000) == "OK"
    cache = t.server.migrate_sockets
    cache.close_idle(time.time() + 10)
    assert t.info("stats")["migrate_cached_sockets"] == "1"
    cache.close_idle(time.time() + 11.5)
    assert t.info("stats")["migrate_cached_sockets"] == "0"
    _wait(lambda: target.closed == [0])


def test_at_most_64_cached_connections(t, target):
    for i in range(66):
        t("SET", "k", "v")
        assert t("MIGRATE", "127.0.1.%d" % (i + 1), target.port, "k", 0, 5000) == "OK"
    assert len(t.server.migrate_sockets) == 64
    _wait(lambda: len(target.closed) == 2)


def test_a_closed_cached_connection_is_replaced_once(t, target):
    t("SET", "a", "1")
    assert t("MIGRATE", "127.0.0.1", target.port, "a", 0, 5000) == "OK"
    target.kill_connections()
    _wait(lambda: target.closed == [0])
    t("SET", "b", "1")
    assert t("MIGRATE", "127.0.0.1", target.port, "b", 0, 5000) == "OK"
    # The new connection selects again.
    assert target.commands(1) == [[b"SELECT", b"0"], target.commands(1)[1]]
    assert t("EXISTS", "b") == 0


def test_a_target_that_closes_every_connection(t):
    target = FakeTarget(lambda cmd: None)
    target.close_after = 1
    try:
        t("SET", "k", "v")
        assert t("MIGRATE", "127.0.0.1", target.port, "k", 0, 5000) == Err(
            "IOERR error or timeout reading to target instance"
        )
        assert len({n for n, _ in target.received}) == 2  # tried twice
        assert len(t.server.migrate_sockets) == 0
        assert t("EXISTS", "k") == 1
    finally:
        target.stop()


def test_no_retry_after_a_timeout(t):
    target = FakeTarget(lambda cmd: None)
    try:
        t("SET", "k", "v")
        assert t("MIGRATE", "127.0.0.1", target.port, "k", 0, 100) == Err(
            "IOERR error or timeout reading to target instance"
        )
        assert len(target.conns) == 1
        assert len(t.server.migrate_sockets) == 0
    finally:
        target.stop()


def test_reply_lines_are_read_as_redis_reads_them(t):
    replies: dict[bytes, bytes] = {
        b"a": b"\r\n",
        b"b": b":1\r\n",
        b"c": b"-ERR " + b"x" * 2000 + b"\r\n",
    }
    target = FakeTarget(lambda cmd: replies[cmd[1]] if cmd[0] == b"RESTORE" else b"+OK\r\n")
    try:
        for k in (b"a", b"b", b"c"):
            t("SET", k, "1")
        # "\r\n" is a line (empty once the \r is cut), any reply not an
        # error is success: both keys leave.
        assert t("MIGRATE", "127.0.0.1", target.port, "", 0, 5000, "KEYS", "a", "b") == "OK"
        assert t("EXISTS", "a", "b") == 0
        # Only 1023 bytes of a line are read.
        err = t("MIGRATE", "127.0.0.1", target.port, "c", 0, 5000)
        assert err == Err("ERR Target instance replied with error: ERR " + "x" * 1018)
        assert t("EXISTS", "c") == 1
    finally:
        target.stop()


def test_a_bare_newline_is_a_failed_read(t):
    target = FakeTarget(lambda cmd: b"\n")
    try:
        t("SET", "k", "v")
        assert t("MIGRATE", "127.0.0.1", target.port, "k", 0, 5000) == Err(
            "IOERR error or timeout reading to target instance"
        )
        assert len(target.conns) == 2
    finally:
        target.stop()


def test_propagated_as_del_of_the_keys_the_target_took(t):
    target = FakeTarget(
        lambda cmd: b"-BUSYKEY no\r\n" if cmd[:2] == [b"RESTORE", b"b"] else b"+OK\r\n"
    )
    try:
        for k in ("a", "b", "c"):
            t("SET", k, "1")
        t.propagated()
        p = target.port
        assert t("MIGRATE", "127.0.0.1", p, "", 0, 5000, "KEYS", "a", "b", "c", "d") == Err(
            "ERR Target instance replied with error: BUSYKEY no"
        )
        assert t.propagated() == [[b"DEL", b"a", b"c"]]
        assert t("MIGRATE", "127.0.0.1", p, "b", 0, 5000) == Err(
            "ERR Target instance replied with error: BUSYKEY no"
        )
        t("SET", "e", "1")
        t.propagated()
        assert t("MIGRATE", "127.0.0.1", p, "e", 0, 5000, "COPY") == "OK"
        assert t("MIGRATE", "127.0.0.1", p, "nokey", 0, 5000) == "NOKEY"
        assert t.propagated() == []
        # After a target error the database is not known: SELECT again.
        assert [c[0] for c in target.commands()].count(b"SELECT") == 3
    finally:
        target.stop()


def test_getkeys_and_key_refs():
    from radish.commands.migrate import _getkeys, redacted_positions

    def keys(line: str) -> list[int]:
        return _getkeys([b"" if a == "''" else a.encode() for a in line.split()])

    assert keys("MIGRATE h p k 0 5") == [3]
    assert keys("MIGRATE h p '' 0 5 COPY AUTH KEYS KEYS a b") == [10, 11]
    assert keys("MIGRATE h p '' 0 5 AUTH2 keys keys KEYS a") == [10]
    assert keys("MIGRATE h p k 0 5 KEYS a") == []
    assert keys("MIGRATE h p '' 0 5 KEYS") == []

    def redacted(line: str) -> list[int]:
        return redacted_positions([a.encode() for a in line.split()])

    assert redacted("MIGRATE h p k 0 5 AUTH x AUTH2 u p") == [7, 9, 10]
    assert redacted("MIGRATE h p k 0 5 COPY bad AUTH x") == []
    assert redacted("MIGRATE h p k 0 5 AUTH2 u") == []
