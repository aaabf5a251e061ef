"""A writer thread for live listeners (JT/T 808, phone trackers): rows queued from any thread, committed in
batches (N rows or T seconds) by one connection, each row's `done` called after its commit, so a listener answers
a sender only for what is stored. A database outage keeps the rows (up to `max_rows`, then offer() says no and
the listener tells its sender to keep its data) and the writer reconnects with capped backoff; a batch the
database refuses for its data is split until the bad row is found and refused alone."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg

from ingest.feeds import record_batch
from ingest.limits import safe_raw
from sql import DbSettings, connect

log = logging.getLogger(__name__)
Done = Callable[[bool], None]       # called with True once the row is committed, False if it was refused
# (conn, rows) -> rows stored; runs inside the writer's transaction
Flush = Callable[[psycopg.Connection[Any], Sequence[Any]], int]
BACKOFF_MAX_S = 5.0


@dataclass
class WriterStats:
    stored: int = 0
    batches: int = 0
    outages: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    delays_s: deque[float] = field(default_factory=lambda: deque(maxlen=200_000))   # arrival -> commit, newest

    def delay_percentile(self, p: float) -> float:
        ordered = sorted(self.delays_s)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float("nan")


class BatchWriter:
    """One thread, one connection: `offer(row, done)` from anywhere; `reject(...)` for what a listener refused."""

    def __init__(self, db: DbSettings, source: str, kind: str, flush: Flush, *, batch_rows: int = 5000,
                 batch_s: float = 0.1, max_rows: int = 500_000, prepare: Callable[[Any], None] | None = None,
                 describe: Callable[[Any], str] = repr, arrived: Callable[[Any], float | None] | None = None) -> None:
        self.db, self.source, self.kind, self.flush = db, source, kind, flush
        self.batch_rows, self.batch_s, self.max_rows = batch_rows, batch_s, max_rows
        self.prepare, self.describe, self.arrived = prepare, describe, arrived
        self.rows: deque[tuple[Any, Done | None]] = deque()
        self.rejects: list[tuple[str, str, str, str]] = []
        self.reasons: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.stats = WriterStats()
        self.conn: psycopg.Connection[Any] | None = None
        self.thread = threading.Thread(target=self._run, name=f"writer-{source}", daemon=True)

    def start(self) -> BatchWriter:
        self.thread.start()
        return self

    def offer(self, row: Any, done: Done | None = None) -> bool:
        """Queue a row; False (and nothing queued) when the buffer is full (the database away too long)."""
        with self.lock:
            if len(self.rows) >= self.max_rows:
                self.reasons["buffer_full"] += 1
                return False
            self.rows.append((row, done))
            if len(self.rows) >= self.batch_rows:
                self.wake.set()
        return True

    def reject(self, reason: str, detail: str, raw: bytes | str) -> None:
        """Count and keep (size-capped) an input the listener refused; committed with the next batch."""
        with self.lock:
            self.reasons[reason] += 1
            if len(self.rejects) < 1000:        # per batch: a flood of garbage is counted, its head kept
                self.rejects.append((self.source, reason, safe_raw(detail, 500), safe_raw(raw)))

    def stop(self, timeout_s: float = 10.0) -> None:
        """Flush what is queued (while the database answers, within `timeout_s`), then end the thread."""
        self.stopping.set()
        self.wake.set()
        self.thread.join(timeout_s)

    # --- the thread --------------------------------------------------------------------------------------
    def _run(self) -> None:
        backoff = 0.5
        while True:
            self.wake.wait(self.batch_s)
            self.wake.clear()
            try:
                while self._write_one():
                    pass
                backoff = 0.5
            except (psycopg.OperationalError, psycopg.InterfaceError) as err:
                self.stats.outages += 1
                log.warning("%s: database unavailable (%s); %d rows wait, retry in %.1f s", self.source,
                            str(err).strip().splitlines()[0][:120] if str(err).strip() else "?", len(self.rows),
                            backoff)
                self._drop_connection()
                if self.stopping.wait(backoff):
                    return
                backoff = min(backoff * 2, BACKOFF_MAX_S)
                continue
            if self.stopping.is_set() and not self.rows:
                self._drop_connection()
                return

    def _connection(self) -> psycopg.Connection[Any]:
        if self.conn is None or self.conn.closed or self.conn.broken:
            self.conn = connect(self.db)
            if self.prepare:
                self.prepare(self.conn)
                self.conn.commit()
        return self.conn

    def _drop_connection(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(psycopg.Error):
                self.conn.close()
        self.conn = None

    def _write_one(self) -> bool:
        """Commit one batch (rows, rejects, counts, feed status); True if more rows wait. Raises
        OperationalError with the batch still queued."""
        with self.lock:
            batch = [self.rows[i] for i in range(min(len(self.rows), self.batch_rows))]
            rejects, reasons = list(self.rejects), Counter(self.reasons)
        if not batch and not rejects and not reasons:
            return False
        conn = self._connection()
        refused = self._commit(conn, batch, rejects, reasons)
        with self.lock:
            for _ in batch:
                self.rows.popleft()
            del self.rejects[:len(rejects)]
            self.reasons.subtract(reasons)
            self.reasons = +self.reasons
            more = len(self.rows) > 0
        for row, done in batch:
            if done is not None:
                done(id(row) not in refused)
        if self.arrived is not None:
            now = time.time()
            self.stats.delays_s.extend(now - t for t in map(self.arrived, (r for r, _ in batch)) if t is not None)
        return more

    def _commit(self, conn: psycopg.Connection[Any], batch: list[tuple[Any, Done | None]],
                rejects: list[tuple[str, str, str, str]], reasons: Counter[str]) -> set[int]:
        """One transaction; a batch the database refuses (bad data) is split to find the refused rows."""
        rows = [row for row, _ in batch]
        refused: set[int] = set()
        with conn.transaction():
            stored = self._store(conn, rows, refused)
            bad = [r for r in rows if id(r) in refused]
            reasons = reasons + Counter({"refused_by_database": len(bad)}) if bad else reasons
            rejects = rejects + [(self.source, "refused_by_database", "", self.describe(r)) for r in bad[:100]]
            record_batch(conn, self.source, self.kind, stored=stored, reasons=reasons, rejects=rejects,
                         rejected=sum(reasons.values()))
        self.stats.stored += stored
        self.stats.batches += 1
        self.stats.refused.update(reasons)
        return refused

    def _store(self, conn: psycopg.Connection[Any], rows: list[Any], refused: set[int]) -> int:
        if not rows:
            return 0
        try:
            with conn.transaction():
                return self.flush(conn, rows)
        except (psycopg.OperationalError, psycopg.InterfaceError):
            raise
        except psycopg.Error as err:
            if len(rows) == 1:
                log.warning("%s: a row refused by the database: %s", self.source, str(err).splitlines()[0][:200])
                refused.add(id(rows[0]))
                return 0
        half = len(rows) // 2
        return self._store(conn, rows[:half], refused) + self._store(conn, rows[half:], refused)

    def wait_idle(self, timeout_s: float) -> bool:
        """For tests and the bench: True once nothing is queued."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self.lock:
                if not self.rows:
                    return True
            time.sleep(0.02)
        return False
