"""Dangerous-goods declarations and gate transactions from CSV or JSON files: validated row by row."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from ingest.feeds import record_batch
from ingest.limits import InputRefused, Record, file_records
from ingest.progress import Progress
from ingest.yard.iso6346 import Invalid, container_number
from sql import query

IMDG_CLASS = re.compile(r"^(1\.[1-6][A-N]?|2\.[1-3]|3|4\.[1-3]|5\.[12]|6\.[12]|7|8|9)$")
PLATE = re.compile(r"^[\w\u4e00-\u9fff·-]{4,12}$")


@dataclass
class ImportReport:
    rows: int = 0
    stored: int = 0
    rejects: Counter[str] = field(default_factory=Counter)


def read_records(path: Path, data: bytes | None = None) -> list[Record]:
    """A CSV with a header row, or a JSON array of objects, each record checked alone (limits.file_records);
    a file that cannot be read at all raises Invalid (bad_json, too_deep, bad_header, …)."""
    try:
        return file_records(path.read_bytes() if data is None else data, path.suffix)
    except InputRefused as err:
        raise Invalid(err.reason, err.detail) from err


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The good rows of a file (a refused one is left out: importers use read_records and count it)."""
    return [r.fields for r in read_records(path) if r.fields is not None]


def un_number(value: Any, required: bool = True) -> int | None:
    text = str(value or "").strip().upper().removeprefix("UN")
    if not text and not required:
        return None
    if not re.fullmatch(r"\d{4}", text) or not 1 <= int(text) <= 3600:
        raise Invalid("bad_un_number", f"{value!r} is not a UN number (4 digits, 0001-3600)")
    return int(text)


def imdg_class(value: Any, required: bool = True) -> str | None:
    text = str(value or "").strip()
    if not text and not required:
        return None
    if not IMDG_CLASS.match(text):
        raise Invalid("bad_imdg_class", f"{value!r} is not an IMDG class or division")
    return text


def _time(value: Any) -> datetime:
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError as err:
        raise Invalid("bad_value", f"{value!r} is not an ISO 8601 time") from err
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def declaration(row: dict[str, Any], source: str) -> dict[str, Any]:
    kind = str(row.get("subject_kind") or "").strip()
    subject = str(row.get("subject_id") or "").strip()
    if kind == "container":
        subject = container_number(subject)
    elif kind == "vehicle":
        if not PLATE.match(subject):
            raise Invalid("bad_plate", f"{subject!r} is not a truck plate")
    elif kind == "vessel":
        if not re.fullmatch(r"\d{9}", subject):
            raise Invalid("bad_mmsi", f"{subject!r} is not a 9-digit MMSI")
    else:
        raise Invalid("bad_subject", f"subject_kind {kind!r} is not container, vehicle or vessel")
    group = str(row.get("packing_group") or "").strip().upper() or None
    if group not in (None, "I", "II", "III"):
        raise Invalid("bad_value", f"packing_group {group!r}")
    subsidiary = [c for c in re.split(r"[;, ]+", str(row.get("subsidiary_classes") or "")) if c]
    for c in subsidiary:
        imdg_class(c)
    quantity = row.get("quantity_kg")
    try:
        kg = float(quantity) if quantity not in (None, "") else None
    except (TypeError, ValueError) as err:
        raise Invalid("bad_value", f"quantity_kg {quantity!r}") from err
    if kg is not None and kg < 0:
        raise Invalid("bad_value", f"quantity_kg {kg} is negative")
    ident = str(row.get("declaration_id") or "").strip()
    if not ident:
        raise Invalid("missing_field", "declaration_id")
    return {"declaration_id": ident, "subject_kind": kind, "subject_id": subject,
            "un_number": un_number(row.get("un_number")), "imdg_class": imdg_class(row.get("imdg_class")),
            "subsidiary_classes": subsidiary, "packing_group": group,
            "proper_shipping_name": str(row.get("proper_shipping_name") or "").strip() or None, "quantity_kg": kg,
            "marine_pollutant": str(row.get("marine_pollutant") or "").strip().lower() in ("1", "true", "yes", "y"),
            "declared_at": _time(row.get("declared_at")), "declarant": str(row.get("declarant") or "").strip()
            or None, "source": source}


def gate_transaction(row: dict[str, Any], port_id: str, gates: set[str], source: str) -> dict[str, Any]:
    gate = str(row.get("gate_id") or "").strip()
    if gate not in gates:
        raise Invalid("unknown_gate", f"{gate!r} is not a gate of port {port_id}")
    direction = str(row.get("direction") or "").strip().lower()
    if direction not in ("in", "out"):
        raise Invalid("bad_value", f"direction {direction!r} is not in or out")
    plate = str(row.get("truck_plate") or "").strip()
    if not PLATE.match(plate):
        raise Invalid("bad_plate", f"{plate!r} is not a truck plate")
    box = str(row.get("container_no") or "").strip()
    ident = str(row.get("transaction_id") or "").strip()
    if not ident:
        raise Invalid("missing_field", "transaction_id")
    return {"transaction_id": ident, "port_id": port_id, "gate_id": gate, "direction": direction,
            "truck_plate": plate, "container_no": container_number(box) if box else None,
            "passed_at": _time(row.get("passed_at")), "declared_un": un_number(row.get("declared_un"), required=False),
            "declared_class": imdg_class(row.get("declared_class"), required=False),
            "observed_un": un_number(row.get("observed_un"), required=False),
            "observed_class": imdg_class(row.get("observed_class"), required=False), "source": source,
            "raw": Jsonb({k: v for k, v in row.items() if k is not None})}


def import_file(conn: psycopg.Connection[Any], path: Path, port_id: str, what: str,
                data: bytes | None = None) -> ImportReport:
    """what: 'declarations' or 'gate'. Good rows are stored; each bad one is counted and kept with its reason.
    `data`: the file's bytes, if the caller has read them already. A file that cannot be read at all raises
    Invalid (the drop folder moves it to failed/)."""
    feed = "hazmat" if what == "declarations" else "gate"      # one feed whatever the file; rows keep their file
    source = f"{feed}:{path.name}"
    report = ImportReport()
    rejects: list[tuple[str, str, str, str]] = []
    records = read_records(path, data)
    with conn.transaction():
        gates = {r[0] for r in query(conn, "gate_exists", {"port_id": port_id})}
        bar = Progress(len(records), path.name)
        for n, record in enumerate(records, start=1):
            report.rows += 1
            if n % 200 == 0:
                bar.update(n)
            if record.fields is None:
                assert record.refused is not None
                report.rejects[record.refused.reason] += 1
                rejects.append((feed, record.refused.reason, f"{path.name} record {record.line_no}: "
                                f"{record.refused.detail}", record.raw))
                continue
            row = record.fields
            try:
                params = declaration(row, source) if what == "declarations" else gate_transaction(
                    row, port_id, gates, source)
                with conn.transaction():         # a savepoint: a row the database refuses is only that row
                    query(conn, "hazmat_declaration_merge" if what == "declarations" else "gate_transaction_merge",
                          params)
                report.stored += 1
            except Invalid as bad:
                report.rejects[bad.args[0]] += 1
                rejects.append((feed, bad.args[0], f"{path.name} row {n}: {bad.args[1]}",
                                json.dumps(row, default=str)[:2000]))
            except (psycopg.errors.DataError, psycopg.errors.IntegrityError) as err:
                report.rejects["refused_by_database"] += 1
                rejects.append((feed, "refused_by_database", f"{path.name} row {n}: {str(err).strip()[:120]}",
                                json.dumps(row, default=str)[:2000]))
        record_batch(conn, feed, "hazmat" if what == "declarations" else "gate", stored=report.stored,
                     reasons=report.rejects, rejects=rejects)
        bar.done()
    return report
