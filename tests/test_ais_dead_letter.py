"""The AIS writer process's spooler on a real database: a batch that fails for a reason it cannot classify is
tried 3 times, then written row by row with only the row that fails dead-lettered; it never crashes."""

from __future__ import annotations

import logging
import queue
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from ingest.ais.batch import Batch
from ingest.ais.decoder import StreamDecoder
from ingest.ais.options import Options
from ingest.ais.spooler import Spooler
from sql import DbSettings
from tests.test_poison_ais import good_line

pytestmark = pytest.mark.db
SOURCE = "ais:test:unclassified"


def test_a_batch_failing_for_no_known_reason_loses_only_its_bad_row(databases: Any, tmp_path: Path,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    url = databases.create()
    decoder = StreamDecoder(SOURCE)
    start = int(time.time()) - 500
    for i in range(50):
        decoder.feed(good_line(i, start, "unc", 417_500_000).encode(), i)
    out = decoder.take()
    broken = list(out.positions[10])
    broken[1] = None              # no observation time: the writer's own code fails on it (AttributeError)
    out.positions[10] = tuple(broken)
    batch = Batch()
    batch.add(out, SOURCE)
    batches: queue.Queue[Any] = queue.Queue()
    batches.put((0, batch))
    batches.put(None)
    spooler = Spooler(DbSettings(url=url), Options(spool_dir=tmp_path / "spool", batch_ms=10))
    with caplog.at_level(logging.INFO):
        spooler.run(batches, 1)                     # returns: nothing left to write, nothing crashed
    with psycopg.connect(url) as conn:
        stored = conn.execute("SELECT mmsi FROM vessel_position ORDER BY mmsi").fetchall()
        dead = conn.execute("SELECT source, kind, reason, attempts, record FROM ingest_dead_letter").fetchall()
        counts = dict(conn.execute("SELECT reason, count FROM ingest_reject_count").fetchall())
    assert [m for (m,) in stored] == [417_500_000 + i for i in range(50) if i != 10]
    assert len(dead) == 1
    source, kind, reason, attempts, record = dead[0]
    assert (kind, attempts) == ("position", 3) and source.startswith(SOURCE)
    assert reason.startswith("AttributeError") and "417500010" in record
    assert counts.get("dead_letter") == 1
    tries = [r.getMessage() for r in caplog.records if "tries)" in r.getMessage()]
    assert len(tries) == 2 and "3 times" in caplog.text, tries


def test_rows_and_checkpoint_are_kept_when_the_batch_counts_are_refused(databases: Any, tmp_path: Path) -> None:
    """The feed status the database refuses (a constraint of the test's own) takes neither the batch's rows nor
    its checkpoint with it."""
    from ingest.ais.batch import Checkpoint

    url = databases.create()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"ALTER TABLE feed_status ADD CONSTRAINT refuse_test CHECK (source NOT LIKE '{SOURCE}%')")
    decoder = StreamDecoder(SOURCE)
    start = int(time.time()) - 400
    for i in range(20):
        decoder.feed(good_line(i, start, "env", 417_600_000).encode(), i)
    batch = Batch()
    batch.add(decoder.take(), SOURCE)
    batch.checkpoints[SOURCE] = Checkpoint(SOURCE, 1234, "identity")
    batches: queue.Queue[Any] = queue.Queue()
    batches.put((0, batch))
    batches.put(None)
    Spooler(DbSettings(url=url), Options(spool_dir=tmp_path / "spool", batch_ms=10)).run(batches, 1)
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM vessel_position").fetchone() == (20,)
        assert conn.execute("SELECT position FROM ingest_checkpoint").fetchall() == [(1234,)]
        assert conn.execute("SELECT count(*) FROM ingest_dead_letter").fetchone() == (0,)
