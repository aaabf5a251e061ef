"""Every rule of the alert engine with a positive and a negative case placed in the Weifang package, and the
lifecycle: dedup, clearing, hysteresis, acknowledge, suppress, resolve, the audit trail, NOTIFY, the case chain."""

from __future__ import annotations

import itertools
import json
import math
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb
from pyproj import Geod

from ingest.alerts.engine import AlertEngine
from ingest.alerts.rules.collision_risk import cpa_tcpa
from portdomain.dangerous_goods import code_for
from sql.alerts import ActionRefused, Actor, acknowledge, complete_step, resolve, suppress

pytestmark = pytest.mark.db
GEOD = Geod(ellps="WGS84")


def now() -> datetime:
    """The time of each call: the engine compares with its own clock, so a fixed import time would age."""
    return datetime.now(UTC)
CHANNEL_MID = (119.2340, 37.3606)         # on the channel's centre line
BASIN = (119.2027, 37.2378)               # the turning basin
PORT_FEED = "ais:udp:test-0/rx-harbour"
OFFICER = Actor("li.wei", "officer", "port")
CUSTOMS = Actor("zhang.min", "officer", "customs")
SUPERVISOR = Actor("zhao.min", "supervisor", "port")


def centroid(conn: psycopg.Connection[Any], zone: str) -> tuple[float, float]:
    return conn.execute("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_PointOnSurface(geom) c FROM zone "
                        "WHERE zone_id = %s) z", (zone,)).fetchone()  # type: ignore[return-value]


def moved(lon: float, lat: float, bearing: float, metres: float) -> tuple[float, float]:
    x, y, _ = GEOD.fwd(lon, lat, bearing, metres)
    return x, y


def feed(conn: psycopg.Connection[Any], source: str = PORT_FEED, age_s: float = 1) -> None:
    conn.execute("""INSERT INTO feed_status (source, kind, last_message_at, state, live)
                    VALUES (%s, 'ais', %s, 'ok', true)
                    ON CONFLICT (source) DO UPDATE SET last_message_at = EXCLUDED.last_message_at""",
                 (source, now() - timedelta(seconds=age_s)))


def vessel(conn: psycopg.Connection[Any], mmsi: int, at: tuple[float, float], *, sog: float = 0.0, cog: float = 0.0,
           status: int | None = 0, ship_type: int = 70, name: str | None = None, age_s: float = 5,
           source: str = PORT_FEED, length: int = 120) -> None:
    conn.execute("""INSERT INTO vessel (mmsi, name, ship_type, dim_a_m, dim_b_m, dim_c_m, dim_d_m) VALUES
                    (%s, %s, %s, %s, 20, 8, 8) ON CONFLICT (mmsi) DO NOTHING""",
                 (mmsi, name or f"TEST {mmsi}", ship_type, length - 20))
    when = now() - timedelta(seconds=age_s)
    conn.execute("""INSERT INTO vessel_latest (mmsi, observed_at, received_at, source, msg_type, geom, sog_kn, cog_deg,
                    heading_deg, nav_status) VALUES (%s, %s, %s, %s, 1, ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, %s,
                    %s, %s) ON CONFLICT (mmsi) DO UPDATE SET observed_at = EXCLUDED.observed_at, geom = EXCLUDED.geom,
                    sog_kn = EXCLUDED.sog_kn, cog_deg = EXCLUDED.cog_deg, nav_status = EXCLUDED.nav_status,
                    source = EXCLUDED.source""",
                 (mmsi, when, when, source, *at, sog, cog, round(cog) % 360, status))
    history(conn, mmsi, [(when, at)], status=status, sog=sog)


def history(conn: psycopg.Connection[Any], mmsi: int, points: list[tuple[datetime, tuple[float, float]]],
            status: int | None = 1, sog: float = 0.1) -> None:
    days = sorted({p[0].date() for p in points})
    conn.execute("SELECT ensure_position_partition(d) FROM unnest(%s::date[]) AS d", (days,))
    with conn.cursor() as cur:
        cur.executemany("""INSERT INTO vessel_position (mmsi, observed_at, received_at, source, msg_type, geom, sog_kn,
                           nav_status) VALUES (%s, %s, %s, 'test', 1, ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, %s)
                           ON CONFLICT DO NOTHING""",
                        [(mmsi, when, when, lon, lat, sog, status) for when, (lon, lat) in points])


def camera_event(conn: psycopg.Connection[Any], event_id: str, camera: str, label: str, zones: list[str],
                 *, age_s: float = 30, sub_label: str | None = None) -> None:
    conn.execute("""INSERT INTO camera_event (event_id, source, port_id, camera_id, label, sub_label, score, start_at,
                    zones, entered_zones, geom, raw)
                    SELECT %s, 'test', 'weifang', %s, %s, %s, 0.9, %s, %s, %s,
                           coalesce((SELECT geom FROM zone WHERE zone_id = ANY(%s) LIMIT 1), c.fov), '{}'
                    FROM camera c WHERE c.camera_id = %s""",
                 (event_id, camera, label, sub_label, now() - timedelta(seconds=age_s), zones, zones, zones, camera))


def container(conn: psycopg.Connection[Any], number: str, block: str, bay: int, row: int, classes: list[str],
              un: int = 1993, kg: float = 18000) -> None:
    conn.execute("""INSERT INTO container (container_no, iso_type, full_empty, state, port_id, block_id, bay, row_,
                    tier, geom) SELECT %s, '22G1', 'F', 'in_yard', 'weifang', %s, %s, %s, 1, ST_Centroid(geom)
                    FROM yard_slot WHERE block_id = %s AND bay = %s AND row_ = %s""",
                 (number, block, bay, row, block, bay, row))
    for i, cls in enumerate(classes):
        conn.execute("""INSERT INTO hazmat_declaration (declaration_id, subject_kind, subject_id, un_number, imdg_class,
                        quantity_kg, declared_at, source) VALUES (%s, 'container', %s, %s, %s, %s, %s, 'test')""",
                     (f"{number}-{i}", number, un, cls, kg, now()))


def alerts(conn: psycopg.Connection[Any], rule: str | None = None) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute("SELECT * FROM alert WHERE (%(rule)s::text IS NULL OR rule = %(rule)s) ORDER BY alert_id",
                    {"rule": rule})
        return cur.fetchall()


@pytest.fixture()
def engine(conn: psycopg.Connection[Any]) -> AlertEngine:
    feed(conn)
    return AlertEngine(conn, "weifang")


def ripe(engine: AlertEngine) -> None:
    """As if every pending condition had held long enough (instead of sleeping through min_duration)."""
    for key in engine.pending:
        engine.pending[key] -= 3600


# --- rule 1 ---------------------------------------------------------------------------------
def test_small_craft_in_the_chemical_safety_water_and_not_a_tanker_or_a_boat_outside(conn: Any, engine: Any) -> None:
    inside = centroid(conn, "chem-safety-water")
    vessel(conn, 413000001, inside, sog=4, ship_type=37, name="HAI OU")
    vessel(conn, 413000002, moved(*inside, 90, 100), ship_type=80, status=5)          # a tanker at her berth
    vessel(conn, 413000003, BASIN, sog=4, ship_type=37)                                 # a pleasure craft outside
    report = engine.cycle()
    found = alerts(conn, "restricted_entry")
    assert [a["subject_id"] for a in found] == ["413000001"] and report.raised
    a = found[0]
    assert a["severity"] == "critical" and a["details"]["zone_id"] == "chem-safety-water"
    assert "CAM08" in a["details"]["cameras"]                     # the chemical berths' camera sees the place
    assert a["details"]["score"] == sum(f["points"] for f in a["details"]["factors"]) > 60


def test_a_person_on_camera_in_the_dg_storage_area_and_not_a_truck(conn: Any, engine: Any) -> None:
    camera_event(conn, "ev-person", "CAM04", "person", ["dg-storage"])
    camera_event(conn, "ev-truck", "CAM04", "truck", ["dg-storage"])
    engine.cycle()
    assert [a["subject_id"] for a in alerts(conn, "restricted_entry_camera")] == ["ev-person"]
    engine.cycle()                                              # an event is raised once
    assert len(alerts(conn, "restricted_entry_camera")) == 1


# --- rule 2 ---------------------------------------------------------------------------------
def test_speeding_needs_its_duration_then_holds_in_the_hysteresis_band_and_clears_below_it(conn: Any,
                                                                                          engine: Any) -> None:
    vessel(conn, 412000010, CHANNEL_MID, sog=14.0, cog=200)
    vessel(conn, 412000011, moved(*CHANNEL_MID, 200, 3000), sog=9.0, cog=200)            # within the limit
    report = engine.cycle()
    assert alerts(conn, "speeding") == [] and report.findings["speeding"] == 1   # not yet: it must last 30 s
    ripe(engine)
    report = engine.cycle()
    found = alerts(conn, "speeding")
    assert found, (report, engine.pending)
    assert [a["subject_id"] for a in found] == ["412000010"]
    assert found[0]["details"]["limit_kn"] == 10.0 and found[0]["details"]["zone_id"] == "channel"
    vessel(conn, 412000010, CHANNEL_MID, sog=9.8, cog=200)                              # above limit - h: held
    engine.cycle()
    assert alerts(conn, "speeding")[0]["state"] == "open"
    vessel(conn, 412000010, CHANNEL_MID, sog=9.0, cog=200)                              # below: cleared
    report = engine.cycle()
    assert alerts(conn, "speeding")[0]["state"] == "resolved" and report.cleared


def test_speed_limit_is_the_strictest_zone(conn: Any, engine: Any) -> None:
    vessel(conn, 412000012, BASIN, sog=6.0, cog=180)           # 6 kn: fine in the harbour, not in the basin (4)
    engine.cycle()
    ripe(engine)
    engine.cycle()
    found = alerts(conn, "speeding")
    assert len(found) == 1 and found[0]["details"]["limit_kn"] == 4.0


# --- rule 3 ---------------------------------------------------------------------------------
def test_stopped_in_the_channel_and_not_in_an_anchorage_or_at_a_berth(conn: Any, engine: Any) -> None:
    vessel(conn, 412000020, CHANNEL_MID, sog=0.1, status=1)
    vessel(conn, 412000021, centroid(conn, "anchorage-1"), sog=0.1, status=1)
    alongside = conn.execute("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_PointOnSurface(area) c FROM berth "
                             "WHERE berth_id = 'B08') b").fetchone()
    vessel(conn, 412000022, alongside, sog=0.0, status=5)
    engine.cycle()
    ripe(engine)
    engine.cycle()
    found = alerts(conn, "unauthorised_anchoring")
    assert [a["subject_id"] for a in found] == ["412000020"] and found[0]["severity"] == "critical"


# --- rule 4 ---------------------------------------------------------------------------------
def test_anchor_drag_beyond_the_radius_and_not_a_ship_swinging_round_her_anchor(conn: Any, engine: Any) -> None:
    spot = centroid(conn, "anchorage-1")
    other = moved(*spot, 0, 1500)
    for mmsi, start, now_at in ((412000030, spot, moved(*spot, 215, 400)), (412000031, other, moved(*other, 90, 60))):
        history(conn, mmsi, [(now() - timedelta(hours=3) + timedelta(minutes=15 * i), start) for i in range(8)])
        vessel(conn, mmsi, now_at, sog=0.5, status=1)
    engine.cycle()
    found = alerts(conn, "anchor_drag")
    assert [a["subject_id"] for a in found] == ["412000030"]
    assert 380 < found[0]["details"]["moved_m"] < 420


# --- rule 5 ---------------------------------------------------------------------------------
def test_anchorage_overstay_past_the_limit_and_not_a_ship_that_came_yesterday(conn: Any, engine: Any) -> None:
    spot = centroid(conn, "anchorage-1")
    for mmsi, hours in ((412000040, 80), (412000041, 20)):
        at = moved(*spot, 90, 500 * (mmsi % 10))
        history(conn, mmsi, [(now() - timedelta(hours=hours) + timedelta(hours=i), at) for i in range(hours)])
        vessel(conn, mmsi, at, status=1)
    engine.cycle()
    found = alerts(conn, "anchorage_overstay")
    assert [a["subject_id"] for a in found] == ["412000040"]
    assert found[0]["details"]["limit_h"] == 72 and found[0]["details"]["hours"] > 79


# --- rule 6 ---------------------------------------------------------------------------------
def test_cpa_tcpa_of_two_crossing_ships_by_hand() -> None:
    import numpy as np
    # A at the origin going north at v; B 2 km east, 1 km north, going west at v.
    v = 10 * 1852 / 3600
    cpa, tcpa = cpa_tcpa(np.array([0.0]), np.array([0.0]), np.array([0.0]), np.array([v]), np.array([2000.0]),
                         np.array([1000.0]), np.array([-v]), np.array([0.0]))
    assert tcpa[0] == pytest.approx(1500 / v, rel=1e-6)      # relative motion (-v, -v), closest after 1500/v s
    assert cpa[0] == pytest.approx(math.hypot(500, -500), rel=1e-6)


def test_collision_course_in_the_bay_and_not_diverging_ships_or_tugs_in_the_harbour(conn: Any, engine: Any) -> None:
    meet = (119.36, 37.46)
    vessel(conn, 412000050, moved(*meet, 90, 3000), sog=12, cog=270)      # westbound, 3 km east of M
    vessel(conn, 412000051, moved(*meet, 180, 2750), sog=11, cog=0)       # northbound, 2.75 km south of M
    vessel(conn, 412000052, moved(*meet, 0, 4000), sog=12, cog=0)         # northbound, going away
    vessel(conn, 412000053, moved(*BASIN, 0, 100), sog=5, cog=180, ship_type=52)
    vessel(conn, 412000054, moved(*BASIN, 180, 100), sog=5, cog=0, ship_type=52)   # tugs: never
    engine.cycle()
    found = alerts(conn, "collision_risk")
    assert [a["subject_id"] for a in found] == ["412000050/412000051"]
    d = found[0]["details"]
    assert d["cpa_m"] < 300 and 0 < d["tcpa_s"] < 600


# --- rule 7 and feed health -----------------------------------------------------------------
def test_a_silent_vessel_with_a_healthy_feed_is_dark(conn: Any, engine: Any) -> None:
    vessel(conn, 412000060, BASIN, status=5, age_s=15 * 60)
    vessel(conn, 412000061, BASIN, status=5, age_s=60)                      # reported a minute ago
    engine.cycle()
    assert [a["subject_id"] for a in alerts(conn, "dark_vessel")] == ["412000060"]
    assert alerts(conn, "feed_health") == []
    vessel(conn, 412000060, BASIN, status=5, age_s=2)                       # she speaks again: it clears
    engine.cycle()
    assert alerts(conn, "dark_vessel")[0]["state"] == "resolved"


def test_a_silent_feed_is_one_feed_alert_not_a_dark_vessel_each(conn: Any, engine: Any) -> None:
    outer = "ais:udp:test-0/rx-outer"
    feed(conn, outer, age_s=15 * 60)
    spot = centroid(conn, "anchorage-1")
    for i in range(5):
        vessel(conn, 412000070 + i, moved(*spot, 72 * i, 400), status=1, age_s=15 * 60, source=outer)
    engine.cycle()
    assert alerts(conn, "dark_vessel") == []
    assert [a["subject_id"] for a in alerts(conn, "feed_health")] == [outer]


# --- rule 8 ---------------------------------------------------------------------------------
def test_dg_segregation_flammable_beside_oxidiser_and_not_beside_a_corrosive_or_far_away(conn: Any,
                                                                                       engine: Any) -> None:
    assert code_for("3", "5.1") == "2" and code_for("3", "8") is None and code_for("1.4S", "3") == "2"
    container(conn, "CSQU3054383", "D01", 5, 3, ["3"])
    container(conn, "MSKU1234565", "D01", 5, 4, ["5.1"], un=1479)          # the next row: ~4 m
    container(conn, "TGHU3929964", "D01", 5, 2, ["8"], un=1830)            # the row on the other side: fine
    container(conn, "OOLU1234568", "D01", 15, 3, ["5.1"], un=1479)         # ten bays along: ~65 m
    engine.cycle()
    found = alerts(conn, "dg_segregation")
    assert [a["subject_id"] for a in found] == ["CSQU3054383/MSKU1234565"]
    d = found[0]["details"]
    assert d["code"] == "2" and d["required_m"] == 6 and 2 < d["actual_m"] < 6
    assert {c["container_no"] for c in d["containers"]} == {"CSQU3054383", "MSKU1234565"}


# --- rule 9 ---------------------------------------------------------------------------------
def test_smoke_near_dangerous_goods_is_critical_and_smoke_at_the_bulk_berths_is_not_this_rule(conn: Any,
                                                                                            engine: Any) -> None:
    container(conn, "CSQU3054383", "D02", 3, 3, ["3"])
    camera_event(conn, "smoke-dg", "CAM04", "smoke", ["dg-storage"])
    camera_event(conn, "smoke-bulk", "CAM12", "smoke", ["t-bulk"])
    engine.cycle()
    found = alerts(conn, "fire_near_dg")
    assert [a["subject_id"] for a in found] == ["smoke-dg"] and found[0]["severity"] == "critical"
    assert found[0]["details"]["dg_count"] == 1 and "CAM04" in found[0]["details"]["cameras"]


# --- rule 10 and the case chain ----------------------------------------------------------------
def test_a_gate_mismatch_opens_a_four_step_case_owned_by_port_and_customs(conn: Any, engine: Any) -> None:
    plate = "鲁V12345"
    container(conn, "CSQU3054383", "A01", 1, 1, ["3"])
    camera_event(conn, "gate-truck", "CAM06", "truck", ["gate-container"], sub_label=plate, age_s=20)
    for tx, observed in (("T-bad", (1830, "8")), ("T-good", (1993, "3"))):
        conn.execute("""INSERT INTO gate_transaction (transaction_id, port_id, gate_id, direction, truck_plate,
                        container_no, passed_at, declared_un, declared_class, observed_un, observed_class, source, raw)
                        VALUES (%s, 'weifang', 'gate-container', 'in', %s, 'CSQU3054383', %s, 1993, '3', %s, %s, 't',
                        %s)""", (tx, plate, now() - timedelta(seconds=10), *observed, Jsonb({})))
    engine.cycle()
    found = alerts(conn, "gate_case")
    assert [a["subject_id"] for a in found] == ["T-bad"]
    case_id, details = conn.execute("SELECT case_id, details FROM hazmat_case WHERE alert_id = %s",
                                    (found[0]["alert_id"],)).fetchone()  # type: ignore[misc]
    assert [e["event_id"] for e in details["evidence"]["camera_events"]] == ["gate-truck"]
    assert details["evidence"]["container"]["container_no"] == "CSQU3054383"
    steps = conn.execute("SELECT step, agency, due_at FROM hazmat_case_step WHERE case_id = %s ORDER BY step_no",
                         (case_id,)).fetchall()
    assert [(s[0], s[1]) for s in steps] == [("gate_warning", "port"), ("port_verification", "port"),
                                             ("customs_check", "customs"), ("disposal", "port")]
    gaps = [(b[2] - a[2]).total_seconds() / 60 for a, b in itertools.pairwise(steps)]
    assert gaps == [30, 60, 240]                                  # port.toml's limits, one after another
    with pytest.raises(ActionRefused, match="next step is gate_warning"):
        complete_step(conn, case_id, "customs_check", CUSTOMS, "checked")
    complete_step(conn, case_id, "gate_warning", OFFICER, "truck held at lane 3")
    complete_step(conn, case_id, "port_verification", OFFICER, "placard UN1830 confirmed")
    with pytest.raises(ActionRefused, match="belongs to customs"):
        complete_step(conn, case_id, "customs_check", OFFICER, "not mine")
    from app.alert_panel import case_steps
    shown = {who.agency: case_steps(conn, found[0]["alert_id"], "en", who) for who in (OFFICER, CUSTOMS)}
    buttons = {agency: [c for c in lines if getattr(c, "id", None) and isinstance(c.id, dict)]
               for agency, lines in shown.items()}
    assert [b.id["step"] for b in buttons["customs"]] == ["customs_check"] and not buttons["customs"][0].disabled
    assert buttons["port"][0].disabled                            # the port officer sees it, cannot do it
    done = [c.children for c in shown["port"] if "case-done" in (getattr(c, "className", "") or "")]
    assert len(done) == 2 and done[0].startswith("✓ gate warning: li.wei at ") and "truck held at lane 3" in done[0]
    assert "placard UN1830 confirmed" in done[1]
    assert not [c for c in shown["port"] if "case-overdue" in (getattr(c, "className", "") or "")]
    conn.execute("UPDATE hazmat_case_step SET due_at = now() - interval '5 minutes' WHERE case_id = %s AND "
                 "step = 'customs_check'", (case_id,))             # customs is late: shown overdue, in red
    for lang, words in (("en", ("customs check OVERDUE since", "customs owes it")),
                        ("zh", ("海关查验 已超时", "待海关办理"))):
        late = [c for c in case_steps(conn, found[0]["alert_id"], lang, OFFICER)
                if "case-overdue" in (getattr(c, "className", "") or "")]
        assert len(late) == 1 and all(w in late[0].children for w in words), late
    complete_step(conn, case_id, "customs_check", CUSTOMS, "mis-declared: sulphuric acid")
    assert complete_step(conn, case_id, "disposal", OFFICER, "returned to shipper") is True
    assert alerts(conn, "gate_case")[0]["state"] == "resolved"
    trail = conn.execute("SELECT actor, action FROM alert_action WHERE alert_id = %s ORDER BY action_id",
                         (found[0]["alert_id"],)).fetchall()
    assert trail[0] == ("engine", "raise") and trail[-1] == ("li.wei", "resolve") and ("zhang.min", "note") in trail


# --- lifecycle --------------------------------------------------------------------------------
def test_acknowledge_suppress_resolve_with_an_audit_trail(conn: Any, engine: Any) -> None:
    vessel(conn, 413000001, centroid(conn, "chem-safety-water"), sog=4, ship_type=37)
    engine.cycle()
    alert_id = alerts(conn, "restricted_entry")[0]["alert_id"]
    acknowledge(conn, alert_id, OFFICER)
    with pytest.raises(ActionRefused):
        acknowledge(conn, alert_id, OFFICER)                      # only an open alert
    engine.cycle()
    assert alerts(conn)[0]["state"] == "acknowledged"             # still live, still one
    with pytest.raises(ActionRefused, match="may not suppress a critical alert"):
        suppress(conn, alert_id, OFFICER, 0.01, "known")          # a critical alert: the supervisor's call
    until = suppress(conn, alert_id, SUPERVISOR, 0.01, "known: harbour patrol is on it")
    assert until == alerts(conn)[0]["evidence_at"] + timedelta(seconds=0.6)
    time.sleep(0.7)
    vessel(conn, 413000001, centroid(conn, "chem-safety-water"), sog=4, ship_type=37)
    report = engine.cycle()                                       # its time is up and it still holds
    assert report.reopened == [alert_id] and alerts(conn)[0]["state"] == "open"
    with pytest.raises(ActionRefused, match="needs a note"):
        resolve(conn, alert_id, OFFICER, " ")
    with pytest.raises(ActionRefused, match="may not resolve a critical alert"):
        resolve(conn, alert_id, OFFICER, "escorted out by the patrol boat")   # as suppressing: the supervisor's
    resolve(conn, alert_id, SUPERVISOR, "escorted out by the patrol boat")
    trail = conn.execute("SELECT actor, action FROM alert_action WHERE alert_id = %s ORDER BY action_id",
                         (alert_id,)).fetchall()
    assert [a for _, a in trail] == ["raise", "acknowledge", "suppress", "unsuppress", "resolve"]
    with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
        conn.execute("UPDATE alert_action SET note = 'rewritten' WHERE alert_id = %s", (alert_id,))


def test_changes_are_announced_with_notify(weifang_db: str) -> None:
    with psycopg.connect(weifang_db, autocommit=True) as listener, \
            psycopg.connect(weifang_db, autocommit=True) as conn:
        listener.execute("LISTEN portmap_alerts")
        feed(conn)
        vessel(conn, 413000001, centroid(conn, "chem-safety-water"), sog=4, ship_type=37)
        AlertEngine(conn, "weifang").cycle()
        got = [json.loads(n.payload) for n in listener.notifies(timeout=2, stop_after=1)]
    assert got and got[0]["action"] == "raise"


# --- anchorage watch (issue 12) ---------------------------------------------------------------
def test_a_ship_drifting_out_of_her_anchorage_and_not_one_leaving_under_way(conn: Any, engine: Any) -> None:
    spot = centroid(conn, "anchorage-1")
    east = conn.execute("SELECT ST_XMax(geom) FROM zone WHERE zone_id = 'anchorage-1'").fetchone()[0]  # type: ignore[index]
    outside = (east + 0.004, spot[1])                     # some 350 m east of the anchorage's edge
    for mmsi in (412000090, 412000091):
        vessel(conn, mmsi, moved(*spot, 90, 200 * (mmsi % 10)), sog=0.3, status=1)
    engine.cycle()
    vessel(conn, 412000090, outside, sog=1.2, status=1)                    # still at anchor, drifting
    vessel(conn, 412000091, moved(*outside, 0, 800), sog=10.0, status=0)   # weighed anchor and under way
    engine.cycle()
    ripe(engine)
    engine.cycle()
    found = [a for a in alerts(conn, "anchorage_drift") if a["state"] != "resolved"]
    assert [a["subject_id"] for a in found] == ["412000090"]
    assert found[0]["severity"] == "critical" and found[0]["details"]["zone_id"] == "anchorage-1"
    assert 250 < found[0]["details"]["outside_m"] < 450
    vessel(conn, 412000090, spot, sog=0.2, status=1)                       # back in her anchorage
    engine.cycle()
    assert [a["state"] for a in alerts(conn, "anchorage_drift")] == ["resolved"]


# --- direct delivery (issue 12) ---------------------------------------------------------------
def test_a_direct_pickup_that_overstays_raises_an_alert_where_the_truck_is_and_clears_when_it_leaves(
        conn: Any, engine: Any) -> None:
    conn.execute("INSERT INTO direct_delivery (plan_id, port_id, container_no, direction, berth_id, truck_plate, "
                 "planned_at, source) VALUES ('DD-1', 'weifang', 'CSQU3054383', 'discharge', 'B09', 'LUA12345', "
                 "now() - interval '3 hours', 'test'), ('DD-2', 'weifang', 'MSKU0000009', 'discharge', 'B09', "
                 "NULL, now() - interval '1 hour', 'test')")
    for box, minutes in (("CSQU3054383", 150), ("MSKU0000009", 20)):          # one long on the truck, one not
        conn.execute("INSERT INTO container_move (move_id, container_no, kind, moved_at, source) "
                     "VALUES (%s, %s, 'discharge', now() - make_interval(mins => %s), 'test')",
                     (f"dd-{box}", box, minutes))
    engine.cycle()
    found = [a for a in alerts(conn, "direct_delivery") if a["state"] != "resolved"]
    assert [a["subject_id"] for a in found] == ["CSQU3054383"]
    assert found[0]["details"]["overstay"] == "over_time" and found[0]["details"]["minutes"] == 150
    assert "overstays: 150 min in the terminal, 90 allowed, truck LUA12345" in found[0]["title_en"]
    on_road = conn.execute("SELECT ST_X(geom), ST_Y(geom) FROM alert WHERE alert_id = %s",
                           (found[0]["alert_id"],)).fetchone()
    berth = conn.execute("SELECT ST_X(p) FROM (SELECT ST_PointOnSurface(geom) p FROM berth "
                         "WHERE berth_id = 'B09') b").fetchone()
    assert on_road is not None and berth is not None and on_road[0] != pytest.approx(berth[0])   # left the berth
    conn.execute("INSERT INTO container_move (move_id, container_no, kind, moved_at, source) "
                 "VALUES ('dd-out', 'CSQU3054383', 'gate_out', now(), 'test')")          # out of the gate
    engine.cycle()
    assert [a["state"] for a in alerts(conn, "direct_delivery")] == ["resolved"]


# --- lifecycle traps (issue 32, point 3) ------------------------------------------------------
def test_resolving_while_the_condition_holds_quiets_it_instead_of_raising_it_again(conn: Any, engine: Any) -> None:
    """The officer resolves a speeding alert while the ship is still fast (the pilot is told): the engine does
    not raise her again a second later; after the quiet time, if she still is, it is a new alert. An alert the
    engine cleared itself (the condition went) is raised again at once when it comes back."""
    vessel(conn, 412000110, CHANNEL_MID, sog=14.0, cog=200)
    engine.cycle()
    ripe(engine)
    engine.cycle()
    first = alerts(conn, "speeding")
    assert [a["state"] for a in first] == ["open"]
    resolve(conn, first[0]["alert_id"], OFFICER, "pilot told to slow down")
    assert alerts(conn, "speeding")[0]["quiet_until"] > now() + timedelta(minutes=29)   # Weifang: 30 min
    for _ in range(3):
        vessel(conn, 412000110, CHANNEL_MID, sog=14.0, cog=200)
        engine.cycle()
        ripe(engine)
    assert [a["state"] for a in alerts(conn, "speeding")] == ["resolved"]      # quiet: not raised again
    conn.execute("UPDATE alert SET quiet_until = now() - interval '1 second' WHERE alert_id = %s",
                 (first[0]["alert_id"],))                                    # as if 30 minutes had passed
    engine.cycle()
    assert [a["state"] for a in alerts(conn, "speeding")] == ["resolved", "open"]   # still fast: a new alert
    vessel(conn, 412000110, CHANNEL_MID, sog=8.0, cog=200)
    engine.cycle()                                                           # below the limit: the engine clears
    cleared = alerts(conn, "speeding")[1]
    assert cleared["state"] == "resolved" and cleared["quiet_until"] < now() - timedelta(days=365)
    vessel(conn, 412000110, CHANNEL_MID, sog=14.0, cog=200)
    engine.cycle()
    ripe(engine)
    engine.cycle()
    assert [a["state"] for a in alerts(conn, "speeding")] == ["resolved", "resolved", "open"]


def test_a_feed_outage_holds_a_speeding_alert_until_the_feed_speaks_again(conn: Any, engine: Any) -> None:
    """A 4-minute receiver outage: the true speeding alert stays (held, noted once in its trail), the same
    alert, with its acknowledgement; when the feed speaks again and hears her, the rule decides; a feed that
    speaks without her for longer than the grace lets it clear."""
    vessel(conn, 412000120, CHANNEL_MID, sog=14.0, cog=200)
    engine.cycle()
    ripe(engine)
    engine.cycle()
    alert_id = alerts(conn, "speeding")[0]["alert_id"]
    acknowledge(conn, alert_id, OFFICER)
    vessel(conn, 412000120, CHANNEL_MID, sog=14.0, cog=200, age_s=240)   # her last report 4 minutes ago ...
    feed(conn, age_s=239)                                                # ... and nothing from her receiver since
    for _ in range(2):
        report = engine.cycle()
        assert alert_id not in report.cleared
    found = alerts(conn, "speeding")
    assert [(a["alert_id"], a["state"]) for a in found] == [(alert_id, "acknowledged")]
    notes = conn.execute("SELECT note FROM alert_action WHERE alert_id = %s AND action = 'note'",
                         (alert_id,)).fetchall()
    assert len(notes) == 1 and "silent since the last report" in notes[0][0] and PORT_FEED in notes[0][0]
    feed(conn, age_s=1)                                  # the receiver is back; she has not been heard yet
    assert alert_id not in engine.cycle().cleared        # (its feed-health alert clears)
    vessel(conn, 412000120, CHANNEL_MID, sog=14.2, cog=200)             # heard again, still fast: the same alert
    engine.cycle()
    assert [(a["alert_id"], a["state"]) for a in alerts(conn, "speeding")] == [(alert_id, "acknowledged")]
    vessel(conn, 412000120, CHANNEL_MID, sog=14.2, cog=200, age_s=200)  # silent while her feed works: it clears
    feed(conn, age_s=1)
    engine.feed_back.clear()
    assert alert_id in engine.cycle().cleared
