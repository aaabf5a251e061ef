"""Storage details: tracks for the map, retention of history, the live picture only moves forward."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
import shapely

from ingest.ais.batch import Batch
from ingest.ais.decoder import StreamDecoder
from ingest.ais.writer import AisWriter
from sql import query

pytestmark = pytest.mark.db
NOW = datetime.now(UTC).replace(microsecond=0)


def _position(mmsi: int, at: datetime, lon: float, lat: float, sog: float = 5.0) -> tuple[Any, ...]:
    return (mmsi, at, at, "test", 1, lon, lat, sog, 90.0, 90, None, 0, True, None)


def _write(url: str, positions: list[tuple[Any, ...]], retention: int | None = None) -> AisWriter:
    decoder = StreamDecoder("test")
    out = decoder.take()
    out.positions.extend(positions)
    batch = Batch()
    batch.add(out, "test")
    writer = AisWriter(psycopg.connect(url), retention)
    writer.write(batch)
    return writer


def test_tracks_are_linestrings_of_the_last_minutes(databases: Any) -> None:
    url = databases.create()
    rows = [_position(412000001, NOW - timedelta(minutes=m), 119.20 + m / 1000, 37.2) for m in range(0, 40, 5)]
    rows += [_position(412000002, NOW - timedelta(minutes=1), 119.3, 37.3)]          # one point: no track
    _write(url, rows)
    with psycopg.connect(url) as conn:
        area = {"xmin": 119.0, "ymin": 37.0, "xmax": 119.5, "ymax": 37.5, "tolerance": 0.0}
        tracks = query(conn, "ais_tracks", {**area, "at": NOW, "minutes": 30, "mmsi": None})
        one = query(conn, "ais_tracks", {**area, "at": NOW, "minutes": 30, "mmsi": 412000001})
        west = query(conn, "ais_tracks", {**area, "xmax": 119.212, "at": NOW, "minutes": 30, "mmsi": None})
        straight = query(conn, "ais_tracks", {**area, "tolerance": 0.0001, "at": NOW, "minutes": 30, "mmsi": None})
    assert [(t[0], t[1]) for t in tracks] == [(412000001, 6)]      # 0, 5, …, 25 minutes ago
    assert one[0][1] == 6 and one[0][3] == NOW
    assert west[0][1] == 3                                          # only the points in view: 0, 5, 10 minutes ago
    assert shapely.from_wkb(straight[0][4]).coords[:] == [(pytest.approx(119.225), 37.2), (119.2, 37.2)]  # 2 ends


def test_the_live_picture_only_moves_forward(databases: Any) -> None:
    url = databases.create()
    _write(url, [_position(412000003, NOW, 119.25, 37.25)])
    _write(url, [_position(412000003, NOW - timedelta(minutes=3), 119.0, 37.0)])     # late, older report
    _write(url, [(412000003, NOW + timedelta(seconds=10), NOW, "test", 1, None, None, 7.5, 91.0, 91, None, 0,
                  True, None)])                                                      # newer, position n/a
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT observed_at, ST_X(geom), sog_kn FROM vessel_latest").fetchone()
        history = conn.execute("SELECT count(*), count(geom) FROM vessel_position").fetchone()
    assert row == (NOW + timedelta(seconds=10), 119.25, 7.5)
    assert history == (3, 2)


def test_reports_already_stored_are_skipped_and_the_new_ones_around_them_kept(databases: Any) -> None:
    """History goes in with a plain insert until one conflicts (a replay, a retry after a lost commit, the same
    report from two receivers); then the batch is inserted again with ON CONFLICT, nothing new is lost, and
    later batches go in the careful way for a while."""
    url = databases.create()
    first = [_position(412000004, NOW - timedelta(seconds=s), 119.2, 37.2) for s in (30, 20)]
    writer = _write(url, first)
    assert (writer.conflicts, writer.careful_until) == (0, 0.0)
    replay = [*first, _position(412000004, NOW - timedelta(seconds=10), 119.21, 37.2),
              _position(412000004, NOW - timedelta(seconds=10), 119.21, 37.2),        # twice in one batch
              _position(412000005, NOW, 119.3, 37.3)]
    out = StreamDecoder("test").take()
    out.positions.extend(replay)
    batch = Batch()
    batch.add(out, "test")
    stored = writer.write(batch)
    assert stored == {"positions": 2, "latest": 2}         # the 10 s report once, and 412000005
    assert writer.conflicts == 1 and writer.careful_until > 0
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT mmsi, count(*) FROM vessel_position GROUP BY mmsi ORDER BY mmsi").fetchall()
        latest = conn.execute("SELECT mmsi, observed_at FROM vessel_latest ORDER BY mmsi").fetchall()
    assert rows == [(412000004, 3), (412000005, 1)]
    assert latest == [(412000004, NOW - timedelta(seconds=10)), (412000005, NOW)]


def test_retention_drops_old_days_and_keeps_recent_ones(databases: Any) -> None:
    url = databases.create()
    old = NOW - timedelta(days=40)
    _write(url, [_position(412000004, old, 119.2, 37.2), _position(412000004, NOW, 119.2, 37.2)])
    writer = _write(url, [])        # a later run: retention never drops what the same run stored
    writer.retention_days = 30
    dropped = writer.apply_retention()
    assert dropped == [f"vessel_position_{old:%Y%m%d}"]
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM vessel_position").fetchone() == (1,)


def test_a_batch_spooled_by_the_previous_version_still_loads_and_is_written(databases: Any) -> None:
    """Batches spilled to disk during an outage are pickles; the version before this one named their rows'
    class ingest.ais.decoder.Output (it now lives in batch.py). After an upgrade they must still be written."""
    out = StreamDecoder("test").take()
    out.positions.append(_position(412000006, NOW, 119.4, 37.4))
    out.statics[412000006] = {"kind": "vessel", "name": "OLD SPOOL", "static_at": NOW}
    batch = Batch()
    batch.add(out, "test")
    blob = pickle.dumps(batch, protocol=2)              # protocol 2 names classes as plain text
    assert b"cingest.ais.batch\nOutput\n" in blob
    old = blob.replace(b"cingest.ais.batch\nOutput\n", b"cingest.ais.decoder\nOutput\n")
    loaded = pickle.loads(old)
    url = databases.create()
    AisWriter(psycopg.connect(url)).write(loaded)
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT name FROM vessel WHERE mmsi = 412000006").fetchone() == ("OLD SPOOL",)
        assert conn.execute("SELECT count(*) FROM vessel_position WHERE mmsi = 412000006").fetchone() == (1,)
