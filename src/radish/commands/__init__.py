"""Command handlers, one module per command group; importing a module
registers its specs in ``registry.COMMANDS``."""

_loaded = False


def load_all() -> None:
    """Import every command module (idempotent)."""
    global _loaded
    if _loaded:
        return
    from . import (  # noqa: F401
        acl,
        bitmaps,
        cluster_cmds,
        connection,
        debug_cmds,
        functions,
        geo,
        hashes,
        hyperloglog,
        introspection,
        keys,
        lists,
        lolwut,
        memory_cmds,
        migrate,
        modules,
        persistence_cmds,
        pubsub,
        replication_cmds,
        scripting,
        server_cmds,
        sets,
        sort,
        streams,
        strings,
        transactions,
        zsets,
    )

    _loaded = True
