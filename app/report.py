"""The situation report: the port at an instant and over the window before it, as self-contained HTML or PDF.

    python -m app.report --out shift.pdf [--at 2026-11-27T08:00Z] [--hours 8] [--lang zh]
    python -m app.report --out incident.pdf --alert 42        # one alert: close map, track, DG, cameras, case
    python -m app.report --schedule 06:00,14:00,22:00 --dir .data/reports   # each shift's report, forever

It holds a static map of the port and one of its terminals (SVG drawn here from the layers, so it needs
nothing online), the KPIs, every alert of the window with who acknowledged and resolved it, the dangerous
goods by class and block, the ships at berth and at anchor with their destination and ETA, a summary of the
cameras' detections and the feeds' health. PDF by WeasyPrint (with the system's Noto Sans CJK for 简体中文).
"""

from __future__ import annotations

import argparse
import html
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import numpy as np
import psycopg
import shapely

from app.figure import PortInfo, port_info
from app.i18n import t
from app.kpi import port_kpis, tiles
from app.stats import port_stats
from layers import LAYERS, View
from layers.vessels import Vessels
from layers.yard_use import band_colour
from sql import query
from sql.direct_delivery import direct_rows

SEVERITY_COLOUR = {"critical": "#dc2626", "warning": "#f59e0b", "info": "#2563eb"}
CSS = """
@page { size: A4; margin: 14mm 12mm 16mm; @bottom-right { content: counter(page) " / " counter(pages);
        font-size: 8pt; color: #64748b; } }
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Noto Sans", sans-serif; font-size: 9pt; color: #0f172a; }
h1 { font-size: 16pt; margin: 0 0 2pt; } h2 { font-size: 11.5pt; margin: 12pt 0 4pt; border-bottom: 1pt solid #cbd5e1; }
.meta { color: #475569; margin-bottom: 8pt; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 2pt 4pt; vertical-align: top;
  border-bottom: 0.5pt solid #e2e8f0; } th { background: #f1f5f9; font-weight: 600; }
.kpis { display: flex; flex-wrap: wrap; gap: 4pt; } .kpi { border: 0.8pt solid #cbd5e1; border-radius: 3pt;
  padding: 3pt 6pt; min-width: 58pt; } .kpi b { display: block; font-size: 13pt; }
.sev { display: inline-block; width: 7pt; height: 7pt; border-radius: 50%; margin-right: 3pt; }
.maps figure { margin: 0 0 6pt; } figcaption { font-size: 8pt; color: #475569; }
svg { width: 100%; height: 100mm; border: 0.5pt solid #94a3b8; background: #dbeafe; }
.none { color: #64748b; }
"""


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime
    live: bool            # the end is now (not a past instant)


def window(at: datetime | None, hours: float) -> Window:
    end = at or datetime.now(UTC)
    return Window(end - timedelta(hours=hours), end, at is None)


# --- the maps ------------------------------------------------------------------------------------------

class Projection:
    """Degrees to SVG units: equirectangular around the box's middle latitude (a port is small enough)."""

    def __init__(self, bbox: tuple[float, float, float, float], width: float = 1000) -> None:
        self.x0, self.y0, x1, self.y1 = bbox
        self.k = width / ((x1 - self.x0) * math.cos(math.radians((self.y0 + self.y1) / 2)))
        self.kx = self.k * math.cos(math.radians((self.y0 + self.y1) / 2))
        self.width, self.height = width, (self.y1 - self.y0) * self.k

    def xy(self, coords: np.ndarray) -> np.ndarray:
        return np.column_stack([(coords[:, 0] - self.x0) * self.kx, (self.y1 - coords[:, 1]) * self.k])

    def path(self, geom: Any) -> str:
        parts = []
        for ring in _rings(geom):
            xy = self.xy(shapely.get_coordinates(ring))
            if len(xy):
                parts.append("M" + " L".join(f"{x:.1f} {y:.1f}" for x, y in xy) + (" Z" if ring.is_closed else ""))
        return " ".join(parts)


def _rings(geom: Any) -> list[Any]:
    if geom is None or geom.is_empty:
        return []
    kind = geom.geom_type
    if kind == "Polygon":
        return [geom.exterior, *geom.interiors]
    if kind in ("LineString", "LinearRing"):
        return [geom]
    if kind.startswith("Multi") or kind == "GeometryCollection":
        return [r for g in geom.geoms for r in _rings(g)]
    return []


def map_svg(conn: psycopg.Connection[Any], port: PortInfo, bbox: tuple[float, float, float, float],
            at: datetime | None, lang: str, labels: bool, track_of: int | None = None,
            mark: tuple[float, float] | None = None) -> str:
    """The port drawn from its layers at `at`: land, zones, quays, berths, yard blocks by utilisation, the
    ships, the dangerous goods by class and the live alerts."""
    proj = Projection(bbox)
    view = View(port_id=port.port_id, bbox=bbox, zoom=15, at=at, lang=lang)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {proj.width:.0f} {proj.height:.0f}">']

    def shapes(name: str, style: Any) -> None:
        for _, r in LAYERS[name].query(conn, view).iterrows():
            fill, stroke, width = style(r)
            out.append(f'<path d="{proj.path(r.geometry)}" fill="{fill}" stroke="{stroke}" stroke-width="{width}"/>')

    land = {"land": "#f1efe9", "reclaimed": "#e7e2d6", "water": "#dbeafe"}
    shapes("basemap", lambda r: (land.get(r.get("kind"), "#f1efe9"), "#94a3b8", 0.6))
    zone = {"anchorage": ("none", "#7e22ce"), "channel": ("#bfdbfe", "#1d4ed8"), "restricted": ("none", "#dc2626"),
            "hazmat_area": ("#fed7aa", "#ea580c")}
    shapes("zones", lambda r: (*zone.get(r["kind"], ("none", "#cbd5e1")), 1.2 if r["kind"] in zone else 0.4))
    shapes("structures", lambda r: ("none", "#334155", 2.2))
    shapes("berths", lambda r: ("none", "#0f766e", 1.5))
    shapes("yard_blocks", lambda r: (band_colour(r["containers"] / max(r["capacity_teu"], 1)), "#475569", 0.5))
    if track_of is not None:           # the subject's last 24 hours before the instant
        tracks = LAYERS["tracks"].query(conn, replace(view, filters={"mmsi": track_of}))
        for geom in tracks[tracks["selected"]].geometry if len(tracks) else []:
            out.append(f'<path d="{proj.path(geom)}" fill="none" stroke="#be185d" stroke-width="3"/>')
    pic = cast(Vessels, LAYERS["vessels"]).live_picture(conn, view)
    for (x, y), name in zip(proj.xy(np.column_stack([pic.lon, pic.lat])), pic.names, strict=True):
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#1d4ed8" stroke="#fff" stroke-width="1"/>')
        if labels and name:
            out.append(f'<text x="{x + 6:.1f}" y="{y + 3:.1f}" font-size="11" fill="#0f172a">'
                       f'{html.escape(name)}</text>')
    from layers.dg_containers import CLASS_COLOUR
    for _, r in LAYERS["dg_containers"].query(conn, view).iterrows():
        x, y = proj.xy(np.array([[r.geometry.x, r.geometry.y]]))[0]
        colour = CLASS_COLOUR.get(next(iter(r["classes"] or ["9"]))[0], "#7c3aed")
        out.append(f'<rect x="{x - 2:.1f}" y="{y - 2:.1f}" width="4" height="4" fill="{colour}"/>')
    for _, r in LAYERS["alerts"].query(conn, view).iterrows():
        x, y = proj.xy(np.array([[r.geometry.x, r.geometry.y]]))[0]
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="12" fill="none" '
                   f'stroke="{SEVERITY_COLOUR.get(r["severity"], "#2563eb")}" stroke-width="3"/>')
    if mark is not None:
        x, y = proj.xy(np.array([mark]))[0]
        out.append(f'<path d="M{x - 14:.1f} {y:.1f} L{x + 14:.1f} {y:.1f} M{x:.1f} {y - 14:.1f} L{x:.1f} {y + 14:.1f}" '
                   'stroke="#b91c1c" stroke-width="3"/>')
    out.append("</svg>")
    return "".join(out)


def terminal_bbox(conn: psycopg.Connection[Any], port_id: str) -> tuple[float, float, float, float] | None:
    rows = query(conn, "wall_views", {"port_id": port_id})
    boxes = [r[1:] for r in rows if r[0] in ("berths", "yard")]
    if not boxes:
        return None
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    pad = 0.1 * max(x1 - x0, y1 - y0)
    return x0 - pad, y0 - pad, x1 + pad, y1 + pad


# --- the report ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Situation:
    """What every section of the situation report reads: the port, the window, the language, who asked."""

    conn: psycopg.Connection[Any]
    port: PortInfo
    win: Window
    lang: str
    author: str = ""

    @property
    def when(self) -> datetime | None:
        """The instant the picture is of: None when it is now."""
        return None if self.win.live else self.win.end

    @property
    def params(self) -> dict[str, Any]:
        return {"port_id": self.port.port_id, "from": self.win.start, "to": self.win.end}

    @property
    def zh(self) -> bool:
        return self.lang == "zh"


def _summary(s: Situation) -> str:
    esc, lang = html.escape, s.lang
    span = t(lang, "report.window", start=f"{s.win.start:%Y-%m-%d %H:%M}", end=f"{s.win.end:%Y-%m-%d %H:%M}")
    made = t(lang, "report.made", at=f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC", by=s.author or "—")
    k = port_kpis(s.conn, s.port.port_id, at=s.when)
    return (f"<h1>{esc(t(lang, 'report.title'))} · {esc(s.port.name(lang))}</h1>"
            f"<div class='meta'>{esc(span)} UTC · {esc(made)}</div>"
            "<div class='kpis'>" + "".join(f"<div class='kpi'><b>{esc(v)}</b>{esc(t(lang, 'kpi.' + key))}</div>"
                                           for key, v, _level in tiles(k) if key != "feeds") + "</div>")


def _maps(s: Situation) -> str:
    esc, lang = html.escape, s.lang
    maps = [f"<figure>{map_svg(s.conn, s.port, s.port.bbox, s.when, lang, labels=False)}"
            f"<figcaption>{esc(t(lang, 'report.map_port'))}</figcaption></figure>"]
    box = terminal_bbox(s.conn, s.port.port_id)
    if box:
        maps.append(f"<figure>{map_svg(s.conn, s.port, box, s.when, lang, labels=True)}"
                    f"<figcaption>{esc(t(lang, 'report.map_terminals'))}</figcaption></figure>")
    return f"<h2>{esc(t(lang, 'report.maps'))}</h2><div class='maps'>{''.join(maps)}</div>"


def _alerts(s: Situation) -> str:
    esc = html.escape
    rows = "".join(
        f"<tr><td><span class='sev' style='background:{SEVERITY_COLOUR.get(sev, '#2563eb')}'></span>{esc(sev)}</td>"
        f"<td>{esc(title_zh if s.zh else title_en)}</td><td>{raised:%m-%d %H:%M}</td><td>{esc(state)}</td>"
        f"<td>{esc(ack or '—')}</td><td>{esc(res or '—')}</td></tr>"
        for _id, _rule, sev, title_en, title_zh, raised, state, ack, res in query(s.conn, "report_alerts", s.params))
    return _table(s.lang, "report.alerts", ["report.severity", "report.alert", "report.raised", "report.state",
                                            "report.acknowledged", "report.resolved"], rows)


def _dangerous_goods(s: Situation) -> str:
    esc = html.escape
    dg = query(s.conn, "report_dg", {"port_id": s.port.port_id, "to": s.when})
    rows = "".join(f"<tr><td>{esc(cls)}</td><td>{esc(block or '—')}</td><td>{n}</td>"
                   f"<td>{esc(', '.join(f'UN{u:04d}' for u in (uns or [])[:8]))}</td></tr>"
                   for cls, block, n, uns in dg)
    return _table(s.lang, "report.dg", ["report.class", "report.block", "report.containers", "report.un"], rows)


def _ships(s: Situation) -> str:
    esc, lang = html.escape, s.lang
    ships = query(s.conn, "report_vessels", {"port_id": s.port.port_id, "to": s.when})
    rows = "".join(f"<tr><td>{esc(t(lang, 'report.at_' + kind))}</td><td>{esc(name_zh if s.zh else name_en)}</td>"
                   f"<td>{esc(name or str(mmsi))} ({mmsi})</td><td>{esc(dest or '—')}</td>"
                   f"<td>{f'{eta:%m-%d %H:%M}' if eta else '—'}</td><td>{seen:%H:%M}</td></tr>"
                   for kind, _place, name_en, name_zh, mmsi, name, _type, dest, eta, seen in ships)
    return _table(lang, "report.ships", ["report.where", "report.place", "report.vessel", "report.destination",
                                         "report.eta", "report.seen"], rows, note=t(lang, "report.etd"))


def _statistics(s: Situation) -> str:
    return statistics_section(s.conn, s.port.port_id, s.win.start, s.win.end, s.lang)


def _direct(s: Situation) -> str:
    return direct_section(s.conn, s.port.port_id, s.win, s.lang)


def _cameras(s: Situation) -> str:
    esc = html.escape
    rows = "".join(f"<tr><td>{esc(cam)}</td><td>{esc(label)}</td><td>{n}</td><td>{first:%H:%M}–{last:%H:%M}</td></tr>"
                   for cam, label, n, first, last in query(s.conn, "report_cameras", s.params))
    return _table(s.lang, "report.cameras", ["report.camera", "report.object", "report.tracks", "report.when"], rows)


def _feeds(s: Situation) -> str:
    esc, lang = html.escape, s.lang
    rows = "".join(f"<tr><td>{esc(src)}</td><td>{esc(kind)}</td><td>{silent} s</td>"
                   f"<td>{esc(t(lang, 'report.ok' if silent < 120 else 'report.silent'))}</td></tr>"
                   for src, kind, silent in query(s.conn, "wall_feeds", {}))
    return _table(lang, "report.feeds", ["report.feed", "report.kind", "report.silent_for", "report.status"],
                  rows, note=t(lang, "report.feeds_now"))


# The situation report's sections in page order (tests/test_report.py::test_every_section_is_registered).
SITUATION_SECTIONS: dict[str, Callable[[Situation], str]] = {
    "summary": _summary, "maps": _maps, "alerts": _alerts, "dangerous_goods": _dangerous_goods, "ships": _ships,
    "statistics": _statistics, "direct_delivery": _direct, "cameras": _cameras, "feeds": _feeds,
}


def _document(lang: str, title: str, parts: list[str]) -> str:
    return (f"<!doctype html><html lang='{'zh-Hans' if lang == 'zh' else 'en'}'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>{''.join(parts)}</body></html>")


def situation_html(conn: psycopg.Connection[Any], port_id: str, at: datetime | None = None, hours: float = 8,
                   lang: str = "en", author: str = "") -> str:
    """The whole report as one self-contained HTML document."""
    port = port_info(conn, port_id)
    if port is None:
        raise ValueError(f"no port {port_id!r} is loaded")
    s = Situation(conn, port, window(at, hours), lang, author)
    return _document(lang, f"{t(lang, 'report.title')} · {port.name(lang)}",
                     [section(s) for section in SITUATION_SECTIONS.values()])


def direct_section(conn: psycopg.Connection[Any], port_id: str, win: Window, lang: str) -> str:
    """Direct delivery (直提/直装) at the end of the window: a count per state, and the boxes that overstay or are
    late, with why."""
    esc = html.escape
    keep_h = max(1, round((win.end - win.start).total_seconds() / 3600))
    rows = direct_rows(conn, port_id, win.end, done_keep_h=keep_h)
    counts = ", ".join(f"{t(lang, 'ops.dd_' + k)} {sum(r['state'] == k for r in rows)}"
                       for k in ("done", "on_truck", "at_gate", "waiting"))

    def why(r: dict[str, Any]) -> str:
        if r["overstay"]:
            return t(lang, "ops.dd_" + r["overstay"], minutes=r["minutes"], limit=r["limit_min"])
        return t(lang, "ops.dd_late", at=f"{r['planned_at']:%H:%M}")

    body = "".join(
        f"<tr><td>{esc(r['container_no'])}</td><td>{esc(t(lang, 'ops.dd_' + r['direction']))}</td>"
        f"<td>{esc(t(lang, 'ops.dd_' + r['state']))}</td>"
        f"<td>{r['minutes'] if r['minutes'] is not None else '—'} / {r['limit_min']}</td><td>{esc(why(r))}</td>"
        f"<td>{esc(' · '.join(x for x in (r['berth_id'], r['truck_plate']) if x) or '—')}</td></tr>"
        for r in rows if r["overstay"] or r["late"])
    return _table(lang, "ops.direct_heading", ["ops.container", "ops.dd_direction", "ops.status", "report.minutes",
                                               "report.why", "ops.dd_where"], body, note=counts)


INCIDENT_RADIUS_M = 300.0


def bars_svg(values: list[float], labels: list[str], colour: str, title: str, width: int = 480,
             height: int = 150) -> str:
    """A small bar chart drawn here as SVG (a PDF has no JavaScript for Plotly), one bar per period."""
    esc = html.escape
    top = max(values, default=0) or 1
    n = max(len(values), 1)
    step = (width - 40) / n
    bars = []
    for i, (v, label) in enumerate(zip(values, labels, strict=True)):
        h = (height - 40) * v / top
        x = 34 + i * step
        bars.append(f"<rect x='{x + step * 0.12:.1f}' y='{height - 20 - h:.1f}' width='{step * 0.76:.1f}' "
                    f"height='{h:.1f}' fill='{colour}'><title>{esc(label)}: {v:g}</title></rect>")
        if n <= 12 or i % max(1, n // 8) == 0:
            bars.append(f"<text x='{x + step / 2:.1f}' y='{height - 6}' font-size='9' text-anchor='middle'>"
                        f"{esc(label)}</text>")
    return (f"<svg viewBox='0 0 {width} {height}' width='{width}' height='{height}' "
            f"xmlns='http://www.w3.org/2000/svg' role='img'><text x='0' y='12' font-size='11' font-weight='600'>"
            f"{esc(title)}</text><text x='30' y='26' font-size='9' text-anchor='end'>{top:g}</text>"
            f"<line x1='32' y1='{height - 20}' x2='{width}' y2='{height - 20}' stroke='#94a3b8'/>{''.join(bars)}</svg>")


def statistics_section(conn: psycopg.Connection[Any], port_id: str, start: datetime, end: datetime,
                       lang: str) -> str:
    """The port's statistics over the report's window: hourly bars of calls and TEU, and the window's totals."""
    frame = port_stats(conn, port_id, "hour", start.replace(minute=0, second=0, microsecond=0), end)
    esc = html.escape
    head = f"<h2>{esc(t(lang, 'stats.heading'))}</h2>"
    if not len(frame):
        return head + f"<div class='meta'>{esc(t(lang, 'stats.none'))}</div>"
    labels = [f"{p:%H}" for p in frame["period"]]
    charts = "".join(bars_svg([float(v) for v in frame[col]], labels, colour, t(lang, key)) for col, key, colour in (
        ("calls", "stats.calls", "#1d4ed8"), ("teu", "stats.teu", "#0f766e"),
        ("gate_in", "stats.gate_in", "#a16207"), ("dg_boxes", "stats.dg_boxes", "#b91c1c")))
    total = frame.sum(numeric_only=True)

    def avg(hours_col: str) -> str:
        values = frame[hours_col].dropna()
        return f"{values.mean():.1f} h" if len(values) else "—"
    cells = [("stats.calls", f"{int(total['calls'])}"), ("stats.departures", f"{int(total['departures'])}"),
             ("stats.teu", f"{total['teu']:,.0f}"), ("stats.tonnes", f"{total['tonnes']:,.0f} t"),
             ("stats.gate_in", f"{int(total['gate_in'])}"), ("stats.gate_out", f"{int(total['gate_out'])}"),
             ("stats.dg_boxes", f"{int(total['dg_boxes'])}"), ("stats.dg_gate", f"{int(total['dg_gate'])}"),
             ("stats.avg_berth", avg("avg_berth_h")), ("stats.avg_anchorage", avg("avg_anchorage_h"))]
    table = ("<table><tbody>" + "".join(f"<tr><td>{esc(t(lang, k))}</td><td>{esc(v)}</td></tr>" for k, v in cells)
             + "</tbody></table>")
    return (head + f"<div class='meta'>{esc(t(lang, 'stats.report_note'))}</div>"
            f"<div class='maps'>{charts}</div>{table}")


@dataclass(frozen=True)
class Incident:
    """What every section of an incident report reads: the alert's row, its port, the language, who asked."""

    conn: psycopg.Connection[Any]
    port: PortInfo
    alert_id: int
    row: tuple[Any, ...]
    lang: str
    author: str = ""

    def __getattr__(self, name: str) -> Any:     # the alert's columns by name (report_incident.sql)
        if name in INCIDENT_COLUMNS:
            return self.row[INCIDENT_COLUMNS.index(name)]
        raise AttributeError(name)


INCIDENT_COLUMNS = ("id", "rule", "severity", "state", "title_en", "title_zh", "subject_kind", "subject_id",
                    "evidence_at", "raised_at", "resolved_at", "details", "lon", "lat")


def _incident_summary(i: Incident) -> str:
    esc, lang = html.escape, i.lang
    made = t(lang, "report.made", at=f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC", by=i.author or "—")
    facts = (("report.severity", i.severity), ("report.rule", i.rule), ("report.state", i.state),
             ("report.subject", f"{i.subject_kind} {i.subject_id}"),
             ("report.evidence", f"{i.evidence_at:%Y-%m-%d %H:%M:%S} UTC"),
             ("report.raised", f"{i.raised_at:%Y-%m-%d %H:%M:%S} UTC"),
             ("report.resolved", f"{i.resolved_at:%Y-%m-%d %H:%M:%S} UTC" if i.resolved_at else "—"),
             ("report.where", f"{i.lat:.5f}, {i.lon:.5f}" if i.lon is not None else "—"),
             ("report.score", (i.details or {}).get("score", "—")))
    return (f"<h1>{esc(t(lang, 'report.incident'))} #{i.alert_id} · {esc(i.port.name(lang))}</h1>"
            f"<div class='meta'>{esc(made)}</div><h2>{esc(i.title_zh if lang == 'zh' else i.title_en)}</h2>"
            "<table>" + "".join(f"<tr><th>{esc(t(lang, k))}</th><td>{esc(str(v))}</td></tr>" for k, v in facts)
            + "</table>")


def _incident_factors(i: Incident) -> str:
    factors = (i.details or {}).get("factors") or []
    if not factors:
        return ""
    return _table(i.lang, "report.factors", ["report.points", "report.why"],
                  "".join(f"<tr><td>+{f.get('points', 0):g}</td><td>{html.escape(str(f.get('why', '')))}</td></tr>"
                          for f in factors))


def _incident_close_map(i: Incident) -> str:
    if i.lon is None:
        return ""
    d = 0.006
    box = (i.lon - d / math.cos(math.radians(i.lat)), i.lat - d, i.lon + d / math.cos(math.radians(i.lat)), i.lat + d)
    selected = int(i.subject_id) if i.subject_kind == "vessel" and str(i.subject_id).isdigit() else None
    svg = map_svg(i.conn, i.port, box, i.evidence_at, i.lang, labels=True, track_of=selected, mark=(i.lon, i.lat))
    return (f"<h2>{html.escape(t(i.lang, 'report.close_map'))}</h2><figure>{svg}"
            f"<figcaption>{html.escape(t(i.lang, 'report.close_caption'))}</figcaption></figure>")


def _incident_dg_near(i: Incident) -> str:
    if i.lon is None:
        return ""
    esc = html.escape
    near = query(i.conn, "report_incident_dg", {"port_id": i.port.port_id, "at": i.evidence_at, "lon": i.lon,
                                                "lat": i.lat, "metres": INCIDENT_RADIUS_M})
    return _table(i.lang, "report.dg_near", ["report.container", "report.slot", "report.goods", "report.metres"],
                  "".join(f"<tr><td>{esc(no)}</td><td>{esc(f'{b}-{bay:02d}-{row:02d}-{tier}')}</td>"
                          f"<td>{esc(', '.join(goods))}</td><td>{int(m)}</td></tr>"
                          for no, b, bay, row, tier, goods, m in near))


def _incident_cameras(i: Incident) -> str:
    if i.lon is None:
        return ""
    esc, zh = html.escape, i.lang == "zh"
    cams = query(i.conn, "report_incident_cameras", {"port_id": i.port.port_id, "lon": i.lon, "lat": i.lat})
    return _table(i.lang, "report.cameras_seeing", ["report.camera", "report.name", "report.status"],
                  "".join(f"<tr><td>{esc(c)}</td><td>{esc(nz if zh else ne)}</td><td>{esc(st)}</td></tr>"
                          for c, ne, nz, st in cams))


def _incident_lifecycle(i: Incident) -> str:
    esc = html.escape
    trail = query(i.conn, "alert_trail", {"alert_id": i.alert_id})
    return _table(i.lang, "report.lifecycle", ["report.when", "report.who", "report.action", "report.note"],
                  "".join(f"<tr><td>{when:%Y-%m-%d %H:%M:%S}</td><td>{esc(actor)}"
                          f"{esc(f' ({role}, {agency})' if role else '')}</td><td>{esc(action)}</td>"
                          f"<td>{esc(note or '')}</td></tr>"
                          for when, actor, role, agency, action, note in trail))


def _incident_case(i: Incident) -> str:
    esc, lang = html.escape, i.lang
    steps = query(i.conn, "case_of_alert", {"alert_id": i.alert_id})
    if not steps:
        return ""
    return _table(lang, "report.case", ["report.step", "report.agency", "report.due", "report.done"],
                  "".join(f"<tr><td>{esc(t(lang, 'case.step_' + step))}</td><td>{esc(agency)}</td>"
                          f"<td>{f'{due:%H:%M}' if due else '—'}</td>"
                          f"<td>{esc(f'{by} {done:%H:%M} — {outcome or str()}' if done else '—')}</td></tr>"
                          for _c, _n, step, agency, due, done, by, outcome in steps))


# An incident report's sections in page order; a section with nothing to say gives "".
INCIDENT_SECTIONS: dict[str, Callable[[Incident], str]] = {
    "summary": _incident_summary, "factors": _incident_factors, "close_map": _incident_close_map,
    "dg_near": _incident_dg_near, "cameras": _incident_cameras, "lifecycle": _incident_lifecycle,
    "case": _incident_case,
}


def incident_html(conn: psycopg.Connection[Any], port_id: str, alert_id: int, lang: str = "en",
                  author: str = "") -> str:
    """One alert: a close map with the subject's track, the dangerous goods within 300 m, the cameras that see
    the place, the explained score, its lifecycle and its hazmat case steps."""
    port = port_info(conn, port_id)
    rows = query(conn, "report_incident", {"alert_id": alert_id, "port_id": port_id})
    if port is None or not rows:
        raise ValueError(f"no alert {alert_id} in port {port_id!r}")
    i = Incident(conn, port, alert_id, tuple(rows[0]), lang, author)
    return _document(lang, f"{t(lang, 'report.incident')} #{alert_id}",
                     [section(i) for section in INCIDENT_SECTIONS.values()])


def _table(lang: str, title: str, heads: list[str], rows: str, note: str = "") -> str:
    head = "".join(f"<th>{html.escape(t(lang, h))}</th>" for h in heads)
    body = rows or f"<tr><td class='none' colspan='{len(heads)}'>{html.escape(t(lang, 'report.none'))}</td></tr>"
    return (f"<h2>{html.escape(t(lang, title))}</h2>" + (f"<div class='meta'>{html.escape(note)}</div>" if note else "")
            + f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def to_pdf(document: str) -> bytes:
    from weasyprint import HTML
    return bytes(HTML(string=document).write_pdf())


def next_run(times: list[str], now: datetime, timezone: str) -> datetime:
    """The next of the daily `HH:MM` times (the port's local time) after `now`, in UTC."""
    from zoneinfo import ZoneInfo
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    candidates = []
    for day in (0, 1):
        for text in times:
            hour, minute = (int(v) for v in text.split(":"))
            when = (local + timedelta(days=day)).replace(hour=hour, minute=minute, second=0, microsecond=0)
            if when > local:
                candidates.append(when)
    if not candidates:
        raise ValueError(f"no report times in {times!r}")
    return min(candidates).astimezone(UTC)


def write_scheduled(conn: psycopg.Connection[Any], port_id: str, folder: Path, at: datetime, hours: float,
                    lang: str) -> Path:
    """The shift's report at `at` (the window before it), written atomically as situation-<port>-<time>.pdf."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"situation-{port_id}-{at:%Y%m%dT%H%MZ}{'-zh' if lang == 'zh' else ''}.pdf"
    tmp = path.with_suffix(".pdf.part")
    tmp.write_bytes(to_pdf(situation_html(conn, port_id, at, hours, lang, author="scheduled")))
    tmp.replace(path)
    return path


def run_schedule(port_id: str, times: list[str], folder: Path, hours: float, lang: str) -> None:
    """Forever: sleep until the next shift change, then write that shift's report (a failed one is logged and
    the schedule goes on)."""
    import logging
    import time as clock

    from sql.db import connect
    log = logging.getLogger("app.report")
    # Render one report now (and throw it away) rather than meet WeasyPrint, pango, the CJK fonts and their
    # caches at the first shift change: the process reaches its working size at start and stays there (measured:
    # 120 MB, then 285 MB after the first report, 287 MB after the fourth; bench/soak.py watches it).
    try:
        with connect(autocommit=True) as conn:
            to_pdf(situation_html(conn, port_id, hours=hours, lang="zh" if lang == "en" else "en"))
            to_pdf(situation_html(conn, port_id, hours=hours, lang=lang))
    except Exception as err:  # noqa: BLE001 - a warm-up only; the schedule still runs
        log.warning("report warm-up failed (%s); the first report will load what it needs", err)
    while True:
        with connect(autocommit=True) as conn:
            timezone = query(conn, "wall_port", {"port_id": port_id})[0][0]
        due = next_run(times, datetime.now(UTC), timezone)
        log.info("next report at %s", due.isoformat())
        clock.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
        try:
            with connect(autocommit=True) as conn:
                log.info("wrote %s", write_scheduled(conn, port_id, folder, due, hours, lang))
        except Exception:      # one failed report must not stop the schedule
            log.exception("the report at %s failed", due.isoformat())


def main(argv: list[str] | None = None) -> int:
    from sql.db import connect
    p = argparse.ArgumentParser(prog="python -m app.report", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", help="a .pdf or .html file")
    p.add_argument("--schedule", help="daily times in the port's local time, e.g. 06:00,14:00,22:00: write each "
                                      "shift's report into --dir, forever")
    p.add_argument("--dir", default=".data/reports", help="where scheduled reports go")
    p.add_argument("--at", help="the end of the window (ISO 8601, UTC); default now")
    p.add_argument("--hours", type=float, default=8.0, help="the window before it (default a shift: 8 h)")
    p.add_argument("--lang", choices=("en", "zh"), default="en")
    p.add_argument("--port", default="weifang")
    p.add_argument("--alert", type=int, help="an incident report of this alert instead")
    a = p.parse_args(argv)
    if a.schedule:
        import logging
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        run_schedule(a.port, [v.strip() for v in a.schedule.split(",") if v.strip()], Path(a.dir), a.hours, a.lang)
        return 0
    if not a.out:
        p.error("--out (or --schedule) is needed")
    at = datetime.fromisoformat(a.at.replace("Z", "+00:00")) if a.at else None
    if at is not None and at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    with connect(autocommit=True) as conn:
        document = (incident_html(conn, a.port, a.alert, a.lang, author="python -m app.report") if a.alert else
                    situation_html(conn, a.port, at, a.hours, a.lang, author="python -m app.report"))
    out = Path(a.out)
    out.write_bytes(to_pdf(document) if out.suffix.lower() == ".pdf" else document.encode())
    print(f"wrote {out} ({out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
