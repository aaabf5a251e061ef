DELETE FROM camera WHERE port_id = %(port_id)s AND NOT (camera_id = ANY(%(keep_ids)s))
