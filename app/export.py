"""Any map layer at an instant as GeoJSON, GeoPackage or CSV: what `GET /api/v1/layers/<name>` serves, so that
QGIS and other tools can read the live picture (or a past one)."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import psycopg

from layers import LAYERS, LayerError, View
from portdomain import csvsafe
from portdomain.roles import redact

FORMATS = {"geojson": "application/geo+json", "gpkg": "application/geopackage+sqlite3", "csv": "text/csv"}
MAX_FEATURES = 100_000


class ExportError(ValueError):
    """A request the export cannot answer (unknown layer or format, bad bbox or time)."""


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


def layer_frame(conn: psycopg.Connection[Any], name: str, view: View, actor: Any = None) -> gpd.GeoDataFrame:
    """The layer's features in the view as `actor` may see them (the column rules of sql/alerts.py; None: as
    the least of users), columns made plain (lists joined, times in ISO 8601 UTC)."""
    try:
        layer = LAYERS[name]
    except KeyError:
        raise ExportError(f"unknown layer {name!r}; layers: {', '.join(LAYERS)}") from None
    try:
        gdf = redact(actor, layer.query(conn, view))
    except LayerError as err:
        raise ExportError(str(err)) from err
    gdf = gdf.drop(columns=[c for c in ("geom",) if c in gdf.columns]).head(MAX_FEATURES)
    for column in gdf.columns:
        if column == gdf.geometry.name:
            continue
        gdf[column] = gdf[column].map(_plain)
    gdf.attrs["layer"] = name
    return gdf


def _plain(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return ", ".join(str(_plain(v)) for v in value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return json.dumps(value, default=str)
    if value is pd.NaT:
        return None
    return value


def encode(gdf: gpd.GeoDataFrame, fmt: str) -> bytes:
    """The frame in the asked format: GeoJSON (RFC 7946, WGS 84), a GeoPackage of one layer, or CSV with WKT."""
    if fmt == "geojson":
        return gdf.to_json(na="null", drop_id=True, default=str).encode()
    if fmt == "csv":
        plain = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
        plain["wkt"] = gdf.geometry.to_wkt()
        return csvsafe.frame(plain).to_csv(index=False).encode()
    if fmt == "gpkg":
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "layer.gpkg"
            gdf.to_file(path, driver="GPKG", layer=str(gdf.attrs.get("layer", "layer")), engine="pyogrio")
            return path.read_bytes()
    raise ExportError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
