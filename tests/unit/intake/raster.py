"""Grey-level pixels of a Chromium screenshot (PNG) or a pdftoppm page (PGM), for comparing renders."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # PNG colour type → samples per pixel
INK = 128  # darker than this on a white page is ink
DIFFERENT = 64  # grey levels apart


@dataclass(frozen=True)
class Raster:
    """A width x height grid of grey levels 0 (black) .. 255 (white), row by row."""

    width: int
    height: int
    grey: bytes = field(repr=False)

    def crop(self, *, top: int, bottom: int) -> Raster:
        """Rows top..bottom (exclusive)."""
        return Raster(self.width, bottom - top, self.grey[top * self.width : bottom * self.width])

    def ink(self) -> int:
        """How many pixels are dark."""
        return sum(1 for g in self.grey if g < INK)

    def non_white(self) -> float:
        """Share of pixels that are not (nearly) white."""
        return sum(1 for g in self.grey if g < 250) / len(self.grey)

    def differing(self, other: Raster) -> int:
        """How many pixels clearly differ from the same pixel of a render of the same size."""
        assert (self.width, self.height) == (other.width, other.height)
        return sum(1 for a, b in zip(self.grey, other.grey, strict=True) if abs(a - b) > DIFFERENT)


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def _unfilter(kind: int, line: bytearray, prev: bytes, bpp: int) -> None:
    for i in range(len(line)):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
        predictor = (0, a, b, (a + b) // 2, _paeth(a, b, c))[kind]
        line[i] = (line[i] + predictor) & 0xFF


def read_png(data: bytes) -> Raster:
    """An 8-bit, non-interlaced PNG (what Chromium writes) as grey levels (mean of R, G, B)."""
    assert data[:8] == PNG_SIGNATURE, "not a PNG"
    pos, chunks = 8, []
    header = b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        header, pos = (body if kind == b"IHDR" else header), pos + 12 + length
        if kind == b"IDAT":
            chunks.append(body)
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and interlace == 0 and colour in CHANNELS, "unsupported PNG"
    bpp = CHANNELS[colour]
    raw, stride = zlib.decompress(b"".join(chunks)), width * bpp
    prev, grey = bytes(stride), bytearray()
    for y in range(height):
        start = y * (stride + 1)
        line = bytearray(raw[start + 1 : start + 1 + stride])
        _unfilter(raw[start], line, prev, bpp)
        colours = min(bpp, 3)
        grey += bytes(sum(line[x : x + colours]) // colours for x in range(0, stride, bpp))
        prev = bytes(line)
    return Raster(width, height, bytes(grey))


def read_pgm(data: bytes) -> Raster:
    """A binary PGM (P5, what `pdftoppm -gray` writes)."""
    fields = data.split(maxsplit=4)
    assert fields[0] == b"P5" and fields[3] == b"255", "not an 8-bit binary PGM"
    width, height = int(fields[1]), int(fields[2])
    return Raster(width, height, fields[4][-width * height :])
