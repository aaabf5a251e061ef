"""A drop folder for the files a TOS and the customs and port systems export (SFTP drops, shared folders).

Files are taken in name order (exporters name them by time). By name: `*.tos.csv` is a yard snapshot,
`*.edi` an EDIFACT COARRI/CODECO/BAPLIE, `*.hazmat.csv|json` dangerous-goods declarations,
`*.gate.csv|json` gate transactions, `*.berthplan.csv|json` the berth plan, `*.direct.csv|json` the direct
delivery plan (直提/直装). A file being written is
invisible as long as its name starts with a dot or ends in `.tmp` (write, then rename). A file that has
been imported moves to `done/`, with its bad rows counted and kept by the importer; one that cannot be
read at all moves to `failed/` with a `.reason` file beside it. When the database is away a file stays
where it is and is tried again: every import is idempotent, so a retry writes nothing twice.
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from sql import DbSettings, connect

log = logging.getLogger(__name__)

KINDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r".+\.tos\.csv$", re.I), "tos"),
    (re.compile(r".+\.(edi|edifact)$", re.I), "edifact"),
    (re.compile(r".+\.hazmat\.(csv|json)$", re.I), "declarations"),
    (re.compile(r".+\.gate\.(csv|json)$", re.I), "gate"),
    (re.compile(r".+\.berthplan\.(csv|json)$", re.I), "berthplan"),
    (re.compile(r".+\.direct\.(csv|json)$", re.I), "direct"),
)


def kind_of(name: str) -> str | None:
    return next((kind for pattern, kind in KINDS if pattern.match(name)), None)


@dataclass
class InboxStats:
    files: Counter[str] = field(default_factory=Counter)      # kind -> files imported
    failed: int = 0
    rejected_rows: int = 0
    retries: int = 0


def import_one(conn: psycopg.Connection[Any], path: Path, kind: str, port_id: str) -> int:
    """Import one file; returns its rejected rows. Raises psycopg.OperationalError when the database is away."""
    if kind == "tos":
        from ingest.yard.tos_csv import import_snapshot
        report = import_snapshot(conn, path, port_id)
        log.info("%s: %d rows, %d loaded, %d departed, rejected %s", path.name, report.rows, report.loaded,
                 report.departed, dict(report.rejects))
        return sum(report.rejects.values())
    if kind == "edifact":
        from ingest.yard.edifact import import_file as import_edifact
        edi = import_edifact(conn, path, port_id)
        log.info("%s: %s, %d moves (%d new), rejected %s", path.name, dict(edi.messages), edi.moves, edi.new_moves,
                 dict(edi.rejects))
        return sum(edi.rejects.values())
    if kind == "berthplan":
        from ingest.ops.berth_plan import import_file as import_plan
        plan = import_plan(conn, path, port_id)
        log.info("%s: %d of %d planned calls stored, rejected %s", path.name, plan.stored, plan.rows,
                 dict(plan.rejects))
        return sum(plan.rejects.values())
    if kind == "direct":
        from ingest.ops.direct_delivery import import_file as import_direct
        direct = import_direct(conn, path, port_id)
        log.info("%s: %d of %d direct deliveries stored, rejected %s", path.name, direct.stored, direct.rows,
                 dict(direct.rejects))
        return sum(direct.rejects.values())
    from ingest.hazmat.declarations import import_file as import_hazmat
    haz = import_hazmat(conn, path, port_id, kind)
    log.info("%s: %d of %d stored, rejected %s", path.name, haz.stored, haz.rows, dict(haz.rejects))
    return sum(haz.rejects.values())


class Inbox:
    def __init__(self, folder: Path, db: DbSettings, port_id: str, *, poll_s: float = 1.0) -> None:
        self.folder, self.db, self.port_id, self.poll_s = folder, db, port_id, poll_s
        self.done, self.failed = folder / "done", folder / "failed"
        for d in (folder, self.done, self.failed):
            d.mkdir(parents=True, exist_ok=True)
        self.stats = InboxStats()
        self._stop = False
        self._conn: psycopg.Connection[Any] | None = None

    def stop(self) -> None:
        self._stop = True

    def pending(self) -> list[Path]:
        return sorted(p for p in self.folder.iterdir()
                      if p.is_file() and not p.name.startswith(".") and not p.name.endswith(".tmp"))

    def run(self, *, until_empty: bool = False, sleep: Callable[[float], None] = time.sleep) -> InboxStats:
        backoff = self.poll_s
        while not self._stop:
            try:
                self.sweep()
                backoff = self.poll_s
            except psycopg.OperationalError as err:
                self.stats.retries += 1
                log.warning("database unavailable (%s); the files wait, retry in %.0f s",
                            str(err).strip().splitlines()[0][:120], backoff)
                self._close()
                sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            if until_empty:
                break
            sleep(self.poll_s)
        self._close()
        return self.stats

    def sweep(self) -> int:
        """Import every waiting file once; returns how many were handled."""
        handled = 0
        for path in self.pending():
            if self._stop:
                break
            kind = kind_of(path.name)
            if kind is None:
                self._fail(path, "unknown file kind: expected *.tos.csv, *.edi, *.hazmat.csv|json, *.gate.csv|json, "
                                 "*.berthplan.csv|json, *.direct.csv|json")
                handled += 1
                continue
            conn = self._connection()
            try:
                self.stats.rejected_rows += import_one(conn, path, kind, self.port_id)
                conn.commit()
            except psycopg.OperationalError:
                raise
            except (OSError, UnicodeDecodeError, ValueError, psycopg.Error) as err:
                if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    conn.rollback()
                self._fail(path, f"{type(err).__name__}: {err}"[:500])
                handled += 1
                continue
            path.rename(self.done / path.name)
            self.stats.files[kind] += 1
            handled += 1
        return handled

    def _fail(self, path: Path, reason: str) -> None:
        log.error("%s: %s", path.name, reason)
        path.rename(self.failed / path.name)
        (self.failed / f"{path.name}.reason").write_text(reason + "\n", encoding="utf-8")
        self.stats.failed += 1

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = connect(self.db)
        return self._conn

    def _close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None
