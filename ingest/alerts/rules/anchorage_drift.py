"""Rule: a vessel drifting out of her anchorage: she lay in an anchorage within the last half hour and is now
outside every anchorage while still slow (under `max_sog_kn`, not under way to a berth). Part of the anchorage
watch (issue 12). Which anchorage each vessel lay in is kept between cycles."""

from __future__ import annotations

from datetime import datetime, timedelta

import shapely
from pydantic import Field

from ingest.alerts.model import Factor, Finding, Snapshot, severity_factor
from ingest.alerts.rules.base import Rule, RuleSettings

FRESH_S = 600
REMEMBER = timedelta(minutes=30)


class Settings(RuleSettings):
    table = "anchorage_drift"
    max_sog_kn: float = Field(3.0, ge=0, le=30)
    min_duration_s: float = Field(60, ge=0, le=86400)


def evaluate(snap: Snapshot) -> list[Finding]:
    max_sog = snap.settings(Settings).max_sog_kn
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
            lay[mmsi] = (zone.zone_id, r.observed_at)     # the report that placed her inside
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
        out.append(
            Finding(
                rule="anchorage_drift",
                key=f"anchorage_drift:{mmsi}",
                severity=severity,
                subject_kind="vessel",
                subject_id=str(mmsi),
                geom_wkt=snap.point_wkt(r.lon, r.lat),
                evidence_at=r.observed_at,
                title_en=f"{name} drifting out of {zone.name_en}: {metres:.0f} m outside at {r.sog_kn or 0:.1f} kn",
                title_zh=f"{name} 漂出{zone.name_zh}：距锚地边界 {metres:.0f} 米，航速 {r.sog_kn or 0:.1f} 节",
                details={
                    "mmsi": mmsi,
                    "zone_id": zone_id,
                    "outside_m": round(metres),
                    "sog_kn": r.sog_kn,
                    "nav_status": r.nav_status,
                },
                factors=[
                    severity_factor(severity),
                    Factor(
                        "vessel behaviour",
                        round(min(25.0, 5 + metres / 50), 1),
                        f"{metres:.0f} m outside {zone.name_en}, still slow",
                    ),
                ],
            )
        )
    return out


def wakes(snap: Snapshot) -> dict[int, float]:
    """When each vessel remembered in an anchorage is forgotten (a retrospective run looks at her again then)."""
    lay = snap.memory.get("anchorage_of", {})
    return {m: last_in.timestamp() + REMEMBER.total_seconds() for m, (_zone, last_in) in lay.items()
            if snap.scope is None or m in snap.scope}


RULE = Rule("anchorage_drift", "state", evaluate, settings=Settings, scope="vessel", ages_s=lambda snap: [FRESH_S],
            wakes=wakes, min_duration_s=lambda snap: snap.settings(Settings).min_duration_s)
