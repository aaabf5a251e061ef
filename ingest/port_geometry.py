"""Geometry derived from a port package in its metric CRS: berth water areas, camera cones, yard slots."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
import shapely.affinity
from pyproj import Geod, Transformer
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class LocalCrs:
    """Forward and back between lon/lat and the port's metric CRS."""

    to_local: Transformer
    to_wgs84: Transformer

    @classmethod
    def of(cls, crs: str) -> LocalCrs:
        return cls(Transformer.from_crs("EPSG:4326", crs, always_xy=True),
                   Transformer.from_crs(crs, "EPSG:4326", always_xy=True))

    def local(self, geom: BaseGeometry) -> BaseGeometry:
        return shapely.transform(geom, lambda x, y: self.to_local.transform(x, y), interleaved=False)

    def wgs84(self, geom: BaseGeometry) -> BaseGeometry:
        return shapely.transform(geom, lambda x, y: self.to_wgs84.transform(x, y), interleaved=False)


def berth_area(line: LineString, water_side: str, width_m: float, crs: LocalCrs) -> Polygon:
    """The water alongside a quay face: a one-sided buffer on the water side."""
    local = crs.local(line)
    signed = width_m if water_side == "left" else -width_m
    area = local.buffer(signed, single_sided=True)
    return crs.wgs84(area)  # type: ignore[return-value]


def camera_cone(position: Point, bearing_deg: float, fov_deg: float, range_m: float,
                step_deg: float = 2.0) -> Polygon:
    """The field of view: a geodesic sector (a disc when fov is 360 degrees)."""
    n = max(2, math.ceil(fov_deg / step_deg) + 1)
    azimuths = np.linspace(bearing_deg - fov_deg / 2, bearing_deg + fov_deg / 2, n)
    lons, lats, _ = GEOD.fwd(np.full(n, position.x), np.full(n, position.y), azimuths, np.full(n, range_m))
    arc = list(zip(lons, lats, strict=True))
    ring = arc if fov_deg >= 360 else [(position.x, position.y), *arc]
    return Polygon(ring)


def yard_slots(block: Polygon, bays: int, rows: int, orientation_deg: float,
               crs: LocalCrs) -> list[tuple[int, int, Polygon]]:
    """Ground slots (bay, row, polygon) of a block: bays along its orientation, rows across it."""
    local = crs.local(block)
    centre = local.centroid
    axis = _long_axis_azimuth(local, orientation_deg)
    # Rotate the block so its bay axis points along +y, take its bounds, split, rotate back.
    upright = shapely.affinity.rotate(local, axis, origin=centre)
    x0, y0, x1, y1 = upright.bounds
    bay_len, row_w = (y1 - y0) / bays, (x1 - x0) / rows
    slots = []
    for bay in range(1, bays + 1):
        for row in range(1, rows + 1):
            cell = shapely.geometry.box(x0 + (row - 1) * row_w, y0 + (bay - 1) * bay_len,
                                        x0 + row * row_w, y0 + bay * bay_len)
            back = shapely.affinity.rotate(cell, -axis, origin=centre)
            slots.append((bay, row, crs.wgs84(back)))
    return slots  # type: ignore[return-value]


def _long_axis_azimuth(local: BaseGeometry, orientation_deg: float) -> float:
    """Grid azimuth of the block's long axis, turned to the end the package's orientation names."""
    rect = local.minimum_rotated_rectangle
    (ax, ay), (bx, by), (cx, cy) = list(rect.exterior.coords)[:3]
    long_x, long_y = (bx - ax, by - ay) if math.hypot(bx - ax, by - ay) >= math.hypot(cx - bx, cy - by) \
        else (cx - bx, cy - by)
    azimuth = math.degrees(math.atan2(long_x, long_y)) % 360
    if abs((azimuth - orientation_deg + 180) % 360 - 180) > 90:
        azimuth = (azimuth + 180) % 360
    return azimuth
