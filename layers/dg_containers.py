"""Dangerous-goods containers in the yard, coloured by IMDG class (as on the placards)."""

from __future__ import annotations

import geopandas as gpd
import plotly.graph_objects as go

from layers.base import Layer, Style

# The placard colours of each class (the first character of the class or division).
CLASS_COLOUR = {"1": "#f97316", "2": "#16a34a", "3": "#dc2626", "4": "#b91c1c", "5": "#eab308", "6": "#64748b",
                "7": "#facc15", "8": "#111827", "9": "#7c3aed"}
CLASS_NAME = {"1": ("explosives", "爆炸品"), "2": ("gases", "气体"), "3": ("flammable liquids", "易燃液体"),
              "4": ("flammable solids", "易燃固体"), "5": ("oxidisers, organic peroxides", "氧化物质和有机过氧化物"),
              "6": ("toxic, infectious", "毒性和感染性物质"), "7": ("radioactive", "放射性物质"),
              "8": ("corrosives", "腐蚀性物质"), "9": ("miscellaneous", "杂类危险物质")}


class DgContainers(Layer):
    name = "dg_containers"
    title = {"en": "Dangerous goods", "zh": "危险货物"}
    sql = "layer_dg_containers"
    live = True

    def traces(self, gdf: gpd.GeoDataFrame, style: Style) -> list[go.Scattermap]:
        zh = style.lang == "zh"
        hover, colours = [], []
        for _, r in gdf.iterrows():
            classes = list(r["classes"] or [])
            main = (classes[0] if classes else "9")[0]
            colours.append(CLASS_COLOUR.get(main, "#7c3aed"))
            names = ", ".join(f"{c} {CLASS_NAME.get(c[0], ('', ''))[1 if zh else 0]}" for c in classes)
            hover.append("<br>".join(filter(None, [
                f"<b>{r['container_no']}</b> · {r['block_id']}-{r['bay']:02d}-{r['row_']:02d}-{r['tier']}",
                f"{'类别' if zh else 'class'} {names}",
                "UN " + ", ".join(f"{u:04d}" for u in (r["un_numbers"] or [])),
                r["shipping_name"] or "",
                f"{'海关' if zh else 'customs'}: {r['customs_status'] or '—'}"])))
        points = gdf.geometry
        return [go.Scattermap(
            lon=points.x.round(7).tolist() if len(gdf) else [], lat=points.y.round(7).tolist() if len(gdf) else [],
            mode="markers", marker={"size": 7, "color": colours, "opacity": 0.9},
            customdata=gdf["container_no"].tolist() if len(gdf) else [], hovertext=hover, hoverinfo="text",
            name=self.title_in(style.lang), legendgroup=self.name, showlegend=False, uid="dg_containers")]
