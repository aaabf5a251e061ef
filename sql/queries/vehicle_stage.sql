CREATE TEMP TABLE IF NOT EXISTS stg_vehicle_position (
    terminal_phone text, observed_at timestamptz, received_at timestamptz, source text,
    lon double precision, lat double precision, speed_kmh real, direction_deg smallint, altitude_m integer,
    alarm bigint, status bigint, mileage_km real, fuel_l real, signal smallint, satellites smallint, extra text
) ON COMMIT DELETE ROWS;
