"""OGC API - Features and Mapbox Vector Tiles for GIS clients (QGIS, GDAL's OAPIF and MVT drivers) under
/api/v1/ogc: every map layer's feature sets as collections, read as the read-only role, as the layer API's users
may (the gate: sessions, API tokens as bearer, HTTP Basic password or ?apikey=; per-role hidden columns)."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any

import flask

from app import export, gate, ogc
from app.blueprints.api import error, server_error
from app.context import AppContext
from app.figure import port_info
from app.i18n import language
from layers import FeatureSet, Layer, View, feature_sets
from layers import features as made
from portdomain.roles import hidden_columns, personal_agencies

log = logging.getLogger("app.server")
ROOT = "/api/v1/ogc"
MVT = "application/vnd.mapbox-vector-tile"
TILE_KEEP_S = 300.0         # a tile unchanged this long is made again all the same
TILE_LIVE_S = 1.0           # a live layer without a version: as fresh as the map's live tick


def _visible() -> dict[str, tuple[Layer, FeatureSet]]:
    """The feature sets the asker may read, with their layers (a layer above their role is not listed)."""
    user = gate.current_user()
    return {name: (layer, fs) for name, (layer, fs) in feature_sets().items() if user is not None
            and user.at_least(layer.min_role)}


def _set(cid: str) -> FeatureSet:
    return _layer_set(cid)[1]


def _layer_set(cid: str) -> tuple[Layer, FeatureSet]:
    found = _visible().get(cid)
    if found is None:
        flask.abort(404, description=f"no such collection: {cid[:100]}")
    return found


def _base() -> ogc.Base:
    return ogc.Base(flask.request.host_url.rstrip("/") + ROOT, dict(flask.request.args))


def _json(doc: Any, mimetype: str = "application/json") -> flask.Response:
    return flask.Response(flask.json.dumps(doc), mimetype=mimetype, headers={"Cache-Control": "no-store"})


def _port(ctx: AppContext, conn: Any) -> Any:
    port = port_info(conn, ctx.port_id)
    if port is None:
        raise export.ExportError("no port is loaded")
    return port


def _refusing(fn: Callable[..., flask.Response]) -> Callable[..., flask.Response]:
    """A bad parameter is the asker's 400, with its reason, logged; anything else goes to server_error."""
    def guarded(*args: Any, **kwargs: Any) -> flask.Response:
        try:
            return fn(*args, **kwargs)
        except export.ExportError as err:
            log.warning("OGC API refused %r: %s", gate.loggable_path(), err)
            return error(str(err), 400)
    guarded.__name__ = fn.__name__
    guarded.__doc__ = fn.__doc__
    return guarded


def _items(ctx: AppContext, cid: str, fid: str | None) -> flask.Response:
    fs, args = _set(cid), flask.request.args
    limit, offset = ogc.parse_paging(args) if fid is None else (1, 0)
    with ctx.read_connection(timeout=5) as conn:
        port = _port(ctx, conn)
        uri, out = ogc.parse_crs(args.get("crs"), port.crs)
        bbox = ogc.parse_bbox(args.get("bbox"), args.get("bbox-crs"), port.crs, port.bbox)
        view = View(port_id=port.port_id, bbox=bbox, zoom=17, at=ogc.parse_datetime(args.get("datetime"), fs),
                    lang=language(args.get("lang")))
        page = made.page(conn, fs, view, hidden=hidden_columns(gate.current_user()), out=out, limit=limit,
                         offset=offset, fid=fid, agencies=personal_agencies(gate.current_user()))
    headers = {"Content-Crs": f"<{uri}>", "Cache-Control": "no-store"}
    if fid is not None:
        if not page.returned:
            flask.abort(404, description=f"no feature {fid[:100]} in {cid}")
        body = page.features[1:-1]          # the one feature of the array
    else:
        body = ogc.items(_base(), fs, page.features, page.matched, page.returned, limit, offset)
    return flask.Response(body, mimetype=ogc.GEOJSON, headers=headers)


def _tile(ctx: AppContext, sets: list[tuple[Layer, FeatureSet]], z: int, x: int, y: int) -> flask.Response:
    """The tile of one set, or of several (a tile layer each). A tile is made again only when its data may have
    changed: the port package reloaded (reference layers), the layer's version (e.g. any container moved for the
    yard), or after TILE_LIVE_S for a live layer that cannot tell."""
    if not (0 <= z <= 24 and 0 <= x < 2 ** z and 0 <= y < 2 ** z):
        raise export.ExportError(f"no tile {z}/{x}/{y} in WebMercatorQuad")
    hidden = hidden_columns(gate.current_user())
    agencies = personal_agencies(gate.current_user())
    cache = ctx.cache("ogc-tiles", TILE_KEEP_S)
    parts = []
    with ctx.read_connection(timeout=5) as conn:
        port = _port(ctx, conn)
        at = ogc.parse_datetime(flask.request.args.get("datetime"), sets[0][1]) if len(sets) == 1 else None
        view = View(port_id=port.port_id, bbox=ogc.tile_bbox(z, x, y), zoom=float(z), at=at)
        for layer, fs in sets:
            version = layer.version(conn, view) if layer.live else port.loaded_at
            if version is None:                 # live, and no way to tell a change: made afresh every TILE_LIVE_S
                version = int(time.monotonic() / TILE_LIVE_S)
            key = (fs.name, z, x, y, tuple(hidden), agencies if fs.personal else (), at, version)
            parts.append(cache.get(key, functools.partial(made.tile, conn, fs, view, (z, x, y), hidden=hidden,
                                                          agencies=agencies)))
    return flask.Response(b"".join(parts), mimetype=MVT, headers={"Cache-Control": "no-store"})


def blueprint(ctx: AppContext) -> flask.Blueprint:
    bp = flask.Blueprint("ogc", __name__)
    _documents(bp, ctx)

    @bp.get(f"{ROOT}/collections/<cid>/items")
    @_refusing
    def ogc_items(cid: str) -> flask.Response:
        """A page of a collection's features (bbox, bbox-crs, crs, datetime, limit, offset)."""
        return _items(ctx, cid, None)

    @bp.get(f"{ROOT}/collections/<cid>/items/<path:fid>")
    @_refusing
    def ogc_item(cid: str, fid: str) -> flask.Response:
        return _items(ctx, cid, fid)

    @bp.get(f"{ROOT}/collections/<cid>/tiles/<int:z>/<int:x>/<int:y>.mvt")
    @_refusing
    def ogc_tile(cid: str, z: int, x: int, y: int) -> flask.Response:
        """One collection as a Mapbox Vector Tile (WebMercatorQuad z/x/y)."""
        return _tile(ctx, [_layer_set(cid)], z, x, y)

    @bp.get(f"{ROOT}/tiles/<int:z>/<int:x>/<int:y>.mvt")
    @_refusing
    def ogc_tiles(z: int, x: int, y: int) -> flask.Response:
        """Every collection the asker may read in one tile, a tile layer each."""
        return _tile(ctx, list(_visible().values()), z, x, y)

    bp.register_error_handler(Exception, server_error)
    return bp


def _documents(bp: flask.Blueprint, ctx: AppContext) -> None:
    @bp.get(ROOT)
    @bp.get(f"{ROOT}/")
    def ogc_landing() -> flask.Response:
        return _json(ogc.landing(_base(), "Port One-Map"))

    @bp.get(f"{ROOT}/api")
    def ogc_api() -> flask.Response:
        return _json(ogc.openapi(_base(), list(_visible())), "application/vnd.oai.openapi+json;version=3.0")

    @bp.get(f"{ROOT}/conformance")
    def ogc_conformance() -> flask.Response:
        return _json({"conformsTo": ogc.CONFORMANCE})

    @bp.get(f"{ROOT}/collections")
    @_refusing
    def ogc_collections() -> flask.Response:
        with ctx.read_connection(timeout=5) as conn:
            port = _port(ctx, conn)
        base = _base()
        return _json({"links": [base.link("/collections", "self", "application/json", "the layers")],
                      "collections": [ogc.collection(base, fs, port.bbox, port.crs)
                                      for _, fs in _visible().values()]})

    @bp.get(f"{ROOT}/collections/<cid>")
    @_refusing
    def ogc_collection(cid: str) -> flask.Response:
        fs = _set(cid)
        with ctx.read_connection(timeout=5) as conn:
            port = _port(ctx, conn)
        return _json(ogc.collection(_base(), fs, port.bbox, port.crs))

    @bp.get(f"{ROOT}/collections/<cid>/queryables")
    @_refusing
    def ogc_queryables(cid: str) -> flask.Response:
        fs = _set(cid)
        hidden = set(hidden_columns(gate.current_user()))
        with ctx.read_connection(timeout=5) as conn:
            port = _port(ctx, conn)
            cols = made.columns(conn, fs, View(port_id=port.port_id, bbox=port.bbox))
        return _json(ogc.queryables(_base(), fs, [c for c in cols if c[0] not in hidden]),
                     "application/schema+json")
