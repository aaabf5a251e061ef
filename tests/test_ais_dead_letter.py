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
