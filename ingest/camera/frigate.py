"""Frigate `frigate/events` payloads (type new/update/end, before/after) to camera_event rows."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ingest.limits import InputRefused, loads_json

TYPES = frozenset({"new", "update", "end"})
MAX_BYTES = 64 * 1024         # a Frigate event is 1-3 KB
LABEL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_ .-]{0,39}$")     # an object class: person, truck, license_plate …


class Invalid(Exception):
    """A payload that cannot be stored; args: (reason, detail)."""


@dataclass(frozen=True)
class CameraEvent:
    event_id: str
    camera: str                 # Frigate's camera name (the port package's camera.source_name)
    label: str
    sub_label: str | None
    score: float | None
    top_score: float | None
    start_at: datetime
    end_at: datetime | None
    zones: list[str]
    entered_zones: list[str]
    has_snapshot: bool
    raw: dict[str, Any]


def parse_event(payload: bytes) -> CameraEvent:
    """One MQTT payload; a bad one raises Invalid with a named reason."""
    doc, after = _envelope(payload, "not_an_event", ("id", "camera", "label", "start_time"))
    end = after.get("end_time")
    label = str(after["label"])
    if not LABEL.match(label):
        raise Invalid("bad_value", f"label {label[:60]!r} is not an object class")
    return CameraEvent(
        event_id=str(after["id"])[:200], camera=str(after["camera"]), label=label,
        sub_label=_sub_label(after.get("sub_label")), score=_score(after.get("score")),
        top_score=_score(after.get("top_score")), start_at=_time(after["start_time"], "start_time"),
        end_at=_time(end, "end_time") if end is not None else None,
        zones=_names(after.get("current_zones")), entered_zones=_names(after.get("entered_zones")),
        has_snapshot=bool(after.get("has_snapshot")), raw=doc)


def _envelope(payload: bytes, wrong_shape: str, required: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Frigate's {type: new|update|end, before, after} around an object; returns (whole, after)."""
    try:
        doc = loads_json(payload, max_bytes=MAX_BYTES)
    except InputRefused as err:             # too_large, too_deep, nul_byte, bad_encoding, bad_json
        raise Invalid(err.reason, err.detail) from err
    if not isinstance(doc, dict) or not isinstance(doc.get("type"), str) or doc["type"] not in TYPES \
            or not isinstance(doc.get("after"), dict):
        raise Invalid(wrong_shape, "expected {type: new|update|end, before, after}")
    missing = [k for k in required if not doc["after"].get(k)]
    if missing:
        raise Invalid("missing_field", ", ".join(missing))
    return doc, doc["after"]


def _time(value: Any, name: str) -> datetime:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) or value <= 0:
        raise Invalid("bad_value", f"{name} {value!r} is not a UNIX time")
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError) as err:        # beyond the year 9999, or the platform's range
        raise Invalid("bad_value", f"{name} {value!r} is not a UNIX time") from err


def _score(value: Any) -> float | None:
    if value is None:
        return None
    if not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise Invalid("bad_value", f"score {value!r} is not in [0, 1]")
    return float(value)


def _sub_label(value: Any) -> str | None:
    """Frigate sends null, a string, or [name, score]."""
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value) if value else None


def _names(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


@dataclass(frozen=True)
class CameraReview:
    review_id: str
    camera: str
    severity: str
    objects: list[str]
    sub_labels: list[str]
    zones: list[str]
    detections: list[str]
    start_at: datetime
    end_at: datetime | None
    raw: dict[str, Any]


def parse_review(payload: bytes) -> CameraReview:
    """One `frigate/reviews` payload (new/update/end with before/after; severity alert or detection)."""
    doc, after = _envelope(payload, "not_a_review", ("id", "camera", "severity", "start_time"))
    if after["severity"] not in ("alert", "detection"):
        raise Invalid("bad_value", f"severity {after['severity']!r}")
    data: dict[str, Any] = after["data"] if isinstance(after.get("data"), dict) else {}
    end = after.get("end_time")
    return CameraReview(str(after["id"]), str(after["camera"]), after["severity"], _names(data.get("objects")),
                        _names(data.get("sub_labels")), _names(data.get("zones")), _names(data.get("detections")),
                        _time(after["start_time"], "start_time"),
                        _time(end, "end_time") if end is not None else None, doc)
