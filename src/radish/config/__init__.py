"""Every configuration parameter of the server, declared once.

This package owns the parameter table (name, alias, type, default, flags) and
everything that reads it: the redis-server command line and redis.conf files
(``load_server_config``), ``CONFIG GET`` (``Config.get_matching``), ``CONFIG
SET`` (``Config.set_many``, atomic, with change hooks) and ``CONFIG REWRITE``
(``Config.rewrite``).  Values are parsed, validated and rendered by one small
class per value type, with Redis 7.0.15's exact texts (``CONFIG GET`` output,
error messages, rewritten lines).

The table is also the audit of what radish enforces: a parameter accepted
without being acted on is marked ``not_built=`` or ``not_applicable=`` with a
one-line reason; ``Config.unenforced_warnings`` gives the start-up / CONFIG
SET warnings for them and ``python -m radish.config --unenforced README.md``
writes README's list.  rename-command lines and ``user`` directives are
checked through callbacks the caller passes (the command table and the ACL
rules live above this module).

It imports nothing from radish except ``radish.protocol.splitargs``,
``radish.globmatch`` and ``radish.strconv``: no server, network, keyspace or
command code.  It never acts on the process (no chdir, no listening, no log
file writes): the server registers hooks with ``Config.on_change`` for
that.  (The one exception is
Redis's own: at startup a configured log file must open for appending.)

Values are plain attributes of a ``Config`` (``-`` becomes ``_``), in Python
types: bool for yes/no parameters; int for numbers and memory sizes (bytes;
``maxmemory_clients`` is negative for a percentage, as in Redis: ``-50`` is
``50%``); str for strings (``''`` when unset) and for enums (the canonical
name Redis shows, e.g. ``'notice'``, ``'nosave now'``); and for the special
ones: ``save`` list[tuple[int, int]], ``bind`` list[str], ``replicaof``
tuple[str, int] | None, ``client_output_buffer_limit`` dict
``{'normal'|'replica'|'pubsub': (hard, soft, seconds)}``,
``oom_score_adj_values`` tuple[int, int, int], ``notify_keyspace_events`` int
(``NOTIFY_*`` bit flags), ``latency_tracking_info_percentiles`` list[float],
``dir`` str (absolute).  The server may assign attributes directly for state
it owns (``replicaof`` after REPLICAOF, ``pidfile`` when daemonizing).

Its rooms, bottom up (each module's docstring says what it may import):

- ``values``: value types (parse / render / rewrite lines), validators,
  errors, flags, keyspace-event classes.
- ``table``: ``Param``, the ``PARAMS`` table, name lookup, README's list of
  unenforced parameters.
- ``rewrite``: CONFIG REWRITE over an existing file.
- ``settings``: the ``Config`` object (CONFIG GET / SET, hooks, warnings).
- ``loader``: the command line and config files (``load_server_config``).
- ``__main__``: ``python -m radish.config --unenforced [README.md]``.

This ``__init__`` re-exports what the rest of radish and the tests use.
"""

from __future__ import annotations

from radish.strconv import memtoull

from ..notifyflags import (
    NOTIFY_ALL,
    NOTIFY_EVICTED,
    NOTIFY_EXPIRED,
    NOTIFY_GENERIC,
    NOTIFY_HASH,
    NOTIFY_KEY_MISS,
    NOTIFY_KEYEVENT,
    NOTIFY_KEYSPACE,
    NOTIFY_LIST,
    NOTIFY_LOADED,
    NOTIFY_MODULE,
    NOTIFY_NEW,
    NOTIFY_SET,
    NOTIFY_STREAM,
    NOTIFY_STRING,
    NOTIFY_ZSET,
)
from .loader import load_server_config
from .settings import Config
from .table import (
    NOT_APPLICABLE,
    NOT_BUILT,
    PARAMS,
    README_BEGIN,
    README_END,
    Param,
    readme_with_unenforced_list,
    unenforced_markdown,
)
from .values import (
    DENY_LOADING,
    HIDDEN,
    IMMUTABLE,
    PROTECTED,
    SENSITIVE,
    CommandLineRequest,
    ConfigError,
    ConfigLoadingError,
    HelpRequested,
    VersionRequested,
    keyspace_events_from_string,
    keyspace_events_to_string,
)

__all__ = [
    "Config",
    "load_server_config",
    "memtoull",
    "NOT_BUILT",
    "NOT_APPLICABLE",
    "Param",
    "PARAMS",
    "README_BEGIN",
    "README_END",
    "unenforced_markdown",
    "readme_with_unenforced_list",
    "ConfigError",
    "ConfigLoadingError",
    "CommandLineRequest",
    "VersionRequested",
    "HelpRequested",
    "IMMUTABLE",
    "PROTECTED",
    "HIDDEN",
    "DENY_LOADING",
    "SENSITIVE",
    "NOTIFY_KEYSPACE",
    "NOTIFY_KEYEVENT",
    "NOTIFY_GENERIC",
    "NOTIFY_STRING",
    "NOTIFY_LIST",
    "NOTIFY_SET",
    "NOTIFY_HASH",
    "NOTIFY_ZSET",
    "NOTIFY_EXPIRED",
    "NOTIFY_EVICTED",
    "NOTIFY_STREAM",
    "NOTIFY_KEY_MISS",
    "NOTIFY_LOADED",
    "NOTIFY_MODULE",
    "NOTIFY_NEW",
    "NOTIFY_ALL",
    "keyspace_events_from_string",
    "keyspace_events_to_string",
]
