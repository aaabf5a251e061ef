"""Build the map figure from the registered layers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import plotly.graph_objects as go
import psycopg

from app.mapstyle import offline_style, style_features
from layers import LAYERS, Style, View
from portdomain.roles import redact
from sql import query


@dataclass(frozen=True)
class PortInfo:
    port_id: str
    name_en: str
    name_zh: str
    lon: float
    lat: float
    zoom: float
    bbox: tuple[float, float, float, float]
    loaded_at: datetime
    crs: str = "EPSG:4326"          # the port's local metric CRS (port.toml), e.g. EPSG:32650

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en


def port_info(conn: psycopg.Connection[Any], port_id: str) -> PortInfo | None:
    rows = query(conn, "port_get", {"port_id": port_id})
    if not rows:
        return None
    r = rows[0]
    return PortInfo(r[0], r[1], r[2], r[5], r[6], r[7], (r[8], r[9], r[10], r[11]), r[12], r[3])


def parse_view(search: str | None) -> tuple[float, float, float] | None:
    """`?view=lon,lat,zoom` in the page address: a view an officer can bookmark or send."""
    from urllib.parse import parse_qs
    values = parse_qs((search or "").lstrip("?")).get("view")
    if not values:
        return None
    try:
        lon, lat, zoom = (float(v) for v in values[0].split(","))
    except ValueError:
        return None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90 and 1 <= zoom <= 20):
        return None
    return lon, lat, zoom


def build_figure(conn: psycopg.Connection[Any], port: PortInfo, lang: str, visible: set[str],
                 base_url: str, at_view: tuple[float, float, float] | None = None) -> tuple[go.Figure, list[str]]:
    """Every layer's traces in draw order; returns the figure and the layer name of each trace."""
    view = View(port_id=port.port_id, bbox=port.bbox, zoom=port.zoom, lang=lang)
    style = Style(lang=lang)
    traces: list[Any] = []
    owners: list[str] = []
    drawn = []
    for name, layer in LAYERS.items():
        layer_traces = layer.traces(redact(None, layer.query(conn, view)), style)   # shared by every officer
        if layer.in_style:
            collection, layer_traces = style_features(layer_traces)
            drawn.append((name, collection, name in visible))
        for trace in layer_traces:
            trace.visible = name in visible
            trace.meta = {"layer": name}
            traces.append(trace)
            owners.append(name)
    fig = go.Figure(traces)
    fig.update_layout(
        map={"style": offline_style(base_url, drawn),
             "center": {"lon": at_view[0], "lat": at_view[1]} if at_view else {"lon": port.lon, "lat": port.lat},
             "zoom": at_view[2] if at_view else port.zoom},
        margin={"l": 0, "r": 0, "t": 0, "b": 0}, showlegend=False, uirevision=port.port_id,
        hoverlabel={"font": {"family": "Noto Sans SC, sans-serif"}}, paper_bgcolor="#e2e5e9",
    )
    return fig, owners
