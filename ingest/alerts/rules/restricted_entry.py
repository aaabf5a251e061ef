"""Rule 1 (vessels): a vessel inside a restricted area; where the area is closed to small craft only, a small craft."""

from __future__ import annotations

from typing import Literal

import shapely
from pydantic import Field

from ingest.alerts.model import Factor, Finding, Snapshot, severity_factor
from ingest.alerts.rules.base import Rule, RuleSettings

FRESH_S = 600


class Settings(RuleSettings):
    """Small craft in restricted water; the camera rule (restricted_entry_camera) reads its labels here too."""

    table = "restricted_entry"
    severity: Literal["critical", "warning", "info"] = "critical"
    small_craft_ship_types: list[int] = Field(default_factory=list)   # AIS ship types counted as small craft
    camera_labels: list[str] = Field(default_factory=lambda: ["person"])
    camera_purposes: list[str] = Field(default_factory=lambda: ["dangerous_goods"])


def evaluate(snap: Snapshot) -> list[Finding]:
    conf = snap.settings(Settings)
    small = set(conf.small_craft_ship_types)
    severity = conf.severity
    v = snap.vessels
    fresh = v[v["age_s"] <= FRESH_S]
    out = []
    for zone in snap.zones_of("restricted"):
        inside = fresh[shapely.contains_xy(zone.local, fresh["x"].to_numpy(), fresh["y"].to_numpy())]
        for r in inside.itertuples():
            ship_type = int(r.ship_type) if r.ship_type == r.ship_type and r.ship_type is not None else None
            if zone.props.get("purpose") == "no_small_craft" and ship_type not in small:
                continue
            factors = [severity_factor(severity)]
            if zone.props.get("purpose") in ("no_small_craft", "dangerous_goods"):
                factors.append(Factor("dangerous goods nearby", 15, f"{zone.name_en} guards dangerous goods"))
            if (r.sog_kn or 0) > 3:
                factors.append(Factor("vessel behaviour", 5, f"moving at {r.sog_kn:.1f} kn inside the area"))
            name = r.name or str(r.mmsi)
            out.append(
                Finding(
                    rule="restricted_entry",
                    key=f"restricted_entry:{zone.zone_id}:{r.mmsi}",
                    severity=severity,
                    subject_kind="vessel",
                    subject_id=str(r.mmsi),
                    geom_wkt=snap.point_wkt(r.lon, r.lat),
                    evidence_at=r.observed_at,
                    title_en=f"{name} inside {zone.name_en}",
                    title_zh=f"{name} 进入{zone.name_zh}",
                    details={
                        "zone_id": zone.zone_id,
                        "mmsi": r.mmsi,
                        "name": r.name,
                        "ship_type": ship_type,
                        "sog_kn": r.sog_kn,
                    },
                    factors=factors,
                )
            )
    return out


RULE = Rule("restricted_entry", "state", evaluate, settings=Settings, scope="vessel", ages_s=lambda snap: [FRESH_S])
