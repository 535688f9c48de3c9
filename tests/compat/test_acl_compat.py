"""ACL against a real redis-server: the same rules give the same replies,
the same users (ACL LIST / GETUSER), the same allow/deny decisions and
NOPERM texts, the same log entries, and ACL files written by one load in
the other. Command rules with several single commands are compared as sets
(Redis lists them in its hash table's order)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.support.resp import Raw
from tests.support.servers import (
    ServerProcess,
    free_port,
    start_pair,
    start_radish,
    start_redis,
    subprocess_env,
)

pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.fixture(scope="module")
def pair():
    ours, theirs = start_pair()
    yield ours, theirs
    ours.stop()
    theirs.stop()


def _clean(port: int) -> None:
    c = Raw(port)
    users = c([b"ACL", b"USERS"])
    for name in users.split(b"\r\n")[2::2]:
        if name and name != b"default":
            c([b"ACL", b"DELUSER", name])
    c([b"ACL", b"SETUSER", b"default", b"reset", b"on", b"nopass", b"~*", b"&*", b"+@all"])
    c([b"ACL", b"LOG", b"RESET"])
    c([b"FLUSHALL"])
    c.close()


@pytest.fixture
def servers(pair):
    for s in pair:
        _clean(s.port)
    yield pair


def _both(servers, *commands, resp3: bool = False) -> tuple[list[bytes], list[bytes]]:
    out = []
    for s in servers:
        c = Raw(s.port, resp3=resp3)
        out.append([c([a.encode() if isinstance(a, str) else a for a in cmd]) for cmd in commands])
        c.close()
    return out[0], out[1]


def _rules_normalized(text: str) -> tuple:
    """A command-rules string with its single-command tail as a set."""
    words = text.split()
    head = []
    i = 0
    while i < len(words) and (words[i].startswith(("+@", "-@")) or words[i] in ("on", "off", "nopass")):
        head.append(words[i])
        i += 1
    return tuple(head), frozenset(words[i:])


def _list(port: int) -> list:
    c = Raw(port)
    reply = c([b"ACL", b"LIST"])
    c.close()
    lines = [x.decode() for x in reply.split(b"\r\n")[2::2] if x]
    out = []
    for line in lines:
        parts = line.split(" (")
        out.append(tuple(_rules_normalized(p.rstrip(")")) for p in parts))
    return out


RULE_CASES = [
    ["alice"],
    ["alice", "on", ">pw", "~k*", "%R~r*", "%W~w*", "&ch*", "+get", "+set"],
    ["alice", "on", "nopass", "allkeys", "allchannels", "+@all", "-@dangerous", "+debug"],
    ["alice", "+@read", "-@write", "+@string", "~*"],
    ["alice", "-@all", "+select|0", "+select|1", "+config|get", "+client", "-client|kill"],
    ["alice", "(+hget ~h*)", "(~x* %R~y* +@hash)", "+get", "~a*"],
    ["alice", "(+hget", "~h*)", "on"],
    ["alice", "reset", "on", "#" + "a" * 64, "!" + "a" * 64],
    ["alice", ">p1", ">p2", "<p1", "resetpass", ">p3"],
    ["alice", "sanitize-payload", "skip-sanitize-payload"],
    ["alice", "%RW~both*", "%R~both*", "~other", "resetkeys", "%W~w"],
    ["alice", "%R", "%RW~x"],
    ["alice", "clearselectors", "(+get)", "clearselectors"],
    ["alice", "allcommands", "nocommands", "+@hash", "-hset"],
    # Errors: nothing is applied.
    ["alice", "on", "+nosuchcommand"],
    ["alice", "on", "+@nosuchcategory"],
    ["alice", "~*", "~foo"],
    ["alice", "&*", "&foo"],
    ["alice", "<never-set"],
    ["alice", "#nothex"],
    ["alice", "!" + "b" * 64],
    ["alice", "+config|get|x"],
    ["alice", "+acl|whoami|x"],
    ["alice", "+get|"],
    ["alice", "-get|x"],
    ["alice", "bogus"],
    ["alice", "%X~a"],
    ["alice", "%~a"],
    ["alice", "~a b"],
    ["alice", "(+get", "~x"],
    ["alice", "(+get ~x) (bad)"],
    ["alice", "(+nosuch)"],
    ["al ice", "on"],
    ["default", "resetpass", "nopass", "-flushall"],
]


@pytest.mark.parametrize("rules", RULE_CASES, ids=[" ".join(r)[:40] for r in RULE_CASES])
def test_setuser_and_the_user_it_makes_match_redis(servers, rules):
    ours, theirs = _both(servers, ["ACL", "SETUSER", *rules], ["ACL", "GETUSER", rules[0]])
    assert ours[0] == theirs[0]
    assert _list(servers[0].port) == _list(servers[1].port)


def test_getuser_shape_matches_in_resp2_and_resp3(servers):
    for resp3 in (False, True):
        ours, theirs = _both(
            servers,
            ["ACL", "SETUSER", "bob", "on", ">secret", "~k*", "&c*", "+get", "(+set ~s*)"],
            ["ACL", "GETUSER", "bob"],
            ["ACL", "GETUSER", "nobody"],
            ["ACL", "WHOAMI"],
            ["ACL", "USERS"],
            ["ACL", "CAT"],
            ["ACL", "CAT", "nosuch"],
            ["ACL", "DELUSER", "default"],
            ["ACL", "DELUSER", "bob", "nobody"],
            ["ACL", "GENPASS", "0"],
            ["ACL", "GENPASS", "5000"],
            ["ACL", "GENPASS", "x"],
            ["ACL", "GENPASS", "1", "2"],
            ["ACL", "LOG", "x"],
            ["ACL", "SAVE"],
            ["ACL", "LOAD"],
            ["ACL", "HELP"],
            ["ACL", "NOSUCH"],
            ["ACL", "WHOAMI", "x"],
            resp3=resp3,
        )
        assert ours == theirs


def test_genpass_lengths(servers):
    ours, theirs = _both(servers, ["ACL", "GENPASS"], ["ACL", "GENPASS", "5"], ["ACL", "GENPASS", "4096"])
    for a, b in zip(ours, theirs, strict=True):
        assert a.split(b"\r\n")[0] == b.split(b"\r\n")[0]  # same length header


def test_cat_of_each_category_lists_the_same_commands_radish_has(servers):
    ours = Raw(servers[0].port)
    theirs = Raw(servers[1].port)
    for cat in ours([b"ACL", b"CAT"]).split(b"\r\n")[2::2]:
        if not cat:
            continue
        mine = set(ours([b"ACL", b"CAT", cat]).split(b"\r\n")[2::2]) - {b""}
        ref = set(theirs([b"ACL", b"CAT", cat]).split(b"\r\n")[2::2]) - {b""}
        missing = (b"*1\r\n*-1", b"*1\r\n$-1")
        implemented = {n for n in ref if not ours([b"COMMAND", b"INFO", n]).startswith(missing)}
        known = {n for n in mine if not theirs([b"COMMAND", b"INFO", n]).startswith(missing)}
        assert known == implemented, cat


# -- permission checks -------------------------------------------------------------------

USERS = [
    ["app", "on", ">pw", "~app:*", "+@read", "+@write", "-flushall"],
    ["ro", "on", ">pw", "%R~*", "+@all"],
    ["wo", "on", ">pw", "%W~*", "+@all"],
    ["pub", "on", ">pw", "resetchannels", "&news.*", "+publish", "+subscribe", "+psubscribe", "+ping"],
    ["sel", "on", ">pw", "-@all", "+select|0", "+get", "~*", "(+set ~s:*)"],
    ["srt", "on", ">pw", "+sort", "+lpush", "~mylist", "(+sort ~mylist %R~*)"],
    ["srt2", "on", ">pw", "+sort", "~mylist", "~v*"],
]

SESSIONS = [
    ("app", [["GET", "app:1"], ["GET", "other"], ["SET", "app:1", "v"], ["FLUSHALL"], ["MGET", "app:1", "x", "app:2"],
             ["CONFIG", "GET", "port"], ["ACL", "WHOAMI"], ["AUTH", "app", "bad"], ["PING"], ["COPY", "app:1", "b"],
             ["LMOVE", "app:1", "app:2", "LEFT", "RIGHT"], ["SORT", "app:1", "STORE", "zz"],
             ["EVAL", "return redis.call('get', KEYS[1])", "1", "app:1"]]),
    ("ro", [["GET", "k"], ["SET", "k", "v"], ["INCR", "k"], ["DEL", "k"], ["EXISTS", "k"], ["LPUSH", "k", "x"]]),
    ("wo", [["GET", "k"], ["SET", "k", "v"], ["DEL", "k"], ["LPUSH", "l", "x"], ["LRANGE", "l", "0", "-1"]]),
    ("pub", [["PUBLISH", "news.a", "x"], ["PUBLISH", "sport", "x"], ["SUBSCRIBE", "news.b", "other"],
             ["PSUBSCRIBE", "news.*"], ["PSUBSCRIBE", "news.a*"]]),
    ("sel", [["SELECT", "0"], ["SELECT", "1"], ["SET", "s:1", "v"], ["SET", "k", "v"], ["GET", "s:1"], ["DEL", "s:1"],
             ["MULTI"], ["GET", "k"], ["EXEC"]]),
    # SORT's BY (with a pattern) and GET need access to every key.
    ("srt", [["LPUSH", "mylist", "1"], ["SORT", "mylist", "BY", "v*"], ["SORT", "mylist", "GET", "v*"],
             ["SORT", "mylist", "BY", "nosort"], ["SORT", "mylist"]]),
    ("srt2", [["SORT", "mylist", "BY", "v*"], ["SORT", "mylist", "GET", "#"], ["SORT", "mylist", "BY", "x"]]),
]


@pytest.mark.parametrize("name,commands", SESSIONS, ids=[s[0] for s in SESSIONS])
def test_permission_decisions_and_log_match_redis(servers, name, commands):
    setup = [["ACL", "SETUSER", *u] for u in USERS]
    _both(servers, *setup)
    for resp3 in (False, True):
        out = []
        for s in servers:
            c = Raw(s.port, resp3=resp3)
            c([b"AUTH", name.encode(), b"pw"])
            out.append([c([a.encode() for a in cmd]) for cmd in commands])
            c.close()
        assert out[0] == out[1]
    logs = []
    for s in servers:
        c = Raw(s.port, resp3=True)
        reply = c([b"ACL", b"LOG"])
        c.close()
        # Drop the fields that differ by nature (age, client-info).
        chunks = reply.split(b"\r\n")
        kept = []
        skip = 0
        for ch in chunks:
            if skip:
                skip -= 1
                continue
            if ch in (b"age-seconds", b"client-info"):
                skip = 2 if ch == b"client-info" else 1
                continue
            kept.append(ch)
        logs.append(kept)
    assert logs[0] == logs[1]


def test_dryrun_matches_redis(servers):
    setup = [["ACL", "SETUSER", *u] for u in USERS]
    probes = [
        ["ACL", "DRYRUN", u, *cmd]
        for u in ("app", "ro", "wo", "pub", "sel", "nobody")
        for cmd in (["get", "app:1"], ["set", "k", "v"], ["publish", "news.x", "m"], ["select", "1"],
                    ["nosuch"], ["get"], ["config", "get", "x"], ["config", "nosuch"], ["incr", "app:x"])
    ]
    ours, theirs = _both(servers, *setup, *probes)
    assert ours == theirs


def test_rules_changed_after_queueing_fail_at_exec(servers):
    for s in servers:
        Raw(s.port)([b"ACL", b"SETUSER", b"t", b"on", b">pw", b"~*", b"+@all"])
    out = []
    for s in servers:
        c, admin = Raw(s.port), Raw(s.port)
        c([b"AUTH", b"t", b"pw"])
        r = [c([b"MULTI"]), c([b"SET", b"a", b"1"]), c([b"GET", b"a"])]
        admin([b"ACL", b"SETUSER", b"t", b"-set", b"resetkeys", b"~b"])
        r.append(c([b"EXEC"]))
        r.append(admin([b"GET", b"a"]))
        out.append(r)
    assert out[0] == out[1]


def test_auth_and_hello_against_users(servers):
    ours, theirs = _both(
        servers,
        ["ACL", "SETUSER", "u", "on", ">pw", "+@all", "~*"],
        ["ACL", "SETUSER", "off", "off", ">pw", "+@all"],
        ["AUTH", "pw"],
        ["AUTH", "u", "no"],
        ["AUTH", "off", "pw"],
        ["AUTH", "nobody", "pw"],
        ["AUTH", "u", "pw"],
        ["ACL", "WHOAMI"],
        ["HELLO", "2", "AUTH", "u", "bad"],
        ["AUTH", "default", "anything"],
        ["ACL", "WHOAMI"],
        ["ACL", "SETUSER", "default", "resetpass", ">dpw"],
        ["AUTH", "x"],
        ["AUTH", "dpw"],
        ["CONFIG", "SET", "requirepass", ""],  # unchanged from its value: the default user keeps >dpw
        ["ACL", "LIST"],
        ["CONFIG", "SET", "requirepass", "x"],
        ["CONFIG", "SET", "requirepass", ""],
        ["ACL", "LIST"],
    )
    assert ours == theirs


def test_deleted_user_is_disconnected_and_new_connections_need_auth(servers):
    out = []
    for s in servers:
        admin, c = Raw(s.port), Raw(s.port)
        admin([b"ACL", b"SETUSER", b"gone", b"on", b">pw", b"+@all", b"~*"])
        c([b"AUTH", b"gone", b"pw"])
        r = [admin([b"ACL", b"DELUSER", b"gone"])]
        try:
            r.append(c([b"PING"]))
        except (ConnectionError, OSError):
            r.append(b"closed")
        r.append(admin([b"CLIENT", b"KILL", b"USER", b"gone"]))
        r.append(admin([b"ACL", b"SETUSER", b"default", b"resetpass", b">p"]))
        fresh = Raw(s.port)
        r.append(fresh([b"GET", b"x"]))
        r.append(fresh([b"AUTH", b"p"]))
        r.append(admin([b"ACL", b"SETUSER", b"default", b"nopass"]))
        out.append(r)
    assert out[0] == out[1]


def test_revoked_channels_disconnect_subscribers(servers):
    out = []
    for s in servers:
        admin, sub = Raw(s.port), Raw(s.port)
        admin([b"ACL", b"SETUSER", b"s", b"on", b">pw", b"+@all", b"resetchannels", b"&a", b"&b"])
        sub([b"AUTH", b"s", b"pw"])
        r = [sub([b"SUBSCRIBE", b"a"])]
        admin([b"ACL", b"SETUSER", b"s", b"&c"])  # a superset: kept
        r.append(sub([b"PING"]))
        admin([b"ACL", b"SETUSER", b"s", b"resetchannels", b"&b"])
        try:
            r.append(sub([b"PING"]))
        except (ConnectionError, OSError):
            r.append(b"closed")
        out.append(r)
    assert out[0] == out[1]


# -- random rules: the same decisions -----------------------------------------------------

_RULES = st.sampled_from([
    "on", "off", ">pw", "nopass", "resetpass", "~k*", "%R~r*", "%W~w*", "%RW~b*", "allkeys", "resetkeys",
    "&c*", "allchannels", "resetchannels", "+get", "-get", "+set", "-set", "+@read", "-@read", "+@write",
    "-@write", "+@string", "-@string", "+@hash", "+@dangerous", "-@dangerous", "+config|get", "-config|get",
    "+config", "+select|0", "+@all", "-@all", "allcommands", "nocommands", "(~x* +get)", "(%R~y* +@read)",
    "clearselectors", "reset", "+publish", "+psubscribe", "bogus", "+nosuch", "~*", "&*",
])  # fmt: skip
_PROBES = [
    ["get", "k1"], ["get", "r1"], ["get", "w1"], ["get", "x1"], ["get", "y1"], ["set", "k1", "v"], ["set", "w1", "v"],
    ["set", "b1", "v"], ["incr", "b1"], ["hset", "k1", "f", "v"], ["publish", "c1", "m"], ["publish", "d", "m"],
    ["psubscribe", "c*"], ["config", "get", "port"], ["config", "set", "x", "y"], ["select", "0"], ["select", "1"],
    ["flushall"], ["lrange", "r1", "0", "1"], ["mget", "k1", "r1"], ["exists", "w1"], ["ping"],
]  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_RULES, min_size=1, max_size=8))
def test_random_rules_give_the_same_decisions(servers, rules):
    setup = ["ACL", "SETUSER", "rnd", "reset", *rules]
    probes = [["ACL", "DRYRUN", "rnd", *p] for p in _PROBES]
    ours, theirs = _both(servers, setup, *probes, ["ACL", "GETUSER", "rnd"])
    assert ours[:-1] == theirs[:-1]
    _both(servers, ["ACL", "DELUSER", "rnd"])


# -- files --------------------------------------------------------------------------------


def _acl_list_raw(port: int) -> list[str]:
    c = Raw(port)
    reply = c([b"ACL", b"LIST"])
    c.close()
    return [x.decode() for x in reply.split(b"\r\n")[2::2] if x]


FILE_USERS = [
    "user default on nopass ~* &* +@all",
    "user alice on #" + "c" * 64 + " ~app:* resetchannels &n.* -@all +get +set",
    "user bob off resetchannels -@all (~x* resetchannels -@all +hget)",
]


@pytest.mark.parametrize("first", ["radish", "redis"])
def test_acl_files_load_in_each_other(tmp_path, first):
    path = tmp_path / "users.acl"
    path.write_text("\n".join(FILE_USERS) + "\n")
    start_a, start_b = (start_radish, start_redis) if first == "radish" else (start_redis, start_radish)
    a = start_a("--aclfile", str(path))
    try:
        Raw(a.port)([b"ACL", b"SETUSER", b"carol", b"on", b">x", b"+@read", b"~c*"])
        assert Raw(a.port)([b"ACL", b"SAVE"]) == b"+OK\r\n"
        saved = _acl_list_raw(a.port)
    finally:
        a.stop()
    b = start_b("--aclfile", str(path))
    try:
        assert [_rules_normalized(x) for x in _acl_list_raw(b.port)] == [_rules_normalized(x) for x in saved]
        c = Raw(b.port)
        assert c([b"AUTH", b"carol", b"x"]) == b"+OK\r\n"
    finally:
        b.stop()


BAD_FILES = [
    "user alice on +nosuch\nuser bob on\n",
    "alice on\n",
    "user alice on\nuser alice off\n",
    "user alice bogus ~a ~* ~b\n",
    "user alice (+get\n",
]


@pytest.mark.parametrize("content", BAD_FILES, ids=range(len(BAD_FILES)))
def test_bad_acl_file_is_refused_and_nothing_changes(tmp_path, content):
    replies = []
    for start in (start_radish, start_redis):
        path = tmp_path / ("users-%s.acl" % start.__name__)
        path.write_text("user keep on nopass +@all ~*\n")
        s = start("--aclfile", str(path))
        try:
            path.write_text(content)
            c = Raw(s.port)
            err = c([b"ACL", b"LOAD"]).replace(os.fsencode(str(path)), b"PATH")
            replies.append((err, _acl_list_raw(s.port)))
        finally:
            s.stop()
    assert replies[0] == replies[1]


@pytest.mark.parametrize(
    "argv",
    [
        ["--user", "bob", "+get", "badop"],
        ["--user", "bob", "on", "--user", "bob", "off"],
        ["--user", "bob", "on", "+nosuchcmd"],
    ],
)
def test_bad_user_directives_stop_startup_as_redis(argv):
    port = free_port()
    ours = subprocess.run([sys.executable, "-m", "radish", "--port", str(port), *argv], capture_output=True, text=True,
                          env=subprocess_env(), timeout=30)  # fmt: skip
    theirs = subprocess.run(["redis-server", "--port", str(port), *argv], capture_output=True, text=True, timeout=30)
    assert ours.returncode == theirs.returncode == 1
    last = (theirs.stdout + theirs.stderr).strip().splitlines()[-1]
    assert last.split("#", 1)[-1].strip() in ours.stdout + ours.stderr


def _start_with_config(kind: str, conf) -> ServerProcess:
    port = free_port()
    workdir = str(conf.parent)
    conf.write_text("port %d\ndir %s\nsave \"\"\n" % (port, workdir) + conf.read_text())
    if kind == "radish":
        return ServerProcess([sys.executable, "-m", "radish", str(conf)], port, workdir, env=subprocess_env())
    return ServerProcess(["redis-server", str(conf)], port, workdir)


def test_config_users_and_rewrite(tmp_path):
    outs = []
    for kind in ("radish", "redis"):
        conf = tmp_path / ("%s.conf" % kind)
        conf.write_text("user alice on >pw ~a* +get\nuser default on nopass ~* &* +@all\n")
        s = _start_with_config(kind, conf)
        try:
            c = Raw(s.port)
            r = [c([b"ACL", b"LIST"]), c([b"AUTH", b"alice", b"pw"]), c([b"GET", b"b"])]
            Raw(s.port)([b"ACL", b"SETUSER", b"bob", b"on", b"nopass", b"+@all"])
            r.append(Raw(s.port)([b"CONFIG", b"REWRITE"]))
            r.append(sorted(line for line in conf.read_text().splitlines() if line.startswith("user ")))
            outs.append(r)
        finally:
            s.stop()
    assert outs[0] == outs[1]
