-- A vessel's detail card: static and voyage data, the latest report, and her last 24 hours in figures.
SELECT v.mmsi, v.name, v.call_sign, v.imo, v.ship_type, v.length_m, v.beam_m, v.draught_m, v.destination, v.eta,
       v.flag, l.observed_at, l.sog_kn, l.cog_deg, l.heading_deg, l.nav_status, l.source,
       ST_X(l.geom), ST_Y(l.geom),
       (SELECT count(*) FROM vessel_position p WHERE p.mmsi = v.mmsi AND p.observed_at > now() - interval '24 hours'),
       (SELECT b.berth_id FROM berth b WHERE ST_Intersects(b.area, l.geom) LIMIT 1),
       (SELECT z.name_en FROM zone z WHERE ST_Within(l.geom, z.geom) AND z.kind IN ('anchorage', 'channel', 'harbour',
                                       'basin', 'restricted') ORDER BY ST_Area(z.geom) LIMIT 1),
       (SELECT z.name_zh FROM zone z WHERE ST_Within(l.geom, z.geom) AND z.kind IN ('anchorage', 'channel', 'harbour',
                                       'basin', 'restricted') ORDER BY ST_Area(z.geom) LIMIT 1)
FROM vessel v JOIN vessel_latest l USING (mmsi)
WHERE v.mmsi = %(mmsi)s
