"""Port operations beside the map (anchorage watch, berth plan against AIS, direct delivery) and the port's
statistics, each refreshed with the KPIs while it is unfolded."""

from __future__ import annotations

import functools
from typing import Any

import dash
from dash import Input, Output, State

from app import ids, live, ops, stats
from app.context import DB_ERRORS, AppContext, db_errors, log
from app.i18n import language, t


def register(app: dash.Dash, ctx: AppContext) -> None:
    _register_operations(app, ctx)
    _register_statistics(app, ctx)


def _register_operations(app: dash.Dash, ctx: AppContext) -> None:
    ops_rows = ctx.cache("ops_rows", 4)              # the port operations' rows, shared by every officer

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
        lang = language(lang)
        views = {"watch": (watch_clicks, ops.anchorage_watch, ops.watch_table),
                 "plan": (plan_clicks, ops.berth_plan, ops.plan_table),
                 "direct": (direct_clicks, ops.direct_delivery, ops.direct_table)}
        shown: dict[str, Any] = {}
        try:
            with ctx.connection() as conn:
                for name, (clicks, rows_of, table) in views.items():
                    if (clicks or 0) % 2:
                        rows = ops_rows.get((name, ctx.port_id), functools.partial(rows_of, conn, ctx.port_id))
                        shown[name] = table(rows, lang)
        except DB_ERRORS as err:        # what was read before the database went away is still shown
            log.warning("port operations failed: %s", err)
        return (shown.get("watch", dash.no_update), t(lang, "ops.watch_heading"),
                shown.get("plan", dash.no_update), t(lang, "ops.plan_heading"),
                shown.get("direct", dash.no_update), t(lang, "ops.direct_heading"))


def _register_statistics(app: dash.Dash, ctx: AppContext) -> None:
    stats_figures = ctx.cache("stats_figures", 60)    # the port statistics change by the hour: shared for a minute

    @db_errors("port statistics")
    def figure_of(grain: str, lang: str) -> tuple[str, Any]:
        def make() -> tuple[str, Any]:
            with ctx.connection() as conn:
                frame = stats.port_stats(conn, ctx.port_id, grain, *stats.window(grain))
            fig = stats.figure(frame, grain, lang)
            return live.digest({"f": fig.to_plotly_json()}), fig
        return stats_figures.get((ctx.port_id, grain, lang), make)

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
        lang = language(lang)
        grain = grain if grain in stats.GRAINS else "day"
        options = [{"label": t(lang, f"stats.{g}"), "value": g} for g in stats.GRAINS]
        if not (clicks or 0) % 2:
            return dash.no_update, t(lang, "stats.heading"), options, dash.no_update
        sig, fig = figure_of(grain, lang)
        return (dash.no_update if sig == shown else fig), t(lang, "stats.heading"), options, sig
