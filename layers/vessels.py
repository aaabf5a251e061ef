"""Vessels: the latest AIS position of every vessel in view as a rotated icon coloured by ship type, with
true-scale hull outlines from the AIS dimensions and name labels when zoomed in."""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import psycopg

from layers.base import FeatureSet, Layer, Style, View, read_frame
from sql import query_text

# (colour, English, Chinese) by the AIS ship-type group (ITU-R M.1371 table 53)
CATEGORIES = {
    "cargo": ("#15803d", "Cargo", "货船"), "tanker": ("#b91c1c", "Tanker", "油轮/化学品船"),
    "passenger": ("#2563eb", "Passenger", "客船"), "service": ("#7c3aed", "Tug, pilot, port service", "港作船"),
    "fishing": ("#ca8a04", "Fishing", "渔船"), "pleasure": ("#db2777", "Pleasure craft", "游艇"),
    "other": ("#475569", "Other, unknown", "其他"),
}
NAV_STATUS = {0: ("under way", "在航"), 1: ("at anchor", "锚泊"), 2: ("not under command", "失控"),
              3: ("restricted manoeuvrability", "操纵受限"), 5: ("moored", "系泊"), 7: ("fishing", "捕捞作业"),
              8: ("sailing", "帆船航行")}
STILL_STATUS = (1, 5)        # at anchor, moored: the round icon
STILL_KN = 0.5
HULL_ZOOM = 13.0             # hull outlines from this zoom (a 200 m ship is then ~20 px long)
HULL_MAX = 2000              # at most this many hulls at once
LABEL_ZOOM = 12.0
LABEL_MAX = 400
ICON_SIZE = 9                # plotly's marker.size for an icon is its icon-size × 10
M_PER_DEG_LAT = 110_574.0    # a ship is at most 400 m long: a local flat approximation is exact enough here


SERVICE_TYPES = (31, 32, 33, 50, 51, 52, 53, 54, 55, 58, 59)


def categories(ship_type: np.ndarray) -> np.ndarray:
    """The ship-type group (a CATEGORIES key) of each AIS ship type (ITU-R M.1371 table 53; NaN: unknown)."""
    t = ship_type
    groups = [(t >= 70) & (t <= 79), (t >= 80) & (t <= 89), (t >= 60) & (t <= 69), np.isin(t, SERVICE_TYPES),
              t == 30, np.isin(t, (36, 37))]
    return np.select(groups, ["cargo", "tanker", "passenger", "service", "fishing", "pleasure"], "other").astype(object)


def typed(values: np.ndarray, dtype: str) -> dict[str, str]:
    """A plotly.js typed-array spec: the array's bytes in base64 (a quarter of the JSON for float32)."""
    raw = np.ascontiguousarray(values, dtype=f"<{dtype}").tobytes()
    return {"dtype": dtype, "bdata": base64.b64encode(raw).decode()}


def _col(gdf: pd.DataFrame, name: str) -> np.ndarray:
    return pd.to_numeric(gdf[name], errors="coerce").to_numpy(dtype="f8", na_value=np.nan) if len(gdf) else np.empty(0)


@dataclass
class Picture:
    """The vessels of one query as arrays: what the icons, hulls and labels are drawn from."""

    mmsi: np.ndarray           # int64
    lon: np.ndarray
    lat: np.ndarray
    angle: np.ndarray          # degrees true, heading or else course, 0 when neither is known
    cats: np.ndarray           # object array: the ship-type group of each (CATEGORIES)
    still: np.ndarray          # bool: at anchor, moored or stopped
    names: np.ndarray          # object array of str, "" when unknown
    dims: np.ndarray           # (n, 4) metres A (to bow), B (to stern), C (to port), D (to starboard); NaN unknown
    lang: str
    symbols: np.ndarray = field(default_factory=lambda: np.empty(0, object))   # sprite icon names
    labels: np.ndarray = field(default_factory=lambda: np.empty(0, object))    # hover texts

    def __post_init__(self) -> None:
        if len(self.symbols) != len(self.mmsi):
            self.symbols, self.labels = self._symbols_and_labels()

    def _symbols_and_labels(self) -> tuple[np.ndarray, np.ndarray]:
        """Icon names and hover texts for all at once (list comprehensions: half the time pandas string ops took)."""
        kinds = {c: v[2 if self.lang == "zh" else 1] for c, v in CATEGORIES.items()}
        length = np.nansum(self.dims[:, :2], axis=1)
        known = ~np.isnan(self.dims[:, :2]).all(axis=1) & (length > 0)
        cats = self.cats.tolist()
        symbols = [f"vessel-{cat}-still" if still else f"vessel-{cat}" for cat, still in
                   zip(cats, self.still.tolist(), strict=True)]
        labels = [f"<b>{name or mmsi}</b><br>{kinds[cat]}{f' · {int(metres)} m' if has_size else ''}<br>MMSI {mmsi}"
                  for mmsi, cat, name, metres, has_size in zip(self.mmsi.tolist(), cats, self.names.tolist(),
                                                               length.round().tolist(), known.tolist(), strict=True)]
        return np.array(symbols, dtype=object), np.array(labels, dtype=object)

    @classmethod
    def from_frame(cls, gdf: pd.DataFrame, lang: str) -> Picture:
        """From a layer query's GeoDataFrame, or any frame with lon and lat columns."""
        n = len(gdf)
        return cls._from_columns(
            partial(_col, gdf), lang,
            mmsi=gdf["mmsi"].to_numpy(dtype="i8") if n else np.empty(0, "i8"),
            lon=_col(gdf, "lon") if "lon" in gdf else (gdf.geometry.x.to_numpy() if n else np.empty(0)),
            lat=_col(gdf, "lat") if "lat" in gdf else (gdf.geometry.y.to_numpy() if n else np.empty(0)),
            names=gdf["name"].fillna("").astype(str).str.strip().to_numpy(object) if n else np.empty(0, object))

    @classmethod
    def from_rows(cls, columns: list[str], rows: list[tuple[Any, ...]], lang: str) -> Picture:
        """From the rows of sql/queries/live_vessels.sql, straight into arrays (no data frame: this runs for
        every new picture; None reads as NaN)."""
        values: dict[str, tuple[Any, ...]] = {c: () for c in columns}
        if rows:
            values.update(zip(columns, zip(*rows, strict=True), strict=True))

        def number(name: str) -> np.ndarray:
            return np.array(values[name], dtype="f8")
        return cls._from_columns(number, lang, mmsi=np.array(values["mmsi"], dtype="i8"), lon=number("lon"),
                                 lat=number("lat"),
                                 names=np.array([(x or "").strip() for x in values["name"]], dtype=object))

    @classmethod
    def _from_columns(cls, number: Callable[[str], np.ndarray], lang: str, *, mmsi: np.ndarray, lon: np.ndarray,
                      lat: np.ndarray, names: np.ndarray) -> Picture:
        """`number(column)`: a numeric column as float64, NaN where unknown."""
        heading, cog, sog, status = (number(c) for c in ("heading_deg", "cog_deg", "sog_kn", "nav_status"))
        heading = np.where((heading >= 0) & (heading < 360), heading, np.nan)
        angle = np.where(np.isnan(heading), np.where(np.isnan(cog), 0.0, cog), heading)
        still = np.isin(status, STILL_STATUS) | (sog < STILL_KN) | (np.isnan(heading) & np.isnan(cog))
        dims = np.column_stack([number(c) for c in ("dim_a_m", "dim_b_m", "dim_c_m", "dim_d_m")]) if len(mmsi) \
            else np.empty((0, 4))
        return cls(mmsi=mmsi, lon=lon, lat=lat, angle=angle, cats=categories(number("ship_type")), still=still,
                   names=names, dims=dims, lang=lang)

    @staticmethod
    def empty_frame() -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame({"mmsi": [], "ship_type": [], "name": []}, geometry=[], crs="EPSG:4326")

    def __len__(self) -> int:
        return len(self.mmsi)

    def subset(self, keep: np.ndarray) -> Picture:
        idx = np.flatnonzero(keep)
        return Picture(self.mmsi[idx], self.lon[idx], self.lat[idx], self.angle[idx], self.cats[idx],
                       self.still[idx], self.names[idx], self.dims[idx], self.lang,
                       self.symbols[idx], self.labels[idx])

    def in_bounds(self, bounds: tuple[float, float, float, float] | None, margin: float = 0.15) -> Picture:
        """The vessels inside the view's bounds grown by a margin (so a small pan needs nothing new)."""
        if bounds is None:
            return self
        xmin, ymin, xmax, ymax = bounds
        dx, dy = (xmax - xmin) * margin, (ymax - ymin) * margin
        return self.subset((self.lon >= xmin - dx) & (self.lon <= xmax + dx)
                           & (self.lat >= ymin - dy) & (self.lat <= ymax + dy))

    def icon_trace(self, title: str) -> dict[str, Any]:
        """The icons as a plain trace dict: positions and angles as typed arrays, the rest as lists (the live
        tick patches single symbols, labels and MMSIs in place, which typed arrays would not allow)."""
        return {"type": "scattermap", "mode": "markers", "uid": "vessels", "name": title, "legendgroup": "vessels",
                "showlegend": False, "lon": typed(self.lon, "f4"), "lat": typed(self.lat, "f4"),
                "marker": {"symbol": self.symbols.tolist(), "angle": typed(self.angle.round(), "u2"),
                           "size": ICON_SIZE, "allowoverlap": True},
                "customdata": self.mmsi.tolist(), "text": self.labels.tolist(),
                "hovertemplate": "%{text}<extra></extra>"}

    def hull_traces(self, zoom: float) -> list[dict[str, Any]]:
        """The true-scale outlines as one filled trace (every trace costs the browser a redraw share; the icon
        on top says the type); empty below HULL_ZOOM or with too many in view."""
        lons: list[float | None] = []
        lats: list[float | None] = []
        if zoom >= HULL_ZOOM and len(self) <= HULL_MAX:
            known = ~np.isnan(self.dims).any(axis=1) & (self.dims[:, 0] + self.dims[:, 1] > 0)
            for i in np.flatnonzero(known):
                xs, ys = hull_outline(self.lon[i], self.lat[i], self.angle[i], *self.dims[i])
                lons.extend([*xs, None])
                lats.extend([*ys, None])
        return [{"type": "scattermap", "mode": "lines", "fill": "toself", "lon": lons, "lat": lats,
                 "fillcolor": "rgba(30,41,59,0.28)", "line": {"color": "#0f172a", "width": 1.2},
                 "hoverinfo": "skip", "showlegend": False, "legendgroup": "vessels", "name": "hulls"}]

    def label_trace(self, zoom: float) -> dict[str, Any]:
        show = zoom >= LABEL_ZOOM and len(self) <= LABEL_MAX
        idx = range(len(self)) if show else range(0)
        return {"type": "scattermap", "mode": "markers+text", "lon": [round(float(self.lon[i]), 6) for i in idx],
                "lat": [round(float(self.lat[i]), 6) for i in idx],
                "text": [self.names[i] or str(self.mmsi[i]) for i in idx], "textposition": "top right",
                # invisible markers: plotly offsets the text by the marker size (NaN, and an error, with "text" only)
                "marker": {"size": 14, "opacity": 0},
                "textfont": {"size": 11, "color": "#0f172a"}, "hoverinfo": "skip", "showlegend": False,
                "legendgroup": "vessels", "name": "vessel names"}


def hull_outline(lon: float, lat: float, angle: float, a: float, b: float, c: float, d: float
                 ) -> tuple[list[float], list[float]]:
    """The ship's true-scale outline around her AIS reference point: a pointed bow over the last 15 % of her
    length, rotated to her heading. A is the distance to the bow, B to the stern, C to port, D to starboard."""
    length = a + b
    bow_start = a - 0.15 * length
    # (starboard +x, ahead +y) in metres from the reference point
    pts = [(-c, -b), (d, -b), (d, bow_start), ((d - c) / 2, a), (-c, bow_start), (-c, -b)]
    th = math.radians(angle)
    cos_t, sin_t = math.cos(th), math.sin(th)
    m_per_deg_lon = M_PER_DEG_LAT * math.cos(math.radians(lat))
    xs, ys = [], []
    for x, y in pts:
        east = x * cos_t + y * sin_t
        north = -x * sin_t + y * cos_t
        xs.append(round(lon + east / m_per_deg_lon, 7))
        ys.append(round(lat + north / M_PER_DEG_LAT, 7))
    return xs, ys


class Vessels(Layer):
    name = "vessels"
    title = {"en": "Vessels (AIS)", "zh": "船舶（AIS）"}
    sql = "layer_vessels"
    geometry = "Point"
    key = ("mmsi",)
    age_sources = ("feed:ais",)
    live = True
    max_age_s = 1800

    def feature_sets(self) -> tuple[FeatureSet, ...]:
        return (FeatureSet(self.name, self.title, self.sql, self.geometry, self.key,
                           extra={"max_age_s": self.max_age_s}),)

    def query(self, conn: psycopg.Connection[Any], view: View) -> gpd.GeoDataFrame:
        return read_frame(conn, self.sql, {**view.params(), "max_age_s": self.max_age_s})

    def live_picture(self, conn: psycopg.Connection[Any], view: View) -> Picture:
        """The same vessels as `query`, read lean for the live tick."""
        with conn.cursor() as cur:
            cur.execute(query_text("live_vessels"), {**view.params(), "max_age_s": self.max_age_s}, binary=True)
            columns = [d.name for d in cur.description or []]
            return Picture.from_rows(columns, cur.fetchall(), view.lang)

    def traces(self, gdf: gpd.GeoDataFrame, style: Style) -> list[Any]:
        """Hulls, icons, then labels: always these three traces."""
        pic = Picture.from_frame(gdf, style.lang)
        hulls = [go.Scattermap(h) for h in pic.hull_traces(style.zoom)]
        icons = go.Scattermap(pic.icon_trace(self.title_in(style.lang)))
        return [*hulls, icons, go.Scattermap(pic.label_trace(style.zoom))]
