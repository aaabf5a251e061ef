"""Write decoded AIS batches: binary COPY into staging, one set-based merge, all in one transaction."""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import psycopg

from ingest.ais.decoder import Output
from ingest.ais.records import STATIC_FIELDS, merge_static
from sql import query, query_text

log = logging.getLogger(__name__)

POSITION_TYPES = ["int4", "timestamptz", "timestamptz", "text", "int2", "float8", "float8", "float4", "float4",
                  "int2", "float4", "int2", "bool", "int4"]
VESSEL_TYPES = ["int4", "text", "text", "int4", "text", "text", "int2", "int2", "int2", "int2", "int2", "float4",
                "text", "timestamptz", "text", "timestamptz"]
REJECT_CAP = 10_000


@dataclass
class Checkpoint:
    """Where a file replay has got to; written in the same transaction as the rows it covers."""

    source: str
    position: int
    file_identity: str
    journal: str | None = None      # a live source's journal segment: older ones go once this is committed


@dataclass
class Batch:
    """Everything one write commits: rows of any number of streams, their counts, checkpoints."""

    out: Output = field(default_factory=Output)
    checkpoints: dict[str, Checkpoint] = field(default_factory=dict)
    feeds: Counter[str] = field(default_factory=Counter)        # source -> messages
    feed_rejects: Counter[str] = field(default_factory=Counter)
    reasons: Counter[tuple[str, str]] = field(default_factory=Counter)   # (source, reason) -> lines
    last_at: dict[str, datetime] = field(default_factory=dict)

    def add(self, out: Output, source: str) -> None:
        self._add_rows(out)
        for reason, n in out.reasons.items():
            self.reasons[(source, reason)] += n
        self.feeds[source] += out.messages
        self.feed_rejects[source] += len(out.rejects)
        if out.positions:
            newest = max(r[2] for r in out.positions)
            self.last_at[source] = max(self.last_at.get(source, newest), newest)
        for station, n in out.stations.items():          # each receiving station is a feed of its own
            self.feeds[station] += n
            at = out.station_last[station]
            self.last_at[station] = max(self.last_at.get(station, at), at)

    def _add_rows(self, out: Output) -> None:
        mine = self.out
        mine.positions.extend(out.positions)
        for mmsi, fields in out.statics.items():
            merge_static(mine.statics, mmsi, fields)
        for table, rows, at in ((mine.atons, out.atons, 11), (mine.bases, out.bases, 4)):
            for key, row in rows.items():
                if key not in table or table[key][at] < row[at]:   # ties: the first report wins, as in SQL
                    table[key] = row
        mine.others.extend(out.others)
        mine.rejects.extend(out.rejects)
        mine.messages += out.messages

    def merge(self, other: Batch) -> None:
        """Fold a later batch into this one (same order, later wins), for one transaction."""
        for source, n in other.feeds.items():
            self.feeds[source] += n
        self.feed_rejects.update(other.feed_rejects)
        self.reasons.update(other.reasons)
        for source, at in other.last_at.items():
            self.last_at[source] = max(self.last_at.get(source, at), at)
        self.checkpoints.update(other.checkpoints)
        other.feeds.clear()
        other.reasons.clear()
        self._add_rows(other.out)

    def __len__(self) -> int:
        return len(self.out) + len(self.out.rejects)


class AisWriter:
    """Owns one connection; write() commits a batch or raises, leaving the batch intact for a retry."""

    def __init__(self, conn: psycopg.Connection[Any], retention_days: int | None = None) -> None:
        self.conn = conn
        self.retention_days = retention_days
        self.retention_due = 0.0
        self.known_days: set[date] = set()
        self.known: set[int] = set()       # MMSIs committed to `vessel` by this writer
        self.fed_at: dict[str, float] = {}  # when each source's feed_status was last written (monotonic)
        self.batches = 0
        conn.execute(query_text("ais_stage"))
        conn.commit()

    def write(self, batch: Batch) -> dict[str, int]:
        out = batch.out
        started = time.perf_counter()
        stored = {"positions": 0, "latest": 0}
        with self.conn.transaction():
            self._partitions(out.positions)
            if out.positions:
                with self.conn.cursor() as cur, cur.copy(
                        "COPY stg_position FROM STDIN (FORMAT BINARY)") as copy:
                    copy.set_types(POSITION_TYPES)
                    for row in out.positions:
                        copy.write_row(row)
                history, latest = query(self.conn, "ais_merge_positions")[0]
                stored = {"positions": history, "latest": latest}
            # A vessel this writer has already stored needs no row for a mere position report.
            statics = [(m, f) for m, f in out.statics.items()
                       if m not in self.known or f.get("static_at") is not None or f.get("kind") != "vessel"]
            if statics:
                with self.conn.cursor() as cur, cur.copy("COPY stg_vessel FROM STDIN (FORMAT BINARY)") as copy:
                    copy.set_types(VESSEL_TYPES)
                    for mmsi, f in statics:
                        copy.write_row((mmsi, *(f.get(k) for k in STATIC_FIELDS)))
                query(self.conn, "ais_merge_vessels")
            self._small_tables(out)
            self._rejects_and_feeds(batch)
        self.batches += 1
        if self.retention_days and time.monotonic() >= self.retention_due:
            self.apply_retention()
        if len(self.known) > 1_000_000:
            self.known.clear()
        self.known.update(m for m, _ in statics)
        log.debug("batch: %d positions in %.1f ms", len(out.positions), (time.perf_counter() - started) * 1000)
        return stored

    def apply_retention(self) -> list[str]:
        """Drop history days older than the port keeps them (hourly; partitions make it instant)."""
        dropped = [r[0] for r in query(self.conn, "retention_positions", {"keep_days": self.retention_days})]
        self.conn.commit()
        if dropped:
            self.known_days.clear()     # a day written again after this must get its partition back
        self.retention_due = time.monotonic() + 3600
        if dropped:
            log.info("retention: dropped %s", ", ".join(dropped))
        return dropped

    def _partitions(self, positions: list[tuple[Any, ...]]) -> None:
        days = {row[1].date() for row in positions} - self.known_days
        if days:   # only the days present: an old replay must not create every day in between
            query(self.conn, "ensure_position_partitions", {"days": sorted(days)})
            self.known_days |= days

    def _small_tables(self, out: Output) -> None:
        with self.conn.cursor() as cur:
            if out.atons:
                cur.executemany(query_text("ais_upsert_aton"), list(out.atons.values()))
            if out.bases:
                cur.executemany(query_text("ais_upsert_base_station"), list(out.bases.values()))
            if out.others:
                cur.executemany(query_text("ais_insert_other"), [(*row, row[4]) for row in out.others])

    def _rejects_and_feeds(self, batch: Batch) -> None:
        out = batch.out
        with self.conn.cursor() as cur:
            if out.rejects:
                cur.executemany(query_text("ingest_rejects"), out.rejects)
            if batch.reasons:
                cur.executemany(query_text("ingest_reject_count"),
                                [(source, reason, n) for (source, reason), n in batch.reasons.items()])
            now = time.monotonic()
            for source, messages in batch.feeds.items():
                since = now - self.fed_at.get(source, now - 1.0)
                self.fed_at[source] = now
                query(self.conn, "feed_status_update", {
                    "source": source, "kind": "ais", "last_message_at": batch.last_at.get(source),
                    "rate_per_s": messages / max(since, 0.001), "messages": messages,
                    "rejects": batch.feed_rejects[source]})
            for cp in batch.checkpoints.values():
                query(self.conn, "checkpoint_set", {"source": cp.source, "position": cp.position,
                                                    "file_identity": cp.file_identity})
            if out.rejects and self.batches % 50 == 0:
                for source in {r[0] for r in out.rejects}:
                    query(self.conn, "ingest_reject_cap", {"source": source, "keep": REJECT_CAP})

