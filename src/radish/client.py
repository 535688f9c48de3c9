"""Per-connection state that commands read and change.

A ``Client`` is what a command handler receives as its context: the
selected database, protocol version, name, authentication, transaction and
reply state, and the ``server`` object through which handlers reach
server-level services. The network layer owns the socket and attaches a
``transport``; in-process tests use a Client with no transport.

``Services`` is what the server offers handlers through ``c.server``: a
declared, typed interface (Server implements it; mypy checks that it
does), so a handler reaches replication, scripting or a shutdown without
importing the layers above it. The services that live above the command
layer (blocking, scripting, replication) are described here by the few
members handlers use.

Imports: the layers below the commands (config, db, log, propagation,
pubsub, persistence, stats), for types.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .config import Config
    from .db.keyspace import Keyspace
    from .log import Logger
    from .persistence.aof import Aof
    from .persistence.saver import Persistence
    from .propagation import Propagator
    from .pubsub import PubSub
    from .stats import Stats

# Client flag bits reported by CLIENT LIST / INFO (subset of Redis's).
FLAG_MASTER = 1
FLAG_REPLICA = 2
FLAG_MULTI = 4
FLAG_DIRTY_CAS = 8
FLAG_DIRTY_EXEC = 16
FLAG_BLOCKED = 32
FLAG_PUBSUB = 64
FLAG_NO_EVICT = 128
FLAG_CLOSE_AFTER_REPLY = 256
FLAG_UNIX = 512
FLAG_READONLY = 1024
FLAG_NO_TOUCH = 2048
# A MONITOR client: Redis marks it CLIENT_SLAVE|CLIENT_MONITOR; here it is
# exempt from pauses and timeouts and kept off the keyspace like a replica,
# and otherwise a normal client (output limits, CLIENT LIST TYPE).
FLAG_MONITOR = 4096

# Client.tracking bits (Redis's CLIENT_TRACKING_* flags).
TRACKING_ON = 1
TRACKING_BROKEN_REDIR = 2
TRACKING_BCAST = 4
TRACKING_OPTIN = 8
TRACKING_OPTOUT = 16
TRACKING_CACHING = 32
TRACKING_NOLOOP = 64


# States of a replica attached to this server (ReplicaState.state).
WAIT_BGSAVE = "wait_bgsave"
SEND_BULK = "send_bulk"
ONLINE = "online"


def is_local_client(c) -> bool:
    """Redis's islocalClient(): a client from exactly 127.0.0.1 or ::1 (or a
    unix socket).  In-process clients, which have no address, count as
    local."""
    addr = c.addr
    if not addr or addr.startswith("/"):
        return True
    return addr.rsplit(":", 1)[0] in ("127.0.0.1", "::1")


class ReplicaState:
    """What the primary knows of one attached replica (``c.repl``)."""

    __slots__ = ("client", "state", "ack_offset", "ack_time", "listening_port", "ip_address", "capa", "job", "start_offset")

    def __init__(self, client) -> None:
        self.client = client
        self.state = WAIT_BGSAVE
        self.ack_offset = 0
        self.ack_time = time.time()
        self.listening_port = 0
        self.ip_address = ""
        self.capa: set[str] = set()
        self.job = None  # the replication layer's SnapshotJob while one runs for it
        self.start_offset = 0

    def ip(self) -> str:
        if self.ip_address:
            return self.ip_address
        addr = self.client.addr
        return addr.rsplit(":", 1)[0] if addr else ""


class Client:
    """State of one client connection (or of an internal client)."""

    def __init__(self, server: Services, cid: int, addr: str = "", laddr: str = "", fd: int = -1) -> None:
        self.server = server
        self.id = cid
        self.addr = addr
        self.laddr = laddr
        self.fd = fd
        self.db = server.keyspace.dbs[0]
        self.resp3 = False
        self.name: bytes | None = None
        self.lib_name = b""
        self.lib_ver = b""
        # The ACL user (commands.acl_users.User); None for the primary's
        # link and the AOF loader, which may run anything (Redis: NULL).
        self.user: Any = server.acl.default
        self.authenticated = server.acl.default_open()
        self.flags = 0
        self.is_aof_loader = False  # the AOF loading client (Redis's CLIENT_ID_AOF)
        self.reply_mode = 0  # 0 on, 1 off, 2 skip next
        self.created = time.time()
        self.last_interaction = self.created
        self.last_cmd = b"NULL"
        self.multi_queue: list | None = None
        self.multi_error = False
        self.watched: dict | None = None
        # Pub/sub subscriptions (ordered sets; pubsub.py keeps them).
        self.subscriptions: dict[bytes, None] = {}
        self.psubscriptions: dict[bytes, None] = {}
        self.ssubscriptions: dict[bytes, None] = {}
        self.obuf_soft_since: float | None = None  # over the soft output limit since
        self.transport = None  # set by the network layer
        self.connection = None  # the network layer's connection object, if any
        self.repl: ReplicaState | None = None  # this client is a replica of ours
        self.in_script = False  # the script client while a script runs
        # Pushes for this client that must follow the reply of the command it
        # is running (its own MONITOR lines, its tracking invalidations).
        self.after_reply: list[bytes] = []
        # CLIENT TRACKING (tracking.py): TRACKING_* bits, 0 when off; the
        # client invalidations go to (0: itself); BCAST prefixes.
        self.tracking = 0
        self.tracking_redirect = 0
        self.tracking_prefixes: dict[bytes, None] = {}
        self.close_after_reply = False
        self.closed = False
        self.qbuf = 0
        self.obuf = 0
        self.tot_net_in = 0
        self.tot_net_out = 0
        self.tot_cmds = 0
        # Deterministic rewrite of the current command for propagation
        # (None = propagate the command as received).
        self.propagate_as: list[list[bytes]] | None = None
        self.blocked = None  # BlockState while parked on a blocking command
        # Commands must not block (inside EXEC, scripts, the master link).
        self.no_block = False
        self.pending_reply = None
        self.woff = 0  # replication offset after this client's last write (WAIT)

    def subscribed(self) -> bool:
        """In pub/sub mode: subscribed to any channel, pattern or shard
        channel (in RESP2 only pub/sub commands may follow)."""
        return bool(self.subscriptions or self.psubscriptions or self.ssubscriptions)

    @property
    def db_index(self) -> int:
        return self.db.id

    def select(self, index: int) -> None:
        self.db = self.server.keyspace.dbs[index]

    def is_master(self) -> bool:
        return bool(self.flags & FLAG_MASTER)

    def must_obey(self) -> bool:
        """Redis's mustObeyClient: the primary's stream and the AOF being
        loaded are applied even past limits such as proto-max-bulk-len."""
        return bool(self.flags & FLAG_MASTER) or self.is_aof_loader

    def flag_string(self) -> str:
        """The ``flags=`` field of CLIENT LIST."""
        f = ""
        if self.flags & FLAG_REPLICA:
            f += "S"
        if self.flags & FLAG_MONITOR:
            f += "O"
        if self.flags & FLAG_MASTER:
            f += "M"
        if self.flags & FLAG_PUBSUB or self.subscribed():
            f += "P"
        if self.flags & FLAG_MULTI:
            f += "x"
        if self.flags & FLAG_BLOCKED:
            f += "b"
        if self.tracking & TRACKING_ON:
            f += "t"
        if self.tracking & TRACKING_BROKEN_REDIR:
            f += "R"
        if self.tracking & TRACKING_BCAST:
            f += "B"
        if self.flags & FLAG_DIRTY_CAS:
            f += "d"
        if self.close_after_reply:
            f += "c"
        if self.flags & FLAG_UNIX:
            f += "U"
        if self.flags & FLAG_READONLY:
            f += "r"
        if self.flags & FLAG_NO_EVICT:
            f += "e"
        if self.flags & FLAG_NO_TOUCH:
            f += "T"
        return f or "N"

    def send_push(self, data: bytes) -> None:
        """Write out-of-band bytes (pub/sub, unblocked replies)."""
        conn = self.connection
        if conn is not None and not self.closed:
            conn.write(data)


class BlockingService(Protocol):
    """The blocking registry (blocking.py), as handlers use it."""

    serving_key: bytes | None

    def unblock(self, c: Client, error: bool) -> bool: ...
    def signal_ready(self, db: Any, key: bytes) -> None: ...


class ScriptingService(Protocol):
    """The Lua engine (scripting/), as handlers use it."""

    functions: dict[bytes, object]
    nested_error: bool
    caller: Client | None  # the client whose script is running
    keys: list[bytes]  # the running script's declared keys
    libs: Any  # scripting.functions.LibraryCtx: the function libraries
    running: bool
    is_eval: bool
    funcname: bytes
    caller_args: list[bytes]
    start: float

    def load(self, body: bytes) -> bytes: ...
    def run(self, c: Client, sha: bytes, keys: list[bytes], argv: list[bytes], readonly: bool) -> Any: ...
    def flush(self) -> None: ...
    def kill(self, is_eval: bool = True) -> None: ...
    def shebang_flags(self, body: bytes | None = None, sha: bytes | None = None) -> frozenset | None: ...
    def run_function(self, c: Client, fi: Any, keys: list[bytes], argv: list[bytes], readonly: bool, args: list[bytes]) -> Any: ...
    def function_load(self, code: bytes, replace: bool, timeout: bool = True) -> bytes: ...
    def function_delete(self, name: bytes) -> None: ...
    def function_flush(self) -> None: ...
    def function_dump(self) -> bytes: ...
    def function_payload_codes(self, payload: bytes) -> list[bytes]: ...
    def function_restore(self, codes: list[bytes], policy: str) -> None: ...
    def function_codes(self) -> list[bytes]: ...


class ReplicationService(Protocol):
    """The replication state (replication/), as handlers use it."""

    master_host: str | None
    master_port: int
    link_state: str
    replid: str
    primary: Any  # the primary's side: attach, on_ack, job
    failover: Any  # FAILOVER's state (replication/failover.py)

    def is_replica(self) -> bool: ...
    def set_master(self, host: str, port: int, startup: bool = False) -> None: ...
    def set_no_master(self) -> None: ...
    def change_replid(self) -> None: ...
    def role_reply(self) -> list: ...
    def info_lines(self) -> list[str]: ...


class WatchService(Protocol):
    """The WATCHed keys (commands/transactions.py), as handlers use them."""

    def watch(self, c: Client, key: bytes) -> None: ...
    def unwatch_all(self, c: Client) -> None: ...
    def expired_since_watch(self, c: Client) -> bool: ...


class Services(Protocol):
    """What a command handler may reach through ``c.server``."""

    config: Config
    acl: Any  # commands.acl_users.AclUsers
    slowlog: Any  # latency.SlowLog
    latency: Any  # latency.LatencyMonitor
    monitors: dict[Client, None]
    tracking: Any  # tracking.Tracking
    migrate_sockets: Any  # commands.migrate.MigrateSockets: MIGRATE's cached connections
    cluster: Any  # cluster.state.ClusterState, None unless cluster-enabled
    tracking_clients: int
    current_client: Client | None
    eviction: Any  # eviction.Eviction (maxmemory)
    peak_memory: int
    startup_memory: int
    memory_origin: int  # radish.memory.total() when the server was built
    slow_usec: int
    latency_tracking: bool
    keyspace: Keyspace
    log: Logger
    stats: Stats
    propagation: Propagator
    pubsub: PubSub
    persistence: Persistence
    aof: Aof
    clients: dict[int, Client]
    dirty: int
    loading: bool
    busy_script: bool
    busy_reply: str
    executing: bool
    in_exec: bool
    start_time: float
    run_id: str
    replid: str
    second_repl_offset: int
    lastsave: int
    rdb_changes_since_last_save: int
    blocked_clients: int
    paused_clients: list
    hz: int
    pid: int
    pause_cron: bool
    script_disable_deny_script: bool
    debug_settings: dict[str, int]
    executable: str
    pause_mode: str | None
    key_change_hooks: list
    flush_hooks: list
    swapdb_hooks: list
    client_closed_hooks: list

    # Services above the command layer: read-only here.
    @property
    def blocking(self) -> BlockingService: ...
    @property
    def replication(self) -> ReplicationService: ...
    @property
    def scripting(self) -> ScriptingService: ...
    def scripting_if_started(self) -> ScriptingService | None: ...
    def function_codes(self) -> list[bytes]: ...
    def functions_info(self) -> tuple[int, int, int, int]: ...
    @property
    def watch_registry(self) -> WatchService: ...
    @property
    def scripts_cached(self) -> tuple[int, int]: ...

    def call(self, c: Client, spec: Any, args: list[bytes]) -> Any: ...  # spec: a CommandSpec
    def precheck_write(self, c: Client, spec: Any) -> str | None: ...
    def stale_denied(self) -> bool: ...
    def internal_client(self) -> Client: ...
    def kill_client(self, c: Client) -> None: ...
    def pause_clients(self, mode: str, timeout_ms: float, purpose: str = "client") -> None: ...
    def unpause_clients(self, purpose: str = "client") -> None: ...
    def prepare_shutdown(self, save: bool | None = None, now: bool = False, force: bool = False) -> str | None: ...
    def request_shutdown(self, exit_code: int = 0) -> None: ...
    def refresh_key_hook(self) -> None: ...
    def recent_max_output_buffer(self) -> int: ...
    def role(self) -> str: ...
    def used_memory(self, fresh: bool = False) -> int: ...
    def on_client_reset(self, c: Client) -> None: ...
    def process_events_while_blocked(self, current: Client | None) -> None: ...
    def on_flush(self, dbid: int) -> None: ...
    def on_swapdb(self, a: int, b: int) -> None: ...


# A hook a later layer registers on the server (flush, swapdb, key change …).
Hook = Callable[..., None]
