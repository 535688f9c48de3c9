"""Geo commands (Redis 7.0's geo group) on top of sorted sets.

A geo set IS a sorted set: each member's score is the 52-bit interleaved
geohash of its position (step 26 over longitude [-180, 180] and latitude
[-85.05112878, 85.05112878]), exactly as Redis's geohash.c computes it.
Searches follow geo.c and geohash_helper.c step by step: estimate a step
from the radius, look at the centre cell and its 8 neighbours (pruning the
useless ones), scan each cell's score range [min, max) in score order,
keep points inside the circle or box, then sort by distance (a stable
sort, as glibc's qsort is a merge sort). Positions decode to the cell
centre and are replied as Redis's addReplyHumanLongDouble (``%.17Lf``
trimmed: bulk in RESP2, double in RESP3); distances as 4-decimal bulks
(fixedpoint_d2string).

GEOADD runs as ZADD and propagates as ``zadd key [options] score member
…`` (what redis-server sends its replicas); GEORADIUS … STORE and
GEOSEARCHSTORE propagate as themselves.

Imports: zsets helpers, errors, protocol reply values, command helpers.
"""

from __future__ import annotations

import math

from .. import errors as E
from ..client import Client
from ..db.notify import NOTIFY_GENERIC, NOTIFY_ZSET
from ..db.types import AnyZSet
from ..errors import CommandError
from ..protocol.resp import NULL_ARRAY, DoubleText
from .args import parse_int
from .registry import KeySpec, command
from .zsets import get_zset, new_zset, parse_score, zadd_generic

GEO_STEP_MAX = 26
GEO_LAT_MIN = -85.05112878
GEO_LAT_MAX = 85.05112878
GEO_LONG_MIN = -180.0
GEO_LONG_MAX = 180.0
EARTH_RADIUS_IN_METERS = 6372797.560856
MERCATOR_MAX = 20037726.37
D_R = math.pi / 180.0
_U64 = (1 << 64) - 1

_UNITS = {b"m": 1.0, b"km": 1000.0, b"ft": 0.3048, b"mi": 1609.34}


# -- geohash.c -----------------------------------------------------------------------------


def _interleave64(x: int, y: int) -> int:
    """Bits of x on even positions, bits of y on odd ones (32 bits each)."""
    x &= 0xFFFFFFFF
    y &= 0xFFFFFFFF
    for s, b in ((16, 0x0000FFFF0000FFFF), (8, 0x00FF00FF00FF00FF), (4, 0x0F0F0F0F0F0F0F0F),
                 (2, 0x3333333333333333), (1, 0x5555555555555555)):
        x = (x | (x << s)) & b
        y = (y | (y << s)) & b
    return x | (y << 1)


def _deinterleave64(v: int) -> int:
    x = v
    y = v >> 1
    for s, b in ((0, 0x5555555555555555), (1, 0x3333333333333333), (2, 0x0F0F0F0F0F0F0F0F),
                 (4, 0x00FF00FF00FF00FF), (8, 0x0000FFFF0000FFFF), (16, 0x00000000FFFFFFFF)):
        x = (x | (x >> s)) & b
        y = (y | (y >> s)) & b
    return x | (y << 32)


def geohash_encode(lon: float, lat: float, step: int,
                   lon_range=(GEO_LONG_MIN, GEO_LONG_MAX), lat_range=(GEO_LAT_MIN, GEO_LAT_MAX)) -> int:
    """geohashEncode: the interleaved ``2*step`` bits of a position (0 when
    outside the ranges)."""
    if lon > GEO_LONG_MAX or lon < GEO_LONG_MIN or lat > GEO_LAT_MAX or lat < GEO_LAT_MIN:
        return 0
    if lat < lat_range[0] or lat > lat_range[1] or lon < lon_range[0] or lon > lon_range[1]:
        return 0
    lat_offset = (lat - lat_range[0]) / (lat_range[1] - lat_range[0])
    lon_offset = (lon - lon_range[0]) / (lon_range[1] - lon_range[0])
    lat_offset *= float(1 << step)
    lon_offset *= float(1 << step)
    return _interleave64(int(lat_offset), int(lon_offset))


def _area(bits: int, step: int, lon_range=(GEO_LONG_MIN, GEO_LONG_MAX), lat_range=(GEO_LAT_MIN, GEO_LAT_MAX)):
    """geohashDecode: (lon_min, lon_max, lat_min, lat_max) of a cell."""
    sep = _deinterleave64(bits & _U64)
    ilato = sep & 0xFFFFFFFF
    ilono = sep >> 32
    lat_scale = lat_range[1] - lat_range[0]
    lon_scale = lon_range[1] - lon_range[0]
    div = float(1 << step)
    return (
        lon_range[0] + (ilono * 1.0 / div) * lon_scale,
        lon_range[0] + ((ilono + 1) * 1.0 / div) * lon_scale,
        lat_range[0] + (ilato * 1.0 / div) * lat_scale,
        lat_range[0] + ((ilato + 1) * 1.0 / div) * lat_scale,
    )


def _double_to_u64(d: float) -> int:
    """C's (uint64_t) cast of a double as gcc compiles it on x86-64."""
    if d != d or d in (math.inf, -math.inf):
        return 0 if d == math.inf else 1 << 63
    if d < 9223372036854775808.0:
        if d <= -9223372036854775808.0:
            return 1 << 63
        return int(d) & _U64
    v = d - 9223372036854775808.0
    if v >= 9223372036854775808.0:
        return 0
    return (int(v) ^ (1 << 63)) & _U64


def decode_score(score: float) -> tuple[float, float]:
    """decodeGeohash: the centre (lon, lat) of a score's step-26 cell."""
    lon_min, lon_max, lat_min, lat_max = _area(_double_to_u64(score), GEO_STEP_MAX)
    lon = (lon_min + lon_max) / 2
    lon = min(max(lon, GEO_LONG_MIN), GEO_LONG_MAX)
    lat = (lat_min + lat_max) / 2
    lat = min(max(lat, GEO_LAT_MIN), GEO_LAT_MAX)
    return lon, lat


def _lat_distance(lat1: float, lat2: float) -> float:
    return EARTH_RADIUS_IN_METERS * abs(lat2 * D_R - lat1 * D_R)


def geo_distance(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """geohashGetDistance (haversine)."""
    lon1r = lon1 * D_R
    lon2r = lon2 * D_R
    v = math.sin((lon2r - lon1r) / 2)
    if v == 0.0:
        return _lat_distance(lat1, lat2)
    lat1r = lat1 * D_R
    lat2r = lat2 * D_R
    u = math.sin((lat2r - lat1r) / 2)
    a = u * u + math.cos(lat1r) * math.cos(lat2r) * v * v
    return 2.0 * EARTH_RADIUS_IN_METERS * math.asin(math.sqrt(a))


def _move_x(bits: int, step: int, d: int) -> int:
    x = bits & 0xAAAAAAAAAAAAAAAA
    y = bits & 0x5555555555555555
    zz = 0x5555555555555555 >> (64 - step * 2)
    if d > 0:
        x = x + (zz + 1)
    else:
        x = x | zz
        x = x - (zz + 1)
    x &= 0xAAAAAAAAAAAAAAAA >> (64 - step * 2)
    return (x | y) & _U64


def _move_y(bits: int, step: int, d: int) -> int:
    x = bits & 0xAAAAAAAAAAAAAAAA
    y = bits & 0x5555555555555555
    zz = 0xAAAAAAAAAAAAAAAA >> (64 - step * 2)
    if d > 0:
        y = y + (zz + 1)
    else:
        y = y | zz
        y = y - (zz + 1)
    y &= 0x5555555555555555 >> (64 - step * 2)
    return (x | y) & _U64


def _estimate_steps(range_meters: float, lat: float) -> int:
    """geohashEstimateStepsByRadius."""
    if range_meters == 0:
        return 26
    step = 1
    while range_meters < MERCATOR_MAX:
        range_meters *= 2
        step += 1
    step -= 2
    if lat > 66 or lat < -66:
        step -= 1
        if lat > 80 or lat < -80:
            step -= 1
    return min(max(step, 1), 26)


class Shape:
    """GeoShape: a centre, a circle (radius) or a box (width, height), and
    the unit's conversion factor to meters."""

    __slots__ = ("lon", "lat", "box", "radius", "width", "height", "conversion")

    def __init__(self) -> None:
        self.lon = self.lat = 0.0
        self.box = False
        self.radius = self.width = self.height = 0.0
        self.conversion = 1.0


def _bounding_box(s: Shape) -> tuple[float, float, float, float]:
    """geohashBoundingBox: (min_lon, min_lat, max_lon, max_lat)."""
    height = s.conversion * (s.height / 2 if s.box else s.radius)
    width = s.conversion * (s.width / 2 if s.box else s.radius)
    lat_delta = (height / EARTH_RADIUS_IN_METERS) / D_R
    top = (width / EARTH_RADIUS_IN_METERS / math.cos((s.lat + lat_delta) * D_R)) / D_R
    bottom = (width / EARTH_RADIUS_IN_METERS / math.cos((s.lat - lat_delta) * D_R)) / D_R
    delta = bottom if s.lat < 0 else top
    return s.lon - delta, s.lat - lat_delta, s.lon + delta, s.lat + lat_delta


def _search_cells(s: Shape) -> list[tuple[int, int]]:
    """geohashCalculateAreasByShapeWGS84: the centre cell and its 8
    neighbours as (bits, step), in Redis's order, pruned ones as (0, 0)."""
    min_lon, min_lat, max_lon, max_lat = _bounding_box(s)
    if s.box:
        radius = math.sqrt((s.width / 2) * (s.width / 2) + (s.height / 2) * (s.height / 2))
    else:
        radius = s.radius
    radius *= s.conversion
    steps = _estimate_steps(radius, s.lat)

    def around(step: int):
        h = geohash_encode(s.lon, s.lat, step)
        nb = {
            "east": _move_x(h, step, 1),
            "west": _move_x(h, step, -1),
            "south": _move_y(h, step, -1),
            "north": _move_y(h, step, 1),
            "north_west": _move_y(_move_x(h, step, -1), step, 1),
            "south_west": _move_y(_move_x(h, step, -1), step, -1),
            "north_east": _move_y(_move_x(h, step, 1), step, 1),
            "south_east": _move_y(_move_x(h, step, 1), step, -1),
        }
        return h, nb

    h, nb = around(steps)
    decrease = (
        _area(nb["north"], steps)[3] < max_lat
        or _area(nb["south"], steps)[2] > min_lat
        or _area(nb["east"], steps)[1] < max_lon
        or _area(nb["west"], steps)[0] > min_lon
    )
    if steps > 1 and decrease:
        steps -= 1
        h, nb = around(steps)
    cells = {k: (v, steps) for k, v in nb.items()}
    if steps >= 2:
        a_lon_min, a_lon_max, a_lat_min, a_lat_max = _area(h, steps)
        zero = (0, 0)
        if a_lat_min < min_lat:
            cells["south"] = cells["south_west"] = cells["south_east"] = zero
        if a_lat_max > max_lat:
            cells["north"] = cells["north_east"] = cells["north_west"] = zero
        if a_lon_min < min_lon:
            cells["west"] = cells["south_west"] = cells["north_west"] = zero
        if a_lon_max > max_lon:
            cells["east"] = cells["south_east"] = cells["north_east"] = zero
    order = ("north", "south", "east", "west", "north_east", "north_west", "south_east", "south_west")
    return [(h, steps)] + [cells[k] for k in order]


def _within(s: Shape, score: float):
    """geoWithinShape: (distance, lon, lat) or None."""
    lon, lat = decode_score(score)
    if s.box:
        if _lat_distance(lat, s.lat) > s.height * s.conversion / 2:
            return None
        if geo_distance(lon, lat, s.lon, lat) > s.width * s.conversion / 2:
            return None
        dist = geo_distance(s.lon, s.lat, lon, lat)
    else:
        dist = geo_distance(s.lon, s.lat, lon, lat)
        if dist > s.radius * s.conversion:
            return None
    return dist, lon, lat


def _members_of_all_neighbors(z: AnyZSet, s: Shape, limit: int) -> list:
    """membersOfAllNeighbors: [dist, lon, lat, score, member] of every
    point inside the shape, cell after cell, stopping at ``limit`` (ANY)."""
    cells = _search_cells(s)
    found: list = []
    sl = z.sl
    last = 0
    for i, (bits, step) in enumerate(cells):
        if bits == 0 and step == 0:
            continue
        if last and bits == cells[last][0] and step == cells[last][1]:
            continue
        if found and limit and len(found) >= limit:
            break
        lo = float(bits << (52 - step * 2))
        hi = float((bits + 1) << (52 - step * 2))
        start = sl.bisect_left((lo, b""))
        end = sl.bisect_left((hi, b""))
        for score, member in sl[start:end]:
            r = _within(s, score)
            if r is not None:
                found.append([r[0], r[1], r[2], score, member])
                if limit and len(found) >= limit:
                    break
        last = i
    return found


def _med3(v: list, a: int, b: int, c: int, cmp) -> int:
    if cmp(v[a], v[b]) < 0:
        return b if cmp(v[b], v[c]) < 0 else (c if cmp(v[a], v[c]) < 0 else a)
    return b if cmp(v[b], v[c]) > 0 else (a if cmp(v[a], v[c]) < 0 else c)


def pqsort(v: list, cmp, lrange: int, rrange: int) -> None:
    """Redis's pqsort.c (NetBSD's qsort, recursing only into the parts
    that overlap elements lrange..rrange), element for element, so equal
    keys end in the same order as on redis-server."""
    a, n = 0, len(v)
    while True:
        if n < 7:
            for pm in range(a + 1, a + n):
                pl = pm
                while pl > a and cmp(v[pl - 1], v[pl]) > 0:
                    v[pl], v[pl - 1] = v[pl - 1], v[pl]
                    pl -= 1
            return
        pm = a + n // 2
        if n > 7:
            pl = a
            pn = a + n - 1
            if n > 40:
                d = n // 8
                pl = _med3(v, pl, pl + d, pl + 2 * d, cmp)
                pm = _med3(v, pm - d, pm, pm + d, cmp)
                pn = _med3(v, pn - 2 * d, pn - d, pn, cmp)
            pm = _med3(v, pl, pm, pn, cmp)
        v[a], v[pm] = v[pm], v[a]
        pa = pb = a + 1
        pc = pd = a + n - 1
        while True:
            while pb <= pc:
                r = cmp(v[pb], v[a])
                if r > 0:
                    break
                if r == 0:
                    v[pa], v[pb] = v[pb], v[pa]
                    pa += 1
                pb += 1
            while pb <= pc:
                r = cmp(v[pc], v[a])
                if r < 0:
                    break
                if r == 0:
                    v[pc], v[pd] = v[pd], v[pc]
                    pd -= 1
                pc -= 1
            if pb > pc:
                break
            v[pb], v[pc] = v[pc], v[pb]
            pb += 1
            pc -= 1
        pn = a + n
        r = min(pa - a, pb - pa)
        for i in range(r):
            x, y = a + i, pb - r + i
            v[x], v[y] = v[y], v[x]
        r = min(pd - pc, pn - pd - 1)
        for i in range(r):
            x, y = pb + i, pn - r + i
            v[x], v[y] = v[y], v[x]
        r = pb - pa
        if r > 1 and not (rrange < a or lrange >= a + r):
            pqsort_part(v, cmp, lrange, rrange, a, r)
        r = pd - pc
        if r <= 1:
            return
        a, n = pn - r, r
        if rrange < a or lrange >= a + n:
            return


def pqsort_part(v: list, cmp, lrange: int, rrange: int, a: int, n: int) -> None:
    """pqsort over v[a:a+n] in place."""
    part = v[a : a + n]
    pqsort(part, cmp, lrange - a, rrange - a)
    v[a : a + n] = part


def _cmp_asc(p: list, q: list) -> int:
    return 1 if p[0] > q[0] else (0 if p[0] == q[0] else -1)


def _cmp_desc(p: list, q: list) -> int:
    return -_cmp_asc(p, q)


# -- argument helpers -----------------------------------------------------------------------


def _lonlat(a: bytes, b: bytes) -> tuple[float, float]:
    """extractLongLatOrReply."""
    lon = parse_score(a)
    lat = parse_score(b)
    if lon < GEO_LONG_MIN or lon > GEO_LONG_MAX or lat < GEO_LAT_MIN or lat > GEO_LAT_MAX:
        raise CommandError(E.GEO_INVALID_PAIR % (lon, lat))
    return lon, lat


def _unit(u: bytes) -> float:
    f = _UNITS.get(u.lower())
    if f is None:
        raise CommandError(E.GEO_UNIT)
    return f


def _distance_arg(s: Shape, num: bytes, unit: bytes) -> None:
    """extractDistanceOrReply."""
    d = parse_score(num, E.GEO_RADIUS_NOT_NUMERIC)
    if d < 0:
        raise CommandError(E.GEO_RADIUS_NEGATIVE)
    s.conversion = _unit(unit)
    s.radius = d
    s.box = False


def _box_arg(s: Shape, w: bytes, h: bytes, unit: bytes) -> None:
    """extractBoxOrReply."""
    width = parse_score(w, E.GEO_WIDTH_NOT_NUMERIC)
    height = parse_score(h, E.GEO_HEIGHT_NOT_NUMERIC)
    if height < 0 or width < 0:
        raise CommandError(E.GEO_BOX_NEGATIVE)
    s.conversion = _unit(unit)
    s.width, s.height = width, height
    s.box = True


def human_double(d: float) -> DoubleText:
    """ld2string(LD_STR_HUMAN): %.17Lf without trailing zeros."""
    t = b"%.17f" % d
    if b"." in t:
        t = t.rstrip(b"0").rstrip(b".")
    if t == b"-0":
        t = b"0"
    return DoubleText(t)


def _distance_reply(d: float) -> bytes:
    """addReplyDoubleDistance: Redis 7.0's fixedpoint_d2string(d, 4), i.e.
    llrint(d * 10000) (the product rounded to a double, then half to even)
    written with 4 decimals; this differs from ``%.4f`` on halfway cases."""
    v = round(d * 10000.0)
    sign = b"-" if v < 0 else b""
    v = abs(v)
    return b"%s%d.%04d" % (sign, v // 10000, v % 10000)


def _member_pos(z: AnyZSet | None, member: bytes):
    if z is None:
        return None
    score = z.get(member)
    if score is None:
        return None
    return decode_score(score)


# -- GEOADD / GEOPOS / GEODIST / GEOHASH -----------------------------------------------------------


@command("geoadd", -5, "write denyoom", acl="geo", keys=(1, 1, 1), key_specs=(KeySpec("RW UPDATE", index=1),), group="geo", since="3.2.0", summary="Add one or more geospatial items in the geospatial index represented using a sorted set", complexity="O(log(N)) for each item added, where N is the number of elements in the sorted set.", direct=True)
def geoadd(c: Client, args: list[bytes]):
    """Format: GEOADD key [NX | XX] [CH] longitude latitude member [longitude latitude member ...]"""
    nx = xx = False
    j = 2
    n = len(args)
    while j < n:
        opt = args[j].lower()
        if opt == b"nx":
            nx = True
        elif opt == b"xx":
            xx = True
        elif opt != b"ch":
            break
        j += 1
    if (n - j) % 3 or (nx and xx):
        raise CommandError(E.SYNTAX)
    zargs = [b"zadd"] + args[1:j]
    for i in range(j, n, 3):
        lon, lat = _lonlat(args[i], args[i + 1])
        zargs.append(b"%d" % (geohash_encode(lon, lat, GEO_STEP_MAX) << (52 - GEO_STEP_MAX * 2)))
        zargs.append(args[i + 2])
    dirty = c.server.dirty
    reply = zadd_generic(c, zargs, False)
    if c.server.dirty != dirty:
        c.propagate_as = [zargs]
    return reply


@command("geopos", -2, "readonly", acl="geo", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="geo", since="3.2.0", summary="Returns longitude and latitude of members of a geospatial index", complexity="O(N) where N is the number of members requested.", direct=True)
def geopos(c: Client, args: list[bytes]):
    """Format: GEOPOS key [member [member ...]]"""
    z = get_zset(c.db, args[1])
    out = []
    for m in args[2:]:
        pos = _member_pos(z, m)
        out.append(NULL_ARRAY if pos is None else [human_double(pos[0]), human_double(pos[1])])
    return out


@command("geodist", -4, "readonly", acl="geo", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="geo", since="3.2.0", summary="Returns the distance between two members of a geospatial index", complexity="O(log(N))", direct=True)
def geodist(c: Client, args: list[bytes]):
    """Format: GEODIST key member1 member2 [M | KM | FT | MI]"""
    to_meter = 1.0
    if len(args) == 5:
        to_meter = _unit(args[4])
    elif len(args) > 5:
        raise CommandError(E.SYNTAX)
    z = get_zset(c.db, args[1])
    if z is None:
        return None
    s1 = z.get(args[2])
    s2 = z.get(args[3])
    if s1 is None or s2 is None:
        return None
    lon1, lat1 = decode_score(s1)
    lon2, lat2 = decode_score(s2)
    return _distance_reply(geo_distance(lon1, lat1, lon2, lat2) / to_meter)


_ALPHABET = b"0123456789bcdefghjkmnpqrstuvwxyz"


@command("geohash", -2, "readonly", acl="geo", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="geo", since="3.2.0", summary="Returns members of a geospatial index as standard geohash strings", complexity="O(log(N)) for each member requested, where N is the number of elements in the sorted set.", direct=True)
def geohash(c: Client, args: list[bytes]):
    """Format: GEOHASH key [member [member ...]]"""
    z = get_zset(c.db, args[1])
    out: list[bytes | None] = []
    for m in args[2:]:
        pos = _member_pos(z, m)
        if pos is None:
            out.append(None)
            continue
        bits = geohash_encode(pos[0], pos[1], 26, (-180.0, 180.0), (-90.0, 90.0))
        chars = bytearray()
        for i in range(11):
            idx = 0 if i == 10 else (bits >> (52 - (i + 1) * 5)) & 0x1F
            chars.append(_ALPHABET[idx])
        out.append(bytes(chars))
    return out


# -- searches ----------------------------------------------------------------------------------

_COORDS = 1
_MEMBER = 2
_NOSTORE = 4
_SEARCH = 8
_SEARCHSTORE = 16


def _georadius_generic(c: Client, args, src: int, flags: int):
    """georadiusGeneric: GEORADIUS[BYMEMBER][_RO], GEOSEARCH[STORE]."""
    db = c.db
    store = None
    storedist = False
    z = get_zset(db, args[src])
    s = Shape()
    if flags & _COORDS:
        base = 6
        s.lon, s.lat = _lonlat(args[2], args[3])
        _distance_arg(s, args[4], args[5])
    elif flags & _MEMBER and z is None:
        base = 5
    elif flags & _MEMBER:
        base = 5
        pos = _member_pos(z, args[2])
        if pos is None:
            raise CommandError(E.GEO_NO_MEMBER)
        s.lon, s.lat = pos
        _distance_arg(s, args[3], args[4])
    else:
        base = 2
        if flags & _SEARCHSTORE:
            base = 3
            store = args[1]
    withdist = withhash = withcoord = False
    frommember = fromloc = byradius = bybox = False
    sort = 0  # 1 asc, -1 desc
    any_ = False
    count = 0
    n = len(args)
    remaining = n - base
    i = 0
    search = bool(flags & _SEARCH)
    can_store = not (flags & _NOSTORE) and not search
    while i < remaining:
        a = args[base + i].lower()
        if a == b"withdist":
            withdist = True
        elif a == b"withhash":
            withhash = True
        elif a == b"withcoord":
            withcoord = True
        elif a == b"any":
            any_ = True
        elif a == b"asc":
            sort = 1
        elif a == b"desc":
            sort = -1
        elif a == b"count" and i + 1 < remaining:
            count = parse_int(args[base + i + 1])
            if count <= 0:
                raise CommandError(E.GEO_COUNT_POSITIVE)
            i += 1
        elif a == b"store" and i + 1 < remaining and can_store:
            store = args[base + i + 1]
            storedist = False
            i += 1
        elif a == b"storedist" and i + 1 < remaining and can_store:
            store = args[base + i + 1]
            storedist = True
            i += 1
        elif a == b"storedist" and search and flags & _SEARCHSTORE:
            storedist = True
        elif a == b"frommember" and i + 1 < remaining and search and not fromloc:
            if z is not None:
                pos = _member_pos(z, args[base + i + 1])
                if pos is None:
                    raise CommandError(E.GEO_NO_MEMBER)
                s.lon, s.lat = pos
            frommember = True
            i += 1
        elif a == b"fromlonlat" and i + 2 < remaining and search and not frommember:
            s.lon, s.lat = _lonlat(args[base + i + 1], args[base + i + 2])
            fromloc = True
            i += 2
        elif a == b"byradius" and i + 2 < remaining and search and not bybox:
            _distance_arg(s, args[base + i + 1], args[base + i + 2])
            byradius = True
            i += 2
        elif a == b"bybox" and i + 3 < remaining and search and not byradius:
            _box_arg(s, args[base + i + 1], args[base + i + 2], args[base + i + 3])
            bybox = True
            i += 3
        else:
            raise CommandError(E.SYNTAX)
        i += 1
    if store is not None and (withdist or withhash or withcoord):
        raise CommandError(
            E.GEO_STORE_WITH_OPTIONS
            % ("GEOSEARCHSTORE" if flags & _SEARCHSTORE else "STORE option in GEORADIUS")
        )
    name = args[0].decode("utf-8", "replace")
    if search and not (frommember or fromloc):
        raise CommandError(E.GEO_FROM % name)
    if search and not (byradius or bybox):
        raise CommandError(E.GEO_BYRADIUS_BYBOX % name)
    if any_ and not count:
        raise CommandError(E.GEO_ANY_NEEDS_COUNT)
    if z is None:
        if store is not None:
            if db.lookup_write(store) is not None:
                db.delete(store)
                db.signal_modified(store)
                db.notify(NOTIFY_GENERIC, b"del", store)
                c.server.dirty += 1
            return 0
        return []
    if count and not sort and not any_:
        sort = 1
    found = _members_of_all_neighbors(z, s, count if any_ else 0)
    if not found and store is None:
        return []
    returned = len(found) if not count or len(found) < count else count
    if sort:
        if returned == len(found):  # glibc's qsort: a stable merge sort
            found.sort(key=lambda p: p[0], reverse=sort < 0)
        else:
            pqsort(found, _cmp_asc if sort > 0 else _cmp_desc, 0, returned - 1)
    conv = s.conversion
    if store is None:
        out = []
        plain = not (withdist or withhash or withcoord)
        for p in found[:returned]:
            if plain:
                out.append(p[4])
                continue
            item = [p[4]]
            if withdist:
                item.append(_distance_reply(p[0] / conv))
            if withhash:
                item.append(int(p[3]))
            if withcoord:
                item.append([human_double(p[1]), human_double(p[2])])
            out.append(item)
        return out
    if returned:
        pairs = [(p[4], p[0] / conv if storedist else p[3]) for p in found[:returned]]
        zs = new_zset(c.server.config, pairs)
        db.lookup_write(store)
        db.set(store, zs)
        db.signal_modified(store)
        db.notify(NOTIFY_ZSET, b"geosearchstore" if search else b"georadiusstore", store)
        c.server.dirty += returned
    elif db.lookup_write(store) is not None:
        db.delete(store)
        db.signal_modified(store)
        db.notify(NOTIFY_GENERIC, b"del", store)
        c.server.dirty += 1
    return returned


def _radius_getkeys(first: int):
    """Redis 7.0's key specs for GEORADIUS[BYMEMBER]: the source key, then
    the first key after STORE, then the first after STOREDIST, each
    keyword searched from argument ``first`` on."""

    def getkeys(args: list[bytes]) -> list[int]:
        keys = [1]
        for kw in (b"store", b"storedist"):
            for i in range(first, len(args) - 1):
                if args[i].lower() == kw:
                    keys.append(i + 1)
                    break
        return keys

    return getkeys


_RADIUS_COMPLEXITY = "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area delimited by center and radius and M is the number of items inside the index."
_SEARCH_COMPLEXITY = "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around the shape provided as the filter and M is the number of items inside the shape"


@command("georadius", -6, "write denyoom", acl="geo", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1), KeySpec("OW UPDATE", keyword="STORE", startfrom=6), KeySpec("OW UPDATE", keyword="STOREDIST", startfrom=6)), group="geo", since="3.2.0", summary="Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a point", complexity=_RADIUS_COMPLEXITY, doc_flags="deprecated", deprecated_since="6.2.0", replaced_by="`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` argument", getkeys=_radius_getkeys(6), direct=True)
def georadius(c: Client, args: list[bytes]):
    """Format: GEORADIUS key longitude latitude radius M | KM | FT | MI [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC] [STORE key | STOREDIST key]"""
    return _georadius_generic(c, args, 1, _COORDS)


@command("georadiusbymember", -5, "write denyoom", acl="geo", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1), KeySpec("OW UPDATE", keyword="STORE", startfrom=5), KeySpec("OW UPDATE", keyword="STOREDIST", startfrom=5)), group="geo", since="3.2.0", summary="Query a sorted set representing a geospatial index to fetch members matching a given maximum distance from a member", complexity=_RADIUS_COMPLEXITY, doc_flags="deprecated", deprecated_since="6.2.0", replaced_by="`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` and `FROMMEMBER` arguments", getkeys=_radius_getkeys(5), direct=True)
def georadiusbymember(c: Client, args: list[bytes]):
    """Format: GEORADIUSBYMEMBER key member radius M | KM | FT | MI [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC] [STORE key | STOREDIST key]"""
    return _georadius_generic(c, args, 1, _MEMBER)


@command("georadius_ro", -6, "readonly", acl="geo", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="geo", since="3.2.10", summary="A read-only variant for GEORADIUS", complexity=_RADIUS_COMPLEXITY, doc_flags="deprecated", deprecated_since="6.2.0", replaced_by="`GEOSEARCH` with the `BYRADIUS` argument", direct=True)
def georadius_ro(c: Client, args: list[bytes]):
    """Format: GEORADIUS_RO key longitude latitude radius M | KM | FT | MI [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC]"""
    return _georadius_generic(c, args, 1, _COORDS | _NOSTORE)


@command("georadiusbymember_ro", -5, "readonly", acl="geo", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="geo", since="3.2.10", summary="A read-only variant for GEORADIUSBYMEMBER", complexity=_RADIUS_COMPLEXITY, doc_flags="deprecated", deprecated_since="6.2.0", replaced_by="`GEOSEARCH` with the `BYRADIUS` and `FROMMEMBER` arguments", direct=True)
def georadiusbymember_ro(c: Client, args: list[bytes]):
    """Format: GEORADIUSBYMEMBER_RO key member radius M | KM | FT | MI [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC]"""
    return _georadius_generic(c, args, 1, _MEMBER | _NOSTORE)


@command("geosearch", -7, "readonly", acl="geo", keys=(1, 1, 1), key_specs=(KeySpec("RO ACCESS", index=1),), group="geo", since="6.2.0", summary="Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle.", complexity=_SEARCH_COMPLEXITY, direct=True)
def geosearch(c: Client, args: list[bytes]):
    """Format: GEOSEARCH key FROMMEMBER member | FROMLONLAT longitude latitude BYRADIUS radius M | KM | FT | MI | BYBOX width height M | KM | FT | MI [ASC | DESC] [COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]"""
    return _georadius_generic(c, args, 1, _SEARCH)


@command("geosearchstore", -8, "write denyoom", acl="geo", keys=(1, 2, 1), key_specs=(KeySpec("OW UPDATE", index=1), KeySpec("RO ACCESS", index=2)), group="geo", since="6.2.0", summary="Query a sorted set representing a geospatial index to fetch members inside an area of a box or a circle, and store the result in another key.", complexity=_SEARCH_COMPLEXITY, direct=True)
def geosearchstore(c: Client, args: list[bytes]):
    """Format: GEOSEARCHSTORE destination source FROMMEMBER member | FROMLONLAT longitude latitude BYRADIUS radius M | KM | FT | MI | BYBOX width height M | KM | FT | MI [ASC | DESC] [COUNT count [ANY]] [STOREDIST]"""
    return _georadius_generic(c, args, 2, _SEARCH | _SEARCHSTORE)
