-- Gates with their traffic: trucks through in the last hour (before `at` in a replay), trucks inside the port
-- (their last pass, within 12 h, was in), dangerous goods declared, and the last few passes.
WITH g AS (
    SELECT zone_id AS gate_id, name_en, name_zh, (props ->> 'lanes')::int AS lanes, geom FROM zone
    WHERE port_id = %(port_id)s AND kind = 'gate'
      AND geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326)
), t AS MATERIALIZED (
    SELECT * FROM gate_transaction
    WHERE port_id = %(port_id)s AND passed_at <= coalesce(%(at)s::timestamptz, now())
      AND passed_at > coalesce(%(at)s::timestamptz, now()) - interval '12 hours'
), last_pass AS (
    SELECT DISTINCT ON (truck_plate) truck_plate, gate_id, direction FROM t ORDER BY truck_plate, passed_at DESC
)
SELECT g.gate_id, g.name_en, g.name_zh, g.lanes,
       (SELECT count(*) FROM t WHERE t.gate_id = g.gate_id AND t.direction = 'in'
          AND t.passed_at > coalesce(%(at)s::timestamptz, now()) - interval '1 hour') AS in_hour,
       (SELECT count(*) FROM t WHERE t.gate_id = g.gate_id AND t.direction = 'out'
          AND t.passed_at > coalesce(%(at)s::timestamptz, now()) - interval '1 hour') AS out_hour,
       (SELECT count(*) FROM last_pass p WHERE p.gate_id = g.gate_id AND p.direction = 'in') AS trucks_inside,
       (SELECT count(*) FROM t WHERE t.gate_id = g.gate_id AND (t.declared_un IS NOT NULL OR t.observed_un IS NOT NULL)
          AND t.passed_at > coalesce(%(at)s::timestamptz, now()) - interval '1 hour') AS dg_hour,
       (SELECT array_agg(to_char(passed_at AT TIME ZONE 'UTC', 'HH24:MI') || ' ' || direction || ' ' || truck_plate
                         || coalesce(' ' || container_no, '') || coalesce(' UN' || lpad(declared_un::text, 4, '0'), '')
                         ORDER BY passed_at DESC)
          FROM (SELECT * FROM t WHERE t.gate_id = g.gate_id ORDER BY passed_at DESC LIMIT 5) r) AS recent,
       ST_AsBinary(ST_PointOnSurface(g.geom)) AS geom
FROM g
ORDER BY g.gate_id
