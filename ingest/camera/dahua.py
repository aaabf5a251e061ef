"""Dahua HTTP API events (`eventManager.cgi?action=attach` stream parts, and the same text pushed over HTTP):
`Code=CrossLineDetection;action=Start;index=0;data={…}` to vendor events. The camera is `dahua:<device>/<n>`
with n = index + 1 (the channel number the device's own pages show); Start/Stop open and close one event of
that code and channel, Pulse is both at once; `Heartbeat` parts are skipped."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

from ingest.camera.vendors import Invalid, VendorEvent
from ingest.limits import InputRefused, loads_json

MAX_BYTES = 64 * 1024
LINE = re.compile(r"^Code=([A-Za-z0-9_]{1,64});action=(Start|Stop|Pulse);index=(\d{1,4})(?:;data=(.*))?$", re.S)
LABELS = {
    "videomotion": "motion", "crosslinedetection": "line_crossing", "crossregiondetection": "intrusion",
    "leftdetection": "object_left", "takenawaydetection": "object_removed", "wanderdetection": "loitering",
    "facedetection": "person", "alarmlocal": "alarm_input", "videoblind": "tamper", "videoloss": "video_loss",
    "firewarning": "fire", "smokedetection": "smoke", "heatimagingtemper": "temperature",
    "heatimagingfire": "fire", "smartmotionhuman": "person", "smartmotionvehicle": "vehicle",
    "rioterdetection": "crowd", "parkingdetection": "parking", "fastmoving": "running",
}
OBJECTS = {"human": "person", "vehicle": "vehicle", "motorvehicle": "vehicle", "nonmotor": "vehicle",
           "ship": "boat", "boat": "boat"}
DAHUA_SPACE = 8192.0            # Dahua's normalised image coordinates


def parse_body(body: bytes, device: str) -> list[VendorEvent]:
    """The events of one part (a part may hold several `Code=` lines); a bad line raises Invalid."""
    if len(body) > MAX_BYTES:
        raise Invalid("too_large", f"{len(body)} bytes (at most {MAX_BYTES})")
    if b"\x00" in body:
        raise Invalid("nul_byte", "a NUL byte")
    try:
        text = body.decode("utf-8").strip()
    except UnicodeDecodeError as err:
        raise Invalid("bad_encoding", f"not UTF-8 at byte {err.start}") from err
    if not text or text == "Heartbeat":
        return []
    chunks = re.split(r"\r?\n(?=Code=)", text)
    return [parse_line(chunk.strip(), device) for chunk in chunks]


def parse_line(line: str, device: str) -> VendorEvent:
    found = LINE.match(line)
    if found is None:
        raise Invalid("not_an_event", f"not Code=…;action=Start|Stop|Pulse;index=…: {line[:60]!r}")
    code, action, index, data_text = found.groups()
    data: dict[str, Any] = {}
    if data_text:
        try:
            doc = loads_json(data_text.encode(), max_bytes=MAX_BYTES)
        except InputRefused as err:
            raise Invalid(err.reason, err.detail) from err
        data = doc if isinstance(doc, dict) else {}
    label, region = _object(data)
    label = label or LABELS.get(code.lower())
    if label is None:
        raise Invalid("unsupported_event", f"Code {code[:40]!r}")
    channel = int(index) + 1
    key = f"dahua:{device}/{channel}"
    at = _time(data)
    state = {"Start": "start", "Stop": "end", "Pulse": "pulse"}[action]
    if code.lower() == "videoloss":
        state = "offline" if action == "Start" else "keepalive"
    return VendorEvent(keys=(key,), topic=f"{code}:{index}", label=label, state=state, at=at, sub_label=code,
                       event_id=f"dahua:{key}:{code}:{at.isoformat()}", region=region,
                       raw={"code": code, "action": action, "index": int(index), "data": data})


def _time(data: dict[str, Any]) -> datetime:
    utc = data.get("UTC")
    if isinstance(utc, (int, float)) and not isinstance(utc, bool) and math.isfinite(utc) and 0 < utc < 4e9:
        return datetime.fromtimestamp(utc, tz=UTC)
    if utc is not None:
        raise Invalid("bad_value", f"UTC {str(utc)[:30]!r}")
    return datetime.now(UTC)       # (Dahua's text events carry no time without data: the moment it is read)


def _object(data: dict[str, Any]) -> tuple[str | None, tuple[float, float] | None]:
    obj = data.get("Object")
    if not isinstance(obj, dict):
        objects = data.get("Objects")
        obj = objects[0] if isinstance(objects, list) and objects and isinstance(objects[0], dict) else {}
    label = OBJECTS.get(str(obj.get("ObjectType", "")).lower())
    box = obj.get("BoundingBox")
    if isinstance(box, list) and len(box) == 4 and all(isinstance(v, (int, float)) for v in box):
        x0, x1 = box[0] / DAHUA_SPACE, box[2] / DAHUA_SPACE
        if 0 <= x0 <= x1 <= 1:
            return label, (x0, x1)
    return label, None
