"""Bounded multipart reading, for bodies (multipart/form-data) and long-lived streams (multipart/mixed, x-mixed-
replace) alike: each part's headers and body, a part over the cap skipped (and named so), never all in memory."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

MAX_LINE = 8192             # a header line, or a line of a body without Content-Length
MAX_HEADERS = 32
BOUNDARY = re.compile(r'boundary="?([^";,\s]{1,200})"?', re.I)


class MultipartError(Exception):
    """The stream is not multipart any more (a header flood, a line without end): give up on it."""


@dataclass(frozen=True)
class Part:
    headers: dict[str, str]          # lower-case names
    body: bytes | None               # None: over the cap (skipped)
    size: int

    @property
    def kind(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def name(self) -> str:
        found = re.search(r'name="([^"]*)"', self.headers.get("content-disposition", ""))
        return found.group(1) if found else ""


def boundary_of(content_type: str) -> bytes | None:
    found = BOUNDARY.search(content_type or "")
    return found.group(1).encode("latin-1") if found else None


def iter_parts(f: BinaryIO, boundary: bytes, max_part: int) -> Iterator[Part]:
    """The parts of a multipart body or stream read from `f` (which must have readline and read)."""
    delim = b"--" + boundary
    while True:                       # the preamble, up to the first delimiter
        line = _line(f)
        if not line or line.strip() == delim + b"--":
            return
        if line.strip() == delim:
            break
    while True:
        headers = _headers(f)
        if headers is None:
            return
        length = headers.get("content-length", "")
        if length.strip().isdigit():          # yielded at once: a live stream's part is not held back until
            body, size = _sized(f, int(length), max_part)        # the next one begins
            yield Part(headers, body, size)
            if not _to_delimiter(f, delim):
                return
        else:
            body, size, last = _until(f, delim, max_part)
            yield Part(headers, body, size)
            if last:
                return


def _line(f: BinaryIO) -> bytes:
    line = f.readline(MAX_LINE)
    if len(line) >= MAX_LINE and not line.endswith(b"\n"):
        raise MultipartError(f"a line over {MAX_LINE} bytes where headers or a delimiter belong")
    return line


def _headers(f: BinaryIO) -> dict[str, str] | None:
    headers: dict[str, str] = {}
    while True:
        line = _line(f)
        if not line:
            return None
        if not line.strip():
            if headers:
                return headers
            continue                  # blank lines between parts (Dahua sends them)
        name, sep, value = line.decode("latin-1").partition(":")
        if not sep:
            raise MultipartError(f"not a part header: {line[:60]!r}")
        headers[name.strip().lower()] = value.strip()
        if len(headers) > MAX_HEADERS:
            raise MultipartError(f"over {MAX_HEADERS} headers in one part")


def _sized(f: BinaryIO, length: int, max_part: int) -> tuple[bytes | None, int]:
    """A part with its Content-Length: read (or skipped, when over the cap)."""
    chunks, left = [], length
    while left:
        chunk = f.read(min(left, 65536))
        if not chunk:
            raise MultipartError(f"the stream ended inside a part ({length - left} of {length} bytes)")
        left -= len(chunk)
        if length <= max_part:
            chunks.append(chunk)
    return (b"".join(chunks) if length <= max_part else None), length


def _to_delimiter(f: BinaryIO, delim: bytes) -> bool:
    """Past the CRLF after a sized part up to the next delimiter: True if another part follows."""
    while True:
        line = _line(f)
        if not line:
            return False
        if line.strip() in (delim, delim + b"--"):
            return line.strip() == delim
        if line.strip():
            raise MultipartError("bytes after a part's Content-Length before the next delimiter")


def _until(f: BinaryIO, delim: bytes, max_part: int) -> tuple[bytes | None, int, bool]:
    """A part without Content-Length: up to the next delimiter line (its CRLF is the delimiter's)."""
    chunks: list[bytes] = []
    size, last = 0, True
    while True:
        line = f.readline(65536)
        if not line:
            break
        if line.startswith(delim) and line.strip() in (delim, delim + b"--"):
            last = line.strip() != delim
            break
        size += len(line)
        if size <= max_part + 2:
            chunks.append(line)
    if size > max_part + 2:
        return None, size, last
    body = b"".join(chunks)
    body = body[:-2] if body.endswith(b"\r\n") else body[:-1] if body.endswith(b"\n") else body
    return body, len(body), last
