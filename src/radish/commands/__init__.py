"""Command handlers, one module per command group; importing a module
registers its specs in ``registry.COMMANDS``."""

_loaded = False


def load_all() -> None:
    """Import every command module (idempotent)."""
    global _loaded
    if _loaded:
        return
    from . import connection, keys, server_cmds, strings  # noqa: F401

    _loaded = True
