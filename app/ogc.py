"""OGC API - Features (Part 1 Core with GeoJSON, Part 2 CRS by reference) over every map layer's feature sets: the
parameters (bbox, bbox-crs, crs, datetime, limit, offset) and the JSON documents. app/blueprints/ogc.py serves them;
PostGIS makes the features (layers/features.py)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from pyproj import Transformer

from app.export import ExportError, parse_at
from layers import FeatureSet
from layers.features import ARRAY_OIDS, BOOL_OID, INTEGER_OIDS, JSON_OIDS, NUMBER_OIDS, TIME_OIDS, Output

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/{}"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
]
DEFAULT_LIMIT = 10
MAX_LIMIT = 10_000
GEOJSON = "application/geo+json"


class OgcError(ExportError):
    """A request OGC API - Features answers 400 (a bad parameter), with the reason."""


def crs_uris(port_crs: str) -> list[str]:
    """The CRSs every collection is served in: CRS84 (the default), EPSG:4326, EPSG:3857 and the port's."""
    codes = ["4326", "3857", port_crs.split(":")[1]]
    return [CRS84, *dict.fromkeys(EPSG.format(c) for c in codes)]


def parse_crs(text: str | None, port_crs: str) -> tuple[str, Output]:
    """A `crs` (or `bbox-crs`) parameter: its URI and how to write coordinates in it. EPSG:4326 is latitude first,
    CRS84 longitude first; metric CRSs get centimetres."""
    uri = text or CRS84
    if uri.upper().startswith("EPSG:"):
        uri = EPSG.format(uri.split(":", 1)[1])
    if uri not in crs_uris(port_crs):
        raise OgcError(f"unsupported crs {text!r}; supported: {', '.join(crs_uris(port_crs))}")
    if uri == CRS84:
        return uri, Output(4326, False, 7)
    srid = int(uri.rsplit("/", 1)[1])
    return uri, Output(srid, srid == 4326, 7 if srid == 4326 else 2)


def parse_bbox(text: str | None, bbox_crs: str | None, port_crs: str,
               default: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """The `bbox` in lon/lat degrees (CRS84), from the bbox-crs it was given in."""
    if not text:
        return default
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise OgcError("bbox must be four numbers: minx,miny,maxx,maxy") from None
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise OgcError("bbox must be four numbers: minx,miny,maxx,maxy (no heights)")
    _, out = parse_crs(bbox_crs, port_crs)
    a, b, c, d = values
    if out.flip:
        a, b, c, d = b, a, d, c
    if out.srid != 4326:
        a, b, c, d = Transformer.from_crs(out.srid, 4326, always_xy=True).transform_bounds(a, b, c, d)
    if not (a < c and b < d):
        raise OgcError("bbox must have its lower corner first (minx < maxx, miny < maxy)")
    return max(a, -180.0), max(b, -90.0), min(c, 180.0), min(d, 90.0)


def parse_datetime(text: str | None, fs: FeatureSet) -> datetime | None:
    """The replay's instant for a layer that follows time (None: now). Intervals are refused; a timeless layer
    ignores the parameter."""
    if not text or not fs.timed:
        return None
    if "/" in text:
        raise OgcError("datetime: only an instant is supported (the replay's instant), not an interval")
    return parse_at(text, datetime.now(UTC))


def parse_paging(args: Any) -> tuple[int, int]:
    try:
        limit = int(args.get("limit", DEFAULT_LIMIT))
        offset = int(args.get("offset", 0))
    except ValueError:
        raise OgcError("limit and offset must be whole numbers") from None
    if limit < 1 or offset < 0:
        raise OgcError(f"limit must be 1 to {MAX_LIMIT} and offset 0 or more")
    return min(limit, MAX_LIMIT), offset


@dataclass(frozen=True)
class Base:
    """Where the API is (absolute, as the client reached it) and the query it was asked with."""

    url: str
    args: dict[str, str]

    def link(self, path: str, rel: str, kind: str, title: str, **query: Any) -> dict[str, str]:
        keep = {k: v for k, v in self.args.items() if k == "apikey"}     # a client that logged in by its address
        args = {**keep, **{k: v for k, v in query.items() if v is not None}}
        href = self.url + path + (f"?{urlencode(args)}" if args else "")
        return {"href": href, "rel": rel, "type": kind, "title": title}


def landing(base: Base, title: str) -> dict[str, Any]:
    return {"title": f"{title}: OGC API - Features",
            "description": "Every layer of the port's map, live or at a past instant (datetime).",
            "links": [base.link("", "self", "application/json", "this document"),
                      base.link("/api", "service-desc", "application/vnd.oai.openapi+json;version=3.0",
                                "the API definition (OpenAPI 3.0)"),
                      base.link("/conformance", "conformance", "application/json", "conformance classes"),
                      base.link("/collections", "data", "application/json", "the layers")]}


def _param(name: str, schema: dict[str, Any], where: str = "query", required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required, "schema": schema}


def _get(summary: str, kind: str, params: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"get": {"summary": summary, "parameters": params or [],
                    "responses": {"200": {"description": summary, "content": {kind: {}}},
                                  "400": {"description": "a bad parameter, with the reason"},
                                  "401": {"description": "sign in, or send an api token"},
                                  "404": {"description": "no such collection or feature"}}}}


def openapi(base: Base, collection_ids: list[str]) -> dict[str, Any]:
    """The API definition (OpenAPI 3.0) that the landing page links as service-desc."""
    cid = _param("collectionId", {"type": "string", "enum": collection_ids}, "path", True)
    items = [cid, _param("bbox", {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number"}}),
             _param("bbox-crs", {"type": "string", "format": "uri"}),
             crs := _param("crs", {"type": "string", "format": "uri"}),
             _param("datetime", {"type": "string"}), _param("offset", {"type": "integer", "minimum": 0}),
             _param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT})]
    fid = _param("featureId", {"type": "string"}, "path", True)
    return {
        "openapi": "3.0.3", "info": {"title": "Port One-Map: OGC API - Features", "version": "1.0"},
        "servers": [{"url": base.url}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                                           "basic": {"type": "http", "scheme": "basic"},
                                           "apikey": {"type": "apiKey", "in": "query", "name": "apikey"}}},
        "security": [{"bearer": []}, {"basic": []}, {"apikey": []}],
        "paths": {"/": _get("landing page", "application/json"),
                  "/conformance": _get("conformance classes", "application/json"),
                  "/collections": _get("the layers", "application/json"),
                  "/collections/{collectionId}": _get("one layer", "application/json", [cid]),
                  "/collections/{collectionId}/items": _get("its features", GEOJSON, items),
                  "/collections/{collectionId}/items/{featureId}": _get("one feature", GEOJSON,
                                                                        [cid, fid, crs]),
                  "/collections/{collectionId}/queryables": _get("its properties", "application/schema+json",
                                                                 [cid])}}


def collection(base: Base, fs: FeatureSet, bbox: tuple[float, ...], port_crs: str) -> dict[str, Any]:
    """One feature set as an OGC collection, with its extent (the port) and its CRSs."""
    path = f"/collections/{fs.name}"
    doc: dict[str, Any] = {
        "id": fs.name, "title": fs.title["en"], "description": f"{fs.title['zh']} ({fs.geometry})",
        "itemType": "feature", "crs": crs_uris(port_crs), "storageCrs": CRS84,
        "extent": {"spatial": {"bbox": [list(bbox)], "crs": CRS84}},
        "links": [base.link(path, "self", "application/json", fs.title["en"]),
                  base.link(f"{path}/items", "items", GEOJSON, "its features"),
                  base.link(f"{path}/queryables", "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                            "application/schema+json", "what its features hold")]}
    if fs.timed:
        doc["extent"]["temporal"] = {"interval": [[None, None]],
                                     "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}
    return doc


def items(base: Base, fs: FeatureSet, features: str, matched: int, returned: int, limit: int,
          offset: int) -> str:
    """A page of features as the FeatureCollection text, its links to the next and previous pages."""
    path = f"/collections/{fs.name}/items"
    query = {k: v for k, v in base.args.items() if k not in ("offset", "apikey")}
    links = [base.link(path, "self", GEOJSON, "this page", **query, offset=offset or None),
             base.link(f"/collections/{fs.name}", "collection", "application/json", fs.title["en"])]
    if offset + returned < matched:
        links.append(base.link(path, "next", GEOJSON, "next page", **{**query, "limit": limit},
                               offset=offset + returned))
    if offset > 0:
        links.append(base.link(path, "prev", GEOJSON, "previous page", **{**query, "limit": limit},
                               offset=max(0, offset - limit) or None))
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return ('{"type": "FeatureCollection", "features": ' + features
            + f', "numberMatched": {matched}, "numberReturned": {returned}, "timeStamp": "{stamp}", '
            + f'"links": {json.dumps(links)}' + "}")


def queryables(base: Base, fs: FeatureSet, columns: list[tuple[str, int]]) -> dict[str, Any]:
    """The set's properties as a JSON Schema (OGC API - Features Part 3's queryables document)."""
    props: dict[str, Any] = {"geometry": {"$ref": f"https://geojson.org/schema/{fs.geometry}.json"}}
    for name, oid in columns:
        props[name] = ({"type": "integer"} if oid in INTEGER_OIDS else {"type": "number"} if oid in NUMBER_OIDS
                       else {"type": "boolean"} if oid == BOOL_OID
                       else {"type": "string", "format": "date-time"} if oid in TIME_OIDS
                       else {"type": "array"} if oid in ARRAY_OIDS
                       else {} if oid in JSON_OIDS else {"type": "string"})
    return {"$schema": "https://json-schema.org/draft/2019-09/schema",
            "$id": f"{base.url}/collections/{fs.name}/queryables", "type": "object", "title": fs.title["en"],
            "properties": props}


def tile_bbox(z: int, x: int, y: int, buffer: float = 64 / 4096) -> tuple[float, float, float, float]:
    """Web Mercator tile z/x/y in lon/lat degrees, widened by `buffer` of a tile on each side."""
    n = 2 ** z

    def lon(tx: float) -> float:
        return tx / n * 360.0 - 180.0

    def lat(ty: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * ty / n))))
    return (max(-180.0, lon(x - buffer)), max(-85.06, lat(y + 1 + buffer)), min(180.0, lon(x + 1 + buffer)),
            min(85.06, lat(y - buffer)))
