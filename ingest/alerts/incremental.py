"""A retrospective step that evaluates only what changed (ingest/alerts/retrospective.py, the default mode).

Between two steps of a recorded day most vessels send nothing. A vessel rule's verdict on a vessel (its `scope`
is 'vessel', ingest/alerts/rules/base.py) changes only when she reports, when the age of her last report passes
one of the rule's freshness limits (`ages_s`), or at an instant the rule names (`wakes`: an anchorage stay
passing its limit); so each step the vessel rules see only those vessels, and every other vessel keeps the
findings of her last look (`VesselBook`). Collision risk is kept per pair (`PairBook`): while neither vessel
reports, a pair's CPA is fixed and its TCPA runs down with the clock, so a pair is computed when one of them
reports and then only read. The reference mode (every rule over the whole picture at every step) gives the same
alerts: tests/test_alerts_retrospective.py runs both.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from typing import Any

import numpy as np
import shapely

from ingest.alerts.model import Finding, Snapshot
from ingest.alerts.retro_lifecycle import Verdict
from ingest.alerts.rules import collision_risk, restricted_entry
from ingest.alerts.rules.base import Rule
from ingest.alerts.rules.collision_risk import cpa_tcpa, grid_velocity


def key_mmsi(key: str) -> int:
    """A vessel rule's keys end in ':<mmsi>'."""
    return int(key.rsplit(":", 1)[1])


class VesselBook:
    """One vessel rule's findings and held keys, each vessel's as of the last step that looked at her."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self.found: dict[int, dict[str, Finding]] = {}
        self.kept: dict[int, set[str]] = {}
        self.active: set[str] = set()
        self.held: set[str] | None = set() if rule.keep is not None else None

    def update(self, snap: Snapshot, scope: Iterable[int]) -> Verdict:
        findings = self.rule.evaluate(snap)
        kept = self.rule.keep(snap) if self.rule.keep is not None else None
        new: dict[int, dict[str, Finding]] = defaultdict(dict)
        for f in findings:
            new[int(f.subject_id)][f.key] = f
        added: list[str] = []
        removed: list[str] = []
        for mmsi in scope:
            old = self.found.pop(mmsi, {})
            now = new.get(mmsi, {})
            if now:
                self.found[mmsi] = now
            if old.keys() != now.keys():
                added += [k for k in now if k not in old]
                removed += [k for k in old if k not in now]
        self.active.difference_update(removed)
        self.active.update(added)
        if kept is not None and self.held is not None:
            by: dict[int, set[str]] = defaultdict(set)
            for key in kept:
                by[key_mmsi(key)].add(key)
            for mmsi in scope:
                self.held.difference_update(self.kept.pop(mmsi, ()))
                if by.get(mmsi):
                    self.kept[mmsi] = by[mmsi]
                    self.held.update(by[mmsi])
        return Verdict(added, removed, self.active, self.held, self._finding)

    def _finding(self, key: Hashable) -> Finding:
        return self.found[key_mmsi(str(key))][str(key)]


class PairBook:
    """Collision-risk pairs, as collision_risk._pairs would find them each step, computed once per report.

    A pair's CPA (metres) and the instant of it (epoch s) are fixed while neither vessel reports; it is active
    while CPA < cpa_m and 0 < t_cpa - now < tcpa, held while CPA < 1.2 cpa_m and t_cpa - now > -60 (the rule's
    keep). Pairs are kept only when CPA < 1.2 cpa_m: the others can be neither."""

    def __init__(self, snap: Snapshot, state: dict[str, np.ndarray], mmsis: np.ndarray, seen: np.ndarray,
                 extra: dict[str, Any], step_s: float) -> None:
        self.conf = snap.settings(collision_risk.Settings)
        self.start, self.step_s = snap.now.timestamp(), step_s
        self.recheck: dict[int, set[tuple[int, int]]] = defaultdict(set)     # step -> pairs whose status may turn
        self.small_types = set(snap.settings(restricted_entry.Settings).small_craft_ship_types)
        self.state, self.mmsis, self.seen, self.extra = state, mmsis, seen, extra
        n = len(mmsis)
        self.moving = np.zeros(n, dtype=bool)
        self.vx, self.vy = np.zeros(n), np.zeros(n)
        self.flags = {k: np.zeros(n, dtype=bool) for k in ("inner", "small", "channel")}
        self.pairs: dict[tuple[int, int], tuple[float, float]] = {}     # (slot, slot) by mmsi order
        self.of: dict[int, set[tuple[int, int]]] = defaultdict(set)
        self.active: set[tuple[int, int]] = set()
        self.held: set[tuple[int, int]] = set()

    def update(self, snap: Snapshot, slots: np.ndarray) -> Verdict:
        now = snap.now.timestamp()
        before = set(self.active)
        if not len(slots) and not self.pairs:
            return Verdict((), (), self.active, self.held, lambda key: self._finding(snap, key, now))
        for s in slots.tolist():
            for pair in self.of.pop(s, ()):
                self.pairs.pop(pair, None)
                self.active.discard(pair)
                self.held.discard(pair)
                other = pair[1] if pair[0] == s else pair[0]
                self.of.get(other, set()).discard(pair)
        self._refresh(snap, slots, now)
        fresh = self._pair_up(slots[self.moving[slots]], now)
        k = round((now - self.start) / self.step_s)
        for pair in [*fresh, *self.recheck.pop(k, ())]:
            self._judge(pair, now, k)
        return Verdict(self.active - before, before - self.active, self.active, self.held,
                       lambda key: self._finding(snap, key, now))

    def _refresh(self, snap: Snapshot, slots: np.ndarray, now: float) -> None:
        s, c = self.state, self.conf
        age = now - self.seen[slots]
        sog, cog, types = s["sog_kn"][slots], s["cog_deg"][slots], self.extra["ship_type"][slots]
        excluded = np.isin(types, c.exclude_ship_types) if c.exclude_ship_types else np.zeros(len(slots), bool)
        self.moving[slots] = (self.extra["is_vessel"][slots] & (age <= collision_risk.FRESH_S)
                              & (np.nan_to_num(sog) >= c.min_sog_kn) & ~np.isnan(cog) & ~excluded)
        x, y = s["x"][slots], s["y"][slots]
        self.flags["inner"][slots] = snap.inside(c.exclude_zone_kinds, x, y)
        self.flags["small"][slots] = np.isin(types, list(self.small_types)) if self.small_types else False
        self.flags["channel"][slots] = snap.inside(("channel",), x, y)
        ok = ~np.isnan(cog) & ~np.isnan(sog)
        vx, vy = np.zeros(len(slots)), np.zeros(len(slots))
        if ok.any():
            vx[ok], vy[ok] = grid_velocity(snap.to_local, s["lon"][slots][ok], s["lat"][slots][ok], sog[ok], cog[ok])
        self.vx[slots], self.vy[slots] = vx, vy

    def _pair_up(self, dirty: np.ndarray, now: float) -> list[tuple[int, int]]:
        """The pairs of each vessel that reported (and is moving) with every moving vessel within prefilter_m."""
        if not len(dirty):
            return []
        moving = np.flatnonzero(self.moving)
        s, c = self.state, self.conf
        tree = shapely.STRtree(shapely.points(s["x"][moving], s["y"][moving]))
        i, j = tree.query(shapely.points(s["x"][dirty], s["y"][dirty]), predicate="dwithin", distance=c.prefilter_m)
        a, b = dirty[i], moving[j]
        m = self.mmsis
        both_dirty = np.isin(b, dirty)
        keep = (a != b) & (~both_dirty | (m[a] < m[b]))      # a pair of two that reported: once
        a, b = a[keep], b[keep]
        a, b = np.where(m[a] < m[b], a, b), np.where(m[a] < m[b], b, a)
        f, cog = self.flags, s["cog_deg"]
        meeting = f["channel"][a] & f["channel"][b] & (np.abs(np.abs(cog[a] - cog[b]) - 180) < 30)
        keep = ~((f["inner"][a] & f["inner"][b]) | (f["small"][a] & f["small"][b]) | meeting)
        a, b = a[keep], b[keep]
        age_a, age_b = now - self.seen[a], now - self.seen[b]
        cpa, tcpa = cpa_tcpa(s["x"][a] + self.vx[a] * age_a, s["y"][a] + self.vy[a] * age_a, self.vx[a], self.vy[a],
                             s["x"][b] + self.vx[b] * age_b, s["y"][b] + self.vy[b] * age_b, self.vx[b], self.vy[b])
        dvx, dvy = self.vx[b] - self.vx[a], self.vy[b] - self.vy[a]
        parallel = dvx * dvx + dvy * dvy <= 1e-9               # TCPA stays 0: never active, held while it lasts
        t_cpa = np.where(parallel, np.nan, now + tcpa)
        near = cpa < c.cpa_m * 1.2
        out = []
        for pa, pb, pc, pt in zip(a[near].tolist(), b[near].tolist(), cpa[near].tolist(), t_cpa[near].tolist(),
                                  strict=True):
            self.pairs[(pa, pb)] = (pc, pt)
            self.of[pa].add((pa, pb))
            self.of[pb].add((pa, pb))
            out.append((pa, pb))
            if pt == pt:            # its status turns when TCPA passes tcpa_min, 0 and -60 s: look again then
                for edge in (pt - c.tcpa_min * 60, pt, pt + 60):
                    first = int(np.floor((edge - self.start) / self.step_s))
                    for step in (first, first + 1):
                        self.recheck[step].add((pa, pb))
        return out

    def _judge(self, pair: tuple[int, int], now: float, k: int) -> None:
        """A pair's status now, as the rule would judge it: active while CPA < cpa_m and 0 < TCPA < tcpa_min,
        held while TCPA > -60 s (or for ever, for two vessels on the same course at the same speed)."""
        found = self.pairs.get(pair)
        if found is None:
            return                  # gone since the look was booked
        cpa, t = found
        if cpa < self.conf.cpa_m and 0 < t - now < self.conf.tcpa_min * 60:
            self.active.add(pair)
        else:
            self.active.discard(pair)
        if t != t or t - now > -60:
            self.held.add(pair)
        else:
            self.held.discard(pair)

    def _finding(self, snap: Snapshot, key: Hashable, now: float) -> Finding:
        pair: tuple[int, int] = key  # type: ignore[assignment]
        a, b = pair
        cpa, t = self.pairs[(a, b)]
        s = self.state
        cols: dict[str, Any] = {
            "mmsi": [int(self.mmsis[a]), int(self.mmsis[b])],
            "name": [self.extra["name"][k] or str(int(self.mmsis[k])) for k in (a, b)],
            "type": [int(np.nan_to_num(self.extra["ship_type"][k])) for k in (a, b)],
            "lon": [float(s["lon"][a]), float(s["lon"][b])], "lat": [float(s["lat"][a]), float(s["lat"][b])],
            "seen": [self.extra["seen_at"](a), self.extra["seen_at"](b)]}
        return collision_risk.encounter(snap, self.conf, cols, 0, 1, cpa, t - now)
