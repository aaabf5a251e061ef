"""What the port package build scripts share: a layout drawn in local metres on the real coast, written as GeoJSON.

A `Kit` holds a port's origin (a point on the Natural Earth coastline), its metric CRS and its bbox; the scripts
draw moles, basins, quays and yards in metres east and north of the origin and the kit turns them into the
package's features in EPSG:4326, rounded to 1e-6 degree (about 0.1 m).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import geopandas as gpd
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import MultiPolygon, Polygon, box, mapping
from shapely.geometry.base import BaseGeometry

PORTS = Path(__file__).resolve().parent.parent / "assets" / "ports"


def rect(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    return box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def bearing(a: BaseGeometry, b: BaseGeometry) -> float:
    az, _, _ = Geod(ellps="WGS84").inv(a.x, a.y, b.x, b.y)  # type: ignore[attr-defined]
    return float(az % 360)


def _multi(g: BaseGeometry) -> BaseGeometry:
    return g if isinstance(g, MultiPolygon) else MultiPolygon([g])


class Kit:
    def __init__(self, port_id: str, origin: tuple[float, float], crs: str,
                 bbox: tuple[float, float, float, float], out: Path | None = None) -> None:
        self.out = out or PORTS / port_id
        self.bbox = bbox
        self.to_utm = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        self.to_ll = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        self.x0, self.y0 = self.to_utm.transform(*origin)

    def ll(self, geom: BaseGeometry) -> BaseGeometry:
        """Local metres (x east, y north from the origin) to lon/lat, rounded to 1e-6 degree."""
        def fwd(x: Any, y: Any) -> Any:
            lon, lat = self.to_ll.transform(x + self.x0, y + self.y0)
            return lon.round(6), lat.round(6)
        return shapely.transform(geom, fwd, interleaved=False)

    def local(self, geom: BaseGeometry) -> BaseGeometry:
        """lon/lat to local metres."""
        def back(lon: Any, lat: Any) -> Any:
            x, y = self.to_utm.transform(lon, lat)
            return x - self.x0, y - self.y0
        return shapely.transform(geom, back, interleaved=False)

    def feature(self, fid: str, geom: BaseGeometry, **props: Any) -> dict[str, Any]:
        return {"type": "Feature", "id": fid, "properties": {"id": fid, **props}, "geometry": mapping(self.ll(geom))}

    def write(self, name: str, features: list[dict[str, Any]]) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        doc = {"type": "FeatureCollection", "name": name, "features": features}
        (self.out / f"{name}.geojson").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n",
                                                  encoding="utf-8")
        print(f"{self.out.name}/{name}: {len(features)} features")

    def natural_earth_land(self, ne_zip: Path) -> BaseGeometry:
        with TemporaryDirectory() as tmp:
            zipfile.ZipFile(ne_zip).extractall(tmp)
            countries = gpd.read_file(next(Path(tmp).glob("*.shp")), bbox=self.bbox)
        return countries.union_all().intersection(box(*self.bbox))

    def basemap(self, ne_zip: Path, port_land: BaseGeometry, names: dict[str, tuple[str, str]]) -> list[dict[str, Any]]:
        """Natural Earth's land, the port's reclaimed land and the sea; `names`: coast, port land, sea (en, zh)."""
        ne_land = self.natural_earth_land(ne_zip)
        water = box(*self.bbox).difference(ne_land.union(self.ll(port_land)))
        coast, port, sea = names["coast"], names["port"], names["sea"]
        return [
            {"type": "Feature", "id": "land-ne", "properties": {
                "id": "land-ne", "kind": "land", "name_en": coast[0], "name_zh": coast[1],
                "source": "Natural Earth 1:10m (public domain)"},
             "geometry": mapping(_multi(ne_land.simplify(0.0002)))},
            self.feature("land-port", port_land.difference(self.local(ne_land)).buffer(0), kind="reclaimed",
                         name_en=port[0], name_zh=port[1], source="drawn by hand"),
            {"type": "Feature", "id": "sea", "properties": {
                "id": "sea", "kind": "water", "name_en": sea[0], "name_zh": sea[1]},
             "geometry": mapping(_multi(water.simplify(0.0002).buffer(0)))},
        ]

    def berth_adder(self, out: list[dict[str, Any]]) -> Callable[..., None]:
        """add(id, a, b, water_side, cargo, en, zh, terminal, depth_m, max_dwt_t): a berth along a quay line."""
        from shapely.geometry import LineString

        def add(bid: str, a: tuple[float, float], b: tuple[float, float], side: str, cargo: str,
                en: str, zh: str, terminal: str | None, depth: float, dwt: int) -> None:
            line = LineString([a, b])
            out.append(self.feature(bid, line, name_en=en, name_zh=zh, terminal_id=terminal, cargo=cargo,
                                    length_m=round(line.length), depth_m=depth, max_dwt_t=dwt, water_side=side))
        return add

    def camera(self, cid: str, xy: tuple[float, float], brg: float, fov: float, rng: float, height: float,
               ptz: bool, source: str, en: str, zh: str, zone_ids: list[str]) -> dict[str, Any]:
        from shapely.geometry import Point
        return self.feature(cid, Point(*xy), name_en=en, name_zh=zh, source_name=source, bearing_deg=brg,
                            fov_deg=fov, range_m=rng, height_m=height, ptz=ptz, zone_ids=zone_ids)

    def yard_block(self, bid: str, poly: Polygon, axis: tuple[tuple[float, float], tuple[float, float]],
                   **props: Any) -> dict[str, Any]:
        """A yard block: its polygon and the bearing of its bay axis (from the first end to the second)."""
        from shapely.geometry import Point
        a, b = self.ll(Point(*axis[0])), self.ll(Point(*axis[1]))
        return self.feature(bid, poly, **props, orientation_deg=round(bearing(a, b), 1))
