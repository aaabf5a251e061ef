"""Detail cards: what an officer sees after clicking a vessel; and the banner of silent feeds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
from dash import html

from app.i18n import t
from sql import query

NAV = {0: ("under way", "在航"), 1: ("at anchor", "锚泊"), 5: ("moored", "系泊"), 7: ("fishing", "捕捞作业")}


def vessel_card(conn: psycopg.Connection[Any], mmsi: int, lang: str) -> html.Div | None:
    rows = query(conn, "vessel_card", {"mmsi": mmsi})
    if not rows:
        return None
    (mmsi, name, call_sign, imo, ship_type, length, beam, draught, destination, eta, flag, seen, sog, cog, _heading,
     status, source, _lon, _lat, reports, berth, zone_en, zone_zh) = rows[0]
    zh = lang == "zh"
    age = int((datetime.now(UTC) - seen).total_seconds())
    lines = [
        (t(lang, "card.identity"), " · ".join(str(x) for x in (f"MMSI {mmsi}", imo and f"IMO {imo}", call_sign, flag)
                                              if x)),
        (t(lang, "card.type"), f"{ship_type if ship_type is not None else '—'}"
         + (f" · {length:.0f} × {beam or 0:.0f} m" if length else "") + (f" · {draught:.1f} m" if draught else "")),
        (t(lang, "card.motion"), f"{sog if sog is not None else '—'} kn · {cog if cog is not None else '—'}° · "
         + (NAV.get(status, (str(status), str(status)))[1 if zh else 0] if status is not None else "—")),
        (t(lang, "card.where"), " · ".join(x for x in (berth, zone_zh if zh else zone_en) if x) or "—"),
        (t(lang, "card.voyage"),
         " · ".join(x for x in (destination, eta and f"ETA {eta:%d %b %H:%M} UTC") if x) or "—"),
        (t(lang, "card.seen"), t(lang, "card.ago", s=age) + f" · {source}"),
        (t(lang, "card.track"), t(lang, "card.reports", n=reports)),
    ]
    return html.Div([html.H4(name or str(mmsi)),
                     *[html.Div([html.Span(k, className="card-key"), html.Span(v)]) for k, v in lines]],
                    className="card", id=f"card-vessel-{mmsi}")


def silent_banner(conn: psycopg.Connection[Any], lang: str, silent_s: float = 120) -> str:
    rows = query(conn, "silent_feeds", {"silent_s": silent_s})
    if not rows:
        return ""
    return t(lang, "banner.silent", feeds=", ".join(f"{s} ({at:%H:%M:%S})" for s, at in rows))
