"""``radish.serve()``: the radish server inside a Python process.

::

    import radish, redis

    with radish.serve(appendonly="yes") as server:      # any config parameter by name
        r = redis.Redis.from_url(server.url)
        r.set("k", "v")

    async with radish.serve(port=0) as server:          # the same, from async code
        ...

It is the server ``python -m radish`` runs (the same ``Server`` object and
start-up steps: ACL users and aclfile, modules refused, the RDB or AOF
loaded, replication, cron), on an event loop of its own in a background
thread. ``serve()`` returns once the server listens (it blocks the
caller for that long, ``async with`` included: a few milliseconds, plus
importing the server's modules the first time in a process), or raises
``StartError`` with the reason redis-server would log (a corrupt RDB file,
a port in use …); a bad parameter raises ``radish.config.ConfigError``
with the config layer's message, as redis-server's command line does.

Parameters are redis-server's, by name, with ``_`` for ``-``
(``appendonly="yes"``, ``save=""``, ``maxmemory="1mb"``,
``client_output_buffer_limit="normal 0 0 0"``); ``True``/``False`` mean
yes/no, numbers are written out, a list or tuple gives several arguments
(``save=(3600, 1, 300, 100)``). ``config_file=`` reads a redis.conf first
(for directives that are not parameters: ``user``, ``include`` …). What
differs from ``python -m radish``'s defaults, and why:

- ``port=0`` (the default) listens on a free port the OS picks;
  ``server.port`` says which (as ``CONFIG GET port`` and INFO do).
  ``port=None`` listens on no TCP port (give ``unixsocket``).
- ``bind`` defaults to ``127.0.0.1``.
- ``dir`` defaults to a new temporary directory, removed by ``stop()``;
  ``save`` then defaults to ``""`` (nothing there would outlive the
  server). Pass ``dir=`` to keep the files.
- ``logfile`` defaults to ``radish.log`` in ``dir`` (redis-server logs to
  stdout); ``logfile=""`` logs to stdout. A failed start's reasons are in
  ``StartError``'s message either way.

Files and the working directory: the embedded server never changes the
process's working directory (redis-server chdirs into ``dir``; ``CONFIG
SET dir`` here only checks the directory and records it). Every file the
server writes itself (``dbfilename``, the ``appendonlydir``, rewrite
temp files) is ``dir``-joined. A relative ``unixsocket``, ``logfile``,
``aclfile`` or ``pidfile`` is made absolute against ``dir`` before start,
so it names the file redis-server would use; ``dir`` itself, when
relative, is taken against the process's working directory.

Thread-safety: the ``Server`` object (``server.server``) and everything it
owns live on the server's loop thread and are not locked; touch them only
from that thread, e.g. through ``server.call(fn, *args)``, which runs
``fn`` there and returns its result. From any other thread only
``stop()``, ``call()`` and the properties (``port``, ``url``,
``unix_socket``, ``dir``, ``running``) are safe. Clients talk to the
server over its sockets, from any thread or process. Several embedded
servers may run in one process (a primary and its replicas); they share
the process-wide command table, so a ``rename-command`` (from a config
file) applies to all of them, and the process's signals are left alone
(no SIGTERM/SIGINT handlers are installed). BGSAVE, BGREWRITEAOF and full
syncs fork the process as redis-server does. What makes redis-server
exit on the spot (an AOF write error under ``appendfsync always``, DEBUG
LOADAOF of an AOF that does not load) stops the embedded server instead
(clients dropped, nothing saved; ``running`` turns False); the process
goes on.

The command table and the parameter table are built once per process
(at the first ``serve()``), not per server.
"""

from __future__ import annotations

import asyncio
import atexit
import collections
import concurrent.futures
import os
import shutil
import tempfile
import threading
import weakref
from typing import Any, Callable

from .commands.acl import check_user_line
from .config import ConfigError, load_server_config
from .log import Logger
from .server import Server

__all__ = ["EmbeddedServer", "StartError", "serve"]

_RUNNING: weakref.WeakSet[EmbeddedServer] = weakref.WeakSet()


class StartError(RuntimeError):
    """The server did not start; the message holds the log lines saying why."""


class _Log(Logger):
    """The server's log, also keeping its last warnings (for StartError)."""

    def __init__(self, config) -> None:
        super().__init__(config)
        self.last_warnings: collections.deque[str] = collections.deque(maxlen=5)

    def log(self, level: int, msg: str, role: str | None = None) -> None:
        if level >= 3:
            self.last_warnings.append(msg)
        super().log(level, msg, role)


def _arguments(name: str, value: Any) -> list[str]:
    """``--name value …`` for one keyword argument."""
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    out = ["--" + name.replace("_", "-")]
    for v in values:
        if v is True:
            out.append("yes")
        elif v is False:
            out.append("no")
        else:
            out.append(os.fsdecode(v) if isinstance(v, (bytes, os.PathLike)) else str(v))
    if len(out) == 1:
        out.append("")
    return out


def _keyword_error(e: ConfigError, params: dict[str, Any]) -> ConfigError:
    """The loader's message for a bad keyword argument, naming the argument
    rather than a line of the command line it was turned into."""
    lines = str(e).split("\n")
    if len(lines) == 4 and lines[0].startswith("*** FATAL") and lines[2].startswith(">>> '"):
        directive = lines[2][5:].split(" ", 1)[0].rstrip("'")
        for name, value in params.items():
            if name.replace("_", "-").lower() == directive:
                return ConfigError("radish.serve(%s=%r): %s" % (name, value, lines[3]))
    return e


def serve(port: int | None = 0, *, config_file: str | os.PathLike | None = None, **config: Any) -> EmbeddedServer:
    """Start a radish server in this process and return it once it listens
    (see the module docstring). Use it as a context manager (``with`` or
    ``async with``) or call ``stop()``."""
    server = EmbeddedServer(port, config_file, config)
    server.start()
    return server


class EmbeddedServer:
    """A running radish server on its own loop thread (``radish.serve``)."""

    def __init__(self, port: int | None, config_file: str | os.PathLike | None, params: dict[str, Any]) -> None:
        argv: list[str] = [os.fspath(config_file)] if config_file is not None else []
        given = {k.replace("_", "-").lower() for k in params}
        created_dir = None
        defaults: dict[str, Any] = {"bind": "127.0.0.1", "logfile": "radish.log"}
        if "dir" not in given:
            created_dir = tempfile.mkdtemp(prefix="radish-")
            defaults["dir"] = created_dir
            defaults["save"] = ""
        for name, value in defaults.items():
            if name not in given:
                argv += _arguments(name, value)
        for name, value in params.items():
            argv += _arguments(name, value)
        argv += _arguments("port", 0 if port is None else port)
        try:
            cfg = load_server_config(argv, check_user=check_user_line)
        except ConfigError as e:
            if created_dir is not None:
                shutil.rmtree(created_dir, ignore_errors=True)
            raise _keyword_error(e, params) from None
        if cfg.daemonize:
            if created_dir is not None:
                shutil.rmtree(created_dir, ignore_errors=True)
            raise ConfigError("radish.serve(daemonize=...): an embedded server cannot daemonize")
        for attr in ("unixsocket", "logfile", "aclfile", "pidfile"):
            path = getattr(cfg, attr)
            if path and not os.path.isabs(path):
                setattr(cfg, attr, os.path.join(cfg.dir, path))
        self.config = cfg
        self._created_dir = created_dir
        self._ephemeral = port == 0
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.server: Server | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._log: _Log | None = None
        self._lock = threading.Lock()
        self._stopped = False

    # -- properties (safe from any thread) -----------------------------------

    @property
    def port(self) -> int:
        """The TCP port it listens on (0: none)."""
        return self.config.port

    @property
    def host(self) -> str:
        """An address of the first ``bind`` entry to connect to."""
        for addr in self.config.bind:
            addr = addr.lstrip("-")
            if addr in ("*", "0.0.0.0"):
                return "127.0.0.1"
            if addr in ("::*", "::"):
                return "::1"
            return addr
        return "127.0.0.1"

    @property
    def unix_socket(self) -> str | None:
        """The unix socket's path, or None when it listens on none."""
        return self.config.unixsocket or None

    @property
    def url(self) -> str:
        """``redis://host:port`` (``unix:///path`` without a TCP port), as
        ``redis.Redis.from_url`` takes it; never holds a password."""
        if not self.port and self.unix_socket:
            return "unix://" + self.unix_socket
        host = self.host
        return "redis://%s:%d" % ("[%s]" % host if ":" in host else host, self.port)

    @property
    def dir(self) -> str:
        """The server's ``dir``: where its RDB and AOF files go."""
        return self.config.dir

    @property
    def running(self) -> bool:
        t = self._thread
        return t is not None and t.is_alive() and self._ready.is_set() and self._failure is None

    # -- life cycle -------------------------------------------------------------

    def start(self) -> None:
        """Start the loop thread and wait until the server listens."""
        if self._thread is not None:
            raise RuntimeError("this server was started already")
        self._thread = threading.Thread(target=self._run, name="radish-server", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._failure is not None:
            self._thread.join()
            self._remove_dir()
            failure = self._failure
            if isinstance(failure, (ConfigError, StartError)):
                raise failure
            raise StartError("the radish server did not start: %r" % (failure,)) from failure
        _RUNNING.add(self)

    def _run(self) -> None:
        loop: asyncio.AbstractEventLoop
        try:
            import uvloop

            loop = uvloop.new_event_loop()
        except ImportError:  # pragma: no cover - uvloop is a dependency where it builds
            loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._main())
        except BaseException as e:  # noqa: B036 - reported to the starting thread
            if not self._ready.is_set():
                self._failure = e
        finally:
            self._ready.set()
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                loop.close()

    async def _main(self) -> None:
        cfg = self.config
        log = self._log = _Log(cfg)
        try:
            server = Server(cfg, log, owns_process=False)
        except ConfigError as e:
            self._failure = e
            return
        server.ephemeral_port = self._ephemeral
        self.server = server
        try:
            await self._serve(server, log)
        finally:
            server.release_files()

    async def _serve(self, server: Server, log: _Log) -> None:
        cfg = self.config
        if not server.refuse_modules():
            self._failure = StartError("\n".join(log.last_warnings))
            return
        for warning in cfg.unenforced_warnings():
            log.warning(warning)
        acl_error = server.load_acl()
        if acl_error is not None:
            self._failure = StartError(acl_error)
            return
        server.startup_memory = server.used_memory()  # before any data is loaded
        try:
            for hook in server.startup_hooks:
                hook()
            await server.start()
        except SystemExit:
            self._failure = StartError("\n".join(log.last_warnings) or "the radish server did not start")
            await server.close()
            return
        if cfg.pidfile:
            try:
                with open(cfg.pidfile, "w") as f:
                    f.write("%d\n" % os.getpid())
            except OSError:
                log.warning("Failed to write PID file")
        log.notice("Ready to accept connections (%s)" % self.url)
        self._ready.set()
        await server.serve_until_shutdown()
        if cfg.pidfile:
            try:
                os.unlink(cfg.pidfile)
            except OSError:
                pass

    def call(self, fn: Callable[..., Any], *args: Any, timeout: float | None = 30) -> Any:
        """Run ``fn(*args)`` on the server's loop thread and return its
        result (or raise its exception): the safe way to reach
        ``self.server`` from another thread."""
        loop = self._loop
        if loop is None or not self.running:
            raise RuntimeError("the radish server is not running")
        if threading.current_thread() is self._thread:
            return fn(*args)
        future: concurrent.futures.Future = concurrent.futures.Future()

        def run() -> None:
            try:
                future.set_result(fn(*args))
            except BaseException as e:  # noqa: B036 - handed to the caller
                future.set_exception(e)

        loop.call_soon_threadsafe(run)
        return future.result(timeout)

    def load_rdb(self, path: str | os.PathLike) -> int:
        """Replace the whole dataset with an RDB file's (any version Redis
        2.x–7.4 writes), as start-up loads ``dbfilename``; returns the
        number of keys loaded. Raises OSError or radish's RdbError (the
        dataset is then left as it was). Not propagated: replicas attached
        already keep their data (ones attached later sync the new one)."""
        path = os.fspath(path)

        def load() -> int:
            server = self.server
            assert server is not None
            res = server.persistence.load_file(path)
            server.on_flush(-1)  # WATCHed keys are touched, as by DEBUG RELOAD
            return res.keys_loaded

        return self.call(load)

    def stop(self, save: bool | None = None) -> None:
        """Shut the server down as SHUTDOWN does (``save`` None: save when
        save points are configured; True/False: SAVE/NOSAVE), wait for its
        thread, and remove the temporary ``dir`` it was given. Safe from
        any thread, and more than once."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        thread, loop, server = self._thread, self._loop, self.server
        if thread is not None and thread.is_alive() and loop is not None and server is not None:

            def shutdown() -> None:
                if server.shutdown_requested:
                    return
                if server.prepare_shutdown(save=save) is not None:
                    server.prepare_shutdown(save=save, force=True)  # as SHUTDOWN FORCE: stop anyway
                server.request_shutdown(0)

            if threading.current_thread() is thread:
                shutdown()
                return  # the thread ends once the loop runs on
            try:
                loop.call_soon_threadsafe(shutdown)
            except RuntimeError:  # the loop closed meanwhile
                pass
            thread.join()
        _RUNNING.discard(self)
        self._remove_dir()

    def _remove_dir(self) -> None:
        if self._created_dir is not None:
            shutil.rmtree(self._created_dir, ignore_errors=True)
            self._created_dir = None

    # -- context managers ----------------------------------------------------------

    def __enter__(self) -> EmbeddedServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> EmbeddedServer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.stop)

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return "<radish EmbeddedServer %s %s>" % (self.url, state)


@atexit.register
def _stop_all() -> None:
    """Servers still running when the interpreter exits are shut down
    (their temporary directories removed)."""
    for server in list(_RUNNING):
        server.stop()
