"""A forked child reports its progress (issue 20), radish beside a real
redis-server 7.0: during a BGSAVE, INFO persistence shows the keys the
child has written (current_save_keys_processed, current_fork_perc against
current_save_keys_total) and its copy-on-write size (current_cow_size,
current_cow_peak, current_cow_size_age), as the child sends them through
its pipe about once a second (Redis's childinfo.c); once it is done the
current_* fields are back to zero and rdb_last_cow_size (or
aof_last_cow_size after BGREWRITEAOF) holds its peak."""

from __future__ import annotations

import time

import pytest
from tests.support.resp import Raw
from tests.support.servers import start_radish, start_redis, wait_until

pytestmark = pytest.mark.timeout(120)

KEYS = 4000
CURRENT = [
    "current_cow_peak",
    "current_cow_size",
    "current_cow_size_age",
    "current_fork_perc",
    "current_save_keys_processed",
    "current_save_keys_total",
]


def _info(c: Raw) -> dict[str, str]:
    text = c([b"INFO", b"persistence"]).decode()
    return dict(line.split(":", 1) for line in text.split("\r\n")[1:] if ":" in line)


def _idle(info: dict[str, str]) -> bool:
    return all(info[k] in ("0", "0.00") for k in CURRENT)


def _bgsave_progress(kind: str) -> dict:
    start = start_radish if kind == "radish" else start_redis
    srv = start("--enable-debug-command", "yes", "--loglevel", "verbose")
    try:
        c = Raw(srv.port)
        assert c([b"DEBUG", b"POPULATE", str(KEYS).encode(), b"key", b"500"]) == b"+OK\r\n"
        before = _info(c)
        # About 3.5 s of saving: the child reports at key 1, then at the
        # first multiple of 1024 keys a second later, and so on.
        assert c([b"CONFIG", b"SET", b"rdb-key-save-delay", b"800"]) == b"+OK\r\n"
        assert c([b"BGSAVE"]) == b"+Background saving started\r\n"
        samples = []
        i = 0
        while True:
            info = _info(c)
            if info["rdb_bgsave_in_progress"] == "0":
                break
            samples.append(info)
            for _ in range(16):  # pages the child shared, now copied
                c([b"SETRANGE", b"key:%d" % i, b"0", b"B" * 500])
                i += 1
            time.sleep(0.2)
        after = _info(c)
        reported = [s for s in samples if int(s["current_save_keys_processed"]) > 1]
        assert reported, samples
        for s in samples:
            processed, total = int(s["current_save_keys_processed"]), int(s["current_save_keys_total"])
            assert total == KEYS
            assert s["current_fork_perc"] == "%.2f" % (processed * 100 / total)
            assert int(s["current_cow_peak"]) >= int(s["current_cow_size"])
            assert 0 <= int(s["current_cow_size_age"]) <= 3
        last_cow = max(int(s["current_cow_size"]) for s in samples)
        return {
            "idle_before": _idle(before),
            "total_at_start": samples[0]["current_save_keys_total"],
            "processed_below_total": all(int(s["current_save_keys_processed"]) < KEYS for s in samples),
            "perc_between": 0 < float(reported[-1]["current_fork_perc"]) < 100,
            "cow_reported": last_cow > 0,
            "idle_after": _idle(after),
            "last_cow_is_peak": int(after["rdb_last_cow_size"]) >= last_cow > 0,
            "status": after["rdb_last_bgsave_status"],
            "logged": "* Fork CoW for RDB: current" in srv.log(),
        }
    finally:
        srv.stop()


def test_bgsave_child_reports_keys_and_copy_on_write():
    ours = _bgsave_progress("radish")
    theirs = _bgsave_progress("redis")
    assert ours == theirs
    assert all(v for k, v in ours.items() if k not in ("total_at_start", "status"))
    assert ours["total_at_start"] == str(KEYS)


def _rewrite_cow(kind: str) -> tuple:
    start = start_radish if kind == "radish" else start_redis
    srv = start("--enable-debug-command", "yes", "--rdb-key-save-delay", "200")
    try:
        c = Raw(srv.port)
        assert c([b"DEBUG", b"POPULATE", str(KEYS).encode(), b"key", b"500"]) == b"+OK\r\n"
        assert c([b"BGREWRITEAOF"]).startswith(b"+Background append only file rewriting")
        during = _info(c)
        for i in range(64):
            c([b"SETRANGE", b"key:%d" % i, b"0", b"B" * 500])
        wait_until(lambda: _info(c)["aof_rewrite_in_progress"] == "0", timeout=60)
        after = _info(c)
        return (
            during["current_save_keys_total"],
            int(after["aof_last_cow_size"]) > 0,
            after["rdb_last_cow_size"],
            _idle(after),
            "Fork CoW for AOF rewrite: current" in srv.log(),
        )
    finally:
        srv.stop()


def test_aof_rewrite_child_reports_copy_on_write():
    ours = _rewrite_cow("radish")
    theirs = _rewrite_cow("redis")
    assert ours == theirs == (str(KEYS), True, "0", True, True)
