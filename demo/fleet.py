"""Vessels and what they do: kinematics (turn rate, acceleration, zone speed limits) and a small state
machine per kind (a ship call: arrive, anchor, come in with tugs, work cargo, leave; tugs; pilot boats;
fishing boats; the ferry; passing traffic; pleasure craft).

Time here is simulated seconds; `--speed` only changes how fast the simulation runs against the wall.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shapely.geometry import LineString, Point
from shapely.prepared import prep

from demo.world import XY, Berth, World, random_point_in

KN = 1852 / 3600            # m/s per knot
CALL_KINDS = {"container": ("container",), "bulk": ("bulk",), "general": ("general", "multipurpose"),
              "tanker": ("liquid_chemical",)}
SHIP_TYPES = {"container": 71, "bulk": 70, "general": 70, "tanker": 80, "tug": 52, "pilot": 50, "fishing": 30,
              "ferry": 60, "passing": 70, "pleasure": 37}
NAMES = {
    "container": ["ZHONG GU JI NAN", "XIN HAI FENG", "HAI FENG LIAN XING", "SITC WEIFANG", "BO HAI ZHI XING",
                  "YONG XIN 8", "XIN MING ZHOU 28", "TIAN JIN WAN", "HUA HANG HAN YA 3", "RONG XIANG 6"],
    "bulk": ["SHANDONG HAI CHANG", "PENG HUI 9", "HONG TAI 88", "JIN HAI 6", "HAI YU 3", "FU LONG 18",
             "XIN HAI 9", "LU QING 2"],
    "general": ["XIN SHENG 12", "HAI AN 7", "WAN HE 3", "DONG FANG 16", "JIA HUA 8", "SHUN FENG 5",
                "HUI FENG 11", "YU HAI 2", "TAI PING 6"],
    "tanker": ["HUA HAI HUA 6", "SHENG HANG 9", "JIN PENG HUA 3", "HAI XIANG 18", "DA QING 432",
               "YUAN HANG 7"],
    "tug": ["WEI GANG TUO 1", "WEI GANG TUO 2", "WEI GANG TUO 3", "WEI GANG TUO 5", "WEI GANG TUO 6",
            "WEI GANG TUO 8"],
    "pilot": ["WEI FANG YIN 1", "WEI FANG YIN 2"],
    "ferry": ["BO HAI ZHEN ZHU", "SHENG SHENG 2"],
    "passing": ["COSCO HAI KOU", "ZHE HAI 518", "MIN YUN 268", "LIAO HAI 6", "JIN XIN 19", "HE DA 8",
                "AN JI HAI", "XIANG YUN 9"],
    "pleasure": ["HAI OU", "LAN TIAN", "BAI LANG"],
}
DESTINATIONS = ["CNWEF", "CNTAO", "CNDLC", "CNTXG", "KRINC", "CNLYG", "CNYNT", "JPOSA"]
# (length, beam, draught, cruise kn, max turn deg/s, class)
DIMENSIONS = {"container": (170, 27, 9.5, 13, 0.6, "A"), "bulk": (190, 32, 11.0, 11.5, 0.5, "A"),
              "general": (130, 20, 7.5, 11, 0.8, "A"), "tanker": (150, 24, 9.0, 12, 0.6, "A"),
              "tug": (32, 10, 4.0, 11, 4.0, "A"), "pilot": (18, 5, 1.5, 18, 6.0, "A"),
              "fishing": (28, 7, 2.5, 8, 3.0, "B"), "ferry": (180, 28, 6.5, 17, 0.8, "A"),
              "passing": (180, 30, 10.0, 13, 0.5, "A"), "pleasure": (12, 4, 1.2, 14, 8.0, "B")}
ANCHORED, MOORED, UNDERWAY, FISHING = 1, 5, 0, 7
ASSISTED_TURN = 2.0          # deg/s: a ship below 3 kn turns with her tugs and bow thruster


@dataclass
class Vessel:
    mmsi: int
    kind: str
    name: str
    callsign: str
    imo: int | None
    length: float
    beam: float
    draught: float
    cruise_kn: float
    max_turn: float
    cls: str
    x: float
    y: float
    heading: float = 0.0
    sog: float = 0.0                     # knots
    nav_status: int = UNDERWAY
    route: list[XY] = field(default_factory=list)
    leg: int = 0
    phase: str = "idle"
    until: float = 0.0                   # sim seconds: when the phase ends (timed phases)
    berth: str | None = None
    anchor_at: XY | None = None
    destination: str = "CNWEF"
    voyage: int = 1
    speed_override: float | None = None  # an incident's speed, ignoring limits
    dark_until_wall: float = 0.0          # an incident: transmitter off until this wall time
    escort: Vessel | None = None          # a tug's ship
    offset: XY = (0.0, 0.0)
    limit_kn: float | None = None
    limit_at: XY = (math.inf, math.inf)
    next_report: float = 0.0
    next_static: float = 0.0
    turning: bool = False
    fishing: int = 0                     # which fishing ground
    on_done: Callable[[Vessel], None] | None = None   # an incident's route: what happens at its end
    standby: XY | None = None            # a tug's station off the berth while her ship is alongside
    leg_from: XY = (0.0, 0.0)            # where the current leg of the route began

    @property
    def xy(self) -> XY:
        return (self.x, self.y)

    def go(self, route: list[XY], phase: str) -> None:
        self.route, self.leg, self.phase, self.nav_status = route, 0, phase, UNDERWAY
        self.leg_from = self.xy
        self.anchor_at = None


class Fleet:
    """All vessels and the rules of their life in this port."""

    def __init__(self, world: World, rng: random.Random, *, counts: dict[str, int] | None = None) -> None:
        self.world, self.rng = world, rng
        self.vessels: list[Vessel] = []
        self.berth_of: dict[str, int | None] = {b: None for b in world.berths}
        self.t = 0.0
        self._limits = [(prep(world.zones[z]), float(p["speed_limit_kn"]))
                        for z, p in world.zone_props.items() if p.get("speed_limit_kn")]
        self._limits.sort(key=lambda zl: zl[1])        # the strictest zone first
        self._land = prep(world.land)
        self._near_land = prep(world.land.buffer(40))
        self.events: list[tuple[str, Vessel]] = []      # (what happened, who): berthed, unberthed, ...
        self.tugs_of: dict[int, list[Vessel]] = {}        # ship MMSI -> the tugs assisting her
        counts = counts if counts is not None else {k: int(v) for k, v in world.scenario["fleet"].items()}
        self._populate(counts)

    # --- creation ---------------------------------------------------------------------------
    def _new(self, kind: str, index: int, xy: XY) -> Vessel:
        length, beam, draught, cruise, turn, cls = DIMENSIONS[kind]
        names = NAMES.get(kind) or [f"MIN YU {n:04d}" for n in range(5000, 5100)]
        name = names[index % len(names)] + (f" {index // len(names) + 1}" if index >= len(names) else "")
        mid = 413 if kind in ("fishing", "pleasure", "tug", "pilot") else self.rng.choice([412, 413, 414, 477, 636])
        mmsi = mid * 1_000_000 + 100_000 + len(self.vessels) * 37 + self.rng.randrange(37)
        v = Vessel(mmsi, kind, name, f"B{self.rng.randrange(10000, 99999)}",
                   None if cls == "B" or kind in ("tug", "pilot") else 9_100_000 + (mmsi % 899_999) // 10 * 10 + 7,
                   length * self.rng.uniform(0.85, 1.1), beam, draught * self.rng.uniform(0.8, 1.05),
                   cruise * self.rng.uniform(0.9, 1.1), turn, cls, xy[0], xy[1])
        v.imo = _imo(v.imo) if v.imo else None
        v.next_report = self.rng.uniform(0, 10)
        v.next_static = self.rng.uniform(0, 360)
        self.vessels.append(v)
        return v

    def _populate(self, counts: dict[str, int]) -> None:
        w, rng = self.world, self.rng
        for kind, key in (("container", "container_ships"), ("bulk", "bulk_carriers"),
                          ("general", "general_cargo"), ("tanker", "tankers")):
            for i in range(counts.get(key, 0)):
                v = self._new(kind, i, w.sea_entries[0])
                self._start_call(v, initial=True)
        service = w.berths[w.scenario["routes"]["service_berth"]]
        for kind, key in (("tug", "tugs"), ("pilot", "pilot_boats")):
            for i in range(counts.get(key, 0)):
                v = self._new(kind, i, (service.alongside[0] + (i - 3) * 25, service.alongside[1]))
                v.heading, v.phase, v.nav_status = service.heading_deg, "moored", MOORED
                v.until = rng.uniform(600, 3000) if kind == "pilot" else 0
        for i in range(counts.get("fishing_boats", 0)):
            v = self._new("fishing", i, self._fishing_spot(i % len(w.fishing)))
            v.fishing = i % len(w.fishing)
            self._fish(v)
        for i in range(counts.get("ferries", 0)):
            v = self._new("ferry", i, w.berths["B14"].alongside)
            if i == 0:
                self._moor(v, "B14", rng.uniform(600, 2400))
            else:
                self._ferry_out(v)
                self._place_along(v, rng.uniform(0.2, 0.8))
        for i in range(counts.get("passing", 0)):
            v = self._new("passing", i, rng.choice(w.sea_entries))
            self._pass(v)
            self._place_along(v, rng.uniform(0.05, 0.9))
        for i in range(counts.get("pleasure_craft", 0)):
            v = self._new("pleasure", i, self._coastal_spot())
            self._wander_coast(v)
        for i in range(counts.get("scale", 0)):          # --vessels N: a busy bay for performance work
            kind = rng.choice(["fishing", "fishing", "passing", "general"])
            v = self._new(kind, 1000 + i, self._fishing_spot(i % len(w.fishing)))
            v.fishing = i % len(w.fishing)
            self._fish(v)
        for v in self.vessels:          # the port was at work before the demo began: under way means moving
            if v.route and v.sog == 0 and v.phase not in ("anchored", "berthed", "moored"):
                tx, ty = v.route[v.leg]
                v.heading = math.degrees(math.atan2(tx - v.x, ty - v.y)) % 360
                v.sog = min(v.cruise_kn * 0.8, self._speed_for(v, math.dist(v.xy, (tx, ty))))

    # --- ship calls -------------------------------------------------------------------------
    def _anchorage_for(self, v: Vessel) -> str:
        return "anchorage-2" if v.kind == "tanker" else "anchorage-1"

    def _start_call(self, v: Vessel, initial: bool = False) -> None:
        """A new call: initially spread over every phase of a call so the port is busy from the start."""
        rng = self.rng
        v.voyage += 1
        v.destination = "CNWEF"
        v.anchor_at = None
        if not initial:
            v.x, v.y = rng.choice(self.world.sea_entries)
            v.go([self.world.channel[0], self._anchor_spot(v)], "arriving")
            return
        roll = rng.random()
        free = self._free_berth(v)
        if roll < 0.45 and free:
            self._moor(v, free, rng.uniform(1200, 4 * 3600))
        elif roll < 0.75:
            self._anchor(v, self._anchor_spot(v), rng.uniform(600, 3 * 3600))
        elif roll < 0.85 and free:
            self._inbound(v, free)
            self._place_along(v, rng.uniform(0.1, 0.7))
        else:
            v.go([self.world.channel[0], self._anchor_spot(v)], "arriving")
            v.x, v.y = rng.choice(self.world.sea_entries)
            self._place_along(v, rng.uniform(0.0, 0.6))

    def _anchor_spot(self, v: Vessel) -> XY:
        return self.world.spot_in(self._anchorage_for(v), self.rng)

    def _free_berth(self, v: Vessel) -> str | None:
        cargos = CALL_KINDS.get(v.kind, ())
        free = [b for b, who in self.berth_of.items() if who is None and self.world.berths[b].cargo in cargos]
        return self.rng.choice(free) if free else None

    def _anchor(self, v: Vessel, spot: XY, dwell: float) -> None:
        v.x, v.y = spot
        v.route, v.phase, v.nav_status, v.sog = [], "anchored", ANCHORED, 0.0
        v.anchor_at, v.until = spot, self.t + dwell
        v.destination = "CNWEF"

    def _moor(self, v: Vessel, berth_id: str, dwell: float) -> None:
        berth = self.world.berths[berth_id]
        self.berth_of[berth_id] = v.mmsi
        v.berth = berth_id
        v.x, v.y = berth.alongside
        v.heading = berth.heading_deg
        v.route, v.phase, v.nav_status, v.sog, v.until = [], "berthed", MOORED, 0.0, self.t + dwell
        self.events.append(("berthed", v))

    def _inbound(self, v: Vessel, berth_id: str) -> None:
        w = self.world
        self.berth_of[berth_id] = v.mmsi
        v.berth = berth_id
        start = w.channel_join(v.xy)
        berth = w.berths[berth_id]
        v.go([*w.channel[start:], berth.approach, berth.alongside], "inbound")

    def _outbound(self, v: Vessel) -> None:
        w = self.world
        berth = w.berths[v.berth] if v.berth else None
        if v.berth:
            self.berth_of[v.berth] = None
            self.events.append(("unberthed", v))
            v.berth = None
        v.destination = self.rng.choice(DESTINATIONS[1:])
        v.go([berth.off if berth else v.xy, *reversed(w.channel), self.rng.choice(w.sea_entries)], "outbound")
        self._call_tugs(v, 2, berth)

    def _call_tugs(self, ship: Vessel, n: int, berth: Berth | None = None) -> None:
        """Tugs made fast fore and aft on the centre line; near a berth they stand off it, on the water side."""
        free = [t for t in self.vessels if t.kind == "tug" and t.phase in ("moored", "returning")]
        berth = berth or (self.world.berths[ship.berth] if ship.berth else None)
        for i, tug in enumerate(free[:n]):
            tug.escort, tug.phase, tug.nav_status = ship, "assist", UNDERWAY
            tug.offset = (0.0, (ship.length / 2 + 35) * (1 if i == 0 else -1))
            tug.standby = None
            if berth is not None:
                rad = math.radians(berth.heading_deg)
                along = 60 * (1 if i == 0 else -1)
                tug.standby = (berth.off[0] + along * math.sin(rad), berth.off[1] + along * math.cos(rad))
            tug.route = []
            self.tugs_of.setdefault(ship.mmsi, []).append(tug)

    def _release_tugs(self, ship: Vessel) -> None:
        service = self.world.berths[self.world.scenario["routes"]["service_berth"]]
        for tug in self.tugs_of.pop(ship.mmsi, []):
            tug.escort = None
            via = [self.world.channel[-1]] if self._land.intersects(LineString([tug.xy, service.approach])) else []
            tug.go([*via, service.approach, service.alongside], "returning")

    # --- other kinds ------------------------------------------------------------------------
    def _fishing_spot(self, ground: int) -> XY:
        return random_point_in(self.world.fishing[ground], self.rng)

    def _fish(self, v: Vessel) -> None:
        v.go([self._fishing_spot(v.fishing) for _ in range(3)], "fishing")
        v.speed_override = None

    def _coastal_spot(self) -> XY:
        w = self.world
        entrance = w.channel[3]
        while True:
            xy = (entrance[0] + self.rng.uniform(-9000, -1500), entrance[1] + self.rng.uniform(2500, 9000))
            if w.in_water(xy) and not w.zone_at(xy, ("channel", "anchorage")):   # west of the fairway
                return xy

    def _wander_coast(self, v: Vessel) -> None:
        v.go([self._coastal_spot() for _ in range(2)], "wander")

    def _pass(self, v: Vessel) -> None:
        """Through traffic on one of the bay's sea lanes, keeping to the starboard side of it (about 1 km off
        its axis), so that ships meeting on a lane pass clear of each other."""
        lanes = self.world.scenario["routes"]["passing_lanes"]
        (lon0, lat0), (lon1, lat1) = self.rng.choice(lanes)
        a, b = self.world.local(lon0, lat0), self.world.local(lon1, lat1)
        if self.rng.random() < 0.5:
            a, b = b, a
        dx, dy = b[0] - a[0], b[1] - a[1]
        length = math.hypot(dx, dy)
        side = self.rng.uniform(600, 3000)                     # starboard: to the right of the direction of travel
        v.cruise_kn = 12.5 + self.rng.uniform(-0.25, 0.25)    # the lane's pace: overtaking is rare
        ox, oy = dy / length * side, -dx / length * side
        v.x, v.y = a[0] + ox, a[1] + oy
        v.heading = math.degrees(math.atan2(dx, dy)) % 360
        v.destination = self.rng.choice(DESTINATIONS[1:])
        v.go([(b[0] + ox, b[1] + oy)], "passing")

    def _ferry_out(self, v: Vessel) -> None:
        w = self.world
        exit_xy = w.local(*w.scenario["routes"]["ferry_exit"])
        if v.berth:
            self.berth_of[v.berth] = None
            v.berth = None
        v.destination = "CNDLC"
        v.go([w.berths["B14"].off, *reversed(w.channel[1:]), exit_xy], "ferry_out")

    def _ferry_in(self, v: Vessel) -> None:
        w = self.world
        v.x, v.y = w.local(*w.scenario["routes"]["ferry_exit"])
        v.destination = "CNWEF"
        v.go([w.channel[1], *w.channel[2:], w.berths["B14"].approach, w.berths["B14"].alongside], "ferry_in")

    def _place_along(self, v: Vessel, fraction: float) -> None:
        """Put a vessel part way along its route, heading down the leg it is on."""
        pts = [v.xy, *v.route]
        lengths = [math.dist(a, b) for a, b in itertools.pairwise(pts)]
        goal = sum(lengths) * fraction
        for i, seg in enumerate(lengths):
            if goal <= seg or i == len(lengths) - 1:
                (ax, ay), (bx, by) = pts[i], pts[i + 1]
                f = min(goal / seg, 0.98) if seg else 0
                v.x, v.y = ax + (bx - ax) * f, ay + (by - ay) * f
                v.heading = math.degrees(math.atan2(bx - ax, by - ay)) % 360
                v.leg = i
                v.leg_from = pts[i]
                v.sog = min(v.cruise_kn * 0.8, self._speed_for(v, math.inf))
                return
            goal -= seg

    # --- the clock --------------------------------------------------------------------------
    def step(self, dt: float) -> None:
        """Advance every vessel by dt simulated seconds (in sub-steps short enough to turn smoothly)."""
        n = max(1, math.ceil(dt / 2.0))
        h = dt / n
        for _ in range(n):
            self.t += h
            for v in self.vessels:
                self._behave(v)
                self._move(v, h)

    def _behave(self, v: Vessel) -> None:
        t = self.t
        if v.phase == "anchored" and t >= v.until:
            berth = self._free_berth(v)
            if berth:
                self._inbound(v, berth)
            else:
                v.until = t + 900
        elif v.phase == "berthed" and t >= v.until:
            if v.kind == "ferry":
                self._ferry_out(v)
            else:
                self._outbound(v)
        elif v.phase == "moored" and v.kind == "pilot" and t >= v.until:
            w = self.world
            service = w.berths[w.scenario["routes"]["service_berth"]]
            v.go([w.channel[-1], *reversed(w.channel[2:-1]), w.local(*w.scenario["routes"]["pilot_station"]),
                  *w.channel[2:], service.approach, service.alongside], "pilot_run")
        elif v.phase == "away" and t >= v.until:
            if v.kind == "ferry":
                self._ferry_in(v)
            elif v.kind == "passing":
                self._pass(v)
            else:
                self._start_call(v)
        elif v.phase == "inbound" and v.leg == len(v.route) - 2 and v.mmsi not in self.tugs_of:
            self._call_tugs(v, 2)
        elif v.phase == "outbound" and v.leg >= 3 and v.mmsi in self.tugs_of:
            self._release_tugs(v)        # past the harbour entrance: the tugs go home

    def _arrived(self, v: Vessel) -> None:
        rng, phase = self.rng, v.phase
        v.route = []
        if phase == "arriving":
            self._anchor(v, v.xy, rng.uniform(1800, 4 * 3600))
        elif phase in ("inbound", "ferry_in"):
            assert v.berth or phase == "ferry_in"
            self._release_tugs(v)
            self._moor(v, v.berth or "B14", rng.uniform(2 * 3600, 8 * 3600) if phase == "inbound"
                       else rng.uniform(1800, 3600))
        elif phase in ("outbound", "ferry_out", "passing"):
            self._release_tugs(v)
            v.phase, v.until, v.sog = "away", self.t + rng.uniform(600, 3600), 0.0
        elif phase in ("returning", "pilot_run"):
            service = self.world.berths[self.world.scenario["routes"]["service_berth"]]
            v.phase, v.nav_status, v.sog = "moored", MOORED, 0.0
            v.heading = service.heading_deg
            v.until = self.t + rng.uniform(1800, 5400)
        elif phase == "fishing":
            if rng.random() < 0.5:
                v.phase, v.nav_status, v.until = "trawl", FISHING, self.t + rng.uniform(600, 2400)
            else:
                self._fish(v)
        elif phase == "wander":
            self._wander_coast(v)
        elif phase == "custom":
            v.phase, v.speed_override = "idle", None
            done, v.on_done = v.on_done, None
            if done is not None:
                done(v)

    def _move(self, v: Vessel, h: float) -> None:
        if v.phase == "trawl":
            if self.t >= v.until:
                self._fish(v)
            v.sog = 2.5
            v.heading = (v.heading + self.rng.uniform(-2, 2)) % 360
            self._advance(v, h)
            return
        if v.phase == "assist" and v.escort is not None:
            self._follow(v, v.escort, h)
            return
        if v.phase == "anchored":
            self._swing(v, h)
            return
        if not v.route:
            v.sog = 0.0
            return
        tx, ty = v.route[v.leg]
        dx, dy = tx - v.x, ty - v.y
        dist = math.hypot(dx, dy)
        last = v.leg == len(v.route) - 1
        # A waypoint counts as passed a turning radius before it, but never more than 40 % of its leg away.
        arrive = 25.0 if last else min(max(120.0, v.length * 1.5), 0.4 * math.dist(v.leg_from, (tx, ty)))
        if dist < arrive:
            if last:
                self._arrived(v)
                return
            v.leg += 1
            v.leg_from = (tx, ty)
            return
        bearing = math.degrees(math.atan2(dx, dy)) % 360
        diff = (bearing - v.heading + 180) % 360 - 180
        rate = self.turn_rate(v)
        turn = max(-rate * h, min(rate * h, diff))
        v.turning = abs(diff) > 5
        v.heading = (v.heading + turn) % 360
        want = v.speed_override if v.speed_override is not None else self._speed_for(v, dist if last else math.inf)
        if abs(diff) > 60 and v.length > 60:
            want = min(want, 4.0)
        accel = 0.02 if v.length > 100 else 0.1           # knots per second
        v.sog += max(-accel * 2 * h, min(accel * h, want - v.sog))
        self._advance(v, h)

    @staticmethod
    def turn_rate(v: Vessel) -> float:
        """Degrees per second: her own, or more when she is slow and large (tugs, thrusters)."""
        return max(v.max_turn, ASSISTED_TURN) if v.sog < 3 and v.length > 60 else v.max_turn

    def _speed_for(self, v: Vessel, to_go: float) -> float:
        want = v.cruise_kn
        if math.dist(v.limit_at, v.xy) > 250:      # the zones here and ahead: slow down before entering
            v.limit_at = v.xy
            rad = math.radians(v.heading)
            reach = max(1200.0, v.sog * KN * 300)     # five minutes ahead: a big ship slows down slowly
            track = LineString([v.xy, (v.x + reach * math.sin(rad), v.y + reach * math.cos(rad))])
            limits = [limit for zone, limit in self._limits if zone.intersects(track)]
            v.limit_kn = min(limits) if limits else None
        if v.limit_kn is not None:
            want = min(want, v.limit_kn * 0.85)
        if to_go < 2000:
            want = min(want, max(1.0, to_go / 250))        # slow down for the berth or the anchor
        return want

    def _advance(self, v: Vessel, h: float) -> None:
        d = v.sog * KN * h
        rad = math.radians(v.heading)
        v.x += d * math.sin(rad)
        v.y += d * math.cos(rad)

    def _swing(self, v: Vessel, h: float) -> None:
        """At anchor: the ship swings slowly round her anchor with the tide (unless she is dragging it)."""
        if v.speed_override is not None:      # dragging: drifting downwind at the incident's speed
            v.sog = v.speed_override
            self._advance(v, h)
            return
        v.heading = (v.heading + 0.01 * h) % 360
        ax, ay = v.anchor_at or v.xy
        r = 40.0
        v.x, v.y = ax + r * math.sin(math.radians(v.heading + 180)), ay + r * math.cos(math.radians(v.heading + 180))
        v.sog = 0.1

    def _follow(self, tug: Vessel, ship: Vessel, h: float) -> None:
        rad = math.radians(ship.heading)
        ox, oy = tug.offset
        tx = ship.x + ox * math.cos(rad) + oy * math.sin(rad)
        ty = ship.y - ox * math.sin(rad) + oy * math.cos(rad)
        at_berth = (ship.phase == "inbound" and ship.leg == len(ship.route) - 1) or (
            ship.phase == "outbound" and ship.leg == 0)
        if at_berth and tug.standby is not None:
            tx, ty = tug.standby                     # alongside work: the tug stands off the berth
        if self._near_land.contains(Point(tx, ty)):
            tx, ty = tug.standby or self.world.channel[-1]   # never between the ship and the quay
        if self._land.intersects(LineString([tug.xy, (tx, ty)])):
            tx, ty = self.world.channel[-1]          # the quays are in the way: round by the turning basin
        dx, dy = tx - tug.x, ty - tug.y
        dist = math.hypot(dx, dy)
        bearing = math.degrees(math.atan2(dx, dy)) % 360 if dist > 5 else ship.heading
        diff = (bearing - tug.heading + 180) % 360 - 180
        tug.heading = (tug.heading + max(-tug.max_turn * h, min(tug.max_turn * h, diff))) % 360
        want = min(tug.cruise_kn, ship.sog + dist / 60, self._speed_for(tug, math.inf))   # within the limits
        tug.sog += max(-0.3 * h, min(0.3 * h, want - tug.sog))
        self._advance(tug, h)

    # --- incidents use these ----------------------------------------------------------------
    def pick(self, test: Callable[[Vessel], bool]) -> Vessel | None:
        found = [v for v in self.vessels if test(v)]
        return self.rng.choice(found) if found else None

    def custom(self, v: Vessel, route: list[XY], speed: float | None = None,
               then: Callable[[Vessel], None] | None = None) -> None:
        """An incident's own route at its own speed; `then` decides what the vessel does at its end."""
        if v.berth:
            self.berth_of[v.berth] = None
            v.berth = None
        self._release_tugs(v)
        v.go(route, "custom")
        v.speed_override, v.on_done, v.until = speed, then, 0.0

    def resume(self, v: Vessel) -> None:
        """Back to the vessel's ordinary life after an incident."""
        if v.kind == "fishing":
            self._fish(v)
        elif v.kind == "pleasure":
            self._wander_coast(v)
        elif v.kind == "passing":
            v.go([self.rng.choice(self.world.sea_entries)], "passing")
        elif v.kind in CALL_KINDS:
            v.go([*self.world.channel[self.world.channel_join(v.xy):][:1], self.rng.choice(self.world.sea_entries)],
                 "outbound")
        else:
            v.go([self.world.berths[self.world.scenario["routes"]["service_berth"]].alongside], "returning")

    def snapshot(self) -> dict[str, Any]:
        by: dict[str, int] = {}
        for v in self.vessels:
            by[v.phase] = by.get(v.phase, 0) + 1
        return by


def _imo(seven: int) -> int:
    """A number with a valid IMO check digit (weights 7..2 on the first six digits)."""
    digits = [int(c) for c in f"{seven // 10:06d}"[-6:]]
    check = sum(d * w for d, w in zip(digits, range(7, 1, -1), strict=True)) % 10
    return int("".join(map(str, digits)) + str(check))
