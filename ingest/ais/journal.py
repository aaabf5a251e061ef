"""The journal of a live AIS source: what a UDP listener or TCP client accepts is on disk before it is decoded.

A receiver thread appends each receive (a `#t <epoch s>` line, then its NMEA lines) to the newest segment
`<folder>/<source>.<seq>.nmea` with one `os.write`, so a `kill -9` of the worker loses nothing it accepted:
the page cache keeps it. The decoder reads the segments like a followed log file and its checkpoint
(segment identity, byte offset) is committed with the rows it covers, as for file replays; a restarted
worker reads on from there. After each commit the writer removes the segments the checkpoint has left
behind (`prune`). The spool's disk budget covers the journal: when it is used up, new lines are refused,
counted under `spool_full` and logged, rather than accepted and lost.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest.ais.sources import CHUNK_LINES, Chunk

log = logging.getLogger(__name__)
SEGMENT_BYTES = 32 << 20


def spool_bytes(root: Path) -> int:
    """Everything under the spool folder: spilled batches and journal segments."""
    total = 0
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            with contextlib.suppress(FileNotFoundError):          # pruned meanwhile
                total += os.stat(os.path.join(dirpath, name)).st_size
    return total


class SpoolBudget:
    """The disk the spool folder may use; measured at most once a second."""

    def __init__(self, root: Path, max_bytes: int | None) -> None:
        self.root, self.max_bytes = root, max_bytes
        self._checked = 0.0
        self._used = 0

    def used(self) -> int:
        if time.monotonic() - self._checked >= 1.0:
            self._used = spool_bytes(self.root) if self.root.exists() else 0
            self._checked = time.monotonic()
        return self._used

    def full(self, adding: int = 0) -> bool:
        return self.max_bytes is not None and self.used() + adding > self.max_bytes

    def grew(self, n: int) -> None:
        self._used += n


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def segment_seq(path: Path) -> int:
    return int(path.suffixes[-2].lstrip("."))


def identity_of(path: Path) -> str:
    with path.open("rb") as fh:
        return fh.readline().decode("ascii", "replace").strip()


def segments_of(folder: Path, prefix: str) -> list[Path]:
    """A source's journal segments, oldest first."""
    found = []
    for p in folder.glob(f"{prefix}.*.nmea"):
        with contextlib.suppress(ValueError):
            found.append((segment_seq(p), p))
    return [p for _, p in sorted(found)]


def prune(segment: str) -> int:
    """Remove the segments of the same source older than `segment` (its checkpoint is past them)."""
    path = Path(segment)
    if not path.name.endswith(".nmea"):
        return 0
    seq = segment_seq(path)
    removed = 0
    for old in segments_of(path.parent, path.name.rsplit(".", 2)[0]):
        if segment_seq(old) >= seq:
            break
        old.unlink(missing_ok=True)
        removed += 1
    return removed


class Journal:
    """Append-only segments for one live source."""

    def __init__(self, folder: Path, source: str, budget: SpoolBudget | None = None,
                 segment_bytes: int = SEGMENT_BYTES) -> None:
        self.folder, self.source = folder, source
        self.prefix = _slug(source)
        self.budget = budget
        # Several segments to a budget, so that committed ones free the disk while the rest waits.
        self.segment_bytes = min(segment_bytes, budget.max_bytes // 8) if budget and budget.max_bytes else segment_bytes
        self.refused = 0                       # lines refused because the spool's budget was used up
        self._last_refusal_log = 0.0
        self._fd: int | None = None
        self._size = 0
        self.seq = 0
        folder.mkdir(parents=True, exist_ok=True)

    def segments(self) -> list[Path]:
        return segments_of(self.folder, self.prefix)

    def _open_next(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
        existing = self.segments()
        self.seq = max(self.seq, segment_seq(existing[-1]) if existing else 0) + 1
        path = self.folder / f"{self.prefix}.{self.seq:08d}.nmea"
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o640)
        header = f"#journal {self.source} {self.seq} {uuid.uuid4().hex}\n".encode()
        os.write(self._fd, header)
        self._size = len(header)
        if self.budget is not None:
            self.budget.grew(len(header))

    def append(self, lines: list[bytes], at: datetime) -> bool:
        """One receive, on disk in one write; False (and counted) when the budget is used up."""
        if not lines:
            return True
        data = b"#t %.6f\n" % at.timestamp() + b"\n".join(line.rstrip(b"\r\n") for line in lines) + b"\n"
        opening = self._fd is None or self._size >= self.segment_bytes
        # a new segment starts with its header line (#journal <source> <seq> <uuid>): at most this long
        header = 64 + len(self.source.encode()) if opening else 0
        if self.budget is not None and self.budget.full(len(data) + header):
            self.refused += len(lines)
            self._size = self.segment_bytes     # start a new segment next time: this one can then be pruned
            if time.monotonic() - self._last_refusal_log > 10:
                self._last_refusal_log = time.monotonic()
                log.error("%s: the spool's disk budget (%s bytes under %s) is used up; refusing new lines "
                          "(%d so far) until the database takes the backlog", self.source, self.budget.max_bytes,
                          self.budget.root, self.refused)
            return False
        if opening:
            self._open_next()
        assert self._fd is not None
        os.write(self._fd, data)
        self._size += len(data)
        if self.budget is not None:
            self.budget.grew(len(data))
        return True

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def read(self, resume: tuple[int, str] | None, stop: Callable[[], bool]) -> Iterator[Chunk]:
        """Chunks from the checkpoint on (or from the oldest segment kept), following new appends."""
        segments = self.segments()
        index, offset = 0, None
        if resume is not None:
            for i, seg in enumerate(segments):
                if identity_of(seg) == resume[1]:
                    index, offset = i, resume[0]
                    break
        for old in segments[:index]:
            old.unlink(missing_ok=True)
        if segments:
            backlog = sum(p.stat().st_size for p in segments[index:]) - (offset or 0)
            if backlog > 0 and resume is not None:
                log.info("%s: reading %d bytes of journal not yet committed", self.source, max(backlog, 0))
        line_no = 0
        current = segments[index] if segments else None
        while not stop():
            if current is None:
                found = self.segments()
                if not found:
                    time.sleep(0.02)
                    continue
                current = found[0]
            for chunk in self._read_segment(current, offset, line_no, stop):
                line_no += len(chunk.lines)
                yield chunk
            if stop():
                return
            later = [p for p in self.segments() if segment_seq(p) > segment_seq(current)]
            current, offset = (later[0] if later else None), None

    def _read_segment(self, path: Path, offset: int | None, line_no: int,
                      stop: Callable[[], bool]) -> Iterator[Chunk]:
        """Until the segment is complete (a newer one exists and this one is read to its end)."""
        identity = identity_of(path)
        received: datetime | None = None
        with path.open("rb") as fh:
            if offset is None:
                fh.readline()
            else:
                fh.seek(offset)
                received = _time_before(path, offset)
            pos = fh.tell()
            while not stop():
                lines: list[bytes] = []
                for line in fh:
                    if not line.endswith(b"\n"):
                        fh.seek(pos)           # half-written: cannot happen with one os.write, but be safe
                        break
                    if line.startswith(b"#t "):
                        if lines:
                            fh.seek(pos)
                            break
                        received = datetime.fromtimestamp(float(line[3:]), UTC)
                        pos += len(line)
                        continue
                    lines.append(line)
                    pos += len(line)
                    if len(lines) >= CHUNK_LINES:
                        break
                if lines:
                    yield Chunk(self.source, lines, line_no, pos, received, identity, str(path))
                    line_no += len(lines)
                    continue
                newer = any(segment_seq(p) > segment_seq(path) for p in self.segments())
                if newer and fh.read(1) == b"":
                    return
                fh.seek(pos)
                time.sleep(0.02)


def _time_before(path: Path, offset: int) -> datetime | None:
    """The receive time that covers a resumed offset: the last `#t` line before it."""
    with path.open("rb") as fh:
        fh.seek(max(0, offset - (1 << 20)))
        head = fh.read(offset - fh.tell())
    at = head.rfind(b"\n#t ")
    if at < 0:
        return None
    line = head[at + 1:].split(b"\n", 1)[0]
    return datetime.fromtimestamp(float(line[3:]), UTC)


class Journaled:
    """A live source (UDP, TCP) whose receiver writes to a journal that the decoder then reads."""

    def __init__(self, source: Any, journal: Journal) -> None:
        self.source = source
        self.journal = journal
        self.resume: tuple[int, str] | None = None
        self.address = getattr(source, "address", None)

    @property
    def name(self) -> str:
        return str(self.source.name)

    def chunks(self, start_offset: int, stop: Callable[[], bool]) -> Iterator[Chunk]:
        receiver = threading.Thread(target=self._receive, args=(stop,), name=f"receive {self.name}", daemon=True)
        receiver.start()
        try:
            yield from self.journal.read(self.resume, stop)
        finally:
            receiver.join(timeout=2)
            self.journal.close()

    def _receive(self, stop: Callable[[], bool]) -> None:
        for chunk in self.source.chunks(0, stop):
            self.journal.append(chunk.lines, chunk.received_at or datetime.now(UTC))
