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
import functools
import html
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import jinja2
import numpy as np
import psycopg
import shapely
from markupsafe import Markup

from app.figure import PortInfo, port_info
from app.i18n import t
from app.kpi import port_kpis, tiles
from app.stats import port_stats
from layers import LAYERS, View
from layers.vessels import Vessels
from layers.yard_use import band_colour
from portdomain.roles import redact
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
        for _, r in redact(None, LAYERS[name].query(conn, view)).iterrows():
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
    for _, r in redact(None, LAYERS["dg_containers"].query(conn, view)).iterrows():
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

TEMPLATES = Path(__file__).resolve().parent / "templates" / "report"
ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True,
                         lstrip_blocks=True, undefined=jinja2.StrictUndefined)
INCIDENT_RADIUS_M = 300.0


def render(template: str, lang: str, **context: Any) -> str:
    """One template of app/templates/report/, autoescaped, with `t` speaking lang."""
    return ENV.get_template(template).render(t=functools.partial(t, lang), lang=lang, **context)


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


def _made(lang: str, author: str) -> str:
    return t(lang, "report.made", at=f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC", by=author or "—")


# Each section gives its template's context (situation/<name>.html), or None to leave the section out.
def _summary(s: Situation) -> dict[str, Any] | None:
    k = port_kpis(s.conn, s.port.port_id, at=s.when)
    span = t(s.lang, "report.window", start=f"{s.win.start:%Y-%m-%d %H:%M}", end=f"{s.win.end:%Y-%m-%d %H:%M}")
    return {"port_name": s.port.name(s.lang), "made": _made(s.lang, s.author), "span": span,
            "tiles": [(key, v) for key, v, _level in tiles(k) if key != "feeds"]}


def _maps(s: Situation) -> dict[str, Any] | None:
    maps = [(Markup(map_svg(s.conn, s.port, s.port.bbox, s.when, s.lang, labels=False)), "report.map_port")]
    box = terminal_bbox(s.conn, s.port.port_id)
    if box:
        maps.append((Markup(map_svg(s.conn, s.port, box, s.when, s.lang, labels=True)), "report.map_terminals"))
    return {"maps": maps}


def _alerts(s: Situation) -> dict[str, Any] | None:
    return {"rows": [{"colour": SEVERITY_COLOUR.get(sev, "#2563eb"), "severity": sev, "raised": raised, "state": state,
                      "title": title_zh if s.zh else title_en, "acknowledged": ack, "resolved": res}
                     for _id, _rule, sev, title_en, title_zh, raised, state, ack, res
                     in query(s.conn, "report_alerts", s.params)]}


def _dangerous_goods(s: Situation) -> dict[str, Any] | None:
    return {"rows": [(cls, block, n, ", ".join(f"UN{u:04d}" for u in (uns or [])[:8]))
                     for cls, block, n, uns in query(s.conn, "report_dg", {"port_id": s.port.port_id, "to": s.when})]}


def _ships(s: Situation) -> dict[str, Any] | None:
    ships = query(s.conn, "report_vessels", {"port_id": s.port.port_id, "to": s.when})
    return {"rows": [{"kind": kind, "place": name_zh if s.zh else name_en, "vessel": name or str(mmsi), "mmsi": mmsi,
                      "destination": dest, "eta": eta, "seen": seen}
                     for kind, _place, name_en, name_zh, mmsi, name, _type, dest, eta, seen in ships]}


def _statistics(s: Situation) -> dict[str, Any] | None:
    return statistics_section(s.conn, s.port.port_id, s.win.start, s.win.end, s.lang)


def _direct(s: Situation) -> dict[str, Any] | None:
    return direct_section(s.conn, s.port.port_id, s.win, s.lang)


def _cameras(s: Situation) -> dict[str, Any] | None:
    return {"rows": query(s.conn, "report_cameras", s.params)}


def _vehicles(s: Situation) -> dict[str, Any] | None:
    """Vehicles by kind over the window (none reported: no section). People are personal data: not in a report
    every officer reads."""
    rows = query(s.conn, "report_vehicles", s.params)
    return {"rows": rows} if rows else None


def _feeds(s: Situation) -> dict[str, Any] | None:
    return {"rows": query(s.conn, "wall_feeds", {})}


# The situation report's sections in page order, each with its template situation/<name>.html
# (tests/test_registries.py: every section function is here and every template has its section).
SITUATION_SECTIONS: dict[str, Callable[[Situation], dict[str, Any] | None]] = {
    "summary": _summary, "maps": _maps, "alerts": _alerts, "dangerous_goods": _dangerous_goods, "ships": _ships,
    "statistics": _statistics, "direct_delivery": _direct, "vehicles": _vehicles, "cameras": _cameras,
    "feeds": _feeds,
}


def _document(lang: str, title: str, folder: str, sections: dict[str, Callable[[Any], dict[str, Any] | None]],
              subject: Any) -> str:
    parts = []
    for name, section in sections.items():
        context = section(subject)
        if context is not None:
            parts.append(Markup(render(f"{folder}/{name}.html", lang, **context)))
    return render("document.html", lang, title=title, css=Markup(CSS), sections=parts)


def situation_html(conn: psycopg.Connection[Any], port_id: str, at: datetime | None = None, hours: float = 8,
                   lang: str = "en", author: str = "") -> str:
    """The whole report as one self-contained HTML document."""
    port = port_info(conn, port_id)
    if port is None:
        raise ValueError(f"no port {port_id!r} is loaded")
    return _document(lang, f"{t(lang, 'report.title')} · {port.name(lang)}", "situation", SITUATION_SECTIONS,
                     Situation(conn, port, window(at, hours), lang, author))


def direct_section(conn: psycopg.Connection[Any], port_id: str, win: Window, lang: str) -> dict[str, Any]:
    """Direct delivery (直提/直装) at the end of the window: a count per state, and the boxes that overstay or are
    late, with why."""
    keep_h = max(1, round((win.end - win.start).total_seconds() / 3600))
    rows = direct_rows(conn, port_id, win.end, done_keep_h=keep_h)
    counts = ", ".join(f"{t(lang, 'ops.dd_' + k)} {sum(r['state'] == k for r in rows)}"
                       for k in ("done", "on_truck", "at_gate", "waiting"))

    def why(r: dict[str, Any]) -> str:
        if r["overstay"]:
            return t(lang, "ops.dd_" + r["overstay"], minutes=r["minutes"], limit=r["limit_min"])
        return t(lang, "ops.dd_late", at=f"{r['planned_at']:%H:%M}")

    return {"counts": counts, "rows": [{**r, "why": why(r), "where": " · ".join(x for x in (r["berth_id"],
                                                                                             r["truck_plate"]) if x)}
                                       for r in rows if r["overstay"] or r["late"]]}


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
                       lang: str) -> dict[str, Any]:
    """The port's statistics over the report's window: hourly bars of calls and TEU, and the window's totals."""
    frame = port_stats(conn, port_id, "hour", start.replace(minute=0, second=0, microsecond=0), end)
    if not len(frame):
        return {"charts": [], "cells": []}
    labels = [f"{p:%H}" for p in frame["period"]]
    charts = [Markup(bars_svg([float(v) for v in frame[col]], labels, colour, t(lang, key))) for col, key, colour in (
        ("calls", "stats.calls", "#1d4ed8"), ("teu", "stats.teu", "#0f766e"),
        ("gate_in", "stats.gate_in", "#a16207"), ("dg_boxes", "stats.dg_boxes", "#b91c1c"))]
    total = frame.sum(numeric_only=True)

    def avg(hours_col: str) -> str:
        values = frame[hours_col].dropna()
        return f"{values.mean():.1f} h" if len(values) else "—"
    cells = [("stats.calls", f"{int(total['calls'])}"), ("stats.departures", f"{int(total['departures'])}"),
             ("stats.teu", f"{total['teu']:,.0f}"), ("stats.tonnes", f"{total['tonnes']:,.0f} t"),
             ("stats.gate_in", f"{int(total['gate_in'])}"), ("stats.gate_out", f"{int(total['gate_out'])}"),
             ("stats.dg_boxes", f"{int(total['dg_boxes'])}"), ("stats.dg_gate", f"{int(total['dg_gate'])}"),
             ("stats.avg_berth", avg("avg_berth_h")), ("stats.avg_anchorage", avg("avg_anchorage_h"))]
    return {"charts": charts, "cells": cells}


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


# Each section gives its template's context (incident/<name>.html), or None to leave the section out.
def _incident_summary(i: Incident) -> dict[str, Any] | None:
    facts = (("report.severity", i.severity), ("report.rule", i.rule), ("report.state", i.state),
             ("report.subject", f"{i.subject_kind} {i.subject_id}"),
             ("report.evidence", f"{i.evidence_at:%Y-%m-%d %H:%M:%S} UTC"),
             ("report.raised", f"{i.raised_at:%Y-%m-%d %H:%M:%S} UTC"),
             ("report.resolved", f"{i.resolved_at:%Y-%m-%d %H:%M:%S} UTC" if i.resolved_at else "—"),
             ("report.where", f"{i.lat:.5f}, {i.lon:.5f}" if i.lon is not None else "—"),
             ("report.score", (i.details or {}).get("score", "—")))
    return {"alert_id": i.alert_id, "port_name": i.port.name(i.lang), "made": _made(i.lang, i.author),
            "title": i.title_zh if i.lang == "zh" else i.title_en, "facts": [(k, str(v)) for k, v in facts]}


def _incident_factors(i: Incident) -> dict[str, Any] | None:
    factors = (i.details or {}).get("factors") or []
    return {"rows": [(f"{f.get('points', 0):g}", str(f.get("why", ""))) for f in factors]} if factors else None


def _incident_close_map(i: Incident) -> dict[str, Any] | None:
    if i.lon is None:
        return None
    d = 0.006
    box = (i.lon - d / math.cos(math.radians(i.lat)), i.lat - d, i.lon + d / math.cos(math.radians(i.lat)), i.lat + d)
    selected = int(i.subject_id) if i.subject_kind == "vessel" and str(i.subject_id).isdigit() else None
    return {"svg": Markup(map_svg(i.conn, i.port, box, i.evidence_at, i.lang, labels=True, track_of=selected,
                                  mark=(i.lon, i.lat)))}


def _incident_dg_near(i: Incident) -> dict[str, Any] | None:
    if i.lon is None:
        return None
    near = query(i.conn, "report_incident_dg", {"port_id": i.port.port_id, "at": i.evidence_at, "lon": i.lon,
                                                "lat": i.lat, "metres": INCIDENT_RADIUS_M})
    return {"rows": [(no, f"{b}-{bay:02d}-{row:02d}-{tier}", ", ".join(goods), int(m))
                     for no, b, bay, row, tier, goods, m in near]}


def _incident_cameras(i: Incident) -> dict[str, Any] | None:
    if i.lon is None:
        return None
    cams = query(i.conn, "report_incident_cameras", {"port_id": i.port.port_id, "lon": i.lon, "lat": i.lat})
    return {"rows": [(c, nz if i.lang == "zh" else ne, st) for c, ne, nz, st in cams]}


def _incident_lifecycle(i: Incident) -> dict[str, Any] | None:
    return {"rows": query(i.conn, "alert_trail", {"alert_id": i.alert_id})}


def _incident_case(i: Incident) -> dict[str, Any] | None:
    steps = query(i.conn, "case_of_alert", {"alert_id": i.alert_id})
    return {"rows": [(step, agency, f"{due:%H:%M}" if due else "—",
                      f"{by} {done:%H:%M} — {outcome or ''}" if done else "—")
                     for _c, _n, step, agency, due, done, by, outcome in steps]} if steps else None


# An incident report's sections in page order, each with its template incident/<name>.html.
INCIDENT_SECTIONS: dict[str, Callable[[Incident], dict[str, Any] | None]] = {
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
    return _document(lang, f"{t(lang, 'report.incident')} #{alert_id}", "incident", INCIDENT_SECTIONS,
                     Incident(conn, port, alert_id, tuple(rows[0]), lang, author))


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
        with connect(autocommit=True, role="read") as conn:
            to_pdf(situation_html(conn, port_id, hours=hours, lang="zh" if lang == "en" else "en"))
            to_pdf(situation_html(conn, port_id, hours=hours, lang=lang))
    except Exception as err:  # noqa: BLE001 - a warm-up only; the schedule still runs
        log.warning("report warm-up failed (%s); the first report will load what it needs", err)
    while True:
        with connect(autocommit=True, role="read") as conn:
            timezone = query(conn, "wall_port", {"port_id": port_id})[0][0]
        due = next_run(times, datetime.now(UTC), timezone)
        log.info("next report at %s", due.isoformat())
        clock.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
        try:
            with connect(autocommit=True, role="read") as conn:
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
    with connect(autocommit=True, role="read") as conn:
        document = (incident_html(conn, a.port, a.alert, a.lang, author="python -m app.report") if a.alert else
                    situation_html(conn, a.port, at, a.hours, a.lang, author="python -m app.report"))
    out = Path(a.out)
    out.write_bytes(to_pdf(document) if out.suffix.lower() == ".pdf" else document.encode())
    print(f"wrote {out} ({out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
