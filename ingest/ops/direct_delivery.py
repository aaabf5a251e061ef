"""The direct delivery plan (直提 direct pickup / 直装 direct loading): CSV or JSON rows of plan_id, container_no,
direction, voyage, berth_id, gate_id, truck_plate, planned_at (ISO 8601 with a UTC offset) and max_minutes.

direction is `discharge` (also `pickup`, `import`, 直提: ship -> truck -> gate) or `load` (also `loading`,
`export`, 直装: gate -> truck -> ship). The container number must pass its ISO 6346 check digit. A bad row is
rejected with its reason and the rest are stored; a re-sent plan (same plan_id) replaces the earlier one. Where
each container stands is not in the plan: the map derives it from the moves and gate passes (ops_direct_delivery).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg

from ingest.ops.rows import FeedReport, Invalid, parse_int, parse_time, read_records, store_rows, text
from ingest.yard.iso6346 import Invalid as BadNumber
from ingest.yard.iso6346 import container_number
from sql import query

DIRECTIONS = {"discharge": "discharge", "pickup": "discharge", "import": "discharge", "直提": "discharge",
              "load": "load", "loading": "load", "export": "load", "直装": "load"}


def parse_row(row: dict[str, Any], berths: set[str], gates: set[str]) -> dict[str, Any]:
    try:
        number = container_number(str(row.get("container_no") or ""))
    except BadNumber as err:
        raise Invalid(err.args[0]) from err
    direction = DIRECTIONS.get(str(row.get("direction") or "").strip().lower())
    if direction is None:
        raise Invalid("bad_direction")
    berth, gate = text(row, "berth_id"), text(row, "gate_id")
    if berth is not None and berth not in berths:
        raise Invalid("unknown_berth")
    if gate is not None and gate not in gates:
        raise Invalid("unknown_gate")
    planned = parse_time(row.get("planned_at"), "planned_at")
    voyage = text(row, "voyage")
    return {"plan_id": text(row, "plan_id") or f"{number}:{direction}:{voyage or planned.isoformat()}",
            "container_no": number, "direction": direction, "voyage": voyage, "berth_id": berth, "gate_id": gate,
            "truck_plate": text(row, "truck_plate"), "planned_at": planned,
            "max_minutes": parse_int(row.get("max_minutes"), "max_minutes", 1, 1440)}


def import_file(conn: psycopg.Connection[Any], path: Path, port_id: str, data: bytes | None = None) -> FeedReport:
    berths = {r[0] for r in conn.execute("SELECT berth_id FROM berth WHERE port_id = %s", (port_id,)).fetchall()}
    gates = {r[0] for r in query(conn, "gate_exists", {"port_id": port_id})}
    return store_rows(conn, path, read_records(path, "containers", data), lambda row: parse_row(row, berths, gates),
                      "direct_delivery_upsert", port_id, "direct")
