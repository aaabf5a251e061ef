"""The berth plan feed: CSV or JSON rows of plan_id, berth_id, mmsi and/or imo, vessel_name, voyage,
planned_arrival, planned_departure (ISO 8601 with a UTC offset). A bad row is rejected with its reason and the
rest are stored; a re-sent plan (same plan_id) replaces the earlier one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg

from ingest.ops.rows import FeedReport, Invalid, parse_int, parse_time, read_records, store_rows
from ingest.ops.rows import read_rows as rows_of


def parse_row(row: dict[str, Any], berths: set[str]) -> dict[str, Any]:
    berth = str(row.get("berth_id") or "").strip()
    if berth not in berths:
        raise Invalid("unknown_berth")
    mmsi = parse_int(row.get("mmsi"), "mmsi", 100_000_000, 999_999_999)
    imo = parse_int(row.get("imo"), "imo", 1_000_000, 9_999_999)
    if mmsi is None and imo is None:
        raise Invalid("no_vessel_id")
    arrival = parse_time(row.get("planned_arrival"), "arrival")
    departure = parse_time(row.get("planned_departure"), "departure")
    if departure <= arrival:
        raise Invalid("departure_before_arrival")
    plan_id = str(row.get("plan_id") or "").strip() or f"{mmsi or imo}:{berth}:{arrival.isoformat()}"
    return {"plan_id": plan_id, "berth_id": berth, "mmsi": mmsi, "imo": imo,
            "vessel_name": (str(row.get("vessel_name") or "").strip() or None),
            "voyage": (str(row.get("voyage") or "").strip() or None),
            "planned_arrival": arrival, "planned_departure": departure}


def read_rows(path: Path) -> list[dict[str, Any]]:
    return rows_of(path, "calls")


def import_file(conn: psycopg.Connection[Any], path: Path, port_id: str, data: bytes | None = None) -> FeedReport:
    berths = {r[0] for r in conn.execute("SELECT berth_id FROM berth WHERE port_id = %s", (port_id,)).fetchall()}
    return store_rows(conn, path, read_records(path, "calls", data), lambda row: parse_row(row, berths),
                      "berth_plan_upsert", port_id, "berthplan")
