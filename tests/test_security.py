"""The hardened web surface: every route refuses strangers, POSTs need the session's CSRF token, access tokens
only read, the role × action matrix holds where the actions are done, supervisors see and export the audit,
and injection attempts are harmless and on record."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from app.auth import User, add_token, revoke_token
from app.server import create_app
from app.settings import AppSettings
from sql import alerts
from tests.conftest import sign_in, wait_idle

pytestmark = pytest.mark.browser
OPEN = ("/login", "/healthz", "/_favicon.ico", "/favicon.ico", "/assets/", "/glyphs/")


def _request(url: str, method: str = "GET", headers: dict[str, str] | None = None,
             body: bytes | None = None) -> tuple[int, str, bytes]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None
    opener = urllib.request.build_opener(NoRedirect)
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with opener.open(req, timeout=10) as resp:
            return resp.status, resp.headers.get("Location", ""), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Location", ""), err.read()


def _routes() -> list[tuple[str, set[str]]]:
    """Every route the app serves, with placeholder values for its variables."""
    server = create_app(AppSettings()).server
    out = []
    for rule in server.url_map.iter_rules():
        path = re.sub(r"<(?:([a-z]+):)?([a-z_]+)>",
                      lambda m: "1" if m[1] == "int" else "vessels" if m[2] == "name" else "x", rule.rule)
        out.append((path, set(rule.methods or ()) - {"HEAD", "OPTIONS"}))
    return out


def test_every_route_refuses_a_stranger(app_url: str) -> None:
    routes = _routes()
    paths = {p for p, _ in routes}
    assert {"/", "/audit", "/api/v1/layers/vessels", "/_dash-update-component", "/_dash-layout", "/logout",
            "/report", "/report/incident/1", "/wall/state.json"} <= paths
    walked = 0
    for path, methods in routes:
        if path.startswith(OPEN) or path in OPEN:
            continue
        for method in sorted(methods):
            headers = {"Origin": app_url, "Accept": "application/json"}
            status, _, body = _request(app_url + path, method, headers, b"{}" if method == "POST" else None)
            assert status in (401, 403), f"{method} {path} answered {status} to a stranger"
            assert b"weifang" not in body.lower() and b"mmsi" not in body.lower()
            walked += 1
        status, location, _ = _request(app_url + path, "GET", {"Accept": "text/html"})
        assert (status, location) in ((302, "/login"), (401, ""), (405, ""), (403, "")), (path, status, location)
    assert walked >= 10


@pytest.fixture()
def session(browser: Any, app_url: str, officers: dict[str, Any]) -> Iterator[tuple[Any, Any]]:
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    pg = context.new_page()
    sign_in(pg, app_url, "duty")
    yield context, pg
    context.close()


def test_a_post_without_the_sessions_csrf_token_is_refused(session: tuple[Any, Any], app_url: str) -> None:
    context, pg = session
    pg.wait_for_selector("body[data-map-loaded=true]", timeout=60_000)   # the page's own POSTs carry it
    body = json.dumps({"output": "kpis.children", "outputs": {"id": "kpis", "property": "children"},
                       "inputs": [], "changedPropIds": []})
    url = f"{app_url}/_dash-update-component"
    cookies = {c["name"]: c["value"] for c in context.cookies()}
    assert cookies.get("portmap_csrf") and cookies.get("portmap_session")
    base = {"Origin": app_url, "Content-Type": "application/json"}
    assert context.request.post(url, data=body, headers=base).status == 403
    assert context.request.post(url, data=body, headers={**base, "X-CSRF-Token": "forged"}).status == 403
    good = context.request.post(url, data=body, headers={**base, "X-CSRF-Token": cookies["portmap_csrf"]})
    assert good.status not in (401, 403)
    other = context.request.post(url, data=body, headers={"Origin": "http://evil.example",
                                                          "X-CSRF-Token": cookies["portmap_csrf"]})
    assert other.status == 403


def test_access_tokens_only_read_the_layer_api(app_url: str, db_url: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        api = add_token(conn, "qgis-test", "api", "port", "test")
        wall = add_token(conn, "wall-test", "wall", "control_centre", "test")
    layer = f"{app_url}/api/v1/layers/berths"
    bearer = {"Authorization": f"Bearer {api}", "Origin": app_url}
    status, _, body = _request(layer, headers=bearer)
    assert status == 200 and json.loads(body)["type"] == "FeatureCollection"
    assert _request(f"{app_url}/", headers=bearer)[0] == 403                       # not the map
    assert _request(f"{app_url}/audit", headers=bearer)[0] == 403
    assert _request(f"{app_url}/_dash-update-component", "POST", bearer, b"{}")[0] == 403     # never a POST
    assert _request(layer, headers={"Authorization": f"Bearer {wall}"})[0] == 401   # another kind's token
    assert _request(layer, headers={"Authorization": "Bearer pm_api_guessed"})[0] == 401
    with psycopg.connect(db_url, autocommit=True) as conn:
        revoke_token(conn, "qgis-test")
        assert conn.execute("SELECT token_hash <> convert_to(%s, 'UTF8') FROM access_token WHERE name = 'qgis-test'",
                            (api,)).fetchone() == (True,)                         # only its hash is kept
    assert _request(layer, headers=bearer)[0] == 401


ROLES = {"viewer": User("v", "V", "viewer", "control_centre", ""), "officer": User("o", "O", "officer", "port", ""),
         "customs": User("c", "C", "officer", "customs", ""),
         "supervisor": User("s", "S", "supervisor", "port", ""), "admin": User("a", "A", "admin", "port", "")}
# action (with context) -> the users allowed; every other one is refused
MATRIX: dict[tuple[str, str], set[str]] = {
    ("acknowledge", ""): {"officer", "customs", "supervisor", "admin"},
    ("suppress", "warning"): {"officer", "customs", "supervisor", "admin"},
    ("suppress", "critical"): {"supervisor", "admin"},
    ("resolve", "warning"): {"officer", "customs", "supervisor", "admin"},
    ("resolve", "critical"): {"supervisor", "admin"},
    ("complete_step", "customs"): {"customs"},
    ("complete_step", "port"): {"officer", "supervisor", "admin"},
    ("audit_view", ""): {"supervisor", "admin"},
    ("audit_export", ""): {"supervisor", "admin"},
    ("customs_details", ""): {"customs", "supervisor", "admin"},
    ("people_positions", "customs"): {"customs", "supervisor", "admin"},     # a person of customs
    ("people_positions", "border"): {"supervisor", "admin"},
    ("people_positions", "control_centre"): {"supervisor", "admin"},          # (the viewer's agency: not a viewer)
}


@pytest.mark.parametrize(("action", "context"), list(MATRIX))
def test_the_role_and_agency_matrix(action: str, context: str) -> None:
    kwargs = {"severity": context} if action in ("suppress", "resolve") else {"agency": context} if context else {}
    allowed = {name for name, user in ROLES.items() if alerts.allowed(user, action, **kwargs)}
    assert allowed == MATRIX[(action, context)]


@pytest.mark.db
def test_the_actions_themselves_enforce_the_matrix(conn: psycopg.Connection[Any]) -> None:
    """Not only the buttons: the functions that change alerts refuse who may not."""
    from tests.test_layers import add_alert
    add_alert(conn, "fire_near_dg:matrix", "critical", (119.19, 37.204))
    alert_id = conn.execute("SELECT alert_id FROM alert WHERE dedup_key = 'fire_near_dg:matrix'").fetchone()[0]  # type: ignore[index]
    viewer, officer, supervisor = (ROLES[r].actor() for r in ("viewer", "officer", "supervisor"))
    with pytest.raises(alerts.ActionRefused, match="may not acknowledge"):
        alerts.acknowledge(conn, alert_id, viewer)
    with pytest.raises(alerts.ActionRefused, match="may not suppress a critical alert"):
        alerts.suppress(conn, alert_id, officer, 30, "noise")
    alerts.suppress(conn, alert_id, supervisor, 30, "known: fire drill")
    trail = conn.execute("SELECT actor, action FROM alert_action WHERE alert_id = %s ORDER BY action_id",
                         (alert_id,)).fetchall()
    assert trail == [("s", "suppress")]


def test_supervisors_see_and_export_the_audit_and_others_do_not(browser: Any, app_url: str,
                                                               officers: dict[str, Any]) -> None:
    for name, expected in (("watch", 403), ("duty", 403), ("super", 200)):
        context = browser.new_context()
        pg = context.new_page()
        sign_in(pg, app_url, name)
        page = context.request.get(f"{app_url}/audit")
        assert page.status == expected, name
        if expected == 200:
            assert "Audit trail" in page.text() and "duty" in page.text()      # duty signed in above
            csv = context.request.get(f"{app_url}/audit?format=csv&actor=duty")
            lines = csv.text().splitlines()
            assert lines[0].startswith("acted_at,actor") and all(",duty," in line for line in lines[1:])
            assert any(",login," in line for line in lines[1:])
            again = context.request.get(f"{app_url}/audit?format=csv&actor=super").text()
            assert ",audit_export," in again                                   # the export is itself audited
        context.close()


def test_injection_attempts_are_harmless_and_on_record(session: tuple[Any, Any], app_url: str,
                                                       db_url: str) -> None:
    context, pg = session
    pg.wait_for_selector("body[data-map-loaded=true]", timeout=60_000)
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    with psycopg.connect(db_url, autocommit=True) as conn:
        before = conn.execute("SELECT (SELECT count(*) FROM vessel), (SELECT count(*) FROM berth)").fetchone()
    attempts = ["'; DROP TABLE vessel; --", "\" OR 1=1 --", "<script>alert('x')</script>",
                "<img src=x onerror=alert(1)>", "%' UNION SELECT password_hash, 1, 1, 1, 1, 1 FROM app_user --"]
    box = pg.locator("#search")
    for text in attempts:
        box.fill(text)
        box.press("Enter")
        pg.wait_for_function("() => document.querySelector('#search-hits').textContent === 'nothing found'")
    wait_idle(pg)
    assert dialogs == []                                  # no script ran
    assert "$argon2" not in (pg.content() or "")
    for query in ("bbox=1,2,3,4);DROP TABLE berth;--", "at=2026-01-01'; DROP TABLE berth; --",
                  "lang=<script>alert(1)</script>", "format=geojson%27--"):
        resp = context.request.get(f"{app_url}/api/v1/layers/berths?{query}")
        assert resp.status in (200, 400) and "<script>" not in resp.text()
    with psycopg.connect(db_url, autocommit=True) as conn:
        after = conn.execute("SELECT (SELECT count(*) FROM vessel), (SELECT count(*) FROM berth)").fetchone()
        logged = [r[0] for r in conn.execute("SELECT detail ->> 'q' FROM audit_log WHERE action = 'search' "
                                             "AND actor = 'duty' ORDER BY audit_id").fetchall()]
    assert after == before
    assert all(text in logged for text in attempts)       # each attempt is on record, with who tried it


def test_the_security_headers_name_no_outside_source_and_allow_no_eval(app_url: str) -> None:
    status, _, _ = _request(f"{app_url}/login")
    req = urllib.request.Request(f"{app_url}/login")
    with urllib.request.urlopen(req, timeout=10) as resp:
        csp = resp.headers["Content-Security-Policy"]
        assert resp.headers["X-Frame-Options"] == "DENY" and resp.headers["X-Content-Type-Options"] == "nosniff"
    directives = dict((d.split()[0], d.split()[1:]) for d in csp.split("; "))
    assert status == 200 and "'unsafe-eval'" not in csp and "'unsafe-inline'" not in directives["script-src"]
    assert directives["frame-ancestors"] == ["'none'"] and directives["object-src"] == ["'none'"]
    sources = {s for values in directives.values() for s in values}
    assert not {s for s in sources if "://" in s or (s.endswith(":") and s not in ("data:", "blob:"))}


def test_no_secret_reaches_the_log(browser: Any, app_url: str, officers: dict[str, Any], db_url: str) -> None:
    from tests.conftest import APP_LOG, PASSWORD
    context = browser.new_context()
    pg = context.new_page()
    sign_in(pg, app_url, "duty")
    session_token = next(c["value"] for c in context.cookies() if c["name"] == "portmap_session")
    with psycopg.connect(db_url, autocommit=True) as conn:
        api = add_token(conn, "log-check", "api", "port", "test")
    assert _request(f"{app_url}/api/v1/layers/berths", headers={"Authorization": f"Bearer {api}"})[0] == 200
    assert _request(f"{app_url}/api/v1/layers/berths?bbox=x", headers={"Authorization": f"Bearer {api}"})[0] == 400
    context.request.post(f"{app_url}/login", form={"username": "duty", "password": "not-" + PASSWORD})
    context.close()
    text = APP_LOG["log"].read_text()
    assert "layer API refused" in text                          # the bad request is logged, with its reason…
    for secret in (PASSWORD, session_token, api, "not-" + PASSWORD):
        assert secret not in text                               # …and no password or token ever is
