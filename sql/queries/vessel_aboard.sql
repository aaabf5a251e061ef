-- The teams aboard a vessel: people whose latest fix (of the last 10 minutes) is within radius_m of her latest
-- position, by team, each since the first fix after their last one farther away (within the last 12 hours).
-- Personal data: the caller keeps a team only for who may see its agency.
SELECT p.team, p.agency, min(since.first_at) AS since, count(*) AS people
FROM vessel_latest v
JOIN person_latest l ON l.observed_at > now() - interval '10 minutes'
                    AND ST_DWithin(l.geom::geography, v.geom::geography, %(radius_m)s)
JOIN person p USING (device_id)
CROSS JOIN LATERAL (
    SELECT min(h.observed_at) AS first_at FROM person_position h
    WHERE h.device_id = l.device_id
      AND h.observed_at > coalesce(
          (SELECT max(o.observed_at) FROM person_position o
           WHERE o.device_id = l.device_id AND o.observed_at > now() - interval '12 hours'
             AND NOT ST_DWithin(o.geom::geography, v.geom::geography, %(radius_m)s)),
          now() - interval '12 hours')) since
WHERE v.mmsi = %(mmsi)s AND v.geom IS NOT NULL
GROUP BY p.team, p.agency
ORDER BY min(since.first_at)
