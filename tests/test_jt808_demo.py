"""The demo's vehicles and people through the real JT/T 808 and tracker servers: trucks (2013 and 2019 terminals)
registered, authenticated and reporting, the phones, the registries through a real inbox, an incident (the fire
engine's emergency button), and the layer drawing them by plate."""

from __future__ import annotations

import random
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

from demo.vehicles import PEOPLE, VEHICLES, VehicleFeed
from demo.world import load_world
from ingest.inbox import Inbox
from layers import LAYERS, View
from sql import DbSettings
from tests.conftest import ROOT, WEIFANG, _free_port, role_env

pytestmark = pytest.mark.db


def _listening(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)


@pytest.fixture()
def servers(weifang_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, int, int]]:
    monkeypatch.setenv("PORTMAP_TRACKER_SECRET", "demo-test-secret")
    env = {**role_env(weifang_db, "ais"), "PORTMAP_TRACKER_SECRET": "demo-test-secret",
           "PORTMAP_JT808_SECRET": "demo-jt808"}
    jt, http = _free_port(), _free_port()
    procs = [subprocess.Popen([sys.executable, "-m", "ingest", "vehicles", "--jt808", f"127.0.0.1:{jt}",
                               "--station", "demo", "--registry-refresh-s", "0.2"], cwd=ROOT, env=env),
             subprocess.Popen([sys.executable, "-m", "ingest", "trackers", "--http", f"127.0.0.1:{http}"], cwd=ROOT,
                              env=env)]
    _listening(jt, procs[0])
    _listening(http, procs[1])
    yield weifang_db, jt, http
    for p in procs:
        p.terminate()
        assert p.wait(20) == 0


def wait_rows(url: str, sql: str, want: Any, timeout_s: float = 15) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        with psycopg.connect(url) as conn:
            got = conn.execute(sql).fetchall()
        if got == want or time.monotonic() > deadline:
            return got
        time.sleep(0.1)


def test_the_demo_drives_its_vehicles_and_teams(servers: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url, jt, http = servers
    monkeypatch.setenv("PORTMAP_DATA", str(tmp_path / "data"))      # where the demo's terminals keep their codes
    feed = VehicleFeed(load_world(WEIFANG), random.Random(7), ("127.0.0.1", jt), ("127.0.0.1", http), 1.0, tmp_path)
    wall0 = time.time() - 60
    feed.start(datetime.now(UTC))
    stats = Inbox(tmp_path, DbSettings(url=url), "weifang").run(until_empty=True)     # the registries first
    assert dict(stats.files) == {"vehicles": 1, "people": 1} and stats.rejected_rows == 0
    deadline = time.monotonic() + 15        # the server reads the registry every 0.2 s: then they may register
    while any(t.sock is None for t in feed.terminals) and time.monotonic() < deadline:
        for t in feed.terminals:
            if t.sock is None:
                feed._login(t, time.time())
    for k in range(3):                      # three reports each, 5 s of wall time apart; minute 25: the alarm
        feed.tick(5.0, wall0 + 5 * k, sim_t=25.5 * 60)
    assert feed.sent == 3 * len(VEHICLES) and feed.phones_sent == len(PEOPLE)
    assert all(t.sock is not None for t in feed.terminals)
    assert wait_rows(url, "SELECT count(*), count(DISTINCT terminal_phone) FROM vehicle_position",
                     [(3 * len(VEHICLES), len(VEHICLES))]) == [(3 * len(VEHICLES), len(VEHICLES))]
    assert wait_rows(url, "SELECT terminal_phone FROM vehicle_latest WHERE alarm & 1 = 1",
                     [("13953600401",)]) == [("13953600401",)]
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM person_position").fetchone() == (len(PEOPLE),)
        assert sorted(r[0] for r in conn.execute("SELECT protocol FROM jt808_terminal")) == [2013] * 4 + [2019] * 4
    with psycopg.connect(url) as conn:
        gdf = LAYERS["vehicles"].query(conn, View(port_id="weifang", bbox=(118.7, 36.95, 119.75, 37.65),
                                                  at=datetime.fromtimestamp(
                                                      wall0 + 11, UTC)))
    assert sorted(gdf["plate"]) == sorted(p for _, p, *_ in VEHICLES)
    assert set(gdf["kind"]) == {"container_truck", "tractor", "reach_stacker", "patrol_car", "fire_engine"}
    assert set(feed.codes) == {p for p, *_ in VEHICLES}                 # kept for the next start
    again = VehicleFeed(load_world(WEIFANG), random.Random(7), ("127.0.0.1", jt), None, 1.0, tmp_path)
    assert again._login(again.terminals[0], time.time())               # with its code: no registration
    for t in feed.terminals + again.terminals[:1]:
        if t.sock is not None:
            t.sock.close()


def test_the_demo_s_trucks_pass_the_gate_with_a_transaction_but_for_the_incident(tmp_path: Path) -> None:
    feed = VehicleFeed(load_world(WEIFANG), random.Random(7), None, None, 1.0, tmp_path)
    passes: list[tuple[str, str]] = []
    feed.on_gate = lambda plate, way, _wall: passes.append((plate, way))
    for k in range(1500):                    # 25 minutes: every truck out of the gate and back in
        feed.tick(1.0, 1000.0 + k, sim_t=0.0)
    trucks = {p for _, p, kind, *_ in VEHICLES if kind in ("container_truck", "tractor")}
    assert {p for p, _ in passes} == trucks and {w for _, w in passes} == {"in", "out"}
    passes.clear()
    for k in range(1500):                    # minute 55 of the hour: the third truck's passes go unrecorded
        feed.tick(1.0, 3000.0 + k, sim_t=55 * 60.0)
    assert {p for p, _ in passes} == trucks - {VEHICLES[2][1]}
