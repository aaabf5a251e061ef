"""Clients of vendors' long-lived event streams, over HTTP digest auth, reconnecting with back-off:
Hikvision `/ISAPI/Event/notification/alertStream` (multipart/mixed of EventNotificationAlert XML) and Dahua
`/cgi-bin/eventManager.cgi?action=attach&codes=[All]` (multipart of `Code=…;action=…;index=…;data={…}` text).
Each part is parsed on its own: a bad one is counted with its reason and the stream goes on."""

from __future__ import annotations

import contextlib
import io
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import requests
from requests.auth import HTTPDigestAuth

from ingest.camera import dahua, hikvision
from ingest.camera.multipart import MultipartError, Part, boundary_of, iter_parts
from ingest.camera.vendors import BatchWriter, Invalid, VendorEvent

log = logging.getLogger(__name__)
PART_MAX_BYTES = 512 * 1024
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 90.0           # a stream silent this long (no heartbeat) is dead: reconnect
BACKOFF_S = (1.0, 60.0)         # first and longest wait between connection attempts

Parser = Callable[[Part, str], list[VendorEvent]]


def hikvision_part(part: Part, host: str) -> list[VendorEvent]:
    if part.kind.startswith("image/"):
        return []               # pictures of the stream are not kept (the push path keeps them)
    return [hikvision.parse_alert(part.body or b"")]


def dahua_part(part: Part, host: str) -> list[VendorEvent]:
    return dahua.parse_body(part.body or b"", host)


@dataclass
class Login:
    user: str
    password: str


class EventStream:
    """One device's event stream into a BatchWriter, until stop()."""

    def __init__(self, url: str, login: Login, parse: Parser, writer: BatchWriter, device: str | None = None) -> None:
        if not login.user or not login.password:
            raise ValueError("an event stream needs the device's user and password (--stream-login)")
        self.url, self.login, self.parse, self.writer = url, login, parse, writer
        self.host = device or urlparse(url).hostname or ""
        self.stopping = threading.Event()
        self.sock: socket.socket | None = None
        self.connections = 0
        self.failures: dict[str, int] = {}

    def stop(self) -> None:
        """Ends run(): the connection's socket is shut down so the blocked read returns (closing the response
        from here would wait for the reading thread's buffer lock)."""
        self.stopping.set()
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_RDWR)

    def run(self) -> None:
        delay = BACKOFF_S[0]
        while not self.stopping.is_set():
            parts = self._session()
            delay = BACKOFF_S[0] if parts else min(delay * 2, BACKOFF_S[1])
            if not self.stopping.wait(delay):
                log.info("event stream %s: reconnecting", self.url)

    def _fail(self, reason: str, detail: str) -> int:
        self.failures[reason] = self.failures.get(reason, 0) + 1
        log.warning("event stream %s: %s (%s)", self.url, reason, detail[:160])
        return 0

    def _session(self) -> int:
        """One connection: the number of parts it gave (0: it failed at once, so back off further)."""
        try:
            resp = requests.get(self.url, auth=HTTPDigestAuth(self.login.user, self.login.password), stream=True,
                                timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S), headers={"Accept": "multipart/*"})
        except requests.RequestException as err:
            return self._fail("unreachable", str(err))
        fp = getattr(resp.raw, "_fp", None)           # http.client's response: its socket, for stop()
        self.sock = getattr(getattr(getattr(fp, "fp", None), "raw", None), "_sock", None)
        if self.stopping.is_set():
            resp.close()
            return 0
        try:
            if resp.status_code != 200:
                return self._fail("unauthorized" if resp.status_code == 401 else "http_error",
                                  f"HTTP {resp.status_code}")
            boundary = boundary_of(resp.headers.get("Content-Type", ""))
            if boundary is None:
                return self._fail("not_multipart", resp.headers.get("Content-Type", ""))
            self.connections += 1
            # http.client's response under urllib3's: its readline returns at a line's end (urllib3's read fills
            # whole buffers, which would hold a live stream's last part back until more bytes come)
            return self._read(getattr(resp.raw, "_fp", None) or io.BufferedReader(resp.raw, 65536), boundary)
        finally:
            self.sock = None
            resp.close()

    def _read(self, stream: Any, boundary: bytes) -> int:
        n = 0
        try:
            for part in iter_parts(stream, boundary, PART_MAX_BYTES):
                n += 1
                self._one(part)
        except MultipartError as err:
            self._fail("bad_multipart", str(err))
            self.writer.submit([], [("bad_multipart", str(err)[:200], b"")])
        except (requests.RequestException, OSError, ValueError) as err:     # the stream broke (or stop())
            if not self.stopping.is_set():
                self._fail("stream_lost", f"{type(err).__name__}: {err}")
        return max(n, 1) if n else 0

    def _one(self, part: Part) -> None:
        if part.body is None:
            self.writer.submit([], [("too_large", f"a part of {part.size} bytes (at most {PART_MAX_BYTES})",
                                     b"")])
            return
        try:
            events = self.parse(part, self.host)
        except Invalid as bad:
            self.writer.submit([], [(bad.args[0], bad.args[1], part.body)])
            return
        if events:
            self.writer.submit(events)
