"""What officers do with alerts and cases: acknowledge, suppress, resolve, note, complete a case step.

Each action is one transaction that changes the alert, appends to the alert's audit trail (`alert_action`,
which refuses updates and deletes) and announces the change with NOTIFY on `portmap_alerts`. Both the app
and the tests use these; the rule engine (ingest/alerts) acts as 'engine'.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg

from portdomain.roles import MIN_ROLE, ROLES, allowed
from sql.db import query

__all__ = ["CHANNEL", "MIN_ROLE", "ROLES", "ActionRefused", "Actor", "allowed"]   # the matrix: portdomain.roles

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


def _audit(conn: psycopg.Connection[Any], alert_id: int, actor: Actor, action: str, note: str | None) -> None:
    query(conn, "alert_action_insert", {"alert_id": alert_id, "actor": actor.username, "role": actor.role,
                                        "agency": actor.agency, "action": action, "note": note})
    query(conn, "alert_notify", {"payload": json.dumps({"alert_id": alert_id, "action": action})})


def _alert(conn: psycopg.Connection[Any], alert_id: int) -> tuple[str, datetime, str]:
    rows = query(conn, "alert_state_for_update", {"alert_id": alert_id})
    if not rows:
        raise ActionRefused(f"alert {alert_id} does not exist")
    return rows[0][0], rows[0][1], rows[0][2]


def acknowledge(conn: psycopg.Connection[Any], alert_id: int, actor: Actor, note: str | None = None) -> None:
    _require(actor, "acknowledge")
    with conn.transaction():
        state, _, _ = _alert(conn, alert_id)
        if state != "open":
            raise ActionRefused(f"alert {alert_id} is {state}: only an open alert is acknowledged")
        query(conn, "alert_set_state", {"alert_id": alert_id, "state": "acknowledged", "until": None})
        _audit(conn, alert_id, actor, "acknowledge", note)


def suppress(conn: psycopg.Connection[Any], alert_id: int, actor: Actor, minutes: float, note: str) -> datetime:
    """Quiet an alert until its evidence time plus `minutes`; returns when it wakes."""
    if minutes <= 0:
        raise ActionRefused("a suppression needs a positive duration")
    with conn.transaction():
        state, evidence_at, severity = _alert(conn, alert_id)
        _require(actor, "suppress", severity=severity)
        if state == "resolved":
            raise ActionRefused(f"alert {alert_id} is resolved")
        until = evidence_at + timedelta(minutes=minutes)
        query(conn, "alert_set_state", {"alert_id": alert_id, "state": "suppressed", "until": until})
        _audit(conn, alert_id, actor, "suppress", f"until {until.isoformat()}: {note}")
    return until


def resolve(conn: psycopg.Connection[Any], alert_id: int, actor: Actor, note: str) -> None:
    if not note.strip():
        raise ActionRefused("resolving an alert needs a note")
    _require(actor, "resolve")
    with conn.transaction():
        state, _, _ = _alert(conn, alert_id)
        if state == "resolved":
            raise ActionRefused(f"alert {alert_id} is already resolved")
        query(conn, "alert_set_state", {"alert_id": alert_id, "state": "resolved", "until": None})
        _audit(conn, alert_id, actor, "resolve", note)


def add_note(conn: psycopg.Connection[Any], alert_id: int, actor: Actor, note: str) -> None:
    _require(actor, "note")
    with conn.transaction():
        _alert(conn, alert_id)
        _audit(conn, alert_id, actor, "note", note)


def complete_step(conn: psycopg.Connection[Any], case_id: int, step: str, actor: Actor, outcome: str,
                  note: str | None = None) -> bool:
    """Mark a case step done by its own agency, in order; the last step closes the case and resolves its
    alert. Returns True when the case is closed."""
    with conn.transaction():
        steps = query(conn, "case_steps_for_update", {"case_id": case_id})
        if not steps:
            raise ActionRefused(f"case {case_id} does not exist")
        todo = [s for s in steps if s[3] is None]
        if not todo or todo[0][1] != step:
            raise ActionRefused(f"case {case_id}: the next step is {todo[0][1] if todo else 'none'}, not {step}")
        if todo[0][2] != actor.agency:
            raise ActionRefused(f"case {case_id}: {step} belongs to {todo[0][2]}, not {actor.agency}")
        _require(actor, "complete_step", agency=todo[0][2])
        query(conn, "case_step_done", {"case_id": case_id, "step": step, "by": actor.username, "outcome": outcome,
                                       "note": note})
        alert_id = steps[0][4]
        if alert_id is not None:
            _audit(conn, alert_id, actor, "note", f"case {case_id}: {step} done: {outcome}")
        if len(todo) == 1:
            query(conn, "case_close", {"case_id": case_id})
            if alert_id is not None and _alert(conn, alert_id)[0] != "resolved":
                query(conn, "alert_set_state", {"alert_id": alert_id, "state": "resolved", "until": None})
                _audit(conn, alert_id, actor, "resolve", f"case {case_id} closed: {outcome}")
            return True
    return False
