"""People: each phone tracker's last fix in view as a dot by team (border boarding, customs inspection, port
patrol, MSA) with a short trail. Personal data: the rows carry `personal_agency`, and portdomain.roles.redact
keeps only those the user may see (supervisors, and the person's own agency); the live map draws the layer once per
personal scope (app/live.py), the wall and the report as the least of users: no one."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import plotly.graph_objects as go
import psycopg

from layers.base import FeatureSet, Layer, Style, View, line_trace, read_frame
from layers.vehicles import trails

# team -> (colour, English, Chinese)
TEAMS = {
    "border_boarding": ("#7c3aed", "Border boarding team", "边检登轮组"),
    "customs_inspection": ("#b45309", "Customs inspection", "海关查验"),
    "port_patrol": ("#2563eb", "Port patrol", "港区巡逻"),
    "msa": ("#0e7490", "Maritime safety (MSA)", "海事"),
    "unregistered": ("#6b7280", "Unregistered tracker", "未登记"),
}


TRAIL_S = 600


class People(Layer):
    name = "people"
    title = {"en": "People", "zh": "人员"}
    min_role = "officer"
    sql = "layer_people"
    geometry = "Point"
    key = ("device_id",)
    age_sources = ("feed:people",)
    live = True
    personal = True
    refresh_s = 5.0

    def feature_sets(self) -> tuple[FeatureSet, ...]:
        """None: people's positions are personal data, not served to GIS clients (the layer API, OGC API -
        Features, vector tiles: they read as the read-only role, which may not read them). The live map, the
        search and the cards show them to whom roles allow."""
        return ()

    def query(self, conn: psycopg.Connection[Any], view: View) -> gpd.GeoDataFrame:
        """Every person's row (the callers redact by actor: portdomain.roles.redact)."""
        return read_frame(conn, self.sql, {**view.params(), "trail_s": TRAIL_S})

    def traces(self, gdf: gpd.GeoDataFrame, style: Style) -> list[go.Scattermap]:
        """The trails and one trace per team, empty or not (the live map's trace slots stay the same)."""
        zh = style.lang == "zh"
        out = [line_trace(trails(gdf), name=self.title_in(style.lang), color="rgba(124,58,237,0.45)",
                          width=1.2, legendgroup=self.name)]
        for team, (_colour, en, cn) in TEAMS.items():
            rows = gdf[gdf["team"] == team] if len(gdf) else gdf
            hover = [f"<b>{r['person'] or r['device_id']}</b><br>{cn if zh else en}"
                     + (f"<br>±{r['accuracy_m']:.0f} m" if r["accuracy_m"] == r["accuracy_m"] else "")
                     for _, r in rows.iterrows()]
            out.append(go.Scattermap(
                lon=rows["lon"].round(6).tolist() if len(rows) else [],
                lat=rows["lat"].round(6).tolist() if len(rows) else [], mode="markers",
                marker={"symbol": f"person-{team}", "size": 7, "allowoverlap": True},
                hovertext=hover, hoverinfo="text", customdata=[f"person:{d}" for d in rows["device_id"]],
                name=f"{self.title_in(style.lang)}: {cn if zh else en}", legendgroup=self.name, showlegend=False))
        return out
