"""MODULE: radish has no module API, so no module is ever loaded.

MODULE LIST answers an empty list; MODULE LOAD and LOADEX fail as Redis
does when a module cannot be loaded (the reason goes to the log); MODULE
UNLOAD finds no module.  The specs (arity, flags, arguments) are Redis
7.0.15's, so COMMAND and COMMAND DOCS report them as Redis does; LOAD,
LOADEX and UNLOAD are protected (enable-module-command), which the
dispatcher checks.  The `loadmodule` directive stops start-up (see
``__main__``).

Imports nothing from radish above ``commands``.
"""

from __future__ import annotations

from .. import errors as E
from ..client import Client
from ..errors import CommandError
from ..protocol.resp import status_lines
from .registry import command

# Why a load fails, in the log line Redis writes for a module that does not load.
NO_MODULE_API = "radish has no module API (Redis modules are not supported)"

command("module", -2, "", group="server", since="4.0.0", summary="A container for module commands", complexity="Depends on subcommand.")(None)

_PATH = {"name": "path", "type": "string"}

MODULE_HELP = [
    b"MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"LIST",
    b"    Return a list of loaded modules.",
    b"LOAD <path> [<arg> ...]",
    b"    Load a module library from <path>, passing to it any optional arguments.",
    b"LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
    b"    Load a module library from <path>, while passing it module configurations and optional arguments.",
    b"UNLOAD <name>",
    b"    Unload a module.",
    b"HELP",
    b"    Prints this help.",
]


def _load_failed(c: Client, path: bytes) -> CommandError:
    c.server.log.warning("Module %s failed to load: %s" % (path.decode("utf-8", "replace"), NO_MODULE_API))
    return CommandError(E.MODULE_LOAD_FAILED)


@command("module|load", -3, "no_async_loading admin noscript protected", group="server", since="4.0.0", summary="Load a module", complexity="O(1)", arguments=(_PATH, {"name": "arg", "type": "string", "flags": "optional multiple"}))
def module_load(c: Client, args: list[bytes]):
    """Format: MODULE LOAD path [arg [arg ...]]"""
    raise _load_failed(c, args[2])


@command("module|help", 2, "loading stale", group="server", since="5.0.0", summary="Show helpful text about the different subcommands", complexity="O(1)")
def module_help(c: Client, args: list[bytes]):
    return status_lines(MODULE_HELP)


@command("module|loadex", -3, "no_async_loading admin noscript protected", group="server", since="7.0.0", summary="Load a module with extended parameters", complexity="O(1)", arguments=(
    _PATH,
    {"name": "configs", "type": "block", "token": "CONFIG", "flags": "optional multiple multiple_token",
     "arguments": ({"name": "name", "type": "string"}, {"name": "value", "type": "string"})},
    {"name": "args", "type": "block", "token": "ARGS", "flags": "optional multiple",
     "arguments": ({"name": "arg", "type": "string"},)},
))  # fmt: skip
def module_loadex(c: Client, args: list[bytes]):
    """Format: MODULE LOADEX path [CONFIG name value [CONFIG name value ...]] [ARGS arg [arg ...]]

    The arguments are checked first, as Redis's parseLoadexArguments (its
    notices logged the same way); either way nothing loads."""
    rest = args[3:]
    i = 0
    while i < len(rest):
        word = rest[i].lower()
        if word == b"config":
            if i + 2 >= len(rest):
                c.server.log.notice("CONFIG specified without name value pair")
                raise CommandError(E.MODULE_LOAD_FAILED)
            i += 3
        elif word == b"args":
            break
        else:
            c.server.log.notice("Syntax Error from arguments to loadex around %s." % rest[i].decode("utf-8", "replace"))
            raise CommandError(E.MODULE_LOAD_FAILED)
    raise _load_failed(c, args[2])


@command("module|list", 2, "admin noscript", group="server", since="4.0.0", summary="List all modules loaded by the server", complexity="O(N) where N is the number of loaded modules.", tips="nondeterministic_output_order")
def module_list(c: Client, args: list[bytes]):
    """Format: MODULE LIST"""
    return []


@command("module|unload", 3, "no_async_loading admin noscript protected", group="server", since="4.0.0", summary="Unload a module", complexity="O(1)", arguments=({"name": "name", "type": "string"},))
def module_unload(c: Client, args: list[bytes]):
    """Format: MODULE UNLOAD name"""
    raise CommandError(E.MODULE_UNLOAD_NO_SUCH)
