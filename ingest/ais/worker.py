"""The AIS worker: sources → decode (this process) → batches → writer (its own process) → PostGIS.

Decoding and writing overlap, so both cores work. The writer (ingest.ais.spooler) keeps every batch it
was handed until it is committed, through a database outage too. One log file replayed as fast as
possible is decoded by several processes instead (ingest.ais.parallel).

This module is light to import (no pyais, no psycopg until they are needed): the processes are started
first, and do their own imports while this one does its own.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import multiprocessing as mp
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ingest.ais import clock, parallel
from ingest.ais.batch import Batch, Checkpoint
from ingest.ais.journal import Journaled
from ingest.ais.options import Options
from ingest.ais.sources import Chunk, FileSource

if TYPE_CHECKING:
    from ingest.ais.decoder import StreamDecoder
    from ingest.ais.fastpath import FastDecoder
    from ingest.metrics import IngestMetrics
    from sql import DbSettings

__all__ = ["AisIngest", "Options", "Stats"]

log = logging.getLogger(__name__)


class Source(Protocol):
    name: str

    def chunks(self, start_offset: int, stop: Any) -> Any: ...


@dataclass
class Stats:
    lines: int = 0
    messages: int = 0
    batches: int = 0
    started: float = field(default_factory=time.monotonic)


class AisIngest:
    def __init__(self, sources: list[Any], db: DbSettings | None = None, options: Options | None = None,
                 metrics: IngestMetrics | None = None) -> None:
        """`db` None: the database the environment names (DATABASE_URL…), read by each process itself."""
        self.sources = sources
        self.db = db
        self.options = options or Options()
        self.metrics = metrics
        self.stop_event = threading.Event()
        self.stats = Stats()
        self.shutdown: Any = None           # set on stop(): the writer process then has shutdown_s to finish
        self._pace_origin: tuple[Any, float] | None = None
        self._refused: dict[tuple[str, str], int] = {}

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
        self.shutdown = ctx.Event()
        writer = ctx.Process(target=writer_main, args=(batches, self.db, self._writer_options(), self.reports, 1,
                                                       self.shutdown), daemon=False)
        writer.start()
        # pyais, imported while the writer starts
        from ingest.ais.decoder import StreamDecoder
        from ingest.ais.fastpath import FastDecoder

        chunks: queue.Queue[Chunk | None] = queue.Queue(maxsize=32)
        decoders: dict[str, StreamDecoder | FastDecoder] = {}
        starts = self._start_offsets()
        readers = [threading.Thread(target=self._read, args=(s, starts.get(s.name, 0), chunks), daemon=True)
                   for s in self.sources]
        for source in self.sources:
            stream = StreamDecoder(source.name, synthetic_start=getattr(source, "mtime", None)
                                   if not getattr(source, "follow", True) else None)
            if isinstance(source, FileSource):      # lines before a file's first clock take that clock
                stream.carry(clock.first_clock(source.path))
            # a paced replay sleeps line by line on the input's clock: the slow path, which has it after each line
            decoders[source.name] = FastDecoder(stream) if self.options.fast_path and not self.options.speed \
                else stream
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
                self._put(batches, (self.stats.batches, batch), writer)
                self.stats.batches += 1
                batch, first_at = Batch(), time.monotonic()
            elif not len(batch):
                first_at = time.monotonic()
        for source_name, decoder in decoders.items():
            decoder.finish()
            batch.add(decoder.take(), source_name)
        self._put(batches, (self.stats.batches, batch), writer)
        self.stats.batches += 1
        self._put(batches, None, writer)
        self._join(writer)
        self._report(batches)
        if writer.exitcode != 0:
            raise RuntimeError(f"AIS writer exited with {writer.exitcode}")
        return self.stats

    def stop(self) -> None:
        """Stop reading; the writer commits what it holds within Options.shutdown_s, or else spills it to the
        spool (or leaves it to be re-read from the checkpoints, when every source has one), and exits."""
        self.stop_event.set()
        if self.shutdown is not None:
            self.shutdown.set()

    def _writer_options(self) -> Options:
        replayable = self.options.checkpoints and all(isinstance(s, FileSource | Journaled) for s in self.sources)
        return dataclasses.replace(self.options, replayable=replayable)

    def _put(self, q: Any, item: Any, *procs: Any) -> bool:
        """Hand on an item, unless stopping and the process that takes it is gone (or stopped taking)."""
        deadline = None
        while True:
            try:
                q.put(item, timeout=0.2)
                return True
            except queue.Full:
                if not self.stop_event.is_set():
                    if not all(p.is_alive() for p in procs):
                        raise RuntimeError("an AIS decoder or the writer is gone") from None
                    continue
                deadline = deadline or time.monotonic() + self.options.shutdown_s + 2
                if time.monotonic() > deadline or not all(p.is_alive() for p in procs):
                    log.warning("stopping: an item was not handed on (it is re-read or was spilled)")
                    return False

    def _join(self, *procs: Any) -> None:
        """Wait for processes; once stopping, for at most shutdown_s and a little more in all, then end them."""
        deadline = None
        for proc in procs:
            while proc.is_alive():
                proc.join(timeout=0.2)
                if self.stop_event.is_set():
                    deadline = deadline or time.monotonic() + self.options.shutdown_s + 1.5
                    if time.monotonic() > deadline:
                        log.error("stopping: %s did not end in time; terminating it", proc.name)
                        proc.kill()
                        proc.join(timeout=2)

    def _run_parallel(self, source: FileSource) -> Stats:
        """One log file decoded by several processes (see ingest.ais.parallel)."""
        ctx = mp.get_context("spawn")
        n = self.options.decoders
        # Decoded chunks waiting for the writer: room for what the decoders make during one long write
        # transaction (about 0.2 s: 3-4 chunks), so that they do not stop and leave a core idle (~1.5 MB each).
        results: Any = ctx.Queue(maxsize=8 * n)
        todo: Any = ctx.Queue(maxsize=n)
        counts: Any = ctx.Queue()
        self.reports = ctx.Queue()
        self.shutdown = ctx.Event()
        writer = ctx.Process(target=writer_main, args=(results, self.db, self._writer_options(), self.reports, n,
                                                       self.shutdown))
        writer.start()
        decoders = [ctx.Process(target=parallel.decoder_main, args=(
            todo, results, counts, str(source.path), source.name, source.identity, source.mtime,
            self.options.fast_path))
            for _ in range(n)]
        for proc in decoders:
            proc.start()
        start = self._start_offsets().get(source.name, 0)
        for task in parallel.tasks(source, start, self.stop_event.is_set, self.options.chunk_bytes):
            if not self._put(todo, task, *decoders):
                break
            self.stats.batches += 1
            self._count(counts, source.name)
            self._report(results)
        for _ in decoders:
            self._put(todo, None, *decoders)
        self._join(*decoders, writer)
        self._count(counts, source.name)
        self._report(results)
        if not self.stop_event.is_set() and (writer.exitcode != 0 or any(p.exitcode != 0 for p in decoders)):
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
        """What sources refused before decoding: lines when the spool's disk budget was used up (a journaled
        source), connections closed by a TCP source's limits (idle, evicted)."""
        for source in self.sources:
            journal = getattr(source, "journal", None)
            counts = dict(getattr(getattr(source, "source", source), "refusals", {}))
            if journal is not None:
                counts["spool_full"] = journal.refused
            for reason, total in counts.items():
                seen = self._refused.get((source.name, reason), 0)
                if total > seen:
                    self._refused[(source.name, reason)] = total
                    batch.reasons[(source.name, reason)] += total - seen
                    if self.metrics is not None:
                        self.metrics.rejects.labels(source.name, reason).inc(total - seen)

    def _report(self, batches: Any) -> None:
        if self.metrics is None:
            return
        m = self.metrics
        with contextlib.suppress(NotImplementedError):
            m.queue_depth.set(batches.qsize())
        while True:
            try:
                rows, seconds, held, spooled, dead = self.reports.get_nowait()
            except queue.Empty:
                return
            if dead:
                m.dead_letters.inc(dead)
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

    def _decode_chunk(self, chunk: Chunk, decoder: StreamDecoder | FastDecoder, batch: Batch,
                      safe: dict[str, Checkpoint]) -> None:
        line_no = chunk.first_line_no
        received = chunk.received_at
        feed_lines = getattr(decoder, "feed_lines", None)      # the fast path takes the chunk whole
        if feed_lines is not None:
            feed_lines(chunk.lines, line_no, received)
        for line in chunk.lines if feed_lines is None else ():
            try:
                decoder.feed(line, line_no, received)
            except Exception as err:  # noqa: BLE001  (a line the decoder cannot classify: refused alone)
                decoder.refuse(line, err)
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
        # psycopg, imported once the processes have started (they do their own imports meanwhile)
        from sql import connect, query

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


def writer_main(batches: Any, db: DbSettings | None, options: Options, reports: Any = None,
                producers: int = 1, shutdown: Any = None) -> None:
    """The writer process's entry point; here so that starting it imports only this light module, then
    ingest.ais.spooler (psycopg and the database code) in the new process."""
    from ingest.ais.spooler import run_writer

    run_writer(batches, db, options, reports, producers, shutdown)
