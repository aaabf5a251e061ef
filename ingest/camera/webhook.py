"""`POST /api/v1/camera-events`: camera events from other video systems (JSON) and ONVIF event XML.

Token auth (`Authorization: Bearer …`, from PORTMAP_WEBHOOK_TOKEN); every refusal is a 4xx with a JSON
reason; a database outage is a 503, so the sender retries and nothing it was told was accepted is lost.
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import psycopg

from ingest.camera.frigate import Invalid
from ingest.camera.onvif import MAX_BYTES, parse_notifications
from ingest.camera.store import CameraStore
from sql import DbSettings, connect, query

log = logging.getLogger(__name__)
PATH = "/api/v1/camera-events"
STATUS = {"stored": HTTPStatus.OK, "unknown_camera": HTTPStatus.UNPROCESSABLE_ENTITY,
          "refused_by_database": HTTPStatus.UNPROCESSABLE_ENTITY}


class WebhookServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], db: DbSettings, port_id: str, token: str) -> None:
        if not token:
            raise ValueError("the camera webhook needs a token (PORTMAP_WEBHOOK_TOKEN)")
        super().__init__(address, Handler)
        self.db, self.port_id, self.token = db, port_id, token
        self.lock = threading.Lock()
        self.conn: psycopg.Connection[Any] | None = None

    def store(self, source: str) -> CameraStore:
        if self.conn is None or self.conn.closed:
            self.conn = connect(self.db)
        return CameraStore(self.conn, self.port_id, source)

    def drop_connection(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = None


class Handler(BaseHTTPRequestHandler):
    server: WebhookServer

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)

    def do_POST(self) -> None:
        url = urlparse(self.path)
        if url.path != PATH:
            return self._reply(HTTPStatus.NOT_FOUND, {"error": "not_found"})
        sent = self.headers.get("Authorization", "")
        if not hmac.compare_digest(sent.encode(), f"Bearer {self.server.token}".encode()):
            return self._reply(HTTPStatus.UNAUTHORIZED, {"error": "unauthorized"})
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0 or length > MAX_BYTES:
            return self._reply(HTTPStatus.REQUEST_ENTITY_TOO_LARGE if length else HTTPStatus.BAD_REQUEST,
                               {"error": "bad_length", "detail": f"{length} bytes (1..{MAX_BYTES})"})
        body = self.rfile.read(length)
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        try:
            with self.server.lock:
                if kind == "application/json":
                    status, reply = self._json(body)
                elif kind in ("application/xml", "text/xml", "application/soap+xml"):
                    status, reply = self._onvif(body, parse_qs(url.query).get("camera", [""])[0])
                else:
                    status, reply = HTTPStatus.UNSUPPORTED_MEDIA_TYPE, {"error": "unsupported_media_type"}
        except psycopg.OperationalError:
            self.server.drop_connection()
            status, reply = HTTPStatus.SERVICE_UNAVAILABLE, {"error": "database_unavailable", "retry": True}
        self._reply(status, reply)

    def _json(self, body: bytes) -> tuple[HTTPStatus, dict[str, Any]]:
        try:
            doc = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            doc = None
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
            return HTTPStatus.BAD_REQUEST, {"error": bad.args[0], "detail": bad.args[1]}
        store = self.server.store("onvif")
        result = {"started": 0, "ended": 0, "state_only": 0}
        with store.conn.transaction():
            for note in notes:
                if note.active:
                    doc = {"type": "new", "topic": note.topic, "after": {
                        "id": f"onvif:{camera}:{note.topic}:{note.at.isoformat()}", "camera": camera,
                        "label": note.label, "start_time": note.at.timestamp(), "end_time": None}}
                    counts = store.write([json.dumps(doc).encode()])
                    if "unknown_camera" in counts:
                        return HTTPStatus.UNPROCESSABLE_ENTITY, {"error": "unknown_camera"}
                    result["started"] += 1
                elif query(store.conn, "camera_event_end_open", {"at": note.at, "port_id": self.server.port_id,
                                                                 "camera": camera, "topic": note.topic}):
                    result["ended"] += 1
                else:
                    result["state_only"] += 1      # an inactive rule with nothing open: a state report
        return HTTPStatus.OK, result

    def _reply(self, status: HTTPStatus, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
