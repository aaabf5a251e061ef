"""The map: the first render (every layer drawn), the layer toggles, and the live tick (only what changed)."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

import dash
import flask
from dash import ALL, ClientsideFunction, Input, Output, Patch, State
from dash.exceptions import PreventUpdate

from app import gate, ids, live, replay
from app.ages import layer_ages, say_age
from app.context import AppContext, db_errors
from app.figure import build_figure, parse_view, port_info
from app.i18n import language, t
from layers import LAYERS
from portdomain.roles import personal_scope

log = logging.getLogger("app.map")
TOGGLE_VALUES = State({"type": ids.LAYER_TOGGLE, "layer": ALL}, "value")


def _now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


def _strings(lang: str, toggle_ids: list[dict[str, str]]) -> tuple[Any, ...]:
    """The page's words in lang: title, subtitle, layers heading, toggle labels, search placeholder."""
    options = [[{"label": LAYERS[i["layer"]].title_in(lang), "value": i["layer"]}] for i in toggle_ids]
    return (t(lang, "app.title"), t(lang, "app.subtitle"), t(lang, "panel.layers"), options,
            t(lang, "search.placeholder"))


def _visible(values: list[list[str]]) -> set[str]:
    return {name for v in values for name in (v or [])}


def register(app: dash.Dash, ctx: AppContext) -> None:
    _register_render(app, ctx)
    _register_toggle(app)
    _register_clientside(app)
    _register_tick(app, ctx)


def _register_render(app: dash.Dash, ctx: AppContext) -> None:
    def stale(lang: str, _values: Any, toggle_ids: list[dict[str, str]], _search: str | None = None) -> tuple:
        lang = language(lang)
        since = ctx.failing("render")
        return (dash.no_update, dash.no_update, t(lang, "status.stale", since=f"{since:%H:%M:%S} UTC"),
                *_strings(lang, toggle_ids), dash.no_update, dash.no_update)

    @app.callback(
        Output(ids.MAP, "figure"), Output(ids.TRACE_LAYERS, "data"), Output(ids.STATUS, "children"),
        Output(ids.TITLE, "children"), Output(ids.SUBTITLE, "children"), Output(ids.LAYERS_HEADING, "children"),
        Output({"type": ids.LAYER_TOGGLE, "layer": ALL}, "options"), Output(ids.SEARCH, "placeholder"),
        Output(ids.LIVE, "data", allow_duplicate=True), Output(ids.STYLE_LAYERS, "data"),
        Input(ids.LANG, "value"), TOGGLE_VALUES, State({"type": ids.LAYER_TOGGLE, "layer": ALL}, "id"),
        State(ids.URL, "search"),
        prevent_initial_call="initial_duplicate",
    )
    @db_errors("map render", stale)
    def render(lang: str, values: list[list[str]], toggle_ids: list[dict[str, str]],
               search: str | None = None) -> tuple[Any, ...]:
        lang = language(lang)
        strings = _strings(lang, toggle_ids)
        with ctx.connection(timeout=5) as conn:
            port = port_info(conn, ctx.port_id)
            if port is None:
                return (dash.no_update, dash.no_update, t(lang, "status.no_port", port=ctx.port_id),
                        *strings, dash.no_update, dash.no_update)
            at_view = parse_view(search)
            fig, owners = build_figure(conn, port, lang, _visible(values), flask.request.host_url, at_view)
            patch, client, _ = live.tick(conn, port, None, owners, lang, _visible(values),
                                         live.MapView(None, at_view[2] if at_view else port.zoom),
                                         scope=personal_scope(gate.current_user()))
            figure = fig.to_plotly_json()
            live.apply_whole_traces(figure, patch)
            ctx.clients.put(client)
        ctx.recovered("render")
        title = f"{t(lang, 'app.title')} · {port.name(lang)}"
        status = t(lang, "status.ok", at=f"{port.loaded_at:%Y-%m-%d %H:%M} UTC")
        style_owners = [(layer.get("metadata") or {}).get("portmap:layer")
                        for layer in figure["layout"]["map"]["style"]["layers"]]
        return (figure, owners, status, title, *strings[1:], {"gen": client.gen}, style_owners)


def _register_toggle(app: dash.Dash) -> None:
    @app.callback(
        Output(ids.MAP, "figure", allow_duplicate=True),
        Input({"type": ids.LAYER_TOGGLE, "layer": ALL}, "value"),
        State(ids.TRACE_LAYERS, "data"), State(ids.STYLE_LAYERS, "data"),
        prevent_initial_call=True,
    )
    def toggle(values: list[list[str]], owners: list[str] | None, style_owners: list[str | None] | None) -> Patch:
        if not owners:
            raise PreventUpdate
        visible = _visible(values)
        patch = Patch()
        for index, owner in enumerate(owners):
            patch["data"][index]["visible"] = owner in visible
        for index, name in enumerate(style_owners or []):      # the reference layers drawn in the style
            if name:
                patch["layout"]["map"]["style"]["layers"][index]["layout"]["visibility"] = \
                    "visible" if name in visible else "none"
        return patch


def _register_clientside(app: dash.Dash) -> None:
    # the tick's gate (assets/live.js): the view is sent, and so the next tick asked, only once the last was
    # answered; a replay asks at once, whatever is on its way
    app.clientside_callback(ClientsideFunction("portmap", "view"), Output(ids.VIEW, "data"),
                            Input(ids.TICK, "n_intervals"), Input(ids.REPLAY, "data"))
    app.clientside_callback(ClientsideFunction("portmap", "refit"), Output(ids.SIDE_WIDTH, "data"),
                            Input(ids.STATS_HEADING, "n_clicks"), Input(ids.OPS_WATCH_HEADING, "n_clicks"),
                            Input(ids.OPS_PLAN_HEADING, "n_clicks"), prevent_initial_call=True)
    app.clientside_callback(ClientsideFunction("portmap", "seen"), Output(ids.LIVE_SEEN, "data"),
                            Input(ids.LIVE, "data"))
    # the alert list's gate: asked at most every second and only once the last ask was answered
    app.clientside_callback(ClientsideFunction("portmap", "alertAsk"), Output(ids.ALERT_ASK, "data"),
                            Input(ids.ALERT_TICK, "n_intervals"))
    app.clientside_callback(ClientsideFunction("portmap", "alertAnswered"), Output(ids.ALERT_GATE, "data"),
                            Input(ids.ALERT_ANSWERED, "data"), prevent_initial_call=True)
    app.clientside_callback(ClientsideFunction("portmap", "styleToggle"), Output(ids.STYLE_TOGGLED, "data"),
                            Input({"type": ids.LAYER_TOGGLE, "layer": ALL}, "value"),
                            State({"type": ids.LAYER_TOGGLE, "layer": ALL}, "id"), prevent_initial_call=True)


def _register_tick(app: dash.Dash, ctx: AppContext) -> None:
    ages_cache = ctx.cache("ages", 0.9)
    ports = ctx.cache("ports", 5)         # the port's name, box and zoom: read once for every officer's tick

    def away(_view: Any, state: dict[str, Any] | None, *rest: Any) -> tuple[Any, ...]:
        age_ids = rest[4]                 # the panels' banner says the database is away
        return dash.no_update, {**(state or {}), "at": _now_ms()}, [dash.no_update] * len(age_ids), dash.no_update

    @app.callback(
        Output(ids.MAP, "figure", allow_duplicate=True), Output(ids.LIVE, "data"),
        Output({"type": ids.LAYER_AGE, "layer": ALL}, "children"), Output(ids.REPLAY_CLOCK, "children"),
        Input(ids.VIEW, "data"),
        State(ids.LIVE, "data"), State(ids.TRACE_LAYERS, "data"), State(ids.LANG, "value"),
        TOGGLE_VALUES, State(ids.SELECTED, "data"),
        State({"type": ids.LAYER_AGE, "layer": ALL}, "id"), State(ids.REPLAY, "data"),
        prevent_initial_call=True,
    )
    @db_errors("live refresh", away)
    def refresh(view: dict[str, Any] | None, state: dict[str, Any] | None, owners: list[str] | None, lang: str,
                values: list[list[str]], selected: int | None, age_ids: list[dict[str, str]],
                replaying: dict[str, Any] | None = None) -> tuple[Any, ...]:
        """Each tick sends only what changed since this browser's last tick (app/live.py), and each layer's
        data age; in a replay, the picture at the replayed instant. `live.at` tells the page that the server
        answered, `live.data_at` when the picture it carries stood."""
        lang = language(lang)
        state = state or {}
        now, started = datetime.now(UTC), time.monotonic()
        if ctx.settings.tick_delay_s > 0:           # test only: a slow link
            time.sleep(ctx.settings.tick_delay_s)
        at = replay.instant(replaying, now)
        with ctx.connection() as conn:
            port = ports.get(ctx.port_id, lambda: port_info(conn, ctx.port_id))
            if port is None:
                raise PreventUpdate
            patch, client, n_ops = live.tick(conn, port, ctx.clients.get(state.get("gen")), owners or [], lang,
                                             _visible(values), live.MapView.from_store(view, port.zoom), selected,
                                             at, scope=personal_scope(gate.current_user()))
            ctx.clients.put(client)
            ages = ages_cache.get(port.port_id, lambda: layer_ages(conn, port.port_id))
        if time.monotonic() - started > 2:          # what a slow tick was (the bench's app log)
            log.info("slow live tick: %.1f s, %s, %d patch operations", time.monotonic() - started,
                     f"replay at {at:%H:%M:%S}" if at else "live", n_ops)
        return (patch if n_ops and owners else dash.no_update,
                {"gen": client.gen, "at": _now_ms(), "data_at": int(now.timestamp() * 1000)},
                [say_age(ages.get(i["layer"]), lang) for i in age_ids], replay.clock(replaying, lang, now))
