"""Write camera events: upsert by event id, rejects by reason, feed status; a savepoint per event."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from ingest.camera.frigate import Invalid, parse_event, parse_review
from ingest.feeds import record_batch
from ingest.limits import safe_raw
from sql import query, query_text

log = logging.getLogger(__name__)
Refused = Callable[[str, bytes, str, str], None]      # (kind: event|review, payload, reason, detail)


class CameraStore:
    def __init__(self, conn: psycopg.Connection[Any], port_id: str, source: str) -> None:
        self.conn = conn
        self.port_id = port_id
        self.source = source

    def write(self, payloads: list[bytes], reviews: list[bytes] | None = None, *,
              refused: Refused | None = None) -> Counter[str]:
        """Store what is good, reject the rest with a reason; all in one transaction. Returns counts.
        `refused(kind, payload, reason, detail)` is called for each rejected payload, inside the transaction
        (the MQTT subscriber dead-letters it there)."""
        counts: Counter[str] = Counter()
        rejects: list[tuple[str, str, str, str]] = []
        with self.conn.transaction(), self.conn.cursor() as cur:
            items = [("event", p, self._one) for p in payloads] + [("review", p, self._review) for p in reviews or []]
            for kind, payload, handle in items:
                reason, detail = handle(cur, payload)
                counts[reason] += 1
                if reason != "stored":
                    rejects.append((self.source, reason, detail, safe_raw(payload)))
                    if refused is not None:
                        refused(kind, payload, reason, detail)
            record_batch(self.conn, self.source, "camera", stored=counts["stored"], rejects=rejects,
                         reasons={r: n for r, n in counts.items() if r != "stored"})
        return counts

    def set_status(self, camera: str | None, status: str) -> int:
        """Frigate's `frigate/<camera>/status/detect` (camera) or `frigate/available` (all, camera None)."""
        state = {"online": "online", "offline": "offline", "disabled": "offline", "stopped": "offline"}.get(
            status.strip().lower(), "unknown")
        with self.conn.transaction():
            return len(query(self.conn, "camera_status_set", {"port_id": self.port_id, "camera": camera,
                                                              "status": state}))

    def _review(self, cur: psycopg.Cursor[Any], payload: bytes) -> tuple[str, str]:
        try:
            review = parse_review(payload)
        except Invalid as bad:
            return bad.args[0], bad.args[1]
        params = {**review.__dict__, "port_id": self.port_id, "raw": Jsonb(review.raw)}
        try:
            with self.conn.transaction():
                row = cur.execute(query_text("camera_review_upsert"), params).fetchone()
        except (psycopg.errors.DataError, psycopg.errors.IntegrityError) as err:
            return "refused_by_database", str(err).strip()[:120]
        if row is None:
            return "unknown_camera", f"camera {review.camera!r} is not in port {self.port_id}"
        return "stored", ""

    def _one(self, cur: psycopg.Cursor[Any], payload: bytes) -> tuple[str, str]:
        try:
            event = parse_event(payload)
        except Invalid as bad:
            return bad.args[0], bad.args[1]
        params = {**event.__dict__, "source": self.source, "port_id": self.port_id, "raw": Jsonb(event.raw)}
        try:
            with self.conn.transaction():           # a savepoint: one bad event does not undo the others
                row = cur.execute(query_text("camera_event_upsert"), params).fetchone()
        except psycopg.errors.DataError as err:
            return "refused_by_database", str(err).strip()[:120]
        except psycopg.errors.IntegrityError as err:
            return "refused_by_database", str(err).strip()[:120]
        if row is None:
            return "unknown_camera", f"camera {event.camera!r} is not in port {self.port_id}"
        return "stored", ""
