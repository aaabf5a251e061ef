"""The layer interface: a named query into a GeoDataFrame, and plotly traces drawn from it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go
import psycopg
import shapely
from shapely.geometry.base import BaseGeometry

from sql import query_text


class LayerError(Exception):
    """Base error of the layers package (unknown layer, bad view)."""


@dataclass(frozen=True)
class View:
    """What the map asks for: port, extent, zoom, instant (None = now), language and filters."""

    port_id: str
    bbox: tuple[float, float, float, float] | None = None
    zoom: float = 11.0
    at: datetime | None = None
    lang: str = "en"
    filters: dict[str, Any] = field(default_factory=dict)

    def params(self) -> dict[str, Any]:
        xmin, ymin, xmax, ymax = self.bbox or (-180.0, -90.0, 180.0, 90.0)
        return {"port_id": self.port_id, "xmin": xmin, "ymin": ymin, "xmax": xmax, "ymax": ymax,
                "at": self.at, "lang": self.lang}


@dataclass(frozen=True)
class Style:
    lang: str = "en"
    dark: bool = False
    zoom: float = 11.0        # some layers draw more when zoomed in (vessel hulls and names)


@dataclass(frozen=True)
class FeatureSet:
    """A layer's features of one geometry type as GIS clients read them (the layer API, OGC API - Features and
    vector tiles, app/ogc.py): its named query (`geom` as WKB in EPSG:4326, run with the view's parameters and
    `extra`), the geometry type every feature has, and the columns that name a feature (its id)."""

    name: str
    title: dict[str, str]
    sql: str
    geometry: str                       # Point, LineString, Polygon, MultiPolygon (OGC simple features)
    key: tuple[str, ...]
    extra: dict[str, Any] = field(default_factory=dict)
    # a named query around `sql` that makes its `geom` (e.g. from lon/lat columns): its `{source}` is `sql`
    wrap: str | None = None
    # the parameter that carries the view's instant (None = now); a set whose query has none is timeless
    instant: str = "at"
    # the query's parameters when they are not the view's plus `extra` (e.g. a tolerance from the zoom)
    params_of: Callable[[View], dict[str, Any]] | None = None
    # rows of personal data (their personal_agency column): each asker gets only the rows of the agencies whose
    # people they may see (portdomain.roles.personal_agencies), so no one else's
    personal: bool = False

    @property
    def timed(self) -> bool:
        """It follows the replay's instant (OGC `datetime`)."""
        return f"%({self.instant})s" in query_text(self.sql)

    def params(self, view: View) -> dict[str, Any]:
        return self.params_of(view) if self.params_of is not None else {**view.params(), **self.extra}


class Layer:
    """One map layer. Subclasses set the class attributes and implement `traces`."""

    name: ClassVar[str]
    title: ClassVar[dict[str, str]]
    min_role: ClassVar[str] = "viewer"
    sql: ClassVar[str]  # the named query in sql/queries, run with View.params()
    # where the layer's data comes from, for its data age: "feed:<kind>" (feed_status), "alerts" or "port"
    age_sources: ClassVar[tuple[str, ...]] = ("port",)
    # reference layers whose shapes the live map draws in its MapLibre style rather than as traces
    in_style: ClassVar[bool] = False
    # live layers too dense for the whole port: from this zoom the live tick reads only what is in view
    view_zoom: ClassVar[float | None] = None
    # how often the live tick redraws the layer at most (seconds); history-like layers can wait longer
    refresh_s: ClassVar[float] = 0.9
    # a live layer: the live tick redraws it (when its version changes); reference layers are drawn once
    live: ClassVar[bool] = False
    # rows of personal data (portdomain.roles PERSONAL_AGENCY): the live map draws it per personal scope
    personal: ClassVar[bool] = False
    # what GIS clients read (FeatureSet): every feature's geometry type and the columns naming a feature
    geometry: ClassVar[str] = "Point"
    key: ClassVar[tuple[str, ...]] = ()

    def feature_sets(self) -> tuple[FeatureSet, ...]:
        """The layer's features for GIS clients, one geometry type each (most layers: one set, named as it)."""
        return (FeatureSet(self.name, self.title, self.sql, self.geometry, self.key, personal=self.personal),)

    def query(self, conn: psycopg.Connection[Any], view: View) -> gpd.GeoDataFrame:
        return read_frame(conn, self.sql, view.params())

    def traces(self, gdf: gpd.GeoDataFrame, style: Style) -> list[go.Scattermap]:
        raise NotImplementedError

    def version(self, conn: psycopg.Connection[Any], view: View) -> Any:
        """Something cheap that changes whenever the layer's data may have: the live map redraws the layer
        only then. None (the default) means "no idea": redraw every tick."""
        return None

    def title_in(self, lang: str) -> str:
        return self.title.get(lang, self.title["en"])


def read_frame(conn: psycopg.Connection[Any], name: str, params: dict[str, Any]) -> gpd.GeoDataFrame:
    """Run a named query whose geometry column `geom` is WKB; return a GeoDataFrame in EPSG:4326."""
    with conn.cursor() as cur:
        cur.execute(query_text(name), params)  # type: ignore[arg-type]
        columns = [d.name for d in cur.description or []]
        frame = pd.DataFrame(cur.fetchall(), columns=columns)
    geoms = gpd.GeoSeries.from_wkb(frame.pop("geom").map(bytes) if len(frame) else [], crs="EPSG:4326")
    return gpd.GeoDataFrame(frame, geometry=geoms.values, crs="EPSG:4326")


def name_in(row: Any, lang: str) -> str:
    """The feature's name in the asked language, falling back to English."""
    value = row.get(f"name_{lang}") if hasattr(row, "get") else None
    return str(value or row.get("name_en") or "")


def _rings(geom: BaseGeometry) -> list[Any]:
    if geom.geom_type == "Polygon":
        return [geom.exterior, *geom.interiors]  # type: ignore[attr-defined]
    if geom.geom_type in ("LineString", "LinearRing"):
        return [geom]
    return [ring for part in geom.geoms for ring in _rings(part)]  # type: ignore[attr-defined]


def path_coords(geoms: list[BaseGeometry]) -> tuple[list[float | None], list[float | None]]:
    """Lon and lat lists of every ring or line, separated by None (one trace for many shapes)."""
    lons: list[float | None] = []
    lats: list[float | None] = []
    for geom in geoms:
        for ring in _rings(geom):
            xy = shapely.get_coordinates(ring)
            lons.extend(xy[:, 0].round(6).tolist())
            lats.extend(xy[:, 1].round(6).tolist())
            lons.append(None)
            lats.append(None)
    return lons, lats


def area_trace(geoms: list[BaseGeometry], *, name: str, fill: str, line: str, width: float = 1,
               legendgroup: str, showlegend: bool = False) -> go.Scattermap:
    """Polygons as one filled trace (rings separated by gaps): cheap to draw, no GeoJSON copies."""
    lons, lats = path_coords(geoms)
    return go.Scattermap(lon=lons, lat=lats, mode="lines", fill="toself", fillcolor=fill,
                         line={"color": line, "width": width}, name=name, legendgroup=legendgroup,
                         showlegend=showlegend, hoverinfo="skip")


def line_trace(geoms: list[BaseGeometry], *, name: str, color: str, width: float,
               legendgroup: str, showlegend: bool = False) -> go.Scattermap:
    lons, lats = path_coords(geoms)
    return go.Scattermap(lon=lons, lat=lats, mode="lines", line={"color": color, "width": width},
                         name=name, legendgroup=legendgroup, showlegend=showlegend, hoverinfo="skip")


def label_trace(gdf: gpd.GeoDataFrame, *, name: str, text: list[str], hover: list[str],
                legendgroup: str, color: str = "#1f2d3d", size: int = 11, marker_size: int = 6,
                marker_color: str = "rgba(0,0,0,0)", mode: str = "markers+text") -> go.Scattermap:
    """Points at each feature's representative point carrying its label and hover details."""
    points = gdf.geometry.representative_point() if len(gdf) else gpd.GeoSeries([])
    return go.Scattermap(
        lon=points.x.round(6).tolist(), lat=points.y.round(6).tolist(), mode=mode, text=text,
        hovertext=hover, hoverinfo="text", textposition="middle center",
        textfont={"size": size, "color": color}, marker={"size": marker_size, "color": marker_color},
        name=name, legendgroup=legendgroup, showlegend=False)
