"""The audit page (/audit): who did what, for the roles allowed to see it."""

from __future__ import annotations

import flask

from app import audit, gate
from app.context import AppContext


def blueprint(ctx: AppContext) -> flask.Blueprint:
    bp = flask.Blueprint("audit", __name__)

    @bp.get("/audit")
    def audit_page() -> flask.Response:
        with ctx.connection(timeout=5) as conn:
            return audit.respond(conn, gate.current_user())

    return bp
