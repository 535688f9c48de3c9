"""radish's pytest plugin: a real Redis-compatible server inside the test
process, from ``pip install radish`` (registered through the ``pytest11``
entry point as ``radish``; ``-p no:radish`` turns it off).

Fixtures (clients are redis-py's, which the fixtures need installed)::

    def test_counter(radish_client):              # a redis.Redis, db flushed
        radish_client.incr("n")
        assert radish_client.get("n") == b"1"

    @pytest.mark.radish(appendonly="yes", maxmemory="10mb")
    def test_with_aof(radish_client, radish_test_server):
        ...                                       # a server of its own, this config

    def test_replicas(radish_replication):
        primary, replicas = radish_replication(2)  # a primary and 2 replicas, in sync

- ``radish_server`` (session): one ``radish.serve()`` server
  (``radish.embed.EmbeddedServer``: ``.url``, ``.port``, ``.dir`` …) for the
  whole session, started on first use, with the ini options' config.
- ``radish_test_server`` (function): the server this test talks to. For an
  unmarked test, the session server, emptied before the test (FLUSHALL, or
  the seed RDB loaded again); for a test marked ``@pytest.mark.radish(...)``,
  a server of its own with the ini config plus the marker's, stopped after
  the test (starting one takes milliseconds).
- ``radish_client`` (function): ``redis.Redis`` on ``radish_test_server``
  (bytes replies; build your own from ``radish_test_server.url`` for other
  options), closed after the test.
- ``radish_replication`` (function): ``radish_replication(n=1, **config)``
  starts a primary and ``n`` replicas (ini config, the marker's, then
  ``config``), waits until every replica's link is up and returns
  ``Replication(primary, replicas)``; all are stopped after the test.

Configuration, lowest precedence first:

- ini options (``[pytest]`` / ``[tool.pytest.ini_options]``):
  ``radish_config``, one parameter per line in redis.conf syntax
  (``appendonly yes``, ``save ""``), and ``radish_rdb``, an RDB file the
  servers start with (relative to the ini file's directory);
- the marker's keyword arguments: parameter names with ``_`` for ``-``
  (``radish.serve``'s rules) and ``rdb=`` for a seed file;
- ``radish_replication``'s own keyword arguments.

Each server keeps its files in a temporary ``dir`` removed when it stops.
The session server is emptied, not restarted: CONFIG SET, ACL and script
changes a test makes stay for the next tests (mark such a test to give it
its own server).

A project whose conftest.py defines fixtures of these names (radish's own
test suite does: its ``radish_server`` is a ``python -m radish`` process)
overrides the plugin's, as any conftest fixture overrides a plugin's.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any, Callable, Iterator, NamedTuple

import pytest

from .protocol.splitargs import split_args

if TYPE_CHECKING:
    from .embed import EmbeddedServer

# The server itself (radish.embed and everything below it) is imported by
# the first fixture that starts one, not when pytest loads the plugin: a
# session that uses no radish fixture pays nothing for it.

MARKER = "radish"
_SEED = pytest.StashKey[str]()  # the session server's seed RDB, reloaded before each test


class Replication(NamedTuple):
    primary: "EmbeddedServer"
    replicas: "list[EmbeddedServer]"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "radish_config",
        "radish servers' config, one parameter per line in redis.conf syntax (e.g. 'appendonly yes')",
        type="linelist",
        default=[],
    )
    parser.addini(
        "radish_rdb",
        "an RDB file radish servers start with (relative to the ini file's directory)",
        default="",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "radish(**config): run the test on a radish server of its own with these config "
        "parameters (names with _ for -; rdb= seeds it from an RDB file)",
    )


def _ini_config(config: pytest.Config) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for line in config.getini("radish_config"):
        argv = split_args(line.encode())
        if argv is None:
            raise pytest.UsageError("radish_config: unbalanced quotes in %r" % line)
        if not argv:
            continue
        name = os.fsdecode(argv[0])
        values = [os.fsdecode(a) for a in argv[1:]]
        params[name.replace("-", "_")] = values[0] if len(values) == 1 else values
    rdb = config.getini("radish_rdb")
    if rdb:
        base = config.inipath.parent if config.inipath is not None else config.rootpath
        params["rdb"] = str(base / rdb)
    return params


def _settings(request: pytest.FixtureRequest, extra: dict[str, Any] | None = None) -> tuple[dict[str, Any], str | None]:
    """(serve() keyword arguments, seed RDB path) for this test."""
    params = _ini_config(request.config)
    marker = request.node.get_closest_marker(MARKER)
    if marker is not None:
        if marker.args:
            raise pytest.UsageError("@pytest.mark.radish takes keyword arguments only (config parameters)")
        params.update(marker.kwargs)
    params.update(extra or {})
    rdb = params.pop("rdb", None)
    return params, (os.fspath(rdb) if rdb else None)


def _start(params: dict[str, Any], rdb: str | None) -> EmbeddedServer:
    from .embed import serve

    server = serve(**params)
    if rdb is not None:
        try:
            server.load_rdb(rdb)
        except BaseException:
            server.stop()
            raise
    return server


def _redis():
    try:
        import redis
    except ImportError:  # pragma: no cover - redis-py is installed with the tests
        raise pytest.UsageError("radish's client fixtures need redis-py: pip install redis") from None
    return redis


@pytest.fixture(scope="session")
def radish_server(request: pytest.FixtureRequest) -> Iterator[EmbeddedServer]:
    """One radish server for the session (ini options' config)."""
    params = _ini_config(request.config)
    rdb = params.pop("rdb", None)
    server = _start(params, rdb)
    if rdb:
        request.config.stash[_SEED] = rdb
    yield server
    server.stop()


@pytest.fixture
def radish_test_server(request: pytest.FixtureRequest) -> Iterator[EmbeddedServer]:
    """The server this test talks to: the session's, emptied, or (marked
    test) one of its own."""
    if request.node.get_closest_marker(MARKER) is None:
        server: EmbeddedServer = request.getfixturevalue("radish_server")
        seed = request.config.stash.get(_SEED, None)
        if seed:
            server.load_rdb(seed)
        else:
            client = _redis().Redis.from_url(server.url)
            try:
                client.flushall()
            finally:
                client.close()
        yield server
        return
    params, rdb = _settings(request)
    server = _start(params, rdb)
    yield server
    server.stop()


@pytest.fixture
def radish_client(radish_test_server: EmbeddedServer) -> Iterator[Any]:
    """redis.Redis on this test's server."""
    client = _redis().Redis.from_url(radish_test_server.url)
    yield client
    client.close()


@pytest.fixture
def radish_replication(request: pytest.FixtureRequest) -> Iterator[Callable[..., Replication]]:
    """``radish_replication(n=1, **config)``: a primary and n replicas in sync."""
    started: list[EmbeddedServer] = []

    def start(n: int = 1, **config: Any) -> Replication:
        from .embed import serve

        params, rdb = _settings(request, config)
        params.pop("replicaof", None)
        primary = _start(params, rdb)
        started.append(primary)
        replicas = []
        for _ in range(n):
            replica = serve(**params, replicaof=(primary.host, primary.port))
            started.append(replica)
            replicas.append(replica)
        _wait_in_sync(primary, replicas, params)
        return Replication(primary, replicas)

    yield start
    for server in reversed(started):
        server.stop()


def _wait_in_sync(primary: EmbeddedServer, replicas: list[EmbeddedServer], params: dict[str, Any], timeout: float = 30.0) -> None:
    redis = _redis()
    password = params.get("requirepass") or None
    deadline = time.monotonic() + timeout
    for server in [primary, *replicas]:
        client = redis.Redis.from_url(server.url, password=password, decode_responses=True)
        try:
            while True:
                info = client.info("replication")
                if server is primary:
                    done = info.get("connected_slaves") == len(replicas)
                else:
                    done = info.get("master_link_status") == "up"
                if done:
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError("radish replicas did not sync in %.0f s" % timeout)
                time.sleep(0.01)
        finally:
            client.close()
