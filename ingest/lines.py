"""Line limits for the readers of streams and files: a line longer than the cap is cut, never held whole.

A reader hands on at most LINE_CAP + 1 bytes of any line, so the decoder can tell a cut line (refused as
`line_too_long`) from one that fits; the rest of it is read and dropped as it arrives.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

LINE_CAP = 4096       # bytes: an NMEA sentence is at most 82 characters, a tag block and several sentences fit
READ_BYTES = 1 << 16


def cut(line: bytes, cap: int = LINE_CAP) -> bytes:
    """The line as a reader hands it on: whole, or its first cap + 1 bytes."""
    return line if len(line) <= cap else line[:cap + 1]


def split_datagram(data: bytes, cap: int = LINE_CAP) -> list[bytes]:
    """The lines of one datagram (at most 64 KB), each cut to the cap."""
    lines = data.splitlines()
    return lines if len(data) <= cap else [cut(line, cap) for line in lines]


class LineSplitter:
    """Lines of a byte stream (TCP): holds at most cap + 1 bytes of an unfinished line, drops the rest of it."""

    def __init__(self, cap: int = LINE_CAP) -> None:
        self.cap = cap
        self.rest = b""
        self.dropping = False      # the unfinished line is already over the cap: its rest is dropped
        self.dropped = 0           # bytes dropped in all

    def feed(self, data: bytes) -> list[bytes]:
        """The lines `data` completes (without their newline), each cut to the cap."""
        *done, tail = data.split(b"\n")
        lines = []
        if done:
            lines.append(self._finish(done[0]))
            lines.extend(cut(line, self.cap) for line in done[1:])
            self.rest, self.dropping = b"", False
        self._hold(tail)
        return lines

    def _finish(self, head: bytes) -> bytes:
        if self.dropping:
            self.dropped += len(head)
            return self.rest
        line = self.rest + head
        if len(line) > self.cap:
            self.dropped += len(line) - self.cap - 1
            return line[:self.cap + 1]
        return line

    def _hold(self, tail: bytes) -> None:
        if self.dropping:
            self.dropped += len(tail)
            return
        held = self.rest + tail
        if len(held) > self.cap:
            self.dropped += len(held) - self.cap - 1
            held, self.dropping = held[:self.cap + 1], True
        self.rest = held

    def flush(self) -> bytes | None:
        """The unfinished line at the end of the stream, if any (cut as any other)."""
        line, self.rest, self.dropping = self.rest, b"", False
        return line or None


def capped_lines(fh: BinaryIO, cap: int = LINE_CAP) -> Iterator[tuple[bytes, int, bool]]:
    """Each line of a file cut to the cap: (the line with its newline if it had one, its length in the file,
    whether it ended with a newline). The rest of an overlong line is read in blocks and dropped."""
    while True:
        line = fh.readline(cap + 1)
        if not line:
            return
        size, whole = len(line), line.endswith(b"\n")
        if len(line) > cap and not whole:
            while True:
                more = fh.readline(READ_BYTES)
                size += len(more)
                if not more or more.endswith(b"\n"):
                    whole = bool(more)
                    break
        yield line, size, whole
