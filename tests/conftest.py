"""Shared fixtures: a real radish process on a free port, a reference
redis-server (compat tests), raw connections to both, and in-process
servers for command tests. The helpers they use live in tests/support/."""

from __future__ import annotations

import pytest

from tests.support.inprocess import InProcess
from tests.support.resp import Raw
from tests.support.servers import start_radish, start_redis


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


@pytest.fixture(scope="session")
def port_pair(radish_server, redis_server):
    """(radish port, redis-server port) of the shared servers."""
    return radish_server.port, redis_server.port


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def raw_pair(request, radish_server, redis_server):
    """Raw connections to the shared radish and redis-server, in RESP2 and
    in RESP3, both flushed (radish flushed again afterwards)."""
    ours = Raw(radish_server.port, resp3=request.param == 3)
    theirs = Raw(redis_server.port, resp3=request.param == 3)
    for c in (ours, theirs):
        c([b"FLUSHALL"])
    yield ours, theirs
    ours([b"FLUSHALL"])
    ours.close()
    theirs.close()


@pytest.fixture
def srv():
    return InProcess()
