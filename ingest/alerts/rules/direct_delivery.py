"""Rule: a direct delivery (直提/直装) that overstays — a container meant to go straight between ship and truck
that is still in the terminal after its allowance, waits at the gate too long, or was grounded in the yard. The
alert stands where the box is (berth, road, gate) and clears when it is done. Part of issue 12; the allowances
are port.toml [rules.direct_delivery]."""

from __future__ import annotations

from pydantic import Field

from ingest.alerts.model import Factor, Finding, Snapshot, severity_factor
from ingest.alerts.rules.base import Rule, RuleSettings
from sql.direct_delivery import direct_rows

WHY = {"over_time": ("{minutes} min in the terminal, {limit} allowed", "在港 {minutes} 分钟，限 {limit} 分钟"),
       "gate_hold": ("held at the gate", "闸口滞留"),
       "grounded": ("grounded in the yard: no longer direct", "已落场，不再是直提直装")}
WAY = {"discharge": ("Direct pickup", "直提"), "load": ("Direct loading", "直装")}


class Settings(RuleSettings):
    """The allowances (read by sql/queries/ops_direct_delivery.sql from the port's config; checked here)."""

    table = "direct_delivery"
    max_minutes: int = Field(90, ge=1, le=1440)     # from its first move to done, unless its plan says otherwise
    gate_max_min: int = Field(20, ge=1, le=1440)    # waiting at the gate
    grace_min: int = Field(60, ge=0, le=1440)       # not moved this long after its planned time: late


def evaluate(snap: Snapshot) -> list[Finding]:
    out = []
    for r in direct_rows(snap.conn, snap.port_id, snap.now, done_keep_h=0):
        if r["overstay"] is None or r["state"] == "done" or r["lon"] is None:
            continue
        en, zh = WHY[r["overstay"]]
        args = {"minutes": r["minutes"], "limit": r["limit_min"]}
        way_en, way_zh = WAY[r["direction"]]
        plate = f", truck {r['truck_plate']}" if r["truck_plate"] else ""
        severity = "warning"
        over_by = max(0, (r["minutes"] or 0) - (r["limit_min"] or 0))
        out.append(
            Finding(
                rule="direct_delivery",
                key=f"direct_delivery:{r['plan_id']}",
                severity=severity,
                subject_kind="container",
                subject_id=r["container_no"],
                geom_wkt=snap.point_wkt(r["lon"], r["lat"]),
                evidence_at=r["since"] or snap.now,
                title_en=f"{way_en} {r['container_no']} overstays: {en.format(**args)}{plate}",
                title_zh=f"{way_zh} {r['container_no']} 超时：{zh.format(**args)}",
                details={
                    "plan_id": r["plan_id"],
                    "container_no": r["container_no"],
                    "direction": r["direction"],
                    "state": r["state"],
                    "overstay": r["overstay"],
                    "minutes": r["minutes"],
                    "limit_min": r["limit_min"],
                    "truck_plate": r["truck_plate"],
                    "berth_id": r["berth_id"],
                },
                factors=[
                    severity_factor(severity),
                    Factor("delay", round(min(25.0, 5 + over_by / 6), 1), en.format(**args)),
                ],
            )
        )
    return out


RULE = Rule("direct_delivery", "state", evaluate, settings=Settings)
