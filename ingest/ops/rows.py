"""What the planning feeds (berth plan, direct delivery plan) share: reading CSV or JSON rows and checking the
fields, each failure an `Invalid` whose message is the reason counted."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg

from ingest.limits import Record, file_records
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


def read_records(path: Path, key: str, data: bytes | None = None) -> list[Record]:
    """The records of a CSV file (a header line), or of a JSON list or object holding the list under `key`, each
    checked alone (limits.file_records); a file that cannot be read at all raises limits.InputRefused."""
    return file_records(path.read_bytes() if data is None else data, path.suffix, key)


def read_rows(path: Path, key: str) -> list[dict[str, Any]]:
    """The good rows of a file (a refused one is left out: store_rows counts it)."""
    return [r.fields for r in read_records(path, key) if r.fields is not None]


def store_rows(conn: psycopg.Connection[Any], path: Path, rows: list[Record],
               parse: Callable[[dict[str, Any]], dict[str, Any]], upsert: str, port_id: str,
               source: str) -> FeedReport:
    """Parse each row and upsert the good ones (named query `upsert`) in one transaction; a bad row is counted
    and logged with its line (CSV: its line in the file) and reason, and the rows around it are still stored."""
    report = FeedReport()
    with conn.transaction():
        for record in rows:
            report.rows += 1
            try:
                if record.fields is None:
                    assert record.refused is not None
                    raise Invalid(record.refused.reason)
                parsed = parse(record.fields)
                with conn.transaction():        # a savepoint: a row the database refuses is only that row
                    query(conn, upsert, {**parsed, "port_id": port_id, "source": f"{source}:{path.name}"})
            except Invalid as err:
                report.rejects[str(err)] += 1
                log.warning("%s row %d rejected: %s", path.name, record.line_no, err)
                continue
            except (psycopg.errors.DataError, psycopg.errors.IntegrityError) as err:
                report.rejects["refused_by_database"] += 1
                log.warning("%s row %d refused by the database: %s", path.name, record.line_no,
                            str(err).strip()[:120])
                continue
            report.stored += 1
    return report
