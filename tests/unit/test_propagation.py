"""The propagation funnel: what replicas and the writes-only subscribers
(the AOF) receive."""

from __future__ import annotations

from tests.support.resp import commands_of

from radish.propagation import Propagator


def _listeners(prop: Propagator):
    full: list[bytes] = []
    writes: list[bytes] = []
    prop.subscribe(full.append)
    prop.subscribe(writes.append, control=False)
    return full, writes


def test_replica_only_commands_stay_out_of_the_writes_stream():
    prop = Propagator()
    full, writes = _listeners(prop)
    prop.propagate(0, [b"SET", b"k", b"v"])
    prop.propagate_to_replicas(0, [b"PUBLISH", b"ch", b"m"])
    prop.propagate(3, [b"DEL", b"x"])
    prop.flush()
    assert commands_of(b"".join(full)) == [
        [b"SELECT", b"0"], [b"MULTI"], [b"SET", b"k", b"v"], [b"PUBLISH", b"ch", b"m"],
        [b"SELECT", b"3"], [b"DEL", b"x"], [b"EXEC"],
    ]
    assert commands_of(b"".join(writes)) == [
        [b"SELECT", b"0"], [b"MULTI"], [b"SET", b"k", b"v"], [b"SELECT", b"3"], [b"DEL", b"x"], [b"EXEC"],
    ]
    assert prop.master_repl_offset == len(b"".join(full))


def test_a_lone_publish_reaches_replicas_only():
    prop = Propagator()
    full, writes = _listeners(prop)
    prop.propagate_to_replicas(2, [b"PUBLISH", b"ch", b"m"])
    prop.flush()
    # In the publisher's database, as Redis feeds replicas (the SELECT is
    # the writes stream's too: one selected database for both).
    assert commands_of(b"".join(full)) == [[b"SELECT", b"2"], [b"PUBLISH", b"ch", b"m"]]
    assert commands_of(b"".join(writes)) == [[b"SELECT", b"2"]]
    prop.propagate_to_replicas(2, [b"PUBLISH", b"ch", b"n"])
    prop.flush()
    assert commands_of(full[-1]) == [[b"PUBLISH", b"ch", b"n"]] and len(writes) == 1
    # The next write still selects its database in both streams.
    prop.propagate(5, [b"SET", b"a", b"1"])
    prop.flush()
    assert commands_of(full[-1]) == commands_of(writes[-1]) == [[b"SELECT", b"5"], [b"SET", b"a", b"1"]]


def test_control_frames_skip_the_writes_stream():
    prop = Propagator()
    full, writes = _listeners(prop)
    prop.feed(b"*1\r\n$4\r\nPING\r\n", control=True)
    assert full == [b"*1\r\n$4\r\nPING\r\n"] and writes == []
    assert prop.master_repl_offset == 14
