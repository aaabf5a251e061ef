"""The `python -m ingest ais` command: metrics while it runs, replay at the recorded pace, TCP with reconnect."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bench.aisgen import messages, write_file
from ingest.ais.sources import FileSource, TcpSource
from ingest.ais.worker import AisIngest, Options
from sql import DbSettings
from tests.conftest import ROOT, _free_port

pytestmark = pytest.mark.db


def test_replay_at_speed_with_metrics(databases: Any, tmp_path: Path) -> None:
    url = databases.create()
    path = tmp_path / "six-seconds.nmea"
    write_file(path, 1_200, per_second=200, vessels=300)          # 6 s of recorded time
    port = _free_port()
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "ingest", "ais", "--file", str(path), "--speed", "3",
                             "--metrics", f"127.0.0.1:{port}", "--retention-days", "0"],
                            cwd=ROOT, env={**os.environ, "DATABASE_URL": url}, stdout=subprocess.PIPE, text=True)
    seen = ""
    while proc.poll() is None and 'portmap_ais_lines_total{source="ais:file:file-0"}' not in seen:
        try:
            seen = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=1).read().decode()
        except OSError:
            time.sleep(0.1)
    out, _ = proc.communicate(timeout=30)
    elapsed = time.monotonic() - started
    assert proc.returncode == 0 and "1200 messages" in out
    assert 'portmap_ais_lines_total{source="ais:file:file-0"}' in seen
    assert "portmap_ais_batch_seconds_bucket" in seen and "portmap_ais_spool_bytes" in seen
    assert elapsed >= 5 / 3, f"a 6 s recording at 3x took only {elapsed:.1f} s"


def test_tcp_source_reconnects_and_loses_nothing_sent(databases: Any, tmp_path: Path) -> None:
    url = databases.create()
    lines = [line.encode() + b"\r\n" for line in messages(400, per_second=100, vessels=50, station="tcp")]
    server = socket.create_server(("127.0.0.1", 0))
    host, port = server.getsockname()

    def serve() -> None:
        for part in (lines[:200], lines[200:]):        # two connections: the first one drops midway
            conn, _ = server.accept()
            with conn:
                conn.sendall(b"".join(part))
            time.sleep(0.3)

    threading.Thread(target=serve, daemon=True).start()
    ingest = AisIngest([TcpSource(host, port, "tcp")], DbSettings(url=url),
                       Options(checkpoints=False, spool_dir=tmp_path / "spool", retention_days=None))
    runner = threading.Thread(target=ingest.run)
    runner.start()
    deadline = time.monotonic() + 20
    while ingest.stats.lines < len(lines) and time.monotonic() < deadline:
        time.sleep(0.1)
    ingest.stop()
    runner.join(timeout=20)
    server.close()
    assert ingest.stats.lines == len(lines) and ingest.stats.messages == 400
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT messages_total FROM feed_status").fetchone() == (400,)


def test_follow_reads_what_is_appended_and_feed_status_shows_a_rate(databases: Any, tmp_path: Path) -> None:
    url = databases.create()
    path = tmp_path / "growing.nmea"
    lines = [line + "\n" for line in messages(600, per_second=100, vessels=600, station="follow")]
    path.write_text("".join(lines[:200]))
    ingest = AisIngest([FileSource(path, "follow", follow=True)], DbSettings(url=url),
                       Options(checkpoints=False, spool_dir=tmp_path / "spool"))
    runner = threading.Thread(target=ingest.run)
    runner.start()
    with path.open("a") as fh:
        for i in range(200, len(lines), 50):
            time.sleep(0.1)
            fh.write("".join(lines[i:i + 50]))
            fh.flush()
    deadline = time.monotonic() + 20
    while ingest.stats.lines < len(lines) and time.monotonic() < deadline:
        time.sleep(0.1)
    ingest.stop()
    runner.join(timeout=20)
    assert ingest.stats.lines == len(lines)
    with psycopg.connect(url) as conn:
        messages_total, rate = conn.execute("SELECT messages_total, rate_per_s FROM feed_status").fetchone()  # type: ignore[misc]
    assert messages_total == ingest.stats.messages and rate > 0
