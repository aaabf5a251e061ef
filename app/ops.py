"""Port operations beside the map: the anchorage watch, the berth plan against what AIS shows and direct delivery
(直提/直装: containers moved straight between ship and truck) (issue 12)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
from dash import html

from app.i18n import t
from sql import query
from sql.direct_delivery import direct_rows

GRACE_MIN = 30          # a planned arrival counts as late this long after its time
WATCH_KEYS = ("mmsi", "name", "zone_id", "zone_en", "zone_zh", "nav_status", "sog_kn", "waiting_since", "waiting_h",
              "max_stay_h", "planned_berth", "planned_arrival", "voyage")
PLAN_KEYS = ("plan_id", "berth_id", "mmsi", "name", "voyage", "planned_arrival", "planned_departure", "at_berth",
             "at_anchorage", "seen_at", "status", "late_min", "occupied_by", "overlaps")
ATTENTION = {"late", "wrong_berth", "missed"}
DIRECT_STATES = ("waiting", "on_truck", "at_gate", "done")


def anchorage_watch(conn: psycopg.Connection[Any], port_id: str, now: datetime | None = None) -> list[dict[str, Any]]:
    rows = query(conn, "ops_anchorage_watch", {"port_id": port_id, "now": now or datetime.now(UTC)})
    return [dict(zip(WATCH_KEYS, r, strict=True)) for r in rows]


def berth_plan(conn: psycopg.Connection[Any], port_id: str, now: datetime | None = None) -> list[dict[str, Any]]:
    rows = query(conn, "ops_berth_plan", {"port_id": port_id, "now": now or datetime.now(UTC),
                                          "grace_min": GRACE_MIN})
    return [dict(zip(PLAN_KEYS, r, strict=True)) for r in rows]


# Every planned direct delivery with where it stands; sql/direct_delivery.py serves the map layer and the alert rule
# the same rows.
direct_delivery = direct_rows


def _hm(at: datetime | None) -> str:
    return f"{at.astimezone(UTC):%d %H:%M}" if at else "–"


def _table(lang: str, heads: tuple[str, ...], body: list[Any], empty: str) -> Any:
    if not body:
        return html.Div(t(lang, empty), className="ops-none")
    head = html.Tr([html.Th(t(lang, k)) for k in heads])
    return html.Table([html.Thead(head), html.Tbody(body)], className="ops-table")


def watch_table(rows: list[dict[str, Any]], lang: str) -> Any:
    body = []
    for r in rows:
        over = r["max_stay_h"] is not None and r["waiting_h"] is not None and r["waiting_h"] > r["max_stay_h"]
        berth = (f"{r['planned_berth']} · {_hm(r['planned_arrival'])}" if r["planned_berth"]
                 else t(lang, "ops.unplanned"))
        body.append(html.Tr([html.Td(r["name"]), html.Td(r["zone_zh"] if lang == "zh" else r["zone_en"]),
                             html.Td(f"{r['waiting_h']:.1f} h", className="ops-over" if over else None),
                             html.Td(berth)], className="ops-row"))
    return _table(lang, ("ops.vessel", "ops.anchorage", "ops.waiting", "ops.next_berth"), body, "ops.no_anchored")


def plan_table(rows: list[dict[str, Any]], lang: str) -> Any:
    body = []
    for r in rows:
        status = t(lang, f"ops.status_{r['status']}")
        notes = []
        if r["status"] == "wrong_berth":
            notes.append(t(lang, "ops.at_berth", berth=r["at_berth"]))
        if r["status"] in ("late", "missed") and r["late_min"] is not None:
            notes.append(t(lang, "ops.late_by", minutes=r["late_min"]))
        if r["occupied_by"]:
            notes.append(t(lang, "ops.occupied_by", names=r["occupied_by"]))
        if r["overlaps"]:
            notes.append(t(lang, "ops.overlaps", plans=r["overlaps"]))
        cls = "ops-attention" if r["status"] in ATTENTION or r["occupied_by"] or r["overlaps"] else None
        body.append(html.Tr([html.Td(r["berth_id"]), html.Td(r["name"]),
                             html.Td(f"{_hm(r['planned_arrival'])} – {_hm(r['planned_departure'])}"),
                             html.Td([status, *([html.Br(), html.Small("; ".join(notes))] if notes else [])])],
                            className=cls, **{"data-status": r["status"]}))
    return _table(lang, ("ops.berth", "ops.vessel", "ops.planned", "ops.status"), body, "ops.no_plan")


def direct_table(rows: list[dict[str, Any]], lang: str) -> Any:
    """A count per state, then one line per container: overstaying and late ones first."""
    counts = {k: sum(r["state"] == k for r in rows) for k in DIRECT_STATES}
    over = sum(r["overstay"] is not None and r["state"] != "done" for r in rows)
    summary = html.Div([*(html.Span([html.Span(t(lang, f"ops.dd_{k}"), className=f"dd-state dd-{k}"), f" {n}"],
                                     id=f"dd-count-{k}") for k, n in counts.items()),
                        html.Span(t(lang, "ops.dd_overstaying", n=over), id="dd-count-overstay",
                                  className="ops-over" if over else None)], className="dd-summary")
    body = []
    for r in rows:
        notes = []
        if r["overstay"]:
            notes.append(t(lang, f"ops.dd_{r['overstay']}", minutes=r["minutes"], limit=r["limit_min"]))
        if r["late"]:
            notes.append(t(lang, "ops.dd_late", at=_hm(r["planned_at"])))
        where = " · ".join(x for x in (r["berth_id"], r["truck_plate"]) if x)
        since = _hm(r["since"]) if r["since"] else t(lang, "ops.dd_planned", at=_hm(r["planned_at"]))
        if r["minutes"] is not None and r["state"] != "waiting":
            since += f" · {r['minutes']} min"
        state = html.Span(t(lang, f"ops.dd_{r['state']}"), className=f"dd-state dd-{r['state']}")
        body.append(html.Tr([html.Td(r["container_no"]), html.Td(t(lang, f"ops.dd_{r['direction']}")),
                             html.Td([state, *([html.Br(), html.Small("; ".join(notes))] if notes else [])]),
                             html.Td(since), html.Td(where or "–")],
                            className="ops-attention" if r["overstay"] or r["late"] else None,
                            **{"data-state": r["state"], "data-overstay": r["overstay"] or ""}))
    table = _table(lang, ("ops.container", "ops.dd_direction", "ops.status", "ops.dd_since", "ops.dd_where"),
                   body, "ops.dd_none")
    return html.Div([summary, table])
