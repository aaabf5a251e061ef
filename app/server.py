"""create_app: the Dash app serving the one map, its offline glyphs and fonts, and a health check."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dash
import flask
import psycopg
from dash import ALL, ClientsideFunction, Input, Output, Patch, State, dcc, html
from dash.exceptions import PreventUpdate
from psycopg_pool import ConnectionPool

from app import gate, ids, live
from app.ages import layer_ages, say_age
from app.cards import silent_banner, vessel_card
from app.figure import build_figure, parse_view, port_info
from app.i18n import LANGUAGES, t
from app.kpi import port_kpis, strip
from app.search import search
from app.settings import AppSettings
from layers import LAYERS

log = logging.getLogger(__name__)
ASSETS = Path(__file__).resolve().parent.parent / "assets"
GLYPHS = ASSETS / "glyphs"
RANGE_RE = re.compile(r"^(\d+)-(\d+)$")
TICK_MS = 1000            # the map
PANEL_TICK_MS = 5000      # the KPI strip and the silent-feed banner


def create_app(settings: AppSettings) -> dash.Dash:
    """Build the app; nothing connects until the first request."""
    db = settings.db()
    pool = ConnectionPool(db.url, min_size=1, max_size=8, open=False, kwargs={
        "options": f"-c statement_timeout={db.statement_timeout_ms} -c timezone=UTC",
        "application_name": db.application_name})
    app = dash.Dash(__name__, assets_folder=str(ASSETS), assets_ignore=r"^(ports|i18n|glyphs)/",
                    title="Port One-Map", update_title=None, serve_locally=True)  # type: ignore[arg-type]
    app.layout = layout
    gate.install(app.server, lambda: _open(pool))
    _routes(app.server, pool)
    _callbacks(app, settings, pool)
    return app


def _now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


def _open(pool: ConnectionPool) -> ConnectionPool:
    if pool.closed:
        pool.open(wait=False)
    return pool


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
        html.Form(method="POST", action="/logout", children=[
            dcc.Input(type="hidden", name="csrf", value=user.csrf),
            html.Button(t(lang, "user.logout"), id=ids.LOGOUT, type="submit")]),
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
            html.H3(t(lang, "panel.layers"), id=ids.LAYERS_HEADING), *toggles,
            html.Div(t(lang, "status.loading"), id=ids.STATUS, className="status"),
            html.Div(id=ids.CARD),
        ]),
        html.Main(className="mapwrap", children=[
            html.Div(id=ids.KPIS, className="kpis"),
            html.Div(id=ids.BANNER, className="banner"),
            html.Div(id=ids.SERVER_BANNER, className="banner banner-server"),
            dcc.Graph(id=ids.MAP, className="map", config={"scrollZoom": True, "displaylogo": False,
                                                            "modeBarButtonsToRemove": ["toImage"]},
                      style={"height": "100%"}),
        ]),
        dcc.Store(id=ids.TRACE_LAYERS),
        dcc.Store(id=ids.SELECTED),
        dcc.Store(id=ids.LIVE, data={}),
        dcc.Store(id=ids.VIEW),
        dcc.Store(id=ids.LIVE_SEEN),
        dcc.Interval(id=ids.TICK, interval=TICK_MS),
        dcc.Interval(id=ids.PANEL_TICK, interval=PANEL_TICK_MS),
        dcc.Location(id=ids.URL, refresh=False),
    ])


def _callbacks(app: dash.Dash, settings: AppSettings, pool: ConnectionPool) -> None:
    last_good: dict[str, datetime] = {}

    @app.callback(
        Output(ids.MAP, "figure"), Output(ids.TRACE_LAYERS, "data"), Output(ids.STATUS, "children"),
        Output(ids.TITLE, "children"), Output(ids.SUBTITLE, "children"), Output(ids.LAYERS_HEADING, "children"),
        Output({"type": ids.LAYER_TOGGLE, "layer": ALL}, "options"), Output(ids.SEARCH, "placeholder"),
        Output(ids.LIVE, "data", allow_duplicate=True),
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
                            *strings, dash.no_update)
                fig, owners = build_figure(conn, port, lang, visible, flask.request.host_url, parse_view(search))
        except (psycopg.Error, TimeoutError) as err:
            log.warning("map render failed: %s", err)
            since = last_good.setdefault("failed", datetime.now(UTC))
            return (dash.no_update, dash.no_update, t(lang, "status.stale", since=f"{since:%H:%M:%S} UTC"),
                    *strings, dash.no_update)
        last_good.pop("failed", None)
        title = f"{t(lang, 'app.title')} · {port.name(lang)}"
        status = t(lang, "status.ok", at=f"{port.loaded_at:%Y-%m-%d %H:%M} UTC")
        return (fig, owners, status, title, *strings[1:], {})      # a new figure: the next tick starts afresh

    @app.callback(
        Output(ids.MAP, "figure", allow_duplicate=True),
        Input({"type": ids.LAYER_TOGGLE, "layer": ALL}, "value"),
        State(ids.TRACE_LAYERS, "data"),
        prevent_initial_call=True,
    )
    def toggle(values: list[list[str]], owners: list[str] | None) -> Patch:
        if not owners:
            raise PreventUpdate
        visible = {name for v in values for name in (v or [])}
        patch = Patch()
        for index, owner in enumerate(owners):
            patch["data"][index]["visible"] = owner in visible
        return patch

    app.clientside_callback(ClientsideFunction("portmap", "view"), Output(ids.VIEW, "data"),
                            Input(ids.TICK, "n_intervals"))
    app.clientside_callback(ClientsideFunction("portmap", "seen"), Output(ids.LIVE_SEEN, "data"),
                            Input(ids.LIVE, "data"))
    app.clientside_callback(ClientsideFunction("portmap", "stale"), Output(ids.SERVER_BANNER, "children"),
                            Input(ids.TICK, "n_intervals"), State(ids.LIVE_SEEN, "data"), State(ids.LANG, "value"))
    clients = live.Clients()
    ages_cache = live.TtlCache(0.9)

    @app.callback(
        Output(ids.KPIS, "children"), Output(ids.BANNER, "children"),
        Input(ids.PANEL_TICK, "n_intervals"), Input(ids.LANG, "value"),
    )
    def panels(_n: int | None, lang: str) -> tuple[Any, Any]:
        """The KPI strip and the banner of silent feeds (or of the database being away)."""
        lang = lang if lang in LANGUAGES else "en"
        try:
            with _open(pool).connection(timeout=2) as conn:
                kpis = strip(port_kpis(conn, settings.port_id), lang)
                banner = silent_banner(conn, lang)
        except (psycopg.Error, TimeoutError) as err:
            log.warning("panels refresh failed: %s", err)
            since = last_good.setdefault("panels_failed", datetime.now(UTC))
            return dash.no_update, t(lang, "status.db", since=f"{since:%H:%M:%S} UTC")
        last_good.pop("panels_failed", None)
        return kpis, banner

    @app.callback(
        Output(ids.MAP, "figure", allow_duplicate=True), Output(ids.LIVE, "data"),
        Output({"type": ids.LAYER_AGE, "layer": ALL}, "children"),
        Input(ids.VIEW, "data"),
        State(ids.LIVE, "data"), State(ids.TRACE_LAYERS, "data"), State(ids.LANG, "value"),
        State({"type": ids.LAYER_TOGGLE, "layer": ALL}, "value"), State(ids.SELECTED, "data"),
        State({"type": ids.LAYER_AGE, "layer": ALL}, "id"),
        prevent_initial_call=True,
    )
    def refresh(view: dict[str, Any] | None, state: dict[str, Any] | None, owners: list[str] | None, lang: str,
                values: list[list[str]], selected: int | None, age_ids: list[dict[str, str]]) -> tuple[Any, ...]:
        """Each tick sends only what changed since this browser's last tick (app/live.py), and each layer's
        data age. `live.at` tells the page that the server answered."""
        visible = {name for v in values for name in (v or [])}
        lang = lang if lang in LANGUAGES else "en"
        state = state or {}
        try:
            with _open(pool).connection(timeout=2) as conn:
                port = port_info(conn, settings.port_id)
                if port is None:
                    raise PreventUpdate
                client = clients.get(state.get("gen"))
                patch, client, n_ops = live.tick(conn, port, client, owners or [], lang, visible,
                                                 live.MapView.from_store(view, port.zoom), selected)
                clients.put(client)
                ages = ages_cache.get(port.port_id, lambda: layer_ages(conn, port.port_id))
        except (psycopg.Error, TimeoutError) as err:
            log.warning("live refresh failed: %s", err)     # the panels' banner says the database is away
            return dash.no_update, {**state, "at": _now_ms()}, [dash.no_update] * len(age_ids)
        return (patch if n_ops and owners else dash.no_update, {"gen": client.gen, "at": _now_ms()},
                [say_age(ages.get(i["layer"]), lang) for i in age_ids])

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
                  State(ids.LANG, "value"), prevent_initial_call=True)
    def card(click: dict[str, Any] | None, lang: str) -> tuple[Any, Any]:
        """A click on a vessel opens her card (the vessel trace carries MMSIs in customdata)."""
        point = ((click or {}).get("points") or [{}])[0]
        mmsi = point.get("customdata")
        if not isinstance(mmsi, int) or not 1 <= mmsi <= 999_999_999:
            raise PreventUpdate
        try:
            with _open(pool).connection(timeout=2) as conn:
                return vessel_card(conn, mmsi, lang if lang in LANGUAGES else "en"), mmsi   # her 24 h track too
        except (psycopg.Error, TimeoutError) as err:
            log.warning("card failed: %s", err)
            raise PreventUpdate from err
