"""The yard's use and stacks, anchorage occupancy, gates and trucks, camera detections, and the cards a click
opens on them."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from app.cards import camera_card, container_card
from layers import LAYERS, Style, View
from tests.test_layers import add_dg_container, add_vessel

pytestmark = pytest.mark.db
BBOX = (118.70, 36.95, 119.75, 37.65)


def _text(component: Any) -> str:
    """Every string in a Dash component tree."""
    if isinstance(component, str | int | float):
        return str(component)
    children = getattr(component, "children", None)
    if children is None:
        return ""
    if not isinstance(children, list):
        children = [children]
    return " ".join(_text(c) for c in children)


def _box(conn: psycopg.Connection[Any], number: str, block: str, bay: int, row: int, tier: int,
         customs: str = "released") -> None:
    conn.execute("""INSERT INTO container (container_no, iso_type, full_empty, gross_kg, state, port_id, block_id, bay,
                    row_, tier, geom, customs_status) SELECT %s, '22G1', 'F', 18400, 'in_yard', 'weifang', %s, %s, %s,
                    %s, ST_Centroid(geom), %s FROM yard_slot WHERE block_id = %s AND bay = %s AND row_ = %s""",
                 (number, block, bay, row, tier, customs, block, bay, row))


def test_yard_use_colours_blocks_by_utilisation_and_shows_stacks_close_up(conn: psycopg.Connection[Any]) -> None:
    before = LAYERS["yard_use"].query(conn, View(port_id="weifang", bbox=BBOX, zoom=14))
    start = int(before.loc[before["block_id"] == "B03", "containers"].iloc[0])
    _box(conn, "MSCU1234565", "B03", 7, 2, 1)
    _box(conn, "TGHU3929964", "B03", 7, 2, 2, customs="hold")
    add_dg_container(conn, "CSQU3054383", "B03", 7, 3, "3", 1993)
    layer = LAYERS["yard_use"]
    far = layer.query(conn, View(port_id="weifang", bbox=BBOX, zoom=14))
    assert set(far["level"]) == {"block"}                        # no stacks from afar
    assert int(far.loc[far["block_id"] == "B03", "containers"].iloc[0]) == start + 3
    stacks_trace, badges = layer.traces(far, Style(lang="en"))
    assert len(stacks_trace.lon) == 0 and len(badges.lon) == len(far)
    near = layer.query(conn, View(port_id="weifang", bbox=BBOX, zoom=17))
    stacks = near[near["level"] == "stack"].set_index(["block_id", "bay", "row_"])
    assert int(stacks.loc[("B03", 7, 2), "height"]) == 2 and int(stacks.loc[("B03", 7, 2), "held"]) == 1
    assert int(stacks.loc[("B03", 7, 3), "dg"]) == 1
    stacks_trace, _ = layer.traces(near, Style(lang="zh"))
    i = list(stacks_trace.customdata).index("stack:B03-07-02")
    assert "TGHU3929964" in stacks_trace.hovertext[i] and "海关" not in stacks_trace.hovertext[i]   # not shared
    # the yard blocks' own fill follows the same bands
    from layers.yard_use import band_fill
    blocks = LAYERS["yard_blocks"].traces(LAYERS["yard_blocks"].query(conn, View(port_id="weifang", bbox=BBOX)),
                                          Style())
    assert {band_fill(0.0)} <= {t.fillcolor for t in blocks if t.fill == "toself"}


def test_the_stack_card_lists_its_boxes_top_first_and_the_container_card_its_dangerous_goods(
        conn: psycopg.Connection[Any]) -> None:
    _box(conn, "MSCU1234565", "B03", 7, 2, 1)
    _box(conn, "TGHU3929964", "B03", 7, 2, 2, customs="hold")
    card = container_card(conn, "weifang", "en", stack=("B03", 7, 2), customs=True)
    assert card is not None
    text = _text(card)
    assert text.index("TGHU3929964") < text.index("MSCU1234565")        # the top box first
    assert "Stack B03-07-02: 2 boxes" in text and "HOLD" in text and "18.4 t" in text
    hidden = _text(container_card(conn, "weifang", "en", stack=("B03", 7, 2)))
    assert "HOLD" not in hidden and "released" not in hidden and "customs and supervisors only" in hidden
    add_dg_container(conn, "CSQU3054383", "B03", 7, 3, "3", 1993)
    zh = _text(container_card(conn, "weifang", "zh", container_no="CSQU3054383", customs=True))
    assert "UN 1993" in zh and "危险货物" in zh and "待放行" in zh
    assert container_card(conn, "weifang", "en", container_no="ABCU0000000") is None


def test_anchorage_occupancy_counts_the_ships_at_anchor_in_it(conn: psycopg.Connection[Any]) -> None:
    inside = conn.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM zone "
                          "WHERE zone_id = 'anchorage-1') z").fetchone()
    add_vessel(conn, 412000601, "WAITING ONE", 70, inside, age_s=30)           # type: ignore[arg-type]
    conn.execute("UPDATE vessel_latest SET sog_kn = 0.2, nav_status = 1 WHERE mmsi = 412000601")
    add_vessel(conn, 412000602, "PASSING BY", 70, inside, age_s=30)           # type: ignore[arg-type]
    layer = LAYERS["anchorages"]
    gdf = layer.query(conn, View(port_id="weifang", bbox=BBOX)).set_index("zone_id")
    assert int(gdf.loc["anchorage-1", "vessels"]) == 1 and list(gdf.loc["anchorage-1", "names"]) == ["WAITING ONE"]
    trace = layer.traces(gdf.reset_index(), Style(lang="en"))[0]
    i = list(trace.customdata).index("anchorage:anchorage-1")
    assert trace.text[i] == "1" and "WAITING ONE" in trace.hovertext[i] and "stay limit 72 h" in trace.hovertext[i]


def test_gates_count_the_trucks_through_and_inside(conn: psycopg.Connection[Any]) -> None:
    rows = [("T1", "in", "LU-A1234", 50, 1203), ("T2", "in", "LU-B5678", 30, None), ("T3", "out", "LU-A1234", 10, None),
            ("T4", "in", "LU-C9999", 300, None)]               # the last came in five hours ago and is still in
    for tid, direction, plate, minutes, un in rows:
        conn.execute("""INSERT INTO gate_transaction (transaction_id, port_id, gate_id, direction, truck_plate,
                        passed_at, declared_un, source) VALUES (%s, 'weifang', 'gate-container', %s, %s,
                        now() - make_interval(mins => %s), %s, 'test')""", (tid, direction, plate, minutes, un))
    layer = LAYERS["gates"]
    gdf = layer.query(conn, View(port_id="weifang", bbox=BBOX)).set_index("gate_id")
    gate = gdf.loc["gate-container"]
    counts = (int(gate["in_hour"]), int(gate["out_hour"]), int(gate["trucks_inside"]), int(gate["dg_hour"]))
    assert counts == (2, 1, 2, 1)
    assert gate["recent"][0].endswith("out LU-A1234")
    trace = layer.traces(gdf.reset_index(), Style(lang="zh"))[0]
    i = list(trace.customdata).index("gate:gate-container")
    assert "港内卡车 2" in trace.hovertext[i] and trace.marker.color[i] == "#dc2626"


def test_camera_detections_of_the_last_minutes_and_the_camera_card(conn: psycopg.Connection[Any]) -> None:
    from tests.test_alerts import camera_event
    camera_event(conn, "ev-a", "CAM04", "person", ["dg-storage"])
    camera_event(conn, "ev-b", "CAM04", "person", ["dg-storage"])
    camera_event(conn, "ev-c", "CAM04", "truck", ["dg-storage"])
    conn.execute("UPDATE camera_event SET start_at = now() - interval '2 hours', end_at = now() - interval '2 hours' "
                 "WHERE event_id = 'ev-c'")                      # long over: not on the map
    layer = LAYERS["camera_events"]
    gdf = layer.query(conn, View(port_id="weifang", bbox=BBOX))
    mine = gdf[gdf["camera_id"] == "CAM04"]
    assert list(mine["label"]) == ["person"] and int(mine["tracks"].iloc[0]) == 2
    trace = layer.traces(gdf, Style(lang="en"))[0]
    assert any("person</b> × 2 · CAM04" in h for h in trace.hovertext)
    card = _text(camera_card(conn, "weifang", "CAM04", "en"))
    assert card.count("person") == 2 and "truck" in card and "Recent detections" in card
    assert camera_card(conn, "weifang", "NOPE", "en") is None
