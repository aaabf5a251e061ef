"""Replay: the whole picture as it stood at a past instant, still or playing at 1×–60×.

A browser's replay is a small dict in its `replay` store: the instant shown when it was last set (`at`, ms),
the wall time it was set (`wall`, ms), the speed and whether it plays. Every tick works out the instant from
that, so a playing replay needs no timer of its own; an empty store is the live picture. When a playing
replay catches up with the present, the map is live again.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from app.i18n import t

SPEEDS = (1, 5, 10, 30, 60)
HISTORY = timedelta(days=7)        # how far back the time control goes (the position history kept by default)
_ABS = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2}(?::\d{2})?)(?:Z|\s*UTC)?$", re.IGNORECASE)
_TIME = re.compile(r"^(\d{1,2}:\d{2}(?::\d{2})?)(?:Z|\s*UTC)?$", re.IGNORECASE)
_REL = re.compile(r"^-\s*(\d+(?:\.\d+)?)\s*(s|m|min|h)$", re.IGNORECASE)


class ReplayError(ValueError):
    """A time the control cannot show (unreadable, in the future, older than the kept history)."""


def parse_instant(text: str, now: datetime) -> datetime:
    """`2026-11-27 14:05[:30]` (UTC), `14:05` (today, UTC; yesterday if that is still ahead) or `-15m`,
    `-2h`, `-90s` (before now)."""
    s = text.strip()
    try:
        when = _read(s, now)
    except ValueError:
        raise ReplayError("format") from None
    if when > now:
        raise ReplayError("future")
    if when < now - HISTORY:
        raise ReplayError("history")
    return when


def _read(s: str, now: datetime) -> datetime:
    if m := _ABS.match(s):
        day = datetime.fromisoformat(m[1])
        return datetime(day.year, day.month, day.day, *_hms(m[2]), tzinfo=UTC)
    if m := _TIME.match(s):
        h, mi, sec = _hms(m[1])
        when = now.astimezone(UTC).replace(hour=h, minute=mi, second=sec, microsecond=0)
        return when - timedelta(days=1) if when > now else when
    if m := _REL.match(s):
        return now - timedelta(seconds=float(m[1]) * {"s": 1, "m": 60, "min": 60, "h": 3600}[m[2].lower()])
    raise ValueError(s)


def _hms(text: str) -> tuple[int, int, int]:
    parts = [int(x) for x in text.split(":")]
    return parts[0], parts[1], parts[2] if len(parts) > 2 else 0


def instant(state: dict[str, Any] | None, now: datetime) -> datetime | None:
    """The instant a replay shows now; None for the live picture (no replay, or a replay that caught up)."""
    if not state or not isinstance(state.get("at"), int | float):
        return None
    at = float(state["at"])
    if state.get("playing"):
        at += (now.timestamp() * 1000 - float(state.get("wall", at))) * float(state.get("speed", 1))
    when = datetime.fromtimestamp(at / 1000, UTC)
    return None if when >= now else when


def start(at: datetime, now: datetime, speed: int = 1, playing: bool = False) -> dict[str, Any]:
    return {"at": int(at.timestamp() * 1000), "wall": int(now.timestamp() * 1000),
            "speed": speed if speed in SPEEDS else 1, "playing": playing}


def step(state: dict[str, Any] | None, action: str, now: datetime, *, speed: int = 1,
         text: str = "") -> dict[str, Any]:
    """The replay after a control: `goto` (text), `back` (text like "-10m", from the instant shown), `play`
    (toggle), `speed` or `live`. Raises ReplayError for a time it cannot show."""
    shown = instant(state, now)
    playing = bool(state and state.get("playing"))
    if action == "live":
        return {}
    if action == "goto":
        return start(parse_instant(text, now), now, speed, playing)
    if action == "back":
        base = shown or now
        when = parse_instant(text, base)
        if when < now - HISTORY:
            raise ReplayError("history")
        return start(when, now, speed, playing)
    if action == "play":
        return start(shown or now - timedelta(minutes=10), now, speed, not playing)
    if action == "speed":
        return start(shown, now, speed, playing) if shown else {}
    raise ReplayError(f"unknown action {action!r}")


def clock(state: dict[str, Any] | None, lang: str, now: datetime) -> str:
    """What the time control says: LIVE, or the instant shown and how."""
    shown = instant(state, now)
    if shown is None:
        return t(lang, "replay.live")
    key = "replay.playing" if state and state.get("playing") else "replay.paused"
    return t(lang, key, at=f"{shown:%Y-%m-%d %H:%M:%S} UTC", speed=int((state or {}).get("speed", 1)))
