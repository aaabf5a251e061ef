"""Issue 25 (build): `python -m ingest ais-table FILE` for MarineCadastre/NOAA AIS CSV and GeoPackage points with
the same columns, into the same tables, with a progress bar, bad rows refused by reason. The rows are written
after the published schema (MarineCadastre "AIS Data for Transportation": MMSI,BaseDateTime,LAT,LON,SOG,COG,
Heading,VesselName,IMO,CallSign,VesselType,Status,Length,Width,Draft,Cargo[,TransceiverClass])."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

from ingest.ais.table import COLUMNS, import_table
from tests.conftest import ROOT

pytestmark = pytest.mark.db
GOOD = [
    ["366940480", "2023-01-01T00:00:03", "29.92893", "-89.97543", "0.0", "191.3", "511", "CAPT JOHNNY", "IMO9121239",
     "WDG2941", "31", "0", "22", "9", "3.0", "", "A"],
    ["366940480", "2023-01-01T00:01:13", "29.92890", "-89.97540", "0.1", "191.3", "190", "CAPT JOHNNY",
     "IMO9121239", "WDG2941", "31", "0", "22", "9", "3.0", "", "A"],
    ["338075892", "2023-01-01T00:00:06", "27.77012", "-82.63881", "0.0", "360.0", "511", "", "", "", "", "", "",
     "", "", "", "B"],
]
BAD = [
    (["0", "2023-01-01T00:00:07", "29.9", "-89.9"], "invalid_mmsi"),
    (["367000001", "01/01/2023 00:00", "29.9", "-89.9"], "bad_time"),
    (["367000002", "2023-01-01T00:00:08", "95.0", "-89.9"], "position_out_of_range"),
    (["367000003", "2023-01-01T00:00:09", "29.9", "-89.9", "fast"], "bad_number"),
    (["367000004", "2099-01-01T00:00:00", "29.9", "-89.9"], "future_timestamp"),
    (["", "2023-01-01T00:00:10", "29.9", "-89.9"], "missing_column"),
]
HEADER = [*COLUMNS, "TransceiverClass"]


def write_csv(path: Path) -> Path:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerow(GOOD[0])
        for values, _ in BAD[:3]:
            w.writerow(values + [""] * (len(HEADER) - len(values)))
        w.writerow(GOOD[1])
        for values, _ in BAD[3:]:
            w.writerow(values + [""] * (len(HEADER) - len(values)))
        w.writerow(GOOD[2])
    return path


def check_stored(url: str) -> None:
    with psycopg.connect(url) as conn:
        history = conn.execute("SELECT mmsi, observed_at, round(ST_X(geom)::numeric, 5)::float, "
                               "round(ST_Y(geom)::numeric, 5)::float, sog_kn, cog_deg, heading_deg, msg_type "
                               "FROM vessel_position ORDER BY mmsi, observed_at").fetchall()
        latest = conn.execute("SELECT mmsi, observed_at FROM vessel_latest ORDER BY mmsi").fetchall()
        vessel = conn.execute("SELECT mmsi, name, imo, call_sign, ship_type, length_m, beam_m, draught_m, ais_class "
                              "FROM vessel ORDER BY mmsi").fetchall()
        reasons = dict(conn.execute("SELECT reason, count FROM ingest_reject_count").fetchall())
    t = datetime(2023, 1, 1, tzinfo=UTC)
    assert history == [
        (338075892, t.replace(second=6), -82.63881, 27.77012, 0.0, None, None, 18),
        (366940480, t.replace(second=3), -89.97543, 29.92893, 0.0, pytest.approx(191.3), None, 1),
        (366940480, t.replace(minute=1, second=13), -89.9754, 29.9289, pytest.approx(0.1), pytest.approx(191.3),
         190, 1)]
    assert latest == [(338075892, t.replace(second=6)), (366940480, t.replace(minute=1, second=13))]
    assert vessel[1] == (366940480, "CAPT JOHNNY", 9121239, "WDG2941", 31, 22.0, 9.0, 3.0, "A")
    assert vessel[0][0] == 338075892 and vessel[0][-1] == "B"
    assert reasons == {reason: 1 for _, reason in BAD}


def test_a_marinecadastre_csv_loads_with_bad_rows_refused_by_reason(databases: Any, tmp_path: Path) -> None:
    url = databases.create()
    path = write_csv(tmp_path / "AIS_2023_01_01.csv")
    done = subprocess.run([sys.executable, "-m", "ingest", "ais-table", str(path)], cwd=ROOT,
                          env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr          # rows were refused
    assert "3 of 9 rows stored" in done.stdout
    check_stored(url)
    with psycopg.connect(url) as conn:
        kept = conn.execute("SELECT reason, detail FROM ingest_reject ORDER BY reject_id").fetchall()
    assert [r[0] for r in kept] == [reason for _, reason in BAD] and kept[0][1].startswith("row 2:")


def test_a_geopackage_of_points_loads_the_same(databases: Any, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    rows = [dict(zip(HEADER, r, strict=True)) for r in GOOD]
    rows += [dict(zip(HEADER, v + [""] * (len(HEADER) - len(v)), strict=True)) for v, _ in BAD]
    points = [Point(float(r["LON"] or 0), float(r["LAT"] or 0)) if r["LAT"] != "95.0" else Point(0, 95) for r in rows]
    for r in rows:          # the geometry alone carries the position in this GeoPackage
        r.pop("LAT")
        r.pop("LON")
    frame = gpd.GeoDataFrame(rows, geometry=points, crs="EPSG:4326")
    path = tmp_path / "ais.gpkg"
    frame.to_file(path, driver="GPKG")
    url = databases.create()
    with psycopg.connect(url) as conn:
        report = import_table(conn, path, progress=True)
    assert (report.rows, report.stored) == (9, 3)
    check_stored(url)
    assert "ais.gpkg [" in capsys.readouterr().err          # the progress bar
