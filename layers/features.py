"""Every layer's features as GIS clients read them, made by PostGIS: pages of GeoJSON features (ST_AsGeoJSON) and
Mapbox Vector Tile layers (ST_AsMVT) of a layer's feature sets (layers/base.py FeatureSet), and the columns of a
set. The set's own named query is composed into sql/queries/features_*.sql with psycopg.sql; values are bound."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from layers.base import FeatureSet, LayerError, View
from portdomain.roles import PERSONAL_AGENCY
from sql import query_text

# PostgreSQL type OIDs of the columns GIS clients should read as numbers, booleans, times or JSON
INTEGER_OIDS = frozenset({20, 21, 23})
NUMBER_OIDS = frozenset({700, 701, 1700})
TIME_OIDS = frozenset({1082, 1114, 1184})
JSON_OIDS = frozenset({114, 3802})
BOOL_OID = 16
ARRAY_OIDS = frozenset({1000, 1005, 1007, 1009, 1015, 1016, 1021, 1022, 1115, 1185, 1231})


@dataclass(frozen=True)
class Page:
    """A page of features: how many match in all, how many are here, the features as a JSON array (text)."""

    matched: int
    returned: int
    features: str


@dataclass(frozen=True)
class Output:
    """Coordinates of the answer: an EPSG code, latitude first (EPSG:4326's axis order) or not, and decimals."""

    srid: int = 4326
    flip: bool = False
    digits: int = 7


def _source(fs: FeatureSet) -> sql.Composable:
    inner: sql.Composable = sql.SQL(query_text(fs.sql))  # type: ignore[arg-type]
    if fs.wrap is not None:
        inner = sql.SQL(query_text(fs.wrap)).format(source=inner)  # type: ignore[arg-type]
    if fs.personal:         # only the rows of the agencies whose people the asker may see (none: no rows)
        inner = sql.SQL("SELECT * FROM ({}) personal WHERE '*' = ANY(%(personal_agencies)s::text[]) "
                        "OR personal.{} = ANY(%(personal_agencies)s::text[])").format(
            inner, sql.Identifier(PERSONAL_AGENCY))
    return inner


def _fid(fs: FeatureSet) -> sql.Composable:
    """The feature id: the key column's value, or the key columns joined with '/'."""
    if not fs.key:
        raise LayerError(f"feature set {fs.name!r} names no key columns")
    if len(fs.key) == 1:
        return sql.Identifier("s", fs.key[0])
    return sql.SQL("concat_ws('/', {})").format(sql.SQL(", ").join(sql.Identifier("s", c) for c in fs.key))


def _shown(conn: psycopg.Connection[Any], fs: FeatureSet, view: View, hidden: list[str]) -> list[str]:
    return [c for c, _ in columns(conn, fs, view) if c not in hidden]


def page(conn: psycopg.Connection[Any], fs: FeatureSet, view: View, *, hidden: list[str], out: Output = Output(),
         limit: int = 10, offset: int = 0, fid: str | None = None, agencies: tuple[str, ...] = ()) -> Page:
    """The features of `fs` in the view (its bbox, zoom and instant), in id order, `offset` and `limit` a page;
    of a personal set, only the people of `agencies`."""
    shown = _shown(conn, fs, view, hidden)
    properties = sql.SQL(", ").join(sql.Identifier("s", c) for c in shown)
    order = sql.SQL(", ").join(sql.Identifier("s", c) for c in fs.key)
    text = sql.SQL(query_text("features_page")).format(  # type: ignore[arg-type]
        source=_source(fs), fid=_fid(fs), order=order, properties=properties)
    params = {**view.params(), **fs.params(view), "geometry": fs.geometry, "srid": out.srid, "flip": out.flip,
              "digits": out.digits, "limit": limit, "offset": offset, "fid": fid, "personal_agencies": list(agencies)}
    row = conn.execute(text, params).fetchone()
    assert row is not None
    return Page(int(row[0]), int(row[1]), row[2])


def tile(conn: psycopg.Connection[Any], fs: FeatureSet, view: View, zxy: tuple[int, int, int], *,
         hidden: list[str], agencies: tuple[str, ...] = ()) -> bytes:
    """One Mapbox Vector Tile layer (named as the set) of the set's features in tile z/x/y; b'' when empty."""
    scalars = [c for c, oid in columns(conn, fs, view) if c not in hidden and oid not in ARRAY_OIDS | JSON_OIDS]
    shown = sql.SQL(", ").join(sql.Identifier("s", c) for c in scalars)   # a tile's attributes are plain values
    text = sql.SQL(query_text("features_mvt")).format(source=_source(fs), columns=shown)  # type: ignore[arg-type]
    z, x, y = zxy
    params = {**view.params(), **fs.params(view), "geometry": fs.geometry, "z": z, "x": x, "y": y,
              "layer": fs.name, "personal_agencies": list(agencies)}
    row = conn.execute(text, params).fetchone()
    return bytes(row[0]) if row and row[0] else b""


_COLUMNS: dict[str, list[tuple[str, int]]] = {}


def columns(conn: psycopg.Connection[Any], fs: FeatureSet, view: View) -> list[tuple[str, int]]:
    """The set's columns (but its geometry) and their type OIDs, in the query's order (asked once per set)."""
    if fs.name not in _COLUMNS:
        text = sql.SQL(query_text("features_describe")).format(source=_source(fs))  # type: ignore[arg-type]
        with conn.cursor() as cur:
            cur.execute(text, {**view.params(), **fs.params(view), "personal_agencies": []})
            _COLUMNS[fs.name] = [(d.name, d.type_code) for d in cur.description or [] if d.name != "geom"]
    return _COLUMNS[fs.name]
