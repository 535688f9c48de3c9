"""radish against a real redis-server: command metadata and the replies of
connection/server commands must match exactly."""

from __future__ import annotations

import pytest
from tests.support.resp import cmd, raw_exchange


def _flag_set(x):
    return sorted(v.decode() if isinstance(v, bytes) else v for v in x)


def _all_command_names(client) -> list[bytes]:
    return sorted(cmd(client, "COMMAND", "LIST"))


def test_command_info_matches_redis_for_every_command(radish_server, redis_server):
    """Arity, flags, key positions and ACL categories of every command (and
    subcommand) radish implements equal real Redis 7.0's."""
    ours = radish_server.client()
    theirs = redis_server.client()
    names = _all_command_names(ours)
    ref_names = set(_all_command_names(theirs))
    # CLIENT SETINFO arrived in Redis 7.2; redis-py sends it on connect.
    newer_than_70 = {b"client|setinfo"}
    checked = 0
    mismatches = []
    for name in names:
        if name in newer_than_70:
            continue
        assert name in ref_names, "radish has %r which Redis 7.0 does not" % name
        a = cmd(ours, "COMMAND", "INFO", name)[0]
        b = cmd(theirs, "COMMAND", "INFO", name)[0]
        if isinstance(a, dict):
            a = list(a.values())
            b = list(b.values())
        mine = [a[0], a[1], _flag_set(a[2]), a[3], a[4], a[5], _flag_set(a[6])]
        ref = [b[0], b[1], _flag_set(b[2]), b[3], b[4], b[5], _flag_set(b[6])]
        if mine != ref:
            mismatches.append((mine, ref))
        checked += 1
    assert not mismatches, mismatches[:5]
    assert checked >= 60


def test_command_count_is_consistent(radish_server):
    c = radish_server.client()
    assert cmd(c, "COMMAND", "COUNT") == len(cmd(c, "COMMAND"))


CASES = [
    b"PING\r\n",
    b"PING hello\r\n",
    b"PING a b\r\n",
    b"ECHO\r\n",
    b"ECHO x\r\n",
    b"SELECT 16\r\nSELECT abc\r\nSELECT -1\r\nSELECT 15\r\n",
    b"HELLO 4\r\nHELLO abc\r\nHELLO 2 SETNAME a b\r\nHELLO 2 AUTH\r\n",
    b"CLIENT SETNAME \"a b\"\r\nCLIENT SETNAME ok\r\nCLIENT GETNAME\r\nCLIENT SETNAME \"\"\r\nCLIENT GETNAME\r\n",
    b"CLIENT REPLY foo\r\nCLIENT NO-EVICT maybe\r\nCLIENT NO-EVICT on\r\n",
    b"CLIENT KILL 1.2.3.4:5\r\nCLIENT KILL ID 99999\r\nCLIENT KILL foo\r\nCLIENT KILL TYPE foo\r\nCLIENT KILL SKIPME maybe\r\n",
    b"CLIENT PAUSE 10 foo\r\nCLIENT PAUSE -1\r\nCLIENT PAUSE abc\r\nCLIENT UNPAUSE\r\n",
    b"CLIENT LIST TYPE foo\r\nCLIENT LIST ID 1 abc\r\nCLIENT LIST foo\r\n",
    b"CLIENT UNBLOCK abc\r\nCLIENT UNBLOCK 99999\r\nCLIENT UNBLOCK 1 foo\r\n",
    b"CLIENT\r\nCLIENT FOO\r\nCONFIG\r\nCONFIG FOO\r\nCONFIG GET\r\nCOMMAND FOO\r\nOBJECT FOO\r\n",
    b"CLIENT HELP\r\nCONFIG HELP\r\nCOMMAND HELP\r\nOBJECT HELP\r\n",
    b"SWAPDB 0 16\r\nSWAPDB a 1\r\nSWAPDB 1 a\r\nSWAPDB 0 1\r\n",
    b"FLUSHALL foo\r\nFLUSHDB sync async\r\nFLUSHDB SYNC\r\nFLUSHALL ASYNC\r\n",
    b"DBSIZE\r\nDBSIZE x\r\n",
    b"SHUTDOWN foo\r\nSHUTDOWN ABORT\r\n",
    b"AUTH x\r\nAUTH a b c\r\n",
    b"NOSUCH a b c\r\nNOSUCH\r\n",
    b"CONFIG SET foo bar\r\nCONFIG SET maxmemory abc\r\nCONFIG SET daemonize yes\r\nCONFIG SET hz\r\n",
    b"CONFIG GET maxmemory\r\nCONFIG GET hz port-nope\r\n",
    b"COMMAND GETKEYS\r\nCOMMAND GETKEYS get\r\nCOMMAND GETKEYS nosuch a\r\nCOMMAND GETKEYS ping\r\nCOMMAND GETKEYS set a b\r\nCOMMAND GETKEYS mset a 1 b 2\r\n",
    b"COMMAND INFO nosuch\r\nCOMMAND INFO get\r\nCOMMAND LIST FILTERBY foo bar\r\nCOMMAND LIST FILTERBY\r\n",
    b"*1\r\n$abc\r\n",
    b"*abc\r\n",
    b"*1\r\n:1\r\n",
    b'ECHO "unbalanced\r\n',
    b"RESET\r\n",
    b"QUIT\r\nPING\r\n",
]


@pytest.mark.parametrize("data", CASES, ids=[c[:30].decode(errors="replace") for c in CASES])
def test_raw_replies_match_redis(radish_server, redis_server, data):
    if b"CONFIG GET" in data and b"port" in data:
        pass
    ours = raw_exchange(radish_server.port, data)
    theirs = raw_exchange(redis_server.port, data)
    assert ours == theirs


def test_config_get_patterns_match_redis(radish_server, redis_server):
    ours = radish_server.client()
    theirs = redis_server.client()
    for patterns in (["*max-*-entries*"], ["hz", "maxmemory*"], ["*listpack*", "*ziplist*"], ["appendonly", "save"]):
        assert ours.config_get(*patterns) == theirs.config_get(*patterns)


def test_resp3_replies_match_redis(radish_server, redis_server):
    data = b"HELLO 3\r\nCONFIG GET maxmemory\r\nGET nokey\r\nCOMMAND INFO nosuch\r\nCLIENT GETNAME\r\n"
    ours = raw_exchange(radish_server.port, data)
    theirs = raw_exchange(redis_server.port, data)
    # HELLO's id differs per server; compare everything after it.
    ours_tail = ours.split(b"$7\r\nmodules\r\n*0\r\n", 1)[1]
    theirs_tail = theirs.split(b"$7\r\nmodules\r\n*0\r\n", 1)[1]
    assert ours_tail == theirs_tail
