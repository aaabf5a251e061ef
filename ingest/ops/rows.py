"""What the planning feeds (berth plan, direct delivery plan) share: reading CSV or JSON rows and checking the
fields, each failure an `Invalid` whose message is the reason counted."""

from __future__ import annotations

import csv
import io
import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg

from sql import query

log = logging.getLogger(__name__)


@dataclass
class FeedReport:
    """What one file of a planning feed gave: its rows, those stored and the rejected ones by reason."""
    rows: int = 0
    stored: int = 0
    rejects: Counter[str] = field(default_factory=Counter)


class Invalid(ValueError):
    """A row that cannot be stored; its message is the reason counted."""


def parse_time(value: Any, name: str) -> datetime:
    """An ISO 8601 time with a UTC offset (a time without one is refused: it would be read in the wrong zone)."""
    try:
        at = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError as err:
        raise Invalid(f"bad_{name}") from err
    if at.tzinfo is None:
        raise Invalid(f"{name}_without_time_zone")
    return at


def parse_int(value: Any, name: str, low: int, high: int) -> int | None:
    if value in (None, ""):
        return None
    try:
        n = int(str(value).strip())
    except ValueError as err:
        raise Invalid(f"bad_{name}") from err
    if not low <= n <= high:
        raise Invalid(f"bad_{name}")
    return n


def text(row: dict[str, Any], name: str) -> str | None:
    return str(row.get(name) or "").strip() or None


def read_rows(path: Path, key: str) -> list[dict[str, Any]]:
    """The rows of a CSV file (a header line), or of a JSON list or object holding the list under `key`."""
    content = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json":
        doc = json.loads(content)
        rows = doc.get(key, doc) if isinstance(doc, dict) else doc
        if not isinstance(rows, list):
            raise Invalid("json_not_a_list")
        return [r if isinstance(r, dict) else {} for r in rows]
    return list(csv.DictReader(io.StringIO(content)))


def store_rows(conn: psycopg.Connection[Any], path: Path, rows: list[dict[str, Any]],
               parse: Callable[[dict[str, Any]], dict[str, Any]], upsert: str, port_id: str,
               source: str) -> FeedReport:
    """Parse each row and upsert the good ones (named query `upsert`) in one transaction; a bad row is counted
    and logged with its line (CSV: its line in the file) and reason, and the rows around it are still stored."""
    report = FeedReport()
    with conn.transaction():
        for i, row in enumerate(rows, start=2 if path.suffix.lower() == ".csv" else 1):
            report.rows += 1
            try:
                parsed = parse(row)
            except Invalid as err:
                report.rejects[str(err)] += 1
                log.warning("%s row %d rejected: %s", path.name, i, err)
                continue
            query(conn, upsert, {**parsed, "port_id": port_id, "source": f"{source}:{path.name}"})
            report.stored += 1
    return report
