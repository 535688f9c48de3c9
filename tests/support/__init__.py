"""What the tests share; test modules import from here (or use the
fixtures of tests/conftest.py), never from one another.

- ``servers``: server processes. ``start_radish`` / ``start_redis`` give a
  ``ServerProcess`` on a ``free_port`` in its own directory (``start_pair``
  one of each with the same arguments);
  ``radish_argv`` and ``subprocess_env`` (PYTHONPATH pointing at this
  checkout's ``src/``) for running ``python -m radish`` by hand;
  ``wait_port``, ``wait_until``.
- ``resp``: the one RESP reply parser (``reply_end``, ``parse`` into a
  ``(type, value)`` tree, ``decode`` into Python values with ``Err`` for
  errors, ``commands_of`` for a stream of commands) and the one raw client,
  ``Raw`` (exact reply bytes; ``raw_exchange`` for a byte stream on a fresh
  connection). ``cmd`` sends through redis-py without its reply callbacks.
- ``inprocess``: a radish ``Server`` driven without sockets: ``InProcess``
  (encoded reply bytes), ``Clocked`` (a fixed clock and the propagated
  stream captured), ``Types`` (decoded replies).
- ``scripts``: the command scripts the compat tests send to radish and to
  redis-server, compared reply by reply (``run_script``,
  ``dirty_count_diffs``, ``replication_stream``).
- ``fake_primary``: ``StallingPrimary``, a primary that goes silent during
  a replica's handshake or RDB transfer, then serves the next attempt.

Importing this package puts this checkout's ``src/`` first on
``sys.path``, so in-process tests import the radish being tested.
"""

from __future__ import annotations

import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))
