"""List commands through the dispatcher in-process: replies (RESP2 values,
RESP3 bytes), every error text, counts of zero and negative, what is
propagated, blocking pops parked and woken without sockets. Parity with a
real redis-server: tests/compat/test_lists_hashes_sets_compat.py; blocking
across real connections: tests/integration/test_blocking.py."""

from __future__ import annotations

import pytest
from tests.support.inprocess import WRONGTYPE, Types
from tests.support.resp import Err

from radish.dispatch import BLOCKED


@pytest.fixture
def t():
    return Types()


# -- pushes and pops ----------------------------------------------------------------


def test_push_pop_both_ends(t):
    assert t("RPUSH", "l", "a", "b") == 2
    assert t("LPUSH", "l", "x", "y") == 4
    assert t("LRANGE", "l", 0, -1) == [b"y", b"x", b"a", b"b"]
    assert t("LPOP", "l") == b"y"
    assert t("RPOP", "l") == b"b"
    assert t("LLEN", "l") == 2
    assert t("TYPE", "l") == "list"
    assert t("OBJECT", "ENCODING", "l") == b"quicklist"


def test_pushx_only_on_existing_lists(t):
    assert t("LPUSHX", "l", "a") == 0
    assert t("RPUSHX", "l", "a", "b") == 0
    assert t("EXISTS", "l") == 0
    t("RPUSH", "l", "m")
    assert t("LPUSHX", "l", "a", "b") == 3
    assert t("RPUSHX", "l", "y", "z") == 5
    assert t("LRANGE", "l", 0, -1) == [b"b", b"a", b"m", b"y", b"z"]


def test_pop_with_count(t):
    t("RPUSH", "l", "a", "b", "c", "d")
    assert t("LPOP", "l", 2) == [b"a", b"b"]
    assert t("RPOP", "l", 0) == []
    assert t("RPOP", "l", 10) == [b"d", b"c"]
    assert t("EXISTS", "l") == 0
    assert t("LPOP", "l", 0) is None  # null array for a missing key
    assert t.raw("LPOP", "l", 3) == b"*-1\r\n"
    assert t.raw("LPOP", "l") == b"$-1\r\n"
    assert t.resp3("LPOP", "l", 3) == b"_\r\n"
    assert t("LPOP", "l", -1) == Err("ERR value is out of range, must be positive")
    assert t("LPOP", "l", "x") == Err("ERR value is out of range, must be positive")
    assert t("LPOP", "l", 1, 2) == Err("ERR wrong number of arguments for 'lpop' command")
    assert t("RPOP", "l", 1, 2) == Err("ERR wrong number of arguments for 'rpop' command")


def test_popped_to_empty_list_is_deleted(t):
    t("RPUSH", "l", "a")
    t("EXPIRE", "l", 100)
    assert t("RPOP", "l") == b"a"
    assert t("EXISTS", "l") == 0
    t("RPUSH", "l", "b")
    assert t("TTL", "l") == -1


def test_wrongtype_everywhere(t):
    t("SET", "s", "x")
    for args in (
        ("LPUSH", "s", "a"), ("RPUSHX", "s", "a"), ("LPOP", "s"), ("RPOP", "s", 2),
        ("LLEN", "s"), ("LRANGE", "s", 0, 1), ("LINDEX", "s", 0), ("LINDEX", "s", "x"),
        ("LSET", "s", 0, "a"), ("LINSERT", "s", "BEFORE", "a", "b"), ("LREM", "s", 0, "a"),
        ("LTRIM", "s", 0, 1), ("LPOS", "s", "a"), ("LMOVE", "s", "d", "LEFT", "LEFT"),
        ("RPOPLPUSH", "s", "d"), ("LMPOP", 1, "s", "LEFT"), ("BLPOP", "s", 0),
        ("BLMPOP", 0, 1, "s", "LEFT"), ("BRPOPLPUSH", "s", "d", 0),
    ):
        assert t(*args) == Err(WRONGTYPE), args
    t("RPUSH", "l", "a")
    assert t("LMOVE", "l", "s", "LEFT", "LEFT") == Err(WRONGTYPE)
    assert t("LRANGE", "l", 0, -1) == [b"a"]  # nothing popped
    # A missing source answers nil before the destination is looked at.
    assert t("LMOVE", "nokey", "s", "LEFT", "LEFT") is None


# -- ranges, indexes, searches ------------------------------------------------------------


def test_lrange_index_normalisation(t):
    t("RPUSH", "l", *"abcde")
    assert t("LRANGE", "l", 1, 3) == [b"b", b"c", b"d"]
    assert t("LRANGE", "l", -2, -1) == [b"d", b"e"]
    assert t("LRANGE", "l", -100, 100) == [b"a", b"b", b"c", b"d", b"e"]
    assert t("LRANGE", "l", 3, 1) == []
    assert t("LRANGE", "l", 5, 10) == []
    assert t("LRANGE", "nokey", 0, -1) == []
    assert t("LRANGE", "l", "x", 1) == Err("ERR value is not an integer or out of range")
    assert t("LRANGE", "nokey", 0, "1.5") == Err("ERR value is not an integer or out of range")


def test_lrange_from_the_far_end_of_a_long_list(t):
    t("RPUSH", "l", *range(1000))
    assert t("LRANGE", "l", 990, 995) == [str(i).encode() for i in range(990, 996)]
    assert t("LRANGE", "l", -3, -1) == [b"997", b"998", b"999"]


def test_lindex(t):
    t("RPUSH", "l", "a", "b", "c")
    assert t("LINDEX", "l", 0) == b"a"
    assert t("LINDEX", "l", -1) == b"c"
    assert t("LINDEX", "l", 3) is None
    assert t("LINDEX", "l", -4) is None
    assert t("LINDEX", "nokey", "x") is None  # key checked first, as Redis does
    assert t("LINDEX", "l", "x") == Err("ERR value is not an integer or out of range")


def test_lset(t):
    t("RPUSH", "l", "a", "b", "c")
    assert t("LSET", "l", 1, "B") == "OK"
    assert t("LSET", "l", -1, "C") == "OK"
    assert t("LRANGE", "l", 0, -1) == [b"a", b"B", b"C"]
    assert t("LSET", "l", 3, "x") == Err("ERR index out of range")
    assert t("LSET", "l", -4, "x") == Err("ERR index out of range")
    assert t("LSET", "nokey", 0, "x") == Err("ERR no such key")
    assert t("LSET", "nokey", "x", "x") == Err("ERR no such key")
    assert t("LSET", "l", "x", "x") == Err("ERR value is not an integer or out of range")


def test_linsert(t):
    t("RPUSH", "l", "a", "c")
    assert t("LINSERT", "l", "BEFORE", "c", "b") == 3
    assert t("LINSERT", "l", "after", "c", "d") == 4
    assert t("LINSERT", "l", "AFTER", "zz", "d") == -1
    assert t("LINSERT", "nokey", "BEFORE", "a", "b") == 0
    assert t("LINSERT", "l", "MIDDLE", "a", "b") == Err("ERR syntax error")
    assert t("LINSERT", "nokey", "MIDDLE", "a", "b") == Err("ERR syntax error")
    assert t("LRANGE", "l", 0, -1) == [b"a", b"b", b"c", b"d"]


def test_lrem_counts(t):
    t("RPUSH", "l", *"xaxbxcx")
    assert t("LREM", "l", 2, "x") == 2
    assert t("LRANGE", "l", 0, -1) == [b"a", b"b", b"x", b"c", b"x"]
    assert t("LREM", "l", -1, "x") == 1
    assert t("LRANGE", "l", 0, -1) == [b"a", b"b", b"x", b"c"]
    assert t("LREM", "l", 0, "x") == 1
    assert t("LREM", "l", 0, "nothere") == 0
    assert t("LREM", "nokey", 0, "x") == 0
    assert t("LREM", "l", "x", "a") == Err("ERR value is not an integer or out of range")
    assert t("LREM", "l", 0, "a") == 1
    assert t("LREM", "l", -5, "b") == 1
    assert t("LREM", "l", 1, "c") == 1
    assert t("EXISTS", "l") == 0


def test_ltrim(t):
    t("RPUSH", "l", *"abcdef")
    assert t("LTRIM", "l", 1, -2) == "OK"
    assert t("LRANGE", "l", 0, -1) == [b"b", b"c", b"d", b"e"]
    assert t("LTRIM", "l", -2, 100) == "OK"
    assert t("LRANGE", "l", 0, -1) == [b"d", b"e"]
    assert t("LTRIM", "l", 5, 10) == "OK"
    assert t("EXISTS", "l") == 0
    assert t("LTRIM", "nokey", 0, 1) == "OK"
    assert t("LTRIM", "nokey", "x", 1) == Err("ERR value is not an integer or out of range")
    t("RPUSH", "l", *range(100))
    assert t("LTRIM", "l", 90, 95) == "OK"
    assert t("LRANGE", "l", 0, -1) == [str(i).encode() for i in range(90, 96)]
    assert t("LTRIM", "l", 1, 0) == "OK"
    assert t("EXISTS", "l") == 0


def test_lpos(t):
    t("RPUSH", "l", 1, 2, 3, 2, 1, 2)
    assert t("LPOS", "l", 2) == 1
    assert t("LPOS", "l", 2, "RANK", 2) == 3
    assert t("LPOS", "l", 2, "RANK", -1) == 5
    assert t("LPOS", "l", 2, "RANK", -9223372036854775808) == 5
    assert t("LPOS", "l", 2, "COUNT", 0) == [1, 3, 5]
    assert t("LPOS", "l", 2, "COUNT", 2, "RANK", -1) == [5, 3]
    assert t("LPOS", "l", 2, "MAXLEN", 1) is None
    assert t("LPOS", "l", 2, "COUNT", 0, "MAXLEN", 4) == [1, 3]
    assert t("LPOS", "l", 9) is None
    assert t("LPOS", "l", 9, "COUNT", 1) == []
    assert t("LPOS", "nokey", 9) is None
    assert t("LPOS", "nokey", 9, "COUNT", 0) == []
    assert t("LPOS", "l", 2, "RANK", 0) == Err(
        "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
        "or use negative to start from the end of the list"
    )
    assert t("LPOS", "l", 2, "COUNT", -1) == Err("ERR COUNT can't be negative")
    assert t("LPOS", "l", 2, "MAXLEN", -1) == Err("ERR MAXLEN can't be negative")
    assert t("LPOS", "l", 2, "RANK", "x") == Err("ERR value is not an integer or out of range")
    assert t("LPOS", "l", 2, "RANK") == Err("ERR syntax error")
    assert t("LPOS", "nokey", 2, "FOO", 1) == Err("ERR syntax error")


# -- moves ----------------------------------------------------------------------------------


def test_lmove_directions_and_rotation(t):
    t("RPUSH", "src", "a", "b", "c")
    assert t("LMOVE", "src", "dst", "LEFT", "RIGHT") == b"a"
    assert t("LMOVE", "src", "dst", "right", "left") == b"c"
    assert t("LRANGE", "dst", 0, -1) == [b"c", b"a"]
    assert t("RPOPLPUSH", "src", "dst") == b"b"
    assert t("EXISTS", "src") == 0
    assert t("RPOPLPUSH", "src", "dst") is None
    assert t("LMOVE", "dst", "dst", "LEFT", "RIGHT") == b"b"  # rotation
    assert t("LRANGE", "dst", 0, -1) == [b"c", b"a", b"b"]
    assert t("LMOVE", "dst", "x", "UP", "LEFT") == Err("ERR syntax error")
    assert t("LMOVE", "dst", "x", "LEFT", "DOWN") == Err("ERR syntax error")
    t("RPUSH", "one", "x")
    assert t("LMOVE", "one", "one", "LEFT", "LEFT") == b"x"
    assert t("LRANGE", "one", 0, -1) == [b"x"]


def test_lmpop(t):
    t("RPUSH", "b", "1", "2", "3")
    assert t("LMPOP", 2, "a", "b", "LEFT") == [b"b", [b"1"]]
    assert t("LMPOP", 2, "a", "b", "RIGHT", "COUNT", 10) == [b"b", [b"3", b"2"]]
    assert t("EXISTS", "b") == 0
    assert t("LMPOP", 2, "a", "b", "LEFT") is None
    assert t.raw("LMPOP", 1, "a", "LEFT") == b"*-1\r\n"
    for args, err in (
        ((0, "a", "LEFT"), "ERR numkeys should be greater than 0"),
        (("x", "a", "LEFT"), "ERR numkeys should be greater than 0"),
        ((-1, "a", "LEFT"), "ERR numkeys should be greater than 0"),
        ((3, "a", "LEFT"), "ERR syntax error"),
        ((1, "a", "MIDDLE"), "ERR syntax error"),
        ((1, "a", "LEFT", "COUNT", 0), "ERR count should be greater than 0"),
        ((1, "a", "LEFT", "COUNT", "x"), "ERR count should be greater than 0"),
        ((1, "a", "LEFT", "COUNT", 1, "COUNT", 2), "ERR syntax error"),
        ((1, "a", "LEFT", "COUNT"), "ERR syntax error"),
    ):
        assert t("LMPOP", *args) == Err(err), args


def test_getkeys_of_movable_list_commands(t):
    assert t("COMMAND", "GETKEYS", "LMPOP", 2, "a", "b", "LEFT") == [b"a", b"b"]
    assert t("COMMAND", "GETKEYS", "BLMPOP", 0, 2, "a", "b", "LEFT") == [b"a", b"b"]
    assert t("COMMAND", "GETKEYS", "LMPOP", 0, "a", "LEFT") == Err("ERR Invalid arguments specified for command")
    assert t("COMMAND", "GETKEYS", "BLPOP", "a", "b", 0) == [b"a", b"b"]
    assert t("COMMAND", "GETKEYS", "BLMOVE", "a", "b", "LEFT", "LEFT", 0) == [b"a", b"b"]


def test_command_info_flags(t):
    info = t("COMMAND", "INFO", "blpop", "lmpop", "lpush")
    assert info[0][:6] == [b"blpop", -3, ["write", "noscript", "blocking"], 1, -2, 1]
    assert info[1][:6] == [b"lmpop", -4, ["write", "movablekeys"], 0, 0, 0]
    assert info[2][:6] == [b"lpush", -3, ["write", "denyoom", "fast"], 1, 1, 1]


# -- propagation ------------------------------------------------------------------------------


def test_propagated_forms(t):
    t("RPUSH", "l", "a", "b", "c", "d")
    t("LPOP", "l")
    t("RPOP", "l", 1)
    t("LPUSHX", "nokey", "x")  # nothing written, nothing propagated
    t("LREM", "l", 0, "zz")
    t("LMPOP", 1, "l", "RIGHT", "COUNT", 5)
    assert t.propagated() == [
        [b"RPUSH", b"l", b"a", b"b", b"c", b"d"],
        [b"LPOP", b"l"],
        [b"RPOP", b"l", b"1"],
        [b"RPOP", b"l", b"2"],
    ]
    t("RPUSH", "l", "a", "b")
    t.propagated()
    assert t("BLPOP", "nokey", "l", 0) == [b"l", b"a"]
    assert t("BLMPOP", 0, 1, "l", "LEFT", "COUNT", 9) == [b"l", [b"b"]]
    t("RPUSH", "s", "1", "2")
    assert t("BLMOVE", "s", "d", "LEFT", "RIGHT", 0) == b"1"
    assert t("BRPOPLPUSH", "s", "d", 0) == b"2"
    assert t.propagated() == [
        [b"LPOP", b"l"],
        [b"LPOP", b"l", b"1"],
        [b"RPUSH", b"s", b"1", b"2"],
        [b"LMOVE", b"s", b"d", b"LEFT", b"RIGHT"],
        [b"RPOPLPUSH", b"s", b"d"],
    ]


def test_ltrim_that_removes_nothing_is_not_propagated(t):
    t("RPUSH", "l", "a", "b")
    t.propagated()
    assert t("LTRIM", "l", 0, -1) == "OK"
    assert t.propagated() == []
    assert t("LTRIM", "l", 1, -1) == "OK"
    assert t.propagated() == [[b"LTRIM", b"l", b"1", b"-1"]]


# -- blocking, in-process -----------------------------------------------------------------------


def test_blocking_pop_served_immediately_when_data_exists(t):
    t("RPUSH", "b", "x")
    assert t("BLPOP", "a", "b", 0) == [b"b", b"x"]
    t("RPUSH", "b", "x", "y")
    assert t("BRPOP", "a", "b", 0) == [b"b", b"y"]


def test_blocked_clients_woken_in_fifo_order_one_element_each(t):
    c1, c2, c3 = t.new_client(), t.new_client(), t.new_client()
    assert t.send(c1, "BLPOP", "k", 0) is BLOCKED
    assert t.send(c2, "BRPOP", "k", "other", 0) is BLOCKED
    assert t.send(c3, "BLMPOP", 0, 1, "k", "LEFT", "COUNT", 5) is BLOCKED
    assert t("INFO", "clients").count(b"blocked_clients:3") == 1
    t.propagated()
    assert t("RPUSH", "k", "a", "b") == 2
    assert c1.pending_reply == [b"k", b"a"]
    assert c2.pending_reply == [b"k", b"b"]
    assert c3.blocked is not None  # nothing left for the third
    assert t.propagated() == [[b"RPUSH", b"k", b"a", b"b"], [b"LPOP", b"k"], [b"RPOP", b"k"]]
    assert t("LPUSH", "k", "c", "d") == 2
    assert c3.pending_reply == [b"k", [b"d", b"c"]]
    assert t.propagated() == [[b"LPUSH", b"k", b"c", b"d"], [b"LPOP", b"k", b"2"]]
    assert t("EXISTS", "k") == 0
    assert b"blocked_clients:0" in t("INFO", "clients")


def test_blocked_client_woken_by_exec_sees_the_final_state(t):
    c1 = t.new_client()
    assert t.send(c1, "BLPOP", "k", 0) is BLOCKED
    t("MULTI")
    t("RPUSH", "k", "a")
    t("RPUSH", "k", "b")
    t("LPOP", "k")
    assert t("EXEC") == [1, 2, b"a"]
    assert c1.pending_reply == [b"k", b"b"]
    c2 = t.new_client()
    assert t.send(c2, "BLPOP", "k", 0) is BLOCKED
    t("MULTI")
    t("RPUSH", "k", "a")
    t("DEL", "k")
    t("EXEC")
    assert c2.blocked is not None  # the list was gone again at the end


def test_blocking_commands_inside_multi_do_not_block(t):
    t("MULTI")
    t("BLPOP", "k", 0)
    t("BLMPOP", 0, 1, "k", "LEFT")
    t("BLMOVE", "k", "d", "LEFT", "LEFT", 0)
    t("BRPOPLPUSH", "k", "d", 0)
    t("RPUSH", "k", "a")
    t("BLPOP", "k", 0)
    assert t.raw("EXEC") == b"*6\r\n*-1\r\n*-1\r\n$-1\r\n$-1\r\n:1\r\n*2\r\n$1\r\nk\r\n$1\r\na\r\n"


def test_blmove_woken_pushes_and_wakes_the_next_list(t):
    c1, c2 = t.new_client(), t.new_client()
    assert t.send(c1, "BLMOVE", "a", "b", "RIGHT", "LEFT", 0) is BLOCKED
    assert t.send(c2, "BLPOP", "b", 0) is BLOCKED
    t.propagated()
    t("RPUSH", "a", "x")
    assert c1.pending_reply == b"x"
    assert c2.pending_reply == [b"b", b"x"]
    assert t("EXISTS", "a", "b") == 0
    assert t.propagated() == [[b"RPUSH", b"a", b"x"], [b"LMOVE", b"a", b"b", b"RIGHT", b"LEFT"], [b"LPOP", b"b"]]


def test_blocked_client_stays_blocked_when_key_changes_type(t):
    """Redis 7.0 keeps a BLPOP client blocked when its key becomes a string."""
    c1 = t.new_client()
    assert t.send(c1, "BLPOP", "k", 0) is BLOCKED
    t("SET", "k", "str")
    assert c1.blocked is not None
    t("DEL", "k")
    t("RPUSH", "k", "v")
    assert c1.pending_reply == [b"k", b"v"]


def test_blmove_woken_with_wrong_type_destination_gets_wrongtype(t):
    c1 = t.new_client()
    assert t.send(c1, "BLMOVE", "a", "dst", "LEFT", "LEFT", 0) is BLOCKED
    t("SET", "dst", "x")
    t("RPUSH", "a", "v")
    assert c1.pending_reply.message == WRONGTYPE
    assert c1.blocked is None
    assert t("LRANGE", "a", 0, -1) == [b"v"]


def test_blocking_timeout_errors(t):
    for args in (("BLPOP", "k", -1), ("BRPOP", "k", "x"), ("BLMOVE", "a", "b", "LEFT", "LEFT", -1),
                 ("BRPOPLPUSH", "a", "b", "x"), ("BLMPOP", "x", 1, "a", "LEFT")):
        r = t(*args)
        assert r in (Err("ERR timeout is negative"), Err("ERR timeout is not a float or out of range")), args
    assert t("BLMOVE", "a", "b", "UP", "LEFT", "x") == Err("ERR syntax error")
    # numkeys, direction and count are checked before the timeout
    assert t("BLMPOP", "x", 0, "a", "LEFT") == Err("ERR numkeys should be greater than 0")


# -- RESP3 shapes ----------------------------------------------------------------------------------


def test_resp3_nulls(t):
    assert t.resp3("LPOP", "nokey") == b"_\r\n"
    assert t.resp3("LPOP", "nokey", 2) == b"_\r\n"
    assert t.resp3("LMPOP", 1, "nokey", "LEFT") == b"_\r\n"
    assert t.resp3("LPOS", "nokey", "a") == b"_\r\n"
    assert t.resp3("LINDEX", "nokey", 0) == b"_\r\n"
    assert t.resp3("LMOVE", "nokey", "d", "LEFT", "LEFT") == b"_\r\n"
