"""Alerts out: `python -m ingest alerts-out` publishes every state change of an alert on the real broker, and
mosquitto's own `mosquitto_sub` receives the raise, the acknowledgement and the resolution in order; the current
state stays retained for a subscriber that comes later; a restart resumes from its checkpoint."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from portdomain.broker import TEST_USER, private_password_file
from sql import alerts
from sql.alerts import Actor
from tests.conftest import ROOT, role_env

pytestmark = [pytest.mark.db, pytest.mark.skipif(shutil.which("mosquitto_sub") is None, reason="needs mosquitto")]
MQTT_PORT = os.environ.get("PORTMAP_MQTT_PORT", "51883")
OFFICER = Actor("duty", "officer", "port")


def _subscribe(out: Path, *extra: str) -> subprocess.Popen[bytes]:
    """mosquitto_sub as the tests' broker user, printing topic, retained flag and payload of each message."""
    password = private_password_file(TEST_USER).read_text().strip()
    with out.open("wb") as sink:
        return subprocess.Popen(["mosquitto_sub", "-h", "127.0.0.1", "-p", MQTT_PORT, "-u", TEST_USER, "-P",
                                 password, "-t", "portmap/weifang/alerts/#", "-q", "1", "-F", "%t %r %p", *extra],
                                stdout=sink, stderr=subprocess.STDOUT)


def _messages(out: Path, alert_id: int) -> list[tuple[bool, dict[str, Any]]]:
    found = []
    for line in out.read_text().splitlines():
        topic, retained, payload = line.split(" ", 2)
        if topic == f"portmap/weifang/alerts/{alert_id}":
            found.append((retained == "1", json.loads(payload)))
    return found


def _wait(out: Path, alert_id: int, count: int, timeout_s: float = 20) -> list[tuple[bool, dict[str, Any]]]:
    deadline = time.monotonic() + timeout_s
    while len(_messages(out, alert_id)) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return _messages(out, alert_id)


def _raise(conn: psycopg.Connection[Any], key: str) -> int:
    """An alert raised as the engine raises one: its row, its 'raise' on the trail, the NOTIFY."""
    row = conn.execute("""INSERT INTO alert (port_id, rule, severity, subject_kind, subject_id, dedup_key, geom,
                          evidence_at, title_en, title_zh, details) VALUES ('weifang', 'speeding', 'warning',
                          'vessel', '412000099', %s, ST_SetSRID(ST_MakePoint(119.21, 37.30), 4326), now(),
                          'Speeding 14.5 kn in the channel', '航道超速 14.5 节', '{"score": 55}')
                          RETURNING alert_id""", (key,)).fetchone()
    assert row is not None
    conn.execute("SELECT alert_action_append(%s, 'engine', NULL, NULL, 'raise', NULL)", (row[0],))
    conn.execute("SELECT pg_notify('portmap_alerts', %s)", (json.dumps({"alert_id": row[0], "action": "raise"}),))
    return int(row[0])


@pytest.fixture()
def publisher(weifang_db: str) -> Iterator[dict[str, Any]]:
    # each test's database numbers its alerts from 1: forget what earlier runs left retained on the broker
    subprocess.run(["timeout", "3", *_subscribe_args(), "-t", "portmap/weifang/alerts/#", "--remove-retained",
                    "-W", "1"], capture_output=True, check=False)
    env = {**role_env(weifang_db), "PORTMAP_MQTT_PORT": MQTT_PORT}
    cmd = [sys.executable, "-m", "ingest", "alerts-out", "--poll", "0.5", "--client-id",
           f"alerts-out-test-{os.getpid()}"]
    state: dict[str, Any] = {"url": weifang_db, "start": lambda: subprocess.Popen(cmd, cwd=ROOT, env=env)}
    state["proc"] = state["start"]()
    yield state
    state["proc"].terminate()
    state["proc"].wait(timeout=15)


def test_mosquitto_sub_gets_the_raise_acknowledge_and_resolve_and_the_state_stays_retained(
        publisher: dict[str, Any], tmp_path: Path) -> None:
    live = tmp_path / "live.txt"
    sub = _subscribe(live)
    try:
        time.sleep(0.5)                                   # subscribed before anything happens
        with psycopg.connect(publisher["url"], autocommit=True) as conn:
            alert_id = _raise(conn, f"speeding:out-{time.time_ns()}")
            assert [m["state"] for _, m in _wait(live, alert_id, 1)] == ["open"]
            alerts.acknowledge(conn, alert_id, OFFICER)
            _wait(live, alert_id, 2)
            alerts.add_note(conn, alert_id, OFFICER, "pilot informed")          # no state change: not sent
            alerts.resolve(conn, alert_id, OFFICER, "slowed down, left the channel")
            got = _wait(live, alert_id, 3)
    finally:
        sub.terminate()
    assert [m["state"] for _, m in got] == ["open", "acknowledged", "resolved"]
    assert [m["action"]["action"] for _, m in got] == ["raise", "acknowledge", "resolve"]
    assert got[1][1]["action"]["actor"] == "duty" and got[0][1]["action"]["actor"] == "engine"
    first = got[0][1]
    assert first["schema"] == "portmap-alert/1" and first["rule"] == "speeding" and first["severity"] == "warning"
    assert first["subject"] == {"kind": "vessel", "id": "412000099"} and first["title_zh"] == "航道超速 14.5 节"
    assert abs(first["lon"] - 119.21) < 1e-6 and first["score"] == 55
    time.sleep(1)
    assert len(_messages(live, alert_id)) == 3                # the note sent nothing
    later = tmp_path / "later.txt"                            # a system that subscribes afterwards
    subprocess.run(["timeout", "10", *_subscribe_args(), "-C", "1", "-t", f"portmap/weifang/alerts/{alert_id}"],
                   stdout=later.open("wb"), check=False)
    retained = _messages(later, alert_id)
    assert [(r, m["state"]) for r, m in retained] == [(True, "resolved")]


def _subscribe_args() -> list[str]:
    password = private_password_file(TEST_USER).read_text().strip()
    return ["mosquitto_sub", "-h", "127.0.0.1", "-p", MQTT_PORT, "-u", TEST_USER, "-P", password, "-q", "1",
            "-F", "%t %r %p"]


def _checkpointed(conn: psycopg.Connection[Any], timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    last = conn.execute("SELECT max(action_id) FROM alert_action").fetchone()
    while time.monotonic() < deadline and conn.execute(
            "SELECT position FROM ingest_checkpoint WHERE source = 'alerts-out:mqtt:weifang'").fetchone() != last:
        time.sleep(0.1)


def test_a_restarted_publisher_resumes_from_its_checkpoint(publisher: dict[str, Any], tmp_path: Path) -> None:
    live = tmp_path / "live.txt"
    sub = _subscribe(live)
    try:
        time.sleep(0.5)
        with psycopg.connect(publisher["url"], autocommit=True) as conn:
            first = _raise(conn, f"speeding:ckpt-a-{time.time_ns()}")
            _wait(live, first, 1)
            _checkpointed(conn)                               # ... and checkpointed (acknowledged by the broker)
            publisher["proc"].kill()                          # kill -9: no clean stop
            publisher["proc"].wait(timeout=10)
            second = _raise(conn, f"speeding:ckpt-b-{time.time_ns()}")     # raised while it is down
            publisher["proc"] = publisher["start"]()
            got = _wait(live, second, 1)
            last = conn.execute("SELECT max(action_id) FROM alert_action").fetchone()
            deadline, checkpoint = time.monotonic() + 10, None
            while checkpoint != last and time.monotonic() < deadline:     # checkpointed once acknowledged
                checkpoint = conn.execute("SELECT position FROM ingest_checkpoint "
                                          "WHERE source = 'alerts-out:mqtt:weifang'").fetchone()
                time.sleep(0.1)
    finally:
        sub.terminate()
    assert [m["state"] for _, m in got] == ["open"]
    assert len(_messages(live, first)) == 1                   # published once, not again after the restart
    assert checkpoint is not None and last is not None and checkpoint[0] == last[0]
