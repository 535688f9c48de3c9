"""Append-only file persistence in Redis 7.0's multi-part format.

The directory ``appenddirname`` holds a base file
(``<appendfilename>.<seq>.base.rdb``, or ``.base.aof`` without the RDB
preamble), incremental files (``<appendfilename>.<seq>.incr.aof``) and the
manifest ``<appendfilename>.manifest`` naming them, one
``file <name> seq <n> type <b|h|i>`` line each, exactly as Redis writes it.

``install(server, execute)`` creates the ``Aof`` object as ``server.aof``:

- at start-up, when ``appendonly`` is yes, the files are replayed in
  manifest order instead of loading ``dump.rdb`` (a Redis 6 single
  ``appendonly.aof`` is moved into the directory first, as Redis 7.0
  does); commands run through ``execute(client, args)``, the dispatcher
  handed in by the server, as a client of their own;
- the propagation funnel's write stream is appended to the last incr
  file, written before each round's replies go out and fsynced as
  ``appendfsync`` says;
- BGREWRITEAOF (and the automatic rewrite) forks a child that writes a new
  base file while the parent opens a new incr file; on success the
  manifest is replaced atomically and the old files are removed.

Imports from radish: ``persistence``, ``protocol`` and ``config`` (for
ConfigError) only; the server is reached through the object handed to
``install``, the dispatcher through the ``execute`` callable, the funnel
through its subscriber interface (``control=False``: writes only).
"""

from __future__ import annotations

import errno
import os
import re
import signal
import time

from .. import errors as E
from ..config import ConfigError
from ..protocol.resp import encode_command
from ..protocol.splitargs import quote_arg, split_args
from .child import INFO_AOF_COW_SIZE, fork_child, report_keys, stop_child
from .rdb import RdbError, default_aux, dump_payload
from .saver import FileSink

OFF, ON, WAIT_REWRITE = 0, 1, 2
REWRITE_ITEMS_PER_CMD = 64  # AOF_REWRITE_ITEMS_PER_CMD


class AofError(Exception):
    """A problem with an AOF file or the manifest (the text is logged);
    for the manifest, the number and text of the offending line."""

    def __init__(self, message: str, line_number: int = 0, line: bytes | None = None) -> None:
        super().__init__(message)
        self.line_number = line_number
        self.line = line


class AofInfo:
    """One manifest line."""

    __slots__ = ("name", "seq", "type")

    def __init__(self, name: str, seq: int, type_: str) -> None:
        self.name = name
        self.seq = seq
        self.type = type_

    def line(self) -> bytes:
        raw = self.name.encode()
        if any(b <= 32 or b >= 127 or b in b"\"'\\" for b in raw):
            raw = quote_arg(raw)
        return b"file %s seq %d type %s\n" % (raw, self.seq, self.type.encode())


class Manifest:
    """Redis's aofManifest: the base file, history files, incr files and
    the last sequence numbers handed out."""

    def __init__(self) -> None:
        self.base: AofInfo | None = None
        self.incrs: list[AofInfo] = []
        self.history: list[AofInfo] = []
        self.base_seq = 0
        self.incr_seq = 0

    def copy(self) -> Manifest:
        m = Manifest()
        m.base = self.base
        m.incrs = list(self.incrs)
        m.history = list(self.history)
        m.base_seq = self.base_seq
        m.incr_seq = self.incr_seq
        return m

    def render(self) -> bytes:
        out = []
        if self.base is not None:
            out.append(self.base.line())
        out += [h.line() for h in self.history]
        out += [i.line() for i in self.incrs]
        return b"".join(out)

    @classmethod
    def parse(cls, text: bytes) -> Manifest:
        """Read a manifest as aofLoadManifestFromFile does. Raises AofError
        (with the line and its number when one is to blame)."""
        m = cls()
        if not text:
            raise AofError("Found an empty AOF manifest")
        maxseq = 0
        lines = text.split(b"\n")
        if lines[-1] == b"":
            lines.pop()
        for num, raw in enumerate(lines, 1):
            if raw.startswith(b"#"):
                continue  # comment lines
            line = raw.strip(b" \t\r\n")
            if len(raw) >= 1023:
                raise AofError("The AOF manifest file contains too long line", num, line)
            argv = split_args(line) if line else None
            if argv is None or len(argv) < 6 or len(argv) % 2:
                raise AofError("Invalid AOF manifest file format", num, line)
            name = seq = typ = None
            for k, v in zip(argv[::2], argv[1::2], strict=True):
                k = k.lower()
                if k == b"file":
                    name = v
                    if b"/" in v:
                        raise AofError("File can't be a path, just a filename", num, line)
                elif k == b"seq":
                    digits = re.match(rb"\s*[-+]?\d+", v)  # atoll
                    seq = int(digits.group()) if digits else 0
                elif k == b"type":
                    typ = v[:1]
            if not name or not seq or not typ:
                raise AofError("Invalid AOF manifest file format", num, line)
            info = AofInfo(name.decode("utf-8", "surrogateescape"), seq, typ.decode("latin-1"))
            if info.type == "b":
                if m.base is not None:
                    raise AofError("Found duplicate base file information", num, line)
                m.base = info
                m.base_seq = info.seq
            elif info.type == "h":
                m.history.append(info)
            elif info.type == "i":
                if info.seq <= maxseq:
                    raise AofError("Found a non-monotonic sequence number", num, line)
                m.incrs.append(info)
                m.incr_seq = maxseq = info.seq
            else:
                raise AofError("Unknown AOF file type", num, line)
        return m

    def empty(self) -> bool:
        return self.base is None and not self.incrs


# -- reading AOF command streams ------------------------------------------------------


class Truncated(Exception):
    """The file ends inside a command; ``valid`` bytes are good."""

    def __init__(self, valid: int) -> None:
        super().__init__(valid)
        self.valid = valid


class BadFormat(Exception):
    pass


def parse_commands(data: bytes, pos: int = 0):
    """Yield ``(args, end_offset)`` for each command of an AOF tail starting
    at ``pos``, as Redis's loader reads them: ``*<argc>`` then ``$<len>``
    bulks; ``#`` lines (timestamp annotations) are skipped. Raises
    Truncated at a short read and BadFormat otherwise."""
    n = len(data)
    while pos < n:
        start = pos
        if data[pos] == 0x23:  # '#TS:...' annotation
            eol = data.find(b"\n", pos)
            if eol < 0:
                raise Truncated(start)
            pos = eol + 1
            continue
        if data[pos] != 0x2A:  # '*'
            raise BadFormat()
        eol = data.find(b"\n", pos)
        if eol < 0:
            raise Truncated(start)
        head = data[pos + 1 : eol].rstrip(b"\r")
        if not head:
            raise Truncated(start)
        try:
            argc = int(head)
        except ValueError:
            raise BadFormat() from None
        if argc < 1:
            raise BadFormat()
        pos = eol + 1
        args = []
        for _ in range(argc):
            if pos >= n:
                raise Truncated(start)
            if data[pos] != 0x24:  # '$'
                raise BadFormat()
            eol = data.find(b"\n", pos)
            if eol < 0:
                raise Truncated(start)
            try:
                blen = int(data[pos + 1 : eol].rstrip(b"\r"))
            except ValueError:
                raise BadFormat() from None
            if blen < 0:
                raise BadFormat()
            pos = eol + 1
            if pos + blen + 2 > n:
                raise Truncated(start)
            args.append(data[pos : pos + blen])
            pos += blen + 2
        yield args, pos


def _bulk_double(score: float) -> bytes:
    """rioWriteBulkDouble's text of a score (%.17g, "inf", "-inf")."""
    if score in (float("inf"), float("-inf")):
        return b"inf" if score > 0 else b"-inf"
    return b"%.17g" % score


def _sid(i: int) -> bytes:
    return b"%d-%d" % (i >> 64, i & 0xFFFFFFFFFFFFFFFF)


def rewrite_stream(key: bytes, s, out) -> None:
    """rewriteStreamObject: XADD per entry (an empty stream through XADD
    MAXLEN 0), XSETID with the 7.0 counters, then per group XGROUP CREATE
    … ENTRIESREAD, XCLAIM … JUSTID FORCE for every pending entry of each
    consumer and XGROUP CREATECONSUMER for consumers without any."""
    w = out.write
    if s.length:
        for i, fv in s.entries():
            w(encode_command([b"XADD", key, _sid(i), *fv]))
    else:
        w(encode_command([b"XADD", key, b"MAXLEN", b"0", b"0-1", b"x", b"y"]))
    w(encode_command([b"XSETID", key, _sid(s.last_id), b"ENTRIESADDED", b"%d" % s.entries_added, b"MAXDELETEDID", _sid(s.max_deleted)]))
    for gname, g in s.sorted_groups():
        w(encode_command([b"XGROUP", b"CREATE", key, gname, _sid(g.last_id), b"ENTRIESREAD", b"%d" % g.entries_read]))
        for cons in g.sorted_consumers():
            if not cons.pel:
                w(encode_command([b"XGROUP", b"CREATECONSUMER", key, gname, cons.name]))
                continue
            for i, nack in cons.pel.items():
                w(encode_command([
                    b"XCLAIM", key, gname, cons.name, b"0", _sid(i), b"TIME", b"%d" % nack.delivery_time,
                    b"RETRYCOUNT", b"%d" % nack.delivery_count, b"JUSTID", b"FORCE",
                ]))


def rewrite_commands(dbs, out, functions: list[bytes] | None = None) -> None:
    """The dataset as commands (a base file without the RDB preamble):
    FUNCTION LOAD of every library (rewriteFunctions), SELECT, then per key
    SET / RPUSH / SADD / HMSET / ZADD (score member) in batches of 64 items,
    the stream commands of ``rewrite_stream``, and PEXPIREAT, as Redis's
    rewriteAppendOnlyFileRio (other types as RESTORE of their DUMP
    payload)."""
    for code in functions or ():
        out.write(encode_command([b"FUNCTION", b"LOAD", code]))
    written = 0
    for db in dbs:
        if not db.data:
            continue
        out.write(encode_command([b"SELECT", b"%d" % db.id]))
        for key, value in list(db.data.items()):
            if not written & 1023:
                report_keys(written + 1)  # a rewrite child's progress (rewriteAppendOnlyFileRio)
            written += 1
            if isinstance(value, (bytes, bytearray)):
                out.write(encode_command([b"SET", key, bytes(value)]))
            else:
                name = getattr(value, "TYPE_NAME", None)
                if name == b"list":
                    items, cmd = list(value), b"RPUSH"
                elif name == b"set":
                    items, cmd = list(value), b"SADD"
                elif name == b"hash":
                    items = [x for kv in value.items() for x in kv]
                    cmd = b"HMSET"
                elif name == b"zset":
                    items = [x for score, m in value.sl for x in (_bulk_double(score), m)]
                    cmd = b"ZADD"
                elif name == b"stream":
                    rewrite_stream(key, value, out)
                    items, cmd = [], b""
                else:
                    # A type without a command form here yet: its DUMP
                    # payload, which Redis's RESTORE reads too.
                    out.write(encode_command([b"RESTORE", key, b"0", dump_payload(value), b"REPLACE"]))
                    items, cmd = [], b""
                step = REWRITE_ITEMS_PER_CMD * (2 if cmd in (b"HMSET", b"ZADD") else 1)
                for i in range(0, len(items), step):
                    out.write(encode_command([cmd, key, *items[i : i + step]]))
            when = db.expires.get(key)
            if when is not None:
                out.write(encode_command([b"PEXPIREAT", key, b"%d" % when]))


def _fsync_dir(path: str) -> None:
    fd = os.open(path or ".", os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


class _Fatal(Exception):
    """Loading must stop the server (message already logged)."""


class Aof:
    """AOF state of one server (Redis's aof_state, aof_fd, aof_buf,
    aof_manifest, aof_child_pid, the rewrite statistics …)."""

    def __init__(self, server, execute) -> None:
        self.server = server
        self.execute = execute
        self.state = OFF
        self.manifest = Manifest()
        self.fd = -1
        self.buf = bytearray()
        self.current_size = 0
        self.base_size = 0
        self.rewrite_base_size = 0
        self.last_fsync = time.time()
        self.fsync_pending = False
        self.last_write_ok = True
        self.last_write_error = ""
        self.child_pid = 0
        self.child_start = 0.0
        self.child_temp_incr = ""  # temp incr file of a WAIT_REWRITE rewrite
        self.rewrite_scheduled = False
        self.last_rewrite_ok = True
        self.last_rewrite_time_sec = -1
        self.rewrites = 0
        self.consecutive_failures = 0
        self.subscribed = False
        self.need_select = False
        self.last_timestamp = 0  # of the last #TS annotation (aof-timestamp-enabled)
        self.next_delay_minutes = 0  # rewrite limiting after repeated failures
        self.next_rewrite_time = 0.0

    # -- paths ---------------------------------------------------------------------

    @property
    def dirname(self) -> str:
        return os.path.join(self.server.config.dir, self.server.config.appenddirname)

    @property
    def fname(self) -> str:
        return self.server.config.appendfilename

    def _path(self, name: str) -> str:
        return os.path.join(self.dirname, name)

    def manifest_name(self) -> str:
        return self.fname + ".manifest"

    def child_active(self) -> bool:
        return self.child_pid != 0

    def enabled(self) -> bool:
        return self.state != OFF

    # -- manifest ------------------------------------------------------------------

    def persist_manifest(self, m: Manifest) -> None:
        """Write the manifest to a temp file, fsync, rename over the real
        one, fsync the directory. Raises OSError."""
        tmp = self._path("temp-" + self.manifest_name())
        with open(tmp, "wb") as f:
            f.write(m.render())
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, self._path(self.manifest_name()))
        _fsync_dir(self.dirname)

    def _read_manifest(self) -> Manifest | None:
        path = self._path(self.manifest_name())
        try:
            with open(path, "rb") as f:
                text = f.read()
        except FileNotFoundError:
            return None
        return Manifest.parse(text)

    # -- start-up --------------------------------------------------------------------

    def load_at_startup(self) -> None:
        """Start-up hook: read the manifest (whatever ``appendonly`` says, as
        Redis: a bad one stops the server), replay the AOF when appendonly
        is yes, then open the incr file to append to."""
        server = self.server
        cfg = server.config
        log = server.log
        try:
            m = self._read_manifest()
        except AofError as e:
            log.warning("\n*** FATAL AOF MANIFEST FILE ERROR ***\n")
            if e.line is not None:
                log.warning("Reading the manifest file, at line %d\n" % e.line_number)
                log.warning(">>> '%s'\n" % e.line.decode("utf-8", "replace"))
            log.warning("%s\n" % e)
            raise SystemExit(1) from None
        except OSError as e:
            log.warning("Fatal error: can't open the AOF manifest file %s for reading: %s" % (self.manifest_name(), e.strerror or e))
            raise SystemExit(1) from None
        self.manifest = m if m is not None else Manifest()
        if not cfg.appendonly:
            return
        if self._needs_upgrade():
            self._upgrade_old_style()
        if not self.manifest.empty():
            try:
                took = self._load_all(self.manifest)
            except _Fatal:
                raise SystemExit(1) from None
            log.notice("DB loaded from append only file: %.3f seconds" % took)
            server.persistence.dirty_at_last_save = server.dirty
        try:
            self._open_on_start()
        except OSError as e:
            log.warning("Can't open the append-only file: %s" % (e.strerror or e))
            raise SystemExit(1) from None
        self.state = ON
        self._subscribe()
        self.remove_history()  # left by a crash between the two manifest writes

    def _needs_upgrade(self) -> bool:
        """loadAppendOnlyFiles' three cases for a Redis 6 ``appendonly.aof``
        in ``dir``: no AOF directory, an empty manifest, or a manifest that
        names only that file as the base while it is not in the directory."""
        if not os.path.isfile(os.path.join(self.server.config.dir, self.fname)):
            return False
        m = self.manifest
        if not os.path.isdir(self.dirname) or m.empty():
            return True
        return (
            m.base is not None and not m.incrs and m.base.name == self.fname
            and not os.path.exists(self._path(self.fname))
        )

    def _upgrade_old_style(self) -> None:
        """aofUpgradePrepare: the manifest first, then the file moves in (a
        crash in between is retried at the next start)."""
        server = self.server
        log = server.log
        try:
            os.makedirs(self.dirname, exist_ok=True)
        except OSError as e:
            log.warning("Can't open or create append-only dir %s: %s" % (server.config.appenddirname, e.strerror or e))
            raise SystemExit(1) from None
        m = self.manifest.copy()
        m.base = AofInfo(self.fname, 1, "b")
        m.base_seq = 1
        try:
            self.persist_manifest(m)
        except OSError as e:
            log.warning("Error trying to write the AOF manifest: %s" % (e.strerror or e))
            raise SystemExit(1) from None
        self.manifest = m
        try:
            os.rename(os.path.join(server.config.dir, self.fname), self._path(self.fname))
        except OSError as e:
            log.warning(
                "Error trying to move the old AOF file %s into dir %s: %s"
                % (self.fname, server.config.appenddirname, e.strerror or e)
            )
            raise SystemExit(1) from None
        log.notice(
            "Successfully migrated an old-style AOF file (%s) into the AOF directory (%s)."
            % (self.fname, server.config.appenddirname)
        )

    def _open_on_start(self) -> None:
        """aofOpenIfNeededOnServerStart: a base file when there is nothing,
        a new incr file when there is none, else append to the last one."""
        log = self.server.log
        os.makedirs(self.dirname, exist_ok=True)
        m = self.manifest.copy()
        changed = False
        if m.base is None and not m.incrs:
            m.base_seq += 1
            name = self._base_name(m.base_seq)
            self._write_base_file(self._path(name))
            m.base = AofInfo(name, m.base_seq, "b")
            log.notice("Creating AOF base file %s on server start" % name)
            changed = True
        if m.incrs:
            name = m.incrs[-1].name
            log.notice("Opening AOF incr file %s on server start" % name)
        else:
            m.incr_seq += 1
            name = "%s.%d.incr.aof" % (self.fname, m.incr_seq)
            m.incrs.append(AofInfo(name, m.incr_seq, "i"))
            log.notice("Creating AOF incr file %s on server start" % name)
            changed = True
        self.fd = os.open(self._path(name), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if changed:
            self.persist_manifest(m)
        self.manifest = m
        self.server.propagation.force_select()
        self.need_select = True

    def _base_name(self, seq: int) -> str:
        ext = "rdb" if self.server.config.aof_use_rdb_preamble else "aof"
        return "%s.%d.base.%s" % (self.fname, seq, ext)

    def _load_all(self, m: Manifest) -> float:
        """loadAppendOnlyFiles: the base, then each incr file, in order.
        Returns the seconds taken; raises _Fatal (logged)."""
        server = self.server
        log = server.log
        files = ([m.base] if m.base is not None else []) + m.incrs
        total_size = 0
        for info in files:
            try:
                total_size += os.stat(self._path(info.name)).st_size
            except OSError as e:
                log.warning("Unable to obtain the AOF file %s length. stat: %s" % (info.name, e.strerror or e))
                raise _Fatal() from None
        start = time.perf_counter()
        if not total_size:
            return 0.0  # AOF_EMPTY
        ks = server.keyspace
        prop = server.propagation
        persistence = server.persistence
        persistence.start_loading(total_size)
        prop.enabled = False
        ks.applying_primary = True  # no key expires while loading (as Redis)
        done = 0  # bytes of the files loaded before this one
        try:
            for i, info in enumerate(files):
                t = time.perf_counter()
                client = server.internal_client()  # each file starts in DB 0 (createAOFClient)
                client.no_block = True
                client.reply_mode = 1
                client.addr = "aof"
                client.is_aof_loader = True
                persistence.loading_loaded_bytes = done
                size = self._load_file(info, client, last=i == len(files) - 1)
                done += size
                if info.type == "b":
                    self.base_size = size
                    log.notice("DB loaded from base file %s: %.3f seconds" % (info.name, time.perf_counter() - t))
                else:
                    log.notice("DB loaded from incr file %s: %.3f seconds" % (info.name, time.perf_counter() - t))
        finally:
            ks.applying_primary = False
            ks.expire_now = ks.now_ms
            prop.enabled = True
            prop.pending = []
            persistence.stop_loading()
        # As Redis: the size before any truncation; the next automatic
        # rewrite is measured from the base.
        self.current_size = total_size
        self.rewrite_base_size = self.base_size
        return time.perf_counter() - start

    def _load_file(self, info: AofInfo, client, *, last: bool) -> int:
        """loadSingleAppendOnlyFile; returns the file's (possibly
        truncated) size. Raises _Fatal after logging."""
        server = self.server
        log = server.log
        cfg = server.config
        path = self._path(info.name)
        persistence = server.persistence
        file_start = persistence.loading_loaded_bytes  # the bytes of the files before it
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            log.warning("Fatal error: can't open the append log file %s for reading: %s" % (info.name, e.strerror or e))
            raise _Fatal() from None
        if not data:
            return 0
        pos = 0
        if data[:5] == b"REDIS":
            old_style = info.name == self.fname
            if old_style:
                log.notice("Reading RDB preamble from AOF file...")
            else:
                log.notice("Reading RDB base file on AOF loading...")
            try:
                res = server.persistence.load_rdb_bytes(data)
            except RdbError as e:
                what = "RDB preamble of the AOF file %s" if old_style else "RDB base file %s"
                log.warning(("Error reading the " + what + ", AOF loading aborted") % info.name)
                log.warning(str(e))
                raise _Fatal() from None
            server.persistence.log_aux(res)
            if res.aux.get(b"aof-base") == b"1":
                log.notice("RDB is base AOF")
            log.notice("Done loading RDB, keys loaded: %d, keys expired: %d." % (res.keys_loaded, res.keys_expired))
            pos = res.bytes_read
            if old_style:
                log.notice("Reading the remaining AOF tail...")
        valid = pos
        multi: list[list[bytes]] | None = None
        before_multi = 0
        loops = 0
        try:
            for args, end in parse_commands(data, pos):
                if not loops & 1023:
                    # Every 1024 commands the clients are served
                    # (loadSingleAppendOnlyFile's processEventsWhileBlocked).
                    persistence.loading_progress(file_start + valid)
                loops += 1
                name = args[0].lower()
                if name == b"multi" and multi is None:
                    multi = []
                    before_multi = valid
                elif name == b"exec" and multi is not None:
                    queued, multi = multi, None
                    for cmd in queued:
                        self._apply(client, cmd, info)
                elif multi is not None:
                    multi.append(args)
                else:
                    self._apply(client, args, info)
                valid = end
            if multi is not None:
                log.warning("Revert incomplete MULTI/EXEC transaction in AOF file %s" % info.name)
                raise Truncated(before_multi)
        except BadFormat:
            log.warning(
                "Bad file format reading the append only file %s: make a backup of your AOF file, "
                "then use ./redis-check-aof --fix <filename.manifest>" % info.name
            )
            raise _Fatal() from None
        except Truncated as t:
            if not (cfg.aof_load_truncated and last):
                if cfg.aof_load_truncated:
                    log.warning("Fatal error: the truncated file is not the last file")
                else:
                    log.warning(
                        "Unexpected end of file reading the append only file %s. You can: 1) Make a backup of "
                        "your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively "
                        "you can set the 'aof-load-truncated' configuration option to yes and restart the server."
                        % info.name
                    )
                raise _Fatal() from None
            log.warning("!!! Warning: short read while loading the AOF file %s!!!" % info.name)
            log.warning("!!! Truncating the AOF %s at offset %d !!!" % (info.name, t.valid))
            try:
                os.truncate(path, t.valid)
            except OSError as e:
                log.warning("Error truncating the AOF file %s: %s" % (info.name, e.strerror or e))
                raise _Fatal() from None
            log.warning("AOF %s loaded anyway because aof-load-truncated is enabled" % info.name)
            return t.valid
        return len(data)

    def _apply(self, client, args: list[bytes], info: AofInfo) -> None:
        if not self.execute(client, args):
            self.server.log.warning(
                "Unknown command '%s' reading the append only file %s" % (args[0].decode("utf-8", "replace"), info.name)
            )
            raise _Fatal()

    def debug_loadaof(self) -> None:
        """DEBUG LOADAOF: write what is buffered, empty the dataset, replay
        the AOF. As Redis, a server with nothing to load, or a file that
        does not load, exits."""
        server = self.server
        if self.state == ON:
            self.flush(force_fsync=True)
        server.keyspace.flushall()
        server.on_flush(-1)
        scripting = server.scripting_if_started()
        if scripting is not None:
            scripting.function_flush()  # emptyData: the libraries go too
        try:
            m = self._read_manifest()
        except (AofError, OSError) as e:
            server.log.warning("%s" % (getattr(e, "strerror", None) or e))
            m = None
        dirty = server.dirty
        try:
            if m is None:
                raise _Fatal()
            self.manifest = m
            self.remove_history()
            self._load_all(m)
        except _Fatal:
            server.exit_now(1)
            return
        server.dirty = dirty  # nothing to propagate or save
        server.log.warning("Append Only File loaded by DEBUG LOADAOF")

    # -- writing ---------------------------------------------------------------------

    def _subscribe(self) -> None:
        if not self.subscribed:
            self.server.propagation.subscribe(self.on_stream, control=False)
            self.subscribed = True

    def _unsubscribe(self) -> None:
        if self.subscribed:
            self.server.propagation.unsubscribe(self.on_stream)
            self.subscribed = False

    def on_stream(self, data: bytes) -> None:
        """The funnel's write stream (feedAppendOnlyFile). While AOF is
        being turned on, only what follows the rewrite's fork is kept: the
        rest is in the new base."""
        if self.state == ON or (self.state == WAIT_REWRITE and self.child_pid):
            if self.need_select:
                # A replica forwards its primary's stream as is: a new incr
                # file starts with the database that stream is in.
                self.need_select = False
                repl = self.server.replication
                master = repl.master_client
                if master is not None and repl.is_replica() and not data.startswith(b"*2\r\n$6\r\nSELECT"):
                    data = encode_command([b"SELECT", b"%d" % master.db.id]) + data
            if self.server.config.aof_timestamp_enabled:
                now = int(time.time())
                if now > self.last_timestamp:
                    self.last_timestamp = now
                    self.buf += b"#TS:%d\r\n" % now
            self.buf += data

    def flush(self, force_fsync: bool = False) -> None:
        """flushAppendOnlyFile: write the buffer to the incr file; fsync now
        under ``always`` (before the replies go out), or when asked."""
        if self.fd < 0:
            return
        if self.buf:
            data = bytes(self.buf)
            written = 0
            threshold = self.server.config.latency_monitor_threshold
            began = time.monotonic() if threshold else 0.0
            try:
                while written < len(data):
                    written += os.write(self.fd, data[written:])
            except OSError as e:
                self._short_write(written, len(data), e)
                return
            if threshold:  # the write's latency, by what else was going on (flushAppendOnlyFile)
                ms = int((time.monotonic() - began) * 1000)
                latency = self.server.latency
                busy = bool(self.child_pid) or self.other_child_active()
                latency.add_sample("aof-write-active-child" if busy else "aof-write-alone", ms, threshold)
                latency.add_sample("aof-write", ms, threshold)
            del self.buf[:]
            self.current_size += len(data)
            self.fsync_pending = True
            if not self.last_write_ok:
                self.server.log.warning("AOF write error looks solved, Redis can write again.")
                self.last_write_ok = True
                self.server.aof_write_error = None
        policy = self.server.config.appendfsync
        if self.fsync_pending and (force_fsync or (policy == "always" and not self._fsync_held())):
            threshold = self.server.config.latency_monitor_threshold
            began = time.monotonic() if threshold else 0.0
            self._fsync()
            if threshold and policy == "always":
                self.server.latency.add_sample("aof-fsync-always", int((time.monotonic() - began) * 1000), threshold)

    def _fsync_held(self) -> bool:
        """no-appendfsync-on-rewrite: no fsync while a child saves."""
        return bool(self.server.config.no_appendfsync_on_rewrite) and (bool(self.child_pid) or self.other_child_active())

    def _short_write(self, written: int, expected: int, e: OSError) -> None:
        """flushAppendOnlyFile's error path: take a partial write back out
        of the file (or, failing that, out of the buffer), refuse writes
        until the AOF can be written; under ``always`` exit."""
        log = self.server.log
        if written:
            log.warning("Short write while writing to the AOF file: (nwritten=%d, expected=%d)" % (written, expected))
            try:
                os.ftruncate(self.fd, os.fstat(self.fd).st_size - written)
            except OSError as te:
                log.warning(
                    "Could not remove short write from the append-only file. Redis may refuse to load the AOF "
                    "the next time it starts. ftruncate: %s" % (te.strerror or te)
                )
                del self.buf[:written]  # it is in the file: keep the rest only
                self.current_size += written
        elif self.last_write_ok:
            log.warning("Error writing to the AOF file: %s" % (e.strerror or e))
        if self.server.config.appendfsync == "always":
            log.warning("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...")
            self.server.exit_now(1)
        # A short write is reported as ENOSPC, as Redis does.
        self._write_failed(os.strerror(errno.ENOSPC) if written else e.strerror or str(e))

    def _write_failed(self, reason: str) -> None:
        """Writes are refused (MISCONF) until the AOF can be written again."""
        self.last_write_ok = False
        self.last_write_error = reason
        self.server.aof_write_error = E.MISCONF_AOF % reason

    def _fsync(self) -> None:
        try:
            os.fdatasync(self.fd)
        except OSError as e:
            self.server.log.warning("Fail to fsync the AOF file: %s." % (e.strerror or e))
            self._write_failed(e.strerror or str(e))
            return
        self.fsync_pending = False
        self.last_fsync = time.time()

    def before_reply(self) -> None:
        """Called before each round's replies are written."""
        if self.buf:
            self.flush()

    def _close_fd(self) -> None:
        if self.fd >= 0:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = -1

    # -- rewrite -----------------------------------------------------------------------

    def _write_base_file(self, path: str) -> None:
        """The dataset as a base file: an RDB with ``aof-base 1`` when
        aof-use-rdb-preamble is yes, else commands. Temp file, fsync,
        rename. Raises OSError / AofError."""
        server = self.server
        tmp = os.path.join(os.path.dirname(path) or ".", "temp-rewriteaof-%d.aof" % os.getpid())
        try:
            with open(tmp, "wb") as raw:
                # aof-rewrite-incremental-fsync: fdatasync every 4 MB.
                f = FileSink(raw, bool(server.config.aof_rewrite_incremental_fsync))
                if server.config.aof_use_rdb_preamble:
                    # Redis's rdbSaveRio with RDBFLAGS_AOF_PREAMBLE: no
                    # replication fields, aof-base 1.
                    try:
                        used = int(server.used_memory())
                    except Exception:  # pragma: no cover - platform without rusage
                        used = 0
                    server.persistence.write_snapshot(f, aux=default_aux(used) + [(b"aof-base", b"1")])
                else:
                    if server.config.aof_timestamp_enabled:
                        f.write(b"#TS:%d\r\n" % int(time.time()))
                    rewrite_commands(server.keyspace.dbs, f, server.function_codes())
                raw.flush()
                os.fsync(raw.fileno())
            os.rename(tmp, path)
        except BaseException:
            _unlink(tmp)
            raise

    def other_child_active(self) -> bool:
        server = self.server
        if server.persistence.child_active():
            return True
        return server.replication.primary.job is not None

    def rewrite_background(self) -> bool:
        """rewriteAppendOnlyFileBackground: open the next incr file (a temp
        one while turning AOF on), then fork the child writing the base."""
        server = self.server
        log = server.log
        if self.child_pid:
            return False
        try:
            os.makedirs(self.dirname, exist_ok=True)
            self.flush(force_fsync=True)
            if self.state == OFF:
                name = ""  # BGREWRITEAOF with AOF off: a new base only
            elif self.state == WAIT_REWRITE:
                name = "temp-%s.incr" % self.fname
                fd = os.open(self._path(name), os.O_WRONLY | os.O_TRUNC | os.O_CREAT, 0o644)
                self.child_temp_incr = name
            else:
                m = self.manifest.copy()
                m.incr_seq += 1
                name = "%s.%d.incr.aof" % (self.fname, m.incr_seq)
                fd = os.open(self._path(name), os.O_WRONLY | os.O_APPEND | os.O_TRUNC | os.O_CREAT, 0o644)
                m.incrs.append(AofInfo(name, m.incr_seq, "i"))
                try:
                    self.persist_manifest(m)
                except OSError:
                    os.close(fd)
                    _unlink(self._path(name))
                    raise
                self.manifest = m
        except OSError as e:
            log.warning("Can't open new incr AOF file for rewrite: %s" % (e.strerror or e))
            self.last_rewrite_ok = False
            return False
        if name:
            log.notice("Creating AOF incr file %s on background rewrite" % name)
            self._close_fd()
            self.fd = fd
            self.server.propagation.force_select()
            self.need_select = True
        self.rewrites += 1
        def rewrite() -> int:  # pragma: no cover - runs in the child
            try:
                self._close_fd()
                tmp = os.path.join(server.config.dir, "temp-rewriteaof-bg-%d.aof" % os.getpid())
                self._write_base_file(tmp)
                log.notice("Successfully created the temporary AOF base file %s" % os.path.basename(tmp))
                return 0
            except BaseException as e:  # noqa: BLE001 - the child reports, then exits 1
                try:
                    log.warning("Error rewriting the append only file: %s" % (getattr(e, "strerror", None) or e))
                except BaseException:  # noqa: BLE001
                    pass
                return 1

        try:
            pid = fork_child(server, rewrite, info=server.persistence.child_info, name="AOF rewrite", final=INFO_AOF_COW_SIZE)
        except OSError as e:
            log.warning("Can't rewrite append only file in background: fork: %s" % (e.strerror or e))
            self.last_rewrite_ok = False
            return False
        self.child_pid = pid
        self.child_start = time.time()
        self.rewrite_scheduled = False
        log.notice("Background append only file rewriting started by pid %d" % pid)
        return True

    def _child_temp(self, pid: int) -> str:
        return os.path.join(self.server.config.dir, "temp-rewriteaof-bg-%d.aof" % pid)

    def _reap(self) -> None:
        pid = self.child_pid
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done, status = pid, 1 << 8
        if done == 0:
            return
        self.child_pid = 0
        self.server.persistence.child_info.child_done(pid, os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0)
        self.last_rewrite_time_sec = int(time.time() - self.child_start)
        log = self.server.log
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            log.warning("Background AOF rewrite terminated by signal %d" % sig)
            self._rewrite_failed(pid, sig != signal.SIGUSR1)
        elif os.WEXITSTATUS(status) != 0:
            log.warning("Background AOF rewrite terminated with error")
            self._rewrite_failed(pid, True)
        else:
            log.notice("Background AOF rewrite terminated with success")
            self._rewrite_done(pid)

    def _remove_child_temps(self, pid: int) -> None:
        """aofRemoveTempFile: the child's finished and unfinished base."""
        _unlink(self._child_temp(pid))
        _unlink(os.path.join(self.server.config.dir, "temp-rewriteaof-%d.aof" % pid))

    def _rewrite_failed(self, pid: int, is_error: bool) -> None:
        self._remove_child_temps(pid)
        if is_error:
            self.last_rewrite_ok = False
            self.consecutive_failures += 1
        if self.state == WAIT_REWRITE:
            # AOF is being turned on: drop what the temp incr file got and
            # try again.
            self._drop_temp_incr()
            self.rewrite_scheduled = True

    def _drop_temp_incr(self) -> None:
        del self.buf[:]
        self._close_fd()
        if self.child_temp_incr:
            self.server.log.notice("Removing the temp incr aof file %s in the background" % self.child_temp_incr)
            _unlink(self._path(self.child_temp_incr))
            self.child_temp_incr = ""

    def _rewrite_limited(self) -> bool:
        """aofRewriteLimited: after 3 failures in a row, automatic and
        scheduled rewrites wait 1, 2, 4 … up to 60 minutes."""
        if self.consecutive_failures < 3:
            self.next_delay_minutes = 0
            self.next_rewrite_time = 0.0
            return False
        now = time.time()
        if self.next_rewrite_time:
            if now < self.next_rewrite_time:
                return True
            self.next_rewrite_time = 0.0
            return False
        self.next_delay_minutes = min(60, self.next_delay_minutes * 2 if self.next_delay_minutes else 1)
        self.next_rewrite_time = now + self.next_delay_minutes * 60
        self.server.log.warning(
            "Background AOF rewrite has repeatedly failed and triggered the limit, will retry in %d minutes"
            % self.next_delay_minutes
        )
        return True

    def _rewrite_done(self, pid: int) -> None:
        """backgroundRewriteDoneHandler: install the new base (and the temp
        incr file when AOF was being turned on), mark the old files as
        history, persist the manifest, remove the history."""
        log = self.server.log
        m = self.manifest.copy()
        m.base_seq += 1
        base_name = self._base_name(m.base_seq)
        tmp = self._child_temp(pid)
        try:
            os.rename(tmp, self._path(base_name))
        except OSError as e:
            log.warning("Error trying to rename the temporary AOF base file %s into %s: %s" % (os.path.basename(tmp), base_name, e.strerror or e))
            self._rewrite_failed(pid, True)
            return
        log.notice("Successfully renamed the temporary AOF base file %s into %s" % (os.path.basename(tmp), base_name))
        # History in Redis's order: each file moved is put at the head.
        if m.base is not None:
            m.history.insert(0, AofInfo(m.base.name, m.base.seq, "h"))
        m.base = AofInfo(base_name, m.base_seq, "b")
        if self.state == WAIT_REWRITE:
            m.incr_seq += 1
            incr_name = "%s.%d.incr.aof" % (self.fname, m.incr_seq)
            try:
                os.rename(self._path(self.child_temp_incr), self._path(incr_name))
            except OSError as e:
                log.warning("Error trying to rename the temporary AOF incr file %s into %s: %s" % (self.child_temp_incr, incr_name, e.strerror or e))
                _unlink(self._path(base_name))
                self._rewrite_failed(pid, True)
                return
            log.notice("Successfully renamed the temporary AOF incr file %s into %s" % (self.child_temp_incr, incr_name))
            for i in m.incrs:
                m.history.insert(0, AofInfo(i.name, i.seq, "h"))
            m.incrs = [AofInfo(incr_name, m.incr_seq, "i")]
        else:
            # The incr file being appended to stays; with AOF off, none does.
            keep = 1 if self.fd >= 0 and m.incrs else 0
            for i in m.incrs[: len(m.incrs) - keep]:
                m.history.insert(0, AofInfo(i.name, i.seq, "h"))
            m.incrs = m.incrs[len(m.incrs) - keep :]
        try:
            self.persist_manifest(m)
        except OSError as e:
            log.warning("Error trying to write the AOF manifest: %s" % (e.strerror or e))
            _unlink(self._path(base_name))
            self._rewrite_failed(pid, True)
            return
        self.manifest = m
        if self.state == WAIT_REWRITE:
            self.state = ON
            self.child_temp_incr = ""
        self.remove_history()
        self.flush()
        try:
            self.base_size = os.path.getsize(self._path(base_name))
            incr = os.fstat(self.fd).st_size if self.fd >= 0 else 0
        except OSError:
            incr = 0
        self.current_size = self.rewrite_base_size = self.base_size + incr
        self.last_rewrite_ok = True
        self.consecutive_failures = 0
        log.notice("Background AOF rewrite finished successfully")

    def remove_history(self) -> None:
        """aofDelHistoryFiles (unless aof-disable-auto-gc is yes)."""
        m = self.manifest
        if not m.history or self.server.config.aof_disable_auto_gc:
            return
        for h in m.history:
            self.server.log.notice("Removing the history file %s in the background" % h.name)
            _unlink(self._path(h.name))
        m = m.copy()
        m.history = []
        try:
            self.persist_manifest(m)
        except OSError as e:
            self.server.log.warning("Error trying to write the AOF manifest: %s" % (e.strerror or e))
            return
        self.manifest = m

    def kill_child(self) -> None:
        pid = self.child_pid
        if not pid:
            return
        self.server.log.notice("Killing running AOF rewrite child: %d" % pid)
        stop_child(pid)
        self.server.persistence.child_info.child_done(pid, False)
        self._remove_child_temps(pid)
        self.child_pid = 0
        self.last_rewrite_time_sec = int(time.time() - self.child_start)

    # -- commands and config --------------------------------------------------------------

    def start(self) -> bool:
        """CONFIG SET appendonly yes (startAppendOnly): rewrite, then
        append to the incr file the rewrite opened."""
        if self.state != OFF:
            return True
        self.state = WAIT_REWRITE
        self._subscribe()
        if self.other_child_active():
            self.rewrite_scheduled = True
            self.server.log.warning(
                "AOF was enabled but there is already another background operation. "
                "An AOF background was scheduled to start when possible."
            )
            return True
        if self.server.in_exec:
            self.rewrite_scheduled = True
            self.server.log.warning(
                "AOF was enabled during a transaction. An AOF background was scheduled to start when possible."
            )
            return True
        if self.child_pid:
            self.server.log.warning(
                "AOF was enabled but there is already an AOF rewriting in background. "
                "Stopping background AOF and starting a rewrite now."
            )
            self.kill_child()
        if not self.rewrite_background():
            self.state = OFF
            self._unsubscribe()
            self.server.log.warning(
                "Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. "
                "Check the above logs for more info about the error."
            )
            return False
        if not self.last_write_ok:
            self.server.log.warning("AOF reopen, just ignore the last error.")
            self.last_write_ok = True
            self.server.aof_write_error = None
        return True

    def stop(self) -> None:
        """CONFIG SET appendonly no (stopAppendOnly)."""
        if self.state == OFF:
            return
        self.flush(force_fsync=True)
        self._close_fd()
        if self.child_pid:
            self.kill_child()
        if self.child_temp_incr:
            _unlink(self._path(self.child_temp_incr))
            self.child_temp_incr = ""
        self.rewrite_scheduled = False
        self.state = OFF
        self._unsubscribe()
        del self.buf[:]
        self.last_write_ok = True
        self.server.aof_write_error = None

    def on_config(self, value) -> None:
        if value and self.state == OFF:
            if not self.start():
                raise ConfigError("Unable to turn on AOF. Check server logs.")
        elif not value and self.state != OFF:
            self.stop()

    # -- cron, shutdown, INFO ----------------------------------------------------------------

    def cron(self) -> None:
        if self.child_pid:
            self._reap()
        if self.buf:
            self.flush()
        cfg = self.server.config
        if (
            self.state != OFF and cfg.appendfsync == "everysec" and self.fsync_pending
            and time.time() - self.last_fsync >= 1 and not self._fsync_held()
        ):
            self._fsync()
        if self.child_pid or self.other_child_active():
            return
        if self.rewrite_scheduled and not self._rewrite_limited():
            self.rewrite_background()
            return
        perc = cfg.auto_aof_rewrite_percentage
        if self.state == ON and perc and self.current_size > cfg.auto_aof_rewrite_min_size:
            base = self.rewrite_base_size or 1
            growth = self.current_size * 100 // base - 100
            if growth >= perc and not self._rewrite_limited():
                self.server.log.notice("Starting automatic rewriting of AOF on %d%% growth" % growth)
                self.rewrite_background()

    def close(self) -> None:
        """Close the incr file (a server that has shut down but whose
        process goes on: an embedded one)."""
        self._close_fd()

    def on_shutdown(self, force: bool = False) -> str | None:
        """prepareForShutdown's AOF part: refuse while the first AOF is
        still being written (unless FORCE), stop a rewrite child, write and
        fsync what is buffered. Returns an error text to refuse."""
        log = self.server.log
        if self.child_pid:
            if self.state == WAIT_REWRITE:
                if not force:
                    log.warning("Writing initial AOF, can't exit.")
                    return E.SHUTDOWN_FAILED
                log.warning("Writing initial AOF. Exit anyway.")
            log.warning("There is a child rewriting the AOF. Killing it!")
            self.kill_child()
        if self.state != OFF:
            log.notice("Calling fsync() on the AOF file.")
            self.flush(force_fsync=True)
        return None

    def info_lines(self) -> list[str]:
        now = time.time()
        return [
            "aof_enabled:%d" % int(self.state != OFF),
            "aof_rewrite_in_progress:%d" % int(bool(self.child_pid)),
            "aof_rewrite_scheduled:%d" % int(self.rewrite_scheduled),
            "aof_last_rewrite_time_sec:%d" % self.last_rewrite_time_sec,
            "aof_current_rewrite_time_sec:%d" % (int(now - self.child_start) if self.child_pid else -1),
            "aof_last_bgrewrite_status:%s" % ("ok" if self.last_rewrite_ok else "err"),
            "aof_rewrites:%d" % self.rewrites,
            "aof_rewrites_consecutive_failures:%d" % self.consecutive_failures,
            "aof_last_write_status:%s" % ("ok" if self.last_write_ok else "err"),
            "aof_last_cow_size:%d" % self.server.persistence.child_info.aof_cow_bytes,
        ]

    def info_tail(self) -> list[str]:
        if self.state == OFF:
            return []
        return [
            "aof_current_size:%d" % self.current_size,
            "aof_base_size:%d" % self.base_size,
            "aof_pending_rewrite:%d" % int(self.rewrite_scheduled),
            "aof_buffer_length:%d" % len(self.buf),
            "aof_pending_bio_fsync:0",
            "aof_delayed_fsync:0",
        ]


def install(server, execute) -> Aof:
    """Attach AOF persistence to ``server``; ``execute(client, args)`` runs
    one loaded command (False for an unknown command)."""
    aof = Aof(server, execute)
    server.aof = aof
    server.startup_hooks.append(aof.load_at_startup)
    server.cron_hooks.append(aof.cron)
    server.before_reply_hooks.append(aof.before_reply)
    server.config.on_change("appendonly", aof.on_config)
    return aof


__all__ = ["Aof", "AofError", "Manifest", "install", "parse_commands"]
