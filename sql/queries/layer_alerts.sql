-- Live alerts in view (open, acknowledged, suppressed), at a point on their geometry, worst first.
SELECT alert_id, rule, severity, state, title_en, title_zh, evidence_at, raised_at, details -> 'score' AS score,
       details -> 'factors' AS factors, details -> 'cameras' AS cameras,
       ST_AsBinary(ST_PointOnSurface(geom)) AS geom
FROM alert
WHERE port_id = %(port_id)s AND state <> 'resolved' AND geom IS NOT NULL
  AND geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326)
ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, raised_at DESC
