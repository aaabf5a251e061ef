"""The map shell in Debian's headless Chromium: drawn, offline, no console errors, toggles, 中文."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

import pytest

from layers import LAYERS
from tests.conftest import ARTIFACTS, sign_in, wait_idle

pytestmark = pytest.mark.browser

GRAPH = "document.querySelector('#map .js-plotly-plot')"


class PageLog:
    def __init__(self) -> None:
        self.requests: list[str] = []
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.glyphs: list[int] = []


@pytest.fixture()
def page(browser: Any, app_url: str, officers: dict[str, Any]) -> Iterator[tuple[Any, PageLog]]:
    log = PageLog()
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = context.new_page()

    def route(r: Any) -> None:
        host = urlparse(r.request.url).hostname
        if r.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            r.continue_()
        else:
            log.outside.append(r.request.url)
            r.abort()

    pg.route("**/*", route)
    pg.on("request", lambda req: log.requests.append(req.url))
    pg.on("console", lambda msg: log.errors.append(msg.text) if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: log.errors.append(str(exc)))
    pg.on("response", lambda resp: log.glyphs.append(resp.status) if "/glyphs/" in resp.url else None)
    sign_in(pg, app_url, "duty")
    pg.wait_for_selector("body[data-map-loaded=true]", timeout=60_000)
    yield pg, log
    context.close()


def _layer_visibility(pg: Any) -> dict[str, list[bool]]:
    """Per layer, whether each of its parts is shown: its Plotly traces and its MapLibre style layers."""
    return dict(pg.evaluate(f"""() => {{
        const out = {{}};
        for (const t of {GRAPH}.data) {{ (out[t.meta.layer] ||= []).push(t.visible !== false); }}
        const map = {GRAPH}._fullLayout.map._subplot.map;
        for (const l of map.getStyle().layers) {{
            const name = l.metadata && l.metadata['portmap:layer'];
            if (name) (out[name] ||= []).push(map.getLayoutProperty(l.id, 'visibility') !== 'none');
        }}
        return out; }}"""))


def test_the_map_draws_weifang_offline_without_errors(page: tuple[Any, PageLog]) -> None:
    pg, log = page
    assert "Port of Weifang" in pg.text_content("#title")
    visible = _layer_visibility(pg)
    assert set(visible) == set(LAYERS)
    assert all(all(v) for v in visible.values())
    # MapLibre really drew the layers: rendered features in view, and labels from our own glyphs
    rendered = pg.evaluate(f"() => {GRAPH}._fullLayout.map._subplot.map.queryRenderedFeatures().length")
    assert rendered > 20
    pg.wait_for_function("() => document.body.dataset.mapLoaded === 'true'")
    assert log.glyphs and all(status == 200 for status in log.glyphs)
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / "map-en.png"))
    assert log.outside == [], f"requests left 127.0.0.1: {log.outside}"
    assert all(urlparse(u).hostname == "127.0.0.1" for u in log.requests if u.startswith("http"))
    assert log.errors == []


def test_a_layer_toggle_hides_and_shows_its_traces(page: tuple[Any, PageLog]) -> None:
    pg, log = page
    pg.get_by_label("Cameras").uncheck()
    pg.wait_for_function(f"() => {GRAPH}.data.filter(t => t.meta.layer === 'cameras')"
                         ".every(t => t.visible === false)")
    pg.wait_for_function(f"() => {GRAPH}._fullLayout.map._subplot.map.getLayoutProperty('cameras-fill', "
                         "'visibility') === 'none'")          # the cones, drawn in the map's style
    visible = _layer_visibility(pg)
    assert not any(visible["cameras"]) and all(visible["berths"])
    pg.get_by_label("Cameras").check()
    pg.wait_for_function(f"() => {GRAPH}.data.filter(t => t.meta.layer === 'cameras')"
                         ".every(t => t.visible === true)")
    pg.get_by_label("Basemap").uncheck()            # drawn in the map's style, not as traces
    pg.wait_for_function(f"() => {GRAPH}._fullLayout.map._subplot.map.getLayoutProperty('basemap-fill', "
                         "'visibility') === 'none'")
    assert not any(_layer_visibility(pg)["basemap"]) and all(_layer_visibility(pg)["zones"])
    pg.get_by_label("Basemap").check()
    pg.wait_for_function(f"() => {GRAPH}._fullLayout.map._subplot.map.getLayoutProperty('basemap-fill', "
                         "'visibility') === 'visible'")
    assert log.errors == []


def test_the_language_switch_shows_chinese(page: tuple[Any, PageLog]) -> None:
    pg, log = page
    pg.get_by_label("Yard blocks").uncheck()      # a hidden layer stays hidden across the switch
    pg.get_by_label("中文").check()
    pg.wait_for_function("() => document.querySelector('#title').textContent.includes('潍坊港')")
    assert pg.get_by_label("摄像机", exact=True).is_checked()
    assert pg.get_attribute("#search", "placeholder") == "MMSI、IMO、船名、呼号、箱号、车牌"
    assert not pg.get_by_label("堆场箱区").is_checked()
    assert not any(_layer_visibility(pg)["yard_blocks"])
    pg.wait_for_function(f"() => {GRAPH}.data.filter(t => t.meta.layer === 'berths').at(-1)"
                         ".hovertext[0].includes('泊位')")          # the figure is redrawn after the title
    pg.wait_for_selector("body[data-map-loaded=true]")
    pg.screenshot(path=str(ARTIFACTS / "map-zh.png"))
    assert log.outside == [] and log.errors == []


def test_the_page_font_and_glyphs_are_served_by_the_app(app_url: str, officers: Any) -> None:
    import urllib.error
    import urllib.request

    from tests.test_secure_web import _session
    with urllib.request.urlopen(f"{app_url}/assets/fonts/NotoSansSC-Regular-subset.woff2") as resp:
        assert resp.status == 200 and resp.read(4) == b"wOF2"        # the login page's font: open
    glyphs = f"{app_url}/glyphs/Any%20Font/40960-41215.pbf"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(glyphs)
    assert refused.value.code == 401                                 # the map's: behind the login (issue 24)
    with urllib.request.urlopen(urllib.request.Request(glyphs, headers=_session(app_url, "duty"))) as resp:
        assert resp.status == 200 and resp.read() == b""   # a range we lack: empty, valid, no 404


def click_map(pg: Any, lon: float, lat: float) -> None:
    """Click the map where (lon, lat) is drawn now."""
    x, y = pg.evaluate(f"""() => {{ const gd = {GRAPH}; const p = gd._fullLayout.map._subplot.map
                                    .project([{lon}, {lat}]); const r = gd.getBoundingClientRect();
                                    return [r.left + p.x, r.top + p.y]; }}""")
    pg.mouse.click(x, y)


def live_vessel(conn: Any, mmsi: int, name: str, at: tuple[float, float], **static: Any) -> None:
    """A vessel heard now (8.5 kn, 200°, under way), committed so that the app sees her."""
    columns = ", ".join(["mmsi", "name", *static])
    conn.execute(f"INSERT INTO vessel ({columns}) VALUES ({', '.join(['%s'] * (2 + len(static)))}) "
                 "ON CONFLICT DO NOTHING", (mmsi, name, *static.values()))
    conn.execute("""INSERT INTO vessel_latest (mmsi, observed_at, received_at, source, msg_type, geom, sog_kn, cog_deg,
                    nav_status) VALUES (%s, now(), now(), 'test', 1, ST_SetSRID(ST_MakePoint(%s, %s), 4326), 8.5, 200,
                    0) ON CONFLICT (mmsi) DO UPDATE SET observed_at = now()""", (mmsi, *at))


def test_search_finds_a_vessel_and_a_container_and_flies_the_map_there(page: tuple[Any, PageLog],
                                                                       db_url: str) -> None:
    import psycopg
    pg, log = page
    with psycopg.connect(db_url, autocommit=True) as conn:
        live_vessel(conn, 412777001, "HAI XUN 0917", (119.31, 37.45), call_sign="BSRX", imo=9417001)
        conn.execute("""INSERT INTO container (container_no, state, port_id, block_id, bay, row_, tier, geom)
                        SELECT 'CSQU3054383', 'in_yard', 'weifang', 'B03', 7, 2, 1, ST_Centroid(geom) FROM yard_slot
                        WHERE block_id = 'B03' AND bay = 7 AND row_ = 2 ON CONFLICT DO NOTHING""")
    try:
        centre = (f"() => {{ const m = {GRAPH}._fullLayout.map._subplot.map; "
                  "return [m.getCenter().lng, m.getCenter().lat]; }")
        box = pg.locator("#search")
        box.fill("hai xun")
        box.press("Enter")
        pg.wait_for_selector("#hit-vessel-412777001")
        pg.wait_for_function(f"() => Math.abs(({centre})()[0] - 119.31) < 0.01")
        assert pg.evaluate(centre)[1] == pytest.approx(37.45, abs=0.01)
        box.fill("CSQU 305438")                        # as written on the box, with a space
        box.press("Enter")
        pg.wait_for_selector("#hit-container-CSQU3054383")
        pg.wait_for_function(f"() => Math.abs(({centre})()[1] - 37.204) < 0.003")
        box.fill("no such thing")
        box.press("Enter")
        pg.wait_for_function("() => document.querySelector('#search-hits').textContent === 'nothing found'")
        assert log.errors == [] and log.outside == []
    finally:
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("DELETE FROM vessel_latest WHERE mmsi = 412777001")
            conn.execute("DELETE FROM vessel WHERE mmsi = 412777001")
            conn.execute("DELETE FROM container WHERE container_no = 'CSQU3054383'")


def test_a_click_opens_the_vessel_card_and_a_silent_feed_raises_the_banner(page: tuple[Any, PageLog],
                                                                          db_url: str) -> None:
    import psycopg
    pg, log = page
    with psycopg.connect(db_url, autocommit=True) as conn:
        live_vessel(conn, 412777002, "LU WEI HUO 3", (119.25, 37.40), call_sign="BSRY", ship_type=70,
                    destination="CNWEF")
        conn.execute("INSERT INTO feed_status (source, kind, last_message_at, live) VALUES "
                     "('ais:udp:test-0/rx-far', 'ais', now() - interval '10 minutes', true) ON CONFLICT DO NOTHING")
    try:
        pg.wait_for_function(f"() => {GRAPH}.data.some(t => t.meta.layer === 'vessels' && "
                             "(t.customdata || []).includes(412777002))")         # the next tick brought her
        pg.wait_for_function("() => document.querySelector('#banner').textContent.includes('rx-far')")
        click_map(pg, 119.25, 37.40)
        pg.wait_for_selector("#card-vessel-412777002")
        card = pg.text_content("#card-vessel-412777002") or ""
        assert "LU WEI HUO 3" in card and "8.5 kn" in card and "CNWEF" in card
        assert log.errors == [] and log.outside == []
    finally:
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("DELETE FROM vessel_latest WHERE mmsi = 412777002")
            conn.execute("DELETE FROM vessel WHERE mmsi = 412777002")
            conn.execute("DELETE FROM feed_status WHERE source = 'ais:udp:test-0/rx-far'")


VESSEL_AT = f"""(mmsi) => {{  // where the map draws the vessel: the icons as plotly holds them (typed arrays decoded)
    const gd = {GRAPH};
    const i = gd.data.findIndex(t => t.uid === 'vessels');
    const full = gd._fullData.find(t => t.index === i);
    const k = i < 0 ? -1 : Array.from(gd.data[i].customdata || []).indexOf(mmsi);
    if (k < 0 || !full || !Number.isFinite(full.lon[k])) return null;
    return [full.lon[k], full.lat[k]]; }}"""


def _wait_vessel_lon(pg: Any, mmsi: int, lon: float, timeout: float = 30_000) -> None:
    pg.wait_for_function(f"() => {{ const p = ({VESSEL_AT})({mmsi}); return p && Math.abs(p[0] - {lon}) < 1e-4; }}",
                         timeout=timeout)


def test_replay_shows_a_vessel_where_it_was_and_the_alerts_as_they_stood(page: tuple[Any, PageLog],
                                                                         db_url: str) -> None:
    import psycopg
    pg, log = page
    mmsi = 412777003
    with psycopg.connect(db_url, autocommit=True) as conn:
        now = conn.execute("SELECT date_trunc('second', now())").fetchone()[0]
        conn.execute("INSERT INTO vessel (mmsi, name) VALUES (%s, 'REPLAY STAR') ON CONFLICT DO NOTHING", (mmsi,))
        track = [(40, 119.20, 37.30), (34, 119.25, 37.33), (2, 119.35, 37.42)]     # minutes ago, lon, lat
        for minutes, lon, lat in track:
            conn.execute("""INSERT INTO vessel_position (mmsi, observed_at, received_at, source, msg_type, geom, sog_kn,
                            cog_deg, nav_status) VALUES (%s, %s - make_interval(mins => %s), now(), 'test', 1,
                            ST_SetSRID(ST_MakePoint(%s, %s), 4326), 9, 45, 0)""", (mmsi, now, minutes, lon, lat))
        conn.execute("""INSERT INTO vessel_latest SELECT * FROM vessel_position WHERE mmsi = %s
                        ORDER BY observed_at DESC LIMIT 1""", (mmsi,))
        # an alert raised 38 minutes ago, acknowledged after 2 minutes, resolved 5 minutes ago
        alert_id = conn.execute("""INSERT INTO alert (port_id, rule, severity, subject_kind, subject_id, dedup_key,
                                   geom, evidence_at, raised_at, state, resolved_at, title_en, title_zh)
                                   VALUES ('weifang', 'test_replay', 'warning', 'vessel', %s, 'test:replay',
                                   ST_SetSRID(ST_MakePoint(119.2, 37.3), 4326), %s - interval '38 minutes',
                                   %s - interval '38 minutes', 'resolved', %s - interval '5 minutes',
                                   'REPLAY STAR speeding', 'REPLAY STAR 超速') RETURNING alert_id""",
                                (str(mmsi), now, now, now)).fetchone()[0]
        for action, minutes in (("raise", 38), ("acknowledge", 36), ("resolve", 5)):
            conn.execute("INSERT INTO alert_action (alert_id, actor, action, acted_at) VALUES "
                         "(%s, 'duty', %s, %s - make_interval(mins => %s))", (alert_id, action, now, minutes))
    try:
        pg.wait_for_function(f"() => ({VESSEL_AT})({mmsi}) !== null")
        assert pg.evaluate(f"({VESSEL_AT})({mmsi})") == pytest.approx([119.35, 37.42], abs=1e-4)
        assert pg.locator(f"[data-alert='{alert_id}']").count() == 0        # resolved now

        box = pg.locator("#replay-at")
        box.fill(f"{now - timedelta(minutes=35):%Y-%m-%d %H:%M:%S}")
        box.press("Enter")
        _wait_vessel_lon(pg, mmsi, 119.20)
        assert pg.evaluate(f"({VESSEL_AT})({mmsi})")[1] == pytest.approx(37.30, abs=1e-4)
        assert "Replay" in (pg.text_content("#replay-clock") or "")
        row = pg.locator(f"[data-alert='{alert_id}']")
        row.wait_for()
        assert row.get_attribute("data-state") == "acknowledged"          # as it stood 35 minutes ago
        pg.wait_for_function("() => document.querySelector('#banner').textContent.includes('REPLAY')")

        pg.locator("#replay-speed input[value='60']").check()
        pg.locator("#replay-play").click()                # at 60×, a minute of the past each second
        _wait_vessel_lon(pg, mmsi, 119.25, timeout=15_000)
        assert "60×" in (pg.text_content("#replay-clock") or "")

        pg.locator("#replay-live").click()
        _wait_vessel_lon(pg, mmsi, 119.35)
        pg.wait_for_function("() => document.querySelector('#replay-clock').textContent === 'LIVE'")
        # the alert list follows at its own tick (asked once the last was answered): gone within seconds
        pg.wait_for_function(f"() => !document.querySelector(\"[data-alert='{alert_id}']\")", timeout=10_000)

        box.fill("next tuesday")
        box.press("Enter")
        pg.wait_for_function("() => document.querySelector('#replay-msg').textContent.includes('Unreadable')")
        assert log.errors == [] and log.outside == []
    finally:
        with psycopg.connect(db_url, autocommit=True) as conn:
            # (the alert stays: it is resolved, and alert_action is append-only)
            for table in ("vessel_latest", "vessel_position", "vessel"):
                conn.execute(f"DELETE FROM {table} WHERE mmsi = %s", (mmsi,))


def test_a_click_on_a_dangerous_goods_container_opens_its_card(page: tuple[Any, PageLog], db_url: str) -> None:
    import psycopg
    pg, log = page
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("""INSERT INTO container (container_no, iso_type, full_empty, state, port_id, block_id, bay, row_,
                        tier, geom, customs_status) SELECT 'TGHU3929964', '22G1', 'F', 'in_yard', 'weifang', 'B03', 9,
                        4, 1, ST_Centroid(geom), 'inspection' FROM yard_slot WHERE block_id = 'B03' AND bay = 9
                        AND row_ = 4 ON CONFLICT DO NOTHING""")
        conn.execute("""INSERT INTO hazmat_declaration (declaration_id, subject_kind, subject_id, un_number, imdg_class,
                        proper_shipping_name, declared_at, source) VALUES ('D-click', 'container', 'TGHU3929964',
                        1830, '8', 'SULPHURIC ACID', now(), 'test') ON CONFLICT DO NOTHING""")
        lon, lat = conn.execute("SELECT ST_X(geom), ST_Y(geom) FROM container "
                                "WHERE container_no = 'TGHU3929964'").fetchone()
    try:
        pg.wait_for_function(f"() => {GRAPH}.data.some(t => t.meta.layer === 'dg_containers' && "
                             "Array.from(t.customdata || []).includes('TGHU3929964'))")
        box = pg.locator("#search")
        box.fill("TGHU3929964")
        box.press("Enter")                               # flies the map to the box
        pg.wait_for_function(f"() => Math.abs({GRAPH}._fullLayout.map._subplot.map.getCenter().lat - {lat}) < 1e-4")
        wait_idle(pg)
        click_map(pg, lon, lat)
        pg.wait_for_selector("#card-container-TGHU3929964")
        card = pg.text_content("#card-container-TGHU3929964") or ""
        assert "UN 1830" in card and "SULPHURIC ACID" in card and "B03-09-04-1" in card
        assert "inspection" not in card and "customs and supervisors only" in card      # a port officer
        assert log.errors == [] and log.outside == []
    finally:
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("DELETE FROM hazmat_declaration WHERE declaration_id = 'D-click'")
            conn.execute("DELETE FROM container WHERE container_no = 'TGHU3929964'")
