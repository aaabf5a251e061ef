"""Keep the port's hourly statistics current (sql/migrations/011_port_stats.sql): the first time, every hour
since the oldest data (at most `BACKFILL_DAYS`); then the last few hours, which late data may still change."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from sql import query

log = logging.getLogger(__name__)
BACKFILL_DAYS = 400
RECENT_HOURS = 3


def refresh(conn: psycopg.Connection[Any], port_id: str, now: datetime | None = None) -> int:
    """Recompute the hours that may have changed; returns how many hours were written."""
    now = now or datetime.now(UTC)
    newest = query(conn, "port_stats_newest", {"port_id": port_id})[0][0]
    if newest is None:
        oldest = query(conn, "port_stats_oldest_data", {"port_id": port_id})[0][0]
        start = max(oldest or now, now - timedelta(days=BACKFILL_DAYS))
    else:
        start = min(newest, now) - timedelta(hours=RECENT_HOURS - 1)
    written = int(query(conn, "port_stats_rollup", {"port_id": port_id, "from": start, "to": now})[0][0])
    if newest is None:
        log.info("port statistics: %d hours rolled up since %s", written, start)
    return written
