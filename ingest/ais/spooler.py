"""The AIS writer process: commits decoded batches in order and keeps every one it was handed until then.

On a database outage it holds batches in memory up to a bound, spills the rest to disk under the spool
directory, reconnects with capped backoff and writes them all, in order. It imports no pyais and no
decoder, so it is up and connected while the decoders start.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import pickle
import queue
import signal
import time
from collections import deque
from pathlib import Path
from typing import Any

import psycopg

from ingest.ais import journal, sift
from ingest.ais.batch import Batch
from ingest.ais.options import Options
from ingest.ais.writer import AisWriter
from ingest.batchsplit import DATA_ERRORS, reason_of
from ingest.runtime import settle_gc
from sql import DbSettings, connect

log = logging.getLogger(__name__)


def run_writer(batches: Any, db: DbSettings | None, options: Options, reports: Any = None,
               producers: int = 1, shutdown: Any = None) -> None:
    """Take (seq, batch) items from `batches` until each of `producers` has sent None; commit them all.
    Once `shutdown` (an Event) is set, by the parent or by a SIGTERM or SIGINT to this process, what is not
    committed within Options.shutdown_s is spilled to the spool (or left to be re-read) and the process ends."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s writer: %(message)s")
    if shutdown is not None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: shutdown.set())
    spooler = Spooler(db, options, reports)
    settle_gc()
    spooler.run(batches, producers, shutdown)


class Spooler:
    """Commits batches in order; keeps them (memory, then disk) while the database is unreachable."""

    def __init__(self, db: DbSettings | None, options: Options, reports: Any = None) -> None:
        self.db = db
        self.reports = reports
        self.options = options
        self.memory: deque[Batch] = deque()
        self.memory_rows = 0
        self.spool = options.spool_dir
        self.spool.mkdir(parents=True, exist_ok=True)
        self.seq = max((int(p.stem) for p in self.spool.glob("*.batch")), default=0)
        self.budget = journal.SpoolBudget(self.spool, options.spool_max_bytes)
        self.writer: AisWriter | None = None
        self.reorder: dict[int, Batch] = {}     # batches that arrived ahead of their turn
        self.waiting_since: float | None = None
        self.next_seq = 0
        self.backoff = 0.2
        self.retry_at = 0.0

    def run(self, batches: Any, producers: int = 1, shutdown: Any = None) -> None:
        """Take (seq, batch) items until each producer has sent None; commit them in seq order."""
        finished = 0
        parent = mp.parent_process()
        deadline: float | None = None
        while finished < producers or self.reorder or self.memory or self._spooled():
            if shutdown is not None and shutdown.is_set():
                deadline = deadline or time.monotonic() + self.options.shutdown_s
                if time.monotonic() >= deadline:
                    self._stop_now(batches)
                    return
            if finished < producers and parent is not None and not parent.is_alive() and batches.empty():
                log.warning("the decoder is gone: writing what was handed over, then stopping")
                finished = producers
            if finished < producers and not self._stalled():
                finished += self._receive(batches)
            elif finished < producers:
                time.sleep(0.2)             # memory and disk budget full: the decoder waits (files) or the
                                            # journal refuses (live sources) until the database is back
            self._release(everything=finished >= producers)
            self._drain()
            if finished >= producers and (self.memory or self._spooled()) and time.monotonic() < self.retry_at:
                time.sleep(min(0.2, self.retry_at - time.monotonic()))

    def _stop_now(self, batches: Any) -> None:
        """Stopping with batches not committed (the database away or slow): take what is still queued, then
        leave them to be re-read (every source has a checkpoint: a spilled copy would be written twice) or
        spill them to the spool, to be written first at the next start."""
        with contextlib.suppress(queue.Empty, OSError, EOFError):
            while True:
                item = batches.get(timeout=0.05)
                if item is not None:
                    self.reorder[item[0]] = item[1]
        held = [self.reorder[seq] for seq in sorted(self.reorder)]
        self.reorder.clear()
        held[:0] = self.memory
        self.memory.clear()
        self.memory_rows = 0
        rows = sum(len(b) for b in held)
        if self.options.replayable:
            log.warning("stopping with %d rows not committed: they are re-read from the checkpoints at the next "
                        "start", rows)
        else:
            for batch in held:
                self._spill(batch)
            log.warning("stopping with %d rows not committed: spilled to %s, written first at the next start",
                        rows, self.spool)
        self._close()

    def _spill(self, batch: Batch) -> None:
        self.seq += 1
        path = self.spool / f"{self.seq:012d}.batch"
        blob = pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)
        path.with_suffix(".tmp").write_bytes(blob)
        path.with_suffix(".tmp").rename(path)
        self.budget.grew(len(blob))

    def _receive(self, batches: Any) -> int:
        """Everything queued now (waiting briefly for the first); returns how many producers finished."""
        finished = 0
        timeout = 0.05 if (self.memory or self._spooled() or self.reorder) else 0.5
        try:
            item = batches.get(timeout=timeout)
            while True:
                if item is None:
                    finished += 1
                else:
                    self.reorder[item[0]] = item[1]
                item = batches.get_nowait()
        except queue.Empty:
            return finished

    def _release(self, everything: bool = False) -> None:
        """Move batches that are next in sequence into one transaction of at least `batch_rows` rows or
        `batch_ms` of waiting; under load the writer falls behind and its transactions grow, so the live
        picture is updated once per vessel per transaction."""
        if not self.reorder:
            self.waiting_since = None
            return
        now = time.monotonic()
        self.waiting_since = self.waiting_since or now
        ready, seq = 0, self.next_seq
        while seq in self.reorder:
            ready += len(self.reorder[seq])
            seq += 1
        young = now - self.waiting_since < self.options.batch_ms / 1000
        if not everything and ready < self.options.batch_rows and young:
            return
        self.waiting_since = None
        while self.reorder and (self.next_seq in self.reorder or everything):
            seq = self.next_seq if self.next_seq in self.reorder else min(self.reorder)
            merged = self.reorder.pop(seq)
            self.next_seq = seq + 1
            while self.next_seq in self.reorder and len(merged) < self.options.coalesce_rows:
                merged.merge(self.reorder.pop(self.next_seq))
                self.next_seq += 1
            self._hold(merged)

    def _stalled(self) -> bool:
        return self.memory_rows > self.options.memory_rows and self.budget.full()

    def _hold(self, batch: Batch) -> None:
        self.memory.append(batch)
        self.memory_rows += len(batch)
        while self.memory_rows > self.options.memory_rows and len(self.memory) > 1:
            blob = pickle.dumps(self.memory[0], protocol=pickle.HIGHEST_PROTOCOL)
            if self.budget.full(len(blob)):
                log.error("database away and the spool's disk budget (%s bytes) used up: holding %d rows in "
                          "memory and taking no more", self.options.spool_max_bytes, self.memory_rows)
                return
            oldest = self.memory.popleft()
            self.memory_rows -= len(oldest)
            self._spill(oldest)
            log.warning("database away: spilled %d rows to %s", len(oldest), self.spool)
            self._tell(0, None)

    def _spooled(self) -> list[Path]:
        return sorted(self.spool.glob("*.batch"))

    def _drain(self) -> None:
        if time.monotonic() < self.retry_at:
            return
        try:
            for path in self._spooled():          # the oldest batches are on disk
                self._write(pickle.loads(path.read_bytes()))
                path.unlink()
            while self.memory:
                self._write(self.memory[0])
                self.memory_rows -= len(self.memory.popleft())
            self.backoff = 0.2
        except psycopg.OperationalError as err:
            log.warning("database unavailable (%s); retrying in %.1f s", str(err).strip()[:120], self.backoff)
            self._close()
            self.retry_at = time.monotonic() + self.backoff
            self.backoff = min(self.backoff * 2, 5.0)

    def _write(self, batch: Batch) -> None:
        if self.writer is None:
            self.writer = AisWriter(connect(self.db), self.options.retention_days)
        started = time.perf_counter()
        try:
            self.writer.write(batch)
        except DATA_ERRORS as err:
            if self.writer.conn.broken or self.writer.conn.closed:
                raise psycopg.OperationalError(str(err)) from err     # the connection, not the data: retry
            # The data: the rows the database takes are written, the ones it refuses alone dead-lettered.
            log.warning("batch of %d rows refused by the database (%s); writing it row by row where it must",
                        len(batch), reason_of(err))
            dead = sift.write_sifted(self.writer, batch)
            self._tell(len(batch) - len(dead), time.perf_counter() - started, len(dead))
            self._pruned(batch)
            return
        self._tell(len(batch), time.perf_counter() - started)
        self._pruned(batch)

    @staticmethod
    def _pruned(batch: Batch) -> None:
        for cp in batch.checkpoints.values():
            if cp.journal:
                journal.prune(cp.journal)

    def _tell(self, rows: int, seconds: float | None, dead: int = 0) -> None:
        if self.reports is not None:
            self.reports.put((rows, seconds, self.memory_rows, self.budget.used(), dead))

    def _close(self) -> None:
        if self.writer is not None:
            with contextlib.suppress(psycopg.Error):
                self.writer.conn.close()
        self.writer = None

