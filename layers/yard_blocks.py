"""Yard blocks: footprint filled by utilisation (the bands of layers/yard_use.py), outlined by kind, with
capacity and how many containers are in each."""

from __future__ import annotations

import geopandas as gpd
import plotly.graph_objects as go

from layers.base import Layer, Style, area_trace, label_trace, name_in
from layers.yard_use import band_fill

KIND = {
    "container": ("rgba(100,116,139,0.55)", "#475569", "Container block", "集装箱箱区"),
    "dangerous_goods": ("rgba(249,115,22,0.70)", "#c2410c", "Dangerous goods block", "危险品箱区"),
    "reefer": ("rgba(56,189,248,0.60)", "#0284c7", "Reefer block", "冷藏箱区"),
    "empty": ("rgba(203,213,225,0.80)", "#64748b", "Empty container block", "空箱区"),
    "inspection": ("rgba(167,139,250,0.70)", "#6d28d9", "Inspection block", "查验箱区"),
}


class YardBlocks(Layer):
    name = "yard_blocks"
    title = {"en": "Yard blocks", "zh": "堆场箱区"}
    sql = "layer_yard_blocks"
    geometry = "Polygon"
    key = ("block_id",)
    in_style = True
    age_sources = ("feed:yard",)

    def traces(self, gdf: gpd.GeoDataFrame, style: Style) -> list[go.Scattermap]:
        zh = style.lang == "zh"
        used = gdf["containers"].astype(float) / gdf["capacity_teu"].clip(lower=1).astype(float)
        fill = used.map(band_fill)
        out = [area_trace(list(part.geometry), name=KIND[kind][3 if zh else 2], fill=colour, line=KIND[kind][1],
                          width=1.2, legendgroup=self.name)
               for (kind, colour), part in gdf.assign(fill=fill).groupby(["kind", "fill"], sort=False)]
        hover = [
            "<br>".join([f"<b>{name_in(r, style.lang)}</b>", KIND[r["kind"]][3 if zh else 2],
                         f"{r['bays']} × {r['rows']} × {r['tiers']} ({'贝×排×层' if zh else 'bays × rows × tiers'})",
                         f"{'在场' if zh else 'containers'} {r['containers']} / {r['capacity_teu']} "
                         f"({r['containers'] / max(r['capacity_teu'], 1):.0%})"])
            for _, r in gdf.iterrows()]
        out.append(label_trace(gdf, name=self.title_in(style.lang), text=list(gdf["block_id"]), hover=hover,
                               legendgroup=self.name, color="#1e293b", size=9))
        return out
