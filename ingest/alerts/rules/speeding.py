"""Rule 2: speed above the limit of the strictest zone a vessel is in, with hysteresis (raise above limit + h,
clear below limit - h) and a minimum duration, so a vessel on the limit does not flap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from pydantic import Field

from ingest.alerts.model import Factor, Finding, Snapshot, severity_factor
from ingest.alerts.rules.base import Rule, RuleSettings

FRESH_S = 120


class Settings(RuleSettings):
    table = "speeding"
    hysteresis_kn: float = Field(0.5, ge=0, le=10)      # raise above limit + h, clear below limit - h
    min_duration_s: float = Field(30, ge=0, le=3600)    # over the limit this long first


def _limits(snap: Snapshot) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    v = snap.vessels
    fresh = v[(v["age_s"] <= FRESH_S) & v["sog_kn"].notna()]
    limit = np.full(len(fresh), np.inf)
    zone_of = np.array([""] * len(fresh), dtype=object)
    x, y = fresh["x"].to_numpy(), fresh["y"].to_numpy()
    for zone in snap.zones.values():
        lim = zone.props.get("speed_limit_kn")
        if lim is None:
            continue
        inside = shapely.contains_xy(zone.local, x, y) & (float(lim) < limit)
        limit[inside] = float(lim)
        zone_of[inside] = zone.zone_id
    return fresh, limit, list(zone_of)


def evaluate(snap: Snapshot) -> list[Finding]:
    h = snap.settings(Settings).hysteresis_kn
    fresh, limit, zone_of = _limits(snap)
    over = fresh["sog_kn"].to_numpy() > limit + h
    out = []
    for r, lim, zid in zip(fresh[over].itertuples(), limit[over], np.array(zone_of, dtype=object)[over],
                           strict=True):
        zone = snap.zones[zid]
        excess = r.sog_kn - lim
        severity = "critical" if excess > lim * 0.5 else "warning"
        factors = [severity_factor(severity),
                   Factor("vessel behaviour", round(min(30.0, excess * 4), 1),
                          f"{r.sog_kn:.1f} kn where {lim:g} kn is the limit")]
        if r.length_m == r.length_m and (r.length_m or 0) > 100:
            factors.append(Factor("vessel size", 5, f"{r.length_m:.0f} m long"))
        name = r.name or str(r.mmsi)
        out.append(
            Finding(
                rule="speeding",
                key=f"speeding:{r.mmsi}",
                severity=severity,
                subject_kind="vessel",
                subject_id=str(r.mmsi),
                geom_wkt=snap.point_wkt(r.lon, r.lat),
                evidence_at=r.observed_at,
                title_en=f"{name} at {r.sog_kn:.1f} kn in {zone.name_en} (limit {lim:g} kn)",
                title_zh=f"{name} 在{zone.name_zh}航速 {r.sog_kn:.1f} 节（限速 {lim:g} 节）",
                details={"zone_id": zid, "mmsi": r.mmsi, "sog_kn": round(float(r.sog_kn), 1), "limit_kn": lim},
                factors=factors,
            )
        )
    return out


def keep(snap: Snapshot) -> set[str]:
    h = snap.settings(Settings).hysteresis_kn
    fresh, limit, _ = _limits(snap)
    still = fresh["sog_kn"].to_numpy() > limit - h
    return {f"speeding:{m}" for m in fresh["mmsi"].to_numpy()[still]}


RULE = Rule("speeding", "state", evaluate, keep=keep, settings=Settings, scope="vessel", ages_s=lambda snap: [FRESH_S],
            min_duration_s=lambda snap: snap.settings(Settings).min_duration_s)
