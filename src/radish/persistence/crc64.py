"""CRC-64 as Redis computes it for RDB files and DUMP payloads.

Redis uses the "Jones" polynomial (0xad93d23594c935a9), reflected input and
output, initial value 0 and no final xor (RevEng's CRC-64/REDIS; the check
value of b"123456789" is 0xe9c6d914c4b8d9ca). The common CRC-64 variants in
zlib-like libraries (ECMA-182, XZ, GO-ISO) use other polynomials, so they
cannot be used.

``anycrc`` (a maintained C library with abi3 wheels, declared as a
dependency) knows this exact model and runs at memory speed; the pure-Python
table version below is the fallback where it cannot be installed. It gives
the same results, at a few MB/s.

Imports nothing from radish.
"""

from __future__ import annotations

POLY_REFLECTED = 0x95AC9329AC4BC9B5  # 0xad93d23594c935a9 bit-reversed
CHECK_VALUE = 0xE9C6D914C4B8D9CA  # crc64(b"123456789")


def _make_table() -> list[int]:
    table = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ POLY_REFLECTED if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _make_table()


def crc64_pure(data, crc: int = 0) -> int:
    """CRC-64/REDIS of ``data`` continuing from ``crc`` (pure Python)."""
    table = _TABLE
    for b in bytes(data):
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


try:  # pragma: no branch
    import anycrc as _anycrc

    _model = _anycrc.Model("CRC64-REDIS")
    if _model.calc(b"123456789") != CHECK_VALUE:  # pragma: no cover - broken build
        raise ImportError("anycrc CRC64-REDIS check value mismatch")
    _calc = _model.calc

    def crc64(data, crc: int = 0) -> int:
        """CRC-64/REDIS of ``data`` (bytes-like) continuing from ``crc``."""
        if not data:
            return crc
        if type(data) is memoryview:
            data = data.tobytes()
        return _calc(data, crc)

    ACCELERATED = True
except ImportError:  # pragma: no cover - exercised where anycrc is missing
    crc64 = crc64_pure
    ACCELERATED = False


__all__ = ["ACCELERATED", "CHECK_VALUE", "crc64", "crc64_pure"]
