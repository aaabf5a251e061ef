-- The alert an incident report is about: what, where (a point of it), when, and its explained details.
SELECT a.alert_id, a.rule, a.severity, a.state, a.title_en, a.title_zh, a.subject_kind, a.subject_id,
       a.evidence_at, a.raised_at, a.resolved_at, a.details,
       ST_X(ST_PointOnSurface(a.geom)) AS lon, ST_Y(ST_PointOnSurface(a.geom)) AS lat
FROM alert a WHERE a.alert_id = %(alert_id)s AND a.port_id = %(port_id)s
