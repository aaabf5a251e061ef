"""Write MapLibre SDF glyph ranges (PBF) and a web font subset, so the map draws labels offline.

Build-time only (not a runtime dependency): needs freetype-py, fonttools and brotli in the venv,
and Debian's fonts-noto-cjk. Output is committed under assets/glyphs/ and assets/fonts/.

    .venv/bin/pip install freetype-py fonttools brotli
    .venv/bin/python scripts/make_glyphs.py

The SDF parameters are MapLibre's: 24 px em, 3 px buffer, radius 8, cutoff 0.25; a glyph's top is
its bitmap top minus the face ascender, as node-fontnik writes it.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import freetype  # type: ignore[import-untyped]
import numpy as np

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FACE_INDEX = 2  # Noto Sans CJK SC
ROOT = Path(__file__).resolve().parent.parent / "assets"
SIZE, BUFFER, RADIUS, CUTOFF, OVERSAMPLE = 24, 3, 8, 0.25, 4
# Latin, Latin-1, Latin extended, general punctuation, CJK punctuation, fullwidth forms, arrows.
RANGES = [0, 256, 8192, 8448, 8704, 9472, 12288, 65280]


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(number: int, wire: int, payload: bytes | int) -> bytes:
    key = varint(number << 3 | wire)
    if wire == 0:
        return key + varint(int(payload))  # type: ignore[arg-type]
    data = payload if isinstance(payload, bytes) else b""
    return key + varint(len(data)) + data


def zigzag(n: int) -> int:
    return (n << 1) ^ (n >> 31)


def sdf(alpha: np.ndarray) -> np.ndarray:
    """Signed distance (px at SIZE) for every output pixel of an OVERSAMPLEd glyph, buffered."""
    inside = alpha >= 128
    _h, _w = inside.shape
    pad = (BUFFER * OVERSAMPLE)
    inside = np.pad(inside, pad)
    out_h, out_w = inside.shape[0] // OVERSAMPLE, inside.shape[1] // OVERSAMPLE
    # Edge pixels: inside pixels with an outside 4-neighbour, and vice versa.
    edge = np.zeros_like(inside)
    for axis in (0, 1):
        for shift in (1, -1):
            edge |= inside != np.roll(inside, shift, axis=axis)
    ey, ex = np.nonzero(edge)
    cy = (np.arange(out_h) + 0.5) * OVERSAMPLE - 0.5
    cx = (np.arange(out_w) + 0.5) * OVERSAMPLE - 0.5
    gy, gx = np.meshgrid(cy, cx, indexing="ij")
    if len(ey) == 0:
        dist = np.full(gy.shape, float(RADIUS))
    else:
        d2 = (gy[..., None] - ey) ** 2 + (gx[..., None] - ex) ** 2
        dist = np.sqrt(d2.min(axis=-1)) / OVERSAMPLE
    centre_inside = inside[np.clip(np.round(gy).astype(int), 0, inside.shape[0] - 1),
                           np.clip(np.round(gx).astype(int), 0, inside.shape[1] - 1)]
    signed = np.where(centre_inside, -dist, dist)
    return np.clip(np.round(255 - 255 * (signed / RADIUS + CUTOFF)), 0, 255).astype(np.uint8)


def glyph(face: freetype.Face, big: freetype.Face, code: int, ascender: int) -> bytes | None:
    if face.get_char_index(code) == 0:
        return None
    face.load_char(code, freetype.FT_LOAD_NO_HINTING | freetype.FT_LOAD_RENDER)
    g = face.glyph
    width, height = g.bitmap.width, g.bitmap.rows
    msg = field(1, 0, code)
    if width and height:
        big.load_char(code, freetype.FT_LOAD_NO_HINTING | freetype.FT_LOAD_RENDER)
        bb = big.glyph.bitmap
        alpha = np.array(bb.buffer, dtype=np.uint8).reshape(bb.rows, bb.pitch)[:, :bb.width]
        # Place the big bitmap on a canvas exactly OVERSAMPLE x the small one.
        canvas = np.zeros((height * OVERSAMPLE, width * OVERSAMPLE), dtype=np.uint8)
        hh, ww = min(alpha.shape[0], canvas.shape[0]), min(alpha.shape[1], canvas.shape[1])
        canvas[:hh, :ww] = alpha[:hh, :ww]
        bitmap = sdf(canvas)
        assert bitmap.shape == (height + 2 * BUFFER, width + 2 * BUFFER), bitmap.shape
        msg += field(2, 2, bitmap.tobytes())
    msg += field(3, 0, width) + field(4, 0, height)
    msg += field(5, 0, zigzag(g.bitmap_left)) + field(6, 0, zigzag(g.bitmap_top - ascender))
    msg += field(7, 0, g.advance.x >> 6)
    return msg


def write_ranges(stack: str = "Noto Sans Regular") -> None:
    face = freetype.Face(str(FONT), FACE_INDEX)
    face.set_pixel_sizes(0, SIZE)
    big = freetype.Face(str(FONT), FACE_INDEX)
    big.set_pixel_sizes(0, SIZE * OVERSAMPLE)
    ascender = face.size.ascender >> 6
    out = ROOT / "glyphs"
    out.mkdir(parents=True, exist_ok=True)
    for start in RANGES:
        name = f"{start}-{start + 255}"
        glyphs = [g for code in range(start, start + 256) if (g := glyph(face, big, code, ascender))]
        stack_msg = field(1, 2, stack.encode()) + field(2, 2, name.encode())
        stack_msg += b"".join(field(3, 2, g) for g in glyphs)
        (out / f"{name}.pbf").write_bytes(field(1, 2, stack_msg))
        print(f"glyphs {name}: {len(glyphs)}")


def write_webfont() -> None:
    """A woff2 subset of Noto Sans CJK SC: ASCII, Latin-1, punctuation and the GB2312 characters."""
    from fontTools import subset  # type: ignore[import-untyped]
    chars = {chr(c) for c in range(0x20, 0x250)} | {chr(c) for c in range(0x2000, 0x2070)}
    chars |= {chr(c) for c in range(0x3000, 0x3040)} | {chr(c) for c in range(0xFF00, 0xFFF0)}
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.add(bytes([hi, lo]).decode("gb2312"))
    out = ROOT / "fonts"
    out.mkdir(parents=True, exist_ok=True)
    opts = subset.Options()
    opts.flavor = "woff2"
    opts.font_number = FACE_INDEX
    opts.layout_features = ["*"]
    font = subset.load_font(str(FONT), opts)
    sub = subset.Subsetter(opts)
    sub.populate(text="".join(chars))
    sub.subset(font)
    subset.save_font(font, str(out / "NotoSansSC-Regular-subset.woff2"), opts)
    print(f"web font: {len(chars)} characters")


if __name__ == "__main__":
    write_ranges()
    if "--no-webfont" not in sys.argv:
        write_webfont()
