"""Berth work progress: for a vessel's voyage, the discharges planned (BAPLIE) against those done (COARRI), the
loads done, and the expected finish at the last hour's move rate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg

from sql import query


@dataclass(frozen=True)
class Work:
    voyage: str
    planned_discharge: int
    discharged: int
    loaded: int
    last_move: datetime | None
    moves_last_hour: int

    @property
    def share(self) -> float | None:
        """Discharged over planned (None when nothing was planned)."""
        return min(1.0, self.discharged / self.planned_discharge) if self.planned_discharge else None

    @property
    def finish(self) -> datetime | None:
        """When the planned discharges are done at the last hour's rate (None: unknown or done)."""
        left = self.planned_discharge - self.discharged
        if left <= 0 or not self.moves_last_hour or self.last_move is None:
            return None
        return self.last_move + timedelta(hours=left / self.moves_last_hour)


def berth_work(conn: psycopg.Connection[Any], *, voyage: str | None = None, vessel: str | None = None) -> list[Work]:
    """The work of one voyage, or of every voyage of a vessel (by name), newest first."""
    return [Work(*row) for row in query(conn, "berth_work", {"voyage": voyage, "vessel": vessel or ""})]
