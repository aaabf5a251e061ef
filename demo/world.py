"""The demo's picture of the port: the port package (zones, berths, cameras, yard) and the scenario's routes,
all in the port's metric CRS so that motion is plain geometry in metres.

The scenario file (`demo/scenarios/<port>.toml`) holds what a package does not: where ships come from,
the channel's centre line, fishing grounds, the receivers' coverage and the ferry's destination.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from ingest.port_geometry import LocalCrs, camera_cone
from ingest.port_package import PortConfig, read_package

XY = tuple[float, float]
SCENARIOS = Path(__file__).with_name("scenarios")


@dataclass(frozen=True)
class Berth:
    berth_id: str
    cargo: str
    length_m: float
    depth_m: float
    alongside: XY          # where a ship lies, its centre
    approach: XY           # off the berth in the basin, where tugs take over
    off: XY                # straight out from the berth: where a departing ship turns for the channel
    heading_deg: float     # a ship's heading when she has come alongside


@dataclass(frozen=True)
class Camera:
    camera_id: str
    source_name: str
    zone_ids: tuple[str, ...]
    position: XY
    fov: Polygon           # local metres


@dataclass(frozen=True)
class Block:
    block_id: str
    kind: str
    bays: int
    rows: int
    tiers: int


@dataclass
class World:
    config: PortConfig
    crs: LocalCrs
    zones: dict[str, Polygon]                  # id -> local polygon
    zone_props: dict[str, dict[str, Any]]
    berths: dict[str, Berth]
    cameras: dict[str, Camera]
    blocks: dict[str, Block]
    gates: list[str]
    land: BaseGeometry                          # local
    scenario: dict[str, Any]
    sea_entries: list[XY] = field(default_factory=list)
    channel: list[XY] = field(default_factory=list)       # outer end first, basin last
    fishing: list[Polygon] = field(default_factory=list)

    def local(self, lon: float, lat: float) -> XY:
        x, y = self.crs.to_local.transform(lon, lat)
        return float(x), float(y)

    def lonlat(self, x: float, y: float) -> XY:
        lon, lat = self.crs.to_wgs84.transform(x, y)
        return float(lon), float(lat)

    def zone_at(self, xy: XY, kinds: tuple[str, ...]) -> str | None:
        p = Point(xy)
        for zid, poly in self.zones.items():
            if self.zone_props[zid]["kind"] in kinds and poly.contains(p):
                return zid
        return None

    def in_water(self, xy: XY) -> bool:
        return not self.land.contains(Point(xy))

    def channel_join(self, xy: XY) -> int:
        """Index of the channel point a ship coming from xy joins (the nearest)."""
        return min(range(len(self.channel)), key=lambda i: math.dist(self.channel[i], xy))

    def spot_in(self, zone_id: str, rng: Any, margin_m: float = 300) -> XY:
        return random_point_in(self.zones[zone_id].buffer(-margin_m), rng)


def random_point_in(poly: BaseGeometry, rng: Any) -> XY:
    """A uniformly random point inside a polygon (rejection sampling in its bounds)."""
    x0, y0, x1, y1 = poly.bounds
    while True:
        xy = (rng.uniform(x0, x1), rng.uniform(y0, y1))
        if poly.contains(Point(xy)):
            return xy


def load_world(port_path: Path | str, scenario_path: Path | str | None = None) -> World:
    package = read_package(port_path)
    if package.refusals:
        raise ValueError(f"port package {port_path} has refused features: {package.refusals[0]}")
    config = package.config
    crs = LocalCrs.of(config.crs)
    scenario = tomllib.loads(Path(scenario_path or SCENARIOS / f"{config.id}.toml").read_text(encoding="utf-8"))
    zones, props = {}, {}
    for f in package.features["zones"]:
        zones[f.feature_id] = crs.local(f.geom)
        props[f.feature_id] = {"kind": f.kind, **f.props}
    land = unary_union([crs.local(f.geom) for f in package.features["basemap"] if f.kind != "water"])
    basin = crs.to_local.transform(*scenario["routes"]["channel"][-1])
    berths = {f.feature_id: _berth(f.feature_id, f.props, crs.local(f.geom), basin)
              for f in package.features["berths"]}
    cameras = {}
    for f in package.features["cameras"]:
        cone = camera_cone(f.geom, f.props["bearing_deg"], f.props["fov_deg"], f.props["range_m"])  # type: ignore[arg-type]
        p = crs.local(f.geom)
        cameras[f.feature_id] = Camera(f.feature_id, f.props.get("source_name") or f.feature_id.lower(),
                                       tuple(f.props.get("zone_ids") or ()), (p.x, p.y),   # type: ignore[attr-defined]
                                       crs.local(cone))    # type: ignore[arg-type]
    blocks = {f.feature_id: Block(f.feature_id, f.kind or "container", f.props["bays"], f.props["rows"],
                                  f.props["tiers"]) for f in package.features["yard_blocks"]}
    world = World(config, crs, zones, props, berths, cameras, blocks,
                  [z for z, p in props.items() if p["kind"] == "gate"], land, scenario)
    world.sea_entries = [world.local(*p) for p in scenario["routes"]["sea_entries"]]
    world.channel = [world.local(*p) for p in scenario["routes"]["channel"]]
    world.fishing = [Polygon([world.local(*p) for p in ring]) for ring in scenario["routes"]["fishing_grounds"]]
    return world


def _berth(berth_id: str, props: dict[str, Any], line: BaseGeometry, basin: XY) -> Berth:
    """Where a ship lies at this berth, and where she starts her last leg: off the end of the berth nearer
    the turning basin, 60 m out, so that she comes alongside moving parallel to the quay."""
    assert isinstance(line, LineString)
    (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
    dx, dy = x1 - x0, y1 - y0
    length = math.hypot(dx, dy)
    ux, uy = dx / length, dy / length
    # The normal towards the water: left of the line's direction is (-uy, ux).
    nx, ny = (-uy, ux) if props["water_side"] == "left" else (uy, -ux)
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    reach = length / 2 + 150
    ends = [(mx + sign * ux * reach + nx * 60, my + sign * uy * reach + ny * 60) for sign in (1, -1)]
    approach = min(ends, key=lambda p: math.dist(p, basin))
    alongside = (mx + nx * 18, my + ny * 18)
    heading = math.degrees(math.atan2(alongside[0] - approach[0], alongside[1] - approach[1])) % 360
    return Berth(berth_id, props["cargo"], float(props["length_m"]), float(props.get("depth_m") or 10),
                 alongside, approach, (mx + nx * 150, my + ny * 150), heading)
