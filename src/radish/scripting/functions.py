"""Function libraries (FUNCTION LOAD …, FCALL), as Redis 7.0's functions.c:
the libraries and the functions they register, the ``#!lua name=…``
metadata line, loading a library into a set of libraries (replacing one,
refusing collisions), joining two sets (FUNCTION RESTORE), and the DUMP
payload (RDB function records, RDB version, CRC-64).

The Lua side (compiling a library, running its registration, calling a
function) is the function sandbox's (sandbox.py, mode "function"); this
module holds what it registered: names, descriptions, flags and the ids
by which the sandbox keeps the callbacks.

Imports: the persistence layer's RDB encoding, errors, strconv. Nothing above.
"""

from __future__ import annotations

from ..errors import CommandError
from ..persistence.crc64 import crc64
from ..persistence.rdb import (
    OP_FUNCTION2,
    OP_FUNCTION_PRE_GA,
    RDB_VERSION,
    RdbError,
    RdbReader,
    read_function_record,
    save_string,
)
from ..protocol.splitargs import split_args

LOAD_TIMEOUT_MS = 500  # FUNCTION LOAD's limit on running a library's code
ENGINE = b"LUA"
# scripts_flags_def, in Redis's order (FUNCTION LIST lists them so).
FLAG_ORDER = (b"no-writes", b"allow-oom", b"allow-stale", b"no-cluster", b"allow-cross-slot-keys")

NAME_RULE = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"


class FunctionInfo:
    """One registered function."""

    __slots__ = ("name", "description", "flags", "fid", "library")

    def __init__(self, name: bytes, description: bytes | None, flags: frozenset, fid: int, library: Library) -> None:
        self.name = name
        self.description = description
        self.flags = flags
        self.fid = fid
        self.library = library

    def ordered_flags(self) -> list[bytes]:
        return [f for f in FLAG_ORDER if f in self.flags]


class Library:
    """A loaded library: its name, code (shebang included) and functions."""

    __slots__ = ("name", "code", "functions")

    def __init__(self, name: bytes, code: bytes) -> None:
        self.name = name
        self.code = code
        self.functions: dict[bytes, FunctionInfo] = {}


class LibraryCtx:
    """A set of libraries (Redis's functionsLibCtx): by name, and their
    functions by name (case-insensitive, as FCALL finds them)."""

    def __init__(self) -> None:
        self.libraries: dict[bytes, Library] = {}
        self.functions: dict[bytes, FunctionInfo] = {}

    def link(self, lib: Library) -> None:
        for fi in lib.functions.values():
            self.functions.setdefault(fi.name.lower(), fi)
        self.libraries[lib.name] = lib

    def unlink(self, lib: Library) -> None:
        for fi in lib.functions.values():
            if self.functions.get(fi.name.lower()) is fi:
                del self.functions[fi.name.lower()]
        del self.libraries[lib.name]

    def function_count(self) -> int:
        return sum(len(lib.functions) for lib in self.libraries.values())

    def memory(self) -> int:
        """The bytes Redis counts as used_memory_functions' per-library part
        (names, code, descriptions), approximated by their lengths."""
        n = 0
        for lib in self.libraries.values():
            n += len(lib.name) + len(lib.code) + 64
            for fi in lib.functions.values():
                n += len(fi.name) + len(fi.description or b"") + 48
        return n


def verify_name(name: bytes) -> bool:
    """[a-zA-Z0-9_]+ (functionsVerifyName)."""
    return bool(name) and all(c == 95 or 48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122 for c in name)


def parse_metadata(code: bytes) -> tuple[bytes, bytes, bytes]:
    """functionExtractLibMetaData: (engine, library name, code after the
    shebang line, its newline kept). Raises CommandError."""
    if not code.startswith(b"#!"):
        raise CommandError("ERR Missing library metadata")
    nl = code.find(b"\n")
    if nl < 0:
        raise CommandError("ERR Invalid library metadata")
    parts = split_args(code[:nl])
    if not parts:
        raise CommandError("ERR Invalid library metadata")
    engine = parts[0][2:]
    name = None
    for part in parts[1:]:
        if part[:5].lower() == b"name=":
            if name is not None:
                raise CommandError("ERR Invalid metadata value, name argument was given multiple times")
            name = part[5:]
            continue
        raise CommandError("ERR Invalid metadata value given: %s" % part.decode("utf-8", "replace"))
    if name is None:
        raise CommandError("ERR Library name was not given")
    return engine, name, code[nl:]


def dump_payload(libraries, compress: bool = True) -> bytes:
    """FUNCTION DUMP: a FUNCTION2 record per library, the RDB version (2
    bytes LE) and the CRC-64 (8 bytes LE) of everything before it."""
    out = bytearray()
    for lib in libraries:
        out.append(OP_FUNCTION2)
        save_string(out, lib.code, compress)
    out += RDB_VERSION.to_bytes(2, "little")
    return bytes(out) + crc64(bytes(out)).to_bytes(8, "little")


def payload_codes(payload: bytes) -> list[bytes]:
    """The library codes of a FUNCTION RESTORE payload. Raises
    CommandError with Redis's texts."""
    if len(payload) < 10:
        raise CommandError("ERR DUMP payload version or checksum are wrong")
    body, footer = payload[:-10], payload[-10:]
    version = int.from_bytes(footer[:2], "little")
    crc = int.from_bytes(footer[2:], "little")
    if version > RDB_VERSION or crc64(payload[:-8]) != crc:
        raise CommandError("ERR DUMP payload version or checksum are wrong")
    r = RdbReader(data=body)
    codes = []
    end = len(body)
    while r.offset() < end:
        t = r.byte()
        if t not in (OP_FUNCTION2, OP_FUNCTION_PRE_GA):
            raise CommandError("ERR given type is not a function")
        try:
            codes.append(read_function_record(r, t))
        except RdbError:
            raise CommandError("ERR failed loading the given functions payload") from None
    return codes
