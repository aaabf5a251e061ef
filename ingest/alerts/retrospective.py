"""Retrospective evaluation: every alert rule run over a past window, step by step, as the engine would have
run at each instant (`python -m ingest alerts --port-id P --from T1 --to T2 [--step 2s]`).

- Positions as of then: the window's history (and the six hours before it) is read once, in time order, and
  each step sees every vessel's last report at or before that instant (never a later one), with its age then.
- The same rules, the same port configuration, the same lifecycle as the live engine (ingest.alerts.engine):
  a condition must hold for the rule's min_duration in *simulated* time before it is raised, one alert per
  dedup key while it holds, a state alert resolved at the step its condition (with hysteresis) cleared, an
  event raised once per run.
- Stored apart, marked retrospective (`alert_retrospective`, migration 027, one `retrospective_run` per run)
  with their historical times (raised_at = the step that raised it, resolved_at = the step it cleared): never
  in `alert`, so never on the wall, the alert list or a pager, and no NOTIFY. A replay's map and the incident
  report show them, marked retrospective.
- Not known for the past, so not judged: feed health (feed_status keeps only the present) — the feeds table of
  every step is empty; rules that read other tables (camera events, containers) read them as they are.
"""

from __future__ import annotations

import functools
import logging
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import psycopg
from psycopg.types.json import Jsonb

from ingest.alerts.engine import VESSEL_COLUMNS, AlertEngine
from ingest.alerts.incremental import PairBook, VesselBook, key_mmsi
from ingest.alerts.model import Snapshot
from ingest.alerts.retro_lifecycle import Lifecycle, Open, Verdict, verdict_of
from ingest.alerts.rules.base import Rule
from ingest.alerts.rules.collision_risk import close_pairs_in_memory
from ingest.progress import Progress
from sql import query, query_text

log = logging.getLogger(__name__)
WINDOW_S = 6 * 3600.0           # as alert_vessels: older positions are out of the picture
STEP_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?")
FEED_COLUMNS = ["source", "kind", "last_message_at", "age_s"]


def parse_step(text: str) -> float:
    """`2s`, `500ms`, `1m`, `0.5h` or plain seconds."""
    m = STEP_RE.fullmatch(text.strip())
    if not m:
        raise ValueError(f"step {text!r}: give seconds, e.g. 2s, 500ms, 1m")
    value = float(m.group(1)) * {"ms": 0.001, "s": 1, None: 1, "m": 60, "min": 60, "h": 3600}[m.group(2)]
    if value <= 0:
        raise ValueError("step must be positive")
    return value


@dataclass
class RetroReport:
    run_id: int
    steps: int = 0
    raised: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    rule_s: dict[str, float] = field(default_factory=lambda: defaultdict(float))   # seconds in each rule
    wall_s: float = 0.0
    simulated_s: float = 0.0
    alerts: list[Open] = field(default_factory=list)

    @property
    def speed(self) -> float:
        """Simulated seconds per wall second."""
        return self.simulated_s / self.wall_s if self.wall_s else float("inf")


class History:
    """The window's reports in time order, and each vessel's last one as of any later instant."""

    def __init__(self, conn: psycopg.Connection[Any], engine: AlertEngine, start: datetime, end: datetime) -> None:
        with conn.cursor() as cur:
            cur.execute(query_text("history_window"), {"port_id": engine.port_id, "from": start, "to": end})
            rows = cur.fetchall()
        frame = pd.DataFrame(rows, columns=["mmsi", "t", "lon", "lat", "sog_kn", "cog_deg", "heading_deg",
                                            "nav_status", "source"])
        self.t = frame["t"].to_numpy(dtype=float)
        mmsi = frame["mmsi"].to_numpy(dtype=np.int64)
        self.mmsis, self.slot = np.unique(mmsi, return_inverse=True)
        n = len(self.mmsis)
        self.cols = {c: pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float)
                     for c in ("lon", "lat", "sog_kn", "cog_deg", "heading_deg", "nav_status")}
        x, y = engine.to_local.transform(self.cols["lon"], self.cols["lat"])
        self.cols["x"], self.cols["y"] = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        self.source = frame["source"].to_numpy(dtype=object)
        self.state = {c: np.full(n, np.nan) for c in self.cols}
        self.seen = np.full(n, -np.inf)
        self.state_source = np.empty(n, dtype=object)
        self.next = 0
        static = query(conn, "retro_statics", {"mmsis": self.mmsis.tolist()}) if n else []
        info = {int(m): (name, ship_type, length, kind) for m, name, ship_type, length, kind in static}
        self.name = np.array([info.get(int(m), (None,) * 4)[0] for m in self.mmsis], dtype=object)
        self.ship_type = np.array([info.get(int(m), (None,) * 4)[1] for m in self.mmsis], dtype=float)
        self.length = np.array([info.get(int(m), (None,) * 4)[2] for m in self.mmsis], dtype=float)
        self.is_vessel = np.array([(info.get(int(m), (None,) * 4)[3] or "vessel") == "vessel" for m in self.mmsis])

    def advance(self, now: datetime) -> np.ndarray:
        """Take in the reports up to `now`; the slots of the vessels that reported since the last call."""
        end = int(np.searchsorted(self.t, now.timestamp(), side="right"))
        if end <= self.next:
            return np.zeros(0, dtype=np.int64)
        rows = np.arange(self.next, end)
        slots = self.slot[rows]
        for c, values in self.cols.items():        # rows in time order: the last one of a vessel wins
            self.state[c][slots] = values[rows]
        self.seen[slots] = self.t[rows]
        self.state_source[slots] = self.source[rows]
        self.next = end
        return np.unique(slots)

    def frame(self, now: datetime, slots: np.ndarray | None = None) -> pd.DataFrame:
        """The vessels (of `slots`, or all) as the engine's snapshot would have had them at `now`
        (VESSEL_COLUMNS, plus x and y): those in the picture then, each with her last report and its age."""
        ts = now.timestamp()
        among = np.arange(len(self.mmsis)) if slots is None else slots
        live = among[(self.seen[among] > ts - WINDOW_S) & self.is_vessel[among]]
        s = self.state
        seen = self.seen[live]
        frame = pd.DataFrame({
            "mmsi": self.mmsis[live], "name": self.name[live], "ship_type": self.ship_type[live],
            "length_m": self.length[live], "lon": s["lon"][live], "lat": s["lat"][live],
            "sog_kn": s["sog_kn"][live], "cog_deg": s["cog_deg"][live], "heading_deg": s["heading_deg"][live],
            "nav_status": s["nav_status"][live],
            "observed_at": pd.to_datetime(seen, unit="s", utc=True).round("us"),
            "source": self.state_source[live], "age_s": ts - seen, "x": s["x"][live], "y": s["y"][live]})
        return frame[[*VESSEL_COLUMNS, "x", "y"]]

    def at(self, now: datetime) -> pd.DataFrame:
        """The whole picture at `now` (the reference mode)."""
        self.advance(now)
        return self.frame(now)

    def seen_at(self, slot: int) -> datetime:
        """Her last report's time, converted as frame() converts it."""
        return pd.to_datetime([self.seen[slot]], unit="s", utc=True).round("us")[0]  # type: ignore[no-any-return]


class Retrospective:
    """One run over [start, end] at `step_s`: the live engine's rules and configuration, simulated time.

    `incremental` (the default) looks at each step only at what changed (ingest/alerts/incremental.py); False is
    the reference mode, every rule over the whole picture at every step: both give the same alerts. The rules
    that read the port's other tables (camera events, the yard, gates, plans: scope 'port') are evaluated every
    `port_step_s` (default: every step)."""

    def __init__(self, conn: psycopg.Connection[Any], port_id: str, start: datetime, end: datetime,
                 step_s: float = 2.0, incremental: bool = True, port_step_s: float | None = None) -> None:
        if end < start:
            raise ValueError("--to is before --from")
        self.conn, self.port_id, self.start, self.end, self.step_s = conn, port_id, start, end, step_s
        self.incremental = incremental
        self.port_every = max(1, round((port_step_s or step_s) / step_s))
        self.engine = AlertEngine(conn, port_id)
        self.rules = {n: r for n, r in self.engine.rules.items() if n != "feed_health"}
        self.memory = dict(self.engine.memory)        # what rules keep between steps, this run's own
        self.memory["close_pairs"] = close_pairs_in_memory     # collision candidates without a temp table per step
        self.reader: psycopg.Connection[Any] | None = None      # the rules' reads, in autocommit (see run)

    def _snapshot(self, now: datetime, vessels: pd.DataFrame, scope: frozenset[int] | None = None) -> Snapshot:
        return Snapshot(self.reader or self.conn, self.port_id, now, self.engine.config.get("rules", {}),
                        self.engine.zones, vessels, pd.DataFrame(columns=FEED_COLUMNS), self.engine.to_local,
                        self.engine.to_wgs84, self.memory, scope=scope)

    def run(self, progress: bool = False) -> RetroReport:
        started = time.perf_counter()
        run_id = int(query(self.conn, "retro_run_start", {"port_id": self.port_id, "from": self.start,
                                                          "to": self.end, "step_s": self.step_s})[0][0])
        report = RetroReport(run_id)
        history = History(self.conn, self.engine, self.start, self.end)
        # The rules only read: on a connection of their own in autocommit, a failing rule's query cannot abort
        # the run's transaction, so no savepoint per rule and step (two round trips each, most of a step).
        params: dict[str, Any] = {**self.conn.info.get_parameters(), "password": self.conn.info.password}
        with psycopg.connect(**params, autocommit=True) as self.reader:
            self._steps(history, report, progress)
        self.reader = None
        report.wall_s = time.perf_counter() - started
        return report

    def _steps(self, history: History, report: RetroReport, progress: bool) -> None:
        probe = self._snapshot(self.start, history.frame(self.start, np.zeros(0, dtype=np.int64)))
        life = Lifecycle(self.rules, {n: r.min_duration_s(probe) if r.min_duration_s else 0.0
                                      for n, r in self.rules.items()})
        total = int((self.end - self.start).total_seconds() // self.step_s) + 1
        bar = Progress(total, f"alerts {self.start:%Y-%m-%d %H:%M}…{self.end:%H:%M}")
        bar.on = progress
        stepper = (Stepper(self, history, life, report) if self.incremental
                   else FullStepper(self, history, life, report))
        step, now, before = timedelta(seconds=self.step_s), self.start, None
        while now <= self.end:
            life.step(now, before, stepper.verdicts(report.steps, now))
            report.steps += 1
            if report.steps % 100 == 0:
                bar.update(report.steps)
            before, now = now, now + step
        alerts = life.finish(before or self.start)
        report.raised = life.raised
        self._store(report.run_id, alerts)
        query(self.conn, "retro_run_finish", {"run_id": report.run_id, "steps": report.steps,
                                              "raised": sum(report.raised.values())})
        bar.done()
        report.simulated_s = (self.end - self.start).total_seconds()
        report.alerts = alerts

    def evaluate(self, name: str, snap: Snapshot, report: RetroReport,
                 call: Callable[[], Verdict]) -> Verdict | None:
        """One rule's verdict, or None when it failed (as the live engine: one broken rule is only that rule)."""
        t0 = time.perf_counter()
        try:
            return call()
        except Exception:
            log.exception("rule %s failed at %s", name, snap.now)
            report.failed[name] += 1
            return None
        finally:
            report.rule_s[name] += time.perf_counter() - t0

    def _store(self, run_id: int, alerts: list[Open]) -> None:
        with self.conn.cursor() as cur:
            cur.executemany(query_text("retro_alert_insert"), [{
                "run_id": run_id, "port_id": self.port_id, "rule": o.finding.rule, "severity": o.finding.severity,
                "subject_kind": o.finding.subject_kind, "subject_id": o.finding.subject_id,
                "dedup_key": o.finding.key, "wkt": o.finding.geom_wkt, "evidence_at": o.finding.evidence_at,
                "raised_at": o.raised_at, "last_seen_at": o.last_seen_at, "resolved_at": o.resolved_at,
                "title_en": o.finding.title_en, "title_zh": o.finding.title_zh,
                "details": Jsonb({**o.finding.explained(), "retrospective": True, "run_id": run_id})}
                for o in alerts])


def whole_verdict(rule: Rule, snap: Snapshot, life: Lifecycle) -> Verdict:
    """A rule's verdict from an evaluation over the snapshot's whole picture."""
    return verdict_of(rule.evaluate(snap), rule.keep(snap) if rule.keep is not None else None, life.active(rule.name))


class FullStepper:
    """The reference mode: every rule over the whole picture at every step (port rules every port_step_s)."""

    def __init__(self, run: Retrospective, history: History, life: Lifecycle, report: RetroReport) -> None:
        self.run, self.history, self.life, self.report = run, history, life, report

    def verdicts(self, k: int, now: datetime) -> dict[str, Verdict]:
        snap = self.run._snapshot(now, self.history.at(now))
        out = {}
        for name, rule in self.run.rules.items():
            if rule.scope == "port" and k % self.run.port_every:
                continue
            v = self.run.evaluate(name, snap, self.report, functools.partial(whole_verdict, rule, snap, self.life))
            if v is not None:
                out[name] = v
        return out


class Stepper:
    """The incremental mode: each step, the vessels that reported, whose report passed a rule's freshness limit,
    that a rule asked to look at again, or whose pending alert is due; the pairs of those that reported."""

    def __init__(self, run: Retrospective, history: History, life: Lifecycle, report: RetroReport) -> None:
        self.run, self.h, self.life, self.report = run, history, life, report
        self.books = {n: VesselBook(r) for n, r in run.rules.items() if r.scope == "vessel"}
        self.pair_rules = [n for n, r in run.rules.items() if r.scope == "pair"]
        self.port_rules = [n for n, r in run.rules.items() if r.scope == "port"]
        probe = run._snapshot(run.start, history.frame(run.start, np.zeros(0, dtype=np.int64)))
        self.ages = sorted({WINDOW_S, *(float(a) for r in run.rules.values() if r.ages_s for a in r.ages_s(probe))})
        self.slot_of = {int(m): i for i, m in enumerate(history.mmsis.tolist())}
        self.wake: dict[int, list[np.ndarray]] = defaultdict(list)
        self.pairs = PairBook(probe, history.state, history.mmsis, history.seen,
                              {"is_vessel": history.is_vessel, "name": history.name, "seen_at": history.seen_at,
                               "ship_type": history.ship_type}, run.step_s)

    def _schedule(self, slots: np.ndarray, at: np.ndarray) -> None:
        """Look at these vessels again at the first step after each instant (a condition on `age > H` or
        `now - t > H` turns there), unless they report before: a wake carries the report it was made for."""
        # (+0.5 us: reports are timed to the microsecond, epoch seconds in a float to a quarter of one)
        k = np.floor((at - self.run.start.timestamp() + 5e-7) / self.run.step_s).astype(np.int64) + 1
        order = np.argsort(k, kind="stable")
        k, slots = k[order], slots[order]
        cut = np.flatnonzero(np.diff(k)) + 1
        for ks, part in zip(np.split(k, cut), np.split(slots, cut), strict=True):
            if len(part):
                self.wake[int(ks[0])].append(np.stack([part, self.h.seen[part]]))

    def _next_age(self, slots: np.ndarray, now: datetime) -> None:
        """Each vessel's next freshness limit after `now`: the only one to wait for, if she reports no more."""
        ages = np.asarray(self.ages)
        age = now.timestamp() - self.h.seen[slots]
        i = np.searchsorted(ages, age, side="left")
        more = i < len(ages)
        self._schedule(slots[more], self.h.seen[slots[more]] + ages[i[more]])

    def _scope(self, k: int, now: datetime) -> np.ndarray:
        changed = self.h.advance(now)
        woken = [w[0][w[1] == self.h.seen[w[0].astype(np.int64)]].astype(np.int64) for w in self.wake.pop(k, [])]
        due = [self.slot_of[key_mmsi(str(key))] for name, key in self.life.due_by(now) if name in self.books]
        parts = [changed, *woken, np.asarray(due, dtype=np.int64)]
        scope = np.unique(np.concatenate(parts)) if len(parts) > 1 else changed
        self._next_age(scope, now)
        return scope

    def verdicts(self, k: int, now: datetime) -> dict[str, Verdict]:
        slots = self._scope(k, now)
        scope = frozenset(self.h.mmsis[slots].tolist())
        snap = self.run._snapshot(now, self.h.frame(now, slots), scope)
        out: dict[str, Verdict] = {}
        for name, book in self.books.items():
            if not scope:
                continue                            # nobody changed: every verdict stands
            v = self.run.evaluate(name, snap, self.report, functools.partial(book.update, snap, scope))
            if v is not None:
                out[name] = v
            wakes = book.rule.wakes(snap) if book.rule.wakes is not None else {}
            if wakes:
                self._schedule(np.array([self.slot_of[m] for m in wakes], dtype=np.int64),
                               np.array(list(wakes.values()), dtype=float))
        for name in self.pair_rules:
            v = self.run.evaluate(name, snap, self.report, functools.partial(self.pairs.update, snap, slots))
            if v is not None:
                out[name] = v
        if k % self.run.port_every == 0 and self.port_rules:
            whole = self.run._snapshot(now, self.h.frame(now))
            for name in self.port_rules:
                call = functools.partial(whole_verdict, self.run.rules[name], whole, self.life)
                v = self.run.evaluate(name, whole, self.report, call)
                if v is not None:
                    out[name] = v
        return out


def parse_time(text: str) -> datetime:
    at = datetime.fromisoformat(text.strip().replace(" ", "T"))
    return at if at.tzinfo else at.replace(tzinfo=UTC)
