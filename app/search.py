"""Search by MMSI, IMO, name, call sign, container number, plate or person; the first hit is where the map flies.
People are personal data: a person is found only by who may see them (portdomain.roles: supervisors, their agency)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from portdomain.roles import allowed
from sql import query


@dataclass(frozen=True)
class Hit:
    kind: str          # vessel | container | vehicle | person
    ident: str
    label: str
    lon: float
    lat: float


def search(conn: psycopg.Connection[Any], port_id: str, text: str, actor: Any = None) -> list[Hit]:
    """What matches, as `actor` may see it (None: no one's extra rights, so no person)."""
    q = text.strip()
    if len(q) < 2:
        return []
    return [Hit(kind, ident, label, float(lon), float(lat))
            for kind, ident, label, lon, lat, _rank, agency in query(conn, "search", {"q": q, "port_id": port_id})
            if agency is None or (actor is not None and allowed(actor, "people_positions", agency=agency))]
