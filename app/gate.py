"""The web surface's gate: the login page, logout, the session check before every request, security headers.

Every route needs a signed-in officer except the login page, static files (stylesheet, fonts, sprite, map
glyphs: nothing about the port) and /healthz. Pages get redirected to /login, anything else gets 401.

CSRF: every state-changing request (any POST) must come from this server's own pages (Origin/Referer) and
carry the session's CSRF token: the login and logout forms in a field, Dash's callback requests in the
`X-CSRF-Token` header that `assets/csrf.js` adds from the `portmap_csrf` cookie (SameSite=Strict, readable
by the page only).

Read-only access tokens (`Authorization: Bearer pm_api_…`) open the layer API (`/api/`) to tools such as
QGIS; a token acts as a viewer and can never POST.
"""

from __future__ import annotations

import html
import logging
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
OPEN_PREFIXES = ("/assets/", "/glyphs/")
LOGIN_CSRF_COOKIE = "portmap_login_csrf"
CSRF_COOKIE = "portmap_csrf"
CSRF_HEADER = "X-CSRF-Token"
TOKEN_PREFIXES = {"/api/": "api", "/wall": "wall"}    # where a token of that kind is accepted (read-only, GET)
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


def install(server: flask.Flask, pool_of: Callable[[], ConnectionPool], script_hashes: Sequence[str]) -> None:
    """The session check before every request, the security headers after it, the login and logout routes."""
    _install_check(server, pool_of)
    _install_headers(server, CSP.format(hashes="".join(f" {h}" for h in script_hashes)))
    _install_login(server, pool_of, auth.RateLimit())


def _install_check(server: flask.Flask, pool_of: Callable[[], ConnectionPool]) -> None:
    @server.before_request
    def check_session() -> Any:
        path = flask.request.path
        posting = flask.request.method not in ("GET", "HEAD", "OPTIONS")
        if posting and not _same_origin():
            return flask.Response("cross-origin request refused", status=403)
        if path in ("/login", "/healthz", "/_favicon.ico", "/favicon.ico") or path.startswith(OPEN_PREFIXES):
            return None
        bearer = _bearer()
        kind = next((k for prefix, k in TOKEN_PREFIXES.items() if path.startswith(prefix)), None)
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
        if flask.request.method == "GET" and "text/html" in flask.request.headers.get("Accept", ""):
            return flask.redirect("/login")
        return flask.Response("sign in first", status=401)


def _install_headers(server: flask.Flask, csp: str) -> None:
    @server.after_request
    def headers(resp: flask.Response) -> flask.Response:
        user = current_user()
        if user is not None and user.via_token is None and flask.request.cookies.get(CSRF_COOKIE) != user.csrf:
            # the page's scripts read it to sign Dash's POSTs; an attacker's page cannot (same-origin policy)
            resp.set_cookie(CSRF_COOKIE, user.csrf, max_age=auth.MAX_S, httponly=False, samesite="Strict",
                            secure=flask.request.is_secure)
        resp.headers["Content-Security-Policy"] = csp
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["Referrer-Policy"] = "same-origin"
        return resp


def _install_login(server: flask.Flask, pool_of: Callable[[], ConnectionPool], limiter: auth.RateLimit) -> None:
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
        if limiter.blocked(client, username):
            return _login_page(lang, t(lang, "login.blocked"), status=429)
        with pool_of().connection(timeout=5) as conn:
            result = auth.login(conn, username, form.get("password") or "")
            if result is None:
                limiter.failed(client, username)
                auth.audit(conn, None, "login_failed", object_kind="user", object_id=username, client_addr=client)
                return _login_page(lang, t(lang, "login.wrong"), status=401)
            token, user = result
            auth.audit(conn, user, "login", client_addr=client)
        limiter.succeeded(client, username)
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


def _bearer() -> str | None:
    value = flask.request.headers.get("Authorization", "")
    return value[7:].strip() or None if value[:7].lower() == "bearer " else None


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
    resp.set_cookie(LOGIN_CSRF_COOKIE, csrf, max_age=3600, httponly=True, samesite="Strict")
    return resp
