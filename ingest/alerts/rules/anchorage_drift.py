"""Rule: a vessel drifting out of her anchorage: she lay in an anchorage within the last half hour and is now
outside every anchorage while still slow (under `max_sog_kn`, not under way to a berth). Part of the anchorage
watch (issue 12). Which anchorage each vessel lay in is kept between cycles."""

from __future__ import annotations

from datetime import datetime, timedelta

import shapely

from ingest.alerts.model import Factor, Finding, Snapshot, severity_factor
from ingest.alerts.rules.base import Rule

FRESH_S = 600
REMEMBER = timedelta(minutes=30)


def evaluate(snap: Snapshot) -> list[Finding]:
    conf = snap.conf("anchorage_drift")
    max_sog = float(conf.get("max_sog_kn", 3.0))
    lay: dict[int, tuple[str, datetime]] = snap.memory.setdefault("anchorage_of", {})
    v = snap.vessels
    fresh = v[v["age_s"] <= FRESH_S]
    x, y = fresh["x"].to_numpy(), fresh["y"].to_numpy()
    inside = snap.inside(("anchorage",), x, y)
    slow = fresh["sog_kn"].fillna(0).to_numpy() <= max_sog
    anchorages = list(snap.zones_of("anchorage"))
    out = []
    for r, is_in, is_slow in zip(fresh.itertuples(), inside, slow, strict=True):
        mmsi = int(r.mmsi)
        if is_in and is_slow:
            zone = next(z for z in anchorages if shapely.contains_xy(z.local, r.x, r.y))
            lay[mmsi] = (zone.zone_id, snap.now)
            continue
        if mmsi not in lay:
            continue
        zone_id, last_in = lay[mmsi]
        if is_in or not is_slow or snap.now - last_in > REMEMBER:     # back inside, under way, or long gone
            del lay[mmsi]
            continue
        zone = next(z for z in anchorages if z.zone_id == zone_id)
        metres = float(zone.local.distance(shapely.Point(r.x, r.y)))
        severity = "critical" if r.nav_status == 1 else "warning"       # still reporting at anchor: dragging
        name = r.name or str(mmsi)
        out.append(Finding(
            "anchorage_drift", f"anchorage_drift:{mmsi}", severity, "vessel", str(mmsi), snap.point_wkt(r.lon, r.lat),
            r.observed_at, f"{name} drifting out of {zone.name_en}: {metres:.0f} m outside at {r.sog_kn or 0:.1f} kn",
            f"{name} 漂出{zone.name_zh}：距锚地边界 {metres:.0f} 米，航速 {r.sog_kn or 0:.1f} 节",
            {"mmsi": mmsi, "zone_id": zone_id, "outside_m": round(metres), "sog_kn": r.sog_kn,
             "nav_status": r.nav_status},
            [severity_factor(severity), Factor("vessel behaviour", round(min(25.0, 5 + metres / 50), 1),
                                               f"{metres:.0f} m outside {zone.name_en}, still slow")]))
    return out


RULE = Rule("anchorage_drift", "state", evaluate,
            min_duration_s=lambda snap: float(snap.conf("anchorage_drift").get("min_duration_s", 60)))
