-- Which berths are occupied now (or at the replayed instant `at`): a vessel heard in the last 30 minutes, stopped in the berth's water area.
-- vessel_latest has no spatial index (its rows are rewritten on every report), so the stopped, recent vessels
-- inside the berths' extent are picked first with a cheap bounding-box test, then matched to the areas.
WITH b AS (
    SELECT berth_id, name_en, name_zh, cargo, geom, area FROM berth
    WHERE port_id = %(port_id)s AND geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326)
), stopped AS MATERIALIZED (
    SELECT l.mmsi, l.observed_at, l.geom FROM vessel_positions_at(%(at)s, interval '30 minutes') l
    WHERE l.geom && (SELECT ST_Extent(area) FROM b)::geometry AND coalesce(l.sog_kn, 0) < 1
)
SELECT DISTINCT ON (b.berth_id) b.berth_id, b.name_en, b.name_zh, b.cargo, s.mmsi, v.name AS vessel,
       s.observed_at, ST_AsBinary(b.geom) AS geom
FROM b
JOIN stopped s ON ST_Intersects(b.area, s.geom)
LEFT JOIN vessel v ON v.mmsi = s.mmsi
ORDER BY b.berth_id, s.observed_at DESC
