"""Fakes of vendors' devices for the tests and the bench: an NVR/camera HTTP server speaking a long-lived
multipart event stream behind HTTP digest auth (as Hikvision's alertStream and Dahua's eventManager attach do),
and message builders after the published formats (ISAPI, Dahua HTTP API, GB/T 28181-2016)."""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

Part = tuple[str, bytes]        # (Content-Type, body)


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


class FakeStreamDevice(ThreadingHTTPServer):
    """GET `path` with digest auth gives the next of `sessions` as multipart parts, then closes (so the client
    reconnects); after the last session the stream stays open, silent, until the server is closed."""

    daemon_threads = True

    def __init__(self, path: str, user: str, password: str, sessions: list[list[Part]],
                 boundary: str = "boundary", realm: str = "IP Camera") -> None:
        super().__init__(("127.0.0.1", 0), StreamHandler)
        self.path, self.user, self.password, self.realm, self.boundary = path, user, password, realm, boundary
        self.sessions, self.served, self.refused = list(sessions), 0, 0
        self.nonces: set[str] = set()
        self.on_stream: Any = None          # called as a stream's first part is sent (the bench's clock)
        self.closing = threading.Event()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{self.path}"

    def close(self) -> None:
        self.closing.set()
        self.shutdown()
        self.server_close()

    def authorised(self, header: str, method: str) -> bool:
        p = dict(re.findall(r'(\w+)="?([^",]*)"?', header))
        if not header.startswith("Digest ") or p.get("username") != self.user or p.get("nonce") not in self.nonces:
            return False
        ha1, ha2 = md5(f"{self.user}:{self.realm}:{self.password}"), md5(f"{method}:{p.get('uri')}")
        want = md5(f"{ha1}:{p['nonce']}:{p.get('nc')}:{p.get('cnonce')}:{p.get('qop')}:{ha2}")
        return want == p.get("response")


class StreamHandler(BaseHTTPRequestHandler):
    server: FakeStreamDevice
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if unquote(self.path) != self.server.path:
            self.send_error(404)
            return
        if not self.server.authorised(self.headers.get("Authorization", ""), "GET"):
            self.server.refused += 1
            nonce = secrets.token_hex(8)
            self.server.nonces.add(nonce)
            self.send_response(401)
            self.send_header("WWW-Authenticate", f'Digest realm="{self.server.realm}", qop="auth", '
                             f'nonce="{nonce}", opaque="{secrets.token_hex(4)}"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        session = self.server.sessions.pop(0) if self.server.sessions else None
        self.server.served += 1
        self.send_response(200)
        self.send_header("Content-Type", f"multipart/mixed; boundary={self.server.boundary}")
        self.send_header("Connection", "close")
        self.end_headers()
        b = self.server.boundary.encode()
        if self.server.on_stream is not None and session:
            self.server.on_stream()
        for kind, body in session or []:
            self.wfile.write(b"--" + b + b"\r\nContent-Type: " + kind.encode() + b"\r\nContent-Length: "
                             + str(len(body)).encode() + b"\r\n\r\n" + body + b"\r\n")
        self.wfile.flush()
        if session is None or not self.server.sessions:
            while not self.server.closing.wait(0.2):        # the last session: stay open (a live stream)
                pass
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


def hik_alert(event_type: str, state: str, channel: int = 1, at: str = "2026-12-04T10:15:30+08:00",
              mac: str = "a4:14:37:28:00:10", ip: str = "10.20.0.10") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\r\n<EventNotificationAlert version="2.0" '
            f'xmlns="http://www.hikvision.com/ver20/XMLSchema">\r\n<ipAddress>{ip}</ipAddress>\r\n<portNo>80</portNo>'
            f'\r\n<protocol>HTTP</protocol>\r\n<macAddress>{mac}</macAddress>\r\n<channelID>{channel}</channelID>\r\n'
            f'<dateTime>{at}</dateTime>\r\n<activePostCount>1</activePostCount>\r\n<eventType>{event_type}'
            f'</eventType>\r\n<eventState>{state}</eventState>\r\n<eventDescription>{event_type} alarm'
            f'</eventDescription>\r\n</EventNotificationAlert>\r\n').encode()


def dahua_line(code: str, action: str, index: int = 0, data: str | None = None) -> bytes:
    return f"Code={code};action={action};index={index}{f';data={data}' if data else ''}\r\n".encode()


def gb_notify(cmd: str, device: str, sn: int, extra: str = "", encoding: str = "GB2312") -> bytes:
    body = (f'<?xml version="1.0" encoding="{encoding}"?>\r\n<Notify>\r\n<CmdType>{cmd}</CmdType>\r\n<SN>{sn}</SN>\r\n'
            f'<DeviceID>{device}</DeviceID>\r\n{extra}</Notify>\r\n')
    return body.encode("gb18030" if encoding.upper() == "GB2312" else "utf-8")


def gb_alarm(device: str, sn: int, method: int = 5, kind: int = 6, at: str = "2026-12-04T10:15:30",
             description: str = "入侵检测报警") -> bytes:
    return gb_notify("Alarm", device, sn, f"<AlarmPriority>1</AlarmPriority>\r\n<AlarmMethod>{method}</AlarmMethod>"
                     f"\r\n<AlarmTime>{at}</AlarmTime>\r\n<AlarmDescription>{description}</AlarmDescription>\r\n"
                     f"<Info>\r\n<AlarmType>{kind}</AlarmType>\r\n</Info>\r\n")


def sip_message(device: str, body: bytes, call: str, cseq: int = 20, server: str = "34020000002000000001",
                host: str = "127.0.0.1", port: int = 5060, method: str = "MESSAGE",
                extra: str = "") -> bytes:
    head = (f"{method} sip:{server}@3402000000 SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {host}:{port};rport;branch=z9hG4bK{call}\r\n"
            f"From: <sip:{device}@3402000000>;tag={call[:8]}\r\nTo: <sip:{server}@3402000000>\r\n"
            f"Call-ID: {call}\r\nCSeq: {cseq} {method}\r\nMax-Forwards: 70\r\nUser-Agent: IP Camera\r\n{extra}"
            f"Content-Type: Application/MANSCDP+xml\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


def wait_for(what: Any, timeout_s: float = 20.0, every_s: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        got = what()
        if got:
            return got
        time.sleep(every_s)
    return what()
