"""The AOF's pure pieces: the manifest as Redis 7.0 writes and reads it, and
the command-stream reader with its truncation and format errors."""

from __future__ import annotations

import pytest

from radish.persistence.aof import AofError, AofInfo, BadFormat, Manifest, Truncated, parse_commands
from radish.protocol.resp import encode_command


def test_manifest_round_trip_in_redis_order():
    m = Manifest()
    m.base = AofInfo("appendonly.aof.3.base.rdb", 3, "b")
    m.history = [AofInfo("appendonly.aof.2.incr.aof", 2, "h")]
    m.incrs = [AofInfo("appendonly.aof.3.incr.aof", 3, "i"), AofInfo("appendonly.aof.4.incr.aof", 4, "i")]
    text = m.render()
    assert text == (
        b"file appendonly.aof.3.base.rdb seq 3 type b\n"
        b"file appendonly.aof.2.incr.aof seq 2 type h\n"
        b"file appendonly.aof.3.incr.aof seq 3 type i\n"
        b"file appendonly.aof.4.incr.aof seq 4 type i\n"
    )
    back = Manifest.parse(text)
    assert back.render() == text
    assert (back.base_seq, back.incr_seq) == (3, 4)


def test_manifest_quotes_odd_names_and_skips_comments():
    m = Manifest()
    m.base = AofInfo("my file.aof.1.base.rdb", 1, "b")
    assert m.render() == b'file "my file.aof.1.base.rdb" seq 1 type b\n'
    back = Manifest.parse(b"# a comment\n" + m.render())
    assert back.base.name == "my file.aof.1.base.rdb"


@pytest.mark.parametrize(
    "text, message",
    [
        (b"file a seq 1\n", "Invalid AOF manifest file format"),
        (b"file a seq x type i\n", "Invalid AOF manifest file format"),
        (b"file a seq 1 type z\n", "Unknown AOF file type"),
        (b"file a seq 0 type i\n", "Invalid AOF manifest file format"),
        (b"file a seq 1 type i\n\n", "Invalid AOF manifest file format"),  # blank lines too, as Redis
        (b"file d/a seq 1 type i\n", "File can't be a path, just a filename"),
        (b"file a seq 1 type b\nfile b seq 2 type b\n", "Found duplicate base file information"),
        (b"file a seq 2 type i\nfile b seq 1 type i\n", "Found a non-monotonic sequence number"),
        (b"", "Found an empty AOF manifest"),
    ],
)
def test_bad_manifests(text, message):
    with pytest.raises(AofError, match=message):
        Manifest.parse(text)


def test_manifest_of_comments_only_is_empty():
    assert Manifest.parse(b"# nothing yet\n").empty()


def test_parse_commands_offsets_and_annotations():
    a = encode_command([b"SET", b"k", b"v\r\nwith crlf"])
    b = encode_command([b"DEL", b"k"])
    data = b"#TS:1700000000\r\n" + a + b
    got = list(parse_commands(data))
    assert got == [([b"SET", b"k", b"v\r\nwith crlf"], 16 + len(a)), ([b"DEL", b"k"], len(data))]


@pytest.mark.parametrize("cut", [1, 3, 5, 9, 14, 20])
def test_parse_commands_truncated(cut):
    good = encode_command([b"SET", b"a", b"1"])
    tail = encode_command([b"SET", b"bb", b"22"])
    with pytest.raises(Truncated) as e:
        list(parse_commands(good + tail[:cut]))
    assert e.value.valid == len(good)


@pytest.mark.parametrize("data", [b"garbage\r\n", b"*0\r\n", b"*1\r\n+OK\r\n", b"*x\r\n", b"*1\r\n$-1\r\n"])
def test_parse_commands_bad_format(data):
    with pytest.raises(BadFormat):
        list(parse_commands(data))
