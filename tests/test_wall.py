"""The control-centre wall in Debian's headless Chromium: no controls, a read-only token, the rotation, the
focus on a critical alert until it is acknowledged, and recovery from a server restart without a reload."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import psycopg
import pytest

from app.auth import add_token
from sql.alerts import Actor, acknowledge
from tests.conftest import ARTIFACTS, ROOT, _free_port, wait_http

pytestmark = pytest.mark.browser
CONTROLS = "input, button, select, textarea, a[href], [contenteditable], [role=button]"


@pytest.fixture(scope="module")
def wall_token(db_url: str) -> str:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("UPDATE port SET config = jsonb_set(config, '{wall}', "
                     "'{\"rotate_s\": 3, \"views\": [\"overview\", \"anchorages\", \"berths\", \"yard\"], "
                     "\"lang\": \"en\"}') WHERE port_id = 'weifang'")
        return add_token(conn, "wall-test-1", "wall", "control_centre", "test")


def open_wall(browser: Any, base: str, token: str, size: tuple[int, int] = (1280, 720)) -> Any:
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    pg = context.new_page()
    pg.errors, pg.outside = [], []

    def route(r: Any) -> None:
        if urlparse(r.request.url).hostname == "127.0.0.1" or r.request.url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            pg.outside.append(r.request.url)
            r.abort()

    pg.route("**/*", route)
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.goto(f"{base}/wall?token={token}")
    pg.wait_for_selector("body[data-wall-loaded=true]", timeout=60_000)
    return pg


@pytest.fixture()
def wall(browser: Any, app_url: str, wall_token: str) -> Iterator[Any]:
    pg = open_wall(browser, app_url, wall_token)
    yield pg
    pg.context.close()


def test_the_wall_needs_no_control_and_its_token_cannot_act(wall: Any, app_url: str, wall_token: str) -> None:
    pg = wall
    assert pg.url == f"{app_url}/wall"                             # the token left the address for a cookie
    pg.wait_for_function("() => document.querySelectorAll('#kpis .kpi').length === 8")
    assert pg.locator(CONTROLS).count() == 0                      # nothing to click, type or choose
    assert "Port of Weifang" in (pg.text_content("#port") or "")
    assert pg.evaluate("() => window._wall.lives") >= 0 and pg.text_content("#clock") != "--:--:--"
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / "wall.png"))
    request = pg.context.request                                   # the wall's own cookies
    assert request.get(f"{app_url}/wall/state.json").status == 200
    refused = {
        "officer map": request.get(f"{app_url}/", max_redirects=0).status,
        "Dash callback": request.post(f"{app_url}/_dash-update-component", data="{}",
                                      headers={"Origin": app_url, "Content-Type": "application/json"}).status,
        "audit": request.get(f"{app_url}/audit").status,
        "layer API": request.get(f"{app_url}/api/v1/layers/vessels",
                                 headers={"Authorization": f"Bearer {wall_token}"}).status,
        "POST with the token": request.post(f"{app_url}/wall/state.json", headers={
            "Origin": app_url, "Authorization": f"Bearer {wall_token}"}).status,
    }
    assert refused == {"officer map": 401, "Dash callback": 401, "audit": 401, "layer API": 401,
                       "POST with the token": 403}
    assert pg.errors == [] and pg.outside == []


def test_the_wall_rotates_and_a_critical_alert_takes_it_until_acknowledged(wall: Any, db_url: str) -> None:
    pg = wall
    with psycopg.connect(db_url, autocommit=True) as conn:    # critical alerts other tests left open would hold it
        conn.execute("UPDATE alert SET state = 'acknowledged' WHERE state = 'open' AND severity = 'critical'")
    seen: set[str] = set()
    deadline = time.monotonic() + 15
    while not {"overview", "anchorages", "berths"} <= seen and time.monotonic() < deadline:   # rotate_s = 3 here
        seen.add(pg.evaluate("() => window._wall.view && window._wall.view.name") or "")
        pg.wait_for_timeout(500)
    assert {"overview", "anchorages", "berths"} <= seen
    with psycopg.connect(db_url, autocommit=True) as conn:
        alert_id = conn.execute(
            """INSERT INTO alert (port_id, rule, severity, subject_kind, subject_id, dedup_key, geom, evidence_at,
               title_en, title_zh, details) VALUES ('weifang', 'fire_near_dg', 'critical', 'camera_event', 'w1',
               'test:wall-fire', ST_SetSRID(ST_MakePoint(119.1893, 37.2043), 4326), now(), 'Smoke at D01',
               'D01 冒烟', '{"cameras": ["CAM04", "CAM05"]}') RETURNING alert_id""").fetchone()[0]  # type: ignore[index]
        raised = time.monotonic()
    try:
        pg.wait_for_function("() => !document.querySelector('#focus').hidden", timeout=10_000)
        print(f"the wall focused {time.monotonic() - raised:.1f} s after the alert")
        banner = pg.text_content("#focus") or ""
        assert "Smoke at D01" in banner and "CAM04, CAM05" in banner
        pg.wait_for_function("() => Math.abs(document.querySelector('#map').layout.map.center.lon - 119.1893) < 1e-3")
        pg.wait_for_timeout(4000)                                  # longer than a view: it stays on the alert
        assert pg.evaluate("() => window._wall.view.name") == "focus"
        with psycopg.connect(db_url, autocommit=True) as conn:
            acknowledge(conn, alert_id, Actor("duty", "officer", "port"))
        pg.wait_for_function("() => document.querySelector('#focus').hidden", timeout=10_000)
        pg.wait_for_function("() => window._wall.view.name !== 'focus'", timeout=5_000)   # the rotation resumes
        assert pg.errors == []
    finally:
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("UPDATE alert SET state = 'resolved', resolved_at = now() WHERE alert_id = %s", (alert_id,))


def test_the_wall_shows_an_outage_and_recovers_from_a_restart_by_itself(browser: Any, db_url: str,
                                                                          wall_token: str, tmp_path: Any) -> None:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": db_url, "PORTMAP_APP_PORT": str(port)}
    base = f"http://127.0.0.1:{port}"

    def start() -> subprocess.Popen[bytes]:
        with (tmp_path / "app.log").open("a") as out:
            proc = subprocess.Popen([sys.executable, "-m", "app"], cwd=ROOT, env=env, stdout=out, stderr=out)
        return proc

    proc = start()
    try:
        wait_http(f"{base}/healthz")
        pg = open_wall(browser, base, wall_token)
        assert pg.is_hidden("#outage")
        figures = pg.evaluate("() => window._wall.figures")
        proc.send_signal(signal.SIGKILL)                           # the server dies
        proc.wait(timeout=10)
        killed = time.monotonic()
        pg.wait_for_function("() => !document.querySelector('#outage').hidden", polling=200, timeout=10_000)
        shown = time.monotonic() - killed
        print(f"the wall showed the outage {shown:.1f} s after the server died")
        assert shown <= 5.0 and "No answer from the server since" in (pg.text_content("#outage") or "")
        proc = start()                                             # and comes back
        restarted = time.monotonic()
        pg.wait_for_function(f"() => document.querySelector('#outage').hidden && window._wall.figures > {figures}",
                             polling=200, timeout=30_000)
        back = time.monotonic() - restarted
        print(f"the wall was live again {back:.1f} s after the restart (no reload)")
        assert back <= 10.0
        assert pg.evaluate("() => performance.getEntriesByType('navigation').length") == 1   # never reloaded
        pg.context.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
