"""Rule 6: collision risk between moving vessels: CPA below d metres with 0 < TCPA < t minutes.

Candidate pairs come from PostGIS (ST_DWithin over this cycle's moving vessels, indexed, in the port's metric
CRS); CPA and TCPA are then computed for all pairs at once with numpy, from positions dead-reckoned to a common
instant and each vessel's SOG/COG.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import shapely
from pydantic import Field
from pyproj import Geod, Transformer

from ingest.alerts.model import KN_MS, Factor, Finding, Snapshot, severity_factor
from ingest.alerts.rules import restricted_entry
from ingest.alerts.rules.base import Rule, RuleSettings
from sql import query

FRESH_S = 180


GEOD = Geod(ellps="WGS84")


class Settings(RuleSettings):
    table = "collision_risk"
    cpa_m: float = Field(500, gt=0, le=10_000)                  # closest point of approach under this
    tcpa_min: float = Field(10, gt=0, le=120)                   # … within this many minutes
    min_sog_kn: float = Field(1.0, ge=0, le=30)                 # slower vessels are not crossing anyone
    prefilter_m: float = Field(6000, gt=0, le=50_000)           # pairs farther apart are not looked at
    exclude_ship_types: list[int] = Field(default_factory=list)  # AIS ship types that work alongside by design
    exclude_zone_kinds: list[str] = Field(default_factory=list)  # both inside zones of these kinds: manoeuvring


def grid_velocity(to_local: Transformer, lon: np.ndarray, lat: np.ndarray, sog_kn: np.ndarray,
                  cog_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Velocity (m/s) in the metric CRS's grid of a vessel sailing `cog_deg` true at `sog_kn`. A course is true
    north-based, the grid is not (meridian convergence: 1.3 degrees at Weifang in UTM 50N, more at a zone's
    edge), so the course is carried into the grid by projecting a point 100 m along it."""
    lon2, lat2, _ = GEOD.fwd(lon, lat, cog_deg, np.full(np.shape(lon), 100.0))
    x1, y1 = to_local.transform(lon, lat)
    x2, y2 = to_local.transform(lon2, lat2)
    speed = np.asarray(sog_kn) * KN_MS / 100.0
    return (np.asarray(x2) - x1) * speed, (np.asarray(y2) - y1) * speed


def cpa_tcpa(xa: np.ndarray, ya: np.ndarray, vxa: np.ndarray, vya: np.ndarray, xb: np.ndarray, yb: np.ndarray,
             vxb: np.ndarray, vyb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Closest point of approach (metres) and time to it (seconds) for pairs of straight tracks: positions in
    metres at the same instant, velocities in metres per second (see grid_velocity)."""
    dx, dy, dvx, dvy = xb - xa, yb - ya, vxb - vxa, vyb - vya
    dv2 = dvx * dvx + dvy * dvy
    with np.errstate(divide="ignore", invalid="ignore"):
        tcpa = np.where(dv2 > 1e-9, -(dx * dvx + dy * dvy) / dv2, 0.0)
    cpa = np.hypot(dx + dvx * tcpa, dy + dvy * tcpa)
    return cpa, tcpa


Pairs = tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray, np.ndarray]   # moving, ia, ib, cpa, tcpa


def pairs(snap: Snapshot) -> Pairs:
    """Candidate pairs (row indices into the moving vessels) with their CPA and TCPA, once per cycle."""
    if "collision_pairs" not in snap.cache:
        snap.cache["collision_pairs"] = _pairs(snap)
    return snap.cache["collision_pairs"]  # type: ignore[no-any-return]


def _pairs(snap: Snapshot) -> Pairs:
    conf = snap.settings(Settings)
    v = snap.vessels
    moving = v[(v["age_s"] <= FRESH_S) & (v["sog_kn"].fillna(0) >= conf.min_sog_kn)
               & v["cog_deg"].notna() & ~v["ship_type"].isin(conf.exclude_ship_types)
               ].reset_index(drop=True)
    none = np.zeros(0, dtype=np.int64)
    if len(moving) < 2:
        return moving, none, none, np.zeros(0), np.zeros(0)
    mmsi, x, y = moving["mmsi"].to_numpy(), moving["x"].to_numpy(), moving["y"].to_numpy()
    finder = snap.memory.get("close_pairs")      # a retrospective run finds them in memory (no table per step)
    if finder is not None:
        left, right = finder(mmsi, x, y, conf.prefilter_m)
    else:
        left, right = _close_pairs_db(snap, mmsi, x, y, conf.prefilter_m)
    row_of = pd.Series(np.arange(len(moving)), index=mmsi)
    ia, ib = row_of.loc[left].to_numpy(), row_of.loc[right].to_numpy()
    # Both inside the harbour: manoeuvring, not crossing. Two small craft (fishing boats working the same
    # ground) are not this rule's business; nor two ships meeting in the channel on reciprocal courses,
    # each keeping to her own side of the fairway.
    inner = snap.inside(conf.exclude_zone_kinds, x, y)
    small = moving["ship_type"].isin(snap.settings(restricted_entry.Settings).small_craft_ship_types).to_numpy()
    channel = snap.inside(("channel",), x, y)
    cog = moving["cog_deg"].to_numpy()
    meeting = channel[ia] & channel[ib] & (np.abs(np.abs(cog[ia] - cog[ib]) - 180) < 30)
    keep = ~((inner[ia] & inner[ib]) | (small[ia] & small[ib]) | meeting)
    ia, ib = ia[keep], ib[keep]
    # Dead-reckon every report to now, so that both vessels of a pair are compared at the same instant.
    vx, vy = grid_velocity(snap.to_local, moving["lon"].to_numpy(), moving["lat"].to_numpy(),
                           moving["sog_kn"].to_numpy(), cog)
    age = moving["age_s"].to_numpy()
    xn, yn = x + vx * age, y + vy * age
    cpa, tcpa = cpa_tcpa(xn[ia], yn[ia], vx[ia], vy[ia], xn[ib], yn[ib], vx[ib], vy[ib])
    return moving, ia, ib, cpa, tcpa


def _close_pairs_db(snap: Snapshot, mmsi: np.ndarray, x: np.ndarray, y: np.ndarray,
                    distance_m: float) -> tuple[list[int], list[int]]:
    srid = int(snap.memory["srid"])
    with snap.conn.cursor() as cur:
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS cycle_moving (mmsi integer, g geometry) ON COMMIT DELETE ROWS")
        cur.execute("TRUNCATE cycle_moving")
        with cur.copy("COPY cycle_moving (mmsi, g) FROM STDIN") as copy:
            for m, xi, yi in zip(mmsi.tolist(), x.tolist(), y.tolist(), strict=True):
                copy.write_row((m, f"SRID={srid};POINT({xi:.1f} {yi:.1f})"))
        cur.execute("CREATE INDEX IF NOT EXISTS cycle_moving_g ON cycle_moving USING gist (g)")
        cur.execute("ANALYZE cycle_moving")
    left, right = query(snap.conn, "alert_close_pairs", {"distance_m": distance_m})[0]
    return left, right


def close_pairs_in_memory(mmsi: np.ndarray, x: np.ndarray, y: np.ndarray,
                          distance_m: float) -> tuple[np.ndarray, np.ndarray]:
    """The same pairs as alert_close_pairs (a.mmsi < b.mmsi within distance_m), with shapely's STRtree."""
    points = shapely.points(x, y)
    i, j = shapely.STRtree(points).query(points, predicate="dwithin", distance=distance_m)
    keep = mmsi[i] < mmsi[j]
    return mmsi[i[keep]], mmsi[j[keep]]


def evaluate(snap: Snapshot) -> list[Finding]:
    conf = snap.settings(Settings)
    cpa_m, tcpa_s = conf.cpa_m, conf.tcpa_min * 60
    moving, ia, ib, cpa, tcpa = pairs(snap)
    hit = np.flatnonzero((cpa < cpa_m) & (tcpa > 0) & (tcpa < tcpa_s))
    if not len(hit):
        return []
    # Plain lists, not a pandas row per finding: a busy bay has a thousand encounters.
    mmsi = moving["mmsi"].tolist()
    cols = {"mmsi": mmsi, "name": [n or str(m) for n, m in zip(moving["name"].tolist(), mmsi, strict=True)],
            "type": moving["ship_type"].fillna(0).astype(int).tolist(), "lon": moving["lon"].tolist(),
            "lat": moving["lat"].tolist(), "seen": moving["observed_at"].tolist()}
    return [encounter(snap, conf, cols, a, b, c, t) for a, b, c, t in
            zip(ia[hit].tolist(), ib[hit].tolist(), cpa[hit].tolist(), tcpa[hit].tolist(), strict=True)]


def encounter(snap: Snapshot, conf: Settings, cols: dict[str, Any], a: int, b: int, c: float, t: float) -> Finding:
    """The finding for vessels `a` and `b` (indices into the columns mmsi, name (never empty), type, lon, lat,
    seen) meeting at `c` metres in `t` seconds."""
    cpa_m, tcpa_s = conf.cpa_m, conf.tcpa_min * 60
    mmsi, names, types = cols["mmsi"], cols["name"], cols["type"]
    lon, lat, seen = cols["lon"], cols["lat"], cols["seen"]
    severity = "critical" if c < cpa_m / 2 and t < tcpa_s / 2 else "warning"
    factors = [severity_factor(severity),
               Factor("closeness", round(20 * (1 - c / cpa_m), 1), f"CPA {c:.0f} m (limit {cpa_m:.0f} m)"),
               Factor("time", round(15 * (1 - t / tcpa_s), 1), f"in {t / 60:.1f} min")]
    risky = [names[k] for k in (a, b) if 60 <= types[k] <= 89]
    if risky:
        factors.append(Factor("dangerous goods or passengers", 10, f"{', '.join(risky)}: tanker or passenger ship"))
    (m1, n1), (m2, n2) = sorted(((mmsi[a], names[a]), (mmsi[b], names[b])))
    return Finding(
        rule="collision_risk",
        key=f"collision_risk:{m1}:{m2}",
        severity=severity,
        subject_kind="vessel_pair",
        subject_id=f"{m1}/{m2}",
        geom_wkt=snap.point_wkt((lon[a] + lon[b]) / 2, (lat[a] + lat[b]) / 2),
        evidence_at=max(seen[a], seen[b]),
        title_en=f"Collision risk: {n1} and {n2}, CPA {c:.0f} m in {t / 60:.1f} min",
        title_zh=f"碰撞风险：{n1} 与 {n2}，最近会遇距离 {c:.0f} 米，{t / 60:.1f} 分钟后",
        details={"mmsi": [m1, m2], "names": [n1, n2], "cpa_m": round(c), "tcpa_s": round(t)},
        factors=factors,
    )


def keep(snap: Snapshot) -> set[str]:
    moving, ia, ib, cpa, tcpa = pairs(snap)
    held = (cpa < snap.settings(Settings).cpa_m * 1.2) & (tcpa > -60)
    mmsi = moving["mmsi"].to_numpy()
    return {f"collision_risk:{min(x, y)}:{max(x, y)}" for x, y in
            zip(mmsi[ia[held]].tolist(), mmsi[ib[held]].tolist(), strict=True)}


RULE = Rule("collision_risk", "state", evaluate, keep=keep, settings=Settings, scope="pair",
            ages_s=lambda snap: [FRESH_S])
