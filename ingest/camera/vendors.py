"""Camera events from vendors' own protocols (Hikvision ISAPI, Dahua HTTP API, GB/T 28181): one shape, one store.

A vendor event names its camera by vendor ids (`hikvision:<MAC or IP>/<channel>`, `dahua:<IP>/<channel>`,
`gb28181:<20 digits>`), which the port package's cameras carry in `vendor_ids`. It starts, ends or is a pulse
(start and end at once); a start of a topic already open on that camera continues it (Hikvision repeats
"active" every second), an end closes it. A keepalive sets the camera's status. Every refusal has its reason.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from ingest.feeds import record_batch
from ingest.limits import safe_raw
from sql import DbSettings, connect, query, query_text

log = logging.getLogger(__name__)
PICTURE_MAX_BYTES = 512 * 1024       # a picture pushed with an event is kept up to this size (else counted)
PICTURE_KEEP_DAYS = 7
PRUNE_EVERY_S = 600.0
PICTURE_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


class Invalid(Exception):
    """Input that cannot be stored; args: (reason, detail)."""


@dataclass(frozen=True)
class VendorEvent:
    keys: tuple[str, ...]             # vendor ids of the camera, the most specific first
    topic: str                        # what opens and closes: e.g. "linedetection", "CrossLineDetection:0"
    label: str                        # the project's label: person, vehicle, motion, line_crossing, fire …
    state: str                        # start | end | pulse | keepalive | offline
    at: datetime
    event_id: str
    sub_label: str | None = None      # the vendor's own event type
    score: float | None = None
    region: tuple[float, float] | None = None     # x0, x1 across the image (0..1): where in the cone
    raw: dict[str, Any] = field(default_factory=dict)
    picture: bytes | None = None
    picture_over: int = 0             # the size of a picture sent with it but too large to be held


def picture_type(data: bytes) -> str | None:
    return next((kind for magic, kind in PICTURE_TYPES.items() if data.startswith(magic)), None)


class VendorStore:
    """Writes vendor events for one port and source; each batch in one transaction, pipelined (or, if the
    database refuses one, a savepoint per event)."""

    def __init__(self, conn: psycopg.Connection[Any], port_id: str, source: str) -> None:
        self.conn, self.port_id, self.source = conn, port_id, source
        self.pruned_at = 0.0
        self.last_id = ""             # the row the last start stored or continued

    def write(self, events: list[VendorEvent], refused: list[tuple[str, str, bytes]] | None = None,
              outcomes: list[str] | None = None) -> Counter[str]:
        """Store the events; `refused` (reason, detail, raw) are input refused before parsing, counted here in
        the same transaction. Returns the counts by outcome (stored, continued, ended, state_only, status, or
        the reason of a refusal); `outcomes` gets each event's, in order."""
        counts: Counter[str] = Counter()
        rejects = [(self.source, reason, detail, safe_raw(raw)) for reason, detail, raw in refused or []]
        for reason, _, _ in refused or []:
            counts[reason] += 1
        with self.conn.transaction(), self.conn.cursor() as cur:
            fast = self._pipelined(events)
            for i, event in enumerate(events):
                outcome, detail = fast[i] if fast else self._one(cur, event)
                counts[outcome] += 1
                if detail:
                    rejects.append((self.source, outcome, detail, safe_raw(repr(event.raw)[:2000])))
                if (event.picture is not None or event.picture_over) and outcome in ("stored", "continued"):
                    problem = self._picture(cur, event)
                    if problem:
                        counts[problem[0]] += 1
                        rejects.append((self.source, problem[0], problem[1], f"event {event.event_id}"))
                        outcome += f"+{problem[0]}"         # (an outcome and a picture's refusal)
                if outcomes is not None:
                    outcomes.append(outcome)
            good = sum(n for k, n in counts.items() if k in GOOD)
            record_batch(self.conn, self.source, "camera", stored=good, rejects=rejects,
                         reasons={r: n for r, n in counts.items() if r not in GOOD})
        self._prune()
        return counts

    def _pipelined(self, events: list[VendorEvent]) -> list[tuple[str, str]] | None:
        """The fast path: every statement of the batch sent at once (psycopg's pipeline: one round trip, no
        savepoint per event). None when it cannot be used (pictures) or the database refused one of them: then
        each event is written on its own with a savepoint, so the good ones are kept."""
        if len(events) < 2 or any(e.picture is not None or e.picture_over for e in events):
            return None
        try:
            with self.conn.transaction():
                with self.conn.pipeline():
                    cursors = []
                    for event in events:
                        name, params = self._statement(event)
                        cur = self.conn.cursor()
                        cur.execute(query_text(name), params)
                        cursors.append(cur)
                return [self._outcome(event, cur.fetchall()) for event, cur in zip(events, cursors, strict=True)]
        except (psycopg.errors.DataError, psycopg.errors.IntegrityError) as err:
            log.info("%s: a batch of %d refused by the database (%s); one by one", self.source, len(events),
                     str(err).strip()[:80])
            return None

    def _statement(self, event: VendorEvent) -> tuple[str, dict[str, Any]]:
        params = {"port_id": self.port_id, "source": self.source, "keys": list(event.keys), "topic": event.topic,
                  "at": event.at, "raw": Jsonb({**event.raw, "topic": event.topic})}
        if event.state in ("keepalive", "offline"):
            return "camera_vendor_status", {**params, "status": "online" if event.state == "keepalive" else "offline"}
        if event.state == "end":
            return "camera_vendor_end", params
        return "camera_vendor_start", {
            **params, "event_id": event.event_id[:200], "label": event.label, "sub_label": event.sub_label,
            "score": event.score, "end_at": event.at if event.state == "pulse" else None,
            "has_snapshot": event.picture is not None and len(event.picture) <= PICTURE_MAX_BYTES,
            "x0": event.region[0] if event.region else None, "x1": event.region[1] if event.region else None}

    def _outcome(self, event: VendorEvent, rows: list[Any]) -> tuple[str, str]:
        if event.state in ("keepalive", "offline"):
            return ("status", "") if rows else ("unknown_camera", self._unknown(event))
        if event.state == "end":
            camera, ended = rows[0] if rows else (None, None)
            if camera is None:
                return "unknown_camera", self._unknown(event)
            return ("ended", "") if ended else ("state_only", "")
        if not rows:
            return "unknown_camera", self._unknown(event)
        self.last_id = rows[0][0]
        return ("continued" if rows[0][1] else "stored"), ""

    def _one(self, cur: psycopg.Cursor[Any], event: VendorEvent) -> tuple[str, str]:
        name, params = self._statement(event)
        try:
            with self.conn.transaction():        # a savepoint: one bad event does not undo the others
                rows = cur.execute(query_text(name), params).fetchall()
        except (psycopg.errors.DataError, psycopg.errors.IntegrityError) as err:
            return "refused_by_database", str(err).strip()[:120]
        return self._outcome(event, rows)

    def _picture(self, cur: psycopg.Cursor[Any], event: VendorEvent) -> tuple[str, str] | None:
        data = event.picture or b""
        if event.picture_over or len(data) > PICTURE_MAX_BYTES:
            return "picture_too_large", (f"{event.picture_over or len(data)} bytes (at most {PICTURE_MAX_BYTES}); "
                                         "the event is kept")
        kind = picture_type(data)
        if kind is None:
            return "picture_not_an_image", "not a JPEG or PNG; the event is kept"
        with self.conn.transaction():
            cur.execute(query_text("camera_picture_insert"), {"event_id": self.last_id,
                                                              "content_type": kind, "picture": data})
        return None

    def _unknown(self, event: VendorEvent) -> str:
        return f"no camera of port {self.port_id} has vendor id {' or '.join(event.keys)[:160]}"

    def _prune(self) -> None:
        """Retention of pictures: at most every PRUNE_EVERY_S."""
        if time.monotonic() - self.pruned_at < PRUNE_EVERY_S:
            return
        self.pruned_at = time.monotonic()
        with self.conn.transaction():
            query(self.conn, "camera_picture_prune", {"keep_days": PICTURE_KEEP_DAYS})


GOOD = frozenset({"stored", "continued", "ended", "state_only", "status"})


Done = Callable[[list[str]], None]        # called with the outcome of each event of its submission


class BatchWriter:
    """The worker side of a listener or stream client: events queued (bounded: a full queue holds the reader
    back), written in batches of up to BATCH in one transaction, a lost database waited for with back-off (the
    batch is kept and retried), `done` callbacks (e.g. a SIP 200 OK) run only once their batch is committed."""

    BATCH = 500

    def __init__(self, db: DbSettings, port_id: str, source: str, queue_size: int = 20_000) -> None:
        self.db, self.port_id, self.source = db, port_id, source
        self.queue: queue.Queue[tuple[list[VendorEvent], list[tuple[str, str, bytes]], Done | None]] = \
            queue.Queue(queue_size)
        self.counts: Counter[str] = Counter()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"vendor-writer-{source}", daemon=True)
        self.store: VendorStore | None = None

    def start(self) -> BatchWriter:
        self.thread.start()
        return self

    def submit(self, events: list[VendorEvent], refused: list[tuple[str, str, bytes]] | None = None,
               done: Done | None = None) -> None:
        self.queue.put((events, refused or [], done))

    def stop(self, timeout_s: float = 5.0) -> None:
        """Write what is queued (for up to timeout_s), then end."""
        self.stopping.set()
        self.thread.join(timeout_s)

    def _run(self) -> None:
        delay = 0.5
        while not (self.stopping.is_set() and self.queue.empty()):
            try:
                batch = [self.queue.get(timeout=0.2)]
            except queue.Empty:
                continue
            while len(batch) < self.BATCH:
                try:
                    batch.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            while not self._write(batch):
                if self.stopping.wait(delay) and self.stopping.is_set() and delay > 4:
                    log.error("%s: database still unavailable at stop; %d queued batches not written",
                              self.source, len(batch))
                    return
                delay = min(delay * 2, 30.0)
            delay = 0.5

    def _write(self, batch: list[tuple[list[VendorEvent], list[tuple[str, str, bytes]], Done | None]]) -> bool:
        try:
            if self.store is None or self.store.conn.closed:
                self.store = VendorStore(connect(self.db), self.port_id, self.source)
            outcomes: list[str] = []
            counts = self.store.write([e for events, _, _ in batch for e in events],
                                      [r for _, refused, _ in batch for r in refused], outcomes)
        except Exception as err:        # the database gone (or a bug): the batch is kept and retried
            if isinstance(err, psycopg.OperationalError):
                log.warning("%s: database unavailable (%s); retrying", self.source, str(err).strip()[:120])
            else:
                log.exception("%s: a batch failed (%s); retrying", self.source, type(err).__name__)
            if self.store is not None:
                with contextlib.suppress(psycopg.Error):
                    self.store.conn.close()
            self.store = None
            return False
        self.counts.update(counts)
        at = 0
        for events, _, done in batch:
            if done is not None:
                try:
                    done(outcomes[at:at + len(events)])
                except OSError as err:
                    log.info("%s: could not answer (%s)", self.source, err)
            at += len(events)
        return True
