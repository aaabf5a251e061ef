"""The private MQTT broker takes logins only (issue 24, point 2): anonymous and wrong-password connects are
refused, each user is held to its topics by the ACL, and the camera worker joins a secured broker with
--mqtt-user/--mqtt-password-file or a URL."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import psycopg
import pytest

from portdomain import broker
from portdomain.broker import CAMERA_USER, FRIGATE_USER, TEST_USER, BrokerLogin, private_password_file
from tests.conftest import ROOT

PORT = int(os.environ.get("PORTMAP_MQTT_PORT", "51883"))
EVENT = (ROOT / "tests" / "fixtures" / "camera" / "example_00_frigate_events.json").read_bytes()


def _connack(login: BrokerLogin | None) -> Any:
    """The broker's answer to a connect with this login (None: anonymous)."""
    answer: list[Any] = []
    done = threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"probe-{uuid.uuid4().hex[:8]}")
    if login is not None:
        login.apply(client)

    def connected(_c: Any, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        answer.append(reason)
        done.set()

    client.on_connect = connected
    client.connect("127.0.0.1", PORT)
    client.loop_start()
    done.wait(5)
    client.loop_stop()
    client.disconnect()
    assert answer, "no CONNACK"
    return answer[0]


@pytest.mark.db
def test_an_anonymous_connect_is_refused() -> None:
    reason = _connack(None)
    assert reason.is_failure and "authori" in str(reason).lower()


@pytest.mark.db
def test_a_wrong_password_is_refused_and_the_generated_one_works() -> None:
    assert _connack(BrokerLogin("127.0.0.1", PORT, CAMERA_USER, "guess")).is_failure
    good = BrokerLogin.private(CAMERA_USER)
    assert good.user == CAMERA_USER and good.password and len(good.password) >= 32
    assert not _connack(good).is_failure
    path = private_password_file(CAMERA_USER)
    assert path.stat().st_mode & 0o777 == 0o600 and path.stat().st_uid == 0


def _receive(topic: str, publisher: BrokerLogin, subscriber: BrokerLogin) -> list[bytes]:
    got: list[bytes] = []
    sub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"sub-{uuid.uuid4().hex[:8]}")
    subscriber.apply(sub)
    sub.on_message = lambda _c, _u, msg: got.append(bytes(msg.payload))
    sub.connect("127.0.0.1", PORT)
    sub.subscribe(topic, qos=1)
    sub.loop_start()
    time.sleep(0.3)
    pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:8]}")
    publisher.apply(pub)
    pub.connect("127.0.0.1", PORT)
    pub.loop_start()
    pub.publish(topic, b"hello", qos=1).wait_for_publish(timeout=5)
    time.sleep(0.5)
    for c in (pub, sub):
        c.loop_stop()
        c.disconnect()
    return got


@pytest.mark.db
def test_each_user_is_held_to_its_topics() -> None:
    topic = f"frigate/acl-{uuid.uuid4().hex[:8]}"
    camera, frigate, test = (BrokerLogin.private(u) for u in (CAMERA_USER, FRIGATE_USER, TEST_USER))
    assert _receive(topic, frigate, camera) == [b"hello"]         # Frigate publishes, the camera worker reads
    assert _receive(topic, camera, test) == []                    # the camera worker may not publish
    assert _receive(f"elsewhere/{uuid.uuid4().hex[:8]}", frigate, test) == []   # nor Frigate outside frigate/


@pytest.mark.unit
def test_broker_addresses_and_logins(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("s3cret\n")
    login = broker.login_for("mqtts://cam@broker.port.example:8884", None, str(secret), "/etc/ca.pem", "x")
    assert (login.host, login.port, login.user, login.password, login.tls, login.tls_ca) == \
        ("broker.port.example", 8884, "cam", "s3cret", True, "/etc/ca.pem")
    assert broker.login_for("mqtt://h", "u", str(secret), None, "x").port == 1883
    with pytest.raises(broker.BrokerConfigError, match="does not go in the URL"):
        broker.login_for("mqtt://u:pw@h:1883", None, None, None, "x")
    with pytest.raises(broker.BrokerConfigError):
        broker.login_for("h", None, None, None, "x")
    parser = argparse.ArgumentParser()
    parser.add_argument("--mqtt")
    broker.add_arguments(parser)
    args = parser.parse_args(["--mqtt-user", "cam2", "--mqtt-password-file", str(secret)])
    assert broker.from_arguments("10.0.0.5:1883", args, CAMERA_USER).user == "cam2"


@pytest.mark.db
def test_the_camera_worker_joins_with_a_url_and_a_password_file(camera_db_url: str, tmp_path: Path) -> None:
    prefix = f"url{time.time_ns()}"
    env = {**os.environ, "DATABASE_URL": camera_db_url}
    proc = subprocess.Popen([sys.executable, "-m", "ingest", "camera", "--mqtt", f"mqtt://{TEST_USER}@127.0.0.1:{PORT}",
                             "--mqtt-password-file", str(private_password_file(TEST_USER)), "--topic",
                             f"{prefix}/events", "--client-id", prefix], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(2)
        pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"pub-{prefix}")
        BrokerLogin.private(TEST_USER).apply(pub)
        pub.connect("127.0.0.1", PORT)
        pub.loop_start()
        pub.publish(f"{prefix}/events", EVENT, qos=1).wait_for_publish(timeout=5)
        pub.loop_stop()
        pub.disconnect()
        deadline = time.monotonic() + 20
        seen = 0            # the event arrived: stored, or refused for its camera (not Weifang's), either way
        while time.monotonic() < deadline and not seen:
            with psycopg.connect(camera_db_url) as conn:
                seen = sum(n for (n,) in conn.execute(
                    "SELECT count(*) FROM camera_event UNION ALL "
                    "SELECT coalesce(sum(count), 0) FROM ingest_reject_count WHERE source LIKE 'camera:mqtt:%'"))
            time.sleep(0.3)
    finally:
        proc.terminate()
        out = proc.communicate(timeout=10)[0]
    assert seen, out


@pytest.fixture()
def camera_db_url(weifang_db: str) -> str:
    return weifang_db
