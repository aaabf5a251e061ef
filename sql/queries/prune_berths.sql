DELETE FROM berth WHERE port_id = %(port_id)s AND NOT (berth_id = ANY(%(keep_ids)s))
