"""Quays and breakwaters."""

from __future__ import annotations

import geopandas as gpd
import plotly.graph_objects as go

from layers.base import FeatureSet, Layer, Style, line_trace

LOOK = {"quay": ("#334155", 3.0), "breakwater": ("#57534e", 4.5), "pier": ("#334155", 3.0),
        "jetty": ("#334155", 2.5)}


class Structures(Layer):
    name = "structures"
    title = {"en": "Quays and breakwaters", "zh": "码头岸线与防波堤"}
    sql = "layer_structures"
    geometry = "LineString"
    key = ("structure_id",)
    in_style = True

    def feature_sets(self) -> tuple[FeatureSet, ...]:
        """Quay faces and breakwaters drawn as lines, and those drawn as areas (a port package may hold both)."""
        areas = {"en": "Quays and breakwaters (areas)", "zh": "码头与防波堤（面）"}
        return (FeatureSet(self.name, self.title, self.sql, "LineString", self.key),
                FeatureSet("structure_areas", areas, self.sql, "Polygon", self.key))

    def traces(self, gdf: gpd.GeoDataFrame, style: Style) -> list[go.Scattermap]:
        return [line_trace(list(part.geometry), name=f"{self.title_in(style.lang)}: {kind}",
                           color=LOOK[kind][0], width=LOOK[kind][1], legendgroup=self.name)
                for kind, part in gdf.groupby("kind", sort=False)]
