"""What the port is doing on land and at anchor: anchorage occupancy, gates with their trucks, and what the
cameras saw in the last minutes. Live layers, each one trace of points with its story on hover."""

from __future__ import annotations

import math

import geopandas as gpd
import plotly.graph_objects as go

from layers.base import Layer, Style, name_in

# object label -> (colour, en, zh); others are grey
OBJECTS = {"person": ("#dc2626", "person", "人员"), "truck": ("#2563eb", "truck", "卡车"),
           "car": ("#64748b", "car", "汽车"), "boat": ("#0d9488", "boat", "船艇"),
           "forklift": ("#a16207", "forklift", "叉车"), "fire": ("#b91c1c", "fire", "火情"),
           "smoke": ("#57534e", "smoke", "烟雾")}


def _points(gdf: gpd.GeoDataFrame) -> tuple[list[float], list[float]]:
    if not len(gdf):
        return [], []
    return gdf.geometry.x.round(6).tolist(), gdf.geometry.y.round(6).tolist()


class Anchorages(Layer):
    name = "anchorages"
    title = {"en": "Anchorage occupancy", "zh": "锚地占用"}
    sql = "layer_anchorages"
    geometry = "Point"
    key = ("zone_id",)
    age_sources = ("feed:ais",)
    live = True

    def traces(self, gdf: gpd.GeoDataFrame, style: Style) -> list[go.Scattermap]:
        zh = style.lang == "zh"
        hover = [f"<b>{name_in(r, style.lang)}</b><br>"
                 + (f"锚泊船舶 {r['vessels']} 艘" if zh else f"{r['vessels']} at anchor")
                 + (f" · {'最长停泊' if zh else 'stay limit'} {r['max_stay_h']:.0f} h" if r["max_stay_h"] else "")
                 + "".join(f"<br>{n}" for n in list(r["names"] or [])[:12])
                 for _, r in gdf.iterrows()]
        lon, lat = _points(gdf)
        return [go.Scattermap(
            lon=lon, lat=lat, mode="markers+text", text=[str(int(n)) for n in gdf.get("vessels", [])],
            textfont={"size": 13, "color": "#581c87"}, textposition="middle center",
            marker={"size": 30, "color": "rgba(255,255,255,0.85)"}, hovertext=hover, hoverinfo="text",
            customdata=[f"anchorage:{z}" for z in gdf.get("zone_id", [])], name=self.title_in(style.lang),
            legendgroup=self.name, showlegend=False, uid="anchorages")]


class Gates(Layer):
    name = "gates"
    title = {"en": "Gates and trucks", "zh": "闸口与卡车"}
    sql = "layer_gates"
    geometry = "Point"
    key = ("gate_id",)
    age_sources = ("feed:gate",)
    live = True

    def traces(self, gdf: gpd.GeoDataFrame, style: Style) -> list[go.Scattermap]:
        zh = style.lang == "zh"
        hover = [f"<b>{name_in(r, style.lang)}</b>"
                 + (f"<br>近1小时 进 {r['in_hour']} / 出 {r['out_hour']} · 危险品 {r['dg_hour']}"
                    if zh else f"<br>last hour: {r['in_hour']} in / {r['out_hour']} out · {r['dg_hour']} with DG")
                 + (f"<br>港内卡车 {r['trucks_inside']}" if zh else f"<br>trucks inside: {r['trucks_inside']}")
                 + "".join(f"<br>{p}" for p in list(r["recent"] or []))
                 for _, r in gdf.iterrows()]
        inside = [int(n) for n in gdf.get("trucks_inside", [])]
        lon, lat = _points(gdf)
        return [go.Scattermap(
            lon=lon, lat=lat, mode="markers+text", text=[str(n) for n in inside], textposition="top center",
            textfont={"size": 11, "color": "#1e3a8a"},
            marker={"size": [10 + min(n, 30) for n in inside],
                    "color": ["#dc2626" if int(d) else "#2563eb" for d in gdf.get("dg_hour", [])], "opacity": 0.8},
            hovertext=hover, hoverinfo="text", customdata=[f"gate:{g}" for g in gdf.get("gate_id", [])],
            name=self.title_in(style.lang), legendgroup=self.name, showlegend=False, uid="gates")]


class CameraEvents(Layer):
    name = "camera_events"
    title = {"en": "Camera detections (10 min)", "zh": "摄像机检测（10分钟）"}
    sql = "layer_camera_events"
    geometry = "Point"
    key = ("camera_id", "label", "last_at")
    age_sources = ("feed:camera",)
    live = True

    def traces(self, gdf: gpd.GeoDataFrame, style: Style) -> list[go.Scattermap]:
        zh = style.lang == "zh"
        lon, lat = _points(gdf)
        # labels seen at one place are set around it (about 15 m apart) instead of on top of each other
        order = sorted(OBJECTS)
        for i, label in enumerate(gdf.get("label", [])):
            k = order.index(label) if label in order else len(order)
            angle = 2 * math.pi * k / (len(order) + 1)
            lon[i] = round(lon[i] + 0.00017 * math.cos(angle), 6)
            lat[i] = round(lat[i] + 0.00013 * math.sin(angle), 6)
        look = [OBJECTS.get(label, ("#6b7280", label, label)) for label in gdf.get("label", [])]
        hover = [f"<b>{o[2] if zh else o[1]}</b> × {r['tracks']} · {r['camera_id']}"
                 + (f" · {'进行中' if zh else 'ongoing'}" if r["ongoing"] else "")
                 + f"<br>{', '.join(r['zones'] or [])}<br>{r['last_at']:%H:%M:%S} UTC"
                 for o, (_, r) in zip(look, gdf.iterrows(), strict=True)]
        return [go.Scattermap(
            lon=lon, lat=lat, mode="markers",
            marker={"size": [8 + min(int(n), 10) for n in gdf.get("tracks", [])], "color": [o[0] for o in look],
                    "opacity": [0.95 if g else 0.55 for g in gdf.get("ongoing", [])]},
            hovertext=hover, hoverinfo="text", customdata=[f"camera:{c}" for c in gdf.get("camera_id", [])],
            name=self.title_in(style.lang), legendgroup=self.name, showlegend=False, uid="camera_events")]
