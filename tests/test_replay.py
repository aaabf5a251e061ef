"""Replay: the time control's arithmetic, and the picture at a past instant read from history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from app import replay
from app.alert_panel import alert_rows
from app.kpi import port_kpis
from layers import LAYERS, View
from layers.vessels import Vessels

NOW = datetime(2026, 11, 27, 17, 50, tzinfo=UTC)
BBOX = (118.70, 36.95, 119.75, 37.65)


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-27 14:05", datetime(2026, 11, 27, 14, 5, tzinfo=UTC)),
    ("2026-11-27T09:05:30Z", datetime(2026, 11, 27, 9, 5, 30, tzinfo=UTC)),
    ("14:05 UTC", datetime(2026, 11, 27, 14, 5, tzinfo=UTC)),
    ("18:00", datetime(2026, 11, 26, 18, 0, tzinfo=UTC)),          # still ahead today: yesterday's
    ("-15m", NOW - timedelta(minutes=15)),
    ("-2h", NOW - timedelta(hours=2)),
])
def test_the_time_box_reads_utc_times_clock_times_and_steps_back(text: str, expected: datetime) -> None:
    assert replay.parse_instant(text, NOW) == expected


@pytest.mark.parametrize(("text", "reason"), [
    ("next tuesday", "format"), ("2026-13-01 10:00", "format"), ("25:00", "format"),
    ("2026-11-28 10:00", "future"), ("2026-11-01 10:00", "history"),
])
def test_a_time_the_map_cannot_show_is_refused_with_its_reason(text: str, reason: str) -> None:
    with pytest.raises(replay.ReplayError) as err:
        replay.parse_instant(text, NOW)
    assert str(err.value) == reason


def test_a_playing_replay_moves_at_its_speed_and_turns_live_when_it_catches_up() -> None:
    paused = replay.step({}, "goto", NOW, text="17:00")
    assert replay.instant(paused, NOW + timedelta(minutes=5)) == NOW - timedelta(minutes=50)
    playing = replay.step(paused, "speed", NOW, speed=60)
    playing = replay.step(playing, "play", NOW, speed=60)
    assert playing["playing"] and playing["speed"] == 60
    assert replay.instant(playing, NOW + timedelta(seconds=10)) == NOW - timedelta(minutes=40)
    assert replay.instant(playing, NOW + timedelta(seconds=51)) is None        # caught up: live again
    back = replay.step(playing, "back", NOW + timedelta(seconds=10), text="-1h", speed=60)
    assert replay.instant(back, NOW + timedelta(seconds=10)) == NOW - timedelta(minutes=100)
    assert replay.step(back, "live", NOW) == {} and replay.instant({}, NOW) is None
    assert replay.clock(paused, "en", NOW).startswith("Replay 2026-11-27 17:00:00 UTC")
    assert replay.clock(playing, "zh", NOW + timedelta(seconds=1)).endswith("60× 播放中")


def _position(conn: psycopg.Connection[Any], mmsi: int, minutes_ago: float, lon: float, lat: float) -> None:
    conn.execute("""INSERT INTO vessel_position (mmsi, observed_at, received_at, source, msg_type, geom, sog_kn,
                    cog_deg, nav_status) VALUES (%s, now() - make_interval(secs => %s), now(), 'test', 1,
                    ST_SetSRID(ST_MakePoint(%s, %s), 4326), 10, 90, 0)""", (mmsi, minutes_ago * 60, lon, lat))


@pytest.mark.db
def test_the_vessel_picture_at_an_instant_is_each_ones_last_report_before_it(conn: psycopg.Connection[Any]) -> None:
    now = conn.execute("SELECT now()").fetchone()[0]    # type: ignore[index]
    conn.execute("INSERT INTO vessel (mmsi, name) VALUES (412000501, 'THEN HERE'), (412000502, 'LATE COMER')")
    _position(conn, 412000501, 50, 119.20, 37.30)
    _position(conn, 412000501, 10, 119.30, 37.40)
    _position(conn, 412000502, 5, 119.10, 37.35)
    conn.execute("INSERT INTO vessel_latest SELECT * FROM vessel_position WHERE mmsi IN (412000501, 412000502) "
                 "AND observed_at > now() - interval '11 minutes'")
    vessels = LAYERS["vessels"]
    assert isinstance(vessels, Vessels)

    def where(at: datetime | None) -> dict[int, tuple[float, float]]:
        pic = vessels.live_picture(conn, View(port_id="weifang", bbox=BBOX, at=at))
        return {int(m): (round(float(x), 4), round(float(y), 4)) for m, x, y in zip(pic.mmsi, pic.lon, pic.lat,
                                                                                  strict=True)
                if m in (412000501, 412000502)}

    assert where(now - timedelta(minutes=30)) == {412000501: (119.20, 37.30)}
    assert where(now - timedelta(minutes=8)) == {412000501: (119.30, 37.40)}
    assert where(now - timedelta(minutes=85)) == {}          # her 50-min-old report was still to come
    assert where(None) == {412000501: (119.30, 37.40), 412000502: (119.10, 37.35)}
    tracks = LAYERS["tracks"].query(conn, View(port_id="weifang", bbox=BBOX, at=now - timedelta(minutes=9),
                                               filters={"mmsi": 412000501}))
    mine = tracks[tracks["selected"]]
    assert list(mine["points"]) == [2]                        # her 24 h track as it was then: two reports


def _alert(conn: psycopg.Connection[Any], key: str, actions: list[tuple[str, int]], resolved_ago: int | None) -> int:
    raised = actions[0][1]
    alert_id: int = conn.execute(
        """INSERT INTO alert (port_id, rule, severity, subject_kind, subject_id, dedup_key, geom, evidence_at,
           raised_at, state, resolved_at, title_en, title_zh)
           VALUES ('weifang', 'speeding', 'warning', 'vessel', '1', %s, ST_SetSRID(ST_MakePoint(119.25, 37.4), 4326),
                   now() - make_interval(mins => %s), now() - make_interval(mins => %s),
                   CASE WHEN %s::int IS NULL THEN 'open' ELSE 'resolved' END, now() - make_interval(mins => %s),
                   'Speeding', '超速') RETURNING alert_id""",
        (key, raised, raised, resolved_ago, resolved_ago)).fetchone()[0]  # type: ignore[index]
    for action, ago in actions:
        conn.execute("INSERT INTO alert_action (alert_id, actor, action, acted_at) "
                     "VALUES (%s, 'duty', %s, now() - make_interval(mins => %s))", (alert_id, action, ago))
    return alert_id


@pytest.mark.db
def test_alerts_stand_as_their_action_log_says_they_did(conn: psycopg.Connection[Any]) -> None:
    now = conn.execute("SELECT now()").fetchone()[0]    # type: ignore[index]
    done = _alert(conn, "test:done", [("raise", 30), ("acknowledge", 20), ("resolve", 5)], resolved_ago=5)
    again = _alert(conn, "test:again", [("raise", 60), ("resolve", 40), ("reopen", 20), ("suppress", 10)], None)

    def states(minutes_ago: float | None) -> dict[int, str]:
        at = None if minutes_ago is None else now - timedelta(minutes=minutes_ago)
        return {r["alert_id"]: r["state"] for r in alert_rows(conn, "weifang", at) if r["alert_id"] in (done, again)}

    assert states(45) == {again: "open"}
    assert states(35) == {}                                   # one not yet raised, the other resolved then
    assert states(25) == {done: "open"}                      # the other was resolved, not yet reopened
    assert states(15) == {done: "acknowledged", again: "open"}
    assert states(2) == {again: "suppressed"}
    conn.execute("UPDATE alert SET state = 'suppressed' WHERE alert_id = %s", (again,))
    assert states(None) == {again: "suppressed"}
    drawn = LAYERS["alerts"].query(conn, View(port_id="weifang", bbox=BBOX, at=now - timedelta(minutes=15)))
    assert dict(zip(drawn["alert_id"], drawn["state"], strict=True)).get(done) == "acknowledged"


@pytest.mark.db
def test_the_yard_and_the_kpis_at_an_instant(conn: psycopg.Connection[Any]) -> None:
    now = conn.execute("SELECT now()").fetchone()[0]    # type: ignore[index]
    conn.execute("""INSERT INTO container (container_no, state, port_id, block_id, bay, row_, tier, geom, arrived_at,
                    departed_at) SELECT 'CSQU3054383', 'departed', 'weifang', 'B03', 7, 2, 1, ST_Centroid(geom),
                    now() - interval '60 minutes', now() - interval '10 minutes' FROM yard_slot
                    WHERE block_id = 'B03' AND bay = 7 AND row_ = 2""")
    conn.execute("""INSERT INTO hazmat_declaration (declaration_id, subject_kind, subject_id, un_number, imdg_class,
                    declared_at, source) VALUES ('test-1', 'container', 'CSQU3054383', 1203, '3', now(), 'test')""")
    then, later = port_kpis(conn, "weifang", at=now - timedelta(minutes=30)), port_kpis(conn, "weifang")
    assert then["containers"] - later["containers"] == 1 and then["dg_containers"] - later["dg_containers"] == 1
    dg = LAYERS["dg_containers"]
    assert "CSQU3054383" in set(dg.query(conn, View(port_id="weifang", bbox=BBOX, at=now - timedelta(minutes=30)))
                                ["container_no"])
    assert "CSQU3054383" not in set(dg.query(conn, View(port_id="weifang", bbox=BBOX))["container_no"])
