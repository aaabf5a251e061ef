-- Tracks for the map: each vessel's positions in (at - minutes, at] as one LineString, oldest first.
SELECT mmsi, count(*) AS points, min(observed_at) AS first_at, max(observed_at) AS last_at,
       ST_AsBinary(ST_MakeLine(geom ORDER BY observed_at)) AS geom
FROM vessel_position
WHERE observed_at > %(at)s - make_interval(mins => %(minutes)s) AND observed_at <= %(at)s
  AND geom IS NOT NULL
  AND (%(mmsi)s::integer IS NULL OR mmsi = %(mmsi)s::integer)
GROUP BY mmsi
HAVING count(*) >= 2
ORDER BY mmsi
