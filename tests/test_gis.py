"""GIS clients nobody here wrote read the port: GDAL's own drivers (GeoJSON, GPKG, CSV, OAPIF, MVT, via ogrinfo and
ogr2ogr) read every layer from the layer API, OGC API - Features and the vector tiles of a real app on a real
PostGIS, with a token sent as QGIS and GDAL send one, the right geometry types, CRSs and counts."""

from __future__ import annotations

import csv as csvlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
import shapely.geometry
from pyproj import Transformer

from app.auth import add_user
from app.ogc import tile_bbox
from bench.alerts_cycle import populate
from layers import View, feature_sets
from tests.conftest import PASSWORD, ROOT, WEIFANG, _free_port, role_env, wait_http
from tests.test_layers import add_alert, add_track, add_vessel

pytestmark = [pytest.mark.db, pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="needs gdal-bin")]
SETS = list(feature_sets())
EMPTY_IN_WEIFANG = {"structure_areas", "vehicles"}   # Weifang draws every structure as a line; no trackers seeded
PORT_BBOX = (118.70, 36.95, 119.75, 37.65)
YARD_TILE = (16, 54466, 25461)                  # container blocks A-D at z16


def _seed(url: str) -> None:
    """A small picture in every layer: the bench's vessels, yard, cameras and gates, and one of each of the rest."""
    populate(url, 300, 3_000, 100, seed=5)
    with psycopg.connect(url, autocommit=True) as conn:
        berth = conn.execute("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_PointOnSurface(area) c FROM berth "
                             "WHERE berth_id = 'B09') b").fetchone()
        add_vessel(conn, 412999001, "AT B09", 71, (berth[0], berth[1]), age_s=20)     # type: ignore[index]
        conn.execute("UPDATE vessel_latest SET sog_kn = 0, nav_status = 5 WHERE mmsi = 412999001")
        conn.execute("UPDATE vessel SET imo = 9321483 WHERE mmsi = 412999001")
        add_track(conn, 412999002, [(119.25, 37.40), (119.251, 37.401), (119.252, 37.402)], minutes_ago=[10, 5, 1])
        add_alert(conn, "speeding:gis", "warning", (119.21, 37.30))
        conn.execute("INSERT INTO aton (mmsi, name, aid_type, virtual_aid, off_position, geom, observed_at, source) "
                     "VALUES (994121001, 'WEIFANG FAIRWAY', 22, false, true, "
                     "ST_SetSRID(ST_MakePoint(119.2625, 37.49), 4326), now(), 'test')")
        conn.execute("INSERT INTO direct_delivery (plan_id, port_id, container_no, direction, berth_id, planned_at, "
                     "source) VALUES ('GIS-1', 'weifang', 'CSQU3054383', 'discharge', 'B09', now(), 'test')")
        from tests.test_trackers_layers import add_person, add_vehicle
        add_vehicle(conn, "13912349001", [(119.180, 37.200), (119.181, 37.200)], plate="鲁G90001")
        add_person(conn, "gis-phone-1", "Wang Hai", "border_boarding", [(119.20, 37.21), (119.201, 37.211)])
        conn.execute("ANALYZE")


@pytest.fixture(scope="module")
def gis(databases: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A populated Weifang and the real app started as make demo starts it: each pool under its own role (the
    GIS surfaces as portmap_read), an API token and a supervisor."""
    from app.auth import add_token
    from ingest.port_load import load_package
    from ingest.port_package import read_package
    url = databases.create()
    with psycopg.connect(url) as conn:
        load_package(conn, read_package(WEIFANG))
    _seed(url)
    with psycopg.connect(url, autocommit=True) as conn:
        token = add_token(conn, "gis-test", "api", "port", "test")
        add_user(conn, "gissuper", "Gis Super", "supervisor", "port", PASSWORD)
    port = _free_port()
    log = tmp_path_factory.mktemp("gis") / "app.log"
    env = {**role_env(url), "PORTMAP_APP_PORT": str(port)}
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "app"], cwd=ROOT, env=env, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/healthz")
        yield {"url": url, "base": base, "token": token, "log": log}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


def _bearer(gis: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {gis['token']}"}


def _gdal(*args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(list(args), capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _summary(text: str) -> dict[str, Any]:
    """What ogrinfo -so says of one layer: geometry type, feature count, EPSG code."""
    geometry = re.search(r"^Geometry: (.+)$", text, re.M)
    count = re.search(r"^Feature Count: (\d+)$", text, re.M)
    epsg = re.findall(r'ID\["EPSG",(\d+)\]\]\s*$', text, re.M)
    return {"geometry": geometry[1] if geometry else None, "count": int(count[1]) if count else None,
            "epsg": int(epsg[-1]) if epsg else None}


GDAL_TYPES = {"Point": "Point", "LineString": "Line String", "Polygon": "Polygon", "MultiPolygon": "Multi Polygon"}


def _expected(url: str, name: str) -> int:
    """How many features the map itself draws for the set (the layer's own query, of the set's geometry type)."""
    layer, fs = feature_sets()[name]
    with psycopg.connect(url) as conn:
        frame = layer.query(conn, View(port_id="weifang", bbox=PORT_BBOX, zoom=17))
    return int((frame.geom_type == fs.geometry).sum()) if len(frame) else 0


def test_every_layer_serves_feature_sets_of_one_geometry_type_with_a_key() -> None:
    from layers import LAYERS
    sets = feature_sets()
    # no layer left out of GIS clients but people's positions (personal data: layers/people.py)
    assert {layer.name for layer, _ in sets.values()} == set(LAYERS) - {"people"}
    for name, (_, fs) in sets.items():
        assert fs.geometry in GDAL_TYPES and fs.key, name
    assert sets["yard_use"][1].geometry == "Point" and sets["structure_areas"][1].geometry == "Polygon"


@pytest.mark.parametrize("name", SETS)
def test_every_layer_exports_in_every_format_and_gdal_reads_it_back(gis: dict[str, Any], name: str,
                                                                    tmp_path: Path) -> None:
    _, fs = feature_sets()[name]
    expected = _expected(gis["url"], name)
    assert expected > 0 or name in EMPTY_IN_WEIFANG
    if fs.personal:             # people's positions: never to an API token (officers and supervisors by agency,
        status, _, body = _get(f"{gis['base']}/api/v1/layers/{name}?format=geojson", _bearer(gis))  # test_trackers*)
        assert status == 403, body[:300]
        return
    for fmt in ("geojson", "gpkg", "csv"):
        status, _, body = _get(f"{gis['base']}/api/v1/layers/{name}?format={fmt}", _bearer(gis))
        assert status == 200, (fmt, body[:300])
        path = tmp_path / f"{name}.{fmt}"
        path.write_bytes(body)
        if fmt == "csv":
            back = json.loads(_gdal("ogr2ogr", "-f", "GeoJSON", "/vsistdout/", str(path), "-oo",
                                    "GEOM_POSSIBLE_NAMES=wkt", "-oo", "KEEP_GEOM_COLUMNS=NO", "-a_srs", "EPSG:4326"))
            assert len(back["features"]) == expected, fmt
            assert {f["geometry"]["type"] for f in back["features"]} <= {fs.geometry}
            continue
        info = _summary(_gdal("ogrinfo", "-ro", "-so", "-al", str(path)))
        assert info["count"] == expected, (fmt, info)
        assert info["epsg"] == 4326, (fmt, info)
        if expected:
            assert info["geometry"] == GDAL_TYPES[fs.geometry], (fmt, info)


def test_whole_numbers_stay_whole_objects_are_json_and_rings_wind_as_rfc_7946_says(gis: dict[str, Any],
                                                                                   tmp_path: Path) -> None:
    gpkg = tmp_path / "vessels.gpkg"
    gpkg.write_bytes(_get(f"{gis['base']}/api/v1/layers/vessels?format=gpkg", _bearer(gis))[2])
    fields = dict(re.findall(r"^(\w+): (\w+) \(", _gdal("ogrinfo", "-ro", "-so", str(gpkg), "vessels"), re.M))
    assert fields["imo"].startswith("Integer") and fields["nav_status"].startswith("Integer"), fields
    one = json.loads(_gdal("ogr2ogr", "-f", "GeoJSON", "/vsistdout/", str(gpkg), "-where", "mmsi = 412999001"))
    assert one["features"][0]["properties"]["imo"] == 9321483
    csv = tmp_path / "alerts.csv"
    csv.write_bytes(_get(f"{gis['base']}/api/v1/layers/alerts?format=csv", _bearer(gis))[2])
    rows = list(csvlib.DictReader(io.StringIO(csv.read_text())))
    factors = [json.loads(r["factors"]) for r in rows if r["factors"]]          # JSON text in a CSV cell
    assert factors and all(isinstance(f, list) and "points" in f[0] for f in factors)
    read = json.loads(_gdal("ogr2ogr", "-f", "GeoJSON", "/vsistdout/", str(csv)))["features"]
    assert len(read) == len(rows)
    for layer in ("zones", "yard_blocks", "cameras", "basemap"):
        doc = json.loads(_get(f"{gis['base']}/api/v1/layers/{layer}", _bearer(gis))[2])
        for feature in doc["features"]:
            geom = shapely.geometry.shape(feature["geometry"])
            for poly in getattr(geom, "geoms", [geom]):
                assert poly.exterior.is_ccw, (layer, feature["id"])
                assert not any(ring.is_ccw for ring in poly.interiors), (layer, feature["id"])


def test_unknown_api_paths_are_json_404s_and_a_server_fault_is_a_logged_500(gis: dict[str, Any]) -> None:
    for path in ("/api/v1/nothing", "/api/v2/layers/vessels", "/api/v1/ogc/collections/nothing",
                 "/api/v1/ogc/collections/vessels/items/999"):
        status, headers, body = _get(gis["base"] + path, _bearer(gis))
        assert status == 404 and headers["content-type"].startswith("application/json"), path
        assert "error" in json.loads(body)
    with psycopg.connect(gis["url"], autocommit=True) as conn:      # the read-only role loses a table: our fault
        conn.execute("REVOKE SELECT ON vessel_latest FROM portmap_read")
    try:
        status, _, body = _get(f"{gis['base']}/api/v1/layers/vessels", _bearer(gis))
        ogc_status, _, _ = _get(f"{gis['base']}/api/v1/ogc/collections/vessels/items", _bearer(gis))
    finally:
        with psycopg.connect(gis["url"], autocommit=True) as conn:
            conn.execute("GRANT SELECT ON vessel_latest TO portmap_read")
    assert status == 500 and ogc_status == 500 and "internal" in json.loads(body)["error"]
    deadline = time.monotonic() + 5
    while "InsufficientPrivilege" not in gis["log"].read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "API GET /api/v1/layers/vessels failed: InsufficientPrivilege" in gis["log"].read_text()
    refused = _get(f"{gis['base']}/api/v1/layers/vessels?bbox=x&apikey={gis['token']}")
    ogc_refused = _get(f"{gis['base']}/api/v1/ogc/collections/vessels/items?limit=x&apikey={gis['token']}")
    assert refused[0] == ogc_refused[0] == 400
    deadline = time.monotonic() + 5
    while "OGC API refused" not in gis["log"].read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    text = gis["log"].read_text()
    assert "apikey=[redacted]" in text and gis["token"] not in text            # logged with the reason, no token


def test_ogrinfo_lists_every_layer_over_oapif_and_reads_features_with_a_token(gis: dict[str, Any]) -> None:
    source = f"OAPIF:{gis['base']}/api/v1/ogc"
    basic = {"GDAL_HTTP_AUTH": "BASIC", "GDAL_HTTP_USERPWD": f"qgis:{gis['token']}"}
    listed = re.findall(r"^\d+: (\w+)", _gdal("ogrinfo", "-ro", "-q", source, env=basic), re.M)
    assert listed == [s for s in SETS if not feature_sets()[s][1].personal]      # people's: never to a token
    expected = _expected(gis["url"], "vessels")
    header = {"GDAL_HTTP_HEADERS": f"Authorization: Bearer {gis['token']}"}
    info = _summary(_gdal("ogrinfo", "-ro", "-so", source, "vessels", env=header))
    assert info["count"] == expected and info["geometry"] == "Point" and info["epsg"] == 4326
    # every feature read page by page (GDAL follows the next links), none twice
    read = json.loads(_gdal("ogr2ogr", "-f", "GeoJSON", "/vsistdout/", source, "vessels", env=basic))
    mmsis = [f["properties"]["mmsi"] for f in read["features"]]
    assert len(mmsis) == len(set(mmsis)) == expected and 412999001 in mmsis
    keyed = _summary(_gdal("ogrinfo", "-ro", "-so", f"{source}?apikey={gis['token']}", "dg_containers"))
    assert keyed["count"] == _expected(gis["url"], "dg_containers")
    stranger = subprocess.run(["ogrinfo", "-ro", "-so", source], capture_output=True, text=True, timeout=60)
    assert stranger.returncode != 0 and "vessels" not in stranger.stdout


def test_ogr2ogr_copies_a_collection_into_a_geopackage(gis: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "dg.gpkg"
    _gdal("ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{gis['base']}/api/v1/ogc", "dg_containers",
          env={"GDAL_HTTP_AUTH": "BASIC", "GDAL_HTTP_USERPWD": f"gis:{gis['token']}"})
    info = _summary(_gdal("ogrinfo", "-ro", "-so", str(out), "dg_containers"))
    assert info["count"] == _expected(gis["url"], "dg_containers") > 0 and info["geometry"] == "Point"
    fields = _gdal("ogrinfo", "-ro", "-so", str(out), "dg_containers")
    assert "container_no: String" in fields and "customs_status" not in fields      # a token sees no holds


def test_paging_bbox_crs_datetime_items_and_queryables(gis: dict[str, Any]) -> None:
    api = f"{gis['base']}/api/v1/ogc"
    seen, url, pages = [], f"{api}/collections/vessels/items?limit=120", 0
    while url:
        status, headers, body = _get(url, _bearer(gis))
        assert status == 200 and headers["content-type"].startswith("application/geo+json")
        doc = json.loads(body)
        seen += [f["id"] for f in doc["features"]]
        url = next((link["href"] for link in doc["links"] if link["rel"] == "next"), None)
        pages += 1
    assert len(seen) == len(set(seen)) == doc["numberMatched"] == _expected(gis["url"], "vessels") and pages == 3
    assert seen == sorted(seen)                                   # in id order, across pages too
    harbour = "119.196,37.19,119.207,37.235"
    inside = json.loads(_get(f"{api}/collections/vessels/items?limit=1000&bbox={harbour}", _bearer(gis))[2])
    points = [shapely.geometry.shape(f["geometry"]) for f in inside["features"]]
    assert points and all(119.196 <= p.x <= 119.207 and 37.19 <= p.y <= 37.235 for p in points)
    # the same box given in Web Mercator, answered in EPSG:4326 (latitude first) and in the port's UTM zone
    merc = ",".join(f"{v:.1f}" for v in Transformer.from_crs(4326, 3857, always_xy=True).transform_bounds(
        119.196, 37.19, 119.207, 37.235))
    status, headers, body = _get(f"{api}/collections/vessels/items?limit=1000&bbox={merc}"
                                 "&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/3857"
                                 "&crs=http://www.opengis.net/def/crs/EPSG/0/4326", _bearer(gis))
    assert headers["content-crs"] == "<http://www.opengis.net/def/crs/EPSG/0/4326>"
    flipped = json.loads(body)["features"]
    assert flipped and all(37 < f["geometry"]["coordinates"][0] < 38 for f in flipped)
    utm = json.loads(_get(f"{api}/collections/berths/items?crs=EPSG:32650", _bearer(gis))[2])["features"]
    metres = [xy for f in utm for xy in f["geometry"]["coordinates"]]
    assert metres and all(200_000 < x < 900_000 and 4_000_000 < y < 4_200_000 for x, y in metres)
    assert _get(f"{api}/collections/vessels/items?crs=EPSG:2000", _bearer(gis))[0] == 400
    # datetime: the replay's instant; the yard an hour ago, before the boxes came
    ago = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    now_doc = json.loads(_get(f"{api}/collections/dg_containers/items", _bearer(gis))[2])
    then = json.loads(_get(f"{api}/collections/dg_containers/items?datetime={ago}", _bearer(gis))[2])
    assert now_doc["numberMatched"] > 0 and then["numberMatched"] == 0
    assert _get(f"{api}/collections/dg_containers/items?datetime={ago}/..", _bearer(gis))[0] == 400
    status, _, body = _get(f"{api}/collections/vessels/items/412999001", _bearer(gis))
    assert status == 200 and json.loads(body)["properties"]["name"] == "AT B09"
    schema = json.loads(_get(f"{api}/collections/vessels/queryables", _bearer(gis))[2])
    assert schema["properties"]["mmsi"] == {"type": "integer"} and "geometry" in schema["properties"]
    landing = json.loads(_get(api, _bearer(gis))[2])
    desc = next(link["href"] for link in landing["links"] if link["rel"] == "service-desc")
    spec = json.loads(_get(desc, _bearer(gis))[2])
    assert spec["openapi"].startswith("3.0") and "/collections/{collectionId}/items" in spec["paths"]
    conformance = json.loads(_get(f"{api}/conformance", _bearer(gis))[2])["conformsTo"]
    assert any(c.endswith("/conf/crs") for c in conformance) and any(c.endswith("/conf/core") for c in conformance)


def test_a_z16_yard_tile_decodes_with_gdals_mvt_driver_with_the_stacks_in_it(gis: dict[str, Any],
                                                                          tmp_path: Path) -> None:
    z, x, y = YARD_TILE
    status, headers, body = _get(f"{gis['base']}/api/v1/ogc/collections/yard_use/tiles/{z}/{x}/{y}.mvt",
                                 _bearer(gis))
    assert status == 200 and headers["content-type"] == "application/vnd.mapbox-vector-tile"
    tile = tmp_path / "yard.mvt"
    tile.write_bytes(body)
    opts = ["-oo", f"Z={z}", "-oo", f"X={x}", "-oo", f"Y={y}"]
    info = _summary(_gdal("ogrinfo", "-ro", "-so", *opts, f"MVT:{tile}", "yard_use"))
    xmin, ymin, xmax, ymax = tile_bbox(z, x, y, buffer=0)
    with psycopg.connect(gis["url"]) as conn:
        stacks = conn.execute("SELECT count(DISTINCT (block_id, bay, row_)) FROM container WHERE state = 'in_yard' "
                              "AND geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)", (xmin, ymin, xmax, ymax)).fetchone()
    assert stacks is not None and info["geometry"] == "Point" and info["epsg"] == 3857
    assert info["count"] is not None and stacks[0] > 100 and stacks[0] <= info["count"] <= stacks[0] * 1.2
    fields = _gdal("ogrinfo", "-ro", "-so", *opts, f"MVT:{tile}", "yard_use")
    assert "height: Integer" in fields and "held" not in fields              # a token sees no customs holds
    every = tmp_path / "all.mvt"
    every.write_bytes(_get(f"{gis['base']}/api/v1/ogc/tiles/{z}/{x}/{y}.mvt", _bearer(gis))[2])
    layers = re.findall(r"^\d+: (\w+)", _gdal("ogrinfo", "-ro", "-q", *opts, f"MVT:{every}"), re.M)
    assert {"yard_use", "yard_blocks", "berths", "cameras"} <= set(layers)


def test_the_gis_surfaces_read_as_the_read_only_role_and_strangers_get_a_challenge(gis: dict[str, Any]) -> None:
    _get(f"{gis['base']}/api/v1/ogc/collections/zones/items", _bearer(gis))
    with psycopg.connect(gis["url"], autocommit=True) as conn:
        users = {r[0] for r in conn.execute("SELECT usename FROM pg_stat_activity WHERE datname = current_database() "
                                            "AND application_name = 'portmap-app-read'").fetchall()}
    assert users == {"portmap_read"}
    for path in ("/api/v1/ogc", "/api/v1/ogc/collections", "/api/v1/ogc/collections/vessels/items",
                 "/api/v1/ogc/tiles/16/54466/25461.mvt"):
        status, headers, body = _get(gis["base"] + path)
        assert status == 401 and headers["www-authenticate"].startswith("Basic"), path
        assert b"mmsi" not in body
    assert _get(f"{gis['base']}/api/v1/ogc/collections?apikey=pm_api_guessed")[0] == 401


def test_an_officers_session_opens_the_ogc_api_as_the_layer_api_and_a_supervisor_sees_the_holds(
        gis: dict[str, Any]) -> None:
    from tests.test_secure_web import _session
    with psycopg.connect(gis["url"], autocommit=True) as conn:
        conn.execute("UPDATE container SET customs_status = 'hold' WHERE container_no = "
                     "(SELECT min(container_no) FROM container WHERE state = 'in_yard')")
    items = f"{gis['base']}/api/v1/ogc/collections/yard_use/items?limit=10000"
    supervisor = json.loads(_get(items, _session(gis["base"], "gissuper"))[2])["features"]
    token = json.loads(_get(items, _bearer(gis))[2])["features"]
    assert len(supervisor) == len(token) > 0
    assert sum(f["properties"]["held"] for f in supervisor) >= 1                   # the supervisor sees the hold
    assert not any("held" in f["properties"] for f in token)                      # a token does not
    schema = json.loads(_get(f"{gis['base']}/api/v1/ogc/collections/yard_use/queryables", _bearer(gis))[2])
    assert "held" not in schema["properties"] and "height" in schema["properties"]


def test_a_cached_yard_tile_is_made_again_when_the_yard_changes(gis: dict[str, Any], tmp_path: Path) -> None:
    z, x, y = YARD_TILE
    url = f"{gis['base']}/api/v1/ogc/collections/yard_use/tiles/{z}/{x}/{y}.mvt"
    opts = ["-oo", f"Z={z}", "-oo", f"X={x}", "-oo", f"Y={y}"]

    def stacks() -> int:
        tile = tmp_path / "yard.mvt"
        tile.write_bytes(_get(url, _bearer(gis))[2])
        count = _summary(_gdal("ogrinfo", "-ro", "-so", *opts, f"MVT:{tile}", "yard_use"))["count"]
        assert count is not None
        return int(count)

    before = stacks()
    assert stacks() == before                                   # served again from the cache, unchanged
    xmin, ymin, xmax, ymax = tile_bbox(z, x, y, buffer=0)
    with psycopg.connect(gis["url"], autocommit=True) as conn:     # a box grounded in an empty slot of the tile
        slot = conn.execute("""SELECT s.block_id, s.bay, s.row_ FROM yard_slot s WHERE s.geom && ST_MakeEnvelope(
                                   %s, %s, %s, %s, 4326) AND NOT EXISTS (SELECT 1 FROM container c WHERE
                                   c.block_id = s.block_id AND c.bay = s.bay AND c.row_ = s.row_)
                               ORDER BY 1, 2, 3 LIMIT 1""", (xmin, ymin, xmax, ymax)).fetchone()
        assert slot is not None
        conn.execute("""INSERT INTO container (container_no, state, port_id, block_id, bay, row_, tier, geom)
                        SELECT 'TGHU3929964', 'in_yard', 'weifang', block_id, bay, row_, 1, ST_Centroid(geom)
                        FROM yard_slot WHERE block_id = %s AND bay = %s AND row_ = %s""", slot)
    try:
        assert stacks() == before + 1                           # the yard's version changed: made again
    finally:
        with psycopg.connect(gis["url"], autocommit=True) as conn:
            conn.execute("DELETE FROM container WHERE container_no = 'TGHU3929964'")
