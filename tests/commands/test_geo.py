"""Geo commands in-process: geohash scores, positions decoded to the cell
centre, distances and units, GEOHASH strings, radius and box searches with
their options and errors, STORE / STOREDIST results, propagation and the
geohash / pqsort helpers. Byte-for-byte parity with redis-server:
tests/compat/test_geo_compat.py."""

from __future__ import annotations

import random

import pytest
from tests.support.inprocess import WRONGTYPE, Types
from tests.support.resp import Err

from radish.commands import geo


@pytest.fixture
def t():
    t = Types()
    t("GEOADD", "Sicily", 13.361389, 38.115556, "Palermo", 15.087269, 37.502669, "Catania")
    t.propagated()
    return t


def test_geoadd_stores_geohash_scores_in_a_zset(t):
    assert t("TYPE", "Sicily") == "zset"
    assert t("ZRANGE", "Sicily", 0, -1, "WITHSCORES") == [b"Palermo", b"3479099956230698", b"Catania", b"3479447370796909"]
    assert t("GEOADD", "Sicily", 13.361389, 38.115556, "Palermo") == 0
    assert t("GEOADD", "Sicily", "CH", 13.5, 38.1, "Palermo", 1, 1, "x") == 2
    assert t("GEOADD", "Sicily", "XX", 1, 1, "y") == 0
    assert t("GEOADD", "Sicily", "NX", "CH", 2, 2, "x", 3, 3, "z") == 1
    assert t("ZSCORE", "Sicily", "y") is None
    assert t("GEOADD", "Sicily", "NX", "XX", 1, 1, "a") == Err("ERR syntax error")
    assert t("GEOADD", "Sicily", 1, 1, "a", 2) == Err("ERR syntax error")
    assert t("GEOADD", "Sicily", 1, 2) == Err("ERR wrong number of arguments for 'geoadd' command")
    assert t("GEOADD", "Sicily", 181, 0, "a") == Err("ERR invalid longitude,latitude pair 181.000000,0.000000")
    assert t("GEOADD", "Sicily", 0, -85.06, "a") == Err("ERR invalid longitude,latitude pair 0.000000,-85.060000")
    assert t("GEOADD", "Sicily", "abc", 0, "a") == Err("ERR value is not a valid float")
    t("SET", "s", "x")
    assert t("GEOADD", "s", 1, 1, "a") == Err(WRONGTYPE)


def test_geoadd_propagates_as_zadd(t):
    t("GEOADD", "g", "ch", 13.361389, 38.115556, "Palermo")
    t("GEOADD", "g", "NX", 13, 38, "Palermo")  # no change: nothing sent
    t("GEORADIUS", "g", 15, 37, 200, "km", "STORE", "d")
    t("GEORADIUS", "g", 0, 0, 1, "km", "STORE", "none")  # nothing stored, nothing deleted
    t("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", 0, 0, "BYRADIUS", 1, "km")  # deletes d
    assert t.propagated() == [
        [b"zadd", b"g", b"ch", b"3479099956230698", b"Palermo"],
        [b"GEORADIUS", b"g", b"15", b"37", b"200", b"km", b"STORE", b"d"],
        [b"GEOSEARCHSTORE", b"d", b"g", b"FROMLONLAT", b"0", b"0", b"BYRADIUS", b"1", b"km"],
    ]


def test_geopos_geodist_geohash(t):
    assert t("GEOPOS", "Sicily", "Palermo", "nosuch") == [[b"13.36138933897018433", b"38.11555639549629859"], None]
    assert t.raw("GEOPOS", "Sicily", "nosuch") == b"*1\r\n*-1\r\n"
    assert t.resp3("GEOPOS", "Sicily", "Palermo", "nosuch") == (
        b"*2\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n_\r\n"
    )
    assert t("GEOPOS", "nokey", "a") == [None]
    assert t("GEOPOS", "Sicily") == []
    assert t("GEODIST", "Sicily", "Palermo", "Catania") == b"166274.1516"
    assert t("GEODIST", "Sicily", "Palermo", "Catania", "KM") == b"166.2742"
    assert t("GEODIST", "Sicily", "Palermo", "Catania", "mi") == b"103.3182"
    assert t("GEODIST", "Sicily", "Palermo", "Catania", "ft") == b"545518.8700"
    assert t.resp3("GEODIST", "Sicily", "Palermo", "Catania", "km") == b"$8\r\n166.2742\r\n"
    # Halfway cases round as Redis's llrint(d * 10000), not as printf's %.4f.
    t("GEOADD", "h", 2.0315828919410706, 48.01209634280771, "a", -76.9017031788826, -37.68510497877504, "b")
    assert t("GEODIST", "h", "a", "b", "ft") == b"40380294.1174"
    assert t("GEODIST", "h", "a", "a") == b"0.0000"
    assert t("GEODIST", "Sicily", "Palermo", "nosuch") is None
    assert t("GEODIST", "nokey", "a", "b") is None
    assert t("GEODIST", "Sicily", "Palermo", "Catania", "yd") == Err("ERR unsupported unit provided. please use M, KM, FT, MI")
    assert t("GEODIST", "Sicily", "Palermo", "Catania", "km", "x") == Err("ERR syntax error")
    assert t("GEOHASH", "Sicily", "Palermo", "Catania", "nosuch") == [b"sqc8b49rny0", b"sqdtr74hyu0", None]
    assert t("GEOHASH", "nokey", "a") == [None]
    t("SET", "s", "x")
    for c in ("GEOPOS", "GEOHASH"):
        assert t(c, "s", "a") == Err(WRONGTYPE)
    assert t("GEODIST", "s", "a", "b") == Err(WRONGTYPE)


def test_searches_by_radius_and_box(t):
    assert t("GEORADIUS", "Sicily", 15, 37, 200, "km", "WITHDIST", "ASC") == [[b"Catania", b"56.4413"], [b"Palermo", b"190.4424"]]
    assert t("GEORADIUS", "Sicily", 15, 37, 200, "km", "DESC", "COUNT", 1) == [b"Palermo"]
    assert t("GEORADIUS", "Sicily", 15, 37, 200, "km", "WITHHASH", "WITHCOORD", "COUNT", 1) == [
        [b"Catania", 3479447370796909, [b"15.08726745843887329", b"37.50266842333162032"]]
    ]
    assert t("GEORADIUSBYMEMBER", "Sicily", "Palermo", 100, "km") == [b"Palermo"]
    assert t("GEORADIUS_RO", "Sicily", 15, 37, 100, "km") == [b"Catania"]
    assert t("GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", 200, "km", "ASC") == [b"Palermo", b"Catania"]
    assert t("GEOSEARCH", "Sicily", "FROMLONLAT", 15, 37, "BYBOX", 400, 400, "km", "ASC", "WITHDIST") == [
        [b"Catania", b"56.4413"], [b"Palermo", b"190.4424"]
    ]
    assert t("GEOSEARCH", "Sicily", "FROMLONLAT", 15, 37, "BYBOX", 400, 100, "km") == []
    assert t("GEOSEARCH", "Sicily", "FROMLONLAT", 15, 37, "BYBOX", 100, 400, "km") == [b"Catania"]
    assert t("GEOSEARCH", "nokey", "FROMMEMBER", "a", "BYRADIUS", 1, "km") == []
    assert t.resp3("GEOSEARCH", "Sicily", "FROMLONLAT", 15, 37, "BYRADIUS", 100, "km", "WITHCOORD", "WITHDIST") == (
        b"*1\r\n*3\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n*2\r\n,15.08726745843887329\r\n,37.50266842333162032\r\n"
    )


def test_search_errors(t):
    e = {
        ("GEORADIUS", "Sicily", 15, 37, 200, "yd"): "ERR unsupported unit provided. please use M, KM, FT, MI",
        ("GEORADIUS", "Sicily", 15, 37, -1, "km"): "ERR radius cannot be negative",
        ("GEORADIUS", "Sicily", 15, 37, "x", "km"): "ERR need numeric radius",
        ("GEORADIUS", "Sicily", 15, 37, 1, "km", "COUNT", 0): "ERR COUNT must be > 0",
        ("GEORADIUS", "Sicily", 15, 37, 1, "km", "ANY"): "ERR the ANY argument requires COUNT argument",
        ("GEORADIUS", "Sicily", 15, 37, 1, "km", "STORE", "d", "WITHDIST"): "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options",
        ("GEORADIUS_RO", "Sicily", 15, 37, 1, "km", "STORE", "d"): "ERR syntax error",
        ("GEORADIUSBYMEMBER", "Sicily", "nosuch", 1, "km"): "ERR could not decode requested zset member",
        ("GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", 1, "km", "STORE", "d"): "ERR syntax error",
        ("GEOSEARCH", "Sicily", "BYRADIUS", 1, "km", "ASC", "WITHDIST"): "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH",
        ("geosearch", "Sicily", "FROMMEMBER", "Palermo", "ASC", "WITHDIST", "WITHHASH"): "ERR exactly one of BYRADIUS and BYBOX can be specified for geosearch",
        ("GEOSEARCH", "Sicily", "FROMLONLAT", 1, 1, "FROMMEMBER", "Palermo", "BYRADIUS", 1, "km"): "ERR syntax error",
        ("GEOSEARCH", "Sicily", "FROMLONLAT", 1, 1, "BYBOX", -1, 1, "km"): "ERR height or width cannot be negative",
        ("GEOSEARCH", "Sicily", "FROMLONLAT", 1, 1, "BYBOX", 1, "h", "km"): "ERR need numeric height",
        ("GEOSEARCH", "Sicily", "FROMLONLAT", 200, 1, "BYBOX", 1, 1, "km"): "ERR invalid longitude,latitude pair 200.000000,1.000000",
        ("GEOSEARCHSTORE", "d", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", 1, "km", "WITHHASH"): "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options",
    }
    for args, msg in e.items():
        assert t(*args) == Err(msg), args


def test_store_and_storedist(t):
    assert t("GEORADIUS", "Sicily", 15, 37, 200, "km", "STORE", "d") == 2
    assert t("ZRANGE", "d", 0, -1, "WITHSCORES") == [b"Palermo", b"3479099956230698", b"Catania", b"3479447370796909"]
    assert t("GEORADIUS", "Sicily", 15, 37, 200, "km", "STOREDIST", "d", "ASC", "COUNT", 1) == 1
    assert t("ZRANGE", "d", 0, -1, "WITHSCORES") == [b"Catania", b"56.441257870158204"]
    assert t("GEOSEARCHSTORE", "d", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", 200, "km", "STOREDIST") == 2
    assert t("ZRANGE", "d", 0, -1, "WITHSCORES") == [b"Palermo", b"0", b"Catania", b"166.27415156960032"]
    assert t("GEOSEARCHSTORE", "d", "Sicily", "FROMLONLAT", 0, 0, "BYRADIUS", 1, "km") == 0
    assert t("EXISTS", "d") == 0
    t("SET", "d", "x")
    assert t("GEOSEARCHSTORE", "d", "nokey", "FROMLONLAT", 0, 0, "BYRADIUS", 1, "km") == 0
    assert t("EXISTS", "d") == 0
    assert t("GEORADIUSBYMEMBER", "nokey", "a", 1, "km") == []
    assert t("GEORADIUSBYMEMBER", "nokey", "a", 1, "km", "STORE", "d") == 0
    assert t("COMMAND", "GETKEYS", "GEORADIUS", "g", 0, 0, 1, "km", "STOREDIST", "a", "STORE", "b") == [b"g", b"b", b"a"]


def test_geohash_helpers_round_trip():
    rnd = random.Random(7)
    for _ in range(2000):
        lon, lat = rnd.uniform(-180, 180), rnd.uniform(-85.05112878, 85.05112878)
        bits = geo.geohash_encode(lon, lat, 26)
        sep = geo._deinterleave64(bits)
        assert geo._interleave64(sep & 0xFFFFFFFF, sep >> 32) == bits
        x, y = geo.decode_score(float(bits))
        assert abs(x - lon) < 1e-5 and abs(y - lat) < 1e-5
        assert geo.geohash_encode(x, y, 26) == bits  # the centre is in its own cell


def test_pqsort_sorts_the_requested_range():
    rnd = random.Random(3)
    for _ in range(300):
        n = rnd.randint(1, 120)
        v = [[rnd.randrange(10), i] for i in range(n)]
        lo = rnd.randrange(n)
        hi = rnd.randrange(lo, n)
        w = [x[:] for x in v]
        geo.pqsort(w, geo._cmp_asc, lo, hi)
        assert sorted(x[0] for x in w) == sorted(x[0] for x in v)
        assert [x[0] for x in w[lo : hi + 1]] == sorted(x[0] for x in v)[lo : hi + 1]
