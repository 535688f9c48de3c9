"""radish.config against a real redis-server: CONFIG GET * defaults, CONFIG SET
errors and values, startup error messages, CONFIG REWRITE output.

Skipped only when redis-server is not installed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from tests.support.servers import free_port, wait_port

from radish.config import ConfigError, load_server_config

redis = pytest.importorskip("redis")

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")


class _Reference:
    """A redis-server subprocess started with ``argv`` in ``workdir``."""

    def __init__(self, argv: list[str], workdir: str, port: int) -> None:
        self.port = port
        self.proc = subprocess.Popen(
            [REDIS_SERVER, *argv], cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_port(port, self.proc, timeout=10)
        self.client = redis.Redis(port=port)

    def config_get(self, pattern: str) -> dict[bytes, bytes]:
        reply = self.client.execute_command("CONFIG", "GET", pattern)
        if isinstance(reply, dict):
            return dict(reply)
        return dict(zip(reply[::2], reply[1::2], strict=True))

    def stop(self) -> None:
        self.client.close()
        self.proc.terminate()
        self.proc.wait(10)


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """(reference, our Config) started from the same command line."""
    workdir = str(tmp_path_factory.mktemp("ref"))
    port = free_port()
    argv = ["--port", str(port), "--save", "", "--dir", workdir]
    ref = _Reference(argv, workdir, port)
    ours = load_server_config(argv)
    yield ref, ours
    ref.stop()


def test_config_get_everything_matches(pair) -> None:
    ref, ours = pair
    theirs = ref.config_get("*")
    mine = dict(ours.get_matching([b"*"]))
    # Machine-specific: redis-server lowers maxclients to what the open-files
    # limit allows; compare it only when it was not lowered.
    if theirs.get(b"maxclients") != b"10000":
        theirs.pop(b"maxclients")
        mine.pop(b"maxclients")
    assert sorted(mine) == sorted(theirs)
    differences = {k: (theirs[k], mine[k]) for k in theirs if theirs[k] != mine[k]}
    assert differences == {}


def test_hidden_configs_match(pair) -> None:
    ref, ours = pair
    names = ["rdb-key-save-delay", "key-load-delay", "use-exit-on-panic", "watchdog-period",
             "loading-process-events-interval-bytes"]  # fmt: skip
    for name in names:
        assert ref.config_get(name) == dict(ours.get_matching([name.encode()]))
    assert ref.config_get("rdb-key*") == {}
    assert ours.get_matching([b"rdb-key*"]) == []


SET_CASES = [
    ["maxmemory", "1k"], ["maxmemory", "1KB"], ["maxmemory", "1g"], ["maxmemory", ""],
    ["maxmemory", "99999999999999999999999"], ["maxmemory", "17179869185gb"], ["maxmemory", "-1"],
    ["maxmemory", "1.5mb"], ["maxmemory", "0"],
    ["port", "abc"], ["port", "70000"], ["port", "01"], ["port", "+1"], ["port", "-0"], ["port", " 1"],
    ["appendonly", "maybe"], ["loglevel", "foo"], ["loglevel", "WARNING"], ["loglevel", "notice"],
    ["save", "1 2 3"], ["save", "abc"], ["save", "3600 1 300 100"], ["save", " 1 0"], ["save", "1 "],
    ["save", "1 4294967297"], ["save", ""],
    ["hz", "1000"], ["hz", "0"], ["hz", "10"],
    ["maxmemory-clients", "50%"], ["maxmemory-clients", "200%"], ["maxmemory-clients", "-5"],
    ["maxmemory-clients", "0%"], ["maxmemory-clients", "1.5%"], ["maxmemory-clients", "%"],
    ["maxmemory-clients", "0"],
    ["foo", "bar"], ["daemonize", "yes"], ["maxmemory", "1k", "maxmemory", "2k"],
    ["maxmemory", "1k", "MAXMEMORY", "2k"], ["dir", "/tmp"], ["dbfilename", "x"],
    ["maxmemory", "1k", "foo", "bar"], ["foo", "bar", "maxmemory", "abc"], ["daemonize", "yes", "foo", "bar"],
    ["maxmemory", "1k", "daemonize", "yes"], ["save", "10 1 20 2", "maxmemory", "abc"],
    ["proto-max-bulk-len", "10000000000000000000"], ["proto-max-bulk-len", "1"], ["slowlog-max-len", "-1"],
    ["hash-max-listpack-entries", "-1"], ["maxclients", "0"], ["maxclients", "-1"],
    ["slowlog-log-slower-than", "-2"], ["list-max-listpack-size", "3000000000"], ["repl-backlog-ttl", "-1"],
    ["timeout", "1.5"], ["replica-read-only", "no", "slave-read-only", "yes"], ["SLAVE-read-only", "maybe"],
    ["MAXMEMORY", "abc"], ["appendfilename", "x"], ["list-max-ziplist-entries", "5"],
    ["proc-title-template", "{foo}"], ["proc-title-template", "{title}"], ["proc-title-template", "}"],
    ["proc-title-template", "a{"], ["proc-title-template", "{{title}}"],
    ["proc-title-template", "{title} {listen-addr} {server-mode}"],
    ["cluster-announce-hostname", "a_b"], ["cluster-announce-hostname", "abc-1.x"],
    ["cluster-announce-hostname", ""], ["activedefrag", "yes"], ["unixsocketperm", "777"],
    ["client-output-buffer-limit", "foo 1 2 3"], ["client-output-buffer-limit", "normal 1 2"],
    ["client-output-buffer-limit", "normal 1x 2 3"], ["client-output-buffer-limit", "normal 1k 2mb 3 pubsub 1 2 3"],
    ["client-output-buffer-limit", "replica 1 2 3"], ["client-output-buffer-limit", "master 1 2 3"],
    ["client-output-buffer-limit", ""], ["client-output-buffer-limit", "NORMAL 0 0 -1"],
    ["client-output-buffer-limit", "normal 0 0 +5"], ["client-output-buffer-limit", "normal 0 0 2147483648"],
    ["client-output-buffer-limit", "normal 0 0 0 slave 256mb 64mb 60 pubsub 32mb 8mb 60"],
    ["notify-keyspace-events", "KEA"], ["notify-keyspace-events", "Ex"], ["notify-keyspace-events", "q"],
    ["notify-keyspace-events", "g$lshzxet"], ["notify-keyspace-events", "g$lshzxetd"],
    ["notify-keyspace-events", "dnmKE"], ["notify-keyspace-events", "nKEA"], ["notify-keyspace-events", ""],
    ["oom-score-adj-values", "1 2"], ["oom-score-adj-values", "1 2 x"], ["oom-score-adj-values", "1 2 3000"],
    ["oom-score-adj-values", " 1 2 3"], ["oom-score-adj-values", "+1 -2 3"], ["oom-score-adj-values", "0 200 800"],
    ["oom-score-adj", "relative"], ["oom-score-adj", "foo"], ["oom-score-adj", "no"],
    ["latency-tracking-info-percentiles", "50 abc"], ["latency-tracking-info-percentiles", "101"],
    ["latency-tracking-info-percentiles", "1e1 0x10 +5 .5"], ["latency-tracking-info-percentiles", "nan"],
    ["latency-tracking-info-percentiles", "5 "], ["latency-tracking-info-percentiles", ""],
    ["latency-tracking-info-percentiles", "99.99 1.5 0 100"], ["latency-tracking-info-percentiles", "inf"],
    ["latency-tracking-info-percentiles", "1e-400"], ["latency-tracking-info-percentiles", "5e-324 0x1p-1074"],
    ["latency-tracking-info-percentiles", "50 99 99.9"],
    ["shutdown-on-sigint", "nosave now"], ["shutdown-on-sigint", "now nosave force"],
    ["shutdown-on-sigint", "save nosave"], ["shutdown-on-sigint", "default now"], ["shutdown-on-sigint", "foo"],
    ["shutdown-on-sigint", ""], ["shutdown-on-sigint", "NOW"], ["shutdown-on-sigint", "default"],
    ["propagation-error-behavior", "x"], ["replica-ignore-disk-write-errors", "x"], ["loglevel", "notice warning"],
    ["bind", "a b c d e f g h i j k l m n o p q"], ["replicaof", "no one"], ["slaveof", "127.0.0.1 6379"],
    ["socket-mark-id", "5"], ["acl-pubsub-default", "ALLCHANNELS"], ["acl-pubsub-default", "resetchannels"],
    ["tls-auth-clients", "x"], ["sanitize-dump-payload", "clients"], ["sanitize-dump-payload", "no"],
    ["repl-backlog-size", "0"], ["repl-backlog-size", "1mb"], ["active-defrag-ignore-bytes", "0"],
    ["active-defrag-max-scan-fields", "0"], ["busy-reply-threshold", "-1"], ["lua-time-limit", "6000"],
    ["busy-reply-threshold", "5000"], ["cluster-link-sendbuf-limit", "-1"], ["stream-node-max-bytes", "4kb"],
    ["stream-node-max-bytes", "4096"], ["tracking-table-max-keys", "1k"], ["client-query-buffer-limit", "1mb"],
    ["client-query-buffer-limit", "1gb"], ["client-query-buffer-limit", "1000"], ["rdb-key-save-delay", "-5"],
    ["rdb-key-save-delay", "0"], ["watchdog-period", "-1"], ["replica-announce-ip", "1.2.3.4"],
    ["replica-announce-ip", ""], ["masteruser", "x"], ["masteruser", ""], ["maxmemory-samples", "0"],
    ["active-expire-effort", "11"], ["io-threads", "2"], ["requirepass", ""],
]  # fmt: skip


@pytest.mark.parametrize("args", SET_CASES, ids=lambda a: " ".join(a))
def test_config_set_matches(pair, args: list[str]) -> None:
    ref, ours = pair
    pairs = [(args[i].encode(), args[i + 1].encode()) for i in range(0, len(args), 2)]
    try:
        ref.client.execute_command("CONFIG", "SET", *args)
        expected = "OK"
    except redis.ResponseError as e:
        expected = str(e)
    try:
        ours.set_many(pairs)
        got = "OK"
    except ConfigError as e:
        got = str(e)
    assert got == expected
    for name, _ in pairs:
        assert dict(ours.get_matching([name])) == ref.config_get(name.decode())


STARTUP_FILES = [
    'port "abc"\n', "# c\nfoo bar\n", "port 1 2\n", 'port "1\n', 'port "1"x\n', "maxmemory 1x\n",
    "loglevel foo\n", "include /nonexistent-radish.conf\n", "save 1\n", "dir /nonexistent-radish\n",
    "replicaof 1.2.3.4\n", "replicaof 1.2.3.4 99999\n", 'replicaof "1.2.3.4 99999"\n',
    "  # comment\n\t\n   hz 5   \r\nPORT  x\n", "a.b\n", "sentinel foo\n", "list-max-ziplist-entries 1 2\n",
    "rename-command foo\n", "cluster-enabled yes\nreplicaof 1.2.3.4 5\n", "logfile /nonexistent-radish/x.log\n",
    'shutdown-on-sigint "save nosave"\n', "bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n",
    "requirepass 'abc\n", "unixsocketperm 8\n", "unixsocketperm 1000\n", 'oom-score-adj-values "1 2"\n',
    "client-output-buffer-limit normal 1 2 3 4\n", 'notify-keyspace-events "KEA" x\n', "hz\n",
    "save\nport x\n",
]  # fmt: skip

STARTUP_ARGV = [
    ["--port", "abc"], ["--port", "7000", "--foo", "1"], ["--replicaof", "1.2.3.4 99999"],
    ["--replicaof", "1.2.3.4", "99999"], ["--save", "--port", "abc"], ["--port", "--save"],
    ["--port", "1", "2", "3"], ["--port", "1 2"], ["--port"], ["--save", "1", "2", "3"], ["--port abc"],
    ["--maxmemory", "1x", "--port", "2"], ["--nonexistent-radish.conf"], ["--requirepass", "a\nb", "--hz", "x"],
    ["--loglevel", '"x'], ["--notify-keyspace-events", "K\x01"], ["--sentinel", "--port", "x"],
]  # fmt: skip

_LOG_PREFIX = re.compile(r"^\d+:[CM] .*? [#*] ", re.M)


def _reference_startup_error(argv: list[str], cwd: str) -> str:
    proc = subprocess.run(
        [REDIS_SERVER, *argv], cwd=cwd, capture_output=True, timeout=20, stdin=subprocess.DEVNULL
    )
    assert proc.returncode == 1
    return _LOG_PREFIX.sub("", (proc.stderr + proc.stdout).decode()).strip()


def _our_startup_error(argv: list[str]) -> str:
    with pytest.raises(ConfigError) as info:
        load_server_config(argv)
    return str(info.value)


@pytest.mark.parametrize("text", STARTUP_FILES)
def test_config_file_errors_match(tmp_path, text: str) -> None:
    path = tmp_path / "redis.conf"
    path.write_text(text)
    # "--port 0" after the file: should the file ever load, the reference
    # server exits ("not listening anywhere") instead of taking a port.
    argv = [str(path), "--port", "0"]
    assert _our_startup_error(argv) == _reference_startup_error(argv, str(tmp_path))


@pytest.mark.parametrize("argv", STARTUP_ARGV, ids=lambda a: " ".join(a))
def test_command_line_errors_match(tmp_path, argv: list[str]) -> None:
    assert _our_startup_error(argv) == _reference_startup_error(argv, str(tmp_path))


def test_startup_values_match(tmp_path) -> None:
    (tmp_path / "inc.conf").write_text("hz 7\n")
    (tmp_path / "sub").mkdir()
    port = free_port()
    path = tmp_path / "redis.conf"
    path.write_text(
        "# hello\n"
        "port %d\n"
        "include %s\n"
        "save 900 1\n"
        "save 300 10\n"
        'requirepass "p w\\x41"\n'
        "maxmemory 2MB\n"
        "notify-keyspace-events 'KEA'\n"
        "client-output-buffer-limit replica 1mb 2mb 3 pubsub 1 2 3\n"
        'oom-score-adj-values "1 2 3"\n'
        "list-max-ziplist-entries 5\n"
        'shutdown-on-sigterm "nosave now"\n'
        "lua-time-limit 100\n"
        "maxmemory-clients 10%%\n"
        "dir sub\n" % (port, tmp_path / "inc.conf")
    )
    argv = [str(path), "--hz", "1000", "--bind", "127.0.0.1", "--save", "5", "5", "--timeout", "7"]
    ref = _Reference(argv, str(tmp_path), port)
    try:
        ref.client = redis.Redis(port=port, password="p wA")
        theirs = ref.config_get("*")
    finally:
        ref.stop()
    cwd = os.getcwd()
    os.chdir(tmp_path)  # the reference resolves relative paths against its cwd
    try:
        mine = dict(load_server_config(argv).get_matching([b"*"]))
    finally:
        os.chdir(cwd)
    if theirs.get(b"maxclients") != b"10000":  # lowered by the open-files limit
        theirs.pop(b"maxclients")
        mine.pop(b"maxclients")
    assert mine == theirs


def test_rewrite_matches(tmp_path) -> None:
    port = free_port()
    (tmp_path / "inc.conf").write_text("hz 11\n")
    content = (
        '# top comment\nport %d\ninclude %s\nrename-command FLUSHALL ""\nSLAVE-READ-ONLY no\n'
        "maxmemory 2mb\n\n\n# another comment\nsave 900 1\nsave 300 10\nlist-max-ziplist-entries 5\n"
        'dbfilename dump.rdb\nloglevel notice\nbind * -::*\nrequirepass ""\nslaveof 127.0.0.1 1\n'
        'client-output-buffer-limit normal 0 0 0\nlua-time-limit 100\nunixsocket ""\nhz 5\n'
        % (port, tmp_path / "inc.conf")
    )
    sets = ["maxmemory", "3mb", "loglevel", "warning", "bind", "127.0.0.1", "notify-keyspace-events", "Ex",
            "busy-reply-threshold", "200", "maxmemory-clients", "5%", "oom-score-adj-values", "1 2 3",
            "client-output-buffer-limit", "pubsub 1mb 0 0", "hz", "10"]  # fmt: skip
    theirs_path, ours_path = tmp_path / "theirs.conf", tmp_path / "ours.conf"
    theirs_path.write_text(content)
    ours_path.write_text(content)
    ref = _Reference([str(theirs_path)], str(tmp_path), port)
    try:
        ref.client.execute_command("CONFIG", "SET", *sets)
        ref.client.execute_command("CONFIG", "REWRITE")
    finally:
        ref.stop()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        cfg = load_server_config([str(ours_path)])
        cfg.set_many([(sets[i].encode(), sets[i + 1].encode()) for i in range(0, len(sets), 2)])
        cfg.rewrite()
    finally:
        os.chdir(cwd)
    # The ACL user line is written by the server (Config.rewrite(extra=...)),
    # and Redis appends new lines in hash-table order: compare them as a set.
    theirs = [line for line in theirs_path.read_text().split("\n") if not line.startswith("user ")]
    mine = ours_path.read_text().split("\n")
    signature = "# Generated by CONFIG REWRITE"
    t, m = theirs.index(signature), mine.index(signature)
    assert mine[:m] == theirs[:t]
    assert sorted(mine[m:]) == sorted(theirs[t:])
