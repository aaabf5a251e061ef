"""Everything of a port behind a login, column rules per role, and limits (issue 24, points 3, 4, 8, 9's
Cache-Control), through the real app over real HTTP."""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.parse
from typing import Any

import psycopg
import pytest

from app.auth import add_token
from tests.conftest import PASSWORD, ROOT
from tests.test_login_throttle import Client

pytestmark = pytest.mark.db
PORTS = ROOT / "assets" / "ports"


def _get(base: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    host, port = urllib.parse.urlsplit(base).netloc.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        conn.request("GET", path, headers=headers or {})          # sent as written: no client-side clean-up
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def _session(base: str, username: str) -> dict[str, str]:
    """A signed-in officer's Cookie header (the login form, as a browser posts it)."""
    page = Client(base, "127.0.0.1")
    host, port = urllib.parse.urlsplit(base).netloc.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrf": page.csrf, "lang": "en"})
    conn.request("POST", "/login", body=form, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                        "Cookie": page.cookie, "Origin": base})
    resp = conn.getresponse()
    resp.read()
    conn.close()
    assert resp.status == 302, resp.status
    cookie = next(v.split(";", 1)[0] for k, v in resp.getheaders()
                  if k.lower() == "set-cookie" and v.startswith("portmap_session="))
    return {"Cookie": cookie}


def test_no_file_of_a_port_package_is_served_without_a_login(app_url: str, officers: Any) -> None:
    files = sorted(p for p in PORTS.rglob("*") if p.is_file())
    assert len(files) > 20
    for path in files:
        url = "/assets/" + path.relative_to(ROOT / "assets").as_posix()
        for accept in ("*/*", "text/html"):
            status, headers, _ = _get(app_url, urllib.parse.quote(url), {"Accept": accept})
            assert status in (401, 302), (url, status)
            assert status == 401 or headers["location"].endswith("/login"), url
    for url in ("/assets/fonts/../ports/weifang/port.toml", "/assets/fonts/%2e%2e/ports/weifang/port.toml",
                "/assets//ports/weifang/port.toml", "/glyphs/Noto%20Sans%20Regular/0-255.pbf",
                "/assets/sprite/portmap.json", "/assets/i18n/en.json", "/assets/wall/wall.js", "/assets/live.js"):
        assert _get(app_url, url)[0] == 401, url
    for url in ("/login", "/assets/app.css", "/assets/fonts/NotoSansSC-Regular-subset.woff2", "/healthz"):
        assert _get(app_url, url)[0] == 200, url
    signed_in = _session(app_url, "watch")
    status, _, body = _get(app_url, "/assets/ports/weifang/port.toml", signed_in)
    assert status == 200 and b"[rules" in body


def test_a_wall_token_opens_what_the_wall_loads_and_no_port_file(app_url: str, db_url: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        token = add_token(conn, f"wall-gate-{time.time_ns()}", "wall", "control_centre", "test")
    status, headers, _ = _get(app_url, f"/wall?token={token}")
    assert status == 302 and "Path=/;" in headers["set-cookie"]
    cookie = {"Cookie": headers["set-cookie"].split(";", 1)[0]}
    assert _get(app_url, "/wall", cookie)[0] == 200
    assert _get(app_url, "/assets/wall/wall.js", cookie)[0] == 200
    assert _get(app_url, "/assets/sprite/portmap.json", cookie)[0] == 200
    with psycopg.connect(db_url, autocommit=True) as conn:
        api = add_token(conn, f"api-gate-{time.time_ns()}", "api", "port", "test")
    assert _get(app_url, "/assets/ports/weifang/port.toml", {"Authorization": f"Bearer {api}"})[0] == 401


def _rows(app_url: str, layer: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    status, _, body = _get(app_url, f"/api/v1/layers/{layer}?zoom=18", headers)
    assert status == 200, body[:300]
    return [f["properties"] for f in json.loads(body)["features"]]


def test_viewers_and_tokens_get_no_customs_fields_and_supervisors_do(app_url: str, db_url: str,
                                                                    officers: Any) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("""INSERT INTO container (container_no, state, port_id, block_id, bay, row_, tier, geom,
                        customs_status) SELECT 'CSQU3054383', 'in_yard', 'weifang', 'D01', 2, 1, 1,
                        ST_Centroid(geom), 'hold' FROM yard_slot WHERE block_id = 'D01' AND bay = 2 AND row_ = 1
                        ON CONFLICT DO NOTHING""")
        conn.execute("""INSERT INTO hazmat_declaration (declaration_id, subject_kind, subject_id, un_number,
                        imdg_class, declared_at, source) VALUES ('D-cols', 'container', 'CSQU3054383', 1993, '3',
                        now(), 'test') ON CONFLICT DO NOTHING""")
        api = add_token(conn, f"api-cols-{time.time_ns()}", "api", "port", "test")
    restricted = {"customs_status", "held", "flags"}
    try:
        for who in (_session(app_url, "watch"), {"Authorization": f"Bearer {api}"}, _session(app_url, "duty")):
            for layer in ("dg_containers", "yard_use"):
                rows = _rows(app_url, layer, who)
                assert rows and not restricted & {k for r in rows for k in r}, (layer, who.keys())
        supervisor = _session(app_url, "super")
        assert any(r.get("customs_status") == "hold" for r in _rows(app_url, "dg_containers", supervisor))
        assert any("held" in r for r in _rows(app_url, "yard_use", supervisor))
        customs = _session(app_url, "customs1")
        assert any(r.get("customs_status") == "hold" for r in _rows(app_url, "dg_containers", customs))
    finally:
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("DELETE FROM hazmat_declaration WHERE declaration_id = 'D-cols'")
            conn.execute("DELETE FROM container WHERE container_no = 'CSQU3054383'")


def test_the_third_report_at_once_gets_429_and_a_big_body_413(app_url: str, officers: Any) -> None:
    who = _session(app_url, "watch")
    results: list[int] = []

    def fetch() -> None:
        results.append(_get(app_url, "/report?format=pdf&hours=8", who)[0])

    threads = [threading.Thread(target=fetch) for _ in range(3)]
    for t in threads:
        t.start()
        time.sleep(0.2)
    for t in threads:
        t.join(timeout=120)
    assert sorted(results) == [200, 200, 429], results
    host, port = urllib.parse.urlsplit(app_url).netloc.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.putrequest("POST", "/_dash-update-component")      # a body of 1 MB and a byte, announced: refused at once
    for name, value in {**who, "Content-Type": "application/json", "Origin": app_url,
                        "Content-Length": str((1 << 20) + 1)}.items():
        conn.putheader(name, value)
    conn.endheaders()
    status = conn.getresponse().status
    conn.close()
    assert status == 413


def test_pages_with_the_csrf_token_are_not_cached(app_url: str, officers: Any) -> None:
    status, headers, body = _get(app_url, "/login")
    assert status == 200 and b'name="csrf"' in body and headers["cache-control"] == "no-store"
    status, headers, _ = _get(app_url, "/", {**_session(app_url, "duty"), "Accept": "text/html"})
    assert status == 200 and headers["cache-control"] == "no-store"
