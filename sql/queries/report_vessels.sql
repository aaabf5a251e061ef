-- The report's ships at berth and at anchor at `to`: where, since their report, their destination and ETA.
WITH v AS (
    SELECT l.mmsi, l.geom, l.sog_kn, l.nav_status, l.observed_at, ves.name, ves.destination, ves.eta, ves.ship_type
    FROM vessel_positions_at(%(to)s, interval '30 minutes') l
    JOIN port p ON p.port_id = %(port_id)s AND l.geom && p.bbox
    LEFT JOIN vessel ves USING (mmsi)
    WHERE l.geom IS NOT NULL
)
SELECT * FROM (
    SELECT DISTINCT ON (v.mmsi) 'berth' AS kind, b.berth_id AS place, b.name_en, b.name_zh, v.mmsi, v.name,
           v.ship_type, v.destination, v.eta, v.observed_at
    FROM v JOIN berth b ON b.port_id = %(port_id)s AND ST_Intersects(b.area, v.geom)
    WHERE coalesce(v.sog_kn, 0) < 1
    ORDER BY v.mmsi, b.berth_id
) berthed
UNION ALL
SELECT 'anchorage', z.zone_id, z.name_en, z.name_zh, v.mmsi, v.name, v.ship_type, v.destination, v.eta, v.observed_at
FROM v JOIN zone z ON z.port_id = %(port_id)s AND z.kind = 'anchorage' AND ST_Within(v.geom, z.geom)
WHERE v.nav_status = 1 OR coalesce(v.sog_kn, 0) < 1
ORDER BY 1 DESC, 2, 6
