"""Cargo work at the container berths, as a terminal plans and reports it.

When a container ship is first worked at her berth, the line's documents for her call arrive: the BAPLIE from
her last port (the boxes on board for Weifang: the discharges planned), the COPRAR loading order (the load
list) and the TOS's direct delivery plan (直提: some boxes go from the crane straight onto a truck and out of
the gate; 直装: some come in by truck and go straight on board). Every two minutes of port time the cranes
discharge and load a few boxes (COARRI). The trucks of the direct boxes pass the gate lane (a gate transaction)
and then the gate (CODECO). Most are quick; a few overstay, wait at the gate, come late or are grounded in the
yard after all, and the map flags them. The port's allowances are in wall-clock minutes (the database knows no
demo speed), so those delays are too; ships alongside when the demo starts bring a little of their past with
them (boxes discharged an hour or two ago still on their trucks), so every state shows from the start.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from demo.fleet import Vessel
from demo.yard import Box, Yard

WORK_EVERY_S = 120.0                 # sim seconds between two crane reports of one ship
DIRECT_OUT_SHARE = 0.15              # of the discharges: picked up direct (直提)
DIRECT_IN_SHARE = 0.12               # of the loads: brought in direct (直装)
LAST_PORTS = ("KRPUS", "KRINC", "JPOSA", "CNSHA", "CNTAO")


@dataclass
class Call:
    voyage: str
    on_board: list[Box]                          # still to discharge, in order
    load_list: list[Box]                         # still to load: yard boxes and direct ones
    direct_out: set[str] = field(default_factory=set)
    direct_in: set[str] = field(default_factory=set)
    arrived: set[str] = field(default_factory=set)    # direct loads in through the gate, on a truck at the quay
    plates: dict[str, str] = field(default_factory=dict)


@dataclass
class Truck:
    box: Box
    plate: str
    way: str                    # "out": a direct pickup leaving; "in": a direct load arriving
    lane_at: float              # sim seconds: at the gate lane
    gate_at: float = 0.0        # sim seconds: through the gate (CODECO); set when it reaches the lane
    laned: bool = False
    voyage_key: tuple[int, str] = (0, "")


class CargoWork:
    def __init__(self, yard: Yard, rng: random.Random, spawn_truck: Callable[[str, float], None],
                 speed: float = 1.0) -> None:
        self.yard, self.rng, self.spawn_truck, self.speed = yard, rng, spawn_truck, speed
        self.calls: dict[tuple[int, str], Call] = {}
        self.next_work: dict[int, float] = {}
        self.trucks: list[Truck] = []

    # --- a new call's documents -----------------------------------------------------------------
    def plan_call(self, v: Vessel, voyage: str, left_s: float, sim_t: float, now: datetime,
                  history: bool = False) -> Call:
        left_h = max(0.5, left_s / 3600)
        n_off = max(8, min(240, int(left_h * 40)))
        n_on = max(6, min(200, int(left_h * 35)))
        on_board = []
        for _ in range(n_off):
            dg = self.rng.choice(self.yard.dg_stock) if self.rng.random() < 0.05 else None
            on_board.append(self.yard.new_box(voyage, now, "dangerous_goods" if dg else "container", dg))
        n_direct_in = max(1, int(n_on * DIRECT_IN_SHARE))
        from_yard = self.yard.tops(n_on - n_direct_in)
        by_truck = [self.yard.new_box(voyage, now) for _ in range(n_direct_in)]
        load_list = from_yard + by_truck
        self.rng.shuffle(load_list)
        call = Call(voyage, on_board, load_list)
        rate_s = WORK_EVERY_S / 2                           # about one discharge a minute of port time
        plan: list[dict[str, object]] = []
        for i, b in enumerate(on_board):
            if self.rng.random() < DIRECT_OUT_SHARE:
                call.direct_out.add(b.number)
                call.plates[b.number] = self.yard.plate()
                plan.append(self._row(b, "discharge", voyage, v.berth, call.plates[b.number],
                                      now + timedelta(seconds=i * rate_s / self.speed)))
        for b in by_truck:
            call.direct_in.add(b.number)
            call.plates[b.number] = plate = self.yard.plate()
            arrive_s = self.rng.uniform(0.1, 0.6) * left_s
            late = self.wall_min(70, 100) if self.rng.random() < 0.15 else 0.0   # over an hour late: flagged
            self.trucks.append(Truck(b, plate, "in", sim_t + arrive_s + late, voyage_key=(v.mmsi, voyage)))
            plan.append(self._row(b, "load", voyage, v.berth, plate, now + timedelta(seconds=arrive_s / self.speed)))
        last_port = self.rng.choice(LAST_PORTS)
        self.yard.write_baplie(on_board, v.name, voyage, v.callsign, last_port, now - timedelta(hours=3))
        self.yard.write_coprar(load_list, v.name, voyage, v.callsign, now - timedelta(hours=3))
        if history:
            plan += self._past(call, v, sim_t, now)
            plan = list({r["plan_id"]: r for r in plan}.values())     # the past's late truck replaces its row
        if plan:
            self.yard.write_direct(plan, now)
        return call

    def _past(self, call: Call, v: Vessel, sim_t: float, now: datetime) -> list[dict[str, object]]:
        """A call already under way when the demo starts: two direct pickups discharged well over an hour ago and
        still on their trucks, one held at the gate, one direct load whose truck is over an hour late."""
        plan = []
        boxes = [b for b in call.on_board if b.number not in call.direct_out][:3]
        for i, b in enumerate(boxes):
            call.on_board.remove(b)
            call.direct_out.add(b.number)
            call.plates[b.number] = plate = self.yard.plate()
            off = now - timedelta(minutes=self.rng.uniform(100, 130) if i < 2 else 45)
            plan.append(self._row(b, "discharge", call.voyage, v.berth, plate, off - timedelta(minutes=10)))
            self.yard.write_coarri("discharge", [b], v.name, call.voyage, v.callsign, off)
            truck = Truck(b, plate, "out", sim_t + self.wall_min(15, 30))
            if i == 2:                                    # at the gate lane for the last 25 minutes
                truck.laned, truck.gate_at = True, sim_t + self.wall_min(5, 10)
                self.yard.write_gate([self._lane_row(b, plate, "out", now - timedelta(minutes=25))], now)
            self.trucks.append(truck)
        late = next((b for b in call.load_list if b.number in call.direct_in), None)
        if late is not None:
            for t in self.trucks:
                if t.box is late:
                    t.lane_at = sim_t + self.wall_min(10, 20)
            plan.append(self._row(late, "load", call.voyage, v.berth, call.plates[late.number],
                                  now - timedelta(minutes=75)))
        return plan

    @staticmethod
    def _lane_row(b: Box, plate: str, way: str, at: datetime) -> tuple[object, ...]:
        un = str(b.un) if b.un else ""
        return (f"GT-{at:%Y%m%d%H%M%S}-{b.number}", "gate-container", way, plate, b.number, at.isoformat(), un,
                b.imdg or "", un, b.imdg or "")

    def wall_min(self, low: float, high: float) -> float:
        """A delay of low..high wall-clock minutes, in sim seconds."""
        return self.rng.uniform(low, high) * 60 * self.speed

    @staticmethod
    def _row(b: Box, way: str, voyage: str, berth: str | None, plate: str, at: datetime) -> dict[str, object]:
        return {"plan_id": f"{b.number}-{way}-{voyage}", "container_no": b.number, "direction": way,
                "voyage": voyage, "berth_id": berth, "truck_plate": plate,
                "planned_at": at.astimezone(UTC).isoformat(timespec="seconds")}

    # --- the cranes -----------------------------------------------------------------------------
    def work(self, vessels: list[Vessel], sim_t: float, fleet_t: float, now: datetime,
             voyage_of: Callable[[Vessel], str]) -> None:
        """Container ships at their berths: a crane report every two minutes of port time each."""
        for v in vessels:
            if v.kind != "container" or v.phase != "berthed":
                continue
            due = self.next_work.setdefault(v.mmsi, sim_t + self.rng.uniform(0, WORK_EVERY_S))
            if sim_t < due:
                continue
            self.next_work[v.mmsi] = sim_t + WORK_EVERY_S
            voyage = voyage_of(v)
            key = (v.mmsi, voyage)
            call = self.calls.get(key)
            if call is None:
                self.calls = {k: c for k, c in self.calls.items() if k[0] != v.mmsi}     # her earlier calls
                call = self.calls[key] = self.plan_call(v, voyage, max(0.0, v.until - fleet_t), sim_t, now,
                                                        history=sim_t < WORK_EVERY_S * 2)
            self._discharge(call, v, sim_t, now)
            self._load(call, v, now)

    def _discharge(self, call: Call, v: Vessel, sim_t: float, now: datetime) -> None:
        landed = []
        for _ in range(min(len(call.on_board), self.rng.randint(1, 3))):
            box = call.on_board.pop(0)
            if box.number in call.direct_out and self.rng.random() > 0.04:
                overstay = self.rng.random() < 0.12          # the port allows 90 minutes (wall clock)
                wait = self.wall_min(95, 140) if overstay else self.rng.uniform(5, 30) * 60
                self.trucks.append(Truck(box, call.plates[box.number], "out", sim_t + wait))
            elif not self.yard.ground(box, now):     # the yard (a direct box, now and then, after all: grounded)
                continue
            landed.append(box)
        if landed:
            self.yard.write_coarri("discharge", landed, v.name, call.voyage, v.callsign, now)
            self.yard.write_declarations([b for b in landed if b.un], now)

    def _load(self, call: Call, v: Vessel, now: datetime) -> None:
        loaded: list[Box] = []
        want = self.rng.randint(1, 3)
        for box in list(call.load_list):
            if len(loaded) >= want:
                break
            if box.number in call.direct_in:
                if box.number not in call.arrived:
                    continue                                 # its truck is not here yet
            elif not self.yard.remove(box):                  # gone out of the gate meanwhile: off the list
                call.load_list.remove(box)
                continue
            call.load_list.remove(box)
            loaded.append(box)
        if loaded:
            self.yard.write_coarri("load", loaded, v.name, call.voyage, v.callsign, now)

    # --- the trucks of the direct boxes -----------------------------------------------------------
    def trucks_tick(self, sim_t: float, wall: float) -> None:
        now = datetime.fromtimestamp(wall, UTC)
        for truck in list(self.trucks):
            if not truck.laned and sim_t >= truck.lane_at:
                truck.laned = True
                held = self.rng.random() < 0.08              # papers not in order: waits at the gate (20 allowed)
                truck.gate_at = sim_t + (self.wall_min(22, 35) if held else self.rng.uniform(1, 4) * 60)
                self.yard.write_gate([self._lane_row(truck.box, truck.plate, truck.way, now)], now)
                self.spawn_truck(truck.plate, wall)
            elif truck.laned and sim_t >= truck.gate_at:
                self.trucks.remove(truck)
                self.yard.write_codeco("gate_out" if truck.way == "out" else "gate_in", truck.box, truck.plate, now)
                call = self.calls.get(truck.voyage_key)
                if truck.way == "in" and call is not None:
                    call.arrived.add(truck.box.number)
