-- A vendor's event began (Hikvision active, Dahua Start/Pulse, a GB/T 28181 alarm): a new row, unless the same
-- camera already has this topic open (Hikvision repeats "active" every second): then that row is touched.
-- The camera is the first whose vendor_ids hold one of %(keys)s; x0/x1 (0..1 across the image) narrow the cone.
WITH cam AS (
    SELECT c.* FROM camera c WHERE c.port_id = %(port_id)s AND c.vendor_ids && %(keys)s::text[]
    ORDER BY array_position(%(keys)s::text[], (SELECT k FROM unnest(c.vendor_ids) k
                                               WHERE k = ANY(%(keys)s::text[]) LIMIT 1)) LIMIT 1
), open AS (
    UPDATE camera_event e SET raw = %(raw)s, score = coalesce(%(score)s, e.score),
        top_score = greatest(e.top_score, %(score)s), updated_at = now()
    FROM cam WHERE %(end_at)s::timestamptz IS NULL AND e.port_id = cam.port_id AND e.camera_id = cam.camera_id
      AND e.source = %(source)s AND e.end_at IS NULL AND e.raw->>'topic' = %(topic)s
    RETURNING e.event_id
), new AS (
    INSERT INTO camera_event (event_id, source, port_id, camera_id, label, sub_label, score, top_score, start_at, end_at,
                              has_snapshot, geom, raw)
    SELECT %(event_id)s, %(source)s, cam.port_id, cam.camera_id, %(label)s, %(sub_label)s, %(score)s, %(score)s, %(at)s,
           %(end_at)s, %(has_snapshot)s,
           CASE WHEN %(x0)s::float8 IS NULL OR cam.fov_deg >= 360 THEN cam.fov
                ELSE coalesce(nullif(ST_Intersection(cam.fov, ST_MakePolygon(ST_MakeLine(ARRAY[
                    cam.geom,
                    ST_Project(cam.geom::geography, cam.range_m * 1.5,
                               radians(cam.bearing_deg + (%(x0)s::float8 - 0.5) * cam.fov_deg))::geometry,
                    ST_Project(cam.geom::geography, cam.range_m * 1.5,
                               radians(cam.bearing_deg + (%(x1)s::float8 - 0.5) * cam.fov_deg))::geometry,
                    cam.geom]))), 'GEOMETRYCOLLECTION EMPTY'::geometry), cam.fov) END,
           %(raw)s
    FROM cam WHERE NOT EXISTS (SELECT 1 FROM open)
    ON CONFLICT (event_id) DO UPDATE SET raw = EXCLUDED.raw, updated_at = now()
    RETURNING event_id
)
SELECT event_id, false AS continued FROM new UNION ALL SELECT event_id, true FROM open
