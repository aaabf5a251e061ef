"""Rule 4: a vessel at anchor more than R metres from where she anchored (the first report of her anchored spell)."""

from __future__ import annotations

import math

import numpy as np
from pydantic import Field

from ingest.alerts.model import Factor, Finding, Snapshot, severity_factor
from ingest.alerts.rules.base import Rule, RuleSettings
from sql import query


class Settings(RuleSettings):
    table = "anchor_drag"
    radius_m: float = Field(150, gt=0, le=5000)         # farther than this from where she anchored: dragging


def anchors(snap: Snapshot) -> dict[int, tuple[float, float, object]]:
    """mmsi -> (x, y, since) of the anchor of every vessel now at anchor; kept between cycles."""
    memory: dict[int, tuple[float, float, object]] = snap.memory.setdefault("anchors", {})
    v = snap.vessels
    at_anchor = v[(v["nav_status"] == 1) & (v["age_s"] <= ANCHORED_FRESH_S)]
    now_anchored = set(at_anchor["mmsi"].tolist())
    for mmsi in [m for m in memory if m not in now_anchored and snap.speaks_for(m)]:
        del memory[mmsi]                               # she weighed anchor: a new spell starts afresh
    unknown = [int(m) for m in now_anchored if m not in memory]
    if unknown:
        rows = query(snap.conn, "alert_anchored_since", {"mmsi": unknown, "now": snap.now})
        if rows:
            x, y = snap.local_xy(np.array([r[1] for r in rows]), np.array([r[2] for r in rows]))
            for (mmsi, *_rest, since), xi, yi in zip(rows, x, y, strict=True):
                memory[int(mmsi)] = (float(xi), float(yi), since)
    return memory


def evaluate(snap: Snapshot) -> list[Finding]:
    radius = snap.settings(Settings).radius_m
    memory = anchors(snap)
    v = snap.vessels
    out = []
    for r in v[(v["nav_status"] == 1) & v["mmsi"].isin(list(memory))].itertuples():
        ax, ay, since = memory[int(r.mmsi)]
        moved = math.hypot(r.x - ax, r.y - ay)
        if moved <= radius:
            continue
        lon, lat = snap.to_wgs84.transform(ax, ay)
        severity = "critical" if moved > 2 * radius else "warning"
        factors = [severity_factor(severity),
                   Factor("vessel behaviour", round(min(30.0, 10 * moved / radius), 1),
                          f"{moved:.0f} m from her anchor (allowed {radius:.0f} m)")]
        name = r.name or str(r.mmsi)
        out.append(
            Finding(
                rule="anchor_drag",
                key=f"anchor_drag:{r.mmsi}",
                severity=severity,
                subject_kind="vessel",
                subject_id=str(r.mmsi),
                geom_wkt=snap.point_wkt(r.lon, r.lat),
                evidence_at=r.observed_at,
                title_en=f"{name} dragging anchor: {moved:.0f} m from where she anchored",
                title_zh=f"{name} 走锚：距抛锚点 {moved:.0f} 米",
                details={
                    "mmsi": r.mmsi,
                    "moved_m": round(moved),
                    "radius_m": radius,
                    "anchored_at": [lon, lat],
                    "anchored_since": str(since),
                },
                factors=factors,
            )
        )
    return out


ANCHORED_FRESH_S = 1800
RULE = Rule("anchor_drag", "state", evaluate, settings=Settings, scope="vessel",
            ages_s=lambda snap: [ANCHORED_FRESH_S])
