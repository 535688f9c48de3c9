"""Request parser: every implementation (C, hiredis-backed, pure Python)
passes the same cases, and they agree with each other on any input."""

from __future__ import annotations

import shutil
import sysconfig
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from radish import NO_EXTENSIONS
from radish.protocol import parser as parser_module
from radish.protocol.parser import (
    CRequestParser,
    HiredisRequestParser,
    ProtocolError,
    PyBatchParser,
    PyRequestParser,
    hiredis,
    inline_batch,
)

PARSERS = [PyBatchParser]
if hiredis is not None:
    PARSERS.append(HiredisRequestParser)
if parser_module._CRequestParser is not None:
    PARSERS.append(CRequestParser)


def test_c_parser_is_built_where_a_compiler_is():
    # setup.py builds the extension optionally; a machine with a C compiler
    # and Python's headers must end up with it (else radish is quietly slow).
    headers = Path(sysconfig.get_paths()["include"], "Python.h").exists()
    if shutil.which("cc") and headers:
        assert parser_module._CRequestParser is not None
    # ... and uses it, unless RADISH_NO_EXTENSIONS asks for the Python one.
    chosen = type(parser_module.make_request_parser()).__name__
    if NO_EXTENSIONS:
        assert chosen == "PyBatchParser"
    elif parser_module._CRequestParser is not None:
        assert chosen == "RequestParser"


@pytest.fixture(params=PARSERS, ids=lambda p: p.__name__)
def make(request):
    return request.param


def encode(args: list[bytes]) -> bytes:
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


def parse_all(parser, chunks):
    out = []
    for ch in chunks:
        cmds, err = parser.feed_and_parse(ch)
        out.extend(cmds)
        if err is not None:
            return out, err
    return out, None


def test_single_command(make):
    p = make()
    assert parse_all(p, [encode([b"SET", b"k", b"v"])]) == ([[b"SET", b"k", b"v"]], None)
    assert p.buffered() == 0


def test_pipeline_of_many_commands_in_one_read(make):
    cmds = [[b"INCR", b"k%d" % i] for i in range(100)]
    p = make()
    out, err = parse_all(p, [b"".join(encode(c) for c in cmds)])
    assert err is None and out == cmds


def test_many_command_names_each_read_as_sent(make):
    """Names of every length up to 30 bytes, many sharing a length, mixed
    case and binary: each command comes back with its own first argument
    (the C parser shares name objects between commands)."""
    names = [bytes([65 + (i * 7 + j) % 58 for j in range(1 + i % 30)]) for i in range(600)]
    names += [b"get", b"GET", b"Get", b"\x00\xff", b"", b"x" * 24, b"x" * 25]
    cmds = [[n, b"k%d" % i] for i, n in enumerate(names)] * 2
    p = make()
    out, err = parse_all(p, [b"".join(encode(c) for c in cmds)])
    assert err is None and out == cmds


def test_binary_safe_values(make):
    args = [b"SET", b"k\r\n\x00", b"\r\n\x00\xff" * 10, b""]
    out, err = parse_all(make(), [encode(args)])
    assert out == [args] and err is None


def test_frame_split_at_every_byte(make):
    data = encode([b"SET", b"key", b"x" * 50]) + encode([b"GET", b"key"])
    p = make()
    out, err = parse_all(p, [data[i : i + 1] for i in range(len(data))])
    assert err is None
    assert out == [[b"SET", b"key", b"x" * 50], [b"GET", b"key"]]


def test_large_value_across_reads(make):
    big = bytes(range(256)) * 4096  # 1 MiB
    data = encode([b"SET", b"k", big])
    p = make()
    chunks = [data[i : i + 65536] for i in range(0, len(data), 65536)]
    out, err = parse_all(p, chunks)
    assert err is None and out == [[b"SET", b"k", big]]


def test_inline_commands(make):
    out, err = parse_all(make(), [b"PING\r\nSET a  b\r\nECHO \"x y\\n\"\n\r\n"])
    assert err is None
    assert out == [[b"PING"], [b"SET", b"a", b"b"], [b"ECHO", b"x y\n"]]


def test_inline_after_multibulk_in_same_read(make):
    out, err = parse_all(make(), [encode([b"PING"]) + b"ECHO hi\r\n" + encode([b"GET", b"x"])])
    assert err is None
    assert out == [[b"PING"], [b"ECHO", b"hi"], [b"GET", b"x"]]


def test_empty_multibulk_is_skipped(make):
    out, err = parse_all(make(), [b"*0\r\n*-1\r\n" + encode([b"PING"])])
    assert err is None and out == [[b"PING"]]


@pytest.mark.parametrize(
    "data,message",
    [
        (b"*abc\r\n", "ERR Protocol error: invalid multibulk length"),
        (b"*1\r\n$abc\r\n", "ERR Protocol error: invalid bulk length"),
        (b"*1\r\n$-1\r\n", "ERR Protocol error: invalid bulk length"),
        (b"*1\r\n:1\r\n", "ERR Protocol error: expected '$', got ':'"),
        (b"*2\r\n$3\r\nGET\r\n*1\r\n", "ERR Protocol error: expected '$', got '*'"),
        (b"*3000000000\r\n", "ERR Protocol error: invalid multibulk length"),
        (b'ECHO "unbalanced\r\n', "ERR Protocol error: unbalanced quotes in request"),
        (b"*1\r\n$600000000\r\n", "ERR Protocol error: invalid bulk length"),
        (b"*1\r\n$03\r\nabc\r\n", "ERR Protocol error: invalid bulk length"),
        # RESP3 types that hiredis reads as strings are still refused.
        (b"*1\r\n+PING\r\n", "ERR Protocol error: expected '$', got '+'"),
        (b"*1\r\n=8\r\ntxt:PING\r\n", "ERR Protocol error: expected '$', got '='"),
        (b"*2\r\n$4\r\nECHO\r\n(12\r\n", "ERR Protocol error: expected '$', got '('"),
        (b"*1\r\n%1\r\n$1\r\na\r\n$1\r\nb\r\n", "ERR Protocol error: expected '$', got '%'"),
    ],
)
def test_protocol_errors(make, data, message):
    out, err = parse_all(make(), [data])
    assert isinstance(err, ProtocolError)
    assert str(err) == message


def test_commands_before_error_are_returned(make):
    out, err = parse_all(make(), [encode([b"PING"]) + b"*1\r\n$x\r\n"])
    assert out == [[b"PING"]]
    assert str(err) == "ERR Protocol error: invalid bulk length"


def test_bulk_limit_is_checked_before_the_data_arrives(make):
    p = make(max_bulk_len=1000)
    out, err = parse_all(p, [b"*2\r\n$3\r\nSET\r\n$1001\r\n"])
    assert str(err) == "ERR Protocol error: invalid bulk length"


def test_too_big_inline_request(make):
    out, err = parse_all(make(), [b"x" * (64 * 1024 + 10)])
    assert str(err) == "ERR Protocol error: too big inline request"


def test_too_big_count_strings(make):
    out, err = parse_all(make(), [b"*" + b"1" * (64 * 1024 + 10)])
    assert str(err) == "ERR Protocol error: too big mbulk count string"
    out, err = parse_all(make(), [b"*1\r\n$" + b"1" * (64 * 1024 + 10)])
    assert str(err) == "ERR Protocol error: too big bulk count string"


def test_frame_cut_at_an_argument_boundary(make):
    p = make()
    out, err = p.feed_and_parse(encode([b"PING"]) + b"*2\r\n$3\r\nGET\r\n")
    assert (out, err) == ([[b"PING"]], None)
    out, err = p.feed_and_parse(b"$1\r\nk\r\n" + encode([b"PING"]))
    assert (out, err) == ([[b"GET", b"k"], [b"PING"]], None)


def test_values_that_look_like_resp3_types(make):
    # '+', '=' and '(' inside values of canonical frames are just data.
    cmds = [[b"SET", b"+k", b"=v"], [b"ECHO", b"(x"], [b"SET", b"a\r\n+b", b"\r\n(=\r\n"]]
    out, err = parse_all(make(), [b"".join(encode(c) for c in cmds)])
    assert (out, err) == (cmds, None)


def test_buffered_counts_pending_bytes(make):
    p = make()
    parse_all(p, [b"*2\r\n$3\r\nSET\r\n$10\r\nabc"])
    assert p.buffered() > 0


args_strategy = st.lists(st.binary(max_size=40), min_size=1, max_size=6)


@settings(max_examples=200, deadline=None)
@given(st.lists(args_strategy, min_size=1, max_size=5), st.data())
def test_any_split_parses_the_same(cmds, data):
    stream = b"".join(encode(c) for c in cmds)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=8)))
    chunks = []
    prev = 0
    for cut in cuts + [len(stream)]:
        chunks.append(stream[prev:cut])
        prev = cut
    for cls in PARSERS:
        out, err = parse_all(cls(), [c for c in chunks if c])
        assert err is None
        assert out == cmds


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=60), min_size=1, max_size=5))
def test_garbage_never_raises_anything_but_protocol_errors(chunks):
    for cls in PARSERS:
        p = cls(max_bulk_len=10_000)
        for ch in chunks:
            cmds, err = p.feed_and_parse(ch)
            assert all(isinstance(a, bytes) for cmd in cmds for a in cmd)
            if err is not None:
                assert isinstance(err, ProtocolError)
                assert str(err).startswith("ERR Protocol error: ")
                break


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=60), min_size=1, max_size=4))
def test_both_parsers_agree_on_garbage(chunks):
    results = []
    for cls in PARSERS:
        out, err = parse_all(cls(max_bulk_len=10_000), chunks)
        results.append((out, str(err) if err else None))
    assert all(r == results[0] for r in results)


resp_token = st.sampled_from(
    [b"*1\r\n", b"*2\r\n", b"*0\r\n", b"*-1\r\n", b"$1\r\na\r\n", b"$3\r\nGET\r\n", b"$0\r\n\r\n",
     b"$-1\r\n", b"+OK\r\n", b"=5\r\ntxt:a\r\n", b"(12\r\n", b":1\r\n", b",1.5\r\n", b"#t\r\n",
     b"_\r\n", b"%1\r\n", b"~1\r\n", b">1\r\n", b"-ERR x\r\n", b"PING\r\n", b"\r\n"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(resp_token, min_size=1, max_size=8).map(b"".join), min_size=1, max_size=3))
def test_both_parsers_agree_on_resp3_shaped_input(chunks):
    # Reads built from real RESP2/RESP3 tokens exercise the checks on what
    # hiredis returns (types, sizes, frames cut between arguments).
    results = []
    for cls in PARSERS:
        out, err = parse_all(cls(max_bulk_len=10_000), chunks)
        results.append((out, str(err) if err else None))
    assert all(r == results[0] for r in results)


def _slow_inline(data: bytes):
    p = PyRequestParser()
    p.feed(data)
    out = []
    while True:
        args = p.gets()
        if args is None:
            return out
        out.append(args)


inline_text = st.lists(
    st.sampled_from([b"PING", b"SET", b"k", b"v\xff", b" ", b"\t", b"\r", b"\n", b"\r\n", b"\v", b"\f", b"\0", b'"', b"'", b"*"]),
    max_size=12,
).map(b"".join)


@settings(max_examples=300, deadline=None)
@given(inline_text)
def test_inline_batch_splits_as_the_full_parser(data):
    fast = inline_batch(data)
    if fast is not None:
        assert fast == _slow_inline(data)
    if data.endswith(b"\n") and not any(ch in data for ch in b"*\"'\v\f\0"):
        assert fast is not None  # the fast path is taken when it can be


def test_inline_pipeline(make):
    out, err = parse_all(make(), [b"PING\r\nSET k  v\r\n\r\n  GET\tk\n"])
    assert (out, err) == ([[b"PING"], [b"SET", b"k", b"v"], [b"GET", b"k"]], None)


def test_frame_with_more_arguments_than_preallocated(make):
    # Redis preallocates argv for at most 1024 arguments and grows it.
    args = [b"RPUSH", b"k"] + [b"%d" % i for i in range(3000)]
    data = encode(args)
    chunks = [data[i : i + 999] for i in range(0, len(data), 999)]
    p = make()
    assert parse_all(p, chunks) == ([args], None)
    assert p.buffered() == 0


def test_partial_inline_line_waits_for_its_newline(make):
    p = make()
    assert p.feed_and_parse(b"SET k") == ([], None)
    assert p.buffered() == 5
    assert p.feed_and_parse(b" v\r\nGET k\r\n") == ([[b"SET", b"k", b"v"], [b"GET", b"k"]], None)
    assert p.buffered() == 0


def test_huge_announced_length_within_the_limit_waits(make):
    # A bulk length near the 64-bit limit is accepted when the limit allows
    # it (the replication stream has no limit) and waits for its data.
    p = make(max_bulk_len=2**63 - 1)
    assert p.feed_and_parse(b"*1\r\n$9223372036854775807\r\nabc") == ([], None)
    assert p.buffered() == 3


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=8))
def test_encode_command_in_c_matches_python(args):
    from radish.protocol import resp

    expected = resp.py_encode_command(args)
    assert resp.encode_command(args) == expected
    assert resp.encode_command([bytearray(a) for a in args]) == expected
    # and the parser reads it back
    if args:
        for cls in PARSERS:
            assert cls().feed_and_parse(expected) == ([args], None)


# -- before AUTH (Redis's authRequired limits) ------------------------------


def unauth(make, **kw):
    p = make(**kw)
    p.auth_required = True
    return p


def test_auth_required_defaults_to_off(make):
    p = make()
    assert not p.auth_required
    out, err = parse_all(p, [encode([b"MSET"] + [b"x"] * 20) + encode([b"SET", b"k", b"v" * 20000])])
    assert err is None and len(out) == 2


@pytest.mark.parametrize(
    "data,message",
    [
        (b"*11\r\n", "ERR Protocol error: unauthenticated multibulk length"),
        (b"*1\r\n$16385\r\n", "ERR Protocol error: unauthenticated bulk length"),
        (b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$209715200\r\n", "ERR Protocol error: unauthenticated bulk length"),
        # The other checks come first, as in processMultibulkBuffer.
        (b"*abc\r\n", "ERR Protocol error: invalid multibulk length"),
        (b"*1\r\n$-1\r\n", "ERR Protocol error: invalid bulk length"),
        (b"*1\r\n$600000000\r\n", "ERR Protocol error: invalid bulk length"),
    ],
)
def test_unauthenticated_limits(make, data, message):
    out, err = parse_all(unauth(make), [data])
    assert out == [] and isinstance(err, ProtocolError)
    assert str(err) == message


def test_unauthenticated_limits_are_inclusive_bounds(make):
    p = unauth(make)
    cmd = [b"X"] * 10
    out, err = parse_all(p, [encode(cmd)])
    assert (out, err) == ([cmd], None)
    big = [b"SET", b"k", b"v" * 16384]
    out, err = parse_all(p, [encode(big)])
    assert (out, err) == ([big], None)


def test_unauthenticated_frames_one_command_per_call(make):
    # The connection runs each command (an AUTH) before the next is framed.
    p = unauth(make)
    data = b"PING\r\n" + encode([b"AUTH", b"pw"]) + encode([b"MSET"] + [b"x"] * 20) + b"PING\r\n"
    out, err = p.feed_and_parse(data)
    assert (out, err) == ([[b"PING"]], None)
    out, err = p.feed_and_parse(b"")
    assert (out, err) == ([[b"AUTH", b"pw"]], None)
    p.auth_required = False  # AUTH succeeded
    out, err = p.feed_and_parse(b"")
    assert err is None and out == [[b"MSET"] + [b"x"] * 20, [b"PING"]]
    assert p.buffered() == 0


def test_unauthenticated_frame_still_split_across_reads(make):
    p = unauth(make)
    data = encode([b"AUTH", b"secret"]) + encode([b"PING"])
    out = []
    for i in range(len(data)):
        cmds, err = p.feed_and_parse(data[i : i + 1])
        assert err is None
        out += cmds
        while cmds:
            cmds, err = p.feed_and_parse(b"")
            out += cmds
    assert out == [[b"AUTH", b"secret"], [b"PING"]]


def test_unauthenticated_error_after_the_commands_before_it(make):
    p = unauth(make)
    out, err = p.feed_and_parse(encode([b"PING"]) + b"*1\r\n$20000\r\n")
    assert (out, err) == ([[b"PING"]], None)
    out, err = p.feed_and_parse(b"")
    assert out == [] and str(err) == "ERR Protocol error: unauthenticated bulk length"


unauth_token = st.sampled_from(
    [b"*1\r\n", b"*2\r\n", b"*10\r\n", b"*11\r\n", b"*0\r\n", b"$1\r\na\r\n", b"$16384\r\n", b"$16385\r\n",
     b"$3\r\nGET\r\n", b"PING\r\n", b"\r\n", b"x" * 100]
)


def _parse_stepwise(parser, chunks):
    """What the connection does for an unauthenticated client: after each
    command, ask again with no new data."""
    out = []
    for ch in chunks:
        cmds, err = parser.feed_and_parse(ch)
        while True:
            assert len(cmds) <= 1
            out += cmds
            if err is not None:
                return out, str(err)
            if not cmds:
                break
            cmds, err = parser.feed_and_parse(b"")
    return out, None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(unauth_token, min_size=1, max_size=10).map(b"".join), min_size=1, max_size=3))
def test_parsers_agree_before_auth(chunks):
    results = []
    for cls in PARSERS:
        p = cls(max_bulk_len=100_000)
        p.auth_required = True
        results.append(_parse_stepwise(p, chunks))
    assert all(r == results[0] for r in results)
    # Without the limits, the same input frames the same commands up to
    # the first limit error.
    free, _ = parse_all(PyBatchParser(max_bulk_len=100_000), chunks)
    assert free[: len(results[0][0])] == results[0][0]
