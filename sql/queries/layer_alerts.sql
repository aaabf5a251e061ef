-- Live alerts in view (open, acknowledged, suppressed; as they stood at `at` in a replay), at a point on their geometry, worst first.
-- A replay also shows the retrospective alerts (migration 027) that held at `at`, marked so (negative ids: they
-- are no live alert to act on).
SELECT * FROM (
    SELECT a.alert_id, a.rule, a.severity, s.state, a.title_en, a.title_zh, a.evidence_at, a.raised_at,
           a.details -> 'score' AS score, a.details -> 'factors' AS factors, a.details -> 'cameras' AS cameras,
           ST_AsBinary(ST_PointOnSurface(a.geom)) AS geom
    FROM alerts_at(%(port_id)s, %(at)s) s
    JOIN alert a USING (alert_id)
    WHERE a.geom IS NOT NULL AND a.geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326)
    UNION ALL
    SELECT -r.alert_id, r.rule, r.severity, 'retrospective', r.title_en || ' (retrospective)',
           r.title_zh || '（回溯）', r.evidence_at, r.raised_at, r.details -> 'score', r.details -> 'factors',
           r.details -> 'cameras', ST_AsBinary(ST_PointOnSurface(r.geom))
    FROM alert_retrospective r
    WHERE %(at)s::timestamptz IS NOT NULL AND r.port_id = %(port_id)s AND r.raised_at <= %(at)s::timestamptz
      AND (r.resolved_at IS NULL OR r.resolved_at > %(at)s::timestamptz)
      AND r.geom IS NOT NULL AND r.geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326)
) x
ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, raised_at DESC
