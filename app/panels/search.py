"""Search (fly the map to the first hit) and the cards of what was clicked."""

from __future__ import annotations

import re
from typing import Any

import dash
import flask
from dash import Input, Output, Patch, State, html
from dash.exceptions import PreventUpdate

from app import auth, gate, ids
from app.cards import camera_card, container_card, vehicle_card, vessel_card
from app.context import AppContext, db_errors
from app.i18n import language, t
from app.search import search
from sql import alerts as alert_actions

CONTAINER_RE = re.compile(r"^[A-Z]{3}[UJZR]\d{7}$")
STACK_RE = re.compile(r"^stack:([A-Za-z0-9_]+)-(\d{1,3})-(\d{1,3})$")
BOXES = ("dg_containers", "direct_delivery")      # the layers whose points are containers


def register(app: dash.Dash, ctx: AppContext) -> None:
    _register_find(app, ctx)
    _register_card(app, ctx)


def _register_find(app: dash.Dash, ctx: AppContext) -> None:
    @app.callback(
        Output(ids.MAP, "figure", allow_duplicate=True), Output(ids.SEARCH_HITS, "children"),
        Input(ids.SEARCH, "value"), State(ids.LANG, "value"),
        prevent_initial_call=True,
    )
    def find(text: str | None, lang: str) -> tuple[Any, Any]:
        """Search, list what was found and fly the map to the first hit (a new uirevision lets it move)."""
        hits = _hits(ctx, text or "")
        if not hits:
            return dash.no_update, (t(lang, "search.none") if (text or "").strip() else "")
        first = hits[0]
        patch = Patch()
        patch["layout"]["map"]["center"] = {"lon": first.lon, "lat": first.lat}
        patch["layout"]["map"]["zoom"] = 15.5 if first.kind in ("container", "vehicle", "person") else 13.5
        patch["layout"]["uirevision"] = f"{ctx.port_id}:{first.kind}:{first.ident}"
        listing = [html.Div(f"{t(lang, 'search.' + h.kind)} · {h.label}", id=f"hit-{h.kind}-{h.ident}") for h in hits]
        return patch, listing


@db_errors("search")
def _hits(ctx: AppContext, text: str) -> list[Any]:
    with ctx.connection() as conn:
        hits = search(conn, ctx.port_id, text, gate.current_user())
        if text.strip():        # what officers looked for is on record (and any odd input with it)
            auth.audit(conn, gate.current_user(), "search", object_kind="search",
                       detail={"q": text[:200], "hits": len(hits)}, client_addr=flask.request.remote_addr)
    return hits


def _register_card(app: dash.Dash, ctx: AppContext) -> None:
    @app.callback(Output(ids.CARD, "children"), Output(ids.SELECTED, "data"), Input(ids.MAP, "clickData"),
                  State(ids.LANG, "value"), State(ids.TRACE_LAYERS, "data"), prevent_initial_call=True)
    @db_errors("card")
    def card(click: dict[str, Any] | None, lang: str, owners: list[str] | None = None) -> tuple[Any, Any]:
        """A click opens the card of what was clicked: a vessel (and her 24 h track), a container or a stack, or
        a camera with its recent detections."""
        point = ((click or {}).get("points") or [{}])[0]
        ref = point.get("customdata")
        curve = point.get("curveNumber")
        layer = owners[curve] if owners and isinstance(curve, int) and 0 <= curve < len(owners) else None
        lang = language(lang)
        with ctx.connection() as conn:
            if layer == "vessels" and isinstance(ref, int) and 1 <= ref <= 999_999_999:
                return vessel_card(conn, ref, lang, gate.current_user()), ref
            customs = alert_actions.allowed(gate.current_user(), "customs_details")
            if layer in BOXES and isinstance(ref, str) and CONTAINER_RE.match(ref):
                return container_card(conn, ctx.port_id, lang, container_no=ref, customs=customs), None
            if isinstance(ref, str) and (m := STACK_RE.match(ref)):
                stack = (m[1], int(m[2]), int(m[3]))
                return container_card(conn, ctx.port_id, lang, stack=stack, customs=customs), None
            if isinstance(ref, str) and ref.startswith("camera:"):
                return camera_card(conn, ctx.port_id, ref.split(":", 1)[1], lang), None
            if layer == "vehicles" and isinstance(ref, str) and ref.startswith("vehicle:"):
                return vehicle_card(conn, ctx.port_id, ref.split(":", 1)[1], lang), None
        raise PreventUpdate
