INSERT INTO alert_action (alert_id, actor, actor_role, actor_agency, action, note)
VALUES (%(alert_id)s, %(actor)s, %(role)s, %(agency)s, %(action)s, %(note)s)
RETURNING action_id
