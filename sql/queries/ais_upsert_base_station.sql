INSERT INTO base_station AS b (mmsi, geom, station_time, observed_at, source)
VALUES (%s, ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, %s, %s)
ON CONFLICT (mmsi) DO UPDATE SET geom = EXCLUDED.geom, station_time = EXCLUDED.station_time,
    observed_at = EXCLUDED.observed_at, source = EXCLUDED.source
WHERE b.observed_at < EXCLUDED.observed_at
