"""Vessels: the latest AIS position of every vessel in view, coloured by ship type, sized by length."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go
import psycopg

from layers.base import Layer, Style, View, read_frame

# (colour, English, Chinese) by the AIS ship-type group (ITU-R M.1371 table 53)
CATEGORIES = {
    "cargo": ("#15803d", "Cargo", "货船"), "tanker": ("#b91c1c", "Tanker", "油轮/化学品船"),
    "passenger": ("#2563eb", "Passenger", "客船"), "service": ("#7c3aed", "Tug, pilot, port service", "港作船"),
    "fishing": ("#ca8a04", "Fishing", "渔船"), "pleasure": ("#db2777", "Pleasure craft", "游艇"),
    "other": ("#475569", "Other, unknown", "其他"),
}
NAV_STATUS = {0: ("under way", "在航"), 1: ("at anchor", "锚泊"), 2: ("not under command", "失控"),
              3: ("restricted manoeuvrability", "操纵受限"), 5: ("moored", "系泊"), 7: ("fishing", "捕捞作业"),
              8: ("sailing", "帆船航行")}


def category(ship_type: Any) -> str:
    if ship_type is None or pd.isna(ship_type):
        return "other"
    t = int(ship_type)
    if 70 <= t <= 79:
        return "cargo"
    if 80 <= t <= 89:
        return "tanker"
    if 60 <= t <= 69:
        return "passenger"
    if t in (31, 32, 33, 50, 51, 52, 53, 54, 55, 58, 59):
        return "service"
    if t == 30:
        return "fishing"
    if t in (36, 37):
        return "pleasure"
    return "other"


class Vessels(Layer):
    name = "vessels"
    title = {"en": "Vessels (AIS)", "zh": "船舶（AIS）"}
    sql = "layer_vessels"
    live = True
    max_age_s = 1800

    def query(self, conn: psycopg.Connection[Any], view: View) -> gpd.GeoDataFrame:
        return read_frame(conn, self.sql, {**view.params(), "max_age_s": self.max_age_s})

    def traces(self, gdf: gpd.GeoDataFrame, style: Style) -> list[go.Scattermap]:
        zh = style.lang == "zh"
        cats = [category(t) for t in gdf["ship_type"]] if len(gdf) else []
        hover = []
        for (_, r), cat in zip(gdf.iterrows(), cats, strict=True):
            status = NAV_STATUS.get(int(r["nav_status"]), ("", "")) if pd.notna(r["nav_status"]) else ("", "")
            sog = "—" if pd.isna(r["sog_kn"]) else f"{r['sog_kn']:.1f} kn"
            cog = "—" if pd.isna(r["cog_deg"]) else f"{r['cog_deg']:.0f}°"
            size = "" if pd.isna(r["length_m"]) else f" · {r['length_m']:.0f} × {r['beam_m'] or 0:.0f} m"
            hover.append("<br>".join([
                f"<b>{r['name'] or r['mmsi']}</b> ({CATEGORIES[cat][2 if zh else 1]}{size})",
                f"MMSI {r['mmsi']}" + (f" · IMO {r['imo']}" if pd.notna(r["imo"]) else "")
                + (f" · {r['flag']}" if r["flag"] else ""),
                f"{'航速' if zh else 'SOG'} {sog} · {'航向' if zh else 'COG'} {cog} · {status[1 if zh else 0]}",
                (f"{'目的港' if zh else 'to'} {r['destination']} · " if r["destination"] else "")
                + (f"{r['age_s']} s {'前' if zh else 'ago'}")]))
        colours = [CATEGORIES[c][0] for c in cats]
        sizes = [7 if pd.isna(n) else min(15, 6 + float(n) / 25) for n in gdf["length_m"]] if len(gdf) else []
        points = gdf.geometry
        return [go.Scattermap(
            lon=points.x.round(6).tolist() if len(gdf) else [], lat=points.y.round(6).tolist() if len(gdf) else [],
            mode="markers", marker={"size": sizes, "color": colours, "opacity": 0.95},
            customdata=gdf["mmsi"].tolist() if len(gdf) else [], hovertext=hover, hoverinfo="text",
            name=self.title_in(style.lang), legendgroup=self.name, showlegend=False, uid="vessels")]
