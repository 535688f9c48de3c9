"""radish.config: the parameter table, CONFIG GET/SET/REWRITE semantics and the
redis-server command line / redis.conf loader.  Expected texts are Redis 7.0.15's."""

from __future__ import annotations

import io
import os
import re
import stat

import pytest
from tests.support.servers import subprocess_env

from radish.config import (
    PARAMS,
    CommandLineRequest,
    Config,
    ConfigError,
    ConfigLoadingError,
    HelpRequested,
    VersionRequested,
    load_server_config,
    memtoull,
)

SET_FAILED = "CONFIG SET failed (possibly related to argument '%s') - %s"


def get(cfg: Config, name: str) -> bytes:
    pairs = dict(cfg.get_matching([name.encode()]))
    return pairs[name.encode()]


def set_error(cfg: Config, *args: str, **kw) -> str:
    pairs = [(args[i].encode(), args[i + 1].encode()) for i in range(0, len(args), 2)]
    with pytest.raises(ConfigError) as info:
        cfg.set_many(pairs, **kw)
    return str(info.value)


def cfg_set(cfg: Config, *args: str, **kw) -> None:
    cfg.set_many([(args[i].encode(), args[i + 1].encode()) for i in range(0, len(args), 2)], **kw)


def load_file(tmp_path, text: str, *extra: str, name: str = "redis.conf") -> Config:
    path = tmp_path / name
    path.write_text(text)
    return load_server_config([str(path), *extra])


def load_error(argv: list[str], stdin: bytes = b"") -> str:
    with pytest.raises(ConfigError) as info:
        load_server_config(argv, stdin=io.BytesIO(stdin))
    return str(info.value)


def fatal(linenum: int, line: str, message: str) -> str:
    return (
        "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
        "Reading the configuration file, at line %d\n>>> '%s'\n%s" % (linenum, line, message)
    )


# -- the table and defaults ----------------------------------------------------------------


def test_table_names_are_unique() -> None:
    names = [p.name for p in PARAMS] + [p.alias for p in PARAMS if p.alias]
    assert len(names) == len(set(names))
    assert len(names) == 197  # 192 in CONFIG GET * plus 5 hidden ones


@pytest.mark.parametrize(
    "name,text",
    [
        ("port", b"6379"),
        ("bind", b"* -::*"),
        ("save", b"3600 1 300 100 60 10000"),
        ("appendonly", b"no"),
        ("protected-mode", b"yes"),
        ("maxmemory", b"0"),
        ("maxmemory-policy", b"noeviction"),
        ("maxmemory-clients", b"0"),
        ("proto-max-bulk-len", b"536870912"),
        ("client-query-buffer-limit", b"1073741824"),
        ("repl-backlog-size", b"1048576"),
        ("auto-aof-rewrite-min-size", b"67108864"),
        (
            "client-output-buffer-limit",
            b"normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
        ),
        ("oom-score-adj-values", b"0 200 800"),
        ("latency-tracking-info-percentiles", b"50 99 99.9"),
        ("notify-keyspace-events", b""),
        ("replicaof", b""),
        ("slaveof", b""),
        ("requirepass", b""),
        ("dbfilename", b"dump.rdb"),
        ("appenddirname", b"appendonlydir"),
        ("unixsocketperm", b"0"),
        ("loglevel", b"notice"),
        ("hz", b"10"),
        ("databases", b"16"),
        ("list-max-listpack-size", b"-2"),
        ("list-max-ziplist-size", b"-2"),
        ("slowlog-log-slower-than", b"10000"),
        ("shutdown-on-sigint", b"default"),
        ("enable-debug-command", b"no"),
        ("proc-title-template", b"{title} {listen-addr} {server-mode}"),
        ("acl-pubsub-default", b"resetchannels"),
    ],
)
def test_defaults_render_like_redis(name: str, text: bytes) -> None:
    assert get(Config(), name) == text


def test_default_attributes() -> None:
    cfg = Config()
    assert cfg.port == 6379
    assert cfg.bind == ["*", "-::*"]
    assert cfg.save == [(3600, 1), (300, 100), (60, 10000)]
    assert cfg.dir == os.getcwd()
    assert cfg.get_matching([b"dir"]) == [(b"dir", os.getcwd().encode())]
    assert cfg.requirepass == ""
    assert cfg.replicaof is None
    assert cfg.appendonly is False
    assert cfg.replica_read_only is True
    assert cfg.enable_debug_command == "no"
    assert cfg.client_output_buffer_limit["replica"] == (256 << 20, 64 << 20, 60)
    assert cfg.config_file is None
    assert not cfg.is_changed("port")


def test_instances_do_not_share_mutable_defaults() -> None:
    a, b = Config(), Config()
    a.bind.append("x")
    a.save.clear()
    assert b.bind == ["*", "-::*"]
    assert b.save == [(3600, 1), (300, 100), (60, 10000)]


# -- value parsing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,value",
    [
        (b"0", 0),
        (b"", 0),
        (b"b", 0),
        (b"kb", 0),
        (b"100", 100),
        (b"5B", 5),
        (b"1k", 1000),
        (b"1K", 1000),
        (b"1kb", 1024),
        (b"1KB", 1024),
        (b"2m", 2_000_000),
        (b"2mb", 2 << 20),
        (b"1g", 1_000_000_000),
        (b"1gb", 1 << 30),
        (b"1Gb", 1 << 30),
        (b"99999999999999999999999", 2**64 - 1),  # strtoull saturates
        (b"17179869185gb", 1 << 30),  # the product wraps
        (b"-1", None),
        (b"1.5mb", None),
        (b"1 mb", None),
        (b" 1", None),
        (b"+1", None),
        (b"1t", None),
        (b"1kbb", None),
    ],
)
def test_memtoull(text: bytes, value: int | None) -> None:
    assert memtoull(text) == value


def test_memory_values_render_as_plain_bytes() -> None:
    cfg = Config()
    cfg_set(cfg, "maxmemory", "1gb", "maxmemory-clients", "1kb", "stream-node-max-bytes", "4k")
    assert get(cfg, "maxmemory") == b"1073741824"
    assert cfg.maxmemory == 1 << 30
    assert get(cfg, "maxmemory-clients") == b"1024"
    assert get(cfg, "stream-node-max-bytes") == b"4000"


def test_percent_values() -> None:
    cfg = Config()
    cfg_set(cfg, "maxmemory-clients", "50%")
    assert cfg.maxmemory_clients == -50
    assert get(cfg, "maxmemory-clients") == b"50%"
    cfg_set(cfg, "maxmemory-clients", "0%")
    assert get(cfg, "maxmemory-clients") == b"0"
    assert set_error(cfg, "maxmemory-clients", "200%") == SET_FAILED % (
        "maxmemory-clients",
        "percentage argument must be less or equal to 100",
    )
    assert set_error(cfg, "maxmemory-clients", "-5") == SET_FAILED % (
        "maxmemory-clients",
        "argument must be a memory or percent value",
    )


@pytest.mark.parametrize(
    "name,value,message",
    [
        ("appendonly", "maybe", "argument must be 'yes' or 'no'"),
        (
            "loglevel",
            "foo",
            "argument(s) must be one of the following: debug, verbose, notice, warning",
        ),
        (
            "loglevel",
            "notice warning",
            "argument(s) must be one of the following: debug, verbose, notice, warning",
        ),
        (
            "maxmemory-policy",
            "lru",
            "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, "
            "volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction",
        ),
        (
            "appendfsync",
            "sometimes",
            "argument(s) must be one of the following: everysec, always, no",
        ),
        ("port", "abc", "argument couldn't be parsed into an integer"),
        ("port", "01", "argument couldn't be parsed into an integer"),
        ("port", "+1", "argument couldn't be parsed into an integer"),
        ("port", "-0", "argument couldn't be parsed into an integer"),
        ("port", " 1", "argument couldn't be parsed into an integer"),
        ("timeout", "1.5", "argument couldn't be parsed into an integer"),
        ("port", "70000", "argument must be between 0 and 65535 inclusive"),
        ("port", "99999999999999999999", "argument couldn't be parsed into an integer"),
        (
            "list-max-listpack-size",
            "3000000000",
            "argument must be between -2147483648 and 2147483647 inclusive",
        ),
        (
            "slowlog-log-slower-than",
            "-2",
            "argument must be between -1 and 9223372036854775807 inclusive",
        ),
        ("slowlog-max-len", "-1", "argument must be between 0 and 9223372036854775807 inclusive"),
        (
            "hash-max-listpack-entries",
            "-1",
            "argument must be between 0 and 9223372036854775807 inclusive",
        ),
        ("maxclients", "0", "argument must be between 1 and 4294967295 inclusive"),
        ("maxclients", "-1", "argument must be between 1 and 4294967295 inclusive"),
        ("maxmemory", "abc", "argument must be a memory value"),
        ("maxmemory", "-1", "argument must be a memory value"),
        (
            "proto-max-bulk-len",
            "1",
            "argument must be between 1048576 and 9223372036854775807 inclusive",
        ),
        (
            "proto-max-bulk-len",
            "10000000000000000000",
            "argument must be between 1048576 and 9223372036854775807 inclusive",
        ),
        ("save", "1 2 3", "Invalid save parameters"),
        ("save", "0 1", "Invalid save parameters"),
        ("save", "1 -1", "Invalid save parameters"),
        ("save", " 1 0", "Invalid save parameters"),
        ("dbfilename", "a/b", None),  # protected: checked before the value
        (
            "cluster-announce-hostname",
            "a_b",
            "Hostnames may only contain alphanumeric characters, hyphens or dots",
        ),
        (
            "proc-title-template",
            "{foo}",
            "template format is invalid or contains unknown variables",
        ),
        (
            "proc-title-template",
            "{title}",
            "template format is invalid or contains unknown variables",
        ),
        ("proc-title-template", "a{", "template format is invalid or contains unknown variables"),
        ("notify-keyspace-events", "q", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."),
        (
            "client-output-buffer-limit",
            "normal 1 2",
            "Wrong number of arguments in buffer limit configuration.",
        ),
        (
            "client-output-buffer-limit",
            "master 1 2 3",
            "Invalid client class specified in buffer limit configuration.",
        ),
        (
            "client-output-buffer-limit",
            "normal 1x 2 3",
            "Error in hard, soft or soft_seconds setting in buffer limit configuration.",
        ),
        (
            "client-output-buffer-limit",
            "normal 0 0 -1",
            "Error in hard, soft or soft_seconds setting in buffer limit configuration.",
        ),
        ("oom-score-adj-values", "1 2", "wrong number of arguments"),
        (
            "oom-score-adj-values",
            "1 2 3000",
            "Invalid oom-score-adj-values, elements must be between -2000 and 2000.",
        ),
        (
            "latency-tracking-info-percentiles",
            "50 abc",
            "Invalid latency-tracking-info-percentiles parameters",
        ),
        (
            "latency-tracking-info-percentiles",
            "101",
            "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]",
        ),
        (
            "shutdown-on-sigint",
            "save nosave",
            "shutdown options SAVE and NOSAVE can't be used simultaneously",
        ),
        (
            "shutdown-on-sigint",
            "",
            "argument(s) must be one of the following: default, save, nosave, now, force",
        ),
        ("bind", "a b c d e f g h i j k l m n o p q", "Too many bind addresses specified."),
        (
            "activedefrag",
            "yes",
            "Active defragmentation cannot be enabled: it requires a Redis server compiled with a "
            "modified Jemalloc like the one shipped by default with the Redis source distribution",
        ),
    ],
)
def test_set_errors(name: str, value: str, message: str | None) -> None:
    cfg = Config()
    if message is None:
        message = "can't set protected config"
        assert set_error(cfg, name, value) == SET_FAILED % (name, message)
        return
    before = get(cfg, name)
    assert set_error(cfg, name, value) == SET_FAILED % (name, message)
    assert get(cfg, name) == before


def test_values_that_parse() -> None:
    cfg = Config()
    cfg_set(cfg, "loglevel", "WARNING", "appendonly", "YES", "oom-score-adj", "relative")
    assert (cfg.loglevel, cfg.appendonly, cfg.oom_score_adj) == ("warning", True, "yes")
    cfg_set(cfg, "save", "3600 1 300 100")
    assert cfg.save == [(3600, 1), (300, 100)]
    cfg_set(cfg, "save", "")
    assert cfg.save == [] and get(cfg, "save") == b""
    cfg_set(cfg, "client-output-buffer-limit", "normal 1k 2mb 3 pubsub 1 2 3")
    assert get(cfg, "client-output-buffer-limit") == (
        b"normal 1000 2097152 3 slave 268435456 67108864 60 pubsub 1 2 3"
    )
    cfg_set(cfg, "client-output-buffer-limit", "replica 1 2 +5")
    assert cfg.client_output_buffer_limit["replica"] == (1, 2, 5)
    cfg_set(cfg, "notify-keyspace-events", "KEA")
    assert get(cfg, "notify-keyspace-events") == b"AKE"
    cfg_set(cfg, "notify-keyspace-events", "Ex")
    assert get(cfg, "notify-keyspace-events") == b"xE"
    cfg_set(cfg, "notify-keyspace-events", "dnmKE")
    assert get(cfg, "notify-keyspace-events") == b"dnKEm"
    cfg_set(cfg, "oom-score-adj-values", "+1 -2 3")
    assert cfg.oom_score_adj_values == (1, -2, 3)
    cfg_set(cfg, "latency-tracking-info-percentiles", "1e1 0x10 +5 .5 99.99")
    assert get(cfg, "latency-tracking-info-percentiles") == b"10 16 5 0.5 99.99"
    cfg_set(cfg, "shutdown-on-sigint", "now nosave force")
    assert get(cfg, "shutdown-on-sigint") == b"nosave now force"
    cfg_set(cfg, "shutdown-on-sigint", "default now")
    assert get(cfg, "shutdown-on-sigint") == b"now"
    cfg_set(cfg, "bind", "127.0.0.1 -::1")
    assert cfg.bind == ["127.0.0.1", "-::1"]
    cfg_set(cfg, "bind", "")
    assert cfg.bind == []
    cfg_set(cfg, "requirepass", "s3cr3t")
    assert cfg.requirepass == "s3cr3t"
    cfg_set(cfg, "requirepass", "")
    assert cfg.requirepass == ""


def test_hz_is_capped() -> None:
    cfg = Config()
    cfg_set(cfg, "hz", "1000")
    assert cfg.hz == 500 and get(cfg, "hz") == b"500"
    cfg_set(cfg, "hz", "0")
    assert cfg.hz == 1


# -- CONFIG SET: names, flags, atomicity, hooks --------------------------------------------


def test_set_name_errors() -> None:
    cfg = Config()
    assert (
        set_error(cfg, "foo", "bar")
        == "Unknown option or number of arguments for CONFIG SET - 'foo'"
    )
    assert set_error(cfg, "daemonize", "yes") == SET_FAILED % (
        "daemonize",
        "can't set immutable config",
    )
    assert set_error(cfg, "slaveof", "no one") == SET_FAILED % (
        "slaveof",
        "can't set immutable config",
    )
    assert set_error(cfg, "maxmemory", "1k", "maxmemory", "2k") == SET_FAILED % (
        "maxmemory",
        "duplicate parameter",
    )
    assert set_error(cfg, "maxmemory", "1k", "MAXMEMORY", "2k") == SET_FAILED % (
        "MAXMEMORY",
        "duplicate parameter",
    )
    # the first problem found wins
    assert set_error(cfg, "maxmemory", "abc", "foo", "bar") == (
        "Unknown option or number of arguments for CONFIG SET - 'foo'"
    )
    assert set_error(cfg, "daemonize", "yes", "foo", "bar") == SET_FAILED % (
        "daemonize",
        "can't set immutable config",
    )
    assert set_error(cfg, "maxmemory", "1k", "daemonize", "yes") == SET_FAILED % (
        "daemonize",
        "can't set immutable config",
    )
    # a value error names the parameter as the table spells it
    assert set_error(cfg, "MAXMEMORY", "abc") == SET_FAILED % (
        "maxmemory",
        "argument must be a memory value",
    )
    assert set_error(cfg, "SLAVE-read-only", "maybe") == SET_FAILED % (
        "slave-read-only",
        "argument must be 'yes' or 'no'",
    )
    assert set_error(cfg, "list-max-ziplist-entries", "5") == (
        "Unknown option or number of arguments for CONFIG SET - 'list-max-ziplist-entries'"
    )
    assert cfg.maxmemory == 0


def test_alias_and_name_are_not_duplicates() -> None:
    cfg = Config()
    cfg_set(cfg, "replica-read-only", "yes", "slave-read-only", "no")
    assert cfg.replica_read_only is False
    assert get(cfg, "replica-read-only") == get(cfg, "slave-read-only") == b"no"
    cfg_set(cfg, "lua-time-limit", "100")
    assert cfg.busy_reply_threshold == 100


def test_protected_configs(tmp_path) -> None:
    cfg = Config()
    assert set_error(cfg, "dir", str(tmp_path)) == SET_FAILED % (
        "dir",
        "can't set protected config",
    )
    cfg.enable_protected_configs = "local"
    assert set_error(cfg, "dbfilename", "x.rdb") == SET_FAILED % (
        "dbfilename",
        "can't set protected config",
    )
    cfg_set(cfg, "dbfilename", "x.rdb", local_client=True)
    assert cfg.dbfilename == "x.rdb"
    cfg.enable_protected_configs = "yes"
    assert set_error(cfg, "dbfilename", "a/b") == SET_FAILED % (
        "dbfilename",
        "dbfilename can't be a path, just a filename",
    )
    cfg_set(cfg, "dbfilename", "")
    assert cfg.dbfilename == ""


def test_dir_validates_without_chdir(tmp_path) -> None:
    cfg = Config()
    cfg.enable_protected_configs = "yes"
    cwd = os.getcwd()
    assert set_error(cfg, "dir", str(tmp_path / "missing")) == SET_FAILED % (
        "dir",
        "No such file or directory",
    )
    assert set_error(cfg, "dir", "") == SET_FAILED % ("dir", "No such file or directory")
    (tmp_path / "file").write_text("x")
    assert set_error(cfg, "dir", str(tmp_path / "file")) == SET_FAILED % ("dir", "Not a directory")
    (tmp_path / "sub").mkdir()
    seen = []
    cfg.on_change("dir", seen.append)
    cfg_set(cfg, "dir", str(tmp_path))
    cfg_set(cfg, "dir", "sub")  # relative to the current dir
    assert cfg.dir == os.path.realpath(tmp_path / "sub")
    assert seen == [os.path.realpath(tmp_path), os.path.realpath(tmp_path / "sub")]
    assert os.getcwd() == cwd


def test_loading_denies_some_configs() -> None:
    cfg = Config()
    with pytest.raises(ConfigLoadingError):
        cfg_set(cfg, "appendonly", "yes", loading=True)
    cfg_set(cfg, "maxmemory", "1mb", loading=True)
    assert cfg.appendonly is False and cfg.maxmemory == 1 << 20


def test_set_many_is_atomic() -> None:
    cfg = Config()
    before = dict(cfg.get_matching([b"*"]))
    assert set_error(
        cfg, "save", "10 1 20 2", "maxmemory", "1mb", "hz", "20", "port", "abc"
    ) == SET_FAILED % (
        "port",
        "argument couldn't be parsed into an integer",
    )
    assert dict(cfg.get_matching([b"*"])) == before


def test_hooks_run_only_on_change_with_new_value() -> None:
    cfg = Config()
    calls = []
    cfg.on_change("maxmemory", lambda v: calls.append(("maxmemory", v)))
    cfg.on_change(
        "slave-read-only", lambda v: calls.append(("ro", v))
    )  # alias registers the parameter
    cfg_set(cfg, "maxmemory", "0")
    assert calls == []
    cfg_set(cfg, "maxmemory", "1kb", "replica-read-only", "no")
    assert calls == [("maxmemory", 1024), ("ro", False)]


def test_failing_hook_rolls_everything_back() -> None:
    cfg = Config()
    applied = {}

    def apply_maxmemory(v):
        applied["maxmemory"] = v

    def refuse_port(v):
        raise ConfigError("Unable to listen on this port. Check server logs.")

    cfg.on_change("maxmemory", apply_maxmemory)
    cfg.on_change("port", refuse_port)
    msg = set_error(cfg, "maxmemory", "1mb", "port", "7000", "hz", "20")
    assert msg == SET_FAILED % ("port", "Unable to listen on this port. Check server logs.")
    assert (cfg.maxmemory, cfg.port, cfg.hz) == (0, 6379, 10)
    # the hook that had applied 1mb was run again with the restored value
    assert applied == {"maxmemory": 0}


def test_on_change_unknown_name() -> None:
    with pytest.raises(KeyError):
        Config().on_change("no-such-thing", print)


# -- CONFIG GET ------------------------------------------------------------------------------


def test_get_matching() -> None:
    cfg = Config()
    everything = cfg.get_matching([b"*"])
    names = [n for n, _ in everything]
    assert len(names) == len(set(names)) == 192
    assert b"slaveof" in names and b"replicaof" in names
    assert b"rdb-key-save-delay" not in names  # hidden
    assert cfg.get_matching([b"rdb-key-save-delay"]) == [(b"rdb-key-save-delay", b"0")]
    assert cfg.get_matching([b"rdb-key*"]) == []
    assert cfg.get_matching([b"PORT"]) == [(b"PORT", b"6379")]  # echoed as asked
    assert cfg.get_matching([b"port", b"PORT", b"Port", b"po*"]) == [(b"port", b"6379")]
    assert sorted(cfg.get_matching([b"*max*ziplist*"])) == [
        (b"hash-max-ziplist-entries", b"512"),
        (b"hash-max-ziplist-value", b"64"),
        (b"list-max-ziplist-size", b"-2"),
        (b"zset-max-ziplist-entries", b"128"),
        (b"zset-max-ziplist-value", b"64"),
    ]
    assert dict(cfg.get_matching([b"MAXMEMORY-P*", b"hz"])) == {
        b"maxmemory-policy": b"noeviction",
        b"hz": b"10",
    }
    assert cfg.get_matching([b"nope", b"nope*"]) == []


# -- config files and the command line --------------------------------------------------------


def test_file_parsing(tmp_path) -> None:
    (tmp_path / "extra.conf").write_text("hz 7\n")  # relative includes are relative to the cwd
    cfg = load_file(
        tmp_path,
        "# a comment\n"
        "   # indented comment\n"
        "\n"
        "PORT 7000\r\n"
        '  requirepass "p w\\x41\\n"  \n'
        "masterauth 'it\\'s'\n"
        "SLAVEOF 10.0.0.1 6380\n"
        "maxmemory 2MB\n"
        'notify-keyspace-events ""\n'
        "include %s\n"
        "list-max-ziplist-entries 5\n"
        'rename-command CONFIG ""\n'
        "user default on nopass ~* &* +@all\n"
        "loadmodule /x.so a b\n"
        "mymod.option 1 2\n"
        "sentinel\n" % (tmp_path / "extra.conf"),
    )
    assert cfg.port == 7000
    assert cfg.requirepass == "p wA\n"
    assert cfg.masterauth == "it's"
    assert cfg.replicaof == ("10.0.0.1", 6380)
    assert get(cfg, "slaveof") == b"10.0.0.1 6380"
    assert cfg.maxmemory == 2 << 20
    assert cfg.hz == 7
    assert cfg.rename_commands == [(b"CONFIG", b"")]
    assert cfg.users == [[b"default", b"on", b"nopass", b"~*", b"&*", b"+@all"]]
    assert cfg.load_modules == [[b"/x.so", b"a", b"b"]]
    assert cfg.module_configs == {b"mymod.option": b"1 2"}
    assert cfg.config_file == str(tmp_path / "redis.conf")


def test_later_directives_override_and_argv_comes_last(tmp_path) -> None:
    cfg = load_file(tmp_path, "port 1\nport 2\nhz 5\n", "--port", "3")
    assert (cfg.port, cfg.hz) == (3, 5)


def test_include_glob_and_missing(tmp_path) -> None:
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "a.conf").write_text("hz 11\n")
    (tmp_path / "conf.d" / "b.conf").write_text("hz 12\ntimeout 3\n")
    cfg = load_file(
        tmp_path, "include %s/conf.d/*.conf\ninclude %s/none/*.conf\n" % (tmp_path, tmp_path)
    )
    assert (cfg.hz, cfg.timeout) == (12, 3)
    missing = tmp_path / "missing.conf"
    assert load_error([str(tmp_path / "x.conf")]) == (
        "Fatal error, can't open config file '%s': No such file or directory"
        % (tmp_path / "x.conf")
    )
    (tmp_path / "inc.conf").write_text("include %s\n" % missing)
    assert load_error([str(tmp_path / "inc.conf")]) == (
        "Fatal error, can't open config file '%s': No such file or directory" % missing
    )


def test_error_in_included_file_names_its_line(tmp_path) -> None:
    (tmp_path / "inner.conf").write_text("\n\nport x\n")
    (tmp_path / "outer.conf").write_text("hz 5\ninclude %s\n" % (tmp_path / "inner.conf"))
    assert load_error([str(tmp_path / "outer.conf")]) == fatal(
        3, "port x", "argument couldn't be parsed into an integer"
    )


@pytest.mark.parametrize(
    "text,linenum,line,message",
    [
        ('port "abc"\n', 1, 'port "abc"', "argument couldn't be parsed into an integer"),
        ("# c\nfoo bar\n", 2, "foo bar", "Bad directive or wrong number of arguments"),
        ("port 1 2\n", 1, "port 1 2", "wrong number of arguments"),
        ("hz\n", 1, "hz", "wrong number of arguments"),
        ('port "1\n', 1, 'port "1', "Unbalanced quotes in configuration line"),
        ('port "1"x\n', 1, 'port "1"x', "Unbalanced quotes in configuration line"),
        ("maxmemory 1x\n", 1, "maxmemory 1x", "argument must be a memory value"),
        (
            "loglevel foo\n",
            1,
            "loglevel foo",
            "argument(s) must be one of the following: debug, verbose, notice, warning",
        ),
        ("save 1\n", 1, "save 1", "Invalid save parameters"),
        ("dir /nonexistent-dir\n", 1, "dir /nonexistent-dir", "No such file or directory"),
        ("replicaof 1.2.3.4\n", 1, "replicaof 1.2.3.4", "wrong number of arguments"),
        ("replicaof 1.2.3.4 99999\n", 1, "replicaof 1.2.3.4 99999", "Invalid master port"),
        ('replicaof "1.2.3.4 99999"\n', 1, 'replicaof "1.2.3.4 99999"', "Invalid master port"),
        (
            "unixsocketperm 8\n",
            1,
            "unixsocketperm 8",
            "argument couldn't be parsed as an octal number",
        ),
        (
            "unixsocketperm 1000\n",
            1,
            "unixsocketperm 1000",
            "argument must be between 0 and 777 inclusive",
        ),
        ("a.b\n", 1, "a.b", "Module config specified without value"),
        (
            "sentinel monitor x\n",
            1,
            "sentinel monitor x",
            "sentinel directive while not in sentinel mode",
        ),
        (
            "list-max-ziplist-entries 1 2\n",
            1,
            "list-max-ziplist-entries 1 2",
            "Bad directive or wrong number of arguments",
        ),
        (
            "rename-command foo\n",
            1,
            "rename-command foo",
            "Bad directive or wrong number of arguments",
        ),
    ],
)
def test_file_errors(tmp_path, text: str, linenum: int, line: str, message: str) -> None:
    path = tmp_path / "redis.conf"
    path.write_text(text)
    assert load_error([str(path)]) == fatal(linenum, line, message)


def test_sanity_checks_after_loading(tmp_path) -> None:
    path = tmp_path / "redis.conf"
    path.write_text("cluster-enabled yes\nreplicaof 1.2.3.4 5\n")
    assert load_error([str(path)]) == (
        "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nreplicaof directive not allowed in cluster mode"
    )
    assert load_error(["--logfile", str(tmp_path / "no" / "x.log")]) == (
        "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nCan't open the log file: No such file or directory"
    )


def test_save_in_files(tmp_path) -> None:
    # the first save line replaces the defaults, later ones add points
    assert load_file(tmp_path, "save 900 1\nsave 300 10\n").save == [(900, 1), (300, 10)]
    # save "" clears what came before
    assert load_file(tmp_path, 'save 900 1\nsave ""\nsave 5 5\n').save == [(5, 5)]
    assert load_file(tmp_path, 'save ""\n').save == []
    assert load_file(tmp_path, "hz 5\n").save == [(3600, 1), (300, 100), (60, 10000)]
    # Redis 7.0 quirk: after an include, each save line replaces the previous ones
    (tmp_path / "inc.conf").write_text("hz 7\n")
    cfg = load_file(tmp_path, "include %s\nsave 900 1\nsave 300 10\n" % (tmp_path / "inc.conf"))
    assert cfg.save == [(300, 10)]


def test_argv_options() -> None:
    cfg = load_server_config(["--port", "7000", "--save", "900", "1", "300", "10", "--save", ""])
    assert cfg.port == 7000 and cfg.save == []
    assert load_server_config(["--save", "900", "1", "--save", "300", "10"]).save == [
        (900, 1),
        (300, 10),
    ]
    assert load_server_config(["--save", "900 1 300 10"]).save == [(900, 1), (300, 10)]
    assert load_server_config(["--save"]).save == []
    assert load_server_config(["--save", "--port", "7001"]).save == []
    assert load_server_config(["--replicaof", "127.0.0.1 6380"]).replicaof == ("127.0.0.1", 6380)
    assert load_server_config(["--replicaof", "127.0.0.1", "6380"]).replicaof == ("127.0.0.1", 6380)
    assert load_server_config(["--slaveof", "no", "one"]).replicaof is None
    assert load_server_config(["--port 7002", "--hz", "5"]).port == 7002
    assert load_server_config(["--requirepass", "a b\n"]).requirepass == "a b\n"
    assert load_server_config(["--masterauth", "--not-an-option"]).masterauth == "--not-an-option"
    cfg = load_server_config(["--bind", "127.0.0.1", "::1", "--shutdown-on-sigint", "nosave now"])
    assert cfg.bind == ["127.0.0.1", "::1"] and cfg.shutdown_on_sigint == "nosave now"
    assert load_server_config([]).port == 6379


@pytest.mark.parametrize(
    "argv,linenum,line,message",
    [
        (["--port", "abc"], 2, 'port "abc"', "argument couldn't be parsed into an integer"),
        (
            ["--port", "7000", "--foo", "1"],
            3,
            'foo "1"',
            "Bad directive or wrong number of arguments",
        ),
        (["--port", "1", "2", "3"], 2, 'port "1" "2" "3"', "wrong number of arguments"),
        (["--port", "1 2"], 2, 'port "1 2"', "argument couldn't be parsed into an integer"),
        (["--port"], 2, "port", "wrong number of arguments"),
        (["--port", "--save"], 2, 'port "--save"', "argument couldn't be parsed into an integer"),
        (
            ["--save", "--port", "abc"],
            3,
            'port "abc"',
            "argument couldn't be parsed into an integer",
        ),
        (
            ["--replicaof", "1.2.3.4", "99999"],
            2,
            'replicaof "1.2.3.4" "99999"',
            "Invalid master port",
        ),
        (["-", "--port", "abc"], 2, 'port "abc"', "argument couldn't be parsed into an integer"),
        (
            ["--requirepass", "a\nb", "--hz", "x"],
            3,
            'hz "x"',
            "argument couldn't be parsed into an integer",
        ),
    ],
)
def test_argv_errors(argv: list[str], linenum: int, line: str, message: str) -> None:
    assert load_error(argv) == fatal(linenum, line, message)


def test_argv_after_a_file_and_stdin(tmp_path) -> None:
    path = tmp_path / "c.conf"
    path.write_text('port "abc"\n')
    assert load_error([str(path), "--port", "7000"]) == fatal(
        1, 'port "abc"', "argument couldn't be parsed into an integer"
    )
    path.write_text("port 7000\nhz 5\n")
    cfg = load_server_config([str(path), "--timeout", "9", "-"], stdin=io.BytesIO(b"hz 6\n"))
    assert (cfg.port, cfg.hz, cfg.timeout) == (7000, 6, 9)
    assert load_server_config(["-"], stdin=io.BytesIO(b"port 7003\n")).port == 7003
    # '-' only reads stdin as the very first or the last argument
    assert load_error([str(path), "-", "--timeout", "9"]) == fatal(
        4, '"-"', "Bad directive or wrong number of arguments"
    )


def test_version_and_help() -> None:
    for flag in ("-v", "--version"):
        with pytest.raises(VersionRequested):
            load_server_config([flag])
    for flag in ("-h", "--help"):
        with pytest.raises(HelpRequested):
            load_server_config([flag])
    assert issubclass(VersionRequested, CommandLineRequest)


def test_relative_dir_in_file(tmp_path) -> None:
    (tmp_path / "data").mkdir()
    cfg = load_file(tmp_path, "dir %s\ndir data\n" % tmp_path)
    assert cfg.dir == os.path.realpath(tmp_path / "data")


# -- CONFIG REWRITE -----------------------------------------------------------------------------


def test_rewrite_without_file() -> None:
    with pytest.raises(ConfigError, match="^The server is running without a config file$"):
        Config().rewrite()


def test_rewrite_keeps_comments_and_updates_values(tmp_path) -> None:
    (tmp_path / "inc.conf").write_text("hz 11\n")
    original = (
        "# top comment\n"
        "port 7000\n"
        "include %s\n"
        'rename-command FLUSHALL ""\n'
        "SLAVE-READ-ONLY no\n"
        "maxmemory 2mb\n"
        "\n"
        "\n"
        "# another comment\n"
        "save 900 1\n"
        "save 300 10\n"
        "save 60 10000\n"
        "list-max-ziplist-entries 5\n"
        "dbfilename dump.rdb\n"
        "loglevel notice\n"
        "bind * -::*\n"
        'requirepass ""\n'
        "slaveof 127.0.0.1 6999\n"
        "lua-time-limit 100\n"
        "client-output-buffer-limit normal 0 0 0\n" % (tmp_path / "inc.conf")
    )
    cfg = load_file(tmp_path, original)
    cfg_set(
        cfg,
        "maxmemory", "3mb",
        "loglevel", "warning",
        "bind", "127.0.0.1",
        "notify-keyspace-events", "Ex",
        "requirepass", "foo",
        "save", "900 1",
        "busy-reply-threshold", "200",
    )  # fmt: skip
    cfg.rewrite(extra={"user": [b"user default on nopass ~* &* +@all"]})
    text = (tmp_path / "redis.conf").read_text()
    assert text == (
        "# top comment\n"
        "port 7000\n"
        "include %s\n"
        'rename-command FLUSHALL ""\n'
        "replica-read-only no\n"
        "maxmemory 3mb\n"
        "\n"
        "# another comment\n"
        "save 900 1\n"
        "\n"
        "# ??? list-max-ziplist-entries 5\n"
        'dbfilename "dump.rdb"\n'
        "loglevel warning\n"
        "bind 127.0.0.1\n"
        'requirepass "foo"\n'
        "replicaof 127.0.0.1 6999\n"
        "busy-reply-threshold 200\n"
        "client-output-buffer-limit normal 0 0 0\n"
        "\n"
        "# Generated by CONFIG REWRITE\n"
        "hz 11\n"
        'dir "%s"\n'
        'notify-keyspace-events "xE"\n'
        "latency-tracking-info-percentiles 50 99 99.9\n"
        "user default on nopass ~* &* +@all\n" % (tmp_path / "inc.conf", os.getcwd())
    )
    # the result loads back to the same values; rewriting again only adds the
    # blank line Redis leaves at the end (the file's final newline), then is stable
    again = load_server_config([str(tmp_path / "redis.conf")])
    assert again.get_matching([b"*"]) == cfg.get_matching([b"*"])
    again.rewrite(extra={"user": [b"user default on nopass ~* &* +@all"]})
    assert (tmp_path / "redis.conf").read_text() == text + "\n"
    again.rewrite(extra={"user": [b"user default on nopass ~* &* +@all"]})
    assert (tmp_path / "redis.conf").read_text() == text + "\n"
    mode = stat.S_IMODE(os.stat(tmp_path / "redis.conf").st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o644 & ~umask
    assert sorted(os.listdir(tmp_path)) == ["inc.conf", "redis.conf"]


def test_rewrite_removes_lines_at_default_or_unset(tmp_path) -> None:
    cfg = load_file(
        tmp_path,
        'port 7000\nbind 127.0.0.1\nunixsocket ""\nmasterauth x\nhz 5\nhz 6\nmaxmemory 1mb\n'
        'replicaof 1.2.3.4 5\nsave ""\n',
    )
    cfg_set(cfg, "bind", "* -::*", "masterauth", "", "maxmemory", "0", "hz", "10")
    cfg.replicaof = None  # REPLICAOF NO ONE at run time
    cfg.rewrite()
    assert (tmp_path / "redis.conf").read_text() == (
        "port 7000\n"
        "\n"
        "hz 10\n"
        "\n"
        "maxmemory 0\n"
        "\n"
        'save ""\n'
        "\n"
        "# Generated by CONFIG REWRITE\n"
        'dir "%s"\n'
        "latency-tracking-info-percentiles 50 99 99.9\n" % os.getcwd()
    )


def test_rewrite_special_values(tmp_path) -> None:
    cfg = load_file(tmp_path, "# Generated by CONFIG REWRITE\nport 7000\n")
    cfg_set(
        cfg,
        "client-output-buffer-limit", "pubsub 1mb 0 0",
        "maxmemory-clients", "5%",
        "oom-score-adj-values", "1 2 3",
        "latency-tracking-info-percentiles", "",
        "requirepass", 'a"b\\\n c',
        "shutdown-on-sigint", "nosave now",
    )  # fmt: skip
    cfg.rewrite()
    lines = (tmp_path / "redis.conf").read_text().splitlines()
    assert lines[:2] == ["# Generated by CONFIG REWRITE", "port 7000"]
    assert lines.count("# Generated by CONFIG REWRITE") == 1
    for expected in (
        'requirepass "a\\"b\\\\\\n c"',
        "shutdown-on-sigint nosave now",
        "maxmemory-clients 5%",
        'latency-tracking-info-percentiles ""',
        "client-output-buffer-limit pubsub 1mb 0 0",
        "oom-score-adj-values 1 2 3",
        "save 3600 1",
        "save 300 100",
        "save 60 10000",
    ):
        assert expected in lines
    assert not any(line.startswith("client-output-buffer-limit normal") for line in lines)
    back = load_server_config([str(tmp_path / "redis.conf")])
    assert back.get_matching([b"*"]) == cfg.get_matching([b"*"])


def test_rewrite_creates_missing_file(tmp_path) -> None:
    cfg = Config()
    cfg.config_file = str(tmp_path / "new.conf")
    cfg_set(cfg, "port", "7005")
    cfg.rewrite()
    assert (tmp_path / "new.conf").read_text() == (
        "# Generated by CONFIG REWRITE\n"
        "port 7005\n"
        'dir "%s"\n'
        "save 3600 1\n"
        "save 300 100\n"
        "save 60 10000\n"
        "latency-tracking-info-percentiles 50 99 99.9\n" % os.getcwd()
    )


# -- ACL directives ---------------------------------------------------------------------


def test_user_lines_are_kept_for_the_server_to_apply(tmp_path) -> None:
    path = tmp_path / "redis.conf"
    path.write_text("user default on nopass ~* &* +@all\nuser alice on >pw ~app:* +@read\n")
    cfg = load_server_config([str(path)])
    assert cfg.users == [[b"default", b"on", b"nopass", b"~*", b"&*", b"+@all"],
                         [b"alice", b"on", b">pw", b"~app:*", b"+@read"]]  # fmt: skip


def test_user_lines_are_checked_by_the_callback_with_redis_framing(tmp_path) -> None:
    seen = []

    def check(argv, declared):
        seen.append((argv, list(declared)))
        if argv[1] == b"bob":
            raise ValueError("Error in user declaration 'bob': Syntax error")

    path = tmp_path / "redis.conf"
    path.write_text("user alice on\nuser bob badrule\n")
    with pytest.raises(ConfigError) as info:
        load_server_config([str(path)], check_user=check)
    assert str(info.value) == (
        "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
        "Reading the configuration file, at line 2\n"
        ">>> 'user bob badrule'\n"
        "Error in user declaration 'bob': Syntax error"
    )
    assert seen == [([b"user", b"alice", b"on"], []), ([b"user", b"bob", b"badrule"], [[b"alice", b"on"]])]


def test_aclfile_is_a_plain_immutable_path() -> None:
    assert load_server_config(["--aclfile", "/etc/redis/users.acl"]).aclfile == "/etc/redis/users.acl"


# -- the audit: parameters accepted but not enforced -----------------------------------

README = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")


def test_readme_lists_exactly_the_unenforced_parameters() -> None:
    """README.md's list is the one generated from the table's marks; run
    ``python -m radish.config --unenforced README.md`` after changing them."""
    from radish.config import readme_with_unenforced_list, unenforced_markdown

    with open(README, encoding="utf-8") as f:
        text = f.read()
    assert readme_with_unenforced_list(text) == text
    listed = set(re.findall(r"`([a-z_-]+)`", unenforced_markdown()))
    assert listed == {p.name for p in PARAMS if p.unenforced is not None}
    for name in ("watchdog-period", "tls-port", "dynamic-hz"):
        assert "`%s`" % name in text


def test_every_mark_has_a_kind_and_a_reason() -> None:
    from radish.config import NOT_APPLICABLE, NOT_BUILT

    for p in PARAMS:
        if p.unenforced is not None:
            kind, reason = p.unenforced
            assert kind in (NOT_BUILT, NOT_APPLICABLE) and reason and "\n" not in reason, p.name


# Marked parameters the code reads without acting on what they configure.
_READ_BUT_NOT_ENFORCED = {
    "maxmemory": "INFO memory reports it; OBJECT REFCOUNT follows Redis's shared-integer rule",
}


def test_no_marked_parameter_is_used_by_the_server() -> None:
    """A parameter the code acts on must not be marked as not enforced:
    implementing one means removing its mark (and regenerating the README)."""
    src = os.path.join(os.path.dirname(__file__), "..", "..", "src", "radish")
    code = []
    config_dir = os.path.join(src, "config")
    for root, _, files in os.walk(src):
        if os.path.samefile(root, config_dir):
            continue
        for name in files:
            if name.endswith((".py", ".c")):
                with open(os.path.join(root, name), encoding="utf-8") as f:
                    code.append(f.read())
    text = "\n".join(code)
    for p in PARAMS:
        if p.unenforced is None or p.attr in _READ_BUT_NOT_ENFORCED:
            continue
        assert not re.search(r"\.%s\b|\"%s\"" % (re.escape(p.attr), re.escape(p.name)), text), p.name


def test_unenforced_warning_only_for_non_default_values() -> None:
    cfg = Config()
    assert cfg.unenforced_warning("repl-disable-tcp-nodelay") is None
    assert cfg.unenforced_warnings() == []
    cfg_set(cfg, "repl-disable-tcp-nodelay", "yes", "hz", "20", "activerehashing", "no", "maxmemory", "2mb")
    assert cfg.unenforced_warning("hz") is None  # enforced
    assert cfg.unenforced_warning("maxmemory") is None  # enforced
    assert cfg.unenforced_warning("REPL-DISABLE-TCP-NODELAY") == (
        "WARNING: the repl-disable-tcp-nodelay setting ('yes') is accepted but not enforced: "
        "replica links always use TCP_NODELAY."
    )
    assert cfg.unenforced_warnings() == [
        "WARNING: the activerehashing setting ('no') has no effect in radish: "
        "Python dicts resize themselves (no incremental rehashing).",
        cfg.unenforced_warning("repl-disable-tcp-nodelay"),
    ]
    cfg_set(cfg, "maxmemory", "0")
    assert cfg.unenforced_warning("maxmemory") is None
    # an alias names its parameter; a secret is not shown
    cfg_set(cfg, "slave-announce-ip", "10.0.0.1", "tls-key-file-pass", "s3cret")
    assert cfg.unenforced_warning("slave-announce-ip").startswith(
        "WARNING: the replica-announce-ip setting ('10.0.0.1') is accepted but not enforced"
    )
    assert "s3cret" not in cfg.unenforced_warning("tls-key-file-pass")


def test_unenforced_list_from_the_command_line(tmp_path) -> None:
    import subprocess
    import sys

    from radish.config import README_BEGIN, README_END, unenforced_markdown

    env = subprocess_env()
    out = subprocess.run([sys.executable, "-m", "radish.config", "--unenforced"], capture_output=True, env=env, check=True)
    assert out.stdout.decode() == unenforced_markdown()
    readme = tmp_path / "README.md"
    readme.write_text("intro\n%s\nstale\n%s\nrest\n" % (README_BEGIN, README_END))
    subprocess.run([sys.executable, "-m", "radish.config", "--unenforced", str(readme)], env=env, check=True)
    assert readme.read_text() == "intro\n%s\n\n%s\n%s\nrest\n" % (README_BEGIN, unenforced_markdown(), README_END)
