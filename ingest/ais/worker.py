"""The AIS worker: sources → decode (this process) → batches → writer (its own process) → PostGIS.

Decoding and writing overlap, so both cores work. The writer keeps every batch it was handed until
it is committed: on a database outage it holds them in memory up to a bound, spills the rest to
disk under the spool directory, reconnects with capped backoff and writes them all, in order.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import pickle
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import psycopg

from ingest.ais import journal, parallel
from ingest.ais.batch import Batch, Checkpoint
from ingest.ais.decoder import StreamDecoder
from ingest.ais.sources import Chunk, FileSource
from ingest.ais.writer import AisWriter
from ingest.metrics import IngestMetrics
from sql import DbSettings, connect, query

log = logging.getLogger(__name__)


class Source(Protocol):
    name: str

    def chunks(self, start_offset: int, stop: Any) -> Any: ...


@dataclass
class Options:
    batch_rows: int = 20_000
    batch_ms: int = 250
    memory_rows: int = 2_000_000          # held in memory while the database is away, then spilled
    spool_dir: Path = Path(".data/spool")
    spool_max_bytes: int | None = 1 << 30    # disk the spool (spilled batches, live journals) may use
    checkpoints: bool = True              # file sources resume where they stopped
    coalesce_rows: int = 100_000          # the most one write transaction takes from the queue
    retention_days: int | None = None     # days of position history kept (the CLI says 30); None: all
    speed: float | None = None            # replay files at this multiple of their recorded pace
    decoders: int = 1                     # decoder processes for a single log file (CLI: one per core)
    chunk_bytes: int = parallel.CHUNK_BYTES   # what one decoder process takes at a time


@dataclass
class Stats:
    lines: int = 0
    messages: int = 0
    batches: int = 0
    started: float = field(default_factory=time.monotonic)


class AisIngest:
    def __init__(self, sources: list[Any], db: DbSettings, options: Options | None = None,
                 metrics: IngestMetrics | None = None) -> None:
        self.sources = sources
        self.db = db
        self.options = options or Options()
        self.metrics = metrics
        self.stop_event = threading.Event()
        self.stats = Stats()
        self._pace_origin: tuple[Any, float] | None = None
        self._refused: dict[str, int] = {}

    # --- decode side -------------------------------------------------------------------------
    def run(self) -> Stats:
        """Until every finite source is exhausted (or stop() is called), then flush and wait for the writer."""
        only = self.sources[0] if len(self.sources) == 1 else None
        if (self.options.decoders > 1 and isinstance(only, FileSource) and not only.follow
                and not self.options.speed):
            return self._run_parallel(only)
        ctx = mp.get_context("spawn")
        batches: Any = ctx.Queue(maxsize=8)
        self.reports: Any = ctx.Queue()
        writer = ctx.Process(target=writer_main, args=(batches, self.db, self.options, self.reports), daemon=False)
        writer.start()
        chunks: queue.Queue[Chunk | None] = queue.Queue(maxsize=32)
        decoders: dict[str, StreamDecoder] = {}
        starts = self._start_offsets()
        readers = [threading.Thread(target=self._read, args=(s, starts.get(s.name, 0), chunks), daemon=True)
                   for s in self.sources]
        for source in self.sources:
            decoders[source.name] = StreamDecoder(source.name, synthetic_start=getattr(source, "mtime", None)
                                                  if not getattr(source, "follow", True) else None)
        for t in readers:
            t.start()
        live = len(readers)
        batch, first_at = Batch(), time.monotonic()
        safe_offset = {name: Checkpoint(name, offset, getattr(self._source(name), "identity", ""))
                       for name, offset in starts.items()}
        while live:
            try:
                chunk = chunks.get(timeout=self.options.batch_ms / 1000)
            except queue.Empty:
                chunk = None
            else:
                if chunk is None:
                    live -= 1
                    continue
                self._decode_chunk(chunk, decoders[chunk.source], batch, safe_offset)
            self._report(batches)
            self._refusals(batch)
            due = time.monotonic() - first_at >= self.options.batch_ms / 1000
            if len(batch) >= self.options.batch_rows or (due and (len(batch) or batch.checkpoints or batch.reasons)):
                batches.put((self.stats.batches, batch))
                self.stats.batches += 1
                batch, first_at = Batch(), time.monotonic()
            elif not len(batch):
                first_at = time.monotonic()
        for source_name, decoder in decoders.items():
            decoder.finish()
            batch.add(decoder.take(), source_name)
        batches.put((self.stats.batches, batch))
        self.stats.batches += 1
        batches.put(None)
        writer.join()
        self._report(batches)
        if writer.exitcode != 0:
            raise RuntimeError(f"AIS writer exited with {writer.exitcode}")
        return self.stats

    def stop(self) -> None:
        self.stop_event.set()

    def _run_parallel(self, source: FileSource) -> Stats:
        """One log file decoded by several processes (see ingest.ais.parallel)."""
        ctx = mp.get_context("spawn")
        n = self.options.decoders
        results: Any = ctx.Queue(maxsize=2 * n)
        todo: Any = ctx.Queue(maxsize=n)
        counts: Any = ctx.Queue()
        self.reports = ctx.Queue()
        writer = ctx.Process(target=writer_main, args=(results, self.db, self.options, self.reports, n))
        writer.start()
        decoders = [ctx.Process(target=parallel.decoder_main, args=(
            todo, results, counts, str(source.path), source.name, source.identity, source.mtime))
            for _ in range(n)]
        for proc in decoders:
            proc.start()
        start = self._start_offsets().get(source.name, 0)
        for task in parallel.tasks(source, start, self.stop_event.is_set, self.options.chunk_bytes):
            todo.put(task)
            self.stats.batches += 1
            self._count(counts, source.name)
            self._report(results)
        for _ in decoders:
            todo.put(None)
        for proc in decoders:
            proc.join()
        writer.join()
        self._count(counts, source.name)
        self._report(results)
        if writer.exitcode != 0 or any(p.exitcode != 0 for p in decoders):
            raise RuntimeError("an AIS decoder or the writer failed")
        return self.stats

    def _count(self, counts: Any, source: str) -> None:
        while True:
            try:
                lines, messages, reasons = counts.get_nowait()
            except queue.Empty:
                return
            self.stats.lines += lines
            self.stats.messages += messages
            if self.metrics is not None:
                self.metrics.lines.labels(source).inc(lines)
                self.metrics.messages.labels(source).inc(messages)
                for reason, k in reasons.items():
                    self.metrics.rejects.labels(source, reason).inc(k)

    def _refusals(self, batch: Batch) -> None:
        """Lines a journaled source refused because the spool's disk budget was used up."""
        for source in self.sources:
            journal = getattr(source, "journal", None)
            if journal is None:
                continue
            seen = self._refused.get(source.name, 0)
            if journal.refused > seen:
                n = journal.refused - seen
                self._refused[source.name] = journal.refused
                batch.reasons[(source.name, "spool_full")] += n
                if self.metrics is not None:
                    self.metrics.rejects.labels(source.name, "spool_full").inc(n)

    def _report(self, batches: Any) -> None:
        if self.metrics is None:
            return
        m = self.metrics
        with contextlib.suppress(NotImplementedError):
            m.queue_depth.set(batches.qsize())
        while True:
            try:
                rows, seconds, held, spooled = self.reports.get_nowait()
            except queue.Empty:
                return
            if seconds is not None:
                m.batch_seconds.observe(seconds)
                m.batch_rows.inc(rows)
            m.held_rows.set(held)
            m.spool_bytes.set(spooled)

    def _read(self, source: Any, start: int, out: queue.Queue[Chunk | None]) -> None:
        try:
            for chunk in source.chunks(start, self.stop_event.is_set):
                out.put(chunk)
        finally:
            out.put(None)

    def _decode_chunk(self, chunk: Chunk, decoder: StreamDecoder, batch: Batch,
                      safe: dict[str, Checkpoint]) -> None:
        line_no = chunk.first_line_no
        received = chunk.received_at
        for line in chunk.lines:
            decoder.feed(line, line_no, received)
            line_no += 1
            if self.options.speed and decoder.clock_at is not None:
                self._pace(decoder.clock_at)
        self.stats.lines += len(chunk.lines)
        out = decoder.take()
        self.stats.messages += out.messages
        if self.metrics is not None:
            self.metrics.lines.labels(chunk.source).inc(len(chunk.lines))
            self.metrics.messages.labels(chunk.source).inc(out.messages)
            for reason, n in out.reasons.items():
                self.metrics.rejects.labels(chunk.source, reason).inc(n)
        batch.add(out, chunk.source)
        if chunk.end_offset is not None and self.options.checkpoints:
            # Resume no later than a fragment still waiting for its sibling (it is re-read then).
            if not decoder.has_pending():
                identity = chunk.identity or str(getattr(self._source(chunk.source), "identity", ""))
                safe[chunk.source] = Checkpoint(chunk.source, chunk.end_offset, identity, chunk.journal)
            if chunk.source in safe:
                batch.checkpoints[chunk.source] = safe[chunk.source]

    def _pace(self, clock_at: Any) -> None:
        """Replay at `speed` times the input's own pace: sleep until its clock is due on the wall clock."""
        if self._pace_origin is None:
            self._pace_origin = (clock_at, time.monotonic())
            return
        first_clock, first_wall = self._pace_origin
        due = first_wall + (clock_at - first_clock).total_seconds() / (self.options.speed or 1)
        delay = due - time.monotonic()
        if delay > 0:
            self.stop_event.wait(min(delay, 5.0))

    def _source(self, name: str) -> Any:
        return next(s for s in self.sources if s.name == name)

    def _start_offsets(self) -> dict[str, int]:
        if not self.options.checkpoints:
            return {}
        starts = {}
        with connect(self.db) as conn:
            for source in self.sources:
                if getattr(source, "journal", None) is not None:      # a live source reads on from its journal
                    rows = query(conn, "checkpoint_get", {"source": source.name})
                    source.resume = (int(rows[0][0]), rows[0][1]) if rows else None
                    continue
                identity = getattr(source, "identity", None)
                if identity is None:
                    continue
                rows = query(conn, "checkpoint_get", {"source": source.name})
                if rows and rows[0][1] == identity:
                    starts[source.name] = int(rows[0][0])
                    log.info("%s: resuming at byte %d", source.name, rows[0][0])
        return starts


# --- write side (its own process) ----------------------------------------------------------------
def writer_main(batches: Any, db: DbSettings, options: Options, reports: Any = None, producers: int = 1) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s writer: %(message)s")
    Spooler(db, options, reports).run(batches, producers)


class Spooler:
    """Commits batches in order; keeps them (memory, then disk) while the database is unreachable."""

    def __init__(self, db: DbSettings, options: Options, reports: Any = None) -> None:
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

    def run(self, batches: Any, producers: int = 1) -> None:
        """Take (seq, batch) items until each producer has sent None; commit them in seq order."""
        finished = 0
        parent = mp.parent_process()
        while finished < producers or self.reorder or self.memory or self._spooled():
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
            self.seq += 1
            path = self.spool / f"{self.seq:012d}.batch"
            path.with_suffix(".tmp").write_bytes(blob)
            path.with_suffix(".tmp").rename(path)
            self.budget.grew(len(blob))
            log.warning("database away: spilled %d rows to %s", len(oldest), path)
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
        except psycopg.OperationalError:
            raise
        except psycopg.Error as err:
            # Not the connection but the data: keep the batch for inspection and go on with the next.
            quarantine = self.spool / "refused"
            quarantine.mkdir(exist_ok=True)
            path = quarantine / f"{time.time_ns()}.batch"
            path.write_bytes(pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL))
            log.error("batch of %d rows refused by the database (%s); kept in %s", len(batch), err, path)
            self._close()
            return
        self._tell(len(batch), time.perf_counter() - started)
        for cp in batch.checkpoints.values():
            if cp.journal:
                journal.prune(cp.journal)

    def _tell(self, rows: int, seconds: float | None) -> None:
        if self.reports is not None:
            self.reports.put((rows, seconds, self.memory_rows, self.budget.used()))

    def _close(self) -> None:
        if self.writer is not None:
            with contextlib.suppress(psycopg.Error):
                self.writer.conn.close()
        self.writer = None

