-- The live picture for the map's tick: only what the icons, hulls and labels need, positions as numbers.
SELECT l.mmsi, v.name, v.ship_type, l.heading_deg, l.cog_deg, l.sog_kn, l.nav_status,
       v.dim_a_m, v.dim_b_m, v.dim_c_m, v.dim_d_m, ST_X(l.geom) AS lon, ST_Y(l.geom) AS lat
FROM vessel_positions_at(%(at)s, make_interval(secs => %(max_age_s)s)) l
LEFT JOIN vessel v USING (mmsi)
WHERE l.geom IS NOT NULL
  AND l.geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326)
ORDER BY l.mmsi
