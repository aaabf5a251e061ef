DELETE FROM zone WHERE port_id = %(port_id)s AND NOT (zone_id = ANY(%(keep_ids)s))
