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

import logging
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import psycopg
from psycopg.types.json import Jsonb

from ingest.alerts.engine import VESSEL_COLUMNS, AlertEngine
from ingest.alerts.model import Finding, Snapshot
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
class Open:
    finding: Finding              # as it was when raised (its predicted CPA, say)
    raised_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None = None


@dataclass
class RetroReport:
    run_id: int
    steps: int = 0
    raised: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    wall_s: float = 0.0
    simulated_s: float = 0.0

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

    def at(self, now: datetime) -> pd.DataFrame:
        """The vessels as the engine's snapshot would have had them at `now` (VESSEL_COLUMNS, plus x and y)."""
        ts = now.timestamp()
        end = int(np.searchsorted(self.t, ts, side="right"))
        if end > self.next:
            rows = np.arange(self.next, end)
            slots = self.slot[rows]
            for c, values in self.cols.items():        # rows in time order: the last one of a vessel wins
                self.state[c][slots] = values[rows]
            self.seen[slots] = self.t[rows]
            self.state_source[slots] = self.source[rows]
            self.next = end
        live = np.flatnonzero((self.seen > ts - WINDOW_S) & self.is_vessel)
        s = self.state
        seen = self.seen[live]
        frame = pd.DataFrame({
            "mmsi": self.mmsis[live], "name": self.name[live], "ship_type": self.ship_type[live],
            "length_m": self.length[live], "lon": s["lon"][live], "lat": s["lat"][live],
            "sog_kn": s["sog_kn"][live], "cog_deg": s["cog_deg"][live], "heading_deg": s["heading_deg"][live],
            "nav_status": s["nav_status"][live],
            "observed_at": pd.to_datetime(seen, unit="s", utc=True).to_pydatetime() if len(live) else [],
            "source": self.state_source[live], "age_s": ts - seen, "x": s["x"][live], "y": s["y"][live]})
        return frame[[*VESSEL_COLUMNS, "x", "y"]]


class Retrospective:
    """One run over [start, end] at `step_s`: the live engine's rules and configuration, simulated time."""

    def __init__(self, conn: psycopg.Connection[Any], port_id: str, start: datetime, end: datetime,
                 step_s: float = 2.0) -> None:
        if end < start:
            raise ValueError("--to is before --from")
        self.conn, self.port_id, self.start, self.end, self.step_s = conn, port_id, start, end, step_s
        self.engine = AlertEngine(conn, port_id)
        self.rules = self.engine.rules
        self.open: dict[str, Open] = {}
        self.done: list[Open] = []
        self.pending: dict[str, datetime] = {}
        self.events_seen: set[str] = set()

    def run(self, progress: bool = False) -> RetroReport:
        started = time.perf_counter()
        run_id = int(query(self.conn, "retro_run_start", {"port_id": self.port_id, "from": self.start,
                                                          "to": self.end, "step_s": self.step_s})[0][0])
        report = RetroReport(run_id)
        history = History(self.conn, self.engine, self.start, self.end)
        total = int((self.end - self.start).total_seconds() // self.step_s) + 1
        bar = Progress(total, f"alerts {self.start:%Y-%m-%d %H:%M}…{self.end:%H:%M}")
        bar.on = progress
        memory = dict(self.engine.memory)        # what rules keep between steps, this run's own
        memory["close_pairs"] = close_pairs_in_memory     # collision candidates without a temp table per step
        feeds = pd.DataFrame(columns=FEED_COLUMNS)
        step = timedelta(seconds=self.step_s)
        now = self.start
        while now <= self.end:
            snap = Snapshot(self.conn, self.port_id, now, self.engine.config.get("rules", {}), self.engine.zones,
                            history.at(now), feeds, self.engine.to_local, self.engine.to_wgs84, memory)
            self._step(snap, report)
            report.steps += 1
            if report.steps % 100 == 0:
                bar.update(report.steps)
            now += step
        for item in self.open.values():
            self.done.append(item)
        self._store(run_id)
        query(self.conn, "retro_run_finish", {"run_id": run_id, "steps": report.steps,
                                              "raised": sum(report.raised.values())})
        bar.done()
        report.wall_s = time.perf_counter() - started
        report.simulated_s = (self.end - self.start).total_seconds()
        return report

    def _step(self, snap: Snapshot, report: RetroReport) -> None:
        found: dict[str, list[Finding]] = {}
        held: set[str] = set()
        broken: set[str] = set()
        for name, rule in self.rules.items():
            if name == "feed_health":
                continue
            try:
                with self.conn.transaction():
                    found[name] = rule.evaluate(snap)
                    if rule.keep is not None:
                        held |= rule.keep(snap)
            except Exception:      # as the live engine: one broken rule is only that rule
                log.exception("rule %s failed at %s", name, snap.now)
                report.failed[name] += 1
                broken.add(name)
        active: set[str] = set()
        for name, findings in found.items():
            rule = self.rules[name]
            wait = rule.min_duration_s(snap) if rule.min_duration_s else 0.0
            for f in findings:
                active.add(f.key)
                if f.key in self.open:
                    self.open[f.key].last_seen_at = snap.now
                    continue
                if rule.kind == "event" and f.key in self.events_seen:
                    continue
                first = self.pending.setdefault(f.key, snap.now)
                if (snap.now - first).total_seconds() < wait:
                    continue
                self.open[f.key] = Open(f, snap.now, snap.now)
                if rule.kind == "event":
                    self.events_seen.add(f.key)
                report.raised[name] += 1
                log.info("retrospective: %s at %s: %s", name, snap.now.isoformat(), f.title_en)
        for key in [k for k in self.pending if k not in active]:
            del self.pending[key]
        for key in list(self.open):
            item = self.open[key]
            owner = self.rules.get(item.finding.rule)
            if (owner is None or owner.kind != "state" or key in active or key in held
                    or item.finding.rule in broken):
                continue
            item.resolved_at = snap.now
            self.done.append(self.open.pop(key))

    def _store(self, run_id: int) -> None:
        with self.conn.cursor() as cur:
            cur.executemany(query_text("retro_alert_insert"), [{
                "run_id": run_id, "port_id": self.port_id, "rule": o.finding.rule, "severity": o.finding.severity,
                "subject_kind": o.finding.subject_kind, "subject_id": o.finding.subject_id,
                "dedup_key": o.finding.key, "wkt": o.finding.geom_wkt, "evidence_at": o.finding.evidence_at,
                "raised_at": o.raised_at, "last_seen_at": o.last_seen_at, "resolved_at": o.resolved_at,
                "title_en": o.finding.title_en, "title_zh": o.finding.title_zh,
                "details": Jsonb({**o.finding.explained(), "retrospective": True, "run_id": run_id})}
                for o in self.done])


def parse_time(text: str) -> datetime:
    at = datetime.fromisoformat(text.strip().replace(" ", "T"))
    return at if at.tzinfo else at.replace(tzinfo=UTC)
