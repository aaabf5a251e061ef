-- One page of a feature set (layers/base.py FeatureSet) as GeoJSON features made by PostGIS, for the layer API and
-- OGC API - Features (app/ogc.py). The source is the set's own named query (its `geom` WKB in EPSG:4326, run with
-- the view's parameters); layers/features.py composes in the feature id (its key columns), the order (the same
-- columns) and the properties (the columns the asker may see, in the query's order, made into each feature by
-- ST_AsGeoJSON; the braces of the JSON text here are doubled for the composition). Only features of the set's
-- geometry type are its (`geometry`). Coordinates are in `srid`, latitude first when `flip` (EPSG:4326 by its axis
-- order), with `digits` decimals; every polygon's exterior ring counter-clockwise and its holes clockwise (RFC 7946
-- section 3.1.6). `features` is the text of a JSON array of the page's features, in id order.
-- The source is materialised first: its own plan stays as the map runs it (no filter pushed into it). The page is
-- sorted once, in `page`; the aggregate reads that CTE in its order through the lateral join (no second sort of
-- megabytes of text: a third of the time of 10,000 features); tests/test_gis.py checks the order.
WITH src AS MATERIALIZED (
{source}
), hit AS MATERIALIZED (
    SELECT s.*, x.g AS the_geom_4326
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
       '[' || coalesce(string_agg('{{"type": "Feature", "id": ' || to_json({fid})::text || ', '
                                  || substr(ST_AsGeoJSON(r.*, 'the_geom_out', %(digits)s), 2), ', '), '')
       || ']' AS features
FROM page s
CROSS JOIN LATERAL (SELECT {properties},
                           CASE WHEN %(flip)s THEN ST_FlipCoordinates(x.g) ELSE x.g END AS the_geom_out
                    FROM (SELECT ST_ForcePolygonCCW(ST_Transform(s.the_geom_4326, %(srid)s)) AS g) x) r
