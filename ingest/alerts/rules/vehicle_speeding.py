"""A vehicle faster than the yard's speed limit inside a terminal (its JT/T 808 speed), with hysteresis and a
minimum duration so a truck on the limit does not flap."""

from __future__ import annotations

from typing import Any

import shapely
from pydantic import Field

from ingest.alerts.model import Factor, Finding, Snapshot, severity_factor, tracked
from ingest.alerts.rules.base import Rule, RuleSettings


class Settings(RuleSettings):
    table = "vehicle_speeding"
    limit_kmh: float = Field(30, gt=0, le=120)           # the yard's speed limit
    hysteresis_kmh: float = Field(3, ge=0, le=20)        # raise above limit + h, clear below limit - h
    min_duration_s: float = Field(10, ge=0, le=600)
    fresh_s: float = Field(60, gt=0, le=600)             # a report older than this says nothing of now
    zone_kinds: list[str] = Field(default_factory=lambda: ["terminal"], min_length=1)


def _over(snap: Snapshot, margin_kmh: float) -> list[tuple[dict[str, Any], str]]:
    """(vehicle, zone id) of each fresh vehicle above limit + margin inside a zone of the kinds (its first)."""
    s = snap.settings(Settings)
    v = tracked(snap, "vehicles")
    if not len(v):
        return []
    fast = v[(v["age_s"] <= s.fresh_s) & (v["speed_kmh"].astype(float) > s.limit_kmh + margin_kmh)]
    found: dict[str, tuple[dict[str, Any], str]] = {}
    for zone in snap.zones_of(*s.zone_kinds):
        hit = shapely.contains_xy(zone.local, fast["x"].to_numpy(), fast["y"].to_numpy())
        for row in fast[hit].to_dict("records"):
            found.setdefault(row["terminal_phone"], (row, zone.zone_id))
    return list(found.values())


def evaluate(snap: Snapshot) -> list[Finding]:
    s = snap.settings(Settings)
    out = []
    for r, zone_id in _over(snap, s.hysteresis_kmh):
        zone = snap.zones[zone_id]
        speed = float(r["speed_kmh"])
        severity = "critical" if speed > s.limit_kmh * 1.5 else "warning"
        name = r["plate"] or r["terminal_phone"]
        out.append(Finding(
            rule="vehicle_speeding", key=f"vehicle_speeding:{r['terminal_phone']}", severity=severity,
            subject_kind="vehicle", subject_id=str(r["terminal_phone"]), geom_wkt=snap.point_wkt(r["lon"], r["lat"]),
            evidence_at=r["observed_at"],
            title_en=f"{name} at {speed:.0f} km/h in {zone.name_en} (limit {s.limit_kmh:g} km/h)",
            title_zh=f"{name} 在{zone.name_zh}车速 {speed:.0f} 公里/小时（限速 {s.limit_kmh:g}）",
            details={"zone_id": zone_id, "terminal_phone": r["terminal_phone"], "plate": r["plate"],
                     "kind": r["kind"], "speed_kmh": round(speed, 1), "limit_kmh": s.limit_kmh},
            factors=[severity_factor(severity),
                     Factor("vehicle behaviour", round(min(30.0, (speed - s.limit_kmh) * 1.5), 1),
                            f"{speed:.0f} km/h where {s.limit_kmh:g} km/h is the limit")]))
    return out


def keep(snap: Snapshot) -> set[str]:
    s = snap.settings(Settings)
    return {f"vehicle_speeding:{r['terminal_phone']}" for r, _ in _over(snap, -s.hysteresis_kmh)}


RULE = Rule("vehicle_speeding", "state", evaluate, keep=keep, settings=Settings,
            min_duration_s=lambda snap: snap.settings(Settings).min_duration_s)
