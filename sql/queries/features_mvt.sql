-- One feature set as one layer of a Mapbox Vector Tile (ST_AsMVT), for app/ogc.py's tiles. the source is the set's
-- own named query (its `geom` WKB in EPSG:4326, run with the tile's extent as the view); only features of the set's
-- geometry type, without the columns the asker may not see (`hidden`), clipped to tile z/x/y with a 64-unit buffer
-- (of 4096). An empty tile layer is an empty bytea.
WITH f AS (
    SELECT ST_AsMVTGeom(ST_Transform(g, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4096, 64, true) AS geom,
           props
    FROM (SELECT ST_GeomFromWKB(s.geom, 4326) AS g, to_jsonb(s) - 'geom' - %(hidden)s::text[] AS props
          FROM (
{source}
) s WHERE s.geom IS NOT NULL) r
    WHERE ST_GeometryType(g) = 'ST_' || %(geometry)s
)
SELECT coalesce(ST_AsMVT(t.*, %(layer)s, 4096, 'geom'), ''::bytea)
FROM (SELECT geom, props FROM f WHERE geom IS NOT NULL) t
