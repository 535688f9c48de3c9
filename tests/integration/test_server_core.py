"""The server as a real process: protocol, pipelining, errors, limits,
connection and server commands, start-up and shutdown."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import pytest
import redis
import redis.asyncio as aioredis
from tests.support.resp import cmd
from tests.support.resp import raw_exchange as raw
from tests.support.servers import free_port, start_radish, subprocess_env, wait_port


def test_ping_echo_and_unknown_command(r, radish_server):
    assert r.ping() is True
    assert r.echo(b"hi\x00\r\n") == b"hi\x00\r\n"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("NOSUCH", "a", "b")
    assert str(e.value) == "unknown command 'NOSUCH', with args beginning with: 'a' 'b' "
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("GET")
    assert str(e.value) == "wrong number of arguments for 'get' command"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("CONFIG", "NOPE")
    assert str(e.value) == "unknown subcommand 'NOPE'. Try CONFIG HELP."


def test_inline_commands_over_raw_socket(radish_server):
    out = raw(radish_server.port, b'PING\r\nSET k "a b"\r\nGET k\r\nECHO \'x\'\n')
    assert out == b"+PONG\r\n+OK\r\n$3\r\na b\r\n$1\r\nx\r\n"


def test_pipeline_replies_in_order(r):
    p = r.pipeline(transaction=False)
    for i in range(1000):
        p.set(b"k%d" % i, i)
        p.incr(b"k%d" % i)
    res = p.execute()
    assert res[0::2] == [True] * 1000
    assert res[1::2] == [i + 1 for i in range(1000)]


def test_pipeline_all_replies_in_one_write(radish_server):
    """All replies of commands that arrive in one read go out together."""
    s = socket.create_connection(("127.0.0.1", radish_server.port))
    s.sendall(b"*1\r\n$4\r\nPING\r\n" * 50)
    time.sleep(0.3)
    data = s.recv(1 << 20)
    assert data == b"+PONG\r\n" * 50
    s.close()


def test_protocol_error_closes_only_that_connection(radish_server):
    other = radish_server.client()
    other.set("alive", "1")
    out = raw(radish_server.port, b"*1\r\n$abc\r\n", expect_close=True)
    assert out == b"-ERR Protocol error: invalid bulk length\r\n"
    assert other.get("alive") == b"1"
    other.close()


def test_bulk_larger_than_proto_max_bulk_len_is_refused_early(radish_server):
    out = raw(radish_server.port, b"*2\r\n$3\r\nGET\r\n$999999999999\r\n", expect_close=True)
    assert out == b"-ERR Protocol error: invalid bulk length\r\n"


def test_query_buffer_limit_closes_client():
    s = start_radish("--client-query-buffer-limit", "1mb")
    try:
        c = s.client()
        sock = socket.create_connection(("127.0.0.1", s.port))
        # A bulk that announces 4 MB (allowed by proto-max-bulk-len) but the
        # buffer limit is 1 MB: the server drops the client while receiving.
        sock.sendall(b"*2\r\n$3\r\nGET\r\n$4000000\r\n")
        closed = False
        try:
            for _ in range(100):
                sock.sendall(b"x" * 65536)
        except OSError:
            closed = True
        if not closed:
            sock.settimeout(5)
            try:
                closed = sock.recv(100) == b""
            except OSError:
                closed = True
        assert closed
        assert c.ping()
        assert "max query buffer" in s.log()
    finally:
        s.stop()


def test_large_values_roundtrip(r):
    big = os.urandom(5 * 1024 * 1024)
    r.set("big", big)
    assert r.get("big") == big
    assert r.strlen("big") == len(big)


def test_resp3_hello_and_types(radish_server):
    c = redis.Redis(port=radish_server.port, protocol=3)
    info = c.execute_command("HELLO", "3")
    assert info[b"proto"] == 3 and info[b"server"] == b"redis" and info[b"version"] == b"7.0.15"
    assert c.execute_command("CONFIG", "GET", "port") == {b"port": str(radish_server.port).encode()}
    assert c.get("nokey") is None
    c.close()
    # Raw frames: HELLO 3 answers a map; nulls are '_'.
    out = raw(radish_server.port, b"*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n*2\r\n$3\r\nGET\r\n$5\r\nnokey\r\n")
    assert out.startswith(b"%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n")
    assert out.endswith(b"_\r\n")


def test_hello_errors(r):
    with pytest.raises(redis.ResponseError, match="NOPROTO unsupported protocol version"):
        r.execute_command("HELLO", "4")
    with pytest.raises(redis.ResponseError, match="Protocol version is not an integer"):
        r.execute_command("HELLO", "x")


def test_select_and_swapdb(r):
    r.set("a", "0")
    assert r.execute_command("SELECT", "1") is True
    assert r.get("a") is None
    r.set("a", "1")
    assert r.execute_command("SWAPDB", "0", "1") is True
    assert r.get("a") == b"0"
    with pytest.raises(redis.ResponseError, match="DB index is out of range"):
        r.execute_command("SELECT", "16")
    r.execute_command("SELECT", "0")


def test_flushdb_flushall_dbsize(r):
    r.mset({"a": 1, "b": 2})
    assert r.dbsize() == 2
    assert r.execute_command("FLUSHDB", "ASYNC") is True
    assert r.dbsize() == 0
    with pytest.raises(redis.ResponseError, match="syntax error"):
        r.execute_command("FLUSHALL", "NOW")


def test_time(r):
    sec, usec = r.execute_command("TIME")
    assert abs(int(sec) - time.time()) < 5 and 0 <= int(usec) < 1_000_000


def test_client_commands(radish_server):
    a = radish_server.client()
    b = radish_server.client()
    a.client_setname("alpha")
    assert cmd(a, "CLIENT", "GETNAME") == b"alpha"
    with pytest.raises(redis.ResponseError, match="Client names cannot contain spaces"):
        a.execute_command("CLIENT", "SETNAME", "a b")
    ida = a.client_id()
    lines = a.execute_command("CLIENT", "LIST").decode().splitlines()
    mine = [ln for ln in lines if ln.startswith("id=%d " % ida)]
    assert len(mine) == 1 and " name=alpha " in mine[0] and " cmd=client|list " in mine[0]
    assert a.execute_command("CLIENT", "LIST", "ID", ida).decode().startswith("id=%d " % ida)
    assert b.execute_command("CLIENT", "KILL", "ID", ida) == 1
    remaining = b.execute_command("CLIENT", "LIST").decode()
    assert "id=%d " % ida not in remaining
    b.close()


def test_client_kill_addr_and_type(radish_server):
    victim = socket.create_connection(("127.0.0.1", radish_server.port))
    victim.sendall(b"PING\r\n")
    assert victim.recv(100) == b"+PONG\r\n"
    addr = "%s:%d" % victim.getsockname()
    c = radish_server.client()
    assert cmd(c, "CLIENT", "KILL", addr) == b"OK"
    victim.settimeout(3)
    assert victim.recv(100) == b""
    with pytest.raises(redis.ResponseError, match="No such client"):
        c.execute_command("CLIENT", "KILL", addr)
    with pytest.raises(redis.ResponseError, match="Unknown client type 'foo'"):
        c.execute_command("CLIENT", "KILL", "TYPE", "foo")
    c.close()


def test_client_reply_off_and_skip(radish_server):
    out = raw(
        radish_server.port,
        b"CLIENT REPLY OFF\r\nPING\r\nCLIENT REPLY ON\r\nPING\r\nCLIENT REPLY SKIP\r\nECHO a\r\nECHO b\r\n",
    )
    assert out == b"+OK\r\n+PONG\r\n$1\r\nb\r\n"


def test_client_pause_write_blocks_writes_only(radish_server):
    a = radish_server.client()
    b = radish_server.client()
    a.set("k", "v")
    assert cmd(a, "CLIENT", "PAUSE", "300", "WRITE") == b"OK"
    t0 = time.time()
    assert b.get("k") == b"v"  # reads go through at once
    assert time.time() - t0 < 0.25
    b.set("k", "w")  # waits for the pause to end
    assert time.time() - t0 >= 0.25
    assert a.get("k") == b"w"
    with pytest.raises(redis.ResponseError, match="CLIENT PAUSE mode must be WRITE or ALL"):
        a.execute_command("CLIENT", "PAUSE", "10", "SOME")
    a.close()
    b.close()


def test_client_pause_all_pauses_every_command(radish_server):
    a = radish_server.client()
    b = radish_server.client()
    a.set("x", "0")
    assert cmd(a, "CLIENT", "PAUSE", "400", "ALL") == b"OK"
    t0 = time.time()
    assert b.get("x") == b"0"  # even reads wait, as in Redis
    assert time.time() - t0 >= 0.3
    a.close()
    b.close()


def test_client_unpause_releases_writers(radish_server):
    a = radish_server.client()
    b = radish_server.client()
    assert cmd(a, "CLIENT", "PAUSE", "5000", "WRITE") == b"OK"
    done = []

    def writer():
        b.set("x", "1")
        done.append(time.time())

    t = threading.Thread(target=writer)
    t0 = time.time()
    t.start()
    time.sleep(0.3)
    assert not done
    assert cmd(a, "CLIENT", "UNPAUSE") == b"OK"
    t.join(10)
    assert done and done[0] - t0 < 3
    a.close()
    b.close()


def test_auth_and_requirepass():
    s = start_radish("--requirepass", "s3cret")
    try:
        c = s.client()
        with pytest.raises(redis.AuthenticationError):
            c.get("x")
        out = raw(s.port, b"GET x\r\nAUTH wrong\r\nAUTH s3cret\r\nGET x\r\n")
        assert out == (
            b"-NOAUTH Authentication required.\r\n"
            b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
            b"+OK\r\n$-1\r\n"
        )
        ok = redis.Redis(port=s.port, password="s3cret")
        assert ok.ping()
        ok.config_set("requirepass", "")
        assert redis.Redis(port=s.port).ping()
    finally:
        s.stop()


def test_auth_without_password_configured(radish_server):
    out = raw(radish_server.port, b"AUTH x\r\n")
    assert out == (
        b"-ERR AUTH <password> called without any password configured for the default user. "
        b"Are you sure your configuration is correct?\r\n"
    )


def test_info_sections(r):
    info = cmd(r, "INFO").decode()
    for section in ("# Server", "# Clients", "# Memory", "# Persistence", "# Stats", "# Replication", "# CPU", "# Keyspace"):
        assert section in info
    assert "redis_version:7.0.15" in info
    assert re.search(r"master_replid:[0-9a-f]{40}\r\n", info)
    assert "role:master" in info
    r.set("a", "1")
    keyspace = cmd(r, "INFO", "keyspace").decode()
    assert keyspace.startswith("# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0")
    both = cmd(r, "INFO", "server", "clients").decode()
    assert "# Server" in both and "# Clients" in both and "# Memory" not in both
    assert "# Commandstats" in cmd(r, "INFO", "all").decode()
    assert "cmdstat_set:calls=" in cmd(r, "INFO", "commandstats").decode()


def test_errorstats_and_resetstat(r):
    r.config_resetstat()
    with pytest.raises(redis.ResponseError):
        r.execute_command("NOSUCHCMD")
    errs = cmd(r, "INFO", "errorstats").decode()
    assert "errorstat_ERR:count=1" in errs
    r.config_resetstat()
    assert "errorstat_ERR" not in cmd(r, "INFO", "errorstats").decode()


def test_config_get_set(r, radish_server):
    assert r.config_get("maxmemory") == {"maxmemory": "0"}
    r.config_set("maxmemory", "10mb")
    assert r.config_get("maxmemory") == {"maxmemory": "10485760"}
    r.config_set("maxmemory", "0")
    got = r.config_get("hash-max-*-entries")
    assert got == {"hash-max-listpack-entries": "512", "hash-max-ziplist-entries": "512"}
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("CONFIG", "SET", "maxmemory", "abc")
    assert "argument must be a memory value" in str(e.value)
    # Several pairs at once are atomic.
    with pytest.raises(redis.ResponseError):
        r.execute_command("CONFIG", "SET", "hz", "20", "maxmemory", "bad")
    assert r.config_get("hz") == {"hz": "10"}
    r.execute_command("CONFIG", "SET", "hz", "20", "maxmemory", "1mb")
    assert r.config_get("hz") == {"hz": "20"}
    r.execute_command("CONFIG", "SET", "hz", "10", "maxmemory", "0")


def test_command_introspection(r):
    count = cmd(r, "COMMAND", "COUNT")
    assert count >= 60
    info = cmd(r, "COMMAND", "INFO", "get", "nosuch")
    assert info[0][:6] == [b"get", 2, [b"readonly", b"fast"], 1, 1, 1]
    assert info[1] is None
    assert cmd(r, "COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2") == [b"a", b"b"]
    names = cmd(r, "COMMAND", "LIST")
    assert b"config|get" in names and b"set" in names
    assert b"config" in cmd(r, "COMMAND", "LIST", "FILTERBY", "PATTERN", "conf*")
    assert b"get" not in cmd(r, "COMMAND", "LIST", "FILTERBY", "PATTERN", "conf*")
    assert b"get" in cmd(r, "COMMAND", "LIST", "FILTERBY", "ACLCAT", "string")
    docs = cmd(r, "COMMAND", "DOCS", "get")
    if isinstance(docs, dict):
        docs = [k for kv in docs.items() for k in kv]
    assert docs[0] == b"get" and b"Get the value of a key" in str(docs[1]).encode()


def test_many_concurrent_clients(radish_server):
    async def one(i: int) -> None:
        c = aioredis.Redis(port=radish_server.port)
        for j in range(20):
            await c.set(f"cc:{i}:{j}", j)
            assert await c.get(f"cc:{i}:{j}") == str(j).encode()
        await c.aclose()

    async def main() -> None:
        await asyncio.gather(*(one(i) for i in range(200)))

    asyncio.run(main())


def test_pipelining_clients_each_get_their_own_replies_in_order(radish_server):
    """Output is flushed per round for all clients at once: every client
    still gets exactly its replies, in order, also when they close."""
    socks = [socket.create_connection(("127.0.0.1", radish_server.port)) for _ in range(30)]
    expected = []
    for i, s in enumerate(socks):
        req = b"".join(
            b"*2\r\n$4\r\nINCR\r\n$%d\r\n%s\r\n*2\r\n$4\r\nECHO\r\n$%d\r\n%s\r\n"
            % (len(b"ctr:%d" % i), b"ctr:%d" % i, len(b"c%d-%d" % (i, j)), b"c%d-%d" % (i, j))
            for j in range(100)
        )
        expected.append(
            b"".join(b":%d\r\n$%d\r\n%s\r\n" % (j + 1, len(b"c%d-%d" % (i, j)), b"c%d-%d" % (i, j)) for j in range(100))
            + b"+OK\r\n"
        )
        s.sendall(req + b"*1\r\n$4\r\nQUIT\r\n")
    for s, exp in zip(socks, expected, strict=True):
        s.settimeout(5)
        got = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        assert got == exp
        s.close()


def test_slow_reader_does_not_stall_others(radish_server):
    c = radish_server.client()
    c.set("bigval", b"x" * 100_000)
    slow = socket.create_connection(("127.0.0.1", radish_server.port))
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    req = b"*2\r\n$3\r\nGET\r\n$6\r\nbigval\r\n" * 2000  # ~200 MB of replies requested
    slow.setblocking(False)
    sent = 0
    deadline = time.time() + 3
    while sent < len(req) and time.time() < deadline:
        try:
            sent += slow.send(req[sent:])
        except BlockingIOError:
            time.sleep(0.01)
    # The server stops reading from the slow client instead of buffering
    # everything; other clients are served meanwhile.
    t0 = time.time()
    for _ in range(50):
        assert c.ping()
    assert time.time() - t0 < 5
    pid = radish_server.proc.pid
    with open("/proc/%d/status" % pid) as f:
        rss_kb = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
    assert rss_kb < 1_000_000  # far less than the 200 MB x copies it was asked for
    slow.close()
    c.close()


def test_sigterm_shuts_down_cleanly_with_redis_style_logs():
    s = start_radish()
    ready = re.compile(r"^\d+:M \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3} \* Ready to accept connections", re.M)
    deadline = time.time() + 10  # the line follows the listen() the port check saw
    while not ready.search(s.log()) and time.time() < deadline:
        time.sleep(0.05)
    log = s.log()
    assert ready.search(log)
    assert "PID: %d" % s.proc.pid in log
    s.proc.send_signal(signal.SIGTERM)
    assert s.proc.wait(10) == 0
    assert "Received SIGTERM scheduling shutdown" in s.log()


def test_shutdown_command(radish_server):
    s = start_radish()
    c = s.client()
    with pytest.raises(redis.ConnectionError):
        c.execute_command("SHUTDOWN", "NOSAVE")
    assert s.proc.wait(10) == 0


def test_config_file_then_flags_override():
    d = tempfile.mkdtemp()
    inc = os.path.join(d, "inc.conf")
    with open(inc, "w") as f:
        f.write("hz 15\n")
    conf = os.path.join(d, "radish.conf")
    port = free_port()
    with open(conf, "w") as f:
        f.write('# comment\nport 1\ndbfilename "my dump.rdb"\ninclude %s\nmaxmemory 2mb\n' % inc)
    env = subprocess_env()
    p = subprocess.Popen([sys.executable, "-m", "radish", conf, "--port", str(port), "--dir", d],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    try:
        wait_port(port, p)
        c = redis.Redis(port=port, decode_responses=True)
        assert c.config_get("dbfilename") == {"dbfilename": "my dump.rdb"}
        assert c.config_get("hz") == {"hz": "15"}
        assert c.config_get("maxmemory") == {"maxmemory": "2097152"}
        assert c.config_get("dir") == {"dir": os.path.realpath(d)}
        c.config_set("maxmemory", "3mb")
        assert cmd(c, "CONFIG", "REWRITE") == "OK"
        text = open(conf).read()
        assert "# comment" in text and "maxmemory 3mb" in text
        c.execute_command("SHUTDOWN", "NOSAVE")
    except redis.ConnectionError:
        pass
    finally:
        p.wait(10)


@pytest.mark.parametrize(
    "conf,needle",
    [
        ("port abc\n", "argument couldn't be parsed into an integer"),
        ("nosuchdirective 1\n", "Bad directive or wrong number of arguments"),
    ],
)
def test_bad_config_file_exits_nonzero(conf, needle):
    d = tempfile.mkdtemp()
    path = os.path.join(d, "bad.conf")
    with open(path, "w") as f:
        f.write(conf)
    env = subprocess_env()
    p = subprocess.run([sys.executable, "-m", "radish", path], capture_output=True, text=True, env=env, timeout=30)
    assert p.returncode != 0
    assert "FATAL CONFIG FILE ERROR" in p.stderr and needle in p.stderr


def test_missing_dir_exits_nonzero():
    env = subprocess_env()
    p = subprocess.run([sys.executable, "-m", "radish", "--port", str(free_port()), "--dir", "/nonexistent/dir"],
                       capture_output=True, text=True, env=env, timeout=30)
    assert p.returncode != 0


def test_asyncio_client_resp3(radish_server):
    async def main():
        c = aioredis.Redis(port=radish_server.port, protocol=3)
        await c.set("a3", "1")
        assert await c.incr("a3") == 2
        await c.aclose()

    asyncio.run(main())


def test_quit_closes_connection(radish_server):
    out = raw(radish_server.port, b"QUIT\r\nPING\r\n", expect_close=True)
    assert out == b"+OK\r\n"


def test_reset(radish_server):
    out = raw(radish_server.port, b"SELECT 3\r\nCLIENT SETNAME x\r\nRESET\r\nCLIENT GETNAME\r\n")
    assert out == b"+OK\r\n+OK\r\n+RESET\r\n$-1\r\n"


def test_debug_command_gated():
    s = start_radish()
    try:
        c = s.client()
        with pytest.raises(redis.ResponseError, match="DEBUG command not allowed"):
            c.execute_command("DEBUG", "SLEEP", "0")
    finally:
        s.stop()


def test_config_set_port_rebinds():
    s = start_radish()
    try:
        c = s.client()
        busy = socket.socket()
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        with pytest.raises(redis.ResponseError, match="Unable to listen on this port"):
            c.config_set("port", busy.getsockname()[1])
        assert c.ping()  # still serving on the old port
        busy.close()
        new_port = free_port()
        c.config_set("port", new_port)
        moved = redis.Redis(port=new_port)
        assert moved.ping()
        assert moved.config_get("port") == {"port": str(new_port)}
        with pytest.raises(redis.ConnectionError):
            redis.Redis(port=s.port, socket_connect_timeout=1).ping()
    finally:
        s.stop()


def test_instantaneous_ops_per_sec_follows_load(radish_server):
    c = radish_server.client()
    deadline = time.time() + 1.5
    p = c.pipeline(transaction=False)
    while time.time() < deadline:
        for _ in range(200):
            p.ping()
        p.execute()
    stats = c.info("stats")
    assert stats["instantaneous_ops_per_sec"] > 1000
    assert stats["instantaneous_input_kbps"] > 0
