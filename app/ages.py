"""Data age per layer: how long ago the newest data behind each layer arrived, said the short way."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg

from app.i18n import t
from layers import LAYERS
from sql import query


def layer_ages(conn: psycopg.Connection[Any], port_id: str, now: datetime | None = None) -> dict[str, float | None]:
    """Seconds since each layer's newest data (None: it has none yet)."""
    now = now or datetime.now(UTC)
    newest = {source: at for source, at in query(conn, "layer_ages", {"port_id": port_id}) if at is not None}
    out: dict[str, float | None] = {}
    for name, layer in LAYERS.items():
        times = [newest[s] for s in layer.age_sources if s in newest]
        out[name] = max(0.0, (now - max(times)).total_seconds()) if times else None
    return out


def say_age(seconds: float | None, lang: str) -> str:
    """'4 s', '12 min', '3 h', '2 d' (or '—' for no data yet)."""
    if seconds is None:
        return t(lang, "age.none")
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size * (2 if unit != "min" else 1):
            return t(lang, f"age.{unit}", n=int(seconds // size))
    return t(lang, "age.s", n=int(seconds))
