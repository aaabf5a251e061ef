"""Frigate camera events: real payloads parsed and stored, through a real mosquitto, across its restart."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import psycopg
import pytest

from ingest.camera.frigate import Invalid, parse_event
from ingest.camera.mqtt import FrigateSubscriber
from portdomain.broker import TEST_USER, BrokerLogin
from sql import DbSettings
from tests.conftest import ROOT, _free_port

FIXTURES = ROOT / "tests" / "fixtures" / "camera"
CAPTURED = json.loads((FIXTURES / "frigate-events-front_door-person.json").read_text())
DOCS_EVENT = (FIXTURES / "example_00_frigate_events.json").read_bytes()


def payloads() -> list[bytes]:
    return [json.dumps(p).encode() for p in CAPTURED]


@pytest.mark.unit
def test_the_captured_sequence_parses_to_one_track() -> None:
    events = [parse_event(p) for p in payloads()]
    assert [e.raw["type"] for e in events] == ["new", "update", "update", "end"]
    assert {e.event_id for e in events} == {"1701219277.370731-gsjiax"}
    last = events[-1]
    assert last.label == "person" and last.camera == "front_door"
    assert last.start_at == datetime.fromtimestamp(1701219277.370731, tz=UTC)
    assert last.end_at is not None and last.end_at > last.start_at
    assert set(last.entered_zones) >= {"porch"}


@pytest.mark.unit
def test_the_documented_event_parses() -> None:
    event = parse_event(DOCS_EVENT)
    assert event.event_id == "1607123955.475377-mxklsc" and event.zones == ["yard", "driveway"]
    assert event.entered_zones == ["yard", "driveway"] and event.end_at is None


@pytest.mark.unit
@pytest.mark.parametrize(("payload", "reason"), [
    (b"{not json", "bad_json"),
    (b'{"type": "delete", "after": {}}', "not_an_event"),
    (b'{"type": "new", "after": {"id": "x", "camera": "c", "label": "person"}}', "missing_field"),
    (b'{"type": "new", "after": {"id": "x", "camera": "c", "label": "car", "start_time": "yesterday"}}',
     "bad_value"),
    (b'{"type": "new", "after": {"id": "x", "camera": "c", "label": "car", "start_time": 1, "score": 7}}',
     "bad_value"),
])
def test_bad_payloads_are_rejected_with_a_reason(payload: bytes, reason: str) -> None:
    with pytest.raises(Invalid) as info:
        parse_event(payload)
    assert info.value.args[0] == reason


@pytest.fixture()
def camera_db(weifang_db: str) -> str:
    """Weifang, plus a quay camera that Frigate calls `front_door` (the name in the real payloads)."""
    url = weifang_db
    with psycopg.connect(url) as conn:
        conn.execute("""INSERT INTO camera (port_id, camera_id, name_en, name_zh, source_name, bearing_deg, fov_deg,
                                            range_m, zone_ids, geom, fov)
                        SELECT port_id, 'CAM-FD', 'Front door', '前门', 'front_door', bearing_deg, fov_deg, range_m,
                               zone_ids, geom, fov FROM camera WHERE camera_id = 'CAM01'""")
    return url


def publish(port: int, items: list[bytes], topic: str = "frigate/events") -> None:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"pub-{time.time_ns()}")
    BrokerLogin.private(TEST_USER).apply(client)
    client.connect("127.0.0.1", port)
    client.loop_start()
    for item in items:
        client.publish(topic, item, qos=1).wait_for_publish(timeout=5)
    client.loop_stop()
    client.disconnect()


def run_subscriber(url: str, port: int, client_id: str, until: Any, timeout_s: float = 20,
                   topic: str = "frigate/events") -> FrigateSubscriber:
    sub = FrigateSubscriber("127.0.0.1", port, DbSettings(url=url), "weifang", client_id=client_id, topic=topic,
                            login=BrokerLogin.private(TEST_USER))
    thread = threading.Thread(target=sub.run)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not until(sub) and time.monotonic() < deadline:
        time.sleep(0.05)
    sub.stop()
    thread.join(timeout=10)
    return sub


@pytest.mark.db
def test_new_update_end_through_the_broker_is_one_row_and_a_bad_payload_does_not_stop_the_next(
        camera_db: str) -> None:
    port = int(os.environ.get("PORTMAP_MQTT_PORT", "51883"))
    client_id = f"portmap-test-{time.time_ns()}"
    topic = f"{client_id}/events"        # a topic of the test's own on the shared broker
    # the first connection creates the persistent session, so what is published next is kept for it
    run_subscriber(camera_db, port, client_id, until=lambda s: s.client.is_connected(), topic=topic)
    elsewhere = json.loads(DOCS_EVENT)
    elsewhere["after"].update(id="elsewhere-1", camera="gate_north")
    publish(port, [*payloads(), b"{broken", DOCS_EVENT, json.dumps(elsewhere).encode()], topic=topic)
    sub = run_subscriber(camera_db, port, client_id, until=lambda s: sum(s.counts.values()) >= 7, topic=topic)
    assert sub.counts == {"stored": 5, "bad_json": 1, "unknown_camera": 1}
    with psycopg.connect(camera_db) as conn:
        rows = conn.execute("SELECT event_id, camera_id, label, start_at, end_at, entered_zones, "
                            "geom IS NOT NULL FROM camera_event ORDER BY start_at DESC").fetchall()
        reasons = dict(conn.execute("SELECT reason, count FROM ingest_reject_count").fetchall())
    assert [r[0] for r in rows] == ["1701219277.370731-gsjiax", "1607123955.475377-mxklsc"]
    event_id, camera_id, label, start_at, end_at, entered, located = rows[0]
    assert (event_id, camera_id, label) == ("1701219277.370731-gsjiax", "CAM-FD", "person")
    assert start_at == datetime.fromtimestamp(1701219277.370731, tz=UTC) and end_at is not None
    assert "porch" in entered and located
    assert reasons == {"bad_json": 1, "unknown_camera": 1}


@pytest.fixture()
def own_broker(tmp_path: Path) -> Iterator[tuple[int, Any]]:
    """A mosquitto of the test's own with persistence, which the test restarts."""
    port = _free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
                    f"persistence_location {tmp_path}/\nuser root\n")
    procs: list[subprocess.Popen[bytes]] = []

    def start() -> None:
        procs.append(subprocess.Popen([shutil.which("mosquitto") or "mosquitto", "-c", str(conf)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                import socket
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start")

    def restart() -> None:
        procs[-1].terminate()           # mosquitto saves its persistent store on a clean exit
        procs[-1].wait(timeout=10)
        start()

    start()
    try:
        yield port, restart
    finally:
        for p in procs:
            p.terminate()


@pytest.mark.db
def test_qos1_messages_survive_a_broker_restart(camera_db: str, own_broker: tuple[int, Any]) -> None:
    port, restart = own_broker
    client_id = "portmap-restart-test"
    run_subscriber(camera_db, port, client_id, until=lambda s: s.client.is_connected())
    events = []
    for i in range(30):
        doc = json.loads(json.dumps(CAPTURED[0]))
        doc["after"]["id"] = f"restart-{i}"
        events.append(json.dumps(doc).encode())
    publish(port, events)          # the subscriber is away: the broker holds them for its session
    restart()
    sub = run_subscriber(camera_db, port, client_id, until=lambda s: s.counts["stored"] >= 30)
    assert sub.counts["stored"] == 30
    with psycopg.connect(camera_db) as conn:
        assert conn.execute("SELECT count(*) FROM camera_event WHERE event_id LIKE 'restart-%'").fetchone() == (30,)


@pytest.mark.db
def test_camera_health_follows_frigate_status(camera_db: str) -> None:
    port = int(os.environ.get("PORTMAP_MQTT_PORT", "51883"))
    client_id = f"portmap-status-{time.time_ns()}"
    prefix = client_id                   # stands for "frigate" in the topics, so no other session sees them
    run_subscriber(camera_db, port, client_id, until=lambda s: s.client.is_connected(), topic=f"{prefix}/events")

    def send(topic: str, payload: bytes) -> None:
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"pub-{time.time_ns()}")
        BrokerLogin.private(TEST_USER).apply(client)
        client.connect("127.0.0.1", port)
        client.loop_start()
        client.publish(topic, payload, qos=1).wait_for_publish(timeout=5)
        client.loop_stop()
        client.disconnect()

    send(f"{prefix}/front_door/status/detect", b"online")
    run_subscriber(camera_db, port, client_id, until=lambda s: s.counts["status"] >= 1, topic=f"{prefix}/events")
    with psycopg.connect(camera_db) as conn:
        states = dict(conn.execute("SELECT camera_id, status FROM camera").fetchall())
    assert states["CAM-FD"] == "online" and states["CAM01"] == "unknown"
    send(f"{prefix}/available", b"offline")           # Frigate itself went away: no camera is watched
    run_subscriber(camera_db, port, client_id, until=lambda s: s.counts["status"] >= 1, topic=f"{prefix}/events")
    with psycopg.connect(camera_db) as conn:
        assert set(dict(conn.execute("SELECT camera_id, status FROM camera").fetchall()).values()) == {"offline"}


@pytest.mark.db
def test_reviews_are_stored_and_never_downgraded(camera_db: str) -> None:
    from ingest.camera.store import CameraStore
    review = json.loads((FIXTURES / "example_06_frigate_reviews.json").read_text())
    review["after"]["camera"] = review["before"]["camera"] = "front_door"
    later = json.loads(json.dumps(review))
    later["type"] = "end"
    later["after"].update(severity="detection", end_time=review["after"]["start_time"] + 30)
    with psycopg.connect(camera_db) as conn:
        counts = CameraStore(conn, "weifang", "test").write([], [json.dumps(review).encode(),
                                                                 json.dumps(later).encode(), b"[]"])
        row = conn.execute("SELECT review_id, severity, objects, sub_labels, zones, cardinality(detections), "
                           "end_at - start_at FROM camera_review").fetchone()
    assert counts == {"stored": 2, "not_a_review": 1}
    assert row is not None and row[:6] == ("1718987129.308396-fqk5ka", "alert", ["person", "car"], ["Bob"],
                                           ["front_yard"], 3)
    assert row[6].total_seconds() == 30
