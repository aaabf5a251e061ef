"""The layer API: `GET /api/v1/layers/<name>` as GeoJSON, GeoPackage and CSV, read back with geopandas, for
signed-in officers only."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import geopandas as gpd
import pandas as pd
import psycopg
import pytest

from tests.conftest import sign_in

pytestmark = pytest.mark.browser
BOXES = ["CSQU3054383", "TGHU3929964", "MSCU1234565"]


@pytest.fixture()
def api(browser: Any, app_url: str, officers: dict[str, Any], db_url: str) -> Iterator[Any]:
    """An officer's signed-in request context, with three dangerous-goods boxes in D01."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        for i, number in enumerate(BOXES):
            conn.execute("""INSERT INTO container (container_no, state, port_id, block_id, bay, row_, tier, geom,
                            customs_status) SELECT %s, 'in_yard', 'weifang', 'D01', 2, %s, 1, ST_Centroid(geom),
                            'hold' FROM yard_slot WHERE block_id = 'D01' AND bay = 2 AND row_ = %s
                            ON CONFLICT DO NOTHING""", (number, i + 1, i + 1))
            conn.execute("""INSERT INTO hazmat_declaration (declaration_id, subject_kind, subject_id, un_number,
                            imdg_class, declared_at, source) VALUES (%s, 'container', %s, 1993, '3', now(), 'test')
                            ON CONFLICT DO NOTHING""", (f"D-api-{number}", number))
    context = browser.new_context()
    pg = context.new_page()
    sign_in(pg, app_url, "duty")
    yield context.request
    context.close()
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("DELETE FROM hazmat_declaration WHERE declaration_id LIKE 'D-api-%'")
        conn.execute("DELETE FROM container WHERE container_no = ANY(%s)", (BOXES,))


def test_a_layer_as_geojson_geopackage_and_csv_reads_back_with_its_features_and_crs(api: Any, app_url: str,
                                                                                    tmp_path: Any) -> None:
    url = f"{app_url}/api/v1/layers/dg_containers"
    geojson = api.get(url)
    assert geojson.status == 200 and geojson.headers["content-type"].startswith("application/geo+json")
    gdf = gpd.read_file(io.BytesIO(geojson.body()))
    assert set(BOXES) <= set(gdf["container_no"]) and gdf.crs.to_epsg() == 4326
    gpkg = api.get(url + "?format=gpkg")
    assert gpkg.status == 200
    (tmp_path / "dg.gpkg").write_bytes(gpkg.body())
    back = gpd.read_file(tmp_path / "dg.gpkg", layer="dg_containers")
    assert len(back) == len(gdf) and back.crs.to_epsg() == 4326 and set(BOXES) <= set(back["container_no"])
    csv = pd.read_csv(io.BytesIO(api.get(url + "?format=csv").body()))
    assert len(csv) == len(gdf) and csv["wkt"].str.startswith("POINT").all()
    # a bbox that holds none of them, and the yard an hour ago, before they came (a replay)
    away = gpd.read_file(io.BytesIO(api.get(url + "?bbox=119.30,37.40,119.31,37.41").body()))
    assert len(away) == 0
    before = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    then = json.loads(api.get(f"{url}?at={before}").body())
    assert not set(BOXES) & {f["properties"]["container_no"] for f in then["features"]}
    blocks = json.loads(api.get(f"{app_url}/api/v1/layers/yard_blocks?lang=zh").body())
    assert blocks["type"] == "FeatureCollection" and len(blocks["features"]) == 17
    assert any(f["properties"]["name_zh"] for f in blocks["features"])


def test_bad_requests_get_a_reason_and_strangers_get_nothing(api: Any, app_url: str) -> None:
    for query, why in [("layers/no_such_layer", "unknown layer"), ("layers/vessels?format=shp", "format"),
                       ("layers/vessels?bbox=1,2,3", "bbox"), ("layers/vessels?at=yesterday", "ISO 8601"),
                       ("layers/vessels?at=2999-01-01T00:00:00Z", "future")]:
        resp = api.get(f"{app_url}/api/v1/{query}")
        assert resp.status == 400 and why in resp.json()["error"], query
    with pytest.raises(urllib.error.HTTPError) as err:            # no session: 401, no data
        urllib.request.urlopen(f"{app_url}/api/v1/layers/vessels")
    assert err.value.code == 401


def test_the_situation_report_downloads_as_pdf_and_html_and_is_audited(api: Any, app_url: str, db_url: str) -> None:
    pdf = api.get(f"{app_url}/report?format=pdf&hours=2")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.body()[:5] == b"%PDF-"
    page = api.get(f"{app_url}/report?format=html&lang=zh")
    assert page.status == 200 and "态势报告" in page.text() and "CSQU3054383" not in page.text()  # boxes, not listed
    assert "D01" in page.text()                                   # the dangerous goods by block
    assert api.get(f"{app_url}/report?format=docx").status == 400
    with psycopg.connect(db_url, autocommit=True) as conn:
        done = conn.execute("SELECT count(*) FROM audit_log WHERE action = 'report' AND actor = 'duty'").fetchone()
    assert done is not None and done[0] >= 2


def test_an_incident_report_downloads_for_an_alert(api: Any, app_url: str, db_url: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        alert_id = conn.execute("""INSERT INTO alert (port_id, rule, severity, subject_kind, subject_id, dedup_key,
                                   geom, evidence_at, title_en, title_zh, state, resolved_at) VALUES ('weifang',
                                   'test_report', 'warning', 'vessel', '1', 'test:incident',
                                   ST_SetSRID(ST_MakePoint(119.19, 37.204), 4326), now(), 'Test incident', '测试事件',
                                   'resolved', now()) RETURNING alert_id""").fetchone()[0]  # type: ignore[index]
    page = api.get(f"{app_url}/report/incident/{alert_id}?format=html")
    assert page.status == 200 and "Test incident" in page.text() and "<svg" in page.text()
    assert api.get(f"{app_url}/report/incident/{alert_id}").body()[:5] == b"%PDF-"
    assert api.get(f"{app_url}/report/incident/99999999").status == 404
