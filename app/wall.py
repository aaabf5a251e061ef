"""The control-centre wall (`/wall`): an unattended, read-only, always-on view of the port.

The page (`assets/wall/`) is plain JavaScript on plotly.js, outside Dash: it has no controls and sends no
POST, so a read-only wall token is all it needs. It reads four JSON documents, each a GET:

- `/wall/figure.json`: the whole map (the officer map's figure, every layer on);
- `/wall/live.json`: the live layers' traces, every few seconds;
- `/wall/state.json`: KPIs, open alerts, the critical alert to focus on (with its cameras), feed lights, data
  ages, the port's local time and the rotation of views (port.toml [wall]);
- and it polls the last every second: when answers stop it says so, and when they come back (a restart, the
  network) it reloads the figure by itself.

A wall browser is started once with `/wall?token=pm_wall_…`; the token is exchanged for an HttpOnly cookie
and the address loses it (and the access log never shows it).
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import flask
import plotly
from plotly.io.json import to_json_plotly

from app.ages import layer_ages
from app.context import AppContext
from app.figure import build_figure, port_info
from app.i18n import language, t
from app.kpi import port_kpis, tiles
from layers import LAYERS, Style, View
from layers.vessels import Vessels
from portdomain.assets import ASSETS
from portdomain.roles import redact
from sql import query

WALL_COOKIE = "portmap_wall"
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
WALL_ASSETS = ASSETS / "wall"
LIVE_ZOOM = 14.0           # the wall's live traces are drawn for views up to this close
_TOKEN_IN_URL = re.compile(r"([?&](?:token|apikey)=)[^&\s\"]+")


class RedactTokens(logging.Filter):
    """Access-log lines never carry a token (`/wall?token=…` is the wall's first request, `?apikey=…` a GIS
    client's every one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(_TOKEN_IN_URL.sub(r"\1[redacted]", a) if isinstance(a, str) else a
                                for a in record.args)
        if isinstance(record.msg, str):
            record.msg = _TOKEN_IN_URL.sub(r"\1[redacted]", record.msg)
        return True


def blueprint(ctx: AppContext) -> flask.Blueprint:
    """The wall's page, its Plotly bundle and its three JSON documents."""
    logging.getLogger("werkzeug").addFilter(RedactTokens())
    bp = flask.Blueprint("wall", __name__)
    traces = ctx.cache("wall_traces", 0.9)
    port_id = ctx.port_id

    pool = ctx.open_pool

    def _context(conn: Any) -> tuple[Any, str, str, dict[str, Any]]:
        return _wall_context(conn, port_id)

    bp.add_url_rule("/wall", "wall_page", _wall_page, methods=["GET"])

    @bp.get("/wall/plotly.min.js")
    def wall_plotly() -> flask.Response:
        return flask.send_file(PLOTLY_JS, mimetype="text/javascript", max_age=86400)

    @bp.get("/wall/figure.json")
    def wall_figure() -> flask.Response:
        with pool().connection(timeout=5) as conn:
            port, language, _timezone, _conf = _context(conn)
            if port is None:
                return _json({"error": "no port is loaded"}, 503)
            fig, owners = build_figure(conn, port, language, set(LAYERS), flask.request.host_url)
        figure = fig.to_plotly_json()
        figure["layout"].update(paper_bgcolor="#0b1220", uirevision="wall",
                                hoverlabel={"font": {"family": "Noto Sans SC, sans-serif", "size": 18}})
        return flask.Response(to_json_plotly({"figure": figure, "owners": owners}), mimetype="application/json",
                              headers={"Cache-Control": "no-store"})

    @bp.get("/wall/live.json")
    def wall_live() -> flask.Response:
        """The live layers' traces by layer name, whole (the wall redraws every few seconds)."""
        zoom = min(float(flask.request.args.get("zoom", 11)), LIVE_ZOOM)
        with pool().connection(timeout=5) as conn:
            port, language, _timezone, _conf = _context(conn)
            if port is None:
                return _json({"error": "no port is loaded"}, 503)
            out = traces.get((port_id, language, round(zoom)), lambda: _live_traces(conn, port, language, zoom))
        return flask.Response(out, mimetype="application/json", headers={"Cache-Control": "no-store"})

    @bp.get("/wall/state.json")
    def wall_state() -> flask.Response:
        with pool().connection(timeout=5) as conn:
            port, language, timezone, conf = _context(conn)
            if port is None:
                return _json({"error": "no port is loaded"}, 503)
            return _json(_state(conn, port, timezone, conf, language))

    return bp


def _wall_page() -> Any:
    token = flask.request.args.get("token")
    if token:          # the gate has checked it: keep it in a cookie and drop it from the address
        rest = urlencode([(k, v) for k, v in flask.request.args.items(multi=True) if k != "token"])
        resp = flask.redirect("/wall" + (f"?{rest}" if rest else ""))
        _keep_token(resp, token)
        return resp
    resp = flask.send_file(WALL_ASSETS / "wall.html", mimetype="text/html", max_age=0)
    if flask.request.cookies.get(WALL_COOKIE):      # a cookie an older version kept for /wall only: for the
        _keep_token(resp, flask.request.cookies[WALL_COOKIE])    # page's own files and glyphs too (the gate)
    return resp


def _keep_token(resp: Any, token: str) -> None:
    """The wall's token in a cookie for the whole site: the page's files, glyphs and sprite are behind the gate."""
    resp.set_cookie(WALL_COOKIE, token, max_age=400 * 86400, httponly=True, samesite="Strict",
                    secure=flask.request.is_secure, path="/")


def _wall_context(conn: Any, port_id: str) -> tuple[Any, str, str, dict[str, Any]]:
    """The port (None when none is loaded), the wall's language (?lang=, else port.toml [wall]), the port's
    time zone and its [wall] settings."""
    port = port_info(conn, port_id)
    timezone, conf = _wall_config(conn, port_id)
    return port, language(flask.request.args.get("lang", ""), str(conf.get("lang", "en"))), timezone, conf


def _json(doc: Any, status: int = 200) -> flask.Response:
    return flask.Response(to_json_plotly(doc), status=status, mimetype="application/json",
                          headers={"Cache-Control": "no-store"})


def _wall_config(conn: Any, port_id: str) -> tuple[str, dict[str, Any]]:
    rows = query(conn, "wall_port", {"port_id": port_id})
    return (rows[0][0], dict(rows[0][1])) if rows else ("UTC", {})


def _live_traces(conn: Any, port: Any, lang: str, zoom: float) -> str:
    """Every live layer's traces by layer name, in the order the figure holds them (`owners`)."""
    view = View(port_id=port.port_id, bbox=port.bbox, zoom=zoom, lang=lang)
    style = Style(lang=lang, zoom=zoom)
    out: dict[str, list[dict[str, Any]]] = {}
    for name, layer in LAYERS.items():
        if name == "vessels":
            pic = cast(Vessels, layer).live_picture(conn, view)
            out[name] = [*pic.hull_traces(zoom), pic.icon_trace(layer.title_in(lang)), pic.label_trace(zoom)]
        elif getattr(layer, "live", False):
            out[name] = [tr.to_plotly_json() for tr in layer.traces(redact(None, layer.query(conn, view)), style)]
    return to_json_plotly({"layers": out})


def _state(conn: Any, port: Any, timezone: str, conf: dict[str, Any], lang: str) -> dict[str, Any]:
    from app.alert_panel import alert_rows
    now = datetime.now(UTC)
    try:
        local = now.astimezone(ZoneInfo(timezone))
    except (KeyError, ValueError):
        local = now
    focus = query(conn, "wall_focus", {"port_id": port.port_id})
    views = [{"name": "overview", "label": t(lang, "wall.view_overview"), "center": [port.lon, port.lat],
              "zoom": port.zoom}]
    extents = {r[0]: r[1:] for r in query(conn, "wall_views", {"port_id": port.port_id})}
    for name in conf.get("views", ["overview", "anchorages", "berths", "yard", "dangerous_goods"]):
        if name in extents:
            views.append({"name": name, "label": t(lang, f"wall.view_{name}"), "bbox": list(extents[name])})
    wanted = conf.get("views") or [v["name"] for v in views]
    views = [v for v in views if v["name"] in wanted]
    ages = layer_ages(conn, port.port_id)
    alerts = alert_rows(conn, port.port_id)[:30]
    return {
        "now": now.isoformat(), "local": local.strftime("%H:%M:%S"), "local_date": local.strftime("%Y-%m-%d"),
        "tz": timezone, "utc": now.strftime("%H:%M:%S UTC"), "port": port.name(lang), "lang": lang,
        "title": t(lang, "wall.title"), "kpis": _kpi_tiles(port_kpis(conn, port.port_id), lang),
        "alerts": [{"id": a["alert_id"], "severity": a["severity"], "state": a["state"],
                    "title": a["title_zh"] if lang == "zh" else a["title_en"],
                    "at": a["raised_at"].astimezone(local.tzinfo).strftime("%H:%M")} for a in alerts],
        "focus": _focus(focus[0], lang) if focus else None,
        "feeds": [{"source": s, "kind": k, "silent_s": sec, "live": live, "ok": verdict == "ok", "verdict": verdict}
                  for s, k, sec, live, verdict in query(conn, "wall_feeds", {})],
        "age_s": None if ages.get("vessels") is None else int(ages["vessels"] or 0),     # the AIS picture
        "rotate_s": int(conf.get("rotate_s", 20)), "views": views,
        "sound": bool(conf.get("sound", False)),          # a chime for a new critical alert: only if configured
        "strings": {k: t(lang, f"wall.{k}") for k in ("outage", "age", "feeds", "alerts", "no_alerts")},
    }


def _focus(f: tuple[Any, ...], lang: str) -> dict[str, Any]:
    return {"id": f[0], "title": f[2] if lang == "zh" else f[1], "rule": f[3], "cameras": list(f[5] or []),
            "lon": f[6], "lat": f[7], "label": t(lang, "wall.focus"), "seen_by": t(lang, "wall.seen_by")}


def _kpi_tiles(k: dict[str, int], lang: str) -> list[dict[str, Any]]:
    """The map's KPI tiles, but at berth (beside berths occupied) and feeds (the lights) are shown otherwise."""
    return [{"key": key, "value": value, "label": t(lang, f"kpi.{key}"), "level": level}
            for key, value, level in tiles(k) if key not in ("at_berth", "feeds")]
