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
       s.observed_at, w.voyage, w.planned_discharge, w.discharged, w.loaded, w.last_move, w.moves_last_hour,
       w.planned_load,
       ST_AsBinary(b.geom) AS geom
FROM b
JOIN stopped s ON ST_Intersects(b.area, s.geom)
LEFT JOIN vessel v ON v.mmsi = s.mmsi
-- her cargo work (app/berth_work.py): the voyage of hers (EDIFACT names it "VESSEL NAME/VOYAGE") with the
-- latest move in the last day; planned discharges from the BAPLIE, planned loads from the load list (COPRAR),
-- discharges and loads done from COARRI
LEFT JOIN LATERAL (
    SELECT m.vessel_voyage AS voyage,
           count(DISTINCT m.container_no) FILTER (WHERE m.kind = 'expected_discharge') AS planned_discharge,
           count(DISTINCT m.container_no) FILTER (WHERE m.kind = 'discharge') AS discharged,
           count(DISTINCT m.container_no) FILTER (WHERE m.kind = 'load') AS loaded,
           count(DISTINCT m.container_no) FILTER (WHERE m.kind = 'expected_load') AS planned_load,
           max(m.moved_at) FILTER (WHERE m.kind IN ('discharge', 'load')) AS last_move,
           count(*) FILTER (WHERE m.kind IN ('discharge', 'load')
                              AND m.moved_at > coalesce(%(at)s, now()) - interval '1 hour') AS moves_last_hour
    FROM container_move m
    WHERE v.name IS NOT NULL AND upper(split_part(m.vessel_voyage, '/', 1)) = upper(v.name)
      AND m.vessel_voyage = (SELECT n.vessel_voyage FROM container_move n
                             WHERE upper(split_part(n.vessel_voyage, '/', 1)) = upper(v.name)
                               AND n.moved_at > coalesce(%(at)s, now()) - interval '1 day'
                               AND n.moved_at <= coalesce(%(at)s, now())
                             ORDER BY n.moved_at DESC LIMIT 1)
      AND m.moved_at <= coalesce(%(at)s, now())
    GROUP BY m.vessel_voyage
) w ON true
ORDER BY b.berth_id, s.observed_at DESC
