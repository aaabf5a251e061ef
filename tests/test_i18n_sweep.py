"""中文 complete where officers click (issue 32): the officers' page in Debian's headless Chromium, switched to 中文
with its folded panels opened and an alert selected, shows no English word outside proper names and codes; the
same page in English shows no Chinese outside names; the cards (vessel, camera, container) rendered by their layout
functions in each language likewise. Every string comes from assets/i18n/."""

from __future__ import annotations

import re
from typing import Any

import psycopg
import pytest

from app import cards
from portdomain.assets import ASSETS
from tests.conftest import sign_in, wait_idle
from tests.test_layers import add_alert, add_vessel

pytestmark = pytest.mark.browser

# Proper names, codes and units that stay as they are in 中文 (the port's and vessels' names, AIS and IMDG terms,
# identifiers such as CAM04 or B09, units)
NAMES = {
    "AIS", "MMSI", "IMO", "UTC", "UN", "IMDG", "DG", "TOS", "EDI", "EDIFACT", "CPA", "TCPA", "PDF", "CSV", "GeoJSON",
    "GeoPackage", "VHF", "ISO", "TEU", "ETA", "ETD", "ATA", "ATD", "kn", "nm", "km", "min", "English", "Weifang",
    "Port", "One", "Map", "Plotly", "MapLibre", "OpenStreetMap", "Bohai", "Laizhou", "Bay", "SEA", "BREEZE",
}
WORD = re.compile(r"[A-Za-z][A-Za-z]+")
HAN = re.compile(r"[\u4e00-\u9fff]+")
VISIBLE_TEXT = """() => {
  const out = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const n = walk.currentNode, el = n.parentElement;
    if (!el || !n.textContent.trim() || el.closest('script, style, .js-plotly-plot, [hidden]')) continue;
    const s = getComputedStyle(el);
    if (s.display === 'none' || s.visibility === 'hidden') continue;
    out.push(n.textContent.trim());
  }
  document.querySelectorAll('input[placeholder], textarea[placeholder]').forEach(e => out.push(e.placeholder));
  document.querySelectorAll('[title]').forEach(e => { if (!e.closest('.js-plotly-plot')) out.push(e.title); });
  return out;
}"""


def english_words(texts: list[str], names: set[str]) -> list[str]:
    """Words in Latin letters that are not proper names or codes (a capitalised word in a name counts as a name:
    vessel names are in capitals; identifiers carry digits and are not matched)."""
    found = []
    for text in texts:
        for w in WORD.findall(text):
            if w in NAMES or w in names or (w.isupper() and len(w) <= 5):
                continue
            found.append(f"{w!r} in {text[:60]!r}")
    return found


def page_texts(pg: Any) -> list[str]:
    pg.evaluate("() => document.querySelectorAll('details > summary').forEach(s => s.click())")
    pg.wait_for_timeout(3000)
    if pg.query_selector("button.alert-row"):
        pg.evaluate("() => document.querySelector('button.alert-row').click()")
        pg.wait_for_selector("#incident-link", timeout=15_000)
    return list(pg.evaluate(VISIBLE_TEXT))


def data_names(db_url: str) -> set[str]:
    """The words of the names in the data (vessels, zones, cameras, berths, users): shown as they are."""
    with psycopg.connect(db_url) as conn:
        rows = conn.execute("SELECT name FROM vessel WHERE name IS NOT NULL UNION ALL "
                            "SELECT display_name FROM app_user").fetchall()
    return {w for (r,) in rows for w in WORD.findall(r or "")}


@pytest.fixture(scope="module")
def on_screen(db_url: str) -> Any:
    """A vessel and an open alert, so that the list, its trail and the alert's buttons have something to show."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        add_vessel(conn, 412777002, "HUA HAI 8", 71, (119.25, 37.40), age_s=5)
        add_alert(conn, "speeding:412777002", "critical", (119.25, 37.40))
    yield
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("UPDATE alert SET state = 'resolved', resolved_at = now() WHERE dedup_key = 'speeding:412777002'")
        conn.execute("DELETE FROM vessel_latest WHERE mmsi = 412777002")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_officers_page_speaks_one_language(browser: Any, app_url: str, officers: Any, db_url: str,
                                               on_screen: Any, lang: str) -> None:
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    pg = context.new_page()
    try:
        sign_in(pg, app_url, "duty")
        pg.wait_for_selector("body[data-map-loaded=true]", timeout=60_000)
        if lang == "zh":
            pg.click("#lang input[value=zh]")
            pg.wait_for_function("() => document.querySelector('#alerts-heading').textContent === '告警'",
                                 timeout=15_000)
        wait_idle(pg)
        texts = page_texts(pg)
        print(f"{lang}: {len(texts)} strings on the page: {texts[:400]}")
        assert len(texts) > 30
        assert any(x in texts for x in ("Speeding 14 kn", "超速 14 节"))          # the alert list shows the alert
        if lang == "zh":
            assert "退出" in texts and "确认" in texts and "解除" in texts
            assert "备注（解除告警时必填）" in texts
            assert pg.get_attribute("a.report-link", "href").endswith("lang=zh")
            bad = english_words(texts, data_names(db_url))
        else:
            assert "Sign out" in texts and "Acknowledge" in texts
            bad = [f"{h!r} in {x[:60]!r}" for x in texts for h in HAN.findall(x) if h not in ("中文",)]
        assert bad == [], f"{len(bad)} strings in the wrong language: {bad[:15]}"
    finally:
        context.close()


def test_the_language_switch_is_legible() -> None:
    """Not dark on dark: the switch's labels are light on the dark bar and the chosen one is filled light."""
    css = (ASSETS / "app.css").read_text()
    rule = re.search(r"\.lang-switch label \{([^}]*)\}", css)
    chosen = re.search(r"\.lang-switch label:has\(input:checked\) \{([^}]*)\}", css)
    assert rule and "color: #f8fafc" in rule.group(1)
    assert chosen and "background: #f8fafc" in chosen.group(1)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_cards_speak_one_language(conn: psycopg.Connection[Any], lang: str) -> None:
    add_vessel(conn, 412777001, "HUA HAI 7", 71, (119.2, 37.25), age_s=5)
    conn.execute("UPDATE vessel SET call_sign = 'BXYZ7', imo = 9123457 WHERE mmsi = 412777001")
    camera = conn.execute("SELECT camera_id FROM camera WHERE port_id = 'weifang' ORDER BY 1 LIMIT 1").fetchone()
    assert camera is not None
    shown = [cards.vessel_card(conn, 412777001, lang), cards.camera_card(conn, "weifang", camera[0], lang)]
    assert all(c is not None for c in shown)
    texts = [str(x) for c in shown for x in _strings(c)]
    if lang == "zh":
        bad = english_words(texts, {"HUA", "HAI", "BXYZ", "test"})       # "test": the feed's name
    else:
        names = {n for (n,) in conn.execute("SELECT name_zh FROM camera").fetchall()}
        bad = [h for x in texts for h in HAN.findall(x) if not any(h in n for n in names)]
    assert bad == [], bad


def _strings(component: Any) -> list[str]:
    """Every text of a Dash component tree."""
    if component is None:
        return []
    if isinstance(component, str | int | float):
        return [str(component)]
    if isinstance(component, list | tuple):
        return [s for c in component for s in _strings(c)]
    out = _strings(getattr(component, "children", None))
    for prop in ("title", "placeholder"):
        value = getattr(component, prop, None)
        if isinstance(value, str):
            out.append(value)
    return out
