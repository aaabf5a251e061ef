-- Which berths are occupied now: a vessel heard in the last 30 minutes, stopped in the berth's water area.
SELECT b.berth_id, b.name_en, b.name_zh, b.cargo, o.mmsi, o.name AS vessel, o.observed_at,
       ST_AsBinary(b.geom) AS geom
FROM berth b
JOIN LATERAL (
    SELECT l.mmsi, v.name, l.observed_at FROM vessel_latest l LEFT JOIN vessel v USING (mmsi)
    WHERE l.geom IS NOT NULL AND ST_Intersects(b.area, l.geom) AND coalesce(l.sog_kn, 0) < 1
      AND l.observed_at > coalesce(%(at)s::timestamptz, now()) - interval '30 minutes'
    ORDER BY l.observed_at DESC LIMIT 1) o ON true
WHERE b.port_id = %(port_id)s AND b.geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326)
ORDER BY b.berth_id
