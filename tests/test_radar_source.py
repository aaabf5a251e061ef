"""A new kind of source end to end, the way a real one would plug in: a tiny fake radar sending NMEA 0183 TTM
(tracked target) sentences over a real UDP socket, registered as a live source, decoded, stored through the shared
tracking writer, seen in feed_status as live (so its silence is a feed-health alert, a KPI and a banner, with no
name prefix anywhere), and drawn by a layer.

What a real radar adds to the product (5 files): ingest/radar.py (the listener and `decode` below),
ingest/sources.py (its Source line), ingest/__main__.py (`python -m ingest radar`), layers/radar.py (the class
below), layers/__init__.py (its registry line). Here the test stands in for them and registers at run time."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import reduce
from typing import Any

import psycopg
import pytest
from pyproj import Geod

from app.cards import silent_banner
from app.kpi import port_kpis
from ingest import sources
from ingest.alerts.engine import AlertEngine
from ingest.sources import Source
from ingest.tracks import Target, store_targets
from layers import LAYERS, Layer, Style, View
from layers.sensor_targets import SensorTargets

pytestmark = pytest.mark.db
RADAR = Source("radar", "radar", live=True, cadence_s=3, cli="python -m ingest radar --udp HOST:PORT")
SITE = (119.1990, 37.2150)            # the radar on the north pier
GEOD = Geod(ellps="WGS84")


class Radar(SensorTargets, Layer):
    name = "radar"
    title = {"en": "Radar targets", "zh": "雷达目标"}
    source = "radar"
    age_sources = ("feed:radar",)


def sentence(body: str) -> bytes:
    return f"${body}*{reduce(lambda a, c: a ^ ord(c), body, 0):02X}\r\n".encode()


def decode(line: bytes, day: datetime) -> Target:
    """One $--TTM: target number, distance, bearing (T), speed, course (T), …, units (N: nautical miles, knots),
    name, status, reference, UTC hhmmss.ss, acquisition. Raises ValueError with the reason."""
    text = line.decode("ascii").strip()
    body, _, checksum = text.lstrip("$").partition("*")
    if f"{reduce(lambda a, c: a ^ ord(c), body, 0):02X}" != checksum.upper():
        raise ValueError("bad_checksum")
    f = body.split(",")
    if not f[0].endswith("TTM") or len(f) < 15 or f[4] != "T" or f[10] != "N":
        raise ValueError("not_a_true_ttm")
    lon, lat, _ = GEOD.fwd(*SITE, float(f[3]), float(f[2]) * 1852.0)       # bearing (true), distance (nm)
    hh, mm, ss = int(f[14][:2]), int(f[14][2:4]), float(f[14][4:])
    at = day.replace(hour=hh, minute=mm, second=int(ss), microsecond=round((ss % 1) * 1e6))
    return Target(target_id=f[1], observed_at=at, lon=lon, lat=lat, speed_kn=float(f[5]), course_deg=float(f[6]),
                  label=f[11] or None, details={"status": f[12]})


@pytest.fixture()
def radar() -> Iterator[None]:
    sources.register(RADAR)
    LAYERS["radar"] = Radar()
    try:
        yield
    finally:
        LAYERS.pop("radar", None)
        sources.unregister("radar")


def received(datagrams: list[bytes]) -> list[bytes]:
    """The datagrams as a listener receives them over a real UDP socket."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as rx, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
        rx.bind(("127.0.0.1", 0))
        rx.settimeout(5)
        for d in datagrams:
            tx.sendto(d, rx.getsockname())
        return [rx.recv(2048) for _ in datagrams]


def test_a_radar_source_end_to_end(weifang_db: str, radar: None) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    hhmmss = f"{now:%H%M%S}.00"
    lines = received([sentence(f"RATTM,07,1.20,045.0,T,8.5,120.0,T,0.3,4.0,N,PILOT 1,T,,{hhmmss},A"),
                      sentence(f"RATTM,08,0.80,200.0,T,0.0,0.0,T,0.0,0.0,N,,T,,{hhmmss},A"),
                      b"$RATTM,09,1.0,10.0,T,1,1,T,0,0,N,,T,,000000.00,A*00\r\n"])      # a wrong checksum
    targets, refused = [], []
    for line in lines:
        try:
            targets.append(decode(line, now))
        except ValueError as err:
            refused.append(("radar:udp:north-pier", str(err), "", line.decode()))
    assert [t.target_id for t in targets] == ["07", "08"] and [r[1] for r in refused] == ["bad_checksum"]
    with psycopg.connect(weifang_db, autocommit=True) as conn:
        assert store_targets(conn, "radar:udp:north-pier", "radar", targets, rejects=refused,
                             reasons={"bad_checksum": 1}) == 2                                # type: ignore[arg-type]
        feed = conn.execute("SELECT kind, live, messages_total, rejects_total FROM feed_status "
                            "WHERE source = 'radar:udp:north-pier'").fetchone()
        assert feed == ("radar", True, 2, 1)
        frame = LAYERS["radar"].query(conn, View(port_id="weifang", bbox=(119.0, 37.0, 119.5, 37.5)))
        traces = LAYERS["radar"].traces(frame, Style())
        assert sorted(frame["target_id"]) == ["07", "08"] and "PILOT 1" in traces[0].hovertext[0]
        assert abs(frame.loc[frame["target_id"] == "07", "lat"].iloc[0] - SITE[1] - 0.0141) < 0.001   # 1.2 nm NE
        _silent_for_ten_minutes(conn)
        assert "radar:udp:north-pier" in silent_banner(conn, "en")
        assert port_kpis(conn, "weifang")["feeds_silent"] >= 1
        AlertEngine(conn, "weifang").cycle()
        health = conn.execute("SELECT subject_id FROM alert WHERE rule = 'feed_health'").fetchall()
        assert ("radar:udp:north-pier",) in health


def _silent_for_ten_minutes(conn: psycopg.Connection[Any]) -> None:
    conn.execute("UPDATE feed_status SET last_message_at = now() - interval '10 minutes' "
                 "WHERE source = 'radar:udp:north-pier'")


def test_an_unregistered_feed_is_not_live(weifang_db: str) -> None:
    with psycopg.connect(weifang_db, autocommit=True) as conn:
        store_targets(conn, "sonar:udp:x", "sonar", [Target("1", datetime.now(UTC), 119.2, 37.2)])
        assert conn.execute("SELECT live FROM feed_status WHERE source = 'sonar:udp:x'").fetchone() == (False,)
