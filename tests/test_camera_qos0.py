"""Issue 25 point 7: Frigate publishes `frigate/events` at QoS 0. The private broker, as scripts/services.sh
configures it (queue_qos0_messages), keeps them for the camera worker's persistent session while the worker is
down: a restart of the real `python -m ingest camera` process loses none."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import psycopg
import pytest

from portdomain.broker import FRIGATE_USER, BrokerLogin
from tests.conftest import ROOT, _free_port
from tests.test_camera_frigate import CAPTURED, camera_db  # noqa: F401  (the fixture)

pytestmark = pytest.mark.db


@pytest.fixture()
def services_broker(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """(its port, its data folder)."""
    """The private mosquitto exactly as scripts/services.sh starts it, under a data folder of the test's own."""
    port = _free_port()
    env = {**os.environ, "PORTMAP_DATA": str(tmp_path / "data"), "PORTMAP_MQTT_PORT": str(port)}
    subprocess.run(["bash", "scripts/services.sh", "mqtt-start"], cwd=ROOT, env=env, check=True, timeout=30)
    try:     # the data folder holds its secrets: the logins of Frigate and the camera worker
        yield port, tmp_path / "data"
    finally:
        subprocess.run(["bash", "scripts/services.sh", "mqtt-stop"], cwd=ROOT, env=env, timeout=30)


def publish_qos0(port: int, data: Path, topic: str, items: list[bytes]) -> None:
    """As Frigate does: its own login on the private broker (the password services.sh generated)."""
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"frigate-{time.time_ns()}")
    password = (data / "secrets" / f"mqtt-{FRIGATE_USER}").read_text().strip()
    BrokerLogin("127.0.0.1", port, FRIGATE_USER, password).apply(client)
    client.connect("127.0.0.1", port)
    client.loop_start()
    for item in items:
        client.publish(topic, item, qos=0).wait_for_publish(timeout=5)
    client.loop_stop()
    client.disconnect()


def event(i: int) -> bytes:
    doc = json.loads(json.dumps(CAPTURED[0]))
    doc["after"]["id"] = f"qos0-{i}"
    return json.dumps(doc).encode()


def stored(url: str) -> int:
    with psycopg.connect(url) as conn:
        return int(conn.execute("SELECT count(*) FROM camera_event WHERE event_id LIKE 'qos0-%'").fetchone()[0])  # type: ignore[index]


def worker(url: str, port: int, data: Path, topic: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "ingest", "camera", "--mqtt", f"127.0.0.1:{port}",
                             "--topic", topic, "--client-id", "portmap-camera-qos0"], cwd=ROOT,
                            env={**os.environ, "DATABASE_URL": url, "PORTMAP_DATA": str(data)},
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def wait_for(what: Any, timeout_s: float = 30) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if what():
            return True
        time.sleep(0.1)
    return False


def test_qos0_events_sent_while_the_worker_restarts_are_all_stored(
        camera_db: str, services_broker: tuple[int, Path]) -> None:  # noqa: F811
    port, data = services_broker
    assert "queue_qos0_messages true" in (data / "mqtt" / "mosquitto.conf").read_text()
    topic = "frigate/events"
    proc = worker(camera_db, port, data, topic)
    try:
        # the worker is up and subscribed once a QoS 0 event reaches the database
        assert wait_for(lambda: (publish_qos0(port, data, topic, [event(0)]), stored(camera_db))[1] >= 1, 30)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) is not None
        publish_qos0(port, data, topic, [event(i) for i in range(1, 41)])     # the worker is down
        proc = worker(camera_db, port, data, topic)
        assert wait_for(lambda: stored(camera_db) >= 41, 30), stored(camera_db)
        time.sleep(1.0)
        assert stored(camera_db) == 41
    finally:
        proc.terminate()
        proc.wait(timeout=15)
