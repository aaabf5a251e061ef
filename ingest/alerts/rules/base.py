"""The shape of a rule: a name, whether its alerts are state- or event-based, an evaluation, and the settings it
takes from port.toml [rules.<name>] as a pydantic model (unknown keys refused, units in the names, ranges)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ingest.alerts.model import Finding, RuleSettings, Snapshot

__all__ = ["Rule", "RuleSettings"]


@dataclass(frozen=True)
class Rule:
    name: str
    kind: str                                      # 'state': lasts while the condition holds; 'event': until handled
    evaluate: Callable[[Snapshot], list[Finding]]
    # State rules with hysteresis: the keys whose condition has not cleared yet (held in a wider band).
    keep: Callable[[Snapshot], set[str]] | None = None
    min_duration_s: Callable[[Snapshot], float] | None = None   # the condition must hold this long first
    settings: type[RuleSettings] | None = None     # None: it reads another rule's table (or none)
