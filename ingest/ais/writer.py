"""Write decoded AIS batches: binary COPY into staging, one set-based merge, all in one transaction."""

from __future__ import annotations

import logging
import time
from datetime import date, timedelta
from typing import Any

import psycopg

from ingest.ais.batch import STATIC_FIELDS, Batch, Checkpoint, Output
from ingest.sources import cadence_of, is_live
from sql import query, query_text

log = logging.getLogger(__name__)

POSITION_TYPES = ["int4", "timestamptz", "timestamptz", "text", "int2", "float8", "float8", "float4", "float4",
                  "int2", "float4", "int2", "bool", "int4"]
VESSEL_TYPES = ["int4", "text", "text", "int4", "text", "text", "int2", "int2", "int2", "int2", "int2", "float4",
                "text", "timestamptz", "text", "timestamptz"]
REJECT_CAP = 10_000
CAREFUL_S = 60.0        # after a conflict, history is inserted the careful way for this long
# Batch and Checkpoint lived here before ingest/ais/batch.py: batches spooled or quarantined by that version
# were pickled under this module's name, and still load through these names.
__all__ = ["POSITION_TYPES", "VESSEL_TYPES", "AisWriter", "Batch", "Checkpoint"]


class AisWriter:
    """Owns one connection; write() commits a batch or raises, leaving the batch intact for a retry."""

    def __init__(self, conn: psycopg.Connection[Any], retention_days: int | None = None) -> None:
        self.conn = conn
        self.retention_days = retention_days
        self.retention_due = 0.0
        self.known_days: set[date] = set()
        self.oldest_written: date | None = None   # retention never drops a day this writer has stored
        self.warned_days: set[date] = set()
        self.new_days: set[date] = set()          # days first written by the batch being committed
        self.known: set[int] = set()       # MMSIs committed to `vessel` by this writer
        self.fed_at: dict[str, float] = {}  # when each source's feed_status was last written (monotonic)
        self.batches = 0
        self.careful_until = 0.0            # monotonic time until which history goes in with ON CONFLICT
        self.conflicts = 0
        conn.execute(query_text("ais_stage"))
        conn.commit()

    def write(self, batch: Batch, *, staged: bool = False) -> dict[str, int]:
        """Commit the batch, or raise and leave it intact for a retry. `staged`: a part of a batch written
        inside the caller's transaction (ingest.ais.sift), under a savepoint."""
        days = set(self.known_days)
        try:
            return self._write(batch, staged)
        except BaseException:
            self.known_days = days      # partitions made in what was rolled back are gone again
            raise

    def _write(self, batch: Batch, staged: bool) -> dict[str, int]:
        out = batch.out
        started = time.perf_counter()
        stored = {"positions": 0, "latest": 0}
        with self.conn.transaction():
            if staged and len(out):     # staging keeps its rows until the caller's commit: start it empty
                self.conn.execute(query_text("ais_stage_clear"))
            self._partitions(out)
            if out.positions or out.block:
                with self.conn.cursor() as cur, cur.copy(
                        "COPY stg_position FROM STDIN (FORMAT BINARY)") as copy:
                    if out.block:      # the fast path's columns, encoded whole (ingest.ais.columns)
                        copy.write(out.block.copy_data())
                    else:
                        copy.set_types(POSITION_TYPES)
                        for row in out.positions:
                            copy.write_row(row)
                stored = {"positions": self._history(), "latest": self._rowcount("ais_latest_merge")}
            # A vessel this writer has already stored needs no row for a mere position report.
            statics = [(m, f) for m, f in out.statics.items()
                       if m not in self.known or f.get("static_at") is not None or f.get("kind") != "vessel"]
            if statics:
                with self.conn.cursor() as cur, cur.copy("COPY stg_vessel FROM STDIN (FORMAT BINARY)") as copy:
                    copy.set_types(VESSEL_TYPES)
                    for mmsi, f in statics:
                        copy.write_row((mmsi, *map(f.get, STATIC_FIELDS)))
                query(self.conn, "ais_merge_vessels")
            self._small_tables(out)
            self._rejects_and_feeds(batch)
        self.batches += 1
        if self.new_days:
            self._warn_old(self.new_days)
            self.new_days = set()
        if self.retention_days and time.monotonic() >= self.retention_due and not staged:
            self.apply_retention()
        if len(self.known) > 1_000_000:
            self.known.clear()
        self.known.update(m for m, _ in statics)
        log.debug("batch: %d positions in %.1f ms", len(out.positions) + len(out.block or ()),
                  (time.perf_counter() - started) * 1000)
        return stored

    def _history(self) -> int:
        """Stage to history; returns the rows added. Most batches hold only new reports, and a plain insert
        of them costs the database a fifth less than one with ON CONFLICT (no speculative insertion), so that
        is tried first, under a savepoint. A conflict (a replay, a retry after a lost commit, one report
        heard by two receivers) undoes only that statement: the batch then goes in with ON CONFLICT DO
        NOTHING, and so does every batch for the next CAREFUL_S seconds."""
        if time.monotonic() >= self.careful_until:
            try:
                with self.conn.transaction():
                    return self._rowcount("ais_history_insert")
            except psycopg.errors.UniqueViolation:
                self.conflicts += 1
                self.careful_until = time.monotonic() + CAREFUL_S
                log.debug("history conflict: inserting with ON CONFLICT for %.0f s", CAREFUL_S)
        return self._rowcount("ais_history_insert_careful")

    def _rowcount(self, name: str) -> int:
        with self.conn.cursor() as cur:
            cur.execute(query_text(name))
            return cur.rowcount

    def apply_retention(self) -> list[str]:
        """Drop history days older than the port keeps them (hourly; partitions make it instant): counted
        from the newest report stored (not the wall clock), and never a day this writer has stored."""
        found = query(self.conn, "retention_positions",
                      {"keep_days": self.retention_days, "protect_from": self.oldest_written})
        self.conn.commit()
        dropped = [r[0] for r in found]
        if dropped:
            self.known_days.clear()     # a day written again after this must get its partition back
            log.warning("retention (--retention-days %s, from the newest data): dropped %d rows in %d days: %s",
                        self.retention_days, sum(r[1] for r in found), len(found),
                        ", ".join(f"{name} ({n} rows)" for name, n in found))
        self.retention_due = time.monotonic() + 3600
        return dropped

    def _warn_old(self, days: set[date]) -> None:
        """Days older than the retention are stored and kept (this run accepted them), with a word."""
        if not self.retention_days:
            return
        newest = self.conn.execute("SELECT max(observed_at) FROM vessel_latest").fetchone()
        horizon = newest[0] if newest else None
        old = sorted(d for d in days - self.warned_days
                     if horizon is not None and d < horizon.date() - timedelta(days=self.retention_days))
        if old:
            self.warned_days.update(old)
            log.warning("AIS history of %s is older than the retention (%d days before the newest data, %s): "
                        "kept, as this run stored it, but a later run with --retention-days %d will drop it; "
                        "run with --retention-days 0 to keep it", ", ".join(map(str, old)), self.retention_days,
                        horizon.date() if horizon else "?", self.retention_days)

    def _partitions(self, out: Output) -> None:
        days = {row[1].date() for row in out.positions} | (out.block.observed_days() if out.block else set())
        days -= self.known_days
        if days:   # only the days present: an old replay must not create every day in between
            query(self.conn, "ensure_position_partitions", {"days": sorted(days)})
            self.known_days |= days
            first = min(days)
            self.oldest_written = first if self.oldest_written is None else min(first, self.oldest_written)
            self.new_days |= days

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
                    "rejects": batch.feed_rejects[source], "live": is_live(source),
                    "cadence_s": cadence_of(source)})
            for cp in batch.checkpoints.values():
                query(self.conn, "checkpoint_set", {"source": cp.source, "position": cp.position,
                                                    "file_identity": cp.file_identity})
            if out.rejects and self.batches % 50 == 0:
                for source in {r[0] for r in out.rejects}:
                    query(self.conn, "ingest_reject_cap", {"source": source, "keep": REJECT_CAP})

