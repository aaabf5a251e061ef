"""A truck inside the terminal longer than its allowance (its tracker inside a terminal zone since it last was
outside)."""

from __future__ import annotations

from pydantic import Field

from ingest.alerts.model import Factor, Finding, Snapshot, severity_factor
from ingest.alerts.rules.base import Rule, RuleSettings
from sql import query


class Settings(RuleSettings):
    table = "truck_overstay"
    allowance_min: float = Field(120, gt=0, le=24 * 60)   # how long a truck may stay in the terminal
    fresh_s: float = Field(300, gt=0, le=3600)
    kinds: list[str] = Field(default_factory=lambda: ["container_truck", "tractor"], min_length=1)


def evaluate(snap: Snapshot) -> list[Finding]:
    s = snap.settings(Settings)
    rows = query(snap.conn, "alert_truck_stays", {"port_id": snap.port_id, "now": snap.now, "fresh_s": s.fresh_s,
                                                  "kinds": s.kinds})
    out = []
    for phone, plate, kind, zone_id, seen, lon, lat, since in rows:
        minutes = (snap.now - since).total_seconds() / 60 if since else 0.0
        if minutes <= s.allowance_min:
            continue
        zone = snap.zones[zone_id]
        out.append(Finding(
            rule="truck_overstay", key=f"truck_overstay:{phone}", severity="warning", subject_kind="vehicle",
            subject_id=phone, geom_wkt=snap.point_wkt(lon, lat), evidence_at=seen,
            title_en=f"{plate} in {zone.name_en} for {minutes:.0f} min (allowed {s.allowance_min:g})",
            title_zh=f"{plate} 已在{zone.name_zh}停留 {minutes:.0f} 分钟（允许 {s.allowance_min:g}）",
            details={"terminal_phone": phone, "plate": plate, "kind": kind, "zone_id": zone_id, "since": since,
                     "minutes": round(minutes), "allowance_min": s.allowance_min},
            factors=[severity_factor("warning"),
                     Factor("overstay", round(min(30.0, (minutes - s.allowance_min) / 6), 1),
                            f"{minutes:.0f} min where {s.allowance_min:g} are allowed")]))
    return out


RULE = Rule("truck_overstay", "state", evaluate, settings=Settings)
