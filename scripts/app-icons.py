#!/usr/bin/env python3
"""Draw the town app's icons (bot/web/static/app-icon-192.png and -512.png): a white « @ »-like
ring and dot on the site's blue, with room around it for a maskable icon's safe zone.

Pure Python (zlib), so that no image library or downloaded asset is needed; the PNGs are
committed, and this script only says how they were made: `python3 scripts/app-icons.py`.
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "bot" / "web" / "static"
BRAND = (0x0B, 0x3D, 0x91)
WHITE = (0xFF, 0xFF, 0xFF)
SAMPLES = 4  # per side and pixel, for smooth edges


def coverage(x: float, y: float) -> bool:
    """Whether the point (in units of the icon's side, centre at 0.5) is white."""
    dx, dy = x - 0.5, y - 0.5
    r = math.hypot(dx, dy)
    ring = 0.26 <= r <= 0.33 and not (dx > 0.05 and -0.02 < dy < 0.12)  # the @'s open tail
    dot = math.hypot(dx + 0.01, dy) <= 0.12 and not math.hypot(dx + 0.01, dy) < 0.06
    stem = 0.06 <= dx <= 0.12 and -0.12 <= dy <= 0.12
    return ring or dot or stem


def pixels(side: int) -> bytes:
    rows = bytearray()
    for j in range(side):
        rows.append(0)  # no filter
        for i in range(side):
            hits = sum(
                coverage((i + (a + 0.5) / SAMPLES) / side, (j + (b + 0.5) / SAMPLES) / side)
                for a in range(SAMPLES)
                for b in range(SAMPLES)
            )
            share = hits / SAMPLES**2
            rows += bytes(
                round(w * share + c * (1 - share)) for w, c in zip(WHITE, BRAND, strict=True)
            )
    return bytes(rows)


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(side: int) -> bytes:
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)  # 8-bit RGB
    body = zlib.compress(pixels(side), 9)
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def main() -> None:
    for side in (192, 512):
        (STATIC / f"app-icon-{side}.png").write_bytes(png(side))


if __name__ == "__main__":
    main()
