INSERT INTO audit_log (actor, actor_role, actor_agency, action, object_kind, object_id, detail, client_addr)
VALUES (%(actor)s, %(role)s, %(agency)s, %(action)s, %(object_kind)s, %(object_id)s, %(detail)s, %(client_addr)s)
