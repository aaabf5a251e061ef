"""The shared writer of tracking sensors other than AIS (a radar's targets, a truck tracker's trucks): each
sighting replaces its target's older one in sensor_target, and the feed's status is recorded with the batch."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from ingest.feeds import record_batch
from sql import query_text


@dataclass(frozen=True)
class Target:
    """One sighting of a tracked target, validated."""

    target_id: str
    observed_at: datetime
    lon: float
    lat: float
    course_deg: float | None = None
    speed_kn: float | None = None
    label: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not (-180 <= self.lon <= 180 and -90 <= self.lat <= 90) or math.isnan(self.lon + self.lat):
            raise ValueError("bad_position")
        if self.observed_at.tzinfo is None:
            raise ValueError("naive_time")


def store_targets(conn: psycopg.Connection[Any], source: str, kind: str, targets: list[Target], *,
                  reasons: Counter[str] | None = None, rejects: list[tuple[str, str, str, str]] | None = None) -> int:
    """Write one batch in one transaction: the targets, the batch's rejects and the feed's status. Returns the
    number of sightings stored."""
    rows = [(source, t.target_id, t.observed_at, t.lon, t.lat, t.course_deg, t.speed_kn, t.label, Jsonb(t.details))
            for t in targets]
    with conn.transaction():
        with conn.cursor() as cur:
            cur.executemany(query_text("sensor_target_upsert"), rows)
        record_batch(conn, source, kind, stored=len(rows), reasons=reasons or Counter(), rejects=rejects or [],
                     last_message_at=max((t.observed_at for t in targets), default=None))
    return len(rows)
