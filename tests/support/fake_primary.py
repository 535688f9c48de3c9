"""A hand-written primary for replica tests that stops answering on
purpose: ``StallingPrimary`` goes silent at a chosen point of its first
connection's handshake (after PONG, on PSYNC, or partway through the RDB),
then serves the next connection a full resync properly. Runs in a thread
of the test process."""

from __future__ import annotations

import socket
import threading

from tests.support.resp import reply_end

STALLS = ("after-ping", "psync", "transfer")


class StallingPrimary:
    def __init__(self, rdb: bytes, stall: str) -> None:
        assert stall in STALLS
        self.rdb = rdb
        self.stall = stall
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(4)
        self.port = self.lsock.getsockname()[1]
        self.conns: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _frames(self, conn: socket.socket):
        buf = b""
        while True:
            while (end := reply_end(buf)) is None:
                data = conn.recv(4096)
                if not data:
                    return
                buf += data
            yield buf[:end]
            buf = buf[end:]

    def _serve(self) -> None:
        """The first connection stalls; the second gets the RDB."""
        self.lsock.settimeout(60)
        try:
            for n in range(2):
                conn, _ = self.lsock.accept()
                self.conns.append(conn)
                self._handshake(conn, stalled=n == 0)
        except OSError:  # closed by the test, or a replica that went away
            pass

    def _handshake(self, conn: socket.socket, stalled: bool) -> None:
        for frame in self._frames(conn):
            name = frame.split(b"\r\n")[2].upper()
            if name == b"PING":
                conn.sendall(b"+PONG\r\n")
                if stalled and self.stall == "after-ping":
                    return
            elif name == b"PSYNC":
                if stalled and self.stall == "psync":
                    return
                conn.sendall(b"+FULLRESYNC " + b"b" * 40 + b" 0\r\n")
                if stalled:  # "transfer": the header and a few bytes, then nothing
                    conn.sendall(b"$%d\r\n" % len(self.rdb) + self.rdb[:9])
                else:
                    conn.sendall(b"$%d\r\n" % len(self.rdb) + self.rdb)
                return
            else:  # AUTH, REPLCONF
                conn.sendall(b"+OK\r\n")

    def close(self) -> None:
        for c in self.conns:
            c.close()
        try:
            self.lsock.shutdown(socket.SHUT_RDWR)  # wakes a pending accept()
        except OSError:
            pass
        self.lsock.close()
        self.thread.join(5)
