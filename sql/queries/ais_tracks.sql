-- Tracks for the map: each vessel's positions in (at - minutes, at] as one LineString, oldest first, simplified
-- to %(tolerance)s degrees (about half a pixel at the map's zoom); only the positions inside the view's box,
-- except for one vessel asked for by MMSI (the selected one: its whole track).
SELECT mmsi, count(*) AS points, min(observed_at) AS first_at, max(observed_at) AS last_at,
       ST_AsBinary(ST_Simplify(ST_MakeLine(geom ORDER BY observed_at), %(tolerance)s, true)) AS geom
FROM vessel_position
WHERE observed_at > %(at)s - make_interval(mins => %(minutes)s) AND observed_at <= %(at)s
  AND geom IS NOT NULL
  AND (%(mmsi)s::integer IS NULL OR mmsi = %(mmsi)s::integer)
  AND (%(mmsi)s::integer IS NOT NULL OR geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326))
GROUP BY mmsi
HAVING count(*) >= 2
ORDER BY mmsi
