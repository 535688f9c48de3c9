"""The live command table under rename-command (radish.commands.registry),
and the config loader handing rename-command lines to it."""

from __future__ import annotations

import pytest

from radish.commands import load_all
from radish.commands.registry import (
    COMMANDS,
    ORIGINAL_COMMANDS,
    RenameError,
    apply_renames,
    rename_command,
    reset_command_table,
)
from radish.config import ConfigError, load_server_config
from radish.dispatch import lookup_command

load_all()


@pytest.fixture(autouse=True)
def _fresh_table():
    reset_command_table()
    yield
    reset_command_table()


def test_rename_moves_the_spec_and_keeps_its_name() -> None:
    spec = COMMANDS[b"config"]
    apply_renames([(b"CONFIG", b"MyConfig")])
    assert b"config" not in COMMANDS and COMMANDS[b"myconfig"] is spec
    assert spec.name == "config"  # COMMAND reports the command's own name
    assert ORIGINAL_COMMANDS[b"config"] is spec
    assert lookup_command([b"MYCONFIG", b"get", b"port"]) is spec.subcommands[b"get"]
    assert lookup_command([b"config", b"get", b"port"]).startswith("ERR unknown command 'config'")
    assert lookup_command([b"myconfig", b"nope"]) == "ERR unknown subcommand 'nope'. Try MYCONFIG HELP."


def test_empty_name_disables_the_command() -> None:
    n = len(COMMANDS)
    apply_renames([(b"flushall", b"")])
    assert len(COMMANDS) == n - 1
    assert lookup_command([b"FLUSHALL"]) == "ERR unknown command 'FLUSHALL', with args beginning with: "


def test_bad_renames_give_redis_messages() -> None:
    with pytest.raises(RenameError, match="^No such command in rename-command$"):
        rename_command(b"nosuch", b"x")
    with pytest.raises(RenameError, match="^Target command name already exists$"):
        rename_command(b"get", b"SET")
    with pytest.raises(RenameError, match="^No such command in rename-command$"):
        apply_renames([(b"get", b""), (b"get", b"x")])


def test_apply_renames_starts_from_the_original_table() -> None:
    apply_renames([(b"get", b"fetch")])
    apply_renames([])
    assert b"get" in COMMANDS and b"fetch" not in COMMANDS
    assert lookup_command([b"get", b"k"]) is ORIGINAL_COMMANDS[b"get"]


def test_loader_reports_a_refused_rename_with_its_line() -> None:
    seen = []

    def rename(old: bytes, new: bytes) -> None:
        seen.append((old, new))
        if old == b"nosuch":
            raise RenameError("No such command in rename-command")

    cfg = load_server_config(["--rename-command", "get", "fetch"], rename_command=rename)
    assert cfg.rename_commands == [(b"get", b"fetch")] == seen
    with pytest.raises(ConfigError) as info:
        load_server_config(["--hz", "5", "--rename-command", "nosuch", "x"], rename_command=rename)
    assert str(info.value) == (
        "*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
        "Reading the configuration file, at line 3\n"
        ">>> 'rename-command \"nosuch\" \"x\"'\n"
        "No such command in rename-command"
    )
