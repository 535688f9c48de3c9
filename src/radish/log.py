"""Redis-style log lines: ``PID:ROLE dd Mon yyyy hh:mm:ss.mmm LEVEL message``.

ROLE is M (master), S (replica), C (child process); LEVEL is ``.`` debug,
``-`` verbose, ``*`` notice, ``#`` warning. Output goes to ``logfile`` or
stdout when it is empty. Imports nothing from radish.
"""

from __future__ import annotations

import os
import sys
import time

LEVELS = {"debug": 0, "verbose": 1, "notice": 2, "warning": 3, "nothing": 4}
MARKS = ".-*#"


class Logger:
    def __init__(self, config=None) -> None:
        self.config = config
        self.role = "M"
        self._file = None
        self._path = None

    def _level(self) -> int:
        if self.config is None:
            return 2
        return LEVELS.get(str(getattr(self.config, "loglevel", "notice")).lower(), 2)

    def _out(self):
        path = getattr(self.config, "logfile", "") if self.config is not None else ""
        if not path:
            return sys.stdout
        if self._file is None or self._path != path:
            self._file = open(path, "a", buffering=1)
            self._path = path
        return self._file

    def close(self) -> None:
        """Close the log file (reopened by the next line, if any)."""
        if self._file is not None:
            self._file.close()
            self._file = None
            self._path = None

    def log(self, level: int, msg: str, role: str | None = None) -> None:
        if level < self._level():
            return
        now = time.time()
        stamp = time.strftime("%d %b %Y %H:%M:%S", time.localtime(now))
        line = "%d:%s %s.%03d %s %s\n" % (
            os.getpid(), role or self.role, stamp, int(now * 1000) % 1000, MARKS[level], msg,
        )
        try:
            out = self._out()
            out.write(line)
            out.flush()
        except OSError:
            pass

    def debug(self, msg: str) -> None:
        self.log(0, msg)

    def verbose(self, msg: str) -> None:
        self.log(1, msg)

    def notice(self, msg: str) -> None:
        self.log(2, msg)

    def warning(self, msg: str) -> None:
        self.log(3, msg)
