"""Without a permit: a vehicle in a dangerous-goods area, or a person in a restricted zone, with no permit for that
zone valid now (a dropped *.permits.csv|json: the vehicle by plate, the person by tracker device). Emergency
vehicles are exempt. The person's alert names the team and device, never the name (it is read by every officer)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import shapely
from pydantic import Field

from ingest.alerts.model import Factor, Finding, Snapshot, permits, severity_factor, tracked
from ingest.alerts.rules.base import Rule, RuleSettings


class Settings(RuleSettings):
    table = "permit_zones"
    vehicle_zone_kinds: list[str] = Field(default_factory=lambda: ["hazmat_area", "restricted"])
    person_zone_kinds: list[str] = Field(default_factory=lambda: ["restricted", "hazmat_area"])
    exempt_kinds: list[str] = Field(default_factory=lambda: ["fire_engine", "patrol_car", "ambulance"])
    fresh_s: float = Field(120, gt=0, le=3600)
    severity: str = Field("warning", pattern=r"^(critical|warning|info)$")


def _inside(snap: Snapshot, frame: pd.DataFrame, kinds: list[str], fresh_s: float
            ) -> list[tuple[dict[str, Any], str]]:
    if not len(frame) or not kinds:
        return []
    fresh = frame[frame["age_s"] <= fresh_s]
    out = []
    for zone in snap.zones_of(*kinds):
        hit = shapely.contains_xy(zone.local, fresh["x"].to_numpy(), fresh["y"].to_numpy())
        out += [(row, zone.zone_id) for row in fresh[hit].to_dict("records")]
    return out


def _finding(snap: Snapshot, s: Settings, kind: str, ident: str, name: str, row: dict[str, Any],
             zone_id: str) -> Finding:
    zone = snap.zones[zone_id]
    return Finding(
        rule="permit_zones", key=f"permit_zones:{kind}:{ident}:{zone_id}", severity=s.severity, subject_kind=kind,
        subject_id=ident, geom_wkt=snap.point_wkt(row["lon"], row["lat"]), evidence_at=row["observed_at"],
        title_en=f"{name} in {zone.name_en} without a permit", title_zh=f"{name} 无许可进入{zone.name_zh}",
        details={"zone_id": zone_id, kind: ident},
        factors=[severity_factor(s.severity), Factor("no permit", 20, f"no permit for {zone.name_en} valid now")])


def evaluate(snap: Snapshot) -> list[Finding]:
    s = snap.settings(Settings)
    valid = permits(snap)
    out = []
    for r, zone_id in _inside(snap, tracked(snap, "vehicles"), s.vehicle_zone_kinds, s.fresh_s):
        plate = r["plate"] or ""
        if r["kind"] not in s.exempt_kinds and ("vehicle", plate.upper(), zone_id) not in valid:
            out.append(_finding(snap, s, "vehicle", r["terminal_phone"], plate or r["terminal_phone"], r, zone_id))
    for r, zone_id in _inside(snap, tracked(snap, "people"), s.person_zone_kinds, s.fresh_s):
        if ("person", r["device_id"].upper(), zone_id) not in valid:
            name = f"{r['team'].replace('_', ' ')} {r['device_id']}"
            out.append(_finding(snap, s, "person", r["device_id"], name, r, zone_id))
    return out


RULE = Rule("permit_zones", "state", evaluate, settings=Settings)
