"""The targets of a tracking sensor other than AIS (sensor_target), as a mixin: a sensor's layer is
`class Radar(SensorTargets, Layer)` naming its name, title, source and age_sources (and one registry line)."""

from __future__ import annotations

from typing import Any, ClassVar

import geopandas as gpd
import plotly.graph_objects as go
import psycopg

from layers.base import FeatureSet, Style, View, read_frame


class SensorTargets:
    """A sensor's live targets as points with speed and course. Mixed into a Layer that sets name, title,
    source and age_sources."""

    name: ClassVar[str]
    sql: ClassVar[str] = "layer_sensor_targets"
    live: ClassVar[bool] = True
    source: ClassVar[str]               # the registered source (ingest/sources.py) whose targets it draws
    colour: ClassVar[str] = "#7c3aed"
    title: ClassVar[dict[str, str]]
    geometry: ClassVar[str] = "Point"
    key: ClassVar[tuple[str, ...]] = ("source", "target_id")

    def feature_sets(self) -> tuple[FeatureSet, ...]:
        return (FeatureSet(self.name, self.title, self.sql, self.geometry, self.key,
                           extra={"prefix": self.source}),)

    def query(self, conn: psycopg.Connection[Any], view: View) -> gpd.GeoDataFrame:
        return read_frame(conn, self.sql, {**view.params(), "prefix": self.source})

    def traces(self, gdf: gpd.GeoDataFrame, style: Style) -> list[go.Scattermap]:
        zh = style.lang == "zh"
        hover = [f"<b>{r['label'] or r['target_id']}</b> · {r['source']}<br>"
                 f"{'航速' if zh else 'speed'} {r['speed_kn'] if r['speed_kn'] == r['speed_kn'] else '—'} kn, "
                 f"{'航向' if zh else 'course'} {r['course_deg'] if r['course_deg'] == r['course_deg'] else '—'}°"
                 for _, r in gdf.iterrows()]
        return [go.Scattermap(
            lon=gdf["lon"].round(6).tolist(), lat=gdf["lat"].round(6).tolist(), mode="markers",
            marker={"size": 9, "color": self.colour}, hovertext=hover, hoverinfo="text",
            customdata=[f"{self.name}:{t}" for t in gdf["target_id"]], name=self.title_in(style.lang),  # type: ignore[attr-defined]
            legendgroup=self.name, showlegend=False)]
