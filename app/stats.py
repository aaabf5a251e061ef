"""The port's statistics for the map's side panel, the situation report and the benchmark: sums of the hourly
roll-up (sql/migrations/011_port_stats.sql) by hour, day or month in the port's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import psycopg
from plotly.subplots import make_subplots

from app.i18n import t
from sql import query

GRAINS = {"hour": timedelta(hours=48), "day": timedelta(days=30), "month": timedelta(days=365)}
COLUMNS = ["period", "calls", "arrivals", "departures", "anchorage_arrivals", "avg_berth_h", "avg_anchorage_h",
           "boxes", "teu", "tonnes", "gate_in", "gate_out", "dg_boxes", "dg_gate"]


def port_stats(conn: psycopg.Connection[Any], port_id: str, grain: str, since: datetime,
               until: datetime) -> pd.DataFrame:
    """One row per period (local time of the port) with every figure; periods without data are absent."""
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}, not {grain!r}")
    rows = query(conn, "port_stats", {"port_id": port_id, "grain": grain, "since": since, "until": until})
    return pd.DataFrame(rows, columns=COLUMNS)


def window(grain: str, now: datetime | None = None) -> tuple[datetime, datetime]:
    now = now or datetime.now(UTC)
    return now - GRAINS[grain], now + timedelta(hours=1)


def figure(frame: pd.DataFrame, grain: str, lang: str) -> go.Figure:
    """Five small charts one above the other: calls, TEU, gate passes, dangerous goods, average stays."""
    fig = make_subplots(rows=5, cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        subplot_titles=[t(lang, "stats.calls"), t(lang, "stats.teu"), t(lang, "stats.gate"),
                                        t(lang, "stats.dg"), t(lang, "stats.stays")])
    x = frame["period"] if len(frame) else []
    series = [(1, "arrivals", "stats.arrivals", "#1d4ed8"), (1, "departures", "stats.departures", "#93c5fd"),
              (2, "teu", "stats.teu", "#0f766e"), (3, "gate_in", "stats.gate_in", "#a16207"),
              (3, "gate_out", "stats.gate_out", "#fcd34d"), (4, "dg_boxes", "stats.dg_boxes", "#b91c1c"),
              (4, "dg_gate", "stats.dg_gate", "#fca5a5")]
    for row, col, key, colour in series:
        fig.add_trace(go.Bar(x=x, y=frame[col] if len(frame) else [], name=t(lang, key), marker_color=colour,
                             showlegend=row != 2), row=row, col=1)
    for col, key, colour in (("avg_berth_h", "stats.avg_berth", "#1d4ed8"),
                             ("avg_anchorage_h", "stats.avg_anchorage", "#7c3aed")):
        fig.add_trace(go.Scatter(x=x, y=frame[col] if len(frame) else [], name=t(lang, key), mode="lines+markers",
                                 line={"color": colour, "width": 2}, marker={"size": 4}), row=5, col=1)
    fig.update_layout(barmode="group", height=700, margin={"l": 40, "r": 8, "t": 24, "b": 20},
                      paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)", font={"size": 10},
                      legend={"orientation": "h", "y": -0.04, "font": {"size": 9}}, bargap=0.15)
    fig.update_annotations(font_size=11)
    fig.update_xaxes(showgrid=False, tickformat={"hour": "%H:%M", "day": "%m-%d", "month": "%Y-%m"}[grain])
    fig.update_yaxes(gridcolor="rgba(100,116,139,0.2)", rangemode="tozero")
    return fig
