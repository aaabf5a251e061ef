"""The reverse proxy of docs/deploy.md (issue 24, point 9): Debian's nginx with TLS (a self-signed certificate
made here) in front of the real app started with PORTMAP_TRUST_PROXY=1. Login works through it (no
"cross-origin" refusal), the cookies are Secure, the client's address is the one audited, and plain HTTP is
sent to HTTPS."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import ssl
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.conftest import PASSWORD, ROOT, _free_port, wait_http

pytestmark = pytest.mark.db
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"          # Debian's, installed by scripts/bootstrap.sh
SITE = ROOT / "docs" / "deploy" / "nginx-portmap.conf"


def _site(app_port: int, tls_port: int, plain_port: int, cert: Path, key: Path) -> str:
    """docs/deploy/nginx-portmap.conf with this test's ports and certificate, nothing else changed."""
    text = SITE.read_text()
    for old, new in (("listen 443 ssl", f"listen 127.0.0.1:{tls_port} ssl"),
                     ("listen 80;", f"listen 127.0.0.1:{plain_port};"), ("127.0.0.1:8050", f"127.0.0.1:{app_port}"),
                     ("/etc/ssl/portmap/portmap.crt", str(cert)),
                     ("/etc/ssl/portmap/portmap.key", str(key)), ("portmap.example.port", "localhost")):
        assert old in text, old
        text = text.replace(old, new)
    return text


@pytest.fixture()
def proxied(db_url: str, officers: Any, tmp_path: Path) -> Iterator[dict[str, Any]]:
    cert, key = tmp_path / "portmap.crt", tmp_path / "portmap.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    app_port, tls_port, plain_port = _free_port(), _free_port(), _free_port()
    env = {**os.environ, "DATABASE_URL": db_url, "PORTMAP_APP_PORT": str(app_port), "PORTMAP_TRUST_PROXY": "1"}
    log = (tmp_path / "app.log").open("w")
    app = subprocess.Popen([sys.executable, "-m", "app"], cwd=ROOT, env=env, stdout=log, stderr=log)
    (tmp_path / "site.conf").write_text(_site(app_port, tls_port, plain_port, cert, key))
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / sub).mkdir()
    (tmp_path / "nginx.conf").write_text(f"""user root;
daemon off;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log {tmp_path}/access.log;
    client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi; uwsgi_temp_path {tmp_path}/uwsgi; scgi_temp_path {tmp_path}/scgi;
    include {tmp_path}/site.conf;
}}
""")
    nginx = subprocess.Popen([NGINX, "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_http(f"http://127.0.0.1:{app_port}/healthz")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            probe = http.client.HTTPConnection("127.0.0.1", plain_port, timeout=1)
            try:
                probe.request("GET", "/")
                probe.getresponse()
                break
            except OSError:
                time.sleep(0.1)
            finally:
                probe.close()
        yield {"tls": tls_port, "plain": plain_port, "ca": cert, "log": tmp_path / "error.log"}
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        app.terminate()
        app.wait(timeout=10)
        log.close()


def _https(p: dict[str, Any], method: str, path: str, body: str | None = None,
           headers: dict[str, str] | None = None) -> tuple[int, list[tuple[str, str]], str]:
    context = ssl.create_default_context(cafile=str(p["ca"]))      # the certificate is checked, not waved through
    conn = http.client.HTTPSConnection("localhost", p["tls"], timeout=30, context=context)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.getheaders(), resp.read().decode(errors="replace")
    finally:
        conn.close()


def test_login_works_through_the_nginx_tls_proxy_with_secure_cookies(proxied: dict[str, Any], db_url: str) -> None:
    origin = f"https://localhost:{proxied['tls']}"
    status, headers, page = _https(proxied, "GET", "/login")
    assert status == 200, page[:300]
    cookies = [v for k, v in headers if k.lower() == "set-cookie"]
    login_cookie = cookies[0].split(";", 1)[0]
    assert all("Secure" in c for c in cookies), cookies
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    form = urllib.parse.urlencode({"username": "duty", "password": PASSWORD, "csrf": csrf, "lang": "en"})
    status, headers, body = _https(proxied, "POST", "/login", form, {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": login_cookie, "Origin": origin})
    assert status == 302, body[:300]
    session = next(v for k, v in headers if k.lower() == "set-cookie" and v.startswith("portmap_session="))
    assert "Secure" in session and "HttpOnly" in session
    status, headers, page = _https(proxied, "GET", "/", headers={"Cookie": session.split(";", 1)[0],
                                                                  "Accept": "text/html"})
    assert status == 200 and dict((k.lower(), v) for k, v in headers)["cache-control"] == "no-store"
    with psycopg.connect(db_url) as conn:
        addr = conn.execute("SELECT host(client_addr) FROM audit_log WHERE action = 'login' AND actor = 'duty' "
                            "ORDER BY audit_id DESC LIMIT 1").fetchone()
    assert addr == ("127.0.0.1",)


def test_plain_http_is_sent_to_https(proxied: dict[str, Any]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", proxied["plain"], timeout=10)
    try:
        conn.request("GET", "/login", headers={"Host": "localhost"})
        resp = conn.getresponse()
        assert resp.status == 301 and resp.getheader("Location", "").startswith("https://localhost")
    finally:
        conn.close()
