"""CLIENT TRACKING against a real redis-server: the same sessions give the
same replies and the same invalidation messages, in the same order, on the
same connections (RESP3 pushes, RESP2 redirection to __redis__:invalidate,
BCAST prefixes, OPTIN/OPTOUT, NOLOOP, flushes, scripts, transactions,
broken redirections, the tracking table limit)."""

from __future__ import annotations

import re
import time

import pytest
from tests.support.resp import Raw
from tests.support.servers import start_pair


@pytest.fixture(scope="module")
def pair():
    ours, theirs = start_pair("--enable-debug-command", "yes")
    yield ours, theirs
    ours.stop()
    theirs.stop()


def _send(c: Raw, *cmds: bytes) -> bytes:
    for cmd in cmds:
        c.write(cmd)
        time.sleep(0.02)
    return c.read_until_quiet(0.15)


def _scenario(port: int, steps) -> list[bytes]:
    """Run ``steps(port)`` (which returns what each connection read)."""
    Raw(port)([b"FLUSHALL"])
    return steps(port)


def _default_mode(port: int) -> list[bytes]:
    a, b = Raw(port, resp3=True), Raw(port)
    out = [_send(a, b"CLIENT TRACKING on\r\n", b"GET k\r\n", b"MGET k k2\r\n", b"CLIENT TRACKINGINFO\r\n")]
    b([b"SET", b"k", b"1"])
    out.append(a.read_until_quiet(0.15))
    out.append(_send(a, b"GET k\r\n", b"SET k 2\r\n", b"GET k\r\n"))  # its own write: after the reply
    b([b"SET", b"k2", b"x"])
    b([b"FLUSHDB"])
    out.append(a.read_until_quiet(0.15))
    out.append(_send(a, b"GET z\r\n", b"RESET\r\n", b"CLIENT TRACKINGINFO\r\n"))
    b([b"SET", b"z", b"1"])
    out.append(a.read_until_quiet(0.15))
    return out


def _bcast(port: int) -> list[bytes]:
    a, b = Raw(port, resp3=True), Raw(port)
    out = [_send(a, b"CLIENT TRACKING on BCAST PREFIX a PREFIX b\r\n", b"CLIENT TRACKING on BCAST PREFIX ab\r\n",
                 b"CLIENT TRACKING on BCAST PREFIX c PREFIX cd\r\n", b"CLIENT TRACKINGINFO\r\n")]  # fmt: skip
    b([b"MSET", b"a2", b"x", b"a1", b"x", b"b1", b"x", b"c1", b"x"])
    out.append(a.read_until_quiet(0.2))
    out.append(_send(a, b"SET a3 x\r\n", b"CLIENT TRACKING on BCAST NOLOOP PREFIX a\r\n", b"SET a4 x\r\n"))
    out.append(a.read_until_quiet(0.2))
    return out


def _opt_modes(port: int) -> list[bytes]:
    a, b = Raw(port, resp3=True), Raw(port)
    out = [_send(a, b"CLIENT TRACKING on OPTIN\r\n", b"GET o1\r\n", b"CLIENT CACHING yes\r\n", b"GET o2\r\n",
                 b"CLIENT CACHING yes\r\n", b"MULTI\r\n", b"GET o3\r\n", b"GET o4\r\n", b"EXEC\r\n", b"GET o5\r\n",
                 b"CLIENT CACHING no\r\n", b"CLIENT TRACKING on OPTOUT\r\n", b"CLIENT TRACKING on PREFIX x\r\n",
                 b"CLIENT TRACKING on OPTIN OPTOUT\r\n", b"CLIENT TRACKING on BCAST OPTIN\r\n",
                 b"CLIENT TRACKING maybe\r\n", b"CLIENT TRACKING on REDIRECT 999999\r\n",
                 b"CLIENT TRACKING on REDIRECT x\r\n", b"CLIENT TRACKING on FOO\r\n", b"CLIENT GETREDIR\r\n")]  # fmt: skip
    for k in (b"o1", b"o2", b"o3", b"o4", b"o5"):
        b([b"SET", k, b"x"])
    out.append(a.read_until_quiet(0.2))
    out.append(_send(a, b"CLIENT TRACKING off\r\n", b"CLIENT CACHING yes\r\n", b"CLIENT TRACKING on OPTOUT\r\n",
                     b"GET p1\r\n", b"CLIENT CACHING no\r\n", b"GET p2\r\n"))  # fmt: skip
    b([b"SET", b"p1", b"x"])
    b([b"SET", b"p2", b"x"])
    out.append(a.read_until_quiet(0.2))
    return out


def _redirect(port: int) -> list[bytes]:
    r = Raw(port)
    rid = int(r([b"CLIENT", b"ID"])[1:-2])
    r.write(b"SUBSCRIBE __redis__:invalidate\r\n")
    r.read_until_quiet(0.1)
    c, b = Raw(port), Raw(port)
    out = [_send(c, b"CLIENT TRACKING on REDIRECT %d\r\n" % rid, b"GET rk\r\n", b"CLIENT GETREDIR\r\n")]
    b([b"SET", b"rk", b"1"])
    out.append(r.read_until_quiet(0.2))
    b([b"FLUSHALL"])
    out.append(r.read_until_quiet(0.2))
    # RESP3 client redirected to a connection that goes away.
    t = Raw(port, resp3=True)
    gone = Raw(port)
    gid = int(gone([b"CLIENT", b"ID"])[1:-2])
    out.append(_send(t, b"CLIENT TRACKING on REDIRECT %d\r\n" % gid, b"GET g\r\n"))
    gone.close()
    time.sleep(0.1)
    b([b"SET", b"g", b"1"])
    out.append(t.read_until_quiet(0.2))
    info = _send(t, b"CLIENT TRACKINGINFO\r\n")
    out.append(info)
    return [x.replace(b":%d\r\n" % rid, b":RID\r\n").replace(b":%d\r\n" % gid, b":GID\r\n") for x in out]


def _scripts_and_noloop(port: int) -> list[bytes]:
    d, b = Raw(port, resp3=True), Raw(port)
    out = [_send(d, b"CLIENT TRACKING on\r\n", b"EVAL \"return redis.call('get', KEYS[1])\" 1 sk\r\n",
                 b"EVAL \"return redis.call('get', 'undeclared')\" 1 sk2\r\n", b"EVAL_RO \"return 1\" 1 ro\r\n")]  # fmt: skip
    for k in (b"sk", b"sk2", b"undeclared", b"ro"):
        b([b"SET", k, b"1"])
    out.append(d.read_until_quiet(0.2))
    out.append(_send(d, b"GET s\r\n", b"CLIENT TRACKING on NOLOOP\r\n", b"SET s 2\r\n", b"GET s\r\n"))
    b([b"SET", b"s", b"3"])
    out.append(d.read_until_quiet(0.2))
    return out


def _client_list_and_info(port: int) -> list[bytes]:
    a = Raw(port, resp3=True)
    a([b"CLIENT", b"TRACKING", b"on", b"BCAST"])
    b = Raw(port)
    b([b"CLIENT", b"TRACKING", b"on", b"REDIRECT", a([b"CLIENT", b"ID"])[1:-2]])
    b([b"GET", b"i1"])
    flags = [re.search(rb"flags=(\S+)", x([b"CLIENT", b"INFO"])).group(1) for x in (a, b)]
    redir = re.search(rb"redir=(-?\d+)", Raw(port)([b"CLIENT", b"INFO"])).group(1)
    info = Raw(port)([b"INFO"])
    fields = [re.search(rb"%s:(\d+)" % f, info).group(1) for f in
              (b"tracking_clients", b"tracking_total_keys", b"tracking_total_items", b"tracking_total_prefixes")]  # fmt: skip
    return [b" ".join(flags), redir, b" ".join(fields)]


def _table_limit(port: int) -> list[bytes]:
    """Over the limit, random keys are forgotten (and their readers told)
    before commands and in the cron: which keys is random, how many is not."""
    a, b = Raw(port, resp3=True), Raw(port)
    b([b"CONFIG", b"SET", b"tracking-table-max-keys", b"1"])
    replies = _send(a, b"CLIENT TRACKING on\r\n", b"GET t1\r\n", b"GET t2\r\n", b"GET t3\r\n")
    time.sleep(0.3)  # a few cron runs
    replies += a.read_until_quiet(0.1)
    keys = Raw(port)([b"INFO", b"stats"]).split(b"tracking_total_keys:")[1].split(b"\r\n")[0]
    b([b"CONFIG", b"SET", b"tracking-table-max-keys", b"1000000"])
    return [b"%d" % replies.count(b"invalidate"), keys]


def _ordering(port: int) -> list[bytes]:
    """A client's own invalidations follow its reply: a key it read that
    expires lazily during its MGET, and a list it tracks written by its
    own BLMOVE served later by another client's push."""
    a, b = Raw(port, resp3=True), Raw(port)
    Raw(port)([b"DEBUG", b"SET-ACTIVE-EXPIRE", b"0"])
    out = [_send(a, b"CLIENT TRACKING on\r\n", b"MSET x 1 y 2\r\n", b"PEXPIRE y 100\r\n", b"GET y\r\n")]
    time.sleep(0.15)
    out.append(_send(a, b"MGET x y\r\n"))
    out.append(_send(a, b"GET list2\r\n", b"BLMOVE list1 list2 LEFT RIGHT 0\r\n"))
    b([b"RPUSH", b"list1", b"foo"])
    out.append(a.read_until_quiet(0.2))
    Raw(port)([b"DEBUG", b"SET-ACTIVE-EXPIRE", b"1"])
    return out


def _expired_bcast(port: int) -> list[bytes]:
    """Keys removed by active expiry reach BCAST clients from the cron,
    even with NOLOOP and no command running."""
    r = Raw(port)
    rid = int(r([b"CLIENT", b"ID"])[1:-2])
    r.write(b"SUBSCRIBE __redis__:invalidate\r\n")
    r.read_until_quiet(0.1)
    a = Raw(port)
    _send(a, b"CLIENT TRACKING on BCAST REDIRECT %d NOLOOP\r\n" % rid, b"SET mykey v PX 1\r\n", b"SET other v\r\n")
    time.sleep(1.0)
    return [r.read_until_quiet(0.2)]


def _eviction_before_reply(port: int) -> list[bytes]:
    """A key evicted before a command runs: its invalidation comes before
    that command's reply (it is not the command's own change), and the
    tracking table limit applies before MULTI queues a command."""
    a = Raw(port, resp3=True)
    out = [_send(a, b"CLIENT TRACKING on\r\n")]
    # Each command's first call allocates its latency histogram (24 KB on
    # both servers); have them made before the memory is measured.
    w = Raw(port)
    for cmd in ([b"SETEX", b"warm", b"1", b"x"], [b"GET", b"warm"], [b"SETBIT", b"warm", b"8", b"0"],
                [b"GETBIT", b"warm", b"0"], [b"DEL", b"warm"], [b"CONFIG", b"SET", b"maxmemory", b"0"],
                [b"INFO", b"memory"]):  # fmt: skip
        w(cmd)
    info = a([b"INFO", b"memory"]).decode()
    fields = dict(line.split(":", 1) for line in info.split("\r\n") if ":" in line)
    used = int(fields["used_memory"]) - int(fields["mem_not_counted_for_evict"])
    a([b"CONFIG", b"SET", b"maxmemory", b"%d" % (used + 100 * 1024)])
    a([b"CONFIG", b"SET", b"maxmemory-policy", b"volatile-random"])
    out.append(_send(a, b"SETEX volatile-key 10000 x\r\n", b"GET volatile-key\r\n", b"SETBIT big-key 1600000 0\r\n"))
    out.append(_send(a, b"GETBIT big-key 0\r\n"))
    a([b"CONFIG", b"SET", b"maxmemory", b"0"])
    Raw(port)([b"FLUSHALL"])  # an empty tracking table
    out.append(_send(a, b"MGET t1 t2\r\n", b"MULTI\r\n"))
    Raw(port)([b"CONFIG", b"SET", b"tracking-table-max-keys", b"1"])
    # Which of the two keys goes is each server's pick.
    out.append(re.sub(rb"\$2\r\nt[12]\r\n", b"$2\r\nt?\r\n", _send(a, b"PING\r\n", b"EXEC\r\n")))
    Raw(port)([b"CONFIG", b"SET", b"tracking-table-max-keys", b"1000000"])
    return out


SCENARIOS = [_eviction_before_reply, _ordering, _expired_bcast, _default_mode, _bcast, _opt_modes, _redirect, _scripts_and_noloop, _client_list_and_info, _table_limit]


@pytest.mark.parametrize("steps", SCENARIOS, ids=[s.__name__.strip("_") for s in SCENARIOS])
def test_tracking_sessions_match_redis(pair, steps):
    ours, theirs = (_scenario(s.port, steps) for s in pair)
    assert ours == theirs
    assert any(b"invalidate" in x or b"tracking" in x or x for x in ours)


def test_invalidations_reach_resp3_clients_at_all(pair):
    """The comparison above is only meaningful if messages flow: a plain
    check that radish sends one."""
    a, b = Raw(pair[0].port, resp3=True), Raw(pair[0].port)
    _send(a, b"CLIENT TRACKING on\r\n", b"GET live\r\n")
    b([b"SET", b"live", b"1"])
    assert a.read_until_quiet(0.2) == b">2\r\n$10\r\ninvalidate\r\n*1\r\n$4\r\nlive\r\n"
