"""Migrations apply once, in order, with checksums; an edited one is refused; the schema holds its rules."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import psycopg
import pytest

from sql.migrate import MIGRATIONS_DIR, MigrationError, discover, migrate

pytestmark = pytest.mark.db


def test_migrations_apply_once_and_are_recorded(databases: Any) -> None:
    url = databases.create(migrated=False)
    with psycopg.connect(url) as conn:
        first = migrate(conn)
        second = migrate(conn)
        rows = conn.execute("SELECT version, name, length(checksum) FROM schema_migration ORDER BY 1").fetchall()
    on_disk = discover()
    assert first == [m.name for m in on_disk]
    assert second == []
    assert [(r[0], r[1]) for r in rows] == [(m.version, m.name) for m in on_disk]
    assert all(r[2] == 64 for r in rows)


def test_an_edited_applied_migration_is_refused(databases: Any, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, folder)
    url = databases.create(migrated=False)
    with psycopg.connect(url) as conn:
        migrate(conn, folder)
        edited = folder / "003_camera.sql"
        edited.write_text(edited.read_text() + "\n-- a harmless-looking edit\n")
        with pytest.raises(MigrationError, match=r"003_camera\.sql was edited after it was applied"):
            migrate(conn, folder)


def test_a_misnamed_migration_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "1_bad.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=r"named NNN_name\.sql"):
        discover(tmp_path)


def test_a_failing_migration_leaves_nothing_behind(databases: Any, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_ok.sql").write_text("CREATE TABLE ok_table (id int);")
    (folder / "002_broken.sql").write_text("CREATE TABLE half_done (id int);\nSELECT no_such_column FROM ok_table;")
    url = databases.create(migrated=False)
    with psycopg.connect(url) as conn:
        with pytest.raises(MigrationError, match=r"002_broken\.sql failed"):
            migrate(conn, folder)
        assert conn.execute("SELECT to_regclass('half_done')").fetchone() == (None,)
        assert conn.execute("SELECT version FROM schema_migration").fetchall() == [(1,)]


def test_positions_for_a_day_without_partition_are_kept_and_moved(conn: psycopg.Connection[Any]) -> None:
    conn.execute("""INSERT INTO vessel_position (mmsi, observed_at, received_at, source, msg_type, geom)
                    VALUES (412000001, '2001-02-03 04:05:06+00', now(), 'test', 1,
                            ST_SetSRID(ST_MakePoint(119.2, 37.2), 4326))""")
    assert conn.execute("SELECT count(*) FROM vessel_position_default").fetchone() == (1,)
    assert conn.execute("SELECT ensure_position_partition('2001-02-03')").fetchone() == (True,)
    assert conn.execute("SELECT ensure_position_partition('2001-02-03')").fetchone() == (False,)
    assert conn.execute("SELECT count(*) FROM vessel_position_default").fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM vessel_position_20010203").fetchone() == (1,)
    dropped = [r[0] for r in conn.execute("SELECT drop_position_partitions_older_than(30)")]
    assert "vessel_position_20010203" in dropped


def test_future_partitions_exist(conn: psycopg.Connection[Any]) -> None:
    count = conn.execute("""SELECT count(*) FROM generate_series(0, 7) AS d
                            WHERE to_regclass(format('vessel_position_%s',
                                  to_char((now() AT TIME ZONE 'UTC')::date + d, 'YYYYMMDD'))) IS NOT NULL
                         """).fetchone()
    assert count == (8,)


def test_the_alert_action_log_is_append_only(conn: psycopg.Connection[Any]) -> None:
    alert_id = conn.execute("""INSERT INTO alert (port_id, rule, severity, subject_kind, subject_id, dedup_key,
                                                  evidence_at, title_en, title_zh)
                               VALUES ('weifang', 'test', 'warning', 'vessel', '1', 'k1', now(), 't', 't')
                               RETURNING alert_id""").fetchone()[0]  # type: ignore[index]
    conn.execute("INSERT INTO alert_action (alert_id, actor, action) VALUES (%s, 'engine', 'raise')", (alert_id,))
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
        conn.execute("UPDATE alert_action SET note = 'rewritten'")


def test_one_live_alert_per_dedup_key(conn: psycopg.Connection[Any]) -> None:
    insert = """INSERT INTO alert (port_id, rule, severity, subject_kind, subject_id, dedup_key, evidence_at,
                                   title_en, title_zh, state)
                VALUES ('weifang', 'test', 'warning', 'vessel', '1', 'same', now(), 't', 't', %s)"""
    conn.execute(insert, ("resolved",))
    conn.execute(insert, ("open",))  # a resolved alert does not block a new one
    with pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute(insert, ("open",))


def test_a_well_formed_container_number_is_accepted(conn: psycopg.Connection[Any]) -> None:
    conn.execute("INSERT INTO container (container_no) VALUES ('ABCU1234565')")
    assert conn.execute("SELECT state FROM container WHERE container_no = 'ABCU1234565'").fetchone() == ("in_yard",)


@pytest.mark.parametrize("number", ["MSKU123456", "msku1234565", "MSKX1234565"])
def test_malformed_container_numbers_are_refused(conn: psycopg.Connection[Any], number: str) -> None:
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("INSERT INTO container (container_no) VALUES (%s)", (number,))
