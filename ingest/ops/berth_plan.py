"""The berth plan feed: CSV or JSON rows of plan_id, berth_id, mmsi and/or imo, vessel_name, voyage,
planned_arrival, planned_departure (ISO 8601 with a UTC offset). A bad row is rejected with its reason and the
rest are stored; a re-sent plan (same plan_id) replaces the earlier one."""

from __future__ import annotations

import csv
import io
import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg

from sql import query

log = logging.getLogger(__name__)


@dataclass
class PlanReport:
    rows: int = 0
    stored: int = 0
    rejects: Counter[str] = field(default_factory=Counter)


class Invalid(ValueError):
    """A row that cannot be stored; its message is the reason counted."""


def _time(value: Any, name: str) -> datetime:
    try:
        at = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError as err:
        raise Invalid(f"bad_{name}") from err
    if at.tzinfo is None:
        raise Invalid(f"{name}_without_time_zone")
    return at


def _int(value: Any, name: str, low: int, high: int) -> int | None:
    if value in (None, ""):
        return None
    try:
        n = int(str(value).strip())
    except ValueError as err:
        raise Invalid(f"bad_{name}") from err
    if not low <= n <= high:
        raise Invalid(f"bad_{name}")
    return n


def parse_row(row: dict[str, Any], berths: set[str]) -> dict[str, Any]:
    berth = str(row.get("berth_id") or "").strip()
    if berth not in berths:
        raise Invalid("unknown_berth")
    mmsi = _int(row.get("mmsi"), "mmsi", 100_000_000, 999_999_999)
    imo = _int(row.get("imo"), "imo", 1_000_000, 9_999_999)
    if mmsi is None and imo is None:
        raise Invalid("no_vessel_id")
    arrival, departure = _time(row.get("planned_arrival"), "arrival"), _time(row.get("planned_departure"), "departure")
    if departure <= arrival:
        raise Invalid("departure_before_arrival")
    plan_id = str(row.get("plan_id") or "").strip() or f"{mmsi or imo}:{berth}:{arrival.isoformat()}"
    return {"plan_id": plan_id, "berth_id": berth, "mmsi": mmsi, "imo": imo,
            "vessel_name": (str(row.get("vessel_name") or "").strip() or None),
            "voyage": (str(row.get("voyage") or "").strip() or None),
            "planned_arrival": arrival, "planned_departure": departure}


def read_rows(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json":
        doc = json.loads(text)
        rows = doc.get("calls", doc) if isinstance(doc, dict) else doc
        if not isinstance(rows, list):
            raise Invalid("json_not_a_list")
        return [r if isinstance(r, dict) else {} for r in rows]
    return list(csv.DictReader(io.StringIO(text)))


def import_file(conn: psycopg.Connection[Any], path: Path, port_id: str) -> PlanReport:
    report = PlanReport()
    berths = {r[0] for r in conn.execute("SELECT berth_id FROM berth WHERE port_id = %s", (port_id,)).fetchall()}
    rows = read_rows(path)
    with conn.transaction():
        for i, row in enumerate(rows, start=2 if path.suffix.lower() == ".csv" else 1):
            report.rows += 1
            try:
                plan = parse_row(row, berths)
            except Invalid as err:
                report.rejects[str(err)] += 1
                log.warning("%s row %d rejected: %s", path.name, i, err)
                continue
            query(conn, "berth_plan_upsert", {**plan, "port_id": port_id, "source": f"berthplan:{path.name}"})
            report.stored += 1
    return report
