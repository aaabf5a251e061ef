-- Vehicles' latest fixes for the rules (the last 12 hours before the cycle's instant), with plate and kind.
SELECT l.terminal_phone, v.plate, coalesce(v.kind, 'unregistered') AS kind, l.observed_at, ST_X(l.geom) AS lon,
       ST_Y(l.geom) AS lat, l.speed_kmh, l.alarm,
       extract(epoch FROM (%(now)s::timestamptz - l.observed_at))::float8 AS age_s
FROM vehicle_latest l
LEFT JOIN vehicle v USING (terminal_phone)
WHERE l.geom IS NOT NULL AND l.observed_at <= %(now)s::timestamptz
  AND l.observed_at > %(now)s::timestamptz - interval '12 hours'
ORDER BY l.terminal_phone
