"""The vehicle and tracker rules through the real alert engine on rows in a real database: a truck over the yard's
speed limit (with hysteresis), an emergency button (JT/T 808 alarm bit 0), a tracker gone silent in the terminal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from ingest.alerts.engine import AlertEngine
from ingest.alerts.rules import settings_problems
from tests.test_alerts import alerts, centroid, feed, ripe

pytestmark = pytest.mark.db


def now() -> datetime:
    return datetime.now(UTC)


def truck(conn: psycopg.Connection[Any], phone: str, at: tuple[float, float], *, speed: float = 10, alarm: int = 0,
          age_s: float = 2, plate: str | None = None) -> None:
    if plate:
        conn.execute("INSERT INTO vehicle (terminal_phone, plate, kind) VALUES (%s, %s, 'container_truck') "
                     "ON CONFLICT DO NOTHING", (phone, plate))
    conn.execute("INSERT INTO vehicle_latest (terminal_phone, observed_at, received_at, source, geom, speed_kmh, "
                 "alarm) VALUES (%s, %s, now(), 'vehicles:jt808:t', ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, %s) "
                 "ON CONFLICT (terminal_phone) DO UPDATE SET observed_at = EXCLUDED.observed_at, geom = EXCLUDED.geom, "
                 "speed_kmh = EXCLUDED.speed_kmh, alarm = EXCLUDED.alarm",
                 (phone, now() - timedelta(seconds=age_s), *at, speed, alarm))


@pytest.fixture()
def engine(conn: psycopg.Connection[Any]) -> AlertEngine:
    feed(conn)
    return AlertEngine(conn, "weifang")


def test_a_truck_over_the_yard_limit_raises_and_clears_with_hysteresis(conn: Any, engine: AlertEngine) -> None:
    yard = centroid(conn, "t-container")
    truck(conn, "13912340001", yard, speed=42, plate="鲁G12345")
    truck(conn, "13912340002", yard, speed=31)                 # within the hysteresis band: nothing
    truck(conn, "13912340003", (119.0, 37.05), speed=60)       # outside every terminal (on the road)
    engine.cycle()
    ripe(engine)
    engine.cycle()
    found = alerts(conn, "vehicle_speeding")
    assert [(a["subject_kind"], a["subject_id"], a["state"]) for a in found] == [("vehicle", "13912340001", "open")]
    assert "鲁G12345 at 42 km/h in Container terminal" in found[0]["title_en"]
    truck(conn, "13912340001", yard, speed=29)                 # below limit + h, above limit - h: still held
    engine.cycle()
    assert alerts(conn, "vehicle_speeding")[0]["state"] == "open"
    truck(conn, "13912340001", yard, speed=20)
    engine.cycle()
    assert alerts(conn, "vehicle_speeding")[0]["state"] == "resolved"


def test_the_emergency_button_is_a_critical_alert(conn: Any, engine: AlertEngine) -> None:
    truck(conn, "13912340009", centroid(conn, "t-container"), alarm=0b101, plate="鲁G99999")
    truck(conn, "13912340010", centroid(conn, "t-container"), alarm=0b100)      # another alarm bit: not this rule
    engine.cycle()
    found = alerts(conn, "vehicle_emergency")
    assert [(a["subject_id"], a["severity"]) for a in found] == [("13912340009", "critical")]
    assert "Emergency button" in found[0]["title_en"] and "鲁G99999" in found[0]["title_en"]


def test_a_tracker_silent_inside_the_terminal(conn: Any, engine: AlertEngine) -> None:
    yard = centroid(conn, "t-container")
    truck(conn, "13912340020", yard, age_s=900)                     # silent 15 min in the yard
    truck(conn, "13912340021", yard, age_s=60)                      # reported a minute ago
    truck(conn, "13912340022", (119.0, 37.05), age_s=900)           # silent, but outside the terminal
    truck(conn, "13912340023", yard, age_s=6 * 3600)                # off duty
    conn.execute("INSERT INTO person (device_id, name, team) VALUES ('phone-a1', 'Wang Li', 'border_boarding')")
    conn.execute("INSERT INTO person_latest (device_id, observed_at, received_at, source, geom) VALUES "
                 "('phone-a1', %s, now(), 'trackers:http', ST_SetSRID(ST_MakePoint(%s, %s), 4326))",
                 (now() - timedelta(minutes=10), *yard))
    engine.cycle()
    found = {(a["subject_kind"], a["subject_id"]) for a in alerts(conn, "tracker_silent")}
    assert found == {("vehicle", "13912340020"), ("person", "phone-a1")}
    titles = " ".join(a["title_en"] for a in alerts(conn, "tracker_silent"))
    assert "Wang Li" not in titles and "border boarding phone-a1" in titles      # no name in an alert for all


def test_their_settings_are_checked() -> None:
    assert settings_problems({"vehicle_speeding": {"limit_kmh": 25}, "tracker_silent": {"silent_s": 600}}) == []
    problems = settings_problems({"vehicle_speeding": {"limit_kph": 25}, "vehicle_emergency": {"fresh_s": -1}})
    assert any("limit_kph" in p for p in problems) and any("fresh_s" in p for p in problems)


def track(conn: psycopg.Connection[Any], phone: str, plate: str,
          fixes: list[tuple[float, tuple[float, float]]]) -> None:
    """A truck's history: (minutes ago, where) each, and its latest fix as the live picture."""
    conn.execute("INSERT INTO vehicle (terminal_phone, plate, kind) VALUES (%s, %s, 'container_truck') "
                 "ON CONFLICT DO NOTHING", (phone, plate))
    for minutes, (lon, lat) in fixes:
        conn.execute("INSERT INTO vehicle_position (terminal_phone, observed_at, received_at, source, geom) VALUES "
                     "(%s, %s, now(), 't', ST_SetSRID(ST_MakePoint(%s, %s), 4326))",
                     (phone, now() - timedelta(minutes=minutes), lon, lat))
    minutes, at = min(fixes)
    truck(conn, phone, at, age_s=minutes * 60)


def test_a_truck_at_the_gate_by_its_tracker_with_no_gate_transaction(conn: Any, engine: AlertEngine) -> None:
    gate, yard, road = centroid(conn, "gate-container"), centroid(conn, "t-container"), (119.0, 37.05)
    track(conn, "13912340031", "鲁G00031", [(20, road), (15, gate), (14, gate), (10, yard)])    # no pass: alert
    track(conn, "13912340032", "鲁G00032", [(20, road), (15, gate), (10, yard)])                # passed: none
    track(conn, "13912340033", "鲁G00033", [(3, gate), (1, yard)])                             # too recent yet
    conn.execute("INSERT INTO gate_transaction (transaction_id, port_id, gate_id, direction, truck_plate, passed_at, "
                 "source) VALUES ('GT-32', 'weifang', 'gate-container', 'in', '鲁G00032', %s, 'test')",
                 (now() - timedelta(minutes=16),))
    engine.cycle()
    found = alerts(conn, "gate_tracker_mismatch")
    assert [a["subject_id"] for a in found] == ["13912340031"]
    assert "鲁G00031" in found[0]["title_en"] and "no gate transaction" in found[0]["title_en"]
    engine.cycle()
    assert len(alerts(conn, "gate_tracker_mismatch")) == 1            # the same stay is one alert


def test_a_truck_in_the_terminal_longer_than_its_allowance(conn: Any, engine: AlertEngine) -> None:
    yard, road = centroid(conn, "t-container"), (119.0, 37.05)
    track(conn, "13912340041", "鲁G00041", [(200, road), (150, yard), (60, yard), (1, yard)])   # 150 min inside
    track(conn, "13912340042", "鲁G00042", [(300, yard), (50, road), (40, yard), (1, yard)])   # back in 40 min ago
    engine.cycle()
    found = alerts(conn, "truck_overstay")
    assert [a["subject_id"] for a in found] == ["13912340041"]
    assert "for 150 min (allowed 120)" in found[0]["title_en"]


def test_a_vehicle_in_the_dg_area_and_a_person_in_a_restricted_zone_without_a_permit(
        conn: Any, engine: AlertEngine, tmp_path: Any) -> None:
    from pathlib import Path

    from ingest.ops.permits import import_file

    tanks, dg = centroid(conn, "tank-farm"), centroid(conn, "dg-storage")
    truck(conn, "13912340051", tanks, plate="鲁G00051")                   # no permit: alert
    truck(conn, "13912340052", tanks, plate="鲁G00052")                   # its permit: none
    truck(conn, "13912340053", tanks, plate="鲁G00053")                   # a permit expired: alert
    conn.execute("INSERT INTO vehicle (terminal_phone, plate, kind) VALUES ('13912340054', '鲁GF119', 'fire_engine')")
    truck(conn, "13912340054", tanks)                                     # a fire engine: exempt
    for device in ("phone-x1", "phone-x2"):
        conn.execute("INSERT INTO person (device_id, name, team) VALUES (%s, 'Someone', 'customs_inspection')",
                     (device,))
        conn.execute("INSERT INTO person_latest (device_id, observed_at, received_at, source, geom) VALUES "
                     "(%s, now(), now(), 'trackers:http', ST_SetSRID(ST_MakePoint(%s, %s), 4326))", (device, *dg))
    day = timedelta(days=1)
    rows = [("P1", "vehicle", "鲁g00052", "tank-farm", now() - day, now() + day),
            ("P2", "vehicle", "鲁G00053", "tank-farm", now() - 2 * day, now() - day),
            ("P3", "person", "phone-x2", "dg-storage", now() - day, now() + day),
            ("P4", "person", "phone-x1", "no-such-zone", now() - day, now() + day),
            ("P5", "vehicle", "鲁G00051", "tank-farm", now() + day, now() - day)]
    text = "permit_id,subject_kind,subject_id,zone_id,valid_from,valid_to\n" + "".join(
        f"{p},{k},{s},{z},{a.isoformat()},{b.isoformat()}\n" for p, k, s, z, a, b in rows)
    report = import_file(conn, Path(tmp_path) / "today.permits.csv", "weifang", text.encode())
    assert report.stored == 3 and dict(report.rejects) == {"unknown_zone": 1, "ends_before_it_starts": 1}
    engine.cycle()
    found = {(a["subject_kind"], a["subject_id"]) for a in alerts(conn, "permit_zones")}
    assert found == {("vehicle", "13912340051"), ("vehicle", "13912340053"), ("person", "phone-x1")}
    titles = " ".join(a["title_en"] for a in alerts(conn, "permit_zones"))
    assert any(a["title_en"].startswith("鲁G00051 in ") and a["title_en"].endswith(" without a permit")
               for a in alerts(conn, "permit_zones"))
    assert "Someone" not in titles
