-- People (phone trackers) in view at now (or the replayed instant): each device's last fix within 15 minutes, its
-- person and team (agency) from the registry, and its trail over the 10 minutes before. Personal data: the
-- caller drops the rows a user may not see (portdomain.roles.redact, by personal_agency).
SELECT t.device_id, p2.name AS person, coalesce(p2.team, 'unregistered') AS team, p2.agency AS personal_agency,
       p.observed_at, p.speed_mps, p.bearing_deg, p.accuracy_m, p.battery_pct,
       extract(epoch FROM (coalesce(%(at)s::timestamptz, now()) - p.observed_at))::int AS age_s,
       ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat, ST_AsBinary(p.geom) AS geom, ST_AsText(tr.trail) AS trail
FROM person_latest t
LEFT JOIN person p2 USING (device_id)
CROSS JOIN LATERAL (
    SELECT h.observed_at, h.geom, h.speed_mps, h.bearing_deg, h.accuracy_m, h.battery_pct
    FROM person_position h
    WHERE h.device_id = t.device_id AND h.observed_at <= coalesce(%(at)s::timestamptz, now())
    ORDER BY h.observed_at DESC LIMIT 1) p
LEFT JOIN LATERAL (
    SELECT CASE WHEN count(*) > 1 THEN ST_MakeLine(h.geom ORDER BY h.observed_at) END AS trail
    FROM person_position h
    WHERE h.device_id = t.device_id
      AND h.observed_at BETWEEN p.observed_at - make_interval(secs => %(trail_s)s) AND p.observed_at) tr ON true
WHERE p.observed_at > coalesce(%(at)s::timestamptz, now()) - interval '15 minutes'
  AND p.geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326)
ORDER BY t.device_id
