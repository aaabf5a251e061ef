"""The demo feed: one loop that moves the fleet, works the yard and the gates, lets the cameras see, runs
the incidents, and speaks only the real protocols to the ingest workers (AIS over UDP, Frigate over MQTT,
files in the drop folder). It never touches the database.
"""

from __future__ import annotations

import logging
import math
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from demo.ais import AisEmitter
from demo.cameras import CameraFeed
from demo.cargo import CargoWork
from demo.fleet import ANCHORED, CALL_KINDS, Fleet, Vessel
from demo.incidents import Incidents, schedule
from demo.vehicles import VehicleFeed
from demo.world import World
from demo.yard import Yard
from portdomain.broker import BrokerLogin

log = logging.getLogger(__name__)


@dataclass
class Options:
    speed: float = 1.0
    seed: int = 7
    vessels: int | None = None           # None: the scenario's fleet; N: scale mode with N vessels
    incidents: bool = True
    ais: tuple[str, int] = ("127.0.0.1", 10110)
    mqtt: tuple[str, int] = ("127.0.0.1", 51883)
    mqtt_login: BrokerLogin | None = None   # None: Frigate's user on the private broker
    topic: str = "frigate/events"
    inbox: Path = Path(".data/inbox")
    incident_log: Path | None = Path(".data/demo/incidents.jsonl")
    jt808: tuple[str, int] | None = None   # the JT/T 808 server (None: no vehicles)
    trackers: tuple[str, int] | None = None   # the phone trackers' HTTP listener (None: no people)
    tick_s: float = 0.5
    history_h: float = 24.0              # how much past the ships at anchor bring with them
    status_every_s: float = 30.0


class DemoFeed:
    def __init__(self, world: World, options: Options) -> None:
        self.world, self.options, self.speed = world, options, options.speed
        self.rng = random.Random(options.seed)
        counts = {k: int(v) for k, v in world.scenario["fleet"].items()}
        if options.vessels is not None:
            base = sum(counts.values())
            if options.vessels < base:
                scale = options.vessels / base
                counts = {k: max(0, round(n * scale)) for k, n in counts.items()}
            else:
                counts["scale"] = options.vessels - base
        self.fleet = Fleet(world, self.rng, counts=counts)
        self.ais = AisEmitter(world, options.ais, options.speed)
        self.cameras = CameraFeed(world, self.rng, *options.mqtt, options.speed, topic=options.topic,
                                  client_id=f"portmap-demo-{options.topic.split('/')[0]}",
                                  login=options.mqtt_login)
        self.yard = Yard(world, self.rng, options.inbox)
        self.vehicles = VehicleFeed(world, self.rng, options.jt808, options.trackers, options.speed, options.inbox) \
            if options.jt808 or options.trackers else None
        if self.vehicles is not None:
            self.vehicles.on_gate = self._tracked_truck_at_gate
        items = schedule(world.scenario) if options.incidents else []
        self.incidents = Incidents(self, items, options.incident_log)
        self.sim_t = 0.0
        conf = world.scenario["yard"]
        self.snapshot_every = float(conf.get("snapshot_every_min", 5)) * 60
        self.next_snapshot = self.snapshot_every
        self.next_gate = 0.0
        self.cargo = CargoWork(self.yard, self.rng, self._truck_seen, options.speed)
        self.gate_rows: list[tuple[object, ...]] = []
        self.next_gate_file = 300.0
        self.next_plan_wall = 0.0
        self.planned: dict[int, tuple[str, int]] = {}     # mmsi -> (berth, voyage) the planner gave her

    # --- start ------------------------------------------------------------------------------
    def start(self, wall: float) -> None:
        now = datetime.fromtimestamp(wall, UTC)
        voyages = [self.voyage_of(v) for v in self.fleet.vessels if v.kind in CALL_KINDS] or ["WFT/001"]
        filled = self.yard.fill(float(self.world.scenario["yard"]["fill"]), now - timedelta(hours=30), voyages)
        self.yard.write_declarations([b for b in self.yard.boxes.values() if b.un], now - timedelta(days=1))
        self.yard.write_snapshot(now)
        if self.vehicles is not None:
            self.vehicles.start(now)
        sent = 0
        for v in self.fleet.vessels:     # ships at anchor have been there a while: their recent past
            if v.phase == "anchored" and v.kind in CALL_KINDS:
                sent += self.send_history(v, self.rng.uniform(1, self.options.history_h), step_min=15)
        log.info("start: %d vessels (%s), %d containers in the yard, %d past positions sent",
                 len(self.fleet.vessels), self.fleet.snapshot(), filled, sent)

    def send_history(self, v: Vessel, hours: float, step_min: float) -> int:
        """The positions of a ship at anchor over the past `hours`, stamped with their own times."""
        now = datetime.now(UTC)
        ax, ay = v.anchor_at or v.xy
        points = []
        n = int(hours * 60 / step_min)
        for i in range(n, 0, -1):
            when = now - timedelta(minutes=i * step_min)
            swing = math.radians((i * 7) % 360)
            points.append((when, (ax + 40 * math.sin(swing), ay + 40 * math.cos(swing))))
        return self.ais.history(v, points, ANCHORED)

    def voyage_of(self, v: Vessel) -> str:
        return f"{v.callsign}/{v.voyage:03d}{'E' if v.voyage % 2 else 'W'}"

    # --- the loop ---------------------------------------------------------------------------
    def run(self, duration_s: float | None = None) -> None:
        wall0 = time.time()
        self.start(wall0)
        last = wall0
        next_status = wall0 + self.options.status_every_s
        while duration_s is None or time.time() - wall0 < duration_s:
            wall = time.time()
            dt = (wall - last) * self.speed
            last = wall
            self.step(dt, wall)
            if wall >= next_status:
                next_status = wall + self.options.status_every_s
                log.info("t=%.0f sim-min: %d vessels %s; %d AIS reports, %d camera messages, %d files",
                         self.sim_t / 60, len(self.fleet.vessels), self.fleet.snapshot(), self.ais.sent_reports,
                         self.cameras.published, self.yard.files_written)
            spare = self.options.tick_s - (time.time() - wall)
            if spare > 0:
                time.sleep(spare)

    def step(self, dt: float, wall: float) -> None:
        self.sim_t += dt
        self.fleet.step(dt)
        self.incidents.tick(self.sim_t, wall)
        self.ais.tick(self.fleet.vessels, self.sim_t, wall)
        self.ais.atons(self.sim_t, wall)
        self.cameras.tick(dt, wall)
        if self.vehicles is not None:
            self.vehicles.tick(dt, wall, self.sim_t if self.options.incidents else None)
        if wall >= self.next_plan_wall:
            self.next_plan_wall = wall + 120
            self._berth_plan(wall)
        self._cargo(wall)
        self._gates(wall)
        if self.sim_t >= self.next_snapshot:
            self.next_snapshot = self.sim_t + self.snapshot_every
            self.yard.write_snapshot(datetime.fromtimestamp(wall, UTC))

    # --- the berth planner -----------------------------------------------------------------
    def _berth_plan(self, wall: float) -> None:
        """The terminal's berth plan, re-sent every two minutes (a JSON file to the inbox): each calling ship
        alongside keeps her berth until her planned departure; each ship waiting at anchor or coming in is given a
        berth of her cargo and a time when her wait should end. The planner is right most of the time; where the
        fleet then takes another free berth, or waits longer, the map shows the difference."""
        now = datetime.fromtimestamp(wall, UTC)
        calls = []
        for v in self.fleet.vessels:
            if v.kind not in CALL_KINDS or v.phase not in ("berthed", "anchored", "inbound", "arriving"):
                continue
            left_s = max(0.0, (v.until - self.fleet.t) / self.speed)
            if not math.isfinite(left_s):            # a phase without an end: plan a day ahead
                left_s = 24 * 3600 / self.speed
            berth: str | None = None
            if v.phase in ("berthed", "inbound") and v.berth:
                berth = v.berth
                arrival = now - timedelta(hours=2) if v.phase == "berthed" else now + timedelta(minutes=20)
                departure = now + timedelta(seconds=left_s if v.phase == "berthed" else 4 * 3600 / self.speed)
            else:
                known = self.planned.get(v.mmsi)
                berth = known[0] if known and known[1] == v.voyage else self._plan_berth(v)
                if berth is None:
                    continue
                wait_s = left_s if v.phase == "anchored" else 3600 / self.speed
                arrival = now + timedelta(seconds=wait_s + 1800 / self.speed)
                departure = arrival + timedelta(hours=3)
            self.planned[v.mmsi] = (berth, v.voyage)
            calls.append({"plan_id": f"{v.mmsi}-{self.voyage_of(v)}", "berth_id": berth, "mmsi": v.mmsi,
                          "imo": v.imo, "vessel_name": v.name, "voyage": self.voyage_of(v),
                          "planned_arrival": arrival.isoformat(timespec="seconds"),
                          "planned_departure": max(departure, arrival + timedelta(minutes=30)).isoformat(
                              timespec="seconds")})
        if calls:
            self.yard.write_plan(calls, now)

    def _plan_berth(self, v: Vessel) -> str | None:
        cargos = CALL_KINDS.get(v.kind, ())
        berths = [b for b, berth in self.world.berths.items() if berth.cargo in cargos]
        return self.rng.choice(berths) if berths else None

    # --- the yard at work -------------------------------------------------------------------
    def _cargo(self, wall: float) -> None:
        """Container ships at berths 8-10: their call's BAPLIE, load list and direct delivery plan, then a crane
        report every two minutes; the trucks of the direct boxes through the gate (demo/cargo.py)."""
        self.fleet.events.clear()
        self.cargo.work(self.fleet.vessels, self.sim_t, self.fleet.t, datetime.fromtimestamp(wall, UTC), self.voyage_of)
        self.cargo.trucks_tick(self.sim_t, wall)

    def _truck_seen(self, plate: str, wall: float) -> None:
        """The gate camera sees a truck and reads its plate."""
        self.cameras.spawn("ctn_gate", "truck", wall, 30 / self.speed, zones=["gate-container"], sub_label=plate)

    def _tracked_truck_at_gate(self, plate: str, direction: str, wall: float) -> None:
        """A JT/T 808 truck through the container gate: its gate transaction (and CODECO), as for the others."""
        now = datetime.fromtimestamp(wall, UTC)
        box = self.yard.make_box("TRUCK/IN", now) if direction == "in" else self.yard.take()
        if box is None:
            return
        self.yard.write_codeco("gate_in" if direction == "in" else "gate_out", box, plate, now)
        un = str(box.un) if box.un else ""
        self.gate_rows.append((f"GT-{now:%Y%m%d%H%M%S}-{box.number}", "gate-container", direction, plate,
                               box.number, now.isoformat(), un, box.imdg or "", un, box.imdg or ""))
        self.cameras.spawn("ctn_gate", "truck", wall, 30 / self.speed, zones=["gate-container"], sub_label=plate)

    def _gates(self, wall: float) -> None:
        """Trucks through the container gate, about one a minute: a CODECO each, gate transactions in files."""
        now = datetime.fromtimestamp(wall, UTC)
        while self.sim_t >= self.next_gate:
            self.next_gate += self.rng.expovariate(1 / 60)
            plate = self.yard.plate()
            if self.rng.random() < 0.5:
                box = self.yard.make_box("TRUCK/IN", now)
                direction, kind = "in", "gate_in"
            else:
                box = self.yard.take()
                direction, kind = "out", "gate_out"
            if box is None:
                continue
            self.yard.write_codeco(kind, box, plate, now)
            un = str(box.un) if box.un else ""
            self.gate_rows.append((f"GT-{now:%Y%m%d%H%M%S}-{box.number}", "gate-container", direction, plate,
                                   box.number, now.isoformat(), un, box.imdg or "", un, box.imdg or ""))
            if self.rng.random() < 0.6:
                self.cameras.spawn("ctn_gate", "truck", wall, 30 / self.speed, zones=["gate-container"],
                                   sub_label=plate)
        if self.sim_t >= self.next_gate_file and self.gate_rows:
            self.next_gate_file = self.sim_t + 300
            self.yard.write_gate(self.gate_rows, now)
            self.gate_rows = []
