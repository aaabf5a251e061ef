"""What the decoders hand to the writer: rows of any number of streams, their counts and checkpoints.

Kept apart from both ends: a decoder process needs neither psycopg nor the database code, and the writer
process needs no pyais (it starts faster, and holds less).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ingest.ais.columns import PositionBlock

# Static fields in the order of the vessel staging table (after mmsi).
STATIC_FIELDS = ("kind", "ais_class", "imo", "call_sign", "name", "ship_type", "dim_a_m", "dim_b_m", "dim_c_m",
                 "dim_d_m", "draught_m", "destination", "eta", "flag", "static_at")


@dataclass
class Output:
    """What a stream produced since the last take(): rows per table, rejects and counts by reason."""

    positions: list[tuple[Any, ...]] = field(default_factory=list)
    statics: dict[int, dict[str, Any]] = field(default_factory=dict)
    atons: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    bases: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    others: list[tuple[Any, ...]] = field(default_factory=list)
    rejects: list[tuple[str, str, str, str]] = field(default_factory=list)   # source, reason, detail, raw
    reasons: Counter[str] = field(default_factory=Counter)
    messages: int = 0
    # Messages heard through a receiving station named in tag blocks (`s:`), which is its own feed.
    stations: Counter[str] = field(default_factory=Counter)
    station_last: dict[str, datetime] = field(default_factory=dict)
    # The fast path's positions (ingest.ais.fastpath), as columns, in stream order. An Output holds its positions
    # either here or in `positions`, never in both. (A plain default: a batch pickled before it had this field
    # reads it from the class.)
    block: PositionBlock | None = None

    def __len__(self) -> int:
        return (len(self.positions) + len(self.statics) + len(self.atons) + len(self.bases) + len(self.others)
                + (len(self.block) if self.block is not None else 0))

    def newest_received(self) -> datetime | None:
        if self.block is not None:
            return self.block.newest_received()
        return max(r[2] for r in self.positions) if self.positions else None

    def add_positions(self, other: Output) -> None:
        """Another output's positions after this one's: tuples while both have tuples, else one block."""
        if self.block is None and other.block is None:
            self.positions.extend(other.positions)
            return
        from ingest.ais.columns import PositionBlock, concat  # numpy, only where blocks are

        parts = []
        for out in (self, other):
            if out.positions:
                parts.append(PositionBlock.from_rows(out.positions))
            if out.block is not None:
                parts.append(out.block)
        self.positions, self.block = [], concat(parts)


def merge_static(into: dict[int, dict[str, Any]], mmsi: int, fields: dict[str, Any]) -> None:
    """Fold static fields per MMSI: a later observation wins where it has a value; SAR aircraft stay so."""
    current = into.get(mmsi)
    if current is None:
        into[mmsi] = dict(fields)
        return
    newer = fields.get("static_at") is not None and (
        current.get("static_at") is None or fields["static_at"] >= current["static_at"])
    for key, value in fields.items():
        if value is not None and (newer or current.get(key) is None):
            current[key] = value
    if fields.get("kind") == "sar_aircraft":
        current["kind"] = "sar_aircraft"


@dataclass
class Checkpoint:
    """Where a file replay has got to; written in the same transaction as the rows it covers."""

    source: str
    position: int
    file_identity: str
    journal: str | None = None      # a live source's journal segment: older ones go once this is committed


@dataclass
class Batch:
    """Everything one write commits: rows of any number of streams, their counts, checkpoints."""

    out: Output = field(default_factory=Output)
    checkpoints: dict[str, Checkpoint] = field(default_factory=dict)
    feeds: Counter[str] = field(default_factory=Counter)        # source -> messages
    feed_rejects: Counter[str] = field(default_factory=Counter)
    reasons: Counter[tuple[str, str]] = field(default_factory=Counter)   # (source, reason) -> lines
    last_at: dict[str, datetime] = field(default_factory=dict)

    def add(self, out: Output, source: str) -> None:
        self._add_rows(out)
        for reason, n in out.reasons.items():
            self.reasons[(source, reason)] += n
        self.feeds[source] += out.messages
        self.feed_rejects[source] += len(out.rejects)
        newest = out.newest_received()
        if newest is not None:
            self.last_at[source] = max(self.last_at.get(source, newest), newest)
        for station, n in out.stations.items():          # each receiving station is a feed of its own
            self.feeds[station] += n
            at = out.station_last[station]
            self.last_at[station] = max(self.last_at.get(station, at), at)

    def _add_rows(self, out: Output) -> None:
        mine = self.out
        mine.add_positions(out)
        for mmsi, fields in out.statics.items():
            merge_static(mine.statics, mmsi, fields)
        for table, rows, at in ((mine.atons, out.atons, 11), (mine.bases, out.bases, 4)):
            for key, row in rows.items():
                if key not in table or table[key][at] < row[at]:   # ties: the first report wins, as in SQL
                    table[key] = row
        mine.others.extend(out.others)
        mine.rejects.extend(out.rejects)
        mine.messages += out.messages

    def merge(self, other: Batch) -> None:
        """Fold a later batch into this one (same order, later wins), for one transaction."""
        for source, n in other.feeds.items():
            self.feeds[source] += n
        self.feed_rejects.update(other.feed_rejects)
        self.reasons.update(other.reasons)
        for source, at in other.last_at.items():
            self.last_at[source] = max(self.last_at.get(source, at), at)
        self.checkpoints.update(other.checkpoints)
        other.feeds.clear()
        other.reasons.clear()
        self._add_rows(other.out)

    def __len__(self) -> int:
        return len(self.out) + len(self.out.rejects)
