"""Every error reply text, copied exactly from what Redis 7.0 answers:
the handlers', the dispatcher's, the protocol parser's and the ones a
script receives from ``redis.call``. (Texts that are not replies stay with
their code: log lines, and the argument errors of the Lua libraries, which
are Lua error messages.)

Handlers raise ``CommandError(TEXT)``; the dispatcher turns it into
``-TEXT\\r\\n``. Clients and tests match on these strings, so change none
without checking what redis-server says.

Imports nothing from radish.
"""

from __future__ import annotations


class CommandError(Exception):
    """An error reply. ``message`` is the full text after '-', starting with
    the error code (``ERR``, ``WRONGTYPE``, ``NOAUTH`` …). ``counted``: the
    error is already in the error statistics (a script's error that came
    from a command it called), so only the failed call is counted."""

    counted = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
SYNTAX = "ERR syntax error"
NOT_INTEGER = "ERR value is not an integer or out of range"
NOT_FLOAT = "ERR value is not a valid float"
OVERFLOW = "ERR increment or decrement would overflow"
NO_SUCH_KEY = "ERR no such key"
INVALID_DB = "ERR DB index is out of range"
INVALID_EXPIRE = "ERR invalid expire time in '%s' command"
NOAUTH = "NOAUTH Authentication required."
WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."
AUTH_NO_PASSWORD = (
    "ERR AUTH <password> called without any password configured for the default user. "
    "Are you sure your configuration is correct?"
)
BUSY = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
BUSY_FUNCTION = "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
READONLY = "READONLY You can't write against a read only replica."
OOM = "OOM command not allowed when used memory > 'maxmemory'."
SCRIPT_OOM = "OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'"
STRING_TOO_LONG = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
UNKNOWN_SUBCOMMAND = "ERR unknown subcommand '%s'. Try %s HELP."
SUBCOMMAND_SYNTAX = "ERR unknown subcommand or wrong number of arguments for '%s'. Try %s HELP."
WRONG_ARITY = "ERR wrong number of arguments for '%s' command"
UNKNOWN_COMMAND = "ERR unknown command '%s', with args beginning with: %s"
TIMEOUT_NOT_FLOAT = "ERR timeout is not a float or out of range"
TIMEOUT_NEGATIVE = "ERR timeout is negative"
INDEX_OUT_OF_RANGE = "ERR index out of range"
LLONG_RANGE = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
# A protected command (DEBUG, MODULE LOAD …) its enable-*-command option refuses.
PROTECTED_COMMAND = (
    "ERR %s command not allowed. If the %s option is set to "
    "\"local\", you can run it from a local connection, otherwise you need to set this "
    "option in the configuration file, and then restart the server."
)
DEBUG_DISABLED = PROTECTED_COMMAND % ("DEBUG", "enable-debug-command")
MODULE_DISABLED = PROTECTED_COMMAND % ("MODULE", "enable-module-command")
MODULE_LOAD_FAILED = "ERR Error loading the extension. Please check the server logs."
MODULE_UNLOAD_NO_SUCH = "ERR Error unloading module: no such module with that name"
NUMKEYS_NOT_POSITIVE = "ERR numkeys should be greater than 0"
COUNT_NOT_POSITIVE = "ERR count should be greater than 0"
INVALID_GETKEYS_ARGS = "ERR Invalid arguments specified for command"
# Bitmap commands (bitops.c).
BIT_OFFSET = "ERR bit offset is not an integer or out of range"
BIT_VALUE = "ERR bit is not an integer or out of range"
BITFIELD_TYPE = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
BITFIELD_OVERFLOW_TYPE = "ERR Invalid OVERFLOW type specified"
BITFIELD_RO_GET_ONLY = "ERR BITFIELD_RO only supports the GET subcommand"
BITOP_NOT_ONE_KEY = "ERR BITOP NOT must be called with a single source key."
BITPOS_BIT = "ERR The bit argument must be 1 or 0."

# Sent on accept to a client from outside the loopback interface while
# protected-mode is on and the default user has no password (networking.c
# clientAcceptHandler); the connection is then closed.
PROTECTED_MODE_DENIED = (
    "DENIED Redis is running in protected mode because protected "
    "mode is enabled and no password is set for the default user. "
    "In this mode connections are only accepted from the loopback interface. "
    "If you want to connect from external computers to Redis you "
    "may adopt one of the following solutions: "
    "1) Just disable protected mode sending the command "
    "'CONFIG SET protected-mode no' from the loopback interface "
    "by connecting to Redis from the same host the server is "
    "running, however MAKE SURE Redis is not publicly accessible "
    "from internet if you do so. Use CONFIG REWRITE to make this "
    "change permanent. "
    "2) Alternatively you can just disable the protected mode by "
    "editing the Redis configuration file, and setting the protected "
    "mode option to 'no', and then restarting the server. "
    "3) If you started the server manually just for testing, restart "
    "it with the '--protected-mode no' option. "
    "4) Setup a an authentication password for the default user. "
    "NOTE: You only need to do one of the above things in order for "
    "the server to start accepting connections from the outside."
)


# -- by the commands (and layers) that raise them --

CLIENT_ID_POSITIVE = "ERR client-id should be greater than 0"
CLIENT_NAME_CHARS = "ERR Client names cannot contain spaces, newlines or special characters."
CLIENT_PAUSE_MODE = "ERR CLIENT PAUSE mode must be WRITE or ALL"
CLIENT_UNBLOCK_REASON = "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"
CONFIG_REWRITE_FAILED = "ERR Rewriting config file: %s"
COUNT_NEGATIVE = "ERR COUNT can't be negative"
DEBUG_RELOAD_OPTIONS = "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options."
DEBUG_SUBCOMMAND = "ERR unknown subcommand or wrong number of arguments for '%s'. Try DEBUG HELP."
DEBUG_PROTOCOL_TYPE = "ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false"
DEBUG_PROTOCOL_RESP2 = "ERR RESP2 is not supported by this command"
DEBUG_NOT_LISTPACK = "ERR Not a listpack encoded object."
DEBUG_NOT_QUICKLIST = "ERR Not a quicklist encoded object."
DEBUG_PACKED_THRESHOLD = "ERR argument must be a memory value bigger than 1 and smaller than 4gb"
DECR_OVERFLOW = "ERR decrement would overflow"
DISCARD_WITHOUT_MULTI = "ERR DISCARD without MULTI"
EXECABORT = "EXECABORT Transaction discarded because of previous errors."
EXECABORT_BECAUSE = "EXECABORT Transaction discarded because of: %s"
EXEC_WITHOUT_MULTI = "ERR EXEC without MULTI"
GEO_ANY_NEEDS_COUNT = "ERR the ANY argument requires COUNT argument"
GEO_BOX_NEGATIVE = "ERR height or width cannot be negative"
GEO_BYRADIUS_BYBOX = "ERR exactly one of BYRADIUS and BYBOX can be specified for %s"
GEO_COUNT_POSITIVE = "ERR COUNT must be > 0"
GEO_FROM = "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for %s"
GEO_INVALID_PAIR = "ERR invalid longitude,latitude pair %f,%f"
GEO_NO_MEMBER = "ERR could not decode requested zset member"
GEO_RADIUS_NEGATIVE = "ERR radius cannot be negative"
GEO_STORE_WITH_OPTIONS = "ERR %s is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
GEO_UNIT = "ERR unsupported unit provided. please use M, KM, FT, MI"
GETKEYS_ARITY = "ERR Invalid number of arguments specified for command"
GT_LT_TOGETHER = "ERR GT and LT options at the same time are not compatible"
HASH_NOT_FLOAT = "ERR hash value is not a float"
HASH_NOT_INTEGER = "ERR hash value is not an integer"
HELLO_SYNTAX = "ERR Syntax error in HELLO option '%s'"
INT_RANGE = "ERR value is out of range, value must between -2147483648 and 2147483647"
INVALID_CLIENT_ID = "ERR Invalid client ID"
INVALID_COMMAND = "ERR Invalid command specified"
INVALID_CURSOR = "ERR invalid cursor"
INVALID_FIRST_DB = "ERR invalid first DB index"
INVALID_MASTER_PORT = "ERR Invalid master port"
INVALID_SECOND_DB = "ERR invalid second DB index"
LCS_LEN_AND_IDX = "ERR If you want both the length and indexes, please just use IDX."
LCS_MEMORY = "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"
LCS_NOT_STRINGS = "ERR The specified keys must contain string values"
LIMIT_NEGATIVE = "ERR LIMIT can't be negative"
LOADING = "LOADING Redis is loading the dataset in memory"
SORT_BY_ACL = "ERR BY option of SORT denied due to insufficient ACL permissions."
SORT_GET_ACL = "ERR GET option of SORT denied due to insufficient ACL permissions."
MASTERDOWN = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
MASTERDOWN_SCRIPT = ("MASTERDOWN Link with MASTER is down, replica-serve-stale-data is set to 'no' "
                     "and 'allow-stale' flag is not set on the script.")
MAXLEN_NEGATIVE = "ERR MAXLEN can't be negative"
MINMAX_NOT_FLOAT = "ERR min or max is not a float"
MINMAX_NOT_LEX = "ERR min or max not valid string range item"
MULTI_NESTED = "ERR MULTI calls can not be nested"
NAME_CHARS = "ERR %s cannot contain spaces, newlines or special characters."
NAN_OR_INFINITY = "ERR increment would produce NaN or Infinity"
NAN_SCORE = "ERR resulting score is not a number (NaN)"
NOMASTERLINK_SYNC = "NOMASTERLINK Can't SYNC while not connected with my master"
NOMASTERLINK_FAILING_OVER = "NOMASTERLINK Can't SYNC while failing over"
# FAILOVER and PSYNC ... FAILOVER (replication.c failoverCommand, syncCommand).
FAILOVER_CLUSTER = "ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead."
FAILOVER_NOT_IN_PROGRESS = "ERR No failover in progress."
FAILOVER_TIMEOUT = "ERR FAILOVER timeout must be greater than 0"
FAILOVER_IN_PROGRESS = "ERR FAILOVER already in progress."
FAILOVER_ON_REPLICA = "ERR FAILOVER is not valid when server is a replica."
FAILOVER_NO_REPLICAS = "ERR FAILOVER requires connected replicas."
FAILOVER_FORCE = "ERR FAILOVER with force option requires both a timeout and target HOST and IP."
FAILOVER_NOT_REPLICA = "ERR FAILOVER target HOST and PORT is not a replica."
FAILOVER_NOT_ONLINE = "ERR FAILOVER target replica is not online."
REPLICAOF_FAILING_OVER = "ERR REPLICAOF not allowed while failing over."
PSYNC_FAILOVER_MASTER = "ERR PSYNC FAILOVER can't be sent to a master."
PSYNC_FAILOVER_REPLID = "ERR PSYNC FAILOVER replid must match my replid."
NOPROTO = "NOPROTO unsupported protocol version"
NOSCRIPT = "NOSCRIPT No matching script. Please use EVAL."
NOTBUSY = "NOTBUSY No scripts in execution right now."
NOT_IN_MULTI = "ERR Command not allowed inside a transaction"
NOT_POSITIVE = "ERR value is out of range, must be positive"
NO_INPUT_KEY = "ERR at least 1 input key is needed for '%s' command"
NO_KEY_ARGUMENTS = "ERR The command has no key arguments"
NO_SHUTDOWN = "ERR No shutdown in progress."
NO_SUCH_CLIENT = "ERR No such client"
NO_SUCH_USER = "ERR No such user '%s'"
NUMKEYS_NEGATIVE = "ERR Number of keys can't be negative"
NUMKEYS_TOO_MANY = "ERR Number of keys can't be greater than number of args"
NX_WITH_XX_GT_LT = "ERR NX and XX, GT or LT options at the same time are not compatible"
OFFSET_OUT_OF_RANGE = "ERR offset is out of range"
PROTOCOL_VERSION = "ERR Protocol version is not an integer or out of range"
PROTO_BIG_BULK = "ERR Protocol error: too big bulk count string"
PROTO_BIG_INLINE = "ERR Protocol error: too big inline request"
PROTO_BIG_MBULK = "ERR Protocol error: too big mbulk count string"
PROTO_BULK_LENGTH = "ERR Protocol error: invalid bulk length"
PROTO_EXPECTED_DOLLAR = "ERR Protocol error: expected '$', got '%s'"
PROTO_MULTIBULK_LENGTH = "ERR Protocol error: invalid multibulk length"
PROTO_UNAUTH_BULK = "ERR Protocol error: unauthenticated bulk length"
PROTO_UNAUTH_MULTIBULK = "ERR Protocol error: unauthenticated multibulk length"
PROTO_UNBALANCED_QUOTES = "ERR Protocol error: unbalanced quotes in request"
REPLCONF_OPTION = "ERR Unrecognized REPLCONF option: %s"
REPL_NEEDS_NETWORK = "ERR Replication needs a network client"
RESTORE_FREQ = "ERR Invalid FREQ value, must be >= 0 and <= 255"
RESTORE_IDLETIME = "ERR Invalid IDLETIME value, must be >= 0"
RESTORE_TTL = "ERR Invalid TTL value, must be >= 0"
SAME_OBJECT = "ERR source and destination objects are the same"
SCRIPT_COMPILE = "ERR Error compiling script (new function): %s"
SCRIPT_FLUSH_OPTION = "ERR SCRIPT FLUSH only support SYNC|ASYNC option"
SHEBANG_ENGINE = "ERR Unexpected engine in script shebang: %s"
SHEBANG_FLAG = "ERR Unexpected flag in script shebang: %s"
SHEBANG_OPTION = "ERR Unknown lua shebang option: %s"
SORT_BY_CLUSTER = "ERR BY option of SORT denied in Cluster mode."
SORT_GET_CLUSTER = "ERR GET option of SORT denied in Cluster mode."
SORT_NOT_DOUBLE = "ERR One or more scores can't be converted into double"
TIMEOUT_NOT_INTEGER = "ERR timeout is not an integer or out of range"
UNBLOCKED = "UNBLOCKED client unblocked via CLIENT UNBLOCK"
UNBLOCKED_ROLE_CHANGE = "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)"
UNKNOWN_CLIENT_TYPE = "ERR Unknown client type '%s'"
UNRECOGNIZED_OPTION = "ERR Unrecognized option '%s'"
VALUE_NAN_OR_INFINITY = "ERR value is NaN or Infinity"
VALUE_OUT_OF_RANGE = "ERR value is out of range"
WATCH_IN_MULTI = "ERR WATCH inside MULTI is not allowed"
XX_AND_NX = "ERR XX and NX options at the same time are not compatible"
ZADD_GT_LT_NX = "ERR GT, LT, and/or NX options at the same time are not compatible"
ZADD_INCR_PAIR = "ERR INCR option supports a single increment-element pair"
ZRANGE_LIMIT = "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
ZRANGE_WITHSCORES_BYLEX = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
AOF_REWRITE_FAILED = "ERR Can't execute an AOF background rewriting. Please check the server logs for more information."
AOF_REWRITE_IN_PROGRESS = "ERR Background append only file rewriting already in progress"
BAD_DATA = "ERR Bad data format"
BAD_PAYLOAD = "ERR DUMP payload version or checksum are wrong"
BGSAVE_IN_PROGRESS = "ERR Background save already in progress"
BGSAVE_OTHER_CHILD = "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible."
BUSYKEY = "BUSYKEY Target key name already exists."
# MIGRATE (cluster.c migrateCommand, migrateGetSocket).
MIGRATE_KEYS_NEEDS_EMPTY_KEY = "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string"
MIGRATE_CONNECT = "IOERR error or timeout connecting to the client"
MIGRATE_IO = "IOERR error or timeout %s to target instance"  # writing / reading
MIGRATE_TARGET_ERROR = "ERR Target instance replied with error: %s"
DEBUG_RELOAD_FAILED = "ERR Error trying to load the RDB dump, check server logs."
HELLO_NOAUTH = "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"
LFU_NOT_SELECTED = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
LFU_SELECTED = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
RANK_ZERO = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
SCRIPT_CALL_ARITY = "ERR Wrong number of args calling Redis command from script"
SCRIPT_CALL_DENIED = "ERR This Redis command is not allowed from script"
SCRIPT_CALL_STALE = "ERR Can not execute the command on a stale replica"
SCRIPT_CALL_UNKNOWN = "ERR Unknown Redis command called from script"
SCRIPT_KILLED = "ERR Script killed by user with SCRIPT KILL..."
SCRIPT_READONLY = "ERR Write commands are not allowed from read-only scripts."
SHUTDOWN_FAILED = "ERR Errors trying to SHUTDOWN. Check logs."
SUBSCRIBED_CONTEXT = "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
UNKILLABLE_MASTER = "UNKILLABLE The busy script was sent by a master instance in the context of replication and cannot be killed."
SCRIPT_READONLY_REPLICA = "READONLY Can not run script with write flag on readonly replica"
SCRIPT_WRITE_FLAG_RO = "ERR Can not execute a script with write flag using *_ro command."
UNKILLABLE = "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."
WAIT_ON_REPLICA = "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated."
GEO_HEIGHT_NOT_NUMERIC = "ERR need numeric height"
GEO_RADIUS_NOT_NUMERIC = "ERR need numeric radius"
GEO_WIDTH_NOT_NUMERIC = "ERR need numeric width"
MISCONF_SCRIPT_RDB = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts."
MISCONF_AOF = "MISCONF Errors writing to the AOF file: %s"
MISCONF_RDB = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error."

# -- ACL ------------------------------------------------------------------------------
NOPERM_COMMAND = "NOPERM this user has no permissions to run the '%s' command"
NOPERM_KEY = "NOPERM this user has no permissions to access one of the keys used as arguments"
NOPERM_CHANNEL = "NOPERM this user has no permissions to access one of the channels used as arguments"
NOPERM_EXEC = (
    "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. "
    "This command is no longer allowed for the following reason: %s"
)
# multi.c's reasons, by ACL result (1 command, 2 key, 4 channel).
NOPERM_EXEC_REASONS = {
    1: "no permission to execute the command or subcommand",
    2: "no permission to touch the specified keys",
    4: "no permission to access one of the channels used as arguments",
}
SCRIPT_NOPERM = "ERR The user executing the script %s"
# getAclErrorMessage, by ACL result.
ACL_ERROR_MESSAGES = {
    1: "can't run this command or subcommand",
    2: "can't access at least one of the keys mentioned in the command arguments",
    4: "can't publish to the channel mentioned in the command",
}
ACL_DEFAULT_UNDELETABLE = "ERR The 'default' user cannot be removed"
ACL_USERNAME_SPACES = "ERR Usernames can't contain spaces or null characters"
ACL_NO_FILE = (
    "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the "
    "ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) "
    "in order to store users in the Redis configuration."
)
ACL_SAVE_FAILED = "ERR There was an error trying to save the ACLs. Please check the server logs for more information"
ACL_UNKNOWN_CATEGORY = "ERR Unknown category '%s'"
ACL_GENPASS_BITS = "ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096"
ACL_DRYRUN_NO_USER = "ERR User '%s' not found"
ACL_DRYRUN_NO_COMMAND = "ERR Command '%s' not found"
ACL_DRYRUN_ARITY = "ERR wrong number of arguments for '%s' command"

# -- streams (t_stream.c) --
STREAM_ID_INVALID = "ERR Invalid stream ID specified as stream command argument"
XADD_ID_ZERO = "ERR The ID specified in XADD must be greater than 0-0"
XADD_EXHAUSTED = "ERR The stream has exhausted the last possible ID, unable to add more items"
XADD_ID_SMALL = "ERR The ID specified in XADD is equal or smaller than the target stream top item"
XADD_TOO_LARGE = "ERR Elements are too large to be stored"
XSTREAM_MAXLEN_MINID = "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"
XSTREAM_MAXLEN_NEGATIVE = "ERR The MAXLEN argument must be >= 0."
XSTREAM_LIMIT_NEGATIVE = "ERR The LIMIT argument must be >= 0."
XSTREAM_LIMIT_NO_STRATEGY = "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"
XTRIM_NO_STRATEGY = "ERR syntax error, XTRIM must be called with a trimming strategy"
XSTREAM_LIMIT_NO_APPROX = "ERR syntax error, LIMIT cannot be used without the special ~ option"
XSTREAM_INVALID_START = "ERR invalid start ID for the interval"
XSTREAM_INVALID_END = "ERR invalid end ID for the interval"
XREAD_BLOCK_SCRIPT = "ERR %s command is not allowed with BLOCK option from scripts"
XREAD_UNBALANCED = "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."
XREAD_GROUP_ONLY = "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead."
XREAD_NOACK_ONLY = "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead."
XREADGROUP_MISSING_GROUP = "ERR Missing GROUP option for XREADGROUP"
XREADGROUP_NOGROUP = "NOGROUP No such key '%s' or consumer group '%s' in XREADGROUP with GROUP option"
XREADGROUP_DOLLAR = (
    "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by "
    "specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set."
)
XREAD_GT_ONLY = "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option."
XREADGROUP_GROUP_GONE = "NOGROUP the consumer group this client was blocked on no longer exists"
XREADGROUP_KEY_GONE = "UNBLOCKED the stream key no longer exists"
TIMEOUT_OUT_OF_RANGE = "ERR timeout is out of range"
XGROUP_ENTRIESREAD = "ERR value for ENTRIESREAD must be positive or -1"
XGROUP_NEEDS_KEY = (
    "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM "
    "option to create an empty stream automatically."
)
NOGROUP_FOR_KEY = "NOGROUP No such consumer group '%s' for key name '%s'"
NOGROUP_KEY_GROUP = "NOGROUP No such key '%s' or consumer group '%s'"
BUSYGROUP = "BUSYGROUP Consumer Group name already exists"
XSETID_ENTRIES_ADDED_NEGATIVE = "ERR entries_added must be positive"
XSETID_MAXDELETED = "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id"
XSETID_SMALL = "ERR The ID specified in XSETID is smaller than the target stream top item"
XSETID_ENTRIES_ADDED_SMALL = "ERR The entries_added specified in XSETID is smaller than the target stream length"
XCLAIM_MIN_IDLE = "ERR Invalid min-idle-time argument for XCLAIM"
XCLAIM_IDLE = "ERR Invalid IDLE option argument for XCLAIM"
XCLAIM_TIME = "ERR Invalid TIME option argument for XCLAIM"
XCLAIM_RETRYCOUNT = "ERR Invalid RETRYCOUNT option argument for XCLAIM"
XCLAIM_OPTION = "ERR Unrecognized XCLAIM option '%s'"
XAUTOCLAIM_MIN_IDLE = "ERR Invalid min-idle-time argument for XAUTOCLAIM"
XAUTOCLAIM_COUNT = "ERR COUNT must be > 0"

# -- SLOWLOG / LATENCY / MONITOR ------------------------------------------------------
SLOWLOG_COUNT = "ERR count should be greater than or equal to -1"
LATENCY_NO_SAMPLES = "ERR No samples available for event '%s'"
MONITOR_DENY_BLOCKING = "ERR MONITOR isn't allowed for DENY BLOCKING client"
REPLICA_KEYSPACE = "ERR Replica can't interact with the keyspace"

# -- CLIENT TRACKING ------------------------------------------------------------------
TRACKING_ONE_REDIRECT = "ERR A client can only redirect to a single other client"
TRACKING_NO_REDIRECT_CLIENT = "ERR The client ID you want redirect to does not exist"
TRACKING_PREFIX_NEEDS_BCAST = "ERR PREFIX option requires BCAST mode to be enabled"
TRACKING_BCAST_SWITCH = (
    "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it "
    "with a different mode."
)
TRACKING_OPT_BCAST = "ERR OPTIN and OPTOUT are not compatible with BCAST"
TRACKING_OPTIN_OPTOUT = "ERR You can't specify both OPTIN mode and OPTOUT mode"
TRACKING_OPT_SWITCH = (
    "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it "
    "with a different mode."
)
CACHING_NOT_TRACKING = (
    "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled"
)
CACHING_YES_OPTIN = "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode."
CACHING_NO_OPTOUT = "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode."

# HyperLogLog (hyperloglog.c)
HLL_WRONGTYPE = "WRONGTYPE Key is not a valid HyperLogLog string value."
HLL_INVALID = "INVALIDOBJ Corrupted HLL object detected"
HLL_NO_KEY = "ERR The specified key does not exist"
HLL_NOT_SPARSE = "ERR HLL encoding is not sparse"
HLL_UNKNOWN_DEBUG = "ERR Unknown PFDEBUG subcommand '%s'"

NOREPLICAS = "NOREPLICAS Not enough good replicas to write."

# Cluster mode (cluster.c clusterCommand, getNodeByQuery / clusterRedirectClient).
CLUSTER_DISABLED = "ERR This instance has cluster support disabled"
CLUSTER_INVALID_SLOT_RANGE = "ERR Invalid or out of range slot"
CLUSTER_INVALID_SLOT = "ERR Invalid slot"
CLUSTER_INVALID_SLOT_OR_COUNT = "ERR Invalid slot or number of keys"
CLUSTER_SLOT_UNASSIGNED = "ERR Slot %d is already unassigned"
CLUSTER_SLOT_BUSY = "ERR Slot %d is already busy"
CLUSTER_SLOT_TWICE = "ERR Slot %d specified multiple times"
CLUSTER_START_GT_END = "ERR start slot number %d is greater than end slot number %d"
CLUSTER_INVALID_PORT = "ERR Invalid TCP base port specified: %s"
CLUSTER_INVALID_BUS_PORT = "ERR Invalid TCP bus port specified: %s"
CLUSTER_INVALID_ADDRESS = "ERR Invalid node address specified: %s:%s"
CLUSTER_FLUSHSLOTS_NOT_EMPTY = "ERR DB must be empty to perform CLUSTER FLUSHSLOTS."
CLUSTER_SETSLOT_REPLICA = "ERR Please use SETSLOT only with masters."
CLUSTER_NOT_OWNER = "ERR I'm not the owner of hash slot %d"
CLUSTER_ALREADY_OWNER = "ERR I'm already the owner of hash slot %d"
CLUSTER_DONT_KNOW_NODE = "ERR I don't know about node %s"
CLUSTER_TARGET_NOT_MASTER = "ERR Target node is not a master"
CLUSTER_UNKNOWN_NODE = "ERR Unknown node %s"
CLUSTER_SLOT_HAS_KEYS = "ERR Can't assign hashslot %d to a different node while I still hold keys for this hash slot."
CLUSTER_SETSLOT_SYNTAX = "ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP"
CLUSTER_SAVECONFIG = "ERR error saving the cluster node config: %s"
CLUSTER_FORGET_MYSELF = "ERR I tried hard but I can't forget myself..."
CLUSTER_FORGET_MASTER = "ERR Can't forget my master!"
CLUSTER_REPLICATE_MYSELF = "ERR Can't replicate myself"
CLUSTER_REPLICATE_REPLICA = "ERR I can only replicate a master, not a replica."
CLUSTER_REPLICATE_NOT_EMPTY = "ERR To set a master the node must be empty and without assigned slots."
CLUSTER_NOT_A_MASTER = "ERR The specified node is not a master"
CLUSTER_INVALID_EPOCH = "ERR Invalid config epoch specified: %d"
CLUSTER_EPOCH_KNOWS_OTHERS = "ERR The user can assign a config epoch only when the node does not know any other node."
CLUSTER_EPOCH_NONZERO = "ERR Node config epoch is already non-zero"
CLUSTER_RESET_NOT_EMPTY = "ERR CLUSTER RESET can't be called with master nodes containing keys"
CLUSTER_FAILOVER_MASTER = "ERR You should send CLUSTER FAILOVER to a replica"
CLUSTER_FAILOVER_NO_MASTER = "ERR I'm a replica but my master is unknown to me"
CLUSTER_FAILOVER_MASTER_DOWN = "ERR Master is down or failed, please use CLUSTER FAILOVER FORCE"
CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot"
TRYAGAIN = "TRYAGAIN Multiple keys request during rehashing of slot"
CLUSTERDOWN = "CLUSTERDOWN The cluster is down"
CLUSTERDOWN_RO = "CLUSTERDOWN The cluster is down and only accepts read commands"
CLUSTERDOWN_UNBOUND = "CLUSTERDOWN Hash slot not served"
MOVED = "MOVED %d %s:%d"
ASK = "ASK %d %s:%d"
SELECT_CLUSTER = "ERR SELECT is not allowed in cluster mode"
REPLICAOF_CLUSTER = "ERR REPLICAOF not allowed in cluster mode."
MOVE_CLUSTER = "ERR MOVE is not allowed in cluster mode"
SWAPDB_CLUSTER = "ERR SWAPDB is not allowed in cluster mode"
COPY_DB_CLUSTER = "ERR Copying to another database is not allowed in cluster mode"
