"""Poison input through the real worker processes (issue 23's "Must show" for cameras and the drop folder): each
hostile message, request or file is refused alone with its reason, the good one behind it is stored, and the
worker is still the same process afterwards. `python -m ingest camera` and `python -m ingest inbox` run as
subprocesses on a database of this module's own, with the test services' real broker."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import psycopg
import pytest

from bench.stack import free_port, wait_for
from ingest.port_load import load_package
from ingest.port_package import read_package
from tests.conftest import ROOT, WEIFANG, Databases
from tests.test_camera_frigate import publish

pytestmark = pytest.mark.db
FRIGATE = json.loads((ROOT / "tests" / "fixtures" / "camera" / "frigate-events-front_door-person.json").read_text())
TOKEN = "poison-webhook-token"
MQTT_PORT = int(os.environ.get("PORTMAP_MQTT_PORT", "51883"))


def event(event_id: str) -> bytes:
    doc = json.loads(json.dumps(FRIGATE[0]))
    doc["after"]["id"] = doc["before"]["id"] = event_id
    return json.dumps(doc).encode()


@dataclass
class Worker:
    """One `python -m ingest …` process with its log."""

    cmd: list[str]
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "ingest", *self.cmd], cwd=ROOT, env=self.env,
                                         stdout=out, stderr=subprocess.STDOUT)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def terminate(self, timeout_s: float = 10) -> float:
        """SIGTERM; returns the seconds it took to exit (fails the test beyond `timeout_s`)."""
        assert self.proc is not None
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"ingest {self.cmd[0]} did not exit within {timeout_s} s of SIGTERM") from None
        return time.monotonic() - started


@pytest.fixture(scope="module")
def poison_db() -> Iterator[str]:
    from sql import DbSettings
    dbs = Databases(DbSettings().url)
    url = dbs.create()
    with psycopg.connect(url) as conn:
        load_package(conn, read_package(WEIFANG))
        conn.execute("""INSERT INTO camera (port_id, camera_id, name_en, name_zh, source_name, bearing_deg, fov_deg,
                                            range_m, zone_ids, geom, fov)
                        SELECT port_id, 'CAM-FD', 'Front door', '前门', 'front_door', bearing_deg, fov_deg, range_m,
                               zone_ids, geom, fov FROM camera WHERE camera_id = 'CAM01'""")
    try:
        yield url
    finally:
        dbs.drop_all()


def env_for(url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "PORTMAP_WEBHOOK_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1"}


@dataclass
class Camera:
    worker: Worker
    topic: str
    webhook: str
    url: str


@pytest.fixture(scope="module")
def camera(poison_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Camera]:
    name = f"poison-{uuid.uuid4().hex[:8]}"
    port = free_port()
    worker = Worker(["camera", "--mqtt", f"127.0.0.1:{MQTT_PORT}", "--client-id", name, "--topic", f"{name}/events",
                     "--webhook", f"127.0.0.1:{port}"], env_for(poison_db),
                    tmp_path_factory.mktemp("camera") / "camera.log")
    worker.start()
    wait_for("the camera worker to subscribe", lambda: "subscribing to" in worker.text(), 30, 0.1)
    try:
        yield Camera(worker, f"{name}/events", f"http://127.0.0.1:{port}/api/v1/camera-events", poison_db)
    finally:
        if worker.alive:
            worker.terminate()


def query(url: str, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def stored(url: str, event_id: str) -> bool:
    return bool(query(url, "SELECT 1 FROM camera_event WHERE event_id = %s", (event_id,)))


def dead(url: str, source: str) -> list[tuple[Any, ...]]:
    return query(url, "SELECT reason, attempts, payload_bytes, length(payload), channel FROM dead_letter "
                      "WHERE source = %s ORDER BY dead_letter_id", (source,))


# --- MQTT ---------------------------------------------------------------------------------------------------
HOSTILE_MQTT = [
    (b"[" * 10_000 + b"]" * 10_000, "too_deep"),
    (event("nul-1").replace(b'"person"', b'"per\x00son"'), "nul_byte"),
    (event("nul-2").replace(b'"person"', b'"per\\u0000son"'), "nul_byte"),
    (event("utf8-1").replace(b'"person"', b'"per\xff\xfeson"'), "bad_encoding"),
    (b'{"type": "new", "after": {"id": "' + b"x" * (1 << 20) + b'"}}', "too_large"),
]


def test_mqtt_poison_messages_are_dead_lettered_and_the_good_event_behind_them_stored(camera: Camera) -> None:
    source = f"camera:mqtt:{camera.topic.split('/')[0]}"
    publish(MQTT_PORT, [p for p, _ in HOSTILE_MQTT] + [event("after-poison-1")], topic=camera.topic)
    wait_for("the good event behind the poison", lambda: stored(camera.url, "after-poison-1"), 30, 0.2)
    wait_for("every poison message dead-lettered", lambda: len(dead(camera.url, source)) >= len(HOSTILE_MQTT), 10)
    rows = dead(camera.url, source)
    assert Counter(r[0] for r in rows) == Counter(why for _, why in HOSTILE_MQTT)
    big = next(r for r in rows if r[0] == "too_large")
    assert big[2] > 1 << 20 and big[3] == 16 * 1024                     # the 1 MB one: its size, 16 KB of it kept
    assert all(r[4] == camera.topic for r in rows)
    assert query(camera.url, "SELECT payload FROM dead_letter WHERE reason = 'bad_encoding'")[0][0] \
        == HOSTILE_MQTT[3][0]                                             # the raw bytes, exactly
    reasons = dict(query(camera.url, "SELECT reason, count FROM ingest_reject_count WHERE source = %s", (source,)))
    assert reasons == {"too_deep": 1, "nul_byte": 2, "bad_encoding": 1, "too_large": 1}
    assert camera.worker.alive


def test_a_message_the_database_refuses_is_dead_lettered_after_three_attempts_not_retried_for_ever(
        camera: Camera) -> None:
    source = f"camera:mqtt:{camera.topic.split('/')[0]}"
    with psycopg.connect(camera.url, autocommit=True) as conn:          # the database refuses one event id
        conn.execute("""CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN IF NEW.event_id = 'db-poison-1' THEN RAISE EXCEPTION 'refused by the test'; END IF;
                        RETURN NEW; END $$""")
        conn.execute("CREATE TRIGGER refuse_poison BEFORE INSERT ON camera_event FOR EACH ROW "
                     "EXECUTE FUNCTION refuse_poison()")
    try:
        before = len(dead(camera.url, source))
        publish(MQTT_PORT, [event("db-poison-before"), event("db-poison-1"), event("db-poison-after")],
                topic=camera.topic)
        wait_for("the good events around it", lambda: stored(camera.url, "db-poison-before")
                 and stored(camera.url, "db-poison-after"), 30, 0.2)
        wait_for("the refused one dead-lettered", lambda: len(dead(camera.url, source)) > before, 10)
        assert dead(camera.url, source)[before:] == [("failed_3_times", 3, len(event("db-poison-1")),
                                                      len(event("db-poison-1")), camera.topic)]
        assert not stored(camera.url, "db-poison-1")
        assert "attempt 3 of 3" in camera.worker.text() and "dead-lettered after 3 attempts" in camera.worker.text()
        assert camera.worker.alive
    finally:
        with psycopg.connect(camera.url, autocommit=True) as conn:
            conn.execute("DROP TRIGGER refuse_poison ON camera_event")
            conn.execute("DROP FUNCTION refuse_poison()")


def test_dead_lettered_messages_were_acknowledged_so_a_restart_does_not_replay_them(camera: Camera) -> None:
    source = f"camera:mqtt:{camera.topic.split('/')[0]}"
    publish(MQTT_PORT, [b"[" * 10_000, event("before-restart")], topic=camera.topic)
    wait_for("the event before the restart", lambda: stored(camera.url, "before-restart"), 30, 0.2)
    count = len(dead(camera.url, source))
    assert camera.worker.terminate() < 10
    camera.worker.start()                      # the same client id: the broker's persistent session
    wait_for("the restarted worker to subscribe", lambda: camera.worker.text().count("subscribing to") >= 2, 30)
    publish(MQTT_PORT, [event("after-restart")], topic=camera.topic)
    wait_for("the event after the restart", lambda: stored(camera.url, "after-restart"), 30, 0.2)
    assert len(dead(camera.url, source)) == count, "a dead-lettered message was delivered again"


# --- the webhook --------------------------------------------------------------------------------------------
ONVIF = ROOT / "tests" / "fixtures" / "camera" / "onvif"


def raw_http(address: str, data: bytes, timeout_s: float = 20) -> tuple[int, dict[str, Any]]:
    """Send bytes as they are (no client library to tidy them) and read the answer: (status, JSON body)."""
    host, port = urlparse(address).hostname, urlparse(address).port
    with socket.create_connection((host, port), timeout=timeout_s) as s:
        with contextlib.suppress(OSError):      # refused before it was all sent: the answer is still there to read
            s.sendall(data)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body) if body else {}


def post(path: str, body: bytes, kind: str = "application/json", length: str | None = None) -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: {kind}\r\n"
            f"Content-Length: {len(body) if length is None else length}\r\n\r\n").encode() + body


def test_the_webhook_answers_every_bad_request_with_its_code_and_stores_the_good_one(camera: Camera) -> None:
    path = urlparse(camera.webhook).path
    start = (ONVIF / "VMD4_C1P1_CHANGE.xml").read_bytes()
    cases = [
        (post(path, event("wh-1"), length="twelve"), 400, "bad_length"),
        (post(path, event("wh-2"), length="-5"), 400, "bad_length"),
        (post(path, event("wh-3")).replace(b"Content-Length", b"X-Length"), 400, "bad_length"),
        (post(path, event("wh-4").replace(b'"person"', b'"per\x00son"')), 400, "nul_byte"),
        (post(path, b"[" * 10_000 + b"]" * 10_000), 400, "too_deep"),
        (post(path, event("wh-5").replace(b'"person"', b'"\xff\xfe"')), 400, "bad_encoding"),
        (post(path, b"{nope"), 400, "bad_json"),
        (post(path, b"x" * (1 << 20)), 413, "too_large"),
        (post(path, b"x" * 1000, length=str(50 << 20)), 413, "too_large"),
        (post(f"{path}?camera=front_door", start.replace(b"2019-03-13T00:03:30.256685Z", b"0001-01-01T00:00:00Z"),
              "application/xml"), 400, "bad_value"),
        (post(f"{path}?camera=front_door", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM '
              b'"file:///etc/passwd">]><x>&e;</x>', "application/xml"), 400, "xml_dtd"),
        (post(f"{path}?camera=front_door", b"<a>" * 10_000, "application/xml"), 400, "too_deep"),
        (post(f"{path}?camera=nowhere", start, "application/xml"), 422, "unknown_camera"),
    ]
    for request, status, reason in cases:
        code, reply = raw_http(camera.webhook, request)
        assert (code, reply.get("error")) == (status, reason), (request[:120], reply)
    assert not query(camera.url, "SELECT event_id FROM camera_event WHERE event_id LIKE 'onvif:%' "
                                 "OR event_id LIKE 'wh-%'")
    assert raw_http(camera.webhook, post(path, event("wh-good"))) == (200, {"result": "stored"})
    assert stored(camera.url, "wh-good")
    assert raw_http(camera.webhook, post(f"{path}?camera=front_door", start, "application/xml")) == (
        200, {"started": 1, "ended": 0, "state_only": 0})
    refused = dict(query(camera.url, "SELECT reason, sum(count) FROM ingest_reject_count WHERE source IN "
                                     "('webhook', 'onvif') GROUP BY reason"))
    assert refused["too_deep"] == 2 and refused["nul_byte"] == 1 and refused["xml_dtd"] == 1
    assert camera.worker.alive


def test_a_body_trickled_slower_than_the_deadline_gets_408(camera: Camera) -> None:
    path = urlparse(camera.webhook).path
    body = event("wh-slow")
    host, port = urlparse(camera.webhook).hostname, urlparse(camera.webhook).port
    started = time.monotonic()
    with socket.create_connection((host, port), timeout=30) as s:
        s.sendall(post(path, body)[:-len(body)] + body[:10])
        answer = b""
        for byte in body[10:40]:           # a byte every 0.5 s: each read is quick, the whole is too slow
            try:
                s.sendall(bytes([byte]))
            except OSError:
                break
            s.settimeout(0.5)
            try:
                answer += s.recv(65536)
            except TimeoutError:
                continue
            if answer:
                break
        s.settimeout(10)
        while chunk := s.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.0 408"), answer[:80]
    assert 9 < time.monotonic() - started < 14
    assert not stored(camera.url, "wh-slow")


def threads_of(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("Threads:"))


def test_150_stalled_connections_do_not_hold_150_threads(camera: Camera) -> None:
    host, port = urlparse(camera.webhook).hostname, urlparse(camera.webhook).port
    before = threads_of(camera.worker.pid)
    stalled = []
    for _ in range(150):
        s = socket.create_connection((host, port), timeout=20)
        s.sendall(b"POST /api/v1/camera-events HTTP/1.1\r\nHost: x\r\n")       # ... and nothing more
        stalled.append(s)
    try:
        time.sleep(1)
        peak = threads_of(camera.worker.pid)
        assert peak - before <= 32, f"{peak - before} threads for 150 stalled connections"
        closed = 0
        deadline = time.monotonic() + 15
        for s in stalled:                   # every one is let go: answered busy, or timed out and closed
            s.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                while s.recv(65536):
                    pass
                closed += 1
            except TimeoutError:
                pass
            except OSError:
                closed += 1
        assert closed == 150
    finally:
        for s in stalled:
            s.close()
    wait_for("the webhook to answer a good event", lambda: raw_http(
        camera.webhook, post(urlparse(camera.webhook).path, event("wh-after-stall")))[0] == 200, 10, 0.5)
    assert stored(camera.url, "wh-after-stall") and camera.worker.alive
    assert threads_of(camera.worker.pid) - before <= 2


# --- the drop folder ----------------------------------------------------------------------------------------
TOS_HEADER = ("container_no,iso_type,full_empty,gross_kg,block,bay,row,tier,vessel_voyage,arrived_at,customs_status,"
              "un_number,imdg_class\n")


def box_number(owner: str, serial: int) -> str:
    """A container number with its ISO 6346 check digit."""
    from stdnum import iso6346
    base = f"{owner}U{serial:06d}"
    return base + iso6346.calc_check_digit(base)


def tos_row(number: str, row: int, voyage: str = "V1/001") -> str:
    return f"{number},22G1,F,12000,A01,1,{row},1,{voyage},2026-11-27T08:00:00+00:00,released,,\n"


@dataclass
class Drop:
    worker: Worker
    folder: Path
    url: str

    def put(self, name: str, data: bytes) -> Path:
        """Write then rename, as an exporter does."""
        tmp = self.folder / f".{name}.tmp"
        tmp.write_bytes(data)
        return tmp.rename(self.folder / name)

    def done(self, name: str) -> bool:
        return (self.folder / "done" / name).exists()

    def failed(self, name: str) -> str | None:
        reason = self.folder / "failed" / f"{name}.reason"
        return reason.read_text() if reason.exists() else None


@pytest.fixture(scope="module")
def inbox(poison_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Drop]:
    base = tmp_path_factory.mktemp("dropfolder")
    folder = base / "inbox"
    worker = Worker(["inbox", str(folder), "--poll", "0.2"], env_for(poison_db), base / "inbox.log")
    worker.start()
    wait_for("the inbox worker to make its folders", lambda: (folder / "failed").is_dir(), 30, 0.1)
    try:
        yield Drop(worker, folder, poison_db)
    finally:
        if worker.alive:
            worker.terminate()


def test_bad_rows_of_a_dropped_file_are_refused_alone_and_its_good_rows_kept(inbox: Drop) -> None:
    good = [box_number("PSN", i) for i in (1, 2, 3)]
    body = (TOS_HEADER + tos_row(good[0], 1)).encode()
    body += f"{box_number('PSN', 9)},22G1,F,12000,A01\n".encode()                      # truncated
    body += tos_row(box_number("PSN", 8), 3, voyage="V" * (128 * 1024)).encode()       # a 128 KB field
    body += tos_row(box_number("PSN", 7), 4, voyage="V1/\xff").encode("latin-1")       # invalid UTF-8
    body += tos_row(box_number("PSN", 6), 5, voyage="V1/\x00").encode()                # a NUL byte
    body += (tos_row(good[1], 2) + tos_row(good[2], 6)).encode()
    inbox.put("1-poison.tos.csv", body)
    wait_for("the file to be imported", lambda: inbox.done("1-poison.tos.csv"), 30, 0.2)
    assert sorted(r[0] for r in query(inbox.url, "SELECT container_no FROM container WHERE container_no LIKE "
                                                 "'PSNU%' AND state = 'in_yard'")) == good
    refused = dict(query(inbox.url, "SELECT reason, count FROM ingest_reject_count WHERE source = 'tos_csv'"))
    assert refused == {"wrong_field_count": 1, "field_too_large": 1, "bad_encoding": 1, "control_character": 1}
    raws = query(inbox.url, "SELECT raw FROM ingest_reject WHERE source = 'tos_csv' AND reason = 'bad_encoding'")
    assert raws and "\\xff" in raws[0][0]                                      # the raw row kept, escaped
    assert inbox.worker.alive


def test_unreadable_files_links_fifos_and_devices_are_refused_by_reason_and_what_follows_is_imported(
        inbox: Drop, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.tos.csv"                     # a file from elsewhere on the machine
    outside.write_text(TOS_HEADER + tos_row(box_number("OUT", 1), 1))
    inbox.put("2-deep.hazmat.json", b"[" * 10_000 + b"]" * 10_000)
    inbox.put("3-nul.hazmat.json", b'[{"declaration_id": "x\\u0000"}]')
    (inbox.folder / "4-link.tos.csv").symlink_to(outside)
    (inbox.folder / "5-linkdir.gate.csv").symlink_to("/etc/passwd")
    os.mkfifo(inbox.folder / "6-pipe.tos.csv")
    os.mknod(inbox.folder / "6b-null.tos.csv", 0o600 | stat.S_IFCHR, os.makedev(1, 3))     # /dev/null's device
    unix = socket.socket(socket.AF_UNIX)
    unix.bind(str(inbox.folder / "6c-socket.tos.csv"))
    os.link(outside, inbox.folder / "7-hard.tos.csv")
    inbox.put("8-empty-header.berthplan.csv", b"\xff\xfe,\x00\n1,2\n")
    gate = ("transaction_id,gate_id,direction,truck_plate,container_no,passed_at,declared_un,declared_class,"
            "observed_un,observed_class\n"
            f"PT1,gate-container,in,鲁V12345,{box_number('PSN', 1)},2026-11-27T09:05:00+00:00,1993,3,1993,3\n")
    inbox.put("9-after.gate.csv", gate.encode())
    wait_for("the good file dropped after them", lambda: inbox.done("9-after.gate.csv"), 30, 0.2)
    expected = {"2-deep.hazmat.json": "too_deep", "3-nul.hazmat.json": "nul_byte", "4-link.tos.csv": "symlink",
                "5-linkdir.gate.csv": "symlink", "6-pipe.tos.csv": "fifo", "6b-null.tos.csv": "device",
                "6c-socket.tos.csv": "socket", "7-hard.tos.csv": "hard_link",
                "8-empty-header.berthplan.csv": "bad_header"}
    wait_for("every hostile file refused", lambda: all(inbox.failed(n) for n in expected), 10, 0.2)
    assert {n: (inbox.failed(n) or "").split(":")[0] for n in expected} == expected
    assert (inbox.folder / "failed" / "4-link.tos.csv").is_symlink()          # the link moved, never followed
    assert outside.read_text().startswith("container_no") and not query(
        inbox.url, "SELECT 1 FROM container WHERE container_no LIKE 'OUTU%'")
    assert query(inbox.url, "SELECT declared_un FROM gate_transaction WHERE transaction_id = 'PT1'") == [(1993,)]
    counts = dict(query(inbox.url, "SELECT reason, count FROM ingest_reject_count WHERE source = 'inbox'"))
    assert counts["symlink"] == 2 and counts["fifo"] == 1 and counts["too_deep"] == 1
    assert inbox.worker.alive
    unix.close()


def test_a_file_the_database_refuses_three_times_moves_to_failed_and_the_next_is_imported(inbox: Drop) -> None:
    berths = [r[0] for r in query(inbox.url, "SELECT berth_id FROM berth WHERE port_id = 'weifang' LIMIT 1")]
    plan = ("plan_id,berth_id,mmsi,imo,vessel_name,voyage,planned_arrival,planned_departure\n"
            f"{{id}},{berths[0]},413000001,,HAI XING,V1,2026-12-01T08:00:00+00:00,2026-12-02T08:00:00+00:00\n")
    with psycopg.connect(inbox.url, autocommit=True) as conn:          # the database refuses one plan, always
        conn.execute("""CREATE FUNCTION refuse_plan() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN IF NEW.plan_id = 'poison-plan' THEN RAISE EXCEPTION 'refused by the test'; END IF;
                        RETURN NEW; END $$""")
        conn.execute("CREATE TRIGGER refuse_plan BEFORE INSERT ON berth_plan FOR EACH ROW "
                     "EXECUTE FUNCTION refuse_plan()")
    try:
        inbox.put("10-refused.berthplan.csv", plan.format(id="poison-plan").encode())
        wait_for("the refused file to be given up", lambda: inbox.failed("10-refused.berthplan.csv"), 30, 0.2)
        assert (inbox.failed("10-refused.berthplan.csv") or "").startswith("failed_3_times: failed 3 times; last: ")
        assert "refused by the test" in (inbox.failed("10-refused.berthplan.csv") or "")
        assert inbox.worker.text().count("10-refused.berthplan.csv: import failed (attempt") == 3
        inbox.put("11-after.berthplan.csv", plan.format(id="good-plan").encode())
        wait_for("the file after it", lambda: inbox.done("11-after.berthplan.csv"), 30, 0.2)
        assert query(inbox.url, "SELECT count(*) FROM berth_plan WHERE plan_id = 'good-plan'") == [(1,)]
        assert inbox.worker.alive
    finally:
        with psycopg.connect(inbox.url, autocommit=True) as conn:
            conn.execute("DROP TRIGGER refuse_plan ON berth_plan")
            conn.execute("DROP FUNCTION refuse_plan()")


# --- clean shutdown -----------------------------------------------------------------------------------------
@contextlib.contextmanager
def database_at(state: str, url: str) -> Iterator[str]:
    """A DATABASE_URL that is up (the module's database), refusing (nothing listens), or silent (a socket that
    takes the connection and never answers, as a database behind a dead network path)."""
    if state == "up":
        yield url
        return
    port = free_port()
    if state == "refusing":
        yield f"postgresql://postgres@127.0.0.1:{port}/portmap"
        return
    with socket.create_server(("127.0.0.1", port), backlog=64) as silent:
        yield f"postgresql://postgres@127.0.0.1:{port}/portmap"
        assert silent.fileno() >= 0


def importing(url: str) -> bool:
    return bool(query(url, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND "
                           "backend_xid IS NOT NULL AND query ILIKE '%container%'")[0][0])


@pytest.mark.parametrize("state", ["up", "refusing", "silent"])
def test_sigterm_stops_the_camera_and_inbox_workers_within_10_s(state: str, poison_db: str, tmp_path: Path) -> None:
    from bench.edifact_import import coarri
    name = f"term-{state}-{uuid.uuid4().hex[:6]}"
    with database_at(state, poison_db) as url:
        camera = Worker(["camera", "--mqtt", f"127.0.0.1:{MQTT_PORT}", "--client-id", name, "--topic",
                         f"{name}/events"], env_for(url), tmp_path / "camera.log")
        folder = tmp_path / "inbox"
        folder.mkdir()
        (folder / ".big.tmp").write_text(coarri(5_000))
        (folder / ".big.tmp").rename(folder / "big-coarri.edi")
        inbox = Worker(["inbox", str(folder), "--poll", "0.2"], env_for(url), tmp_path / "inbox.log")
        camera.start()
        inbox.start()
        try:
            wait_for("the camera worker to subscribe", lambda: "subscribing to" in camera.text(), 30, 0.1)
            publish(MQTT_PORT, [event(f"{name}-{i}") for i in range(5)], topic=f"{name}/events")
            if state == "up":
                wait_for("the inbox to be importing", lambda: importing(poison_db), 30, 0.02)
            elif state == "refusing":
                wait_for("both to see the outage", lambda: "database unavailable" in camera.text()
                         and "database unavailable" in inbox.text(), 30, 0.1)
            else:
                time.sleep(2)               # both are now waiting on a database that never answers
            seconds = {"camera": camera.terminate(), "inbox": inbox.terminate()}
        finally:
            for w in (camera, inbox):
                if w.alive:
                    w.proc.kill()  # type: ignore[union-attr]
    print(f"SIGTERM with the database {state}: exited in {seconds}")
    assert all(s < 10 for s in seconds.values()), seconds
    if state == "up":            # the import was rolled back: the file waits for the next start, not in failed/
        assert (folder / "big-coarri.edi").exists() and not (folder / "failed" / "big-coarri.edi").exists()
        wait_for("the rolled-back transaction to end", lambda: not importing(poison_db), 10, 0.1)
    else:                        # nothing was stored or given up: the events wait at the broker, the file here
        assert (folder / "big-coarri.edi").exists()
    assert not list((folder / "failed").iterdir())
