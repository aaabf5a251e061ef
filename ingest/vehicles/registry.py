"""The vehicle registry, a dropped `*.vehicles.csv`: terminal_phone (the JT/T 808 terminal's number), plate, kind
(container_truck, tractor, reach_stacker, …) and an optional owner. A bad row is refused with its reason, the others
are stored; a phone listed again replaces its earlier row."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import psycopg

from ingest.ops.rows import FeedReport, Invalid, read_records, store_rows, text
from ingest.vehicles.jt808 import canonical_phone

KINDS = ("container_truck", "tractor", "reach_stacker", "straddle_carrier", "forklift", "patrol_car", "fire_engine",
         "ambulance", "service_vehicle")
PHONE = re.compile(r"^[0-9]{1,20}$")


def parse_row(row: dict[str, Any]) -> dict[str, Any]:
    phone = re.sub(r"[\s-]", "", str(row.get("terminal_phone") or row.get("phone") or ""))
    if not PHONE.match(phone):
        raise Invalid("bad_terminal_phone")
    plate = text(row, "plate")
    if plate is None or len(plate) > 16:
        raise Invalid("bad_plate")
    kind = (text(row, "kind") or "").lower().replace(" ", "_")
    if kind not in KINDS:
        raise Invalid("unknown_kind")
    owner = text(row, "owner")
    if owner is not None and len(owner) > 120:
        raise Invalid("bad_owner")
    return {"terminal_phone": canonical_phone(phone), "plate": plate, "kind": kind, "owner": owner}


def import_file(conn: psycopg.Connection[Any], path: Path, port_id: str, data: bytes | None = None) -> FeedReport:
    return store_rows(conn, path, read_records(path, "vehicles", data), parse_row, "vehicle_upsert", port_id,
                      "vehicles")
