-- Trucks inside a terminal now (a fix of the last fresh_s) and since when: the first fix after their last one
-- outside that terminal (within the last day).
SELECT l.terminal_phone, v.plate, v.kind, z.zone_id, l.observed_at, ST_X(l.geom) AS lon, ST_Y(l.geom) AS lat,
       (SELECT min(h.observed_at) FROM vehicle_position h
        WHERE h.terminal_phone = l.terminal_phone AND h.geom IS NOT NULL AND h.observed_at <= %(now)s::timestamptz
          AND h.observed_at > coalesce(
              (SELECT max(o.observed_at) FROM vehicle_position o
               WHERE o.terminal_phone = l.terminal_phone AND o.geom IS NOT NULL
                 AND o.observed_at > %(now)s::timestamptz - interval '1 day'
                 AND o.observed_at <= %(now)s::timestamptz AND NOT ST_Contains(z.geom, o.geom)),
              %(now)s::timestamptz - interval '1 day')) AS since
FROM vehicle_latest l
JOIN vehicle v USING (terminal_phone)
JOIN zone z ON z.port_id = %(port_id)s AND z.kind = 'terminal' AND ST_Contains(z.geom, l.geom)
WHERE l.observed_at > %(now)s::timestamptz - make_interval(secs => %(fresh_s)s)
  AND l.observed_at <= %(now)s::timestamptz AND v.kind = ANY(%(kinds)s)
ORDER BY l.terminal_phone
