"""JT/T 808 (2013 and 2019) frames and message bodies: encode and decode, pure (no I/O, no clock but `now`).

Layout after the published tables (JT/T 808-2013 §4.4-4.5, JT/T 808-2019 §4.4-4.5):
frame = 0x7E, escaped(header + body + check code), 0x7E; escaping 0x7E -> 0x7D 0x02, 0x7D -> 0x7D 0x01; the check
code is the XOR of header and body. Header 2013: message id WORD, properties WORD (bits 0-9 body length, 10-12
encryption, 13 sub-packaging), terminal phone BCD[6], serial WORD, [total WORD, package number WORD]. Header 2019:
the same with properties bit 14 set (version flag), a protocol version BYTE after the properties and the phone as
BCD[10]. Words and double words are big-endian; strings GBK.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

FLAG, ESC = 0x7E, 0x7D
MAX_FRAME = 2 * (17 + 1023 + 1)      # escaped bytes between two flags: the longest header and body, all escaped
MAX_PACKAGES = 64                    # sub-packages of one message kept for reassembly
GMT8 = timezone(timedelta(hours=8))

REGISTER, REGISTER_ANSWER, AUTH, HEARTBEAT, LOCATION, BATCH = 0x0100, 0x8100, 0x0102, 0x0002, 0x0200, 0x0704
TERMINAL_ANSWER, PLATFORM_ANSWER, LOGOUT = 0x0001, 0x8001, 0x0003
OK, FAILED, BAD_MESSAGE, UNSUPPORTED, ALARM_ACK = 0, 1, 2, 3, 4      # 0x8001 results
# status bits (table 25 of 2013 / table 24 of 2019)
ACC_ON, POSITIONED, SOUTH, WEST = 1 << 0, 1 << 1, 1 << 2, 1 << 3
EMERGENCY = 1 << 0                   # alarm bit 0: the emergency button
ITEM_MILEAGE, ITEM_FUEL, ITEM_SPEED, ITEM_SIGNAL, ITEM_SATELLITES = 0x01, 0x02, 0x03, 0x30, 0x31


class FrameError(ValueError):
    """A frame or body refused; `reason` is the counted reason."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason, detail)
        self.reason, self.detail = reason, detail

    def __str__(self) -> str:
        return f"{self.reason}: {self.detail}" if self.detail else self.reason


# --- framing ------------------------------------------------------------------------------------------------
def escape(data: bytes) -> bytes:
    return data.replace(b"\x7d", b"\x7d\x01").replace(b"\x7e", b"\x7d\x02")


def unescape(data: bytes) -> bytes:
    if b"\x7d" not in data:
        return data
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b == ESC:
            nxt = data[i + 1] if i + 1 < n else -1
            if nxt not in (1, 2):
                raise FrameError("bad_escape", f"0x7D followed by {nxt:#04x}" if nxt >= 0 else "0x7D at the end")
            out.append(ESC if nxt == 1 else FLAG)
            i += 2
        else:
            out.append(b)
            i += 1
    return bytes(out)


def xor(data: bytes) -> int:
    check = 0
    for b in data:
        check ^= b
    return check


@dataclass(frozen=True)
class Header:
    msg_id: int
    phone: str                       # the BCD digits as sent (12 or 20)
    serial: int
    version: int | None = None       # None: a 2013 header; else the 2019 protocol version byte
    packet: tuple[int, int] | None = None    # (total, number from 1) of a sub-packaged message
    encryption: int = 0

    @property
    def terminal(self) -> str:
        """The phone number as one terminal is known by, whichever header it came in (leading zeros dropped)."""
        return canonical_phone(self.phone)


def canonical_phone(digits: str) -> str:
    return digits.lstrip("0") or "0"


def bcd(digits: str, size: int) -> bytes:
    if not digits.isdigit() or len(digits) > 2 * size:
        raise ValueError(f"{digits!r}: not at most {2 * size} digits")
    return bytes.fromhex(digits.rjust(2 * size, "0"))


def unbcd(data: bytes) -> str:
    text = data.hex()
    if not text.isdigit():
        raise FrameError("bad_bcd", text)
    return text


def encode(msg_id: int, phone: str, serial: int, body: bytes = b"", *, version: int | None = None,
           packet: tuple[int, int] | None = None, encryption: int = 0) -> bytes:
    """A whole frame, flags included: a 2013 header when `version` is None, else a 2019 one."""
    if len(body) > 1023:
        raise ValueError("a body is at most 1023 bytes: sub-package it")
    props = len(body) | (encryption & 7) << 10 | (1 << 13 if packet else 0) | (1 << 14 if version is not None else 0)
    head = struct.pack(">HH", msg_id, props)
    head += (bytes([version]) + bcd(phone, 10)) if version is not None else bcd(phone, 6)
    head += struct.pack(">H", serial & 0xFFFF)
    if packet:
        head += struct.pack(">HH", *packet)
    raw = head + body
    return b"\x7e" + escape(raw + bytes([xor(raw)])) + b"\x7e"


def decode(frame: bytes) -> tuple[Header, bytes]:
    """A frame's header and body from the bytes between its flags (still escaped). Raises FrameError."""
    raw = unescape(frame)
    if len(raw) < 13:
        raise FrameError("short_frame", f"{len(raw)} bytes")
    if xor(raw[:-1]) != raw[-1]:
        raise FrameError("bad_check_code", f"computed {xor(raw[:-1]):#04x}, frame says {raw[-1]:#04x}")
    msg_id, props = struct.unpack_from(">HH", raw)
    length, encryption, split, v2019 = props & 0x3FF, props >> 10 & 7, props >> 13 & 1, props >> 14 & 1
    head = (17 if v2019 else 12) + (4 if split else 0)
    if len(raw) < head + 1:
        raise FrameError("short_frame", f"{len(raw)} bytes, the header alone needs {head} and a check code")
    at = 4
    version = None
    if v2019:
        version, phone, at = raw[4], unbcd(raw[5:15]), 15
    else:
        phone, at = unbcd(raw[4:10]), 10
    (serial,) = struct.unpack_from(">H", raw, at)
    at += 2
    packet = None
    if split:
        packet = struct.unpack_from(">HH", raw, at)
        at += 4
        if not 1 <= packet[1] <= packet[0] <= MAX_PACKAGES:
            raise FrameError("bad_package", f"package {packet[1]} of {packet[0]}")
    body = raw[at:-1]
    if len(body) != length:
        raise FrameError("bad_length", f"header says {length} body bytes, the frame has {len(body)}")
    return Header(msg_id, phone, serial, version, packet, encryption), body


@dataclass
class Splitter:
    """Cuts a byte stream into frames between 0x7E flags. feed() yields each frame's bytes, or a FrameError for
    bytes that are not one (garbage before a flag, an oversized run); close() reports a half frame left."""

    max_frame: int = MAX_FRAME
    buffer: bytearray = field(default_factory=bytearray)
    inside: bool = False             # a flag opened a frame not yet closed
    skipping: bool = False           # an oversized frame is being thrown away up to its next flag

    def feed(self, data: bytes) -> Iterator[bytes | FrameError]:
        start = 0
        while True:
            end = data.find(b"\x7e", start)
            piece = data[start:] if end < 0 else data[start:end]
            if end < 0:
                yield from self._hold(piece)
                return
            yield from self._flag(piece)
            start = end + 1

    def _hold(self, piece: bytes) -> Iterator[FrameError]:
        if self.skipping or not piece:
            return
        self.buffer += piece
        if len(self.buffer) > self.max_frame:
            what = "frame" if self.inside else "garbage"
            yield FrameError("oversized", f"over {self.max_frame} bytes of {what} without a 0x7E")
            self.buffer.clear()
            self.skipping = True

    def _flag(self, piece: bytes) -> Iterator[bytes | FrameError]:
        """A flag after `piece`: it closes the frame open (or ends garbage), and opens the next."""
        if self.skipping:
            self.skipping, self.inside = False, True
            self.buffer.clear()
            return
        self.buffer += piece
        if len(self.buffer) > self.max_frame:
            yield FrameError("oversized", f"{len(self.buffer)} bytes between flags")
        elif self.buffer and self.inside:
            yield bytes(self.buffer)
        elif self.buffer:
            yield FrameError("garbage", f"{len(self.buffer)} bytes before a 0x7E")
        self.buffer.clear()
        self.inside = True

    def close(self) -> FrameError | None:
        left = len(self.buffer)
        self.buffer.clear()
        if left and self.inside and not self.skipping:
            return FrameError("half_frame", f"{left} bytes of a frame when the connection ended")
        return FrameError("garbage", f"{left} bytes at the end") if left and not self.skipping else None


# --- bodies -------------------------------------------------------------------------------------------------
def gbk(text: str, size: int | None = None) -> bytes:
    data = text.encode("gbk")
    return data if size is None else data[:size].ljust(size, b"\x00")


def ungbk(data: bytes) -> str:
    return data.rstrip(b"\x00 ").decode("gbk", "replace")


@dataclass(frozen=True)
class Registration:
    province: int
    city: int
    maker: str
    model: str
    terminal_id: str
    plate_color: int
    plate: str


REG_SIZES = {None: (5, 20, 7), 1: (11, 30, 30)}      # maker, model, terminal id (2013 / 2019)


def encode_registration(reg: Registration, version: int | None = None) -> bytes:
    maker, model, tid = REG_SIZES[None if version is None else 1]
    return (struct.pack(">HH", reg.province, reg.city) + gbk(reg.maker, maker) + gbk(reg.model, model)
            + gbk(reg.terminal_id, tid) + bytes([reg.plate_color]) + gbk(reg.plate))


def decode_registration(body: bytes, version: int | None = None) -> Registration:
    maker, model, tid = REG_SIZES[None if version is None else 1]
    fixed = 4 + maker + model + tid + 1
    if len(body) < fixed:
        raise FrameError("short_body", f"a registration of {len(body)} bytes (at least {fixed})")
    province, city = struct.unpack_from(">HH", body)
    at = 4
    parts = []
    for size in (maker, model, tid):
        parts.append(ungbk(body[at:at + size]))
        at += size
    return Registration(province, city, parts[0], parts[1], parts[2], body[at], ungbk(body[at + 1:]))


def registration_answer(serial: int, result: int, auth_code: str = "") -> bytes:
    return struct.pack(">HB", serial & 0xFFFF, result) + (gbk(auth_code) if result == 0 else b"")


def decode_registration_answer(body: bytes) -> tuple[int, int, str]:
    serial, result = struct.unpack_from(">HB", body)
    return serial, result, ungbk(body[3:])


def encode_auth(code: str, version: int | None = None, imei: str = "", software: str = "") -> bytes:
    if version is None:
        return gbk(code)
    data = gbk(code)
    return bytes([len(data)]) + data + gbk(imei, 15) + gbk(software, 20)


def decode_auth(body: bytes, version: int | None = None) -> str:
    if version is None:
        return ungbk(body)
    if not body or len(body) < 1 + body[0]:
        raise FrameError("short_body", "an authentication shorter than its code length")
    return ungbk(body[1:1 + body[0]])


def general_answer(serial: int, msg_id: int, result: int) -> bytes:
    return struct.pack(">HHB", serial & 0xFFFF, msg_id, result)


def decode_general_answer(body: bytes) -> tuple[int, int, int]:
    if len(body) != 5:
        raise FrameError("bad_length", f"a general answer of {len(body)} bytes")
    serial, msg_id, result = struct.unpack(">HHB", body)
    return serial, msg_id, result


@dataclass(frozen=True)
class Location:
    """One location report (the basic items of table 23/24 and the additional items the map uses)."""

    alarm: int
    status: int
    lat: float
    lon: float
    altitude_m: int
    speed_kmh: float
    direction_deg: int
    observed_at: datetime           # UTC
    mileage_km: float | None = None
    fuel_l: float | None = None
    signal: int | None = None
    satellites: int | None = None
    extra: dict[str, str] = field(default_factory=dict)     # other additional items: id (hex) -> value (hex)

    @property
    def positioned(self) -> bool:
        return bool(self.status & POSITIONED)


def bcd_time(at: datetime) -> bytes:
    return bytes.fromhex(at.astimezone(GMT8).strftime("%y%m%d%H%M%S"))


def unbcd_time(data: bytes) -> datetime:
    text = data.hex()
    try:
        if not text.isdigit():
            raise ValueError(text)
        local = datetime.strptime(text, "%y%m%d%H%M%S")
    except ValueError as err:
        raise FrameError("bad_time", f"BCD time {text}") from err
    return local.replace(tzinfo=GMT8).astimezone(UTC)


def encode_location(loc: Location) -> bytes:
    status = loc.status | (SOUTH if loc.lat < 0 else 0) | (WEST if loc.lon < 0 else 0)
    body = struct.pack(">IIIIHHH", loc.alarm, status, round(abs(loc.lat) * 1e6), round(abs(loc.lon) * 1e6),
                       loc.altitude_m & 0xFFFF, round(loc.speed_kmh * 10), loc.direction_deg)
    body += bcd_time(loc.observed_at)
    items = []
    if loc.mileage_km is not None:
        items.append((ITEM_MILEAGE, struct.pack(">I", round(loc.mileage_km * 10))))
    if loc.fuel_l is not None:
        items.append((ITEM_FUEL, struct.pack(">H", round(loc.fuel_l * 10))))
    if loc.signal is not None:
        items.append((ITEM_SIGNAL, bytes([loc.signal])))
    if loc.satellites is not None:
        items.append((ITEM_SATELLITES, bytes([loc.satellites])))
    items += [(int(k, 16), bytes.fromhex(v)) for k, v in loc.extra.items()]
    return body + b"".join(bytes([i, len(v)]) + v for i, v in items)


_KNOWN = {ITEM_MILEAGE: (">I", "mileage_km", 10), ITEM_FUEL: (">H", "fuel_l", 10),
          ITEM_SIGNAL: (">B", "signal", 1), ITEM_SATELLITES: (">B", "satellites", 1)}


def decode_location(body: bytes) -> Location:
    if len(body) < 28:
        raise FrameError("short_body", f"a location report of {len(body)} bytes (at least 28)")
    alarm, status, lat, lon, alt, speed, direction = struct.unpack_from(">IIIIHHH", body)
    values: dict[str, object] = {}
    extra: dict[str, str] = {}
    at = 28
    while at < len(body):
        if at + 2 > len(body) or at + 2 + body[at + 1] > len(body):
            raise FrameError("bad_item", f"additional item {body[at]:#04x} runs past the body")
        item, size, value = body[at], body[at + 1], body[at + 2:at + 2 + body[at + 1]]
        known = _KNOWN.get(item)
        if known and struct.calcsize(known[0]) == size:
            raw = struct.unpack(known[0], value)[0]
            values[known[1]] = raw / known[2] if known[2] != 1 else raw
        else:                          # unknown (or odd-sized) items are kept as they came
            extra[f"{item:02x}"] = value.hex()
        at += 2 + size
    return Location(alarm, status, -lat / 1e6 if status & SOUTH else lat / 1e6,
                    -lon / 1e6 if status & WEST else lon / 1e6, struct.unpack(">h", struct.pack(">H", alt))[0],
                    speed / 10, direction, unbcd_time(body[22:28]), extra=extra, **values)  # type: ignore[arg-type]


def encode_batch(locations: list[Location], kind: int = 0) -> bytes:
    bodies = [encode_location(loc) for loc in locations]
    return struct.pack(">HB", len(bodies), kind) + b"".join(struct.pack(">H", len(b)) + b for b in bodies)


def decode_batch(body: bytes) -> tuple[int, list[Location | FrameError]]:
    """(kind: 0 normal, 1 blind-area re-send, each item decoded or its FrameError): one bad item alone refused."""
    if len(body) < 3:
        raise FrameError("short_body", "a batch upload without its count")
    count, kind = struct.unpack_from(">HB", body)
    at = 3
    out: list[Location | FrameError] = []
    for _ in range(count):
        if at + 2 > len(body):
            raise FrameError("bad_item", f"batch says {count} items, the body holds {len(out)}")
        (size,) = struct.unpack_from(">H", body, at)
        if at + 2 + size > len(body):
            raise FrameError("bad_item", "a batch item runs past the body")
        try:
            out.append(decode_location(body[at + 2:at + 2 + size]))
        except FrameError as err:
            out.append(err)
        at += 2 + size
    return kind, out


def check_location(loc: Location, now: datetime, future_s: float = 900.0) -> str | None:
    """Why a decoded report is not stored (None: it is): a position off the globe, a time in the future."""
    if loc.positioned and not (abs(loc.lat) <= 90 and abs(loc.lon) <= 180):
        return "bad_position"
    if loc.direction_deg > 359:
        return "bad_direction"
    if (loc.observed_at - now).total_seconds() > future_s:
        return "future_time"
    return None
