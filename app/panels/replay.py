"""The time bar under the map: go to a time, step back, play or pause at a speed, back to live."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dash
from dash import ALL, Input, Output, State, dcc, html
from dash import ctx as dash_ctx
from dash.exceptions import PreventUpdate

from app import ids, replay
from app.context import AppContext
from app.i18n import language, t


def timebar(lang: str) -> html.Div:
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


def _step(hit: Any, state: dict[str, Any] | None, speed: int | None, text: str | None) -> tuple[Any, Any]:
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


def register(app: dash.Dash, ctx: AppContext) -> None:
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
        new, cleared = _step(dash_ctx.triggered_id, state, speed, text)
        if isinstance(new, replay.ReplayError):
            return dash.no_update, t(language(lang), f"replay.{new}"), dash.no_update, dash.no_update
        return new, "", cleared, "timebar replaying" if new else "timebar"

    @app.callback(
        Output(ids.REPLAY_AT, "placeholder"), Output({"type": ids.REPLAY_BACK, "by": ALL}, "children"),
        Output(ids.REPLAY_PLAY, "title"), Output(ids.REPLAY_LIVE, "children"),
        Input(ids.LANG, "value"), State({"type": ids.REPLAY_BACK, "by": ALL}, "id"),
        prevent_initial_call=True,
    )
    def timebar_language(lang: str, backs: list[dict[str, str]]) -> tuple[Any, ...]:
        lang = language(lang)
        return (t(lang, "replay.at"), [t(lang, "replay.back", by=b["by"].lstrip("-")) for b in backs],
                t(lang, "replay.play"), t(lang, "replay.to_live"))
