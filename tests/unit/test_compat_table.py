"""docs/compatibility.md is generated from radish's command registry and
Redis 7.0.15's command list (tools/redis-7.0-commands.json) by
tools/compat_table.py: it must be current, and say what a user would
find."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import tests.support  # noqa: F401  (this checkout's src/ first on sys.path)

ROOT = Path(__file__).resolve().parents[2]


def _tool():
    spec = importlib.util.spec_from_file_location("compat_table", ROOT / "tools" / "compat_table.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = _tool()


def test_the_table_is_current():
    expected = tool.render(tool.redis_commands(), tool.radish_commands())
    assert (ROOT / "docs" / "compatibility.md").read_text() == expected, (
        "docs/compatibility.md is stale: run python tools/compat_table.py"
    )


def test_redis_list_is_complete():
    redis = tool.redis_commands()
    assert len(redis) == 240  # COMMAND COUNT of redis-server 7.0.15
    names = {c["name"] for c in redis} | {s["name"] for c in redis for s in c.get("subcommands", [])}
    assert {"get", "config|get", "xinfo|stream", "pfadd", "function|load", "cluster|info"} <= names


def test_rows_say_yes_for_registered_commands_and_no_for_others():
    table = (ROOT / "docs" / "compatibility.md").read_text()
    rows = dict(re.findall(r"^\| `([A-Z_|. -]+)` \| [^|]+ \| (yes|no) \|", table, re.M))
    assert rows["GET"] == "yes"
    assert rows["CONFIG GET"] == "yes"
    assert rows["XINFO STREAM"] == "yes"
    assert rows["CLUSTER INFO"] == "yes"
    assert rows["FAILOVER"] == "yes"
    assert rows["SCRIPT DEBUG"] == "no"  # (the Lua debugger is not built)
    ours = tool.radish_commands()
    for name, status in rows.items():
        assert (status == "yes") == (name.lower().replace(" ", "|") in ours), name


def test_a_command_added_to_the_registry_changes_the_table():
    redis = tool.redis_commands()
    ours = tool.radish_commands()
    before = tool.render(redis, ours - {"lolwut"})
    after = tool.render(redis, ours | {"lolwut"})
    assert "| `LOLWUT` | 5.0.0 | no |" in before
    assert "| `LOLWUT` | 5.0.0 | yes |" in after


def test_notes_name_registered_commands():
    assert set(tool.NOTES) <= tool.radish_commands()
