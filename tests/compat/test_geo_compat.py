"""Geo commands against a real redis-server: the same command sequences go
to both servers over raw sockets and every reply must be byte-for-byte
equal (positions, distances, hashes, ordering, errors), in RESP2 and RESP3.
Seeded random streams of GEOADD and searches (random centres, radii, boxes,
units and options) are compared reply by reply, and what a replica
receives is compared with what redis-server sends.

Script syntax: tests/support/scripts.py.
"""

from __future__ import annotations

import random

import pytest
from tests.support.resp import Raw, parse
from tests.support.scripts import connect, dirty_count_diffs, replication_stream, run_script

SCRIPTS: dict[str, str] = {}

SCRIPTS["add_pos_dist_hash"] = r"""
geoadd g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
geoadd g 13.361389 38.115556 Palermo
geoadd g ch 13.361389 38.115556 Palermo 13.5 38.1 Palermo2
geoadd g ch xx 13 38 Palermo 1 1 nosuch
geoadd g nx 14 38 Palermo 2 2 new
geoadd g nx ch 14 38 Palermo 2 3 new2
geoadd g nx xx 1 1 a
geoadd g 1 2
geoadd g ch 1 2
geoadd g nx ch ch
geoadd g gt 1 2 a
geoadd g 181 0 a
geoadd g -181 0 a
geoadd g 0 85.06 a
geoadd g 0 -85.06 a
geoadd g 180 85.05112878 edge1 -180 -85.05112878 edge2
geoadd g abc 0 a
geoadd g 0 abc a
geoadd g " 1" 0 a
geoadd g 1e400 0 a
geoadd g nan 0 a
geoadd g 1 1 x 200 1 y
exists x
zrange g 0 -1 withscores
type g
object encoding g
geopos g Palermo Catania nosuch edge1 edge2 new
geopos g
geopos nokey a b
geodist g Palermo Catania
geodist g Palermo Catania m
geodist g Palermo Catania KM
geodist g Palermo Catania ft
geodist g Palermo Catania Mi
geodist g Palermo Catania yd
geodist g Palermo Catania km extra
geodist g Palermo nosuch
geodist g Palermo Palermo
geodist nokey a b
geodist nokey a b yd
geohash g Palermo Catania nosuch edge1 edge2 new
geohash g
geohash nokey a
zadd g 0 zero -1 neg 1.5 frac 9007199254740992 huge inf pinf -inf ninf
geopos g zero neg frac huge pinf ninf
geohash g zero neg frac huge pinf ninf
geodist g zero frac
set str x
geoadd str 1 1 a
geoadd str 1000 1 a
geopos str a
geodist str a b
geohash str a
geosearch str fromlonlat 0 0 byradius 1 km
georadius str 0 0 1 km
georadiusbymember str a 1 km
"""
SCRIPTS["add_pos_dist_hash_resp3"] = SCRIPTS["add_pos_dist_hash"]

SCRIPTS["searches"] = r"""
geoadd Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 12.758489 38.788135 edge1 17.241510 38.788135 edge2 14.5 37.0 Ragusa 13.0 37.5 Sciacca
georadius Sicily 15 37 200 km
georadius Sicily 15 37 200 km asc
georadius Sicily 15 37 200 km desc
georadius Sicily 15 37 200 km withdist withcoord withhash
georadius Sicily 15 37 200 km WITHDIST asc count 2
georadius Sicily 15 37 200 km withdist desc count 2
georadius Sicily 15 37 200 km count 2 any
georadius Sicily 15 37 200 km count 2 any asc withdist
georadius Sicily 15 37 200 km any
georadius Sicily 15 37 200 km count 0
georadius Sicily 15 37 200 km count -1
georadius Sicily 15 37 200 km count abc
georadius Sicily 15 37 200 km count
georadius Sicily 15 37 200 yd
georadius Sicily 15 37 -1 km
georadius Sicily 15 37 abc km
georadius Sicily 15 37 0 km
georadius Sicily 200 37 10 km
georadius Sicily 15 37 200 km bogus
georadius Sicily 15 37 200 km frommember Palermo
georadius Sicily 15 37 200000 m withdist
georadius Sicily 15 37 600000 ft withdist
georadius Sicily 15 37 100 mi withdist
georadius Sicily 15 37 20000 km asc
georadius Sicily -170 -80 20000 km asc count 3
georadius Sicily 15 37 200 km store
georadiusbymember Sicily Palermo 100 km
georadiusbymember Sicily Palermo 100 km withdist withcoord asc
georadiusbymember Sicily Palermo 0 km withdist
georadiusbymember Sicily nosuch 100 km
georadiusbymember nokey nosuch 100 km
georadiusbymember nokey nosuch 100 km store dst
georadiusbymember Sicily Palermo 100 yd
georadius_ro Sicily 15 37 200 km withdist asc
georadius_ro Sicily 15 37 200 km store dst
georadiusbymember_ro Sicily Palermo 100 km desc
georadiusbymember_ro Sicily Palermo 100 km storedist dst
geosearch Sicily frommember Palermo byradius 200 km
geosearch Sicily frommember Palermo byradius 200 km asc withdist withhash withcoord
geosearch Sicily fromlonlat 15 37 byradius 200 km desc
geosearch Sicily fromlonlat 15 37 bybox 400 400 km asc withdist
geosearch Sicily fromlonlat 15 37 bybox 400 100 km asc withcoord
geosearch Sicily fromlonlat 15 37 bybox 100 400 KM asc
geosearch Sicily fromlonlat 15 37 bybox 0 0 km
geosearch Sicily fromlonlat 15 37 bybox -1 1 km
geosearch Sicily fromlonlat 15 37 bybox 1 -1 km
geosearch Sicily fromlonlat 15 37 bybox abc 1 km
geosearch Sicily fromlonlat 15 37 bybox 1 abc km
geosearch Sicily fromlonlat 15 37 bybox 1 1 yd
geosearch Sicily fromlonlat 15 37 bybox 1 1
geosearch Sicily frommember Palermo bybox 200 200 km count 2
geosearch Sicily frommember Palermo bybox 200 200 km count 2 any
geosearch Sicily frommember Palermo byradius 200 km any
geosearch Sicily frommember nosuch byradius 200 km
geosearch Sicily frommember Palermo fromlonlat 1 1 byradius 200 km
geosearch Sicily fromlonlat 1 1 frommember Palermo byradius 200 km
geosearch Sicily frommember Palermo byradius 200 km bybox 1 1 km
geosearch Sicily frommember Palermo bybox 1 1 km byradius 200 km
geosearch Sicily byradius 200 km asc
geosearch Sicily frommember Palermo asc desc
geosearch Sicily fromlonlat 15 37 byradius 200 km store dst
geosearch Sicily fromlonlat 15 37 byradius 200 km storedist
geosearch Sicily fromlonlat 200 37 byradius 200 km
geosearch nokey frommember a byradius 1 km
geosearch nokey frommember a bybox 1 1 km withdist
geosearch nokey frommember a asc
geosearch nokey fromlonlat 0 0 byradius 1 km count 1 any
geosearch nokey fromlonlat 0 0 byradius 1 km any
geosearch Sicily FROMLONLAT 15 37 BYRADIUS 200 KM ASC COUNT 3 WITHDIST
"""
SCRIPTS["searches_resp3"] = SCRIPTS["searches"]

SCRIPTS["stores"] = r"""
geoadd Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 14.5 37.0 Ragusa
georadius Sicily 15 37 200 km store dst
zrange dst 0 -1 withscores
georadius Sicily 15 37 200 km storedist dst
zrange dst 0 -1 withscores
georadius Sicily 15 37 200 km store a storedist b
exists a
zrange b 0 -1 withscores
georadius Sicily 15 37 200 km storedist a store b
zrange b 0 -1 withscores
georadius Sicily 15 37 200 km asc count 1 store dst
zrange dst 0 -1 withscores
georadius Sicily 15 37 200 km store dst withdist
georadius Sicily 15 37 200 km store dst withcoord
georadius Sicily 0 0 1 km store dst
exists dst
georadius Sicily 0 0 1 km store dst
georadiusbymember Sicily Palermo 300 km storedist dst desc
zrange dst 0 -1 withscores
object encoding dst
geosearchstore dst Sicily frommember Palermo byradius 200 km
zrange dst 0 -1 withscores
geosearchstore dst Sicily frommember Palermo byradius 200 km storedist
zrange dst 0 -1 withscores
geosearchstore dst Sicily fromlonlat 15 37 bybox 300 300 km desc count 2 storedist
zrange dst 0 -1 withscores
geosearchstore dst Sicily frommember Palermo byradius 200 km withdist
geosearchstore dst Sicily frommember Palermo byradius 200 km withhash
geosearchstore dst Sicily frommember Palermo byradius 200 km store x
geosearchstore dst Sicily frommember nosuch byradius 200 km
geosearchstore dst Sicily fromlonlat 0 0 byradius 1 km
exists dst
geosearchstore dst nokey fromlonlat 0 0 byradius 1 km
geosearchstore Sicily Sicily frommember Palermo byradius 50 km storedist
zrange Sicily 0 -1 withscores
set str x
geosearchstore dst str fromlonlat 0 0 byradius 1 km
geosearchstore str Sicily fromlonlat 0 0 byradius 10000 km
type str
command getkeys georadius g 0 0 1 km store a
command getkeys georadius g 0 0 1 km store a storedist b
command getkeys georadius g 0 0 1 km withdist
command getkeys georadius g 0 0 1 km storedist a store b
command getkeys georadius g 0 0 1 km store a store b
command getkeys georadius g 0 0 1 km store
command getkeys georadius g 0 0 store km x
command getkeys georadius g 0 0 1 store store x
command getkeys georadiusbymember g store 1 km store x
command getkeys georadiusbymember g m 1 km storedist a
command getkeys geosearchstore d s fromlonlat 0 0 byradius 1 km
"""
SCRIPTS["stores_resp3"] = SCRIPTS["stores"]

SCRIPTS["edges_resp3"] = r"""
geoadd e 179.99 0 a -179.99 0 b 180 0 c -180 0 d 0 85.05112878 n 0 -85.05112878 s 179.9 85 ne -179.9 -85 sw 0 0 o
georadius e 180 0 50 km withdist asc
georadius e -180 0 50 km withdist asc
geosearch e fromlonlat 180 0 bybox 100 100 km withdist asc
geosearch e fromlonlat 0 85.05112878 byradius 3000 km withcoord asc
geosearch e fromlonlat 0 -85.05112878 bybox 40000 600 km withdist asc
geosearch e fromlonlat 179.9 85 byradius 500 km withdist asc
geosearch e fromlonlat 0 0 byradius 0 m withdist
geosearch e fromlonlat 0 0 bybox 0 0 m withdist
geosearch e fromlonlat 0 0 byradius 1e9 km asc count 4
geosearch e fromlonlat 0 0 bybox 1e9 1e9 km desc
georadius e 90 45 20000 km asc withdist
geopos e a b c d n s ne sw o
geohash e a b c d n s ne sw o
geodist e c d
geodist e n s km
geoadd h 2.0315828919410706 48.01209634280771 a -76.9017031788826 -37.68510497877504 b
geodist h a b ft
geosearch h frommember a byradius 1e9 ft withdist asc
"""
SCRIPTS["edges"] = SCRIPTS["edges_resp3"]


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_script_matches_redis(name, port_pair):
    resp3 = name.endswith("resp3")
    ours, theirs = connect(port_pair[0], resp3), connect(port_pair[1], resp3)
    diffs = run_script(ours, theirs, SCRIPTS[name])
    assert diffs == [], "\n".join("%s\n  radish: %r\n  redis:  %r" % d for d in diffs)


def _point(rnd: random.Random) -> tuple[float, float]:
    if rnd.random() < 0.2:  # near the poles and the antimeridian
        return rnd.uniform(170, 180) * rnd.choice((1, -1)), rnd.uniform(60, 85.05) * rnd.choice((1, -1))
    return rnd.uniform(-180, 180), rnd.uniform(-85.05, 85.05)


def _random_search(rnd: random.Random, members: list[str]) -> list[str]:
    unit, scale = rnd.choice((("m", 1), ("km", 1000), ("ft", 0.3048), ("mi", 1609.34)))
    meters = 10 ** rnd.uniform(2, 7.3)
    size = "%.6g" % (meters / scale)
    lon, lat = _point(rnd)
    centre = "%.6f %.6f" % (lon, lat)
    opts = rnd.sample(["withdist", "withcoord", "withhash", "asc", "desc", "count"], rnd.randint(0, 4))
    if "count" in opts:
        opts[opts.index("count")] = "count %d" % rnd.randint(1, 8) + (" any" if rnd.random() < 0.3 else "")
    if "asc" not in opts and "desc" not in opts and rnd.random() < 0.6:
        opts.append("asc")  # unsorted replies follow the cell scan order: compared as they come
    kind = rnd.randrange(4)
    if kind == 0:
        return ["georadius g", centre, size, unit, *opts]
    if kind == 1:
        return ["georadiusbymember g", rnd.choice(members), size, unit, *opts]
    frm = "frommember " + rnd.choice(members) if rnd.random() < 0.3 else "fromlonlat " + centre
    if kind == 2:
        shape = "byradius %s %s" % (size, unit)
    else:
        shape = "bybox %s %.6g %s" % (size, meters / scale * rnd.uniform(0.2, 3), unit)
    if rnd.random() < 0.3:
        opts = [o for o in opts if not o.startswith("with")] + (["storedist"] if rnd.random() < 0.5 else [])
        return ["geosearchstore dst g", frm, shape, *opts, "\nzrange dst 0 -1 withscores"]
    return ["geosearch g", frm, shape, *opts]


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_random_geo_streams_match_redis(seed, port_pair):
    """Random points (many of them near the poles and the antimeridian) and
    random searches: same members, order, distances, hashes and positions."""
    rnd = random.Random(seed)
    resp3 = seed % 2 == 0
    ours, theirs = connect(port_pair[0], resp3), connect(port_pair[1], resp3)
    members = ["m%d" % i for i in range(300)]
    lines = []
    for i in range(0, 300, 50):
        lines.append("geoadd g " + " ".join("%.6f %.6f %s" % (*_point(rnd), m) for m in members[i : i + 50]))
    # A dense cluster: many points in a few km.
    lines.append("geoadd g " + " ".join("%.6f %.6f c%d" % (2 + rnd.random() * 0.05, 48 + rnd.random() * 0.05, i) for i in range(100)))
    members += ["c%d" % i for i in range(100)]
    for _ in range(250):
        lines.append(" ".join(_random_search(rnd, members)))
        if rnd.random() < 0.1:
            lines.append("geoadd g ch %.6f %.6f %s" % (*_point(rnd), rnd.choice(members)))
    lines += ["geopos g " + " ".join(members[:40]), "geohash g " + " ".join(members[:40])]
    lines += ["geodist g %s %s %s" % (rnd.choice(members), rnd.choice(members), rnd.choice("m km ft mi".split())) for _ in range(40)]
    diffs = run_script(ours, theirs, "\n".join(lines))
    assert diffs == [], "\n".join("%s\n  radish: %r\n  redis:  %r" % d for d in diffs[:5])


@pytest.mark.parametrize("seed", [1, 2])
def test_equal_distances_order_as_redis(seed, port_pair):
    """Many members on the same few points: a full sort keeps scan order
    (glibc's merge sort), COUNT below the total uses Redis's partial
    quicksort, and both orders of the ties match redis-server's."""
    rnd = random.Random(seed)
    ours, theirs = connect(port_pair[0], False), connect(port_pair[1], False)
    lines = []
    for k, n in enumerate((10, 45, 200)):
        lines.append("geoadd t%d " % k + " ".join("0.%d 0.%d m%03d" % (rnd.randrange(4), rnd.randrange(4), i) for i in range(n)))
        for _ in range(40):
            order = rnd.choice(["asc", "desc", ""])
            lines.append("geosearch t%d fromlonlat 0 0 byradius 500 km %s count %d" % (k, order, rnd.randint(1, n + 3)))
            lines.append("georadius t%d 0 0 500 km %s withdist" % (k, order))
    diffs = run_script(ours, theirs, "\n".join(lines))
    assert diffs == [], "\n".join("%s\n  radish: %r\n  redis:  %r" % d for d in diffs[:3])


def test_replicas_receive_what_redis_sends(radish_server, redis_server):
    """GEOADD goes out as ZADD with the geohash scores; GEORADIUS … STORE
    and GEOSEARCHSTORE as themselves, and only when they changed a key."""
    script = "\n".join([
        "geoadd g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania",
        "geoadd g NX ch 13.361389 38.115556 Palermo 1 1 x",
        "geoadd g xx 13 38 Palermo",
        "geoadd g xx 13 38 Palermo",
        "georadius g 15 37 200 km store d1",
        "georadius g 15 37 200 km storedist d2 asc count 1",
        "georadius g 0 0 1 km store nokey",
        "georadiusbymember g Palermo 1 km storedist d3",
        "geosearchstore d4 g fromlonlat 15 37 byradius 200 km storedist",
        "geosearchstore d4 g fromlonlat 0 0 byradius 1 km",
        "geosearchstore d4 g fromlonlat 0 0 byradius 1 km",
        "geosearch g fromlonlat 15 37 byradius 200 km",
        "set done 1",
    ])
    ours = replication_stream(radish_server.port, script, [])
    theirs = replication_stream(redis_server.port, script, [])
    assert ours == theirs
    assert [b"zadd", b"g", b"3479099956230698", b"Palermo", b"3479447370796909", b"Catania"] in ours


GEO_COMMANDS = (
    "geoadd geopos geodist geohash geosearch geosearchstore georadius georadiusbymember georadius_ro georadiusbymember_ro"
).split()


def test_command_docs_match_redis(port_pair):
    """Summary, since, group, complexity and the deprecation fields of every
    geo command as COMMAND DOCS reports them (history and arguments aside)."""
    def docs(port: int, name: str) -> dict:
        c = Raw(port)
        c([b"HELLO", b"3"])
        tree = parse(c([b"COMMAND", b"DOCS", name.encode()]))
        c.close()
        fields = tree[1][1][1]  # the map of the single command
        out = {}
        for k, v in zip(fields[::2], fields[1::2], strict=True):
            if k[1] not in (b"history", b"arguments"):
                out[k[1]] = v
        return out

    for name in GEO_COMMANDS:
        assert docs(port_pair[0], name) == docs(port_pair[1], name), name


DIRTY_SCRIPT = r"""
geoadd g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 14.5 37 Ragusa
geoadd g 13.361389 38.115556 Palermo
geoadd g ch 13 38 Palermo 14 37 Ragusa 1 1 new
geoadd g xx 2 2 new 3 3 nosuch
geoadd g nx 2 2 new
georadius g 15 37 200 km store d
georadius g 15 37 200 km storedist d
georadius g 0 0 1 km store d
georadius g 0 0 1 km store d
georadiusbymember g Palermo 300 km store d2 count 2
geosearchstore d3 g fromlonlat 15 37 bybox 500 500 km storedist
geosearchstore d3 nokey fromlonlat 15 37 bybox 500 500 km
geosearchstore d3 nokey fromlonlat 15 37 bybox 500 500 km
geosearch g fromlonlat 15 37 byradius 200 km
"""


def test_dirty_counter_matches(port_pair):
    """rdb_changes_since_last_save moves by what Redis counts for each geo
    write (what save points see)."""
    ours, theirs = connect(port_pair[0], False), connect(port_pair[1], False)
    assert dirty_count_diffs(ours, theirs, DIRTY_SCRIPT) == []
