"""Detail cards: what an officer sees after clicking a vessel, a container, a stack or a camera; and the banner
of silent feeds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
from dash import html

from app.berth_work import berth_work
from app.i18n import strings, t
from portdomain.roles import allowed
from portdomain.ship_types import ship_type_name
from sql import query

NAV = {0: ("under way", "在航"), 1: ("at anchor", "锚泊"), 5: ("moored", "系泊"), 7: ("fishing", "捕捞作业")}


ABOARD_M = 60.0         # a team member's phone this close to a ship's position is aboard


def aboard(conn: psycopg.Connection[Any], mmsi: int, lang: str, actor: Any) -> str | None:
    """"border boarding team aboard since 14:05 UTC": the teams aboard that `actor` may see (personal data)."""
    teams = [t(lang, "card.aboard_since", team=t(lang, f"team.{team}"), since=f"{since:%H:%M}")
             for team, agency, since, _n in query(conn, "vessel_aboard", {"mmsi": mmsi, "radius_m": ABOARD_M})
             if actor is not None and allowed(actor, "people_positions", agency=agency)]
    return "; ".join(teams) or None


def vessel_card(conn: psycopg.Connection[Any], mmsi: int, lang: str, actor: Any = None) -> html.Div | None:
    """A vessel: who she is, how she moves, where, her voyage and cargo work, and the teams aboard that `actor`
    may see (None: none)."""
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
        (t(lang, "card.type"), ship_type_name(ship_type, lang)
         + (f" · {length:.0f} × {beam or 0:.0f} m" if length else "") + (f" · {draught:.1f} m" if draught else "")),
        (t(lang, "card.motion"), f"{sog if sog is not None else '—'} kn · {cog if cog is not None else '—'}° · "
         + (NAV.get(status, (str(status), str(status)))[1 if zh else 0] if status is not None else "—")),
        (t(lang, "card.where"), " · ".join(x for x in (berth, zone_zh if zh else zone_en) if x) or "—"),
        (t(lang, "card.voyage"),
         " · ".join(x for x in (destination, eta and f"ETA {eta:%d %b %H:%M} UTC") if x) or "—"),
        (t(lang, "card.seen"), t(lang, "card.ago", s=age) + f" · {source}"),
        (t(lang, "card.track"), t(lang, "card.reports", n=reports)),
    ]
    teams = aboard(conn, mmsi, lang, actor)
    if teams:
        lines.append((t(lang, "card.aboard"), teams))
    works = berth_work(conn, vessel=name) if name else []
    if works:            # her voyages' cargo work (BAPLIE and load list planned, COARRI done), the newest first
        planned, discharged = sum(w.planned_discharge for w in works), sum(w.discharged for w in works)
        finish = next((w.finish for w in works if w.finish), None)
        loaded, planned_load = sum(w.loaded for w in works), sum(w.planned_load for w in works)
        lines.append((t(lang, "card.work"), t(lang, "card.work_done", discharged=discharged, planned=planned or "—",
                                                 loaded=f"{loaded}/{planned_load}" if planned_load else loaded)
                      + (f" · {t(lang, 'card.finish')} {finish:%H:%M} UTC" if finish else "")))
    bar: list[Any] = []
    current = next((w for w in works if w.share is not None), None)
    if current is not None:       # the newest call with a plan: its progress as a bar
        bar = [html.Div([html.Progress(value=str(current.done), max=str(current.planned), className="work-progress"),
                         html.Span(f"{current.share:.0%} · {current.done}/{current.planned}", className="work-share")],
                        className="work-bar", id=f"work-bar-{mmsi}")]
    return html.Div([html.H4(name or str(mmsi)),
                     *[html.Div([html.Span(k, className="card-key"), html.Span(v)]) for k, v in lines], *bar],
                    className="card", id=f"card-vessel-{mmsi}")


CUSTOMS = {"pending": ("pending", "待放行"), "released": ("released", "已放行"), "hold": ("HOLD", "扣留"),
           "inspection": ("inspection", "查验")}


def _rows(lines: list[tuple[str, str]]) -> list[html.Div]:
    return [html.Div([html.Span(k, className="card-key"), html.Span(v)]) for k, v in lines]


def container_card(conn: psycopg.Connection[Any], port_id: str, lang: str, container_no: str | None = None,
                   stack: tuple[str, int, int] | None = None, customs: bool = False) -> html.Div | None:
    """One container (by number) or a whole stack (block, bay, row), top box first: type, slot, dangerous goods
    and, for those allowed to see it (`customs`), the customs status and flags."""
    block, bay, row = stack or (None, None, None)
    rows = query(conn, "container_card", {"container_no": container_no, "port_id": port_id, "block_id": block,
                                          "bay": bay, "row": row})
    if not rows:
        return None
    zh = lang == "zh"
    boxes = []
    for (no, iso, fe, kg, state, blk, b, r, tier, status, voyage, arrived, flags, dg, last_move) in rows:
        where = f"{blk}-{b:02d}-{r:02d}-{tier}" if blk and b is not None and r is not None else state
        lines = [
            (t(lang, "card.container_type"), " · ".join(x for x in (iso, {"F": t(lang, "card.full"),
                                                                         "E": t(lang, "card.empty")}.get(fe or ""),
                                                                    kg and f"{kg / 1000:.1f} t") if x) or "—"),
            (t(lang, "card.slot"), f"{where} · {state}"),
            (t(lang, "card.dg"), "; ".join(dg) if dg else "—"),
            (t(lang, "card.customs"), (CUSTOMS.get(status or "", (status or "—", status or "—"))[1 if zh else 0]
                                       + (f" · {', '.join(flags)}" if flags else ""))
             if customs else t(lang, "card.restricted")),
            (t(lang, "card.voyage"), " · ".join(x for x in (voyage, arrived and f"{arrived:%Y-%m-%d %H:%M} UTC",
                                                             last_move) if x) or "—"),
        ]
        boxes.append(html.Div([html.H4(no), *_rows(lines)], className="card-box" + (" card-dg" if dg else ""),
                              id=f"card-container-{no}"))
    title = t(lang, "card.stack", where=f"{block}-{bay:02d}-{row:02d}", n=len(rows)) if stack else None
    return html.Div([html.H4(title) if title else None, *boxes], className="card",
                    id=f"card-stack-{block}-{bay}-{row}" if stack else f"card-of-{container_no}")


def _known(lang: str, prefix: str, value: str | None) -> str:
    """A vendor's word (a camera status, a detection label) in the page's language where the i18n files know it."""
    key = f"{prefix}{value}"
    return t(lang, key) if key in strings(lang) else str(value or "—")


def camera_card(conn: psycopg.Connection[Any], port_id: str, camera_id: str, lang: str) -> html.Div | None:
    """A camera: where it looks, its status and its last ten tracks."""
    rows = query(conn, "camera_card", {"port_id": port_id, "camera_id": camera_id})
    if not rows:
        return None
    zh = lang == "zh"
    cam, name_en, name_zh, status, status_at, bearing, fov, range_m, ptz = rows[0][:9]
    head = [(t(lang, "card.camera_view"), f"{bearing:.0f}° · {fov:.0f}° · {range_m:.0f} m" + (" · PTZ" if ptz else "")),
            (t(lang, "card.camera_status"), _known(lang, "camera.status_", status)
             + (f" · {status_at:%H:%M:%S} UTC" if status_at else ""))]
    events = [html.Li(f"{start:%H:%M:%S} {_known(lang, 'detect.', label)}{' / ' + sub if sub else ''}"
                      + (f" {score:.0%}" if score is not None else "")
                      + (f" · {', '.join(zones)}" if zones else "")
                      + ("" if end else f" · {t(lang, 'card.ongoing')}"), className="card-event")
              for *_, label, sub, score, start, end, zones in rows if label is not None]
    return html.Div([html.H4(f"{cam} {name_zh if zh else name_en}"), *_rows(head),
                     html.Div(t(lang, "card.recent_events"), className="card-key"),
                     html.Ul(events) if events else html.Div("—")],
                    className="card", id=f"card-camera-{cam}")


def vehicle_card(conn: psycopg.Connection[Any], port_id: str, phone: str, lang: str) -> html.Div | None:
    """A vehicle: plate, kind and owner, its last report, and the links: its gate passes (and their containers)
    and the cameras that read its plate."""
    rows = query(conn, "vehicle_card", {"port_id": port_id, "phone": phone})
    if not rows:
        return None
    phone, plate, kind, owner, seen, speed, direction, alarm = rows[0][:8]
    head = [(t(lang, "card.vehicle_kind"), kind.replace("_", " ") + (f" · {owner}" if owner else "")),
            (t(lang, "card.terminal"), phone),
            (t(lang, "card.seen"), f"{seen:%H:%M:%S} UTC · {speed or 0:.0f} km/h · {direction or 0}°")]
    if alarm:
        head.append((t(lang, "card.alarm"), t(lang, "card.emergency") if alarm & 1 else f"{alarm:#010x}"))
    passes = [html.Li(f"{at:%m-%d %H:%M} {gate} {way}" + (f" · {box}" if box else ""), className="card-event")
              for *_, _tid, gate, way, box, at in rows if at is not None]
    cams = [html.Li(f"{at:%m-%d %H:%M:%S} {cam}", className="card-event")
            for cam, at in (query(conn, "vehicle_card_cameras", {"port_id": port_id, "plate": plate}) if plate else [])]
    return html.Div([html.H4(plate or phone), *_rows(head),
                     html.Div(t(lang, "card.gate_passes"), className="card-key"), html.Ul(passes) if passes else
                     html.Div("—"), html.Div(t(lang, "card.plate_read"), className="card-key"),
                     html.Ul(cams) if cams else html.Div("—")], className="card", id=f"card-vehicle-{phone}")


def silent_banner(conn: psycopg.Connection[Any], lang: str) -> str:
    """The feeds whose verdict is not ok (feed_verdict, migration 055: the wall's lights say the same)."""
    rows = query(conn, "silent_feeds", {})
    if not rows:
        return ""
    return t(lang, "banner.silent", feeds=", ".join(f"{s} ({at:%H:%M:%S})" for s, at in rows))
