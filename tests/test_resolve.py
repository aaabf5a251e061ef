"""Resolve follows the permission matrix as suppress does (issue 24, point 5): a critical alert is resolved by a
supervisor, and an alert with an open hazmat case only through its case, whoever asks."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from sql import alerts
from tests.conftest import role_url

pytestmark = pytest.mark.db
OFFICER = alerts.Actor("wang.fang", "officer", "port")
CUSTOMS = alerts.Actor("li.wei", "officer", "customs")
SUPERVISOR = alerts.Actor("zhao.min", "supervisor", "port")


def _alert(admin: psycopg.Connection[Any], severity: str, key: str) -> int:
    return int(admin.execute(
        "INSERT INTO alert (port_id, rule, severity, subject_kind, subject_id, dedup_key, evidence_at, title_en, "
        "title_zh) VALUES ('weifang', 'test', %s, 'vessel', %s, %s, now(), 't', 't') RETURNING alert_id",
        (severity, key, key)).fetchone()[0])  # type: ignore[index]


def test_an_officer_cannot_resolve_a_critical_alert_and_a_supervisor_can(weifang_db: str) -> None:
    with psycopg.connect(weifang_db, autocommit=True) as admin:
        critical, warning = _alert(admin, "critical", "c-1"), _alert(admin, "warning", "w-1")
    with psycopg.connect(role_url(weifang_db, "app"), autocommit=True) as conn:
        with pytest.raises(alerts.ActionRefused, match="may not resolve a critical alert"):
            alerts.resolve(conn, critical, OFFICER, "looks fine to me")
        alerts.resolve(conn, warning, OFFICER, "checked")           # a warning is an officer's to resolve
        alerts.resolve(conn, critical, SUPERVISOR, "fire brigade confirms it is out")
        trail = conn.execute("SELECT alert_id, actor, action FROM alert_action ORDER BY action_id").fetchall()
    assert trail == [(warning, "wang.fang", "resolve"), (critical, "zhao.min", "resolve")]
    assert alerts.allowed(OFFICER, "resolve", severity="critical") is False
    assert alerts.allowed(SUPERVISOR, "resolve", severity="critical") is True


def test_an_alert_with_an_open_hazmat_case_resolves_only_through_its_case(weifang_db: str) -> None:
    with psycopg.connect(weifang_db, autocommit=True) as admin:
        alert_id = _alert(admin, "warning", "gate-1")
        case_id = admin.execute("INSERT INTO hazmat_case (alert_id, port_id, subject_kind, subject_id) VALUES "
                                "(%s, 'weifang', 'gate_transaction', 'T-1') RETURNING case_id",
                                (alert_id,)).fetchone()[0]  # type: ignore[index]
        for no, (step, agency) in enumerate((("gate_warning", "port"), ("port_verification", "port"),
                                             ("customs_check", "customs"), ("disposal", "port")), start=1):
            admin.execute("INSERT INTO hazmat_case_step (case_id, step_no, step, agency) VALUES (%s, %s, %s, %s)",
                          (case_id, no, step, agency))
    with psycopg.connect(role_url(weifang_db, "app"), autocommit=True) as conn:
        for who in (OFFICER, SUPERVISOR):
            with pytest.raises(alerts.ActionRefused, match=f"open hazmat case {case_id}"):
                alerts.resolve(conn, alert_id, who, "not past customs")
        alerts.complete_step(conn, case_id, "gate_warning", OFFICER, "truck held")
        alerts.complete_step(conn, case_id, "port_verification", OFFICER, "placard checked")
        with pytest.raises(alerts.ActionRefused, match="open hazmat case"):
            alerts.resolve(conn, alert_id, SUPERVISOR, "skip the customs check")
        alerts.complete_step(conn, case_id, "customs_check", CUSTOMS, "mis-declared")
        assert alerts.complete_step(conn, case_id, "disposal", OFFICER, "returned to shipper") is True
        state = conn.execute("SELECT state FROM alert WHERE alert_id = %s", (alert_id,)).fetchone()
        last = conn.execute("SELECT actor, action FROM alert_action WHERE alert_id = %s ORDER BY action_id DESC "
                            "LIMIT 1", (alert_id,)).fetchone()
    assert state == ("resolved",) and last == ("wang.fang", "resolve")
