"""What every ingest source records with a committed batch: its rejects, counts by reason, feed status."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import psycopg

from ingest.limits import safe_raw
from ingest.sources import cadence_of, is_live
from sql import query, query_text


def record_batch(conn: psycopg.Connection[Any], source: str, kind: str, *, stored: int,
                 reasons: Mapping[str, int], rejects: list[tuple[str, str, str, str]],
                 rejected: int | None = None, last_message_at: datetime | None = None) -> None:
    """Inside the caller's transaction: reject rows (source, reason, detail, raw), counts by reason, and this
    source's feed_status (live as the source registry says). `rejected` defaults to the number of reject rows;
    the last message is now unless the source knows better (a file's records arrive when it is imported)."""
    with conn.cursor() as cur:
        if rejects:
            rows = [(src, reason, safe_raw(detail or ""), safe_raw(raw)) for src, reason, detail, raw in rejects]
            cur.executemany(query_text("ingest_rejects"), rows)
        if reasons:
            cur.executemany(query_text("ingest_reject_count"), [(source, r, n) for r, n in reasons.items()])
    query(conn, "feed_status_update", {
        "source": source, "kind": kind,
        "last_message_at": last_message_at or (datetime.now(UTC) if stored else None), "rate_per_s": 0.0,
        "messages": stored, "rejects": len(rejects) if rejected is None else rejected, "live": is_live(source),
        "cadence_s": cadence_of(source)})
