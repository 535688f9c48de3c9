"""radish: a Redis-compatible data server written in Python.

``radish.serve(port=0, **config)`` runs the server inside this process
(see ``radish.embed``); ``python -m radish`` / ``radish-server`` run it as
a program.

``NO_EXTENSIONS``: the environment variable ``RADISH_NO_EXTENSIONS`` (any
value but empty or ``0``) makes radish run on the pure-Python request
parser and batch loop even where the C extensions are built, as
aiohttp's ``AIOHTTP_NO_EXTENSIONS`` does.
"""

import os
import typing

if typing.TYPE_CHECKING:
    from . import embed

__version__ = "0.1.0"
REDIS_VERSION = "7.0.15"
NO_EXTENSIONS = os.environ.get("RADISH_NO_EXTENSIONS", "") not in ("", "0")


def serve(port: "int | None" = 0, **config: typing.Any) -> "embed.EmbeddedServer":
    """Start a radish server in this process; see ``radish.embed.serve``.
    (Imported on first call: importing radish stays cheap, and the package
    sits below every layer it would otherwise pull in.)"""
    from .embed import serve as _serve

    return _serve(port, **config)
