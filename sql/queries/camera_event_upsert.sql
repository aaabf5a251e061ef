-- One row per tracked object: new/update/end of the same id update it; an older update never undoes an end.
INSERT INTO camera_event AS e (event_id, source, port_id, camera_id, label, sub_label, score, top_score, start_at,
                               end_at, zones, entered_zones, has_snapshot, geom, raw, updated_at)
SELECT %(event_id)s, %(source)s, c.port_id, c.camera_id, %(label)s, %(sub_label)s, %(score)s, %(top_score)s,
       %(start_at)s, %(end_at)s, %(zones)s::text[], %(entered_zones)s::text[], %(has_snapshot)s,
       coalesce((SELECT z.geom FROM zone z
                 WHERE z.port_id = c.port_id AND z.zone_id = ANY(%(zones)s::text[] || %(entered_zones)s::text[]) LIMIT 1),
                c.fov),
       %(raw)s, now()
FROM camera c
WHERE c.port_id = %(port_id)s AND c.source_name = %(camera)s
ON CONFLICT (event_id) DO UPDATE SET
    label = EXCLUDED.label, sub_label = coalesce(EXCLUDED.sub_label, e.sub_label), score = EXCLUDED.score,
    top_score = greatest(e.top_score, EXCLUDED.top_score), end_at = coalesce(e.end_at, EXCLUDED.end_at),
    zones = EXCLUDED.zones,
    entered_zones = ARRAY(SELECT DISTINCT unnest(e.entered_zones || EXCLUDED.entered_zones) ORDER BY 1),
    has_snapshot = e.has_snapshot OR EXCLUDED.has_snapshot, geom = EXCLUDED.geom, raw = EXCLUDED.raw,
    updated_at = now()
RETURNING event_id
