"""The alert desk (issue 32) in Debian's headless Chromium at 1920x1080 against the real app and PostGIS: the side
panel shows at least 8 alerts, no text on the officer's page is under 14 px, a vessel's card opens over the map
beside the panel, a new critical alert chimes (a WAV served from assets/) and flashes the heading, the bell mutes
it in this browser (kept in localStorage across a reload), and the wall does not load the desk's script.
Screenshots of the desk with a critical alert arriving, in both languages, go to test-results/."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from portdomain.assets import ASSETS
from tests.conftest import ARTIFACTS, sign_in, wait_idle
from tests.test_layers import add_vessel

pytestmark = pytest.mark.browser

MMSI = 412666001
TITLES = [("Speeding 14 kn in the channel", "航道内超速 14 节"), ("Overstay at anchorage A", "锚地超时停泊"),
          ("Dragging anchor", "走锚"), ("Restricted area entered", "闯入限制区"),
          ("AIS gap 12 min", "AIS 信号中断 12 分钟"),
          ("Berth overstay B09", "B09 泊位超时"), ("Collision risk CPA 0.2 nm", "碰撞风险 CPA 0.2 海里"),
          ("Dangerous goods segregation", "危险货物隔离不当"), ("Camera: person on quay", "摄像机：码头有人员"),
          ("Gate: undeclared hazmat", "闸口：未申报危险品")]
SMALLEST_TEXT = """() => {
  let smallest = 99, where = '';
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const n = walk.currentNode, el = n.parentElement;
    if (!el || !n.textContent.trim() || el.closest('script, style, .js-plotly-plot, [hidden]')) continue;
    const s = getComputedStyle(el), r = el.getBoundingClientRect();
    if (s.display === 'none' || s.visibility === 'hidden' || r.width === 0) continue;
    const px = parseFloat(s.fontSize);
    if (px < smallest) { smallest = px; where = el.className + ': ' + n.textContent.trim().slice(0, 30); }
  }
  return [smallest, where];
}"""
VISIBLE_ROWS = """() => {
  const list = document.getElementById('alert-list').getBoundingClientRect();
  return [...document.querySelectorAll('#alert-list .alert-row')].filter(r => {
    const b = r.getBoundingClientRect();
    return b.top >= list.top - 1 && b.bottom <= list.bottom + 1 && b.bottom <= window.innerHeight; }).length;
}"""


def raise_alert(conn: psycopg.Connection[Any], key: str, severity: str, titles: tuple[str, str],
                at: tuple[float, float]) -> None:
    conn.execute("""INSERT INTO alert (port_id, rule, severity, subject_kind, subject_id, dedup_key, geom, evidence_at,
                        title_en, title_zh, details, state)
                    VALUES ('weifang', 'desk_test', %s, 'vessel', %s, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326), now(),
                            %s, %s, '{}', 'open')""", (severity, key, f"desk:{key}", *at, *titles))


@pytest.fixture()
def desk(db_url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(db_url, autocommit=True) as conn:
        add_vessel(conn, MMSI, "DESK TEST", 70, (119.215, 37.29), age_s=5)
        for i, titles in enumerate(TITLES):
            raise_alert(conn, f"w{i}", "warning", titles, (119.20 + 0.01 * i, 37.30))
        yield conn
        conn.execute("UPDATE alert SET state = 'resolved', resolved_at = now() WHERE dedup_key LIKE 'desk:%'")
        conn.execute("DELETE FROM vessel_latest WHERE mmsi = %s", (MMSI,))
        conn.execute("DELETE FROM vessel WHERE mmsi = %s", (MMSI,))


def open_desk(browser: Any, app_url: str) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    pg = context.new_page()
    pg.errors = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    sign_in(pg, app_url, "duty")
    pg.wait_for_selector("body[data-map-loaded=true]", timeout=60_000)
    pg.wait_for_function("() => document.querySelectorAll('#alert-list .alert-row').length >= 10", timeout=20_000)
    wait_idle(pg)
    return context, pg


def critical_arrives(pg: Any, conn: psycopg.Connection[Any], key: str, chimes: bool) -> str:
    before = pg.evaluate("() => document.body.dataset.criticalArrived || ''")
    sounded = pg.evaluate("() => document.body.dataset.alertSounded || '0'")
    raise_alert(conn, key, "critical", ("Fire near dangerous goods D01", "D01 危险品附近火情"), (119.19, 37.204))
    pg.wait_for_function("(b) => (document.body.dataset.criticalArrived || '') !== b", arg=before, timeout=15_000)
    if chimes:                                # the chime starts (or is refused)
        pg.wait_for_function("""(s) => (document.body.dataset.alertSounded || '0') !== s
                                       || document.body.dataset.alertSoundRefused""", arg=sounded, timeout=10_000)
    else:
        pg.wait_for_timeout(2000)
    refused = pg.evaluate("() => document.body.dataset.alertSoundRefused")
    assert refused is None, f"the browser refused to play the chime: {refused}"
    return str(pg.evaluate("() => document.body.dataset.alertSounded || '0'"))


def test_the_alert_desk_shows_eight_alerts_legibly_and_opens_cards_beside_the_map(
        browser: Any, app_url: str, officers: Any, desk: Any) -> None:
    context, pg = open_desk(browser, app_url)
    try:
        shown = pg.evaluate(VISIBLE_ROWS)
        print(f"{shown} alerts fully in view at 1920x1080")
        assert shown >= 8
        smallest, where = pg.evaluate(SMALLEST_TEXT)
        assert smallest >= 14, f"{smallest} px text: {where}"
        spot = pg.evaluate("""([lon, lat]) => { const gd = document.querySelector('#map .js-plotly-plot');
            const m = gd._fullLayout.map._subplot.map; m.jumpTo({center: [lon, lat], zoom: 13});
            const p = m.project([lon, lat]); const r = m.getCanvas().getBoundingClientRect();
            return [r.left + p.x, r.top + p.y]; }""", [119.215, 37.29])
        pg.wait_for_timeout(2500)                 # the next tick draws her at the new view
        pg.mouse.click(spot[0], spot[1])
        pg.wait_for_selector(f".card-dock #card-vessel-{MMSI}", timeout=20_000)
        dock = pg.evaluate("""() => { const d = document.querySelector('.card-dock').getBoundingClientRect();
            const s = document.querySelector('.side').getBoundingClientRect();
            return {left: d.left, top: d.top, bottom: d.bottom, side: s.right}; }""")
        assert dock["left"] >= dock["side"] and dock["top"] < 200 and dock["bottom"] <= 1080
        assert pg.evaluate(SMALLEST_TEXT)[0] >= 14
        assert pg.errors == []
    finally:
        context.close()


def test_a_new_critical_alert_chimes_and_flashes_and_the_bell_mutes_it_in_this_browser(
        browser: Any, app_url: str, officers: Any, desk: Any) -> None:
    context, pg = open_desk(browser, app_url)
    try:
        wav = pg.request.get(f"{app_url}/assets/alert-critical.wav")       # served by the app itself, signed in
        assert wav.status == 200 and wav.body()[:4] == b"RIFF" and "wav" in wav.headers["content-type"]
        pg.wait_for_timeout(1500)
        assert pg.evaluate("() => document.body.dataset.criticalArrived") is None     # listed ones are not new
        pg.mouse.click(1500, 600)                 # the officer has used the page: the browser lets it play sound
        assert critical_arrives(pg, desk, "c1", chimes=True) == "1"
        assert "alerts-flash" in (pg.get_attribute("#alerts-head", "class") or "")
        ARTIFACTS.mkdir(exist_ok=True)
        pg.wait_for_timeout(400)
        pg.screenshot(path=str(ARTIFACTS / "alert-desk-critical-en.png"))
        pg.click("#alert-sound")                  # mute: this browser only
        assert "muted" in (pg.get_attribute("#alert-sound", "class") or "")
        assert pg.evaluate("() => localStorage.getItem('portmap.alertSound')") == "off"
        assert critical_arrives(pg, desk, "c2", chimes=False) == "1"             # flashed, but no chime
        assert "alerts-flash" in (pg.get_attribute("#alerts-head", "class") or "")
        pg.click("#alerts-heading")                                # seen: the flash stops
        assert "alerts-flash" not in (pg.get_attribute("#alerts-head", "class") or "")
        pg.reload()
        pg.wait_for_selector("#alert-sound.muted", timeout=30_000)  # still muted after a reload
        pg.wait_for_selector("body[data-map-loaded=true]", timeout=60_000)
        pg.click("#lang input[value=zh]")
        pg.wait_for_function("() => document.querySelector('#alerts-heading').textContent === '告警'")
        pg.click("#alert-sound")                                   # unmuted again
        pg.wait_for_function("() => document.querySelectorAll('#alert-list .alert-row').length >= 12")
        pg.mouse.click(1500, 600)
        assert critical_arrives(pg, desk, "c3", chimes=True) == "1"             # this page's first chime
        wait_idle(pg)
        pg.screenshot(path=str(ARTIFACTS / "alert-desk-critical-zh.png"))
        assert pg.errors == []
    finally:
        context.close()
    wall = (ASSETS / "wall" / "wall.html").read_text()            # the wall's own page: no desk script, no chime
    assert "alert-desk" not in wall and "<script" in wall
    assert "s.sound && fresh.length" in (ASSETS / "wall" / "wall.js").read_text()   # the wall chimes only if told
