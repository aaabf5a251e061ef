"""Loading port packages into PostGIS: exact counts, idempotent, a second port with no code change."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest

from ingest.port_load import load_package
from ingest.port_package import read_package
from tests.conftest import ROOT, TINYPORT, WEIFANG

pytestmark = pytest.mark.db

TABLES = {"basemap_feature": 3, "zone": 19, "structure": 6, "berth": 17, "yard_block": 17, "camera": 15,
          "yard_slot": 3696}


def _snapshot(conn: psycopg.Connection[Any], port_id: str) -> dict[str, str]:
    """A fingerprint of every reference table's rows for one port."""
    out = {}
    for table in TABLES:
        row = conn.execute(f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                           f"FROM {table} t WHERE port_id = %s", (port_id,)).fetchone()
        out[table] = f"{row[0]}:{row[1]}"  # type: ignore[index]
    return out


def test_weifang_is_loaded_with_exact_counts(conn: psycopg.Connection[Any]) -> None:
    for table, expected in TABLES.items():
        count = conn.execute(f"SELECT count(*) FROM {table} WHERE port_id = 'weifang'").fetchone()
        assert count == (expected,), table


def test_loading_again_leaves_identical_tables(conn: psycopg.Connection[Any]) -> None:
    before = _snapshot(conn, "weifang")
    report = load_package(conn, read_package(WEIFANG))
    assert report.ok and report.slots == TABLES["yard_slot"]
    assert _snapshot(conn, "weifang") == before


def test_derived_geometry_is_sound(conn: psycopg.Connection[Any]) -> None:
    # camera cones start at the camera; berth water areas have the berth's length along the quay
    bad_cones = conn.execute("""SELECT camera_id FROM camera
                                WHERE NOT ST_DWithin(geom::geography, ST_Boundary(fov)::geography, 1)
                                   OR abs(ST_Area(fov::geography) - pi() * range_m ^ 2 * fov_deg / 360)
                                      > 0.02 * pi() * range_m ^ 2 * fov_deg / 360""").fetchall()
    assert bad_cones == []
    areas = conn.execute("""SELECT berth_id, ST_Area(area::geography) / length_m FROM berth
                            WHERE port_id = 'weifang'""").fetchall()
    assert all(59 < width < 61 for _, width in areas), areas
    slots = conn.execute("""SELECT count(*) FROM yard_slot s JOIN yard_block b USING (port_id, block_id)
                            WHERE NOT ST_Within(ST_Centroid(s.geom), b.geom)""").fetchone()
    assert slots == (0,)


def test_a_second_port_loads_beside_weifang(conn: psycopg.Connection[Any]) -> None:
    before = _snapshot(conn, "weifang")
    report = load_package(conn, read_package(TINYPORT))
    assert report.ok
    assert report.loaded == {"basemap": 2, "zones": 3, "structures": 1, "berths": 1, "yard_blocks": 1,
                             "cameras": 1}
    assert conn.execute("SELECT crs, name_zh FROM port WHERE port_id = 'tinyport'").fetchone() == \
        ("EPSG:32633", "小港")
    assert report.slots == 30 * 8
    assert _snapshot(conn, "weifang") == before


def test_a_feature_removed_from_the_package_is_removed_and_a_refused_one_kept(
        conn: psycopg.Connection[Any], tmp_path: Path) -> None:
    pkg = tmp_path / "tinyport"
    shutil.copytree(TINYPORT, pkg)
    load_package(conn, read_package(pkg))
    zones = json.loads((pkg / "zones.geojson").read_text())
    zones["features"] = [f for f in zones["features"] if f["id"] != "gate"]
    zones["features"][0]["geometry"]["coordinates"][0].pop()   # "anch" now has an unclosed ring
    (pkg / "zones.geojson").write_text(json.dumps(zones))
    report = load_package(conn, read_package(pkg))
    assert report.refused == ["zones.geojson: feature anch: ring 1 is not closed: it starts at "
                              "[14.57, 53.44] and ends at [14.57, 53.46]"]
    ids = [r[0] for r in conn.execute("SELECT zone_id FROM zone WHERE port_id = 'tinyport' ORDER BY 1")]
    assert ids == ["anch", "term"]


def test_the_cli_loads_the_good_features_and_exits_1_on_refusals(db_url: str, tmp_path: Path) -> None:
    pkg = tmp_path / "tinyport"
    shutil.copytree(TINYPORT, pkg)
    cams = json.loads((pkg / "cameras.geojson").read_text())
    cams["features"].append({"type": "Feature", "id": "C2", "properties": {"name_en": "x", "name_zh": "x",
                             "bearing_deg": 10, "fov_deg": 60, "range_m": 100},
                             "geometry": {"type": "Point", "coordinates": [44.0, 53.44]}})
    (pkg / "cameras.geojson").write_text(json.dumps(cams))
    result = subprocess.run([sys.executable, "-m", "ingest", "port", str(pkg)], cwd=ROOT, capture_output=True,
                            text=True, env={"DATABASE_URL": db_url, "PATH": "/usr/bin:/bin"}, check=False)
    assert result.returncode == 1, result.stderr
    assert "loaded 2 basemap, 3 zones, 1 structures, 1 berths, 1 yard_blocks, 1 cameras" in result.stdout
    assert "refused cameras.geojson: feature C2: lies (partly) outside the port bbox" in result.stderr
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM camera WHERE port_id = 'tinyport'").fetchone() == (1,)
        conn.execute("DELETE FROM yard_slot WHERE port_id = 'tinyport'")
        conn.execute("DELETE FROM port WHERE port_id = 'tinyport'")
