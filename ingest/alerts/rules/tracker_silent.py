"""A tracker gone silent inside the terminal: a vehicle terminal or a person's phone whose last fix is inside a
terminal zone and that has not reported for `silent_s` (nor for so long that it is simply off duty)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import shapely
from pydantic import Field

from ingest.alerts.model import Factor, Finding, Snapshot, severity_factor, tracked
from ingest.alerts.rules.base import Rule, RuleSettings


class Settings(RuleSettings):
    table = "tracker_silent"
    silent_s: float = Field(300, ge=30, le=86400)         # silent this long: an alert
    forget_s: float = Field(4 * 3600, ge=60, le=86400)     # silent longer: off duty, no alert
    zone_kinds: list[str] = Field(default_factory=lambda: ["terminal"], min_length=1)
    people: bool = True                                   # people's phones too, not only vehicle terminals


def _silent(snap: Snapshot, frame: pd.DataFrame, s: Settings) -> list[tuple[dict[str, Any], str]]:
    if not len(frame):
        return []
    quiet = frame[(frame["age_s"] >= s.silent_s) & (frame["age_s"] < s.forget_s)]
    found: dict[int, tuple[dict[str, Any], str]] = {}
    for zone in snap.zones_of(*s.zone_kinds):
        hit = shapely.contains_xy(zone.local, quiet["x"].to_numpy(), quiet["y"].to_numpy())
        for i, row in zip(quiet.index[hit], quiet[hit].to_dict("records"), strict=True):
            found.setdefault(int(i), (row, zone.zone_id))
    return list(found.values())


def _finding(snap: Snapshot, kind: str, ident: str, name: str, row: dict[str, Any], zone_id: str) -> Finding:
    zone, minutes = snap.zones[zone_id], row["age_s"] / 60
    what_en, what_zh = ("tracker of", "人员定位") if kind == "person" else ("terminal of", "车载终端")
    return Finding(
        rule="tracker_silent", key=f"tracker_silent:{kind}:{ident}", severity="warning", subject_kind=kind,
        subject_id=ident, geom_wkt=snap.point_wkt(row["lon"], row["lat"]), evidence_at=row["observed_at"],
        title_en=f"The {what_en} {name} silent for {minutes:.0f} min in {zone.name_en}",
        title_zh=f"{name} {what_zh}在{zone.name_zh}已 {minutes:.0f} 分钟无信号",
        details={"zone_id": zone_id, "silent_s": round(float(row["age_s"])), kind: ident},
        factors=[severity_factor("warning"), Factor("silence", round(min(30.0, minutes / 2), 1),
                                                    f"no fix for {minutes:.0f} min inside the terminal")])


def evaluate(snap: Snapshot) -> list[Finding]:
    s = snap.settings(Settings)
    out = [_finding(snap, "vehicle", r["terminal_phone"], r["plate"] or r["terminal_phone"], r, z)
           for r, z in _silent(snap, tracked(snap, "vehicles"), s)]
    if s.people:
        out += [_finding(snap, "person", r["device_id"], f"{r['team'].replace('_', ' ')} {r['device_id']}", r, z)
                for r, z in _silent(snap, tracked(snap, "people"), s)]
    return out


RULE = Rule("tracker_silent", "state", evaluate, settings=Settings)
