"""Yard use: each block's utilisation as a coloured badge, and close up every container stack by its height,
with its dangerous goods and customs holds. Live: both follow the yard's moves."""

from __future__ import annotations

from typing import Any, ClassVar

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go
import psycopg

from layers.base import FeatureSet, Layer, Style, View, read_frame

STACK_ZOOM = 16.0          # stacks are drawn from this zoom, and only those in view are read
# utilisation bands: (upper bound, colour); the yard_blocks fill uses the same bands
BANDS = ((0.50, "#16a34a"), (0.70, "#65a30d"), (0.85, "#ca8a04"), (0.95, "#ea580c"), (float("inf"), "#dc2626"))


def band_colour(used: float) -> str:
    """The colour of a utilisation (0-1): green when there is room, red when the block is full."""
    return next(colour for bound, colour in BANDS if used < bound)


def band_fill(used: float, alpha: float = 0.45) -> str:
    """The band's colour as a translucent fill."""
    colour = band_colour(used)
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


class YardUse(Layer):
    name = "yard_use"
    title = {"en": "Yard utilisation and stacks", "zh": "堆场利用率与箱垛"}
    sql = "layer_yard_blocks"
    geometry = "Point"
    key = ("block_id", "bay", "row_")
    age_sources = ("feed:yard",)
    live = True
    view_zoom: ClassVar[float | None] = STACK_ZOOM

    def feature_sets(self) -> tuple[FeatureSet, ...]:
        """The stacks (points: height, dangerous goods, holds); the blocks' utilisation is the yard_blocks layer's."""
        return (FeatureSet(self.name, self.title, "layer_yard_stacks", self.geometry, self.key),)

    def version(self, conn: psycopg.Connection[Any], view: View) -> Any:
        from sql import query
        return tuple(query(conn, "layer_dg_version", {})[0])          # the same: any container change

    def query(self, conn: psycopg.Connection[Any], view: View) -> gpd.GeoDataFrame:
        blocks = read_frame(conn, self.sql, view.params())
        blocks["level"] = "block"
        if view.zoom < STACK_ZOOM:
            return blocks
        stacks = read_frame(conn, "layer_yard_stacks", view.params())
        stacks["level"] = "stack"
        return gpd.GeoDataFrame(pd.concat([blocks, stacks], ignore_index=True), crs="EPSG:4326")

    def traces(self, gdf: gpd.GeoDataFrame, style: Style) -> list[go.Scattermap]:
        zh = style.lang == "zh"
        blocks = gdf[gdf["level"] == "block"] if len(gdf) else gdf
        stacks = gdf[gdf["level"] == "stack"] if len(gdf) else gdf
        used = [int(n) / int(c) if c else 0.0
                for n, c in zip(blocks.get("containers", []), blocks.get("capacity_teu", []), strict=True)]
        points = blocks.geometry.representative_point() if len(blocks) else gpd.GeoSeries([])
        hover = [f"<b>{b}</b> · {'利用率' if zh else 'utilisation'} {u:.0%}<br>"
                 f"{n} / {c} {'箱位' if zh else 'slots'}"
                 for b, u, n, c in zip(blocks.get("block_id", []), used, blocks.get("containers", []),
                                       blocks.get("capacity_teu", []), strict=True)]
        badges = go.Scattermap(
            lon=points.x.round(6).tolist(), lat=points.y.round(6).tolist(), mode="markers+text",
            marker={"size": 9, "color": [band_colour(u) for u in used]}, text=[f"{u:.0%}" for u in used],
            textposition="bottom center", textfont={"size": 9, "color": "#0f172a"}, hovertext=hover,
            hoverinfo="text", customdata=[f"block:{b}" for b in blocks.get("block_id", [])],
            name=self.title_in(style.lang), legendgroup=self.name, showlegend=False, uid="yard_use")
        heights = [int(h) / max(int(t), 1) for h, t in zip(stacks.get("height", []), stacks.get("tiers", []),
                                                           strict=True)]
        where = [f"{b}-{int(bay):02d}-{int(row):02d}" for b, bay, row in
                 zip(stacks.get("block_id", []), stacks.get("bay", []), stacks.get("row_", []), strict=True)]
        tiers = "层" if zh else "tiers"
        stack_hover = [
            f"<b>{w}</b> · {int(h)}/{int(t)} {tiers}"
            + (f"<br>{'危险品' if zh else 'dangerous goods'} {int(d)}" if d else "")
            + "<br>" + ", ".join(list(boxes)[-6:])
            for w, h, t, d, boxes in zip(where, stacks.get("height", []), stacks.get("tiers", []),
                                         stacks.get("dg", []), stacks.get("boxes", []), strict=True)]
        stack_points = stacks.geometry if len(stacks) else gpd.GeoSeries([])
        stack_trace = go.Scattermap(
            lon=stack_points.x.round(7).tolist(), lat=stack_points.y.round(7).tolist(), mode="markers",
            marker={"size": 8, "color": heights, "cmin": 0, "cmax": 1,
                    "colorscale": [[0, "#bfdbfe"], [0.5, "#3b82f6"], [1, "#1e3a8a"]],
                    "opacity": 0.9},
            hovertext=stack_hover, hoverinfo="text", customdata=[f"stack:{w}" for w in where],
            name=self.title_in(style.lang), legendgroup=self.name, showlegend=False, uid="yard_stacks")
        return [stack_trace, badges]
