"""Vendor camera paths (issue 28): Hikvision ISAPI push and alertStream, Dahua eventManager attach, GB/T 28181
SIP alarms and keepalives, each through the real worker process into camera_event; bad input refused by reason."""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest

from ingest.camera import dahua, gb28181, hikvision
from ingest.camera.multipart import iter_parts
from ingest.camera.vendors import PICTURE_MAX_BYTES, Invalid
from ingest.camera.webhook import PATH
from ingest.port_package import read_package
from ingest.sources import SOURCES
from sql import DbSettings
from tests.conftest import ROOT, WEIFANG, _free_port
from tests.vendor_fakes import FakeStreamDevice, dahua_line, gb_alarm, gb_notify, hik_alert, sip_message, wait_for

FIX = ROOT / "tests" / "fixtures" / "camera" / "vendors"
TOKEN = "vendor-token-456"
GB_CAM = "37070000001320000001"         # CAM01 in the Weifang package
BOMB = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b'<EventNotificationAlert xmlns="http://www.hikvision.com/ver20/XMLSchema"><eventType>&lol2;</eventType>'
        b'</EventNotificationAlert>')
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 40 + b"\xff\xd9"


# --- parsers (unit) -------------------------------------------------------------------------------------
@pytest.mark.unit
def test_hikvision_alerts_map_to_labels_states_and_cameras() -> None:
    start = hikvision.parse_alert((FIX / "hik_linedetection_active.xml").read_bytes())
    end = hikvision.parse_alert((FIX / "hik_linedetection_inactive.xml").read_bytes())
    assert (start.label, start.state, end.state) == ("person", "start", "end")      # detectionTarget human
    assert start.keys == ("hikvision:a4:14:37:28:00:10/1", "hikvision:10.20.0.10/1") and start.topic == end.topic
    assert start.region == pytest.approx((0.40, 0.50)) and start.at.isoformat() == "2026-12-04T10:15:30+08:00"
    field = hikvision.parse_alert((FIX / "hik_fielddetection_isapi.xml").read_bytes())     # isapi.org namespace
    assert (field.label, field.keys[0], field.region) == ("vehicle", "hikvision:a4:14:37:28:00:10/2",
                                                           pytest.approx((0.7, 0.9)))
    labels = {name: hikvision.parse_alert((FIX / f"hik_{name}.xml").read_bytes()).label
              for name in ("pir", "io", "fire")}
    assert labels == {"pir": "pir", "io": "alarm_input", "fire": "fire"}
    assert hikvision.parse_alert((FIX / "hik_heartbeat.xml").read_bytes()).state == "keepalive"


@pytest.mark.unit
@pytest.mark.parametrize(("payload", "reason"), [
    (b"<EventNotificationAlert><eventType>VMD", "bad_xml"),
    (BOMB, "xml_dtd"),
    (hik_alert("VMD", "active").replace(b"VMD alarm", b"VMD\x00alarm"), "nul_byte"),
    (hik_alert("VMD", "active").replace(b"<channelID>1</channelID>", b""), "missing_field"),
    (hik_alert("VMD", "sideways"), "bad_value"),
    (hik_alert("quantumFlux", "active"), "unsupported_event"),
    (b'<?xml version="1.0"?><Notify xmlns="urn:x"><a/></Notify>', "not_an_event"),
    (b"<a>" * 100 + b"</a>" * 100, "too_deep"),
])
def test_bad_hikvision_alerts_are_refused_by_reason(payload: bytes, reason: str) -> None:
    with pytest.raises(Invalid) as info:
        hikvision.parse_alert(payload)
    assert info.value.args[0] == reason


@pytest.mark.unit
def test_dahua_attach_lines_parse_and_bad_ones_are_refused() -> None:
    data = json.dumps({"UTC": 1796357730, "Object": {"ObjectType": "Human", "BoundingBox": [2048, 100, 4096, 900]}})
    [event] = dahua.parse_body(dahua_line("CrossLineDetection", "Start", 0, data), "10.20.0.20")
    assert (event.keys, event.label, event.state, event.topic) == (("dahua:10.20.0.20/1",), "person", "start",
                                                                   "CrossLineDetection:0")
    assert event.region == (0.25, 0.5) and event.at.timestamp() == 1796357730
    two = dahua.parse_body(dahua_line("VideoMotion", "Start") + dahua_line("VideoMotion", "Stop"), "d")
    assert [e.state for e in two] == ["start", "end"] and dahua.parse_body(b"Heartbeat\r\n", "d") == []
    for body, reason in [(b"Code=VideoMotion;action=Maybe;index=0", "not_an_event"),
                         (dahua_line("Teleport", "Start"), "unsupported_event"),
                         (b"Code=VideoMotion;action=Start;index=0;data={bad", "bad_json"),
                         (b"Code=VideoMotion;action=Start\x00;index=0", "nul_byte")]:
        with pytest.raises(Invalid) as info:
            dahua.parse_body(body, "d")
        assert info.value.args[0] == reason


@pytest.mark.unit
def test_gb28181_notify_decodes_gb2312_and_answers_as_the_standard_requires() -> None:
    body = gb_alarm(GB_CAM, 17)
    assert "入侵".encode("gb18030") in body             # GB2312 on the wire
    event = gb28181.parse_notify(body, ZoneInfo("Asia/Shanghai"))
    assert (event.label, event.state, event.keys, event.event_id) == (
        "intrusion", "pulse", (f"gb28181:{GB_CAM}",), f"gb28181:{GB_CAM}:17")
    assert event.at.isoformat() == "2026-12-04T10:15:30+08:00" and event.raw["AlarmDescription"] == "入侵检测报警"
    keep = gb28181.parse_notify(gb_notify("Keepalive", GB_CAM, 3, "<Status>OK</Status>\r\n", "UTF-8"), ZoneInfo("UTC"))
    assert keep.state == "keepalive"
    req = gb28181.parse_sip(sip_message(GB_CAM, body, "call-1"))
    reply = gb28181.response(req, 200, "OK").decode()
    lines = reply.split("\r\n")
    assert lines[0] == "SIP/2.0 200 OK"
    assert "Via: SIP/2.0/UDP 127.0.0.1:5060;rport;branch=z9hG4bKcall-1" in lines
    assert f"From: <sip:{GB_CAM}@3402000000>;tag=call-1" in lines and "Call-ID: call-1" in lines
    assert "CSeq: 20 MESSAGE" in lines and any(x.startswith("To: <sip:34020000002000000001@3402000000>;tag=")
                                                for x in lines)
    for bad, reason in [(gb_notify("Alarm", "123", 1), "bad_value"), (b"<Notify><CmdType>Alarm", "bad_xml"),
                        (BOMB, "xml_dtd"), (gb_notify("Catalog", GB_CAM, 1), "unsupported_event"),
                        (gb_alarm(GB_CAM, 5).replace(b"<SN>", b"<SN>\x00"), "nul_byte")]:
        with pytest.raises(Invalid) as info:
            gb28181.parse_notify(bad, ZoneInfo("UTC"))
        assert info.value.args[0] == reason


@pytest.mark.unit
def test_the_package_validates_vendor_ids_and_the_sources_are_registered(tmp_path: Path) -> None:
    package = read_package(WEIFANG)
    cams = {f.feature_id: f.props.get("vendor_ids") or [] for f in package.features["cameras"]}
    assert cams["CAM01"] == [f"gb28181:{GB_CAM}"] and "hikvision:10.20.0.10/1" in cams["CAM06"]
    assert package.refusals == []
    copy = tmp_path / "weifang"
    subprocess.run(["cp", "-r", str(WEIFANG), str(copy)], check=True)
    doc = json.loads((copy / "cameras.geojson").read_text())
    doc["features"][1]["properties"]["vendor_ids"] = ["gb28181:123"]
    doc["features"][2]["properties"]["vendor_ids"] = ["hikvision:10.20.0.10/1"]          # CAM06's
    (copy / "cameras.geojson").write_text(json.dumps(doc))
    reasons = {r.feature_id: r.reason for r in read_package(copy).refusals}
    assert "is not hikvision" in reasons["CAM02"] and "another camera's" in reasons["CAM06"]
    assert {"hikvision", "hikvision:stream", "dahua:stream", "gb28181"} <= set(SOURCES)


@pytest.mark.unit
def test_multipart_parts_are_bounded() -> None:
    import io
    body = (b"--b\r\nContent-Type: application/xml\r\n\r\n<x/>\r\n--b\r\nContent-Type: image/jpeg\r\n"
            b"Content-Length: 10\r\n\r\n0123456789\r\n--b\r\nContent-Type: image/jpeg\r\n\r\n" + b"x" * 300 +
            b"\r\n--b--\r\n")
    parts = list(iter_parts(io.BytesIO(body), b"b", 100))
    assert [(p.kind, p.body) for p in parts[:2]] == [("application/xml", b"<x/>"), ("image/jpeg", b"0123456789")]
    assert parts[2].body is None and parts[2].size > 100       # over the cap: skipped, its size kept


# --- through the worker ---------------------------------------------------------------------------------


@pytest.fixture()
def worker(weifang_db: str, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The real camera worker with the webhook, a Hikvision and a Dahua stream (fake devices with digest auth)
    and the GB/T 28181 listener on UDP."""
    hik = FakeStreamDevice("/ISAPI/Event/notification/alertStream", "admin", "hik-pass", [
        [("application/xml", hik_alert("VMD", "active", 1)), ("application/xml", b"<EventNotificationAlert><oops"),
         ("application/xml", BOMB)],                                      # then the device drops the stream
        [("application/xml", hik_alert("VMD", "inactive", 1, at="2026-12-04T10:15:50+08:00")),
         ("application/xml", hik_alert("linedetection", "active", 7)),      # channel 7: no such camera
         ("application/xml", (FIX / "hik_heartbeat.xml").read_bytes())]])
    dah = FakeStreamDevice("/cgi-bin/eventManager.cgi?action=attach&codes=[All]", "admin", "hik-pass", [
        [("text/plain", dahua_line("CrossRegionDetection", "Start", 0, json.dumps({"UTC": 1796357700}))),
         ("text/plain", b"Heartbeat"), ("text/plain", b"Code=nonsense"),
         ("text/plain", dahua_line("CrossRegionDetection", "Stop", 0, json.dumps({"UTC": 1796357760})))]],
        boundary="myboundary")
    secret = tmp_path / "stream-login"
    secret.write_text("admin:hik-pass\n")
    web, sip = _free_port(), _free_udp_port()
    env = {**os.environ, "DATABASE_URL": weifang_db, "PORTMAP_WEBHOOK_TOKEN": TOKEN}
    proc = subprocess.Popen([sys.executable, "-m", "ingest", "camera", "--client-id", f"vendors-{web}",
                             "--topic", f"vendors-{web}/events", "--webhook", f"127.0.0.1:{web}",
                             "--hikvision-stream", hik.url, "--dahua-stream", f"10.20.0.20={dah.url}",
                             "--stream-login", str(secret), "--gb28181", f"127.0.0.1:{sip}"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        yield {"db": weifang_db, "web": f"http://127.0.0.1:{web}{PATH}", "sip": ("127.0.0.1", sip), "hik": hik,
               "dahua": dah, "proc": proc}
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        hik.close()
        dah.close()


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rows(db: str, sql: str, params: Any = None) -> list[Any]:
    with psycopg.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def reasons(db: str, source: str) -> dict[str, int]:
    return dict(rows(db, "SELECT reason, count FROM ingest_reject_count WHERE source = %s", (source,)))


def post(url: str, body: bytes, kind: str, auth: str | None = f"Bearer {TOKEN}") -> tuple[int, Any]:
    headers = {"Content-Type": kind, **({"Authorization": auth} if auth else {})}
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    for _ in range(100):
        try:
            with urllib.request.urlopen(request, timeout=5) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())
        except (urllib.error.URLError, ConnectionError):     # the worker is starting
            threading.Event().wait(0.2)
    raise AssertionError("the webhook never answered")


def form(parts: list[tuple[str, str, bytes]], boundary: str = "----hik7b3") -> tuple[bytes, str]:
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{name}"\r\n'
                    f"Content-Type: {kind}\r\nContent-Length: {len(data)}\r\n\r\n".encode() + data + b"\r\n"
                    for name, kind, data in parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.db
def test_hikvision_push_over_the_webhook(worker: dict[str, Any]) -> None:
    url, db = worker["web"], worker["db"]
    active = (FIX / "hik_linedetection_active.xml").read_bytes()
    basic = "Basic " + base64.b64encode(f"hik:{TOKEN}".encode()).decode()
    assert post(url, active, "application/xml", auth=None) == (401, {"error": "unauthorized"})
    assert post(url, active, "application/xml", auth="Basic " + base64.b64encode(b"hik:nope").decode())[0] == 401
    assert post(url, active, "application/xml", auth=basic) == (200, {"result": {"stored": 1}})
    assert post(url, active, "application/xml")[1] == {"result": {"continued": 1}}       # repeated "active"
    assert post(url, (FIX / "hik_linedetection_inactive.xml").read_bytes(), "application/xml")[1] == {
        "result": {"ended": 1}}
    body, kind = form([("fielddetection.xml", "application/xml", (FIX / "hik_fielddetection_isapi.xml").read_bytes()),
                       ("fielddetection.jpg", "image/jpeg", JPEG)])
    assert post(url, body, kind) == (200, {"result": {"stored": 1}})
    big, kind = form([("PIR.xml", "application/xml", (FIX / "hik_pir.xml").read_bytes()),
                      ("PIR.jpg", "image/jpeg", JPEG + b"\0" * PICTURE_MAX_BYTES)])
    assert post(url, big, kind) == (200, {"result": {"stored": 1, "picture_too_large": 1}})
    for payload, reason in [(b"<EventNotificationAlert><x", "bad_xml"), (BOMB, "xml_dtd"),
                            (active.replace(b"alarm", b"al\x00arm"), "nul_byte")]:
        assert post(url, payload, "application/xml")[1]["error"] == reason
    assert post(url, hik_alert("VMD", "active", channel=9), "application/xml") == (422, {"error": "unknown_camera"})
    got = rows(db, """SELECT e.camera_id, e.label, e.sub_label, e.end_at - e.start_at, e.has_snapshot,
                             ST_Area(e.geom::geography) < 0.5 * ST_Area(c.fov::geography), p.event_id IS NOT NULL
                      FROM camera_event e JOIN camera c USING (port_id, camera_id)
                      LEFT JOIN camera_picture p USING (event_id) WHERE e.source = 'hikvision' ORDER BY e.start_at""")
    assert [(r[0], r[1], r[2]) for r in got] == [("CAM06", "person", "linedetection"),
                                                 ("CAM07", "vehicle", "fielddetection"), ("CAM07", "pir", "PIR")]
    assert got[0][3].total_seconds() == 12 and got[0][5]              # one event, 12 s, in a slice of the cone
    assert got[1][4] and got[1][6] and not got[2][4] and not got[2][6]  # the picture kept; the big one not
    assert reasons(db, "hikvision") == {"bad_xml": 1, "xml_dtd": 1, "nul_byte": 1, "unknown_camera": 1,
                                        "picture_too_large": 1}
    assert worker["proc"].poll() is None                                # the worker lives on


@pytest.mark.db
def test_hikvision_and_dahua_streams_with_digest_auth_and_reconnect(worker: dict[str, Any]) -> None:
    db, hik = worker["db"], worker["hik"]
    ended = "SELECT count(*) FROM camera_event WHERE source = %s AND end_at IS NOT NULL"
    assert wait_for(lambda: rows(db, ended, ("hikvision:stream",))[0][0] == 1, 30), worker["proc"].poll()
    assert wait_for(lambda: rows(db, ended, ("dahua:stream",))[0][0] == 1, 30)
    assert hik.served >= 2 and hik.refused >= 2          # digest challenged each time; reconnected after the drop
    got = "SELECT camera_id, label, end_at - start_at FROM camera_event WHERE source = %s"
    hik_rows = rows(db, got, ("hikvision:stream",))
    assert [(r[0], r[1], r[2].total_seconds()) for r in hik_rows] == [("CAM06", "motion", 20)]
    dah_rows = rows(db, got, ("dahua:stream",))
    assert [(r[0], r[1], r[2].total_seconds()) for r in dah_rows] == [("CAM04", "intrusion", 60)]
    assert wait_for(lambda: reasons(db, "hikvision:stream") == {"bad_xml": 1, "xml_dtd": 1, "unknown_camera": 1})
    assert reasons(db, "dahua:stream") == {"not_an_event": 1}
    assert rows(db, "SELECT status FROM camera WHERE camera_id = 'CAM06'") == [("online",)]     # the heartbeat
    assert worker["proc"].poll() is None
    worker["proc"].send_signal(signal.SIGTERM)          # streams open: the worker still stops at once, cleanly
    assert worker["proc"].wait(timeout=7) == 0


@pytest.mark.db
def test_gb28181_alarms_and_keepalives_over_udp(worker: dict[str, Any]) -> None:
    db, addr = worker["db"], worker["sip"]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(5)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]

    def ask(device: str, body: bytes, call: str) -> str:
        for _ in range(50):                   # the listener may still be starting: SIP over UDP retransmits
            sock.sendto(sip_message(device, body, call, port=port), addr)
            try:
                return sock.recv(4096).decode()
            except TimeoutError:
                continue
        raise AssertionError("no answer")

    sock.settimeout(0.5)
    ok = ask(GB_CAM, gb_alarm(GB_CAM, 1), "alarm-1")
    assert ok.startswith("SIP/2.0 200 OK\r\n") and "Call-ID: alarm-1\r\n" in ok and "CSeq: 20 MESSAGE" in ok
    assert ask(GB_CAM, gb_alarm(GB_CAM, 1), "alarm-1").startswith("SIP/2.0 200 OK")     # a retransmission
    assert ask(GB_CAM, gb_notify("Keepalive", GB_CAM, 2, "<Status>OK</Status>\r\n"), "ka-1").startswith(
        "SIP/2.0 200 OK")
    stranger = "37070000001320000099"
    assert ask(stranger, gb_alarm(stranger, 3), "x-1").startswith("SIP/2.0 403 Forbidden")
    assert ask(GB_CAM, b"<Notify><CmdType>Alarm", "bad-1").startswith("SIP/2.0 400")
    assert ask(GB_CAM, BOMB, "bomb-1").startswith("SIP/2.0 400")
    sock.sendto(b"\x00\x01garbage", addr)
    assert ask(GB_CAM, gb_alarm(GB_CAM, 4, method=2, kind=4), "alarm-2").startswith("SIP/2.0 200 OK")
    with socket.create_connection(addr, timeout=5) as tcp:        # SIP over TCP: two messages on one connection
        tcp.sendall(sip_message(GB_CAM, gb_alarm(GB_CAM, 5, kind=5), "tcp-1", port=port).replace(b"/UDP", b"/TCP")
                    + sip_message(GB_CAM, gb_alarm(GB_CAM, 6, kind=8), "tcp-2", port=port).replace(b"/UDP", b"/TCP"))
        answers = b""
        while answers.count(b"SIP/2.0 200 OK") < 2:
            answers += tcp.recv(4096)
    assert b"Call-ID: tcp-1\r\n" in answers and b"Call-ID: tcp-2\r\n" in answers and b"SIP/2.0/TCP" in answers
    got = rows(db, "SELECT event_id, camera_id, label, start_at = end_at FROM camera_event WHERE source = 'gb28181' "
                   "ORDER BY event_id")
    assert got == [(f"gb28181:{GB_CAM}:1", "CAM01", "intrusion", True),
                   (f"gb28181:{GB_CAM}:4", "CAM01", "temperature", True),
                   (f"gb28181:{GB_CAM}:5", "CAM01", "line_crossing", True),
                   (f"gb28181:{GB_CAM}:6", "CAM01", "loitering", True)]
    assert rows(db, "SELECT status, status_at IS NOT NULL FROM camera WHERE camera_id = 'CAM01'") == [("online", True)]
    assert wait_for(lambda: reasons(db, "gb28181") == {"unregistered_device": 1, "bad_xml": 1, "xml_dtd": 1,
                                                       "not_sip": 1}), reasons(db, "gb28181")
    assert worker["proc"].poll() is None
    sock.close()


@pytest.mark.db
def test_gb28181_digest_register(weifang_db: str) -> None:
    from ingest.camera.vendors import BatchWriter
    writer = BatchWriter(DbSettings(url=weifang_db), "weifang", "gb28181").start()
    listener = gb28181.SipListener(("127.0.0.1", 0), {GB_CAM}, writer, password="s3cret", realm="3402000000")
    threading.Thread(target=listener.run, daemon=True).start()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(5)
    try:
        sock.sendto(sip_message(GB_CAM, gb_alarm(GB_CAM, 9), "m-0"), listener.address)
        assert sock.recv(4096).startswith(b"SIP/2.0 403")                 # not registered yet
        sock.sendto(sip_message(GB_CAM, b"", "r-1", method="REGISTER", extra="Expires: 3600\r\n"), listener.address)
        challenge = sock.recv(4096).decode()
        assert challenge.startswith("SIP/2.0 401") and 'realm="3402000000"' in challenge
        nonce = challenge.split('nonce="')[1].split('"')[0]
        uri = "sip:34020000002000000001@3402000000"
        ha1 = gb28181.hashlib.md5(f"{GB_CAM}:3402000000:s3cret".encode()).hexdigest()
        ha2 = gb28181.hashlib.md5(f"REGISTER:{uri}".encode()).hexdigest()
        answer = gb28181.hashlib.md5(f"{ha1}:{nonce}:{ha2}".encode()).hexdigest()
        auth = (f'Authorization: Digest username="{GB_CAM}", realm="3402000000", nonce="{nonce}", uri="{uri}", '
                f'response="{answer}", algorithm=MD5\r\n')
        sock.sendto(sip_message(GB_CAM, b"", "r-1", cseq=21, method="REGISTER", extra=auth), listener.address)
        assert sock.recv(4096).startswith(b"SIP/2.0 200 OK")
        sock.sendto(sip_message(GB_CAM, gb_alarm(GB_CAM, 9), "m-1"), listener.address)
        assert sock.recv(4096).startswith(b"SIP/2.0 200 OK")
        assert rows(weifang_db, "SELECT camera_id FROM camera_event WHERE source = 'gb28181'") == [("CAM01",)]
    finally:
        listener.stop()
        writer.stop()
        sock.close()


@pytest.mark.db
def test_pictures_are_kept_for_a_while_only(weifang_db: str) -> None:
    from ingest.camera.vendors import VendorStore
    from sql import connect
    event = hikvision.parse_alert((FIX / "hik_pir.xml").read_bytes(), picture=JPEG)
    with connect(DbSettings(url=weifang_db)) as conn:
        store = VendorStore(conn, "weifang", "hikvision")
        assert store.write([event]) == {"stored": 1}
        assert conn.execute("SELECT octet_length(picture), content_type FROM camera_picture").fetchall() == [
            (len(JPEG), "image/jpeg")]
        conn.execute("UPDATE camera_picture SET stored_at = now() - interval '8 days'")
        conn.commit()
        store.pruned_at = 0.0
        assert store.write([hikvision.parse_alert((FIX / "hik_fire.xml").read_bytes())]) == {"stored": 1}
        assert conn.execute("SELECT count(*) FROM camera_picture").fetchone() == (0,)     # pruned after 7 days
        assert conn.execute("SELECT count(*) FROM camera_event").fetchone() == (2,)       # the events stay
