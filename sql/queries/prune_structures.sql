DELETE FROM structure WHERE port_id = %(port_id)s AND NOT (structure_id = ANY(%(keep_ids)s))
