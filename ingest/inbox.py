"""A drop folder for the files a TOS and the customs and port systems export (SFTP drops, shared folders).

Files are taken in name order (exporters name them by time). By name: `*.tos.csv` is a yard snapshot,
`*.edi` an EDIFACT COARRI/CODECO/BAPLIE, `*.hazmat.csv|json` dangerous-goods declarations,
`*.gate.csv|json` gate transactions, `*.berthplan.csv|json` the berth plan, `*.direct.csv|json` the direct
delivery plan (直提/直装). A file being written is
invisible as long as its name starts with a dot or ends in `.tmp` (write, then rename). A file that has
been imported moves to `done/`, with its bad rows counted and kept by the importer; one that cannot be
read at all moves to `failed/` with a `.reason` file beside it, and so does one whose import has failed
ATTEMPTS times (counted on disk in `.attempts/`, so a worker that dies on a file does not replay it for ever).
Only regular files are read, opened without following links: a symlink, FIFO, socket or device is refused by
reason (moved to `failed/`, never opened), as is a hard link or a file over MAX_FILE_BYTES. When the database is
away a file stays where it is and is tried again: every import is idempotent, so a retry writes nothing twice.
SIGTERM during an import rolls it back (the file stays for the next start) and the worker exits at once.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from ingest.limits import InputRefused, safe_raw
from sql import DbSettings, connect, query

log = logging.getLogger(__name__)

KINDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r".+\.tos\.csv$", re.I), "tos"),
    (re.compile(r".+\.(edi|edifact)$", re.I), "edifact"),
    (re.compile(r".+\.hazmat\.(csv|json)$", re.I), "declarations"),
    (re.compile(r".+\.gate\.(csv|json)$", re.I), "gate"),
    (re.compile(r".+\.berthplan\.(csv|json)$", re.I), "berthplan"),
    (re.compile(r".+\.direct\.(csv|json)$", re.I), "direct"),
)


MAX_FILE_BYTES = 256 << 20         # the largest export a TOS or customs system drops (a yard snapshot: ~5 MB)
ATTEMPTS = 3                       # imports of one file that may fail before it is moved to failed/


class Stopping(BaseException):
    """Raised into an import by SIGTERM: roll it back and exit (not an Exception, so nothing catches it)."""


class Refusal(Exception):
    """A dropped file refused as a whole: `reason` (counted), `detail`."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason, detail)
        self.reason, self.detail = reason, detail


def kind_of(name: str) -> str | None:
    return next((kind for pattern, kind in KINDS if pattern.match(name)), None)


@dataclass
class InboxStats:
    files: Counter[str] = field(default_factory=Counter)      # kind -> files imported
    failed: int = 0
    rejected_rows: int = 0
    retries: int = 0


def import_one(conn: psycopg.Connection[Any], path: Path, kind: str, port_id: str, data: bytes,
               mtime: datetime) -> int:
    """Import one file's bytes; returns its rejected rows. Raises psycopg.OperationalError when the database is
    away, Refusal (or an importer's own error) when the file cannot be read at all."""
    if kind == "tos":
        from ingest.yard.tos_csv import import_snapshot
        report = import_snapshot(conn, path, port_id, snapshot_at=mtime, data=data)
        log.info("%s: %d rows, %d loaded, %d departed, rejected %s", path.name, report.rows, report.loaded,
                 report.departed, dict(report.rejects))
        return sum(report.rejects.values())
    if kind == "edifact":
        from ingest.yard.edifact import import_file as import_edifact
        edi = import_edifact(conn, path, port_id, data)
        log.info("%s: %s, %d moves (%d new), rejected %s", path.name, dict(edi.messages), edi.moves, edi.new_moves,
                 dict(edi.rejects))
        return sum(edi.rejects.values())
    if kind == "berthplan":
        from ingest.ops.berth_plan import import_file as import_plan
        plan = import_plan(conn, path, port_id, data)
        log.info("%s: %d of %d planned calls stored, rejected %s", path.name, plan.stored, plan.rows,
                 dict(plan.rejects))
        return sum(plan.rejects.values())
    if kind == "direct":
        from ingest.ops.direct_delivery import import_file as import_direct
        direct = import_direct(conn, path, port_id, data)
        log.info("%s: %d of %d direct deliveries stored, rejected %s", path.name, direct.stored, direct.rows,
                 dict(direct.rejects))
        return sum(direct.rejects.values())
    from ingest.hazmat.declarations import import_file as import_hazmat
    haz = import_hazmat(conn, path, port_id, kind, data)
    log.info("%s: %d of %d stored, rejected %s", path.name, haz.stored, haz.rows, dict(haz.rejects))
    return sum(haz.rejects.values())


def whole_file_reason(err: BaseException) -> tuple[str, str]:
    """The counted reason and the detail of an error that refuses a whole file; "failed" for one that is not
    about the file's form (tried again, up to ATTEMPTS times)."""
    if isinstance(err, (Refusal, InputRefused)):
        return err.reason, err.detail
    from ingest.yard.iso6346 import Invalid
    if isinstance(err, Invalid) and len(err.args) == 2:         # the hazmat reader: (reason, detail)
        return str(err.args[0]), str(err.args[1])
    text = str(err)
    if text.startswith("bad_edifact:"):
        return "bad_edifact", text.removeprefix("bad_edifact:").strip()
    if isinstance(err, UnicodeDecodeError):
        return "bad_encoding", text
    return "failed", f"{type(err).__name__}: {text}"      # the database refused it, a disk error, a bug: retried


def read_regular(folder_fd: int, name: str) -> tuple[bytes, os.stat_result]:
    """A dropped file's bytes, opened relative to the folder without following a link and without blocking on a
    FIFO; only a regular file with one link and at most MAX_FILE_BYTES is read. Raises Refusal."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=folder_fd)
    except OSError as err:
        raise Refusal("symlink" if err.errno == 40 else "unreadable", str(err)) from err      # 40: ELOOP
    try:
        st = os.fstat(fd)
        kind = file_type(st)
        if kind != "regular":
            raise Refusal(kind, "not a regular file: never read")
        if st.st_nlink > 1:
            raise Refusal("hard_link", f"{st.st_nlink} links: the file may be one from elsewhere")
        if st.st_size > MAX_FILE_BYTES:
            raise Refusal("too_large", f"{st.st_size} bytes (at most {MAX_FILE_BYTES})")
        chunks, got = [], 0
        while chunk := os.read(fd, 1 << 20):
            got += len(chunk)
            if got > MAX_FILE_BYTES:
                raise Refusal("too_large", f"over {MAX_FILE_BYTES} bytes")
            chunks.append(chunk)
        return b"".join(chunks), st
    finally:
        os.close(fd)


def file_type(st: os.stat_result) -> str:
    mode = st.st_mode
    return ("regular" if stat.S_ISREG(mode) else "symlink" if stat.S_ISLNK(mode) else "fifo" if stat.S_ISFIFO(mode)
            else "socket" if stat.S_ISSOCK(mode) else "device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "directory" if stat.S_ISDIR(mode) else "not_a_regular_file")


class Inbox:
    def __init__(self, folder: Path, db: DbSettings, port_id: str, *, poll_s: float = 1.0) -> None:
        self.folder, self.db, self.port_id, self.poll_s = folder, db, port_id, poll_s
        self.done, self.failed, self.attempts = folder / "done", folder / "failed", folder / ".attempts"
        for d in (folder, self.done, self.failed, self.attempts):
            d.mkdir(parents=True, exist_ok=True)
            if d.is_symlink() or not d.is_dir():
                raise ValueError(f"inbox: {d} must be a real folder, not a link")
        self.stats = InboxStats()
        self._stop = False
        self._wake = threading.Event()
        self._importing = False
        self._conn: psycopg.Connection[Any] | None = None

    def stop(self) -> None:
        self._stop = True
        self._wake.set()

    def stop_now(self) -> None:
        """For SIGTERM: stop, and abandon an import under way (its transaction rolls back; the file stays)."""
        self.stop()
        if self._importing:
            raise Stopping

    def pending(self) -> list[os.DirEntry[str]]:
        """What waits in the folder, in name order: anything but sub-folders and names hidden or ending .tmp."""
        with os.scandir(self.folder) as entries:
            return sorted((e for e in entries if not e.name.startswith(".") and not e.name.endswith(".tmp")
                           and not e.is_dir(follow_symlinks=False)), key=lambda e: e.name)

    def run(self, *, until_empty: bool = False, sleep: Callable[[float], None] | None = None) -> InboxStats:
        nap = sleep or self._wake.wait
        backoff = self.poll_s
        try:
            while not self._stop:
                try:
                    self.sweep()
                    backoff = self.poll_s
                except psycopg.OperationalError as err:
                    self.stats.retries += 1
                    log.warning("database unavailable (%s); the files wait, retry in %.0f s",
                                str(err).strip().splitlines()[0][:120] if str(err).strip() else "", backoff)
                    self._close()
                    nap(backoff)
                    backoff = min(backoff * 2, 30.0)
                    continue
                if until_empty:
                    break
                nap(self.poll_s)
        except Stopping:
            log.info("stopping: the import under way is rolled back, its file stays for the next start")
        finally:
            self._close()
        return self.stats

    def sweep(self) -> int:
        """Import every waiting file once; returns how many were handled."""
        handled = 0
        folder_fd = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            for entry in self.pending():
                if self._stop:
                    break
                self._one(folder_fd, entry)
                handled += 1
        finally:
            os.close(folder_fd)
        return handled

    def _one(self, folder_fd: int, entry: os.DirEntry[str]) -> None:
        path = Path(entry.path)
        kind = kind_of(entry.name)
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            return                                  # gone meanwhile
        if file_type(st) != "regular":               # never opened: a link is not followed, a FIFO not read
            return self._refuse(path, file_type(st), "not a regular file: never read")
        if kind is None:
            return self._refuse(path, "unknown_kind", "unknown file kind: expected *.tos.csv, *.edi, "
                                "*.hazmat.csv|json, *.gate.csv|json, *.berthplan.csv|json, *.direct.csv|json")
        conn = self._connection()             # (before counting an attempt: an outage is not the file's fault)
        tries = self._attempt(path, st)
        if tries > ATTEMPTS:
            return self._refuse(path, f"failed_{ATTEMPTS}_times", self._last_error(path))
        try:
            data, st = read_regular(folder_fd, entry.name)
            self._importing = True
            try:
                self.stats.rejected_rows += import_one(conn, path, kind, self.port_id, data,
                                                       datetime.fromtimestamp(st.st_mtime, tz=UTC))
                conn.commit()
            finally:
                self._importing = False
        except (psycopg.OperationalError, Stopping):
            self._forget_attempt(path, tries - 1)     # the database went away, or we were stopped: not the file's fault
            raise
        except Refusal as err:
            self._rollback(conn)
            return self._refuse(path, err.reason, err.detail)
        except Exception as err:        # a file that cannot be parsed, or a failure: refused or retried, never fatal
            self._rollback(conn)
            reason, detail = whole_file_reason(err)
            if reason != "failed":                  # cannot be parsed at all: no retry will change that
                return self._refuse(path, reason, detail)
            log.exception("%s: import failed (attempt %d of %d)", entry.name, tries, ATTEMPTS)
            self._note_error(path, tries, f"{type(err).__name__}: {err}")
            if tries >= ATTEMPTS:
                self._refuse(path, f"failed_{ATTEMPTS}_times", self._last_error(path))
            return None
        self._forget_attempt(path, 0)
        path.rename(self.done / path.name)
        self.stats.files[kind] += 1
        return None

    # --- attempts, counted on disk so that a worker that dies on a file does not replay it for ever --------
    def _attempt(self, path: Path, st: os.stat_result) -> int:
        """Count one more attempt at this version of the file (name, size, mtime); returns the count."""
        marker = self.attempts / path.name
        identity = f"{st.st_size}:{st.st_mtime_ns}"
        lines = marker.read_text(errors="replace").splitlines() if marker.is_file() else []
        tries = int(lines[0].split()[0]) + 1 if lines and lines[0].split()[1:] == [identity] else 1
        self._write(marker, f"{tries} {identity}\n" + "\n".join(lines[1:]))
        return tries

    def _note_error(self, path: Path, tries: int, error: str) -> None:
        marker = self.attempts / path.name
        first = marker.read_text(errors="replace").splitlines()[:1] if marker.is_file() else [f"{tries} ?"]
        self._write(marker, "\n".join([*first, " ".join(error.split())[:500]]) + "\n")

    def _last_error(self, path: Path) -> str:
        marker = self.attempts / path.name
        lines = marker.read_text(errors="replace").splitlines() if marker.is_file() else []
        last = lines[-1] if len(lines) > 1 else "the worker stopped while importing it"
        return f"failed {ATTEMPTS} times; last: {last}"

    def _forget_attempt(self, path: Path, tries: int) -> None:
        marker = self.attempts / path.name
        if tries <= 0:
            marker.unlink(missing_ok=True)
        elif marker.is_file():
            lines = marker.read_text(errors="replace").splitlines()
            self._write(marker, "\n".join([f"{tries} {lines[0].split(maxsplit=1)[1]}", *lines[1:]]) + "\n")

    @staticmethod
    def _write(path: Path, text: str) -> None:
        """Write a file of ours without following a link someone may have put in its place."""
        path.unlink(missing_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o640)
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as f:
            f.write(text)

    # --- refusals ---------------------------------------------------------------------------------------------
    def _refuse(self, path: Path, reason: str, detail: str) -> None:
        """Move a file (or the link, FIFO … itself, never what it points at) to failed/ with its .reason, and count
        the refusal with its reason."""
        log.error("%s: refused (%s): %s", safe_raw(path.name, 200), reason, safe_raw(detail, 300))
        try:
            path.rename(self.failed / path.name)
        except OSError as err:
            log.error("%s: cannot move it to failed/ (%s)", safe_raw(path.name, 200), err)
        self._write(self.failed / f"{path.name}.reason", f"{reason}: {detail}\n"[:2000])
        self._forget_attempt(path, 0)
        self.stats.failed += 1
        self._count(path, reason, detail)

    def _count(self, path: Path, reason: str, detail: str) -> None:
        """The refusal in ingest_reject and its count (source `inbox`), if the database is there."""
        try:
            conn = self._connection()
            query(conn, "ingest_rejects", ("inbox", reason, safe_raw(f"{path.name}: {detail}"), ""))
            query(conn, "ingest_reject_count", ("inbox", reason, 1))
            conn.commit()
        except psycopg.Error as err:
            log.warning("the refusal of %s is not counted (%s)", safe_raw(path.name, 200), str(err).strip()[:120])
            self._close()

    def _rollback(self, conn: psycopg.Connection[Any]) -> None:
        try:
            if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.rollback()
        except psycopg.Error:
            self._close()

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
