"""Vectorised decoding of 28-character AIS position payloads (types 1, 2, 3 and 18), exactly as pyais reads them.

A whole chunk at once: the armoured characters are unpacked to bits through pyais's own table (as its bit
vector does, by base64), the 168 bits of a message are three 64-bit words, and every field is a shift and a
mask over a column. The scaled values ("not available" as NULL, speed and course in tenths, the rate of turn's
square law) are what pyais and `records.position_row` give: where a field has few raw values, its table is
built at import by calling pyais's own converters, and lon/lat use pyais's integer formula, so the floats are
bit for bit the same.
"""

from __future__ import annotations

import binascii
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from pyais.bit_vector import _ARMOR_TO_B64
from pyais.messages import to_10th, to_speed, to_turn

from ingest.ais import records

CHARS = 28                  # 168 bits: types 1, 2, 3 and 18 exactly, fill bits 0
FAST_TYPES = (1, 2, 3, 18)



def _table(raw_values: range, convert: Callable[[int], float | None]) -> tuple[np.ndarray, np.ndarray]:
    """(value, valid) per raw value, from a function returning a float or None."""
    out = [convert(v) for v in raw_values]
    return (np.array([0.0 if x is None else x for x in out], dtype=np.float64),
            np.array([x is not None for x in out], dtype=bool))


def _speed(raw: int) -> float | None:
    s = to_speed(raw)                       # as records.position_row reads msg.speed
    return None if s >= 102.29 or s < 0 else float(s)


def _course(raw: int) -> float | None:
    c = to_10th(raw)
    return None if not 0 <= c < 360 else float(c)


def _turn(raw: int) -> float | None:
    signed = raw - 256 if raw > 127 else raw
    t = to_turn(signed)
    return None if t is None or t <= -128 else float(t)


SPEED, SPEED_OK = _table(range(1024), _speed)
COURSE, COURSE_OK = _table(range(4096), _course)
TURN, TURN_OK = _table(range(256), _turn)


@dataclass
class Positions:
    """What `records.position_row` gives for each payload, as columns; `ok` False where the slow path would
    not give a plain row (another type, an invalid MMSI, a position out of range): those go the slow way."""

    ok: np.ndarray
    msg_type: np.ndarray       # int16
    mmsi: np.ndarray           # int32
    second: np.ndarray         # int16, the report's UTC second (0-63 as sent)
    lon: np.ndarray
    lat: np.ndarray
    position_ok: np.ndarray    # False: "not available" (lon 181 / lat 91), both NULL
    sog: np.ndarray
    sog_ok: np.ndarray
    cog: np.ndarray
    cog_ok: np.ndarray
    heading: np.ndarray        # int16
    heading_ok: np.ndarray
    rot: np.ndarray
    rot_ok: np.ndarray
    status: np.ndarray         # int16
    status_ok: np.ndarray
    accuracy: np.ndarray       # bool


def payload_words(payloads: bytes) -> np.ndarray:
    """Payloads of 28 characters each, joined -> (N, 3) uint64 holding bits 0-63, 64-127 and 128-167 (then
    zeros). The armour is mapped onto base64's alphabet with pyais's own table and unpacked by binascii, as
    pyais's bit vector does it: 28 characters are 21 bytes exactly."""
    raw = binascii.a2b_base64(payloads.translate(_ARMOR_TO_B64))
    padded = np.zeros((len(raw) // 21, 24), dtype=np.uint8)
    padded[:, :21] = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 21)
    return padded.view(">u8").astype(np.uint64)


def field(words: np.ndarray, start: int, width: int, signed: bool = False) -> np.ndarray:
    """Bits [start, start + width) of each message, as int64 (two's complement when `signed`)."""
    w, offset = divmod(start, 64)
    if offset + width <= 64:
        v = (words[:, w] >> np.uint64(64 - offset - width)) & np.uint64((1 << width) - 1)
    else:                                   # spans two words
        low = offset + width - 64
        v = ((words[:, w] & np.uint64((1 << (64 - offset)) - 1)) << np.uint64(low)) | (
            words[:, w + 1] >> np.uint64(64 - low))
    out = v.astype(np.int64)
    if signed:
        out = np.where(out >= 1 << (width - 1), out - (1 << width), out)
    return out


def lat_lon(raw: np.ndarray) -> np.ndarray:
    """pyais's to_lat_lon for integers: round(v / 600000, 6) == ((10 v + 3) // 6) / 1e6, bit for bit."""
    return ((10 * raw + 3) // 6) / 1e6


def decode(payloads: bytes) -> Positions:
    """Payloads of 28 characters each (armoured, fill bits 0), joined -> the position columns of each."""
    words = payload_words(payloads)
    t = field(words, 0, 6)
    is18 = t == 18           # type 18 has 8 reserved bits where 1-3 have status and turn (12 bits): the fields
    mmsi = field(words, 8, 30)
    status = field(words, 38, 4)
    turn_raw = field(words, 42, 8)
    speed_raw = np.where(is18, field(words, 46, 10), field(words, 50, 10))
    accuracy = np.where(is18, field(words, 56, 1), field(words, 60, 1)).astype(bool)
    lon_raw = np.where(is18, field(words, 57, 28, True), field(words, 61, 28, True))
    lat_raw = np.where(is18, field(words, 85, 27, True), field(words, 89, 27, True))
    course_raw = np.where(is18, field(words, 112, 12), field(words, 116, 12))
    heading = np.where(is18, field(words, 124, 9), field(words, 128, 9))
    second = np.where(is18, field(words, 133, 6), field(words, 137, 6))    # after them sit 4 bits earlier
    lon, lat = lat_lon(lon_raw), lat_lon(lat_raw)
    na = (np.abs(lon - records.NA_LON) < 1e-6) | (np.abs(lat - records.NA_LAT) < 1e-6)
    in_range = (lon >= -180.0) & (lon <= 180.0) & (lat >= -90.0) & (lat <= 90.0)
    class_a = t <= 3
    ok = (((t >= 1) & class_a) | is18) & (mmsi >= 1) & (mmsi <= 999_999_999) & (na | in_range)
    return Positions(
        ok=ok, msg_type=t.astype(np.int16), mmsi=mmsi.astype(np.int32), second=second.astype(np.int16),
        lon=np.where(na, 0.0, lon), lat=np.where(na, 0.0, lat), position_ok=~na,
        sog=SPEED[speed_raw], sog_ok=SPEED_OK[speed_raw], cog=COURSE[course_raw], cog_ok=COURSE_OK[course_raw],
        heading=heading.astype(np.int16), heading_ok=heading <= 359,
        rot=np.where(class_a, TURN[turn_raw], 0.0), rot_ok=class_a & TURN_OK[turn_raw],
        status=np.where(class_a, status, 0).astype(np.int16), status_ok=class_a, accuracy=accuracy)
