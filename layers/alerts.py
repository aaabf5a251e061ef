"""Alerts: every live alert at its place as a halo coloured by severity (fainter once acknowledged or
suppressed), with its explained score on hover."""

from __future__ import annotations

import geopandas as gpd
import plotly.graph_objects as go

from layers.base import Layer, Style

# Drawn as a halo under the vessel or container it concerns: (colour, size, en, zh).
SEVERITY = {"critical": ("#dc2626", 34, "Critical", "严重"), "warning": ("#f59e0b", 28, "Warning", "警告"),
            "info": ("#2563eb", 22, "Info", "提示")}
STATE = {"open": ("open", "未处理"), "acknowledged": ("acknowledged", "已确认"), "suppressed": ("suppressed", "已抑制")}


class Alerts(Layer):
    name = "alerts"
    title = {"en": "Alerts", "zh": "告警"}
    sql = "layer_alerts"
    geometry = "Point"
    key = ("alert_id",)
    age_sources = ("alerts",)
    live = True

    def traces(self, gdf: gpd.GeoDataFrame, style: Style) -> list[go.Scattermap]:
        zh = style.lang == "zh"
        hover = []
        for _, r in gdf.iterrows():
            sev = SEVERITY.get(r["severity"], SEVERITY["info"])
            factors = "<br>".join(f"+{f['points']:g} {f['why']}" for f in (r["factors"] or [])[:5])
            cams = ", ".join(r["cameras"] or [])
            hover.append("<br>".join(filter(None, [
                f"<b>{r['title_zh'] if zh else r['title_en']}</b>",
                f"{sev[3] if zh else sev[2]} · {STATE.get(r['state'], (r['state'], r['state']))[1 if zh else 0]} · "
                f"{'风险评分' if zh else 'risk score'} {r['score']}",
                factors,
                (f"{'可见摄像机' if zh else 'seen by'} {cams}" if cams else ""),
                f"{r['evidence_at']:%H:%M:%S} UTC"])))
        colours = [SEVERITY.get(s, SEVERITY["info"])[0] for s in gdf["severity"]] if len(gdf) else []
        sizes = [SEVERITY.get(s, SEVERITY["info"])[1] for s in gdf["severity"]] if len(gdf) else []
        opacity = [0.5 if s == "open" else 0.22 for s in gdf["state"]] if len(gdf) else []
        points = gdf.geometry
        return [go.Scattermap(
            lon=points.x.round(6).tolist() if len(gdf) else [], lat=points.y.round(6).tolist() if len(gdf) else [],
            mode="markers", marker={"size": sizes, "color": colours, "opacity": opacity},
            customdata=gdf["alert_id"].tolist() if len(gdf) else [], hovertext=hover, hoverinfo="text",
            name=self.title_in(style.lang), legendgroup=self.name, showlegend=False, uid="alerts")]
