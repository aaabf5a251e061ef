"""Hikvision ISAPI `EventNotificationAlert` (HTTP listening host push, and /ISAPI/Event/notification/alertStream)
to vendor events: eventType to a label, eventState active/inactive to the start/end of one event, channelID and
the device's MAC/IP address to the camera (vendor ids `hikvision:<mac>/<ch>`, `hikvision:<ip>/<ch>`), the
target rectangle to where in the cone. `videoloss` inactive with activePostCount 0 is the device's heartbeat."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from ingest.camera.multipart import Part
from ingest.camera.vendors import Invalid, VendorEvent
from ingest.limits import InputRefused, parse_xml

NAMESPACES = ("http://www.hikvision.com/ver20/XMLSchema", "http://www.isapi.org/ver20/XMLSchema",
              "http://www.hikvision.com/ver10/XMLSchema", "")
MAX_BYTES = 64 * 1024          # an alert is 1-3 KB; a long region list 10 KB
LABELS = {
    "vmd": "motion", "linedetection": "line_crossing", "fielddetection": "intrusion",
    "regionentrance": "region_entrance", "regionexiting": "region_exit", "loitering": "loitering",
    "pir": "pir", "io": "alarm_input", "shelteralarm": "tamper", "tamperdetection": "tamper",
    "firedetection": "fire", "smokedetection": "smoke", "smokeandfiredetection": "fire",
    "tma": "temperature", "tmpa": "temperature", "thermometry": "temperature", "temperature": "temperature",
    "temperaturealarm": "temperature", "facedetection": "person", "humanrecognition": "person",
    "vehicledetection": "vehicle", "unattendedbaggage": "object_left", "attendedbaggage": "object_removed",
    "parking": "parking", "group": "crowd", "rapidmove": "running", "videoloss": "video_loss",
}
TARGETS = {"human": "person", "person": "person", "vehicle": "vehicle", "car": "vehicle", "boat": "boat",
           "ship": "boat", "animal": "animal"}
MAC = re.compile(r"^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$")
IP = re.compile(r"^[0-9A-Fa-f.:]{2,45}$")


def _find(root: ET.Element, ns: str, name: str) -> str:
    found = root.find(f"{{{ns}}}{name}" if ns else name)
    return (found.text or "").strip() if found is not None else ""


def parse_alert(payload: bytes, picture: bytes | None = None, picture_over: int = 0) -> VendorEvent:
    """One EventNotificationAlert; a bad one raises Invalid(reason, detail)."""
    if b"\x00" in payload:
        raise Invalid("nul_byte", "a NUL byte")
    try:        # size and depth capped, DTDs refused (no entity expansion: the XML bomb is refused here)
        root = parse_xml(payload, max_bytes=MAX_BYTES)
    except InputRefused as err:         # too_large, too_deep, xml_dtd, bad_xml
        raise Invalid(err.reason, err.detail) from err
    ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    if root.tag.rsplit("}", 1)[-1] != "EventNotificationAlert" or ns not in NAMESPACES:
        raise Invalid("not_an_event", f"root {root.tag[:80]!r} is not an ISAPI EventNotificationAlert")
    f = {name: _find(root, ns, name) for name in (
        "ipAddress", "macAddress", "channelID", "dynChannelID", "inputIOPortID", "dateTime", "activePostCount",
        "eventType", "eventState", "eventDescription", "channelName")}
    kind = f["eventType"]
    if not kind:
        raise Invalid("missing_field", "eventType")
    channel = f["channelID"] or f["dynChannelID"] or f["inputIOPortID"]
    if not channel.isdigit() or len(channel) > 4:
        raise Invalid("missing_field" if not channel else "bad_value", f"channelID {channel[:20]!r}")
    keys = tuple(f"hikvision:{dev}/{int(channel)}" for dev in (f["macAddress"].lower(), f["ipAddress"])
                 if dev and (MAC.match(dev) or IP.match(dev)))
    if not keys:
        raise Invalid("missing_field", "macAddress or ipAddress of the device")
    at = _time(f["dateTime"])
    state = f["eventState"].lower()
    if kind.lower() == "videoloss":        # the heartbeat (inactive, count 0) or a lost picture (active)
        state = "offline" if state == "active" else "keepalive"
    elif state not in ("active", "inactive"):
        raise Invalid("bad_value", f"eventState {f['eventState'][:20]!r}")
    else:
        state = "start" if state == "active" else "end"
    label, region = _target(root, ns)
    label = label or LABELS.get(kind.lower())
    if label is None:
        raise Invalid("unsupported_event", f"eventType {kind[:40]!r}")
    topic = f"{kind}:{channel}"
    return VendorEvent(keys=keys, topic=topic, label=label, state=state, at=at, sub_label=kind[:40],
                       event_id=f"hik:{keys[0]}:{kind}:{at.isoformat()}", region=region, picture=picture,
                       picture_over=picture_over,
                       raw={k: v for k, v in f.items() if v})


def _time(value: str) -> datetime:
    if not value:
        raise Invalid("missing_field", "dateTime")
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as err:
        raise Invalid("bad_value", f"dateTime {value[:40]!r}") from err
    return at if at.tzinfo else at.replace(tzinfo=UTC)     # (devices set to UTC send no offset)


def _target(root: ET.Element, ns: str) -> tuple[str | None, tuple[float, float] | None]:
    """The first region's detection target (a label) and its horizontal extent across the image (0..1):
    TargetRect (normalised 0..1) or else the region's polygon (ISAPI's 0..1000)."""
    q = f"{{{ns}}}" if ns else ""
    entry = root.find(f"{q}DetectionRegionList/{q}DetectionRegionEntry")
    if entry is None:
        return None, None
    target = (entry.findtext(f"{q}detectionTarget") or "").strip().lower()
    label = TARGETS.get(target)
    rect = entry.find(f"{q}TargetRect") or entry.find(f"{q}targetRect")
    try:
        if rect is not None:
            x, w = float(rect.findtext(f"{q}X") or rect.findtext(f"{q}x") or "nan"), float(
                rect.findtext(f"{q}width") or "nan")
            scale = 1000.0 if x > 1 or w > 1 else 1.0
            return label, _clip(x / scale, (x + w) / scale)
        xs = [float(p.text or "nan") for p in entry.iter(f"{q}positionX")]
        if xs:
            return label, _clip(min(xs) / 1000, max(xs) / 1000)
    except ValueError:
        pass
    return label, None


def _clip(x0: float, x1: float) -> tuple[float, float] | None:
    if not (0 <= x0 <= 1 and 0 <= x1 <= 1.001 and x0 <= x1):        # (NaN fails every comparison)
        return None
    return x0, min(x1, 1.0)


def from_parts(parts: list[Part]) -> tuple[list[bytes], bytes | None, int]:
    """The XML alerts, the first picture of a multipart/form-data push (Hikvision names the XML part after
    the event type and the picture part `<type>.jpg` or `Picture`), and that picture's size if it was over the
    part cap (so not held)."""
    xml = [p.body for p in parts if p.body is not None and (
        p.kind in ("application/xml", "text/xml") or p.name.lower().endswith(".xml")
        or p.body.lstrip()[:5] == b"<?xml")]
    pictures = [p for p in parts if p.kind.startswith("image/") or p.name.lower().endswith((".jpg", ".jpeg"))]
    picture = pictures[0].body if pictures else None
    return xml, picture, pictures[0].size if pictures and picture is None else 0
