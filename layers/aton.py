"""Aids to navigation from AIS type 21: buoys, beacons and lights, virtual ones marked, off-position in red."""

from __future__ import annotations

import geopandas as gpd
import plotly.graph_objects as go

from layers.base import Layer, Style


# ITU-R M.1371 table 74, grouped: fixed structures (5-19) and floating aids (20-31).
def kind_of(aid_type: int | None) -> tuple[str, str]:
    if aid_type is None:
        return ("aid to navigation", "助航标志")
    if 5 <= aid_type <= 19:
        return ("fixed aid (beacon, light)", "固定航标")
    if 20 <= aid_type <= 31:
        return ("floating aid (buoy)", "浮标")
    return ("reference point, RACON or structure", "参考点、雷达应答器或构筑物")


class Aton(Layer):
    name = "aton"
    title = {"en": "Aids to navigation", "zh": "助航标志"}
    sql = "layer_aton"
    geometry = "Point"
    key = ("mmsi",)
    age_sources = ("feed:ais",)

    def traces(self, gdf: gpd.GeoDataFrame, style: Style) -> list[go.Scattermap]:
        zh = style.lang == "zh"
        hover, colours = [], []
        for _, r in gdf.iterrows():
            aid = None if r["aid_type"] is None or r["aid_type"] != r["aid_type"] else int(r["aid_type"])
            off = bool(r["off_position"])
            colours.append("#dc2626" if off else ("#a855f7" if r["virtual_aid"] else "#0f766e"))
            hover.append("<br>".join(filter(None, [
                f"<b>{r['name'] or r['mmsi']}</b> · MMSI {r['mmsi']}",
                kind_of(aid)[1 if zh else 0] + (f" ({'虚拟' if zh else 'virtual'})" if r["virtual_aid"] else ""),
                ("偏离标位" if zh else "OFF POSITION") if off else ""])))
        points = gdf.geometry
        return [go.Scattermap(
            lon=points.x.round(6).tolist() if len(gdf) else [], lat=points.y.round(6).tolist() if len(gdf) else [],
            mode="markers", marker={"size": 8, "color": colours}, hovertext=hover, hoverinfo="text",
            name=self.title_in(style.lang), legendgroup=self.name, showlegend=False)]
