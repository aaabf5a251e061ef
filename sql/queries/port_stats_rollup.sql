SELECT port_stats_rollup(%(port_id)s, %(from)s, %(to)s)
