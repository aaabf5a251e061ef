"""Write phone trackers' fixes (history, idempotent, and the live picture) and drop what is past retention."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import psycopg

from ingest.trackers.osmand import Fix
from sql import query, query_text

DEFAULT_RETENTION_DAYS = 7      # personal data: port.toml [retention] people_days overrides it


def flush(conn: psycopg.Connection[Any], rows: Sequence[tuple[Fix, datetime]]) -> int:
    params = [{"device_id": f.device_id, "observed_at": f.observed_at, "received_at": at, "source": SOURCE,
               "lon": f.lon, "lat": f.lat, "speed_mps": f.speed_mps, "bearing_deg": f.bearing_deg,
               "accuracy_m": f.accuracy_m, "altitude_m": f.altitude_m, "battery_pct": f.battery_pct}
              for f, at in rows]
    stored = 0
    with conn.cursor() as cur:
        for p in params:            # (a few a second: a phone reports every 10-60 s)
            cur.execute(query_text("person_position_insert"), p)
            stored += cur.rowcount
        cur.executemany(query_text("person_latest_merge"), params)
    return stored


def retention_days(conn: psycopg.Connection[Any], port_id: str) -> int:
    found = query(conn, "people_retention_days", {"port_id": port_id})
    return int(found[0][0]) if found and found[0][0] is not None else DEFAULT_RETENTION_DAYS


def prune(conn: psycopg.Connection[Any], days: int) -> int:
    """Delete fixes older than `days` (history and the live picture); returns the history rows deleted."""
    with conn.transaction():
        rows = query(conn, "people_prune", {"days": days})
    return int(rows[0][0]) if rows else 0


def describe(row: tuple[Fix, datetime]) -> str:
    return repr(row[0])[:1000]


SOURCE = "trackers:http"
