-- The alert engine's view of the vessels: every latest position in the port's area of interest from the last
-- six hours (older ones are neither moving nor dark any more), with what the rules need of each vessel.
SELECT l.mmsi, v.name, v.ship_type, v.length_m, ST_X(l.geom) AS lon, ST_Y(l.geom) AS lat, l.sog_kn, l.cog_deg,
       l.heading_deg, l.nav_status, l.observed_at, l.source,
       extract(epoch FROM (%(now)s::timestamptz - l.observed_at))::float8 AS age_s
FROM vessel_latest l
LEFT JOIN vessel v USING (mmsi)
JOIN port p ON p.port_id = %(port_id)s
WHERE l.geom IS NOT NULL AND l.geom && p.bbox
  AND l.observed_at > %(now)s::timestamptz - interval '6 hours'
  AND coalesce(v.kind, 'vessel') = 'vessel'
