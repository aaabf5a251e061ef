"""The vehicles and people layers from rows inserted into a real database: icons by kind and team, heading, trails,
replay; people's positions only for supervisors and the person's own agency (the layer API's frame, the shared
map's and the report's as the least of users: none)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from app import export
from app.auth import User
from layers import LAYERS, Style, View
from layers.vehicles import trails
from portdomain.roles import redact
from tests.conftest import ROOT

pytestmark = pytest.mark.db
NOW = datetime.now(UTC).replace(microsecond=0)
BBOX = (118.70, 36.95, 119.75, 37.65)


def add_vehicle(conn: psycopg.Connection[Any], phone: str, points: list[tuple[float, float]], *, alarm: int = 0,
                plate: str | None = None, kind: str = "container_truck", at: datetime = NOW) -> None:
    if plate:
        conn.execute("INSERT INTO vehicle (terminal_phone, plate, kind) VALUES (%s, %s, %s)", (phone, plate, kind))
    for i, (lon, lat) in enumerate(points):
        observed = at - timedelta(seconds=30 * (len(points) - 1 - i))
        conn.execute("INSERT INTO vehicle_position (terminal_phone, observed_at, received_at, source, geom, speed_kmh, "
                     "direction_deg, alarm) VALUES (%s, %s, %s, 'vehicles:jt808:t', ST_SetSRID(ST_MakePoint(%s, %s), "
                     "4326), 18.5, 90, %s)", (phone, observed, observed, lon, lat, alarm))
    conn.execute("INSERT INTO vehicle_latest SELECT * FROM vehicle_position WHERE terminal_phone = %s "
                 "ORDER BY observed_at DESC LIMIT 1", (phone,))


def add_person(conn: psycopg.Connection[Any], device: str, name: str | None, team: str | None,
               points: list[tuple[float, float]]) -> None:
    if name and team:
        conn.execute("INSERT INTO person (device_id, name, team) VALUES (%s, %s, %s)", (device, name, team))
    for i, (lon, lat) in enumerate(points):
        observed = NOW - timedelta(seconds=60 * (len(points) - 1 - i))
        conn.execute("INSERT INTO person_position (device_id, observed_at, received_at, source, geom, accuracy_m) "
                     "VALUES (%s, %s, %s, 'trackers:http', ST_SetSRID(ST_MakePoint(%s, %s), 4326), 5)",
                     (device, observed, observed, lon, lat))
    conn.execute("INSERT INTO person_latest SELECT * FROM person_position WHERE device_id = %s "
                 "ORDER BY observed_at DESC LIMIT 1", (device,))


def test_vehicles_by_kind_with_heading_trail_and_emergency(conn: psycopg.Connection[Any]) -> None:
    add_vehicle(conn, "13912340001", [(119.180, 37.200), (119.181, 37.200), (119.182, 37.201)], plate="鲁G12345")
    add_vehicle(conn, "13912340002", [(119.190, 37.210)], plate="鲁G119", kind="fire_engine", alarm=1)
    add_vehicle(conn, "13912340003", [(119.195, 37.212)])                           # not in the registry
    add_vehicle(conn, "13912340004", [(119.196, 37.213)], at=NOW - timedelta(hours=1))    # silent an hour: left out
    layer = LAYERS["vehicles"]
    gdf = layer.query(conn, View(port_id="weifang", bbox=BBOX))
    assert list(gdf["terminal_phone"]) == ["13912340001", "13912340002", "13912340003"]
    assert list(gdf["kind"]) == ["container_truck", "fire_engine", "unregistered"]
    assert list(gdf["emergency"]) == [False, True, False]
    lines = trails(gdf)
    assert len(lines) == 1 and len(lines[0].coords) == 3                         # the truck's last 60 s
    traces = layer.traces(gdf, Style(lang="en"))
    assert len(traces) == len(layer.traces(gdf.iloc[:0], Style(lang="en")))      # the same slots, empty or not
    icons = {t.marker.symbol: t for t in traces if t.marker and isinstance(t.marker.symbol, str) and t.lon}
    assert set(icons) == {"vehicle-container_truck", "vehicle-fire_engine", "vehicle-unregistered"}
    assert list(icons["vehicle-container_truck"].marker.angle) == [90]
    assert "鲁G12345" in icons["vehicle-container_truck"].hovertext[0] and "18 km/h" in \
        icons["vehicle-container_truck"].hovertext[0]
    assert list(traces[-1].lon) == [119.19]                                        # the emergency ring
    zh = layer.traces(gdf, Style(lang="zh"))
    assert any("消防车" in (t.hovertext or [""])[0] for t in zh if t.hovertext)
    earlier = layer.query(conn, View(port_id="weifang", bbox=BBOX, at=NOW - timedelta(seconds=15)))   # replay
    assert list(earlier["terminal_phone"]) == ["13912340001"] and earlier["lon"].iloc[0] == pytest.approx(119.181)
    sprite = json.loads((ROOT / "assets" / "sprite" / "portmap.json").read_text())
    assert set(icons) <= set(sprite) and "person-border_boarding" in sprite


def test_people_only_for_supervisors_and_their_own_agency(conn: psycopg.Connection[Any]) -> None:
    add_person(conn, "phone-a1", "Wang Li", "border_boarding", [(119.180, 37.200), (119.1805, 37.2002)])
    add_person(conn, "phone-b2", "Zhao Min", "customs_inspection", [(119.185, 37.205)])
    add_person(conn, "phone-c3", None, None, [(119.186, 37.206)])
    layer = LAYERS["people"]
    view = View(port_id="weifang", bbox=BBOX)
    gdf = layer.query(conn, view)
    assert list(gdf["team"]) == ["border_boarding", "customs_inspection", "unregistered"]
    traces = layer.traces(gdf, Style(lang="en"))
    assert [t.marker.symbol for t in traces[1:] if t.lon] == ["person-border_boarding", "person-customs_inspection",
                                                              "person-unregistered"]
    assert "Wang Li" in traces[1].hovertext[0] and len(trails(gdf)) == 1

    def seen(user: User | None) -> list[str]:
        return list(redact(user, layer.query(conn, view))["device_id"])

    supervisor = User("s", "S", "supervisor", "port", "")
    border = User("b", "B", "officer", "border", "")
    customs = User("c", "C", "officer", "customs", "")
    customs_viewer = User("cv", "CV", "viewer", "customs", "")
    port_officer = User("o", "O", "officer", "port", "")
    assert seen(supervisor) == ["phone-a1", "phone-b2", "phone-c3"]
    assert seen(border) == ["phone-a1"] and seen(customs) == ["phone-b2"]
    assert seen(port_officer) == [] and seen(customs_viewer) == []
    assert seen(None) == []                                   # the shared map, the wall, the situation report
    shared = layer.traces(redact(None, layer.query(conn, view)), Style(lang="en"))
    assert len(shared) == len(traces) and all(not t.lon for t in shared)     # not even a trail
    assert len(trails(redact(border, layer.query(conn, view)))) == 1 and not trails(
        redact(customs, layer.query(conn, view)))               # phone-a1's trail is the border officer's alone
    with pytest.raises(export.ExportError):                  # not a layer GIS clients get, for anyone
        export.layer_frame(conn, "people", view, supervisor)


def _signed_in(app_url: str, username: str) -> Any:
    """An opener holding the session of `username`, signed in through the real login form."""
    import http.cookiejar
    import re
    import urllib.parse
    import urllib.request

    from tests.conftest import PASSWORD

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(f"{app_url}/login", timeout=10).read().decode()
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf, page[:500]
    form = urllib.parse.urlencode({"csrf": csrf.group(1), "username": username, "password": PASSWORD}).encode()
    opener.open(urllib.request.Request(f"{app_url}/login", data=form, headers={"Origin": app_url}), timeout=10)
    return opener


def test_the_layer_api_serves_vehicles_and_never_people(app_url: str, db_url: str, officers: Any) -> None:
    """People's positions are personal data: not served to GIS clients (layer API, OGC, tiles), to no one."""
    import urllib.error
    import urllib.request

    with psycopg.connect(db_url) as conn:
        add_person(conn, "api-bb", "Liu", "border_boarding", [(119.18, 37.20)])
        add_vehicle(conn, "13912349001", [(119.183, 37.203), (119.184, 37.203)], plate="鲁G9001")
        conn.commit()
    try:
        for user in ("super", "duty", "watch"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                _signed_in(app_url, user).open(f"{app_url}/api/v1/layers/people", timeout=10)
            assert refused.value.code in (400, 403, 404), user
            with pytest.raises(urllib.error.HTTPError) as ogc:
                _signed_in(app_url, user).open(f"{app_url}/api/v1/ogc/collections/people/items", timeout=10)
            assert ogc.value.code in (400, 403, 404), user
        vehicles = json.loads(_signed_in(app_url, "watch").open(f"{app_url}/api/v1/layers/vehicles",
                                                                 timeout=10).read())
        [truck] = [f for f in vehicles["features"] if f["properties"]["terminal_phone"] == "13912349001"]
        assert truck["properties"]["plate"] == "鲁G9001" and truck["properties"]["trail"].startswith("LINESTRING")
    finally:
        with psycopg.connect(db_url) as conn:
            for table in ("person_position", "person_latest", "person"):
                conn.execute(f"DELETE FROM {table} WHERE device_id LIKE 'api-%'")
            for table in ("vehicle_position", "vehicle_latest", "vehicle"):
                conn.execute(f"DELETE FROM {table} WHERE terminal_phone = '13912349001'")


def test_a_vehicle_s_card_links_its_gate_passes_containers_and_the_cameras_that_read_its_plate(
        conn: psycopg.Connection[Any]) -> None:
    from app.cards import vehicle_card

    add_vehicle(conn, "13912340001", [(119.180, 37.200)], plate="鲁G12345", alarm=1)
    camera = conn.execute("SELECT camera_id FROM camera WHERE port_id = 'weifang' LIMIT 1").fetchone()[0]  # type: ignore[index]
    gate = conn.execute("SELECT zone_id FROM zone WHERE kind = 'gate' LIMIT 1").fetchone()[0]  # type: ignore[index]
    conn.execute("INSERT INTO gate_transaction (transaction_id, port_id, gate_id, direction, truck_plate, "
                 "container_no, passed_at, source) VALUES ('GT-1', 'weifang', %s, 'in', '鲁g12345', 'MSCU1234565', "
                 "%s, 'test')",
                 (gate, NOW - timedelta(minutes=30)))
    conn.execute("INSERT INTO camera_event (event_id, source, port_id, camera_id, label, sub_label, start_at, raw) "
                 "VALUES ('ev-1', 'test', 'weifang', %s, 'truck', '鲁G12345', %s, '{}')",
                 (camera, NOW - timedelta(minutes=31)))
    card = str(vehicle_card(conn, "weifang", "13912340001", "en"))
    assert "鲁G12345" in card and "container truck" in card and "EMERGENCY BUTTON" in card
    assert "MSCU1234565" in card and gate in card and camera in card
    assert vehicle_card(conn, "weifang", "10000000000", "en") is None
    assert "紧急报警" in str(vehicle_card(conn, "weifang", "13912340001", "zh"))


def test_search_finds_plates_for_all_and_people_with_the_same_permissions(conn: psycopg.Connection[Any]) -> None:
    from app.search import search

    add_vehicle(conn, "13912340001", [(119.180, 37.200)], plate="鲁G12345")
    add_person(conn, "phone-a1", "Wang Li", "border_boarding", [(119.181, 37.201)])
    assert [(h.kind, h.ident) for h in search(conn, "weifang", "g1234")] == [("vehicle", "13912340001")]
    assert [h.kind for h in search(conn, "weifang", "013912340001")] == ["vehicle"]
    supervisor, border = User("s", "S", "supervisor", "port", ""), User("b", "B", "officer", "border", "")
    customs = User("c", "C", "officer", "customs", "")
    assert [(h.kind, h.ident) for h in search(conn, "weifang", "wang", supervisor)] == [("person", "phone-a1")]
    assert [h.ident for h in search(conn, "weifang", "wang", border)] == ["phone-a1"]
    assert search(conn, "weifang", "wang", customs) == [] and search(conn, "weifang", "wang") == []


def test_the_ship_s_card_says_which_team_is_aboard_since_when_to_who_may_see_it(
        conn: psycopg.Connection[Any]) -> None:
    from app.cards import vessel_card
    from tests.test_alerts import vessel

    ship = (119.1905, 37.2105)
    vessel(conn, 413000077, ship, status=5, name="HAI XING 7")
    conn.execute("INSERT INTO person (device_id, name, team) VALUES ('phone-bb', 'Liu', 'border_boarding')")
    walk = [(40, (119.1950, 37.2150)), (30, (119.1906, 37.2105)), (20, (119.1905, 37.2106)), (2, ship)]  # min ago
    for minutes, (lon, lat) in walk:        # ashore 40 min ago, aboard from 30 min ago
        conn.execute("INSERT INTO person_position (device_id, observed_at, received_at, source, geom) VALUES "
                     "('phone-bb', now() - make_interval(mins => %s), now(), 'trackers:http', "
                     "ST_SetSRID(ST_MakePoint(%s, %s), 4326))", (minutes, lon, lat))
    conn.execute("INSERT INTO person_latest SELECT * FROM person_position WHERE device_id = 'phone-bb' "
                 "ORDER BY observed_at DESC LIMIT 1")
    since = conn.execute("SELECT now() - interval '30 minutes'").fetchone()[0]  # type: ignore[index]
    border, customs = User("b", "B", "officer", "border", ""), User("c", "C", "officer", "customs", "")
    card = str(vessel_card(conn, 413000077, "en", border))
    assert f"border boarding team aboard since {since:%H:%M} UTC" in card
    assert "边检登轮组" in str(vessel_card(conn, 413000077, "zh", User("s", "S", "supervisor", "port", "")))
    assert "aboard" not in str(vessel_card(conn, 413000077, "en", customs))
    assert "aboard" not in str(vessel_card(conn, 413000077, "en"))


def test_the_situation_report_has_the_vehicles_by_kind_and_no_people(conn: psycopg.Connection[Any]) -> None:
    from app.report import situation_html

    add_vehicle(conn, "13912340001", [(119.180, 37.200), (119.181, 37.200)], plate="鲁G12345")
    add_vehicle(conn, "13912340002", [(119.190, 37.210)], plate="鲁G119", kind="fire_engine", alarm=1)
    add_person(conn, "phone-a1", "Wang Li", "border_boarding", [(119.180, 37.200)])
    html = situation_html(conn, "weifang", hours=8, lang="en")
    assert "<h2>Vehicles</h2>" in html or ">Vehicles<" in html
    assert "<td>container_truck</td><td>1</td><td>2</td><td>0</td><td>18</td>" in html
    assert "<td>fire_engine</td><td>1</td><td>1</td><td>1</td>" in html
    assert "Wang Li" not in html and "phone-a1" not in html
    assert "紧急报警" in situation_html(conn, "weifang", hours=8, lang="zh")


def test_the_live_map_draws_people_per_personal_scope(conn: psycopg.Connection[Any]) -> None:
    from app import live
    from app.figure import build_figure, port_info
    from portdomain.roles import personal_scope

    add_person(conn, "phone-a1", "Wang Li", "border_boarding", [(119.180, 37.200)])
    add_person(conn, "phone-b2", "Zhao Min", "customs_inspection", [(119.185, 37.205)])
    supervisor, border = User("s", "S", "supervisor", "port", ""), User("b", "B", "officer", "border", "")
    viewer = User("v", "V", "viewer", "border", "")
    assert [personal_scope(u) for u in (supervisor, border, viewer, None)] == ["all", "border", None, None]
    port = port_info(conn, "weifang")
    visible = set(LAYERS)
    _fig, owners = build_figure(conn, port, "en", visible, "http://127.0.0.1/", None)
    slots = [i for i, o in enumerate(owners) if o == "people"]
    assert slots

    def people_drawn(scope: str | None) -> int:
        patch, _client, _n = live.tick(conn, port, None, owners, "en", visible, live.MapView(None, port.zoom),
                                       scope=scope)
        ops = {tuple(op["location"]): op["params"]["value"] for op in patch.to_plotly_json()["operations"]
               if op["operation"] == "Assign" and len(op["location"]) == 2}
        return sum(len(ops[("data", i)].get("lon") or []) for i in slots[1:])      # (slot 0: the trails)

    assert people_drawn("all") == 2 and people_drawn("border") == 1 and people_drawn("customs") == 1
    assert people_drawn(None) == 0
