"""Rule 5: a vessel in an anchorage for longer than the anchorage (or the port) allows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import shapely
from pydantic import Field

from ingest.alerts.model import Factor, Finding, Snapshot, severity_factor
from ingest.alerts.rules.base import Rule, RuleSettings
from sql import query

RECHECK_S = 30.0     # a stay not yet over its limit is looked up again this often: history can arrive late


class Settings(RuleSettings):
    table = "anchorage_overstay"
    default_max_stay_h: float = Field(72, gt=0, le=24 * 365)   # an anchorage without its own max_stay_h


def stays(snap: Snapshot) -> dict[tuple[int, str], datetime]:
    """(mmsi, anchorage) -> since when, for every vessel now in an anchorage; kept between cycles. A stay that
    is still within its limit is looked up again every RECHECK_S: a receiver's backfill (or a replayed log)
    can bring the earlier reports after the vessel was first seen."""
    memory: dict[tuple[int, str], datetime] = snap.memory.setdefault("stays", {})
    checked: dict[tuple[int, str], datetime] = snap.memory.setdefault("stays_checked", {})
    default_h = snap.settings(Settings).default_max_stay_h
    v = snap.vessels
    present: set[tuple[int, str]] = set()
    rows: dict[int, Any] = {}
    for zone in snap.zones_of("anchorage"):
        inside = v[shapely.contains_xy(zone.local, v["x"].to_numpy(), v["y"].to_numpy())]
        present |= {(int(m), zone.zone_id) for m in inside["mmsi"]}
        rows.update((int(r.mmsi), r) for r in inside.itertuples())
    snap.cache["anchorage_rows"] = rows
    for key in [k for k in memory if k not in present and snap.speaks_for(k[0])]:
        del memory[key]
        checked.pop(key, None)
    unknown = [k for k in present if k not in memory
               or ((snap.now - checked.get(k, snap.now)).total_seconds() >= RECHECK_S
                   and (snap.now - memory[k]).total_seconds() / 3600
                   <= float(snap.zones[k[1]].props.get("max_stay_h") or default_h))]
    if unknown:
        found = query(snap.conn, "alert_stay_since", {"port_id": snap.port_id, "mmsi": [k[0] for k in unknown],
                                                      "zone_id": [k[1] for k in unknown]})
        for mmsi, zone_id, since in found:
            if since is not None:
                memory[(int(mmsi), zone_id)] = since
                checked[(int(mmsi), zone_id)] = snap.now
    return memory


def evaluate(snap: Snapshot) -> list[Finding]:
    default_h = snap.settings(Settings).default_max_stay_h
    memory = stays(snap)
    by_mmsi: dict[int, Any] = snap.cache["anchorage_rows"]
    out = []
    for (mmsi, zone_id), since in memory.items():
        zone = snap.zones[zone_id]
        limit_h = float(zone.props.get("max_stay_h") or default_h)
        hours = (snap.now - since).total_seconds() / 3600
        if hours <= limit_h or mmsi not in by_mmsi:
            continue
        r = by_mmsi[mmsi]
        severity = "warning"
        factors = [severity_factor(severity), Factor("vessel behaviour", round(min(20.0, 2 * (hours - limit_h)), 1),
                                                     f"{hours:.0f} h at anchor where {limit_h:g} h is allowed")]
        if zone.props.get("dangerous_goods"):
            factors.append(Factor("dangerous goods", 15, "an anchorage for dangerous-goods ships"))
        name = r.name or str(mmsi)
        out.append(
            Finding(
                rule="anchorage_overstay",
                key=f"anchorage_overstay:{zone_id}:{mmsi}",
                severity=severity,
                subject_kind="vessel",
                subject_id=str(mmsi),
                geom_wkt=snap.point_wkt(r.lon, r.lat),
                evidence_at=r.observed_at,
                title_en=f"{name} {hours:.0f} h in {zone.name_en} (limit {limit_h:g} h)",
                title_zh=f"{name} 在{zone.name_zh}停留 {hours:.0f} 小时（上限 {limit_h:g} 小时）",
                details={
                    "zone_id": zone_id,
                    "mmsi": mmsi,
                    "since": since.isoformat(),
                    "hours": round(hours, 1),
                    "limit_h": limit_h,
                },
                factors=factors,
            )
        )
    return out


def wakes(snap: Snapshot) -> dict[int, float]:
    """When each stay this snapshot saw passes its limit (a retrospective run looks at her again then)."""
    default_h = snap.settings(Settings).default_max_stay_h
    out: dict[int, float] = {}
    for (mmsi, zone_id), since in snap.memory.get("stays", {}).items():
        if snap.scope is None or mmsi in snap.scope:
            limit_h = float(snap.zones[zone_id].props.get("max_stay_h") or default_h)
            out[mmsi] = min(out.get(mmsi, float("inf")), since.timestamp() + limit_h * 3600)
    return out


RULE = Rule("anchorage_overstay", "state", evaluate, settings=Settings, scope="vessel", ages_s=lambda snap: [],
            wakes=wakes)
