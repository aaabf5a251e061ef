-- One page of a feature set (layers/base.py FeatureSet) as GeoJSON features made by PostGIS, for the layer API and
-- OGC API - Features (app/ogc.py). the source is the set's own named query (its `geom` WKB in EPSG:4326, run with the
-- view's parameters); the fid joins its key columns into the feature id. Only features of the set's geometry type
-- are its (`geometry`); the columns the asker may not see are left out (`hidden`). Coordinates are in `srid`,
-- latitude first when `flip` (EPSG:4326 by its axis order), with `digits` decimals; every polygon's exterior ring
-- counter-clockwise and its holes clockwise (RFC 7946 section 3.1.6). `features` is a JSON array, in id order.
WITH f AS MATERIALIZED (
    SELECT {fid} AS fid, ST_GeomFromWKB(s.geom, 4326) AS g, to_jsonb(s) - 'geom' - %(hidden)s::text[] AS props
    FROM (
{source}
) s
    WHERE s.geom IS NOT NULL
), hit AS (
    SELECT * FROM f
    WHERE ST_GeometryType(g) = 'ST_' || %(geometry)s
      AND g && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326)
      AND (%(fid)s::text IS NULL OR fid = %(fid)s::text)
), page AS (
    SELECT * FROM hit ORDER BY fid LIMIT %(limit)s OFFSET %(offset)s
)
SELECT (SELECT count(*) FROM hit) AS matched, count(p.fid) AS returned,
       coalesce(json_agg(json_build_object(
           'type', 'Feature', 'id', p.fid,
           'geometry', ST_AsGeoJSON(CASE WHEN %(flip)s THEN ST_FlipCoordinates(x.g) ELSE x.g END, %(digits)s)::json,
           'properties', p.props) ORDER BY p.fid), '[]'::json)::text AS features
FROM page p
CROSS JOIN LATERAL (SELECT ST_ForcePolygonCCW(ST_Transform(p.g, %(srid)s)) AS g) x
