"""Decode one log file in several processes: chunks cut where no message spans the cut, committed in order.

A replay is decode-bound (pyais does most of the work), so a file is read here in chunks of whole
messages, each chunk is decoded by the next free decoder process, and the writer commits the
results in file order, each with the checkpoint of its last byte. A chunk starts with the stream clock of
the lines before it (ingest.ais.clock, rule 4: the last tag block `c:`, receiver metadata time, `$PGHP`
or `$xxRMC`; the file's first clock for the first chunk), so each line gets the clock a single decoder
would have given it.
"""

from __future__ import annotations

import logging
import re
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ingest.ais import clock
from ingest.ais.batch import Batch, Checkpoint
from ingest.ais.options import CHUNK_BYTES
from ingest.ais.sources import FileSource, _count_lines

log = logging.getLogger(__name__)
FRAGMENT_RE = re.compile(rb"VD[MO],(\d),(\d),")
CLOCK_HINT_RE = re.compile(rb"c:\d|\$PGHP,|RMC,|\*[0-9A-Fa-f]{2},\S|rxuxtime")
CARRY_CHUNKS = 4       # a chunk is cut anyway after this many blocks without a message's end (memory bound)


@dataclass
class Task:
    seq: int
    first_line_no: int
    start: int                # byte range [start, end) of whole lines; the decoder reads it itself
    end: int
    clock: datetime | None    # the stream clock at the chunk's start (from the lines before it)


def _ends_a_message(line: bytes) -> bool:
    """True when the line's last AIS sentence is the last fragment of its message (or a single one)."""
    found = FRAGMENT_RE.findall(line)
    return bool(found) and found[-1][0] == found[-1][1]


def _cut(block: bytes, at_eof: bool) -> int:
    """Where to end a chunk in `block`: after the last line that ends a message (or at the end of file)."""
    if at_eof:
        return len(block)
    end = block.rfind(b"\n") + 1
    while end > 0:
        start = block.rfind(b"\n", 0, end - 1) + 1
        if _ends_a_message(block[start:end]):
            return end
        end = start
    return 0


def tasks(source: FileSource, start_offset: int, stop: Callable[[], bool],
          chunk_bytes: int = CHUNK_BYTES) -> Iterator[Task]:
    """Chunks of whole messages as byte ranges; this process only reads blocks and counts newlines."""
    with source.path.open("rb") as fh:
        line_no = _count_lines(fh, start_offset)
        fh.seek(start_offset)
        offset, seq, carry = start_offset, 0, b""
        stream_clock = clock.first_clock(source.path)
        while not stop():
            data = fh.read(chunk_bytes)
            block = carry + data
            if not block:
                return
            cut = _cut(block, at_eof=not data)
            if cut == 0 and len(block) < CARRY_CHUNKS * chunk_bytes:    # no message ends in this block: read on
                carry = block
                continue
            if cut == 0:       # none in several blocks either (junk, a line of megabytes): cut at a line, or here
                cut = block.rfind(b"\n") + 1 or len(block)
            chunk, carry = block[:cut], block[cut:]
            yield Task(seq, line_no, offset, offset + cut, stream_clock)
            stream_clock = last_clock(chunk) or stream_clock
            seq, offset, line_no = seq + 1, offset + cut, line_no + chunk.count(b"\n")
            if not data and not carry:
                return


def last_clock(chunk: bytes) -> datetime | None:
    """The clock the chunk's last clocked line sets (looked for from the end; most lines of a clocked
    stream have one, and a chunk with no hint of a clock is not split at all)."""
    if not CLOCK_HINT_RE.search(chunk):
        return None
    end = len(chunk)
    while end > 0:
        start = chunk.rfind(b"\n", 0, end - 1) + 1
        stamp = clock.clock_of_line(chunk[start:end])
        if stamp is not None:
            return stamp
        end = start
    return None


def decoder_main(todo: Any, results: Any, counts: Any, path: str, source: str, identity: str,
                 synthetic_start: datetime | None, fast_path: bool = False) -> None:
    """A decoder process: chunks in, (seq, batch) out to the writer, (lines, messages) to the parent."""
    from ingest.ais.decoder import Memo, StreamDecoder  # pyais: here, not in the parent that cuts chunks
    from ingest.ais.fastpath import FastDecoder
    from portdomain.runtime import settle_gc

    settle_gc()
    for sig in (signal.SIGTERM, signal.SIGINT):     # the parent stops it (None), after the writer's last batch
        signal.signal(sig, signal.SIG_IGN)
    memo = Memo()       # what one chunk learnt (flags, static reports, vessels announced) serves the next
    with open(path, "rb") as fh:
        while True:
            task: Task | None = todo.get()
            if task is None:
                results.put(None)
                return
            fh.seek(task.start)
            data = fh.read(task.end - task.start)
            decoder = StreamDecoder(source, synthetic_start=synthetic_start, memo=memo)
            decoder.carry(task.clock)
            if fast_path:
                fast = FastDecoder(decoder)
                n_lines = fast.feed_chunk(data, task.first_line_no)
                fast.finish()
                out = fast.take()
            else:
                lines = data.splitlines(keepends=True)
                n_lines = len(lines)
                for i, line in enumerate(lines):
                    try:
                        decoder.feed(line, task.first_line_no + i)
                    except Exception as err:  # noqa: BLE001  (a line the decoder cannot classify: refused alone)
                        decoder.refuse(line, err)
                decoder.finish()
                out = decoder.take()
            batch = Batch()
            batch.add(out, source)
            batch.checkpoints[source] = Checkpoint(source, task.end, identity)
            results.put((task.seq, batch))
            counts.put((n_lines, out.messages, dict(out.reasons)))
