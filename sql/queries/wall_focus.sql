-- What the wall focuses on: the newest critical alert nobody has acknowledged yet, with the cameras that see it.
SELECT alert_id, title_en, title_zh, rule, raised_at, details -> 'cameras' AS cameras,
       ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat
FROM alert
WHERE port_id = %(port_id)s AND state = 'open' AND severity = 'critical' AND geom IS NOT NULL
ORDER BY raised_at DESC
LIMIT 1
