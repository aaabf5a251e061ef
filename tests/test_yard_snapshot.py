"""TOS CSV snapshots: 5,000 containers, departures by absence, bad rows refused, re-import changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bench.yardgen import rows, write
from ingest.yard.tos_csv import import_snapshot

pytestmark = pytest.mark.db
T1 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
T2 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def fingerprint(conn: psycopg.Connection[Any]) -> tuple[Any, ...]:
    return conn.execute("SELECT count(*), md5(string_agg(c::text, '|' ORDER BY container_no)) FROM container c"
                        ).fetchone()  # type: ignore[return-value]


def test_snapshots_reconcile_the_yard(weifang_db: str, tmp_path: Path) -> None:
    items = rows(5_000)
    first, second = tmp_path / "t1.csv", tmp_path / "t2.csv"
    write(first, items)
    gone = {r["container_no"] for r in items[1000:1100]}
    write(second, [r for r in items if r["container_no"] not in gone])
    with psycopg.connect(weifang_db) as conn:
        report = import_snapshot(conn, first, "weifang", snapshot_at=T1)
        assert (report.loaded, report.changed, report.departed, dict(report.rejects)) == (5_000, 5_000, 0, {})
        report = import_snapshot(conn, second, "weifang", snapshot_at=T2)
        assert (report.loaded, report.changed, report.departed) == (4_900, 0, 100)
        departed = {r[0] for r in conn.execute(
            "SELECT container_no FROM container WHERE state = 'departed' AND departed_at = %s", (T2,))}
        assert departed == gone
        assert conn.execute("SELECT count(*) FROM container").fetchone() == (5_000,)    # never deleted
        before = fingerprint(conn)
        report = import_snapshot(conn, second, "weifang", snapshot_at=T2)
        assert (report.changed, report.departed) == (0, 0)
        assert fingerprint(conn) == before
        inside = conn.execute("""SELECT count(*) FROM container c JOIN yard_block b USING (port_id, block_id)
                                 WHERE c.state = 'in_yard' AND ST_Within(c.geom, b.geom)""").fetchone()
        assert inside == (4_900,)


def test_bad_rows_are_refused_with_their_reason_and_the_good_ones_load(weifang_db: str, tmp_path: Path) -> None:
    items = rows(20)
    items[3]["container_no"] = items[3]["container_no"][:-1] + str((int(items[3]["container_no"][-1]) + 1) % 10)
    items[5]["iso_type"] = "99Z9"
    items[7]["block"] = "Z99"
    items[9]["tier"] = "9"            # blocks are 5 high
    items[11]["container_no"] = items[12]["container_no"]
    items[13].update(un_number="1203", imdg_class="3")      # a dangerous-goods container: declared
    items[14].update(un_number="1203", imdg_class="33")     # a bad class refuses the row
    path = tmp_path / "bad.csv"
    write(path, items)
    with psycopg.connect(weifang_db) as conn:
        report = import_snapshot(conn, path, "weifang", snapshot_at=T1)
        reasons = dict(conn.execute("SELECT reason, count FROM ingest_reject_count").fetchall())
        details = [r[0] for r in conn.execute("SELECT detail FROM ingest_reject ORDER BY reject_id")]
    assert report.loaded == 14
    assert dict(report.rejects) == reasons == {"bad_check_digit": 1, "unknown_size_type": 1, "bad_slot": 2,
                                               "duplicate_container": 1, "bad_imdg_class": 1}
    with psycopg.connect(weifang_db) as conn:
        declared = conn.execute("SELECT subject_id, un_number, imdg_class FROM hazmat_declaration").fetchall()
    assert declared == [(items[13]["container_no"], 1203, "3")]
    assert details[0].startswith("line 5: ") and "check digit should be" in details[0]
