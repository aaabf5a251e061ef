SELECT crs, config FROM port WHERE port_id = %(port_id)s
