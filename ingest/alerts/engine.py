"""The alert engine: every cycle, a snapshot of the port, every registered rule, then one transaction that
brings the `alert` table in line with what the rules found.

Lifecycle:
- a state rule's alert lives while its condition holds (and, with hysteresis, until it has clearly
  cleared); the engine then resolves it itself ('condition cleared'). A rule may ask that a condition
  hold for a while before it is raised (speeding: 30 s; stopping outside an anchorage: 10 minutes).
- an event rule's alert lives until an officer resolves it; its key names the event, so it is raised
  once, ever.
- one live alert per dedup key: a condition that holds on updates its alert, it never raises another.
- an acknowledged alert stays live (and still clears itself); a suppressed one is quiet until its time
  (counted from the evidence) has passed, then it is open again if its condition still holds.
- every change is an `alert_action` row (the engine acts as 'engine') and a NOTIFY on `portmap_alerts`.
"""

from __future__ import annotations

import json
import logging
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import psycopg
import shapely
from psycopg.types.json import Jsonb
from pyproj import Transformer
from shapely import wkt as shapely_wkt

from ingest import stats
from ingest.alerts.cases import open_case
from ingest.alerts.model import Finding, Snapshot, Zone
from ingest.alerts.rules import RULES, Rule, gate_case
from sql import query, query_text

log = logging.getLogger(__name__)
REFRESH_S = 10.0              # a live alert's details are rewritten at most this often (or when its severity changes)
VESSEL_COLUMNS = ["mmsi", "name", "ship_type", "length_m", "lon", "lat", "sog_kn", "cog_deg", "heading_deg",
                  "nav_status", "observed_at", "source", "age_s"]


@dataclass
class CycleReport:
    findings: Counter[str] = field(default_factory=Counter)     # rule -> findings
    raised: list[int] = field(default_factory=list)
    cleared: list[int] = field(default_factory=list)
    reopened: list[int] = field(default_factory=list)
    updated: int = 0
    failed: list[str] = field(default_factory=list)               # rules that raised an exception
    timings_ms: dict[str, float] = field(default_factory=dict)


class AlertEngine:
    def __init__(self, conn: psycopg.Connection[Any], port_id: str, rules: dict[str, Rule] | None = None) -> None:
        """`conn` in autocommit mode (each cycle is its own transaction), or inside a caller's transaction."""
        self.conn, self.port_id = conn, port_id
        self.rules = rules if rules is not None else RULES
        rows = query(conn, "alert_port", {"port_id": port_id})
        if not rows:
            raise ValueError(f"port {port_id!r} is not loaded")
        crs, config = rows[0]
        self.config: dict[str, Any] = config
        self.to_local = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        self.to_wgs84 = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        self.zones = self._zones()
        self.memory: dict[str, Any] = {
            "srid": int(crs.split(":")[1]),
            "berth_areas": [self._local(shapely_wkt.loads(r[2])) for r in query(conn, "alert_berth_areas",
                                                                               {"port_id": port_id})]}
        self.pending: dict[str, float] = {}       # key -> when the condition was first seen (monotonic)
        self.written: dict[str, tuple[str, float]] = {}   # key -> (severity, when) of its last detail refresh
        self.outage_noted: set[int] = set()       # alerts held through a feed outage (noted once in their trail)
        self.feed_silent: dict[Any, bool] = {}     # feeds silent past the grace at the last cycle
        self.feed_back: dict[Any, float] = {}      # feed -> when it spoke again after its last outage (epoch s)

    def _local(self, geom: Any) -> Any:
        return shapely.transform(geom, lambda x, y: self.to_local.transform(x, y), interleaved=False)

    def _zones(self) -> dict[str, Zone]:
        out = {}
        for zone_id, kind, name_en, name_zh, props, wkt in query(self.conn, "alert_zones", {"port_id": self.port_id}):
            geom = shapely_wkt.loads(wkt)
            local = self._local(geom)
            shapely.prepare(local)
            out[zone_id] = Zone(zone_id, kind, name_en, name_zh, props or {}, local, wkt)
        return out

    def snapshot(self, now: datetime | None = None) -> Snapshot:
        now = now or datetime.now(UTC)
        rows = query(self.conn, "alert_vessels", {"port_id": self.port_id, "now": now})
        vessels = pd.DataFrame(rows, columns=VESSEL_COLUMNS)
        for col in ("lon", "lat", "sog_kn", "cog_deg", "length_m", "ship_type", "nav_status", "age_s"):
            vessels[col] = pd.to_numeric(vessels[col], errors="coerce")
        vessels["name"] = vessels["name"].astype(object).where(vessels["name"].notna(), None)
        if len(vessels):
            x, y = self.to_local.transform(vessels["lon"].to_numpy(), vessels["lat"].to_numpy())
            vessels["x"], vessels["y"] = x, y
        else:
            vessels["x"], vessels["y"] = pd.Series(dtype=float), pd.Series(dtype=float)
        feeds = pd.DataFrame(query(self.conn, "alert_feeds", {"now": now}),
                             columns=["source", "kind", "live", "last_message_at", "age_s"])
        feeds["age_s"] = pd.to_numeric(feeds["age_s"], errors="coerce")
        return Snapshot(self.conn, self.port_id, now, self.config.get("rules", {}), self.zones, vessels, feeds,
                        self.to_local, self.to_wgs84, self.memory)

    # --- one cycle --------------------------------------------------------------------------
    def cycle(self, now: datetime | None = None) -> CycleReport:
        report = CycleReport()
        started = time.perf_counter()
        with self.conn.transaction():
            snap = self.snapshot(now)
            report.timings_ms["snapshot"] = (time.perf_counter() - started) * 1000
            found: dict[str, list[Finding]] = {}
            held: dict[str, set[str]] = {}
            for name, rule in self.rules.items():
                t0 = time.perf_counter()
                try:
                    with self.conn.transaction():          # a savepoint: a failing rule is only that rule
                        found[name] = rule.evaluate(snap)
                        if rule.keep is not None:
                            held[name] = rule.keep(snap)
                except Exception:                          # one broken rule must not stop the rest
                    log.exception("rule %s failed this cycle; its alerts stay as they are", name)
                    report.failed.append(name)
                    found[name] = []
                    held[name] = {"*"}
                report.findings[name] = len(found[name])
                report.timings_ms[name] = (time.perf_counter() - t0) * 1000
            t0 = time.perf_counter()
            self._reconcile(snap, found, held, report)
            report.timings_ms["reconcile"] = (time.perf_counter() - t0) * 1000
        report.timings_ms["cycle"] = (time.perf_counter() - started) * 1000
        return report

    def _reconcile(self, snap: Snapshot, found: dict[str, list[Finding]], held: dict[str, set[str]],
                   report: CycleReport) -> None:
        conn, clock = self.conn, time.monotonic()
        for alert_id in (r[0] for r in query(conn, "alert_unsuppress_due", {"port_id": self.port_id, "now": snap.now})):
            self._act(alert_id, "unsuppress", "suppression ended")
            report.reopened.append(alert_id)
        rows = query(conn, "alert_live", {"port_id": self.port_id})
        live = {key: (alert_id, rule, state) for alert_id, rule, key, state, *_rest in rows}
        event_keys = [f.key for name, fs in found.items() if self.rules[name].kind == "event" for f in fs]
        seen = {r[0] for r in query(conn, "alert_keys_seen", {"keys": event_keys})} if event_keys else set()
        active: set[str] = set()
        refresh: list[dict[str, Any]] = []
        for name, findings in found.items():
            rule = self.rules[name]
            wait = rule.min_duration_s(snap) if rule.min_duration_s else 0.0
            for f in findings:
                active.add(f.key)
                if f.key in live:
                    alert_id = live[f.key][0]
                    last = self.written.get(f.key)
                    if last is None:               # (an engine restart: spread them out again)
                        last = self.written[f.key] = (f.severity, clock - (zlib.crc32(f.key.encode()) % 1000)
                                                      / 1000 * REFRESH_S)
                    if last[0] != f.severity or clock - last[1] >= REFRESH_S:
                        refresh.append({**self._params(f), "alert_id": alert_id})
                        self.written[f.key] = (f.severity, clock)
                    continue
                if rule.kind == "event" and f.key in seen:
                    continue
                first = self.pending.setdefault(f.key, clock)
                if clock - first < wait:
                    continue
                try:
                    with conn.transaction():
                        alert_id = self._raise(f, snap)
                except psycopg.DataError:
                    log.exception("could not raise %s", f.key)
                    continue
                if alert_id is not None:       # refreshes of alerts raised together are spread over REFRESH_S
                    self.written[f.key] = (f.severity, clock - (zlib.crc32(f.key.encode()) % 1000) / 1000 * REFRESH_S)
                    report.raised.append(alert_id)
                    live[f.key] = (alert_id, name, "open")
        if refresh:        # details and last_seen_at follow the condition, each alert every REFRESH_S
            with conn.cursor() as cur:
                cur.executemany(query_text("alert_refresh"), refresh)
            report.updated += len(refresh)
        for key in [k for k in self.pending if k not in active]:
            del self.pending[key]
        for key in [k for k in self.written if k not in active]:
            del self.written[key]
        kept = set().union(*held.values()) if held else set()
        kept |= self._outage_holds(snap, rows)
        for key, (alert_id, name, _state) in live.items():
            owner = self.rules.get(name)
            if owner is None or owner.kind != "state" or key in active or key in kept or "*" in held.get(name, ()):
                continue
            query(conn, "alert_clear", {"alert_id": alert_id})
            self._act(alert_id, "resolve", "condition cleared")
            report.cleared.append(alert_id)

    def _outage_holds(self, snap: Snapshot, rows: list[tuple[Any, ...]]) -> set[str]:
        """The keys of live vessel alerts to hold (stale, not cleared): every vessel of the alert has been unheard
        for longer than the port's grace while the feed that heard her has been silent at least as long, or came
        back within the grace and has not heard her since. No news from a silent receiver is not news that the
        ship slowed down; once she is heard again (or the feed has spoken for the grace without her), the rule
        decides."""
        grace = float(self.config.get("alerts", {}).get("outage_grace_s", 30))
        v, f = snap.vessels, snap.feeds
        if v.empty or f.empty:
            return set()
        now = snap.now.timestamp()
        feed_age: dict[Any, float] = {}
        for source, age in zip(f["source"], f["age_s"], strict=True):
            if age == age and age <= grace and self.feed_silent.pop(source, False):
                self.feed_back[source] = now - age          # it spoke again after an outage
            elif age == age and age > grace:
                self.feed_silent[source] = True
            back = self.feed_back.get(source)
            # a feed back within the grace has not had time to hear everyone again: as good as still silent
            feed_age[source] = age if back is None or now - back > grace else float("inf")
        by_mmsi = {int(m): (a, src) for m, a, src in zip(v["mmsi"], v["age_s"], v["source"], strict=True)}
        out: set[str] = set()
        for alert_id, rule, key, _state, _until, kind, subject in rows:
            owner = self.rules.get(rule)
            if owner is None or owner.kind != "state" or kind not in ("vessel", "vessel_pair"):
                continue
            silent = []
            for mmsi in str(subject).split("/"):
                age, source = by_mmsi.get(int(mmsi), (None, None)) if mmsi.isdigit() else (None, None)
                fa = feed_age.get(source)
                if age is None or fa is None or not (age > grace and fa == fa and fa >= age - grace):
                    break
                silent.append(source)
            else:
                out.add(key)
                if alert_id not in self.outage_noted:
                    self.outage_noted.add(alert_id)
                    feeds = ", ".join(sorted({str(s) for s in silent}))
                    self._act(alert_id, "note", f"held: {feeds} silent since the last report; kept until the feed "
                                                "speaks again")
                continue
            self.outage_noted.discard(alert_id)
        return out

    def _params(self, f: Finding) -> dict[str, Any]:
        return {"severity": f.severity, "evidence_at": f.evidence_at, "wkt": f.geom_wkt, "title_en": f.title_en,
                "title_zh": f.title_zh, "details": Jsonb(f.explained())}

    def _raise(self, f: Finding, snap: Snapshot) -> int | None:
        rows = query(self.conn, "alert_raise", {
            **self._params(f), "port_id": self.port_id, "rule": f.rule, "subject_kind": f.subject_kind,
            "subject_id": f.subject_id, "dedup_key": f.key})
        if not rows:
            return None
        alert_id = int(rows[0][0])
        self._act(alert_id, "raise", f"score {f.score}")
        if f.rule == "gate_case":
            open_case(self.conn, alert_id, self.port_id, f.details, snap.settings(gate_case.Settings).model_dump(),
                      f.evidence_at)
        log.info("raised %s #%d: %s", f.rule, alert_id, f.title_en)
        return alert_id

    def _act(self, alert_id: int, action: str, note: str | None) -> None:
        query(self.conn, "alert_action_insert", {"alert_id": alert_id, "actor": "engine", "role": None,
                                                 "agency": None, "action": action, "note": note})
        query(self.conn, "alert_notify", {"payload": json.dumps({"alert_id": alert_id, "action": action})})

    # --- the worker -------------------------------------------------------------------------
    def run(self, interval_s: float = 1.0, stop: Any = None, stats_every_s: float = 60.0) -> None:
        """Cycle every `interval_s` until `stop()`; every `stats_every_s` also bring the port's hourly
        statistics up to date (ingest/stats.py), which this process owns too."""
        stats_due = 0.0
        while stop is None or not stop():
            started = time.monotonic()
            try:
                if started >= stats_due:
                    stats_due = started + stats_every_s
                    stats.refresh(self.conn, self.port_id)
                report = self.cycle()
                if report.raised or report.cleared:
                    log.info("cycle %.0f ms: raised %s, cleared %s", report.timings_ms["cycle"], report.raised,
                             report.cleared)
            except psycopg.OperationalError as err:
                log.warning("database unavailable: %s", str(err).strip().splitlines()[0][:120])
                raise
            except psycopg.Error:
                log.exception("cycle failed; trying again next cycle")
            time.sleep(max(0.0, interval_s - (time.monotonic() - started)))
