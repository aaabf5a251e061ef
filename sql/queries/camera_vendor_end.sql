-- A vendor's event ended (Hikvision inactive, Dahua Stop): end the open row of that camera, source and topic.
-- One row: the camera (NULL: no camera has these ids) and the ids of the rows ended (NULL: none was open).
WITH cam AS (
    SELECT c.* FROM camera c WHERE c.port_id = %(port_id)s AND c.vendor_ids && %(keys)s::text[]
    ORDER BY array_position(%(keys)s::text[], (SELECT k FROM unnest(c.vendor_ids) k
                                               WHERE k = ANY(%(keys)s::text[]) LIMIT 1)) LIMIT 1
), ended AS (
    UPDATE camera_event e SET end_at = greatest(%(at)s, e.start_at),
        raw = e.raw || jsonb_build_object('end', %(raw)s::jsonb), updated_at = now()
    FROM cam WHERE e.port_id = cam.port_id AND e.camera_id = cam.camera_id AND e.source = %(source)s
      AND e.end_at IS NULL AND e.raw->>'topic' = %(topic)s
    RETURNING e.event_id
)
SELECT (SELECT camera_id FROM cam) AS camera_id, (SELECT array_agg(event_id) FROM ended) AS ended
