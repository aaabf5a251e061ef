-- The port's statistics, hour by hour, rolled up from what was ingested (AIS, container moves, gate passes),
-- so that a day, a month or a year of them reads a few hundred rows. port_stats_rollup() recomputes the hours
-- of a range (idempotent); the alert engine's process keeps the recent hours current (ingest/stats.py).
CREATE TABLE port_stats_hour (
    port_id              text NOT NULL,
    hour                 timestamptz NOT NULL,            -- the start of the UTC hour
    berth_arrivals       integer NOT NULL DEFAULT 0,      -- vessel calls: a vessel alongside that was not the hour before
    berth_departures     integer NOT NULL DEFAULT 0,
    berth_vessel_hours   integer NOT NULL DEFAULT 0,      -- vessels alongside during the hour
    anchorage_arrivals   integer NOT NULL DEFAULT 0,
    anchorage_departures integer NOT NULL DEFAULT 0,
    anchorage_vessel_hours integer NOT NULL DEFAULT 0,
    boxes_moved          integer NOT NULL DEFAULT 0,      -- loads and discharges
    teu_moved            real NOT NULL DEFAULT 0,
    tonnes_moved         real NOT NULL DEFAULT 0,         -- gross mass of the boxes moved
    gate_in              integer NOT NULL DEFAULT 0,
    gate_out             integer NOT NULL DEFAULT 0,
    dg_boxes_moved       integer NOT NULL DEFAULT 0,      -- loads and discharges of declared dangerous goods
    dg_gate_passes       integer NOT NULL DEFAULT 0,      -- gate passes declaring or showing dangerous goods
    computed_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (port_id, hour)
);

CREATE FUNCTION port_stats_rollup(p_port text, p_from timestamptz, p_to timestamptz) RETURNS integer
LANGUAGE sql AS $$
WITH hours AS (
    SELECT generate_series(date_trunc('hour', p_from), p_to - interval '1 second', interval '1 hour') AS hour
),
-- Where each vessel lay, hour by hour: a report under 1 kn in a berth's water or in an anchorage.
presence AS (
    SELECT date_trunc('hour', p.observed_at) AS hour, p.mmsi,
           bool_or(EXISTS (SELECT 1 FROM berth b WHERE b.port_id = p_port AND ST_Intersects(b.area, p.geom)))
               AS alongside,
           bool_or(EXISTS (SELECT 1 FROM zone z WHERE z.port_id = p_port AND z.kind = 'anchorage'
                                                  AND ST_Intersects(z.geom, p.geom))) AS anchored
    FROM vessel_position p
    WHERE p.observed_at >= date_trunc('hour', p_from) - interval '1 hour' AND p.observed_at < p_to
      AND p.sog_kn < 1 AND p.geom IS NOT NULL
      AND p.geom && (SELECT bbox FROM port WHERE port_id = p_port)
    GROUP BY 1, 2
),
pairs AS (      -- each vessel in an hour against the hour before
    SELECT coalesce(c.hour, b.hour + interval '1 hour') AS hour,
           coalesce(c.alongside, false) AS now_alongside, coalesce(b.alongside, false) AS was_alongside,
           coalesce(c.anchored, false) AS now_anchored, coalesce(b.anchored, false) AS was_anchored
    FROM presence c
    FULL JOIN presence b ON b.mmsi = c.mmsi AND b.hour = c.hour - interval '1 hour'
),
vessels AS (
    SELECT hour,
           count(*) FILTER (WHERE now_alongside AND NOT was_alongside) AS berth_arrivals,
           count(*) FILTER (WHERE was_alongside AND NOT now_alongside) AS berth_departures,
           count(*) FILTER (WHERE now_alongside) AS berth_vessel_hours,
           count(*) FILTER (WHERE now_anchored AND NOT was_anchored) AS anchorage_arrivals,
           count(*) FILTER (WHERE was_anchored AND NOT now_anchored) AS anchorage_departures,
           count(*) FILTER (WHERE now_anchored) AS anchorage_vessel_hours
    FROM pairs GROUP BY hour
),
moves AS (
    SELECT date_trunc('hour', m.moved_at) AS hour,
           count(*) AS boxes,
           sum(CASE WHEN left(c.iso_type, 1) IN ('4', 'L', 'M', 'P') THEN 2 ELSE 1 END) AS teu,
           coalesce(sum(c.gross_kg), 0) / 1000.0 AS tonnes,
           count(*) FILTER (WHERE EXISTS (SELECT 1 FROM hazmat_declaration d WHERE d.subject_kind = 'container'
                                                                           AND d.subject_id = m.container_no)) AS dg
    FROM container_move m
    LEFT JOIN container c ON c.container_no = m.container_no
    WHERE m.kind IN ('load', 'discharge') AND coalesce(m.port_id, p_port) = p_port
      AND m.moved_at >= date_trunc('hour', p_from) AND m.moved_at < p_to
    GROUP BY 1
),
gates AS (
    SELECT date_trunc('hour', passed_at) AS hour,
           count(*) FILTER (WHERE direction = 'in') AS gate_in,
           count(*) FILTER (WHERE direction = 'out') AS gate_out,
           count(*) FILTER (WHERE declared_un IS NOT NULL OR observed_un IS NOT NULL) AS dg
    FROM gate_transaction
    WHERE port_id = p_port AND passed_at >= date_trunc('hour', p_from) AND passed_at < p_to
    GROUP BY 1
),
written AS (
    INSERT INTO port_stats_hour AS s (port_id, hour, berth_arrivals, berth_departures, berth_vessel_hours,
                                      anchorage_arrivals, anchorage_departures, anchorage_vessel_hours,
                                      boxes_moved, teu_moved, tonnes_moved, gate_in, gate_out, dg_boxes_moved,
                                      dg_gate_passes, computed_at)
    SELECT p_port, h.hour, coalesce(v.berth_arrivals, 0), coalesce(v.berth_departures, 0),
           coalesce(v.berth_vessel_hours, 0), coalesce(v.anchorage_arrivals, 0), coalesce(v.anchorage_departures, 0),
           coalesce(v.anchorage_vessel_hours, 0), coalesce(m.boxes, 0), coalesce(m.teu, 0), coalesce(m.tonnes, 0),
           coalesce(g.gate_in, 0), coalesce(g.gate_out, 0), coalesce(m.dg, 0), coalesce(g.dg, 0), now()
    FROM hours h
    LEFT JOIN vessels v USING (hour)
    LEFT JOIN moves m USING (hour)
    LEFT JOIN gates g USING (hour)
    ON CONFLICT (port_id, hour) DO UPDATE SET
        berth_arrivals = EXCLUDED.berth_arrivals, berth_departures = EXCLUDED.berth_departures,
        berth_vessel_hours = EXCLUDED.berth_vessel_hours, anchorage_arrivals = EXCLUDED.anchorage_arrivals,
        anchorage_departures = EXCLUDED.anchorage_departures,
        anchorage_vessel_hours = EXCLUDED.anchorage_vessel_hours, boxes_moved = EXCLUDED.boxes_moved,
        teu_moved = EXCLUDED.teu_moved, tonnes_moved = EXCLUDED.tonnes_moved, gate_in = EXCLUDED.gate_in,
        gate_out = EXCLUDED.gate_out, dg_boxes_moved = EXCLUDED.dg_boxes_moved,
        dg_gate_passes = EXCLUDED.dg_gate_passes, computed_at = EXCLUDED.computed_at
    RETURNING 1
)
SELECT count(*)::integer FROM written
$$;
