"""The audit trail for supervisors: `/audit` (a page) and `/audit?format=csv` (an export, itself audited)."""

from __future__ import annotations

import html
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import flask
import psycopg

from app import auth
from portdomain import csvsafe
from sql import alerts as permissions
from sql import query

COLUMNS = ("acted_at", "actor", "actor_role", "actor_agency", "action", "object_kind", "object_id", "detail",
           "client")
LIMIT = 5000


def _when(text: str | None, default: datetime) -> datetime:
    if not text:
        return default
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not an ISO 8601 time: {text[:40]!r}") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def rows(conn: psycopg.Connection[Any], args: Any) -> list[tuple[Any, ...]]:
    now = datetime.now(UTC)
    since = _when(args.get("since"), now - timedelta(hours=24))
    until = _when(args.get("until"), now + timedelta(minutes=1))
    return query(conn, "audit_view", {"since": since, "until": until, "actor": args.get("actor") or None,
                                      "engine": args.get("engine") == "1", "limit": LIMIT})


def respond(conn: psycopg.Connection[Any], user: auth.User | None) -> flask.Response:
    """The page or the CSV, for a supervisor or admin; anyone else is refused (and that is audited)."""
    args = flask.request.args
    export = args.get("format") == "csv"
    action = "audit_export" if export else "audit_view"
    if user is None or user.via_token or not permissions.allowed(user, action):
        auth.audit(conn, user, "refused", object_kind="audit", detail={"action": action},
                   client_addr=flask.request.remote_addr)
        return flask.Response("supervisors only", status=403)
    try:
        found = rows(conn, args)
    except ValueError as err:
        return flask.Response(str(err), status=400)
    if export:
        auth.audit(conn, user, "audit_export", object_kind="audit",
                   detail={k: args.get(k) for k in ("since", "until", "actor") if args.get(k)},
                   client_addr=flask.request.remote_addr)
        out = io.StringIO()
        writer = csvsafe.Writer(out)
        writer.writerow(COLUMNS)
        for r in found:
            writer.writerow([r[0].isoformat(), *r[1:]])
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        return flask.Response(out.getvalue(), mimetype="text/csv",
                              headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"'})
    esc = html.escape
    body = "".join("<tr>" + "".join(f"<td>{esc(str(v if v is not None else ''))}</td>"
                                    for v in (r[0].strftime("%Y-%m-%d %H:%M:%S"), *r[1:])) + "</tr>" for r in found)
    query_string = esc(flask.request.query_string.decode()[:500])
    checked = " checked" if args.get("engine") == "1" else ""
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Audit · Port One-Map</title>
<link rel="stylesheet" href="/assets/app.css"></head><body class="audit-body">
<h1>Audit trail</h1>
<form method="get" action="/audit" class="audit-filter">
<label>since <input name="since" value="{esc(args.get('since', ''))}" placeholder="2026-11-27T00:00Z"></label>
<label>until <input name="until" value="{esc(args.get('until', ''))}"></label>
<label>actor <input name="actor" value="{esc(args.get('actor', ''))}"></label>
<label><input type="checkbox" name="engine" value="1"{checked}> rule engine</label>
<button type="submit">Show</button> <a id="audit-csv" href="/audit?{query_string}&amp;format=csv">CSV</a>
<a href="/">back to the map</a></form>
<p>{len(found)} entries, newest first (UTC){' (the first ' + str(LIMIT) + ')' if len(found) == LIMIT else ''}</p>
<table id="audit-table"><thead><tr>{''.join(f'<th>{c}</th>' for c in COLUMNS)}</tr></thead>
<tbody>{body}</tbody></table></body></html>"""
    return flask.Response(page, mimetype="text/html")
