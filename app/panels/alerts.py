"""The alert list and its lifecycle: pick an alert (the map flies there), act on it (acknowledge, suppress,
resolve), and record the steps of a multi-agency case. Refusals are said and audited."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dash
import flask
from dash import ALL, Input, Output, Patch, State, dcc, html
from dash import ctx as dash_ctx
from dash.exceptions import PreventUpdate

from app import alert_panel, auth, gate, ids, live, replay
from app.context import AppContext, db_errors
from app.i18n import LANGUAGES, language, t
from app.panels.words import say
from sql import alerts as alert_actions


def section(lang: str) -> list[Any]:
    """The alert list, the note box, the action buttons and the selected alert's trail (the side panel's part)."""
    user = gate.current_user()
    may_act = user is not None and user.at_least("officer")
    return [
        html.Div(id=ids.ALERTS_HEAD, className="alerts-head", children=[
            html.H3(say(lang, "alerts.title"), id=ids.ALERTS_HEADING),
            html.Button(say(lang, "alerts.sound"), id=ids.ALERT_SOUND, className="alert-sound", type="button")]),
        html.Div(id=ids.ALERT_LIST, className="alert-list"),
        html.Div(className="alert-detail", children=[
            dcc.Textarea(id=ids.ALERT_NOTE, placeholder=t(lang, "alerts.note"), className="alert-note",
                         maxLength=2000, disabled=not may_act),
            html.Div(className="alert-actions", children=[
                html.Button(say(lang, f"alerts.{a}"), id={"type": ids.ALERT_ACT, "action": a}, n_clicks=0,
                            disabled=not may_act) for a in alert_panel.ACTIONS]),
            html.Div(id=ids.ALERT_MSG, className="alert-msg"),
            html.Div(id=ids.ALERT_TRAIL, className="alert-trail"),
        ]),
        dcc.Store(id=ids.ALERT_SELECTED), dcc.Store(id=ids.ALERT_SIG),
    ]


def register(app: dash.Dash, ctx: AppContext) -> None:
    _register_list(app, ctx)
    _register_pick(app, ctx)
    _register_act(app, ctx)
    _register_case_step(app, ctx)


def _alert_rows(conn: Any, port_id: str, at: datetime | None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The rows, with the digests of what the list shows of them in each language: without the titles
    (which alerts, how severe, in what state) and with them."""
    rows = alert_panel.alert_rows(conn, port_id, at)
    return rows, {lang: (live.digest({"r": alert_panel.shown(rows, lang, titles=False)}),
                         live.digest({"t": alert_panel.shown(rows, lang)})) for lang in LANGUAGES}


def _trail(conn: Any, selected: int | None, lang: str) -> list[Any]:
    """The selected alert's incident link, case steps and lifecycle."""
    if not selected:
        return []
    return [html.A(t(lang, "report.incident_link"), href=f"/report/incident/{selected}?format=pdf&lang={lang}",
                   id="incident-link", className="incident-link"),
            *alert_panel.case_steps(conn, selected, lang, gate.current_user()),
            *alert_panel.trail(conn, selected, lang)]


def _register_list(app: dash.Dash, ctx: AppContext) -> None:
    rows_cache = ctx.cache("alert_rows", 0.5)     # the alert list's rows and their digests, shared by every officer
    lists = ctx.cache("alert_lists", 5)           # the rendered list by what it shows

    @app.callback(
        Output(ids.ALERT_LIST, "children"), Output(ids.ALERT_TRAIL, "children"), Output(ids.ALERT_SIG, "data"),
        Output(ids.ALERT_ANSWERED, "data"),
        Input(ids.ALERT_ASK, "data"), Input(ids.ALERT_SELECTED, "data"), Input(ids.LANG, "value"),
        State(ids.ALERT_SIG, "data"), State(ids.REPLAY, "data"),
    )
    @db_errors("alert list")
    def alerts(_n: int | None, selected: int | None, lang: str, shown: str | None,
               replaying: dict[str, Any] | None = None) -> tuple[Any, Any, Any, Any]:
        """The alert list (as it stood, in a replay) and the selected alert's lifecycle, re-rendered only when
        they changed; every answer says it came (`alert-answered`: the page asks again only then)."""
        lang = language(lang)
        at = replay.instant(replaying, datetime.now(UTC))
        with ctx.connection() as conn:
            rows, digests = rows_cache.get((ctx.port_id, at), lambda: _alert_rows(conn, ctx.port_id, at))
            lines = _trail(conn, selected, lang)
        now = datetime.now(UTC)
        minute = (at or now).strftime("%Y%m%d%H:%M")
        # A new, escalated, acknowledged or resolved alert shows at the next poll; the live figures in titles
        # (a collision risk's CPA, say) refresh every 10 s, not every second for every officer.
        which, titles = digests[lang]          # of the rows: computed once for every officer
        structure = live.digest({"rows": which, "lines": [str(x) for x in lines] if selected else [],
                                 "sel": selected, "lang": lang, "minute": minute})
        bucket = str(int((at or now).timestamp() // 10))
        was = (shown or "").split("|")
        answered = int(now.timestamp() * 1000)
        if len(was) == 3 and was[0] == structure and (was[1] == titles or was[2] == bucket):
            return dash.no_update, dash.no_update, dash.no_update, answered
        sig = f"{structure}|{titles}|{bucket}"
        listed = lists.get((ctx.port_id, lang, selected, minute, titles),    # titles: all the list shows
                           lambda: live.plain(alert_panel.alert_list(rows, lang, selected, at or now)))
        return listed, lines, sig, answered


def _clicked(clicks: list[int | None]) -> dict[str, Any]:
    """The pattern-matching id of the button that fired (PreventUpdate when none was clicked)."""
    hit = dash_ctx.triggered_id
    if not isinstance(hit, dict) or not any(c for c in clicks if c):
        raise PreventUpdate
    return hit


def _register_pick(app: dash.Dash, ctx: AppContext) -> None:
    @app.callback(
        Output(ids.ALERT_SELECTED, "data"), Output(ids.MAP, "figure", allow_duplicate=True),
        Input({"type": ids.ALERT_ROW, "alert": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def pick(clicks: list[int | None]) -> tuple[Any, Any]:
        """A click on an alert selects it and flies the map there."""
        alert_id = int(_clicked(clicks)["alert"])
        with ctx.connection() as conn:
            row = next((r for r in alert_panel.alert_rows(conn, ctx.port_id) if r["alert_id"] == alert_id), None)
        if row is None or row["lon"] is None:
            return alert_id, dash.no_update
        patch = Patch()
        patch["layout"]["map"]["center"] = {"lon": row["lon"], "lat": row["lat"]}
        patch["layout"]["map"]["zoom"] = 14
        patch["layout"]["uirevision"] = f"{ctx.port_id}:alert:{alert_id}"
        return alert_id, patch


def _refused(conn: Any, user: Any, kind: str, object_id: Any, detail: dict[str, Any]) -> None:
    auth.audit(conn, user, "refused", object_kind=kind, object_id=str(object_id), detail=detail,
               client_addr=flask.request.remote_addr)


def _apply(conn: Any, action: str, selected: int, user: Any, note: str, lang: str) -> None:
    if action == "acknowledge":
        alert_actions.acknowledge(conn, selected, user.actor(), note or None)
    elif action == "suppress":
        alert_actions.suppress(conn, selected, user.actor(), alert_panel.SUPPRESS_MINUTES,
                               note or t(lang, "alerts.suppress"))
    else:
        alert_actions.resolve(conn, selected, user.actor(), note)


def _register_act(app: dash.Dash, ctx: AppContext) -> None:
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
        action = str(_clicked(clicks)["action"])
        lang = language(lang)
        user = gate.current_user()
        if selected is None:
            return t(lang, "alerts.pick"), dash.no_update, dash.no_update
        with ctx.connection(timeout=5) as conn:
            if user is None or action not in alert_panel.ACTIONS or not alert_actions.allowed(user, action):
                _refused(conn, user, "alert", selected, {"action": action, "why": "role"})
                return (t(lang, "alerts.role", role=user.role if user else "-", action=t(lang, f"alerts.{action}")),
                        dash.no_update, dash.no_update)
            try:
                _apply(conn, action, selected, user, (note or "").strip()[:2000], lang)
            except alert_actions.ActionRefused as err:
                _refused(conn, user, "alert", selected, {"action": action, "why": str(err)})
                return t(lang, "alerts.refused", reason=str(err)), dash.no_update, dash.no_update
        return t(lang, "alerts.done", action=t(lang, f"alerts.{action}")), "", None


def _register_case_step(app: dash.Dash, ctx: AppContext) -> None:
    @app.callback(
        Output(ids.ALERT_MSG, "children", allow_duplicate=True), Output(ids.ALERT_NOTE, "value", allow_duplicate=True),
        Output(ids.ALERT_SIG, "data", allow_duplicate=True),
        Input({"type": alert_panel.CASE_STEP, "case": ALL, "step": ALL}, "n_clicks"),
        State(ids.ALERT_NOTE, "value"), State(ids.LANG, "value"),
        prevent_initial_call=True,
    )
    def case_step(clicks: list[int | None], note: str | None, lang: str) -> tuple[Any, Any, Any]:
        """An officer of the step's agency records it done, with its outcome; refusals are said and audited."""
        hit = _clicked(clicks)
        lang = language(lang)
        outcome = (note or "").strip()[:2000]
        if not outcome:
            return t(lang, "case.outcome"), dash.no_update, dash.no_update
        user = gate.current_user()
        with ctx.connection(timeout=5) as conn:
            if user is None:
                raise PreventUpdate
            try:
                closed = alert_actions.complete_step(conn, int(hit["case"]), str(hit["step"]), user.actor(), outcome)
            except alert_actions.ActionRefused as err:
                _refused(conn, user, "case", hit["case"], {"step": hit["step"], "why": str(err)})
                return t(lang, "alerts.refused", reason=str(err)), dash.no_update, dash.no_update
        return t(lang, "case.closed" if closed else "case.step_saved"), "", None
