"""The demo feed without the database: its port, its motion, its messages and its files are checked with
the same validators the ingest workers use."""

from __future__ import annotations

import math
import os
import random
import socket
import time
from datetime import UTC, datetime
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from shapely.geometry import Point
from shapely.prepared import prep

from demo.ais import AisEmitter, report_interval, tag_block
from demo.cameras import CameraFeed
from demo.feed import DemoFeed, Options
from demo.fleet import ANCHORED, ASSISTED_TURN, MOORED, Fleet, Vessel
from demo.incidents import KINDS, schedule, wall_minutes_to_start_all
from demo.world import World, load_world
from ingest.ais.decoder import StreamDecoder
from ingest.camera.frigate import parse_event
from ingest.hazmat.declarations import declaration, gate_transaction, read_rows
from ingest.ops.berth_plan import parse_row
from ingest.ops.berth_plan import read_rows as plan_rows
from ingest.ops.direct_delivery import parse_row as direct_row
from ingest.ops.rows import read_rows as direct_rows
from ingest.yard.edifact import EdifactReport, parse
from ingest.yard.tos_csv import validate_row
from portdomain.broker import TEST_USER, BrokerLogin

pytestmark = pytest.mark.unit
PORT = Path(__file__).resolve().parents[1] / "assets" / "ports" / "weifang"


@pytest.fixture(scope="module")
def world() -> World:
    return load_world(PORT)


def test_routes_fishing_grounds_and_berths_are_in_open_water(world: World) -> None:
    land = prep(world.land)
    for xy in [*world.sea_entries, *world.channel]:
        assert not land.contains(Point(xy)), world.lonlat(*xy)
    for ground in world.fishing:
        assert not ground.intersects(world.land)
        assert not ground.intersects(world.zones["channel"])
    harbour = world.zones["harbour"]
    for berth in world.berths.values():
        assert not land.contains(Point(berth.alongside)), berth.berth_id
        assert harbour.contains(Point(berth.approach)), berth.berth_id
    # The channel line runs inside the channel zone from the harbour entrance on.
    assert all(world.zones["channel"].buffer(50).contains(Point(xy)) for xy in world.channel[1:])


@pytest.mark.parametrize("seed", [3, 7, 13])
def test_two_hours_of_traffic_stay_afloat_turn_at_sane_rates_and_keep_the_speed_limits(world: World,
                                                                                      seed: int) -> None:
    fleet = Fleet(world, random.Random(seed))
    land = prep(world.land.buffer(-30))          # a vessel alongside lies within metres of the quay line
    channel, basin = prep(world.zones["channel"]), prep(world.zones["turning-basin"])
    headings = {v.mmsi: v.heading for v in fleet.vessels}
    phases: set[str] = set()
    for minute in range(120):
        for _ in range(30):
            seen = {v.mmsi for v in fleet.vessels if v.phase != "away"}
            fleet.step(2.0)
            for v in fleet.vessels:
                if v.mmsi not in seen or v.phase == "away":
                    headings[v.mmsi] = v.heading     # out of sight: she may come back anywhere, any way
                    continue
                turn = abs((v.heading - headings[v.mmsi] + 180) % 360 - 180)
                assert turn <= max(v.max_turn, ASSISTED_TURN) * 2.0 + 0.1, (v.name, v.phase, turn)
                headings[v.mmsi] = v.heading
        for v in fleet.vessels:
            phases.add(v.phase)
            if v.phase == "away":
                continue
            assert not land.contains(Point(v.xy)), (minute, v.name, v.kind, v.phase, world.lonlat(*v.xy))
            if v.length > 60 and channel.contains(Point(v.xy)):
                assert v.sog <= 10.0 + 0.2, (v.name, v.sog)
            if v.length > 60 and basin.contains(Point(v.xy)):
                assert v.sog <= 4.0 + 0.2, (v.name, v.sog)
    # A port at work: ships came and went through every phase of a call, tugs assisted.
    assert {"anchored", "berthed", "inbound", "outbound", "fishing", "assist"} <= phases


def test_reporting_intervals_follow_itu_r_m1371() -> None:
    def v(**kw: object) -> Vessel:
        base = Vessel(412000001, "general", "X", "B1", None, 100, 20, 6, 12, 1, "A", 0, 0)
        for k, val in kw.items():
            setattr(base, k, val)
        return base

    assert report_interval(v(nav_status=ANCHORED, sog=0.1)) == 180
    assert report_interval(v(nav_status=MOORED, sog=0.0)) == 180
    assert report_interval(v(sog=10)) == 10
    assert report_interval(v(sog=10, turning=True)) == pytest.approx(10 / 3)
    assert report_interval(v(sog=16)) == 6
    assert report_interval(v(sog=16, turning=True)) == 2
    assert report_interval(v(sog=25)) == 2
    assert report_interval(v(cls="B", sog=1)) == 180
    assert report_interval(v(cls="B", sog=6)) == 30


def test_what_the_receivers_send_decodes_with_the_ingest_decoder(world: World) -> None:
    assert tag_block("rx-outer", 1795760000).startswith("\\s:rx-outer,c:1795760000*")
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    sink.settimeout(2)
    fleet = Fleet(world, random.Random(5))
    emitter = AisEmitter(world, sink.getsockname(), speed=1.0)
    wall = datetime(2026, 11, 27, 9, 0, tzinfo=UTC).timestamp()
    for v in fleet.vessels:
        v.next_report = v.next_static = 0.0
    reports = emitter.tick(fleet.vessels, 1.0, wall)
    emitter.atons(1.0, wall)
    lines: list[bytes] = []
    while len(lines) < emitter.sent_lines:
        lines.extend(sink.recv(65535).splitlines())
    sink.close()
    decoder = StreamDecoder("ais:udp:demo-0", now=lambda: datetime.fromtimestamp(wall + 1, UTC))
    for i, line in enumerate(lines):
        decoder.feed(line, i)
    decoder.finish()
    out = decoder.take()
    heard = {v.mmsi for v in fleet.vessels if v.phase != "away"}
    assert out.rejects == [] and out.reasons.get("tag_block_ignored", 0) == 0
    assert {row[0] for row in out.positions} == heard and reports == len(heard)
    assert set(out.statics) == heard                                # static and voyage data with the first report
    names = {v.mmsi: v.name for v in fleet.vessels}
    assert all(out.statics[m]["name"] == names[m] for m in heard)
    assert set(out.stations) == {"ais:udp:demo-0/rx-harbour", "ais:udp:demo-0/rx-outer"}
    assert {a["mmsi"] for a in world.scenario["atons"]} == set(out.atons)          # aids to navigation too
    lon_lat = {row[0]: (row[5], row[6]) for row in out.positions}
    for v in fleet.vessels:
        if v.mmsi in lon_lat:
            lon, lat = world.lonlat(*v.xy)
            assert lon_lat[v.mmsi] == pytest.approx((lon, lat), abs=1e-5)


def test_the_default_schedule_starts_every_incident_within_15_wall_minutes_at_speed_20(world: World) -> None:
    items = schedule(world.scenario)
    assert sorted(i.kind for i in items) == sorted(KINDS)
    assert wall_minutes_to_start_all(items, 20) <= 15
    assert wall_minutes_to_start_all(items, 1) > 15          # at real speed they are spread over the afternoon


def test_yard_files_pass_the_ingest_validators(world: World, tmp_path: Path) -> None:
    feed = DemoFeed(world, Options(speed=20, inbox=tmp_path, incident_log=None, mqtt=("127.0.0.1", 9)))
    try:
        feed.start(datetime(2026, 11, 27, 9, 0, tzinfo=UTC).timestamp())
        wall = datetime(2026, 11, 27, 9, 0, tzinfo=UTC).timestamp()
        for _ in range(240):                    # an hour of port life in 15 s steps
            wall += 0.75
            feed.step(15.0, wall)
    finally:
        feed.cameras.close()
    files = sorted(tmp_path.iterdir())
    kinds = {f.name.split("-", 2)[2] for f in files}
    assert {"yard.tos.csv", "declarations.hazmat.csv", "discharge.edi", "load.edi", "gate_in.edi", "gate_out.edi",
            "transactions.gate.csv", "berth-plan.berthplan.json", "stowage.edi", "loadlist.edi",
            "plan.direct.json"} <= kinds
    snapshot = next(f for f in files if f.name.endswith(".tos.csv"))
    rows = read_rows(snapshot)
    assert len(rows) >= 3000
    blocks = {b.block_id: (b.bays, b.rows, b.tiers) for b in world.blocks.values()}
    for row in rows:
        validate_row(row, blocks)                  # raises Invalid on a bad row
    slots = [(r["block"], r["bay"], r["row"], r["tier"]) for r in rows]
    assert len(slots) == len(set(slots))           # one box per slot
    planned: dict[str, set[str]] = {"expected_discharge": set(), "expected_load": set()}
    for f in files:
        if f.suffix == ".edi":
            report = EdifactReport()
            moves = parse(f.read_text(encoding="latin-1"), report)
            assert moves and not report.rejects and not report.warnings, f.name
            for m in moves:
                planned.get(m.kind, set()).add(m.container_no)
        elif f.name.endswith(".direct.json"):         # each direct box is on its ship's BAPLIE or load list
            for row in direct_rows(f, "containers"):
                plan = direct_row(row, set(world.berths), set(world.gates))
                kind = "expected_discharge" if plan["direction"] == "discharge" else "expected_load"
                assert plan["container_no"] in planned[kind], plan
        elif f.name.endswith(".hazmat.csv"):
            for row in read_rows(f):
                declaration(row, "test")
        elif f.name.endswith(".gate.csv"):
            for row in read_rows(f):
                gate_transaction(row, "weifang", set(world.gates), "test")
        elif f.name.endswith(".berthplan.json"):
            calls = plan_rows(f)
            assert calls, f.name
            for row in calls:                      # raises Invalid on a bad call
                plan = parse_row(row, set(world.berths))
                assert world.berths[plan["berth_id"]].cargo != "service"


def test_camera_events_are_frigate_events_from_cameras_that_see_them(world: World) -> None:
    """Through the real broker: what a Frigate subscriber receives parses, and fits each camera's view."""
    port = int(os.environ.get("PORTMAP_MQTT_PORT", "51883"))
    topic = f"demo{time.time_ns()}/events"
    received: list[bytes] = []
    sub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"sub-{time.time_ns()}")
    BrokerLogin.private(TEST_USER).apply(sub)
    sub.on_message = lambda _c, _u, msg: received.append(bytes(msg.payload))
    sub.connect("127.0.0.1", port)
    sub.subscribe(topic, qos=1)
    sub.loop_start()
    time.sleep(0.3)
    cams = CameraFeed(world, random.Random(2), "127.0.0.1", port, speed=60, topic=topic,
                      client_id=f"demo-{time.time_ns()}", login=BrokerLogin.private(TEST_USER))
    try:
        wall = time.time()
        for _ in range(300):
            wall += 1
            cams.tick(60.0, wall)          # five simulated hours
        deadline = time.time() + 10
        while len(received) < cams.published and time.time() < deadline:
            time.sleep(0.1)
    finally:
        cams.close()
        sub.loop_stop()
        sub.disconnect()
    assert len(received) == cams.published
    events = [parse_event(p) for p in received]
    assert len({e.event_id for e in events}) > 50
    labels = world.scenario["cameras"]["labels"]
    for e in events:
        assert e.label in labels[e.camera], (e.camera, e.label)
        assert set(e.zones) <= set(cams.cameras[e.camera].zone_ids)
    ended = {e.event_id for e in events if e.end_at is not None}
    assert len(ended) >= len({e.event_id for e in events}) - 15         # tracks end (a few still running)


def test_the_same_seed_gives_the_same_port(world: World) -> None:
    a, b = Fleet(world, random.Random(11)), Fleet(world, random.Random(11))
    for fleet in (a, b):
        for _ in range(300):
            fleet.step(2.0)
    assert [(v.mmsi, round(v.x, 3), round(v.y, 3)) for v in a.vessels] == \
        [(v.mmsi, round(v.x, 3), round(v.y, 3)) for v in b.vessels]
    assert math.isfinite(sum(v.x for v in a.vessels))
