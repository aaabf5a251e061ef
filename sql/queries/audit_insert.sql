SELECT audit_append(%(actor)s, %(role)s, %(agency)s, %(action)s, %(object_kind)s, %(object_id)s, %(detail)s,
                    %(client_addr)s)
