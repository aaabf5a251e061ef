"""The officers' page: the top bar, the side panel (search, alerts, layers, cards, operations, statistics), the
map with its strip, banners and time bar, and the stores and timers the panels' callbacks share."""

from __future__ import annotations

import json
from typing import Any

import flask
from dash import dcc, html

from app import gate, ids, stats
from app.i18n import LANGUAGES, t
from app.panels import alerts, replay
from app.panels.words import say
from layers import LAYERS
from sql import alerts as alert_actions

TICK_MS = 1000            # the map: at most one tick a second, and only once the last one was answered
GATE_MS = 200             # how often the page looks whether the next tick is due (assets/live.js)
PANEL_TICK_MS = 5000      # the KPI strip and the silent-feed banner
ALERT_TICK_MS = 1000      # the alert list at most every second, once answered (an alert must reach the officer
                          # within 3 s: engine 1 s + this)


def _user_box(lang: str) -> html.Div:
    """Who is signed in, and the sign-out button (a plain form POST carrying the session's CSRF token)."""
    user = gate.current_user()
    if user is None:
        return html.Div(id=ids.USER)
    return html.Div(id=ids.USER, className="user", children=[
        html.Span([f"{user.display_name} · ", say(lang, f"role.{user.role}"), " · ",
                   say(lang, f"agency.{user.agency}")], id=ids.USER_NAME),
        html.A(say(lang, "report.download"), href=f"/report?format=pdf&lang={lang}",
               id={"type": ids.REPORT_LINK, "to": "/report?format=pdf"}, className="audit-link report-link"),
        html.A(say(lang, "user.audit"), href="/audit", id="audit-link", className="audit-link")
        if alert_actions.allowed(user, "audit_view") else None,
        html.Form(method="POST", action="/logout", children=[
            dcc.Input(type="hidden", name="csrf", value=user.csrf),
            html.Button(say(lang, "user.logout"), id=ids.LOGOUT, type="submit")]),
    ])


def _layer_rows(lang: str) -> list[html.Div]:
    """A toggle and a data age per layer, in draw order."""
    return [
        html.Div([dcc.Checklist(id={"type": ids.LAYER_TOGGLE, "layer": name},
                                options=[{"label": layer.title_in(lang), "value": name}], value=[name],
                                className="layer-toggle"),
                  html.Span(id={"type": ids.LAYER_AGE, "layer": name}, className="layer-age")], className="layer-row")
        for name, layer in LAYERS.items()
    ]


def _topbar(lang: str) -> html.Header:
    return html.Header(className="topbar", children=[
        html.Div(className="brand", children=[
            html.Span(t(lang, "app.title"), id=ids.TITLE, className="brand-title"),
            html.Span(t(lang, "app.subtitle"), id=ids.SUBTITLE, className="brand-sub"),
        ]),
        dcc.RadioItems(id=ids.LANG, options=[{"label": v, "value": k} for k, v in LANGUAGES.items()],
                       value=lang, inline=True, className="lang-switch"),
        _user_box(lang),
    ])


def _folded(box: str, heading: str, body: str, lang: str, key: str) -> html.Details:
    return html.Details(id=box, className="stats-box ops-box", open=False, children=[
        html.Summary(t(lang, key), id=heading), html.Div(id=body)])


def _side(lang: str) -> html.Aside:
    return html.Aside(className="side", children=[
        html.Div(dcc.Input(id=ids.SEARCH, type="search", debounce=True, placeholder=t(lang, "search.placeholder")),
                 className="search"),
        html.Div(id=ids.SEARCH_HITS, className="search-hits"),
        *alerts.section(lang),
        html.H3(t(lang, "panel.layers"), id=ids.LAYERS_HEADING), *_layer_rows(lang),
        html.Div(t(lang, "status.loading"), id=ids.STATUS, className="status"),
        _folded(ids.OPS_WATCH_BOX, ids.OPS_WATCH_HEADING, ids.OPS_WATCH, lang, "ops.watch_heading"),
        _folded(ids.OPS_PLAN_BOX, ids.OPS_PLAN_HEADING, ids.OPS_PLAN, lang, "ops.plan_heading"),
        _folded(ids.OPS_DIRECT_BOX, ids.OPS_DIRECT_HEADING, ids.OPS_DIRECT, lang, "ops.direct_heading"),
        html.Details(id=ids.STATS_BOX, className="stats-box", open=False, children=[
            html.Summary(t(lang, "stats.heading"), id=ids.STATS_HEADING),
            dcc.RadioItems(id=ids.STATS_GRAIN, value="day", inline=True, className="stats-grain",
                           options=[{"label": t(lang, f"stats.{g}"), "value": g} for g in stats.GRAINS]),
            dcc.Graph(id=ids.STATS_GRAPH, config={"displayModeBar": False, "responsive": True},
                      className="stats-graph"),
        ]),
    ])


def _main(lang: str) -> html.Main:
    return html.Main(className="mapwrap", children=[
        html.Div(id=ids.KPIS, className="kpis"),
        html.Div(id=ids.BANNER, className="banner"),
        html.Div(id=ids.SERVER_BANNER, className="banner banner-server"),
        html.Div(id=ids.CARD, className="card-dock"),           # the clicked vessel's, box's or camera's card
        dcc.Graph(id=ids.MAP, className="map", config={"scrollZoom": True, "displaylogo": False,
                                                        "modeBarButtonsToRemove": ["toImage"]},
                  style={"height": "100%"}),
        replay.timebar(lang),
    ])


def live_config() -> html.Div:
    """What assets/live.js needs to pace the map's tick and word its banner: the settings (app/settings.py) and
    the banner's texts in every language (the page's language can change without a reload)."""
    cfg = dict(flask.current_app.config.get("PORTMAP_LIVE") or {}) if flask.has_app_context() else {}
    cfg.setdefault("tick_ms", TICK_MS)
    cfg["text"] = {lang: {"frozen": t(lang, "live.frozen", at="{at}"), "slow": t(lang, "live.slow", s="{s}")}
                   for lang in LANGUAGES}
    data: dict[str, Any] = {"data-config": json.dumps(cfg, ensure_ascii=False)}
    return html.Div(id=ids.LIVE_CONFIG, hidden=True, **data)


def _stores() -> list[Any]:
    """The stores and timers the callbacks share."""
    return [
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
        live_config(),
        dcc.Interval(id=ids.TICK, interval=GATE_MS),
        dcc.Interval(id=ids.PANEL_TICK, interval=PANEL_TICK_MS),
        dcc.Interval(id=ids.ALERT_TICK, interval=GATE_MS),
        dcc.Store(id=ids.ALERT_ASK), dcc.Store(id=ids.ALERT_ANSWERED), dcc.Store(id=ids.ALERT_GATE),
        dcc.Location(id=ids.URL, refresh=False),
    ]


def layout() -> html.Div:
    """The page, built per request (the user box and the alert buttons depend on who is signed in)."""
    lang = "en"
    return html.Div(className="shell", children=[_topbar(lang), _side(lang), _main(lang), *_stores()])
