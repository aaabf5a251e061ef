"""What officers do with alerts and cases: acknowledge, suppress, resolve, note, complete a case step.

Each action is one transaction that changes the alert, appends to the alert's audit trail (`alert_action`,
which refuses updates and deletes) and announces the change with NOTIFY on `portmap_alerts`: the SECURITY
DEFINER functions officer_act and case_step_complete (migration 035) do it, so the app's database role needs no
write on those tables; who may act is decided by `allowed` (portdomain/roles.py, the matrix). Both the app
and the tests use these; the rule engine (ingest/alerts) acts as 'engine'.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from portdomain.roles import MIN_ROLE, RESTRICTED_COLUMNS, ROLES, allowed, redact
from sql.db import query

# the matrix and the column rules live in portdomain.roles
__all__ = ["CHANNEL", "MIN_ROLE", "RESTRICTED_COLUMNS", "ROLES", "ActionRefused", "Actor", "allowed", "redact"]

CHANNEL = "portmap_alerts"


def _require(actor: Actor, action: str, **context: Any) -> None:
    if not allowed(actor, action, **context):
        raise ActionRefused(f"{actor.username} ({actor.role}, {actor.agency}) may not {action.replace('_', ' ')}"
                            + (" a critical alert" if context.get("severity") == "critical" else ""))


class ActionRefused(Exception):
    """The action does not apply (unknown alert, wrong state, another agency's step, steps out of order)."""


@dataclass(frozen=True)
class Actor:
    username: str
    role: str
    agency: str


def _act(conn: psycopg.Connection[Any], alert_id: int, actor: Actor, action: str, note: str | None,
         minutes: float | None = None) -> tuple[str, datetime | None]:
    """officer_act (migration 035): the state change, its trail line and the NOTIFY, as the schema's owner;
    the database's refusal (wrong state, no such alert) becomes ActionRefused. Returns (severity, woke_at)."""
    try:
        with conn.transaction():
            rows = query(conn, "officer_act", {"alert_id": alert_id, "actor": actor.username, "role": actor.role,
                                               "agency": actor.agency, "action": action, "note": note,
                                               "minutes": minutes})
    except psycopg.errors.RaiseException as err:
        raise ActionRefused(err.diag.message_primary or str(err)) from err
    return rows[0][0], rows[0][1]


def _severity(conn: psycopg.Connection[Any], alert_id: int) -> str:
    rows = query(conn, "alert_severity", {"alert_id": alert_id})
    if not rows:
        raise ActionRefused(f"alert {alert_id} does not exist")
    return str(rows[0][0])


def acknowledge(conn: psycopg.Connection[Any], alert_id: int, actor: Actor, note: str | None = None) -> None:
    _require(actor, "acknowledge")
    _act(conn, alert_id, actor, "acknowledge", note)


def suppress(conn: psycopg.Connection[Any], alert_id: int, actor: Actor, minutes: float, note: str) -> datetime:
    """Quiet an alert until its evidence time plus `minutes`; returns when it wakes."""
    if minutes <= 0:
        raise ActionRefused("a suppression needs a positive duration")
    _require(actor, "suppress", severity=_severity(conn, alert_id))
    _, until = _act(conn, alert_id, actor, "suppress", note, minutes)
    assert until is not None
    return until


def resolve(conn: psycopg.Connection[Any], alert_id: int, actor: Actor, note: str) -> None:
    if not note.strip():
        raise ActionRefused("resolving an alert needs a note")
    _require(actor, "resolve", severity=_severity(conn, alert_id))
    _act(conn, alert_id, actor, "resolve", note)


def add_note(conn: psycopg.Connection[Any], alert_id: int, actor: Actor, note: str) -> None:
    _require(actor, "note")
    _act(conn, alert_id, actor, "note", note)


def complete_step(conn: psycopg.Connection[Any], case_id: int, step: str, actor: Actor, outcome: str,
                  note: str | None = None) -> bool:
    """Mark a case step done by its own agency, in order; the last step closes the case and resolves its
    alert (case_step_complete, migration 035). Returns True when the case is closed."""
    _require(actor, "complete_step")
    try:
        with conn.transaction():
            rows = query(conn, "case_step_complete", {"case_id": case_id, "step": step, "actor": actor.username,
                                                      "role": actor.role, "agency": actor.agency,
                                                      "outcome": outcome, "note": note})
    except psycopg.errors.RaiseException as err:
        raise ActionRefused(err.diag.message_primary or str(err)) from err
    return bool(rows[0][0])
