-- Every state change of the port's alerts after action `after` (alert_action ids, in order), as alerts-out
-- publishes them (ingest/alerts/outbound.py; the JSON schema is in docs/alerts-out.md): the state the action left
-- the alert in and what the alert is. Refreshes of an alert's details ('update') and notes change no state and are
-- left out. With no checkpoint yet (`after` NULL) it starts from the last day's actions.
SELECT x.action_id, json_build_object(
           'schema', 'portmap-alert/1', 'alert_id', a.alert_id, 'port_id', a.port_id, 'rule', a.rule,
           'severity', a.severity,
           'state', CASE x.action WHEN 'raise' THEN 'open' WHEN 'reopen' THEN 'open' WHEN 'unsuppress' THEN 'open'
                                  WHEN 'acknowledge' THEN 'acknowledged' WHEN 'suppress' THEN 'suppressed'
                                  WHEN 'resolve' THEN 'resolved' ELSE a.state END,
           'action', json_build_object('action', x.action, 'actor', x.actor, 'actor_role', x.actor_role,
                                       'actor_agency', x.actor_agency, 'at', x.acted_at),
           'title_en', a.title_en, 'title_zh', a.title_zh,
           'subject', json_build_object('kind', a.subject_kind, 'id', a.subject_id),
           'evidence_at', a.evidence_at, 'raised_at', a.raised_at, 'suppressed_until', a.suppressed_until,
           'resolved_at', a.resolved_at, 'score', a.details -> 'score',
           'lon', round(ST_X(ST_PointOnSurface(a.geom))::numeric, 6),
           'lat', round(ST_Y(ST_PointOnSurface(a.geom))::numeric, 6))::text AS payload,
       a.alert_id
FROM alert_action x
JOIN alert a USING (alert_id)
WHERE a.port_id = %(port_id)s
  AND x.action NOT IN ('update', 'note')
  AND (x.action_id > %(after)s::bigint OR (%(after)s::bigint IS NULL AND x.acted_at > now() - interval '1 day'))
ORDER BY x.action_id
LIMIT %(limit)s
