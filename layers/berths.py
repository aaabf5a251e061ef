"""Berths: the quay face of each berth, coloured by cargo, with its name and particulars."""

from __future__ import annotations

import geopandas as gpd
import plotly.graph_objects as go

from layers.base import Layer, Style, label_trace, line_trace, name_in

CARGO = {
    "container": ("#0369a1", "Container", "集装箱"), "bulk": ("#854d0e", "Bulk", "散货"),
    "general": ("#15803d", "General cargo", "杂货"), "liquid_chemical": ("#c2410c", "Liquid chemical", "液体化工"),
    "oil": ("#9a3412", "Oil", "油品"), "roro": ("#7c3aed", "Ro-ro", "滚装"),
    "passenger": ("#db2777", "Passenger", "客运"), "multipurpose": ("#0f766e", "Multipurpose", "多用途"),
    "service": ("#475569", "Service", "港作船"),
}


class Berths(Layer):
    name = "berths"
    title = {"en": "Berths", "zh": "泊位"}
    sql = "layer_berths"
    geometry = "LineString"
    key = ("berth_id",)
    in_style = True

    def traces(self, gdf: gpd.GeoDataFrame, style: Style) -> list[go.Scattermap]:
        zh = style.lang == "zh"
        out = [line_trace(list(part.geometry), name=CARGO[cargo][2 if zh else 1], color=CARGO[cargo][0],
                          width=7, legendgroup=self.name)
               for cargo, part in gdf.groupby("cargo", sort=False)]
        hover = []
        for _, r in gdf.iterrows():
            _colour, en, zh_name = CARGO[r["cargo"]]
            lines = [f"<b>{name_in(r, style.lang)}</b>", zh_name if zh else en,
                     f"{'长度' if zh else 'length'} {r['length_m']:.0f} m"]
            if r["depth_m"] == r["depth_m"] and r["depth_m"] is not None:
                lines.append(f"{'水深' if zh else 'depth alongside'} {r['depth_m']:g} m")
            if r["max_dwt_t"] == r["max_dwt_t"] and r["max_dwt_t"] is not None:
                lines.append(f"{'靠泊能力' if zh else 'max'} {int(r['max_dwt_t']):,} t DWT")
            hover.append("<br>".join(lines))
        out.append(label_trace(gdf, name=self.title_in(style.lang), text=list(gdf["berth_id"]), hover=hover,
                               legendgroup=self.name, color="#0c4a6e", size=10, marker_size=9))
        return out
