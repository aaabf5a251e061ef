"""The people registry, a dropped `*.people.csv`: device_id (the phone tracker's id), name, team
(border_boarding, customs_inspection, port_patrol, msa). A bad row is refused with its reason, the others stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg

from ingest.ops.rows import FeedReport, Invalid, read_records, store_rows, text
from ingest.trackers.osmand import DEVICE

TEAMS = ("border_boarding", "customs_inspection", "port_patrol", "msa")


def parse_row(row: dict[str, Any]) -> dict[str, Any]:
    device = text(row, "device_id")
    if device is None or not DEVICE.match(device):
        raise Invalid("bad_device_id")
    name = text(row, "name")
    if name is None or len(name) > 80:
        raise Invalid("bad_name")
    team = (text(row, "team") or "").lower()
    if team not in TEAMS:
        raise Invalid("unknown_team")
    return {"device_id": device, "name": name, "team": team}


def import_file(conn: psycopg.Connection[Any], path: Path, port_id: str, data: bytes | None = None) -> FeedReport:
    return store_rows(conn, path, read_records(path, "people", data), parse_row, "person_upsert", port_id, "people")
