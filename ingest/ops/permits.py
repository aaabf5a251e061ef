"""Permits, a dropped `*.permits.csv|json`: permit_id, subject_kind (vehicle: subject_id is its plate; person: its
tracker's device id), zone_id (a zone of the port), valid_from, valid_to (ISO 8601 with an offset). A bad row is
refused with its reason, the others stored; a permit sent again replaces the earlier one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg

from ingest.ops.rows import FeedReport, Invalid, parse_time, read_records, store_rows, text


def parse_row(row: dict[str, Any], zones: set[str]) -> dict[str, Any]:
    permit_id, subject = text(row, "permit_id"), text(row, "subject_id")
    if permit_id is None or len(permit_id) > 64:
        raise Invalid("bad_permit_id")
    kind = (text(row, "subject_kind") or "").lower()
    if kind not in ("vehicle", "person"):
        raise Invalid("bad_subject_kind")
    if subject is None or len(subject) > 64:
        raise Invalid("bad_subject_id")
    zone = text(row, "zone_id")
    if zone not in zones:
        raise Invalid("unknown_zone")
    start, end = parse_time(row.get("valid_from"), "valid_from"), parse_time(row.get("valid_to"), "valid_to")
    if end <= start:
        raise Invalid("ends_before_it_starts")
    return {"permit_id": permit_id, "subject_kind": kind, "subject_id": subject, "zone_id": zone,
            "valid_from": start, "valid_to": end}


def import_file(conn: psycopg.Connection[Any], path: Path, port_id: str, data: bytes | None = None) -> FeedReport:
    zones = {r[0] for r in conn.execute("SELECT zone_id FROM zone WHERE port_id = %s", (port_id,)).fetchall()}
    return store_rows(conn, path, read_records(path, "permits", data), lambda row: parse_row(row, zones),
                      "permit_upsert", port_id, "permits")
