SELECT max(hour) FROM port_stats_hour WHERE port_id = %(port_id)s
