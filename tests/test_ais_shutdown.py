"""SIGTERM to the real AIS worker process (UDP, TCP, --file) ends it within 10 s, its database up or down, and
loses nothing: what it held is committed, re-read from its checkpoint, or spilled to its spool."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from bench.aisgen import messages, write_file
from bench.stack import wait_for
from tests.conftest import ROOT, _free_port
from tests.test_ais_faults import Cluster, expected_positions
from tests.test_poison_ais import good_line

pytestmark = pytest.mark.db


@pytest.fixture()
def cluster() -> Iterator[Cluster]:
    from sql.migrate import migrate

    c = Cluster()
    c.init()
    with psycopg.connect(c.url) as conn:
        migrate(conn)
    try:
        yield c
    finally:
        c.remove()


def worker(url: str, tmp: Path, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.Popen([sys.executable, "-m", "ingest", "ais", *args, "--spool", str(tmp / "spool")],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=(tmp / "worker.log").open("ab"))


def terminate(proc: subprocess.Popen[bytes]) -> float:
    """SIGTERM; the seconds until the process (and every process it started) has ended."""
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return 99.0
    took = time.monotonic() - started
    print(f"SIGTERM: {' '.join(str(a) for a in proc.args[3:6])}… ended in {took:.1f} s")   # type: ignore[index]
    children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert not children, f"left running: {children}"
    return took


def positions(url: str) -> set[tuple[int, object]]:
    with psycopg.connect(url) as conn:
        return set(conn.execute("SELECT mmsi, observed_at FROM vessel_position").fetchall())


def writer_waiting(url: str) -> bool:
    with psycopg.connect(url) as conn:
        return bool(conn.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                 "AND query ILIKE '%vessel_latest%'").fetchone()[0])  # type: ignore[index]


@pytest.mark.parametrize("decoders", ["1", "2"])
def test_sigterm_to_a_file_replay_with_the_database_away(cluster: Cluster, tmp_path: Path, decoders: str) -> None:
    path = tmp_path / "replay.nmea"
    write_file(path, 60_000, station="term")
    lines = path.read_text().splitlines()
    args = ("--file", str(path), "--station", "term", "--decoders", decoders)
    blocker = psycopg.connect(cluster.url)            # the writer's first merge waits: nothing is committed
    blocker.execute("LOCK TABLE vessel_latest IN ACCESS EXCLUSIVE MODE")
    proc = worker(cluster.url, tmp_path, *args)
    wait_for("the writer to wait on its first merge", lambda: writer_waiting(cluster.url), 30, 0.1)
    cluster.stop()                                    # -m fast: every connection dropped, the blocker's too
    blocker.close()
    time.sleep(1.0)
    took = terminate(proc)
    assert took < 10, f"the worker took {took:.1f} s to stop"
    cluster.start()
    assert worker(cluster.url, tmp_path, *args).wait(timeout=120) == 0
    assert positions(cluster.url) == expected_positions(lines), "the held rows were re-read from the checkpoint"


@pytest.mark.parametrize("journal", [True, False])
def test_sigterm_to_a_udp_listener_with_the_database_away(cluster: Cluster, tmp_path: Path, journal: bool) -> None:
    port = _free_port()
    args = ("--udp", f"127.0.0.1:{port}", "--station", "term", *(() if journal else ("--no-journal",)))
    proc = worker(cluster.url, tmp_path, *args)
    lines = list(messages(3_000, vessels=500, per_second=1_000, station="term", start=int(time.time()) - 300))
    time.sleep(1.5)                                  # listening
    cluster.stop()
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i, line in enumerate(lines):
        sender.sendto(line.encode() + b"\r\n", ("127.0.0.1", port))
        if i % 100 == 0:
            time.sleep(0.01)
    time.sleep(1.0)
    took = terminate(proc)
    assert took < 10, f"the worker took {took:.1f} s to stop"
    if not journal:                                  # no journal to re-read: what it held is in the spool
        assert list((tmp_path / "spool").glob("*.batch")), "nothing was spilled"
    cluster.start()
    proc = worker(cluster.url, tmp_path, *args)
    try:
        want = expected_positions(lines)
        wait_for("everything the stopped worker had accepted", lambda: positions(cluster.url) >= want, 30, 0.5)
    finally:
        assert terminate(proc) < 10


def test_sigterm_to_a_tcp_listener_with_the_database_up_commits_what_it_holds(cluster: Cluster,
                                                                            tmp_path: Path) -> None:
    port = _free_port()
    proc = worker(cluster.url, tmp_path, "--tcp-listen", f"127.0.0.1:{port}", "--station", "term")
    start = int(time.time()) - 400
    wait_for("the listener", lambda: subprocess.run(["ss", "-ltn", f"sport = :{port}"], capture_output=True,
                                                    text=True).stdout.count("LISTEN") > 0, 30, 0.2)
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"".join(good_line(i, start, "term", 417_000_000).encode() + b"\n" for i in range(500)))
        took = terminate(proc)                        # at once: some of it is still on its way to the database
    assert took < 10, f"the worker took {took:.1f} s to stop"
    with psycopg.connect(cluster.url) as conn:
        journaled = conn.execute("SELECT count(*) FROM vessel_position").fetchone()[0]  # type: ignore[index]
    proc = worker(cluster.url, tmp_path, "--tcp-listen", f"127.0.0.1:{port}", "--station", "term")
    try:
        wait_for("all 500", lambda: len(positions(cluster.url)) == 500, 30, 0.5)
    finally:
        terminate(proc)
    assert journaled <= 500
