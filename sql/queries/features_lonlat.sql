-- A feature set whose query gives lon and lat columns rather than a geometry (layers/base.py FeatureSet.wrap):
-- its rows with a place, and that place as `geom` (WKB, EPSG:4326). the source is the set's own query.
SELECT w.*, ST_AsBinary(ST_SetSRID(ST_MakePoint(w.lon, w.lat), 4326)) AS geom
FROM (
{source}
) w
WHERE w.lon IS NOT NULL AND w.lat IS NOT NULL
