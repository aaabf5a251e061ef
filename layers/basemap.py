"""Offline basemap: land and water polygons from the port package."""

from __future__ import annotations

import geopandas as gpd
import plotly.graph_objects as go

from layers.base import Layer, Style, area_trace

FILL = {"water": "#cfe2f3", "land": "#f1ede4", "reclaimed": "#e4dfd3"}
EDGE = {"water": "#cfe2f3", "land": "#c9c1ae", "reclaimed": "#a8a08c"}


class Basemap(Layer):
    name = "basemap"
    title = {"en": "Basemap", "zh": "底图"}
    sql = "layer_basemap"
    geometry = "MultiPolygon"
    key = ("feature_id",)
    in_style = True

    def traces(self, gdf: gpd.GeoDataFrame, style: Style) -> list[go.Scattermap]:
        return [area_trace(list(part.geometry), name=f"{self.title_in(style.lang)}: {kind}",
                           fill=FILL[kind], line=EDGE[kind], width=0.8, legendgroup=self.name)
                for kind, part in gdf.groupby("kind", sort=False)]
