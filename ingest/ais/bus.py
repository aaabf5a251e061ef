"""NATS JetStream as the AIS ingest bus (optional: `ingest ais --bus URL` and `ingest ais-bus --bus URL`).

The single-machine path (sources → decoder → writer process → PostGIS, ingest.ais.worker) stays the default.
With a bus, what the listeners and file readers accept is published raw to the JetStream stream PORTMAP_AIS
(file storage; a work queue: each message goes to one writer), one message per chunk of whole AIS messages
(no message split across two), subject `portmap.<port>.ais.<station>`, with its source, receive time, first line
number and the stream clock at its start in the headers. Writers (`ingest ais-bus`, any number, on any
machine) are one durable pull consumer: each fetches a few chunks, decodes them as the worker would (the same
StreamDecoder and fast path), commits them with the same writer (COPY + merge, idempotent), and only then acks
them. A writer killed mid-batch loses nothing: its chunks are delivered again after `ack_wait` to another
writer, and the merge stores each report once. A chunk whose batch the database keeps refusing is written row
by row (the rows it refuses alone are dead-lettered, as the spooler does); a chunk delivered MAX_DELIVER times
without a commit is dead-lettered whole (ingest_dead_letter, kind 'bus_chunk') and acked: never retried for
ever.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from ingest.ais import clock, parallel
from ingest.ais.batch import Batch
from ingest.ais.sources import Chunk, FileSource

log = logging.getLogger(__name__)
STREAM = "PORTMAP_AIS"
SUBJECTS = "portmap.*.ais.>"
DURABLE = "ais-writers"
CHUNK_BYTES = 256_000          # one bus message: about 3,000 lines (JetStream's default limit is 1 MB)
MAX_DELIVER = 5
ACK_WAIT_S = float(os.environ.get("PORTMAP_BUS_ACK_WAIT_S", "30"))   # a piece not acked this long comes again


def subject(port_id: str, station: str) -> str:
    return f"portmap.{port_id}.ais.{''.join(c if c.isalnum() or c in '-_' else '_' for c in station)}"


def _connect_args(url: str) -> dict[str, Any]:
    """nats://user:password@host:port → the client's arguments (the password never logged)."""
    parts = urlsplit(url)
    out: dict[str, Any] = {"servers": [f"nats://{parts.hostname}:{parts.port or 4222}"],
                           "max_reconnect_attempts": -1, "reconnect_time_wait": 0.5, "connect_timeout": 5}
    if parts.username:
        out["user"], out["password"] = parts.username, parts.password or bus_password()
    return out


def bus_password() -> str:
    """PORTMAP_NATS_PASSWORD, else the generated one ($PORTMAP_DATA/secrets/nats, 0600)."""
    from portdomain.secrets import data_dir

    if os.environ.get("PORTMAP_NATS_PASSWORD"):
        return os.environ["PORTMAP_NATS_PASSWORD"]
    path = data_dir() / "secrets" / "nats"
    return path.read_text().strip() if path.exists() else ""


async def jetstream(url: str) -> tuple[Any, Any]:
    """A connection and its JetStream context, with the stream there (created if missing)."""
    import nats
    from nats.js.api import RetentionPolicy, StorageType, StreamConfig

    nc = await nats.connect(**_connect_args(url))
    js = nc.jetstream()
    config = StreamConfig(name=STREAM, subjects=[SUBJECTS], retention=RetentionPolicy.WORK_QUEUE,
                          storage=StorageType.FILE, duplicate_window=120.0)
    try:
        await js.stream_info(STREAM)
    except Exception:  # noqa: BLE001  (not found: make it; a race with another process is fine)
        with contextlib.suppress(Exception):
            await js.add_stream(config)
    return nc, js


# --- publishing ------------------------------------------------------------------------------------------------
@dataclass
class Piece:
    """A chunk of whole messages from one source, as published."""

    source: str
    station: str
    data: bytes
    first_line_no: int
    clock_at: datetime | None = None          # the stream clock at its start (files)
    received_at: datetime | None = None       # live sources
    msg_id: str = ""

    def headers(self) -> dict[str, str]:
        out = {"Portmap-Source": self.source, "Portmap-Line": str(self.first_line_no),
               "Nats-Msg-Id": self.msg_id or hashlib.sha256(self.data).hexdigest()[:32]}
        if self.clock_at is not None:
            out["Portmap-Clock"] = self.clock_at.isoformat()
        if self.received_at is not None:
            out["Portmap-Received"] = self.received_at.isoformat()
        return out


def file_pieces(source: FileSource, stop: Callable[[], bool]) -> Iterator[Piece]:
    """A log file in pieces of whole messages, each with the clock of the lines before it (as parallel decoding
    cuts it)."""
    from ingest.ais.sources import file_identity

    identity = file_identity(source.path)
    with source.path.open("rb") as fh:
        for task in parallel.tasks(source, 0, stop, CHUNK_BYTES):
            fh.seek(task.start)
            yield Piece(source.name, source.station, fh.read(task.end - task.start), task.first_line_no, task.clock,
                        msg_id=f"{identity}:{task.start}")


@dataclass
class LiveCutter:
    """Live chunks of one source into pieces of whole messages: a message's first fragments wait (a little) for
    its last one."""

    carry: bytes = b""
    carried: int = 0

    def cut(self, chunk: Chunk) -> bytes:
        block = self.carry + b"".join(line if line.endswith(b"\n") else line + b"\n" for line in chunk.lines)
        end = parallel._cut(block, at_eof=self.carried >= parallel.CARRY_CHUNKS)
        self.carry, self.carried = block[end:], (self.carried + 1 if end < len(block) else 0)
        return block[:end]


@dataclass
class Publisher:
    """Publishes every source's pieces; a piece is published (JetStream has it on disk) before the next one."""

    url: str
    port_id: str
    published: int = 0
    lines: int = 0
    stopping: threading.Event = field(default_factory=threading.Event)

    def run(self, sources: list[Any]) -> int:
        """Publish until every source has ended (or stop()); the pieces published."""
        asyncio.run(self._run(sources))
        return self.published

    def stop(self) -> None:
        self.stopping.set()

    async def _run(self, sources: list[Any]) -> None:
        nc, js = await jetstream(self.url)
        loop = asyncio.get_running_loop()
        pieces: asyncio.Queue[Piece | None] = asyncio.Queue(maxsize=64)
        for source in sources:
            threading.Thread(target=self._read, args=(source, pieces, loop), daemon=True,
                             name=f"bus-read-{source.name}").start()
        running = len(sources)
        try:
            while running:
                piece = await pieces.get()
                if piece is None:
                    running -= 1
                    continue
                await self._publish(js, piece)
        finally:
            await nc.drain()

    async def _publish(self, js: Any, piece: Piece) -> None:
        delay = 0.2
        while True:
            try:
                await js.publish(subject(self.port_id, piece.station), piece.data, headers=piece.headers(),
                                 timeout=10)
                break
            except Exception as err:  # noqa: BLE001  (the server away: hold the piece and try again)
                log.warning("bus: publish failed (%s); again in %.1f s", type(err).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        self.published += 1
        self.lines += piece.data.count(b"\n")

    def _read(self, source: Any, out: asyncio.Queue[Piece | None], loop: asyncio.AbstractEventLoop) -> None:
        def put(item: Piece | None) -> None:
            asyncio.run_coroutine_threadsafe(out.put(item), loop).result()

        try:
            if isinstance(source, FileSource):
                for piece in file_pieces(source, self.stopping.is_set):
                    put(piece)
                return
            cutter = LiveCutter()
            for chunk in source.chunks(0, self.stopping.is_set):
                data = cutter.cut(chunk)
                if data:
                    put(Piece(source.name, getattr(source, "station", source.name), data, chunk.first_line_no,
                              received_at=chunk.received_at))
        except Exception:
            log.exception("bus: source %s failed", source.name)
        finally:
            put(None)


# --- writing ---------------------------------------------------------------------------------------------------
def decode_piece(headers: dict[str, str], data: bytes, memo: Any, fast_path: bool = True) -> tuple[Any, str, int]:
    """A piece decoded as the worker decodes a chunk: (the decoder's output, its source, its lines)."""
    from ingest.ais.decoder import StreamDecoder
    from ingest.ais.fastpath import FastDecoder

    source = headers.get("Portmap-Source", "ais:bus")
    line_no = int(headers.get("Portmap-Line", "0") or 0)
    decoder = StreamDecoder(source, memo=memo)
    if headers.get("Portmap-Clock"):
        decoder.carry(datetime.fromisoformat(headers["Portmap-Clock"]))
    received = datetime.fromisoformat(headers["Portmap-Received"]) if headers.get("Portmap-Received") else None
    if fast_path:
        fast = FastDecoder(decoder)
        n = fast.feed_chunk(data, line_no, received)
        fast.finish()
        return fast.take(), source, n
    lines = data.splitlines(keepends=True)
    for i, line in enumerate(lines):
        try:
            decoder.feed(line, line_no + i, received)
        except Exception as err:  # noqa: BLE001  (a line the decoder cannot classify: refused alone)
            decoder.refuse(line, err)
    decoder.finish()
    return decoder.take(), source, len(lines)


def dead_letter_pieces(conn: Any, pieces: list[tuple[dict[str, str], bytes]]) -> int:
    """Pieces delivered MAX_DELIVER times without a commit: kept whole with the reason, then acked."""
    from ingest.limits import safe_raw
    from sql import query

    with conn.transaction():
        for headers, data in pieces:
            query(conn, "ingest_dead_letter_add", {
                "source": headers.get("Portmap-Source", "ais:bus"), "kind": "bus_chunk", "attempts": MAX_DELIVER,
                "reason": f"delivered {MAX_DELIVER} times by the bus without a commit", "record": safe_raw(data)})
    return len(pieces)


@dataclass
class BusWriter:
    """One writer process: fetch, decode, commit, ack."""

    url: str
    fetch: int = 4                       # pieces per transaction (about 12,000 lines)
    fast_path: bool = True
    lines: int = 0
    messages: int = 0
    committed: int = 0
    dead: int = 0
    stopping: threading.Event = field(default_factory=threading.Event)

    def run(self, idle_exit_s: float | None = None) -> int:
        """Write until stop() (or `idle_exit_s` with nothing to fetch); the pieces committed."""
        asyncio.run(self._run(idle_exit_s))
        return self.committed

    def stop(self) -> None:
        self.stopping.set()

    async def _run(self, idle_exit_s: float | None) -> None:
        from nats.js.api import AckPolicy, ConsumerConfig

        from ingest.ais.decoder import Memo
        from portdomain.runtime import settle_gc

        settle_gc()
        nc, js = await jetstream(self.url)
        sub = await js.pull_subscribe(SUBJECTS, durable=DURABLE, stream=STREAM, config=ConsumerConfig(
            ack_policy=AckPolicy.EXPLICIT, ack_wait=ACK_WAIT_S, max_deliver=MAX_DELIVER + 1,
            max_ack_pending=64))
        memo, writer, idle_since = Memo(), None, time.monotonic()
        try:
            while not self.stopping.is_set():
                try:
                    msgs = await sub.fetch(self.fetch, timeout=1.0)
                except Exception:  # noqa: BLE001  (nothing to fetch now, or the server away for a moment)
                    if idle_exit_s is not None and time.monotonic() - idle_since > idle_exit_s:
                        return
                    continue
                idle_since = time.monotonic()
                writer = await asyncio.to_thread(self._commit, msgs, memo, writer)
                for m in msgs:
                    try:
                        await m.ack_sync(timeout=10)
                    except Exception as err:  # noqa: BLE001  (the server away: it delivers them again, and the
                        log.warning("bus writer: ack lost (%s); the piece comes again, stored once", err)  # merge
                        # keeps one copy of each report)
        finally:
            with contextlib.suppress(Exception):
                await nc.close()

    def _commit(self, msgs: list[Any], memo: Any, writer: Any) -> Any:
        """Decode and commit the pieces (through a database outage: wait and try again, holding them)."""
        import psycopg

        from ingest.ais import sift
        from ingest.ais.writer import AisWriter
        from ingest.batchsplit import DATA_ERRORS
        from sql import DbSettings, connect

        batch, fresh = Batch(), []
        for m in msgs:
            headers = dict(m.headers or {})
            if m.metadata.num_delivered > MAX_DELIVER:
                fresh.append((headers, m.data))
                continue
            out, source, n = decode_piece(headers, m.data, memo, self.fast_path)
            batch.add(out, source)
            self.lines += n
            self.messages += out.messages
        delay = 0.5
        while True:
            try:
                if writer is None:
                    writer = AisWriter(connect(DbSettings.for_role("ais")))
                if fresh:
                    self.dead += dead_letter_pieces(writer.conn, fresh)
                try:
                    writer.write(batch)
                except DATA_ERRORS as err:
                    if writer.conn.broken or writer.conn.closed:
                        raise psycopg.OperationalError(str(err)) from err
                    sift.write_sifted(writer, batch, DATA_ERRORS)
                self.committed += len(msgs)
                return writer
            except psycopg.OperationalError as err:
                log.warning("bus writer: database unavailable (%s); again in %.1f s", str(err).strip()[:100], delay)
                with contextlib.suppress(Exception):
                    if writer is not None:
                        writer.conn.close()
                writer = None
                if self.stopping.wait(delay):
                    raise SystemExit(0) from err        # stopped while holding: the bus delivers them again
                delay = min(delay * 2, 5.0)


__all__ = ["BusWriter", "Publisher", "clock", "decode_piece", "jetstream", "subject"]
