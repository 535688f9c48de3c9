"""Pub/sub commands (Redis 7.0's pubsub group): SUBSCRIBE, PSUBSCRIBE,
SSUBSCRIBE and their UN- forms, PUBLISH, SPUBLISH, PUBSUB.

A (un)subscribe command answers with one push per channel (``*3`` arrays
in RESP2, ``>3`` pushes in RESP3); the handler returns them pre-encoded as
one ``Raw`` reply so they stay in order with the rest of the client's
output (also inside EXEC, where Redis counts them as one entry). The
subscription count in each confirmation is channels + patterns, or shard
channels for the S- forms, as Redis reports.

Imports the registry, errors and RESP types; the registry of channels is
``c.server.pubsub`` (radish/pubsub.py).
"""

from __future__ import annotations

from .. import errors as E
from ..client import Client
from ..errors import CommandError
from ..protocol.resp import Push, Raw, encode, status_lines
from .registry import KeySpec, command


def _confirm(c: Client, kind: bytes, name: bytes | None, count: int) -> bytes:
    return encode(Push([kind, name, count]), c.resp3)


def _count(c) -> int:
    return len(c.subscriptions) + len(c.psubscriptions)


def _shard_count(c) -> int:
    return len(c.ssubscriptions)


def _subscribe_each(c: Client, names, change, kind: bytes, count) -> Raw:
    """Apply ``change`` (subscribe or unsubscribe) to each name, with one
    confirmation push per name — or, for an unsubscribe with nothing to
    leave, a single one with a null name."""
    out = []
    for name in names:
        change(c, name)
        out.append(_confirm(c, kind, name, count(c)))
    if not out:
        out.append(_confirm(c, kind, None, count(c)))
    if c.reply_mode in (1, 2):
        # CLIENT REPLY OFF / SKIP silences replies, not pushes (Redis's
        # CLIENT_PUSHING): the confirmations still go out, RESP2 or RESP3.
        c.send_push(b"".join(out))
        return Raw(b"")
    return Raw(b"".join(out))


@command("subscribe", -2, "pubsub noscript loading stale", acl="pubsub", group="pubsub", since="2.0.0", summary="Listen for messages published to the given channels", complexity="O(N) where N is the number of channels to subscribe to.")
def subscribe(c: Client, args: list[bytes]):
    """Format: SUBSCRIBE channel [channel ...]"""
    return _subscribe_each(c, args[1:], c.server.pubsub.subscribe, b"subscribe", _count)


@command("psubscribe", -2, "pubsub noscript loading stale", acl="pubsub", group="pubsub", since="2.0.0", summary="Listen for messages published to channels matching the given patterns", complexity="O(N) where N is the number of patterns the client is already subscribed to.")
def psubscribe(c: Client, args: list[bytes]):
    """Format: PSUBSCRIBE pattern [pattern ...]"""
    return _subscribe_each(c, args[1:], c.server.pubsub.psubscribe, b"psubscribe", _count)


@command("ssubscribe", -2, "pubsub noscript loading stale", acl="pubsub", keys=(1, -1, 1), key_specs=(KeySpec("NOT_KEY", index=1, lastkey=-1),), group="pubsub", since="7.0.0", summary="Listen for messages published to the given shard channels", complexity="O(N) where N is the number of shard channels to subscribe to.")
def ssubscribe(c: Client, args: list[bytes]):
    """Format: SSUBSCRIBE shardchannel [shardchannel ...]"""
    return _subscribe_each(c, args[1:], c.server.pubsub.ssubscribe, b"ssubscribe", _shard_count)


@command("unsubscribe", -1, "pubsub noscript loading stale", acl="pubsub", group="pubsub", since="2.0.0", summary="Stop listening for messages posted to the given channels", complexity="O(N) where N is the number of clients already subscribed to a channel.")
def unsubscribe(c: Client, args: list[bytes]):
    """Format: UNSUBSCRIBE [channel [channel ...]]"""
    return _subscribe_each(c, args[1:] or list(c.subscriptions), c.server.pubsub.unsubscribe, b"unsubscribe", _count)


@command("punsubscribe", -1, "pubsub noscript loading stale", acl="pubsub", group="pubsub", since="2.0.0", summary="Stop listening for messages posted to channels matching the given patterns", complexity="O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).")
def punsubscribe(c: Client, args: list[bytes]):
    """Format: PUNSUBSCRIBE [pattern [pattern ...]]"""
    return _subscribe_each(c, args[1:] or list(c.psubscriptions), c.server.pubsub.punsubscribe, b"punsubscribe", _count)


@command("sunsubscribe", -1, "pubsub noscript loading stale", acl="pubsub", keys=(1, -1, 1), key_specs=(KeySpec("NOT_KEY", index=1, lastkey=-1),), group="pubsub", since="7.0.0", summary="Stop listening for messages posted to the given shard channels", complexity="O(N) where N is the number of clients already subscribed to a shard channel.")
def sunsubscribe(c: Client, args: list[bytes]):
    """Format: SUNSUBSCRIBE [shardchannel [shardchannel ...]]"""
    return _subscribe_each(c, args[1:] or list(c.ssubscriptions), c.server.pubsub.sunsubscribe, b"sunsubscribe", _shard_count)


@command("publish", 3, "pubsub loading stale fast may_replicate", acl="pubsub", group="pubsub", since="2.0.0", summary="Post a message to a channel", complexity="O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).")
def publish(c: Client, args: list[bytes]):
    """Format: PUBLISH channel message — also sent to replicas (for their
    subscribers), not to the AOF; in cluster mode to every node over the
    cluster bus instead."""
    receivers = c.server.pubsub.publish(args[1], args[2])
    _propagate_publish(c, args, False)
    return receivers


def _propagate_publish(c: Client, args: list[bytes], shard: bool) -> None:
    """pubsubPublishMessageAndPropagateToCluster / forceCommandPropagation."""
    cluster = c.server.cluster
    if cluster is None:
        c.server.propagation.propagate_to_replicas(c.db.id, args)
    elif cluster.bus is not None:
        cluster.bus.send_publish(args[1], args[2], shard)


@command("spublish", 3, "pubsub loading stale fast may_replicate", acl="pubsub", keys=(1, 1, 1), key_specs=(KeySpec("NOT_KEY", index=1),), group="pubsub", since="7.0.0", summary="Post a message to a shard channel", complexity="O(N) where N is the number of clients subscribed to the receiving shard channel.")
def spublish(c: Client, args: list[bytes]):
    """Format: SPUBLISH shardchannel message — also sent to replicas; in
    cluster mode to the shard's nodes over the cluster bus instead."""
    receivers = c.server.pubsub.spublish(args[1], args[2])
    _propagate_publish(c, args, True)
    return receivers


command("pubsub", -2, "", group="pubsub", since="2.8.0", summary="A container for Pub/Sub commands", complexity="Depends on subcommand.")(None)

PUBSUB_HELP = [
    b"PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"CHANNELS [<pattern>]",
    b"    Return the currently active channels matching a <pattern> (default: '*').",
    b"NUMPAT",
    b"    Return number of subscriptions to patterns.",
    b"NUMSUB [<channel> ...]",
    b"    Return the number of subscribers for the specified channels, excluding",
    b"    pattern subscriptions(default: no channels).",
    b"SHARDCHANNELS [<pattern>]",
    b"    Return the currently active shard level channels matching a <pattern> (default: '*').",
    b"SHARDNUMSUB [<shardchannel> ...]",
    b"    Return the number of subscribers for the specified shard level channel(s)",
    b"HELP",
    b"    Prints this help.",
]


@command("pubsub|help", 2, "loading stale", group="pubsub", since="6.2.0", summary="Show helpful text about the different subcommands", complexity="O(1)")
def pubsub_help(c: Client, args: list[bytes]):
    """Format: PUBSUB HELP"""
    return status_lines(PUBSUB_HELP)


def _pattern_arg(args: list[bytes]) -> bytes | None:
    if len(args) > 3:
        raise CommandError(E.SUBCOMMAND_SYNTAX % (args[1].decode("utf-8", "replace"), "PUBSUB"))
    return args[2] if len(args) == 3 else None


@command("pubsub|channels", -2, "pubsub loading stale", acl="pubsub", group="pubsub", since="2.8.0", summary="List active channels", complexity="O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)")
def pubsub_channels(c: Client, args: list[bytes]):
    """Format: PUBSUB CHANNELS [pattern]"""
    return c.server.pubsub.active_channels(_pattern_arg(args))


@command("pubsub|shardchannels", -2, "pubsub loading stale", acl="pubsub", group="pubsub", since="7.0.0", summary="List active shard channels", complexity="O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).")
def pubsub_shardchannels(c: Client, args: list[bytes]):
    """Format: PUBSUB SHARDCHANNELS [pattern]"""
    return c.server.pubsub.active_channels(_pattern_arg(args), shard=True)


@command("pubsub|numsub", -2, "pubsub loading stale", acl="pubsub", group="pubsub", since="2.8.0", summary="Get the count of subscribers for channels", complexity="O(N) for the NUMSUB subcommand, where N is the number of requested channels")
def pubsub_numsub(c: Client, args: list[bytes]):
    """Format: PUBSUB NUMSUB [channel ...]"""
    ps = c.server.pubsub
    out: list = []
    for ch in args[2:]:
        out += (ch, ps.numsub(ch))
    return out


@command("pubsub|shardnumsub", -2, "pubsub loading stale", acl="pubsub", group="pubsub", since="7.0.0", summary="Get the count of subscribers for shard channels", complexity="O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels")
def pubsub_shardnumsub(c: Client, args: list[bytes]):
    """Format: PUBSUB SHARDNUMSUB [shardchannel ...]"""
    ps = c.server.pubsub
    out: list = []
    for ch in args[2:]:
        out += (ch, ps.numsub(ch, shard=True))
    return out


@command("pubsub|numpat", 2, "pubsub loading stale", acl="pubsub", group="pubsub", since="2.8.0", summary="Get the count of unique patterns pattern subscriptions", complexity="O(1)")
def pubsub_numpat(c: Client, args: list[bytes]):
    """Format: PUBSUB NUMPAT"""
    return len(c.server.pubsub.patterns)
