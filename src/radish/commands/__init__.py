"""Command handlers, one module per command group; importing a module
registers its specs in ``registry.COMMANDS``."""

_loaded = False


def load_all() -> None:
    """Import every command module (idempotent)."""
    global _loaded
    if _loaded:
        return
    from . import (  # noqa: F401
        bitmaps,
        connection,
        geo,
        hashes,
        hyperloglog,
        keys,
        lists,
        modules,
        persistence_cmds,
        pubsub,
        replication_cmds,
        scripting,
        server_cmds,
        sets,
        sort,
        strings,
        transactions,
        zsets,
    )

    _loaded = True
