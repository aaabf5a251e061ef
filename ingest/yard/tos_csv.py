"""TOS CSV snapshots: validate each row (ISO 6346, slot in the port's yard), then reconcile the yard.

Columns: container_no, iso_type, full_empty (F/E), gross_kg, block, bay, row, tier, vessel_voyage,
arrived_at (ISO 8601), customs_status (pending/released/hold/inspection), un_number, imdg_class.
A container absent from a snapshot is marked departed, never deleted; importing the same snapshot
again changes nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from ingest.feeds import record_batch
from ingest.hazmat.declarations import imdg_class, un_number
from ingest.limits import csv_rows
from ingest.progress import Progress
from ingest.yard.iso6346 import Invalid, container_number, size_type
from sql import query, query_text

COLUMNS = ("container_no", "iso_type", "full_empty", "gross_kg", "block", "bay", "row", "tier", "vessel_voyage",
           "arrived_at", "customs_status", "un_number", "imdg_class")
CUSTOMS = frozenset({"pending", "released", "hold", "inspection"})
STAGE_TYPES = ["text", "text", "text", "int4", "text", "int2", "int2", "int2", "text", "timestamptz", "text"]


@dataclass
class SnapshotReport:
    rows: int = 0
    loaded: int = 0
    changed: int = 0
    departed: int = 0
    rejects: Counter[str] = field(default_factory=Counter)


def _int(value: str, name: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError as err:
        raise Invalid("bad_value", f"{name} {value!r} is not a whole number") from err
    if not low <= number <= high:
        raise Invalid("bad_slot" if name in ("bay", "row", "tier") else "bad_value",
                      f"{name} {number} is outside {low}..{high}")
    return number


def validate_row(row: dict[str, str], blocks: dict[str, tuple[int, int, int]]) -> tuple[Any, ...]:
    """One CSV row to a staging tuple, or Invalid with the reason."""
    number = container_number(row.get("container_no") or "")
    iso = size_type(row.get("iso_type") or "")
    block = (row.get("block") or "").strip()
    if block not in blocks:
        raise Invalid("bad_slot", f"block {block!r} is not in this port's yard")
    bays, rows, tiers = blocks[block]
    bay, row_no, tier = (_int(row.get("bay") or "", "bay", 1, bays), _int(row.get("row") or "", "row", 1, rows),
                         _int(row.get("tier") or "", "tier", 1, tiers))
    full_empty = (row.get("full_empty") or "").strip().upper()
    if full_empty not in ("F", "E"):
        raise Invalid("bad_value", f"full_empty {full_empty!r} is not F or E")
    customs = (row.get("customs_status") or "pending").strip().lower()
    if customs not in CUSTOMS:
        raise Invalid("bad_value", f"customs_status {customs!r}")
    try:
        arrived = datetime.fromisoformat(row["arrived_at"]) if row.get("arrived_at") else None
    except ValueError as err:
        raise Invalid("bad_value", f"arrived_at {row.get('arrived_at')!r} is not ISO 8601") from err
    if arrived is not None and arrived.tzinfo is None:
        arrived = arrived.replace(tzinfo=UTC)
    gross = _int(row["gross_kg"], "gross_kg", 0, 60_000) if row.get("gross_kg") else None
    if (row.get("un_number") or "").strip() or (row.get("imdg_class") or "").strip():
        un_number(row.get("un_number"))              # both or neither, and both valid
        imdg_class(row.get("imdg_class"))
    return (number, iso, full_empty, gross, block, bay, row_no, tier, (row.get("vessel_voyage") or None),
            arrived, customs)


def import_snapshot(conn: psycopg.Connection[Any], path: Path, port_id: str, *, source: str = "tos_csv",
                    snapshot_at: datetime | None = None, progress: bool = False,
                    data: bytes | None = None) -> SnapshotReport:
    """`data`: the file's bytes if the caller has read them already (the drop folder reads without following
    links). A record that is truncated, has a field over the limit, invalid UTF-8 or control bytes is refused
    alone (limits.csv_rows); a file whose header is unreadable raises limits.InputRefused."""
    snapshot_at = snapshot_at or datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    blocks = {r[0]: (r[1], r[2], r[3]) for r in query(conn, "yard_blocks_of_port", {"port_id": port_id})}
    report = SnapshotReport()
    good: dict[str, tuple[Any, ...]] = {}
    dangerous: list[dict[str, Any]] = []
    rejects: list[tuple[str, str, str, str]] = []
    data = path.read_bytes() if data is None else data
    bar = Progress(data.count(b"\n") - 1 if progress else 0, path.name)
    bar.on = bar.on and progress
    for record in csv_rows(data):
        report.rows += 1
        line_no = record.line_no
        if record.fields is None:
            assert record.refused is not None
            report.rejects[record.refused.reason] += 1
            rejects.append((source, record.refused.reason, f"line {line_no}: {record.refused.detail}", record.raw))
            continue
        row = record.fields
        try:
            staged = validate_row(row, blocks)
            if staged[0] in good:
                raise Invalid("duplicate_container", f"{staged[0]} appears twice in the snapshot")
            good[staged[0]] = staged
            if (row.get("un_number") or "").strip():
                un = un_number(row.get("un_number"))
                dangerous.append({
                    "declaration_id": f"{source}:{staged[0]}:{un}", "subject_kind": "container",
                    "subject_id": staged[0], "un_number": un, "imdg_class": imdg_class(row.get("imdg_class")),
                    "subsidiary_classes": [], "packing_group": None, "proper_shipping_name": None,
                    "quantity_kg": None, "marine_pollutant": False, "declared_at": snapshot_at, "declarant": None,
                    "source": source})
        except Invalid as bad:
            report.rejects[bad.args[0]] += 1
            rejects.append((source, bad.args[0], f"line {line_no}: {bad.args[1]}", record.raw))
        if report.rows % 500 == 0:
            bar.update(report.rows)
    with conn.transaction():     # (a savepoint if the caller has a transaction open: staging is emptied first)
        conn.execute(query_text("yard_stage"))
        with conn.cursor() as cur, cur.copy("COPY stg_container FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(STAGE_TYPES)
            for staged in good.values():
                copy.write_row(staged)
        report.changed, report.departed = query(conn, "yard_snapshot_merge",
                                                {"port_id": port_id, "snapshot_at": snapshot_at})[0]
        with conn.cursor() as cur:
            if dangerous:       # the TOS's dangerous-goods columns, as declarations of the container
                cur.executemany(query_text("hazmat_declaration_merge"), dangerous)
        record_batch(conn, source, "yard", stored=len(good), reasons=report.rejects, rejects=rejects,
                     last_message_at=snapshot_at)
    report.loaded = len(good)
    bar.done()
    return report

