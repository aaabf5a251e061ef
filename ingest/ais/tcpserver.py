"""A TCP listener for receivers that push NMEA (`--tcp-listen`): many clients, none able to stall the others.

One thread serves every connection through a selector, reading what each has ready (at most 64 KB a turn), so
a slow sender or one that stops mid-line costs the others nothing. Per connection: lines are cut at the line
cap (ingest.lines: a client that sends a megabyte without a newline is held to 4 KB), a connection silent for
`idle_s` is closed (a half-open peer that vanished without a FIN), and when `max_connections` are open the one
silent the longest is closed to let a new one in. Each of these is counted by reason in `refusals`.
"""

from __future__ import annotations

import logging
import selectors
import socket
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ingest.ais.sources import Chunk
from ingest.lines import LineSplitter

log = logging.getLogger(__name__)
IDLE_S = 60.0
MAX_CONNECTIONS = 64


@dataclass
class _Client:
    sock: socket.socket
    peer: str
    splitter: LineSplitter = field(default_factory=LineSplitter)
    heard_at: float = field(default_factory=time.monotonic)


class TcpListenSource:
    """Accepts receivers' connections on HOST:PORT and reads NMEA lines from all of them as one source."""

    def __init__(self, host: str, port: int, station: str, *, idle_s: float = IDLE_S,
                 max_connections: int = MAX_CONNECTIONS) -> None:
        self.station, self.idle_s, self.max_connections = station, idle_s, max_connections
        self.server = socket.create_server((host, port), reuse_port=False, backlog=128)
        self.server.setblocking(False)
        self.address = self.server.getsockname()
        self.refusals: Counter[str] = Counter()
        self.clients: dict[int, _Client] = {}

    @property
    def name(self) -> str:
        return f"ais:tcp-in:{self.station}"

    def chunks(self, start_offset: int, stop: Callable[[], bool]) -> Iterator[Chunk]:
        sel = selectors.DefaultSelector()
        sel.register(self.server, selectors.EVENT_READ)
        line_no = 0
        try:
            while not stop():
                lines: list[bytes] = []
                for key, _ in sel.select(timeout=0.2):
                    if key.fileobj is self.server:
                        self._accept(sel)
                    elif (client := self.clients.get(key.fd)) is not None:     # not closed meanwhile
                        lines += self._read(sel, client)
                self._expire(sel)
                if lines:
                    yield Chunk(self.name, lines, line_no, None, datetime.now(UTC))
                    line_no += len(lines)
            lines = self._drain(sel)
            if lines:
                yield Chunk(self.name, lines, line_no, None, datetime.now(UTC))
        finally:
            for client in list(self.clients.values()):
                self._close(sel, client, None)
            sel.close()
            self.server.close()

    def _drain(self, sel: selectors.BaseSelector) -> list[bytes]:
        """Stopping: what the clients have already sent (in the kernel's buffers) is read, not reset away."""
        for _ in range(self.max_connections):
            if not self._accept(sel):
                break
        lines: list[bytes] = []
        for client in list(self.clients.values()):
            for _ in range(16):                       # at most 1 MB a client
                got = self._read(sel, client)
                if not got and (client.sock.fileno() not in self.clients or not self._readable(client)):
                    break
                lines += got
        return lines

    @staticmethod
    def _readable(client: _Client) -> bool:
        sel = selectors.DefaultSelector()
        try:
            sel.register(client.sock, selectors.EVENT_READ)
            return bool(sel.select(timeout=0))
        finally:
            sel.close()

    def _accept(self, sel: selectors.BaseSelector) -> bool:
        try:
            sock, peer = self.server.accept()
        except (BlockingIOError, InterruptedError):
            return False
        except OSError as err:          # out of file descriptors, say: the clients already in go on
            log.warning("%s: accept failed: %s", self.name, err)
            return False
        if len(self.clients) >= self.max_connections:
            quietest = min(self.clients.values(), key=lambda c: c.heard_at)
            self._close(sel, quietest, "tcp_evicted")
        sock.setblocking(False)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        client = _Client(sock, f"{peer[0]}:{peer[1]}")
        self.clients[sock.fileno()] = client
        sel.register(sock, selectors.EVENT_READ)
        log.info("%s: %s connected (%d open)", self.name, client.peer, len(self.clients))
        return True

    def _read(self, sel: selectors.BaseSelector, client: _Client) -> list[bytes]:
        try:
            data = client.sock.recv(1 << 16)
        except (BlockingIOError, InterruptedError):
            return []
        except OSError as err:
            log.info("%s: %s: %s", self.name, client.peer, err)
            data = b""
        if not data:
            last = client.splitter.flush()
            self._close(sel, client, None)
            return [last] if last else []
        client.heard_at = time.monotonic()
        return client.splitter.feed(data)

    def _expire(self, sel: selectors.BaseSelector) -> None:
        due = time.monotonic() - self.idle_s
        for client in [c for c in self.clients.values() if c.heard_at < due]:
            self._close(sel, client, "tcp_idle_timeout")

    def _close(self, sel: selectors.BaseSelector, client: _Client, reason: str | None) -> None:
        self.clients.pop(client.sock.fileno(), None)
        sel.unregister(client.sock)
        client.sock.close()
        if client.splitter.dropped:
            log.warning("%s: %s sent lines over the line cap (%d bytes dropped)", self.name, client.peer,
                        client.splitter.dropped)
        if reason is not None:
            self.refusals[reason] += 1
            log.warning("%s: closed %s (%s)", self.name, client.peer, reason)
