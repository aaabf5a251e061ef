"""Rule 3: a vessel stopped in the port's waters (harbour, basin, channel) outside any anchorage or berth."""

from __future__ import annotations

import shapely
from pydantic import Field

from ingest.alerts.model import Factor, Finding, Snapshot, severity_factor
from ingest.alerts.rules.base import Rule, RuleSettings

FRESH_S = 600
WATERS = ("harbour", "basin", "channel")


class Settings(RuleSettings):
    table = "unauthorised_anchoring"
    max_sog_kn: float = Field(0.5, ge=0, le=5)          # stopped: slower than this outside an anchorage
    min_duration_min: float = Field(10, ge=0, le=1440)


def evaluate(snap: Snapshot) -> list[Finding]:
    max_sog = snap.settings(Settings).max_sog_kn
    v = snap.vessels
    stopped = v[(v["age_s"] <= FRESH_S) & (v["sog_kn"].fillna(0) <= max_sog)]
    x, y = stopped["x"].to_numpy(), stopped["y"].to_numpy()
    in_waters = snap.inside(WATERS, x, y)
    allowed = snap.inside(("anchorage",), x, y)
    for area in snap.memory["berth_areas"]:
        allowed |= shapely.contains_xy(area, x, y)
    out = []
    for r in stopped[in_waters & ~allowed].itertuples():
        where = next(z for z in snap.zones_of(*WATERS) if shapely.contains_xy(z.local, r.x, r.y))
        in_channel = where.kind == "channel"
        severity = "critical" if in_channel else "warning"
        factors = [severity_factor(severity), Factor("vessel behaviour", 15 if in_channel else 5,
                                                     f"stopped in the {where.kind}, in the way of traffic")]
        name = r.name or str(r.mmsi)
        out.append(
            Finding(
                rule="unauthorised_anchoring",
                key=f"unauthorised_anchoring:{r.mmsi}",
                severity=severity,
                subject_kind="vessel",
                subject_id=str(r.mmsi),
                geom_wkt=snap.point_wkt(r.lon, r.lat),
                evidence_at=r.observed_at,
                title_en=f"{name} stopped in {where.name_en}, outside anchorages",
                title_zh=f"{name} 在{where.name_zh}锚泊或停船（非锚地）",
                details={"zone_id": where.zone_id, "mmsi": r.mmsi, "sog_kn": r.sog_kn, "nav_status": r.nav_status},
                factors=factors,
            )
        )
    return out


RULE = Rule("unauthorised_anchoring", "state", evaluate, settings=Settings, scope="vessel",
            ages_s=lambda snap: [FRESH_S],
            min_duration_s=lambda snap: snap.settings(Settings).min_duration_min * 60)
