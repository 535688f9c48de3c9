"""MULTI / EXEC / DISCARD / WATCH through a real server, and what EXEC
propagates."""

from __future__ import annotations

import time

import pytest
import redis
from tests.support.inprocess import InProcess
from tests.support.resp import raw_exchange as raw


def test_exec_runs_queue_and_returns_results(radish_server):
    out = raw(radish_server.port, b"MULTI\r\nSET a 1\r\nINCR a\r\nGET a\r\nEXEC\r\n")
    assert out == b"+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n+OK\r\n:2\r\n$1\r\n2\r\n"


def test_runtime_error_inside_exec_does_not_abort(radish_server):
    out = raw(radish_server.port, b"MULTI\r\nSET s x\r\nINCR s\r\nGET s\r\nEXEC\r\n")
    assert out.endswith(b"*3\r\n+OK\r\n-ERR value is not an integer or out of range\r\n$1\r\nx\r\n")


def test_queue_time_error_aborts(radish_server):
    out = raw(radish_server.port, b"MULTI\r\nSET qa\r\nNOSUCH\r\nEXEC\r\nGET qa\r\n")
    assert out == (
        b"+OK\r\n-ERR wrong number of arguments for 'set' command\r\n"
        b"-ERR unknown command 'NOSUCH', with args beginning with: \r\n"
        b"-EXECABORT Transaction discarded because of previous errors.\r\n$-1\r\n"
    )


def test_errors_without_multi(radish_server):
    out = raw(radish_server.port, b"EXEC\r\nDISCARD\r\nMULTI\r\nMULTI\r\nWATCH x\r\nDISCARD\r\n")
    assert out == (
        b"-ERR EXEC without MULTI\r\n-ERR DISCARD without MULTI\r\n+OK\r\n"
        b"-ERR MULTI calls can not be nested\r\n-ERR WATCH inside MULTI is not allowed\r\n+OK\r\n"
    )


def test_watch_aborts_on_change(radish_server):
    a = radish_server.client()
    b = radish_server.client()
    a.set("w", "1")
    with a.pipeline() as p:
        p.watch("w")
        b.set("w", "2")
        p.multi()
        p.set("w", "3")
        with pytest.raises(redis.WatchError):
            p.execute()
    assert a.get("w") == b"2"
    with a.pipeline() as p:
        p.watch("w")
        p.multi()
        p.set("w", "4")
        assert p.execute() == [True]
    assert a.get("w") == b"4"


def test_watch_flushall_and_expiry(radish_server):
    a = radish_server.client()
    b = radish_server.client()
    a.set("f", "1")
    with a.pipeline() as p:
        p.watch("f")
        b.flushall()
        p.multi()
        p.set("f", "2")
        with pytest.raises(redis.WatchError):
            p.execute()
    a.set("e", "1", px=100)
    with a.pipeline() as p:
        p.watch("e")
        time.sleep(0.2)
        p.multi()
        p.set("x", "1")
        with pytest.raises(redis.WatchError):
            p.execute()


def test_exec_propagates_writes_wrapped_in_multi():
    srv = InProcess()
    stream: list[bytes] = []
    srv.server.propagation.subscribe(stream.append)
    srv.run("MULTI")
    srv.run("SET", "a", "1")
    srv.run("GET", "a")
    srv.run("INCR", "a")
    srv.run("EXEC")
    assert b"".join(stream) == (
        b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"
        b"*1\r\n$5\r\nMULTI\r\n"
        b"*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n"
        b"*2\r\n$4\r\nINCR\r\n$1\r\na\r\n"
        b"*1\r\n$4\r\nEXEC\r\n"
    )
    stream.clear()
    srv.run("MULTI")
    srv.run("SET", "b", "1")
    srv.run("EXEC")
    assert b"".join(stream) == b"*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n1\r\n"
    stream.clear()
    srv.run("MULTI")
    srv.run("GET", "b")
    srv.run("EXEC")
    assert stream == []
