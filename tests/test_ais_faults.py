"""Faults: PostgreSQL stopped under live UDP traffic, and kill -9 in the middle of a file replay."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bench.aisgen import messages, write_file
from ingest.ais.decoder import StreamDecoder
from ingest.ais.sources import UdpSource
from ingest.ais.worker import AisIngest, Options
from sql import DbSettings
from sql.migrate import migrate
from tests.conftest import ROOT, _free_port

pytestmark = pytest.mark.db
PG_BIN = Path("/usr/lib/postgresql/15/bin")


class Cluster:
    """A PostgreSQL cluster of the test's own, so the test may stop and start it."""

    def __init__(self) -> None:
        self.dir = Path(f"/var/tmp/portmap-outage-{uuid.uuid4().hex[:8]}")
        self.port = _free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/outage"

    def pg(self, *args: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True)

    def init(self) -> None:
        self.dir.mkdir()
        shutil.chown(self.dir, "postgres", "postgres")
        self.pg(str(PG_BIN / "initdb"), "-D", str(self.dir / "data"), "-U", "postgres", "--auth=trust")
        with (self.dir / "data" / "postgresql.conf").open("a") as conf:
            conf.write(f"port = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '/tmp'\n")
        self.start()
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-qc",
                        "CREATE DATABASE outage"], check=True)

    def start(self) -> None:
        self.pg(str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-l", str(self.dir / "log"), "-w", "start")

    def stop(self) -> None:
        self.pg(str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"),
                        "-m", "immediate", "stop"], capture_output=True, check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture()
def cluster() -> Iterator[Cluster]:
    c = Cluster()
    c.init()
    with psycopg.connect(c.url) as conn:
        migrate(conn)
    try:
        yield c
    finally:
        c.remove()


def expected_positions(lines: list[str]) -> set[tuple[int, Any]]:
    decoder = StreamDecoder("expected")
    for i, line in enumerate(lines):
        decoder.feed(line.encode(), i)
    decoder.finish()
    return {(row[0], row[1]) for row in decoder.take().positions}


def test_a_database_outage_under_udp_traffic_loses_nothing(cluster: Cluster, tmp_path: Path) -> None:
    rate, seconds = 2_000, 14
    lines = list(messages(rate * seconds, per_second=rate, station="outage"))
    source = UdpSource("127.0.0.1", 0, "outage")
    options = Options(checkpoints=False, spool_dir=tmp_path / "spool", memory_rows=3_000)  # spill to disk too
    ingest = AisIngest([source], DbSettings(url=cluster.url), options)
    worker = threading.Thread(target=ingest.run)
    worker.start()
    try:
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        started = time.monotonic()
        outage: list[float] = []
        spilled_files = 0
        for i, line in enumerate(lines):
            if len(outage) == 1 and i % 500 == 0:
                spilled_files = max(spilled_files, len(list((tmp_path / "spool").glob("*.batch"))))
            sender.sendto(line.encode() + b"\r\n", source.address)
            if i == rate * 3:
                cluster.stop()
                outage.append(time.monotonic())
            if i == rate * 9:
                time.sleep(max(0.0, outage[0] + 5.1 - time.monotonic()))   # down 5 s whatever pg_ctl stop took
                cluster.start()
                outage.append(time.monotonic())
            pause = started + (i + 1) / rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        assert outage[1] - outage[0] >= 5, "the database must be down for at least 5 s"
        assert spilled_files > 0, "the outage should have spilled batches to disk"
        want = expected_positions(lines)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with psycopg.connect(cluster.url) as conn:
                stored = conn.execute("SELECT count(*) FROM vessel_position").fetchone()[0]  # type: ignore[index]
            if stored >= len(want):
                break
            time.sleep(0.5)
    finally:               # a failed assertion must not leave the worker thread running
        ingest.stop()
        worker.join(timeout=30)
    assert ingest.stats.lines == len(lines), "the listener did not accept every datagram"
    with psycopg.connect(cluster.url) as conn:
        got = set(conn.execute("SELECT mmsi, observed_at FROM vessel_position").fetchall())
        feed = conn.execute("SELECT messages_total FROM feed_status").fetchone()
    assert got == want
    assert feed is not None and feed[0] == ingest.stats.messages
    assert not list((tmp_path / "spool").glob("*.batch")), "spooled batches were left unwritten"


@pytest.fixture(scope="module")
def replay_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("replay") / "replay.nmea"
    write_file(path, 120_000, station="replay")
    return path


def _run(url: str, path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.Popen([sys.executable, "-m", "ingest", "ais", "--file", str(path), "--station", "replay"],
                            cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _fingerprint(url: str) -> dict[str, Any]:
    with psycopg.connect(url) as conn:
        return {t: conn.execute(f"SELECT count(*), md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), ''))"
                                f" FROM (SELECT {cols} FROM {t}) x").fetchone()
                for t, cols in (("vessel_position", "mmsi, observed_at, geom, sog_kn, cog_deg"),
                                ("vessel_latest", "mmsi, observed_at, geom"),
                                ("vessel", "mmsi, name, call_sign, ship_type, imo"),
                                ("aton", "mmsi, geom"))}


def test_kill_9_midway_then_restart_gives_no_duplicate_and_no_gap(databases: Any, replay_file: Path) -> None:
    reference = databases.create()
    assert _run(reference, replay_file).wait(timeout=120) == 0
    url = databases.create()
    proc = _run(url, replay_file)
    size = replay_file.stat().st_size
    position = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not 0 < position < size:
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT position FROM ingest_checkpoint").fetchone()
        position = row[0] if row else 0
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 0 < position < size, "the replay was not caught midway"
    assert _run(url, replay_file).wait(timeout=120) == 0
    assert _fingerprint(url) == _fingerprint(reference)
