"""Random AIS position payloads and sentences for exactness checks: every bit random, then edge values planted.

The planted values are the ones a decoder gets wrong: "not available" (lon 181, lat 91, speed 1023, course
3600, heading 511, turn -128), the limits beside them, MMSIs out of range, positions out of range, other
message types of the same length (4, 9, 11) and characters pyais maps oddly ('X' to '_').
"""

from __future__ import annotations

import random
from collections.abc import Iterator

ARMOR = bytes(v + 48 if v < 40 else v + 56 for v in range(64))      # 6-bit value -> payload character
ODD_CHARS = bytes(c for c in range(48, 120) if c != 92)              # every byte pyais reads as a payload
DEG = 600_000                                                        # lon/lat unit: 1/10000 minute
TYPES = (1, 1, 1, 2, 3, 18, 18, 4, 9, 11, 0, 27)


def _put(value: int, start: int, width: int, field: int) -> int:
    shift = 168 - start - width
    mask = ((1 << width) - 1) << shift
    return (value & ~mask) | ((field & ((1 << width) - 1)) << shift)


def payload(rng: random.Random, mmsi: int | None = None) -> bytes:
    """One 28-character payload: random bits, a type from TYPES, some fields set to edge values (or the MMSI
    given)."""
    if mmsi is None and rng.random() < 0.1:      # any characters pyais accepts, 'X'..'_' and 'x'..'w' included
        return bytes([rng.choice(b"123B")]) + bytes(rng.choice(ODD_CHARS) for _ in range(27))
    v = _put(rng.getrandbits(168), 0, 6, rng.choice(TYPES))
    b = 4 if v >> 162 == 18 else 0           # type 18's fields after the MMSI sit 4 bits earlier
    edges = (
        (61 - b, 28, (181 * DEG, -180 * DEG, 180 * DEG, 180 * DEG + 1, rng.randint(-180 * DEG, 180 * DEG))),
        (89 - b, 27, (91 * DEG, -90 * DEG, 90 * DEG, -90 * DEG - 1, rng.randint(-90 * DEG, 90 * DEG))),
        (8, 30, (0, 1, 999_999_999, 1_000_000_000, (1 << 30) - 1)),
        (42, 8, (128, 127, 129, 0, 1)),
        (50 - b, 10, (1023, 1022, 1021, 0)),
        (116 - b, 12, (3600, 3599, 4095, 0)),
        (128 - b, 9, (359, 360, 511, 0)),
        (137 - b, 6, (59, 60, 63, 0)),
    )
    for start, width, choices in edges:
        if rng.random() < 0.3:
            v = _put(v, start, width, int(rng.choice(choices)))
    if mmsi is not None:
        v = _put(v, 8, 30, mmsi)
    return bytes(ARMOR[(v >> (162 - 6 * i)) & 63] for i in range(28))


def checksum(body: str) -> int:
    """NMEA's: the XOR of the characters between ! (or \\) and *."""
    x = 0
    for c in body.encode():
        x ^= c
    return x


def payloads(count: int, seed: int = 31) -> list[bytes]:
    rng = random.Random(seed)
    return [payload(rng) for _ in range(count)]


def sentences(count: int, seed: int = 31, start: int = 1_767_225_600, mmsi_base: int | None = None) -> Iterator[bytes]:
    """NMEA lines around random payloads: tag blocks or none, both channels, now and then a bad checksum,
    a type 5 in two parts, a $PGHP clock, a comment or a broken line between them. `mmsi_base`: each payload
    gets its own MMSI from there (no two reports of one vessel in one second)."""
    rng = random.Random(seed)
    for n in range(count):
        unix = start + n // 50
        roll = rng.random()
        mmsi = None if mmsi_base is None else mmsi_base + n
        body = f"AIVDM,1,1,,{'AB'[n % 2]},{payload(rng, mmsi).decode()},0"
        cs = checksum(body)
        if roll < 0.02:
            cs ^= 1 + rng.randrange(255)
        sentence = f"!{body}*{cs:02X}"
        if roll < 0.6:
            tag = f"s:rx{n % 3},c:{unix}"
            yield f"\\{tag}*{checksum(tag):02X}\\{sentence}\n".encode()
        elif roll < 0.9:
            yield f"{sentence}\n".encode()
        elif roll < 0.93:
            yield b"!AIVDM,2,1,3,A,55?MbV02;H;s<HtKR20EHE:0@T4@Dn2222222216L961O5Gf0NSQEp6ClRp8,0*1C\n"
            yield b"!AIVDM,2,2,3,A,88888888880,2*25\n"
        elif roll < 0.95:
            pghp = f"PGHP,1,2026,1,1,0,{n // 3000 % 60},{n // 50 % 60},{n % 1000},219,219,2190047,1,1"
            yield f"${pghp}*{checksum(pghp):02X}\n".encode()
        elif roll < 0.97:
            yield b"# a comment\n"
        else:
            yield f"{sentence[: rng.randrange(len(sentence))]}\n".encode()
