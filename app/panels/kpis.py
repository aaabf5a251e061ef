"""The KPI strip over the map and the banner (silent feeds, the database away, a replay), every 5 s."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dash
from dash import Input, Output

from app import ids, replay
from app.cards import silent_banner
from app.context import AppContext, db_errors
from app.i18n import language, t
from app.kpi import port_kpis, strip


def register(app: dash.Dash, ctx: AppContext) -> None:
    def away(_n: int | None, lang: str, *_: Any) -> tuple[Any, Any]:
        since = ctx.failing("panels")
        return dash.no_update, t(language(lang), "status.db", since=f"{since:%H:%M:%S} UTC")

    @app.callback(
        Output(ids.KPIS, "children"), Output(ids.BANNER, "children"),
        Input(ids.PANEL_TICK, "n_intervals"), Input(ids.LANG, "value"), Input(ids.REPLAY, "data"),
    )
    @db_errors("panels refresh", away)
    def panels(_n: int | None, lang: str, replaying: dict[str, Any] | None = None) -> tuple[Any, Any]:
        """The KPI strip (at the replayed instant in a replay) and the banner of silent feeds (or of the
        database being away, or of the replay)."""
        lang = language(lang)
        at = replay.instant(replaying, datetime.now(UTC))
        with ctx.connection() as conn:
            kpis = strip(port_kpis(conn, ctx.port_id, at=at), lang)
            banner = silent_banner(conn, lang)
            if at is not None:
                banner = " · ".join(filter(None, [t(lang, "replay.banner", at=f"{at:%Y-%m-%d %H:%M:%S} UTC"),
                                                  banner]))
        ctx.recovered("panels")
        return kpis, banner
