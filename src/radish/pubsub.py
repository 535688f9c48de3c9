"""Publish/subscribe: who listens to which channel, pattern or shard
channel, and delivery of messages (Redis's pubsub.c).

The registry is server-level state (``server.pubsub``); each client keeps
its own subscriptions in ``c.subscriptions`` / ``c.psubscriptions`` /
``c.ssubscriptions`` (dicts used as ordered sets), which the dispatcher
reads for the RESP2 subscribed-mode rule. Messages are encoded once per
protocol version and written to each receiver's connection, in order with
its other output: a receiver that is the publisher gets the message
before PUBLISH's own reply, as in Redis.

A subscriber that does not read is closed once its pending output passes
``client-output-buffer-limit pubsub`` (the hard limit at once, the soft
limit when exceeded for its number of seconds), as in Redis.

Imports the protocol package and the glob matcher; reaches connections only
through ``client.connection`` and the server through the object it is given.
"""

from __future__ import annotations

from collections.abc import Callable

from .globmatch import compile_glob
from .protocol.resp import Push, encode


class PubSub:
    """Channels, patterns and shard channels -> subscribed clients (each an
    insertion-ordered dict used as a set, so delivery follows subscription
    order)."""

    def __init__(self, server) -> None:
        self.server = server
        self.channels: dict[bytes, dict] = {}
        self.patterns: dict[bytes, dict] = {}
        self.shard_channels: dict[bytes, dict] = {}
        self._matchers: dict[bytes, Callable[[bytes], bool]] = {}

    # -- subscriptions -------------------------------------------------------

    def subscribe(self, c, channel: bytes) -> None:
        if channel not in c.subscriptions:
            c.subscriptions[channel] = None
            self.channels.setdefault(channel, {})[c] = None

    def unsubscribe(self, c, channel: bytes) -> None:
        if c.subscriptions.pop(channel, 0) is None:
            _discard(self.channels, channel, c)

    def psubscribe(self, c, pattern: bytes) -> None:
        if pattern not in c.psubscriptions:
            c.psubscriptions[pattern] = None
            if pattern not in self.patterns:
                self.patterns[pattern] = {}
                self._matchers[pattern] = compile_glob(pattern)
            self.patterns[pattern][c] = None

    def punsubscribe(self, c, pattern: bytes) -> None:
        if c.psubscriptions.pop(pattern, 0) is None:
            _discard(self.patterns, pattern, c)
            if pattern not in self.patterns:
                self._matchers.pop(pattern, None)

    def ssubscribe(self, c, channel: bytes) -> None:
        if channel not in c.ssubscriptions:
            c.ssubscriptions[channel] = None
            self.shard_channels.setdefault(channel, {})[c] = None

    def sunsubscribe(self, c, channel: bytes) -> None:
        if c.ssubscriptions.pop(channel, 0) is None:
            _discard(self.shard_channels, channel, c)

    def drop_client(self, c) -> None:
        """A client left (or RESET): every subscription goes."""
        for ch in list(c.subscriptions):
            self.unsubscribe(c, ch)
        for p in list(c.psubscriptions):
            self.punsubscribe(c, p)
        for ch in list(c.ssubscriptions):
            self.sunsubscribe(c, ch)

    # -- delivery --------------------------------------------------------------

    def publish(self, channel: bytes, message: bytes) -> int:
        """Deliver to the channel's subscribers, then to every matching
        pattern's; the number of deliveries."""
        receivers = 0
        subs = self.channels.get(channel)
        if subs:
            frames = _Frames(Push([b"message", channel, message]))
            for c in list(subs):
                self._deliver(c, frames)
                receivers += 1
        if self.patterns:
            for pattern, subs in list(self.patterns.items()):
                if not self._matchers[pattern](channel):
                    continue
                frames = _Frames(Push([b"pmessage", pattern, channel, message]))
                for c in list(subs):
                    self._deliver(c, frames)
                    receivers += 1
        return receivers

    def spublish(self, channel: bytes, message: bytes) -> int:
        subs = self.shard_channels.get(channel)
        if not subs:
            return 0
        frames = _Frames(Push([b"smessage", channel, message]))
        for c in list(subs):
            self._deliver(c, frames)
        return len(subs)

    def _deliver(self, c, frames: _Frames) -> None:
        conn = c.connection
        if conn is None or c.closed:
            return
        # The connection applies client-output-buffer-limit (pubsub class).
        conn.write(frames.for_client(c))

    # -- introspection (PUBSUB, INFO) ------------------------------------------

    def active_channels(self, pattern: bytes | None, shard: bool = False) -> list[bytes]:
        table = self.shard_channels if shard else self.channels
        if pattern is None:
            return list(table)
        match = compile_glob(pattern)
        return [ch for ch in table if match(ch)]

    def numsub(self, channel: bytes, shard: bool = False) -> int:
        return len((self.shard_channels if shard else self.channels).get(channel, ()))


def _discard(table: dict[bytes, dict], name: bytes, c) -> None:
    subs = table.get(name)
    if subs is not None:
        subs.pop(c, None)
        if not subs:
            del table[name]


class _Frames:
    """One message, encoded at most once per protocol version."""

    __slots__ = ("value", "resp2", "resp3")

    def __init__(self, value: Push) -> None:
        self.value = value
        self.resp2: bytes | None = None
        self.resp3: bytes | None = None

    def for_client(self, c) -> bytes:
        if c.resp3:
            if self.resp3 is None:
                self.resp3 = encode(self.value, True)
            return self.resp3
        if self.resp2 is None:
            self.resp2 = encode(self.value, False)
        return self.resp2


