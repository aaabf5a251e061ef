"""Poison input through the real AIS worker over TCP (its listener and its client) and from files: every good
report stored, every poison line refused with its reason, no client able to stall the others."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bench.stack import wait_for
from tests.conftest import ROOT, _free_port
from tests.test_poison_ais import Worker, good_line, poison_lines, start_worker, stop_worker, stored

pytestmark = pytest.mark.db


def reasons(worker: Worker, source: str) -> dict[str, int]:
    return dict(worker.query("SELECT reason, count FROM ingest_reject_count WHERE source = %s", (source,)))


def interleaved(n: int, start: int, station: str, mmsi0: int) -> list[bytes]:
    """n good reports, each followed by one poison line (the 1 MB line whole: a stream carries it)."""
    kinds = poison_lines(random.Random(n))
    out = []
    for i in range(n):
        out += [good_line(i, start, station, mmsi0).encode(), kinds[i % len(kinds)][1]]
    return out


@pytest.fixture()
def listener(databases: Any, tmp_path: Path) -> Iterator[tuple[Worker, int]]:
    port = _free_port()
    worker = start_worker(databases.create(), tmp_path, "--tcp-listen", f"127.0.0.1:{port}", "--station", "tp",
                          "--tcp-idle-s", "2", "--tcp-max-connections", "6")
    try:
        yield worker, port
    finally:
        stop_worker(worker)


def slow_sender(port: int, lines: list[bytes]) -> None:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        for line in lines:
            for i in range(0, len(line), 8):
                sock.sendall(line[i:i + 8])
                time.sleep(0.02)
            sock.sendall(b"\r\n")


def test_tcp_listener_keeps_every_good_report_whatever_the_other_clients_do(listener: tuple[Worker, int]) -> None:
    worker, port = listener
    source = "ais:tcp-in:tp-0"
    start = int(time.time()) - 700
    half_open = socket.create_connection(("127.0.0.1", port))
    half_open.sendall(b"!AIVDM,1,1,,A,13u?et")              # then nothing, and no FIN
    no_newline = socket.create_connection(("127.0.0.1", port))
    no_newline.sendall(b"Y" * 1_000_000)                    # a megabyte without a newline, then nothing
    slow = threading.Thread(target=slow_sender, args=(port, [good_line(i, start, "tp", 416_100_000).encode()
                                                             for i in range(5)]))
    slow.start()
    with socket.create_connection(("127.0.0.1", port)) as fast:
        fast.sendall(b"\n".join(interleaved(200, start, "tp", 416_000_000)) + b"\n")
    wait_for("200 good reports of the fast client", lambda: stored(worker, 416_000_000, 200) == 200, 20, 0.3)
    slow.join()
    wait_for("the slow client's 5 reports", lambda: stored(worker, 416_100_000, 5) == 5, 10, 0.3)
    wait_for("the silent connections closed", lambda: reasons(worker, source).get("tcp_idle_timeout", 0) >= 2,
             15, 0.3)
    for sock in (half_open, no_newline):                    # the worker closed them
        sock.settimeout(5)
        assert sock.recv(10) == b""
        sock.close()
    kept = worker.query("SELECT reason, raw FROM ingest_reject WHERE source = %s", (source,))
    assert len(kept) == 200 and all(reason for reason, _ in kept)
    assert reasons(worker, source).get("line_too_long") == 66           # the 60 KB and the 1 MB lines
    # Full: a new connection closes the one silent the longest, so a receiver always gets in.
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(6)]
    time.sleep(0.3)
    with socket.create_connection(("127.0.0.1", port)) as late:
        late.sendall(good_line(0, start + 100, "tp", 416_200_000).encode() + b"\n")
    wait_for("the late client's report", lambda: stored(worker, 416_200_000, 1) == 1, 10, 0.3)
    assert reasons(worker, source).get("tcp_evicted", 0) >= 1
    for sock in idle:
        sock.close()
    assert worker.alive()


def test_tcp_client_redials_a_half_open_feed_and_refuses_its_poison(databases: Any, tmp_path: Path) -> None:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    start = int(time.time()) - 800
    held: list[socket.socket] = []

    def serve() -> None:
        first, _ = server.accept()                      # poison among good, then silence without a FIN
        first.sendall(b"\n".join(interleaved(60, start, "tc", 416_300_000)) + b"\n")
        held.append(first)
        second, _ = server.accept()                     # the worker dialled again
        second.sendall(b"".join(good_line(60 + i, start, "tc", 416_300_000).encode() + b"\r\n"
                                for i in range(40)))
        held.append(second)
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    worker = start_worker(databases.create(), tmp_path, "--tcp", f"127.0.0.1:{port}", "--station", "tc",
                          "--tcp-idle-s", "2")
    try:
        wait_for("100 good reports over both connections", lambda: stored(worker, 416_300_000, 100) == 100, 30, 0.3)
        got = reasons(worker, "ais:tcp:tc-0")
        assert got.get("tcp_idle_timeout", 0) >= 1 and got.get("line_too_long", 0) == 20, got
        assert worker.query("SELECT count(*) FROM ingest_reject WHERE source = 'ais:tcp:tc-0'") == [(60,)]
        assert worker.alive()
    finally:
        stop_worker(worker)
        for sock in held:
            sock.close()
        server.close()


def poison_file(path: Path, start: int) -> None:
    """200 good reports among poison lines, and a last report cut off mid-sentence (a truncated file)."""
    body = b"\n".join(interleaved(200, start, "fp", 416_400_000)) + b"\n"
    last = good_line(200, start, "fp", 416_400_000).encode()
    path.write_bytes(body + last[:len(last) // 2])


@pytest.mark.parametrize("decoders", ["1", "2"])
def test_a_poisoned_truncated_file_named_through_a_symlink_stores_every_good_report(
        databases: Any, tmp_path: Path, decoders: str) -> None:
    url = databases.create()
    start = int(time.time()) - 900
    poison_file(tmp_path / "capture.nmea", start)
    (tmp_path / "named.nmea").symlink_to(tmp_path / "capture.nmea")     # the operator named it: it is read
    env = {**os.environ, "DATABASE_URL": url}
    done = subprocess.run([sys.executable, "-m", "ingest", "ais", "--file", str(tmp_path / "named.nmea"),
                           "--station", "fp", "--decoders", decoders, "--spool", str(tmp_path / "spool")],
                          cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    with psycopg.connect(url) as conn:
        good = conn.execute("SELECT count(*) FROM vessel_position WHERE mmsi BETWEEN 416400000 AND 416400199")
        kept = conn.execute("SELECT reason, count(*) FROM ingest_reject WHERE source = 'ais:file:fp' "
                            "GROUP BY reason").fetchall()
        dead = conn.execute("SELECT count(*) FROM ingest_dead_letter").fetchone()
    assert good.fetchone() == (200,)
    by_reason = dict(kept)
    assert sum(by_reason.values()) == 201, by_reason        # 200 poison lines and the truncated last one
    assert by_reason["line_too_long"] == 66, by_reason      # the 60 KB and 1 MB lines
    assert dead == (0,)
