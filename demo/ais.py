"""The fleet as AIS receivers hear it: NMEA 0183 `!AIVDM` sentences (pyais encoding) with NMEA 4.0 tag
blocks naming the receiving station (`s:`) and its clock (`c:`), sent over UDP the way a dispatcher
forwards them.

Reporting intervals follow ITU-R M.1371-5 (Table 1 for class A, class B "CS"): a ship at anchor or
moored reports every 3 minutes, 0-14 kn every 10 s (3 1/3 s while turning), 14-23 kn every 6 s (2 s
turning), faster every 2 s; class B every 30 s above 2 kn, else every 3 minutes. Static and voyage data
(type 5, type 24 A/B) every 6 minutes. A vessel is heard by every receiver within its range, so a
report often arrives twice, as in a real port.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import reduce
from typing import Any

from pyais.encode import encode_dict

from demo.fleet import ANCHORED, MOORED, SHIP_TYPES, Vessel
from demo.world import XY, World

STATIC_EVERY_S = 360.0
MAX_DATAGRAM = 1400


@dataclass(frozen=True)
class Receiver:
    station: str
    hears: tuple[float, float, float, float]     # local metres: x0, y0, x1, y1

    def covers(self, xy: XY) -> bool:
        x0, y0, x1, y1 = self.hears
        return x0 <= xy[0] <= x1 and y0 <= xy[1] <= y1


def report_interval(v: Vessel) -> float:
    """Seconds between position reports (ITU-R M.1371-5)."""
    if v.cls == "B":
        return 30.0 if v.sog > 2 else 180.0
    if v.nav_status in (ANCHORED, MOORED) and v.sog <= 3:
        return 180.0
    if v.sog <= 14:
        return 10 / 3 if v.turning else 10.0
    if v.sog <= 23:
        return 2.0 if v.turning else 6.0
    return 2.0


def tag_block(station: str, unix: int) -> str:
    body = f"s:{station},c:{unix}"
    checksum = reduce(lambda a, c: a ^ ord(c), body, 0)
    return f"\\{body}*{checksum:02X}\\"


def position_message(v: Vessel, lon: float, lat: float, second: int) -> dict[str, Any]:
    heading = round(v.heading) % 360
    course = round(v.heading, 1) % 360 if v.sog >= 0.2 else 360.0
    if v.cls == "B":
        return {"type": 18, "mmsi": v.mmsi, "speed": round(v.sog, 1), "accuracy": 1, "lon": lon, "lat": lat,
                "course": course, "heading": heading, "second": second, "cs": 1, "dsc": 1, "band": 1,
                "msg22": 1}
    return {"type": 1, "mmsi": v.mmsi, "status": v.nav_status, "turn": 0, "speed": round(v.sog, 1),
            "accuracy": 1, "lon": lon, "lat": lat, "course": course, "heading": heading, "second": second}


def static_messages(v: Vessel, now: datetime) -> list[dict[str, Any]]:
    bow = round(v.length * 0.8)
    side = round(v.beam / 2)
    dims = {"to_bow": bow, "to_stern": round(v.length) - bow, "to_port": side, "to_starboard": round(v.beam) - side}
    if v.cls == "B":
        return [{"type": 24, "mmsi": v.mmsi, "partno": 0, "shipname": v.name[:20]},
                {"type": 24, "mmsi": v.mmsi, "partno": 1, "ship_type": SHIP_TYPES[v.kind], "callsign": v.callsign,
                 "vendorid": "DEMO", **dims}]
    eta = now + timedelta(hours=6)
    return [{"type": 5, "mmsi": v.mmsi, "ais_version": 2, "imo": v.imo or 0, "callsign": v.callsign,
             "shipname": v.name[:20], "ship_type": SHIP_TYPES[v.kind], **dims, "epfd": 1, "month": eta.month,
             "day": eta.day, "hour": eta.hour, "minute": 0, "draught": round(v.draught, 1),
             "destination": v.destination, "dte": 0}]


class AisEmitter:
    """Decides which vessel reports when, encodes, and sends the sentences each receiver hears."""

    def __init__(self, world: World, target: tuple[str, int], speed: float) -> None:
        self.world, self.target, self.speed = world, target, speed
        self.receivers = []
        for r in world.scenario["receivers"]:
            lon0, lat0, lon1, lat1 = r["hears"]
            (x0, y0), (x1, y1) = world.local(lon0, lat0), world.local(lon1, lat1)
            self.receivers.append(Receiver(r["id"], (x0, y0, x1, y1)))
        self.silent: set[str] = set()       # stations whose feed has fallen silent (an incident)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sent_lines = 0
        self.sent_reports = 0
        self._seq = 0
        self._next_aton = 0.0

    def heard_by(self, xy: XY) -> list[Receiver]:
        return [r for r in self.receivers if r.covers(xy)]

    def sentences(self, msg: dict[str, Any], channel: str = "A") -> list[str]:
        multi = msg["type"] == 5
        if multi:
            self._seq = self._seq % 9 + 1
        return encode_dict(msg, talker_id="AI", sentence_type="VDM", radio_channel=channel,
                           seq_id=self._seq if multi else None)

    def tick(self, vessels: Iterable[Vessel], sim_t: float, wall: float) -> int:
        """Send what is due now; returns the number of reports."""
        lines: list[str] = []
        now = datetime.fromtimestamp(wall, tz=UTC)
        unix = int(wall)
        min_gap = self.speed * 1.0             # one report per vessel per wall second: (mmsi, second) is the key
        reports = 0
        for v in vessels:
            if v.phase == "away" or sim_t < v.next_report:
                continue
            v.next_report = sim_t + max(report_interval(v), min_gap)
            if v.dark_until_wall > wall:
                continue
            heard = [r for r in self.heard_by(v.xy) if r.station not in self.silent]
            if not heard:
                continue
            lon, lat = self.world.lonlat(v.x, v.y)
            messages = [position_message(v, lon, lat, now.second)]
            if sim_t >= v.next_static:
                v.next_static = sim_t + max(STATIC_EVERY_S, min_gap)
                messages += static_messages(v, now)
            channel = "A" if reports % 2 == 0 else "B"
            encoded = [s for m in messages for s in self.sentences(m, channel)]
            for r in heard:
                tag = tag_block(r.station, unix)
                lines.extend(tag + s for s in encoded)
            reports += 1
        self.send(lines)
        self.sent_reports += reports
        return reports

    def atons(self, sim_t: float, wall: float) -> int:
        """The scenario's aids to navigation, each a type 21 every 3 simulated minutes."""
        if sim_t < self._next_aton:
            return 0
        self._next_aton = sim_t + max(180.0, self.speed)
        now = datetime.fromtimestamp(wall, tz=UTC)
        lines: list[str] = []
        for a in self.world.scenario.get("atons", []):
            lon, lat = a["position"]
            msg = {"type": 21, "mmsi": a["mmsi"], "aid_type": a["aid_type"], "name": a["name"][:20], "lon": lon,
                   "lat": lat, "epfd": 1, "second": now.second, "off_position": 0, "virtual_aid": int(bool(
                       a.get("virtual"))), "to_bow": 2, "to_stern": 2, "to_port": 2, "to_starboard": 2}
            heard = [r for r in self.heard_by(self.world.local(lon, lat)) if r.station not in self.silent]
            for s in self.sentences(msg):
                lines.extend(tag_block(r.station, int(wall)) + s for r in heard)
        self.send(lines)
        return len(lines)

    def history(self, v: Vessel, points: list[tuple[datetime, XY]], status: int) -> int:
        """Reports from the past (a ship that has lain at anchor for days): stamped with their own time."""
        lines: list[str] = []
        saved = v.nav_status
        v.nav_status = status
        for when, (x, y) in points:
            lon, lat = self.world.lonlat(x, y)
            heard = [r for r in self.heard_by((x, y)) if r.station not in self.silent]
            for s in self.sentences(position_message(v, lon, lat, when.second)):
                lines.extend(tag_block(r.station, int(when.timestamp())) + s for r in heard)
        v.nav_status = saved
        self.send(lines)
        return len(points)

    def send(self, lines: list[str]) -> None:
        buf: list[bytes] = []
        size = 0
        for line in lines:
            data = (line + "\r\n").encode("ascii")
            if size + len(data) > MAX_DATAGRAM and buf:
                self.sock.sendto(b"".join(buf), self.target)
                buf, size = [], 0
            buf.append(data)
            size += len(data)
        if buf:
            self.sock.sendto(b"".join(buf), self.target)
        self.sent_lines += len(lines)
