-- A tracking sensor's targets in view (sources named `<prefix>` or `<prefix>:…`), seen in the last 10 minutes
-- before now (or the replayed instant).
SELECT source, target_id, observed_at, course_deg, speed_kn, label, ST_X(geom) AS lon, ST_Y(geom) AS lat,
       ST_AsBinary(geom) AS geom
FROM sensor_target
WHERE (source = %(prefix)s OR source LIKE %(prefix)s || ':%%')
  AND geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326)
  AND observed_at <= coalesce(%(at)s, now()) AND observed_at > coalesce(%(at)s, now()) - interval '10 minutes'
ORDER BY source, target_id
