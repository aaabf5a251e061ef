"""Rule 9: smoke or fire seen by a camera within R metres of dangerous goods in the yard or of a tanker at a
berth: critical. Event-based: it lasts until an officer handles it."""

from __future__ import annotations

import numpy as np
import shapely
from pydantic import Field
from shapely import wkt as shapely_wkt

from ingest.alerts.model import Factor, Finding, Snapshot, dg_containers, severity_factor
from ingest.alerts.rules.base import Rule, RuleSettings
from sql import query

LABELS = ["smoke", "fire"]


class Settings(RuleSettings):
    table = "fire_near_dg"
    radius_m: float = Field(200, gt=0, le=5000)      # dangerous goods this close to a fire or smoke detection


def evaluate(snap: Snapshot) -> list[Finding]:
    radius = snap.settings(Settings).radius_m
    events = query(snap.conn, "alert_camera_events", {"port_id": snap.port_id, "now": snap.now, "labels": LABELS})
    if not events:
        return []
    dg = dg_containers(snap)
    dg_x, dg_y = snap.local_xy(np.array([r[5] for r in dg], dtype=float), np.array([r[6] for r in dg], dtype=float))
    v = snap.vessels
    tankers = v[(v["ship_type"].fillna(0) // 10 == 8) & ((v["nav_status"] == 5) | (v["sog_kn"].fillna(0) < 0.5))
                & (v["age_s"] <= 1800)]
    out = []
    for event_id, camera_id, label, _sub, score, start_at, _end, _zones, _entered, wkt in events:
        if wkt is None:
            continue
        seen = snap.to_local_geom(shapely_wkt.loads(wkt))
        near_dg = shapely.dwithin(seen, shapely.points(dg_x, dg_y), radius) if len(dg) else np.zeros(0, bool)
        near_tankers = tankers[shapely.dwithin(seen, shapely.points(tankers["x"], tankers["y"]), radius)] \
            if len(tankers) else tankers
        if not near_dg.any() and near_tankers.empty:
            continue
        boxes = [dg[i] for i in np.flatnonzero(near_dg)]
        classes = sorted({c for b in boxes for c in b[7]})
        qty = sum(b[9] or 0 for b in boxes)
        severity = "critical"
        factors = [severity_factor(severity),
                   Factor("ignition", 15 if label == "fire" else 10, f"{label} seen by {camera_id}")]
        if boxes:
            points = round(min(20.0, 5 + len(boxes) / 4 + qty / 20000), 1)
            factors.append(Factor("dangerous goods class and quantity", points,
                                  f"{len(boxes)} dangerous-goods containers within {radius:.0f} m (classes "
                                  f"{', '.join(classes)})"))
        if not near_tankers.empty:
            names = [str(n or m) for n, m in zip(near_tankers["name"], near_tankers["mmsi"], strict=True)]
            factors.append(Factor("tanker at berth", 15, ", ".join(names)))
        out.append(
            Finding(
                rule="fire_near_dg",
                key=f"fire_near_dg:{event_id}",
                severity=severity,
                subject_kind="camera_event",
                subject_id=event_id,
                geom_wkt=wkt,
                evidence_at=start_at,
                title_en=f"{label.capitalize()} seen by {camera_id} within {radius:.0f} m of dangerous goods",
                title_zh=f"{camera_id} 发现{'烟雾' if label == 'smoke' else '明火'}，{radius:.0f} 米内有危险货物",
                details={
                    "camera_id": camera_id,
                    "label": label,
                    "score": score,
                    "dg_containers": [b[0] for b in boxes][:50],
                    "dg_count": len(boxes),
                    "classes": classes,
                    "quantity_kg": qty,
                    "tankers": [int(m) for m in near_tankers["mmsi"]],
                },
                factors=factors,
            )
        )
    return out


RULE = Rule("fire_near_dg", "event", evaluate, settings=Settings)
