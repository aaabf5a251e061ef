"""The port-package reader: Weifang reads clean and looks like a port; bad features are refused by reason."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely.geometry import shape

from ingest.errors import PortPackageError
from ingest.port_geometry import LocalCrs
from ingest.port_package import read_package
from tests.conftest import TINYPORT, WEIFANG

pytestmark = pytest.mark.unit

WEIFANG_COUNTS = {"basemap": 3, "zones": 19, "structures": 6, "berths": 17, "yard_blocks": 17, "cameras": 15}


def test_weifang_reads_with_no_refusal_and_exact_counts() -> None:
    package = read_package(WEIFANG)
    assert package.refusals == []
    assert {k: len(v) for k, v in package.features.items()} == WEIFANG_COUNTS
    assert package.config.name.zh == "潍坊港"
    assert package.config.crs == "EPSG:32650"


def test_weifang_has_what_the_issue_asks_for() -> None:
    f = read_package(WEIFANG).features
    zones = [z.kind for z in f["zones"]]
    assert len(f["berths"]) >= 12 and zones.count("anchorage") == 2 and zones.count("gate") >= 3
    assert len(f["yard_blocks"]) >= 8 and len(f["cameras"]) >= 12
    purposes = {z.props.get("purpose") for z in f["zones"] if z.kind == "restricted"}
    assert {"dangerous_goods", "customs_inspection"} <= purposes
    assert all(b.props["name_zh"] and b.props["name_en"] for b in f["berths"])


@pytest.fixture(scope="module")
def weifang_local() -> dict[str, Any]:
    """Weifang's features in metres (UTM 50N), with land as one geometry."""
    package = read_package(WEIFANG)
    crs = LocalCrs.of(package.config.crs)
    local = {kind: {feat.feature_id: (feat, crs.local(feat.geom)) for feat in feats}
             for kind, feats in package.features.items()}
    land = shapely.union_all([g for feat, g in local["basemap"].values() if feat.kind in ("land", "reclaimed")])
    return {"f": local, "land": land, "crs": crs}


def test_quays_are_on_the_waters_edge(weifang_local: dict[str, Any]) -> None:
    land = weifang_local["land"]
    for berth_id, (feat, line) in weifang_local["f"]["berths"].items():
        assert line.distance(land.boundary) < 5, f"{berth_id} quay face is not on the shoreline"
        from ingest.port_geometry import berth_area
        area = weifang_local["crs"].local(berth_area(feat.geom, feat.props["water_side"], 60, weifang_local["crs"]))
        wet = area.difference(land).area / area.area
        assert wet > 0.95, f"{berth_id}: the water side is {wet:.0%} water"


def test_channel_joins_the_anchorages_to_the_basin(weifang_local: dict[str, Any]) -> None:
    zones = weifang_local["f"]["zones"]
    channel = zones["channel"][1]
    assert channel.intersects(zones["turning-basin"][1]) and channel.intersects(zones["harbour"][1])
    assert channel.difference(weifang_local["land"]).area / channel.area > 0.99
    for anchorage in ("anchorage-1", "anchorage-2"):
        geom = zones[anchorage][1]
        assert geom.distance(channel) < 1000, f"{anchorage} is far from the channel"
        assert not geom.intersects(weifang_local["land"])


def test_the_container_yard_is_behind_berths_8_to_10(weifang_local: dict[str, Any]) -> None:
    f = weifang_local["f"]
    quay = shapely.union_all([f["berths"][b][1] for b in ("B08", "B09", "B10")])
    assert quay.length == pytest.approx(560, abs=5)
    blocks = shapely.union_all([g for feat, g in f["yard_blocks"].values()])
    assert weifang_local["land"].contains(blocks)
    assert f["zones"]["t-container"][1].contains(blocks)
    yard = blocks.envelope
    assert 200_000 < yard.area < 300_000  # about 250,000 m2 of yard behind the container berths
    assert quay.distance(blocks) < 150


def test_cameras_stand_on_land_or_on_a_breakwater(weifang_local: dict[str, Any]) -> None:
    structures = shapely.union_all([g for _, g in weifang_local["f"]["structures"].values()])
    for cam_id, (_, point) in weifang_local["f"]["cameras"].items():
        assert point.distance(weifang_local["land"]) < 60 or point.distance(structures) < 60, cam_id


# --- refusals -------------------------------------------------------------------------------------

def _copy_tinyport(tmp_path: Path) -> Path:
    target = tmp_path / "tinyport"
    shutil.copytree(TINYPORT, target)
    return target


def _add(pkg: Path, file: str, feature: dict[str, Any]) -> None:
    path = pkg / f"{file}.geojson"
    doc = json.loads(path.read_text())
    doc["features"].append(feature)
    path.write_text(json.dumps(doc))


def _zone(fid: str | None, ring: list[list[float]], kind: str = "anchorage") -> dict[str, Any]:
    feat: dict[str, Any] = {"type": "Feature", "properties": {"kind": kind, "name_en": "x", "name_zh": "x"},
                            "geometry": {"type": "Polygon", "coordinates": [ring]}}
    if fid:
        feat["id"] = fid
    return feat


SQUARE = [[14.56, 53.43], [14.57, 53.43], [14.57, 53.44], [14.56, 53.44], [14.56, 53.43]]
BAD_ZONES = {
    "unclosed": (SQUARE[:-1], "anchorage", "ring 1 is not closed"),
    "bowtie": ([[14.56, 53.43], [14.57, 53.44], [14.57, 53.43], [14.56, 53.44], [14.56, 53.43]], "anchorage",
               "invalid geometry: Self-intersection"),
    "far-away": ([[15.56, 53.43], [15.57, 53.43], [15.57, 53.44], [15.56, 53.43]], "anchorage",
                 "outside the port bbox"),
    "odd-kind": (SQUARE, "parking_lot", "unknown kind 'parking_lot'"),
    "in-metres": ([[470000, 5920000], [471000, 5920000], [471000, 5921000], [470000, 5920000]], "anchorage",
                  "is not longitude/latitude in degrees"),
    "too-short": ([[14.56, 53.43], [14.57, 53.43], [14.56, 53.43]], "anchorage", "at least 4"),
}


def test_bad_features_are_refused_with_file_id_and_reason_and_good_ones_kept(tmp_path: Path) -> None:
    pkg = _copy_tinyport(tmp_path)
    for fid, (ring, kind, _) in BAD_ZONES.items():
        _add(pkg, "zones", _zone(fid, ring, kind))
    _add(pkg, "zones", _zone(None, SQUARE))                       # missing id
    _add(pkg, "zones", _zone("anch", SQUARE))                     # duplicate id
    _add(pkg, "zones", _zone("good-new", SQUARE))                 # a good one among the bad
    _add(pkg, "cameras", {"type": "Feature", "id": "C9", "properties": {
        "name_en": "x", "name_zh": "x", "bearing_deg": 400, "fov_deg": 60, "range_m": 100},
        "geometry": {"type": "Point", "coordinates": [14.549, 53.443]}})
    _add(pkg, "berths", {"type": "Feature", "id": "Q9", "properties": {
        "name_en": "x", "name_zh": "x", "cargo": "general", "length_m": 100, "water_side": "right"},
        "geometry": {"type": "Point", "coordinates": [14.55, 53.443]}})
    package = read_package(pkg)
    refused = {(r.file, r.feature_id): r.reason for r in package.refusals}
    for fid, (_, _, reason) in BAD_ZONES.items():
        assert reason in refused[("zones.geojson", fid)], (fid, refused[("zones.geojson", fid)])
    assert "missing id" in refused[("zones.geojson", f"#{3 + len(BAD_ZONES)}")]
    assert refused[("zones.geojson", "anch")] == "duplicate id in this file"
    assert "'bearing_deg' = 400 is not a number in [0, 359.999]" in refused[("cameras.geojson", "C9")]
    assert "geometry is Point, expected LineString" in refused[("berths.geojson", "Q9")]
    assert len(package.refusals) == len(BAD_ZONES) + 4
    assert package.ids("zones") == ["anch", "term", "gate", "good-new"]
    assert package.ids("cameras") == ["C1"] and package.ids("berths") == ["Q1"]
    assert str(package.refusals[0]).startswith("zones.geojson: feature unclosed: ring 1 is not closed")


def test_a_file_in_another_crs_is_refused_whole(tmp_path: Path) -> None:
    pkg = _copy_tinyport(tmp_path)
    path = pkg / "zones.geojson"
    doc = json.loads(path.read_text())
    doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32633"}}
    path.write_text(json.dumps(doc))
    package = read_package(pkg)
    assert package.ids("zones") == []
    assert {r.feature_id for r in package.refusals} == {"anch", "term", "gate"}
    assert all("declares CRS urn:ogc:def:crs:EPSG::32633" in r.reason for r in package.refusals)


def test_broken_json_is_refused_and_the_other_files_still_read(tmp_path: Path) -> None:
    pkg = _copy_tinyport(tmp_path)
    (pkg / "cameras.geojson").write_text('{"type": "FeatureCollection", "features": [')
    package = read_package(pkg)
    assert [(r.file, r.feature_id) for r in package.refusals] == [("cameras.geojson", None)]
    assert "not valid GeoJSON" in package.refusals[0].reason
    assert package.ids("berths") == ["Q1"]


def test_a_deeply_nested_or_nul_geojson_file_is_refused_not_a_crash(tmp_path: Path) -> None:
    pkg = _copy_tinyport(tmp_path)
    (pkg / "cameras.geojson").write_bytes(b'{"type": "FeatureCollection", "features": ' + b"[" * 10_000)
    (pkg / "structures.geojson").write_bytes(b'{"type": "FeatureCollection", "features": [], "x": "\x00"}')
    # (a raw NUL byte is never JSON: the file is refused; a \u0000 escape refuses only its own feature, see test_fuzz)
    package = read_package(pkg)
    reasons = {r.file: r.reason for r in package.refusals}
    assert reasons == {"cameras.geojson": "not valid GeoJSON: too_deep: nested 10001 deep (at most 32)",
                       "structures.geojson": "not valid GeoJSON: nul_byte: a NUL byte or \\u0000 escape"}
    assert package.ids("berths") == ["Q1"]
    (pkg / "port.toml").write_text("a = " + "[" * 10_000 + "]" * 10_000 + "\n")
    with pytest.raises(PortPackageError, match="nested too deep"):
        read_package(pkg)


@pytest.mark.parametrize(("edit", "message"), [
    ('crs = "EPSG:32633"', 'crs = "UTM33"'),
    ("bbox = [14.50, 53.42, 14.60, 53.48]", "bbox = [14.60, 53.42, 14.50, 53.48]"),
    ('id = "tinyport"', 'id = "Tiny Port"'),
])
def test_a_bad_port_toml_stops_with_the_field_named(tmp_path: Path, edit: str, message: str) -> None:
    pkg = _copy_tinyport(tmp_path)
    toml = pkg / "port.toml"
    toml.write_text(toml.read_text().replace(edit, message))
    field = message.split(" = ")[0]
    with pytest.raises(PortPackageError, match=rf"port\.toml: {field}: "):
        read_package(pkg)


def test_weifang_geometry_is_valid_everywhere() -> None:
    for feats in read_package(WEIFANG).features.values():
        for feat in feats:
            assert shape(feat.geom).is_valid, feat.feature_id


def test_the_wall_section_is_read_and_an_unknown_view_refused(tmp_path: Path) -> None:
    assert read_package(WEIFANG).config.wall.rotate_s == 20
    pkg = _copy_tinyport(tmp_path)
    toml = pkg / "port.toml"
    toml.write_text(toml.read_text() + '\n[wall]\nrotate_s = 5\nviews = ["overview", "the_bar"]\n')
    with pytest.raises(PortPackageError, match="unknown wall views"):
        read_package(pkg)


# --- the group's other ports: they load with no code change, and hold together as Weifang does ---------------
GROUP_PORTS = ("dongying", "binzhou")


def _local(port: str) -> dict[str, Any]:
    package = read_package(WEIFANG.parent / port)
    assert package.refusals == [], package.refusals
    crs = LocalCrs.of(package.config.crs)
    local = {kind: {feat.feature_id: (feat, crs.local(feat.geom)) for feat in feats}
             for kind, feats in package.features.items()}
    land = shapely.union_all([g for feat, g in local["basemap"].values() if feat.kind in ("land", "reclaimed")])
    return {"f": local, "land": land, "crs": crs, "config": package.config}


@pytest.mark.parametrize("port", GROUP_PORTS)
def test_a_group_port_reads_with_no_refusal_and_holds_together(port: str) -> None:
    p = _local(port)
    f, land = p["f"], p["land"]
    assert p["config"].id == port and p["config"].name.zh.endswith("港")
    assert len(f["berths"]) >= 10 and len(f["cameras"]) >= 8 and len(f["yard_blocks"]) >= 5
    from ingest.port_geometry import berth_area
    jetties = shapely.union_all([g for feat, g in f["structures"].values() if feat.kind == "jetty"])
    for berth_id, (feat, line) in f["berths"].items():
        assert min(line.distance(land.boundary), line.distance(jetties)) < 5, f"{port} {berth_id} is not at a quay"
        area = p["crs"].local(berth_area(feat.geom, feat.props["water_side"], 60, p["crs"]))
        assert area.difference(land).area / area.area > 0.95, f"{port} {berth_id}: its water side is land"
    zones = f["zones"]
    channel = zones["channel"][1]
    assert channel.intersects(zones["harbour"][1]) and channel.difference(land).area / channel.area > 0.99
    for anchorage in ("anchorage-1", "anchorage-2"):
        assert zones[anchorage][1].distance(channel) < 6000 and not zones[anchorage][1].intersects(land)
    blocks = shapely.union_all([g for _, g in f["yard_blocks"].values()])
    assert land.contains(blocks)
    structures = shapely.union_all([g for _, g in f["structures"].values()])
    for cam_id, (_, point) in f["cameras"].items():
        assert point.distance(land) < 60 or point.distance(structures) < 60, f"{port} {cam_id}"
