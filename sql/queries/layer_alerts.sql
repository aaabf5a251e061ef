-- Live alerts in view (open, acknowledged, suppressed; as they stood at `at` in a replay), at a point on their geometry, worst first.
SELECT a.alert_id, a.rule, a.severity, s.state, a.title_en, a.title_zh, a.evidence_at, a.raised_at,
       a.details -> 'score' AS score, a.details -> 'factors' AS factors, a.details -> 'cameras' AS cameras,
       ST_AsBinary(ST_PointOnSurface(a.geom)) AS geom
FROM alerts_at(%(port_id)s, %(at)s) s
JOIN alert a USING (alert_id)
WHERE a.geom IS NOT NULL AND a.geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326)
ORDER BY CASE a.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, a.raised_at DESC
