"""Issue 25 point 8: `python -m ingest alerts --from --to` runs every rule over history as the engine would have
at each instant, and stores what it raises as retrospective alerts with their historical times, apart from live
alerts, shown in the replay's map and the incident report.

The encounter is real: two vessels of the Danish Maritime Authority's recorded stream (tests/fixtures/ais/dma,
Apache-2.0; 2010-06-11 off Gothenburg), their real reports as decoded, and after the 84 s the recording holds,
each sailing on as she reported (forward on the WGS 84 ellipsoid with pyproj; tests/test_alerts_cpa_real.py
shows their real displacement over the recording is what their vectors say), reported every 10 s as AIS with
tag blocks. The truth, the minimum separation of the two tracks, is computed independently, second by second
with pyproj's geodesic; the alert's predicted CPA must be within 5 % of it, raised before the closest approach.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import pytest
from pyais.encode import encode_dict
from pyais.messages import TagBlock
from pyproj import Geod

from ingest.ais.decoder import StreamDecoder
from ingest.alerts.model import KN_MS
from ingest.port_load import load_package
from ingest.port_package import read_package
from tests.conftest import ROOT

pytestmark = pytest.mark.db
STREAM = ROOT / "tests" / "fixtures" / "ais" / "dma" / "stream_example.txt"
PAIR = (265547240, 265650970)
GEOD = Geod(ellps="WGS84")
PORT_TOML = """id = "kattegat"
crs = "EPSG:32632"
timezone = "Europe/Stockholm"
centre = [11.80, 57.60]
zoom = 11
bbox = [11.50, 57.40, 12.10, 57.80]

[name]
en = "Kattegat test area"
zh = "卡特加特测试区"

[rules.collision_risk]
cpa_m = 2000
tcpa_min = 15
min_sog_kn = 1.0
prefilter_m = 8000
"""
EMPTY = json.dumps({"type": "FeatureCollection", "features": []})


def port_package(folder: Path) -> Path:
    folder.mkdir()
    (folder / "port.toml").write_text(PORT_TOML)
    for name in ("basemap", "berths", "cameras", "structures", "yard_blocks", "zones"):
        (folder / f"{name}.geojson").write_text(EMPTY)
    return folder


def real_reports() -> dict[int, list[tuple[float, float, float, float, float]]]:
    decoder = StreamDecoder("ais:file:dma")
    for i, line in enumerate(STREAM.read_bytes().splitlines()):
        decoder.feed(line, i)
    decoder.finish()
    out: dict[int, list[tuple[float, float, float, float, float]]] = {m: [] for m in PAIR}
    for row in decoder.take().positions:
        if row[0] in out and row[5] is not None and row[7] is not None and row[8] is not None:
            out[row[0]].append((row[1].timestamp(), row[5], row[6], row[7], row[8]))
    return {m: sorted(set(v)) for m, v in out.items()}


def sail(last: tuple[float, float, float, float, float], times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t0, lon, lat, sog, cog = last
    n = times.size
    lon2, lat2, _ = GEOD.fwd(np.full(n, lon), np.full(n, lat), np.full(n, cog), sog * KN_MS * (times - t0))
    return np.asarray(lon2), np.asarray(lat2)


def nmea(mmsi: int, t: float, lon: float, lat: float, sog: float, cog: float) -> str:
    sentence = encode_dict({"type": 1, "mmsi": mmsi, "lon": lon, "lat": lat, "speed": sog, "course": cog,
                            "second": int(t) % 60, "accuracy": 1}, talker_id="AI", sentence_type="VDM")[0]
    block = TagBlock.create_str(source_station="dma", receiver_timestamp=int(t))  # type: ignore[arg-type]
    return f"\\{block}\\{sentence}"


def recording(tmp: Path) -> tuple[Path, float, float, float]:
    """The recording file, and the truth: minimum separation (m), its time, and the start (UNIX s)."""
    real = real_reports()
    start = min(r[0][0] for r in real.values())
    end = start + 25 * 60
    lines: list[tuple[float, str]] = []
    truth_t = np.arange(start, end, 1.0)
    tracks = {}
    for mmsi, reports in real.items():
        for t, lon, lat, sog, cog in reports:
            lines.append((t, nmea(mmsi, t, lon, lat, sog, cog)))
        last = reports[-1]
        later = np.arange(last[0] + 10, end, 10.0)
        lon, lat = sail(last, later)
        for t, x, y in zip(later.tolist(), lon.tolist(), lat.tolist(), strict=True):
            lines.append((t, nmea(mmsi, t, x, y, last[3], last[4])))
        # the track second by second: the real reports (interpolated between them), then sailing on
        rt = np.array([r[0] for r in reports])
        inside = truth_t <= last[0]
        lo = np.interp(truth_t[inside], rt, [r[1] for r in reports])
        la = np.interp(truth_t[inside], rt, [r[2] for r in reports])
        lo2, la2 = sail(last, truth_t[~inside])
        tracks[mmsi] = (np.concatenate([lo, lo2]), np.concatenate([la, la2]))
    usable = truth_t >= max(r[0][0] for r in real.values())
    (alo, ala), (blo, bla) = tracks[PAIR[0]], tracks[PAIR[1]]
    _, _, dist = GEOD.inv(alo[usable], ala[usable], blo[usable], bla[usable])
    k = int(np.argmin(dist))
    path = tmp / "encounter.nmea"
    path.write_text("\n".join(text for _, text in sorted(lines)) + "\n")
    return path, float(dist[k]), float(truth_t[usable][k]), start


def run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ingest", *args], cwd=ROOT, env={**os.environ, "DATABASE_URL": url},
                          capture_output=True, text=True, timeout=300)


def test_a_recorded_close_approach_gives_one_retrospective_alert_before_it_within_5_percent(
        databases: Any, tmp_path: Path) -> None:
    url = databases.create()
    with psycopg.connect(url) as conn:
        assert load_package(conn, read_package(port_package(tmp_path / "kattegat"))).ok
    path, true_cpa, true_at, start = recording(tmp_path)
    assert true_cpa < 2000 and true_at - start > 120            # a real close approach, minutes ahead
    done = run(url, "ais", "--file", str(path), "--no-checkpoint")
    assert done.returncode == 0, done.stderr
    t0 = datetime.fromtimestamp(start, UTC).replace(microsecond=0)
    t1 = t0 + timedelta(minutes=25)
    done = run(url, "alerts", "--port-id", "kattegat", "--from", t0.isoformat(), "--to", t1.isoformat(),
               "--step", "2s")
    assert done.returncode == 0, done.stderr
    assert "retrospective run" in done.stdout
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT rule, dedup_key, raised_at, resolved_at, evidence_at, details, retrospective "
                            "FROM alert_retrospective ORDER BY raised_at").fetchall()
        live = conn.execute("SELECT count(*) FROM alert").fetchone()
        layer = conn.execute(_text("layer_alerts"), {"port_id": "kattegat", "at": rows[0][2] + timedelta(seconds=4),
                                                     "xmin": 11.5, "ymin": 57.4, "xmax": 12.1, "ymax": 57.8}).fetchall()
        report = conn.execute(_text("report_alerts"), {"port_id": "kattegat", "from": t0, "to": t1}).fetchall()
    collision = [r for r in rows if r[0] == "collision_risk"]
    assert [r[1] for r in collision] == [f"collision_risk:{PAIR[0]}:{PAIR[1]}"]       # one alert
    _rule, _key, raised_at, resolved_at, evidence_at, details, marked = collision[0]
    assert marked is True and details["retrospective"] is True
    assert t0 <= raised_at < datetime.fromtimestamp(true_at, UTC)                 # before the closest approach
    assert evidence_at <= raised_at and resolved_at is not None and resolved_at > datetime.fromtimestamp(true_at, UTC)
    print(f"retrospective: raised {raised_at:%H:%M:%S}, predicted CPA {details['cpa_m']} m in {details['tcpa_s']} s; "
          f"true minimum {true_cpa:.0f} m at {datetime.fromtimestamp(true_at, UTC):%H:%M:%S}")
    assert details["cpa_m"] == pytest.approx(true_cpa, rel=0.05), (details, true_cpa)
    assert live == (0,)                                    # never a live alert: not on the wall, nobody paged
    assert [(r[1], r[3]) for r in layer] == [("collision_risk", "retrospective")]      # the replay's map
    assert any(r[1] == "collision_risk" and r[6] == "retrospective" for r in report)  # the incident report


def test_positions_as_of_then_not_the_last_ones(databases: Any, tmp_path: Path) -> None:
    """A step sees each vessel's report at or before it: before a vessel's first report she is not there."""
    from ingest.alerts.engine import AlertEngine
    from ingest.alerts.retrospective import History

    url = databases.create()
    with psycopg.connect(url) as conn:
        load_package(conn, read_package(port_package(tmp_path / "kattegat")))
    path, _, _, start = recording(tmp_path)
    assert run(url, "ais", "--file", str(path), "--no-checkpoint").returncode == 0
    t0 = datetime.fromtimestamp(start, UTC)
    with psycopg.connect(url) as conn:
        history = History(conn, AlertEngine(conn, "kattegat"), t0, t0 + timedelta(minutes=25))
        early = history.at(t0 - timedelta(seconds=1))
        at5 = history.at(t0 + timedelta(minutes=5))
        expected = conn.execute(
            "SELECT DISTINCT ON (mmsi) mmsi, ST_X(geom), observed_at FROM vessel_position WHERE observed_at <= %s "
            "ORDER BY mmsi, observed_at DESC", (t0 + timedelta(minutes=5),)).fetchall()
    assert len(early) == 0
    got = {(int(m), round(float(x), 6), o) for m, x, o in zip(at5["mmsi"], at5["lon"], at5["observed_at"],
                                                                  strict=True)}
    assert got == {(m, round(x, 6), o) for m, x, o in expected}


def _text(name: str) -> str:
    from sql import query_text
    return query_text(name)


def test_the_in_memory_pair_finder_finds_the_pairs_postgis_finds(db_url: str) -> None:
    """A retrospective run finds collision candidates with shapely's STRtree, the live engine with PostGIS."""
    from ingest.alerts.engine import AlertEngine
    from ingest.alerts.rules.collision_risk import _close_pairs_db, close_pairs_in_memory

    rng = np.random.default_rng(25)
    mmsi = np.arange(412_000_000, 412_000_800, dtype=np.int64)
    rng.shuffle(mmsi)
    x, y = rng.uniform(600_000, 640_000, mmsi.size), rng.uniform(4_120_000, 4_160_000, mmsi.size)
    with psycopg.connect(db_url) as conn:
        engine = AlertEngine(conn, "weifang")
        snap = engine.snapshot()
        left, right = _close_pairs_db(snap, mmsi, x, y, 3000.0)
        conn.rollback()
    a, b = close_pairs_in_memory(mmsi, x, y, 3000.0)
    db = set(zip(left, right, strict=True))
    assert len(db) > 1000 and set(zip(a.tolist(), b.tolist(), strict=True)) == db


def _mixed_traffic(conn: psycopg.Connection[Any], start: datetime, minutes: int, seed: int = 5) -> int:
    """Vessels near each of Weifang's zones doing what the rules look for: fast ones in speed-limited water,
    small craft and ships crossing restricted areas, ships stopped outside any anchorage, anchored ones
    dragging (a walk of 40 m a report), ones leaving an anchorage slowly, crossing tracks, and ones falling
    silent part-way (their reports age through every freshness limit)."""
    import random

    rng = random.Random(seed)
    zones = conn.execute("SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM zone "
                         "WHERE port_id = 'weifang' ORDER BY zone_id").fetchall()
    conn.execute("SELECT ensure_position_partition(d::date) FROM generate_series(%s::date, %s::date, '1 day') d",
                 (start - timedelta(hours=1), start + timedelta(minutes=minutes)))
    n = 0
    with conn.cursor() as cur, cur.copy(
            "COPY vessel_position (mmsi, observed_at, received_at, source, msg_type, geom, sog_kn, cog_deg, "
            "nav_status) FROM STDIN") as copy:
        for i in range(120):
            zx, zy = zones[i % len(zones)]
            mmsi = 413_000_000 + i
            lon, lat = zx + rng.uniform(-0.01, 0.01), zy + rng.uniform(-0.01, 0.01)
            nav = rng.choice([0, 0, 0, 1, 1, 5])
            sog = 0.0 if nav == 1 and rng.random() < 0.5 else rng.choice([0.2, 2.0, 5.0, 9.0, 14.0, 20.0])
            cog = rng.uniform(0, 360)
            every = rng.choice([10.0, 30.0, 180.0])
            silent_after = rng.choice([None, None, rng.uniform(60, minutes * 60)])
            t = rng.uniform(-900.0, -900.0 + every)
            while t < minutes * 60 and (silent_after is None or t < silent_after):
                d = sog * 0.514444 * t
                x = lon + d * np.sin(np.radians(cog)) / 88_600 + (rng.uniform(-4e-4, 4e-4) if nav == 1 else 0)
                y = lat + d * np.cos(np.radians(cog)) / 111_000 + (rng.uniform(-4e-4, 4e-4) if nav == 1 else 0)
                at = start + timedelta(seconds=t)
                copy.write_row((mmsi, at, at, "ais:file:mixed", 1, f"SRID=4326;POINT({x:.6f} {y:.6f})", sog, cog,
                                nav))
                n += 1
                t += every
    conn.commit()
    return n


def test_the_incremental_run_raises_what_the_reference_run_raises(weifang_db: str) -> None:
    """Looking only at what changed (the default) against every rule over the whole picture at every step: the
    same alerts, raised and resolved at the same instants, with the same findings."""
    from ingest.alerts.retrospective import Retrospective

    start = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    with psycopg.connect(weifang_db) as conn:
        assert _mixed_traffic(conn, start, 15) > 3000
        runs = {}
        for incremental in (False, True):
            report = Retrospective(conn, "weifang", start, start + timedelta(minutes=15), 2.0,
                                   incremental=incremental).run()
            runs[incremental] = sorted((a.finding.rule, a.finding.key, a.raised_at, a.resolved_at, a.last_seen_at,
                                        a.finding.severity, a.finding.title_en) for a in report.alerts)
            assert not report.failed
        conn.rollback()
    full, incremental = runs[False], runs[True]
    rules = {r[0] for r in full}
    print("alerts by rule:", {r: sum(1 for a in full if a[0] == r) for r in sorted(rules)},
          "resolved:", sum(1 for a in full if a[3] is not None))
    assert {"speeding", "restricted_entry", "unauthorised_anchoring", "anchor_drag", "collision_risk"} <= rules, rules
    assert any(r[3] is not None for r in full) and any(r[3] is None for r in full)   # some cleared, some held on
    assert incremental == full
