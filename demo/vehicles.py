"""The port's vehicles and people for the demo: trucks and port vehicles speaking JT/T 808 over TCP (2013 and 2019
terminals, registered and authenticated as real ones are), and the patrol and boarding teams' phones speaking the
OsmAnd / Traccar Client protocol over HTTP; their registries dropped into the inbox. Incidents: a truck over the
yard's limit, the fire engine's emergency button, a patrol phone going silent in the terminal."""

from __future__ import annotations

import contextlib
import json
import logging
import math
import socket
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from demo.world import XY, World
from ingest.vehicles import jt808
from portdomain.secrets import data_dir, listener_secret, tracker_token

log = logging.getLogger(__name__)
REPORT_S = 5.0            # wall seconds between a terminal's reports
PHONE_S = 15.0
RETRY_S = 10.0
# phone, plate, kind, 2019 header?, speed km/h
VEHICLES = [("13953600101", "鲁GT0101", "container_truck", False, 25),
            ("13953600102", "鲁GT0102", "container_truck", True, 22),
            ("13953600103", "鲁GT0103", "container_truck", False, 28),
            ("13953600104", "鲁GT0104", "container_truck", True, 24),
            ("13953600105", "鲁GT0105", "tractor", False, 20), ("13953600201", "鲁GR0201", "reach_stacker", True, 12),
            ("13953600301", "鲁GP0301", "patrol_car", False, 30), ("13953600401", "鲁GF0401", "fire_engine", True, 0)]
# the vehicles' incidents, each hour of simulated time: (what, from minute, to minute)
SCHEDULE = [("speeding", 10, 13), ("emergency", 25, 27), ("silent_phone", 40, 50), ("unrecorded_gate_pass", 50, 60)]
PEOPLE = [("phone-bb-01", "Border team 1 / Liu", "border_boarding"), ("phone-pp-01", "Patrol 1 / Sun", "port_patrol"),
          ("phone-pp-02", "Patrol 2 / Ma", "port_patrol")]


@dataclass
class Mover:
    """Something that goes round a closed path at a speed (metres, seconds of simulated time)."""

    path: list[XY]
    speed_mps: float
    along_m: float = 0.0
    mileage_km: float = 0.0

    def step(self, dt: float, speed_mps: float | None = None) -> None:
        d = (self.speed_mps if speed_mps is None else speed_mps) * dt
        self.along_m += d
        self.mileage_km += d / 1000

    def leg(self) -> int:
        """The index of the path's vertex the mover last passed."""
        lengths = [math.dist(a, b) for a, b in zip(self.path, self.path[1:] + self.path[:1], strict=True)]
        left = self.along_m % (sum(lengths) or 1.0)
        for i, n in enumerate(lengths):
            if left < n:
                return i
            left -= n
        return 0

    def where(self) -> tuple[XY, float]:
        """The position and the heading (degrees true) along the path."""
        legs = list(zip(self.path, self.path[1:] + self.path[:1], strict=True))
        total = sum(math.dist(a, b) for a, b in legs) or 1.0
        left = self.along_m % total
        for a, b in legs:
            n = math.dist(a, b)
            if left <= n and n > 0:
                f = left / n
                return (a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1])), math.degrees(
                    math.atan2(b[0] - a[0], b[1] - a[1])) % 360
            left -= n
        return self.path[0], 0.0


@dataclass
class Terminal:
    phone: str
    plate: str
    kind: str
    version: int | None
    mover: Mover
    sock: socket.socket | None = None
    serial: int = 0
    next_try: float = 0.0
    alarm: int = 0
    speeding: bool = False
    code: str = ""                 # the auth code the platform gave at registration
    splitter: jt808.Splitter = field(default_factory=jt808.Splitter)


class VehicleFeed:
    def __init__(self, world: World, rng: Any, jt808_at: tuple[str, int] | None, trackers_at: tuple[str, int] | None,
                 speed: float, inbox: Path) -> None:
        self.world, self.rng, self.speed = world, rng, speed
        self.jt808_at, self.trackers_at, self.inbox = jt808_at, trackers_at, inbox
        loop = self._loop()
        paths = {"fire_engine": loop[:1], "reach_stacker": loop[:2]}     # one stands by, one works quay-yard
        self.terminals = [Terminal(p, plate, kind, 1 if v2019 else None,
                                   Mover(paths.get(kind, loop), kmh / 3.6, along_m=i * 180.0))
                          for i, (p, plate, kind, v2019, kmh) in enumerate(VEHICLES)]
        self.on_gate: Any = None        # (plate, "in" | "out", wall) when a truck passes the gate (a gate transaction)
        self.skip_gate = False          # the incident: a truck through the gate with no gate transaction
        self.people = [(d, Mover(loop[1:3] + loop[1:2], 1.2, along_m=i * 60.0)) for i, (d, *_r) in enumerate(PEOPLE)]
        self.secret = listener_secret("PORTMAP_TRACKER_SECRET", "tracker-secret")
        self.codes_file = data_dir() / "demo" / "jt808-codes.json"     # what each terminal keeps of its login
        try:
            self.codes: dict[str, str] = json.loads(self.codes_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.codes = {}
        for t in self.terminals:
            t.code = self.codes.get(t.phone, "")
        self.next_report = self.next_phone = 0.0
        self.sent = self.phones_sent = 0
        self.silent_phone = ""

    def _loop(self) -> list[XY]:
        """Quay -> yard -> gate -> out of the terminal -> gate -> yard: the container trucks' loop, local metres."""
        berths = [b for b in self.world.berths.values() if b.cargo == "container"] or list(self.world.berths.values())
        quay = berths[len(berths) // 2].alongside
        terminal = next((z for z, p in self.world.zone_props.items() if p["kind"] == "terminal"
                         and "container" in z), None)
        gates = self.world.gates
        gate = next((g for g in gates if "container" in g), gates[0] if gates else None)
        if terminal is None or gate is None:
            return [quay]
        yard, gate_xy = self.world.zones[terminal].centroid, self.world.zones[gate].centroid
        yard_xy, gate_p = (yard.x, yard.y), (gate_xy.x, gate_xy.y)
        ashore = (quay[0] + 0.15 * (yard_xy[0] - quay[0]), quay[1] + 0.15 * (yard_xy[1] - quay[1]))
        d = math.dist(yard_xy, gate_p) or 1.0
        out = (gate_p[0] + (gate_p[0] - yard_xy[0]) / d * 300, gate_p[1] + (gate_p[1] - yard_xy[1]) / d * 300)
        return [ashore, yard_xy, gate_p, out, gate_p, yard_xy]

    # --- start -------------------------------------------------------------------------------------
    def start(self, now: datetime) -> None:
        """The registries into the inbox (the inbox worker stores them)."""
        self.inbox.mkdir(parents=True, exist_ok=True)
        rows = "".join(f"{p},{plate},{kind},Weifang Port Logistics\n" for p, plate, kind, *_ in VEHICLES)
        _drop(self.inbox / f"{now:%Y%m%dT%H%M%S}-fleet.vehicles.csv", "terminal_phone,plate,kind,owner\n" + rows)
        people = "".join(f"{d},{name},{team}\n" for d, name, team in PEOPLE)
        _drop(self.inbox / f"{now:%Y%m%dT%H%M%S}-teams.people.csv", "device_id,name,team\n" + people)

    # --- the loop ----------------------------------------------------------------------------------
    def tick(self, dt: float, wall: float, sim_t: float | None = None) -> None:
        if sim_t is not None:
            minute = (sim_t / 60) % 60
            for what, start, end in SCHEDULE:
                self.incident(what, start <= minute < end)
        for t in self.terminals:
            before = t.mover.leg()
            t.mover.step(dt, (45 / 3.6) if t.speeding else None)
            self._gate_passes(t, before, wall)
        for _, m in self.people:
            m.step(dt)
        if self.jt808_at and wall >= self.next_report:
            self.next_report = wall + REPORT_S
            for t in self.terminals:
                self._report(t, wall)
        if self.trackers_at and wall >= self.next_phone:
            self.next_phone = wall + PHONE_S
            for device, m in self.people:
                if device != self.silent_phone:
                    self._phone(device, m, wall)

    def _gate_passes(self, t: Terminal, before: int, wall: float) -> None:
        """A truck on the loop passes the gate going out (vertex 2 -> 3) and coming in (vertex 4 -> 5)."""
        if len(t.mover.path) < 6 or t.kind not in ("container_truck", "tractor") or self.on_gate is None:
            return
        after = t.mover.leg()
        for vertex, way in ((2, "out"), (4, "in")):
            if before == vertex and after != vertex:
                if self.skip_gate and t is self.terminals[2]:
                    log.info("incident unrecorded_gate_pass: %s through the gate %s, no gate transaction", t.plate, way)
                else:
                    self.on_gate(t.plate, way, wall)

    def _report(self, t: Terminal, wall: float) -> None:
        if t.sock is None and (wall < t.next_try or not self._login(t, wall)):
            return
        (x, y), heading = t.mover.where()
        lon, lat = self.world.lonlat(x, y)
        moving = t.mover.speed_mps > 0 or t.speeding
        speed = (45.0 if t.speeding else t.mover.speed_mps * 3.6) * (1 if moving else 0)
        loc = jt808.Location(t.alarm, jt808.ACC_ON | jt808.POSITIONED, lat, lon, 4, speed, round(heading) % 360,
                             datetime.fromtimestamp(wall, UTC).replace(microsecond=0),
                             mileage_km=round(t.mover.mileage_km + 10000, 1), fuel_l=180.0, signal=27, satellites=15)
        try:
            self._send(t, jt808.LOCATION, jt808.encode_location(loc))
            self._drain(t)
            self.sent += 1
        except OSError as err:
            log.warning("jt808 %s: %s; again in %.0f s", t.plate, err, RETRY_S)
            self._drop_connection(t, wall)

    def _login(self, t: Terminal, wall: float) -> bool:
        assert self.jt808_at is not None
        try:
            t.sock = socket.create_connection(self.jt808_at, timeout=2)
            if not (t.code and self._authenticate(t, t.code)):     # a terminal keeps its code, as real ones do
                reg = jt808.Registration(37, 700, "70111", "DEMO-808", t.phone[-7:], 1, t.plate)
                self._send(t, jt808.REGISTER, jt808.encode_registration(reg, t.version))
                _serial, result, code = jt808.decode_registration_answer(self._answer(t, jt808.REGISTER_ANSWER))
                if result != 0:     # 3: registered before with a code lost since, 4: not in the registry yet
                    raise OSError(f"registration answered {result}")
                t.code = self.codes[t.phone] = code
                self._save_codes()
                if not self._authenticate(t, code):
                    raise OSError("authentication refused")
            t.sock.setblocking(False)
            return True
        except (OSError, jt808.FrameError, TimeoutError) as err:
            log.info("jt808 %s: not logged in (%s); again in %.0f s", t.plate, err, RETRY_S)
            self._drop_connection(t, wall)
            return False

    def _authenticate(self, t: Terminal, code: str) -> bool:
        self._send(t, jt808.AUTH, jt808.encode_auth(code, t.version, "86" + t.phone[-13:].rjust(13, "0"), "demo-1.0"))
        return jt808.decode_general_answer(self._answer(t, jt808.PLATFORM_ANSWER))[2] == 0

    def _save_codes(self) -> None:
        with contextlib.suppress(OSError):
            self.codes_file.parent.mkdir(parents=True, exist_ok=True)
            self.codes_file.write_text(json.dumps(self.codes, indent=1), encoding="utf-8")

    def _send(self, t: Terminal, msg_id: int, body: bytes) -> None:
        assert t.sock is not None
        t.serial = (t.serial + 1) & 0xFFFF
        t.sock.sendall(jt808.encode(msg_id, t.phone, t.serial, body, version=t.version))

    def _answer(self, t: Terminal, msg_id: int) -> bytes:
        assert t.sock is not None
        for _ in range(20):
            data = t.sock.recv(4096)
            if not data:
                raise OSError("the platform closed the connection")
            for item in t.splitter.feed(data):
                if isinstance(item, bytes):
                    header, body = jt808.decode(item)
                    if header.msg_id == msg_id:
                        return body
        raise OSError(f"no {msg_id:#06x} answer")

    def _drain(self, t: Terminal) -> None:
        """Read (and drop) the platform's answers, so they do not pile up."""
        assert t.sock is not None
        with contextlib.suppress(BlockingIOError):
            while t.sock.recv(65536):
                pass

    def _drop_connection(self, t: Terminal, wall: float) -> None:
        if t.sock is not None:
            with contextlib.suppress(OSError):
                t.sock.close()
        t.sock, t.next_try, t.splitter = None, wall + RETRY_S, jt808.Splitter()

    def _phone(self, device: str, m: Mover, wall: float) -> None:
        assert self.trackers_at is not None
        (x, y), heading = m.where()
        lon, lat = self.world.lonlat(x, y)
        query = urlencode({"id": device, "lat": f"{lat:.6f}", "lon": f"{lon:.6f}", "timestamp": int(wall),
                           "speed": f"{m.speed_mps / (1852 / 3600):.2f}", "bearing": f"{heading:.0f}", "accuracy": 6,
                           "batt": 80, "token": tracker_token(self.secret, device)})
        try:
            with urllib.request.urlopen(f"http://{self.trackers_at[0]}:{self.trackers_at[1]}/?{query}", data=b"",
                                        timeout=5) as reply:
                if reply.status == 200:
                    self.phones_sent += 1
        except OSError as err:
            log.debug("tracker %s: %s", device, err)

    # --- incidents ---------------------------------------------------------------------------------
    def incident(self, what: str, on: bool) -> None:
        """speeding (the first truck), emergency (the fire engine's button), silent_phone (a patrol phone),
        unrecorded_gate_pass (the third truck through the gate with no gate transaction: the sensors disagree)."""
        if what == "speeding":
            if on and not self.terminals[0].speeding:
                log.info("incident vehicle_speeding: %s at 45 km/h in the yard", self.terminals[0].plate)
            self.terminals[0].speeding = on
        elif what == "emergency":
            fire = next(t for t in self.terminals if t.kind == "fire_engine")
            if on and not fire.alarm:
                log.info("incident vehicle_emergency: %s presses the emergency button", fire.plate)
            fire.alarm = jt808.EMERGENCY if on else 0
        elif what == "silent_phone":
            self.silent_phone = PEOPLE[1][0] if on else ""
        elif what == "unrecorded_gate_pass":
            self.skip_gate = on


def _drop(path: Path, text: str) -> None:
    """Write a file for the inbox as a whole (written aside, then renamed)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
