"""Least privilege in the database (issue 24, point 1): passwords on the private cluster, a role per process
family that is no superuser and cannot switch triggers off, audit tables written only through functions, and the
real processes working under their roles."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from sql import alerts as alert_actions
from sql.db import ROLE_USERS, passfile
from tests.conftest import ROOT, role_env, role_url

pytestmark = pytest.mark.db
PROCESS_ROLES = [r for r in ROLE_USERS if r != "admin"]
AIS_FIXTURE = ROOT / "tests" / "fixtures" / "ais" / "ais-nmea-pyais"


def _no_password(url: str, user: str) -> str:
    params = conninfo_to_dict(url)
    params.pop("passfile", None)
    params.update(user=user, passfile="/dev/null")
    return make_conninfo(**params)


@pytest.mark.parametrize("user", ["postgres", "portmap_app"])
def test_a_login_without_its_password_is_refused(db_url: str, user: str) -> None:
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(_no_password(db_url, user), connect_timeout=5).close()
    wrong = conninfo_to_dict(_no_password(db_url, user))
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(make_conninfo(**wrong, password="not-the-password"), connect_timeout=5).close()


def test_the_passwords_are_generated_and_kept_for_root_alone() -> None:
    path = passfile()
    assert path.stat().st_mode & 0o777 == 0o600 and path.stat().st_uid == 0
    assert path.parent.stat().st_mode & 0o777 == 0o700
    lines = dict(line.split(":")[3:5] for line in path.read_text().splitlines() if line)
    assert set(lines) == set(ROLE_USERS.values())
    assert len(set(lines.values())) == len(lines) and all(len(pw) >= 32 for pw in lines.values())


@pytest.mark.parametrize("role", PROCESS_ROLES)
def test_no_process_role_is_superuser_or_can_switch_triggers_off(db_url: str, role: str) -> None:
    with psycopg.connect(role_url(db_url, role), autocommit=True) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (ROLE_USERS[role],)
        flags = conn.execute("SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls "
                             "FROM pg_roles WHERE rolname = current_user").fetchone()
        assert flags == (False, False, False, False, False)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SET session_replication_role = replica")
        for table in ("audit_log", "alert_action"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"UPDATE {table} SET actor = 'someone else'")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"DELETE FROM {table}")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE TABLE sneaky (x int)")


def test_the_app_cannot_edit_the_audit_trail_only_append_through_functions(db_url: str) -> None:
    with psycopg.connect(role_url(db_url, "app"), autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE audit_log SET detail = '{}'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO audit_log (actor, action) VALUES ('forged', 'login')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO alert_action (alert_id, actor, action) VALUES (1, 'forged', 'resolve')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE alert SET state = 'resolved'")
        audit_id = conn.execute("SELECT audit_append('duty', 'officer', 'port', 'test', NULL, NULL, '{}', NULL)"
                                ).fetchone()
        assert audit_id is not None and audit_id[0] > 0
    with psycopg.connect(role_url(db_url, "read"), autocommit=True) as conn:
        for table in ("audit_log", "app_user", "user_session", "access_token"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"SELECT count(*) FROM {table}")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT audit_append('x', NULL, NULL, 'forged', NULL, NULL, '{}', NULL)")
        assert conn.execute("SELECT count(*) FROM zone").fetchone()[0] > 0    # type: ignore[index]


PERSONAL = ("person", "person_position", "person_latest")


def test_every_table_has_a_writer_and_the_secret_ones_one_reader(db_url: str) -> None:
    """The completeness check of sql/grants.sql: a table a migration adds without a line there fails here."""
    with psycopg.connect(db_url) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
            "AND c.relname NOT IN ('schema_migration', 'spatial_ref_sys')")]
        users = [ROLE_USERS[r] for r in PROCESS_ROLES]
        for table in tables:
            writers = [u for u in users if conn.execute("SELECT has_table_privilege(%s, %s, 'INSERT')",
                                                        (u, table)).fetchone() == (True,)]
            readers = [u for u in users if conn.execute("SELECT has_table_privilege(%s, %s, 'SELECT')",
                                                        (u, table)).fetchone() == (True,)]
            owner = conn.execute("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = %s",
                                 (table,)).fetchone()
            assert owner == ("portmap_owner",), table
            if table in ("audit_log", "alert_action"):
                assert writers == [], f"{table} is written only through SECURITY DEFINER functions"
            else:
                assert writers, f"{table}: no process role may write it (add it to sql/grants.sql)"
            if table in ("audit_log", "app_user", "user_session", "access_token", "login_throttle"):
                assert readers == ["portmap_app"], table
            elif table in PERSONAL:     # people's positions: the app, the alert engine and the table's writer
                assert set(readers) == {"portmap_app", "portmap_alerts", *writers}, table
                assert len(writers) == 1, table
            else:
                assert set(readers) == set(users), table


def test_officer_actions_go_through_the_functions_as_the_app_role(weifang_db: str) -> None:
    with psycopg.connect(weifang_db, autocommit=True) as admin:
        alert_id = admin.execute(
            "INSERT INTO alert (port_id, rule, severity, subject_kind, subject_id, dedup_key, evidence_at, "
            "title_en, title_zh) VALUES ('weifang', 'speeding', 'warning', 'vessel', '1', 'speeding:1', now(), "
            "'t', 't') RETURNING alert_id").fetchone()[0]  # type: ignore[index]
    officer = alert_actions.Actor("duty", "officer", "port")
    with psycopg.connect(role_url(weifang_db, "app"), autocommit=True) as conn:
        alert_actions.acknowledge(conn, alert_id, officer, "seen")
        with pytest.raises(alert_actions.ActionRefused, match="only an open alert"):
            alert_actions.acknowledge(conn, alert_id, officer)
        until = alert_actions.suppress(conn, alert_id, officer, 30, "patrol on it")
        alert_actions.resolve(conn, alert_id, officer, "patrol reports all clear")
        trail = conn.execute("SELECT actor, action, note FROM alert_action WHERE alert_id = %s ORDER BY action_id",
                             (alert_id,)).fetchall()
        state = conn.execute("SELECT state FROM alert WHERE alert_id = %s", (alert_id,)).fetchone()
    assert [t[1] for t in trail] == ["acknowledge", "suppress", "resolve"]
    assert trail[1][2] == f"until {until.isoformat()}: patrol on it"
    assert state == ("resolved",)


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)


def test_the_real_processes_work_under_their_own_roles(databases: Any, tmp_path: Path) -> None:
    """As make demo runs them (no DATABASE_URL): the port loader, an AIS file replay, the alert engine, the
    users CLI and a report, each logged in as its role, which the database sees."""
    url = databases.create()
    env = role_env(url)
    done = _run(env, "-m", "ingest", "port", "assets/ports/weifang")
    assert done.returncode == 0, done.stderr
    done = _run(env, "-m", "ingest", "ais", "--file", str(AIS_FIXTURE / "gatehouse.nmea"), "--no-journal",
                "--spool", str(tmp_path / "spool"))
    assert done.returncode == 0, done.stderr
    done = _run(env, "-m", "ingest", "alerts", "--port-id", "weifang", "--once")
    assert done.returncode == 0, done.stderr
    done = _run(env, "-m", "app.users", "add", "duty2", "--role", "officer", "--agency", "port")
    assert done.returncode == 0 and "added duty2" in done.stdout, done.stderr
    done = _run(env, "-m", "app.report", "--out", str(tmp_path / "r.html"), "--hours", "1")
    assert done.returncode == 0, done.stderr
    with psycopg.connect(url) as conn:
        sources = conn.execute("SELECT count(*) FROM feed_status WHERE source LIKE 'ais:%'").fetchone()
        owners = conn.execute("SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class c "
                              "WHERE c.relname LIKE 'vessel_position_%'").fetchall()
        vessels = conn.execute("SELECT count(*) FROM vessel_latest").fetchone()
    assert sources == (1,) and vessels is not None and vessels[0] > 0
    assert owners == [("portmap_owner",)]      # day partitions made through the definer function
