"""The offline map glyphs and the health check."""

from __future__ import annotations

import re
from typing import Any

import flask

from app.context import AppContext
from portdomain.assets import ASSETS

GLYPHS = ASSETS / "glyphs"
RANGE_RE = re.compile(r"^(\d+)-(\d+)$")


def blueprint(ctx: AppContext) -> flask.Blueprint:
    bp = flask.Blueprint("base", __name__)

    @bp.get("/glyphs/<fontstack>/<name>.pbf")
    def glyphs(fontstack: str, name: str) -> flask.Response:
        # Every font stack gets the same Noto Sans glyphs; a range we lack is an empty, valid PBF.
        if not RANGE_RE.match(name):
            flask.abort(404)
        path = GLYPHS / f"{name}.pbf"
        body = path.read_bytes() if path.is_file() else b""
        return flask.Response(body, mimetype="application/x-protobuf",
                              headers={"Cache-Control": "public, max-age=86400"})

    @bp.get("/healthz")
    def healthz() -> tuple[dict[str, Any], int]:
        try:
            with ctx.connection(timeout=2) as conn:
                conn.execute("SELECT 1")
        except Exception as err:  # noqa: BLE001 - any failure means unhealthy
            return {"ok": False, "error": type(err).__name__}, 503
        return {"ok": True}, 200

    return bp
