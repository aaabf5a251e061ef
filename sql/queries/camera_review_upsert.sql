INSERT INTO camera_review AS r (review_id, port_id, camera_id, severity, objects, sub_labels, zones, detections,
                                start_at, end_at, raw, updated_at)
SELECT %(review_id)s, c.port_id, c.camera_id, %(severity)s, %(objects)s::text[], %(sub_labels)s::text[],
       %(zones)s::text[], %(detections)s::text[], %(start_at)s, %(end_at)s, %(raw)s, now()
FROM camera c WHERE c.port_id = %(port_id)s AND c.source_name = %(camera)s
ON CONFLICT (review_id) DO UPDATE SET
    severity = CASE WHEN r.severity = 'alert' THEN 'alert' ELSE EXCLUDED.severity END,   -- never downgraded
    objects = EXCLUDED.objects, sub_labels = EXCLUDED.sub_labels, zones = EXCLUDED.zones,
    detections = EXCLUDED.detections, end_at = coalesce(r.end_at, EXCLUDED.end_at), raw = EXCLUDED.raw,
    updated_at = now()
RETURNING review_id
