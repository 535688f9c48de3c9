"""radish: a Redis-compatible data server written in Python.

``NO_EXTENSIONS``: the environment variable ``RADISH_NO_EXTENSIONS`` (any
value but empty or ``0``) makes radish run on the pure-Python request
parser and batch loop even where the C extensions are built, as
aiohttp's ``AIOHTTP_NO_EXTENSIONS`` does.
"""

import os

__version__ = "0.1.0"
REDIS_VERSION = "7.0.15"
NO_EXTENSIONS = os.environ.get("RADISH_NO_EXTENSIONS", "") not in ("", "0")
