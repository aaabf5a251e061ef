"""Every map layer: registered, with its SQL and both languages, and drawing Weifang."""

from __future__ import annotations

import importlib
import inspect
import json
import math
import pkgutil
from typing import Any

import plotly.graph_objects as go
import psycopg
import pytest

import layers
from layers import LAYERS, Layer, LayerError, Style, View, get_layer
from layers.vessels import CATEGORIES
from sql import query_text
from tests.conftest import ROOT

pytestmark = pytest.mark.db


def test_every_layer_module_is_registered() -> None:
    classes = []
    for info in pkgutil.iter_modules(layers.__path__):
        module = importlib.import_module(f"layers.{info.name}")
        classes += [c for _, c in inspect.getmembers(module, inspect.isclass)
                    if issubclass(c, Layer) and c is not Layer and c.__module__ == module.__name__]
    assert sorted(c.name for c in classes) == sorted(LAYERS)
    for name, layer in LAYERS.items():
        assert layer.name == name
        assert layer.title["en"] and layer.title["zh"]
        assert query_text(layer.sql)


def test_an_unknown_layer_fails_loudly() -> None:
    with pytest.raises(LayerError, match="unknown layer 'vesels'"):
        get_layer("vesels")


@pytest.mark.parametrize("name", list(LAYERS))
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_each_layer_draws_weifang(conn: psycopg.Connection[Any], name: str, lang: str) -> None:
    layer = LAYERS[name]
    if name == "vessels":
        add_vessel(conn, 412000001, "ZHONG GU JI NAN", 71, (119.25, 37.40), age_s=30)
    if name == "berth_occupancy":
        alongside = conn.execute("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_PointOnSurface(area) c FROM berth "
                                 "WHERE berth_id = 'B09') b").fetchone()
        add_vessel(conn, 412000001, "ZHONG GU JI NAN", 71, alongside, age_s=30)     # type: ignore[arg-type]
        conn.execute("UPDATE vessel_latest SET sog_kn = 0 WHERE mmsi = 412000001")
    if name == "aton":
        conn.execute("INSERT INTO aton (mmsi, name, aid_type, virtual_aid, off_position, geom, observed_at, source) "
                     "VALUES (994121001, 'WEIFANG FAIRWAY', 22, false, true, "
                     "ST_SetSRID(ST_MakePoint(119.2625, 37.49), 4326), now(), 'test')")
    if name == "tracks":
        add_track(conn, 412000001, [(119.25, 37.40), (119.251, 37.401), (119.252, 37.402)], minutes_ago=[10, 5, 1])
    if name == "dg_containers":
        add_dg_container(conn, "CSQU3054383", "D01", 3, 2, "3", 1993)
    if name == "alerts":
        add_alert(conn, "speeding:412000001", "warning", (119.25, 37.40))
    if name == "direct_delivery":          # a direct pickup planned: waiting on board at her berth
        conn.execute("INSERT INTO direct_delivery (plan_id, port_id, container_no, direction, berth_id, planned_at, "
                     "source) VALUES ('L1', 'weifang', 'CSQU3054383', 'discharge', 'B09', now(), 'test')")
    if name == "camera_events":
        from tests.test_alerts import camera_event
        camera_event(conn, "ev-layer", "CAM04", "person", ["dg-storage"])
    if name == "vehicles":
        from tests.test_trackers_layers import add_vehicle
        add_vehicle(conn, "13912348001", [(119.180, 37.200), (119.181, 37.200)], plate="鲁G80001")
    if name == "people":
        from tests.test_trackers_layers import add_person
        add_person(conn, "layer-phone-1", "Li Na", "port_patrol", [(119.20, 37.21), (119.201, 37.211)])
    gdf = layer.query(conn, View(port_id="weifang", bbox=(118.70, 36.95, 119.75, 37.65), lang=lang))
    assert len(gdf) > 0 and gdf.crs == "EPSG:4326"
    traces = layer.traces(gdf, Style(lang=lang))
    assert traces and all(isinstance(t, go.Scattermap) for t in traces)
    points = [v for t in traces for v in numbers(t.lat) if v is not None]
    assert points and all(36.95 <= v <= 37.65 and not math.isnan(v) for v in points)
    hovers = [h for t in traces for h in (t.hovertext or (t.text if t.hovertemplate else None) or ())]
    if lang == "zh" and hovers:
        assert any("\u4e00" <= ch <= "\u9fff" for h in hovers for ch in h)


def numbers(values: Any) -> list[float]:
    """A trace's coordinates, also when sent as a plotly.js typed array (base64)."""
    if isinstance(values, dict):
        import base64

        import numpy as np
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype="<" + values["dtype"]).tolist()
    return list(values or ())


def test_the_bbox_filters_features(conn: psycopg.Connection[Any]) -> None:
    # a box around the container terminal holds its yard blocks and none of the chemical terminal
    view = View(port_id="weifang", bbox=(119.185, 37.200, 119.195, 37.210))
    blocks = set(LAYERS["yard_blocks"].query(conn, view)["block_id"])
    assert {"A01", "B06", "D01"} <= blocks
    cameras = set(LAYERS["cameras"].query(conn, view)["camera_id"])
    assert "CAM09" not in cameras and "CAM04" in cameras


def add_vessel(conn: psycopg.Connection[Any], mmsi: int, name: str, ship_type: int, at: tuple[float, float],
               age_s: float) -> None:
    conn.execute("INSERT INTO vessel (mmsi, name, ship_type, dim_a_m, dim_b_m, dim_c_m, dim_d_m) "
                 "VALUES (%s, %s, %s, 150, 20, 12, 12)", (mmsi, name, ship_type))
    conn.execute("""INSERT INTO vessel_latest (mmsi, observed_at, received_at, source, msg_type, geom, sog_kn, cog_deg,
                    nav_status) VALUES (%s, now() - make_interval(secs => %s), now(), 'test', 1,
                    ST_SetSRID(ST_MakePoint(%s, %s), 4326), 11.5, 201, 0)""", (mmsi, age_s, *at))


def test_vessels_are_rotated_icons_by_type_with_hulls_and_names_close_up_and_stale_ones_left_out(
        conn: psycopg.Connection[Any]) -> None:
    add_vessel(conn, 412000002, "HUA HAI HUA 6", 80, (119.26, 37.34), age_s=20)      # a tanker
    add_vessel(conn, 413000003, "MIN YU 5001", 30, (119.10, 37.40), age_s=60)         # a fishing boat
    add_vessel(conn, 413000004, "LONG GONE", 70, (119.30, 37.50), age_s=3 * 3600)     # silent for hours
    layer = LAYERS["vessels"]
    gdf = layer.query(conn, View(port_id="weifang", bbox=(118.70, 36.95, 119.75, 37.65)))
    assert sorted(gdf["mmsi"]) == [412000002, 413000003]
    *hulls, en, labels = layer.traces(gdf, Style(lang="en"))
    zh = layer.traces(gdf, Style(lang="zh"))[-2]
    icons = dict(zip(en.customdata, en.marker.symbol, strict=True))
    assert icons == {412000002: "vessel-tanker", 413000003: "vessel-fishing"}     # both under way at 11.5 kn
    assert list(en.marker.angle and numbers(en.marker.angle)) == [201, 201]     # rotated by course (no heading)
    assert en.marker.allowoverlap and "%{text}" in en.hovertemplate
    assert "HUA HAI HUA 6" in en.text[0] and "Tanker" in en.text[0] and "MMSI 412000002" in en.text[0]
    assert "油轮" in zh.text[0] and "渔船" in zh.text[1]
    sprite = json.loads((ROOT / "assets" / "sprite" / "portmap.json").read_text())
    assert {f"vessel-{c}{s}" for c in CATEGORIES for s in ("", "-still")} <= set(sprite)
    assert all(not h.lon for h in hulls) and not labels.text                     # zoom 11: icons only
    *near_hulls, _, near_labels = layer.traces(gdf, Style(lang="en", zoom=14))
    assert sum(list(h.lon).count(None) for h in near_hulls) == 2 and list(near_labels.text) == [
        "HUA HAI HUA 6", "MIN YU 5001"]


def add_alert(conn: psycopg.Connection[Any], key: str, severity: str, at: tuple[float, float],
              state: str = "open") -> None:
    conn.execute("""INSERT INTO alert (port_id, rule, severity, subject_kind, subject_id, dedup_key, geom, evidence_at,
                    title_en, title_zh, details, state) VALUES ('weifang', split_part(%s, ':', 1), %s, 'vessel', '1',
                    %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326), now(), 'Speeding 14 kn', '超速 14 节',
                    '{"score": 42.5, "factors": [{"name": "severity", "points": 30, "why": "warning"}],
                      "cameras": ["CAM11"]}', %s)""", (key, severity, key, *at, state))


def test_live_alerts_are_drawn_worst_first_and_resolved_ones_are_not(conn: psycopg.Connection[Any]) -> None:
    add_alert(conn, "speeding:1", "warning", (119.25, 37.40))
    add_alert(conn, "fire_near_dg:ev1", "critical", (119.19, 37.204))
    add_alert(conn, "speeding:2", "warning", (119.26, 37.41), state="resolved")
    layer = LAYERS["alerts"]
    gdf = layer.query(conn, View(port_id="weifang", bbox=(118.70, 36.95, 119.75, 37.65)))
    assert list(gdf["severity"]) == ["critical", "warning"]
    en, zh = layer.traces(gdf, Style(lang="en"))[0], layer.traces(gdf, Style(lang="zh"))[0]
    assert en.marker.color[0] != en.marker.color[1]
    assert "risk score 42.5" in en.hovertext[1] and "CAM11" in en.hovertext[1]
    assert "超速" in zh.hovertext[1] and "风险评分" in zh.hovertext[1]


def add_dg_container(conn: psycopg.Connection[Any], number: str, block: str, bay: int, row: int, cls: str,
                     un: int) -> None:
    conn.execute("""INSERT INTO container (container_no, state, port_id, block_id, bay, row_, tier, geom,
                    customs_status) SELECT %s, 'in_yard', 'weifang', %s, %s, %s, 1, ST_Centroid(geom), 'pending'
                    FROM yard_slot WHERE block_id = %s AND bay = %s AND row_ = %s""",
                 (number, block, bay, row, block, bay, row))
    conn.execute("""INSERT INTO hazmat_declaration (declaration_id, subject_kind, subject_id, un_number, imdg_class,
                    declared_at, source) VALUES (%s, 'container', %s, %s, %s, now(), 'test')""",
                 (f"D-{number}", number, un, cls))


def test_dangerous_goods_are_coloured_by_class(conn: psycopg.Connection[Any]) -> None:
    add_dg_container(conn, "CSQU3054383", "D01", 3, 2, "3", 1993)
    add_dg_container(conn, "TGHU3929964", "D01", 3, 3, "8", 1830)
    layer = LAYERS["dg_containers"]
    gdf = layer.query(conn, View(port_id="weifang", bbox=(118.70, 36.95, 119.75, 37.65)))
    trace = layer.traces(gdf, Style(lang="zh"))[0]
    colours = dict(zip(gdf["container_no"], trace.marker.color, strict=True))
    assert colours["CSQU3054383"] != colours["TGHU3929964"]
    assert "易燃液体" in trace.hovertext[0] and "UN 1993" in trace.hovertext[0]


def add_track(conn: psycopg.Connection[Any], mmsi: int, points: list[tuple[float, float]],
              minutes_ago: list[float]) -> None:
    conn.execute("SELECT ensure_position_partition(d::date) FROM generate_series(now() - interval '2 days', now(), "
                 "'1 day') d")
    for (lon, lat), ago in zip(points, minutes_ago, strict=True):
        conn.execute("""INSERT INTO vessel_position (mmsi, observed_at, received_at, source, msg_type, geom)
                        VALUES (%s, now() - make_interval(mins => %s), now(), 'test', 1,
                                ST_SetSRID(ST_MakePoint(%s, %s), 4326))""", (mmsi, ago, lon, lat))


def test_tracks_show_the_last_minutes_of_all_and_a_day_of_the_selected_vessel(conn: psycopg.Connection[Any]) -> None:
    add_track(conn, 412000011, [(119.25, 37.40), (119.26, 37.41)], minutes_ago=[10, 2])
    add_track(conn, 412000012, [(119.30, 37.45), (119.31, 37.47), (119.32, 37.47)], minutes_ago=[600, 300, 3])
    layer = LAYERS["tracks"]
    bbox = (118.70, 36.95, 119.75, 37.65)
    plain = layer.query(conn, View(port_id="weifang", bbox=bbox))
    assert set(plain["mmsi"]) == {412000011} and not plain["selected"].any()      # 412000012: one point in 15 min
    chosen = layer.query(conn, View(port_id="weifang", bbox=bbox, filters={"mmsi": 412000012}))
    mine = chosen[chosen["selected"]]
    assert list(mine["mmsi"]) == [412000012] and int(mine["points"].iloc[0]) == 3
    thin, bold = layer.traces(chosen, Style())
    assert bold.line.width > thin.line.width and len([v for v in bold.lon if v is not None]) == 3


def test_berth_occupancy_marks_the_berth_a_stopped_ship_lies_at_and_not_one_passing(
        conn: psycopg.Connection[Any]) -> None:
    spots = dict(conn.execute("SELECT berth_id, ARRAY[ST_X(c), ST_Y(c)] FROM (SELECT berth_id, "
                              "ST_PointOnSurface(area) c FROM berth WHERE berth_id IN ('B09', 'B10')) b").fetchall())
    add_vessel(conn, 412000021, "AT B09", 71, tuple(spots["B09"]), age_s=30)         # type: ignore[arg-type]
    add_vessel(conn, 412000022, "PASSING B10", 71, tuple(spots["B10"]), age_s=30)    # type: ignore[arg-type]
    conn.execute("UPDATE vessel_latest SET sog_kn = 0 WHERE mmsi = 412000021")      # the other makes 11.5 kn
    gdf = LAYERS["berth_occupancy"].query(conn, View(port_id="weifang", bbox=(118.70, 36.95, 119.75, 37.65)))
    assert list(gdf["berth_id"]) == ["B09"] and list(gdf["vessel"]) == ["AT B09"]
    hover = LAYERS["berth_occupancy"].traces(gdf, Style(lang="zh"))[1].hovertext[0]
    assert "占用" in hover and "AT B09" in hover


def test_the_berth_shows_the_cargo_work_of_the_ship_alongside_as_a_progress_bar(conn: psycopg.Connection[Any]) -> None:
    spot = conn.execute("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_PointOnSurface(area) c FROM berth "
                        "WHERE berth_id = 'B09') b").fetchone()
    add_vessel(conn, 412000023, "WORK TRADER", 71, tuple(spot), age_s=30)          # type: ignore[arg-type]
    conn.execute("UPDATE vessel_latest SET sog_kn = 0 WHERE mmsi = 412000023")
    moves = [("expected_discharge", 300)] * 4 + [("discharge", 40), ("discharge", 20), ("load", 10)]
    for i, (kind, minutes_ago) in enumerate(moves):
        conn.execute("INSERT INTO container_move (move_id, container_no, kind, moved_at, vessel_voyage, source) "
                     "VALUES (%s, %s, %s, now() - make_interval(mins => %s), 'WORK TRADER/7W', 'test')",
                     (f"w{i}", f"WRKU{1000000 + (i if i < 4 else i - 4):07d}", kind, minutes_ago))
    layer = LAYERS["berth_occupancy"]
    gdf = layer.query(conn, View(port_id="weifang", bbox=(118.70, 36.95, 119.75, 37.65)))
    row = gdf[gdf["mmsi"] == 412000023].iloc[0]
    assert (row["planned_discharge"], row["discharged"], row["loaded"], row["moves_last_hour"]) == (4, 2, 1, 3)
    labels = layer.traces(gdf, Style())[1]
    i = list(gdf["mmsi"]).index(412000023)
    assert labels.text[i] == "▰▰▰▰▱▱▱▱ 50%"
    assert "discharged 2/4, loaded 1, 3 moves in the last hour" in labels.hovertext[i]


def test_reference_layers_become_style_features_with_their_colours_and_keep_their_labels(
        conn: psycopg.Connection[Any]) -> None:
    from app.mapstyle import offline_style, style_features
    view = View(port_id="weifang", bbox=(118.70, 36.95, 119.75, 37.65))
    zones = LAYERS["zones"]
    gdf = zones.query(conn, view)
    collection, kept = style_features(zones.traces(gdf, Style()))
    polygons = [f for f in collection["features"] if f["geometry"]["type"] == "Polygon"]
    assert len(polygons) == sum(len(_rings_of(g)) for g in gdf.geometry)
    assert all(p["geometry"]["coordinates"][0][0] == p["geometry"]["coordinates"][0][-1] for p in polygons)
    assert {f["properties"]["line"] for f in polygons} >= {"#dc2626", "#7e22ce"}       # restricted, anchorage
    assert len(kept) == 1 and kept[0].mode == "markers+text" and kept[0].hovertext    # names keep their hover
    style = offline_style("http://127.0.0.1:8050/", [("zones", collection, False)])
    assert style["sources"]["zones"]["data"] is collection
    assert [(x["id"], x["layout"]["visibility"]) for x in style["layers"][1:]] == [
        ("zones-fill", "none"), ("zones-line", "none")]
    assert style["sprite"] == "http://127.0.0.1:8050/assets/sprite/portmap"


def _rings_of(geom: Any) -> list[Any]:
    polys = [geom] if geom.geom_type == "Polygon" else list(geom.geoms)
    return [r for p in polys for r in (p.exterior, *p.interiors)]
