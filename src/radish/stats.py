"""The server's counters reported by INFO stats / errorstats and reset by
CONFIG RESETSTAT (Redis's server.stat_* fields).

Imports nothing of radish.
"""

from __future__ import annotations


class Stats:
    """Counters reported by INFO stats / errorstats; reset by CONFIG RESETSTAT."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.numcommands = 0
        self.numconnections = 0
        self.rejected_conn = 0
        self.net_input_bytes = 0
        self.net_output_bytes = 0
        self.total_error_replies = 0
        self.errors: dict[str, int] = {}
        self.total_reads = 0
        self.total_writes = 0
        self.evicted_keys = 0
        self.evicted_clients = 0
        self.sync_full = 0
        self.sync_partial_ok = 0
        self.sync_partial_err = 0
        self.unexpected_error_replies = 0
        self.total_forks = 0  # every fork (persistence.child.fork_child)
        self.latest_fork_usec = 0
        # Redis's trackInstantaneousMetric: a reading every 100 ms, the
        # rate averaged over the last 16 intervals.
        self._last_sample: tuple[float, int, int, int] | None = None
        self._rates: dict[str, list[float]] = {"ops": [], "in": [], "out": []}

    def sample(self, now: float) -> None:
        last = self._last_sample
        if last is not None and now - last[0] < 0.1:
            return
        cur = (now, self.numcommands, self.net_input_bytes, self.net_output_bytes)
        self._last_sample = cur
        if last is None or now <= last[0]:
            return
        dt = now - last[0]
        for name, i in (("ops", 1), ("in", 2), ("out", 3)):
            series = self._rates[name]
            series.append(max(0, cur[i] - last[i]) / dt)
            if len(series) > 16:
                del series[0]

    def instantaneous(self, name: str) -> float:
        series = self._rates[name]
        return sum(series) / len(series) if series else 0.0

    def count_error(self, message: str) -> None:
        self.total_error_replies += 1
        code = message.split(" ", 1)[0]
        if len(self.errors) < 128 or code in self.errors:
            self.errors[code] = self.errors.get(code, 0) + 1
