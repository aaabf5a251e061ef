INSERT INTO person_latest AS l (device_id, observed_at, received_at, source, geom, speed_mps, bearing_deg,
                                accuracy_m, altitude_m, battery_pct)
VALUES (%(device_id)s, %(observed_at)s, %(received_at)s, %(source)s,
        ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), %(speed_mps)s, %(bearing_deg)s, %(accuracy_m)s,
        %(altitude_m)s, %(battery_pct)s)
ON CONFLICT (device_id) DO UPDATE SET
    observed_at = EXCLUDED.observed_at, received_at = EXCLUDED.received_at, source = EXCLUDED.source,
    geom = EXCLUDED.geom, speed_mps = EXCLUDED.speed_mps, bearing_deg = EXCLUDED.bearing_deg,
    accuracy_m = EXCLUDED.accuracy_m, altitude_m = EXCLUDED.altitude_m,
    battery_pct = coalesce(EXCLUDED.battery_pct, l.battery_pct)
WHERE l.observed_at < EXCLUDED.observed_at
