"""Every error reply text, copied exactly from what Redis 7.0 answers.

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
READONLY = "READONLY You can't write against a read only replica."
OOM = "OOM command not allowed when used memory > 'maxmemory'."
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
