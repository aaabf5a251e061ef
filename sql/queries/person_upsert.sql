INSERT INTO person (device_id, name, team, source_file, updated_at)
VALUES (%(device_id)s, %(name)s, %(team)s, %(source)s, now())
ON CONFLICT (device_id) DO UPDATE SET name = EXCLUDED.name, team = EXCLUDED.team, source_file = EXCLUDED.source_file,
    updated_at = now()
