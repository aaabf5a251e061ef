"""Sensors disagree: a truck's tracker was at a gate and no gate transaction of its plate was made there then
(a truck through the gate unrecorded, or a gate pass under a plate whose tracker is elsewhere)."""

from __future__ import annotations

from pydantic import Field

from ingest.alerts.model import Factor, Finding, Snapshot, severity_factor
from ingest.alerts.rules.base import Rule, RuleSettings
from sql import query


class Settings(RuleSettings):
    table = "gate_tracker_mismatch"
    grace_s: float = Field(300, ge=0, le=3600)          # a gate file arrives every few minutes: wait this long
    window_s: float = Field(3600, ge=60, le=86400)      # how far back stays at a gate are looked at
    tolerance_s: float = Field(600, ge=0, le=7200)      # a transaction this close to the stay matches it
    kinds: list[str] = Field(default_factory=lambda: ["container_truck", "tractor"], min_length=1)


def evaluate(snap: Snapshot) -> list[Finding]:
    s = snap.settings(Settings)
    rows = query(snap.conn, "alert_gate_trackers", {
        "port_id": snap.port_id, "now": snap.now, "window_s": s.window_s, "grace_s": s.grace_s,
        "tolerance_s": s.tolerance_s, "kinds": s.kinds})
    out = []
    for phone, plate, kind, gate, first_at, last_at, lon, lat, passed in rows:
        if passed:
            continue
        zone = snap.zones.get(gate)
        name_en, name_zh = (zone.name_en, zone.name_zh) if zone else (gate, gate)
        out.append(Finding(
            rule="gate_tracker_mismatch", key=f"gate_tracker_mismatch:{phone}:{gate}:{first_at:%Y%m%dT%H%M}",
            severity="warning", subject_kind="vehicle", subject_id=phone, geom_wkt=snap.point_wkt(lon, lat),
            evidence_at=first_at,
            title_en=f"{plate} at {name_en} {first_at:%H:%M} UTC by its tracker, with no gate transaction",
            title_zh=f"{plate} 定位显示 {first_at:%H:%M} UTC 在{name_zh}，但无闸口记录",
            details={"terminal_phone": phone, "plate": plate, "kind": kind, "gate_id": gate,
                     "at_gate_from": first_at, "at_gate_to": last_at},
            factors=[severity_factor("warning"),
                     Factor("sensors disagree", 20, "its tracker was at the gate; the gate has no pass of it")]))
    return out


RULE = Rule("gate_tracker_mismatch", "event", evaluate, settings=Settings)
