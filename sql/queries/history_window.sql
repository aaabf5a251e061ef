-- Every report with a position in a window (and the six hours before it), in time order: what a retrospective
-- run replays in memory instead of asking for each step.
SELECT p.mmsi, extract(epoch FROM p.observed_at)::float8, ST_X(p.geom), ST_Y(p.geom), p.sog_kn, p.cog_deg,
       p.heading_deg, p.nav_status, p.source
FROM vessel_position p
JOIN port pt ON pt.port_id = %(port_id)s
WHERE p.observed_at > %(from)s::timestamptz - interval '6 hours' AND p.observed_at <= %(to)s::timestamptz
  AND p.geom IS NOT NULL AND p.geom && pt.bbox
ORDER BY p.observed_at, p.mmsi
