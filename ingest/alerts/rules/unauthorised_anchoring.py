"""Rule 3: a vessel stopped in the port's waters (harbour, basin, channel) outside any anchorage or berth."""

from __future__ import annotations

import shapely

from ingest.alerts.model import Factor, Finding, Snapshot, severity_factor
from ingest.alerts.rules.base import Rule

FRESH_S = 600
WATERS = ("harbour", "basin", "channel")


def evaluate(snap: Snapshot) -> list[Finding]:
    conf = snap.conf("unauthorised_anchoring")
    max_sog = float(conf.get("max_sog_kn", 0.5))
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
        out.append(Finding(
            "unauthorised_anchoring", f"unauthorised_anchoring:{r.mmsi}", severity, "vessel", str(r.mmsi),
            snap.point_wkt(r.lon, r.lat), r.observed_at, f"{name} stopped in {where.name_en}, outside anchorages",
            f"{name} 在{where.name_zh}锚泊或停船（非锚地）",
            {"zone_id": where.zone_id, "mmsi": r.mmsi, "sog_kn": r.sog_kn, "nav_status": r.nav_status}, factors))
    return out


RULE = Rule("unauthorised_anchoring", "state", evaluate,
            min_duration_s=lambda snap: float(snap.conf("unauthorised_anchoring").get("min_duration_min", 10)) * 60)
