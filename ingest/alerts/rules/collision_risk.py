"""Rule 6: collision risk between moving vessels: CPA below d metres with 0 < TCPA < t minutes.

Candidate pairs come from PostGIS (ST_DWithin over this cycle's moving vessels, indexed, in the port's metric
CRS); CPA and TCPA are then computed for all pairs at once with numpy, from positions dead-reckoned to a common
instant and each vessel's SOG/COG.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from ingest.alerts.model import KN_MS, Factor, Finding, Snapshot, severity_factor
from ingest.alerts.rules.base import Rule
from sql import query

FRESH_S = 180


def cpa_tcpa(xa: np.ndarray, ya: np.ndarray, va: np.ndarray, ca: np.ndarray, xb: np.ndarray, yb: np.ndarray,
             vb: np.ndarray, cb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Closest point of approach (metres) and time to it (seconds) for pairs of straight tracks.
    Positions in metres at the same instant, speeds in knots, courses in degrees true."""
    ax, ay = va * KN_MS * np.sin(np.radians(ca)), va * KN_MS * np.cos(np.radians(ca))
    bx, by = vb * KN_MS * np.sin(np.radians(cb)), vb * KN_MS * np.cos(np.radians(cb))
    dx, dy, dvx, dvy = xb - xa, yb - ya, bx - ax, by - ay
    dv2 = dvx * dvx + dvy * dvy
    with np.errstate(divide="ignore", invalid="ignore"):
        tcpa = np.where(dv2 > 1e-9, -(dx * dvx + dy * dvy) / dv2, 0.0)
    cpa = np.hypot(dx + dvx * tcpa, dy + dvy * tcpa)
    return cpa, tcpa


def pairs(snap: Snapshot) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, np.ndarray]:
    """Candidate pairs with their CPA and TCPA, computed once per cycle."""
    if "collision_pairs" not in snap.cache:
        snap.cache["collision_pairs"] = _pairs(snap)
    return snap.cache["collision_pairs"]  # type: ignore[no-any-return]


def _pairs(snap: Snapshot) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, np.ndarray]:
    conf = snap.conf("collision_risk")
    v = snap.vessels
    moving = v[(v["age_s"] <= FRESH_S) & (v["sog_kn"].fillna(0) >= float(conf.get("min_sog_kn", 1.0)))
               & v["cog_deg"].notna() & ~v["ship_type"].isin(conf.get("exclude_ship_types", []))].copy()
    empty = moving.iloc[0:0]
    if len(moving) < 2:
        return empty, empty, np.zeros(0), np.zeros(0)
    srid = int(snap.memory["srid"])
    with snap.conn.cursor() as cur:
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS cycle_moving (mmsi integer, g geometry) ON COMMIT DELETE ROWS")
        cur.execute("TRUNCATE cycle_moving")
        with cur.copy("COPY cycle_moving (mmsi, g) FROM STDIN") as copy:
            for m, x, y in zip(moving["mmsi"], moving["x"], moving["y"], strict=True):
                copy.write_row((int(m), f"SRID={srid};POINT({x:.1f} {y:.1f})"))
        cur.execute("CREATE INDEX IF NOT EXISTS cycle_moving_g ON cycle_moving USING gist (g)")
        cur.execute("ANALYZE cycle_moving")
    found = query(snap.conn, "alert_close_pairs", {"distance_m": float(conf.get("prefilter_m", 6000))})
    if not found:
        return empty, empty, np.zeros(0), np.zeros(0)
    inner = np.zeros(len(moving), dtype=bool)         # both inside the harbour: manoeuvring, not crossing
    for zone in snap.zones_of(*conf.get("exclude_zone_kinds", [])):
        inner |= shapely.contains_xy(zone.local, moving["x"].to_numpy(), moving["y"].to_numpy())
    in_harbour = set(moving["mmsi"].to_numpy()[inner].tolist())
    found = [p for p in found if not (p[0] in in_harbour and p[1] in in_harbour)]
    # Two small craft (fishing boats working the same ground) are not this rule's business; nor two ships
    # meeting in the channel on reciprocal courses, each keeping to her own side of the fairway.
    small = set(moving["mmsi"].to_numpy()[moving["ship_type"].isin(
        snap.conf("restricted_entry").get("small_craft_ship_types", [])).to_numpy()].tolist())
    found = [p for p in found if not (p[0] in small and p[1] in small)]
    in_channel = np.zeros(len(moving), dtype=bool)
    for zone in snap.zones_of("channel"):
        in_channel |= shapely.contains_xy(zone.local, moving["x"].to_numpy(), moving["y"].to_numpy())
    channel_cog = dict(zip(moving["mmsi"].to_numpy()[in_channel].tolist(),
                           moving["cog_deg"].to_numpy()[in_channel].tolist(), strict=True))
    found = [p for p in found if not (p[0] in channel_cog and p[1] in channel_cog
                                      and abs(abs(channel_cog[p[0]] - channel_cog[p[1]]) - 180) < 30)]
    if not found:
        return empty, empty, np.zeros(0), np.zeros(0)
    idx = moving.set_index("mmsi")
    a = idx.loc[[p[0] for p in found]].reset_index()
    b = idx.loc[[p[1] for p in found]].reset_index()
    # Dead-reckon every report to now, so that both vessels of a pair are compared at the same instant.
    def at_now(f: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        d = f["sog_kn"].to_numpy() * KN_MS * f["age_s"].to_numpy()
        course = np.radians(f["cog_deg"].to_numpy())
        return f["x"].to_numpy() + d * np.sin(course), f["y"].to_numpy() + d * np.cos(course)

    (xa, ya), (xb, yb) = at_now(a), at_now(b)
    cpa, tcpa = cpa_tcpa(xa, ya, a["sog_kn"].to_numpy(), a["cog_deg"].to_numpy(), xb, yb, b["sog_kn"].to_numpy(),
                         b["cog_deg"].to_numpy())
    return a, b, cpa, tcpa


def evaluate(snap: Snapshot) -> list[Finding]:
    conf = snap.conf("collision_risk")
    cpa_m, tcpa_s = float(conf.get("cpa_m", 500)), float(conf.get("tcpa_min", 10)) * 60
    a, b, cpa, tcpa = pairs(snap)
    out = []
    for i in np.flatnonzero((cpa < cpa_m) & (tcpa > 0) & (tcpa < tcpa_s)):
        ra, rb = a.iloc[i], b.iloc[i]
        severity = "critical" if cpa[i] < cpa_m / 2 and tcpa[i] < tcpa_s / 2 else "warning"
        factors = [severity_factor(severity),
                   Factor("closeness", round(20 * (1 - cpa[i] / cpa_m), 1),
                          f"CPA {cpa[i]:.0f} m (limit {cpa_m:.0f} m)"),
                   Factor("time", round(15 * (1 - tcpa[i] / tcpa_s), 1), f"in {tcpa[i] / 60:.1f} min")]
        risky = [r["name"] or str(r["mmsi"]) for r in (ra, rb)
                 if r["ship_type"] == r["ship_type"] and 60 <= (r["ship_type"] or 0) <= 89]
        if risky:
            factors.append(Factor("dangerous goods or passengers", 10, f"{', '.join(risky)}: tanker or passenger ship"))
        m1, m2 = sorted((int(ra["mmsi"]), int(rb["mmsi"])))
        lon, lat = (ra["lon"] + rb["lon"]) / 2, (ra["lat"] + rb["lat"]) / 2
        na, nb = ra["name"] or str(ra["mmsi"]), rb["name"] or str(rb["mmsi"])
        out.append(Finding(
            "collision_risk", f"collision_risk:{m1}:{m2}", severity, "vessel_pair", f"{m1}/{m2}",
            snap.point_wkt(lon, lat), max(ra["observed_at"], rb["observed_at"]),
            f"Collision risk: {na} and {nb}, CPA {cpa[i]:.0f} m in {tcpa[i] / 60:.1f} min",
            f"碰撞风险：{na} 与 {nb}，最近会遇距离 {cpa[i]:.0f} 米，{tcpa[i] / 60:.1f} 分钟后",
            {"mmsi": [m1, m2], "names": [na, nb], "cpa_m": round(float(cpa[i])), "tcpa_s": round(float(tcpa[i]))},
            factors))
    return out


def keep(snap: Snapshot) -> set[str]:
    conf = snap.conf("collision_risk")
    a, b, cpa, tcpa = pairs(snap)
    held = (cpa < float(conf.get("cpa_m", 500)) * 1.2) & (tcpa > -60)
    return {f"collision_risk:{min(x, y)}:{max(x, y)}" for x, y in
            zip(a["mmsi"].to_numpy()[held], b["mmsi"].to_numpy()[held], strict=True)}


RULE = Rule("collision_risk", "state", evaluate, keep=keep)
