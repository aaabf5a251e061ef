"""Issue 25 point 1: retention counts from the newest data, never drops what the same run stored, says what it
drops, and warns (how to keep it) when a recording is older than the retention; a replay keeps everything."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from ingest.ais.batch import Batch
from ingest.ais.decoder import StreamDecoder
from ingest.ais.writer import AisWriter
from tests.conftest import ROOT

pytestmark = pytest.mark.db
DMA = ROOT / "tests" / "fixtures" / "ais" / "dma" / "stream_example.txt"     # 2010-06-11, Apache-2.0
OLD = datetime(2021, 3, 4, 12, 0, tzinfo=UTC)


def _row(mmsi: int, at: datetime) -> tuple[Any, ...]:
    return (mmsi, at, at, "test", 1, 119.2, 37.2, 5.0, 90.0, 90, 0.0, 0, True, None)


def _write(url: str, rows: list[tuple[Any, ...]], retention: int | None) -> AisWriter:
    out = StreamDecoder("test").take()
    out.positions.extend(rows)
    batch = Batch()
    batch.add(out, "test")
    writer = AisWriter(psycopg.connect(url), retention)
    writer.write(batch)
    return writer


def _days(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return dict(conn.execute("SELECT to_char(observed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), count(*) "
                                 "FROM vessel_position GROUP BY 1 ORDER BY 1").fetchall())


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ingest", "ais", "--no-checkpoint", *args], cwd=ROOT,
                          env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True, timeout=120)


def test_a_replay_of_an_old_recording_keeps_everything_by_default(databases: Any) -> None:
    url = databases.create()
    done = _cli(url, "--file", str(DMA))
    assert done.returncode == 0, done.stderr
    days = _days(url)
    assert list(days) == ["2010-06-11"] and days["2010-06-11"] > 1000
    assert "dropped" not in done.stderr


def test_an_explicit_retention_keeps_what_the_run_stored_and_warns_how_to_keep_it(databases: Any) -> None:
    url = databases.create()
    _write(url, [_row(219000001, datetime.now(UTC) - timedelta(minutes=1))], None)     # live data of today
    done = _cli(url, "--file", str(DMA), "--retention-days", "30")
    assert done.returncode == 0, done.stderr
    assert _days(url)["2010-06-11"] > 1000                        # stored and kept
    assert "2010-06-11 is older than the retention" in done.stderr
    assert "--retention-days 0 to keep it" in done.stderr


def test_retention_counts_from_the_newest_data_not_the_wall_clock(databases: Any) -> None:
    url = databases.create()
    _write(url, [_row(219000002, OLD), _row(219000002, OLD + timedelta(hours=1))], None)
    later = _write(url, [], 30)                 # a later run: OLD is years before today, but the newest data
    assert later.apply_retention() == []
    assert _days(url) == {"2021-03-04": 2}


def test_retention_drops_older_days_of_an_earlier_run_and_logs_the_counts(
        databases: Any, caplog: pytest.LogCaptureFixture) -> None:
    url = databases.create()
    _write(url, [_row(219000003, OLD - timedelta(days=40)), _row(219000004, OLD - timedelta(days=40)),
                 _row(219000003, OLD)], None)
    later = _write(url, [], None)
    later.retention_days = 30
    with caplog.at_level(logging.WARNING, logger="ingest.ais.writer"):
        assert later.apply_retention() == ["vessel_position_20210123"]
    assert _days(url) == {"2021-03-04": 1}
    assert "dropped 2 rows in 1 days: vessel_position_20210123 (2 rows)" in caplog.text


def test_the_same_run_never_drops_what_it_stored(databases: Any) -> None:
    url = databases.create()
    writer = _write(url, [_row(219000005, OLD - timedelta(days=40)), _row(219000005, OLD)], 30)
    assert writer.apply_retention() == []
    assert _days(url) == {"2021-01-23": 1, "2021-03-04": 1}
