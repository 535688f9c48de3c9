"""Streams against a real redis-server: the same command sequences go to
both servers over raw sockets and every reply must be equal (values, nulls,
RESP3 maps, exact error texts). Lines whose replies depend on the clock
(idle times, delivery times, ``*`` IDs) are compared by shape (``#``).

Also: blocking XREAD / XREADGROUP scenarios with several connections, the
replication stream each command produces, a seeded random command stream
compared reply by reply and by DEBUG DIGEST, and RDB / DUMP interop both
ways (radish's file checked by redis-check-rdb and loaded by redis-server,
Redis's file loaded by radish).

Script and scenario syntax: tests/support/scripts.py.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import time

import pytest
import redis
from tests.support.resp import Raw, commands_of
from tests.support.scripts import (
    args_of,
    connect,
    dirty_count_diffs,
    read_full_sync,
    replication_stream,
    run_scenario,
    run_script,
)
from tests.support.servers import (
    free_port,
    radish_argv,
    start_radish,
    start_redis,
    subprocess_env,
    wait_until,
)

SCRIPTS: dict[str, str] = {}

SCRIPTS["xadd_ids_and_errors"] = r"""
XADD s 1-1 a 1
XADD s 1-2 a 2 b 3
XADD s 1-* a 3
XADD s 1-1 a 1
XADD s 0-0 a 1
XADD s 0 a 1
XADD s 5 a 1
XADD s abc a 1
XADD s 6-1 a
XADD s MAXLEN
XADD s MAXLEN 2 MINID 3 * a 1
XADD s MAXLEN -1 * a 1
XADD s MAXLEN abc * a 1
XADD s MINID abc * a 1
XADD s LIMIT 5 7-1 a 1
XADD s MAXLEN 5 LIMIT 5 7-1 a 1
XADD s MAXLEN ~ 5 LIMIT -1 7-1 a 1
XADD s NOMKSTREAM 8-0 f v
XADD nokey NOMKSTREAM 8-0 f v
exists nokey
XADD s 18446744073709551615-18446744073709551615 a b
XADD s 9 a b
XADD s 18446744073709551615-* a b
XADD t 5-18446744073709551615 a b
XADD t 5-* a b
XADD t -5 a b
XADD t " 7" a b
XADD t "+8" a b
XADD t 9--0 a b
XADD t 10-+ a b
XADD t + a b
XADD t - a b
XADD t 0-* a b
XADD z 0-* a b
XADD z 0-* a b
XRANGE t - +
XRANGE z - +
XLEN s
XLEN t
XLEN nokey
set str x
XADD str * a 1
XRANGE str - +
XLEN str
XDEL str 1
XTRIM str MAXLEN 1
XADD
XADD s
XADD s *
XADD s * a
#XADD s2 * a 1
#XADD s2 MAXLEN = 1 * a 2
XLEN s2
"""

SCRIPTS["xrange_bounds"] = r"""
XADD s 1-1 a 1
XADD s 1-2 a 2 b 3
XADD s 3-0 a 3
XADD s 5-7 c 4
XRANGE s - +
XRANGE s (1-1 +
XRANGE s - (5
XRANGE s 1 1
XRANGE s 1-2 3
XRANGE s - + COUNT 2
XRANGE s - + COUNT 0
XRANGE s - + COUNT -1
XRANGE s - + COUNT
XRANGE s - + COUNT 1 COUNT 2
XRANGE s - + LIMIT 1
XRANGE s (- +
XRANGE s - (+
XRANGE s (0-0 +
XRANGE s - (0-0
XRANGE s ( +
XRANGE s (18446744073709551615-18446744073709551615 +
XRANGE s - (18446744073709551615-18446744073709551615
XRANGE s 3 1
XRANGE s x +
XRANGE s - y
XREVRANGE s + - COUNT 2
XREVRANGE s + (1-2
XREVRANGE s (5-7 -
XREVRANGE s 1 3
XREVRANGE s + - COUNT 0
XRANGE nokey - +
XRANGE nokey - + COUNT 0
XREVRANGE nokey + -
XRANGE s 18446744073709551615 +
"""

SCRIPTS["xrange_resp3"] = r"""
XADD s 1-1 a 1
XADD s 2-1 a 2 b 3
XRANGE s - +
XREVRANGE s + -
XRANGE s - + COUNT 0
XINFO STREAM s
XGROUP CREATE s g 0
XINFO GROUPS s
XREAD STREAMS s 0
XREAD STREAMS s nokey 0 0
XREADGROUP GROUP g c STREAMS s >
XREADGROUP GROUP g c STREAMS s >
XPENDING s g
XAUTOCLAIM s g c 0 0 JUSTID
XREAD STREAMS s +
"""

SCRIPTS["xdel_xtrim"] = "\n".join(
    ["XADD s %d-0 f v%d" % (i, i) if i % 7 else "XADD s %d-0 f%d v%d g x" % (i, i, i) for i in range(1, 351)]
    + [
        "XINFO STREAM s",
        "XTRIM s MAXLEN ~ 250",
        "XLEN s",
        "XTRIM s MAXLEN ~ 10 LIMIT 100",
        "XLEN s",
        "XDEL s 251-0 252-0 300-0 251-0 7",
        "XDEL s abc",
        "XDEL s -",
        "XDEL nokey 1",
        "XTRIM s MINID ~ 320",
        "XLEN s",
        "XTRIM s MINID 305",
        "XLEN s",
        "XINFO STREAM s",
        "XRANGE s - + COUNT 3",
        "XREVRANGE s + - COUNT 3",
        "XTRIM s MAXLEN 2 MINID 3",
        "XTRIM s",
        "XTRIM s LIMIT 2",
        "XTRIM s MAXLEN 1 LIMIT 10",
        "XTRIM s NOMKSTREAM MAXLEN 1",
        "XTRIM s MAXLEN = 340",
        "XTRIM s MAXLEN ~ 1 LIMIT 0",
        "XTRIM s MINID = 345",
        "XTRIM s MINID - ",
        "XTRIM nokey MAXLEN 1",
        "XINFO STREAM s FULL",
        "debug digest-value s",
        "debug digest",
        "XTRIM s MAXLEN 0",
        "XINFO STREAM s",
        "exists s",
    ]
)

SCRIPTS["node_limits"] = "\n".join(
    [
        "CONFIG SET stream-node-max-entries 5",
        *["XADD b %d a %d" % (i, i) for i in range(1, 8)],
        "XINFO STREAM b",
        "XDEL b 1 2 3 4 5",
        "XINFO STREAM b",
        "XTRIM b MAXLEN 1",
        "XINFO STREAM b FULL",
        "CONFIG SET stream-node-max-entries 100",
        "CONFIG SET stream-node-max-bytes 100",
        *["XADD c %d field%d %s 12345 %d" % (i, i % 3, "x" * (i % 11) or "y", -i * 1000) for i in range(1, 40)],
        "XINFO STREAM c",
        "XTRIM c MAXLEN ~ 15",
        "XINFO STREAM c",
        "XTRIM c MINID ~ 30",
        "XINFO STREAM c",
        "CONFIG SET stream-node-max-bytes 0",
        "CONFIG SET stream-node-max-entries 0",
        *["XADD d %d f %s" % (i, "v" * i) for i in range(1, 30)],
        "XINFO STREAM d",
        "CONFIG SET stream-node-max-bytes 4096",
        "CONFIG SET stream-node-max-entries 100",
        "debug digest",
    ]
)

SCRIPTS["groups"] = r"""
XGROUP CREATE g grp $
XGROUP CREATE g grp $ MKSTREAM
XGROUP CREATE g grp $ MKSTREAM
XGROUP CREATE g grp2 0 ENTRIESREAD 5
XGROUP CREATE g grp3 0 ENTRIESREAD -2
XGROUP CREATE g grp3 0 ENTRIESREAD abc
XGROUP CREATE g grp3 0 FOO
XGROUP CREATE g grp3 -
XGROUP CREATE g grp3 +
XGROUP CREATE g grp3 0 MKSTREAM MKSTREAM MKSTREAM MKSTREAM
XADD g 1 a 1
XADD g 2 a 2
XADD g 3 a 3
XADD g 4 a 4
XINFO GROUPS g
XREADGROUP GROUP grp alice COUNT 2 STREAMS g >
XREADGROUP GROUP grp bob STREAMS g >
XREADGROUP GROUP grp bob STREAMS g >
XREADGROUP GROUP grp alice STREAMS g 0
XREADGROUP GROUP grp alice COUNT 1 STREAMS g 0
XREADGROUP GROUP grp alice STREAMS g 1-0
XREADGROUP GROUP grp alice STREAMS g $
XREADGROUP GROUP nogrp alice STREAMS g >
XREADGROUP GROUP grp alice STREAMS nokey >
XREADGROUP STREAMS g >
XREADGROUP GROUP grp alice STREAMS g
XREADGROUP GROUP grp alice STREAMS g > >
XREAD GROUP a b STREAMS g 0
XREAD NOACK STREAMS g 0
XREAD STREAMS g >
XREAD STREAMS g
XREAD COUNT 1 STREAMS g 0
XREAD STREAMS g nokey 0 0
XREAD STREAMS g g 0 2
XREAD STREAMS g $
XREAD STREAMS g +
XREAD STREAMS g -
XREAD BLOCK -1 STREAMS g 0
XREAD BLOCK abc STREAMS g 0
XREAD COUNT abc STREAMS g 0
XREAD FOO STREAMS g 0
XREAD COUNT -5 STREAMS g 3
XPENDING g grp
#XPENDING g grp - + 10
#XPENDING g grp - + 10 alice
XPENDING g grp - + 10 nobody
XPENDING g nogrp
XPENDING nokey grp
XPENDING g grp - +
#XPENDING g grp IDLE 0 - + 10
#XPENDING g grp IDLE 0 - + 10 bob
XPENDING g grp IDLE 100000 - + 10
#XPENDING g grp (1 (4 10
XPENDING g grp IDLE abc - + 10
XPENDING g grp - + abc
XPENDING g grp - + 0
XPENDING g grp ( + 10
XPENDING g grp - + 10 a b c
XACK g grp 1 9
XACK g grp abc
XACK g nogrp 1
XACK nokey grp 1
XINFO GROUPS g
XDEL g 2
XINFO GROUPS g
XREADGROUP GROUP grp alice STREAMS g 0
XGROUP CREATECONSUMER g grp carol
XGROUP CREATECONSUMER g grp carol
XGROUP CREATECONSUMER g nogrp carol
XGROUP CREATECONSUMER nokey grp carol
XGROUP DELCONSUMER g grp bob
XGROUP DELCONSUMER g grp bob
XGROUP DELCONSUMER g nogrp bob
XPENDING g grp
XGROUP SETID g grp 0
XGROUP SETID g grp $ ENTRIESREAD 3
XGROUP SETID g grp -
XGROUP SETID g grp 0 ENTRIESREAD
XGROUP SETID g grp 0 MKSTREAM
XGROUP SETID g grp 0 ENTRIESREAD -3
XGROUP SETID g nogrp 0
XGROUP SETID nokey grp 0
XGROUP DESTROY g grp3
XGROUP DESTROY g grp2
XGROUP DESTROY g grp2
XGROUP DESTROY nokey grp2
XGROUP FOO g grp
XGROUP CREATE g
XGROUP HELP
XGROUP HELP x
XINFO GROUPS g
XREADGROUP GROUP grp dave NOACK STREAMS g >
XINFO GROUPS g
XPENDING g grp
set str x
XGROUP CREATE str g 0
XREADGROUP GROUP g c STREAMS str >
XINFO STREAM str
XINFO GROUPS str
XPENDING str g
XACK str g 1
XCLAIM str g c 0 1
XAUTOCLAIM str g c 0 0
"""

SCRIPTS["xsetid_and_lag"] = r"""
XADD g 1 a 1
XADD g 2 a 2
XADD g 3 a 3
XGROUP CREATE g grp 0
XGROUP CREATE g late $
XGROUP CREATE g mid 2
XINFO GROUPS g
XREADGROUP GROUP grp c COUNT 1 STREAMS g >
XINFO GROUPS g
XDEL g 3
XINFO GROUPS g
XADD g 4 a 4
XINFO GROUPS g
XREADGROUP GROUP grp c STREAMS g >
XINFO GROUPS g
XDEL g 1
XINFO GROUPS g
XSETID g 1
XSETID g 10 ENTRIESADDED 1
XSETID g 10 ENTRIESADDED -1
XSETID g 10 MAXDELETEDID 11
XSETID g 10 ENTRIESADDED 10 MAXDELETEDID 9
XINFO STREAM g
XINFO GROUPS g
XSETID nokey 1
XSETID g 10 FOO
XSETID g abc
XSETID g -
XSETID g 10 ENTRIESADDED
XADD e 1 a 1
XDEL e 1
XSETID e 0
XINFO STREAM e
XSETID e 5 ENTRIESADDED 0
XINFO STREAM e
XGROUP CREATE e g 0 ENTRIESREAD 0
XINFO GROUPS e
"""

SCRIPTS["xclaim_xautoclaim"] = r"""
XADD g 1 a 1
XADD g 2 a 2
XADD g 3 a 3
XADD g 4 a 4
XGROUP CREATE g grp 0
XREADGROUP GROUP grp alice STREAMS g >
XCLAIM g grp alice 0 1 JUSTID
XCLAIM g nogrp alice 0 1
XCLAIM nokey grp alice 0 1
XCLAIM g grp alice abc 1
XCLAIM g grp alice 0 1 IDLE abc
XCLAIM g grp alice 0 1 FOO
XCLAIM g grp alice 0 1 TIME abc
XCLAIM g grp alice 0 1 RETRYCOUNT abc
XCLAIM g grp alice 0 1 LASTID abc
XCLAIM g grp alice 0 1 IDLE
XCLAIM g grp zed 0 3 4 RETRYCOUNT 7 JUSTID
XCLAIM g grp zed 0 3 FORCE JUSTID
XCLAIM g grp zed 100000 3 4
XCLAIM g grp zed 0 1 2 3 4 FORCE JUSTID
XCLAIM g grp zed 0 2 3 TIME 12345 RETRYCOUNT 3
XCLAIM g grp zed 0 1 LASTID 100
XINFO GROUPS g
XDEL g 4
XCLAIM g grp zed 0 4
XCLAIM g grp zed 0 5 FORCE
XPENDING g grp
XAUTOCLAIM g grp yan 0 0 JUSTID
XAUTOCLAIM g grp yan 0 0 COUNT 0
XAUTOCLAIM g grp yan 0 0 COUNT 1
XAUTOCLAIM g grp yan 0 0 COUNT abc
XAUTOCLAIM g grp yan 0 0 COUNT 2305843009213693952
XAUTOCLAIM g grp yan abc 0
XAUTOCLAIM g grp yan 0 0 FOO
XAUTOCLAIM g nogrp yan 0 0
XAUTOCLAIM nokey grp yan 0 0
XAUTOCLAIM g grp yan 0 (18446744073709551615-18446744073709551615
XAUTOCLAIM g grp yan 0 x
XAUTOCLAIM g grp yan 100000 0
XADD g 20 x y
XADD g 21 x y
XREADGROUP GROUP grp yan STREAMS g >
XDEL g 20 21 1
XAUTOCLAIM g grp yan 0 0 COUNT 1 JUSTID
XAUTOCLAIM g grp yan 0 0
XAUTOCLAIM g grp yan 0 0
XPENDING g grp
XINFO GROUPS g
"""

SCRIPTS["keyspace_and_info"] = r"""
XADD g 1 a 1 b 2
XADD g 2 a 2 b 3
XGROUP CREATE g grp 0
XREADGROUP GROUP grp c COUNT 1 STREAMS g >
TYPE g
OBJECT ENCODING g
SORT g
SORT_RO g
~SCAN 0 TYPE stream
COPY g g2
XINFO GROUPS g2
XLEN g2
RENAME g2 g3
XLEN g3
debug digest
debug digest-value g g3
EXPIRE g3 100
debug digest-value g3
XADD g2 1 a 1
debug digest-value g2
MOVE g3 1
SELECT 1
XLEN g3
SELECT 0
DEL g
XLEN g
XINFO STREAM g
XINFO CONSUMERS g grp
XADD g 1 a 1
XGROUP CREATE g grp 0
XINFO CONSUMERS g nogrp
XINFO CONSUMERS g grp
XINFO FOO g
XINFO STREAM g FOO
XINFO STREAM g FULL COUNT abc
XINFO STREAM g FULL COUNT
XINFO STREAM g FULL FOO 1
XINFO STREAM g FULL COUNT -1
XINFO STREAM g FULL COUNT 0
XINFO GROUPS g x
XINFO
XINFO GROUPS
XINFO HELP
XINFO HELP x
XGROUP
XINFO STREAM nokey
XINFO GROUPS nokey
XINFO CONSUMERS nokey g
command getkeys xread streams a b 1 2
command getkeys xread count 5 block 0 streams a 1
command getkeys xreadgroup group g c noack streams a b 1 2
command getkeys xread streams a b 1
command getkeys xadd s * a 1
"""

SCRIPTS["xread_many"] = r"""
XADD a 1 f 1
XADD b 1 f 1
XADD b 2 f 2
XREAD STREAMS a b c 0 0 0
XREAD COUNT 1 STREAMS a b 0 0
XREAD STREAMS a b 1 1
XREAD STREAMS a b $ $
XREAD BLOCK 10 STREAMS a b $ $
XREAD BLOCK 10 STREAMS a b 0 0
MULTI
XREAD BLOCK 0 STREAMS a $
XREADGROUP GROUP g c BLOCK 0 STREAMS b >
EXEC
XGROUP CREATE b g $
MULTI
XREADGROUP GROUP g c BLOCK 0 STREAMS b >
EXEC
EVAL "return redis.call('XREAD','BLOCK','0','STREAMS','a','$')" 0
EVAL "return redis.call('xread','STREAMS','a','0')" 0
"""


def _clocked(script: str) -> str:
    """Compare by shape the lines whose replies carry times."""
    out = []
    for line in script.strip().splitlines():
        low = line.lower()
        if not line.startswith("#") and (
            (low.startswith("xinfo stream") and "full" in low)
            or low.startswith("xinfo consumers")
            or (low.startswith("xpending") and len(line.split()) > 3)
        ):
            line = "#" + line
        out.append(line)
    return "\n".join(out)


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_script_matches_redis(name, port_pair):
    resp3 = name.endswith("resp3")
    ours, theirs = connect(port_pair[0], resp3), connect(port_pair[1], resp3)
    try:
        diffs = run_script(ours, theirs, _clocked(SCRIPTS[name]))
        assert diffs == [], "\n".join("%s\n  radish: %r\n  redis:  %r" % d for d in diffs)
    finally:
        for c in (ours, theirs):
            c([b"CONFIG", b"SET", b"stream-node-max-entries", b"100"])
            c([b"CONFIG", b"SET", b"stream-node-max-bytes", b"4096"])
            c([b"FLUSHALL"])
            c.close()


# -- blocking ------------------------------------------------------------------------------------

SCENARIOS: dict[str, str] = {}

SCENARIOS["xread_woken_by_xadd"] = r"""
c1 XADD s 1 a 1
c2> XREAD BLOCK 0 STREAMS s $
c3> XREAD BLOCK 0 COUNT 1 STREAMS nokey s 0 1
c1 XADD s 2 b 2
c2<
c3<
c1 INFO clients
"""

SCENARIOS["xread_dollar_is_resolved_when_blocking"] = r"""
c1 XADD s 1 a 1
c2> XREAD BLOCK 0 STREAMS s $
c1 MULTI
c1 XADD s 2 b 2
c1 XADD s 3 c 3
c1 EXEC
c2<
"""

SCENARIOS["xread_timeout_and_unblock"] = r"""
c1 XREAD BLOCK 50 STREAMS s 0
c2> XREAD BLOCK 0 STREAMS s $
c1 CLIENT UNBLOCK $c2
c2<
c2> XREAD BLOCK 0 STREAMS s $
c1 CLIENT UNBLOCK $c2 ERROR
c2<
c1 INFO clients
"""

SCENARIOS["xread_deleted_key_keeps_waiting"] = r"""
c1 XADD s 1 a 1
c2> XREAD BLOCK 0 STREAMS s $
c1 DEL s
c1 SET s x
c1 DEL s
c1 XADD s 5 a 5
c2<
"""

SCENARIOS["xreadgroup_woken_in_fifo_order"] = r"""
c1 XGROUP CREATE s g $ MKSTREAM
c2> XREADGROUP GROUP g alice BLOCK 0 STREAMS s >
c3> XREADGROUP GROUP g bob BLOCK 0 COUNT 1 STREAMS s >
c1 XADD s 1 a 1
c2<
c1 XADD s 2 a 2
c3<
c1 XPENDING s g
c1 XINFO GROUPS s
"""

SCENARIOS["xreadgroup_group_destroyed"] = r"""
c1 XGROUP CREATE s g $ MKSTREAM
c2> XREADGROUP GROUP g alice BLOCK 0 STREAMS s >
c1 XGROUP DESTROY s g
c2<
c1 INFO clients
"""

SCENARIOS["xreadgroup_key_deleted"] = r"""
c1 XGROUP CREATE s g $ MKSTREAM
c2> XREADGROUP GROUP g alice BLOCK 0 STREAMS s >
c3> XREAD BLOCK 0 STREAMS s $
c1 DEL s
c2<
c1 XADD s 1 a 1
c3<
"""

SCENARIOS["xreadgroup_key_overwritten"] = r"""
c1 XGROUP CREATE s g $ MKSTREAM
c2> XREADGROUP GROUP g alice BLOCK 0 STREAMS s >
c1 SET s x
c2<
"""

SCENARIOS["xreadgroup_noack_and_timeout"] = r"""
c1 XGROUP CREATE s g $ MKSTREAM
c2 XREADGROUP GROUP g alice BLOCK 30 STREAMS s >
c2> XREADGROUP GROUP g alice NOACK BLOCK 0 STREAMS s >
c1 XADD s 1 a 1
c2<
c1 XPENDING s g
"""

SCENARIOS["xreadgroup_blocked_on_two_keys"] = r"""
c1 XGROUP CREATE a g $ MKSTREAM
c1 XGROUP CREATE b g $ MKSTREAM
c2> XREADGROUP GROUP g alice BLOCK 0 STREAMS a b > >
c1 XADD b 1 x 1
c2<
c1 XPENDING b g
"""

SCENARIOS["xreadgroup_flushed"] = r"""
c1 XGROUP CREATE s g $ MKSTREAM
c1 XGROUP CREATE t g $ MKSTREAM
c2> XREADGROUP GROUP g alice BLOCK 0 STREAMS s >
c3> XREAD BLOCK 0 STREAMS t $
c1 FLUSHALL
c2<
c1 XADD t 1 a 1
c3<
c1 XGROUP CREATE s g $ MKSTREAM
c2> XREADGROUP GROUP g bob BLOCK 0 STREAMS s >
c1 FLUSHDB
c2<
"""

SCENARIOS["xreadgroup_swapped_away"] = r"""
c1 SELECT 9
c1 XGROUP CREATE s g $ MKSTREAM
c2 SELECT 9
c2> XREADGROUP GROUP g alice BLOCK 0 STREAMS s >
c1 SWAPDB 4 9
c2<
c1 SELECT 4
c1 FLUSHDB
"""


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_blocking_scenario_matches_redis(name, port_pair):
    ours = run_scenario(port_pair[0], SCENARIOS[name])
    theirs = run_scenario(port_pair[1], SCENARIOS[name])
    assert ours == theirs


# -- dirty counter and propagation -------------------------------------------------------------------

DIRTY_SCRIPT = r"""
XADD s 1 a 1
XADD s 2 a 2
XADD s MAXLEN 1 3 a 3
XADD s MAXLEN ~ 1 4 a 3
XDEL s 1 3 4
XDEL s 99
XTRIM s MAXLEN 0
XTRIM s MAXLEN 0
XADD s 5 a 5
XADD s 6 a 6
XGROUP CREATE s g 0
XGROUP CREATE s g 0
XGROUP CREATECONSUMER s g c0
XREADGROUP GROUP g c1 STREAMS s >
XREADGROUP GROUP g c1 STREAMS s >
XREADGROUP GROUP g c1 STREAMS s 0
XACK s g 5 6 7
XGROUP SETID s g 0
XREADGROUP GROUP g c2 NOACK STREAMS s >
XCLAIM s g c3 0 5 6 FORCE
XAUTOCLAIM s g c4 0 0
XGROUP DELCONSUMER s g c4
XGROUP DELCONSUMER s g c4
XSETID s 100
XGROUP DESTROY s g
XGROUP DESTROY s g
"""


def test_dirty_counter_matches(port_pair):
    ours, theirs = connect(port_pair[0], False), connect(port_pair[1], False)
    try:
        assert dirty_count_diffs(ours, theirs, DIRTY_SCRIPT) == []
    finally:
        ours.close()
        theirs.close()


def _normalise(cmds: list[list[bytes]]) -> list[list[bytes]]:
    """Delivery times (XCLAIM … TIME t) depend on the clock."""
    out = []
    for c in cmds:
        c = list(c)
        if c[0].upper() == b"XCLAIM":
            for i, a in enumerate(c[:-1]):
                if a.upper() == b"TIME":
                    c[i + 1] = b"<time>"
        out.append(c)
    return out


PROPAGATION_SCRIPT = r"""
XADD s 1-* a 1
XADD s 5 a 2
XADD s MAXLEN 1 6-* a 3
XADD s MAXLEN ~ 1 7 a 3
XADD s MINID ~ 1 LIMIT 10 8 a 3
XDEL s 8 9
XTRIM s MAXLEN ~ 0
XTRIM s MAXLEN = 0
XADD s 10 a 1
XADD s 11 a 1
XADD s 12 a 1
XADD s 13 a 1
XGROUP CREATE s g 0
XGROUP CREATE s g2 0 ENTRIESREAD 0
XGROUP CREATECONSUMER s g c0
XREADGROUP GROUP g c1 COUNT 1 STREAMS s >
XREADGROUP GROUP g c1 STREAMS s 0
XREADGROUP GROUP g c2 NOACK COUNT 1 STREAMS s >
XREADGROUP GROUP g2 c2 NOACK COUNT 2 STREAMS s >
XREADGROUP GROUP g c3 STREAMS s >
XACK s g 10 13
XCLAIM s g c4 0 11 12 JUSTID
XCLAIM s g c4 0 11 LASTID 20
XCLAIM s g c4 0 11 LASTID 30 RETRYCOUNT 5 TIME 1000
XDEL s 11
XAUTOCLAIM s g c5 0 0
XCLAIM s g c5 0 12 LASTID 40
XGROUP SETID s g $
XGROUP DELCONSUMER s g c5
XSETID s 50 ENTRIESADDED 20 MAXDELETEDID 11
XGROUP DESTROY s g2
XREAD STREAMS s 0
XPENDING s g
XINFO STREAM s
"""


def test_replication_stream_matches_redis(radish_server, redis_server):
    ours = _normalise(replication_stream(radish_server.port, PROPAGATION_SCRIPT, []))
    theirs = _normalise(replication_stream(redis_server.port, PROPAGATION_SCRIPT, []))
    assert ours == theirs


def test_xadd_star_is_propagated_with_its_id(radish_server):
    cmds = replication_stream(radish_server.port, "XADD s * a 1\nXADD s MAXLEN ~ 5 * b 2", [])
    assert [c[0] for c in cmds[:2]] == [b"XADD", b"XADD"]
    first, second = cmds[0], cmds[1]
    ms, seq = first[2].split(b"-")
    assert int(ms) > 1_600_000_000_000 and seq == b"0"
    assert second[:5] == [b"XADD", b"s", b"MAXLEN", b"=", b"2"]
    assert second[5] > first[2] or len(second[5]) > len(first[2]) or second[5].split(b"-")[0] == ms


def _blocked_stream(port: int, setup: str, blocked: list[bytes], script: str) -> list[list[bytes]]:
    """Attach as a replica, run ``setup``, park ``blocked`` on a second
    connection, run ``script`` (which wakes it); the commands the replica
    received (SELECT and PING left out)."""
    c = Raw(port)
    c([b"FLUSHALL"])
    sock = socket.create_connection(("127.0.0.1", port))
    sock.settimeout(10)
    sock.sendall(b"*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n")
    buf = read_full_sync(sock)
    waiter = Raw(port)
    try:
        for line in setup.strip().splitlines():
            c(args_of(line))
        waiter.send(blocked)
        time.sleep(0.05)
        for line in script.strip().splitlines():
            c(args_of(line))
        waiter.read()
        c([b"SET", b"end-marker", b"1"])
        sock.settimeout(0.2)
        while b"end-marker" not in buf:
            try:
                buf += sock.recv(65536)
            except TimeoutError:
                pass
    finally:
        c.close()
        waiter.close()
        sock.close()
    return [x for x in commands_of(buf) if x[0].upper() not in (b"SELECT", b"PING")]


@pytest.mark.parametrize(
    "blocked",
    [
        [b"XREADGROUP", b"GROUP", b"g", b"c1", b"BLOCK", b"0", b"STREAMS", b"s", b">"],
        [b"XREADGROUP", b"GROUP", b"g", b"c1", b"NOACK", b"BLOCK", b"0", b"STREAMS", b"s", b">"],
        [b"XREAD", b"BLOCK", b"0", b"STREAMS", b"s", b"$"],
    ],
    ids=["ack", "noack", "xread"],
)
def test_blocked_read_propagation_matches(radish_server, redis_server, blocked):
    """A woken XREADGROUP propagates XCLAIM (or XGROUP CREATECONSUMER and
    SETID with NOACK) after the XADD that woke it; XREAD nothing."""
    setup = "XGROUP CREATE s g $ MKSTREAM"
    ours = _normalise(_blocked_stream(radish_server.port, setup, blocked, "XADD s 1 a 1"))
    theirs = _normalise(_blocked_stream(redis_server.port, setup, blocked, "XADD s 1 a 1"))
    assert ours == theirs
    assert [b"XADD", b"s", b"1", b"a", b"1"] in ours


# -- random command streams --------------------------------------------------------------------------


def _random_script(seed: int, n: int = 400) -> list[str]:
    rnd = random.Random(seed)
    lines = ["XGROUP CREATE s g1 0 MKSTREAM", "XGROUP CREATE s g2 $"]
    nxt = 1
    for _ in range(n):
        op = rnd.random()
        if op < 0.35:
            nxt += rnd.choice((1, 1, 1, 2, 5))
            nf = rnd.choice((1, 1, 2, 3))
            same = rnd.random() < 0.7
            fv = " ".join("%s %s" % ("f%d" % k if same else "x%d" % rnd.randrange(4), rnd.choice(("1", "-7", "abc", "v" * rnd.randrange(1, 70), "123456789012")))
                          for k in range(nf))
            trim = ""
            r = rnd.random()
            if r < 0.1:
                trim = "MAXLEN ~ %d " % rnd.randrange(0, 300)
            elif r < 0.15:
                trim = "MAXLEN %d " % rnd.randrange(0, 300)
            elif r < 0.2:
                trim = "MINID ~ %d " % max(0, nxt - rnd.randrange(0, 300))
            lines.append("XADD s %s%d-%s %s" % (trim, nxt, rnd.choice(("*", "0", "1")), fv))
        elif op < 0.5:
            lines.append("XDEL s %s" % " ".join(str(rnd.randrange(1, nxt + 2)) for _ in range(rnd.randrange(1, 4))))
        elif op < 0.55:
            lines.append("XTRIM s %s %s %d" % (rnd.choice(("MAXLEN", "MINID")), rnd.choice(("~", "=")), rnd.randrange(0, nxt + 1)))
        elif op < 0.7:
            lines.append("XREADGROUP GROUP %s c%d COUNT %d %sSTREAMS s %s" % (
                rnd.choice(("g1", "g2")), rnd.randrange(3), rnd.randrange(1, 20), rnd.choice(("", "NOACK ")), rnd.choice((">", ">", ">", "0"))))
        elif op < 0.8:
            lines.append("XACK s %s %s" % (rnd.choice(("g1", "g2")), " ".join(str(rnd.randrange(1, nxt + 2)) for _ in range(3))))
        elif op < 0.87:
            lines.append("XCLAIM s %s c%d 0 %s %s" % (rnd.choice(("g1", "g2")), rnd.randrange(3), " ".join(str(rnd.randrange(1, nxt + 2)) for _ in range(3)),
                                                       rnd.choice(("JUSTID", "", "FORCE JUSTID", "TIME 1000 RETRYCOUNT 2 JUSTID"))))
        elif op < 0.9:
            lines.append("XAUTOCLAIM s %s c%d 0 %d COUNT %d JUSTID" % (rnd.choice(("g1", "g2")), rnd.randrange(3), rnd.randrange(0, nxt), rnd.randrange(1, 10)))
        elif op < 0.93:
            lines.append("XINFO STREAM s")
        elif op < 0.96:
            lines.append("XINFO GROUPS s")
        elif op < 0.98:
            lines.append("XRANGE s %d + COUNT %d" % (rnd.randrange(0, nxt), rnd.randrange(1, 30)))
        else:
            lines.append("XREVRANGE s + - COUNT 5")
        if rnd.random() < 0.1:
            lines.append("debug digest-value s")
    lines.append("debug digest")
    return lines


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("node_entries", [100, 4])
def test_random_command_stream_matches_redis(port_pair, seed, node_entries):
    ours, theirs = connect(port_pair[0], False), connect(port_pair[1], False)
    try:
        for c in (ours, theirs):
            c([b"CONFIG", b"SET", b"stream-node-max-entries", str(node_entries).encode()])
            c([b"CONFIG", b"SET", b"stream-node-max-bytes", b"300" if node_entries == 4 else b"4096"])
        script = "\n".join(_random_script(seed * 7 + node_entries))
        diffs = run_script(ours, theirs, script)
        assert diffs == [], "\n".join("%s\n  radish: %r\n  redis:  %r" % d for d in diffs[:5])
    finally:
        for c in (ours, theirs):
            c([b"CONFIG", b"SET", b"stream-node-max-entries", b"100"])
            c([b"CONFIG", b"SET", b"stream-node-max-bytes", b"4096"])
            c([b"FLUSHALL"])
            c.close()


# -- RDB, DUMP / RESTORE ------------------------------------------------------------------------------


def _populate_streams(c) -> None:
    """Streams with every feature the RDB format carries: several nodes,
    deleted and trimmed entries, same and different fields, integer values,
    big values, groups with pending entries, consumers, the 7.0 counters."""
    c.config_set("stream-node-max-entries", 10)
    for i in range(1, 120):
        if i % 9 == 0:
            c.xadd("s", {"other": i, "x": "y" * (i % 30)}, id="%d-%d" % (i, i % 4))
        else:
            c.xadd("s", {"f": "v%d" % i, "n": i * 1001, "neg": -i}, id="%d-%d" % (i, i % 4))
    c.xdel("s", "5-1", "6-2", "50-2", "51-3")
    c.xtrim("s", maxlen=100)
    c.xgroup_create("s", "g1", id="0")
    c.xgroup_create("s", "g2", id="$")
    c.execute_command("XGROUP", "CREATE", "s", "g3", "30", "ENTRIESREAD", "12")
    c.xreadgroup("g1", "alice", {"s": ">"}, count=5)
    c.xreadgroup("g1", "bob", {"s": ">"}, count=3)
    c.xreadgroup("g1", "carol", {"s": ">"}, count=2, noack=True)
    c.execute_command("XGROUP", "CREATECONSUMER", "s", "g2", "idle")
    c.execute_command("XCLAIM", "s", "g1", "bob", "0", "30-2", "TIME", "1700000000000", "RETRYCOUNT", "4", "JUSTID")
    c.execute_command("XGROUP", "SETID", "s", "g3", "40")
    c.config_set("stream-node-max-entries", 100)
    c.xadd("big", {"field": "y" * 5000}, id="1")
    c.xadd("big", {"field": "zz" * 30, "12345": "678"}, id="2")
    c.xadd("empty", {"a": "1"}, id="1")
    c.xdel("empty", "1")
    c.execute_command("XSETID", "empty", "9-9", "ENTRIESADDED", "5", "MAXDELETEDID", "3")
    c.xgroup_create("empty", "g", id="$")
    c.xadd("plain", {"a": "1"}, id="7")
    c.expire("plain", 1000)


def _streams_seen(c) -> dict:
    out = {}
    for key in (b"s", b"big", b"empty", b"plain"):
        out[key] = (
            c.execute_command("XINFO", "STREAM", key, "FULL", "COUNT", "0"),
            c.execute_command("XRANGE", key, "-", "+"),
            c.execute_command("DEBUG", "DIGEST-VALUE", key),
            c.ttl(key) > 0,
        )
    out[b"digest"] = c.execute_command("DEBUG", "DIGEST")
    return out


def _no_seen_times(tree):
    """A consumer's seen-time is the moment it was created or last seen:
    an AOF replay creates consumers anew, in Redis as in radish."""
    if isinstance(tree, list):
        out = []
        for k, x in enumerate(tree):
            out.append(0 if k and tree[k - 1] == b"seen-time" else _no_seen_times(x))
        return out
    if isinstance(tree, tuple):
        return tuple(_no_seen_times(x) for x in tree)
    if isinstance(tree, dict):
        # The node layout follows the config of the server that replays the
        # AOF, not the one that wrote it.
        return {k: 0 if k in (b"seen-time", b"radix-tree-keys", b"radix-tree-nodes") else _no_seen_times(v) for k, v in tree.items()}
    return tree


def _dumps(c) -> dict:
    return {k: c.dump(k) for k in (b"s", b"big", b"empty", b"plain")}


def _check_rdb(path: str) -> str:
    res = subprocess.run(["redis-check-rdb", path], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "RDB looks OK" in res.stdout
    return res.stdout


def test_stream_file_written_by_radish_loads_in_redis():
    s = start_radish("--enable-debug-command", "yes")
    try:
        c = s.client()
        _populate_streams(c)
        assert c.save() is True
        expected = _streams_seen(c)
        dumps = _dumps(c)
    finally:
        s.stop()
    _check_rdb(os.path.join(s.dir, "dump.rdb"))
    ref = start_redis("--enable-debug-command", "yes", workdir=s.dir)
    try:
        rc = ref.client()
        assert _streams_seen(rc) == expected
        assert _dumps(rc) == dumps  # DUMP payloads byte for byte
    finally:
        ref.stop()


def test_stream_file_written_by_redis_loads_in_radish():
    ref = start_redis("--enable-debug-command", "yes")
    try:
        rc = ref.client()
        _populate_streams(rc)
        assert rc.save() is True
        expected = _streams_seen(rc)
        dumps = _dumps(rc)
    finally:
        ref.stop()
    s = start_radish("--enable-debug-command", "yes", workdir=ref.dir)
    try:
        c = s.client()
        assert _streams_seen(c) == expected
        assert _dumps(c) == dumps
        # The loaded stream keeps working as Redis's would.
        assert c.xadd("s", {"f": "new"}, id="500-0") == b"500-0"
        assert c.xreadgroup("g1", "dave", {"s": ">"}, count=1) == [[b"s", [(b"21-1", {b"f": b"v21", b"n": b"21021", b"neg": b"-21"})]]]
    finally:
        s.stop()


def test_dump_payloads_restore_across_servers():
    ref = start_redis("--enable-debug-command", "yes")
    s = start_radish("--enable-debug-command", "yes")
    try:
        rc, c = ref.client(), s.client()
        _populate_streams(rc)
        for key, payload in _dumps(rc).items():
            assert c.restore(key, 0, payload) == b"OK"
            assert c.dump(key) == payload
        c.expire("plain", 1000)
        assert _streams_seen(c) == _streams_seen(rc)
        c.flushall()
        _populate_streams(c)
        rc.flushall()
        for key, payload in _dumps(c).items():
            assert rc.restore(key, 0, payload) == b"OK"
        rc.expire("plain", 1000)
        assert _streams_seen(rc) == _streams_seen(c)
    finally:
        ref.stop()
        s.stop()


def _payload(body: bytes) -> bytes:
    from radish.persistence.crc64 import crc64

    data = body + b"\x0a\x00"
    return data + crc64(data).to_bytes(8, "little")


def test_corrupt_stream_payload_is_refused():
    s = start_radish()
    try:
        c = s.client()
        c.xadd("good", {"a": "1"}, id="1")
        payload = c.dump("good")
        body = bytearray(payload[:-10])
        # The listpack's "count" of live entries (its first element) says 5.
        pos = body.index(b"\x01\x01\x00\x01\x01\x01")
        body[pos] = 5
        with pytest.raises(redis.ResponseError, match="Bad data format"):
            c.restore("bad", 0, _payload(bytes(body)))
        with pytest.raises(redis.ResponseError, match="Bad data format"):
            c.restore("bad", 0, _payload(b"\x13\x01" + b"\x05short"))
        assert c.exists("bad") == 0
    finally:
        s.stop()


def test_corrupt_stream_in_a_file_stops_the_load_with_its_key(tmp_path):
    s = start_radish()
    try:
        c = s.client()
        c.set("fine", "1")
        c.xadd("events", {"a": "1"}, id="1")
        assert c.save() is True
    finally:
        s.stop()
    path = os.path.join(s.dir, "dump.rdb")
    with open(path, "rb") as f:
        data = bytearray(f.read())
    pos = data.index(b"events") + len(b"events")
    i = data.index(b"\x01\x01\x00\x01\x01\x01", pos)
    data[i] = 7  # live-entry counter of the node disagrees with its entries
    with open(path, "wb") as f:
        f.write(bytes(data[:-8]) + b"\x00" * 8)  # no checksum: the stream check must catch it
    res = subprocess.run(radish_argv(free_port(), s.dir), cwd=s.dir, env=subprocess_env(), capture_output=True, text=True, timeout=60)
    out = res.stdout + res.stderr
    assert res.returncode != 0
    assert "key 'events': corrupt stream: listpack counters disagree with its entries" in out


# -- AOF ------------------------------------------------------------------------------------------------


def test_aof_rewrite_rebuilds_streams_in_radish_and_redis(tmp_path):
    """BGREWRITEAOF writes streams, groups, consumers and PELs back as
    commands; radish's AOF loads in redis-server and in radish with the
    same contents (delivery times and seen-times included)."""
    s = start_radish("--enable-debug-command", "yes", "--appendonly", "yes", "--aof-use-rdb-preamble", "no")
    try:
        c = s.client()
        _populate_streams(c)
        c.execute_command("BGREWRITEAOF")
        wait_until(lambda: c.info("persistence")["aof_rewrite_in_progress"] == 0 and c.info("persistence")["aof_rewrite_scheduled"] == 0)
        time.sleep(0.2)
        c.xadd("s", {"after": "rewrite"}, id="900-0")
        expected = _no_seen_times(_streams_seen(c))
    finally:
        s.stop()
    (name,) = [n for n in os.listdir(os.path.join(s.dir, "appendonlydir")) if n.endswith(".base.aof")]
    with open(os.path.join(s.dir, "appendonlydir", name), "rb") as f:
        base = f.read()
    assert b"XSETID" in base and b"XCLAIM" in base and b"CREATECONSUMER" in base
    ref = start_redis("--enable-debug-command", "yes", "--appendonly", "yes", workdir=s.dir)
    try:
        assert _no_seen_times(_streams_seen(ref.client())) == expected
    finally:
        ref.stop()
    s2 = start_radish("--enable-debug-command", "yes", "--appendonly", "yes", workdir=s.dir)
    try:
        assert _no_seen_times(_streams_seen(s2.client())) == expected
    finally:
        s2.stop()


def test_redis_aof_rewrite_of_streams_loads_in_radish():
    ref = start_redis("--enable-debug-command", "yes", "--appendonly", "yes", "--aof-use-rdb-preamble", "no")
    try:
        rc = ref.client()
        _populate_streams(rc)
        rc.execute_command("BGREWRITEAOF")
        wait_until(lambda: rc.info("persistence")["aof_rewrite_in_progress"] == 0 and rc.info("persistence")["aof_rewrite_scheduled"] == 0)
        time.sleep(0.2)
        rc.xadd("s", {"after": "rewrite"}, id="900-0")
        expected = _no_seen_times(_streams_seen(rc))
    finally:
        ref.stop()
    s = start_radish("--enable-debug-command", "yes", "--appendonly", "yes", workdir=ref.dir)
    try:
        assert _no_seen_times(_streams_seen(s.client())) == expected
    finally:
        s.stop()


BLOCKED_STATS_SCENARIO = r"""
c1 CONFIG RESETSTAT
c2> BLPOP l 0
c1 LPUSH l a
c2<
c1 XGROUP CREATE s g $ MKSTREAM
c2> XREADGROUP GROUP g alice BLOCK 0 STREAMS s >
c1 XGROUP DESTROY s g
c2<
c2 BLPOP l 0.01
c2> BLPOP l 0
c1 CLIENT UNBLOCK $c2 ERROR
c2<
c2> BRPOP l 0
c1 CLIENT UNBLOCK $c2
c2<
c2> XREAD BLOCK 0 STREAMS s $
c1 XADD s 1 a 1
c2<
"""


def _stats(port: int) -> list[str]:
    c = Raw(port)
    lines = []
    for section in (b"commandstats", b"errorstats"):
        body = c([b"INFO", section]).split(b"\r\n", 1)[1].decode()
        for line in body.split("\r\n"):
            if line.startswith("cmdstat_"):
                name, fields = line.split(":", 1)
                kept = [f for f in fields.split(",") if not f.startswith("usec")]  # times differ
                lines.append(name + ":" + ",".join(kept))
            elif line.startswith("errorstat_"):
                lines.append(line)
    lines.append([x for x in c([b"INFO", b"stats"]).decode().split("\r\n") if x.startswith("total_error_replies")][0])
    c.close()
    return lines


def test_blocked_commands_are_counted_once(port_pair):
    """A blocked command counts one call (when it blocked), its failure
    once when it is served with an error, and each error reply once."""
    for port in port_pair:
        run_scenario(port, BLOCKED_STATS_SCENARIO)
    assert sorted(_stats(port_pair[0])) == sorted(_stats(port_pair[1]))
