"""The alert lifecycle of a retrospective run, driven by what changed between two steps.

The same rules as the live engine (ingest/alerts/engine.py), in simulated time: a condition must hold for the
rule's minimum duration before it is raised (a key first seen at t is raised at the first step at or after
t + min_duration while it has held since); one alert per key while it holds; a state alert is resolved at the
first step its condition no longer holds nor is held by the rule's hysteresis (`keep`); an event is raised once
per run and stays open. Each step a rule hands over its verdict as the keys that became active, those that no
longer are, and its whole active and held sets; a rule that failed this step (or was not evaluated) hands over
nothing, and its alerts stay as they are.
"""

from __future__ import annotations

import heapq
import logging
from collections import Counter
from collections.abc import Callable, Collection, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ingest.alerts.model import Finding
from ingest.alerts.rules.base import Rule

log = logging.getLogger(__name__)


@dataclass
class Open:
    finding: Finding              # as it was when raised (its predicted CPA, say)
    raised_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None = None


@dataclass
class Verdict:
    """One rule's verdict at one step."""

    added: Iterable[Hashable]                  # keys active now that were not at the rule's last verdict
    removed: Iterable[Hashable]                # keys active then that are not now
    active: Collection[Hashable]
    held: Collection[Hashable] | None          # None: the rule has no hysteresis
    finding: Callable[[Hashable], Finding]     # the finding of an active key, as of this step


def verdict_of(findings: list[Finding], held: set[str] | None, before: Collection[Hashable]) -> Verdict:
    """A verdict from a whole evaluation (the reference mode, and the rules that read the port's other tables)."""
    by_key = {f.key: f for f in findings}
    now = set(by_key)
    return Verdict(now - set(before), set(before) - now, now, held, lambda key: by_key[str(key)])


@dataclass
class Lifecycle:
    rules: dict[str, Rule]
    waits: dict[str, float]                    # rule -> its minimum duration (s)
    raised: Counter[str] = field(default_factory=Counter)
    open: dict[tuple[str, Hashable], Open] = field(default_factory=dict)
    done: list[Open] = field(default_factory=list)
    last: dict[str, Verdict] = field(default_factory=dict)
    _pending: dict[tuple[str, Hashable], datetime] = field(default_factory=dict)
    _due: list[tuple[datetime, int, str, Hashable, datetime]] = field(default_factory=list)
    _held_open: dict[str, set[Hashable]] = field(default_factory=dict)   # gone but held by hysteresis
    _events: set[tuple[str, Hashable]] = field(default_factory=set)
    _seq: int = 0

    def active(self, rule: str) -> Collection[Hashable]:
        v = self.last.get(rule)
        return v.active if v is not None else ()

    def due_by(self, now: datetime) -> list[tuple[str, Hashable]]:
        """The pending keys whose minimum duration is over by `now` (a rule may look at them again first)."""
        return [(rule, key) for at, _seq, rule, key, _first in self._due if at <= now]

    def step(self, now: datetime, before: datetime | None, verdicts: dict[str, Verdict]) -> None:
        for name, v in verdicts.items():
            self._changes(name, v, now, before or now)
            self.last[name] = v
        while self._due and self._due[0][0] <= now:
            _at, _seq, name, key, first = heapq.heappop(self._due)
            if self._pending.get((name, key)) != first or key not in self.active(name):
                continue                          # it cleared (and may have come back) meanwhile
            finding = self.last[name].finding(key)
            self.open[(name, key)] = Open(finding, now, now)
            if self.rules[name].kind == "event":
                self._events.add((name, key))
            self.raised[name] += 1
            log.info("retrospective: %s at %s: %s", name, now.isoformat(), finding.title_en)

    def _changes(self, name: str, v: Verdict, now: datetime, before: datetime) -> None:
        state = self.rules[name].kind == "state"
        for key in v.added:
            if (name, key) in self.open or (name, key) in self._events:
                continue                          # still open (it was held), or an event already raised
            self._pending[(name, key)] = now
            self._seq += 1
            heapq.heappush(self._due, (now + timedelta(seconds=self.waits.get(name, 0.0)), self._seq, name, key, now))
        waiting = self._held_open.setdefault(name, set())
        for key in v.removed:
            self._pending.pop((name, key), None)
            item = self.open.get((name, key))
            if item is None or not state:
                continue
            item.last_seen_at = before
            waiting.add(key)
        for key in list(waiting):
            if key in v.active:
                waiting.discard(key)
            elif v.held is None or key not in v.held:
                waiting.discard(key)
                item = self.open.pop((name, key))
                item.resolved_at = now
                self.done.append(item)

    def finish(self, end: datetime) -> list[Open]:
        """Every alert of the run: those resolved, and those still open at its end."""
        for (name, key), item in self.open.items():
            if key in self.active(name):
                item.last_seen_at = end
        return self.done + list(self.open.values())
