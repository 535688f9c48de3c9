"""Request parsing: bytes from a client socket -> command argument lists.

Owns the framing of client requests exactly as Redis 7.0's networking.c
does it: RESP multibulk requests (``*N\\r\\n$len\\r\\n…``) and inline
commands (``PING\\r\\n``, quoted arguments split like ``sdssplitargs``), with
Redis's limits and protocol-error texts.

Three parsers share one batch API (``feed_and_parse``, ``buffered``,
``in_frame``), fastest first:

* ``CRequestParser`` — radish's own C framing (``_reqparser.c``, built at
  install when a C compiler is there): the same rules, limits and error
  texts in one pass, several times faster than the hiredis path.
* ``HiredisRequestParser`` — hands runs of complete multibulk frames to
  hiredis's C reader and falls back to the Python parser for inline
  commands, frames split across reads and anything irregular, so errors
  and limits are always Redis's (for installs without a compiler).
* ``PyRequestParser`` / ``PyBatchParser`` — pure Python, incremental
  (never rescans a partial frame), checks every length before buffering
  the data it announces. The reference the other two are tested against.

hiredis is a *reply* parser, not a request parser, which is why we do not
give it the whole stream: it would accept integers or nested arrays inside
a request and cannot tell us where a partial frame starts.

Imports nothing from radish but the protocol package and strconv.
"""

from __future__ import annotations

from itertools import chain
from types import ModuleType
from typing import Any

from .. import NO_EXTENSIONS
from .. import errors as E
from ..strconv import string2ll
from .splitargs import split_args

hiredis: ModuleType | None
try:  # pragma: no cover - exercised when hiredis is installed
    import hiredis
except ImportError:  # pragma: no cover
    hiredis = None

_CRequestParser: Any
try:  # pragma: no cover - built by setup.py when a C compiler is available
    from ._reqparser import RequestParser as _CRequestParser
except ImportError:  # pragma: no cover
    _CRequestParser = None

_chain = chain.from_iterable
_list_len = list.__len__
_join = b"".join

PROTO_INLINE_MAX_SIZE = 64 * 1024
INT_MAX = 2**31 - 1
DEFAULT_MAX_BULK_LEN = 512 * 1024 * 1024
# Redis's limits on a client that must authenticate first (processMultibulkBuffer).
UNAUTH_MAX_MULTIBULK = 10
UNAUTH_MAX_BULK = 16384


class ProtocolError(Exception):
    """Malformed request. ``str(e)`` is the reply text after '-', e.g.
    ``ERR Protocol error: invalid bulk length``. The connection is closed
    after the reply is sent."""


def unauthenticated_violation(args: list[bytes]) -> ProtocolError | None:
    """The pre-AUTH limit a command already framed breaks, if any: for the
    commands of a read that follow one which made the client
    unauthenticated again (RESET). Inline commands cannot be told apart
    once framed and are held to the same limits here."""
    if len(args) > UNAUTH_MAX_MULTIBULK:
        return ProtocolError(E.PROTO_UNAUTH_MULTIBULK)
    for a in args:
        if len(a) > UNAUTH_MAX_BULK:
            return ProtocolError(E.PROTO_UNAUTH_BULK)
    return None


class PyRequestParser:
    """Incremental request parser. ``gets()`` returns the next command as a
    list of bytes, ``None`` when more data is needed, and raises
    ProtocolError on malformed input.

    ``auth_required`` (all parsers have it): the client has not
    authenticated (Redis's authRequired), so a multibulk count over 10 or a
    bulk length over 16384 is a protocol error, and each ``feed_and_parse``
    frames at most one command: the connection runs it and asks again, so
    an AUTH lifts the limits for what follows it in the same read."""

    __slots__ = ("buf", "pos", "max_bulk_len", "_args", "_remaining", "_bulklen", "auth_required")

    def __init__(self, max_bulk_len: int = DEFAULT_MAX_BULK_LEN) -> None:
        self.buf = bytearray()
        self.pos = 0
        self.max_bulk_len = max_bulk_len
        self._args: list[bytes] | None = None  # multibulk in progress
        self._remaining = 0
        self._bulklen = -1
        self.auth_required = False

    def feed(self, data: bytes) -> None:
        self.buf += data

    def buffered(self) -> int:
        """Bytes received and not yet consumed (the query buffer size)."""
        return len(self.buf) - self.pos

    def in_frame(self) -> bool:
        """True when a partially received command is pending."""
        return self._args is not None or self.pos < len(self.buf)

    def _compact(self) -> None:
        if self.pos:
            del self.buf[: self.pos]
            self.pos = 0

    def gets(self) -> list[bytes] | None:
        while True:
            if self._args is None:
                if self.pos >= len(self.buf):
                    if self.pos:
                        self.buf.clear()
                        self.pos = 0
                    return None
                if self.buf[self.pos] == 42:  # '*'
                    r = self._start_multibulk()
                else:
                    r = self._inline()
                if r is None:
                    return None
                if r is True:  # empty command (*0, *-1, blank line): skip
                    continue
                if r is not False:
                    return r
            args = self._continue_multibulk()
            if args is not None:
                return args
            return None

    def _start_multibulk(self):
        buf = self.buf
        nl = buf.find(b"\r", self.pos)
        if nl < 0:
            if len(buf) - self.pos > PROTO_INLINE_MAX_SIZE:
                raise ProtocolError(E.PROTO_BIG_MBULK)
            return None
        if nl - self.pos > PROTO_INLINE_MAX_SIZE:
            raise ProtocolError(E.PROTO_BIG_MBULK)
        if nl + 1 >= len(buf):  # need the '\n' too
            return None
        n = string2ll(bytes(buf[self.pos + 1 : nl]))
        if n is None or n > INT_MAX:
            raise ProtocolError(E.PROTO_MULTIBULK_LENGTH)
        if n > UNAUTH_MAX_MULTIBULK and self.auth_required:
            raise ProtocolError(E.PROTO_UNAUTH_MULTIBULK)
        self.pos = nl + 2
        if n <= 0:
            return True
        self._args = []
        self._remaining = n
        self._bulklen = -1
        return False

    def _continue_multibulk(self) -> list[bytes] | None:
        buf = self.buf
        args = self._args
        assert args is not None
        pos = self.pos
        while self._remaining:
            if self._bulklen < 0:
                if pos >= len(buf):
                    break
                nl = buf.find(b"\r", pos)
                if nl < 0:
                    if len(buf) - pos > PROTO_INLINE_MAX_SIZE:
                        raise ProtocolError(E.PROTO_BIG_BULK)
                    break
                if nl - pos > PROTO_INLINE_MAX_SIZE:
                    raise ProtocolError(E.PROTO_BIG_BULK)
                if nl + 1 >= len(buf):
                    break
                if buf[pos] != 36:  # '$'
                    raise ProtocolError(
                        E.PROTO_EXPECTED_DOLLAR
                        % chr(buf[pos])
                    )
                ln = string2ll(bytes(buf[pos + 1 : nl]))
                if ln is None or ln < 0 or ln > self.max_bulk_len:
                    raise ProtocolError(E.PROTO_BULK_LENGTH)
                if ln > UNAUTH_MAX_BULK and self.auth_required:
                    raise ProtocolError(E.PROTO_UNAUTH_BULK)
                self._bulklen = ln
                pos = nl + 2
            end = pos + self._bulklen
            if end + 2 > len(buf):
                break
            args.append(bytes(buf[pos:end]))
            pos = end + 2
            self._bulklen = -1
            self._remaining -= 1
        self.pos = pos
        if self._remaining:
            # Keep memory bounded while a big frame trickles in.
            if pos > 65536 and pos > (len(buf) >> 1):
                self._compact()
            return None
        self._args = None
        return args

    def _inline(self):
        buf = self.buf
        nl = buf.find(b"\n", self.pos)
        if nl < 0:
            if len(buf) - self.pos > PROTO_INLINE_MAX_SIZE:
                raise ProtocolError(E.PROTO_BIG_INLINE)
            return None
        end = nl
        if end > self.pos and buf[end - 1] == 13:
            end -= 1
        line = bytes(buf[self.pos : end])
        self.pos = nl + 1
        args = split_args(line)
        if args is None:
            raise ProtocolError(E.PROTO_UNBALANCED_QUOTES)
        if not args:
            return True
        return args


def inline_batch(data: bytes) -> list[list[bytes]] | None:
    """Whole lines of plain inline commands (``PING\\r\\n`` as telnet and
    redis-benchmark send them) split at once; None when the read needs the
    full parser: a partial line, quotes, multibulk, or bytes whose rules
    differ from ``bytes.split`` (\\v, \\f, NUL)."""
    if (
        not data
        or data[-1] != 10  # '\n'
        or 42 in data  # '*'
        or 34 in data  # '"'
        or 39 in data  # "'"
        or 11 in data  # '\v'
        or 12 in data  # '\f'
        or 0 in data
    ):
        return None
    return [args for args in map(bytes.split, data.split(b"\n")) if args]


class HiredisRequestParser:
    """Batch API (``feed_and_parse``, ``buffered``) shared with
    PyBatchParser; complete multibulk frames go through hiredis, everything
    else through the Python parser."""

    __slots__ = ("_py", "_reader", "max_bulk_len", "_Reader")

    @property
    def auth_required(self) -> bool:
        return self._py.auth_required

    @auth_required.setter
    def auth_required(self, value: bool) -> None:
        # Unauthenticated input always takes the Python parser (one
        # command at a time, with the limits).
        self._py.auth_required = bool(value)

    def __init__(self, max_bulk_len: int = DEFAULT_MAX_BULK_LEN) -> None:
        self.max_bulk_len = max_bulk_len
        self._py = PyRequestParser(max_bulk_len)
        assert hiredis is not None  # only made when hiredis is installed
        self._Reader = hiredis.Reader
        self._reader: Any = None  # hiredis.Reader, made on first use

    def buffered(self) -> int:
        py = self._py
        return len(py.buf) - py.pos

    def feed_and_parse(self, data: bytes) -> tuple[list[list[bytes]], ProtocolError | None]:
        """Parse every complete command in ``data`` (plus whatever was
        pending). Returns (commands, error): commands parsed before any
        protocol error, and the error if one occurred."""
        py = self._py
        if py.auth_required:
            py.feed(data)
            return self._drain_py([])
        if py._args is not None or py.pos < len(py.buf) or not data or data[0] != 42:
            if not py.in_frame():
                cmds = inline_batch(data)
                if cmds is not None:
                    return cmds, None
            py.feed(data)
            return self._drain_py([])
        reader = self._reader
        if reader is None:
            reader = self._reader = self._Reader()
        reader.feed(data)
        out: list[list[bytes]] = []
        append = out.append
        gets = reader.gets
        try:
            frame = gets()
            while frame is not False:
                append(frame)
                frame = gets()
            # Check the whole read at once, in C-level passes: frames must be
            # non-empty lists (list.__len__ refuses anything else) of bytes
            # (join refuses anything else).
            if len(out) == 1:  # one command per read: skip the maps
                frame = out[0]
                if type(frame) is not list or not frame:
                    raise ValueError
                _join(frame)
            else:
                if not out or 0 in map(_list_len, out):
                    raise ValueError
                _join(map(_join, out))
            # Did the frames end exactly where the read did? hiredis keeps a
            # frame cut at an argument boundary to itself, so ask it: a
            # complete reply fed now is returned on its own only when no
            # frame is pending.
            complete = False
            if not reader.has_data():
                reader.feed(b":0\r\n")
                probe = gets()
                complete = type(probe) is int
            if complete and len(data) <= self.max_bulk_len and not (43 in data or 61 in data or 40 in data):
                # Besides '$' bulks, only '+', '=' and '(' elements parse
                # to bytes; none is in the read, so every frame is canonical.
                return out, None
            # The exact check: the frames' canonical encoding takes the
            # bytes received. *N\r\n per frame and $L\r\n…\r\n per
            # argument; repr() of a list of ints is their digits plus
            # 2 + 2*(n-1) characters.
            nargs = list(map(len, out))
            lens = list(map(len, _chain(out)))
            size = len(out) + len(repr(nargs)) + 3 * len(lens) + len(repr(lens)) + sum(lens)
            if len(data) > self.max_bulk_len and max(lens) > self.max_bulk_len:
                raise ValueError
        except Exception:
            # hiredis accepted or rejected something Redis treats differently:
            # the Python parser decides, from the start of this read.
            self._reader = None
            py.feed(data)
            return self._drain_py([])
        if complete and size == len(data):
            return out, None
        self._reader = None
        if not complete and size < len(data) and data[size - 2 : size + 1] == b"\r\n*":
            # A partial frame at the tail: the Python parser takes it over
            # from the last frame boundary.
            py.feed(data[size:])
            return self._drain_py(out)
        py.feed(data)
        return self._drain_py([])

    def _drain_py(self, out):
        py = self._py
        try:
            while True:
                args = py.gets()
                if args is None:
                    return out, None
                out.append(args)
                if py.auth_required:
                    return out, None
        except ProtocolError as e:
            return out, e


class PyBatchParser(PyRequestParser):
    """PyRequestParser with the batch API used by the network layer."""

    __slots__ = ()

    def feed_and_parse(self, data: bytes) -> tuple[list[list[bytes]], ProtocolError | None]:
        if data and not self.in_frame() and not self.auth_required:
            cmds = inline_batch(data)
            if cmds is not None:
                return cmds, None
        self.feed(data)
        out: list[list[bytes]] = []
        try:
            while True:
                args = self.gets()
                if args is None:
                    return out, None
                out.append(args)
                if self.auth_required:
                    return out, None
        except ProtocolError as e:
            return out, e


def CRequestParser(max_bulk_len: int = DEFAULT_MAX_BULK_LEN):
    """The C parser (``_reqparser.c``) with this module's error class and
    inline splitter; only when the extension was built."""
    if _CRequestParser is None:
        raise RuntimeError("radish.protocol._reqparser is not built")
    return _CRequestParser(max_bulk_len, ProtocolError, split_args)


def make_request_parser(max_bulk_len: int = DEFAULT_MAX_BULK_LEN):
    """The fastest available parser: C, else hiredis-backed, else Python
    (always Python under RADISH_NO_EXTENSIONS)."""
    if NO_EXTENSIONS:
        return PyBatchParser(max_bulk_len)
    if _CRequestParser is not None:
        return _CRequestParser(max_bulk_len, ProtocolError, split_args)
    if hiredis is not None:
        return HiredisRequestParser(max_bulk_len)
    return PyBatchParser(max_bulk_len)
