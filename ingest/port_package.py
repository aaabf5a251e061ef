"""Read and validate a port package (port.toml + GeoJSON): typed features, or refusals with reasons."""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from ingest.errors import PortPackageError
from ingest.limits import InputRefused, loads_json

GEOJSON_MAX_BYTES = 256 << 20      # a basemap of a large port is a few MB
GEOJSON_MAX_DEPTH = 32             # a MultiPolygon feature collection nests 8 levels
WHOLE = frozenset({"bays", "rows", "tiers"})     # counts: 3.5 bays cannot be laid out as slots

POLYGONAL = ("Polygon", "MultiPolygon")
WGS84_NAMES = {"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "EPSG:4326",
               "urn:ogc:def:crs:EPSG::4326", "CRS84"}


@dataclass(frozen=True)
class FileSpec:
    """What one GeoJSON file of a package holds and what each feature must carry."""

    kind_field: str | None
    kinds: frozenset[str]
    geom_types: tuple[str, ...]
    required: tuple[str, ...] = ()
    numbers: dict[str, tuple[float, float]] = field(default_factory=dict)  # name -> [min, max]


# The files of a port package, in load order (registry: a new file kind is one line here).
FILE_SPECS: dict[str, FileSpec] = {
    "basemap": FileSpec("kind", frozenset({"land", "water", "reclaimed"}), POLYGONAL),
    "zones": FileSpec("kind", frozenset({"anchorage", "channel", "harbour", "basin", "restricted",
                                         "terminal", "gate", "hazmat_area"}), POLYGONAL,
                      ("name_en", "name_zh"), {"speed_limit_kn": (0.1, 60)}),
    "structures": FileSpec("kind", frozenset({"quay", "breakwater", "pier", "jetty"}),
                           ("LineString", "Polygon")),
    "berths": FileSpec("cargo", frozenset({"container", "bulk", "general", "liquid_chemical", "oil", "roro",
                                           "passenger", "multipurpose", "service"}), ("LineString",),
                       ("name_en", "name_zh", "length_m", "water_side"),
                       {"length_m": (1, 5000), "depth_m": (0.5, 40), "pocket_width_m": (5, 500)}),
    "yard_blocks": FileSpec("kind", frozenset({"container", "dangerous_goods", "reefer", "empty",
                                               "inspection"}), ("Polygon",),
                            ("name_en", "name_zh", "bays", "rows", "tiers", "orientation_deg"),
                            {"bays": (1, 200), "rows": (1, 30), "tiers": (1, 12),
                             "orientation_deg": (0, 359.999)}),
    "cameras": FileSpec(None, frozenset(), ("Point",),
                        ("name_en", "name_zh", "bearing_deg", "fov_deg", "range_m"),
                        {"bearing_deg": (0, 359.999), "fov_deg": (1, 360), "range_m": (1, 20000)}),
}


class Names(BaseModel):
    model_config = ConfigDict(extra="forbid")
    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)


WALL_VIEWS = ("overview", "anchorages", "berths", "yard", "dangerous_goods")


class WallConfig(BaseModel):
    """[wall]: the control-centre wall's rotation of views and its language."""

    model_config = ConfigDict(extra="forbid")
    rotate_s: int = Field(default=20, ge=3, le=3600)
    views: list[str] = Field(default_factory=lambda: list(WALL_VIEWS), min_length=1)
    lang: str = Field(default="en", pattern=r"^(en|zh)$")

    @field_validator("views")
    @classmethod
    def _known_views(cls, v: list[str]) -> list[str]:
        unknown = set(v) - set(WALL_VIEWS)
        if unknown:
            raise ValueError(f"unknown wall views {sorted(unknown)}; known: {', '.join(WALL_VIEWS)}")
        return v


class AlertsConfig(BaseModel):
    """[alerts]: the lifecycle's own settings (each rule's thresholds are in its [rules.<name>] table)."""

    model_config = ConfigDict(extra="forbid")
    # An officer resolves a state alert whose condition still holds (the patrol is on it, say): the engine does
    # not raise that condition again for this long, and raises a new alert only if it still holds after it.
    quiet_after_resolve_min: float = Field(default=30, ge=0, le=24 * 60)
    # A vessel's state alerts are held, not cleared, while the feed that heard her has been silent since her
    # last report (give or take this much): no news from a silent receiver is not news that she stopped.
    outage_grace_s: float = Field(default=30, ge=0, le=3600)


class PortConfig(BaseModel):
    """port.toml: names, where the port is, its metric CRS and the thresholds of every rule."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    name: Names
    crs: str = Field(pattern=r"^EPSG:\d+$")
    timezone: str = "UTC"
    centre: tuple[float, float]
    zoom: float = Field(default=11, ge=1, le=20)
    bbox: tuple[float, float, float, float]
    files: dict[str, str] = Field(default_factory=dict)
    retention: dict[str, int] = Field(default_factory=dict)
    rules: dict[str, dict[str, Any]] = Field(default_factory=dict)
    wall: WallConfig = Field(default_factory=WallConfig)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)

    @field_validator("bbox")
    @classmethod
    def _bbox_ordered(cls, v: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        if not (-180 <= v[0] < v[2] <= 180 and -90 <= v[1] < v[3] <= 90):
            raise ValueError("must be [lon_min, lat_min, lon_max, lat_max] in degrees, min < max")
        return v

    @field_validator("files")
    @classmethod
    def _known_files(cls, v: dict[str, str]) -> dict[str, str]:
        unknown = set(v) - set(FILE_SPECS)
        if unknown:
            raise ValueError(f"unknown file kinds {sorted(unknown)}; known: {sorted(FILE_SPECS)}")
        return v

    def file_for(self, kind: str) -> str:
        return self.files.get(kind, f"{kind}.geojson")


@dataclass(frozen=True)
class Refusal:
    file: str
    feature_id: str | None
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: feature {self.feature_id or '(no id)'}: {self.reason}"


@dataclass(frozen=True)
class Feature:
    feature_id: str
    kind: str | None
    props: dict[str, Any]
    geom: BaseGeometry


@dataclass
class PortPackage:
    path: Path
    config: PortConfig
    features: dict[str, list[Feature]]
    refusals: list[Refusal]

    def ids(self, kind: str) -> list[str]:
        return [f.feature_id for f in self.features.get(kind, [])]


def load_config(path: Path) -> PortConfig:
    """Read port.toml; a bad file stops with a message naming the field."""
    toml_path = path / "port.toml"
    try:
        raw = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise PortPackageError(f"{toml_path}: {err}") from err
    except RecursionError as err:          # tomllib nests by recursion: a 10,000-deep array
        raise PortPackageError(f"{toml_path}: nested too deep") from err
    try:
        config = PortConfig.model_validate(raw)
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors())
        raise PortPackageError(f"{toml_path}: {problems}") from err
    from ingest.alerts.rules import settings_problems  # the rules' own settings models (and their imports)
    wrong = settings_problems(config.rules)
    if wrong:
        raise PortPackageError(f"{toml_path}: " + "; ".join(wrong))
    return config


def package_frame(config: PortConfig) -> BaseGeometry:
    """The area every feature must lie in: the port's bbox (a hair wider, so features on its edge count)."""
    return box(*config.bbox).buffer(1e-9)


def read_package(path: Path | str) -> PortPackage:
    """Validate every feature of every file; good features are kept, bad ones refused with a reason."""
    path = Path(path)
    config = load_config(path)
    frame = package_frame(config)
    package = PortPackage(path, config, {}, [])
    for kind, spec in FILE_SPECS.items():
        name = config.file_for(kind)
        good, bad = read_file(path / name, name, spec, frame)
        package.features[kind] = good
        package.refusals.extend(bad)
    return package


def read_file(file: Path, name: str, spec: FileSpec, frame: BaseGeometry) -> tuple[list[Feature], list[Refusal]]:
    if not file.is_file():
        return [], [Refusal(name, None, "file is missing")]
    try:            # size- and depth-limited: a 10,000-deep file is refused, not a RecursionError
        doc = loads_json(file.read_bytes(), max_bytes=GEOJSON_MAX_BYTES, max_depth=GEOJSON_MAX_DEPTH,
                         nul_ok=True)       # a \u0000 escape refuses its own feature below, not the whole file
    except (OSError, InputRefused) as err:
        return [], [Refusal(name, None, f"not valid GeoJSON: {err}")]
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(
            doc.get("features"), list):
        return [], [Refusal(name, None, "not a GeoJSON FeatureCollection")]
    crs_problem = _crs_problem(doc.get("crs"))
    good: list[Feature] = []
    bad: list[Refusal] = []
    seen: set[str] = set()
    for index, raw in enumerate(doc["features"]):
        fid = _feature_id(raw)
        if crs_problem:
            bad.append(Refusal(name, fid, crs_problem))
            continue
        if _has_nul(raw):
            bad.append(Refusal(name, fid if isinstance(fid, str) and "\x00" not in fid else f"#{index}",
                               "a NUL (\\u0000) in this feature"))
            continue
        try:
            feat = validate_feature(raw, spec, frame)
        except PortPackageError as err:
            bad.append(Refusal(name, fid or f"#{index}", str(err)))
            continue
        if feat.feature_id in seen:
            bad.append(Refusal(name, fid, "duplicate id in this file"))
            continue
        taken = [v for v in feat.props.get("vendor_ids", []) if v in seen]
        if taken:
            bad.append(Refusal(name, fid, f"vendor id {taken[0]!r} is another camera's"))
            continue
        seen.update([feat.feature_id, *feat.props.get("vendor_ids", [])])
        good.append(feat)
    return good, bad


def _has_nul(value: Any) -> bool:
    """A NUL in any key or string of a parsed JSON value (PostgreSQL's text refuses it); nesting is capped on load."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def validate_feature(raw: Any, spec: FileSpec, frame: BaseGeometry) -> Feature:
    """One feature, checked: id, kind, required properties, numbers, geometry type, CRS, rings, validity, bbox."""
    if not isinstance(raw, dict) or raw.get("type") != "Feature":
        raise PortPackageError("not a GeoJSON Feature")
    props = raw.get("properties") or {}
    if not isinstance(props, dict):
        raise PortPackageError("properties must be an object")
    fid = _feature_id(raw)
    if not fid:
        raise PortPackageError("missing id (give the feature an 'id' or a properties.id)")
    kind = None
    if spec.kind_field:
        kind = props.get(spec.kind_field)
        if not isinstance(kind, str) or kind not in spec.kinds:
            raise PortPackageError(
                f"unknown {spec.kind_field} {kind!r} (expected one of {', '.join(sorted(spec.kinds))})")
    for prop in spec.required:
        if props.get(prop) in (None, ""):
            raise PortPackageError(f"missing property {prop!r}")
    for prop, (low, high) in spec.numbers.items():
        value = props.get(prop)
        if value is not None and not (isinstance(value, (int, float)) and not isinstance(value, bool)
                                      and math.isfinite(value) and low <= value <= high):
            raise PortPackageError(f"property {prop!r} = {value!r} is not a number in [{low}, {high}]")
        if prop in WHOLE and value is not None and not isinstance(value, int):
            raise PortPackageError(f"property {prop!r} = {value!r} is not a whole number")
    if "water_side" in spec.required and not (isinstance(props["water_side"], str)
                                              and props["water_side"] in ("left", "right")):
        raise PortPackageError(f"water_side {props['water_side']!r} must be 'left' or 'right'")
    if "vendor_ids" in props:
        _vendor_ids(props["vendor_ids"])
    geom = _geometry(raw.get("geometry"), spec, frame)
    return Feature(fid, kind, props, geom)


# A camera's ids in its vendor's system: Hikvision/Dahua `<vendor>:<device MAC, IP or serial>/<channel>`,
# GB/T 28181 `gb28181:<20-digit device or channel id>` (the listener admits only devices named here).
VENDOR_ID = re.compile(r"^(?:(?:hikvision|dahua):[A-Za-z0-9._:-]{1,64}/\d{1,4}|gb28181:\d{20})$")


def _vendor_ids(value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PortPackageError("vendor_ids must be a list of strings")
    bad = [v for v in value if not VENDOR_ID.match(v)]
    if bad:
        raise PortPackageError(f"vendor_ids {bad[0][:80]!r} is not hikvision:<device>/<channel>, "
                               "dahua:<device>/<channel> or gb28181:<20 digits>")


def _geometry(gj: Any, spec: FileSpec, frame: BaseGeometry) -> BaseGeometry:
    if not isinstance(gj, dict) or "type" not in gj or "coordinates" not in gj:
        raise PortPackageError("no geometry")
    if not isinstance(gj["type"], str) or gj["type"] not in spec.geom_types:
        raise PortPackageError(f"geometry is {gj['type']}, expected {' or '.join(spec.geom_types)}")
    points = list(_positions(gj["coordinates"]))
    if not points:
        raise PortPackageError("geometry has no coordinates")
    for x, y in points:
        if not (-180 <= x <= 180 and -90 <= y <= 90):
            raise PortPackageError(
                f"coordinate ({x}, {y}) is not longitude/latitude in degrees: the file must be EPSG:4326")
    for ring_no, ring in enumerate(_rings(gj), start=1):
        if not all(isinstance(position, list) for position in ring):
            raise PortPackageError(f"ring {ring_no} is not a list of positions")
        if len(ring) < 4:
            raise PortPackageError(f"ring {ring_no} has {len(ring)} positions; a closed ring needs at least 4")
        if list(ring[0][:2]) != list(ring[-1][:2]):
            raise PortPackageError(f"ring {ring_no} is not closed: it starts at {ring[0][:2]} "
                                   f"and ends at {ring[-1][:2]}")
    try:
        geom = shape(gj)
    except (ValueError, TypeError, IndexError, KeyError, AttributeError, shapely.errors.GEOSException) as err:
        raise PortPackageError(f"unreadable geometry: {type(err).__name__}: {err}") from err
    if geom.is_empty:
        raise PortPackageError("empty geometry")
    if not geom.is_valid:
        raise PortPackageError(f"invalid geometry: {explain_validity(geom)}")
    if not frame.covers(geom):
        raise PortPackageError("lies (partly) outside the port bbox")
    return geom


def _feature_id(raw: Any) -> str | None:
    if not isinstance(raw, dict):
        return None
    fid = raw.get("id")
    if fid in (None, "") and isinstance(raw.get("properties"), dict):
        fid = raw["properties"].get("id")
    return str(fid) if fid not in (None, "") else None


def _positions(coords: Any) -> Any:
    if isinstance(coords, (list, tuple)) and coords and all(isinstance(c, (int, float)) for c in coords):
        if len(coords) < 2:
            raise PortPackageError(f"position {coords} needs two numbers")
        yield float(coords[0]), float(coords[1])
    elif isinstance(coords, (list, tuple)):
        for c in coords:
            yield from _positions(c)
    else:
        raise PortPackageError(f"bad coordinate {coords!r}")


def _rings(gj: dict[str, Any]) -> list[list[Any]]:
    """The rings of a (Multi)Polygon, each a list (of what, the caller checks); _positions has already
    checked that coordinates are nested lists of numbers."""
    polygons = [gj["coordinates"]] if gj["type"] == "Polygon" else gj["coordinates"] if gj["type"] == "MultiPolygon" \
        else []
    rings = []
    for polygon in polygons:
        if not isinstance(polygon, list) or not all(isinstance(ring, list) for ring in polygon):
            raise PortPackageError("a polygon's coordinates must be a list of rings")
        rings += polygon
    return rings


def _crs_problem(crs: Any) -> str | None:
    if crs is None:
        return None
    props = crs.get("properties") if isinstance(crs, dict) else None
    name = props.get("name") if isinstance(props, dict) else None
    if isinstance(name, str) and name in WGS84_NAMES:
        return None
    declared = name if isinstance(name, str) else repr(crs)
    return f"the file declares CRS {declared}; port packages are in EPSG:4326 (longitude, latitude)"
