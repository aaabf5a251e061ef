"""Issue 25 point 4: two reports of one vessel in the same second keep the better one (position_rank,
migration 026: a position, then position accuracy, then class A > B > SAR > long-range type 27), in one batch
and across batches, and vessel_latest holds the same one as history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from pyais.encode import encode_dict
from pyais.messages import TagBlock

from ingest.ais.batch import Batch
from ingest.ais.decoder import StreamDecoder
from ingest.ais.writer import AisWriter

pytestmark = pytest.mark.db
AT = datetime(2026, 11, 27, 8, 0, 30, tzinfo=UTC)
MMSI = 412000901


def line(data: dict[str, Any]) -> bytes:
    block = TagBlock.create_str(source_station="rx", receiver_timestamp=int(AT.timestamp()))  # type: ignore[arg-type]
    return f"\\{block}\\{encode_dict({'mmsi': MMSI, **data}, talker_id='AI', sentence_type='VDM')[0]}".encode()


TYPE27 = line({"type": 27, "accuracy": 0, "lon": 119.30, "lat": 37.30, "speed": 10, "course": 90, "status": 0})
TYPE1 = line({"type": 1, "accuracy": 1, "lon": 119.2012, "lat": 37.2034, "speed": 10.2, "course": 91.5,
              "second": 30})
TYPE1_LOW = line({"type": 1, "accuracy": 0, "lon": 119.2100, "lat": 37.2100, "second": 30})
TYPE18_HIGH = line({"type": 18, "accuracy": 1, "lon": 119.2200, "lat": 37.2200, "second": 30})


def batch(*lines: bytes) -> Batch:
    d = StreamDecoder("ais:file:t", now=lambda: AT)
    for i, raw in enumerate(lines):
        d.feed(raw, i)
    out = d.take()
    assert {r[1] for r in out.positions} == {AT} and not out.rejects
    b = Batch()
    b.add(out, "ais:file:t")
    return b


def stored(url: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    sql = "SELECT msg_type, accuracy, round(ST_X(geom)::numeric, 4)::float, observed_at FROM {} WHERE mmsi = %s"
    with psycopg.connect(url) as conn:
        return (conn.execute(sql.format("vessel_position"), (MMSI,)).fetchall(),
                conn.execute(sql.format("vessel_latest"), (MMSI,)).fetchall())


BEST = [(1, True, 119.2012, AT)]


@pytest.mark.parametrize("order", [(TYPE27, TYPE1), (TYPE1, TYPE27)], ids=["27-then-1", "1-then-27"])
def test_in_one_batch_the_accurate_report_is_kept(databases: Any, order: tuple[bytes, bytes]) -> None:
    url = databases.create()
    AisWriter(psycopg.connect(url)).write(batch(*order))
    assert stored(url) == (BEST, BEST)


@pytest.mark.parametrize("order", [(TYPE27, TYPE1), (TYPE1, TYPE27)], ids=["27-then-1", "1-then-27"])
def test_across_batches_the_accurate_report_is_kept_and_latest_follows(databases: Any,
                                                                       order: tuple[bytes, bytes]) -> None:
    url = databases.create()
    writer = AisWriter(psycopg.connect(url))
    for raw in order:
        writer.write(batch(raw))
    assert stored(url) == (BEST, BEST)


def test_accuracy_outranks_the_type_and_a_replay_changes_nothing(databases: Any) -> None:
    url = databases.create()
    writer = AisWriter(psycopg.connect(url))
    writer.write(batch(TYPE1_LOW))
    writer.write(batch(TYPE18_HIGH))          # class B with accuracy beats class A without
    best = [(18, True, 119.22, AT)]
    assert stored(url) == (best, best)
    writer.write(batch(TYPE1_LOW, TYPE27, TYPE18_HIGH))
    assert stored(url) == (best, best)
