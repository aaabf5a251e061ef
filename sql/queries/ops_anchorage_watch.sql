-- Anchorage watch: every vessel lying in an anchorage now, how long she has waited there (since her first
-- report of this spell inside that anchorage, looking back 7 days), and her next planned berth and its time.
WITH here AS (
    SELECT l.mmsi, l.observed_at, l.sog_kn, l.nav_status, l.geom, z.zone_id, z.name_en, z.name_zh,
           (z.props ->> 'max_stay_h')::float8 AS max_stay_h
    FROM vessel_latest l
    JOIN zone z ON z.port_id = %(port_id)s AND z.kind = 'anchorage' AND ST_Intersects(z.geom, l.geom)
    WHERE l.observed_at > %(now)s::timestamptz - interval '30 minutes' AND l.sog_kn < 3
)
SELECT h.mmsi, coalesce(v.name, h.mmsi::text) AS name, h.zone_id, h.name_en, h.name_zh, h.nav_status,
       round(h.sog_kn::numeric, 1)::float8 AS sog_kn,
       since.first_at AS waiting_since,
       round((extract(epoch FROM (%(now)s::timestamptz - since.first_at)) / 3600)::numeric, 1)::float8 AS waiting_h,
       h.max_stay_h, p.berth_id AS planned_berth, p.planned_arrival, p.voyage
FROM here h
LEFT JOIN vessel v ON v.mmsi = h.mmsi
CROSS JOIN LATERAL (
    SELECT coalesce(min(q.observed_at), h.observed_at) AS first_at
    FROM vessel_position q
    WHERE q.mmsi = h.mmsi AND q.observed_at > %(now)s::timestamptz - interval '7 days'
      AND q.observed_at > coalesce((
          SELECT max(o.observed_at) FROM vessel_position o
          JOIN zone z ON z.port_id = %(port_id)s AND z.zone_id = h.zone_id
          WHERE o.mmsi = h.mmsi AND o.observed_at > %(now)s::timestamptz - interval '7 days'
            AND o.geom IS NOT NULL AND NOT ST_Intersects(z.geom, o.geom)), '-infinity')
) since
LEFT JOIN LATERAL (
    SELECT b.berth_id, b.planned_arrival, b.voyage FROM berth_plan b
    WHERE b.port_id = %(port_id)s AND (b.mmsi = h.mmsi OR (b.mmsi IS NULL AND b.imo = v.imo))
      AND b.planned_departure > %(now)s
    ORDER BY b.planned_arrival LIMIT 1
) p ON true
ORDER BY since.first_at
