"""Faults against a whole stack as `make demo` runs it: a private PostgreSQL and MQTT broker of the test's own
(scripts/services.sh with PORTMAP_DATA), and every worker under scripts/daemon.sh's supervisor.

PostgreSQL restarted, the broker restarted, `kill -9` of each ingest worker and of the app, the spool's disk
budget used up: nothing that was accepted is lost, everything recovers by itself, no alert is duplicated.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pyais.encode import encode_dict

from bench.aisgen import _tag, messages
from bench.edifact_import import coarri
from bench.stack import Publisher, Stack, send_ais, wait_for
from tests.conftest import PASSWORD, ROOT, _free_port
from tests.test_ais_faults import expected_positions

pytestmark = pytest.mark.db
FRIGATE = json.loads((ROOT / "tests" / "fixtures" / "camera" / "frigate-events-front_door-person.json").read_text())


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    s = Stack()
    try:
        s.start()
        yield s
    finally:
        s.stop()


# --- traffic --------------------------------------------------------------------------------------
def ais_lines(seconds: int, rate: int, station: str, minutes_ago: int) -> list[str]:
    start = int(time.time()) - minutes_ago * 60
    return list(messages(rate * seconds, vessels=2_000, per_second=rate, station=station, start=start,
                         seed=minutes_ago))


def missing_positions(stack: Stack, lines: list[str]) -> set[tuple[int, Any]]:
    want = expected_positions(lines)
    first, last = min(w[1] for w in want), max(w[1] for w in want)
    got = set(stack.query("SELECT mmsi, observed_at FROM vessel_position WHERE observed_at BETWEEN %s AND %s",
                          (first, last)))
    return want - got


def frigate_events(prefix: str, n: int) -> list[bytes]:
    out = []
    for i in range(n):
        doc = json.loads(json.dumps(FRIGATE[0]))
        doc["after"]["id"] = doc["before"]["id"] = f"{prefix}-{i}"
        out.append(json.dumps(doc).encode())
    return out


def stored_events(stack: Stack, prefix: str) -> int:
    return int(stack.query("SELECT count(*) FROM camera_event WHERE event_id LIKE %s", (f"{prefix}-%",))[0][0])


# --- the faults -------------------------------------------------------------------------------------
def test_postgres_restart_under_traffic_loses_nothing_and_every_process_recovers(stack: Stack) -> None:
    pids = {name: stack.worker(name) for name in Stack.WORKERS}
    lines = ais_lines(12, 2_000, "pgfault", minutes_ago=40)
    events = frigate_events("pgfault", 40)
    publisher = Publisher(stack.ports["mqtt"], stack.data)
    outage: list[float] = []

    def during(i: int) -> None:
        if i % 600 == 0 and i // 600 < len(events):
            publisher.publish(events[i // 600])
        if i == 6_000:
            stack.sh("scripts/services.sh", "pg-stop")
            outage.append(time.monotonic())
        if i == 16_000:
            stack.sh("scripts/services.sh", "pg-start")
            outage.append(time.monotonic())

    send_ais(stack.ports["udp"], lines, 2_000, during)
    for event in events[len(lines) // 600 + 1:]:
        publisher.publish(event)
    publisher.close()
    assert outage[1] - outage[0] >= 4
    wait_for("every AIS position", lambda: not missing_positions(stack, lines), 90, 1)
    wait_for("every camera event", lambda: stored_events(stack, "pgfault") == len(events), 60, 0.5)
    wait_for("the app to answer again", lambda: stack.up(f"{stack.base}/healthz"), 30)
    # Nothing had to be restarted: each process saw the outage and waited it out (the alert engine's next
    # raise, after the outage, is in the test below).
    assert {name: stack.worker(name) for name in Stack.WORKERS} == pids
    for name in ("ais", "camera", "alerts"):
        assert "database unavailable" in stack.log(name), name


def publish_events(stack: Stack, events: list[bytes], pause: float, after: dict[int, Callable[[], Any]]) -> None:
    """Publish like Frigate, one every `pause` seconds, running `after[i]()` once event i is published."""
    publisher = Publisher(stack.ports["mqtt"], stack.data)
    for i, event in enumerate(events):
        publisher.publish(event)
        if i in after:
            after[i]()
        time.sleep(pause)
    publisher.close()


def test_broker_restart_loses_no_camera_event(stack: Stack) -> None:
    events = frigate_events("brokerfault", 30)
    publish_events(stack, events, 0.1, {10: lambda: stack.sh("scripts/services.sh", "mqtt-stop"),
                                        20: lambda: stack.sh("scripts/services.sh", "mqtt-start")})
    wait_for("every camera event", lambda: stored_events(stack, "brokerfault") == len(events), 60, 0.5)


def test_kill_9_of_the_ais_worker_loses_nothing_it_had_accepted(stack: Stack) -> None:
    lines = ais_lines(2, 2_000, "aiskill", minutes_ago=30)
    journal = stack.data / "spool" / "ais" / "journal"
    with psycopg.connect(stack.url) as blocker:           # hold the writer's merge: nothing commits meanwhile
        blocker.execute("LOCK TABLE vessel_latest IN ACCESS EXCLUSIVE MODE")

        def journaled() -> int:
            return sum(sum(1 for ln in p.read_bytes().splitlines() if ln.startswith(b"\\"))
                       for p in journal.glob("*.nmea"))
        before = journaled()
        send_ais(stack.ports["udp"], lines, 2_000)
        wait_for("the listener to accept every datagram", lambda: journaled() - before >= len(lines), 20)
        assert missing_positions(stack, lines), "nothing should have been committed before the kill"
        stack.kill9("ais")
        blocker.rollback()
    wait_for("the restarted worker to store what the dead one had accepted",
             lambda: not missing_positions(stack, lines), 60, 0.5)
    assert stack.query("SELECT count(*) - count(DISTINCT (mmsi, observed_at)) FROM vessel_position") == [(0,)]
    assert "exited with status" in stack.log("ais")


def test_kill_9_of_the_camera_worker_loses_no_event(stack: Stack) -> None:
    events = frigate_events("camkill", 40)
    publish_events(stack, events, 0.05, {15: lambda: stack.kill9("camera")})
    wait_for("every camera event", lambda: stored_events(stack, "camkill") == len(events), 60, 0.5)
    assert stack.query("SELECT count(*) FROM camera_event WHERE event_id LIKE 'camkill-%'") == [(len(events),)]


def test_kill_9_of_the_inbox_midway_through_a_file_imports_it_once(stack: Stack) -> None:
    stack.inbox.mkdir(parents=True, exist_ok=True)
    body = coarri(5_000)
    (stack.inbox / ".coarri-kill.tmp").write_text(body)
    (stack.inbox / ".coarri-kill.tmp").rename(stack.inbox / "coarri-kill.edi")

    def moves() -> int:
        return int(stack.query("SELECT count(*) FROM container_move WHERE vessel_voyage LIKE '%101N%'")[0][0])

    def importing() -> bool:          # the file's one transaction is open and writing
        return bool(stack.query("SELECT count(*) FROM pg_stat_activity WHERE datname = 'portmap' AND "
                                "backend_xid IS NOT NULL AND query ILIKE '%container%'")[0][0])
    wait_for("the import to start", importing, 30, 0.02)
    stack.kill9("inbox")
    assert not (stack.inbox / "done" / "coarri-kill.edi").exists(), "the import was not caught midway"
    wait_for("the dead import's transaction to roll back", lambda: not importing(), 30, 0.1)
    wait_for("the file to be imported after the restart", lambda: (stack.inbox / "done" / "coarri-kill.edi").exists(),
             90, 0.5)
    assert moves() == 5_000


def _keep_in_restricted_water(stack: Stack, mmsi: int, stop: threading.Event) -> None:
    with psycopg.connect(stack.url, autocommit=True) as conn:
        lon, lat = conn.execute("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_PointOnSurface(geom) c FROM zone "
                                "WHERE zone_id = 'chem-safety-water') z").fetchone()  # type: ignore[misc]
        conn.execute("INSERT INTO vessel (mmsi, name, ship_type) VALUES (%s, 'HAI OU', 37) ON CONFLICT DO NOTHING",
                     (mmsi,))
        while not stop.is_set():
            now = datetime.now(UTC)
            conn.execute("""INSERT INTO vessel_latest (mmsi, observed_at, received_at, source, msg_type, geom, sog_kn,
                                cog_deg, heading_deg, nav_status)
                            VALUES (%s, %s, %s, 'ais:udp:faults-0', 1, ST_SetSRID(ST_MakePoint(%s, %s), 4326), 4, 90,
                                    90, 0)
                            ON CONFLICT (mmsi) DO UPDATE SET observed_at = EXCLUDED.observed_at,
                                received_at = EXCLUDED.received_at""", (mmsi, now, now, lon, lat))
            conn.execute("""INSERT INTO feed_status (source, kind, last_message_at, state, live)
                            VALUES ('ais:udp:faults-0', 'ais', %s, 'ok', true) ON CONFLICT (source)
                            DO UPDATE SET last_message_at = EXCLUDED.last_message_at""", (now,))
            stop.wait(1)


def test_kill_9_of_the_alert_engine_raises_no_duplicate(stack: Stack) -> None:
    mmsi = 413_777_001
    stop = threading.Event()
    keeper = threading.Thread(target=_keep_in_restricted_water, args=(stack, mmsi, stop), daemon=True)
    keeper.start()
    try:
        def live() -> list[tuple[Any, ...]]:
            return stack.query("SELECT alert_id, state FROM alert WHERE rule = 'restricted_entry' AND subject_id = %s",
                               (str(mmsi),))
        wait_for("the engine to raise the alert", lambda: bool(live()), 30, 0.5)
        first = live()
        stack.kill9("alerts")
        time.sleep(2)
        stack.kill9("alerts")                       # twice, in quick succession
        wait_for("the restarted engine to cycle", lambda: stack.query(
            "SELECT count(*) FROM alert WHERE alert_id = %s AND last_seen_at > now() - interval '2 seconds'",
            (first[0][0],))[0][0] == 1, 30, 0.5)
        assert live() == first, "the condition held throughout: the same alert, still open"
        raises = stack.query("""SELECT count(*) FROM alert_action a JOIN alert USING (alert_id)
                                WHERE rule = 'restricted_entry' AND subject_id = %s AND a.action = 'raise'""",
                             (str(mmsi),))
        assert raises == [(1,)]
    finally:
        stop.set()
        keeper.join(timeout=5)
        stack.query("DELETE FROM vessel_latest WHERE mmsi = %s RETURNING mmsi", (mmsi,))


def test_kill_9_of_the_app_keeps_the_officers_signed_in(stack: Stack) -> None:
    from app.auth import add_user, login
    with psycopg.connect(stack.url, autocommit=True) as conn:
        add_user(conn, "nightduty", "Night Duty", "officer", "port", PASSWORD)
        signed = login(conn, "nightduty", PASSWORD)
    assert signed is not None

    def layer() -> int:
        request = urllib.request.Request(f"{stack.base}/api/v1/layers/berths?format=geojson",
                                         headers={"Cookie": f"portmap_session={signed[0]}"})
        try:
            with urllib.request.urlopen(request, timeout=5) as r:
                return len(json.load(r)["features"])
        except (OSError, urllib.error.HTTPError):
            return -1
    assert layer() > 0
    stack.kill9("app")
    wait_for("the app to come back", lambda: stack.up(f"{stack.base}/healthz"), 60)
    assert layer() > 0, "the session survives the app's restart"


def position_lines(count: int, rate: int, start: int) -> list[str]:
    """Single-sentence class A positions, each a distinct (MMSI, second)."""
    out = []
    for n in range(count):
        unix = start + n // rate
        tag = _tag("budget", unix)
        data = {"type": 1, "mmsi": 414_000_000 + n % rate, "lon": 119.2 + (n % rate) * 1e-5, "lat": 37.25,
                "speed": 5.0, "course": 90.0, "heading": 90, "second": unix % 60, "status": 0}
        out.append(tag + encode_dict(data, talker_id="AI", radio_channel="A")[0])
    return out


def test_a_used_up_spool_budget_refuses_with_a_count_and_loses_nothing_accepted(stack: Stack, tmp_path: Path) -> None:
    udp, metrics = _free_port(), _free_port()
    spool = tmp_path / "spool"
    env = {**stack.env, "DATABASE_URL": stack.url}
    worker = subprocess.Popen([sys.executable, "-m", "ingest", "ais", "--udp", f"127.0.0.1:{udp}", "--station",
                               "budget", "--spool", str(spool), "--spool-max-mb", "1", "--metrics",
                               f"127.0.0.1:{metrics}"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    try:
        wait_for("the budget worker", lambda: stack.up(f"http://127.0.0.1:{metrics}/metrics"), 30)
        start = int(time.time()) - 20 * 60
        lines = position_lines(30_000, 3_000, start)
        stack.sh("scripts/services.sh", "pg-stop")
        try:
            send_ais(udp, lines, 3_000)
            time.sleep(1)
            used = sum(p.stat().st_size for p in spool.rglob("*") if p.is_file())
            assert used <= 1 << 20, f"the spool holds {used} bytes, over its 1 MB budget"
        finally:
            stack.sh("scripts/services.sh", "pg-start")
        window = (datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(start, UTC) + timedelta(seconds=20))

        def accounted() -> tuple[int, int]:
            stored = stack.query("SELECT count(*) FROM vessel_position WHERE mmsi BETWEEN 414000000 AND 414002999 "
                                 "AND observed_at BETWEEN %s AND %s", window)[0][0]
            refused = stack.query("SELECT coalesce(sum(count), 0) FROM ingest_reject_count "
                                  "WHERE source = 'ais:udp:budget-0' AND reason = 'spool_full'")[0][0]
            return int(stored), int(refused)
        try:
            wait_for("every line stored or counted refused", lambda: sum(accounted()) == len(lines), 60, 0.5)
        finally:
            stored, refused = accounted()
            print(f"spool budget: {len(lines)} sent, {stored} stored, {refused} refused")
        assert stored > 10_000 and refused > 5_000, (stored, refused)
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics}/metrics", timeout=5) as r:
            text = r.read().decode()
        assert f'reason="spool_full",source="ais:udp:budget-0"}} {float(refused)}' in text
        # With the database back, committed journal segments are pruned and the listener accepts again.
        send_ais(udp, position_lines(3_000, 3_000, start + 600), 3_000)
        wait_for("lines sent after the recovery", lambda: stack.query(
            "SELECT count(*) FROM vessel_position WHERE mmsi BETWEEN 414000000 AND 414002999 AND observed_at = %s",
            (datetime.fromtimestamp(start + 600, UTC),))[0][0] == 3_000, 30, 0.5)
        assert accounted()[1] == refused
    finally:
        worker.terminate()
        _, err = worker.communicate(timeout=30)
    assert b"disk budget" in err and b"refusing new lines" in err
