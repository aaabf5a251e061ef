SELECT ensure_position_partitions(%(first_day)s, %(last_day)s)
