SELECT timezone, coalesce(config -> 'wall', '{}'::jsonb) FROM port WHERE port_id = %(port_id)s
