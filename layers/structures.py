"""Quays and breakwaters."""

from __future__ import annotations

import geopandas as gpd
import plotly.graph_objects as go

from layers.base import Layer, Style, line_trace

LOOK = {"quay": ("#334155", 3.0), "breakwater": ("#57534e", 4.5), "pier": ("#334155", 3.0),
        "jetty": ("#334155", 2.5)}


class Structures(Layer):
    name = "structures"
    title = {"en": "Quays and breakwaters", "zh": "码头岸线与防波堤"}
    sql = "layer_structures"
    in_style = True

    def traces(self, gdf: gpd.GeoDataFrame, style: Style) -> list[go.Scattermap]:
        return [line_trace(list(part.geometry), name=f"{self.title_in(style.lang)}: {kind}",
                           color=LOOK[kind][0], width=LOOK[kind][1], legendgroup=self.name)
                for kind, part in gdf.groupby("kind", sort=False)]
