"""Dangerous-goods containers in the yard, coloured by IMDG class (as on the placards)."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import plotly.graph_objects as go
import psycopg

from layers.base import Layer, Style, View
from sql import query

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
    geometry = "Point"
    key = ("container_no",)
    age_sources = ("feed:yard", "feed:hazmat")
    live = True

    def version(self, conn: psycopg.Connection[Any], view: View) -> Any:
        return tuple(query(conn, "layer_dg_version", {})[0])

    def traces(self, gdf: gpd.GeoDataFrame, style: Style) -> list[go.Scattermap]:
        zh = style.lang == "zh"
        if not len(gdf):
            return [self._trace([], [], [], [], [], style)]
        classes = [list(c or []) for c in gdf["classes"]]
        colours = [CLASS_COLOUR.get((c[0] if c else "9")[0], "#7c3aed") for c in classes]
        names = [", ".join(f"{k} {CLASS_NAME.get(k[0], ('', ''))[1 if zh else 0]}" for k in c) for c in classes]
        slot = (gdf["block_id"].astype(str) + "-" + gdf["bay"].map("{:02d}".format) + "-"
                + gdf["row_"].map("{:02d}".format) + "-" + gdf["tier"].astype(str))
        uns = ["UN " + ", ".join(f"{u:04d}" for u in (v or [])) for v in gdf["un_numbers"]]
        # (customs status is not in the shared hover: the card shows it to those allowed to see it)
        hover = [f"<b>{no}</b> · {where}<br>{'类别' if zh else 'class'} {n}<br>{un}" + (f"<br>{psn}" if psn else "")
                 for no, where, n, un, psn in zip(gdf["container_no"], slot, names, uns, gdf["shipping_name"],
                                                  strict=True)]
        points = gdf.geometry
        return [self._trace(points.x.round(7).tolist(), points.y.round(7).tolist(), colours,
                            gdf["container_no"].tolist(), hover, style)]

    def _trace(self, lon: list[float], lat: list[float], colours: list[str], ids: list[str], hover: list[str],
               style: Style) -> go.Scattermap:
        return go.Scattermap(lon=lon, lat=lat, mode="markers", marker={"size": 7, "color": colours, "opacity": 0.9},
                             customdata=ids, hovertext=hover, hoverinfo="text", name=self.title_in(style.lang),
                             legendgroup=self.name, showlegend=False, uid="dg_containers")
