"""Direct delivery (直提/直装): each container planned to go straight between ship and truck, drawn where it
stands — on the ship at her berth, on a truck on the road between berth and gate, at the gate — red when it
overstays. Its rows come from ops_direct_delivery, which the port-operations panel lists too."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go
import psycopg

from layers.base import FeatureSet, Layer, Style, View
from sql.direct_delivery import KEYS, direct_rows

STATE_COLOUR = {"waiting": "#64748b", "on_truck": "#2563eb", "at_gate": "#d97706"}
OVERSTAY_COLOUR = "#dc2626"
LABELS = {"en": {"waiting": "waiting on board", "on_truck": "on the truck", "at_gate": "at the gate",
                 "discharge": "direct pickup", "load": "direct loading", "over_time": "OVERSTAY",
                 "gate_hold": "HELD AT GATE", "grounded": "GROUNDED IN YARD", "min": "min in the terminal"},
          "zh": {"waiting": "船上待卸", "on_truck": "在车上", "at_gate": "在闸口", "discharge": "直提",
                 "load": "直装", "over_time": "超时", "gate_hold": "闸口滞留", "grounded": "已落场",
                 "min": "分钟在港"}}


def spread(keys: list[str], metres: float = 25.0) -> tuple[list[float], list[float]]:
    """A small fixed offset per container (degrees), so boxes at the same berth or gate do not hide each other."""
    dx, dy = [], []
    for k in keys:
        h = sum(ord(c) * (i + 7) for i, c in enumerate(k))
        dx.append(((h % 11) - 5) / 5 * metres / 88_000)
        dy.append((((h // 11) % 11) - 5) / 5 * metres / 111_000)
    return dx, dy


class DirectDelivery(Layer):
    name = "direct_delivery"
    title = {"en": "Direct delivery", "zh": "直提直装"}
    sql = "ops_direct_delivery"
    geometry = "Point"
    key = ("plan_id",)
    age_sources = ("feed:yard",)
    live = True
    refresh_s = 5.0

    def feature_sets(self) -> tuple[FeatureSet, ...]:
        return (FeatureSet(self.name, self.title, self.sql, self.geometry, self.key, wrap="features_lonlat",
                           instant="now", params_of=lambda view: {"port_id": view.port_id,
                                                                 "now": view.at or datetime.now(UTC),
                                                                 "done_keep_h": 0}),)

    def query(self, conn: psycopg.Connection[Any], view: View) -> gpd.GeoDataFrame:
        placed = [r for r in direct_rows(conn, view.port_id, view.at, done_keep_h=0) if r["lon"] is not None]
        frame = pd.DataFrame(placed, columns=list(KEYS))
        return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326")

    def traces(self, gdf: gpd.GeoDataFrame, style: Style) -> list[go.Scattermap]:
        words = LABELS["zh" if style.lang == "zh" else "en"]
        dx, dy = spread(list(gdf["container_no"]))
        hover, colour, text = [], [], []
        for _, r in gdf.iterrows():
            over = r["overstay"] if isinstance(r["overstay"], str) else None
            lines = [f"<b>{r['container_no']}</b> · {words[r['direction']]}", words[r["state"]]]
            if not pd.isna(r["minutes"]) and r["state"] != "waiting":
                lines.append(f"{int(r['minutes'])} / {int(r['limit_min'])} {words['min']}")
            lines += [x for x in (r["berth_id"], r["truck_plate"]) if isinstance(x, str)]
            if over:
                lines.append(f"<b>{words[over]}</b>")
            hover.append("<br>".join(lines))
            colour.append(OVERSTAY_COLOUR if over else STATE_COLOUR.get(r["state"], "#64748b"))
            text.append(words[over] if over else "")
        return [go.Scattermap(
            lon=[round(x + d, 6) for x, d in zip(gdf["lon"], dx, strict=True)],
            lat=[round(y + d, 6) for y, d in zip(gdf["lat"], dy, strict=True)],
            mode="markers+text", text=text, textposition="bottom center",
            textfont={"size": 10, "color": OVERSTAY_COLOUR}, hovertext=hover, hoverinfo="text",
            marker={"size": [11 if c == OVERSTAY_COLOUR else 8 for c in colour], "color": colour},
            customdata=list(gdf["container_no"]), name=self.title_in(style.lang), legendgroup=self.name,
            showlegend=False)]
