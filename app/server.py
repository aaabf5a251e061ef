"""create_app: the Dash app serving the one map, its offline glyphs and fonts, and a health check."""

from __future__ import annotations

import functools
import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

import dash
import flask
import plotly.io as pio
import psycopg
from dash import ALL, ClientsideFunction, Input, Output, Patch, State, ctx, dcc, html
from dash.exceptions import PreventUpdate
from psycopg_pool import ConnectionPool

from app import alert_panel, audit, auth, export, gate, ids, live, ops, replay, report, stats, wall
from app.ages import layer_ages, say_age
from app.cards import camera_card, container_card, silent_banner, vessel_card
from app.figure import build_figure, parse_view, port_info
from app.i18n import LANGUAGES, t
from app.kpi import port_kpis, strip
from app.search import search
from app.settings import AppSettings
from layers import LAYERS, View
from portdomain.assets import ASSETS
from sql import alerts as alert_actions

log = logging.getLogger(__name__)
GLYPHS = ASSETS / "glyphs"
RANGE_RE = re.compile(r"^(\d+)-(\d+)$")
CONTAINER_RE = re.compile(r"^[A-Z]{3}[UJZR]\d{7}$")
STACK_RE = re.compile(r"^stack:([A-Za-z0-9_]+)-(\d{1,3})-(\d{1,3})$")
TICK_MS = 1000            # the map
PANEL_TICK_MS = 5000      # the KPI strip and the silent-feed banner
ALERT_TICK_MS = 1000      # the alert list (an alert must reach the officer within 3 s: engine 1 s + this)


def create_app(settings: AppSettings) -> dash.Dash:
    """Build the app; nothing connects until the first request."""
    # Plotly's orjson engine (taken whenever orjson is installed) first walks every value of a response in Python
    # to clean it; the json engine's C encoder is several times faster for the live tick's long lists (measured
    # with bench/load.py: callback p95 2.3 s with orjson, 0.48 s without).
    pio.json.config.default_engine = "json"
    db = settings.db()
    pool = ConnectionPool(db.url, min_size=2, max_size=16, open=False, kwargs={
        "options": f"-c statement_timeout={db.statement_timeout_ms} -c timezone=UTC",
        "application_name": db.application_name})
    # The wall display's page, the port packages, translations and glyphs live under assets/ too but are not
    # part of the officers' page (Dash matches assets_ignore against file names only, folders need their own).
    app = dash.Dash(__name__, assets_folder=str(ASSETS), assets_path_ignore=["^(ports|i18n|glyphs|wall)$"],
                    title="Port One-Map", update_title=None, serve_locally=True)  # type: ignore[arg-type]
    app.layout = layout
    gate.install(app.server, lambda: _open(pool), app.csp_hashes())
    app.server.config["PORTMAP_PORT_ID"] = settings.port_id
    _routes(app.server, pool)
    wall.install(app.server, lambda: _open(pool), settings.port_id)
    _callbacks(app, settings, pool)
    return app


def _now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


def _open(pool: ConnectionPool) -> ConnectionPool:
    if pool.closed:
        pool.open(wait=False)
    return pool


def settings_port_id(server: flask.Flask) -> str:
    return str(server.config["PORTMAP_PORT_ID"])


def _routes(server: flask.Flask, pool: ConnectionPool) -> None:
    @server.get("/glyphs/<fontstack>/<name>.pbf")
    def glyphs(fontstack: str, name: str) -> flask.Response:
        # Every font stack gets the same Noto Sans glyphs; a range we lack is an empty, valid PBF.
        if not RANGE_RE.match(name):
            flask.abort(404)
        path = GLYPHS / f"{name}.pbf"
        body = path.read_bytes() if path.is_file() else b""
        return flask.Response(body, mimetype="application/x-protobuf",
                              headers={"Cache-Control": "public, max-age=86400"})

    @server.get("/api/v1/layers/<name>")
    def layer_api(name: str) -> flask.Response:
        """A layer as GeoJSON (default), GeoPackage or CSV: `?bbox=xmin,ymin,xmax,ymax&at=ISO&format=&lang=`.
        Signed-in officers only (the gate answers 401 otherwise); a layer above the user's role is refused."""
        args = flask.request.args
        fmt = args.get("format", "geojson")
        user = gate.current_user()
        try:
            layer = LAYERS.get(name)
            if layer is None or fmt not in export.FORMATS:
                raise export.ExportError(f"unknown layer {name!r} or format {fmt!r}; layers: {', '.join(LAYERS)}; "
                                         f"formats: {', '.join(export.FORMATS)}")
            if user is None or not user.at_least(layer.min_role):
                return flask.Response(json.dumps({"error": "forbidden"}), 403, mimetype="application/json")
            with _open(pool).connection(timeout=5) as conn:
                port = port_info(conn, settings_port_id(server))
                if port is None:
                    raise export.ExportError("no port is loaded")
                view = View(port_id=port.port_id, bbox=export.parse_bbox(args.get("bbox"), port.bbox),
                            zoom=float(args.get("zoom", 17)), at=export.parse_at(args.get("at"), datetime.now(UTC)),
                            lang=args.get("lang", "en") if args.get("lang") in LANGUAGES else "en")
                body = export.encode(export.layer_frame(conn, name, view), fmt)
        except (export.ExportError, ValueError) as err:
            log.warning("layer API refused %r from %s: %s", flask.request.full_path[:300],
                        user.username if user else "?", err)
            return flask.Response(json.dumps({"error": str(err)}), 400, mimetype="application/json")
        stamp = (view.at or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
        return flask.Response(body, mimetype=export.FORMATS[fmt], headers={
            "Content-Disposition": f'attachment; filename="{name}-{stamp}.{fmt}"', "Cache-Control": "no-store"})

    @server.get("/report")
    def report_download() -> flask.Response:
        """The situation report for anyone signed in (`?format=pdf|html&at=ISO&hours=8&lang=`), audited."""
        args = flask.request.args
        user = gate.current_user()
        fmt = args.get("format", "pdf")
        try:
            at = export.parse_at(args.get("at"), datetime.now(UTC))
            hours = float(args.get("hours", 8))
            if fmt not in ("pdf", "html") or not 0 < hours <= 24 * 7:
                raise ValueError("format is pdf or html, hours between 0 and 168")
        except ValueError as err:
            return flask.Response(json.dumps({"error": str(err)}), 400, mimetype="application/json")
        lang = args.get("lang", "en") if args.get("lang") in LANGUAGES else "en"
        with _open(pool).connection(timeout=10) as conn:
            document = report.situation_html(conn, settings_port_id(server), at, hours, lang,
                                             author=user.username if user else "")
            auth.audit(conn, user, "report", object_kind="report", detail={"format": fmt, "at": args.get("at"),
                                                                            "hours": hours},
                       client_addr=flask.request.remote_addr)
        stamp = (at or datetime.now(UTC)).strftime("%Y%m%dT%H%MZ")
        body = report.to_pdf(document) if fmt == "pdf" else document.encode()
        return flask.Response(body, mimetype="application/pdf" if fmt == "pdf" else "text/html", headers={
            "Content-Disposition": f'attachment; filename="situation-{stamp}.{fmt}"', "Cache-Control": "no-store"})

    @server.get("/report/incident/<int:alert_id>")
    def incident_download(alert_id: int) -> flask.Response:
        """One alert's incident report (`?format=pdf|html&lang=`), for anyone signed in, audited."""
        fmt = flask.request.args.get("format", "pdf")
        lang = flask.request.args.get("lang", "en")
        lang = lang if lang in LANGUAGES else "en"
        user = gate.current_user()
        if fmt not in ("pdf", "html"):
            return flask.Response(json.dumps({"error": "format is pdf or html"}), 400, mimetype="application/json")
        with _open(pool).connection(timeout=10) as conn:
            try:
                document = report.incident_html(conn, settings_port_id(server), alert_id, lang,
                                                author=user.username if user else "")
            except ValueError as err:
                return flask.Response(json.dumps({"error": str(err)}), 404, mimetype="application/json")
            auth.audit(conn, user, "report", object_kind="alert", object_id=str(alert_id), detail={"format": fmt},
                       client_addr=flask.request.remote_addr)
        body = report.to_pdf(document) if fmt == "pdf" else document.encode()
        return flask.Response(body, mimetype="application/pdf" if fmt == "pdf" else "text/html", headers={
            "Content-Disposition": f'attachment; filename="incident-{alert_id}.{fmt}"', "Cache-Control": "no-store"})

    @server.get("/audit")
    def audit_page() -> flask.Response:
        with _open(pool).connection(timeout=5) as conn:
            return audit.respond(conn, gate.current_user())

    @server.get("/healthz")
    def healthz() -> tuple[dict[str, Any], int]:
        try:
            with _open(pool).connection(timeout=2) as conn:
                conn.execute("SELECT 1")
        except (psycopg.Error, Exception) as err:  # noqa: BLE001 - any failure means unhealthy
            return {"ok": False, "error": type(err).__name__}, 503
        return {"ok": True}, 200


def _user_box(lang: str) -> html.Div:
    """Who is signed in, and the sign-out button (a plain form POST carrying the session's CSRF token)."""
    user = gate.current_user()
    if user is None:
        return html.Div(id=ids.USER)
    return html.Div(id=ids.USER, className="user", children=[
        html.Span(f"{user.display_name} · {user.role} · {user.agency}", id=ids.USER_NAME),
        html.A(t(lang, "report.download"), href="/report?format=pdf", id="report-link", className="audit-link"),
        html.A(t(lang, "user.audit"), href="/audit", id="audit-link", className="audit-link")
        if alert_actions.allowed(user, "audit_view") else None,
        html.Form(method="POST", action="/logout", children=[
            dcc.Input(type="hidden", name="csrf", value=user.csrf),
            html.Button(t(lang, "user.logout"), id=ids.LOGOUT, type="submit")]),
    ])


def _alert_section(lang: str) -> list[Any]:
    user = gate.current_user()
    may_act = user is not None and user.at_least("officer")
    return [
        html.H3(t(lang, "alerts.title"), id=ids.ALERTS_HEADING),
        html.Div(id=ids.ALERT_LIST, className="alert-list"),
        html.Div(className="alert-detail", children=[
            dcc.Textarea(id=ids.ALERT_NOTE, placeholder=t(lang, "alerts.note"), className="alert-note",
                         maxLength=2000, disabled=not may_act),
            html.Div(className="alert-actions", children=[
                html.Button(t(lang, f"alerts.{a}"), id={"type": ids.ALERT_ACT, "action": a}, n_clicks=0,
                            disabled=not may_act) for a in alert_panel.ACTIONS]),
            html.Div(id=ids.ALERT_MSG, className="alert-msg"),
            html.Div(id=ids.ALERT_TRAIL, className="alert-trail"),
        ]),
        dcc.Store(id=ids.ALERT_SELECTED), dcc.Store(id=ids.ALERT_SIG),
    ]


def _timebar(lang: str) -> html.Div:
    """The replay control under the map: the instant shown, a time to go to, steps back, play and speed."""
    return html.Div(className="timebar", id=ids.TIMEBAR, children=[
        html.Span(t(lang, "replay.live"), id=ids.REPLAY_CLOCK, className="replay-clock"),
        dcc.Input(id=ids.REPLAY_AT, type="text", debounce=True, placeholder=t(lang, "replay.at"),
                  className="replay-at", n_submit=0),
        *[html.Button(t(lang, "replay.back", by=by.lstrip("-")), id={"type": ids.REPLAY_BACK, "by": by}, n_clicks=0,
                      className="replay-back") for by in ("-10m", "-1h")],
        html.Button("▶ ❚❚", id=ids.REPLAY_PLAY, n_clicks=0, title=t(lang, "replay.play"), className="replay-play"),
        dcc.RadioItems(id=ids.REPLAY_SPEED, options=[{"label": f"{v}×", "value": v} for v in replay.SPEEDS],
                       value=replay.SPEEDS[0], inline=True, className="replay-speed"),
        html.Button(t(lang, "replay.to_live"), id=ids.REPLAY_LIVE, n_clicks=0, className="replay-live"),
        html.Span(id=ids.REPLAY_MSG, className="replay-msg"),
    ])


def layout() -> html.Div:
    lang = "en"
    toggles = [
        html.Div([dcc.Checklist(id={"type": ids.LAYER_TOGGLE, "layer": name},
                                options=[{"label": layer.title_in(lang), "value": name}], value=[name],
                                className="layer-toggle"),
                  html.Span(id={"type": ids.LAYER_AGE, "layer": name}, className="layer-age")], className="layer-row")
        for name, layer in LAYERS.items()
    ]
    return html.Div(className="shell", children=[
        html.Header(className="topbar", children=[
            html.Div(className="brand", children=[
                html.Span(t(lang, "app.title"), id=ids.TITLE, className="brand-title"),
                html.Span(t(lang, "app.subtitle"), id=ids.SUBTITLE, className="brand-sub"),
            ]),
            dcc.RadioItems(id=ids.LANG, options=[{"label": v, "value": k} for k, v in LANGUAGES.items()],
                           value=lang, inline=True, className="lang-switch"),
            _user_box(lang),
        ]),
        html.Aside(className="side", children=[
            html.Div(dcc.Input(id=ids.SEARCH, type="search", debounce=True, placeholder=t(lang, "search.placeholder")),
                     className="search"),
            html.Div(id=ids.SEARCH_HITS, className="search-hits"),
            *_alert_section(lang),
            html.H3(t(lang, "panel.layers"), id=ids.LAYERS_HEADING), *toggles,
            html.Div(t(lang, "status.loading"), id=ids.STATUS, className="status"),
            html.Div(id=ids.CARD),
            html.Details(id=ids.OPS_WATCH_BOX, className="stats-box ops-box", open=False, children=[
                html.Summary(t(lang, "ops.watch_heading"), id=ids.OPS_WATCH_HEADING), html.Div(id=ids.OPS_WATCH)]),
            html.Details(id=ids.OPS_PLAN_BOX, className="stats-box ops-box", open=False, children=[
                html.Summary(t(lang, "ops.plan_heading"), id=ids.OPS_PLAN_HEADING), html.Div(id=ids.OPS_PLAN)]),
            html.Details(id=ids.OPS_DIRECT_BOX, className="stats-box ops-box", open=False, children=[
                html.Summary(t(lang, "ops.direct_heading"), id=ids.OPS_DIRECT_HEADING), html.Div(id=ids.OPS_DIRECT)]),
            html.Details(id=ids.STATS_BOX, className="stats-box", open=False, children=[
                html.Summary(t(lang, "stats.heading"), id=ids.STATS_HEADING),
                dcc.RadioItems(id=ids.STATS_GRAIN, value="day", inline=True, className="stats-grain",
                               options=[{"label": t(lang, f"stats.{g}"), "value": g} for g in stats.GRAINS]),
                dcc.Graph(id=ids.STATS_GRAPH, config={"displayModeBar": False, "responsive": True},
                          className="stats-graph"),
            ]),
        ]),
        html.Main(className="mapwrap", children=[
            html.Div(id=ids.KPIS, className="kpis"),
            html.Div(id=ids.BANNER, className="banner"),
            html.Div(id=ids.SERVER_BANNER, className="banner banner-server"),
            dcc.Graph(id=ids.MAP, className="map", config={"scrollZoom": True, "displaylogo": False,
                                                            "modeBarButtonsToRemove": ["toImage"]},
                      style={"height": "100%"}),
            _timebar(lang),
        ]),
        dcc.Store(id=ids.TRACE_LAYERS),
        dcc.Store(id=ids.STYLE_LAYERS),
        dcc.Store(id=ids.SELECTED),
        dcc.Store(id=ids.LIVE, data={}),
        dcc.Store(id=ids.VIEW),
        dcc.Store(id=ids.REPLAY, data={}),
        dcc.Store(id=ids.LIVE_SEEN),
        dcc.Store(id=ids.STYLE_TOGGLED),
        dcc.Store(id=ids.STATS_SIG),
        dcc.Store(id=ids.SIDE_WIDTH),
        dcc.Interval(id=ids.TICK, interval=TICK_MS),
        dcc.Interval(id=ids.PANEL_TICK, interval=PANEL_TICK_MS),
        dcc.Interval(id=ids.ALERT_TICK, interval=ALERT_TICK_MS),
        dcc.Location(id=ids.URL, refresh=False),
    ])


def _callbacks(app: dash.Dash, settings: AppSettings, pool: ConnectionPool) -> None:
    last_good: dict[str, datetime] = {}
    clients = live.Clients()        # what each browser's map holds (app/live.py)

    @app.callback(
        Output(ids.MAP, "figure"), Output(ids.TRACE_LAYERS, "data"), Output(ids.STATUS, "children"),
        Output(ids.TITLE, "children"), Output(ids.SUBTITLE, "children"), Output(ids.LAYERS_HEADING, "children"),
        Output({"type": ids.LAYER_TOGGLE, "layer": ALL}, "options"), Output(ids.SEARCH, "placeholder"),
        Output(ids.LIVE, "data", allow_duplicate=True), Output(ids.STYLE_LAYERS, "data"),
        Input(ids.LANG, "value"),
        State({"type": ids.LAYER_TOGGLE, "layer": ALL}, "value"),
        State({"type": ids.LAYER_TOGGLE, "layer": ALL}, "id"),
        State(ids.URL, "search"),
        prevent_initial_call="initial_duplicate",
    )
    def render(lang: str, values: list[list[str]], toggle_ids: list[dict[str, str]],
               search: str | None = None) -> tuple[Any, ...]:
        lang = lang if lang in LANGUAGES else "en"
        visible = {name for v in values for name in (v or [])}
        options = [[{"label": LAYERS[i["layer"]].title_in(lang), "value": i["layer"]}] for i in toggle_ids]
        strings = (t(lang, "app.title"), t(lang, "app.subtitle"), t(lang, "panel.layers"), options,
                   t(lang, "search.placeholder"))
        try:
            with _open(pool).connection(timeout=5) as conn:
                port = port_info(conn, settings.port_id)
                if port is None:
                    return (dash.no_update, dash.no_update, t(lang, "status.no_port", port=settings.port_id),
                            *strings, dash.no_update, dash.no_update)
                at_view = parse_view(search)
                fig, owners = build_figure(conn, port, lang, visible, flask.request.host_url, at_view)
                patch, client, _ = live.tick(conn, port, None, owners, lang, visible,
                                             live.MapView(None, at_view[2] if at_view else port.zoom))
                figure = fig.to_plotly_json()
                live.apply_whole_traces(figure, patch)
                clients.put(client)
        except (psycopg.Error, TimeoutError) as err:
            log.warning("map render failed: %s", err)
            since = last_good.setdefault("failed", datetime.now(UTC))
            return (dash.no_update, dash.no_update, t(lang, "status.stale", since=f"{since:%H:%M:%S} UTC"),
                    *strings, dash.no_update, dash.no_update)
        last_good.pop("failed", None)
        title = f"{t(lang, 'app.title')} · {port.name(lang)}"
        status = t(lang, "status.ok", at=f"{port.loaded_at:%Y-%m-%d %H:%M} UTC")
        style_owners = [(layer.get("metadata") or {}).get("portmap:layer")
                        for layer in figure["layout"]["map"]["style"]["layers"]]
        return (figure, owners, status, title, *strings[1:], {"gen": client.gen}, style_owners)

    @app.callback(
        Output(ids.MAP, "figure", allow_duplicate=True),
        Input({"type": ids.LAYER_TOGGLE, "layer": ALL}, "value"),
        State(ids.TRACE_LAYERS, "data"), State(ids.STYLE_LAYERS, "data"),
        prevent_initial_call=True,
    )
    def toggle(values: list[list[str]], owners: list[str] | None, style_owners: list[str | None] | None) -> Patch:
        if not owners:
            raise PreventUpdate
        visible = {name for v in values for name in (v or [])}
        patch = Patch()
        for index, owner in enumerate(owners):
            patch["data"][index]["visible"] = owner in visible
        for index, name in enumerate(style_owners or []):      # the reference layers drawn in the style
            if name:
                patch["layout"]["map"]["style"]["layers"][index]["layout"]["visibility"] = \
                    "visible" if name in visible else "none"
        return patch

    app.clientside_callback(ClientsideFunction("portmap", "view"), Output(ids.VIEW, "data"),
                            Input(ids.TICK, "n_intervals"))
    app.clientside_callback(ClientsideFunction("portmap", "refit"), Output(ids.SIDE_WIDTH, "data"),
                            Input(ids.STATS_HEADING, "n_clicks"), Input(ids.OPS_WATCH_HEADING, "n_clicks"),
                            Input(ids.OPS_PLAN_HEADING, "n_clicks"), prevent_initial_call=True)
    app.clientside_callback(ClientsideFunction("portmap", "seen"), Output(ids.LIVE_SEEN, "data"),
                            Input(ids.LIVE, "data"))
    app.clientside_callback(ClientsideFunction("portmap", "styleToggle"), Output(ids.STYLE_TOGGLED, "data"),
                            Input({"type": ids.LAYER_TOGGLE, "layer": ALL}, "value"),
                            State({"type": ids.LAYER_TOGGLE, "layer": ALL}, "id"), prevent_initial_call=True)
    ages_cache = live.TtlCache(0.9)
    ports = live.TtlCache(5)                  # the port's name, box and zoom: read once for every officer's tick
    alert_rows_cache = live.TtlCache(0.5)     # the alert list's rows and their digests, shared by every officer

    def _alert_rows(conn: Any, port_id: str, at: datetime | None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """The rows, with the digests of what the list shows of them in each language: without the titles
        (which alerts, how severe, in what state) and with them."""
        rows = alert_panel.alert_rows(conn, port_id, at)
        return rows, {lang: (live.digest({"r": alert_panel.shown(rows, lang, titles=False)}),
                             live.digest({"t": alert_panel.shown(rows, lang)})) for lang in LANGUAGES}
    alert_lists = live.TtlCache(5)            # the rendered list by what it shows

    @app.callback(
        Output(ids.KPIS, "children"), Output(ids.BANNER, "children"),
        Input(ids.PANEL_TICK, "n_intervals"), Input(ids.LANG, "value"), Input(ids.REPLAY, "data"),
    )
    def panels(_n: int | None, lang: str, replaying: dict[str, Any] | None = None) -> tuple[Any, Any]:
        """The KPI strip (at the replayed instant in a replay) and the banner of silent feeds (or of the
        database being away, or of the replay)."""
        lang = lang if lang in LANGUAGES else "en"
        at = replay.instant(replaying, datetime.now(UTC))
        try:
            with _open(pool).connection(timeout=2) as conn:
                kpis = strip(port_kpis(conn, settings.port_id, at=at), lang)
                banner = silent_banner(conn, lang)
                if at is not None:
                    banner = " · ".join(filter(None, [t(lang, "replay.banner", at=f"{at:%Y-%m-%d %H:%M:%S} UTC"),
                                                      banner]))
        except (psycopg.Error, TimeoutError) as err:
            log.warning("panels refresh failed: %s", err)
            since = last_good.setdefault("panels_failed", datetime.now(UTC))
            return dash.no_update, t(lang, "status.db", since=f"{since:%H:%M:%S} UTC")
        last_good.pop("panels_failed", None)
        return kpis, banner

    @app.callback(
        Output(ids.MAP, "figure", allow_duplicate=True), Output(ids.LIVE, "data"),
        Output({"type": ids.LAYER_AGE, "layer": ALL}, "children"), Output(ids.REPLAY_CLOCK, "children"),
        Input(ids.VIEW, "data"),
        State(ids.LIVE, "data"), State(ids.TRACE_LAYERS, "data"), State(ids.LANG, "value"),
        State({"type": ids.LAYER_TOGGLE, "layer": ALL}, "value"), State(ids.SELECTED, "data"),
        State({"type": ids.LAYER_AGE, "layer": ALL}, "id"), State(ids.REPLAY, "data"),
        prevent_initial_call=True,
    )
    def refresh(view: dict[str, Any] | None, state: dict[str, Any] | None, owners: list[str] | None, lang: str,
                values: list[list[str]], selected: int | None, age_ids: list[dict[str, str]],
                replaying: dict[str, Any] | None = None) -> tuple[Any, ...]:
        """Each tick sends only what changed since this browser's last tick (app/live.py), and each layer's
        data age; in a replay, the picture at the replayed instant. `live.at` tells the page that the server
        answered."""
        visible = {name for v in values for name in (v or [])}
        lang = lang if lang in LANGUAGES else "en"
        state = state or {}
        now = datetime.now(UTC)
        at = replay.instant(replaying, now)
        try:
            with _open(pool).connection(timeout=2) as conn:
                port = ports.get(settings.port_id, lambda: port_info(conn, settings.port_id))
                if port is None:
                    raise PreventUpdate
                client = clients.get(state.get("gen"))
                patch, client, n_ops = live.tick(conn, port, client, owners or [], lang, visible,
                                                 live.MapView.from_store(view, port.zoom), selected, at)
                clients.put(client)
                ages = ages_cache.get(port.port_id, lambda: layer_ages(conn, port.port_id))
        except (psycopg.Error, TimeoutError) as err:
            log.warning("live refresh failed: %s", err)     # the panels' banner says the database is away
            return dash.no_update, {**state, "at": _now_ms()}, [dash.no_update] * len(age_ids), dash.no_update
        return (patch if n_ops and owners else dash.no_update, {"gen": client.gen, "at": _now_ms()},
                [say_age(ages.get(i["layer"]), lang) for i in age_ids], replay.clock(replaying, lang, now))

    @app.callback(
        Output(ids.MAP, "figure", allow_duplicate=True), Output(ids.SEARCH_HITS, "children"),
        Input(ids.SEARCH, "value"), State(ids.LANG, "value"),
        prevent_initial_call=True,
    )
    def find(text: str | None, lang: str) -> tuple[Any, Any]:
        """Search, list what was found and fly the map to the first hit (a new uirevision lets it move)."""
        try:
            with _open(pool).connection(timeout=2) as conn:
                hits = search(conn, settings.port_id, text or "")
                if (text or "").strip():        # what officers looked for is on record (and any odd input with it)
                    auth.audit(conn, gate.current_user(), "search", object_kind="search",
                               detail={"q": (text or "")[:200], "hits": len(hits)},
                               client_addr=flask.request.remote_addr)
        except (psycopg.Error, TimeoutError) as err:
            log.warning("search failed: %s", err)
            raise PreventUpdate from err
        if not hits:
            return dash.no_update, (t(lang, "search.none") if (text or "").strip() else "")
        first = hits[0]
        patch = Patch()
        patch["layout"]["map"]["center"] = {"lon": first.lon, "lat": first.lat}
        patch["layout"]["map"]["zoom"] = 15.5 if first.kind == "container" else 13.5
        patch["layout"]["uirevision"] = f"{settings.port_id}:{first.kind}:{first.ident}"
        listing = [html.Div(f"{t(lang, 'search.' + h.kind)} · {h.label}", id=f"hit-{h.kind}-{h.ident}") for h in hits]
        return patch, listing

    @app.callback(Output(ids.CARD, "children"), Output(ids.SELECTED, "data"), Input(ids.MAP, "clickData"),
                  State(ids.LANG, "value"), State(ids.TRACE_LAYERS, "data"), prevent_initial_call=True)
    def card(click: dict[str, Any] | None, lang: str, owners: list[str] | None = None) -> tuple[Any, Any]:
        """A click opens the card of what was clicked: a vessel (and her 24 h track), a container or a stack, or
        a camera with its recent detections."""
        point = ((click or {}).get("points") or [{}])[0]
        ref = point.get("customdata")
        curve = point.get("curveNumber")
        layer = owners[curve] if owners and isinstance(curve, int) and 0 <= curve < len(owners) else None
        lang = lang if lang in LANGUAGES else "en"
        try:
            with _open(pool).connection(timeout=2) as conn:
                if layer == "vessels" and isinstance(ref, int) and 1 <= ref <= 999_999_999:
                    return vessel_card(conn, ref, lang), ref
                customs = alert_actions.allowed(gate.current_user(), "customs_details")
                boxes = ("dg_containers", "direct_delivery")
                if layer in boxes and isinstance(ref, str) and CONTAINER_RE.match(ref):
                    return container_card(conn, settings.port_id, lang, container_no=ref, customs=customs), None
                if isinstance(ref, str) and (m := STACK_RE.match(ref)):
                    stack = (m[1], int(m[2]), int(m[3]))
                    return container_card(conn, settings.port_id, lang, stack=stack, customs=customs), None
                if isinstance(ref, str) and ref.startswith("camera:"):
                    return camera_card(conn, settings.port_id, ref.split(":", 1)[1], lang), None
        except (psycopg.Error, TimeoutError) as err:
            log.warning("card failed: %s", err)
        raise PreventUpdate

    stats_figures = live.TtlCache(60)        # the port statistics change by the hour: shared for a minute
    ops_rows = live.TtlCache(4)              # the port operations' rows, shared by every officer

    @app.callback(
        Output(ids.OPS_WATCH, "children"), Output(ids.OPS_WATCH_HEADING, "children"),
        Output(ids.OPS_PLAN, "children"), Output(ids.OPS_PLAN_HEADING, "children"),
        Output(ids.OPS_DIRECT, "children"), Output(ids.OPS_DIRECT_HEADING, "children"),
        Input(ids.OPS_WATCH_HEADING, "n_clicks"), Input(ids.OPS_PLAN_HEADING, "n_clicks"),
        Input(ids.OPS_DIRECT_HEADING, "n_clicks"), Input(ids.PANEL_TICK, "n_intervals"), Input(ids.LANG, "value"),
    )
    def operations(watch_clicks: int | None, plan_clicks: int | None, direct_clicks: int | None, _n: int | None,
                   lang: str) -> tuple[Any, ...]:
        """The anchorage watch, the berth plan against AIS and direct delivery, refreshed with the KPIs while
        unfolded (html.Details does not tell the server whether it is open; a click on its summary folds or unfolds
        it, so an odd count of clicks is open)."""
        lang = lang if lang in LANGUAGES else "en"
        views = {"watch": (watch_clicks, ops.anchorage_watch, ops.watch_table),
                 "plan": (plan_clicks, ops.berth_plan, ops.plan_table),
                 "direct": (direct_clicks, ops.direct_delivery, ops.direct_table)}
        shown: dict[str, Any] = {}
        try:
            with _open(pool).connection(timeout=2) as conn:
                for name, (clicks, rows_of, table) in views.items():
                    if (clicks or 0) % 2:
                        rows = ops_rows.get((name, settings.port_id), functools.partial(rows_of, conn,
                                                                                         settings.port_id))
                        shown[name] = table(rows, lang)
        except (psycopg.Error, TimeoutError) as err:
            log.warning("port operations failed: %s", err)
        return (shown.get("watch", dash.no_update), t(lang, "ops.watch_heading"),
                shown.get("plan", dash.no_update), t(lang, "ops.plan_heading"),
                shown.get("direct", dash.no_update), t(lang, "ops.direct_heading"))

    @app.callback(
        Output(ids.STATS_GRAPH, "figure"), Output(ids.STATS_HEADING, "children"),
        Output(ids.STATS_GRAIN, "options"), Output(ids.STATS_SIG, "data"),
        Input(ids.STATS_HEADING, "n_clicks"), Input(ids.STATS_GRAIN, "value"), Input(ids.PANEL_TICK, "n_intervals"),
        Input(ids.LANG, "value"), State(ids.STATS_SIG, "data"),
    )
    def port_statistics(clicks: int | None, grain: str | None, _n: int | None, lang: str,
                        shown: str | None) -> tuple[Any, ...]:
        """The port's statistics beside the map (computed from the hourly roll-up), only while unfolded (an odd
        count of clicks on its summary; see operations)."""
        opened = bool((clicks or 0) % 2)
        lang = lang if lang in LANGUAGES else "en"
        grain = grain if grain in stats.GRAINS else "day"
        options = [{"label": t(lang, f"stats.{g}"), "value": g} for g in stats.GRAINS]
        if not opened:
            return dash.no_update, t(lang, "stats.heading"), options, dash.no_update

        def make() -> tuple[str, Any]:
            with _open(pool).connection(timeout=2) as conn:
                frame = stats.port_stats(conn, settings.port_id, grain, *stats.window(grain))
            fig = stats.figure(frame, grain, lang)
            return live.digest({"f": fig.to_plotly_json()}), fig
        try:
            sig, fig = stats_figures.get((settings.port_id, grain, lang), make)
        except (psycopg.Error, TimeoutError) as err:
            log.warning("port statistics failed: %s", err)
            raise PreventUpdate from err
        return (dash.no_update if sig == shown else fig), t(lang, "stats.heading"), options, sig

    @app.callback(
        Output(ids.ALERT_LIST, "children"), Output(ids.ALERT_TRAIL, "children"), Output(ids.ALERT_SIG, "data"),
        Input(ids.ALERT_TICK, "n_intervals"), Input(ids.ALERT_SELECTED, "data"), Input(ids.LANG, "value"),
        State(ids.ALERT_SIG, "data"), State(ids.REPLAY, "data"),
    )
    def alerts(_n: int | None, selected: int | None, lang: str, shown: str | None,
               replaying: dict[str, Any] | None = None) -> tuple[Any, Any, Any]:
        """The alert list (as it stood, in a replay) and the selected alert's lifecycle, re-rendered only when
        they changed."""
        lang = lang if lang in LANGUAGES else "en"
        at = replay.instant(replaying, datetime.now(UTC))
        try:
            with _open(pool).connection(timeout=2) as conn:
                rows, digests = alert_rows_cache.get((settings.port_id, at),
                                                     lambda: _alert_rows(conn, settings.port_id, at))
                lines: list[Any] = alert_panel.trail(conn, selected, lang) if selected else []
                if selected:
                    lines = [html.A(t(lang, "report.incident_link"), href=f"/report/incident/{selected}?format=pdf"
                                    f"&lang={lang}", id="incident-link", className="incident-link"),
                             *alert_panel.case_steps(conn, selected, lang, gate.current_user()), *lines]
        except (psycopg.Error, TimeoutError) as err:
            log.warning("alert list failed: %s", err)
            raise PreventUpdate from err
        now = datetime.now(UTC)
        minute = (at or now).strftime("%Y%m%d%H:%M")
        # A new, escalated, acknowledged or resolved alert shows at the next poll; the live figures in titles
        # (a collision risk's CPA, say) refresh every 10 s, not every second for every officer.
        which, titles = digests[lang]          # of the rows: computed once for every officer
        structure = live.digest({"rows": which, "lines": [str(x) for x in lines] if selected else [],
                                 "sel": selected, "lang": lang, "minute": minute})
        bucket = str(int((at or now).timestamp() // 10))
        was = (shown or "").split("|")
        if len(was) == 3 and was[0] == structure and (was[1] == titles or was[2] == bucket):
            raise PreventUpdate
        sig = f"{structure}|{titles}|{bucket}"
        listed = alert_lists.get((settings.port_id, lang, selected, minute, titles),    # titles: all the list shows
                                 lambda: live.plain(alert_panel.alert_list(rows, lang, selected, at or now)))
        return listed, lines, sig

    @app.callback(
        Output(ids.ALERT_SELECTED, "data"), Output(ids.MAP, "figure", allow_duplicate=True),
        Input({"type": ids.ALERT_ROW, "alert": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def pick(clicks: list[int | None]) -> tuple[Any, Any]:
        """A click on an alert selects it and flies the map there."""
        hit = ctx.triggered_id
        if not isinstance(hit, dict) or not any(c for c in clicks if c):
            raise PreventUpdate
        alert_id = int(hit["alert"])
        with _open(pool).connection(timeout=2) as conn:
            row = next((r for r in alert_panel.alert_rows(conn, settings.port_id) if r["alert_id"] == alert_id), None)
        if row is None or row["lon"] is None:
            return alert_id, dash.no_update
        patch = Patch()
        patch["layout"]["map"]["center"] = {"lon": row["lon"], "lat": row["lat"]}
        patch["layout"]["map"]["zoom"] = 14
        patch["layout"]["uirevision"] = f"{settings.port_id}:alert:{alert_id}"
        return alert_id, patch

    @app.callback(
        Output(ids.ALERT_MSG, "children"), Output(ids.ALERT_NOTE, "value"),
        Output(ids.ALERT_SIG, "data", allow_duplicate=True),
        Input({"type": ids.ALERT_ACT, "action": ALL}, "n_clicks"),
        State(ids.ALERT_SELECTED, "data"), State(ids.ALERT_NOTE, "value"), State(ids.LANG, "value"),
        prevent_initial_call=True,
    )
    def act(clicks: list[int | None], selected: int | None, note: str | None, lang: str) -> tuple[Any, Any, Any]:
        """Acknowledge, suppress or resolve the selected alert as the signed-in officer; refusals are said and
        audited."""
        hit = ctx.triggered_id
        if not isinstance(hit, dict) or not any(c for c in clicks if c):
            raise PreventUpdate
        lang = lang if lang in LANGUAGES else "en"
        action = str(hit["action"])
        user = gate.current_user()
        if selected is None:
            return t(lang, "alerts.pick"), dash.no_update, dash.no_update
        note = (note or "").strip()[:2000]
        with _open(pool).connection(timeout=5) as conn:
            if user is None or action not in alert_panel.ACTIONS or not alert_actions.allowed(user, action):
                auth.audit(conn, user, "refused", object_kind="alert", object_id=str(selected),
                           detail={"action": action, "why": "role"}, client_addr=flask.request.remote_addr)
                return (t(lang, "alerts.role", role=user.role if user else "-", action=t(lang, f"alerts.{action}")),
                        dash.no_update, dash.no_update)
            try:
                if action == "acknowledge":
                    alert_actions.acknowledge(conn, selected, user.actor(), note or None)
                elif action == "suppress":
                    alert_actions.suppress(conn, selected, user.actor(), alert_panel.SUPPRESS_MINUTES,
                                           note or t(lang, "alerts.suppress"))
                else:
                    alert_actions.resolve(conn, selected, user.actor(), note)
            except alert_actions.ActionRefused as err:
                auth.audit(conn, user, "refused", object_kind="alert", object_id=str(selected),
                           detail={"action": action, "why": str(err)}, client_addr=flask.request.remote_addr)
                return t(lang, "alerts.refused", reason=str(err)), dash.no_update, dash.no_update
        return t(lang, "alerts.done", action=t(lang, f"alerts.{action}")), "", None

    @app.callback(
        Output(ids.REPLAY, "data"), Output(ids.REPLAY_MSG, "children"), Output(ids.REPLAY_AT, "value"),
        Output(ids.TIMEBAR, "className"),
        Input(ids.REPLAY_AT, "n_submit"), Input({"type": ids.REPLAY_BACK, "by": ALL}, "n_clicks"),
        Input(ids.REPLAY_PLAY, "n_clicks"), Input(ids.REPLAY_LIVE, "n_clicks"), Input(ids.REPLAY_SPEED, "value"),
        State(ids.REPLAY_AT, "value"), State(ids.REPLAY, "data"), State(ids.LANG, "value"),
        prevent_initial_call=True,
    )
    def replay_control(_submit: int | None, _back: list[int | None], _play: int | None, _live: int | None,
                       speed: int | None, text: str | None, state: dict[str, Any] | None,
                       lang: str) -> tuple[Any, Any, Any, Any]:
        """The time control: go to a time, step back, play or pause, change speed, back to live."""
        hit = ctx.triggered_id
        new, cleared = _replay_step(hit, state, speed, text)
        if isinstance(new, replay.ReplayError):
            return dash.no_update, t(lang if lang in LANGUAGES else "en", f"replay.{new}"), dash.no_update, \
                dash.no_update
        return new, "", cleared, "timebar replaying" if new else "timebar"

    def _replay_step(hit: Any, state: dict[str, Any] | None, speed: int | None,
                     text: str | None) -> tuple[Any, Any]:
        """The replay after the control that fired, and what the time box should say then."""
        now = datetime.now(UTC)
        speed = speed if speed in replay.SPEEDS else 1
        try:
            if hit == ids.REPLAY_AT:
                if not (text or "").strip():
                    raise PreventUpdate
                return replay.step(state, "goto", now, speed=speed, text=text or ""), dash.no_update
            if isinstance(hit, dict):
                return replay.step(state, "back", now, speed=speed, text=str(hit["by"])), ""
            action = {ids.REPLAY_PLAY: "play", ids.REPLAY_LIVE: "live", ids.REPLAY_SPEED: "speed"}.get(str(hit))
            if action is None:
                raise PreventUpdate
            return replay.step(state, action, now, speed=speed), "" if action == "live" else dash.no_update
        except replay.ReplayError as err:
            return err, dash.no_update

    @app.callback(
        Output(ids.REPLAY_AT, "placeholder"), Output({"type": ids.REPLAY_BACK, "by": ALL}, "children"),
        Output(ids.REPLAY_PLAY, "title"), Output(ids.REPLAY_LIVE, "children"),
        Input(ids.LANG, "value"), State({"type": ids.REPLAY_BACK, "by": ALL}, "id"),
        prevent_initial_call=True,
    )
    def timebar_language(lang: str, backs: list[dict[str, str]]) -> tuple[Any, ...]:
        lang = lang if lang in LANGUAGES else "en"
        return (t(lang, "replay.at"), [t(lang, "replay.back", by=b["by"].lstrip("-")) for b in backs],
                t(lang, "replay.play"), t(lang, "replay.to_live"))

    @app.callback(
        Output(ids.ALERT_MSG, "children", allow_duplicate=True), Output(ids.ALERT_NOTE, "value", allow_duplicate=True),
        Output(ids.ALERT_SIG, "data", allow_duplicate=True),
        Input({"type": alert_panel.CASE_STEP, "case": ALL, "step": ALL}, "n_clicks"),
        State(ids.ALERT_NOTE, "value"), State(ids.LANG, "value"),
        prevent_initial_call=True,
    )
    def case_step(clicks: list[int | None], note: str | None, lang: str) -> tuple[Any, Any, Any]:
        """An officer of the step's agency records it done, with its outcome; refusals are said and audited."""
        hit = ctx.triggered_id
        if not isinstance(hit, dict) or not any(c for c in clicks if c):
            raise PreventUpdate
        lang = lang if lang in LANGUAGES else "en"
        outcome = (note or "").strip()[:2000]
        if not outcome:
            return t(lang, "case.outcome"), dash.no_update, dash.no_update
        user = gate.current_user()
        with _open(pool).connection(timeout=5) as conn:
            if user is None:
                raise PreventUpdate
            try:
                closed = alert_actions.complete_step(conn, int(hit["case"]), str(hit["step"]), user.actor(), outcome)
            except alert_actions.ActionRefused as err:
                auth.audit(conn, user, "refused", object_kind="case", object_id=str(hit["case"]),
                           detail={"step": hit["step"], "why": str(err)}, client_addr=flask.request.remote_addr)
                return t(lang, "alerts.refused", reason=str(err)), dash.no_update, dash.no_update
        return t(lang, "case.closed" if closed else "case.step_saved"), "", None
