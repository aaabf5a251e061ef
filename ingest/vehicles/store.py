"""Write JT/T 808 location reports: binary COPY into staging, then history (idempotent) and the live picture."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from ingest.vehicles.jt808 import Location, Registration
from sql import query, query_text

STAGE_TYPES = ["text", "timestamptz", "timestamptz", "text", "float8", "float8", "float4", "int2", "int4", "int8",
               "int8", "float4", "float4", "int2", "int2", "text"]


@dataclass(frozen=True)
class Report:
    """A location report as stored: the terminal, when it arrived, where from."""

    phone: str
    received_at: datetime
    source: str
    loc: Location

    def row(self) -> tuple[Any, ...]:
        loc = self.loc
        lon, lat = (loc.lon, loc.lat) if loc.positioned else (None, None)
        return (self.phone, loc.observed_at, self.received_at, self.source, lon, lat, loc.speed_kmh,
                loc.direction_deg, loc.altitude_m, loc.alarm, loc.status, loc.mileage_km, loc.fuel_l, loc.signal,
                loc.satellites, json.dumps(loc.extra))


@dataclass(frozen=True)
class TerminalSeen:
    """A registration to keep (jt808_terminal), queued with the reports."""

    phone: str
    protocol: int
    reg: Registration
    source: str
    registered_at: datetime


@dataclass(frozen=True)
class TerminalGone:
    """A terminal that logged out (0x0003): its registration is dropped, so it may register again."""

    phone: str


def known(conn: psycopg.Connection[Any]) -> tuple[set[str], set[str]]:
    """(the registry's terminals, the terminals registered already)."""
    rows = query(conn, "jt808_known")
    return {p for p, what in rows if what == "vehicle"}, {p for p, what in rows if what == "registered"}


def prepare(conn: psycopg.Connection[Any]) -> None:
    conn.execute(query_text("vehicle_stage"))


def flush(conn: psycopg.Connection[Any], rows: Sequence[Report | TerminalSeen | TerminalGone]) -> int:
    """Inside the writer's transaction: the reports, registrations and logouts; returns the reports stored."""
    reports = [r for r in rows if isinstance(r, Report)]
    for row in rows:                 # in their order: a logout, then a new registration
        if isinstance(row, TerminalGone):
            query(conn, "jt808_terminal_delete", {"phone": row.phone})
        elif isinstance(row, TerminalSeen):
            reg = row.reg
            query(conn, "jt808_terminal_upsert", {
                "phone": row.phone, "protocol": row.protocol, "province": reg.province, "city": reg.city,
                "maker": reg.maker, "model": reg.model, "terminal_id": reg.terminal_id,
                "plate_color": reg.plate_color, "plate": reg.plate, "source": row.source,
                "registered_at": row.registered_at})
    if not reports:
        return 0
    with conn.cursor() as cur:
        with cur.copy("COPY stg_vehicle_position FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(STAGE_TYPES)
            for report in reports:
                copy.write_row(report.row())
        cur.execute(query_text("vehicle_history_insert"))
        stored = cur.rowcount
        cur.execute(query_text("vehicle_latest_merge"))
        cur.execute(query_text("vehicle_stage_clear"))
    return stored


def describe(row: Report | TerminalSeen | TerminalGone) -> str:
    return repr(row)[:1000]


def arrived(row: Report | TerminalSeen | TerminalGone) -> float | None:
    """When a report reached the server (epoch seconds), for the writer's arrival -> commit delays."""
    return row.received_at.timestamp() if isinstance(row, Report) else None


DEFAULT_RETENTION_DAYS = 30     # port.toml [retention] position_days overrides it
PRUNE_SLICE = 50_000


def retention_days(conn: psycopg.Connection[Any], port_id: str) -> int:
    found = query(conn, "vehicle_retention_days", {"port_id": port_id})
    return int(found[0][0]) if found and found[0][0] is not None else DEFAULT_RETENTION_DAYS


def prune(conn: psycopg.Connection[Any], days: int) -> int:
    """Delete vehicle history older than `days`, a slice per transaction; returns the rows deleted."""
    total = 0
    while True:
        with conn.transaction():
            n = int(query(conn, "vehicle_prune", {"days": days, "slice": PRUNE_SLICE})[0][0])
        total += n
        if n < PRUNE_SLICE:
            return total
