-- Trucks whose trackers were at a gate in [now - window_s, now - grace_s] (each stay at a gate, by terminal), and
-- whether a gate transaction of the truck's plate at that gate falls within tolerance_s of the stay: when none
-- does, the tracker and the gate disagree.
SELECT s.terminal_phone, v.plate, v.kind, s.gate_id, s.first_at, s.last_at, ST_X(s.at) AS lon, ST_Y(s.at) AS lat,
       EXISTS (SELECT 1 FROM gate_transaction g
               WHERE g.port_id = %(port_id)s AND g.gate_id = s.gate_id AND upper(g.truck_plate) = upper(v.plate)
                 AND g.passed_at BETWEEN s.first_at - make_interval(secs => %(tolerance_s)s)
                                     AND s.last_at + make_interval(secs => %(tolerance_s)s)) AS passed
FROM (
    SELECT h.terminal_phone, z.zone_id AS gate_id, min(h.observed_at) AS first_at, max(h.observed_at) AS last_at,
           (array_agg(h.geom ORDER BY h.observed_at))[1] AS at
    FROM vehicle_position h
    JOIN zone z ON z.port_id = %(port_id)s AND z.kind = 'gate' AND ST_Contains(z.geom, h.geom)
    WHERE h.observed_at BETWEEN %(now)s::timestamptz - make_interval(secs => %(window_s)s)
                            AND %(now)s::timestamptz - make_interval(secs => %(grace_s)s)
      AND h.geom IS NOT NULL
    GROUP BY h.terminal_phone, z.zone_id
) s
JOIN vehicle v USING (terminal_phone)
WHERE v.kind = ANY(%(kinds)s)
ORDER BY s.first_at
