-- The port's alerts for the CAP 1.2 feed (app/cap.py): every live one and every one resolved in the last day (or
-- the one asked for, `alert_id`), newest change first, with its first (raise) and latest state change (their
-- alert_action ids and times: the CAP messages' identifiers), a point on its place and the port's name.
SELECT a.alert_id, a.rule, a.severity, a.state, a.title_en, a.title_zh, a.subject_kind, a.subject_id,
       a.details -> 'score' AS score, first.action_id AS first_id, first.acted_at AS first_at,
       last.action_id AS last_id, last.action AS last_action, last.acted_at AS last_at,
       ST_Y(ST_PointOnSurface(a.geom)) AS lat, ST_X(ST_PointOnSurface(a.geom)) AS lon, p.name_en, p.name_zh
FROM alert a
JOIN port p USING (port_id)
CROSS JOIN LATERAL (SELECT x.action_id, x.acted_at FROM alert_action x
                    WHERE x.alert_id = a.alert_id AND x.action = 'raise' ORDER BY x.action_id LIMIT 1) first
CROSS JOIN LATERAL (SELECT x.action_id, x.action, x.acted_at FROM alert_action x
                    WHERE x.alert_id = a.alert_id AND x.action NOT IN ('update', 'note')
                    ORDER BY x.action_id DESC LIMIT 1) last
WHERE a.port_id = %(port_id)s
  AND (%(alert_id)s::bigint IS NULL AND (a.state <> 'resolved' OR a.resolved_at > now() - interval '1 day')
       OR a.alert_id = %(alert_id)s::bigint)
ORDER BY last.acted_at DESC
LIMIT 500
