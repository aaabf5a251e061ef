"""The port's statistics: the hourly roll-up from positions, container moves and gate passes, and the sums by day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from app.stats import port_stats
from ingest import stats
from sql import query
from tests.test_alerts import centroid, history

pytestmark = pytest.mark.db
H0 = datetime(2026, 11, 20, 8, tzinfo=UTC)       # a morning in port: 08:00 UTC, 16:00 in Weifang


def berth_spot(conn: psycopg.Connection[Any], berth: str) -> tuple[float, float]:
    return conn.execute("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_PointOnSurface(area) c FROM berth "
                        "WHERE berth_id = %s) b", (berth,)).fetchone()  # type: ignore[return-value]


def every(start: datetime, hours: float, spot: tuple[float, float]) -> list[tuple[datetime, tuple[float, float]]]:
    return [(start + timedelta(minutes=m), spot) for m in range(0, int(hours * 60), 10)]


def test_calls_stays_moves_and_gates_hour_by_hour_and_summed_by_day(conn: psycopg.Connection[Any]) -> None:
    berth = conn.execute("SELECT berth_id FROM berth WHERE port_id = 'weifang' ORDER BY berth_id LIMIT 1").fetchone()[0]  # type: ignore[index]
    alongside, anchorage = berth_spot(conn, berth), centroid(conn, conn.execute(
        "SELECT zone_id FROM zone WHERE kind = 'anchorage' ORDER BY zone_id LIMIT 1").fetchone()[0])  # type: ignore[index]
    # Ship A alongside 08:00-09:59, gone at 10:00; ship B at anchor 08:00-08:59, alongside 09:00-10:59.
    history(conn, 413100001, every(H0, 2, alongside))
    history(conn, 413100001, [(H0 + timedelta(hours=2, minutes=5), (119.6, 37.6))], sog=12.0)
    history(conn, 413100002, every(H0, 1, anchorage))
    history(conn, 413100002, every(H0 + timedelta(hours=1), 2, alongside))
    history(conn, 413100003, every(H0, 3, alongside), sog=6.0)          # passing through, not stopped: no call
    for no, iso, kg, kind, minute in (("MSKU1234565", "45G1", 24000, "load", 10),
                                      ("TGHU1234562", "22G1", 12000, "discharge", 70)):
        conn.execute("INSERT INTO container (container_no, iso_type, full_empty, gross_kg, state) "
                     "VALUES (%s, %s, 'F', %s, 'on_vessel')", (no, iso, kg))
        conn.execute("INSERT INTO container_move (move_id, container_no, kind, moved_at, port_id, source) "
                     "VALUES (%s, %s, %s, %s, 'weifang', 'test')",
                     (f"t:{no}", no, kind, H0 + timedelta(minutes=minute)))
    conn.execute("INSERT INTO hazmat_declaration (declaration_id, subject_kind, subject_id, un_number, imdg_class, "
                 "declared_at, source) VALUES ('d1', 'container', 'TGHU1234562', 1993, '3', %s, 'test')", (H0,))
    for i, (direction, un) in enumerate((("in", None), ("in", 1993), ("out", None))):
        conn.execute("INSERT INTO gate_transaction (transaction_id, port_id, gate_id, direction, truck_plate, "
                     "passed_at, declared_un, source) VALUES (%s, 'weifang', 'G1', %s, 'LU-B1234', %s, %s, 'test')",
                     (f"g{i}", direction, H0 + timedelta(minutes=20 * i), un))

    conn.execute("DELETE FROM port_stats_hour")          # as if never rolled up (rolled back after the test)
    written = stats.refresh(conn, "weifang", now=H0 + timedelta(hours=4))
    assert written >= 4
    hours = {r[0]: r[1:] for r in conn.execute(
        "SELECT hour, berth_arrivals, berth_departures, berth_vessel_hours, anchorage_arrivals, anchorage_departures, "
        "boxes_moved, teu_moved, tonnes_moved, gate_in, gate_out, dg_boxes_moved, dg_gate_passes "
        "FROM port_stats_hour WHERE hour >= %s ORDER BY hour", (H0,))}
    assert hours[H0] == (1, 0, 1, 1, 0, 1, 2.0, 24.0, 2, 1, 0, 1)                 # A arrives, B anchors; a 40' load
    assert hours[H0 + timedelta(hours=1)] == (1, 0, 2, 0, 1, 1, 1.0, 12.0, 0, 0, 1, 0)   # B alongside; DG discharge
    assert hours[H0 + timedelta(hours=2)][:3] == (0, 1, 1)                        # A has left
    assert hours[H0 + timedelta(hours=3)][:3] == (0, 1, 0)                        # B has left

    assert stats.refresh(conn, "weifang", now=H0 + timedelta(hours=4)) <= stats.RECENT_HOURS   # then only the recent
    day = port_stats(conn, "weifang", "day", H0 - timedelta(hours=8), H0 + timedelta(hours=16))
    assert len(day) == 1
    row = day.iloc[0]
    assert (row["calls"], row["departures"], row["anchorage_arrivals"]) == (2, 2, 1)
    assert row["avg_berth_h"] == 2.0 and row["avg_anchorage_h"] == 1.0           # 4 vessel-hours for 2 calls
    assert (row["teu"], row["tonnes"], row["gate_in"], row["gate_out"], row["dg_boxes"], row["dg_gate"]) == \
        (3.0, 36.0, 2, 1, 1, 1)
    hourly = port_stats(conn, "weifang", "hour", H0, H0 + timedelta(hours=4))
    assert list(hourly["calls"]) == [1, 1, 0, 0]
    assert query(conn, "port_stats_newest", {"port_id": "weifang"})[0][0] == H0 + timedelta(hours=3)
