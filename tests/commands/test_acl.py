"""ACL through the dispatcher and over TCP: what the compat tests cannot
show by comparison alone (the fast path never bypasses a restricted user,
requirepass and the default user are one, RESET, CLIENT LIST/KILL USER,
replicas authenticating with masteruser)."""

from __future__ import annotations

import pytest
from tests.support.inprocess import InProcess
from tests.support.resp import Raw
from tests.support.servers import start_radish, wait_until

NOPERM_KEY = b"-NOPERM this user has no permissions to access one of the keys used as arguments\r\n"


def _as(srv: InProcess, *setuser: str) -> InProcess:
    assert srv.run("ACL", "SETUSER", *setuser) == b"+OK\r\n"
    assert srv.run("AUTH", setuser[0], "pw") == b"+OK\r\n"
    return srv


def test_restricted_user_is_checked_on_every_path():
    srv = _as(InProcess(), "app", "on", ">pw", "~app:*", "+@all")
    assert srv.run("SET", "app:1", "v") == b"+OK\r\n"
    assert srv.run("SET", "other", "v") == NOPERM_KEY
    assert srv.run("MULTI") == b"+OK\r\n"
    assert srv.run("GET", "other") == NOPERM_KEY
    assert srv.run("EXEC").startswith(b"-EXECABORT")
    reply = srv.run("EVAL", "return redis.pcall('get', 'other')", "0")
    assert b"The user executing the script can't access at least one of the keys" in reply
    assert srv.run("EVAL", "return redis.acl_check_cmd('get', 'app:2')", "0") == b":1\r\n"
    assert srv.run("EVAL", "return redis.acl_check_cmd('get', 'other')", "0") == b"$-1\r\n"


def test_pipelined_fast_path_applies_the_rules():
    """Plain GET/SET in one read normally run in the batch loop (C or
    Python); for a restricted user every one still meets the ACL."""
    s = start_radish()
    try:
        admin = Raw(s.port)
        admin([b"ACL", b"SETUSER", b"app", b"on", b">pw", b"~app:*", b"+@all"])
        c = Raw(s.port)
        c([b"AUTH", b"app", b"pw"])
        c.write(b"SET app:1 a\r\nSET x b\r\nGET app:1\r\nGET x\r\nINCR app:n\r\nINCR y\r\n")
        out = c.read_until_quiet()
        assert out == b"+OK\r\n" + NOPERM_KEY + b"$1\r\na\r\n" + NOPERM_KEY + b":1\r\n" + NOPERM_KEY
        assert admin([b"EXISTS", b"x", b"y"]) == b":0\r\n"
        # Rules changed by another client apply to the next read.
        admin([b"ACL", b"SETUSER", b"app", b"allkeys"])
        c.write(b"SET x b\r\nGET x\r\n")
        assert c.read_until_quiet() == b"+OK\r\n$1\r\nb\r\n"
    finally:
        s.stop()


def test_requirepass_is_the_default_users_password():
    srv = InProcess("--requirepass", "secret")
    assert srv.run("PING").startswith(b"-NOAUTH")
    assert srv.run("AUTH", "secret") == b"+OK\r\n"
    assert b"#" + __import__("hashlib").sha256(b"secret").hexdigest().encode() in srv.run("ACL", "LIST")
    assert srv.run("CONFIG", "SET", "requirepass", "") == b"+OK\r\n"
    assert b"user default on nopass ~* &* +@all" in srv.run("ACL", "LIST")
    fresh = srv.server.new_client("127.0.0.1:2", "127.0.0.1:6379")
    assert fresh.authenticated


def test_reset_returns_to_the_default_user_and_client_list_shows_users():
    srv = _as(InProcess(), "bob", "on", ">pw", "+@all", "~*")
    assert b" user=bob " in srv.run("CLIENT", "INFO")
    assert srv.run("ACL", "WHOAMI") == b"$3\r\nbob\r\n"
    assert srv.run("RESET") == b"+RESET\r\n"
    assert srv.run("ACL", "WHOAMI") == b"$7\r\ndefault\r\n"
    assert srv.run("CLIENT", "KILL", "USER", "nobody") == b"-ERR No such user 'nobody'\r\n"
    assert srv.run("CLIENT", "KILL", "USER", "bob") == b":0\r\n"


def test_acl_log_groups_repeated_denials_and_honours_max_len():
    srv = _as(InProcess("--acllog-max-len", "2"), "app", "on", ">pw", "~app:*", "+@all")
    for _ in range(3):
        srv.run("GET", "x")
    srv.run("GET", "y")
    srv.run("GET", "z")
    srv.client.user = srv.server.acl.default
    log = srv.run("ACL", "LOG")
    assert log.startswith(b"*2\r\n")
    assert b"$1\r\nz\r\n" in log and b"$1\r\ny\r\n" in log and b"$1\r\nx\r\n" not in log
    assert srv.run("ACL", "LOG", "RESET") == b"+OK\r\n"
    assert srv.run("ACL", "LOG") == b"*0\r\n"


@pytest.mark.parametrize("auth", [["--masteruser", "repl", "--masterauth", "rpw"]])
def test_replica_authenticates_with_masteruser(auth):
    primary = start_radish("--requirepass", "admin")
    try:
        admin = Raw(primary.port)
        admin([b"AUTH", b"admin"])
        admin([b"ACL", b"SETUSER", b"repl", b"on", b">rpw", b"+psync", b"+replconf", b"+ping", b"+sync"])
        admin([b"SET", b"k", b"v"])
        replica = start_radish("--replicaof", "127.0.0.1", str(primary.port), *auth)
        try:
            r = Raw(replica.port)
            wait_until(lambda: r([b"GET", b"k"]) == b"$1\r\nv\r\n")
            admin([b"SET", b"k2", b"v2"])
            wait_until(lambda: r([b"GET", b"k2"]) == b"$2\r\nv2\r\n")
        finally:
            replica.stop()
    finally:
        primary.stop()
