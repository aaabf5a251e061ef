-- Anchorage occupancy now (or at `at`): the vessels at anchor or stopped in each anchorage.
-- The stopped vessels inside the anchorages' extent are picked first with a bounding-box test (vessel_latest has
-- no spatial index), then matched to the areas.
WITH a AS (
    SELECT zone_id, name_en, name_zh, (props ->> 'max_stay_h')::real AS max_stay_h, geom FROM zone
    WHERE port_id = %(port_id)s AND kind = 'anchorage'
      AND geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326)
), near AS MATERIALIZED (
    SELECT l.mmsi, l.geom FROM vessel_positions_at(%(at)s, interval '30 minutes') l
    WHERE l.geom && (SELECT ST_Extent(geom) FROM a)::geometry AND (l.nav_status = 1 OR coalesce(l.sog_kn, 0) < 1)
), inside AS (
    SELECT a.zone_id, n.mmsi, v.name FROM a
    JOIN near n ON ST_Within(n.geom, a.geom)
    LEFT JOIN vessel v ON v.mmsi = n.mmsi
)
SELECT a.zone_id, a.name_en, a.name_zh, a.max_stay_h, count(i.mmsi) AS vessels,
       array_remove(array_agg(coalesce(i.name, i.mmsi::text) ORDER BY i.name), NULL) AS names,
       -- at the anchorage's north-west corner, where its count is not hidden under the ships lying in it
       ST_AsBinary(ST_ClosestPoint(a.geom, ST_SetSRID(ST_MakePoint(ST_XMin(a.geom), ST_YMax(a.geom)), 4326))) AS geom
FROM a LEFT JOIN inside i USING (zone_id)
GROUP BY a.zone_id, a.name_en, a.name_zh, a.max_stay_h, a.geom
ORDER BY a.zone_id
