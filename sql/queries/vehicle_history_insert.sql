-- The staged reports into history; a report stored already (a blind-area re-send, a retry after a lost commit)
-- is not stored twice.
INSERT INTO vehicle_position (terminal_phone, observed_at, received_at, source, geom, speed_kmh, direction_deg,
                              altitude_m, alarm, status, mileage_km, fuel_l, signal, satellites, extra)
SELECT terminal_phone, observed_at, received_at, source,
       CASE WHEN lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(lon, lat), 4326) END,
       speed_kmh, direction_deg, altitude_m, alarm, status, mileage_km, fuel_l, signal, satellites, extra::jsonb
FROM stg_vehicle_position
ON CONFLICT (terminal_phone, observed_at) DO NOTHING
