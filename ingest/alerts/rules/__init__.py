"""The rules of the alert engine, in evaluation order: one module each, registered here by name."""

from __future__ import annotations

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
    restricted_entry,
    restricted_entry_camera,
    speeding,
    unauthorised_anchoring,
)
from ingest.alerts.rules.base import Rule

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
}

__all__ = ["RULES", "Rule"]
