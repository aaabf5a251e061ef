"""Phone trackers through the real HTTP server process into PostGIS: the OsmAnd / Traccar Client query form (GET and
POST) and JSON body, per-device tokens, poison requests, retention; the people and vehicle registries dropped into
a real folder."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psycopg
import pytest

from ingest.inbox import Inbox
from ingest.trackers import store
from ingest.trackers.server import device_token
from sql import DbSettings
from tests.conftest import ROOT, _free_port, role_env

pytestmark = pytest.mark.db
SECRET = b"tracker-test-secret"


@pytest.fixture(scope="module")
def trackers(databases: Any) -> Iterator[tuple[int, str, subprocess.Popen[str]]]:
    from ingest.port_load import load_package
    from ingest.port_package import read_package
    from tests.conftest import WEIFANG

    url = databases.create()
    with psycopg.connect(url) as conn:
        load_package(conn, read_package(WEIFANG))
    port = _free_port()
    env = {**role_env(url, "ais"), "PORTMAP_TRACKER_SECRET": SECRET.decode()}
    proc = subprocess.Popen([sys.executable, "-m", "ingest", "trackers", "--http", f"127.0.0.1:{port}",
                             "--connection-deadline-s", "3"], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.1)
    yield port, url, proc
    proc.terminate()
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err[-2000:]
    assert "positions stored" in out


def request(port: int, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
            ) -> tuple[int, dict[str, Any]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    conn.request(method, path, body=body or None, headers=headers or {})
    reply = conn.getresponse()
    data = reply.read()
    conn.close()
    return reply.status, json.loads(data) if data.startswith(b"{") else {"raw": data[:200]}


def rows(url: str, sql: str, *params: Any) -> list[Any]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def refused(url: str, reason: str) -> int:
    found = rows(url, "SELECT count FROM ingest_reject_count WHERE source = 'trackers:http' AND reason = %s", reason)
    return int(found[0][0]) if found else 0


def form(device: str, at: datetime, lat: float, lon: float, **extra: Any) -> str:
    return urlencode({"id": device, "lat": lat, "lon": lon, "timestamp": int(at.timestamp()), **extra})


def token(device: str) -> str:
    return device_token(SECRET, device)


def test_get_and_post_of_the_query_form(trackers: Any) -> None:
    port, url, _ = trackers
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    q = form("phone-a1", at, 37.2012, 119.1876, speed=10, bearing=95.5, accuracy=4.5, batt=87, altitude=3)
    assert request(port, "GET", f"/?{q}&token={token('phone-a1')}") == (200, {"result": "stored"})
    q2 = form("phone-a1", at + timedelta(seconds=30), 37.2013, 119.1877)
    assert request(port, "POST", f"/?token={token('phone-a1')}", q2.encode(),
                   {"Content-Type": "application/x-www-form-urlencoded"})[0] == 200
    q3 = form("phone-a1", at + timedelta(seconds=60), 37.2014, 119.1878)
    assert request(port, "POST", f"/?{q3}", headers={"Authorization": f"Bearer {token('phone-a1')}"})[0] == 200
    got = rows(url, "SELECT observed_at, ST_Y(geom), ST_X(geom), speed_mps, bearing_deg, accuracy_m, battery_pct, "
                    "altitude_m FROM person_position WHERE device_id = 'phone-a1' ORDER BY observed_at")
    assert got[0] == (at, pytest.approx(37.2012), pytest.approx(119.1876), pytest.approx(10 * 1852 / 3600),
                      pytest.approx(95.5), pytest.approx(4.5), pytest.approx(87), pytest.approx(3))
    assert [r[0] for r in got] == [at, at + timedelta(seconds=30), at + timedelta(seconds=60)]
    assert rows(url, "SELECT observed_at, battery_pct FROM person_latest WHERE device_id = 'phone-a1'") == [
        (at + timedelta(seconds=60), pytest.approx(87))]     # the battery kept from the last report that had it


def test_the_json_body_of_newer_clients(trackers: Any) -> None:
    port, url, _ = trackers
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    doc = {"device_id": "phone-b2", "location": {"timestamp": at.isoformat().replace("+00:00", "Z"), "coords": {
        "latitude": 37.19, "longitude": 119.20, "speed": 1.4, "heading": 270, "accuracy": 8, "altitude": 2},
        "battery": {"level": 0.42, "is_charging": False}, "is_moving": True}}
    assert request(port, "POST", f"/?token={token('phone-b2')}", json.dumps(doc).encode(),
                   {"Content-Type": "application/json"}) == (200, {"result": "stored"})
    assert rows(url, "SELECT observed_at, speed_mps, bearing_deg, accuracy_m, battery_pct FROM person_position "
                     "WHERE device_id = 'phone-b2'") == [(at, pytest.approx(1.4), 270, 8, pytest.approx(42))]


def test_a_request_without_the_device_token_is_refused(trackers: Any) -> None:
    port, url, _ = trackers
    q = form("phone-c3", datetime.now(UTC), 37.2, 119.2)
    before = refused(url, "unauthorized")
    assert request(port, "GET", f"/?{q}")[0] == 401
    assert request(port, "GET", f"/?{q}&token={token('phone-a1')}")[0] == 401      # another device's token
    assert rows(url, "SELECT count(*) FROM person_position WHERE device_id = 'phone-c3'") == [(0,)]
    assert wait_for(lambda: refused(url, "unauthorized") == before + 2)


def wait_for(check: Any, timeout_s: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while not (value := check()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return value


def test_poison_requests_do_not_kill_the_server_nor_lose_the_good_ones(trackers: Any) -> None:
    port, url, proc = trackers
    now = datetime.now(UTC).replace(microsecond=0)
    good = [f"/?{form('phone-d4', now - timedelta(seconds=10 * i), 37.2, 119.2)}&token={token('phone-d4')}"
            for i in range(3)]
    assert request(port, "GET", good[0])[0] == 200
    assert request(port, "GET", good[0].replace("lat=37.2", "lat=37%002"))[1] == {"error": "nul_byte"}
    with socket.create_connection(("127.0.0.1", port)) as s:        # a 1 MB request line
        s.sendall(b"GET /?" + b"a" * (1 << 20) + b" HTTP/1.1\r\n\r\n")
        s.settimeout(10)
        assert s.recv(100).startswith(b"HTTP/1.0 414")
    assert request(port, "GET", good[1])[0] == 200
    assert request(port, "GET", good[1].replace("lat=37.2", "lat=%ff%fe"))[1] == {"error": "bad_encoding"}
    bad_utf8 = b'{"device_id": "phone-d4", "location": {"coords": {"latitude": "\xff\xfe"}}}'
    assert request(port, "POST", f"/?token={token('phone-d4')}", bad_utf8,
                   {"Content-Type": "application/json"}) == (400, {"error": "bad_encoding"})
    assert request(port, "POST", f"/?token={token('phone-d4')}", b"\x00" * 100,
                   {"Content-Type": "application/json"}) == (400, {"error": "nul_byte"})
    assert request(port, "POST", "/", b"x" * 70_000)[0] == 413
    assert request(port, "GET", good[2].replace("lat=37.2", "lat=91"))[1] == {"error": "bad_lat"}
    assert request(port, "GET", good[2])[0] == 200
    assert rows(url, "SELECT count(*) FROM person_position WHERE device_id = 'phone-d4'") == [(3,)]
    assert proc.poll() is None
    assert wait_for(lambda: refused(url, "bad_encoding") >= 1 and refused(url, "nul_byte") >= 2
                    and refused(url, "bad_lat") >= 1)


def test_a_request_trickled_a_byte_at_a_time_is_cut_off(trackers: Any) -> None:
    port, _, proc = trackers
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.settimeout(1)
        closed = False
        for byte in b"GET /?id=slow-loris-" + b"x" * 200:
            try:
                s.sendall(bytes([byte]))
                if s.recv(1, socket.MSG_DONTWAIT | socket.MSG_PEEK) == b"":
                    closed = True
                    break
            except BlockingIOError:
                pass
            except OSError:
                closed = True
                break
            time.sleep(0.1)
    assert closed and time.monotonic() - started < 10
    q = form("phone-f6", datetime.now(UTC), 37.2, 119.2)
    assert request(port, "GET", f"/?{q}&token={token('phone-f6')}")[0] == 200 and proc.poll() is None


def test_retention_of_personal_data(trackers: Any) -> None:
    port, url, _ = trackers
    old = datetime.now(UTC) - timedelta(days=8)
    q = form("phone-e5", old, 37.2, 119.2)
    assert request(port, "GET", f"/?{q}&token={token('phone-e5')}") == (400, {"error": "older_than_retention"})
    with psycopg.connect(url) as conn:
        assert store.retention_days(conn, "weifang") == 7           # port.toml [retention] people_days
        conn.execute("INSERT INTO person_position (device_id, observed_at, received_at, source, geom) VALUES "
                     "('phone-e5', %s, %s, 'trackers:http', ST_SetSRID(ST_MakePoint(119.2, 37.2), 4326)), "
                     "('phone-e5', now() - interval '6 days', now(), 'trackers:http', "
                     "ST_SetSRID(ST_MakePoint(119.2, 37.2), 4326))", (old, old))
        conn.commit()
        assert store.prune(conn, 7) == 1
    assert rows(url, "SELECT count(*) FROM person_position WHERE device_id = 'phone-e5'") == [(1,)]


def test_the_registries_dropped_into_a_folder(trackers: Any, tmp_path: Path) -> None:
    _, url, _ = trackers
    (tmp_path / "teams.people.csv").write_text(
        "device_id,name,team\nphone-a1,Wang Li,border_boarding\nphone-b2,Zhao Min,port_patrol\n"
        "phone-x,Nobody,navy\n,No Device,msa\nphone-z9,Chen Jie,customs_inspection\n", encoding="utf-8")
    (tmp_path / "fleet.vehicles.csv").write_bytes(
        "terminal_phone,plate,kind,owner\n013912340001,鲁G12345,container_truck,Weifang Haulage\n"
        "13800000019,鲁V00019,reach_stacker,\n1380000x,鲁G0,tractor,\n13900000003,,fire_engine,\n"
        "13900000004,鲁G4,submarine,\n13900000005,鲁G5,patrol_car,\n".encode() + b"13900000006,\xff\xfe,tractor,\n")
    stats = Inbox(tmp_path, DbSettings(url=url), "weifang").run(until_empty=True)
    assert dict(stats.files) == {"people": 1, "vehicles": 1}
    assert stats.rejected_rows == 2 + 4
    assert rows(url, "SELECT device_id, team, agency FROM person ORDER BY 1") == [
        ("phone-a1", "border_boarding", "border"), ("phone-b2", "port_patrol", "port"),
        ("phone-z9", "customs_inspection", "customs")]
    assert rows(url, "SELECT terminal_phone, plate, kind FROM vehicle ORDER BY 1") == [
        ("13800000019", "鲁V00019", "reach_stacker"), ("13900000005", "鲁G5", "patrol_car"),
        ("13912340001", "鲁G12345", "container_truck")]
