"""``radish.serve()``: the server in this process, on its own loop thread,
as a user of the embedding API sees it."""

from __future__ import annotations

import asyncio
import os
import signal
import threading

import pytest
import redis
import redis.asyncio as aioredis
import tests.support  # noqa: F401  (this checkout's src/ first on sys.path)
from tests.support.servers import wait_until

import radish
from radish.config import ConfigError
from radish.embed import StartError


def test_serve_answers_on_the_port_it_reports_and_keeps_files_in_a_temp_dir():
    cwd = os.getcwd()
    with radish.serve() as server:
        assert server.running
        assert server.url == "redis://127.0.0.1:%d" % server.port
        r = redis.Redis.from_url(server.url)
        assert r.ping() is True
        assert r.config_get("port") == {"port": str(server.port)}
        assert r.config_get("dir") == {"dir": server.dir}
        assert r.config_get("save") == {"save": ""}
        assert server.unix_socket is None
        r.set("k", "v")
        r.save()
        assert os.path.isfile(os.path.join(server.dir, "dump.rdb"))
        assert os.getcwd() == cwd
        tmp = server.dir
        r.close()
    assert not server.running
    assert not os.path.exists(tmp)
    assert os.getcwd() == cwd


def test_config_parameters_by_name():
    with radish.serve(appendonly="yes", maxmemory="1mb", hz=50, notify_keyspace_events="KEA",
                      client_output_buffer_limit="pubsub 0 0 0") as server:
        r = redis.Redis.from_url(server.url, decode_responses=True)
        assert r.config_get("appendonly") == {"appendonly": "yes"}
        assert r.config_get("maxmemory") == {"maxmemory": "1048576"}
        assert r.config_get("hz") == {"hz": "50"}
        assert r.config_get("notify-keyspace-events") == {"notify-keyspace-events": "AKE"}
        r.set("k", "v")
        assert os.path.isdir(os.path.join(server.dir, "appendonlydir"))
        r.close()


def test_python_values_become_redis_arguments():
    with radish.serve(appendonly=True, save=(3600, 1, 300, 100), lazyfree_lazy_expire=False) as server:
        r = redis.Redis.from_url(server.url, decode_responses=True)
        assert r.config_get("appendonly") == {"appendonly": "yes"}
        assert r.config_get("save") == {"save": "3600 1 300 100"}
        assert r.config_get("lazyfree-lazy-expire") == {"lazyfree-lazy-expire": "no"}
        r.close()


def test_unknown_or_bad_parameters_are_refused_by_name():
    with pytest.raises(ConfigError) as e:
        radish.serve(no_such_parameter=1)
    assert str(e.value) == "radish.serve(no_such_parameter=1): Bad directive or wrong number of arguments"
    with pytest.raises(ConfigError) as e:
        radish.serve(maxmemory="lots")
    assert str(e.value) == "radish.serve(maxmemory='lots'): argument must be a memory value"


def test_a_start_failure_raises_with_the_logged_reason():
    with radish.serve() as first:
        with pytest.raises(StartError) as e:
            radish.serve(port=first.port)
        assert "Address already in use" in str(e.value)
        assert redis.Redis.from_url(first.url).ping() is True


def test_data_survives_a_restart_in_a_given_dir(tmp_path):
    with radish.serve(dir=str(tmp_path)) as server:
        r = redis.Redis.from_url(server.url)
        r.set("kept", "yes")
        r.close()
    # Redis's default save points apply: stop() saves as SHUTDOWN does.
    assert (tmp_path / "dump.rdb").is_file()
    with radish.serve(dir=str(tmp_path)) as server:
        assert redis.Redis.from_url(server.url).get("kept") == b"yes"
    assert tmp_path.is_dir()  # a dir the caller gave is never removed


def test_config_set_dir_does_not_change_the_process_directory(tmp_path):
    cwd = os.getcwd()
    with radish.serve(enable_protected_configs="yes") as server:
        r = redis.Redis.from_url(server.url)
        assert r.config_set("dir", str(tmp_path)) is True
        assert os.getcwd() == cwd
        r.set("k", "v")
        r.save()
        assert (tmp_path / "dump.rdb").is_file()
        r.close()


def test_relative_paths_are_taken_in_dir():
    with radish.serve(unixsocket="radish.sock", logfile="server.log") as server:
        assert server.unix_socket == os.path.join(server.dir, "radish.sock")
        assert redis.Redis(unix_socket_path=server.unix_socket).ping() is True
        assert os.path.isfile(os.path.join(server.dir, "server.log"))
    assert not os.path.exists("radish.sock")


def test_unix_socket_only():
    with radish.serve(port=None, unixsocket="r.sock") as server:
        assert server.port == 0
        assert server.url == "unix://" + server.unix_socket
        r = redis.Redis.from_url(server.url)
        assert r.ping() is True
        assert r.client_info()["flags"] == "U"
        r.close()
        sock = server.unix_socket
    assert not os.path.exists(sock)


def test_async_with():
    async def main():
        async with radish.serve() as server:
            r = aioredis.Redis.from_url(server.url)
            await r.set("k", "v")
            value = await r.get("k")
            await r.aclose()
            return value, server.running

    assert asyncio.run(main()) == (b"v", True)


def test_call_runs_on_the_server_thread():
    with radish.serve() as server:
        redis.Redis.from_url(server.url).set("k", "v")
        name = server.call(lambda: threading.current_thread().name)
        assert name != threading.current_thread().name
        assert server.call(lambda: len(server.server.keyspace.dbs[0])) == 1
    with pytest.raises(RuntimeError):
        server.call(lambda: None)


def test_no_signal_handlers_are_installed():
    before = (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT))
    with radish.serve():
        assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before


def test_shutdown_command_ends_the_server_and_stop_still_works():
    server = radish.serve()
    r = redis.Redis.from_url(server.url)
    r.shutdown(nosave=True)  # redis-py takes the closed connection as success
    wait_until(lambda: not server.running)
    server.stop()
    server.stop()
    assert not os.path.exists(server.dir)


def test_a_primary_and_a_replica_in_one_process():
    with radish.serve() as primary, radish.serve(replicaof=("127.0.0.1", primary.port)) as replica:
        p = redis.Redis.from_url(primary.url)
        q = redis.Redis.from_url(replica.url)
        p.set("k", "v")
        wait_until(lambda: q.get("k") == b"v")
        assert q.role()[0] == b"slave"
        with pytest.raises(redis.ReadOnlyError):
            q.set("x", "y")


def test_stopped_servers_leave_no_open_files():
    def open_fds() -> set[str]:
        return set(os.listdir("/proc/self/fd"))

    with radish.serve():
        pass  # the first server of the process imports and builds what later ones share
    before = open_fds()
    for _ in range(3):
        with radish.serve(appendonly="yes", unixsocket="s.sock") as server:
            r = redis.Redis.from_url(server.url)
            r.set("k", "v")
            r.close()
    assert open_fds() - before == set()


def test_what_would_exit_redis_stops_only_the_embedded_server():
    """DEBUG LOADAOF of an AOF that does not load makes redis-server exit;
    an embedded server stops instead, and this process goes on."""
    server = radish.serve(appendonly="yes", enable_debug_command="yes")
    try:
        r = redis.Redis.from_url(server.url)
        r.set("k", "v")
        manifest = os.path.join(server.dir, "appendonlydir", "appendonly.aof.manifest")
        with open(manifest, "w") as f:
            f.write("not a manifest\n")
        with pytest.raises(redis.ConnectionError):
            r.execute_command("DEBUG", "LOADAOF")
        wait_until(lambda: not server.running)
        with pytest.raises(redis.ConnectionError):
            redis.Redis.from_url(server.url).ping()
    finally:
        server.stop()
