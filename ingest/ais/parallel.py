"""Decode one log file in several processes: chunks cut where no message spans the cut, committed in order.

A replay is decode-bound (pyais does most of the work), so a file is read here in chunks of whole
messages, each chunk is decoded by the next free decoder process, and the writer commits the
results in file order, each with the checkpoint of its last byte. A chunk starts with the file's
last `$xxRMC` line before it, so a log clocked by its GPS receiver keeps its clock.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ingest.ais.decoder import StreamDecoder
from ingest.ais.sources import FileSource, _count_lines
from ingest.ais.writer import Batch, Checkpoint

log = logging.getLogger(__name__)
FRAGMENT_RE = re.compile(rb"VD[MO],(\d),(\d),")
RMC_RE = re.compile(rb"^\s*\$[A-Z]{2}RMC,")
CHUNK_LINES = 5000


@dataclass
class Task:
    seq: int
    first_line_no: int
    lines: list[bytes]
    end_offset: int
    context: list[bytes]      # clock lines (the last $xxRMC) from before the chunk


def _ends_a_message(line: bytes) -> bool:
    """True when the line's last AIS sentence is the last fragment of its message (or a single one)."""
    found = FRAGMENT_RE.findall(line)
    return bool(found) and found[-1][0] == found[-1][1]


def tasks(source: FileSource, start_offset: int, stop: Callable[[], bool],
          chunk_lines: int = CHUNK_LINES) -> Iterator[Task]:
    with source.path.open("rb") as fh:
        line_no = _count_lines(fh, start_offset)
        fh.seek(start_offset)
        offset, seq, rmc = start_offset, 0, b""
        lines: list[bytes] = []
        first = line_no
        for line in fh:
            lines.append(line)
            offset += len(line)
            line_no += 1
            if len(lines) >= chunk_lines and _ends_a_message(line):
                yield Task(seq, first, lines, offset, [rmc] if rmc else [])
                rmc = next((ln for ln in reversed(lines) if RMC_RE.match(ln)), rmc)
                seq, first, lines = seq + 1, line_no, []
                if stop():
                    return
        if lines:
            yield Task(seq, first, lines, offset, [rmc] if rmc else [])


def decoder_main(todo: Any, results: Any, counts: Any, source: str, identity: str,
                 synthetic_start: datetime | None) -> None:
    """A decoder process: chunks in, (seq, batch) out to the writer, (lines, messages) to the parent."""
    while True:
        task: Task | None = todo.get()
        if task is None:
            results.put(None)
            return
        decoder = StreamDecoder(source, synthetic_start=synthetic_start)
        for line in task.context:
            decoder.feed(line, task.first_line_no)
        decoder.take()                       # the context sets the clock; its counts belong to an earlier chunk
        for i, line in enumerate(task.lines):
            decoder.feed(line, task.first_line_no + i)
        decoder.finish()
        out = decoder.take()
        batch = Batch()
        batch.add(out, source)
        batch.checkpoints[source] = Checkpoint(source, task.end_offset, identity)
        results.put((task.seq, batch))
        counts.put((len(task.lines), out.messages, dict(out.reasons)))
