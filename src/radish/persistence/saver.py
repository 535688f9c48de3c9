"""Snapshot persistence for a running server: load at start-up, SAVE,
BGSAVE in a forked child, save points, the save on shutdown, DEBUG RELOAD,
and what INFO persistence reports.

``install(server)`` creates the ``Persistence`` object, sets it as
``server.persistence`` and registers its start-up hook (load the RDB file)
and cron hook (reap the BGSAVE child, save points, scheduled BGSAVE).

Files are written as Redis does: to ``temp-<pid>.rdb`` in ``dir``, flushed,
fsynced, then renamed over ``dbfilename`` and the directory fsynced, so a
crash or a killed child at any moment leaves the previous file intact.

The replication layer streams snapshots with ``write_snapshot(stream)`` and
loads its primary's with ``load_snapshot(stream)``.

Imports from radish: ``persistence`` and ``db`` only; the server is reached
through the object handed to ``install``.
"""

from __future__ import annotations

import os
import re
import signal
import time
from typing import Any

from .. import errors as E
from ..db.keytable import KeyTable
from .child import INFO_RDB_COW_SIZE, ChildInfo, fork_child, report_keys, stop_child
from .rdb import (
    LoadResult,
    RdbChecksumError,
    RdbError,
    RdbReader,
    RdbSignatureError,
    RdbTruncatedError,
    RdbVersionError,
    default_aux,
    read_snapshot,
    replication_aux,
    replication_info,
    write_snapshot,
)

BGSAVE_RETRY_DELAY = 5  # seconds between save-point retries after a failure
AUTOSYNC_BYTES = 4 * 1024 * 1024  # rdb-save-incremental-fsync step


class FileSink:
    """A file the RDB writer streams into, fdatasync'ed every 4 MB when
    rdb-save-incremental-fsync is on (as Redis's rio auto-sync)."""

    def __init__(self, f, autosync: bool) -> None:
        self.f = f
        self.autosync = autosync
        self.unsynced = 0

    def write(self, data) -> None:
        self.f.write(data)
        if self.autosync:
            self.unsynced += len(data)
            if self.unsynced >= AUTOSYNC_BYTES:
                self.f.flush()
                os.fdatasync(self.f.fileno())
                self.unsynced = 0


def _fsync_dir(path: str) -> None:
    fd = os.open(os.path.dirname(os.path.abspath(path)) or ".", os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def startup_load_error_lines(e: Exception, path: str) -> list[str]:
    """The log lines of a start-up load that fails, in Redis 7.0's words
    for the failures operators' tools look for (rdbLoad's and
    loadDataFromDisk's: a bad signature, a CRC mismatch, a short read,
    with rdbReportCorruptRDB's "Internal error in RDB reading …" line as
    Redis prints it, its source position included); radish's own text for
    the rest."""
    if isinstance(e, RdbSignatureError):
        return ["Wrong signature trying to load DB from file", "Fatal error loading the DB: Invalid argument. Exiting."]
    if isinstance(e, RdbVersionError):
        return ["Can't handle RDB format version %d" % e.version, "Fatal error loading the DB: Invalid argument. Exiting."]
    if isinstance(e, RdbChecksumError):
        return [
            "Wrong RDB checksum expected: (%x) but got (%x). Aborting now." % (e.expected, e.stored),
            "Internal error in RDB reading offset 0, function at rdb.c:3225 -> RDB CRC error",
        ]
    if isinstance(e, RdbTruncatedError):
        return [
            "Short read or OOM loading DB. Unrecoverable error, aborting now.",
            "Internal error in RDB reading offset 0, function at rdb.c:3249 -> Unexpected EOF reading RDB file",
        ]
    reason = getattr(e, "strerror", None) if isinstance(e, OSError) else None
    return ["Fatal error loading the DB from %s: %s. Exiting." % (path, reason or e)]


class Persistence:
    """RDB state of one server (Redis's lastsave, dirty-before-bgsave,
    child pid, lastbgsave_status …)."""

    def __init__(self, server) -> None:
        self.server = server
        self.dirty_at_last_save = server.dirty
        self.lastsave = int(time.time())
        server.lastsave = self.lastsave
        self.last_bgsave_ok = True
        self.last_bgsave_try = 0.0
        self.last_bgsave_time_sec = -1
        self.rdb_saves = 0
        self.child_pid = 0
        self.child_start = 0.0
        # What the running child (BGSAVE, AOF rewrite, full-sync snapshot)
        # reports through its pipe, and the last children's CoW sizes.
        self.child_info = ChildInfo()
        self.dirty_before_bgsave = 0
        self.bgsave_scheduled = False
        self.keys_loaded = 0
        self.keys_expired = 0
        self.skip_checksum_validation = False
        # The load under way (startLoading's fields, INFO's loading_*).
        self.loading_start = 0
        self.loading_total_bytes = 0
        self.loading_loaded_bytes = 0
        self.loading_rdb_used_mem = 0
        self.loading_client = None  # whose command loads (DEBUG RELOAD …): not served meanwhile
        self.last_aux: dict[bytes, bytes] = {}

    # -- state -------------------------------------------------------------------

    @property
    def changes_since_last_save(self) -> int:
        return self.server.dirty - self.dirty_at_last_save

    def path(self) -> str:
        cfg = self.server.config
        return os.path.join(cfg.dir, cfg.dbfilename)

    def child_active(self) -> bool:
        return self.child_pid != 0

    def _aof_child(self) -> bool:
        return self.server.aof.child_active()

    def _is_replica(self) -> bool:
        return self.server.replication.is_replica()

    def write_error(self, c=None) -> str | None:
        """MISCONF when the last background save failed, save points are
        set and stop-writes-on-bgsave-error is on (not for the primary's
        stream on a replica)."""
        cfg = self.server.config
        if self.last_bgsave_ok or not cfg.save or not cfg.stop_writes_on_bgsave_error:
            return None
        if c is not None and c.flags & 1:  # FLAG_MASTER
            return None
        return E.MISCONF_RDB

    # -- writing -----------------------------------------------------------------

    def snapshot_aux(self) -> list[tuple[bytes, bytes]]:
        """Aux fields for a new snapshot: Redis's, plus the replication
        fields (repl-stream-db, repl-id, repl-offset) when the replication
        layer says this server has a history to continue
        (rdbPopulateSaveInfo)."""
        server = self.server
        try:
            used = int(server.used_memory())
        except Exception:  # pragma: no cover - platform without rusage
            used = 0
        aux = default_aux(used)
        repl = server.replication
        stream_db = repl.save_info()
        if stream_db is not None:
            aux += replication_aux(stream_db, repl.replid, server.propagation.master_repl_offset)
        aux.append((b"aof-base", b"0"))
        return aux

    def write_snapshot(self, stream, *, key_delay_us: int | None = None, aux: list[tuple[bytes, bytes]] | None = None) -> int:
        """Write the whole dataset as an RDB stream (also used by
        replication). Returns the number of bytes written. Each key waits
        rdb-key-save-delay microseconds (a testing aid, as in Redis)."""
        server = self.server
        if key_delay_us is None:
            key_delay_us = int(server.config.rdb_key_save_delay or 0)
        return write_snapshot(
            stream,
            server.keyspace.dbs,
            server.config,
            aux=self.snapshot_aux() if aux is None else aux,
            functions=server.function_codes(),
            key_delay_us=key_delay_us,
            on_keys=report_keys,  # a forked child's progress to its parent (nothing otherwise)
        )

    def _save_to_file(self) -> bool:
        """rdbSave: temp file, flush, fsync, rename, fsync the directory.
        Logs and returns False on failure (the old file stays)."""
        server = self.server
        cfg = server.config
        target = self.path()
        tmp = os.path.join(os.path.dirname(target), "temp-%d.rdb" % os.getpid())
        try:
            f = open(tmp, "wb")
        except OSError as e:
            server.log.warning(
                "Failed opening the temp RDB file %s (in server root dir %s) for saving: %s"
                % (os.path.basename(tmp), os.path.dirname(target), e.strerror or e)
            )
            return False
        op = "rdbSaveRio"
        try:
            with f:
                self.write_snapshot(FileSink(f, bool(cfg.rdb_save_incremental_fsync)))
                op = "fflush"
                f.flush()
                op = "fsync"
                os.fsync(f.fileno())
                op = "fclose"
        except Exception as e:  # noqa: BLE001 - any failure must leave the old file
            server.log.warning("Write error saving DB on disk(%s): %s" % (op, getattr(e, "strerror", None) or e))
            _unlink(tmp)
            return False
        try:
            os.rename(tmp, target)
        except OSError as e:
            server.log.warning(
                "Error moving temp DB file %s on the final destination %s (in server root dir %s): %s"
                % (os.path.basename(tmp), os.path.basename(target), os.path.dirname(target), e.strerror or e)
            )
            _unlink(tmp)
            return False
        try:
            _fsync_dir(target)
        except OSError as e:
            server.log.warning("Failed to fsync directory while saving DB: %s" % (e.strerror or e))
            return False
        server.log.notice("DB saved on disk")
        return True

    def save(self) -> bool:
        """SAVE: write the snapshot now, blocking the server."""
        server = self.server
        self.rdb_saves += 1
        dirty = server.dirty
        if not self._save_to_file():
            return False
        self.dirty_at_last_save = dirty
        self._saved_now()
        self.last_bgsave_ok = True
        return True

    def _saved_now(self) -> None:
        self.lastsave = int(time.time())
        self.server.lastsave = self.lastsave

    def bgsave(self) -> bool:
        """rdbSaveBackground: fork a child that writes the snapshot."""
        server = self.server
        if self.child_pid or self._aof_child():
            return False
        self.rdb_saves += 1
        self.dirty_before_bgsave = server.dirty
        self.last_bgsave_try = time.time()
        try:
            pid = fork_child(server, lambda: 0 if self._save_to_file() else 1, info=self.child_info, name="RDB", final=INFO_RDB_COW_SIZE)
        except OSError as e:
            self.last_bgsave_ok = False
            server.log.warning("Can't save in background: fork: %s" % (e.strerror or e))
            return False
        self.child_pid = pid
        self.child_start = time.time()
        server.log.notice("Background saving started by pid %d" % pid)
        return True

    def kill_child(self) -> None:
        """Stop a running BGSAVE child (SIGUSR1, as Redis: not an error)."""
        pid = self.child_pid
        if not pid:
            return
        stop_child(pid)
        self.child_info.child_done(pid, False)
        self._remove_child_temp(pid)
        self.child_pid = 0

    def _remove_child_temp(self, pid: int) -> None:
        _unlink(os.path.join(os.path.dirname(self.path()), "temp-%d.rdb" % pid))

    def _reap(self) -> None:
        pid = self.child_pid
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done, status = pid, 1 << 8
        if done == 0:
            return
        server = self.server
        self.child_pid = 0
        self.child_info.child_done(pid, os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0)
        self.last_bgsave_time_sec = int(time.time() - self.child_start)
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            server.log.warning("Background saving terminated by signal %d" % sig)
            self._remove_child_temp(pid)
            if sig != signal.SIGUSR1:
                self.last_bgsave_ok = False
        elif os.WEXITSTATUS(status) == 0:
            server.log.notice("Background saving terminated with success")
            self.dirty_at_last_save = self.dirty_before_bgsave
            self._saved_now()
            self.last_bgsave_ok = True
        else:
            server.log.warning("Background saving error")
            self.last_bgsave_ok = False

    def cron(self) -> None:
        """Read what a child reported (once a second), reap the BGSAVE
        child; otherwise start a scheduled BGSAVE or one a save point asks
        for."""
        self.child_info.cron()
        if self.child_pid:
            self._reap()
            return
        other = self.server.replication.primary.job
        if other is not None or self._aof_child():  # another child is running
            return
        now = time.time()
        may_retry = self.last_bgsave_ok or now - self.last_bgsave_try > BGSAVE_RETRY_DELAY
        if self.bgsave_scheduled and may_retry:
            if self.bgsave():
                self.bgsave_scheduled = False
            return
        changes = self.changes_since_last_save
        for seconds, needed in self.server.config.save:
            if changes >= needed and now - self.lastsave > seconds and may_retry:
                self.server.log.notice("%d changes in %d seconds. Saving..." % (needed, seconds))
                self.bgsave()
                break

    # -- loading -----------------------------------------------------------------

    def _now_ms(self) -> int | None:
        """Expired keys are dropped at load time, except on a replica."""
        if self._is_replica():
            return None
        return self.server.keyspace.clock()

    def _load(
        self,
        stream,
        *,
        flush: bool,
        allow_dup: bool = False,
        total_bytes: int = 0,
        reader: RdbReader | None = None,
        keep_expired: bool = False,
        expired_keys: list[tuple[int, bytes]] | None = None,
    ) -> LoadResult:
        """Read a snapshot into fresh dicts, then install it: all or nothing."""
        server = self.server
        cfg = server.config
        ks = server.keyspace
        # Each database's keys go straight into a table of their own (no
        # dict of key objects first: the keys' bytes are copied in as
        # they are read), installed whole at the end.
        fresh: list[tuple[Any, Any]] = [(t, t.expires) for t in (KeyTable() for _ in ks.dbs)]
        verify = bool(cfg.rdbchecksum) and not self.skip_checksum_validation
        # Inside a load already under way (an AOF's RDB base): its
        # progress goes on from where that load is.
        nested = server.loading
        base = self.loading_loaded_bytes if nested else 0
        if not nested:
            self.start_loading(total_bytes)
        try:

            def progress(offset: int, so_far: LoadResult) -> None:
                self.keys_loaded = so_far.keys_loaded
                self.keys_expired = so_far.keys_expired
                used = so_far.aux.get(b"used-mem")
                if used is not None:
                    self.loading_rdb_used_mem = max(0, _atoll(used))
                self.loading_progress(base + offset)

            if reader is None:
                reader = RdbReader(stream)
            reader.config = cfg
            res = read_snapshot(
                reader,
                fresh,
                now_ms=None if keep_expired else self._now_ms(),
                verify_checksum=verify,
                allow_dup=allow_dup,
                progress=progress,
                progress_every=int(cfg.loading_process_events_interval_bytes),
                key_delay_us=int(cfg.key_load_delay or 0),
                expired_keys=expired_keys,
            )
        finally:
            if not nested:
                self.stop_loading()
        if not flush and not allow_dup:
            for db, (data, _) in zip(ks.dbs, fresh, strict=True):
                if db.data and len(data) and any(k in db.data for k in data):
                    dup = next(k for k in data if k in db.data)
                    raise RdbError("duplicated key '%s' in DB %d" % (dup.decode("utf-8", "replace"), db.id))
        self._install_functions(res.functions, flush, allow_dup)
        for db, (data, expires) in zip(ks.dbs, fresh, strict=True):
            if flush or not db.data:
                if data or db.data:
                    _replace_contents(db, data)
                continue
            for key, value in data.items():
                db.set(key, value)
                when = expires.get(key)
                if when is not None:
                    db.set_expire(key, when)
            db.version += 1
        for dbid, entries in res.access.items():
            db = ks.dbs[dbid]
            for key, (idle, freq) in entries.items():
                if key in db.data:
                    self.apply_access(db, key, idle, freq)
        self.keys_loaded = res.keys_loaded
        self.keys_expired = res.keys_expired
        self.last_aux = res.aux
        return res

    def _install_functions(self, codes: list[bytes], flush: bool, allow_dup: bool) -> None:
        """The snapshot's function libraries: in place of the current ones
        (``flush``, as emptyData clears them before a load), else added to
        them (a library of the same name replaces the old one only with
        ``allow_dup``). Raises RdbError, the libraries unchanged."""
        server = self.server
        if not codes and (not flush or not server.function_codes()):
            return
        try:
            server.scripting.function_restore(codes, "flush" if flush else "replace" if allow_dup else "append")
        except E.CommandError as e:
            raise RdbError("Failed loading library, %s" % e.message.removeprefix("ERR ")) from None

    def start_loading(self, total_bytes: int) -> None:
        """Redis's startLoading: the server is loading ``total_bytes``
        (0 when unknown); commands without the ``loading`` flag get
        -LOADING until stop_loading, and INFO reports the progress."""
        self.server.loading = True
        self.loading_client = self.server.current_client
        self.loading_start = int(time.time())
        self.loading_total_bytes = total_bytes
        self.loading_loaded_bytes = 0
        self.loading_rdb_used_mem = 0
        self.keys_loaded = 0
        self.keys_expired = 0

    def loading_progress(self, loaded_bytes: int) -> None:
        """loadingAbsProgress + processEventsWhileBlocked: note how far
        the load is, then let the server serve its clients (they get
        -LOADING, or run what the ``loading`` flag allows)."""
        self.loading_loaded_bytes = loaded_bytes
        self.server.while_loading(self.loading_client)

    def stop_loading(self) -> None:
        self.server.loading = False
        self.loading_client = None

    def apply_access(self, db, key: bytes, idle: int, freq: int) -> None:
        """Redis's objectSetLRUOrLFU: an idle time (seconds) under LRU
        tracking, or an LFU counter under an LFU policy; -1 = not given."""
        ks = self.server.keyspace
        lru = db.lru
        if lru is None:
            return
        if ks.lfu_mode:
            if freq >= 0:
                lru[key] = (ks.lfu_minutes() << 8) | min(freq, 255)
        elif idle >= 0:
            lru[key] = max(0, ks.now_ms // 1000 - idle)

    def load_file(
        self, path: str | None = None, *, flush: bool = True, allow_dup: bool = False, expired_keys: list[tuple[int, bytes]] | None = None
    ) -> LoadResult:
        """Load an RDB file into the keyspace (replacing it unless
        ``flush`` is False; expired keys it skipped noted in
        ``expired_keys`` when given). Raises OSError or RdbError; on error
        the keyspace is left as it was."""
        path = path or self.path()
        with open(path, "rb") as f:
            try:
                size = os.fstat(f.fileno()).st_size
            except OSError:
                size = 0
            return self._load(f, flush=flush, allow_dup=allow_dup, total_bytes=size, expired_keys=expired_keys)

    def load_rdb_bytes(self, data: bytes) -> LoadResult:
        """Load an AOF base file's RDB (or an old AOF's RDB preamble) held
        in memory, replacing the dataset; ``bytes_read`` says where it
        ended. Expired keys are kept, as Redis loads an AOF preamble.
        Raises RdbError."""
        return self._load(None, flush=True, total_bytes=len(data), reader=RdbReader(data=data), keep_expired=True)

    def load_snapshot(self, stream, total_bytes: int = 0) -> LoadResult:
        """Load a snapshot of ``total_bytes`` (0: unknown) from a stream
        (a full resync from a primary): replaces the dataset. Raises
        RdbError."""
        return self._load(stream, flush=True, total_bytes=total_bytes)

    def log_aux(self, res: LoadResult) -> None:
        log = self.server.log
        ver = res.aux.get(b"redis-ver")
        if ver is not None:
            log.notice("Loading RDB produced by version %s" % ver.decode("utf-8", "replace"))
        ctime = res.aux.get(b"ctime")
        if ctime is not None and ctime.lstrip(b"-").isdigit():
            log.notice("RDB age %d seconds" % (int(time.time()) - int(ctime)))
        mem = res.aux.get(b"used-mem")
        if mem is not None and mem.isdigit():
            log.notice("RDB memory usage when created %.2f Mb" % (int(mem) / (1024 * 1024)))

    def load_at_startup(self) -> None:
        """Start-up hook: load ``dir/dbfilename`` if it exists; anything
        wrong with it stops the server (exit 1) with a log line naming the
        file and the problem — never a partial dataset. The replication
        history the file carries (repl-id, repl-offset, repl-stream-db) is
        handed to the replication layer, as loadDataFromDisk does, so a
        restarted replica or primary can resynchronize partially."""
        server = self.server
        path = self.path()
        if server.config.appendonly or not os.path.exists(path):
            return  # with appendonly yes the AOF is loaded instead (aof.py)
        start = time.perf_counter()
        # A primary drops the expired keys it loads and tells its replicas
        # (their DELs go to the backlog when the history is restored).
        expired: list[tuple[int, bytes]] | None = None if self._is_replica() else []
        try:
            res = self.load_file(path, expired_keys=expired)
        except (OSError, RdbError) as e:
            for line in startup_load_error_lines(e, path):
                server.log.warning(line)
            raise SystemExit(1) from None
        self.log_aux(res)
        if res.empty_keys_skipped:
            server.log.notice("Done loading RDB, keys loaded: %d, keys expired: %d, empty keys skipped: %d." % (res.keys_loaded, res.keys_expired, res.empty_keys_skipped))
        else:
            server.log.notice("Done loading RDB, keys loaded: %d, keys expired: %d." % (res.keys_loaded, res.keys_expired))
        server.log.notice("DB loaded from disk: %.3f seconds" % (time.perf_counter() - start))
        # A freshly loaded dataset counts as saved.
        self.dirty_at_last_save = server.dirty
        history = replication_info(res.aux)
        if history is not None:
            server.replication.restore_history(*history, expired_keys=expired or [])

    def debug_reload(self, *, save: bool = True, flush: bool = True, merge: bool = False) -> str | None:
        """DEBUG RELOAD: save, flush, load. Returns an error text or None."""
        server = self.server
        if save and not self.save():
            return "ERR"
        try:
            self.load_file(flush=flush, allow_dup=merge)
        except (OSError, RdbError) as e:
            server.log.warning("Error trying to load the RDB dump (%s): %s" % (self.path(), e))
            return E.DEBUG_RELOAD_FAILED
        if flush:
            server.on_flush(-1)
        server.log.warning("DB reloaded by DEBUG RELOAD")
        return None

    # -- shutdown -----------------------------------------------------------------

    def on_shutdown(self, save: bool | None, force: bool) -> str | None:
        """prepareForShutdown's RDB part: stop a BGSAVE child, then save if
        save points exist (unless NOSAVE) or SAVE was asked for. Returns an
        error text when the save failed and FORCE was not given."""
        server = self.server
        if self.child_pid:
            server.log.warning("There is a child saving an .rdb. Killing it!")
            self.kill_child()
        if (server.config.save and save is not False) or save is True:
            server.log.notice("Saving the final RDB snapshot before exiting.")
            if not self.save():
                if force:
                    server.log.warning("Error trying to save the DB. Exit anyway.")
                else:
                    server.log.warning("Error trying to save the DB, can't exit.")
                    return E.SHUTDOWN_FAILED
        return None

    def on_flushall(self) -> None:
        """FLUSHALL: kill a BGSAVE child and, when save points exist, save
        the now empty dataset (Redis's flushAllDataAndResetRDB)."""
        if self.child_pid:
            self.kill_child()
        if self.server.config.save:
            self.save()

    # -- INFO -----------------------------------------------------------------------

    def info_lines(self) -> list[str]:
        server = self.server
        now = time.time()
        in_progress = bool(self.child_pid)
        lines = [
            "loading:%d" % int(bool(server.loading)),
            "async_loading:0",  # a replica never loads while serving its old data (repl-diskless-load swapdb)
            *self.child_info.info_lines(),
            "rdb_changes_since_last_save:%d" % self.changes_since_last_save,
            "rdb_bgsave_in_progress:%d" % int(in_progress),
            "rdb_last_save_time:%d" % self.lastsave,
            "rdb_last_bgsave_status:%s" % ("ok" if self.last_bgsave_ok else "err"),
            "rdb_last_bgsave_time_sec:%d" % self.last_bgsave_time_sec,
            "rdb_current_bgsave_time_sec:%d" % (int(now - self.child_start) if in_progress else -1),
            "rdb_saves:%d" % self.rdb_saves,
            "rdb_last_cow_size:%d" % self.child_info.rdb_cow_bytes,
            "rdb_last_load_keys_expired:%d" % self.keys_expired,
            "rdb_last_load_keys_loaded:%d" % self.keys_loaded,
        ]
        aof = server.aof
        lines += aof.info_lines()
        lines += ["module_fork_in_progress:0", "module_fork_last_cow_size:0"]
        lines += aof.info_tail()
        if server.loading:
            lines += self._loading_lines(int(now))
        return lines

    def _loading_lines(self, now: int) -> list[str]:
        """INFO persistence's loading_* fields, computed as Redis 7.0's
        genRedisInfoString: the percentage against the file size, or
        against the RDB's used-mem aux field when the size is unknown
        (then capped at 99.99); the ETA from the whole seconds elapsed
        (1 in the first second)."""
        total = self.loading_total_bytes
        used_mem = self.loading_rdb_used_mem
        done = self.loading_loaded_bytes
        perc = 0.0
        remaining = 1
        if total:
            perc = done * 100.0 / total
            remaining = total - done
        elif used_mem:
            perc = min(done * 100.0 / used_mem, 99.99)
            remaining = max(used_mem - done, 1)
        elapsed = now - self.loading_start
        eta = 1 if elapsed == 0 else int(elapsed * remaining / (done + 1))
        return [
            "loading_start_time:%d" % self.loading_start,
            "loading_total_bytes:%d" % total,
            "loading_rdb_used_mem:%d" % used_mem,
            "loading_loaded_bytes:%d" % done,
            "loading_loaded_perc:%.2f" % perc,
            "loading_eta_seconds:%d" % eta,
        ]


def _atoll(text: bytes) -> int:
    """strtoll's leading integer of ``text`` (0 when there is none)."""
    m = _LEADING_INT.match(text)
    return int(m.group()) if m else 0


_LEADING_INT = re.compile(rb"[ \t\n\v\f\r]*[+-]?[0-9]+")


def _replace_contents(db, data) -> None:
    """Install a freshly loaded table (its expiry times inside) in a
    database, through the keyspace's own method, which also resets access
    stamps and caches."""
    db.replace_contents(data)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def install(server) -> Persistence:
    """Attach RDB persistence to ``server`` (called at the end of
    Server.__init__)."""
    p = Persistence(server)
    server.persistence = p
    server.startup_hooks.append(p.load_at_startup)
    server.cron_hooks.append(p.cron)
    return p


__all__ = ["Persistence", "install"]
