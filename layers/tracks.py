"""Tracks: every vessel's last 15 minutes as a thin line, and the selected vessel's last 24 hours in bold.

On the live map only the tracks in view are read (from any zoom), simplified to about half a pixel at the
map's zoom, and redrawn every 5 s: a busy coast has thousands of tracks of hundreds of points each.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go
import psycopg

from layers.base import FeatureSet, Layer, Style, View, line_trace, read_frame

RECENT_MIN = 15
SELECTED_MIN = 24 * 60


class Tracks(Layer):
    name = "tracks"
    title = {"en": "Tracks", "zh": "航迹"}
    sql = "ais_tracks"
    geometry = "LineString"
    key = ("mmsi",)
    age_sources = ("feed:ais",)
    live = True
    view_zoom = 0.0
    refresh_s = 5.0

    def feature_sets(self) -> tuple[FeatureSet, ...]:
        """Every vessel's last RECENT_MIN minutes (a selected vessel's day is the map's alone)."""
        return (FeatureSet(self.name, self.title, self.sql, self.geometry, self.key, params_of=self._set_params),)

    @staticmethod
    def _set_params(view: View) -> dict[str, Any]:
        return {**view.params(), "tolerance": 0.5 * 360 / (256 * 2 ** view.zoom), "at": view.at or datetime.now(UTC),
                "minutes": RECENT_MIN, "mmsi": None}

    def query(self, conn: psycopg.Connection[Any], view: View) -> gpd.GeoDataFrame:
        at = view.at or datetime.now(UTC)
        area = {**view.params(), "tolerance": 0.5 * 360 / (256 * 2 ** view.zoom)}   # half a pixel, in degrees
        recent = read_frame(conn, self.sql, {**area, "at": at, "minutes": RECENT_MIN, "mmsi": None})
        recent["selected"] = False
        selected = view.filters.get("mmsi")
        if selected:
            mine = read_frame(conn, self.sql, {**area, "at": at, "minutes": SELECTED_MIN, "mmsi": int(selected)})
            mine["selected"] = True
            recent = gpd.GeoDataFrame(pd.concat([recent, mine], ignore_index=True), crs="EPSG:4326")
        return recent

    def traces(self, gdf: gpd.GeoDataFrame, style: Style) -> list[go.Scattermap]:
        chosen = gdf[gdf["selected"]] if len(gdf) else gdf
        others = gdf[~gdf["selected"]] if len(gdf) else gdf
        return [line_trace(list(others.geometry), name=self.title_in(style.lang), color="rgba(30, 64, 175, 0.45)",
                           width=1.2, legendgroup=self.name),
                line_trace(list(chosen.geometry), name=self.title_in(style.lang), color="#be185d", width=3,
                           legendgroup=self.name)]
