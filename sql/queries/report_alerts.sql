-- The report's alerts: every alert raised in the window or still live at its end, worst first, with who
-- acknowledged and who resolved it, when (as the action log stood at the end of the window); then the
-- retrospective alerts (migration 027) raised in the window, marked so.
SELECT * FROM (
    SELECT a.alert_id, a.rule, a.severity, a.title_en, a.title_zh, a.raised_at, coalesce(s.state, 'resolved') AS state,
           (SELECT x.actor || ' · ' || to_char(x.acted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')
              FROM alert_action x WHERE x.alert_id = a.alert_id AND x.action = 'acknowledge' AND x.acted_at <= %(to)s
              ORDER BY x.acted_at LIMIT 1) AS acknowledged,
           (SELECT x.actor || ' · ' || to_char(x.acted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')
                   || coalesce(' · ' || x.note, '')
              FROM alert_action x WHERE x.alert_id = a.alert_id AND x.action = 'resolve' AND x.acted_at <= %(to)s
              ORDER BY x.acted_at DESC LIMIT 1) AS resolved
    FROM alert a
    LEFT JOIN alerts_at(%(port_id)s, %(to)s) s USING (alert_id)
    WHERE a.port_id = %(port_id)s AND a.raised_at <= %(to)s AND (a.raised_at >= %(from)s OR s.alert_id IS NOT NULL)
    UNION ALL
    SELECT -r.alert_id, r.rule, r.severity, r.title_en || ' (retrospective)', r.title_zh || '（回溯）', r.raised_at,
           'retrospective', NULL,
           'condition cleared · ' || to_char(r.resolved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')
    FROM alert_retrospective r
    WHERE r.port_id = %(port_id)s AND r.raised_at >= %(from)s AND r.raised_at <= %(to)s
) x
ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, raised_at DESC
LIMIT 300
