"""Port operations: the berth plan feed against AIS, and the anchorage watch (issue 12)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from app import ops
from ingest.inbox import kind_of
from ingest.ops.berth_plan import import_file
from tests.test_alerts import centroid, history, vessel
from tests.test_port_stats import berth_spot

pytestmark = pytest.mark.db


def test_the_plan_feed_against_what_ais_shows(conn: psycopg.Connection[Any], tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    x, y, z = (r[0] for r in conn.execute(
        "SELECT berth_id FROM berth WHERE port_id = 'weifang' ORDER BY berth_id LIMIT 3").fetchall())
    anchorage = conn.execute("SELECT zone_id FROM zone WHERE kind = 'anchorage' ORDER BY zone_id LIMIT 1").fetchone()[0]  # type: ignore[index]
    vessel(conn, 413200001, berth_spot(conn, x), sog=0.1, status=5, name="ALONG SIDE")
    vessel(conn, 413200002, berth_spot(conn, z), sog=0.1, status=5, name="WRONG PLACE")
    vessel(conn, 413200004, centroid(conn, anchorage), sog=0.2, status=1, name="WAITING ONE")
    history(conn, 413200004, [(now - timedelta(hours=4), (119.7, 37.6))], status=0, sog=11.0)
    history(conn, 413200004, [(now - timedelta(hours=3, minutes=m), centroid(conn, anchorage)) for m in (0, 30)])
    iso = lambda d: (now + d).isoformat()  # noqa: E731
    path = tmp_path / "week48.berthplan.csv"
    path.write_text(
        "plan_id,berth_id,mmsi,imo,vessel_name,voyage,planned_arrival,planned_departure\n"
        f"P1,{x},413200001,,,031W,{iso(timedelta(hours=-2))},{iso(timedelta(hours=10))}\n"
        f"P2,{y},413200002,,,,{iso(timedelta(hours=-1))},{iso(timedelta(hours=8))}\n"
        f"P3,{x},413200003,,LATE COMER,,{iso(timedelta(hours=-3))},{iso(timedelta(hours=1))}\n"
        f"P4,{y},413200004,,,,{iso(timedelta(hours=9))},{iso(timedelta(hours=20))}\n"
        f"P5,NOPE,413200005,,,,{iso(timedelta(hours=1))},{iso(timedelta(hours=2))}\n"
        f"P6,{y},413200006,,,,{iso(timedelta(hours=3))},{iso(timedelta(hours=2))}\n"
        f"P7,{y},,,NO ID,,{iso(timedelta(hours=3))},{iso(timedelta(hours=4))}\n"
        f"P8,{y},413200008,,,,2026-13-01T00:00:00+00:00,{iso(timedelta(hours=4))}\n")
    assert kind_of(path.name) == "berthplan"
    report = import_file(conn, path, "weifang")
    assert (report.rows, report.stored) == (8, 4)
    assert dict(report.rejects) == {"unknown_berth": 1, "departure_before_arrival": 1, "no_vessel_id": 1,
                                    "bad_arrival": 1}
    plan = {r["plan_id"]: r for r in ops.berth_plan(conn, "weifang", now)}
    assert plan["P1"]["status"] == "alongside" and plan["P1"]["overlaps"] == "P3"
    assert plan["P2"]["status"] == "wrong_berth" and plan["P2"]["at_berth"] == z
    assert plan["P3"]["status"] == "late" and plan["P3"]["late_min"] == 180
    assert plan["P3"]["occupied_by"] == "ALONG SIDE"          # another ship lies where it was planned
    assert plan["P4"]["status"] == "waiting"
    table = ops.plan_table(list(plan.values()), "en")
    assert "at the wrong berth" in str(table) and "berth occupied by ALONG SIDE" in str(table)

    watch = {r["mmsi"]: r for r in ops.anchorage_watch(conn, "weifang", now)}
    waiting = watch[413200004]
    assert waiting["zone_id"] == anchorage and waiting["planned_berth"] == y
    assert waiting["waiting_h"] == pytest.approx(3.5, abs=0.1)      # since she entered, not since her last report
    assert 413200001 not in watch
    import_file(conn, path, "weifang")                               # the same plan again: replaced, not doubled
    assert conn.execute("SELECT count(*) FROM berth_plan WHERE plan_id LIKE 'P_'").fetchone() == (4,)
