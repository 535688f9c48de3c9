"""Reply values and their RESP2 / RESP3 encoding.

Command handlers return plain Python values; this module turns them into
bytes for a client speaking RESP2 or RESP3:

=====================  =========================  ==========================
value                  RESP2                      RESP3
=====================  =========================  ==========================
bytes                  bulk string                bulk string
int                    integer                    integer
None                   null bulk ``$-1``          null ``_``
NULL_ARRAY             null array ``*-1``         null ``_``
list / tuple           array                      array
SimpleString           ``+…``                     ``+…``
ErrorReply             ``-…``                     ``-…``
float                  bulk ``%.17g``             double ``,``
bool                   integer 1/0                boolean ``#t``/``#f``
MapReply (dict items)  flat array                 map ``%``
SetReply               array                      set ``~``
Verbatim               bulk string                verbatim ``=``
BigNumber              bulk string                big number ``(``
Push                   array                      push ``>``
Raw                    bytes as given             bytes as given
=====================  =========================  ==========================

Imports nothing from radish but the package's NO_EXTENSIONS switch.
"""

from __future__ import annotations

import math

from .. import NO_EXTENSIONS


class SimpleString(bytes):
    """A status reply (``+OK``)."""

    __slots__ = ()


class DoubleText(bytes):
    """A double already rendered as text: a bulk string in RESP2, a RESP3
    double (``,text``) otherwise (Redis's addReplyHumanLongDouble)."""

    __slots__ = ()


class ErrorReply:
    """An error reply inside another reply (EXEC results, scripts)."""

    __slots__ = ("message",)

    def __init__(self, message: str | bytes) -> None:
        self.message = message.encode() if isinstance(message, str) else message

    def __repr__(self) -> str:
        return "ErrorReply(%r)" % self.message

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ErrorReply) and other.message == self.message

    def __hash__(self) -> int:
        return hash(self.message)


class MapReply(list):
    """A map: a list of (key, value) pairs."""

    __slots__ = ()


class SetReply(list):
    """A set: RESP3 ``~``, an array in RESP2."""

    __slots__ = ()


class Push(list):
    """An out-of-band push (pub/sub messages)."""

    __slots__ = ()


class Verbatim(bytes):
    """Verbatim text (``=len\\r\\nfmt:…``, the value without the format);
    plain bulk in RESP2. ``fmt`` is ``txt`` unless set on the instance (a
    script's verbatim_string with another format)."""

    fmt = b"txt"


class BigNumber(bytes):
    """A big number (``(digits``); bulk string in RESP2."""

    __slots__ = ()


class Raw(bytes):
    """Pre-encoded protocol bytes, written as they are."""

    __slots__ = ()


class _NullArray:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NULL_ARRAY"


NULL_ARRAY = _NullArray()

OK = SimpleString(b"OK")
PONG = SimpleString(b"PONG")
QUEUED = SimpleString(b"QUEUED")

_OK_BYTES = b"+OK\r\n"
_NULL2 = b"$-1\r\n"
_NULL3 = b"_\r\n"
SMALL_INTS = [b":%d\r\n" % i for i in range(-1, 1024)]
HEADER_CACHE = [b"$%d\r\n" % i for i in range(1024)]
_ARRAY_HEADER = [b"*%d\r\n" % i for i in range(256)]


def status_lines(lines: list[bytes]) -> list[SimpleString]:
    """A HELP reply: an array of status lines, as Redis sends it."""
    return [SimpleString(line) for line in lines]


def format_double(d: float) -> bytes:
    """Redis 7.0's ``%.17g`` rendering of a double ("inf", "-inf", "nan")."""
    if math.isinf(d):
        return b"inf" if d > 0 else b"-inf"
    if d != d:
        return b"nan"
    return b"%.17g" % d


def encode(value, resp3: bool = False) -> bytes:
    """Encode one reply value."""
    t = type(value)
    if t is bytes:
        n = len(value)
        if n < 1024:
            return HEADER_CACHE[n] + value + b"\r\n"
        return b"$%d\r\n%b\r\n" % (n, value)
    if value is OK:
        return _OK_BYTES
    out: list[bytes] = []
    encode_into(out, value, resp3)
    return b"".join(out)


def encode_into(out: list, value, resp3: bool) -> None:
    t = type(value)
    if t is bytes or t is bytearray:
        n = len(value)
        if n < 1024:
            out.append(HEADER_CACHE[n])
        else:
            out.append(b"$%d\r\n" % n)
        out.append(bytes(value))
        out.append(b"\r\n")
    elif t is int:
        if -1 <= value < 1023:
            out.append(SMALL_INTS[value + 1])
        else:
            out.append(b":%d\r\n" % value)
    elif value is None:
        out.append(_NULL3 if resp3 else _NULL2)
    elif t is list or t is tuple:
        n = len(value)
        out.append(_ARRAY_HEADER[n] if n < 256 else b"*%d\r\n" % n)
        for v in value:
            encode_into(out, v, resp3)
    elif t is SimpleString:
        out.append(b"+" + value + b"\r\n")
    elif t is ErrorReply:
        out.append(b"-" + value.message + b"\r\n")
    elif t is MapReply:
        if resp3:
            out.append(b"%%%d\r\n" % len(value))
        else:
            out.append(b"*%d\r\n" % (2 * len(value)))
        for k, v in value:
            encode_into(out, k, resp3)
            encode_into(out, v, resp3)
    elif t is float:
        if resp3:
            out.append(b"," + format_double(value) + b"\r\n")
        else:
            s = format_double(value)
            out.append(b"$%d\r\n%b\r\n" % (len(s), s))
    elif t is bool:
        if resp3:
            out.append(b"#t\r\n" if value else b"#f\r\n")
        else:
            out.append(b":1\r\n" if value else b":0\r\n")
    elif value is NULL_ARRAY:
        out.append(_NULL3 if resp3 else b"*-1\r\n")
    elif t is SetReply:
        out.append((b"~%d\r\n" if resp3 else b"*%d\r\n") % len(value))
        for v in value:
            encode_into(out, v, resp3)
    elif t is Push:
        out.append((b">%d\r\n" if resp3 else b"*%d\r\n") % len(value))
        for v in value:
            encode_into(out, v, resp3)
    elif t is Verbatim:
        if resp3:
            out.append(b"=%d\r\n%b:%b\r\n" % (len(value) + 4, value.fmt, value))
        else:
            out.append(b"$%d\r\n%b\r\n" % (len(value), value))
    elif t is BigNumber:
        out.append((b"(%b\r\n" % value) if resp3 else (b"$%d\r\n%b\r\n" % (len(value), value)))
    elif t is Raw:
        out.append(value)
    elif t is DoubleText:
        if resp3:
            out.append(b"," + value + b"\r\n")
        else:
            out.append(b"$%d\r\n%b\r\n" % (len(value), value))
    elif isinstance(value, int):  # IntEnum and friends
        out.append(b":%d\r\n" % value)
    elif isinstance(value, (bytes, bytearray, memoryview)):
        encode_into(out, bytes(value), resp3)
    else:
        raise TypeError("cannot encode reply of type %s" % t.__name__)


def encode_error(message: str | bytes) -> bytes:
    """``-message\\r\\n``; newlines in the message are replaced by spaces as
    Redis does, so the error stays one line."""
    if isinstance(message, str):
        message = message.encode()
    if b"\r" in message or b"\n" in message:
        message = message.replace(b"\r", b" ").replace(b"\n", b" ")
    return b"-" + message + b"\r\n"


def encode_command(args: list[bytes]) -> bytes:
    """A command as a RESP multibulk (for propagation and replica links)."""
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        parts.append(b"$%d\r\n%b\r\n" % (len(a), a))
    return b"".join(parts)


py_encode_command = encode_command
if not NO_EXTENSIONS:
    try:  # the same in C (protocol/_reqparser.c), when built
        from ._reqparser import encode_command  # type: ignore[assignment]  # noqa: F811
    except ImportError:  # pragma: no cover - installs without a compiler
        pass
