-- The officers' alert list: every alert not resolved (at `at` in a replay), worst and newest first, with the
-- last officer action.
SELECT a.alert_id, a.rule, a.severity, s.state, a.title_en, a.title_zh, a.raised_at, a.evidence_at,
       a.suppressed_until, act.actor, act.action, act.acted_at,
       ST_X(ST_PointOnSurface(a.geom)) AS lon, ST_Y(ST_PointOnSurface(a.geom)) AS lat
FROM alerts_at(%(port_id)s, %(at)s) s
JOIN alert a USING (alert_id)
LEFT JOIN LATERAL (
    SELECT actor, action, acted_at FROM alert_action x
    WHERE x.alert_id = a.alert_id AND x.actor <> 'engine' AND x.acted_at <= coalesce(%(at)s::timestamptz, 'infinity')
    ORDER BY acted_at DESC, action_id DESC LIMIT 1) act ON true
ORDER BY CASE s.state WHEN 'open' THEN 0 WHEN 'acknowledged' THEN 1 ELSE 2 END,
         CASE a.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, a.raised_at DESC
LIMIT %(limit)s
