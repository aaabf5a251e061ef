-- Event-based alerts are raised once per key, ever: a handled event does not come back.
SELECT dedup_key FROM alert WHERE dedup_key = ANY(%(keys)s::text[])
