-- The alert engine's view of the vessels at a past instant (retrospective evaluation): each vessel's last
-- report at or before `now` from history (positions as of then, not the last ones), from the six hours before.
SELECT p.mmsi, v.name, v.ship_type, v.length_m, ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat, p.sog_kn, p.cog_deg,
       p.heading_deg, p.nav_status, p.observed_at, p.source,
       extract(epoch FROM (%(now)s::timestamptz - p.observed_at))::float8 AS age_s
FROM (SELECT DISTINCT ON (mmsi) * FROM vessel_position
      WHERE observed_at <= %(now)s::timestamptz AND observed_at > %(now)s::timestamptz - interval '6 hours'
        AND geom IS NOT NULL
      ORDER BY mmsi, observed_at DESC) p
LEFT JOIN vessel v USING (mmsi)
JOIN port pt ON pt.port_id = %(port_id)s
WHERE p.geom && pt.bbox AND coalesce(v.kind, 'vessel') = 'vessel'
