"""Berth work progress: for a vessel's voyage, the discharges planned (BAPLIE) against those done (COARRI), the
loads done, and the expected finish at the last hour's move rate."""

from __future__ import annotations

from typing import Any

import psycopg

from layers.berth_occupancy import Work
from sql import query


def berth_work(conn: psycopg.Connection[Any], *, voyage: str | None = None, vessel: str | None = None) -> list[Work]:
    """The work of one voyage, or of every voyage of a vessel (by name), newest first."""
    return [Work(*row) for row in query(conn, "berth_work", {"voyage": voyage, "vessel": vessel or ""})]
