"""Start-up: the redis-server command line and redis.conf files
(``load_server_config``): Redis's loadServerConfig() and
loadServerConfigFromString(), ``include``, ``rename-command`` (through a
callback, the command table lives above config), ``user`` and
``loadmodule`` lines, and the '*** FATAL CONFIG FILE ERROR' messages.

Imports ``values``, ``table`` and ``settings`` of ``radish.config`` and
``radish.protocol.splitargs``; nothing of radish above config.
"""

from __future__ import annotations

import glob as _glob
import os
import sys
from typing import BinaryIO, Callable

from radish.protocol.splitargs import quote_arg, split_args

from .settings import Config
from .table import DEPRECATED_DIRECTIVES, Param, lookup
from .values import (
    REDIS_VERSION,
    ConfigError,
    HelpRequested,
    VersionRequested,
    shown_text,
    to_bytes,
)

# -- startup: command line and config files ---------------------------------------------------


class _StartupError(ConfigError):
    """A complete startup message, passed through nested includes unchanged."""


def _fatal(linenum: int | None, line: bytes | None, message: str) -> ConfigError:
    text = "*** FATAL CONFIG FILE ERROR (Redis %s) ***\n" % REDIS_VERSION
    if linenum is not None and line is not None:
        text += "Reading the configuration file, at line %d\n>>> '%s'\n" % (linenum, shown_text(line))
    return _StartupError(text + message)


class _Loader:
    """loadServerConfigFromString() and loadServerConfig(), with the state they
    keep in statics (the reading_config_file flag and save_loaded)."""

    def __init__(
        self,
        cfg: Config,
        rename_command: Callable[[bytes, bytes], None] | None = None,
        check_user: Callable[[list[bytes], list[list[bytes]]], None] | None = None,
    ) -> None:
        self.cfg = cfg
        self.reading_config_file = False
        self.save_loaded = False
        # Applies one rename-command to the command table (which this module
        # cannot see); raises ValueError with Redis's message.
        self.rename_command = rename_command
        # Checks one ``user`` line (and the users declared before it) as
        # Redis's ACLAppendUserForLoading; raises ValueError with Redis's
        # "Error in user declaration" message.
        self.check_user = check_user

    def read_file(self, filename: bytes) -> bytes:
        """The content of a config file, or of every file a wildcard matches."""
        base = to_bytes(self.cfg.dir)
        path = os.path.join(base, filename)
        if any(c in filename for c in b"*?["):
            data = []
            for name in sorted(_glob.glob(path)):
                data.append(self._read_one(name, name))
            return b"".join(data)
        return self._read_one(path, filename)

    @staticmethod
    def _read_one(path: bytes, shown: bytes) -> bytes:
        if os.path.isdir(path):
            return b""  # fopen() succeeds on a directory; reading it gives nothing
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError as e:
            raise _StartupError(
                "Fatal error, can't open config file '%s': %s"
                % (shown_text(shown), os.strerror(e.errno or 2))
            ) from None

    def load_string(self, config: bytes) -> None:
        cfg = self.cfg
        self.reading_config_file = True
        lines = config.split(b"\n")
        for i, raw in enumerate(lines):
            linenum = i + 1
            line = raw.strip(b" \t\r\n")
            if line[:1] == b"#" or line == b"":
                continue
            argv = split_args(line)
            if argv is None:
                raise _fatal(linenum, line, "Unbalanced quotes in configuration line")
            if not argv:
                continue
            argv[0] = argv[0].lower()
            try:
                self._directive(argv)
            except _StartupError:
                raise
            except ConfigError as e:
                raise _fatal(linenum, line, str(e)) from None

        if cfg.logfile:
            try:
                with open(os.path.join(cfg.dir, cfg.logfile), "a"):
                    pass
            except OSError as e:
                raise _fatal(
                    None, None, "Can't open the log file: %s" % os.strerror(e.errno or 2)
                ) from None
        if cfg.cluster_enabled and cfg.replicaof is not None:
            raise _fatal(None, None, "replicaof directive not allowed in cluster mode")
        # Redis clears this flag at the end of every load, included files too
        # (so `save` lines after an `include` each replace the previous ones).
        self.reading_config_file = False

    def _directive(self, argv: list[bytes]) -> None:
        cfg = self.cfg
        name = argv[0]
        argc = len(argv)
        entry = lookup(name)
        if entry is not None:
            p = entry[0]
            if not p.type.multi_arg and argc != 2:
                raise ConfigError("wrong number of arguments")
            if p.type.multi_arg and argc == 2 and argv[1]:
                # "--save '900 1'" and `replicaof "host port"`: split one argument.
                args = split_args(argv[1]) or []
            else:
                args = argv[1:]
            if p.name == "save":
                self._load_save(p, args)
            else:
                setattr(cfg, p.attr, p.parse(args, getattr(cfg, p.attr)))
            return
        text = name.decode("utf-8", "replace")
        if text in DEPRECATED_DIRECTIVES:
            lo, hi = DEPRECATED_DIRECTIVES[text]
            if lo <= argc <= hi:
                return
        if name == b"include" and argc == 2:
            self.load_string(self.read_file(argv[1]))
        elif name == b"rename-command" and argc == 3:
            if self.rename_command is not None:
                try:
                    self.rename_command(argv[1], argv[2])
                except ValueError as e:
                    raise ConfigError(str(e)) from None
            cfg.rename_commands.append((argv[1], argv[2]))
        elif name == b"user" and argc >= 2:
            if self.check_user is not None:
                try:
                    self.check_user(argv, cfg.users)
                except ValueError as e:
                    raise ConfigError(str(e)) from None
            cfg.users.append(argv[1:])
        elif name == b"loadmodule" and argc >= 2:
            cfg.load_modules.append(argv[1:])
        elif b"." in name:
            if argc < 2:
                raise ConfigError("Module config specified without value")
            cfg.module_configs[name] = b" ".join(argv[1:])
        elif name == b"sentinel":
            if argc != 1:
                raise ConfigError("sentinel directive while not in sentinel mode")
        else:
            raise ConfigError("Bad directive or wrong number of arguments")

    def _load_save(self, p: Param, args: list[bytes]) -> None:
        """``save`` in a file: the first line replaces the defaults, later ones
        add save points, ``save ""`` clears them (Redis 7.0.15)."""
        cfg = self.cfg
        points = p.parse(args, cfg.save)
        if len(args) == 1 and args[0] == b"":
            cfg.save = []
        if not self.reading_config_file:
            cfg.save = []
        elif not self.save_loaded:
            self.save_loaded = True
            cfg.save = []
        cfg.save = cfg.save + points


def _command_line_options(args: list[bytes], after_file: bool) -> tuple[bytes, bool]:
    """The options after the config file turned into config-file text, exactly
    as redis-server's main() does (``--port 6380`` -> ``port "6380"``), and
    whether '-' (the very first or the last argument) asked to read stdin."""
    options = b""
    from_stdin = False
    handled_last = True
    n = len(args)
    for j, a in enumerate(args):
        first = j == 0 and not after_file
        last = j == n - 1
        if a == b"-" and (first or last):
            from_stdin = True
        elif handled_last and a.startswith(b"--"):
            if options:
                options += b"\n"
            options += a[2:] + b" "
            if len(split_args(a) or []) == 1:
                # Only a name: its values follow.  `--save` alone (followed by
                # another option or at the end) means `save ""`.
                handled_last = False
                is_save = a.lower() == b"--save"
                is_sentinel = a.lower() == b"--sentinel"
                if not last and args[j + 1].startswith(b"--") and (is_save or is_sentinel):
                    if is_save:
                        options += b'""'
                    handled_last = True
                elif last and is_save:
                    options += b'""'
            else:
                handled_last = True
        else:
            options += quote_arg(a) + b" "
            handled_last = True
    return options, from_stdin


def load_server_config(
    argv: list[str],
    *,
    stdin: BinaryIO | None = None,
    rename_command: Callable[[bytes, bytes], None] | None = None,
    check_user: Callable[[list[bytes], list[list[bytes]]], None] | None = None,
) -> Config:
    """redis-server's command line (without the program name): ``argv[0]``, if
    present and not starting with '-', is a config file path; then ``--name
    value [value ...]`` options (so ``--save 900 1 300 10``, ``--save ""``,
    ``--replicaof "host port"`` and ``--replicaof host port`` all work); a
    lone '-' first or last reads more config from ``stdin`` (default
    sys.stdin).  Config files use redis.conf syntax: lines split with
    split_args, '#' comments, ``include path`` (globs allowed), directives
    case-insensitive, later ones override earlier; command-line options are
    applied after the file.

    Errors raise ConfigError whose str() is Redis's startup message, e.g.::

        *** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***
        Reading the configuration file, at line 2
        >>> 'port "abc"'
        argument couldn't be parsed into an integer

    or ``Fatal error, can't open config file 'x': No such file or directory``
    (which Redis writes as a log line).  Either way the server exits with 1.

    ``rename_command(old, new)``, when given, applies each rename-command
    line to the command table as it is read (it raises ValueError with
    Redis's message, e.g. ``No such command in rename-command``, reported
    with the line like any bad directive); the lines are also kept in
    ``Config.rename_commands``.  ``check_user(argv, users_so_far)``, when
    given, checks each ``user`` line the same way (the lines are kept in
    ``Config.users``, applied when the server starts).

    A first argument ``-v``/``--version`` raises VersionRequested and
    ``-h``/``--help`` raises HelpRequested (both CommandLineRequest): the
    caller prints the version or the usage and exits, as redis-server does.
    """
    cfg = Config()
    if not argv:
        return cfg
    if argv[0] in ("-v", "--version"):
        raise VersionRequested()
    if argv[0] in ("-h", "--help"):
        raise HelpRequested()
    bargs = [os.fsencode(a) for a in argv]
    config_path: bytes | None = None
    if not bargs[0].startswith(b"-"):
        config_path = os.path.abspath(bargs[0])
        cfg.config_file = os.fsdecode(config_path)
        bargs = bargs[1:]
    options, from_stdin = _command_line_options(bargs, config_path is not None)
    loader = _Loader(cfg, rename_command, check_user)
    text = b""
    if config_path is not None:
        text = loader._read_one(config_path, config_path)
    if from_stdin:
        text += (stdin if stdin is not None else sys.stdin.buffer).read()
    loader.load_string(text + b"\n" + options)
    return cfg
