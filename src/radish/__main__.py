"""``python -m radish`` / ``radish-server``: the same command line as
redis-server (config file first, then ``--name value`` options)."""

from __future__ import annotations

import asyncio
import os
import sys

from . import REDIS_VERSION, __version__


def _usage() -> str:
    return (
        "Usage: radish-server [/path/to/redis.conf] [options] [-]\n"
        "       radish-server - (read config from stdin)\n"
        "       radish-server -v or --version\n"
        "       radish-server -h or --help\n\n"
        "Examples:\n"
        "       radish-server (run the server with default conf)\n"
        "       radish-server /etc/redis/6379.conf\n"
        "       radish-server --port 7777\n"
        "       radish-server --port 7777 --replicaof 127.0.0.1 8888\n"
        "       radish-server /etc/myredis.conf --loglevel verbose -\n"
    )


def main(argv: list[str] | None = None) -> int:
    from . import memory

    memory.install()  # first: blocks allocated before it are not counted
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("-v", "--version"):
        print("Redis server v=%s sha=00000000:0 malloc=libc bits=64 build=0 (radish %s)" % (REDIS_VERSION, __version__))
        return 0
    if argv and argv[0] in ("-h", "--help"):
        print(_usage(), end="")
        return 0
    from .commands import load_all
    from .commands.acl import check_user_line
    from .commands.registry import rename_command, reset_command_table
    from .config import ConfigError, load_server_config

    load_all()  # rename-command lines are checked against the command table
    reset_command_table()
    try:
        config = load_server_config(argv, rename_command=rename_command, check_user=check_user_line)
    except ConfigError as e:
        msg = str(e)
        # Redis prints a blank line before its FATAL CONFIG FILE ERROR block.
        print(("\n" + msg) if msg.startswith("*** FATAL") else msg, file=sys.stderr)
        return 1
    try:
        os.chdir(config.dir)
    except OSError as e:
        print("Can't chdir to '%s': %s" % (config.dir, e.strerror), file=sys.stderr)
        return 1
    if config.daemonize:
        if not config.pidfile:
            config.pidfile = "/var/run/redis.pid"  # what Redis uses when daemonized without one
        _daemonize()
    try:
        import uvloop

        uvloop_ok = True
    except ImportError:  # pragma: no cover
        uvloop_ok = False
    from .server import Server, install_signal_handlers, version_banner

    server = Server(config)
    log = server.log
    log.log(3, "oO0OoO0OoO0Oo Radish is starting oO0OoO0OoO0Oo", role="C")
    log.log(
        3,
        "%s, bits=64, pid=%d, just started" % (version_banner(), os.getpid()),
        role="C",
    )
    if config.config_file:
        log.log(3, "Configuration loaded", role="C")
    else:
        log.log(3, "Warning: no config file specified, using the default config. In order to specify a config file use radish-server /path/to/redis.conf", role="C")

    if not server.refuse_modules():
        return 1
    for warning in config.unenforced_warnings():
        log.warning(warning)
    acl_error = server.load_acl()
    if acl_error is not None:
        log.warning(acl_error)
        return 1

    async def run() -> int:
        install_signal_handlers(server)
        mode = "cluster" if config.cluster_enabled else "standalone"
        log.notice("Running mode=%s, port=%d. PID: %d" % (mode, config.port, os.getpid()))
        if config.pidfile:
            try:
                with open(config.pidfile, "w") as f:
                    f.write("%d\n" % os.getpid())
            except OSError:
                log.warning("Failed to write PID file")
        server.startup_memory = server.used_memory()  # before any data is loaded (InitServerLast)
        # As Redis: listening first, then the dataset is loaded while new
        # connections are accepted and answered (-LOADING, INFO …).
        await server.start()
        log.warning("Server initialized")
        try:
            for hook in server.startup_hooks:
                hook()
        except SystemExit:
            await server.close()
            raise
        log.notice("Ready to accept connections tcp")
        code = await server.serve_until_shutdown()
        if config.pidfile:
            try:
                os.unlink(config.pidfile)
            except OSError:
                pass
        return code

    try:
        if uvloop_ok:
            return uvloop.run(run())
        return asyncio.run(run())
    except SystemExit as e:
        return int(e.code or 0)


def _daemonize() -> None:
    if os.fork() > 0:
        os._exit(0)
    os.setsid()
    fd = os.open(os.devnull, os.O_RDWR)
    for n in (0, 1, 2):
        os.dup2(fd, n)


if __name__ == "__main__":
    sys.exit(main())
