"""Poison input through the real AIS worker process: every good report stored, every poison line refused alone
with its reason, the worker still up."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pyais.encode import encode_dict

from bench.aisgen import _tag
from bench.stack import wait_for
from tests.conftest import ROOT, _free_port

pytestmark = pytest.mark.db


def good_line(i: int, start: int, station: str = "poison", mmsi0: int = 415_000_000) -> str:
    """A class A position report of its own MMSI and second, with a tag block clock."""
    unix = start + i
    data = {"type": 1, "mmsi": mmsi0 + i, "lon": 119.2 + i * 1e-4, "lat": 37.25, "speed": 5.0, "course": 90.0,
            "heading": 90, "second": unix % 60, "status": 0}
    return _tag(station, unix) + encode_dict(data, talker_id="AI", radio_channel="A")[0]


def poison_lines(rng: random.Random) -> list[tuple[str, bytes]]:
    """The poison of the issue, one of each kind (a datagram carries at most 64 KB: see the 1 MB kind)."""
    # (not starting with # or {, which would make it a comment: counted, not kept)
    random_bytes = b"\x01" + bytes(b for b in rng.randbytes(300) if b not in b"\r\n")
    return [
        ("nul", b"!AIVDM,1,1,,A,\x00\x00\x00" + b"\x00" * 20 + b",0*00"),
        ("random", random_bytes),
        ("60kb", b"!AIVDM," + b"A" * 60_000),
        ("ff", b"\xff" * 200),
        ("1mb", b"X" * 1_000_000),
        ("utf8", b"!AIVDM,1,1,,A,\xc3\x28\xa0\xa1\xe2\x28\xa1,0*5C"),
    ]


@dataclass
class Worker:
    proc: subprocess.Popen[bytes]
    metrics: int
    url: str
    log: Path

    def alive(self) -> bool:
        return self.proc.poll() is None

    def metric_text(self) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics}/metrics", timeout=5) as r:
            return str(r.read().decode())

    def query(self, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url) as conn:
            return conn.execute(sql, params).fetchall()


def start_worker(url: str, tmp: Path, *args: str) -> Worker:
    metrics = _free_port()
    log = tmp / "worker.log"
    env = {**os.environ, "DATABASE_URL": url}
    proc = subprocess.Popen([sys.executable, "-m", "ingest", "ais", *args, "--spool", str(tmp / "spool"),
                             "--metrics", f"127.0.0.1:{metrics}"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    worker = Worker(proc, metrics, url, log)

    def up() -> bool:
        try:
            worker.metric_text()
            return True
        except OSError:
            assert worker.alive(), log.read_text(errors="replace")
            return False
    wait_for("the AIS worker's metrics", up, 30)
    return worker


def stop_worker(worker: Worker) -> None:
    if worker.alive():
        worker.proc.send_signal(signal.SIGTERM)
        try:
            worker.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.proc.kill()
            worker.proc.wait()


@pytest.fixture()
def udp_worker(databases: Any, tmp_path: Path) -> Iterator[tuple[Worker, int]]:
    url = databases.create()
    port = _free_port()
    worker = start_worker(url, tmp_path, "--udp", f"127.0.0.1:{port}", "--station", "poison")
    try:
        yield worker, port
    finally:
        stop_worker(worker)


def stored(worker: Worker, mmsi0: int, n: int) -> int:
    return int(worker.query("SELECT count(*) FROM vessel_position WHERE mmsi BETWEEN %s AND %s",
                            (mmsi0, mmsi0 + n - 1))[0][0])


def test_200_good_reports_among_poison_lines_over_udp_are_all_stored(udp_worker: tuple[Worker, int]) -> None:
    worker, port = udp_worker
    rng = random.Random(23)
    start = int(time.time()) - 600
    kinds = poison_lines(rng)
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sent_poison = 0
    for i in range(200):
        sender.sendto(good_line(i, start).encode() + b"\r\n", ("127.0.0.1", port))
        _, poison = kinds[i % len(kinds)]
        # UDP carries at most 64 KB a datagram: the 1 MB line arrives as 16 datagrams of 62.5 KB, each one line
        for part in range(0, len(poison), 62_500):
            sender.sendto(poison[part:part + 62_500], ("127.0.0.1", port))
            sent_poison += 1
            if len(poison) > 10_000:
                time.sleep(0.003)     # a socket buffer (rmem_max) holds a few of these: a burst would be dropped
        time.sleep(0.005)
    sender.close()
    wait_for("200 good reports stored", lambda: stored(worker, 415_000_000, 200) == 200, 30, 0.3)
    assert worker.alive()

    def refused() -> int:
        return int(worker.query("SELECT coalesce(sum(count), 0) FROM ingest_reject_count WHERE source = "
                                "'ais:udp:poison-0'")[0][0])
    wait_for("every poison line counted", lambda: refused() >= sent_poison, 20, 0.3)
    reasons = dict(worker.query("SELECT reason, count FROM ingest_reject_count WHERE source = 'ais:udp:poison-0'"))
    assert reasons.get("line_too_long", 0) >= 33 + 33 * 16, reasons      # the 60 KB lines and the 1 MB pieces
    assert sum(reasons.values()) == sent_poison, reasons
    # every refused line kept (text PostgreSQL takes: NUL and invalid UTF-8 escaped, size-capped) with a reason
    kept = worker.query("SELECT reason, detail, raw FROM ingest_reject WHERE source = 'ais:udp:poison-0'")
    assert len(kept) == sent_poison
    assert all(reason and detail for reason, detail, _ in kept)
    assert max(len(raw) for _, _, raw in kept) < 2_100
    assert any("\\x00" in raw for _, _, raw in kept) and any("\\xff" in raw for _, _, raw in kept)
    text = worker.metric_text()
    assert 'portmap_ais_rejects_total{reason="line_too_long",source="ais:udp:poison-0"}' in text
    assert worker.query("SELECT count(*) FROM ingest_dead_letter") == [(0,)], "no good row was dead-lettered"
    assert worker.alive()


def test_a_row_the_database_refuses_is_dead_lettered_alone(databases: Any, tmp_path: Path) -> None:
    """A report PostgreSQL refuses (a constraint of the test's own on the live picture) takes no good report
    with it; it is dead-lettered with its reason after 3 tries, and a restart does not replay it."""
    url = databases.create()
    poison_mmsi = 415_100_050
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"ALTER TABLE vessel_latest ADD CONSTRAINT poison_test CHECK (mmsi <> {poison_mmsi})")
    port = _free_port()
    args = ("--udp", f"127.0.0.1:{port}", "--station", "dead")
    worker = start_worker(url, tmp_path, *args)
    start = int(time.time()) - 900
    try:
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for i in range(100):
            sender.sendto(good_line(i, start, "dead", 415_100_000).encode() + b"\r\n", ("127.0.0.1", port))
            time.sleep(0.002)
        wait_for("99 good reports stored", lambda: stored(worker, 415_100_000, 100) == 99, 30, 0.3)
        dead = worker.query("SELECT source, kind, reason, attempts, record FROM ingest_dead_letter")
        assert len(dead) == 1, dead
        source, kind, reason, attempts, record = dead[0]
        assert (source, kind, attempts) == ("ais:udp:dead-0/dead", "position", 3)     # the tag block's station
        assert "poison_test" in reason and str(poison_mmsi) in record
        assert worker.alive()
    finally:
        stop_worker(worker)
    # The restart reads the journal from the checkpoint committed with the dead letter: nothing replayed.
    worker = start_worker(url, tmp_path, *args)
    try:
        sender.sendto(good_line(100, start, "dead", 415_100_000).encode() + b"\r\n", ("127.0.0.1", port))
        wait_for("the report after the restart", lambda: stored(worker, 415_100_000, 101) == 100, 30, 0.3)
        assert worker.query("SELECT count(*), max(attempts) FROM ingest_dead_letter") == [(1, 3)]
        assert worker.alive()
    finally:
        stop_worker(worker)
    observed = worker.query("SELECT observed_at FROM vessel_position WHERE mmsi = 415100000")[0][0]
    assert observed == datetime.fromtimestamp(start, UTC)


def test_a_line_the_decoder_raises_on_is_refused_alone_with_the_error() -> None:
    from ingest.ais.decoder import StreamDecoder

    decoder = StreamDecoder("ais:test")
    decoder.refuse(b"!AIVDM\x00\xff", ZeroDivisionError("a bug"))
    decoder.feed(good_line(0, int(time.time()) - 60).encode(), 1)
    out = decoder.take()
    assert out.reasons["decoder_error"] == 1 and len(out.positions) == 1
    assert out.rejects == [("ais:test", "decoder_error", "ZeroDivisionError: a bug", "!AIVDM\\x00\\xff")]
