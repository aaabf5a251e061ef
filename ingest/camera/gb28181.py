"""GB/T 28181-2016 alarms and keepalives: a SIP listener (UDP) for `MESSAGE` requests carrying
`<Notify><CmdType>Alarm|Keepalive</CmdType>…` (GB2312 or UTF-8, as the XML declaration says).

Login: only devices named in the port package (`gb28181:<20 digits>` in a camera's vendor_ids) are served; the
From user and the body's DeviceID must both be one; any other request is answered 403 and counted. With a
password (PORTMAP_GB28181_PASSWORD), REGISTER is challenged with SIP digest (RFC 3261/2617, MD5) and MESSAGE is
taken only from a device registered so. An alarm is answered `200 OK` (with the request's Via, From, To, Call-ID
and CSeq) once it is committed, so a device whose alarm is not stored retransmits it; the SN makes the retry
idempotent. Keepalive sets the camera's status online (its time is the camera's last seen).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import re
import secrets
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ingest.camera.vendors import BatchWriter, Invalid, VendorEvent
from ingest.limits import InputRefused, parse_xml

log = logging.getLogger(__name__)
MAX_DATAGRAM = 16 * 1024
TCP_MAX_CONNECTIONS = 256       # devices connected at once over TCP
TCP_IDLE_S = 300.0              # a TCP connection silent this long is closed (keepalives come every 60 s)
DEVICE_ID = re.compile(r"^\d{20}$")
COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "l": "content-length", "m": "contact",
           "c": "content-type"}
ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.-]{1,40})["']""")
# AlarmMethod (GB/T 28181-2016 A.2.5): 1 phone, 2 device, 3 SMS, 4 GPS, 5 video, 6 device fault, 7 other;
# with AlarmType (Info/AlarmType) for device (2) and video (5) alarms.
VIDEO_TYPES = {1: "manual_alarm", 2: "motion", 3: "object_left", 4: "object_removed", 5: "line_crossing",
               6: "intrusion", 7: "wrong_way", 8: "loitering", 9: "counting", 10: "crowd", 11: "tamper",
               12: "running"}
DEVICE_TYPES = {1: "video_loss", 2: "tamper", 3: "storage_full", 4: "temperature", 5: "temperature"}
METHODS = {1: "phone_alarm", 2: "device_alarm", 3: "sms_alarm", 4: "gps_alarm", 5: "video_alarm",
           6: "device_fault", 7: "alarm"}


@dataclass
class SipRequest:
    method: str
    uri: str
    headers: list[tuple[str, str]]       # (lower-case full name, value) in order (Via may repeat)
    body: bytes

    def get(self, name: str) -> str:
        return next((v for k, v in self.headers if k == name), "")


def parse_sip(data: bytes) -> SipRequest:
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = data.partition(b"\n\n")
    lines = head.decode("utf-8", "replace").splitlines()
    if not lines or len(lines[0].split(" ")) != 3 or not lines[0].endswith("SIP/2.0"):
        raise Invalid("not_sip", f"request line {lines[0][:60] if lines else ''!r}")
    method, uri, _ = lines[0].split(" ")
    headers = []
    for line in lines[1:65]:
        name, colon, value = line.partition(":")
        if colon:
            key = name.strip().lower()
            headers.append((COMPACT.get(key, key), value.strip()))
    req = SipRequest(method.upper(), uri, headers, body)
    length = req.get("content-length")
    if length.isdigit():
        req.body = body[:int(length)]
    for need in ("via", "from", "to", "call-id", "cseq"):
        if not req.get(need):
            raise Invalid("not_sip", f"no {need} header")
    return req


def response(req: SipRequest, code: int, reason: str, extra: list[str] | None = None) -> bytes:
    """A response as RFC 3261 8.2.6 says: every Via in order, From, To (with a tag), Call-ID, CSeq."""
    lines = [f"SIP/2.0 {code} {reason}"]
    lines += [f"Via: {v}" for k, v in req.headers if k == "via"]
    to = req.get("to")
    if ";tag=" not in to:
        to += f";tag={hashlib.sha1(req.get('call-id').encode()).hexdigest()[:10]}"
    lines += [f"From: {req.get('from')}", f"To: {to}", f"Call-ID: {req.get('call-id')}",
              f"CSeq: {req.get('cseq')}", *(extra or []), "User-Agent: portmap", "Content-Length: 0"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def sip_user(header: str) -> str:
    found = re.search(r"sips?:([^@;>\s]+)@", header)
    return found.group(1) if found else ""


def decode_xml(body: bytes) -> bytes:
    """The body as UTF-8 XML: GB2312 (read as its superset GB18030) or another declared encoding re-encoded,
    the declaration then naming UTF-8 (expat itself reads only UTF-8/16 and Latin-1)."""
    found = ENCODING.match(body)
    declared = found.group(1).decode().lower() if found else "utf-8"
    if declared in ("utf-8", "utf8"):
        return body
    codec = "gb18030" if declared in ("gb2312", "gbk", "gb18030") else declared
    try:
        text = body.decode(codec)
    except (LookupError, UnicodeDecodeError) as err:
        raise Invalid("bad_encoding", f"not {declared}: {err}"[:120]) from err
    return ENCODING.sub(lambda m: m.group(0).replace(m.group(1), b"UTF-8"), text.encode("utf-8"), count=1)


def parse_notify(body: bytes, tz: ZoneInfo) -> VendorEvent:
    """A Notify (Alarm or Keepalive) as a vendor event; a bad one raises Invalid(reason, detail)."""
    if b"\x00" in body:
        raise Invalid("nul_byte", "a NUL byte")
    try:
        root = parse_xml(decode_xml(body), max_bytes=MAX_DATAGRAM)
    except InputRefused as err:         # too_large, too_deep, xml_dtd (the XML bomb), bad_xml
        raise Invalid(err.reason, err.detail) from err
    if root.tag != "Notify":
        raise Invalid("not_an_event", f"root {root.tag[:40]!r} is not Notify")
    f = {child.tag: (child.text or "").strip() for child in root}
    cmd, device, sn = f.get("CmdType", ""), f.get("DeviceID", ""), f.get("SN", "")
    if not DEVICE_ID.match(device):
        raise Invalid("bad_value" if device else "missing_field", f"DeviceID {device[:30]!r} (20 digits)")
    if not sn.isdigit():
        raise Invalid("missing_field" if not sn else "bad_value", f"SN {sn[:20]!r}")
    keys, raw = (f"gb28181:{device}",), {k: v[:200] for k, v in f.items()}
    if cmd == "Keepalive":
        state = "keepalive" if f.get("Status", "OK").upper() == "OK" else "offline"
        return VendorEvent(keys, "keepalive", "keepalive", state, datetime.now(tz), f"gb28181:{device}:{sn}",
                           raw=raw)
    if cmd != "Alarm":
        raise Invalid("unsupported_event", f"CmdType {cmd[:30]!r}")
    at = _time(f.get("AlarmTime", ""), tz)
    method = int(f["AlarmMethod"]) if f.get("AlarmMethod", "").isdigit() else 0
    info = root.find("Info/AlarmType")
    kind = int(info.text or "") if info is not None and (info.text or "").strip().isdigit() else 0
    label = (VIDEO_TYPES.get(kind) if method == 5 else DEVICE_TYPES.get(kind) if method == 2 else None) \
        or METHODS.get(method, "alarm")
    priority = f.get("AlarmPriority", "")
    return VendorEvent(keys, f"alarm:{method}:{kind}", label, "pulse", at, f"gb28181:{device}:{sn}",
                       sub_label=f"method {method} type {kind} priority {priority}"[:40], raw=raw)


def _time(value: str, tz: ZoneInfo) -> datetime:
    """GB/T 28181 times are local (`2026-12-04T10:15:30`, no zone): the port's time zone."""
    if not value:
        raise Invalid("missing_field", "AlarmTime")
    try:
        at = datetime.fromisoformat(value)
    except ValueError as err:
        raise Invalid("bad_value", f"AlarmTime {value[:30]!r}") from err
    return at if at.tzinfo else at.replace(tzinfo=tz)


class SipListener:
    """SIP over UDP: REGISTER (digest when a password is set) and MESSAGE (Alarm, Keepalive) from the
    package's GB/T 28181 devices into a BatchWriter."""

    def __init__(self, address: tuple[str, int], devices: set[str], writer: BatchWriter, *,
                 password: str = "", realm: str = "3707000000", tz: str = "Asia/Shanghai") -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind(address)
        self.sock.settimeout(0.5)
        self.devices, self.writer, self.password, self.realm = devices, writer, password, realm
        self.tz = ZoneInfo(tz)
        self.registered: dict[str, float] = {}      # device id -> when its registration expires
        self.nonces: dict[str, float] = {}
        self.counts: Counter[str] = Counter()
        self.stopping = threading.Event()

    @property
    def address(self) -> tuple[str, int]:
        return self.sock.getsockname()[:2]

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                data, peer = self.sock.recvfrom(MAX_DATAGRAM + 1)
            except TimeoutError:
                continue
            except OSError as err:
                log.warning("gb28181: receive failed (%s)", err)
                continue
            try:
                self.handle(data, peer)
            except Exception:       # (a bug must not end the listener: the next datagram is served)
                log.exception("gb28181: a datagram from %s failed", peer[0])
                self.counts["failed"] += 1
        self.sock.close()

    def send(self, payload: bytes, peer: Any) -> None:
        """To a UDP peer (host, port), or over a TCP peer's connection (host, port, socket)."""
        if len(peer) == 3:
            with contextlib.suppress(OSError):
                peer[2].sendall(payload)
            return
        self.sock.sendto(payload, peer)

    def serve_tcp(self, address: tuple[str, int]) -> tuple[str, int]:
        """SIP over TCP too (GB/T 28181-2016 allows either): messages framed by Content-Length. Returns the
        address it listens on."""
        server = socket.create_server(address)
        server.settimeout(0.5)
        threading.Thread(target=self._accept, args=(server,), name="gb28181-tcp", daemon=True).start()
        return server.getsockname()[:2]

    def _accept(self, server: socket.socket) -> None:
        slots = threading.BoundedSemaphore(TCP_MAX_CONNECTIONS)
        while not self.stopping.is_set():
            try:
                conn, peer = server.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            if not slots.acquire(blocking=False):
                conn.close()
                self.counts["busy"] += 1
                continue
            threading.Thread(target=self._connection, args=(conn, peer, slots), daemon=True).start()
        server.close()

    def _connection(self, conn: socket.socket, peer: Any, slots: threading.BoundedSemaphore) -> None:
        conn.settimeout(TCP_IDLE_S)
        buffer = b""
        try:
            while not self.stopping.is_set():
                head, sep, rest = buffer.partition(b"\r\n\r\n")
                if not sep:
                    if len(buffer) > MAX_DATAGRAM:
                        self.refuse("too_large", f"SIP headers over {MAX_DATAGRAM} bytes", buffer[:2000], None,
                                    peer, 413, "")
                        return
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                    continue
                found = re.search(rb"(?im)^(?:content-length|l)\s*:\s*(\d{1,6})\s*$", head)
                length = int(found.group(1)) if found else 0
                while len(rest) < length and len(rest) <= MAX_DATAGRAM:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    rest += chunk
                self.handle(head + b"\r\n\r\n" + rest[:length], (peer[0], peer[1], conn))
                buffer = rest[length:].lstrip(b"\r\n")        # (CRLF keepalives between messages)
        except (OSError, TimeoutError):
            return
        finally:
            conn.close()
            slots.release()

    def refuse(self, reason: str, detail: str, data: bytes, req: SipRequest | None, peer: Any, code: int,
               phrase: str) -> None:
        self.counts[reason] += 1
        log.info("gb28181: %s from %s: %s", reason, peer[0], detail[:120])
        self.writer.submit([], [(reason, detail, data)])
        if req is not None:
            self.send(response(req, code, phrase), peer)

    def handle(self, data: bytes, peer: Any) -> None:
        if len(data) > MAX_DATAGRAM:
            return self.refuse("too_large", f"over {MAX_DATAGRAM} bytes", data[:2000], None, peer, 413, "")
        try:
            req = parse_sip(data)
        except Invalid as bad:
            return self.refuse(bad.args[0], bad.args[1], data, None, peer, 400, "")
        device = sip_user(req.get("from"))
        if device not in self.devices:
            return self.refuse("unregistered_device", f"From {device[:40]!r} is not a device of the package",
                               data, req, peer, 403, "Forbidden")
        if req.method == "REGISTER":
            return self._register(req, device, data, peer)
        if req.method != "MESSAGE":
            self.send(response(req, 200 if req.method in ("OPTIONS", "BYE", "ACK") else 501,
                               "OK" if req.method in ("OPTIONS", "BYE", "ACK") else "Not Implemented"), peer)
            return None
        if self.password and self.registered.get(device, 0) < time.monotonic():
            return self.refuse("not_registered", f"{device} has not registered", data, req, peer, 403, "Forbidden")
        try:
            event = parse_notify(req.body, self.tz)
        except Invalid as bad:
            return self.refuse(bad.args[0], bad.args[1], req.body, req, peer, 400, "Bad Request")
        if event.keys[0].removeprefix("gb28181:") not in self.devices:
            return self.refuse("unknown_camera", f"DeviceID {event.keys[0]} is not in the package", req.body,
                               req, peer, 404, "Not Found")
        self.counts[event.state] += 1
        reply = response(req, 200, "OK")
        self.writer.submit([event], done=lambda _: self.send(reply, peer))
        return None

    def _register(self, req: SipRequest, device: str, data: bytes, peer: Any) -> None:
        expires = int(req.get("expires")) if req.get("expires").isdigit() else 3600
        if not self.password:
            self.registered[device] = time.monotonic() + expires
            self.send(response(req, 200, "OK", [f"Expires: {expires}"]), peer)
            return
        auth = req.get("authorization")
        if auth and self._digest_ok(auth, req.method, device):
            self.registered[device] = time.monotonic() + expires
            self.counts["registered"] += 1
            self.send(response(req, 200, "OK", [f"Expires: {expires}"]), peer)
            return
        if auth:
            self.refuse("bad_login", f"{device}: wrong digest", data, None, peer, 403, "")
        nonce = secrets.token_hex(16)
        self.nonces = {n: t for n, t in self.nonces.items() if t > time.monotonic()}
        self.nonces[nonce] = time.monotonic() + 60
        self.send(response(req, 401, "Unauthorized",
                           [f'WWW-Authenticate: Digest realm="{self.realm}", nonce="{nonce}", algorithm=MD5']), peer)

    def _digest_ok(self, header: str, method: str, device: str) -> bool:
        p = dict(re.findall(r'(\w+)="?([^",]*)"?', header))
        if p.get("username") != device or self.nonces.pop(p.get("nonce", ""), 0) < time.monotonic():
            return False
        md5 = lambda s: hashlib.md5(s.encode()).hexdigest()  # noqa: E731 - SIP digest is MD5 by the standard
        ha1 = md5(f"{device}:{p.get('realm', '')}:{self.password}")
        ha2 = md5(f"{method}:{p.get('uri', '')}")
        want = md5(f"{ha1}:{p['nonce']}:{p['nc']}:{p['cnonce']}:{p['qop']}:{ha2}") if p.get("qop") and \
            p.get("nc") and p.get("cnonce") else md5(f"{ha1}:{p['nonce']}:{ha2}")
        return hmac.compare_digest(want, p.get("response", ""))
