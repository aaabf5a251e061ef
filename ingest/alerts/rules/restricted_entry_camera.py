"""Rule 1 (cameras): a person or vehicle seen inside a restricted area by a camera. Event-based."""

from __future__ import annotations

from ingest.alerts.model import Factor, Finding, Snapshot, severity_factor
from ingest.alerts.rules import restricted_entry
from ingest.alerts.rules.base import Rule
from sql import query

LABELS_ZH = {"person": "人员", "car": "车辆", "truck": "卡车", "bicycle": "自行车", "motorcycle": "摩托车"}


def evaluate(snap: Snapshot) -> list[Finding]:
    conf = snap.settings(restricted_entry.Settings)
    labels = list(conf.camera_labels)
    guarded = {z.zone_id: z for z in snap.zones_of("restricted")
               if z.props.get("purpose") in conf.camera_purposes}
    out = []
    for e in query(snap.conn, "alert_camera_events", {"port_id": snap.port_id, "now": snap.now, "labels": labels}):
        event_id, camera_id, label, _sub, score, start_at, _end, zones, entered, wkt = e
        hit = [guarded[z] for z in {*(zones or []), *(entered or [])} if z in guarded]
        if not hit:
            continue
        zone = hit[0]
        severity = "warning"
        factors = [severity_factor(severity), Factor("people nearby", 20, f"a {label} inside {zone.name_en}")]
        if zone.props.get("purpose") == "dangerous_goods":
            factors.append(Factor("dangerous goods nearby", 15, "the area stores dangerous goods"))
        out.append(
            Finding(
                rule="restricted_entry_camera",
                key=f"restricted_entry_camera:{event_id}",
                severity=severity,
                subject_kind="camera_event",
                subject_id=event_id,
                geom_wkt=wkt,
                evidence_at=start_at,
                title_en=f"{label} seen inside {zone.name_en} ({camera_id})",
                title_zh=f"{camera_id} 发现{LABELS_ZH.get(label, label)}进入{zone.name_zh}",
                details={"zone_id": zone.zone_id, "camera_id": camera_id, "label": label, "score": score},
                factors=factors,
            )
        )
    return out


RULE = Rule("restricted_entry_camera", "event", evaluate)
