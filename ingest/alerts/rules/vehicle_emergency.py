"""A vehicle terminal's emergency button (JT/T 808 alarm flag bit 0): a critical alert while its reports carry it."""

from __future__ import annotations

from pydantic import Field

from ingest.alerts.model import Factor, Finding, Snapshot, severity_factor, tracked
from ingest.alerts.rules.base import Rule, RuleSettings

EMERGENCY = 1 << 0


class Settings(RuleSettings):
    table = "vehicle_emergency"
    fresh_s: float = Field(600, gt=0, le=86400)     # an alarm in a report older than this is not raised any more


def evaluate(snap: Snapshot) -> list[Finding]:
    s = snap.settings(Settings)
    v = tracked(snap, "vehicles")
    if not len(v):
        return []
    pressed = v[(v["age_s"] <= s.fresh_s) & ((v["alarm"].astype("int64") & EMERGENCY) != 0)]
    out = []
    for r in pressed.to_dict("records"):
        name = r["plate"] or r["terminal_phone"]
        out.append(Finding(
            rule="vehicle_emergency", key=f"vehicle_emergency:{r['terminal_phone']}", severity="critical",
            subject_kind="vehicle", subject_id=str(r["terminal_phone"]), geom_wkt=snap.point_wkt(r["lon"], r["lat"]),
            evidence_at=r["observed_at"],
            title_en=f"Emergency button pressed in {name} ({r['kind'].replace('_', ' ')})",
            title_zh=f"{name} 紧急报警按钮被按下",
            details={"terminal_phone": r["terminal_phone"], "plate": r["plate"], "kind": r["kind"],
                     "alarm": int(r["alarm"])},
            factors=[severity_factor("critical"), Factor("emergency", 40, "the driver pressed the emergency button")]))
    return out


RULE = Rule("vehicle_emergency", "state", evaluate, settings=Settings)
