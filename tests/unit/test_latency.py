"""The slow log's argument trimming, the latency series, the sparkline, and
the latency-tracking histograms: radish.latency's HDR walk gives the values
Redis's own hdr_histogram gives for the same durations (the expected values
below were printed by Redis 7.0.15's deps/hdr_histogram, built with the same
settings as server.c: 1 ns .. 1 s, 2 significant figures)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from radish.latency import (
    LatencySeries,
    hdr_index,
    hdr_log_buckets,
    hdr_percentile,
    slowlog_argv,
    sparkline,
)


def _hist(durations: list[int]) -> dict[int, int]:
    h: dict[int, int] = {}
    for us in durations:
        i = hdr_index(us)
        h[i] = h.get(i, 0) + 1
    return h


REDIS_HDR = [
    ([0], (0.001, 0.001, 0.001), [(1, 1)]),
    ([1, 1, 1, 2, 3, 10, 100, 1000], (2.007, 1003.519, 1003.519), [(1, 3), (2, 4), (4, 5), (16, 6), (132, 7), (1056, 8)]),
    ([5] * 9 + [900000], (5.023, 901775.359, 901775.359), [(8, 9), (1073741, 10)]),
    ([123, 4567, 89012, 345678, 2000000], (89128.959, 1002438.655, 1002438.655),
     [(132, 1), (8454, 2), (135266, 3), (541065, 4), (1073741, 5)]),
    (list(range(1, 301)), (150.527, 299.007, 301.055),
     [(1, 1), (2, 2), (4, 4), (8, 8), (16, 16), (33, 33), (66, 66), (132, 132), (264, 264), (528, 300)]),
]  # fmt: skip


@pytest.mark.parametrize("durations,percentiles,buckets", REDIS_HDR)
def test_histograms_give_redis_hdr_values(durations, percentiles, buckets):
    h = _hist(durations)
    got = tuple(round(hdr_percentile(h, p) / 1000.0, 3) for p in (50.0, 99.0, 99.9))
    assert got == percentiles
    assert hdr_log_buckets(h) == buckets


@given(st.lists(st.integers(0, 3_000_000), min_size=1, max_size=200))
def test_histogram_invariants(durations):
    h = _hist(durations)
    buckets = hdr_log_buckets(h)
    assert buckets[-1][1] == len(durations)  # every call lands in a bucket
    counts = [c for _, c in buckets]
    assert counts == sorted(counts) and len(set(counts)) == len(counts)
    p50, p99 = hdr_percentile(h, 50.0), hdr_percentile(h, 99.0)
    assert p50 <= p99
    # Two significant figures: the value reported is within 1% above the true one.
    top = min(max(durations) * 1000, 1_000_000_000) or 1
    assert top <= hdr_percentile(h, 100.0) <= top * 1.01 + 1


def test_slowlog_trims_arguments_as_redis():
    assert slowlog_argv([b"a"] * 40)[-1] == b"... (9 more arguments)"
    assert len(slowlog_argv([b"a"] * 40)) == 32
    assert slowlog_argv([b"a"] * 32) == [b"a"] * 32
    assert slowlog_argv([b"x" * 130]) == [b"x" * 128 + b"... (2 more bytes)"]


def test_latency_series_keeps_the_worst_sample_of_each_second():
    s = LatencySeries()
    s.add(10, 100)
    s.add(30, 100)
    s.add(20, 100)
    s.add(5, 101)
    assert s.samples() == [(100, 30), (101, 5)]
    assert s.max == 30
    for t in range(200, 400):
        s.add(1, t)
    assert len(s.samples()) == 160 and s.samples()[0] == (240, 1)


def test_sparkline_draws_as_redis():
    # LATENCY GRAPH of samples 10, 20, 40 ms taken 3, 2 and 1 seconds ago
    # (steps 0, 4 and 11 of 12, worked out by hand from sparkline.c).
    out = sparkline([(10.0, b"3s"), (20.0, b"2s"), (40.0, b"1s")], 80, 4)
    assert out == b"  #\n  |\n o|\n_||\n   \n321\nsss\n"
