"""Security-related directives against a real redis-server: rename-command
(the renamed table as commands, COMMAND, scripts and MULTI see it),
loadmodule and MODULE, user/aclfile directives, and the warnings for
parameters radish accepts but does not enforce.

Each test starts radish and redis-server with the same arguments and
compares what a client (or the start-up output) sees.  Skipped only when
redis-server is not installed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
from tests.support.resp import Raw, parse
from tests.support.scripts import unordered
from tests.support.servers import start_pair, subprocess_env

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")

_LOG_PREFIX = re.compile(r"^\d+:[CM] .*? [#*] ", re.M)


def _replies(port: int, commands: list[list[bytes]]) -> list[bytes]:
    c = Raw(port)
    try:
        out = []
        for cmd in commands:
            c.send(cmd)
            out.append(c.read())
        return out
    finally:
        c.close()


def _cmds(*lines: str) -> list[list[bytes]]:
    return [line.encode().split() for line in lines]


def _same_replies(argv: tuple[str, ...], cases: list[list[bytes]]) -> None:
    """A radish and a redis-server started with ``argv`` answer ``cases``
    byte for byte alike."""
    ours, theirs = start_pair(*argv)
    try:
        assert _replies(ours.port, cases) == _replies(theirs.port, cases)
    finally:
        ours.stop()
        theirs.stop()


def _startup(argv: list[str], cwd: str, ours: bool) -> tuple[int, str]:
    """(exit code, output without log prefixes) of a server that must stop."""
    if ours:
        env = subprocess_env()
        exe = [sys.executable, "-m", "radish"]
    else:
        env = None
        exe = [REDIS_SERVER]
    proc = subprocess.run(
        [*exe, *argv], cwd=cwd, capture_output=True, timeout=30, stdin=subprocess.DEVNULL, env=env
    )
    return proc.returncode, _LOG_PREFIX.sub("", (proc.stderr + proc.stdout).decode()).strip()


# -- rename-command ------------------------------------------------------------------

RENAMES = [
    "--rename-command", "CONFIG", "MYCONFIG",
    "--rename-command", "flushall", "",
    "--rename-command", "multi", "mymulti",
    "--rename-command", "ping", "MyPing",
    "--rename-command", "get", "get2",
    "--rename-command", "get2", "fetch",
]  # fmt: skip


@pytest.fixture(scope="module")
def renamed():
    ours, theirs = start_pair(*RENAMES)
    yield ours, theirs
    ours.stop()
    theirs.stop()


RENAMED_CASES = _cmds(
    "flushall",
    "FLUSHALL async",
    "config get port",
    "myconfig get maxclients",
    "MyConfig GET maxclients",
    "myconfig foo",
    "myconfig get",
    "myconfig",
    "config",
    "set k v",
    "get k",
    "get2 k",
    "fetch k",
    "FETCH k extra",
    "ping",
    "myping",
    # (containers aside: Redis lists their subcommands in hash order)
    "command info fetch get config ping myping",
    "command docs config get ping",
    "command getkeys fetch k",
    "command getkeys get k",
    "command getkeys myconfig get x",
    "command list filterby pattern my*",
    "command list filterby pattern fetch",
    "command list filterby pattern get",
    "eval return(redis.call('myconfig','get','maxclients')) 0",
    "eval return(redis.call('config','get','port')) 0",
    "eval return(redis.pcall('flushall')) 0",
    "eval return(redis.call('fetch',KEYS[1])) 1 k",
    "eval return(redis.call('get',KEYS[1])) 1 k",
    "eval return(redis.call('myping')) 0",
    # MULTI under its new name: the old one is unknown (and aborts EXEC),
    # the new one nests as MULTI does.
    "multi",
    "mymulti",
    "mymulti",
    "fetch k",
    "get k",
    "exec",
    "mymulti",
    "fetch k",
    "myconfig get maxclients",
    "exec",
    "info commandstats",
)


def test_renamed_commands_answer_as_redis(renamed) -> None:
    ours, theirs = renamed
    got = _replies(ours.port, RENAMED_CASES)
    expected = _replies(theirs.port, RENAMED_CASES)
    for cmd, g, e in zip(RENAMED_CASES, got, expected, strict=True):
        if cmd[0] == b"info":
            # Only the renamed commands' lines (timings aside).
            def names(reply: bytes) -> list[bytes]:
                return sorted(re.findall(rb"cmdstat_(config\|get|get|ping|multi|exec|flushall):calls=(\d+)", reply))

            assert names(g) == names(e)
            continue
        assert g == e, cmd


def test_renamed_command_names_in_command_list(renamed) -> None:
    """COMMAND LIST and COMMAND report a renamed command under its own name;
    a disabled one is gone."""
    ours, theirs = renamed

    def listed(port: int) -> set[bytes]:
        names_reply, infos_reply = _replies(port, _cmds("command list", "command"))
        names = {v for _, v in parse(names_reply)[1]}
        infos = {i[1][0][1] for i in parse(infos_reply)[1]}
        wanted = (b"config", b"flushall", b"get", b"multi", b"ping", b"myconfig", b"fetch", b"mymulti", b"myping", b"get2")
        return {n for n in names | infos if n.split(b"|")[0] in wanted}

    mine, ref = listed(ours.port), listed(theirs.port)
    assert mine == ref
    for server in (ours, theirs):
        info, docs = _replies(server.port, _cmds("command info myconfig config", "command docs myconfig config"))
        info, docs = parse(info)[1], parse(docs)[1]
        assert info[0][1][0] == (b"$", b"config") and info[1] == (b"$", None)
        assert docs[0] == (b"$", b"config") and len(docs) == 2
    assert b"flushall" not in mine and b"config|get" in mine and b"fetch" not in mine


def test_command_count_drops_with_disabled_commands(renamed, radish_server, redis_server) -> None:
    """COMMAND COUNT counts the live table: one command fewer per disabled one."""

    def count(server) -> int:
        (reply,) = _replies(server.port, _cmds("command count"))
        return int(reply[1:-2])

    ours, theirs = renamed
    assert count(radish_server) - count(ours) == count(redis_server) - count(theirs) == 1


def test_renamed_ping_allowed_in_subscribed_mode() -> None:
    """The commands allowed in RESP2 subscribed mode are recognised under
    their new names (Redis compares the command, not its spelling)."""
    argv = ("--rename-command", "ping", "myping", "--rename-command", "subscribe", "sub")
    _same_replies(argv, _cmds("sub ch", "myping", "ping", "get x", "sub ch2"))


@pytest.mark.parametrize(
    "argv",
    [
        ["--rename-command", "nosuch", "x"],
        ["--rename-command", "get", "set"],
        ["--rename-command", "get", "SET"],
        ["--rename-command", "config", "", "--rename-command", "config", "x"],
        ["--rename-command", "get", "x", "--rename-command", "set", "X"],
        ["--rename-command", "get"],
    ],
    ids=lambda a: " ".join(a),
)
def test_bad_rename_stops_startup_as_redis(tmp_path, argv: list[str]) -> None:
    ours = _startup(argv, str(tmp_path), ours=True)
    theirs = _startup(argv, str(tmp_path), ours=False)
    assert theirs[1].startswith("*** FATAL CONFIG FILE ERROR")
    assert ours == theirs


def test_rename_in_config_file_names_the_line(tmp_path) -> None:
    conf = tmp_path / "redis.conf"
    conf.write_text("save ''\nrename-command flushdb \"\"\n\nrename-command FLUSHDB fdb\n")
    argv = [str(conf)]
    ours = _startup(argv, str(tmp_path), ours=True)
    assert ours == _startup(argv, str(tmp_path), ours=False)
    assert ours[0] == 1 and "at line 4" in ours[1] and "No such command in rename-command" in ours[1]


# -- loadmodule and MODULE ----------------------------------------------------------------

MODULE_CASES = _cmds(
    "module list",
    "module help",
    "MODULE LIST extra",
    "module load",
    "module load /nonexistent-radish.so",
    "module load /nonexistent-radish.so a b",
    "module loadex /nonexistent-radish.so",
    "module loadex /nonexistent-radish.so CONFIG a",
    "module loadex /nonexistent-radish.so CONFIG a b ARGS x y",
    "module loadex /nonexistent-radish.so bogus",
    "module unload",
    "module unload foo",
    "module unload foo bar",
    "module foo",
    "module",
    "eval return(redis.call('module','list')) 0",
    "multi",
    "module load /nonexistent-radish.so",
    "module list",
    "exec",
)


@pytest.mark.parametrize("mode", ["no", "yes", "local"])
def test_module_command_as_redis(mode: str) -> None:
    ours, theirs = start_pair("--enable-module-command", mode, "--protected-mode", "no")
    try:
        assert _replies(ours.port, MODULE_CASES) == _replies(theirs.port, MODULE_CASES)
        # From another loopback address: not a local client for "local".
        got = []
        for server in (ours, theirs):
            c = Raw(server.port, source="127.0.0.2")
            replies = []
            for cmd in _cmds("module load /nonexistent-radish.so", "module unload x", "module list"):
                c.send(cmd)
                replies.append(c.read())
            c.close()
            got.append(replies)
        assert got[0] == got[1]
        refused = got[0][0].startswith(b"-ERR MODULE command not allowed")
        assert refused == (mode != "yes")
    finally:
        ours.stop()
        theirs.stop()
    if mode != "no":
        assert "Module /nonexistent-radish.so failed to load: radish has no module API" in ours.log()


@pytest.mark.parametrize("query", ["command info module", "hello 3|command docs module"])
def test_module_command_spec_as_redis(radish_server, redis_server, query: str) -> None:
    """Arity, flags, ACL categories, tips, subcommands (RESP2 COMMAND INFO)
    and documentation (RESP3 COMMAND DOCS, arguments included) of MODULE and
    its subcommands; Redis lists the subcommands in hash order, so order is
    not compared."""
    cmd = _cmds(*query.split("|"))
    ours = _replies(radish_server.port, cmd)[-1]
    theirs = _replies(redis_server.port, cmd)[-1]
    assert unordered(parse(ours)) == unordered(parse(theirs))
    assert b"module|loadex" in ours


@pytest.mark.parametrize(
    "argv",
    [
        ["--loadmodule", "/nonexistent-radish.so"],
        ["--loadmodule", "/nonexistent-radish.so", "a", "b"],
        ["--foo.bar", "1"],
    ],
    ids=lambda a: " ".join(a),
)
def test_loadmodule_stops_startup(tmp_path, argv: list[str]) -> None:
    """Exit 1 with the lines of Redis's module load failure; the reason is
    radish's own (no module API) where Redis gives dlopen()'s."""
    code, out = _startup(argv, str(tmp_path), ours=True)
    ref_code, ref_out = _startup(argv, str(tmp_path), ours=False)
    assert code == ref_code == 1
    last = ref_out.splitlines()[-1]
    assert out.splitlines()[-1] == last
    if argv[0] == "--loadmodule":
        assert "Module /nonexistent-radish.so failed to load: radish has no module API" in out
        assert "Module /nonexistent-radish.so failed to load: " in ref_out


def test_protected_commands_refused_before_auth_and_queueing() -> None:
    """DEBUG and MODULE LOAD are refused by enable-*-command before
    authentication and before MULTI queues them, as Redis's processCommand."""
    cases = _cmds(
        "debug sleep 0", "module unload x", "module list", "auth pw", "multi",
        "debug sleep 0", "module load /x", "ping", "exec", "debug", "debug help extra",
    )  # fmt: skip
    _same_replies(("--requirepass", "pw", "--enable-debug-command", "no"), cases)


# -- user and aclfile -----------------------------------------------------------------


def test_user_directive_creates_the_user_as_redis() -> None:
    _same_replies(
        ("--user", "alice", "on", ">pw", "~a*", "+@all"),
        _cmds("acl list", "auth alice pw", "set a 1", "set b 1", "acl whoami"),
    )


def test_users_in_config_and_an_aclfile_together_stop_startup(tmp_path) -> None:
    (tmp_path / "users.acl").write_text("user alice on >pw ~* +@all\n")
    argv = ["--user", "bob", "on", "--aclfile", str(tmp_path / "users.acl")]
    ours = _startup(argv, str(tmp_path), ours=True)
    theirs = _startup(argv, str(tmp_path), ours=False)
    assert ours[0] == theirs[0] == 1
    assert theirs[1].splitlines()[-1] in ours[1]


def test_default_user_directive_starts_as_redis(tmp_path) -> None:
    _same_replies(("--user", "default", "on", "nopass", "~*", "&*", "+@all"), _cmds("ping", "set k v", "get k"))


# -- parameters accepted but not enforced ----------------------------------------------------


def test_unenforced_settings_warn_and_are_reported_as_redis() -> None:
    """Set at start-up or with CONFIG SET, a parameter radish does not act
    on is logged with a WARNING line, and CONFIG GET still reports it as
    Redis does; enforced ones and default values log nothing."""
    ours, theirs = start_pair("--repl-disable-tcp-nodelay", "yes", "--dynamic-hz", "no", "--hz", "20", "--io-threads", "1")
    try:
        cases = _cmds(
            "config get repl-disable-tcp-nodelay", "config get dynamic-hz", "config get hz",
            "config set repl-diskless-sync-delay 10 timeout 5", "config set maxmemory-clients 10%",
            "config set lazyfree-lazy-eviction no", "config get repl-diskless-sync-delay",
            "config get maxmemory-clients", "config get timeout",
        )  # fmt: skip
        assert _replies(ours.port, cases) == _replies(theirs.port, cases)
    finally:
        ours.stop()
        theirs.stop()
    log = ours.log()
    assert "# WARNING: the repl-disable-tcp-nodelay setting ('yes') is accepted but not enforced: replica links always use TCP_NODELAY" in log
    assert "# WARNING: the dynamic-hz setting ('no') is accepted but not enforced: hz stays as configured" in log
    assert "# WARNING: the repl-diskless-sync-delay setting ('10') is accepted but not enforced" in log
    for quiet in ("setting ('20')", "the timeout setting", "the io-threads setting", "lazyfree-lazy-eviction", "notify-keyspace-events",
                  "slowlog-max-len", "maxmemory-clients"):
        assert quiet not in log
