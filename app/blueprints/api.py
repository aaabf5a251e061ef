"""The layer API: any layer as GeoJSON, GeoPackage or CSV for signed-in officers and API tokens."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import flask
from werkzeug.exceptions import HTTPException

from app import cap, export, gate
from app.context import AppContext
from app.figure import port_info
from app.i18n import language
from layers import View
from sql import query

log = logging.getLogger("app.server")


def error(message: str, status: int) -> flask.Response:
    return flask.Response(json.dumps({"error": message}), status, mimetype="application/json")


def _view(conn: Any, ctx: AppContext, args: Any) -> View:
    port = port_info(conn, ctx.port_id)
    if port is None:
        raise export.ExportError("no port is loaded")
    return View(port_id=port.port_id, bbox=export.parse_bbox(args.get("bbox"), port.bbox),
                zoom=float(args.get("zoom", 17)), at=export.parse_at(args.get("at"), datetime.now(UTC)),
                lang=language(args.get("lang")))


def blueprint(ctx: AppContext) -> flask.Blueprint:
    bp = flask.Blueprint("api", __name__)

    @bp.get("/api/v1/layers/<name>")
    def layer_api(name: str) -> flask.Response:
        """A layer as GeoJSON (default), GeoPackage or CSV: `?bbox=xmin,ymin,xmax,ymax&at=ISO&format=&lang=`.
        Signed-in officers and API tokens only (the gate answers 401 otherwise); a layer above the user's role is
        refused. The asker's mistakes are 400s with the reason; the server's are 500s, logged with theirs."""
        args = flask.request.args
        fmt = args.get("format", "geojson")
        user = gate.current_user()
        try:
            if fmt not in export.FORMATS:
                raise export.ExportError(f"unknown format {fmt!r}; formats: {', '.join(export.FORMATS)}")
            export.feature_set(name, user)
            with ctx.read_connection(timeout=5) as conn:
                view = _view(conn, ctx, args)
                if fmt == "geojson":
                    body = export.geojson(export.layer_page(conn, name, view, user)[1])
                else:
                    body = export.encode(export.layer_frame(conn, name, view, user), fmt)
        except export.Forbidden:
            return error("forbidden", 403)
        except (export.ExportError, ValueError) as err:
            log.warning("layer API refused %r from %s: %s", gate.loggable_path(),
                        user.username if user else "?", err)
            return error(str(err), 400)
        stamp = (view.at or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
        return flask.Response(body, mimetype=export.FORMATS[fmt], headers={
            "Content-Disposition": f'attachment; filename="{name}-{stamp}.{fmt}"', "Cache-Control": "no-store"})

    @bp.get("/api/v1/cap.atom")
    def cap_feed() -> flask.Response:
        """The port's live alerts (and those resolved in the last day) as an Atom feed of CAP 1.2 messages."""
        with ctx.read_connection(timeout=5) as conn:
            rows = _cap_rows(conn, ctx.port_id, None)
        body = cap.feed(rows, ctx.port_id, flask.request.host_url.rstrip("/"), datetime.now(UTC))
        return flask.Response(body, mimetype="application/atom+xml", headers={"Cache-Control": "no-store"})

    @bp.get("/api/v1/cap/<int:alert_id>.xml")
    def cap_message(alert_id: int) -> flask.Response:
        """One alert in its latest state as a CAP 1.2 message."""
        with ctx.read_connection(timeout=5) as conn:
            rows = _cap_rows(conn, ctx.port_id, alert_id)
        if not rows:
            return error(f"no alert {alert_id}", 404)
        return flask.Response(cap.document(rows[0], ctx.port_id), mimetype=cap.CAP_TYPE,
                              headers={"Cache-Control": "no-store"})

    @bp.route("/api/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def unknown(rest: str) -> flask.Response:
        """Any other path under /api/ is a JSON 404 (not the map's page)."""
        return error(f"no such API path: /api/{rest[:200]}", 404)

    bp.register_error_handler(Exception, server_error)
    return bp


def _cap_rows(conn: Any, port_id: str, alert_id: int | None) -> list[dict[str, Any]]:
    found = query(conn, "cap_alerts", {"port_id": port_id, "alert_id": alert_id})
    return [dict(zip(cap.COLUMNS, r, strict=True)) for r in found]


def server_error(err: Exception) -> flask.Response:
    """An API route that failed: the asker gets a JSON 500 (an HTTP error keeps its code), the log the reason."""
    if isinstance(err, HTTPException):
        return error(err.description or err.name, err.code or 500)
    log.error("API %s %s failed: %s: %s", flask.request.method, flask.request.path, type(err).__name__, err,
              exc_info=err)
    return error("internal server error (logged)", 500)
