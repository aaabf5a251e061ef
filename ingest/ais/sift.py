"""A batch the database refused, written again row by row where it must: ingest.batchsplit over its rows.

Every row of the batch (positions, vessels, AtoNs, base stations, other messages, rejects) is one record;
the parts that go in are written under savepoints of one transaction, the records refused on their own are
dead-lettered (`ingest_dead_letter`, with the refusal) in that same transaction, together with the batch's
counts, feed status and checkpoints. A restart therefore resumes after the poison: it is never replayed.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ingest.ais.batch import Batch, Output
from ingest.batchsplit import DATA_ERRORS, Refused, reason_of, write_split
from ingest.limits import safe_raw
from sql import query

if TYPE_CHECKING:
    from ingest.ais.writer import AisWriter

log = logging.getLogger(__name__)
Record = tuple[str, Any, Any]        # (kind, key, row)


def records(batch: Batch) -> list[Record]:
    out = batch.out
    positions = out.block.rows() if out.block is not None else out.positions    # a batch has one or the other
    return [*(("position", None, r) for r in positions), *(("vessel", m, f) for m, f in out.statics.items()),
            *(("aton", k, r) for k, r in out.atons.items()), *(("base", k, r) for k, r in out.bases.items()),
            *(("other", None, r) for r in out.others), *(("reject", None, r) for r in out.rejects)]


def part(rows: Sequence[Record]) -> Batch:
    """A batch of these rows alone (no counts, feeds or checkpoints: those are written once, at the end)."""
    out = Output()
    for kind, key, row in rows:
        if kind == "position":
            out.positions.append(row)
        elif kind == "vessel":
            out.statics[key] = row
        elif kind == "aton":
            out.atons[key] = row
        elif kind == "base":
            out.bases[key] = row
        elif kind == "other":
            out.others.append(row)
        else:
            out.rejects.append(row)
    return Batch(out=out)


def source_of(record: Record, batch: Batch) -> str:
    kind, _, row = record
    if kind in ("position",):
        return str(row[3])
    if kind in ("other", "reject"):
        return str(row[0])
    return next(iter(batch.feeds), "ais")


def write_sifted(writer: AisWriter, batch: Batch,
                 errors: tuple[type[Exception], ...] = DATA_ERRORS) -> list[Refused[Record]]:
    """One transaction: the parts the database takes, the dead letters, then the batch's counts and checkpoints."""
    conn = writer.conn
    with conn.transaction():
        split = write_split(conn, records(batch), lambda rows: writer.write(part(rows), staged=True),
                            errors=errors)
        dead: Counter[str] = Counter()
        for r in split.refused:
            source = source_of(r.row, batch)
            dead[source] += 1
            query(conn, "ingest_dead_letter_add", {"source": source, "kind": r.row[0], "reason": r.reason,
                                                   "attempts": r.attempts, "record": safe_raw(repr(r.row[2]))})
        envelope = Batch(out=Output(), checkpoints=batch.checkpoints, feeds=batch.feeds,
                         feed_rejects=batch.feed_rejects, reasons=Counter(batch.reasons), last_at=batch.last_at)
        for source, n in dead.items():
            envelope.reasons[(source, "dead_letter")] += n
        try:
            writer.write(envelope, staged=True)
        except errors as err:           # the counts or feed status refused: keep the rows and the checkpoints
            if conn.broken or conn.closed:
                raise
            log.error("the batch's counts and feed status were refused (%s); committing its checkpoints alone",
                      reason_of(err))
            writer.write(Batch(out=Output(), checkpoints=batch.checkpoints), staged=True)
    return split.refused
