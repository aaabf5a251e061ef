"""The officers' alert list: open, acknowledged and suppressed alerts, worst first; a click selects one (and
flies the map to it) to acknowledge, suppress or resolve it with a note, and shows its lifecycle."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
from dash import html

from app.i18n import t
from sql import alerts, query

LIMIT = 200
SUPPRESS_MINUTES = 30
ACTIONS = ("acknowledge", "suppress", "resolve")


def alert_rows(conn: psycopg.Connection[Any], port_id: str, at: datetime | None = None) -> list[dict[str, Any]]:
    """The alerts not resolved now, or as they stood at a replayed instant `at`."""
    rows = query(conn, "alert_list", {"port_id": port_id, "limit": LIMIT, "at": at})
    keys = ("alert_id", "rule", "severity", "state", "title_en", "title_zh", "raised_at", "evidence_at",
            "suppressed_until", "actor", "action", "acted_at", "lon", "lat")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def shown(rows: list[dict[str, Any]], lang: str, titles: bool = True) -> list[tuple[Any, ...]]:
    """What the list shows of each alert (not its evidence time, which the engine moves every cycle); without
    `titles`, only what matters at once: which alerts, how severe, in what state, acted on by whom."""
    return [(r["alert_id"], r["severity"], r["state"], (r["title_zh"] if lang == "zh" else r["title_en"]) if titles
             else "", r["raised_at"], r["actor"]) for r in rows]


def _ago(at: datetime | None, lang: str, now: datetime) -> str:
    if at is None:
        return ""
    minutes = int((now - at).total_seconds() // 60)
    return t(lang, "alerts.ago_min", n=minutes) if minutes < 120 else t(lang, "alerts.ago_h", n=minutes // 60)


def alert_list(rows: list[dict[str, Any]], lang: str, selected: int | None, now: datetime | None = None) -> Any:
    now = now or datetime.now(UTC)
    if not rows:
        return html.Div(t(lang, "alerts.none"), className="alerts-none")
    items = []
    for r in rows:
        who = (t(lang, f"alerts.by_{r['state']}", actor=r["actor"]) if r["actor"] and r["state"] != "open" else
               t(lang, f"alerts.state_{r['state']}"))
        items.append(html.Button(
            [html.Span(className=f"sev sev-{r['severity']}"),
             html.Span(r["title_zh"] if lang == "zh" else r["title_en"], className="alert-title"),
             html.Span(f"{_ago(r['raised_at'], lang, now)} · {who}", className="alert-meta")],
            id={"type": "alert-row", "alert": r["alert_id"]}, n_clicks=0,
            className=f"alert-row state-{r['state']}" + (" selected" if r["alert_id"] == selected else ""),
            **{"data-state": r["state"], "data-alert": str(r["alert_id"]), "data-severity": r["severity"]}))
    return items


def trail(conn: psycopg.Connection[Any], alert_id: int, lang: str) -> list[html.Div]:
    """The alert's lifecycle, one line per action."""
    out = []
    for acted_at, actor, role, agency, action, note in query(conn, "alert_trail", {"alert_id": alert_id}):
        who = actor if actor == "engine" else f"{actor} ({role}, {agency})"
        out.append(html.Div(f"{acted_at:%H:%M:%S} · {t(lang, 'alerts.act_' + action)} · {who}"
                            + (f" — {note}" if note else ""), className="trail-line"))
    return out


CASE_STEP = "case-step"       # pattern-matching: {"type": CASE_STEP, "case": id, "step": name}


def case_steps(conn: psycopg.Connection[Any], alert_id: int, lang: str, user: Any) -> list[Any]:
    """The alert's hazmat case, if it opened one: each step with its agency, due time and outcome; the next step
    has its button, usable only by an officer of the agency that owns it."""
    rows = query(conn, "case_of_alert", {"alert_id": alert_id})
    if not rows:
        return []
    next_step = next((r for r in rows if r[5] is None), None)
    lines: list[Any] = [html.Div(t(lang, "case.title", id=rows[0][0]), className="case-title")]
    for case_id, _no, step, agency, due_at, done_at, done_by, outcome in rows:
        name = t(lang, f"case.step_{step}")
        owner = t(lang, f"agency.{agency}")
        overdue = done_at is None and due_at is not None and due_at < datetime.now(UTC)
        if done_at is not None:
            text = t(lang, "case.done_by", step=name, who=done_by, at=f"{done_at:%H:%M}", outcome=outcome or "")
        elif overdue:
            text = t(lang, "case.overdue", step=name, agency=owner, at=f"{due_at:%H:%M}")
        else:
            text = t(lang, "case.open", step=name, agency=owner, at=f"{due_at:%H:%M}" if due_at else "—")
        state = " case-done" if done_at else " case-overdue" if overdue else ""
        lines.append(html.Div(text, className="case-line" + state,
                              **{"data-step": step, "data-done": "1" if done_at else "0",
                                 "data-overdue": "1" if overdue else "0"}))
        if next_step is not None and step == next_step[2]:
            may = user is not None and alerts.allowed(user, "complete_step", agency=agency)
            lines.append(html.Button(t(lang, "case.complete", step=name), n_clicks=0, disabled=not may,
                                     id={"type": CASE_STEP, "case": case_id, "step": step}, className="case-button",
                                     title="" if may else t(lang, "case.not_yours", agency=owner)))
    return lines
