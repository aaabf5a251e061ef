"""Where each planned direct delivery (直提/直装) stands: the rows the map layer, the operations panel and the
alert rule share (sql/queries/ops_direct_delivery.sql)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg

from sql.db import query

KEYS = ("plan_id", "container_no", "direction", "voyage", "berth_id", "truck_plate", "planned_at", "state",
        "since", "started_at", "done_at", "minutes", "limit_min", "overstay", "late", "lon", "lat")


def direct_rows(conn: psycopg.Connection[Any], port_id: str, now: datetime | None = None,
                done_keep_h: int = 6) -> list[dict[str, Any]]:
    """Every planned direct delivery of the last three days and the next two with where it stands (waiting, on
    the truck, at the gate, done), its minutes in the terminal against its allowance and why it overstays (None,
    over_time, gate_hold, grounded); overstaying ones first. Those done stay `done_keep_h` hours."""
    found = query(conn, "ops_direct_delivery", {"port_id": port_id, "now": now or datetime.now(UTC),
                                                "done_keep_h": done_keep_h})
    return [dict(zip(KEYS, r, strict=True)) for r in found]
