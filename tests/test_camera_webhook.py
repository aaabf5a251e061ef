"""The camera webhook: token, JSON (Frigate and plain), ONVIF XML start/end, a reason for every refusal."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from ingest.camera.webhook import PATH, WebhookServer
from sql import DbSettings
from tests.conftest import ROOT
from tests.test_camera_frigate import DOCS_EVENT, camera_db  # noqa: F401 - the fixture

pytestmark = pytest.mark.db
ONVIF = ROOT / "tests" / "fixtures" / "camera" / "onvif"
TOKEN = "test-token-123"


@pytest.fixture()
def webhook(camera_db: str) -> Iterator[tuple[str, str]]:  # noqa: F811
    server = WebhookServer(("127.0.0.1", 0), DbSettings(url=camera_db), "weifang", TOKEN)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}{PATH}", camera_db
    server.shutdown()
    server.server_close()


def post(url: str, body: bytes, kind: str = "application/json", token: str | None = TOKEN) -> tuple[int, Any]:
    headers = {"Content-Type": kind, **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_refusals_carry_their_reason(webhook: tuple[str, str]) -> None:
    url, _ = webhook
    assert post(url, DOCS_EVENT, token=None) == (401, {"error": "unauthorized"})
    assert post(url, DOCS_EVENT, token="wrong") == (401, {"error": "unauthorized"})
    assert post(url, b"{nope") == (400, {"error": "bad_json"})
    assert post(url, b'{"id": "x", "camera": "front_door", "label": "car"}') == (400, {"error": "missing_field"})
    assert post(url, DOCS_EVENT, kind="text/plain") == (415, {"error": "unsupported_media_type"})
    unknown = json.dumps({"id": "u1", "camera": "nowhere", "label": "car", "start_time": 1.7e9}).encode()
    assert post(url, unknown) == (422, {"error": "unknown_camera"})


def test_json_events_are_stored(webhook: tuple[str, str]) -> None:
    url, db = webhook
    assert post(url, DOCS_EVENT) == (200, {"result": "stored"})
    plain = {"id": "vms-77", "camera": "front_door", "label": "truck", "start_time": 1.8e9, "end_time": 1.8e9 + 42,
             "score": 0.91, "zones": ["gate-container"]}
    assert post(url, json.dumps(plain).encode()) == (200, {"result": "stored"})
    with psycopg.connect(db) as conn:
        rows = dict(conn.execute("SELECT event_id, label FROM camera_event").fetchall())
        lasted = conn.execute("""SELECT end_at - start_at, ST_Equals(e.geom, z.geom) FROM camera_event e
                                 JOIN zone z ON z.zone_id = 'gate-container' WHERE event_id = 'vms-77'""").fetchone()
    assert rows == {"1607123955.475377-mxklsc": "person", "vms-77": "truck"}
    assert lasted is not None and lasted[0].total_seconds() == 42 and lasted[1]     # located at the mapped zone


def test_onvif_rules_start_and_end_events(webhook: tuple[str, str]) -> None:
    url, db = webhook
    xml_url = f"{url}?camera=front_door"
    start = (ONVIF / "VMD4_C1P1_CHANGE.xml").read_bytes()                     # active=1 at 00:03:30
    stop = start.replace(b'Value="1"', b'Value="0"').replace(b"00:03:30.256685Z", b"00:04:10.000000Z")
    assert post(xml_url, start, kind="application/xml") == (200, {"started": 1, "ended": 0, "state_only": 0})
    assert post(xml_url, stop, kind="application/xml") == (200, {"started": 0, "ended": 1, "state_only": 0})
    assert post(xml_url, (ONVIF / "FENCE_GUARD_INIT.xml").read_bytes(), kind="application/xml") == (
        200, {"started": 0, "ended": 0, "state_only": 1})
    assert post(xml_url, (ONVIF / "PTZ_MOVE_START.xml").read_bytes(), kind="application/xml")[1]["error"] == \
        "unsupported_topic"
    assert post(url, start, kind="application/xml")[1]["error"] == "missing_field"
    with psycopg.connect(db) as conn:
        row = conn.execute("SELECT label, source, end_at - start_at FROM camera_event").fetchone()
    assert row is not None and row[:2] == ("motion", "onvif") and round(row[2].total_seconds(), 1) == 39.7


def test_injection_in_a_payload_is_refused_or_stored_as_text(webhook: tuple[str, str]) -> None:
    url, db = webhook
    sneaky = {"id": "inj-1", "camera": "front_door", "label": "car'; DROP TABLE camera_event; --",
              "start_time": 1.8e9}
    assert post(url, json.dumps(sneaky).encode()) == (400, {"error": "bad_value"})
    scripted = {"id": "inj-2", "camera": "front_door", "label": "<script>alert(1)</script>", "start_time": 1.8e9}
    assert post(url, json.dumps(scripted).encode()) == (400, {"error": "bad_value"})
    plate = {"id": "inj-3'; DELETE FROM camera_event; --", "camera": "front_door", "label": "car",
             "sub_label": "<img src=x onerror=alert(1)>", "start_time": 1.8e9}
    assert post(url, json.dumps(plate).encode()) == (200, {"result": "stored"})
    with psycopg.connect(db) as conn:
        stored = conn.execute("SELECT event_id, sub_label FROM camera_event WHERE event_id LIKE 'inj-%'").fetchall()
        reasons = [r[0] for r in conn.execute("SELECT reason FROM ingest_reject ORDER BY reject_id").fetchall()]
    assert stored == [(plate["id"], plate["sub_label"])]          # as text, exactly; nothing else touched
    assert reasons.count("bad_value") >= 2                        # the refusals are counted with their reason
