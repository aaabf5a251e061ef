"""Issue 30, point 2: NATS JetStream as the AIS ingest bus. A real nats-server (JetStream on disk, a password),
the real CLI processes (`ingest ais --bus` publishing, `ingest ais-bus` writers), a real PostGIS: what the bus
carries is stored as the direct path stores it, and killing a writer mid-run, or the server, loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bench.aisgen import write_file
from bench.natsd import Natsd
from tests.conftest import ROOT

pytestmark = pytest.mark.db
DMA = ROOT / "tests" / "fixtures" / "ais" / "dma" / "stream_example.txt"
DIGEST = ("SELECT count(*), md5(string_agg(mmsi::text || observed_at::text || ST_AsText(geom) || "
          "coalesce(sog_kn::text, ''), ',' ORDER BY mmsi, observed_at, geom)) FROM vessel_position")


def _env(natsd: Natsd, url: str) -> dict[str, str]:
    """The processes' environment: a killed writer's pieces come again after 5 s here (30 s by default)."""
    return {**os.environ, "DATABASE_URL": url, "PORTMAP_NATS_PASSWORD": natsd.password, "PORTMAP_BUS_ACK_WAIT_S": "5"}


def _ingest(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ingest", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def _writer(natsd: Natsd, url: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "ingest", "ais-bus", "--bus", natsd.url, *extra], cwd=ROOT,
                            env=_env(natsd, url), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _digest(url: str) -> tuple[Any, ...]:
    with psycopg.connect(url) as conn:
        return conn.execute(DIGEST).fetchone()  # type: ignore[return-value]


@pytest.fixture()
def natsd(tmp_path: Path) -> Any:
    server = Natsd(tmp_path / "jetstream").start()
    yield server
    server.stop()


def test_two_writers_store_what_the_direct_path_stores(natsd: Natsd, databases: Any) -> None:
    bus_db, direct_db = databases.create(), databases.create()
    done = _ingest("ais", "--file", str(DMA), "--bus", natsd.url, "--no-checkpoint", env=_env(natsd, bus_db))
    assert done.returncode == 0 and "published 8551 lines" in done.stdout, done.stderr
    writers = [_writer(natsd, bus_db, "--idle-exit-s", "4", "--fetch", "1") for _ in range(2)]
    for w in writers:
        _out, err = w.communicate(timeout=120)
        assert w.returncode == 0, err
    assert _ingest("ais", "--file", str(DMA), "--no-checkpoint", env=_env(natsd, direct_db)).returncode == 0
    assert _digest(bus_db) == _digest(direct_db) and _digest(bus_db)[0] > 2000


def test_a_writer_killed_mid_run_and_the_server_killed_lose_nothing(natsd: Natsd, databases: Any,
                                                                    tmp_path: Path) -> None:
    """kill -9 of a writer mid-batch: its pieces come again to the other writer; kill -9 of nats-server: the
    stream is on disk, the publisher holds its piece and tries again, the writers reconnect. Stored = the direct
    path's rows, set equality (md5 over every row)."""
    log = tmp_path / "traffic.nmea"
    write_file(log, 150_000, vessels=3_000, per_second=3_000, seed=30)
    bus_db, direct_db = databases.create(), databases.create()
    env = _env(natsd, bus_db)
    publisher = subprocess.Popen([sys.executable, "-m", "ingest", "ais", "--file", str(log), "--bus", natsd.url,
                                  "--no-checkpoint"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
    writers = [_writer(natsd, bus_db, "--fetch", "1") for _ in range(2)]
    deadline = time.monotonic() + 60
    while _digest(bus_db)[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _digest(bus_db)[0] > 0, "nothing stored"
    writers[0].send_signal(signal.SIGKILL)                      # mid-run, perhaps mid-batch
    writers[0].wait(timeout=10)
    natsd.kill()                                                # and the server
    time.sleep(1.0)
    natsd.start()                                               # same port, same store, same password
    writers.append(_writer(natsd, bus_db, "--fetch", "1"))
    _out, err = publisher.communicate(timeout=240)
    assert publisher.returncode == 0, err[-2000:]
    assert _ingest("ais", "--file", str(log), "--no-checkpoint", env=_env(natsd, direct_db)).returncode == 0
    expected = _digest(direct_db)
    deadline = time.monotonic() + 180           # the killed writer's pieces come back after ack_wait (5 s here)
    while _digest(bus_db) != expected and time.monotonic() < deadline:
        time.sleep(1.0)
    for w in writers[1:]:
        w.send_signal(signal.SIGTERM)
        w.communicate(timeout=60)
    assert _digest(bus_db) == expected and expected[0] > 50_000
