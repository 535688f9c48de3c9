"""LOLWUT: computer art and the Redis version, as Redis 7.0.15 draws it.

``LOLWUT [VERSION v] [args]``: versions 5 (Georg Nees' "Schotter" in
braille characters) and 6 (a skyline in the four grays of a colour
terminal) follow lolwut5.c and lolwut6.c step by step, with C's float
arithmetic and glibc's ``rand()``, so a drawing with no random part is
byte-for-byte Redis's; any other version prints only the version line, as
Redis 7.0 (whose own LOLWUT is the "unstable" one) does.
"""

from __future__ import annotations

import math
import os
import struct
import time

from .. import REDIS_VERSION
from ..client import Client
from ..protocol.resp import Verbatim
from .args import parse_int
from .registry import command

_F32 = struct.Struct("f")
RAND_MAX = 2147483647


def _f32(x: float) -> float:
    """x rounded to a C float (IEEE single precision)."""
    return _F32.unpack(_F32.pack(x))[0]


def _c_round(x: float) -> int:
    """C's round(): half away from zero."""
    a = abs(x)
    r = math.floor(a)
    if a - r >= 0.5:
        r += 1
    return int(r if x >= 0 else -r)


class GlibcRand:
    """glibc's rand()/srand() (the TYPE_3 additive feedback generator), the
    generator Redis's LOLWUT draws with."""

    def __init__(self, seed: int) -> None:
        self.srand(seed)

    def srand(self, seed: int) -> None:
        seed &= 0xFFFFFFFF
        if seed == 0:
            seed = 1
        word = seed - (1 << 32) if seed >= 1 << 31 else seed  # int32_t
        state = [word]
        for _ in range(1, 31):
            hi = int(word / 127773)  # C division truncates toward zero
            lo = word - hi * 127773
            word = 16807 * lo - 2836 * hi
            if word < 0:
                word += 2147483647
            state.append(word)
        self._state = [s & 0xFFFFFFFF for s in state]
        self._f = 3
        self._r = 0
        for _ in range(310):
            self.rand()

    def rand(self) -> int:
        st = self._state
        val = (st[self._f] + st[self._r]) & 0xFFFFFFFF
        st[self._f] = val
        self._f = (self._f + 1) % 31
        self._r = (self._r + 1) % 31
        return val >> 1


# Redis seeds rand() once at startup with time ^ pid ^ usec.
_now = time.time()
_rng = GlibcRand(int(_now) ^ os.getpid() ^ int((_now % 1) * 1000000))


# -- the canvas (lolwut.c) ---------------------------------------------------------


class Canvas:
    def __init__(self, width: int, height: int, bgcolor: int) -> None:
        self.width = width
        self.height = height
        self.pixels = bytearray([bgcolor]) * (width * height)

    def draw_pixel(self, x: int, y: int, color: int) -> None:
        if 0 <= x < self.width and 0 <= y < self.height:
            self.pixels[x + y * self.width] = color

    def get_pixel(self, x: int, y: int) -> int:
        if 0 <= x < self.width and 0 <= y < self.height:
            return self.pixels[x + y * self.width]
        return 0

    def draw_line(self, x1: int, y1: int, x2: int, y2: int, color: int) -> None:
        """Bresenham, as lwDrawLine."""
        dx = abs(x2 - x1)
        dy = abs(y2 - y1)
        sx = 1 if x1 < x2 else -1
        sy = 1 if y1 < y2 else -1
        err = dx - dy
        while True:
            self.draw_pixel(x1, y1, color)
            if x1 == x2 and y1 == y2:
                break
            e2 = err * 2
            if e2 > -dy:
                err -= dy
                x1 += sx
            if e2 < dx:
                err += dx
                y1 += sy

    def draw_square(self, x: int, y: int, size: float, angle: float, color: int) -> None:
        """lwDrawSquare: the four corners on a circle, rotated by angle."""
        size = _f32(size / 1.4142135623)
        size = _f32(_c_round(size))
        k = _f32(math.pi / 4 + angle)
        px, py = [], []
        for _ in range(4):
            px.append(_c_round(math.sin(k) * size + x))
            py.append(_c_round(math.cos(k) * size + y))
            k = _f32(k + math.pi / 2)
        for j in range(4):
            self.draw_line(px[j], py[j], px[(j + 1) % 4], py[(j + 1) % 4], color)


# -- LOLWUT 5 (lolwut5.c) ----------------------------------------------------------


def _schotter(cols: int, per_row: int, per_col: int, rng: GlibcRand) -> Canvas:
    width = cols * 2
    padding = 2 if width > 4 else 0
    side = _f32(float(width - padding * 2) / per_row)
    height = int(_f32(_f32(side * per_col) + padding * 2))
    canvas = Canvas(width, height, 0)
    half = _f32(side / 2)
    for y in range(per_col):
        for x in range(per_row):
            sx = int(_f32(_f32(_f32(x * side) + half) + padding))
            sy = int(_f32(_f32(_f32(y * side) + half) + padding))
            angle = 0.0
            if y > 1:
                rs = []
                for _ in range(3):
                    r = _f32(_f32(float(rng.rand())) / 2147483648.0)
                    rs.append(_f32(_f32(r / per_col) * y))
                r1, r2, r3 = rs
                if rng.rand() % 2:
                    r1 = -r1
                if rng.rand() % 2:
                    r2 = -r2
                if rng.rand() % 2:
                    r3 = -r3
                angle = r1
                sx = int(_f32(sx + _f32(_f32(r2 * side) / 3)))
                sy = int(_f32(sy + _f32(_f32(r3 * side) / 3)))
            canvas.draw_square(sx, sy, side, angle, 1)
    return canvas


_BRAILLE = [chr(0x2800 + b).encode("utf-8") for b in range(256)]


def _render_braille(canvas: Canvas) -> bytes:
    """Each 2x4 block of pixels as one braille character (bits 0-2 and 6
    the left column, 3-5 and 7 the right one)."""
    w, h = canvas.width, canvas.height
    px = canvas.pixels
    pad = bytes(w)
    lines = []
    for y in range(0, h, 4):
        rows = [px[(y + i) * w : (y + i + 1) * w] if y + i < h else pad for i in range(4)]
        if w % 2:
            rows = [r + b"\0" for r in rows]
        n = (w + 1) // 2
        ev = [int.from_bytes(r[0::2], "big") for r in rows]
        od = [int.from_bytes(r[1::2], "big") for r in rows]
        v = ev[0] | ev[1] << 1 | ev[2] << 2 | od[0] << 3 | od[1] << 4 | od[2] << 5 | ev[3] << 6 | od[3] << 7
        line = b"".join([_BRAILLE[b] for b in v.to_bytes(n, "big")])
        lines.append(line + b"\n" if y != h - 1 else line)
    return b"".join(lines)


def _lolwut5(args: list[bytes], rng: GlibcRand) -> bytes:
    cols, per_row, per_col = 66, 8, 12
    if len(args) > 1:
        cols = parse_int(args[1])
    if len(args) > 2:
        per_row = parse_int(args[2])
    if len(args) > 3:
        per_col = parse_int(args[3])
    cols = min(max(cols, 1), 1000)
    per_row = min(max(per_row, 1), 200)
    per_col = min(max(per_col, 1), 200)
    canvas = _schotter(cols, per_row, per_col, rng)
    return (
        _render_braille(canvas)
        + b"\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. "
        + REDIS_VERSION.encode()
        + b"\n"
    )


# -- LOLWUT 6 (lolwut6.c) ----------------------------------------------------------

_GRAYS = (b"0;30;40m", b"0;90;100m", b"0;37;47m", b"0;97;107m")


def _render_grays(canvas: Canvas) -> bytes:
    cells = [b"\033[" + g + b" \033[0m" for g in _GRAYS]
    lines = []
    w = canvas.width
    px = canvas.pixels
    for y in range(canvas.height):
        lines.append(b"".join(cells[c] if c < 4 else cells[0] for c in px[y * w : (y + 1) * w]))
    return b"\n".join(lines)


def _skyscraper(canvas: Canvas, xoff: int, width: int, height: int, windows: bool, color: int, rng: GlibcRand) -> None:
    starty = canvas.height - 1
    endy = starty - height + 1
    for y in range(starty, endy - 1, -1):
        for x in range(xoff, xoff + width):
            if y == endy and (x <= xoff + 1 or x >= xoff + width - 2):
                continue  # the roof is four pixels narrower
            c = color
            if windows and xoff + 1 < x < xoff + width - 2 and endy + 1 < y < starty - 1:
                relx = x - (xoff + 1)
                rely = y - (endy + 1)
                if (relx // 2) % 2 and rely % 2:
                    while True:
                        c = 1 + rng.rand() % 2
                        if c != color:
                            break
                    if relx % 2:
                        c = canvas.get_pixel(x - 1, y)
            canvas.draw_pixel(x, y, c)


def _skyline(canvas: Canvas, rng: GlibcRand) -> None:
    h = canvas.height
    for color in (2, 1):  # the lighter ones behind
        offset = -10
        while offset < canvas.width:
            offset += rng.rand() % 8
            xoff = offset
            width = 10 + rng.rand() % 9
            if color == 2:
                height = h // 2 + (rng.rand() % h) // 2
            else:
                height = h // 2 + (rng.rand() % h) // 3
            _skyscraper(canvas, xoff, width, height, False, color, rng)
            offset += width // 2 if color == 2 else width + 1
    offset = -10
    while offset < canvas.width:
        offset += rng.rand() % 8
        xoff = offset
        width = 5 + rng.rand() % 14
        if width % 4:
            width += width % 3
        height = h // 3 + (rng.rand() % h) // 2
        _skyscraper(canvas, xoff, width, height, True, 0, rng)
        offset += width + 5


def _lolwut6(args: list[bytes], rng: GlibcRand) -> bytes:
    cols, rows = 80, 20
    if len(args) > 1:
        cols = parse_int(args[1])
    if len(args) > 2:
        rows = parse_int(args[2])
    cols = min(max(cols, 1), 1000)
    rows = min(max(rows, 1), 1000)
    canvas = Canvas(cols, rows, 3)
    _skyline(canvas, rng)
    return (
        _render_grays(canvas)
        + b"\nDedicated to the 8 bit game developers of past and present.\n"
        b"Original 8 bit image from Plaguemon by hikikomori. Redis ver. "
        + REDIS_VERSION.encode()
        + b"\n"
    )


def lolwut_text(args: list[bytes], rng: GlibcRand | None = None) -> bytes:
    """What LOLWUT ``args`` (the command name first) prints."""
    rng = rng or _rng
    v = REDIS_VERSION
    if len(args) >= 3 and args[1].lower() == b"version":
        ver = parse_int(args[2])
        v = "%d.0.0" % (ver & 0xFFFFFFFF)  # printed as an unsigned int
        args = args[2:]
    if (v[:2] == "5." and v[2] != "9") or v[:3] == "4.9":
        return _lolwut5(args, rng)
    if (v[:2] == "6." and v[2] != "9") or v[:3] == "5.9":
        return _lolwut6(args, rng)
    return b"Redis ver. " + REDIS_VERSION.encode() + b"\n"


@command("lolwut", -1, "readonly fast", group="server", since="5.0.0", summary="Display some computer art and the Redis version", complexity="", arguments=({"name": "version", "type": "integer", "token": "VERSION", "flags": "optional"},))
def lolwut(c: Client, args: list[bytes]):
    """Format: LOLWUT [VERSION version] [version specific arguments]"""
    return Verbatim(lolwut_text(args))
