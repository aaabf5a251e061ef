"""The situation report and an alert's incident report, as PDF or HTML, for anyone signed in, audited."""

from __future__ import annotations

from datetime import UTC, datetime

import flask

from app import auth, export, gate, report
from app.blueprints.api import error
from app.context import AppContext
from app.i18n import language


def _document(body: str, fmt: str, filename: str) -> flask.Response:
    data = report.to_pdf(body) if fmt == "pdf" else body.encode()
    return flask.Response(data, mimetype="application/pdf" if fmt == "pdf" else "text/html", headers={
        "Content-Disposition": f'attachment; filename="{filename}.{fmt}"', "Cache-Control": "no-store"})


def blueprint(ctx: AppContext) -> flask.Blueprint:
    bp = flask.Blueprint("reports", __name__)

    @bp.get("/report")
    def report_download() -> flask.Response:
        """The situation report for anyone signed in (`?format=pdf|html&at=ISO&hours=8&lang=`), audited."""
        args = flask.request.args
        user = gate.current_user()
        fmt = args.get("format", "pdf")
        try:
            at = export.parse_at(args.get("at"), datetime.now(UTC))
            hours = float(args.get("hours", 8))
            if fmt not in ("pdf", "html") or not 0 < hours <= 24 * 7:
                raise ValueError("format is pdf or html, hours between 0 and 168")
        except ValueError as err:
            return error(str(err), 400)
        with ctx.connection(timeout=10) as conn:
            document = report.situation_html(conn, ctx.port_id, at, hours, language(args.get("lang")),
                                             author=user.username if user else "")
            auth.audit(conn, user, "report", object_kind="report", detail={"format": fmt, "at": args.get("at"),
                                                                            "hours": hours},
                       client_addr=flask.request.remote_addr)
        return _document(document, fmt, f"situation-{(at or datetime.now(UTC)):%Y%m%dT%H%MZ}")

    @bp.get("/report/incident/<int:alert_id>")
    def incident_download(alert_id: int) -> flask.Response:
        """One alert's incident report (`?format=pdf|html&lang=`), for anyone signed in, audited."""
        fmt = flask.request.args.get("format", "pdf")
        user = gate.current_user()
        if fmt not in ("pdf", "html"):
            return error("format is pdf or html", 400)
        with ctx.connection(timeout=10) as conn:
            try:
                document = report.incident_html(conn, ctx.port_id, alert_id, language(flask.request.args.get("lang")),
                                                author=user.username if user else "")
            except ValueError as err:
                return error(str(err), 404)
            auth.audit(conn, user, "report", object_kind="alert", object_id=str(alert_id), detail={"format": fmt},
                       client_addr=flask.request.remote_addr)
        return _document(document, fmt, f"incident-{alert_id}")

    return bp
