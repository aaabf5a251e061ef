"""Incidents on a schedule: each one makes the real feeds carry something a rule must notice.

The schedule is the scenario's `[[incidents]]` list (simulated minutes after the start). Every incident
that starts is written as one JSON line to the incident log (kind, wall and simulated time, its
subjects: MMSIs, container numbers, the camera, the station), which is how a test knows what to look
for in the database. Each incident lasts long enough in wall time for a real-time rule to see it: the
silences take the port's own thresholds (port.toml) plus a margin.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shapely.geometry import Point

from demo.fleet import ANCHORED

if TYPE_CHECKING:
    from demo.feed import DemoFeed

log = logging.getLogger(__name__)
KINDS = ("anchorage_overstay", "dg_segregation", "speeding", "restricted_entry", "ais_dark", "anchor_drag",
         "gate_mismatch", "smoke_near_dg", "collision_course", "feed_silence")


@dataclass
class Incident:
    kind: str
    at_min: float
    hold_s: float | None = None
    started: bool = False
    done: bool = False
    subjects: dict[str, Any] = field(default_factory=dict)
    watch: Callable[[float, float], bool] | None = None    # (sim_t, wall) -> finished?


def schedule(scenario: dict[str, Any]) -> list[Incident]:
    out = []
    for item in scenario.get("incidents", []):
        if item["kind"] not in KINDS:
            raise ValueError(f"unknown incident kind {item['kind']!r}; known: {', '.join(KINDS)}")
        out.append(Incident(item["kind"], float(item["at_min"]), item.get("hold_s")))
    return out


def wall_minutes_to_start_all(incidents: list[Incident], speed: float) -> float:
    """When (wall minutes after the start) the last incident of the schedule begins at this speed."""
    return max((i.at_min for i in incidents), default=0.0) / speed


class Incidents:
    def __init__(self, feed: DemoFeed, items: list[Incident], log_path: Path | None) -> None:
        self.feed, self.items, self.log_path = feed, items, log_path
        rules = feed.world.config.rules
        self.dark_hold = float(rules.get("dark_vessel", {}).get("silent_min", 10)) * 60 + 150
        self.silence_hold = float(rules.get("feed_health", {}).get("silent_s", 120)) + 90
        self.drag_m = float(rules.get("anchor_drag", {}).get("radius_m", 150)) + 250
        if log_path:
            log_path.parent.mkdir(parents=True, exist_ok=True)

    def tick(self, sim_t: float, wall: float) -> None:
        for inc in self.items:
            if not inc.started and sim_t >= inc.at_min * 60:
                inc.started = True
                starter: Callable[[Incident, float, float], None] = getattr(self, f"_start_{inc.kind}")
                starter(inc, sim_t, wall)
                self._record(inc, sim_t, wall)
            elif inc.started and not inc.done and inc.watch is not None:
                inc.done = inc.watch(sim_t, wall)
            elif inc.started and inc.watch is None:
                inc.done = True

    def _record(self, inc: Incident, sim_t: float, wall: float) -> None:
        entry = {"kind": inc.kind, "wall": wall, "at": datetime.fromtimestamp(wall, UTC).isoformat(),
                 "sim_min": round(sim_t / 60, 2), "subjects": inc.subjects}
        log.info("incident %s: %s", inc.kind, json.dumps(inc.subjects, ensure_ascii=False))
        if self.log_path:
            with self.log_path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(entry, ensure_ascii=False) + "\n")

    # --- vessels ----------------------------------------------------------------------------
    def _start_anchorage_overstay(self, inc: Incident, sim_t: float, wall: float) -> None:
        """A ship that has lain at No. 1 anchorage longer than the port allows: her days of history first."""
        feed = self.feed
        fleet, world = feed.fleet, feed.world
        zone = "anchorage-1"
        limit_h = float(world.zone_props[zone].get("max_stay_h") or
                        world.config.rules.get("anchorage_overstay", {}).get("default_max_stay_h", 72))
        v = fleet.pick(lambda v: v.phase == "anchored" and v.kind in ("bulk", "general")
                       and world.zone_at(v.xy, ("anchorage",)) == zone)
        if v is None:
            v = fleet.pick(lambda v: v.kind in ("bulk", "general") and v.phase != "berthed")
            assert v is not None, "no ship to anchor"
            fleet._anchor(v, world.spot_in(zone, fleet.rng), 0)
        v.until = math.inf                      # she stays for the whole demo
        hours = limit_h + 6
        feed.send_history(v, hours, step_min=10)
        inc.subjects = {"mmsi": v.mmsi, "name": v.name, "zone": zone, "since_h": hours, "limit_h": limit_h}

    def _start_speeding(self, inc: Incident, sim_t: float, wall: float) -> None:
        """A ship leaves and races down the channel at 14.5 kn (the limit is 10)."""
        fleet, world = self.feed.fleet, self.feed.world
        v = fleet.pick(lambda v: v.phase == "berthed" and v.kind in ("bulk", "general", "container"))
        assert v is not None
        fleet._outbound(v)
        channel = world.zones["channel"]
        inc.subjects = {"mmsi": v.mmsi, "name": v.name, "zone": "channel", "sog_kn": 14.5}
        state = {"in": False}

        def watch(_sim: float, _wall: float) -> bool:
            inside = channel.contains(Point(v.xy))
            if inside and not state["in"] and v.leg >= 4:       # past the harbour entrance, out in the channel
                state["in"] = True
                v.speed_override = 14.5
            elif state["in"] and not inside:
                v.speed_override = None
                return True
            return False

        inc.watch = watch

    def _start_restricted_entry(self, inc: Incident, sim_t: float, wall: float) -> None:
        """A pleasure craft wanders into the chemical berths' safety water, circles and leaves."""
        fleet, world = self.feed.fleet, self.feed.world
        entrance = world.channel[3]
        craft = [v for v in fleet.vessels if v.kind == "pleasure"] or [v for v in fleet.vessels if v.kind == "fishing"]
        v = min(craft, key=lambda v: math.dist(v.xy, entrance))        # the one nearest the harbour
        zone = world.zones["chem-safety-water"]
        c = zone.centroid
        # Straight in from the entrance and out again, clear of the turning basin (and of its 4-kn limit).
        route = [entrance, (c.x - 150, c.y + 40), (c.x + 150, c.y + 40), (c.x, c.y + 90), entrance]
        fleet.custom(v, route, speed=5.0, then=fleet.resume)
        inc.subjects = {"mmsi": v.mmsi, "name": v.name, "zone": "chem-safety-water", "ship_type": 37}

    def _start_ais_dark(self, inc: Incident, sim_t: float, wall: float) -> None:
        """A ship at a berth inside the harbour switches her AIS off, then on again."""
        fleet = self.feed.fleet
        v = fleet.pick(lambda v: v.phase == "berthed" and v.kind in ("general", "bulk"))
        assert v is not None
        hold = float(inc.hold_s or self.dark_hold)
        v.dark_until_wall = wall + hold
        v.until = max(v.until, fleet.t + (hold + 60) * self.feed.speed)   # she stays at the berth meanwhile
        inc.subjects = {"mmsi": v.mmsi, "name": v.name, "berth": v.berth, "silent_s": hold}
        inc.watch = lambda _s, w: w >= v.dark_until_wall

    def _start_anchor_drag(self, inc: Incident, sim_t: float, wall: float) -> None:
        """A ship at anchor drags it: she drifts at 0.8 kn, still reporting 'at anchor', until 400 m off."""
        fleet = self.feed.fleet
        v = fleet.pick(lambda v: v.phase == "anchored" and v.until != math.inf)
        assert v is not None
        start = v.anchor_at or v.xy
        v.until = math.inf
        v.speed_override = 0.8
        v.heading = 215.0
        inc.subjects = {"mmsi": v.mmsi, "name": v.name, "anchored_at": self.feed.world.lonlat(*start),
                        "drift_m": self.drag_m}

        def watch(_sim: float, _wall: float) -> bool:
            if math.dist(v.xy, start) >= self.drag_m:
                v.speed_override = None
                v.anchor_at = v.xy             # the anchor holds again, 400 m from where it was let go
                v.nav_status = ANCHORED
                v.until = fleet.t + 8 * 3600        # she waits to be told what next
                return True
            return False

        inc.watch = watch

    def _start_collision_course(self, inc: Incident, sim_t: float, wall: float) -> None:
        """Two ships crossing in the open bay: a westbound one and a northbound one that would meet at M;
        the northbound one gives way (alters to starboard) two minutes before."""
        fleet, world = self.feed.fleet, self.feed.world
        meet = world.local(119.22, 37.58)       # open water north-west of the fairway buoy, clear of the fishing
        a = fleet.pick(lambda v: v.kind == "passing" and v.phase == "away") or fleet.pick(
            lambda v: v.kind == "passing")
        b = fleet.pick(lambda v: v.kind == "passing" and v is not a and v.phase == "away") or fleet.pick(
            lambda v: v.kind == "passing" and v is not a)
        assert a is not None and b is not None
        ka, kb = 12.0, 11.0
        run_s = 900.0                                            # both reach M in 15 minutes
        a.x, a.y, a.heading, a.sog = meet[0] + ka * 1852 / 3600 * run_s, meet[1], 270.0, ka
        b.x, b.y, b.heading, b.sog = meet[0] - 120, meet[1] - kb * 1852 / 3600 * run_s, 0.0, kb
        give_way = (meet[0] - 120, meet[1] - kb * 1852 / 3600 * 120)          # 2 minutes before M
        fleet.custom(a, [(meet[0] - 15000, meet[1])], speed=ka, then=fleet.resume)
        fleet.custom(b, [give_way, (meet[0] + 2500, meet[1] - 800), (meet[0] + 6000, meet[1] + 4000)], speed=kb,
                     then=fleet.resume)
        for v in (a, b):
            v.next_report = 0.0
            v.next_static = 0.0
        inc.subjects = {"mmsi": [a.mmsi, b.mmsi], "names": [a.name, b.name], "meet": world.lonlat(*meet),
                        "cpa_m": 120, "tcpa_min_at_start": run_s / 60}

    # --- yard, gate, cameras ----------------------------------------------------------------
    def _start_dg_segregation(self, inc: Incident, sim_t: float, wall: float) -> None:
        """An oxidiser (5.1) stowed in the next row to a flammable liquid (3): IMDG code 2, 'separated from'.
        The spot is chosen so that this one pair is the only breach (one incident, one alert)."""
        feed = self.feed
        yard, now = feed.yard, datetime.fromtimestamp(wall, UTC)
        spot = yard.spot_beside("3", conflicts=("3", "8"))
        if spot is None:
            raise RuntimeError("no empty stack beside exactly one class 3 container")
        (block, bay, row), neighbour = spot
        box = yard.make_box("DEMO/001", now, "dangerous_goods", ("5.1", 1479, "OXIDIZING SOLID, N.O.S."))
        assert box is not None
        yard.stacks[(box.block, box.bay, box.row)].remove(box)
        box.block, box.bay, box.row = block, bay, row
        assert yard.place(box)
        plate = yard.plate()
        yard.write_declarations([box], now, declarant="LAIZHOU BAY CHEMICAL CO")
        yard.write_codeco("gate_in", box, plate, now)
        yard.write_snapshot(now)
        inc.subjects = {"containers": [box.number, neighbour.number], "classes": ["5.1", "3"], "block": block,
                        "bay": bay, "rows": [row, neighbour.row]}

    def _start_gate_mismatch(self, inc: Incident, sim_t: float, wall: float) -> None:
        """A truck at the container gate: declared UN1993 (class 3), its placard reads UN1830 (class 8)."""
        feed = self.feed
        yard, now = feed.yard, datetime.fromtimestamp(wall, UTC)
        box = yard.make_box("DEMO/002", now, "dangerous_goods", ("3", 1993, "FLAMMABLE LIQUID, N.O.S."))
        assert box is not None
        plate = yard.plate()
        yard.write_declarations([box], now - timedelta(hours=3), declarant="WEIFANG LOGISTICS")
        tx = f"GT-{now:%Y%m%d%H%M%S}-{box.number}"
        yard.write_gate([(tx, "gate-container", "in", plate, box.number, now.isoformat(), "1993", "3", "1830",
                          "8")], now)
        yard.write_codeco("gate_in", box, plate, now)
        feed.cameras.spawn("ctn_gate", "truck", wall, 40, zones=["gate-container"], sub_label=plate)
        inc.subjects = {"transaction_id": tx, "container": box.number, "plate": plate, "declared": ["1993", "3"],
                        "observed": ["1830", "8"], "gate": "gate-container"}

    def _start_smoke_near_dg(self, inc: Incident, sim_t: float, wall: float) -> None:
        """Smoke seen by the dangerous-goods storage camera, for a minute and a half."""
        track = self.feed.cameras.spawn("dg_storage", "smoke", wall, float(inc.hold_s or 90), score=0.88,
                                        zones=["dg-storage"])
        inc.subjects = {"event_id": track.event_id, "camera": "dg_storage", "label": "smoke", "zone": "dg-storage"}

    def _start_feed_silence(self, inc: Incident, sim_t: float, wall: float) -> None:
        """The offshore receiver stops forwarding: every vessel only it hears goes quiet at once."""
        emitter = self.feed.ais
        station = "rx-outer"
        hold = float(inc.hold_s or self.silence_hold)
        emitter.silent.add(station)
        until = wall + hold
        inc.subjects = {"station": station, "silent_s": hold}

        def watch(_sim: float, w: float) -> bool:
            if w >= until:
                emitter.silent.discard(station)
                return True
            return False

        inc.watch = watch

