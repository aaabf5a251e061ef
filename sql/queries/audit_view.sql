-- The audit trail for supervisors, newest first: sign-ins, refusals, searches and exports (audit_log) and every
-- action on an alert (alert_action; the rule engine's own only when asked). Both tables are append-only.
SELECT * FROM (
    SELECT acted_at, actor, actor_role, actor_agency, action, object_kind, object_id, detail::text AS detail,
           host(client_addr) AS client
    FROM audit_log
    WHERE acted_at >= %(since)s AND acted_at < %(until)s AND (%(actor)s::text IS NULL OR actor = %(actor)s)
    UNION ALL
    SELECT acted_at, actor, actor_role, actor_agency, action, 'alert', alert_id::text, coalesce(note, ''), NULL
    FROM alert_action
    WHERE acted_at >= %(since)s AND acted_at < %(until)s AND (%(actor)s::text IS NULL OR actor = %(actor)s)
      AND (%(engine)s OR actor <> 'engine')
) a
ORDER BY acted_at DESC
LIMIT %(limit)s
