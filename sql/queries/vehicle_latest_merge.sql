-- The live picture moves only forward; a report without a fix keeps the last known position.
INSERT INTO vehicle_latest AS l (terminal_phone, observed_at, received_at, source, geom, speed_kmh, direction_deg,
                                 altitude_m, alarm, status, mileage_km, fuel_l, signal, satellites, extra)
SELECT DISTINCT ON (terminal_phone) terminal_phone, observed_at, received_at, source,
       CASE WHEN lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(lon, lat), 4326) END,
       speed_kmh, direction_deg, altitude_m, alarm, status, mileage_km, fuel_l, signal, satellites, extra::jsonb
FROM stg_vehicle_position
ORDER BY terminal_phone, observed_at DESC, (lon IS NULL), received_at
ON CONFLICT (terminal_phone) DO UPDATE SET
    observed_at = EXCLUDED.observed_at, received_at = EXCLUDED.received_at, source = EXCLUDED.source,
    geom = coalesce(EXCLUDED.geom, l.geom), speed_kmh = EXCLUDED.speed_kmh, direction_deg = EXCLUDED.direction_deg,
    altitude_m = EXCLUDED.altitude_m, alarm = EXCLUDED.alarm, status = EXCLUDED.status,
    mileage_km = coalesce(EXCLUDED.mileage_km, l.mileage_km), fuel_l = coalesce(EXCLUDED.fuel_l, l.fuel_l),
    signal = EXCLUDED.signal, satellites = EXCLUDED.satellites, extra = EXCLUDED.extra
WHERE l.observed_at < EXCLUDED.observed_at
