"""What a command handler may return besides a plain reply value, shared
by the handlers, the dispatcher and the blocking registry: ``Block`` (park
the client) and ``NO_REPLY`` (the reply was written already, or must not
be sent).

Imports nothing of radish but the protocol layer.
"""

from __future__ import annotations

from collections.abc import Callable

from ..protocol.resp import NULL_ARRAY


class Block:
    """A handler's request to park its client.

    keys: keys (in the client's database) whose change may let the command
    complete; timeout: seconds, 0 = forever; timeout_reply: the reply on
    timeout (a null array for BLPOP); timeout_fn: computes that reply
    instead (WAIT); ready_fn: for keyless blocks (WAIT), called to check
    whether the client can be served — returns a reply or None.
    """

    __slots__ = ("keys", "timeout", "timeout_reply", "timeout_fn", "ready_fn")

    def __init__(
        self,
        keys: list[bytes],
        timeout: float,
        timeout_reply=NULL_ARRAY,
        timeout_fn: Callable[[], object] | None = None,
        ready_fn: Callable[[], object] | None = None,
    ) -> None:
        self.keys = keys
        self.timeout = timeout
        self.timeout_reply = timeout_reply
        self.timeout_fn = timeout_fn
        self.ready_fn = ready_fn


class NoReply:
    """Returned by a handler that has already written (or must not send)
    its reply."""

    __slots__ = ()


NO_REPLY = NoReply()
