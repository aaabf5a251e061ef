"""The OsmAnd / Traccar Client position protocol, decoded (pure): the query form `?id=&lat=&lon=&timestamp=&speed=
&bearing=&altitude=&accuracy=&batt=` (GET, or POST with the form as query or body; speed in knots, as Traccar
reads it) and the JSON body of newer Traccar Clients (`{"device_id", "location": {"timestamp", "coords":
{"latitude", "longitude", "speed" (m/s), "heading", "accuracy", "altitude"}, "battery": {"level" (0-1)}}}`)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from ingest.limits import InputRefused, loads_json

DEVICE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
KNOT_MPS = 1852 / 3600
MAX_BODY = 64 * 1024


@dataclass(frozen=True)
class Fix:
    """One position of a phone, validated."""

    device_id: str
    observed_at: datetime
    lat: float
    lon: float
    speed_mps: float | None = None
    bearing_deg: float | None = None
    accuracy_m: float | None = None
    altitude_m: float | None = None
    battery_pct: float | None = None


def _number(value: Any, name: str, low: float, high: float) -> float | None:
    if value is None or value == "":
        return None
    try:
        n = float(value)
    except (TypeError, ValueError) as err:
        raise InputRefused(f"bad_{name}", repr(value)[:40]) from err
    if math.isnan(n) or not low <= n <= high:
        raise InputRefused(f"bad_{name}", repr(value)[:40])
    return n


def parse_time(value: Any) -> datetime:
    """Unix seconds or milliseconds, or ISO 8601 (UTC unless it says otherwise)."""
    if value is None or value == "":
        raise InputRefused("no_timestamp")
    text = str(value).strip()
    try:
        if re.fullmatch(r"\d+(\.\d+)?", text):
            n = float(text)
            return datetime.fromtimestamp(n / 1000 if n > 1e11 else n, UTC)
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError) as err:
        raise InputRefused("bad_timestamp", text[:40]) from err
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _fix(device: Any, at: Any, lat: Any, lon: Any, **rest: Any) -> Fix:
    device_id = str(device or "").strip()
    if not DEVICE.match(device_id):
        raise InputRefused("bad_device_id", device_id[:40])
    lat_n, lon_n = _number(lat, "lat", -90, 90), _number(lon, "lon", -180, 180)
    if lat_n is None or lon_n is None:
        raise InputRefused("no_position")
    return Fix(device_id, parse_time(at), lat_n, lon_n, **rest)


def from_query(query: str) -> Fix:
    """The query form; refused (InputRefused) for a missing or bad field."""
    if "\x00" in query:
        raise InputRefused("nul_byte")
    try:
        form = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True, strict_parsing=False,
                                                errors="strict", max_num_fields=64).items()}
    except UnicodeDecodeError as err:
        raise InputRefused("bad_encoding", "a %-escape that is not UTF-8") from err
    except ValueError as err:
        raise InputRefused("bad_query", str(err)[:80]) from err
    if any("\x00" in k or "\x00" in v for k, v in form.items()):
        raise InputRefused("nul_byte", "a NUL in a field")
    speed = _number(form.get("speed"), "speed", 0, 1000)
    return _fix(form.get("id") or form.get("deviceid"), form.get("timestamp"), form.get("lat"), form.get("lon"),
                speed_mps=None if speed is None else speed * KNOT_MPS,
                bearing_deg=_bearing(_number(form.get("bearing") or form.get("heading"), "bearing", -360, 720)),
                accuracy_m=_number(form.get("accuracy"), "accuracy", 0, 1e6),
                altitude_m=_number(form.get("altitude"), "altitude", -1000, 20000),
                battery_pct=_number(form.get("batt"), "battery", 0, 100))


def from_json(body: bytes) -> Fix:
    doc = loads_json(body, max_bytes=MAX_BODY, max_depth=8)
    if not isinstance(doc, dict) or not isinstance(doc.get("location"), dict):
        raise InputRefused("not_a_location", "expected {\"device_id\", \"location\": {...}}")
    loc = doc["location"]
    coords = loc.get("coords") if isinstance(loc.get("coords"), dict) else {}
    battery = loc.get("battery") if isinstance(loc.get("battery"), dict) else {}
    level = _number(battery.get("level"), "battery", -1, 100)
    speed = _number(coords.get("speed"), "speed", -1, 500)
    return _fix(doc.get("device_id") or loc.get("device_id"), loc.get("timestamp"), coords.get("latitude"),
                coords.get("longitude"), speed_mps=None if speed is None or speed < 0 else speed,
                bearing_deg=_bearing(_number(coords.get("heading"), "bearing", -360, 720)),
                accuracy_m=_number(coords.get("accuracy"), "accuracy", 0, 1e6),
                altitude_m=_number(coords.get("altitude"), "altitude", -1000, 20000),
                battery_pct=None if level is None or level < 0 else (level * 100 if level <= 1 else level))


def _bearing(value: float | None) -> float | None:
    return None if value is None or value < 0 else value % 360
