INSERT INTO sensor_target AS s (source, target_id, observed_at, geom, course_deg, speed_kn, label, details)
VALUES (%s, %s, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, %s, %s, %s)
ON CONFLICT (source, target_id) DO UPDATE SET
    observed_at = EXCLUDED.observed_at, geom = EXCLUDED.geom, course_deg = EXCLUDED.course_deg,
    speed_kn = EXCLUDED.speed_kn, label = EXCLUDED.label, details = EXCLUDED.details
WHERE EXCLUDED.observed_at > s.observed_at
