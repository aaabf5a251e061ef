-- For each vessel now at anchor: the first report of its current anchored spell (the anchor's position),
-- looking back at most two days.
SELECT t.mmsi, ST_X(f.geom), ST_Y(f.geom), f.observed_at
FROM unnest(%(mmsi)s::int[]) AS t(mmsi)
CROSS JOIN LATERAL (
    SELECT p.geom, p.observed_at FROM vessel_position p
    WHERE p.mmsi = t.mmsi AND p.geom IS NOT NULL AND p.nav_status = 1
      AND p.observed_at > %(now)s::timestamptz - interval '2 days'
      AND p.observed_at > coalesce((SELECT max(o.observed_at) FROM vessel_position o
                                    WHERE o.mmsi = t.mmsi AND o.observed_at > %(now)s::timestamptz - interval '2 days'
                                      AND o.nav_status IS DISTINCT FROM 1), '-infinity')
    ORDER BY p.observed_at LIMIT 1) f
