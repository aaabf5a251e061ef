"""The layer API: any layer as GeoJSON, GeoPackage or CSV for signed-in officers and API tokens."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import flask

from app import export, gate
from app.context import AppContext
from app.figure import port_info
from app.i18n import language
from layers import LAYERS, View

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
        Signed-in officers only (the gate answers 401 otherwise); a layer above the user's role is refused."""
        args = flask.request.args
        fmt = args.get("format", "geojson")
        user = gate.current_user()
        try:
            layer = LAYERS.get(name)
            if layer is None or fmt not in export.FORMATS:
                raise export.ExportError(f"unknown layer {name!r} or format {fmt!r}; layers: {', '.join(LAYERS)}; "
                                         f"formats: {', '.join(export.FORMATS)}")
            if user is None or not user.at_least(layer.min_role):
                return error("forbidden", 403)
            with ctx.connection(timeout=5) as conn:
                view = _view(conn, ctx, args)
                body = export.encode(export.layer_frame(conn, name, view), fmt)
        except (export.ExportError, ValueError) as err:
            log.warning("layer API refused %r from %s: %s", flask.request.full_path[:300],
                        user.username if user else "?", err)
            return error(str(err), 400)
        stamp = (view.at or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
        return flask.Response(body, mimetype=export.FORMATS[fmt], headers={
            "Content-Disposition": f'attachment; filename="{name}-{stamp}.{fmt}"', "Cache-Control": "no-store"})

    return bp
