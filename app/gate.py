"""The web surface's gate: the login page, logout, the session check before every request, security headers.

Every route needs a signed-in officer except the login page, its stylesheet and fonts, and /healthz: the port
package (port.toml's thresholds, the cameras' positions and views, the restricted zones), the map's glyphs and
sprite, every script are behind the login (a wall token opens what the wall page loads). Pages get redirected to
/login, anything else gets 401.

CSRF: every state-changing request (any POST) must come from this server's own pages (Origin/Referer) and
carry the session's CSRF token: the login and logout forms in a field, Dash's callback requests in the
`X-CSRF-Token` header that `assets/csrf.js` adds from the `portmap_csrf` cookie (SameSite=Strict, readable
by the page only).

Read-only access tokens (`Authorization: Bearer pm_api_…`, or HTTP Basic with the token as the password, or
`?apikey=pm_api_…`) open the layer API and OGC API (`/api/`) to tools such as QGIS and GDAL; a token acts as a
viewer and can never POST.
"""

from __future__ import annotations

import base64
import html
import logging
import math
import re
import secrets
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlparse

import flask
import psycopg
from psycopg_pool import ConnectionPool

from app import auth
from app.i18n import t

log = logging.getLogger(__name__)
OPEN_PATHS = ("/login", "/healthz", "/_favicon.ico", "/favicon.ico", "/assets/app.css")   # the login page's
OPEN_PREFIXES = ("/assets/fonts/",)                                                       # and its fonts
LOGIN_CSRF_COOKIE = "portmap_login_csrf"
CSRF_COOKIE = "portmap_csrf"
CSRF_HEADER = "X-CSRF-Token"
# Where a token of that kind is accepted (read-only, GET); the wall page's own files and the map's glyphs and
# sprite with the wall's token too (its cookie).
TOKEN_PREFIXES = {"/api/": "api", "/wall": "wall", "/assets/": "wall", "/glyphs/": "wall"}
WALL_COOKIE = "portmap_wall"
# No outside source anywhere. Scripts: this server's files and Dash's one inline starter, by its hash (added by
# install); no eval. Styles: plotly and React set inline styles, so style-src keeps 'unsafe-inline'.
CSP = ("default-src 'self'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
       "child-src blob:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


def current_user() -> auth.User | None:
    """The signed-in officer of this request (None outside a request, e.g. when Dash checks the layout)."""
    return getattr(flask.g, "user", None) if flask.has_request_context() else None


recent_sessions = auth.RecentSessions()


def _who(conn: psycopg.Connection[Any], bearer: str | None, kind: str | None, cookie: str | None) -> auth.User | None:
    if bearer is not None and kind is not None:
        user = auth.token_user(conn, bearer, kind)
        if user is None and kind == "wall":         # an officer may open the wall too
            user = auth.session_user(conn, cookie)
        return user
    return auth.session_user(conn, cookie)


def _open_path(path: str) -> bool:
    """The login page, its stylesheet and fonts, /healthz; never a path that climbs out of them (fonts/../ports)."""
    if ".." in path or "\\" in path or "//" in path:
        return False
    return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)


def install(server: flask.Flask, pool_of: Callable[[], ConnectionPool], script_hashes: Sequence[str]) -> None:
    """The session check before every request, the security headers after it, the login and logout routes."""
    _install_check(server, pool_of)
    _install_headers(server, CSP.format(hashes="".join(f" {h}" for h in script_hashes)))
    _install_login(server, pool_of)


def _install_check(server: flask.Flask, pool_of: Callable[[], ConnectionPool]) -> None:
    @server.before_request
    def check_session() -> Any:
        path = flask.request.path
        posting = flask.request.method not in ("GET", "HEAD", "OPTIONS")
        if posting and not _same_origin():
            return flask.Response("cross-origin request refused", status=403)
        if _open_path(path):
            return None
        bearer = _bearer()
        kind = next((k for prefix, k in TOKEN_PREFIXES.items() if path.startswith(prefix)), None)
        if kind == "api" and bearer is None:        # GIS clients that cannot send a header: ?apikey= (GDAL, QGIS)
            bearer = flask.request.args.get("apikey") or None
        if kind == "wall" and bearer is None:       # a wall browser cannot send headers: the address, then a cookie
            bearer = flask.request.args.get("token") or flask.request.cookies.get(WALL_COOKIE)
        if bearer is not None and (posting or kind is None):
            log.warning("bearer token refused for %s %s", flask.request.method, path)
            return flask.Response("a token reads; it cannot do this", status=403)
        cookie = flask.request.cookies.get(auth.SESSION_COOKIE)
        recent = recent_sessions.get(cookie) if bearer is None else None
        try:
            if recent is not None:
                flask.g.user = recent
            else:
                with pool_of().connection(timeout=5) as conn:
                    flask.g.user = _who(conn, bearer, kind, cookie)
                if bearer is None and flask.g.user is not None and cookie:
                    recent_sessions.put(cookie, flask.g.user)
        except (psycopg.Error, TimeoutError) as err:
            log.warning("session check failed: %s", err)
            return flask.Response("database unavailable", status=503)
        user = flask.g.user
        if user is not None:
            if posting and path != "/logout" and not auth.same(flask.request.headers.get(CSRF_HEADER), user.csrf):
                log.warning("POST %s by %s without its CSRF token refused", path, user.username)
                return flask.Response("missing or wrong CSRF token", status=403)
            return None
        if flask.request.method == "GET" and "text/html" in flask.request.headers.get("Accept", "") and kind != "api":
            return flask.redirect("/login")
        refused = flask.Response("sign in first", status=401)
        if kind == "api":           # QGIS and GDAL answer a challenge with HTTP Basic (the token as password)
            refused.headers["WWW-Authenticate"] = 'Basic realm="Port One-Map API", charset="UTF-8"'
        return refused


def _install_headers(server: flask.Flask, csp: str) -> None:
    @server.after_request
    def headers(resp: flask.Response) -> flask.Response:
        user = current_user()
        if user is not None and user.via_token is None and flask.request.cookies.get(CSRF_COOKIE) != user.csrf:
            # the page's scripts read it to sign Dash's POSTs; an attacker's page cannot (same-origin policy)
            resp.set_cookie(CSRF_COOKIE, user.csrf, max_age=auth.MAX_S, httponly=False, samesite="Strict",
                            secure=flask.request.is_secure)
        resp.headers["Content-Security-Policy"] = csp
        if resp.mimetype == "text/html" or "Set-Cookie" in resp.headers:
            resp.headers["Cache-Control"] = "no-store"      # pages carry the CSRF token, cookies the session
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["Referrer-Policy"] = "same-origin"
        return resp


def _install_login(server: flask.Flask, pool_of: Callable[[], ConnectionPool]) -> None:
    """The login form and its POST (throttled in the database: app/auth.py Throttle), and logout."""
    @server.get("/login")
    def login_page() -> flask.Response:
        return _login_page(flask.request.args.get("lang", "en"), "")

    @server.post("/login")
    def login_post() -> Any:
        form = flask.request.form
        lang = form.get("lang", "en")
        if not auth.same(form.get("csrf"), flask.request.cookies.get(LOGIN_CSRF_COOKIE)):
            return _login_page(lang, t(lang, "login.expired"), status=400)
        username = (form.get("username") or "").strip().lower()[:64]
        client = flask.request.remote_addr or "?"
        with pool_of().connection(timeout=5) as conn:
            wait = auth.login_wait(conn, username, client)       # the throttle, before any password is looked at
            if wait > 0:
                auth.audit(conn, None, "login_throttled", object_kind="user", object_id=username,
                           client_addr=client)
                page = _login_page(lang, t(lang, "login.blocked"), status=429)
                page.headers["Retry-After"] = str(math.ceil(wait))
                return page
            result = auth.login(conn, username, form.get("password") or "")
            if result is None:
                auth.login_failed(conn, username, client)
                auth.audit(conn, None, "login_failed", object_kind="user", object_id=username, client_addr=client)
                return _login_page(lang, t(lang, "login.wrong"), status=401)
            token, user = result
            auth.login_succeeded(conn, username)
            auth.audit(conn, user, "login", client_addr=client)
        resp = flask.redirect("/")
        resp.set_cookie(auth.SESSION_COOKIE, token, max_age=auth.MAX_S, httponly=True, samesite="Strict",
                        secure=flask.request.is_secure)
        resp.delete_cookie(LOGIN_CSRF_COOKIE)
        return resp

    @server.post("/logout")
    def logout() -> Any:
        user = current_user()
        if user is None or not auth.same(flask.request.form.get("csrf"), user.csrf):
            return flask.Response("refused", status=403)
        with pool_of().connection(timeout=5) as conn:
            auth.logout(conn, flask.request.cookies.get(auth.SESSION_COOKIE) or "")
            auth.audit(conn, user, "logout", client_addr=flask.request.remote_addr)
        recent_sessions.forget(flask.request.cookies.get(auth.SESSION_COOKIE))
        resp = flask.redirect("/login")
        resp.delete_cookie(auth.SESSION_COOKIE)
        resp.delete_cookie(CSRF_COOKIE)
        return resp


def loggable_path() -> str:
    """The request's path and query for a log line, with any token in the address (`token=`, `apikey=`) redacted."""
    query = flask.request.query_string.decode("utf-8", "replace")
    query = re.sub(r"((?:^|&)(?:token|apikey)=)[^&]*", r"\1[redacted]", query)
    return (flask.request.path + (f"?{query}" if query else ""))[:300]


def _bearer() -> str | None:
    """The access token of `Authorization: Bearer <token>`, or of `Basic` with the token as the password (any
    user name), as QGIS's and GDAL's HTTP Basic logins send it."""
    value = flask.request.headers.get("Authorization", "")
    if value[:7].lower() == "bearer ":
        return value[7:].strip() or None
    if value[:6].lower() == "basic ":
        try:
            _, _, password = base64.b64decode(value[6:].strip(), validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        return password or None
    return None


def _same_origin() -> bool:
    """A POST must come from a page of this server (Origin, else Referer; browsers send one of them)."""
    source = flask.request.headers.get("Origin") or flask.request.headers.get("Referer")
    if not source:
        return False
    return urlparse(source).netloc == flask.request.host


def _login_page(lang: str, message: str, status: int = 200) -> flask.Response:
    lang = lang if lang in ("en", "zh") else "en"
    csrf = secrets.token_urlsafe(24)
    esc = html.escape
    body = f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{esc(t(lang, 'app.title'))}</title>
<link rel="stylesheet" href="/assets/app.css"></head><body class="login-body">
<form class="login" method="post" action="/login">
<h1>{esc(t(lang, 'app.title'))}</h1><p class="login-sub">{esc(t(lang, 'login.prompt'))}</p>
<p class="login-msg" id="login-msg">{esc(message)}</p>
<label>{esc(t(lang, 'login.username'))}<input name="username" id="username" autocomplete="username" required></label>
<label>{esc(t(lang, 'login.password'))}<input name="password" id="password" type="password"
 autocomplete="current-password" required></label>
<input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="lang" value="{lang}">
<button type="submit" id="login-submit">{esc(t(lang, 'login.submit'))}</button>
<p class="login-lang"><a href="/login?lang=en">English</a> · <a href="/login?lang=zh">中文</a></p>
</form></body></html>"""
    resp = flask.Response(body, status=status, mimetype="text/html")
    resp.set_cookie(LOGIN_CSRF_COOKIE, csrf, max_age=3600, httponly=True, samesite="Strict",
                    secure=flask.request.is_secure)
    return resp
