"""Cameras: position and field-of-view cone of each, with its status."""

from __future__ import annotations

import geopandas as gpd
import plotly.graph_objects as go

from layers.base import Layer, Style, area_trace, name_in

STATUS_COLOUR = {"online": "#16a34a", "offline": "#dc2626", "unknown": "#a16207"}


class Cameras(Layer):
    name = "cameras"
    title = {"en": "Cameras", "zh": "摄像机"}
    sql = "layer_cameras"
    geometry = "Polygon"
    key = ("camera_id",)
    age_sources = ("feed:camera",)
    in_style = True          # the field-of-view cones; the camera points with their status stay traces

    def traces(self, gdf: gpd.GeoDataFrame, style: Style) -> list[go.Scattermap]:
        zh = style.lang == "zh"
        cones = area_trace(list(gdf.geometry), name="FOV" if not zh else "视场", fill="rgba(250,204,21,0.09)",
                           line="#ca8a04", width=0.8, legendgroup=self.name)
        hover = [
            "<br>".join([f"<b>{r['camera_id']} {name_in(r, style.lang)}</b>",
                         f"{'方位' if zh else 'bearing'} {r['bearing_deg']:.0f}°, "
                         f"{'视场角' if zh else 'field of view'} {r['fov_deg']:.0f}°, "
                         f"{'距离' if zh else 'range'} {r['range_m']:.0f} m" + (" PTZ" if r["ptz"] else ""),
                         f"{'状态' if zh else 'status'}: {r['status']}"])
            for _, r in gdf.iterrows()]
        points = go.Scattermap(
            lon=gdf["lon"].round(6).tolist(), lat=gdf["lat"].round(6).tolist(), mode="markers+text",
            text=list(gdf["camera_id"]), textposition="top right", textfont={"size": 9, "color": "#713f12"},
            marker={"size": 9, "color": [STATUS_COLOUR.get(s, "#a16207") for s in gdf["status"]]},
            hovertext=hover, hoverinfo="text", customdata=[f"camera:{c}" for c in gdf["camera_id"]],
            name=self.title_in(style.lang), legendgroup=self.name, showlegend=False)
        return [cones, points]
