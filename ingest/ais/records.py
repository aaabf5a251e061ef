"""Decoded AIS messages to table rows, validated: 'not available' becomes NULL, bad values a reason."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pyais.util import get_country

POSITION_TYPES = frozenset({1, 2, 3, 18, 19, 27, 9})
STATIC_TYPES = frozenset({5, 19, 24})
NA_LAT, NA_LON = 91.0, 181.0


class Invalid(Exception):
    """A message that decodes but cannot be stored; args[0] is the reason, args[1] the detail."""


def flag_of(mmsi: int) -> str | None:
    """ISO 3166 alpha-2 of the MID inside an MMSI (ships MIDxxxxxx, coast 00MID, craft 98MID/99MID, SAR 111MID)."""
    digits = f"{mmsi:09d}"
    if digits.startswith("111"):
        mid = digits[3:6]
    elif digits.startswith(("98", "99")) or digits.startswith("00"):
        mid = digits[2:5]
    elif digits.startswith("0") or digits.startswith(("97",)):
        return None              # group calls and SART/MOB/EPIRB carry no flag
    else:
        mid = digits[0:3]
    code = get_country(int(mid + "000000"))[0]
    return None if code == "NA" else code


def check_mmsi(mmsi: Any) -> int:
    if not isinstance(mmsi, int) or not 1 <= mmsi <= 999_999_999:
        raise Invalid("invalid_mmsi", f"MMSI {mmsi!r} is not 1-999999999")
    return mmsi


def lon_lat(lon: Any, lat: Any) -> tuple[float | None, float | None]:
    """Degrees, or (None, None) when the position is 'not available' (lon 181 / lat 91)."""
    if lon is None or lat is None or abs(lon - NA_LON) < 1e-6 or abs(lat - NA_LAT) < 1e-6:
        return None, None
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise Invalid("position_out_of_range", f"lon {lon}, lat {lat}")
    return float(lon), float(lat)


def sog(value: Any, na: float = 102.3) -> float | None:
    if value is None or value >= na - 1e-6 or value < 0:
        return None
    return float(value)


def cog(value: Any) -> float | None:
    return None if value is None or not 0 <= value < 360 else float(value)


def heading(value: Any) -> int | None:
    return None if value is None or not 0 <= value <= 359 else int(value)


def rot(value: Any) -> float | None:
    if value is None:
        return None
    v = float(value)
    return None if v <= -128 else v


def text(value: Any) -> str | None:
    if not value:
        return None
    cleaned = str(value).replace("@", " ").strip()
    return cleaned or None


def ship_type(value: Any) -> int | None:
    """0 is 'not available'."""
    return int(value) if value else None


def dim(value: Any) -> int | None:
    return int(value) if isinstance(value, int) and value > 0 else None


def eta(month: Any, day: Any, hour: Any, minute: Any, observed: datetime) -> datetime | None:
    """ETA carries no year: take the observation's year, or the next one if that is over 180 days past."""
    if not (isinstance(month, int) and 1 <= month <= 12 and isinstance(day, int) and 1 <= day <= 31):
        return None
    hour = hour if isinstance(hour, int) and 0 <= hour <= 23 else 0
    minute = minute if isinstance(minute, int) and 0 <= minute <= 59 else 0
    try:
        when = datetime(observed.year, month, day, hour, minute, tzinfo=UTC)
        if (observed - when).days > 180:
            when = when.replace(year=observed.year + 1)
    except ValueError:          # 30 February, or 29 February in a common year
        return None
    return when


def position_row(msg: Any, observed: datetime, received: datetime, source: str) -> tuple[Any, ...]:
    """(mmsi, observed_at, received_at, source, msg_type, lon, lat, sog, cog, heading, rot, status,
    accuracy, altitude) for types 1/2/3, 18, 19, 27 and 9."""
    t = msg.msg_type
    lon, lat = lon_lat(msg.lon, msg.lat)
    if t == 9:
        return (check_mmsi(msg.mmsi), observed, received, source, t, lon, lat, sog(msg.speed, 1023),
                cog(msg.course), None, None, None, bool(msg.accuracy),
                None if msg.alt is None or msg.alt >= 4095 else int(msg.alt))
    if t == 27:
        speed = None if msg.speed is None or msg.speed >= 63 else float(msg.speed)
        course = None if msg.course is None or msg.course >= 511 else float(msg.course)
        return (check_mmsi(msg.mmsi), observed, received, source, t, lon, lat, speed, course, None, None,
                int(msg.status), bool(msg.accuracy), None)
    # the hot path (most messages): the checks of sog(), cog(), heading() and rot(), inlined
    speed, course, head = msg.speed, msg.course, msg.heading
    status: int | None = None
    turn: float | None = None
    if t <= 3:
        status = int(msg.status)
        turn = None if msg.turn is None or msg.turn <= -128 else float(msg.turn)
    mmsi = msg.mmsi
    if not 1 <= mmsi <= 999_999_999:
        check_mmsi(mmsi)
    return (mmsi, observed, received, source, t, lon, lat,
            None if speed is None or speed >= 102.29 or speed < 0 else float(speed),
            None if course is None or not 0 <= course < 360 else float(course),
            None if head is None or not 0 <= head <= 359 else int(head), turn, status, bool(msg.accuracy), None)


# pyais folds reserved ship types into one enum member (66 reads as 65): read the 8 bits themselves.
SHIP_TYPE_BIT = {5: 232, 19: 263, 24: 40}


def raw_ship_type(bits: Any, msg_type: int) -> int | None:
    start = SHIP_TYPE_BIT[msg_type]
    if bits is None or len(bits) < start + 8:
        return None
    return ship_type(bits.get(start, 8))


def static_parts(msg: Any, bits: Any = None) -> tuple[dict[str, Any], tuple[Any, Any, Any, Any] | None]:
    """The static/voyage fields a message carries (only those; a 24A has a name and nothing else), and for a
    type 5 its ETA as (month, day, hour, minute): the ETA's year needs the observation (see eta()). A pure
    function of the payload, so a decoder may keep it for the next identical report."""
    t = msg.msg_type
    if t == 5:
        return {"ais_class": "A",
                "imo": msg.imo if isinstance(msg.imo, int) and 1_000_000 <= msg.imo <= 9_999_999 else None,
                "call_sign": text(msg.callsign), "name": text(msg.shipname), "ship_type": raw_ship_type(bits, 5),
                "draught_m": float(msg.draught) if msg.draught else None, "destination": text(msg.destination),
                **_dims(msg)}, (msg.month, msg.day, msg.hour, msg.minute)
    out: dict[str, Any] = {}
    if t == 24:
        out["ais_class"] = "B"
        if msg.partno == 0:
            out["name"] = text(msg.shipname)
        else:
            out.update(call_sign=text(msg.callsign), ship_type=raw_ship_type(bits, 24))
            if hasattr(msg, "to_bow"):
                out.update(_dims(msg))
    elif t == 19:
        out.update(ais_class="B", name=text(msg.shipname), ship_type=raw_ship_type(bits, 19))
        out.update(_dims(msg))
    return out, None


def _dims(msg: Any) -> dict[str, Any]:
    return {"dim_a_m": dim(msg.to_bow), "dim_b_m": dim(msg.to_stern), "dim_c_m": dim(msg.to_port),
            "dim_d_m": dim(msg.to_starboard)}


def aton_row(msg: Any, observed: datetime, source: str) -> tuple[Any, ...]:
    lon, lat = lon_lat(msg.lon, msg.lat)
    if lon is None:
        raise Invalid("no_position", "aid to navigation without a position")
    name = (text(msg.name) or "") + (text(getattr(msg, "name_ext", None)) or "")
    return (check_mmsi(msg.mmsi), name or None, int(msg.aid_type), dim(msg.to_bow), dim(msg.to_stern),
            dim(msg.to_port), dim(msg.to_starboard), bool(msg.virtual_aid), bool(msg.off_position),
            lon, lat, observed, source)


def base_station_row(msg: Any, observed: datetime, source: str) -> tuple[Any, ...]:
    lon, lat = lon_lat(msg.lon, msg.lat)
    if lon is None:
        raise Invalid("no_position", "base station without a position")
    try:
        station_time = datetime(msg.year, msg.month, msg.day, msg.hour, msg.minute, msg.second, tzinfo=UTC)
    except (TypeError, ValueError):
        station_time = None
    return (check_mmsi(msg.mmsi), lon, lat, station_time, observed, source)
