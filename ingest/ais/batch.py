"""What the decoders hand to the writer: rows of any number of streams, their counts and checkpoints.

Kept apart from the writer so that a decoder process needs neither psycopg nor the database code.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from ingest.ais.decoder import Output
from ingest.ais.records import merge_static


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
        if out.positions:
            newest = max(r[2] for r in out.positions)
            self.last_at[source] = max(self.last_at.get(source, newest), newest)
        for station, n in out.stations.items():          # each receiving station is a feed of its own
            self.feeds[station] += n
            at = out.station_last[station]
            self.last_at[station] = max(self.last_at.get(station, at), at)

    def _add_rows(self, out: Output) -> None:
        mine = self.out
        mine.positions.extend(out.positions)
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
