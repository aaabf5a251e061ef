SELECT pg_notify('portmap_alerts', %(payload)s)
