"""tools/redis-7.0-commands.json, the Redis side of docs/compatibility.md,
is what a live redis-server 7.0.15 answers to COMMAND DOCS."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_stored_command_list_matches_redis_server(redis_server):
    spec = importlib.util.spec_from_file_location("compat_table", ROOT / "tools" / "compat_table.py")
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.fetch(redis_server.port) == tool.redis_commands()
