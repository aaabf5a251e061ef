"""The KPI strip over the map: the port now, in a dozen numbers, in the page's language."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from dash import html

from app.i18n import t
from sql import query

FIELDS = ("vessels", "underway", "at_anchor", "at_berth", "berths_occupied", "berths", "containers", "yard_capacity",
          "dg_containers", "alerts_critical", "alerts_warning", "feeds", "feeds_silent")


def port_kpis(conn: psycopg.Connection[Any], port_id: str, at: datetime | None = None) -> dict[str, int]:
    """The port's figures now, or at a replayed instant `at` (feed health is always now, by feed_verdict: the
    wall's lights say the same)."""
    row = query(conn, "kpi_port", {"port_id": port_id, "at": at})[0]
    return {k: int(v or 0) for k, v in zip(FIELDS, row, strict=True)}


def tiles(k: dict[str, int]) -> list[tuple[str, str, str]]:
    """Each figure as (key, shown value, level): the level ("warn", "crit" or "") marks alarming values.
    The map's strip, the wall and the situation report pick from these."""
    yard = round(100 * k["containers"] / k["yard_capacity"]) if k["yard_capacity"] else 0
    return [
        ("vessels", str(k["vessels"]), ""),
        ("underway", str(k["underway"]), ""),
        ("at_anchor", str(k["at_anchor"]), ""),
        ("at_berth", str(k["at_berth"]), ""),
        ("berths", f"{k['berths_occupied']}/{k['berths']}", ""),
        ("yard", f"{yard}%", "warn" if yard >= 85 else ""),
        ("dg", str(k["dg_containers"]), ""),
        ("critical", str(k["alerts_critical"]), "crit" if k["alerts_critical"] else ""),
        ("warning", str(k["alerts_warning"]), "warn" if k["alerts_warning"] else ""),
        ("feeds", f"{k['feeds'] - k['feeds_silent']}/{k['feeds']}", "crit" if k["feeds_silent"] else ""),
    ]


def strip(k: dict[str, int], lang: str) -> list[html.Div]:
    """Tiles: a number and what it counts; alarming values are marked for the eye."""
    return [html.Div([html.Span(value, className="kpi-value"), html.Span(t(lang, f"kpi.{key}"), className="kpi-label")],
                     className=f"kpi {level}".strip(), id=f"kpi-{key}") for key, value, level in tiles(k)]
