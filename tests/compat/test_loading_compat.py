"""Loading (issue 20), radish beside a real redis-server 7.0: while a server
loads its dataset (the RDB or the AOF at start-up, a replica its primary's
snapshot, DEBUG RELOAD) it keeps serving its clients every
loading-process-events-interval-bytes, as Redis's processEventsWhileBlocked:
new connections are accepted, commands without the ``loading`` flag get
-LOADING, the others run, clients that hang up are freed, INFO persistence
shows the loading_* fields, and a shutdown asked for meanwhile exits
without saving. ``key-load-delay`` makes a load last seconds."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time

import pytest
from tests.support.resp import Raw
from tests.support.servers import ServerProcess, start_radish, start_redis, wait_until

pytestmark = pytest.mark.timeout(180)

KEYS = 12000
# About 2.5 s of loading for each server: key-load-delay per key, the
# clients served every 1 KB.
SLOW_LOAD = ("--key-load-delay", "200", "--loading-process-events-interval-bytes", "1024")
LOADING = b"-LOADING Redis is loading the dataset in memory\r\n"


def _start(kind: str, *extra: str, workdir: str | None = None) -> ServerProcess:
    """A server whose load the test watches: returned once it listens."""
    start = start_radish if kind == "radish" else start_redis
    return start("--enable-debug-command", "yes", *extra, workdir=workdir, ready=False)


@pytest.fixture(scope="module")
def rdb_file():
    """An RDB of KEYS keys, written by redis-server (both servers load it)."""
    srv = start_redis()
    try:
        c = Raw(srv.port)
        assert c([b"DEBUG", b"POPULATE", str(KEYS).encode(), b"key", b"100"]) == b"+OK\r\n"
        assert c([b"SAVE"]) == b"+OK\r\n"
        c.close()
    finally:
        srv.stop()
    yield os.path.join(srv.dir, "dump.rdb")
    shutil.rmtree(srv.dir, ignore_errors=True)


def _workdir_with(path: str) -> str:
    d = tempfile.mkdtemp(prefix="loading-")
    shutil.copy(path, os.path.join(d, "dump.rdb"))
    return d


def _info(c: Raw, section: str = "persistence") -> dict[str, str]:
    text = c([b"INFO", section.encode()]).decode()
    return dict(line.split(":", 1) for line in text.split("\r\n")[1:] if ":" in line)


def _loading(c: Raw) -> bool:
    return _info(c)["loading"] == "1"


def _wait_loaded(c: Raw) -> None:
    wait_until(lambda: not _loading(c), timeout=120, step=0.1)


# Commands a client sends while the server loads, and what they get:
# -LOADING unless the command has the ``loading`` flag; in a transaction
# the refused command flags it.
SESSION = [
    [b"PING"],
    [b"GET", b"key:1"],
    [b"ECHO", b"hi"],
    [b"DBSIZE"],
    [b"SELECT", b"1"],
    [b"CONFIG", b"GET", b"key-load-delay"],
    [b"CLIENT", b"SETNAME", b"loader-watcher"],
    [b"CLIENT", b"GETNAME"],
    [b"MULTI"],
    [b"SET", b"a", b"b"],
    [b"ECHO", b"queued"],
    [b"EXEC"],
    [b"MULTI"],
    [b"ECHO", b"queued"],
    [b"EXEC"],
    [b"SUBSCRIBE", b"ch"],
    [b"UNSUBSCRIBE", b"ch"],
    [b"LASTSAVE"],
    [b"REPLICAOF", b"NO", b"ONE"],
    [b"DEBUG", b"LOG", b"loading"],
]

# INFO persistence during the load, after it has gone on for a while.
LOADING_FIELDS = [
    "loading_start_time",
    "loading_total_bytes",
    "loading_rdb_used_mem",
    "loading_loaded_bytes",
    "loading_loaded_perc",
    "loading_eta_seconds",
]


def _startup_session(kind: str, rdb: str) -> dict:
    srv = _start(kind, *SLOW_LOAD, workdir=_workdir_with(rdb))
    try:
        c = Raw(srv.port)
        assert _loading(c)
        replies = [c(args) for args in SESSION]
        replies = [r if not r.startswith(b":") or args[0] != b"LASTSAVE" else b":<time>" for r, args in zip(replies, SESSION, strict=True)]
        time.sleep(0.5)
        info = _info(c)
        assert info["loading"] == "1"
        size = os.path.getsize(os.path.join(srv.dir, "dump.rdb"))
        assert int(info["loading_total_bytes"]) == size
        assert 0 < int(info["loading_loaded_bytes"]) < size
        assert int(info["loading_rdb_used_mem"]) > 0  # the file's used-mem aux field
        assert abs(int(info["loading_start_time"]) - time.time()) < 10
        perc = float(info["loading_loaded_perc"])
        assert abs(perc - int(info["loading_loaded_bytes"]) * 100 / size) < 0.01
        assert 0 < int(info["rdb_last_load_keys_loaded"]) < KEYS
        fields = [k for k in info if k.startswith("loading_")]
        clients = _info(c, "clients")["connected_clients"]
        _wait_loaded(c)
        after = _info(c)
        out = {
            "replies": replies,
            "fields": fields,
            "persistence_keys": list(info),
            "connected_clients": clients,
            "after": (after["loading"], after["rdb_last_load_keys_loaded"], [k for k in after if k.startswith("loading_")]),
            "dbsize": (c([b"SELECT", b"0"]), c([b"DBSIZE"]))[1],
            "name": c([b"CLIENT", b"GETNAME"]),
        }
        c.close()
        return out
    finally:
        srv.stop()


def test_clients_are_served_while_the_rdb_loads_at_startup(rdb_file):
    """A server loading its RDB accepts connections; each command gets
    -LOADING or runs (``loading`` flag) exactly as Redis answers it, and
    INFO persistence shows the progress fields as Redis prints them."""
    ours = _startup_session("radish", rdb_file)
    theirs = _startup_session("redis", rdb_file)
    assert ours == theirs
    assert ours["fields"] == LOADING_FIELDS
    assert ours["replies"][0] == LOADING
    assert ours["after"] == ("0", str(KEYS), [])
    assert ours["dbsize"] == b":%d\r\n" % KEYS


def _clients_freed(kind: str, rdb: str) -> tuple[str, str]:
    """Redis's "client freed during loading": clients that connect and hang
    up during the load are gone from connected_clients at once."""
    srv = _start(kind, *SLOW_LOAD, workdir=_workdir_with(rdb))
    try:
        watcher = Raw(srv.port)
        assert _loading(watcher)
        clients = [Raw(srv.port) for _ in range(5)]
        for rd in clients:
            rd.send([b"DEBUG", b"LOG", b"bla"])
        for rd in clients:
            assert rd.read() == b"+OK\r\n"
        during = _info(watcher, "clients")["connected_clients"]
        for rd in clients:
            rd.close()
        wait_until(lambda: _info(watcher, "clients")["connected_clients"] == "1", timeout=10)
        assert _loading(watcher)  # freed while the load goes on
        return during, _info(watcher, "clients")["connected_clients"]
    finally:
        srv.stop()


def test_clients_that_disconnect_while_loading_are_freed(rdb_file):
    ours = _clients_freed("radish", rdb_file)
    theirs = _clients_freed("redis", rdb_file)
    assert ours == theirs == ("6", "1")


def _shutdown_while_loading(kind: str, rdb: str, how: str) -> tuple:
    """SHUTDOWN (no NOSAVE, save points set) or SIGTERM while loading: the
    server exits at once with status 0 and does not save the half-loaded
    dataset over its file."""
    workdir = _workdir_with(rdb)
    before = open(os.path.join(workdir, "dump.rdb"), "rb").read()
    srv = _start(kind, *SLOW_LOAD, "--save", "3600 1", workdir=workdir)
    c = Raw(srv.port)
    assert _loading(c)
    t0 = time.time()
    if how == "shutdown":
        c.send([b"SHUTDOWN"])
        try:
            reply = c.read()
        except ConnectionError as e:
            reply = str(e).encode()
    else:
        srv.proc.send_signal(signal.SIGTERM)
        reply = b""
    code = srv.proc.wait(30)
    took = time.time() - t0
    srv.stop()
    after = open(os.path.join(workdir, "dump.rdb"), "rb").read()
    assert took < 2, took  # not after the load
    log = srv.log()
    lines = [
        line for line in ("Received shutdown signal during loading, scheduling shutdown.", "Received SIGTERM scheduling shutdown...", "User requested shutdown...", "Saving the final RDB snapshot", "DB saved on disk", "is now ready to exit, bye bye...")
        if line in log
    ]
    return reply, code, after == before, lines


@pytest.mark.parametrize("how", ["shutdown", "sigterm"])
def test_shutdown_while_loading_exits_without_saving(rdb_file, how):
    ours = _shutdown_while_loading("radish", rdb_file, how)
    theirs = _shutdown_while_loading("redis", rdb_file, how)
    assert ours == theirs
    assert ours[1:3] == (0, True)


def _replica_loading(kind: str) -> tuple:
    """A replica loading its primary's snapshot answers -LOADING, shows
    loading:1 and its progress, then holds the primary's data."""
    primary = _start(kind, "--repl-diskless-sync-delay", "0") if kind == "redis" else _start(kind)
    replica = _start(kind, *SLOW_LOAD)
    try:
        P, R = Raw(primary.port), Raw(replica.port)
        assert P([b"DEBUG", b"POPULATE", str(KEYS).encode(), b"key", b"100"]) == b"+OK\r\n"
        assert R([b"REPLICAOF", b"127.0.0.1", str(primary.port).encode()]) == b"+OK\r\n"
        wait_until(lambda: _loading(R), timeout=30, step=0.02)
        replies = [R(args) for args in ([b"PING"], [b"GET", b"key:1"], [b"ROLE"], [b"ECHO", b"x"])]
        replies[2] = replies[2].replace(str(primary.port).encode(), b"<port>")
        time.sleep(0.3)
        info = _info(R)
        repl = _info(R, "replication")
        loading = (info["loading"], [k for k in info if k.startswith("loading_")], repl["master_link_status"], repl["master_sync_in_progress"])
        assert 0 < int(info["loading_loaded_bytes"]) < int(info["loading_total_bytes"])
        _wait_loaded(R)
        wait_until(lambda: _info(R, "replication")["master_link_status"] == "up", timeout=30)
        P([b"SET", b"after", b"1"])
        wait_until(lambda: R([b"EXISTS", b"after"]) == b":1\r\n", timeout=10)
        assert P([b"DEBUG", b"DIGEST"]) == R([b"DEBUG", b"DIGEST"])
        return replies, loading, R([b"DBSIZE"])
    finally:
        replica.stop()
        primary.stop()


def test_replica_serves_clients_while_it_loads_the_primarys_snapshot():
    ours = _replica_loading("radish")
    theirs = _replica_loading("redis")
    assert ours == theirs
    assert ours[0][0] == LOADING
    assert ours[1] == ("1", LOADING_FIELDS, "down", "1")


def _debug_reload(kind: str, rdb: str) -> list:
    """DEBUG RELOAD is a load too: another client meanwhile gets -LOADING
    (and INFO shows loading:1); what the reloading client sent meanwhile
    runs after its DEBUG RELOAD."""
    srv = _start(kind, *SLOW_LOAD, workdir=_workdir_with(rdb))
    try:
        c = Raw(srv.port)
        _wait_loaded(c)
        reloader = Raw(srv.port)
        reloader.send([b"DEBUG", b"RELOAD"])
        wait_until(lambda: _loading(c), timeout=10, step=0.02)
        reloader.send([b"PING"])  # waits behind its DEBUG RELOAD
        out = [c([b"GET", b"key:1"]), c([b"ECHO", b"x"])]
        out.append(reloader.read(timeout=60))
        out.append(reloader.read(timeout=10))
        out.append(c([b"GET", b"key:1"]))
        return out
    finally:
        srv.stop()


def test_other_clients_get_loading_during_debug_reload(rdb_file):
    ours = _debug_reload("radish", rdb_file)
    theirs = _debug_reload("redis", rdb_file)
    assert ours == theirs
    assert ours[0] == LOADING


@pytest.fixture(scope="module")
def aof_dir():
    """An AOF directory (RDB base file, then an incr file), written by
    redis-server."""
    srv = start_redis("--appendonly", "yes")
    try:
        c = Raw(srv.port)
        assert c([b"DEBUG", b"POPULATE", str(KEYS).encode(), b"key", b"100"]) == b"+OK\r\n"
        assert c([b"BGREWRITEAOF"]).startswith(b"+")
        wait_until(lambda: _info(c)["aof_rewrite_in_progress"] == "0" and _info(c)["aof_rewrite_scheduled"] == "0")
        for i in range(50):
            c([b"SET", b"incr:%d" % i, b"v"])
        c.close()
    finally:
        srv.stop()
    yield os.path.join(srv.dir, "appendonlydir")
    shutil.rmtree(srv.dir, ignore_errors=True)


def _aof_loading(kind: str, aof: str) -> tuple:
    workdir = tempfile.mkdtemp(prefix="loading-aof-")
    shutil.copytree(aof, os.path.join(workdir, "appendonlydir"))
    total = sum(os.path.getsize(os.path.join(aof, f)) for f in os.listdir(aof) if not f.endswith("manifest"))
    srv = _start(kind, "--appendonly", "yes", *SLOW_LOAD, workdir=workdir)
    try:
        c = Raw(srv.port)
        assert _loading(c)
        replies = [c([b"PING"]), c([b"ECHO", b"x"])]
        time.sleep(0.3)
        info = _info(c)
        assert int(info["loading_total_bytes"]) == total
        assert 0 < int(info["loading_loaded_bytes"]) < total
        _wait_loaded(c)
        return replies, [k for k in info if k.startswith("loading_")], c([b"DBSIZE"])
    finally:
        srv.stop()


def test_clients_are_served_while_the_aof_loads(aof_dir):
    ours = _aof_loading("radish", aof_dir)
    theirs = _aof_loading("redis", aof_dir)
    assert ours == theirs
    assert ours[0][0] == LOADING
    assert ours[2] == b":%d\r\n" % (KEYS + 50)
