"""The server: owns the databases, clients, configuration, statistics, the
propagation funnel and the cron; starts the listeners on the event loop.

Command handlers reach server-level services through ``c.server`` (pause
clients, kill clients, shut down, replication role …); nothing below this
module imports it.
"""

from __future__ import annotations

import asyncio
import errno
import os
import secrets
import signal
import socket
import sys
import time
from collections import deque
from collections.abc import Callable

from . import REDIS_VERSION, __version__, memory
from . import errors as E
from .blocking import BlockingRegistry
from .client import FLAG_MASTER, FLAG_MONITOR, FLAG_REPLICA, Client
from .cluster.bus import Bus as ClusterBus
from .cluster.state import ClusterState
from .commands import load_all
from .commands.acl import refresh_default_auth
from .commands.acl_users import AclUsers
from .commands.introspection import drop_monitor, slow_threshold
from .commands.migrate import MigrateSockets
from .commands.registry import RenameError, apply_renames
from .commands.transactions import WatchRegistry
from .config import Config, ConfigError
from .db.keyspace import Keyspace
from .db.notify import NOTIFY_KEYEVENT, NOTIFY_KEYSPACE
from .dispatch import attach_memory_counter, call
from .eviction import Eviction, evict_clients
from .latency import LatencyMonitor, SlowLog
from .log import Logger
from .persistence.aof import Aof
from .persistence.aof import install as install_aof
from .persistence.saver import Persistence
from .persistence.saver import install as install_persistence
from .propagation import Propagator
from .pubsub import PubSub
from .replication.state import ReplicationState
from .stats import Stats
from .tracking import Tracking


class Server:
    """One radish server."""

    def __init__(self, config: Config, logger: Logger | None = None, *, owns_process: bool = True) -> None:
        load_all()
        try:
            apply_renames(config.rename_commands)
        except RenameError as e:
            raise ConfigError(str(e)) from None
        self.config = config
        self.log = logger or Logger(config)
        # False for an embedded server (radish.serve): it shares its
        # process, so CONFIG SET dir does not chdir (paths use config.dir).
        self.owns_process = owns_process
        # Listen on a port the OS picks when ``port`` is 0 (embedded
        # servers); config.port then holds the port bound.
        self.ephemeral_port = False
        self.unix_listener: asyncio.AbstractServer | None = None
        # ACL users (the default one's password is requirepass); the
        # config's user lines and aclfile are applied by load_acl().
        self.acl = AclUsers(lambda: config.acl_pubsub_default == "allchannels")
        if config.requirepass:
            self.acl.set_default_password(config.requirepass.encode("utf-8", "surrogateescape"))
        memory.install()  # used_memory counted at the allocator (once per process)
        attach_memory_counter()
        # used_memory counts from here: the interpreter and the modules are
        # not used memory (an embedded server: nor its host's allocations
        # so far; those made later by the host in this process are).
        self.memory_origin = memory.refresh()
        self.keyspace = Keyspace(config.databases)
        self.keyspace.configure_eviction(config.maxmemory_policy, config.lfu_log_factor, config.lfu_decay_time)
        self.keyspace.on_expired = self._propagate_expire
        self.keyspace.on_event = self._keyspace_event
        self.keyspace.notify_flags = config.notify_keyspace_events
        self.blocking = BlockingRegistry(self)
        # Who wants to hear of modified keys (WATCH, keyspace events …):
        # (hook, interested) pairs; the keyspace calls back only while a
        # blocked client or one of these is interested (refresh_key_hook).
        self.key_change_hooks: list = []
        self.dirty = 0
        self.propagation = Propagator(config.repl_backlog_size)
        self.stats = Stats()
        self.eviction = Eviction(self)
        self.clients: dict[int, Client] = {}
        self._next_client_id = 1
        self.loading = False
        self.start_time = time.time()
        self.peak_memory = 0
        self.run_id = secrets.token_hex(20)
        self.replid = secrets.token_hex(20)
        self.replid2 = "0" * 40
        self.second_repl_offset = -1
        self.pid = os.getpid()
        self.executable = os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else ""
        self.listeners: list[asyncio.AbstractServer] = []
        self._unattached_socks: list[socket.socket] = []  # bound, not yet served
        # While a long command holds the loop (process_events_while_blocked):
        # duplicates of the listening sockets with their accept callback, the
        # connections accepted meanwhile, the signal handlers replaced.
        self._held_listening: list = []
        self._held_conns: list = []
        self._held_signals: dict = {}
        self.signal_callback: Callable[[str], None] | None = None  # install_signal_handlers' handler (owns the process)
        self.shutdown_asap = False  # a signal asked for shutdown (Redis's shutdown_asap)
        self.signals_noted: dict[int, int] = {}  # signals logged while the loop was held
        self.loop: asyncio.AbstractEventLoop | None = None
        self.shutdown_requested = False
        self.shutdown_event: asyncio.Event | None = None
        self.exit_code = 0
        # CLIENT PAUSE state: (mode, until_ms) where mode is "write" or "all".
        self.pause_mode: str | None = None  # the most restrictive pause in effect
        self.pause_until = 0.0
        self.pauses: dict[str, tuple[str, float]] = {}  # purpose -> (mode, end in ms)
        self.paused_clients: list = []
        self.pending_writes: list = []  # connections with output to flush
        # Largest client output buffer of each of the last 8 seconds (INFO
        # client_recent_max_output_buffer, as Redis's CLIENTS_PEAK_MEM_USAGE_SLOTS).
        self.output_buffer_peaks: deque[int] = deque(maxlen=8)
        self.blocked_clients = 0
        self.lastsave = int(time.time())
        self.rdb_changes_since_last_save = 0
        self.cron_loops = 0
        # DEBUG knobs: PAUSE-CRON skips the cron's work, SET-DISABLE-DENY-SCRIPTS
        # lets scripts call noscript commands; the others (REPLYBUFFER,
        # QUICKLIST-PACKED-THRESHOLD, AOF-FLUSH-SLEEP) are kept for show.
        self.pause_cron = False
        self.script_disable_deny_script = False
        self.debug_settings: dict[str, int] = {}
        self.hz = config.hz
        self._cron_handle: asyncio.TimerHandle | None = None
        self.cron_hooks: list = []  # extra periodic work registered by later layers
        self._expire_db_cursor = 0  # the active cycle resumes where it stopped
        self.client_closed_hooks: list = []
        self.pubsub = PubSub(self)
        self.client_closed_hooks.append(self.pubsub.drop_client)
        # SLOWLOG, LATENCY and MONITOR: call() reports a command taking
        # slow_usec or more; monitors get every command's line.
        self.slowlog = SlowLog()
        self.latency = LatencyMonitor()
        self.monitors: dict[Client, None] = {}
        self.slow_usec = slow_threshold(config)
        self.latency_tracking = bool(config.latency_tracking)
        self.client_closed_hooks.append(drop_monitor)
        self.current_client: Client | None = None  # whose input is being processed
        self.tracking_clients = 0
        self.flush_hooks: list = []  # called with a db index, or -1 for FLUSHALL
        self.swapdb_hooks: list = [self.blocking.swapped]
        self.startup_hooks: list = []  # run before listening (e.g. load the RDB)
        self.before_reply_hooks: list = []  # run before each round's replies are written (AOF)
        self.aof_write_error: str | None = None  # MISCONF text while the AOF cannot be written
        self.in_exec = False  # EXEC is running its queue (Redis's server.in_exec)
        self.executing = False  # a command's handler is running in call() (CLIENT_EXECUTING_COMMAND)
        self.busy_script = False  # a script passed busy-reply-threshold: others get BUSY
        self.busy_reply = E.BUSY  # the BUSY text (which KILL stops the running script)
        self._scripting = None  # the Lua engine, started by the first script
        self._register_config_hooks()
        # The services built on the server, in this order (each may use the
        # ones before it): replication, RDB persistence, the AOF.
        self.watch_registry = WatchRegistry(self)  # WATCHed keys (MULTI/EXEC)
        self.keyspace.on_emptying = self._emptying
        self.tracking = Tracking(self)  # CLIENT TRACKING
        self.migrate_sockets = MigrateSockets()  # MIGRATE's cached connections to targets
        self.replication: ReplicationState = ReplicationState(self)
        # Cluster mode (cluster-enabled yes): the node table and nodes.conf
        # (clusterInit); its bus starts with the listeners.
        self.cluster: ClusterState | None = None
        self.cluster_bus: ClusterBus | None = None
        if config.cluster_enabled:
            self.keyspace.enable_slot_index()
            self.cluster = ClusterState(self)
            self.cluster.init()
        self.persistence: Persistence = install_persistence(self)
        self.aof: Aof = install_aof(self, self._execute_loaded)
        self.startup_memory = self.used_memory()  # used_memory_startup

    def _execute_loaded(self, c: Client, args: list[bytes]) -> bool:
        """Run one command read from the AOF as client ``c`` (Redis's fake
        AOF client: no checks beyond the command's existence and arity).
        False when the command is unknown."""
        from .dispatch import lookup_command

        spec = lookup_command(args)
        if isinstance(spec, str) or spec.handler is None:
            return False
        self.keyspace.tick()
        c.propagate_as = None
        try:
            spec.handler(c, args)
        except E.CommandError:
            pass  # as the fake client, whose error replies go nowhere
        return True

    # -- clients -------------------------------------------------------------

    @property
    def scripting(self):
        """The Lua engine (EVAL, SCRIPT …), started on first use."""
        if self._scripting is None:
            with memory.excluded() as ex:  # the Lua VM, as Redis's, is not used_memory
                from .scripting import ScriptEngine

                self._scripting = ScriptEngine(self)
            self.memory_origin += ex.delta
        return self._scripting

    def scripting_if_started(self):
        """The Lua engine, or None before the first script (nothing to ask it)."""
        return self._scripting

    def function_codes(self) -> list[bytes]:
        """Every function library's code (snapshots, AOF rewrite), without
        starting Lua."""
        e = self._scripting
        return e.function_codes() if e is not None else []

    def functions_info(self) -> tuple[int, int, int, int]:
        """(functions, libraries, the function interpreter's bytes, the
        libraries' bytes) for INFO memory, without starting Lua."""
        e = self._scripting
        if e is None:
            return (0, 0, 0, 0)
        libs = e.libs
        return (len(libs.functions), len(libs.libraries), e.functions_vm_memory(), libs.memory())

    @property
    def scripts_cached(self) -> tuple[int, int]:
        """(number of cached scripts, their bytes), without starting Lua."""
        e = self._scripting
        return (len(e.scripts), e.scripts_memory) if e is not None else (0, 0)

    def process_events_while_blocked(self, current: Client | None) -> None:
        """Serve other clients while a long command holds the loop (a busy
        script): the network layer reads and runs what they sent (they
        meet the BUSY check), and their replies go out now."""
        from .net.connection import process_events_while_blocked

        if not self._held_listening:
            self._hold_begin()
        # As Redis, up to 4 rounds while each finds something to do: a
        # connection accepted in one round sends its command in the next.
        running = self.current_client
        try:
            for _ in range(4):
                served = process_events_while_blocked(self.clients.values(), current, self._held_listening)
                if self.pending_writes:
                    self.flush_writes()  # the loop is not running: reply now
                if not served:
                    break
        finally:
            self.current_client = running  # the clients served set it as they ran

    def while_loading(self, current: Client | None) -> None:
        """Called by a load (RDB, AOF, a replica's full sync) every
        loading-process-events-interval-bytes: Redis's
        processEventsWhileBlocked and whileBlockedCron. Clients are served
        (commands without the ``loading`` flag get -LOADING), a replica
        tells its primary it is alive, the memory peak is noted, and a
        shutdown asked for meanwhile (SIGTERM, SHUTDOWN) happens now,
        without saving the half-loaded dataset. ``current``: the client
        whose command loads (DEBUG RELOAD), not served meanwhile."""
        self.replication.loading_keepalive()
        self.process_events_while_blocked(current)
        self.used_memory()  # cronUpdateMemoryStats: the peak while loading
        if self.shutdown_asap and not self.shutdown_requested:
            self.shutdown_asap = False
            if self.prepare_shutdown(save=False) is None:
                self.request_shutdown(0)
            else:
                self.log.warning("SIGTERM received but errors trying to shut down the server, check the logs for more information")
        if self.shutdown_requested and self.owns_process:
            self._exit_while_loading()

    def _exit_while_loading(self) -> None:
        """The process exits in the middle of a load (prepare_shutdown has
        run): replies written, the unix socket and pid files removed, as
        Redis's finishShutdown before its exit()."""
        self.flush_writes()
        cfg = self.config
        if cfg.unixsocket:
            self.log.notice("Removing the unix socket file.")
            try:
                os.unlink(cfg.unixsocket)
            except OSError:
                pass
        if cfg.pidfile:
            try:
                os.unlink(cfg.pidfile)
            except OSError:
                pass
        os._exit(self.exit_code)

    def _hold_begin(self) -> None:
        """A long command started holding the loop: as Redis keeps its
        listening sockets in the event loop that processEventsWhileBlocked
        runs, new connections are accepted (on duplicates of the listening
        sockets) and served meanwhile; the loop adopts them once it runs
        again (``_hold_end``). Signals are noted at once, as Redis's
        handler does, since the loop cannot deliver them now."""
        from .net.connection import accept_while_blocked

        def on_accept(lsock: socket.socket) -> None:
            self._held_conns += accept_while_blocked(self, lsock)

        socks = []
        for srv in [*self.listeners, self.unix_listener]:
            if srv is None:
                continue
            for s in getattr(srv, "sockets", ()):  # asyncio.Server and uvloop's
                try:
                    dup = socket.socket(fileno=os.dup(s.fileno()))
                except OSError:
                    continue
                dup.setblocking(False)
                socks.append((dup, on_accept))
        if not socks:
            return
        self._held_listening = socks
        if self.signal_callback is not None:
            for sig in (signal.SIGTERM, signal.SIGINT):
                try:
                    self._held_signals[sig] = signal.signal(sig, self._signal_while_held)
                except (ValueError, OSError):  # pragma: no cover - not the main thread
                    pass
        if self.loop is not None:
            self.loop.call_soon(self._hold_end)  # runs once the long command has returned

    def _signal_while_held(self, signum: int, _frame) -> None:
        """SIGTERM / SIGINT while the loop is held: Redis's
        sigShutdownHandler logs and schedules the shutdown (done once the
        long command ends); a SIGINT after that exits at once. The loop
        still delivers the signal to its own handler later, which then
        shuts down without logging again."""
        if self.shutdown_asap and signum == signal.SIGINT:
            self.log.warning("You insist... exiting now.")
            os._exit(1)
        if self.loading:
            self.log.warning("Received shutdown signal during loading, scheduling shutdown.")
        else:
            self.log.warning("Received %s scheduling shutdown..." % signal.Signals(signum).name)
        self.shutdown_asap = True
        self.signals_noted[signum] = self.signals_noted.get(signum, 0) + 1

    def _hold_end(self) -> None:
        """The loop runs again: restore the signal handlers, close the
        duplicated listening sockets and give the connections accepted
        meanwhile to the loop."""
        from .net.connection import HeldTransport

        for sig, prev in self._held_signals.items():
            try:
                signal.signal(sig, prev)
            except (ValueError, OSError, TypeError):  # pragma: no cover
                pass
        self._held_signals = {}
        for dup, _cb in self._held_listening:
            dup.close()
        self._held_listening = []
        conns, self._held_conns = self._held_conns, []
        loop = self.loop
        assert loop is not None
        for conn in conns:
            t = conn.transport
            if not isinstance(t, HeldTransport) or t.closed or conn.closing and not t.buf:
                continue
            loop.create_task(self._adopt(conn, t))

    async def _adopt(self, conn, t) -> None:
        assert self.loop is not None
        try:
            await self.loop.connect_accepted_socket(lambda: conn, t.sock)
        except OSError:
            t.abort()

    def refuse_modules(self) -> bool:
        """radish has no module API: a ``loadmodule`` directive stops start-up
        with the log lines of Redis's module load failure, and module
        configurations without a module the same way Redis stops (exit 1).
        True when start-up may go on."""
        from .commands.modules import NO_MODULE_API

        config, log = self.config, self.log
        for entry in config.load_modules:
            path = os.fsdecode(entry[0])
            log.warning("Module %s failed to load: %s" % (path, NO_MODULE_API))
            log.warning("Can't load module from %s: server aborting" % path)
            return False
        if config.module_configs:
            log.warning("Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting")
            return False
        return True

    def load_acl(self) -> str | None:
        """The config's ``user`` lines and the ACL file, as Redis loads them
        at start-up; the message that must stop start-up, or None."""
        from .commands.acl import load_users_at_startup

        return load_users_at_startup(self)

    def call(self, c: Client, spec, args: list[bytes]):
        """Run a command through the one execution core (dispatch.call):
        EXEC's queued commands, a script's redis.call."""
        return call(c, spec, args)

    def new_client(self, addr: str = "", laddr: str = "", fd: int = -1) -> Client:
        cid = self._next_client_id
        self._next_client_id += 1
        c = Client(self, cid, addr, laddr, fd)
        self.clients[cid] = c
        return c

    def remove_client(self, c: Client) -> None:
        self.clients.pop(c.id, None)

    def internal_client(self) -> Client:
        """A client for internal use (scripts, tests): authenticated, no socket."""
        c = self.new_client()
        self.clients.pop(c.id, None)
        c.authenticated = True
        c.user = None  # runs anything (a script sets its caller's user)
        return c

    def kill_client(self, c: Client) -> None:
        """Disconnect a client (after the current reply if it is the caller)."""
        c.close_after_reply = True
        conn = c.connection
        if conn is not None:
            conn.schedule_close()
            if conn.closing:  # closed at once (not the caller): gone from CLIENT LIST now, as freeClient
                self.clients.pop(c.id, None)

    # -- generic write checks -------------------------------------------------

    def precheck_write(self, c: Client, spec) -> str | None:
        """Error text that refuses this command now, or None: MISCONF after
        a failed background save (writes and PING, as Redis), READONLY on
        a read-only replica. Never for the primary's own stream. Kept flat:
        it runs before every write."""
        if c.flags & FLAG_MASTER or c.is_aof_loader:
            return None  # mustObeyClient: the primary's stream and the AOF apply whatever they hold
        persistence = self.persistence
        if not persistence.last_bgsave_ok and (spec.is_write or spec.name == "ping"):
            err = persistence.write_error(c)
            if err:
                return err
        if self.aof_write_error is not None and (spec.is_write or spec.name == "ping"):
            return self.aof_write_error
        if spec.is_write and self.replication.master_host is None:
            # min-replicas-to-write (checkGoodReplicasStatus): off while either setting is 0.
            cfg = self.config
            if (
                cfg.min_replicas_to_write
                and cfg.min_replicas_max_lag
                and self.replication.primary.good_replicas(cfg.min_replicas_max_lag) < cfg.min_replicas_to_write
            ):
                return E.NOREPLICAS
        if spec.is_write and self.replication.master_host is not None and self.config.replica_read_only:
            return E.READONLY
        return None

    # -- propagation ------------------------------------------------------------

    def _propagate_expire(self, db, key: bytes) -> None:
        self.propagation.propagate(db.id, [b"UNLINK" if self.config.lazyfree_lazy_expire else b"DEL", key])

    def _keyspace_event(self, type_: int, event: bytes, key: bytes, dbid: int) -> None:
        """notifyKeyspaceEvent's publishing: ``__keyspace@<db>__:<key>``
        gets the event, ``__keyevent@<db>__:<event>`` the key, as the K and
        E flags ask (never propagated: replicas emit their own)."""
        pubsub = self.pubsub
        if not pubsub.channels and not pubsub.patterns:
            return  # nobody could hear it: skip building the channel names
        flags = self.keyspace.notify_flags
        if flags & NOTIFY_KEYSPACE:
            pubsub.publish(b"__keyspace@%d__:%b" % (dbid, key), event)
        if flags & NOTIFY_KEYEVENT:
            pubsub.publish(b"__keyevent@%d__:%b" % (dbid, event), key)

    def _key_changed(self, db, key: bytes) -> None:
        blocking = self.blocking
        if blocking.by_key:
            blocking.key_changed(db, key)
        for hook, _interested in self.key_change_hooks:
            hook(db, key)

    def stale_denied(self) -> bool:
        """A replica whose link to its primary is not up, with
        replica-serve-stale-data no: commands without the ``stale`` flag
        are refused with MASTERDOWN (processCommand)."""
        if self.config.replica_serve_stale_data:
            return False
        repl = self.replication
        return repl.master_host is not None and repl.link_state != "connected"

    def _emptying(self, emptied, replaced_with) -> None:
        """A database's contents are about to go (flush, SWAPDB): Redis's
        touchAllWatchedKeysInDb and scanDatabaseForDeletedStreams."""
        self.watch_registry.touch_all_in_db(emptied, replaced_with)
        if self.blocking.by_key:
            self.blocking.deleted_streams(emptied, replaced_with)

    def refresh_key_hook(self) -> None:
        """Install the keyspace's modified-key callback only while someone
        listens (clients blocked on keys, WATCHed keys …), so writes pay
        nothing for it otherwise. Called when those sets change between
        empty and non-empty."""
        want = bool(self.blocking.by_key) or any(interested() for _hook, interested in self.key_change_hooks)
        self.keyspace.on_key_changed = self._key_changed if want else None

    def on_flush(self, dbid: int) -> None:
        for hook in self.flush_hooks:
            hook(dbid)

    def on_swapdb(self, a: int, b: int) -> None:
        for hook in self.swapdb_hooks:
            hook(a, b)

    def on_client_reset(self, c: Client) -> None:
        """RESET: leave MULTI, drop WATCHes (pub/sub adds its own)."""
        for hook in self.client_closed_hooks:
            hook(c)

    def on_client_closed(self, c: Client) -> None:
        """The network layer lost a client: release what it held."""
        self.blocking.client_gone(c)
        for hook in self.client_closed_hooks:
            hook(c)

    # -- config hooks ----------------------------------------------------------

    def _register_config_hooks(self) -> None:
        cfg = self.config

        def on_dir(value) -> None:
            if not self.owns_process:
                return  # checked by the config layer; every path joins config.dir
            try:
                os.chdir(value)
            except OSError as e:
                from .config import ConfigError

                raise ConfigError(str(e.strerror)) from e

        def on_hz(value) -> None:
            self.hz = max(1, min(500, int(value)))

        def on_replica_read_only(value) -> None:
            self.keyspace.replica_read_only = bool(value)

        def on_backlog(value) -> None:
            self.propagation.backlog.resize(int(value))
            on_output_limits(None)  # a replica's hard limit is at least the backlog

        def on_requirepass(value) -> None:
            self.acl.set_default_password(value.encode("utf-8", "surrogateescape") if value else None)
            refresh_default_auth(self)

        def on_port(value) -> None:
            if self.loop is not None and not self.rebind(list(cfg.bind), int(value)):
                from .config import ConfigError

                raise ConfigError("Unable to listen on this port. Check server logs.")

        def on_bind(value) -> None:
            if self.loop is not None and not self.rebind(list(value), cfg.port):
                from .config import ConfigError

                self.log.warning("Failed to bind")
                raise ConfigError("Failed to bind to specified addresses.")

        def on_eviction(_value) -> None:
            self.keyspace.configure_eviction(cfg.maxmemory_policy, cfg.lfu_log_factor, cfg.lfu_decay_time)

        def on_maxmemory(_value) -> None:
            self.eviction.config_changed()

        def on_notify_events(value) -> None:
            self.keyspace.notify_flags = int(value)

        def on_lazyfree(_value) -> None:
            ks = self.keyspace
            ks.lazy_user_del = bool(cfg.lazyfree_lazy_user_del)
            ks.lazy_expire = bool(cfg.lazyfree_lazy_expire)
            ks.lazy_eviction = bool(cfg.lazyfree_lazy_eviction)
            ks.lazy_server_del = bool(cfg.lazyfree_lazy_server_del)

        on_lazyfree(None)
        self.keyspace.lazyfree.config = cfg

        def on_slow_thresholds(_value) -> None:
            self.slow_usec = slow_threshold(cfg)

        def on_latency_tracking(value) -> None:
            self.latency_tracking = bool(value)

        def on_slowlog_max_len(value) -> None:
            self.slowlog.trim(int(value))

        def on_output_limits(_value) -> None:
            limits = cfg.client_output_buffer_limit
            hard, soft, _secs = limits["normal"]
            self.normal_output_unlimited = not hard and not soft
            # The smallest limit of any client class (a replica's hard one
            # raised to the backlog's size, as output_limits does): output
            # below it cannot reach a limit (ClientConnection.write).
            sizes = [v for cls in ("normal", "pubsub") for v in limits[cls][:2] if v]
            rhard, rsoft, _rsecs = limits["replica"]
            sizes += [v for v in (max(rhard, cfg.repl_backlog_size) if rhard else 0, rsoft) if v]
            self.output_check_from = min(sizes) if sizes else 1 << 62

        on_output_limits(None)
        on_replica_read_only(cfg.replica_read_only)

        for name, fn in (
            ("maxmemory-policy", on_eviction),
            ("maxmemory", on_maxmemory),
            ("lfu-log-factor", on_eviction),
            ("lfu-decay-time", on_eviction),
            ("port", on_port),
            ("bind", on_bind),
            ("dir", on_dir),
            ("hz", on_hz),
            ("repl-backlog-size", on_backlog),
            ("replica-read-only", on_replica_read_only),
            ("requirepass", on_requirepass),
            ("client-output-buffer-limit", on_output_limits),
            ("slowlog-log-slower-than", on_slow_thresholds),
            ("latency-monitor-threshold", on_slow_thresholds),
            ("slowlog-max-len", on_slowlog_max_len),
            ("latency-tracking", on_latency_tracking),
            ("notify-keyspace-events", on_notify_events),
            ("lazyfree-lazy-user-del", on_lazyfree),
            ("lazyfree-lazy-expire", on_lazyfree),
            ("lazyfree-lazy-eviction", on_lazyfree),
            ("lazyfree-lazy-server-del", on_lazyfree),
        ):
            try:
                cfg.on_change(name, fn)
            except Exception:  # pragma: no cover - parameter missing
                pass

    # -- pause -------------------------------------------------------------------

    def pause_clients(self, mode: str, timeout_ms: float, purpose: str = "client") -> None:
        """pauseClients: a pause for ``purpose`` (CLIENT PAUSE's "client",
        FAILOVER's "failover"); a purpose already pausing keeps the more
        restrictive mode and the later end. The server is paused as the
        most restrictive purpose says, until that mode's latest end."""
        self.keyspace.expiry_paused = True  # keys outlive their TTL until the pause ends, as Redis
        until = time.time() * 1000 + timeout_ms
        old = self.pauses.get(purpose)
        if old is not None:
            mode = "all" if "all" in (mode, old[0]) else "write"
            until = max(until, old[1])
        self.pauses[purpose] = (mode, until)
        self._update_pause()

    def unpause_clients(self, purpose: str = "client") -> None:
        """unpauseClients: ``purpose`` no longer pauses."""
        if self.pauses.pop(purpose, None) is not None:
            self._update_pause()

    def _update_pause(self) -> None:
        """updateClientPauseTypeAndEndTime: expired purposes dropped; held
        clients run again when the pause ends or becomes less restrictive
        (a write pause holds them again as their commands need)."""
        now = time.time() * 1000
        for purpose, (_mode, until) in list(self.pauses.items()):
            if until <= now:
                del self.pauses[purpose]
        old = self.pause_mode
        modes = [m for m, _u in self.pauses.values()]
        mode = None if not modes else "all" if "all" in modes else "write"
        self.pause_mode = mode
        self.pause_until = max((u for m, u in self.pauses.values() if m == mode), default=0)
        if mode is None:
            self.keyspace.expiry_paused = False
        if old is not None and (mode is None or (old == "all" and mode == "write")):
            waiting, self.paused_clients = self.paused_clients, []
            for conn in waiting:
                conn.resume_processing()

    def is_paused_for(self, c: Client, spec, args: list[bytes] | None = None) -> bool:
        """Should this command wait because of CLIENT PAUSE? Under a WRITE
        pause: writes and may-replicate commands, EXEC of a transaction
        holding one, and scripts unless their shebang says no-writes (the
        flags Redis's getCommandFlags gives)."""
        if self.pause_mode is None:
            return False
        if time.time() * 1000 >= self.pause_until:
            self._update_pause()
            if self.pause_mode is None:
                return False
        if c.flags & (FLAG_MASTER | FLAG_REPLICA | FLAG_MONITOR):
            return False
        if self.pause_mode == "all":
            return True
        if spec.name == "exec":
            return any(s.is_write or s.may_replicate for s, _a in c.multi_queue or ())
        if args is not None and spec.script_writes is not None and len(args) > 1:
            declared = spec.script_writes(c, args)  # a script's or function's declared flags
            if declared is not None:
                return declared
        return spec.is_write or spec.may_replicate

    # -- cron ---------------------------------------------------------------------

    def cron(self) -> None:
        """Periodic work, ``hz`` times a second (Redis's serverCron plus the
        active expire cycle)."""
        if self.pause_cron:
            return
        self.cron_loops += 1
        self.stats.sample(time.time())
        self.used_memory()  # the peak (cron's stat_peak_memory)
        if self.config.maxmemory_clients:
            evict_clients(self)  # clientsCron: buffers grow without commands too
        if self.tracking_clients:
            self.tracking.limit()  # tracking-table-max-keys, as serverCron
        ks = self.keyspace
        ks.tick()
        if ks.active_expire_enabled and not ks.is_replica and self.pause_mode is None:
            self.active_expire_cycle()
            if self.propagation.pending:
                # Each expired key is its own DEL, as in Redis (no MULTI).
                self.propagation.flush(wrap=False)
        elif ks.is_replica and ks.replica_ttl_keys and self.pause_mode is None:
            ks.expire_replica_keys()  # a writable replica's own keys
            if self.propagation.pending:
                self.propagation.flush(wrap=False)
        if self.pause_mode is not None and time.time() * 1000 >= self.pause_until:
            self._update_pause()
        if self.cron_loops % max(1, self.hz) == 0:
            self._client_timeouts()
            self.migrate_sockets.close_idle()  # idle over 10 s (migrateCloseTimedoutSockets)
        self.replication.cron()
        for hook in self.cron_hooks:
            hook()
        if self.tracking.prefixes:
            self.tracking.broadcast()  # keys the cron changed (expiry), as beforeSleep sends them

    def active_expire_cycle(self) -> None:
        """Sample keys with a TTL in every database, delete the expired ones,
        repeat while more than 10% of a sample was expired, within 25% of a
        cron period (Redis's ACTIVE_EXPIRE_CYCLE_SLOW budget)."""
        ks = self.keyspace
        budget = 0.25 / max(1, self.hz)
        began = time.perf_counter()
        deadline = began + budget
        sampled_total = expired_total = 0
        n = len(ks.dbs)
        start = self._expire_db_cursor
        for i in range(n):
            db = ks.dbs[(start + i) % n]
            self._expire_db_cursor = (start + i + 1) % n
            if not db.expires:
                continue
            while True:
                sampled, expired = db.active_expire_step(20)
                sampled_total += sampled
                expired_total += expired
                if sampled == 0 or expired * 10 <= sampled:
                    break
                if time.perf_counter() > deadline:
                    ks.expired_time_cap_reached_count += 1
                    break
            if time.perf_counter() > deadline:
                break
        if sampled_total:
            perc = expired_total / sampled_total
            ks.expired_stale_perc = perc * 0.05 + ks.expired_stale_perc * 0.95
        threshold = self.config.latency_monitor_threshold
        if threshold:
            self.latency.add_sample("expire-cycle", int((time.perf_counter() - began) * 1000), threshold)

    def _client_timeouts(self) -> None:
        """Once a second (Redis's clientsCron): clients over their output
        buffer limits (a limit lowered by CONFIG SET, a soft limit held too
        long) are closed, the recent output-buffer peak is noted, then idle
        clients past ``timeout`` are closed."""
        peak = 0
        for c in list(self.clients.values()):
            conn = c.connection
            if conn is None:
                continue
            if conn.check_output_limits(from_cron=True):
                continue
            peak = max(peak, conn.output_buffer_usage())
        self.output_buffer_peaks.append(peak)
        timeout = self.config.timeout
        if not timeout:
            return
        now = time.time()
        for c in list(self.clients.values()):
            if c.flags & (FLAG_MASTER | FLAG_REPLICA | FLAG_MONITOR) or c.blocked is not None:
                continue
            if c.subscribed():
                continue
            if now - c.last_interaction > timeout:
                self.log.verbose("Closing idle client")
                self.kill_client(c)

    # -- lifecycle ---------------------------------------------------------------

    def bind_sockets(self, binds: list[str], port: int) -> list[socket.socket] | None:
        """Redis's listenToPort: one listening socket per bind address, with
        ``tcp-backlog``. ``*`` is every IPv4 address, ``::*`` every IPv6
        one; a ``-`` prefix makes an address that is not available here
        (EADDRNOTAVAIL) optional, and an address family the host lacks is
        skipped. Each failure logs Redis's warning; a fatal one closes what
        was bound and returns None."""
        socks: list[socket.socket] = []
        backlog = self.config.tcp_backlog
        for addr in binds:
            optional = addr.startswith("-")
            if optional:
                addr = addr[1:]
            try:
                sock = _tcp_server(addr, port, backlog)
                if not port:  # an ephemeral port (embedded server): the other addresses share it
                    port = sock.getsockname()[1]
            except OSError as e:
                self.log.warning("Warning: Could not create server TCP listening socket %s:%d: %s" % (addr, port, e.strerror))
                if e.errno == errno.EADDRNOTAVAIL and optional:
                    continue
                if e.errno in _SKIPPED_BIND_ERRNOS:
                    continue
                for sock in socks:
                    sock.close()
                return None
            socks.append(sock)
        return socks

    async def _listen(self, socks: list[socket.socket]) -> None:
        from .net.connection import ClientConnection

        backlog = self.config.tcp_backlog
        loop = self.loop
        assert loop is not None  # listening happens once the server runs
        for sock in socks:
            if sock.fileno() < 0:  # closed by a rebind meanwhile
                continue
            # asyncio and uvloop call listen() again: give them the backlog.
            srv = await loop.create_server(lambda: ClientConnection(self), sock=sock, backlog=backlog)
            self.listeners.append(srv)

    def _close_listeners(self) -> None:
        for srv in self.listeners:
            srv.close()
        self.listeners = []
        for sock in self._unattached_socks:
            sock.close()
        self._unattached_socks = []

    def _attach(self, socks: list[socket.socket]) -> None:
        """Serve ``socks`` (bound and listening already, so nothing is lost
        before the loop picks them up)."""
        self._unattached_socks = list(socks)

        async def attach() -> None:
            mine = [s for s in socks if s in self._unattached_socks]
            self._unattached_socks = [s for s in self._unattached_socks if s not in mine]
            await self._listen(mine)

        assert self.loop is not None
        self.loop.create_task(attach())

    def rebind(self, binds: list[str], port: int) -> bool:
        """CONFIG SET port / bind (Redis's changeListenPort /
        changeBindAddr): close the listeners, then bind the new addresses.
        False (after logging why) when they cannot all be bound; CONFIG
        SET then puts the old values back, which binds them again."""
        self._close_listeners()
        if not port:
            return True
        socks = self.bind_sockets(binds, port)
        if socks is None:
            return False
        self._attach(socks)
        return True

    async def start(self) -> None:
        """Bind the listeners and start the cron."""
        self.loop = asyncio.get_running_loop()
        self.shutdown_event = asyncio.Event()
        # The lazy freer's slices run between events (lazyfree.py); until
        # now (loading the dataset) it freed at once.
        self.keyspace.lazyfree.attach(self.loop.call_soon)
        cfg = self.config
        socks: list[socket.socket] = []
        if cfg.port or self.ephemeral_port:
            socks = self.bind_sockets(list(cfg.bind), cfg.port)  # type: ignore[assignment]
            if socks is None:
                self.log.warning("Failed listening on port %d (TCP), aborting." % cfg.port)
                raise SystemExit(1)
            if socks and not cfg.port:
                cfg.port = socks[0].getsockname()[1]
        unix_sock = None
        if cfg.unixsocket:
            try:
                unix_sock = _unix_server(cfg.unixsocket, cfg.unixsocketperm, cfg.tcp_backlog)
            except OSError as e:
                for sock in socks:
                    sock.close()
                self.log.warning("Failed opening Unix socket: %s" % e.strerror)
                raise SystemExit(1) from None
        if not socks and unix_sock is None:
            self.log.warning("Configured to not listen anywhere, exiting.")
            raise SystemExit(1)
        _check_tcp_backlog(self.log, cfg.tcp_backlog)
        await self._listen(socks)
        if unix_sock is not None:
            from .net.connection import ClientConnection

            self.unix_listener = await self.loop.create_unix_server(
                lambda: ClientConnection(self), sock=unix_sock, backlog=cfg.tcp_backlog
            )
        self._schedule_cron()
        self.replication.start()
        if self.cluster is not None:
            self.cluster_bus = ClusterBus(self.cluster)
            await self.cluster_bus.start(list(cfg.bind))

    def _schedule_cron(self) -> None:
        loop = self.loop
        assert loop is not None

        def tick() -> None:
            try:
                self.cron()
            except Exception as e:  # never let cron kill the loop
                self.log.warning("cron error: %r" % (e,))
            self._cron_handle = loop.call_later(1.0 / max(1, self.hz), tick)

        self._cron_handle = loop.call_later(1.0 / max(1, self.hz), tick)

    def schedule_flush(self, conn) -> None:
        """``conn`` has output: write it once the loop has handled this
        round's reads (Redis's handleClientsWithPendingWrites)."""
        if not self.pending_writes:
            if self.loop is None:  # no event loop (in-process use)
                self.pending_writes.append(conn)
                self.flush_writes()
                return
            self.loop.call_soon(self.flush_writes)
        self.pending_writes.append(conn)

    def flush_writes(self) -> None:
        for hook in self.before_reply_hooks:
            hook()
        conns = self.pending_writes
        self.pending_writes = []
        for conn in conns:
            conn.flush()

    def request_shutdown(self, exit_code: int = 0) -> None:
        self.shutdown_requested = True
        self.exit_code = exit_code
        if self.shutdown_event is not None:
            self.shutdown_event.set()

    def prepare_shutdown(self, save: bool | None = None, now: bool = False, force: bool = False) -> str | None:
        """Redis's prepareForShutdown: returns an error text to refuse, or
        None once the server may exit."""
        if self.loading:
            save = False  # never over the file with a half-loaded dataset
        self.log.warning("User requested shutdown...")
        err = self.aof.on_shutdown(force) or self.persistence.on_shutdown(save, force)
        if err:
            return err
        self.log.warning("Redis is now ready to exit, bye bye...")
        return None

    def exit_now(self, code: int) -> None:
        """Where Redis calls exit() on the spot (an AOF write error under
        ``appendfsync always``, DEBUG LOADAOF of an AOF that does not
        load): the process exits, with no save. An embedded server
        (owns_process False) stops the same way instead — every client
        dropped, nothing saved — and its host process goes on; the caller
        then returns."""
        if self.owns_process:
            os._exit(code)
        self.log.warning("Embedded server: stopping instead of exiting the process (exit code %d)." % code)
        self._close_listeners()
        for c in list(self.clients.values()):
            conn = c.connection
            if conn is not None:
                conn.close_now()
        self.request_shutdown(code)

    async def serve_until_shutdown(self) -> int:
        assert self.shutdown_event is not None
        await self.shutdown_event.wait()
        await self.close()
        return self.exit_code

    async def close(self) -> None:
        if self._cron_handle is not None:
            self._cron_handle.cancel()
        self._close_listeners()
        if self.unix_listener is not None:
            self.unix_listener.close()
            self.unix_listener = None
            self.log.notice("Removing the unix socket file.")
            try:
                os.unlink(self.config.unixsocket)
            except OSError:
                pass
        self.flush_writes()
        for c in list(self.clients.values()):
            conn = c.connection
            if conn is not None:
                conn.close_now()
        self.listeners = []
        self.migrate_sockets.close_all()
        if self.cluster_bus is not None:
            self.cluster_bus.close()
            self.cluster_bus = None

    def release_files(self) -> None:
        """After close(), in a process that goes on (an embedded server):
        the AOF and log files are closed."""
        if self.cluster is not None:
            self.cluster.release()
        self.aof.close()
        self.log.close()

    # -- info helpers -------------------------------------------------------------

    def uptime(self) -> int:
        return int(time.time() - self.start_time)

    def used_memory(self, fresh: bool = False) -> int:
        """Bytes allocated since the server was built (Redis's
        zmalloc_used_memory; radish.memory), noted in the peak as Redis's
        INFO and cron note it. ``fresh``: the pure-Python twin measures
        anew rather than answer its last reading."""
        used = (memory.refresh() if fresh else memory.total()) - self.memory_origin
        if used < 0:
            used = 0
        if used > self.peak_memory:
            self.peak_memory = used
        return used

    def role(self) -> str:
        """HELLO's role field."""
        repl = self.replication
        return "replica" if repl is not None and repl.is_replica() else "master"

    def recent_max_output_buffer(self) -> int:
        """The largest client output buffer now or in the last seconds."""
        now = 0
        for c in self.clients.values():
            conn = c.connection
            if conn is not None and conn.transport is not None:
                now = max(now, conn.output_buffer_usage())
        return max(now, max(self.output_buffer_peaks, default=0))

    def connected_clients(self) -> int:
        return sum(1 for c in self.clients.values() if not c.flags & FLAG_REPLICA)


# listenToPort skips an address whose family or protocol the host lacks.
_SKIPPED_BIND_ERRNOS = frozenset(
    getattr(errno, name) for name in ("ENOPROTOOPT", "EPROTONOSUPPORT", "ESOCKTNOSUPPORT", "EPFNOSUPPORT", "EAFNOSUPPORT")
    if hasattr(errno, name)
)


def _tcp_server(addr: str, port: int, backlog: int) -> socket.socket:
    """anet.c's _anetTcpServer: a listening, non-blocking socket on the first
    address ``addr`` resolves to (IPv6 when it holds a ':', then IPV6_V6ONLY).
    OSError's strerror is Redis's neterr text."""
    v6 = ":" in addr
    family = socket.AF_INET6 if v6 else socket.AF_INET
    host = None if addr == "*" or (v6 and addr == "::*") else addr
    try:
        infos = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM, 0, socket.AI_PASSIVE)
    except socket.gaierror as e:
        raise OSError(e.errno, e.strerror) from None
    last = 0
    for af, kind, proto, _name, sa in infos:
        try:
            sock = socket.socket(af, kind, proto)
        except OSError as e:
            last = e.errno or 0
            continue
        try:
            if v6:
                try:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                except OSError as e:
                    raise OSError(e.errno, "setsockopt: %s" % e.strerror) from None
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            except OSError as e:
                raise OSError(e.errno, "setsockopt SO_REUSEADDR: %s" % e.strerror) from None
            try:
                sock.bind(sa)
            except OSError as e:
                raise OSError(e.errno, "bind: %s" % e.strerror) from None
            try:
                sock.listen(backlog)
            except OSError as e:
                raise OSError(e.errno, "listen: %s" % e.strerror) from None
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        return sock
    raise OSError(last, "unable to bind socket, errno: %d" % last)


def _unix_server(path: str, perm: int, backlog: int) -> socket.socket:
    """anet.c's anetUnixServer: a listening, non-blocking unix socket at
    ``path`` (a file already there is removed first, as Redis's initServer
    does), with mode ``perm`` when it is not 0."""
    try:
        os.unlink(path)
    except OSError:
        pass
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        try:
            sock.bind(path)
        except OSError as e:
            raise OSError(e.errno, "bind: %s" % (e.strerror or e)) from None
        if perm:
            os.chmod(path, perm)
        sock.listen(backlog)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def _check_tcp_backlog(log: Logger, backlog: int) -> None:
    """Redis's checkTcpBacklogSettings: warn when the kernel caps the backlog."""
    try:
        with open("/proc/sys/net/core/somaxconn") as f:
            somaxconn = int(f.readline().strip() or 0)
    except (OSError, ValueError):
        return
    if 0 < somaxconn < backlog:
        log.warning(
            "WARNING: The TCP backlog setting of %d cannot be enforced because "
            "/proc/sys/net/core/somaxconn is set to the lower value of %d." % (backlog, somaxconn)
        )


def install_signal_handlers(server: Server) -> None:
    loop = asyncio.get_running_loop()

    def on_signal(signame: str) -> None:
        sig = getattr(signal, signame)
        if server.signals_noted.get(sig):
            server.signals_noted[sig] -= 1  # logged already, while a busy script held the loop
        else:
            server.log.warning("Received %s scheduling shutdown..." % signame)
        err = server.prepare_shutdown(save=None)
        if err:
            # As Redis: a failed final save keeps the server running.
            server.log.warning("SIGTERM received but errors trying to shut down the server, check the logs for more information")
            return
        server.request_shutdown(0)

    server.signal_callback = on_signal
    for sig, name in ((signal.SIGTERM, "SIGTERM"), (signal.SIGINT, "SIGINT")):
        try:
            loop.add_signal_handler(sig, on_signal, name)
        except (NotImplementedError, RuntimeError):  # pragma: no cover
            pass


def version_banner() -> str:
    return "radish %s (Redis %s compatible)" % (__version__, REDIS_VERSION)
