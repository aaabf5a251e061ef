"""The phone trackers' HTTP listener (`python -m ingest trackers --http HOST:PORT`): the OsmAnd / Traccar Client
protocol, GET or POST, query form or JSON body, into person_position and person_latest.

Every request carries its device's token (`?token=` in the server URL the phone is given, or `Authorization:
Bearer`): an HMAC of the device id under the listener's secret (`python -m ingest trackers --token-for DEVICE`
prints it), so one leaked phone cannot speak for another. 200 only once the position is committed; 503 while the
database is away (the client keeps the position and sends it again); 400 with the reason for a bad one, counted
and kept. Reads have timeouts, bodies a size cap, and at most MAX_CONNECTIONS are served at once.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import socket
import threading
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from ingest.batchwriter import BatchWriter
from ingest.httpslots import SlotLimited
from ingest.limits import InputRefused
from ingest.trackers import osmand
from portdomain.secrets import tracker_token

log = logging.getLogger(__name__)
READ_TIMEOUT_S = 5.0
COMMIT_WAIT_S = 10.0
CONNECTION_DEADLINE_S = 20.0    # no connection lives longer (a request trickled a byte at a time is cut off)
MAX_CONNECTIONS = 64
BUSY = (b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
        b"Content-Length: 17\r\nConnection: close\r\n\r\n{\"error\":\"busy\"}\n")


def device_token(secret: bytes, device_id: str) -> str:
    return tracker_token(secret, device_id)


class TrackerServer(SlotLimited, ThreadingHTTPServer):
    daemon_threads = True
    busy_reply = BUSY
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], writer: BatchWriter, secret: bytes, retention_days: int = 7,
                 deadline_s: float = CONNECTION_DEADLINE_S) -> None:
        if not secret:
            raise ValueError("the tracker listener needs a secret for its device tokens")
        super().__init__(address, Handler)
        self.writer, self.secret, self.retention_days, self.deadline_s = writer, secret, retention_days, deadline_s
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        cut = threading.Timer(self.deadline_s, _cut_off, (request,))
        cut.daemon = True
        cut.start()
        try:
            super().process_request_thread(request, client_address)
        finally:
            cut.cancel()
            self.slots.release()

    def store(self, fix: osmand.Fix) -> bool | None:
        """Queue a fix and wait for its commit: True stored, False refused by the database, None not in time."""
        committed = threading.Event()
        result: list[bool] = []

        def done(ok: bool) -> None:
            result.append(ok)
            committed.set()

        if not self.writer.offer((fix, datetime.now(UTC)), done):
            return None
        return result[0] if committed.wait(COMMIT_WAIT_S) else None


def _cut_off(sock: Any) -> None:
    """A connection past its deadline: its handler's next read ends at once."""
    log.info("trackers: a connection past its deadline is cut off")
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class Handler(BaseHTTPRequestHandler):
    server: TrackerServer
    timeout = READ_TIMEOUT_S
    default_request_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._handle(b"")

    def do_POST(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or "0")
        except ValueError:
            length = -1
        if not 0 <= length <= osmand.MAX_BODY or self.headers.get("Transfer-Encoding"):
            self._refuse("bad_length", f"Content-Length {self.headers.get('Content-Length')!r}", b"",
                         HTTPStatus.REQUEST_ENTITY_TOO_LARGE if length > osmand.MAX_BODY else HTTPStatus.BAD_REQUEST)
            return
        try:
            body = self.rfile.read(length)
        except TimeoutError:
            self._refuse("slow_body", "", b"", HTTPStatus.REQUEST_TIMEOUT)
            return
        self._handle(body)

    def _handle(self, body: bytes) -> None:
        url = urlparse(self.path)
        try:
            fix = self._decode(url.query, body)
        except InputRefused as err:
            self._refuse(err.reason, err.detail, (self.path.encode("utf-8", "replace") + b" " + body)[:4096])
            return
        token = parse_qs(url.query).get("token", [""])[-1] or self.headers.get("Authorization", "").removeprefix(
            "Bearer ").strip()
        expected = device_token(self.server.secret, fix.device_id)
        if not hmac.compare_digest(token.encode("utf-8", "replace"), expected.encode()):
            self._refuse("unauthorized", f"device {fix.device_id}", b"", HTTPStatus.UNAUTHORIZED)
            return
        now = datetime.now(UTC)
        if fix.observed_at > now + timedelta(minutes=15):
            self._refuse("future_time", fix.observed_at.isoformat(), self.path.encode()[:4096])
            return
        if fix.observed_at < now - timedelta(days=self.server.retention_days):
            self._refuse("older_than_retention", fix.observed_at.isoformat(), self.path.encode()[:4096])
            return
        stored = self.server.store(fix)
        if stored is None:
            self._reply(HTTPStatus.SERVICE_UNAVAILABLE, {"error": "not_stored", "retry": True})
        else:
            self._reply(HTTPStatus.OK if stored else HTTPStatus.BAD_REQUEST,
                        {"result": "stored"} if stored else {"error": "refused_by_database"})

    def _decode(self, query: str, body: bytes) -> osmand.Fix:
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if body and kind == "application/json":
            return osmand.from_json(body)
        if body and "lat=" not in query:            # a form body (application/x-www-form-urlencoded)
            try:
                query = f"{query}&{body.decode('utf-8')}" if query else body.decode("utf-8")
            except UnicodeDecodeError as err:
                raise InputRefused("bad_encoding", f"not UTF-8 at byte {err.start}") from err
        return osmand.from_query(query)

    def _refuse(self, reason: str, detail: str, raw: bytes, status: HTTPStatus = HTTPStatus.BAD_REQUEST) -> None:
        self.server.writer.reject(reason, f"{self.address_string()}: {detail}", raw)
        log.info("trackers: refused %s from %s: %s", reason, self.address_string(), detail[:120])
        self._reply(status, {"error": reason})

    def _reply(self, status: HTTPStatus, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode() + b"\n"
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass
        self.close_connection = True
