"""The shape of a rule: a name, whether its alerts are state- or event-based, an evaluation, and the settings it
takes from port.toml [rules.<name>] as a pydantic model (unknown keys refused, units in the names, ranges)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
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
    # What a verdict depends on, for a retrospective run that evaluates only what changed (alerts/incremental.py):
    # 'vessel': each vessel's findings depend only on her last report, what the rule keeps of her in memory and
    #   the time, through the ages in `ages_s` (freshness limits) and the instants `wakes` names; her keys end in
    #   ':<mmsi>'. 'pair': collision_risk's pairs of vessels. 'port': anything else (other tables), evaluated on
    #   the whole picture.
    scope: str = "port"
    ages_s: Callable[[Snapshot], Iterable[float]] | None = None
    wakes: Callable[[Snapshot], dict[int, float]] | None = None   # mmsi -> epoch s when to look at her again
