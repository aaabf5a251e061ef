"""Berth occupancy: the quay face of every occupied berth drawn over it, with the ship that lies there."""

from __future__ import annotations

import geopandas as gpd
import plotly.graph_objects as go

from layers.base import Layer, Style, label_trace, line_trace, name_in


class BerthOccupancy(Layer):
    name = "berth_occupancy"
    title = {"en": "Berth occupancy", "zh": "泊位占用"}
    sql = "layer_berth_occupancy"
    age_sources = ("feed:ais",)
    live = True

    def traces(self, gdf: gpd.GeoDataFrame, style: Style) -> list[go.Scattermap]:
        zh = style.lang == "zh"
        hover = [f"<b>{name_in(r, style.lang)}</b><br>{'占用' if zh else 'occupied by'} {r['vessel'] or r['mmsi']}"
                 for _, r in gdf.iterrows()]
        return [line_trace(list(gdf.geometry), name=self.title_in(style.lang), color="#be123c", width=4,
                           legendgroup=self.name),
                label_trace(gdf, name=self.title_in(style.lang), text=[""] * len(gdf), hover=hover,
                            legendgroup=self.name, mode="markers", marker_size=10)]
