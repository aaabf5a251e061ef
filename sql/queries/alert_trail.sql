-- One alert's lifecycle, oldest first: who did what and when.
SELECT acted_at, actor, actor_role, actor_agency, action, note FROM alert_action
WHERE alert_id = %(alert_id)s ORDER BY acted_at, action_id
