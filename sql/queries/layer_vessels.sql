-- The live picture: each vessel's latest position in the view, with what the map shows about it.
-- Vessels silent for longer than max_age are left out (the dark-vessel rule, not the map, speaks of them).
SELECT l.mmsi, v.name, v.call_sign, v.imo, v.ship_type, v.ais_class, v.length_m, v.beam_m, v.draught_m,
       v.dim_a_m, v.dim_b_m, v.dim_c_m, v.dim_d_m,
       v.destination, v.flag, l.sog_kn, l.cog_deg, l.heading_deg, l.nav_status, l.observed_at, l.source,
       extract(epoch FROM (coalesce(%(at)s::timestamptz, now()) - l.observed_at))::int AS age_s,
       ST_AsBinary(l.geom) AS geom
FROM vessel_positions_at(%(at)s, make_interval(secs => %(max_age_s)s)) l
LEFT JOIN vessel v USING (mmsi)
WHERE l.geom IS NOT NULL
  AND l.geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326)
ORDER BY l.mmsi
