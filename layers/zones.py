"""Zones: anchorages, channel, harbour, restricted and hazmat areas, terminals and gates."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import plotly.graph_objects as go

from layers.base import Layer, Style, area_trace, label_trace, name_in

# kind -> (fill, outline, outline width)
LOOK = {
    "anchorage": ("rgba(126,34,206,0.10)", "#7e22ce", 1.5),
    "channel": ("rgba(37,99,235,0.22)", "#1d4ed8", 1.0),
    "harbour": ("rgba(14,116,144,0.05)", "#0e7490", 0.6),
    "basin": ("rgba(14,116,144,0.12)", "#0e7490", 0.8),
    "terminal": ("rgba(71,85,105,0.06)", "#64748b", 0.8),
    "restricted": ("rgba(220,38,38,0.20)", "#dc2626", 1.5),
    "hazmat_area": ("rgba(234,88,12,0.22)", "#ea580c", 1.5),
    "gate": ("rgba(37,99,235,0.55)", "#1e40af", 1.0),
}
KIND_NAMES = {
    "anchorage": ("Anchorage", "锚地"), "channel": ("Channel", "航道"), "harbour": ("Harbour", "港池"),
    "basin": ("Turning basin", "回旋水域"), "terminal": ("Terminal", "码头作业区"),
    "restricted": ("Restricted area", "限制区域"), "hazmat_area": ("Hazardous area", "危险品区域"),
    "gate": ("Gate", "闸口"),
}
LABELLED = {"anchorage", "channel", "restricted", "hazmat_area", "gate", "terminal"}


class Zones(Layer):
    name = "zones"
    title = {"en": "Zones", "zh": "功能区"}
    sql = "layer_zones"
    geometry = "MultiPolygon"
    key = ("zone_id",)
    in_style = True

    def traces(self, gdf: gpd.GeoDataFrame, style: Style) -> list[go.Scattermap]:
        out = []
        for kind, part in gdf.groupby("kind", sort=False):
            fill, edge, width = LOOK[kind]
            out.append(area_trace(list(part.geometry), name=self.kind_name(kind, style.lang), fill=fill,
                                  line=edge, width=width, legendgroup=self.name))
        labelled = gdf[gdf["kind"].isin(LABELLED)]
        out.append(label_trace(labelled, name=self.title_in(style.lang),
                               text=[name_in(r, style.lang) for _, r in labelled.iterrows()],
                               hover=[self.hover(r, style.lang) for _, r in labelled.iterrows()],
                               legendgroup=self.name, color="#3b0764", size=11))
        return out

    @staticmethod
    def kind_name(kind: str, lang: str) -> str:
        en, zh = KIND_NAMES[kind]
        return zh if lang == "zh" else en

    def hover(self, r: Any, lang: str) -> str:
        parts = [f"<b>{name_in(r, lang)}</b>", self.kind_name(r["kind"], lang), f"{r['area_ha']} ha"]
        limit = r["speed_limit_kn"]
        if limit is not None and limit == limit:  # NaN when the zone has none
            parts.append(("限速 " if lang == "zh" else "speed limit ") + f"{limit:g} kn")
        return "<br>".join(parts)
