"""Pub/sub against a real redis-server: the same byte streams give the same
replies (confirmations, messages, RESP2 subscribed mode, RESP3 pushes,
PUBSUB introspection, errors), and messages cross clients the same way."""

from __future__ import annotations

import time

import pytest
from tests.support.resp import Raw, raw_exchange

CASES = [
    b"SUBSCRIBE a b a\r\nPING\r\nPING x\r\nGET k\r\nPSUBSCRIBE p*\r\nSSUBSCRIBE s\r\n"
    b"UNSUBSCRIBE b a\r\nPUNSUBSCRIBE\r\nSUNSUBSCRIBE\r\n",
    b"UNSUBSCRIBE\r\nPUNSUBSCRIBE\r\nSUNSUBSCRIBE\r\nUNSUBSCRIBE x\r\n",
    b"MULTI\r\nSUBSCRIBE a\r\nEXEC\r\nPUBSUB NUMSUB a\r\n",
    b"SSUBSCRIBE a b\r\nSUBSCRIBE c\r\nSUNSUBSCRIBE b a\r\nSPUBLISH a x\r\nSET k v\r\nRESET\r\nSET k v\r\n",
    b"PUBSUB HELP\r\nPUBSUB NUMSUB a b\r\nPUBSUB NUMPAT\r\nPUBSUB CHANNELS\r\nPUBSUB FOO\r\nPUBLISH\r\n"
    b"SUBSCRIBE\r\nPSUBSCRIBE\r\nSSUBSCRIBE\r\nPUBSUB SHARDNUMSUB x\r\nSPUBLISH s m\r\nPUBSUB CHANNELS a b\r\n"
    b"PUBSUB NUMPAT x\r\nPUBSUB SHARDCHANNELS a b\r\nPUBSUB\r\nPUBLISH a b c\r\n",
    b"SUBSCRIBE a\r\nRESET\r\nGET x\r\nPUBSUB NUMSUB a\r\nPUBSUB NUMPAT\r\n",
    b"SUBSCRIBE news\r\nPUBLISH news self\r\n",
]

RESP3_CASES = [
    b"HELLO 3\r\nSUBSCRIBE a\r\nPUBLISH a hi\r\nGET k\r\nPING\r\nUNSUBSCRIBE a x\r\nUNSUBSCRIBE\r\n",
    b"HELLO 3\r\nPSUBSCRIBE h?llo\r\nPUBLISH hello 1\r\nPUBLISH hallo 2\r\nPUBLISH hi 3\r\nSSUBSCRIBE z\r\n"
    b"SPUBLISH z q\r\nPUBSUB NUMPAT\r\nPUBSUB NUMSUB a\r\nPUNSUBSCRIBE\r\nRESET\r\nPUBSUB NUMPAT\r\n",
    b"HELLO 3\r\nSUBSCRIBE c1\r\nPSUBSCRIBE c*\r\nPUBLISH c1 both\r\nGET c1\r\nPUBLISH c2 pattern\r\n",
]


@pytest.mark.parametrize("data", CASES, ids=range(len(CASES)))
def test_resp2_streams_match_redis(radish_server, redis_server, data):
    assert raw_exchange(radish_server.port, data) == raw_exchange(redis_server.port, data)


def _after_hello(reply: bytes) -> bytes:
    # The HELLO map holds the connection id, which differs between servers.
    return reply.split(b"$7\r\nmodules\r\n*0\r\n", 1)[1]


@pytest.mark.parametrize("data", RESP3_CASES, ids=range(len(RESP3_CASES)))
def test_resp3_streams_match_redis(radish_server, redis_server, data):
    ours = _after_hello(raw_exchange(radish_server.port, data))
    ref = _after_hello(raw_exchange(redis_server.port, data))
    assert ours == ref


def _fanout(port: int) -> tuple[bytes, bytes, bytes]:
    """Two subscribers (a channel, a pattern) and a publisher."""
    sub, psub, pub = Raw(port), Raw(port), Raw(port)
    try:
        sub.write(b"SUBSCRIBE orders\r\n")
        psub.write(b"HELLO 3\r\nPSUBSCRIBE ord*\r\n")
        sub.read_until_quiet()
        psub.read_until_quiet()
        pub.write(
            b"PUBLISH orders one\r\nPUBLISH ordinary two\r\nPUBLISH other three\r\n"
            b"PUBSUB NUMSUB orders ordinary\r\nPUBSUB NUMPAT\r\nPUBSUB CHANNELS\r\n"
        )
        return pub.read_until_quiet(), sub.read_until_quiet(), psub.read_until_quiet()
    finally:
        for s in (sub, psub, pub):
            s.close()


def test_messages_reach_other_clients_as_in_redis(radish_server, redis_server):
    ours = _fanout(radish_server.port)
    ref = _fanout(redis_server.port)
    assert ours == ref
    publisher, subscriber, psubscriber = ours
    assert publisher.startswith(b":2\r\n:1\r\n:0\r\n")  # both, the pattern only, nobody
    assert subscriber == b"*3\r\n$7\r\nmessage\r\n$6\r\norders\r\n$3\r\none\r\n"
    assert psubscriber.count(b">4\r\n$8\r\npmessage\r\n$4\r\nord*\r\n") == 2


def test_a_closed_subscriber_leaves_its_channels(radish_server):
    s = Raw(radish_server.port)
    s.write(b"SUBSCRIBE gone\r\nPSUBSCRIBE gone*\r\n")
    s.read_until_quiet()
    probe = radish_server.client()
    assert probe.pubsub_numsub("gone") == [(b"gone", 1)]
    s.close()
    deadline = time.time() + 5
    while time.time() < deadline and probe.pubsub_numsub("gone") != [(b"gone", 0)]:
        time.sleep(0.05)
    assert probe.pubsub_numsub("gone") == [(b"gone", 0)]
    assert probe.pubsub_numpat() == 0
    assert probe.publish("gone", "x") == 0
