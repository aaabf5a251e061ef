"""ONVIF `tt:MetadataStream` event notifications (motion, fence, loitering, object analytics) to events."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from ingest.camera.frigate import Invalid
from ingest.limits import InputRefused, parse_xml

NS = {"tt": "http://www.onvif.org/ver10/schema", "wsnt": "http://docs.oasis-open.org/wsn/b-2"}
LABELS = [(re.compile(p, re.I), label) for p, label in (
    (r"FenceGuard", "fence"), (r"LoiteringGuard", "loitering"), (r"ObjectAnalytics", "object"),
    (r"MotionGuard|/VMD|MotionDetection|MotionRegionDetector|CellMotionDetector", "motion"))]
STATE_ITEMS = frozenset({"active", "state", "ismotion", "logicalstate"})
MAX_BYTES = 256 * 1024


@dataclass(frozen=True)
class OnvifNotification:
    topic: str
    label: str
    at: datetime
    active: bool
    operation: str          # Initialized / Changed / Deleted


def parse_notifications(payload: bytes) -> list[OnvifNotification]:
    """Every analytics notification in one MetadataStream; other topics (PTZ, I/O, …) raise unsupported_topic."""
    try:            # size and depth capped, no DTD (so no entity expansion, no external entity)
        root = parse_xml(payload, max_bytes=MAX_BYTES)
    except InputRefused as err:                     # too_large, too_deep, xml_dtd, bad_xml
        raise Invalid(err.reason, err.detail) from err
    out = []
    for note in root.iter(f"{{{NS['wsnt']}}}NotificationMessage"):
        topic = (note.findtext("wsnt:Topic", default="", namespaces=NS) or "").strip()
        label = next((lab for pattern, lab in LABELS if pattern.search(topic)), None)
        if label is None:
            raise Invalid("unsupported_topic", topic[:120] or "no topic")
        message = note.find(".//tt:Message", NS)
        if message is None or not message.get("UtcTime"):
            raise Invalid("missing_field", "tt:Message/@UtcTime")
        try:
            at = datetime.fromisoformat(message.get("UtcTime", "").replace("Z", "+00:00"))
        except ValueError as err:
            raise Invalid("bad_value", f"UtcTime {message.get('UtcTime')!r}") from err
        states = [item.get("Value", "") for item in message.iterfind("tt:Data/tt:SimpleItem", NS)
                  if (item.get("Name") or "").lower() in STATE_ITEMS]
        if not states:
            raise Invalid("missing_field", "no active/State item in tt:Data")
        out.append(OnvifNotification(topic, label, at, states[0].lower() in ("1", "true"),
                                     message.get("PropertyOperation", "Changed")))
    if not out:
        raise Invalid("not_an_event", "no wsnt:NotificationMessage")
    return out
