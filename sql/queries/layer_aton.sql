-- Aids to navigation (AIS type 21) in view: real and virtual, and whether one reports itself off position.
SELECT mmsi, name, aid_type, virtual_aid, off_position, observed_at, ST_AsBinary(geom) AS geom
FROM aton
WHERE geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326)
ORDER BY mmsi
