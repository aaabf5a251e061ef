-- Direct delivery (直提 / 直装): where each planned container stands, derived from what was ingested.
--   discharge (direct pickup):  waiting -> on_truck (COARRI discharge) -> at_gate (gate lane pass, out)
--                               -> done (CODECO gate-out)
--   load (direct loading):      waiting -> at_gate (gate lane pass, in) -> on_truck (CODECO gate-in)
--                               -> done (COARRI load)
-- A move counts from a day before the planned time (a box's earlier visits do not). The clock of a direct move
-- starts when the box is first touched (discharged, or at the gate coming in); it overstays when it is still in
-- the terminal after its allowance (`max_minutes`, else the port's), when it waits at the gate longer than
-- `gate_max_min`, or when it was grounded in the yard (a TOS snapshot gives it a slot: no longer direct).
-- The allowances are the port's (port.toml [rules.direct_delivery]: max_minutes, gate_max_min, grace_min).
-- `lon`/`lat`: where it stands on the map (at the ship's berth, on the road between berth and gate, at the gate,
-- in its yard slot when grounded).
WITH conf AS (
    SELECT coalesce((c ->> 'max_minutes')::int, 90) AS max_minutes,
           coalesce((c ->> 'gate_max_min')::int, 20) AS gate_max_min,
           coalesce((c ->> 'grace_min')::int, 60) AS grace_min
    FROM (SELECT coalesce((SELECT config #> '{rules,direct_delivery}' FROM port WHERE port_id = %(port_id)s),
                          '{}'::jsonb) AS c) p
), d AS (
    SELECT * FROM direct_delivery
    WHERE port_id = %(port_id)s AND planned_at < %(now)s::timestamptz + interval '48 hours'
      AND planned_at > %(now)s::timestamptz - interval '3 days'
), x AS (
    SELECT d.*, ship.moved_at AS ship_at, codeco.moved_at AS codeco_at, lane.passed_at AS lane_at,
           lane.gate_id AS lane_gate, lane.truck_plate AS lane_plate,
           (c.state = 'in_yard' AND c.block_id IS NOT NULL) AS in_slot, c.geom AS slot_pt,
           coalesce(d.berth_id, (SELECT p.berth_id FROM berth_plan p WHERE p.port_id = d.port_id
                                 AND p.voyage = d.voyage ORDER BY p.planned_arrival DESC LIMIT 1)) AS at_berth
    FROM d
    LEFT JOIN LATERAL (
        SELECT m.moved_at FROM container_move m
        WHERE m.container_no = d.container_no AND m.kind = d.direction
          AND m.moved_at >= d.planned_at - interval '1 day' AND m.moved_at <= %(now)s
        ORDER BY m.moved_at LIMIT 1) ship ON true
    LEFT JOIN LATERAL (
        SELECT m.moved_at FROM container_move m
        WHERE m.container_no = d.container_no
          AND m.kind = CASE d.direction WHEN 'discharge' THEN 'gate_out' ELSE 'gate_in' END
          AND m.moved_at >= d.planned_at - interval '1 day' AND m.moved_at <= %(now)s
        ORDER BY m.moved_at LIMIT 1) codeco ON true
    LEFT JOIN LATERAL (
        SELECT g.passed_at, g.gate_id, g.truck_plate FROM gate_transaction g
        WHERE g.container_no = d.container_no AND g.port_id = d.port_id
          AND g.direction = CASE d.direction WHEN 'discharge' THEN 'out' ELSE 'in' END
          AND g.passed_at >= d.planned_at - interval '1 day' AND g.passed_at <= %(now)s
        ORDER BY g.passed_at LIMIT 1) lane ON true
    LEFT JOIN container c ON c.container_no = d.container_no
), s AS (
    SELECT x.*,
           CASE WHEN x.direction = 'discharge' THEN
                    CASE WHEN x.codeco_at IS NOT NULL THEN 'done' WHEN x.lane_at IS NOT NULL THEN 'at_gate'
                         WHEN x.ship_at IS NOT NULL THEN 'on_truck' ELSE 'waiting' END
                ELSE CASE WHEN x.ship_at IS NOT NULL THEN 'done' WHEN x.codeco_at IS NOT NULL THEN 'on_truck'
                          WHEN x.lane_at IS NOT NULL THEN 'at_gate' ELSE 'waiting' END END AS state,
           CASE WHEN x.direction = 'discharge' THEN x.ship_at
                ELSE least(x.lane_at, x.codeco_at) END AS started_at,
           CASE WHEN x.direction = 'discharge' THEN x.codeco_at ELSE x.ship_at END AS done_at,
           coalesce(x.max_minutes, conf.max_minutes) AS limit_min,
           conf.gate_max_min, conf.grace_min
    FROM x, conf
), t AS (
    SELECT s.*,
           CASE s.state WHEN 'waiting' THEN NULL WHEN 'done' THEN s.done_at
                WHEN 'at_gate' THEN s.lane_at
                ELSE CASE WHEN s.direction = 'discharge' THEN s.ship_at ELSE s.codeco_at END END AS since,
           extract(epoch FROM coalesce(s.done_at, %(now)s::timestamptz) - s.started_at) / 60 AS minutes
    FROM s
), r AS (
    SELECT t.*,
           CASE WHEN t.state <> 'done' AND t.started_at IS NOT NULL AND t.in_slot THEN 'grounded'
                WHEN t.minutes > t.limit_min THEN 'over_time'
                WHEN t.state = 'at_gate' AND %(now)s::timestamptz - t.lane_at > make_interval(mins => t.gate_max_min)
                    THEN 'gate_hold'
           END AS overstay,
           (t.state = 'waiting' AND %(now)s::timestamptz > t.planned_at + make_interval(mins => t.grace_min)) AS late,
           b.pt AS berth_pt,
           -- the gate it passed (or was planned for), else the gate nearest its berth
           (SELECT ST_PointOnSurface(z.geom) FROM zone z
            WHERE z.port_id = t.port_id AND z.kind = 'gate'
            ORDER BY z.zone_id = coalesce(t.lane_gate, t.gate_id) DESC NULLS LAST,
                     ST_Distance(z.geom, coalesce(b.pt, z.geom)), z.zone_id LIMIT 1) AS gate_pt
    FROM t
    LEFT JOIN LATERAL (   -- the middle of the berth's quay face
        SELECT CASE WHEN GeometryType(g.geom) = 'LINESTRING' THEN ST_LineInterpolatePoint(g.geom, 0.5)
                    ELSE ST_PointOnSurface(g.geom) END AS pt
        FROM berth g WHERE g.port_id = t.port_id AND g.berth_id = t.at_berth) b ON true
), placed AS (
    SELECT r.*,
           CASE WHEN r.state = 'done' THEN NULL
                WHEN r.overstay = 'grounded' THEN coalesce(r.slot_pt, r.berth_pt)     -- in its yard slot
                WHEN r.state = 'at_gate' THEN r.gate_pt
                WHEN r.state = 'waiting' AND r.direction = 'discharge' THEN r.berth_pt
                WHEN r.state = 'waiting' THEN NULL                    -- not in the port yet
                WHEN r.berth_pt IS NULL OR r.gate_pt IS NULL THEN coalesce(r.berth_pt, r.gate_pt)
                -- on the truck: along the road, a typical 30 minutes from one end to the other
                WHEN r.direction = 'discharge' THEN ST_LineInterpolatePoint(ST_MakeLine(r.berth_pt, r.gate_pt),
                                                                            least(0.85, greatest(0.1, r.minutes / 30)))
                ELSE ST_LineInterpolatePoint(ST_MakeLine(r.gate_pt, r.berth_pt),
                                             least(0.85, greatest(0.1, (extract(epoch FROM %(now)s::timestamptz
                                                                                 - r.codeco_at) / 60) / 30)))
           END AS pt
    FROM r
)
SELECT plan_id, container_no, direction, voyage, at_berth, coalesce(lane_plate, truck_plate) AS truck_plate,
       planned_at, state, since, started_at, done_at, round(minutes)::int AS minutes, limit_min, overstay, late,
       ST_X(pt) AS lon, ST_Y(pt) AS lat
FROM placed
WHERE state <> 'done' OR done_at > %(now)s::timestamptz - make_interval(hours => %(done_keep_h)s)
ORDER BY overstay IS NULL, state = 'done', late DESC,
         array_position(ARRAY['at_gate', 'on_truck', 'waiting', 'done'], state), planned_at, container_no
