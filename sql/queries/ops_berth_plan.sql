-- Berth plan against reality: each planned call whose window touches [now - 12 h, now + 48 h], where AIS
-- shows the vessel now (alongside which berth, at anchor, elsewhere) and what that means, plus which other
-- vessel lies at the planned berth during the planned window and whether plans for one berth overlap.
WITH plans AS (
    SELECT b.*, coalesce(b.mmsi, v.mmsi) AS vessel_mmsi
    FROM berth_plan b
    LEFT JOIN vessel v ON b.mmsi IS NULL AND v.imo = b.imo
    WHERE b.port_id = %(port_id)s AND b.planned_departure > %(now)s::timestamptz - interval '12 hours'
      AND b.planned_arrival < %(now)s::timestamptz + interval '48 hours'
),
latest AS (       -- where each planned vessel is now: the berth whose water she lies in (slow), or the anchorage
    SELECT p.plan_id, l.observed_at, l.sog_kn,
           (SELECT bb.berth_id FROM berth bb WHERE bb.port_id = %(port_id)s AND ST_Intersects(bb.area, l.geom)
                                              AND l.sog_kn < 1 LIMIT 1) AS at_berth,
           (SELECT z.zone_id FROM zone z WHERE z.port_id = %(port_id)s AND z.kind = 'anchorage'
                                            AND ST_Intersects(z.geom, l.geom) LIMIT 1) AS at_anchorage
    FROM plans p
    JOIN vessel_latest l ON l.mmsi = p.vessel_mmsi AND l.observed_at > %(now)s::timestamptz - interval '30 minutes'
),
occupants AS (    -- who lies at each berth now (slow in its water), for berths planned for someone else
    SELECT bb.berth_id, l.mmsi, coalesce(v.name, l.mmsi::text) AS name
    FROM berth bb
    JOIN vessel_latest l ON ST_Intersects(bb.area, l.geom) AND l.sog_kn < 1
                        AND l.observed_at > %(now)s::timestamptz - interval '30 minutes'
    LEFT JOIN vessel v ON v.mmsi = l.mmsi
    WHERE bb.port_id = %(port_id)s
)
SELECT p.plan_id, p.berth_id, p.vessel_mmsi, coalesce(p.vessel_name, v.name, p.vessel_mmsi::text) AS name, p.voyage,
       p.planned_arrival, p.planned_departure, l.at_berth, l.at_anchorage, l.observed_at AS seen_at,
       CASE
           WHEN l.at_berth = p.berth_id THEN 'alongside'
           WHEN l.at_berth IS NOT NULL THEN 'wrong_berth'
           WHEN p.planned_departure < %(now)s THEN 'missed'
           WHEN p.planned_arrival + make_interval(mins => %(grace_min)s) < %(now)s THEN 'late'
           WHEN l.at_anchorage IS NOT NULL THEN 'waiting'
           WHEN l.plan_id IS NULL THEN 'not_seen'
           ELSE 'expected'
       END AS status,
       round((extract(epoch FROM (%(now)s::timestamptz - p.planned_arrival)) / 60)::numeric)::int AS late_min,
       (SELECT string_agg(o.name, ', ') FROM occupants o
        WHERE o.berth_id = p.berth_id AND o.mmsi IS DISTINCT FROM p.vessel_mmsi
          AND p.planned_arrival <= %(now)s::timestamptz + interval '1 hour' AND p.planned_departure > %(now)s)
           AS occupied_by,
       (SELECT string_agg(q.plan_id, ', ') FROM plans q
        WHERE q.berth_id = p.berth_id AND q.plan_id <> p.plan_id
          AND q.planned_arrival < p.planned_departure AND p.planned_arrival < q.planned_departure) AS overlaps
FROM plans p
LEFT JOIN latest l ON l.plan_id = p.plan_id
LEFT JOIN vessel v ON v.mmsi = p.vessel_mmsi
ORDER BY p.planned_arrival, p.berth_id
