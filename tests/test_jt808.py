"""JT/T 808 through the real server process into PostGIS: frames built after the published 2013 and 2019 tables
(an oracle of this file's own, not the codec), registration, authentication, 0x0200 with additional items, 0x0704,
escaped bytes, a bad check code, a half frame, poison input, many terminals at once, a database connection lost."""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import reduce
from typing import Any

import psycopg
import pytest

from ingest.vehicles import jt808
from tests.conftest import ROOT, _free_port, role_env

pytestmark = pytest.mark.db
SECRET = "test-secret-of-the-platform"
T0 = datetime(2026, 12, 3, 6, 5, 4, tzinfo=UTC)       # 14:05:04 in GMT+8
REGISTERED = ["13912340001", "13800000019", "139000077", "13912349999", "13912340077", "13912345000",
              "13912340500", "13912340600", *(f"1555{i:07d}" for i in range(40))]


# --- the oracle: frames as the tables lay them out -----------------------------------------------------------
def frame(msg_id: int, phone: str, serial: int, body: bytes, *, v2019: bool = False,
          packet: tuple[int, int] | None = None, check: int | None = None) -> bytes:
    """Table 2 (2013) / table 2 (2019): id WORD, properties WORD, [version BYTE], phone BCD[6|10], serial WORD,
    [total WORD, number WORD]; then the body and the XOR check code; escaped (0x7D first) between 0x7E flags."""
    props = len(body) | (0x2000 if packet else 0) | (0x4000 if v2019 else 0)
    head = struct.pack(">HH", msg_id, props) + (b"\x01" if v2019 else b"")
    head += bytes.fromhex(phone.rjust(20 if v2019 else 12, "0")) + struct.pack(">H", serial)
    head += struct.pack(">HH", *packet) if packet else b""
    raw = head + body
    raw += bytes([reduce(lambda a, b: a ^ b, raw, 0) if check is None else check])
    return b"\x7e" + raw.replace(b"\x7d", b"\x7d\x01").replace(b"\x7e", b"\x7d\x02") + b"\x7e"


def location_body(lat: float, lon: float, at: datetime, *, alarm: int = 0, status: int = 0x3, speed_01: int = 0,
                  direction: int = 0, altitude: int = 0, items: bytes = b"") -> bytes:
    """Table 23 (2013) / 24 (2019): alarm DWORD, status DWORD, lat DWORD, lon DWORD (10^-6 degrees, south and west
    in status bits 2 and 3), altitude WORD (m), speed WORD (0.1 km/h), direction WORD, time BCD[6] (GMT+8)."""
    status |= (4 if lat < 0 else 0) | (8 if lon < 0 else 0)
    local = at.astimezone(jt808.GMT8).strftime("%y%m%d%H%M%S")
    return struct.pack(">IIIIHHH", alarm, status, round(abs(lat) * 1e6), round(abs(lon) * 1e6), altitude, speed_01,
                       direction) + bytes.fromhex(local) + items


def items(mileage_01km: int, fuel_01l: int, signal: int, satellites: int) -> bytes:
    """Table 27 (2013) / 26 (2019): id BYTE, length BYTE, value; 0x01 mileage DWORD, 0x02 fuel WORD, 0x30 and
    0x31 BYTE; plus an item no table here knows (0xE1), which is kept."""
    return (b"\x01\x04" + struct.pack(">I", mileage_01km) + b"\x02\x02" + struct.pack(">H", fuel_01l)
            + bytes([0x30, 1, signal, 0x31, 1, satellites]) + b"\xe1\x02\xab\xcd")


def registration_2013(plate: str) -> bytes:
    """Table 8 (2013): province WORD, city WORD, maker BYTE[5], model BYTE[20], terminal id BYTE[7], plate colour
    BYTE, plate STRING (GBK)."""
    return (struct.pack(">HH", 37, 700) + b"70111" + b"JT-T1".ljust(20, b"\0") + b"T000001" + b"\x01"
            + plate.encode("gbk"))


def registration_2019(plate: str) -> bytes:
    """Table 9 (2019): province WORD, city WORD, maker BYTE[11], model BYTE[30], terminal id BYTE[30], colour, plate."""
    return (struct.pack(">HH", 37, 700) + b"70111".ljust(11, b"\0") + b"BD-2019".ljust(30, b"\0")
            + b"T2019-000042".ljust(30, b"\0") + b"\x02" + plate.encode("gbk"))


class Client:
    """A terminal over a real TCP connection, reading the platform's answers."""

    def __init__(self, port: int, phone: str, v2019: bool = False) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.phone, self.v2019, self.serial = phone, v2019, 0
        self.splitter = jt808.Splitter()
        self.answers: list[tuple[jt808.Header, bytes]] = []

    def send(self, msg_id: int, body: bytes, **kw: Any) -> int:
        self.serial += 1
        self.sock.sendall(frame(msg_id, self.phone, self.serial, body, v2019=self.v2019, **kw))
        return self.serial

    def answer(self, timeout_s: float = 10.0) -> tuple[jt808.Header, bytes]:
        deadline = time.monotonic() + timeout_s
        while not self.answers:
            self.sock.settimeout(max(0.05, deadline - time.monotonic()))
            data = self.sock.recv(65536)
            assert data, "the server closed the connection"
            for item in self.splitter.feed(data):
                assert isinstance(item, bytes), item
                self.answers.append(jt808.decode(item))
        return self.answers.pop(0)

    def general(self) -> tuple[int, int, int]:
        header, body = self.answer()
        assert header.msg_id == 0x8001
        assert header.phone.lstrip("0") == self.phone.lstrip("0") and (header.version is not None) == self.v2019
        return struct.unpack(">HHB", body)

    def register(self, plate: str = "鲁G12345") -> tuple[int, str]:
        serial = self.send(0x0100, registration_2019(plate) if self.v2019 else registration_2013(plate))
        header, body = self.answer()
        assert header.msg_id == 0x8100 and struct.unpack_from(">H", body) == (serial,)
        return body[2], body[3:].decode("gbk")

    def login(self, plate: str = "鲁G12345") -> str:
        result, code = self.register(plate)
        assert result == 0
        assert len(code) == 16
        serial = self.send(0x0102, (bytes([len(code)]) + code.encode() + b"8" * 15 + b"1.0".ljust(20, b"\0"))
                           if self.v2019 else code.encode())
        assert self.general() == (serial, 0x0102, 0)
        return code

    def login_with(self, code: str) -> None:
        serial = self.send(0x0102, (bytes([len(code)]) + code.encode() + b"8" * 15 + b"1.0".ljust(20, b"\0"))
                           if self.v2019 else code.encode())
        assert self.general() == (serial, 0x0102, 0)

    def close(self) -> None:
        self.sock.close()


# --- the server -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(databases: Any) -> Iterator[tuple[int, str, subprocess.Popen[str]]]:
    url = databases.create()
    with psycopg.connect(url) as conn:          # the vehicle registry: only these terminals may register
        conn.execute("INSERT INTO vehicle (terminal_phone, plate, kind) SELECT p, 'P' || p, 'container_truck' FROM "
                     "unnest(%s::text[]) p", (REGISTERED,))
    port = _free_port()
    env = {**role_env(url, "ais"), "PORTMAP_JT808_SECRET": SECRET}
    proc = subprocess.Popen([sys.executable, "-m", "ingest", "vehicles", "--jt808", f"127.0.0.1:{port}",
                             "--station", "test", "--registry-refresh-s", "0.3", "--auth-deadline-s", "3"],
                            cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the server did not listen"
            time.sleep(0.1)
    yield port, url, proc
    proc.terminate()
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err[-2000:]
    assert "reports stored" in out


def rows(url: str, sql: str, *params: Any) -> list[Any]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def refused(url: str, reason: str) -> int:
    found = rows(url, "SELECT count FROM ingest_reject_count WHERE source = 'vehicles:jt808:test' AND reason = %s",
                 reason)
    return int(found[0][0]) if found else 0


def wait_for(check: Any, timeout_s: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def test_a_2013_terminal_registers_authenticates_and_reports(server: Any) -> None:
    port, url, _ = server
    c = Client(port, "013912340001")
    c.login("鲁G12345")
    body = location_body(37.201234, 119.187654, T0, alarm=0, speed_01=355, direction=271, altitude=7,
                         items=items(123456, 505, 25, 14))
    serial = c.send(0x0200, body)
    assert c.general() == (serial, 0x0200, 0)          # answered once committed
    got = rows(url, "SELECT observed_at, ST_X(geom), ST_Y(geom), speed_kmh, direction_deg, altitude_m, mileage_km, "
                    "fuel_l, signal, satellites, extra, status FROM vehicle_position WHERE terminal_phone = %s",
               "13912340001")
    assert got == [(T0, pytest.approx(119.187654), pytest.approx(37.201234), pytest.approx(35.5), 271, 7,
                    pytest.approx(12345.6), pytest.approx(50.5), 25, 14, {"e1": "abcd"}, 3)]
    assert rows(url, "SELECT plate, protocol, maker, model, terminal_id, province, city FROM jt808_terminal "
                     "WHERE terminal_phone = '13912340001'") == [("鲁G12345", 2013, "70111", "JT-T1", "T000001", 37,
                                                                  700)]
    assert rows(url, "SELECT observed_at FROM vehicle_latest WHERE terminal_phone = '13912340001'") == [(T0,)]
    assert c.send(0x0002, b"") and c.general()[1:] == (0x0002, 0)     # heartbeat
    c.close()


def test_a_2019_terminal_and_a_batch_upload_with_one_bad_item(server: Any) -> None:
    port, url, _ = server
    c = Client(port, "13800000019", v2019=True)
    c.login("鲁V00019")
    good = [location_body(-33.5 - i / 1000, -70.25, T0 + timedelta(seconds=i)) for i in range(3)]
    bad = location_body(37.2, 119.2, T0)[:22] + bytes.fromhex("26139a000000")        # not a BCD time
    batch = struct.pack(">HB", 4, 1) + b"".join(struct.pack(">H", len(b)) + b for b in [good[0], bad, *good[1:]])
    before = refused(url, "bad_time")
    serial = c.send(0x0704, batch)
    assert c.general() == (serial, 0x0704, 0)
    got = rows(url, "SELECT ST_Y(geom), ST_X(geom) FROM vehicle_position WHERE terminal_phone = '13800000019' "
                    "ORDER BY observed_at")
    assert got == [(pytest.approx(-33.5 - i / 1000), pytest.approx(-70.25)) for i in range(3)]   # south, west
    assert wait_for(lambda: refused(url, "bad_time") == before + 1)
    assert rows(url, "SELECT protocol, terminal_id FROM jt808_terminal WHERE terminal_phone = '13800000019'") == [
        (2019, "T2019-000042")]
    c.close()


def test_locations_before_authentication_and_with_a_wrong_code_are_refused(server: Any) -> None:
    port, url, _ = server
    c = Client(port, "013900000666")
    before = refused(url, "unauthenticated")
    serial = c.send(0x0200, location_body(37.2, 119.2, T0))
    assert c.general() == (serial, 0x0200, 1)
    serial = c.send(0x0102, b"0123456789abcdef")
    assert c.general() == (serial, 0x0102, 1)
    serial = c.send(0x0200, location_body(37.2, 119.2, T0))
    assert c.general() == (serial, 0x0200, 1)
    assert rows(url, "SELECT count(*) FROM vehicle_position WHERE terminal_phone = '13900000666'") == [(0,)]
    assert wait_for(lambda: refused(url, "unauthenticated") == before + 2)
    assert refused(url, "bad_auth_code") >= 1
    c.close()


def test_escaped_bytes_a_bad_check_code_and_a_half_frame_in_one_stream(server: Any) -> None:
    port, url, _ = server
    c = Client(port, "139000077")
    c.login()
    # 0x7E and 0x7D in the body (latitude 0x0237 7E 7D, a fuel of 0x7E7D) and in the serial: escaped on the wire
    lat = 0x02377E7D / 1e6
    escaped = frame(0x0200, c.phone, 0x7E7D, location_body(lat, 119.2, T0, items=b"\x02\x02\x7e\x7d"))
    assert b"\x7d\x02" in escaped and b"\x7d\x01" in escaped
    corrupt = frame(0x0200, c.phone, 0x0101, location_body(37.3, 119.3, T0 + timedelta(seconds=1)), check=0x00)
    later = frame(0x0200, c.phone, 0x0102, location_body(37.4, 119.4, T0 + timedelta(seconds=2)))
    before = refused(url, "bad_check_code")
    c.sock.sendall(escaped + corrupt + later[:9])       # the third frame arrives in two pieces
    time.sleep(0.2)
    c.sock.sendall(later[9:])
    assert c.general() == (0x7E7D, 0x0200, 0)
    assert c.general() == (0x0102, 0x0200, 0)
    got = rows(url, "SELECT ST_Y(geom), fuel_l FROM vehicle_position WHERE terminal_phone = '139000077' "
                    "ORDER BY observed_at")
    assert got == [(pytest.approx(lat), pytest.approx(0x7E7D / 10)), (pytest.approx(37.4), None)]
    assert wait_for(lambda: refused(url, "bad_check_code") == before + 1)
    before = refused(url, "half_frame")
    c.sock.sendall(later[:20])          # half a frame, then the terminal goes away
    c.close()
    assert wait_for(lambda: refused(url, "half_frame") == before + 1)


def test_poison_input_is_refused_alone_and_the_good_frames_around_it_are_kept(server: Any) -> None:
    port, url, proc = server
    c = Client(port, "13912349999")
    c.login()
    reports = [frame(0x0200, c.phone, 100 + i, location_body(37.2, 119.2 + i / 1000, T0 + timedelta(seconds=i)))
               for i in range(4)]
    before = {r: refused(url, r) for r in ("oversized", "bad_length", "short_frame")}
    c.sock.sendall(reports[0] + b"\x00" * 64 + reports[1])                # NULs between frames: bad_length
    c.sock.sendall(b"\x7e" + os.urandom(1 << 20).replace(b"\x7e", b"\x00"))   # 1 MB without a flag: oversized
    c.sock.sendall(b"\x7e\xff\xfe\xc3\x28\x7e" + reports[2])             # invalid UTF-8 as a frame: short_frame
    c.sock.sendall(b"\xc3\x28\x00\n" * 1000 + reports[3])                # 4 KB of junk: oversized
    assert [c.general()[0] for _ in range(4)] == [100, 101, 102, 103]
    assert rows(url, "SELECT count(*) FROM vehicle_position WHERE terminal_phone = '13912349999'") == [(4,)]
    assert wait_for(lambda: refused(url, "oversized") == before["oversized"] + 2)
    assert refused(url, "bad_length") == before["bad_length"] + 1
    assert refused(url, "short_frame") == before["short_frame"] + 1
    assert proc.poll() is None
    raw = rows(url, "SELECT raw FROM ingest_reject WHERE source = 'vehicles:jt808:test' AND reason = 'short_frame' "
                    "ORDER BY reject_id DESC LIMIT 1")
    assert raw == [("fffec328",)]
    c.close()


def test_sub_packages_a_resend_and_an_unknown_message(server: Any) -> None:
    port, url, _ = server
    c = Client(port, "13912340077", v2019=True)
    c.login()
    locs = [location_body(37.2, 119.2, T0 + timedelta(seconds=i), items=items(i, i, 1, 1)) for i in range(6)]
    batch = struct.pack(">HB", 6, 0) + b"".join(struct.pack(">H", len(b)) + b for b in locs)
    first, second = batch[:100], batch[100:]
    c.serial = 500
    c.sock.sendall(frame(0x0704, c.phone, 500, first, v2019=True, packet=(2, 1))
                   + frame(0x0704, c.phone, 501, second, v2019=True, packet=(2, 2)))
    assert c.general() == (500, 0x0704, 0)       # the first package, received
    assert c.general() == (501, 0x0704, 0)       # the second: the whole message, stored
    assert c.general() == (501, 0x0704, 0)
    assert rows(url, "SELECT count(*) FROM vehicle_position WHERE terminal_phone = '13912340077'") == [(6,)]
    serial = c.send(0x0200, locs[2])                 # the same report again (a blind-area re-send)
    assert c.general() == (serial, 0x0200, 0)
    assert rows(url, "SELECT count(*) FROM vehicle_position WHERE terminal_phone = '13912340077'") == [(6,)]
    serial = c.send(0x0900, b"\x01abc")              # a message the platform does not take: not supported
    assert c.general() == (serial, 0x0900, 3)
    c.close()


def test_many_terminals_at_once(server: Any) -> None:
    port, url, _ = server
    clients = [Client(port, f"1555{i:07d}", v2019=bool(i % 2)) for i in range(40)]

    def run(c: Client) -> None:
        c.login()
        for k in range(5):
            c.send(0x0200, location_body(37.2 + k / 1e4, 119.2, T0 + timedelta(seconds=k)))
        assert sorted(c.general()[2] for _ in range(5)) == [0] * 5

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert rows(url, "SELECT count(*), count(DISTINCT terminal_phone) FROM vehicle_position "
                     "WHERE terminal_phone LIKE '1555_______'") == [(200, 40)]
    for c in clients:
        c.close()


def test_a_lost_database_connection_loses_nothing_acknowledged(server: Any) -> None:
    port, url, proc = server
    c = Client(port, "13912345000")
    c.login()
    with psycopg.connect(url, autocommit=True) as admin:
        killed = admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                               "WHERE datname = current_database() AND usename = 'portmap_ais'").fetchone()
    assert killed and killed[0] >= 1
    for k in range(3):
        c.send(0x0200, location_body(37.25, 119.25, T0 + timedelta(seconds=k)))
    assert sorted(c.general()[2] for _ in range(3)) == [0, 0, 0]
    assert rows(url, "SELECT count(*) FROM vehicle_position WHERE terminal_phone = '13912345000'") == [(3,)]
    assert proc.poll() is None
    c.close()


def test_only_the_registry_s_terminals_register_and_each_once_until_it_logs_out(server: Any) -> None:
    port, url, _ = server
    stranger = Client(port, "13700000001")
    assert stranger.register() == (4, "")                 # not in the registry: no such terminal
    c = Client(port, "13912340500")
    code = c.login()
    thief = Client(port, "13912340500", v2019=True)       # the same phone from elsewhere asks for its code
    assert thief.register() == (3, "")                    # registered already: no code
    c.close()
    again = Client(port, "13912340500")                   # a new connection of the terminal itself
    again.login_with(code)
    serial = again.send(0x0003, b"")                     # it logs out (unregisters) ...
    assert again.general() == (serial, 0x0003, 0)
    assert wait_for(lambda: rows(url, "SELECT count(*) FROM jt808_terminal WHERE terminal_phone = '13912340500'")
                    == [(0,)])
    assert again.register()[0] == 0                       # ... and may register anew
    assert wait_for(lambda: refused(url, "unknown_terminal") >= 1 and refused(url, "already_registered") >= 1)
    for x in (stranger, thief, again):
        x.close()


def test_a_connection_that_never_logs_in_is_cut_off_and_a_terminal_that_did_is_not(server: Any) -> None:
    port, url, _ = server
    before = refused(url, "auth_timeout")
    lurker = Client(port, "13700000002")
    member = Client(port, "13912340600")
    member.login()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:          # the lurker beats its heart, unauthenticated
        lurker.send(0x0002, b"")
        member.send(0x0002, b"")
        try:
            if lurker.sock.recv(4096) == b"":
                break
        except OSError:
            break
        time.sleep(0.3)
    else:
        pytest.fail("the unauthenticated connection was not closed")
    assert member.general()[1:] == (0x0002, 0)          # the logged-in terminal is still served
    assert wait_for(lambda: refused(url, "auth_timeout") > before)
    lurker.close()
    member.close()


def test_feed_status_shows_the_live_source(server: Any) -> None:
    _, url, _ = server
    assert wait_for(lambda: rows(url, "SELECT kind, live FROM feed_status WHERE source = 'vehicles:jt808:test'")) == [
        ("vehicles", True)]


def test_vehicle_history_past_its_retention_is_deleted(server: Any) -> None:
    from ingest.vehicles import store

    _, url, _ = server
    with psycopg.connect(url) as conn:
        conn.execute("INSERT INTO vehicle_position (terminal_phone, observed_at, received_at, source) VALUES "
                     "('13000000031', now() - interval '31 days', now(), 't'), "
                     "('13000000031', now() - interval '29 days', now(), 't')")
        conn.commit()
        assert store.retention_days(conn, "weifang") == store.DEFAULT_RETENTION_DAYS     # (no port loaded here)
        assert store.prune(conn, 30) == 1
    assert rows(url, "SELECT count(*) FROM vehicle_position WHERE terminal_phone = '13000000031'") == [(1,)]
