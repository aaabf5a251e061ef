-- What the cameras saw in the last 10 minutes (before `at` in a replay), by camera, object label and place (the
-- event's mapped zone, else the camera's view): how many tracks, whether one is still going, the newest first.
SELECT e.camera_id, e.label, count(*) AS tracks, bool_or(e.end_at IS NULL) AS ongoing, max(e.start_at) AS last_at,
       max(e.top_score) AS top_score, array_agg(DISTINCT z) FILTER (WHERE z IS NOT NULL) AS zones,
       ST_AsBinary(ST_PointOnSurface(e.geom)) AS geom
FROM camera_event e
LEFT JOIN LATERAL unnest(e.zones) AS z ON true
WHERE e.port_id = %(port_id)s AND e.geom IS NOT NULL
  AND e.start_at <= coalesce(%(at)s::timestamptz, now())
  AND e.start_at > coalesce(%(at)s::timestamptz, now()) - interval '1 day'
  AND coalesce(e.end_at, 'infinity') > coalesce(%(at)s::timestamptz, now()) - interval '10 minutes'
  AND e.geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326)
GROUP BY e.camera_id, e.label, e.geom
ORDER BY last_at DESC
LIMIT 500
