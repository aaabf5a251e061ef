"""The rules of the alert engine, in evaluation order: one module each, registered here by name."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ingest.alerts.rules import (
    anchor_drag,
    anchorage_drift,
    anchorage_overstay,
    collision_risk,
    dark_vessel,
    dg_segregation,
    direct_delivery,
    feed_health,
    fire_near_dg,
    gate_case,
    gate_tracker_mismatch,
    permit_zones,
    restricted_entry,
    restricted_entry_camera,
    speeding,
    tracker_silent,
    truck_overstay,
    unauthorised_anchoring,
    vehicle_emergency,
    vehicle_speeding,
)
from ingest.alerts.rules.base import Rule, RuleSettings

RULES: dict[str, Rule] = {
    "restricted_entry": restricted_entry.RULE,
    "restricted_entry_camera": restricted_entry_camera.RULE,
    "speeding": speeding.RULE,
    "unauthorised_anchoring": unauthorised_anchoring.RULE,
    "anchor_drag": anchor_drag.RULE,
    "anchorage_overstay": anchorage_overstay.RULE,
    "anchorage_drift": anchorage_drift.RULE,
    "collision_risk": collision_risk.RULE,
    "feed_health": feed_health.RULE,
    "dark_vessel": dark_vessel.RULE,
    "dg_segregation": dg_segregation.RULE,
    "fire_near_dg": fire_near_dg.RULE,
    "gate_case": gate_case.RULE,
    "direct_delivery": direct_delivery.RULE,
    "vehicle_emergency": vehicle_emergency.RULE,
    "vehicle_speeding": vehicle_speeding.RULE,
    "tracker_silent": tracker_silent.RULE,
    "truck_overstay": truck_overstay.RULE,
    "gate_tracker_mismatch": gate_tracker_mismatch.RULE,
    "permit_zones": permit_zones.RULE,
}

# Each port.toml table [rules.<table>] and the settings model that reads it.
SETTINGS: dict[str, type[RuleSettings]] = {r.settings.table: r.settings for r in RULES.values() if r.settings}


def settings_problems(tables: dict[str, dict[str, Any]]) -> list[str]:
    """What is wrong with a port's [rules.*] tables, each naming its table and key: an unknown table, an unknown
    key (a misspelling would otherwise leave the code's default in force), a value out of its range."""
    out = []
    for table, values in tables.items():
        model = SETTINGS.get(table)
        if model is None:
            out.append(f"[rules.{table}]: no such rule table (tables: {', '.join(sorted(SETTINGS))})")
            continue
        try:
            model.model_validate(values)
        except ValidationError as err:
            for e in err.errors():
                key = ".".join(str(p) for p in e["loc"]) or "?"
                known = f" (keys: {', '.join(model.model_fields)})" if e["type"] == "extra_forbidden" else ""
                out.append(f"[rules.{table}] {key}: {e['msg']}{known}")
    return out


__all__ = ["RULES", "SETTINGS", "Rule", "RuleSettings", "settings_problems"]
