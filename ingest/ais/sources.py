"""Where NMEA lines come from: log files (with checkpoints), UDP datagrams, TCP streams."""

from __future__ import annotations

import hashlib
import logging
import socket
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ingest.lines import LineSplitter, capped_lines, split_datagram

log = logging.getLogger(__name__)
CHUNK_LINES = 2000


@dataclass
class Chunk:
    """Lines read together from one source; for files, the byte offset after the last one."""

    source: str
    lines: list[bytes]
    first_line_no: int
    end_offset: int | None = None
    received_at: datetime | None = None      # live sources: when the datagram or read arrived
    identity: str | None = None              # journal segments: which segment end_offset is in
    journal: str | None = None               # journal segments: its path (pruned once committed past)


def file_identity(path: Path) -> str:
    """A file is the same file if its inode and first KB are: a rotated log starts over."""
    st = path.stat()
    with path.open("rb") as fh:
        head = hashlib.sha256(fh.read(1024)).hexdigest()[:16]
    return f"{st.st_dev}:{st.st_ino}:{head}"


class FileSource:
    """Lines of a log file from a byte offset; `follow` keeps reading what is appended (like tail -f)."""

    def __init__(self, path: Path, station: str, *, follow: bool = False, chunk_lines: int = CHUNK_LINES) -> None:
        self.path = path
        self.chunk_lines = chunk_lines
        self.station = station
        self.follow = follow
        self.identity = file_identity(path)
        self.mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)

    @property
    def name(self) -> str:
        return f"ais:file:{self.station}"

    def chunks(self, start_offset: int, stop: Callable[[], bool]) -> Iterator[Chunk]:
        with self.path.open("rb") as fh:
            line_no = _count_lines(fh, start_offset)
            fh.seek(start_offset)
            offset = start_offset
            while not stop():
                lines: list[bytes] = []
                first = line_no
                for line, size, whole in capped_lines(fh):     # a line over the cap is cut, not held
                    if not whole and self.follow:
                        fh.seek(offset)          # a half-written line: wait for the rest
                        break
                    lines.append(line)
                    offset += size
                    line_no += 1
                    if len(lines) >= self.chunk_lines:
                        break
                if lines:
                    yield Chunk(self.name, lines, first, offset)
                elif self.follow:
                    time.sleep(0.05)
                else:
                    return


def _count_lines(fh: object, upto: int) -> int:
    if upto == 0:
        return 0
    count = 0
    remaining = upto
    while remaining > 0:
        block = fh.read(min(1 << 20, remaining))  # type: ignore[attr-defined]
        if not block:
            break
        count += block.count(b"\n")
        remaining -= len(block)
    return count


class UdpSource:
    """NMEA datagrams as AIS receivers and dispatchers forward them; one datagram may hold several lines."""

    def __init__(self, host: str, port: int, station: str) -> None:
        self.station = station
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sock.bind((host, port))
        self.sock.settimeout(0.2)
        self.address = self.sock.getsockname()

    @property
    def name(self) -> str:
        return f"ais:udp:{self.station}"

    def chunks(self, start_offset: int, stop: Callable[[], bool]) -> Iterator[Chunk]:
        line_no = 0
        while not stop():
            lines: list[bytes] = []
            deadline = time.monotonic() + 0.05
            while len(lines) < CHUNK_LINES and time.monotonic() < deadline:
                try:
                    data = self.sock.recv(65535)
                except TimeoutError:
                    break
                lines.extend(split_datagram(data))
            if lines:
                yield Chunk(self.name, lines, line_no, None, datetime.now(UTC))
                line_no += len(lines)
        lines = self._drain()           # stopping: what is already in the socket's buffer is accepted
        if lines:
            yield Chunk(self.name, lines, line_no, None, datetime.now(UTC))
        self.sock.close()

    def _drain(self, most: int = 20_000) -> list[bytes]:
        self.sock.setblocking(False)
        lines: list[bytes] = []
        for _ in range(most):
            try:
                lines.extend(split_datagram(self.sock.recv(65535)))
            except (BlockingIOError, InterruptedError):
                break
        return lines


class TcpSource:
    """A TCP client to a receiver or aggregator, reconnecting with capped backoff; a feed silent for `idle_s`
    (a half-open connection: the peer vanished without a FIN) is dropped and dialled again."""

    def __init__(self, host: str, port: int, station: str, idle_s: float = 60.0) -> None:
        self.host, self.port, self.station, self.idle_s = host, port, station, idle_s
        self.refusals: Counter[str] = Counter()

    @property
    def name(self) -> str:
        return f"ais:tcp:{self.station}"

    def chunks(self, start_offset: int, stop: Callable[[], bool]) -> Iterator[Chunk]:
        backoff = 0.5
        line_no = 0
        while not stop():
            try:
                with socket.create_connection((self.host, self.port), timeout=5) as conn:
                    conn.settimeout(0.2)
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
                    backoff = 0.5
                    log.info("connected to %s:%s", self.host, self.port)
                    splitter = LineSplitter()          # a line over the cap is cut, not held whole
                    heard = time.monotonic()
                    while not stop():
                        try:
                            data = conn.recv(1 << 16)
                        except TimeoutError:
                            if time.monotonic() - heard > self.idle_s:
                                self.refusals["tcp_idle_timeout"] += 1
                                raise ConnectionError(f"silent for {self.idle_s:.0f} s") from None
                            continue
                        heard = time.monotonic()
                        if not data:
                            raise ConnectionError("closed by peer")
                        lines = splitter.feed(data)
                        if lines:
                            yield Chunk(self.name, lines, line_no, None, datetime.now(UTC))
                            line_no += len(lines)
            except OSError as err:
                log.warning("%s:%s: %s; reconnecting in %.1f s", self.host, self.port, err, backoff)
                deadline = time.monotonic() + backoff
                while time.monotonic() < deadline and not stop():
                    time.sleep(0.05)
                backoff = min(backoff * 2, 30.0)


def parse_address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host or "0.0.0.0", int(port)

