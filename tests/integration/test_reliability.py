"""Reliability (issue 20) between real processes: the replication stream
of lazily expired keys, compared with redis-server's."""

from __future__ import annotations

import pytest
from tests.support.scripts import replication_stream
from tests.support.servers import start_pair

pytestmark = pytest.mark.timeout(120)

SCRIPT = """
DEBUG SET-ACTIVE-EXPIRE 0
SET a 1 PX 50
SET b 1 PX 50
SET c 1 PX 50
SET keep 1
DEBUG SLEEP 0.2
SCAN 0 COUNT 100
FLUSHALL
SET r 1 PX 50
SET s 1 PX 50
DEBUG SLEEP 0.2
RANDOMKEY
SET m 1 PX 50
SET n 1 PX 50
DEBUG SLEEP 0.2
MGET m n
"""


def _shape(stream: list[list[bytes]]) -> list:
    """The stream without the SETs' times; runs of DELs compared as sets
    (the order keys are found in differs)."""
    out: list = []
    for cmd in stream:
        if cmd[0].upper() == b"SET":
            out.append(tuple(cmd[:3]))
        elif cmd[0].upper() == b"DEL":
            if out and isinstance(out[-1], frozenset):
                out[-1] = out[-1] | {cmd[1]}
            else:
                out.append(frozenset([cmd[1]]))
        else:
            out.append(tuple(cmd))
    return out


def test_scan_and_randomkey_propagate_expired_keys_as_plain_dels():
    pair = start_pair("--enable-debug-command", "yes")
    try:
        ours, theirs = (_shape(replication_stream(s.port, SCRIPT, [])) for s in pair)
        assert ours == theirs
        assert (b"MULTI",) in ours  # MGET's deletions are wrapped, as Redis
    finally:
        for s in pair:
            s.stop()
