"""Search by MMSI, IMO, name, call sign or container number; the first hit is where the map flies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from sql import query


@dataclass(frozen=True)
class Hit:
    kind: str          # vessel | container
    ident: str
    label: str
    lon: float
    lat: float


def search(conn: psycopg.Connection[Any], port_id: str, text: str) -> list[Hit]:
    q = text.strip()
    if len(q) < 2:
        return []
    return [Hit(kind, ident, label, float(lon), float(lat))
            for kind, ident, label, lon, lat, _rank in query(conn, "search", {"q": q, "port_id": port_id})]
