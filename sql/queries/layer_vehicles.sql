-- Vehicles in view at now (or the replayed instant): each terminal's last fix within 10 minutes, its plate and
-- kind from the registry (unregistered: only the terminal's number), and its trail over the 5 minutes before.
SELECT t.terminal_phone, v.plate, coalesce(v.kind, 'unregistered') AS kind, v.owner, p.observed_at, p.speed_kmh,
       p.direction_deg, (p.alarm & 1) = 1 AS emergency, p.alarm, p.status, p.mileage_km, p.fuel_l,
       extract(epoch FROM (coalesce(%(at)s::timestamptz, now()) - p.observed_at))::int AS age_s,
       ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat, ST_AsBinary(p.geom) AS geom, ST_AsText(tr.trail) AS trail
FROM vehicle_latest t
LEFT JOIN vehicle v USING (terminal_phone)
CROSS JOIN LATERAL (
    SELECT h.observed_at, h.geom, h.speed_kmh, h.direction_deg, h.alarm, h.status, h.mileage_km, h.fuel_l
    FROM vehicle_position h
    WHERE h.terminal_phone = t.terminal_phone AND h.geom IS NOT NULL
      AND h.observed_at <= coalesce(%(at)s::timestamptz, now())
    ORDER BY h.observed_at DESC LIMIT 1) p
LEFT JOIN LATERAL (
    SELECT CASE WHEN count(*) > 1 THEN ST_MakeLine(h.geom ORDER BY h.observed_at) END AS trail
    FROM vehicle_position h
    WHERE h.terminal_phone = t.terminal_phone AND h.geom IS NOT NULL
      AND h.observed_at BETWEEN p.observed_at - make_interval(secs => %(trail_s)s) AND p.observed_at) tr ON true
WHERE p.observed_at > coalesce(%(at)s::timestamptz, now()) - interval '10 minutes'
  AND p.geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326)
ORDER BY t.terminal_phone
