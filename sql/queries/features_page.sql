-- One page of a feature set (layers/base.py FeatureSet) as GeoJSON features made by PostGIS, for the layer API and
-- OGC API - Features (app/ogc.py). The source is the set's own named query (its `geom` WKB in EPSG:4326, run with
-- the view's parameters); layers/features.py composes in the feature id (its key columns), the order (the same
-- columns) and the properties (the columns the asker may see, as a JSON object in the query order; braces of JSON text are doubled). Only features
-- of the set's geometry type are its (`geometry`). Coordinates are in `srid`, latitude first when `flip` (EPSG:4326
-- by its axis order), with `digits` decimals; every polygon's exterior ring counter-clockwise and its holes
-- clockwise (RFC 7946 section 3.1.6). `features` is the text of a JSON array of the page's features, in id order.
-- The source is materialised first: its own plan stays as the map runs it (no filter pushed into it).
WITH src AS MATERIALIZED (
{source}
), hit AS MATERIALIZED (
    SELECT s.*, x.g
    FROM src s
    CROSS JOIN LATERAL (SELECT ST_GeomFromWKB(s.geom, 4326) AS g) x
    WHERE s.geom IS NOT NULL AND ST_GeometryType(x.g) = 'ST_' || %(geometry)s
      AND x.g && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326)
), page AS (
    SELECT * FROM hit s
    WHERE %(fid)s::text IS NULL OR ({fid})::text = %(fid)s::text
    ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s
)
SELECT (SELECT count(*) FROM hit) AS matched, count(*) AS returned,
       '[' || coalesce(string_agg(
           '{{"type": "Feature", "id": ' || to_json({fid})::text
           || ', "geometry": ' || ST_AsGeoJSON(CASE WHEN %(flip)s THEN ST_FlipCoordinates(x.g) ELSE x.g END, %(digits)s)
           || ', "properties": ' || ({properties})::text || '}}', ', ' ORDER BY {order}), '') || ']' AS features
FROM page s
CROSS JOIN LATERAL (SELECT ST_ForcePolygonCCW(ST_Transform(s.g, %(srid)s)) AS g) x
