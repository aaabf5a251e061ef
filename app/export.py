"""Any map layer at an instant as GeoJSON, GeoPackage or CSV: what `GET /api/v1/layers/<name>` serves, so that
QGIS and other tools can read the live picture (or a past one)."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import psycopg
import shapely.geometry

from layers import FeatureSet, Layer, LayerError, View, feature_sets, features
from layers.features import Page
from portdomain import csvsafe
from portdomain.roles import hidden_columns, personal_agencies

FORMATS = {"geojson": "application/geo+json", "gpkg": "application/geopackage+sqlite3", "csv": "text/csv"}
MAX_FEATURES = 100_000


class ExportError(ValueError):
    """A request the export cannot answer (unknown layer or format, bad bbox or time): the asker's error."""


class Forbidden(Exception):
    """The layer is above the asker's role."""


def parse_bbox(text: str | None, default: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    if not text:
        return default
    try:
        xmin, ymin, xmax, ymax = (float(v) for v in text.split(","))
    except ValueError:
        raise ExportError("bbox must be xmin,ymin,xmax,ymax in degrees (EPSG:4326)") from None
    if not (-180 <= xmin < xmax <= 180 and -90 <= ymin < ymax <= 90):
        raise ExportError("bbox must be xmin,ymin,xmax,ymax with xmin < xmax and ymin < ymax, in degrees")
    return xmin, ymin, xmax, ymax


def parse_at(text: str | None, now: datetime) -> datetime | None:
    """ISO 8601 (UTC when no offset is given); None (or "now") for the live picture."""
    if not text or text == "now":
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ExportError("at must be an ISO 8601 time, e.g. 2026-11-27T14:05:00Z") from None
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    if when > now:
        raise ExportError("at is in the future")
    return when


def feature_set(name: str, actor: Any) -> tuple[Layer, FeatureSet]:
    """The layer API's feature set of that name (a layer, or one geometry type of one), if `actor` may read it."""
    sets = feature_sets()
    if name not in sets:
        raise ExportError(f"unknown layer {name!r}; layers: {', '.join(sets)}")
    layer, fs = sets[name]
    if actor is not None and not actor.at_least(layer.min_role):
        raise Forbidden(name)
    return layer, fs


def layer_page(conn: psycopg.Connection[Any], name: str, view: View, actor: Any = None) -> tuple[FeatureSet, Page]:
    """Every feature of the set in the view as `actor` may see it (None: as the least of users), up to
    MAX_FEATURES, made by PostGIS (layers/features.py)."""
    _, fs = feature_set(name, actor)
    try:
        return fs, features.page(conn, fs, view, hidden=hidden_columns(actor), limit=MAX_FEATURES,
                                 agencies=personal_agencies(actor))
    except LayerError as err:
        raise ExportError(str(err)) from err


def layer_frame(conn: psycopg.Connection[Any], name: str, view: View, actor: Any = None) -> gpd.GeoDataFrame:
    """The same features as a GeoDataFrame with plain columns in the query's order (lists of values joined with
    ", ", objects as JSON text, whole numbers as integers even with gaps), for GeoPackage and CSV."""
    fs, page = layer_page(conn, name, view, actor)
    found = json.loads(page.features)
    hidden = set(hidden_columns(actor))
    typed = [(c, oid) for c, oid in features.columns(conn, fs, view) if c not in hidden]
    frame = pd.DataFrame([f["properties"] for f in found], columns=[c for c, _ in typed])
    for column, oid in typed:
        frame[column] = _plain_column(frame[column], oid)
    geoms = [shapely.geometry.shape(f["geometry"]) for f in found]
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326").values, crs="EPSG:4326")
    gdf.attrs.update(layer=fs.name, geometry=fs.geometry)
    return gdf


def _plain_column(values: pd.Series, oid: int) -> pd.Series:
    """By the column's database type: whole numbers stay whole where some are missing (an IMO, a nav status)."""
    if oid in features.INTEGER_OIDS:
        return values.astype("Int64")
    if oid in features.NUMBER_OIDS:
        return values.astype("Float64")
    if oid == features.BOOL_OID:
        return values.astype("boolean")
    return values.map(_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, list) and not any(isinstance(v, list | dict) for v in value):
        return ", ".join(str(v) for v in value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def geojson(page: Page) -> bytes:
    """An RFC 7946 FeatureCollection of the page's features (WGS 84, exterior rings counter-clockwise)."""
    return ('{"type": "FeatureCollection", "features": ' + page.features + "}").encode()


def encode(gdf: gpd.GeoDataFrame, fmt: str) -> bytes:
    """The frame as a GeoPackage of one layer (of the set's geometry type) or CSV with WKT."""
    if fmt == "csv":
        plain = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
        plain["wkt"] = gdf.geometry.to_wkt()
        return csvsafe.frame(plain).to_csv(index=False).encode()
    if fmt == "gpkg":
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "layer.gpkg"
            gdf.to_file(path, driver="GPKG", layer=str(gdf.attrs.get("layer", "layer")), engine="pyogrio",
                        geometry_type=str(gdf.attrs.get("geometry", "Unknown")))
            return path.read_bytes()
    raise ExportError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
