"""`POST /api/v1/camera-events`: camera events from other video systems (JSON) and ONVIF event XML.

Token auth (`Authorization: Bearer …`, from PORTMAP_WEBHOOK_TOKEN); every refusal is a 4xx with a JSON
reason (400 a bad body, Content-Length or JSON, 408 a body too slow to arrive, 413 one too large); 200 only
for what was stored; a database outage is a 503, so the sender retries and nothing it was told was accepted is
lost. Every connection has socket timeouts and a deadline, and at most MAX_CONNECTIONS are served at once (more
are answered 503 at once), so stalled or trickling senders cannot hold a thread each, nor for long.
"""

from __future__ import annotations

import base64
import contextlib
import hmac
import io
import json
import logging
import socket
import threading
import time
from collections import Counter
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import psycopg

from ingest.camera import hikvision, vendors
from ingest.camera.frigate import Invalid
from ingest.camera.multipart import MultipartError, boundary_of, iter_parts
from ingest.camera.onvif import MAX_BYTES, parse_notifications
from ingest.camera.store import CameraStore
from ingest.feeds import record_batch
from ingest.httpslots import SlotLimited
from ingest.limits import InputRefused, loads_json, safe_raw
from sql import DbSettings, connect, query

log = logging.getLogger(__name__)
PATH = "/api/v1/camera-events"
STATUS = {"stored": HTTPStatus.OK, "unknown_camera": HTTPStatus.UNPROCESSABLE_ENTITY,
          "refused_by_database": HTTPStatus.UNPROCESSABLE_ENTITY}
READ_TIMEOUT_S = 5.0        # per read of the request line, headers and body
BODY_DEADLINE_S = 10.0      # the whole body must have arrived by then (a sender trickling bytes gets 408)
CONNECTION_DEADLINE_S = 20.0    # no connection lives longer (headers trickled a byte at a time are cut off)
MULTIPART_MAX_BYTES = 2 << 20   # a Hikvision push with its picture (the picture itself is kept up to 512 KB)
VENDOR_WAIT_S = 10.0        # a vendor push is answered 503 if its batch is not committed by then
MAX_CONNECTIONS = 32        # served at once; the others are answered 503 without a thread
BUSY = (b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
        b"Content-Length: 33\r\nConnection: close\r\n\r\n{\"error\": \"busy\", \"retry\": true}\n")


class Refused(Exception):
    """A request answered with `status` and `body` (raised where a transaction must roll back)."""

    def __init__(self, status: HTTPStatus, body: dict[str, Any]) -> None:
        super().__init__(status, body)
        self.status, self.body = status, body


class WebhookServer(SlotLimited, ThreadingHTTPServer):
    daemon_threads = True
    busy_reply = BUSY
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], db: DbSettings, port_id: str, token: str) -> None:
        if not token:
            raise ValueError("the camera webhook needs a token (PORTMAP_WEBHOOK_TOKEN)")
        super().__init__(address, Handler)
        self.db, self.port_id, self.token = db, port_id, token
        self.lock = threading.Lock()
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self.conn: psycopg.Connection[Any] | None = None
        self.vendor: vendors.BatchWriter | None = None
        self.live: dict[socket.socket, float] = {}       # connection -> when it is cut off
        self.live_lock = threading.Lock()
        self.closing = threading.Event()
        threading.Thread(target=self._reap, name="webhook-reaper", daemon=True).start()

    def _reap(self) -> None:
        """Once a second, cut off every connection past its deadline: its handler's next read ends at once."""
        while not self.closing.wait(1.0):
            now = time.monotonic()
            with self.live_lock:
                late = [s for s, deadline in self.live.items() if deadline < now]
            for s in late:
                log.info("camera webhook: a connection past %.0f s is cut off", CONNECTION_DEADLINE_S)
                with contextlib.suppress(OSError):      # (it may have just ended)
                    s.shutdown(socket.SHUT_RDWR)

    def server_close(self) -> None:
        self.closing.set()
        if self.vendor is not None:
            self.vendor.stop()
        super().server_close()

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self.live_lock:
            self.live[request] = time.monotonic() + CONNECTION_DEADLINE_S
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self.live_lock:
                self.live.pop(request, None)
            self.slots.release()

    def store(self, source: str) -> CameraStore:
        if self.conn is None or self.conn.closed:
            self.conn = connect(self.db)
        return CameraStore(self.conn, self.port_id, source)

    def vendor_writer(self) -> vendors.BatchWriter:
        """Hikvision pushes are written by a writer of their own, in batches across concurrent requests (one
        commit for all that arrived meanwhile); each request waits for its own batch."""
        with self.lock:
            if self.vendor is None:
                self.vendor = vendors.BatchWriter(self.db, self.port_id, "hikvision").start()
            return self.vendor

    def authorised(self, sent: str) -> bool:
        """`Bearer <token>`, or HTTP Basic with the token as password (what a Hikvision or Dahua device can be
        given as its HTTP host's login)."""
        ok = hmac.compare_digest(sent.encode("utf-8", "replace"), f"Bearer {self.token}".encode())
        if sent[:6].lower() == "basic ":
            try:
                password = base64.b64decode(sent[6:].strip(), validate=True).split(b":", 1)[1]
            except (ValueError, IndexError):
                password = b""
            ok = hmac.compare_digest(password, self.token.encode())
        return ok

    def drop_connection(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = None

    def reset_connection(self) -> None:
        """After a failed request: roll back what it left open, or reconnect next time."""
        try:
            if self.conn is not None and not self.conn.closed:
                self.conn.rollback()
        except psycopg.Error:
            self.drop_connection()


class Handler(BaseHTTPRequestHandler):
    server: WebhookServer
    timeout = READ_TIMEOUT_S        # socket timeout for every read (StreamRequestHandler sets it)
    default_request_version = "HTTP/1.0"    # so a request line that is not HTTP still gets a status line

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)

    def do_POST(self) -> None:
        self.body_read = False
        try:
            status, reply = self._post()
        except Refused as refused:
            status, reply = refused.status, refused.body
        self._reply(status, reply)

    def _post(self) -> tuple[HTTPStatus, dict[str, Any]]:
        url = urlparse(self.path)
        if url.path != PATH:
            return HTTPStatus.NOT_FOUND, {"error": "not_found"}
        if not self.server.authorised(self.headers.get("Authorization", "")):
            return HTTPStatus.UNAUTHORIZED, {"error": "unauthorized"}
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        body = self._body(self._length(MULTIPART_MAX_BYTES if kind == "multipart/form-data" else MAX_BYTES))
        self.body_read = True
        if kind == "multipart/form-data":       # (the vendor paths group-commit: no lock held while waiting)
            return self._multipart(body)
        if kind in ("application/xml", "text/xml") and b"EventNotificationAlert" in body[:1024]:
            return self._hikvision([body], None, 0)
        try:
            with self.server.lock:
                if kind == "application/json":
                    return self._json(body)
                if kind in ("application/xml", "text/xml", "application/soap+xml"):
                    return self._onvif(body, parse_qs(url.query).get("camera", [""])[0])
                return HTTPStatus.UNSUPPORTED_MEDIA_TYPE, {"error": "unsupported_media_type"}
        except psycopg.OperationalError:
            self.server.drop_connection()
            return HTTPStatus.SERVICE_UNAVAILABLE, {"error": "database_unavailable", "retry": True}
        except Refused:
            self.server.reset_connection()
            raise
        except Exception as err:
            log.exception("camera webhook: request failed (%s)", type(err).__name__)
            self.server.reset_connection()
            return HTTPStatus.INTERNAL_SERVER_ERROR, {"error": "not_stored", "retry": True}

    def _length(self, limit: int) -> int:
        if self.headers.get("Transfer-Encoding"):
            raise Refused(HTTPStatus.BAD_REQUEST, {"error": "bad_length", "detail": "send a Content-Length"})
        values = self.headers.get_all("Content-Length") or []
        if len(set(values)) != 1 or not values[0].strip().isdigit():
            raise Refused(HTTPStatus.BAD_REQUEST, {"error": "bad_length",
                                                   "detail": "one numeric Content-Length is required"})
        length = int(values[0])
        if length > limit:
            raise Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                          {"error": "too_large", "detail": f"{length} bytes (at most {limit})"})
        if length == 0:
            raise Refused(HTTPStatus.BAD_REQUEST, {"error": "bad_length", "detail": "an empty body"})
        return length

    def _body(self, length: int) -> bytes:
        """Exactly `length` bytes, all arrived within BODY_DEADLINE_S, or 408 (slow) / 400 (cut short)."""
        deadline = time.monotonic() + BODY_DEADLINE_S
        chunks: list[bytes] = []
        got = 0
        while got < length:
            left = deadline - time.monotonic()
            try:
                if left <= 0:
                    raise TimeoutError
                self.connection.settimeout(min(left, READ_TIMEOUT_S))
                chunk = self.rfile.read1(length - got)
            except TimeoutError:
                raise Refused(HTTPStatus.REQUEST_TIMEOUT, {"error": "slow_body", "detail": f"{got} of {length} "
                              f"bytes in {BODY_DEADLINE_S:.0f} s"}) from None
            if not chunk:
                raise Refused(HTTPStatus.BAD_REQUEST, {"error": "short_body", "detail": f"{got} of {length} bytes"})
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def _json(self, body: bytes) -> tuple[HTTPStatus, dict[str, Any]]:
        try:
            doc = loads_json(body, max_bytes=MAX_BYTES)
        except InputRefused as err:
            self._count_refusal("webhook", err.reason, err.detail, body)
            return HTTPStatus.BAD_REQUEST, {"error": err.reason}
        if isinstance(doc, dict) and "after" not in doc:     # the plain schema: {id, camera, label, start_time, …}
            doc.setdefault("current_zones", doc.get("zones", []))
            body = json.dumps({"type": "end" if doc.get("end_time") else "new", "after": doc}).encode()
        counts = self.server.store("webhook").write([body])
        reason = next(iter(counts))
        return STATUS.get(reason, HTTPStatus.BAD_REQUEST), {"result": reason} if reason == "stored" else {
            "error": reason}

    def _onvif(self, body: bytes, camera: str) -> tuple[HTTPStatus, dict[str, Any]]:
        if not camera:
            return HTTPStatus.BAD_REQUEST, {"error": "missing_field", "detail": "?camera=<source name> is required"}
        try:
            notes = parse_notifications(body)
        except Invalid as bad:
            self._count_refusal("onvif", bad.args[0], bad.args[1], body)
            return HTTPStatus.BAD_REQUEST, {"error": bad.args[0], "detail": bad.args[1]}
        store = self.server.store("onvif")
        result = {"started": 0, "ended": 0, "state_only": 0}
        try:
            with store.conn.transaction():        # all the notifications of the request, or none
                for note in notes:
                    if note.active:
                        doc = {"type": "new", "topic": note.topic, "after": {
                            "id": f"onvif:{camera}:{note.topic}:{note.at.isoformat()}", "camera": camera,
                            "label": note.label, "start_time": note.at.timestamp(), "end_time": None}}
                        counts = store.write([json.dumps(doc).encode()])
                        if counts["stored"] != 1:
                            reason = next(iter(counts))
                            raise Refused(STATUS.get(reason, HTTPStatus.BAD_REQUEST), {"error": reason})
                        result["started"] += 1
                    elif query(store.conn, "camera_event_end_open", {
                            "at": note.at, "port_id": self.server.port_id, "camera": camera, "topic": note.topic}):
                        result["ended"] += 1
                    else:
                        result["state_only"] += 1      # an inactive rule with nothing open: a state report
        except Refused as refused:            # rolled back: the refusal is counted on its own
            self._count_refusal("onvif", refused.body["error"], f"camera {camera[:60]!r}", body)
            raise
        return HTTPStatus.OK, result

    def _multipart(self, body: bytes) -> tuple[HTTPStatus, dict[str, Any]]:
        """A Hikvision push as multipart/form-data: its XML part(s) and picture."""
        boundary = boundary_of(self.headers.get("Content-Type", ""))
        try:
            if boundary is None:
                raise MultipartError("no boundary in Content-Type")
            parts = list(iter_parts(io.BytesIO(body), boundary, vendors.PICTURE_MAX_BYTES))
        except MultipartError as err:
            self.server.vendor_writer().submit([], [("bad_multipart", str(err)[:200], body)])
            return HTTPStatus.BAD_REQUEST, {"error": "bad_multipart", "detail": str(err)[:120]}
        return self._hikvision(*hikvision.from_parts(parts))

    def _hikvision(self, xmls: list[bytes], picture: bytes | None, over: int) -> tuple[HTTPStatus, dict[str, Any]]:
        """ISAPI EventNotificationAlert(s): stored, or refused by reason (counted either way)."""
        events, refused = [], []
        for xml in xmls:
            try:
                events.append(hikvision.parse_alert(xml, picture, over))
            except vendors.Invalid as bad:
                refused.append((bad.args[0], bad.args[1], xml))
        if not xmls:
            refused.append(("not_an_event", "no EventNotificationAlert part", b""))
        written = threading.Event()
        outcomes: list[str] = []
        def done(got: list[str]) -> None:
            outcomes.extend(got)
            written.set()
        self.server.vendor_writer().submit(events, refused, done)
        if not written.wait(VENDOR_WAIT_S):        # the database is away: the sender retries (an upsert)
            return HTTPStatus.SERVICE_UNAVAILABLE, {"error": "database_unavailable", "retry": True}
        counts = Counter(part for outcome in outcomes for part in outcome.split("+"))
        if refused:
            return HTTPStatus.BAD_REQUEST, {"error": refused[0][0], "detail": refused[0][1][:120]}
        if counts["unknown_camera"]:
            return HTTPStatus.UNPROCESSABLE_ENTITY, {"error": "unknown_camera"}
        return HTTPStatus.OK, {"result": dict(counts)}

    def _count_refusal(self, source: str, reason: str, detail: str, body: bytes) -> None:
        """A request refused before (or instead of) being stored: its reject row and count (if the database is
        there: the sender is answered its 4xx either way)."""
        try:
            conn = self.server.store(source).conn
            with conn.transaction():
                record_batch(conn, source, "camera", stored=0, reasons={reason: 1},
                             rejects=[(source, reason, detail, safe_raw(body))])
        except psycopg.Error as err:
            log.warning("camera webhook: could not count a %s refusal (%s)", reason, str(err).strip()[:120])
            self.server.drop_connection()

    def _reply(self, status: HTTPStatus, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
            if not self.body_read:
                self._linger()
        except OSError as err:          # the sender went away (or stopped reading) before its answer
            log.info("camera webhook: could not answer %s (%s)", self.address_string(), err)
        self.close_connection = True

    def _linger(self) -> None:
        """Refused before its body was read: let the sender finish sending (for a second, up to 2 MB) so that
        closing does not reset the connection before it reads the answer."""
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_WR)
        deadline, drained = time.monotonic() + 1.0, 0
        while drained < 2 << 20 and (left := deadline - time.monotonic()) > 0:
            self.connection.settimeout(left)
            try:
                chunk = self.connection.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            drained += len(chunk)
