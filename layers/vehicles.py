"""Vehicles: each JT/T 808 terminal's last fix in view as an icon by kind (container truck, reach stacker, patrol
car, fire engine, …) rotated by its direction, with a short trail behind it; an emergency alarm drawn as a red ring."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import plotly.graph_objects as go
import psycopg
import shapely

from layers.base import FeatureSet, Layer, Style, View, line_trace, read_frame

# kind -> (colour, English, Chinese)
KINDS = {
    "container_truck": ("#0f766e", "Container truck", "集卡"), "tractor": ("#0369a1", "Tractor", "拖车"),
    "reach_stacker": ("#a16207", "Reach stacker", "正面吊"),
    "straddle_carrier": ("#9a3412", "Straddle carrier", "跨运车"),
    "forklift": ("#854d0e", "Forklift", "叉车"), "patrol_car": ("#1d4ed8", "Patrol car", "巡逻车"),
    "fire_engine": ("#dc2626", "Fire engine", "消防车"), "ambulance": ("#db2777", "Ambulance", "救护车"),
    "service_vehicle": ("#4b5563", "Service vehicle", "作业车"), "unregistered": ("#6b7280", "Unregistered", "未登记"),
}
TRAIL_S = 300


def trails(gdf: gpd.GeoDataFrame) -> list[Any]:
    """The trail column (WKT, a row's own: a row a user may not see takes its trail with it) as shapely lines."""
    if not len(gdf) or "trail" not in gdf:
        return []
    texts = [t if isinstance(t, str) else None for t in gdf["trail"]]
    return [g for g in shapely.from_wkt(texts) if g is not None]


class Vehicles(Layer):
    name = "vehicles"
    title = {"en": "Vehicles", "zh": "车辆"}
    sql = "layer_vehicles"
    geometry = "Point"
    key = ("terminal_phone",)
    age_sources = ("feed:vehicles",)
    live = True
    refresh_s = 2.0

    def feature_sets(self) -> tuple[FeatureSet, ...]:
        return (FeatureSet(self.name, self.title, self.sql, self.geometry, self.key, extra={"trail_s": TRAIL_S}),)

    def query(self, conn: psycopg.Connection[Any], view: View) -> gpd.GeoDataFrame:
        return read_frame(conn, self.sql, {**view.params(), "trail_s": TRAIL_S})

    def traces(self, gdf: gpd.GeoDataFrame, style: Style) -> list[go.Scattermap]:
        """The trails, one trace per kind (empty or not: the live map's trace slots stay the same), the alarms."""
        zh = style.lang == "zh"
        out = [line_trace(trails(gdf), name=self.title_in(style.lang), color="rgba(15,118,110,0.5)",
                          width=1.5, legendgroup=self.name)]
        for kind, (_colour, en, cn) in KINDS.items():
            rows = gdf[gdf["kind"] == kind] if len(gdf) else gdf
            hover = [f"<b>{r['plate'] or r['terminal_phone']}</b><br>{cn if zh else en}<br>"
                     f"{r['speed_kmh']:.0f} km/h · {int(r['direction_deg'] or 0)}°<br>"
                     f"{'终端' if zh else 'terminal'} {r['terminal_phone']}" for _, r in rows.iterrows()]
            out.append(go.Scattermap(
                lon=rows["lon"].round(6).tolist() if len(rows) else [],
                lat=rows["lat"].round(6).tolist() if len(rows) else [], mode="markers",
                marker={"symbol": f"vehicle-{kind}", "size": 8, "allowoverlap": True,
                        "angle": rows["direction_deg"].fillna(0).astype(int).tolist() if len(rows) else []},
                hovertext=hover, hoverinfo="text", customdata=[f"vehicle:{p}" for p in rows["terminal_phone"]],
                name=f"{self.title_in(style.lang)}: {cn if zh else en}", legendgroup=self.name, showlegend=False))
        alarms = gdf[gdf["emergency"].astype(bool)] if len(gdf) else gdf
        out.append(go.Scattermap(
            lon=alarms["lon"].round(6).tolist() if len(alarms) else [],
            lat=alarms["lat"].round(6).tolist() if len(alarms) else [], mode="markers",
            marker={"size": 20, "color": "rgba(220,38,38,0.35)"}, hoverinfo="skip",
            name="紧急报警" if zh else "Emergency alarm", legendgroup=self.name, showlegend=False))
        return out
