"""The multi-agency hazmat case a gate interception opens: four steps, each owned by an agency, each with a
time limit (port.toml [rules.gate_case]), and the evidence gathered when it opens."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from sql import query

# (step, owning agency, the port.toml key of its time limit in minutes)
STEPS = (("gate_warning", "port", "gate_warning_min"), ("port_verification", "port", "port_verification_min"),
         ("customs_check", "customs", "customs_check_min"), ("disposal", "port", "disposal_min"))


def open_case(conn: psycopg.Connection[Any], alert_id: int, port_id: str, details: dict[str, Any],
              conf: dict[str, Any], opened_at: datetime) -> int:
    evidence = query(conn, "case_evidence", {"port_id": port_id, "at": opened_at, "gate_id": details.get("gate_id"),
                                             "container_no": details.get("container_no")})[0]
    case_details = {**details, "evidence": {"camera_events": evidence[0], "container": evidence[1],
                                            "declarations": evidence[2]}}
    case_id = int(query(conn, "case_open", {"alert_id": alert_id, "port_id": port_id,
                                            "subject_kind": "gate_transaction",
                                            "subject_id": details["transaction_id"],
                                            "details": Jsonb(case_details)})[0][0])
    due = opened_at
    for step_no, (step, agency, limit_key) in enumerate(STEPS, start=1):
        due = due + timedelta(minutes=float(conf.get(limit_key, 60)))
        query(conn, "case_step_insert", {"case_id": case_id, "step_no": step_no, "step": step, "agency": agency,
                                         "due_at": due})
    return case_id
