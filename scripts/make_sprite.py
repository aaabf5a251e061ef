"""Draw the map's sprite sheet (vessel, vehicle and person icons), written to assets/sprite/portmap{,@2x}.{png,json}.

    python scripts/make_sprite.py

Icons point north; the map rotates them by heading or course. Each AIS ship-type group has its own
pre-coloured icon, since Plotly cannot recolour sprite icons: an arrow hull for a vessel under way and a
round one for a vessel at anchor, moored or stopped. Only numpy, shapely and the standard library: the
shapes are sampled 4 × 4 per pixel for smooth edges and written as RGBA PNG by hand.
"""

from __future__ import annotations

import json
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Point, Polygon

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from layers.people import TEAMS  # noqa: E402
from layers.vehicles import KINDS  # noqa: E402
from layers.vessels import CATEGORIES  # noqa: E402

OUT = ROOT / "assets" / "sprite"
CELL = 22                  # pixels per icon at 1x
SAMPLES = 4
OUTLINE = (15, 23, 42)     # slate-900
ARROW = Polygon([(0, 0.47), (0.26, 0.12), (0.24, -0.44), (-0.24, -0.44), (-0.26, 0.12)])
ROUND = Point(0, 0).buffer(0.27, 24)
VEHICLE = Polygon([(0, 0.4), (0.2, 0.2), (0.2, -0.4), (-0.2, -0.4), (-0.2, 0.2)])     # a box with a pointed front
PERSON = Point(0, 0).buffer(0.2, 16)


def _hex(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def icon(shape: Polygon, fill: tuple[int, int, int], size: int) -> np.ndarray:
    """One icon as an RGBA array: the shape filled, with a dark outline about one pixel wide."""
    n = size * SAMPLES
    centres = (np.arange(n) + 0.5) / n - 0.5
    xs, ys = np.meshgrid(centres, -centres)
    outer = shape.buffer(1.1 / size, join_style="mitre")
    inside = shapely.contains_xy(shape, xs, ys)
    edge = shapely.contains_xy(outer, xs, ys) & ~inside
    rgb = np.zeros((n, n, 3))
    rgb[inside] = fill
    rgb[edge] = OUTLINE
    alpha = (inside | edge).astype(float)
    # average each SAMPLES × SAMPLES block (premultiplied, so edges blend toward transparent, not black)
    def block(a: np.ndarray) -> np.ndarray:
        return a.reshape(size, SAMPLES, size, SAMPLES, *a.shape[2:]).mean(axis=(1, 3))
    a = block(alpha)
    c = block(rgb * alpha[..., None]) / np.maximum(a, 1e-9)[..., None]
    return np.dstack([c, a * 255]).round().clip(0, 255).astype(np.uint8)


def png(rgba: np.ndarray) -> bytes:
    h, w, _ = rgba.shape
    raw = b"".join(b"\x00" + rgba[y].tobytes() for y in range(h))
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def names() -> list[tuple[str, Polygon, tuple[int, int, int]]]:
    out = []
    for cat, (colour, *_rest) in CATEGORIES.items():
        out.append((f"vessel-{cat}", ARROW, _hex(colour)))
        out.append((f"vessel-{cat}-still", ROUND, _hex(colour)))
    out += [(f"vehicle-{kind}", VEHICLE, _hex(colour)) for kind, (colour, *_rest) in KINDS.items()]
    out += [(f"person-{team}", PERSON, _hex(colour)) for team, (colour, *_rest) in TEAMS.items()]
    return out


def sheet(ratio: int) -> tuple[bytes, dict[str, dict[str, int]]]:
    size = CELL * ratio
    icons = names()
    cols = 4
    rows = (len(icons) + cols - 1) // cols
    canvas = np.zeros((rows * size, cols * size, 4), dtype=np.uint8)
    index: dict[str, dict[str, int]] = {}
    for k, (name, shape, fill) in enumerate(icons):
        r, c = divmod(k, cols)
        canvas[r * size:(r + 1) * size, c * size:(c + 1) * size] = icon(shape, fill, size)
        index[name] = {"x": c * size, "y": r * size, "width": size, "height": size, "pixelRatio": ratio}
    return png(canvas), index


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for ratio, suffix in ((1, ""), (2, "@2x")):
        image, index = sheet(ratio)
        (OUT / f"portmap{suffix}.png").write_bytes(image)
        (OUT / f"portmap{suffix}.json").write_text(json.dumps(index, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(index)} icons to {OUT}")


if __name__ == "__main__":
    main()
