"""radish's pytest plugin, run in throwaway pytest projects (pytester) as a
project using it would: fixtures, the marker, the ini options, seeding from
an RDB file, replicas, and a conftest overriding the plugin's fixtures.

The inner runs load the plugin with ``-p radish.pytest_plugin`` and no
entry-point plugins (PYTEST_DISABLE_PLUGIN_AUTOLOAD), so they test this
checkout's plugin whatever radish is installed; the entry point itself is
tested by tests/packaging/test_wheel.py from an installed wheel."""

from __future__ import annotations

import pytest
import redis
import tests.support  # noqa: F401  (this checkout's src/ first on sys.path)

import radish
import radish.embed
from radish.commands import load_all

pytest_plugins = ["pytester"]

# pytester's in-process runs drop the modules first imported during a run
# when it ends: import the whole server now, so that every run shares one
# command table (the registry would otherwise outlive the command modules
# that fill it, and their second import would declare each command twice).
load_all()


@pytest.fixture
def run(pytester, monkeypatch):
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")

    def run(*args):
        return pytester.runpytest_inprocess("-p", "radish.pytest_plugin", "-p", "no:cacheprovider", *args)

    return run


def test_radish_client_is_flushed_between_tests(pytester, run):
    pytester.makepyfile(
        """
        def test_one(radish_client):
            assert radish_client.dbsize() == 0
            radish_client.set("k", "v")
            assert radish_client.get("k") == b"v"

        def test_two(radish_client):
            assert radish_client.get("k") is None
            assert radish_client.dbsize() == 0
        """
    )
    run().assert_outcomes(passed=2)


def test_one_session_server_unless_marked(pytester, run):
    pytester.makepyfile(
        """
        import pytest
        seen = []

        def test_a(radish_server, radish_test_server, radish_client):
            assert radish_test_server is radish_server
            assert radish_client.config_get("appendonly") == {"appendonly": "no"}
            seen.append(radish_server.port)

        def test_b(radish_server):
            assert seen == [radish_server.port]

        @pytest.mark.radish(appendonly="yes", maxmemory="2mb")
        def test_marked(radish_server, radish_test_server, radish_client):
            assert radish_test_server.port != radish_server.port
            assert radish_client.config_get("appendonly") == {"appendonly": "yes"}
            assert radish_client.config_get("maxmemory") == {"maxmemory": "2097152"}
        """
    )
    run().assert_outcomes(passed=3)


def test_ini_config(pytester, run):
    pytester.makeini(
        """
        [pytest]
        radish_config =
            maxmemory 1mb
            notify-keyspace-events KEA
            save ""
        """
    )
    pytester.makepyfile(
        """
        import pytest

        def test_ini(radish_client):
            assert radish_client.config_get("maxmemory") == {"maxmemory": "1048576"}
            assert radish_client.config_get("notify-keyspace-events") == {"notify-keyspace-events": "AKE"}

        @pytest.mark.radish(maxmemory="3mb")
        def test_marker_over_ini(radish_client):
            assert radish_client.config_get("maxmemory") == {"maxmemory": "3145728"}
            assert radish_client.config_get("notify-keyspace-events") == {"notify-keyspace-events": "AKE"}
        """
    )
    run().assert_outcomes(passed=2)


@pytest.fixture
def seed_rdb(tmp_path):
    """An RDB file holding seed=1 and a list, written by radish."""
    with radish.serve(dir=str(tmp_path)) as server:
        r = redis.Redis.from_url(server.url)
        r.set("seed", "1")
        r.rpush("list", "a", "b")
        r.save()
        r.close()
    return tmp_path / "dump.rdb"


def test_seed_from_an_rdb_file_in_the_ini(pytester, run, seed_rdb):
    (pytester.path / "data").mkdir()
    (pytester.path / "data" / "seed.rdb").write_bytes(seed_rdb.read_bytes())
    pytester.makeini(
        """
        [pytest]
        radish_rdb = data/seed.rdb
        """
    )
    pytester.makepyfile(
        """
        def test_first(radish_client):
            assert radish_client.get("seed") == b"1"
            radish_client.delete("seed")
            radish_client.set("extra", "x")

        def test_second_sees_the_seed_again(radish_client):
            assert radish_client.get("seed") == b"1"
            assert radish_client.lrange("list", 0, -1) == [b"a", b"b"]
            assert radish_client.get("extra") is None
        """
    )
    run().assert_outcomes(passed=2)


def test_seed_from_an_rdb_file_in_the_marker(pytester, run, seed_rdb):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.radish(rdb=%r)
        def test_seeded(radish_client):
            assert radish_client.get("seed") == b"1"

        def test_unseeded(radish_client):
            assert radish_client.dbsize() == 0
        """
        % str(seed_rdb)
    )
    run().assert_outcomes(passed=2)


def test_a_primary_with_replicas(pytester, run):
    pytester.makepyfile(
        """
        import time
        import redis

        def test_replicas(radish_replication):
            primary, replicas = radish_replication(2)
            assert len(replicas) == 2
            p = redis.Redis.from_url(primary.url)
            assert p.info("replication")["connected_slaves"] == 2
            p.set("k", "v")
            assert p.wait(2, 5000) == 2
            for replica in replicas:
                q = redis.Redis.from_url(replica.url)
                assert q.get("k") == b"v"
                assert q.role()[0] == b"slave"
        """
    )
    run().assert_outcomes(passed=1)


def test_a_bad_parameter_in_the_marker_errors_the_test(pytester, run):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.radish(no_such_parameter="1")
        def test_bad(radish_client):
            pass
        """
    )
    result = run()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*radish.serve(no_such_parameter='1'): Bad directive or wrong number of arguments*"])


def test_a_conftest_fixture_overrides_the_plugins(pytester, run):
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture(scope="session")
        def radish_server():
            return "the project's own"
        """
    )
    pytester.makepyfile(
        """
        def test_override(radish_server):
            assert radish_server == "the project's own"
        """
    )
    run().assert_outcomes(passed=1)


def test_the_marker_is_registered(pytester, run):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.radish(hz=20)
        def test_marked(radish_client):
            assert radish_client.config_get("hz") == {"hz": "20"}
        """
    )
    run("--strict-markers").assert_outcomes(passed=1)
