-- One feature set as one layer of a Mapbox Vector Tile (ST_AsMVT), for app/ogc.py's tiles. The source is the set's
-- own named query (its `geom` WKB in EPSG:4326, run with the tile's extent as the view); layers/features.py composes
-- in the columns the asker may see. Only features of the set's geometry type, clipped to tile z/x/y with a 64-unit
-- buffer (of 4096). An empty tile layer is an empty bytea.
WITH src AS MATERIALIZED (
{source}
)
SELECT coalesce(ST_AsMVT(t.*, %(layer)s, 4096, 'geom'), ''::bytea)
FROM (
    SELECT ST_AsMVTGeom(ST_Transform(x.g, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4096, 64, true) AS geom,
           {columns}
    FROM src s
    CROSS JOIN LATERAL (SELECT ST_GeomFromWKB(s.geom, 4326) AS g) x
    WHERE s.geom IS NOT NULL AND ST_GeometryType(x.g) = 'ST_' || %(geometry)s
) t
WHERE t.geom IS NOT NULL
