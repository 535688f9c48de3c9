"""LZF compression as Redis uses it in RDB files and DUMP payloads.

Redis embeds liblzf 3.6 (HLOG 16, VERY_FAST, no ULTRA_FAST). Any valid LZF
stream loads, but to write the same bytes as Redis (so DUMP payloads and RDB
files of the same data are byte-identical) the compressor must make the same
choices as that code. ``python-lzf`` (declared as a dependency) wraps the
same liblzf with the same settings and is used when it imports; the pure-
Python port below mirrors lzf_c.c / lzf_d.c step by step and is the
fallback (and the reference the tests compare both against). There is no
maintained pure-Python LZF on PyPI, hence our own.

``compress(data, out_len)`` returns None when the data does not fit in
``out_len`` bytes (Redis asks for at most len - 4 and stores the string raw
otherwise). ``decompress(data, size)`` raises LZFError unless the stream
expands to exactly ``size`` bytes.

Imports nothing from radish.
"""

from __future__ import annotations

HLOG = 16
HSIZE = 1 << HLOG
MAX_LIT = 1 << 5
MAX_OFF = 1 << 13
MAX_REF = (1 << 8) + (1 << 3)


# liblzf keeps its hash table on the stack without clearing it, so entries
# left by the previous call (offsets into that input) may serve as match
# candidates for the next one. Keeping the table between calls reproduces
# that (every candidate is verified, so the output is always valid).
_HTAB = [0] * HSIZE


class LZFError(ValueError):
    """A compressed stream that does not decode to the announced length."""


def compress_pure(data: bytes, out_len: int | None = None) -> bytes | None:
    """liblzf's lzf_compress (VERY_FAST, HLOG 16) ported literally."""
    data = bytes(data)
    n = len(data)
    if out_len is None:
        out_len = n - 1
    if not n or out_len <= 0:
        return None
    htab = _HTAB
    out = bytearray(b"\x00")  # start run: the control byte of a literal run
    lit = 0
    ip = 0
    hval = (data[0] << 8) | data[1] if n > 1 else data[0] << 8
    end2 = n - 2
    while ip < end2:
        hval = ((hval << 8) | data[ip + 2]) & 0xFFFFFF
        slot = ((hval >> 8) - hval * 5) & 0xFFFF
        ref = htab[slot]
        htab[slot] = ip
        if (
            0 < ref < ip
            and ip - ref - 1 < MAX_OFF
            and data[ref] == data[ip]
            and data[ref + 1] == data[ip + 1]
            and data[ref + 2] == data[ip + 2]
        ):
            off = ip - ref - 1
            length = 2
            maxlen = n - ip - length
            if maxlen > MAX_REF:
                maxlen = MAX_REF
            if len(out) - (not lit) + 4 >= out_len:
                return None
            if lit:
                out[-lit - 1] = lit - 1  # stop run
            else:
                del out[-1]  # undo run if length is zero
            extend = True
            if maxlen > 16:
                for _ in range(16):
                    length += 1
                    if data[ref + length] != data[ip + length]:
                        extend = False
                        break
            if extend:
                length += 1
                while length < maxlen and data[ref + length] == data[ip + length]:
                    length += 1
            length -= 2  # now #octets - 1
            ip += 1
            if length < 7:
                out.append((off >> 8) + (length << 5))
            else:
                out.append((off >> 8) + (7 << 5))
                out.append(length - 7)
            out.append(off & 0xFF)
            lit = 0
            out.append(0)  # start run
            ip += length + 1
            if ip >= end2:
                break
            ip -= 2
            hval = (data[ip] << 8) | data[ip + 1]
            hval = ((hval << 8) | data[ip + 2]) & 0xFFFFFF
            htab[((hval >> 8) - hval * 5) & 0xFFFF] = ip
            ip += 1
            hval = ((hval << 8) | data[ip + 2]) & 0xFFFFFF
            htab[((hval >> 8) - hval * 5) & 0xFFFF] = ip
            ip += 1
        else:
            if len(out) >= out_len:
                return None
            lit += 1
            out.append(data[ip])
            ip += 1
            if lit == MAX_LIT:
                out[-lit - 1] = lit - 1
                lit = 0
                out.append(0)
    if len(out) + 3 > out_len:
        return None
    while ip < n:
        lit += 1
        out.append(data[ip])
        ip += 1
        if lit == MAX_LIT:
            out[-lit - 1] = lit - 1
            lit = 0
            out.append(0)
    if lit:
        out[-lit - 1] = lit - 1
    else:
        del out[-1]
    return bytes(out)


def decompress_pure(data: bytes, size: int) -> bytes:
    """liblzf's lzf_decompress: expand ``data`` to exactly ``size`` bytes."""
    data = bytes(data)
    n = len(data)
    out = bytearray()
    ip = 0
    while ip < n:
        ctrl = data[ip]
        ip += 1
        if ctrl < 32:
            ctrl += 1
            if ip + ctrl > n:
                raise LZFError("invalid LZF data: literal run past the end")
            if len(out) + ctrl > size:
                raise LZFError("LZF data expands past the announced length")
            out += data[ip : ip + ctrl]
            ip += ctrl
        else:
            length = ctrl >> 5
            if length == 7:
                if ip >= n:
                    raise LZFError("invalid LZF data: truncated back reference")
                length += data[ip]
                ip += 1
            if ip >= n:
                raise LZFError("invalid LZF data: truncated back reference")
            ref = len(out) - ((ctrl & 0x1F) << 8) - 1 - data[ip]
            ip += 1
            length += 2
            if ref < 0:
                raise LZFError("invalid LZF data: back reference before the start")
            if len(out) + length > size:
                raise LZFError("LZF data expands past the announced length")
            dist = len(out) - ref
            if dist >= length:
                out += out[ref : ref + length]
            else:
                chunk = out[ref:]
                reps, rest = divmod(length, dist)
                out += chunk * reps + chunk[:rest]
    if len(out) != size:
        raise LZFError("LZF data expands to %d bytes, not %d" % (len(out), size))
    return bytes(out)


try:
    import lzf as _clzf

    _c_compress = _clzf.compress
    _c_decompress = _clzf.decompress
    # Same library, same settings: insist on identical output anyway.
    _probe = b"radish " * 40 + bytes(range(256)) + b"radish " * 9
    if _c_compress(_probe, len(_probe) - 5) != compress_pure(_probe, len(_probe) - 4):  # pragma: no cover
        raise ImportError("python-lzf output differs from liblzf 3.6 as Redis builds it")
    ACCELERATED = True
except ImportError:  # pragma: no cover - exercised where python-lzf is missing
    _c_compress = _c_decompress = None
    ACCELERATED = False


def compress(data, out_len: int | None = None) -> bytes | None:
    """Compressed ``data`` if it fits in ``out_len`` bytes (default len - 1),
    else None."""
    if _c_compress is None:
        return compress_pure(data, out_len)
    n = len(data)
    if out_len is None:
        out_len = n - 1
    if n == 0 or out_len <= 0:
        return None
    if n == 1 or out_len == 1:
        return compress_pure(data, out_len)
    if type(data) is not bytes:
        data = bytes(data)
    # python-lzf hands liblzf a buffer one byte larger than max_length.
    return _c_compress(data, out_len - 1)


MAX_EXPANSION = 88  # a 3-byte back reference yields at most 264 bytes


def decompress(data, size: int) -> bytes:
    """``data`` expanded to exactly ``size`` bytes, or LZFError. A size the
    stream cannot possibly reach is refused before any allocation."""
    if size < 0 or size > len(data) * MAX_EXPANSION + 32:
        raise LZFError("LZF data of %d bytes cannot expand to %d bytes" % (len(data), size))
    if _c_decompress is None:
        return decompress_pure(data, size)
    if size == 0:
        if data:
            raise LZFError("LZF data for an empty string")
        return b""
    if type(data) is not bytes:
        data = bytes(data)
    try:
        out = _c_decompress(data, size)
    except ValueError as e:
        raise LZFError("invalid LZF data") from e
    if out is None or len(out) != size:
        raise LZFError("LZF data does not expand to %d bytes" % size)
    return out


__all__ = ["ACCELERATED", "LZFError", "compress", "compress_pure", "decompress", "decompress_pure"]
